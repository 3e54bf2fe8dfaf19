/*
 * odata.c: the OData side of the Business Central double: records as BC prints them
 * (etags, versions, private keys), errors, the $filter parser, paths, If-Match and lists with
 * server-driven paging.
 * Part of the ERP double (API: sim/sim_erp.h); what the files share and the locking rule
 * are in erp_int.h.
 */
#include "sim/erp/erp_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "sim/sim_money.h"

/* ---- helpers ---- */

void seam__sim_erp_now_iso(char out[25])
{
	seam_rfc3339_ms(seam_now_ms(), out);
}

json_t *seam__sim_erp_dec(int64_t v, int scale)
{
	return json_real(seam_sim_dec_to_double(v, scale));
}

int64_t seam__sim_erp_num(const json_t *v, int scale)
{
	int64_t x = 0;
	if (json_is_integer(v))
		x = json_integer_value(v) * (int64_t)pow(10, scale);
	else if (json_is_real(v))
		seam_sim_dec_from_double(json_real_value(v), scale, &x);
	return x;
}

void seam__sim_erp_error(seam_sim_erp_t *e, seam_sim_call_t *c, int status, const char *code,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void seam__sim_erp_error(seam_sim_erp_t *e, seam_sim_call_t *c, int status, const char *code,
		     const char *fmt, ...)
{
	char msg[512], full[640], cid[37];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	seam_sim_rng_uuid(&e->rng, cid);
	snprintf(full, sizeof full, "%s  CorrelationId:  %s.", msg, cid);
	seam_sim_reply_json(c, status, "application/json; odata.metadata=minimal",
			    json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", full));
}

void seam__sim_erp_etag_of(int64_t version, const char *key, char out[200])
{
	char raw[96], b64[160];
	snprintf(raw, sizeof raw, "'%lld;%s'", (long long)version, key ? key : "");
	seam_base64_encode(raw, strlen(raw), b64);
	snprintf(out, 200, "W/\"%s\"", b64);
}

void seam__sim_erp_etag(json_t *rec)
{
	char tag[200];
	seam__sim_erp_etag_of(json_integer_value(json_object_get(rec, "_version")),
			      json_string_value(json_object_get(rec, "id")), tag);
	json_object_set_new(rec, "@odata.etag", json_string(tag));
}

int64_t seam__sim_erp_next_ms(seam_sim_erp_t *e, const json_t *rec)
{
	int64_t ms = seam_now_ms();
	int64_t own = rec ? json_integer_value(json_object_get(rec, "_ms")) : 0;
	if (ms <= e->hw_ms)
		ms = e->hw_ms + 1;
	if (ms <= own)
		ms = own + 1;
	return ms;
}

void seam__sim_erp_stamp(seam_sim_erp_t *e, json_t *rec, int64_t ms, int64_t n)
{
	char ts[25];
	seam_rfc3339_ms(ms, ts);
	json_object_set_new(rec, "_version",
			    json_integer(json_integer_value(json_object_get(rec, "_version")) + n));
	json_object_set_new(rec, "_ms", json_integer(ms));
	json_object_set_new(rec, "lastModifiedDateTime", json_string(ts));
	if (ms > e->hw_ms)
		e->hw_ms = ms;
	seam__sim_erp_etag(rec);
}

int64_t seam__sim_erp_bump(seam_sim_erp_t *e, json_t *rec)
{
	int64_t ms = seam__sim_erp_next_ms(e, rec);
	seam__sim_erp_stamp(e, rec, ms, 1);
	return ms;
}

/* Output copy: private keys dropped, lines only when expanded. */
json_t *seam__sim_erp_out(const json_t *rec, int expand)
{
	json_t *o = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)rec, k, v) {
		if (k[0] == '_')
			continue;
		if (!strcmp(k, "salesOrderLines") && !expand)
			continue;
		if (!strcmp(k, "salesOrderLines")) {
			json_t *lines = json_array();
			size_t i;
			json_t *l;
			json_array_foreach(v, i, l)
				json_array_append_new(lines, seam__sim_erp_out(l, 0));
			json_object_set_new(o, k, lines);
			continue;
		}
		json_object_set(o, k, v);
	}
	return o;
}

