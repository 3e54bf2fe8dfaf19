/*
 * catalog_run.c: the catalog.run job, one run of the catalog flow (see catalog.h).
 *
 * A run goes through phases, each committed in its catalog_runs row so that a crash (kill -9)
 * or a pause resumes where it stopped, never from the start:
 *
 *   models    walk the PIM's product models (updated > since for an incremental run): one
 *             catalog.product job per model; each page's jobs and the link to the next page
 *             commit in one transaction;
 *   products  walk the PIM's products likewise: a variant makes its model's job (an
 *             incremental run: its model did not change, the variant did), a simple product its
 *             own; a full run skips variants (their models are all enqueued already);
 *   apply     wait until every subject of the run has an outcome (catalog_run_items), then
 *             move the store's high-water mark to the newest `updated` the run saw (incremental,
 *             not dry runs: "the mark advances only after every record up to it was applied or
 *             quarantined");
 *   sweep     full runs only: walk the Drupal products that carry a seam_pim_id and unpublish
 *             those whose subject the run did not see (the PIM no longer has them), so drift
 *             made on the Drupal side is repaired from what Drupal holds, not from seam's own
 *             record; a dry run records the plan instead;
 *   done      the summary: counters, timeline entry, run duration.
 *
 * One execution of the job works for at most SLICE_MS and then hands the worker back
 * (SEAM_PAUSED with a 1 ms delay: requeued at once, the attempt not counted), so a rebuild of
 * 100,000 products is many short executions and never outlives the queue's job timeout. While
 * the flow's kill switch is on the run stops after its current page and waits.
 */
#include "flows/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "connectors/pim.h"
#include "core/clock.h"
#include "core/log.h"
#include "flows/flow_int.h"
#include "flows/timeline.h"

#define SLICE_MS 20000
#define WAIT_MS 500   /* between looks at an applying run's progress */
#define SEAM__CATALOG_YIELD SEAM_PAUSED

typedef struct run {
	seam_catalog_t *c;
	const seam_catalog_store_config_t *sc;
	const seam_job_t *job;
	char id[SEAM_UUID_STR_LEN];
	char store[128], channel[128], mode[16], phase[16], state[16];
	char since[SEAM_PIM_DATE_LEN + 1], mark[SEAM_PIM_DATE_LEN + 1];
	char *resume_href;
	int dry_run, full;
	int64_t enqueued, finished, created_at, unpublished;
	int64_t deadline;
	const char *cid;
	seam_error_t err;
} run_t;

/* ---------- the run's row ---------- */

static seam_err_t load(run_t *r, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(r->c->env.store);
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
					"SELECT store, channel, mode, dry_run, state, phase, since, "
					"resume_href, mark, enqueued, finished, created_at, unpublished "
					"FROM catalog_runs WHERE id = $1",
					&s, err);
	if (rc != SEAM_OK)
		goto out;
	seam_stmt_bind_text(s, 1, r->id);
	if ((rc = seam_stmt_step(s, err)) != SEAM_ROW) {
		if (rc == SEAM_DONE)
			rc = seam_errorf(err, SEAM_NOTFOUND, "catalog run %s: no such run", r->id);
		seam_stmt_reset(s);
		goto out;
	}
#define COL(i, dst) seam__flow_copy(dst, sizeof dst, seam_stmt_column_text(s, i))
	COL(0, r->store);
	COL(1, r->channel);
	COL(2, r->mode);
	r->dry_run = seam_stmt_column_int64(s, 3) != 0;
	COL(4, r->state);
	COL(5, r->phase);
	COL(6, r->since);
	free(r->resume_href);
	r->resume_href = seam_stmt_column_text(s, 7) ? strdup(seam_stmt_column_text(s, 7)) : NULL;
	COL(8, r->mark);
#undef COL
	r->enqueued = seam_stmt_column_int64(s, 9);
	r->finished = seam_stmt_column_int64(s, 10);
	r->created_at = seam_stmt_column_int64(s, 11);
	r->unpublished = seam_stmt_column_int64(s, 12);
	r->full = strcmp(r->mode, SEAM_CATALOG_FULL) == 0;
	seam_stmt_reset(s);
	rc = SEAM_OK;
out:
	seam_store_release(r->c->env.store, db);
	return rc;
}

