/* test_batch.c: the group committer. 64 threads committing concurrently get exactly their own
 * results and exactly their own rows (a failing submission rolls back only itself); work is
 * grouped into fewer transactions than submissions; a submission that ends the shared
 * transaction, a held write lock, a failing COMMIT and a disk that fails in the middle of a
 * commit (injected I/O errors under SQLite) leave nothing half-done; reentrant
 * submits are refused; async submissions are finished on destroy. */
#include "tests/unit/queue/qtest.h"

#include <pthread.h>

#include "queue/batch.h"
#include "tests/support/th_assert.h"
#include "tests/support/th_fault.h"

static void make_table(seam_store_t *st)
{
	qt_exec(st, "CREATE TABLE t (id TEXT PRIMARY KEY, who INTEGER NOT NULL, seq INTEGER NOT NULL)");
}

typedef struct row_arg {
	int who, seq;
	int fail; /* insert, then fail: the insert must vanish */
} row_arg_t;

static seam_err_t insert_row(seam_db_t *db, void *ud, seam_error_t *err)
{
	row_arg_t *a = ud;
	char id[32];
	seam_stmt_t *s;
	snprintf(id, sizeof id, "%d-%d", a->who, a->seq);
	seam_err_t rc = seam_db_prepare(db, "INSERT INTO t (id, who, seq) VALUES ($1, $2, $3)", &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, id);
	seam_stmt_bind_int64(s, 2, a->who);
	seam_stmt_bind_int64(s, 3, a->seq);
	rc = seam_stmt_step(s, err);
	seam_stmt_reset(s);
	if (rc != SEAM_DONE)
		return rc;
	if (a->fail)
		return seam_errorf(err, SEAM_CONFLICT, "refused %d-%d", a->who, a->seq);
	return SEAM_OK;
}

enum { THREADS = 64, PER = 20 };

typedef struct thr {
	seam_batch_t *b;
	int who;
	int ok, failed, wrong;
} thr_t;

static void *producer(void *arg)
{
	thr_t *t = arg;
	for (int i = 0; i < PER; i++) {
		row_arg_t a = {.who = t->who, .seq = i, .fail = (t->who * PER + i) % 7 == 0};
		seam_error_t e = {0};
		seam_err_t rc = seam_batch_submit(t->b, insert_row, &a, &e);
		char want[64];
		snprintf(want, sizeof want, "refused %d-%d", t->who, i);
		if (a.fail) {
			t->failed++;
			if (rc != SEAM_CONFLICT || strcmp(e.msg, want) != 0)
				t->wrong++;
		} else {
			t->ok++;
			if (rc != SEAM_OK)
				t->wrong++;
		}
	}
	return NULL;
}

static void test_group_commit_64_threads(void **state)
{
	qt_env_t env;
	seam_batch_t *b = NULL;
	seam_error_t e = {0};
	pthread_t th[THREADS];
	thr_t t[THREADS];
	(void)state;
	qt_open(&env);
	make_table(env.st);
	assert_int_equal(seam_batch_create(env.st, NULL, &b, &e), SEAM_OK);
	for (int i = 0; i < THREADS; i++) {
		t[i] = (thr_t){.b = b, .who = i};
		assert_int_equal(pthread_create(&th[i], NULL, producer, &t[i]), 0);
	}
	int ok = 0, failed = 0, wrong = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ok += t[i].ok;
		failed += t[i].failed;
		wrong += t[i].wrong;
	}
	assert_int_equal(wrong, 0);
	assert_int_equal(ok + failed, THREADS * PER);
	/* Exactly the successful rows, each once, and none of the failed ones. */
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM t", NULL), ok);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM t WHERE (who * 20 + seq) % 7 = 0", NULL), 0);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(DISTINCT id) FROM t", NULL), ok);
	seam_batch_stats_t bs;
	seam_batch_stats(b, &bs);
	assert_int_equal(bs.submissions, THREADS * PER);
	assert_int_equal(bs.failed, failed);
	/* every batch holding a failing fn ran again with savepoints; the others did not */
	TH_ASSERT_CMP(bs.careful, >=, 1);
	TH_ASSERT_CMP(bs.careful, <=, (unsigned long long)failed);
	print_message("group commit: %llu submissions in %llu commits (%.1f per commit), %llu run "
		      "again with savepoints\n", bs.submissions, bs.commits,
		      (double)bs.submissions / (double)bs.commits, bs.careful);
	/* Grouping happened. How much depends on the machine (under ThreadSanitizer on a loaded
	 * 2-core VM 1.9 per commit was seen, 20+ on a quiet one): the exact grouping is asserted
	 * with the gate below (submissions held back share one transaction), here only that 64
	 * producers shared commits at all. */
	TH_ASSERT_CMP(bs.commits, <, bs.submissions);
	seam_batch_destroy(b);
	qt_close(&env);
}

