/*
 * trace.c: one order's story (see trace.h). Moved out of ctl/ctl_trace.c so the REST
 * timeline reads the same code.
 */
#include "flows/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "core/ids.h"
#include "flows/orders.h"
#include "flows/payments.h"
#include "core/clock.h"
#include "flows/flow_int.h"
#include "flows/timeline.h"
#include "inbox/inbox.h"
#include "queue/queue_admin.h"

int seam_trace_resolve(seam_store_t *st, const char *arg, char out[64], json_t **event,
		       seam_error_t *err)
{
	char *body = NULL;
	int found = 0;
	/* a PSP payment id, or the event id of a payment event seam has worked */
	seam_err_t rc = seam_flow_payments_order_of(st, arg, out, err);
	if (rc == SEAM_OK)
		found = 1;
	else if (rc != SEAM_NOTFOUND)
		return -1;
	/* an event in the inbox: a storefront event names its order; a PSP event whose job
	 * has not run yet names none seam can read without working it */
	if (seam_inbox_find(st, arg, event, &body, err) != SEAM_OK)
		return -1;
	if (*event && !found &&
	    !strcmp(json_string_value(json_object_get(*event, "provider")), "drupal")) {
		seam_drupal_event_t ev;
		json_t *doc = body ? json_loads(body, 0, NULL) : NULL;
		if (doc && seam_drupal_event_read(doc, &ev, NULL) == SEAM_OK &&
		    seam_uuid_valid(ev.order_uuid)) {
			snprintf(out, 64, "%s", ev.order_uuid);
			found = 1;
		}
		json_decref(doc);
	}
	free(body);
	return found;
}

/* A job as trace shows it: the fields an operator reads first. New reference. */
static json_t *job_line(json_t *j)
{
	return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(j, "id"), "kind",
			 json_object_get(j, "kind"), "state", json_object_get(j, "state"), "attempts",
			 json_object_get(j, "attempts"), "last_error",
			 json_object_get(j, "last_error"), "updated_at",
			 json_object_get(j, "updated_at"));
}

seam_err_t seam_trace_jobs(seam_store_t *st, const char *uuid, const char *id, json_t **out,
			   seam_error_t *err)
{
	json_t *ids = json_array(), *events = NULL, *jobs = NULL, *e;
	seam_err_t rc = SEAM_OK;
	size_t i;
	*out = NULL;
	if (id)
		json_array_append_new(ids, json_string(id));
	if (uuid && (rc = seam_flow_payments_events_of_order(st, uuid, &events, err)) != SEAM_OK)
		goto out;
	json_array_foreach(events, i, e) {
		rc = seam_inbox_job_ids(st, json_string_value(json_object_get(e, "provider")),
					json_string_value(json_object_get(e, "event_id")), ids, err);
		if (rc != SEAM_OK)
			goto out;
	}
	if ((rc = seam_queue_admin_jobs_about(st, uuid, ids, &jobs, err)) != SEAM_OK)
		goto out;
	*out = json_array();
	json_array_foreach(jobs, i, e)
		json_array_append_new(*out, job_line(e));
out:
	json_decref(jobs);
	json_decref(events);
	json_decref(ids);
	return rc;
}

seam_err_t seam_trace_order(seam_store_t *st, const char *uuid, json_t *result,
			    seam_error_t *err)
{
	json_t *orders = NULL, *tl = NULL, *payments = NULL, *jobs = NULL;
	seam_err_t rc;
	if ((rc = seam_flow_orders_find(st, uuid, &orders, err)) != SEAM_OK ||
	    (rc = seam_timeline_for_entity(st, "order", uuid, &tl, err)) != SEAM_OK ||
	    (rc = seam_flow_payments_of_order(st, uuid, &payments, err)) != SEAM_OK ||
	    (rc = seam_trace_jobs(st, uuid, NULL, &jobs, err)) != SEAM_OK)
		goto out;
	json_object_set_new(result, "order_uuid", json_string(uuid));
	json_object_set(result, "orders", orders);
	json_object_set(result, "payments", payments);
	json_object_set(result, "jobs", jobs);
	json_object_set(result, "timeline", tl);
out:
	json_decref(orders);
	json_decref(tl);
	json_decref(payments);
	json_decref(jobs);
	return rc;
}

