/*
 * The PostgreSQL engine (src/store/postgres/pg.c) against a real PostgreSQL 15: what store.h
 * promises and what differs from SQLite underneath. Runs with SEAM_TEST_PG (the socket
 * directory of scripts/pg-test.sh's cluster; `make e2e-pg` sets it), else says why it skipped.
 *
 *   - open applies every migration and records them as on SQLite; ready; engine "postgresql";
 *     must_exist refuses a database without seam's tables; a second open migrates nothing;
 *   - parameters: text left for the server to type (CAST($1 AS BIGINT), col = $1), int64,
 *     double, NULL, repeated and out-of-order $N; columns as text, int64, double, NULL;
 *     changes() counts rows;
 *   - a unique violation is SEAM_CONFLICT, and inside a transaction the transaction goes on
 *     (the engine's savepoint) and commits what else it did;
 *   - writers are serialized across connections (the advisory lock): a second begin waits for
 *     the first commit, and sees its row;
 *   - row-level transactions (seam_db_begin_rows) run beside a serialized one; named locks
 *     exclude across connections and trylock says so without waiting; an error in a statement
 *     without a savepoint (an UPDATE) fails the COMMIT instead of committing half;
 *   - a connection killed on the server (pg_terminate_backend) fails its statement with
 *     SEAM_IO and works again at the next acquire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/store.h"
#include "tests/support/th_assert.h"

static char admin_url[256], url[256];

static seam_store_t *open_store(const char *u, int migrate, int pool)
{
	seam_store_t *st = NULL;
	seam_store_opts_t o = {.pool_size = pool, .migrate = migrate, .busy_timeout_ms = 5000};
	seam_error_t err = {0};
	if (seam_store_open(u, &o, &st, &err) != SEAM_OK)
		fail_msg("open %s: %s", u, err.msg);
	return st;
}

static void admin_exec(const char *sql)
{
	seam_store_t *st = open_store(admin_url, 0, 1);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	if (seam_db_exec(db, sql, &err) != SEAM_OK)
		fail_msg("%s: %s", sql, err.msg);
	seam_store_release(st, db);
	seam_store_close(st);
}

static int64_t one_int(seam_db_t *db, const char *sql)
{
	seam_stmt_t *s;
	seam_error_t err = {0};
	assert_int_equal(seam_db_prepare(db, sql, &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	int64_t v = seam_stmt_column_int64(s, 0);
	seam_stmt_reset(s);
	return v;
}

static int setup(void **state)
{
	(void)state;
	const char *dir = getenv("SEAM_TEST_PG");
	snprintf(admin_url, sizeof admin_url, "postgresql://seam@/seam_test?host=%s", dir);
	snprintf(url, sizeof url, "postgresql://seam@/t_store_pg?host=%s", dir);
	admin_exec("DROP DATABASE IF EXISTS t_store_pg");
	admin_exec("CREATE DATABASE t_store_pg");
	return 0;
}

static void test_migrate_and_ready(void **state)
{
	(void)state;
	seam_store_t *st = NULL;
	seam_store_opts_t o = {.pool_size = 2, .must_exist = 1};
	seam_error_t err = {0};
	/* an empty database is not a seam store for seam ctl */
	assert_int_equal(seam_store_open(url, &o, &st, &err), SEAM_NOTFOUND);
	assert_non_null(strstr(err.msg, "no seam store there"));
	st = open_store(url, 1, 2);
	assert_string_equal(seam_store_engine(st), "postgresql");
	int applied = 0, known = 0;
	assert_int_equal(seam_store_schema_version(st, &applied, &known, &err), SEAM_OK);
	TH_ASSERT_CMP(known, >=, 14);
	assert_int_equal(applied, known);
	assert_int_equal(seam_store_ready(st, &err), SEAM_OK);
	seam_db_t *db = seam_store_acquire(st);
	assert_int_equal(one_int(db, "SELECT COUNT(*) FROM seam_migrations"), known);
	seam_store_release(st, db);
	seam_store_close(st);
	/* again: nothing to apply, the same rows */
	st = open_store(url, 1, 1);
	db = seam_store_acquire(st);
	assert_int_equal(one_int(db, "SELECT COUNT(*) FROM seam_migrations"), known);
	seam_store_release(st, db);
	seam_store_close(st);
	assert_int_equal(seam_store_check(url, &err), SEAM_OK);
}

