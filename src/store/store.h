/*
 * store.h: the one store interface of seam. Every module that persists anything uses this and
 * nothing else; the engine behind it is chosen by URL:
 *
 *   sqlite:///abs/path.db  sqlite://relative/path.db  sqlite::memory: (tests)
 *   postgresql://user@host/db  (a later engine; must fit this header unchanged)
 *
 * SQL dialect. Statements are written once and run on both engines, so they use the common
 * subset: numbered parameters `$1, $2, ...` (the SQLite engine maps them), TEXT / BIGINT /
 * INTEGER / DOUBLE PRECISION columns, `INSERT ... ON CONFLICT ... DO NOTHING/UPDATE`,
 * `RETURNING`, no AUTOINCREMENT (ids are made by the application: seam_id_new()), times as
 * BIGINT milliseconds since the Unix epoch, JSON as TEXT. Engine-only SQL is a bug.
 *
 * Concurrency model. A seam_store_t is a pool of connections (seam_db_t). A thread acquires a
 * connection, uses it (statements, transactions), and releases it; a connection is used by one
 * thread at a time. Prepared statements are cached per connection by SQL text, so
 * seam_db_prepare() on a hot path costs a hash lookup; a statement is reset when re-prepared
 * and when its connection is released.
 *
 * Transactions. seam_db_begin() starts a write transaction (SQLite: BEGIN IMMEDIATE, so the
 * write lock is taken up front and SQLITE_BUSY cannot appear mid-transaction); every statement
 * until commit/rollback belongs to it. Outside a transaction each statement autocommits.
 * Durability: a successful commit is on disk (SQLite WAL with synchronous=FULL by default).
 *
 * Migrations are numbered SQL files in src/store/migrations/, embedded in the binary, applied
 * in order at open (when opts->migrate) inside one transaction each, and recorded in
 * seam_migrations (version, name, applied_at). A database newer than the binary is refused.
 *
 * Errors: SEAM_STORE for SQL errors, SEAM_CONFLICT for unique/primary key violations,
 * SEAM_BUSY when a lock could not be had within the busy timeout, SEAM_CORRUPT for a damaged
 * file, SEAM_IO for unreadable/unwritable files; the message on seam_error_t says which table
 * or file. Thread-safety: see the concurrency model; seam_store_* functions are thread-safe.
 */
#ifndef SEAM_STORE_STORE_H
#define SEAM_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct seam_store seam_store_t;
typedef struct seam_db seam_db_t;
typedef struct seam_stmt seam_stmt_t;

typedef struct seam_store_opts {
	int pool_size;          /* connections; 0 = default (8) */
	int busy_timeout_ms;    /* wait for locks; 0 = default (5000) */
	int migrate;            /* apply pending migrations at open */
	int synchronous_normal; /* SQLite: trade the last commits on power loss for speed; default off */
	int must_exist;         /* open an existing store only, never create one (seam ctl): a
				   missing one is SEAM_NOTFOUND naming the absolute path tried */
} seam_store_opts_t;

/* Opens the store at url. Returns SEAM_OK and an owned *out (close with seam_store_close), or an
 * error with a message naming the file/server (unwritable path, corrupt file, unknown scheme). */
seam_err_t seam_store_open(const char *url, const seam_store_opts_t *opts, seam_store_t **out,
			   seam_error_t *err);
/* What seam_store_open(url, migrate) would run into, found without creating anything: the
 * URL (a scheme that is not implemented, a missing path), the file's directory (missing, not
 * writable), and an existing file (not readable and writable, not a database, a schema newer
 * than the binary). A file that does not exist yet is fine: open creates it. `seam check` and
 * the start of `seam serve` run this. SEAM_OK, or the error open would give. */
seam_err_t seam_store_check(const char *url, seam_error_t *err);

/* Closes every connection (all must be released). NULL is fine. */
void seam_store_close(seam_store_t *st);

/* "sqlite" or "postgresql". */
const char *seam_store_engine(const seam_store_t *st);

/* Applies pending migrations (also done by open when opts->migrate). */
seam_err_t seam_store_migrate(seam_store_t *st, seam_error_t *err);
/* Highest applied migration version, and the highest the binary knows. */
seam_err_t seam_store_schema_version(seam_store_t *st, int *applied, int *known, seam_error_t *err);
/* Readiness: a connection answers a trivial query and all known migrations are applied. */
seam_err_t seam_store_ready(seam_store_t *st, seam_error_t *err);

