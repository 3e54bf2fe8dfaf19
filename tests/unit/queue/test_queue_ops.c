/* test_queue_ops.c: the operator surface of the queue. queue_admin filters and paging, retry
 * ("run now" for queued jobs), bulk dead-letter replay by flow and by time range; `seam ctl
 * jobs|dlq|flow` output, --json, --help and exit codes; the HTTP routes (scopes, shapes, paging,
 * problem+json errors, replay and pause/resume). */
#include "tests/unit/queue/qtest.h"

#include <jansson.h>

#include "api/api_jobs.h"
#include "api/api.h"
#include "app/registry.h"
#include "ctl/ctl_jobs.h"
#include "queue/queue.h"
#include "queue/queue_admin.h"
#include "tests/support/th_assert.h"

/* Fixture: 3 dead letters (orders x2 dying at t=1000s and 2000s, payments at 3000s), 2 queued, 1
 * succeeded. */
typedef struct fx {
	qt_env_t env;
	char dead_erp1[37], dead_erp2[37], dead_pim[37], queued1[37], queued2[37], done[37];
} fx_t;

static void mkjob_p(seam_store_t *st, const char *kind, const char *flow, const char *state,
		    int64_t finished, const char *payload, char id[37])
{
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t e = {0};
	seam_job_spec_t spec = {.kind = kind, .flow = flow, .payload = payload,
				.correlation_id = "cid-fx", .max_attempts = 3};
	if (seam_queue_enqueue(NULL, db, &spec, id, NULL, &e) != SEAM_OK)
		fail_msg("enqueue: %s", e.msg);
	seam_stmt_t *s;
	assert_int_equal(seam_db_prepare(db, "UPDATE jobs SET state = $2, finished_at = $3, attempts = $4, "
					 "last_error = $5 WHERE id = $1", &s, &e), SEAM_OK);
	seam_stmt_bind_text(s, 1, id);
	seam_stmt_bind_text(s, 2, state);
	if (finished)
		seam_stmt_bind_int64(s, 3, finished);
	else
		seam_stmt_bind_null(s, 3);
	seam_stmt_bind_int64(s, 4, strcmp(state, "dead") == 0 ? 3 : 0);
	seam_stmt_bind_text(s, 5, strcmp(state, "dead") == 0 ? "upstream: ERP answered 503\nbody: <html>" : NULL);
	assert_int_equal(seam_stmt_step(s, &e), SEAM_DONE);
	seam_stmt_reset(s);
	seam_store_release(st, db);
}

static void mkjob(seam_store_t *st, const char *kind, const char *flow, const char *state,
		  int64_t finished, char id[37])
{
	mkjob_p(st, kind, flow, state, finished, "{\"n\":1}", id);
}

static void fx_setup(fx_t *f)
{
	memset(f, 0, sizeof *f);
	qt_open(&f->env);
	mkjob(f->env.st, "export", "orders", "dead", 1000000, f->dead_erp1);
	mkjob(f->env.st, "export", "orders", "dead", 2000000, f->dead_erp2);
	mkjob(f->env.st, "sync", "payments", "dead", 3000000, f->dead_pim);
	mkjob(f->env.st, "export", "orders", "queued", 0, f->queued1);
	mkjob(f->env.st, "sync", "payments", "queued", 0, f->queued2);
	mkjob(f->env.st, "sync", "payments", "succeeded", 4000000, f->done);
}

/* --- admin ------------------------------------------------------------------------------- */

static void test_admin_filters_and_paging(void **state)
{
	fx_t f;
	json_t *arr = NULL;
	seam_error_t e = {0};
	(void)state;
	fx_setup(&f);
	seam_job_filter_t flt = {.flow = "orders"};
	assert_int_equal(seam_queue_admin_list(f.env.st, &flt, &arr, &e), SEAM_OK);
	assert_int_equal(json_array_size(arr), 3);
	/* newest first */
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "id")), f.queued1);
	assert_null(json_object_get(json_array_get(arr, 0), "payload")); /* lists omit payloads */
	json_decref(arr);
	flt = (seam_job_filter_t){.state = "dead", .by_finished = 1, .since_ms = 1500000, .until_ms = 3000000};
	assert_int_equal(seam_queue_admin_list(f.env.st, &flt, &arr, &e), SEAM_OK);
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "id")), f.dead_erp2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "finished_at")),
			    "1970-01-01T00:33:20.000Z");
	json_decref(arr);
	/* paging: two pages of 4 + 2, no overlap */
	flt = (seam_job_filter_t){.limit = 4};
	assert_int_equal(seam_queue_admin_list(f.env.st, &flt, &arr, &e), SEAM_OK);
	assert_int_equal(json_array_size(arr), 4);
	flt.before_id = json_string_value(json_object_get(json_array_get(arr, 3), "id"));
	json_t *page2 = NULL;
	assert_int_equal(seam_queue_admin_list(f.env.st, &flt, &page2, &e), SEAM_OK);
	assert_int_equal(json_array_size(page2), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(page2, 1), "id")), f.dead_erp1);
	json_decref(page2);
	json_decref(arr);
	flt = (seam_job_filter_t){.state = "bogus"};
	assert_int_equal(seam_queue_admin_list(f.env.st, &flt, &arr, &e), SEAM_INVAL);
	assert_null(arr);
	flt = (seam_job_filter_t){.correlation_id = "cid-fx", .kind = "sync"};
	assert_int_equal(seam_queue_admin_list(f.env.st, &flt, &arr, &e), SEAM_OK);
	assert_int_equal(json_array_size(arr), 3);
	json_decref(arr);
	qt_close(&f.env);
}

