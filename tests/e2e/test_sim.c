/* End-to-end: `seam-sim -c <written config>` as a real process, spoken to over HTTP. The
 * webhooks it sends land in a receiver run here with seam's HTTP server; signatures are checked
 * with core crypto directly (not with the simulators' signing code). Covers: the "sim: name url"
 * lines, Drupal JSON:API over the wire, signed Drupal events, Stripe and Adyen deliveries with
 * duplicates and retries after a 500, drop-after-commit as a connection closed without an
 * answer (the order exists), a timeout fault that outlasts the client, and a clean SIGTERM stop
 * while a handler is still holding a request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "http/server.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define STD_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define STRIPE_SECRET "whsec_e2e_stripe"
#define ADYEN_KEY "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"

/* ---- the receiver ---- */

typedef struct got {
	char path[256];
	char *body;
	char wh_id[128], wh_ts[32], wh_sig[256], stripe_sig[256];
} got_t;

static pthread_mutex_t rmu = PTHREAD_MUTEX_INITIALIZER;
static got_t got[256];
static int ngot;
static int fail_next; /* answer 500 to this many requests */

static void copyh(seam_http_req_t *req, const char *name, char *out, size_t cap)
{
	const char *v = seam_http_header(req, name);
	snprintf(out, cap, "%s", v ? v : "");
}

static void receive(seam_http_req_t *req, void *ud)
{
	(void)ud;
	size_t len = 0;
	const char *body = seam_http_body(req, &len);
	int status = 200;
	pthread_mutex_lock(&rmu);
	if (fail_next > 0) {
		fail_next--;
		status = 500;
	}
	if (ngot < 256) {
		got_t *g = &got[ngot++];
		snprintf(g->path, sizeof g->path, "%s", seam_http_path(req));
		g->body = strndup(body ? body : "", len);
		copyh(req, "webhook-id", g->wh_id, sizeof g->wh_id);
		copyh(req, "webhook-timestamp", g->wh_ts, sizeof g->wh_ts);
		copyh(req, "webhook-signature", g->wh_sig, sizeof g->wh_sig);
		copyh(req, "Stripe-Signature", g->stripe_sig, sizeof g->stripe_sig);
	}
	pthread_mutex_unlock(&rmu);
	seam_http_reply(req, status, "text/plain", status == 200 ? "[accepted]" : "no", status == 200 ? 10 : 2);
}

static const seam_route_t recv_routes[] = {
	{"POST", "/webhooks/*", receive, NULL, SEAM_ROUTE_RAW_BODY | SEAM_ROUTE_OPEN, "receiver", NULL, NULL},
};

static seam_http_server_t *recv_srv;
static seam_http_opts_t recv_opts;

static void reset_received(void)
{
	pthread_mutex_lock(&rmu);
	for (int i = 0; i < ngot; i++)
		free(got[i].body);
	ngot = 0;
	fail_next = 0;
	pthread_mutex_unlock(&rmu);
}

/* Waits until at least n requests arrived. */
static int wait_received(int n, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		pthread_mutex_lock(&rmu);
		int have = ngot;
		pthread_mutex_unlock(&rmu);
		if (have >= n)
			return have;
		seam_sleep_ms(20);
	}
	pthread_mutex_lock(&rmu);
	int have = ngot;
	pthread_mutex_unlock(&rmu);
	return have;
}

/* ---- the simulator process ---- */

static char dir[64], cfgp[128], logp[128];
static char url_drupal[64], url_erp[64], url_pim[64], url_psp[64], url_tax[64];
static pid_t pid;

