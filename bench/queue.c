/*
 * bench/queue.c: throughput of the job queue against the ceiling it is built on.
 *
 *   ceiling  raw SQLite single-row INSERT commits per second, WAL + synchronous=FULL, on the same
 *            disk: what one durable acknowledgement per event could reach without batching.
 *   enqueue  durable enqueues per second from 64 producer threads through seam_queue_submit
 *            (each enqueue is its own submission; group commit shares the COMMITs).
 *   process  no-op jobs per second leased, run and completed (durably) by the workers.
 *
 * Each measurement runs --runs times (default 3) on a fresh database; the median is printed
 * with the ratios enqueue/ceiling (target >= 10x) and process/enqueue (target >= 50%).
 *
 * With --store postgresql://... the same runs go to that database (EMPTIED before each run:
 * give it a scratch database; `make bench` starts a private cluster with scripts/pg-test.sh):
 *
 *   ceiling  pgbench's single-row INSERT transactions per second on that database, one client
 *            (one durable commit per row, synchronous_commit=on), and with 64 clients (the
 *            server's own commit sharing) for reference; target: enqueue >= 5x the first.
 *   process  measured with one instance and with --instances N (default 3) seam queues, each
 *            with its own connection pool and instance name, on the one database.
 *
 *   build/bench/queue [--runs N] [--dir DIR] [--producers N] [--per N] [--workers N]
 *                     [--prefetch N] [--store postgresql://...] [--instances N]
 *
 * Defaults: 3 runs, 64 producers x 250 enqueues, the queue's defaults (4 workers, adaptive
 * prefetch).
 * DIR defaults to a new directory under $TMPDIR or /tmp; it is removed afterwards.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "queue/queue.h"

typedef struct cfg {
	int runs, producers, per, workers, prefetch, instances;
	const char *dir;
	const char *pg; /* postgresql:// URL, or NULL for SQLite */
} cfg_t;

static double now_s(void)
{
	return seam_mono_s();
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench/queue: %s: %s\n", what, msg);
	exit(1);
}

static void rm_db(const char *path)
{
	char p[600];
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		unlink(p);
	}
}

/* --- ceiling ------------------------------------------------------------------------------ */

static double ceiling_run(const cfg_t *c, int run)
{
	char path[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	snprintf(path, sizeof path, "%s/ceiling-%d.db", c->dir, run);
	rm_db(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("sqlite open", sqlite3_errmsg(db));
	char *msg = NULL;
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			 "CREATE TABLE t (id TEXT PRIMARY KEY, payload TEXT NOT NULL, at BIGINT NOT NULL)",
			 NULL, NULL, &msg) != SQLITE_OK)
		die("sqlite setup", msg);
	if (sqlite3_prepare_v2(db, "INSERT INTO t (id, payload, at) VALUES (?1, ?2, ?3)", -1, &st,
			       NULL) != SQLITE_OK)
		die("sqlite prepare", sqlite3_errmsg(db));
	int n = 0;
	double t0 = now_s(), t;
	do { /* one autocommit transaction (one fsync) per row, for about 1.5 s */
		char id[SEAM_UUID_STR_LEN];
		seam_id_new(id);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, "{\"event\":\"evt\"}", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, seam_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE)
			die("sqlite insert", sqlite3_errmsg(db));
		sqlite3_reset(st);
		n++;
		t = now_s() - t0;
	} while (t < 1.5);
	sqlite3_finalize(st);
	sqlite3_close(db);
	rm_db(path);
	return n / t;
}

/* --- PostgreSQL: a scratch database and pgbench's ceiling ----------------------------------- */