/* The jobs about one thing (seam ctl trace): by text in the dedup key or payload, taken
 * literally (a '_' is not a wildcard), plus given ids, each once, oldest first. */
static void test_admin_jobs_about(void **state)
{
	(void)state;
	qt_env_t env;
	char a[37], b[37], c[37], d[37];
	json_t *ids = json_array(), *arr = NULL;
	seam_error_t err = {0};
	qt_open(&env);
	mkjob_p(env.st, "order.export", "orders", "succeeded", 0, "{\"order_uuid\":\"o-1\"}", a);
	mkjob_p(env.st, "payment.apply", "payments", "queued", 0, "{\"event_id\":\"evt_1\"}", b);
	mkjob_p(env.st, "order.cancel", "orders", "queued", 0, "{\"order_uuid\":\"o-1\"}", c);
	mkjob_p(env.st, "order.export", "orders", "queued", 0, "{\"order_uuid\":\"oX1\"}", d);
	/* created_at decides the order, not the way a job was found */
	qt_exec(env.st, "UPDATE jobs SET created_at = 30 WHERE kind = 'order.cancel'");
	qt_exec(env.st, "UPDATE jobs SET created_at = 20 WHERE kind = 'payment.apply'");
	qt_exec(env.st, "UPDATE jobs SET created_at = 10 WHERE kind = 'order.export'");
	json_array_append_new(ids, json_string(b));
	json_array_append_new(ids, json_string(a)); /* found by text too: listed once */
	json_array_append_new(ids, json_string("no-such-job"));
	assert_int_equal(seam_queue_admin_jobs_about(env.st, "o-1", ids, &arr, &err), SEAM_OK);
	const char *want[] = {a, b, c};
	assert_int_equal(json_array_size(arr), 3);
	for (size_t i = 0; i < 3; i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(arr, i), "id")), want[i]))
			fail_msg("job %zu: %s, want %s", i,
				 json_string_value(json_object_get(json_array_get(arr, i), "id")), want[i]);
	json_decref(arr);
	/* "o_1" would match "o-1" as a LIKE pattern; taken literally it matches nothing */
	assert_int_equal(seam_queue_admin_jobs_about(env.st, "o_1", NULL, &arr, &err), SEAM_OK);
	assert_int_equal(json_array_size(arr), 0);
	json_decref(arr);
	assert_int_equal(seam_queue_admin_jobs_about(env.st, NULL, ids, &arr, &err), SEAM_OK);
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "id")), a);
	json_decref(arr);
	json_decref(ids);
	qt_close(&env);
}