json_t *seam__sim_erp_find(json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r) {
		const char *s = json_string_value(json_object_get(r, key));
		if (s && val && !strcasecmp(s, val))
			return r;
	}
	return NULL;
}

/* ---- OData $filter ---- */

typedef struct lex {
	const char *p;
	char err[160];
} lex_t;

static void skip_ws(lex_t *l)
{
	while (*l->p == ' ')
		l->p++;
}

static int word(lex_t *l, char *out, size_t cap)
{
	skip_ws(l);
	size_t n = 0;
	while (*l->p && *l->p != ' ' && n + 1 < cap)
		out[n++] = *l->p++;
	out[n] = '\0';
	return (int)n;
}

/* literal -> json (string for quoted/datetime/guid, number, bool, null) */
static json_t *literal(lex_t *l)
{
	skip_ws(l);
	if (*l->p == '\'') {
		char buf[256];
		size_t n = 0;
		l->p++;
		for (;;) {
			if (!*l->p) {
				snprintf(l->err, sizeof l->err, "unterminated string literal");
				return NULL;
			}
			if (*l->p == '\'') {
				if (l->p[1] == '\'') {
					if (n + 1 < sizeof buf)
						buf[n++] = '\'';
					l->p += 2;
					continue;
				}
				l->p++;
				break;
			}
			if (n + 1 < sizeof buf)
				buf[n++] = *l->p;
			l->p++;
		}
		buf[n] = '\0';
		return json_string(buf);
	}
	char w[128];
	if (!word(l, w, sizeof w)) {
		snprintf(l->err, sizeof l->err, "a literal was expected");
		return NULL;
	}
	if (!strcmp(w, "true"))
		return json_true();
	if (!strcmp(w, "false"))
		return json_false();
	if (!strcmp(w, "null"))
		return json_null();
	char *end;
	double d = strtod(w, &end);
	if (*end == '\0')
		return json_real(d);
	int64_t ms;
	if (seam_rfc3339_parse(w, &ms) == 0 || (strlen(w) == 10 && w[4] == '-' && w[7] == '-') ||
	    (strlen(w) == 36 && w[8] == '-'))
		return json_string(w);
	snprintf(l->err, sizeof l->err, "the literal '%s' is not valid", w);
	return NULL;
}

static json_t *cmp_expr(lex_t *l)
{
	char field[64], op[8];
	if (!word(l, field, sizeof field) || !word(l, op, sizeof op)) {
		snprintf(l->err, sizeof l->err, "a comparison was expected");
		return NULL;
	}
	static const char *const ops[] = {"eq", "ne", "gt", "ge", "lt", "le", NULL};
	int ok = 0;
	for (const char *const *o = ops; *o; o++)
		if (!strcmp(*o, op))
			ok = 1;
	if (!ok) {
		snprintf(l->err, sizeof l->err, "the operator '%s' is not supported", op);
		return NULL;
	}
	json_t *v = literal(l);
	if (!v)
		return NULL;
	return json_pack("{s:s, s:s, s:o}", "f", field, "op", op, "v", v);
}

/* OR of ANDs: [[cmp, cmp], [cmp]] */
static json_t *parse_filter(const char *s, char *err, size_t cap)
{
	lex_t l = {.p = s};
	json_t *ors = json_array();
	json_t *ands = json_array();
	json_array_append_new(ors, ands);
	for (;;) {
		json_t *c = cmp_expr(&l);
		if (!c) {
			snprintf(err, cap, "%s", l.err);
			json_decref(ors);
			return NULL;
		}
		json_array_append_new(ands, c);
		char w[16];
		if (!word(&l, w, sizeof w))
			break;
		if (!strcmp(w, "and"))
			continue;
		if (!strcmp(w, "or")) {
			ands = json_array();
			json_array_append_new(ors, ands);
			continue;
		}
		snprintf(err, cap, "unexpected '%s'", w);
		json_decref(ors);
		return NULL;
	}
	return ors;
}

