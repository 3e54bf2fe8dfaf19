/*
 * End-to-end proof that a seam store exports only its own Drupal store's orders (issue 10,
 * items 1, 2, 14 and 15), on the real binaries.
 *
 * One Drupal double with two commerce_stores (US in USD, EU in EUR) and one ERP double with
 * two companies; seam has stores us and eu on the same Drupal upstream, each naming its
 * commerce_store (stores.<name>.drupal.store) and its own ERP company, each with a 1 s poller.
 * A third of the storefront's events are lost, so both the events and the pollers bring
 * orders in. Then:
 *   - every order lands once, in its own store's company, and seam_order_exports_total
 *     counts exactly one export per order; an event sent to the wrong seam store is ignored
 *     and counted (seam_orders_ignored_total);
 *   - a poll run has one timeline entry of its own, no two orders share a correlation id on
 *     the timeline, and `seam ctl trace N --json` shows that order's entries and jobs only;
 *   - an order whose export job is still queued (flow paused) is found by its number;
 *   - the backlog gauges print 0 for each store without a backlog; an export logs at info;
 *   - serve refuses a drupal.store the site does not have (exit 2), and starts when the site
 *     cannot be asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "sim/sim_sign.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define DRUPAL_PW "e2e-drupal-pass"
#define ERP_SECRET "e2e-erp-secret"
#define EVENTS "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define US_STORE "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"
#define EU_STORE "6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10"
#define US_CO "1a2b3c4d-0000-4000-8000-00000000a001"
#define EU_CO "1a2b3c4d-0000-4000-8000-00000000e002"
#define PER_STORE 8

static char dir[64], sim_log[128];
static char drupal_url[64], erp_url[64], erp_auth[1200];
static th_seam_t sm;
static pid_t sim_pid;

/* A JSON call to base + path with up to four extra header lines. */
static json_t *call(const char *method, const char *base, const char *path, const char *body,
		    const char *const *hdrs, long *status)
{
	char u[800];
	snprintf(u, sizeof u, "%s%s", base, path);
	const char *h[] = {"Content-Type: application/json", NULL, NULL, NULL, NULL, NULL};
	for (int i = 0; hdrs && hdrs[i] && i < 4; i++)
		h[i + 1] = hdrs[i];
	return th_json(method, u, h, body, status);
}

/* Writes seam's config: both stores on one Drupal, each its own commerce_store and company. */
static void write_seam_cfg(const th_seam_t *s, const char *drupal, const char *us_store)
{
	th_seam_write_config(s,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info, access_log: false}\n"
		 "queue: {workers: 4, lease: 5s, backoff_base: 100ms, backoff_cap: 1s, max_attempts: 50}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 5s\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    timeout: 5s\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: T_ERP}, token_url: %s/oauth2/v2.0/token}\n"
		 "stores:\n"
		 "  us:\n"
		 "    drupal: {upstream: drupal, store: %s, event_secrets: [{env: T_EVENTS}], poll_interval: 1s}\n"
		 "    erp: {upstream: erp, company: " US_CO ", customer: WEB, shipping_account: '6130'}\n"
		 "  eu:\n"
		 "    drupal: {upstream: drupal, store: [" EU_STORE "], event_secrets: [{env: T_EVENTS}], poll_interval: 1s}\n"
		 "    erp: {upstream: erp, company: " EU_CO ", customer: WEB, shipping_account: '6130'}\n",
		 s->port, s->db_url, drupal, erp_url, erp_url, us_store);
}

