/*
 * End-to-end proof of the prices-and-stock flow on the real binaries: the ERP double (items
 * with inventory and unit prices; sales prices; webhook subscriptions and notifications) into
 * the Drupal double's variations (price, list_price, seam_stock), through `seam serve` and
 * `seam ctl sync stock|prices`, and the cache checkout reads (GET /v1/availability,
 * GET /v1/prices).
 *
 * After each step every Drupal variation's stock and price is compared with what the ERP
 * double says now, read from its own API (not through seam): seam_stock equal to the item's
 * inventory, the price equal to the WEB group's sales price in USD when there is one, else the
 * item's unit price, rounded to cents.
 *
 * The steps run in order on one pair of processes: a full sync into Drupal, the answers of
 * the cache, changes picked up by an incremental poll, a dry run, bad values quarantined, the
 * subscription handshake and the clientState check, notifications alone (no poll) converging
 * under lost, duplicated and delayed deliveries and Drupal 5xx, coalescing of a burst, kill -9
 * mid-burst, and a stale answer while the ERP is down.
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
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"
#include "tests/support/th_rest.h"

#define DRUPAL_PW "e2e-drupal-pass"
#define ERP_SECRET "e2e-erp-secret"
#define CLIENT_STATE "e2e-client-state-7f3a"
#define STORE_UUID "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"
#define SKUS 40

static char dir[64], sim_log[128];
static char drupal_url[64], erp_url[64], company[64];
static char erp_auth[2200], key_auth[200];
static th_seam_t sm;
static pid_t sim_pid;

/* ---------- calls ---------- */

static json_t *call(const char *method, const char *base, const char *path, const char *body,
		    const char *auth, long *status)
{
	char u[1200];
	snprintf(u, sizeof u, "%s%s", base, path);
	const char *h[] = {auth ? auth : "X-None: 1", "Content-Type: application/json", NULL};
	return th_json(method, u, h, body, status);
}

static void erp_login(void)
{
	assert_int_equal(th_erp_bearer(erp_url, "seam", ERP_SECRET, erp_auth, sizeof erp_auth), 0);
}

/* The ERP double's items, by number. */
static json_t *erp_items(void)
{
	char path[200];
	json_t *all = json_object();
	snprintf(path, sizeof path, "/api/v2.0/companies(%s)/items", company);
	for (int guard = 0; guard < 50 && path[0]; guard++) {
		long st = 0;
		json_t *d = call("GET", path[0] == '/' ? erp_url : "", path, NULL, erp_auth, &st);
		if (st == 401 && guard < 3) {
			json_decref(d);
			erp_login();
			continue;
		}
		assert_int_equal(st, 200);
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(d, "value"), i, it)
			json_object_set(all, json_string_value(json_object_get(it, "number")), it);
		const char *next = json_string_value(json_object_get(d, "@odata.nextLink"));
		snprintf(path, sizeof path, "%s", next ? next : "");
		json_decref(d);
	}
	assert_int_equal(json_object_size(all), SKUS);
	return all;
}

/* Decimal text of a JSON number as the ERP double prints it ("19.9"), normalised. */
static void dec_of(json_t *v, char *out, size_t cap)
{
	if (json_is_integer(v))
		snprintf(out, cap, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, cap, "%.5f", json_real_value(v));
	else if (json_is_string(v))
		snprintf(out, cap, "%s", json_string_value(v));
	else
		snprintf(out, cap, "?");
	if (strchr(out, '.')) {
		size_t n = strlen(out);
		while (n && out[n - 1] == '0')
			out[--n] = '\0';
		if (n && out[n - 1] == '.')
			out[--n] = '\0';
	}
}

/* Cents of a decimal text, half up (the store's rounding). */
static long long cents(const char *s)
{
	double d = strtod(s, NULL);
	return (long long)(d * 100.0 + (d >= 0 ? 0.5 : -0.5) + 1e-9);
}

/* The Drupal double's variations by SKU: {sku: {price, seam_stock, ...}}. */
static json_t *drupal_variations(void)
{
	long st = 0;
	json_t *doc = call("GET", drupal_url, "/_sim/drupal/catalog", NULL, NULL, &st), *out = json_object();
	assert_int_equal(st, 200);
	size_t i, j;
	json_t *p, *v;
	json_array_foreach(json_object_get(doc, "products"), i, p)
		json_array_foreach(json_object_get(p, "variations"), j, v)
			json_object_set(out, json_string_value(json_object_get(v, "sku")), v);
	json_decref(doc);
	return out;
}

