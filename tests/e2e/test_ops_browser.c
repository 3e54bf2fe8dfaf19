/*
 * End-to-end proof of the operator dashboard at /ops/ (docs/dashboard.md) on the real binaries:
 * `seam-sim` (the Drupal double sending storefront events, the ERP double, the payment provider
 * sending signed Stripe webhooks) and `seam serve`, with data made by a run against them:
 * orders exported to the ERP, one order whose export the ERP refused (a dead letter), a
 * captured Stripe payment, an authentic event seam quarantined.
 *
 *   test_http_security   without a browser: a wrong key and a key without ops:read cannot log
 *                        in; the cookie is HttpOnly, SameSite=Strict, Path=/; a session acts
 *                        as its key (a read-only key cannot act: 403), an action without the
 *                        CSRF token or with a forged one is 403, with it 200; an expired or
 *                        unknown session is 401; logout ends the session; every /ops answer
 *                        carries the Content-Security-Policy and friends; the overview and the
 *                        trace answer their contracts with the run's numbers.
 *   test_browser         headless Chromium (Debian's chromium, driven by tests/browser/ops.mjs
 *                        through puppeteer-core from build/tools/browser) logs in (a wrong key
 *                        first: refused), sees the overview with the run's data, replays the
 *                        dead letter (the API then says it left the dead letters), pauses and
 *                        resumes a flow through the confirmation, finds the order by its PSP
 *                        payment id, types injections into the search box (shown as text,
 *                        nothing runs), checks a read-only key cannot act and a forged session
 *                        gets the login form, on a desktop and a phone-sized screen; any console
 *                        error, page error, dialog or CSP violation fails it. Screenshots of
 *                        every page stay in build/screenshots/ops/ for people to look at.
 * Without node, puppeteer-core or chromium test_browser FAILS with the reason (make deps and
 * make browser-tools provide them); it never passes without a browser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/metrics.h"
#include "store/store.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"
#include "tests/support/th_rest.h"

#define DRUPAL_PW "e2e-drupal-pass"
#define ERP_SECRET "e2e-erp-secret"
#define STRIPE_SECRET "whsec_e2e_ops_stripe"
#define ORDERS 4
#define BROWSER_TIMEOUT_S 240

static char dir[64], sim_log[128];
static char drupal_url[64], erp_url[64], psp_url[64];
static th_seam_t sm;
static pid_t sim_pid;
/* "Authorization: Bearer ..." headers, and the bare keys */
static char admin_auth[160], read_auth[160], orders_auth[160];
static char admin_key[100], read_key[100], orders_key[100];
static char dead_id[64], dead_number[32], paid_number[32], psp_id[64];

static json_t *call(const char *method, const char *base, const char *path, const char *body,
		    const char *auth, long *status)
{
	char u[700];
	snprintf(u, sizeof u, "%s%s", base, path);
	const char *h[] = {auth ? auth : "X-None: 1", "Content-Type: application/json", NULL};
	return th_json(method, u, h, body, status);
}

static json_t *seam_get(const char *path, long *status)
{
	return call("GET", sm.base, path, NULL, admin_auth, status);
}

static const char *bare(const char *auth)
{
	return auth + strlen("Authorization: Bearer ");
}

/* Waits up to ms for a count query on seam's store to reach want. */
static long wait_count(const char *sql, long want, int ms)
{
	long n = -1;
	for (int w = 0; w <= ms; w += 200) {
		n = th_store_count(sm.db_url, sql);
		if (n >= want)
			break;
		seam_sleep_ms(200);
	}
	return n;
}

static void new_orders(int n, int items)
{
	char body[128], auth[128], b64[128];
	long st;
	seam_base64_encode("seam:" DRUPAL_PW, strlen("seam:" DRUPAL_PW), b64);
	snprintf(auth, sizeof auth, "Authorization: Basic %s", b64);
	snprintf(body, sizeof body, "{\"count\":%d,\"store\":\"us\",\"items\":%d}", n, items);
	json_decref(call("POST", drupal_url, "/_sim/drupal/orders", body, auth, &st));
	assert_in_range(st, 200, 201);
}