static int setup(void **state)
{
	char text[3000], simcfg[128];
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	setenv("T_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("T_ERP", ERP_SECRET, 1);
	setenv("T_EVENTS", EVENTS, 1);
	snprintf(text, sizeof text,
		 "seed: 12\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  workflow: order_fulfillment\n"
		 "  stores:\n"
		 "    - {name: US store, seam_store: us, currency: USD, country: US, uuid: " US_STORE "}\n"
		 "    - {name: EU store, seam_store: eu, currency: EUR, country: DE, uuid: " EU_STORE "}\n"
		 "  products: 20\n  variations: 2\n  customers: 10\n  orders: 0\n"
		 "  events: {url: %s, secret: {env: T_EVENTS}, drop_rate: 0.33, attempts: 20, backoff: [200ms, 500ms]}\n"
		 "erp:\n  listen: 127.0.0.1:0\n  client_id: seam\n  client_secret: {env: T_ERP}\n  items: 40\n"
		 "  companies:\n"
		 "    - {name: CRONUS USA, currency: USD, id: " US_CO "}\n"
		 "    - {name: CRONUS Europe, currency: EUR, id: " EU_CO "}\n",
		 sm.base);
	th_write_file(simcfg, text);
	char urls[2][64];
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "erp", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(erp_url, sizeof erp_url, "%s", urls[1]);
	th_erp_bearer(erp_url, "seam", ERP_SECRET, erp_auth, sizeof erp_auth);
	write_seam_cfg(&sm, drupal_url, US_STORE);
	return th_seam_start(&sm, 10000);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, sim_pid, 15000, dir);
	return 0;
}

/* Runs `seam ctl -c seam.yaml args...`; returns the exit code and the output (owned). */
static int ctl(char **out, const char *a1, const char *a2, const char *a3, const char *a4)
{
	return th_seam_ctl(&sm, (const char *[]){a1, a2, a3, a4, NULL}, out);
}

/* Places n orders in a seam store's commerce_store; their numbers are appended to numbers. */
static void place(const char *store, int n, json_t *numbers, json_t *uuids)
{
	char body[128];
	long st;
	snprintf(body, sizeof body, "{\"count\":%d,\"store\":\"%s\",\"items\":2}", n, store);
	json_t *d = call("POST", drupal_url, "/_sim/drupal/orders", body, NULL, &st);
	assert_int_equal(st, 201);
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(d, "orders"), i, o) {
		json_array_append(numbers, json_object_get(o, "order_number"));
		if (uuids)
			json_array_append(uuids, json_object_get(o, "uuid"));
	}
	json_decref(d);
}

/* externalDocumentNumber -> count, of one ERP company's sales orders. */
static json_t *erp_numbers(const char *company)
{
	char path[300];
	json_t *by = json_object(), *o;
	size_t i;
	snprintf(path, sizeof path, "/api/v2.0/companies(%s)/salesOrders?$top=1000", company);
	json_t *d = call("GET", erp_url, path, NULL, (const char *[]){erp_auth, NULL}, NULL);
	json_array_foreach(json_object_get(d, "value"), i, o) {
		const char *edn = json_string_value(json_object_get(o, "externalDocumentNumber"));
		json_int_t c = json_integer_value(json_object_get(by, edn ? edn : ""));
		json_object_set_new(by, edn ? edn : "", json_integer(c + 1));
	}
	json_decref(d);
	return by;
}

static long wait_count(const char *sql, long want, int ms)
{
	long n = -1;
	for (int w = 0; w < ms / 100 && n != want; w++, seam_sleep_ms(100))
		n = th_store_count(sm.db_url, sql);
	return n;
}

/* Item 15: with no backlog each exporting store still has both gauges, at 0. */
static void test_backlog_gauges_zero_without_backlog(void **state)
{
	char u[96];
	(void)state;
	snprintf(u, sizeof u, "%s/metrics", sm.base);
	char *m = th_get_text(u);
	assert_non_null(m);
	TH_ASSERT_CMP(th_metric(m, "seam_order_export_backlog{store=\"us\"}"), ==, 0);
	TH_ASSERT_CMP(th_metric(m, "seam_order_export_backlog{store=\"eu\"}"), ==, 0);
	TH_ASSERT_CMP(th_metric(m, "seam_order_export_oldest_age_seconds{store=\"us\"}"), ==, 0);
	TH_ASSERT_CMP(th_metric(m, "seam_order_export_oldest_age_seconds{store=\"eu\"}"), ==, 0);
	free(m);
}

