/*
 * psp_event.c: the canonical payment event and the rules every provider's reader follows (see
 * psp_event.h). The readers themselves are in src/connectors/.
 *
 * Thread-safety: pure functions.
 */
#include "domain/psp_event.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const seam_psp_rule_t *seam_psp_rule_find(const seam_psp_rule_t *rows, size_t n,
					  const char *provider_type)
{
	for (size_t i = 0; rows && provider_type && i < n; i++) {
		if (rows[i].provider_type && strcmp(rows[i].provider_type, provider_type) == 0)
			return &rows[i];
	}
	return NULL;
}

const seam_psp_rule_t *seam_psp_rule_pick(const seam_psp_source_t *src,
					  const seam_psp_rule_t *builtin, size_t nbuiltin,
					  const char *provider_type)
{
	if (src && src->rules)
		return seam_psp_rule_find(src->rules, src->nrules, provider_type);
	return seam_psp_rule_find(builtin, nbuiltin, provider_type);
}

int seam_psp_exponent(const seam_psp_exponent_t *rows, size_t n, const char *currency)
{
	for (size_t i = 0; currency && rows && i < n; i++) {
		if (strcmp(rows[i].currency, currency) == 0)
			return rows[i].exponent;
	}
	return seam_money_exponent(currency);
}

bool seam_psp_needs_amount(seam_payment_event_e t)
{
	return t == SEAM_PAYMENT_EV_AUTHORIZED || t == SEAM_PAYMENT_EV_CAPTURED ||
	       t == SEAM_PAYMENT_EV_REFUNDED;
}

/* ---- building one ---- */

seam_err_t seam_psp_event_start(seam_psp_event_t *out, const char *provider,
				const json_t *payload, const seam_psp_source_t *src,
				seam_error_t *err)
{
	if (!out)
		return seam_errorf(err, SEAM_INVAL, "psp normalize: no output");
	memset(out, 0, sizeof *out);
	snprintf(out->provider, sizeof out->provider, "%s", provider);
	out->type = SEAM_PAYMENT_EV_IGNORED;
	if (!json_is_object(payload))
		return seam_errorf(err, SEAM_PARSE, "%s: payload is not a JSON object", provider);
	return seam_psp_copy(out->store, sizeof out->store, src ? src->store : NULL, provider,
			     "store", err);
}

seam_err_t seam_psp_event_finish(seam_psp_event_t *out, seam_err_t rc)
{
	if (rc == SEAM_OK && out->type == SEAM_PAYMENT_EV_IGNORED) {
		/* An ignored event carries only what identifies it. */
		out->amount[0] = out->currency[0] = out->captured_amount[0] = '\0';
		out->cumulative = false;
	}
	return rc;
}

void seam_psp_event_ignore(seam_psp_event_t *out, const char *fmt, const char *arg)
{
	out->type = SEAM_PAYMENT_EV_IGNORED;
	snprintf(out->reason, sizeof out->reason, fmt, arg);
}

/* ---- reading JSON values into its fields ---- */

seam_err_t seam_psp_copy(char *dst, size_t cap, const char *src, const char *pfx,
			 const char *what, seam_error_t *err)
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

seam_err_t seam_psp_need_str(const json_t *o, const char *key, char *dst, size_t cap,
			     const char *pfx, const char *what, seam_error_t *err)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s || !s[0])
		return seam_errorf(err, SEAM_PARSE, "%s: %s is missing", pfx, what);
	return seam_psp_copy(dst, cap, s, pfx, what, err);
}

seam_err_t seam_psp_read_currency(const char *s, char out[4], const char *pfx, const char *what,
				  seam_error_t *err)
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
	if (seam_money_exponent(out) < 0) {
		seam_errorf(err, SEAM_PARSE, "%s: unknown currency %s", pfx, out);
		out[0] = '\0';
		return SEAM_PARSE;
	}
	return SEAM_OK;
}

seam_err_t seam_psp_read_minor(const json_t *v, const char *pfx, const char *what,
			       bool *present, int64_t *out, seam_error_t *err)
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

seam_err_t seam_psp_to_decimal(int64_t minor, int exponent, const char *currency,
			       char out[SEAM_MONEY_BUF], const char *pfx, const char *what,
			       seam_error_t *err)
{
	seam_money_dec_t d = {minor, exponent}, r;
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

/* ---- into the payment workflow ---- */

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