static void test_admin_actions(void **state)
{
	fx_t f;
	json_t *job = NULL;
	seam_error_t e = {0};
	int64_t n = -1;
	(void)state;
	fx_setup(&f);
	/* retry of a queued job: run now, attempts kept */
	qt_exec(f.env.st, "UPDATE jobs SET run_at = 99999999999999, attempts = 2 WHERE state = 'queued'");
	int64_t before = seam_now_ms();
	assert_int_equal(seam_queue_admin_retry(f.env.st, f.queued1, &job, &e), SEAM_OK);
	assert_int_equal(json_integer_value(json_object_get(job, "attempts")), 2);
	json_decref(job);
	TH_ASSERT_CMP(qt_int(f.env.st, "SELECT run_at FROM jobs WHERE id = $1", f.queued1), >=, before);
	assert_int_equal(seam_queue_admin_retry(f.env.st, f.done, NULL, &e), SEAM_CONFLICT);
	assert_int_equal(seam_queue_admin_replay(f.env.st, f.queued2, NULL, &e), SEAM_CONFLICT);
	assert_int_equal(seam_queue_admin_show(f.env.st, "nope", &job, &e), SEAM_NOTFOUND);
	/* bulk replay by time range, then by flow */
	seam_job_filter_t flt = {.since_ms = 2500000};
	assert_int_equal(seam_queue_admin_replay_many(f.env.st, &flt, &n, &e), SEAM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(qt_int(f.env.st, "SELECT COUNT(*) FROM jobs WHERE id = $1 AND state = 'queued' AND attempts = 0", f.dead_pim), 1);
	flt = (seam_job_filter_t){.flow = "orders"};
	assert_int_equal(seam_queue_admin_replay_many(f.env.st, &flt, &n, &e), SEAM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(qt_int(f.env.st, "SELECT COUNT(*) FROM jobs WHERE state = 'dead'", NULL), 0);
	assert_int_equal(qt_int(f.env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE outcome = 'operator_replay'", NULL), 3);
	assert_int_equal(seam_queue_admin_replay_many(f.env.st, &flt, &n, &e), SEAM_OK);
	assert_int_equal(n, 0);
	qt_close(&f.env);
}

/* --- ctl --------------------------------------------------------------------------------- */

typedef int (*ctl_fn)(seam_store_t *, const seam_flows_t *, int, FILE *, FILE *, int, char **);

typedef struct run {
	int rc;
	char *out, *err;
} run_t;

static run_t ctl(ctl_fn fn, seam_store_t *st, int json, const char *line)
{
	char buf[512], *argv[16];
	int argc = 0;
	size_t ol = 0, el = 0;
	run_t r = {0};
	snprintf(buf, sizeof buf, "%s", line);
	for (char *tok = strtok(buf, " "); tok && argc < 16; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	FILE *out = open_memstream(&r.out, &ol), *err = open_memstream(&r.err, &el);
	r.rc = fn(st, seam_app_flows(), json, out, err, argc, argv);
	fclose(out);
	fclose(err);
	return r;
}

static void run_free(run_t *r)
{
	free(r->out);
	free(r->err);
}

static void test_ctl_jobs_and_dlq(void **state)
{
	fx_t f;
	char line[160];
	(void)state;
	fx_setup(&f);
	run_t r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs list --flow payments");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	/* header, then newest first; error text on one line, cut */
	assert_memory_equal(r.out, "ID                                    FLOW      KIND  STATE", 58);
	assert_non_null(strstr(r.out, f.done));
	assert_non_null(strstr(r.out, "upstream: ERP answered 503 body: <html>"));
	assert_int_equal(strchr(strstr(r.out, "upstream:"), '\n')[-1], '>');
	run_free(&r);

	r = ctl(seam_ctl_jobs, f.env.st, 1, "jobs list --state dead --limit 2");
	assert_int_equal(r.rc, 0);
	json_t *doc = json_loads(r.out, 0, NULL);
	assert_int_equal(json_array_size(doc), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 0), "attempts")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 0), "last_error")),
			    "upstream: ERP answered 503\nbody: <html>");
	json_decref(doc);
	run_free(&r);

	snprintf(line, sizeof line, "dlq show %s", f.dead_erp1);
	r = ctl(seam_ctl_dlq, f.env.st, 0, line);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "state             dead\n"));
	assert_non_null(strstr(r.out, "attempts          3 of 3\n"));
	assert_non_null(strstr(r.out, "correlation_id    cid-fx\n"));
	assert_non_null(strstr(r.out, "payload:\n  {\n    \"n\": 1\n  }\n"));
	run_free(&r);
	snprintf(line, sizeof line, "dlq show %s", f.queued1);
	r = ctl(seam_ctl_dlq, f.env.st, 0, line);
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "not a dead letter"));
	run_free(&r);

	r = ctl(seam_ctl_dlq, f.env.st, 0, "dlq list --since 1970-01-01T00:25:00Z");
	assert_int_equal(r.rc, 0);
	assert_null(strstr(r.out, f.dead_erp1));
	assert_non_null(strstr(r.out, f.dead_erp2));
	assert_non_null(strstr(r.out, f.dead_pim));
	run_free(&r);

	/* replay: exactly one selector */
	r = ctl(seam_ctl_dlq, f.env.st, 0, "dlq replay");
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "exactly one"));
	run_free(&r);
	r = ctl(seam_ctl_dlq, f.env.st, 1, "dlq replay --flow orders --until 1970-01-01T00:25:00Z");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "{\n  \"replayed\": 1\n}\n");
	run_free(&r);
	snprintf(line, sizeof line, "dlq replay %s", f.dead_erp1);
	r = ctl(seam_ctl_dlq, f.env.st, 0, line);
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "cannot replay job"));
	run_free(&r);
	snprintf(line, sizeof line, "dlq replay %s", f.dead_pim);
	r = ctl(seam_ctl_dlq, f.env.st, 0, line);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "replayed: now queued (attempts 0 of 3)"));
	run_free(&r);

	snprintf(line, sizeof line, "jobs cancel %s --json", f.queued2);
	r = ctl(seam_ctl_jobs, f.env.st, 0, line);
	assert_int_equal(r.rc, 0);
	doc = json_loads(r.out, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "canceled");
	json_decref(doc);
	run_free(&r);
	qt_close(&f.env);
}

