/*
 * orders.c: orders, payments, events: totals, total_paid, transitions, the signed order events.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/ids.h"
#include "sim/sim_money.h"

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
		"{s:s, s:s, s:{s:s, s:I, s:O, s:s?, s:O, s:s, s:o, s:o}}", "type", type, "timestamp",
		ts, "data", "order_uuid", order->uuid, "order_id", (json_int_t)order->iid,
		"order_number", json_object_get(order->attrs, "order_number"), "store_uuid",
		sc ? sc->uuid : NULL, "state", json_object_get(order->attrs, "state"), "workflow",
		d->workflow->id, "transition", /* null for order.paid, as bridge.event@v1 says */
		transition ? json_string(transition) : json_null(), "total", total);
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

/* The adjustments of an order or an item that are not included in a price (a tax type's
 * that adds tax on top, shipping, ...): Order::recalculateTotalPrice adds them to the total. */
static int64_t added_adjustments(const seam_sim_ent_t *e)
{
	int64_t sum = 0, v;
	size_t i;
	json_t *adj;
	json_array_foreach(json_object_get(e->attrs, "adjustments"), i, adj)
		if (!json_is_true(json_object_get(adj, "included")) &&
		    seam__sim_drupal_price_get(json_object_get(adj, "amount"), &v, NULL) == 0)
			sum += v;
	return sum;
}

/* Sums the linked order items (with their added adjustments) and the order's added
 * adjustments into total_price and recomputes balance. */
void seam__sim_drupal_order_recompute(seam_sim_drupal_t *d, seam_sim_ent_t *o)
{
	json_t *items = json_object_get(o->rels, "order_items");
	int64_t sum = 0;
	const char *cur = NULL;
	size_t i;
	json_t *ref;
	json_array_foreach(items, i, ref) {
		seam_sim_ent_t *it =
			seam__sim_drupal_lookup(d, json_string_value(json_object_get(ref, "id")));
		int64_t v;
		const char *c;
		if (it && seam__sim_drupal_price_get(json_object_get(it->attrs, "total_price"), &v,
						     &c) == 0) {
			sum += v;
			cur = c;
			sum += added_adjustments(it);
		}
	}
	if (!cur) {
		json_object_set_new(o->attrs, "total_price", json_null());
		json_object_set_new(o->attrs, "balance", json_null());
		return;
	}
	sum += added_adjustments(o);
	char curbuf[4];
	snprintf(curbuf, sizeof curbuf, "%s", cur);
	json_object_set_new(o->attrs, "total_price", seam__sim_drupal_price_json(sum, curbuf));
	int64_t paid = 0;
	seam__sim_drupal_price_get(json_object_get(o->attrs, "total_paid"), &paid, NULL);
	json_object_set_new(o->attrs, "balance", seam__sim_drupal_price_json(sum - paid, curbuf));
}

static int order_is_paid(const seam_sim_ent_t *o)
{
	int64_t total, paid = 0;
	if (seam__sim_drupal_price_get(json_object_get(o->attrs, "total_price"), &total, NULL) != 0)
		return 0;
	const char *state = seam__sim_drupal_attr_str(o, "state");
	if (total == 0)
		return state && strcmp(state, "draft") && strcmp(state, "canceled");
	seam__sim_drupal_price_get(json_object_get(o->attrs, "total_paid"), &paid, NULL);
	return total - paid <= 0;
}

static int gateway_offsite(seam_sim_drupal_t *d, const seam_sim_ent_t *gw)
{
	for (size_t i = 0; gw && i < d->ngateways; i++)
		if (gw->sid && !strcmp(d->gateways[i].id, gw->sid))
			return d->gateways[i].offsite;
	return 0;
}

