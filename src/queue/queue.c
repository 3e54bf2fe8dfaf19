/*
 * queue.c: the job engine (the design essay is in queue.h: states, leases, retries, the handler
 * contract). This file has four parts:
 *
 *   1. store statements: enqueue, lease, complete, heartbeat, release, reap, schedules, purge.
 *      Every job-state SQL statement of the engine is here, each run inside a group-commit
 *      transaction (batch.h). lease_fn is the one place a PostgreSQL engine would change
 *      (SELECT ... FOR UPDATE SKIP LOCKED instead of relying on SQLite's single writer).
 *   2. the dispatcher thread: leases jobs for free worker slots when woken or every poll, runs
 *      maintenance (reaper, schedules, purge) and heartbeats.
 *   3. worker threads: run handlers, turn outcomes into the next state, submit the result
 *      asynchronously (the worker does not wait for the commit).
 *   4. lifecycle and the metrics collector.
 *
 * In-process bookkeeping (under q->mu): `ready` holds leased jobs not yet started, `nrunning`
 * counts handlers executing, `inflight` lists every lease this process holds (ready, running,
 * or result waiting for its commit) so the heartbeat can renew them. A lease leaves `inflight`
 * only after its result committed (or failed to), in complete_done on the committer thread.
 *
 * Time: every "now" (wall ms written to the store, monotonic ms of the dispatcher's timers and
 * of job_timeout) comes from q->clock, so tests drive leases, backoff and schedules by advancing
 * a manual clock instead of sleeping. Only measurements (handler and lease round-trip times for
 * the prefetch, the duration metric) and the jitter seed read the real monotonic clock.
 */
#include "queue/queue.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/backoff.h"
#include "core/clock.h"
#include "queue/batch.h"
#include "queue/queue_config.h"

/* Defaults of the settings seam.yaml has (workers, lease, poll, backoff, attempts, retain)
 * come from the `queue:` table (queue_config.c), never from here; these are the internal ones. */
#define DEF_JOB_TIMEOUT_MS 300000
#define DEF_DEFER_MS 5000
#define PURGE_EVERY_MS (10LL * 60 * 1000)
#define PURGE_FIRST_MS (60LL * 1000)
#define PURGE_CHUNK 500
#define PURGE_ROUNDS 20
#define PURGE_AGAIN_MS 1000
#define REAP_CHUNK 256
#define SCHED_CHUNK 64
#define MAX_FLOWS 256
#define RESULT_RETRIES 2
#define OWNER_MAX 128

/* ------------------------------------------------------------------------------------------ */
/* types */

typedef struct handler {
	char *kind;
	seam_job_fn fn;
	void *ud;
} handler_t;

typedef struct lease {
	seam_queue_t *q;
	char id[SEAM_UUID_STR_LEN];
	char owner[OWNER_MAX];
	char *kind, *flow, *dedup_key, *payload, *cid;
	int attempt, max_attempts;
	int64_t created_at;
	int64_t leased_at;   /* wall ms the lease began (jobs.started_at) */
	int64_t started_ms;  /* monotonic ms the handler started; 0 while waiting in ready */
	int64_t finished_ms; /* monotonic ms the handler returned; 0 before */

	/* The result, filled by the worker, written by complete_fn. */
	const char *state;   /* next job state */
	const char *outcome; /* attempt outcome and metric label */
	int give_back;       /* 1: attempt not counted (deferred) */
	int64_t run_at;      /* next run_at, 0 = unchanged */
	int64_t finished_at; /* 0 = NULL */
	int64_t done_at;
	char error[SEAM_JOB_ERROR_MAX + 32];
	int has_error;
	int applied;         /* complete_fn found the lease still ours */
	int tries;

	struct lease *next_ready;
	struct lease *prev, *next; /* inflight list */
} lease_t;

struct seam_queue {
	seam_store_t *st;
	seam_batch_t *batch;
	seam_log_t *log;
	seam_metrics_t *metrics;
	seam_clock_t clock;

	int workers;
	int prefetch;           /* fixed prefetch, or -1 for adaptive */
	double handler_ewma_us; /* mean handler run time (under mu) */
	double lease_ewma_us;   /* mean lease round trip: submit to commit (dispatcher only) */
	int64_t lease_ms, heartbeat_ms, job_timeout_ms, poll_ms;
	int64_t backoff_base_ms, backoff_cap_ms, defer_ms, retain_ms;
	int max_attempts;
	char instance[96];
	int pg; /* the store is PostgreSQL: lease with SKIP LOCKED (lease_flow) */
	/* Flows whose row the lease transaction has read, so committed (flow rows are never
	 * deleted): an enqueue to one of them skips its upsert. */
	pthread_mutex_t known_mu;
	char known[32][128];
	int nknown;

	handler_t *handlers;
	size_t nhandlers;

	pthread_mutex_t mu;
	json_t *declared;       /* schedule names declared since creation (under mu) */
	pthread_cond_t disp_cv;  /* dispatcher: wake, slot freed, stop */
	pthread_cond_t work_cv;  /* workers: job ready, stop */
	pthread_cond_t drain_cv; /* stop: inflight drained */
	lease_t *ready_head, *ready_tail;
	int nready, nrunning, ninflight;
	lease_t inflight; /* sentinel of a circular list */
	int wake, stop, started, stopped;
	pthread_t dispatcher;
	int dispatcher_started;
	pthread_t *threads;
	int nthreads; /* worker threads started */

	unsigned long long lease_seq; /* atomic */
	int enq_flag;                 /* atomic: jobs were enqueued in the committing batch */
	unsigned long long rng;       /* atomic splitmix64 state */
};

/* ------------------------------------------------------------------------------------------ */
/* small helpers */

/* The queue's clocks (opts->clock, the real ones by default). */
static int64_t now_ms(const seam_queue_t *q)
{
	return seam_clock_now_ms(q ? &q->clock : NULL);
}

static int64_t mono_ms(const seam_queue_t *q)
{
	return seam_clock_mono_ns(&q->clock) / 1000000;
}

/* splitmix64 over an atomic counter: cheap, thread-safe jitter (not for secrets). */
static uint64_t rand64(seam_queue_t *q)
{
	uint64_t z = __atomic_add_fetch(&q->rng, 0x9E3779B97F4A7C15ULL, __ATOMIC_RELAXED);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static char *dup_col(seam_stmt_t *s, int col)
{
	const char *v = seam_stmt_column_text(s, col);
	return v ? strdup(v) : NULL;
}

static void lease_free(lease_t *l)
{
	if (!l)
		return;
	free(l->kind);
	free(l->flow);
	free(l->dedup_key);
	free(l->payload);
	free(l->cid);
	free(l);
}

static void inflight_add(seam_queue_t *q, lease_t *l)
{
	l->next = &q->inflight;
	l->prev = q->inflight.prev;
	q->inflight.prev->next = l;
	q->inflight.prev = l;
	q->ninflight++;
}

static void inflight_del(seam_queue_t *q, lease_t *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = NULL;
	q->ninflight--;
	if (q->ninflight == 0)
		pthread_cond_broadcast(&q->drain_cv);
}

/* Steps a statement that must finish (no rows expected or rows ignored) and resets it. */
static seam_err_t run_stmt(seam_stmt_t *s, int64_t *changes, seam_error_t *err)
{
	seam_err_t rc;
	do
		rc = seam_stmt_step(s, err);
	while (rc == SEAM_ROW);
	if (rc == SEAM_DONE) {
		rc = SEAM_OK;
		if (changes)
			*changes = seam_stmt_changes(s);
	}
	seam_stmt_reset(s);
	return rc;
}

seam_err_t seam_job_fail(seam_job_result_t *res, seam_err_t code, int64_t retry_after_ms,
			 const char *fmt, ...)
{
	if (res) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(res->error, sizeof res->error, fmt, ap);
		va_end(ap);
		res->retry_after_ms = retry_after_ms;
	}
	return code;
}

int64_t seam_queue_backoff_ms(int64_t base_ms, int64_t cap_ms, int attempt, uint64_t rnd,
			      int64_t retry_after_ms)
{
	return seam_backoff_after_ms(attempt, base_ms, cap_ms, rnd, retry_after_ms);
}

/* ------------------------------------------------------------------------------------------ */
/* 1. store statements */

static int flow_known(seam_queue_t *q, const char *flow)
{
	int hit = 0;
	if (!q)
		return 0;
	pthread_mutex_lock(&q->known_mu);
	for (int i = 0; i < q->nknown && !hit; i++)
		hit = strcmp(q->known[i], flow) == 0;
	pthread_mutex_unlock(&q->known_mu);
	return hit;
}

/* A flow row read by a committed-read statement exists for good. */
static void flow_seen(seam_queue_t *q, const char *flow)
{
	if (!flow || strlen(flow) >= sizeof q->known[0] || flow_known(q, flow))
		return;
	pthread_mutex_lock(&q->known_mu);
	if (q->nknown < (int)(sizeof q->known / sizeof q->known[0]))
		snprintf(q->known[q->nknown++], sizeof q->known[0], "%s", flow);
	pthread_mutex_unlock(&q->known_mu);
}