/* --- a gate to force several submissions into one batch ----------------------------------- */

typedef struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int open, entered;
} gate_t;

static seam_err_t wait_gate(seam_db_t *db, void *ud, seam_error_t *err)
{
	gate_t *g = ud;
	(void)db;
	(void)err;
	pthread_mutex_lock(&g->mu);
	g->entered = 1;
	pthread_cond_broadcast(&g->cv);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	return SEAM_OK;
}

typedef struct result {
	pthread_mutex_t mu;
	int done;
	seam_err_t rc;
	char msg[SEAM_ERROR_MSG_MAX];
} result_t;

static void record(void *ud, seam_err_t rc, const seam_error_t *err)
{
	result_t *r = ud;
	pthread_mutex_lock(&r->mu);
	r->done++;
	r->rc = rc;
	snprintf(r->msg, sizeof r->msg, "%s", err ? err->msg : "");
	pthread_mutex_unlock(&r->mu);
}

typedef struct pair {
	row_arg_t row;
	result_t res;
} pair_t;

static void gate_done(void *ud, seam_err_t rc, const seam_error_t *err)
{
	(void)ud;
	(void)rc;
	(void)err;
}

/* Holds the committer in a first batch while the test queues the submissions that must share
 * the second one. */
static void hold(seam_batch_t *b, gate_t *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->open = g->entered = 0;
	assert_int_equal(seam_batch_submit_async(b, wait_gate, gate_done, g), SEAM_OK);
	pthread_mutex_lock(&g->mu);
	while (!g->entered)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

static void release_gate(gate_t *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void wait_done(result_t *r, int n)
{
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&r->mu);
		int d = r->done;
		pthread_mutex_unlock(&r->mu);
		if (d >= n)
			return;
		seam_sleep_ms(10);
	}
	fail_msg("async submission never finished");
}

static seam_err_t insert_pair(seam_db_t *db, void *ud, seam_error_t *err)
{
	return insert_row(db, &((pair_t *)ud)->row, err);
}

static void record_pair(void *ud, seam_err_t rc, const seam_error_t *err)
{
	record(&((pair_t *)ud)->res, rc, err);
}

static seam_err_t rogue_rollback(seam_db_t *db, void *ud, seam_error_t *err)
{
	(void)ud;
	return seam_db_exec(db, "ROLLBACK", err) == SEAM_OK ? SEAM_OK : SEAM_STORE;
}

static void init_pair(pair_t *p, int who)
{
	memset(p, 0, sizeof *p);
	p->row.who = who;
	p->row.seq = who;
	pthread_mutex_init(&p->res.mu, NULL);
	p->res.rc = SEAM_ERR;
}

/* A submission that ROLLBACKs the shared transaction: the ones before it lost their work and are
 * told so, it gets SEAM_INVAL, the ones after it run in a fresh transaction and commit. */
static void test_rogue_rollback_isolated(void **state)
{
	qt_env_t env;
	seam_batch_t *b = NULL;
	seam_error_t e = {0};
	gate_t g;
	pair_t before, rogue, after;
	(void)state;
	qt_open(&env);
	make_table(env.st);
	init_pair(&before, 1);
	init_pair(&rogue, 2);
	init_pair(&after, 3);
	assert_int_equal(seam_batch_create(env.st, NULL, &b, &e), SEAM_OK);

	hold(b, &g);
	assert_int_equal(seam_batch_submit_async(b, insert_pair, record_pair, &before), SEAM_OK);
	assert_int_equal(seam_batch_submit_async(b, rogue_rollback, record_pair, &rogue), SEAM_OK);
	assert_int_equal(seam_batch_submit_async(b, insert_pair, record_pair, &after), SEAM_OK);
	release_gate(&g);
	seam_batch_destroy(b); /* runs what is pending, then stops */

	assert_int_equal(before.res.done, 1);
	assert_int_equal(rogue.res.done, 1);
	assert_int_equal(after.res.done, 1);
	assert_int_equal(before.res.rc, SEAM_STORE);
	assert_non_null(strstr(before.res.msg, "ended by another submission"));
	assert_int_equal(rogue.res.rc, SEAM_INVAL);
	assert_int_equal(after.res.rc, SEAM_OK);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM t WHERE who = 1", NULL), 0);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM t WHERE who = 3", NULL), 1);
	qt_close(&env);
}