static void test_parameters_and_columns(void **state)
{
	(void)state;
	seam_store_t *st = open_store(url, 1, 1);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	seam_stmt_t *s;
	assert_int_equal(seam_db_exec(db, "CREATE TABLE t_params (k TEXT PRIMARY KEY, n BIGINT, d DOUBLE "
					  "PRECISION, note TEXT)", &err), SEAM_OK);
	/* out of order, repeated, text typed by the server, NULL */
	assert_int_equal(seam_db_prepare(db, "INSERT INTO t_params (note, k, n, d) VALUES ($3, $1, "
					     "CAST($2 AS BIGINT), $4)", &s, &err), SEAM_OK);
	seam_stmt_bind_text(s, 1, "a");
	seam_stmt_bind_text(s, 2, "9007199254740993");
	seam_stmt_bind_null(s, 3);
	seam_stmt_bind_double(s, 4, 0.1);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	assert_int_equal(seam_stmt_changes(s), 1);
	seam_stmt_reset(s);
	/* the same statement with other types: int64 where text was */
	assert_int_equal(seam_db_prepare(db, "INSERT INTO t_params (note, k, n, d) VALUES ($3, $1, "
					     "CAST($2 AS BIGINT), $4)", &s, &err), SEAM_OK);
	seam_stmt_bind_text(s, 1, "b");
	seam_stmt_bind_int64(s, 2, -5);
	seam_stmt_bind_text(s, 3, "café");
	seam_stmt_bind_double(s, 4, -2.5);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	seam_stmt_reset(s);
	assert_int_equal(seam_db_prepare(db, "SELECT k, n, d, note, n > $1 FROM t_params WHERE k = $2 "
					     "OR k = $3 ORDER BY k", &s, &err), SEAM_OK);
	seam_stmt_bind_int64(s, 1, 0);
	seam_stmt_bind_text(s, 2, "a");
	seam_stmt_bind_text(s, 3, "b");
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_count(s), 5);
	assert_string_equal(seam_stmt_column_text(s, 0), "a");
	assert_int_equal(seam_stmt_column_int64(s, 1), 9007199254740993LL);
	assert_true(seam_stmt_column_double(s, 2) > 0.0999 && seam_stmt_column_double(s, 2) < 0.1001);
	assert_true(seam_stmt_column_is_null(s, 3));
	assert_null(seam_stmt_column_text(s, 3));
	assert_int_equal(seam_stmt_column_int64(s, 4), 1); /* a boolean reads as 1 */
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s, 1), -5);
	assert_string_equal(seam_stmt_column_text(s, 3), "café");
	assert_int_equal(seam_stmt_column_bytes(s, 3), 5);
	assert_int_equal(seam_stmt_column_int64(s, 4), 0);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_DONE);
	seam_stmt_reset(s);
	const char *p[] = {"7", "a"};
	int64_t changed = 0;
	assert_int_equal(seam_db_run(db, "UPDATE t_params SET n = CAST($1 AS BIGINT) WHERE k <> $2",
				     p, 2, &changed, &err), SEAM_OK);
	assert_int_equal(changed, 1);
	/* a syntax error is SEAM_STORE with the server's message and SQLSTATE */
	assert_int_equal(seam_db_run(db, "SELEC 1", NULL, 0, NULL, &err), SEAM_STORE);
	assert_non_null(strstr(err.msg, "SQLSTATE 42601"));
	seam_store_release(st, db);
	seam_store_close(st);
}