static seam_err_t upsert_flow(seam_db_t *db, const char *flow, int64_t now, seam_error_t *err)
{
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
		"INSERT INTO flows (name, paused, max_concurrency, updated_at) VALUES ($1, 0, 0, $2) "
		"ON CONFLICT (name) DO NOTHING", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, flow);
	seam_stmt_bind_int64(s, 2, now);
	return run_stmt(s, NULL, err);
}

seam_err_t seam_queue_enqueue(seam_queue_t *q, seam_db_t *db, const seam_job_spec_t *spec,
			      char out_id[SEAM_UUID_STR_LEN], int *existed, seam_error_t *err)
{
	char id[SEAM_UUID_STR_LEN];
	seam_stmt_t *s = NULL;
	seam_err_t rc;
	if (existed)
		*existed = 0;
	if (!db || !spec || !spec->kind || !spec->kind[0])
		return seam_errorf(err, SEAM_INVAL, "enqueue: a job needs a kind");
	const char *flow = spec->flow && spec->flow[0] ? spec->flow : "default";
	const char *payload = spec->payload ? spec->payload : "{}";
	int max_attempts = spec->max_attempts;
	if (max_attempts <= 0 && q) {
		max_attempts = q->max_attempts;
	} else if (max_attempts <= 0) {
		seam_queue_config_t def;
		seam_queue_config_defaults(&def);
		max_attempts = (int)def.max_attempts;
	}
	int64_t now = now_ms(q);
	int64_t run_at = spec->run_at_ms > 0 ? spec->run_at_ms : now;

	if (!flow_known(q, flow)) {
		rc = upsert_flow(db, flow, now, err);
		if (rc != SEAM_OK)
			return seam_error_prefix(err, "enqueue %s", spec->kind);
	}
	rc = seam_db_prepare(db,
		"INSERT INTO jobs (id, kind, flow, dedup_key, payload, state, attempts, max_attempts, "
		"run_at, correlation_id, created_at, updated_at) "
		"VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, $9, $9) "
		"ON CONFLICT (flow, dedup_key) DO NOTHING", &s, err);
	if (rc != SEAM_OK)
		return seam_error_prefix(err, "enqueue %s", spec->kind);
	if (spec->id && seam_uuid_valid(spec->id))
		memcpy(id, spec->id, SEAM_UUID_STR_LEN);
	else
		seam_id_new(id);
	seam_stmt_bind_text(s, 1, id);
	seam_stmt_bind_text(s, 2, spec->kind);
	seam_stmt_bind_text(s, 3, flow);
	seam_stmt_bind_text(s, 4, spec->dedup_key);
	seam_stmt_bind_text(s, 5, payload);
	seam_stmt_bind_int64(s, 6, max_attempts);
	seam_stmt_bind_int64(s, 7, run_at);
	seam_stmt_bind_text(s, 8, spec->correlation_id);
	seam_stmt_bind_int64(s, 9, now);
	/* Whether a row went in, from the change count: RETURNING would cost SQLite an ephemeral
	 * table per insert. */
	int64_t changes = 0;
	rc = run_stmt(s, &changes, err);
	if (rc != SEAM_OK)
		return seam_error_prefix(err, "enqueue %s", spec->kind);
	int inserted = changes == 1;

	if (!inserted) {
		if (!spec->dedup_key)
			return seam_errorf(err, SEAM_STORE, "enqueue %s: insert returned no row",
					   spec->kind);
		rc = seam_db_prepare(db, "SELECT id FROM jobs WHERE flow = $1 AND dedup_key = $2",
				     &s, err);
		if (rc != SEAM_OK)
			return seam_error_prefix(err, "enqueue %s", spec->kind);
		seam_stmt_bind_text(s, 1, flow);
		seam_stmt_bind_text(s, 2, spec->dedup_key);
		rc = seam_stmt_step(s, err);
		if (rc == SEAM_ROW) {
			snprintf(id, sizeof id, "%s", seam_stmt_column_text(s, 0));
			rc = SEAM_OK;
		} else if (rc == SEAM_DONE) {
			rc = seam_errorf(err, SEAM_CONFLICT,
					 "enqueue %s: dedup key %s conflicts but no job has it",
					 spec->kind, spec->dedup_key);
		}
		seam_stmt_reset(s);
		if (rc != SEAM_OK)
			return rc;
		if (existed)
			*existed = 1;
	}
	if (out_id)
		memcpy(out_id, id, SEAM_UUID_STR_LEN);
	if (q && inserted) {
		if (seam_batch_db(q->batch) == db)
			__atomic_store_n(&q->enq_flag, 1, __ATOMIC_RELEASE); /* wake after commit */
		else
			seam_queue_notify(q); /* autocommitted, or the caller commits soon: poll covers */
	}
	return SEAM_OK;
}

/* --- lease ---------------------------------------------------------------------------------- */

typedef struct flow_slot {
	char name[128];
	int room;      /* jobs the flow may still start (INT_MAX when unlimited) */
	int64_t next;  /* earliest queued run_at */
	int exhausted; /* gave fewer than asked: nothing more due */
	int64_t max;   /* its bulkhead, to count again under the flow's lock (PostgreSQL); 0 none */
} flow_slot_t;

typedef struct lease_req {
	seam_queue_t *q;
	int want;
	int maintenance; /* reap expired leases and fire schedules first */
	int64_t now;
	lease_t *got;    /* owned list (next_ready) */
	int ngot;
	int64_t next_due; /* earliest run_at in the future among leasable flows, 0 = none */
	int reaped, fired;
	char reaped_flows[16][128];
	int nreaped_flows;
} lease_req_t;

static void free_got(lease_req_t *r)
{
	while (r->got) {
		lease_t *n = r->got->next_ready;
		lease_free(r->got);
		r->got = n;
	}
	r->ngot = 0;
}

/* Leases up to n due jobs of one flow, oldest run_at first, in one statement; *taken gets how
 * many. All of them share one owner ("<instance>#<n>", new for every call), so a job leased
 * again later has another owner and the old lease's result is fenced out. On PostgreSQL the
 * candidates are locked FOR UPDATE SKIP LOCKED: instances leasing at the same moment take
 * different jobs instead of waiting for each other (the UPDATE's state check makes a double
 * lease impossible on both engines). This is the one place the lease SQL lives. */
static seam_err_t lease_flow(seam_db_t *db, lease_req_t *r, const char *flow, int n, int *taken,
			     seam_error_t *err)
{
	seam_queue_t *q = r->q;
	seam_stmt_t *s;
	char owner[OWNER_MAX];
	*taken = 0;
	/* PostgreSQL: the candidates in a CTE, which runs once (a LIMIT ... SKIP LOCKED subquery
	 * under IN may be scanned again per row and lease more than asked); SQLite: IN. */
	static const char pg_sql[] =
		"WITH c AS (SELECT id FROM jobs WHERE flow = $1 AND state = 'queued' AND "
		"run_at <= $4 ORDER BY run_at LIMIT $5 FOR UPDATE SKIP LOCKED) "
		"UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, "
		"lease_expires_at = $3, updated_at = $4, started_at = $4 FROM c "
		"WHERE jobs.id = c.id AND jobs.state = 'queued' "
		"RETURNING jobs.id, kind, flow, dedup_key, payload, correlation_id, attempts, "
		"max_attempts, created_at";
	static const char sqlite_sql[] =
		"UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, "
		"lease_expires_at = $3, updated_at = $4, started_at = $4 "
		"WHERE state = 'queued' AND id IN (SELECT id FROM jobs WHERE flow = $1 AND "
		"state = 'queued' AND run_at <= $4 ORDER BY run_at LIMIT $5) "
		"RETURNING id, kind, flow, dedup_key, payload, correlation_id, attempts, max_attempts, "
		"created_at";
	seam_err_t rc = seam_db_prepare(db, q->pg ? pg_sql : sqlite_sql, &s, err);
	if (rc != SEAM_OK)
		return rc;
	snprintf(owner, sizeof owner, "%s#%llu", q->instance,
		 __atomic_add_fetch(&q->lease_seq, 1, __ATOMIC_RELAXED));
	seam_stmt_bind_text(s, 1, flow);
	seam_stmt_bind_text(s, 2, owner);
	seam_stmt_bind_int64(s, 3, r->now + q->lease_ms);
	seam_stmt_bind_int64(s, 4, r->now);
	seam_stmt_bind_int64(s, 5, n);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		lease_t *l = calloc(1, sizeof *l);
		if (!l) {
			rc = seam_errorf(err, SEAM_NOMEM, "lease: out of memory");
			break;
		}
		l->q = q;
		snprintf(l->id, sizeof l->id, "%s", seam_stmt_column_text(s, 0));
		snprintf(l->owner, sizeof l->owner, "%s", owner);
		l->kind = dup_col(s, 1);
		l->flow = dup_col(s, 2);
		l->dedup_key = dup_col(s, 3);
		l->payload = dup_col(s, 4);
		l->cid = dup_col(s, 5);
		l->attempt = (int)seam_stmt_column_int64(s, 6);
		l->max_attempts = (int)seam_stmt_column_int64(s, 7);
		l->created_at = seam_stmt_column_int64(s, 8);
		l->leased_at = r->now; /* the running attempt is the job row: no attempt row yet */
		l->next_ready = r->got;
		r->got = l;
		r->ngot++;
		(*taken)++;
		if (!l->kind || !l->flow || !l->payload) {
			rc = seam_errorf(err, SEAM_NOMEM, "lease: out of memory");
			break;
		}
	}
	seam_stmt_reset(s);
	return rc == SEAM_DONE ? SEAM_OK : rc;
}

