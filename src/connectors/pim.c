/*
 * pim.c: the Akeneo-like PIM connector (see pim.h for the calls, the paging rules, the retry
 * policy and the error classes).
 *
 * One table says, per resource, its route and how it pages; everything else is shared: a GET
 * with bounded repeats (fetch), the readers of a page and of a record, and the walk that
 * follows _links.next.href.
 */
#include "connectors/pim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"

#define CODE_MAX 255 /* Akeneo codes are at most 100 characters; a UUID is 36 */
#define PATH_MAX_LEN 1024
#define MSG_MAX 200

typedef struct resource_def {
	const char *route;     /* under /api/rest/v1/; variants: families/%s/variants */
	int search_after;      /* 1: pagination_type=search_after; 0: Akeneo's page pagination */
	int updated_filter;    /* 1: search on updated is accepted */
} resource_def_t;

static const resource_def_t resources[SEAM_PIM_RESOURCE_COUNT] = {
	[SEAM_PIM_PRODUCTS] = {"products-uuid", 1, 1},
	[SEAM_PIM_PRODUCT_MODELS] = {"product-models", 1, 1},
	[SEAM_PIM_FAMILIES] = {"families", 0, 0},
	[SEAM_PIM_FAMILY_VARIANTS] = {"variants", 0, 0},
	[SEAM_PIM_ATTRIBUTES] = {"attributes", 0, 0},
	[SEAM_PIM_CATEGORIES] = {"categories", 0, 0},
	[SEAM_PIM_CHANNELS] = {"channels", 0, 0},
	[SEAM_PIM_LOCALES] = {"locales", 0, 0},
};

const char *seam_pim_resource_name(seam_pim_resource_e r)
{
	return (unsigned)r < SEAM_PIM_RESOURCE_COUNT ? resources[r].route : "?";
}

/* ---- pure helpers ---- */

int seam_pim_date_format(int64_t unix_ms, char *out)
{
	struct tm tm;
	time_t t = (time_t)((unix_ms >= 0 ? unix_ms : unix_ms - 999) / 1000);
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return -1;
	snprintf(out, SEAM_PIM_DATE_LEN + 1, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}

int seam_pim_date_valid(const char *s)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	int y, mo, d, h, mi, sec;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) != SEAM_PIM_DATE_LEN)
		return 0;
	for (size_t i = 0; i < SEAM_PIM_DATE_LEN; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return 0;
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

/* The search parameter for updated > after and/or parent IN [code] (either may be NULL;
 * Akeneo's parent filter takes IN, NOT IN, EMPTY, NOT EMPTY: no "="). */
static char *search_of(const char *after, const char *parent)
{
	json_t *s = json_object();
	if (s && after)
		json_object_set_new(s, "updated",
				    json_pack("[{s:s, s:s}]", "operator", ">", "value", after));
	if (s && parent)
		json_object_set_new(s, "parent",
				    json_pack("[{s:s, s:[s]}]", "operator", "IN", "value", parent));
	char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
	json_decref(s);
	return text;
}

char *seam_pim_search_updated(const char *after)
{
	return search_of(after, NULL);
}

void seam_pim_error_text(const char *body, size_t len, char *out, size_t cap)
{
	json_t *doc = body && len ? seam_json_loadb(body, len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(doc, "message"));
	json_t *e0 = json_array_get(json_object_get(doc, "errors"), 0);
	const char *prop = json_string_value(json_object_get(e0, "property"));
	const char *emsg = json_string_value(json_object_get(e0, "message"));
	if (!cap)
		goto out;
	out[0] = '\0';
	if (msg && emsg)
		snprintf(out, cap, "%s (%s%s%s)", msg, prop ? prop : "", prop ? ": " : "", emsg);
	else if (msg || emsg)
		snprintf(out, cap, "%s", msg ? msg : emsg);
	/* One line: an upstream's text must not forge log lines. */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
out:
	json_decref(doc);
}

seam_err_t seam_pim_page_read(const char *body, size_t len, json_t **items, char **next_href,
			      seam_error_t *err)
{
	json_error_t jerr;
	json_t *doc = NULL, *arr, *it, *links, *next, *href = NULL;
	seam_err_t rc = SEAM_UPSTREAM;
	size_t i;
	*items = NULL;
	*next_href = NULL;
	if (!body || !len) {
		seam_errorf(err, rc, "pim page: empty body");
		goto out;
	}
	if (!(doc = seam_json_loadb(body, len, 0, &jerr))) {
		seam_errorf(err, rc, "pim page: not JSON (%s at %d)", jerr.text, jerr.position);
		goto out;
	}
	arr = json_object_get(json_object_get(doc, "_embedded"), "items");
	if (!json_is_object(doc) || !json_is_array(arr)) {
		seam_errorf(err, rc, "pim page: no _embedded.items array");
		goto out;
	}
	json_array_foreach(arr, i, it) {
		if (!json_is_object(it)) {
			seam_errorf(err, rc, "pim page: item %zu is not an object", i);
			goto out;
		}
	}
	links = json_object_get(doc, "_links");
	if (links && !json_is_object(links)) {
		seam_errorf(err, rc, "pim page: _links is not an object");
		goto out;
	}
	if ((next = json_object_get(links, "next"))) {
		href = json_object_get(next, "href");
		if (!json_is_string(href) || json_string_length(href) == 0) {
			seam_errorf(err, rc, "pim page: _links.next has no href");
			goto out;
		}
		if (!(*next_href = strdup(json_string_value(href)))) {
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto out;
		}
	}
	*items = json_incref(arr);
	rc = SEAM_OK;
out:
	json_decref(doc);
	return rc;
}

seam_err_t seam_pim_record_read(const char *body, size_t len, json_t **out, seam_error_t *err)
{
	json_error_t jerr;
	json_t *doc = body && len ? seam_json_loadb(body, len, 0, &jerr) : NULL;
	*out = NULL;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return seam_errorf(err, SEAM_UPSTREAM, "pim record: %s",
				   !body || !len ? "empty body" : "not a JSON object");
	}
	*out = doc;
	return SEAM_OK;
}