static void pg_exec(const char *url, const char *sql)
{
	PGconn *h = PQconnectdb(url);
	if (PQstatus(h) != CONNECTION_OK)
		die("postgresql connect", PQerrorMessage(h));
	PGresult *r = PQexec(h, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("postgresql", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(h);
}

/* Everything seam made in the scratch database goes, so each run starts from nothing. */
static void pg_wipe(const char *url)
{
	pg_exec(url, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS public CASCADE; "
		     "CREATE SCHEMA public");
}

/* pgbench (beside the server's binaries) inserting one row per transaction for 2 s with
 * `clients` connections: its tps, or dies. */
static double pgbench_tps(const cfg_t *c, int clients)
{
	char script[600], cmd[2048], line[512];
	const char *bin = getenv("PGBIN");
	snprintf(script, sizeof script, "%s/insert.sql", c->dir);
	FILE *f = fopen(script, "w");
	if (!f)
		die("pgbench script", script);
	fputs("INSERT INTO bench_ceiling (id, payload, at) VALUES (md5(random()::text || "
	      ":client_id), '{\"event\":\"evt\"}', 0);\n", f);
	fclose(f);
	pg_exec(c->pg, "DROP TABLE IF EXISTS bench_ceiling; CREATE TABLE bench_ceiling (id TEXT "
		       "PRIMARY KEY, payload TEXT NOT NULL, at BIGINT NOT NULL)");
	snprintf(cmd, sizeof cmd, "'%s/pgbench' -n -T 2 -c %d -j %d -f '%s' '%s' 2>&1",
		 bin && *bin ? bin : "/usr/lib/postgresql/15/bin", clients, clients < 2 ? 1 : 2,
		 script, c->pg);
	FILE *p = popen(cmd, "r");
	if (!p)
		die("pgbench", "could not start");
	double tps = -1;
	while (fgets(line, sizeof line, p))
		if (strncmp(line, "tps = ", 6) == 0)
			tps = atof(line + 6);
	int st = pclose(p);
	unlink(script);
	pg_exec(c->pg, "DROP TABLE IF EXISTS bench_ceiling");
	if (st != 0 || tps <= 0)
		die("pgbench", "failed (is postgresql-15 installed? PGBIN names its bin directory)");
	return tps;
}

/* --- enqueue and process ------------------------------------------------------------------ */

typedef struct prod {
	seam_queue_t *q;
	int id, per;
	int failed;
} prod_t;

typedef struct one {
	seam_queue_t *q;
	const char *key;
} one_t;

static seam_err_t enqueue_one(seam_db_t *db, void *ud, seam_error_t *err)
{
	one_t *o = ud;
	seam_job_spec_t spec = {.kind = "noop", .flow = "bench", .dedup_key = o->key,
				.payload = "{\"event\":\"evt\"}", .correlation_id = o->key};
	return seam_queue_enqueue(o->q, db, &spec, NULL, NULL, err);
}

static void *producer(void *arg)
{
	prod_t *p = arg;
	for (int i = 0; i < p->per; i++) {
		char key[48];
		seam_error_t e = {0};
		snprintf(key, sizeof key, "evt-%d-%d", p->id, i);
		one_t o = {.q = p->q, .key = key};
		if (seam_queue_submit(p->q, enqueue_one, &o, &e) != SEAM_OK)
			p->failed++;
	}
	return NULL;
}

static long processed; /* bench-local counter (atomic) */

static seam_err_t noop(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	(void)job;
	(void)res;
	(void)ud;
	__atomic_add_fetch(&processed, 1, __ATOMIC_RELAXED);
	return SEAM_OK;
}

static int64_t count_state(seam_store_t *st, const char *state)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	int64_t n = -1;
	if (seam_db_prepare(db, "SELECT COUNT(*) FROM jobs WHERE state = $1", &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, state);
		if (seam_stmt_step(s, NULL) == SEAM_ROW)
			n = seam_stmt_column_int64(s, 0);
		seam_stmt_reset(s);
	}
	seam_store_release(st, db);
	return n;
}

/* Enqueues producers x per jobs through instance 0, then processes them with `instances`
 * queues (each its own pool and instance name) on the one store. */
static void queue_run(const cfg_t *c, int run, int instances, double *enq_rate,
		      double *proc_rate)
{
	char path[512], url[600];
	seam_store_t *st[16] = {0};
	seam_queue_t *q[16] = {0};
	seam_error_t e = {0};
	if (c->pg) {
		pg_wipe(c->pg);
		snprintf(url, sizeof url, "%s", c->pg);
	} else {
		snprintf(path, sizeof path, "%s/queue-%d.db", c->dir, run);
		rm_db(path);
		snprintf(url, sizeof url, "sqlite://%s", path);
	}
	for (int i = 0; i < instances; i++) {
		char name[32];
		snprintf(name, sizeof name, "bench-%d", i + 1);
		seam_store_opts_t so = {.migrate = i == 0, .pool_size = 8};
		if (seam_store_open(url, &so, &st[i], &e) != SEAM_OK)
			die("store open", e.msg);
		seam_queue_opts_t qo = {.workers = c->workers, .prefetch = c->prefetch,
					.retain_ms = -1, .instance = name};
		if (seam_queue_create(st[i], &qo, &q[i], &e) != SEAM_OK)
			die("queue create", e.msg);
		seam_queue_register(q[i], "noop", noop, NULL);
	}

	pthread_t *th = calloc((size_t)c->producers, sizeof *th);
	prod_t *p = calloc((size_t)c->producers, sizeof *p);
	double t0 = now_s();
	for (int i = 0; i < c->producers; i++) {
		p[i] = (prod_t){.q = q[0], .id = i, .per = c->per};
		pthread_create(&th[i], NULL, producer, &p[i]);
	}
	int failed = 0;
	for (int i = 0; i < c->producers; i++) {
		pthread_join(th[i], NULL);
		failed += p[i].failed;
	}
	double t_enq = now_s() - t0;
	long total = (long)c->producers * c->per;
	if (failed)
		die("enqueue", "some submissions failed");
	if (count_state(st[0], "queued") != total)
		die("enqueue", "queued count differs from submissions");
	*enq_rate = total / t_enq;

	__atomic_store_n(&processed, 0, __ATOMIC_RELAXED);
	t0 = now_s();
	for (int i = 0; i < instances; i++)
		if (seam_queue_start(q[i], &e) != SEAM_OK)
			die("queue start", e.msg);
	while (__atomic_load_n(&processed, __ATOMIC_RELAXED) < total)
		seam_sleep_ms(2);
	for (int i = 0; i < instances; i++)
		seam_queue_stop(q[i]); /* returns once every result is committed */
	double t_proc = now_s() - t0;
	if (count_state(st[0], "succeeded") != total)
		die("process", "not every job succeeded");
	if (__atomic_load_n(&processed, __ATOMIC_RELAXED) != total)
		die("process", "a job ran more than once"); /* each job completed exactly once */
	*proc_rate = total / t_proc;
	for (int i = 0; i < instances; i++) {
		seam_queue_destroy(q[i]);
		seam_store_close(st[i]);
	}
	if (!c->pg)
		rm_db(path);
	free(th);
	free(p);
}

static void usage(void)
{
	die("usage", "build/bench/queue [--runs N] [--dir DIR] [--producers N] [--per N] "
		     "[--workers N] [--prefetch N] [--store postgresql://...] [--instances N]");
}

int main(int argc, char **argv)
{
	cfg_t c = {.runs = 3, .producers = 64, .per = 250, .workers = 4, .prefetch = 0,
		   .instances = 3};
	char made[256] = "";
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--runs") == 0)
			c.runs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--dir") == 0)
			c.dir = argv[i + 1];
		else if (strcmp(argv[i], "--producers") == 0)
			c.producers = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--per") == 0)
			c.per = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--workers") == 0)
			c.workers = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--prefetch") == 0)
			c.prefetch = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--store") == 0)
			c.pg = argv[i + 1];
		else if (strcmp(argv[i], "--instances") == 0)
			c.instances = atoi(argv[i + 1]);
		else
			usage();
	}
	if (c.runs < 1 || c.runs > 15 || c.producers < 1 || c.per < 1 || c.workers < 1 ||
	    c.instances < 1 || c.instances > 16)
		die("usage", "runs 1..15, instances 1..16, producers, per and workers >= 1");
	if (c.pg && strncmp(c.pg, "postgresql://", 13) && strncmp(c.pg, "postgres://", 11))
		die("usage", "--store takes a postgresql:// URL (SQLite is the default)");
	if (!c.dir) {
		const char *tmp = getenv("TMPDIR");
		snprintf(made, sizeof made, "%s/seam-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(made))
			die("mkdtemp", made);
		c.dir = made;
	}
	int R = c.runs;
	double *ceil_v = calloc((size_t)R, 8), *ceil64_v = calloc((size_t)R, 8),
	       *enq_v = calloc((size_t)R, 8), *proc_v = calloc((size_t)R, 8),
	       *procn_v = calloc((size_t)R, 8), *er_v = calloc((size_t)R, 8),
	       *pr_v = calloc((size_t)R, 8), *dummy = calloc((size_t)R, 8);
	if (c.pg)
		printf("seam queue benchmark: %d runs on PostgreSQL (the --store database, emptied "
		       "before each run; libpq %d)\n", R, PQlibVersion());
	else
		printf("seam queue benchmark: %d runs; store in %s (SQLite %s, WAL, "
		       "synchronous=FULL)\n", R, c.dir, sqlite3_libversion());
	for (int r = 0; r < R; r++) {
		/* Ceiling and queue run back to back so each run's ratios compare like with like
		 * even when the disk's fsync latency drifts between runs (shared machines). */
		if (c.pg) {
			ceil_v[r] = pgbench_tps(&c, 1);
			ceil64_v[r] = pgbench_tps(&c, 64);
		} else {
			ceil_v[r] = ceiling_run(&c, r);
		}
		queue_run(&c, r, 1, &enq_v[r], &proc_v[r]);
		er_v[r] = enq_v[r] / ceil_v[r];
		pr_v[r] = proc_v[r] / enq_v[r];
		printf("  run %d: ceiling %7.0f commits/s (%.0f us each) | enqueue %7.0f/s = %5.1fx | "
		       "process %7.0f/s = %4.0f%%", r + 1, ceil_v[r], 1e6 / ceil_v[r], enq_v[r],
		       er_v[r], proc_v[r], 100 * pr_v[r]);
		if (c.pg) {
			queue_run(&c, r, c.instances, &dummy[r], &procn_v[r]);
			printf(" | %d instances %7.0f/s | pgbench x64 %7.0f tps", c.instances,
			       procn_v[r], ceil64_v[r]);
		}
		printf("\n");
		fflush(stdout);
	}
	double er = median(er_v, R), pr = median(pr_v, R);
	double target = c.pg ? 5 : 10;
	char pf[32];
	snprintf(pf, sizeof pf, c.prefetch ? "prefetch %d" : "adaptive prefetch", c.prefetch);
	printf("medians of %d runs:\n", R);
	if (c.pg) {
		printf("  ceiling  pgbench single-row INSERT tps, 1 client       %9.0f\n",
		       median(ceil_v, R));
		printf("           pgbench single-row INSERT tps, 64 clients     %9.0f\n",
		       median(ceil64_v, R));
	} else {
		printf("  ceiling  raw SQLite single-row commits/s                 %9.0f\n",
		       median(ceil_v, R));
	}
	printf("  enqueue  durable enqueues/s, %d producers, group commit  %9.0f\n", c.producers,
	       median(enq_v, R));
	printf("  process  no-op jobs/s, %d workers, %-18s     %9.0f\n", c.workers, pf,
	       median(proc_v, R));
	if (c.pg)
		printf("  process  the same with %d instances on the database  %9.0f\n", c.instances,
		       median(procn_v, R));
	printf("  enqueue / ceiling  %6.1fx  (target >= %.0fx)\n", er, target);
	printf("  process / enqueue  %6.0f%%  (target >= 50%%)\n", 100 * pr);
	printf("%s\n", er >= target && pr >= 0.5 ? "targets met" : "TARGETS MISSED");
	free(er_v);
	free(pr_v);
	free(ceil64_v);
	free(procn_v);
	free(dummy);
	if (made[0])
		rmdir(made);
	free(ceil_v);
	free(enq_v);
	free(proc_v);
	return 0;
}
