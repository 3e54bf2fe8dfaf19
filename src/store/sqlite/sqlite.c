/*
 * sqlite.c: the SQLite engine behind store.h (the embedded default, one instance per file).
 *
 * Pool. Up to opts->pool_size connections, all to the same file, handed out by a mutex +
 * condition variable free list: acquire waits while all are in use. The first is opened at store
 * open (it is where a bad file shows up); the others when an acquire finds none free, so a
 * process that needs two connections opens two (each open costs about a millisecond: the file,
 * the -wal, the -shm mapping and three pragmas). A connection that cannot be opened later (no
 * file descriptors left) stops the growth with a line on stderr, and acquire waits for the ones
 * there are. A connection is used by one thread at a time, so connections are opened with
 * SQLITE_OPEN_NOMUTEX and nothing below a connection takes a lock.
 *
 * Each connection is set up the same way before the store is handed out: extended result
 * codes, sqlite3_busy_timeout (lock waits up to opts->busy_timeout_ms instead of failing), and
 * for files PRAGMA journal_mode=WAL (readers never block the writer), synchronous=FULL (a
 * commit is on disk; NORMAL with opts->synchronous_normal), foreign_keys=ON. The first pragma
 * is also the first read of the file, which is where a file that is not a database shows up.
 *
 * Memory. "sqlite::memory:" must give every pooled connection the SAME database. A plain
 * ":memory:" would give each its own; shared cache ("file:x?mode=memory&cache=shared") shares
 * it but replaces file locking by table locks that fail with SQLITE_LOCKED at once, without
 * the busy timeout, so concurrent writers would see spurious errors. The memdb VFS with a name
 * starting with '/' ("file:/seam-mem-<unique>?vfs=memdb", SQLite >= 3.36) is shared by all
 * connections of the process and keeps ordinary locking, so busy waits behave as with a file.
 * The database lives while the pool's connections are open. WAL does not apply to it.
 *
 * Statements. Each connection caches its prepared statements by SQL text in an open-addressing
 * hash table (sqlite3_prepare_v3 with SQLITE_PREPARE_PERSISTENT). The cache is capped
 * (STMT_CACHE_MAX); statements past the cap are prepared uncached and finalized at release,
 * which keeps store.h's promise that a statement is valid until its connection is released.
 * Statements prepared since acquire are chained on a "touched" list so release resets only
 * those.
 *
 * Parameters. SQL is written with PostgreSQL's $1, $2 ... SQLite reads "$1" as a NAMED
 * parameter and numbers parameters in order of first appearance, so "... $2 ... $1" has "$2" at
 * SQLite index 1. At prepare every parameter name must be "$N"; the statement keeps a map
 * N -> SQLite index, and binds go through it. Repeated "$1" is one SQLite parameter.
 *
 * Errors map to seam_err_t as store_int.h says (unique/primary key -> SEAM_CONFLICT,
 * BUSY/LOCKED -> SEAM_BUSY, CORRUPT/NOTADB -> SEAM_CORRUPT, CANTOPEN/READONLY/IOERR/FULL/PERM
 * -> SEAM_IO, NOMEM -> SEAM_NOMEM, misuse -> SEAM_INVAL, others SEAM_STORE) and every message
 * carries sqlite3_errmsg and the file.
 */
#include "store/store_int.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite/walbuf.h"

#define STMT_CACHE_MAX 512 /* cached statements per connection */
#define PARAM_MAX 32767    /* highest $N accepted (PostgreSQL allows 65535 in total) */

typedef struct sq_pool sq_pool_t;
typedef struct sq_conn sq_conn_t;

typedef struct sq_stmt {
	seam_stmt_t base;         /* first: store.c sees a seam_stmt_t */
	sq_conn_t *conn;
	sqlite3_stmt *h;
	char *sql;
	uint64_t hash;
	int *map;                 /* map[N] = SQLite index of $N (0: $N not in the statement) */
	int nmap;                 /* highest N */
	int64_t changes;          /* rows changed, recorded when the statement finished */
	int running;              /* stepped since the last reset */
	int touched;              /* on conn->touched */
	int transient;            /* not in the cache; finalized at release */
	struct sq_stmt *next;     /* touched list, or transient list */
} sq_stmt_t;

