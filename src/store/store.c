/*
 * store.c: the engine-independent half of store.h.
 *
 *   - URL dispatch: the scheme picks an engine (store_int.h), the rest is its target.
 *   - Thin wrappers: every seam_db_* / seam_stmt_* call goes through the engine table found in
 *     the object's generic header.
 *   - Written once against store.h: seam_db_run, the migrations runner, readiness.
 *
 * Migrations. The embedded list (migrations.c) is applied in version order. Each pending
 * migration runs in its own write transaction: begin (which takes the write lock up front),
 * check seam_migrations again, run the file, record (version, name, applied_at), commit. The
 * re-check under the lock is what keeps two processes that start at once from applying a
 * migration twice: the second waits for the lock (busy timeout), then sees the row and skips.
 * Every open also compares the recorded rows with the binary's list: a database at a version
 * this binary does not know, or whose recorded name for a version differs from the binary's
 * file, is refused before anything runs against it.
 *
 * Thread-safety: as store.h. Nothing here holds state of its own beyond the store object.
 */
#include "store/store_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- URL dispatch ------------------------------------------------------------------------ */

static seam_err_t parse_url(const char *url, const seam__store_engine_t **eng, const char **target,
			    seam_error_t *err)
{
	const char *sep;

	if (!url || !*url)
		return seam_errorf(err, SEAM_INVAL, "store url is empty; expected sqlite:///abs/path.db, "
				   "sqlite://relative/path.db or sqlite::memory:");
	if (strcmp(url, "sqlite::memory:") == 0) {
		*eng = &seam__sqlite_engine;
		*target = ":memory:";
		return SEAM_OK;
	}
	if (strncmp(url, "sqlite://", 9) == 0) {
		/* sqlite:///abs keeps its leading slash; sqlite://rel is relative to the cwd. */
		if (url[9] == '\0')
			return seam_errorf(err, SEAM_INVAL, "store url %s has no file path", url);
		*eng = &seam__sqlite_engine;
		*target = url + 9;
		return SEAM_OK;
	}
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		/* libpq takes the whole URL (user, password, host, port, database, parameters) */
		*eng = &seam__postgres_engine;
		*target = url;
		return SEAM_OK;
	}
	/* Echo the scheme only: the rest of a URL may hold a password. */
	sep = strstr(url, "://");
	if (sep)
		return seam_errorf(err, SEAM_INVAL,
				   "store url: unknown scheme '%.*s'; expected sqlite:// or postgresql://",
				   (int)(sep - url < 32 ? sep - url : 32), url);
	return seam_errorf(err, SEAM_INVAL, "store url: not a URL; expected sqlite:///abs/path.db, "
			   "sqlite://relative/path.db, sqlite::memory: or "
			   "postgresql://user@host/database");
}

void seam__store_add_ms(struct timespec *ts, int ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- migrations ---------------------------------------------------------------------------- */

static const char create_migrations_sql[] =
	"CREATE TABLE IF NOT EXISTS seam_migrations ("
	"version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/* The embedded list must ascend from 1 without gaps: a broken list is a build mistake that
 * would otherwise surface as a confusing schema error on someone's production database. */
static seam_err_t check_list(seam_error_t *err)
{
	size_t n, i;
	const seam__migration_t *m = seam__store_migrations(&n);
	for (i = 0; i < n; i++) {
		char want[16];
		snprintf(want, sizeof want, "%03d_", (int)(i + 1));
		if (m[i].version != (int)(i + 1) || strncmp(m[i].name, want, 4) != 0 ||
		    m[i].end < m[i].sql || *m[i].end != '\0')
			return seam_errorf(err, SEAM_ERR, "embedded migration list is broken at entry %zu "
					   "(version %d, name %s); see src/store/migrations.c",
					   i, m[i].version, m[i].name);
	}
	return SEAM_OK;
}

static int known_version(void)
{
	size_t n;
	const seam__migration_t *m = seam__store_migrations(&n);
	return n ? m[n - 1].version : 0;
}

/*
 * Reads what is recorded: the highest version, and checks every recorded name against the
 * binary's list. *applied is 0 when seam_migrations does not exist yet.
 */
static seam_err_t read_applied(seam_db_t *db, int *applied, seam_error_t *err)
{
	size_t n;
	const seam__migration_t *m = seam__store_migrations(&n);
	seam_stmt_t *s = NULL;
	int exists = 0, max = 0;
	seam_err_t rc;

	rc = db->eng->table_exists(db, "seam_migrations", &exists, err);
	if (rc != SEAM_OK || !exists)
		goto out;
	rc = seam_db_prepare(db, "SELECT version, name FROM seam_migrations ORDER BY version", &s, err);
	if (rc != SEAM_OK)
		goto out;
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		int64_t v = seam_stmt_column_int64(s, 0);
		const char *name = seam_stmt_column_text(s, 1);
		if (v > max)
			max = v > INT_MAX ? INT_MAX : (int)v;
		if (v >= 1 && (size_t)v <= n && strcmp(name ? name : "", m[v - 1].name) != 0) {
			rc = seam_errorf(err, SEAM_STORE,
					 "migration %d is recorded as '%s' but this seam has '%s'; the "
					 "database was migrated by a different build; refusing to start",
					 (int)v, name ? name : "", m[v - 1].name);
			goto out;
		}
	}
	if (rc == SEAM_DONE)
		rc = SEAM_OK;
out:
	if (s)
		seam_stmt_reset(s);
	*applied = rc == SEAM_OK ? max : 0;
	return rc;
}

