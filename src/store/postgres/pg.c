/*
 * pg.c: the PostgreSQL engine behind store.h (libpq), for several seam instances on one
 * database. The URL is libpq's: postgresql://user:password@host:port/db?params (a Unix socket
 * directory as host=/path), handed to PQconnectdb whole; messages never echo it (it may hold a
 * password), only host, port and database as libpq parsed them.
 *
 * Pool. Up to opts->pool_size connections, opened as acquires need them (the first at open,
 * where a wrong URL or a server that is down shows up), handed out by a mutex + condition
 * variable free list as in the SQLite engine. A connection found broken at release (the server
 * restarted, the network dropped) is reset (PQreset) before it is handed out again; an acquire
 * that cannot reconnect hands the connection out anyway and its first statement fails with
 * SEAM_IO, which the callers treat as any unavailable store (503 with Retry-After, a job
 * retried).
 *
 * Each connection runs with synchronous_commit=on (a commit is on disk on the server, as
 * SQLite's synchronous=FULL), lock_timeout and statement_timeout from opts->busy_timeout_ms
 * (a lock not had in time is SEAM_BUSY, as SQLITE_BUSY), client_encoding UTF8 and TimeZone UTC.
 *
 * Statements. SQL is already PostgreSQL's ($1, $2, ...). A statement is prepared on the server
 * (PQprepare, a name per connection) at its first step, with the types its bindings give:
 * text as unknown (the server infers, so CAST($1 AS BIGINT) and `col = $1` work as on SQLite),
 * int8 for int64 and float8 for double; a later step with other types prepares it again under a
 * new name. Each connection caches its statements by SQL text; release resets those used since
 * acquire. Results are read in text format, whole (seam's queries are bounded by LIMIT or by a
 * key), and columns are parsed on demand.
 *
 * Transactions. seam_db_begin is BEGIN plus pg_advisory_xact_lock on one key: write
 * transactions of every instance are serialized, as SQLite's BEGIN IMMEDIATE serializes the
 * writers of a file, so the check-then-insert patterns written for SQLite (one run at a time
 * per store, the migrations' re-check under the lock) keep their meaning on PostgreSQL. An error
 * inside a transaction leaves PostgreSQL's transaction aborted. A plain INSERT (whose unique
 * violation callers catch and go on from) runs behind a savepoint the engine takes for it, so
 * the caller goes on as on SQLite; any other statement runs bare (see needs_guard: savepoints
 * cost a round trip and a subtransaction each), and an error in it fails the rest of the
 * transaction, COMMIT included, which the callers already treat as the transaction failing.
 * Autocommit statements need none.
 *
 * Errors: SQLSTATE 23505 (unique) -> SEAM_CONFLICT; 55P03 (lock not available), 57014 (a
 * timeout), 40001 and 40P01 (serialization, deadlock) -> SEAM_BUSY; class 08 and a connection
 * that is gone -> SEAM_IO; 53 (insufficient resources) -> SEAM_IO; others SEAM_STORE, with the
 * server's message.
 *
 * Thread-safety: as store_int.h (one thread per connection; the pool is locked).
 */
#include "store/store_int.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STMT_CACHE_MAX 512
#define PARAM_MAX 1024          /* highest $N the engine binds */
#define ADVISORY_WRITE_KEY 5336 /* "SEAM": the key of the write lock */

#define OID_UNKNOWN 0
#define OID_INT8 20
#define OID_FLOAT8 701

typedef struct pg_pool pg_pool_t;
typedef struct pg_conn pg_conn_t;

typedef struct pg_stmt {
	seam_stmt_t base; /* first: store.c sees a seam_stmt_t */
	pg_conn_t *conn;
	char *sql;
	char name[24];     /* server-side name; "" until prepared */
	unsigned *types;   /* the types it was prepared with (nparams) */
	int prepared_n;    /* how many parameters it was prepared with */
	/* bindings of the next execution */
	char **vals;
	int *lens;
	unsigned *btypes;
	int nvals, capvals;
	/* the last execution */
	PGresult *res;
	int row;           /* current row; -1 before the first */
	int64_t changes;
	int running;
	int touched;
	int guarded;       /* runs behind a savepoint inside a transaction (needs_guard) */
	struct pg_stmt *next_cached, *next_touched;
} pg_stmt_t;

