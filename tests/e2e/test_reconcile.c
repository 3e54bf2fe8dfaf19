/*
 * End-to-end reconciliation on the real binaries and the doubles (Drupal, ERP, PSP).
 *
 * Drift is made the way it happens in production, each on its own order:
 *   - seeded orders the storefront never announced (its events only cover order.placed of new
 *     orders, the poller is off): placed, paid by hand in Drupal, long in fulfillment ->
 *     missing_in_erp, paid_without_capture, stuck_in_state;
 *   - O1: someone cleared the ERP number in Drupal -> erp_number_not_written_back;
 *   - O2: canceled in Drupal, the cancel event never sent -> canceled_in_drupal_open_in_erp;
 *   - O3: authorized, then captured at the PSP with the webhook lost -> captured_not_in_drupal;
 *     a second payment on it, only authorized, stays authorized through the fix;
 *   - O4: captured, then refunded at the PSP with the webhook lost -> refunded_not_in_drupal;
 *   - O5: its sales order deleted in the ERP after export -> missing_in_erp;
 *   - O6: the storefront charged 5% tax where the engine (0% here) committed none -> tax_differs;
 *   - O7: a discount given on its sales order in the ERP -> erp_total_differs.
 * A report run finds each on its order; a --fix run enqueues the deterministic fixes; once they
 * ran, a third run finds none of the fixable kinds again (what is left needs a person: the
 * payments entered by hand, the orders stuck in fulfillment, O6's tax and O7's total, reported
 * the same way); once a person corrected O7 in the ERP, the next run no longer reports it.
 * Then: the ERP down (a run reads what it can and reports no ERP drift), and a second run of a
 * store refused while one is going (ctl and REST).
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

#include "core/clock.h"
#include "core/crypto.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define DRUPAL_PW "e2e-rec-drupal"
#define ERP_SECRET "e2e-rec-erp"
#define STRIPE_SECRET "whsec_e2e_reconcile_stripe"
#define STRIPE_KEY "sk_test_e2e_reconcile"
#define TAX_LICENSE "e2e-rec-tax"
#define SINCE "2025-12-01T00:00:00Z"

static char dir[64], sim_log[128];
static char drupal_url[64], erp_url[64], psp_url[64], tax_url[64], company[64];
static char drupal_auth[128], erp_auth[1200];
static th_seam_t sm;
static pid_t sim_pid;

static json_t *call(const char *method, const char *base, const char *path, const char *body,
		    const char *auth, long *status)
{
	char u[900];
	snprintf(u, sizeof u, "%s%s", base, path);
	const char *h[] = {auth ? auth : "X-None: 1", "Content-Type: application/json", NULL};
	return th_json(method, u, h, body, status);
}

static int setup(void **state)
{
	char text[4000], b64[128], simcfg[128];
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	setenv("T_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("T_ERP", ERP_SECRET, 1);
	setenv("T_STRIPE", STRIPE_SECRET, 1);
	setenv("T_STRIPE_KEY", STRIPE_KEY, 1);
	setenv("T_TAX", TAX_LICENSE, 1);
	setenv("T_EVENTS", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
	seam_base64_encode("seam:" DRUPAL_PW, strlen("seam:" DRUPAL_PW), b64);
	snprintf(drupal_auth, sizeof drupal_auth, "Authorization: Basic %s", b64);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 17\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  workflow: order_fulfillment\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}]\n"
		 "  gateways: [{id: stripe, label: Stripe, plugin: stripe, mode: test, payment_type: payment_default}]\n"
		 "  products: 8\n  variations: 1\n  customers: 3\n  orders: 6\n  paid_fraction: 1.0\n"
		 "  events: {url: %s, secret: {env: T_EVENTS}, types: [order.placed], attempts: 20, backoff: [200ms, 500ms]}\n"
		 "erp:\n  listen: 127.0.0.1:0\n  client_id: seam\n  client_secret: {env: T_ERP}\n"
		 "  items: 20\n  currency: USD\n"
		 "tax:\n  listen: 127.0.0.1:0\n  account_id: \"1100000000\"\n  license_key: {env: T_TAX}\n"
		 "  company_code: DEFAULT\n  rates: [{country: US, rate: \"0.0\"}]\n"
		 "psp:\n  listen: 127.0.0.1:0\n  store: us\n"
		 "  stripe: {url: '%s/webhooks/stripe/{store}', secret: {env: T_STRIPE}, api_key: {env: T_STRIPE_KEY}}\n"
		 "  attempts: 12\n  backoff: [200ms, 300ms, 500ms]\n  timeout: 5s\n",
		 sm.base, sm.base);
	th_write_file(simcfg, text);
	char urls[4][64];
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "erp", "tax", "psp", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(erp_url, sizeof erp_url, "%s", urls[1]);
	snprintf(tax_url, sizeof tax_url, "%s", urls[2]);
	snprintf(psp_url, sizeof psp_url, "%s", urls[3]);
	th_erp_bearer(erp_url, "seam", ERP_SECRET, erp_auth, sizeof erp_auth);
	if (th_erp_company(erp_url, "seam", ERP_SECRET, company) != 0)
		return -1;
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info, access_log: false}\n"
		 "queue: {workers: 4, lease: 5s, backoff_base: 100ms, backoff_cap: 1s, max_attempts: 20}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 5s\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    timeout: 2s\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: T_ERP}, token_url: %s/oauth2/v2.0/token}\n"
		 "  stripe:\n    base_url: %s\n    timeout: 5s\n    auth: {type: bearer, token: {env: T_STRIPE_KEY}}\n"
		 "  tax:\n    base_url: %s\n    timeout: 5s\n"
		 "    auth: {type: basic, username: \"1100000000\", password: {env: T_TAX}}\n"
		 "stores:\n  us:\n    stripe_secrets: [{env: T_STRIPE}]\n"
		 "    drupal: {upstream: drupal, event_secrets: [{env: T_EVENTS}], payment_gateway: stripe, poll_interval: 0s}\n"
		 "    erp: {upstream: erp, company: %s, customer: WEB, shipping_account: '6130'}\n"
		 "tax:\n  stores:\n    us:\n      upstream: tax\n      commit_interval: 300ms\n"
		 "      rates: {us: {country: US, rate: \"0.0\"}}\n"
		 "reconciliation:\n  stores:\n    us:\n      psp: stripe\n      export_sla: 1s\n"
		 "      state_sla: {fulfillment: 30d}\n",
		 sm.port, sm.db_url, drupal_url, erp_url, erp_url, psp_url, tax_url, company);
	return th_seam_start(&sm, 10000);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, sim_pid, 15000, dir);
	return 0;
}

/* Waits until the SQL count reaches want (or times out); returns the last count. */
static long wait_count(const char *sql, long want, int seconds)
{
	long n = -1;
	for (int i = 0; i < seconds * 10; i++) {
		n = th_store_count(sm.db_url, sql);
		if (n >= want)
			break;
		seam_sleep_ms(100);
	}
	return n;
}

