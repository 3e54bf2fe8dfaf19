/*
 * test_store.c: the engine-independent half of the store (src/store/store.c, migrations.c):
 * URL dispatch, opening failures that must be clean and clear, the migrations runner
 * (recorded, idempotent, one transaction each, safe when several openers race, newer schema
 * refused), readiness and seam_db_run.
 *
 * Every test works in its own mkdtemp directory under /tmp, removed by the teardown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"
#include "store/store.h"
#include "store/store_int.h"
#include "tests/support/th_assert.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct fixture {
	char dir[64];
	char path[128]; /* dir/seam.db */
	char url[160];  /* sqlite://<path> (absolute, so sqlite:///tmp/...) */
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/seam-store-XXXXXX");
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
	chmod(p, 0700); /* a test may have made it read-only */
	return remove(p);
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	chmod(f->dir, 0700);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open file descriptors of this process: a failed open must leave none behind. */
static int count_fds(void)
{
	char p[64];
	int n = 0;
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
		n += access(p, F_OK) == 0;
	}
	return n;
}

static int known(void)
{
	size_t n = 0;
	const seam__migration_t *m = seam__store_migrations(&n);
	return n ? m[n - 1].version : 0;
}

/* One integer from a query without parameters; fails the test on error. */
static int64_t query_int(seam_store_t *st, const char *sql)
{
	seam_error_t err = {0};
	seam_stmt_t *s = NULL;
	seam_db_t *db = seam_store_acquire(st);
	int64_t v;
	assert_int_equal(seam_db_prepare(db, sql, &s, &err), SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	v = seam_stmt_column_int64(s, 0);
	seam_store_release(st, db);
	return v;
}

static void exec_ok(seam_store_t *st, const char *sql)
{
	seam_error_t err = {0};
	seam_db_t *db = seam_store_acquire(st);
	seam_err_t rc = seam_db_exec(db, sql, &err);
	seam_store_release(st, db);
	if (rc != SEAM_OK)
		fail_msg("exec %s: %s", sql, err.msg);
}

static seam_store_t *open_ok(const char *url, int migrate)
{
	seam_store_opts_t o = {.pool_size = 2, .migrate = migrate};
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	seam_err_t rc = seam_store_open(url, &o, &st, &err);
	if (rc != SEAM_OK)
		fail_msg("open %s: %s (%s)", url, seam_errname(rc), err.msg);
	assert_non_null(st);
	return st;
}

/* ---- URL dispatch -------------------------------------------------------------------------- */

static void test_url_forms(void **state)
{
	fixture_t *f = *state;
	seam_store_opts_t o = {.pool_size = 1};
	seam_error_t err = {0};
	seam_store_t *st = (seam_store_t *)0x1;
	char cwd[512], url[256];
	struct stat sb;

	/* memory */
	assert_int_equal(seam_store_open("sqlite::memory:", &o, &st, &err), SEAM_OK);
	assert_string_equal(seam_store_engine(st), "sqlite");
	seam_store_close(st);

	/* sqlite:///abs/path: the file appears at the absolute path */
	snprintf(url, sizeof url, "sqlite://%s", f->path);
	assert_int_equal(url[9], '/');
	assert_int_equal(seam_store_open(url, &o, &st, &err), SEAM_OK);
	seam_store_close(st);
	assert_int_equal(stat(f->path, &sb), 0);

	/* sqlite://relative: relative to the working directory */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(seam_store_open("sqlite://rel.db", &o, &st, &err), SEAM_OK);
	seam_store_close(st);
	assert_int_equal(chdir(cwd), 0);
	snprintf(url, sizeof url, "%s/rel.db", f->dir);
	assert_int_equal(stat(url, &sb), 0);

	/* PostgreSQL: a server that does not answer is SEAM_IO, named without the password */
	st = (seam_store_t *)0x1;
	assert_int_equal(seam_store_open("postgresql://seam:hunter2@127.0.0.1:1/seam", &o, &st, &err),
			 SEAM_IO);
	assert_null(st);
	assert_non_null(strstr(err.msg, "postgresql 127.0.0.1:1/seam: cannot connect"));
	assert_null(strstr(err.msg, "hunter2"));
	assert_int_equal(seam_store_open("postgres://x@127.0.0.1:1/db", &o, &st, &err), SEAM_IO);
	assert_int_equal(seam_store_open("postgresql://x@127.0.0.1:1/db?nosuchparam=1", &o, &st, &err),
			 SEAM_INVAL);
	assert_non_null(strstr(err.msg, "not a PostgreSQL URL"));

	/* Unknown schemes are named without the rest of the URL (which may hold a password) */
	assert_int_equal(seam_store_open("mysql://root:hunter2@127.0.0.1/db", &o, &st, &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "'mysql'"));
	assert_null(strstr(err.msg, "hunter2"));
	assert_int_equal(seam_store_open("sqlite://", &o, &st, &err), SEAM_INVAL);
	assert_int_equal(seam_store_open("", &o, &st, &err), SEAM_INVAL);
	assert_int_equal(seam_store_open(NULL, &o, &st, &err), SEAM_INVAL);
	assert_int_equal(seam_store_open("/tmp/x.db", &o, &st, &err), SEAM_INVAL);
	assert_null(st);

	/* Negative options are refused; NULL options mean defaults */
	o.pool_size = -1;
	assert_int_equal(seam_store_open("sqlite::memory:", &o, &st, &err), SEAM_INVAL);
	assert_int_equal(seam_store_open("sqlite::memory:", NULL, &st, &err), SEAM_OK);
	seam_store_close(st);
	seam_store_close(NULL);
}

/* ---- opening failures ---------------------------------------------------------------------------- */

static void test_missing_dir(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	seam_store_t *st = (seam_store_t *)0x1;
	char url[256], dir[160];
	snprintf(dir, sizeof dir, "%s/nope", f->dir);
	snprintf(url, sizeof url, "sqlite://%s/seam.db", dir);
	assert_int_equal(seam_store_open(url, NULL, &st, &err), SEAM_IO);
	assert_null(st);
	assert_int_equal(err.code, SEAM_IO);
	assert_non_null(strstr(err.msg, dir));
	assert_non_null(strstr(err.msg, "does not exist"));
}

static void test_path_not_dir_or_file(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	char url[256], file[160];
	int fd;

	/* parent "directory" is a regular file */
	snprintf(file, sizeof file, "%s/plain", f->dir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	TH_ASSERT_CMP(fd, >=, 0);
	close(fd);
	snprintf(url, sizeof url, "sqlite://%s/seam.db", file);
	assert_int_equal(seam_store_open(url, NULL, &st, &err), SEAM_IO);
	assert_non_null(strstr(err.msg, "is not a directory"));

	/* the database path is a directory */
	snprintf(url, sizeof url, "sqlite://%s", f->dir);
	assert_int_equal(seam_store_open(url, NULL, &st, &err), SEAM_IO);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_null(st);
}

/* Opens url and reports the outcome as "<code> <message>" into out. */
static void try_open(const char *url, char *out, size_t cap)
{
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	seam_err_t rc = seam_store_open(url, NULL, &st, &err);
	snprintf(out, cap, "%d %s", (int)rc, err.msg);
	seam_store_close(st);
}

static void test_unwritable_dir(void **state)
{
	fixture_t *f = *state;
	char ro[160], url[256], got[700] = "";
	int code = -1;

	snprintf(ro, sizeof ro, "%s/ro", f->dir);
	assert_int_equal(mkdir(ro, 0555), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	snprintf(url, sizeof url, "sqlite://%s/seam.db", ro);
	if (geteuid() != 0) {
		try_open(url, got, sizeof got);
	} else {
		/* root writes anywhere; check as an unprivileged user in a child instead. */
		int fds[2];
		pid_t pid;
		ssize_t n;
		assert_int_equal(chmod(f->dir, 0755), 0);
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		TH_ASSERT_CMP(pid, >=, 0);
		if (pid == 0) {
			char buf[700];
			close(fds[0]);
			if (setgid(65534) != 0 || setuid(65534) != 0)
				snprintf(buf, sizeof buf, "-1 setuid: %s", strerror(errno));
			else
				try_open(url, buf, sizeof buf);
			if (write(fds[1], buf, strlen(buf)) < 0)
				_exit(2);
			_exit(0);
		}
		close(fds[1]);
		n = read(fds[0], got, sizeof got - 1);
		close(fds[0]);
		waitpid(pid, NULL, 0);
		got[n > 0 ? n : 0] = '\0';
	}
	sscanf(got, "%d", &code);
	if (code == -1)
		fail_msg("child: %s", got);
	assert_int_equal(code, SEAM_IO);
	assert_non_null(strstr(got, ro));
	assert_non_null(strstr(got, "not writable"));
	assert_int_equal(access(url + 9, F_OK), -1); /* nothing was created */
}

static void test_corrupt_file(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	seam_store_t *st = (seam_store_t *)0x1;
	unsigned char junk[8192];
	uint32_t x = 2463534242u;
	FILE *fp;
	size_t i;

	for (i = 0; i < sizeof junk; i++) { /* xorshift: random-looking, reproducible */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		junk[i] = (unsigned char)x;
	}
	fp = fopen(f->path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(junk, 1, sizeof junk, fp), sizeof junk);
	fclose(fp);

	int fds = count_fds();
	assert_int_equal(seam_store_open(f->url, NULL, &st, &err), SEAM_CORRUPT);
	assert_null(st);
	assert_int_equal(count_fds(), fds);
	assert_non_null(strstr(err.msg, f->path));
	assert_non_null(strstr(err.msg, "file is not a database"));
	/* and the same without migrations */
	seam_store_opts_t o = {.migrate = 0};
	assert_int_equal(seam_store_open(f->url, &o, &st, &err), SEAM_CORRUPT);
}

/* must_exist (seam ctl): an existing store opens; a missing one is refused, naming the
 * absolute path tried, and nothing is created. */
static void test_must_exist(void **state)
{
	fixture_t *f = *state;
	seam_store_opts_t o = {.pool_size = 1, .must_exist = 1};
	seam_error_t err = {0};
	seam_store_t *st = (seam_store_t *)0x1;
	char cwd[512], want[300];
	struct stat sb;

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(seam_store_open("sqlite://seam.db", &o, &st, &err), SEAM_NOTFOUND);
	assert_null(st);
	snprintf(want, sizeof want, "sqlite %s/seam.db: no database there", f->dir);
	assert_string_equal(err.msg, want);
	assert_int_equal(stat("seam.db", &sb), -1); /* not created */
	assert_int_equal(stat("seam.db-wal", &sb), -1);
	/* a missing directory is the same answer: nothing there */
	assert_int_equal(seam_store_open("sqlite://nope/x.db", &o, &st, &err), SEAM_NOTFOUND);
	assert_int_equal(chdir(cwd), 0);

	seam_store_close(open_ok(f->url, 1));
	assert_int_equal(seam_store_open(f->url, &o, &st, &err), SEAM_OK);
	seam_store_close(st);
	/* memory stores have nothing to find on disk */
	assert_int_equal(seam_store_open("sqlite::memory:", &o, &st, &err), SEAM_OK);
	seam_store_close(st);
}

/* seam_store_check: what open would refuse, found without creating anything. */
static void test_check(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	char url[256], sql[200];
	struct stat sb;

	/* a store that does not exist yet is fine (open will create it), and is not created */
	assert_int_equal(seam_store_check(f->url, &err), SEAM_OK);
	assert_int_equal(stat(f->path, &sb), -1);
	assert_int_equal(seam_store_check("sqlite::memory:", &err), SEAM_OK);
	/* the URL */
	assert_int_equal(seam_store_check("postgresql://u:hunter2@127.0.0.1:1/seam", &err), SEAM_IO);
	assert_non_null(strstr(err.msg, "cannot connect"));
	assert_null(strstr(err.msg, "hunter2"));
	assert_int_equal(seam_store_check("mysql://x", &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "unknown scheme 'mysql'"));
	assert_int_equal(seam_store_check("sqlite://", &err), SEAM_INVAL);
	/* the directory */
	snprintf(url, sizeof url, "sqlite://%s/nope/seam.db", f->dir);
	assert_int_equal(seam_store_check(url, &err), SEAM_IO);
	assert_non_null(strstr(err.msg, "does not exist"));
	/* an existing file that is not a database */
	FILE *fp = fopen(f->path, "wb");
	assert_non_null(fp);
	for (int i = 0; i < 512; i++)
		fputs("not a database, just bytes ", fp);
	fclose(fp);
	assert_int_equal(seam_store_check(f->url, &err), SEAM_CORRUPT);
	assert_non_null(strstr(err.msg, "file is not a database"));
	unlink(f->path);
	/* a database newer than this binary */
	seam_store_t *st = open_ok(f->url, 1);
	assert_int_equal(seam_store_check(f->url, &err), SEAM_OK);
	snprintf(sql, sizeof sql, "INSERT INTO seam_migrations (version, name, applied_at) "
		 "VALUES (%d, 'NNN_from_the_future', 1)", known() + 1);
	exec_ok(st, sql);
	seam_store_close(st);
	assert_int_equal(seam_store_check(f->url, &err), SEAM_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "refusing to start"));
}

/* ---- migrations ----------------------------------------------------------------------------------- */

static void test_migration_list(void **state)
{
	size_t n = 0, i;
	const seam__migration_t *m = seam__store_migrations(&n);
	(void)state;
	TH_ASSERT_CMP(n, >=, 1);
	for (i = 0; i < n; i++) {
		char want[8];
		snprintf(want, sizeof want, "%03d_", (int)i + 1);
		assert_int_equal(m[i].version, (int)i + 1);
		assert_memory_equal(m[i].name, want, 4);
		TH_ASSERT_CMP(m[i].end, >, m[i].sql);
		assert_int_equal(*m[i].end, '\0');
		/* the whole file came in: no NUL inside, text up to the end symbol */
		assert_int_equal(strlen(m[i].sql), (size_t)(m[i].end - m[i].sql));
	}
	assert_string_equal(m[0].name, "001_core");
	assert_non_null(strstr(m[0].sql, "CREATE TABLE api_keys"));
	assert_non_null(strstr(m[0].sql, "CREATE INDEX timeline_correlation ON timeline (correlation_id);"));
}

static void test_migrations_applied_and_recorded(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	int64_t before = now_ms(), after;
	int applied = -1, k = -1;
	seam_store_t *st = open_ok(f->url, 1);
	after = now_ms();

	assert_int_equal(seam_store_schema_version(st, &applied, &k, &err), SEAM_OK);
	assert_int_equal(k, known());
	assert_int_equal(applied, known());
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM seam_migrations"), known());
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM seam_migrations WHERE version = 1 "
				       "AND name = '001_core'"), 1);
	int64_t at = query_int(st, "SELECT applied_at FROM seam_migrations WHERE version = 1");
	assert_in_range(at, before, after);

	/* 001's tables and their constraints are there */
	exec_ok(st, "INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) "
		    "VALUES ('k1', 'ci', 'seam_abc', 'ff', 'orders:read', 1)");
	exec_ok(st, "INSERT INTO settings (key, value, updated_at) VALUES ('flow.orders', 'paused', 1)");
	exec_ok(st, "INSERT INTO timeline (id, entity_type, entity_id, correlation_id, system, event, "
		    "detail, created_at) VALUES ('t1', 'order', 'o1', 'c1', 'erp', 'exported', NULL, 2)");
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
				       "name IN ('timeline_entity', 'timeline_correlation')"), 2);
	{
		seam_db_t *db = seam_store_acquire(st);
		assert_int_equal(seam_db_exec(db, "INSERT INTO api_keys (id, name, prefix, hash, scopes, "
					      "created_at) VALUES ('k2', 'other', 'seam_abc', 'ee', 'x', 1)",
					      &err), SEAM_CONFLICT);
		assert_non_null(strstr(err.msg, "api_keys.prefix"));
		seam_store_release(st, db);
	}
	assert_int_equal(seam_store_ready(st, &err), SEAM_OK);
	seam_store_close(st);
}

