/* test_api_ops.c: the dashboard's server side in process (src/api/api_ops.c, the session half of
 * seam_api_auth in api.c, and the overview of api_ops_overview.c), on the app's route table, a
 * real server and store, so the sanitizer builds run it: login with a wrong key, a key without
 * ops:read and a good one; the cookie's attributes; a session acting as its key; CSRF missing,
 * forged and right; a read-only session; logout; the files with their headers, ETags and the
 * Chart.js file from the configured path (and a missing one); the overview's gauges per store
 * and its answer without reconciliation. tests/e2e/test_ops_browser.c covers the same through
 * the real binary, the doubles and a browser. */
#include "tests/unit/queue/qtest.h"

#include <jansson.h>

#include "api/api.h"
#include "api/api_ops_overview.h"
#include "app/registry.h"
#include "auth/keys.h"
#include "queue/queue.h"
#include "tests/support/th_assert.h"

typedef struct ofx {
	qt_env_t env;
	seam_queue_t *q;
	seam_metrics_t *m;
	seam_ops_history_t *hist;
	seam_api_t api;
	seam_api_ops_config_t ops;
	seam_cfg_map_t stores, upstreams;
	char *store_names[2], *upstream_names[1];
	int dummy[2];
	void *store_items[2], *upstream_items[1];
	seam_http_server_t *srv;
	char base[64], chartjs[128];
	char admin[SEAM_KEY_MAX], ro[SEAM_KEY_MAX], other[SEAM_KEY_MAX];
} ofx_t;

static int setup(void **state)
{
	ofx_t *f = calloc(1, sizeof *f);
	seam_error_t e = {0};
	size_t n;
	qt_open(&f->env);
	if (seam_queue_create(f->env.st, &(seam_queue_opts_t){.retain_ms = -1}, &f->q, &e) != SEAM_OK)
		fail_msg("queue: %s", e.msg);
	f->m = seam_metrics_create();
	f->hist = seam_ops_history_create(f->m);
	snprintf(f->chartjs, sizeof f->chartjs, "%s/chart.min.js", f->env.dir);
	th_write_file(f->chartjs, "/*! Chart.js test double */ window.Chart = function () {};\n");
	f->ops = (seam_api_ops_config_t){.session_ttl_ms = 3600000, .cookie_secure = 1,
					 .chartjs = f->chartjs};
	f->store_names[0] = "us";
	f->store_names[1] = "eu";
	f->store_items[0] = &f->dummy[0];
	f->store_items[1] = &f->dummy[1];
	f->stores = (seam_cfg_map_t){2, f->store_names, f->store_items};
	f->upstream_names[0] = "erp";
	f->upstream_items[0] = &f->dummy[0];
	f->upstreams = (seam_cfg_map_t){1, f->upstream_names, f->upstream_items};
	f->api = (seam_api_t){.store = f->env.st, .queue = f->q, .flows = seam_app_flows(),
			      .metrics = f->m, .stores = &f->stores, .upstream_config = &f->upstreams,
			      .ops = &f->ops, .ops_history = f->hist};
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = seam_api_routes(&n), .ud = &f->api,
			      .auth = seam_api_auth, .around = seam_api_around, .threads = 4};
	o.nroutes = n;
	if (seam_http_start(&o, &f->srv, &e) != SEAM_OK)
		fail_msg("start: %s", e.msg);
	snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", seam_http_port(f->srv));
	if (seam_keys_create(f->env.st, "admin", "ops:admin", f->admin, &e) != SEAM_OK ||
	    seam_keys_create(f->env.st, "ro", "ops:read", f->ro, &e) != SEAM_OK ||
	    seam_keys_create(f->env.st, "other", "orders:read", f->other, &e) != SEAM_OK)
		fail_msg("keys: %s", e.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	ofx_t *f = *state;
	seam_http_stop(f->srv, 1000);
	seam_queue_destroy(f->q);
	seam_ops_history_destroy(f->hist);
	seam_metrics_destroy(f->m);
	qt_close(&f->env);
	free(f);
	return 0;
}

/* One request; h is a NULL-terminated header list (may be NULL). */
static void req(ofx_t *f, const char *method, const char *path, const char *const *h,
		const char *body, th_resp_t *r)
{
	char url[300];
	snprintf(url, sizeof url, "%s%s", f->base, path);
	if (th_http(method, url, h, body, body ? strlen(body) : 0, r) != 0)
		fail_msg("%s %s: no answer", method, path);
}

