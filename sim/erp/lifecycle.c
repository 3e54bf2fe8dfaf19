/*
 * lifecycle.c: the route table, seeding, config, create, reset, destroy.
 * Part of the ERP double (API: sim/sim_erp.h); what the files share and the locking rule
 * are in erp_int.h.
 */
#include "sim/erp/erp_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "sim/sim_rng.h"

/* ---- lifecycle ---- */

static const seam_sim_route_t routes[] = {
	{"POST", "/oauth2/v2.0/token", seam__sim_erp_h_token, SEAM_SIM_ROUTE_SECRET_BODY, "OAuth2 token"},
	{"POST", "/{tenant}/oauth2/v2.0/token", seam__sim_erp_h_token, SEAM_SIM_ROUTE_SECRET_BODY, "OAuth2 token"},
	{"GET", "/api/v2.0/*", seam__sim_erp_h_api, 0, "API v2.0"},
	{"POST", "/api/v2.0/*", seam__sim_erp_h_api, 0, "API v2.0"},
	{"PATCH", "/api/v2.0/*", seam__sim_erp_h_api, 0, "API v2.0"},
	{"DELETE", "/api/v2.0/*", seam__sim_erp_h_api, 0, "API v2.0"},
	{"GET", "/v2.0/*", seam__sim_erp_h_api, 0, "API v2.0 (tenant/environment form)"},
	{"POST", "/v2.0/*", seam__sim_erp_h_api, 0, "API v2.0 (tenant/environment form)"},
	{"PATCH", "/v2.0/*", seam__sim_erp_h_api, 0, "API v2.0 (tenant/environment form)"},
	{"DELETE", "/v2.0/*", seam__sim_erp_h_api, 0, "API v2.0 (tenant/environment form)"},
	{"POST", "/_sim/erp/items", seam__sim_erp_h_items, 0,
	 "change items: set, force bad values, churn, burst"},
	{"POST", "/_sim/erp/prices", seam__sim_erp_h_prices, 0, "upsert and remove sales prices"},
	{"GET", "/_sim/erp/subscriptions", seam__sim_erp_h_subs, 0,
	 "webhook subscriptions with their counters, removed ones, open windows"},
	{"POST", "/_sim/erp/subscriptions/expire", seam__sim_erp_h_subs_expire, 0,
	 "expire one subscription or all now"},
	{"POST", "/_sim/erp/notifications/flush", seam__sim_erp_h_flush, 0,
	 "close every notification window now"},
	{"GET", "/_sim/erp/stats", seam__sim_erp_h_stats, 0, "sales order counts and duplicates"},
	{"POST", "/_sim/erp/inbox", seam__sim_erp_h_inbox_post, 0,
	 "a subscriber: answers the handshake, keeps notifications"},
	{"GET", "/_sim/erp/inbox", seam__sim_erp_h_inbox_get, 0, "what the inbox received"},
};

static void seed(seam_sim_erp_t *e)
{
	seam_sim_rng_init(&e->rng, e->seed, "erp");
	for (size_t i = 0; i < e->ncompanies; i++) {
		company_t *co = &e->companies[i];
		if (co->cfg_id)
			snprintf(co->id, sizeof co->id, "%s", co->cfg_id);
		else
			seam_sim_rng_uuid(&e->rng, co->id);
		co->orders = json_array();
	}
	e->tokens = json_object();
	e->customers = json_array();
	e->items = json_array();
	e->next_number = 101001;
	char ts[25];
	seam_rfc3339_ms(e->epoch_ms, ts);
	char id[37];
	seam_sim_rng_uuid(&e->rng, id);
	json_t *web = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "_version", (json_int_t)1,
				"id", id, "number", "WEB", "displayName", "Webshop customer", "type",
				"Company", "currencyCode", e->currency, "lastModifiedDateTime", ts);
	seam__sim_erp_etag(web);
	json_array_append_new(e->customers, web);
	for (int64_t i = 1; i <= e->n_customers; i++) {
		char num[24], name[48];
		snprintf(num, sizeof num, "%lld", (long long)(i * 10000));
		snprintf(name, sizeof name, "Customer %lld", (long long)i);
		seam_sim_rng_uuid(&e->rng, id);
		json_t *cu = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "_version",
				       (json_int_t)1, "id", id, "number", num, "displayName", name,
				       "type", "Company", "currencyCode", e->currency,
				       "lastModifiedDateTime", ts);
		seam__sim_erp_etag(cu);
		json_array_append_new(e->customers, cu);
	}
	for (int64_t i = 1; i <= e->n_items; i++) {
		char num[24], name[64], its[25];
		snprintf(num, sizeof num, "SKU-%06lld", (long long)i);
		snprintf(name, sizeof name, "Item %s", num);
		seam_rfc3339_ms(e->epoch_ms - (e->n_items - i) * 60000, its);
		seam_sim_rng_uuid(&e->rng, id);
		int64_t price = seam_sim_rng_range(&e->rng, 400, 19999) * 1000; /* 4.00 .. 199.99 */
		json_t *it = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:b, s:o, s:s, s:s}",
				       "_version", (json_int_t)1, "id", id, "number", num,
				       "displayName", name, "type", "Inventory", "blocked", 0, "gtin",
				       "", "inventory",
				       json_real((double)seam_sim_rng_range(&e->rng, 0, 500)),
				       "unitPrice", seam__sim_erp_dec(price, PS), "priceIncludesTax", 0,
				       "unitCost", seam__sim_erp_dec(price / 2, PS), "baseUnitOfMeasureCode",
				       "PCS", "lastModifiedDateTime", its);
		json_object_set_new(it, "_ms", json_integer(e->epoch_ms - (e->n_items - i) * 60000));
		seam__sim_erp_etag(it);
		json_array_append_new(e->items, it);
	}
	e->hw_ms = e->epoch_ms;
	for (size_t i = 0; i < e->ncompanies; i++)
		seam__sim_erp_prices_seed(e, &e->companies[i], i);
}