static int setup(void **state)
{
	char text[4000], simcfg[128], urls[3][64], company[64];
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	setenv("T_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("T_ERP", ERP_SECRET, 1);
	setenv("T_STRIPE", STRIPE_SECRET, 1);
	setenv("T_EVENTS", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 17\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  workflow: order_default\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}]\n"
		 "  gateways: [{id: stripe, label: Stripe, plugin: stripe, mode: test, payment_type: payment_default}]\n"
		 "  products: 10\n  variations: 1\n  customers: 4\n  orders: 0\n"
		 "  events: {url: %s, secret: {env: T_EVENTS}, drop_rate: 0, attempts: 20, backoff: [200ms, 500ms]}\n"
		 "erp:\n  listen: 127.0.0.1:0\n  client_id: seam\n  client_secret: {env: T_ERP}\n"
		 "  items: 20\n  currency: USD\n"
		 "psp:\n  listen: 127.0.0.1:0\n  store: us\n"
		 "  stripe: {url: '%s/webhooks/stripe/{store}', secret: {env: T_STRIPE}}\n"
		 "  attempts: 12\n  backoff: [200ms, 500ms]\n  timeout: 5s\n",
		 sm.base, sm.base);
	th_write_file(simcfg, text);
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "erp", "psp", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(erp_url, sizeof erp_url, "%s", urls[1]);
	snprintf(psp_url, sizeof psp_url, "%s", urls[2]);
	if (th_erp_company(erp_url, "seam", ERP_SECRET, company) != 0) {
		fprintf(stderr, "no ERP company\n");
		return -1;
	}
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info, access_log: false}\n"
		 "queue: {workers: 2, lease: 5s, backoff_base: 100ms, backoff_cap: 1s, max_attempts: 5}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 5s\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    timeout: 5s\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: T_ERP}, token_url: %s/oauth2/v2.0/token}\n"
		 "stores:\n  us:\n    stripe_secrets: [{env: T_STRIPE}]\n"
		 "    drupal: {upstream: drupal, event_secrets: [{env: T_EVENTS}], payment_gateway: stripe, poll_interval: 0s}\n"
		 "    erp: {upstream: erp, company: %s, customer: WEB, shipping_account: '6130'}\n"
		 "reconciliation:\n  stores:\n    us: {export_sla: 1s}\n",
		 sm.port, sm.db_url, drupal_url, erp_url, erp_url, company);
	if (th_seam_start(&sm, 10000) != 0)
		return -1;
	if (th_make_key(&sm, "oncall-admin", "ops:admin,orders:read", admin_auth, sizeof admin_auth) ||
	    th_make_key(&sm, "oncall-read", "ops:read", read_auth, sizeof read_auth) ||
	    th_make_key(&sm, "storefront", "orders:read", orders_auth, sizeof orders_auth))
		return -1;
	snprintf(admin_key, sizeof admin_key, "%s", bare(admin_auth));
	snprintf(read_key, sizeof read_key, "%s", bare(read_auth));
	snprintf(orders_key, sizeof orders_key, "%s", bare(orders_auth));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_rest_done();
	th_e2e_teardown(&sm, sim_pid, 10000, dir);
	return 0;
}

