/*
 * erp.c: the Business Central-like ERP connector (see erp.h for the calls, error classes and
 * the decimal rule).
 *
 * The request body of a create is written by hand (wire_*), not by json_dumps, because BC
 * wants JSON numbers for quantities and prices while the mapping gives exact decimal strings,
 * and jansson can only write numbers it holds as doubles. Only the fields BC types as
 * decimals are written this way; every other value goes through jansson's encoder.
 */
#include "connectors/erp.h"
#include "connectors/erp_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/json.h"

#define BODY_MAX (4u << 20) /* a sales order body larger than this is refused */
#define LOOKUP_MAX (64 * 1024) /* a lookup's path: more than the client sends (it says when a
				* URL is too long, as for every call) */
#define DECIMAL_MAX 64

/* The fields BC types as decimal (Edm.Decimal / Int32) that a create may carry. */
static const char *const header_numeric[] = {"discountAmount", NULL};
static const char *const line_numeric[] = {"sequence",       "quantity",      "unitPrice",
					   "discountAmount", "discountPercent", "invoiceQuantity",
					   "shipQuantity",   NULL};

/* ---- checks ---- */

/* Company and sales order ids go into the path between parentheses: GUID characters only. */
static int valid_key(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '-')
			return 0;
	return n > 0 && n <= 64;
}

static int in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

/* Normalises a decimal string into out ("-?digits[.digits]", redundant leading zeros
 * dropped, so the text is a valid JSON number). 0 on success, -1 when s is no decimal. */
int seam__erp_decimal_text(const char *s, char *out, size_t cap)
{
	const char *p = s, *int_start;
	size_t o = 0, n = strlen(s);
	if (n == 0 || n >= cap)
		return -1;
	if (*p == '-')
		out[o++] = *p++;
	int_start = p;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return -1;
	while (*int_start == '0' && isdigit((unsigned char)int_start[1]))
		int_start++;
	memcpy(out + o, int_start, strlen(int_start) + 1);
	return 0;
}

/* ---- the wire body ---- */

/* The body is written into a seam_buf_t capped at BODY_MAX; its errors are sticky and checked
 * once, when the text is taken. The wire_* functions return only what the buffer cannot
 * know: a value that is no decimal (SEAM_INVAL, with a message) or jansson out of memory. */

static seam_err_t wire_jansson(seam_buf_t *b, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		return SEAM_NOMEM;
	seam_buf_adds(b, s);
	free(s);
	return SEAM_OK;
}

static seam_err_t wire_key(seam_buf_t *b, const char *key)
{
	json_t *k = json_string(key);
	seam_err_t rc = k ? wire_jansson(b, k) : SEAM_NOMEM;
	json_decref(k);
	seam_buf_add(b, ":", 1);
	return rc;
}

static seam_err_t wire_number(seam_buf_t *b, json_t *v, const char *where, const char *key,
			      seam_error_t *err)
{
	char text[DECIMAL_MAX];
	if (json_is_null(v)) {
		seam_buf_adds(b, "null");
	} else if (json_is_string(v)) {
		if (seam__erp_decimal_text(json_string_value(v), text, sizeof text) != 0)
			return seam_errorf(err, SEAM_INVAL, "erp sales order: %s%s: '%.40s' is not a decimal",
					   where, key, json_string_value(v));
		seam_buf_adds(b, text);
	} else if (json_is_integer(v)) {
		seam_buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v) && isfinite(json_real_value(v))) {
		double d = json_real_value(v);
		/* The shortest text that reads back as the same double: 0.1 stays 0.1. */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(text, sizeof text, "%.*g", prec, d);
			if (strtod(text, NULL) == d)
				break;
		}
		seam_buf_adds(b, text);
	} else {
		return seam_errorf(err, SEAM_INVAL, "erp sales order: %s%s must be a decimal", where,
				   key);
	}
	return SEAM_OK;
}

