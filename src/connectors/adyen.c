/*
 * adyen.c: Adyen notifications (see adyen.h). Signature: the signing string is built from the
 * parsed item exactly as Adyen's own libraries build it; the MAC under each configured key is
 * compared in constant time with the decoded hmacSignature, without stopping at a match.
 * Items: split with their ingress ids, read with the rules and helpers of domain/psp_event.h.
 * Thread-safety: reentrant; the tables are read-only.
 */
#include "connectors/adyen.h"

#include "connectors/webhook_sig_int.h"
#include "core/clock.h"
#include "core/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SCHEME[] = "adyen";

/* The NotificationRequestItem object, unwrapping {"NotificationRequestItem": {...}}. */
static const json_t *unwrap(const json_t *item)
{
	const json_t *inner;
	if (!json_is_object(item))
		return NULL;
	inner = json_object_get(item, "NotificationRequestItem");
	return json_is_object(inner) ? inner : item;
}

/* A string field: absent or null gives "", a string itself, anything else NULL. */
static const char *str_field(const json_t *obj, const char *key)
{
	const json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (!v || json_is_null(v))
		return "";
	return json_is_string(v) ? json_string_value(v) : NULL;
}

#define NFIELDS 8

/* Fills the eight field values (num holds a rendered amount.value). Returns the name of the
 * first field of the wrong type, or NULL when all are fine. */
static const char *fields(const json_t *it, const char *f[NFIELDS], char num[24])
{
	static const char *const top[] = {"pspReference", "originalReference",
					   "merchantAccountCode", "merchantReference"};
	const json_t *amount = json_object_get(it, "amount"), *value, *success;

	for (int i = 0; i < 4; i++)
		if (!(f[i] = str_field(it, top[i])))
			return top[i];
	if (amount && !json_is_null(amount) && !json_is_object(amount))
		return "amount";
	if (!json_is_object(amount))
		amount = NULL;
	value = amount ? json_object_get(amount, "value") : NULL;
	if (json_is_integer(value)) {
		snprintf(num, 24, "%lld", (long long)json_integer_value(value));
		f[4] = num;
	} else if (!(f[4] = str_field(amount, "value"))) {
		return "amount.value";
	}
	if (!(f[5] = str_field(amount, "currency")))
		return "amount.currency";
	if (!(f[6] = str_field(it, "eventCode")))
		return "eventCode";
	success = json_object_get(it, "success");
	if (json_is_boolean(success))
		f[7] = json_is_true(success) ? "true" : "false";
	else if (!(f[7] = str_field(it, "success")))
		return "success";
	return NULL;
}

seam_err_t seam_adyen_item_signing_string(const json_t *item, char **out, seam_error_t *err)
{
	const json_t *it = unwrap(item);
	const char *f[NFIELDS], *bad;
	char num[24], *s, *p;
	size_t total = NFIELDS; /* seven ':' and the NUL */

	*out = NULL;
	if (!it)
		return seam_errorf(err, SEAM_PARSE, "adyen: notification item is not an object");
	if ((bad = fields(it, f, num)))
		return seam_errorf(err, SEAM_PARSE, "adyen: notification item field %s has the "
				   "wrong type", bad);
	for (int i = 0; i < NFIELDS; i++)
		total += strlen(f[i]);
	s = malloc(total);
	if (!s)
		return seam_errorf(err, SEAM_NOMEM, "adyen: out of memory");
	p = s;
	for (int i = 0; i < NFIELDS; i++) {
		size_t n = strlen(f[i]);
		if (i)
			*p++ = ':';
		memcpy(p, f[i], n);
		p += n;
	}
	*p = '\0';
	*out = s;
	return SEAM_OK;
}

