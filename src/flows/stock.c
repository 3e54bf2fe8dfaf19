/*
 * stock.c: the stock flow's config, registry row, schedules, events and metrics (see stock.h).
 * Values into the cache and the fetch/poll/subscribe jobs are stock_ingest.c, the Drupal
 * write stock_write.c, the cache's reads stock_cache.c, `seam ctl sync` stock_ctl.c.
 */
#include "flows/stock_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "domain/money.h"
#include "flows/flow_int.h"
#include "flows/stores.h"

static const char *const via_names[] = {"push", "poll", "full"};

const char *seam__stock_via_name(seam__stock_via_e v)
{
	return (unsigned)v < 3 ? via_names[v] : "poll";
}

/* ---------- config ---------- */

#define F(st, fld) offsetof(st, fld)

static const seam_cfg_field_t erp_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_stock_erp_config_t, upstream), 0, NULL,
	 "Upstream of the ERP's API v2.0; unset = stores.<store>.erp.upstream.", NULL, NULL, 0, 0},
	{"company", SEAM_CFG_STR, F(seam_stock_erp_config_t, company), 0, NULL,
	 "ERP company id; unset = stores.<store>.erp.company.", NULL, NULL, 0, 0},
	{"currency", SEAM_CFG_STR, F(seam_stock_erp_config_t, currency), 0, NULL,
	 "The company's local currency: the currency of item unit prices and of sales prices "
	 "without a currency code; unset = the store's drupal.currency.", NULL, NULL, 0, 0},
	{"price_group", SEAM_CFG_STR, F(seam_stock_erp_config_t, price_group), 0, NULL,
	 "Customer price group whose sales prices the store sells at (WEB); unset: All Customers "
	 "prices, else the item's unit price.", NULL, NULL, 0, 0},
	{"location", SEAM_CFG_STR, F(seam_stock_erp_config_t, location), 0, "",
	 "Location whose stock the store sells from; empty = the item's total inventory.", NULL,
	 NULL, 0, 0},
};
static const seam_cfg_schema_t erp_schema = {"erp", sizeof(seam_stock_erp_config_t), erp_fields,
					     sizeof erp_fields / sizeof erp_fields[0]};

static const seam_cfg_field_t drupal_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_stock_drupal_config_t, upstream), 0, NULL,
	 "Upstream the variation writes go through; unset = stores.<store>.drupal.upstream.", NULL,
	 NULL, 0, 0},
	{"variation_type", SEAM_CFG_STR, F(seam_stock_drupal_config_t, variation_type), 0, "default",
	 "commerce_product_variation bundle of the variations seam writes.", NULL, NULL, 0, 0},
	{"currency", SEAM_CFG_STR, F(seam_stock_drupal_config_t, currency), 0, "USD",
	 "The store's currency: the price written to Drupal.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t drupal_schema = {"drupal", sizeof(seam_stock_drupal_config_t),
						drupal_fields,
						sizeof drupal_fields / sizeof drupal_fields[0]};

static const seam_cfg_field_t notify_fields[] = {
	{"url", SEAM_CFG_STR, F(seam_stock_notify_config_t, url), 0, NULL,
	 "The notificationUrl the ERP calls: seam's public https://.../webhooks/erp/<store>. Unset: "
	 "no subscription, the poll alone keeps the cache fresh.", NULL, NULL, 0, 0},
	{"renew_before", SEAM_CFG_DURATION, F(seam_stock_notify_config_t, renew_before_ms), 0, "1d",
	 "Renew a subscription that expires sooner than this (Business Central's live 3 days).",
	 NULL, NULL, 0, 30LL * 86400000},
	{"check_interval", SEAM_CFG_DURATION, F(seam_stock_notify_config_t, check_interval_ms), 0,
	 "1h", "How often seam checks its subscriptions (and re-creates one the ERP dropped).", NULL,
	 NULL, 1000, 86400000},
};
static const seam_cfg_schema_t notify_schema = {"notifications",
						sizeof(seam_stock_notify_config_t), notify_fields,
						sizeof notify_fields / sizeof notify_fields[0]};

