/*
 * stripe_api.h: what seam reads of Stripe's REST API (the PSP's own view of each payment, for
 * reconciliation): PaymentIntents and charges, listed by creation time and paged as Stripe
 * pages (newest first, has_more, starting_after), or one by id. Authentication is the
 * upstream's (auth type bearer with the secret key, a restricted read-only key being enough:
 * payment_intents and charges read). Nothing here writes.
 *
 * Thread-safety: reentrant (the upstream client is thread-safe). Ownership: arguments are
 * borrowed; outputs say who frees them.
 */
#ifndef SEAM_CONNECTORS_STRIPE_API_H
#define SEAM_CONNECTORS_STRIPE_API_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http/client.h"

/* What a listing reads: "payment_intents" or "charges". */
#define SEAM_STRIPE_INTENTS "payment_intents"
#define SEAM_STRIPE_CHARGES "charges"

/* Called once per object, newest first; obj is borrowed for the call. Any code but SEAM_OK
 * stops the listing and becomes its result. */
typedef seam_err_t (*seam_stripe_obj_fn)(json_t *obj, void *ud);

/*
 * GET /v1/{resource}?created[gte]=..&created[lte]=..&limit=100[&starting_after=<last id>],
 * page after page while has_more, calling cb for every object. created_gte / created_lte are
 * Unix seconds (0: no bound). *count (may be NULL) gets the objects seen, also when the call
 * fails half-way. Errors: the upstream client's (SEAM_RETRY, SEAM_TIMEOUT, SEAM_PERMANENT
 * with Stripe's error message, SEAM_OPEN_CIRCUIT, ...), SEAM_UPSTREAM for an answer that is
 * not a Stripe list, or a page that repeats the previous page's last object (a loop).
 */
seam_err_t seam_stripe_list(seam_upstream_t *u, const char *cid, const char *resource,
			    int64_t created_gte, int64_t created_lte, seam_stripe_obj_fn cb, void *ud,
			    size_t *count, seam_error_t *err);

/* GET /v1/{resource}/{id}: *out the object (owned), or SEAM_NOTFOUND (Stripe's 404
 * resource_missing). */
seam_err_t seam_stripe_get(seam_upstream_t *u, const char *cid, const char *resource,
			   const char *id, json_t **out, seam_error_t *err);

#endif