struct sq_conn {
	seam_db_t base;           /* first: store.c sees a seam_db_t */
	sq_pool_t *pool;
	sqlite3 *h;
	sq_stmt_t **slots;        /* open addressing, power-of-two capacity, no deletions */
	size_t nslots, count;
	sq_stmt_t *touched;       /* statements prepared since acquire */
	sq_stmt_t *transient;     /* uncached statements, finalized at release */
	sq_conn_t *next_free;
};

struct sq_pool {
	char *open_name;          /* what sqlite3_open_v2 gets */
	char *label;              /* the file as shown in messages */
	int memory;
	seam_store_opts_t opts;
	int size, opened;         /* conns[0 .. opened) are open */
	int grow;                 /* 0 once an open failed: stop trying */
	sq_conn_t *conns;
	sq_conn_t *free_list;
	int nfree;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static const seam__store_engine_t *const engine = &seam__sqlite_engine;

#define WAL_CHECKPOINT_FRAMES 1000

/* ---- errors ---------------------------------------------------------------------------------- */

static seam_err_t map_rc(int xrc)
{
	if (xrc == SQLITE_CONSTRAINT_UNIQUE || xrc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return SEAM_CONFLICT;
	switch (xrc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SEAM_BUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return SEAM_CORRUPT;
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_PERM:
		return SEAM_IO;
	case SQLITE_NOMEM:
		return SEAM_NOMEM;
	case SQLITE_MISUSE:
	case SQLITE_RANGE:
		return SEAM_INVAL;
	default:
		return SEAM_STORE;
	}
}

/* "sqlite <file>: <what>: <sqlite message>". msg NULL takes the connection's message. */
static seam_err_t fail(seam_error_t *err, sqlite3 *h, int xrc, const char *label, const char *msg,
		       const char *what)
{
	seam_err_t code = map_rc(xrc);
	int os = h && code == SEAM_IO ? sqlite3_system_errno(h) : 0;
	if (!msg)
		msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(xrc);
	return seam_errorf(err, code, "sqlite %s: %s%s%s%s%s%s", label, what ? what : "",
			   what ? ": " : "", msg, os ? " (" : "", os ? strerror(os) : "", os ? ")" : "");
}

/* ---- statements ------------------------------------------------------------------------------- */

static uint64_t hash_sql(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void stmt_free(sq_stmt_t *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->h);
	free(s->map);
	free(s->sql);
	free(s);
}

/* Only whitespace, semicolons and comments after the first statement. */
static int tail_is_empty(const char *t)
{
	while (t && *t) {
		if (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == ';') {
			t++;
		} else if (t[0] == '-' && t[1] == '-') {
			while (*t && *t != '\n')
				t++;
		} else if (t[0] == '/' && t[1] == '*') {
			const char *e = strstr(t + 2, "*/");
			if (!e)
				return 1;
			t = e + 2;
		} else {
			return 0;
		}
	}
	return 1;
}

/* Builds the $N -> SQLite index map; every parameter must be spelled $N. */
static seam_err_t build_map(sq_stmt_t *s, seam_error_t *err)
{
	int count = sqlite3_bind_parameter_count(s->h), i, max = 0;

	for (i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(s->h, i);
		char *end = NULL;
		long n;
		if (!name || name[0] != '$' || name[1] < '1' || name[1] > '9')
			goto bad;
		errno = 0;
		n = strtol(name + 1, &end, 10);
		if (errno || *end || n > PARAM_MAX)
			goto bad;
		if (n > max)
			max = (int)n;
		continue;
bad:
		return seam_errorf(err, SEAM_INVAL,
				   "sqlite %s: parameter %s in \"%.80s\": write parameters as $1, $2, ...",
				   s->conn->pool->label, name ? name : "?", s->sql);
	}
	if (max == 0)
		return SEAM_OK;
	s->map = calloc((size_t)max + 1, sizeof *s->map);
	if (!s->map)
		return seam_errorf(err, SEAM_NOMEM, "sqlite: out of memory");
	s->nmap = max;
	for (i = 1; i <= count; i++)
		s->map[atoi(sqlite3_bind_parameter_name(s->h, i) + 1)] = i;
	return SEAM_OK;
}

static seam_err_t cache_grow(sq_conn_t *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 32, i;
	sq_stmt_t **slots = calloc(n, sizeof *slots);
	if (!slots)
		return SEAM_NOMEM;
	for (i = 0; i < c->nslots; i++) {
		sq_stmt_t *s = c->slots[i];
		size_t j;
		if (!s)
			continue;
		for (j = s->hash & (n - 1); slots[j]; j = (j + 1) & (n - 1))
			;
		slots[j] = s;
	}
	free(c->slots);
	c->slots = slots;
	c->nslots = n;
	return SEAM_OK;
}

static sq_stmt_t *cache_find(sq_conn_t *c, const char *sql, uint64_t hash)
{
	size_t i;
	if (!c->nslots)
		return NULL;
	for (i = hash & (c->nslots - 1); c->slots[i]; i = (i + 1) & (c->nslots - 1)) {
		sq_stmt_t *s = c->slots[i];
		if (s->hash == hash && strcmp(s->sql, sql) == 0)
			return s;
	}
	return NULL;
}

static void cache_put(sq_conn_t *c, sq_stmt_t *s)
{
	size_t i;
	for (i = s->hash & (c->nslots - 1); c->slots[i]; i = (i + 1) & (c->nslots - 1))
		;
	c->slots[i] = s;
	c->count++;
}

static void touch(sq_conn_t *c, sq_stmt_t *s)
{
	if (s->touched || s->transient)
		return;
	s->touched = 1;
	s->next = c->touched;
	c->touched = s;
}

static void stmt_rewind(sq_stmt_t *s)
{
	sqlite3_reset(s->h);
	sqlite3_clear_bindings(s->h);
	s->running = 0;
	s->changes = 0;
}

static seam_err_t sq_prepare(seam_db_t *db, const char *sql, seam_stmt_t **out, seam_error_t *err)
{
	sq_conn_t *c = (sq_conn_t *)db;
	uint64_t hash = hash_sql(sql);
	sq_stmt_t *s = cache_find(c, sql, hash);
	const char *tail = NULL;
	int cached, xrc;
	seam_err_t rc;

	if (s) {
		stmt_rewind(s);
		touch(c, s);
		*out = &s->base;
		return SEAM_OK;
	}
	cached = c->count < STMT_CACHE_MAX;
	if (cached && (c->count + 1) * 2 > c->nslots && cache_grow(c) != SEAM_OK)
		return seam_errorf(err, SEAM_NOMEM, "sqlite: out of memory");
	s = calloc(1, sizeof *s);
	if (!s || !(s->sql = strdup(sql))) {
		free(s);
		return seam_errorf(err, SEAM_NOMEM, "sqlite: out of memory");
	}
	s->base.eng = engine;
	s->conn = c;
	s->hash = hash;
	s->transient = !cached;
	xrc = sqlite3_prepare_v3(c->h, sql, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0, &s->h, &tail);
	if (xrc != SQLITE_OK) {
		char what[120];
		snprintf(what, sizeof what, "prepare \"%.80s\"", sql);
		rc = fail(err, c->h, sqlite3_extended_errcode(c->h), c->pool->label, NULL, what);
		goto bad;
	}
	if (!s->h) {
		rc = seam_errorf(err, SEAM_INVAL, "sqlite %s: prepare: no statement in \"%.80s\"",
				 c->pool->label, sql);
		goto bad;
	}
	if (!tail_is_empty(tail)) {
		rc = seam_errorf(err, SEAM_INVAL, "sqlite %s: prepare: more than one statement in "
				 "\"%.80s\"; use seam_db_exec", c->pool->label, sql);
		goto bad;
	}
	rc = build_map(s, err);
	if (rc != SEAM_OK)
		goto bad;
	if (cached) {
		cache_put(c, s);
		touch(c, s);
	} else {
		s->next = c->transient;
		c->transient = s;
	}
	*out = &s->base;
	return SEAM_OK;
bad:
	stmt_free(s);
	return rc;
}

static int param_index(sq_stmt_t *s, int idx)
{
	return idx >= 1 && idx <= s->nmap ? s->map[idx] : 0;
}

static seam_err_t bind_rc(int xrc)
{
	return xrc == SQLITE_OK ? SEAM_OK : map_rc(xrc);
}

static seam_err_t sq_bind_text(seam_stmt_t *st, int idx, const char *v, size_t len)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	int i = param_index(s, idx);
	if (!i)
		return SEAM_INVAL;
	if (!v)
		return bind_rc(sqlite3_bind_null(s->h, i));
	return bind_rc(sqlite3_bind_text64(s->h, i, v, (sqlite3_uint64)len, SQLITE_TRANSIENT,
					   SQLITE_UTF8));
}

static seam_err_t sq_bind_int64(seam_stmt_t *st, int idx, int64_t v)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	int i = param_index(s, idx);
	return i ? bind_rc(sqlite3_bind_int64(s->h, i, v)) : SEAM_INVAL;
}

