/*
 * drupal.c: the Drupal Commerce connector (see drupal.h for the calls, error classes and
 * ownership).
 *
 * Each public call is: check the arguments (nothing is sent for bad ones), build the path and
 * body, one seam_upstream_call (several for listings), then either parse the success document
 * or turn the failure into (code, message): refine() picks the code from the status and the
 * caller's reading of it, fail_msg() writes Drupal's own error document into the message.
 */
#include "connectors/drupal/drupal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"

#define ORDER_INCLUDE "order_items,order_items.purchased_entity,billing_profile"
#define GATEWAY_MAX_PAGES 10
#define DETAIL_MAX 3 /* Drupal errors put into one message */

/* ---- small checks ---- */

/* A path segment we build URLs from: bundle names, UUIDs. Nothing that needs escaping. */
static int valid_segment(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' && s[n] != '-')
			return 0;
	return n > 0 && n <= 128;
}

static int valid_decimal(const char *s)
{
	const char *p = s;
	if (!s)
		return 0;
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

static int valid_currency(const char *s)
{
	return s && strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
	       isupper((unsigned char)s[2]);
}

seam_err_t seam_drupal_money_set(seam_drupal_money_t *m, const char *number,
				 const char *currency_code, seam_error_t *err)
{
	if (!m)
		return seam_errorf(err, SEAM_INVAL, "money: no destination");
	if (!valid_decimal(number) || strlen(number) >= sizeof m->number)
		return seam_errorf(err, SEAM_INVAL, "money: number '%.40s' is not a decimal",
				   number ? number : "(null)");
	if (!valid_currency(currency_code))
		return seam_errorf(err, SEAM_INVAL, "money: currency '%.8s' is not an ISO 4217 code",
				   currency_code ? currency_code : "(null)");
	snprintf(m->number, sizeof m->number, "%s", number);
	snprintf(m->currency_code, sizeof m->currency_code, "%s", currency_code);
	return SEAM_OK;
}

static int money_valid(const seam_drupal_money_t *m)
{
	return m && valid_decimal(m->number) && valid_currency(m->currency_code);
}

static const char *or_default(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* Copies text into out (cap bytes), replacing every e-mail address by its mask: Drupal's
 * validation messages may quote the value they refused. */
static void scrub(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	if (!cap)
		return;
	while (*in && o + 1 < cap) {
		const char *at = NULL, *w = in;
		size_t wl = 0;
		/* one whitespace-delimited word at a time */
		if (isspace((unsigned char)*in)) {
			out[o++] = *in++;
			continue;
		}
		while (w[wl] && !isspace((unsigned char)w[wl])) {
			if (w[wl] == '@' && !at)
				at = w + wl;
			wl++;
		}
		if (at) {
			char word[256], masked[64];
			size_t s = 0, e = wl;
			/* keep quotes and punctuation around the address */
			while (s < wl && strchr("\"'<>()[],;:", w[s]))
				s++;
			while (e > s && strchr("\"'<>()[],;:.", w[e - 1]))
				e--;
			snprintf(word, sizeof word, "%.*s", (int)(e - s), w + s);
			seam_mask_email(word, masked, sizeof masked);
			o += (size_t)snprintf(out + o, cap - o, "%.*s%s%.*s", (int)s, w, masked,
					      (int)(wl - e), w + e);
			if (o >= cap)
				o = cap - 1;
		} else {
			size_t n = wl < cap - 1 - o ? wl : cap - 1 - o;
			memcpy(out + o, w, n);
			o += n;
		}
		in = w + wl;
	}
	out[o] = '\0';
}

/* ---- exchanges and errors ---- */

static void outcome_set(seam_drupal_outcome_t *oc, const seam_response_t *resp)
{
	if (oc) {
		oc->status = resp->status;
		oc->retry_after_ms = resp->retry_after_ms;
	}
}

static void outcome_clear(seam_drupal_outcome_t *oc)
{
	if (oc) {
		oc->status = 0;
		oc->retry_after_ms = -1;
	}
}

/* Appends the details of a JSON:API error document ({"errors":[{title, status, detail,
 * source.pointer}]}) or of the bridge's {"error", "detail"|"current_state"} to buf. */
static void error_details(json_t *doc, char *buf, size_t cap)
{
	json_t *errors = json_object_get(doc, "errors"), *e;
	size_t i, used = 0;
	buf[0] = '\0';
	if (json_is_array(errors)) {
		json_array_foreach(errors, i, e) {
			const char *title = json_string_value(json_object_get(e, "title"));
			const char *detail = json_string_value(json_object_get(e, "detail"));
			const char *ptr = json_string_value(
				json_object_get(json_object_get(e, "source"), "pointer"));
			if (i >= DETAIL_MAX) {
				used += (size_t)snprintf(buf + used, cap - used, "; and %zu more",
							 json_array_size(errors) - DETAIL_MAX);
				break;
			}
			used += (size_t)snprintf(buf + used, cap - used, "%s%s%s%s%s%s%s",
						 i ? "; " : "", title ? title : "error",
						 detail && *detail ? ": " : "",
						 detail && *detail ? detail : "",
						 ptr ? " (at " : "", ptr ? ptr : "", ptr ? ")" : "");
			if (used >= cap)
				return;
		}
		return;
	}
	if (json_is_string(json_object_get(doc, "error"))) {
		const char *code = json_string_value(json_object_get(doc, "error"));
		const char *detail = json_string_value(json_object_get(doc, "detail"));
		snprintf(buf, cap, "%s%s%s", code, detail ? ": " : "", detail ? detail : "");
	} else if (json_is_string(json_object_get(doc, "message"))) {
		/* Drupal's own JSON for 401/403 outside JSON:API: {"message": "..."} */
		snprintf(buf, cap, "%s", json_string_value(json_object_get(doc, "message")));
	}
}

/* Length of a path without its query (messages never carry the query). */
static int path_len(const char *p)
{
	size_t n = strcspn(p, "?#");
	return (int)(n > 200 ? 200 : n);
}

/*
 * The message for a failed call. With an HTTP answer that carries a Drupal error document, the
 * message is "<upstream>: <METHOD> <path>: HTTP <status>: <title>: <detail> (at <pointer>)";
 * otherwise the client's own message (which has a masked excerpt of any other body).
 */
static seam_err_t fail_msg(seam_upstream_t *u, const char *method, const char *path,
			   seam_err_t rc, const seam_response_t *resp, const seam_error_t *cerr,
			   seam_error_t *err)
{
	json_t *doc = NULL;
	char details[400], clean[400];
	details[0] = '\0';
	if (resp->status && resp->body && (doc = json_loadb(resp->body, resp->body_len, 0, NULL)))
		error_details(doc, details, sizeof details);
	json_decref(doc);
	if (!details[0])
		return seam_errorf(err, rc, "%s", cerr->msg[0] ? cerr->msg : seam_strerror(rc));
	scrub(details, clean, sizeof clean);
	return seam_errorf(err, rc, "%s: %s %.*s: HTTP %d: %s", seam_upstream_name(u), method,
			   path_len(path), path, resp->status, clean);
}

/* How a call reads its answer's status, beyond the client's classification. */
enum {
	NOTFOUND_IS_NOTFOUND = 0x1, /* 404 -> SEAM_NOTFOUND (a single resource) */
	CONFLICT_IS_CONFLICT = 0x2, /* 409 -> SEAM_CONFLICT (the bridge) */
};

static seam_err_t refine(seam_err_t rc, int status, unsigned how)
{
	if (status == 404 && (how & NOTFOUND_IS_NOTFOUND))
		return SEAM_NOTFOUND;
	if (status == 409 && (how & CONFLICT_IS_CONFLICT))
		return SEAM_CONFLICT;
	return rc;
}

typedef struct req {
	const char *method;
	const char *path;
	const seam_call_kv_t *query;
	size_t nquery;
	const char *media;   /* Accept, and Content-Type with a body */
	const json_t *body;  /* serialised compactly */
	const char *idempotency_key;
	unsigned how;
	int64_t timeout_ms; /* > 0: bounds this exchange below the upstream's timeout */
} req_t;

/*
 * One exchange. On SEAM_OK *doc is the parsed JSON answer (owned; NULL for an empty body).
 * Otherwise err has the message and resp is disposed of.
 */
static seam_err_t exchange(seam_upstream_t *u, const char *cid, const req_t *r, json_t **doc,
			   seam_drupal_outcome_t *oc, seam_error_t *err)
{
	seam_response_t resp = {0};
	seam_error_t cerr = {0};
	seam_call_kv_t hdr = {"Accept", r->media};
	char *body = NULL;
	seam_err_t rc;
	json_error_t jerr;

	*doc = NULL;
	if (r->body && !(body = json_dumps(r->body, JSON_COMPACT)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	seam_call_t call = {
		.method = r->method,
		.path = r->path,
		.query = r->query,
		.nquery = r->nquery,
		.headers = &hdr,
		.nheaders = 1,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.content_type = r->media,
		.idempotency_key = r->idempotency_key,
		.correlation_id = cid,
		.timeout_ms = r->timeout_ms,
	};
	rc = seam_upstream_call(u, &call, &resp, &cerr);
	outcome_set(oc, &resp);
	if (rc != SEAM_OK) {
		rc = refine(rc, resp.status, r->how);
		fail_msg(u, r->method, r->path, rc, &resp, &cerr, err);
		goto out;
	}
	if (resp.body_len == 0)
		goto out;
	if (!(*doc = json_loadb(resp.body, resp.body_len, 0, &jerr))) {
		rc = seam_errorf(err, SEAM_UPSTREAM,
				 "%s: %s %.*s: HTTP %d with a body that is not JSON (line %d, column %d)",
				 seam_upstream_name(u), r->method, path_len(r->path), r->path,
				 resp.status, jerr.line, jerr.column);
		goto out;
	}
out:
	if (body)
		free(body);
	seam_response_dispose(&resp);
	return rc;
}

/* The JSON:API document must be an object with data of the given JSON type. */
static seam_err_t expect_data(seam_upstream_t *u, const char *method, const char *path,
			      json_t *doc, int want_array, seam_error_t *err)
{
	json_t *data = json_object_get(doc, "data");
	if (want_array ? json_is_array(data) : json_is_object(data))
		return SEAM_OK;
	return seam_errorf(err, SEAM_UPSTREAM, "%s: %s %.*s: the answer has no %s in data",
			   seam_upstream_name(u), method, path_len(path), path,
			   want_array ? "resource list" : "resource");
}

/* ---- orders ---- */

seam_err_t seam_drupal_get_order(seam_upstream_t *u, const char *cid, const char *bundle,
				 const char *order_uuid, json_t **doc, seam_drupal_outcome_t *oc,
				 seam_error_t *err)
{
	char path[320];
	json_t *d = NULL;
	seam_err_t rc;
	seam_call_kv_t q[] = {{"include", ORDER_INCLUDE}};

	outcome_clear(oc);
	if (doc)
		*doc = NULL;
	bundle = or_default(bundle, "default");
	if (!u || !doc || !valid_segment(bundle) || !valid_segment(order_uuid))
		return seam_errorf(err, SEAM_INVAL, "drupal get order: bad bundle or order uuid");
	snprintf(path, sizeof path, "/jsonapi/commerce_order/%s/%s", bundle, order_uuid);
	req_t r = {.method = "GET", .path = path, .query = q, .nquery = 1,
		   .media = SEAM_DRUPAL_MEDIA_TYPE, .how = NOTFOUND_IS_NOTFOUND};
	if ((rc = exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = expect_data(u, "GET", path, d, 0, err)) != SEAM_OK)
		goto out;
	*doc = d;
	d = NULL;
out:
	json_decref(d);
	return rc;
}

/* The query part of an href ("page%5Boffset%5D=50&..."), or NULL when it has none. */
static const char *href_query(const char *href)
{
	const char *q = strchr(href, '?');
	return q && q[1] ? q + 1 : NULL;
}

static const char *next_href(json_t *doc)
{
	return json_string_value(
		json_object_get(json_object_get(json_object_get(doc, "links"), "next"), "href"));
}

seam_err_t seam_drupal_list_orders(seam_upstream_t *u, const char *cid,
				   const seam_drupal_order_query_t *q, seam_drupal_order_fn cb,
				   void *ud, seam_drupal_list_result_t *res,
				   seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char base[200], since[24], limit[12], *page_path = NULL, *prev_query = NULL;
	const char *bundle;
	int max_pages, page_limit;
	json_t *doc = NULL;
	seam_err_t rc = SEAM_INVAL;

	outcome_clear(oc);
	if (res)
		memset(res, 0, sizeof *res);
	if (!u || !q || !cb || !res)
		return seam_errorf(err, SEAM_INVAL, "drupal list orders: missing argument");
	bundle = or_default(q->bundle, "default");
	const char *field = or_default(q->cursor_field, "placed");
	if (!valid_segment(bundle) || (q->include && !*q->include) || q->placed_since < 0 ||
	    (strcmp(field, "placed") != 0 && strcmp(field, "changed") != 0) ||
	    (q->state && !valid_segment(q->state)) || q->nstores > SEAM_DRUPAL_STORES_MAX ||
	    (q->nstores && !q->stores))
		return seam_errorf(err, SEAM_INVAL, "drupal list orders: bad bundle, include or cursor");
	for (size_t i = 0; i < q->nstores; i++)
		if (!valid_segment(q->stores[i]))
			return seam_errorf(err, SEAM_INVAL, "drupal list orders: bad store uuid");
	char sort[64];
	snprintf(sort, sizeof sort, "%s,drupal_internal__order_id", field);
	res->max_placed = q->placed_since;
	max_pages = q->max_pages > 0 ? q->max_pages : SEAM_DRUPAL_MAX_PAGES;
	page_limit = q->page_limit > 0 && q->page_limit < SEAM_DRUPAL_PAGE_MAX ? q->page_limit
									       : SEAM_DRUPAL_PAGE_MAX;
	snprintf(base, sizeof base, "/jsonapi/commerce_order/%s", bundle);
	snprintf(since, sizeof since, "%lld", (long long)q->placed_since);
	snprintf(limit, sizeof limit, "%d", page_limit);
	/* Condition filters (Drupal's long form), so ">=", "<>" and IN can be said. A
	 * relationship's ".id" is the target's UUID (JSON:API filters on entity references
	 * that way); several values go as [value][] (PHP's array syntax). */
	seam_call_kv_t first[9 + 2 + SEAM_DRUPAL_STORES_MAX] = {
		{"filter[notdraft][condition][path]", "state"},
		{"filter[notdraft][condition][operator]", q->state ? "=" : "<>"},
		{"filter[notdraft][condition][value]", q->state ? q->state : "draft"},
		{"filter[since][condition][path]", field},
		{"filter[since][condition][operator]", ">="},
		{"filter[since][condition][value]", since},
		{"sort", sort},
		{"page[limit]", limit},
	};
	size_t nfirst = 8;
	if (q->nstores) {
		first[nfirst++] = (seam_call_kv_t){"filter[store][condition][path]", "store_id.id"};
		first[nfirst++] = (seam_call_kv_t){"filter[store][condition][operator]",
						   q->nstores == 1 ? "=" : "IN"};
		for (size_t i = 0; i < q->nstores; i++)
			first[nfirst++] = (seam_call_kv_t){q->nstores == 1
								   ? "filter[store][condition][value]"
								   : "filter[store][condition][value][]",
							   q->stores[i]};
	}
	if (q->include)
		first[nfirst++] = (seam_call_kv_t){"include", q->include};

	for (;;) {
		json_t *data, *order;
		const char *next, *nq;
		size_t i;
		req_t r = {.method = "GET", .path = page_path ? page_path : base,
			   .query = page_path ? NULL : first,
			   .nquery = page_path ? 0 : nfirst,
			   .media = SEAM_DRUPAL_MEDIA_TYPE};
		if ((rc = exchange(u, cid, &r, &doc, oc, err)) != SEAM_OK)
			goto out;
		if ((rc = expect_data(u, "GET", base, doc, 1, err)) != SEAM_OK)
			goto out;
		res->pages++;
		data = json_object_get(doc, "data");
		json_array_foreach(data, i, order) {
			int64_t placed;
			if ((rc = cb(order, doc, ud)) != SEAM_OK) {
				seam_errorf(err, rc, "drupal list orders: the caller stopped at order %.40s",
					    or_default(seam_drupal_id(order), "?"));
				goto out;
			}
			res->orders++;
			if (seam_drupal_attr_time(order, field, &placed) == SEAM_OK &&
			    placed > res->max_placed)
				res->max_placed = placed;
		}
		if (!(next = next_href(doc)))
			break;
		if (res->pages >= max_pages) {
			res->more = 1;
			break;
		}
		nq = href_query(next);
		if (!nq || (prev_query && strcmp(prev_query, nq) == 0)) {
			rc = seam_errorf(err, SEAM_UPSTREAM,
					 "%s: GET %s: links.next does not move to another page",
					 seam_upstream_name(u), base);
			goto out;
		}
		free(prev_query);
		free(page_path);
		page_path = NULL;
		if (!(prev_query = strdup(nq)) || asprintf(&page_path, "%s?%s", base, nq) < 0) {
			page_path = NULL;
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto out;
		}
		json_decref(doc);
		doc = NULL;
	}
	rc = SEAM_OK;
out:
	json_decref(doc);
	free(prev_query);
	free(page_path);
	return rc;
}

const char *seam_drupal_order_store(json_t *order)
{
	return json_string_value(json_object_get(seam_drupal_rel(order, "store_id", 0), "id"));
}

/* Appends the stores of one page (data, and meta.omitted for those the account may not see)
 * to out. */
static void stores_of_page(json_t *doc, const char *bundle, json_t *out)
{
	json_t *data = json_object_get(doc, "data"), *res, *links, *l;
	const char *key, *prefix = "/jsonapi/commerce_store/";
	size_t i;
	json_array_foreach(data, i, res) {
		const char *id = seam_drupal_id(res);
		if (id)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s?, s:b}", "id", id, "bundle",
							     bundle, "name",
							     seam_drupal_attr_str(res, "name"),
							     "visible", 1));
	}
	/* meta.omitted.links.{key}.href = ".../jsonapi/commerce_store/{bundle}/{uuid}" */
	links = json_object_get(json_object_get(json_object_get(doc, "meta"), "omitted"), "links");
	json_object_foreach(links, key, l) {
		const char *href = json_string_value(json_object_get(l, "href"));
		const char *p = href ? strstr(href, prefix) : NULL;
		const char *slash = p ? strchr(p + strlen(prefix), '/') : NULL;
		if (!slash || !seam_uuid_valid(slash + 1))
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s, s:n, s:b}", "id", slash + 1, "bundle",
						     bundle, "name", "visible", 0));
	}
}