/* Runs seam ctl reconcile with args; returns the exit code and the last JSON line in *run. */
static int reconcile(const char *const *extra, json_t **run)
{
	const char *args[16] = {"reconcile", "--store", "us", "--since", SINCE, "--json"};
	int n = 6;
	for (int i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	char *out = NULL;
	int rc = th_seam_ctl(&sm, args, &out);
	*run = NULL;
	if (out) {
		char *last = NULL, *line = strtok(out, "\n");
		for (; line; line = strtok(NULL, "\n"))
			last = line;
		*run = last ? json_loads(last, 0, NULL) : NULL;
	}
	free(out);
	return rc;
}

static long kind_count(const json_t *run, const char *kind)
{
	return (long)json_integer_value(json_object_get(json_object_get(run, "counts"), kind));
}

/* The item of this kind on this order, or NULL. */
static json_t *item_of(const json_t *run, const char *kind, const char *uuid)
{
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(run, "items"), i, it)
		if (!strcmp(json_string_value(json_object_get(it, "kind")), kind) &&
		    uuid && json_is_string(json_object_get(it, "order_uuid")) &&
		    !strcmp(json_string_value(json_object_get(it, "order_uuid")), uuid))
			return it;
	return NULL;
}

static void psp(const char *path, const char *body)
{
	long st = 0;
	json_decref(call("POST", psp_url, path, body, NULL, &st));
	TH_ASSERT_CMP(st, >=, 200);
	TH_ASSERT_CMP(st, <, 300);
}

