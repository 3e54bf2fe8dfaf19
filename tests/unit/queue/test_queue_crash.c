/* test_queue_crash.c: fault test. Child processes run the queue on a store file: each (re)submits
 * the same N jobs (dedup keys make that idempotent, as a redelivering sender would) and works
 * them with a handler that records its effect idempotently (INSERT ... ON CONFLICT DO NOTHING
 * keyed by the dedup key) plus a raw execution counter. The parent kills the first two children
 * with SIGKILL in the middle of the work; the third finishes. Then: every job succeeded exactly
 * once, every effect exists exactly once, none is lost, some jobs ran more than once (their
 * leases expired after the kill), and the database is intact. */
#include "tests/unit/queue/qtest.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ids.h"
#include "queue/queue.h"
#include "tests/support/th_assert.h"

enum { N = 300 };

static seam_err_t effect_handler(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_store_t *st = ud;
	char id[SEAM_UUID_STR_LEN];
	seam_error_t e = {0};
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db, "INSERT INTO raw_exec (id, key) VALUES ($1, $2)", &s, &e);
	if (rc == SEAM_OK) {
		seam_id_new(id);
		seam_stmt_bind_text(s, 1, id);
		seam_stmt_bind_text(s, 2, job->dedup_key);
		rc = seam_stmt_step(s, &e) == SEAM_DONE ? SEAM_OK : SEAM_STORE;
		seam_stmt_reset(s);
	}
	if (rc == SEAM_OK)
		rc = seam_db_prepare(db, "INSERT INTO effects (key, job_id) VALUES ($1, $2) "
				     "ON CONFLICT (key) DO NOTHING", &s, &e);
	if (rc == SEAM_OK) {
		seam_stmt_bind_text(s, 1, job->dedup_key);
		seam_stmt_bind_text(s, 2, job->id);
		rc = seam_stmt_step(s, &e) == SEAM_DONE ? SEAM_OK : SEAM_STORE;
		seam_stmt_reset(s);
	}
	seam_store_release(st, db);
	if (rc != SEAM_OK)
		return seam_job_fail(res, SEAM_RETRY, 0, "effect: %s", e.msg);
	seam_sleep_ms(8); /* the window between the effect and the job's completion */
	return SEAM_OK;
}

typedef struct batch_of_jobs {
	seam_queue_t *q;
	int from, to;
} batch_of_jobs_t;

static seam_err_t enqueue_range(seam_db_t *db, void *ud, seam_error_t *err)
{
	batch_of_jobs_t *b = ud;
	for (int i = b->from; i < b->to; i++) {
		char key[32], payload[64];
		snprintf(key, sizeof key, "order-%03d", i);
		snprintf(payload, sizeof payload, "{\"order\":%d}", i);
		seam_job_spec_t spec = {.kind = "effect", .flow = "orders", .dedup_key = key,
					.payload = payload, .max_attempts = 20};
		seam_err_t rc = seam_queue_enqueue(b->q, db, &spec, NULL, NULL, err);
		if (rc != SEAM_OK)
			return rc;
	}
	return SEAM_OK;
}

