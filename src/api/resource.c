/*
 * resource.c: paging, filters, ETags and error mapping shared by the /v1 handlers (see
 * resource.h for the rules).
 */
#include "api/resource.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"

#define CURSOR_MAX 1024 /* encoded; keys are a time and two ids at most */

char *seam_api_cursor_encode(const char *kind, const json_t *key)
{
	json_t *a = json_array();
	char *text, *out = NULL;
	json_array_append_new(a, json_string(kind));
	json_array_extend(a, (json_t *)key);
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (!text)
		return NULL;
	size_t len = strlen(text);
	out = malloc(len / 3 * 4 + 8);
	if (out)
		out[seam_base64url_encode(text, len, out)] = '\0';
	free(text);
	return out;
}

seam_err_t seam_api_cursor_decode(const char *kind, const char *text, size_t nkeys, json_t **key,
				  seam_error_t *err)
{
	size_t len = strlen(text);
	char b64[CURSOR_MAX + 1];
	uint8_t raw[CURSOR_MAX];
	json_t *a = NULL;
	seam_err_t rc = SEAM_INVAL;
	long n;
	*key = NULL;
	if (len == 0 || len > CURSOR_MAX)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '+' || c == '/' || c == '=')
			goto bad; /* url alphabet only: a cursor is pasted into URLs */
		b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	if ((n = seam_base64_decode(b64, len, raw, sizeof raw)) < 0)
		goto bad;
	a = seam_json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(a) || json_array_size(a) < 2 || json_array_size(a) > 9 ||
	    (nkeys && json_array_size(a) != nkeys + 1) ||
	    !json_is_string(json_array_get(a, 0)) ||
	    strcmp(json_string_value(json_array_get(a, 0)), kind) != 0)
		goto bad;
	for (size_t i = 1; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		if (!json_is_string(v) && !json_is_integer(v))
			goto bad;
	}
	json_array_remove(a, 0);
	*key = a;
	return SEAM_OK;
bad:
	json_decref(a);
	return seam_errorf(err, rc, "cursor is not one this list gave out; pass back the `next` "
			   "link (or its cursor) of the previous page unchanged");
}