struct pg_conn {
	seam_db_t base;
	pg_pool_t *pool;
	PGconn *h;
	int in_tx;
	int ids;           /* statement names made */
	pg_stmt_t *cache;  /* by SQL text (a list: the set is small and hot ones are at the front) */
	int ncache;
	pg_stmt_t *touched;
	struct pg_conn *next_free;
};

struct pg_pool {
	char *url;
	char label[160]; /* "postgresql host:port/db", for messages */
	int size, opened, busy_ms;
	pg_conn_t *conns;
	pg_conn_t *free_list;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static const seam__store_engine_t *const engine = &seam__postgres_engine;

/* ---- errors ------------------------------------------------------------------------------ */

static seam_err_t map_state(const char *st, PGconn *h)
{
	if (!h || PQstatus(h) != CONNECTION_OK)
		return SEAM_IO;
	if (!st)
		return SEAM_STORE;
	if (!strcmp(st, "23505"))
		return SEAM_CONFLICT;
	if (!strcmp(st, "55P03") || !strcmp(st, "57014") || !strcmp(st, "40001") ||
	    !strcmp(st, "40P01"))
		return SEAM_BUSY;
	if (!strncmp(st, "08", 2) || !strncmp(st, "53", 2) || !strncmp(st, "57P", 3))
		return SEAM_IO;
	return SEAM_STORE;
}

/* One line of the server's (or libpq's) message. */
static const char *one_line(const char *m, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", m && *m ? m : "no message");
	for (char *p = buf; *p; p++)
		if (*p == '\n') {
			*p = '\0';
			break;
		}
	return buf;
}

/* err from a failed result (or the connection's message when there is none). */
static seam_err_t fail(seam_error_t *err, pg_conn_t *c, PGresult *r, const char *what)
{
	char line[400], state[24] = "";
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
							    : c->h ? PQerrorMessage(c->h)
								   : "not connected";
	if (st)
		snprintf(state, sizeof state, " (SQLSTATE %s)", st);
	return seam_errorf(err, map_state(st, c->h), "%s: %s%s%s%s", c->pool->label,
			   what ? what : "", what ? ": " : "", one_line(msg, line, sizeof line),
			   state);
}

/* ---- statements -------------------------------------------------------------------------- */

static void clear_result(pg_stmt_t *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->running = 0;
}

static void clear_binds(pg_stmt_t *s)
{
	for (int i = 0; i < s->nvals; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
		s->lens[i] = 0;
		s->btypes[i] = OID_UNKNOWN;
	}
	s->nvals = 0;
}

static void stmt_free(pg_stmt_t *s)
{
	if (!s)
		return;
	clear_result(s);
	clear_binds(s);
	free(s->vals);
	free(s->lens);
	free(s->btypes);
	free(s->types);
	free(s->sql);
	free(s);
}

static void touch(pg_conn_t *c, pg_stmt_t *s)
{
	if (!s->touched) {
		s->touched = 1;
		s->next_touched = c->touched;
		c->touched = s;
	}
}

/* Whether a statement needs a savepoint inside a transaction: a plain INSERT, whose unique
 * violation callers catch and go on from (an existing key, a quarantined version seen before).
 * Every other statement runs bare: an error in it aborts the transaction on PostgreSQL, so the
 * caller's next statement or its COMMIT fails too, and the group committer runs the batch again
 * with a savepoint per submission (batch.h) -- nothing is half-done either way. Savepoints cost
 * a round trip each and a subtransaction id per write, which the hot statements (enqueue,
 * lease, complete) must not pay. */
static int needs_guard(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	if (strncasecmp(sql, "INSERT", 6) != 0)
		return 0;
	for (const char *p = sql; (p = strchr(p, 'O')) != NULL; p++)
		if (strncmp(p, "ON CONFLICT", 11) == 0)
			return 0;
	return 1;
}

static seam_err_t pg_prepare(seam_db_t *db, const char *sql, seam_stmt_t **out, seam_error_t *err)
{
	pg_conn_t *c = (pg_conn_t *)db;
	pg_stmt_t *s, *prev = NULL;
	for (s = c->cache; s; prev = s, s = s->next_cached)
		if (!strcmp(s->sql, sql))
			break;
	if (s) {
		if (prev) { /* to the front: hot statements are found first */
			prev->next_cached = s->next_cached;
			s->next_cached = c->cache;
			c->cache = s;
		}
		clear_result(s);
		clear_binds(s);
		touch(c, s);
		*out = &s->base;
		return SEAM_OK;
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->sql = strdup(sql))) {
		free(s);
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	s->base.eng = engine;
	s->conn = c;
	s->row = -1;
	s->guarded = needs_guard(sql);
	s->next_cached = c->cache;
	c->cache = s;
	c->ncache++;
	touch(c, s);
	*out = &s->base;
	return SEAM_OK;
}

static seam_err_t bind(pg_stmt_t *s, int idx, char *v, int len, unsigned type)
{
	if (idx < 1 || idx > PARAM_MAX) {
		free(v);
		return SEAM_INVAL;
	}
	if (idx > s->capvals) {
		int cap = idx < 8 ? 8 : idx * 2;
		char **nv = realloc(s->vals, (size_t)cap * sizeof *nv);
		if (!nv) {
			free(v);
			return SEAM_NOMEM;
		}
		s->vals = nv;
		int *nl = realloc(s->lens, (size_t)cap * sizeof *nl);
		if (!nl) {
			free(v);
			return SEAM_NOMEM;
		}
		s->lens = nl;
		unsigned *nt = realloc(s->btypes, (size_t)cap * sizeof *nt);
		if (!nt) {
			free(v);
			return SEAM_NOMEM;
		}
		s->btypes = nt;
		for (int i = s->capvals; i < cap; i++) {
			s->vals[i] = NULL;
			s->lens[i] = 0;
			s->btypes[i] = OID_UNKNOWN;
		}
		s->capvals = cap;
	}
	free(s->vals[idx - 1]);
	s->vals[idx - 1] = v;
	s->lens[idx - 1] = len;
	s->btypes[idx - 1] = type;
	if (idx > s->nvals)
		s->nvals = idx;
	return SEAM_OK;
}

static seam_err_t pg_bind_text(seam_stmt_t *st, int idx, const char *v, size_t len)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	if (!v)
		return bind(s, idx, NULL, 0, OID_UNKNOWN);
	if (memchr(v, '\0', len))
		return SEAM_INVAL; /* PostgreSQL text holds no NUL */
	char *copy = malloc(len + 1);
	if (!copy)
		return SEAM_NOMEM;
	memcpy(copy, v, len);
	copy[len] = '\0';
	return bind(s, idx, copy, (int)len, OID_UNKNOWN);
}

