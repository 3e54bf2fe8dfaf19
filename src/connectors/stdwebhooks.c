/*
 * stdwebhooks.c: Standard Webhooks (see stdwebhooks.h). Signing and verification: the signed
 * content is fed to the MAC as parts (id, ".", timestamp, ".", body), never joined into a
 * copy; candidates are compared in constant time against every secret without stopping at the
 * first match. The payment form: read with the rules and helpers of domain/psp_event.h.
 * Thread-safety: reentrant; the table is read-only.
 */
#include "connectors/stdwebhooks.h"

#include "connectors/webhook_sig_int.h"
#include "core/clock.h"
#include "core/crypto.h"

#include <stdio.h>
#include <string.h>

#define MAX_V1 16 /* a rotation keeps at most a handful of secrets alive */

static const char SCHEME[] = "stdwebhooks";
static const char PREFIX[] = "whsec_";

long seam_stdwebhooks_secret_decode(const char *secret, uint8_t *key, size_t cap)
{
	long n;
	if (!secret)
		return -1;
	if (strncmp(secret, PREFIX, sizeof PREFIX - 1) == 0)
		secret += sizeof PREFIX - 1;
	n = seam_base64_decode(secret, strlen(secret), key, cap);
	return n > 0 ? n : -1;
}

/* MAC of "<id>.<ts>.<body>" under key. */
static void mac_content(const uint8_t *key, size_t keylen, const char *id, const char *ts,
			const void *body, size_t len, uint8_t mac[SEAM_SHA256_LEN])
{
	const void *parts[5] = {id, ".", ts, ".", body};
	size_t lens[5] = {strlen(id), 1, strlen(ts), 1, len};
	seam_hmac_sha256_parts(key, keylen, parts, lens, 5, mac);
}

static int id_ok(const char *id)
{
	size_t n = strnlen(id, SEAM_STDWEBHOOKS_ID_MAX + 1);
	return n > 0 && n <= SEAM_STDWEBHOOKS_ID_MAX && !memchr(id, '.', n);
}

seam_err_t seam_stdwebhooks_sign(const char *secret, const char *msg_id, int64_t timestamp,
				 const void *body, size_t len, char *out, size_t cap,
				 seam_error_t *err)
{
	uint8_t key[SEAM_STDWEBHOOKS_KEY_MAX], mac[SEAM_SHA256_LEN];
	char ts[24];
	long klen;

	if (out && cap)
		out[0] = '\0';
	if (!out || cap < SEAM_STDWEBHOOKS_SIG_MAX)
		return seam_errorf(err, SEAM_INVAL, "stdwebhooks: signature buffer smaller than %d "
				   "bytes", SEAM_STDWEBHOOKS_SIG_MAX);
	if (!msg_id || !id_ok(msg_id))
		return seam_errorf(err, SEAM_INVAL, "stdwebhooks: message id must be 1-%d "
				   "characters without '.'", SEAM_STDWEBHOOKS_ID_MAX);
	/* What verify accepts: 1-18 digits. */
	if (timestamp < 0 || timestamp > 999999999999999999LL)
		return seam_errorf(err, SEAM_INVAL, "stdwebhooks: timestamp out of range");
	klen = seam_stdwebhooks_secret_decode(secret, key, sizeof key);
	if (klen < 0)
		return seam_errorf(err, SEAM_CONFIG, "stdwebhooks: secret is not whsec_<base64>");
	snprintf(ts, sizeof ts, "%lld", (long long)timestamp);
	mac_content(key, (size_t)klen, msg_id, ts, body, len, mac);
	memcpy(out, "v1,", 3);
	seam_base64_encode(mac, sizeof mac, out + 3);
	return SEAM_OK;
}

