/*
 * queue_admin.c: operator functions (see queue_admin.h). Every state change is one transaction
 * on its own connection, conditional on the state it read, and leaves an operator_* row in
 * job_attempts. List filters are assembled from fixed fragments with numbered parameters, so no
 * user text ever becomes SQL.
 */
#include "queue/queue_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"

#define JOB_COLS                                                                                   \
	"id, kind, flow, dedup_key, state, attempts, max_attempts, run_at, created_at, updated_at, " \
	"finished_at, lease_owner, lease_expires_at, correlation_id, last_error"
#define NJOB_COLS 15

static const char *const states[] = {"queued", "running", "succeeded", "dead", "canceled"};

int seam_job_state_valid(const char *s)
{
	for (size_t i = 0; s && i < sizeof states / sizeof states[0]; i++)
		if (strcmp(s, states[i]) == 0)
			return 1;
	return 0;
}

static json_t *text_or_null(seam_stmt_t *s, int col)
{
	const char *v = seam_stmt_column_text(s, col);
	return v ? json_string(v) : json_null();
}

static json_t *time_or_null(seam_stmt_t *s, int col)
{
	char buf[25];
	if (seam_stmt_column_is_null(s, col))
		return json_null();
	seam_rfc3339_ms(seam_stmt_column_int64(s, col), buf);
	return json_string(buf);
}

/* The job object from a row of JOB_COLS starting at column 0. */
static json_t *job_json(seam_stmt_t *s)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", text_or_null(s, 0));
	json_object_set_new(o, "kind", text_or_null(s, 1));
	json_object_set_new(o, "flow", text_or_null(s, 2));
	json_object_set_new(o, "dedup_key", text_or_null(s, 3));
	json_object_set_new(o, "state", text_or_null(s, 4));
	json_object_set_new(o, "attempts", json_integer(seam_stmt_column_int64(s, 5)));
	json_object_set_new(o, "max_attempts", json_integer(seam_stmt_column_int64(s, 6)));
	json_object_set_new(o, "run_at", time_or_null(s, 7));
	json_object_set_new(o, "created_at", time_or_null(s, 8));
	json_object_set_new(o, "updated_at", time_or_null(s, 9));
	json_object_set_new(o, "finished_at", time_or_null(s, 10));
	json_object_set_new(o, "lease_owner", text_or_null(s, 11));
	json_object_set_new(o, "lease_expires_at", time_or_null(s, 12));
	json_object_set_new(o, "correlation_id", text_or_null(s, 13));
	json_object_set_new(o, "last_error", text_or_null(s, 14));
	return o;
}

/* The payload column: its JSON document, or the text when it is not JSON. */
static json_t *payload_json(seam_stmt_t *s, int col)
{
	const char *payload = seam_stmt_column_text(s, col);
	json_t *doc = payload ? json_loads(payload, JSON_DECODE_ANY, NULL) : NULL;
	return doc ? doc : payload ? json_string(payload) : json_null();
}

static seam_err_t finish(seam_stmt_t *s, seam_err_t rc)
{
	seam_stmt_reset(s);
	return rc == SEAM_DONE || rc == SEAM_ROW ? SEAM_OK : rc;
}

/* Runs a bound UPDATE to its end: the rows it changed in *changes. */
static seam_err_t run_changes(seam_stmt_t *s, int64_t *changes, seam_error_t *err)
{
	seam_err_t rc = seam_stmt_step(s, err);
	*changes = rc == SEAM_DONE ? seam_stmt_changes(s) : 0;
	return finish(s, rc);
}

/* --- list --------------------------------------------------------------------------------- */