/* The run the dashboard shows: exported orders, a dead letter, a payment, a quarantined event. */
static void make_data(void)
{
	long st;
	static int done;
	if (done)
		return;
	done = 1;
	/* two 503s from the ERP on the way: failed attempts, upstream errors, then success */
	json_decref(call("POST", erp_url, "/_sim/faults",
			 "{\"kind\":\"error\",\"status\":503,\"method\":\"POST\",\"path\":\"/api/v2.0/companies\",\"times\":2}",
			 NULL, &st));
	assert_in_range(st, 200, 201);
	new_orders(ORDERS, 2);
	long n = wait_count("SELECT count(*) FROM orders WHERE export_state = 'written_back'", ORDERS,
			    30000);
	assert_int_equal(n, ORDERS);

	/* The ERP refuses the next sales order: a permanent error, so a dead letter at once. */
	json_decref(call("POST", erp_url, "/_sim/faults",
			 "{\"kind\":\"error\",\"status\":422,\"method\":\"POST\",\"path\":\"/api/v2.0/companies\",\"times\":1}",
			 NULL, &st));
	assert_in_range(st, 200, 201);
	new_orders(1, 1);
	assert_int_equal(wait_count("SELECT count(*) FROM jobs WHERE state = 'dead'", 1, 30000), 1);
	json_decref(call("DELETE", erp_url, "/_sim/faults", NULL, NULL, &st));
	json_t *d = seam_get("/v1/dead-letters", &st);
	assert_int_equal(st, 200);
	json_t *dl = json_array_get(json_object_get(d, "items"), 0);
	assert_non_null(dl);
	snprintf(dead_id, sizeof dead_id, "%s", json_string_value(json_object_get(dl, "id")));
	assert_string_equal(json_string_value(json_object_get(dl, "store")), "us");
	snprintf(dead_number, sizeof dead_number, "%s",
		 json_string_value(json_object_get(dl, "order_number")) ?: "");
	TH_ASSERT_CMP(strlen(dead_number), >, 0);
	json_decref(d);

	/* A Stripe payment for an exported order, authorized and captured. */
	d = seam_get("/v1/orders?export_state=written_back&limit=1", &st);
	json_t *o = json_array_get(json_object_get(d, "items"), 0);
	assert_non_null(o);
	snprintf(paid_number, sizeof paid_number, "%s",
		 json_string_value(json_object_get(o, "order_number")));
	char body[512], path[200];
	snprintf(body, sizeof body,
		 "{\"provider\":\"stripe\",\"store\":\"us\",\"order_uuid\":\"%s\",\"amount\":\"%s\",\"currency\":\"USD\"}",
		 json_string_value(json_object_get(o, "order_uuid")),
		 json_string_value(json_object_get(o, "total")));
	json_decref(d);
	d = call("POST", psp_url, "/_sim/psp/payments", body, NULL, &st);
	assert_in_range(st, 200, 201);
	snprintf(psp_id, sizeof psp_id, "%s", json_string_value(json_object_get(d, "id")));
	json_decref(d);
	snprintf(path, sizeof path, "/_sim/psp/payments/%s/events", psp_id);
	json_decref(call("POST", psp_url, path, "{\"type\":\"authorize\"}", NULL, &st));
	assert_in_range(st, 200, 202);
	json_decref(call("POST", psp_url, path, "{\"type\":\"capture\"}", NULL, &st));
	assert_in_range(st, 200, 202);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM jobs WHERE kind = 'payment.apply' AND state = 'succeeded'");
	assert_int_equal(wait_count(sql, 2, 30000), 2);

	/* An authentic Stripe event seam cannot use: quarantined with its reason. */
	char url[128];
	snprintf(url, sizeof url, "%s/webhooks/stripe/us", sm.base);
	long qs = th_stripe_post(url, STRIPE_SECRET,
				 "{\"id\":\"evt_ops_quarantine\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\",\"data\":{}}");
	assert_in_range(qs, 200, 299);
	assert_int_equal(wait_count("SELECT count(*) FROM quarantine", 1, 5000), 1);
	printf("data: %d orders exported, dead letter %s (order %s), payment %s (order %s)\n", ORDERS,
	       dead_id, dead_number, psp_id, paid_number);
}

/* ---------- without a browser ---------- */

typedef struct {
	long status;
	char cookie[160]; /* "seam_ops=..." from Set-Cookie, or "" */
	char set_cookie[300];
	json_t *doc;
} login_t;

