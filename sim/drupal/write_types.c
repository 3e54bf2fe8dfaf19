/*
 * write_types.c: writes per type: POST and PATCH of orders, items, payments, products, variations,
 * product attribute values.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/ids.h"

static void create_order(seam_sim_drupal_t *d, seam_sim_call_t *c, const json_t *data)
{
	if (seam__sim_drupal_null_or_empty(seam__sim_drupal_attr_in(data, "order_number"))) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/order_number",
				      "order_number: This value should not be null.");
		return;
	}
	seam_sim_ent_t *store = seam__sim_drupal_rel_in(d, data, "store_id");
	if (!store) {
		seam__sim_drupal_fail(c, 422, "/data/relationships/store_id",
				      "store_id: This value should not be null.");
		return;
	}
	json_t *st = seam__sim_drupal_attr_in(data, "state");
	const char *state = json_is_string(st) ? json_string_value(st) : "draft";
	if (!seam__sim_drupal_wf_has_state(d->workflow, state)) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/state/0",
				      "state.0: The state '%s' is invalid.", state);
		return;
	}
	seam_sim_ent_t *uid = seam__sim_drupal_rel_in(d, data, "uid");
	int64_t t = seam__sim_drupal_now_s();
	seam_sim_ent_t *o = seam__sim_drupal_new_order(
		d, store, uid ? uid : d->admin,
		json_string_value(seam__sim_drupal_attr_in(data, "mail")),
		json_string_value(seam__sim_drupal_attr_in(data, "order_number")), state, t);
	if (!o) {
		seam__sim_drupal_fail(c, 500, NULL, "out of memory");
		return;
	}
	seam__sim_drupal_apply_fields(d, o, data, NULL);
	seam__sim_drupal_order_recompute(d, o);
	seam__sim_drupal_reply_created(c, o, 201);
}

static void update_order(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *o,
			 const json_t *data)
{
	json_t *st = seam__sim_drupal_attr_in(data, "state");
	const transition_t *tr = NULL;
	const char *cur = seam__sim_drupal_attr_str(o, "state");
	if (json_is_string(st) && strcmp(json_string_value(st), cur)) {
		const char *to = json_string_value(st);
		if (!seam__sim_drupal_wf_has_state(d->workflow, to) ||
		    !(tr = seam__sim_drupal_wf_find(d->workflow, cur, to))) {
			seam__sim_drupal_fail(c, 422, "/data/attributes/state/0",
					      "state.0: The state '%s' is invalid.", to);
			return;
		}
	} else if (st && !json_is_string(st)) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/state/0",
				      "state.0: This value should not be null.");
		return;
	}
	static const char *const skip[] = {"state", NULL};
	seam__sim_drupal_apply_fields(d, o, data, skip);
	int64_t t = seam__sim_drupal_now_s();
	seam__sim_drupal_order_recompute(d, o);
	if (tr)
		seam__sim_drupal_order_transition(d, o, tr, t);
	seam__sim_drupal_order_saved(o, t);
	seam__sim_drupal_check_paid(d, o, t);
	seam__sim_drupal_reply_created(c, o, 200);
}

static void create_item(seam_sim_drupal_t *d, seam_sim_call_t *c, const json_t *data)
{
	seam_sim_ent_t *v = seam__sim_drupal_rel_in(d, data, "purchased_entity");
	json_t *up = seam__sim_drupal_attr_in(data, "unit_price");
	if (seam__sim_drupal_null_or_empty(up) && !v) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/unit_price",
				      "unit_price: This value should not be null.");
		return;
	}
	json_t *qty = seam__sim_drupal_attr_in(data, "quantity");
	seam_sim_ent_t *order = seam__sim_drupal_rel_in(d, data, "order_id");
	if (seam__sim_drupal_stock_refuses(d, c, NULL, v, order, qty, "purchased_entity"))
		return;
	const char *title = json_string_value(seam__sim_drupal_attr_in(data, "title"));
	seam_sim_ent_t *it = seam__sim_drupal_new_item(
		d, order, v, title ? title : v ? seam__sim_drupal_attr_str(v, "title") : "",
		json_is_string(qty) ? json_string_value(qty) : "1",
		v ? json_deep_copy(json_object_get(v->attrs, "price")) : NULL,
		seam__sim_drupal_now_s());
	if (!it) {
		seam__sim_drupal_fail(c, 500, NULL, "out of memory");
		return;
	}
	seam__sim_drupal_apply_fields(d, it, data, NULL);
	seam__sim_drupal_item_recompute(it);
	seam__sim_drupal_reply_created(c, it, 201);
}

/* Orders that list this item among their order_items. */
static void item_changed(seam_sim_drupal_t *d, const seam_sim_ent_t *it, int64_t t)
{
	for (size_t i = 0; i < d->n; i++) {
		seam_sim_ent_t *o = d->ents[i];
		if (o->type != &seam__sim_drupal_types[T_ORDER])
			continue;
		json_t *items = json_object_get(o->rels, "order_items");
		size_t k;
		json_t *r;
		json_array_foreach(items, k, r) {
			if (!strcmp(json_string_value(json_object_get(r, "id")), it->uuid)) {
				seam__sim_drupal_order_recompute(d, o);
				seam__sim_drupal_order_saved(o, t);
				seam__sim_drupal_check_paid(d, o, t);
				break;
			}
		}
	}
}

