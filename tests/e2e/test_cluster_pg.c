/*
 * Three `seam serve` instances on one PostgreSQL database (issue 18), under faults. Runs with
 * SEAM_TEST_PG (make e2e-pg), else says why it skipped.
 *
 *   - instances a, b and c (SEAM_INSTANCE) share one store; Stripe webhooks go to them in turn,
 *     a tenth of them delivered twice, the second time to another instance (a provider's retry
 *     landing elsewhere);
 *   - a third of the way in, b is killed with SIGKILL; webhooks sent to it meanwhile get no
 *     answer (not acknowledged: the provider would retry); two thirds in, b starts again;
 *   - afterwards: every acknowledged event is in the inbox exactly once with exactly one job,
 *     every job succeeded (b's leases held when it died were reaped and run by the others),
 *     no job ran twice (one succeeded attempt per job), and the jobs' lease owners name every
 *     instance: the work was shared; each instance's /metrics carries its seam_instance_info.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/store.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define SECRET "whsec_cluster_test_secret_0123456789"
#define N 450

static char dir[64];
static th_seam_t inst[3];
static const char *const names[3] = {"a", "b", "c"};

static void write_config(th_seam_t *s, const char *db_url)
{
	th_seam_write_config(s,
		"listen: 127.0.0.1:%d\nstore: %s\nlog: {level: warn}\n"
		"queue: {workers: 4, lease: 2s, poll: 100ms, backoff_base: 100ms, "
		"backoff_cap: 1s, max_attempts: 30}\n"
		"upstreams:\n  drupal:\n    base_url: http://127.0.0.1:9\n    timeout: 2s\n"
		"stores:\n  us:\n    stripe_secrets: [{env: T_CLUSTER_STRIPE}]\n"
		"    drupal: {upstream: drupal, payment_gateway: stripe, poll_interval: 0s}\n"
		"payment_events:\n  stripe:\n    payment_intent.canceled: ignored\n",
		s->port, db_url);
}

static int start(int i)
{
	setenv("SEAM_INSTANCE", names[i], 1);
	int rc = th_seam_start(&inst[i], 15000);
	unsetenv("SEAM_INSTANCE");
	return rc;
}

static int setup(void **state)
{
	(void)state;
	th_tmpdir(dir);
	setenv("T_CLUSTER_STRIPE", SECRET, 1);
	for (int i = 0; i < 3; i++) {
		th_seam_init(&inst[i], dir, names[i]);
		if (i > 0) /* one database: the first instance's */
			snprintf(inst[i].db_url, sizeof inst[i].db_url, "%s", inst[0].db_url);
		write_config(&inst[i], inst[0].db_url);
	}
	for (int i = 0; i < 3; i++)
		if (start(i) != 0)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 1; i < 3; i++)
		th_seam_stop(&inst[i], SIGTERM, 10000);
	th_e2e_teardown(&inst[0], 0, 10000, dir);
	return 0;
}

static long post(int i, const char *event_id)
{
	char body[512], url[128];
	snprintf(body, sizeof body,
		 "{\"id\":\"%s\",\"type\":\"payment_intent.canceled\",\"created\":%lld,\"data\":"
		 "{\"object\":{\"object\":\"payment_intent\",\"id\":\"pi_%s\",\"amount\":1000,"
		 "\"currency\":\"usd\",\"status\":\"canceled\"}}}",
		 event_id, (long long)(seam_now_ms() / 1000), event_id);
	return th_stripe_post(th_seam_url(&inst[i], "/webhooks/stripe/us", url, sizeof url), SECRET,
			      body);
}

static long count1(const char *sql_fmt, const char *arg)
{
	char sql[512];
	snprintf(sql, sizeof sql, sql_fmt, arg);
	return th_store_count(inst[0].db_url, sql);
}

