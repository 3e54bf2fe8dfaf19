/*
 * drupal.h: the Drupal Commerce connector. Reads orders and payments over core JSON:API
 * (application/vnd.api+json, resources under /jsonapi/{entity_type}/{bundle}), creates
 * payments, writes order fields back, and moves payments through the storefront module's
 * bridge endpoint (POST /seam/payment/{uuid}/transition, application/json). The Drupal facts it
 * relies on (resource shapes, the payment_default workflow, access filtering, paging) are
 * summarised in docs/connectors.md and played by the Drupal double (sim/sim_drupal.h), which
 * answers as a Drupal 10.5 + Commerce 3.2 site does.
 *
 * Every call goes through the upstream client (http/client.h), so the breaker, rate limit,
 * bulkhead, auth and tracing headers (traceparent, X-Correlation-ID) apply. The connector
 * never retries by itself; it returns the client's classification, refined where Drupal's
 * answer means something more specific:
 *
 *   SEAM_OK            done
 *   SEAM_NOTFOUND      404 on a single resource (order, payment): may not be visible yet
 *   SEAM_CONFLICT      409 from the bridge: the transition is not allowed from the payment's
 *                      current state (returned to the caller)
 *   SEAM_PERMANENT     400, 403, 422 and other refusals: retrying the same request cannot help;
 *                      the message carries Drupal's error title, detail and source pointer
 *   SEAM_RETRY, SEAM_TIMEOUT
 *                      5xx (but 501/505), 408, 429, network failures: try again later
 *                      (outcome->retry_after_ms holds Retry-After when given)
 *   SEAM_OPEN_CIRCUIT, SEAM_BUSY
 *                      nothing was sent (breaker open, no rate token or bulkhead slot)
 *   SEAM_UPSTREAM      a 2xx whose body is not the JSON:API document expected (not JSON, no
 *                      data): retried by the job layer like a transient failure
 *   SEAM_INVAL         the caller's arguments are malformed (nothing was sent)
 *   SEAM_NOMEM
 *
 * Messages name the upstream, method and path (never the query, which may hold a remote id)
 * and Drupal's error details, read from the body the client already masked (personal data:
 * http/client.c mask_answer). Bodies are never logged.
 *
 * Money is always {number, currency_code} with number a decimal STRING, exactly as Drupal
 * sends it ("39.98", "0"); the connector never converts money through a double.
 *
 * Files: this header is the connector's API; drupal_int.h what its files share. jsonapi.c
 * (arguments, one exchange and its error message, paging, reading documents), orders.c,
 * stores.c, payments.c and products.c (the calls on those resources, in the order of the
 * sections below), events.c (the storefront module's order events, which seam receives rather
 * than calls). A new resource (stock) is a new file beside them.
 *
 * Ownership: every argument is borrowed for the duration of the call. json_t results are new
 * references owned by the caller (json_decref). Accessors on documents return borrowed
 * pointers into the document, valid while the caller holds it.
 * Thread-safety: reentrant; concurrent calls on one upstream are fine (the client is).
 */
#ifndef SEAM_CONNECTORS_DRUPAL_DRUPAL_H
#define SEAM_CONNECTORS_DRUPAL_DRUPAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http/client.h"

#define SEAM_DRUPAL_MEDIA_TYPE "application/vnd.api+json"
#define SEAM_DRUPAL_PAGE_MAX 50        /* JSON:API OffsetPage::SIZE_MAX; larger is clamped */
#define SEAM_DRUPAL_MAX_PAGES 20       /* default page bound of one seam_drupal_list_orders */
#define SEAM_DRUPAL_STATE_MAX 64
#define SEAM_DRUPAL_STORES_MAX 16      /* commerce_store UUIDs one order listing filters on */

/* What the last HTTP exchange of a call said, for the job layer and the timeline. */
typedef struct seam_drupal_outcome {
	int status;             /* HTTP status; 0 when nothing was answered or sent */
	int64_t retry_after_ms; /* Retry-After or the breaker's cool-down; -1 when none */
} seam_drupal_outcome_t;

/* A price. number: decimal text "-?digits[.digits]" (as Drupal's commerce_price: numeric(19,6));
 * currency_code: ISO 4217, three upper-case letters. */
typedef struct seam_drupal_money {
	char number[32];
	char currency_code[4];
} seam_drupal_money_t;