seam_err_t seam_drupal_list_stores(seam_upstream_t *u, const char *cid, int64_t timeout_ms,
				   json_t **stores, seam_drupal_outcome_t *oc, seam_error_t *err)
{
	json_t *index = NULL, *doc = NULL, *out = NULL, *l;
	char path[200], *page_path = NULL;
	const char *key, *tprefix = "commerce_store--";
	seam_err_t rc;

	outcome_clear(oc);
	if (stores)
		*stores = NULL;
	if (!u || !stores)
		return seam_errorf(err, SEAM_INVAL, "drupal list stores: missing argument");
	if (!(out = json_array()))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	req_t ir = {.method = "GET", .path = "/jsonapi", .media = SEAM_DRUPAL_MEDIA_TYPE,
		    .timeout_ms = timeout_ms};
	if ((rc = exchange(u, cid, &ir, &index, oc, err)) != SEAM_OK)
		goto out;
	if (!json_is_object(json_object_get(index, "links"))) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: GET /jsonapi: the answer is not the JSON:API "
						     "index (no links)", seam_upstream_name(u));
		goto out;
	}
	json_object_foreach(json_object_get(index, "links"), key, l) {
		const char *bundle = strncmp(key, tprefix, strlen(tprefix)) ? NULL : key + strlen(tprefix);
		if (!bundle || !valid_segment(bundle))
			continue;
		snprintf(path, sizeof path, "/jsonapi/commerce_store/%s", bundle);
		/* Paging as in seam_drupal_list_orders: the next link's query on our own path. */
		for (int pages = 0; pages < SEAM_DRUPAL_MAX_PAGES; pages++) {
			const char *next, *nq;
			req_t r = {.method = "GET", .path = page_path ? page_path : path,
				   .media = SEAM_DRUPAL_MEDIA_TYPE, .timeout_ms = timeout_ms};
			if ((rc = exchange(u, cid, &r, &doc, oc, err)) != SEAM_OK)
				goto out;
			if ((rc = expect_data(u, "GET", path, doc, 1, err)) != SEAM_OK)
				goto out;
			stores_of_page(doc, bundle, out);
			next = next_href(doc);
			nq = next ? href_query(next) : NULL;
			free(page_path);
			page_path = NULL;
			if (nq && asprintf(&page_path, "%s?%s", path, nq) < 0) {
				page_path = NULL;
				rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
				goto out;
			}
			json_decref(doc);
			doc = NULL;
			if (!page_path)
				break;
		}
		free(page_path);
		page_path = NULL;
	}
	*stores = out;
	out = NULL;
	rc = SEAM_OK;