static const seam_cfg_field_t store_fields[] = {
	{"erp", SEAM_CFG_SECTION, F(seam_stock_store_config_t, erp), 0, NULL,
	 "Where prices and stock come from.", &erp_schema, NULL, 0, 0},
	{"drupal", SEAM_CFG_SECTION, F(seam_stock_store_config_t, drupal), 0, NULL,
	 "How they are written.", &drupal_schema, NULL, 0, 0},
	{"notifications", SEAM_CFG_SECTION, F(seam_stock_store_config_t, notifications), 0, NULL,
	 "The ERP's webhook subscriptions (push); the poll is the safety net.", &notify_schema,
	 NULL, 0, 0},
	{"prices", SEAM_CFG_BOOL, F(seam_stock_store_config_t, prices), 0, "true",
	 "Keep variation prices equal to the ERP's.", NULL, NULL, 0, 0},
	{"stock", SEAM_CFG_BOOL, F(seam_stock_store_config_t, stock), 0, "true",
	 "Keep variation stock (the storefront module's seam_stock) equal to the ERP's.", NULL, NULL,
	 0, 0},
	{"coalesce", SEAM_CFG_DURATION, F(seam_stock_store_config_t, coalesce_ms), 0, "2s",
	 "Changes of one SKU within this window become one Drupal write carrying the newest value.",
	 NULL, NULL, 0, 3600000},
	{"staleness_budget", SEAM_CFG_DURATION, F(seam_stock_store_config_t, staleness_ms), 0, "15m",
	 "Cache answers older than this say stale: true (with their age).", NULL, NULL, 1000,
	 7LL * 86400000},
	{"poll_interval", SEAM_CFG_DURATION, F(seam_stock_store_config_t, poll_interval_ms), 0, "5m",
	 "Incremental poll period (lastModifiedDateTime > cursor - overlap); 0 = off.", NULL, NULL,
	 0, 86400000},
	{"overlap", SEAM_CFG_DURATION, F(seam_stock_store_config_t, overlap_ms), 0, "2m",
	 "The poll asks for changes since its cursor minus this (clocks and commits are not "
	 "instantaneous).", NULL, NULL, 0, 86400000},
};
static const seam_cfg_schema_t store_schema = {"stock store", sizeof(seam_stock_store_config_t),
					       store_fields,
					       sizeof store_fields / sizeof store_fields[0]};