static seam_err_t pg_bind_int64(seam_stmt_t *st, int idx, int64_t v)
{
	char *t = malloc(24);
	if (!t)
		return SEAM_NOMEM;
	int n = snprintf(t, 24, "%lld", (long long)v);
	return bind((pg_stmt_t *)st, idx, t, n, OID_INT8);
}

static seam_err_t pg_bind_double(seam_stmt_t *st, int idx, double v)
{
	char *t = malloc(40);
	if (!t)
		return SEAM_NOMEM;
	int n = snprintf(t, 40, "%.17g", v);
	return bind((pg_stmt_t *)st, idx, t, n, OID_FLOAT8);
}

static seam_err_t pg_bind_null(seam_stmt_t *st, int idx)
{
	return bind((pg_stmt_t *)st, idx, NULL, 0, OID_UNKNOWN);
}

/* Prepared on the server with these bindings' types (again when they changed). */
static seam_err_t server_prepare(pg_stmt_t *s, seam_error_t *err)
{
	pg_conn_t *c = s->conn;
	int same = s->name[0] && s->prepared_n == s->nvals;
	for (int i = 0; same && i < s->nvals; i++)
		same = s->types[i] == s->btypes[i];
	if (same)
		return SEAM_OK;
	if (s->name[0]) {
		char sql[48];
		snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
		PQclear(PQexec(c->h, sql));
	}
	snprintf(s->name, sizeof s->name, "seam_%d", ++c->ids);
	unsigned *t = s->nvals ? malloc((size_t)s->nvals * sizeof *t) : NULL;
	if (s->nvals && !t)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	for (int i = 0; i < s->nvals; i++)
		t[i] = s->btypes[i];
	free(s->types);
	s->types = t;
	s->prepared_n = s->nvals;
	PGresult *r = PQprepare(c->h, s->name, s->sql, s->nvals, (const Oid *)t);
	seam_err_t rc = SEAM_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = fail(err, c, r, "prepare");
		s->name[0] = '\0';
	}
	PQclear(r);
	return rc;
}

