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
	{"POST", "/_sim/erp/items", seam__sim_erp_h_items, 0, "change item stock and prices"},
	{"GET", "/_sim/erp/stats", seam__sim_erp_h_stats, 0, "sales order counts and duplicates"},
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
		seam__sim_erp_etag(it);
		json_array_append_new(e->items, it);
	}
}

static void free_data(seam_sim_erp_t *e)
{
	json_decref(e->tokens);
	json_decref(e->customers);
	json_decref(e->items);
	for (size_t i = 0; i < e->ncompanies; i++) {
		json_decref(e->companies[i].orders);
		e->companies[i].orders = NULL;
	}
	e->tokens = e->customers = e->items = NULL;
	seam_sim_rng_dispose(&e->rng);
}

static void reset_data(void *ctx)
{
	seam_sim_erp_t *e = ctx;
	pthread_mutex_lock(&e->mu);
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
}

void seam_sim_erp_destroy(seam_sim_erp_t *e)
{
	if (!e)
		return;
	free_data(e);
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

seam_err_t seam_sim_erp_create(const seam_sim_config_t *cfg, const json_t *sec,
			       const seam_sim_env_t *env, seam_sim_erp_t **out, seam_error_t *err)
{
	static const char *const keys[] = {"listen", "threads", "client_id", "client_secret",
					   "token_ttl", "items", "customers", "page_size",
					   "unique_external_document_number", "currency",
					   "number_prefix", "company", "companies", "epoch", NULL};
	seam_err_t rc;
	seam_sim_erp_t *e = calloc(1, sizeof *e);
	if (!e)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&e->mu, NULL);
	e->seed = env->seed;
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
	    (rc = seam_sim_cfg_str(cfg, sec, "epoch", "2026-01-01T00:00:00Z", &epoch, err)))
		goto fail;
	if (seam_rfc3339_parse(epoch, &e->epoch_ms) != 0) {
		rc = seam_sim_config_errorf(cfg, json_object_get(sec, "epoch"), err,
					    "epoch: expected an RFC 3339 time");
		goto fail;
	}
	e->currency = strdup(cur);
	e->number_prefix = strdup(prefix);
	if ((rc = read_companies(e, cfg, json_object_get(sec, "companies"), company, cur, err)))
		goto fail;
	seed(e);
	*out = e;
	return SEAM_OK;
fail:
	seam_sim_erp_destroy(e);
	return rc;
}
