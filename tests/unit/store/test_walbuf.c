/*
 * The WAL write-coalescing VFS shim (src/store/sqlite/walbuf.c) keeps SQLite's file format and
 * durability: transactions of every size (one page, several 64 KB pieces, past the 4 MB
 * buffer), frames rewritten in place by cache spills, rolled-back transactions, and a process
 * killed with SIGKILL in the middle of its commits all leave a database that another
 * connection without the shim reads whole, with every commit that returned present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "store/sqlite/walbuf.h"
#include "tests/support/harness.h"

static char dir[64], path[128];

static sqlite3 *open_db(int shim)
{
	sqlite3 *db = NULL;
	const char *vfs = shim ? seam_walbuf_vfs() : NULL;
	if (shim)
		assert_non_null(vfs);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	return db;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
	sqlite3_free(msg);
	assert_int_equal(rc, SQLITE_OK);
}

static long long one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void check_ok(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
}

/* Inserts n rows of size bytes (row i: i, size, a blob of byte i % 251) in one transaction. */
static void insert_rows(sqlite3 *db, int from, int n, int size)
{
	sqlite3_stmt *s = NULL;
	char *blob = malloc((size_t)size);
	exec(db, "BEGIN");
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t (id, size, data) VALUES (?, ?, ?)",
					    -1, &s, NULL),
			 SQLITE_OK);
	for (int i = from; i < from + n; i++) {
		memset(blob, i % 251, (size_t)size);
		sqlite3_bind_int(s, 1, i);
		sqlite3_bind_int(s, 2, size);
		sqlite3_bind_blob(s, 3, blob, size, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	exec(db, "COMMIT");
	free(blob);
}

/* Every row's blob is what insert_rows wrote. */
static long long verify(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	long long rows = 0;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, size, data FROM t", -1, &s, NULL),
			 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int id = sqlite3_column_int(s, 0), size = sqlite3_column_int(s, 1);
		const unsigned char *d = sqlite3_column_blob(s, 2);
		assert_int_equal(sqlite3_column_bytes(s, 2), size);
		for (int k = 0; k < size; k++)
			if (d[k] != (unsigned char)(id % 251))
				fail_msg("row %d byte %d", id, k);
		rows++;
	}
	sqlite3_finalize(s);
	return rows;
}

static int setup(void **state)
{
	(void)state;
	th_tmpdir(dir);
	snprintf(path, sizeof path, "%s/walbuf.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_rmrf(dir);
	return 0;
}

static void reset_db(void)
{
	char p[160];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

/* One page, several 64 KB pieces, past the 4 MB buffer: another connection without the shim
 * (and the same file after a checkpoint) reads every row as written. */
static void test_transaction_sizes(void **state)
{
	(void)state;
	reset_db();
	sqlite3 *w = open_db(1);
	exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, size INTEGER, data BLOB)");
	insert_rows(w, 0, 1, 100);           /* a page */
	insert_rows(w, 1, 100, 3000);        /* ~300 KB: five pieces */
	insert_rows(w, 101, 1200, 5000);     /* ~6 MB: past the buffer */
	sqlite3 *r = open_db(0);
	assert_int_equal(verify(r), 1301);
	check_ok(r);
	exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
	assert_int_equal(verify(r), 1301);
	sqlite3_close(r);
	sqlite3_close(w);
	r = open_db(0);
	assert_int_equal(verify(r), 1301);
	check_ok(r);
	sqlite3_close(r);
}

/* A cache of a few pages makes SQLite spill and rewrite frames of the open transaction in
 * place; a rolled-back transaction leaves nothing. */
static void test_spills_and_rollback(void **state)
{
	(void)state;
	reset_db();
	sqlite3 *w = open_db(1);
	exec(w, "PRAGMA cache_size=5");
	exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, size INTEGER, data BLOB)");
	insert_rows(w, 0, 300, 1000);
	exec(w, "BEGIN");
	for (int round = 0; round < 5; round++) /* the same pages again and again */
		exec(w, "UPDATE t SET size = size WHERE id % 2 = 0");
	exec(w, "UPDATE t SET data = zeroblob(1000) WHERE id < 50");
	exec(w, "ROLLBACK");
	exec(w, "BEGIN");
	for (int round = 0; round < 5; round++)
		exec(w, "UPDATE t SET size = size + 0 WHERE id % 3 = 0");
	exec(w, "COMMIT");
	sqlite3 *r = open_db(0);
	assert_int_equal(verify(r), 300);
	check_ok(r);
	sqlite3_close(r);
	sqlite3_close(w);
}

/* A child commits transactions through the shim and reports each one that returned; it is
 * killed with SIGKILL mid-stream. Every reported commit is in the file, which is whole. */
static void test_kill9_keeps_committed(void **state)
{
	(void)state;
	for (int run = 0; run < 3; run++) {
		reset_db();
		sqlite3 *w = open_db(1);
		exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, size INTEGER, data BLOB)");
		sqlite3_close(w);
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			sqlite3 *c = open_db(1);
			for (int i = 0;; i++) {
				insert_rows(c, i * 20, 20, 1500 + 700 * (i % 5));
				int done = (i + 1) * 20;
				if (write(fds[1], &done, sizeof done) != sizeof done)
					_exit(1);
			}
		}
		close(fds[1]);
		int acked = 0, v;
		int64_t until = seam_mono_ns() + (150 + 100 * run) * 1000000LL;
		while (seam_mono_ns() < until && read(fds[0], &v, sizeof v) == sizeof v)
			acked = v;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		while (read(fds[0], &v, sizeof v) == sizeof v) /* reported before it died */
			acked = v;
		close(fds[0]);
		assert_true(acked > 0);
		sqlite3 *r = open_db(0);
		long long rows = verify(r);
		check_ok(r);
		assert_true(rows >= acked);
		assert_int_equal(rows % 20, 0); /* whole transactions only */
		assert_int_equal(one(r, "SELECT count(DISTINCT id) FROM t"), rows);
		sqlite3_close(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transaction_sizes),
		cmocka_unit_test(test_spills_and_rollback),
		cmocka_unit_test(test_kill9_keeps_committed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