static seam_err_t sq_bind_double(seam_stmt_t *st, int idx, double v)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	int i = param_index(s, idx);
	return i ? bind_rc(sqlite3_bind_double(s->h, i, v)) : SEAM_INVAL;
}

static seam_err_t sq_bind_null(seam_stmt_t *st, int idx)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	int i = param_index(s, idx);
	return i ? bind_rc(sqlite3_bind_null(s->h, i)) : SEAM_INVAL;
}

static seam_err_t sq_step(seam_stmt_t *st, seam_error_t *err)
{
	sq_stmt_t *s = (sq_stmt_t *)st;
	sqlite3 *h = s->conn->h;
	int xrc;

	if (!s->running) {
		s->running = 1;
		s->changes = 0;
	}
	xrc = sqlite3_step(s->h);
	if (xrc == SQLITE_ROW)
		return SEAM_ROW;
	if (xrc == SQLITE_DONE) {
		if (!sqlite3_stmt_readonly(s->h))
			s->changes = sqlite3_changes64(h);
		return SEAM_DONE;
	}
	{
		char what[120];
		seam_err_t rc;
		snprintf(what, sizeof what, "\"%.80s\"", s->sql);
		rc = fail(err, h, sqlite3_extended_errcode(h), s->conn->pool->label, NULL, what);
		sqlite3_reset(s->h);
		s->running = 0;
		return rc;
	}
}