/* Fills m after checking both parts; SEAM_INVAL (message says which) otherwise. */
seam_err_t seam_drupal_money_set(seam_drupal_money_t *m, const char *number,
				 const char *currency_code, seam_error_t *err);

/* ---- orders ---- */

/*
 * GET /jsonapi/commerce_order/{bundle}/{uuid}?include=order_items,order_items.purchased_entity,
 * billing_profile (the variations carry the SKUs the ERP mapping needs).
 * bundle NULL = "default". *doc gets the whole document (data plus included), owned.
 * 404 -> SEAM_NOTFOUND: the order may not be visible yet (replica lag, access), so the flow
 * retries it like a transient failure.
 */
seam_err_t seam_drupal_get_order(seam_upstream_t *u, const char *cid, const char *bundle,
				 const char *order_uuid, json_t **doc, seam_drupal_outcome_t *oc,
				 seam_error_t *err);

typedef struct seam_drupal_order_query {
	const char *bundle;   /* order type [default] */
	int64_t placed_since; /* Unix seconds: orders whose cursor field >= this (0: all) */
	const char *cursor_field; /* "placed" (NULL: default) or "changed". Offset paging is only
				   * stable on a field nothing changes during the listing: use
				   * "changed" with a state that no one writes to (canceled). */
	const char *state;        /* only orders in this state (NULL: every state but draft) */
	const char *const *stores; /* only orders of these commerce_stores (UUIDs; at most
				    * SEAM_DRUPAL_STORES_MAX): filter path store_id.id, "=" for one,
				    * IN for several. nstores 0: every store */
	size_t nstores;
	const char *include;  /* e.g. "order_items"; NULL: no included resources */
	int page_limit;       /* page[limit] [50]; Drupal clamps anything larger to 50 */
	int max_pages;        /* bound on pages fetched by one call [SEAM_DRUPAL_MAX_PAGES] */
} seam_drupal_order_query_t;

typedef struct seam_drupal_list_result {
	int64_t max_placed; /* newest placed (Unix s) among the orders cb accepted, else
			     * placed_since: the next cursor */
	size_t orders;      /* orders cb accepted */
	int pages;          /* pages fetched */
	int more;           /* 1: stopped at max_pages while links.next was still there */
} seam_drupal_list_result_t;

/* Called once per order, in (placed, drupal_internal__order_id) order. order is the resource
 * object and page the whole page document (for seam_drupal_related on included resources);
 * both borrowed for the call. Return SEAM_OK to go on; any other code stops the listing and
 * becomes its result. */
typedef seam_err_t (*seam_drupal_order_fn)(json_t *order, json_t *page, void *ud);

/*
 * Orders placed since a cursor: GET /jsonapi/commerce_order/{bundle} with the condition
 * filters state <> draft and placed >= placed_since (and store_id.id when q->stores is set:
 * one site, several seam stores), sort=placed,drupal_internal__order_id and
 * page[limit], then follows links.next.href until there is none. A page may be short (even
 * empty) and still have links.next when Drupal drops orders the account may not see (listed
 * under meta.omitted): the listing keeps going. It stops after max_pages pages (res->more = 1)
 * so one poll cannot run forever; the cursor then still advances.
 *
 * res (required) reflects the progress made even when the call fails half-way, so a caller
 * may store res->max_placed as its cursor whatever the result: the filter is ">=", so the
 * orders of that very second are seen again on the next poll (callers dedupe by order uuid).
 * If more orders share one second than max_pages * page_limit, the cursor cannot move past
 * them: res->more with res->max_placed == placed_since says so (raise max_pages).
 * links.next is followed by requesting the upstream's collection path with the link's query
 * (Drupal's paging state), so a reverse proxy that writes its own host into links cannot send
 * the call, or the credentials, anywhere else.
 */
seam_err_t seam_drupal_list_orders(seam_upstream_t *u, const char *cid,
				   const seam_drupal_order_query_t *q, seam_drupal_order_fn cb,
				   void *ud, seam_drupal_list_result_t *res,
				   seam_drupal_outcome_t *oc, seam_error_t *err);

/* The UUID of the commerce_store an order resource belongs to (relationship store_id), or
 * NULL when the resource does not say. Borrowed from order. */
const char *seam_drupal_order_store(json_t *order);

