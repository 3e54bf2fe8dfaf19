/*
 * webhooks.h: webhook ingress. POST /webhooks/stripe/{store}, /webhooks/adyen/{store},
 * /webhooks/standard/{source}, /webhooks/drupal/{store}: one generic ingress over the provider
 * table (flows/providers.h), which says for each provider where its secrets are, how it
 * signs, how a body splits into events and each event's id; the events are stored through the
 * inbox (inbox/inbox.h).
 *
 * The order of work is the contract (docs/design.md rules 1 and 4):
 *   1. unknown store/source or no secret configured for this provider -> 404
 *   2. signature verified on the raw bytes, before any parsing, in constant time
 *      -> 401 with the reason (bad_signature, stale_timestamp, ...), counted by reason
 *   3. parse, then check against the provider's contract (flows/providers.h: the body, or
 *      each item of a batch on its own); an authentic but unusable payload (not JSON, no id,
 *      or against its contract, with the validator's errors as the reason) is quarantined and
 *      answered 2xx (the provider would only retry the same bytes), counted in
 *      seam_webhooks_invalid_total when it violates its contract; no job is made of it
 *   4. the event is written to the inbox and its job enqueued in ONE commit, shared with
 *      concurrent requests (group commit); only then 2xx
 *   5. a repeated event id finds its inbox row: 2xx, no new work
 * Thread-safety: handlers run concurrently on the HTTP pool; all state is in the store.
 */
#ifndef SEAM_API_WEBHOOKS_H
#define SEAM_API_WEBHOOKS_H

#include "http/server.h"

#include "core/config.h"
#include "flows/orders.h"   /* the flows and job kinds the ingress enqueues */
#include "flows/payments.h"

/* Checks every configured webhook secret can be used (Standard Webhooks whsec_ secrets decode,
 * Adyen HMAC keys are hex of a sane length), so a bad secret fails `seam check` and start-up
 * instead of turning into 500s on live traffic. Messages name the key and the secret's source,
 * never its value. stores, sources: the MAPs of flows/stores.h. Adds one diagnostic per
 * problem to chk and returns how many. */
size_t seam_webhooks_check_config(const seam_cfg_check_t *chk, const seam_cfg_map_t *stores,
				  const seam_cfg_map_t *sources);

/* The route handlers (api/routes.c), one per row of the provider table; ud is the seam_api_t
 * (api/api.h). Each only picks its row for the one ingress. */
void seam_webhook_stripe(seam_http_req_t *req, void *ud);
void seam_webhook_adyen(seam_http_req_t *req, void *ud);
void seam_webhook_standard(seam_http_req_t *req, void *ud);
void seam_webhook_drupal(seam_http_req_t *req, void *ud);
/* POST /webhooks/pim/{source}: Akeneo Events API messages (X-Akeneo-Request-Signature) of a
 * source of kind pim; each product event becomes its product's catalog sync. */
void seam_webhook_pim(seam_http_req_t *req, void *ud);
/* Business Central: ?validationToken= (the subscription handshake) is echoed; else
 * notifications (provider row "erp"). */
void seam_webhook_erp(seam_http_req_t *req, void *ud);

#endif