static void test_migrations_idempotent(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	seam_store_t *st = open_ok(f->url, 1);
	int64_t at = query_int(st, "SELECT applied_at FROM seam_migrations WHERE version = 1");
	exec_ok(st, "INSERT INTO settings (key, value, updated_at) VALUES ('a', 'b', 1)");
	assert_int_equal(seam_store_migrate(st, &err), SEAM_OK); /* again, same store */
	seam_store_close(st);

	st = open_ok(f->url, 1); /* and on reopen */
	assert_int_equal(seam_store_migrate(st, &err), SEAM_OK);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM seam_migrations"), known());
	assert_int_equal(query_int(st, "SELECT applied_at FROM seam_migrations WHERE version = 1"), at);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM settings"), 1); /* data kept */
	seam_store_close(st);
}

static void test_open_without_migrate(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	int applied = -1, k = -1;
	seam_store_t *st = open_ok(f->url, 0);

	assert_int_equal(seam_store_schema_version(st, &applied, &k, &err), SEAM_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(k, known());
	assert_int_equal(seam_store_ready(st, &err), SEAM_STORE);
	assert_non_null(strstr(err.msg, "migrations pending"));

	assert_int_equal(seam_store_migrate(st, &err), SEAM_OK);
	assert_int_equal(seam_store_schema_version(st, &applied, NULL, &err), SEAM_OK);
	assert_int_equal(applied, known());
	assert_int_equal(seam_store_ready(st, &err), SEAM_OK);
	seam_store_close(st);
}

static void test_newer_schema_refused(void **state)
{
	fixture_t *f = *state;
	seam_store_opts_t o = {.migrate = 1};
	seam_error_t err = {0};
	seam_store_t *st = open_ok(f->url, 1);
	char sql[200], want[200];

	snprintf(sql, sizeof sql, "INSERT INTO seam_migrations (version, name, applied_at) "
		 "VALUES (%d, 'NNN_from_the_future', 1)", known() + 1);
	exec_ok(st, sql);
	seam_store_close(st);

	snprintf(want, sizeof want, "database at version %d, this seam knows up to %d; refusing to start",
		 known() + 1, known());
	st = (seam_store_t *)0x1;
	int fds = count_fds();
	assert_int_equal(seam_store_open(f->url, &o, &st, &err), SEAM_UNSUPPORTED);
	assert_null(st);
	assert_int_equal(count_fds(), fds); /* the file and its -wal/-shm are closed again */
	assert_string_equal(err.msg, want);
	o.migrate = 0; /* refused whether or not this opener migrates */
	memset(&err, 0, sizeof err);
	assert_int_equal(seam_store_open(f->url, &o, &st, &err), SEAM_UNSUPPORTED);
	assert_string_equal(err.msg, want);
}

static void test_renamed_migration_refused(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	seam_store_t *st = open_ok(f->url, 1);
	exec_ok(st, "UPDATE seam_migrations SET name = '001_something_else' WHERE version = 1");
	seam_store_close(st);
	assert_int_equal(seam_store_open(f->url, NULL, &st, &err), SEAM_STORE);
	assert_null(st);
	assert_non_null(strstr(err.msg, "'001_something_else'"));
	assert_non_null(strstr(err.msg, "'001_core'"));
}

/* A migration that fails leaves nothing behind: the pending ones run in one transaction. */
static void test_failed_migration_rolls_back(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	seam_store_t *st = open_ok(f->url, 0);
	int applied = -1;

	/* 001 creates api_keys, then settings: make the second CREATE fail */
	exec_ok(st, "CREATE TABLE settings (x TEXT)");
	assert_int_equal(seam_store_migrate(st, &err), SEAM_STORE);
	assert_non_null(strstr(err.msg, "migration 001_core"));
	assert_non_null(strstr(err.msg, "settings already exists"));
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'api_keys'"), 0);
	assert_int_equal(seam_store_schema_version(st, &applied, NULL, &err), SEAM_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(seam_store_ready(st, &err), SEAM_STORE);

	/* A later one failing takes the earlier pending ones with it: an upgrade is all or
	 * nothing (001 applied alone would leave a store at a version no build ran). */
	exec_ok(st, "DROP TABLE settings");
	exec_ok(st, "CREATE TABLE jobs (x TEXT)");
	assert_int_equal(seam_store_migrate(st, &err), SEAM_STORE);
	assert_non_null(strstr(err.msg, "migration 002_queue"));
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'api_keys'"), 0);
	assert_int_equal(seam_store_schema_version(st, &applied, NULL, &err), SEAM_OK);
	assert_int_equal(applied, 0);

	exec_ok(st, "DROP TABLE jobs");
	assert_int_equal(seam_store_migrate(st, &err), SEAM_OK);
	assert_int_equal(seam_store_ready(st, &err), SEAM_OK);
	seam_store_close(st);
}

/* 011 on a store that ran jobs under 001-010: the running and succeeded attempts move onto
 * their jobs, and job_attempt_log shows the same history as the table did. */
static void test_attempt_rows_upgrade(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	size_t n = 0;
	const seam__migration_t *m = seam__store_migrations(&n);
	seam_store_t *st = open_ok(f->url, 0);
	char sql[256];

	assert_true(n >= 11);
	assert_string_equal(m[10].name, "011_attempt_rows");
	exec_ok(st, "CREATE TABLE seam_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
		    "applied_at BIGINT NOT NULL)");
	for (size_t i = 0; i < 10; i++) {
		exec_ok(st, m[i].sql);
		snprintf(sql, sizeof sql, "INSERT INTO seam_migrations VALUES (%d, '%s', 1)",
			 m[i].version, m[i].name);
		exec_ok(st, sql);
	}
	/* three jobs as 010 left them: running (attempt 2 after a retry), succeeded, dead */
	exec_ok(st, "INSERT INTO jobs (id, kind, flow, payload, state, attempts, max_attempts, run_at, "
		    "lease_owner, created_at, updated_at, finished_at) VALUES "
		    "('j1', 'k', 'f', '{}', 'running', 2, 5, 0, 'w#2', 1, 1, NULL), "
		    "('j2', 'k', 'f', '{}', 'succeeded', 1, 5, 0, NULL, 1, 1, 40), "
		    "('j3', 'k', 'f', '{}', 'dead', 1, 1, 0, NULL, 1, 1, 50)");
	exec_ok(st, "INSERT INTO job_attempts (id, job_id, attempt, started_at, finished_at, outcome, "
		    "error, lease_owner) VALUES "
		    "('a1', 'j1', 1, 10, 11, 'retry', 'boom', 'w#1'), "
		    "('a2', 'j1', 2, 20, NULL, 'running', NULL, 'w#2'), "
		    "('a3', 'j2', 1, 30, 40, 'succeeded', NULL, 'w#3'), "
		    "('a4', 'j3', 1, 45, 50, 'dead', 'no', 'w#4')");
	assert_int_equal(seam_store_migrate(st, &err), SEAM_OK);

	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM job_attempts"), 2); /* a1, a4 */
	assert_int_equal(query_int(st, "SELECT started_at FROM jobs WHERE id = 'j1'"), 20);
	assert_int_equal(query_int(st, "SELECT started_at FROM jobs WHERE id = 'j2'"), 30);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM jobs WHERE id = 'j3' AND started_at IS NULL"), 1);
	/* the history reads as before: four attempts, in order, each with its outcome */
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM job_attempt_log"), 4);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = 'j1' AND "
				       "attempt = 2 AND outcome = 'running' AND started_at = 20 AND "
				       "finished_at IS NULL AND lease_owner = 'w#2'"), 1);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = 'j2' AND "
				       "attempt = 1 AND outcome = 'succeeded' AND started_at = 30 AND "
				       "finished_at = 40 AND lease_owner = 'w#3'"), 1);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = 'j1' AND "
				       "outcome = 'retry' AND error = 'boom'"), 1);
	seam_store_close(st);
}