/* Sets columns of the row: pairs of (column, value) with NULL values binding NULL. */
static seam_err_t set(run_t *r, seam_db_t *db, const char *sql_set, const char *const *vals,
		      int n, seam_error_t *err)
{
	char sql[512], now[24];
	const char *params[8];
	int own = db == NULL;
	snprintf(sql, sizeof sql, "UPDATE catalog_runs SET %s, updated_at = $%d WHERE id = $%d",
		 sql_set, n + 1, n + 2);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	for (int i = 0; i < n; i++)
		params[i] = vals[i];
	params[n] = now;
	params[n + 1] = r->id;
	if (own)
		db = seam_store_acquire(r->c->env.store);
	seam_err_t rc = seam_db_run(db, sql, params, n + 2, NULL, err);
	if (own)
		seam_store_release(r->c->env.store, db);
	return rc;
}

static seam_err_t set_phase(run_t *r, const char *phase, seam_error_t *err)
{
	snprintf(r->phase, sizeof r->phase, "%s", phase);
	free(r->resume_href);
	r->resume_href = NULL;
	return set(r, NULL, "phase = $1, resume_href = NULL", (const char *[]){phase}, 1, err);
}

/* ---------- walking the PIM ---------- */

static void mark_max(run_t *r, const json_t *rec)
{
	int64_t ms = seam__catalog_updated_ms(rec);
	char d[SEAM_PIM_DATE_LEN + 1];
	if (ms > 0 && seam_pim_date_format(ms, d) == 0 && strcmp(d, r->mark) > 0)
		memcpy(r->mark, d, sizeof d);
}

/* One page of models or products: its subjects' jobs, the run's progress and the next page's
 * link, in one transaction. */
static seam_err_t page(void *ud, json_t *items, const char *next_href, seam_error_t *err)
{
	run_t *r = ud;
	int models = strcmp(r->phase, "models") == 0;
	size_t i;
	json_t *it;
	char seen[24];
	seam_db_t *db = seam_store_acquire(r->c->env.store);
	seam_err_t rc = seam_db_begin(db, err);
	json_array_foreach(items, i, it) {
		const char *parent = json_string_value(json_object_get(it, "parent"));
		seam__catalog_subject_t s = {.store = r->store, .run_id = r->id, .full = r->full,
					     .dry_run = r->dry_run,
					     .updated_ms = seam__catalog_updated_ms(it),
					     .source = r->full ? "full" : "poll"};
		if (rc != SEAM_OK)
			break;
		mark_max(r, it);
		if (models) {
			s.id = json_string_value(json_object_get(it, "code"));
			s.kind = "model";
		} else if (parent && *parent) {
			if (r->full)
				continue; /* its model is in the run already */
			s.id = parent;
			s.kind = "model";
		} else {
			s.id = json_string_value(json_object_get(it, "uuid"));
			s.kind = "simple";
		}
		if (!s.id || !*s.id)
			continue;
		rc = seam__catalog_enqueue(r->c, db, &s, r->cid, NULL, err);
	}
	snprintf(seen, sizeof seen, "%zu", json_array_size(items));
	if (rc == SEAM_OK)
		rc = set(r, db, "resume_href = $1, seen = seen + CAST($2 AS BIGINT), mark = $3",
			 (const char *[]){next_href, seen, r->mark[0] ? r->mark : NULL}, 3, err);
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, err);
	else
		seam_db_rollback(db);
	int paused = rc == SEAM_OK && seam__catalog_paused(db);
	seam_store_release(r->c->env.store, db);
	if (rc != SEAM_OK)
		return rc;
	seam_queue_notify(r->c->env.queue);
	free(r->resume_href);
	r->resume_href = next_href ? strdup(next_href) : NULL;
	/* Stop after this page when paused or the slice is used up; the row says where. */
	if (next_href && (paused || seam_now_ms() >= r->deadline))
		return SEAM__CATALOG_YIELD;
	return SEAM_OK;
}

static seam_err_t walk(run_t *r, seam_pim_resource_e res, seam_error_t *err)
{
	seam_upstream_t *u = seam__catalog_pim(r->c, r->sc);
	seam_pim_list_t l = {.resource = res, .updated_after = r->since[0] ? r->since : NULL,
			     .scope = r->sc->pim.channel, .resume_href = r->resume_href,
			     .cid = r->cid};
	seam_pim_outcome_t oc;
	if (!u)
		return seam_errorf(err, SEAM_CONFIG, "catalog: no PIM upstream for store %s", r->store);
	return seam_pim_walk(u, &l, page, r, &oc, err);
}

/* ---------- the first execution: since, total ---------- */