seam_err_t seam_queue_admin_list(seam_store_t *st, const seam_job_filter_t *f, json_t **out,
				 seam_error_t *err)
{
	static const seam_job_filter_t none;
	char sql[1024];
	const char *texts[8];
	int64_t nums[4];
	int ntexts = 0, nnums = 0, param = 0;
	seam_db_t *db = NULL;
	seam_stmt_t *s;
	json_t *arr = NULL;
	seam_err_t rc;
	size_t len;

	*out = NULL;
	if (!f)
		f = &none;
	if (f->state && !seam_job_state_valid(f->state))
		return seam_errorf(err, SEAM_INVAL,
				   "unknown state '%s' (queued, running, succeeded, dead, canceled)",
				   f->state);
	int limit = f->limit > 0 ? f->limit : SEAM_JOB_LIST_DEFAULT;
	if (limit > SEAM_JOB_LIST_MAX)
		limit = SEAM_JOB_LIST_MAX;

	/* Text parameters first ($1..), then numbers; the order of binds follows. */
	len = (size_t)snprintf(sql, sizeof sql, "SELECT " JOB_COLS "%s FROM jobs WHERE 1 = 1",
			       f->with_payload ? ", payload" : "");
#define ADD_TEXT(cond, col, val)                                                                   \
	do {                                                                                       \
		if (cond) {                                                                        \
			texts[ntexts++] = (val);                                                   \
			len += (size_t)snprintf(sql + len, sizeof sql - len, " AND " col " $%d",   \
						++param);                                          \
		}                                                                                  \
	} while (0)
	ADD_TEXT(f->flow, "flow =", f->flow);
	/* The state as a literal (checked against the five above): SQLite uses a partial index
	 * (migration 012) only when it can see the query's state is one the index covers. */
	if (f->state)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND state = '%s'", f->state);
	ADD_TEXT(f->kind, "kind =", f->kind);
	ADD_TEXT(f->correlation_id, "correlation_id =", f->correlation_id);
	ADD_TEXT(f->before_id, "id <", f->before_id);
#undef ADD_TEXT
	const char *tcol = f->by_finished ? "finished_at" : "created_at";
	if (f->since_ms > 0) {
		nums[nnums++] = f->since_ms;
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND %s >= $%d", tcol, ++param);
	}
	if (f->until_ms > 0) {
		nums[nnums++] = f->until_ms;
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND %s < $%d", tcol, ++param);
	}
	nums[nnums++] = limit;
	snprintf(sql + len, sizeof sql - len, " ORDER BY id DESC LIMIT $%d", ++param);

	db = seam_store_acquire(st);
	rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK)
		goto out;
	for (int i = 0; i < ntexts; i++)
		seam_stmt_bind_text(s, i + 1, texts[i]);
	for (int i = 0; i < nnums; i++)
		seam_stmt_bind_int64(s, ntexts + i + 1, nums[i]);
	arr = json_array();
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		json_t *o = job_json(s);
		if (f->with_payload)
			json_object_set_new(o, "payload", payload_json(s, NJOB_COLS));
		json_array_append_new(arr, o);
	}
	rc = finish(s, rc);
out:
	seam_store_release(st, db);
	if (rc != SEAM_OK) {
		json_decref(arr);
		return seam_error_prefix(err, "list jobs");
	}
	*out = arr;
	return SEAM_OK;
}

/* --- show --------------------------------------------------------------------------------- */

/* Reads one job (and, when full, its payload and attempts) on db. */
static seam_err_t load_job(seam_db_t *db, const char *id, int full, json_t **out,
			   seam_error_t *err)
{
	seam_stmt_t *s;
	json_t *o = NULL;
	seam_err_t rc;
	*out = NULL;
	rc = seam_db_prepare(db, "SELECT " JOB_COLS ", payload FROM jobs WHERE id = $1", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, id);
	rc = seam_stmt_step(s, err);
	if (rc == SEAM_DONE) {
		seam_stmt_reset(s);
		return seam_errorf(err, SEAM_NOTFOUND, "no job with id %s", id);
	}
	if (rc != SEAM_ROW) {
		seam_stmt_reset(s);
		return rc;
	}
	o = job_json(s);
	if (full)
		json_object_set_new(o, "payload", payload_json(s, NJOB_COLS));
	seam_stmt_reset(s);
	if (!full) {
		*out = o;
		return SEAM_OK;
	}
	/* job_attempt_log (migration 011): the rows of job_attempts and the running or
	 * succeeded attempt, which is the job row itself. */
	rc = seam_db_prepare(db,
		"SELECT attempt, outcome, started_at, finished_at, error, lease_owner "
		"FROM job_attempt_log WHERE job_id = $1 ORDER BY started_at, id", &s, err);
	if (rc != SEAM_OK) {
		json_decref(o);
		return rc;
	}
	seam_stmt_bind_text(s, 1, id);
	json_t *log = json_array();
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		json_t *a = json_object();
		json_object_set_new(a, "attempt", json_integer(seam_stmt_column_int64(s, 0)));
		json_object_set_new(a, "outcome", text_or_null(s, 1));
		json_object_set_new(a, "started_at", time_or_null(s, 2));
		json_object_set_new(a, "finished_at", time_or_null(s, 3));
		json_object_set_new(a, "error", text_or_null(s, 4));
		json_object_set_new(a, "lease_owner", text_or_null(s, 5));
		json_array_append_new(log, a);
	}
	rc = finish(s, rc);
	json_object_set_new(o, "attempts_log", log);
	if (rc != SEAM_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return SEAM_OK;
}