static void new_payment(const char *pi, const char *uuid, const char *total)
{
	char b[400];
	snprintf(b, sizeof b,
		 "{\"provider\":\"stripe\",\"store\":\"us\",\"order_uuid\":\"%s\",\"amount\":\"%s\","
		 "\"currency\":\"USD\",\"remote_id\":\"%s\"}",
		 uuid, total, pi);
	psp("/_sim/psp/payments", b);
}

static void payment_event(const char *pi, const char *body)
{
	char path[128];
	snprintf(path, sizeof path, "/_sim/psp/payments/%s/events", pi);
	psp(path, body);
}

/* Deletes the ERP's sales order of this order number, as someone in the ERP would. */
static void erp_delete(const char *number)
{
	assert_int_equal(th_erp_order_change(erp_url, erp_auth, company, number, "DELETE", NULL), 204);
}

static long erp_count(const char *number)
{
	return th_erp_order_count(erp_url, erp_auth, company, number);
}

/* Gives (or takes back, 0) a discount on this order number's sales order in the ERP. */
static void erp_discount(const char *number, int amount)
{
	char body[64];
	snprintf(body, sizeof body, "{\"discountAmount\":%d}", amount);
	assert_int_equal(th_erp_order_change(erp_url, erp_auth, company, number, "PATCH", body), 200);
}

#define NORDERS 7

/* The kinds a run reports for a person: no deterministic fix. */
static const char *const for_a_person[] = {"paid_without_capture", "stuck_in_state", "tax_differs",
					   "erp_total_differs"};

static const char *const fixable[] = {"missing_in_erp", "erp_number_not_written_back",
				      "canceled_in_drupal_open_in_erp", "captured_not_in_drupal",
				      "refunded_not_in_drupal"};

