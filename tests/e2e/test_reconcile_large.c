/*
 * A reconciliation window of 100,000 orders (issue: "paged, bounded memory, progress"), on the
 * real binaries and the Drupal and ERP doubles.
 *
 * The double holds 10,000 orders first, then 100,000 (90,000 more, placed later). Each run
 * reads every order of its window from Drupal page by page and asks the ERP for each one; the
 * export SLA is long, so none of these young orders is drift and a run must end done with
 * exactly its window's orders checked and no drift. While it runs, `seam ctl reconcile --json`
 * prints progress lines with orders_checked rising. seam serve's peak resident memory (VmHWM)
 * after the 100,000-order run may exceed its peak after the 10,000-order run by a few MB at
 * most: memory that grew with the order count would be ten times the first run's growth.
 * SEAM_RECONCILE_LARGE=N runs it with N orders in the big window instead (N >= 20,000).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define SMALL 10000
#define HWM_GROWTH_MAX_KB (8 * 1024)

static char dir[64], drupal_url[64], erp_url[64], company[64];
static th_seam_t sm;
static pid_t sim_pid;
static long big = 100000;

static int setup(void **state)
{
	char simcfg[128], simlog[128], text[2000];
	(void)state;
	const char *n = getenv("SEAM_RECONCILE_LARGE");
	if (n && atol(n) >= 2 * SMALL)
		big = atol(n);
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	setenv("T_DRUPAL_PW", "e2e-large-drupal", 1);
	setenv("T_ERP", "e2e-large-erp", 1);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(simlog, sizeof simlog, "%s/sim.log", dir);
	snprintf(text, sizeof text,
		 "seed: 3\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}]\n"
		 "  products: 4\n  variations: 1\n  customers: 1\n  orders: 0\n"
		 "erp:\n  listen: 127.0.0.1:0\n  client_id: seam\n  client_secret: {env: T_ERP}\n  items: 4\n");
	th_write_file(simcfg, text);
	char urls[2][64];
	sim_pid = th_sim_start(simcfg, simlog, (const char *[]){"drupal", "erp", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(erp_url, sizeof erp_url, "%s", urls[1]);
	if (th_erp_company(erp_url, "seam", "e2e-large-erp", company) != 0)
		return -1;
	/* no poller, no events: the orders are only read by the runs */
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: warn, access_log: false}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 30s\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    timeout: 10s\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: T_ERP}, token_url: %s/oauth2/v2.0/token}\n"
		 "stores:\n  us:\n"
		 "    drupal: {upstream: drupal, poll_interval: 0s}\n"
		 "    erp: {upstream: erp, company: %s, customer: WEB, shipping_account: '6130'}\n"
		 "reconciliation:\n  stores:\n    us: {export_sla: 7d}\n",
		 sm.port, sm.db_url, drupal_url, erp_url, erp_url, company);
	return th_seam_start(&sm, 10000);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, sim_pid, 15000, dir);
	return 0;
}

static void make_orders(long n)
{
	for (long made = 0; made < n;) {
		long k = n - made > 100000 ? 100000 : n - made;
		char body[96], u[128];
		long st = 0;
		snprintf(body, sizeof body, "{\"count\":%ld,\"store\":\"us\",\"items\":1}", k);
		snprintf(u, sizeof u, "%s/_sim/drupal/orders", drupal_url);
		const char *h[] = {"Content-Type: application/json", NULL};
		json_t *d = th_json("POST", u, h, body, &st);
		assert_int_equal(st, 201);
		assert_int_equal(json_array_size(json_object_get(d, "orders")), k);
		json_decref(d);
		made += k;
	}
}

/* seam serve's peak resident set (VmHWM of /proc/PID/status), kB. */
static long hwm_kb(void)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)sm.pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = atol(line + 6);
	fclose(f);
	TH_ASSERT_CMP(kb, >, 0);
	return kb;
}

/* Runs a report of the window; returns the finished run; *progress the progress lines'
 * orders_checked values, rising. */
static json_t *run_window(const char *since, long *nprogress, long *last_progress)
{
	char *out = NULL;
	int64_t t0 = seam_now_ms();
	int rc = th_seam_ctl(&sm, (const char *[]){"reconcile", "--store", "us", "--since", since, "--json", NULL}, &out);
	assert_int_equal(rc, 0);
	assert_non_null(out);
	json_t *run = NULL;
	long prev = -1;
	*nprogress = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		json_decref(run);
		run = json_loads(line, 0, NULL);
		assert_non_null(run);
		const char *state = json_string_value(json_object_get(run, "state"));
		if (state && strcmp(state, "running") == 0) {
			long c = (long)json_integer_value(json_object_get(run, "orders_checked"));
			TH_ASSERT_CMP(c, >=, prev);
			prev = c;
			(*nprogress)++;
		}
	}
	free(out);
	*last_progress = prev;
	printf("reconcile: %ld orders checked in %.1f s (%ld progress lines)\n",
	       (long)json_integer_value(json_object_get(run, "orders_checked")),
	       (double)(seam_now_ms() - t0) / 1000.0, *nprogress);
	return run;
}

static void test_large_window(void **state)
{
	(void)state;
	char since[32];
	long np, last;
	seam_rfc3339_ms(seam_now_ms() - 60000, since);
	int64_t t0 = seam_now_ms();
	make_orders(SMALL);
	printf("made %d orders in the Drupal double in %.1f s\n", SMALL, (double)(seam_now_ms() - t0) / 1000.0);
	json_t *run = run_window(since, &np, &last);
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	assert_int_equal(json_integer_value(json_object_get(run, "orders_checked")), SMALL);
	assert_int_equal(json_integer_value(json_object_get(run, "drift")), 0);
	assert_int_equal(json_array_size(json_object_get(run, "unreadable")), 0);
	json_decref(run);
	long hwm_small = hwm_kb();

	t0 = seam_now_ms();
	make_orders(big - SMALL);
	printf("made %ld more in %.1f s\n", big - SMALL, (double)(seam_now_ms() - t0) / 1000.0);
	run = run_window(since, &np, &last);
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	assert_int_equal(json_integer_value(json_object_get(run, "orders_checked")), big);
	assert_int_equal(json_integer_value(json_object_get(run, "drift")), 0);
	assert_int_equal(json_array_size(json_object_get(run, "unreadable")), 0);
	/* progress while it ran: several lines, the count rising, short of the end */
	TH_ASSERT_CMP(np, >=, 3);
	TH_ASSERT_CMP(last, >, 0);
	TH_ASSERT_CMP(last, <=, big);
	json_decref(run);
	long hwm_big = hwm_kb();
	printf("seam serve VmHWM: %ld kB after %d orders, %ld kB after %ld (growth %ld kB, bound %d)\n",
	       hwm_small, SMALL, hwm_big, big, hwm_big - hwm_small, HWM_GROWTH_MAX_KB);
	TH_ASSERT_CMP(hwm_big - hwm_small, <=, HWM_GROWTH_MAX_KB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_window),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
