/* test_queue.c: the job engine. Backoff arithmetic; dedup; enqueue joining (and rolled back
 * with) the caller's transaction; submit + run with every job field; retries with attempt
 * errors kept; Retry-After honoured; permanent and max-attempts failures ending dead; replay;
 * pause surviving a restart and draining on resume; bulkheads never exceeded; schedules firing
 * once per interval across two instances; lease expiry re-running a hung job and dropping its
 * late result; heartbeats keeping a slow job; deferral without burning attempts; missing
 * handlers; cancel while running; stop handing leases back; metrics. */
#include "tests/unit/queue/qtest.h"

#include <pthread.h>

#include "queue/queue.h"
#include "queue/queue_admin.h"
#include "tests/support/th_assert.h"
#include "tests/support/th_clock.h"
#include "tests/support/th_fault.h"

/* --- a recording handler ------------------------------------------------------------------ */

#define MAX_CALLS 64

typedef struct rec {
	pthread_mutex_t mu;
	int calls;
	int64_t at_ms[MAX_CALLS]; /* monotonic */
	int attempt[MAX_CALLS];
	char last_payload[256], last_cid[80], last_dedup[80], last_flow[40], last_id[40];
	/* behaviour */
	int fail_first;       /* attempts 1..fail_first fail retryably */
	int64_t retry_after;  /* given with every failure */
	seam_err_t fail_code; /* SEAM_RETRY when 0 */
	int sleep_first_ms;   /* attempt 1 sleeps this long */
	int sleep_ms;         /* every call sleeps this long */
	/* concurrency */
	int running, max_running;
	/* gate */
	int gate_closed;
	int gate_attempt;     /* > 0: only runs of this attempt wait at the gate */
	pthread_cond_t cv;
} rec_t;

static void rec_init(rec_t *r)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
}

static int rec_calls(rec_t *r)
{
	pthread_mutex_lock(&r->mu);
	int n = r->calls;
	pthread_mutex_unlock(&r->mu);
	return n;
}

static seam_err_t rec_handler(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	rec_t *r = ud;
	pthread_mutex_lock(&r->mu);
	int n = r->calls++;
	if (n < MAX_CALLS) {
		r->at_ms[n] = seam_mono_ns() / 1000000;
		r->attempt[n] = job->attempt;
	}
	snprintf(r->last_payload, sizeof r->last_payload, "%s", job->payload);
	snprintf(r->last_cid, sizeof r->last_cid, "%s", job->correlation_id ? job->correlation_id : "");
	snprintf(r->last_dedup, sizeof r->last_dedup, "%s", job->dedup_key ? job->dedup_key : "");
	snprintf(r->last_flow, sizeof r->last_flow, "%s", job->flow);
	snprintf(r->last_id, sizeof r->last_id, "%s", job->id);
	if (++r->running > r->max_running)
		r->max_running = r->running;
	while (r->gate_closed && (!r->gate_attempt || job->attempt == r->gate_attempt))
		pthread_cond_wait(&r->cv, &r->mu);
	int fail = job->attempt <= r->fail_first;
	int sleep_ms = r->sleep_ms + (job->attempt == 1 ? r->sleep_first_ms : 0);
	seam_err_t code = r->fail_code ? r->fail_code : SEAM_RETRY;
	int64_t ra = r->retry_after;
	pthread_mutex_unlock(&r->mu);
	if (sleep_ms)
		seam_sleep_ms(sleep_ms);
	pthread_mutex_lock(&r->mu);
	r->running--;
	pthread_mutex_unlock(&r->mu);
	if (fail)
		return seam_job_fail(res, code, ra, "boom %d", job->attempt);
	return SEAM_OK;
}

/* Waits (polling) until the handler has been entered n times; returns the count seen. */
static int rec_wait_calls(rec_t *r, int n, int timeout_ms)
{
	int got = rec_calls(r);
	for (int i = 0; got < n && i < timeout_ms / 5; i++) {
		seam_sleep_ms(5);
		got = rec_calls(r);
	}
	return got;
}

static void rec_open_gate(rec_t *r)
{
	pthread_mutex_lock(&r->mu);
	r->gate_closed = 0;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* --- helpers ------------------------------------------------------------------------------ */

static seam_queue_opts_t fast_opts(void)
{
	return (seam_queue_opts_t){.workers = 4, .poll_ms = 20, .backoff_base_ms = 10,
				   .backoff_cap_ms = 40, .defer_ms = 20, .retain_ms = -1};
}

/* Tests about time run the queue on a manual clock starting at T0: the time moves only when
 * the test says so, and every stored time is exact. */
#define T0 1800000000000LL

static seam_queue_opts_t manual_opts(th_clock_t *c)
{
	seam_queue_opts_t o = fast_opts();
	th_clock_init(c, T0);
	o.clock = th_clock_get(c);
	return o;
}

/* Moves the queue's time forward and wakes its dispatcher (which sleeps on the real clock). */
static void tick(seam_queue_t *q, th_clock_t *c, int64_t ms)
{
	th_clock_advance(c, ms);
	seam_queue_notify(q);
}

/*
 * Advances the time by ms and waits until qt_int(sql, p1) == want, for effects of the
 * dispatcher's timers (polls: reaper, schedules; heartbeats). The dispatcher sets its next
 * poll (heartbeat) from the clock it reads after one, so one that overlaps an advance puts the
 * next a poll_ms (heartbeat_ms) after the new time: when the effect does not show, move the
 * time on by nudge_ms and look again. Leases on a wake-up (enqueue, completion, notify) need
 * none of this. q2 (may be NULL) is woken too.
 */
static void tick_until(seam_queue_t *q, seam_queue_t *q2, th_clock_t *c, int64_t ms, int64_t nudge_ms,
		       seam_store_t *st, const char *sql, const char *p1, int64_t want)
{
	int64_t got = -1;
	th_clock_advance(c, ms);
	for (int i = 0; i < 40; i++) { /* up to 10 s: sanitizers on a busy machine are slow */
		seam_queue_notify(q);
		seam_queue_notify(q2);
		got = qt_wait_int(st, sql, p1, want, 250);
		if (got == want)
			return;
		th_clock_advance(c, nudge_ms);
	}
	fail_msg("%s: got %lld, want %lld", sql, (long long)got, (long long)want);
}

/* A time column of one attempt of a job (attempt numbers count from 1; with deferrals one
 * attempt number has several rows: nth picks the row in start order, from 0). */
static int64_t attempt_time(seam_store_t *st, const char *job_id, const char *col, int nth)
{
	char sql[192];
	snprintf(sql, sizeof sql, "SELECT %s FROM job_attempt_log WHERE job_id = $1 "
		 "ORDER BY started_at, attempt LIMIT 1 OFFSET %d", col, nth);
	return qt_int(st, sql, job_id);
}

static seam_queue_t *mkq(seam_store_t *st, const seam_queue_opts_t *o)
{
	seam_queue_t *q = NULL;
	seam_error_t e = {0};
	if (seam_queue_create(st, o, &q, &e) != SEAM_OK)
		fail_msg("queue create: %s", e.msg);
	return q;
}

static void startq(seam_queue_t *q)
{
	seam_error_t e = {0};
	if (seam_queue_start(q, &e) != SEAM_OK)
		fail_msg("queue start: %s", e.msg);
}

static void enq(seam_store_t *st, seam_queue_t *q, const seam_job_spec_t *spec, char id[37])
{
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t e = {0};
	int existed = -1;
	if (seam_queue_enqueue(q, db, spec, id, &existed, &e) != SEAM_OK)
		fail_msg("enqueue: %s", e.msg);
	seam_store_release(st, db);
	assert_int_equal(existed, 0);
}

static char *job_state(seam_store_t *st, const char *id, char out[16])
{
	return qt_text(st, "SELECT state FROM jobs WHERE id = $1", id, out, 16);
}

static int64_t wait_state(seam_store_t *st, const char *id, const char *state, int timeout_ms)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM jobs WHERE id = $1 AND state = '%s'", state);
	return qt_wait_int(st, sql, id, 1, timeout_ms);
}