static seam_err_t reap(seam_db_t *db, lease_req_t *r, seam_error_t *err)
{
	typedef struct { char id[SEAM_UUID_STR_LEN]; int attempts, max; char flow[128]; } row_t;
	row_t *rows = NULL;
	int n = 0;
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
		"SELECT id, attempts, max_attempts, flow FROM jobs "
		"WHERE state = 'running' AND lease_expires_at < $1 ORDER BY lease_expires_at LIMIT $2",
		&s, err);
	if (rc != SEAM_OK)
		return rc;
	rows = calloc(REAP_CHUNK, sizeof *rows);
	if (!rows)
		return seam_errorf(err, SEAM_NOMEM, "reaper: out of memory");
	seam_stmt_bind_int64(s, 1, r->now);
	seam_stmt_bind_int64(s, 2, REAP_CHUNK);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW && n < REAP_CHUNK) {
		snprintf(rows[n].id, sizeof rows[n].id, "%s", seam_stmt_column_text(s, 0));
		rows[n].attempts = (int)seam_stmt_column_int64(s, 1);
		rows[n].max = (int)seam_stmt_column_int64(s, 2);
		snprintf(rows[n].flow, sizeof rows[n].flow, "%s", seam_stmt_column_text(s, 3));
		n++;
	}
	seam_stmt_reset(s);
	if (rc == SEAM_ROW || rc == SEAM_DONE)
		rc = SEAM_OK;
	static const char why[] = "lease expired: the worker crashed, was killed or hung";
	for (int i = 0; rc == SEAM_OK && i < n; i++) {
		int dead = rows[i].attempts >= rows[i].max;
		int64_t changes = 0;
		char aid[SEAM_UUID_STR_LEN];
		/* The attempt that was running ends here: its row, from the job's, first. */
		rc = seam_db_prepare(db,
			"INSERT INTO job_attempts (id, job_id, attempt, started_at, finished_at, outcome, "
			"error, lease_owner) SELECT $2, id, attempts, COALESCE(started_at, $3), $3, "
			"'lease_expired', $4, lease_owner FROM jobs "
			"WHERE id = $1 AND state = 'running' AND lease_expires_at < $3", &s, err);
		if (rc != SEAM_OK)
			break;
		seam_id_new(aid);
		seam_stmt_bind_text(s, 1, rows[i].id);
		seam_stmt_bind_text(s, 2, aid);
		seam_stmt_bind_int64(s, 3, r->now);
		seam_stmt_bind_text(s, 4, why);
		rc = run_stmt(s, &changes, err);
		if (rc != SEAM_OK || changes == 0)
			continue;
		rc = seam_db_prepare(db,
			"UPDATE jobs SET state = $3, lease_owner = NULL, lease_expires_at = NULL, "
			"run_at = $2, last_error = $4, updated_at = $2, finished_at = $5 "
			"WHERE id = $1 AND state = 'running' AND lease_expires_at < $2", &s, err);
		if (rc != SEAM_OK)
			break;
		seam_stmt_bind_text(s, 1, rows[i].id);
		seam_stmt_bind_int64(s, 2, r->now);
		seam_stmt_bind_text(s, 3, dead ? "dead" : "queued");
		seam_stmt_bind_text(s, 4, why);
		if (dead)
			seam_stmt_bind_int64(s, 5, r->now);
		else
			seam_stmt_bind_null(s, 5);
		rc = run_stmt(s, NULL, err);
		if (rc != SEAM_OK)
			break;
		r->reaped++;
		if (r->nreaped_flows < (int)(sizeof r->reaped_flows / sizeof r->reaped_flows[0]))
			snprintf(r->reaped_flows[r->nreaped_flows++], sizeof r->reaped_flows[0], "%s",
				 rows[i].flow);
	}
	free(rows);
	return rc;
}

/* The lease transaction: maintenance when asked, then up to r->want jobs shared fairly among the
 * flows that are not paused and below their bulkhead. The batch's transactions are row-level
 * (seam_db_begin_rows), so what relies on being alone takes a lock first: maintenance (the
 * reaper, which reads then writes; schedules) the store-wide writer lock, and a flow with a
 * bulkhead its own lock before its running jobs are counted, so instances leasing side by side
 * cannot both fill the same free slots. On SQLite the single writer gives both anyway. */
static seam_err_t lease_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	lease_req_t *r = ud;
	flow_slot_t *flows = NULL;
	int nflows = 0;
	int q_pg = r->q->pg;
	seam_stmt_t *s;
	seam_err_t rc = SEAM_OK;

	/* A second run of this fn (its batch ran again, batch.h) starts from nothing. */
	free_got(r);
	r->reaped = r->fired = r->nreaped_flows = 0;
	r->next_due = 0;
	r->now = now_ms(r->q);
	int alone = 0;
	if (r->maintenance) {
		/* Not waiting: a long writer (a bulk replay) must not hold up the group commit
		 * behind it. Another transaction has the lock: maintenance waits for the next poll. */
		rc = seam_db_trylock(db, NULL, &alone, err);
		if (rc != SEAM_OK)
			return seam_error_prefix(err, "lease maintenance");
	}
	if (alone) {
		rc = reap(db, r, err);
		if (rc != SEAM_OK)
			return seam_error_prefix(err, "lease reaper");
		rc = seam_queue_tick_schedules(r->q, db, r->now, &r->fired, err);
		if (rc != SEAM_OK)
			return rc;
	}
	if (r->want <= 0)
		return SEAM_OK;

	rc = seam_db_prepare(db,
		"SELECT f.name, f.max_concurrency, "
		"(SELECT COUNT(*) FROM jobs r WHERE r.flow = f.name AND r.state = 'running'), "
		"(SELECT MIN(j.run_at) FROM jobs j WHERE j.flow = f.name AND j.state = 'queued') "
		"FROM flows f WHERE f.paused = 0 ORDER BY f.name", &s, err);
	if (rc != SEAM_OK)
		return seam_error_prefix(err, "lease");
	flows = calloc(MAX_FLOWS, sizeof *flows);
	if (!flows) {
		seam_stmt_reset(s);
		return seam_errorf(err, SEAM_NOMEM, "lease: out of memory");
	}
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		if (seam_stmt_column_is_null(s, 3))
			continue; /* nothing queued */
		int64_t max = seam_stmt_column_int64(s, 1), running = seam_stmt_column_int64(s, 2);
		int64_t next = seam_stmt_column_int64(s, 3);
		int room = max > 0 ? (int)(max - running) : INT_MAX;
		if (room <= 0)
			continue; /* a completion wakes us when a slot frees */
		if (next > r->now) {
			if (!r->next_due || next < r->next_due)
				r->next_due = next;
			continue;
		}
		if (nflows == MAX_FLOWS)
			continue; /* the rest get their turn next round */
		flow_slot_t *f = &flows[nflows++];
		snprintf(f->name, sizeof f->name, "%s", seam_stmt_column_text(s, 0));
		f->room = room;
		f->next = next;
		f->max = q_pg ? max : 0; /* SQLite's single writer made the count above exact */
	}
	seam_stmt_reset(s);
	if (rc != SEAM_DONE)
		goto out;
	rc = SEAM_OK;
	/* Bulkheads across instances: the flow's lock (in name order, so two instances never wait
	 * for each other crosswise), then its running jobs counted again. */
	for (int i = 0; rc == SEAM_OK && i < nflows; i++) {
		flow_slot_t *f = &flows[i];
		if (f->max <= 0)
			continue;
		char key[160];
		int64_t running = 0;
		int got = 0;
		snprintf(key, sizeof key, "seam.flow:%s", f->name);
		rc = seam_db_trylock(db, key, &got, err);
		if (rc == SEAM_OK && !got) { /* another instance is leasing it: its turn */
			f->room = 0;
			continue;
		}
		if (rc == SEAM_OK)
			rc = seam_db_prepare(db, "SELECT COUNT(*) FROM jobs WHERE flow = $1 AND "
						 "state = 'running'", &s, err);
		if (rc != SEAM_OK)
			break;
		seam_stmt_bind_text(s, 1, f->name);
		rc = seam_stmt_step(s, err);
		if (rc == SEAM_ROW) {
			running = seam_stmt_column_int64(s, 0);
			rc = SEAM_OK;
		}
		seam_stmt_reset(s);
		f->room = (int)(f->max - running);
	}
	if (rc != SEAM_OK)
		goto out;

	/* Fair share: each pass offers every flow with due work an equal part of what is left. */
	int left = r->want;
	for (int pass = 0; rc == SEAM_OK && left > 0 && pass < 8; pass++) {
		int active = 0;
		for (int i = 0; i < nflows; i++)
			active += !flows[i].exhausted && flows[i].room > 0;
		if (!active)
			break;
		int share = (left + active - 1) / active;
		for (int i = 0; rc == SEAM_OK && i < nflows && left > 0; i++) {
			flow_slot_t *f = &flows[i];
			if (f->exhausted || f->room <= 0)
				continue;
			int ask = share < f->room ? share : f->room;
			if (ask > left)
				ask = left;
			int taken = 0;
			rc = lease_flow(db, r, f->name, ask, &taken, err);
			f->room -= taken;
			left -= taken;
			if (taken < ask)
				f->exhausted = 1;
		}
	}