/* read_applied, and a database newer than this binary is refused. */
static seam_err_t check_not_newer(seam_db_t *db, int *applied, seam_error_t *err)
{
	int known = known_version();
	seam_err_t rc = read_applied(db, applied, err);
	if (rc != SEAM_OK)
		return rc;
	if (*applied > known)
		return seam_errorf(err, SEAM_UNSUPPORTED,
				   "database at version %d, this seam knows up to %d; refusing to start",
				   *applied, known);
	return SEAM_OK;
}

/* Applies every migration after the last one recorded, in one transaction: a new store costs
 * one commit (one WAL sync) instead of one per migration, and an upgrade is all or nothing (a
 * failing migration leaves the store at the version it had, and the error names it). What is
 * recorded is read again under the write lock: another process may have migrated while this one
 * waited for it. */
static seam_err_t apply_pending(seam_db_t *db, const seam__migration_t *m, size_t n,
				seam_error_t *err)
{
	seam_stmt_t *s = NULL;
	const seam__migration_t *cur = NULL;
	int applied = 0;
	seam_err_t rc;

	rc = seam_db_begin(db, err);
	if (rc == SEAM_OK)
		rc = seam_db_exec(db, create_migrations_sql, err);
	if (rc == SEAM_OK)
		rc = check_not_newer(db, &applied, err);
	for (size_t i = 0; rc == SEAM_OK && i < n; i++) {
		if (m[i].version <= applied)
			continue;
		cur = &m[i];
		rc = seam_db_exec(db, cur->sql, err);
		if (rc != SEAM_OK)
			break;
		rc = seam_db_prepare(db, "INSERT INTO seam_migrations (version, name, applied_at) "
					 "VALUES ($1, $2, $3)", &s, err);
		if (rc == SEAM_OK)
			rc = seam_stmt_bind_int64(s, 1, cur->version);
		if (rc == SEAM_OK)
			rc = seam_stmt_bind_text(s, 2, cur->name);
		if (rc == SEAM_OK)
			rc = seam_stmt_bind_int64(s, 3, wall_ms());
		if (rc == SEAM_OK)
			rc = seam_stmt_step(s, err);
		if (s)
			seam_stmt_reset(s);
		rc = rc == SEAM_DONE ? SEAM_OK : rc;
		if (rc == SEAM_OK)
			cur = NULL;
	}
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, err);
	seam_db_rollback(db); /* no-op after commit */
	if (rc != SEAM_OK && cur)
		seam_error_prefix(err, "migration %s", cur->name);
	return rc;
}

static seam_err_t migrate_db(seam_db_t *db, seam_error_t *err)
{
	size_t n;
	const seam__migration_t *m = seam__store_migrations(&n);
	int applied = 0;
	seam_err_t rc;

	rc = check_list(err);
	if (rc != SEAM_OK)
		return rc;
	/* Read without the write lock: the common case (nothing pending) takes no lock at all. */
	rc = check_not_newer(db, &applied, err);
	if (rc != SEAM_OK || n == 0 || m[n - 1].version <= applied)
		return rc;
	return apply_pending(db, m, n, err);
}

/* ---- store ------------------------------------------------------------------------------- */

