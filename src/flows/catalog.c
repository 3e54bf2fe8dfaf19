/*
 * catalog.c: the catalog flow's config, registry row, schedules, events and metrics (see
 * catalog.h). The jobs are catalog_run.c (a run) and catalog_apply.c (one subject).
 */
#include "flows/catalog_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "flows/flow_int.h"
#include "flows/stores.h"
#include "flows/timeline.h"
#include "http/client_config.h"

static const char *const outcome_names[] = {
#define X(id, name) name,
	SEAM__CATALOG_OUTCOMES(X)
#undef X
};

const char *seam__catalog_outcome_name(seam__catalog_outcome_e o)
{
	return (unsigned)o < SEAM__CATALOG_NOUTCOMES ? outcome_names[o] : "failed";
}

/* ---------- config ---------- */

#define F(st, fld) offsetof(st, fld)

static const seam_cfg_field_t pim_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_catalog_pim_config_t, upstream), SEAM_CFG_REQUIRED, NULL,
	 "Upstream (in upstreams:) of the PIM's REST API (auth oauth2_password).", NULL, NULL, 0, 0},
	{"channel", SEAM_CFG_STR, F(seam_catalog_pim_config_t, channel), 0, "ecommerce",
	 "PIM channel (Akeneo scope) whose values the store shows.", NULL, NULL, 0, 0},
	{"locale", SEAM_CFG_STR, F(seam_catalog_pim_config_t, locale), 0, "en_US",
	 "The store's language, as a PIM locale.", NULL, NULL, 0, 0},
	{"title", SEAM_CFG_STR, F(seam_catalog_pim_config_t, title), 0, "name",
	 "PIM attribute holding the product name.", NULL, NULL, 0, 0},
	{"description", SEAM_CFG_STR, F(seam_catalog_pim_config_t, description), 0, "description",
	 "PIM attribute holding the description.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t pim_schema = {"pim", sizeof(seam_catalog_pim_config_t), pim_fields,
					     sizeof pim_fields / sizeof pim_fields[0]};

static const seam_cfg_field_t drupal_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_catalog_drupal_config_t, upstream), 0, NULL,
	 "Upstream the catalog's Drupal calls go through; unset = stores.<store>.drupal.upstream. "
	 "An entry of its own for the same site (lower rate_per_s and max_concurrency) keeps a "
	 "rebuild from taking the capacity payments and order export need.", NULL, NULL, 0, 0},
	{"product_type", SEAM_CFG_STR, F(seam_catalog_drupal_config_t, product_type), 0, "default",
	 "commerce_product bundle of the products seam writes.", NULL, NULL, 0, 0},
	{"variation_type", SEAM_CFG_STR, F(seam_catalog_drupal_config_t, variation_type), 0,
	 "default", "commerce_product_variation bundle.", NULL, NULL, 0, 0},
	{"currency", SEAM_CFG_STR, F(seam_catalog_drupal_config_t, currency), 0, "USD",
	 "The store's currency: the variation price seam writes when the PIM owns prices.", NULL,
	 NULL, 0, 0},
	{"store_type", SEAM_CFG_STR, F(seam_catalog_drupal_config_t, store_type), 0, "online",
	 "Bundle of the commerce_store(s) named by stores.<store>.drupal.store, which new products "
	 "are put in.", NULL, NULL, 0, 0},
	{"attributes", SEAM_CFG_STRMAP, F(seam_catalog_drupal_config_t, attributes), 0, NULL,
	 "PIM variation axis -> Drupal product attribute id (color: color); axes not listed are "
	 "not written as Drupal attributes.", NULL, NULL, 0, 0},
	{"translations", SEAM_CFG_STRMAP, F(seam_catalog_drupal_config_t, translations), 0, NULL,
	 "PIM locale -> Drupal langcode of a translation to keep (de_DE: de): the product's title "
	 "and description (and variation titles unless Drupal generates them) in that language, "
	 "through the storefront module (JSON:API cannot create translations); a language the "
	 "site does not have enabled is skipped and said once.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t drupal_schema = {"drupal", sizeof(seam_catalog_drupal_config_t),
						drupal_fields,
						sizeof drupal_fields / sizeof drupal_fields[0]};

