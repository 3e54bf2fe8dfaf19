/*
 * qtest.h: helpers shared by the queue tests (header-only, static inline so an unused helper
 * costs nothing): a migrated SQLite store in a temp dir (a PostgreSQL database of its own
 * under SEAM_TEST_PG, as make e2e-pg runs them), scalar queries, waiting for a condition with
 * a deadline.
 */
#ifndef SEAM_TESTS_QTEST_H
#define SEAM_TESTS_QTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/store.h"
#include "tests/support/harness.h"

typedef struct qt_env {
	char dir[64];
	char url[160];
	seam_store_t *st;
} qt_env_t;

static inline seam_store_t *qt_open_url(const char *url, int busy_ms)
{
	seam_store_opts_t o = {.migrate = 1, .pool_size = 12, .busy_timeout_ms = busy_ms};
	seam_store_t *st = NULL;
	seam_error_t e = {0};
	if (seam_store_open(url, &o, &st, &e) != SEAM_OK)
		fail_msg("store open %s: %s", url, e.msg);
	return st;
}

static inline void qt_open(qt_env_t *env)
{
	th_tmpdir(env->dir);
	if (!th_pg_database(env->dir, "q", env->url, sizeof env->url))
		snprintf(env->url, sizeof env->url, "sqlite://%s/seam.db", env->dir);
	env->st = qt_open_url(env->url, 5000);
}

/* For a test about SQLite itself (its WAL, its files): skipped on PostgreSQL. */
static inline void qt_sqlite_only(void)
{
	const char *pg = getenv("SEAM_TEST_PG");
	if (pg && *pg) {
		print_message("SQLite only (its WAL and files): skipped on PostgreSQL\n");
		skip();
	}
}

static inline void qt_close(qt_env_t *env)
{
	seam_store_close(env->st);
	env->st = NULL;
	th_rmrf(env->dir);
}

/* One integer from a query with up to one text parameter ($1). -1 when no row. */
static inline int64_t qt_int(seam_store_t *st, const char *sql, const char *p1)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s = NULL;
	seam_error_t e = {0};
	int64_t v = -1;
	if (seam_db_prepare(db, sql, &s, &e) != SEAM_OK)
		fail_msg("prepare %s: %s", sql, e.msg);
	if (p1)
		seam_stmt_bind_text(s, 1, p1);
	seam_err_t rc = seam_stmt_step(s, &e);
	if (rc == SEAM_ROW)
		v = seam_stmt_column_int64(s, 0);
	else if (rc != SEAM_DONE)
		fail_msg("step %s: %s", sql, e.msg);
	seam_stmt_reset(s);
	seam_store_release(st, db);
	return v;
}

/* One text value (copied into out, "" when NULL or no row). SQLite's group_concat(x, sep) is
 * PostgreSQL's string_agg(x, sep): the one dialect difference the tests' queries have. */
static inline char *qt_text(seam_store_t *st, const char *sql_in, const char *p1, char *out,
			    size_t cap)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s = NULL;
	seam_error_t e = {0};
	char sql[1024];
	const char *gc = strstr(sql_in, "group_concat(");
	if (gc && strcmp(seam_store_engine(st), "postgresql") == 0)
		snprintf(sql, sizeof sql, "%.*sstring_agg(%s", (int)(gc - sql_in), sql_in,
			 gc + strlen("group_concat("));
	else
		snprintf(sql, sizeof sql, "%s", sql_in);
	out[0] = '\0';
	if (seam_db_prepare(db, sql, &s, &e) != SEAM_OK)
		fail_msg("prepare %s: %s", sql, e.msg);
	if (p1)
		seam_stmt_bind_text(s, 1, p1);
	seam_err_t rc = seam_stmt_step(s, &e);
	if (rc == SEAM_ROW && seam_stmt_column_text(s, 0))
		snprintf(out, cap, "%s", seam_stmt_column_text(s, 0));
	else if (rc != SEAM_ROW && rc != SEAM_DONE)
		fail_msg("step %s: %s", sql, e.msg);
	seam_stmt_reset(s);
	seam_store_release(st, db);
	return out;
}

static inline void qt_exec(seam_store_t *st, const char *sql)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t e = {0};
	if (seam_db_exec(db, sql, &e) != SEAM_OK)
		fail_msg("exec %s: %s", sql, e.msg);
	seam_store_release(st, db);
}

/* Polls until qt_int(sql, p1) == want or timeout; returns the last value seen. */
static inline int64_t qt_wait_int(seam_store_t *st, const char *sql, const char *p1, int64_t want,
				  int timeout_ms)
{
	int64_t deadline = seam_mono_ns() / 1000000 + timeout_ms, v;
	for (;;) {
		v = qt_int(st, sql, p1);
		if (v == want || seam_mono_ns() / 1000000 > deadline)
			return v;
		seam_sleep_ms(10);
	}
}

#endif