/* ---- the exchange ---- */

/* A code goes into the path: Akeneo codes are letters, digits and underscores, UUIDs add
 * '-'; anything else (a '/', '?', '%', '..') is refused rather than encoded, so a code from
 * an event cannot reach another route. */
static int valid_code(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' && s[n] != '-' && s[n] != '.')
			return 0;
	return n > 0 && n <= CODE_MAX && strcmp(s, ".") && strcmp(s, "..");
}

typedef struct retry_opts {
	int max_attempts;
	int64_t base_ms, cap_ms;
} retry_opts_t;

/* One GET, repeated while it fails retryably (pim.h "Faults"). On SEAM_OK resp holds the
 * answer (the caller disposes it); otherwise resp is disposed and err says why. */
static seam_err_t fetch(seam_upstream_t *u, const seam_call_t *call, const retry_opts_t *ro,
			const char *what, seam_response_t *resp, seam_pim_outcome_t *oc,
			seam_error_t *err)
{
	seam_err_t rc = SEAM_INVAL;
	seam_error_t cerr;
	char text[MSG_MAX];
	oc->attempts = 0;
	for (int attempt = 1; attempt <= ro->max_attempts; attempt++) {
		seam_error_clear(&cerr);
		rc = seam_upstream_call(u, call, resp, &cerr);
		oc->attempts = attempt;
		oc->calls++;
		oc->status = resp->status;
		oc->retry_after_ms = resp->retry_after_ms;
		if (rc == SEAM_OK)
			return SEAM_OK;
		if (rc != SEAM_RETRY && rc != SEAM_TIMEOUT && rc != SEAM_BUSY)
			break;
		if (attempt == ro->max_attempts)
			break;
		uint64_t r = 0;
		(void)seam_random_bytes(&r, sizeof r);
		seam_response_dispose(resp);
		seam_sleep_ms(seam_backoff_after_ms(attempt, ro->base_ms, ro->cap_ms, r,
						    oc->retry_after_ms));
	}
	seam_pim_error_text(resp->body, resp->body_len, text, sizeof text);
	if (resp->status == 404 && rc == SEAM_PERMANENT)
		rc = SEAM_NOTFOUND;
	if (resp->status)
		seam_errorf(err, rc, "pim GET %s: %d %s (after %d attempt%s)", what, resp->status,
			    text[0] ? text : "(no message)", oc->attempts,
			    oc->attempts == 1 ? "" : "s");
	else
		seam_errorf(err, rc, "pim GET %s: %s (after %d attempt%s)", what, cerr.msg,
			    oc->attempts, oc->attempts == 1 ? "" : "s");
	seam_response_dispose(resp);
	return rc;
}