/* Runs the statement; a guarded one inside a transaction behind a savepoint that an error rolls
 * back to. */
static seam_err_t execute(pg_stmt_t *s, seam_error_t *err)
{
	pg_conn_t *c = s->conn;
	seam_err_t rc;
	int guard = c->in_tx && s->guarded;
	if (guard) {
		PGresult *r = PQexec(c->h, "SAVEPOINT seam_stmt");
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = fail(err, c, r, "savepoint");
			PQclear(r);
			return rc;
		}
		PQclear(r);
	}
	rc = server_prepare(s, err);
	if (rc == SEAM_OK) {
		s->res = PQexecPrepared(c->h, s->name, s->nvals, (const char *const *)s->vals,
					s->lens, NULL, 0);
		ExecStatusType st = PQresultStatus(s->res);
		if (st == PGRES_TUPLES_OK) {
			s->changes = atoll(PQcmdTuples(s->res));
		} else if (st == PGRES_COMMAND_OK) {
			s->changes = atoll(PQcmdTuples(s->res));
		} else {
			rc = fail(err, c, s->res, NULL);
			PQclear(s->res);
			s->res = NULL;
		}
	}
	if (guard) {
		PGresult *r = PQexec(c->h, rc == SEAM_OK ? "RELEASE SAVEPOINT seam_stmt"
							 : "ROLLBACK TO SAVEPOINT seam_stmt");
		if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == SEAM_OK)
			rc = fail(err, c, r, "savepoint");
		PQclear(r);
	}
	return rc;
}

static seam_err_t pg_step(seam_stmt_t *st, seam_error_t *err)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	if (!s->running) {
		s->running = 1;
		s->row = -1;
		seam_err_t rc = execute(s, err);
		if (rc != SEAM_OK) {
			clear_result(s);
			return rc;
		}
	}
	if (s->res && PQresultStatus(s->res) == PGRES_TUPLES_OK && s->row + 1 < PQntuples(s->res)) {
		s->row++;
		return SEAM_ROW;
	}
	return SEAM_DONE;
}

static void pg_reset(seam_stmt_t *st)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	clear_result(s);
	clear_binds(s);
}

static int pg_column_count(seam_stmt_t *st)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	return s->res ? PQnfields(s->res) : 0;
}

static int cell(pg_stmt_t *s, int col)
{
	return s->res && s->row >= 0 && s->row < PQntuples(s->res) && col >= 0 &&
	       col < PQnfields(s->res) && !PQgetisnull(s->res, s->row, col);
}

static const char *pg_column_text(seam_stmt_t *st, int col)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	return cell(s, col) ? PQgetvalue(s->res, s->row, col) : NULL;
}

static size_t pg_column_bytes(seam_stmt_t *st, int col)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	return cell(s, col) ? (size_t)PQgetlength(s->res, s->row, col) : 0;
}

static int64_t pg_column_int64(seam_stmt_t *st, int col)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	if (!cell(s, col))
		return 0;
	const char *v = PQgetvalue(s->res, s->row, col);
	if (v[0] == 't' && !v[1])
		return 1; /* a boolean expression's column */
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

static double pg_column_double(seam_stmt_t *st, int col)
{
	pg_stmt_t *s = (pg_stmt_t *)st;
	return cell(s, col) ? strtod(PQgetvalue(s->res, s->row, col), NULL) : 0.0;
}

static int pg_column_is_null(seam_stmt_t *st, int col)
{
	return !cell((pg_stmt_t *)st, col);
}

static int64_t pg_changes(seam_stmt_t *st)
{
	return ((pg_stmt_t *)st)->changes;
}

/* ---- transactions and plain SQL ----------------------------------------------------------- */

static seam_err_t simple(pg_conn_t *c, const char *sql, const char *what, seam_error_t *err)
{
	PGresult *r = PQexec(c->h, sql);
	ExecStatusType st = PQresultStatus(r);
	seam_err_t rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? SEAM_OK
									: fail(err, c, r, what);
	PQclear(r);
	return rc;
}