/* Borrows a connection, waiting for one when all are in use. Never NULL for an open store.
 * Give it back with seam_store_release (which rolls back a transaction left open). */
seam_db_t *seam_store_acquire(seam_store_t *st);
void seam_store_release(seam_store_t *st, seam_db_t *db);

seam_err_t seam_db_begin(seam_db_t *db, seam_error_t *err);
/* A write transaction whose correctness rests on its rows alone (unique keys, conditional
 * UPDATEs, SKIP LOCKED), so it need not wait for other writers: SQLite has one writer anyway
 * (BEGIN IMMEDIATE); PostgreSQL skips the store-wide writer lock seam_db_begin takes, so the
 * group committers of several instances commit side by side. Statements that do rely on being
 * the only writer (check, then insert) take seam_db_lock first. */
seam_err_t seam_db_begin_rows(seam_db_t *db, seam_error_t *err);
/* Inside a transaction: takes the exclusive lock named key (NULL: the store-wide writer lock
 * that seam_db_begin takes) until the transaction ends, waiting up to the busy timeout
 * (SEAM_BUSY). Across instances on PostgreSQL (an advisory lock); a no-op on SQLite, whose
 * writer is already alone. */
seam_err_t seam_db_lock(seam_db_t *db, const char *key, seam_error_t *err);
/* The same without waiting: *got is 1 when the lock is now held (until the transaction ends),
 * 0 when another transaction holds it. For work that can as well be done later (maintenance). */
seam_err_t seam_db_trylock(seam_db_t *db, const char *key, int *got, seam_error_t *err);
seam_err_t seam_db_commit(seam_db_t *db, seam_error_t *err);
seam_err_t seam_db_rollback(seam_db_t *db); /* safe to call without a transaction */
int seam_db_in_tx(const seam_db_t *db);

/* Runs SQL without parameters or results (may hold several statements). */
seam_err_t seam_db_exec(seam_db_t *db, const char *sql, seam_error_t *err);

/* Prepares (or takes from the connection's cache) a statement. The statement is borrowed from
 * the connection: valid until the connection is released; do not finalize it. */
seam_err_t seam_db_prepare(seam_db_t *db, const char *sql, seam_stmt_t **out, seam_error_t *err);

/* Parameters are 1-based ($1 is index 1). Text and blobs are copied. NULL text binds NULL. */
seam_err_t seam_stmt_bind_text(seam_stmt_t *s, int idx, const char *v);
seam_err_t seam_stmt_bind_textn(seam_stmt_t *s, int idx, const char *v, size_t len);
seam_err_t seam_stmt_bind_int64(seam_stmt_t *s, int idx, int64_t v);
seam_err_t seam_stmt_bind_double(seam_stmt_t *s, int idx, double v);
seam_err_t seam_stmt_bind_null(seam_stmt_t *s, int idx);

/* Runs or advances: SEAM_ROW (a row is readable), SEAM_DONE (finished), or an error
 * (SEAM_CONFLICT on a unique violation, SEAM_BUSY, SEAM_STORE ...). */
seam_err_t seam_stmt_step(seam_stmt_t *s, seam_error_t *err);
/* Rewinds the statement and clears its bindings so it can run again. */
void seam_stmt_reset(seam_stmt_t *s);

/* Columns are 0-based. Text is borrowed: valid until the next step/reset. NULL column: text
 * gives NULL, numbers give 0; seam_stmt_column_is_null tells them apart. */
int seam_stmt_column_count(seam_stmt_t *s);
const char *seam_stmt_column_text(seam_stmt_t *s, int col);
size_t seam_stmt_column_bytes(seam_stmt_t *s, int col);
int64_t seam_stmt_column_int64(seam_stmt_t *s, int col);
double seam_stmt_column_double(seam_stmt_t *s, int col);
int seam_stmt_column_is_null(seam_stmt_t *s, int col);
/* Rows changed by the last INSERT/UPDATE/DELETE on this statement. */
int64_t seam_stmt_changes(seam_stmt_t *s);

/* Convenience: prepare, bind texts (NULL entries bind NULL), step to completion, reset.
 * Returns SEAM_OK when the statement finished, or the error. */
seam_err_t seam_db_run(seam_db_t *db, const char *sql, const char *const *params, int nparams,
		       int64_t *changes, seam_error_t *err);

#endif