static void test_ctl_usage_and_flows(void **state)
{
	fx_t f;
	(void)state;
	fx_setup(&f);
	run_t r = ctl(seam_ctl_jobs, NULL, 0, "jobs --help");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "usage: seam ctl jobs ACTION"));
	assert_non_null(strstr(r.out, "  retry ID\n"));
	run_free(&r);
	r = ctl(seam_ctl_dlq, NULL, 0, "dlq replay --help");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "usage: seam ctl dlq replay ID | --flow F"));
	assert_non_null(strstr(r.out, "\n  --all "));
	run_free(&r);
	/* An action's --help lists each of its options with what it takes. */
	r = ctl(seam_ctl_jobs, NULL, 0, "jobs list --help");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	static const char *const filters[] = {"--flow F", "--state S", "--kind K", "--cid ID",
					      "--since T", "--until T", "--before ID", "--limit N",
					      "--json"};
	for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
		char want[32];
		snprintf(want, sizeof want, "\n  %s ", filters[i]);
		if (!strstr(r.out, want))
			fail_msg("jobs list --help does not describe %s:\n%s", filters[i], r.out);
	}
	assert_non_null(strstr(r.out, "orders, payments"));
	assert_non_null(strstr(r.out, "queued, running, succeeded, dead, canceled"));
	run_free(&r);
	r = ctl(seam_ctl_flow, NULL, 0, "flow pause --help");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "NAME: orders, payments"));
	run_free(&r);
	r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs");
	assert_int_equal(r.rc, 2);
	run_free(&r);
	r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs frobnicate");
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "unknown action 'frobnicate'"));
	run_free(&r);
	r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs list --colour red");
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "unknown option '--colour'"));
	run_free(&r);
	r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs list --since yesterday");
	assert_int_equal(r.rc, 2);
	run_free(&r);
	r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs list --state nope");
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "unknown state"));
	run_free(&r);
	r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs show");
	assert_int_equal(r.rc, 2);
	run_free(&r);
	r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs show 0190c0de-0000-7000-8000-000000000000");
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "no job with id"));
	run_free(&r);

	r = ctl(seam_ctl_flow, f.env.st, 0, "flow pause orders");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "flow orders paused: its jobs keep queueing (1 queued, 0 running)\n");
	run_free(&r);
	r = ctl(seam_ctl_flow, f.env.st, 0, "flow list");
	assert_int_equal(r.rc, 0);
	assert_memory_equal(r.out, "NAME       PAUSED  MAX_CONCURRENCY  QUEUED  RUNNING  DEAD  OLDEST_RUNNABLE_AGE_S\n"
			    "orders     yes                   0       1        0     2", 137);
	run_free(&r);
	r = ctl(seam_ctl_flow, f.env.st, 1, "flow list");
	json_t *doc = json_loads(r.out, 0, NULL);
	assert_true(json_is_true(json_object_get(json_array_get(doc, 0), "paused")));
	assert_true(json_is_false(json_object_get(json_array_get(doc, 1), "paused")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 1), "dead")), 1);
	json_decref(doc);
	run_free(&r);
	r = ctl(seam_ctl_flow, f.env.st, 0, "flow resume orders");
	assert_int_equal(r.rc, 0);
	assert_int_equal(qt_int(f.env.st, "SELECT paused FROM flows WHERE name = 'orders'", NULL), 0);
	run_free(&r);

	/* Flows are the registered ones: an unknown name is refused with the known ones and
	 * leaves no row behind, wherever it is given. */
	r = ctl(seam_ctl_flow, f.env.st, 0, "flow pause ordres");
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "seam ctl flow pause: no flow named 'ordres' (flows: orders, payments, catalog, stock, tax, reconcile)\n");
	run_free(&r);
	r = ctl(seam_ctl_flow, f.env.st, 0, "flow resume ordres");
	assert_int_equal(r.rc, 1);
	run_free(&r);
	assert_int_equal(qt_int(f.env.st, "SELECT COUNT(*) FROM flows WHERE name = 'ordres'", NULL), 0);
	r = ctl(seam_ctl_jobs, f.env.st, 0, "jobs list --flow erp");
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "no flow named 'erp' (flows: orders, payments, catalog, stock, tax, reconcile)"));
	run_free(&r);
	r = ctl(seam_ctl_dlq, f.env.st, 0, "dlq replay --flow erp");
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "no flow named 'erp'"));
	run_free(&r);
	qt_close(&f.env);
}

