/*
 * reconcile.h: reconciliation, the flow that compares what each system says about each order
 * of a store and a time window (docs/reconciliation.md is the operator's description):
 *
 *   - Drupal Commerce: the order's state, total, total_paid and the ERP number seam wrote back;
 *   - the payment provider: Stripe's PaymentIntents and charges read over its API
 *     (reconciliation.stores.<store>.psp names the upstream), Adyen through the events seam
 *     stored (CAPTURE and REFUND notifications);
 *   - the ERP: the sales order found by its external document number, its total;
 *   - seam's own records: the export record and its job, the tax document.
 *
 * Each disagreement is one item of a stable kind (SEAM_RECONCILE_KINDS). The deterministic
 * ones carry a fix, applied with fix (and not dry_run) as a normal job with its idempotency
 * key and a timeline entry on the order: export (the order.export job, or its dead letter
 * replayed), cancel_in_erp (order.cancel), apply_psp_state (the PSP's current state of the
 * payment as a payment event through the payments flow). The rest say what a person should
 * check. A system that cannot be read is recorded in the run's "unreadable" and not compared:
 * a run never reports drift it could not see.
 *
 * Runs (reconciliation_runs, migration 013) are one reconcile.run job each, one at a time per
 * store; `seam ctl reconcile`, POST /v1/reconciliations and the per-store schedule
 * (reconciliation.stores.<store>.every) start them. The run reads Drupal page by page and
 * spills the PSP's listing into the store, so a window of any size costs bounded memory.
 *
 * Thread-safety: reentrant; the job runs on a queue worker.
 */
#ifndef SEAM_FLOWS_RECONCILE_H
#define SEAM_FLOWS_RECONCILE_H

#include <jansson.h>

#include "core/config.h"
#include "core/ids.h"
#include "flows/flow.h"

#define SEAM_FLOW_RECONCILE "reconcile"
#define SEAM_JOB_RECONCILE_RUN "reconcile.run"
#define SEAM_JOB_RECONCILE_POLL "reconcile.poll"

/* The drift kinds: id, stable name, has a deterministic fix, what a person should check. */
#define SEAM_RECONCILE_KINDS(X)                                                                   \
	X(MISSING_IN_ERP, "missing_in_erp", "export",                                               \
	  "placed in Drupal longer than the export SLA ago and not in the ERP")                      \
	X(NUMBER_NOT_WRITTEN_BACK, "erp_number_not_written_back", "export",                         \
	  "in the ERP, but Drupal does not show the ERP number past the export SLA")                 \
	X(CANCELED_OPEN_IN_ERP, "canceled_in_drupal_open_in_erp", "cancel_in_erp",                  \
	  "canceled in Drupal, still an open sales order in the ERP")                                \
	X(ERP_TOTAL_DIFFERS, "erp_total_differs", NULL,                                             \
	  "the ERP sales order's total (without tax) differs from Drupal's total less its tax: "     \
	  "check which was edited by hand; cancel and re-export, or correct the ERP order")          \
	X(CAPTURED_NOT_IN_DRUPAL, "captured_not_in_drupal", "apply_psp_state",                      \
	  "the PSP captured more than Drupal shows paid")                                            \
	X(REFUNDED_NOT_IN_DRUPAL, "refunded_not_in_drupal", "apply_psp_state",                      \
	  "the PSP refunded money Drupal still shows paid")                                          \
	X(PAID_WITHOUT_CAPTURE, "paid_without_capture", NULL,                                       \
	  "Drupal shows more paid than the PSP captured: a payment entered by hand, or a capture "   \
	  "that failed at the PSP; check the PSP dashboard and the order's payments in Drupal")      \
	X(TAX_DIFFERS, "tax_differs", NULL,                                                         \
	  "the tax committed in the engine differs from what the order charged (a quote that was "   \
	  "an estimate, or a cart changed after its quote): check the invoice in the tax engine")    \
	X(STUCK_IN_STATE, "stuck_in_state", NULL,                                                   \
	  "the order stayed in its state longer than the store's state_sla: check fulfilment")

typedef enum seam_reconcile_kind_e {
#define SEAM__RECONCILE_KIND_ENUM(id, name, fix, check) SEAM_RECONCILE_##id,
	SEAM_RECONCILE_KINDS(SEAM__RECONCILE_KIND_ENUM)
#undef SEAM__RECONCILE_KIND_ENUM
	SEAM_RECONCILE__NKINDS
} seam_reconcile_kind_e;

/* The kind's stable name, its fix (NULL: a person decides) and what to check. */
const char *seam_reconcile_kind_name(seam_reconcile_kind_e k);
const char *seam_reconcile_kind_fix(seam_reconcile_kind_e k);
const char *seam_reconcile_kind_check(seam_reconcile_kind_e k);

/* reconciliation.stores.<store> */
typedef struct seam_reconcile_store_config {
	char *psp;                /* upstream of Stripe's API ("" / NULL: Stripe not read) */
	int64_t every_ms;         /* scheduled run period; 0 = none */
	int64_t window_ms;        /* how far back a scheduled run looks [24h] */
	int64_t export_sla_ms;    /* a placed order is in the ERP (and written back) by then [15m] */
	int64_t psp_margin_ms;    /* PSP payments created this long before the window count [1h] */
	int fix;                  /* scheduled runs apply the deterministic fixes [false] */
	seam_strmap_t state_sla;  /* Drupal order state -> duration ("fulfillment: 3d") */
} seam_reconcile_store_config_t;

/* reconciliation: the flow's section. */
typedef struct seam_reconcile_config {
	seam_cfg_map_t stores; /* of seam_reconcile_store_config_t, by seam store name */
} seam_reconcile_config_t;

/* What starts a run. */
typedef struct seam_reconcile_request {
	const char *store;
	int64_t since_ms, until_ms; /* window on Drupal's placed time; until 0: now */
	int fix, dry_run;
	const char *trigger;        /* ctl | api | schedule */
	const char *cid;            /* NULL: a new correlation id */
} seam_reconcile_request_t;

/*
 * Starts a run: its reconciliation_runs row (state queued) and its reconcile.run job (dedup
 * "run:<id>"), on db in the caller's transaction when it has one (q may be NULL: seam ctl; the
 * running seam serve works it). SEAM_EXISTS with the active run's id in run_id when the store
 * has one queued or running; SEAM_INVAL for an empty store or since >= until.
 */
seam_err_t seam_reconcile_start(seam_db_t *db, seam_queue_t *q, const seam_reconcile_request_t *r,
				char run_id[SEAM_UUID_STR_LEN], seam_error_t *err);

/* One run as JSON (rest.reconciliation@v1 without items: id, store, state, phase, since,
 * until, fix, dry_run, trigger, orders_checked, psp_payments, drift (count), fixed, counts
 * ({kind: n}), unreadable ([{system, error}]), error, correlation_id, created_at, started_at,
 * finished_at); with items, "items": every drift in order. SEAM_NOTFOUND when there is none. */
seam_err_t seam_reconcile_get(seam_store_t *st, const char *run_id, int items, json_t **out,
			      seam_error_t *err);

/* The newest runs (of one store when store is not NULL), newest first, at most limit. */
seam_err_t seam_reconcile_list(seam_store_t *st, const char *store, int limit, json_t **out,
			       seam_error_t *err);

/* The registry row (reconcile.c). */
extern const seam_flow_def_t seam_flow_reconcile;

#endif
