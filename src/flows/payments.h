/*
 * payments.h: the payment-events flow. A verified provider event sits in the inbox;
 * its `payment.apply` job drives Drupal Commerce's payment to the state the provider's whole
 * history implies, once, whatever the arrival order.
 *
 * One run of the job:
 *   1. load the inbox row, read it with its provider's reader (flows/providers.h) into the
 *      canonical event (domain/psp_event.h); an unusable payload fails permanently (dead
 *      letter with the reason), an ignored type is recorded;
 *   2. find the order: the event's metadata, else the stored cross-reference of the remote id;
 *      an order Drupal does not show yet is retried with backoff, not dead-lettered;
 *   3. under a per-payment lock: read the Drupal payment (lookup by remote_id: Drupal itself
 *      does not refuse duplicates), resolve the plan from the payment and every event seen for
 *      it (domain/payment), and carry it out: create over JSON:API after the lookup, later
 *      transitions through the storefront module's endpoint with an idempotency key built from
 *      business identity (provider, remote id, transition, amounts), so a re-run changes
 *      nothing; a 409 (the payment moved) re-reads and re-plans;
 *   4. record the event with its outcome, the cross-reference, and a timeline entry on the
 *      order with the correlation id. Impossible or late events are recorded, never applied.
 * Thread-safety: the handler runs on several workers; the per-payment lock serialises work on
 * one payment within this process (several instances rely on the bridge's idempotency and
 * state checks, which make concurrent runs converge).
 */
#ifndef SEAM_FLOWS_PAYMENTS_H
#define SEAM_FLOWS_PAYMENTS_H

#include "flows/flow.h"

/* The flow (bulkhead and kill switch) and the job kind that runs in it. */
#define SEAM_FLOW_PAYMENTS "payments"
#define SEAM_JOB_PAYMENT_APPLY "payment.apply"

/* payment_events: integrators' changes to the provider event -> canonical event mapping (the
 * flow's own config section; its table is in payments.c). */
typedef struct seam_payments_config {
	seam_strmap_t stripe;
	seam_strmap_t adyen;
	seam_strmap_t standard;
} seam_payments_config_t;

/* The flow's registry row (app/registry.c): section payment_events, job payment.apply. */
extern const seam_flow_def_t seam_flow_payments;

typedef struct seam_flow_payments seam_flow_payments_t;

/* Builds the flow from env (env->config: its seam_payments_config_t, or NULL for the built-in
 * event tables). The root then registers its payment.apply handler (seam_flow_payments.jobs)
 * on the queue before it starts. Returns owned *out (free with seam_flow_payments_destroy
 * after the queue stopped). */
seam_err_t seam_flow_payments_create(const seam_flow_env_t *env, seam_flow_payments_t **out,
				     seam_error_t *err);
void seam_flow_payments_destroy(seam_flow_payments_t *fp);

/*
 * What the flow recorded, for `seam ctl trace`. Each reads only, on a connection of its own.
 *
 * seam_flow_payments_order_of: the order a PSP payment id (payment_refs.remote_id: "pi_...",
 * Adyen's pspReference), or the event id of a payment event the flow has worked, belongs to:
 * the most recently updated cross-reference. SEAM_OK with order_uuid, or SEAM_NOTFOUND.
 *
 * seam_flow_payments_of_order: the order's payments as seam last saw or made them, oldest
 * update first: *out (new reference) a JSON array of {"provider", "remote_id", "store",
 * "payment_uuid", "state", "amount", "refunded", "currency", "updated_at"} (amounts decimal
 * strings, unknown values null).
 *
 * seam_flow_payments_events_of_order: the payment events worked for the order's payments, as
 * {"provider", "event_id"} (the normalised event id, docs/payments.md), in a JSON array.
 */
seam_err_t seam_flow_payments_order_of(seam_store_t *st, const char *id, char order_uuid[64],
				       seam_error_t *err);
seam_err_t seam_flow_payments_of_order(seam_store_t *st, const char *order_uuid, json_t **out,
				       seam_error_t *err);
/* One payment by the PSP's id (remote_id) or the Drupal payment uuid seam made: what
 * of_order gives for it plus "order_uuid" and "events" (the provider's history seam worked,
 * oldest first: {event_id, type, outcome, currency, provider, occurred_at, detail,
 * recorded_at}). SEAM_NOTFOUND when there is none. *out a new reference. */
seam_err_t seam_flow_payments_find(seam_store_t *st, const char *id, json_t **out,
				   seam_error_t *err);
seam_err_t seam_flow_payments_events_of_order(seam_store_t *st, const char *order_uuid,
					      json_t **out, seam_error_t *err);

#endif