static seam_err_t begin_run(run_t *r, seam_error_t *err)
{
	seam_upstream_t *u = seam__catalog_pim(r->c, r->sc);
	char mark[SEAM_PIM_DATE_LEN + 1] = "", total[24] = "";
	int64_t nprod = 0, nmod = 0;
	seam_db_t *db = seam_store_acquire(r->c->env.store);
	if (!r->channel[0])
		snprintf(r->channel, sizeof r->channel, "%s", r->sc->pim.channel);
	if (!r->full)
		seam__flow_lookup(db, "SELECT mark FROM catalog_cursors WHERE store = $1 AND channel = $2",
				  (const char *[]){r->store, r->channel}, 2, 0, mark, sizeof mark);
	seam_store_release(r->c->env.store, db);
	r->since[0] = '\0';
	if (mark[0]) {
		char iso[32];
		int64_t ms;
		snprintf(iso, sizeof iso, "%.10sT%.8sZ", mark, mark + 11);
		if (seam_rfc3339_parse(iso, &ms) == 0)
			seam_pim_date_format(ms - r->sc->overlap_ms, r->since);
	}
	/* The total, for progress and ETA: what the PIM says matches (models + products). A
	 * PIM that cannot count leaves it unknown; the run goes on. */
	if (u && seam_pim_count(u, SEAM_PIM_PRODUCTS, r->since[0] ? r->since : NULL, r->cid, &nprod,
				NULL, NULL) == SEAM_OK &&
	    seam_pim_count(u, SEAM_PIM_PRODUCT_MODELS, r->since[0] ? r->since : NULL, r->cid, &nmod,
			   NULL, NULL) == SEAM_OK)
		snprintf(total, sizeof total, "%lld", (long long)(nprod + nmod));
	snprintf(r->state, sizeof r->state, "running");
	return set(r, NULL,
		   "state = 'running', channel = $1, since = $2, total = CAST($3 AS BIGINT), "
		   "phase = 'models', resume_href = NULL",
		   (const char *[]){r->channel, r->since[0] ? r->since : NULL, total[0] ? total : NULL},
		   3, err);
}

/* ---------- the sweep ---------- */

typedef struct sweep {
	run_t *r;
	seam_upstream_t *u;
	int64_t unpublished;
	seam_error_t *err;
} sweep_t;

static seam_err_t plan_add(seam_db_t *db, const char *run_id, const char *action,
			   const char *entity, const char *key, json_t *diff, seam_error_t *err)
{
	char *text = diff ? json_dumps(diff, JSON_COMPACT) : NULL;
	seam_err_t rc = seam_db_run(db,
				    "INSERT INTO catalog_plan (run_id, seq, action, entity, item_key, diff) "
				    "SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM catalog_plan "
				    "WHERE run_id = $1",
				    (const char *[]){run_id, action, entity, key, text}, 5, NULL, err);
	free(text);
	return rc;
}

/* A Drupal product whose subject the run did not see: the PIM no longer has it. Unpublished
 * with its published variations, never deleted (orders reference them). */
static seam_err_t sweep_one(json_t *product, json_t *variations, void *ud)
{
	sweep_t *sw = ud;
	run_t *r = sw->r;
	const char *pim_id = seam_drupal_attr_str(product, "seam_pim_id");
	char seen[8] = "";
	size_t i;
	json_t *v;
	seam_err_t rc = SEAM_OK;
	if (!pim_id || !*pim_id)
		return SEAM_OK;
	seam_db_t *db = seam_store_acquire(r->c->env.store);
	seam__flow_lookup(db, "SELECT '1' FROM catalog_run_items WHERE run_id = $1 AND pim_id = $2",
			  (const char *[]){r->id, pim_id}, 2, 0, seen, sizeof seen);
	seam_store_release(r->c->env.store, db);
	if (seen[0])
		return SEAM_OK;
	int changed = 0;
	json_t *off = json_pack("{s:b}", "status", 0);
	seam_drupal_outcome_t oc;
	/* variations first: a product is unpublished once its variations are */
	json_array_foreach(variations, i, v) {
		if (!json_is_true(seam_drupal_attr(v, "status")))
			continue;
		changed = 1;
		const char *sku = seam_drupal_attr_str(v, "sku");
		if (r->dry_run) {
			db = seam_store_acquire(r->c->env.store);
			rc = plan_add(db, r->id, "unpublish", "variation", sku ? sku : seam_drupal_id(v),
				      NULL, sw->err);
			seam_store_release(r->c->env.store, db);
		} else {
			seam_drupal_write_t w = {.entity = "commerce_product_variation",
						 .bundle = r->sc->drupal.variation_type,
						 .uuid = seam_drupal_id(v), .attributes = off};
			rc = seam_drupal_write_entity(sw->u, r->cid, &w, NULL, &oc, sw->err);
		}
		if (rc != SEAM_OK)
			goto out;
	}
	if (json_is_true(seam_drupal_attr(product, "status"))) {
		changed = 1;
		if (r->dry_run) {
			db = seam_store_acquire(r->c->env.store);
			rc = plan_add(db, r->id, "unpublish", "product", pim_id, NULL, sw->err);
			seam_store_release(r->c->env.store, db);
		} else {
			seam_drupal_write_t w = {.entity = "commerce_product",
						 .bundle = r->sc->drupal.product_type,
						 .uuid = seam_drupal_id(product), .attributes = off};
			rc = seam_drupal_write_entity(sw->u, r->cid, &w, NULL, &oc, sw->err);
		}
		if (rc != SEAM_OK)
			goto out;
	}
	if (!changed)
		goto out;
	sw->unpublished++;
	db = seam_store_acquire(r->c->env.store);
	if (!r->dry_run) {
		char now[24];
		snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
		seam_db_run(db,
			    "UPDATE catalog_items SET state = 'removed', updated_at = CAST($3 AS BIGINT) "
			    "WHERE store = $1 AND pim_id = $2",
			    (const char *[]){r->store, pim_id, now}, 3, NULL, NULL);
		seam_timeline_add(db, "product", pim_id, r->cid, "drupal", "catalog.unpublished",
				  json_pack("{s:s, s:s, s:s}", "store", r->store, "run", r->id,
					    "reason", "not in the PIM"),
				  NULL);
		seam_metric_add(r->c->env.metrics, SEAM_M_CATALOG_PRODUCTS,
				(const char *[]){r->store, "unpublished"}, 1);
	}
	set(r, db, "unpublished = unpublished + 1", NULL, 0, NULL);
	seam_store_release(r->c->env.store, db);
out:
	json_decref(off);
	return rc;
}

