/*
 * batch.c: the group committer (see batch.h for the contract).
 *
 * One thread, one connection, one FIFO of submissions under one mutex. Every submission is a
 * heap record freed after its done callback; a synchronous caller waits on its own mutex and
 * condition variable (no thundering herd of 64 waiters per commit, and no waiter contending with
 * the submitters' mutex), signalled by that callback. The callbacks of a committed batch run on
 * a second thread, the notifier, so the committer starts the next batch while the last one's
 * callers are woken (one wake-up each is a futex call: 64 of them were a sixth of the committer's
 * time); the notifier runs them in commit order.
 *
 * Invariant: a submission is `finished` only after the transaction that ran it has committed or
 * has been rolled back; nothing is reported before its outcome is final.
 */
#include "queue/batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue_config.h"

#define SP_BEGIN "SAVEPOINT seam_batch"
#define SP_ROLLBACK "ROLLBACK TO SAVEPOINT seam_batch"
#define SP_RELEASE "RELEASE SAVEPOINT seam_batch"

typedef struct sub {
	seam_batch_fn fn;
	void *ud;
	seam_batch_done_fn done; /* NULL for synchronous submissions */
	seam_err_t rc;
	seam_error_t err;
	struct sub *next;
} sub_t;

struct seam_batch {
	seam_store_t *st;
	seam_db_t *db;
	int max;
	int rows; /* seam_db_begin_rows: no store-wide writer lock (opts.rows) */
	seam_metrics_t *metrics;
	seam_batch_commit_fn on_commit;
	void *on_commit_ud;

	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* committer waits for submissions */
	sub_t *head, *tail;
	int stop;
	int exited;
	pthread_t thread;
	int started;

	pthread_mutex_t nmu;      /* the notifier's list */
	pthread_cond_t notify_cv;
	sub_t *done_head, *done_tail;
	int notify_stop;
	pthread_t notifier;
	int notifier_started;

	seam_batch_stats_t stats; /* under mu */
};

/* Savepoint commands through the connection's statement cache (seam_db_exec would parse the
 * SQL again for every submission). */
static seam_err_t sp(seam_db_t *db, const char *sql, seam_error_t *err)
{
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK)
		return rc;
	rc = seam_stmt_step(s, err);
	seam_stmt_reset(s);
	return rc == SEAM_DONE ? SEAM_OK : rc;
}

static void fail_sub(sub_t *s, seam_err_t rc, const seam_error_t *why)
{
	s->rc = rc;
	if (why && why->msg[0])
		seam_errorf(&s->err, rc, "%s", why->msg);
	else
		seam_errorf(&s->err, rc, "%s", seam_strerror(rc));
}

/* Fails every submission in [from, to) that had succeeded so far: their work was in a
 * transaction that did not commit. */
static void fail_range(sub_t *from, sub_t *to, seam_err_t rc, const char *msg)
{
	for (sub_t *s = from; s && s != to; s = s->next) {
		if (s->rc == SEAM_OK)
			s->rc = seam_errorf(&s->err, rc, "%s", msg);
	}
}

/* The optimistic pass: every submission in one transaction without savepoints (two statements
 * and a statement journal less per submission). Returns 1 when the list is settled (committed, or
 * failed as a whole because BEGIN or COMMIT failed), 0 when a fn failed or ended the
 * transaction: then nothing of the pass is stored and the list runs again with a savepoint per
 * submission (run_list), so one bad submission costs its batch a second run, not its
 * neighbours their work. */
static int run_fast(seam_batch_t *b, sub_t *list, int *commits)
{
	seam_db_t *db = b->db;
	seam_error_t e = {0};
	seam_err_t rc = b->rows ? seam_db_begin_rows(db, &e) : seam_db_begin(db, &e);
	if (rc != SEAM_OK)
		return 0; /* the careful pass reports it */
	for (sub_t *s = list; s; s = s->next) {
		s->rc = SEAM_OK;
		seam_error_clear(&s->err);
		s->rc = s->fn(db, s->ud, &s->err);
		if (s->rc != SEAM_OK || !seam_db_in_tx(db)) {
			seam_db_rollback(db);
			return 0;
		}
	}
	rc = seam_db_commit(db, &e);
	if (rc != SEAM_OK) {
		seam_db_rollback(db);
		seam_error_prefix(&e, "group commit");
		fail_range(list, NULL, rc, e.msg);
		return 1;
	}
	(*commits)++;
	return 1;
}