seam_err_t seam_stdwebhooks_verify(const char *msg_id, const char *timestamp,
				   const char *signature, const void *body, size_t len,
				   const char *const *secrets, size_t nsecrets, int64_t now_s,
				   int64_t tolerance_s, seam_webhook_sig_t *out, seam_error_t *err)
{
	uint8_t sigs[MAX_V1][SEAM_SHA256_LEN], key[SEAM_STDWEBHOOKS_KEY_MAX];
	size_t nsigs = 0, nv1 = 0, usable = 0, hlen;
	int64_t t = 0;
	int match = -1;
	char ts[24];
	const char *missing = NULL;

	seam_webhook_sig_init(out);
	for (size_t i = 0; i < nsecrets; i++) {
		if (!secrets[i] || !secrets[i][0])
			continue;
		if (seam_stdwebhooks_secret_decode(secrets[i], key, sizeof key) < 0)
			return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err,
							SCHEME, "secret %zu is not whsec_<base64>",
							i);
		usable++;
	}
	if (!usable)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err, SCHEME,
						"no secret configured");
	if (!msg_id || !msg_id[0])
		missing = "id";
	else if (!timestamp || !timestamp[0])
		missing = "timestamp";
	else if (!signature || !signature[0])
		missing = "signature";
	if (missing)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MISSING_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no webhook-%s header", missing);
	if (!id_ok(msg_id))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "webhook-id longer than %d or contains '.'",
						SEAM_STDWEBHOOKS_ID_MAX);
	if (seam_webhook_sig_timestamp_parse(timestamp, strnlen(timestamp, 19), &t) != 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "webhook-timestamp is not a Unix timestamp");
	if (out)
		out->timestamp = t;
	hlen = strnlen(signature, SEAM_STDWEBHOOKS_HEADER_MAX + 1);
	if (hlen > SEAM_STDWEBHOOKS_HEADER_MAX)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "webhook-signature longer than %d bytes",
						SEAM_STDWEBHOOKS_HEADER_MAX);

	for (const char *p = signature, *end = signature + hlen; p < end;) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *tok_end = sp ? sp : end;
		const char *comma = memchr(p, ',', (size_t)(tok_end - p));
		/* Entries without a version, or of another version, are not ours to judge. */
		if (comma && comma - p == 2 && p[0] == 'v' && p[1] == '1') {
			nv1++;
			if (nsigs < MAX_V1 &&
			    seam_base64_decode(comma + 1, (size_t)(tok_end - comma - 1), sigs[nsigs],
					       SEAM_SHA256_LEN) == SEAM_SHA256_LEN)
				nsigs++;
		}
		p = tok_end + 1;
	}
	if (nv1 == 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_V1_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no v1 signature");
	if (nsigs == 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no v1 signature is base64 of 32 bytes");

	snprintf(ts, sizeof ts, "%lld", (long long)t);
	for (size_t i = 0; i < nsecrets; i++) {
		uint8_t mac[SEAM_SHA256_LEN];
		long klen;
		if (!secrets[i] || !secrets[i][0])
			continue;
		klen = seam_stdwebhooks_secret_decode(secrets[i], key, sizeof key);
		mac_content(key, (size_t)klen, msg_id, ts, body, len, mac);
		for (size_t j = 0; j < nsigs; j++)
			if (seam_ct_equal(mac, sigs[j], SEAM_SHA256_LEN) && match < 0)
				match = (int)i;
	}
	return seam__webhook_sig_finish(match, t, now_s, tolerance_s, out, err, SCHEME);
}

seam_err_t seam_stdwebhooks_verify_delivery(const seam_webhook_delivery_t *d,
					    const char *const *secrets, size_t nsecrets,
					    seam_webhook_sig_t *out, seam_error_t *err)
{
	return seam_stdwebhooks_verify(d->header(d->ud, "webhook-id"),
				       d->header(d->ud, "webhook-timestamp"),
				       d->header(d->ud, "webhook-signature"), d->body, d->len, secrets,
				       nsecrets, d->now_s, d->tolerance_s, out, err);
}

/* ---- events ---- */

seam_err_t seam_stdwebhooks_split(const seam_webhook_delivery_t *d, const json_t *doc,
				  seam_webhook_events_t *out, seam_error_t *err)
{
	const char *id = d->header(d->ud, "webhook-id");
	const char *type = json_string_value(json_object_get(doc, "type"));
	seam_err_t rc;
	if ((rc = seam_webhook_events_init(out, 1, err)) != SEAM_OK)
		return rc;
	if (!doc || !json_is_object(doc) || !type) {
		out->quarantine = !doc ? "malformed_json" : "missing_type";
		out->event_id = id;
		return SEAM_OK;
	}
	out->items[0] = (seam_webhook_event_t){.id = id, .type = type, .doc = doc};
	out->n = 1;
	return SEAM_OK;
}

static const seam_psp_rule_t rules[] = {
#define ROW(t, ty) {t, SEAM_PAYMENT_EV_##ty, NULL, NULL, false, false},
	SEAM_STDWEBHOOKS_RULES(ROW)
#undef ROW
};
#define NRULES (sizeof rules / sizeof rules[0])

const seam_psp_rule_t *seam_stdwebhooks_rules(size_t *n)
{
	*n = NRULES;
	return rules;
}

static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* ---- Standard Webhooks generic form ---- */

/* A decimal string at the currency's ISO exponent, written back with exactly that many
 * fraction digits ("39.9" -> "39.90"). */
static seam_err_t std_decimal(const json_t *data, const char *key, const char *currency,
			      char out[SEAM_MONEY_BUF], bool *present, seam_error_t *err)
{
	const json_t *v = json_object_get(data, key);
	int64_t minor;
	int exp = seam_money_exponent(currency);
	*present = false;
	if (!v || json_is_null(v))
		return SEAM_OK;
	if (!json_is_string(v))
		return seam_errorf(err, SEAM_PARSE, "standard: data.%s is not a decimal string", key);
	if (seam_money_parse(json_string_value(v), exp, &minor, NULL) != SEAM_OK || minor < 0)
		return seam_errorf(err, SEAM_PARSE,
				   "standard: data.%s \"%.24s\" is not a non-negative %s amount with "
				   "at most %d fraction digits", key, json_string_value(v), currency, exp);
	seam_money_format(minor, exp, out);
	*present = true;
	return SEAM_OK;
}

static seam_err_t read_payment(const json_t *ev, const seam_psp_source_t *src,
			       seam_psp_event_t *out, seam_error_t *err)
{
	static const char pfx[] = "standard";
	const seam_psp_rule_t *rule;
	const json_t *data = json_object_get(ev, "data");
	const char *ts, *id = src && src->webhook_id ? src->webhook_id : str_at(ev, "id");
	bool has_amount, has_total;
	char total[SEAM_MONEY_BUF];
	seam_err_t rc;

	if (!id || !id[0])
		return seam_errorf(err, SEAM_PARSE, "standard: no webhook-id (and no id in the payload)");
	if ((rc = seam_psp_copy(out->event_id, sizeof out->event_id, id, pfx, "webhook-id", err)) ||
	    (rc = seam_psp_need_str(ev, "type", out->event_type, sizeof out->event_type, pfx, "type", err)))
		return rc;
	ts = str_at(ev, "timestamp");
	if (ts && seam_rfc3339_parse(ts, &out->occurred_at_ms) != 0)
		return seam_errorf(err, SEAM_PARSE, "standard %s: timestamp \"%.40s\" is not RFC 3339",
				   out->event_id, ts);
	rule = seam_psp_rule_pick(src, rules, NRULES, out->event_type);
	if (!rule || rule->type == SEAM_PAYMENT_EV_IGNORED) {
		seam_psp_event_ignore(out, "standard event type %s is not a payment event in the mapping",
			    out->event_type);
		return SEAM_OK;
	}
	out->type = rule->type;
	if (!json_is_object(data))
		return seam_errorf(err, SEAM_PARSE, "standard %s: data is missing", out->event_id);
	if ((rc = seam_psp_need_str(data, "payment_id", out->remote_id, sizeof out->remote_id, pfx,
			   "data.payment_id", err)) ||
	    (rc = seam_psp_copy(out->order_uuid, sizeof out->order_uuid, str_at(data, "order_uuid"), pfx,
		       "data.order_uuid", err)) ||
	    (rc = seam_psp_copy(out->order_id, sizeof out->order_id, str_at(data, "order_id"), pfx,
		       "data.order_id", err)) ||
	    (rc = seam_psp_copy(out->remote_state, sizeof out->remote_state, str_at(data, "status"), pfx,
		       "data.status", err)))
		return rc;
	if (json_object_get(data, "amount") || json_object_get(data, "refunded_total") ||
	    json_object_get(data, "captured_amount") || seam_psp_needs_amount(out->type)) {
		if ((rc = seam_psp_read_currency(str_at(data, "currency"), out->currency, pfx,
						 "data.currency", err)))
			return rc;
	}
	if ((rc = std_decimal(data, "amount", out->currency, out->amount, &has_amount, err)) ||
	    (rc = std_decimal(data, "refunded_total", out->currency, total, &has_total, err)) ||
	    (rc = std_decimal(data, "captured_amount", out->currency, out->captured_amount,
			      &(bool){false}, err)))
		return rc;
	switch (out->type) {
	case SEAM_PAYMENT_EV_CAPTURED:
		out->cumulative = true; /* one capture per payment: its amount is the total */
		break;
	case SEAM_PAYMENT_EV_REFUNDED:
		if (has_total) {
			memcpy(out->amount, total, sizeof total);
			out->cumulative = true;
			has_amount = true;
		}
		break;
	default:
		break;
	}
	if (!has_amount && seam_psp_needs_amount(out->type))
		return seam_errorf(err, SEAM_PARSE, "standard %s: data.%s is missing", out->event_id,
				   out->type == SEAM_PAYMENT_EV_REFUNDED ? "refunded_total (or amount)"
									  : "amount");
	if (!has_amount && !out->captured_amount[0])
		out->currency[0] = '\0';
	return SEAM_OK;
}

seam_err_t seam_stdwebhooks_normalize(const json_t *payload, const seam_psp_source_t *src,
				      seam_psp_event_t *out, seam_error_t *err)
{
	seam_err_t rc = seam_psp_event_start(out, "standard", payload, src, err);
	return rc != SEAM_OK ? rc : seam_psp_event_finish(out, read_payment(payload, src, out, err));
}