static seam_err_t sweep(run_t *r, seam_error_t *err)
{
	sweep_t sw = {.r = r, .u = seam__catalog_drupal(r->c, r->store), .err = err};
	seam_drupal_outcome_t oc;
	if (!sw.u)
		return seam_errorf(err, SEAM_CONFIG, "catalog: store %s has no Drupal upstream", r->store);
	return seam_drupal_walk_products(sw.u, r->cid, r->sc->drupal.product_type, 0, sweep_one, &sw,
					 NULL, &oc, err);
}

/* ---------- the end ---------- */

static seam_err_t finish(run_t *r, const char *state, const char *error)
{
	int64_t now = seam_now_ms();
	char now_s[24];
	seam_err_t rc;
	json_t *row = NULL;
	snprintf(now_s, sizeof now_s, "%lld", (long long)now);
	seam_db_t *db = seam_store_acquire(r->c->env.store);
	rc = seam_db_begin(db, NULL);
	if (rc == SEAM_OK && strcmp(state, "done") == 0 && !r->full && !r->dry_run && r->mark[0])
		rc = seam_db_run(db,
				 "INSERT INTO catalog_cursors (store, channel, mark, run_id, updated_at) "
				 "VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT)) ON CONFLICT (store, channel) "
				 "DO UPDATE SET mark = excluded.mark, run_id = excluded.run_id, "
				 "updated_at = excluded.updated_at WHERE catalog_cursors.mark < excluded.mark",
				 (const char *[]){r->store, r->channel, r->mark, r->id, now_s}, 5, NULL,
				 NULL);
	if (rc == SEAM_OK)
		rc = set(r, db,
			 "state = $1, phase = 'done', resume_href = NULL, error = $2, "
			 "finished_at = CAST($3 AS BIGINT)",
			 (const char *[]){state, error, now_s}, 3, NULL);
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, NULL);
	else
		seam_db_rollback(db);
	seam_store_release(r->c->env.store, db);
	if (rc != SEAM_OK)
		return rc;
	if (seam_catalog_run_get(r->c->env.store, r->id, &row, NULL) == SEAM_OK) {
		json_t *d = json_pack("{s:s, s:s, s:b, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:s?}",
				      "run", r->id, "mode", r->mode, "dry_run", r->dry_run, "state",
				      state, "created", json_object_get(row, "created"), "updated",
				      json_object_get(row, "updated"), "unchanged",
				      json_object_get(row, "unchanged"), "unpublished",
				      json_object_get(row, "unpublished"), "quarantined",
				      json_object_get(row, "quarantined"), "failed",
				      json_object_get(row, "failed"), "mark",
				      json_object_get(row, "mark"), "error", error);
		seam_timeline_log(r->c->env.store, "catalog", r->store, r->cid, "seam",
				  strcmp(state, "done") == 0 ? "catalog.run" : "catalog.run_failed",
				  json_deep_copy(d), NULL);
		seam_logf(r->c->env.log, strcmp(state, "done") == 0 ? SEAM_LOG_INFO : SEAM_LOG_ERROR,
			  "catalog", r->cid, d, "catalog %s run %s of store %s: %s%s%s",
			  r->dry_run ? "dry" : r->mode, r->id, r->store, state, error ? ": " : "",
			  error ? error : "");
		json_decref(row);
	}
	seam_metric_observe(r->c->env.metrics, SEAM_M_CATALOG_RUN_DURATION,
			    (const char *[]){r->store, r->mode}, (double)(now - r->created_at) / 1000.0);
	return SEAM_OK;
}