seam_err_t seam_adyen_verify_item(const json_t *item, const char *const *hex_keys, size_t nkeys,
				  seam_webhook_sig_t *out, seam_error_t *err)
{
	uint8_t key[SEAM_ADYEN_KEY_MAX], sig[SEAM_SHA256_LEN];
	const json_t *it, *ad, *sv;
	const char *sigstr, *f[NFIELDS], *bad;
	char num[24], *data = NULL;
	size_t usable = 0;
	int match = -1;
	seam_err_t rc;

	seam_webhook_sig_init(out);
	for (size_t i = 0; i < nkeys; i++) {
		if (!hex_keys[i] || !hex_keys[i][0])
			continue;
		if (seam_hex_decode(hex_keys[i], strlen(hex_keys[i]), key, sizeof key) <= 0)
			return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err,
							SCHEME, "HMAC key %zu is not hex", i);
		usable++;
	}
	if (!usable)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err, SCHEME,
						"no HMAC key configured");
	if (!(it = unwrap(item)))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_PAYLOAD, SEAM_AUTH, err,
						SCHEME, "notification item is not an object");
	ad = json_object_get(it, "additionalData");
	sv = json_is_object(ad) ? json_object_get(ad, "hmacSignature") : NULL;
	sigstr = json_is_string(sv) ? json_string_value(sv) : NULL;
	if (!sv || json_is_null(sv) || (sigstr && !sigstr[0]))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MISSING_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no additionalData.hmacSignature");
	if (!sigstr || seam_base64_decode(sigstr, strlen(sigstr), sig, sizeof sig) !=
			       SEAM_SHA256_LEN)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "hmacSignature is not base64 of 32 bytes");
	if ((bad = fields(it, f, num)))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_PAYLOAD, SEAM_AUTH, err,
						SCHEME, "field %s has the wrong type", bad);
	rc = seam_adyen_item_signing_string(it, &data, err);
	if (rc != SEAM_OK)
		return rc;

	for (size_t i = 0; i < nkeys; i++) {
		uint8_t mac[SEAM_SHA256_LEN];
		long klen;
		if (!hex_keys[i] || !hex_keys[i][0])
			continue;
		klen = seam_hex_decode(hex_keys[i], strlen(hex_keys[i]), key, sizeof key);
		seam_hmac_sha256(key, (size_t)klen, data, strlen(data), mac);
		if (seam_ct_equal(mac, sig, SEAM_SHA256_LEN) && match < 0)
			match = (int)i;
	}
	free(data);
	if (match < 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_BAD_SIGNATURE, SEAM_AUTH, err, SCHEME,
						"hmacSignature does not match");
	if (out)
		out->secret_index = match;
	return SEAM_OK;
}

seam_err_t seam_adyen_verify_items(const json_t *doc, const char *const *hex_keys, size_t nkeys,
				   seam_webhook_sig_t *out, seam_error_t *err)
{
	const json_t *items = json_object_get(doc, "notificationItems");
	size_t n = json_array_size(items);
	seam_webhook_sig_init(out);
	/* Adyen signs each item, not the request: the body is parsed first by necessity, but
	 * nothing is stored or acted on before every item has verified. */
	if (!doc || n == 0 || n > SEAM_ADYEN_ITEMS_MAX) {
		if (out)
			out->reason = SEAM_WHSIG_MALFORMED_PAYLOAD;
		return seam_errorf(err, SEAM_AUTH, "%s",
				   !doc ? "the body is not JSON, so no item signature can be checked"
					: "notificationItems is missing, empty or too long");
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *item = json_object_get(json_array_get(items, i), "NotificationRequestItem");
		seam_err_t rc = seam_adyen_verify_item(item, hex_keys, nkeys, out, err);
		if (rc != SEAM_OK)
			return rc;
	}
	return SEAM_OK;
}

/* ---- events ---- */

seam_err_t seam_adyen_split(const seam_webhook_delivery_t *d, const json_t *doc,
			    seam_webhook_events_t *out, seam_error_t *err)
{
	const json_t *items = json_object_get(doc, "notificationItems");
	size_t n = json_array_size(items);
	seam_err_t rc;
	(void)d;
	if ((rc = seam_webhook_events_init(out, n, err)) != SEAM_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const json_t *wrap = json_array_get(items, i);
		const json_t *item = json_object_get(wrap, "NotificationRequestItem");
		const char *psp = json_string_value(json_object_get(item, "pspReference"));
		const char *code = json_string_value(json_object_get(item, "eventCode"));
		const json_t *success = json_object_get(item, "success");
		const char *ok = json_is_string(success) ? json_string_value(success)
			       : json_is_true(success)   ? "true"
							 : "false";
		if (!psp || !code) {
			/* authentic, unusable: the whole delivery is quarantined as received */
			seam_webhook_events_dispose(out);
			out->quarantine = "missing_psp_reference_or_event_code";
			return SEAM_OK;
		}
		seam_webhook_event_t *ev = &out->items[out->n++];
		/* Adyen's identity of a notification: eventCode + pspReference + success. */
		snprintf(ev->idbuf, sizeof ev->idbuf, "%s:%s:%s", code, psp, ok);
		ev->id = ev->idbuf;
		ev->type = code;
		ev->doc = wrap;
		/* each item is stored on its own so a job can be replayed per item */
		if (!(ev->body = json_dumps(wrap, JSON_COMPACT)) && !(ev->body = strdup("{}"))) {
			seam_webhook_events_dispose(out);
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		}
	}
	return SEAM_OK;
}

size_t seam_adyen_count(const json_t *body)
{
	return json_array_size(json_object_get(body, "notificationItems"));
}

const json_t *seam_adyen_item(const json_t *body, size_t i)
{
	const json_t *it = json_array_get(json_object_get(body, "notificationItems"), i);
	const json_t *w = json_object_get(it, "NotificationRequestItem");
	return json_is_object(w) ? w : NULL;
}

static const seam_psp_rule_t rules[] = {
#define ROW(code, ty, orig) {code, SEAM_PAYMENT_EV_##ty, NULL, NULL, false, orig},
	SEAM_ADYEN_RULES(ROW)
#undef ROW
};
#define NRULES (sizeof rules / sizeof rules[0])