seam_err_t seam_store_open(const char *url, const seam_store_opts_t *opts, seam_store_t **out,
			   seam_error_t *err)
{
	const seam__store_engine_t *eng = NULL;
	const char *target = NULL;
	seam_store_t *st = NULL;
	seam_db_t *db = NULL;
	seam_err_t rc;

	*out = NULL;
	rc = parse_url(url, &eng, &target, err);
	if (rc != SEAM_OK)
		goto out;
	rc = SEAM_NOMEM;
	st = calloc(1, sizeof *st);
	if (!st) {
		seam_errorf(err, rc, "store: out of memory");
		goto out;
	}
	if (opts)
		st->opts = *opts;
	if (st->opts.pool_size < 0 || st->opts.busy_timeout_ms < 0) {
		rc = seam_errorf(err, SEAM_INVAL, "store: pool_size and busy_timeout_ms must be >= 0");
		goto out;
	}
	if (st->opts.pool_size == 0)
		st->opts.pool_size = SEAM__STORE_POOL_DEFAULT;
	if (st->opts.busy_timeout_ms == 0)
		st->opts.busy_timeout_ms = SEAM__STORE_BUSY_DEFAULT_MS;
	st->eng = eng;
	rc = eng->open(target, &st->opts, &st->impl, err);
	if (rc != SEAM_OK) {
		st->impl = NULL;
		goto out;
	}
	db = seam_store_acquire(st);
	if (st->opts.migrate) {
		rc = migrate_db(db, err);
	} else {
		int applied;
		rc = check_list(err);
		if (rc == SEAM_OK)
			rc = check_not_newer(db, &applied, err);
	}
	seam_store_release(st, db);
	if (rc != SEAM_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	seam_store_close(st);
	return rc;
}

seam_err_t seam_store_check(const char *url, seam_error_t *err)
{
	const seam__store_engine_t *eng = NULL;
	const char *target = NULL;
	seam_store_t *st = NULL;
	int exists = 0;
	seam_err_t rc = parse_url(url, &eng, &target, err);
	if (rc != SEAM_OK)
		return rc;
	rc = eng->check(target, &exists, err);
	if (rc != SEAM_OK || !exists)
		return rc;
	/* An existing store: open it the way serve will (header, schema version), one connection,
	 * no migrations, nothing created. */
	rc = seam_store_open(url, &(seam_store_opts_t){.pool_size = 1, .must_exist = 1}, &st, err);
	seam_store_close(st);
	return rc;
}

void seam_store_close(seam_store_t *st)
{
	if (!st)
		return;
	if (st->impl)
		st->eng->close(st->impl);
	free(st);
}

const char *seam_store_engine(const seam_store_t *st)
{
	return st->eng->name;
}

seam_err_t seam_store_migrate(seam_store_t *st, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_err_t rc = migrate_db(db, err);
	seam_store_release(st, db);
	return rc;
}

seam_err_t seam_store_schema_version(seam_store_t *st, int *applied, int *known, seam_error_t *err)
{
	int a = 0;
	seam_db_t *db = seam_store_acquire(st);
	seam_err_t rc = read_applied(db, &a, err);
	seam_store_release(st, db);
	if (applied)
		*applied = a;
	if (known)
		*known = known_version();
	return rc;
}

seam_err_t seam_store_ready(seam_store_t *st, seam_error_t *err)
{
	seam_db_t *db;
	seam_stmt_t *s = NULL;
	int applied = 0, known = known_version();
	seam_err_t rc;

	/* A probe must answer, not queue behind a saturated pool: wait one busy timeout at most. */
	db = st->eng->acquire(st->impl, st->opts.busy_timeout_ms);
	if (!db)
		return seam_errorf(err, SEAM_BUSY, "store: all %d connections stayed in use for %d ms",
				   st->opts.pool_size, st->opts.busy_timeout_ms);
	rc = seam_db_prepare(db, "SELECT 1", &s, err);
	if (rc == SEAM_OK)
		rc = seam_stmt_step(s, err);
	if (rc == SEAM_ROW && seam_stmt_column_int64(s, 0) != 1)
		rc = seam_errorf(err, SEAM_STORE, "store: SELECT 1 answered %lld",
				 (long long)seam_stmt_column_int64(s, 0));
	if (s)
		seam_stmt_reset(s);
	if (rc != SEAM_ROW)
		goto out;
	rc = read_applied(db, &applied, err);
	if (rc == SEAM_OK && applied != known)
		rc = seam_errorf(err, SEAM_STORE, "store: schema at version %d, this seam needs %d "
				 "(migrations pending)", applied, known);
out:
	seam_store_release(st, db);
	return rc;
}

seam_db_t *seam_store_acquire(seam_store_t *st)
{
	return st->eng->acquire(st->impl, -1);
}

void seam_store_release(seam_store_t *st, seam_db_t *db)
{
	if (db)
		st->eng->release(st->impl, db);
}

/* ---- thin wrappers --------------------------------------------------------------------------- */

seam_err_t seam_db_begin(seam_db_t *db, seam_error_t *err)
{
	return db->eng->begin(db, 1, err);
}

seam_err_t seam_db_begin_rows(seam_db_t *db, seam_error_t *err)
{
	return db->eng->begin(db, 0, err);
}

seam_err_t seam_db_lock(seam_db_t *db, const char *key, seam_error_t *err)
{
	if (!db->eng->in_tx(db))
		return seam_errorf(err, SEAM_INVAL, "lock %s: no transaction is open",
				   key ? key : "(writer)");
	return db->eng->lock(db, key, err);
}

seam_err_t seam_db_trylock(seam_db_t *db, const char *key, int *got, seam_error_t *err)
{
	*got = 0;
	if (!db->eng->in_tx(db))
		return seam_errorf(err, SEAM_INVAL, "lock %s: no transaction is open",
				   key ? key : "(writer)");
	return db->eng->trylock(db, key, got, err);
}

seam_err_t seam_db_commit(seam_db_t *db, seam_error_t *err)
{
	return db->eng->commit(db, err);
}

seam_err_t seam_db_rollback(seam_db_t *db)
{
	return db->eng->rollback(db);
}

int seam_db_in_tx(const seam_db_t *db)
{
	return db->eng->in_tx(db);
}

seam_err_t seam_db_exec(seam_db_t *db, const char *sql, seam_error_t *err)
{
	return db->eng->exec(db, sql, err);
}

seam_err_t seam_db_prepare(seam_db_t *db, const char *sql, seam_stmt_t **out, seam_error_t *err)
{
	*out = NULL;
	return db->eng->prepare(db, sql, out, err);
}

seam_err_t seam_stmt_bind_text(seam_stmt_t *s, int idx, const char *v)
{
	return s->eng->bind_text(s, idx, v, v ? strlen(v) : 0);
}

seam_err_t seam_stmt_bind_textn(seam_stmt_t *s, int idx, const char *v, size_t len)
{
	return s->eng->bind_text(s, idx, v, len);
}

seam_err_t seam_stmt_bind_int64(seam_stmt_t *s, int idx, int64_t v)
{
	return s->eng->bind_int64(s, idx, v);
}

seam_err_t seam_stmt_bind_double(seam_stmt_t *s, int idx, double v)
{
	return s->eng->bind_double(s, idx, v);
}

seam_err_t seam_stmt_bind_null(seam_stmt_t *s, int idx)
{
	return s->eng->bind_null(s, idx);
}

seam_err_t seam_stmt_step(seam_stmt_t *s, seam_error_t *err)
{
	return s->eng->step(s, err);
}

void seam_stmt_reset(seam_stmt_t *s)
{
	if (s)
		s->eng->reset(s);
}

int seam_stmt_column_count(seam_stmt_t *s)
{
	return s->eng->column_count(s);
}

const char *seam_stmt_column_text(seam_stmt_t *s, int col)
{
	return s->eng->column_text(s, col);
}

size_t seam_stmt_column_bytes(seam_stmt_t *s, int col)
{
	return s->eng->column_bytes(s, col);
}

int64_t seam_stmt_column_int64(seam_stmt_t *s, int col)
{
	return s->eng->column_int64(s, col);
}

double seam_stmt_column_double(seam_stmt_t *s, int col)
{
	return s->eng->column_double(s, col);
}

int seam_stmt_column_is_null(seam_stmt_t *s, int col)
{
	return s->eng->column_is_null(s, col);
}

int64_t seam_stmt_changes(seam_stmt_t *s)
{
	return s->eng->changes(s);
}

/* ---- generic helpers ------------------------------------------------------------------------- */

seam_err_t seam_db_run(seam_db_t *db, const char *sql, const char *const *params, int nparams,
		       int64_t *changes, seam_error_t *err)
{
	seam_stmt_t *s = NULL;
	seam_err_t rc;
	int i;

	if (changes)
		*changes = 0;
	rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK)
		return rc;
	for (i = 0; i < nparams; i++) {
		rc = seam_stmt_bind_text(s, i + 1, params ? params[i] : NULL);
		if (rc != SEAM_OK) {
			seam_errorf(err, rc, "binding $%d: %s", i + 1, seam_strerror(rc));
			goto out;
		}
	}
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW)
		;
	if (rc != SEAM_DONE)
		goto out;
	rc = SEAM_OK;
	if (changes)
		*changes = seam_stmt_changes(s);
out:
	seam_stmt_reset(s);
	return rc;
}