/* --- backoff ------------------------------------------------------------------------------ */

static void test_backoff_schedule(void **state)
{
	(void)state;
	/* rnd is reduced modulo ceiling + 1: rnd == ceiling hits the top of the range, one more
	 * wraps to 0, so these pin the ceiling exactly. It doubles from base, stops at the cap. */
	static const int64_t ceil_of[] = {0, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
	for (int a = 1; a <= 8; a++) {
		assert_int_equal(seam_queue_backoff_ms(1000, 60000, a, (uint64_t)ceil_of[a], 0), ceil_of[a]);
		assert_int_equal(seam_queue_backoff_ms(1000, 60000, a, (uint64_t)ceil_of[a] + 1, 0), 0);
	}
	assert_int_equal(seam_queue_backoff_ms(1000, 60000, 5000, 60000, 0), 60000); /* no overflow */
	assert_int_equal(seam_queue_backoff_ms(1000, 60000, 3, 0, 0), 0);            /* full jitter */
	/* Retry-After is a floor: max(backoff, retry_after). */
	assert_int_equal(seam_queue_backoff_ms(1000, 60000, 1, 0, 5000), 5000);
	assert_int_equal(seam_queue_backoff_ms(1000, 60000, 3, 4000, 500), 4000);
	assert_int_equal(seam_queue_backoff_ms(1000, 60000, 1, 999, 120000), 120000);
	/* Uniform in [0, ceiling]: the mean of many random draws sits near the middle. */
	double sum = 0;
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 4000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t d = seam_queue_backoff_ms(1000, 60000, 3, x, 0);
		TH_ASSERT_CMP(d, >=, 0);
		TH_ASSERT_CMP(d, <=, 4000);
		sum += (double)d;
	}
	TH_ASSERT_CMP(sum / 4000, >, 1900);
	TH_ASSERT_CMP(sum / 4000, <, 2100);
}

/* --- enqueue ------------------------------------------------------------------------------ */

static void test_dedup(void **state)
{
	qt_env_t env;
	char a[37], b[37], c[37], d[37], e2[37];
	int existed = -1;
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	seam_db_t *db = seam_store_acquire(env.st);
	seam_job_spec_t spec = {.kind = "k", .flow = "orders", .dedup_key = "order-1"};
	assert_int_equal(seam_queue_enqueue(NULL, db, &spec, a, &existed, &e), SEAM_OK);
	assert_int_equal(existed, 0);
	spec.payload = "{\"other\":1}";
	assert_int_equal(seam_queue_enqueue(NULL, db, &spec, b, &existed, &e), SEAM_OK);
	assert_int_equal(existed, 1);
	assert_string_equal(a, b);
	spec.flow = "payments"; /* same key, other flow: another job */
	assert_int_equal(seam_queue_enqueue(NULL, db, &spec, c, &existed, &e), SEAM_OK);
	assert_int_equal(existed, 0);
	assert_string_not_equal(a, c);
	seam_job_spec_t nokey = {.kind = "k"};
	assert_int_equal(seam_queue_enqueue(NULL, db, &nokey, d, &existed, &e), SEAM_OK);
	assert_int_equal(seam_queue_enqueue(NULL, db, &nokey, e2, &existed, &e), SEAM_OK);
	assert_int_equal(existed, 0);
	assert_string_not_equal(d, e2);
	seam_store_release(env.st, db);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs", NULL), 4);
	/* The first payload stays: a duplicate does not overwrite. */
	char p[64];
	assert_string_equal(qt_text(env.st, "SELECT payload FROM jobs WHERE id = $1", a, p, sizeof p), "{}");
	assert_string_equal(qt_text(env.st, "SELECT flow FROM jobs WHERE id = $1", d, p, sizeof p), "default");
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM flows WHERE name IN ('orders', 'payments', 'default')", NULL), 3);
	/* No kind: refused. */
	seam_job_spec_t bad = {.flow = "x"};
	db = seam_store_acquire(env.st);
	assert_int_equal(seam_queue_enqueue(NULL, db, &bad, d, &existed, &e), SEAM_INVAL);
	seam_store_release(env.st, db);
	qt_close(&env);
}

static void test_enqueue_joins_caller_tx(void **state)
{
	qt_env_t env;
	char id[37];
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	seam_db_t *db = seam_store_acquire(env.st);
	seam_job_spec_t spec = {.kind = "k", .flow = "rolled", .dedup_key = "x"};
	assert_int_equal(seam_db_begin(db, &e), SEAM_OK);
	assert_int_equal(seam_queue_enqueue(NULL, db, &spec, id, NULL, &e), SEAM_OK);
	assert_int_equal(seam_db_rollback(db), SEAM_OK);
	seam_store_release(env.st, db);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs", NULL), 0);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM flows WHERE name = 'rolled'", NULL), 0);

	db = seam_store_acquire(env.st);
	assert_int_equal(seam_db_begin(db, &e), SEAM_OK);
	assert_int_equal(seam_queue_enqueue(NULL, db, &spec, id, NULL, &e), SEAM_OK);
	assert_int_equal(seam_db_commit(db, &e), SEAM_OK);
	seam_store_release(env.st, db);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE id = $1", id), 1);
	qt_close(&env);
}