out:
	free(page_path);
	json_decref(doc);
	json_decref(index);
	json_decref(out);
	return rc;
}

seam_err_t seam_drupal_set_order_fields(seam_upstream_t *u, const char *cid, const char *bundle,
					const char *order_uuid, json_t *attributes, json_t **order,
					seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[320], type[160];
	json_t *body = NULL, *d = NULL;
	seam_err_t rc;

	outcome_clear(oc);
	if (order)
		*order = NULL;
	bundle = or_default(bundle, "default");
	if (!u || !valid_segment(bundle) || !valid_segment(order_uuid) || !json_is_object(attributes) ||
	    json_object_size(attributes) == 0)
		return seam_errorf(err, SEAM_INVAL,
				   "drupal set order fields: bad bundle, order uuid or attributes");
	snprintf(path, sizeof path, "/jsonapi/commerce_order/%s/%s", bundle, order_uuid);
	snprintf(type, sizeof type, "commerce_order--%s", bundle);
	if (!(body = json_pack("{s:{s:s, s:s, s:O}}", "data", "type", type, "id", order_uuid,
			       "attributes", attributes))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	req_t r = {.method = "PATCH", .path = path, .media = SEAM_DRUPAL_MEDIA_TYPE, .body = body,
		   .how = NOTFOUND_IS_NOTFOUND};
	if ((rc = exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = expect_data(u, "PATCH", path, d, 0, err)) != SEAM_OK)
		goto out;
	if (order) {
		*order = d;
		d = NULL;
	}
out:
	json_decref(d);
	json_decref(body);
	return rc;
}

/* ---- payments ---- */

seam_err_t seam_drupal_find_order_by_number(seam_upstream_t *u, const char *cid,
					 const char *bundle, const char *order_number,
					 char uuid[37], seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200];
	json_t *d = NULL, *data;
	seam_err_t rc;

	outcome_clear(oc);
	uuid[0] = '\0';
	bundle = or_default(bundle, "default");
	if (!u || !valid_segment(bundle) || !order_number || !*order_number ||
	    strlen(order_number) > 255)
		return seam_errorf(err, SEAM_INVAL, "drupal find order: bad bundle or order number");
	snprintf(path, sizeof path, "/jsonapi/commerce_order/%s", bundle);
	seam_call_kv_t q[] = {{"filter[order_number]", order_number}, {"page[limit]", "2"}};
	req_t r = {.method = "GET", .path = path, .query = q, .nquery = 2,
		   .media = SEAM_DRUPAL_MEDIA_TYPE};
	if ((rc = exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = expect_data(u, "GET", path, d, 1, err)) != SEAM_OK)
		goto out;
	data = json_object_get(d, "data");
	if (json_array_size(data) == 0) {
		rc = seam_errorf(err, SEAM_NOTFOUND, "%s: no order numbered %s (yet)",
				 seam_upstream_name(u), order_number);
		goto out;
	}
	snprintf(uuid, 37, "%s", seam_drupal_id(json_array_get(data, 0)) ? seam_drupal_id(json_array_get(data, 0)) : "");
out:
	json_decref(d);
	return rc;
}

