/*
 * queue.h: the durable job engine. Everything seam does after acknowledging an event happens in a
 * job: a row in the store that survives crashes, is retried with backoff, and ends either
 * succeeded or in the dead-letter list where an operator can see and replay it.
 *
 * STATES
 *
 *   from       event                                                   to
 *   -          enqueue                                                 queued
 *   queued     leased by a worker (attempts += 1)                      running
 *   running    handler returned SEAM_OK                                succeeded
 *   running    retryable failure, attempts < max_attempts              queued (run_at = now + backoff)
 *   running    retryable failure on the last attempt, SEAM_PERMANENT  dead
 *   running    SEAM_OPEN_CIRCUIT / SEAM_PAUSED (attempts -= 1)         queued (run_at = now + delay)
 *   running    lease expired (crash, kill -9, hang)                    queued, or dead on the last attempt
 *   dead       operator retry / dead-letter replay (attempts = 0)      queued (run_at = now)
 *   canceled   operator retry (attempts = 0)                           queued (run_at = now)
 *   queued     operator retry ("run now", attempts kept)               queued (run_at = now)
 *   queued, running, dead    operator cancel                           canceled
 *
 * "failed" is the outcome of an attempt, never a resting state: a failed attempt leads to queued
 * (with backoff) or to dead. Dead letters are jobs in state 'dead' (no second table): the row
 * keeps the payload, kind, flow, dedup key and correlation id, and job_attempts keeps every
 * attempt's error, so replaying is flipping the state back to queued.
 *
 * LEASES
 *
 * A worker owns a job only while it holds an unexpired lease: state='running', lease_owner =
 * "<instance>#<n>" (unique per lease) and lease_expires_at in the future (default 30 s). Taking a
 * lease increments attempts and sets started_at (the running attempt is the job row; an attempt
 * row is written when an attempt ends other than in success, docs/queue.md "Attempts"). A
 * heartbeat renews the leases of the jobs this process holds every lease/3, but only for
 * job_timeout (default 5 min) after the handler started: a handler that hangs loses its lease
 * like one whose process died. A lease reaper (part of every poll) turns running jobs whose
 * lease expired back into queued jobs (or dead ones when that was the last attempt) and records
 * their attempt 'lease_expired'.
 * Every write that ends an attempt is conditional on (id, lease_owner, state='running'), so a
 * worker that lost its lease (expired, or canceled by an operator) cannot overwrite what the
 * next owner did; its late result is dropped and logged.
 *
 * Leasing goes through the group committer (batch.h) with enqueues and completions, so one
 * COMMIT serves all of them. One lease transaction takes up to as many jobs as there are free
 * worker slots plus a prefetch, fairly across flows: each flow that is not paused and under its
 * bulkhead gets its share, oldest run_at first. The prefetch adapts: workers must not idle while
 * a lease commits, so it covers workers * (lease round trip / handler time), between workers
 * (slow handlers) and 16 * workers (fast ones). Jobs leased but not yet started keep their lease
 * (and heartbeat) and count against their flow's bulkhead; they are handed back on stop. The SQL
 * is in one place (lease_fn in queue.c) so PostgreSQL can use FOR UPDATE SKIP LOCKED there.
 *
 * Waking. Workers never poll the store themselves. A dispatcher thread leases when woken
 * (enqueue in this process, a job completing, a worker freeing up) and otherwise every poll
 * interval (default 250 ms) for work from other processes, due retries and schedules. When
 * nothing is due it sleeps until the earliest run_at it saw or the next poll, whichever is
 * first, so an idle queue costs one small transaction per poll and no writes.
 *
 * RETRIES
 *
 * A handler returns SEAM_OK (done), SEAM_PERMANENT (dead now: retrying cannot help, e.g. a
 * contract violation), SEAM_OPEN_CIRCUIT or SEAM_PAUSED (the upstream is unavailable by our own
 * decision: requeue after res->retry_after_ms or defer_ms, the attempt is not counted) or any
 * other code, which is retryable (SEAM_RETRY, SEAM_UPSTREAM, SEAM_TIMEOUT, ...). A retryable
 * failure with attempts left requeues the job at now + max(backoff(attempt), retry_after),
 * where backoff is "full jitter": uniform in [0, min(cap, base * 2^(attempt-1))] (base 1 s, cap
 * 10 min by default), and retry_after is the upstream's Retry-After when the handler passes it.
 * Without attempts left (max_attempts, default 10) the job goes dead. A kind with no handler
 * registered fails retryably, so a misdeployment ends visibly in the dead letters.
 *
 * IDEMPOTENCY CONTRACT FOR HANDLERS
 *
 * Delivery is at least once: a job may run twice or more (lease expiry after a crash or hang,
 * a lost completion commit, an operator replay), and two runs may even overlap when a hung run
 * wakes up after its lease expired. The effect must still happen once (docs/design.md rule 2):
 *   - every side effect carries an idempotency key derived from business identity (order uuid,
 *     provider event id, SKU + source sequence), never from the job id or attempt number;
 *   - where an upstream cannot take such a key, check before create (look the document up by
 *     its external number first);
 *   - local store writes use INSERT ... ON CONFLICT on that identity.
 * The handler gets the job's id, kind, flow, dedup key, payload, correlation id and 1-based
 * attempt number (attempt > 1 means "a previous run may have done part of the work").
 *
 * DEDUPLICATION
 *
 * A job spec may carry a dedup_key, unique per flow: enqueueing it again returns the existing
 * job (existed = 1) whatever its state, for as long as the job row exists (succeeded and
 * canceled jobs are purged retain_ms after they were created, default 7 days: keep that longer
 * than any sender's redelivery window; dead letters stay until an operator acts).
 *
 * TRANSACTIONS AND GROUP COMMIT
 *
 * seam_queue_enqueue() works on the caller's connection: inside the caller's transaction it is
 * part of it (rolled back with it), outside one it autocommits. seam_queue_submit() is the fast
 * path for "store the event and enqueue its job": fn runs in the group committer's shared
 * transaction (in its own savepoint) and submit returns only once that is durably committed.
 * That is the contract behind every 2xx seam answers (docs/design.md rule 1).
 *
 * FLOWS, BULKHEADS, KILL SWITCHES, SCHEDULES
 *
 * Every job belongs to a flow (default "default"). flows.paused stops leasing for the flow (work
 * keeps queueing, drains on resume) and is stored, so it survives restarts. flows.max_concurrency
 * (0 = unlimited) caps how many of the flow's jobs are running at once across all processes
 * sharing the store. Schedules fire a job every interval_ms: the poller claims a slot with
 * UPDATE schedules SET next_run_at = <next> WHERE name = ? AND next_run_at = <slot>, so exactly
 * one claimer wins per slot even across instances, and enqueues with dedup key "<name>:<slot>".
 * A schedule that missed slots (downtime) fires once and moves to the next future slot.
 *
 * Thread-safety: all functions are thread-safe except register/schedule/flow_limit, which must
 * be called before seam_queue_start. Ownership: the queue borrows the store, log and metrics;
 * they must outlive it (and the metrics registry must not be rendered after
 * seam_queue_destroy: the queue registers a collector on it).
 */