static void sq_reset(seam_stmt_t *st)
{
	stmt_rewind((sq_stmt_t *)st);
}

static int sq_column_count(seam_stmt_t *st)
{
	return sqlite3_column_count(((sq_stmt_t *)st)->h);
}

static const char *sq_column_text(seam_stmt_t *st, int col)
{
	return (const char *)sqlite3_column_text(((sq_stmt_t *)st)->h, col);
}

static size_t sq_column_bytes(seam_stmt_t *st, int col)
{
	return (size_t)sqlite3_column_bytes(((sq_stmt_t *)st)->h, col);
}

static int64_t sq_column_int64(seam_stmt_t *st, int col)
{
	return sqlite3_column_int64(((sq_stmt_t *)st)->h, col);
}

static double sq_column_double(seam_stmt_t *st, int col)
{
	return sqlite3_column_double(((sq_stmt_t *)st)->h, col);
}

static int sq_column_is_null(seam_stmt_t *st, int col)
{
	return sqlite3_column_type(((sq_stmt_t *)st)->h, col) == SQLITE_NULL;
}

static int64_t sq_changes(seam_stmt_t *st)
{
	return ((sq_stmt_t *)st)->changes;
}

/* ---- connections ------------------------------------------------------------------------------- */

static seam_err_t sq_exec(seam_db_t *db, const char *sql, seam_error_t *err)
{
	sq_conn_t *c = (sq_conn_t *)db;
	char *msg = NULL;
	int xrc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
	seam_err_t rc = SEAM_OK;
	if (xrc != SQLITE_OK)
		rc = fail(err, c->h, sqlite3_extended_errcode(c->h), c->pool->label, msg, "exec");
	sqlite3_free(msg);
	return rc;
}