static seam_err_t pg_exec(seam_db_t *db, const char *sql, seam_error_t *err)
{
	pg_conn_t *c = (pg_conn_t *)db;
	if (!c->in_tx)
		return simple(c, sql, NULL, err);
	/* in a transaction: as a statement, behind a savepoint */
	seam_err_t rc = simple(c, "SAVEPOINT seam_stmt", "savepoint", err);
	if (rc != SEAM_OK)
		return rc;
	rc = simple(c, sql, NULL, err);
	seam_error_t ignored = {0};
	simple(c, rc == SEAM_OK ? "RELEASE SAVEPOINT seam_stmt" : "ROLLBACK TO SAVEPOINT seam_stmt",
	       "savepoint", &ignored);
	return rc;
}

static int pg_in_tx(const seam_db_t *db)
{
	return ((const pg_conn_t *)db)->in_tx;
}

/* The advisory key of a lock name: FNV-1a, 64 bits (the writer lock is ADVISORY_WRITE_KEY). */
static long long lock_key(const char *key)
{
	if (!key)
		return ADVISORY_WRITE_KEY;
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	long long k = (long long)(h >> 1);
	return k == ADVISORY_WRITE_KEY ? k + 1 : k;
}

static seam_err_t pg_lock(seam_db_t *db, const char *key, seam_error_t *err)
{
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%lld)", lock_key(key));
	return simple((pg_conn_t *)db, sql, "lock", err);
}

static seam_err_t pg_trylock(seam_db_t *db, const char *key, int *got, seam_error_t *err)
{
	pg_conn_t *c = (pg_conn_t *)db;
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT pg_try_advisory_xact_lock(%lld)", lock_key(key));
	PGresult *r = PQexec(c->h, sql);
	seam_err_t rc = SEAM_OK;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		*got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	else
		rc = fail(err, c, r, "lock");
	PQclear(r);
	return rc;
}

static seam_err_t pg_begin(seam_db_t *db, int serialized, seam_error_t *err)
{
	pg_conn_t *c = (pg_conn_t *)db;
	char sql[96];
	if (c->in_tx)
		return seam_errorf(err, SEAM_INVAL, "%s: a transaction is already open", c->pool->label);
	/* serialized: one writer at a time across every instance, as BEGIN IMMEDIATE on SQLite */
	if (serialized)
		snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
			 lock_key(NULL));
	else
		snprintf(sql, sizeof sql, "BEGIN");
	seam_err_t rc = simple(c, sql, "begin", err);
	if (rc != SEAM_OK) {
		PQclear(PQexec(c->h, "ROLLBACK"));
		return rc;
	}
	c->in_tx = 1;
	return SEAM_OK;
}

static seam_err_t pg_rollback(seam_db_t *db)
{
	pg_conn_t *c = (pg_conn_t *)db;
	if (!c->in_tx)
		return SEAM_OK;
	c->in_tx = 0;
	PQclear(PQexec(c->h, "ROLLBACK"));
	return SEAM_OK;
}

static seam_err_t pg_commit(seam_db_t *db, seam_error_t *err)
{
	pg_conn_t *c = (pg_conn_t *)db;
	if (!c->in_tx)
		return seam_errorf(err, SEAM_INVAL, "%s: commit without a transaction", c->pool->label);
	c->in_tx = 0;
	PGresult *r = PQexec(c->h, "COMMIT");
	seam_err_t rc = SEAM_OK;
	/* COMMIT of a transaction that failed answers ROLLBACK: not a success */
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = fail(err, c, r, "commit");
	else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
		rc = seam_errorf(err, SEAM_STORE, "%s: commit: the transaction was rolled back",
				 c->pool->label);
	PQclear(r);
	if (rc != SEAM_OK && PQtransactionStatus(c->h) != PQTRANS_IDLE)
		PQclear(PQexec(c->h, "ROLLBACK"));
	return rc;
}

static seam_err_t pg_table_exists(seam_db_t *db, const char *table, int *exists, seam_error_t *err)
{
	pg_conn_t *c = (pg_conn_t *)db;
	const char *p[1] = {table};
	PGresult *r = PQexecParams(c->h,
				   "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
				   "current_schema() AND tablename = $1",
				   1, NULL, p, NULL, NULL, 0);
	seam_err_t rc = SEAM_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = fail(err, c, r, "table_exists");
	else
		*exists = PQntuples(r) > 0;
	PQclear(r);
	return rc;
}

/* ---- connections and the pool ------------------------------------------------------------- */