static int find_url(const char *log, const char *name, char *out)
{
	char key[32];
	snprintf(key, sizeof key, "sim: %s ", name);
	const char *p = log ? strstr(log, key) : NULL;
	if (!p)
		return -1;
	p += strlen(key);
	size_t n = strcspn(p, "\n");
	snprintf(out, 64, "%.*s", (int)n, p);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	recv_opts = (seam_http_opts_t){.listen = "127.0.0.1:0", .routes = recv_routes, .nroutes = 1,
				       .threads = 4};
	seam_error_t err = {0};
	if (seam_http_start(&recv_opts, &recv_srv, &err) != SEAM_OK) {
		fprintf(stderr, "receiver: %s\n", err.msg);
		return -1;
	}
	int rport = seam_http_port(recv_srv);
	th_tmpdir(dir);
	snprintf(cfgp, sizeof cfgp, "%s/sim.yaml", dir);
	snprintf(logp, sizeof logp, "%s/sim.log", dir);
	int pd = th_free_port(), pe = th_free_port(), pp = th_free_port(), ps = th_free_port();
	char text[4096];
	snprintf(text, sizeof text,
		 "seed: 77\n"
		 "drupal:\n"
		 "  listen: 127.0.0.1:%d\n"
		 "  user: seam\n"
		 "  password: {env: SEAM_T_SIM_DRUPAL_PASSWORD}\n"
		 "  products: 30\n"
		 "  variations: 2\n"
		 "  orders: 5\n"
		 "  workflow: order_fulfillment\n"
		 "  stores: [{seam_store: us, currency: USD}]\n"
		 "  events: {url: 'http://127.0.0.1:%d', secret: %s, attempts: 3, backoff: [50ms]}\n"
		 "erp:\n"
		 "  listen: 127.0.0.1:%d\n"
		 "  client_id: seam\n"
		 "  client_secret: erp-secret\n"
		 "pim: {listen: '127.0.0.1:0', products: 10, models: 3}\n"
		 "psp:\n"
		 "  listen: 127.0.0.1:%d\n"
		 "  stripe: {url: 'http://127.0.0.1:%d/webhooks/stripe/{store}', secret: %s}\n"
		 "  adyen: {url: 'http://127.0.0.1:%d/webhooks/adyen/{store}', hmac_key: %s, merchant_account: M}\n"
		 "  attempts: 4\n"
		 "  backoff: [50ms, 100ms]\n"
		 "tax: {listen: '127.0.0.1:%d', account_id: a, license_key: l}\n",
		 pd, rport, STD_SECRET, pe, pp, rport, STRIPE_SECRET, rport, ADYEN_KEY, ps);
	th_write_file(cfgp, text);
	setenv("SEAM_T_SIM_DRUPAL_PASSWORD", "pw", 1);
	char *argv[] = {(char *)th_sim_bin(), "-c", cfgp, NULL};
	pid = th_spawn(argv, logp);
	if (pid < 0)
		return -1;
	for (int i = 0; i < 100; i++) {
		char *log = th_read_file(logp);
		int ok = log && find_url(log, "tax", url_tax) == 0;
		if (ok) {
			find_url(log, "drupal", url_drupal);
			find_url(log, "erp", url_erp);
			find_url(log, "pim", url_pim);
			find_url(log, "psp", url_psp);
		}
		free(log);
		if (ok)
			return 0;
		seam_sleep_ms(50);
	}
	fprintf(stderr, "seam-sim did not print its lines\n");
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	if (pid > 0)
		th_stop(pid, SIGTERM, 5000);
	seam_http_stop(recv_srv, 1000);
	reset_received();
	th_rmrf(dir);
	curl_global_cleanup();
	return 0;
}

static json_t *get_json(const char *method, const char *url, const char *const *h, const char *body,
			long *status)
{
	th_resp_t r;
	th_http(method, url, h, body, body ? strlen(body) : 0, &r);
	*status = r.status;
	json_t *j = json_loads(r.body, 0, NULL);
	th_resp_free(&r);
	return j;
}