static const seam_cfg_field_t store_fields[] = {
	{"pim", SEAM_CFG_SECTION, F(seam_catalog_store_config_t, pim), 0, NULL, "Where products come from.",
	 &pim_schema, NULL, 0, 0},
	{"drupal", SEAM_CFG_SECTION, F(seam_catalog_store_config_t, drupal), 0, NULL,
	 "How they are written (the site is stores.<store>.drupal.upstream).", &drupal_schema, NULL,
	 0, 0},
	{"owners", SEAM_CFG_STRMAP, F(seam_catalog_store_config_t, owners), 0, NULL,
	 "Field -> system that owns it: pim or erp. Price defaults to erp (the catalog creates a "
	 "variation with the PIM's price, else 0, and never changes it after: the ERP's price "
	 "flow does), everything else to pim; price: pim makes the catalog keep prices equal to "
	 "the PIM's price collection.", NULL, NULL, 0, 0},
	{"poll_interval", SEAM_CFG_DURATION, F(seam_catalog_store_config_t, poll_interval_ms), 0,
	 "5m", "Incremental run period (the safety net for lost PIM events); 0 = off.", NULL, NULL,
	 0, 86400000},
	{"overlap", SEAM_CFG_DURATION, F(seam_catalog_store_config_t, overlap_ms), 0, "2m",
	 "Each incremental run asks for updated > mark - overlap (clocks and commits are not "
	 "instantaneous).", NULL, NULL, 0, 86400000},
	{"to_canonical", SEAM_CFG_STR, F(seam_catalog_store_config_t, to_canonical), 0,
	 "pim_to_canonical", "Mapping from the PIM's records to catalog.product@v1.", NULL, NULL, 0,
	 0},
	{"to_drupal", SEAM_CFG_STR, F(seam_catalog_store_config_t, to_drupal), 0,
	 "canonical_to_drupal", "Mapping from catalog.product@v1 to the Drupal write plan.", NULL,
	 NULL, 0, 0},
};
static const seam_cfg_schema_t store_schema = {"catalog store", sizeof(seam_catalog_store_config_t),
					       store_fields,
					       sizeof store_fields / sizeof store_fields[0]};

