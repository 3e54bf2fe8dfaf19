/*
 * trace.h: one order's story across systems, assembled from the modules that own each table
 * (flows/orders, flows/payments, flows/timeline, inbox, queue/queue_admin). `seam ctl trace`
 * (ctl/ctl_trace.c), GET /v1/orders/{id}/timeline (api/api_resources.c) and GET /v1/trace/{id}
 * (api/api_trace.c) all read it here, so they show the same thing. Reads only; every function acquires its own connections.
 * Thread-safety: reentrant.
 */
#ifndef SEAM_FLOWS_TRACE_H
#define SEAM_FLOWS_TRACE_H

#include <jansson.h>

#include "core/err.h"
#include "store/store.h"

/* The order uuid a PSP payment id or a provider event id leads to, into out (64 bytes);
 * *event (may stay NULL; new reference) gets the inbox event when arg is an event id. Returns
 * 1 when an order was found, 0 when not, -1 on a store error (err says which). */
int seam_trace_resolve(seam_store_t *st, const char *arg, char out[64], json_t **event,
		       seam_error_t *err);

/* The jobs made for the order (uuid): those whose dedup key or payload names it (export,
 * cancel), and the payment jobs of the events about its payments; with uuid NULL, just job
 * id. *out: a JSON array of {id, kind, state, attempts, last_error, updated_at} (new ref). */
seam_err_t seam_trace_jobs(seam_store_t *st, const char *uuid, const char *job_id, json_t **out,
			   seam_error_t *err);

/* Everything of one order uuid: sets on result (an object) "order_uuid", "orders" (what
 * seam_flow_orders_find gives for it), "payments" (seam_flow_payments_of_order), "timeline"
 * (seam_timeline_for_entity, oldest first) and "jobs" (seam_trace_jobs). */
seam_err_t seam_trace_order(seam_store_t *st, const char *uuid, json_t *result,
			    seam_error_t *err);

/* One catalog product's story: arg is a SKU seam has synced or a subject id (PIM model code or
 * product uuid). Sets on result "product" ({store, pim_id, drupal_uuid, state, reason,
 * pim_updated, updated_at}) and "timeline" (the product's entries and, for a SKU, the SKU's,
 * oldest first). Returns 1 when found, 0 when seam has never synced it, -1 on a store error. */
int seam_trace_product(seam_store_t *st, const char *arg, json_t *result, seam_error_t *err);

/*
 * Whatever arg names, resolved as `seam ctl trace` and GET /v1/trace/{id} both do, first match
 * wins:
 *   1. an order uuid or order number seam knows ("found_by": "order_uuid" / "order_number");
 *   2. a PSP payment id ("payment_id");
 *   3. a provider event id ("event_id"), through the payment or order it was about; an event
 *      whose order is not known yet is shown on its own ("event") with its job;
 *   4. any other uuid: the timeline of that order uuid ("order_uuid");
 *   5. a catalog product: a SKU or PIM product ("product"), as seam_trace_product;
 *   6. a correlation id: every timeline entry with it ("correlation_id").
 * Sets on result (an object) "found_by" and what seam_trace_order (for an order; "orders" then
 * holds every order the argument names: a number shared by stores names several, the story is
 * the first's), seam_trace_product or the correlation id's "timeline" gives; "event" when arg
 * is an event. Returns 1 when anything is known, 0 when nothing is (result then holds at most
 * an empty timeline), -1 on a store error (err says which).
 */
int seam_trace_lookup(seam_store_t *st, const char *arg, json_t *result, seam_error_t *err);

#endif