static void test_drift_found_fixed_and_gone(void **state)
{
	long st = 0;
	char sql[400], b[600];
	(void)state;
	json_t *made = call("POST", drupal_url, "/_sim/drupal/orders", "{\"count\":6,\"store\":\"us\",\"items\":2}",
			    NULL, &st);
	TH_ASSERT_CMP(st, >=, 200);
	TH_ASSERT_CMP(st, <, 300);
	/* O6 charged 5% tax at checkout */
	json_t *taxed = call("POST", drupal_url, "/_sim/drupal/orders",
			     "{\"count\":1,\"store\":\"us\",\"items\":2,\"tax\":\"0.05\"}", NULL, &st);
	TH_ASSERT_CMP(st, <, 300);
	json_array_insert(json_object_get(made, "orders"), 5, json_array_get(json_object_get(taxed, "orders"), 0));
	json_decref(taxed);
	json_t *orders = json_object_get(made, "orders");
	assert_int_equal(json_array_size(orders), NORDERS);
	const char *u[NORDERS], *num[NORDERS], *tot[NORDERS];
	for (int i = 0; i < NORDERS; i++) {
		json_t *o = json_array_get(orders, i);
		u[i] = json_string_value(json_object_get(o, "uuid"));
		num[i] = json_string_value(json_object_get(o, "order_number"));
		tot[i] = json_string_value(json_object_get(json_object_get(o, "total"), "number"));
	}
	/* every new order in the ERP with its number written back and its tax committed:
	 * nothing drifts yet but O6's tax */
	assert_int_equal(wait_count("SELECT count(*) FROM orders WHERE export_state = 'written_back'", NORDERS, 30), NORDERS);
	assert_int_equal(wait_count("SELECT count(*) FROM tax_documents WHERE state = 'committed'", NORDERS, 30), NORDERS);

	/* O1: the ERP number cleared in Drupal */
	snprintf(b, sizeof b,
		 "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"%s\",\"attributes\":{\"seam_erp_number\":null}}}",
		 u[0]);
	snprintf(sql, sizeof sql, "/jsonapi/commerce_order/default/%s", u[0]);
	const char *hj[] = {drupal_auth, "Content-Type: application/vnd.api+json", NULL};
	char url[300];
	snprintf(url, sizeof url, "%s%s", drupal_url, sql);
	json_decref(th_json("PATCH", url, hj, b, &st));
	TH_ASSERT_CMP(st, ==, 200);
	/* O2: canceled in Drupal; the storefront sends no cancel event */
	snprintf(sql, sizeof sql, "/_sim/drupal/orders/%s/transition", u[1]);
	json_decref(call("POST", drupal_url, sql, "{\"transition\":\"cancel\"}", NULL, &st));
	TH_ASSERT_CMP(st, >=, 200);
	TH_ASSERT_CMP(st, <, 300);
	/* O3: authorized (delivered), captured at the PSP with the webhook lost */
	new_payment("pi_rec_o3", u[2], tot[2]);
	payment_event("pi_rec_o3", "{\"type\":\"authorize\"}");
	assert_int_equal(wait_count("SELECT count(*) FROM payment_refs WHERE remote_id = 'pi_rec_o3' AND state = 'authorization'", 1, 20), 1);
	payment_event("pi_rec_o3", "{\"type\":\"capture\",\"hold\":true}");
	/* ... and a second payment on it, authorized only (delivered): the fix applies the PSP's
	 * state of every payment of the order, and this one's is "authorized", never "captured" */
	new_payment("pi_rec_o3b", u[2], "1.00");
	payment_event("pi_rec_o3b", "{\"type\":\"authorize\"}");
	assert_int_equal(wait_count("SELECT count(*) FROM payment_refs WHERE remote_id = 'pi_rec_o3b' AND state = 'authorization'", 1, 20), 1);
	/* O4: captured (delivered), refunded at the PSP with the webhook lost */
	new_payment("pi_rec_o4", u[3], tot[3]);
	payment_event("pi_rec_o4", "{\"type\":\"capture\"}");
	assert_int_equal(wait_count("SELECT count(*) FROM payment_refs WHERE remote_id = 'pi_rec_o4' AND state = 'completed'", 1, 20), 1);
	payment_event("pi_rec_o4", "{\"type\":\"refund\",\"hold\":true}");
	/* O5: deleted in the ERP */
	erp_delete(num[4]);
	assert_int_equal(erp_count(num[4]), 0);
	/* O7: a discount given in the ERP */
	erp_discount(num[6], 5);
	seam_sleep_ms(1200); /* past the export SLA (1s) */

	/* 1: a report */
	json_t *run = NULL;
	int rc = reconcile(NULL, &run);
	assert_non_null(run);
	assert_int_equal(rc, 1);
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	assert_int_equal(json_array_size(json_object_get(run, "unreadable")), 0);
	assert_non_null(item_of(run, "erp_number_not_written_back", u[0]));
	assert_non_null(item_of(run, "canceled_in_drupal_open_in_erp", u[1]));
	assert_non_null(item_of(run, "captured_not_in_drupal", u[2]));
	assert_non_null(item_of(run, "refunded_not_in_drupal", u[3]));
	assert_non_null(item_of(run, "missing_in_erp", u[4]));
	json_t *ti = item_of(run, "tax_differs", u[5]);
	assert_non_null(ti);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ti, "detail"), "committed_tax")), "0");
	TH_ASSERT_CMP(json_string_value(json_object_get(json_object_get(ti, "detail"), "difference"))[0], ==, '-');
	assert_true(json_is_null(json_object_get(ti, "fix")));
	json_t *ei = item_of(run, "erp_total_differs", u[6]);
	assert_non_null(ei);
	assert_true(json_is_null(json_object_get(ei, "fix")));
	/* the seeded orders: never exported, paid by hand, long in fulfillment */
	TH_ASSERT_CMP(kind_count(run, "missing_in_erp"), >=, 2);
	TH_ASSERT_CMP(kind_count(run, "paid_without_capture"), >=, 1);
	TH_ASSERT_CMP(kind_count(run, "stuck_in_state"), >=, 1);
	/* nothing else on the new orders */
	for (int i = 0; i < NORDERS; i++) {
		size_t k;
		json_t *it;
		int n = 0;
		json_array_foreach(json_object_get(run, "items"), k, it)
			n += !strcmp(json_string_value(json_object_get(it, "order_uuid")), u[i]);
		assert_int_equal(n, 1);
	}
	/* a report changes nothing */
	assert_int_equal(erp_count(num[1]), 1);
	TH_ASSERT_CMP(json_integer_value(json_object_get(run, "fixed")), ==, 0);
	long report_only = 0;
	for (size_t k = 0; k < sizeof for_a_person / sizeof *for_a_person; k++)
		report_only += kind_count(run, for_a_person[k]);
	json_decref(run);

	/* 2: --fix --dry-run plans, changes nothing */
	rc = reconcile((const char *[]){"--fix", "--dry-run", NULL}, &run);
	assert_non_null(run);
	assert_string_equal(json_string_value(json_object_get(item_of(run, "missing_in_erp", u[4]), "fix_state")), "planned");
	assert_int_equal(erp_count(num[4]), 0);
	json_decref(run);

	/* 3: --fix */
	rc = reconcile((const char *[]){"--fix", NULL}, &run);
	assert_non_null(run);
	for (size_t k = 0; k < sizeof fixable / sizeof *fixable; k++) {
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(run, "items"), i, it)
			if (!strcmp(json_string_value(json_object_get(it, "kind")), fixable[k]))
				assert_string_equal(json_string_value(json_object_get(it, "fix_state")), "enqueued");
	}
	TH_ASSERT_CMP(json_integer_value(json_object_get(run, "fixed")), >=, 7);
	json_decref(run);
	/* the fixes are jobs: wait until the orders and payments flows are idle */
	for (int i = 0; i < 300; i++) {
		if (th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE flow IN ('orders', 'payments') "
					      "AND state IN ('queued', 'running')") == 0)
			break;
		seam_sleep_ms(100);
	}
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE state = 'dead'"), 0);
	/* O3's capture reached Drupal; its second payment is still only authorized */
	assert_int_equal(wait_count("SELECT count(*) FROM payment_refs WHERE remote_id = 'pi_rec_o3' AND state = 'completed'", 1, 20), 1);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM payment_refs WHERE remote_id = 'pi_rec_o3b' AND state = 'authorization'"), 1);
	/* each fix on its order's timeline */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM timeline WHERE entity_id = '%s' AND event = 'reconcile.fix'", u[4]);
	TH_ASSERT_CMP(th_store_count(sm.db_url, sql), >=, 1);

	/* 4: nothing fixable is left; what needs a person is still reported */
	rc = reconcile(NULL, &run);
	assert_non_null(run);
	for (size_t k = 0; k < sizeof fixable / sizeof *fixable; k++)
		if (kind_count(run, fixable[k]) != 0)
			fail_msg("after the fixes, still %ld %s", kind_count(run, fixable[k]), fixable[k]);
	long left = 0;
	for (size_t k = 0; k < sizeof for_a_person / sizeof *for_a_person; k++)
		left += kind_count(run, for_a_person[k]);
	assert_int_equal(left, report_only);
	assert_non_null(item_of(run, "tax_differs", u[5]));
	assert_non_null(item_of(run, "erp_total_differs", u[6]));
	assert_int_equal(erp_count(num[1]), 0); /* O2 canceled in the ERP */
	assert_int_equal(erp_count(num[4]), 1); /* O5 back, once */
	json_decref(run);

	/* 5: a person corrects O7 in the ERP; the next run no longer reports it */
	erp_discount(num[6], 0);
	rc = reconcile(NULL, &run);
	assert_non_null(run);
	assert_null(item_of(run, "erp_total_differs", u[6]));
	assert_int_equal(kind_count(run, "erp_total_differs"), 0);
	assert_non_null(item_of(run, "tax_differs", u[5]));
	json_decref(run);

	/* the drift gauge follows the newest run */
	char mu[200];
	char *metrics = th_get_text(th_seam_url(&sm, "/metrics", mu, sizeof mu));
	assert_non_null(metrics);
	assert_true(th_metric(metrics, "seam_reconcile_drift{store=\"us\",kind=\"missing_in_erp\"}") == 0);
	assert_true(th_metric(metrics, "seam_reconcile_drift{store=\"us\",kind=\"paid_without_capture\"}") >= 1);
	free(metrics);
	json_decref(made);
}