/* Every registered flow is listed from the start, before its first job; a row some older
 * version left for a name that is not a flow is not. */
static void test_flows_listed_from_start(void **state)
{
	qt_env_t env;
	(void)state;
	qt_open(&env);
	qt_exec(env.st, "INSERT INTO flows (name, paused, max_concurrency, updated_at) VALUES ('ordres', 1, 0, 0)");
	run_t r = ctl(seam_ctl_flow, env.st, 1, "flow list");
	assert_int_equal(r.rc, 0);
	json_t *doc = json_loads(r.out, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(doc), 6);
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 5), "name")), "reconcile");
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 3), "name")), "stock");
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 4), "name")), "tax");
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 0), "name")), "orders");
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 1), "name")), "payments");
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 2), "name")), "catalog");
	assert_true(json_is_false(json_object_get(json_array_get(doc, 1), "paused")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 1), "queued")), 0);
	json_decref(doc);
	run_free(&r);
	r = ctl(seam_ctl_flow, env.st, 0, "flow list");
	assert_string_equal(r.out,
			    "NAME       PAUSED  MAX_CONCURRENCY  QUEUED  RUNNING  DEAD  OLDEST_RUNNABLE_AGE_S\n"
			    "orders     no                    0       0        0     0                      0\n"
			    "payments   no                    0       0        0     0                      0\n"
			    "catalog    no                    0       0        0     0                      0\n"
			    "stock      no                    0       0        0     0                      0\n"
			    "tax        no                    0       0        0     0                      0\n"
			    "reconcile  no                    0       0        0     0                      0\n");
	run_free(&r);
	/* Listing writes nothing. */
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM flows", NULL), 1);
	qt_close(&env);
}

/* Dead letters name their store and order number: from the job payload, the orders table, and
 * for payment events the stored event (order uuid or number in it, or the payment's known
 * order). */
#define U1 "5bdfd1e8-dfad-41ac-a514-1b58d123e678"
#define U2 "0a6f7a2e-6c1b-4f4e-9d55-1d2f6f0f9c11"
#define U3 "7c0e1d9a-2b3f-4a5e-8f70-9a1b2c3d4e5f"

static void inbox(seam_store_t *st, const char *provider, const char *source, const char *event_id,
		  const char *body)
{
	char sql[2048];
	snprintf(sql, sizeof sql,
		 "INSERT INTO inbox (id, provider, source, event_id, body, headers, received_at) "
		 "VALUES ('%s-%s', '%s', '%s', '%s', '%s', '{}', 1)",
		 provider, event_id, provider, source, event_id, body);
	qt_exec(st, sql);
}