static int sq_in_tx(const seam_db_t *db)
{
	return !sqlite3_get_autocommit(((const sq_conn_t *)db)->h);
}

static seam_err_t sq_begin(seam_db_t *db, int serialized, seam_error_t *err)
{
	sq_conn_t *c = (sq_conn_t *)db;
	(void)serialized; /* one writer per file: every write transaction is serialized */
	if (sq_in_tx(db))
		return seam_errorf(err, SEAM_INVAL, "sqlite %s: begin: a transaction is already open",
				   c->pool->label);
	/* IMMEDIATE: take the write lock now, waiting up to the busy timeout, so SQLITE_BUSY cannot
	 * appear later in the transaction where the caller could not simply retry. */
	return sq_exec(db, "BEGIN IMMEDIATE", err);
}

/* The writer of a SQLite file is alone already: nothing more to lock. */
static seam_err_t sq_lock(seam_db_t *db, const char *key, seam_error_t *err)
{
	(void)db;
	(void)key;
	(void)err;
	return SEAM_OK;
}

static seam_err_t sq_trylock(seam_db_t *db, const char *key, int *got, seam_error_t *err)
{
	*got = 1;
	return sq_lock(db, key, err);
}

static seam_err_t sq_rollback(seam_db_t *db)
{
	sq_conn_t *c = (sq_conn_t *)db;
	if (!sq_in_tx(db))
		return SEAM_OK;
	return sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK ? SEAM_OK : SEAM_STORE;
}

static seam_err_t sq_commit(seam_db_t *db, seam_error_t *err)
{
	sq_conn_t *c = (sq_conn_t *)db;
	seam_err_t rc;
	if (!sq_in_tx(db))
		return seam_errorf(err, SEAM_INVAL, "sqlite %s: commit: no transaction is open",
				   c->pool->label);
	rc = sq_exec(db, "COMMIT", err);
	if (rc != SEAM_OK)
		sq_rollback(db); /* a failed commit leaves nothing open (store_int.h) */
	return rc;
}

