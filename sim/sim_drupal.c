/*
 * sim_drupal.c: the Drupal Commerce double.
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
 *   - a payment cannot be PATCHed (403, even for an administrator).
 */
#include "sim/sim_drupal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "sim/sim_jsonapi.h"
#include "sim/sim_money.h"
#include "sim/sim_rng.h"

#define SCALE 6 /* Drupal price columns: numeric(19,6) */
#define VND "application/vnd.api+json"

/* ---- resource types ---- */

#define F(n, k) {n, SEAM_SIM_JA_##k, NULL, 0}
#define FR(n, k) {n, SEAM_SIM_JA_##k, NULL, SEAM_SIM_JA_RO}
#define R(n, t) {n, SEAM_SIM_JA_REL, t, 0}
#define RS(n, t) {n, SEAM_SIM_JA_RELS, t, 0}
#define RR(n, t) {n, SEAM_SIM_JA_REL, t, SEAM_SIM_JA_RO}

static const seam_sim_ja_field_t order_fields[] = {
	FR("drupal_internal__order_id", INT), F("order_number", STR), FR("version", INT),
	F("mail", STR), F("ip_address", STR), FR("adjustments", MAP), FR("total_price", PRICE),
	FR("total_paid", PRICE), FR("balance", PRICE), F("state", STR), F("data", MAP),
	F("locked", BOOL), FR("created", TS), FR("changed", TS), FR("placed", TS),
	FR("completed", TS), F("customer_comments", STR), F("cart", BOOL), F("checkout_step", STR),
	F("seam_erp_number", STR), F("seam_external_refs", MAP),
	RR("commerce_order_type", "commerce_order_type--commerce_order_type"),
	R("store_id", "commerce_store--online"), R("uid", "user--user"),
	R("billing_profile", "profile--customer"), RS("order_items", "commerce_order_item--default"),
	R("checkout_flow", "commerce_checkout_flow--commerce_checkout_flow"),
	R("payment_gateway", "commerce_payment_gateway--commerce_payment_gateway"),
	R("payment_method", "commerce_payment_method--credit_card"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t item_fields[] = {
	FR("drupal_internal__order_item_id", INT), F("title", STR), F("overridden_title", BOOL),
	F("quantity", DEC), F("unit_price", PRICE), F("overridden_unit_price", BOOL),
	FR("total_price", PRICE), FR("adjustments", MAP), F("uses_legacy_adjustments", BOOL),
	F("data", MAP), F("locked", BOOL), FR("created", TS), FR("changed", TS),
	RR("commerce_order_item_type", "commerce_order_item_type--commerce_order_item_type"),
	R("order_id", "commerce_order--default"),
	R("purchased_entity", "commerce_product_variation--default"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t payment_fields[] = {
	FR("drupal_internal__payment_id", INT), FR("commerce_payment_type", STR),
	F("payment_gateway_mode", STR), F("remote_id", STR), F("remote_state", STR),
	F("amount", PRICE), F("refunded_amount", PRICE), F("state", STR), F("authorized", TS),
	F("expires", TS), F("completed", TS), F("avs_response_code", STR),
	F("avs_response_code_label", STR), F("test", BOOL), F("captured", TS),
	R("payment_gateway", "commerce_payment_gateway--commerce_payment_gateway"),
	R("payment_method", "commerce_payment_method--credit_card"),
	R("order_id", "commerce_order--default"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t product_fields[] = {
	FR("drupal_internal__product_id", INT), F("langcode", STR), F("status", BOOL),
	F("title", STR), F("path", MAP), FR("created", TS), FR("changed", TS),
	F("default_langcode", BOOL), F("body", MAP),
	RR("commerce_product_type", "commerce_product_type--commerce_product_type"),
	R("uid", "user--user"), RS("stores", "commerce_store--online"),
	RS("variations", "commerce_product_variation--default"),
	R("default_variation", "commerce_product_variation--default"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t variation_fields[] = {
	FR("drupal_internal__variation_id", INT), F("langcode", STR), F("status", BOOL),
	F("sku", STR), F("title", STR), F("list_price", PRICE), F("price", PRICE),
	F("field_stock_level", MAP), FR("created", TS), FR("changed", TS),
	F("default_langcode", BOOL),
	RR("commerce_product_variation_type",
	   "commerce_product_variation_type--commerce_product_variation_type"),
	R("uid", "user--user"), R("product_id", "commerce_product--default"), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t store_fields[] = {
	FR("drupal_internal__store_id", INT), F("langcode", STR), F("name", STR), F("mail", STR),
	F("timezone", STR), F("address", MAP), F("billing_countries", MAP), F("path", MAP),
	F("is_default", BOOL), FR("created", TS), FR("changed", TS), F("default_langcode", BOOL),
	RR("commerce_store_type", "commerce_store_type--commerce_store_type"),
	R("uid", "user--user"), R("default_currency", "commerce_currency--commerce_currency"),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t gateway_fields[] = {
	FR("drupal_internal__id", STR), F("langcode", STR), F("status", BOOL), F("label", STR),
	F("weight", INT), F("plugin", STR), F("configuration", MAP), F("conditions", MAP),
	F("conditionOperator", STR), {NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t profile_fields[] = {
	FR("drupal_internal__profile_id", INT), F("status", BOOL), F("is_default", BOOL),
	F("data", MAP), FR("created", TS), FR("changed", TS), F("address", MAP),
	RR("profile_type", "profile_type--profile_type"), R("uid", "user--user"),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t user_fields[] = {
	FR("drupal_internal__uid", INT), F("langcode", STR), F("name", STR), F("mail", STR),
	F("timezone", STR), F("status", BOOL), FR("created", TS), FR("changed", TS),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t config_fields[] = {
	FR("drupal_internal__id", STR), F("langcode", STR), F("status", BOOL), F("label", STR),
	{NULL, 0, NULL, 0}};

static const seam_sim_ja_field_t currency_fields[] = {
	FR("drupal_internal__currencyCode", STR), F("langcode", STR), F("status", BOOL),
	F("name", STR), F("currencyCode", STR), F("symbol", STR), F("numericCode", STR),
	F("fractionDigits", INT), {NULL, 0, NULL, 0}};

enum {
	T_ORDER, T_ITEM, T_PAYMENT_DEFAULT, T_PAYMENT_MANUAL, T_PRODUCT, T_VARIATION, T_STORE,
	T_GATEWAY, T_PROFILE, T_USER, T_ORDER_TYPE, T_ITEM_TYPE, T_PRODUCT_TYPE, T_VARIATION_TYPE,
	T_STORE_TYPE, T_PROFILE_TYPE, T_CURRENCY, T__COUNT
};

static const seam_sim_ja_type_t types[T__COUNT] = {
	[T_ORDER] = {"commerce_order--default", "commerce_order", "default", order_fields},
	[T_ITEM] = {"commerce_order_item--default", "commerce_order_item", "default", item_fields},
	[T_PAYMENT_DEFAULT] = {"commerce_payment--payment_default", "commerce_payment",
			       "payment_default", payment_fields},
	[T_PAYMENT_MANUAL] = {"commerce_payment--payment_manual", "commerce_payment",
			      "payment_manual", payment_fields},
	[T_PRODUCT] = {"commerce_product--default", "commerce_product", "default", product_fields},
	[T_VARIATION] = {"commerce_product_variation--default", "commerce_product_variation",
			 "default", variation_fields},
	[T_STORE] = {"commerce_store--online", "commerce_store", "online", store_fields},
	[T_GATEWAY] = {"commerce_payment_gateway--commerce_payment_gateway",
		       "commerce_payment_gateway", "commerce_payment_gateway", gateway_fields},
	[T_PROFILE] = {"profile--customer", "profile", "customer", profile_fields},
	[T_USER] = {"user--user", "user", "user", user_fields},
	[T_ORDER_TYPE] = {"commerce_order_type--commerce_order_type", "commerce_order_type",
			  "commerce_order_type", config_fields},
	[T_ITEM_TYPE] = {"commerce_order_item_type--commerce_order_item_type",
			 "commerce_order_item_type", "commerce_order_item_type", config_fields},
	[T_PRODUCT_TYPE] = {"commerce_product_type--commerce_product_type", "commerce_product_type",
			    "commerce_product_type", config_fields},
	[T_VARIATION_TYPE] = {"commerce_product_variation_type--commerce_product_variation_type",
			      "commerce_product_variation_type", "commerce_product_variation_type",
			      config_fields},
	[T_STORE_TYPE] = {"commerce_store_type--commerce_store_type", "commerce_store_type",
			  "commerce_store_type", config_fields},
	[T_PROFILE_TYPE] = {"profile_type--profile_type", "profile_type", "profile_type",
			    config_fields},
	[T_CURRENCY] = {"commerce_currency--commerce_currency", "commerce_currency",
			"commerce_currency", currency_fields},
};

/* ---- workflows ---- */

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

static const workflow_t workflows[] = {
	{"order_default",
	 {"draft", "completed", "canceled"},
	 {{"place", {"draft"}, "completed"}, {"cancel", {"draft"}, "canceled"}}},
	{"order_default_validation",
	 {"draft", "validation", "completed", "canceled"},
	 {{"place", {"draft"}, "validation"},
	  {"validate", {"validation"}, "completed"},
	  {"cancel", {"draft", "validation"}, "canceled"}}},
	{"order_fulfillment",
	 {"draft", "fulfillment", "completed", "canceled"},
	 {{"place", {"draft"}, "fulfillment"},
	  {"fulfill", {"fulfillment"}, "completed"},
	  {"cancel", {"draft", "fulfillment"}, "canceled"}}},
	{"order_fulfillment_validation",
	 {"draft", "validation", "fulfillment", "completed", "canceled"},
	 {{"place", {"draft"}, "validation"},
	  {"validate", {"validation"}, "fulfillment"},
	  {"fulfill", {"fulfillment"}, "completed"},
	  {"cancel", {"draft", "validation", "fulfillment"}, "canceled"}}},
	{"payment_default",
	 {"new", "authorization", "authorization_voided", "authorization_expired", "completed",
	  "partially_refunded", "refunded"},
	 {{"authorize", {"new"}, "authorization"},
	  {"void", {"authorization"}, "authorization_voided"},
	  {"expire", {"authorization"}, "authorization_expired"},
	  {"authorize_capture", {"new"}, "completed"},
	  {"capture", {"authorization"}, "completed"},
	  {"partially_refund", {"completed"}, "partially_refunded"},
	  {"refund", {"completed", "partially_refunded"}, "refunded"}}},
	{"payment_manual",
	 {"new", "pending", "completed", "partially_refunded", "refunded", "voided"},
	 {{"create", {"new"}, "pending"},
	  {"receive", {"pending", "new"}, "completed"},
	  {"partially_refund", {"completed"}, "partially_refunded"},
	  {"refund", {"completed", "partially_refunded"}, "refunded"},
	  {"void", {"pending"}, "voided"}}},
};

static const workflow_t *workflow_get(const char *id)
{
	for (size_t i = 0; i < sizeof workflows / sizeof *workflows; i++)
		if (!strcmp(workflows[i].id, id))
			return &workflows[i];
	return NULL;
}

static int wf_has_state(const workflow_t *w, const char *s)
{
	for (int i = 0; i < 8 && w->states[i]; i++)
		if (!strcmp(w->states[i], s))
			return 1;
	return 0;
}

/* The transition from -> to, or NULL. */
static const transition_t *wf_find(const workflow_t *w, const char *from, const char *to)
{
	for (int i = 0; i < 8 && w->tr[i].id; i++) {
		if (strcmp(w->tr[i].to, to))
			continue;
		for (int k = 0; k < 4 && w->tr[i].from[k]; k++)
			if (!strcmp(w->tr[i].from[k], from))
				return &w->tr[i];
	}
	return NULL;
}

static const transition_t *wf_by_id(const workflow_t *w, const char *id, const char *from)
{
	for (int i = 0; i < 8 && w->tr[i].id; i++) {
		if (strcmp(w->tr[i].id, id))
			continue;
		for (int k = 0; k < 4 && w->tr[i].from[k]; k++)
			if (!strcmp(w->tr[i].from[k], from))
				return &w->tr[i];
	}
	return NULL;
}

/* ---- the double ---- */

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
};

static seam_sim_ent_t *lookup(void *ctx, const char *uuid)
{
	seam_sim_drupal_t *d = ctx;
	json_t *ix = uuid ? json_object_get(d->by_uuid, uuid) : NULL;
	return ix ? d->ents[json_integer_value(ix)] : NULL;
}

static const seam_sim_ja_type_t *type_by_name(void *ctx, const char *name)
{
	(void)ctx;
	for (int i = 0; i < T__COUNT; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

static int type_index(const seam_sim_ja_type_t *t)
{
	return (int)(t - types);
}

static int64_t now_s(void)
{
	return seam_now_ms() / 1000;
}

static json_t *ts_json(int64_t s)
{
	char buf[32];
	seam_sim_time_drupal(s, buf);
	return json_string(buf);
}

/* A price value {number, currency_code, formatted} from units of 10^-6. */
static json_t *price_json(int64_t v, const char *cur)
{
	char num[SEAM_SIM_DEC_MAX], fmt[64];
	seam_sim_dec_format(v, SCALE, 0, num);
	seam_sim_money_formatted(v, SCALE, cur, fmt, sizeof fmt);
	return json_pack("{s:s, s:s, s:s}", "number", num, "currency_code", cur, "formatted", fmt);
}

/* Reads a stored or given price. Returns 0, or -1 when absent/invalid. */
static int price_get(const json_t *p, int64_t *v, const char **cur)
{
	const char *num = json_string_value(json_object_get(p, "number"));
	const char *c = json_string_value(json_object_get(p, "currency_code"));
	if (!num || !c || seam_sim_currency_digits(c) < 0 || seam_sim_dec_parse(num, SCALE, v))
		return -1;
	if (cur)
		*cur = c;
	return 0;
}

static void ent_free(seam_sim_ent_t *e)
{
	if (!e)
		return;
	json_decref(e->attrs);
	json_decref(e->rels);
	json_decref(e->ref);
	free(e->sid);
	free(e);
}

/* Creates an entity of type t with a fresh uuid and the next serial id (sid for config
 * entities), registers it. Caller fills attrs (after the internal id, already set). */
static seam_sim_ent_t *ent_new(seam_sim_drupal_t *d, int t, const char *sid, const char *uuid)
{
	seam_sim_ent_t *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->type = &types[t];
	if (uuid) {
		snprintf(e->uuid, sizeof e->uuid, "%s", uuid);
	} else if (d->want_uuid[0]) {
		snprintf(e->uuid, sizeof e->uuid, "%s", d->want_uuid);
		d->want_uuid[0] = '\0';
	} else {
		seam_sim_rng_uuid(&d->rng, e->uuid);
	}
	e->attrs = json_object();
	e->rels = json_object();
	const char *idattr = types[t].fields[0].name;
	if (sid) {
		e->sid = strdup(sid);
		json_object_set_new(e->attrs, idattr, json_string(sid));
	} else {
		int shared = t == T_PAYMENT_MANUAL ? T_PAYMENT_DEFAULT : t; /* one payment id space */
		e->iid = ++d->next_id[shared];
		json_object_set_new(e->attrs, idattr, json_integer(e->iid));
	}
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 1024;
		seam_sim_ent_t **p = realloc(d->ents, nc * sizeof *p);
		if (!p) {
			ent_free(e);
			return NULL;
		}
		d->ents = p;
		d->cap = nc;
	}
	json_object_set_new(d->by_uuid, e->uuid, json_integer((json_int_t)d->n));
	d->ents[d->n++] = e;
	if (t == T_PAYMENT_DEFAULT || t == T_PAYMENT_MANUAL) {
		if (d->npays == d->cappays) {
			size_t nc = d->cappays ? d->cappays * 2 : 64;
			seam_sim_ent_t **p = realloc(d->pays, nc * sizeof *p);
			if (!p)
				return NULL; /* registered already; freed with the data */
			d->pays = p;
			d->cappays = nc;
		}
		d->pays[d->npays++] = e;
	}
	return e;
}

static void set_rel(seam_sim_ent_t *e, const char *name, seam_sim_ent_t *target)
{
	json_object_set_new(e->rels, name, target ? seam_sim_ja_ref(target) : json_null());
}

static void add_rel(seam_sim_ent_t *e, const char *name, seam_sim_ent_t *target)
{
	json_t *a = json_object_get(e->rels, name);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(e->rels, name, a);
	}
	json_array_append_new(a, seam_sim_ja_ref(target));
}

static seam_sim_ent_t *rel_target(seam_sim_drupal_t *d, const seam_sim_ent_t *e,
				  const char *name)
{
	json_t *r = json_object_get(e->rels, name);
	return json_is_object(r) ? lookup(d, json_string_value(json_object_get(r, "id"))) : NULL;
}

static seam_sim_ent_t *find_sid(seam_sim_drupal_t *d, int t, const char *sid)
{
	/* config entities are made first, before the bulk of the data */
	for (size_t i = 0; i < d->n; i++)
		if (d->ents[i]->type == &types[t] && d->ents[i]->sid && !strcmp(d->ents[i]->sid, sid))
			return d->ents[i];
	return NULL;
}

static const char *attr_str(const seam_sim_ent_t *e, const char *k)
{
	return json_string_value(json_object_get(e->attrs, k));
}

static void touch(seam_sim_ent_t *e, int64_t t)
{
	json_object_set_new(e->attrs, "changed", ts_json(t));
}

/* ---- orders, payments, events ---- */

static const store_cfg_t *store_cfg_of(seam_sim_drupal_t *d, const seam_sim_ent_t *order)
{
	json_t *r = json_object_get(order->rels, "store_id");
	const char *uuid = json_string_value(json_object_get(r, "id"));
	for (size_t i = 0; uuid && i < d->nstores; i++)
		if (d->stores[i].uuid && !strcmp(d->stores[i].uuid, uuid))
			return &d->stores[i];
	return NULL;
}

static void emit(seam_sim_drupal_t *d, const seam_sim_ent_t *order, const char *type,
		 const char *transition)
{
	if (!d->sender || !d->events_url || d->quiet)
		return;
	int enabled = 0;
	size_t i;
	json_t *v;
	json_array_foreach(d->event_types, i, v)
		if (!strcmp(json_string_value(v), type))
			enabled = 1;
	if (!enabled)
		return;
	const store_cfg_t *sc = store_cfg_of(d, order);
	json_t *tp = json_object_get(order->attrs, "total_price");
	json_t *total = json_is_object(tp)
				? json_pack("{s:O, s:O}", "number", json_object_get(tp, "number"),
					    "currency_code", json_object_get(tp, "currency_code"))
				: json_null();
	char ts[32];
	time_t now = (time_t)(seam_now_ms() / 1000);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *body = json_pack(
		"{s:s, s:s, s:{s:s, s:I, s:O, s:s?, s:O, s:s, s:s?, s:o}}", "type", type, "timestamp",
		ts, "data", "order_uuid", order->uuid, "order_id", (json_int_t)order->iid,
		"order_number", json_object_get(order->attrs, "order_number"), "store_uuid",
		sc ? sc->uuid : NULL, "state", json_object_get(order->attrs, "state"), "workflow",
		d->workflow->id, "transition", transition, "total", total);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return;
	char url[1024], id[64], uuid[SEAM_UUID_STR_LEN];
	seam_uuid4(uuid);
	snprintf(id, sizeof id, "msg_%s", uuid);
	snprintf(url, sizeof url, "%s/webhooks/drupal/%s", d->events_url,
		 sc && sc->seam_store ? sc->seam_store : "default");
	seam_sim_delivery_t del = {
		.url = url,
		.body = text,
		.len = strlen(text),
		.event_id = id,
		.event_type = type,
		.sign = SEAM_SIM_SIGN_STANDARD,
		.secret = d->events_secret,
		.lose = d->events_drop_rate > 0 &&
			seam_sim_rng_double(&d->events_rng) < d->events_drop_rate,
	};
	seam_sim_sender_send(d->sender, &del);
	free(text);
}

/* Sums the linked order items into total_price and recomputes balance. */
static void order_recompute(seam_sim_drupal_t *d, seam_sim_ent_t *o)
{
	json_t *items = json_object_get(o->rels, "order_items");
	int64_t sum = 0;
	const char *cur = NULL;
	size_t i;
	json_t *ref;
	json_array_foreach(items, i, ref) {
		seam_sim_ent_t *it = lookup(d, json_string_value(json_object_get(ref, "id")));
		int64_t v;
		const char *c;
		if (it && price_get(json_object_get(it->attrs, "total_price"), &v, &c) == 0) {
			sum += v;
			cur = c;
		}
	}
	if (!cur) {
		json_object_set_new(o->attrs, "total_price", json_null());
		json_object_set_new(o->attrs, "balance", json_null());
		return;
	}
	char curbuf[4];
	snprintf(curbuf, sizeof curbuf, "%s", cur);
	json_object_set_new(o->attrs, "total_price", price_json(sum, curbuf));
	int64_t paid = 0;
	price_get(json_object_get(o->attrs, "total_paid"), &paid, NULL);
	json_object_set_new(o->attrs, "balance", price_json(sum - paid, curbuf));
}

static int order_is_paid(const seam_sim_ent_t *o)
{
	int64_t total, paid = 0;
	if (price_get(json_object_get(o->attrs, "total_price"), &total, NULL) != 0)
		return 0;
	const char *state = attr_str(o, "state");
	if (total == 0)
		return state && strcmp(state, "draft") && strcmp(state, "canceled");
	price_get(json_object_get(o->attrs, "total_paid"), &paid, NULL);
	return total - paid <= 0;
}

static void order_transition(seam_sim_drupal_t *d, seam_sim_ent_t *o, const transition_t *tr,
			     int64_t t);

static int gateway_offsite(seam_sim_drupal_t *d, const seam_sim_ent_t *gw)
{
	for (size_t i = 0; gw && i < d->ngateways; i++)
		if (gw->sid && !strcmp(d->gateways[i].id, gw->sid))
			return d->gateways[i].offsite;
	return 0;
}

/* OrderStorage::doOrderPreSave: the paid event fires once, when the order becomes paid. */
static void check_paid(seam_sim_drupal_t *d, seam_sim_ent_t *o, int64_t t)
{
	json_t *data = json_object_get(o->attrs, "data");
	json_t *flag = json_object_get(data, "paid_event_dispatched");
	if (!json_is_false(flag) || !order_is_paid(o))
		return;
	json_object_set_new(data, "paid_event_dispatched", json_true());
	emit(d, o, "order.paid", NULL);
	/* OrderPaidSubscriber: an off-site gateway's paid draft is placed and unlocked */
	const char *state = attr_str(o, "state");
	if (state && !strcmp(state, "draft") && gateway_offsite(d, rel_target(d, o, "payment_gateway"))) {
		const transition_t *tr = wf_by_id(d->workflow, "place", "draft");
		if (tr)
			order_transition(d, o, tr, t);
		json_object_set_new(o->attrs, "locked", json_false());
	}
}

static void order_saved(seam_sim_ent_t *o, int64_t t)
{
	json_t *v = json_object_get(o->attrs, "version");
	json_object_set_new(o->attrs, "version", json_integer(json_integer_value(v) + 1));
	touch(o, t);
}

static void order_transition(seam_sim_drupal_t *d, seam_sim_ent_t *o, const transition_t *tr,
			     int64_t t)
{
	json_object_set_new(o->attrs, "state", json_string(tr->to));
	if (!strcmp(tr->id, "place")) {
		json_object_set_new(o->attrs, "placed", ts_json(t));
		const char *num = attr_str(o, "order_number");
		if (!num || !*num) {
			char buf[24];
			snprintf(buf, sizeof buf, "%lld", (long long)o->iid);
			json_object_set_new(o->attrs, "order_number", json_string(buf));
		}
		json_object_set_new(o->attrs, "cart", json_false());
	}
	if (!strcmp(tr->to, "completed"))
		json_object_set_new(o->attrs, "completed", ts_json(t));
	const char *ev = !strcmp(tr->id, "place")      ? "order.placed"
			 : !strcmp(tr->id, "cancel")   ? "order.canceled"
			 : !strcmp(tr->id, "fulfill")  ? "order.fulfilled"
			 : !strcmp(tr->id, "validate") ? "order.validated"
						       : "order.updated";
	emit(d, o, ev, tr->id);
	check_paid(d, o, t);
}

static int is_payment(const seam_sim_ent_t *e)
{
	return e->type == &types[T_PAYMENT_DEFAULT] || e->type == &types[T_PAYMENT_MANUAL];
}

/* PaymentOrderUpdater::updateOrders: total_paid from scratch over completed payments. */
static void order_update_paid(seam_sim_drupal_t *d, seam_sim_ent_t *o, int64_t t)
{
	int64_t sum = 0;
	int any = 0;
	char cur[4] = "";
	seam_sim_ent_t *first_gw = NULL;
	for (size_t i = 0; i < d->npays; i++) {
		seam_sim_ent_t *p = d->pays[i];
		json_t *r = json_object_get(p->rels, "order_id");
		const char *oid = json_string_value(json_object_get(r, "id"));
		if (!oid || strcmp(oid, o->uuid))
			continue;
		json_t *completed = json_object_get(p->attrs, "completed");
		if (!completed || json_is_null(completed))
			continue;
		int64_t amount, refunded = 0;
		const char *c;
		if (price_get(json_object_get(p->attrs, "amount"), &amount, &c) != 0)
			continue;
		price_get(json_object_get(p->attrs, "refunded_amount"), &refunded, NULL);
		sum += amount - refunded;
		snprintf(cur, sizeof cur, "%s", c);
		any = 1;
		if (!first_gw)
			first_gw = rel_target(d, p, "payment_gateway");
	}
	if (!any)
		return;
	json_object_set_new(o->attrs, "total_paid", price_json(sum, cur));
	json_t *gw = json_object_get(o->rels, "payment_gateway");
	if ((!gw || json_is_null(gw)) && first_gw)
		set_rel(o, "payment_gateway", first_gw);
	order_recompute(d, o);
	order_saved(o, t);
	check_paid(d, o, t);
}

/* The order a payment or item belongs to. */
static seam_sim_ent_t *order_of(seam_sim_drupal_t *d, const seam_sim_ent_t *e)
{
	seam_sim_ent_t *o = rel_target(d, e, "order_id");
	return o && o->type == &types[T_ORDER] ? o : NULL;
}

static void item_recompute(seam_sim_ent_t *it)
{
	int64_t unit, qty, total;
	const char *cur;
	if (price_get(json_object_get(it->attrs, "unit_price"), &unit, &cur) != 0) {
		json_object_set_new(it->attrs, "total_price", json_null());
		return;
	}
	const char *q = attr_str(it, "quantity");
	if (!q || seam_sim_dec_parse(q, SCALE, &qty) != 0)
		qty = 1000000;
	/* OrderItem::recalculateTotalPrice multiplies, then the price is rounded to the
	 * currency's digits (Rounder, half up) */
	if (seam_sim_dec_mul(unit, SCALE, qty, SCALE, SCALE, &total) != 0)
		total = 0;
	int digits = seam_sim_currency_digits(cur);
	total = seam_sim_dec_rescale(seam_sim_dec_rescale(total, SCALE, digits), digits, SCALE);
	char curbuf[4];
	snprintf(curbuf, sizeof curbuf, "%s", cur);
	json_object_set_new(it->attrs, "total_price", price_json(total, curbuf));
}

/* The unit price of variation v in an order of store: the variation's price, or, in a store
 * whose currency differs, the same number in the store's currency rounded to its digits (a
 * per-store price list, as multi-currency sites run; plain Commerce would put the variation's
 * currency on an order of the EU store). New reference. */
static json_t *unit_price_for(seam_sim_drupal_t *d, const seam_sim_ent_t *store,
			      const seam_sim_ent_t *v)
{
	json_t *p = json_object_get(v->attrs, "price");
	const char *cur = NULL, *want = NULL;
	int64_t units;
	for (size_t i = 0; store && i < d->nstores; i++)
		if (d->stores[i].uuid && !strcmp(d->stores[i].uuid, store->uuid))
			want = d->stores[i].currency;
	if (!want || price_get(p, &units, &cur) != 0 || !strcmp(cur, want))
		return json_deep_copy(p);
	int digits = seam_sim_currency_digits(want);
	units = seam_sim_dec_rescale(seam_sim_dec_rescale(units, SCALE, digits), digits, SCALE);
	return price_json(units, want);
}

/* A product as Drupal stores it (title, stores and variations are the caller's). */
static seam_sim_ent_t *product_new(seam_sim_drupal_t *d, int64_t t)
{
	seam_sim_ent_t *p = ent_new(d, T_PRODUCT, NULL, NULL);
	if (!p)
		return NULL;
	json_t *a = p->attrs;
	json_object_set_new(a, "langcode", json_string("en"));
	json_object_set_new(a, "status", json_true());
	json_object_set_new(a, "title", json_null());
	json_object_set_new(a, "path", json_pack("{s:n, s:n, s:s}", "alias", "pid", "langcode", "en"));
	json_object_set_new(a, "created", ts_json(t));
	json_object_set_new(a, "changed", ts_json(t));
	json_object_set_new(a, "default_langcode", json_true());
	json_object_set_new(a, "body", json_null());
	set_rel(p, "commerce_product_type", find_sid(d, T_PRODUCT_TYPE, "default"));
	set_rel(p, "uid", d->admin);
	json_object_set_new(p->rels, "stores", json_array());
	json_object_set_new(p->rels, "variations", json_array());
	return p;
}

/* A variation as Drupal stores it (sku, title, price, stock and product are the caller's). */
static seam_sim_ent_t *variation_new(seam_sim_drupal_t *d, int64_t t, int status)
{
	seam_sim_ent_t *v = ent_new(d, T_VARIATION, NULL, NULL);
	if (!v)
		return NULL;
	json_t *a = v->attrs;
	json_object_set_new(a, "langcode", json_string("en"));
	json_object_set_new(a, "status", json_boolean(status));
	json_object_set_new(a, "sku", json_null());
	json_object_set_new(a, "title", json_null());
	json_object_set_new(a, "list_price", json_null());
	json_object_set_new(a, "price", json_null());
	json_object_set_new(a, "field_stock_level", json_null());
	json_object_set_new(a, "created", ts_json(t));
	json_object_set_new(a, "changed", ts_json(t));
	json_object_set_new(a, "default_langcode", json_true());
	set_rel(v, "commerce_product_variation_type", find_sid(d, T_VARIATION_TYPE, "default"));
	set_rel(v, "uid", d->admin);
	set_rel(v, "product_id", NULL);
	return v;
}

/* ---- seeding ---- */

static seam_sim_ent_t *config_ent(seam_sim_drupal_t *d, int t, const char *id, const char *label)
{
	seam_sim_ent_t *e = ent_new(d, t, id, NULL);
	if (!e)
		return NULL;
	json_object_set_new(e->attrs, "langcode", json_string("en"));
	json_object_set_new(e->attrs, "status", json_true());
	json_object_set_new(e->attrs, "label", json_string(label));
	e->is_protected = 1;
	return e;
}

static seam_sim_ent_t *new_user(seam_sim_drupal_t *d, const char *name, const char *mail,
				int64_t t)
{
	seam_sim_ent_t *u = ent_new(d, T_USER, NULL, NULL);
	if (!u)
		return NULL;
	json_object_set_new(u->attrs, "langcode", json_string("en"));
	json_object_set_new(u->attrs, "name", json_string(name));
	json_object_set_new(u->attrs, "mail", json_string(mail));
	json_object_set_new(u->attrs, "timezone", json_string("UTC"));
	json_object_set_new(u->attrs, "status", json_true());
	json_object_set_new(u->attrs, "created", ts_json(t));
	json_object_set_new(u->attrs, "changed", ts_json(t));
	u->is_protected = 1;
	return u;
}

static seam_sim_ent_t *new_order(seam_sim_drupal_t *d, seam_sim_ent_t *store,
				 seam_sim_ent_t *customer, const char *mail, const char *number,
				 const char *state, int64_t t)
{
	seam_sim_ent_t *o = ent_new(d, T_ORDER, NULL, NULL);
	if (!o)
		return NULL;
	json_t *a = o->attrs;
	json_object_set_new(a, "order_number", number ? json_string(number) : json_null());
	json_object_set_new(a, "version", json_integer(1));
	json_object_set_new(a, "mail", mail ? json_string(mail) : json_null());
	json_object_set_new(a, "ip_address", json_string("127.0.0.1"));
	json_object_set_new(a, "adjustments", json_array());
	json_object_set_new(a, "total_price", json_null());
	json_object_set_new(a, "total_paid", json_null());
	json_object_set_new(a, "balance", json_null());
	json_object_set_new(a, "state", json_string(state));
	json_object_set_new(a, "data", !strcmp(state, "draft")
					       ? json_pack("{s:b}", "paid_event_dispatched", 0)
					       : json_object());
	json_object_set_new(a, "locked", json_false());
	json_object_set_new(a, "created", ts_json(t));
	json_object_set_new(a, "changed", ts_json(t));
	json_object_set_new(a, "placed", json_null());
	json_object_set_new(a, "completed", json_null());
	json_object_set_new(a, "customer_comments", json_null());
	json_object_set_new(a, "cart", json_false());
	json_object_set_new(a, "checkout_step", json_null());
	json_object_set_new(a, "seam_erp_number", json_null());
	json_object_set_new(a, "seam_external_refs", json_null());
	set_rel(o, "commerce_order_type", find_sid(d, T_ORDER_TYPE, "default"));
	set_rel(o, "store_id", store);
	set_rel(o, "uid", customer);
	set_rel(o, "billing_profile", NULL);
	json_object_set_new(o->rels, "order_items", json_array());
	set_rel(o, "checkout_flow", NULL);
	set_rel(o, "payment_gateway", NULL);
	set_rel(o, "payment_method", NULL);
	o->is_protected = 1;
	return o;
}

static seam_sim_ent_t *new_item(seam_sim_drupal_t *d, seam_sim_ent_t *order,
				seam_sim_ent_t *variation, const char *title, const char *qty,
				json_t *unit_price, int64_t t)
{
	seam_sim_ent_t *it = ent_new(d, T_ITEM, NULL, NULL);
	if (!it)
		return NULL;
	json_t *a = it->attrs;
	json_object_set_new(a, "title", json_string(title ? title : ""));
	json_object_set_new(a, "overridden_title", json_false());
	json_object_set_new(a, "quantity", json_string(qty ? qty : "1"));
	json_object_set_new(a, "unit_price", unit_price ? unit_price : json_null());
	json_object_set_new(a, "overridden_unit_price", json_false());
	json_object_set_new(a, "total_price", json_null());
	json_object_set_new(a, "adjustments", json_array());
	json_object_set_new(a, "uses_legacy_adjustments", json_false());
	json_object_set_new(a, "data", json_null());
	json_object_set_new(a, "locked", json_false());
	json_object_set_new(a, "created", ts_json(t));
	json_object_set_new(a, "changed", ts_json(t));
	set_rel(it, "commerce_order_item_type", find_sid(d, T_ITEM_TYPE, "default"));
	set_rel(it, "order_id", order);
	set_rel(it, "purchased_entity", variation);
	it->is_protected = 1;
	item_recompute(it);
	return it;
}

static seam_sim_ent_t *new_payment(seam_sim_drupal_t *d, int t_idx, seam_sim_ent_t *order,
				   seam_sim_ent_t *gateway, const char *mode, json_t *amount,
				   const char *state, const char *remote_id, const char *remote_state,
				   int64_t t)
{
	seam_sim_ent_t *p = ent_new(d, t_idx, NULL, NULL);
	if (!p)
		return NULL;
	json_t *a = p->attrs;
	const char *cur = json_string_value(json_object_get(amount, "currency_code"));
	json_object_set_new(a, "commerce_payment_type", json_string(types[t_idx].bundle));
	json_object_set_new(a, "payment_gateway_mode", json_string(mode));
	json_object_set_new(a, "remote_id", remote_id ? json_string(remote_id) : json_null());
	json_object_set_new(a, "remote_state", remote_state ? json_string(remote_state) : json_null());
	json_object_set_new(a, "amount", amount);
	json_object_set_new(a, "refunded_amount", price_json(0, cur ? cur : "USD"));
	json_object_set_new(a, "state", json_string(state));
	json_object_set_new(a, "authorized", !strcmp(state, "authorization") ? ts_json(t) : json_null());
	json_object_set_new(a, "expires", ts_json(0));
	json_object_set_new(a, "completed", !strcmp(state, "completed") ? ts_json(t) : json_null());
	json_object_set_new(a, "avs_response_code", json_null());
	json_object_set_new(a, "avs_response_code_label", json_null());
	json_object_set_new(a, "test", json_null());
	json_object_set_new(a, "captured", json_null());
	set_rel(p, "payment_gateway", gateway);
	set_rel(p, "payment_method", NULL);
	set_rel(p, "order_id", order);
	p->is_protected = 1;
	return p;
}

static void item_link(seam_sim_ent_t *order, seam_sim_ent_t *item)
{
	add_rel(order, "order_items", item);
}

static void free_data(seam_sim_drupal_t *d)
{
	for (size_t i = 0; i < d->n; i++)
		ent_free(d->ents[i]);
	free(d->ents);
	d->ents = NULL;
	d->n = d->cap = 0;
	free(d->pays);
	d->pays = NULL;
	d->npays = d->cappays = 0;
	json_decref(d->by_uuid);
	d->by_uuid = NULL;
	json_decref(d->idem);
	d->idem = NULL;
	memset(d->next_id, 0, sizeof d->next_id);
	seam_sim_rng_dispose(&d->rng);
}

static int64_t price_units(seam_sim_drupal_t *d)
{
	/* 4.99 .. 199.99, with a few round prices */
	int64_t whole = seam_sim_rng_range(&d->rng, 4, 199);
	int64_t cents = seam_sim_rng_range(&d->rng, 0, 3) == 0 ? 0 : 99;
	return whole * 1000000 + cents * 10000;
}

static seam_err_t seed(seam_sim_drupal_t *d, seam_error_t *err)
{
	d->quiet = 1;
	seam_sim_rng_init(&d->rng, d->seed, "drupal");
	d->by_uuid = json_object();
	d->idem = json_object();
	int64_t t0 = d->epoch_s;
	d->admin = new_user(d, d->user, "admin@example.com", t0 - 90 * 86400);
	config_ent(d, T_ORDER_TYPE, "default", "Default");
	config_ent(d, T_ITEM_TYPE, "default", "Default");
	config_ent(d, T_PRODUCT_TYPE, "default", "Default");
	config_ent(d, T_VARIATION_TYPE, "default", "Default");
	config_ent(d, T_STORE_TYPE, "online", "Online");
	config_ent(d, T_PROFILE_TYPE, "customer", "Customer");
	for (size_t i = 0; i < d->ngateways; i++) {
		gateway_cfg_t *g = &d->gateways[i];
		seam_sim_ent_t *e = config_ent(d, T_GATEWAY, g->id, g->label);
		if (!e)
			goto oom;
		json_object_set_new(e->attrs, "weight", json_integer((json_int_t)i));
		json_object_set_new(e->attrs, "plugin", json_string(g->plugin));
		json_object_set_new(e->attrs, "configuration",
				    json_pack("{s:s, s:s}", "mode", g->mode, "payment_type",
					      g->payment_type));
		json_object_set_new(e->attrs, "conditions", json_array());
		json_object_set_new(e->attrs, "conditionOperator", json_string("AND"));
	}
	seam_sim_ent_t **stores = calloc(d->nstores ? d->nstores : 1, sizeof *stores);
	if (!stores)
		goto oom;
	for (size_t i = 0; i < d->nstores; i++) {
		store_cfg_t *sc = &d->stores[i];
		if (!find_sid(d, T_CURRENCY, sc->currency)) {
			seam_sim_ent_t *c = ent_new(d, T_CURRENCY, sc->currency, NULL);
			if (!c)
				goto oom;
			json_object_set_new(c->attrs, "langcode", json_string("en"));
			json_object_set_new(c->attrs, "status", json_true());
			json_object_set_new(c->attrs, "name", json_string(sc->currency));
			json_object_set_new(c->attrs, "currencyCode", json_string(sc->currency));
			json_object_set_new(c->attrs, "symbol", json_string(sc->currency));
			json_object_set_new(c->attrs, "numericCode", json_string("000"));
			json_object_set_new(c->attrs, "fractionDigits",
					    json_integer(seam_sim_currency_digits(sc->currency)));
		}
		seam_sim_ent_t *s = ent_new(d, T_STORE, NULL, sc->uuid);
		if (!s)
			goto oom;
		if (!sc->uuid)
			sc->uuid = strdup(s->uuid);
		stores[i] = s;
		json_object_set_new(s->attrs, "langcode", json_string("en"));
		json_object_set_new(s->attrs, "name", json_string(sc->name));
		json_object_set_new(s->attrs, "mail", json_string(sc->mail));
		json_object_set_new(s->attrs, "timezone", json_string("UTC"));
		json_object_set_new(s->attrs, "address",
				    json_pack("{s:s, s:s, s:s, s:s}", "country_code", sc->country,
					      "locality", "Springfield", "postal_code", "12345",
					      "address_line1", "1 Commerce Way"));
		json_object_set_new(s->attrs, "billing_countries", json_array());
		json_object_set_new(s->attrs, "path", json_pack("{s:n, s:n, s:s}", "alias", "pid",
								 "langcode", "en"));
		json_object_set_new(s->attrs, "is_default", json_boolean(i == 0));
		json_object_set_new(s->attrs, "created", ts_json(t0 - 90 * 86400));
		json_object_set_new(s->attrs, "changed", ts_json(t0 - 90 * 86400));
		json_object_set_new(s->attrs, "default_langcode", json_true());
		set_rel(s, "commerce_store_type", find_sid(d, T_STORE_TYPE, "online"));
		set_rel(s, "uid", d->admin);
		set_rel(s, "default_currency", find_sid(d, T_CURRENCY, sc->currency));
		s->is_protected = 1;
	}
	seam_sim_ent_t **customers = calloc((size_t)d->n_customers + 1, sizeof *customers);
	seam_sim_ent_t **vars = calloc((size_t)(d->n_products * d->n_variations) + 1, sizeof *vars);
	if (!customers || !vars) {
		free(customers);
		free(vars);
		free(stores);
		goto oom;
	}
	for (int64_t i = 0; i < d->n_customers; i++) {
		char name[32], mail[64];
		snprintf(name, sizeof name, "customer%lld", (long long)(i + 1));
		snprintf(mail, sizeof mail, "customer%lld@example.com", (long long)(i + 1));
		customers[i] = new_user(d, name, mail, t0 - 60 * 86400);
	}
	const char *cur = d->nstores ? d->stores[0].currency : "USD";
	size_t nv = 0;
	for (int64_t p = 0; p < d->n_products; p++) {
		int64_t tc = t0 - 30 * 86400 + p * 60;
		seam_sim_ent_t *pe = product_new(d, tc);
		if (!pe)
			break;
		char title[64];
		snprintf(title, sizeof title, "Product %lld", (long long)pe->iid);
		json_object_set_new(pe->attrs, "title", json_string(title));
		for (size_t s = 0; s < d->nstores; s++)
			add_rel(pe, "stores", stores[s]);
		for (int64_t v = 0; v < d->n_variations; v++) {
			int hidden = d->hidden_fraction > 0 &&
				     seam_sim_rng_double(&d->rng) < d->hidden_fraction;
			seam_sim_ent_t *ve = variation_new(d, tc, !hidden);
			if (!ve)
				break;
			char sku[32], vt[96];
			snprintf(sku, sizeof sku, "SKU-%06lld", (long long)ve->iid);
			snprintf(vt, sizeof vt, "%s - %lld", title, (long long)(v + 1));
			json_t *va = ve->attrs;
			json_object_set_new(va, "sku", json_string(sku));
			json_object_set_new(va, "title", json_string(vt));
			json_object_set_new(va, "price", price_json(price_units(d), cur));
			json_object_set_new(va, "field_stock_level",
					    json_pack("{s:I}", "available_stock",
						      (json_int_t)seam_sim_rng_range(&d->rng, 0, 100)));
			set_rel(ve, "product_id", pe);
			ve->hidden = hidden;
			add_rel(pe, "variations", ve);
			if (v == 0)
				set_rel(pe, "default_variation", ve);
			vars[nv++] = ve;
		}
	}
	/* orders: a deterministic mix of drafts, placed, further along, canceled */
	seam_sim_ent_t *gw_default = NULL;
	for (size_t i = 0; i < d->ngateways && !gw_default; i++)
		if (!strcmp(d->gateways[i].payment_type, "payment_default"))
			gw_default = find_sid(d, T_GATEWAY, d->gateways[i].id);
	for (int64_t i = 0; i < d->n_orders && nv > 0 && d->nstores > 0; i++) {
		seam_sim_ent_t *cust = d->n_customers
					       ? customers[seam_sim_rng_range(&d->rng, 0, d->n_customers - 1)]
					       : d->admin;
		seam_sim_ent_t *store = stores[seam_sim_rng_range(&d->rng, 0, (int64_t)d->nstores - 1)];
		int64_t tc = t0 - seam_sim_rng_range(&d->rng, 1, 30 * 86400);
		seam_sim_ent_t *o = new_order(d, store, cust, attr_str(cust, "mail"), NULL, "draft", tc);
		if (!o)
			break;
		seam_sim_ent_t *prof = ent_new(d, T_PROFILE, NULL, NULL);
		if (prof) {
			json_object_set_new(prof->attrs, "status", json_true());
			json_object_set_new(prof->attrs, "is_default", json_true());
			json_object_set_new(prof->attrs, "data", json_null());
			json_object_set_new(prof->attrs, "created", ts_json(tc));
			json_object_set_new(prof->attrs, "changed", ts_json(tc));
			char line[64], family[32];
			snprintf(line, sizeof line, "%lld Main Street", (long long)(100 + i));
			snprintf(family, sizeof family, "Buyer%lld", (long long)cust->iid);
			json_object_set_new(prof->attrs, "address",
					    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "country_code",
						      d->stores[0].country, "administrative_area", "CA",
						      "locality", "Springfield", "postal_code", "94105",
						      "address_line1", line, "given_name", "Pat",
						      "family_name", family));
			set_rel(prof, "profile_type", find_sid(d, T_PROFILE_TYPE, "customer"));
			set_rel(prof, "uid", cust);
			prof->is_protected = 1;
			json_object_set_new(o->rels, "billing_profile",
					    json_pack("{s:s, s:s, s:{s:I, s:I}}", "type",
						      types[T_PROFILE].name, "id", prof->uuid, "meta",
						      "target_revision_id", (json_int_t)prof->iid,
						      "drupal_internal__target_id", (json_int_t)prof->iid));
		}
		int64_t nitems = seam_sim_rng_range(&d->rng, 1, 3);
		for (int64_t k = 0; k < nitems; k++) {
			seam_sim_ent_t *v = vars[seam_sim_rng_range(&d->rng, 0, (int64_t)nv - 1)];
			char qty[8];
			snprintf(qty, sizeof qty, "%lld", (long long)seam_sim_rng_range(&d->rng, 1, 3));
			seam_sim_ent_t *it = new_item(d, o, v, attr_str(v, "title"), qty,
						      unit_price_for(d, store, v), tc);
			if (it)
				item_link(o, it);
		}
		order_recompute(d, o);
		/* walk the workflow: 10% stay drafts, 10% are canceled, the rest are placed and
		 * advance a random number of steps */
		double r = seam_sim_rng_double(&d->rng);
		const char *cur_state = "draft";
		int64_t tt = tc + 300;
		if (r < 0.1) {
			continue;
		} else if (r < 0.2) {
			const transition_t *tr = wf_by_id(d->workflow, "cancel", "draft");
			if (tr)
				order_transition(d, o, tr, tt);
			continue;
		}
		const transition_t *tr = wf_by_id(d->workflow, "place", cur_state);
		order_transition(d, o, tr, tt);
		int steps = (int)seam_sim_rng_range(&d->rng, 0, 2);
		for (int s = 0; s < steps; s++) {
			const char *st = attr_str(o, "state");
			const transition_t *nx = wf_by_id(d->workflow, "validate", st);
			if (!nx)
				nx = wf_by_id(d->workflow, "fulfill", st);
			if (!nx)
				break;
			tt += 3600;
			order_transition(d, o, nx, tt);
		}
		if (gw_default && seam_sim_rng_double(&d->rng) < d->paid_fraction) {
			char rid[40] = "pi_";
			seam_sim_rng_alnum(&d->rng, rid + 3, 24);
			json_t *amount = json_deep_copy(json_object_get(o->attrs, "total_price"));
			seam_sim_ent_t *p = new_payment(d, T_PAYMENT_DEFAULT, o, gw_default, "test",
							amount, "completed", rid, "succeeded", tc + 310);
			if (p)
				order_update_paid(d, o, tc + 310);
		}
	}
	free(customers);
	free(vars);
	free(stores);
	d->quiet = 0;
	return SEAM_OK;
oom:
	d->quiet = 0;
	return seam_errorf(err, SEAM_NOMEM, "drupal: out of memory while seeding");
}

/* ---- HTTP: helpers ---- */

static int is_admin(seam_sim_drupal_t *d, const seam_sim_call_t *c)
{
	char *u = NULL, *p = NULL;
	int ok = 0;
	if (seam_sim_basic_auth(seam_sim_header(c, "Authorization"), &u, &p) == 0)
		ok = seam_sim_streq_ct(u, d->user) && seam_sim_streq_ct(p, d->password);
	free(u);
	free(p);
	return ok;
}

static void reply_doc(seam_sim_call_t *c, int status, json_t *doc)
{
	seam_sim_reply_json(c, status, VND, doc);
}

/* A Drupal error document; 4xx other than 422 carry links.via (the request URL). */
static void fail(seam_sim_call_t *c, int status, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail(seam_sim_call_t *c, int status, const char *pointer, const char *fmt, ...)
{
	char detail[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	char *path = seam_sim_request_url(c);
	char *via = NULL;
	if (path && status != 422 && asprintf(&via, "%s%s", c->base_url, path) < 0)
		via = NULL;
	reply_doc(c, status, seam_sim_ja_error(status, detail, pointer, via));
	free(path);
	free(via);
}

static void challenge(seam_sim_call_t *c)
{
	seam_sim_set_header(c, "WWW-Authenticate", "Basic realm=\"seam sim Drupal\"");
	fail(c, 401, NULL, "No authentication credentials provided.");
}

static const seam_sim_ja_type_t *type_for(const char *et, const char *bundle)
{
	for (int i = 0; i < T__COUNT; i++)
		if (!strcmp(types[i].entity_type, et) && !strcmp(types[i].bundle, bundle))
			return &types[i];
	return NULL;
}

static void no_route(seam_sim_call_t *c)
{
	fail(c, 404, NULL, "No route found for \"%s %s\"", c->method, c->path);
}

static void omitted_add(json_t *links, const seam_sim_ent_t *e, const char *base)
{
	char key[16] = "item--", href[512];
	uint64_t h = seam_sim_hash(e->uuid);
	static const char set[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	for (int i = 0; i < 7; i++) {
		key[6 + i] = set[h % 62];
		h /= 62;
	}
	key[13] = '\0';
	snprintf(href, sizeof href, "%s/jsonapi/%s/%s/%s", base, e->type->entity_type,
		 e->type->bundle, e->uuid);
	json_object_set_new(links, key,
			    json_pack("{s:s, s:{s:s, s:s}}", "href", href, "meta", "rel", "item",
				      "detail",
				      "The current user is not allowed to GET the selected resource."));
}

/* ---- GET ---- */

static void h_index(seam_sim_call_t *c, void *ctx)
{
	(void)ctx;
	json_t *links = json_object();
	for (int i = 0; i < T__COUNT; i++) {
		char href[256];
		snprintf(href, sizeof href, "%s/jsonapi/%s/%s", c->base_url, types[i].entity_type,
			 types[i].bundle);
		json_object_set_new(links, types[i].name, json_pack("{s:s}", "href", href));
	}
	char self[160];
	snprintf(self, sizeof self, "%s/jsonapi", c->base_url);
	json_object_set_new(links, "self", json_pack("{s:s}", "href", self));
	reply_doc(c, 200, json_pack("{s:o, s:[], s:o}", "jsonapi", seam_sim_ja_jsonapi(), "data",
				    "links", links));
}

static void h_collection(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t = type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	if (!t) {
		no_route(c);
		return;
	}
	int admin = is_admin(d, c);
	seam_sim_ja_query_t q;
	char err[600];
	pthread_mutex_lock(&d->mu);
	if (seam_sim_ja_parse(c, t, &d->env, &q, err, sizeof err) != 0) {
		pthread_mutex_unlock(&d->mu);
		seam_sim_ja_query_dispose(&q);
		fail(c, 400, NULL, "%s", err);
		return;
	}
	size_t n = 0;
	seam_sim_ent_t **list = malloc((d->n ? d->n : 1) * sizeof *list);
	for (size_t i = 0; list && i < d->n; i++) {
		seam_sim_ent_t *e = d->ents[i];
		if (e->type != t || (!admin && e->is_protected))
			continue;
		if (seam_sim_ja_match(&q, e, &d->env))
			list[n++] = e;
	}
	seam_sim_ja_sort(&q, list, n, &d->env);
	json_t *data = json_array(), *omitted = NULL, *included = json_array();
	json_t *seen = json_object();
	size_t end = (size_t)q.offset + (size_t)q.limit;
	if (end > n)
		end = n;
	size_t first = (size_t)q.offset < n ? (size_t)q.offset : n;
	seam_sim_ent_t **shown = malloc((end - first + 1) * sizeof *shown);
	size_t nshown = 0;
	for (size_t i = first; shown && i < end; i++) {
		seam_sim_ent_t *e = list[i];
		if (!admin && e->hidden) {
			if (!omitted) {
				omitted = json_object();
				json_object_set_new(
					omitted, "help",
					json_pack("{s:s}", "href",
						  "https://www.drupal.org/docs/8/modules/json-api/filtering#filters-access-control"));
			}
			omitted_add(omitted, e, c->base_url);
			continue;
		}
		json_array_append_new(data, seam_sim_ja_resource(e, c->base_url, q.fields));
		shown[nshown++] = e;
	}
	if (q.include && json_array_size(q.include))
		seam_sim_ja_include(&q, shown, nshown, &d->env, c->base_url, !admin, included, seen);
	int more = n > end;
	pthread_mutex_unlock(&d->mu);

	char *path = seam_sim_request_url(c);
	char self[2048];
	snprintf(self, sizeof self, "%s%s", c->base_url, path ? path : c->path);
	free(path);
	json_t *links = json_object();
	if (more) {
		char *next = seam_sim_ja_page_link(c, q.offset + q.limit, q.limit);
		json_object_set_new(links, "next", json_pack("{s:s}", "href", next));
		free(next);
	}
	if (q.offset > 0) {
		char *firstl = seam_sim_ja_page_link(c, 0, q.limit);
		int64_t po = q.offset - q.limit;
		char *prev = seam_sim_ja_page_link(c, po > 0 ? po : 0, q.limit);
		json_object_set_new(links, "first", json_pack("{s:s}", "href", firstl));
		json_object_set_new(links, "prev", json_pack("{s:s}", "href", prev));
		free(firstl);
		free(prev);
	}
	json_object_set_new(links, "self", json_pack("{s:s}", "href", self));
	json_t *doc = json_pack("{s:o, s:o}", "jsonapi", seam_sim_ja_jsonapi(), "data", data);
	if (omitted)
		json_object_set_new(
			doc, "meta",
			json_pack("{s:{s:s, s:o}}", "omitted", "detail",
				  "Some resources have been omitted because of insufficient authorization.",
				  "links", omitted));
	if (q.include && json_array_size(q.include))
		json_object_set_new(doc, "included", included);
	else
		json_decref(included);
	json_object_set_new(doc, "links", links);
	json_decref(seen);
	free(shown);
	free(list);
	seam_sim_ja_query_dispose(&q);
	reply_doc(c, 200, doc);
}

/* Finds the resource of the URL; answers 404/401/403 itself and returns NULL then. Lock held. */
static seam_sim_ent_t *find_individual(seam_sim_drupal_t *d, seam_sim_call_t *c,
				       const seam_sim_ja_type_t *t, int admin)
{
	seam_sim_ent_t *e = lookup(d, seam_sim_param(c, "id"));
	if (!e || e->type != t) {
		fail(c, 404, NULL,
		     "The \"%s\" parameter was not converted for the path \"/jsonapi/%s/%s/{entity}\" "
		     "(route name: \"jsonapi.%s.individual\")",
		     t->entity_type, t->entity_type, t->bundle, t->name);
		return NULL;
	}
	if (!admin && e->is_protected) {
		challenge(c);
		return NULL;
	}
	if (!admin && e->hidden) {
		fail(c, 403, NULL, "The current user is not allowed to GET the selected resource.");
		return NULL;
	}
	return e;
}

static void h_individual(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t = type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	if (!t) {
		no_route(c);
		return;
	}
	int admin = is_admin(d, c);
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *e = find_individual(d, c, t, admin);
	if (!e) {
		pthread_mutex_unlock(&d->mu);
		return;
	}
	seam_sim_ja_query_t q;
	char err[600];
	if (seam_sim_ja_parse(c, t, &d->env, &q, err, sizeof err) != 0) {
		pthread_mutex_unlock(&d->mu);
		seam_sim_ja_query_dispose(&q);
		fail(c, 400, NULL, "%s", err);
		return;
	}
	json_t *doc = json_pack("{s:o, s:o}", "jsonapi", seam_sim_ja_jsonapi(), "data",
				seam_sim_ja_resource(e, c->base_url, q.fields));
	if (q.include && json_array_size(q.include)) {
		json_t *inc = json_array(), *seen = json_object();
		seam_sim_ja_include(&q, &e, 1, &d->env, c->base_url, !admin, inc, seen);
		json_object_set_new(doc, "included", inc);
		json_decref(seen);
	}
	pthread_mutex_unlock(&d->mu);
	char self[512];
	snprintf(self, sizeof self, "%s/jsonapi/%s/%s/%s", c->base_url, t->entity_type, t->bundle,
		 e->uuid);
	json_object_set_new(doc, "links", json_pack("{s:{s:s}}", "self", "href", self));
	seam_sim_ja_query_dispose(&q);
	reply_doc(c, 200, doc);
}

static void h_related(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t = type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	const char *field = seam_sim_param(c, "field");
	const seam_sim_ja_field_t *f = t ? seam_sim_ja_field(t, field) : NULL;
	if (!f || (f->kind != SEAM_SIM_JA_REL && f->kind != SEAM_SIM_JA_RELS)) {
		no_route(c);
		return;
	}
	int admin = is_admin(d, c);
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *e = find_individual(d, c, t, admin);
	if (!e) {
		pthread_mutex_unlock(&d->mu);
		return;
	}
	json_t *refs = json_object_get(e->rels, field);
	json_t *data;
	if (json_is_array(refs)) {
		data = json_array();
		size_t i;
		json_t *r;
		json_array_foreach(refs, i, r) {
			seam_sim_ent_t *x = lookup(d, json_string_value(json_object_get(r, "id")));
			if (x && (admin || (!x->hidden && !x->is_protected)))
				json_array_append_new(data, seam_sim_ja_resource(x, c->base_url, NULL));
		}
	} else {
		seam_sim_ent_t *x = json_is_object(refs)
					    ? lookup(d, json_string_value(json_object_get(refs, "id")))
					    : NULL;
		data = x && (admin || (!x->hidden && !x->is_protected))
			       ? seam_sim_ja_resource(x, c->base_url, NULL)
			       : json_null();
	}
	pthread_mutex_unlock(&d->mu);
	char *path = seam_sim_request_url(c);
	char self[1024];
	snprintf(self, sizeof self, "%s%s", c->base_url, path ? path : c->path);
	free(path);
	reply_doc(c, 200,
		  json_pack("{s:o, s:o, s:{s:{s:s}}}", "jsonapi", seam_sim_ja_jsonapi(), "data", data,
			    "links", "self", "href", self));
}

/* ---- writes: documents and generic field checks ---- */

static json_t *read_doc(seam_sim_call_t *c, const seam_sim_ja_type_t *t, const char *uuid,
			json_t **doc)
{
	const char *ct = seam_sim_header(c, "Content-Type");
	*doc = NULL;
	if (!ct || strncasecmp(ct, VND, strlen(VND))) {
		fail(c, 415, NULL, "No route found that matches \"Content-Type: %s\"", ct ? ct : "");
		return NULL;
	}
	*doc = seam_sim_body_json(c);
	if (!*doc) {
		fail(c, 400, NULL, "Syntax error");
		return NULL;
	}
	json_t *data = json_object_get(*doc, "data");
	if (!json_is_object(data)) {
		fail(c, 400, NULL, "Missing `data`.");
		return NULL;
	}
	const char *type = json_string_value(json_object_get(data, "type"));
	if (!type) {
		fail(c, 400, NULL, "Resource object must include a \"type\".");
		return NULL;
	}
	if (strcmp(type, t->name)) {
		fail(c, 409, NULL,
		     "The provided type (%s) does not match the destination resource types (%s).", type,
		     t->name);
		return NULL;
	}
	if (uuid) {
		const char *id = json_string_value(json_object_get(data, "id"));
		if (!id || strcmp(id, uuid)) {
			fail(c, 400, NULL,
			     "The selected entity (%s) does not match the ID in the payload (%s).", uuid,
			     id ? id : "");
			return NULL;
		}
	}
	return data;
}

static int valid_value(seam_sim_ja_kind_e kind, const json_t *v)
{
	if (json_is_null(v))
		return 1;
	int64_t x;
	switch (kind) {
	case SEAM_SIM_JA_STR:
		return json_is_string(v);
	case SEAM_SIM_JA_INT:
		return json_is_integer(v);
	case SEAM_SIM_JA_DEC:
		return (json_is_string(v) && seam_sim_dec_parse(json_string_value(v), SCALE, &x) == 0) ||
		       json_is_integer(v);
	case SEAM_SIM_JA_BOOL:
		return json_is_boolean(v);
	case SEAM_SIM_JA_TS:
		return json_is_integer(v) ||
		       (json_is_string(v) && seam_sim_ja_ts(v) >= 0);
	case SEAM_SIM_JA_PRICE:
		return json_is_object(v) && price_get(v, &x, NULL) == 0;
	default:
		return 1;
	}
}

/* Checks attributes and relationships of data against t (e is the stored entity on PATCH).
 * Returns 0, or -1 after answering. Lock held. */
static int check_fields(seam_sim_drupal_t *d, seam_sim_call_t *c, const seam_sim_ja_type_t *t,
			const seam_sim_ent_t *e, const json_t *data)
{
	const char *verb = e ? "PATCH" : "POST";
	json_t *attrs = json_object_get(data, "attributes");
	json_t *rels = json_object_get(data, "relationships");
	char ptr[256];
	if ((attrs && !json_is_object(attrs)) || (rels && !json_is_object(rels))) {
		fail(c, 400, NULL, "Invalid resource object: attributes and relationships are objects.");
		return -1;
	}
	const char *k;
	json_t *v;
	json_object_foreach(attrs, k, v) {
		const seam_sim_ja_field_t *f = seam_sim_ja_field(t, k);
		snprintf(ptr, sizeof ptr, "/data/attributes/%s", k);
		if (!f || f->kind == SEAM_SIM_JA_REL || f->kind == SEAM_SIM_JA_RELS) {
			fail(c, 422, ptr, "The attribute %s does not exist on the %s resource type.", k,
			     t->name);
			return -1;
		}
		if (f->flags & SEAM_SIM_JA_RO) {
			json_t *cur = e ? json_object_get(e->attrs, k) : NULL;
			if (!cur || !json_equal(cur, v)) {
				fail(c, 403, ptr,
				     "The current user is not allowed to %s the selected field (%s).", verb,
				     k);
				return -1;
			}
		}
		if (!valid_value(f->kind, v)) {
			fail(c, 422, ptr, "%s.0.value: This value should be of the correct primitive type.",
			     k);
			return -1;
		}
	}
	json_object_foreach(rels, k, v) {
		const seam_sim_ja_field_t *f = seam_sim_ja_field(t, k);
		snprintf(ptr, sizeof ptr, "/data/relationships/%s", k);
		if (!f || (f->kind != SEAM_SIM_JA_REL && f->kind != SEAM_SIM_JA_RELS)) {
			fail(c, 422, ptr, "The relationship %s does not exist on the %s resource type.",
			     k, t->name);
			return -1;
		}
		if (f->flags & SEAM_SIM_JA_RO) {
			fail(c, 403, ptr, "The current user is not allowed to %s the selected field (%s).",
			     verb, k);
			return -1;
		}
		json_t *rd = json_object_get(v, "data");
		if (!json_is_object(v) || !rd) {
			fail(c, 400, ptr, "Invalid relationship: `data` is required for %s.", k);
			return -1;
		}
		if ((f->kind == SEAM_SIM_JA_REL && json_is_array(rd)) ||
		    (f->kind == SEAM_SIM_JA_RELS && !json_is_array(rd))) {
			fail(c, 422, ptr, "%s: the relationship data has the wrong cardinality.", k);
			return -1;
		}
		json_t *list = json_array();
		if (json_is_array(rd))
			json_array_extend(list, rd);
		else if (json_is_object(rd))
			json_array_append(list, rd);
		size_t i;
		json_t *r;
		json_array_foreach(list, i, r) {
			const char *rt = json_string_value(json_object_get(r, "type"));
			const char *rid = json_string_value(json_object_get(r, "id"));
			seam_sim_ent_t *x = lookup(d, rid);
			if (!x || !rt || strcmp(x->type->name, rt)) {
				json_decref(list);
				fail(c, 404, ptr,
				     "The resource identified by `%s:%s` (given as a relationship item) could "
				     "not be found.",
				     rt ? rt : "", rid ? rid : "");
				return -1;
			}
		}
		json_decref(list);
	}
	return 0;
}

/* Copies checked attributes (except those in skip) and relationships onto e. Lock held. */
static void apply_fields(seam_sim_drupal_t *d, seam_sim_ent_t *e, const json_t *data,
			 const char *const *skip)
{
	json_t *attrs = json_object_get(data, "attributes");
	const char *k;
	json_t *v;
	json_object_foreach(attrs, k, v) {
		int s = 0;
		for (const char *const *p = skip; p && *p; p++)
			if (!strcmp(*p, k))
				s = 1;
		const seam_sim_ja_field_t *f = seam_sim_ja_field(e->type, k);
		if (s || !f || (f->flags & SEAM_SIM_JA_RO))
			continue;
		if (f->kind == SEAM_SIM_JA_PRICE && json_is_object(v)) {
			int64_t x;
			const char *cur;
			price_get(v, &x, &cur);
			json_object_set_new(e->attrs, k, price_json(x, cur));
		} else if (f->kind == SEAM_SIM_JA_DEC && json_is_integer(v)) {
			char buf[32];
			snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
			json_object_set_new(e->attrs, k, json_string(buf));
		} else if (f->kind == SEAM_SIM_JA_TS && json_is_integer(v)) {
			json_object_set_new(e->attrs, k, ts_json(json_integer_value(v)));
		} else {
			json_object_set(e->attrs, k, v);
		}
	}
	json_t *rels = json_object_get(data, "relationships");
	json_object_foreach(rels, k, v) {
		json_t *rd = json_object_get(v, "data");
		if (json_is_array(rd)) {
			json_t *a = json_array();
			size_t i;
			json_t *r;
			json_array_foreach(rd, i, r) {
				seam_sim_ent_t *x = lookup(d, json_string_value(json_object_get(r, "id")));
				if (x)
					json_array_append_new(a, seam_sim_ja_ref(x));
			}
			json_object_set_new(e->rels, k, a);
		} else {
			set_rel(e, k, json_is_object(rd)
					      ? lookup(d, json_string_value(json_object_get(rd, "id")))
					      : NULL);
		}
	}
}

static void reply_created(seam_sim_call_t *c, const seam_sim_ent_t *e, int status)
{
	char self[512];
	snprintf(self, sizeof self, "%s/jsonapi/%s/%s/%s", c->base_url, e->type->entity_type,
		 e->type->bundle, e->uuid);
	json_t *doc = json_pack("{s:o, s:o, s:{s:{s:s}}}", "jsonapi", seam_sim_ja_jsonapi(), "data",
				seam_sim_ja_resource(e, c->base_url, NULL), "links", "self", "href",
				self);
	if (status == 201)
		seam_sim_set_header(c, "Location", self);
	reply_doc(c, status, doc);
}

static json_t *attr_in(const json_t *data, const char *k)
{
	return json_object_get(json_object_get(data, "attributes"), k);
}

static seam_sim_ent_t *rel_in(seam_sim_drupal_t *d, const json_t *data, const char *k)
{
	json_t *r = json_object_get(json_object_get(json_object_get(data, "relationships"), k), "data");
	return json_is_object(r) ? lookup(d, json_string_value(json_object_get(r, "id"))) : NULL;
}

static int null_or_empty(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v));
}

/* ---- writes per type ---- */

static void create_order(seam_sim_drupal_t *d, seam_sim_call_t *c, const json_t *data)
{
	if (null_or_empty(attr_in(data, "order_number"))) {
		fail(c, 422, "/data/attributes/order_number",
		     "order_number: This value should not be null.");
		return;
	}
	seam_sim_ent_t *store = rel_in(d, data, "store_id");
	if (!store) {
		fail(c, 422, "/data/relationships/store_id", "store_id: This value should not be null.");
		return;
	}
	json_t *st = attr_in(data, "state");
	const char *state = json_is_string(st) ? json_string_value(st) : "draft";
	if (!wf_has_state(d->workflow, state)) {
		fail(c, 422, "/data/attributes/state/0", "state.0: The state '%s' is invalid.", state);
		return;
	}
	seam_sim_ent_t *uid = rel_in(d, data, "uid");
	int64_t t = now_s();
	seam_sim_ent_t *o = new_order(d, store, uid ? uid : d->admin,
				      json_string_value(attr_in(data, "mail")),
				      json_string_value(attr_in(data, "order_number")), state, t);
	if (!o) {
		fail(c, 500, NULL, "out of memory");
		return;
	}
	apply_fields(d, o, data, NULL);
	order_recompute(d, o);
	reply_created(c, o, 201);
}

static void update_order(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *o,
			 const json_t *data)
{
	json_t *st = attr_in(data, "state");
	const transition_t *tr = NULL;
	const char *cur = attr_str(o, "state");
	if (json_is_string(st) && strcmp(json_string_value(st), cur)) {
		const char *to = json_string_value(st);
		if (!wf_has_state(d->workflow, to) || !(tr = wf_find(d->workflow, cur, to))) {
			fail(c, 422, "/data/attributes/state/0", "state.0: The state '%s' is invalid.", to);
			return;
		}
	} else if (st && !json_is_string(st)) {
		fail(c, 422, "/data/attributes/state/0", "state.0: This value should not be null.");
		return;
	}
	static const char *const skip[] = {"state", NULL};
	apply_fields(d, o, data, skip);
	int64_t t = now_s();
	order_recompute(d, o);
	if (tr)
		order_transition(d, o, tr, t);
	order_saved(o, t);
	check_paid(d, o, t);
	reply_created(c, o, 200);
}

static void create_item(seam_sim_drupal_t *d, seam_sim_call_t *c, const json_t *data)
{
	seam_sim_ent_t *v = rel_in(d, data, "purchased_entity");
	json_t *up = attr_in(data, "unit_price");
	if (null_or_empty(up) && !v) {
		fail(c, 422, "/data/attributes/unit_price", "unit_price: This value should not be null.");
		return;
	}
	json_t *qty = attr_in(data, "quantity");
	const char *title = json_string_value(attr_in(data, "title"));
	seam_sim_ent_t *it = new_item(d, rel_in(d, data, "order_id"), v,
				      title ? title : v ? attr_str(v, "title") : "",
				      json_is_string(qty) ? json_string_value(qty) : "1",
				      v ? json_deep_copy(json_object_get(v->attrs, "price")) : NULL,
				      now_s());
	if (!it) {
		fail(c, 500, NULL, "out of memory");
		return;
	}
	apply_fields(d, it, data, NULL);
	item_recompute(it);
	reply_created(c, it, 201);
}

/* Orders that list this item among their order_items. */
static void item_changed(seam_sim_drupal_t *d, const seam_sim_ent_t *it, int64_t t)
{
	for (size_t i = 0; i < d->n; i++) {
		seam_sim_ent_t *o = d->ents[i];
		if (o->type != &types[T_ORDER])
			continue;
		json_t *items = json_object_get(o->rels, "order_items");
		size_t k;
		json_t *r;
		json_array_foreach(items, k, r) {
			if (!strcmp(json_string_value(json_object_get(r, "id")), it->uuid)) {
				order_recompute(d, o);
				order_saved(o, t);
				check_paid(d, o, t);
				break;
			}
		}
	}
}

static void update_item(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *it,
			const json_t *data)
{
	int64_t t = now_s();
	apply_fields(d, it, data, NULL);
	item_recompute(it);
	touch(it, t);
	item_changed(d, it, t);
	reply_created(c, it, 200);
}

static void create_payment(seam_sim_drupal_t *d, seam_sim_call_t *c, int tidx, const json_t *data)
{
	if (null_or_empty(attr_in(data, "payment_gateway_mode"))) {
		fail(c, 422, "/data/attributes/payment_gateway_mode",
		     "payment_gateway_mode: This value should not be null.");
		return;
	}
	seam_sim_ent_t *gw = rel_in(d, data, "payment_gateway");
	if (!gw) {
		fail(c, 422, "/data/relationships/payment_gateway",
		     "payment_gateway: This value should not be null.");
		return;
	}
	json_t *amount = attr_in(data, "amount");
	if (null_or_empty(amount)) {
		fail(c, 422, "/data/attributes/amount", "amount: This value should not be null.");
		return;
	}
	seam_sim_ent_t *order = rel_in(d, data, "order_id");
	if (!order) {
		fail(c, 422, "/data/relationships/order_id", "order_id: This value should not be null.");
		return;
	}
	json_t *st = attr_in(data, "state");
	const char *state = json_is_string(st) ? json_string_value(st) : "new";
	const workflow_t *wf = workflow_get(tidx == T_PAYMENT_MANUAL ? "payment_manual"
								     : "payment_default");
	if (!wf_has_state(wf, state)) {
		fail(c, 422, "/data/attributes/state/0", "state.0: The state '%s' is invalid.", state);
		return;
	}
	int64_t v;
	const char *cur;
	price_get(amount, &v, &cur);
	int64_t t = now_s();
	seam_sim_ent_t *p = new_payment(d, tidx, order, gw,
					json_string_value(attr_in(data, "payment_gateway_mode")),
					price_json(v, cur), state,
					json_string_value(attr_in(data, "remote_id")),
					json_string_value(attr_in(data, "remote_state")), t);
	if (!p) {
		fail(c, 500, NULL, "out of memory");
		return;
	}
	apply_fields(d, p, data, NULL);
	json_t *completed = json_object_get(p->attrs, "completed");
	if (completed && !json_is_null(completed))
		order_update_paid(d, order, t);
	reply_created(c, p, 201);
}

static int sku_taken(seam_sim_drupal_t *d, const char *sku, const seam_sim_ent_t *self)
{
	for (size_t i = 0; i < d->n; i++) {
		seam_sim_ent_t *e = d->ents[i];
		if (e != self && e->type == &types[T_VARIATION] && attr_str(e, "sku") &&
		    !strcmp(attr_str(e, "sku"), sku))
			return 1;
	}
	return 0;
}

static void link_variations(seam_sim_drupal_t *d, seam_sim_ent_t *product)
{
	json_t *vars = json_object_get(product->rels, "variations");
	size_t i;
	json_t *r;
	json_array_foreach(vars, i, r) {
		seam_sim_ent_t *v = lookup(d, json_string_value(json_object_get(r, "id")));
		if (v)
			set_rel(v, "product_id", product);
	}
}

static void create_product(seam_sim_drupal_t *d, seam_sim_call_t *c, const json_t *data)
{
	if (null_or_empty(attr_in(data, "title"))) {
		fail(c, 422, "/data/attributes/title", "title: This value should not be null.");
		return;
	}
	seam_sim_ent_t *p = product_new(d, now_s());
	if (!p) {
		fail(c, 500, NULL, "out of memory");
		return;
	}
	set_rel(p, "default_variation", NULL);
	apply_fields(d, p, data, NULL);
	link_variations(d, p);
	reply_created(c, p, 201);
}

static void update_product(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *p,
			   const json_t *data)
{
	apply_fields(d, p, data, NULL);
	link_variations(d, p);
	touch(p, now_s());
	reply_created(c, p, 200);
}

static void create_variation(seam_sim_drupal_t *d, seam_sim_call_t *c, const json_t *data)
{
	json_t *sku = attr_in(data, "sku");
	if (null_or_empty(sku)) {
		fail(c, 422, "/data/attributes/sku", "sku: This value should not be null.");
		return;
	}
	if (sku_taken(d, json_string_value(sku), NULL)) {
		fail(c, 422, "/data/attributes/sku",
		     "sku: The SKU %s is already in use and must be unique.", json_string_value(sku));
		return;
	}
	seam_sim_ent_t *v = variation_new(d, now_s(), 1);
	if (!v) {
		fail(c, 500, NULL, "out of memory");
		return;
	}
	apply_fields(d, v, data, NULL);
	v->hidden = json_is_false(json_object_get(v->attrs, "status"));
	reply_created(c, v, 201);
}

static void update_variation(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *v,
			     const json_t *data)
{
	json_t *sku = attr_in(data, "sku");
	if (sku && null_or_empty(sku)) {
		fail(c, 422, "/data/attributes/sku", "sku: This value should not be null.");
		return;
	}
	if (json_is_string(sku) && sku_taken(d, json_string_value(sku), v)) {
		fail(c, 422, "/data/attributes/sku",
		     "sku: The SKU %s is already in use and must be unique.", json_string_value(sku));
		return;
	}
	apply_fields(d, v, data, NULL);
	v->hidden = json_is_false(json_object_get(v->attrs, "status"));
	touch(v, now_s());
	reply_created(c, v, 200);
}

static void h_post(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t = type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	if (!t) {
		no_route(c);
		return;
	}
	int ti = type_index(t);
	if (ti != T_ORDER && ti != T_ITEM && ti != T_PAYMENT_DEFAULT && ti != T_PAYMENT_MANUAL &&
	    ti != T_PRODUCT && ti != T_VARIATION) {
		fail(c, 405, NULL, "The seam simulator does not create %s resources.", t->name);
		return;
	}
	if (!is_admin(d, c)) {
		challenge(c);
		return;
	}
	json_t *doc = NULL;
	pthread_mutex_lock(&d->mu);
	json_t *data = read_doc(c, t, NULL, &doc);
	/* JSON:API lets clients choose the id; Drupal refuses one that exists */
	json_t *cid = data ? json_object_get(data, "id") : NULL;
	if (cid && (!json_is_string(cid) || !seam_uuid_valid(json_string_value(cid)))) {
		fail(c, 422, "/data/id", "The provided id is not a valid UUID.");
		data = NULL;
	} else if (cid && lookup(d, json_string_value(cid))) {
		fail(c, 409, NULL, "Conflict: Entity already exists.");
		data = NULL;
	}
	if (data && check_fields(d, c, t, NULL, data) == 0) {
		if (cid)
			snprintf(d->want_uuid, sizeof d->want_uuid, "%s", json_string_value(cid));
		switch (ti) {
		case T_ORDER: create_order(d, c, data); break;
		case T_ITEM: create_item(d, c, data); break;
		case T_PRODUCT: create_product(d, c, data); break;
		case T_VARIATION: create_variation(d, c, data); break;
		default: create_payment(d, c, ti, data); break;
		}
		d->want_uuid[0] = '\0';
	}
	pthread_mutex_unlock(&d->mu);
	json_decref(doc);
}

static void h_patch(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t = type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	if (!t) {
		no_route(c);
		return;
	}
	int ti = type_index(t);
	if (!is_admin(d, c)) {
		challenge(c);
		return;
	}
	json_t *doc = NULL;
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *e = find_individual(d, c, t, 1);
	if (!e)
		goto out;
	if (ti == T_PAYMENT_DEFAULT || ti == T_PAYMENT_MANUAL) {
		/* refunds and captures do not go through JSON:API's generic update */
		fail(c, 403, NULL, "%s", "");
		goto out;
	}
	if (ti != T_ORDER && ti != T_ITEM && ti != T_PRODUCT && ti != T_VARIATION) {
		fail(c, 405, NULL, "The seam simulator does not update %s resources.", t->name);
		goto out;
	}
	json_t *data = read_doc(c, t, e->uuid, &doc);
	if (!data || check_fields(d, c, t, e, data) != 0)
		goto out;
	switch (ti) {
	case T_ORDER: update_order(d, c, e, data); break;
	case T_ITEM: update_item(d, c, e, data); break;
	case T_PRODUCT: update_product(d, c, e, data); break;
	default: update_variation(d, c, e, data); break;
	}
out:
	pthread_mutex_unlock(&d->mu);
	json_decref(doc);
}

/* ---- the seam_bridge payment-transition endpoint ---- */

static void bridge_error(seam_sim_call_t *c, int status, const char *error, const char *detail)
{
	seam_sim_reply_json(c, status, NULL,
			    json_pack("{s:s, s:s}", "error", error, "detail", detail));
}

static json_t *plain_price(const json_t *p)
{
	if (!json_is_object(p))
		return json_null();
	return json_pack("{s:O, s:O}", "number", json_object_get(p, "number"), "currency_code",
			 json_object_get(p, "currency_code"));
}

/* The bridge contract's amount: {number: "^[0-9]{1,12}(\.[0-9]{1,6})?$", currency_code}. */
static int bridge_amount(const json_t *a, int64_t *v, const char **cur)
{
	if (!json_is_object(a) || json_object_size(a) != 2)
		return -1;
	const char *num = json_string_value(json_object_get(a, "number"));
	const char *c = json_string_value(json_object_get(a, "currency_code"));
	if (!num || !c || seam_sim_currency_digits(c) < 0)
		return -1;
	const char *dot = strchr(num, '.');
	size_t ip = dot ? (size_t)(dot - num) : strlen(num);
	size_t fp = dot ? strlen(dot + 1) : 0;
	if (ip < 1 || ip > 12 || (dot && (fp < 1 || fp > 6)))
		return -1;
	for (const char *q = num; *q; q++)
		if (q != dot && (*q < '0' || *q > '9'))
			return -1;
	if (seam_sim_dec_parse(num, SCALE, v) != 0)
		return -1;
	*cur = c;
	return 0;
}

static void h_transition(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	if (!is_admin(d, c)) {
		const char *h = seam_sim_header(c, "Authorization");
		seam_sim_reply_json(c, h ? 403 : 401, NULL,
				    json_pack("{s:s}", "message",
					      h ? "The 'seam bridge transition payments' permission is required."
						: "No authentication credentials provided."));
		return;
	}
	const char *ct = seam_sim_header(c, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16)) {
		bridge_error(c, 415, "invalid_request", "the content type must be application/json");
		return;
	}
	json_t *body = seam_sim_body_json(c);
	const char *tr = json_string_value(json_object_get(body, "transition"));
	const char *key = json_string_value(json_object_get(body, "idempotency_key"));
	json_t *amount = json_object_get(body, "amount");
	json_t *remote_state = json_object_get(body, "remote_state");
	static const char *const allowed[] = {"capture", "void", "expire", "partially_refund",
					      "refund", NULL};
	static const char *const members[] = {"transition", "amount", "remote_state",
					      "idempotency_key", NULL};
	int known = 0;
	for (const char *const *a = allowed; tr && *a; a++)
		if (!strcmp(*a, tr))
			known = 1;
	int64_t amt = 0;
	const char *amt_cur = NULL;
	char detail[200];
	if (!json_is_object(body)) {
		bridge_error(c, 422, "invalid_request", "the body must be a JSON object");
		goto done;
	}
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		int ok = 0;
		for (const char *const *m = members; *m; m++)
			if (!strcmp(*m, k))
				ok = 1;
		if (!ok) {
			snprintf(detail, sizeof detail, "unknown member \"%s\"", k);
			bridge_error(c, 422, "invalid_request", detail);
			goto done;
		}
	}
	if (!known) {
		bridge_error(c, 422, "invalid_request",
			     "transition must be one of capture, void, expire, partially_refund, refund");
		goto done;
	}
	if (!key || !*key || strlen(key) > 255) {
		bridge_error(c, 422, "invalid_request", "idempotency_key is required (1..255 characters)");
		goto done;
	}
	if (amount && !json_is_null(amount) && bridge_amount(amount, &amt, &amt_cur) != 0) {
		bridge_error(c, 422, "invalid_request",
			     "amount must be null or {number: decimal string (at most 12 digits and 6 "
			     "decimals), currency_code}");
		goto done;
	}
	if (remote_state && !json_is_null(remote_state) &&
	    (!json_is_string(remote_state) || strlen(json_string_value(remote_state)) > 255)) {
		bridge_error(c, 422, "invalid_request", "remote_state must be null or a string");
		goto done;
	}
	if (amt_cur && (!strcmp(tr, "void") || !strcmp(tr, "expire"))) {
		bridge_error(c, 422, "invalid_request", "void and expire take no amount");
		goto done;
	}
	if (!amt_cur && !strcmp(tr, "partially_refund")) {
		bridge_error(c, 422, "invalid_request", "partially_refund needs an amount");
		goto done;
	}
	/* the request's identity, for key reuse checks */
	json_t *ident = json_pack("{s:s, s:s, s:O, s:O}", "payment", seam_sim_param(c, "id"),
				  "transition", tr, "amount", amount ? amount : json_null(),
				  "remote_state", remote_state ? remote_state : json_null());
	pthread_mutex_lock(&d->mu);
	json_t *prev = json_object_get(d->idem, key);
	if (prev) {
		if (!json_equal(json_object_get(prev, "request"), ident)) {
			pthread_mutex_unlock(&d->mu);
			json_decref(ident);
			bridge_error(c, 422, "invalid_request",
				     "idempotency_key was already used for a different request");
			goto done;
		}
		json_t *resp = json_deep_copy(json_object_get(prev, "response"));
		pthread_mutex_unlock(&d->mu);
		json_decref(ident);
		json_object_set_new(resp, "replayed", json_true());
		seam_sim_reply_json(c, 200, NULL, resp);
		goto done;
	}
	seam_sim_ent_t *p = lookup(d, seam_sim_param(c, "id"));
	if (!p || !is_payment(p)) {
		pthread_mutex_unlock(&d->mu);
		json_decref(ident);
		seam_sim_reply_json(c, 404, NULL, json_pack("{s:s}", "error", "not_found"));
		goto done;
	}
	const char *state = attr_str(p, "state");
	int manual = p->type == &types[T_PAYMENT_MANUAL];
	int ok;
	if (!strcmp(tr, "capture") || !strcmp(tr, "expire"))
		ok = !manual && !strcmp(state, "authorization");
	else if (!strcmp(tr, "void"))
		ok = !strcmp(state, manual ? "pending" : "authorization");
	else /* canRefundPayment: refunds also leave partially_refunded (see the contract) */
		ok = !strcmp(state, "completed") || !strcmp(state, "partially_refunded");
	if (!ok) {
		json_t *err = json_pack("{s:s, s:s, s:s}", "error", "transition_not_allowed",
					"current_state", state, "transition", tr);
		pthread_mutex_unlock(&d->mu);
		json_decref(ident);
		seam_sim_reply_json(c, 409, NULL, err);
		goto done;
	}
	int64_t pamount, refunded = 0;
	const char *pcur;
	price_get(json_object_get(p->attrs, "amount"), &pamount, &pcur);
	price_get(json_object_get(p->attrs, "refunded_amount"), &refunded, NULL);
	char cur[4];
	snprintf(cur, sizeof cur, "%s", pcur);
	int64_t balance = pamount - refunded;
	char num[SEAM_SIM_DEC_MAX], bal[SEAM_SIM_DEC_MAX];
	seam_sim_dec_format(amt, SCALE, 0, num);
	seam_sim_dec_format(balance, SCALE, 0, bal);
	const char *bad = NULL;
	if (amt_cur && strcmp(amt_cur, cur)) {
		snprintf(detail, sizeof detail, "currency %s differs from the payment's %s", amt_cur, cur);
		bad = detail;
	} else if (!strcmp(tr, "capture") && amt_cur && (amt <= 0 || amt > pamount)) {
		snprintf(detail, sizeof detail, "capture amount %s is more than the authorized amount", num);
		bad = detail;
	} else if (!strcmp(tr, "partially_refund") && (amt <= 0 || amt > balance)) {
		snprintf(detail, sizeof detail,
			 "refund amount %s is more than the refundable balance %s", num, bal);
		bad = detail;
	} else if (!strcmp(tr, "refund") && amt_cur && amt != balance) {
		snprintf(detail, sizeof detail,
			 "refund takes null or exactly the refundable balance %s, not %s", bal, num);
		bad = detail;
	}
	if (bad) {
		pthread_mutex_unlock(&d->mu);
		json_decref(ident);
		bridge_error(c, 422, "invalid_request", bad);
		goto done;
	}
	int64_t t = now_s();
	if (!strcmp(tr, "capture")) {
		if (amt_cur)
			json_object_set_new(p->attrs, "amount", price_json(amt, cur));
		json_object_set_new(p->attrs, "state", json_string("completed"));
		if (json_is_null(json_object_get(p->attrs, "completed")))
			json_object_set_new(p->attrs, "completed", ts_json(t));
	} else if (!strcmp(tr, "void")) {
		json_object_set_new(p->attrs, "state",
				    json_string(manual ? "voided" : "authorization_voided"));
	} else if (!strcmp(tr, "expire")) {
		json_object_set_new(p->attrs, "state", json_string("authorization_expired"));
	} else {
		refunded += amt_cur ? amt : balance;
		json_object_set_new(p->attrs, "refunded_amount", price_json(refunded, cur));
		json_object_set_new(p->attrs, "state", json_string(refunded < pamount
									    ? "partially_refunded"
									    : "refunded"));
	}
	if (json_is_string(remote_state))
		json_object_set(p->attrs, "remote_state", remote_state);
	seam_sim_ent_t *order = order_of(d, p);
	json_t *completed = json_object_get(p->attrs, "completed");
	if (order && completed && !json_is_null(completed))
		order_update_paid(d, order, t);
	json_t *resp = json_pack("{s:s, s:O, s:o, s:o, s:O, s:O, s:s?, s:b}", "uuid", p->uuid,
				 "state", json_object_get(p->attrs, "state"), "amount",
				 plain_price(json_object_get(p->attrs, "amount")), "refunded_amount",
				 plain_price(json_object_get(p->attrs, "refunded_amount")),
				 "remote_id", json_object_get(p->attrs, "remote_id"), "remote_state",
				 json_object_get(p->attrs, "remote_state"), "order_uuid",
				 order ? order->uuid : NULL, "replayed", 0);
	json_object_set_new(d->idem, key, json_pack("{s:o, s:O}", "request", ident, "response", resp));
	pthread_mutex_unlock(&d->mu);
	seam_sim_reply_json(c, 200, NULL, resp);
done:
	json_decref(body);
}

/* ---- control API ---- */

static seam_sim_ent_t *store_by_ref(seam_sim_drupal_t *d, const char *ref)
{
	for (size_t i = 0; i < d->nstores; i++)
		if (!ref || !strcmp(d->stores[i].seam_store, ref) || !strcmp(d->stores[i].uuid, ref))
			return lookup(d, d->stores[i].uuid);
	return NULL;
}

/* Walks order o from draft to target along the workflow; 0 or -1 when unreachable. */
static int walk_to(seam_sim_drupal_t *d, seam_sim_ent_t *o, const char *target, int64_t t)
{
	if (!strcmp(target, "draft"))
		return 0;
	if (!strcmp(target, "canceled")) {
		const transition_t *tr = wf_by_id(d->workflow, "cancel", "draft");
		order_transition(d, o, tr, t);
		return 0;
	}
	const char *order_ids[] = {"place", "validate", "fulfill"};
	if (!strcmp(target, "placed"))
		target = NULL; /* just place */
	else if (!wf_has_state(d->workflow, target))
		return -1;
	for (int i = 0; i < 3; i++) {
		const char *st = attr_str(o, "state");
		if (target && !strcmp(st, target))
			return 0;
		const transition_t *tr = wf_by_id(d->workflow, order_ids[i], st);
		if (!tr)
			continue;
		order_transition(d, o, tr, t);
		if (!target)
			return 0;
	}
	return target && strcmp(attr_str(o, "state"), target) ? -1 : 0;
}

static void h_sim_orders(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	json_t *body = seam_sim_body_json(c);
	if (body && !json_is_object(body)) {
		json_decref(body);
		seam_sim_problem(c, 400, "bad-request", "the body is a JSON object");
		return;
	}
	json_int_t count = json_integer_value(json_object_get(body, "count"));
	if (count <= 0)
		count = 1;
	json_int_t nitems = json_integer_value(json_object_get(body, "items"));
	const char *state = json_string_value(json_object_get(body, "state"));
	const char *storeref = json_string_value(json_object_get(body, "store"));
	const char *mail = json_string_value(json_object_get(body, "mail"));
	if (!state)
		state = "placed";
	if (count > 100000) {
		json_decref(body);
		seam_sim_problem(c, 400, "bad-request", "count is at most 100000");
		return;
	}
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *store = store_by_ref(d, storeref);
	if (!store) {
		pthread_mutex_unlock(&d->mu);
		seam_sim_problem(c, 404, "not-found", "no store \"%s\"", storeref ? storeref : "");
		json_decref(body);
		return;
	}
	if (strcmp(state, "placed") && strcmp(state, "draft") && strcmp(state, "canceled") &&
	    !wf_has_state(d->workflow, state)) {
		pthread_mutex_unlock(&d->mu);
		seam_sim_problem(c, 400, "bad-request", "state \"%s\" is not in workflow %s", state,
				 d->workflow->id);
		json_decref(body);
		return;
	}
	size_t nv = 0;
	seam_sim_ent_t **vars = malloc((d->n ? d->n : 1) * sizeof *vars);
	seam_sim_ent_t *cust = NULL;
	for (size_t i = 0; vars && i < d->n; i++) {
		if (d->ents[i]->type == &types[T_VARIATION] && !d->ents[i]->hidden)
			vars[nv++] = d->ents[i];
		if (!cust && d->ents[i]->type == &types[T_USER] && d->ents[i] != d->admin)
			cust = d->ents[i];
	}
	json_t *out = json_array();
	int64_t t = now_s();
	for (json_int_t i = 0; i < count && nv > 0; i++) {
		seam_sim_ent_t *o = new_order(d, store, cust ? cust : d->admin,
					      mail ? mail : cust ? attr_str(cust, "mail") : "buyer@example.com",
					      NULL, "draft", t);
		if (!o)
			break;
		json_int_t k = nitems > 0 ? nitems : seam_sim_rng_range(&d->rng, 1, 3);
		for (json_int_t j = 0; j < k; j++) {
			seam_sim_ent_t *v = vars[seam_sim_rng_range(&d->rng, 0, (int64_t)nv - 1)];
			char qty[8];
			snprintf(qty, sizeof qty, "%lld", (long long)seam_sim_rng_range(&d->rng, 1, 3));
			seam_sim_ent_t *it = new_item(d, o, v, attr_str(v, "title"), qty,
						      unit_price_for(d, store, v), t);
			if (it)
				item_link(o, it);
		}
		order_recompute(d, o);
		walk_to(d, o, state, t);
		json_array_append_new(
			out, json_pack("{s:s, s:I, s:O, s:O, s:o}", "uuid", o->uuid, "order_id",
				       (json_int_t)o->iid, "order_number",
				       json_object_get(o->attrs, "order_number"), "state",
				       json_object_get(o->attrs, "state"), "total",
				       plain_price(json_object_get(o->attrs, "total_price"))));
	}
	pthread_mutex_unlock(&d->mu);
	free(vars);
	json_decref(body);
	seam_sim_reply_json(c, 201, NULL, json_pack("{s:o}", "orders", out));
}

static void h_sim_order_transition(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	json_t *body = seam_sim_body_json(c);
	const char *id = json_string_value(json_object_get(body, "transition"));
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *o = lookup(d, seam_sim_param(c, "id"));
	if (!o || o->type != &types[T_ORDER]) {
		pthread_mutex_unlock(&d->mu);
		json_decref(body);
		seam_sim_problem(c, 404, "not-found", "no such order");
		return;
	}
	const transition_t *tr = id ? wf_by_id(d->workflow, id, attr_str(o, "state")) : NULL;
	if (!tr) {
		json_t *err = json_pack("{s:s, s:O, s:s?}", "error", "transition_not_allowed",
					"current_state", json_object_get(o->attrs, "state"),
					"transition", id);
		pthread_mutex_unlock(&d->mu);
		json_decref(body);
		seam_sim_reply_json(c, 409, NULL, err);
		return;
	}
	int64_t t = now_s();
	order_transition(d, o, tr, t);
	order_saved(o, t);
	reply_created(c, o, 200);
	pthread_mutex_unlock(&d->mu);
	json_decref(body);
}

/* ---- lifecycle ---- */

static const seam_sim_route_t routes[] = {
	{"GET", "/jsonapi", h_index, 0, "JSON:API index"},
	{"GET", "/jsonapi/{et}/{bundle}", h_collection, 0, "collection (filter, sort, page, include)"},
	{"POST", "/jsonapi/{et}/{bundle}", h_post, 0, "create a resource"},
	{"GET", "/jsonapi/{et}/{bundle}/{id}", h_individual, 0, "one resource"},
	{"PATCH", "/jsonapi/{et}/{bundle}/{id}", h_patch, 0, "update a resource"},
	{"GET", "/jsonapi/{et}/{bundle}/{id}/{field}", h_related, 0, "related resources"},
	{"POST", "/seam/payment/{id}/transition", h_transition, 0, "seam_bridge payment transition"},
	{"POST", "/_sim/drupal/orders", h_sim_orders, 0, "create and place orders in bulk"},
	{"POST", "/_sim/drupal/orders/{id}/transition", h_sim_order_transition, 0,
	 "apply an order transition by id"},
};

static void reset_data(void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	pthread_mutex_lock(&d->mu);
	free_data(d);
	seed(d, NULL);
	pthread_mutex_unlock(&d->mu);
}

void seam_sim_drupal_def(seam_sim_drupal_t *d, seam_sim_double_def_t *def)
{
	memset(def, 0, sizeof *def);
	def->name = "drupal";
	def->routes = routes;
	def->nroutes = sizeof routes / sizeof *routes;
	def->ctx = d;
	def->reset_data = reset_data;
	def->sender = d->sender;
}

seam_sim_sender_t *seam_sim_drupal_sender(seam_sim_drupal_t *d)
{
	return d->sender;
}

void seam_sim_drupal_destroy(seam_sim_drupal_t *d)
{
	if (!d)
		return;
	seam_sim_sender_destroy(d->sender);
	free_data(d);
	for (size_t i = 0; i < d->nstores; i++) {
		store_cfg_t *s = &d->stores[i];
		free(s->name);
		free(s->seam_store);
		free(s->currency);
		free(s->uuid);
		free(s->mail);
		free(s->country);
	}
	free(d->stores);
	for (size_t i = 0; i < d->ngateways; i++) {
		gateway_cfg_t *g = &d->gateways[i];
		free(g->id);
		free(g->label);
		free(g->plugin);
		free(g->mode);
		free(g->payment_type);
	}
	free(d->gateways);
	free(d->user);
	free(d->password);
	free(d->events_url);
	free(d->events_secret);
	json_decref(d->event_types);
	seam_sim_rng_dispose(&d->events_rng);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

static char *dup_or(const char *s, const char *def)
{
	return strdup(s ? s : def);
}

static seam_err_t read_stores(seam_sim_drupal_t *d, const seam_sim_config_t *cfg,
			      const json_t *list, seam_error_t *err)
{
	static const char *const keys[] = {"name", "seam_store", "currency", "uuid", "mail",
					   "country", NULL};
	if (!list || json_is_null(list)) {
		d->stores = calloc(1, sizeof *d->stores);
		if (!d->stores)
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		d->nstores = 1;
		d->stores[0] = (store_cfg_t){strdup("Online store"), strdup("default"), strdup("USD"),
					     NULL, strdup("store@example.com"), strdup("US")};
		return SEAM_OK;
	}
	if (!json_is_array(list) || json_array_size(list) == 0)
		return seam_sim_config_errorf(cfg, list, err, "drupal.stores: expected a list of stores");
	d->nstores = json_array_size(list);
	d->stores = calloc(d->nstores, sizeof *d->stores);
	if (!d->stores)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	size_t i;
	json_t *s;
	json_array_foreach(list, i, s) {
		seam_err_t rc = seam_sim_cfg_keys(cfg, s, keys, err);
		if (rc)
			return rc;
		const char *name, *ss, *cur, *uuid, *mail, *country;
		if ((rc = seam_sim_cfg_str(cfg, s, "name", "Online store", &name, err)) ||
		    (rc = seam_sim_cfg_str(cfg, s, "seam_store", "default", &ss, err)) ||
		    (rc = seam_sim_cfg_str(cfg, s, "currency", "USD", &cur, err)) ||
		    (rc = seam_sim_cfg_str(cfg, s, "uuid", NULL, &uuid, err)) ||
		    (rc = seam_sim_cfg_str(cfg, s, "mail", "store@example.com", &mail, err)) ||
		    (rc = seam_sim_cfg_str(cfg, s, "country", "US", &country, err)))
			return rc;
		if (seam_sim_currency_digits(cur) < 0)
			return seam_sim_config_errorf(cfg, json_object_get(s, "currency"), err,
						      "currency: expected an ISO 4217 code like USD");
		if (uuid && !seam_uuid_valid(uuid))
			return seam_sim_config_errorf(cfg, json_object_get(s, "uuid"), err,
						      "uuid: expected a UUID");
		d->stores[i] = (store_cfg_t){strdup(name), strdup(ss), strdup(cur),
					     uuid ? strdup(uuid) : NULL, strdup(mail), strdup(country)};
	}
	return SEAM_OK;
}

static seam_err_t read_gateways(seam_sim_drupal_t *d, const seam_sim_config_t *cfg,
				const json_t *list, seam_error_t *err)
{
	static const char *const keys[] = {"id", "label", "plugin", "mode", "payment_type",
					   "offsite", NULL};
	if (!list || json_is_null(list)) {
		d->ngateways = 3;
		d->gateways = calloc(3, sizeof *d->gateways);
		if (!d->gateways)
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		d->gateways[0] = (gateway_cfg_t){strdup("stripe"), strdup("Stripe"),
						 strdup("stripe_payment_element"), strdup("test"),
						 strdup("payment_default"), 0};
		d->gateways[1] = (gateway_cfg_t){strdup("adyen"), strdup("Adyen"),
						 strdup("adyen_checkout"), strdup("test"),
						 strdup("payment_default"), 1};
		d->gateways[2] = (gateway_cfg_t){strdup("manual"), strdup("Manual"), strdup("manual"),
						 strdup("n/a"), strdup("payment_manual"), 0};
		return SEAM_OK;
	}
	if (!json_is_array(list))
		return seam_sim_config_errorf(cfg, list, err, "drupal.gateways: expected a list");
	d->ngateways = json_array_size(list);
	d->gateways = calloc(d->ngateways ? d->ngateways : 1, sizeof *d->gateways);
	if (!d->gateways)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	size_t i;
	json_t *g;
	json_array_foreach(list, i, g) {
		seam_err_t rc = seam_sim_cfg_keys(cfg, g, keys, err);
		if (rc)
			return rc;
		const char *id, *label, *plugin, *mode, *pt;
		int offsite;
		if ((rc = seam_sim_cfg_str(cfg, g, "id", NULL, &id, err)) ||
		    (rc = seam_sim_cfg_str(cfg, g, "label", NULL, &label, err)) ||
		    (rc = seam_sim_cfg_str(cfg, g, "plugin", "manual", &plugin, err)) ||
		    (rc = seam_sim_cfg_str(cfg, g, "mode", "test", &mode, err)) ||
		    (rc = seam_sim_cfg_str(cfg, g, "payment_type", "payment_default", &pt, err)) ||
		    (rc = seam_sim_cfg_bool(cfg, g, "offsite", 0, &offsite, err)))
			return rc;
		if (!id)
			return seam_sim_config_errorf(cfg, g, err, "drupal.gateways: every gateway needs an id");
		if (strcmp(pt, "payment_default") && strcmp(pt, "payment_manual"))
			return seam_sim_config_errorf(cfg, json_object_get(g, "payment_type"), err,
						      "payment_type: payment_default or payment_manual");
		d->gateways[i] = (gateway_cfg_t){strdup(id), dup_or(label, id), strdup(plugin),
						 strdup(mode), strdup(pt), offsite};
	}
	return SEAM_OK;
}

seam_err_t seam_sim_drupal_create(const seam_sim_config_t *cfg, const json_t *sec,
				  const seam_sim_env_t *env, seam_sim_drupal_t **out,
				  seam_error_t *err)
{
	static const char *const keys[] = {"listen", "user", "password", "workflow", "stores",
					   "gateways", "products", "variations", "customers", "orders",
					   "paid_fraction", "hidden_fraction", "epoch", "events",
					   "threads", NULL};
	static const char *const ev_keys[] = {"url", "secret", "drop_rate", "types", "attempts",
					      "backoff", "timeout", "workers", NULL};
	seam_err_t rc;
	seam_sim_drupal_t *d = calloc(1, sizeof *d);
	if (!d)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&d->mu, NULL);
	d->seed = env->seed;
	d->env = (seam_sim_ja_env_t){lookup, type_by_name, d};
	seam_sim_rng_init(&d->events_rng, env->seed, "drupal-events");
	const char *wf, *epoch;
	double drop;
	if ((rc = seam_sim_cfg_keys(cfg, sec, keys, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "workflow", "order_default", &wf, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "products", 20, 0, 1000000, &d->n_products, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "variations", 3, 1, 100, &d->n_variations, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "customers", 10, 0, 1000000, &d->n_customers, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "orders", 20, 0, 1000000, &d->n_orders, err)) ||
	    (rc = seam_sim_cfg_double(cfg, sec, "paid_fraction", 0.5, 0, 1, &d->paid_fraction, err)) ||
	    (rc = seam_sim_cfg_double(cfg, sec, "hidden_fraction", 0, 0, 1, &d->hidden_fraction, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "epoch", "2026-01-01T00:00:00Z", &epoch, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "user", "admin", &d->user, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "password", "admin", &d->password, err)))
		goto fail;
	d->workflow = workflow_get(wf);
	if (!d->workflow || !strncmp(wf, "payment", 7)) {
		rc = seam_sim_config_errorf(cfg, json_object_get(sec, "workflow"), err,
					    "workflow: one of order_default, order_default_validation, "
					    "order_fulfillment, order_fulfillment_validation");
		goto fail;
	}
	int64_t ems;
	if (seam_rfc3339_parse(epoch, &ems) != 0) {
		rc = seam_sim_config_errorf(cfg, json_object_get(sec, "epoch"), err,
					    "epoch: expected an RFC 3339 time");
		goto fail;
	}
	d->epoch_s = ems / 1000;
	if ((rc = read_stores(d, cfg, json_object_get(sec, "stores"), err)) ||
	    (rc = read_gateways(d, cfg, json_object_get(sec, "gateways"), err)))
		goto fail;
	json_t *ev = json_object_get(sec, "events");
	const char *url;
	if ((rc = seam_sim_cfg_keys(cfg, ev, ev_keys, err)) ||
	    (rc = seam_sim_cfg_str(cfg, ev, "url", NULL, &url, err)) ||
	    (rc = seam_sim_cfg_double(cfg, ev, "drop_rate", 0, 0, 1, &drop, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, ev, "secret", NULL, &d->events_secret, err)))
		goto fail;
	d->events_drop_rate = drop;
	json_t *types_cfg = json_object_get(ev, "types");
	if (types_cfg && !json_is_array(types_cfg)) {
		rc = seam_sim_config_errorf(cfg, types_cfg, err, "events.types: expected a list");
		goto fail;
	}
	d->event_types = types_cfg ? json_deep_copy(types_cfg)
				   : json_pack("[s,s,s,s,s]", "order.placed", "order.canceled",
					       "order.fulfilled", "order.validated", "order.paid");
	if ((rc = seed(d, err)))
		goto fail;
	if (url) {
		if (!d->events_secret) {
			rc = seam_sim_config_errorf(cfg, ev, err,
						    "events.secret is required when events.url is set");
			goto fail;
		}
		uint8_t probe[128];
		const char *b64 = !strncmp(d->events_secret, "whsec_", 6) ? d->events_secret + 6
									 : d->events_secret;
		if (seam_base64_decode(b64, strlen(b64), probe, sizeof probe) <= 0) {
			rc = seam_sim_config_errorf(cfg, ev, err,
						    "events.secret: expected whsec_<base64> (Standard Webhooks)");
			goto fail;
		}
		d->events_url = strdup(url);
		size_t ul = strlen(d->events_url);
		while (ul > 0 && d->events_url[ul - 1] == '/')
			d->events_url[--ul] = '\0';
		seam_sim_sender_opts_t so = {.name = "drupal", .faults = env->faults,
					     .seed = env->seed, .transport = env->transport,
					     .tctx = env->tctx};
		int64_t bo[16];
		if ((rc = seam_sim_sender_opts_read(cfg, ev, &so, bo, err)))
			goto fail;
		d->sender = seam_sim_sender_create(&so);
		if (!d->sender) {
			rc = seam_errorf(err, SEAM_NOMEM, "drupal: cannot start the event sender");
			goto fail;
		}
	}
	*out = d;
	return SEAM_OK;
fail:
	seam_sim_drupal_destroy(d);
	return rc;
}
