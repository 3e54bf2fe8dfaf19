/*
 * psp_event.c: Stripe, Adyen and Standard Webhooks payloads -> seam_psp_event_t. The mapping
 * tables and the rules for ids, amounts and references are documented in psp_event.h and
 * docs/payments.md.
 *
 * Thread-safety: pure functions over read-only tables.
 */
#include "domain/psp_event.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"

static const seam_psp_rule_t stripe_rules[] = {
#define ROW(t, ty, obj, field, cum) {t, SEAM_PAYMENT_EV_##ty, obj, field, cum, false},
	SEAM_PSP_STRIPE_RULES(ROW)
#undef ROW
};

static const seam_psp_rule_t adyen_rules[] = {
#define ROW(code, ty, orig) {code, SEAM_PAYMENT_EV_##ty, NULL, NULL, false, orig},
	SEAM_PSP_ADYEN_RULES(ROW)
#undef ROW
};

static const seam_psp_rule_t standard_rules[] = {
#define ROW(t, ty) {t, SEAM_PAYMENT_EV_##ty, NULL, NULL, false, false},
	SEAM_PSP_STANDARD_RULES(ROW)
#undef ROW
};

typedef struct exponent_row {
	const char *currency;
	int exponent;
} exponent_row_t;

static const exponent_row_t stripe_exponents[] = {
#define ROW(c, e) {c, e},
	SEAM_PSP_STRIPE_EXPONENTS(ROW)
#undef ROW
};

static const exponent_row_t adyen_exponents[] = {
#define ROW(c, e) {c, e},
	SEAM_PSP_ADYEN_EXPONENTS(ROW)
#undef ROW
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const provider_names[] = {
#define NAME(id, name) name,
	SEAM_PSP_PROVIDERS(NAME)
#undef NAME
};

const char *seam_psp_provider_name(seam_psp_provider_e p)
{
	return (unsigned)p < SEAM_PSP__PROVIDER_COUNT ? provider_names[p] : "?";
}

int seam_psp_provider_parse(const char *name, seam_psp_provider_e *out)
{
	for (int i = 0; name && i < SEAM_PSP__PROVIDER_COUNT; i++) {
		if (strcmp(provider_names[i], name) == 0) {
			*out = (seam_psp_provider_e)i;
			return 0;
		}
	}
	return -1;
}

const seam_psp_rule_t *seam_psp_rules(seam_psp_provider_e p, size_t *n)
{
	const seam_psp_rule_t *rows = NULL;
	size_t cnt = 0;
	switch (p) {
	case SEAM_PSP_STRIPE:
		rows = stripe_rules, cnt = COUNT(stripe_rules);
		break;
	case SEAM_PSP_ADYEN:
		rows = adyen_rules, cnt = COUNT(adyen_rules);
		break;
	case SEAM_PSP_STANDARD:
		rows = standard_rules, cnt = COUNT(standard_rules);
		break;
	default:
		break;
	}
	if (n)
		*n = cnt;
	return rows;
}

const seam_psp_rule_t *seam_psp_rule_find(const seam_psp_rule_t *rows, size_t n,
					  const char *provider_type)
{
	for (size_t i = 0; rows && provider_type && i < n; i++) {
		if (rows[i].provider_type && strcmp(rows[i].provider_type, provider_type) == 0)
			return &rows[i];
	}
	return NULL;
}

int seam_psp_exponent(seam_psp_provider_e p, const char *currency)
{
	const exponent_row_t *rows = NULL;
	size_t n = 0;
	if (p == SEAM_PSP_STRIPE)
		rows = stripe_exponents, n = COUNT(stripe_exponents);
	else if (p == SEAM_PSP_ADYEN)
		rows = adyen_exponents, n = COUNT(adyen_exponents);
	for (size_t i = 0; currency && i < n; i++) {
		if (strcmp(rows[i].currency, currency) == 0)
			return rows[i].exponent;
	}
	return seam_money_exponent(currency);
}

/* ---- reading JSON ---- */

static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Copies a string field into a fixed buffer; empty stays empty. */
static seam_err_t copy(char *dst, size_t cap, const char *src, const char *pfx, const char *what,
		       seam_error_t *err)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap) {
		dst[0] = '\0';
		return seam_errorf(err, SEAM_PARSE, "%s: %s is longer than %zu bytes", pfx, what,
				   cap - 1);
	}
	memcpy(dst, src ? src : "", n + 1);
	return SEAM_OK;
}

/* A required non-empty string field. */
static seam_err_t need_str(const json_t *o, const char *key, char *dst, size_t cap,
			   const char *pfx, const char *what, seam_error_t *err)
{
	const char *s = str_at(o, key);
	if (!s || !s[0])
		return seam_errorf(err, SEAM_PARSE, "%s: %s is missing", pfx, what);
	return copy(dst, cap, s, pfx, what, err);
}