static seam_err_t sq_table_exists(seam_db_t *db, const char *table, int *exists, seam_error_t *err)
{
	seam_stmt_t *s = NULL;
	seam_err_t rc;
	*exists = 0;
	rc = sq_prepare(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1", &s, err);
	if (rc != SEAM_OK)
		return rc;
	rc = sq_bind_text(s, 1, table, strlen(table));
	if (rc == SEAM_OK)
		rc = sq_step(s, err);
	if (rc == SEAM_ROW)
		*exists = 1;
	sq_reset(s);
	return rc == SEAM_ROW || rc == SEAM_DONE ? SEAM_OK : rc;
}

/* Runs a pragma; when want is set, its one-row answer must equal it (case-insensitive). */
static seam_err_t pragma(sq_conn_t *c, const char *sql, const char *want, seam_error_t *err)
{
	sqlite3_stmt *st = NULL;
	int xrc = sqlite3_prepare_v2(c->h, sql, -1, &st, NULL);
	seam_err_t rc = SEAM_OK;

	if (xrc == SQLITE_OK)
		xrc = sqlite3_step(st);
	if (xrc != SQLITE_ROW && xrc != SQLITE_DONE && xrc != SQLITE_OK) {
		rc = fail(err, c->h, sqlite3_extended_errcode(c->h), c->pool->label, NULL, sql);
	} else if (want) {
		const char *got = xrc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		if (!got || strcasecmp(got, want) != 0)
			rc = seam_errorf(err, SEAM_IO, "sqlite %s: %s answered '%s', expected '%s'",
					 c->pool->label, sql, got ? got : "", want);
	}
	sqlite3_finalize(st);
	return rc;
}

static void conn_close(sq_conn_t *c)
{
	size_t i;
	sq_stmt_t *s, *next;
	for (i = 0; i < c->nslots; i++)
		stmt_free(c->slots[i]);
	free(c->slots);
	for (s = c->transient; s; s = next) {
		next = s->next;
		stmt_free(s);
	}
	sqlite3_close_v2(c->h);
	memset(c, 0, sizeof *c);
}

/* Process-wide SQLite settings, before its first use. Memory statistics off: with them on,
 * every sqlite3_malloc of every connection takes one global mutex, which the HTTP threads then
 * queue on (perf: a third of GET /v1/availability's time was that mutex); seam never reads
 * sqlite3_memory_used. */
static void sqlite_once(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static seam_err_t conn_open(sq_pool_t *p, sq_conn_t *c, seam_error_t *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int xrc;
	seam_err_t rc;

	pthread_once(&once, sqlite_once);

	memset(c, 0, sizeof *c);
	c->base.eng = engine;
	c->pool = p;
	if (p->memory)
		flags |= SQLITE_OPEN_URI;
	if (p->memory || !p->opts.must_exist)
		flags |= SQLITE_OPEN_CREATE;
	/* Files with synchronous=FULL: the WAL's frames of a commit in one write (walbuf.h) */
	const char *vfs = !p->memory && !p->opts.synchronous_normal ? seam_walbuf_vfs() : NULL;
	xrc = sqlite3_open_v2(p->open_name, &c->h, flags, vfs);
	if (xrc != SQLITE_OK) {
		rc = fail(err, c->h, c->h ? sqlite3_extended_errcode(c->h) : xrc, p->label, NULL, "open");
		goto out;
	}
	sqlite3_extended_result_codes(c->h, 1);
	sqlite3_busy_timeout(c->h, p->opts.busy_timeout_ms);
	if (!p->memory) {
		/* Switching a new file to WAL needs an exclusive lock, and SQLite does not call the
		 * busy handler when that lock is taken by another connection doing the same switch
		 * (it could deadlock), so several processes opening a new store at once would see
		 * "database is locked" at once: wait for the other opener ourselves. */
		for (int waited = 0;; waited += 10) {
			rc = pragma(c, "PRAGMA journal_mode=WAL", "wal", err);
			if (rc != SEAM_BUSY || waited >= p->opts.busy_timeout_ms)
				break;
			struct timespec ts = {0, 10 * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (rc != SEAM_OK)
			goto out;
		rc = pragma(c, p->opts.synchronous_normal ? "PRAGMA synchronous=NORMAL"
							  : "PRAGMA synchronous=FULL", NULL, err);
		if (rc != SEAM_OK)
			goto out;
	}
	rc = pragma(c, "PRAGMA foreign_keys=ON", NULL, err);
	/* The auto-checkpoint at SQLite's 1000 WAL frames (4 MB), said explicitly because both
	 * ways of moving it were measured (docs/performance.md): at 4000 frames bench/queue
	 * enqueued 15-20% more, but each checkpoint, four times larger, lands inside one commit
	 * and bench/webhooks' p99 went from 18 to 44 ms; a checkpointer thread of its own lost
	 * throughput on two cores (it competed with the committer, and racing the writer its
	 * checkpoints rarely let the WAL start over). */
	if (rc == SEAM_OK && !p->memory)
		sqlite3_wal_autocheckpoint(c->h, WAL_CHECKPOINT_FRAMES);
	/* Statement journals (the savepoint of every group-commit submission) in memory: on a
	 * file they spill past 64 KB to a temp file, one pwrite per page journaled. */
	if (rc == SEAM_OK)
		rc = pragma(c, "PRAGMA temp_store=MEMORY", NULL, err);
out:
	if (rc != SEAM_OK)
		conn_close(c);
	return rc;
}

/* ---- pool ------------------------------------------------------------------------------------- */

/* Up-front checks on the file and its directory: SQLite's own message for these is "unable to
 * open database file", which does not say what to fix. */
static seam_err_t check_path(const char *path, seam_error_t *err)
{
	char *dir = strdup(path), *slash;
	struct stat sb;
	seam_err_t rc = SEAM_IO;

	if (!dir)
		return seam_errorf(err, SEAM_NOMEM, "sqlite: out of memory");
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) != 0) {
		if (errno == ENOENT)
			seam_errorf(err, rc, "sqlite %s: directory %s does not exist", path, dir);
		else
			seam_errorf(err, rc, "sqlite %s: directory %s: %s", path, dir, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		seam_errorf(err, rc, "sqlite %s: %s is not a directory", path, dir);
		goto out;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		seam_errorf(err, rc, "sqlite %s: directory %s is not writable (%s); SQLite creates the "
			    "-wal and -shm files next to the database", path, dir, strerror(errno));
		goto out;
	}
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			seam_errorf(err, rc, "sqlite %s: is a directory, not a database file", path);
			goto out;
		}
		if (access(path, R_OK | W_OK) != 0) {
			seam_errorf(err, rc, "sqlite %s: file is not readable and writable (%s)", path,
				    strerror(errno));
			goto out;
		}
	}
	rc = SEAM_OK;
out:
	free(dir);
	return rc;
}

/* path as an absolute path, for messages that must say exactly which file was tried (the
 * directory resolved when it exists). Returns owned, or NULL on no memory. */
static char *abs_path(const char *path)
{
	char *dir = strdup(path), *slash, *real = NULL, *out = NULL;
	const char *base = path;
	if (!dir)
		return NULL;
	slash = strrchr(dir, '/');
	if (slash) {
		base = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	real = realpath(slash ? dir : ".", NULL);
	if (real) {
		if (asprintf(&out, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base) < 0)
			out = NULL;
	} else if (path[0] == '/') {
		out = strdup(path);
	} else {
		char cwd[4096];
		if (!getcwd(cwd, sizeof cwd) || asprintf(&out, "%s/%s", cwd, path) < 0)
			out = NULL;
	}
	free(real);
	free(dir);
	return out;
}

static seam_err_t sq_check(const char *target, int *exists, seam_error_t *err)
{
	struct stat sb;
	seam_err_t rc;
	*exists = 0;
	if (strcmp(target, ":memory:") == 0)
		return SEAM_OK;
	rc = check_path(target, err);
	if (rc == SEAM_OK)
		*exists = stat(target, &sb) == 0;
	return rc;
}

static void pool_free(sq_pool_t *p)
{
	int i;
	if (!p)
		return;
	for (i = 0; i < p->opened; i++)
		conn_close(&p->conns[i]);
	if (p->conns) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
	}
	free(p->conns);
	free(p->open_name);
	free(p->label);
	free(p);
}

static seam_err_t sq_open(const char *target, const seam_store_opts_t *opts, void **impl,
			  seam_error_t *err)
{
	sq_pool_t *p = NULL;
	seam_err_t rc = SEAM_NOMEM;

	*impl = NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		goto nomem;
	p->opts = *opts;
	p->size = opts->pool_size;
	p->memory = strcmp(target, ":memory:") == 0;
	p->label = strdup(target);
	if (!p->label)
		goto nomem;
	if (p->memory) {
		/* Unique per store: the pid tells processes apart, the pool's address and the clock
		 * stores within one (an address can be reused only after its store is closed). */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (asprintf(&p->open_name, "file:/seam-mem-%ld-%p-%lld%09ld?vfs=memdb", (long)getpid(),
			     (void *)p, (long long)ts.tv_sec, ts.tv_nsec) < 0) {
			p->open_name = NULL;
			goto nomem;
		}
	} else {
		struct stat sb;
		if (opts->must_exist && stat(target, &sb) != 0 && errno == ENOENT) {
			char *abs = abs_path(target);
			rc = seam_errorf(err, SEAM_NOTFOUND, "sqlite %s: no database there",
					 abs ? abs : target);
			free(abs);
			goto out;
		}
		rc = check_path(target, err);
		if (rc != SEAM_OK)
			goto out;
		rc = SEAM_NOMEM;
		/* SQLite (built with URI filenames on) would read "file:x" as a URI; "./file:x" not. */
		if (target[0] != '/' && strncmp(target, "file:", 5) == 0) {
			if (asprintf(&p->open_name, "./%s", target) < 0) {
				p->open_name = NULL;
				goto nomem;
			}
		} else if (!(p->open_name = strdup(target))) {
			goto nomem;
		}
	}
	p->conns = calloc((size_t)p->size, sizeof *p->conns);
	if (!p->conns)
		goto nomem;
	{
		/* Timed waits (readiness) measure on the monotonic clock: setting the wall clock
		 * must not stretch or cut them. */
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->cv, &ca);
		pthread_condattr_destroy(&ca);
		pthread_mutex_init(&p->mu, NULL);
	}
	rc = conn_open(p, &p->conns[0], err);
	if (rc != SEAM_OK)
		goto out;
	p->opened = 1;
	p->grow = 1;
	p->free_list = &p->conns[0];
	p->nfree = 1;
	*impl = p;
	return SEAM_OK;
nomem:
	rc = seam_errorf(err, SEAM_NOMEM, "sqlite %s: out of memory", target);
out:
	pool_free(p);
	return rc;
}