static void conn_forget_statements(pg_conn_t *c)
{
	pg_stmt_t *s, *next;
	for (s = c->cache; s; s = next) {
		next = s->next_cached;
		stmt_free(s);
	}
	c->cache = NULL;
	c->ncache = 0;
	c->touched = NULL;
}

static void conn_close(pg_conn_t *c)
{
	conn_forget_statements(c);
	if (c->h)
		PQfinish(c->h);
	c->h = NULL;
}

static seam_err_t setup(pg_conn_t *c, seam_error_t *err)
{
	char sql[400];
	snprintf(sql, sizeof sql,
		 "SET synchronous_commit = on; SET client_min_messages = warning; "
		 "SET lock_timeout = %d; SET statement_timeout = %d; SET TimeZone = 'UTC'",
		 c->pool->busy_ms, c->pool->busy_ms > 0 ? c->pool->busy_ms * 6 : 0);
	if (PQsetClientEncoding(c->h, "UTF8") != 0)
		return seam_errorf(err, SEAM_IO, "%s: client encoding UTF8 refused", c->pool->label);
	return simple(c, sql, "session settings", err);
}

static seam_err_t conn_open(pg_pool_t *p, pg_conn_t *c, seam_error_t *err)
{
	char line[400];
	memset(c, 0, sizeof *c);
	c->base.eng = engine;
	c->pool = p;
	c->h = PQconnectdb(p->url);
	if (!c->h)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	if (PQstatus(c->h) != CONNECTION_OK) {
		seam_err_t rc = seam_errorf(err, SEAM_IO, "%s: cannot connect: %s", p->label,
					    one_line(PQerrorMessage(c->h), line, sizeof line));
		conn_close(c);
		return rc;
	}
	seam_err_t rc = setup(c, err);
	if (rc != SEAM_OK)
		conn_close(c);
	return rc;
}

/* A connection that broke since it was last used: reconnected, its statements forgotten (the
 * server's prepared statements went with the session). */
static void conn_heal(pg_conn_t *c)
{
	if (c->h && PQstatus(c->h) == CONNECTION_OK)
		return;
	conn_forget_statements(c);
	c->in_tx = 0;
	c->ids = 0;
	if (c->h) {
		PQreset(c->h);
	} else {
		c->h = PQconnectdb(c->pool->url);
	}
	if (c->h && PQstatus(c->h) == CONNECTION_OK) {
		seam_error_t e = {0};
		setup(c, &e);
	}
}

static void make_label(pg_pool_t *p)
{
	PQconninfoOption *o = PQconninfoParse(p->url, NULL);
	const char *host = "", *port = "", *db = "";
	for (PQconninfoOption *i = o; i && i->keyword; i++) {
		if (!i->val)
			continue;
		if (!strcmp(i->keyword, "host"))
			host = i->val;
		else if (!strcmp(i->keyword, "port"))
			port = i->val;
		else if (!strcmp(i->keyword, "dbname"))
			db = i->val;
	}
	snprintf(p->label, sizeof p->label, "postgresql %s%s%s/%s", *host ? host : "localhost",
		 *port ? ":" : "", port, db);
	PQconninfoFree(o);
}

static seam_err_t url_ok(const char *url, seam_error_t *err)
{
	char *msg = NULL;
	PQconninfoOption *o = PQconninfoParse(url, &msg);
	if (!o) {
		char line[300];
		seam_err_t rc = seam_errorf(err, SEAM_INVAL, "store url: not a PostgreSQL URL: %s",
					    one_line(msg, line, sizeof line));
		PQfreemem(msg);
		return rc;
	}
	PQconninfoFree(o);
	return SEAM_OK;
}

static void pool_free(pg_pool_t *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->opened; i++)
		conn_close(&p->conns[i]);
	free(p->conns);
	free(p->url);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