seam_err_t seam_drupal_find_payment(seam_upstream_t *u, const char *cid, const char *bundle,
				    const char *remote_id, json_t **payment, size_t *nmatch,
				    seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200];
	json_t *d = NULL, *data;
	seam_err_t rc;

	outcome_clear(oc);
	if (payment)
		*payment = NULL;
	if (nmatch)
		*nmatch = 0;
	bundle = or_default(bundle, "payment_default");
	if (!u || !payment || !valid_segment(bundle) || !remote_id || !*remote_id ||
	    strlen(remote_id) > 255)
		return seam_errorf(err, SEAM_INVAL, "drupal find payment: bad bundle or remote id");
	snprintf(path, sizeof path, "/jsonapi/commerce_payment/%s", bundle);
	seam_call_kv_t q[] = {{"filter[remote_id]", remote_id}};
	req_t r = {.method = "GET", .path = path, .query = q, .nquery = 1,
		   .media = SEAM_DRUPAL_MEDIA_TYPE};
	if ((rc = exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = expect_data(u, "GET", path, d, 1, err)) != SEAM_OK)
		goto out;
	data = json_object_get(d, "data");
	if (nmatch)
		*nmatch = json_array_size(data);
	if (json_array_size(data) == 0) {
		if (json_object_get(json_object_get(d, "meta"), "omitted")) {
			rc = seam_errorf(err, SEAM_PERMANENT,
					 "%s: GET %s: payments with this remote id exist but are hidden "
					 "from this account (meta.omitted); creating one would double it",
					 seam_upstream_name(u), path);
			goto out;
		}
		goto out;
	}
	*payment = json_incref(json_array_get(data, 0));
