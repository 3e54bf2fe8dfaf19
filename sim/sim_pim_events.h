/*
 * sim_pim_events.h: the PIM double's Akeneo Events API sender. When products change in the
 * double it POSTs messages to the configured URL the way Akeneo's event platform does
 * (api.akeneo.com/events-documentation, read 2026-12-03):
 *
 *   body     {"events": [ up to 10 of {"action": "product.created" | "product.updated" |
 *            "product.removed" | "product_model.*", "event_id": "<uuid>", "event_datetime":
 *            "2026-01-01T00:00:00+00:00", "author": "...", "author_type": "api",
 *            "pim_source": "<url>", "data": {"resource": {...}}} ]}; the resource of a created
 *            or updated product is the product as GET /api/rest/v1/products-uuid/{uuid}
 *            prints it; a removed product's is {"uuid", "identifier"}.
 *   headers  X-Akeneo-Request-Timestamp: Unix seconds; X-Akeneo-Request-Signature: lower-case
 *            hex HMAC-SHA256(secret, "<timestamp>.<body>") (sim_sign.h), fresh per attempt.
 *
 * Akeneo warns that events "can be sent in the wrong order, more than once, or get lost", so
 * the sender does all three, at configured rates drawn from the rng stream "pim_events" of the
 * config seed (the same seed and call order give the same faults): per message, lose_rate
 * logs it lost and never sends it, duplicate_rate sends it twice, delay_rate holds it until
 * the next flush, where it goes out after that flush's own messages (out of order). The
 * double's outbound fault rules (/_sim/faults: lose, duplicate, reorder) apply on top.
 * Delivery, retries and the log (GET /_sim/deliveries) are sim_send.h's.
 *
 * Config (the pim section's "events" object; no url = no sender):
 *   url             where to POST (seam: http://127.0.0.1:PORT/webhooks/pim/{source})
 *   secret          the connection's event secret (default "seam-pim-events-secret"; the
 *                   secret forms of sim_config.h)
 *   batch           events per message, 1..10 (default 10)
 *   lose_rate, duplicate_rate, delay_rate   0..1 (default 0)
 *   author          default "seam-sim"; pim_source: default "http://pim.sim"
 *   attempts, backoff, timeout, workers     as for the other senders (sim_send.h)
 *
 * Thread-safety: all functions lock the sender's own mutex; callable from any thread.
 */
#ifndef SEAM_SIM_PIM_EVENTS_H
#define SEAM_SIM_PIM_EVENTS_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "sim/sim_config.h"
#include "sim/sim_core.h"
#include "sim/sim_send.h"

#define SEAM_SIM_PIM_EVENTS_MAX 10

typedef struct seam_sim_pim_events seam_sim_pim_events_t;

/* Reads obj (the "events" object; NULL or without url: *out = NULL, SEAM_OK) and starts the
 * sender. SEAM_CONFIG with file:line for a bad key or value. */
seam_err_t seam_sim_pim_events_create(const seam_sim_config_t *cfg, const json_t *obj,
				      const seam_sim_env_t *env, seam_sim_pim_events_t **out,
				      seam_error_t *err);
/* Stops the sender (undelivered messages are dropped) and frees. NULL ok. */
void seam_sim_pim_events_destroy(seam_sim_pim_events_t *ev);
/* The sender, for the double's def (GET /_sim/deliveries). NULL when ev is NULL. */
seam_sim_sender_t *seam_sim_pim_events_sender(seam_sim_pim_events_t *ev);

/* Queues one event. action: "product.created", ...; resource: the record (copied; keys
 * starting with '_' are the double's private fields and left out). For "*.removed" only uuid,
 * identifier and code are kept. A full batch is sent at once. ev may be NULL (no-op). */
void seam_sim_pim_events_emit(seam_sim_pim_events_t *ev, const char *action,
			      const json_t *resource);
/* Sends what is queued in messages of up to batch events, then releases messages delayed by
 * an earlier flush. Returns the number of messages made. ev may be NULL (0). */
size_t seam_sim_pim_events_flush(seam_sim_pim_events_t *ev);
/* Counts (new reference): {pending, waiting (delayed, not sent yet), messages, events, lost,
 * duplicated, delayed}. */
json_t *seam_sim_pim_events_stats(seam_sim_pim_events_t *ev);

/* POST /_sim/pim/events: {"events": [{"action", "resource"}...], "flush": true (default)}
 * queues the given events (to make created/removed events the data does not have) and
 * answers 200 {"queued", "messages", "stats"}; 409 when no events url is configured. */
void seam_sim_pim_events_h_post(seam_sim_call_t *c, seam_sim_pim_events_t *ev);

#endif