/* --- submit and run ----------------------------------------------------------------------- */

typedef struct inbound {
	seam_queue_t *q;
	const char *event_id;
	char job_id[37];
} inbound_t;

static seam_err_t store_event_and_enqueue(seam_db_t *db, void *ud, seam_error_t *err)
{
	inbound_t *in = ud;
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db, "INSERT INTO events (id) VALUES ($1)", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, in->event_id);
	rc = seam_stmt_step(s, err);
	seam_stmt_reset(s);
	if (rc != SEAM_DONE)
		return rc;
	char payload[128];
	snprintf(payload, sizeof payload, "{\"event\":\"%s\"}", in->event_id);
	seam_job_spec_t spec = {.kind = "echo", .flow = "payments", .dedup_key = in->event_id,
				.payload = payload, .correlation_id = "cid-123"};
	return seam_queue_enqueue(in->q, db, &spec, in->job_id, NULL, err);
}

static void test_submit_then_run(void **state)
{
	qt_env_t env;
	rec_t r;
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	qt_exec(env.st, "CREATE TABLE events (id TEXT PRIMARY KEY)");
	rec_init(&r);
	th_clock_t clk;
	seam_queue_opts_t o = manual_opts(&clk); /* the clock never moves: no poll comes due */
	o.poll_ms = 5000;
	seam_queue_t *q = mkq(env.st, &o);
	assert_int_equal(seam_queue_register(q, "echo", rec_handler, &r), SEAM_OK);
	assert_int_equal(seam_queue_register(q, "echo", rec_handler, &r), SEAM_EXISTS);
	startq(q);
	seam_sleep_ms(50); /* the dispatcher's first poll (at start) is behind it */
	inbound_t in = {.q = q, .event_id = "evt_1"};
	assert_int_equal(seam_queue_submit(q, store_event_and_enqueue, &in, &e), SEAM_OK);
	/* Durable on return: visible from another connection. */
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM events", NULL), 1);
	/* Only the enqueue's wake-up can have started it: no time passed for a poll. */
	assert_int_equal(wait_state(env.st, in.job_id, "succeeded", 3000), 1);
	assert_int_equal(th_clock_now(&clk), T0);
	assert_int_equal(rec_calls(&r), 1);
	assert_string_equal(r.last_payload, "{\"event\":\"evt_1\"}");
	assert_string_equal(r.last_cid, "cid-123");
	assert_string_equal(r.last_dedup, "evt_1");
	assert_string_equal(r.last_flow, "payments");
	assert_string_equal(r.last_id, in.job_id);
	assert_int_equal(r.attempt[0], 1);
	/* A failing submission leaves neither its event nor its job. */
	inbound_t dup = {.q = q, .event_id = "evt_1"};
	assert_int_equal(seam_queue_submit(q, store_event_and_enqueue, &dup, &e), SEAM_CONFLICT);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs", NULL), 1);
	seam_queue_destroy(q);
	qt_close(&env);
}

/* The disk fails under the queue's commits (I/O errors injected below SQLite). A failed
 * submission is not acknowledged and leaves neither its event nor its job; a redelivery
 * commits. A result whose commit fails is submitted again (RESULT_RETRIES) and stored once;
 * one whose every try fails is dropped, and the job runs again once its lease expires. */
static void test_store_io_errors(void **state)
{
	qt_env_t env;
	rec_t r;
	char buf[128];
	seam_error_t e = {0};
	(void)state;
	qt_sqlite_only();
	th_fault_install();
	qt_open(&env);
	qt_exec(env.st, "CREATE TABLE events (id TEXT PRIMARY KEY)");
	rec_init(&r);
	r.gate_closed = 1;
	th_clock_t clk; /* frozen: no poll or heartbeat writes while a fault is armed */
	seam_queue_opts_t o = manual_opts(&clk);
	o.lease_ms = 1000;
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "echo", rec_handler, &r);
	startq(q);

	/* The submission's commit fails: SEAM_IO, nothing stored, nothing runs. */
	inbound_t in = {.q = q, .event_id = "evt_1"};
	th_fault_wal_writes(env.dir, 0, 1);
	assert_int_equal(seam_queue_submit(q, store_event_and_enqueue, &in, &e), SEAM_IO);
	assert_int_equal(th_fault_hits(), 1);
	assert_non_null(strstr(e.msg, "I/O"));
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM events", NULL), 0);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs", NULL), 0);
	/* Redelivered: stored and run. */
	assert_int_equal(seam_queue_submit(q, store_event_and_enqueue, &in, &e), SEAM_OK);
	assert_int_equal(rec_wait_calls(&r, 1, 3000), 1);

	/* The handler's result fails to commit once: stored by the next try, one attempt. */
	th_fault_wal_writes(env.dir, 0, 1);
	rec_open_gate(&r);
	assert_int_equal(wait_state(env.st, in.job_id, "succeeded", 3000), 1);
	assert_int_equal(th_fault_hits(), 1);
	assert_int_equal(rec_calls(&r), 1);
	assert_string_equal(qt_text(env.st, "SELECT group_concat(outcome, ',') FROM job_attempt_log WHERE job_id = $1",
				    in.job_id, buf, sizeof buf), "succeeded");

	/* Every try fails: the result is lost, the job stays running until its lease expires,
	 * then runs again (at least once) and its second result is stored. */
	pthread_mutex_lock(&r.mu);
	r.gate_closed = 1;
	pthread_mutex_unlock(&r.mu);
	inbound_t in2 = {.q = q, .event_id = "evt_2"};
	assert_int_equal(seam_queue_submit(q, store_event_and_enqueue, &in2, &e), SEAM_OK);
	assert_int_equal(rec_wait_calls(&r, 2, 3000), 2);
	th_fault_wal_writes(env.dir, 0, 3);
	rec_open_gate(&r);
	for (int i = 0; i < 300 && th_fault_hits() < 3; i++)
		seam_sleep_ms(5);
	assert_int_equal(th_fault_hits(), 3);
	th_fault_off();
	assert_string_equal(job_state(env.st, in2.job_id, buf), "running");
	/* Until the committer hands the last failure to the queue (just after the write failed),
	 * the lease is still held and a heartbeat may renew it once more: nudge by a lease. */
	tick_until(q, NULL, &clk, 1001, 1001, env.st,
		   "SELECT COUNT(*) FROM jobs WHERE id = $1 AND state = 'succeeded'", in2.job_id, 1);
	seam_queue_destroy(q);
	assert_int_equal(rec_calls(&r), 3);
	assert_int_equal(qt_int(env.st, "SELECT attempts FROM jobs WHERE id = $1", in2.job_id), 2);
	assert_string_equal(qt_text(env.st, "SELECT group_concat(outcome, ',') FROM (SELECT outcome FROM "
				    "job_attempt_log WHERE job_id = $1 ORDER BY attempt) AS t", in2.job_id, buf, sizeof buf),
			    "lease_expired,succeeded");
	qt_close(&env);
}