/* How many of the ERP's SKUs Drupal shows differently (stock or price), printing the first. */
static int differences(const json_t *skip)
{
	json_t *items = erp_items(), *vars = drupal_variations(), *it;
	const char *sku;
	int diffs = 0;
	json_object_foreach(items, sku, it) {
		json_t *v = json_object_get(vars, sku);
		char inv[64], price[64];
		if (skip && json_object_get(skip, sku))
			continue;
		if (!v) { /* every ERP item is a Drupal variation in this fixture */
			if (diffs++ < 5)
				fprintf(stderr, "  %s: not in Drupal\n", sku);
			continue;
		}
		dec_of(json_object_get(it, "inventory"), inv, sizeof inv);
		dec_of(json_object_get(it, "unitPrice"), price, sizeof price);
		const char *ds = json_string_value(json_object_get(v, "seam_stock"));
		char dsn[64];
		if (ds) {
			json_t *tmp = json_string(ds);
			dec_of(tmp, dsn, sizeof dsn);
			json_decref(tmp);
		}
		if (!ds || strcmp(dsn, inv)) {
			if (diffs++ < 5)
				fprintf(stderr, "  %s: seam_stock %s, the ERP says %s\n", sku, ds ? ds : "null", inv);
			continue;
		}
		const char *dp = json_string_value(json_object_get(json_object_get(v, "price"), "number"));
		if (!dp || cents(dp) != cents(price)) {
			if (diffs++ < 5)
				fprintf(stderr, "  %s: price %s, the ERP says %s\n", sku, dp ? dp : "null", price);
		}
	}
	json_decref(items);
	json_decref(vars);
	return diffs;
}

/* Waits until Drupal equals the ERP (up to ms). */
static int converge(int ms, const json_t *skip)
{
	int d = -1;
	for (int waited = 0; waited <= ms; waited += 250) {
		if ((d = differences(skip)) == 0)
			return 0;
		seam_sleep_ms(250);
	}
	return d;
}

/* seam ctl sync WHAT --store us [more...] --json: the exit code; *run the last run row. */
static int sync_run(const char *what, const char *const *more, json_t **run)
{
	const char *args[12] = {"sync", what, "--store", "us"};
	int n = 4;
	for (; more && *more && n < 10; more++)
		args[n++] = *more;
	args[n++] = "--json";
	args[n] = NULL;
	char *out = NULL;
	int code = th_seam_ctl(&sm, args, &out);
	json_t *last = NULL;
	for (char *line = out ? strtok(out, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		json_t *j = json_loads(line, 0, NULL);
		if (j && json_object_get(j, "state") && json_object_get(j, "seen")) {
			json_decref(last);
			last = j;
		} else {
			json_decref(j);
		}
	}
	if (code)
		fprintf(stderr, "seam ctl sync %s: exit %d\n%s\n", what, code, out ? out : "");
	free(out);
	if (run)
		*run = last;
	else
		json_decref(last);
	return code;
}

static void erp_set(const char *sku, const char *fields)
{
	char body[300];
	long st = 0;
	snprintf(body, sizeof body, "{\"number\": \"%s\"%s%s}", sku, *fields ? ", " : "", fields);
	json_decref(call("POST", erp_url, "/_sim/erp/items", body, NULL, &st));
	assert_int_equal(st, 200);
}

static json_t *rest(const char *path, long *status)
{
	return call("GET", sm.base, path, NULL, key_auth, status);
}

/* ---------- fixture ---------- */

static void write_config(int poll, const char *notify_url)
{
	char notify[300] = "";
	if (notify_url)
		snprintf(notify, sizeof notify, "      notifications: {url: %s, check_interval: 1s}\n",
			 notify_url);
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info, access_log: false}\n"
		 "queue: {workers: 4, lease: 5s, backoff_base: 100ms, backoff_cap: 1s, max_attempts: 50}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 5s\n    max_concurrency: 8\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "    breaker: {window_calls: 50, min_calls: 20, failure_pct: 95, open_for: 300ms}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    timeout: 2s\n    max_concurrency: 8\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: T_ERP},"
		 " token_url: %s/oauth2/v2.0/token}\n"
		 "    breaker: {window_calls: 50, min_calls: 20, failure_pct: 95, open_for: 300ms}\n"
		 "stores:\n  us:\n    drupal: {upstream: drupal, store: " STORE_UUID ", poll_interval: 0}\n"
		 "    erp: {upstream: erp, company: %s, client_states: [{env: T_CLIENT_STATE}]}\n"
		 "stock:\n  stores:\n    us:\n"
		 "      drupal: {currency: USD}\n"
		 "      coalesce: 300ms\n      staleness_budget: 3s\n      poll_interval: %s\n"
		 "      overlap: 1s\n%s",
		 sm.port, sm.db_url, drupal_url, erp_url, erp_url, company, poll ? "2s" : "0", notify);
}

