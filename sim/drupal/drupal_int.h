/*
 * drupal_int.h: what the files of the Drupal Commerce double (sim/drupal/) share, and nobody
 * else: the design notes, the double's struct, the resource type and workflow tables, and the
 * helpers one file calls in another (seam__sim_drupal_*). The API is sim/sim_drupal.h. The
 * files were the sections of one sim_drupal.c; each keeps its section's code as it was:
 *
 *   types.c        the JSON:API resource types and their fields
 *   workflows.c    the order and payment workflows and their lookups
 *   entities.c     the entity store: create and register entities, relationships, prices, times
 *   orders.c       orders, payments, events: totals, total_paid, transitions, order events
 *   seed.c         seeding: config entities, users, catalogue and order history from the seed
 *   http.c         HTTP helpers: administrator check, documents and errors, type routing
 *   get.c          GET: index, collections, single and related resources
 *   write.c        writes: reading a document, generic field checks and updates
 *   write_types.c  writes per type: POST and PATCH of orders, items, payments, products
 *   bridge.c       the seam_bridge payment-transition endpoint
 *   control.c      the control API (/_sim/drupal/orders...)
 *   translations.c the seam_bridge catalog translation endpoint (JSON:API cannot create
 *                  translations)
 *   catalog.c      the catalog's control API (/_sim/drupal/faults, /catalog, /ping) and the
 *                  lookup indexes (SKU, seam_pim_id, attribute value name) that keep a bench
 *                  of 10,000 products from scanning every entity per request
 *   stock.c        the storefront module's seam_stock on variations (validation, stored
 *                  form) and its availability check on order items
 *   lifecycle.c    the route table, create, reset, destroy
 *
 * Storage: every resource is a seam_sim_ent_t (attributes and relationships as JSON, in the
 * order Drupal prints them) in one array, with a uuid index. Domain rules read and write the
 * attributes directly: a state is attrs.state, a price is attrs.total_price.number. Amounts are
 * exact decimals at Drupal's scale (numeric(19,6)) and print trimmed, as Calculator::trim does
 * ("39.98", "0").
 *
 * Domain rules kept (Drupal Commerce 3.2's workflows and PaymentOrderUpdater):
 *   - order workflows order_default, order_default_validation, order_fulfillment,
 *     order_fulfillment_validation; a PATCH of `state` must match a transition from the
 *     current state, else 422 "state.0: The state 'x' is invalid."; nothing leaves completed
 *     or canceled;
 *   - place: `placed` set, order_number = order id when empty, cart = false; any transition
 *     into completed sets `completed`;
 *   - payments: `authorized` set on entering authorization, `completed` set the first time the
 *     state is completed; refunded_amount starts at 0;
 *   - total_paid = sum(amount - refunded_amount) over payments of the order whose `completed`
 *     timestamp is set (authorizations do not count, refunds reduce it); balance =
 *     total_price - total_paid; paid = balance <= 0 (zero totals: state not draft/canceled);
 *     order.paid fires once (data.paid_event_dispatched), and a draft paid through an off-site
 *     gateway is placed;
 *   - a JSON:API POST of an order needs order_number (422, as the captured site answers);
 *     orders made by the control API or the seed may be drafts without a number;
 *   - a payment cannot be PATCHed (403, even for an administrator);
 *   - catalog (Commerce 3.2's Product/ProductVariation postSave): saving a product sets
 *     product_id on each listed variation whose product_id is empty; saving a variation with
 *     a product_id adds it to that product's variations when missing (the product it left
 *     keeps listing it until its own variations are written); a SKU is unique (422);
 *   - stock (drupal/seam_bridge): a variation's seam_stock (NULL = no limit) bounds what the
 *     lines of a draft order hold of it (422 with the module's message, stock.c).
 *
 * Indexes: entities of one type are also kept in d->by_type (creation order), and the
 * attributes in the index table (catalog.c) map a value to the uuids that had it (a superset:
 * an entry is added on every write and never removed, so readers re-check the value). A
 * collection filtered with "=" on an indexed attribute starts from the index's candidates.
 *
 * Thread-safety: as sim_drupal.h says, every handler runs under the double's mutex (d->mu).
 */