/* Runs the list of submissions (linked by next, NULL-terminated) in as few transactions as
 * possible and records each one's outcome. Returns the number of transactions committed. */
static int run_list(seam_batch_t *b, sub_t *list)
{
	seam_db_t *db = b->db;
	seam_error_t e = {0};
	sub_t *tx_first = list; /* first submission of the open transaction */
	int commits = 0;
	int in_tx = 0;

	if (run_fast(b, list, &commits))
		return commits;
	pthread_mutex_lock(&b->mu);
	b->stats.careful++;
	pthread_mutex_unlock(&b->mu);

	for (sub_t *s = list; s; s = s->next) {
		s->rc = SEAM_OK;
		seam_error_clear(&s->err);
		if (!in_tx) {
			seam_err_t rc = b->rows ? seam_db_begin_rows(db, &e) : seam_db_begin(db, &e);
			if (rc != SEAM_OK) {
				seam_error_prefix(&e, "group commit: begin");
				/* Nothing can run without a transaction: fail the rest. */
				for (sub_t *r = s; r; r = r->next)
					fail_sub(r, rc, &e);
				return commits;
			}
			in_tx = 1;
			tx_first = s;
		}
		if (sp(db, SP_BEGIN, &e) != SEAM_OK) {
			fail_sub(s, e.code, &e);
			continue;
		}
		s->rc = s->fn(db, s->ud, &s->err);
		if (s->rc != SEAM_OK && s->err.msg[0] == '\0')
			seam_errorf(&s->err, s->rc, "%s", seam_strerror(s->rc));
		seam_err_t rc;
		if (s->rc != SEAM_OK) {
			rc = sp(db, SP_ROLLBACK, &e);
			if (rc == SEAM_OK)
				rc = sp(db, SP_RELEASE, &e);
		} else {
			rc = sp(db, SP_RELEASE, &e);
		}
		if (rc != SEAM_OK) {
			/* The fn ended (or replaced) the transaction: our savepoint is gone. Whatever
			 * the earlier submissions wrote went with it. */
			seam_db_rollback(db);
			in_tx = 0;
			fail_range(tx_first, s, SEAM_STORE,
				   "group commit: the transaction was ended by another submission; "
				   "nothing of this one was stored");
			s->rc = seam_errorf(&s->err, SEAM_INVAL,
					    "group commit: submission ended the shared transaction (%s)",
					    e.msg);
			continue;
		}
	}
	if (in_tx) {
		seam_err_t rc = seam_db_commit(db, &e);
		if (rc != SEAM_OK) {
			seam_db_rollback(db);
			seam_error_prefix(&e, "group commit");
			fail_range(tx_first, NULL, rc, e.msg);
		} else {
			commits++;
		}
	}
	return commits;
}