/* --- retries ------------------------------------------------------------------------------ */

static void test_retry_keeps_attempt_errors(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37], buf[128];
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.fail_first = 2;
	th_clock_t clk;
	seam_queue_opts_t o = manual_opts(&clk); /* backoff base 10 ms: ceilings 10, 20 */
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	startq(q);
	seam_job_spec_t spec = {.kind = "k", .max_attempts = 5};
	enq(env.st, q, &spec, id);
	/* After failed attempt k the next starts no earlier than it finished and no later than
	 * the backoff ceiling after: move the time to that ceiling and no further. */
	static const int64_t ceiling[] = {0, 10, 20};
	for (int k = 1; k <= 2; k++) {
		char sql[160];
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = $1 "
			 "AND attempt = %d AND outcome = 'retry'", k);
		assert_int_equal(qt_wait_int(env.st, sql, id, 1, 3000), 1);
		int64_t fin = attempt_time(env.st, id, "finished_at", k - 1);
		int64_t now = th_clock_now(&clk);
		if (now < fin + ceiling[k])
			tick(q, &clk, fin + ceiling[k] - now);
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = $1 "
			 "AND attempt = %d", k + 1);
		assert_int_equal(qt_wait_int(env.st, sql, id, 1, 3000), 1);
		int64_t next = attempt_time(env.st, id, "started_at", k);
		TH_ASSERT_CMP(next, >=, fin);
		TH_ASSERT_CMP(next, <=, fin + ceiling[k]);
	}
	assert_int_equal(wait_state(env.st, id, "succeeded", 3000), 1);
	seam_queue_destroy(q);
	assert_int_equal(rec_calls(&r), 3);
	assert_int_equal(r.attempt[0], 1);
	assert_int_equal(r.attempt[1], 2);
	assert_int_equal(r.attempt[2], 3);
	assert_int_equal(qt_int(env.st, "SELECT attempts FROM jobs WHERE id = $1", id), 3);
	assert_string_equal(qt_text(env.st, "SELECT group_concat(outcome || '=' || COALESCE(error, '-'), '|') "
				    "FROM (SELECT outcome, error FROM job_attempt_log WHERE job_id = $1 ORDER BY attempt) AS t",
				    id, buf, sizeof buf),
			    "retry=retry: boom 1|retry=retry: boom 2|succeeded=-");
	qt_close(&env);
}

static void test_retry_after_honoured(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37];
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.fail_first = 1;
	r.retry_after = 400; /* far above the 10 ms backoff ceiling of attempt 1 */
	th_clock_t clk;
	seam_queue_opts_t o = manual_opts(&clk);
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	startq(q);
	seam_job_spec_t spec = {.kind = "k"};
	enq(env.st, q, &spec, id);
	assert_int_equal(qt_wait_int(env.st, "SELECT COUNT(*) FROM jobs WHERE id = $1 AND state = 'queued' "
				     "AND attempts = 1", id, 1, 3000), 1);
	/* Failed at T0 (the clock has not moved): due exactly Retry-After later. */
	assert_int_equal(qt_int(env.st, "SELECT run_at FROM jobs WHERE id = $1", id), T0 + 400);
	tick(q, &clk, 399);
	seam_sleep_ms(50); /* the dispatcher leases on the wake-up: not due yet */
	assert_int_equal(rec_calls(&r), 1);
	tick(q, &clk, 1);
	assert_int_equal(wait_state(env.st, id, "succeeded", 3000), 1);
	seam_queue_destroy(q);
	assert_int_equal(rec_calls(&r), 2);
	assert_int_equal(attempt_time(env.st, id, "started_at", 1), T0 + 400);
	qt_close(&env);
}

static void test_permanent_goes_dead(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37], buf[256];
	json_t *job = NULL;
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.fail_first = 100;
	r.fail_code = SEAM_PERMANENT;
	seam_queue_t *q = mkq(env.st, &(seam_queue_opts_t){.workers = 2, .poll_ms = 20});
	seam_queue_register(q, "k", rec_handler, &r);
	startq(q);
	seam_job_spec_t spec = {.kind = "k", .flow = "erp", .payload = "{\"order\":\"o-1\"}",
				.correlation_id = "cid-dead", .max_attempts = 5};
	enq(env.st, q, &spec, id);
	assert_int_equal(wait_state(env.st, id, "dead", 3000), 1);
	seam_sleep_ms(100);
	seam_queue_destroy(q);
	assert_int_equal(rec_calls(&r), 1);
	assert_string_equal(qt_text(env.st, "SELECT last_error FROM jobs WHERE id = $1", id, buf, sizeof buf),
			    "permanent: boom 1");
	assert_int_equal(seam_queue_admin_show(env.st, id, &job, &e), SEAM_OK);
	assert_string_equal(json_string_value(json_object_get(job, "correlation_id")), "cid-dead");
	assert_string_equal(json_string_value(json_object_get(json_object_get(job, "payload"), "order")), "o-1");
	json_t *log = json_object_get(job, "attempts_log");
	assert_int_equal(json_array_size(log), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(log, 0), "outcome")), "dead");
	assert_string_equal(json_string_value(json_object_get(json_array_get(log, 0), "error")), "permanent: boom 1");
	assert_true(json_is_string(json_object_get(job, "finished_at")));
	json_decref(job);
	qt_close(&env);
}

