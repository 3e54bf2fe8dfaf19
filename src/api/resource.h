/*
 * resource.h: the REST v1 resource layer: what every list and single resource under /v1 does
 * the same way, so handlers only say which filters they take and run their query.
 *
 *   Paging. `limit` (1..max, a default per resource) and an opaque `cursor`: base64url (no
 *   padding) of a compact JSON array [kind, key...] holding the sort key of the last item of
 *   the previous page. Lists are ordered by a unique key (newest first), and the next page is
 *   "everything strictly after this key" (keyset paging), so rows inserted while a client
 *   pages never shift a page boundary: each row that existed when paging started is seen
 *   exactly once. A page that came back full carries `next` (the same URL with the new cursor)
 *   in the body and a `Link: <...>; rel="next"` header; the last page has "next": null.
 *   The kind tag makes a cursor of one resource a 400 on another.
 *   Filters. Each resource declares its query parameters in a table (seam_api_filter_t); an
 *   unknown parameter, a repeated one, or a bad value is a 400 problem naming the parameter
 *   and listing what the resource takes (a typo must not silently list everything).
 *   Single resources. `ETag` is a strong validator: the SHA-256 of the exact body bytes
 *   (first 128 bits, hex, quoted). `If-None-Match` with a matching tag (or `*`) is 304 with
 *   the ETag and no body (weak comparison, RFC 9110 13.1.2).
 *   Errors are problem+json (seam_http_problem) with a stable slug.
 *
 * The parsing functions that take no request (cursor codec, filter parsing, the ETag of a
 * body, the If-None-Match match) are pure and unit-tested in tests/unit/api/test_resource.c.
 * Thread-safety: reentrant; tables are constant.
 */
#ifndef SEAM_API_RESOURCE_H
#define SEAM_API_RESOURCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http/server.h"
#include "store/store.h"

#define SEAM_API_MAX_FILTERS 12

typedef enum seam_api_filter_kind_e {
	SEAM_API_FILTER_STR,  /* any non-empty string up to 200 bytes */
	SEAM_API_FILTER_ENUM, /* one of values[] */
	SEAM_API_FILTER_TIME, /* what `seam ctl --since` takes: RFC 3339, now, or "2h" (ago) */
} seam_api_filter_kind_e;

typedef struct seam_api_filter {
	const char *name;
	seam_api_filter_kind_e kind;
	const char *const *values; /* ENUM: NULL-terminated */
	const char *help;          /* one line, for docs and OpenAPI */
} seam_api_filter_t;

/* One list resource: its filters, its paging bounds and its cursor's kind tag. */
typedef struct seam_api_list_def {
	const char *kind;                  /* cursor tag, e.g. "order" */
	const seam_api_filter_t *filters;
	size_t nfilters;
	int limit_default, limit_max;
	const char *const *extra;          /* parameters a handler reads itself (legacy
					      "before"), NULL-terminated; may be NULL */
} seam_api_list_def_t;

/* A parsed list query. Strings are borrowed from the request (or the caller's arrays). */
typedef struct seam_api_query {
	const char *str[SEAM_API_MAX_FILTERS]; /* by filter index; NULL when absent */
	int64_t time[SEAM_API_MAX_FILTERS];    /* TIME filters, ms */
	int limit;
	json_t *cursor;                        /* the key array after the kind tag, or NULL;
					          owned: seam_api_query_dispose */
} seam_api_query_t;

/* Cursor codec. encode: key is a JSON array (borrowed); returns owned text (free) or NULL.
 * decode: SEAM_OK and *key (new reference: the array without the tag, strings and integers
 * only), or SEAM_INVAL when text is not a cursor of this kind with nkeys values (0: any
 * count from 1 to 8). */
char *seam_api_cursor_encode(const char *kind, const json_t *key);
seam_err_t seam_api_cursor_decode(const char *kind, const char *text, size_t nkeys, json_t **key,
				  seam_error_t *err);

/* Parses the query arguments names[i]=values[i] against def. SEAM_OK and q filled, or
 * SEAM_INVAL with *bad set to the offending parameter and the message on err. now_ms anchors
 * relative times. Cursor keys are left for the handler to check (their count varies). */
seam_err_t seam_api_query_parse_args(const seam_api_list_def_t *def, const char *const *names,
				     const char *const *values, size_t n, int64_t now_ms,
				     seam_api_query_t *q, const char **bad, seam_error_t *err);
/* The same on a request; answers 400 (slug bad-request, with "parameter") and returns -1 on
 * error. Call seam_api_query_dispose after either outcome. */
int seam_api_query_parse(seam_http_req_t *req, const seam_api_list_def_t *def,
			 seam_api_query_t *q);
void seam_api_query_dispose(seam_api_query_t *q);
/* The index of filter `name` in def, or -1. */
int seam_api_filter_index(const seam_api_list_def_t *def, const char *name);

/* Answers a page: {"items": items, "next": <URL or null>, ...extra} with a Link header when
 * there is a next page. next_key is the sort key of the last item (a JSON array, STOLEN; NULL
 * when the page was not full). items and extra (may be NULL) are STOLEN. */
void seam_api_reply_page(seam_http_req_t *req, const seam_api_list_def_t *def, json_t *items,
			 json_t *next_key, json_t *extra);

/* Answers GET of a list of runs (catalog, reconciliation): list() reads the newest runs of
 * the store in filter 0 of def ("" for all), at most the query's limit, as one page. */
typedef seam_err_t (*seam_api_runs_fn)(seam_store_t *st, const char *store, int limit,
					json_t **out, seam_error_t *err);
void seam_api_reply_runs(seam_http_req_t *req, seam_store_t *st, const seam_api_list_def_t *def,
			 seam_api_runs_fn list);

/* The strong ETag of a body: "\"<32 hex>\"" into out (35 bytes with the NUL). */
void seam_api_etag(const char *body, size_t len, char out[35]);
/* 1 when an If-None-Match header value matches etag (weak comparison), else 0. */
int seam_api_etag_match(const char *if_none_match, const char *etag);
/* Answers 200 with doc (STOLEN) and its ETag, or 304 when the request's If-None-Match
 * matches. */
void seam_api_reply_etag(seam_http_req_t *req, json_t *doc);

/* 404 problem "no <what> '<id>'". */
void seam_api_not_found(seam_http_req_t *req, const char *what, const char *id);
/* Maps a store/module error to a problem (400, 404, 409, 503, else a logged 500). */
void seam_api_reply_error(seam_http_req_t *req, const seam_error_t *e);

#endif
