/*
 * sim_psp.h: the payment provider double. It holds payments it is told about and sends their
 * webhooks, signed as the real providers sign them, to the configured URLs:
 *
 *   Stripe  event JSON (payment_intent.amount_capturable_updated, payment_intent.succeeded,
 *           charge.refunded, payment_intent.payment_failed, payment_intent.canceled) with the
 *           PaymentIntent's metadata.order_uuid, header Stripe-Signature: t=..,v1=..
 *   Adyen   notifications {"live":"false","notificationItems":[{"NotificationRequestItem":
 *           {...}}]} (AUTHORISATION, CAPTURE, REFUND, CANCELLATION with success flags), each
 *           item signed in additionalData.hmacSignature with the hex HMAC key
 *
 * Control API:
 *   POST /_sim/psp/payments            {provider, store, order_uuid, amount, currency,
 *                                       remote_id?, merchant_reference?} -> the payment
 *   GET  /_sim/psp/payments[/{id}]
 *   POST /_sim/psp/payments/{id}/events {type: authorize|capture|partial_refund|refund|fail|
 *                                        cancel, amount?, copies?, concurrent?, hold?}
 *   GET  /_sim/psp/events              every event made, in order
 *   (/_sim/deliveries and /_sim/deliveries/release come from the core)
 * Provider API (for re-fetching state): GET /v1/payment_intents/{id}, GET /v1/events/{id}
 * (Bearer stripe.api_key when configured).
 *
 * Delivery follows sim_send.h: retries after a non-2xx answer with the configured backoff,
 * duplicates and reordering on request or by fault rule. Thread-safety: handlers serialise on
 * the double's mutex.
 */
#ifndef SEAM_SIM_PSP_H
#define SEAM_SIM_PSP_H

#include <jansson.h>

#include "core/err.h"
#include "sim/sim_config.h"
#include "sim/sim_core.h"
#include "sim/sim_send.h"

typedef struct seam_sim_psp seam_sim_psp_t;

seam_err_t seam_sim_psp_create(const seam_sim_config_t *cfg, const json_t *section,
			       const seam_sim_env_t *env, seam_sim_psp_t **out, seam_error_t *err);
void seam_sim_psp_destroy(seam_sim_psp_t *p);
void seam_sim_psp_def(seam_sim_psp_t *p, seam_sim_double_def_t *def);
seam_sim_sender_t *seam_sim_psp_sender(seam_sim_psp_t *p);

#endif