static void login(const char *body, const char *ct, login_t *out)
{
	char u[160], h[128];
	th_resp_t r;
	memset(out, 0, sizeof *out);
	snprintf(u, sizeof u, "%s/ops/login", sm.base);
	snprintf(h, sizeof h, "Content-Type: %s", ct);
	assert_int_equal(th_http("POST", u, (const char *[]){h, NULL}, body, strlen(body), &r), 0);
	out->status = r.status;
	if (th_resp_header(&r, "Set-Cookie", out->set_cookie, sizeof out->set_cookie) == 0) {
		char *semi = strchr(out->set_cookie, ';');
		snprintf(out->cookie, sizeof out->cookie, "%.*s",
			 (int)(semi ? semi - out->set_cookie : (long)strlen(out->set_cookie)),
			 out->set_cookie);
	}
	out->doc = json_loads(r.body, 0, NULL);
	th_resp_free(&r);
}

static void login_key(const char *key, login_t *out)
{
	char body[200];
	snprintf(body, sizeof body, "{\"key\": \"%s\"}", key);
	login(body, "application/json", out);
}

/* A request with the session cookie (and optionally a CSRF token): the status, the body. */
static long with_cookie(const char *method, const char *path, const char *cookie,
			const char *csrf, json_t **doc)
{
	char u[300], c[200], x[120];
	th_resp_t r;
	snprintf(u, sizeof u, "%s%s", sm.base, path);
	snprintf(c, sizeof c, "Cookie: %s", cookie);
	snprintf(x, sizeof x, "X-CSRF-Token: %s", csrf ? csrf : "");
	const char *h[] = {c, csrf ? x : "X-None: 1", "Content-Type: application/json", NULL};
	assert_int_equal(th_http(method, u, h, NULL, 0, &r), 0);
	if (doc)
		*doc = json_loads(r.body, 0, NULL);
	long s = r.status;
	th_resp_free(&r);
	return s;
}

static const char *slug(json_t *problem)
{
	const char *t = json_string_value(json_object_get(problem, "type"));
	return t && strrchr(t, '/') ? strrchr(t, '/') + 1 : "";
}

static void assert_security_headers(const th_resp_t *r, const char *what)
{
	char v[400];
	if (th_resp_header(r, "Content-Security-Policy", v, sizeof v) != 0)
		fail_msg("%s: no Content-Security-Policy", what);
	static const char *const must[] = {"default-src 'none'", "script-src 'self'", "style-src 'self'",
					   "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"};
	for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
		if (!strstr(v, must[i]))
			fail_msg("%s: CSP lacks %s: %s", what, must[i], v);
	if (strstr(v, "unsafe-inline") || strstr(v, "unsafe-eval"))
		fail_msg("%s: CSP allows inline code: %s", what, v);
	assert_int_equal(th_resp_header(r, "X-Content-Type-Options", v, sizeof v), 0);
	assert_string_equal(v, "nosniff");
	assert_int_equal(th_resp_header(r, "Referrer-Policy", v, sizeof v), 0);
	assert_string_equal(v, "no-referrer");
}