static void sq_close(void *impl)
{
	sq_pool_t *p = impl;
	if (!p)
		return;
	/* Closing with connections still borrowed would leave their users with freed memory. */
	if (p->nfree != p->opened) {
		fprintf(stderr, "seam store: closing %s with %d of %d connections still acquired\n",
			p->label, p->opened - p->nfree, p->opened);
		abort();
	}
	pool_free(p);
}

static seam_db_t *sq_acquire(void *impl, int timeout_ms)
{
	sq_pool_t *p = impl;
	sq_conn_t *c = NULL;
	struct timespec deadline;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		seam__store_add_ms(&deadline, timeout_ms);
	}
	pthread_mutex_lock(&p->mu);
	while (!p->free_list) {
		if (p->grow && p->opened < p->size) {
			/* Opened under the lock: this happens at most pool_size - 1 times in the
			 * pool's life, and the slot cannot be taken twice. */
			seam_error_t e = {0};
			if (conn_open(p, &p->conns[p->opened], &e) == SEAM_OK) {
				c = &p->conns[p->opened++];
				break;
			}
			p->grow = 0;
			fprintf(stderr, "seam store: %s: connection %d of %d could not be opened (%s); "
				"going on with %d\n", p->label, p->opened + 1, p->size, e.msg, p->opened);
			continue;
		}
		if (timeout_ms < 0) {
			pthread_cond_wait(&p->cv, &p->mu);
		} else if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT) {
			break;
		}
	}
	if (!c && p->free_list) {
		c = p->free_list;
		p->free_list = c->next_free;
		c->next_free = NULL;
		p->nfree--;
	}
	pthread_mutex_unlock(&p->mu);
	return c ? &c->base : NULL;
}