static seam_err_t wire_object(seam_buf_t *b, json_t *obj, const char *const *numeric, int header,
			      const char *where, seam_error_t *err)
{
	const char *key;
	json_t *v;
	int first = 1;
	seam_err_t rc;
	seam_buf_add(b, "{", 1);
	json_object_foreach(obj, key, v) {
		if (!first)
			seam_buf_add(b, ",", 1);
		first = 0;
		if ((rc = wire_key(b, key)) != SEAM_OK)
			return rc;
		if (in_list(numeric, key)) {
			if ((rc = wire_number(b, v, where, key, err)) != SEAM_OK)
				return rc;
		} else if (header && strcmp(key, "salesOrderLines") == 0) {
			size_t i;
			json_t *line;
			char at[48];
			if (!json_is_array(v))
				return seam_errorf(err, SEAM_INVAL,
						   "erp sales order: salesOrderLines must be an array");
			seam_buf_add(b, "[", 1);
			json_array_foreach(v, i, line) {
				if (!json_is_object(line))
					return seam_errorf(err, SEAM_INVAL,
							   "erp sales order: salesOrderLines[%zu] is not an object",
							   i);
				snprintf(at, sizeof at, "salesOrderLines[%zu].", i);
				if (i)
					seam_buf_add(b, ",", 1);
				if ((rc = wire_object(b, line, line_numeric, 0, at, err)) != SEAM_OK)
					return rc;
			}
			seam_buf_add(b, "]", 1);
		} else if ((rc = wire_jansson(b, v)) != SEAM_OK) {
			return rc;
		}
	}
	seam_buf_add(b, "}", 1);
	return SEAM_OK;
}

seam_err_t seam_erp_sales_order_body(json_t *sales_order, char **text, seam_error_t *err)
{
	seam_buf_t b;
	seam_err_t rc;
	if (!text)
		return seam_errorf(err, SEAM_INVAL, "erp sales order: no output");
	*text = NULL;
	if (!json_is_object(sales_order))
		return seam_errorf(err, SEAM_INVAL, "erp sales order: not a JSON object");
	seam_buf_init(&b, BODY_MAX);
	rc = wire_object(&b, sales_order, header_numeric, 1, "", err);
	if (rc == SEAM_INVAL) { /* err has the message */
		seam_buf_dispose(&b);
		return rc;
	}
	if (rc == SEAM_OK)
		rc = seam_buf_take(&b, text, NULL);
	seam_buf_dispose(&b);
	if (rc == SEAM_TOOBIG)
		return seam_errorf(err, rc, "erp sales order: larger than %u bytes", BODY_MAX);
	if (rc != SEAM_OK)
		return seam_errorf(err, SEAM_NOMEM, "erp sales order: out of memory");
	return SEAM_OK;
}

/* ---- exchanges and errors ---- */

void seam__erp_outcome_clear(seam_erp_outcome_t *oc)
{
	if (oc) {
		oc->status = 0;
		oc->retry_after_ms = -1;
		oc->code[0] = '\0';
	}
}

/* One exchange. On SEAM_OK *doc is the parsed answer (owned; NULL for an empty body such as
 * a 204). Otherwise err has the message and oc the code. */