static void update_item(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *it,
			const json_t *data)
{
	/* JSON:API validates the fields it was sent: purchased_entity brings Commerce's
	 * availability constraint, quantity alone the module's (stock.c) */
	json_t *rels = json_object_get(data, "relationships");
	json_t *qty = seam__sim_drupal_attr_in(data, "quantity");
	int new_entity = json_object_get(rels, "purchased_entity") != NULL;
	if (new_entity || qty) {
		seam_sim_ent_t *v = new_entity ? seam__sim_drupal_rel_in(d, data, "purchased_entity")
					       : seam__sim_drupal_rel_target(d, it, "purchased_entity");
		seam_sim_ent_t *order = json_object_get(rels, "order_id")
						? seam__sim_drupal_rel_in(d, data, "order_id")
						: seam__sim_drupal_rel_target(d, it, "order_id");
		if (!qty)
			qty = json_object_get(it->attrs, "quantity");
		/* SeamStockQuantity leaves a line without an order alone */
		if ((new_entity || order) &&
		    seam__sim_drupal_stock_refuses(d, c, it, v, order, qty,
						   new_entity ? "purchased_entity" : "quantity"))
			return;
	}
	int64_t t = seam__sim_drupal_now_s();
	seam__sim_drupal_apply_fields(d, it, data, NULL);
	seam__sim_drupal_item_recompute(it);
	seam__sim_drupal_touch(it, t);
	item_changed(d, it, t);
	seam__sim_drupal_reply_created(c, it, 200);
}

static void create_payment(seam_sim_drupal_t *d, seam_sim_call_t *c, int tidx, const json_t *data)
{
	if (seam__sim_drupal_null_or_empty(
		    seam__sim_drupal_attr_in(data, "payment_gateway_mode"))) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/payment_gateway_mode",
				      "payment_gateway_mode: This value should not be null.");
		return;
	}
	seam_sim_ent_t *gw = seam__sim_drupal_rel_in(d, data, "payment_gateway");
	if (!gw) {
		seam__sim_drupal_fail(c, 422, "/data/relationships/payment_gateway",
				      "payment_gateway: This value should not be null.");
		return;
	}
	json_t *amount = seam__sim_drupal_attr_in(data, "amount");
	if (seam__sim_drupal_null_or_empty(amount)) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/amount",
				      "amount: This value should not be null.");
		return;
	}
	seam_sim_ent_t *order = seam__sim_drupal_rel_in(d, data, "order_id");
	if (!order) {
		seam__sim_drupal_fail(c, 422, "/data/relationships/order_id",
				      "order_id: This value should not be null.");
		return;
	}
	json_t *st = seam__sim_drupal_attr_in(data, "state");
	const char *state = json_is_string(st) ? json_string_value(st) : "new";
	const workflow_t *wf = seam__sim_drupal_workflow_get(
		tidx == T_PAYMENT_MANUAL ? "payment_manual" : "payment_default");
	if (!seam__sim_drupal_wf_has_state(wf, state)) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/state/0",
				      "state.0: The state '%s' is invalid.", state);
		return;
	}
	int64_t v;
	const char *cur;
	seam__sim_drupal_price_get(amount, &v, &cur);
	int64_t t = seam__sim_drupal_now_s();
	seam_sim_ent_t *p = seam__sim_drupal_new_payment(
		d, tidx, order, gw,
		json_string_value(seam__sim_drupal_attr_in(data, "payment_gateway_mode")),
		seam__sim_drupal_price_json(v, cur), state,
		json_string_value(seam__sim_drupal_attr_in(data, "remote_id")),
		json_string_value(seam__sim_drupal_attr_in(data, "remote_state")), t);
	if (!p) {
		seam__sim_drupal_fail(c, 500, NULL, "out of memory");
		return;
	}
	seam__sim_drupal_apply_fields(d, p, data, NULL);
	json_t *completed = json_object_get(p->attrs, "completed");
	if (completed && !json_is_null(completed))
		seam__sim_drupal_order_update_paid(d, order, t);
	seam__sim_drupal_reply_created(c, p, 201);
}