static int cmp_one(const json_t *have, const json_t *want, const char *field)
{
	if (json_is_null(want))
		return have && !json_is_null(have) ? 1 : 0;
	if (!have || json_is_null(have))
		return -2;
	if (json_is_number(have) && json_is_number(want)) {
		double a = json_number_value(have), b = json_number_value(want);
		return a < b ? -1 : a > b;
	}
	if (json_is_boolean(have) && json_is_boolean(want))
		return json_is_true(have) == json_is_true(want) ? 0 : 1;
	if (json_is_string(have) && json_is_string(want)) {
		int64_t a, b;
		if (strstr(field, "DateTime") && seam_rfc3339_parse(json_string_value(have), &a) == 0 &&
		    seam_rfc3339_parse(json_string_value(want), &b) == 0)
			return a < b ? -1 : a > b;
		int r = strcasecmp(json_string_value(have), json_string_value(want));
		return r < 0 ? -1 : r > 0;
	}
	return -2;
}

static int filter_match(const json_t *f, const json_t *rec)
{
	if (!f)
		return 1;
	size_t i, k;
	json_t *ands, *c;
	json_array_foreach(f, i, ands) {
		int all = 1;
		json_array_foreach(ands, k, c) {
			const char *field = json_string_value(json_object_get(c, "f"));
			const char *op = json_string_value(json_object_get(c, "op"));
			int r = cmp_one(json_object_get(rec, field), json_object_get(c, "v"), field);
			int ok = r == -2   ? !strcmp(op, "ne")
				 : !strcmp(op, "eq") ? r == 0
				 : !strcmp(op, "ne") ? r != 0
				 : !strcmp(op, "gt") ? r == 1
				 : !strcmp(op, "ge") ? r >= 0
				 : !strcmp(op, "lt") ? r == -1
						     : r <= 0 && r != -2;
			if (!ok) {
				all = 0;
				break;
			}
		}
		if (all)
			return 1;
	}
	return 0;
}

/* ---- path parsing ---- */

int seam__sim_erp_split_path(const char *path, seg_t *segs, int max)
{
	const char *p = strstr(path, "/api/v2.0");
	if (!p)
		return -1;
	p += strlen("/api/v2.0");
	int n = 0;
	while (*p == '/' && n < max) {
		p++;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (!len)
			break;
		seg_t *s = &segs[n++];
		memset(s, 0, sizeof *s);
		const char *paren = memchr(p, '(', len);
		size_t nl = paren ? (size_t)(paren - p) : len;
		if (nl >= sizeof s->name)
			return -1;
		memcpy(s->name, p, nl);
		if (paren) {
			const char *close = memchr(paren, ')', len - nl);
			if (!close)
				return -1;
			const char *k = paren + 1;
			size_t kl = (size_t)(close - k);
			if (kl >= 2 && k[0] == '\'' && k[kl - 1] == '\'') {
				k++;
				kl -= 2;
			}
			if (kl >= sizeof s->key)
				return -1;
			memcpy(s->key, k, kl);
			s->has_key = 1;
		}
		p += len;
	}
	return n;
}


/* If-Match check: 0 ok, -1 after answering. */
int seam__sim_erp_if_match(seam_sim_erp_t *e, seam_sim_call_t *c, const json_t *rec)
{
	const char *im = seam_sim_header(c, "If-Match");
	if (!im) {
		seam__sim_erp_error(e, c, 400, "BadRequest",
			 "Could not save the changes: an If-Match header with the @odata.etag is required.");
		return -1;
	}
	if (!strcmp(im, "*"))
		return 0;
	if (strcmp(im, json_string_value(json_object_get(rec, "@odata.etag")))) {
		seam__sim_erp_error(e, c, 412, "Request_EntityChanged",
			 "Could not save the changes because the entity has been changed by another "
			 "user. Refresh and try again.");
		return -1;
	}
	return 0;
}

