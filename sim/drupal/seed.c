/*
 * seed.c: seeding: config entities, users, the catalogue and the order history from the seed.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_money.h"

static seam_sim_ent_t *config_ent(seam_sim_drupal_t *d, int t, const char *id, const char *label)
{
	seam_sim_ent_t *e = seam__sim_drupal_ent_new(d, t, id, NULL);
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
	seam_sim_ent_t *u = seam__sim_drupal_ent_new(d, T_USER, NULL, NULL);
	if (!u)
		return NULL;
	json_object_set_new(u->attrs, "langcode", json_string("en"));
	json_object_set_new(u->attrs, "name", json_string(name));
	json_object_set_new(u->attrs, "mail", json_string(mail));
	json_object_set_new(u->attrs, "timezone", json_string("UTC"));
	json_object_set_new(u->attrs, "status", json_true());
	json_object_set_new(u->attrs, "created", seam__sim_drupal_ts_json(t));
	json_object_set_new(u->attrs, "changed", seam__sim_drupal_ts_json(t));
	u->is_protected = 1;
	return u;
}

seam_sim_ent_t *seam__sim_drupal_new_order(seam_sim_drupal_t *d, seam_sim_ent_t *store,
					   seam_sim_ent_t *customer, const char *mail,
					   const char *number, const char *state, int64_t t)
{
	seam_sim_ent_t *o = seam__sim_drupal_ent_new(d, T_ORDER, NULL, NULL);
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
	json_object_set_new(a, "created", seam__sim_drupal_ts_json(t));
	json_object_set_new(a, "changed", seam__sim_drupal_ts_json(t));
	json_object_set_new(a, "placed", json_null());
	json_object_set_new(a, "completed", json_null());
	json_object_set_new(a, "customer_comments", json_null());
	json_object_set_new(a, "cart", json_false());
	json_object_set_new(a, "checkout_step", json_null());
	json_object_set_new(a, "seam_erp_number", json_null());
	json_object_set_new(a, "seam_external_refs", json_null());
	seam__sim_drupal_set_rel(o, "commerce_order_type",
				 seam__sim_drupal_find_sid(d, T_ORDER_TYPE, "default"));
	seam__sim_drupal_set_rel(o, "store_id", store);
	seam__sim_drupal_set_rel(o, "uid", customer);
	seam__sim_drupal_set_rel(o, "billing_profile", NULL);
	json_object_set_new(o->rels, "order_items", json_array());
	seam__sim_drupal_set_rel(o, "checkout_flow", NULL);
	seam__sim_drupal_set_rel(o, "payment_gateway", NULL);
	seam__sim_drupal_set_rel(o, "payment_method", NULL);
	o->is_protected = 1;
	return o;
}

/* A customer billing profile (California, the store's country) for order o, linked as its
 * billing_profile; line_no makes the street line. */
void seam__sim_drupal_billing_profile(seam_sim_drupal_t *d, seam_sim_ent_t *o, seam_sim_ent_t *cust,
				      int64_t line_no, int64_t t)
{
	seam_sim_ent_t *prof = seam__sim_drupal_ent_new(d, T_PROFILE, NULL, NULL);
	if (!prof)
		return;
	json_object_set_new(prof->attrs, "status", json_true());
	json_object_set_new(prof->attrs, "is_default", json_true());
	json_object_set_new(prof->attrs, "data", json_null());
	json_object_set_new(prof->attrs, "created", seam__sim_drupal_ts_json(t));
	json_object_set_new(prof->attrs, "changed", seam__sim_drupal_ts_json(t));
	char line[64], family[32];
	snprintf(line, sizeof line, "%lld Main Street", (long long)line_no);
	snprintf(family, sizeof family, "Buyer%lld", (long long)cust->iid);
	json_object_set_new(prof->attrs, "address",
			    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "country_code",
				      d->stores[0].country, "administrative_area", "CA", "locality",
				      "Springfield", "postal_code", "94105", "address_line1", line,
				      "given_name", "Pat", "family_name", family));
	seam__sim_drupal_set_rel(prof, "profile_type",
				 seam__sim_drupal_find_sid(d, T_PROFILE_TYPE, "customer"));
	seam__sim_drupal_set_rel(prof, "uid", cust);
	prof->is_protected = 1;
	json_object_set_new(o->rels, "billing_profile",
			    json_pack("{s:s, s:s, s:{s:I, s:I}}", "type",
				      seam__sim_drupal_types[T_PROFILE].name, "id", prof->uuid, "meta",
				      "target_revision_id", (json_int_t)prof->iid,
				      "drupal_internal__target_id", (json_int_t)prof->iid));
}