static int setup(void **state)
{
	char text[3000], simcfg[128];
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	setenv("T_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("T_ERP", ERP_SECRET, 1);
	setenv("T_CLIENT_STATE", CLIENT_STATE, 1);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 14\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  threads: 8\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: " STORE_UUID "}]\n"
		 "  products: %d\n  variations: 2\n  customers: 0\n  orders: 0\n"
		 "erp:\n  listen: 127.0.0.1:0\n  threads: 8\n  client_id: seam\n  client_secret: {env: T_ERP}\n"
		 "  items: %d\n  page_size: 25\n  notify_delay: 200ms\n  handshake_timeout: 2s\n"
		 "  notify_sender: {attempts: 20, backoff: [100ms, 300ms, 1s]}\n",
		 SKUS / 2, SKUS);
	th_write_file(simcfg, text);
	char urls[2][64];
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "erp", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(erp_url, sizeof erp_url, "%s", urls[1]);
	if (th_erp_company(erp_url, "seam", ERP_SECRET, company) != 0)
		return -1;
	erp_login();
	write_config(0, NULL);
	if (th_seam_start(&sm, 10000) != 0)
		return -1;
	return th_make_key(&sm, "checkout", "catalog:read", key_auth, sizeof key_auth);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, sim_pid, 15000, dir);
	th_rest_done();
	return 0;
}

/* ---------- the steps ---------- */

/* A full sync writes every SKU's stock and price into Drupal. */
static void test_full_sync(void **state)
{
	json_t *run = NULL;
	(void)state;
	assert_int_equal(sync_run("stock", (const char *[]){"--full", NULL}, &run), 0);
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	assert_int_equal(json_integer_value(json_object_get(run, "seen")), SKUS);
	assert_int_equal(json_integer_value(json_object_get(run, "accepted")), SKUS);
	assert_int_equal(json_integer_value(json_object_get(run, "invalid")), 0);
	json_decref(run);
	assert_int_equal(converge(15000, NULL), 0);
	/* a second full run finds nothing newer: nothing accepted, Drupal equal still */
	assert_int_equal(sync_run("stock", (const char *[]){"--full", NULL}, &run), 0);
	assert_int_equal(json_integer_value(json_object_get(run, "accepted")), 0);
	assert_int_equal(json_integer_value(json_object_get(run, "same")), SKUS);
	json_decref(run);
	assert_int_equal(converge(5000, NULL), 0);
}