static void test_max_attempts_then_replay(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37], buf[256];
	json_t *job = NULL;
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.fail_first = 3;
	seam_queue_opts_t o = fast_opts();
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	startq(q);
	seam_job_spec_t spec = {.kind = "k", .flow = "erp", .max_attempts = 3, .dedup_key = "order-7"};
	enq(env.st, q, &spec, id);
	assert_int_equal(wait_state(env.st, id, "dead", 3000), 1);
	seam_sleep_ms(150); /* nothing else runs it */
	assert_int_equal(rec_calls(&r), 3);
	assert_string_equal(qt_text(env.st, "SELECT group_concat(error, '|') FROM (SELECT error FROM "
				    "job_attempt_log WHERE job_id = $1 ORDER BY attempt) AS t", id, buf, sizeof buf),
			    "retry: boom 1|retry: boom 2|retry: boom 3");
	/* Wrong-state actions are refused and change nothing. */
	assert_int_equal(seam_queue_admin_cancel(env.st, "0190c0de-0000-7000-8000-000000000000", NULL, &e), SEAM_NOTFOUND);

	/* Replay: queued with a fresh budget; attempt 1 of the new run fails again (fail_first
	 * counts attempts), so make the handler succeed first. */
	pthread_mutex_lock(&r.mu);
	r.fail_first = 0;
	pthread_mutex_unlock(&r.mu);
	assert_int_equal(seam_queue_admin_replay(env.st, id, &job, &e), SEAM_OK);
	assert_string_equal(json_string_value(json_object_get(job, "state")), "queued");
	assert_int_equal(json_integer_value(json_object_get(job, "attempts")), 0);
	json_decref(job);
	seam_queue_notify(q);
	assert_int_equal(wait_state(env.st, id, "succeeded", 3000), 1);
	assert_int_equal(rec_calls(&r), 4);
	assert_int_equal(r.attempt[3], 1);
	assert_int_equal(seam_queue_admin_replay(env.st, id, NULL, &e), SEAM_CONFLICT);
	assert_non_null(strstr(e.msg, "succeeded"));
	/* History kept: 3 failures, the replay marker, the success. */
	assert_string_equal(qt_text(env.st, "SELECT group_concat(outcome, ',') FROM (SELECT outcome FROM "
				    "job_attempt_log WHERE job_id = $1 ORDER BY started_at, id) AS t", id, buf, sizeof buf),
			    "retry,retry,dead,operator_replay,succeeded");
	seam_queue_destroy(q);
	qt_close(&env);
}

/* --- pause / resume ----------------------------------------------------------------------- */

static void test_pause_survives_restart_and_drains(void **state)
{
	qt_env_t env;
	rec_t paused, free_;
	char id[37];
	seam_error_t e = {0};
	json_t *fl = NULL;
	(void)state;
	qt_open(&env);
	rec_init(&paused);
	rec_init(&free_);
	assert_int_equal(seam_queue_admin_pause(env.st, "erp", 1, &fl, &e), SEAM_OK);
	assert_true(json_is_true(json_object_get(fl, "paused")));
	json_decref(fl);
	seam_queue_opts_t o = fast_opts();
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "erp", rec_handler, &paused);
	seam_queue_register(q, "pim", rec_handler, &free_);
	startq(q);
	for (int i = 0; i < 10; i++) {
		enq(env.st, q, &(seam_job_spec_t){.kind = "erp", .flow = "erp"}, id);
		enq(env.st, q, &(seam_job_spec_t){.kind = "pim", .flow = "pim"}, id);
	}
	assert_int_equal(qt_wait_int(env.st, "SELECT COUNT(*) FROM jobs WHERE flow = 'pim' AND state = 'succeeded'",
				     NULL, 10, 3000), 10);
	seam_sleep_ms(150);
	assert_int_equal(rec_calls(&paused), 0);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE flow = 'erp' AND state = 'queued'", NULL), 10);
	seam_queue_destroy(q);

	/* Restart (a new queue on the store): still paused. */
	q = mkq(env.st, &o);
	seam_queue_register(q, "erp", rec_handler, &paused);
	startq(q);
	seam_sleep_ms(200);
	assert_int_equal(rec_calls(&paused), 0);
	assert_int_equal(seam_queue_admin_flows(env.st, NULL, 0, &fl, &e), SEAM_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(fl, 0), "name")), "erp");
	assert_true(json_is_true(json_object_get(json_array_get(fl, 0), "paused")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(fl, 0), "queued")), 10);
	json_decref(fl);
	/* Resume: the backlog drains. */
	assert_int_equal(seam_queue_admin_pause(env.st, "erp", 0, NULL, &e), SEAM_OK);
	assert_int_equal(qt_wait_int(env.st, "SELECT COUNT(*) FROM jobs WHERE flow = 'erp' AND state = 'succeeded'",
				     NULL, 10, 3000), 10);
	assert_int_equal(rec_calls(&paused), 10);
	seam_queue_destroy(q);
	qt_close(&env);
}

/* --- bulkheads ---------------------------------------------------------------------------- */