static const seam_cfg_field_t config_fields[] = {
	{"stores", SEAM_CFG_MAP, F(seam_catalog_config_t, stores), 0, NULL,
	 "Per seam store (a name in stores:): the PIM it syncs from and how products are written.",
	 &store_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t config_schema = {"catalog", sizeof(seam_catalog_config_t),
						config_fields,
						sizeof config_fields / sizeof config_fields[0]};

const seam_catalog_store_config_t *seam_catalog_store(const void *config, const char *store)
{
	const seam_catalog_config_t *cc = config;
	return cc && store ? seam_cfg_map_get(&cc->stores, store) : NULL;
}

const char *seam_catalog_owner(const seam_catalog_store_config_t *sc, const char *field)
{
	const char *v = sc ? seam_cfg_strmap_get(&sc->owners, field) : NULL;
	if (v)
		return v;
	return strcmp(field, "price") == 0 ? "erp" : "pim";
}

/* What the tables cannot say: the store exists and has a Drupal upstream, the PIM upstream
 * exists, owners name pim or erp. */
static void check_config(const seam_flow_env_t *env, const seam_cfg_check_t *chk)
{
	const seam_catalog_config_t *cc = env->config;
	for (size_t i = 0; cc && i < cc->stores.n; i++) {
		const char *name = cc->stores.names[i];
		const seam_catalog_store_config_t *sc = cc->stores.items[i];
		const seam_config_store_t *st = seam_cfg_map_get(env->stores, name);
		if (!st)
			seam_cfg_check_addf(chk, 0, "catalog.stores.%s: no store '%s' in stores:", name,
					    name);
		else if (!st->drupal.upstream && !sc->drupal.upstream)
			seam_cfg_check_addf(chk, 0,
					    "catalog.stores.%s: stores.%s.drupal.upstream is not set "
					    "(the catalog writes to that site)", name, name);
		if (sc->drupal.upstream && !seam_cfg_map_get(env->upstreams, sc->drupal.upstream))
			seam_cfg_check_addf(chk, 0, "catalog.stores.%s.drupal.upstream: no upstream '%s'",
					    name, sc->drupal.upstream);
		if (sc->pim.upstream && !seam_cfg_map_get(env->upstreams, sc->pim.upstream))
			seam_cfg_check_addf(chk, 0, "catalog.stores.%s.pim.upstream: no upstream '%s'",
					    name, sc->pim.upstream);
		for (size_t j = 0; j < sc->drupal.translations.n; j++) {
			const char *loc = sc->drupal.translations.keys[j];
			const char *lang = sc->drupal.translations.values[j];
			if (!strcmp(loc, sc->pim.locale))
				seam_cfg_check_addf(chk, 0,
						    "catalog.stores.%s.drupal.translations.%s: that is the "
						    "store's own locale (pim.locale), not a translation",
						    name, loc);
			size_t n = strlen(lang);
			int ok = n >= 2 && n <= 12;
			for (size_t k = 0; ok && k < n; k++)
				ok = (lang[k] >= 'a' && lang[k] <= 'z') || lang[k] == '-' ||
				     (lang[k] >= '0' && lang[k] <= '9');
			if (!ok)
				seam_cfg_check_addf(chk, 0,
						    "catalog.stores.%s.drupal.translations.%s: '%s' is not a "
						    "Drupal langcode (de, pt-br)",
						    name, loc, lang);
		}
		for (size_t j = 0; j < sc->owners.n; j++)
			if (strcmp(sc->owners.values[j], "pim") && strcmp(sc->owners.values[j], "erp"))
				seam_cfg_check_addf(chk, 0,
						    "catalog.stores.%s.owners.%s: '%s' is not pim or erp",
						    name, sc->owners.keys[j], sc->owners.values[j]);
	}
}

/* ---------- per-thread mapping runtime, upstreams ---------- */

static void rt_free(void *p)
{
	seam_map_runtime_destroy(p);
}

seam_map_runtime_t *seam__catalog_runtime(seam_catalog_t *c, seam_error_t *err)
{
	seam_map_runtime_t *rt = pthread_getspecific(c->rt_key);
	if (rt)
		return rt;
	seam_map_opts_t mo = {.dir = c->env.mappings};
	rt = seam_map_runtime_create(&mo, err);
	if (rt)
		pthread_setspecific(c->rt_key, rt);
	return rt;
}

seam_upstream_t *seam__catalog_pim(seam_catalog_t *c, const seam_catalog_store_config_t *sc)
{
	return sc && sc->pim.upstream ? c->env.upstream(c->env.upstream_ud, sc->pim.upstream) : NULL;
}

seam_upstream_t *seam__catalog_drupal(seam_catalog_t *c, const char *store)
{
	const seam_catalog_store_config_t *sc = seam_catalog_store(c->cfg, store);
	const seam_config_store_t *st = seam_cfg_map_get(c->env.stores, store);
	const char *name = sc && sc->drupal.upstream ? sc->drupal.upstream
			   : st			      ? st->drupal.upstream
						      : NULL;
	return name ? c->env.upstream(c->env.upstream_ud, name) : NULL;
}

int64_t seam__catalog_updated_ms(const json_t *rec)
{
	int64_t ms = 0;
	const char *u = json_string_value(json_object_get(rec, "updated"));
	if (!u || seam_rfc3339_parse(u, &ms) != 0)
		return 0;
	return ms;
}

/* ---------- jobs, run bookkeeping ---------- */

seam_err_t seam__catalog_enqueue(seam_catalog_t *c, seam_db_t *db,
				 const seam__catalog_subject_t *s, const char *cid, int *added,
				 seam_error_t *err)
{
	char dedup[400], now[24];
	int existed = 0;
	int64_t n = 1;
	seam_err_t rc;
	seam_stmt_t *st;
	if (added)
		*added = 0;
	/* A run makes one job per subject however many of its records it sees (a model and its
	 * variants changed: one sync of the model, which reads them all). */
	if (s->run_id) {
		if ((rc = seam_db_prepare(db,
					  "INSERT INTO catalog_run_items (run_id, pim_id) VALUES ($1, $2) "
					  "ON CONFLICT (run_id, pim_id) DO NOTHING",
					  &st, err)) != SEAM_OK)
			return rc;
		seam_stmt_bind_text(st, 1, s->run_id);
		seam_stmt_bind_text(st, 2, s->item ? s->item : s->id);
		rc = seam_stmt_step(st, err);
		n = seam_stmt_changes(st);
		seam_stmt_reset(st);
		if (rc != SEAM_DONE)
			return rc;
		if (n == 0)
			return SEAM_OK;
	}
	json_t *pl = json_pack("{s:s, s:s, s:s, s:I, s:s?, s:b, s:b, s:s?, s:s?}", "store", s->store,
			       "subject", s->id, "kind", s->kind, "updated", (json_int_t)s->updated_ms,
			       "run_id", s->run_id, "full", s->full, "dry_run", s->dry_run,
			       "source", s->source, "item", s->item);
	char *text = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
	json_decref(pl);
	if (!text)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	if (s->source && !strcmp(s->source, "moved"))
		snprintf(dedup, sizeof dedup, "moved:%s:%s:%lld:%s", s->store, s->id,
			 (long long)s->updated_ms, s->run_id ? s->run_id : "-");
	else if (s->full && s->run_id)
		snprintf(dedup, sizeof dedup, "product:%s:%s:%lld:%s", s->store, s->id,
			 (long long)s->updated_ms, s->run_id);
	else
		snprintf(dedup, sizeof dedup, "product:%s:%s:%lld", s->store, s->id,
			 (long long)s->updated_ms);
	seam_job_spec_t spec = {.kind = SEAM_JOB_CATALOG_PRODUCT, .flow = SEAM_FLOW_CATALOG,
				.dedup_key = dedup, .payload = text, .correlation_id = cid};
	rc = seam_queue_enqueue(c ? c->env.queue : NULL, db, &spec, NULL, &existed, err);
	free(text);
	if (rc != SEAM_OK)
		return rc;
	if (added)
		*added = !existed;
	if (!s->run_id)
		return SEAM_OK;
	if (existed) {
		/* The job is an earlier one (an event made it, or the same version was seen
		 * before): the run does not wait for it. */
		return seam_db_run(db,
				   "UPDATE catalog_run_items SET outcome = 'unchanged' WHERE run_id = $1 "
				   "AND pim_id = $2",
				   (const char *[]){s->run_id, s->item ? s->item : s->id}, 2, NULL, err);
	}
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	return seam_db_run(db,
			   "UPDATE catalog_runs SET enqueued = enqueued + 1, updated_at = $2 WHERE id = $1",
			   (const char *[]){s->run_id, now}, 2, NULL, err);
}

seam_err_t seam__catalog_run_outcome(seam_db_t *db, const char *run_id, const char *item,
				     const char *pim_id, seam__catalog_outcome_e o,
				     seam_error_t *err)
{
	static const char *const bump[] = {
#define X(id, name) "UPDATE catalog_runs SET " name " = " name " + 1, finished = finished + 1, " \
		    "updated_at = $2 WHERE id = $1",
		SEAM__CATALOG_OUTCOMES(X)
#undef X
	};
	char now[24];
	int64_t n = 0;
	seam_err_t rc;
	if (!run_id)
		return SEAM_OK;
	if ((unsigned)o >= SEAM__CATALOG_NOUTCOMES)
		o = SEAM__CATALOG_FAILED;
	if (!item)
		item = pim_id;
	rc = seam_db_run(db,
			 "UPDATE catalog_run_items SET outcome = $3 WHERE run_id = $1 AND pim_id = $2 "
			 "AND outcome IS NULL",
			 (const char *[]){run_id, item, outcome_names[o]}, 3, &n, err);
	if (rc != SEAM_OK || n == 0)
		return rc;
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	if (strcmp(item, pim_id) != 0) /* a follow-up: the product is counted already */
		return seam_db_run(db,
				   "UPDATE catalog_runs SET finished = finished + 1, updated_at = $2 "
				   "WHERE id = $1",
				   (const char *[]){run_id, now}, 2, NULL, err);
	/* stale counts as unchanged in the run's summary (nothing was written) */
	if (o == SEAM__CATALOG_STALE)
		o = SEAM__CATALOG_UNCHANGED;
	return seam_db_run(db, bump[o], (const char *[]){run_id, now}, 2, NULL, err);
}

int seam__catalog_paused(seam_db_t *db)
{
	char v[8] = "";
	seam__flow_lookup(db, "SELECT CAST(paused AS TEXT) FROM flows WHERE name = $1",
			  (const char *[]){SEAM_FLOW_CATALOG}, 1, 0, v, sizeof v);
	return v[0] && v[0] != '0';
}

/* ---------- catalog.poll: the schedule's incremental run ---------- */

static seam_err_t poll_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_catalog_t *c = ud;
	json_t *pl = json_loads(job->payload, 0, NULL);
	const char *store = json_string_value(json_object_get(pl, "store"));
	const seam_catalog_store_config_t *sc = seam_catalog_store(c->cfg, store);
	char run_id[SEAM_UUID_STR_LEN];
	seam_error_t err = {0};
	seam_err_t rc;
	if (!sc) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "catalog poll: no catalog config for store %s",
				   store ? store : "?");
		goto out;
	}
	seam_db_t *db = seam_store_acquire(c->env.store);
	rc = seam_catalog_run_start(db, c->env.queue, store, sc->pim.channel, SEAM_CATALOG_INCREMENTAL,
				    0, job->correlation_id, run_id, &err);
	seam_store_release(c->env.store, db);
	if (rc == SEAM_EXISTS)
		rc = SEAM_OK; /* a run is going: it is the poll */
	else if (rc != SEAM_OK)
		rc = seam_job_fail(res, rc, 0, "catalog poll: %s", err.msg);