static void retry_defaults(retry_opts_t *ro, int max_attempts, int64_t base, int64_t cap)
{
	ro->max_attempts = max_attempts > 0 ? max_attempts : 6;
	ro->base_ms = base > 0 ? base : 250;
	ro->cap_ms = cap > 0 ? cap : 30000;
}

static int route_path(char *out, size_t cap, seam_pim_resource_e r, const char *family,
		      const char *code)
{
	int n;
	if (r == SEAM_PIM_FAMILY_VARIANTS)
		n = snprintf(out, cap, "/api/rest/v1/families/%s/variants%s%s", family,
			     code ? "/" : "", code ? code : "");
	else
		n = snprintf(out, cap, "/api/rest/v1/%s%s%s", resources[r].route, code ? "/" : "",
			     code ? code : "");
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

seam_err_t seam_pim_get(seam_upstream_t *u, seam_pim_resource_e r, const char *family,
			const char *code, const char *cid, json_t **out, seam_pim_outcome_t *oc,
			seam_error_t *err)
{
	char path[PATH_MAX_LEN];
	seam_pim_outcome_t local;
	seam_response_t resp = {0};
	retry_opts_t ro;
	seam_err_t rc;
	if (!oc)
		oc = &local;
	memset(oc, 0, sizeof *oc);
	oc->retry_after_ms = -1;
	if (!out)
		return seam_errorf(err, SEAM_INVAL, "pim get: no output");
	*out = NULL;
	if (!u || (unsigned)r >= SEAM_PIM_RESOURCE_COUNT)
		return seam_errorf(err, SEAM_INVAL, "pim get: bad arguments");
	if (!valid_code(code) || (r == SEAM_PIM_FAMILY_VARIANTS && !valid_code(family)))
		return seam_errorf(err, SEAM_INVAL, "pim get %s: invalid code", resources[r].route);
	if (route_path(path, sizeof path, r, family, code) != 0)
		return seam_errorf(err, SEAM_INVAL, "pim get %s: path too long", resources[r].route);
	retry_defaults(&ro, 0, 0, 0);
	seam_call_t call = {.method = "GET", .path = path, .correlation_id = cid};
	if ((rc = fetch(u, &call, &ro, path + strlen("/api/rest/v1/"), &resp, oc, err)) != SEAM_OK)
		return rc;
	rc = seam_pim_record_read(resp.body, resp.body_len, out, err);
	seam_response_dispose(&resp);
	return rc;
}

seam_err_t seam_pim_count(seam_upstream_t *u, seam_pim_resource_e r, const char *updated_after,
			  const char *cid, int64_t *count, seam_pim_outcome_t *oc, seam_error_t *err)
{
	char path[PATH_MAX_LEN];
	char *search = NULL;
	seam_call_kv_t q[4] = {{"limit", "1"}, {"with_count", "true"}};
	size_t nq = 2;
	seam_pim_outcome_t local;
	retry_opts_t ro;
	seam_response_t resp = {0};
	json_t *doc = NULL, *n;
	seam_err_t rc = SEAM_INVAL;
	if (!oc)
		oc = &local;
	memset(oc, 0, sizeof *oc);
	oc->retry_after_ms = -1;
	if (!u || !count || (r != SEAM_PIM_PRODUCTS && r != SEAM_PIM_PRODUCT_MODELS) ||
	    (updated_after && !seam_pim_date_valid(updated_after)) ||
	    route_path(path, sizeof path, r, NULL, NULL) != 0) {
		seam_errorf(err, rc, "pim count: bad arguments");
		goto out;
	}
	if (updated_after) {
		if (!(search = search_of(updated_after, NULL))) {
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto out;
		}
		q[nq++] = (seam_call_kv_t){"search", search};
	}
	retry_defaults(&ro, 0, 0, 0);
	seam_call_t call = {.method = "GET", .path = path, .query = q, .nquery = nq,
			    .correlation_id = cid};
	if ((rc = fetch(u, &call, &ro, resources[r].route, &resp, oc, err)) != SEAM_OK)
		goto out;
	doc = seam_json_loadb(resp.body, resp.body_len, 0, NULL);
	n = json_object_get(doc, "items_count");
	if (!json_is_integer(n) || json_integer_value(n) < 0) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "pim GET %s: no items_count in the answer",
				 resources[r].route);
		goto out;
	}
	*count = json_integer_value(n);
	rc = SEAM_OK;
out:
	json_decref(doc);
	seam_response_dispose(&resp);
	free(search);
	return rc;
}