typedef struct opener {
	const char *url;
	pthread_barrier_t *go;
	seam_err_t rc;
	char msg[SEAM_ERROR_MSG_MAX];
} opener_t;

static void *open_thread(void *arg)
{
	opener_t *o = arg;
	seam_store_opts_t opts = {.pool_size = 2, .migrate = 1};
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	pthread_barrier_wait(o->go);
	o->rc = seam_store_open(o->url, &opts, &st, &err);
	memcpy(o->msg, err.msg, sizeof o->msg);
	seam_store_close(st);
	return NULL;
}

/* Several processes starting at once on a fresh file: each migration is applied exactly once
 * (a second application would fail on CREATE TABLE). Separate stores are separate
 * connections, which is what two processes are to SQLite's locking. */
static void test_concurrent_open_migrates_once(void **state)
{
	fixture_t *f = *state;
	enum { N = 4 };
	pthread_t t[N];
	opener_t o[N];
	pthread_barrier_t go;
	int i;

	pthread_barrier_init(&go, NULL, N);
	for (i = 0; i < N; i++) {
		o[i] = (opener_t){.url = f->url, .go = &go, .rc = SEAM_ERR};
		assert_int_equal(pthread_create(&t[i], NULL, open_thread, &o[i]), 0);
	}
	for (i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
	for (i = 0; i < N; i++)
		if (o[i].rc != SEAM_OK)
			fail_msg("opener %d: %s: %s", i, seam_errname(o[i].rc), o[i].msg);

	seam_store_t *st = open_ok(f->url, 0);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM seam_migrations"), known());
	seam_store_close(st);
}

/* The re-check under the lock: an opener that found a migration pending and then had to wait
 * for the write lock must skip it if the lock holder applied it meanwhile. Store A holds the
 * lock while B starts migrating; A then applies 001 itself and commits. Without the re-check
 * B would run 001 a second time and fail on CREATE TABLE. (Should B be slower than the sleep,
 * it reads the row before locking and the test still passes, only proving less.) */
static void test_migration_recheck_under_lock(void **state)
{
	fixture_t *f = *state;
	seam_error_t err = {0};
	seam_store_t *a = open_ok(f->url, 0);
	seam_db_t *db = seam_store_acquire(a);
	const seam__migration_t *m = seam__store_migrations(NULL);
	pthread_barrier_t go;
	opener_t b = {.url = f->url, .go = &go, .rc = SEAM_ERR};
	pthread_t t;
	char sql[200];

	assert_int_equal(seam_db_begin(db, &err), SEAM_OK);
	pthread_barrier_init(&go, NULL, 2);
	assert_int_equal(pthread_create(&t, NULL, open_thread, &b), 0);
	pthread_barrier_wait(&go);
	usleep(300 * 1000); /* B: opened, read "nothing applied", now waiting for the lock */
	assert_int_equal(seam_db_exec(db, "CREATE TABLE seam_migrations (version INTEGER PRIMARY KEY, "
				      "name TEXT NOT NULL, applied_at BIGINT NOT NULL)", &err), SEAM_OK);
	assert_int_equal(seam_db_exec(db, m[0].sql, &err), SEAM_OK);
	snprintf(sql, sizeof sql, "INSERT INTO seam_migrations VALUES (1, '%s', 1)", m[0].name);
	assert_int_equal(seam_db_exec(db, sql, &err), SEAM_OK);
	assert_int_equal(seam_db_commit(db, &err), SEAM_OK);
	seam_store_release(a, db);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&go);
	if (b.rc != SEAM_OK)
		fail_msg("second opener: %s: %s", seam_errname(b.rc), b.msg);
	assert_int_equal(query_int(a, "SELECT COUNT(*) FROM seam_migrations"), known());
	assert_int_equal(query_int(a, "SELECT applied_at FROM seam_migrations WHERE version = 1"), 1);
	seam_store_close(a);
}