static void *committer_main(void *arg)
{
	seam_batch_t *b = arg;
	pthread_setname_np(pthread_self(), "seam-commit"); /* top -H, perf, gdb */
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->head && !b->stop)
			pthread_cond_wait(&b->work_cv, &b->mu);
		if (!b->head) {
			b->exited = 1; /* stopping and drained: later submissions are refused */
			break;
		}
		sub_t *list = b->head, *last = list;
		int n = 1;
		while (last->next && n < b->max) {
			last = last->next;
			n++;
		}
		b->head = last->next;
		if (!b->head)
			b->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&b->mu);

		int commits = run_list(b, list);
		if (commits > 0) {
			seam_metric_observe(b->metrics, SEAM_M_QUEUE_COMMIT_BATCH, NULL, n);
			if (b->on_commit)
				b->on_commit(b->on_commit_ud);
		}

		/* Stats first, so a caller woken below already sees its own batch counted. */
		unsigned long long failed = 0;
		for (sub_t *s = list; s; s = s->next)
			failed += s->rc != SEAM_OK;
		pthread_mutex_lock(&b->mu);
		b->stats.commits += (unsigned long long)commits;
		b->stats.submissions += (unsigned long long)n;
		b->stats.failed += failed;
		pthread_mutex_unlock(&b->mu);
		/* Callbacks on the notifier (they may submit again), in commit order. */
		sub_t *tail = list;
		while (tail->next)
			tail = tail->next;
		pthread_mutex_lock(&b->nmu);
		if (b->done_tail)
			b->done_tail->next = list;
		else
			b->done_head = list;
		b->done_tail = tail;
		pthread_cond_signal(&b->notify_cv);
		pthread_mutex_unlock(&b->nmu);
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

static void *notifier_main(void *arg)
{
	seam_batch_t *b = arg;
	pthread_setname_np(pthread_self(), "seam-notify");
	pthread_mutex_lock(&b->nmu);
	for (;;) {
		while (!b->done_head && !b->notify_stop)
			pthread_cond_wait(&b->notify_cv, &b->nmu);
		sub_t *list = b->done_head;
		if (!list)
			break; /* stopping, and every callback ran */
		b->done_head = b->done_tail = NULL;
		pthread_mutex_unlock(&b->nmu);
		for (sub_t *s = list, *next; s; s = next) {
			next = s->next;
			s->done(s->ud, s->rc, &s->err);
			free(s);
		}
		pthread_mutex_lock(&b->nmu);
	}
	pthread_mutex_unlock(&b->nmu);
	return NULL;
}

seam_err_t seam_batch_create(seam_store_t *st, const seam_batch_opts_t *opts, seam_batch_t **out,
			     seam_error_t *err)
{
	seam_batch_t *b = NULL;
	seam_err_t rc = SEAM_ERR;
	*out = NULL;
	if (!st)
		return seam_errorf(err, SEAM_INVAL, "group commit: no store");
	b = calloc(1, sizeof *b);
	if (!b)
		return seam_errorf(err, SEAM_NOMEM, "group commit: out of memory");
	b->st = st;
	b->rows = opts && opts->rows;
	if (opts && opts->max > 0) {
		b->max = opts->max;
	} else { /* queue.batch_max's default, from its one row */
		seam_queue_config_t def;
		seam_queue_config_defaults(&def);
		b->max = (int)def.batch_max;
	}
	if (opts) {
		b->metrics = opts->metrics;
		b->on_commit = opts->on_commit;
		b->on_commit_ud = opts->on_commit_ud;
	}
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->work_cv, NULL);
	pthread_mutex_init(&b->nmu, NULL);
	pthread_cond_init(&b->notify_cv, NULL);
	b->db = seam_store_acquire(st);
	if (!b->db) {
		rc = seam_errorf(err, SEAM_STORE, "group commit: no store connection");
		goto out;
	}
	if (pthread_create(&b->notifier, NULL, notifier_main, b) != 0) {
		rc = seam_errorf(err, SEAM_ERR, "group commit: cannot start the notifier thread");
		goto out;
	}
	b->notifier_started = 1;
	if (pthread_create(&b->thread, NULL, committer_main, b) != 0) {
		rc = seam_errorf(err, SEAM_ERR, "group commit: cannot start the committer thread");
		goto out;
	}
	b->started = 1;
	*out = b;
	b = NULL;
	rc = SEAM_OK;
out:
	seam_batch_destroy(b);
	return rc;
}