seam_sim_ent_t *seam__sim_drupal_new_item(seam_sim_drupal_t *d, seam_sim_ent_t *order,
					  seam_sim_ent_t *variation, const char *title,
					  const char *qty, json_t *unit_price, int64_t t)
{
	seam_sim_ent_t *it = seam__sim_drupal_ent_new(d, T_ITEM, NULL, NULL);
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
	json_object_set_new(a, "created", seam__sim_drupal_ts_json(t));
	json_object_set_new(a, "changed", seam__sim_drupal_ts_json(t));
	seam__sim_drupal_set_rel(it, "commerce_order_item_type",
				 seam__sim_drupal_find_sid(d, T_ITEM_TYPE, "default"));
	seam__sim_drupal_set_rel(it, "order_id", order);
	seam__sim_drupal_set_rel(it, "purchased_entity", variation);
	it->is_protected = 1;
	seam__sim_drupal_item_recompute(it);
	return it;
}

seam_sim_ent_t *seam__sim_drupal_new_payment(seam_sim_drupal_t *d, int t_idx, seam_sim_ent_t *order,
					     seam_sim_ent_t *gateway, const char *mode,
					     json_t *amount, const char *state,
					     const char *remote_id, const char *remote_state,
					     int64_t t)
{
	seam_sim_ent_t *p = seam__sim_drupal_ent_new(d, t_idx, NULL, NULL);
	if (!p)
		return NULL;
	json_t *a = p->attrs;
	const char *cur = json_string_value(json_object_get(amount, "currency_code"));
	json_object_set_new(a, "commerce_payment_type",
			    json_string(seam__sim_drupal_types[t_idx].bundle));
	json_object_set_new(a, "payment_gateway_mode", json_string(mode));
	json_object_set_new(a, "remote_id", remote_id ? json_string(remote_id) : json_null());
	json_object_set_new(a, "remote_state", remote_state ? json_string(remote_state) : json_null());
	json_object_set_new(a, "amount", amount);
	json_object_set_new(a, "refunded_amount",
			    seam__sim_drupal_price_json(0, cur ? cur : "USD"));
	json_object_set_new(a, "state", json_string(state));
	json_object_set_new(a, "authorized",
			    !strcmp(state, "authorization") ? seam__sim_drupal_ts_json(t)
							    : json_null());
	json_object_set_new(a, "expires", seam__sim_drupal_ts_json(0));
	json_object_set_new(a, "completed",
			    !strcmp(state, "completed") ? seam__sim_drupal_ts_json(t)
							: json_null());
	json_object_set_new(a, "avs_response_code", json_null());
	json_object_set_new(a, "avs_response_code_label", json_null());
	json_object_set_new(a, "test", json_null());
	json_object_set_new(a, "captured", json_null());
	seam__sim_drupal_set_rel(p, "payment_gateway", gateway);
	seam__sim_drupal_set_rel(p, "payment_method", NULL);
	seam__sim_drupal_set_rel(p, "order_id", order);
	p->is_protected = 1;
	return p;
}

void seam__sim_drupal_item_link(seam_sim_ent_t *order, seam_sim_ent_t *item)
{
	seam__sim_drupal_add_rel(order, "order_items", item);
}