out:
	json_decref(d);
	return rc;
}

seam_err_t seam_drupal_gateway_uuid(seam_upstream_t *u, const char *cid, const char *machine_name,
				    char out[37], seam_drupal_outcome_t *oc, seam_error_t *err)
{
	static const char base[] = "/jsonapi/commerce_payment_gateway/commerce_payment_gateway";
	char *page_path = NULL;
	json_t *d = NULL;
	seam_err_t rc = SEAM_NOTFOUND;

	outcome_clear(oc);
	if (out)
		out[0] = '\0';
	if (!u || !out || !valid_segment(machine_name))
		return seam_errorf(err, SEAM_INVAL, "drupal gateway uuid: bad machine name");
	for (int page = 0; page < GATEWAY_MAX_PAGES; page++) {
		json_t *gw;
		size_t i;
		const char *next, *nq;
		req_t r = {.method = "GET", .path = page_path ? page_path : base,
			   .media = SEAM_DRUPAL_MEDIA_TYPE};
		if ((rc = exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
			goto out;
		if ((rc = expect_data(u, "GET", base, d, 1, err)) != SEAM_OK)
			goto out;
		json_array_foreach(json_object_get(d, "data"), i, gw) {
			const char *id = seam_drupal_attr_str(gw, "drupal_internal__id");
			const char *uuid = seam_drupal_id(gw);
			if (id && uuid && strcmp(id, machine_name) == 0 && seam_uuid_valid(uuid)) {
				snprintf(out, 37, "%s", uuid);
				rc = SEAM_OK;
				goto out;
			}
		}
		if (!(next = next_href(d)) || !(nq = href_query(next)))
			break;
		free(page_path);
		if (asprintf(&page_path, "%s?%s", base, nq) < 0) {
			page_path = NULL;
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto out;
		}
		json_decref(d);
		d = NULL;
	}
	rc = seam_errorf(err, SEAM_NOTFOUND, "%s: no payment gateway named '%s' is visible",
			 seam_upstream_name(u), machine_name);
out:
	json_decref(d);
	free(page_path);
	return rc;
}

seam_err_t seam_drupal_create_payment(seam_upstream_t *u, const char *cid,
				      const seam_drupal_payment_t *p, json_t **created,
				      seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200], type[160], order_type[160], gw_uuid[37];
	const char *bundle, *order_bundle;
	json_t *body = NULL, *attrs = NULL, *d = NULL;
	seam_err_t rc;

	outcome_clear(oc);
	if (created)
		*created = NULL;
	if (!u || !p || !created)
		return seam_errorf(err, SEAM_INVAL, "drupal create payment: missing argument");
	bundle = or_default(p->bundle, "payment_default");
	order_bundle = or_default(p->order_bundle, "default");
	if (!valid_segment(bundle) || !valid_segment(order_bundle) || !valid_segment(p->order_uuid))
		return seam_errorf(err, SEAM_INVAL, "drupal create payment: bad bundle or order uuid");
	if (!p->state || !*p->state || !p->remote_id || !*p->remote_id || !p->gateway_mode ||
	    !*p->gateway_mode)
		return seam_errorf(err, SEAM_INVAL,
				   "drupal create payment: state, remote_id and gateway_mode are required");
	if (!money_valid(&p->amount))
		return seam_errorf(err, SEAM_INVAL, "drupal create payment: bad amount");
	if (seam_uuid_valid(p->gateway)) {
		snprintf(gw_uuid, sizeof gw_uuid, "%s", p->gateway);
	} else if (valid_segment(p->gateway)) {
		if ((rc = seam_drupal_gateway_uuid(u, cid, p->gateway, gw_uuid, oc, err)) != SEAM_OK)
			return rc;
	} else {
		return seam_errorf(err, SEAM_INVAL,
				   "drupal create payment: gateway must be a UUID or a machine name");
	}
	snprintf(path, sizeof path, "/jsonapi/commerce_payment/%s", bundle);
	snprintf(type, sizeof type, "commerce_payment--%s", bundle);
	snprintf(order_type, sizeof order_type, "commerce_order--%s", order_bundle);
	attrs = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s}", "state", p->state, "amount", "number",
			  p->amount.number, "currency_code", p->amount.currency_code, "remote_id",
			  p->remote_id, "payment_gateway_mode", p->gateway_mode);
	if (!attrs || (p->remote_state &&
		       json_object_set_new(attrs, "remote_state", json_string(p->remote_state)))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory (or a string that is not UTF-8)");
		goto out;
	}
	body = json_pack("{s:{s:s, s:O, s:{s:{s:{s:s, s:s}}, s:{s:{s:s, s:s}}}}}", "data", "type",
			 type, "attributes", attrs, "relationships", "order_id", "data", "type",
			 order_type, "id", p->order_uuid, "payment_gateway", "data", "type",
			 "commerce_payment_gateway--commerce_payment_gateway", "id", gw_uuid);
	if (!body) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	req_t r = {.method = "POST", .path = path, .media = SEAM_DRUPAL_MEDIA_TYPE, .body = body};
	if ((rc = exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = expect_data(u, "POST", path, d, 0, err)) != SEAM_OK)
		goto out;
	*created = d;
	d = NULL;