seam_err_t seam_queue_admin_show(seam_store_t *st, const char *id, json_t **out,
				 seam_error_t *err)
{
	*out = NULL;
	if (!id || !id[0])
		return seam_errorf(err, SEAM_INVAL, "show: no job id");
	seam_db_t *db = seam_store_acquire(st);
	seam_err_t rc = load_job(db, id, 1, out, err);
	seam_store_release(st, db);
	return rc;
}

/* --- jobs about one thing ---------------------------------------------------------------- */

typedef struct about {
	json_t *job;
	size_t i; /* arrival order: keeps the sort stable */
} about_t;

static int by_created(const void *a, const void *b)
{
	const about_t *x = a, *y = b;
	const char *cx = json_string_value(json_object_get(x->job, "created_at"));
	const char *cy = json_string_value(json_object_get(y->job, "created_at"));
	int c = strcmp(cx ? cx : "", cy ? cy : ""); /* RFC 3339 UTC, ms: sorts as time */
	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

static int listed(const json_t *arr, const char *id)
{
	size_t i;
	json_t *j;
	json_array_foreach(arr, i, j)
		if (strcmp(json_string_value(json_object_get(j, "id")), id) == 0)
			return 1;
	return 0;
}

seam_err_t seam_queue_admin_jobs_about(seam_store_t *st, const char *text, const json_t *ids,
				       json_t **out, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	json_t *arr = json_array(), *v;
	about_t *sorted = NULL;
	seam_stmt_t *s;
	seam_err_t rc = SEAM_OK;
	size_t i, n;

	*out = NULL;
	if (text) {
		/* text is matched literally: LIKE's wildcards in it are escaped */
		char like[300];
		size_t o = 0;
		like[o++] = '%';
		for (const char *p = text; *p && o + 3 < sizeof like; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				like[o++] = '\\';
			like[o++] = *p;
		}
		like[o++] = '%';
		like[o] = '\0';
		rc = seam_db_prepare(db, "SELECT " JOB_COLS " FROM jobs WHERE dedup_key LIKE $1 "
				     "ESCAPE '\\' OR payload LIKE $1 ESCAPE '\\' ORDER BY created_at",
				     &s, err);
		if (rc != SEAM_OK)
			goto out;
		seam_stmt_bind_text(s, 1, like);
		while ((rc = seam_stmt_step(s, err)) == SEAM_ROW)
			json_array_append_new(arr, job_json(s));
		if ((rc = finish(s, rc)) != SEAM_OK)
			goto out;
	}
	json_array_foreach(ids, i, v) {
		json_t *job;
		const char *id = json_string_value(v);
		if (!id || listed(arr, id))
			continue;
		rc = load_job(db, id, 0, &job, err);
		if (rc == SEAM_NOTFOUND)
			continue;
		if (rc != SEAM_OK)
			goto out;
		json_array_append_new(arr, job);
	}
	rc = SEAM_OK;
	if ((n = json_array_size(arr)) < 2)
		goto out;
	if (!(sorted = calloc(n, sizeof *sorted))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		sorted[i] = (about_t){json_incref(json_array_get(arr, i)), i};
	qsort(sorted, n, sizeof *sorted, by_created);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, sorted[i].job);
out:
	seam_store_release(st, db);
	free(sorted);
	if (rc != SEAM_OK) {
		json_decref(arr);
		return seam_error_prefix(err, "jobs");
	}
	*out = arr;
	return SEAM_OK;
}

/* --- actions ------------------------------------------------------------------------------ */

typedef enum act_e { ACT_RETRY, ACT_REPLAY, ACT_CANCEL } act_e;

static const char *const act_names[] = {"retry", "replay", "cancel"};
static const char *const act_outcomes[] = {"operator_retry", "operator_replay", "operator_cancel"};

static seam_err_t mark(seam_db_t *db, const char *id, int attempt, const char *outcome,
		       int64_t now, seam_error_t *err)
{
	char aid[SEAM_UUID_STR_LEN];
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
		"INSERT INTO job_attempts (id, job_id, attempt, started_at, finished_at, outcome) "
		"VALUES ($1, $2, $3, $4, $4, $5)", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_id_new(aid);
	seam_stmt_bind_text(s, 1, aid);
	seam_stmt_bind_text(s, 2, id);
	seam_stmt_bind_int64(s, 3, attempt);
	seam_stmt_bind_int64(s, 4, now);
	seam_stmt_bind_text(s, 5, outcome);
	return finish(s, seam_stmt_step(s, err));
}

/* Applies one action to one job inside the caller's transaction. */
static seam_err_t act_on(seam_db_t *db, const char *id, act_e act, int64_t now, seam_error_t *err)
{
	seam_stmt_t *s;
	char state[16];
	int attempts;
	int64_t changes = 0;
	seam_err_t rc = seam_db_prepare(db, "SELECT state, attempts FROM jobs WHERE id = $1", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, id);
	rc = seam_stmt_step(s, err);
	if (rc == SEAM_DONE) {
		seam_stmt_reset(s);
		return seam_errorf(err, SEAM_NOTFOUND, "no job with id %s", id);
	}
	if (rc != SEAM_ROW) {
		seam_stmt_reset(s);
		return rc;
	}
	snprintf(state, sizeof state, "%s", seam_stmt_column_text(s, 0));
	attempts = (int)seam_stmt_column_int64(s, 1);
	seam_stmt_reset(s);

	const char *sql = NULL;
	switch (act) {
	case ACT_RETRY:
		if (strcmp(state, "dead") == 0 || strcmp(state, "canceled") == 0)
			sql = "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, "
			      "finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL, "
			      "updated_at = $2 WHERE id = $1 AND state = $3";
		else if (strcmp(state, "queued") == 0)
			sql = "UPDATE jobs SET run_at = $2, updated_at = $2 WHERE id = $1 AND state = $3";
		break;
	case ACT_REPLAY:
		if (strcmp(state, "dead") == 0)
			sql = "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, "
			      "finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL, "
			      "updated_at = $2 WHERE id = $1 AND state = $3";
		break;
	case ACT_CANCEL:
		if (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0 ||
		    strcmp(state, "dead") == 0)
			sql = "UPDATE jobs SET state = 'canceled', finished_at = $2, lease_owner = NULL, "
			      "lease_expires_at = NULL, updated_at = $2 WHERE id = $1 AND state = $3";
		break;
	}
	if (!sql)
		return seam_errorf(err, SEAM_CONFLICT, "cannot %s job %s: it is %s", act_names[act],
				   id, state);
	if (act == ACT_CANCEL && strcmp(state, "running") == 0) {
		/* The running attempt ends here (its worker's result will be dropped): its row,
		 * from the job's, before the job forgets who held it. */
		char aid[SEAM_UUID_STR_LEN];
		rc = seam_db_prepare(db,
			"INSERT INTO job_attempts (id, job_id, attempt, started_at, finished_at, outcome, "
			"lease_owner) SELECT $2, id, attempts, COALESCE(started_at, $3), $3, 'canceled', "
			"lease_owner FROM jobs WHERE id = $1 AND state = 'running'", &s, err);
		if (rc != SEAM_OK)
			return rc;
		seam_id_new(aid);
		seam_stmt_bind_text(s, 1, id);
		seam_stmt_bind_text(s, 2, aid);
		seam_stmt_bind_int64(s, 3, now);
		rc = finish(s, seam_stmt_step(s, err));
		if (rc != SEAM_OK)
			return rc;
	}
	rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, id);
	seam_stmt_bind_int64(s, 2, now);
	seam_stmt_bind_text(s, 3, state);
	rc = run_changes(s, &changes, err);
	if (rc != SEAM_OK)
		return rc;
	if (changes != 1)
		return seam_errorf(err, SEAM_CONFLICT, "job %s changed meanwhile; try again", id);
	return mark(db, id, attempts, act_outcomes[act], now, err);
}