void seam__sim_drupal_free_data(seam_sim_drupal_t *d)
{
	seam__sim_drupal_page_cache_clear(d);
	for (size_t i = 0; i < d->n; i++)
		seam__sim_drupal_ent_free(d->ents[i]);
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
	for (int t = 0; t < T__COUNT; t++) {
		free(d->by_type[t]);
		d->by_type[t] = NULL;
		d->ntype[t] = d->captype[t] = 0;
	}
	json_decref(d->ix);
	d->ix = NULL;
	json_decref(d->reject);
	d->reject = NULL;
	json_decref(d->translations);
	d->translations = NULL;
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

seam_err_t seam__sim_drupal_seed(seam_sim_drupal_t *d, seam_error_t *err)
{
	d->quiet = 1;
	seam_sim_rng_init(&d->rng, d->seed, "drupal");
	d->by_uuid = json_object();
	d->idem = json_object();
	d->ix = json_object();
	d->reject = json_object();
	d->translations = json_object();
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
		if (!seam__sim_drupal_find_sid(d, T_CURRENCY, sc->currency)) {
			seam_sim_ent_t *c =
				seam__sim_drupal_ent_new(d, T_CURRENCY, sc->currency, NULL);
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
		seam_sim_ent_t *s = seam__sim_drupal_ent_new(d, T_STORE, NULL, sc->uuid);
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
		json_object_set_new(s->attrs, "created", seam__sim_drupal_ts_json(t0 - 90 * 86400));
		json_object_set_new(s->attrs, "changed", seam__sim_drupal_ts_json(t0 - 90 * 86400));
		json_object_set_new(s->attrs, "default_langcode", json_true());
		seam__sim_drupal_set_rel(s, "commerce_store_type",
					 seam__sim_drupal_find_sid(d, T_STORE_TYPE, "online"));
		seam__sim_drupal_set_rel(s, "uid", d->admin);
		seam__sim_drupal_set_rel(s, "default_currency",
					 seam__sim_drupal_find_sid(d, T_CURRENCY, sc->currency));
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
		seam_sim_ent_t *pe = seam__sim_drupal_product_new(d, tc);
		if (!pe)
			break;
		char title[64];
		snprintf(title, sizeof title, "Product %lld", (long long)pe->iid);
		json_object_set_new(pe->attrs, "title", json_string(title));
		for (size_t s = 0; s < d->nstores; s++)
			seam__sim_drupal_add_rel(pe, "stores", stores[s]);
		for (int64_t v = 0; v < d->n_variations; v++) {
			int hidden = d->hidden_fraction > 0 &&
				     seam_sim_rng_double(&d->rng) < d->hidden_fraction;
			seam_sim_ent_t *ve = seam__sim_drupal_variation_new(d, tc, !hidden);
			if (!ve)
				break;
			char sku[32], vt[96];
			snprintf(sku, sizeof sku, "SKU-%06lld", (long long)ve->iid);
			snprintf(vt, sizeof vt, "%s - %lld", title, (long long)(v + 1));
			json_t *va = ve->attrs;
			json_object_set_new(va, "sku", json_string(sku));
			json_object_set_new(va, "title", json_string(vt));
			json_object_set_new(va, "price",
					    seam__sim_drupal_price_json(price_units(d), cur));
			json_object_set_new(va, "field_stock_level",
					    json_pack("{s:I}", "available_stock",
						      (json_int_t)seam_sim_rng_range(&d->rng, 0, 100)));
			seam__sim_drupal_set_rel(ve, "product_id", pe);
			seam__sim_drupal_index(d, ve);
			ve->hidden = hidden;
			seam__sim_drupal_add_rel(pe, "variations", ve);
			if (v == 0)
				seam__sim_drupal_set_rel(pe, "default_variation", ve);
			vars[nv++] = ve;
		}
	}
	/* orders: a deterministic mix of drafts, placed, further along, canceled */
	seam_sim_ent_t *gw_default = NULL;
	for (size_t i = 0; i < d->ngateways && !gw_default; i++)
		if (!strcmp(d->gateways[i].payment_type, "payment_default"))
			gw_default = seam__sim_drupal_find_sid(d, T_GATEWAY, d->gateways[i].id);
	for (int64_t i = 0; i < d->n_orders && nv > 0 && d->nstores > 0; i++) {
		seam_sim_ent_t *cust = d->n_customers
					       ? customers[seam_sim_rng_range(&d->rng, 0, d->n_customers - 1)]
					       : d->admin;
		seam_sim_ent_t *store = stores[seam_sim_rng_range(&d->rng, 0, (int64_t)d->nstores - 1)];
		int64_t tc = t0 - seam_sim_rng_range(&d->rng, 1, 30 * 86400);
		seam_sim_ent_t *o = seam__sim_drupal_new_order(
			d, store, cust, seam__sim_drupal_attr_str(cust, "mail"), NULL, "draft", tc);
		if (!o)
			break;
		seam__sim_drupal_billing_profile(d, o, cust, 100 + i, tc);
		int64_t nitems = seam_sim_rng_range(&d->rng, 1, 3);
		for (int64_t k = 0; k < nitems; k++) {
			seam_sim_ent_t *v = vars[seam_sim_rng_range(&d->rng, 0, (int64_t)nv - 1)];
			char qty[8];
			snprintf(qty, sizeof qty, "%lld", (long long)seam_sim_rng_range(&d->rng, 1, 3));
			seam_sim_ent_t *it = seam__sim_drupal_new_item(
				d, o, v, seam__sim_drupal_attr_str(v, "title"), qty,
				seam__sim_drupal_unit_price_for(d, store, v), tc);
			if (it)
				seam__sim_drupal_item_link(o, it);
		}
		seam__sim_drupal_order_recompute(d, o);
		/* walk the workflow: 10% stay drafts, 10% are canceled, the rest are placed and
		 * advance a random number of steps */
		double r = seam_sim_rng_double(&d->rng);
		const char *cur_state = "draft";
		int64_t tt = tc + 300;
		if (r < 0.1) {
			continue;
		} else if (r < 0.2) {
			const transition_t *tr =
				seam__sim_drupal_wf_by_id(d->workflow, "cancel", "draft");
			if (tr)
				seam__sim_drupal_order_transition(d, o, tr, tt);
			continue;
		}
		const transition_t *tr = seam__sim_drupal_wf_by_id(d->workflow, "place", cur_state);
		seam__sim_drupal_order_transition(d, o, tr, tt);
		int steps = (int)seam_sim_rng_range(&d->rng, 0, 2);
		for (int s = 0; s < steps; s++) {
			const char *st = seam__sim_drupal_attr_str(o, "state");
			const transition_t *nx =
				seam__sim_drupal_wf_by_id(d->workflow, "validate", st);
			if (!nx)
				nx = seam__sim_drupal_wf_by_id(d->workflow, "fulfill", st);
			if (!nx)
				break;
			tt += 3600;
			seam__sim_drupal_order_transition(d, o, nx, tt);
		}
		if (gw_default && seam_sim_rng_double(&d->rng) < d->paid_fraction) {
			char rid[40] = "pi_";
			seam_sim_rng_alnum(&d->rng, rid + 3, 24);
			json_t *amount = json_deep_copy(json_object_get(o->attrs, "total_price"));
			seam_sim_ent_t *p = seam__sim_drupal_new_payment(
				d, T_PAYMENT_DEFAULT, o, gw_default, "test", amount, "completed",
				rid, "succeeded", tc + 310);
			if (p)
				seam__sim_drupal_order_update_paid(d, o, tc + 310);
		}
	}
	free(customers);
	free(vars);
	free(stores);
	if (seam__sim_drupal_seed_attributes(d) != SEAM_OK)
		goto oom;
	d->quiet = 0;
	return SEAM_OK;
oom:
	d->quiet = 0;
	return seam_errorf(err, SEAM_NOMEM, "drupal: out of memory while seeding");
}