/* COMMIT itself fails (a deferred foreign key is checked only there): every submission of the
 * batch is told, and none of their rows exist. */
static seam_err_t orphan_child(seam_db_t *db, void *ud, seam_error_t *err)
{
	(void)ud;
	return seam_db_exec(db, "INSERT INTO child (id, parent) VALUES ('c1', 'missing')", err);
}

static void test_commit_failure_fails_whole_batch(void **state)
{
	qt_env_t env;
	seam_batch_t *b = NULL;
	seam_error_t e = {0};
	gate_t g;
	pair_t one, orphan, two;
	(void)state;
	qt_open(&env);
	make_table(env.st);
	qt_exec(env.st, "CREATE TABLE parent (id TEXT PRIMARY KEY)");
	qt_exec(env.st, "CREATE TABLE child (id TEXT PRIMARY KEY, parent TEXT REFERENCES parent (id) "
			"DEFERRABLE INITIALLY DEFERRED)");
	init_pair(&one, 1);
	init_pair(&orphan, 2);
	init_pair(&two, 3);
	assert_int_equal(seam_batch_create(env.st, NULL, &b, &e), SEAM_OK);
	hold(b, &g);
	assert_int_equal(seam_batch_submit_async(b, insert_pair, record_pair, &one), SEAM_OK);
	assert_int_equal(seam_batch_submit_async(b, orphan_child, record_pair, &orphan), SEAM_OK);
	assert_int_equal(seam_batch_submit_async(b, insert_pair, record_pair, &two), SEAM_OK);
	release_gate(&g);
	wait_done(&two.res, 1);
	assert_int_not_equal(one.res.rc, SEAM_OK);
	assert_int_not_equal(orphan.res.rc, SEAM_OK);
	assert_int_not_equal(two.res.rc, SEAM_OK);
	assert_non_null(strstr(two.res.msg, "group commit"));
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM t", NULL), 0);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM child", NULL), 0);
	/* The committer recovers: the next submission commits. */
	row_arg_t a = {.who = 9, .seq = 9};
	assert_int_equal(seam_batch_submit(b, insert_row, &a, &e), SEAM_OK);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM t", NULL), 1);
	seam_batch_destroy(b);
	qt_close(&env);
}

/* The disk fails in the middle of a group commit: the WAL takes some of the batch's pages, then
 * a write fails (SQLITE_IOERR_WRITE under the store). Every submission of that batch is told
 * SEAM_IO (none is acknowledged), no row of theirs exists, from another connection nor after
 * the store is reopened (WAL recovery must not find a half-written commit), the file is intact,
 * and the next batch commits. */
static seam_err_t insert_wide(seam_db_t *db, void *ud, seam_error_t *err)
{
	pair_t *p = ud;
	char pad[1500];
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	const char *params[] = {NULL, pad};
	char id[16];
	snprintf(id, sizeof id, "%d", p->row.who);
	params[0] = id;
	return seam_db_run(db, "INSERT INTO wide (id, pad) VALUES ($1, $2)", params, 2, NULL, err);
}

static void test_io_error_mid_commit(void **state)
{
	qt_env_t env;
	seam_batch_t *b = NULL;
	seam_error_t e = {0};
	gate_t g;
	enum { N = 120 };
	pair_t *p = calloc(N + 1, sizeof *p);
	(void)state;
	qt_sqlite_only();
	th_fault_install();
	qt_open(&env);
	qt_exec(env.st, "CREATE TABLE wide (id TEXT PRIMARY KEY, pad TEXT NOT NULL)");
	assert_int_equal(seam_batch_create(env.st, NULL, &b, &e), SEAM_OK);
	hold(b, &g); /* writes nothing: its commit does not touch the WAL */
	for (int i = 0; i < N; i++) {
		init_pair(&p[i], i);
		assert_int_equal(seam_batch_submit_async(b, insert_wide, record_pair, &p[i]), SEAM_OK);
	}
	/* 120 rows of 1.5 KB are some 45 pages, which the store writes to the WAL in 64 KB pieces
	 * (src/store/sqlite/walbuf.c): let the first piece reach the WAL, fail the second. */
	th_fault_wal_writes(env.dir, 1, 1);
	release_gate(&g);
	for (int i = 0; i < N; i++)
		wait_done(&p[i].res, 1);
	assert_int_equal(th_fault_hits(), 1);
	for (int i = 0; i < N; i++) {
		assert_int_equal(p[i].res.rc, SEAM_IO);
		assert_non_null(strstr(p[i].res.msg, "group commit"));
	}
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM wide", NULL), 0);
	/* The committer recovers: the next batch commits (the fault was used up). */
	init_pair(&p[N], 1000);
	assert_int_equal(seam_batch_submit(b, insert_wide, &p[N], &e), SEAM_OK);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM wide", NULL), 1);
	seam_batch_destroy(b);
	th_fault_off();
	/* Reopened (the WAL is read again from the file): still only the last row, and intact. */
	seam_store_close(env.st);
	env.st = qt_open_url(env.url, 5000);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM wide", NULL), 1);
	char ok[16];
	assert_string_equal(qt_text(env.st, "PRAGMA integrity_check", NULL, ok, sizeof ok), "ok");
	qt_close(&env);
	free(p);
}