int seam_api_filter_index(const seam_api_list_def_t *def, const char *name)
{
	for (size_t i = 0; i < def->nfilters; i++)
		if (strcmp(def->filters[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int is_extra(const seam_api_list_def_t *def, const char *name)
{
	for (const char *const *e = def->extra; e && *e; e++)
		if (strcmp(*e, name) == 0)
			return 1;
	return 0;
}

/* "a, b, c" of the parameters def takes, into buf. */
static const char *param_list(const seam_api_list_def_t *def, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "limit, cursor");
	for (size_t i = 0; i < def->nfilters && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, ", %s", def->filters[i].name);
	for (const char *const *e = def->extra; e && *e && n < cap; e++)
		n += (size_t)snprintf(buf + n, cap - n, ", %s", *e);
	return buf;
}

seam_err_t seam_api_query_parse_args(const seam_api_list_def_t *def, const char *const *names,
				     const char *const *values, size_t n, int64_t now_ms,
				     seam_api_query_t *q, const char **bad, seam_error_t *err)
{
	char known[512];
	int seen_limit = 0;
	assert(def->nfilters <= SEAM_API_MAX_FILTERS); /* a table's size, not input */
	memset(q, 0, sizeof *q);
	q->limit = def->limit_default;
	*bad = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *k = names[i], *v = values[i] ? values[i] : "";
		int fi = seam_api_filter_index(def, k);
		*bad = k;
		if (strcmp(k, "limit") == 0) {
			char *end;
			long l = strtol(v, &end, 10);
			if (seen_limit++)
				goto repeated;
			if (!*v || *end || l < 1 || l > def->limit_max)
				return seam_errorf(err, SEAM_INVAL, "limit '%.40s' must be an integer from "
						   "1 to %d", v, def->limit_max);
			q->limit = (int)l;
		} else if (strcmp(k, "cursor") == 0) {
			if (q->cursor)
				goto repeated;
			/* the key's shape is the handler's to check (seam_api_cursor_key) */
			if (seam_api_cursor_decode(def->kind, v, 0, &q->cursor, err) != SEAM_OK)
				return SEAM_INVAL;
		} else if (fi >= 0) {
			const seam_api_filter_t *f = &def->filters[fi];
			if (q->str[fi])
				goto repeated;
			if (!*v || strlen(v) > 200)
				return seam_errorf(err, SEAM_INVAL, "filter %s needs a value (1 to 200 "
						   "bytes)", k);
			if (f->kind == SEAM_API_FILTER_ENUM) {
				const char *const *e = f->values;
				char allowed[256];
				size_t an = 0;
				for (; *e && strcmp(*e, v) != 0; e++)
					;
				if (!*e) {
					for (e = f->values; *e && an < sizeof allowed; e++)
						an += (size_t)snprintf(allowed + an, sizeof allowed - an,
								       "%s%s", an ? ", " : "", *e);
					return seam_errorf(err, SEAM_INVAL, "%s '%.40s' is not one of %s",
							   k, v, allowed);
				}
			} else if (f->kind == SEAM_API_FILTER_TIME &&
				   seam_time_arg_parse(v, now_ms, &q->time[fi]) != 0) {
				return seam_errorf(err, SEAM_INVAL, "%s '%.40s' is not " SEAM_TIME_ARG_FORMS,
						   k, v);
			}
			q->str[fi] = v;
		} else if (!is_extra(def, k)) {
			return seam_errorf(err, SEAM_INVAL, "unknown query parameter '%.40s'; this "
					   "resource takes %s", k, param_list(def, known, sizeof known));
		}
	}
	*bad = NULL;
	return SEAM_OK;
repeated:
	return seam_errorf(err, SEAM_INVAL, "query parameter %s is given more than once", *bad);
}

typedef struct args {
	const char *k[64], *v[64];
	size_t n;
	int overflow;
} args_t;

static void collect(const char *key, const char *value, void *ud)
{
	args_t *a = ud;
	if (a->n == 64) {
		a->overflow = 1;
		return;
	}
	a->k[a->n] = key;
	a->v[a->n++] = value;
}

int seam_api_query_parse(seam_http_req_t *req, const seam_api_list_def_t *def,
			 seam_api_query_t *q)
{
	args_t a = {0};
	const char *bad = NULL;
	seam_error_t e = {0};
	seam_http_query_each(req, collect, &a);
	if (a.overflow) {
		memset(q, 0, sizeof *q);
		seam_http_problem(req, 400, "bad-request", "Bad request", NULL,
				  "more than 64 query parameters");
		return -1;
	}
	if (seam_api_query_parse_args(def, a.k, a.v, a.n, seam_now_ms(), q, &bad, &e) != SEAM_OK) {
		seam_http_problem(req, 400, "bad-request", "Bad request",
				  bad ? json_pack("{s:s}", "parameter", bad) : NULL, "%s", e.msg);
		return -1;
	}
	return 0;
}

void seam_api_query_dispose(seam_api_query_t *q)
{
	json_decref(q->cursor);
	q->cursor = NULL;
}

/* Appends s percent-encoded (RFC 3986 unreserved kept) to buf. */
static void url_append(char *buf, size_t cap, size_t *n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s && *n + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf[(*n)++] = (char)c;
		} else {
			buf[(*n)++] = '%';
			buf[(*n)++] = hex[c >> 4];
			buf[(*n)++] = hex[c & 15];
		}
	}
	buf[*n] = '\0';
}

typedef struct link_ctx {
	char *buf;
	size_t cap, n;
} link_ctx_t;

static void link_arg(const char *key, const char *value, void *ud)
{
	link_ctx_t *l = ud;
	if (strcmp(key, "cursor") == 0 || strcmp(key, "before") == 0)
		return;
	if (l->n + 2 < l->cap)
		l->buf[l->n++] = strchr(l->buf, '?') ? '&' : '?';
	url_append(l->buf, l->cap, &l->n, key);
	if (l->n + 2 < l->cap)
		l->buf[l->n++] = '=';
	url_append(l->buf, l->cap, &l->n, value);
}

void seam_api_reply_runs(seam_http_req_t *req, seam_store_t *st, const seam_api_list_def_t *def,
			 seam_api_runs_fn list)
{
	seam_api_query_t q;
	json_t *items = NULL;
	seam_error_t e = {0};
	if (seam_api_query_parse(req, def, &q) == 0) {
		if (list(st, q.str[0], q.limit, &items, &e) != SEAM_OK)
			seam_api_reply_error(req, &e);
		else
			seam_api_reply_page(req, def, items, NULL, NULL);
	}
	seam_api_query_dispose(&q);
}