seam_err_t seam__erp_exchange(seam_upstream_t *u, const char *cid, const seam__erp_req_t *r,
			      json_t **doc, seam_erp_outcome_t *oc, seam_error_t *err)
{
	seam_response_t resp = {0};
	seam_error_t cerr = {0};
	seam_call_kv_t hdr[1];
	size_t nh = 0;
	json_t *d = NULL;
	json_error_t jerr;
	const char *code = NULL, *msg = NULL;
	int plen = (int)strcspn(r->path, "?");
	seam_err_t rc;

	*doc = NULL;
	if (r->if_match)
		hdr[nh++] = (seam_call_kv_t){"If-Match", r->if_match};
	seam_call_t call = {
		.method = r->method,
		.path = r->path,
		.headers = nh ? hdr : NULL,
		.nheaders = nh,
		.body = r->body,
		.body_len = r->body ? strlen(r->body) : 0,
		.content_type = "application/json",
		.correlation_id = cid,
	};
	rc = seam_upstream_call(u, &call, &resp, &cerr);
	if (oc) {
		oc->status = resp.status;
		oc->retry_after_ms = resp.retry_after_ms;
	}
	if (resp.status && resp.body_len)
		d = seam_json_loadb(resp.body, resp.body_len, 0, &jerr);
	if (rc != SEAM_OK) {
		json_t *e = json_object_get(d, "error");
		code = json_string_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
		if (oc && code)
			snprintf(oc->code, sizeof oc->code, "%s", code);
		if (code && strcmp(code, "Internal_EntityWithSameKeyExists") == 0)
			rc = SEAM_CONFLICT;
		else if ((code && strcmp(code, "Request_EntityChanged") == 0) || resp.status == 412)
			rc = SEAM_CONFLICT;
		else if (resp.status == 401)
			rc = SEAM_RETRY;
		else if (resp.status == 404 && (r->how & SEAM__ERP_NOTFOUND_IS_NOTFOUND))
			rc = SEAM_NOTFOUND;
		if (code || msg) {
			/* the client masked the body (personal data in BC's messages) */
			seam_errorf(err, rc, "%s: %s %.*s: HTTP %d: %s%s%.300s", seam_upstream_name(u),
				    r->method, plen > 200 ? 200 : plen, r->path, resp.status,
				    code ? code : "error", msg && *msg ? ": " : "", msg ? msg : "");
		} else {
			seam_errorf(err, rc, "%s", cerr.msg[0] ? cerr.msg : seam_strerror(rc));
		}
		json_decref(d);
		goto out;
	}
	if (resp.body_len && !d) {
		rc = seam_errorf(err, SEAM_UPSTREAM,
				 "%s: %s %.*s: HTTP %d with a body that is not JSON (line %d, column %d)",
				 seam_upstream_name(u), r->method, plen > 200 ? 200 : plen, r->path,
				 resp.status, jerr.line, jerr.column);
		goto out;
	}
	*doc = d;
out:
	seam_response_dispose(&resp);
	return rc;
}

/* ---- sales orders ---- */

/* Orders sales order numbers: shorter first, then by text ("SO-99" < "SO-100"); no number
 * sorts last. */
static int number_before(json_t *a, json_t *b)
{
	const char *na = json_string_value(json_object_get(a, "number"));
	const char *nb = json_string_value(json_object_get(b, "number"));
	size_t la, lb;
	if (!na)
		return 0;
	if (!nb)
		return 1;
	la = strlen(na);
	lb = strlen(nb);
	return la != lb ? la < lb : strcmp(na, nb) < 0;
}

seam_err_t seam_erp_find_sales_order(seam_upstream_t *u, const char *cid, const char *company,
				     const char *external_document_number, json_t **order,
				     size_t *nmatch, seam_erp_outcome_t *oc, seam_error_t *err)
{
	seam_buf_t path, filter;
	json_t *d = NULL, *value, *o, *best = NULL;
	size_t i;
	seam_err_t rc;

	seam_buf_init(&path, LOOKUP_MAX);
	seam_buf_init(&filter, LOOKUP_MAX);
	seam__erp_outcome_clear(oc);
	if (order)
		*order = NULL;
	if (nmatch)
		*nmatch = 0;
	if (!u || !order || !valid_key(company) || !external_document_number ||
	    !*external_document_number)
		return seam_errorf(err, SEAM_INVAL,
				   "erp find sales order: bad company or external document number");
	/* OData string literal: single quotes doubled. */
	seam_buf_adds(&filter, "externalDocumentNumber eq '");
	for (const char *p = external_document_number; *p; p++) {
		if (*p == '\'')
			seam_buf_add(&filter, "''", 2);
		else
			seam_buf_add(&filter, p, 1);
	}
	seam_buf_adds(&filter, "'");
	seam_buf_addf(&path, "/companies(%s)/salesOrders?$filter=", company);
	seam_buf_add_urlenc(&path, seam_buf_str(&filter));
	seam_buf_adds(&path, "&$expand=salesOrderLines");
	if ((rc = seam_buf_err(&filter)) == SEAM_OK)
		rc = seam_buf_err(&path);
	if (rc == SEAM_TOOBIG) {
		rc = seam_errorf(err, SEAM_INVAL,
				 "erp find sales order: external document number too long for a URL");
		goto out;
	}
	if (rc != SEAM_OK) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	seam__erp_req_t r = {.method = "GET", .path = seam_buf_str(&path)};
	if ((rc = seam__erp_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	value = json_object_get(d, "value");
	if (!json_is_array(value)) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: GET salesOrders: the answer has no value list",
				 seam_upstream_name(u));
		goto out;
	}
	json_array_foreach(value, i, o)
		if (json_is_object(o) && (!best || number_before(o, best)))
			best = o;
	if (nmatch)
		*nmatch = json_array_size(value);
	if (best)
		*order = json_incref(best);
out:
	json_decref(d);
	seam_buf_dispose(&path);
	seam_buf_dispose(&filter);
	return rc;
}