static seam_err_t act(seam_store_t *st, const char *id, act_e a, json_t **out, seam_error_t *err)
{
	seam_db_t *db;
	seam_err_t rc;
	if (out)
		*out = NULL;
	if (!id || !id[0])
		return seam_errorf(err, SEAM_INVAL, "%s: no job id", act_names[a]);
	db = seam_store_acquire(st);
	rc = seam_db_begin(db, err);
	if (rc == SEAM_OK)
		rc = act_on(db, id, a, seam_now_ms(), err);
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, err);
	if (rc != SEAM_OK)
		seam_db_rollback(db);
	if (rc == SEAM_OK && out)
		rc = load_job(db, id, 0, out, err);
	seam_store_release(st, db);
	return rc;
}

seam_err_t seam_queue_admin_retry(seam_store_t *st, const char *id, json_t **out,
				  seam_error_t *err)
{
	return act(st, id, ACT_RETRY, out, err);
}

seam_err_t seam_queue_admin_replay(seam_store_t *st, const char *id, json_t **out,
				   seam_error_t *err)
{
	return act(st, id, ACT_REPLAY, out, err);
}

seam_err_t seam_queue_admin_cancel(seam_store_t *st, const char *id, json_t **out,
				   seam_error_t *err)
{
	return act(st, id, ACT_CANCEL, out, err);
}