static void test_dlq_names_order_and_store(void **state)
{
	qt_env_t env;
	char ids[6][37];
	(void)state;
	qt_open(&env);
	qt_exec(env.st, "INSERT INTO orders (store, order_uuid, order_number, export_state, first_seen_at, updated_at) "
			"VALUES ('us', '" U1 "', '1001', 'seen', 1, 1), ('eu', '" U3 "', '3003', 'seen', 1, 1)");
	/* 0: an export of a known order; 1: of an order seam never fetched */
	mkjob_p(env.st, "order.export", "orders", "dead", 1000000, "{\"store\":\"us\",\"order_uuid\":\"" U1 "\"}", ids[0]);
	mkjob_p(env.st, "order.export", "orders", "dead", 2000000, "{\"store\":\"eu\",\"order_uuid\":\"" U2 "\"}", ids[1]);
	/* 2: a Stripe event whose metadata names the order */
	inbox(env.st, "stripe", "us", "evt_1",
	      "{\"id\":\"evt_1\",\"object\":\"event\",\"created\":1732636272,\"type\":\"payment_intent.succeeded\","
	      "\"data\":{\"object\":{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount\":3998,"
	      "\"amount_received\":3998,\"currency\":\"usd\",\"metadata\":{\"order_uuid\":\"" U1 "\"},"
	      "\"status\":\"succeeded\"}}}");
	mkjob_p(env.st, "payment.apply", "payments", "dead", 3000000,
		"{\"provider\":\"stripe\",\"source\":\"us\",\"event_id\":\"evt_1\"}", ids[2]);
	/* 3: an Adyen item: the order only by its number (merchantReference) */
	inbox(env.st, "adyen", "eu", "AUTHORISATION:PSP1:true",
	      "{\"NotificationRequestItem\":{\"amount\":{\"currency\":\"EUR\",\"value\":1130},"
	      "\"eventCode\":\"AUTHORISATION\",\"eventDate\":\"2024-01-15T10:00:00+01:00\","
	      "\"merchantReference\":\"2002\",\"pspReference\":\"PSP1\",\"success\":\"true\"}}");
	mkjob_p(env.st, "payment.apply", "payments", "dead", 4000000,
		"{\"provider\":\"adyen\",\"source\":\"eu\",\"event_id\":\"AUTHORISATION:PSP1:true\"}", ids[3]);
	/* 4: a Standard Webhooks source: the store comes from the order */
	inbox(env.st, "standard", "psp", "msg_1",
	      "{\"type\":\"payment.captured\",\"data\":{\"payment_id\":\"pay_1\",\"amount\":\"1.00\","
	      "\"currency\":\"EUR\",\"order_uuid\":\"" U3 "\"}}");
	mkjob_p(env.st, "payment.apply", "payments", "dead", 5000000,
		"{\"provider\":\"standard\",\"source\":\"psp\",\"event_id\":\"msg_1\"}", ids[4]);
	/* 5: a poll: a store, no order */
	mkjob_p(env.st, "order.poll", "orders", "dead", 6000000, "{\"store\":\"us\"}", ids[5]);

	static const struct {
		const char *store, *number;
	} want[] = {{"us", "1001"}, {"eu", NULL}, {"us", "1001"}, {"eu", "2002"}, {"eu", "3003"}, {"us", NULL}};
	run_t r = ctl(seam_ctl_dlq, env.st, 0, "dlq list --json");
	assert_int_equal(r.rc, 0);
	json_t *doc = json_loads(r.out, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(doc), 6);
	for (int i = 0; i < 6; i++) {
		json_t *o = json_array_get(doc, 5 - i); /* newest first */
		assert_string_equal(json_string_value(json_object_get(o, "id")), ids[i]);
		const char *store = json_string_value(json_object_get(o, "store"));
		const char *number = json_string_value(json_object_get(o, "order_number"));
		if (!store || strcmp(store, want[i].store) != 0)
			fail_msg("dead letter %d: store %s, want %s", i, store ? store : "null", want[i].store);
		if (want[i].number ? !number || strcmp(number, want[i].number) != 0 : number != NULL)
			fail_msg("dead letter %d: order_number %s, want %s", i, number ? number : "null",
				 want[i].number ? want[i].number : "null");
		assert_null(json_object_get(o, "payload")); /* lists stay small */
	}
	json_decref(doc);
	run_free(&r);
	r = ctl(seam_ctl_dlq, env.st, 0, "dlq list --flow orders");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "STORE  ORDER_NUMBER"));
	char *line = strstr(r.out, ids[0]);
	assert_non_null(line);
	*strchr(line, '\n') = '\0';
	assert_non_null(strstr(line, "  us     1001  "));
	run_free(&r);
	qt_close(&env);
}

/* --- HTTP -------------------------------------------------------------------------------- */

static int test_auth(seam_http_req_t *req, const char *scope, void *ud)
{
	const char *a = seam_http_header(req, "Authorization");
	(void)ud;
	if (!a)
		return 401;
	if (strcmp(a, "Bearer admin") == 0)
		return 200;
	if (strcmp(a, "Bearer reader") == 0)
		return strcmp(scope, "ops:read") == 0 ? 200 : 403;
	return 401;
}

typedef struct http_fx {
	fx_t f;
	seam_queue_t *q;
	seam_http_server_t *srv;
	char base[64];
} http_fx_t;