#ifndef SEAM_QUEUE_QUEUE_H
#define SEAM_QUEUE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/metrics.h"
#include "store/store.h"

typedef struct seam_queue seam_queue_t;

/* A field left 0 takes the default of its row in the `queue:` table (queue/queue_config.c,
 * the one place those defaults are written; `seam check --reference` lists them). */
typedef struct seam_queue_opts {
	int workers;             /* handler threads */
	int prefetch;            /* jobs leased ahead of free workers; 0 = adaptive (workers ..
				  * 16 * workers, from handler time vs lease round trip), -1 = none */
	int64_t lease_ms;        /* lease length */
	int64_t heartbeat_ms;    /* lease renewal period; 0 = lease_ms / 3 */
	int64_t job_timeout_ms;  /* stop renewing a running handler's lease after; 0 = 300000 */
	int64_t poll_ms;         /* store poll when not woken */
	int64_t backoff_base_ms; /* first retry delay */
	int64_t backoff_cap_ms;  /* longest retry delay */
	int64_t defer_ms;        /* requeue delay for OPEN_CIRCUIT/PAUSED without retry_after; 0 = 5000 */
	int max_attempts;        /* default for specs that give 0 */
	int batch_max;           /* submissions per group commit */
	int64_t retain_ms;       /* purge succeeded/canceled jobs created longer ago; <0 never
				  * (dead letters are never purged) */
	const char *instance;    /* lease owner prefix; NULL = "<hostname>:<pid>" (copied) */
	seam_log_t *log;         /* borrowed, may be NULL */
	seam_metrics_t *metrics; /* borrowed, may be NULL */
	seam_clock_t clock;      /* "now" for run_at, leases, backoff, schedules, purge and the
				  * dispatcher's timers; zeroed = the real clocks. Tests set a manual
				  * one (its ud must outlive the queue) and call seam_queue_notify
				  * after advancing it: the dispatcher sleeps on the real clock.
				  * Handler run times and the prefetch estimate are always real. */
} seam_queue_opts_t;