#ifndef SEAM_SIM_DRUPAL_DRUPAL_INT_H
#define SEAM_SIM_DRUPAL_DRUPAL_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "sim/sim_core.h"
#include "sim/sim_drupal.h"
#include "sim/sim_jsonapi.h"
#include "sim/sim_rng.h"
#include "sim/sim_send.h"

#define SCALE 6 /* Drupal price columns: numeric(19,6) */
#define VND "application/vnd.api+json"

/* ---- resource types (types.c) ---- */

enum {
	T_ORDER, T_ITEM, T_PAYMENT_DEFAULT, T_PAYMENT_MANUAL, T_PRODUCT, T_VARIATION, T_STORE,
	T_GATEWAY, T_PROFILE, T_USER, T_ORDER_TYPE, T_ITEM_TYPE, T_PRODUCT_TYPE, T_VARIATION_TYPE,
	T_STORE_TYPE, T_PROFILE_TYPE, T_CURRENCY, T_ATTRIBUTE, T_ATTR_COLOR, T_ATTR_SIZE, T__COUNT
};

extern const seam_sim_ja_type_t seam__sim_drupal_types[T__COUNT];

/* ---- workflows (workflows.c) ---- */

typedef struct transition {
	const char *id;
	const char *from[4];
	const char *to;
} transition_t;

typedef struct workflow {
	const char *id;
	const char *states[8];
	transition_t tr[8];
} workflow_t;

const workflow_t *seam__sim_drupal_workflow_get(const char *id);
int seam__sim_drupal_wf_has_state(const workflow_t *w, const char *s);
const transition_t *seam__sim_drupal_wf_find(const workflow_t *w, const char *from, const char *to);
const transition_t *seam__sim_drupal_wf_by_id(const workflow_t *w, const char *id,
					      const char *from);

/* ---- the double (entities.c) ---- */

typedef struct store_cfg {
	char *name, *seam_store, *currency, *uuid, *mail, *country;
} store_cfg_t;

typedef struct gateway_cfg {
	char *id, *label, *plugin, *mode, *payment_type;
	int offsite;
} gateway_cfg_t;

struct seam_sim_drupal {
	pthread_mutex_t mu;
	uint64_t seed;
	char *user, *password;
	const workflow_t *workflow;
	store_cfg_t *stores;
	size_t nstores;
	gateway_cfg_t *gateways;
	size_t ngateways;
	int64_t n_products, n_variations, n_customers, n_orders;
	double paid_fraction, hidden_fraction;
	int64_t epoch_s;
	/* events */
	char *events_url, *events_secret;
	double events_drop_rate;
	json_t *event_types; /* array of enabled types */
	seam_sim_sender_t *sender;
	seam_sim_rng_t events_rng;
	/* data */
	seam_sim_rng_t rng;
	seam_sim_ent_t **ents;
	size_t n, cap;
	json_t *by_uuid;   /* uuid -> index into ents */
	int64_t next_id[T__COUNT];
	json_t *idem;      /* transition idempotency keys -> {request, response} */
	seam_sim_ent_t **pays; /* the payments, for PaymentOrderUpdater's scan */
	size_t npays, cappays;
	seam_sim_ja_env_t env;
	seam_sim_ent_t *admin;
	int quiet; /* seeding: no events */
	char want_uuid[37]; /* a client-generated id for the next entity created (POST data.id) */
	/* catalog */
	seam_sim_ent_t **by_type[T__COUNT]; /* every entity of a type, in creation order */
	size_t ntype[T__COUNT], captype[T__COUNT];
	json_t *ix;     /* "<type index>:<attr>" -> {value: [uuid...]} (catalog.c) */
	json_t *reject; /* fault switch: SKUs and seam_pim_ids whose writes get 422 (a set) */
	json_t *translations; /* uuid -> {langcode -> {title, body}} (translations.c) */
	/* the last collection's matches in order (get.c): a walk's next page reuses them while
	 * nothing was written; as Drupal's database answers each page from its index */
	struct {
		char *key;             /* type, access, filter and sort */
		seam_sim_ent_t **list;
		size_t n;
		uint64_t writes;       /* seam_sim_writes when it was made */
		size_t nents;          /* d->n then */
	} page_cache;
};

