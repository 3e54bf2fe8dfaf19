/*
 * test_sqlite.c: the SQLite engine (src/store/sqlite/sqlite.c) through store.h: $N parameters
 * (repeated, out of order), NULLs, error mapping, transactions and what release does with an
 * open one, the statement cache, the pool (blocking when exhausted), concurrent writers, lock
 * timeouts, durability pragmas and the shared in-memory database.
 *
 * File databases live in a mkdtemp directory under /tmp, removed by the teardown. Threads never
 * call cmocka; they record results that the main thread asserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"
#include "store/store.h"
#include "tests/support/th_assert.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct fixture {
	char dir[64];
	char path[128];
	char url[160];
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/seam-sqlite-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/seam.db", f->dir);
	snprintf(f->url, sizeof f->url, "sqlite://%s", f->path);
	*state = f;
	return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static seam_store_t *open_store(const char *url, int pool, int busy_ms)
{
	seam_store_opts_t o = {.pool_size = pool, .busy_timeout_ms = busy_ms};
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	seam_err_t rc = seam_store_open(url, &o, &st, &err);
	if (rc != SEAM_OK)
		fail_msg("open %s: %s", url, err.msg);
	return st;
}

static void exec_ok(seam_db_t *db, const char *sql)
{
	seam_error_t err = {0};
	if (seam_db_exec(db, sql, &err) != SEAM_OK)
		fail_msg("exec %s: %s", sql, err.msg);
}

static int64_t count_rows(seam_db_t *db, const char *table)
{
	char sql[128];
	seam_error_t err = {0};
	seam_stmt_t *s = NULL;
	int64_t n;
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
	if (seam_db_prepare(db, sql, &s, &err) != SEAM_OK || seam_stmt_step(s, &err) != SEAM_ROW)
		fail_msg("%s: %s", sql, err.msg);
	n = seam_stmt_column_int64(s, 0);
	seam_stmt_reset(s);
	return n;
}

/* Runs a one-row query and returns column 0 as text (static buffer; "(null)" for NULL). */
static const char *one_text(seam_stmt_t *s)
{
	static char buf[256];
	seam_error_t err = {0};
	seam_err_t rc = seam_stmt_step(s, &err);
	if (rc != SEAM_ROW)
		fail_msg("step: %s: %s", seam_errname(rc), err.msg);
	snprintf(buf, sizeof buf, "%s", seam_stmt_column_text(s, 0) ? seam_stmt_column_text(s, 0)
								       : "(null)");
	seam_stmt_reset(s);
	return buf;
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* ---- parameters and values --------------------------------------------------------------------- */

static void test_numbered_params(void **state)
{
	(void)state;
	seam_store_t *st = open_store("sqlite::memory:", 1, 0);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	seam_stmt_t *s = NULL;

	/* out of order: $2 appears first */
	assert_int_equal(seam_db_prepare(db, "SELECT $2 || '-' || $1", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 1, "one"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 2, "two"), SEAM_OK);
	assert_string_equal(one_text(s), "two-one");

	/* repeated: $1 twice is one value */
	assert_int_equal(seam_db_prepare(db, "SELECT $1 || '/' || $2 || '/' || $1", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 1, "a"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 2, "b"), SEAM_OK);
	assert_string_equal(one_text(s), "a/b/a");

	/* into a table, columns in another order than the parameters */
	exec_ok(db, "CREATE TABLE t (a TEXT, b BIGINT, c DOUBLE PRECISION)");
	assert_int_equal(seam_db_prepare(db, "INSERT INTO t (c, a, b) VALUES ($3, $1, $2)", &s, &err),
			 SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 1, "x"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_int64(s, 2, INT64_MAX), SEAM_OK);
	assert_int_equal(seam_stmt_bind_double(s, 3, 2.5), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	assert_int_equal(seam_stmt_changes(s), 1);
	assert_int_equal(seam_db_prepare(db, "SELECT a, b, c FROM t WHERE b = $1 AND a = $2", &s, &err),
			 SEAM_OK);
	assert_int_equal(seam_stmt_bind_int64(s, 1, INT64_MAX), SEAM_OK);
	assert_int_equal(seam_stmt_bind_textn(s, 2, "xyz", 1), SEAM_OK); /* only "x" */
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_count(s), 3);
	assert_string_equal(seam_stmt_column_text(s, 0), "x");
	assert_int_equal(seam_stmt_column_bytes(s, 0), 1);
	assert_int_equal(seam_stmt_column_int64(s, 1), INT64_MAX);
	TH_ASSERT_CMP(seam_stmt_column_double(s, 2), ==, 2.5);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);

	/* indexes that the statement does not have */
	assert_int_equal(seam_db_prepare(db, "SELECT $1, $3", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 2, "gap"), SEAM_INVAL);
	assert_int_equal(seam_stmt_bind_int64(s, 0, 1), SEAM_INVAL);
	assert_int_equal(seam_stmt_bind_null(s, 4), SEAM_INVAL);
	assert_int_equal(seam_stmt_bind_double(s, 3, 1.0), SEAM_OK);
	assert_int_equal(seam_db_prepare(db, "SELECT 1", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 1, "none"), SEAM_INVAL);

	/* engine-only parameter spellings are refused: they would not run on PostgreSQL */
	const char *bad[] = {"SELECT ?", "SELECT ?1", "SELECT :name", "SELECT @p", "SELECT $x",
			     "SELECT $0"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = (seam_stmt_t *)0x1;
		assert_int_equal(seam_db_prepare(db, bad[i], &s, &err), SEAM_INVAL);
		assert_null(s);
		assert_non_null(strstr(err.msg, "$1, $2"));
	}
	seam_store_release(st, db);
	seam_store_close(st);
}