out:
	json_decref(pl);
	return rc;
}

/* ---------- PIM events ---------- */

int seam_catalog_event_job(const char *store, const json_t *event, char *dedup, size_t cap,
			   char **payload)
{
	const char *action = json_string_value(json_object_get(event, "action"));
	json_t *res = json_object_get(json_object_get(event, "data"), "resource");
	const char *id = NULL, *kind = NULL;
	int64_t updated = seam__catalog_updated_ms(res);
	*payload = NULL;
	if (!action || !json_is_object(res))
		return 0;
	if (strncmp(action, "product_model.", 14) == 0) {
		id = json_string_value(json_object_get(res, "code"));
		kind = "model";
	} else if (strncmp(action, "product.", 8) == 0) {
		const char *parent = json_string_value(json_object_get(res, "parent"));
		const char *uuid = json_string_value(json_object_get(res, "uuid"));
		/* A variant's change is its model's; a removed product names no parent: the job
		 * finds its subject from what seam wrote. */
		if (parent && *parent && strstr(action, "removed") == NULL) {
			id = parent;
			kind = "model";
		} else {
			id = uuid;
			kind = "product";
		}
	}
	if (!id || !*id)
		return 0;
	seam__catalog_subject_t s = {.store = store, .id = id, .kind = kind, .updated_ms = updated,
				     .source = "event"};
	json_t *pl = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:s, s:s}", "store", store, "subject",
			       id, "kind", kind, "updated", (json_int_t)updated, "full", 0, "dry_run",
			       0, "source", s.source, "action", action);
	if (!pl)
		return -1;
	if (strstr(action, "removed"))
		snprintf(dedup, cap, "removed:%s:%s:%s", store, id,
			 json_string_value(json_object_get(event, "event_id"))
				 ? json_string_value(json_object_get(event, "event_id"))
				 : "");
	else
		snprintf(dedup, cap, "product:%s:%s:%lld", store, id, (long long)updated);
	*payload = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	return *payload ? 1 : -1;
}

