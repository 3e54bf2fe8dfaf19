/*
 * End-to-end: what an unwell ERP does to seam (issue 10, items 4 and 5), on the real binaries.
 * The Drupal double places orders and sends their events; the ERP is either unreachable or a
 * programmable mock in this process.
 *
 *   1. The ERP's OAuth2 token endpoint does not answer (connection refused) while 60 orders
 *      wait for export. Token failures count toward the ERP's breaker: it opens after
 *      min_calls, and every later job is deferred without spending an attempt. So: few
 *      attempts in all, no dead letter, the breaker gauge at 2 (open), /readyz naming it, and
 *      a log that does not grow with the number of jobs.
 *   2. The ERP answers every call with a 400 that quotes the customer's e-mail, phone and
 *      IBAN. The jobs die (permanent), and neither the log nor job_attempts.error nor the
 *      dead letters hold those values unmasked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "tests/support/harness.h"
#include "tests/support/mock_upstream.h"
#include "tests/support/th_assert.h"

#define DRUPAL_PW "e2e-drupal-pass"
#define COMPANY "c0ffee00-1111-4222-8333-444444444444"
#define ORDERS 60

static char dir[64], sim_log[128], drupal_url[64], seam_base[64];
static int seam_port;
static pid_t sim_pid;

static int group_setup(void **state)
{
	char simcfg[128], text[2000], urls[1][64];
	(void)state;
	th_tmpdir(dir);
	seam_port = th_free_port(); /* every instance's: the storefront double sends events there */
	snprintf(seam_base, sizeof seam_base, "http://127.0.0.1:%d", seam_port);
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	setenv("T_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("T_ERP", "e2e-erp-secret", 1);
	setenv("T_EVENTS", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
	snprintf(text, sizeof text,
		 "seed: 5\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}]\n"
		 "  products: 10\n  variations: 2\n  customers: 5\n  orders: 0\n"
		 "  events: {url: %s, secret: {env: T_EVENTS}, attempts: 20, backoff: [200ms, 500ms, 1s]}\n",
		 seam_base);
	th_write_file(simcfg, text);
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	return 0;
}

/* The instance of the running test: stopped after it whatever happened. */
static th_seam_t *running;

static int test_teardown(void **state)
{
	(void)state;
	if (running)
		th_seam_stop(running, SIGTERM, 15000);
	running = NULL;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	th_stop(sim_pid, SIGTERM, 5000);
	th_cleanup_dir(dir);
	return 0;
}

/* Writes the config (the ERP upstream's YAML is erp_yaml) and starts seam serve. */
static int start(th_seam_t *in, const char *name, const char *erp_yaml)
{
	th_seam_init(in, dir, name);
	in->port = seam_port;
	snprintf(in->base, sizeof in->base, "%s", seam_base);
	th_seam_write_config(in,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info, access_log: false}\n"
		 "queue: {workers: 4, backoff_base: 100ms, backoff_cap: 1s, max_attempts: 10}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 5s\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "  erp:\n%s"
		 "stores:\n  us:\n"
		 "    drupal: {upstream: drupal, event_secrets: [{env: T_EVENTS}], poll_interval: 0}\n"
		 "    erp: {upstream: erp, company: " COMPANY ", customer: WEB, shipping_account: '6130'}\n",
		 in->port, in->db_url, drupal_url, erp_yaml);
	running = in;
	return th_seam_start(in, 10000);
}

static void place_orders(int n)
{
	char u[128], body[96];
	th_resp_t r;
	snprintf(u, sizeof u, "%s/_sim/drupal/orders", drupal_url);
	snprintf(body, sizeof body, "{\"count\":%d,\"store\":\"us\",\"items\":2}", n);
	assert_int_equal(th_http("POST", u, (const char *const[]){"Content-Type: application/json", NULL},
				 body, strlen(body), &r), 0);
	assert_int_equal(r.status / 100, 2);
	th_resp_free(&r);
}

static long count(const th_seam_t *in, const char *sql)
{
	return th_store_count(in->db_url, sql);
}

/* Lines of a log file that contain needle. */
static int lines_with(const char *path, const char *needle)
{
	char *text = th_read_file(path);
	int n = 0;
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n'), *hit = strstr(l, needle);
		if (hit && (!nl || hit < nl))
			n++;
		l = nl ? nl + 1 : NULL;
	}
	free(text);
	return n;
}

static char *get(const char *path, long *status)
{
	char u[128];
	th_resp_t r;
	snprintf(u, sizeof u, "%s%s", seam_base, path);
	th_http("GET", u, NULL, NULL, 0, &r);
	*status = r.status;
	char *body = r.body;
	r.body = NULL;
	th_resp_free(&r);
	return body;
}

