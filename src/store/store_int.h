/*
 * store_int.h: what the engines behind store.h share with store.c and with each other. Not for
 * use outside src/store/.
 *
 * An engine is a table of functions (seam__store_engine_t). store.c parses the URL, picks the
 * engine, fills in default options and then only calls through the table; the generic pieces
 * (seam_db_run, the migrations runner, readiness) are written once against store.h itself.
 *
 * Objects. The engine owns its pool state (an opaque `void *impl`) and the connection and
 * statement objects it hands out. Those embed the generic headers below as their FIRST member,
 * so a seam_db_t * or seam_stmt_t * is also a pointer to the engine's own struct and the thin
 * wrappers in store.c can find the table through `->eng` without knowing the engine:
 *
 *   struct sqlite_conn { seam_db_t base; sqlite3 *h; ... };    (src/store/sqlite/sqlite.c)
 *   struct pg_conn     { seam_db_t base; PGconn *h; ... };     (src/store/postgres/, later)
 *
 * Contract every engine keeps (store.h states it for callers; docs/store.md for operators):
 *   - open fails cleanly: on error nothing stays open or allocated and err names the file or
 *     server; on success every pooled connection is ready (durability settings applied).
 *   - acquire(timeout_ms < 0) waits as long as it takes; with timeout_ms >= 0 it returns NULL
 *     after that long when all connections stay in use.
 *   - release resets every statement prepared since acquire, then rolls back an open
 *     transaction, then returns the connection to the pool and wakes one waiter.
 *   - begin takes the write lock up front (or the engine's equivalent); commit that fails
 *     leaves no transaction open (it has rolled back); rollback without a transaction is a no-op.
 *   - prepare returns a statement owned by the connection (cached by SQL text), reset and with
 *     bindings cleared; `$N` parameters are numbered as in PostgreSQL whatever the engine.
 *   - step returns SEAM_ROW, SEAM_DONE or an error already written to err; after an error the
 *     statement is reset. Error codes: SEAM_CONFLICT unique/primary key violation, SEAM_BUSY
 *     lock timeout, SEAM_CORRUPT damaged file, SEAM_IO file/disk/connection trouble,
 *     SEAM_STORE any other SQL error.
 *
 * Thread-safety: engine functions on one connection/statement are called by one thread at a
 * time (the thread that acquired it); open/close/acquire/release must be thread-safe.
 */
#ifndef SEAM_STORE_STORE_INT_H
#define SEAM_STORE_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct seam__store_engine seam__store_engine_t;

/* Generic headers; first member of each engine's connection and statement struct. */
struct seam_db {
	const seam__store_engine_t *eng;
};
struct seam_stmt {
	const seam__store_engine_t *eng;
};

/* The store object store.c hands out. */
struct seam_store {
	const seam__store_engine_t *eng;
	void *impl;              /* engine pool state, owned */
	seam_store_opts_t opts;  /* with defaults filled in */
};

struct seam__store_engine {
	const char *name; /* "sqlite", "postgresql": seam_store_engine() */

	/* target is what followed the scheme: a file path or ":memory:" for SQLite, the whole URL
	 * for PostgreSQL. opts has its defaults filled in. On success *impl is owned by the engine
	 * until close. */
	seam_err_t (*open)(const char *target, const seam_store_opts_t *opts, void **impl,
			   seam_error_t *err);
	void (*close)(void *impl);
	/* seam_store_check's engine half: what open would refuse about target, found without
	 * creating anything; *exists says whether there is a store there already to look into. */
	seam_err_t (*check)(const char *target, int *exists, seam_error_t *err);

	seam_db_t *(*acquire)(void *impl, int timeout_ms);
	void (*release)(void *impl, seam_db_t *db);

	/* 1 when table exists (the migrations runner asks before seam_migrations is created). */
	seam_err_t (*table_exists)(seam_db_t *db, const char *table, int *exists, seam_error_t *err);

	/* serialized: take the store-wide writer lock (seam_db_begin) or not (_begin_rows) */
	seam_err_t (*begin)(seam_db_t *db, int serialized, seam_error_t *err);
	/* key NULL: the store-wide writer lock; only inside a transaction */
	seam_err_t (*lock)(seam_db_t *db, const char *key, seam_error_t *err);
	seam_err_t (*trylock)(seam_db_t *db, const char *key, int *got, seam_error_t *err);
	seam_err_t (*commit)(seam_db_t *db, seam_error_t *err);
	seam_err_t (*rollback)(seam_db_t *db);
	int (*in_tx)(const seam_db_t *db);
	seam_err_t (*exec)(seam_db_t *db, const char *sql, seam_error_t *err);

	seam_err_t (*prepare)(seam_db_t *db, const char *sql, seam_stmt_t **out, seam_error_t *err);
	/* v == NULL binds NULL; len is the byte length of v. */
	seam_err_t (*bind_text)(seam_stmt_t *s, int idx, const char *v, size_t len);
	seam_err_t (*bind_int64)(seam_stmt_t *s, int idx, int64_t v);
	seam_err_t (*bind_double)(seam_stmt_t *s, int idx, double v);
	seam_err_t (*bind_null)(seam_stmt_t *s, int idx);
	seam_err_t (*step)(seam_stmt_t *s, seam_error_t *err);
	void (*reset)(seam_stmt_t *s);
	int (*column_count)(seam_stmt_t *s);
	const char *(*column_text)(seam_stmt_t *s, int col);
	size_t (*column_bytes)(seam_stmt_t *s, int col);
	int64_t (*column_int64)(seam_stmt_t *s, int col);
	double (*column_double)(seam_stmt_t *s, int col);
	int (*column_is_null)(seam_stmt_t *s, int col);
	int64_t (*changes)(seam_stmt_t *s);
};

/* The engines. */
extern const seam__store_engine_t seam__sqlite_engine;
extern const seam__store_engine_t seam__postgres_engine;

/* ts += ms (a pool's acquire deadline). */
struct timespec;
void seam__store_add_ms(struct timespec *ts, int ms);

/* Defaults for seam_store_opts_t fields left 0. */
#define SEAM__STORE_POOL_DEFAULT 8
#define SEAM__STORE_BUSY_DEFAULT_MS 5000

/*
 * Migrations embedded in the binary (src/store/migrations.c). Versions ascend from 1 without
 * gaps; sql is NUL-terminated and lives for the whole process.
 */
typedef struct seam__migration {
	int version;
	const char *name;  /* file name without ".sql", e.g. "001_core" */
	const char *sql;   /* start of the embedded file */
	const char *end;   /* its end (the terminating NUL) */
} seam__migration_t;

/* The table and its length. Never NULL. */
const seam__migration_t *seam__store_migrations(size_t *count);

#endif