static int sku_taken(seam_sim_drupal_t *d, const char *sku, const seam_sim_ent_t *self)
{
	return seam__sim_drupal_find_by(d, T_VARIATION, "sku", sku, self) != NULL;
}

/* Commerce's ProductVariationSku violation ("The SKU %sku is already in use and must be
 * unique.") as JSON:API 10.5 prints it: UnprocessableHttpEntityExceptionNormalizer passes the
 * message through PlainTextOutput::renderFromHtml, so the placeholder's <em> is stripped. */
static void sku_in_use(seam_sim_call_t *c, const char *sku)
{
	seam__sim_drupal_fail(c, 422, "/data/attributes/sku",
			      "sku: The SKU %s is already in use and must be unique.", sku);
}

/* Product::postSave: a back-reference on each listed variation that has none (a variation that
 * belongs to another product keeps its product_id). */
static void link_variations(seam_sim_drupal_t *d, seam_sim_ent_t *product)
{
	json_t *vars = json_object_get(product->rels, "variations");
	size_t i;
	json_t *r;
	json_array_foreach(vars, i, r) {
		seam_sim_ent_t *v =
			seam__sim_drupal_lookup(d, json_string_value(json_object_get(r, "id")));
		if (v && !seam__sim_drupal_rel_target(d, v, "product_id"))
			seam__sim_drupal_set_rel(v, "product_id", product);
	}
}

/* ProductVariation::postSave: the product it names lists it (appended when missing). The
 * product it left keeps listing it: Commerce removes a variation from its product only when the
 * variation is deleted. */
static void variation_saved(seam_sim_drupal_t *d, seam_sim_ent_t *v, int64_t t)
{
	seam_sim_ent_t *p = seam__sim_drupal_rel_target(d, v, "product_id");
	json_t *r;
	size_t i;
	if (!p)
		return;
	json_array_foreach(json_object_get(p->rels, "variations"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "id")), v->uuid))
			return;
	seam__sim_drupal_add_rel(p, "variations", v);
	seam__sim_drupal_touch(p, t);
}

static void create_product(seam_sim_drupal_t *d, seam_sim_call_t *c, const json_t *data)
{
	if (seam__sim_drupal_null_or_empty(seam__sim_drupal_attr_in(data, "title"))) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/title",
				      "title: This value should not be null.");
		return;
	}
	seam_sim_ent_t *p = seam__sim_drupal_product_new(d, seam__sim_drupal_now_s());
	if (!p) {
		seam__sim_drupal_fail(c, 500, NULL, "out of memory");
		return;
	}
	seam__sim_drupal_set_rel(p, "default_variation", NULL);
	seam__sim_drupal_apply_fields(d, p, data, NULL);
	p->hidden = json_is_false(json_object_get(p->attrs, "status"));
	link_variations(d, p);
	seam__sim_drupal_reply_created(c, p, 201);
}

static void update_product(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *p,
			   const json_t *data)
{
	seam__sim_drupal_apply_fields(d, p, data, NULL);
	p->hidden = json_is_false(json_object_get(p->attrs, "status"));
	link_variations(d, p);
	seam__sim_drupal_touch(p, seam__sim_drupal_now_s());
	seam__sim_drupal_reply_created(c, p, 200);
}