/*
 * Every commerce_store the site knows, across store types: reads the JSON:API index
 * (GET /jsonapi) for the commerce_store--{bundle} resource types, then lists each collection
 * /jsonapi/commerce_store/{bundle}, following links.next (at most SEAM_DRUPAL_MAX_PAGES pages
 * per bundle). *stores gets a JSON array (owned) of {"id", "bundle", "name", "visible"}: a
 * store the account may not view is still listed (visible false, name null) when Drupal names
 * it under meta.omitted, so "does this UUID exist" has an answer either way.
 * timeout_ms > 0 bounds each exchange (start-up checks must not hang on a dead site); 0 uses
 * the upstream's timeout. Used by `seam serve` to check stores.<name>.drupal.store.
 */
seam_err_t seam_drupal_list_stores(seam_upstream_t *u, const char *cid, int64_t timeout_ms,
				   json_t **stores, seam_drupal_outcome_t *oc, seam_error_t *err);

/*
 * PATCH /jsonapi/commerce_order/{bundle}/{uuid} with
 * {"data":{"type":"commerce_order--{bundle}","id":uuid,"attributes":attributes}}: only the
 * fields sent change (used to write seam_erp_number back). attributes: a JSON object,
 * borrowed. Idempotent by nature: sending the same values twice leaves the same order.
 * *order (may be NULL) gets the updated resource document, owned.
 * 404 -> SEAM_NOTFOUND, 422/403 -> SEAM_PERMANENT.
 */
seam_err_t seam_drupal_set_order_fields(seam_upstream_t *u, const char *cid, const char *bundle,
					const char *order_uuid, json_t *attributes, json_t **order,
					seam_drupal_outcome_t *oc, seam_error_t *err);

/*
 * The uuid of the order with this order number: GET /jsonapi/commerce_order/{bundle}
 * ?filter[order_number]=N (for providers whose reference is the order number, such as an
 * Adyen merchantReference). SEAM_NOTFOUND when none is visible (yet). uuid: 37 bytes.
 */
seam_err_t seam_drupal_find_order_by_number(seam_upstream_t *u, const char *cid,
					 const char *bundle, const char *order_number,
					 char uuid[37], seam_drupal_outcome_t *oc, seam_error_t *err);

/* ---- payments ---- */

/*
 * GET /jsonapi/commerce_payment/{bundle}?filter[remote_id]=remote_id (bundle NULL =
 * "payment_default"). Drupal does NOT refuse a second payment with the same remote id, so
 * flows look up before they create. *payment gets the first match (a resource object, owned)
 * or NULL when there is none; *nmatch (may be NULL) the number of matches on the page (more
 * than 1 means duplicates already exist). When nothing is visible but meta.omitted says
 * matches were hidden from this account, the result is SEAM_PERMANENT: creating another
 * payment then would double it.
 */
seam_err_t seam_drupal_find_payment(seam_upstream_t *u, const char *cid, const char *bundle,
				    const char *remote_id, json_t **payment, size_t *nmatch,
				    seam_drupal_outcome_t *oc, seam_error_t *err);

typedef struct seam_drupal_payment {
	const char *bundle;       /* payment type: payment_default | payment_manual [payment_default] */
	const char *state;        /* e.g. "completed", "authorization"; required */
	seam_drupal_money_t amount;
	const char *remote_id;    /* the PSP's id; required (it is the lookup key) */
	const char *remote_state; /* NULL: not sent */
	const char *gateway_mode; /* payment_gateway_mode, "test" | "live" | "n/a"; required:
				   * Drupal answers 422 without it */
	const char *gateway;      /* commerce_payment_gateway: its UUID, or its machine name
				   * (then resolved with seam_drupal_gateway_uuid first) */
	const char *order_uuid;   /* required */
	const char *order_bundle; /* [default] */
} seam_drupal_payment_t;

/*
 * POST /jsonapi/commerce_payment/{bundle} with attributes state, amount, remote_id,
 * remote_state, payment_gateway_mode and relationships order_id and payment_gateway, as in
 * payment-create.request.json. *created gets the created resource document (201), owned.
 * Not idempotent: call seam_drupal_find_payment first (a retried create after a timeout must
 * look up again). 422 and 403 -> SEAM_PERMANENT with Drupal's errors in the message.
 */
