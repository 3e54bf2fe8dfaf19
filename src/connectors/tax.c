/*
 * tax.c: the AvaTax-like tax engine connector (see tax.h).
 */
#include "connectors/tax.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/money.h"
#include "core/json.h"

static void outcome_clear(seam_tax_outcome_t *oc)
{
	if (oc) {
		oc->status = 0;
		oc->retry_after_ms = -1;
		oc->code[0] = '\0';
	}
}

/* A company or document code in a path: printable, no '/', '?', '#', '%', space. */
static int valid_code(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!isgraph((unsigned char)s[n]) || strchr("/?#%", s[n]))
			return 0;
	return n > 0 && n <= 128;
}

/* A decimal string -> a JSON real the body writes with 15 significant digits at most. */
static void to_number(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	seam_money_dec_t d;
	if (s && seam_money_dec_parse(s, (size_t)-1, &d, NULL) == SEAM_OK)
		json_object_set_new(obj, key, json_real(strtod(s, NULL)));
}

seam_err_t seam_tax_model_body(json_t *model, char **text, seam_error_t *err)
{
	json_t *m = json_deep_copy(model), *l;
	size_t i;
	*text = NULL;
	if (!m)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	json_array_foreach(json_object_get(m, "lines"), i, l) {
		to_number(l, "quantity");
		to_number(l, "amount");
	}
	*text = json_dumps(m, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(m);
	return *text ? SEAM_OK : seam_errorf(err, SEAM_NOMEM, "out of memory");
}

static seam_err_t exchange(seam_upstream_t *u, const char *cid, const char *method,
			   const char *path, const char *body, int64_t deadline_ns, json_t **doc,
			   seam_tax_outcome_t *oc, seam_error_t *err)
{
	seam_response_t resp = {0};
	seam_error_t cerr = {0};
	seam_call_t call = {.method = method, .path = path, .body = body,
			    .body_len = body ? strlen(body) : 0, .content_type = "application/json",
			    .correlation_id = cid, .deadline_ns = deadline_ns};
	seam_err_t rc = seam_upstream_call(u, &call, &resp, &cerr);
	json_t *d = resp.status && resp.body_len ? seam_json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
	*doc = NULL;
	if (oc) {
		oc->status = resp.status;
		oc->retry_after_ms = resp.retry_after_ms;
	}
	if (rc != SEAM_OK) {
		json_t *e = json_object_get(d, "error");
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		if (oc && code)
			snprintf(oc->code, sizeof oc->code, "%s", code);
		if (resp.status == 404)
			rc = SEAM_NOTFOUND;
		if (code || msg)
			seam_errorf(err, rc, "%s: %s %s: HTTP %d: %s%s%.300s", seam_upstream_name(u), method,
				    path, resp.status, code ? code : "error", msg ? ": " : "",
				    msg ? msg : "");
		else
			seam_errorf(err, rc, "%s", cerr.msg[0] ? cerr.msg : seam_strerror(rc));
		json_decref(d);
		seam_response_dispose(&resp);
		return rc;
	}
	seam_response_dispose(&resp);
	if (!json_is_object(d)) {
		json_decref(d);
		return seam_errorf(err, SEAM_UPSTREAM, "%s: %s %s: the answer is not a JSON object",
				   seam_upstream_name(u), method, path);
	}
	*doc = d;
	return SEAM_OK;
}

seam_err_t seam_tax_create(seam_upstream_t *u, const char *cid, json_t *model, int64_t deadline_ns,
			   json_t **txn, seam_tax_outcome_t *oc, seam_error_t *err)
{
	char *body = NULL;
	outcome_clear(oc);
	*txn = NULL;
	seam_err_t rc = seam_tax_model_body(model, &body, err);
	if (rc == SEAM_OK)
		rc = exchange(u, cid, "POST", "/api/v2/transactions/create", body, deadline_ns, txn, oc,
			      err);
	free(body);
	return rc;
}

seam_err_t seam_tax_create_or_adjust(seam_upstream_t *u, const char *cid, json_t *model,
				     json_t **txn, seam_tax_outcome_t *oc, seam_error_t *err)
{
	char *inner = NULL, *body = NULL;
	outcome_clear(oc);
	*txn = NULL;
	seam_err_t rc = seam_tax_model_body(model, &inner, err);
	if (rc != SEAM_OK)
		return rc;
	if (asprintf(&body, "{\"createTransactionModel\":%s}", inner) < 0)
		body = NULL;
	free(inner);
	if (!body)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	rc = exchange(u, cid, "POST", "/api/v2/transactions/createoradjust", body, 0, txn, oc, err);
	free(body);
	return rc;
}

seam_err_t seam_tax_void(seam_upstream_t *u, const char *cid, const char *company,
			 const char *code, seam_tax_outcome_t *oc, seam_error_t *err)
{
	char path[400];
	json_t *d = NULL;
	outcome_clear(oc);
	if (!valid_code(company) || !valid_code(code))
		return seam_errorf(err, SEAM_INVAL, "tax void: bad company or document code");
	snprintf(path, sizeof path, "/api/v2/companies/%s/transactions/%s/void", company, code);
	seam_err_t rc = exchange(u, cid, "POST", path, "{\"code\":\"DocVoided\"}", 0, &d, oc, err);
	json_decref(d);
	/* voided already (AvaTax answers TransactionAlreadyCancelled for a second void) */
	if (rc == SEAM_PERMANENT && oc && (strstr(oc->code, "AlreadyCancelled") || strstr(oc->code, "Void")))
		rc = SEAM_OK;
	return rc;
}

seam_err_t seam_tax_refund(seam_upstream_t *u, const char *cid, const char *company,
			   const char *code, const char *refund_code, const char *date,
			   double percentage, json_t **txn, seam_tax_outcome_t *oc, seam_error_t *err)
{
	char path[400], body[600], pct[48] = "";
	outcome_clear(oc);
	*txn = NULL;
	if (!valid_code(company) || !valid_code(code) || !valid_code(refund_code) || !date ||
	    strlen(date) != 10 || !(percentage > 0.0 && percentage <= 100.0))
		return seam_errorf(err, SEAM_INVAL, "tax refund: bad company, code, date or percentage");
	if (percentage < 100.0)
		snprintf(pct, sizeof pct, ",\"refundPercentage\":%.6f", percentage);
	snprintf(path, sizeof path, "/api/v2/companies/%s/transactions/%s/refund", company, code);
	snprintf(body, sizeof body,
		 "{\"refundTransactionCode\":\"%s\",\"refundDate\":\"%s\",\"refundType\":\"%s\"%s,"
		 "\"referenceCode\":\"%s\"}",
		 refund_code, date, pct[0] ? "Percentage" : "Full", pct, code);
	seam_err_t rc = exchange(u, cid, "POST", path, body, 0, txn, oc, err);
	if (rc == SEAM_PERMANENT && oc && strstr(oc->code, "AlreadyExists")) {
		/* made by an earlier attempt whose answer was lost: read that one */
		snprintf(path, sizeof path,
			 "/api/v2/companies/%s/transactions/%s?documentType=ReturnInvoice", company,
			 refund_code);
		rc = exchange(u, cid, "GET", path, NULL, 0, txn, oc, err);
	}
	return rc;
}

/* A number of the answer as decimal text rounded to exp digits; -1 when it is none. */
static int amount(const json_t *v, int exp, char *out, size_t cap)
{
	char raw[SEAM_MONEY_BUF];
	seam_money_dec_t d, r;
	if (json_is_integer(v))
		snprintf(raw, sizeof raw, "%lld", (long long)json_integer_value(v));
	else if (!json_is_real(v) || seam_money_real_text(json_real_value(v), raw, sizeof raw) != 0)
		return -1;
	if (seam_money_dec_parse(raw, (size_t)-1, &d, NULL) != SEAM_OK ||
	    (exp >= 0 && seam_money_dec_round(d, exp, SEAM_MONEY_HALF_UP, &r, NULL) != SEAM_OK))
		return -1;
	if (exp < 0)
		r = d;
	char buf[SEAM_MONEY_BUF];
	snprintf(out, cap, "%s", seam_money_dec_format(r, buf));
	return 0;
}

static const json_t *line_of(const json_t *txn, const char *number)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(txn, "lines"), i, l) {
		const char *n = json_string_value(json_object_get(l, "lineNumber"));
		if (n && !strcmp(n, number))
			return l;
	}
	return NULL;
}

