/*
 * api_resources.c: orders, their timeline, payments and the quarantine over REST v1 (see
 * api_resources.h).
 */
#include "api/api_resources.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/api_catalog.h"
#include "api/api_reconcile.h"
#include "api/api_jobs.h"
#include "flows/orders.h"
#include "flows/payments.h"
#include "flows/trace.h"
#include "inbox/inbox.h"

static const char *const export_states[] = {"seen", "exported", "written_back", "canceled_in_erp",
					    NULL};
/* the webhook providers (flows/providers.c), and pim and erp for the records the catalog and
 * stock flows quarantine */
static const char *const providers[] = {"stripe", "adyen", "standard", "drupal", "pim", "erp", NULL};

enum { OF_STORE, OF_EXPORT, OF_SINCE, OF_UNTIL, OF_NUMBER };
static const seam_api_filter_t order_filters[] = {
	[OF_STORE] = {"store", SEAM_API_FILTER_STR, NULL, "The seam store (stores: in seam.yaml)."},
	[OF_EXPORT] = {"export_state", SEAM_API_FILTER_ENUM, export_states,
		       "seen, exported, written_back or canceled_in_erp."},
	[OF_SINCE] = {"since", SEAM_API_FILTER_TIME, NULL, "Placed at or after (RFC 3339, now, 2h)."},
	[OF_UNTIL] = {"until", SEAM_API_FILTER_TIME, NULL, "Placed before."},
	[OF_NUMBER] = {"number", SEAM_API_FILTER_STR, NULL, "The Drupal order number."},
};
const seam_api_list_def_t seam_api_orders_list_def = {
	"order", order_filters, sizeof order_filters / sizeof order_filters[0], 100, 500, NULL};

enum { QF_PROVIDER, QF_STORE, QF_SINCE, QF_UNTIL };
static const seam_api_filter_t quarantine_filters[] = {
	[QF_PROVIDER] = {"provider", SEAM_API_FILTER_ENUM, providers,
			 "stripe, adyen, standard, drupal, pim (catalog records) or erp (ERP notifications and records)."},
	[QF_STORE] = {"store", SEAM_API_FILTER_STR, NULL,
		      "The store (or Standard Webhooks source) of the webhook path."},
	[QF_SINCE] = {"since", SEAM_API_FILTER_TIME, NULL, "Received at or after."},
	[QF_UNTIL] = {"until", SEAM_API_FILTER_TIME, NULL, "Received before."},
};
const seam_api_list_def_t seam_api_quarantine_list_def = {
	"quarantine", quarantine_filters, sizeof quarantine_filters / sizeof quarantine_filters[0],
	100, 500, NULL};

const seam_api_list_def_t *seam_api_list_def_of(const char *pattern)
{
	static const struct {
		const char *pattern;
		const seam_api_list_def_t *def;
	} lists[] = {
		{"/v1/orders", &seam_api_orders_list_def},
		{"/v1/quarantine", &seam_api_quarantine_list_def},
		{"/v1/jobs", &seam_api_jobs_list_def},
		{"/v1/dead-letters", &seam_api_dead_list_def},
		{"/v1/catalog/runs", &seam_api_catalog_runs_def},
		{"/v1/reconciliations", &seam_api_reconciliations_def},
	};
	for (size_t i = 0; pattern && i < sizeof lists / sizeof lists[0]; i++)
		if (strcmp(lists[i].pattern, pattern) == 0)
			return lists[i].def;
	return NULL;
}

/* The cursor's key has the shape this list gives out ("i" integer, "s" string per value).
 * Answers 400 and returns -1 when not (a cursor of the right kind, edited by hand). */
static int cursor_shape(seam_http_req_t *req, const json_t *key, const char *shape)
{
	size_t n = strlen(shape);
	int ok = json_array_size(key) == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = shape[i] == 'i' ? json_is_integer(json_array_get(key, i))
				     : json_is_string(json_array_get(key, i));
	if (!ok)
		seam_http_problem(req, 400, "bad-request", "Bad request",
				  json_pack("{s:s}", "parameter", "cursor"),
				  "cursor is not one this list gave out; pass back the `next` link of "
				  "the previous page unchanged");
	return ok ? 0 : -1;
}

