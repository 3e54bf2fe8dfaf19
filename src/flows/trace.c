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