static const char *slug(const th_resp_t *r, char out[64])
{
	json_t *d = json_loads(r->body, 0, NULL);
	const char *t = json_string_value(json_object_get(d, "type"));
	snprintf(out, 64, "%s", t && strrchr(t, '/') ? strrchr(t, '/') + 1 : "");
	json_decref(d);
	return out;
}

/* Logs in with key; fills cookie ("Cookie: seam_ops=...") and csrf on 200. The status. */
static long login(ofx_t *f, const char *key, char cookie[160], char csrf[80], char setc[300])
{
	char body[160];
	th_resp_t r;
	snprintf(body, sizeof body, "{\"key\":\"%s\"}", key);
	req(f, "POST", "/ops/login", (const char *[]){"Content-Type: application/json", NULL}, body, &r);
	long st = r.status;
	cookie[0] = csrf[0] = '\0';
	if (setc)
		setc[0] = '\0';
	if (st == 200) {
		char v[300];
		assert_int_equal(th_resp_header(&r, "Set-Cookie", v, sizeof v), 0);
		if (setc)
			snprintf(setc, 300, "%s", v);
		char *semi = strchr(v, ';');
		snprintf(cookie, 160, "Cookie: %.*s", (int)(semi - v), v);
		json_t *d = json_loads(r.body, 0, NULL);
		snprintf(csrf, 80, "%s",
			 json_string_value(json_object_get(json_object_get(d, "session"), "csrf_token")));
		json_decref(d);
	} else {
		char v[300];
		assert_int_not_equal(th_resp_header(&r, "Set-Cookie", v, sizeof v), 0);
	}
	th_resp_free(&r);
	return st;
}