/* A currency code: three ASCII letters (Stripe sends lower case), known to the provider. */
static seam_err_t read_currency(seam_psp_provider_e p, const char *s, char out[4],
				const char *pfx, const char *what, seam_error_t *err)
{
	if (!s || !s[0])
		return seam_errorf(err, SEAM_PARSE, "%s: %s is missing", pfx, what);
	if (strlen(s) != 3 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1]) ||
	    !isalpha((unsigned char)s[2]))
		return seam_errorf(err, SEAM_PARSE, "%s: %s \"%.8s\" is not a currency code", pfx,
				   what, s);
	for (int i = 0; i < 3; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[3] = '\0';
	if (seam_psp_exponent(p, out) < 0 || seam_money_exponent(out) < 0) {
		seam_errorf(err, SEAM_PARSE, "%s: unknown currency %s", pfx, out);
		out[0] = '\0';
		return SEAM_PARSE;
	}
	return SEAM_OK;
}

/* An integer amount in the provider's minor units, >= 0. present=false when absent/null. */
static seam_err_t read_minor(const json_t *v, const char *pfx, const char *what, bool *present,
			     int64_t *out, seam_error_t *err)
{
	*present = false;
	if (!v || json_is_null(v))
		return SEAM_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return seam_errorf(err, SEAM_PARSE, "%s: %s is not a non-negative integer", pfx, what);
	*present = true;
	*out = (int64_t)json_integer_value(v);
	return SEAM_OK;
}

/* Provider minor units -> decimal text at the ISO exponent, exactly. */
static seam_err_t to_decimal(seam_psp_provider_e p, int64_t minor, const char *currency,
			     char out[SEAM_MONEY_BUF], const char *pfx, const char *what,
			     seam_error_t *err)
{
	seam_money_dec_t d = {minor, seam_psp_exponent(p, currency)}, r;
	int iso = seam_money_exponent(currency);
	char shown[SEAM_MONEY_BUF];
	if (d.scale < 0 || iso < 0)
		return seam_errorf(err, SEAM_PARSE, "%s: unknown currency %s", pfx, currency);
	if (seam_money_dec_rescale(d, iso, &r, NULL) != SEAM_OK)
		return seam_errorf(err, SEAM_PARSE,
				   "%s: %s %s %s has more fraction digits than ISO 4217 allows (%d)",
				   pfx, what, seam_money_dec_format(d, shown), currency, iso);
	seam_money_dec_format(r, out);
	return SEAM_OK;
}

static bool needs_amount(seam_payment_event_e t)
{
	return t == SEAM_PAYMENT_EV_AUTHORIZED || t == SEAM_PAYMENT_EV_CAPTURED ||
	       t == SEAM_PAYMENT_EV_REFUNDED;
}

static void set_ignored(seam_psp_event_t *out, const char *fmt, const char *a)
{
	out->type = SEAM_PAYMENT_EV_IGNORED;
	snprintf(out->reason, sizeof out->reason, fmt, a);
}

static const seam_psp_rule_t *find_rule(seam_psp_provider_e p, const seam_psp_source_t *src,
					const char *type)
{
	size_t n;
	const seam_psp_rule_t *rows;
	if (src && src->rules)
		return seam_psp_rule_find(src->rules, src->nrules, type);
	rows = seam_psp_rules(p, &n);
	return seam_psp_rule_find(rows, n, type);
}

/* ---- Stripe ---- */