seam_err_t seam_erp_create_sales_order(seam_upstream_t *u, const char *cid, const char *company,
				       json_t *sales_order, json_t **created,
				       seam_erp_outcome_t *oc, seam_error_t *err)
{
	char path[128], *body = NULL;
	json_t *d = NULL;
	seam_err_t rc;

	seam__erp_outcome_clear(oc);
	if (created)
		*created = NULL;
	if (!u || !created || !valid_key(company))
		return seam_errorf(err, SEAM_INVAL, "erp create sales order: bad company");
	if ((rc = seam_erp_sales_order_body(sales_order, &body, err)) != SEAM_OK)
		return rc;
	snprintf(path, sizeof path, "/companies(%s)/salesOrders", company);
	seam__erp_req_t r = {.method = "POST", .path = path, .body = body};
	if ((rc = seam__erp_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if (!json_is_string(json_object_get(d, "id")) ||
	    !json_is_string(json_object_get(d, "number"))) {
		rc = seam_errorf(err, SEAM_UPSTREAM,
				 "%s: POST %s: HTTP %d without the created order's id and number",
				 seam_upstream_name(u), path, oc ? oc->status : 0);
		goto out;
	}
	*created = d;
	d = NULL;
out:
	json_decref(d);
	free(body);
	return rc;
}

seam_err_t seam_erp_cancel_sales_order(seam_upstream_t *u, const char *cid, const char *company,
				       const char *order_id, const char *etag,
				       seam_erp_outcome_t *oc, seam_error_t *err)
{
	char path[200];
	json_t *d = NULL;
	char *fetched = NULL;
	seam_err_t rc;

	seam__erp_outcome_clear(oc);
	if (!u || !valid_key(company) || !valid_key(order_id) || (etag && !*etag))
		return seam_errorf(err, SEAM_INVAL, "erp cancel sales order: bad company, id or etag");
	snprintf(path, sizeof path, "/companies(%s)/salesOrders(%s)", company, order_id);
	if (!etag) {
		seam__erp_req_t r = {.method = "GET", .path = path, .how = SEAM__ERP_NOTFOUND_IS_NOTFOUND};
		rc = seam__erp_exchange(u, cid, &r, &d, oc, err);
		if (rc == SEAM_NOTFOUND)
			goto gone;
		if (rc != SEAM_OK)
			goto out;
		if (!json_is_string(json_object_get(d, "@odata.etag"))) {
			rc = seam_errorf(err, SEAM_UPSTREAM, "%s: GET %s: the order has no @odata.etag",
					 seam_upstream_name(u), path);
			goto out;
		}
		if (!(fetched = strdup(json_string_value(json_object_get(d, "@odata.etag"))))) {
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto out;
		}
		etag = fetched;
		json_decref(d);
		d = NULL;
	}
	seam__erp_req_t r = {.method = "DELETE", .path = path, .if_match = etag, .how = SEAM__ERP_NOTFOUND_IS_NOTFOUND};
	rc = seam__erp_exchange(u, cid, &r, &d, oc, err);
	if (rc == SEAM_NOTFOUND)
		goto gone;
	goto out;
gone:
	/* Already deleted (by an earlier attempt whose answer was lost, or by hand). */
	seam_error_clear(err);
	rc = SEAM_OK;
out:
	json_decref(d);
	free(fetched);
	return rc;
}