static void free_data(seam_sim_erp_t *e)
{
	json_decref(e->tokens);
	json_decref(e->customers);
	json_decref(e->items);
	for (size_t i = 0; i < e->ncompanies; i++) {
		json_decref(e->companies[i].orders);
		json_decref(e->companies[i].prices);
		e->companies[i].orders = e->companies[i].prices = NULL;
	}
	e->tokens = e->customers = e->items = NULL;
	seam_sim_rng_dispose(&e->rng);
}

static void reset_data(void *ctx)
{
	seam_sim_erp_t *e = ctx;
	pthread_mutex_lock(&e->mu);
	seam__sim_erp_subs_clear(e);
	seam__sim_erp_windows_clear(e);
	json_array_clear(e->inbox);
	e->inbox_handshakes = 0;
	free_data(e);
	seed(e);
	pthread_mutex_unlock(&e->mu);
}

void seam_sim_erp_def(seam_sim_erp_t *e, seam_sim_double_def_t *def)
{
	memset(def, 0, sizeof *def);
	def->name = "erp";
	def->routes = routes;
	def->nroutes = sizeof routes / sizeof *routes;
	def->ctx = e;
	def->reset_data = reset_data;
	def->sender = e->sender;
}

void seam_sim_erp_destroy(seam_sim_erp_t *e)
{
	if (!e)
		return;
	/* the notifier first (it sends), then the sender (its callbacks take e->mu) */
	seam__sim_erp_notifier_stop(e);
	seam_sim_sender_destroy(e->sender);
	seam__sim_erp_subs_clear(e);
	seam__sim_erp_windows_clear(e);
	free(e->wins);
	json_decref(e->removed);
	json_decref(e->inbox);
	free_data(e);
	for (size_t i = 0; i < e->ncurrencies; i++)
		free(e->price_currencies[i]);
	for (size_t i = 0; i < e->ngroups; i++)
		free(e->price_groups[i]);
	free(e->price_currencies);
	free(e->price_groups);
	free(e->client_id);
	free(e->client_secret);
	free(e->tenant);
	free(e->currency);
	free(e->number_prefix);
	for (size_t i = 0; i < e->ncompanies; i++) {
		free(e->companies[i].cfg_id);
		free(e->companies[i].name);
		free(e->companies[i].currency);
	}
	free(e->companies);
	pthread_cond_destroy(&e->wake);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

/* companies: [{name, currency, id}] (id optional: drawn from the seed); without the list,
 * one company from `company` and `currency`. */
static seam_err_t read_companies(seam_sim_erp_t *e, const seam_sim_config_t *cfg,
				 const json_t *list, const char *name, const char *cur,
				 seam_error_t *err)
{
	static const char *const keys[] = {"name", "currency", "id", NULL};
	seam_err_t rc;
	size_t i;
	json_t *item;
	if (!list) {
		if (!(e->companies = calloc(1, sizeof *e->companies)))
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		e->ncompanies = 1;
		e->companies[0].name = strdup(name);
		e->companies[0].currency = strdup(cur);
		return SEAM_OK;
	}
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 16)
		return seam_sim_config_errorf(cfg, list, err,
					      "erp.companies: expected a list of 1 to 16 companies");
	if (!(e->companies = calloc(json_array_size(list), sizeof *e->companies)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	json_array_foreach(list, i, item) {
		const char *n, *c, *id;
		company_t *co = &e->companies[i];
		e->ncompanies = i + 1;
		if ((rc = seam_sim_cfg_keys(cfg, item, keys, err)) ||
		    (rc = seam_sim_cfg_str(cfg, item, "name", name, &n, err)) ||
		    (rc = seam_sim_cfg_str(cfg, item, "currency", cur, &c, err)) ||
		    (rc = seam_sim_cfg_str(cfg, item, "id", "", &id, err)))
			return rc;
		if (*id && strlen(id) != 36)
			return seam_sim_config_errorf(cfg, json_object_get(item, "id"), err,
						      "id: expected a GUID like 7b036c8e-1a6f-46b2-9b63-35b482d9c646");
		co->name = strdup(n);
		co->currency = strdup(c);
		co->cfg_id = *id ? strdup(id) : NULL;
	}
	return SEAM_OK;
}

/* A list of codes (currency codes, customer price groups: BC's Code[10]) into *out. */
static seam_err_t read_codes(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			     const char *def, char ***out, size_t *n, seam_error_t *err)
{
	const json_t *list = json_object_get(obj, key);
	size_t i;
	json_t *v;
	if (!list || json_is_null(list)) {
		if (!(*out = calloc(1, sizeof **out)) || !((*out)[0] = strdup(def)))
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		*n = 1;
		return SEAM_OK;
	}
	if (!json_is_array(list) || json_array_size(list) > 16)
		return seam_sim_config_errorf(cfg, list, err,
					      "sales_prices.%s: expected a list of up to 16 codes", key);
	if (!(*out = calloc(json_array_size(list) + 1, sizeof **out)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		size_t len = s ? strlen(s) : 0;
		int ok = len >= 1 && len <= 10;
		for (size_t k = 0; ok && k < len; k++)
			ok = (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') ||
			     s[k] == '-' || s[k] == '_';
		if (!ok)
			return seam_sim_config_errorf(cfg, v, err,
						      "sales_prices.%s: a code is 1 to 10 characters "
						      "A-Z, 0-9, - or _ (as EUR or WEB)",
						      key);
		if (!((*out)[i] = strdup(s)))
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		*n = i + 1;
	}
	return SEAM_OK;
}

#define PRICES_MAX 2000000 /* seeded sales prices, all companies */

/* sales_prices: {currencies: [EUR], groups: [WEB], break_quantity: 10}; absent: none. */
static seam_err_t read_prices(seam_sim_erp_t *e, const seam_sim_config_t *cfg, const json_t *sp,
			      seam_error_t *err)
{
	static const char *const keys[] = {"currencies", "groups", "break_quantity", NULL};
	seam_err_t rc;
	if (!sp || json_is_null(sp))
		return SEAM_OK;
	if (!json_is_object(sp))
		return seam_sim_config_errorf(cfg, sp, err,
					      "sales_prices: expected a mapping {currencies, groups, "
					      "break_quantity}");
	if ((rc = seam_sim_cfg_keys(cfg, sp, keys, err)) ||
	    (rc = read_codes(cfg, sp, "currencies", "EUR", &e->price_currencies, &e->ncurrencies,
			     err)) ||
	    (rc = read_codes(cfg, sp, "groups", "WEB", &e->price_groups, &e->ngroups, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sp, "break_quantity", 10, 2, 1000000, &e->break_qty, err)))
		return rc;
	int64_t total = e->n_items * (int64_t)(e->ncurrencies + 2 * e->ngroups) *
			(int64_t)e->ncompanies;
	if (total > PRICES_MAX)
		return seam_sim_config_errorf(cfg, sp, err,
					      "sales_prices: items x prices per item x companies = "
					      "%lld, over %d",
					      (long long)total, PRICES_MAX);
	e->prices_on = 1;
	return SEAM_OK;
}

/* notify_sender: {attempts, backoff, timeout, workers} of the notification sender. */
static seam_err_t start_sender(seam_sim_erp_t *e, const seam_sim_config_t *cfg, const json_t *ns,
			       const seam_sim_env_t *env, seam_error_t *err)
{
	static const char *const keys[] = {"attempts", "backoff", "timeout", "workers", NULL};
	int64_t bo[16];
	seam_sim_sender_opts_t so = {.name = "erp", .faults = env->faults, .seed = env->seed,
				     .transport = env->transport, .tctx = env->tctx};
	seam_err_t rc;
	if (ns && !json_is_object(ns) && !json_is_null(ns))
		return seam_sim_config_errorf(cfg, ns, err,
					      "notify_sender: expected a mapping {attempts, backoff, "
					      "timeout, workers}");
	if ((rc = seam_sim_cfg_keys(cfg, ns, keys, err)) ||
	    (rc = seam_sim_sender_opts_read(cfg, ns, &so, bo, err)))
		return rc;
	if (!(e->sender = seam_sim_sender_create(&so)))
		return seam_errorf(err, SEAM_NOMEM, "erp: cannot start the notification sender");
	if (seam__sim_erp_notifier_start(e) != 0)
		return seam_errorf(err, SEAM_NOMEM, "erp: cannot start the notifier thread");
	return SEAM_OK;
}

seam_err_t seam_sim_erp_create(const seam_sim_config_t *cfg, const json_t *sec,
			       const seam_sim_env_t *env, seam_sim_erp_t **out, seam_error_t *err)
{
	static const char *const keys[] = {"listen", "threads", "client_id", "client_secret",
					   "token_ttl", "items", "customers", "page_size",
					   "unique_external_document_number", "currency",
					   "number_prefix", "company", "companies", "epoch",
					   "sales_prices", "subscription_ttl", "handshake_timeout",
					   "notify_delay", "notify_max", "notify_sender", NULL};
	seam_err_t rc;
	seam_sim_erp_t *e = calloc(1, sizeof *e);
	if (!e)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->wake, NULL);
	e->seed = env->seed;
	e->exchange = env->exchange;
	e->xctx = env->xctx;
	e->log = env->log;
	if (!(e->removed = json_array()) || !(e->inbox = json_array())) {
		seam_sim_erp_destroy(e);
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	const char *cur, *prefix, *company, *epoch;
	if ((rc = seam_sim_cfg_keys(cfg, sec, keys, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "client_id", "seam", &e->client_id, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "client_secret", "seam-erp-secret", &e->client_secret, err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "token_ttl", 3599000, &e->token_ttl_ms, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "items", 60, 0, 1000000, &e->n_items, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "customers", 5, 0, 100000, &e->n_customers, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "page_size", 100, 1, 20000, &e->page_size, err)) ||
	    (rc = seam_sim_cfg_bool(cfg, sec, "unique_external_document_number", 0, &e->unique_ext, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "currency", "USD", &cur, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "number_prefix", "S-ORD", &prefix, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "company", "CRONUS USA, Inc.", &company, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "epoch", "2026-01-01T00:00:00Z", &epoch, err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "subscription_ttl", 3 * 86400000LL, &e->sub_ttl_ms,
					err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "handshake_timeout", 5000, &e->handshake_ms,
					err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "notify_delay", 30000, &e->notify_delay_ms, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "notify_max", 1000, 1, 1000000, &e->notify_max, err)))
		goto fail;
	if (e->handshake_ms < 1 || e->handshake_ms > 60000) {
		rc = seam_sim_config_errorf(cfg, json_object_get(sec, "handshake_timeout"), err,
					    "handshake_timeout: between 1ms and 60s");
		goto fail;
	}
	if (seam_rfc3339_parse(epoch, &e->epoch_ms) != 0) {
		rc = seam_sim_config_errorf(cfg, json_object_get(sec, "epoch"), err,
					    "epoch: expected an RFC 3339 time");
		goto fail;
	}
	e->currency = strdup(cur);
	e->number_prefix = strdup(prefix);
	if ((rc = read_companies(e, cfg, json_object_get(sec, "companies"), company, cur, err)) ||
	    (rc = read_prices(e, cfg, json_object_get(sec, "sales_prices"), err)) ||
	    (rc = start_sender(e, cfg, json_object_get(sec, "notify_sender"), env, err)))
		goto fail;
	{
		seam_sim_rng_t ur; /* its own stream: no other seeded id moves */
		seam_sim_rng_init(&ur, e->seed, "erp-user");
		seam_sim_rng_uuid(&ur, e->user_id);
		seam_sim_rng_dispose(&ur);
	}
	seed(e);
	*out = e;
	return SEAM_OK;
fail:
	seam_sim_erp_destroy(e);
	return rc;
}
