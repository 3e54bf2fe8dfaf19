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
 * not a Stripe list, or a page whose last object was a page's last before (a loop, over any
 * number of pages).
 */
seam_err_t seam_stripe_list(seam_upstream_t *u, const char *cid, const char *resource,
			    int64_t created_gte, int64_t created_lte, seam_stripe_obj_fn cb, void *ud,
			    size_t *count, seam_error_t *err);

/* GET /v1/{resource}/{id}: *out the object (owned), or SEAM_NOTFOUND (Stripe's 404
 * resource_missing). */
seam_err_t seam_stripe_get(seam_upstream_t *u, const char *cid, const char *resource,
			   const char *id, json_t **out, seam_error_t *err);

/* ---------- reading what Stripe answers (pure: no I/O; the fuzz target's entry points) ---------- */

/* The longest object id seam pages on or keeps. */
#define SEAM_STRIPE_ID_MAX 255
/* The largest amount in minor units seam takes from Stripe (Stripe's own limit is 8 digits
 * for most currencies; anything past this is not an amount). */
#define SEAM_STRIPE_AMOUNT_MAX 1000000000000000LL

/*
 * One page of a list answer: *data the "data" array (borrowed from doc), *more has_more, and
 * *next the id to ask the next page after (borrowed; NULL when there is none). prev is the
 * starting_after this page was asked with ("" for the first). SEAM_UPSTREAM (with a message
 * naming what) when doc is not a Stripe list (no data array, no boolean has_more), or when
 * has_more comes with no usable last id: none, empty, longer than SEAM_STRIPE_ID_MAX, or the
 * same as prev (a loop).
 */
seam_err_t seam_stripe_page_read(const json_t *doc, const char *prev, json_t **data, int *more,
				 const char **next, seam_error_t *err);

/* A PaymentIntent as reconciliation keeps it. Strings are borrowed from the object. */
typedef struct seam_stripe_intent {
	const char *id;            /* pi_... */
	const char *order_uuid;    /* metadata.order_uuid, or NULL */
	const char *store;         /* metadata.store, or NULL */
	const char *status;        /* or NULL */
	const char *latest_charge; /* ch_..., or NULL */
	char currency[4];          /* upper case ISO 4217 code; "" when absent or not 3 letters */
	int64_t amount, received;  /* minor units, 0..SEAM_STRIPE_AMOUNT_MAX */
} seam_stripe_intent_t;

/* 0, or -1 when o is not a usable PaymentIntent (no id, an id longer than SEAM_STRIPE_ID_MAX,
 * an amount that is not an integer in range: a negative or absurd one is not taken as 0). */
int seam_stripe_intent_read(const json_t *o, seam_stripe_intent_t *out);

/* A charge as reconciliation keeps it (what was refunded of the PaymentIntent it belongs to). */
typedef struct seam_stripe_charge {
	const char *id, *payment_intent, *store; /* borrowed; store: metadata.store or NULL */
	int64_t refunded;                         /* amount_refunded, 0..SEAM_STRIPE_AMOUNT_MAX */
} seam_stripe_charge_t;

/* 0, or -1 when o is not a usable charge (no id or payment_intent, ids too long, a refunded
 * amount that is not an integer in range). */
int seam_stripe_charge_read(const json_t *o, seam_stripe_charge_t *out);

#endif
