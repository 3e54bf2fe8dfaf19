/*
 * reconcile.c: the reconciliation flow's config, runs as the store keeps them
 * (reconciliation_runs and reconciliation_items, migration 013), the per-store schedule, the
 * drift metrics and the registry row (see reconcile.h). The run itself is reconcile_run.c.
 */
#include "flows/reconcile_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "flows/flow_int.h"
#include "flows/stores.h"
#include "http/client_config.h"

static const struct {
	const char *name, *fix, *check;
} kinds[] = {
#define X(id, name, fix, check) {name, fix, check},
	SEAM_RECONCILE_KINDS(X)
#undef X
};

const char *seam_reconcile_kind_name(seam_reconcile_kind_e k)
{
	return (unsigned)k < SEAM_RECONCILE__NKINDS ? kinds[k].name : "unknown";
}

const char *seam_reconcile_kind_fix(seam_reconcile_kind_e k)
{
	return (unsigned)k < SEAM_RECONCILE__NKINDS ? kinds[k].fix : NULL;
}

const char *seam_reconcile_kind_check(seam_reconcile_kind_e k)
{
	return (unsigned)k < SEAM_RECONCILE__NKINDS ? kinds[k].check : "";
}

/* ---------- config ---------- */

#define F(st, fld) offsetof(st, fld)