/* What to enqueue. Strings are borrowed for the call. */
typedef struct seam_job_spec {
	const char *kind;           /* handler name; required */
	const char *flow;           /* NULL = "default" */
	const char *dedup_key;      /* NULL = none; else unique per flow */
	const char *payload;        /* JSON text (not validated here); NULL = "{}" */
	const char *correlation_id; /* NULL = none */
	int max_attempts;           /* 0 = the queue's default */
	int64_t run_at_ms;          /* wall ms; 0 = now */
	const char *id;             /* the new job's id, made by seam_id_new beforehand (a caller
				     * that records it in the same transaction); NULL = made here */
} seam_job_spec_t;

/* What a handler sees. Every string is borrowed, valid during the call only. */
typedef struct seam_job {
	const char *id;
	const char *kind;
	const char *flow;
	const char *dedup_key;      /* NULL when the job has none */
	const char *payload;        /* JSON text */
	const char *correlation_id; /* NULL when none */
	int attempt;                /* 1-based, counting runs since creation or the last replay */
	int max_attempts;
	int64_t created_at;         /* wall ms */
} seam_job_t;

#define SEAM_JOB_ERROR_MAX 512

/* Filled by a handler that does not succeed. Zeroed before the call. */
typedef struct seam_job_result {
	int64_t retry_after_ms;           /* upstream Retry-After (or the breaker's), 0 = none */
	char error[SEAM_JOB_ERROR_MAX];   /* human message; kept in the attempt row; no secrets */
} seam_job_result_t;

/* Handler: SEAM_OK, SEAM_PERMANENT, SEAM_OPEN_CIRCUIT / SEAM_PAUSED, or anything else
 * (retryable). ud is the pointer given to register. Runs on a worker thread. */
typedef seam_err_t (*seam_job_fn)(const seam_job_t *job, seam_job_result_t *res, void *ud);

/* Convenience for handlers: records the message and retry_after, returns code.
 *   return seam_job_fail(res, SEAM_RETRY, retry_after_ms, "ERP answered %d", status); */