typedef struct replay_row {
	char id[SEAM_UUID_STR_LEN];
	int64_t attempts;
} replay_row_t;

#define REPLAY_CHUNK 100

/* Replays n dead letters (n <= REPLAY_CHUNK) listed under the caller's write lock: one UPDATE
 * and one multi-row INSERT of their operator_replay attempt rows, instead of three statements
 * each (a round trip each on PostgreSQL: 100,000 dead letters took minutes). */
static seam_err_t replay_chunk(seam_db_t *db, const replay_row_t *rows, size_t n, int64_t now,
			       seam_error_t *err)
{
	char sql[REPLAY_CHUNK * 40 + 512], aids[REPLAY_CHUNK][SEAM_UUID_STR_LEN];
	size_t len;
	seam_stmt_t *s;
	int64_t changes = 0;
	len = (size_t)snprintf(sql, sizeof sql,
			       "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, "
			       "finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL, "
			       "updated_at = $1 WHERE state = 'dead' AND id IN (");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s$%zu", i ? ", " : "", i + 2);
	snprintf(sql + len, sizeof sql - len, ")");
	seam_err_t rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_int64(s, 1, now);
	for (size_t i = 0; i < n; i++)
		seam_stmt_bind_text(s, (int)i + 2, rows[i].id);
	rc = run_changes(s, &changes, err);
	if (rc != SEAM_OK)
		return rc;
	if (changes != (int64_t)n)
		return seam_errorf(err, SEAM_CONFLICT, "dead letters changed meanwhile; try again");
	/* $1 now, $2 the outcome, then (attempt id, job id, attempt) per row */
	len = (size_t)snprintf(sql, sizeof sql,
			       "INSERT INTO job_attempts (id, job_id, attempt, started_at, "
			       "finished_at, outcome) VALUES ");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s($%zu, $%zu, $%zu, $1, $1, $2)",
					i ? ", " : "", 3 * i + 3, 3 * i + 4, 3 * i + 5);
	snprintf(sql + len, sizeof sql - len, " ON CONFLICT (id) DO NOTHING");
	rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_int64(s, 1, now);
	seam_stmt_bind_text(s, 2, act_outcomes[ACT_REPLAY]);
	for (size_t i = 0; i < n; i++) {
		seam_id_new(aids[i]);
		seam_stmt_bind_text(s, (int)(3 * i + 3), aids[i]);
		seam_stmt_bind_text(s, (int)(3 * i + 4), rows[i].id);
		seam_stmt_bind_int64(s, (int)(3 * i + 5), rows[i].attempts);
	}
	return finish(s, seam_stmt_step(s, err));
}