out:
	free(flows);
	if (rc != SEAM_OK)
		seam_error_prefix(err, "lease");
	return rc;
}

/* --- completion ------------------------------------------------------------------------------ */

static seam_err_t complete_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	lease_t *l = ud;
	seam_stmt_t *s;
	int64_t changes = 0;
	l->applied = 0;
	int ok = strcmp(l->state, "succeeded") == 0;
	/* A success keeps lease_owner: who ran the job, shown with its attempt. */
	seam_err_t rc = seam_db_prepare(db,
		"UPDATE jobs SET state = $3, attempts = attempts - $4, run_at = COALESCE($5, run_at), "
		"last_error = COALESCE($6, last_error), finished_at = $7, "
		"lease_owner = CASE WHEN $3 = 'succeeded' THEN lease_owner END, "
		"lease_expires_at = NULL, updated_at = $8 "
		"WHERE id = $1 AND lease_owner = $2 AND state = 'running'", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, l->id);
	seam_stmt_bind_text(s, 2, l->owner);
	seam_stmt_bind_text(s, 3, l->state);
	seam_stmt_bind_int64(s, 4, l->give_back ? 1 : 0);
	if (l->run_at)
		seam_stmt_bind_int64(s, 5, l->run_at);
	else
		seam_stmt_bind_null(s, 5);
	seam_stmt_bind_text(s, 6, l->has_error ? l->error : NULL);
	if (l->finished_at)
		seam_stmt_bind_int64(s, 7, l->finished_at);
	else
		seam_stmt_bind_null(s, 7);
	seam_stmt_bind_int64(s, 8, l->done_at);
	rc = run_stmt(s, &changes, err);
	if (rc != SEAM_OK || changes == 0)
		return rc; /* lease lost: the reaper or an operator took the job; drop our result */
	if (!ok) { /* every attempt that did not succeed keeps its row and its error */
		char aid[SEAM_UUID_STR_LEN];
		rc = seam_db_prepare(db,
			"INSERT INTO job_attempts (id, job_id, attempt, started_at, finished_at, "
			"outcome, error, lease_owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", &s, err);
		if (rc != SEAM_OK)
			return rc;
		seam_id_new(aid);
		seam_stmt_bind_text(s, 1, aid);
		seam_stmt_bind_text(s, 2, l->id);
		seam_stmt_bind_int64(s, 3, l->attempt);
		seam_stmt_bind_int64(s, 4, l->leased_at);
		seam_stmt_bind_int64(s, 5, l->done_at);
		seam_stmt_bind_text(s, 6, l->outcome);
		seam_stmt_bind_text(s, 7, l->has_error ? l->error : NULL);
		seam_stmt_bind_text(s, 8, l->owner);
		rc = run_stmt(s, NULL, err);
	}
	if (rc == SEAM_OK)
		l->applied = 1;
	return rc;
}

static void complete_done(void *ud, seam_err_t rc, const seam_error_t *err)
{
	lease_t *l = ud;
	seam_queue_t *q = l->q;
	if (rc != SEAM_OK && l->tries < RESULT_RETRIES &&
	    seam_batch_submit_async(q->batch, complete_fn, complete_done, l) == SEAM_OK) {
		l->tries++;
		return;
	}
	if (rc != SEAM_OK) {
		seam_logf(q->log, SEAM_LOG_ERROR, "queue", l->cid,
			  json_pack("{s:s,s:s,s:s}", "job_id", l->id, "flow", l->flow, "error",
				    err ? err->msg : ""),
			  "result of job %s not stored; it runs again after its lease expires", l->id);
	} else if (!l->applied) {
		seam_logf(q->log, SEAM_LOG_WARN, "queue", l->cid,
			  json_pack("{s:s,s:s,s:s}", "job_id", l->id, "flow", l->flow, "outcome",
				    l->outcome),
			  "job %s: lease lost before the result was stored; result dropped", l->id);
	} else {
		const char *labels[] = {l->flow, l->outcome};
		seam_metric_add(q->metrics, SEAM_M_QUEUE_ATTEMPTS, labels, 1);
		if (strcmp(l->state, "dead") == 0)
			seam_logf(q->log, SEAM_LOG_WARN, "queue", l->cid,
				  json_pack("{s:s,s:s,s:s,s:i,s:s}", "job_id", l->id, "flow", l->flow,
					    "kind", l->kind, "attempt", l->attempt, "error", l->error),
				  "job %s is dead after attempt %d", l->id, l->attempt);
		else if (strcmp(l->outcome, "retry") == 0)
			seam_logf(q->log, SEAM_LOG_INFO, "queue", l->cid,
				  json_pack("{s:s,s:s,s:s,s:i,s:I,s:s}", "job_id", l->id, "flow",
					    l->flow, "kind", l->kind, "attempt", l->attempt, "run_at",
					    (json_int_t)l->run_at, "error", l->error),
				  "job %s attempt %d failed; retrying", l->id, l->attempt);
	}
	pthread_mutex_lock(&q->mu);
	inflight_del(q, l);
	q->wake = 1; /* a bulkhead slot may have freed */
	pthread_cond_signal(&q->disp_cv);
	pthread_mutex_unlock(&q->mu);
	lease_free(l);
}

/* --- heartbeat and release ------------------------------------------------------------------ */

typedef struct lease_ref {
	char id[SEAM_UUID_STR_LEN];
	char owner[OWNER_MAX];
	int ok;
} lease_ref_t;

typedef struct refs_req {
	lease_ref_t *refs;
	int n;
	int64_t now, expires;
} refs_req_t;

static seam_err_t heartbeat_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	refs_req_t *r = ud;
	for (int i = 0; i < r->n; i++) {
		seam_stmt_t *s;
		int64_t changes = 0;
		seam_err_t rc = seam_db_prepare(db,
			"UPDATE jobs SET lease_expires_at = $3 "
			"WHERE id = $1 AND lease_owner = $2 AND state = 'running'", &s, err);
		if (rc != SEAM_OK)
			return rc;
		seam_stmt_bind_text(s, 1, r->refs[i].id);
		seam_stmt_bind_text(s, 2, r->refs[i].owner);
		seam_stmt_bind_int64(s, 3, r->expires);
		rc = run_stmt(s, &changes, err);
		if (rc != SEAM_OK)
			return rc;
		r->refs[i].ok = changes == 1;
	}
	return SEAM_OK;
}

/* Hands leased-but-unstarted jobs back: queued again, the attempt not counted or recorded. */
static seam_err_t release_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	refs_req_t *r = ud;
	for (int i = 0; i < r->n; i++) {
		seam_stmt_t *s;
		seam_err_t rc = seam_db_prepare(db,
			"UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, "
			"lease_expires_at = NULL, updated_at = $3 "
			"WHERE id = $1 AND lease_owner = $2 AND state = 'running'", &s, err);
		if (rc != SEAM_OK)
			return rc;
		seam_stmt_bind_text(s, 1, r->refs[i].id);
		seam_stmt_bind_text(s, 2, r->refs[i].owner);
		seam_stmt_bind_int64(s, 3, r->now);
		rc = run_stmt(s, NULL, err);
		if (rc != SEAM_OK)
			return rc;
	}
	return SEAM_OK;
}

/* --- schedules -------------------------------------------------------------------------------- */

typedef struct sched_row {
	char *name, *flow, *kind, *payload;
	int64_t interval, slot;
} sched_row_t;