static void test_token_endpoint_unreachable(void **state)
{
	static th_seam_t in;
	char erp[600];
	int dead_port = th_free_port();
	(void)state;
	snprintf(erp, sizeof erp,
		 "    base_url: http://127.0.0.1:%d/api/v2.0\n    timeout: 1s\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: T_ERP},"
		 " token_url: 'http://127.0.0.1:%d/oauth2/v2.0/token'}\n",
		 dead_port, dead_port);
	assert_int_equal(start(&in, "outage", erp), 0);
	place_orders(ORDERS);
	long jobs = 0;
	for (int i = 0; i < 100 && jobs < ORDERS; i++) {
		seam_sleep_ms(100);
		jobs = count(&in, "SELECT count(*) FROM jobs WHERE kind = 'order.export'");
	}
	assert_int_equal(jobs, ORDERS);
	seam_sleep_ms(5000); /* the outage goes on */

	/* attempts spent: min_calls (10) and the calls in flight when the breaker opened */
	long spent = count(&in, "SELECT sum(attempts) FROM jobs WHERE kind = 'order.export'");
	long deferred = count(&in, "SELECT count(DISTINCT job_id) FROM job_attempt_log WHERE outcome = 'deferred'");
	long dead = count(&in, "SELECT count(*) FROM jobs WHERE state = 'dead'");
	printf("60 jobs, token endpoint down 5 s: %ld attempts spent, %ld jobs deferred, %ld dead\n",
	       spent, deferred, dead);
	if (spent > 20 || dead != 0 || deferred < ORDERS - 20)
		fail_msg("got %ld attempts spent, %ld dead, %ld jobs deferred; want <= 20, 0, >= %d",
			 spent, dead, deferred, ORDERS - 20);

	long st;
	char *m = get("/metrics", &st);
	assert_int_equal(st, 200);
	if (!strstr(m, "seam_upstream_breaker_state{upstream=\"erp\"} 2"))
		fail_msg("breaker gauge not open:\n%s", m);
	free(m);
	char *ready = get("/readyz", &st);
	assert_int_equal(st, 200); /* webhooks are still taken; the work waits */
	json_t *doc = json_loads(ready, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(doc, "checks"), "upstreams"), "erp")),
			    "open");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(doc, "checks"), "upstreams"), "drupal")),
			    "closed");
	json_decref(doc);
	free(ready);

	/* the log: a few warnings, not one per job or attempt */
	int warns = lines_with(in.log, "\"level\":\"warn\"");
	printf("warn lines: %d\n", warns);
	if (warns > 6)
		fail_msg("%d warn lines for one upstream outage (see %s)", warns, in.log);
	assert_int_equal(lines_with(in.log, "circuit breaker open"), 1);
}

#define PII_MESSAGE                                                                          \
	"Customer jane.doe@example.com (phone +49 30 1234567) cannot be billed: IBAN DE89 3704 "  \
	"0044 0532 0130 00 is blocked for order 1001"

static void test_error_answer_with_personal_data(void **state)
{
	static th_seam_t in;
	char erp[300];
	(void)state;
	th_mock_t *mk = th_mock_start("application/json");
	for (int i = 0; i < TH_MOCK_MAX; i++)
		th_mock_push(mk, 400,
			     "{\"error\":{\"code\":\"Application_FieldValidationException\",\"message\":\"" PII_MESSAGE
			     "\"}}",
			     NULL, 0, NULL, NULL);
	snprintf(erp, sizeof erp, "    base_url: http://127.0.0.1:%d/api/v2.0\n    timeout: 2s\n",
		 th_mock_port(mk));
	assert_int_equal(start(&in, "pii", erp), 0);
	place_orders(3);
	long dead = 0;
	for (int i = 0; i < 150 && dead < 3; i++) {
		seam_sleep_ms(100);
		dead = count(&in, "SELECT count(*) FROM jobs WHERE kind = 'order.export' AND state = 'dead'");
	}
	th_seam_stop(&in, SIGTERM, 15000);
	th_mock_stop(mk);
	assert_int_equal(dead, 3);

	const char *pii[] = {"jane", "example.com", "30 1234567", "3704", "0532 0130"};
	for (size_t i = 0; i < sizeof pii / sizeof *pii; i++) {
		char sql[300];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM job_attempt_log WHERE error LIKE '%%%s%%'", pii[i]);
		long n = count(&in, sql);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE last_error LIKE '%%%s%%'", pii[i]);
		long n2 = count(&in, sql);
		int nl = lines_with(in.log, pii[i]);
		if (n || n2 || nl)
			fail_msg("'%s' unmasked in %ld attempt errors, %ld dead letters, %d log lines (%s)",
				 pii[i], n, n2, nl, in.log);
	}
	/* masked, and the rest of the message is still there for the operator */
	long masked = count(&in, "SELECT count(*) FROM job_attempt_log WHERE error LIKE "
				 "'%Customer j***@e***.com (phone ***4567) cannot be billed: IBAN DE***3000 is "
				 "blocked for order 1001%'");
	assert_int_equal(masked, 3);
	TH_ASSERT_CMP(lines_with(in.log, "j***@e***.com"), >=, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_token_endpoint_unreachable, test_teardown),
		cmocka_unit_test_teardown(test_error_answer_with_personal_data, test_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
