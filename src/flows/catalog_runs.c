/*
 * catalog_runs.c: the catalog flow's runs as the store keeps them (catalog_runs, migration
 * 007): starting one (its row and its catalog.run job, one run at a time per store), reading
 * one or the newest ones as JSON (GET /v1/catalog/runs, `seam ctl sync status|list`), and a
 * dry run's plan. The run itself is catalog_run.c.
 */
#include "flows/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "flows/flow_int.h"

/* A run as status shows it: every column of catalog_runs. */
static const seam__col_t run_cols[] = {
	{"id", SEAM__COL_TEXT},          {"store", SEAM__COL_TEXT},
	{"channel", SEAM__COL_TEXT},     {"mode", SEAM__COL_TEXT},
	{"dry_run", SEAM__COL_BOOL},     {"state", SEAM__COL_TEXT},
	{"phase", SEAM__COL_TEXT},       {"since", SEAM__COL_TEXT},
	{"resume_href", SEAM__COL_TEXT}, {"mark", SEAM__COL_TEXT},
	{"total", SEAM__COL_INT_NULL},   {"seen", SEAM__COL_INT},
	{"enqueued", SEAM__COL_INT},     {"finished", SEAM__COL_INT},
	{"created", SEAM__COL_INT},      {"updated", SEAM__COL_INT},
	{"unchanged", SEAM__COL_INT},    {"unpublished", SEAM__COL_INT},
	{"quarantined", SEAM__COL_INT},  {"failed", SEAM__COL_INT},
	{"error", SEAM__COL_TEXT},       {"correlation_id", SEAM__COL_TEXT},
	{"created_at", SEAM__COL_TIME},  {"updated_at", SEAM__COL_TIME},
	{"finished_at", SEAM__COL_TIME},
};

static const seam__run_table_t runs = {"catalog_runs", "catalog run", run_cols,
				       sizeof run_cols / sizeof run_cols[0]};

/* Sets "paused" on each run of arr (one flag for the flow, read once). */
static void mark_paused(seam_store_t *st, json_t *arr)
{
	seam_db_t *db = seam_store_acquire(st);
	int paused = seam__catalog_paused(db);
	seam_store_release(st, db);
	size_t i;
	json_t *run;
	json_array_foreach(arr, i, run)
		json_object_set_new(run, "paused", json_boolean(paused));
}

seam_err_t seam_catalog_run_get(seam_store_t *st, const char *run_id, json_t **out,
				seam_error_t *err)
{
	json_t *rows = NULL;
	seam_err_t rc = seam__flow_run_get(st, &runs, run_id, &rows, err);
	*out = NULL;
	if (rc != SEAM_OK)
		return rc;
	mark_paused(st, rows);
	*out = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return SEAM_OK;
}

seam_err_t seam_catalog_run_list(seam_store_t *st, const char *store, int limit, json_t **out,
				 seam_error_t *err)
{
	seam_err_t rc = seam__flow_run_list(st, &runs, store, limit, out, err);
	if (rc == SEAM_OK)
		mark_paused(st, *out);
	return rc;
}

static json_t *plan_row(seam_stmt_t *s)
{
	const char *diff = seam_stmt_column_text(s, 3);
	json_t *d = diff ? json_loads(diff, 0, NULL) : NULL;
	return json_pack("{s:s, s:s, s:s, s:o}", "action", seam_stmt_column_text(s, 0), "entity",
			 seam_stmt_column_text(s, 1), "key", seam_stmt_column_text(s, 2), "diff",
			 d ? d : json_null());
}

seam_err_t seam_catalog_plan_get(seam_store_t *st, const char *run_id, json_t **out,
				 seam_error_t *err)
{
	return seam__flow_rows(st,
			       "SELECT action, entity, item_key, diff FROM catalog_plan "
			       "WHERE run_id = $1 ORDER BY seq",
			       run_id ? run_id : "", plan_row, out, err);
}

seam_err_t seam_catalog_run_start(seam_db_t *db, seam_queue_t *q, const char *store,
				  const char *channel, const char *mode, int dry_run,
				  const char *cid, char run_id[SEAM_UUID_STR_LEN], seam_error_t *err)
{
	char cid_buf[SEAM_UUID_STR_LEN], now[24], job_id[SEAM_UUID_STR_LEN], dedup[64];
	int own = !seam_db_in_tx(db);
	seam_err_t rc;
	if (!store || !*store || !mode ||
	    (strcmp(mode, SEAM_CATALOG_INCREMENTAL) && strcmp(mode, SEAM_CATALOG_FULL)))
		return seam_errorf(err, SEAM_INVAL, "catalog run: a store and a mode (%s | %s) are needed",
				   SEAM_CATALOG_INCREMENTAL, SEAM_CATALOG_FULL);
	if (!cid) {
		seam_uuid4(cid_buf);
		cid = cid_buf;
	}
	/* The check and the insert in one write transaction: two starts at once (the schedule
	 * and an operator) cannot both see "none running". */
	if (own && (rc = seam_db_begin(db, err)) != SEAM_OK)
		return rc;
	char running[SEAM_UUID_STR_LEN] = "";
	seam__flow_lookup(db,
			  "SELECT id FROM catalog_runs WHERE store = $1 AND state IN ('queued', 'running') "
			  "ORDER BY created_at LIMIT 1",
			  (const char *[]){store}, 1, 0, running, sizeof running);
	if (running[0]) {
		snprintf(run_id, SEAM_UUID_STR_LEN, "%s", running);
		rc = seam_errorf(err, SEAM_EXISTS, "store %s already has a catalog run going: %s", store,
				 running);
		goto out;
	}
	seam_uuid4(run_id);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	rc = seam_db_run(db,
			 "INSERT INTO catalog_runs (id, store, channel, mode, dry_run, state, phase, "
			 "correlation_id, created_at, updated_at) VALUES ($1, $2, $3, $4, "
			 "CAST($5 AS INTEGER), 'queued', 'models', $6, CAST($7 AS BIGINT), "
			 "CAST($7 AS BIGINT))",
			 (const char *[]){run_id, store, channel ? channel : "", mode,
					  dry_run ? "1" : "0", cid, now},
			 7, NULL, err);
	if (rc != SEAM_OK)
		goto out;
	json_t *pl = json_pack("{s:s, s:s}", "run_id", run_id, "store", store);
	char *payload = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
	json_decref(pl);
	if (!payload) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	snprintf(dedup, sizeof dedup, "run:%s", run_id);
	seam_job_spec_t spec = {.kind = SEAM_JOB_CATALOG_RUN, .flow = SEAM_FLOW_CATALOG,
				.dedup_key = dedup, .payload = payload, .correlation_id = cid,
				/* a run that cannot reach the PIM retries for a while, then fails
				 * (catalog_run.c marks the row failed on the last attempt) */
				.max_attempts = 0};
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