/* Checkout's questions, answered from the cache. */
static void test_cache_answers(void **state)
{
	long st = 0;
	(void)state;
	json_t *items = erp_items();
	json_t *d = rest("/v1/availability?store=us&sku=SKU-000001,SKU-000002&sku=NOPE&sku=SKU-000001", &st);
	assert_int_equal(st, 200);
	th_assert_contract("/v1/availability", d);
	json_t *l = json_object_get(d, "skus");
	assert_int_equal(json_array_size(l), 3); /* the repeated SKU once */
	char inv[64], got[64];
	dec_of(json_object_get(json_object_get(items, "SKU-000001"), "inventory"), inv, sizeof inv);
	json_t *q = json_object_get(json_array_get(l, 0), "quantity");
	dec_of(q, got, sizeof got);
	assert_string_equal(got, inv);
	assert_true(json_is_false(json_object_get(json_array_get(l, 0), "stale")));
	assert_true(json_is_null(json_object_get(json_array_get(l, 2), "quantity")));
	assert_true(json_is_true(json_object_get(json_array_get(l, 2), "stale")));
	json_decref(d);

	d = rest("/v1/prices?store=us&sku=SKU-000003", &st);
	assert_int_equal(st, 200);
	th_assert_contract("/v1/prices", d);
	char price[64];
	dec_of(json_object_get(json_object_get(items, "SKU-000003"), "unitPrice"), price, sizeof price);
	const char *sells = json_string_value(json_object_get(
		json_object_get(json_array_get(json_object_get(d, "skus"), 0), "price"), "number"));
	assert_non_null(sells);
	assert_int_equal(cents(sells), cents(price));
	json_decref(d);
	json_decref(items);

	/* refusals */
	json_decref(rest("/v1/availability?sku=SKU-000001", &st));
	assert_int_equal(st, 400);
	json_decref(rest("/v1/availability?store=us", &st));
	assert_int_equal(st, 400);
	json_decref(rest("/v1/availability?store=mars&sku=SKU-000001", &st));
	assert_int_equal(st, 404);
	char many[2400] = "/v1/availability?store=us&sku=";
	for (int i = 0; i < 101; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%sS%d", i ? "," : "", i);
	json_decref(rest(many, &st));
	assert_int_equal(st, 400);
	char u[200];
	snprintf(u, sizeof u, "%s/v1/availability?store=us&sku=SKU-000001", sm.base);
	json_decref(th_json("GET", u, NULL, NULL, &st));
	assert_int_equal(st, 401);
}

/* Changes in the ERP reach Drupal through an incremental poll; a dry run before it only says
 * what would change. */
static void test_poll_and_dry_run(void **state)
{
	json_t *run = NULL;
	(void)state;
	erp_set("SKU-000004", "\"inventory\": 3, \"unitPrice\": 12.345");
	erp_set("SKU-000005", "\"inventory\": 0");
	erp_set("SKU-000006", "\"inventory\": 250");
	json_t *before = drupal_variations();
	assert_int_equal(sync_run("stock", (const char *[]){"--dry-run", NULL}, &run), 0);
	assert_true(json_is_true(json_object_get(run, "dry_run")));
	assert_true(json_integer_value(json_object_get(run, "writes")) >= 3);
	json_decref(run);
	/* nothing was written: Drupal as before */
	json_t *after = drupal_variations();
	assert_true(json_equal(json_object_get(before, "SKU-000004"), json_object_get(after, "SKU-000004")));
	json_decref(before);
	json_decref(after);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM stock_plan WHERE sku = 'SKU-000004' AND field = 'seam_stock' AND to_value = '3'");
	assert_int_equal(th_store_count(sm.db_url, sql), 1);

	assert_int_equal(sync_run("stock", NULL, &run), 0);
	assert_string_equal(json_string_value(json_object_get(run, "mode")), "incremental");
	assert_true(json_integer_value(json_object_get(run, "accepted")) >= 3);
	/* the overlap re-reads a little, never the whole catalog */
	assert_true(json_integer_value(json_object_get(run, "seen")) < SKUS);
	json_decref(run);
	assert_int_equal(converge(10000, NULL), 0);
	json_t *v = drupal_variations();
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(v, "SKU-000004"), "price"), "number")), "12.35");
	json_decref(v);
}