static void test_bulkhead_never_exceeded(void **state)
{
	qt_env_t env;
	rec_t erp, pim;
	char id[37];
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	rec_init(&erp);
	rec_init(&pim);
	erp.sleep_ms = pim.sleep_ms = 15;
	seam_queue_opts_t o = fast_opts();
	o.workers = 6;
	seam_queue_t *q = mkq(env.st, &o);
	assert_int_equal(seam_queue_flow_limit(q, "erp", 2, &e), SEAM_OK);
	seam_queue_register(q, "erp", rec_handler, &erp);
	seam_queue_register(q, "pim", rec_handler, &pim);
	for (int i = 0; i < 24; i++)
		enq(env.st, q, &(seam_job_spec_t){.kind = "erp", .flow = "erp"}, id);
	for (int i = 0; i < 24; i++)
		enq(env.st, q, &(seam_job_spec_t){.kind = "pim", .flow = "pim"}, id);
	startq(q);
	assert_int_equal(qt_wait_int(env.st, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'", NULL, 48, 5000), 48);
	seam_queue_destroy(q);
	print_message("bulkhead: erp max concurrent %d (limit 2), pim max concurrent %d\n",
		      erp.max_running, pim.max_running);
	assert_int_equal(erp.max_running, 2);
	TH_ASSERT_CMP(pim.max_running, >=, 3); /* the limited flow does not hold the others back */
	qt_close(&env);
}

/* --- schedules ---------------------------------------------------------------------------- */

static void test_schedule_once_per_interval_two_instances(void **state)
{
	qt_env_t env;
	rec_t r;
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	rec_init(&r);
	/* Two instances: separate stores (connection pools) on the same file, 4 workers each,
	 * on one clock. */
	seam_store_t *st2 = qt_open_url(env.url, 5000);
	th_clock_t clk;
	seam_queue_opts_t o = manual_opts(&clk);
	o.poll_ms = 10;
	seam_queue_t *q1 = mkq(env.st, &o), *q2 = mkq(st2, &o);
	seam_queue_register(q1, "tick", rec_handler, &r);
	seam_queue_register(q2, "tick", rec_handler, &r);
	assert_int_equal(seam_queue_schedule(q1, "heartbeat", "ops", "tick", 100, "{\"s\":1}", &e), SEAM_OK);
	assert_int_equal(seam_queue_schedule(q2, "heartbeat", "ops", "tick", 100, "{\"s\":1}", &e), SEAM_OK);
	startq(q1);
	startq(q2);
	/* A new schedule fires at once; then once per 100 ms slot, whichever instance polls. */
	const char *count = "SELECT COUNT(*) FROM jobs WHERE kind = 'tick'";
	assert_int_equal(qt_wait_int(env.st, count, NULL, 1, 3000), 1);
	for (int i = 1; i <= 10; i++) /* a nudge (10 ms) never reaches the next slot */
		tick_until(q1, q2, &clk, 100, o.poll_ms, env.st, count, NULL, i + 1);
	assert_int_equal(qt_wait_int(env.st, "SELECT COUNT(*) FROM jobs WHERE kind = 'tick' AND state = 'succeeded'",
				     NULL, 11, 3000), 11);
	seam_queue_destroy(q1);
	seam_queue_destroy(q2);
	/* One per slot, never two: exactly the first and the ten that came due. */
	int64_t jobs = qt_int(env.st, count, NULL);
	assert_int_equal(jobs, 11);
	assert_int_equal(rec_calls(&r), 11);
	/* Slots (the dedup keys) are the schedule's times: T0 and every 100 ms after. */
	seam_db_t *db = seam_store_acquire(env.st);
	seam_stmt_t *s;
	assert_int_equal(seam_db_prepare(db, "SELECT dedup_key FROM jobs WHERE kind = 'tick' ORDER BY dedup_key", &s, &e), SEAM_OK);
	int n = 0;
	while (seam_stmt_step(s, &e) == SEAM_ROW) {
		const char *k = seam_stmt_column_text(s, 0);
		assert_memory_equal(k, "heartbeat:", 10);
		assert_int_equal(atoll(k + 10), T0 + 100 * n);
		n++;
	}
	seam_stmt_reset(s);
	seam_store_release(env.st, db);
	assert_int_equal(n, jobs);
	seam_store_close(st2);
	qt_close(&env);
}

/* Schedules an earlier config declared and this one does not are pruned and fire no more;
 * the ones declared since the queue was created stay. */
static void test_prune_schedules(void **state)
{
	qt_env_t env;
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	th_clock_t clk;
	seam_queue_opts_t o = manual_opts(&clk);
	seam_queue_t *q = mkq(env.st, &o);
	assert_int_equal(seam_queue_schedule(q, "hourly", "ops", "tick", 3600000, NULL, &e), SEAM_OK);
	assert_int_equal(seam_queue_schedule(q, "daily", "ops", "tock", 86400000, NULL, &e), SEAM_OK);
	seam_queue_destroy(q);
	/* the next start declares only "daily" */
	q = mkq(env.st, &o);
	assert_int_equal(seam_queue_schedule(q, "daily", "ops", "tock", 86400000, NULL, &e), SEAM_OK);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM schedules", NULL), 2);
	if (seam_queue_prune_schedules(q, &e) != SEAM_OK)
		fail_msg("prune: %s", e.msg);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM schedules WHERE name = 'hourly'", NULL), 0);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM schedules", NULL), 1);
	seam_db_t *db = seam_store_acquire(env.st);
	int fired = 0;
	assert_int_equal(seam_queue_tick_schedules(NULL, db, T0 + 7200000, &fired, &e), SEAM_OK);
	seam_store_release(env.st, db);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE kind = 'tick'", NULL), 0);
	seam_queue_destroy(q);
	qt_close(&env);
}

typedef struct racer {
	seam_store_t *st;
	int64_t now;
	int fired;
	seam_err_t rc;
	pthread_barrier_t *bar;
} racer_t;

static void *race_tick(void *arg)
{
	racer_t *r = arg;
	seam_error_t e = {0};
	seam_db_t *db = seam_store_acquire(r->st);
	pthread_barrier_wait(r->bar);
	r->rc = seam_queue_tick_schedules(NULL, db, r->now, &r->fired, &e);
	seam_store_release(r->st, db);
	return NULL;
}

static void test_schedule_claim_race(void **state)
{
	qt_env_t env;
	enum { N = 8 };
	pthread_t th[N];
	racer_t r[N];
	pthread_barrier_t bar;
	(void)state;
	qt_open(&env);
	qt_exec(env.st, "INSERT INTO schedules (name, flow, kind, interval_ms, next_run_at, payload, updated_at) "
			"VALUES ('nightly', 'recon', 'reconcile', 60000, 1000, '{}', 0)");
	pthread_barrier_init(&bar, NULL, N);
	for (int i = 0; i < N; i++) {
		r[i] = (racer_t){.st = env.st, .now = 1000 + 60000 * 3 + 5, .bar = &bar};
		pthread_create(&th[i], NULL, race_tick, &r[i]);
	}
	int fired = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].rc, SEAM_OK);
		fired += r[i].fired;
	}
	pthread_barrier_destroy(&bar);
	assert_int_equal(fired, 1);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE kind = 'reconcile'", NULL), 1);
	char k[64];
	assert_string_equal(qt_text(env.st, "SELECT dedup_key FROM jobs", NULL, k, sizeof k), "nightly:1000");
	/* Missed slots fire once; the next slot is the first one after now. */
	assert_int_equal(qt_int(env.st, "SELECT next_run_at FROM schedules", NULL), 1000 + 60000 * 4);
	qt_close(&env);
}

/* --- leases ------------------------------------------------------------------------------- */

static void test_lease_expiry_reruns_hung_job(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37], buf[128];
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.gate_closed = 1;
	r.gate_attempt = 1; /* attempt 1 hangs until the test lets it return */
	th_clock_t clk;
	th_clock_init(&clk, T0);
	seam_queue_opts_t o = {.workers = 2, .prefetch = -1, .poll_ms = 20, .lease_ms = 200,
			       .heartbeat_ms = 50, .job_timeout_ms = 300, .retain_ms = -1,
			       .clock = th_clock_get(&clk)};
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	startq(q);
	seam_job_spec_t spec = {.kind = "k", .max_attempts = 3};
	enq(env.st, q, &spec, id);
	assert_int_equal(rec_wait_calls(&r, 1, 3000), 1); /* its run started: job_timeout counts */
	/* Past job_timeout the heartbeat stops renewing the hung run, and past its lease the
	 * reaper hands the job to another worker. (Were the hung run still renewed, this would
	 * be the heartbeat's instant too, and the job would stay running.) */
	tick_until(q, NULL, &clk, 301, o.poll_ms, env.st,
		   "SELECT COUNT(*) FROM jobs WHERE id = $1 AND state = 'succeeded'", id, 1);
	assert_int_equal(rec_calls(&r), 2);
	assert_int_equal(r.attempt[1], 2);
	/* Let the hung attempt return: its late result must not change anything. */
	rec_open_gate(&r);
	seam_queue_destroy(q); /* waits for that result */
	assert_string_equal(job_state(env.st, id, buf), "succeeded");
	assert_int_equal(qt_int(env.st, "SELECT attempts FROM jobs WHERE id = $1", id), 2);
	assert_string_equal(qt_text(env.st, "SELECT group_concat(outcome, ',') FROM (SELECT outcome FROM "
				    "job_attempt_log WHERE job_id = $1 ORDER BY attempt) AS t", id, buf, sizeof buf),
			    "lease_expired,succeeded");
	qt_close(&env);
}