/* ---------- the job ---------- */

seam_err_t seam__catalog_run_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_catalog_t *c = ud;
	json_t *pl = json_loads(job->payload, 0, NULL);
	const char *id = json_string_value(json_object_get(pl, "run_id"));
	run_t *r = calloc(1, sizeof *r);
	seam_error_t err = {0};
	seam_err_t rc;
	if (!r) {
		json_decref(pl);
		return seam_job_fail(res, SEAM_NOMEM, 0, "out of memory");
	}
	r->c = c;
	r->job = job;
	r->cid = job->correlation_id;
	r->deadline = seam_now_ms() + SLICE_MS;
	snprintf(r->id, sizeof r->id, "%s", id ? id : "");
	if ((rc = load(r, &err)) != SEAM_OK) {
		rc = seam_job_fail(res, rc == SEAM_NOTFOUND ? SEAM_PERMANENT : rc, 0, "%s", err.msg);
		goto out;
	}
	if (strcmp(r->state, "queued") && strcmp(r->state, "running")) {
		rc = SEAM_OK; /* finished or canceled: nothing to do */
		goto out;
	}
	if (!(r->sc = seam_catalog_store(c->cfg, r->store))) {
		finish(r, "failed", "no catalog config for this store (catalog.stores)");
		rc = SEAM_OK;
		goto out;
	}
	{
		seam_db_t *db = seam_store_acquire(c->env.store);
		int paused = seam__catalog_paused(db);
		seam_store_release(c->env.store, db);
		if (paused) {
			res->retry_after_ms = 1000;
			rc = SEAM_PAUSED;
			goto out;
		}
	}
	if (strcmp(r->state, "queued") == 0 && (rc = begin_run(r, &err)) != SEAM_OK)
		goto fail;
	for (;;) {
		if (strcmp(r->phase, "models") == 0) {
			if ((rc = walk(r, SEAM_PIM_PRODUCT_MODELS, &err)) != SEAM_OK)
				goto fail;
			rc = set_phase(r, "products", &err);
		} else if (strcmp(r->phase, "products") == 0) {
			if ((rc = walk(r, SEAM_PIM_PRODUCTS, &err)) != SEAM_OK)
				goto fail;
			rc = set_phase(r, "apply", &err);
		} else if (strcmp(r->phase, "apply") == 0) {
			if ((rc = load(r, &err)) != SEAM_OK)
				goto fail;
			if (r->finished < r->enqueued) {
				res->retry_after_ms = WAIT_MS;
				rc = SEAM_PAUSED;
				goto out;
			}
			rc = set_phase(r, r->full ? "sweep" : "finish", &err);
		} else if (strcmp(r->phase, "sweep") == 0) {
			if ((rc = sweep(r, &err)) != SEAM_OK)
				goto fail;
			rc = set_phase(r, "finish", &err);
		} else {
			rc = finish(r, "done", NULL);
			goto out;
		}
		if (rc != SEAM_OK)
			goto fail;
	}
fail:
	if (rc == SEAM__CATALOG_YIELD) {
		res->retry_after_ms = 1;
		goto out;
	}
	if (rc == SEAM_CONFIG || rc == SEAM_PERMANENT || rc == SEAM_INVAL) {
		finish(r, "failed", err.msg);
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "catalog run %s: %s", r->id, err.msg);
		goto out;
	}
	/* Retryable (the PIM or Drupal is down): the row keeps the place; the queue retries.
	 * On the last attempt the run is failed so `seam ctl sync` stops waiting. */
	if (job->attempt >= job->max_attempts && rc != SEAM_OPEN_CIRCUIT)
		finish(r, "failed", err.msg);
	else
		set(r, NULL, "error = $1", (const char *[]){err.msg}, 1, NULL);
	rc = seam_flow_job_error(rc, -1, "catalog run", &err, res);
out:
	free(r->resume_href);
	free(r);
	json_decref(pl);
	return rc;
}