/* A negative or non-numeric quantity is quarantined with its reason; the rest goes on. */
static void test_bad_values(void **state)
{
	json_t *run = NULL;
	long st = 0;
	(void)state;
	erp_set("SKU-000007", "\"inventory\": -4, \"force\": true");
	erp_set("SKU-000008", "\"inventory\": \"many\", \"force\": true");
	erp_set("SKU-000009", "\"inventory\": 77");
	assert_int_equal(sync_run("stock", NULL, &run), 0);
	assert_int_equal(json_integer_value(json_object_get(run, "invalid")), 2);
	json_decref(run);
	json_t *skip = json_pack("{s:b, s:b}", "SKU-000007", 1, "SKU-000008", 1);
	assert_int_equal(converge(10000, skip), 0);
	json_decref(skip);
	char auth[200];
	assert_int_equal(th_make_key(&sm, "ops", "ops:read", auth, sizeof auth), 0);
	json_t *q = call("GET", sm.base, "/v1/quarantine?provider=erp", NULL, auth, &st);
	assert_int_equal(st, 200);
	int neg = 0, nan = 0;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(q, "items"), i, e) {
		const char *r = json_string_value(json_object_get(e, "reason"));
		neg += r && strstr(r, "inventory is negative") != NULL;
		nan += r && strstr(r, "inventory is not a number") != NULL;
	}
	assert_int_equal(neg, 1);
	assert_int_equal(nan, 1);
	json_decref(q);
	/* put them right for the next steps */
	erp_set("SKU-000007", "\"inventory\": 4");
	erp_set("SKU-000008", "\"inventory\": 8");
	assert_int_equal(sync_run("stock", NULL, NULL), 0);
	assert_int_equal(converge(10000, NULL), 0);
}

/* The handshake echoes the token; a notification with another clientState is refused and
 * nothing is stored; one with seam's is fetched and applied without a poll. */
