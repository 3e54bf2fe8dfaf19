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
 *   2. map it with the store's Lua mapping (one runtime per worker thread) and check the
 *      result against the contract erp.sales-order@v1 plus the totals rule (lines add up to
 *      Drupal's total, same currency): a violation is permanent and lands in the dead
 *      letters with the validator's errors, and on the timeline (export.invalid);
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

#include "domain/money.h"
#include "flows/flow.h"

/* The flow (bulkhead and kill switch) and the job kinds that run in it. */
#define SEAM_FLOW_ORDERS "orders"
#define SEAM_JOB_ORDER_EXPORT "order.export"
#define SEAM_JOB_ORDER_CANCEL "order.cancel"
#define SEAM_JOB_ORDER_POLL "order.poll"

/* The flow's registry row (app/registry.c): jobs order.export, order.cancel, order.poll; its
 * start hook checks drupal.store against each site (seam_flow_orders_check_stores, 5 s). */
extern const seam_flow_def_t seam_flow_orders;

typedef struct seam_flow_orders seam_flow_orders_t;

/* Builds the flow and a poll schedule for every store with drupal.poll_interval > 0 and an
 * ERP, before the queue starts; the root then registers its handlers (seam_flow_orders.jobs)
 * on the queue. */
seam_err_t seam_flow_orders_create(const seam_flow_env_t *env, seam_flow_orders_t **out,
				   seam_error_t *err);
void seam_flow_orders_destroy(seam_flow_orders_t *fo);

/*
 * Ownership (issue 10): a seam store exports only the orders of the commerce_stores it names
 * in stores.<name>.drupal.store, whoever reports them: the storefront's events (ingress drops
 * an event whose data.store_uuid is another store's), the poller (its listing filters on
 * store_id.id, and it checks each order again) and the export job (it reads the order's
 * store_id from Drupal itself before anything else). Every order turned away is counted in
 * seam_orders_ignored_total{store, seen_by} and logged at warn; none is ever exported.
 */

/* 1 when seam store sc owns the commerce_store with this UUID (a store without drupal.store
 * owns every store of its site; flows/stores.c allows that only for a site's sole seam store);
 * 0 otherwise, also for a NULL UUID when sc names its stores. */
int seam_flow_orders_owns(const seam_config_store_t *sc, const char *drupal_store);

/* Counts and logs an order of a commerce_store that seam store `store` does not own.
 * where: "event", "poll" or "export" (the seen_by label). log and metrics may be NULL. */
void seam_flow_orders_foreign(seam_log_t *log, seam_metrics_t *metrics, const char *store,
			      const char *uuid, const char *drupal_store, const char *where,
			      const char *cid);

/* Records that the order exists and awaits export (export_state seen), on db and inside the
 * caller's transaction, so `seam ctl trace <number>` and the backlog gauges know it while its
 * job is still queued. Only fills what is not known yet (the export job later writes what
 * Drupal says). number, state, total, currency may be NULL. */
seam_err_t seam_flow_orders_note(seam_db_t *db, const char *store, const char *uuid,
				 const char *number, const char *state, const char *total,
				 const char *currency, const char *cid, seam_error_t *err);

/*
 * Start-up check of every stores.<name>.drupal.store against the site (seam_drupal_list_stores,
 * each exchange bounded by timeout_ms). SEAM_CONFIG with a message naming the missing UUID
 * and the stores the site has when one is not there: seam serve refuses to start. A site that
 * cannot be asked (down, 5xx, refused) is logged at warn and the check is left to the
 * store's poller, which runs it before its first listing (and dead-letters that poll with the
 * same message if the UUID turns out missing; later polls only log). Returns SEAM_OK then.
 */
seam_err_t seam_flow_orders_check_stores(seam_flow_orders_t *fo, int64_t timeout_ms,
					 seam_error_t *err);

/* What seam knows of the orders with this uuid or order number (several stores may share
 * numbers), for `seam ctl trace`: *out gets a JSON array (new reference), by store, of
 * {"store", "order_uuid", "order_number", "order_state", "export_state", "erp_number", "total",
 * "currency", "placed_at", "exported_at", "first_seen_at", "updated_at"} (times RFC 3339;
 * unknown values null). Reads only,
 * on a connection of its own. */
seam_err_t seam_flow_orders_find(seam_store_t *st, const char *uuid_or_number, json_t **out,
				 seam_error_t *err);

/* A page of orders for GET /v1/orders: filters (NULL / 0: any), and the keyset of the
 * previous page's last row (after_store NULL: the first page). */
typedef struct seam_flow_orders_filter {
	const char *store, *export_state, *number;
	int64_t since_ms, until_ms; /* on placed_at (Drupal's placed time), [since, until) */
	int64_t after_seen;         /* keyset: first_seen_at, store, order_uuid */
	const char *after_store, *after_uuid;
	int limit;                  /* 0: 100 */
} seam_flow_orders_filter_t;

/* Orders, newest first by when seam first saw them (first_seen_at, then store and uuid, a
 * unique order that inserts cannot shift): *out a JSON array of what find gives plus
 * "first_seen_at" and "updated_at"; *next_key (new reference, or NULL when the page was not
 * full) the keyset [first_seen_at ms, store, uuid] of its last row. Reads only. */
seam_err_t seam_flow_orders_list(seam_store_t *st, const seam_flow_orders_filter_t *f,
				 json_t **out, json_t **next_key, seam_error_t *err);

/*
 * Checks a mapped sales order before anything is sent to the ERP: the contract
 * erp.sales-order@v1 of contracts (borrowed; NULL or without it: a permanent error, nothing
 * is sent unchecked), then, when that holds, the rules JSON Schema cannot say: currencyCode
 * equal to the Drupal order's currency (NULL: not checked), and lines (quantity x unitPrice -
 * discountAmount) - the order's discountAmount == drupal_total (a decimal string; NULL: not
 * checked). Returns SEAM_OK, or SEAM_PERMANENT with every problem in *errors as
 * {pointer, keyword, detail} (seam_contract_errors_public; keyword "currency" or "totals" for
 * the two rules) and, when text is not NULL, *text the one line for last_error
 * ("erp.sales-order@v1: /salesOrderLines/0/quantity: ... (pattern); ..."). *errors is a new
 * reference either way (empty when valid); *text owned (free), NULL when valid.
 */
seam_err_t seam_flow_orders_validate(const seam_contracts_t *contracts, json_t *sales_order,
				     const char *drupal_total, const char *currency,
				     json_t **errors, char **text);

/* Drupal's total less the tax adjustments Drupal adds on top of it (not included ones), of
 * the order resource and its order_items found among doc's included resources (doc: the
 * order's document or a listing page with include=order_items): what the ERP's sales order
 * adds up to without its own tax. total is the order's total_price number; on an unparsable
 * amount out is total unchanged. */
void seam_flow_orders_net_total(json_t *doc, json_t *order, const char *total,
				char out[SEAM_MONEY_BUF]);

/* seam_flow_orders_validate of a mapping's output against the Drupal order document it was
 * mapped from (doc: the JSON:API document; its total_price less the tax adjustments the ERP
 * adds itself is the total, its currency the currency). What order.export and `seam check`
 * (a mapping's sample) both run. */
seam_err_t seam_flow_orders_check_mapped(const seam_contracts_t *contracts, json_t *doc,
					 json_t *mapped, json_t **errors, char **text);

#endif