static void test_http_security(void **state)
{
	login_t l, ro, bad;
	json_t *d = NULL;
	char u[200], csrf[80], v[300];
	th_resp_t r;
	(void)state;
	make_data();

	/* the pages: CSP and friends on each, the shell never cached */
	static const char *const files[] = {"/ops/", "/ops/app.js", "/ops/lib.js", "/ops/pages.js",
					    "/ops/ops.css", "/ops/vendor/chart.js", "/ops/nope.js"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(u, sizeof u, "%s%s", sm.base, files[i]);
		assert_int_equal(th_http("GET", u, NULL, NULL, 0, &r), 0);
		assert_int_equal(r.status, strcmp(files[i], "/ops/nope.js") ? 200 : 404);
		assert_security_headers(&r, files[i]);
		if (i == 0) {
			assert_int_equal(th_resp_header(&r, "Cache-Control", v, sizeof v), 0);
			assert_string_equal(v, "no-store");
			assert_non_null(strstr(r.body, "<script type=\"module\" src=\"/ops/app.js\">"));
			/* no inline script or style in the shell: the CSP would refuse them */
			assert_null(strstr(r.body, "<script>"));
			assert_null(strstr(r.body, "style="));
			assert_null(strstr(r.body, "<style"));
		}
		th_resp_free(&r);
	}
	snprintf(u, sizeof u, "%s/ops", sm.base);
	assert_int_equal(th_http("GET", u, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 308);
	assert_int_equal(th_resp_header(&r, "Location", v, sizeof v), 0);
	assert_string_equal(v, "/ops/");
	th_resp_free(&r);

	/* a wrong key, a malformed one, a key without ops:read: no session, no cookie */
	login_key("seam_AAAAAAAAAAAA_wrongwrongwrongwrongwrongwrongwron", &bad);
	assert_int_equal(bad.status, 401);
	assert_string_equal(bad.cookie, "");
	json_decref(bad.doc);
	login_key("<script>alert(1)</script>", &bad);
	assert_int_equal(bad.status, 401);
	json_decref(bad.doc);
	login("{\"nokey\": 1}", "application/json", &bad);
	assert_int_equal(bad.status, 400);
	json_decref(bad.doc);
	login_key(orders_key, &bad);
	assert_int_equal(bad.status, 403);
	assert_string_equal(bad.cookie, "");
	json_decref(bad.doc);

	/* the admin key: a session cookie with the right attributes, the session's contract */
	login_key(admin_key, &l);
	assert_int_equal(l.status, 200);
	assert_non_null(strstr(l.set_cookie, "seam_ops="));
	assert_non_null(strstr(l.set_cookie, "; HttpOnly"));
	assert_non_null(strstr(l.set_cookie, "; SameSite=Strict"));
	assert_non_null(strstr(l.set_cookie, "; Path=/"));
	assert_non_null(strstr(l.set_cookie, "; Max-Age=28800"));
	th_assert_contract("POST /ops/login", l.doc);
	assert_string_equal(json_string_value(json_object_get(l.doc, "key")), "oncall-admin");
	assert_true(json_is_true(json_object_get(l.doc, "can_act")));
	snprintf(csrf, sizeof csrf, "%s",
		 json_string_value(json_object_get(json_object_get(l.doc, "session"), "csrf_token")));
	TH_ASSERT_CMP(strlen(csrf), ==, 43);
	/* the key itself is never in the answer */
	char *dump = json_dumps(l.doc, 0);
	assert_null(strstr(dump, admin_key));
	free(dump);
	json_decref(l.doc);

	/* the cookie opens /v1 as its key, among other cookies too */
	assert_int_equal(with_cookie("GET", "/v1/flows", l.cookie, NULL, NULL), 200);
	char jar[300];
	snprintf(jar, sizeof jar, "xseam_ops=1; theme=dark; %s; seam_ops2=x", l.cookie);
	assert_int_equal(with_cookie("GET", "/v1/flows", jar, NULL, NULL), 200);
	assert_int_equal(with_cookie("GET", "/ops/session", l.cookie, NULL, &d), 200);
	th_assert_contract("/ops/session", d);
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "session"), "csrf_token")), csrf);
	json_decref(d);

	/* actions: no token, a forged one, another session's: 403 csrf-token-invalid; nothing paused */
	assert_int_equal(with_cookie("POST", "/v1/flows/orders/pause", l.cookie, NULL, &d), 403);
	assert_string_equal(slug(d), "csrf-token-invalid");
	json_decref(d);
	char forged[80];
	snprintf(forged, sizeof forged, "%s", csrf);
	forged[0] = forged[0] == 'A' ? 'B' : 'A';
	assert_int_equal(with_cookie("POST", "/v1/flows/orders/pause", l.cookie, forged, &d), 403);
	assert_string_equal(slug(d), "csrf-token-invalid");
	json_decref(d);
	login_key(read_key, &ro);
	assert_int_equal(ro.status, 200);
	assert_false(json_is_true(json_object_get(ro.doc, "can_act")));
	const char *ro_csrf = json_string_value(json_object_get(json_object_get(ro.doc, "session"), "csrf_token"));
	assert_int_equal(with_cookie("POST", "/v1/flows/orders/pause", l.cookie, ro_csrf, &d), 403);
	assert_string_equal(slug(d), "csrf-token-invalid");
	json_decref(d);
	d = seam_get("/v1/flows", NULL);
	assert_false(json_is_true(json_object_get(json_array_get(json_object_get(d, "items"), 0), "paused")));
	json_decref(d);
	/* with the session's own token: done */
	assert_int_equal(with_cookie("POST", "/v1/flows/orders/pause", l.cookie, csrf, &d), 200);
	assert_true(json_is_true(json_object_get(d, "paused")));
	json_decref(d);
	assert_int_equal(with_cookie("POST", "/v1/flows/orders/resume", l.cookie, csrf, &d), 200);
	assert_false(json_is_true(json_object_get(d, "paused")));
	json_decref(d);

	/* a read-only key's session looks, and cannot act even with its token */
	assert_int_equal(with_cookie("GET", "/v1/dead-letters", ro.cookie, NULL, NULL), 200);
	assert_int_equal(with_cookie("POST", "/v1/flows/orders/pause", ro.cookie, ro_csrf, &d), 403);
	assert_string_equal(slug(d), "forbidden");
	json_decref(d);
	json_decref(ro.doc);

	/* a forged session cookie: 401, and the answer says to log in again */
	assert_int_equal(with_cookie("GET", "/v1/flows", "seam_ops=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, &d), 401);
	assert_non_null(strstr(json_string_value(json_object_get(d, "detail")), "log in again"));
	json_decref(d);
	assert_int_equal(with_cookie("GET", "/v1/flows", "seam_ops='><script>", NULL, NULL), 401);

	/* a Bearer key wins over a cookie: the API stays the API */
	char hdr[200];
	snprintf(u, sizeof u, "%s/v1/whoami", sm.base);
	snprintf(hdr, sizeof hdr, "Cookie: %s", ro.cookie);
	d = th_json("GET", u, (const char *[]){admin_auth, hdr, NULL}, NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(d, "key")), "oncall-admin");
	json_decref(d);

	/* an expired session: 401 (its row made old in the store, as time would) */
	login_key(admin_key, &l);
	json_decref(l.doc);
	assert_int_equal(with_cookie("GET", "/v1/flows", l.cookie, NULL, NULL), 200);
	seam_store_t *st = NULL;
	seam_error_t e = {0};
	seam_store_opts_t so = {.pool_size = 1};
	assert_int_equal(seam_store_open(sm.db_url, &so, &st, &e), SEAM_OK);
	seam_db_t *db = seam_store_acquire(st);
	assert_int_equal(seam_db_run(db, "UPDATE ops_sessions SET expires_at = created_at + 1", NULL, 0,
				     NULL, &e), SEAM_OK);
	seam_store_release(st, db);
	seam_store_close(st);
	assert_int_equal(with_cookie("GET", "/v1/flows", l.cookie, NULL, &d), 401);
	assert_string_equal(slug(d), "unauthorized");
	json_decref(d);
	assert_int_equal(with_cookie("GET", "/ops/session", l.cookie, NULL, NULL), 401);

	/* logout ends the session and clears the cookie */
	login_key(admin_key, &l);
	json_decref(l.doc);
	snprintf(u, sizeof u, "%s/ops/logout", sm.base);
	snprintf(hdr, sizeof hdr, "Cookie: %s", l.cookie);
	assert_int_equal(th_http("POST", u, (const char *[]){hdr, NULL}, "", 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(th_resp_header(&r, "Set-Cookie", v, sizeof v), 0);
	assert_non_null(strstr(v, "Max-Age=0"));
	th_resp_free(&r);
	assert_int_equal(with_cookie("GET", "/v1/flows", l.cookie, NULL, NULL), 401);

	/* a form post logs in too, and goes to the dashboard */
	char form[200];
	snprintf(form, sizeof form, "key=%s", read_key);
	login(form, "application/x-www-form-urlencoded", &l);
	assert_int_equal(l.status, 303);
	assert_non_null(strstr(l.set_cookie, "HttpOnly"));
	json_decref(l.doc);

	/* the overview: its contract, and the run's numbers */
	d = seam_get("/v1/ops/overview", NULL);
	th_assert_contract("/v1/ops/overview", d);
	json_t *f;
	size_t i;
	long ok = 0, failed = 0;
	int orders_seen = 0;
	json_array_foreach(json_object_get(d, "flows"), i, f) {
		if (strcmp(json_string_value(json_object_get(f, "name")), "orders"))
			continue;
		orders_seen = 1;
		assert_int_equal(json_integer_value(json_object_get(f, "dead")), 1);
		json_t *x;
		size_t k;
		json_array_foreach(json_object_get(f, "succeeded"), k, x)
			ok += json_integer_value(x);
		json_array_foreach(json_object_get(f, "failed"), k, x)
			failed += json_integer_value(x);
	}
	assert_true(orders_seen);
	TH_ASSERT_CMP(ok, >=, ORDERS);
	TH_ASSERT_CMP(failed, >=, 2); /* the two 503s */
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(d, "stores"), 0), "name")), "us");
	int erp_seen = 0;
	json_array_foreach(json_object_get(d, "upstreams"), i, f)
		if (!strcmp(json_string_value(json_object_get(f, "name")), "erp")) {
			erp_seen = 1;
			assert_string_equal(json_string_value(json_object_get(f, "breaker")), "closed");
			long errs = 0;
			json_t *x;
			size_t k;
			json_array_foreach(json_object_get(f, "errors"), k, x)
				errs += json_integer_value(x);
			TH_ASSERT_CMP(errs, >=, 2); /* the 503s; the 422 is the ERP's answer, not an error */
		}
	assert_true(erp_seen);
	/* reconciliation's drift gauge, read by name: available exactly when this build has it */
	assert_int_equal(json_is_true(json_object_get(json_object_get(d, "drift"), "available")),
			 seam_metric_find("seam_reconcile_drift") >= 0);
	json_decref(d);

	/* the trace the search box asks: by PSP payment id, order number, event id */
	char path[200];
	long s;
	snprintf(path, sizeof path, "/v1/trace/%s", psp_id);
	d = seam_get(path, &s);
	assert_int_equal(s, 200);
	th_assert_contract("/v1/trace/{id}", d);
	assert_string_equal(json_string_value(json_object_get(d, "found_by")), "payment_id");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(d, "orders"), 0), "order_number")), paid_number);
	json_decref(d);
	snprintf(path, sizeof path, "/v1/trace/%s", paid_number);
	d = seam_get(path, &s);
	assert_int_equal(s, 200);
	assert_string_equal(json_string_value(json_object_get(d, "found_by")), "order_number");
	json_decref(d);
	d = seam_get("/v1/trace/evt_ops_quarantine", &s);
	assert_int_equal(s, 404); /* quarantined: never an event seam worked */
	json_decref(d);
	d = seam_get("/v1/trace/%3Cimg%20src%3Dx%3E", &s);
	assert_int_equal(s, 404);
	assert_string_equal(json_string_value(json_object_get(d, "type")), "https://seam.dev/problems/not-found");
	json_decref(d);

	/* jobs list: store and order number on each, ?store= filters */
	d = seam_get("/v1/jobs?store=us&flow=orders&limit=100", &s);
	assert_int_equal(s, 200);
	TH_ASSERT_CMP(json_array_size(json_object_get(d, "items")), >=, (size_t)ORDERS);
	json_array_foreach(json_object_get(d, "items"), i, f)
		assert_string_equal(json_string_value(json_object_get(f, "store")), "us");
	json_decref(d);
	d = seam_get("/v1/jobs?store=nowhere", &s);
	assert_int_equal(s, 400);
	json_decref(d);
}