/* ---------- metrics: sync lag ---------- */

static void collect(seam_metrics_t *m, void *ud)
{
	seam_catalog_t *c = ud;
	seam_db_t *db = seam_store_acquire(c->env.store);
	seam_stmt_t *s;
	int64_t now = seam_now_ms();
	seam_metric_reset(m, SEAM_M_CATALOG_LAG);
	if (seam_db_prepare(db, "SELECT mark FROM catalog_cursors WHERE store = $1 AND channel = $2",
			    &s, NULL) != SEAM_OK)
		goto out;
	for (size_t i = 0; i < c->cfg->stores.n; i++) {
		const seam_catalog_store_config_t *sc = c->cfg->stores.items[i];
		const char *name = c->cfg->stores.names[i];
		char iso[32];
		int64_t ms;
		seam_stmt_bind_text(s, 1, name);
		seam_stmt_bind_text(s, 2, sc->pim.channel);
		if (seam_stmt_step(s, NULL) == SEAM_ROW) {
			/* "YYYY-MM-DD hh:mm:ss" UTC -> RFC 3339 */
			snprintf(iso, sizeof iso, "%.10sT%.8sZ", seam_stmt_column_text(s, 0),
				 seam_stmt_column_text(s, 0) + 11);
			if (seam_rfc3339_parse(iso, &ms) == 0)
				seam_metric_set(m, SEAM_M_CATALOG_LAG, (const char *[]){name},
						(double)(now - ms) / 1000.0);
		}
		seam_stmt_reset(s);
	}
out:
	seam_store_release(c->env.store, db);
}