out:
	json_decref(d);
	json_decref(body);
	json_decref(attrs);
	return rc;
}

seam_err_t seam_drupal_payment_transition(seam_upstream_t *u, const char *cid,
					  const char *payment_uuid,
					  const seam_drupal_transition_t *t, json_t **payment,
					  char *current_state, seam_drupal_outcome_t *oc,
					  seam_error_t *err)
{
	char path[220];
	json_t *body = NULL, *d = NULL, *amount;
	seam_response_t resp = {0};
	seam_error_t cerr = {0};
	char *text = NULL;
	seam_err_t rc;

	outcome_clear(oc);
	if (payment)
		*payment = NULL;
	if (current_state)
		current_state[0] = '\0';
	if (!u || !t || !valid_segment(payment_uuid) || !t->transition || !*t->transition ||
	    !t->idempotency_key || !*t->idempotency_key)
		return seam_errorf(err, SEAM_INVAL,
				   "drupal payment transition: payment uuid, transition and "
				   "idempotency key are required");
	if (t->amount && !money_valid(t->amount))
		return seam_errorf(err, SEAM_INVAL, "drupal payment transition: bad amount");
	snprintf(path, sizeof path, "/seam/payment/%s/transition", payment_uuid);
	amount = t->amount ? json_pack("{s:s, s:s}", "number", t->amount->number, "currency_code",
				       t->amount->currency_code)
			   : json_null();
	body = json_pack("{s:s, s:o, s:o, s:s}", "transition", t->transition, "amount", amount,
			 "remote_state", t->remote_state ? json_string(t->remote_state) : json_null(),
			 "idempotency_key", t->idempotency_key);
	if (!body || !(text = json_dumps(body, JSON_COMPACT))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory (or a string that is not UTF-8)");
		goto out;
	}
	/* Not through exchange(): a 409 carries a body the caller needs. _format=json: Drupal
	 * routes that declare a JSON format only match (and only answer errors in JSON) with it;
	 * a route without that requirement ignores it. */
	seam_call_kv_t hdr = {"Accept", "application/json"};
	seam_call_kv_t fmt = {"_format", "json"};
	seam_call_t call = {
		.method = "POST",
		.path = path,
		.query = &fmt,
		.nquery = 1,
		.headers = &hdr,
		.nheaders = 1,
		.body = text,
		.body_len = strlen(text),
		.content_type = "application/json",
		.idempotency_key = t->idempotency_key,
		.correlation_id = cid,
	};
	rc = seam_upstream_call(u, &call, &resp, &cerr);
	outcome_set(oc, &resp);
	if (resp.status && resp.body)
		d = json_loadb(resp.body, resp.body_len, 0, NULL);
	if (rc != SEAM_OK) {
		rc = refine(rc, resp.status, NOTFOUND_IS_NOTFOUND | CONFLICT_IS_CONFLICT);
		if (rc == SEAM_CONFLICT) {
			const char *cur = json_string_value(json_object_get(d, "current_state"));
			if (current_state && cur)
				snprintf(current_state, SEAM_DRUPAL_STATE_MAX, "%s", cur);
			rc = seam_errorf(err, SEAM_CONFLICT,
					 "%s: POST %s: transition %.40s is not allowed from state %.40s",
					 seam_upstream_name(u), path, t->transition,
					 cur ? cur : "(unknown)");
		} else {
			fail_msg(u, "POST", path, rc, &resp, &cerr, err);
		}
		goto out;
	}
	if (!json_is_object(d) || !json_is_string(json_object_get(d, "state"))) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: POST %s: HTTP %d without a payment state",
				 seam_upstream_name(u), path, resp.status);
		goto out;
	}
	if (payment) {
		*payment = d;
		d = NULL;
	}