static void test_lines_and_jsonapi(void **state)
{
	(void)state;
	char *log = th_read_file(logp);
	assert_non_null(strstr(log, "sim: drupal http://127.0.0.1:"));
	assert_non_null(strstr(log, "sim: pim http://127.0.0.1:")); /* port 0: the real port shows */
	assert_null(strstr(log, "127.0.0.1:0\n"));
	free(log);
	char url[256];
	snprintf(url, sizeof url, "%s/jsonapi/commerce_product_variation/default?page%%5Blimit%%5D=500", url_drupal);
	th_resp_t r;
	assert_int_equal(th_http("GET", url, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	char ct[64];
	assert_int_equal(th_resp_header(&r, "Content-Type", ct, sizeof ct), 0);
	assert_string_equal(ct, "application/vnd.api+json");
	json_t *doc = json_loads(r.body, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(doc, "data")), 50);
	const char *next = json_string_value(json_object_get(json_object_get(json_object_get(doc, "links"), "next"), "href"));
	assert_non_null(next);
	assert_int_equal(strncmp(next, url_drupal, strlen(url_drupal)), 0); /* links use the real host */
	json_decref(doc);
	th_resp_free(&r);
	/* credentials from the environment */
	const char *h[] = {"Authorization: Basic c2VhbTpwdw==", NULL}; /* seam:pw */
	snprintf(url, sizeof url, "%s/jsonapi/commerce_order/default", url_drupal);
	long st;
	doc = get_json("GET", url, h, NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(doc, "data")), 5);
	json_decref(doc);
}

static int stripe_valid(const got_t *g)
{
	long long t = strtoll(g->stripe_sig + 2, NULL, 10);
	char ts[32], hex[65], want[128];
	uint8_t mac[32];
	snprintf(ts, sizeof ts, "%lld", t);
	const void *parts[] = {ts, ".", g->body};
	size_t lens[] = {strlen(ts), 1, strlen(g->body)};
	seam_hmac_sha256_parts(STRIPE_SECRET, strlen(STRIPE_SECRET), parts, lens, 3, mac);
	seam_hex_encode(mac, 32, hex);
	snprintf(want, sizeof want, "t=%s,v1=%s", ts, hex);
	return !strcmp(want, g->stripe_sig);
}

static int std_valid(const got_t *g)
{
	uint8_t key[64], mac[32];
	const char *b64 = STD_SECRET + 6;
	long kl = seam_base64_decode(b64, strlen(b64), key, sizeof key);
	const void *parts[] = {g->wh_id, ".", g->wh_ts, ".", g->body};
	size_t lens[] = {strlen(g->wh_id), 1, strlen(g->wh_ts), 1, strlen(g->body)};
	seam_hmac_sha256_parts(key, (size_t)kl, parts, lens, 5, mac);
	char enc[64], want[80];
	seam_base64_encode(mac, 32, enc);
	snprintf(want, sizeof want, "v1,%s", enc);
	return !strcmp(want, g->wh_sig);
}