static void create_variation(seam_sim_drupal_t *d, seam_sim_call_t *c, const json_t *data)
{
	json_t *sku = seam__sim_drupal_attr_in(data, "sku");
	if (seam__sim_drupal_null_or_empty(sku)) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/sku",
				      "sku: This value should not be null.");
		return;
	}
	if (sku_taken(d, json_string_value(sku), NULL)) {
		sku_in_use(c, json_string_value(sku));
		return;
	}
	int64_t t = seam__sim_drupal_now_s();
	seam_sim_ent_t *v = seam__sim_drupal_variation_new(d, t, 1);
	if (!v) {
		seam__sim_drupal_fail(c, 500, NULL, "out of memory");
		return;
	}
	seam__sim_drupal_apply_fields(d, v, data, NULL);
	seam__sim_drupal_stock_store(v, data);
	v->hidden = json_is_false(json_object_get(v->attrs, "status"));
	variation_saved(d, v, t);
	seam__sim_drupal_reply_created(c, v, 201);
}

static void update_variation(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *v,
			     const json_t *data)
{
	json_t *sku = seam__sim_drupal_attr_in(data, "sku");
	if (sku && seam__sim_drupal_null_or_empty(sku)) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/sku",
				      "sku: This value should not be null.");
		return;
	}
	if (json_is_string(sku) && sku_taken(d, json_string_value(sku), v)) {
		sku_in_use(c, json_string_value(sku));
		return;
	}
	int64_t t = seam__sim_drupal_now_s();
	seam__sim_drupal_apply_fields(d, v, data, NULL);
	seam__sim_drupal_stock_store(v, data);
	v->hidden = json_is_false(json_object_get(v->attrs, "status"));
	seam__sim_drupal_touch(v, t);
	variation_saved(d, v, t);
	seam__sim_drupal_reply_created(c, v, 200);
}

/* A product attribute value (commerce_product_attribute_value--{attribute}): name is required;
 * Commerce does not make names unique within an attribute. */
static void create_attr_value(seam_sim_drupal_t *d, seam_sim_call_t *c, int ti, const json_t *data)
{
	if (seam__sim_drupal_null_or_empty(seam__sim_drupal_attr_in(data, "name"))) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/name",
				      "name: This value should not be null.");
		return;
	}
	int64_t t = seam__sim_drupal_now_s();
	seam_sim_ent_t *e = seam__sim_drupal_ent_new(d, ti, NULL, NULL);
	if (!e) {
		seam__sim_drupal_fail(c, 500, NULL, "out of memory");
		return;
	}
	json_object_set_new(e->attrs, "langcode", json_string("en"));
	json_object_set_new(e->attrs, "name", json_null());
	json_object_set_new(e->attrs, "weight", json_integer(0));
	json_object_set_new(e->attrs, "created", seam__sim_drupal_ts_json(t));
	json_object_set_new(e->attrs, "changed", seam__sim_drupal_ts_json(t));
	json_object_set_new(e->attrs, "default_langcode", json_true());
	seam__sim_drupal_set_rel(e, "attribute",
				 seam__sim_drupal_find_sid(d, T_ATTRIBUTE, e->type->bundle));
	seam__sim_drupal_apply_fields(d, e, data, NULL);
	seam__sim_drupal_reply_created(c, e, 201);
}

static void update_attr_value(seam_sim_drupal_t *d, seam_sim_call_t *c, seam_sim_ent_t *e,
			      const json_t *data)
{
	json_t *name = seam__sim_drupal_attr_in(data, "name");
	if (name && seam__sim_drupal_null_or_empty(name)) {
		seam__sim_drupal_fail(c, 422, "/data/attributes/name",
				      "name: This value should not be null.");
		return;
	}
	seam__sim_drupal_apply_fields(d, e, data, NULL);
	seam__sim_drupal_touch(e, seam__sim_drupal_now_s());
	seam__sim_drupal_reply_created(c, e, 200);
}