static void test_conflict_inside_a_transaction(void **state)
{
	(void)state;
	seam_store_t *st = open_store(url, 1, 1);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	assert_int_equal(seam_db_exec(db, "CREATE TABLE t_conf (k TEXT PRIMARY KEY)", &err), SEAM_OK);
	assert_int_equal(seam_db_begin(db, &err), SEAM_OK);
	assert_true(seam_db_in_tx(db));
	assert_int_equal(seam_db_run(db, "INSERT INTO t_conf (k) VALUES ($1)", (const char *[]){"x"}, 1, NULL, &err), SEAM_OK);
	assert_int_equal(seam_db_run(db, "INSERT INTO t_conf (k) VALUES ($1)", (const char *[]){"x"}, 1, NULL, &err), SEAM_CONFLICT);
	assert_non_null(strstr(err.msg, "23505"));
	/* the transaction goes on, as on SQLite */
	assert_int_equal(seam_db_run(db, "INSERT INTO t_conf (k) VALUES ($1)", (const char *[]){"y"}, 1, NULL, &err), SEAM_OK);
	assert_int_equal(seam_db_commit(db, &err), SEAM_OK);
	assert_false(seam_db_in_tx(db));
	assert_int_equal(one_int(db, "SELECT COUNT(*) FROM t_conf"), 2);
	/* rolled back: nothing stays */
	assert_int_equal(seam_db_begin(db, &err), SEAM_OK);
	assert_int_equal(seam_db_run(db, "INSERT INTO t_conf (k) VALUES ($1)", (const char *[]){"z"}, 1, NULL, &err), SEAM_OK);
	seam_db_rollback(db);
	assert_int_equal(one_int(db, "SELECT COUNT(*) FROM t_conf"), 2);
	assert_int_equal(seam_db_commit(db, &err), SEAM_INVAL);
	seam_store_release(st, db);
	seam_store_close(st);
}

typedef struct writer {
	seam_store_t *st;
	int64_t began_ms, seen;
} writer_t;

static void *second_writer(void *arg)
{
	writer_t *w = arg;
	seam_error_t err = {0};
	seam_db_t *db = seam_store_acquire(w->st);
	if (seam_db_begin(db, &err) == SEAM_OK) {
		w->began_ms = seam_now_ms();
		w->seen = one_int(db, "SELECT COUNT(*) FROM t_ser");
		seam_db_commit(db, &err);
	}
	seam_store_release(w->st, db);
	return NULL;
}

static void test_writers_serialized(void **state)
{
	(void)state;
	seam_store_t *st = open_store(url, 1, 2);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	assert_int_equal(seam_db_exec(db, "CREATE TABLE t_ser (k TEXT PRIMARY KEY)", &err), SEAM_OK);
	assert_int_equal(seam_db_begin(db, &err), SEAM_OK);
	assert_int_equal(seam_db_run(db, "INSERT INTO t_ser (k) VALUES ('first')", NULL, 0, NULL, &err), SEAM_OK);
	writer_t w = {.st = st};
	pthread_t t;
	pthread_create(&t, NULL, second_writer, &w);
	seam_sleep_ms(300);
	int64_t committed = seam_now_ms();
	assert_int_equal(seam_db_commit(db, &err), SEAM_OK);
	pthread_join(t, NULL);
	/* the second began only after the first committed, and saw its row */
	TH_ASSERT_CMP(w.began_ms, >=, committed);
	assert_int_equal(w.seen, 1);
	seam_store_release(st, db);
	seam_store_close(st);
}