static const seam_psp_exponent_t exponents[] = {
#define ROW(c, e) {c, e},
	SEAM_ADYEN_EXPONENTS(ROW)
#undef ROW
};

const seam_psp_rule_t *seam_adyen_rules(size_t *n)
{
	*n = NRULES;
	return rules;
}

int seam_adyen_exponent(const char *currency)
{
	return seam_psp_exponent(exponents, sizeof exponents / sizeof exponents[0], currency);
}

static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static seam_err_t read_item(const json_t *item, const seam_psp_source_t *src,
			    seam_psp_event_t *out, seam_error_t *err)
{
	static const char pfx[] = "adyen";
	const seam_psp_rule_t *rule;
	const json_t *w = json_object_get(item, "NotificationRequestItem"), *succ, *amount;
	char code[64], psp[128];
	const char *date, *orig, *action;
	bool success, present;
	int64_t minor;
	seam_err_t rc;

	if (json_is_object(w))
		item = w;
	if ((rc = seam_psp_need_str(item, "eventCode", code, sizeof code, pfx, "eventCode", err)) ||
	    (rc = seam_psp_need_str(item, "pspReference", psp, sizeof psp, pfx, "pspReference", err)))
		return rc;
	memcpy(out->event_type, code, strlen(code) + 1);
	succ = json_object_get(item, "success");
	if (json_is_boolean(succ))
		success = json_is_true(succ);
	else if (json_is_string(succ) && (strcmp(json_string_value(succ), "true") == 0 ||
					  strcmp(json_string_value(succ), "false") == 0))
		success = strcmp(json_string_value(succ), "true") == 0;
	else
		return seam_errorf(err, SEAM_PARSE, "adyen %s %s: success is not \"true\" or \"false\"",
				   code, psp);
	snprintf(out->event_id, sizeof out->event_id, "%s:%s:%s", psp, code,
		 success ? "true" : "false");
	date = str_at(item, "eventDate");
	if (date && seam_rfc3339_parse(date, &out->occurred_at_ms) != 0)
		return seam_errorf(err, SEAM_PARSE, "adyen %s: eventDate \"%.40s\" is not RFC 3339",
				   out->event_id, date);
	if ((rc = seam_psp_copy(out->order_id, sizeof out->order_id, str_at(item, "merchantReference"), pfx,
		       "merchantReference", err)))
		return rc;

	rule = seam_psp_rule_pick(src, rules, NRULES, code);
	if (!rule || rule->type == SEAM_PAYMENT_EV_IGNORED) {
		seam_psp_event_ignore(out, "adyen eventCode %s is not a payment event in the mapping", code);
		return SEAM_OK;
	}
	snprintf(out->remote_state, sizeof out->remote_state, "%s%s", code,
		 success ? "" : ":false");
	out->type = success ? rule->type : SEAM_PAYMENT_EV_FAILED;
	if (success && rule->type == SEAM_PAYMENT_EV_CANCEL_OR_REFUND) {
		action = str_at(json_object_get(item, "additionalData"), "modification.action");
		if (action && strcmp(action, "cancel") == 0)
			out->type = SEAM_PAYMENT_EV_VOIDED;
		else if (action && strcmp(action, "refund") == 0)
			out->type = SEAM_PAYMENT_EV_REFUNDED;
	}
	orig = str_at(item, "originalReference");
	if (orig && orig[0])
		rc = seam_psp_copy(out->remote_id, sizeof out->remote_id, orig, pfx, "originalReference", err);
	else if (rule->needs_original)
		return seam_errorf(err, SEAM_PARSE, "adyen %s: originalReference is missing",
				   out->event_id);
	else
		rc = seam_psp_copy(out->remote_id, sizeof out->remote_id, psp, pfx, "pspReference", err);
	if (rc)
		return rc;

	amount = json_object_get(item, "amount");
	if ((rc = seam_psp_read_minor(json_object_get(amount, "value"), pfx, "amount.value", &present, &minor,
			     err)))
		return rc;
	if (!present && seam_psp_needs_amount(out->type))
		return seam_errorf(err, SEAM_PARSE, "adyen %s: amount.value is missing", out->event_id);
	if (present &&
	    ((rc = seam_psp_read_currency(str_at(amount, "currency"), out->currency, pfx,
					  "amount.currency", err)) ||
	     (rc = seam_psp_to_decimal(minor, seam_adyen_exponent(out->currency), out->currency,
				       out->amount, pfx, "amount", err))))
		return rc;
	out->cumulative = false; /* every CAPTURE/REFUND reports its own amount */
	return SEAM_OK;
}

seam_err_t seam_adyen_normalize(const json_t *item, const seam_psp_source_t *src,
				seam_psp_event_t *out, seam_error_t *err)
{
	seam_err_t rc = seam_psp_event_start(out, "adyen", item, src, err);
	return rc != SEAM_OK ? rc : seam_psp_event_finish(out, read_item(item, src, out, err));
}