static void test_psp_signed_duplicates_and_retries(void **state)
{
	(void)state;
	reset_received();
	char url[256];
	long st;
	snprintf(url, sizeof url, "%s/_sim/psp/payments", url_psp);
	json_t *j = get_json("POST", url, NULL,
			     "{\"provider\":\"stripe\",\"store\":\"us\",\"order_uuid\":\"o-1\",\"amount\":\"12.34\",\"currency\":\"USD\",\"remote_id\":\"pi_e2e\"}",
			     &st);
	assert_int_equal(st, 201);
	json_decref(j);
	snprintf(url, sizeof url, "%s/_sim/psp/payments/pi_e2e/events", url_psp);
	j = get_json("POST", url, NULL, "{\"type\":\"capture\",\"copies\":2,\"concurrent\":true}", &st);
	assert_int_equal(st, 202);
	json_decref(j);
	assert_int_equal(wait_received(2, 5000), 2);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(got[i].path, "/webhooks/stripe/us");
		assert_true(stripe_valid(&got[i]));
		assert_non_null(strstr(got[i].body, "\"payment_intent.succeeded\""));
		assert_non_null(strstr(got[i].body, "\"order_uuid\":\"o-1\""));
	}
	json_t *a = json_loads(got[0].body, 0, NULL), *b = json_loads(got[1].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(a, "id")), json_string_value(json_object_get(b, "id")));
	json_decref(a);
	json_decref(b);

	/* a 500 answer is retried until a 2xx */
	reset_received();
	pthread_mutex_lock(&rmu);
	fail_next = 2;
	pthread_mutex_unlock(&rmu);
	j = get_json("POST", url, NULL, "{\"type\":\"refund\"}", &st);
	assert_int_equal(st, 202);
	json_decref(j);
	assert_int_equal(wait_received(3, 5000), 3);
	assert_string_equal(got[0].body, got[2].body);
	assert_true(stripe_valid(&got[2]));

	/* Adyen: per-item HMAC with the hex key */
	reset_received();
	snprintf(url, sizeof url, "%s/_sim/psp/payments", url_psp);
	j = get_json("POST", url, NULL,
		     "{\"provider\":\"adyen\",\"store\":\"eu\",\"order_uuid\":\"o-2\",\"amount\":\"11.30\",\"currency\":\"EUR\",\"remote_id\":\"7914073381342284\",\"merchant_reference\":\"TestPayment-1407325143704\"}",
		     &st);
	json_decref(j);
	snprintf(url, sizeof url, "%s/_sim/psp/payments/7914073381342284/events", url_psp);
	j = get_json("POST", url, NULL, "{\"type\":\"authorize\"}", &st);
	json_decref(j);
	assert_int_equal(wait_received(1, 5000), 1);
	assert_string_equal(got[0].path, "/webhooks/adyen/eu");
	/* merchant account "M" here: recompute the docs vector's string with it */
	uint8_t key[32], mac[32];
	seam_hex_decode(ADYEN_KEY, 64, key, sizeof key);
	const char *s = "7914073381342284::M:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true";
	seam_hmac_sha256(key, 32, s, strlen(s), mac);
	char want[64];
	seam_base64_encode(mac, 32, want);
	assert_non_null(strstr(got[0].body, want));
}

static void test_drupal_events_signed(void **state)
{
	(void)state;
	reset_received();
	char url[256];
	long st;
	snprintf(url, sizeof url, "%s/_sim/drupal/orders", url_drupal);
	json_t *j = get_json("POST", url, NULL, "{\"count\":3}", &st);
	assert_int_equal(st, 201);
	json_decref(j);
	assert_int_equal(wait_received(3, 5000), 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(got[i].path, "/webhooks/drupal/us");
		assert_int_equal(strncmp(got[i].wh_id, "msg_", 4), 0);
		assert_true(std_valid(&got[i]));
		assert_non_null(strstr(got[i].body, "\"type\":\"order.placed\""));
		assert_non_null(strstr(got[i].body, "\"workflow\":\"order_fulfillment\""));
	}
}