static const seam_cfg_field_t config_fields[] = {
	{"stores", SEAM_CFG_MAP, F(seam_stock_config_t, stores), 0, NULL,
	 "Per seam store (a name in stores:): the ERP company its prices and stock come from and "
	 "how they reach Drupal.", &store_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t config_schema = {"stock", sizeof(seam_stock_config_t),
						config_fields,
						sizeof config_fields / sizeof config_fields[0]};

const seam_stock_store_config_t *seam_stock_store(const void *config, const char *store)
{
	const seam_stock_config_t *sc = config;
	return sc && store ? seam_cfg_map_get(&sc->stores, store) : NULL;
}

static void check_config(const seam_flow_env_t *env, const seam_cfg_check_t *chk)
{
	const seam_stock_config_t *cc = env->config;
	for (size_t i = 0; cc && i < cc->stores.n; i++) {
		const char *name = cc->stores.names[i];
		const seam_stock_store_config_t *sc = cc->stores.items[i];
		const seam_config_store_t *st = seam_cfg_map_get(env->stores, name);
		if (!st) {
			seam_cfg_check_addf(chk, 0, "stock.stores.%s: no store '%s' in stores:", name, name);
			continue;
		}
		const char *erp = sc->erp.upstream ? sc->erp.upstream : st->erp.upstream;
		const char *company = sc->erp.company ? sc->erp.company : st->erp.company;
		const char *drupal = sc->drupal.upstream ? sc->drupal.upstream : st->drupal.upstream;
		if (!erp || !*erp)
			seam_cfg_check_addf(chk, 0, "stock.stores.%s: no ERP upstream (stock.stores.%s.erp"
					    ".upstream or stores.%s.erp.upstream)", name, name, name);
		else if (!seam_cfg_map_get(env->upstreams, erp))
			seam_cfg_check_addf(chk, 0, "stock.stores.%s.erp.upstream: no upstream '%s'", name,
					    erp);
		if (!company || !*company)
			seam_cfg_check_addf(chk, 0, "stock.stores.%s: no ERP company (stock.stores.%s.erp"
					    ".company or stores.%s.erp.company)", name, name, name);
		if (!drupal || !*drupal)
			seam_cfg_check_addf(chk, 0, "stock.stores.%s: no Drupal upstream", name);
		else if (!seam_cfg_map_get(env->upstreams, drupal))
			seam_cfg_check_addf(chk, 0, "stock.stores.%s.drupal.upstream: no upstream '%s'",
					    name, drupal);
		if (seam_money_exponent(sc->drupal.currency) < 0)
			seam_cfg_check_addf(chk, 0, "stock.stores.%s.drupal.currency: '%s' is not an ISO "
					    "4217 currency", name, sc->drupal.currency);
		if (sc->erp.currency && seam_money_exponent(sc->erp.currency) < 0)
			seam_cfg_check_addf(chk, 0, "stock.stores.%s.erp.currency: '%s' is not an ISO 4217 "
					    "currency", name, sc->erp.currency);
		if (sc->notifications.url && strncmp(sc->notifications.url, "https://", 8) &&
		    strncmp(sc->notifications.url, "http://", 7))
			seam_cfg_check_addf(chk, 0, "stock.stores.%s.notifications.url: '%s' is not an "
					    "http(s) URL", name, sc->notifications.url);
		if (sc->notifications.url && st->erp.client_states.n == 0)
			seam_cfg_check_addf(chk, 0, "stock.stores.%s.notifications: stores.%s.erp"
					    ".client_states is empty (the ERP's notifications carry it "
					    "and seam refuses those without)", name, name);
	}
}

/* ---------- upstreams ---------- */

seam_upstream_t *seam__stock_erp(seam_stock_t *s, const char *store)
{
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	const seam_config_store_t *st = seam_cfg_map_get(s->env.stores, store);
	const char *name = sc && sc->erp.upstream ? sc->erp.upstream : st ? st->erp.upstream : NULL;
	return name ? s->env.upstream(s->env.upstream_ud, name) : NULL;
}

seam_upstream_t *seam__stock_drupal(seam_stock_t *s, const char *store)
{
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	const seam_config_store_t *st = seam_cfg_map_get(s->env.stores, store);
	const char *name = sc && sc->drupal.upstream ? sc->drupal.upstream
			   : st			      ? st->drupal.upstream
						      : NULL;
	return name ? s->env.upstream(s->env.upstream_ud, name) : NULL;
}

const char *seam__stock_company(seam_stock_t *s, const char *store)
{
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	const seam_config_store_t *st = seam_cfg_map_get(s->env.stores, store);
	return sc && sc->erp.company ? sc->erp.company : st ? st->erp.company : NULL;
}

/* ---------- ERP notifications ---------- */

int seam_stock_event_job(const char *store, const json_t *n, char *dedup, size_t cap,
			 char **payload)
{
	const char *resource = json_string_value(json_object_get(n, "resource"));
	const char *type = json_string_value(json_object_get(n, "changeType"));
	const char *at = json_string_value(json_object_get(n, "lastModifiedDateTime"));
	seam_erp_notice_t nt;
	*payload = NULL;
	if (!resource || !type || !at || seam_erp_notice_parse(resource, &nt) != 0)
		return 0;
	json_t *pl = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "store", store, "company",
			       nt.company, "resource", seam_erp_resource_name(nt.resource), "id",
			       nt.id, "since", nt.since, "change", type, "at", at);
	if (!pl)
		return -1;
	if (nt.id[0])
		snprintf(dedup, cap, "fetch:%s:%s:%s:%s:%s", store, seam_erp_resource_name(nt.resource),
			 nt.id, type, at);
	else
		snprintf(dedup, cap, "collection:%s:%s:%s:%s", store,
			 seam_erp_resource_name(nt.resource), nt.since, at);
	*payload = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	return *payload ? 1 : -1;
}

/* ---------- metrics: staleness, subscriptions ---------- */

static void collect(seam_metrics_t *m, void *ud)
{
	seam_stock_t *s = ud;
	seam_db_t *db = seam_store_acquire(s->env.store);
	seam_stmt_t *st;
	int64_t now = seam_now_ms();
	seam_metric_reset(m, SEAM_M_STOCK_STALENESS);
	seam_metric_reset(m, SEAM_M_STOCK_SUBSCRIPTION_TTL);
	static const char *const q[2] = {
		"SELECT max(source_ms) FROM stock_levels WHERE store = $1",
		"SELECT max(source_ms) FROM price_levels WHERE store = $1",
	};
	static const char *const kind[2] = {"stock", "price"};
	for (int k = 0; k < 2; k++) {
		if (seam_db_prepare(db, q[k], &st, NULL) != SEAM_OK)
			continue;
		for (size_t i = 0; i < s->cfg->stores.n; i++) {
			const char *name = s->cfg->stores.names[i];
			seam_stmt_bind_text(st, 1, name);
			if (seam_stmt_step(st, NULL) == SEAM_ROW && !seam_stmt_column_is_null(st, 0))
				seam_metric_set(m, SEAM_M_STOCK_STALENESS, (const char *[]){name, kind[k]},
						(double)(now - seam_stmt_column_int64(st, 0)) / 1000.0);
			seam_stmt_reset(st);
		}
	}
	if (seam_db_prepare(db, "SELECT store, resource, expires_at FROM erp_subscriptions", &st,
			    NULL) == SEAM_OK) {
		while (seam_stmt_step(st, NULL) == SEAM_ROW)
			seam_metric_set(m, SEAM_M_STOCK_SUBSCRIPTION_TTL,
					(const char *[]){seam_stmt_column_text(st, 0),
							 seam_stmt_column_text(st, 1)},
					(double)(seam_stmt_column_int64(st, 2) - now) / 1000.0);
		seam_stmt_reset(st);
	}
	seam_store_release(s->env.store, db);
}

/* ---------- create, destroy ---------- */

static void destroy(void *p)
{
	seam_stock_t *s = p;
	if (!s)
		return;
	for (size_t i = 0; i < SEAM__STOCK_LOCKS; i++)
		pthread_mutex_destroy(&s->sku_mu[i]);
	free(s);
}

static seam_err_t create(const seam_flow_env_t *env, void **out, seam_error_t *err)
{
	static const seam_stock_config_t none;
	seam_stock_t *s = calloc(1, sizeof *s);
	seam_err_t rc;
	if (!s)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	s->env = *env;
	s->cfg = env->config ? env->config : &none;
	for (size_t i = 0; i < SEAM__STOCK_LOCKS; i++)
		pthread_mutex_init(&s->sku_mu[i], NULL);
	for (size_t i = 0; i < s->cfg->stores.n; i++) {
		const seam_stock_store_config_t *sc = s->cfg->stores.items[i];
		const char *name = s->cfg->stores.names[i];
		char sched[128], pl[160];
		snprintf(pl, sizeof pl, "{\"store\":\"%s\"}", name);
		if (sc->poll_interval_ms > 0) {
			snprintf(sched, sizeof sched, "stock.poll:%s", name);
			if ((rc = seam_queue_schedule(env->queue, sched, SEAM_FLOW_STOCK,
						      SEAM_JOB_STOCK_POLL, sc->poll_interval_ms, pl,
						      err)) != SEAM_OK)
				goto fail;
		}
		if (sc->notifications.url) {
			snprintf(sched, sizeof sched, "stock.subscribe:%s", name);
			if ((rc = seam_queue_schedule(env->queue, sched, SEAM_FLOW_STOCK,
						      SEAM_JOB_STOCK_SUBSCRIBE,
						      sc->notifications.check_interval_ms, pl, err)) !=
			    SEAM_OK)
				goto fail;
		}
	}
	seam_metrics_add_collector(env->metrics, collect, s);
	*out = s;
	return SEAM_OK;
fail:
	destroy(s);
	return rc;
}

/* ---------- the registry row ---------- */

static const seam_flow_job_t jobs[] = {
	{SEAM_JOB_STOCK_FETCH, seam__stock_fetch_job},
	{SEAM_JOB_STOCK_POLL, seam__stock_poll_job},
	{SEAM_JOB_STOCK_WRITE, seam__stock_write_job},
	{SEAM_JOB_STOCK_SUBSCRIBE, seam__stock_subscribe_job},
};
static const seam_metric_id_e metrics[] = {SEAM_M_STOCK_UPDATES,   SEAM_M_STOCK_COALESCED,
					   SEAM_M_STOCK_WRITES,    SEAM_M_STOCK_STALENESS,
					   SEAM_M_STOCK_LATENCY,   SEAM_M_STOCK_SUBSCRIPTION_TTL};

const seam_flow_def_t seam_flow_stock = {
	.name = SEAM_FLOW_STOCK,
	.summary = "Prices and stock from the ERP into Drupal Commerce, and the cache checkout reads.",
	.config_key = "stock",
	.config_doc = "Prices and stock: per store, the ERP company they come from and how they "
		      "reach Drupal.",
	.config = &config_schema,
	.check = check_config,
	.create = create,
	.destroy = destroy,
	.jobs = jobs,
	.njobs = sizeof jobs / sizeof jobs[0],
	.metrics = metrics,
	.nmetrics = sizeof metrics / sizeof metrics[0],
	.cmds = seam__stock_cmds,
	.ncmds = 1,
	.subject = seam__flow_subject_store,
};