out:
	free(text);
	json_decref(d);
	json_decref(body);
	seam_response_dispose(&resp);
	return rc;
}

/* ---- reading documents ---- */

json_t *seam_drupal_data(json_t *doc)
{
	return json_object_get(doc, "data");
}

const char *seam_drupal_type(json_t *res)
{
	return json_string_value(json_object_get(res, "type"));
}

const char *seam_drupal_id(json_t *res)
{
	return json_string_value(json_object_get(res, "id"));
}

json_t *seam_drupal_attr(json_t *res, const char *name)
{
	return name ? json_object_get(json_object_get(res, "attributes"), name) : NULL;
}

const char *seam_drupal_attr_str(json_t *res, const char *name)
{
	return json_string_value(seam_drupal_attr(res, name));
}

seam_err_t seam_drupal_attr_time(json_t *res, const char *name, int64_t *unix_s)
{
	json_t *v = seam_drupal_attr(res, name);
	int64_t ms;
	if (!v || json_is_null(v))
		return SEAM_NOTFOUND;
	if (!json_is_string(v) || seam_rfc3339_parse(json_string_value(v), &ms) != 0)
		return SEAM_PARSE;
	if (unix_s)
		*unix_s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	return SEAM_OK;
}

seam_err_t seam_drupal_attr_money(json_t *res, const char *name, seam_drupal_money_t *out,
				  seam_error_t *err)
{
	json_t *v = seam_drupal_attr(res, name), *num, *cur;
	char buf[32];
	if (!v || json_is_null(v))
		return seam_errorf(err, SEAM_NOTFOUND, "price %s is empty", name ? name : "?");
	num = json_object_get(v, "number");
	cur = json_object_get(v, "currency_code");
	if (json_is_string(num))
		snprintf(buf, sizeof buf, "%s", json_string_value(num));
	else if (json_is_integer(num))
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(num));
	else
		return seam_errorf(err, SEAM_PARSE, "price %s: number is not a decimal string", name);
	seam_drupal_money_t m;
	seam_error_t merr = {0};
	if (seam_drupal_money_set(&m, buf, json_string_value(cur), &merr) != SEAM_OK)
		return seam_errorf(err, SEAM_PARSE, "price %s: %s", name, merr.msg);
	if (out)
		*out = m;
	return SEAM_OK;
}