static void test_heartbeat_keeps_slow_job(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37];
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.gate_closed = 1; /* the handler runs until the test opens the gate */
	th_clock_t clk;
	th_clock_init(&clk, T0);
	seam_queue_opts_t o = {.workers = 2, .poll_ms = 20, .lease_ms = 200, .heartbeat_ms = 10,
			       .job_timeout_ms = 5000, .retain_ms = -1, .clock = th_clock_get(&clk)};
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	startq(q);
	enq(env.st, q, &(seam_job_spec_t){.kind = "k"}, id);
	assert_int_equal(qt_wait_int(env.st, "SELECT lease_expires_at FROM jobs WHERE id = $1", id, T0 + 200, 3000),
			 T0 + 200);
	/* 700 ms, 3.5 leases, under job_timeout, in steps of 50: each step brings a heartbeat
	 * (due every 10 ms) that moves the lease a full lease ahead of that step, so the reaper
	 * (polling at the same instants, after the heartbeat) never takes it. */
	while (th_clock_now(&clk) < T0 + 700) {
		char sql[160];
		int64_t t = th_clock_now(&clk) + 50;
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM jobs WHERE id = $1 AND state = 'running' "
			 "AND lease_expires_at >= %lld", (long long)(t + 200));
		tick_until(q, NULL, &clk, 50, o.heartbeat_ms, env.st, sql, id, 1);
	}
	rec_open_gate(&r);
	assert_int_equal(wait_state(env.st, id, "succeeded", 3000), 1);
	seam_queue_destroy(q);
	assert_int_equal(rec_calls(&r), 1);
	assert_int_equal(qt_int(env.st, "SELECT attempts FROM jobs WHERE id = $1", id), 1);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = $1", id), 1);
	qt_close(&env);
}

/* --- other outcomes ----------------------------------------------------------------------- */

static void test_open_circuit_defers_without_burning(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37], buf[128];
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.fail_first = 1; /* attempt stays 1 while deferred, so every run "fails" ... */
	r.fail_code = SEAM_OPEN_CIRCUIT;
	r.retry_after = 30;
	th_clock_t clk;
	seam_queue_opts_t o = manual_opts(&clk);
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	startq(q);
	enq(env.st, q, &(seam_job_spec_t){.kind = "k", .max_attempts = 2}, id);
	/* Deferred 4 times with max_attempts 2: queued again each time (not burned, never
	 * dead), due exactly retry_after later, and not run before. */
	for (int k = 1; k <= 4; k++) {
		assert_int_equal(qt_wait_int(env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = $1 "
					     "AND outcome = 'deferred'", id, k, 3000), k);
		assert_string_equal(job_state(env.st, id, buf), "queued");
		assert_int_equal(qt_int(env.st, "SELECT attempts FROM jobs WHERE id = $1", id), 0);
		assert_int_equal(qt_int(env.st, "SELECT run_at FROM jobs WHERE id = $1", id), th_clock_now(&clk) + 30);
		assert_int_equal(rec_calls(&r), k);
		if (k == 4) { /* ... until the circuit closes */
			pthread_mutex_lock(&r.mu);
			r.fail_first = 0;
			pthread_mutex_unlock(&r.mu);
		}
		tick(q, &clk, 30);
	}
	assert_int_equal(wait_state(env.st, id, "succeeded", 3000), 1);
	seam_queue_destroy(q);
	assert_int_equal(rec_calls(&r), 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(r.attempt[i], 1);
		assert_int_equal(attempt_time(env.st, id, "started_at", i), T0 + 30 * i);
	}
	assert_int_equal(qt_int(env.st, "SELECT attempts FROM jobs WHERE id = $1", id), 1);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = $1 AND outcome = 'deferred'", id),
			 4);
	qt_close(&env);
}

static void test_no_handler_ends_dead(void **state)
{
	qt_env_t env;
	char id[37], buf[128];
	(void)state;
	qt_open(&env);
	seam_queue_opts_t o = fast_opts();
	seam_queue_t *q = mkq(env.st, &o);
	startq(q);
	enq(env.st, q, &(seam_job_spec_t){.kind = "ghost", .max_attempts = 2}, id);
	assert_int_equal(wait_state(env.st, id, "dead", 3000), 1);
	seam_queue_destroy(q);
	assert_string_equal(qt_text(env.st, "SELECT last_error FROM jobs WHERE id = $1", id, buf, sizeof buf),
			    "retry: no handler registered for kind ghost");
	qt_close(&env);
}

static void test_cancel_running_drops_result(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37], buf[128];
	json_t *job = NULL;
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.gate_closed = 1;
	seam_queue_opts_t o = fast_opts();
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	startq(q);
	enq(env.st, q, &(seam_job_spec_t){.kind = "k"}, id);
	assert_int_equal(rec_wait_calls(&r, 1, 3000), 1);
	assert_int_equal(seam_queue_admin_retry(env.st, id, NULL, &e), SEAM_CONFLICT); /* running */
	assert_int_equal(seam_queue_admin_cancel(env.st, id, &job, &e), SEAM_OK);
	assert_string_equal(json_string_value(json_object_get(job, "state")), "canceled");
	json_decref(job);
	rec_open_gate(&r);
	seam_queue_destroy(q); /* waits for the handler's result to be dropped */
	assert_string_equal(job_state(env.st, id, buf), "canceled");
	assert_string_equal(qt_text(env.st, "SELECT group_concat(outcome, ',') FROM (SELECT outcome FROM "
				    "job_attempt_log WHERE job_id = $1 ORDER BY started_at, id) AS t", id, buf, sizeof buf),
			    "canceled,operator_cancel");
	assert_int_equal(seam_queue_admin_cancel(env.st, id, NULL, &e), SEAM_CONFLICT);
	/* retry brings a canceled job back with a fresh budget */
	assert_int_equal(seam_queue_admin_retry(env.st, id, &job, &e), SEAM_OK);
	assert_string_equal(json_string_value(json_object_get(job, "state")), "queued");
	json_decref(job);
	qt_close(&env);
}