/* ---- readiness and seam_db_run ------------------------------------------------------------------ */

static void test_ready_with_exhausted_pool(void **state)
{
	(void)state;
	seam_store_opts_t o = {.pool_size = 1, .busy_timeout_ms = 100, .migrate = 1};
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	struct timespec a, b;
	seam_db_t *db;
	double ms;

	assert_int_equal(seam_store_open("sqlite::memory:", &o, &st, &err), SEAM_OK);
	assert_int_equal(seam_store_ready(st, &err), SEAM_OK);
	db = seam_store_acquire(st);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(seam_store_ready(st, &err), SEAM_BUSY); /* answers instead of hanging */
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	TH_ASSERT_CMP(ms, >=, 90);
	TH_ASSERT_CMP(ms, <, 2000);
	assert_non_null(strstr(err.msg, "in use"));
	seam_store_release(st, db);
	assert_int_equal(seam_store_ready(st, &err), SEAM_OK);
	seam_store_close(st);
}

static void test_db_run(void **state)
{
	(void)state;
	seam_store_opts_t o = {.pool_size = 1, .migrate = 1};
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	seam_stmt_t *s = NULL;
	int64_t changes = -1;
	seam_db_t *db;

	assert_int_equal(seam_store_open("sqlite::memory:", &o, &st, &err), SEAM_OK);
	db = seam_store_acquire(st);
	assert_int_equal(seam_db_run(db, "INSERT INTO timeline (id, entity_type, entity_id, "
				     "correlation_id, system, event, detail, created_at) "
				     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
				     (const char *[]){"t1", "order", "o1", NULL, "erp", "exported", NULL,
						      "1700000000123"}, 8, &changes, &err), SEAM_OK);
	assert_int_equal(changes, 1);
	/* text bound into a BIGINT column reads back as the number */
	assert_int_equal(seam_db_prepare(db, "SELECT created_at, correlation_id FROM timeline", &s, &err),
			 SEAM_OK);
	assert_int_equal(seam_stmt_step(s, &err), SEAM_ROW);
	assert_int_equal(seam_stmt_column_int64(s, 0), 1700000000123LL);
	assert_true(seam_stmt_column_is_null(s, 1));
	seam_stmt_reset(s);

	assert_int_equal(seam_db_run(db, "UPDATE timeline SET detail = $1 WHERE entity_id = $2",
				     (const char *[]){"x", "nobody"}, 2, &changes, &err), SEAM_OK);
	assert_int_equal(changes, 0);
	/* a SELECT runs to completion and changes nothing */
	assert_int_equal(seam_db_run(db, "SELECT id FROM timeline", NULL, 0, &changes, &err), SEAM_OK);
	assert_int_equal(changes, 0);
	/* errors come back with their code and message */
	assert_int_equal(seam_db_run(db, "INSERT INTO timeline (id, entity_type, entity_id, system, "
				     "event, created_at) VALUES ($1, 'order', 'o1', 'erp', 'e', 1)",
				     (const char *[]){"t1"}, 1, &changes, &err), SEAM_CONFLICT);
	assert_non_null(strstr(err.msg, "timeline.id"));
	assert_int_equal(seam_db_run(db, "SELECT $1", (const char *[]){"a", "b"}, 2, NULL, &err),
			 SEAM_INVAL);
	assert_non_null(strstr(err.msg, "$2"));
	assert_int_equal(seam_db_run(db, "SELECT * FROM no_such_table", NULL, 0, NULL, &err), SEAM_STORE);
	assert_non_null(strstr(err.msg, "no such table: no_such_table"));
	seam_store_release(st, db);
	seam_store_close(st);
}