static json_t *call(http_fx_t *h, const char *method, const char *path, const char *who,
		    const char *body, long *status)
{
	char url[256], auth[64];
	th_resp_t resp = {0};
	snprintf(url, sizeof url, "%s%s", h->base, path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", who);
	const char *hdrs[] = {auth, "Content-Type: application/json", NULL};
	assert_int_equal(th_http(method, url, hdrs, body, body ? strlen(body) : 0, &resp), 0);
	*status = resp.status;
	json_t *doc = json_loads(resp.body ? resp.body : "", 0, NULL);
	th_resp_free(&resp);
	return doc;
}

/* got equals the JSON text want (member order aside); fails with both. */
static void json_eq(const json_t *got, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	assert_non_null(w);
	if (!json_equal(got, w)) {
		char *g = json_dumps(got, JSON_SORT_KEYS), *x = json_dumps(w, JSON_SORT_KEYS);
		fail_msg("got  %s\nwant %s", g ? g : "(null)", x);
	}
	json_decref(w);
}

static void test_http_routes(void **state)
{
	http_fx_t h;
	seam_error_t e = {0};
	long st = 0;
	char path[128];
	(void)state;
	fx_setup(&h.f);
	/* The app's one route table: the queue's routes are in it, reads need ops:read, changes
	 * ops:admin. */
	size_t nroutes, nqueue = 0;
	const seam_route_t *routes = seam_api_routes(&nroutes);
	for (size_t i = 0; i < nroutes; i++) {
		if (strncmp(routes[i].pattern, "/v1/jobs", 8) && strncmp(routes[i].pattern, "/v1/dead-letters", 16) &&
		    strncmp(routes[i].pattern, "/v1/flows", 9))
			continue;
		nqueue++;
		assert_string_equal(routes[i].scope,
				    strcmp(routes[i].method, "GET") == 0 ? "ops:read" : "ops:admin");
	}
	assert_int_equal(nqueue, 11);
	assert_int_equal(seam_queue_create(h.f.env.st, &(seam_queue_opts_t){.retain_ms = -1}, &h.q, &e), SEAM_OK);
	static seam_api_t api;
	api.queue = h.q;
	api.flows = seam_app_flows();
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = routes,
			      .nroutes = nroutes, .ud = &api, .auth = test_auth, .threads = 2};
	assert_int_equal(seam_http_start(&o, &h.srv, &e), SEAM_OK);
	snprintf(h.base, sizeof h.base, "http://127.0.0.1:%d", seam_http_port(h.srv));

	json_t *doc = call(&h, "GET", "/v1/jobs?flow=orders&limit=2", "reader", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 2);
	const char *next = json_string_value(json_object_get(doc, "next_before"));
	assert_non_null(next);
	snprintf(path, sizeof path, "/v1/jobs?flow=orders&limit=2&before=%s", next);
	json_decref(doc);
	doc = call(&h, "GET", path, "reader", NULL, &st);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
	assert_true(json_is_null(json_object_get(doc, "next_before")));
	json_decref(doc);

	doc = call(&h, "GET", "/v1/jobs?state=weird", "reader", NULL, &st);
	assert_int_equal(st, 400);
	assert_string_equal(json_string_value(json_object_get(doc, "type")), SEAM_PROBLEM_BASE "bad-request");
	json_decref(doc);
	doc = call(&h, "GET", "/v1/dead-letters?since=1970-01-01T00:25:00Z", "reader", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 2);
	json_decref(doc);
	/* The same relative times as ctl: the fixture's dead letters died in 1970. */
	doc = call(&h, "GET", "/v1/dead-letters", "reader", NULL, &st);
	assert_int_equal(st, 200);
	assert_non_null(json_object_get(json_array_get(json_object_get(doc, "items"), 0), "store"));
	assert_non_null(json_object_get(json_array_get(json_object_get(doc, "items"), 0), "order_number"));
	assert_null(json_object_get(json_array_get(json_object_get(doc, "items"), 0), "payload"));
	json_decref(doc);
	doc = call(&h, "GET", "/v1/dead-letters?since=2h", "reader", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 0);
	json_decref(doc);
	doc = call(&h, "GET", "/v1/dead-letters?until=2h", "reader", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 3);
	json_decref(doc);
	doc = call(&h, "GET", "/v1/jobs?since=7d&state=queued", "reader", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), 2);
	json_decref(doc);
	doc = call(&h, "GET", "/v1/jobs?since=yesterday", "reader", NULL, &st);
	assert_int_equal(st, 400);
	assert_string_equal(json_string_value(json_object_get(doc, "detail")),
			    "since 'yesterday' is not RFC 3339 (2026-11-26T16:00:00Z), 'now', or a "
			    "duration ago (2h, 30m, 7d)");
	json_decref(doc);

	snprintf(path, sizeof path, "/v1/dead-letters/%s", h.f.dead_pim);
	doc = call(&h, "GET", path, "reader", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(doc, "last_error")), "upstream: ERP answered 503\nbody: <html>");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "payload"), "n")), 1);
	json_decref(doc);
	snprintf(path, sizeof path, "/v1/dead-letters/%s", h.f.queued1);
	doc = call(&h, "GET", path, "reader", NULL, &st);
	assert_int_equal(st, 404);
	json_decref(doc);
	doc = call(&h, "GET", "/v1/jobs/0190c0de-0000-7000-8000-000000000000", "reader", NULL, &st);
	assert_int_equal(st, 404);
	assert_string_equal(json_string_value(json_object_get(doc, "type")), SEAM_PROBLEM_BASE "not-found");
	json_decref(doc);

	/* Changes need ops:admin. */
	snprintf(path, sizeof path, "/v1/dead-letters/%s/replay", h.f.dead_pim);
	doc = call(&h, "POST", path, "reader", NULL, &st);
	assert_int_equal(st, 403);
	json_decref(doc);
	doc = call(&h, "POST", path, "admin", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(doc, "state")), "queued");
	json_decref(doc);
	doc = call(&h, "POST", path, "admin", NULL, &st); /* no longer dead */
	assert_int_equal(st, 409);
	assert_string_equal(json_string_value(json_object_get(doc, "type")), SEAM_PROBLEM_BASE "conflict");
	json_decref(doc);
	snprintf(path, sizeof path, "/v1/jobs/%s/retry", h.f.done);
	doc = call(&h, "POST", path, "admin", NULL, &st);
	assert_int_equal(st, 409);
	json_decref(doc);

	/* Bad bodies answer what the contract (rest.dead-letter-replay@v1) would, also without
	 * the validating hook: 422 invalid-body with {pointer, keyword, detail} errors. */
	doc = call(&h, "POST", "/v1/dead-letters/replay", "admin", "{}", &st);
	assert_int_equal(st, 422);
	assert_string_equal(json_string_value(json_object_get(doc, "type")), SEAM_PROBLEM_BASE "invalid-body");
	assert_string_equal(json_string_value(json_object_get(doc, "contract")), "rest.dead-letter-replay@v1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc, "errors"), 0), "keyword")), "anyOf");
	json_decref(doc);
	doc = call(&h, "POST", "/v1/dead-letters/replay", "admin", "{\"since\": 5, \"until\": \"yesterday\"}", &st);
	assert_int_equal(st, 422);
	json_eq(json_object_get(doc, "errors"),
			  "[{\"pointer\": \"/since\", \"keyword\": \"type\", \"detail\": \"since (not a string) is not "
			  "RFC 3339 (2026-11-26T16:00:00Z), 'now', or a duration ago (2h, 30m, 7d)\"},"
			  " {\"pointer\": \"/until\", \"keyword\": \"x-seam-time\", \"detail\": \"until 'yesterday' is not "
			  "RFC 3339 (2026-11-26T16:00:00Z), 'now', or a duration ago (2h, 30m, 7d)\"}]");
	json_decref(doc);
	doc = call(&h, "POST", "/v1/dead-letters/replay", "admin", "{\"flow\":\"orders\"}", &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_integer_value(json_object_get(doc, "replayed")), 2);
	json_decref(doc);

	doc = call(&h, "POST", "/v1/flows/payments/pause", "admin", NULL, &st);
	assert_int_equal(st, 200);
	assert_true(json_is_true(json_object_get(doc, "paused")));
	json_decref(doc);
	doc = call(&h, "GET", "/v1/flows", "reader", NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc, "items"), 1), "name")), "payments");
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(doc, "items"), 1), "paused")));
	json_decref(doc);
	doc = call(&h, "POST", "/v1/flows/payments/resume", "admin", NULL, &st);
	assert_true(json_is_false(json_object_get(doc, "paused")));
	json_decref(doc);
	doc = call(&h, "GET", "/v1/flows", "nobody", NULL, &st);
	assert_int_equal(st, 401);
	json_decref(doc);
	/* Unknown flow names: 404 on the path (and no row), 400 in a filter. */
	doc = call(&h, "POST", "/v1/flows/nonexistent/pause", "admin", NULL, &st);
	assert_int_equal(st, 404);
	assert_string_equal(json_string_value(json_object_get(doc, "type")), SEAM_PROBLEM_BASE "not-found");
	assert_string_equal(json_string_value(json_object_get(doc, "detail")),
			    "no flow named 'nonexistent' (flows: orders, payments, catalog, stock, tax, reconcile)");
	json_decref(doc);
	assert_int_equal(qt_int(h.f.env.st, "SELECT COUNT(*) FROM flows WHERE name = 'nonexistent'", NULL), 0);
	doc = call(&h, "GET", "/v1/jobs?flow=erp", "reader", NULL, &st);
	assert_int_equal(st, 400);
	assert_non_null(strstr(json_string_value(json_object_get(doc, "detail")), "no flow named 'erp'"));
	json_decref(doc);
	doc = call(&h, "POST", "/v1/dead-letters/replay", "admin", "{\"flow\":\"erp\"}", &st);
	assert_int_equal(st, 422);
	json_eq(json_object_get(doc, "errors"),
			  "[{\"pointer\": \"/flow\", \"keyword\": \"x-seam-flow\", \"detail\": "
			  "\"no flow named 'erp' (flows: orders, payments, catalog, stock, tax, reconcile)\"}]");
	json_decref(doc);

	seam_http_stop(h.srv, 1000);
	seam_queue_destroy(h.q);
	qt_close(&h.f.env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_filters_and_paging),
		cmocka_unit_test(test_admin_jobs_about),
		cmocka_unit_test(test_admin_actions),
		cmocka_unit_test(test_ctl_jobs_and_dlq),
		cmocka_unit_test(test_ctl_usage_and_flows),
		cmocka_unit_test(test_flows_listed_from_start),
		cmocka_unit_test(test_dlq_names_order_and_store),
		cmocka_unit_test(test_http_routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