static seam_err_t pg_open(const char *target, const seam_store_opts_t *opts, void **impl,
			  seam_error_t *err)
{
	seam_err_t rc = url_ok(target, err);
	if (rc != SEAM_OK)
		return rc;
	pg_pool_t *p = calloc(1, sizeof *p);
	if (!p)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->url = strdup(target);
	p->size = opts->pool_size;
	p->busy_ms = opts->busy_timeout_ms;
	p->conns = calloc((size_t)p->size, sizeof *p->conns);
	if (!p->url || !p->conns) {
		pool_free(p);
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	make_label(p);
	if ((rc = conn_open(p, &p->conns[0], err)) != SEAM_OK) {
		pool_free(p);
		return rc;
	}
	if (opts->must_exist) {
		int exists = 0;
		rc = pg_table_exists(&p->conns[0].base, "seam_migrations", &exists, err);
		if (rc == SEAM_OK && !exists)
			rc = seam_errorf(err, SEAM_NOTFOUND, "%s: no seam store there (no "
					 "seam_migrations table)", p->label);
		if (rc != SEAM_OK) {
			p->opened = 1;
			pool_free(p);
			return rc;
		}
	}
	p->opened = 1;
	p->free_list = &p->conns[0];
	*impl = p;
	return SEAM_OK;
}

static void pg_close(void *impl)
{
	pool_free(impl);
}

static seam_err_t pg_check(const char *target, int *exists, seam_error_t *err)
{
	seam_err_t rc = url_ok(target, err);
	if (rc != SEAM_OK)
		return rc;
	pg_pool_t p = {.url = (char *)target, .size = 1, .busy_ms = 5000};
	pg_conn_t c;
	make_label(&p);
	if ((rc = conn_open(&p, &c, err)) != SEAM_OK)
		return rc;
	rc = pg_table_exists(&c.base, "seam_migrations", exists, err);
	conn_close(&c);
	return rc;
}

static seam_db_t *pg_acquire(void *impl, int timeout_ms)
{
	pg_pool_t *p = impl;
	pg_conn_t *c = NULL;
	struct timespec deadline;
	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		seam__store_add_ms(&deadline, timeout_ms);
	}
	pthread_mutex_lock(&p->mu);
	while (!p->free_list) {
		if (p->opened < p->size) {
			seam_error_t e = {0};
			pg_conn_t *n = &p->conns[p->opened];
			if (conn_open(p, n, &e) == SEAM_OK) {
				p->opened++;
				c = n;
				break;
			}
			/* the server refuses more (max_connections) or is gone: wait for ours */
			if (p->opened == 0) {
				/* no connection at all: hand out a broken one; its statements fail */
				n->base.eng = engine;
				n->pool = p;
				p->opened++;
				c = n;
				break;
			}
			fprintf(stderr, "seam store: %s: connection %d of %d could not be opened (%s)\n",
				p->label, p->opened + 1, p->size, e.msg);
			p->size = p->opened;
			continue;
		}
		if (timeout_ms < 0)
			pthread_cond_wait(&p->cv, &p->mu);
		else if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT)
			break;
	}
	if (!c && p->free_list) {
		c = p->free_list;
		p->free_list = c->next_free;
		c->next_free = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	if (c)
		conn_heal(c);
	return c ? &c->base : NULL;
}

static void pg_release(void *impl, seam_db_t *db)
{
	pg_pool_t *p = impl;
	pg_conn_t *c = (pg_conn_t *)db;
	pg_stmt_t *s, *next;
	for (s = c->touched; s; s = next) {
		next = s->next_touched;
		clear_result(s);
		clear_binds(s);
		s->touched = 0;
		s->next_touched = NULL;
	}
	c->touched = NULL;
	if (c->h)
		pg_rollback(db);
	/* a cache past its cap: the coldest statements go (server side too) */
	while (c->ncache > STMT_CACHE_MAX) {
		pg_stmt_t **pp = &c->cache;
		while ((*pp)->next_cached)
			pp = &(*pp)->next_cached;
		s = *pp;
		*pp = NULL;
		if (s->name[0] && c->h) {
			char sql[48];
			snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
			PQclear(PQexec(c->h, sql));
		}
		stmt_free(s);
		c->ncache--;
	}
	pthread_mutex_lock(&p->mu);
	c->next_free = p->free_list;
	p->free_list = c;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

const seam__store_engine_t seam__postgres_engine = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.check = pg_check,
	.acquire = pg_acquire,
	.release = pg_release,
	.table_exists = pg_table_exists,
	.begin = pg_begin,
	.lock = pg_lock,
	.trylock = pg_trylock,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.in_tx = pg_in_tx,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.reset = pg_reset,
	.column_count = pg_column_count,
	.column_text = pg_column_text,
	.column_bytes = pg_column_bytes,
	.column_int64 = pg_column_int64,
	.column_double = pg_column_double,
	.column_is_null = pg_column_is_null,
	.changes = pg_changes,
};