static seam_err_t stripe(const json_t *ev, const seam_psp_source_t *src, seam_psp_event_t *out,
			 seam_error_t *err)
{
	static const char pfx[] = "stripe";
	const seam_psp_rule_t *rule;
	const json_t *obj, *created, *meta;
	const char *kind, *pi;
	int64_t minor;
	bool present;
	seam_err_t rc;

	if ((rc = need_str(ev, "id", out->event_id, sizeof out->event_id, pfx, "event id", err)) ||
	    (rc = need_str(ev, "type", out->event_type, sizeof out->event_type, pfx, "event type",
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
	rule = find_rule(SEAM_PSP_STRIPE, src, out->event_type);
	if (!rule || rule->type == SEAM_PAYMENT_EV_IGNORED) {
		set_ignored(out, "stripe event type %s is not a payment event in the mapping",
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
		rc = copy(out->remote_id, sizeof out->remote_id, pi, pfx, "payment_intent", err);
	else
		rc = need_str(obj, "id", out->remote_id, sizeof out->remote_id, pfx,
			      "data.object.id", err);
	if (rc)
		return rc;
	if ((rc = copy(out->remote_state, sizeof out->remote_state, str_at(obj, "status"), pfx,
		       "status", err)))
		return rc;
	meta = json_object_get(obj, "metadata");
	if ((rc = copy(out->order_uuid, sizeof out->order_uuid, str_at(meta, "order_uuid"), pfx,
		       "metadata.order_uuid", err)) ||
	    (rc = copy(out->order_id, sizeof out->order_id, str_at(meta, "order_id"), pfx,
		       "metadata.order_id", err)))
		return rc;

	if (rule->amount_field) {
		char what[96];
		snprintf(what, sizeof what, "data.object.%s", rule->amount_field);
		if ((rc = read_minor(json_object_get(obj, rule->amount_field), pfx, what, &present,
				     &minor, err)))
			return rc;
		if (!present && needs_amount(rule->type))
			return seam_errorf(err, SEAM_PARSE, "stripe %s: %s is missing", out->event_id,
					   what);
		if (present) {
			if ((rc = read_currency(SEAM_PSP_STRIPE, str_at(obj, "currency"), out->currency,
						pfx, "data.object.currency", err)) ||
			    (rc = to_decimal(SEAM_PSP_STRIPE, minor, out->currency, out->amount, pfx,
					     rule->amount_field, err)))
				return rc;
		}
	} else if (needs_amount(rule->type)) {
		return seam_errorf(err, SEAM_PARSE, "stripe %s: the mapping of %s names no amount field",
				   out->event_id, out->event_type);
	}
	if (rule->type == SEAM_PAYMENT_EV_REFUNDED && out->currency[0]) {
		if ((rc = read_minor(json_object_get(obj, "amount_captured"), pfx,
				     "data.object.amount_captured", &present, &minor, err)))
			return rc;
		if (present && (rc = to_decimal(SEAM_PSP_STRIPE, minor, out->currency,
						out->captured_amount, pfx, "amount_captured", err)))
			return rc;
	}
	return SEAM_OK;
}

/* ---- Adyen ---- */

static seam_err_t adyen(const json_t *item, const seam_psp_source_t *src, seam_psp_event_t *out,
			seam_error_t *err)
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
	if ((rc = need_str(item, "eventCode", code, sizeof code, pfx, "eventCode", err)) ||
	    (rc = need_str(item, "pspReference", psp, sizeof psp, pfx, "pspReference", err)))
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
	if ((rc = copy(out->order_id, sizeof out->order_id, str_at(item, "merchantReference"), pfx,
		       "merchantReference", err)))
		return rc;

	rule = find_rule(SEAM_PSP_ADYEN, src, code);
	if (!rule || rule->type == SEAM_PAYMENT_EV_IGNORED) {
		set_ignored(out, "adyen eventCode %s is not a payment event in the mapping", code);
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
		rc = copy(out->remote_id, sizeof out->remote_id, orig, pfx, "originalReference", err);
	else if (rule->needs_original)
		return seam_errorf(err, SEAM_PARSE, "adyen %s: originalReference is missing",
				   out->event_id);
	else
		rc = copy(out->remote_id, sizeof out->remote_id, psp, pfx, "pspReference", err);
	if (rc)
		return rc;

	amount = json_object_get(item, "amount");
	if ((rc = read_minor(json_object_get(amount, "value"), pfx, "amount.value", &present, &minor,
			     err)))
		return rc;
	if (!present && needs_amount(out->type))
		return seam_errorf(err, SEAM_PARSE, "adyen %s: amount.value is missing", out->event_id);
	if (present &&
	    ((rc = read_currency(SEAM_PSP_ADYEN, str_at(amount, "currency"), out->currency, pfx,
				 "amount.currency", err)) ||
	     (rc = to_decimal(SEAM_PSP_ADYEN, minor, out->currency, out->amount, pfx, "amount",
			      err))))
		return rc;
	out->cumulative = false; /* every CAPTURE/REFUND reports its own amount */
	return SEAM_OK;
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

static seam_err_t standard(const json_t *ev, const seam_psp_source_t *src, seam_psp_event_t *out,
			   seam_error_t *err)
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
	if ((rc = copy(out->event_id, sizeof out->event_id, id, pfx, "webhook-id", err)) ||
	    (rc = need_str(ev, "type", out->event_type, sizeof out->event_type, pfx, "type", err)))
		return rc;
	ts = str_at(ev, "timestamp");
	if (ts && seam_rfc3339_parse(ts, &out->occurred_at_ms) != 0)
		return seam_errorf(err, SEAM_PARSE, "standard %s: timestamp \"%.40s\" is not RFC 3339",
				   out->event_id, ts);
	rule = find_rule(SEAM_PSP_STANDARD, src, out->event_type);
	if (!rule || rule->type == SEAM_PAYMENT_EV_IGNORED) {
		set_ignored(out, "standard event type %s is not a payment event in the mapping",
			    out->event_type);
		return SEAM_OK;
	}
	out->type = rule->type;
	if (!json_is_object(data))
		return seam_errorf(err, SEAM_PARSE, "standard %s: data is missing", out->event_id);
	if ((rc = need_str(data, "payment_id", out->remote_id, sizeof out->remote_id, pfx,
			   "data.payment_id", err)) ||
	    (rc = copy(out->order_uuid, sizeof out->order_uuid, str_at(data, "order_uuid"), pfx,
		       "data.order_uuid", err)) ||
	    (rc = copy(out->order_id, sizeof out->order_id, str_at(data, "order_id"), pfx,
		       "data.order_id", err)) ||
	    (rc = copy(out->remote_state, sizeof out->remote_state, str_at(data, "status"), pfx,
		       "data.status", err)))
		return rc;
	if (json_object_get(data, "amount") || json_object_get(data, "refunded_total") ||
	    json_object_get(data, "captured_amount") || needs_amount(out->type)) {
		if ((rc = read_currency(SEAM_PSP_STANDARD, str_at(data, "currency"), out->currency, pfx,
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
	if (!has_amount && needs_amount(out->type))
		return seam_errorf(err, SEAM_PARSE, "standard %s: data.%s is missing", out->event_id,
				   out->type == SEAM_PAYMENT_EV_REFUNDED ? "refunded_total (or amount)"
									  : "amount");
	if (!has_amount && !out->captured_amount[0])
		out->currency[0] = '\0';
	return SEAM_OK;
}

seam_err_t seam_psp_normalize(seam_psp_provider_e provider, const json_t *payload,
			      const seam_psp_source_t *src, seam_psp_event_t *out,
			      seam_error_t *err)
{
	seam_err_t rc;

	if (!out)
		return seam_errorf(err, SEAM_INVAL, "psp normalize: no output");
	memset(out, 0, sizeof *out);
	out->provider = provider;
	out->type = SEAM_PAYMENT_EV_IGNORED;
	if ((unsigned)provider >= SEAM_PSP__PROVIDER_COUNT)
		return seam_errorf(err, SEAM_INVAL, "psp normalize: unknown provider %d", (int)provider);
	if (!json_is_object(payload))
		return seam_errorf(err, SEAM_PARSE, "%s: payload is not a JSON object",
				   seam_psp_provider_name(provider));
	if ((rc = copy(out->store, sizeof out->store, src ? src->store : NULL,
		       seam_psp_provider_name(provider), "store", err)))
		return rc;
	switch (provider) {
	case SEAM_PSP_STRIPE:
		rc = stripe(payload, src, out, err);
		break;
	case SEAM_PSP_ADYEN:
		rc = adyen(payload, src, out, err);
		break;
	case SEAM_PSP_STANDARD:
	default:
		rc = standard(payload, src, out, err);
		break;
	}
	if (rc == SEAM_OK && out->type == SEAM_PAYMENT_EV_IGNORED) {
		/* An ignored event carries only what identifies it. */
		out->amount[0] = out->currency[0] = out->captured_amount[0] = '\0';
		out->cumulative = false;
	}
	return rc;
}

size_t seam_psp_adyen_count(const json_t *body)
{
	return json_array_size(json_object_get(body, "notificationItems"));
}

const json_t *seam_psp_adyen_item(const json_t *body, size_t i)
{
	const json_t *it = json_array_get(json_object_get(body, "notificationItems"), i);
	const json_t *w = json_object_get(it, "NotificationRequestItem");
	return json_is_object(w) ? w : NULL;
}

seam_err_t seam_psp_event_to_payment(const seam_psp_event_t *pe, seam_payment_event_t *out,
				     seam_error_t *err)
{
	int exp;
	if (!pe || !out)
		return seam_errorf(err, SEAM_INVAL, "psp event: NULL argument");
	memset(out, 0, sizeof *out);
	out->type = pe->type;
	out->event_id = pe->event_id;
	out->at_ms = pe->occurred_at_ms;
	out->cumulative = pe->cumulative;
	out->amount = out->captured_total = -1;
	memcpy(out->currency, pe->currency, sizeof out->currency);
	if (!pe->amount[0] && !pe->captured_amount[0])
		return SEAM_OK;
	exp = seam_money_exponent(pe->currency);
	if (exp < 0)
		return seam_errorf(err, SEAM_PARSE, "psp event %s: unknown currency \"%s\"",
				   pe->event_id, pe->currency);
	if (pe->amount[0] && seam_money_parse(pe->amount, exp, &out->amount, err) != SEAM_OK)
		return SEAM_PARSE;
	if (pe->captured_amount[0] &&
	    seam_money_parse(pe->captured_amount, exp, &out->captured_total, err) != SEAM_OK)
		return SEAM_PARSE;
	return SEAM_OK;
}
