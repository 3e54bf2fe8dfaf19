/*
 * orders.h: the order-export flow: every placed storefront order in the ERP exactly
 * once, with the ERP document number written back and every step on the order's timeline.
 *
 * Triggers converge on ONE job per order: the storefront's order.placed event (webhook
 * ingress) and the poller (a recurring `order.poll` job per store reading orders placed since
 * a stored cursor) both enqueue `order.export` with dedup key "export:<store>:<order uuid>".
 *
 * order.export, which may run more than once (crash, lease expiry, replay):
 *   1. fetch the order with its items and billing profile (404: not visible yet -> retry);
 *      draft orders are not exported; an order canceled before export is recorded and skipped;
 *   2. map it with the store's Lua mapping (one runtime per worker thread) and validate the
 *      result (required fields, decimals, lines, totals that add up to Drupal's total): a
 *      failure is permanent and lands in the dead letters with the reasons;
 *   3. the ERP has no idempotency key, so look up by externalDocumentNumber first and adopt
 *      what is there; create only when nothing is; a create that timed out or dropped is
 *      followed by a fresh lookup on the next attempt, never by a blind second create; an
 *      Internal_EntityWithSameKeyExists answer is adopted the same way;
 *   4. write the ERP number back to the Drupal order (PATCH; idempotent) and record it.
 * order.cancel: after export, delete (cancel) the ERP order (404 = already gone); before
 * export, just record it. order.poll: list placed orders since the cursor, enqueue exports.
 * Thread-safety: handlers run on several workers; per-order work is serialised by the queue's
 * dedup (one export job per order).
 */
#ifndef SEAM_FLOWS_ORDERS_H
#define SEAM_FLOWS_ORDERS_H

#include <jansson.h>

#include "flows/flow.h"

typedef struct seam_flow_orders seam_flow_orders_t;

/* Registers order.export, order.cancel and order.poll, and a poll schedule for every store
 * with drupal.poll_interval > 0 and an ERP. Before the queue starts. */
seam_err_t seam_flow_orders_create(const seam_flow_env_t *env, seam_flow_orders_t **out,
				   seam_error_t *err);
void seam_flow_orders_destroy(seam_flow_orders_t *fo);

/* Validates a mapped sales order against the Drupal order total (decimal string, may be
 * NULL to skip the total check). Returns SEAM_OK, or SEAM_PERMANENT with every problem in
 * *problems (a JSON array of strings, new reference). Exposed for tests and `seam check`. */
seam_err_t seam_flow_orders_validate(json_t *sales_order, const char *drupal_total,
				     const char *currency, json_t **problems);

#endif