/* Item 1: each store's orders in its own company, once; a misrouted event is ignored. */
static void test_each_store_exports_only_its_orders(void **state)
{
	json_t *us = json_array(), *eu = json_array(), *eu_uuids = json_array();
	(void)state;
	place("us", PER_STORE, us, NULL);
	place("eu", PER_STORE, eu, eu_uuids);

	/* An EU order's event, correctly signed, sent to the US store's endpoint. */
	char body[600], sig[128], hid[64], hts[64], hsig[160];
	int64_t now = seam_now_ms() / 1000;
	snprintf(body, sizeof body,
		 "{\"type\":\"order.placed\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{"
		 "\"order_uuid\":\"%s\",\"order_id\":1,\"order_number\":\"%s\",\"store_uuid\":\"" EU_STORE "\","
		 "\"state\":\"fulfillment\",\"workflow\":\"order_fulfillment\",\"transition\":\"place\","
		 "\"total\":{\"number\":\"1.00\",\"currency_code\":\"EUR\"}}}",
		 json_string_value(json_array_get(eu_uuids, 0)), json_string_value(json_array_get(eu, 0)));
	assert_int_equal(seam_sim_sign_standard(EVENTS, "msg_misrouted", now, body, strlen(body), sig,
						sizeof sig), 0);
	snprintf(hid, sizeof hid, "webhook-id: msg_misrouted");
	snprintf(hts, sizeof hts, "webhook-timestamp: %lld", (long long)now);
	snprintf(hsig, sizeof hsig, "webhook-signature: %s", sig);
	long st;
	json_decref(call("POST", sm.base, "/webhooks/drupal/us", body,
			 (const char *[]){hid, hts, hsig, NULL}, &st));
	assert_int_equal(st, 200);

	long done = wait_count("SELECT count(*) FROM orders WHERE export_state = 'written_back'",
			       2 * PER_STORE, 30000);
	seam_sleep_ms(3000); /* three more poll runs of each store: nothing may change */
	done = th_store_count(sm.db_url, "SELECT count(*) FROM orders WHERE export_state = 'written_back'");
	printf("orders written back: %ld of %d\n", done, 2 * PER_STORE);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM orders"), 2 * PER_STORE);
	assert_int_equal(done, 2 * PER_STORE);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE state = 'dead'"), 0);

	/* The ERP: each company holds exactly its store's orders, once each. */
	struct {
		const char *company, *store;
		json_t *mine, *theirs;
	} want[] = {{US_CO, "us", us, eu}, {EU_CO, "eu", eu, us}};
	for (int k = 0; k < 2; k++) {
		json_t *got = erp_numbers(want[k].company);
		size_t i;
		json_t *n;
		printf("company %s (%s): %zu sales orders\n", want[k].company, want[k].store,
		       json_object_size(got));
		json_array_foreach(want[k].mine, i, n) {
			json_int_t c = json_integer_value(json_object_get(got, json_string_value(n)));
			if (c != 1)
				fail_msg("order %s of store %s is in its company %lld times, want 1",
					 json_string_value(n), want[k].store, (long long)c);
		}
		json_array_foreach(want[k].theirs, i, n)
			if (json_object_get(got, json_string_value(n)))
				fail_msg("order %s of the other store is in %s's company",
					 json_string_value(n), want[k].store);
		assert_int_equal(json_object_size(got), PER_STORE);
		json_decref(got);
	}

	/* Metrics: one export per order, per store; the misrouted event counted. */
	char u[96];
	snprintf(u, sizeof u, "%s/metrics", sm.base);
	char *m = th_get_text(u);
	double exports = th_metric_sum(m, "seam_order_exports_total{");
	double us_n = th_metric_sum(m, "seam_order_exports_total{store=\"us\"");
	double eu_n = th_metric_sum(m, "seam_order_exports_total{store=\"eu\"");
	printf("seam_order_exports_total: us %g, eu %g\n", us_n, eu_n);
	TH_ASSERT_CMP(exports, ==, 2 * PER_STORE);
	TH_ASSERT_CMP(us_n, ==, PER_STORE);
	TH_ASSERT_CMP(eu_n, ==, PER_STORE);
	TH_ASSERT_CMP(th_metric(m, "seam_orders_ignored_total{store=\"us\",seen_by=\"event\"}"), >=, 1);
	free(m);

	/* Item 15: every export said so at info. */
	char *log = th_read_file(sm.log);
	int lines = 0;
	for (const char *p = log; (p = strstr(p, "\"level\":\"info\"")); p++) {
		const char *eol = strchr(p, '\n');
		const char *hit = strstr(p, "in the ERP as");
		if (hit && (!eol || hit < eol))
			lines++;
	}
	printf("export info lines: %d\n", lines);
	assert_int_equal(lines, 2 * PER_STORE);
	free(log);
	json_decref(us);
	json_decref(eu);
	json_decref(eu_uuids);
}