/* Another connection holds the write lock past the busy timeout: BEGIN fails, the caller gets
 * SEAM_BUSY and nothing is stored; once the lock is gone the same work commits. */
static void test_locked_store(void **state)
{
	char dir[64], url[160];
	seam_batch_t *b = NULL;
	seam_error_t e = {0};
	(void)state;
	th_tmpdir(dir);
	snprintf(url, sizeof url, "sqlite://%s/seam.db", dir);
	seam_store_t *st = qt_open_url(url, 150);
	make_table(st);
	assert_int_equal(seam_batch_create(st, NULL, &b, &e), SEAM_OK);
	seam_db_t *locker = seam_store_acquire(st);
	assert_int_equal(seam_db_begin(locker, &e), SEAM_OK);
	row_arg_t a = {.who = 5, .seq = 5};
	seam_err_t rc = seam_batch_submit(b, insert_row, &a, &e);
	assert_int_equal(rc, SEAM_BUSY);
	assert_non_null(strstr(e.msg, "begin"));
	seam_db_rollback(locker);
	seam_store_release(st, locker);
	assert_int_equal(qt_int(st, "SELECT COUNT(*) FROM t", NULL), 0);
	assert_int_equal(seam_batch_submit(b, insert_row, &a, &e), SEAM_OK);
	assert_int_equal(qt_int(st, "SELECT COUNT(*) FROM t", NULL), 1);
	seam_batch_destroy(b);
	seam_store_close(st);
	th_rmrf(dir);
}

static seam_err_t reenter(seam_db_t *db, void *ud, seam_error_t *err)
{
	seam_batch_t *b = ud;
	row_arg_t a = {.who = 7, .seq = 7};
	(void)db;
	return seam_batch_submit(b, insert_row, &a, err);
}

static void test_reentrant_submit_refused(void **state)
{
	qt_env_t env;
	seam_batch_t *b = NULL;
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	make_table(env.st);
	assert_int_equal(seam_batch_create(env.st, NULL, &b, &e), SEAM_OK);
	assert_int_equal(seam_batch_submit(b, reenter, b, &e), SEAM_INVAL);
	assert_non_null(strstr(e.msg, "deadlock"));
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM t", NULL), 0);
	seam_batch_destroy(b);
	qt_close(&env);
}

/* Async submissions queued right before destroy all run and report exactly once. */
static void test_destroy_drains_async(void **state)
{
	qt_env_t env;
	seam_batch_t *b = NULL;
	seam_error_t e = {0};
	enum { N = 300 };
	pair_t *p = calloc(N, sizeof *p);
	(void)state;
	qt_open(&env);
	make_table(env.st);
	assert_int_equal(seam_batch_create(env.st, &(seam_batch_opts_t){.max = 16}, &b, &e), SEAM_OK);
	for (int i = 0; i < N; i++) {
		init_pair(&p[i], 100 + i);
		assert_int_equal(seam_batch_submit_async(b, insert_pair, record_pair, &p[i]), SEAM_OK);
	}
	seam_batch_destroy(b);
	for (int i = 0; i < N; i++) {
		assert_int_equal(p[i].res.done, 1);
		assert_int_equal(p[i].res.rc, SEAM_OK);
	}
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM t", NULL), N);
	free(p);
	qt_close(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_commit_64_threads),
		cmocka_unit_test(test_rogue_rollback_isolated),
		cmocka_unit_test(test_commit_failure_fails_whole_batch),
		cmocka_unit_test(test_locked_store),
		cmocka_unit_test(test_io_error_mid_commit),
		cmocka_unit_test(test_reentrant_submit_refused),
		cmocka_unit_test(test_destroy_drains_async),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