seam_err_t seam_queue_admin_replay_many(seam_store_t *st, const seam_job_filter_t *f,
					int64_t *count, seam_error_t *err)
{
	static const seam_job_filter_t none;
	char sql[512];
	int param = 0;
	size_t len;
	seam_db_t *db = NULL;
	seam_stmt_t *s;
	replay_row_t *ids = NULL;
	size_t nids = 0, cap = 0;
	seam_err_t rc;
	int64_t now = seam_now_ms();
	*count = 0;
	if (!f)
		f = &none;
	len = (size_t)snprintf(sql, sizeof sql, "SELECT id, attempts FROM jobs WHERE state = 'dead'");
	if (f->flow)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND flow = $%d", ++param);
	if (f->since_ms > 0)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND finished_at >= $%d", ++param);
	if (f->until_ms > 0)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND finished_at < $%d", ++param);
	snprintf(sql + len, sizeof sql - len, " ORDER BY id");

	db = seam_store_acquire(st);
	rc = seam_db_begin(db, err);
	if (rc != SEAM_OK)
		goto out;
	rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK)
		goto out;
	param = 0;
	if (f->flow)
		seam_stmt_bind_text(s, ++param, f->flow);
	if (f->since_ms > 0)
		seam_stmt_bind_int64(s, ++param, f->since_ms);
	if (f->until_ms > 0)
		seam_stmt_bind_int64(s, ++param, f->until_ms);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		if (nids == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(ids, ncap * sizeof *ids);
			if (!p) {
				rc = seam_errorf(err, SEAM_NOMEM, "replay: out of memory");
				break;
			}
			ids = p;
			cap = ncap;
		}
		snprintf(ids[nids].id, SEAM_UUID_STR_LEN, "%s", seam_stmt_column_text(s, 0));
		ids[nids++].attempts = seam_stmt_column_int64(s, 1);
	}
	rc = finish(s, rc);
	for (size_t i = 0; rc == SEAM_OK && i < nids; i += REPLAY_CHUNK)
		rc = replay_chunk(db, ids + i, nids - i < REPLAY_CHUNK ? nids - i : REPLAY_CHUNK, now,
				  err);
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, err);
	if (rc == SEAM_OK)
		*count = (int64_t)nids;
out:
	if (rc != SEAM_OK) {
		seam_db_rollback(db);
		seam_error_prefix(err, "replay dead letters");
	}
	seam_store_release(st, db);
	free(ids);
	return rc;
}

/* --- flows -------------------------------------------------------------------------------- */

static json_t *flow_json(seam_stmt_t *s, int64_t now)
{
	double age = 0;
	if (!seam_stmt_column_is_null(s, 6))
		age = (double)(now - seam_stmt_column_int64(s, 6)) / 1000.0;
	return json_pack("{s:o, s:b, s:I, s:I, s:I, s:I, s:f}", "name", text_or_null(s, 0),
			 "paused", seam_stmt_column_int64(s, 1) != 0, "max_concurrency",
			 (json_int_t)seam_stmt_column_int64(s, 2), "queued",
			 (json_int_t)seam_stmt_column_int64(s, 3), "running",
			 (json_int_t)seam_stmt_column_int64(s, 4), "dead",
			 (json_int_t)seam_stmt_column_int64(s, 5), "oldest_runnable_age_s",
			 age > 0 ? age : 0.0);
}