/* OrderStorage::doOrderPreSave: the paid event fires once, when the order becomes paid. */
void seam__sim_drupal_check_paid(seam_sim_drupal_t *d, seam_sim_ent_t *o, int64_t t)
{
	json_t *data = json_object_get(o->attrs, "data");
	json_t *flag = json_object_get(data, "paid_event_dispatched");
	if (!json_is_false(flag) || !order_is_paid(o))
		return;
	json_object_set_new(data, "paid_event_dispatched", json_true());
	emit(d, o, "order.paid", NULL);
	/* OrderPaidSubscriber: an off-site gateway's paid draft is placed and unlocked */
	const char *state = seam__sim_drupal_attr_str(o, "state");
	if (state && !strcmp(state, "draft") &&
	    gateway_offsite(d, seam__sim_drupal_rel_target(d, o, "payment_gateway"))) {
		const transition_t *tr = seam__sim_drupal_wf_by_id(d->workflow, "place", "draft");
		if (tr)
			seam__sim_drupal_order_transition(d, o, tr, t);
		json_object_set_new(o->attrs, "locked", json_false());
	}
}

void seam__sim_drupal_order_saved(seam_sim_ent_t *o, int64_t t)
{
	json_t *v = json_object_get(o->attrs, "version");
	json_object_set_new(o->attrs, "version", json_integer(json_integer_value(v) + 1));
	seam__sim_drupal_touch(o, t);
}

void seam__sim_drupal_order_transition(seam_sim_drupal_t *d, seam_sim_ent_t *o,
				       const transition_t *tr, int64_t t)
{
	json_object_set_new(o->attrs, "state", json_string(tr->to));
	if (!strcmp(tr->id, "place")) {
		json_object_set_new(o->attrs, "placed", seam__sim_drupal_ts_json(t));
		const char *num = seam__sim_drupal_attr_str(o, "order_number");
		if (!num || !*num) {
			char buf[24];
			snprintf(buf, sizeof buf, "%lld", (long long)o->iid);
			json_object_set_new(o->attrs, "order_number", json_string(buf));
		}
		json_object_set_new(o->attrs, "cart", json_false());
	}
	if (!strcmp(tr->to, "completed"))
		json_object_set_new(o->attrs, "completed", seam__sim_drupal_ts_json(t));
	const char *ev = !strcmp(tr->id, "place")      ? "order.placed"
			 : !strcmp(tr->id, "cancel")   ? "order.canceled"
			 : !strcmp(tr->id, "fulfill")  ? "order.fulfilled"
			 : !strcmp(tr->id, "validate") ? "order.validated"
						       : "order.updated";
	emit(d, o, ev, tr->id);
	seam__sim_drupal_check_paid(d, o, t);
}

int seam__sim_drupal_is_payment(const seam_sim_ent_t *e)
{
	return e->type == &seam__sim_drupal_types[T_PAYMENT_DEFAULT] ||
	       e->type == &seam__sim_drupal_types[T_PAYMENT_MANUAL];
}

/* PaymentOrderUpdater::updateOrders: total_paid from scratch over completed payments. */
void seam__sim_drupal_order_update_paid(seam_sim_drupal_t *d, seam_sim_ent_t *o, int64_t t)
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
		if (seam__sim_drupal_price_get(json_object_get(p->attrs, "amount"), &amount,
					       &c) != 0)
			continue;
		seam__sim_drupal_price_get(json_object_get(p->attrs, "refunded_amount"), &refunded,
					   NULL);
		sum += amount - refunded;
		snprintf(cur, sizeof cur, "%s", c);
		any = 1;
		if (!first_gw)
			first_gw = seam__sim_drupal_rel_target(d, p, "payment_gateway");
	}
	if (!any)
		return;
	json_object_set_new(o->attrs, "total_paid", seam__sim_drupal_price_json(sum, cur));
	json_t *gw = json_object_get(o->rels, "payment_gateway");
	if ((!gw || json_is_null(gw)) && first_gw)
		seam__sim_drupal_set_rel(o, "payment_gateway", first_gw);
	seam__sim_drupal_order_recompute(d, o);
	seam__sim_drupal_order_saved(o, t);
	seam__sim_drupal_check_paid(d, o, t);
}

/* The order a payment or item belongs to. */
seam_sim_ent_t *seam__sim_drupal_order_of(seam_sim_drupal_t *d, const seam_sim_ent_t *e)
{
	seam_sim_ent_t *o = seam__sim_drupal_rel_target(d, e, "order_id");
	return o && o->type == &seam__sim_drupal_types[T_ORDER] ? o : NULL;
}