void seam_api_reply_page(seam_http_req_t *req, const seam_api_list_def_t *def, json_t *items,
			 json_t *next_key, json_t *extra)
{
	json_t *doc = json_pack("{s:o}", "items", items), *next = json_null();
	char *cur = next_key ? seam_api_cursor_encode(def->kind, next_key) : NULL;
	if (cur) {
		char url[2048], hdr[2100];
		link_ctx_t l = {url, sizeof url, 0};
		/* the path as the client wrote it, minus the query */
		l.n = (size_t)snprintf(url, sizeof url, "%s", seam_http_path(req));
		if (l.n >= sizeof url)
			l.n = sizeof url - 1;
		seam_http_query_each(req, link_arg, &l);
		if (l.n + 2 < sizeof url)
			url[l.n++] = strchr(url, '?') ? '&' : '?';
		url[l.n] = '\0';
		url_append(url, sizeof url, &l.n, "cursor");
		if (l.n + 2 < sizeof url)
			url[l.n++] = '=';
		url_append(url, sizeof url, &l.n, cur);
		next = json_string(url);
		snprintf(hdr, sizeof hdr, "<%s>; rel=\"next\"", url);
		seam_http_set_header(req, "Link", hdr);
	}
	free(cur);
	json_decref(next_key);
	json_object_set_new(doc, "next", next);
	if (json_is_object(extra))
		json_object_update_missing(doc, extra);
	json_decref(extra);
	seam_http_reply_json(req, 200, doc);
}

void seam_api_etag(const char *body, size_t len, char out[35])
{
	uint8_t h[SEAM_SHA256_LEN];
	seam_sha256(body, len, h);
	out[0] = '"';
	seam_hex_encode(h, 16, out + 1);
	out[33] = '"';
	out[34] = '\0';
}

int seam_api_etag_match(const char *inm, const char *etag)
{
	size_t el = strlen(etag);
	const char *p = inm;
	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2; /* weak comparison: W/"x" matches "x" */
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (l == el && memcmp(p, etag, el) == 0)
			return 1;
		p = end;
	}
	return 0;
}

void seam_api_reply_etag(seam_http_req_t *req, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	char etag[35];
	const char *inm = seam_http_header(req, "If-None-Match");
	json_decref(doc);
	if (!text) {
		seam_http_problem(req, 500, "internal", "Internal error", NULL, "cannot encode");
		return;
	}
	seam_api_etag(text, strlen(text), etag);
	seam_http_set_header(req, "ETag", etag);
	if (inm && seam_api_etag_match(inm, etag))
		seam_http_reply(req, 304, NULL, "", 0);
	else
		seam_http_reply(req, 200, "application/json", text, strlen(text));
	free(text);
}

void seam_api_not_found(seam_http_req_t *req, const char *what, const char *id)
{
	seam_http_problem(req, 404, "not-found", "Not found", NULL, "no %s '%.200s'", what, id);
}

void seam_api_reply_error(seam_http_req_t *req, const seam_error_t *e)
{
	switch (e->code) {
	case SEAM_INVAL:
	case SEAM_PARSE:
		seam_http_problem(req, 400, "bad-request", "Bad request", NULL, "%s", e->msg);
		break;
	case SEAM_NOTFOUND:
		seam_http_problem(req, 404, "not-found", "Not found", NULL, "%s", e->msg);
		break;
	case SEAM_CONFLICT:
		seam_http_problem(req, 409, "conflict", "Conflict", NULL, "%s", e->msg);
		break;
	case SEAM_BUSY:
		seam_http_problem(req, 503, "store-busy", "Store busy", NULL,
				  "the store is busy; retry shortly");
		break;
	default:
		/* Store messages name files and tables: log them, answer generically. */
		seam_logf(seam_http_log(req), SEAM_LOG_ERROR, "api", seam_http_cid(req),
			  json_pack("{s:s,s:s}", "error", e->msg, "code", seam_errname(e->code)),
			  "API: %s", e->msg);
		seam_http_problem(req, 500, "internal", "Internal error", NULL,
				  "the request failed; see the server log for correlation id %s",
				  seam_http_cid(req));
		break;
	}
}