seam_err_t seam_queue_tick_schedules(seam_queue_t *q, seam_db_t *db, int64_t now_ms, int *fired,
				     seam_error_t *err)
{
	sched_row_t *rows = NULL;
	int n = 0, own_tx = 0, count = 0;
	seam_stmt_t *s;
	seam_err_t rc;
	if (fired)
		*fired = 0;
	if (!seam_db_in_tx(db)) { /* claim and enqueue must commit together */
		rc = seam_db_begin(db, err);
		if (rc != SEAM_OK)
			return rc;
		own_tx = 1;
	}
	rc = seam_db_prepare(db,
		"SELECT name, flow, kind, interval_ms, next_run_at, payload FROM schedules "
		"WHERE next_run_at <= $1 ORDER BY next_run_at LIMIT $2", &s, err);
	if (rc != SEAM_OK)
		goto out;
	rows = calloc(SCHED_CHUNK, sizeof *rows);
	if (!rows) {
		seam_stmt_reset(s);
		rc = seam_errorf(err, SEAM_NOMEM, "schedules: out of memory");
		goto out;
	}
	seam_stmt_bind_int64(s, 1, now_ms);
	seam_stmt_bind_int64(s, 2, SCHED_CHUNK);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW && n < SCHED_CHUNK) {
		sched_row_t *w = &rows[n++];
		w->name = dup_col(s, 0);
		w->flow = dup_col(s, 1);
		w->kind = dup_col(s, 2);
		w->interval = seam_stmt_column_int64(s, 3);
		w->slot = seam_stmt_column_int64(s, 4);
		w->payload = dup_col(s, 5);
	}
	seam_stmt_reset(s);
	if (rc != SEAM_ROW && rc != SEAM_DONE)
		goto out;
	rc = SEAM_OK;
	for (int i = 0; rc == SEAM_OK && i < n; i++) {
		sched_row_t *w = &rows[i];
		int64_t changes = 0;
		if (!w->name || !w->flow || !w->kind || w->interval <= 0)
			continue;
		/* Missed slots (downtime) fire once; the next slot is the first one after now. */
		int64_t next = w->slot + w->interval * ((now_ms - w->slot) / w->interval + 1);
		rc = seam_db_prepare(db,
			"UPDATE schedules SET next_run_at = $3, updated_at = $4 "
			"WHERE name = $1 AND next_run_at = $2", &s, err);
		if (rc != SEAM_OK)
			break;
		seam_stmt_bind_text(s, 1, w->name);
		seam_stmt_bind_int64(s, 2, w->slot);
		seam_stmt_bind_int64(s, 3, next);
		seam_stmt_bind_int64(s, 4, now_ms);
		rc = run_stmt(s, &changes, err);
		if (rc != SEAM_OK || changes != 1)
			continue; /* another poller claimed this slot */
		char dedup[256], cid[SEAM_CID_MAX];
		snprintf(dedup, sizeof dedup, "%s:%lld", w->name, (long long)w->slot);
		seam_cid_new(cid);
		seam_job_spec_t spec = {.kind = w->kind, .flow = w->flow, .dedup_key = dedup,
					.payload = w->payload, .correlation_id = cid};
		int existed = 0;
		rc = seam_queue_enqueue(q, db, &spec, NULL, &existed, err);
		if (rc == SEAM_OK && !existed)
			count++;
	}
out:
	for (int i = 0; rows && i < n; i++) {
		free(rows[i].name);
		free(rows[i].flow);
		free(rows[i].kind);
		free(rows[i].payload);
	}
	free(rows);
	if (rc != SEAM_OK)
		seam_error_prefix(err, "schedules");
	if (own_tx) {
		if (rc == SEAM_OK)
			rc = seam_db_commit(db, err);
		if (rc != SEAM_OK) {
			seam_db_rollback(db);
			count = 0;
		}
	}
	if (fired)
		*fired = count;
	return rc;
}

typedef struct sched_spec {
	seam_queue_t *q;
	const char *name, *flow, *kind, *payload;
	int64_t interval;
} sched_spec_t;

static seam_err_t schedule_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	sched_spec_t *sp = ud;
	seam_stmt_t *s;
	int64_t now = now_ms(sp->q);
	seam_err_t rc = upsert_flow(db, sp->flow, now, err);
	if (rc != SEAM_OK)
		return rc;
	rc = seam_db_prepare(db,
		"INSERT INTO schedules (name, flow, kind, interval_ms, next_run_at, payload, updated_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $5) ON CONFLICT (name) DO UPDATE SET "
		"flow = excluded.flow, kind = excluded.kind, interval_ms = excluded.interval_ms, "
		"payload = excluded.payload, updated_at = excluded.updated_at", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, sp->name);
	seam_stmt_bind_text(s, 2, sp->flow);
	seam_stmt_bind_text(s, 3, sp->kind);
	seam_stmt_bind_int64(s, 4, sp->interval);
	seam_stmt_bind_int64(s, 5, now);
	seam_stmt_bind_text(s, 6, sp->payload);
	return run_stmt(s, NULL, err);
}

/* Deletes the schedules whose names are not in the declared set (ud). */
static seam_err_t prune_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	const json_t *declared = ud;
	json_t *gone = json_array();
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db, "SELECT name FROM schedules", &s, err);
	if (rc == SEAM_OK) {
		while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
			const char *name = seam_stmt_column_text(s, 0);
			if (name && !json_object_get(declared, name))
				json_array_append_new(gone, json_string(name));
		}
		seam_stmt_reset(s);
		if (rc == SEAM_DONE)
			rc = SEAM_OK;
	}
	size_t i;
	json_t *n;
	json_array_foreach(gone, i, n) {
		if (rc != SEAM_OK)
			break;
		rc = seam_db_run(db, "DELETE FROM schedules WHERE name = $1",
				 (const char *[]){json_string_value(n)}, 1, NULL, err);
	}
	json_decref(gone);
	return rc;
}

typedef struct limit_spec {
	seam_queue_t *q;
	const char *flow;
	int max;
} limit_spec_t;

static seam_err_t flow_limit_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	limit_spec_t *ls = ud;
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
		"INSERT INTO flows (name, paused, max_concurrency, updated_at) VALUES ($1, 0, $2, $3) "
		"ON CONFLICT (name) DO UPDATE SET max_concurrency = excluded.max_concurrency, "
		"updated_at = excluded.updated_at", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, ls->flow);
	seam_stmt_bind_int64(s, 2, ls->max);
	seam_stmt_bind_int64(s, 3, now_ms(ls->q));
	return run_stmt(s, NULL, err);
}

/* --- purge ------------------------------------------------------------------------------------ */

typedef struct purge_req {
	int64_t before; /* wall ms: jobs created before this */
	int64_t deleted;
} purge_req_t;

/*
 * Deletes up to PURGE_CHUNK finished (succeeded or canceled) jobs created before p->before, with
 * their attempts. Ids are UUIDv7, so "created before T" is "id below the smallest UUIDv7 of T":
 * a range scan of the primary key, no extra index. Dead letters are never purged.
 */
static seam_err_t purge_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	purge_req_t *p = ud;
	char cutoff[SEAM_UUID_STR_LEN];
	char (*ids)[SEAM_UUID_STR_LEN] = NULL;
	int n = 0;
	seam_stmt_t *s;
	uint64_t ms = p->before > 0 ? (uint64_t)p->before : 0;
	snprintf(cutoff, sizeof cutoff, "%08llx-%04llx-7000-8000-000000000000",
		 (unsigned long long)((ms >> 16) & 0xFFFFFFFFULL), (unsigned long long)(ms & 0xFFFF));
	p->deleted = 0;
	seam_err_t rc = seam_db_prepare(db,
		"SELECT id FROM jobs WHERE id < $1 AND state IN ('succeeded', 'canceled') "
		"ORDER BY id LIMIT $2", &s, err);
	if (rc != SEAM_OK)
		return rc;
	ids = calloc(PURGE_CHUNK, sizeof *ids);
	if (!ids) {
		seam_stmt_reset(s);
		return seam_errorf(err, SEAM_NOMEM, "purge: out of memory");
	}
	seam_stmt_bind_text(s, 1, cutoff);
	seam_stmt_bind_int64(s, 2, PURGE_CHUNK);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW && n < PURGE_CHUNK)
		snprintf(ids[n++], SEAM_UUID_STR_LEN, "%s", seam_stmt_column_text(s, 0));
	seam_stmt_reset(s);
	rc = rc == SEAM_ROW || rc == SEAM_DONE ? SEAM_OK : rc;
	static const char *const sql[] = {"DELETE FROM job_attempts WHERE job_id = $1",
					  "DELETE FROM jobs WHERE id = $1"};
	for (int i = 0; rc == SEAM_OK && i < n; i++) {
		for (int k = 0; rc == SEAM_OK && k < 2; k++) {
			rc = seam_db_prepare(db, sql[k], &s, err);
			if (rc != SEAM_OK)
				break;
			seam_stmt_bind_text(s, 1, ids[i]);
			rc = run_stmt(s, NULL, err);
		}
	}
	free(ids);
	if (rc == SEAM_OK)
		p->deleted = n;
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* 2. dispatcher */

static void timed_wait(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t wait_ms)
{
	struct timespec ts;
	if (wait_ms < 1)
		wait_ms = 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(wait_ms / 1000);
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cv, mu, &ts);
}

/*
 * How many jobs this process may hold leased (running or waiting for a worker). Workers must
 * not idle while a lease round trip (one commit) is in flight, so by Little's law the jobs
 * waiting should cover workers * (lease round trip / handler time). Slow handlers (network
 * calls) thus get prefetch = workers, fast ones up to 16 * workers, which is what lets no-op
 * jobs run at many per commit. A fixed opts->prefetch overrides this. Called with q->mu held.
 */
static int capacity(const seam_queue_t *q)
{
	if (q->prefetch >= 0)
		return q->workers + q->prefetch;
	double per = q->handler_ewma_us > 1 ? q->handler_ewma_us : 1;
	double want = q->workers * (q->lease_ewma_us / per);
	int lo = q->workers, hi = 16 * q->workers;
	int p = want < lo ? lo : want > hi ? hi : (int)want;
	return q->workers + p;
}