/* SQLite has one writer: begin_rows is a write transaction like begin, and the named locks are
 * held already (lock and trylock succeed at once); outside a transaction they are refused. */
static void test_rows_and_locks_on_sqlite(void **state)
{
	(void)state;
	seam_store_opts_t o = {.pool_size = 1, .migrate = 1};
	seam_error_t err = {0};
	seam_store_t *st = NULL;
	int got = -1;
	assert_int_equal(seam_store_open("sqlite::memory:", &o, &st, &err), SEAM_OK);
	seam_db_t *db = seam_store_acquire(st);
	assert_int_equal(seam_db_trylock(db, NULL, &got, &err), SEAM_INVAL);
	assert_int_equal(got, 0);
	assert_int_equal(seam_db_begin_rows(db, &err), SEAM_OK);
	assert_true(seam_db_in_tx(db));
	assert_int_equal(seam_db_lock(db, NULL, &err), SEAM_OK);
	assert_int_equal(seam_db_trylock(db, "seam.flow:x", &got, &err), SEAM_OK);
	assert_int_equal(got, 1);
	assert_int_equal(seam_db_run(db, "INSERT INTO timeline (id, entity_type, entity_id, system, "
				     "event, created_at) VALUES ('r1', 'order', 'o1', 'erp', 'e', 1)",
				     NULL, 0, NULL, &err), SEAM_OK);
	assert_int_equal(seam_db_begin(db, &err), SEAM_INVAL); /* one at a time */
	assert_int_equal(seam_db_commit(db, &err), SEAM_OK);
	assert_int_equal(seam_db_run(db, "DELETE FROM timeline WHERE id = 'r1'", NULL, 0, NULL, &err),
			 SEAM_OK);
	seam_store_release(st, db);
	seam_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_and_locks_on_sqlite),
		cmocka_unit_test_setup_teardown(test_url_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_not_dir_or_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_must_exist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test(test_migration_list),
		cmocka_unit_test_setup_teardown(test_migrations_applied_and_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrations_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_without_migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renamed_migration_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempt_rows_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_open_migrates_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_recheck_under_lock, setup, teardown),
		cmocka_unit_test(test_ready_with_exhausted_pool),
		cmocka_unit_test(test_db_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
