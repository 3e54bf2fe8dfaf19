/*
 * pim.h: the PIM connector for an Akeneo-like REST API (the PIM is the system of record for
 * product data; the double is sim/sim_pim.h). It reads, never writes: products by UUID
 * (/api/rest/v1/products-uuid), product models, families and their family variants (the
 * variation axes), attributes and their types, categories, channels and locales, and hands
 * out the JSON in Akeneo's own shape (mapping to the canonical product happens later, in Lua).
 * docs/pim.md is the operator-facing summary.
 *
 * Authentication is the upstream client's: the upstream is configured with auth type
 * oauth2_password (http/oauth.h: POST /api/oauth/v1/token with Basic client_id:secret,
 * grant_type=password, then refresh_token before the token expires, falling back to the
 * password grant when the refresh token is refused) and token_url {host}/api/oauth/v1/token.
 * A token that expires between two pages is refreshed by the oauth module; a 401 gets the
 * call once more with a fresh token (http/client.h).
 *
 * Lists. Every list is walked by following _links.next.href (never a cursor built by hand, as
 * Akeneo asks); products and product models use pagination_type=search_after (stable under
 * writes, no 10,000-item ceiling), the catalog structure Akeneo's page pagination (the only
 * one those routes have). limit is at most 100 (Akeneo answers 422 beyond). An incremental
 * walk filters search={"updated":[{"operator":">","value":"YYYY-MM-DD hh:mm:ss"}]} (UTC, the
 * format Akeneo's filters take; JSON-encoded here, percent-encoded by the client). Variants
 * whose own `updated` is older still come when their parent model matches (Akeneo's rule).
 *
 * Streaming. seam_pim_walk calls the caller's page function once per page with that page's
 * items and the link to the next page, then frees the page: a walk over 100,000 products holds
 * one page (<= 100 items) at a time. The next link is what a caller persists to resume a walk
 * after a crash (seam_pim_list_t.resume_href).
 *
 * Faults. The upstream client does not retry (http/client.h: the job queue does); a walk is
 * one job that may span thousands of calls, so the connector repeats the one GET that failed
 * retryably (429, 408, 5xx, timeouts, network; also SEAM_BUSY, where nothing was sent), at
 * most max_attempts times per page, waiting seam_backoff_after_ms (full jitter, never before
 * the Retry-After the client parsed). GETs are safe to repeat. An open circuit stops the walk
 * with SEAM_OPEN_CIRCUIT at once (the breaker says the PIM is down: the job is deferred).
 *
 * Results:
 *   SEAM_OK            done (a page function that stopped the walk returns its own code)
 *   SEAM_NOTFOUND      404 on a single record
 *   SEAM_RETRY, SEAM_TIMEOUT   still failing after max_attempts (retryable later)
 *   SEAM_PERMANENT     400/403/422 (a bad filter, a limit past 100, ...), refused credentials
 *   SEAM_OPEN_CIRCUIT  the breaker is open; nothing was sent
 *   SEAM_BUSY          still no rate-limit token or bulkhead slot after max_attempts
 *   SEAM_UPSTREAM      a 2xx that is not the expected document (not JSON, no _embedded.items
 *                      array, an item that is not an object, a next link that is not a string)
 *   SEAM_INVAL         bad arguments (limit, a malformed updated_after, a code with a '/'...)
 * Messages name the route and carry Akeneo's "message" from the body the client already
 * masked (personal data: http/client.c), never a body or a token.
 *
 * Ownership: arguments are borrowed; json_t results are new references owned by the caller;
 * the page function's items are borrowed for the call (json_incref to keep one).
 * Thread-safety: reentrant (the upstream is thread-safe).
 */
#ifndef SEAM_CONNECTORS_PIM_H
#define SEAM_CONNECTORS_PIM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http/client.h"

#define SEAM_PIM_LIMIT_MAX 100
#define SEAM_PIM_DATE_LEN 19 /* "YYYY-MM-DD hh:mm:ss" */

typedef enum seam_pim_resource_e {
	SEAM_PIM_PRODUCTS = 0,    /* products-uuid, key uuid */
	SEAM_PIM_PRODUCT_MODELS,  /* product-models, key code */
	SEAM_PIM_FAMILIES,
	SEAM_PIM_FAMILY_VARIANTS, /* families/{family}/variants */
	SEAM_PIM_ATTRIBUTES,
	SEAM_PIM_CATEGORIES,
	SEAM_PIM_CHANNELS,
	SEAM_PIM_LOCALES,
	SEAM_PIM_RESOURCE_COUNT
} seam_pim_resource_e;