seam_sim_ent_t *seam__sim_drupal_lookup(void *ctx, const char *uuid);
const seam_sim_ja_type_t *seam__sim_drupal_type_by_name(void *ctx, const char *name);
int seam__sim_drupal_type_index(const seam_sim_ja_type_t *t);
int64_t seam__sim_drupal_now_s(void);
json_t *seam__sim_drupal_ts_json(int64_t s);
json_t *seam__sim_drupal_price_json(int64_t v, const char *cur);
int seam__sim_drupal_price_get(const json_t *p, int64_t *v, const char **cur);
void seam__sim_drupal_ent_free(seam_sim_ent_t *e);
seam_sim_ent_t *seam__sim_drupal_ent_new(seam_sim_drupal_t *d, int t, const char *sid,
					 const char *uuid);
void seam__sim_drupal_set_rel(seam_sim_ent_t *e, const char *name, seam_sim_ent_t *target);
void seam__sim_drupal_add_rel(seam_sim_ent_t *e, const char *name, seam_sim_ent_t *target);
seam_sim_ent_t *seam__sim_drupal_rel_target(seam_sim_drupal_t *d, const seam_sim_ent_t *e,
					    const char *name);
seam_sim_ent_t *seam__sim_drupal_find_sid(seam_sim_drupal_t *d, int t, const char *sid);
const char *seam__sim_drupal_attr_str(const seam_sim_ent_t *e, const char *k);
void seam__sim_drupal_touch(seam_sim_ent_t *e, int64_t t);

/* ---- orders, payments, events (orders.c) ---- */

void seam__sim_drupal_order_recompute(seam_sim_drupal_t *d, seam_sim_ent_t *o);
void seam__sim_drupal_check_paid(seam_sim_drupal_t *d, seam_sim_ent_t *o, int64_t t);
void seam__sim_drupal_order_saved(seam_sim_ent_t *o, int64_t t);
void seam__sim_drupal_order_transition(seam_sim_drupal_t *d, seam_sim_ent_t *o,
				       const transition_t *tr, int64_t t);
int seam__sim_drupal_is_payment(const seam_sim_ent_t *e);
void seam__sim_drupal_order_update_paid(seam_sim_drupal_t *d, seam_sim_ent_t *o, int64_t t);
seam_sim_ent_t *seam__sim_drupal_order_of(seam_sim_drupal_t *d, const seam_sim_ent_t *e);
void seam__sim_drupal_item_recompute(seam_sim_ent_t *it);
json_t *seam__sim_drupal_unit_price_for(seam_sim_drupal_t *d, const seam_sim_ent_t *store,
					const seam_sim_ent_t *v);
seam_sim_ent_t *seam__sim_drupal_product_new(seam_sim_drupal_t *d, int64_t t);
seam_sim_ent_t *seam__sim_drupal_variation_new(seam_sim_drupal_t *d, int64_t t, int status);

/* ---- seeding (seed.c) ---- */

/* A billing profile (California, the first store's country) linked to order o (seed.c). */
void seam__sim_drupal_billing_profile(seam_sim_drupal_t *d, seam_sim_ent_t *o, seam_sim_ent_t *cust,
				      int64_t line_no, int64_t t);
seam_sim_ent_t *seam__sim_drupal_new_order(seam_sim_drupal_t *d, seam_sim_ent_t *store,
					   seam_sim_ent_t *customer, const char *mail,
					   const char *number, const char *state, int64_t t);