/* ---------- create, destroy ---------- */

static void destroy(void *p)
{
	seam_catalog_t *c = p;
	if (!c)
		return;
	pthread_key_delete(c->rt_key);
	pthread_mutex_destroy(&c->mu);
	for (size_t i = 0; i < SEAM__CATALOG_LOCKS; i++)
		pthread_mutex_destroy(&c->subject_mu[i]);
	json_decref(c->attr_cache);
	json_decref(c->generated);
	json_decref(c->no_lang);
	free(c);
}

static seam_err_t create(const seam_flow_env_t *env, void **out, seam_error_t *err)
{
	static const seam_catalog_config_t none;
	seam_catalog_t *c = calloc(1, sizeof *c);
	seam_err_t rc;
	if (!c || !(c->attr_cache = json_object()) || !(c->generated = json_object()) ||
	    !(c->no_lang = json_object())) {
		if (c) {
			json_decref(c->attr_cache);
			json_decref(c->generated);
		}
		free(c);
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	c->env = *env;
	c->cfg = env->config ? env->config : &none;
	pthread_key_create(&c->rt_key, rt_free);
	pthread_mutex_init(&c->mu, NULL);
	for (size_t i = 0; i < SEAM__CATALOG_LOCKS; i++)
		pthread_mutex_init(&c->subject_mu[i], NULL);
	for (size_t i = 0; i < c->cfg->stores.n; i++) {
		const seam_catalog_store_config_t *sc = c->cfg->stores.items[i];
		const char *name = c->cfg->stores.names[i];
		char sched[128], pl[160];
		if (sc->poll_interval_ms <= 0)
			continue;
		snprintf(sched, sizeof sched, "catalog.poll:%s", name);
		snprintf(pl, sizeof pl, "{\"store\":\"%s\"}", name);
		if ((rc = seam_queue_schedule(env->queue, sched, SEAM_FLOW_CATALOG, SEAM_JOB_CATALOG_POLL,
					      sc->poll_interval_ms, pl, err)) != SEAM_OK) {
			destroy(c);
			return rc;
		}
	}
	seam_metrics_add_collector(env->metrics, collect, c);
	*out = c;
	return SEAM_OK;
}

/* ---------- the registry row ---------- */

static const seam_flow_job_t jobs[] = {
	{SEAM_JOB_CATALOG_RUN, seam__catalog_run_job},
	{SEAM_JOB_CATALOG_PRODUCT, seam__catalog_product_job},
	{SEAM_JOB_CATALOG_POLL, poll_job},
};
static const seam_metric_id_e metrics[] = {SEAM_M_CATALOG_PRODUCTS, SEAM_M_CATALOG_LAG,
					   SEAM_M_CATALOG_RUN_DURATION};

const seam_flow_def_t seam_flow_catalog = {
	.name = SEAM_FLOW_CATALOG,
	.summary = "Products, models and variants from the PIM into Drupal Commerce.",
	.config_key = "catalog",
	.config_doc = "Catalog sync: per store, the PIM it syncs from and how products are written.",
	.config = &config_schema,
	.check = check_config,
	.create = create,
	.destroy = destroy,
	.jobs = jobs,
	.njobs = sizeof jobs / sizeof jobs[0],
	.metrics = metrics,
	.nmetrics = sizeof metrics / sizeof metrics[0],
	.cmds = seam_catalog_cmds,
	.ncmds = SEAM_CATALOG_NCMDS,
	.subject = seam__flow_subject_store,
};
