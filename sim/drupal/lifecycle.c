/*
 * lifecycle.c: lifecycle: the route table, create (config sections), reset, destroy.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "sim/sim_money.h"

static const seam_sim_route_t routes[] = {
	{"GET", "/jsonapi", seam__sim_drupal_h_index, 0, "JSON:API index"},
	{"GET", "/jsonapi/{et}/{bundle}", seam__sim_drupal_h_collection, 0,
	 "collection (filter, sort, page, include)"},
	{"POST", "/jsonapi/{et}/{bundle}", seam__sim_drupal_h_post, 0, "create a resource"},
	{"GET", "/jsonapi/{et}/{bundle}/{id}", seam__sim_drupal_h_individual, 0, "one resource"},
	{"PATCH", "/jsonapi/{et}/{bundle}/{id}", seam__sim_drupal_h_patch, 0, "update a resource"},
	{"GET", "/jsonapi/{et}/{bundle}/{id}/{field}", seam__sim_drupal_h_related, 0,
	 "related resources"},
	{"POST", "/seam/payment/{id}/transition", seam__sim_drupal_h_transition, 0,
	 "seam_bridge payment transition"},
	{"GET", "/seam/catalog/product/{id}/translation/{lang}", seam__sim_drupal_h_translation_get, 0,
	 "seam_bridge: a product's translation (title, body, variation titles)"},
	{"PUT", "/seam/catalog/product/{id}/translation/{lang}", seam__sim_drupal_h_translation_put, 0,
	 "seam_bridge: create or update a product's translation"},
	{"DELETE", "/seam/catalog/product/{id}/translation/{lang}",
	 seam__sim_drupal_h_translation_delete, 0, "seam_bridge: remove a product's translation"},
	{"POST", "/_sim/drupal/orders", seam__sim_drupal_h_sim_orders, 0,
	 "create and place orders in bulk"},
	{"POST", "/_sim/drupal/orders/{id}/transition", seam__sim_drupal_h_sim_order_transition, 0,
	 "apply an order transition by id"},
	{"POST", "/_sim/drupal/faults", seam__sim_drupal_h_faults, 0,
	 "reject writes of these SKUs / seam_pim_ids with 422 ({\"reject\": [...]})"},
	{"GET", "/_sim/drupal/catalog", seam__sim_drupal_h_catalog, 0,
	 "every product with its variations, flat (tests)"},
	{"GET", "/_sim/drupal/ping", seam__sim_drupal_h_ping, 0, "a static answer (bench ceiling)"},
};

static void reset_data(void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	pthread_mutex_lock(&d->mu);
	seam__sim_drupal_free_data(d);
	seam__sim_drupal_seed(d, NULL);
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
	seam__sim_drupal_free_data(d);
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
	d->env = (seam_sim_ja_env_t){seam__sim_drupal_lookup, seam__sim_drupal_type_by_name, d};
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
	d->workflow = seam__sim_drupal_workflow_get(wf);
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
	if ((rc = seam__sim_drupal_seed(d, err)))
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