void seam__sim_erp_list(seam_sim_erp_t *e, seam_sim_call_t *c, json_t *arr, const char *what,
		       int expand_ok)
{
	const char *filter = seam_sim_query(c, "$filter");
	const char *expand = seam_sim_query(c, "$expand");
	const char *top = seam_sim_query(c, "$top");
	const char *skip = seam_sim_query(c, "$skip");
	const char *skiptoken = seam_sim_query(c, "$skiptoken");
	const char *orderby = seam_sim_query(c, "$orderby");
	char err[200];
	json_t *f = NULL;
	if (filter && !(f = parse_filter(filter, err, sizeof err))) {
		seam__sim_erp_error(e, c, 400, "BadRequest", "Invalid filter expression: %s.", err);
		return;
	}
	int expand_lines = 0;
	if (expand) {
		if (!expand_ok || strcmp(expand, "salesOrderLines")) {
			json_decref(f);
			seam__sim_erp_error(e, c, 400, "BadRequest_NotFound",
				 "Could not find a property named '%s' on type '%s'.", expand, what);
			return;
		}
		expand_lines = 1;
	}
	json_t *sel = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
		if (filter_match(f, r))
			json_array_append(sel, r);
	json_decref(f);
	if (orderby) {
		char field[64] = "", dir[8] = "";
		sscanf(orderby, "%63s %7s", field, dir);
		int desc = !strcasecmp(dir, "desc");
		size_t n = json_array_size(sel);
		/* insertion sort on a copy: lists are small and stability matters */
		for (size_t a = 1; a < n; a++) {
			for (size_t b = a; b > 0; b--) {
				json_t *x = json_array_get(sel, b - 1), *y = json_array_get(sel, b);
				int cmp = cmp_one(json_object_get(x, field), json_object_get(y, field), field);
				if (cmp == -2)
					cmp = 0;
				if (desc ? cmp >= 0 : cmp <= 0)
					break;
				json_incref(x);
				json_array_set(sel, b - 1, y);
				json_array_set_new(sel, b, x);
			}
		}
	}
	int64_t off = skip ? strtoll(skip, NULL, 10) : 0;
	if (skiptoken)
		off = strtoll(skiptoken, NULL, 10);
	int64_t lim = top ? strtoll(top, NULL, 10) : INT64_MAX;
	int64_t page = e->page_size;
	int64_t n = (int64_t)json_array_size(sel);
	json_t *value = json_array();
	int64_t end = off;
	for (int64_t k = off; k < n && k - off < lim && k - off < page; k++) {
		json_array_append_new(value, seam__sim_erp_out(json_array_get(sel, (size_t)k), expand_lines));
		end = k + 1;
	}
	char ctx_url[512];
	snprintf(ctx_url, sizeof ctx_url, "%s/api/v2.0/$metadata#%s", c->base_url, what);
	json_t *doc = json_pack("{s:s, s:o}", "@odata.context", ctx_url, "value", value);
	if (end < n && (top == NULL || end - off < lim)) {
		/* server-driven paging: same query, a skiptoken past this page */
		char *url = seam_sim_request_url(c);
		char *q = url ? strstr(url, "$skiptoken=") : NULL;
		if (!q)
			q = url ? strstr(url, "%24skiptoken=") : NULL;
		if (q)
			*q = '\0';
		size_t ul = url ? strlen(url) : 0;
		char next[2048];
		snprintf(next, sizeof next, "%s%s%s%%24skiptoken=%lld", c->base_url, url ? url : "",
			 ul && url[ul - 1] != '?' && url[ul - 1] != '&' ? (strchr(url, '?') ? "&" : "?")
									 : "",
			 (long long)end);
		free(url);
		json_object_set_new(doc, "@odata.nextLink", json_string(next));
	}
	json_decref(sel);
	seam_sim_reply_json(c, 200, "application/json; odata.metadata=minimal", doc);
}

void seam__sim_erp_single(seam_sim_call_t *c, seam_sim_erp_t *e, const json_t *rec,
			 const char *what, int expand)
{
	json_t *out = seam__sim_erp_out(rec, expand);
	char ctx_url[512];
	snprintf(ctx_url, sizeof ctx_url, "%s/api/v2.0/$metadata#%s/$entity", c->base_url, what);
	json_object_set_new(out, "@odata.context", json_string(ctx_url));
	seam_sim_reply_json(c, 200, "application/json; odata.metadata=minimal", out);
}