/* "products-uuid", "product-models", "families", "variants", ... (for messages). */
const char *seam_pim_resource_name(seam_pim_resource_e r);

/* What the last exchange said. */
typedef struct seam_pim_outcome {
	int status;             /* HTTP status of the last answer; 0 when none */
	int64_t retry_after_ms; /* of the last failure; -1 when none */
	int attempts;           /* calls made for the last page or record (1 without a retry) */
	uint64_t calls;         /* calls made in the whole walk */
	uint64_t pages, items;  /* pages and items handed to the page function */
} seam_pim_outcome_t;

/* One page: items (borrowed array of objects), next_href (borrowed; NULL on the last page). A
 * non-OK return stops the walk and becomes its result (err carries the page function's
 * message). */
typedef seam_err_t (*seam_pim_page_fn)(void *ud, json_t *items, const char *next_href,
				       seam_error_t *err);

typedef struct seam_pim_list {
	seam_pim_resource_e resource;
	const char *family;        /* SEAM_PIM_FAMILY_VARIANTS: the family code (required) */
	const char *updated_after; /* products, models: "YYYY-MM-DD hh:mm:ss" UTC; NULL: all */
	const char *scope;         /* products, models: a channel code (Akeneo `scope`); NULL */
	const char *locales;       /* products, models: "en_US,de_DE"; NULL */
	const char *parent;        /* products: only the variants of this product model (search
				    * parent IN [code]); NULL: every product */
	const char *resume_href;   /* a next_href a page function saw: continue from there (the
				    * other fields are then ignored: the link carries them) */
	int limit;                 /* 1..100 [100] */
	int max_attempts;          /* per page [6] */
	int64_t backoff_base_ms;   /* [250] */
	int64_t backoff_cap_ms;    /* [30000] */
	const char *cid;           /* correlation id; NULL: one per call */
} seam_pim_list_t;

/* Walks the list, page by page, calling fn for each (also for an empty first page). */
seam_err_t seam_pim_walk(seam_upstream_t *u, const seam_pim_list_t *list, seam_pim_page_fn fn,
			 void *ud, seam_pim_outcome_t *oc, seam_error_t *err);

/* One record: a product by UUID, a product model, family, attribute, category, channel or
 * locale by code, a family variant by family and code. *out: owned. Retried as a page is. */
seam_err_t seam_pim_get(seam_upstream_t *u, seam_pim_resource_e r, const char *family,
			const char *code, const char *cid, json_t **out, seam_pim_outcome_t *oc,
			seam_error_t *err);

/* Reads a list page's body: *items (owned array of objects) and *next_href (owned, NULL on
 * the last page). SEAM_UPSTREAM with a message for anything else. Pure (fuzzed). */
seam_err_t seam_pim_page_read(const char *body, size_t len, json_t **items, char **next_href,
			      seam_error_t *err);

/* Reads a single record's body: *out owned JSON object, else SEAM_UPSTREAM. Pure. */
seam_err_t seam_pim_record_read(const char *body, size_t len, json_t **out, seam_error_t *err);

/* Akeneo's error text from a (masked) error body: "message", then the first of "errors"
 * ({property, message}), into out (always terminated, "" when there is none). Pure. */
void seam_pim_error_text(const char *body, size_t len, char *out, size_t cap);

/* Unix ms -> "YYYY-MM-DD hh:mm:ss" (UTC) into out[SEAM_PIM_DATE_LEN + 1]; -1 when out of
 * the years 0000-9999. */
int seam_pim_date_format(int64_t unix_ms, char *out);
/* 1 when s is exactly "YYYY-MM-DD hh:mm:ss" with a real date and time, else 0. */
int seam_pim_date_valid(const char *s);

/* The search parameter's JSON text for updated > after (owned, free()), NULL on no memory. */
char *seam_pim_search_updated(const char *after);

/* How many products or product models match (updated_after may be NULL: all), for a run's
 * progress: one page-paginated GET with limit=1&with_count=true, read from items_count.
 * SEAM_UPSTREAM when the answer has no items_count. Retried as a page is. */
seam_err_t seam_pim_count(seam_upstream_t *u, seam_pim_resource_e r, const char *updated_after,
			  const char *cid, int64_t *count, seam_pim_outcome_t *oc, seam_error_t *err);

#endif