/* Item 2: a poll run is one entry of its own; an order's trace is that order's alone. */
static void test_poll_run_and_trace_of_one_order(void **state)
{
	json_t *nums = json_array(), *uuids = json_array();
	long st;
	char *out = NULL;
	(void)state;
	/* Lose every storefront event and hold the orders flow, so that one poll run finds all
	 * of these orders. */
	json_decref(call("POST", drupal_url, "/_sim/faults", "{\"kind\":\"lose\",\"path\":\"/webhooks/drupal\"}",
			 NULL, &st));
	TH_ASSERT_CMP(st, >=, 200);
	TH_ASSERT_CMP(st, <, 300);
	assert_int_equal(ctl(&out, "flow", "pause", "orders", NULL), 0);
	free(out);
	place("us", 4, nums, uuids);
	seam_sleep_ms(1500);
	assert_int_equal(ctl(&out, "flow", "resume", "orders", NULL), 0);
	free(out);
	long n = wait_count("SELECT count(*) FROM orders WHERE export_state = 'written_back'",
			    2 * PER_STORE + 4, 20000);
	assert_int_equal(n, 2 * PER_STORE + 4);
	json_decref(call("DELETE", drupal_url, "/_sim/faults", NULL, NULL, &st));

	/* No two orders share a correlation id on the timeline, and every order found by a
	 * poll is listed by exactly one poll.run entry. */
	assert_int_equal(th_store_count(sm.db_url,
					"SELECT count(*) FROM (SELECT correlation_id FROM timeline "
					"WHERE entity_type = 'order' GROUP BY correlation_id HAVING "
					"count(DISTINCT entity_id) > 1) x"),
			 0);
	long found = th_store_count(sm.db_url, "SELECT count(*) FROM timeline WHERE event = 'poller.found'");
	long runs = th_store_count(sm.db_url, "SELECT count(*) FROM timeline WHERE entity_type = 'poll' AND event = 'poll.run'");
	/* JSON functions are the one place the engines' SQL differs: this is test-only SQL */
	const char *pg = getenv("SEAM_TEST_PG");
	long listed = th_store_count(sm.db_url, pg && *pg
		? "SELECT sum(json_array_length(CAST(detail AS json) -> 'orders')) "
		  "FROM timeline WHERE entity_type = 'poll' AND event = 'poll.run'"
		: "SELECT sum(json_array_length(json_extract(detail, '$.orders'))) "
		  "FROM timeline WHERE entity_type = 'poll' AND event = 'poll.run'");
	printf("poller.found %ld, poll.run entries %ld listing %ld orders\n", found, runs, listed);
	TH_ASSERT_CMP(found, >=, 4);
	TH_ASSERT_CMP(runs, >=, 1);
	TH_ASSERT_CMP(runs, <, found);
	assert_int_equal(listed, found);

	/* The trace of one of them (--json after the command): its entries and jobs only. */
	const char *uuid = json_string_value(json_array_get(uuids, 1));
	assert_int_equal(ctl(&out, "trace", json_string_value(json_array_get(nums, 1)), "--json", NULL), 0);
	json_t *t = json_loads(out, 0, NULL);
	if (!t)
		fail_msg("trace --json printed: %s", out);
	free(out);
	assert_string_equal(json_string_value(json_object_get(t, "order_uuid")), uuid);
	json_t *tl = json_object_get(t, "timeline"), *e, *j;
	size_t i;
	int saw_found = 0;
	json_array_foreach(tl, i, e) {
		const char *id = json_string_value(json_object_get(e, "entity_id"));
		if (strcmp(id, uuid))
			fail_msg("trace of %s shows entry %zu (%s) of %s", uuid, i,
				 json_string_value(json_object_get(e, "event")), id);
		saw_found |= !strcmp(json_string_value(json_object_get(e, "event")), "poller.found");
	}
	assert_true(saw_found);
	TH_ASSERT_CMP(json_array_size(tl), >=, 3); /* found, export, write-back */
	json_array_foreach(json_object_get(t, "jobs"), i, j)
		assert_string_equal(json_string_value(json_object_get(j, "kind")), "order.export");
	assert_int_equal(json_array_size(json_object_get(t, "jobs")), 1);
	json_decref(t);
	json_decref(nums);
	json_decref(uuids);
}