static void test_handshake_and_client_state(void **state)
{
	long st = 0;
	(void)state;
	char u[300];
	snprintf(u, sizeof u, "%s/webhooks/erp/us?validationToken=tok-123_abc", sm.base);
	th_resp_t r = {0};
	assert_int_equal(th_http("POST", u, NULL, "", 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "tok-123_abc");
	th_resp_free(&r);
	snprintf(u, sizeof u, "%s/webhooks/erp/mars?validationToken=x", sm.base);
	assert_int_equal(th_http("POST", u, NULL, "", 0, &r), 0);
	assert_int_equal(r.status, 404);
	th_resp_free(&r);

	json_t *items = erp_items();
	const char *id = json_string_value(json_object_get(json_object_get(items, "SKU-000010"), "id"));
	char body[1200];
	long before = th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE provider = 'erp'");
	snprintf(body, sizeof body,
		 "{\"value\": [{\"subscriptionId\": \"s1\", \"clientState\": \"not-ours\", "
		 "\"resource\": \"api/v2.0/companies(%s)/items(%s)\", \"changeType\": \"updated\", "
		 "\"lastModifiedDateTime\": \"2026-12-04T10:00:00Z\"}]}",
		 company, id);
	json_decref(call("POST", sm.base, "/webhooks/erp/us", body, NULL, &st));
	assert_int_equal(st, 401);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE provider = 'erp'"), before);

	erp_set("SKU-000010", "\"inventory\": 31");
	json_t *now = erp_items();
	const char *at = json_string_value(json_object_get(json_object_get(now, "SKU-000010"), "lastModifiedDateTime"));
	snprintf(body, sizeof body,
		 "{\"value\": [{\"subscriptionId\": \"s1\", \"clientState\": \"" CLIENT_STATE "\", "
		 "\"resource\": \"api/v2.0/companies(%s)/items(%s)\", \"changeType\": \"updated\", "
		 "\"lastModifiedDateTime\": \"%s\"}]}",
		 company, id, at);
	json_decref(call("POST", sm.base, "/webhooks/erp/us", body, NULL, &st));
	assert_int_equal(st, 200);
	/* the same notification again: one inbox row, one fetch */
	json_decref(call("POST", sm.base, "/webhooks/erp/us", body, NULL, &st));
	assert_int_equal(st, 200);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE provider = 'erp'"), before + 1);
	assert_int_equal(converge(10000, NULL), 0);
	json_decref(items);
	json_decref(now);
}

/* Subscriptions as the ERP double lists them: how many are live for the store's items. */
static int live_subscriptions(void)
{
	long st = 0;
	json_t *d = call("GET", erp_url, "/_sim/erp/subscriptions", NULL, NULL, &st);
	json_t *list = json_is_array(d) ? d : json_object_get(d, "subscriptions");
	if (!list)
		list = json_object_get(d, "value");
	int n = (int)json_array_size(list);
	json_decref(d);
	return n;
}

static void restart(int poll, int push)
{
	char url[160];
	snprintf(url, sizeof url, "%s/webhooks/erp/us", sm.base);
	assert_int_equal(th_seam_stop(&sm, SIGTERM, 15000), 0);
	write_config(poll, push ? url : NULL);
	assert_int_equal(th_seam_start(&sm, 10000), 0);
}

static void faults(const char *base, const char *rules)
{
	long st = 0;
	json_decref(call(rules ? "POST" : "DELETE", base, "/_sim/faults", rules, NULL, &st));
	assert_true(st == 200 || st == 201 || st == 204);
}

/* Notifications alone (no poll): seam subscribes (the handshake through its own endpoint), and
 * a burst of changes reaches Drupal through duplicated and reordered notifications and a
 * Drupal that fails a fifth of its writes; each SKU's changes coalesce into a few writes. */
static void test_push_only(void **state)
{
	(void)state;
	restart(0, 1);
	for (int i = 0; i < 100 && live_subscriptions() < 1; i++)
		seam_sleep_ms(100);
	assert_true(live_subscriptions() >= 1);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM erp_subscriptions WHERE store = 'us' AND resource = 'items'");
	assert_int_equal(th_store_count(sm.db_url, sql), 1);

	faults(erp_url, "[{\"kind\":\"duplicate\",\"copies\":2,\"rate\":0.3},{\"kind\":\"reorder\",\"batch\":3,\"rate\":0.3}]");
	faults(drupal_url, "{\"kind\":\"error\",\"status\":503,\"rate\":0.2,\"method\":\"PATCH\",\"path\":\"/jsonapi/commerce_product_variation\"}");
	long w0 = th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'stock.write'");
	long st = 0;
	json_decref(call("POST", erp_url, "/_sim/erp/items",
			 "{\"burst\": {\"count\": 4000, \"skus\": 40, \"fields\": [\"inventory\"]}}", NULL, &st));
	assert_int_equal(st, 200);
	json_decref(call("POST", erp_url, "/_sim/erp/notifications/flush", "{}", NULL, &st));
	assert_int_equal(converge(30000, NULL), 0);
	faults(erp_url, NULL);
	faults(drupal_url, NULL);
	/* 4,000 changes over 40 SKUs: far fewer writes than changes */
	long writes = th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'stock.write'") - w0;
	fprintf(stderr, "push only: 4000 changes over 40 SKUs -> %ld write jobs\n", writes);
	assert_true(writes > 0 && writes <= 40 * 10);
	/* nothing older was applied over newer: the cache holds the ERP's newest times */
	json_t *items = erp_items(), *it;
	const char *sku;
	json_object_foreach(items, sku, it) {
		char q[300];
		long long want = 0;
		const char *at = json_string_value(json_object_get(it, "lastModifiedDateTime"));
		int y, mo, d, h, mi;
		double sec;
		if (at && sscanf(at, "%d-%d-%dT%d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) == 6)
			want = 1;
		snprintf(q, sizeof q, "SELECT count(*) FROM stock_levels WHERE sku = '%s' AND source_ms > 0", sku);
		assert_int_equal(th_store_count(sm.db_url, q), want);
	}
	json_decref(items);
}

/* The ERP drops the subscription early: seam notices (stock.subscribe lists them every
 * check_interval), subscribes again, and notifications flow again, without a poll. */
static void test_subscription_recreated(void **state)
{
	(void)state;
	long st = 0;
	char before[80] = "", after[80] = "";
	char sql[] = "SELECT count(*) FROM erp_subscriptions WHERE store = 'us' AND resource = 'items'";
	assert_int_equal(th_store_count(sm.db_url, sql), 1);
	json_t *d = call("GET", erp_url, "/_sim/erp/subscriptions", NULL, NULL, &st);
	json_t *list = json_is_array(d) ? d : json_object_get(d, "subscriptions");
	if (!list)
		list = json_object_get(d, "value");
	snprintf(before, sizeof before, "%s", json_string_value(json_object_get(json_array_get(list, 0), "subscriptionId")) ? json_string_value(json_object_get(json_array_get(list, 0), "subscriptionId")) : "");
	json_decref(d);
	assert_true(before[0]);
	int had = live_subscriptions(); /* items and sales prices */
	assert_int_equal(had, 2);
	json_decref(call("POST", erp_url, "/_sim/erp/subscriptions/expire", "{\"all\": true}", NULL, &st));
	assert_int_equal(st, 200);
	assert_int_equal(live_subscriptions(), 0);
	for (int i = 0; i < 100 && live_subscriptions() < had; i++)
		seam_sleep_ms(100);
	assert_int_equal(live_subscriptions(), had);
	d = call("GET", erp_url, "/_sim/erp/subscriptions", NULL, NULL, &st);
	list = json_is_array(d) ? d : json_object_get(d, "subscriptions");
	if (!list)
		list = json_object_get(d, "value");
	snprintf(after, sizeof after, "%s", json_string_value(json_object_get(json_array_get(list, 0), "subscriptionId")) ? json_string_value(json_object_get(json_array_get(list, 0), "subscriptionId")) : "");
	json_decref(d);
	assert_string_not_equal(before, after);
	/* and a change comes through it */
	erp_set("SKU-000011", "\"inventory\": 123");
	json_decref(call("POST", erp_url, "/_sim/erp/notifications/flush", "{}", NULL, &st));
	assert_int_equal(converge(15000, NULL), 0);
}

/* Lost notifications: the poll is the safety net. */
static void test_lost_notifications_poll_catches_up(void **state)
{
	(void)state;
	restart(1, 1);
	faults(erp_url, "{\"kind\":\"lose\",\"rate\":0.5}");
	long st = 0;
	json_decref(call("POST", erp_url, "/_sim/erp/items",
			 "{\"burst\": {\"count\": 400, \"skus\": 40, \"fields\": [\"inventory\", \"unitPrice\"]}}", NULL, &st));
	assert_int_equal(st, 200);
	json_decref(call("POST", erp_url, "/_sim/erp/notifications/flush", "{}", NULL, &st));
	assert_int_equal(converge(30000, NULL), 0);
	faults(erp_url, NULL);
}

/* kill -9 in the middle of a burst: after a restart nothing the ERP sent is lost and nothing
 * older is applied over newer. */
static void test_kill9_mid_burst(void **state)
{
	(void)state;
	long st = 0;
	json_decref(call("POST", erp_url, "/_sim/erp/items",
			 "{\"burst\": {\"count\": 2000, \"skus\": 40, \"fields\": [\"inventory\"]}}", NULL, &st));
	assert_int_equal(st, 200);
	seam_sleep_ms(300);
	int ws = th_seam_stop(&sm, SIGKILL, 5000);
	assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
	json_decref(call("POST", erp_url, "/_sim/erp/items",
			 "{\"burst\": {\"count\": 400, \"skus\": 40, \"fields\": [\"inventory\"]}}", NULL, &st));
	assert_int_equal(th_seam_start(&sm, 10000), 0);
	assert_int_equal(converge(30000, NULL), 0);
}

/* The ERP down: the cache keeps answering, stale past the budget (3 s), with the age. */
static void test_stale_while_erp_down(void **state)
{
	(void)state;
	long st = 0;
	faults(erp_url, "{\"kind\":\"outage\"}");
	seam_sleep_ms(4500);
	json_t *d = rest("/v1/availability?store=us&sku=SKU-000001", &st);
	assert_int_equal(st, 200);
	json_t *one = json_array_get(json_object_get(d, "skus"), 0);
	assert_true(json_is_string(json_object_get(one, "quantity")));
	assert_true(json_is_true(json_object_get(one, "stale")));
	assert_true(json_integer_value(json_object_get(one, "age_seconds")) >= 3);
	json_decref(d);
	faults(erp_url, NULL);
	/* back: the next poll (2 s) confirms the cache, no longer stale */
	int fresh = 0;
	for (int i = 0; i < 40 && !fresh; i++) {
		seam_sleep_ms(250);
		d = rest("/v1/availability?store=us&sku=SKU-000001", &st);
		fresh = json_is_false(json_object_get(d, "stale"));
		json_decref(d);
	}
	assert_true(fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_sync),
		cmocka_unit_test(test_cache_answers),
		cmocka_unit_test(test_poll_and_dry_run),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_handshake_and_client_state),
		cmocka_unit_test(test_push_only),
		cmocka_unit_test(test_subscription_recreated),
		cmocka_unit_test(test_lost_notifications_poll_catches_up),
		cmocka_unit_test(test_kill9_mid_burst),
		cmocka_unit_test(test_stale_while_erp_down),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