/* ---------- the browser ---------- */

/* Runs tests/browser/ops.mjs in its own process group, output to log; kills the group (node
 * and the Chromium it started) when it overruns. Returns its exit status, -1 on timeout. */
static int run_browser(char *const argv[], const char *log, int timeout_s)
{
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_true(pid > 0);
	setpgid(pid, pid);
	int st = 0;
	for (int w = 0; w < timeout_s * 10; w++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			kill(-pid, SIGKILL); /* anything it left behind in its group */
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		seam_sleep_ms(100);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void test_browser(void **state)
{
	char chromium[256] = "", out[160], log[200];
	(void)state;
	make_data();
	/* a real reconciliation run: the dead-lettered order is not in the ERP past the SLA */
	char *rout = NULL;
	seam_sleep_ms(1200);
	int rrc = th_seam_ctl(&sm, (const char *[]){"reconcile", "--store", "us", "--since", "1h", "--json", NULL}, &rout);
	char *last = NULL;
	for (char *line = rout ? strtok(rout, "\n") : NULL; line; line = strtok(NULL, "\n"))
		last = line;
	json_t *rrun = last ? json_loads(last, 0, NULL) : NULL;
	free(rout);
	assert_non_null(rrun);
	assert_int_equal(rrc, 1);
	assert_string_equal(json_string_value(json_object_get(rrun, "state")), "done");
	TH_ASSERT_CMP(json_integer_value(json_object_get(json_object_get(rrun, "counts"), "missing_in_erp")), >=, 1);
	char rid[64], rdrift[24];
	snprintf(rid, sizeof rid, "%s", json_string_value(json_object_get(rrun, "id")));
	snprintf(rdrift, sizeof rdrift, "%lld", (long long)json_integer_value(json_object_get(rrun, "drift")));
	json_decref(rrun);
	setenv("SEAM_RECON_RUN", rid, 1);
	setenv("SEAM_RECON_DRIFT", rdrift, 1);
	/* node, puppeteer-core and chromium: missing ones fail the test with the reason */
	snprintf(log, sizeof log, "%s/browser-tools.log", dir);
	char *const check[] = {"/bin/sh", "scripts/browser-tools.sh", "--check", NULL};
	pid_t p = th_spawn(check, log);
	int st;
	waitpid(p, &st, 0);
	char *txt = th_read_file(log);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the browser test cannot run: %s(make deps installs node and chromium; make "
			 "browser-tools installs puppeteer-core)", txt ? txt : "");
	sscanf(txt ? txt : "", "%255s", chromium);
	free(txt);

	snprintf(out, sizeof out, "build/screenshots/ops");
	mkdir("build", 0755);
	mkdir("build/screenshots", 0755);
	mkdir(out, 0755);
	setenv("SEAM_URL", sm.base, 1);
	setenv("SEAM_ADMIN_KEY", admin_key, 1);
	setenv("SEAM_READ_KEY", read_key, 1);
	setenv("SEAM_DEAD_LETTER", dead_id, 1);
	setenv("SEAM_DEAD_ORDER", dead_number, 1);
	setenv("SEAM_PSP_PAYMENT", psp_id, 1);
	setenv("SEAM_PAID_ORDER", paid_number, 1);
	setenv("SEAM_SCREENSHOTS", out, 1);
	setenv("SEAM_CHROMIUM", chromium, 1);
	snprintf(log, sizeof log, "%s/browser.log", dir);
	char *const argv[] = {"node", "tests/browser/ops.mjs", NULL};
	int rc = run_browser(argv, log, BROWSER_TIMEOUT_S);
	txt = th_read_file(log);
	printf("%s", txt ? txt : "");
	fflush(stdout);
	free(txt);
	if (rc != 0)
		fail_msg("tests/browser/ops.mjs %s (its output above; screenshots in %s)",
			 rc < 0 ? "did not finish in time" : "failed", out);

	/* what the browser did, seen through the API */
	char path[128];
	long s;
	snprintf(path, sizeof path, "/v1/dead-letters/%s", dead_id);
	json_decref(seam_get(path, &s));
	assert_int_equal(s, 404); /* replayed: no longer a dead letter */
	json_t *d = seam_get("/v1/flows", NULL);
	json_t *f;
	size_t i;
	json_array_foreach(json_object_get(d, "items"), i, f)
		assert_false(json_is_true(json_object_get(f, "paused"))); /* paused, then resumed */
	json_decref(d);
	/* the replayed export went through once the ERP took it */
	assert_int_equal(wait_count("SELECT count(*) FROM orders WHERE export_state = 'written_back'",
				    ORDERS + 1, 30000), ORDERS + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_security),
		cmocka_unit_test(test_browser),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