int seam_trace_lookup(seam_store_t *st, const char *arg, json_t *result, seam_error_t *err)
{
	json_t *orders = NULL, *tl = NULL, *event = NULL, *jobs = NULL;
	const char *by = NULL;
	char uuid[64] = "";
	int found = 0, known;
	if (seam_flow_orders_find(st, arg, &orders, err) != SEAM_OK)
		goto fail;
	if (json_array_size(orders) > 0) {
		snprintf(uuid, sizeof uuid, "%s",
			 json_string_value(json_object_get(json_array_get(orders, 0), "order_uuid")));
		by = strcmp(uuid, arg) == 0 ? "order_uuid" : "order_number";
	} else if ((found = seam_trace_resolve(st, arg, uuid, &event, err)) < 0) {
		goto fail;
	} else if (found) {
		by = event ? "event_id" : "payment_id";
		json_decref(orders);
		orders = NULL;
		if (seam_flow_orders_find(st, uuid, &orders, err) != SEAM_OK)
			goto fail;
	} else if (!event && seam_uuid_valid(arg)) {
		snprintf(uuid, sizeof uuid, "%s", arg);
		by = "order_uuid";
	}
	if (event) {
		json_object_set(result, "event", event);
		by = "event_id";
	}
	if (*uuid) {
		if (seam_trace_order(st, uuid, result, err) != SEAM_OK)
			goto fail;
		json_object_set(result, "orders", orders);
		tl = json_incref(json_object_get(result, "timeline"));
	} else if (event) {
		const char *job = json_string_value(json_object_get(event, "job_id"));
		if (seam_trace_jobs(st, NULL, job, &jobs, err) != SEAM_OK)
			goto fail;
		json_object_set_new(result, "jobs", jobs);
		jobs = NULL;
	} else if ((found = seam_trace_product(st, arg, result, err)) != 0) {
		if (found < 0)
			goto fail;
		by = "product";
		tl = json_incref(json_object_get(result, "timeline"));
	} else {
		if (seam_timeline_for_cid(st, arg, &tl, err) != SEAM_OK)
			goto fail;
		json_object_set_new(result, "correlation_id", json_string(arg));
		by = "correlation_id";
	}
	if (tl)
		json_object_set_new(result, "timeline", tl);
	known = json_array_size(tl) > 0 || json_array_size(orders) > 0 || event ||
		json_object_get(result, "product");
	json_object_set_new(result, "found_by", known ? json_string(by) : json_null());
	json_decref(event);
	json_decref(orders);
	return known ? 1 : 0;
fail:
	json_decref(tl);
	json_decref(jobs);
	json_decref(event);
	json_decref(orders);
	return -1;
}

/* ---------- catalog products ---------- */

static json_t *product_row(seam_stmt_t *s)
{
	json_t *o = json_object();
	static const char *const cols[] = {"store", "pim_id", "drupal_uuid", "state", "reason",
					   "pim_updated"};
	for (int i = 0; i < 6; i++) {
		const char *v = seam_stmt_column_text(s, i);
		json_object_set_new(o, cols[i], v ? json_string(v) : json_null());
	}
	char t[25];
	seam_rfc3339_ms(seam_stmt_column_int64(s, 6), t);
	json_object_set_new(o, "updated_at", json_string(t));
	return o;
}

static int by_time(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "at"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "at"));
	return strcmp(x ? x : "", y ? y : "");
}

int seam_trace_product(seam_store_t *st, const char *arg, json_t *result, seam_error_t *err)
{
	json_t *rows = NULL, *tl = NULL, *more = NULL, *p;
	int found = 0;
	/* a SKU first (catalog_skus), then a subject id */
	seam_err_t rc = seam__flow_rows(st,
					"SELECT i.store, i.pim_id, i.drupal_uuid, i.state, i.reason, "
					"i.pim_updated, i.updated_at FROM catalog_skus s JOIN catalog_items i "
					"ON i.store = s.store AND i.pim_id = s.pim_id WHERE s.sku = $1",
					arg, product_row, &rows, err);
	if (rc == SEAM_OK && json_array_size(rows) == 0) {
		json_decref(rows);
		rows = NULL;
		rc = seam__flow_rows(st,
				     "SELECT store, pim_id, drupal_uuid, state, reason, pim_updated, "
				     "updated_at FROM catalog_items WHERE pim_id = $1",
				     arg, product_row, &rows, err);
	}
	if (rc != SEAM_OK)
		goto out;
	if (!(p = json_array_get(rows, 0)))
		goto out;
	found = 1;
	json_object_set(result, "product", p);
	const char *pim_id = json_string_value(json_object_get(p, "pim_id"));
	if ((rc = seam_timeline_for_entity(st, "product", pim_id, &tl, err)) != SEAM_OK)
		goto out;
	if (strcmp(pim_id, arg) != 0) {
		if ((rc = seam_timeline_for_entity(st, "sku", arg, &more, err)) != SEAM_OK)
			goto out;
		json_array_extend(tl, more);
		/* one story, oldest first (each list is; merged here) */
		size_t n = json_array_size(tl), i;
		json_t **v = calloc(n ? n : 1, sizeof *v);
		if (v) {
			for (i = 0; i < n; i++)
				v[i] = json_incref(json_array_get(tl, i));
			qsort(v, n, sizeof *v, by_time);
			json_array_clear(tl);
			for (i = 0; i < n; i++)
				json_array_append_new(tl, v[i]);
			free(v);
		}
	}
	json_object_set(result, "timeline", tl);
out:
	json_decref(rows);
	json_decref(tl);
	json_decref(more);
	return rc == SEAM_OK ? found : -1;
}
