/*
 * control.c: the control API: POST /_sim/drupal/orders and /_sim/drupal/orders/{uuid}/transition.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_money.h"

static seam_sim_ent_t *store_by_ref(seam_sim_drupal_t *d, const char *ref)
{
	for (size_t i = 0; i < d->nstores; i++)
		if (!ref || !strcmp(d->stores[i].seam_store, ref) || !strcmp(d->stores[i].uuid, ref))
			return seam__sim_drupal_lookup(d, d->stores[i].uuid);
	return NULL;
}

/* Walks order o from draft to target along the workflow; 0 or -1 when unreachable. */
static int walk_to(seam_sim_drupal_t *d, seam_sim_ent_t *o, const char *target, int64_t t)
{
	if (!strcmp(target, "draft"))
		return 0;
	if (!strcmp(target, "canceled")) {
		const transition_t *tr = seam__sim_drupal_wf_by_id(d->workflow, "cancel", "draft");
		seam__sim_drupal_order_transition(d, o, tr, t);
		return 0;
	}
	const char *order_ids[] = {"place", "validate", "fulfill"};
	if (!strcmp(target, "placed"))
		target = NULL; /* just place */
	else if (!seam__sim_drupal_wf_has_state(d->workflow, target))
		return -1;
	for (int i = 0; i < 3; i++) {
		const char *st = seam__sim_drupal_attr_str(o, "state");
		if (target && !strcmp(st, target))
			return 0;
		const transition_t *tr = seam__sim_drupal_wf_by_id(d->workflow, order_ids[i], st);
		if (!tr)
			continue;
		seam__sim_drupal_order_transition(d, o, tr, t);
		if (!target)
			return 0;
	}
	return target && strcmp(seam__sim_drupal_attr_str(o, "state"), target) ? -1 : 0;
}

/* A tax adjustment of rate on each item's total, rounded to the currency per item, as a tax
 * type that adds tax on top leaves them (the storefront charged it at checkout). */
static void charge_tax(seam_sim_drupal_t *d, seam_sim_ent_t *o, const char *rate_text,
		       int64_t rate)
{
	size_t i;
	json_t *ref;
	json_array_foreach(json_object_get(o->rels, "order_items"), i, ref) {
		seam_sim_ent_t *it =
			seam__sim_drupal_lookup(d, json_string_value(json_object_get(ref, "id")));
		int64_t total, tax;
		const char *cur;
		if (!it ||
		    seam__sim_drupal_price_get(json_object_get(it->attrs, "total_price"), &total,
					       &cur) != 0 ||
		    seam_sim_dec_mul(total, SCALE, rate, SCALE, SCALE, &tax) != 0)
			continue;
		int digits = seam_sim_currency_digits(cur);
		tax = seam_sim_dec_rescale(seam_sim_dec_rescale(tax, SCALE, digits), digits, SCALE);
		json_t *adj = json_pack("{s:s, s:s, s:o, s:s, s:s, s:b, s:b}", "type", "tax", "label",
					"Sales tax", "amount", seam__sim_drupal_price_json(tax, cur),
					"percentage", rate_text, "source_id", "seam_sim|sales_tax",
					"included", 0, "locked", 0);
		json_object_set_new(it->attrs, "adjustments", json_pack("[o]", adj));
	}
	seam__sim_drupal_order_recompute(d, o);
}

void seam__sim_drupal_h_sim_orders(seam_sim_call_t *c, void *ctx)
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
	const char *tax = json_string_value(json_object_get(body, "tax"));
	int64_t rate = 0;
	if (!state)
		state = "placed";
	if (tax && (seam_sim_dec_parse(tax, SCALE, &rate) != 0 || rate < 0 || rate > 1000000)) {
		json_decref(body);
		seam_sim_problem(c, 400, "bad-request", "tax is a rate from \"0\" to \"1\" (\"0.0725\")");
		return;
	}
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
	    !seam__sim_drupal_wf_has_state(d->workflow, state)) {
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
		if (d->ents[i]->type == &seam__sim_drupal_types[T_VARIATION] && !d->ents[i]->hidden)
			vars[nv++] = d->ents[i];
		if (!cust && d->ents[i]->type == &seam__sim_drupal_types[T_USER] &&
		    d->ents[i] != d->admin)
			cust = d->ents[i];
	}
	json_t *out = json_array();
	int64_t t = seam__sim_drupal_now_s();
	for (json_int_t i = 0; i < count && nv > 0; i++) {
		seam_sim_ent_t *o = seam__sim_drupal_new_order(
			d, store, cust ? cust : d->admin,
			mail   ? mail
			: cust ? seam__sim_drupal_attr_str(cust, "mail")
			       : "buyer@example.com",
			NULL, "draft", t);
		if (!o)
			break;
		if (cust)
			seam__sim_drupal_billing_profile(d, o, cust, (int64_t)o->iid, t);
		json_int_t k = nitems > 0 ? nitems : seam_sim_rng_range(&d->rng, 1, 3);
		for (json_int_t j = 0; j < k; j++) {
			seam_sim_ent_t *v = vars[seam_sim_rng_range(&d->rng, 0, (int64_t)nv - 1)];
			char qty[8];
			snprintf(qty, sizeof qty, "%lld", (long long)seam_sim_rng_range(&d->rng, 1, 3));
			seam_sim_ent_t *it = seam__sim_drupal_new_item(
				d, o, v, seam__sim_drupal_attr_str(v, "title"), qty,
				seam__sim_drupal_unit_price_for(d, store, v), t);
			if (it)
				seam__sim_drupal_item_link(o, it);
		}
		seam__sim_drupal_order_recompute(d, o);
		if (rate > 0)
			charge_tax(d, o, tax, rate);
		walk_to(d, o, state, t);
		json_array_append_new(out,
				      json_pack("{s:s, s:I, s:O, s:O, s:o}", "uuid", o->uuid,
						"order_id", (json_int_t)o->iid, "order_number",
						json_object_get(o->attrs, "order_number"), "state",
						json_object_get(o->attrs, "state"), "total",
						seam__sim_drupal_plain_price(
							json_object_get(o->attrs, "total_price"))));
	}
	pthread_mutex_unlock(&d->mu);
	free(vars);
	json_decref(body);
	seam_sim_reply_json(c, 201, NULL, json_pack("{s:o}", "orders", out));
}

void seam__sim_drupal_h_sim_order_transition(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	json_t *body = seam_sim_body_json(c);
	const char *id = json_string_value(json_object_get(body, "transition"));
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *o = seam__sim_drupal_lookup(d, seam_sim_param(c, "id"));
	if (!o || o->type != &seam__sim_drupal_types[T_ORDER]) {
		pthread_mutex_unlock(&d->mu);
		json_decref(body);
		seam_sim_problem(c, 404, "not-found", "no such order");
		return;
	}
	const transition_t *tr =
		id ? seam__sim_drupal_wf_by_id(d->workflow, id,
					       seam__sim_drupal_attr_str(o, "state"))
		   : NULL;
	if (!tr) {
		json_t *err = json_pack("{s:s, s:O, s:s?}", "error", "transition_not_allowed",
					"current_state", json_object_get(o->attrs, "state"),
					"transition", id);
		pthread_mutex_unlock(&d->mu);
		json_decref(body);
		seam_sim_reply_json(c, 409, NULL, err);
		return;
	}
	int64_t t = seam__sim_drupal_now_s();
	seam__sim_drupal_order_transition(d, o, tr, t);
	seam__sim_drupal_order_saved(o, t);
	seam__sim_drupal_reply_created(c, o, 200);
	pthread_mutex_unlock(&d->mu);
	json_decref(body);
}