static void ewma(double *avg, double sample)
{
	*avg = *avg > 0 ? 0.8 * *avg + 0.2 * sample : sample;
}

/* Called with q->mu held; returns with it held. */
static void do_lease(seam_queue_t *q, int want, int maintenance, int64_t *next_due_mono)
{
	lease_req_t r = {.q = q, .want = want, .maintenance = maintenance};
	seam_error_t e = {0};
	q->wake = 0; /* anything enqueued from here on sets it again */
	pthread_mutex_unlock(&q->mu);
	int64_t t0 = seam_mono_ns();
	seam_err_t rc = seam_batch_submit(q->batch, lease_fn, &r, &e);
	double rt_us = (double)(seam_mono_ns() - t0) / 1000.0;
	if (rc == SEAM_OK) {
		for (lease_t *l = r.got; l; l = l->next_ready)
			flow_seen(q, l->flow); /* committed with its jobs */
		for (int i = 0; i < r.nreaped_flows; i++) {
			const char *labels[] = {r.reaped_flows[i], "lease_expired"};
			seam_metric_add(q->metrics, SEAM_M_QUEUE_ATTEMPTS, labels, 1);
		}
		if (r.reaped)
			seam_logf(q->log, SEAM_LOG_WARN, "queue", NULL,
				  json_pack("{s:i}", "jobs", r.reaped),
				  "lease reaper: %d expired lease(s) returned to the queue", r.reaped);
	} else {
		free_got(&r);
		seam_logf(q->log, SEAM_LOG_WARN, "queue", NULL, json_pack("{s:s}", "error", e.msg),
			  "leasing failed; retrying at the next poll");
	}
	pthread_mutex_lock(&q->mu);
	if (rc == SEAM_OK && r.want > 0)
		ewma(&q->lease_ewma_us, rt_us);
	/* Reverse to oldest-first (lease_flow prepends). */
	lease_t *list = NULL;
	while (r.got) {
		lease_t *n = r.got->next_ready;
		r.got->next_ready = list;
		list = r.got;
		r.got = n;
	}
	for (lease_t *l = list, *n; l; l = n) {
		n = l->next_ready;
		l->next_ready = NULL;
		inflight_add(q, l);
		if (q->ready_tail)
			q->ready_tail->next_ready = l;
		else
			q->ready_head = l;
		q->ready_tail = l;
		q->nready++;
		pthread_cond_signal(&q->work_cv);
	}
	if (rc == SEAM_OK && r.want > 0 && r.ngot == r.want)
		q->wake = 1; /* full harvest: there is probably more */
	*next_due_mono = 0;
	if (rc == SEAM_OK && r.next_due) {
		int64_t in = r.next_due - now_ms(q);
		*next_due_mono = mono_ms(q) + (in > 0 ? in : 0);
	}
}

static void do_heartbeat(seam_queue_t *q)
{
	int64_t now = mono_ms(q);
	refs_req_t r = {0};
	seam_error_t e = {0};
	r.refs = calloc((size_t)q->ninflight + 1, sizeof *r.refs);
	if (!r.refs)
		return;
	for (lease_t *l = q->inflight.next; l != &q->inflight; l = l->next) {
		/* A handler running past job_timeout is treated as hung: let its lease lapse. */
		if (l->started_ms && !l->finished_ms && now - l->started_ms > q->job_timeout_ms)
			continue;
		lease_ref_t *f = &r.refs[r.n++];
		memcpy(f->id, l->id, sizeof f->id);
		memcpy(f->owner, l->owner, sizeof f->owner);
	}
	pthread_mutex_unlock(&q->mu);
	r.now = now_ms(q);
	r.expires = r.now + q->lease_ms;
	seam_err_t rc = r.n ? seam_batch_submit(q->batch, heartbeat_fn, &r, &e) : SEAM_OK;
	if (rc != SEAM_OK)
		seam_logf(q->log, SEAM_LOG_WARN, "queue", NULL, json_pack("{s:s}", "error", e.msg),
			  "lease heartbeat failed");
	pthread_mutex_lock(&q->mu);
	for (int i = 0; rc == SEAM_OK && i < r.n; i++) {
		if (r.refs[i].ok)
			continue;
		/* Not renewed: either its result committed meanwhile (gone from inflight: fine) or
		 * the lease was taken from us (reaped, or canceled by an operator). */
		for (lease_t *l = q->inflight.next; l != &q->inflight; l = l->next)
			if (strcmp(l->owner, r.refs[i].owner) == 0 && !l->finished_ms)
				seam_logf(q->log, SEAM_LOG_WARN, "queue", l->cid,
					  json_pack("{s:s}", "job_id", l->id),
					  "job %s: lease lost (expired or canceled); its result will be "
					  "dropped", l->id);
	}
	free(r.refs);
}

seam_err_t seam_queue_purge(seam_queue_t *q, int64_t created_before_ms, int64_t *deleted,
			    seam_error_t *err)
{
	purge_req_t p = {.before = created_before_ms};
	int64_t total = 0;
	seam_err_t rc;
	if (deleted)
		*deleted = 0;
	if (!q)
		return seam_errorf(err, SEAM_INVAL, "purge: no queue");
	do {
		rc = seam_batch_submit(q->batch, purge_fn, &p, err);
		total += rc == SEAM_OK ? p.deleted : 0;
	} while (rc == SEAM_OK && p.deleted == PURGE_CHUNK);
	if (deleted)
		*deleted = total;
	return rc;
}

/* Purges in chunks (each its own group-commit transaction, so other work interleaves) until
 * a chunk comes back short or PURGE_ROUNDS chunks ran. Returns 1 when more may be left. */
static int do_purge(seam_queue_t *q)
{
	purge_req_t p = {.before = now_ms(q) - q->retain_ms};
	seam_error_t e = {0};
	int64_t total = 0;
	int more = 0;
	pthread_mutex_unlock(&q->mu);
	for (int round = 0; round < PURGE_ROUNDS; round++) {
		if (seam_batch_submit(q->batch, purge_fn, &p, &e) != SEAM_OK) {
			seam_logf(q->log, SEAM_LOG_WARN, "queue", NULL, json_pack("{s:s}", "error", e.msg),
				  "purge of finished jobs failed");
			break;
		}
		total += p.deleted;
		more = p.deleted == PURGE_CHUNK;
		if (!more || __atomic_load_n(&q->stop, __ATOMIC_RELAXED))
			break;
	}
	if (total)
		seam_logf(q->log, SEAM_LOG_INFO, "queue", NULL, json_pack("{s:I}", "jobs",
			  (json_int_t)total), "purged %lld finished job(s)", (long long)total);
	pthread_mutex_lock(&q->mu);
	return more;
}