seam_err_t seam_drupal_create_payment(seam_upstream_t *u, const char *cid,
				      const seam_drupal_payment_t *p, json_t **created,
				      seam_drupal_outcome_t *oc, seam_error_t *err);

/*
 * The UUID of a payment gateway config entity from its machine name ("manual", "stripe"):
 * JSON:API relationships only take UUIDs. Lists
 * /jsonapi/commerce_payment_gateway/commerce_payment_gateway (core JSON:API cannot filter
 * config entities) and matches attributes.drupal_internal__id. Needs an account allowed to
 * view gateways. SEAM_NOTFOUND when no gateway has that name. out: 37 bytes.
 */
seam_err_t seam_drupal_gateway_uuid(seam_upstream_t *u, const char *cid, const char *machine_name,
				    char out[37], seam_drupal_outcome_t *oc, seam_error_t *err);

typedef struct seam_drupal_transition {
	const char *transition;            /* capture | void | expire | partially_refund | refund */
	const seam_drupal_money_t *amount; /* NULL: null (the whole balance) */
	const char *remote_state;          /* NULL: null */
	const char *idempotency_key;       /* required; body and Idempotency-Key header */
} seam_drupal_transition_t;

/*
 * POST /seam/payment/{uuid}/transition?_format=json (the seam_bridge module;
 * application/json; _format=json because the module's route declares the JSON format) with
 * {"transition","amount","remote_state","idempotency_key"}. The bridge replays the first
 * answer for a key it has seen ("replayed": true), so retrying with the same key is safe.
 *   200 -> SEAM_OK, *payment = {"uuid","state","amount","refunded_amount","remote_id",
 *          "remote_state","order_uuid","replayed"} (owned; may be NULL to ignore)
 *   409 -> SEAM_CONFLICT, current_state (may be NULL; SEAM_DRUPAL_STATE_MAX bytes) = the
 *          payment's state; the flow records the illegal transition instead of applying it
 *   404 -> SEAM_NOTFOUND, 403/422 -> SEAM_PERMANENT
 */
seam_err_t seam_drupal_payment_transition(seam_upstream_t *u, const char *cid,
					  const char *payment_uuid,
					  const seam_drupal_transition_t *t, json_t **payment,
					  char *current_state, seam_drupal_outcome_t *oc,
					  seam_error_t *err);

/* ---- storefront events (events.c) ---- */

/*
 * An order event of the storefront module (contracts/bridge/v1/event.schema.json), the body
 * of POST /webhooks/drupal/{store} once its Standard Webhooks signature verified:
 *   {"type": "order.placed", "timestamp": "...", "data": {"order_uuid", "order_id",
 *    "order_number", "store_uuid", "state", "workflow", "transition", "total": {"number",
 *    "currency_code"} | null}}
 * A thin event: seam reads the order itself over JSON:API before it acts. Its identity is the
 * delivery's webhook-id header, not a field of the body.
 */
typedef struct seam_drupal_event {
	const char *type;         /* "order.placed", "order.canceled", ... */
	const char *order_uuid;   /* data.order_uuid */
	const char *store_uuid;   /* data.store_uuid: the commerce_store; NULL when absent */
	const char *order_number; /* NULL until the order is placed (or when absent) */
	const char *state;        /* the order's state after the transition; may be NULL */
	const char *total;        /* data.total.number; NULL when the order has no total */
	const char *currency;     /* data.total.currency_code; NULL likewise */
} seam_drupal_event_t;

/*
 * Reads a parsed storefront event. Every pointer in *out is borrowed from doc. SEAM_OK, or
 * SEAM_PARSE when seam cannot use it, with *reason (may be NULL; a static, stable word for the
 * quarantine record): "missing_type" (not an object, or no type) or "missing_order_uuid".
 */
seam_err_t seam_drupal_event_read(const json_t *doc, seam_drupal_event_t *out,
				  const char **reason);

/* ---- catalog: products, variations, attribute values (products.c) ---- */

/*
 * The catalog flow's calls (docs/catalog.md). A product is found by the PIM identity kept in
 * the storefront module's base field seam_pim_id (JSON:API attribute "seam_pim_id"), a
 * variation by its SKU; both are written with JSON:API POST (create, 201) and PATCH (only the
 * attributes and relationships sent change). Drupal has no bulk write and pages hold at most
 * 50 resources. Bundles NULL = "default".
 *
 * A create is not idempotent: Drupal takes a second product with the same seam_pim_id (Commerce
 * refuses only a duplicate SKU, 422 "The SKU ... is already in use"), so a create retried after
 * a timeout must look up first, which the flow does: every apply starts with the lookups.
 */