/* The child: never returns. Exit 0 once all N jobs succeeded, 3 on timeout, 2 on errors. */
static void child(const char *url)
{
	seam_store_opts_t so = {.migrate = 1, .pool_size = 10};
	seam_store_t *st = NULL;
	seam_queue_t *q = NULL;
	seam_error_t e = {0};
	if (seam_store_open(url, &so, &st, &e) != SEAM_OK)
		_exit(2);
	seam_queue_opts_t qo = {.workers = 4, .lease_ms = 400, .heartbeat_ms = 100, .poll_ms = 20,
				.backoff_base_ms = 10, .backoff_cap_ms = 50, .retain_ms = -1};
	if (seam_queue_create(st, &qo, &q, &e) != SEAM_OK)
		_exit(2);
	seam_queue_register(q, "effect", effect_handler, st);
	if (seam_queue_start(q, &e) != SEAM_OK)
		_exit(2);
	for (int i = 0; i < N; i += 25) {
		batch_of_jobs_t b = {.q = q, .from = i, .to = i + 25};
		if (seam_queue_submit(q, enqueue_range, &b, &e) != SEAM_OK)
			_exit(2);
	}
	for (int i = 0; i < 3000; i++) {
		if (qt_int(st, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'", NULL) == N) {
			seam_queue_destroy(q);
			seam_store_close(st);
			_exit(0);
		}
		seam_sleep_ms(10);
	}
	_exit(3);
}

static pid_t spawn(const char *url)
{
	pid_t pid = fork();
	TH_ASSERT_CMP(pid, >=, 0);
	if (pid == 0)
		child(url);
	return pid;
}

static void test_kill9_mid_run(void **state)
{
	qt_env_t env;
	(void)state;
	qt_open(&env);
	qt_exec(env.st, "CREATE TABLE effects (key TEXT PRIMARY KEY, job_id TEXT NOT NULL)");
	qt_exec(env.st, "CREATE TABLE raw_exec (id TEXT PRIMARY KEY, key TEXT NOT NULL)");
	seam_store_close(env.st); /* no connection crosses a fork */
	env.st = NULL;

	static const int kill_at[] = {100, 200};
	for (int round = 0; round < 2; round++) {
		pid_t pid = spawn(env.url);
		seam_store_t *st = qt_open_url(env.url, 5000);
		int64_t n = 0;
		for (int i = 0; i < 2000 && n < kill_at[round]; i++) {
			seam_sleep_ms(5);
			n = qt_int(st, "SELECT COUNT(*) FROM effects", NULL);
		}
		assert_int_equal(kill(pid, SIGKILL), 0);
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
		print_message("round %d: killed with %lld effects stored, %lld jobs running\n", round + 1,
			      (long long)qt_int(st, "SELECT COUNT(*) FROM effects", NULL),
			      (long long)qt_int(st, "SELECT COUNT(*) FROM jobs WHERE state = 'running'", NULL));
		seam_store_close(st);
	}
	pid_t pid = spawn(env.url);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	env.st = qt_open_url(env.url, 5000);
	char ok[16];
	if (strcmp(seam_store_engine(env.st), "sqlite") == 0) /* the server checks its own */
		assert_string_equal(qt_text(env.st, "PRAGMA integrity_check", NULL, ok, sizeof ok), "ok");
	int64_t jobs = qt_int(env.st, "SELECT COUNT(*) FROM jobs", NULL);
	int64_t succeeded = qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'", NULL);
	int64_t effects = qt_int(env.st, "SELECT COUNT(*) FROM effects", NULL);
	int64_t raw = qt_int(env.st, "SELECT COUNT(*) FROM raw_exec", NULL);
	int64_t expired = qt_int(env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE outcome = 'lease_expired'", NULL);
	int64_t rerun = qt_int(env.st, "SELECT COUNT(*) FROM jobs WHERE attempts > 1", NULL);
	print_message("jobs %lld, succeeded %lld, effects %lld, raw executions %lld, "
		      "expired leases %lld, jobs run more than once %lld\n", (long long)jobs,
		      (long long)succeeded, (long long)effects, (long long)raw, (long long)expired,
		      (long long)rerun);
	assert_int_equal(jobs, N);      /* resubmission deduplicated: nothing doubled */
	assert_int_equal(succeeded, N); /* nothing lost */
	assert_int_equal(effects, N);   /* every effect exactly once (primary key) ... */
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM jobs j WHERE NOT EXISTS "
				"(SELECT 1 FROM effects e WHERE e.key = j.dedup_key)", NULL), 0);
	/* ... although some handlers ran more than once. */
	TH_ASSERT_CMP(raw, >, N);
	TH_ASSERT_CMP(expired, >=, 1);
	/* One success recorded per job, however many runs. */
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE outcome = 'succeeded'", NULL), N);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE outcome = 'running'", NULL), 0);
	qt_close(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_mid_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