static const seam_cfg_field_t store_fields[] = {
	{"psp", SEAM_CFG_STR, F(seam_reconcile_store_config_t, psp), 0, NULL,
	 "Upstream (in upstreams:) of Stripe's API, read for the PSP's view of each payment "
	 "(auth bearer with a key that may read payment_intents and charges); unset: Stripe is "
	 "not read and Stripe-paid orders are not compared. Adyen is read from the events seam "
	 "stored.", NULL, NULL, 0, 0},
	{"every", SEAM_CFG_DURATION, F(seam_reconcile_store_config_t, every_ms), 0, "0",
	 "Scheduled run period (one run at a time per store); 0 = only runs started by hand.",
	 NULL, NULL, 0, 7 * 86400000LL},
	{"window", SEAM_CFG_DURATION, F(seam_reconcile_store_config_t, window_ms), 0, "24h",
	 "How far back a scheduled run looks (orders placed since now - window).", NULL, NULL,
	 60000, 90 * 86400000LL},
	{"export_sla", SEAM_CFG_DURATION, F(seam_reconcile_store_config_t, export_sla_ms), 0,
	 "15m", "A placed order is in the ERP with its number written back by then; younger "
	 "orders are still in flight, not drift.", NULL, NULL, 0, 7 * 86400000LL},
	{"psp_margin", SEAM_CFG_DURATION, F(seam_reconcile_store_config_t, psp_margin_ms), 0, "1h",
	 "PSP payments created this long before the window are read too (a payment is created "
	 "at checkout, before the order is placed).", NULL, NULL, 0, 7 * 86400000LL},
	{"fix", SEAM_CFG_BOOL, F(seam_reconcile_store_config_t, fix), 0, "false",
	 "Scheduled runs apply the deterministic fixes (re-export, cancel in the ERP, apply the "
	 "PSP's state); otherwise they only report.", NULL, NULL, 0, 0},
	{"state_sla", SEAM_CFG_STRMAP, F(seam_reconcile_store_config_t, state_sla), 0, NULL,
	 "Drupal order state -> the longest an order may stay in it after being placed "
	 "(fulfillment: 3d); an order past it is stuck_in_state.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t store_schema = {"reconciliation store",
					       sizeof(seam_reconcile_store_config_t), store_fields,
					       sizeof store_fields / sizeof store_fields[0]};

static const seam_cfg_field_t config_fields[] = {
	{"stores", SEAM_CFG_MAP, F(seam_reconcile_config_t, stores), 0, NULL,
	 "Per seam store (a name in stores:): where the PSP is read, the SLAs, the schedule.",
	 &store_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t config_schema = {"reconciliation", sizeof(seam_reconcile_config_t),
						config_fields,
						sizeof config_fields / sizeof config_fields[0]};

static const seam_reconcile_store_config_t defaults = {
	.psp = NULL,
	.every_ms = 0,
	.window_ms = 86400000LL,
	.export_sla_ms = 15 * 60000LL,
	.psp_margin_ms = 3600000LL,
	.fix = 0,
};

const seam_reconcile_store_config_t *seam__reconcile_store(const void *config, const char *store)
{
	const seam_reconcile_config_t *cc = config;
	const seam_reconcile_store_config_t *sc = cc && store ? seam_cfg_map_get(&cc->stores, store)
							      : NULL;
	return sc ? sc : &defaults;
}

/* What the tables cannot say: the store exists, the PSP upstream exists, the state SLAs are
 * durations. */
static void check_config(const seam_flow_env_t *env, const seam_cfg_check_t *chk)
{
	const seam_reconcile_config_t *cc = env->config;
	for (size_t i = 0; cc && i < cc->stores.n; i++) {
		const char *name = cc->stores.names[i];
		const seam_reconcile_store_config_t *sc = cc->stores.items[i];
		if (!seam_cfg_map_get(env->stores, name))
			seam_cfg_check_addf(chk, 0, "reconciliation.stores.%s: no store '%s' in stores:",
					    name, name);
		if (sc->psp && *sc->psp && !seam_cfg_map_get(env->upstreams, sc->psp))
			seam_cfg_check_addf(chk, 0,
					    "reconciliation.stores.%s.psp: no upstream '%s' in upstreams:",
					    name, sc->psp);
		for (size_t k = 0; k < sc->state_sla.n; k++) {
			int64_t ms;
			if (seam_duration_parse(sc->state_sla.values[k], &ms) != 0 || ms <= 0)
				seam_cfg_check_addf(chk, 0,
						    "reconciliation.stores.%s.state_sla.%s: '%s' is not a "
						    "duration (30m, 3d)",
						    name, sc->state_sla.keys[k], sc->state_sla.values[k]);
		}
	}
}

/* ---------- runs ---------- */

/* A run as status shows it: every column of reconciliation_runs. */
static const seam__col_t run_cols[] = {
	{"id", SEAM__COL_TEXT},           {"store", SEAM__COL_TEXT},
	{"state", SEAM__COL_TEXT},        {"phase", SEAM__COL_TEXT},
	{"since", SEAM__COL_TIME},        {"until", SEAM__COL_TIME},
	{"fix", SEAM__COL_BOOL},          {"dry_run", SEAM__COL_BOOL},
	{"trigger", SEAM__COL_TEXT},      {"orders_checked", SEAM__COL_INT},
	{"psp_payments", SEAM__COL_INT},  {"drift", SEAM__COL_INT},
	{"fixed", SEAM__COL_INT},         {"unreadable", SEAM__COL_JSON_ARRAY},
	{"error", SEAM__COL_TEXT},        {"correlation_id", SEAM__COL_TEXT},
	{"created_at", SEAM__COL_TIME},   {"started_at", SEAM__COL_TIME},
	{"updated_at", SEAM__COL_TIME},   {"finished_at", SEAM__COL_TIME},
};

static const seam__run_table_t runs = {"reconciliation_runs", "reconciliation run", run_cols,
				       sizeof run_cols / sizeof run_cols[0]};

static json_t *count_row(seam_stmt_t *s)
{
	return json_pack("[s, I]", seam_stmt_column_text(s, 0),
			 (json_int_t)seam_stmt_column_int64(s, 1));
}

static json_t *item_row(seam_stmt_t *s)
{
	const char *detail = seam_stmt_column_text(s, 5);
	json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
	json_t *o = json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:o, s:s?, s:s?, s:s?, s:s?}", "seq",
			      (json_int_t)seam_stmt_column_int64(s, 0), "kind",
			      seam_stmt_column_text(s, 1), "order_uuid", seam_stmt_column_text(s, 2),
			      "order_number", seam_stmt_column_text(s, 3), "remote_id",
			      seam_stmt_column_text(s, 4), "detail", d ? d : json_object(), "fix",
			      seam_stmt_column_text(s, 6), "check", seam_stmt_column_text(s, 7),
			      "fix_state", seam_stmt_column_text(s, 8), "job_id",
			      seam_stmt_column_text(s, 9));
	if (!o)
		return NULL;
	/* null rather than absent: the contract names every field */
	static const char *const nullable[] = {"order_uuid", "order_number", "remote_id", "fix",
					       "check", "fix_state", "job_id"};
	for (size_t i = 0; i < sizeof nullable / sizeof *nullable; i++)
		if (!json_object_get(o, nullable[i]))
			json_object_set_new(o, nullable[i], json_null());
	return o;
}

/* Adds "counts" ({kind: n}, every kind) to each run of arr. */
static seam_err_t add_counts(seam_store_t *st, json_t *arr, seam_error_t *err)
{
	size_t i;
	json_t *run;
	json_array_foreach(arr, i, run) {
		json_t *rows = NULL, *counts = json_object(), *r;
		size_t k;
		for (int kd = 0; kd < SEAM_RECONCILE__NKINDS; kd++)
			json_object_set_new(counts, seam_reconcile_kind_name(kd), json_integer(0));
		seam_err_t rc = seam__flow_rows(st,
						"SELECT kind, COUNT(*) FROM reconciliation_items "
						"WHERE run_id = $1 GROUP BY kind",
						json_string_value(json_object_get(run, "id")),
						count_row, &rows, err);
		if (rc != SEAM_OK) {
			json_decref(counts);
			return rc;
		}
		json_array_foreach(rows, k, r)
			json_object_set(counts, json_string_value(json_array_get(r, 0)),
					json_array_get(r, 1));
		json_decref(rows);
		json_object_set_new(run, "counts", counts);
	}
	return SEAM_OK;
}

seam_err_t seam_reconcile_get(seam_store_t *st, const char *run_id, int items, json_t **out,
			      seam_error_t *err)
{
	json_t *rows = NULL;
	*out = NULL;
	seam_err_t rc = seam__flow_run_get(st, &runs, run_id, &rows, err);
	if (rc != SEAM_OK)
		return rc;
	if ((rc = add_counts(st, rows, err)) != SEAM_OK) {
		json_decref(rows);
		return rc;
	}
	json_t *run = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (items) {
		json_t *list = NULL;
		rc = seam__flow_rows(st,
				     "SELECT seq, kind, order_uuid, order_number, remote_id, detail, "
				     "action, check_text, fix_state, job_id FROM reconciliation_items "
				     "WHERE run_id = $1 ORDER BY seq",
				     run_id, item_row, &list, err);
		if (rc != SEAM_OK) {
			json_decref(run);
			return rc;
		}
		json_object_set_new(run, "items", list);
	}
	*out = run;
	return SEAM_OK;
}

seam_err_t seam_reconcile_list(seam_store_t *st, const char *store, int limit, json_t **out,
			       seam_error_t *err)
{
	seam_err_t rc = seam__flow_run_list(st, &runs, store, limit, out, err);
	if (rc == SEAM_OK && (rc = add_counts(st, *out, err)) != SEAM_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

seam_err_t seam_reconcile_start(seam_db_t *db, seam_queue_t *q, const seam_reconcile_request_t *r,
				char run_id[SEAM_UUID_STR_LEN], seam_error_t *err)
{
	char cid_buf[SEAM_CID_MAX], now[24], since[24], until[24], job_id[SEAM_UUID_STR_LEN],
		dedup[64];
	int own = !seam_db_in_tx(db);
	int64_t now_ms = seam_now_ms(), until_ms = r->until_ms > 0 ? r->until_ms : now_ms;
	const char *cid = r->cid;
	seam_err_t rc;
	run_id[0] = '\0';
	if (!r->store || !*r->store)
		return seam_errorf(err, SEAM_INVAL, "reconciliation: a store is needed");
	if (r->since_ms >= until_ms)
		return seam_errorf(err, SEAM_INVAL,
				   "reconciliation: the window is empty (since must be before until)");
	if (!cid) {
		seam_cid_new(cid_buf);
		cid = cid_buf;
	}
	/* The check and the insert in one write transaction: the schedule and an operator
	 * starting at once cannot both see "none running". */
	if (own && (rc = seam_db_begin(db, err)) != SEAM_OK)
		return rc;
	char running[SEAM_UUID_STR_LEN] = "";
	seam__flow_lookup(db,
			  "SELECT id FROM reconciliation_runs WHERE store = $1 AND state IN "
			  "('queued', 'running') ORDER BY created_at LIMIT 1",
			  (const char *[]){r->store}, 1, 0, running, sizeof running);
	if (running[0]) {
		snprintf(run_id, SEAM_UUID_STR_LEN, "%s", running);
		rc = seam_errorf(err, SEAM_EXISTS, "store %s already has a reconciliation going: %s",
				 r->store, running);
		goto out;
	}
	seam_uuid4(run_id);
	snprintf(now, sizeof now, "%lld", (long long)now_ms);
	snprintf(since, sizeof since, "%lld", (long long)r->since_ms);
	snprintf(until, sizeof until, "%lld", (long long)until_ms);
	rc = seam_db_run(db,
			 "INSERT INTO reconciliation_runs (id, store, state, phase, since, until, fix, "
			 "dry_run, trigger, correlation_id, created_at, updated_at) VALUES ($1, $2, "
			 "'queued', NULL, CAST($3 AS BIGINT), CAST($4 AS BIGINT), CAST($5 AS INTEGER), "
			 "CAST($6 AS INTEGER), $7, $8, CAST($9 AS BIGINT), CAST($9 AS BIGINT))",
			 (const char *[]){run_id, r->store, since, until, r->fix ? "1" : "0",
					  r->dry_run ? "1" : "0", r->trigger ? r->trigger : "ctl", cid,
					  now},
			 9, NULL, err);
	if (rc != SEAM_OK)
		goto out;
	json_t *pl = json_pack("{s:s, s:s}", "run_id", run_id, "store", r->store);
	char *payload = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
	json_decref(pl);
	if (!payload) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	snprintf(dedup, sizeof dedup, "run:%s", run_id);
	seam_job_spec_t spec = {.kind = SEAM_JOB_RECONCILE_RUN, .flow = SEAM_FLOW_RECONCILE,
				.dedup_key = dedup, .payload = payload, .correlation_id = cid};
	rc = seam_queue_enqueue(q, db, &spec, job_id, NULL, err);
	free(payload);
out:
	if (own) {
		if (rc == SEAM_OK)
			rc = seam_db_commit(db, err);
		else
			seam_db_rollback(db);
	}
	return rc;
}

/* ---------- reconcile.poll: the schedule's run ---------- */

static seam_err_t poll_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_reconcile_t *rc_ = ud;
	json_t *pl = json_loads(job->payload, 0, NULL);
	const char *store = json_string_value(json_object_get(pl, "store"));
	char run_id[SEAM_UUID_STR_LEN];
	seam_error_t err = {0};
	seam_err_t rc;
	if (!store) {
		json_decref(pl);
		return seam_job_fail(res, SEAM_PERMANENT, 0, "reconcile.poll payload lacks store");
	}
	const seam_reconcile_store_config_t *sc = seam__reconcile_store(rc_->cfg, store);
	if (!seam_cfg_map_get(&rc_->cfg->stores, store) || sc->every_ms <= 0) {
		/* the store's schedule is gone from the config (a slot already due, or a store
		 * removed altogether): nothing to run */
		json_decref(pl);
		return SEAM_OK;
	}
	int64_t now = seam_now_ms();
	seam_reconcile_request_t r = {.store = store, .since_ms = now - sc->window_ms,
				      .until_ms = now, .fix = sc->fix, .trigger = "schedule",
				      .cid = job->correlation_id};
	seam_db_t *db = seam_store_acquire(rc_->env.store);
	rc = seam_reconcile_start(db, rc_->env.queue, &r, run_id, &err);
	seam_store_release(rc_->env.store, db);
	if (rc == SEAM_OK)
		seam_queue_notify(rc_->env.queue);
	json_decref(pl);
	if (rc == SEAM_EXISTS) /* the last one is still going: this slot is skipped */
		return SEAM_OK;
	return rc == SEAM_OK ? SEAM_OK : seam_job_fail(res, SEAM_RETRY, 0, "%s", err.msg);
}

/* ---------- metrics: drift of each store's newest finished run ---------- */

static void collect(seam_metrics_t *m, void *ud)
{
	seam_reconcile_t *r = ud;
	seam_db_t *db = seam_store_acquire(r->env.store);
	seam_stmt_t *s = NULL, *k = NULL;
	seam_metric_reset(m, SEAM_M_RECONCILE_DRIFT);
	seam_metric_reset(m, SEAM_M_RECONCILE_LAST_RUN);
	/* The newest run per store that finished (done: clean, drift or partial). */
	if (seam_db_prepare(db,
			    "SELECT r.store, r.id, r.finished_at FROM reconciliation_runs r WHERE "
			    "r.state = 'done' AND r.finished_at = (SELECT MAX(finished_at) FROM "
			    "reconciliation_runs x WHERE x.store = r.store AND x.state = 'done')",
			    &s, NULL) != SEAM_OK ||
	    seam_db_prepare(db,
			    "SELECT kind, COUNT(*) FROM reconciliation_items WHERE run_id = $1 AND "
			    "(fix_state IS NULL OR fix_state <> 'enqueued') GROUP BY kind",
			    &k, NULL) != SEAM_OK)
		goto out;
	while (seam_stmt_step(s, NULL) == SEAM_ROW) {
		const char *store = seam_stmt_column_text(s, 0);
		for (int kd = 0; kd < SEAM_RECONCILE__NKINDS; kd++)
			seam_metric_set(m, SEAM_M_RECONCILE_DRIFT,
					(const char *[]){store, seam_reconcile_kind_name(kd)}, 0);
		seam_metric_set(m, SEAM_M_RECONCILE_LAST_RUN, (const char *[]){store},
				(double)seam_stmt_column_int64(s, 2) / 1000.0);
		seam_stmt_bind_text(k, 1, seam_stmt_column_text(s, 1));
		while (seam_stmt_step(k, NULL) == SEAM_ROW)
			seam_metric_set(m, SEAM_M_RECONCILE_DRIFT,
					(const char *[]){store, seam_stmt_column_text(k, 0)},
					(double)seam_stmt_column_int64(k, 1));
		seam_stmt_reset(k);
	}
out:
	if (k)
		seam_stmt_reset(k);
	if (s)
		seam_stmt_reset(s);
	seam_store_release(r->env.store, db);
}

/* ---------- create, destroy ---------- */

static void destroy(void *p)
{
	free(p);
}

static seam_err_t create(const seam_flow_env_t *env, void **out, seam_error_t *err)
{
	static const seam_reconcile_config_t none;
	seam_reconcile_t *r = calloc(1, sizeof *r);
	seam_err_t rc;
	if (!r)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	r->env = *env;
	r->cfg = env->config ? env->config : &none;
	for (size_t i = 0; i < r->cfg->stores.n; i++) {
		const seam_reconcile_store_config_t *sc = r->cfg->stores.items[i];
		const char *name = r->cfg->stores.names[i];
		char sched[160];
		json_t *pl;
		char *text;
		if (sc->every_ms <= 0)
			continue;
		snprintf(sched, sizeof sched, "reconcile.poll:%s", name);
		pl = json_pack("{s:s}", "store", name);
		text = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
		json_decref(pl);
		if (!text) {
			destroy(r);
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		}
		rc = seam_queue_schedule(env->queue, sched, SEAM_FLOW_RECONCILE,
					 SEAM_JOB_RECONCILE_POLL, sc->every_ms, text, err);
		free(text);
		if (rc != SEAM_OK) {
			destroy(r);
			return rc;
		}
	}
	seam_metrics_add_collector(env->metrics, collect, r);
	*out = r;
	return SEAM_OK;
}

/* ---------- the registry row ---------- */

static const seam_flow_job_t jobs[] = {
	{SEAM_JOB_RECONCILE_RUN, seam__reconcile_run_job},
	{SEAM_JOB_RECONCILE_POLL, poll_job},
};
static const seam_metric_id_e metrics[] = {SEAM_M_RECONCILE_DRIFT, SEAM_M_RECONCILE_RUNS,
					   SEAM_M_RECONCILE_LAST_RUN};

const seam_flow_def_t seam_flow_reconcile = {
	.name = SEAM_FLOW_RECONCILE,
	.summary = "Compares Drupal, the PSP, the ERP and seam's records per order; fixes what is "
		   "deterministic.",
	.config_key = "reconciliation",
	.config_doc = "Reconciliation: per store, where the PSP is read, the SLAs and the schedule "
		      "(docs/reconciliation.md).",
	.config = &config_schema,
	.check = check_config,
	.create = create,
	.destroy = destroy,
	.jobs = jobs,
	.njobs = sizeof jobs / sizeof jobs[0],
	.metrics = metrics,
	.nmetrics = sizeof metrics / sizeof metrics[0],
	.cmds = seam__reconcile_cmds,
	.ncmds = 1,
	.subject = seam__flow_subject_store,
};