static void test_drop_after_commit_and_timeout(void **state)
{
	(void)state;
	char url[512], bearer[160];
	long st;
	snprintf(url, sizeof url, "%s/oauth2/v2.0/token", url_erp);
	json_t *j = get_json("POST", url, NULL, "grant_type=client_credentials&client_id=seam&client_secret=erp-secret", &st);
	assert_int_equal(st, 200);
	snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", json_string_value(json_object_get(j, "access_token")));
	json_decref(j);
	const char *h[] = {bearer, "Content-Type: application/json", NULL};
	snprintf(url, sizeof url, "%s/api/v2.0/companies", url_erp);
	j = get_json("GET", url, h, NULL, &st);
	char co[64];
	snprintf(co, sizeof co, "%s", json_string_value(json_object_get(json_array_get(json_object_get(j, "value"), 0), "id")));
	json_decref(j);
	snprintf(url, sizeof url, "%s/_sim/faults", url_erp);
	j = get_json("POST", url, NULL, "{\"kind\":\"drop_after_commit\",\"method\":\"POST\",\"path\":\"/api/\",\"times\":1}", &st);
	assert_int_equal(st, 201);
	json_decref(j);
	snprintf(url, sizeof url, "%s/api/v2.0/companies(%s)/salesOrders", url_erp, co);
	const char *so = "{\"customerNumber\":\"WEB\",\"externalDocumentNumber\":\"E2E-1\",\"salesOrderLines\":[{\"lineType\":\"Item\",\"lineObjectNumber\":\"SKU-000001\",\"quantity\":1}]}";
	th_resp_t r;
	assert_int_equal(th_http("POST", url, h, so, strlen(so), &r), -1);
	assert_int_equal(r.curl_code, CURLE_GOT_NOTHING); /* closed without an answer */
	th_resp_free(&r);
	snprintf(url, sizeof url, "%s/api/v2.0/companies(%s)/salesOrders?%%24filter=externalDocumentNumber%%20eq%%20%%27E2E-1%%27", url_erp, co);
	j = get_json("GET", url, h, NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(j, "value")), 1); /* committed */
	json_decref(j);

	/* a timeout fault holds the answer past the client's patience */
	snprintf(url, sizeof url, "%s/_sim/faults", url_tax);
	j = get_json("POST", url, NULL, "{\"kind\":\"timeout\",\"ms\":1500,\"times\":1}", &st);
	json_decref(j);
	CURL *c = curl_easy_init();
	snprintf(url, sizeof url, "%s/api/v2/utilities/ping", url_tax);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	FILE *devnull = fopen("/dev/null", "w");
	curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
	int64_t t0 = seam_mono_ns();
	assert_int_equal(curl_easy_perform(c), CURLE_OPERATION_TIMEDOUT);
	TH_ASSERT_CMP((seam_mono_ns() - t0) / 1000000, <, 1200);
	curl_easy_cleanup(c);
	fclose(devnull);
	/* the call is recorded once the double answered anyway */
	seam_sleep_ms(1500);
	snprintf(url, sizeof url, "%s/_sim/calls?path=/api/v2/utilities", url_tax);
	j = get_json("GET", url, NULL, NULL, &st);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "calls"), 0), "fault")), "timeout");
	json_decref(j);
}

static void *slow_call(void *arg)
{
	th_resp_t r;
	th_http("GET", arg, NULL, NULL, 0, &r);
	th_resp_free(&r);
	return NULL;
}

/* SIGTERM while a handler sleeps in a 60 s timeout fault: the process still stops promptly. */
static void test_sigterm_stops_cleanly(void **state)
{
	(void)state;
	char url[256];
	long st;
	snprintf(url, sizeof url, "%s/_sim/faults", url_tax);
	json_t *j = get_json("POST", url, NULL, "{\"kind\":\"timeout\",\"ms\":60000}", &st);
	json_decref(j);
	static char slow[256];
	snprintf(slow, sizeof slow, "%s/api/v2/utilities/ping", url_tax);
	pthread_t th;
	pthread_create(&th, NULL, slow_call, slow);
	seam_sleep_ms(300);
	int64_t t0 = seam_mono_ns();
	int status = th_stop(pid, SIGTERM, 10000);
	int64_t ms = (seam_mono_ns() - t0) / 1000000;
	pid = -1;
	pthread_join(th, NULL);
	print_message("stopped in %lld ms\n", (long long)ms);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	TH_ASSERT_CMP(ms, <, 5000);
	char *log = th_read_file(logp);
	assert_non_null(strstr(log, "seam-sim: SIGTERM, stopping"));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_and_jsonapi),
		cmocka_unit_test(test_psp_signed_duplicates_and_retries),
		cmocka_unit_test(test_drupal_events_signed),
		cmocka_unit_test(test_drop_after_commit_and_timeout),
		cmocka_unit_test(test_sigterm_stops_cleanly),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