#define FLOW_SQL                                                                                   \
	"SELECT f.name, f.paused, f.max_concurrency, "                                             \
	"(SELECT COUNT(*) FROM jobs j WHERE j.flow = f.name AND j.state = 'queued'), "             \
	"(SELECT COUNT(*) FROM jobs j WHERE j.flow = f.name AND j.state = 'running'), "            \
	"(SELECT COUNT(*) FROM jobs j WHERE j.flow = f.name AND j.state = 'dead'), "               \
	"(SELECT MIN(j.run_at) FROM jobs j WHERE j.flow = f.name AND j.state = 'queued' "          \
	"AND j.run_at <= $1) FROM flows f"

static seam_err_t load_flows(seam_db_t *db, const char *only, json_t **out, seam_error_t *err)
{
	seam_stmt_t *s;
	int64_t now = seam_now_ms();
	seam_err_t rc = seam_db_prepare(db, only ? FLOW_SQL " WHERE f.name = $2"
						 : FLOW_SQL " ORDER BY f.name", &s, err);
	*out = NULL;
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_int64(s, 1, now);
	if (only)
		seam_stmt_bind_text(s, 2, only);
	json_t *arr = json_array();
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW)
		json_array_append_new(arr, flow_json(s, now));
	rc = finish(s, rc);
	if (rc != SEAM_OK) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return SEAM_OK;
}

seam_err_t seam_queue_admin_flows(seam_store_t *st, const char *const *names, size_t nnames,
				  json_t **out, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_err_t rc = SEAM_OK;
	*out = NULL;
	if (!names) {
		rc = load_flows(db, NULL, out, err);
	} else {
		json_t *arr = json_array();
		for (size_t i = 0; rc == SEAM_OK && i < nnames; i++) {
			json_t *one = NULL;
			rc = load_flows(db, names[i], &one, err);
			if (rc != SEAM_OK)
				break;
			json_t *fl = json_array_get(one, 0);
			json_array_append_new(
				arr, fl ? json_incref(fl)
					: json_pack("{s:s, s:b, s:i, s:i, s:i, s:i, s:f}", "name", names[i],
						    "paused", 0, "max_concurrency", 0, "queued", 0, "running",
						    0, "dead", 0, "oldest_runnable_age_s", 0.0));
			json_decref(one);
		}
		if (rc == SEAM_OK)
			*out = arr;
		else
			json_decref(arr);
	}
	seam_store_release(st, db);
	if (rc != SEAM_OK)
		return seam_error_prefix(err, "list flows");
	return SEAM_OK;
}

seam_err_t seam_queue_admin_pause(seam_store_t *st, const char *flow, int paused, json_t **out,
				  seam_error_t *err)
{
	seam_db_t *db;
	seam_stmt_t *s;
	seam_err_t rc;
	if (out)
		*out = NULL;
	if (!flow || !flow[0])
		return seam_errorf(err, SEAM_INVAL, "%s: no flow name", paused ? "pause" : "resume");
	db = seam_store_acquire(st);
	rc = seam_db_prepare(db,
		"INSERT INTO flows (name, paused, max_concurrency, updated_at) VALUES ($1, $2, 0, $3) "
		"ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, "
		"updated_at = excluded.updated_at", &s, err);
	if (rc == SEAM_OK) {
		seam_stmt_bind_text(s, 1, flow);
		seam_stmt_bind_int64(s, 2, paused ? 1 : 0);
		seam_stmt_bind_int64(s, 3, seam_now_ms());
		rc = finish(s, seam_stmt_step(s, err));
	}
	if (rc == SEAM_OK && out) {
		json_t *arr = NULL;
		rc = load_flows(db, flow, &arr, err);
		if (rc == SEAM_OK) {
			*out = json_incref(json_array_get(arr, 0));
			json_decref(arr);
		}
	}
	seam_store_release(st, db);
	if (rc != SEAM_OK)
		return seam_error_prefix(err, "%s flow %s", paused ? "pause" : "resume", flow);
	return SEAM_OK;
}