seam_err_t seam_tax_answer_read(const json_t *txn, const json_t *request, json_t **quote,
				seam_error_t *err)
{
	const char *cur = json_string_value(json_object_get(request, "currency"));
	int exp = seam_money_exponent(cur);
	char tax[SEAM_MONEY_BUF], taxable[SEAM_MONEY_BUF], rate[SEAM_MONEY_BUF];
	json_t *lines = json_array(), *jur = json_array(), *shipping = json_null(), *rl;
	size_t i;
	*quote = NULL;
	if (exp < 0)
		exp = 2;
	json_array_foreach(json_object_get(request, "lines"), i, rl) {
		const char *id = json_string_value(json_object_get(rl, "id"));
		const json_t *l = id ? line_of(txn, id) : NULL;
		if (!l || amount(json_object_get(l, "tax"), exp, tax, sizeof tax) ||
		    amount(json_object_get(l, "taxableAmount"), exp, taxable, sizeof taxable)) {
			json_decref(lines);
			json_decref(jur);
			return seam_errorf(err, SEAM_UPSTREAM, "tax answer: no tax for line %s", id ? id : "?");
		}
		json_t *e = json_pack("{s:s, s:s, s:s}", "id", id, "tax", tax, "taxable", taxable);
		json_t *d0 = json_array_get(json_object_get(l, "details"), 0);
		if (d0 && amount(json_object_get(d0, "rate"), -1, rate, sizeof rate) == 0)
			json_object_set_new(e, "rate", json_string(rate));
		json_array_append_new(lines, e);
	}
	const json_t *ship = line_of(txn, "shipping");
	if (ship && amount(json_object_get(ship, "tax"), exp, tax, sizeof tax) == 0 &&
	    amount(json_object_get(ship, "taxableAmount"), exp, taxable, sizeof taxable) == 0)
		shipping = json_pack("{s:s, s:s}", "tax", tax, "taxable", taxable);
	json_t *s;
	json_array_foreach(json_object_get(txn, "summary"), i, s) {
		const char *name = json_string_value(json_object_get(s, "jurisName"));
		const char *type = json_string_value(json_object_get(s, "jurisType"));
		if (amount(json_object_get(s, "tax"), exp, tax, sizeof tax))
			continue;
		json_t *e = json_pack("{s:s, s:s, s:s}", "name", name && *name ? name : "Tax", "type",
				      type ? type : "", "tax", tax);
		if (amount(json_object_get(s, "rate"), -1, rate, sizeof rate) == 0)
			json_object_set_new(e, "rate", json_string(rate));
		json_array_append_new(jur, e);
	}
	char ttax[SEAM_MONEY_BUF], ttaxable[SEAM_MONEY_BUF];
	if (amount(json_object_get(txn, "totalTax"), exp, ttax, sizeof ttax) ||
	    amount(json_object_get(txn, "totalTaxable"), exp, ttaxable, sizeof ttaxable)) {
		json_decref(lines);
		json_decref(jur);
		json_decref(shipping);
		return seam_errorf(err, SEAM_UPSTREAM, "tax answer: no totalTax or totalTaxable");
	}
	*quote = json_pack("{s:o, s:o, s:s, s:s, s:o}", "lines", lines, "shipping", shipping,
			   "total_tax", ttax, "total_taxable", ttaxable, "jurisdictions", jur);
	return *quote ? SEAM_OK : seam_errorf(err, SEAM_NOMEM, "out of memory");
}