void seam__sim_drupal_h_post(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t =
		seam__sim_drupal_type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	if (!t) {
		seam__sim_drupal_no_route(c);
		return;
	}
	int ti = seam__sim_drupal_type_index(t);
	if (ti != T_ORDER && ti != T_ITEM && ti != T_PAYMENT_DEFAULT && ti != T_PAYMENT_MANUAL &&
	    ti != T_PRODUCT && ti != T_VARIATION && ti != T_ATTR_COLOR && ti != T_ATTR_SIZE) {
		seam__sim_drupal_fail(c, 405, NULL,
				      "The seam simulator does not create %s resources.", t->name);
		return;
	}
	if (!seam__sim_drupal_is_admin(d, c)) {
		seam__sim_drupal_challenge(c);
		return;
	}
	json_t *doc = NULL;
	pthread_mutex_lock(&d->mu);
	json_t *data = seam__sim_drupal_read_doc(c, t, NULL, &doc);
	/* JSON:API lets clients choose the id; Drupal refuses one that exists */
	json_t *cid = data ? json_object_get(data, "id") : NULL;
	if (cid && (!json_is_string(cid) || !seam_uuid_valid(json_string_value(cid)))) {
		seam__sim_drupal_fail(c, 422, "/data/id", "The provided id is not a valid UUID.");
		data = NULL;
	} else if (cid && seam__sim_drupal_lookup(d, json_string_value(cid))) {
		seam__sim_drupal_fail(c, 409, NULL, "Conflict: Entity already exists.");
		data = NULL;
	}
	if (data && seam__sim_drupal_check_fields(d, c, t, NULL, data) == 0 &&
	    !seam__sim_drupal_rejected(d, c, ti, NULL, data)) {
		if (cid)
			snprintf(d->want_uuid, sizeof d->want_uuid, "%s", json_string_value(cid));
		switch (ti) {
		case T_ORDER: create_order(d, c, data); break;
		case T_ITEM: create_item(d, c, data); break;
		case T_PRODUCT: create_product(d, c, data); break;
		case T_VARIATION: create_variation(d, c, data); break;
		case T_ATTR_COLOR:
		case T_ATTR_SIZE: create_attr_value(d, c, ti, data); break;
		default: create_payment(d, c, ti, data); break;
		}
		d->want_uuid[0] = '\0';
	}
	pthread_mutex_unlock(&d->mu);
	json_decref(doc);
}

void seam__sim_drupal_h_patch(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t =
		seam__sim_drupal_type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	if (!t) {
		seam__sim_drupal_no_route(c);
		return;
	}
	int ti = seam__sim_drupal_type_index(t);
	if (!seam__sim_drupal_is_admin(d, c)) {
		seam__sim_drupal_challenge(c);
		return;
	}
	json_t *doc = NULL;
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *e = seam__sim_drupal_find_individual(d, c, t, 1);
	if (!e)
		goto out;
	if (ti == T_PAYMENT_DEFAULT || ti == T_PAYMENT_MANUAL) {
		/* refunds and captures do not go through JSON:API's generic update */
		seam__sim_drupal_fail(c, 403, NULL, "%s", "");
		goto out;
	}
	if (ti != T_ORDER && ti != T_ITEM && ti != T_PRODUCT && ti != T_VARIATION &&
	    ti != T_ATTR_COLOR && ti != T_ATTR_SIZE) {
		seam__sim_drupal_fail(c, 405, NULL,
				      "The seam simulator does not update %s resources.", t->name);
		goto out;
	}
	json_t *data = seam__sim_drupal_read_doc(c, t, e->uuid, &doc);
	if (!data || seam__sim_drupal_check_fields(d, c, t, e, data) != 0 ||
	    seam__sim_drupal_rejected(d, c, ti, e, data))
		goto out;
	switch (ti) {
	case T_ORDER: update_order(d, c, e, data); break;
	case T_ITEM: update_item(d, c, e, data); break;
	case T_PRODUCT: update_product(d, c, e, data); break;
	case T_ATTR_COLOR:
	case T_ATTR_SIZE: update_attr_value(d, c, e, data); break;
	default: update_variation(d, c, e, data); break;
	}
out:
	pthread_mutex_unlock(&d->mu);
	json_decref(doc);
}