void seam__sim_drupal_item_recompute(seam_sim_ent_t *it)
{
	int64_t unit, qty, total;
	const char *cur;
	if (seam__sim_drupal_price_get(json_object_get(it->attrs, "unit_price"), &unit,
				       &cur) != 0) {
		json_object_set_new(it->attrs, "total_price", json_null());
		return;
	}
	const char *q = seam__sim_drupal_attr_str(it, "quantity");
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
	json_object_set_new(it->attrs, "total_price", seam__sim_drupal_price_json(total, curbuf));
}

/* The unit price of variation v in an order of store: the variation's price, or, in a store
 * whose currency differs, the same number in the store's currency rounded to its digits (a
 * per-store price list, as multi-currency sites run; plain Commerce would put the variation's
 * currency on an order of the EU store). New reference. */
json_t *seam__sim_drupal_unit_price_for(seam_sim_drupal_t *d, const seam_sim_ent_t *store,
					const seam_sim_ent_t *v)
{
	json_t *p = json_object_get(v->attrs, "price");
	const char *cur = NULL, *want = NULL;
	int64_t units;
	for (size_t i = 0; store && i < d->nstores; i++)
		if (d->stores[i].uuid && !strcmp(d->stores[i].uuid, store->uuid))
			want = d->stores[i].currency;
	if (!want || seam__sim_drupal_price_get(p, &units, &cur) != 0 || !strcmp(cur, want))
		return json_deep_copy(p);
	int digits = seam_sim_currency_digits(want);
	units = seam_sim_dec_rescale(seam_sim_dec_rescale(units, SCALE, digits), digits, SCALE);
	return seam__sim_drupal_price_json(units, want);
}

/* A product as Drupal stores it (title, stores and variations are the caller's). */
seam_sim_ent_t *seam__sim_drupal_product_new(seam_sim_drupal_t *d, int64_t t)
{
	seam_sim_ent_t *p = seam__sim_drupal_ent_new(d, T_PRODUCT, NULL, NULL);
	if (!p)
		return NULL;
	json_t *a = p->attrs;
	json_object_set_new(a, "langcode", json_string("en"));
	json_object_set_new(a, "status", json_true());
	json_object_set_new(a, "title", json_null());
	json_object_set_new(a, "path", json_pack("{s:n, s:n, s:s}", "alias", "pid", "langcode", "en"));
	json_object_set_new(a, "created", seam__sim_drupal_ts_json(t));
	json_object_set_new(a, "changed", seam__sim_drupal_ts_json(t));
	json_object_set_new(a, "default_langcode", json_true());
	json_object_set_new(a, "body", json_null());
	json_object_set_new(a, "seam_pim_id", json_null());
	seam__sim_drupal_set_rel(p, "commerce_product_type",
				 seam__sim_drupal_find_sid(d, T_PRODUCT_TYPE, "default"));
	seam__sim_drupal_set_rel(p, "uid", d->admin);
	json_object_set_new(p->rels, "stores", json_array());
	json_object_set_new(p->rels, "variations", json_array());
	return p;
}

/* A variation as Drupal stores it (sku, title, price, stock and product are the caller's). */
seam_sim_ent_t *seam__sim_drupal_variation_new(seam_sim_drupal_t *d, int64_t t, int status)
{
	seam_sim_ent_t *v = seam__sim_drupal_ent_new(d, T_VARIATION, NULL, NULL);
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
	json_object_set_new(a, "created", seam__sim_drupal_ts_json(t));
	json_object_set_new(a, "changed", seam__sim_drupal_ts_json(t));
	json_object_set_new(a, "default_langcode", json_true());
	json_object_set_new(a, "seam_stock", json_null());
	seam__sim_drupal_set_rel(v, "commerce_product_variation_type",
				 seam__sim_drupal_find_sid(d, T_VARIATION_TYPE, "default"));
	seam__sim_drupal_set_rel(v, "uid", d->admin);
	seam__sim_drupal_set_rel(v, "product_id", NULL);
	seam__sim_drupal_set_rel(v, "attribute_color", NULL);
	seam__sim_drupal_set_rel(v, "attribute_size", NULL);
	return v;
}