/* relationships.<rel>.data */
static json_t *rel_data(json_t *res, const char *rel)
{
	return rel ? json_object_get(json_object_get(json_object_get(res, "relationships"), rel), "data")
		   : NULL;
}

size_t seam_drupal_rel_count(json_t *res, const char *rel)
{
	json_t *d = rel_data(res, rel);
	if (json_is_array(d))
		return json_array_size(d);
	return json_is_object(d) ? 1 : 0;
}

json_t *seam_drupal_rel(json_t *res, const char *rel, size_t i)
{
	json_t *d = rel_data(res, rel);
	if (json_is_array(d))
		return json_array_get(d, i);
	return json_is_object(d) && i == 0 ? d : NULL;
}

static int same_resource(json_t *r, const char *type, const char *id)
{
	const char *t = seam_drupal_type(r), *i = seam_drupal_id(r);
	return t && i && strcmp(t, type) == 0 && strcmp(i, id) == 0;
}

json_t *seam_drupal_included(json_t *doc, const char *type, const char *id)
{
	json_t *r, *data;
	size_t i;
	if (!type || !id)
		return NULL;
	json_array_foreach(json_object_get(doc, "included"), i, r)
		if (same_resource(r, type, id))
			return r;
	data = json_object_get(doc, "data");
	if (json_is_object(data))
		return same_resource(data, type, id) ? data : NULL;
	json_array_foreach(data, i, r)
		if (same_resource(r, type, id))
			return r;
	return NULL;
}

json_t *seam_drupal_related(json_t *doc, json_t *res, const char *rel, size_t i)
{
	json_t *ident = seam_drupal_rel(res, rel, i);
	return seam_drupal_included(doc, seam_drupal_type(ident), seam_drupal_id(ident));
}