static void test_rows_and_locks(void **state)
{
	(void)state;
	seam_store_t *st = open_store(url, 1, 2);
	seam_db_t *a = seam_store_acquire(st), *b = seam_store_acquire(st);
	seam_error_t err = {0};
	int got = -1;
	assert_int_equal(seam_db_exec(a, "CREATE TABLE t_rows (k TEXT PRIMARY KEY, n BIGINT)", &err), SEAM_OK);
	/* a holds the writer lock; b's row-level transaction commits beside it without waiting */
	assert_int_equal(seam_db_begin(a, &err), SEAM_OK);
	int64_t t0 = seam_now_ms();
	assert_int_equal(seam_db_begin_rows(b, &err), SEAM_OK);
	assert_int_equal(seam_db_run(b, "INSERT INTO t_rows (k, n) VALUES ('b', 1)", NULL, 0, NULL, &err), SEAM_OK);
	assert_int_equal(seam_db_trylock(b, NULL, &got, &err), SEAM_OK);
	assert_int_equal(got, 0); /* the writer lock is a's */
	assert_int_equal(seam_db_trylock(b, "seam.flow:x", &got, &err), SEAM_OK);
	assert_int_equal(got, 1);
	assert_int_equal(seam_db_commit(b, &err), SEAM_OK);
	TH_ASSERT_CMP(seam_now_ms() - t0, <, 2000);
	/* the named lock went with b's transaction: a takes it */
	assert_int_equal(seam_db_lock(a, "seam.flow:x", &err), SEAM_OK);
	assert_int_equal(seam_db_begin_rows(b, &err), SEAM_OK);
	assert_int_equal(seam_db_trylock(b, "seam.flow:x", &got, &err), SEAM_OK);
	assert_int_equal(got, 0);
	seam_db_rollback(b);
	assert_int_equal(seam_db_commit(a, &err), SEAM_OK);
	assert_int_equal(seam_db_lock(a, "k", &err), SEAM_INVAL); /* only inside a transaction */
	/* an unguarded statement's error aborts the transaction: its COMMIT fails, nothing stays */
	assert_int_equal(seam_db_begin_rows(b, &err), SEAM_OK);
	assert_int_equal(seam_db_run(b, "UPDATE t_rows SET n = n + 1 WHERE k = 'b'", NULL, 0, NULL, &err), SEAM_OK);
	assert_int_not_equal(seam_db_run(b, "UPDATE t_rows SET n = CAST('x' AS BIGINT)", NULL, 0, NULL, &err), SEAM_OK);
	assert_int_not_equal(seam_db_commit(b, &err), SEAM_OK);
	assert_false(seam_db_in_tx(b));
	assert_int_equal(one_int(b, "SELECT n FROM t_rows WHERE k = 'b'"), 1);
	seam_store_release(st, a);
	seam_store_release(st, b);
	seam_store_close(st);
}

static void test_connection_killed(void **state)
{
	(void)state;
	seam_store_t *st = open_store(url, 1, 1), *adm = open_store(admin_url, 0, 1);
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	int64_t pid = one_int(db, "SELECT pg_backend_pid()");
	seam_store_release(st, db);
	seam_db_t *a = seam_store_acquire(adm);
	char sql[80];
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid);
	assert_int_equal(one_int(a, sql), 1);
	seam_store_release(adm, a);
	seam_sleep_ms(200);
	/* the connection is gone: healed at acquire, or its statement fails with io once */
	db = seam_store_acquire(st);
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db, "SELECT 41 + 1", &s, &err);
	if (rc == SEAM_OK)
		rc = seam_stmt_step(s, &err);
	if (rc != SEAM_ROW) {
		assert_int_equal(rc, SEAM_IO);
		seam_store_release(st, db);
		db = seam_store_acquire(st);
	} else {
		seam_stmt_reset(s);
	}
	assert_int_equal(one_int(db, "SELECT 41 + 1"), 42);
	TH_ASSERT_CMP(one_int(db, "SELECT pg_backend_pid()"), !=, pid);
	seam_store_release(st, db);
	seam_store_close(st);
	seam_store_close(adm);
}

int main(void)
{
	if (!getenv("SEAM_TEST_PG") || !*getenv("SEAM_TEST_PG")) {
		printf("SKIP: SEAM_TEST_PG is not set: no PostgreSQL cluster (make e2e-pg starts one)\n");
		printf("[  SKIPPED ] 5 test(s).\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_and_ready),
		cmocka_unit_test(test_parameters_and_columns),
		cmocka_unit_test(test_conflict_inside_a_transaction),
		cmocka_unit_test(test_writers_serialized),
		cmocka_unit_test(test_rows_and_locks),
		cmocka_unit_test(test_connection_killed),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