static void test_nulls(void **state)
{
	(void)state;
	seam_store_t *st = open_store("sqlite::memory:", 1, 0);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	seam_stmt_t *s = NULL;

	exec_ok(db, "CREATE TABLE t (id TEXT PRIMARY KEY, a TEXT, b BIGINT, c DOUBLE PRECISION)");
	assert_int_equal(seam_db_prepare(db, "INSERT INTO t (id, a, b, c) VALUES ($1, $2, $3, $4)", &s,
					 &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 1, "nulls"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 2, NULL), SEAM_OK);
	assert_int_equal(seam_stmt_bind_null(s, 3), SEAM_OK);
	assert_int_equal(seam_stmt_bind_textn(s, 4, NULL, 5), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	seam_stmt_reset(s);
	assert_int_equal(seam_stmt_bind_text(s, 1, "empty"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 2, ""), SEAM_OK);
	assert_int_equal(seam_stmt_bind_int64(s, 3, 0), SEAM_OK);
	assert_int_equal(seam_stmt_bind_double(s, 4, 0.0), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	/* reset clears bindings: an unbound parameter is NULL */
	seam_stmt_reset(s);
	assert_int_equal(seam_stmt_bind_text(s, 1, "unbound"), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);

	assert_int_equal(seam_db_prepare(db, "SELECT id, a, b, c FROM t ORDER BY id", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_string_equal(seam_stmt_column_text(s, 0), "empty");
	assert_non_null(seam_stmt_column_text(s, 1)); /* "" is not NULL */
	assert_string_equal(seam_stmt_column_text(s, 1), "");
	for (int c = 1; c <= 3; c++)
		assert_false(seam_stmt_column_is_null(s, c));
	for (int row = 0; row < 2; row++) {
		assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
		assert_string_equal(seam_stmt_column_text(s, 0), row == 0 ? "nulls" : "unbound");
		for (int c = 1; c <= 3; c++)
			assert_true(seam_stmt_column_is_null(s, c));
		assert_null(seam_stmt_column_text(s, 1));
		assert_int_equal(seam_stmt_column_bytes(s, 1), 0);
		assert_int_equal(seam_stmt_column_int64(s, 2), 0);
		TH_ASSERT_CMP(seam_stmt_column_double(s, 3), ==, 0.0);
	}
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	seam_store_release(st, db);
	seam_store_close(st);
}

/* ---- errors ------------------------------------------------------------------------------------- */

static void test_error_mapping(void **state)
{
	fixture_t *f = *state;
	seam_store_t *st = open_store(f->url, 1, 0);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	seam_stmt_t *s = NULL;

	exec_ok(db, "CREATE TABLE parent (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
		    "CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES parent(id))");
	assert_int_equal(seam_db_prepare(db, "INSERT INTO parent (id, name) VALUES ($1, $2)", &s, &err),
			 SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 1, "p1"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 2, "alpha"), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);

	/* unique violation -> CONFLICT, message names the column and the file */
	seam_stmt_reset(s);
	assert_int_equal(seam_stmt_bind_text(s, 1, "p2"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 2, "alpha"), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_CONFLICT);
	assert_int_equal(err.code, SEAM_CONFLICT);
	assert_non_null(strstr(err.msg, "UNIQUE constraint failed: parent.name"));
	assert_non_null(strstr(err.msg, f->path));
	/* the statement was reset by the error: rebind and it runs */
	assert_int_equal(seam_stmt_bind_text(s, 2, "beta"), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);

	/* primary key violation -> CONFLICT */
	seam_stmt_reset(s);
	assert_int_equal(seam_stmt_bind_text(s, 1, "p1"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 2, "gamma"), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_CONFLICT);
	assert_non_null(strstr(err.msg, "parent.id"));

	/* other constraints are not conflicts: NOT NULL, and foreign keys (which are on) */
	seam_stmt_reset(s);
	assert_int_equal(seam_stmt_bind_text(s, 1, "p9"), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_STORE);
	assert_non_null(strstr(err.msg, "NOT NULL"));
	assert_int_equal(seam_db_exec(db, "INSERT INTO child (id, parent_id) VALUES ('c1', 'nobody')", &err),
			 SEAM_STORE);
	assert_non_null(strstr(err.msg, "FOREIGN KEY"));
	assert_int_equal(count_rows(db, "child"), 0);

	/* SQL errors */
	s = (seam_stmt_t *)0x1;
	assert_int_equal(seam_db_prepare(db, "SELEKT 1", &s, &err), SEAM_STORE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "SELEKT"));
	assert_int_equal(seam_db_prepare(db, "SELECT 1; SELECT 2", &s, &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "more than one statement"));
	assert_int_equal(seam_db_prepare(db, "SELECT 1; -- trailing comment\n", &s, &err), SEAM_OK);
	assert_int_equal(seam_db_prepare(db, "  -- nothing\n", &s, &err), SEAM_INVAL);
	assert_int_equal(seam_db_exec(db, "CREATE TABLE x (a TEXT); INSERT INTO nope VALUES (1)", &err),
			 SEAM_STORE);
	assert_non_null(strstr(err.msg, "no such table: nope"));
	assert_int_equal(count_rows(db, "x"), 0); /* exec ran the first statement */

	seam_store_release(st, db);
	seam_store_close(st);
}

static void test_busy_timeout(void **state)
{
	fixture_t *f = *state;
	seam_store_t *st = open_store(f->url, 2, 100);
	seam_db_t *a = seam_store_acquire(st), *b = seam_store_acquire(st);
	seam_error_t err = {0};
	struct timespec t0;
	double ms;

	exec_ok(a, "CREATE TABLE t (v BIGINT)");
	assert_int_equal(seam_db_begin(a, &err), SEAM_OK);
	exec_ok(a, "INSERT INTO t (v) VALUES (1)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(seam_db_begin(b, &err), SEAM_BUSY);
	ms = ms_since(&t0);
	TH_ASSERT_CMP(ms, >=, 90);
	TH_ASSERT_CMP(ms, <, 3000);
	assert_non_null(strstr(err.msg, "database is locked"));
	assert_false(seam_db_in_tx(b));
	/* readers are not blocked by the writer (WAL) and see the last commit only */
	assert_int_equal(count_rows(b, "t"), 0);
	assert_int_equal(seam_db_commit(a, &err), SEAM_OK);
	assert_int_equal(seam_db_begin(b, &err), SEAM_OK);
	assert_int_equal(count_rows(b, "t"), 1);
	assert_int_equal(seam_db_commit(b, &err), SEAM_OK);
	seam_store_release(st, b);
	seam_store_release(st, a);
	seam_store_close(st);
}

/* ---- transactions --------------------------------------------------------------------------------- */

static void test_transactions(void **state)
{
	fixture_t *f = *state;
	seam_store_t *st = open_store(f->url, 2, 0);
	seam_db_t *a = seam_store_acquire(st), *b = seam_store_acquire(st);
	seam_error_t err = {0};

	exec_ok(a, "CREATE TABLE t (v BIGINT)");
	assert_false(seam_db_in_tx(a));
	assert_int_equal(seam_db_rollback(a), SEAM_OK); /* no transaction: a no-op */
	assert_int_equal(seam_db_commit(a, &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "no transaction"));

	/* rollback really discards */
	assert_int_equal(seam_db_begin(a, &err), SEAM_OK);
	assert_true(seam_db_in_tx(a));
	assert_int_equal(seam_db_begin(a, &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "already open"));
	exec_ok(a, "INSERT INTO t (v) VALUES (1); INSERT INTO t (v) VALUES (2)");
	assert_int_equal(count_rows(a, "t"), 2); /* the transaction sees its own writes */
	assert_int_equal(count_rows(b, "t"), 0); /* nobody else does */
	assert_int_equal(seam_db_rollback(a), SEAM_OK);
	assert_false(seam_db_in_tx(a));
	assert_int_equal(count_rows(a, "t"), 0);
	assert_int_equal(count_rows(b, "t"), 0);

	/* commit keeps, and is visible to other connections */
	assert_int_equal(seam_db_begin(a, &err), SEAM_OK);
	exec_ok(a, "INSERT INTO t (v) VALUES (3)");
	assert_int_equal(seam_db_commit(a, &err), SEAM_OK);
	assert_false(seam_db_in_tx(a));
	assert_int_equal(count_rows(b, "t"), 1);
	seam_store_release(st, b);
	seam_store_release(st, a);
	seam_store_close(st);

	/* and survives reopening the file */
	st = open_store(f->url, 1, 0);
	a = seam_store_acquire(st);
	assert_int_equal(count_rows(a, "t"), 1);
	seam_store_release(st, a);
	seam_store_close(st);
}

static void test_release_rolls_back(void **state)
{
	fixture_t *f = *state;
	seam_store_t *st = open_store(f->url, 1, 0);
	seam_db_t *db = seam_store_acquire(st), *again;
	seam_error_t err = {0};
	seam_stmt_t *s = NULL;

	exec_ok(db, "CREATE TABLE t (v BIGINT); INSERT INTO t (v) VALUES (1), (2), (3)");
	assert_int_equal(seam_db_begin(db, &err), SEAM_OK);
	exec_ok(db, "INSERT INTO t (v) VALUES (4)");
	/* and a read left in the middle of its rows */
	assert_int_equal(seam_db_prepare(db, "SELECT v FROM t ORDER BY v", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s, 0), 2);
	seam_store_release(st, db);

	again = seam_store_acquire(st); /* pool of one: the same connection */
	assert_ptr_equal(again, db);
	assert_false(seam_db_in_tx(again));
	assert_int_equal(count_rows(again, "t"), 3);
	/* the half-read statement starts from the top */
	assert_int_equal(seam_db_prepare(again, "SELECT v FROM t ORDER BY v", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s, 0), 1);
	/* and the write lock is free: another transaction can start at once */
	assert_int_equal(seam_db_begin(again, &err), SEAM_OK);
	assert_int_equal(seam_db_commit(again, &err), SEAM_OK);
	seam_store_release(st, again);
	seam_store_close(st);
}

static void test_changes(void **state)
{
	(void)state;
	seam_store_t *st = open_store("sqlite::memory:", 1, 0);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	seam_stmt_t *s = NULL, *sel = NULL;

	exec_ok(db, "CREATE TABLE t (id TEXT PRIMARY KEY, v BIGINT);"
		    "INSERT INTO t VALUES ('a', 1), ('b', 1), ('c', 1), ('d', 2)");
	assert_int_equal(seam_db_prepare(db, "UPDATE t SET v = v + 10 WHERE v = $1", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_int64(s, 1, 1), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	assert_int_equal(seam_stmt_changes(s), 3);
	/* another statement running does not change this one's count */
	assert_int_equal(seam_db_prepare(db, "SELECT COUNT(*) FROM t", &sel, &err), SEAM_OK);
	assert_int_equal(seam_stmt_step(sel, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_step(sel, &err), SEAM_DONE);
	assert_int_equal(seam_stmt_changes(sel), 0);
	assert_int_equal(seam_stmt_changes(s), 3);
	seam_stmt_reset(s);
	assert_int_equal(seam_stmt_changes(s), 0);
	assert_int_equal(seam_stmt_bind_int64(s, 1, 99), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	assert_int_equal(seam_stmt_changes(s), 0);

	/* RETURNING and ON CONFLICT (the portable subset) */
	assert_int_equal(seam_db_prepare(db, "INSERT INTO t (id, v) VALUES ($1, $2) ON CONFLICT (id) "
					 "DO UPDATE SET v = excluded.v RETURNING v", &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 1, "d"), SEAM_OK);
	assert_int_equal(seam_stmt_bind_int64(s, 2, 42), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s, 0), 42);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	assert_int_equal(seam_stmt_changes(s), 1);
	assert_int_equal(seam_db_prepare(db, "INSERT INTO t (id, v) VALUES ($1, 0) ON CONFLICT DO NOTHING",
					 &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_text(s, 1, "a"), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	assert_int_equal(seam_stmt_changes(s), 0);
	seam_store_release(st, db);
	seam_store_close(st);
}

/* ---- statement cache ---------------------------------------------------------------------------- */

static void test_statement_cache(void **state)
{
	(void)state;
	seam_store_t *st = open_store("sqlite::memory:", 1, 0);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	seam_stmt_t *s1 = NULL, *s2 = NULL, *other = NULL;
	enum { MANY = 1200 };
	seam_stmt_t *many[MANY];
	char sql[64];
	int i;

	exec_ok(db, "CREATE TABLE t (v BIGINT); INSERT INTO t VALUES (1), (2), (3)");
	assert_int_equal(seam_db_prepare(db, "SELECT v FROM t ORDER BY v", &s1, &err), SEAM_OK);
	assert_int_equal(seam_stmt_step(s1, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_step(s1, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s1, 0), 2);
	/* same text: same statement, rewound */
	assert_int_equal(seam_db_prepare(db, "SELECT v FROM t ORDER BY v", &s2, &err), SEAM_OK);
	assert_ptr_equal(s1, s2);
	assert_int_equal(seam_stmt_step(s2, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s2, 0), 1);
	/* different text: different statement */
	assert_int_equal(seam_db_prepare(db, "SELECT v FROM t ORDER BY v DESC", &other, &err), SEAM_OK);
	assert_ptr_not_equal(other, s1);
	/* kept across release: the next borrower gets the prepared statement back */
	seam_store_release(st, db);
	db = seam_store_acquire(st);
	assert_int_equal(seam_db_prepare(db, "SELECT v FROM t ORDER BY v", &s2, &err), SEAM_OK);
	assert_ptr_equal(s1, s2);
	assert_int_equal(seam_stmt_step(s2, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s2, 0), 1);

	/* More distinct statements than the cache holds: each stays valid until release. */
	for (i = 0; i < MANY; i++) {
		snprintf(sql, sizeof sql, "SELECT v + %d FROM t WHERE v = $1", i);
		assert_int_equal(seam_db_prepare(db, sql, &many[i], &err), SEAM_OK);
		assert_int_equal(seam_stmt_bind_int64(many[i], 1, 1 + i % 3), SEAM_OK);
	}
	for (i = 0; i < MANY; i++) {
		assert_int_equal(seam_stmt_step(many[i], &err), SEAM_ROW);
		assert_int_equal(seam_stmt_column_int64(many[i], 0), 1 + i % 3 + i);
	}
	/* a statement over the cap is not shared with a re-prepare of the same text */
	snprintf(sql, sizeof sql, "SELECT v + %d FROM t WHERE v = $1", MANY - 1);
	assert_int_equal(seam_db_prepare(db, sql, &s1, &err), SEAM_OK);
	assert_int_equal(seam_stmt_bind_int64(s1, 1, 3), SEAM_OK);
	assert_int_equal(seam_stmt_step(s1, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s1, 0), 3 + MANY - 1);
	/* the early ones are cached: the same pointer comes back */
	assert_int_equal(seam_db_prepare(db, "SELECT v + 0 FROM t WHERE v = $1", &s1, &err), SEAM_OK);
	assert_ptr_equal(s1, many[0]);
	seam_store_release(st, db); /* finalizes the uncached ones (LeakSanitizer checks) */
	seam_store_close(st);
}

/* ---- pool --------------------------------------------------------------------------------------- */

typedef struct waiter {
	seam_store_t *st;
	seam_db_t *got;
	int done; /* atomic */
} waiter_t;

static void *acquire_thread(void *arg)
{
	waiter_t *w = arg;
	seam_db_t *db = seam_store_acquire(w->st);
	w->got = db;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	seam_store_release(w->st, db);
	return NULL;
}

static void test_pool_exhaustion(void **state)
{
	(void)state;
	seam_store_t *st = open_store("sqlite::memory:", 2, 0);
	seam_db_t *a = seam_store_acquire(st), *b = seam_store_acquire(st);
	waiter_t w = {.st = st};
	pthread_t t;

	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(pthread_create(&t, NULL, acquire_thread, &w), 0);
	usleep(150 * 1000);
	assert_int_equal(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE), 0); /* still waiting */
	seam_store_release(st, b);
	pthread_join(t, NULL);
	assert_int_equal(w.done, 1);
	assert_ptr_equal(w.got, b); /* it got the one given back */
	seam_store_release(st, a);
	seam_store_close(st);
}

static int open_fds(void)
{
	char path[64];
	int n = 0;
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/* Connections open when they are first needed: a store that serves one thread holds one. */
static void test_pool_opens_on_demand(void **state)
{
	fixture_t *f = *state;
	seam_store_opts_t o = {.pool_size = 4, .busy_timeout_ms = 200, .migrate = 1};
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	seam_db_t *db[4];

	int before = open_fds();
	assert_int_equal(seam_store_open(f->url, &o, &st, &err), SEAM_OK);
	int one = open_fds();
	assert_true(one > before);
	db[0] = seam_store_acquire(st);
	seam_store_release(st, db[0]);
	db[0] = seam_store_acquire(st);
	assert_int_equal(open_fds(), one); /* the first one, again */
	db[1] = seam_store_acquire(st);
	int two = open_fds();
	assert_true(two > one);     /* a second, opened now */
	seam_store_release(st, db[1]);
	db[1] = seam_store_acquire(st);
	assert_int_equal(open_fds(), two); /* reused, not opened again */
	db[2] = seam_store_acquire(st);
	db[3] = seam_store_acquire(st);
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			assert_ptr_not_equal(db[i], db[j]);
	/* all four in use: a fifth waits (and gives up after its timeout) */
	assert_int_equal(seam_store_ready(st, &err), SEAM_BUSY);
	for (int i = 0; i < 4; i++)
		seam_store_release(st, db[i]);
	assert_int_equal(seam_store_ready(st, &err), SEAM_OK);
	seam_store_close(st);
	assert_int_equal(open_fds(), before);
}

/* ---- concurrency ---------------------------------------------------------------------------------- */

typedef struct writer {
	seam_store_t *st;
	pthread_barrier_t *go;
	int id, n;
	int ok;
	seam_err_t rc;
	char msg[SEAM_ERROR_MSG_MAX];
} writer_t;

static void *writer_thread(void *arg)
{
	writer_t *w = arg;
	seam_error_t err = {0};
	seam_db_t *db = seam_store_acquire(w->st);
	seam_stmt_t *s = NULL;
	seam_err_t rc = SEAM_OK;
	char id[32];

	pthread_barrier_wait(w->go);
	for (int i = 0; i < w->n && rc == SEAM_OK; i++) {
		snprintf(id, sizeof id, "w%d-%d", w->id, i);
		rc = seam_db_begin(db, &err);
		if (rc == SEAM_OK)
			rc = seam_db_prepare(db, "INSERT INTO t (id, writer, seq) VALUES ($1, $2, $3)", &s, &err);
		if (rc == SEAM_OK)
			rc = seam_stmt_bind_text(s, 1, id);
		if (rc == SEAM_OK)
			rc = seam_stmt_bind_int64(s, 2, w->id);
		if (rc == SEAM_OK)
			rc = seam_stmt_bind_int64(s, 3, i);
		if (rc == SEAM_OK)
			rc = seam_stmt_step(s, &err);
		if (rc == SEAM_DONE)
			rc = seam_db_commit(db, &err);
		seam_db_rollback(db);
		if (rc == SEAM_OK)
			w->ok++;
	}
	w->rc = rc;
	memcpy(w->msg, err.msg, sizeof w->msg);
	seam_store_release(w->st, db);
	return NULL;
}

static void run_writers(seam_store_t *st, int threads, int each)
{
	pthread_t t[16];
	writer_t w[16];
	pthread_barrier_t go;
	seam_db_t *db;
	int i;

	db = seam_store_acquire(st);
	exec_ok(db, "CREATE TABLE t (id TEXT PRIMARY KEY, writer BIGINT NOT NULL, seq BIGINT NOT NULL)");
	seam_store_release(st, db);
	pthread_barrier_init(&go, NULL, (unsigned)threads);
	for (i = 0; i < threads; i++) {
		w[i] = (writer_t){.st = st, .go = &go, .id = i, .n = each};
		assert_int_equal(pthread_create(&t[i], NULL, writer_thread, &w[i]), 0);
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < threads; i++) {
		if (w[i].rc != SEAM_OK)
			fail_msg("writer %d after %d commits: %s: %s", i, w[i].ok, seam_errname(w[i].rc),
				 w[i].msg);
		assert_int_equal(w[i].ok, each);
	}
	db = seam_store_acquire(st);
	assert_int_equal(count_rows(db, "t"), (int64_t)threads * each);
	assert_int_equal(count_rows(db, "(SELECT DISTINCT writer FROM t)"), threads);
	seam_store_release(st, db);
}

/* 8 threads x 500 single-insert transactions on one file: lock waits are absorbed by the busy
 * timeout, nothing is lost or doubled. The timeout is generous because a sanitized build on a
 * loaded 2-core CI machine can hold the write lock far longer than production would. */
static void test_concurrent_writers(void **state)
{
	fixture_t *f = *state;
	seam_store_t *st = open_store(f->url, 8, 60000);
	run_writers(st, 8, 500);
	seam_store_close(st);
}

/* ---- durability settings ------------------------------------------------------------------------ */

static const char *pragma_on(seam_db_t *db, const char *sql)
{
	seam_error_t err = {0};
	seam_stmt_t *s = NULL;
	if (seam_db_prepare(db, sql, &s, &err) != SEAM_OK)
		fail_msg("%s: %s", sql, err.msg);
	return one_text(s);
}

static void test_pragmas(void **state)
{
	fixture_t *f = *state;
	seam_store_opts_t o = {.pool_size = 3, .busy_timeout_ms = 1234};
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	seam_db_t *db[3];
	int i, normal;

	for (normal = 0; normal <= 1; normal++) {
		o.synchronous_normal = normal;
		assert_int_equal(seam_store_open(f->url, &o, &st, &err), SEAM_OK);
		for (i = 0; i < 3; i++) /* every pooled connection, not just the first */
			db[i] = seam_store_acquire(st);
		for (i = 0; i < 3; i++) {
			assert_string_equal(pragma_on(db[i], "PRAGMA journal_mode"), "wal");
			assert_string_equal(pragma_on(db[i], "PRAGMA synchronous"), normal ? "1" : "2");
			assert_string_equal(pragma_on(db[i], "PRAGMA foreign_keys"), "1");
			assert_string_equal(pragma_on(db[i], "PRAGMA busy_timeout"), "1234");
			assert_string_equal(pragma_on(db[i], "PRAGMA wal_autocheckpoint"), "1000");
			assert_string_equal(pragma_on(db[i], "PRAGMA temp_store"), "2"); /* MEMORY */
		}
		for (i = 0; i < 3; i++)
			seam_store_release(st, db[i]);
		seam_store_close(st);
	}
}

/* ---- memory ---------------------------------------------------------------------------------------- */

static void test_memory_pool(void **state)
{
	(void)state;
	seam_store_t *st = open_store("sqlite::memory:", 4, 0);
	seam_store_t *other = open_store("sqlite::memory:", 2, 0);
	seam_db_t *a = seam_store_acquire(st), *b = seam_store_acquire(st);
	seam_db_t *c = seam_store_acquire(other);
	seam_error_t err = {0};
	seam_stmt_t *s = NULL;

	/* every connection of one store sees the same database ... */
	exec_ok(a, "CREATE TABLE shared (v TEXT); INSERT INTO shared VALUES ('hello')");
	assert_int_equal(count_rows(b, "shared"), 1);
	/* ... and another store has its own */
	assert_int_equal(seam_db_prepare(c, "SELECT COUNT(*) FROM shared", &s, &err), SEAM_STORE);
	assert_non_null(strstr(err.msg, "no such table"));
	/* transactions and lock waits work as with a file */
	assert_int_equal(seam_db_begin(a, &err), SEAM_OK);
	exec_ok(a, "INSERT INTO shared VALUES ('uncommitted')");
	assert_int_equal(seam_db_rollback(a), SEAM_OK);
	assert_int_equal(count_rows(b, "shared"), 1);
	seam_store_release(st, a);
	seam_store_release(st, b);
	seam_store_release(other, c);
	seam_store_close(other);

	/* concurrent writers on the pool: all connections share it, the busy timeout covers */
	run_writers(st, 4, 200);
	seam_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbered_params),
		cmocka_unit_test(test_nulls),
		cmocka_unit_test_setup_teardown(test_error_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_rolls_back, setup, teardown),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_statement_cache),
		cmocka_unit_test(test_pool_exhaustion),
		cmocka_unit_test_setup_teardown(test_pool_opens_on_demand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
		cmocka_unit_test(test_memory_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