seam_err_t seam_job_fail(seam_job_result_t *res, seam_err_t code, int64_t retry_after_ms,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Creates the queue and starts its group committer (so enqueue/submit work at once; handlers
 * run only after seam_queue_start). opts may be NULL. Returns owned *out (seam_queue_destroy). */
/* This instance's name: opts.instance, or "<hostname>:<pid>:<4 random hex>". Every lease it
 * takes is owned by "<name>#<n>" (jobs.lease_owner, shown by seam ctl jobs and the API), so
 * which instance runs which job is in the store. */
const char *seam_queue_instance(const seam_queue_t *q);
seam_err_t seam_queue_create(seam_store_t *st, const seam_queue_opts_t *opts, seam_queue_t **out,
			     seam_error_t *err);
/* Stops (if started) and frees. NULL is fine. */
void seam_queue_destroy(seam_queue_t *q);

/* Registers the handler for a kind (kind copied, ud borrowed). Before start. SEAM_EXISTS when
 * the kind already has one. */
seam_err_t seam_queue_register(seam_queue_t *q, const char *kind, seam_job_fn fn, void *ud);

/* Declares a recurring job (upsert by name: flow/kind/interval/payload are updated, the next
 * slot is kept; a new schedule first fires at now). payload NULL = "{}". */
seam_err_t seam_queue_schedule(seam_queue_t *q, const char *name, const char *flow,
			       const char *kind, int64_t interval_ms, const char *payload,
			       seam_error_t *err);
/* Removes every schedule not declared by seam_queue_schedule on this queue since it was created:
 * the ones an earlier config asked for and this one does not (a poll interval set to 0, a store
 * removed). The root calls it once every flow has declared its schedules. */
seam_err_t seam_queue_prune_schedules(seam_queue_t *q, seam_error_t *err);
/* Sets a flow's bulkhead (0 = unlimited) without touching its paused flag. */
seam_err_t seam_queue_flow_limit(seam_queue_t *q, const char *flow, int max_concurrency,
				 seam_error_t *err);

/* Starts the dispatcher and the worker threads. */
seam_err_t seam_queue_start(seam_queue_t *q, seam_error_t *err);
/* Stops leasing, hands leased-but-unstarted jobs back, waits for running handlers to return
 * (they are not interrupted) and for their results to commit. Safe to call twice. */
void seam_queue_stop(seam_queue_t *q);

/*
 * Enqueues one job on db, the caller's connection (joining the caller's transaction when it has
 * one; q may be NULL, then defaults apply and no worker is woken). Writes the job id to out_id
 * and sets *existed (either may be NULL): 0 for a new job, 1 when spec->dedup_key matched an
 * existing job of the flow, whose id is returned. Errors: SEAM_INVAL (no kind), store errors.
 */
seam_err_t seam_queue_enqueue(seam_queue_t *q, seam_db_t *db, const seam_job_spec_t *spec,
			      char out_id[SEAM_UUID_STR_LEN], int *existed, seam_error_t *err);

/* Group commit: fn(db, ud, err) runs in a transaction shared with concurrent submitters, in its
 * own savepoint; returns fn's result once it is durably committed (or rolled back). See
 * batch.h for what fn may and may not do. The transaction is row-level (seam_db_begin_rows):
 * on PostgreSQL other instances commit beside it, so a fn that reads and then writes on what it
 * read (check, then insert) takes seam_db_lock(db, NULL) first; inserts guarded by a unique key
 * and UPDATEs conditional on the row's state need nothing. */
typedef seam_err_t (*seam_queue_txn_fn)(seam_db_t *db, void *ud, seam_error_t *err);
seam_err_t seam_queue_submit(seam_queue_t *q, seam_queue_txn_fn fn, void *ud, seam_error_t *err);

/* One statement (seam_db_run's arguments) through the group committer: durable on return, its
 * COMMIT shared with whatever else is in the batch. With q NULL, autocommitted on a connection
 * of st. For the writes job handlers make outside a transaction of their own: eight workers
 * each committing alone queue on the store's one writer and pay an fsync each. */
seam_err_t seam_queue_run(seam_queue_t *q, seam_store_t *st, const char *sql,
			  const char *const *params, int nparams, int64_t *changes, seam_error_t *err);

/* The same without waiting: done(ud, rc, err) is called exactly once, on the batch's notifier
 * thread, after the shared transaction committed (rc = fn's result) or failed. Keep done
 * short: the callbacks of later batches wait for it. Returns SEAM_NOMEM / SEAM_INVAL when it could not be queued (then done is
 * not called). For request handlers that park their connection instead of a thread. */
typedef void (*seam_queue_done_fn)(void *ud, seam_err_t rc, const seam_error_t *err);
seam_err_t seam_queue_submit_async(seam_queue_t *q, seam_queue_txn_fn fn, seam_queue_done_fn done,
				   void *ud);

/* Wakes the dispatcher: call after committing your own transaction that enqueued jobs (inside
 * seam_queue_submit and outside transactions this happens by itself). */
void seam_queue_notify(seam_queue_t *q);

/* The store the queue works on (for operator functions). */
seam_store_t *seam_queue_store(const seam_queue_t *q);

/* Runs one schedule poll on db at wall time now_ms: claims and enqueues every due slot.
 * *fired (may be NULL) gets the number of jobs this call enqueued. The dispatcher calls this
 * each poll; exposed for tests and for `seam ctl`. */
seam_err_t seam_queue_tick_schedules(seam_queue_t *q, seam_db_t *db, int64_t now_ms, int *fired,
				     seam_error_t *err);

/* Deletes succeeded and canceled jobs created before created_before_ms, with their attempts,
 * in chunks of a few hundred per transaction; *deleted (may be NULL) gets how many. The
 * dispatcher does this every 10 minutes for retain_ms; exposed for tests and operators. */
seam_err_t seam_queue_purge(seam_queue_t *q, int64_t created_before_ms, int64_t *deleted,
			    seam_error_t *err);

/* The retry delay after failed attempt `attempt` (1-based): full jitter in
 * [0, min(cap, base * 2^(attempt-1))] drawn with rnd (seam_backoff_after_ms, core/backoff.h),
 * and never less than retry_after_ms (the upstream's Retry-After). */
int64_t seam_queue_backoff_ms(int64_t base_ms, int64_t cap_ms, int attempt, uint64_t rnd,
			      int64_t retry_after_ms);

/* Metrics collector (registered by create when opts->metrics is set): depth by flow and state,
 * oldest runnable age, dead letters. ud is the queue. */
void seam_queue_collect_metrics(seam_metrics_t *m, void *ud);

#endif