/*
 * GET /jsonapi/commerce_product/{bundle}?filter[seam_pim_id]={pim_id}&include=variations.
 * *product: the first matching product resource (owned) or NULL when there is none;
 * *variations: a JSON array (owned, never NULL on SEAM_OK) of its variation resources, in the
 * order of its `variations` relationship (only those included: a variation the account may
 * not see is missing); *nmatch (may be NULL): how many products matched (more than 1: a
 * duplicate was made by hand; the flow uses the first and says so).
 * Matches are exact (Drupal's "=" is case-insensitive; a case variant is not a match). When
 * nothing visible matches but Drupal hid matches from the account (meta.omitted), the result
 * is SEAM_PERMANENT: creating one would double it. The same holds for find_variation.
 */
seam_err_t seam_drupal_find_product(seam_upstream_t *u, const char *cid, const char *bundle,
				    const char *pim_id, json_t **product, json_t **variations,
				    size_t *nmatch, seam_drupal_outcome_t *oc, seam_error_t *err);

/* GET /jsonapi/commerce_product_variation/{bundle}?filter[sku]={sku}: *variation the match
 * (owned) or NULL when none. Its product is relationship product_id. */
seam_err_t seam_drupal_find_variation(seam_upstream_t *u, const char *cid, const char *bundle,
				      const char *sku, json_t **variation,
				      seam_drupal_outcome_t *oc, seam_error_t *err);

/* One write. entity is "commerce_product" or "commerce_product_variation"; uuid NULL means
 * create (POST), else PATCH of that resource. attributes: a JSON object (borrowed; may be
 * empty). relationships: a JSON object of name -> {"data": identifier | [identifiers] | null}
 * (borrowed; NULL: none), e.g. {"variations": {"data": [{"type":
 * "commerce_product_variation--default", "id": "..."}]}}. *out (may be NULL): the resource
 * object Drupal answered (owned). 422/403 -> SEAM_PERMANENT with Drupal's errors (which field,
 * why) in the message; 404 on a PATCH -> SEAM_NOTFOUND (deleted meanwhile). */
typedef struct seam_drupal_write {
	const char *entity;   /* commerce_product | commerce_product_variation */
	const char *bundle;   /* [default] */
	const char *uuid;     /* NULL: create */
	json_t *attributes;
	json_t *relationships;
} seam_drupal_write_t;

seam_err_t seam_drupal_write_entity(seam_upstream_t *u, const char *cid,
				    const seam_drupal_write_t *w, json_t **out,
				    seam_drupal_outcome_t *oc, seam_error_t *err);

/*
 * The uuid of the product attribute value named `name` of attribute `attribute` (e.g. "color",
 * "black"): GET /jsonapi/commerce_product_attribute_value/{attribute}?filter[name]={name};
 * when there is none and create is set, POST one ({"name": name}) and return its uuid.
 * SEAM_NOTFOUND when there is none and create is 0. uuid: 37 bytes.
 */
seam_err_t seam_drupal_attribute_value(seam_upstream_t *u, const char *cid,
				       const char *attribute, const char *name, int create,
				       char uuid[37], seam_drupal_outcome_t *oc, seam_error_t *err);

/*
 * Whether the variation type generates its variations' titles (Commerce's "Generate variation
 * titles based on attribute values", attribute generateTitle of the config entity
 * commerce_product_variation_type; on for a fresh site's default type): Drupal then replaces
 * any title it is sent. *generated 1 or 0. SEAM_NOTFOUND when the type is not visible; 403
 * (an account that may not view config) -> SEAM_PERMANENT.
 */
seam_err_t seam_drupal_variation_titles(seam_upstream_t *u, const char *cid, const char *bundle,
					int *generated, seam_drupal_outcome_t *oc, seam_error_t *err);

/* Called once per product of a walk: the product resource and its variations (array of the
 * included variation resources, as seam_drupal_find_product gives them); both borrowed for
 * the call. A code other than SEAM_OK stops the walk and is its result. */
typedef seam_err_t (*seam_drupal_product_fn)(json_t *product, json_t *variations, void *ud);