seam_sim_ent_t *seam__sim_drupal_new_item(seam_sim_drupal_t *d, seam_sim_ent_t *order,
					  seam_sim_ent_t *variation, const char *title,
					  const char *qty, json_t *unit_price, int64_t t);
seam_sim_ent_t *seam__sim_drupal_new_payment(seam_sim_drupal_t *d, int t_idx, seam_sim_ent_t *order,
					     seam_sim_ent_t *gateway, const char *mode,
					     json_t *amount, const char *state,
					     const char *remote_id, const char *remote_state,
					     int64_t t);
void seam__sim_drupal_item_link(seam_sim_ent_t *order, seam_sim_ent_t *item);
/* Drops the collection cache (get.c); data being freed or reseeded. */
void seam__sim_drupal_page_cache_clear(seam_sim_drupal_t *d);
void seam__sim_drupal_free_data(seam_sim_drupal_t *d);
seam_err_t seam__sim_drupal_seed(seam_sim_drupal_t *d, seam_error_t *err);

/* ---- HTTP: helpers (http.c) ---- */

int seam__sim_drupal_is_admin(seam_sim_drupal_t *d, const seam_sim_call_t *c);
void seam__sim_drupal_reply_doc(seam_sim_call_t *c, int status, json_t *doc);
void seam__sim_drupal_fail(seam_sim_call_t *c, int status, const char *pointer, const char *fmt,
			   ...) __attribute__((format(printf, 4, 5)));
void seam__sim_drupal_challenge(seam_sim_call_t *c);
const seam_sim_ja_type_t *seam__sim_drupal_type_for(const char *et, const char *bundle);
void seam__sim_drupal_no_route(seam_sim_call_t *c);
void seam__sim_drupal_omitted_add(json_t *links, const seam_sim_ent_t *e, const char *base);

/* ---- GET (get.c) ---- */

void seam__sim_drupal_h_index(seam_sim_call_t *c, void *ctx);
void seam__sim_drupal_h_collection(seam_sim_call_t *c, void *ctx);
seam_sim_ent_t *seam__sim_drupal_find_individual(seam_sim_drupal_t *d, seam_sim_call_t *c,
						 const seam_sim_ja_type_t *t, int admin);
void seam__sim_drupal_h_individual(seam_sim_call_t *c, void *ctx);
void seam__sim_drupal_h_related(seam_sim_call_t *c, void *ctx);

/* ---- writes: documents and generic field checks (write.c) ---- */

json_t *seam__sim_drupal_read_doc(seam_sim_call_t *c, const seam_sim_ja_type_t *t, const char *uuid,
				  json_t **doc);
int seam__sim_drupal_check_fields(seam_sim_drupal_t *d, seam_sim_call_t *c,
				  const seam_sim_ja_type_t *t, const seam_sim_ent_t *e,
				  const json_t *data);
void seam__sim_drupal_apply_fields(seam_sim_drupal_t *d, seam_sim_ent_t *e, const json_t *data,
				   const char *const *skip);
void seam__sim_drupal_reply_created(seam_sim_call_t *c, const seam_sim_ent_t *e, int status);
json_t *seam__sim_drupal_attr_in(const json_t *data, const char *k);
seam_sim_ent_t *seam__sim_drupal_rel_in(seam_sim_drupal_t *d, const json_t *data, const char *k);
int seam__sim_drupal_null_or_empty(const json_t *v);

/* ---- writes per type (write_types.c) ---- */

void seam__sim_drupal_h_post(seam_sim_call_t *c, void *ctx);
void seam__sim_drupal_h_patch(seam_sim_call_t *c, void *ctx);

/* ---- the seam_bridge payment-transition endpoint (bridge.c) ---- */

json_t *seam__sim_drupal_plain_price(const json_t *p);
void seam__sim_drupal_h_transition(seam_sim_call_t *c, void *ctx);