static void *dispatcher_main(void *arg)
{
	seam_queue_t *q = arg;
	pthread_setname_np(pthread_self(), "seam-dispatch"); /* top -H, perf, gdb */
	int64_t next_poll = 0, next_due = 0;
	int64_t next_hb = mono_ms(q) + q->heartbeat_ms;
	int64_t next_purge = mono_ms(q) + PURGE_FIRST_MS;
	pthread_mutex_lock(&q->mu);
	while (!q->stop) {
		int64_t now = mono_ms(q);
		/* Heartbeats first: under sustained load leasing never idles, and a missed renewal
		 * would hand running jobs to the reaper. */
		if (now >= next_hb) {
			if (q->ninflight)
				do_heartbeat(q);
			next_hb = mono_ms(q) + q->heartbeat_ms;
			continue;
		}
		int want = capacity(q) - q->nready - q->nrunning;
		int poll_due = now >= next_poll;
		int due = next_due && now >= next_due;
		if (poll_due || (want > 0 && (q->wake || due))) {
			do_lease(q, want > 0 ? want : 0, poll_due, &next_due);
			if (poll_due)
				next_poll = mono_ms(q) + q->poll_ms;
			continue;
		}
		if (q->retain_ms > 0 && now >= next_purge) {
			int more = do_purge(q);
			next_purge = mono_ms(q) + (more ? PURGE_AGAIN_MS : PURGE_EVERY_MS);
			continue;
		}
		int64_t until = next_poll < next_hb ? next_poll : next_hb;
		if (next_due && want > 0 && next_due < until)
			until = next_due;
		timed_wait(&q->disp_cv, &q->mu, until - now);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* 3. workers */

static const handler_t *find_handler(const seam_queue_t *q, const char *kind)
{
	for (size_t i = 0; i < q->nhandlers; i++)
		if (strcmp(q->handlers[i].kind, kind) == 0)
			return &q->handlers[i];
	return NULL;
}

static void run_job(seam_queue_t *q, lease_t *l)
{
	const handler_t *h = find_handler(q, l->kind);
	seam_job_t job = {.id = l->id, .kind = l->kind, .flow = l->flow, .dedup_key = l->dedup_key,
			  .payload = l->payload, .correlation_id = l->cid, .attempt = l->attempt,
			  .max_attempts = l->max_attempts, .created_at = l->created_at};
	seam_job_result_t res;
	memset(&res, 0, sizeof res);
	int64_t t0 = seam_mono_ns();
	seam_err_t rc = h ? h->fn(&job, &res, h->ud)
			  : seam_job_fail(&res, SEAM_RETRY, 0, "no handler registered for kind %s",
					  l->kind);
	double secs = (double)(seam_mono_ns() - t0) / 1e9;
	pthread_mutex_lock(&q->mu);
	l->finished_ms = mono_ms(q); /* the heartbeat keeps renewing until the result commits */
	pthread_mutex_unlock(&q->mu);
	const char *hl[] = {l->flow, l->kind};
	seam_metric_observe(q->metrics, SEAM_M_QUEUE_JOB_DURATION, hl, secs);

	int64_t now = now_ms(q);
	l->done_at = now;
	if (rc != SEAM_OK) {
		l->has_error = 1;
		snprintf(l->error, sizeof l->error, "%s: %s", seam_errname(rc),
			 res.error[0] ? res.error : seam_strerror(rc));
	}
	if (rc == SEAM_OK) {
		l->state = "succeeded";
		l->outcome = "succeeded";
		l->finished_at = now;
	} else if (rc == SEAM_PERMANENT) {
		l->state = "dead";
		l->outcome = "dead";
		l->finished_at = now;
	} else if (rc == SEAM_OPEN_CIRCUIT || rc == SEAM_PAUSED) {
		l->state = "queued";
		l->outcome = "deferred";
		l->give_back = 1;
		l->run_at = now + (res.retry_after_ms > 0 ? res.retry_after_ms : q->defer_ms);
	} else if (l->attempt >= l->max_attempts) {
		l->state = "dead";
		l->outcome = "dead";
		l->finished_at = now;
	} else {
		l->state = "queued";
		l->outcome = "retry";
		l->run_at = now + seam_queue_backoff_ms(q->backoff_base_ms, q->backoff_cap_ms,
							 l->attempt, rand64(q),
							 res.retry_after_ms > 0 ? res.retry_after_ms : 0);
	}
	if (seam_batch_submit_async(q->batch, complete_fn, complete_done, l) != SEAM_OK) {
		/* Cannot even queue the result: the lease expires and the job runs again. */
		seam_log_error(q->log, "queue", l->cid, "job %s: result could not be queued", l->id);
		pthread_mutex_lock(&q->mu);
		inflight_del(q, l);
		pthread_mutex_unlock(&q->mu);
		lease_free(l);
	}
}

static void *worker_main(void *arg)
{
	seam_queue_t *q = arg;
	pthread_setname_np(pthread_self(), "seam-worker"); /* top -H, perf, gdb */
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->ready_head && !q->stop)
			pthread_cond_wait(&q->work_cv, &q->mu);
		if (q->stop)
			break;
		lease_t *l = q->ready_head;
		q->ready_head = l->next_ready;
		if (!q->ready_head)
			q->ready_tail = NULL;
		l->next_ready = NULL;
		q->nready--;
		q->nrunning++;
		l->started_ms = mono_ms(q);
		pthread_mutex_unlock(&q->mu);

		int64_t t0 = seam_mono_ns();
		run_job(q, l); /* l may be freed from here on */
		double us = (double)(seam_mono_ns() - t0) / 1000.0;

		pthread_mutex_lock(&q->mu);
		ewma(&q->handler_ewma_us, us);
		q->nrunning--;
		pthread_cond_signal(&q->disp_cv);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* 4. lifecycle */

static void on_commit(void *ud)
{
	seam_queue_t *q = ud;
	if (__atomic_exchange_n(&q->enq_flag, 0, __ATOMIC_ACQ_REL))
		seam_queue_notify(q);
}

static int64_t or_default(int64_t v, int64_t def)
{
	return v > 0 ? v : def;
}

seam_err_t seam_queue_create(seam_store_t *st, const seam_queue_opts_t *opts, seam_queue_t **out,
			     seam_error_t *err)
{
	seam_queue_opts_t o = {0};
	seam_queue_config_t def;
	seam_queue_t *q = NULL;
	seam_err_t rc = SEAM_ERR;
	pthread_condattr_t ca;
	*out = NULL;
	seam_queue_config_defaults(&def);
	if (!st)
		return seam_errorf(err, SEAM_INVAL, "queue: no store");
	if (opts)
		o = *opts;
	q = calloc(1, sizeof *q);
	if (!q)
		return seam_errorf(err, SEAM_NOMEM, "queue: out of memory");
	q->st = st;
	q->log = o.log;
	q->metrics = o.metrics;
	q->clock = o.clock;
	q->workers = o.workers > 0 ? o.workers : (int)def.workers;
	q->prefetch = o.prefetch < 0 ? 0 : o.prefetch > 0 ? o.prefetch : -1;
	q->lease_ms = or_default(o.lease_ms, def.lease_ms);
	q->heartbeat_ms = or_default(o.heartbeat_ms, q->lease_ms / 3 > 0 ? q->lease_ms / 3 : 1);
	q->job_timeout_ms = or_default(o.job_timeout_ms, DEF_JOB_TIMEOUT_MS);
	q->poll_ms = or_default(o.poll_ms, def.poll_ms);
	q->backoff_base_ms = or_default(o.backoff_base_ms, def.backoff_base_ms);
	q->backoff_cap_ms = or_default(o.backoff_cap_ms, def.backoff_cap_ms);
	q->defer_ms = or_default(o.defer_ms, DEF_DEFER_MS);
	q->max_attempts = o.max_attempts > 0 ? o.max_attempts : (int)def.max_attempts;
	q->retain_ms = o.retain_ms < 0 ? -1 : or_default(o.retain_ms, def.retain_ms);
	if (o.instance && o.instance[0]) {
		snprintf(q->instance, sizeof q->instance, "%s", o.instance);
	} else {
		char host[64] = "localhost", u[SEAM_UUID_STR_LEN];
		gethostname(host, sizeof host - 1);
		seam_uuid4(u);
		snprintf(q->instance, sizeof q->instance, "%s:%ld:%.4s", host, (long)getpid(), u);
	}
	q->pg = strcmp(seam_store_engine(st), "postgresql") == 0;
	q->rng = (uint64_t)seam_mono_ns() ^ ((uint64_t)getpid() << 32);
	q->inflight.next = q->inflight.prev = &q->inflight;
	pthread_mutex_init(&q->mu, NULL);
	pthread_mutex_init(&q->known_mu, NULL);
	q->declared = json_object();
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->disp_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&q->work_cv, NULL);
	pthread_cond_init(&q->drain_cv, NULL);

	seam_batch_opts_t bo = {.max = o.batch_max > 0 ? o.batch_max : (int)def.batch_max, .metrics = o.metrics, .on_commit = on_commit,
				.on_commit_ud = q, .rows = 1};
	rc = seam_batch_create(st, &bo, &q->batch, err);
	if (rc != SEAM_OK)
		goto out;
	if (q->metrics)
		seam_metrics_add_collector(q->metrics, seam_queue_collect_metrics, q);
	*out = q;
	q = NULL;
	rc = SEAM_OK;
out:
	seam_queue_destroy(q);
	return rc;
}

seam_err_t seam_queue_register(seam_queue_t *q, const char *kind, seam_job_fn fn, void *ud)
{
	if (!q || !kind || !kind[0] || !fn)
		return SEAM_INVAL;
	if (q->started)
		return SEAM_INVAL;
	if (find_handler(q, kind))
		return SEAM_EXISTS;
	handler_t *h = realloc(q->handlers, (q->nhandlers + 1) * sizeof *h);
	if (!h)
		return SEAM_NOMEM;
	q->handlers = h;
	h[q->nhandlers].kind = strdup(kind);
	if (!h[q->nhandlers].kind)
		return SEAM_NOMEM;
	h[q->nhandlers].fn = fn;
	h[q->nhandlers].ud = ud;
	q->nhandlers++;
	return SEAM_OK;
}

seam_err_t seam_queue_schedule(seam_queue_t *q, const char *name, const char *flow,
			       const char *kind, int64_t interval_ms, const char *payload,
			       seam_error_t *err)
{
	if (!q || !name || !name[0] || !kind || !kind[0] || interval_ms <= 0)
		return seam_errorf(err, SEAM_INVAL,
				   "schedule: needs a name, a kind and a positive interval");
	sched_spec_t sp = {.q = q, .name = name, .flow = flow && flow[0] ? flow : "default", .kind = kind,
			   .payload = payload ? payload : "{}", .interval = interval_ms};
	seam_err_t rc = seam_batch_submit(q->batch, schedule_fn, &sp, err);
	if (rc != SEAM_OK)
		return seam_error_prefix(err, "schedule %s", name);
	pthread_mutex_lock(&q->mu);
	json_object_set_new(q->declared, name, json_true());
	pthread_mutex_unlock(&q->mu);
	return SEAM_OK;
}

seam_err_t seam_queue_prune_schedules(seam_queue_t *q, seam_error_t *err)
{
	if (!q)
		return seam_errorf(err, SEAM_INVAL, "prune schedules: no queue");
	pthread_mutex_lock(&q->mu);
	json_t *declared = json_deep_copy(q->declared);
	pthread_mutex_unlock(&q->mu);
	seam_err_t rc = declared ? seam_batch_submit(q->batch, prune_fn, declared, err)
				 : seam_errorf(err, SEAM_NOMEM, "out of memory");
	json_decref(declared);
	if (rc != SEAM_OK)
		return seam_error_prefix(err, "prune schedules");
	return SEAM_OK;
}

seam_err_t seam_queue_flow_limit(seam_queue_t *q, const char *flow, int max_concurrency,
				 seam_error_t *err)
{
	if (!q || !flow || !flow[0] || max_concurrency < 0)
		return seam_errorf(err, SEAM_INVAL, "flow limit: needs a flow and a limit >= 0");
	limit_spec_t ls = {.q = q, .flow = flow, .max = max_concurrency};
	seam_err_t rc = seam_batch_submit(q->batch, flow_limit_fn, &ls, err);
	if (rc != SEAM_OK)
		return seam_error_prefix(err, "flow %s", flow);
	return SEAM_OK;
}

seam_err_t seam_queue_start(seam_queue_t *q, seam_error_t *err)
{
	if (!q)
		return seam_errorf(err, SEAM_INVAL, "queue: none");
	if (q->started)
		return seam_errorf(err, SEAM_INVAL, "queue: already started");
	q->threads = calloc((size_t)q->workers, sizeof *q->threads);
	if (!q->threads)
		return seam_errorf(err, SEAM_NOMEM, "queue: out of memory");
	q->started = 1;
	for (int i = 0; i < q->workers; i++) {
		if (pthread_create(&q->threads[i], NULL, worker_main, q) != 0) {
			seam_queue_stop(q);
			return seam_errorf(err, SEAM_ERR, "queue: cannot start worker threads");
		}
		q->nthreads++;
	}
	if (pthread_create(&q->dispatcher, NULL, dispatcher_main, q) != 0) {
		seam_queue_stop(q);
		return seam_errorf(err, SEAM_ERR, "queue: cannot start the dispatcher");
	}
	q->dispatcher_started = 1;
	seam_logf(q->log, SEAM_LOG_INFO, "queue", NULL,
		  json_pack("{s:i,s:I,s:s}", "workers", q->workers, "lease_ms",
			    (json_int_t)q->lease_ms, "instance", q->instance),
		  "job workers started");
	return SEAM_OK;
}

void seam_queue_stop(seam_queue_t *q)
{
	if (!q || !q->started || q->stopped)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->work_cv);
	pthread_cond_broadcast(&q->disp_cv);
	pthread_mutex_unlock(&q->mu);
	if (q->dispatcher_started)
		pthread_join(q->dispatcher, NULL);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);

	/* Hand back what was leased but never started. */
	pthread_mutex_lock(&q->mu);
	refs_req_t r = {0};
	r.refs = calloc((size_t)q->nready + 1, sizeof *r.refs);
	lease_t *ready = q->ready_head;
	q->ready_head = q->ready_tail = NULL;
	q->nready = 0;
	for (lease_t *l = ready; l && r.refs; l = l->next_ready) {
		lease_ref_t *f = &r.refs[r.n++];
		memcpy(f->id, l->id, sizeof f->id);
		memcpy(f->owner, l->owner, sizeof f->owner);
	}
	pthread_mutex_unlock(&q->mu);
	if (r.n) {
		seam_error_t e = {0};
		r.now = now_ms(q);
		if (seam_batch_submit(q->batch, release_fn, &r, &e) != SEAM_OK)
			seam_logf(q->log, SEAM_LOG_WARN, "queue", NULL, json_pack("{s:s}", "error", e.msg),
				  "could not hand back %d leased job(s); they run after their lease "
				  "expires", r.n);
	}
	free(r.refs);
	pthread_mutex_lock(&q->mu);
	for (lease_t *l = ready, *n; l; l = n) {
		n = l->next_ready;
		inflight_del(q, l);
		lease_free(l);
	}
	/* Results of finished handlers are still on their way through the committer. */
	while (q->ninflight > 0)
		pthread_cond_wait(&q->drain_cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
	q->stopped = 1;
	seam_log_info(q->log, "queue", NULL, "job workers stopped");
}

