/*
 * stock.c: the storefront module's stock (drupal/seam_bridge, "Stock" in docs/bridge.md):
 * the variation field seam_stock and the availability check Commerce runs on order items.
 *
 * seam_stock is a decimal base field, numeric(14,4), NULL when seam does not manage the
 * variation's stock. Drupal's decimal validation answers a value that is not a number with
 * "seam_stock.0.value: This value should be of the correct primitive type.", and the field's
 * min/max settings a negative or too large one with the Range messages below, each at
 * /data/attributes/seam_stock/value, as the real site does (write.c's field check calls
 * seam__sim_drupal_stock_check() for this field). The value
 * is rounded half up to 4 decimals (DecimalItem::preSave; the double refuses more than 6, as
 * its other decimals, where Drupal would round) and read back with 4 decimals
 * ("12.0000"), as MySQL and PostgreSQL return a numeric(14,4) column (SQLite would give "12" or
 * "0.0": readers compare numbers, never strings).
 *
 * The availability check is the module's StockAvailabilityChecker and StockPolicy::check():
 * a line of a draft order (or of no order) may hold at most the variation's seam_stock, counted
 * together with the order's other lines of the same variation; NULL means no limit. A POST, or
 * a PATCH that sends purchased_entity, is refused the way Commerce's PurchasedEntityAvailable
 * constraint refuses it (422 at /data/attributes/purchased_entity); a PATCH of the quantity
 * alone the way the module's SeamStockQuantity constraint does (at /data/attributes/quantity).
 * The double has no order refresh, so lowering a stock does not touch existing lines.
 *
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the files
 * share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <stdio.h>
#include <string.h>

#include "sim/sim_money.h"

#define STOCK_SCALE 4
#define STOCK_MAX "9999999999.9999"

static const char *const out_of_stock = "This product is out of stock.";

/* The stock value sent (string or integer) in units of 10^-SCALE. 0, or -1 when not a number. */
static int stock_value(const json_t *v, int64_t *out)
{
	char buf[32];
	const char *s = json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		s = buf;
	}
	return s && seam_sim_dec_parse(s, SCALE, out) == 0 ? 0 : -1;
}

int seam__sim_drupal_stock_check(seam_sim_call_t *c, const json_t *data)
{
	json_t *v = seam__sim_drupal_attr_in(data, "seam_stock");
	int64_t x, max;
	const char *ptr = "/data/attributes/seam_stock/value";
	if (!v || json_is_null(v))
		return 0;
	if (stock_value(v, &x) != 0) {
		/* Drupal's PrimitiveType violation; a JSON float is one here too (Drupal would take
		 * it: seam sends strings) */
		seam__sim_drupal_fail(
			c, 422, ptr, "seam_stock.0.value: This value should be of the correct primitive type.");
		return -1;
	}
	if (x < 0) {
		seam__sim_drupal_fail(
			c, 422, ptr,
			"seam_stock.0.value: Stock (from the ERP): the value may be no less than 0.");
		return -1;
	}
	seam_sim_dec_parse(STOCK_MAX, SCALE, &max);
	if (x > max) {
		seam__sim_drupal_fail(
			c, 422, ptr,
			"seam_stock.0.value: Stock (from the ERP): the value may be no greater than %s.",
			STOCK_MAX);
		return -1;
	}
	return 0;
}

void seam__sim_drupal_stock_store(seam_sim_ent_t *v, const json_t *data)
{
	json_t *sent = seam__sim_drupal_attr_in(data, "seam_stock");
	int64_t x;
	char buf[SEAM_SIM_DEC_MAX];
	if (!sent)
		return;
	if (json_is_null(sent) || stock_value(sent, &x) != 0) {
		json_object_set_new(v->attrs, "seam_stock", json_null());
		return;
	}
	seam_sim_dec_format(seam_sim_dec_rescale(seam_sim_dec_rescale(x, SCALE, STOCK_SCALE),
						 STOCK_SCALE, SCALE),
			    SCALE, STOCK_SCALE, buf);
	json_object_set_new(v->attrs, "seam_stock", json_string(buf));
}

/* A quantity as stored or sent: string, integer, or absent (1). -1 when not a number. */
static int qty_value(const json_t *q, int64_t *out)
{
	if (!q || json_is_null(q)) {
		*out = 1000000;
		return 0;
	}
	return stock_value(q, out);
}

/* What the order's lines other than self hold of variation v. */
static int64_t held_elsewhere(seam_sim_drupal_t *d, const seam_sim_ent_t *order,
			      const seam_sim_ent_t *v, const seam_sim_ent_t *self)
{
	int64_t sum = 0, q;
	size_t i;
	json_t *r;
	if (!order)
		return 0;
	json_array_foreach(json_object_get(order->rels, "order_items"), i, r) {
		seam_sim_ent_t *it =
			seam__sim_drupal_lookup(d, json_string_value(json_object_get(r, "id")));
		if (!it || it == self || seam__sim_drupal_rel_target(d, it, "purchased_entity") != v)
			continue;
		if (qty_value(json_object_get(it->attrs, "quantity"), &q) == 0 && q > 0)
			sum += q;
	}
	return sum;
}

int seam__sim_drupal_stock_refuses(seam_sim_drupal_t *d, seam_sim_call_t *c,
				   const seam_sim_ent_t *item, const seam_sim_ent_t *v,
				   const seam_sim_ent_t *order, const json_t *quantity,
				   const char *field)
{
	int64_t stock, q, held;
	char ptr[64], s_buf[SEAM_SIM_DEC_MAX], h_buf[SEAM_SIM_DEC_MAX];
	json_t *sv = v ? json_object_get(v->attrs, "seam_stock") : NULL;
	const char *state = order ? seam__sim_drupal_attr_str(order, "state") : NULL;
	if (!sv || json_is_null(sv) || stock_value(sv, &stock) != 0)
		return 0;
	/* PurchasedEntityAvailableConstraintValidator: a placed order's lines are history */
	if (order && (!state || strcmp(state, "draft")))
		return 0;
	if (qty_value(quantity, &q) != 0 || q <= 0)
		return 0;
	held = held_elsewhere(d, order, v, item);
	if (stock > 0 && q + held <= stock)
		return 0;
	snprintf(ptr, sizeof ptr, "/data/attributes/%s", field);
	if (stock <= 0) {
		seam__sim_drupal_fail(c, 422, ptr, "%s: %s", field, out_of_stock);
		return 1;
	}
	seam_sim_dec_format(stock, SCALE, 0, s_buf);
	seam_sim_dec_format(held, SCALE, 0, h_buf);
	if (held == 0)
		seam__sim_drupal_fail(c, 422, ptr, "%s: Only %s left in stock.", field, s_buf);
	else
		seam__sim_drupal_fail(c, 422, ptr,
				      "%s: Only %s left in stock, and your cart already has %s.",
				      field, s_buf, h_buf);
	return 1;
}