static void test_three_instances_kill9_and_duplicates(void **state)
{
	(void)state;
	static char acked[N][48];
	int nacked = 0, refused = 0, dup_acked = 0;
	char run[24];
	snprintf(run, sizeof run, "%lld", (long long)seam_now_ms());
	for (int i = 0; i < N; i++) {
		if (i == N / 3)
			th_seam_stop(&inst[1], SIGKILL, 5000); /* its status is the signal */
		if (i == 2 * N / 3)
			assert_int_equal(start(1), 0);
		char id[48];
		snprintf(id, sizeof id, "evt_cl_%s_%d", run, i);
		long st = post(i % 3, id);
		if (st == 200)
			snprintf(acked[nacked++], sizeof acked[0], "%s", id);
		else
			refused++;
		if (i % 10 == 0 && st == 200) { /* the provider's retry, landing on another instance */
			int to = (i + 1) % 3;
			if (to == 1 && i >= N / 3 && i < 2 * N / 3)
				to = (i + 2) % 3; /* b is down */
			dup_acked += post(to, id) == 200;
		}
	}
	print_message("cluster: %d acknowledged, %d not (b down), %d duplicates acknowledged\n",
		      nacked, refused, dup_acked);
	TH_ASSERT_CMP(nacked, >=, N * 2 / 3);
	TH_ASSERT_CMP(dup_acked, >=, N / 20);

	/* everything acknowledged is processed: wait for the queue to drain */
	int64_t deadline = seam_now_ms() + 60000;
	long open;
	while ((open = count1("SELECT COUNT(*) FROM jobs WHERE flow = 'payments' AND state <> "
			      "'succeeded'%s", "")) != 0 && seam_now_ms() < deadline)
		seam_sleep_ms(200);
	assert_int_equal(open, 0);
	/* each acknowledged event: one inbox row, one job, succeeded (one query over the list) */
	size_t cap = (size_t)nacked * 52 + 256, len = 0;
	char *in = malloc(cap), *sql = malloc(cap + 256);
	assert_non_null(in);
	assert_non_null(sql);
	for (int i = 0; i < nacked; i++)
		len += (size_t)snprintf(in + len, cap - len, "%s'%s'", i ? "," : "", acked[i]);
	snprintf(sql, cap + 256, "SELECT COUNT(*) FROM inbox WHERE provider = 'stripe' AND event_id IN (%s)", in);
	assert_int_equal(th_store_count(inst[0].db_url, sql), nacked);
	snprintf(sql, cap + 256, "SELECT COUNT(*) FROM inbox i JOIN jobs j ON j.id = i.job_id "
		 "WHERE i.event_id IN (%s) AND j.state = 'succeeded'", in);
	assert_int_equal(th_store_count(inst[0].db_url, sql), nacked);
	free(in);
	free(sql);
	/* no job completed twice: one succeeded attempt each (the failed ones keep rows) */
	assert_int_equal(count1("SELECT COUNT(*) FROM (SELECT job_id FROM job_attempt_log WHERE "
				"outcome = 'succeeded' GROUP BY job_id HAVING COUNT(*) > 1) t%s", ""), 0);
	long jobs = count1("SELECT COUNT(*) FROM jobs WHERE flow = 'payments'%s", "");
	long reaped = count1("SELECT COUNT(*) FROM job_attempt_log WHERE outcome = "
			     "'lease_expired'%s", "");
	print_message("cluster: %ld jobs, %ld leases reaped after the kill\n", jobs, reaped);
	TH_ASSERT_CMP(jobs, >=, nacked);
	/* every instance ran some of them */
	for (int i = 0; i < 3; i++) {
		char like[8];
		snprintf(like, sizeof like, "%s#%%", names[i]);
		long ran = count1("SELECT COUNT(*) FROM jobs WHERE flow = 'payments' AND "
				  "lease_owner LIKE '%s'", like);
		print_message("cluster: instance %s ran %ld\n", names[i], ran);
		TH_ASSERT_CMP(ran, >, 0);
	}
	for (int i = 0; i < 3; i++) {
		char url[128], series[96];
		char *m = th_get_text(th_seam_url(&inst[i], "/metrics", url, sizeof url));
		assert_non_null(m);
		snprintf(series, sizeof series, "seam_instance_info{instance=\"%s\",store=\"postgresql\"}",
			 names[i]);
		assert_true(th_metric(m, series) == 1);
		free(m);
	}
}

int main(void)
{
	if (!getenv("SEAM_TEST_PG") || !*getenv("SEAM_TEST_PG")) {
		printf("SKIP: test_cluster_pg needs SEAM_TEST_PG (make e2e-pg runs it)\n");
		printf("[  SKIPPED ] 1 test(s).\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_instances_kill9_and_duplicates),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