void seam_queue_destroy(seam_queue_t *q)
{
	if (!q)
		return;
	seam_queue_stop(q);
	seam_batch_destroy(q->batch);
	for (size_t i = 0; i < q->nhandlers; i++)
		free(q->handlers[i].kind);
	free(q->handlers);
	free(q->threads);
	json_decref(q->declared);
	pthread_cond_destroy(&q->drain_cv);
	pthread_cond_destroy(&q->work_cv);
	pthread_cond_destroy(&q->disp_cv);
	pthread_mutex_destroy(&q->mu);
	pthread_mutex_destroy(&q->known_mu);
	free(q);
}

const char *seam_queue_instance(const seam_queue_t *q)
{
	return q->instance;
}

seam_err_t seam_queue_submit(seam_queue_t *q, seam_queue_txn_fn fn, void *ud, seam_error_t *err)
{
	if (!q)
		return seam_errorf(err, SEAM_INVAL, "queue: none");
	return seam_batch_submit(q->batch, fn, ud, err);
}

typedef struct run_req {
	const char *sql;
	const char *const *params;
	int nparams;
	int64_t changes;
} run_req_t;

static seam_err_t run_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	run_req_t *r = ud;
	return seam_db_run(db, r->sql, r->params, r->nparams, &r->changes, err);
}

seam_err_t seam_queue_run(seam_queue_t *q, seam_store_t *st, const char *sql,
			  const char *const *params, int nparams, int64_t *changes, seam_error_t *err)
{
	run_req_t r = {.sql = sql, .params = params, .nparams = nparams};
	seam_err_t rc;
	if (q && !seam_batch_on_committer(q->batch)) {
		rc = seam_queue_submit(q, run_fn, &r, err);
	} else {
		seam_db_t *db = seam_store_acquire(q ? q->st : st);
		rc = run_fn(db, &r, err);
		seam_store_release(q ? q->st : st, db);
	}
	if (changes)
		*changes = rc == SEAM_OK ? r.changes : 0;
	return rc;
}

seam_err_t seam_queue_submit_async(seam_queue_t *q, seam_queue_txn_fn fn, seam_queue_done_fn done,
				   void *ud)
{
	if (!q)
		return SEAM_INVAL;
	return seam_batch_submit_async(q->batch, fn, done, ud);
}

void seam_queue_notify(seam_queue_t *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->wake = 1;
	pthread_cond_signal(&q->disp_cv);
	pthread_mutex_unlock(&q->mu);
}

seam_store_t *seam_queue_store(const seam_queue_t *q)
{
	return q ? q->st : NULL;
}

/* --- metrics collector ------------------------------------------------------------------------ */

void seam_queue_collect_metrics(seam_metrics_t *m, void *ud)
{
	seam_queue_t *q = ud;
	seam_db_t *db = seam_store_acquire(q->st);
	seam_stmt_t *s;
	seam_error_t e = {0};
	int64_t now = now_ms(q);
	if (!db)
		return;
	if (seam_db_prepare(db,
		"SELECT f.name, "
		"(SELECT COUNT(*) FROM jobs j WHERE j.flow = f.name AND j.state = 'queued'), "
		"(SELECT COUNT(*) FROM jobs j WHERE j.flow = f.name AND j.state = 'running'), "
		"(SELECT COUNT(*) FROM jobs j WHERE j.flow = f.name AND j.state = 'dead'), "
		"(SELECT MIN(j.run_at) FROM jobs j WHERE j.flow = f.name AND j.state = 'queued' "
		"AND j.run_at <= $1) FROM flows f", &s, &e) != SEAM_OK)
		goto out;
	seam_metric_reset(m, SEAM_M_QUEUE_JOBS);
	seam_metric_reset(m, SEAM_M_QUEUE_OLDEST_AGE);
	seam_metric_reset(m, SEAM_M_QUEUE_DEAD_LETTERS);
	seam_stmt_bind_int64(s, 1, now);
	while (seam_stmt_step(s, &e) == SEAM_ROW) {
		const char *flow = seam_stmt_column_text(s, 0);
		static const char *const states[] = {"queued", "running", "dead"};
		for (int i = 0; i < 3; i++) {
			const char *labels[] = {flow, states[i]};
			seam_metric_set(m, SEAM_M_QUEUE_JOBS, labels,
					(double)seam_stmt_column_int64(s, 1 + i));
		}
		const char *fl[] = {flow};
		seam_metric_set(m, SEAM_M_QUEUE_DEAD_LETTERS, fl, (double)seam_stmt_column_int64(s, 3));
		double age = 0;
		if (!seam_stmt_column_is_null(s, 4))
			age = (double)(now - seam_stmt_column_int64(s, 4)) / 1000.0;
		seam_metric_set(m, SEAM_M_QUEUE_OLDEST_AGE, fl, age > 0 ? age : 0);
	}
	seam_stmt_reset(s);
out:
	seam_store_release(q->st, db);
}