static void sq_release(void *impl, seam_db_t *db)
{
	sq_pool_t *p = impl;
	sq_conn_t *c = (sq_conn_t *)db;
	sq_stmt_t *s, *next;

	/* Reset first: a statement still stepping would hold its read snapshot open. */
	for (s = c->touched; s; s = next) {
		next = s->next;
		stmt_rewind(s);
		s->touched = 0;
		s->next = NULL;
	}
	c->touched = NULL;
	for (s = c->transient; s; s = next) {
		next = s->next;
		stmt_free(s);
	}
	c->transient = NULL;
	sq_rollback(db);
	pthread_mutex_lock(&p->mu);
	c->next_free = p->free_list;
	p->free_list = c;
	p->nfree++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

const seam__store_engine_t seam__sqlite_engine = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.check = sq_check,
	.acquire = sq_acquire,
	.release = sq_release,
	.table_exists = sq_table_exists,
	.begin = sq_begin,
	.lock = sq_lock,
	.trylock = sq_trylock,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.in_tx = sq_in_tx,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.bind_text = sq_bind_text,
	.bind_int64 = sq_bind_int64,
	.bind_double = sq_bind_double,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.reset = sq_reset,
	.column_count = sq_column_count,
	.column_text = sq_column_text,
	.column_bytes = sq_column_bytes,
	.column_int64 = sq_column_int64,
	.column_double = sq_column_double,
	.column_is_null = sq_column_is_null,
	.changes = sq_changes,
};