static void test_login_and_csrf(void **state)
{
	ofx_t *f = *state;
	char cookie[160], csrf[80], setc[300], x[120], s[64], rcookie[160], rcsrf[80];
	th_resp_t r;

	assert_int_equal(login(f, "seam_AAAAAAAAAAAA_notakeynotakeynotakeynotakeynotake", cookie, csrf, NULL), 401);
	assert_int_equal(login(f, "", cookie, csrf, NULL), 401);
	assert_int_equal(login(f, f->other, cookie, csrf, NULL), 403);
	req(f, "POST", "/ops/login", (const char *[]){"Content-Type: application/json", NULL}, "[1]", &r);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);

	assert_int_equal(login(f, f->admin, cookie, csrf, setc), 200);
	assert_non_null(strstr(setc, "; HttpOnly"));
	assert_non_null(strstr(setc, "; SameSite=Strict"));
	assert_non_null(strstr(setc, "; Path=/"));
	assert_non_null(strstr(setc, "; Max-Age=3600"));
	assert_non_null(strstr(setc, "; Secure")); /* ops.cookie_secure */

	/* the session acts as its key */
	req(f, "GET", "/v1/whoami", (const char *[]){cookie, NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"admin\""));
	th_resp_free(&r);

	/* unsafe without the token, with a forged one: 403 and nothing done */
	snprintf(x, sizeof x, "X-CSRF-Token: %s", csrf);
	req(f, "POST", "/v1/flows/orders/pause", (const char *[]){cookie, NULL}, NULL, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(slug(&r, s), "csrf-token-invalid");
	th_resp_free(&r);
	x[20] = x[20] == 'Q' ? 'R' : 'Q';
	req(f, "POST", "/v1/flows/orders/pause", (const char *[]){cookie, x, NULL}, NULL, &r);
	assert_int_equal(r.status, 403);
	th_resp_free(&r);
	assert_int_equal(qt_int(f->env.st, "SELECT count(*) FROM flows WHERE paused = 1", NULL), 0);
	/* with it: done */
	snprintf(x, sizeof x, "X-CSRF-Token: %s", csrf);
	req(f, "POST", "/v1/flows/orders/pause", (const char *[]){cookie, x, NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	assert_int_equal(qt_int(f->env.st, "SELECT count(*) FROM flows WHERE paused = 1", NULL), 1);
	req(f, "POST", "/v1/flows/orders/resume", (const char *[]){cookie, x, NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);

	/* a read-only session: looks, cannot act; another session's token is not its own */
	assert_int_equal(login(f, f->ro, rcookie, rcsrf, NULL), 200);
	req(f, "GET", "/v1/flows", (const char *[]){rcookie, NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	snprintf(x, sizeof x, "X-CSRF-Token: %s", rcsrf);
	req(f, "POST", "/v1/flows/orders/pause", (const char *[]){cookie, x, NULL}, NULL, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(slug(&r, s), "csrf-token-invalid");
	th_resp_free(&r);
	req(f, "POST", "/v1/flows/orders/pause", (const char *[]){rcookie, x, NULL}, NULL, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(slug(&r, s), "forbidden");
	th_resp_free(&r);
	req(f, "GET", "/ops/session", (const char *[]){rcookie, NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"can_act\":false"));
	th_resp_free(&r);

	/* Bearer wins over the cookie */
	char bearer[100];
	snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", f->ro);
	req(f, "GET", "/v1/whoami", (const char *[]){bearer, cookie, NULL}, NULL, &r);
	assert_non_null(strstr(r.body, "\"ro\""));
	th_resp_free(&r);

	/* logout: the cookie is cleared and the session is gone */
	req(f, "POST", "/ops/logout", (const char *[]){cookie, NULL}, "", &r);
	assert_int_equal(r.status, 200);
	char v[300];
	assert_int_equal(th_resp_header(&r, "Set-Cookie", v, sizeof v), 0);
	assert_non_null(strstr(v, "seam_ops=;"));
	assert_non_null(strstr(v, "Max-Age=0"));
	th_resp_free(&r);
	req(f, "GET", "/v1/whoami", (const char *[]){cookie, NULL}, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "log in again"));
	th_resp_free(&r);
	req(f, "GET", "/v1/whoami", (const char *[]){"Cookie: seam_ops=", NULL}, NULL, &r);
	assert_int_equal(r.status, 401);
	th_resp_free(&r);
}

static void test_files(void **state)
{
	ofx_t *f = *state;
	th_resp_t r;
	char v[400], etag[64];

	req(f, "GET", "/ops/", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(th_resp_header(&r, "Content-Type", v, sizeof v), 0);
	assert_string_equal(v, "text/html; charset=utf-8");
	assert_int_equal(th_resp_header(&r, "Content-Security-Policy", v, sizeof v), 0);
	assert_non_null(strstr(v, "default-src 'none'; script-src 'self'; style-src 'self'"));
	assert_int_equal(th_resp_header(&r, "Cache-Control", v, sizeof v), 0);
	assert_string_equal(v, "no-store");
	assert_int_equal(th_resp_header(&r, "X-Frame-Options", v, sizeof v), 0);
	assert_string_equal(v, "DENY");
	th_resp_free(&r);

	req(f, "GET", "/ops/app.js", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(th_resp_header(&r, "Content-Type", v, sizeof v), 0);
	assert_string_equal(v, "text/javascript; charset=utf-8");
	assert_int_equal(th_resp_header(&r, "ETag", etag, sizeof etag), 0);
	th_resp_free(&r);
	char inm[100];
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	req(f, "GET", "/ops/app.js", (const char *[]){inm, NULL}, NULL, &r);
	assert_int_equal(r.status, 304);
	th_resp_free(&r);

	/* Chart.js from the configured file, with the same headers */
	req(f, "GET", "/ops/vendor/chart.js", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Chart.js test double"));
	assert_int_equal(th_resp_header(&r, "Content-Security-Policy", v, sizeof v), 0);
	th_resp_free(&r);
	char *saved = f->ops.chartjs;
	f->ops.chartjs = "/nonexistent/chart.min.js";
	req(f, "GET", "/ops/vendor/chart.js", NULL, NULL, &r);
	f->ops.chartjs = saved;
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "libjs-chart.js"));
	th_resp_free(&r);

	/* nothing else under /ops/ reaches the file system */
	static const char *const nope[] = {"/ops/nope.js", "/ops/vendor/", "/ops/..%2f..%2fetc%2fpasswd",
					   "/ops/index.html%00.js"};
	for (size_t i = 0; i < sizeof nope / sizeof nope[0]; i++) {
		req(f, "GET", nope[i], NULL, NULL, &r);
		TH_ASSERT_CMP(r.status, >=, 400);
		TH_ASSERT_CMP(r.status, <, 500);
		assert_null(strstr(r.body, "root:"));
		th_resp_free(&r);
	}
	req(f, "GET", "/ops", NULL, NULL, &r);
	assert_int_equal(r.status, 308);
	assert_int_equal(th_resp_header(&r, "Location", v, sizeof v), 0);
	assert_string_equal(v, "/ops/");
	th_resp_free(&r);
}

static void test_overview(void **state)
{
	ofx_t *f = *state;
	th_resp_t r;
	char bearer[100];
	seam_metric_set(f->m, SEAM_M_CATALOG_LAG, (const char *[]){"us"}, 42);
	seam_metric_set(f->m, SEAM_M_STOCK_STALENESS, (const char *[]){"us", "stock"}, 7);
	seam_metric_set(f->m, SEAM_M_STOCK_STALENESS, (const char *[]){"us", "price"}, 9.5);
	seam_metric_add(f->m, SEAM_M_QUEUE_ATTEMPTS, (const char *[]){"orders", "succeeded"}, 3);
	seam_ops_history_sample(f->hist, seam_now_ms());
	seam_metric_add(f->m, SEAM_M_QUEUE_ATTEMPTS, (const char *[]){"orders", "succeeded"}, 2);

	req(f, "GET", "/v1/ops/overview", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	th_resp_free(&r);
	snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", f->other);
	req(f, "GET", "/v1/ops/overview", (const char *[]){bearer, NULL}, NULL, &r);
	assert_int_equal(r.status, 403);
	th_resp_free(&r);
	snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", f->ro);
	req(f, "GET", "/v1/ops/overview", (const char *[]){bearer, NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	json_t *d = json_loads(r.body, 0, NULL);
	th_resp_free(&r);
	assert_non_null(d);
	json_t *us = json_array_get(json_object_get(d, "stores"), 0);
	json_t *eu = json_array_get(json_object_get(d, "stores"), 1);
	assert_string_equal(json_string_value(json_object_get(us, "name")), "us");
	TH_ASSERT_CMP(json_number_value(json_object_get(us, "catalog_sync_lag_s")), ==, 42);
	TH_ASSERT_CMP(json_number_value(json_object_get(us, "stock_staleness_s")), ==, 7);
	TH_ASSERT_CMP(json_number_value(json_object_get(us, "price_staleness_s")), ==, 9.5);
	assert_true(json_is_null(json_object_get(us, "export_backlog")));
	assert_string_equal(json_string_value(json_object_get(eu, "name")), "eu");
	assert_true(json_is_null(json_object_get(eu, "catalog_sync_lag_s")));
	/* the flows of the registry, with the series; the current minute holds the 2 since */
	TH_ASSERT_CMP(json_array_size(json_object_get(d, "flows")), ==, seam_app_flows()->n);
	json_t *orders = json_array_get(json_object_get(d, "flows"), 0);
	assert_string_equal(json_string_value(json_object_get(orders, "name")),
			    seam_app_flows()->defs[0]->name);
	json_t *fl;
	size_t i;
	json_array_foreach(json_object_get(d, "flows"), i, fl) {
		json_t *ok = json_object_get(fl, "succeeded");
		assert_int_equal(json_array_size(ok), SEAM_OPS_HISTORY_MINUTES);
		if (!strcmp(json_string_value(json_object_get(fl, "name")), "orders"))
			assert_int_equal(json_integer_value(json_array_get(ok, SEAM_OPS_HISTORY_MINUTES - 1)), 2);
	}
	/* an upstream with no client here: its breaker unknown, its series empty */
	json_t *erp = json_array_get(json_object_get(d, "upstreams"), 0);
	assert_string_equal(json_string_value(json_object_get(erp, "name")), "erp");
	assert_true(json_is_null(json_object_get(erp, "breaker")));
	/* no reconciliation gauge in this build (or, once it is there, its items) */
	json_t *drift = json_object_get(d, "drift");
	assert_true(json_is_array(json_object_get(drift, "items")));
	assert_int_equal(json_is_true(json_object_get(drift, "available")),
			 seam_metric_find("seam_reconcile_drift") >= 0);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_and_csrf),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_overview),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
