/*
 * stripe.c: Stripe webhooks (see stripe.h). Signature: the header is parsed in place (no
 * copies), the MAC is computed over the parts "<t>", ".", body without joining them, and every
 * candidate is compared in constant time against every secret's MAC; the loop does not stop at
 * the first match, so timing does not reveal which entry matched. Events: read with the rules
 * and helpers of domain/psp_event.h.
 * Thread-safety: reentrant; the tables are read-only.
 */
#include "connectors/stripe.h"

#include "connectors/webhook_sig_int.h"
#include "core/crypto.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* More v1 entries than this cannot come from Stripe (one per live secret). */
#define MAX_V1 16

static const char SCHEME[] = "stripe";

seam_err_t seam_stripe_verify(const char *sig_header, const void *body, size_t len,
			      const char *const *secrets, size_t nsecrets, int64_t now_s,
			      int64_t tolerance_s, seam_webhook_sig_t *out, seam_error_t *err)
{
	uint8_t sigs[MAX_V1][SEAM_SHA256_LEN];
	size_t nsigs = 0, nv1 = 0, usable = 0, hlen;
	int64_t t = 0;
	int have_t = 0, match = -1;
	char tbuf[24];

	seam_webhook_sig_init(out);
	for (size_t i = 0; i < nsecrets; i++)
		usable += secrets[i] && secrets[i][0];
	if (!usable)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err, SCHEME,
						"no endpoint secret configured");
	if (!sig_header || !sig_header[0])
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MISSING_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no Stripe-Signature header");
	hlen = strnlen(sig_header, SEAM_STRIPE_HEADER_MAX + 1);
	if (hlen > SEAM_STRIPE_HEADER_MAX)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "header longer than %d bytes",
						SEAM_STRIPE_HEADER_MAX);

	for (const char *p = sig_header, *end = sig_header + hlen; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *item_end = comma ? comma : end;
		const char *eq = memchr(p, '=', (size_t)(item_end - p));
		if (eq) {
			size_t klen = (size_t)(eq - p), vlen = (size_t)(item_end - eq - 1);
			const char *v = eq + 1;
			if (klen == 1 && p[0] == 't') {
				if (have_t)
					return seam__webhook_sig_reject(
						out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "more than one t=");
				if (seam_webhook_sig_timestamp_parse(v, vlen, &t) != 0)
					return seam__webhook_sig_reject(
						out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "t= is not a Unix timestamp");
				have_t = 1;
			} else if (klen == 2 && p[0] == 'v' && p[1] == '1') {
				nv1++;
				/* Entries that cannot be a SHA-256 hex digest cannot match: skip. */
				if (vlen == 2 * SEAM_SHA256_LEN && nsigs < MAX_V1 &&
				    seam_hex_decode(v, vlen, sigs[nsigs], SEAM_SHA256_LEN) ==
					    SEAM_SHA256_LEN)
					nsigs++;
			}
		}
		p = item_end + 1;
	}
	if (!have_t)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no t= timestamp");
	if (out)
		out->timestamp = t;
	if (nv1 == 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_V1_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no v1 signature");
	if (nsigs == 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no v1 signature is 64 hex digits");

	/* Signed content: the decimal timestamp as Stripe's own libraries re-render it. */
	snprintf(tbuf, sizeof tbuf, "%lld", (long long)t);
	for (size_t i = 0; i < nsecrets; i++) {
		uint8_t mac[SEAM_SHA256_LEN];
		const void *parts[3] = {tbuf, ".", body};
		size_t lens[3] = {strlen(tbuf), 1, len};
		if (!secrets[i] || !secrets[i][0])
			continue;
		seam_hmac_sha256_parts(secrets[i], strlen(secrets[i]), parts, lens, 3, mac);
		for (size_t j = 0; j < nsigs; j++)
			if (seam_ct_equal(mac, sigs[j], SEAM_SHA256_LEN) && match < 0)
				match = (int)i;
	}
	return seam__webhook_sig_finish(match, t, now_s, tolerance_s, out, err, SCHEME);
}

seam_err_t seam_stripe_verify_delivery(const seam_webhook_delivery_t *d,
				       const char *const *secrets, size_t nsecrets,
				       seam_webhook_sig_t *out, seam_error_t *err)
{
	return seam_stripe_verify(d->header(d->ud, "Stripe-Signature"), d->body, d->len, secrets,
				  nsecrets, d->now_s, d->tolerance_s, out, err);
}

/* ---- events ---- */

static const seam_psp_rule_t rules[] = {
#define ROW(t, ty, obj, field, cum) {t, SEAM_PAYMENT_EV_##ty, obj, field, cum, false},
	SEAM_STRIPE_RULES(ROW)
#undef ROW
};
#define NRULES (sizeof rules / sizeof rules[0])

static const seam_psp_exponent_t exponents[] = {
#define ROW(c, e) {c, e},
	SEAM_STRIPE_EXPONENTS(ROW)
#undef ROW
};

const seam_psp_rule_t *seam_stripe_rules(size_t *n)
{
	*n = NRULES;
	return rules;
}

int seam_stripe_exponent(const char *currency)
{
	return seam_psp_exponent(exponents, sizeof exponents / sizeof exponents[0], currency);
}

seam_err_t seam_stripe_split(const seam_webhook_delivery_t *d, const json_t *doc,
			     seam_webhook_events_t *out, seam_error_t *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	const char *type = json_string_value(json_object_get(doc, "type"));
	seam_err_t rc;
	(void)d;
	if ((rc = seam_webhook_events_init(out, 1, err)) != SEAM_OK)
		return rc;
	if (!doc || !id || !*id || !type) {
		out->quarantine = !doc ? "malformed_json" : "missing_event_id_or_type";
		out->event_id = id;
		return SEAM_OK;
	}
	out->items[0] = (seam_webhook_event_t){.id = id, .type = type, .doc = doc};
	out->n = 1;
	return SEAM_OK;
}

static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static seam_err_t read_event(const json_t *ev, const seam_psp_source_t *src,
			     seam_psp_event_t *out, seam_error_t *err)
{
	static const char pfx[] = "stripe";
	const seam_psp_rule_t *rule;
	const json_t *obj, *created, *meta;
	const char *kind, *pi;
	int64_t minor;
	bool present;
	seam_err_t rc;

	if ((rc = seam_psp_need_str(ev, "id", out->event_id, sizeof out->event_id, pfx, "event id", err)) ||
	    (rc = seam_psp_need_str(ev, "type", out->event_type, sizeof out->event_type, pfx, "event type",
			   err)))
		return rc;
	created = json_object_get(ev, "created");
	if (created && !json_is_null(created)) {
		if (!json_is_integer(created) || json_integer_value(created) < 0 ||
		    json_integer_value(created) > INT64_MAX / 1000)
			return seam_errorf(err, SEAM_PARSE, "stripe %s: created is not a unix time",
					   out->event_id);
		out->occurred_at_ms = (int64_t)json_integer_value(created) * 1000;
	}
	rule = seam_psp_rule_pick(src, rules, NRULES, out->event_type);
	if (!rule || rule->type == SEAM_PAYMENT_EV_IGNORED) {
		seam_psp_event_ignore(out, "stripe event type %s is not a payment event in the mapping",
			    out->event_type);
		return SEAM_OK;
	}
	out->type = rule->type;
	out->cumulative = rule->cumulative;

	obj = json_object_get(json_object_get(ev, "data"), "object");
	if (!json_is_object(obj))
		return seam_errorf(err, SEAM_PARSE, "stripe %s: data.object is missing", out->event_id);
	kind = str_at(obj, "object");
	if (rule->object && (!kind || strcmp(kind, rule->object) != 0))
		return seam_errorf(err, SEAM_PARSE, "stripe %s: data.object is a %.32s, expected %s",
				   out->event_id, kind ? kind : "(none)", rule->object);
	/* The PSP payment id is the PaymentIntent's, also for charge events. */
	pi = kind && strcmp(kind, "charge") == 0 ? str_at(obj, "payment_intent") : NULL;
	if (pi && pi[0])
		rc = seam_psp_copy(out->remote_id, sizeof out->remote_id, pi, pfx, "payment_intent", err);
	else
		rc = seam_psp_need_str(obj, "id", out->remote_id, sizeof out->remote_id, pfx,
			      "data.object.id", err);
	if (rc)
		return rc;
	if ((rc = seam_psp_copy(out->remote_state, sizeof out->remote_state, str_at(obj, "status"), pfx,
		       "status", err)))
		return rc;
	meta = json_object_get(obj, "metadata");
	if ((rc = seam_psp_copy(out->order_uuid, sizeof out->order_uuid, str_at(meta, "order_uuid"), pfx,
		       "metadata.order_uuid", err)) ||
	    (rc = seam_psp_copy(out->order_id, sizeof out->order_id, str_at(meta, "order_id"), pfx,
		       "metadata.order_id", err)))
		return rc;

	if (rule->amount_field) {
		char what[96];
		snprintf(what, sizeof what, "data.object.%s", rule->amount_field);
		if ((rc = seam_psp_read_minor(json_object_get(obj, rule->amount_field), pfx, what, &present,
				     &minor, err)))
			return rc;
		if (!present && seam_psp_needs_amount(rule->type))
			return seam_errorf(err, SEAM_PARSE, "stripe %s: %s is missing", out->event_id,
					   what);
		if (present) {
			if ((rc = seam_psp_read_currency(str_at(obj, "currency"), out->currency, pfx,
							 "data.object.currency", err)) ||
			    (rc = seam_psp_to_decimal(minor, seam_stripe_exponent(out->currency),
						      out->currency, out->amount, pfx,
						      rule->amount_field, err)))
				return rc;
		}
	} else if (seam_psp_needs_amount(rule->type)) {
		return seam_errorf(err, SEAM_PARSE, "stripe %s: the mapping of %s names no amount field",
				   out->event_id, out->event_type);
	}
	if (rule->type == SEAM_PAYMENT_EV_REFUNDED && out->currency[0]) {
		if ((rc = seam_psp_read_minor(json_object_get(obj, "amount_captured"), pfx,
				     "data.object.amount_captured", &present, &minor, err)))
			return rc;
		if (present &&
		    (rc = seam_psp_to_decimal(minor, seam_stripe_exponent(out->currency),
					      out->currency, out->captured_amount, pfx,
					      "amount_captured", err)))
			return rc;
	}
	return SEAM_OK;
}

seam_err_t seam_stripe_normalize(const json_t *event, const seam_psp_source_t *src,
				 seam_psp_event_t *out, seam_error_t *err)
{
	seam_err_t rc = seam_psp_event_start(out, "stripe", event, src, err);
	return rc != SEAM_OK ? rc : seam_psp_event_finish(out, read_event(event, src, out, err));
}