void seam_batch_destroy(seam_batch_t *b)
{
	if (!b)
		return;
	if (b->started) {
		pthread_mutex_lock(&b->mu);
		b->stop = 1;
		pthread_cond_signal(&b->work_cv);
		pthread_mutex_unlock(&b->mu);
		pthread_join(b->thread, NULL);
	}
	if (b->notifier_started) { /* after the committer: every outcome it handed over is told */
		pthread_mutex_lock(&b->nmu);
		b->notify_stop = 1;
		pthread_cond_signal(&b->notify_cv);
		pthread_mutex_unlock(&b->nmu);
		pthread_join(b->notifier, NULL);
	}
	if (b->db)
		seam_store_release(b->st, b->db);
	pthread_cond_destroy(&b->work_cv);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->notify_cv);
	pthread_mutex_destroy(&b->nmu);
	free(b);
}

static void push(seam_batch_t *b, sub_t *s)
{
	s->next = NULL;
	if (b->tail)
		b->tail->next = s;
	else
		b->head = s;
	b->tail = s;
	pthread_cond_signal(&b->work_cv);
}

/* A synchronous submission is an async one whose done callback copies the outcome to the
 * waiting caller's stack, marks it finished and signals that caller's own condition. */
typedef struct sync_wait {
	seam_batch_t *b;
	seam_batch_fn fn;
	void *ud;
	seam_err_t rc;
	seam_error_t err;
	int finished;
	pthread_mutex_t mu; /* one per waiter, with cv: a commit wakes only the callers it */
	pthread_cond_t cv;  /* finished, and they do not queue on the submitters' mutex */
} sync_wait_t;

static seam_err_t sync_fn(seam_db_t *db, void *ud, seam_error_t *err)
{
	sync_wait_t *w = ud;
	return w->fn(db, w->ud, err);
}

static void sync_done(void *ud, seam_err_t rc, const seam_error_t *err)
{
	sync_wait_t *w = ud;
	pthread_mutex_lock(&w->mu);
	w->rc = rc;
	if (err)
		w->err = *err;
	w->finished = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

seam_err_t seam_batch_submit(seam_batch_t *b, seam_batch_fn fn, void *ud, seam_error_t *err)
{
	if (!b || !fn)
		return seam_errorf(err, SEAM_INVAL, "group commit: no batch or fn");
	if (seam_batch_on_committer(b))
		return seam_errorf(err, SEAM_INVAL,
				   "group commit: submit called from inside a submission (would deadlock)");
	sync_wait_t w = {.b = b, .fn = fn, .ud = ud, .rc = SEAM_ERR};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	seam_err_t rc = seam_batch_submit_async(b, sync_fn, sync_done, &w);
	if (rc != SEAM_OK) {
		pthread_cond_destroy(&w.cv);
		pthread_mutex_destroy(&w.mu);
		return seam_errorf(err, rc, "group commit: cannot queue the submission");
	}
	pthread_mutex_lock(&w.mu);
	while (!w.finished)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	if (w.rc != SEAM_OK) {
		if (err)
			*err = w.err;
		return w.rc;
	}
	return SEAM_OK;
}

seam_err_t seam_batch_submit_async(seam_batch_t *b, seam_batch_fn fn, seam_batch_done_fn done,
				   void *ud)
{
	if (!b || !fn || !done)
		return SEAM_INVAL;
	sub_t *s = calloc(1, sizeof *s);
	if (!s)
		return SEAM_NOMEM;
	s->fn = fn;
	s->ud = ud;
	s->done = done;
	pthread_mutex_lock(&b->mu);
	if (b->exited) {
		pthread_mutex_unlock(&b->mu);
		free(s);
		return SEAM_INVAL;
	}
	push(b, s);
	pthread_mutex_unlock(&b->mu);
	return SEAM_OK;
}

const seam_db_t *seam_batch_db(const seam_batch_t *b)
{
	return b ? b->db : NULL;
}

int seam_batch_on_committer(const seam_batch_t *b)
{
	return b && b->started && pthread_equal(pthread_self(), b->thread);
}

void seam_batch_stats(seam_batch_t *b, seam_batch_stats_t *out)
{
	memset(out, 0, sizeof *out);
	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	*out = b->stats;
	pthread_mutex_unlock(&b->mu);
}