/* Item 14: an order whose export job is still queued is found by its number. */
static void test_trace_finds_queued_order_by_number(void **state)
{
	json_t *nums = json_array(), *uuids = json_array();
	char *out = NULL, sql[300];
	(void)state;
	assert_int_equal(ctl(&out, "flow", "pause", "orders", NULL), 0);
	free(out);
	place("eu", 1, nums, uuids);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM inbox WHERE provider = 'drupal' AND body LIKE '%%%s%%'",
		 json_string_value(json_array_get(uuids, 0)));
	TH_ASSERT_CMP(wait_count(sql, 1, 10000), >=, 1);
	int rc = ctl(&out, "trace", json_string_value(json_array_get(nums, 0)), "--json", NULL);
	json_t *t = json_loads(out ? out : "", 0, NULL);
	if (rc != 0 || !t)
		fail_msg("trace of a queued order: exit %d, %s", rc, out ? out : "");
	free(out);
	json_t *o = json_array_get(json_object_get(t, "orders"), 0);
	assert_string_equal(json_string_value(json_object_get(o, "store")), "eu");
	assert_string_equal(json_string_value(json_object_get(o, "export_state")), "seen");
	assert_string_equal(json_string_value(json_object_get(o, "currency")), "EUR");
	json_t *j = json_array_get(json_object_get(t, "jobs"), 0);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "queued");
	json_decref(t);
	/* the human form says the same, and payment state is in the header */
	assert_int_equal(ctl(&out, "trace", json_string_value(json_array_get(nums, 0)), NULL, NULL), 0);
	assert_non_null(strstr(out, "store eu"));
	assert_non_null(strstr(out, "export seen"));
	assert_non_null(strstr(out, "payment  none seen"));
	free(out);
	assert_int_equal(ctl(&out, "flow", "resume", "orders", NULL), 0);
	free(out);
	json_decref(nums);
	json_decref(uuids);
}

/* Item 1: drupal.store is checked against the site at start. */
static void test_start_checks_store_uuids(void **state)
{
	th_seam_t bad, down;
	(void)state;
	th_seam_init(&bad, dir, "bad");
	write_seam_cfg(&bad, drupal_url, "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2fff");
	th_seam_start(&bad, 0);
	int st = th_seam_stop(&bad, 0, 10000); /* waits for it to exit by itself */
	char *text = th_read_file(bad.log);
	printf("serve with an unknown store: %s", text ? text : "");
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 2);
	assert_non_null(strstr(text, "stores.us.drupal.store: the Drupal site (upstream drupal) has no "
				     "commerce_store 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2fff; it has 'US store' "
				     US_STORE));
	free(text);

	/* A site that cannot be asked does not hold start-up. */
	char nowhere[64];
	snprintf(nowhere, sizeof nowhere, "http://127.0.0.1:%d", th_free_port());
	th_seam_init(&down, dir, "down");
	write_seam_cfg(&down, nowhere, US_STORE);
	assert_int_equal(th_seam_start(&down, 10000), 0);
	th_seam_stop(&down, SIGTERM, 10000);
	text = th_read_file(down.log);
	assert_non_null(strstr(text, "cannot check stores.us.drupal.store against the Drupal site now"));
	free(text);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backlog_gauges_zero_without_backlog),
		cmocka_unit_test(test_each_store_exports_only_its_orders),
		cmocka_unit_test(test_poll_run_and_trace_of_one_order),
		cmocka_unit_test(test_trace_finds_queued_order_by_number),
		cmocka_unit_test(test_start_checks_store_uuids),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