seam_err_t seam_pim_walk(seam_upstream_t *u, const seam_pim_list_t *list, seam_pim_page_fn fn,
			 void *ud, seam_pim_outcome_t *oc, seam_error_t *err)
{
	char path[PATH_MAX_LEN], limit_s[8], what[64];
	char *search = NULL, *next = NULL, *href = NULL;
	seam_call_kv_t q[6];
	size_t nq = 0;
	seam_pim_outcome_t local;
	retry_opts_t ro;
	seam_err_t rc = SEAM_INVAL;
	json_t *items = NULL;
	if (!oc)
		oc = &local;
	memset(oc, 0, sizeof *oc);
	oc->retry_after_ms = -1;
	if (!u || !list || !fn || (unsigned)list->resource >= SEAM_PIM_RESOURCE_COUNT) {
		seam_errorf(err, rc, "pim walk: bad arguments");
		goto out;
	}
	const resource_def_t *def = &resources[list->resource];
	int limit = list->limit ? list->limit : SEAM_PIM_LIMIT_MAX;
	snprintf(what, sizeof what, "%s", def->route);
	if (limit < 1 || limit > SEAM_PIM_LIMIT_MAX) {
		seam_errorf(err, rc, "pim walk %s: limit %d is outside 1..%d", def->route, limit,
			    SEAM_PIM_LIMIT_MAX);
		goto out;
	}
	if (list->updated_after && (!def->updated_filter || !seam_pim_date_valid(list->updated_after))) {
		seam_errorf(err, rc, "pim walk %s: updated_after %s", def->route,
			    def->updated_filter ? "must be \"YYYY-MM-DD hh:mm:ss\" (UTC)"
						: "is for products and product models only");
		goto out;
	}
	if (list->parent && (list->resource != SEAM_PIM_PRODUCTS || !valid_code(list->parent))) {
		seam_errorf(err, rc, "pim walk %s: parent is a product model code, for products only",
			    def->route);
		goto out;
	}
	if (list->resource == SEAM_PIM_FAMILY_VARIANTS && !valid_code(list->family)) {
		seam_errorf(err, rc, "pim walk variants: invalid family code");
		goto out;
	}
	retry_defaults(&ro, list->max_attempts, list->backoff_base_ms, list->backoff_cap_ms);
	if (route_path(path, sizeof path, list->resource, list->family, NULL) != 0) {
		seam_errorf(err, rc, "pim walk %s: path too long", def->route);
		goto out;
	}
	snprintf(limit_s, sizeof limit_s, "%d", limit);
	if (def->search_after)
		q[nq++] = (seam_call_kv_t){"pagination_type", "search_after"};
	q[nq++] = (seam_call_kv_t){"limit", limit_s};
	if (list->updated_after || list->parent) {
		if (!(search = search_of(list->updated_after, list->parent))) {
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto out;
		}
		q[nq++] = (seam_call_kv_t){"search", search};
	}
	if (def->updated_filter && list->scope)
		q[nq++] = (seam_call_kv_t){"scope", list->scope};
	if (def->updated_filter && list->locales)
		q[nq++] = (seam_call_kv_t){"locales", list->locales};
	if (list->resume_href && !(href = strdup(list->resume_href))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		seam_response_t resp = {0};
		/* The first page is built here; every later one is the link the PIM gave (same
		 * origin: the client refuses another, SEAM_INVAL). */
		seam_call_t call = {.method = "GET", .path = href ? href : path,
				    .query = href ? NULL : q, .nquery = href ? 0 : nq,
				    .correlation_id = list->cid};
		if ((rc = fetch(u, &call, &ro, what, &resp, oc, err)) != SEAM_OK)
			goto out;
		rc = seam_pim_page_read(resp.body, resp.body_len, &items, &next, err);
		seam_response_dispose(&resp);
		if (rc != SEAM_OK) {
			seam_error_prefix(err, "pim GET %s: page %llu", what,
					  (unsigned long long)oc->pages + 1);
			goto out;
		}
		oc->pages++;
		oc->items += json_array_size(items);
		if ((rc = fn(ud, items, next, err)) != SEAM_OK)
			goto out;
		json_decref(items);
		items = NULL;
		free(href);
		href = next;
		next = NULL;
		if (!href)
			break;
	}
	rc = SEAM_OK;
out:
	json_decref(items);
	free(search);
	free(next);
	free(href);
	return rc;
}