void seam_api_orders_list(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_api_query_t q;
	seam_flow_orders_filter_t f = {0};
	json_t *items = NULL, *next = NULL;
	seam_error_t e = {0};
	if (seam_api_query_parse(req, &seam_api_orders_list_def, &q) != 0)
		goto out;
	if (q.cursor && cursor_shape(req, q.cursor, "iss") != 0)
		goto out;
	f.store = q.str[OF_STORE];
	f.export_state = q.str[OF_EXPORT];
	f.number = q.str[OF_NUMBER];
	f.since_ms = q.str[OF_SINCE] ? q.time[OF_SINCE] : 0;
	f.until_ms = q.str[OF_UNTIL] ? q.time[OF_UNTIL] : 0;
	f.limit = q.limit;
	if (q.cursor) {
		f.after_seen = json_integer_value(json_array_get(q.cursor, 0));
		f.after_store = json_string_value(json_array_get(q.cursor, 1));
		f.after_uuid = json_string_value(json_array_get(q.cursor, 2));
	}
	if (seam_flow_orders_list(api->store, &f, &items, &next, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		goto out;
	}
	seam_api_reply_page(req, &seam_api_orders_list_def, items, next, NULL);
out:
	seam_api_query_dispose(&q);
}

/* The one order {id} names (uuid or number). Answers 404, or 409 when a number is shared by
 * stores, and returns NULL; else a new reference to the order's row. */
static json_t *one_order(seam_http_req_t *req, const seam_api_t *api)
{
	const char *id = seam_http_param(req, "id");
	json_t *orders = NULL, *o = NULL;
	seam_error_t e = {0};
	if (seam_flow_orders_find(api->store, id, &orders, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return NULL;
	}
	if (json_array_size(orders) == 0) {
		seam_api_not_found(req, "order", id);
	} else if (json_array_size(orders) > 1) {
		json_t *uuids = json_array(), *x;
		size_t i;
		json_array_foreach(orders, i, x)
			json_array_append(uuids, json_object_get(x, "order_uuid"));
		seam_http_problem(req, 409, "ambiguous", "Ambiguous order number",
				  json_pack("{s:o}", "order_uuids", uuids),
				  "order number %s is used by %zu stores; ask by order uuid", id,
				  json_array_size(orders));
	} else {
		o = json_incref(json_array_get(orders, 0));
	}
	json_decref(orders);
	return o;
}

/* The most recent job error about the order, or null: what an operator reads first. */
static json_t *last_error(json_t *jobs)
{
	json_t *best = NULL, *j;
	size_t i;
	json_array_foreach(jobs, i, j) {
		const char *at = json_string_value(json_object_get(j, "updated_at"));
		if (!json_is_string(json_object_get(j, "last_error")) || !at)
			continue;
		if (!best || strcmp(at, json_string_value(json_object_get(best, "updated_at"))) > 0)
			best = j;
	}
	if (!best)
		return json_null();
	return json_pack("{s:O, s:O, s:O, s:O, s:O}", "job_id", json_object_get(best, "id"), "kind",
			 json_object_get(best, "kind"), "state", json_object_get(best, "state"),
			 "message", json_object_get(best, "last_error"), "at",
			 json_object_get(best, "updated_at"));
}

void seam_api_orders_show(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	json_t *o = one_order(req, api), *payments = NULL, *jobs = NULL;
	seam_error_t e = {0};
	char self[160], tl[180];
	if (!o)
		return;
	const char *uuid = json_string_value(json_object_get(o, "order_uuid"));
	if (seam_flow_payments_of_order(api->store, uuid, &payments, &e) != SEAM_OK ||
	    seam_trace_jobs(api->store, uuid, NULL, &jobs, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		goto out;
	}
	json_object_set(o, "payments", payments);
	json_object_set_new(o, "last_error", last_error(jobs));
	snprintf(self, sizeof self, "/v1/orders/%s", uuid);
	snprintf(tl, sizeof tl, "/v1/orders/%s/timeline", uuid);
	json_object_set_new(o, "links", json_pack("{s:s, s:s}", "self", self, "timeline", tl));
	seam_api_reply_etag(req, o);
	o = NULL;
out:
	json_decref(o);
	json_decref(payments);
	json_decref(jobs);
}

void seam_api_orders_timeline(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	json_t *o = one_order(req, api), *result = NULL;
	seam_error_t e = {0};
	if (!o)
		return;
	result = json_object();
	if (seam_trace_order(api->store, json_string_value(json_object_get(o, "order_uuid")), result,
			     &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		json_decref(result);
	} else {
		seam_api_reply_etag(req, result);
	}
	json_decref(o);
}

void seam_api_payments_show(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	json_t *p = NULL;
	seam_error_t e = {0};
	if (seam_flow_payments_find(api->store, seam_http_param(req, "id"), &p, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	seam_api_reply_etag(req, p);
}

void seam_api_quarantine_list(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_api_query_t q;
	seam_inbox_quarantine_filter_t f = {0};
	json_t *items = NULL, *next = NULL;
	seam_error_t e = {0};
	if (seam_api_query_parse(req, &seam_api_quarantine_list_def, &q) != 0)
		goto out;
	if (q.cursor && cursor_shape(req, q.cursor, "is") != 0)
		goto out;
	f.provider = q.str[QF_PROVIDER];
	f.source = q.str[QF_STORE];
	f.since_ms = q.str[QF_SINCE] ? q.time[QF_SINCE] : 0;
	f.until_ms = q.str[QF_UNTIL] ? q.time[QF_UNTIL] : 0;
	f.limit = q.limit;
	if (q.cursor) {
		f.after_at = json_integer_value(json_array_get(q.cursor, 0));
		f.after_id = json_string_value(json_array_get(q.cursor, 1));
	}
	if (seam_inbox_quarantine_list(api->store, &f, &items, &next, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		goto out;
	}
	seam_api_reply_page(req, &seam_api_quarantine_list_def, items, next, NULL);
out:
	seam_api_query_dispose(&q);
}