static void test_stop_hands_back_unstarted(void **state)
{
	qt_env_t env;
	rec_t r;
	char ids[4][37];
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.sleep_ms = 150;
	seam_queue_opts_t o = {.workers = 1, .prefetch = 3, .poll_ms = 20, .retain_ms = -1};
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	for (int i = 0; i < 4; i++)
		enq(env.st, q, &(seam_job_spec_t){.kind = "k"}, ids[i]);
	startq(q);
	rec_wait_calls(&r, 1, 1500);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE state = 'running'", NULL), 4);
	seam_queue_destroy(q);
	int ran = rec_calls(&r);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'", NULL), ran);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND attempts = 0 "
				"AND lease_owner IS NULL", NULL), 4 - ran);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM job_attempt_log", NULL), ran);
	qt_close(&env);
}

/* --- purge ------------------------------------------------------------------------------ */

static void test_purge_finished_only(void **state)
{
	qt_env_t env;
	char id[37];
	seam_error_t e = {0};
	int64_t n = -1;
	(void)state;
	qt_open(&env);
	seam_queue_t *q = mkq(env.st, &(seam_queue_opts_t){.retain_ms = -1});
	/* 1203 succeeded (more than two chunks), 1 canceled, 1 dead, 1 queued; attempts on each. */
	seam_db_t *db = seam_store_acquire(env.st);
	assert_int_equal(seam_db_begin(db, &e), SEAM_OK);
	for (int i = 0; i < 1206; i++) {
		assert_int_equal(seam_queue_enqueue(NULL, db, &(seam_job_spec_t){.kind = "k"}, id, NULL, &e), SEAM_OK);
		char sql[256];
		const char *st = i == 1203 ? "canceled" : i == 1204 ? "dead" : i == 1205 ? "queued" : "succeeded";
		snprintf(sql, sizeof sql, "UPDATE jobs SET state = '%s' WHERE id = '%s'", st, id);
		assert_int_equal(seam_db_exec(db, sql, &e), SEAM_OK);
		snprintf(sql, sizeof sql, "INSERT INTO job_attempts (id, job_id, attempt, started_at, outcome) "
			 "VALUES ('a%d', '%s', 1, 0, 'x')", i, id);
		assert_int_equal(seam_db_exec(db, sql, &e), SEAM_OK);
	}
	assert_int_equal(seam_db_commit(db, &e), SEAM_OK);
	seam_store_release(env.st, db);
	/* Nothing was created an hour ago: nothing goes. */
	assert_int_equal(seam_queue_purge(q, seam_now_ms() - 3600000, &n, &e), SEAM_OK);
	assert_int_equal(n, 0);
	/* Everything was created before a second from now: finished jobs go, with their attempts. */
	assert_int_equal(seam_queue_purge(q, seam_now_ms() + 1000, &n, &e), SEAM_OK);
	assert_int_equal(n, 1204);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs", NULL), 2);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE state IN ('dead', 'queued')", NULL), 2);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM job_attempts", NULL), 2);
	seam_queue_destroy(q);
	qt_close(&env);
}

/* --- metrics ------------------------------------------------------------------------------ */

static void test_metrics(void **state)
{
	qt_env_t env;
	rec_t r;
	char id[37];
	(void)state;
	qt_open(&env);
	rec_init(&r);
	r.fail_first = 1;
	r.fail_code = SEAM_PERMANENT;
	seam_metrics_t *m = seam_metrics_create();
	th_clock_t clk;
	seam_queue_opts_t o = manual_opts(&clk);
	o.metrics = m;
	seam_queue_t *q = mkq(env.st, &o);
	seam_queue_register(q, "k", rec_handler, &r);
	enq(env.st, q, &(seam_job_spec_t){.kind = "k", .flow = "erp"}, id);
	enq(env.st, q, &(seam_job_spec_t){.kind = "k", .flow = "erp", .run_at_ms = T0 + 600000}, id);
	enq(env.st, q, &(seam_job_spec_t){.kind = "k", .flow = "erp", .run_at_ms = T0 - 5000}, id);
	free(seam_metrics_render(m, NULL));
	const char *queued[] = {"erp", "queued"}, *erp[] = {"erp"};
	assert_int_equal((int)seam_metric_get(m, SEAM_M_QUEUE_JOBS, queued), 3);
	/* The oldest runnable job became due 5 s before the queue's now. */
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_QUEUE_OLDEST_AGE, erp), ==, 5.0);
	startq(q);
	assert_int_equal(qt_wait_int(env.st, "SELECT COUNT(*) FROM jobs WHERE state = 'dead'", NULL, 2, 3000), 2);
	seam_queue_stop(q); /* waits for both results and their metrics */
	free(seam_metrics_render(m, NULL));
	const char *dead_outcome[] = {"erp", "dead"}, *dur[] = {"erp", "k"}, *dead[] = {"erp", "dead"};
	(void)dead;
	assert_int_equal((int)seam_metric_get(m, SEAM_M_QUEUE_ATTEMPTS, dead_outcome), 2);
	assert_int_equal((int)seam_metric_get(m, SEAM_M_QUEUE_JOB_DURATION, dur), 2);
	assert_int_equal((int)seam_metric_get(m, SEAM_M_QUEUE_DEAD_LETTERS, erp), 2);
	assert_int_equal((int)seam_metric_get(m, SEAM_M_QUEUE_JOBS, queued), 1);
	TH_ASSERT_CMP(seam_metric_get(m, SEAM_M_QUEUE_COMMIT_BATCH, NULL), >=, 1);
	seam_queue_destroy(q);
	seam_metrics_destroy(m);
	qt_close(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_enqueue_joins_caller_tx),
		cmocka_unit_test(test_submit_then_run),
		cmocka_unit_test(test_store_io_errors),
		cmocka_unit_test(test_retry_keeps_attempt_errors),
		cmocka_unit_test(test_retry_after_honoured),
		cmocka_unit_test(test_permanent_goes_dead),
		cmocka_unit_test(test_max_attempts_then_replay),
		cmocka_unit_test(test_pause_survives_restart_and_drains),
		cmocka_unit_test(test_bulkhead_never_exceeded),
		cmocka_unit_test(test_schedule_once_per_interval_two_instances),
		cmocka_unit_test(test_prune_schedules),
		cmocka_unit_test(test_schedule_claim_race),
		cmocka_unit_test(test_lease_expiry_reruns_hung_job),
		cmocka_unit_test(test_heartbeat_keeps_slow_job),
		cmocka_unit_test(test_open_circuit_defers_without_burning),
		cmocka_unit_test(test_no_handler_ends_dead),
		cmocka_unit_test(test_cancel_running_drops_result),
		cmocka_unit_test(test_stop_hands_back_unstarted),
		cmocka_unit_test(test_purge_finished_only),
		cmocka_unit_test(test_metrics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