static void test_erp_down_and_one_run_at_a_time(void **state)
{
	long st = 0;
	json_t *run = NULL;
	(void)state;
	/* The ERP answers 503 to everything: the run reads Drupal and the PSP, says it could not
	 * read the ERP, and reports no ERP drift it could not see. */
	json_decref(call("POST", erp_url, "/_sim/faults", "[{\"kind\":\"error\",\"rate\":1.0,\"status\":503}]", NULL, &st));
	TH_ASSERT_CMP(st, <, 300);
	int rc = reconcile(NULL, &run);
	assert_int_equal(rc, 1);
	assert_non_null(run);
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(run, "unreadable"), 0), "system")), "erp");
	assert_int_equal(kind_count(run, "missing_in_erp"), 0);
	assert_int_equal(kind_count(run, "canceled_in_drupal_open_in_erp"), 0);
	TH_ASSERT_CMP(json_integer_value(json_object_get(run, "orders_checked")), >, 0);
	json_decref(run);
	json_decref(call("DELETE", erp_url, "/_sim/faults", NULL, NULL, &st));

	/* A store the config does not have: usage, naming the ones it has; no run starts. */
	char *out = NULL;
	long runs_before = th_store_count(sm.db_url, "SELECT count(*) FROM reconciliation_runs");
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"reconcile", "--store", "nowhere", NULL}, &out), 2);
	assert_non_null(strstr(out, "no store 'nowhere' in the config's stores: (it has us)"));
	free(out);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM reconciliation_runs"), runs_before);
	/* --help is the command's whole usage, not the one-line summary */
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"reconcile", "--help", NULL}, &out), 0);
	assert_non_null(strstr(out, "seam ctl reconcile status [RUN | --store S]"));
	assert_non_null(strstr(out, "exit: 0 nothing left for a person"));
	free(out);
	/* One run at a time per store: with the flow paused the first stays queued. */
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"flow", "pause", "reconcile", NULL}, &out), 0);
	free(out);
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"reconcile", "--store", "us", "--no-wait", "--json", NULL}, &out), 0);
	json_t *first = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(first);
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"reconcile", "--store", "us", "--no-wait", NULL}, &out), 1);
	free(out);
	/* REST says the same, with the running run's id */
	char key[200], auth[260], url[200];
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"keys", "create", "--name", "rec", "--scopes", "ops:admin", "--json", NULL}, &out), 0);
	json_t *k = json_loads(out, 0, NULL);
	free(out);
	snprintf(key, sizeof key, "%s", json_string_value(json_object_get(k, "key")));
	json_decref(k);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
	const char *h[] = {auth, "Content-Type: application/json", NULL};
	json_t *p = th_json("POST", th_seam_url(&sm, "/v1/reconciliations", url, sizeof url), h,
			    "{\"store\":\"us\",\"since\":\"24h\"}", &st);
	assert_int_equal(st, 409);
	assert_string_equal(json_string_value(json_object_get(p, "run_id")),
			    json_string_value(json_object_get(first, "id")));
	json_decref(p);
	p = th_json("POST", url, h, "{\"store\":\"nowhere\"}", &st);
	assert_int_equal(st, 422);
	json_decref(p);
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"flow", "resume", "reconcile", NULL}, &out), 0);
	free(out);
	/* the queued run then runs; GET answers it with its items */
	char path[120];
	snprintf(path, sizeof path, "/v1/reconciliations/%s", json_string_value(json_object_get(first, "id")));
	for (int i = 0; i < 100; i++) {
		p = th_json("GET", th_seam_url(&sm, path, url, sizeof url), h, NULL, &st);
		if (st == 200 && !strcmp(json_string_value(json_object_get(p, "state")), "done"))
			break;
		json_decref(p);
		p = NULL;
		seam_sleep_ms(100);
	}
	assert_non_null(p);
	assert_true(json_is_array(json_object_get(p, "items")));
	assert_string_equal(json_string_value(json_object_get(p, "trigger")), "ctl");
	json_decref(p);
	p = th_json("GET", th_seam_url(&sm, "/v1/reconciliations?store=us&limit=2", url, sizeof url), h, NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(p, "items")), 2);
	json_decref(p);
	json_decref(first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drift_found_fixed_and_gone),
		cmocka_unit_test(test_erp_down_and_one_run_at_a_time),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