/*
 * Every product of the bundle that carries a seam_pim_id (filter seam_pim_id IS NOT NULL),
 * sorted by drupal_internal__product_id, include=variations, pages of page_limit (<= 50; 0:
 * 50), following links.next through the upstream's own collection path (as list_orders). One
 * page is held at a time. *pages (may be NULL): pages fetched. The unpublish sweep of a full
 * rebuild: it compares with what Drupal holds, not with seam's own record.
 */
seam_err_t seam_drupal_walk_products(seam_upstream_t *u, const char *cid, const char *bundle,
				     int page_limit, seam_drupal_product_fn fn, void *ud,
				     int *pages, seam_drupal_outcome_t *oc, seam_error_t *err);

/*
 * A product's translation through the storefront module (JSON:API reads and PATCHes existing
 * translations but cannot create one): GET or PUT
 * (DELETE) /seam/catalog/product/{uuid}/translation/{langcode} (docs/bridge.md, "Catalog translations").
 * A translation is {"langcode", "title", "body": {"value", "format"} | null, "variations":
 * {variation uuid: {"title"}}}. get: *translation (owned) or NULL when the product has none in
 * that language yet. put: values {"title", "body", "variations"} create or update it; the
 * answer in *translation (owned; may be NULL). delete: the product's and its variations'
 * translations in that language go (none there is fine). SEAM_UNSUPPORTED when the site does not have
 * the language enabled (409 language_unavailable) or the module lacks the endpoint; 422 ->
 * SEAM_PERMANENT with the module's detail; 404 not_found -> SEAM_NOTFOUND.
 */
seam_err_t seam_drupal_translation_get(seam_upstream_t *u, const char *cid,
				       const char *product_uuid, const char *langcode,
				       json_t **translation, seam_drupal_outcome_t *oc,
				       seam_error_t *err);
seam_err_t seam_drupal_translation_delete(seam_upstream_t *u, const char *cid,
					  const char *product_uuid, const char *langcode,
					  seam_drupal_outcome_t *oc, seam_error_t *err);
seam_err_t seam_drupal_translation_put(seam_upstream_t *u, const char *cid,
				       const char *product_uuid, const char *langcode,
				       const json_t *values, json_t **translation,
				       seam_drupal_outcome_t *oc, seam_error_t *err);

/* ---- reading JSON:API documents (all borrowed; NULL-safe) ---- */

/* doc.data (object for a single resource, array for a collection) or NULL. */
json_t *seam_drupal_data(json_t *doc);
/* resource.type / resource.id, or NULL. */
const char *seam_drupal_type(json_t *res);
const char *seam_drupal_id(json_t *res);
/* resource.attributes.<name>, or NULL when absent. */
json_t *seam_drupal_attr(json_t *res, const char *name);
/* The attribute when it is a string, else NULL. */
const char *seam_drupal_attr_str(json_t *res, const char *name);
/* An RFC 3339 timestamp attribute ("2026-11-26T15:31:07+00:00") as Unix seconds. SEAM_OK,
 * SEAM_NOTFOUND (absent or null) or SEAM_PARSE. */
seam_err_t seam_drupal_attr_time(json_t *res, const char *name, int64_t *unix_s);
/* A price attribute {number, currency_code}. number may be a string (Drupal's form) or an
 * integer; a float is refused (it would not be exact). SEAM_OK, SEAM_NOTFOUND (absent or
 * null: an empty order's total_price) or SEAM_PARSE with a message. */
seam_err_t seam_drupal_attr_money(json_t *res, const char *name, seam_drupal_money_t *out,
				  seam_error_t *err);
/* Number of resource identifiers in relationship rel (0 for null or absent, 1 for to-one). */
size_t seam_drupal_rel_count(json_t *res, const char *rel);
/* The i-th resource identifier {type, id} of relationship rel, or NULL. */
json_t *seam_drupal_rel(json_t *res, const char *rel, size_t i);
/* The resource with this type and id in doc.included (or doc.data), or NULL. */
json_t *seam_drupal_included(json_t *doc, const char *type, const char *id);
/* seam_drupal_included for the i-th identifier of relationship rel of res, or NULL (not
 * included, or no such relationship). */
json_t *seam_drupal_related(json_t *doc, json_t *res, const char *rel, size_t i);

#endif
