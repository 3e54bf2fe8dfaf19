/*
 * batch.h: group commit. Many threads each have a small piece of store work ("store the inbound
 * event and enqueue its job", "mark job X succeeded"); one committer thread runs them together in
 * one transaction so one durable COMMIT (one fsync with SQLite synchronous=FULL) serves them all.
 *
 * How a batch runs. Submissions wait in a FIFO. The committer takes up to `max` of them
 * (default 256), BEGINs one write transaction on its own connection and runs every submission's
 * fn in it, then COMMITs once and wakes every caller of the batch with its result. When a fn
 * returns an error, that transaction is rolled back and the batch runs again, each fn inside its
 * own SAVEPOINT: the failing fn has its savepoint rolled back (its writes vanish, the others'
 * stay) and gets its own error back. Failures are rare (a dedup conflict is not one), so the
 * common batch pays no savepoint statements and no statement journal. There is no artificial wait: when the
 * committer is idle the first arrival starts a batch at once; whatever arrives while a batch is
 * committing forms the next one, so batches grow with load and shrink to one when quiet.
 *
 * Contract for callers:
 *   - seam_batch_submit() returns only after the transaction holding the fn's work has
 *     committed durably (SEAM_OK) or after that work was rolled back (the error). A 2xx may be
 *     answered on SEAM_OK and never before.
 *   - If COMMIT (or BEGIN) fails, every submission of that batch gets the failure and none of
 *     their work is in the store: nothing is half-done.
 *   - fn runs on the committer thread with a connection that is inside a transaction. It must be
 *     short (store work only: no network, no sleeping), must not begin/commit/rollback (nested
 *     SAVEPOINTs are fine), and must not call seam_batch_submit (that would wait for itself; it
 *     is refused with SEAM_INVAL). A fn that ends the transaction anyway is detected: every
 *     earlier submission of the batch is failed (their work was lost with it), the offender gets
 *     SEAM_INVAL, and the rest run in a fresh transaction.
 *   - fn may be called and its transaction then rolled back (commit failure, or another fn of
 *     the batch failing, after which fn runs again): fn must only change memory that the caller
 *     reads after a SEAM_OK result, and must set (not add to) what it reports, so a second run
 *     replaces the first.
 *
 * Async submissions (seam_batch_submit_async) are the same without waiting: done(ud, rc, err)
 * runs once the outcome is known, on the batch's notifier thread (the committer hands each
 * finished batch to it and goes on with the next; callbacks run in commit order). The queue uses them for job
 * completions, so a worker moves to its next job while its result waits for the next commit.
 *
 * Thread-safety: submit/submit_async from any thread. Ownership: the batch holds one store
 * connection for its whole life; the store must outlive it.
 */
#ifndef SEAM_QUEUE_BATCH_H
#define SEAM_QUEUE_BATCH_H

#include "core/err.h"
#include "core/metrics.h"
#include "store/store.h"

typedef struct seam_batch seam_batch_t;

/* Work to run inside the shared transaction. Return SEAM_OK to keep its writes; any other code
 * (with a message on err) rolls back just this fn's savepoint and is handed to its caller. */
typedef seam_err_t (*seam_batch_fn)(seam_db_t *db, void *ud, seam_error_t *err);
/* Outcome of an async submission; err is valid only during the call. */
typedef void (*seam_batch_done_fn)(void *ud, seam_err_t rc, const seam_error_t *err);
/* Called on the committer thread after every successful COMMIT. */
typedef void (*seam_batch_commit_fn)(void *ud);

typedef struct seam_batch_opts {
	int max;                        /* submissions per transaction; 0 = queue.batch_max's default */
	int rows;                       /* transactions by seam_db_begin_rows (store.h): every fn's
					   correctness rests on its rows, or it takes seam_db_lock */
	seam_metrics_t *metrics;        /* borrowed; NULL for none */
	seam_batch_commit_fn on_commit; /* optional */
	void *on_commit_ud;
} seam_batch_opts_t;

/* Starts the committer thread with a connection from st. Returns owned *out (free with
 * seam_batch_destroy). */
seam_err_t seam_batch_create(seam_store_t *st, const seam_batch_opts_t *opts, seam_batch_t **out,
			     seam_error_t *err);
/* Runs everything still pending, stops the thread, releases the connection. NULL is fine. */
void seam_batch_destroy(seam_batch_t *b);

/* Runs fn(db, ud, err) in the next group transaction and waits for the durable outcome. */
seam_err_t seam_batch_submit(seam_batch_t *b, seam_batch_fn fn, void *ud, seam_error_t *err);
/* Same without waiting; done is always called exactly once (also when the batch is being
 * destroyed: pending work still runs). Returns SEAM_NOMEM when it could not be queued, or
 * SEAM_INVAL after seam_batch_destroy has drained the queue (then done is not called). */
seam_err_t seam_batch_submit_async(seam_batch_t *b, seam_batch_fn fn, seam_batch_done_fn done,
				   void *ud);

/* The committer's connection: lets fns recognise "this db is the batch transaction". */
const seam_db_t *seam_batch_db(const seam_batch_t *b);
/* 1 when called from the committer thread (i.e. from inside a fn). */
int seam_batch_on_committer(const seam_batch_t *b);

/* Counters since creation, for tests and the benchmark. */
typedef struct seam_batch_stats {
	unsigned long long commits;     /* transactions committed */
	unsigned long long submissions; /* fns run */
	unsigned long long failed;      /* fns that ended in an error (own or the batch's) */
	unsigned long long careful;     /* batches run again, a savepoint per fn, after one failed */
} seam_batch_stats_t;
void seam_batch_stats(seam_batch_t *b, seam_batch_stats_t *out);

#endif