/* ---- control API (control.c) ---- */

void seam__sim_drupal_h_sim_orders(seam_sim_call_t *c, void *ctx);
void seam__sim_drupal_h_sim_order_transition(seam_sim_call_t *c, void *ctx);

/* ---- catalog: indexes, fault switch, catalog read (catalog.c) ---- */

/* Records e's current values of the indexed attributes of its type. Lock held. */
void seam__sim_drupal_index(seam_sim_drupal_t *d, const seam_sim_ent_t *e);
/* The uuids (borrowed array, may be NULL) that had value in the indexed attribute attr of
 * type t; -1 when (t, attr) is not indexed. Lock held. */
int seam__sim_drupal_index_get(seam_sim_drupal_t *d, int t, const char *attr, const char *value,
			       json_t **uuids);
/* The entity of type t (other than self) whose attribute attr is value (compared
 * case-insensitively, as Drupal's entity query does), through the index; NULL when none.
 * Lock held. */
seam_sim_ent_t *seam__sim_drupal_find_by(seam_sim_drupal_t *d, int t, const char *attr,
					 const char *value, const seam_sim_ent_t *self);
/* Candidates for a collection of type t under filter q: the index's entities when the filter
 * has an "=" on an indexed attribute, else every entity of t. *out is malloc'd (free it);
 * the filter still has to be applied. Lock held. */
seam_err_t seam__sim_drupal_candidates(seam_sim_drupal_t *d, const seam_sim_ja_type_t *t,
				       const seam_sim_ja_query_t *q, seam_sim_ent_t ***out,
				       size_t *n);
/* The fault switch: 1 (after answering 422) when a write of entity type ti (stored entity e,
 * may be NULL; request data) touches a rejected SKU or seam_pim_id. Lock held. */
int seam__sim_drupal_rejected(seam_sim_drupal_t *d, seam_sim_call_t *c, int ti,
			      const seam_sim_ent_t *e, const json_t *data);
/* Seeds the product attributes color and size (config entities). Lock held. */
seam_err_t seam__sim_drupal_seed_attributes(seam_sim_drupal_t *d);
void seam__sim_drupal_h_faults(seam_sim_call_t *c, void *ctx);
void seam__sim_drupal_h_translation_get(seam_sim_call_t *c, void *ctx);
void seam__sim_drupal_h_translation_put(seam_sim_call_t *c, void *ctx);
void seam__sim_drupal_h_translation_delete(seam_sim_call_t *c, void *ctx);
void seam__sim_drupal_h_catalog(seam_sim_call_t *c, void *ctx);

/* ---- stock: the storefront module's seam_stock and availability check (stock.c) ---- */

/* Checks data's seam_stock (absent and null pass): a number from 0 to 9999999999.9999, else
 * 422 at /data/attributes/seam_stock/value. Returns 0, or -1 after answering. */
int seam__sim_drupal_stock_check(seam_sim_call_t *c, const json_t *data);
/* Stores the checked seam_stock of data on variation v (rounded to 4 decimals, printed with 4),
 * when data has one. Lock held. */
void seam__sim_drupal_stock_store(seam_sim_ent_t *v, const json_t *data);
/* 1 (after answering 422 at /data/attributes/<field>) when a line (item: the stored line on
 * PATCH, else NULL) of order (may be NULL) holding quantity (JSON string or integer; NULL = 1)
 * of variation v would take more than v's seam_stock together with the order's other lines of
 * v; 0 when it fits, v has no stock limit, or the order is not a draft. Lock held. */
int seam__sim_drupal_stock_refuses(seam_sim_drupal_t *d, seam_sim_call_t *c,
				   const seam_sim_ent_t *item, const seam_sim_ent_t *v,
				   const seam_sim_ent_t *order, const json_t *quantity,
				   const char *field);
void seam__sim_drupal_h_ping(seam_sim_call_t *c, void *ctx);

#endif
