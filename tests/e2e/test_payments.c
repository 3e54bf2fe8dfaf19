/*
 * End-to-end proof of the payment-events flow on the real binaries: `seam-sim`
 * (Drupal Commerce double with the seam_bridge endpoint, and the payment provider sending
 * signed Stripe and Adyen webhooks) and `seam serve`.
 *
 * Scenarios, each with every event delivered 5 times concurrently:
 *   - authorize then capture (Stripe)                 -> completed, total_paid = total
 *   - authorize, capture, partial refund, full refund held and released SHUFFLED (Stripe)
 *                                                     -> refunded, refunded = amount, paid 0
 *   - the same with Adyen's incremental notifications -> refunded
 *   - a failed payment                                -> no payment in Drupal, recorded
 *   - kill -9 of seam while a shuffled batch is being delivered, restart: the provider
 *     retries what was not acknowledged                -> refunded, nothing applied twice
 * "Applied once" is checked on Drupal's side: one payment per remote id, exact amounts, and
 * the bridge saw one idempotency key per effect (capture, each refund).
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
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define STRIPE_SECRET "whsec_e2e_payments_stripe"
#define ADYEN_KEY "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
#define DRUPAL_PW "e2e-drupal-pass"

static char dir[64], sim_log[128];
static char drupal_url[64], psp_url[64];
static th_seam_t sm;
static pid_t sim_pid;

static int setup(void **state)
{
	char text[3000];
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	setenv("T_STRIPE", STRIPE_SECRET, 1);
	setenv("T_ADYEN", ADYEN_KEY, 1);
	setenv("T_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("T_EVENTS", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
	char simcfg[128];
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 7\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  workflow: order_default\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}]\n"
		 "  gateways: [{id: stripe, label: Stripe, plugin: stripe, mode: test, payment_type: payment_default}]\n"
		 "  products: 5\n  variations: 1\n  customers: 2\n  orders: 0\n"
		 "  events: {url: %s, secret: {env: T_EVENTS}, drop_rate: 1.0}\n"
		 "psp:\n  listen: 127.0.0.1:0\n  store: us\n"
		 "  stripe: {url: '%s/webhooks/stripe/{store}', secret: {env: T_STRIPE}}\n"
		 "  adyen: {url: '%s/webhooks/adyen/{store}', hmac_key: {env: T_ADYEN}}\n"
		 "  attempts: 12\n  backoff: [200ms, 300ms, 500ms, 800ms, 1s]\n  timeout: 5s\n",
		 sm.base, sm.base, sm.base);
	th_write_file(simcfg, text);
	char urls[2][64];
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "psp", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(psp_url, sizeof psp_url, "%s", urls[1]);
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info}\n"
		 "queue: {workers: 4, lease: 3s, backoff_base: 100ms, backoff_cap: 1s, max_attempts: 30}\n"
		 "upstreams:\n  drupal:\n    base_url: %s\n    timeout: 5s\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "stores:\n  us:\n    stripe_secrets: [{env: T_STRIPE}]\n    adyen_hmac_keys: [{env: T_ADYEN}]\n"
		 "    drupal: {upstream: drupal, payment_gateway: stripe, poll_interval: 0s}\n"
		 "payment_events:\n  stripe:\n    charge.succeeded: captured\n"
		 "    payment_intent.canceled: ignored\n",
		 sm.port, sm.db_url, drupal_url);
	return th_seam_start(&sm, 10000);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, sim_pid, 10000, dir);
	return 0;
}

/* A JSON call to base + path as the storefront's integration account. */
static json_t *call(const char *method, const char *base, const char *path, const char *body,
		    long *status)
{
	char u[512], auth[128], b64[128];
	seam_base64_encode("seam:" DRUPAL_PW, strlen("seam:" DRUPAL_PW), b64);
	snprintf(auth, sizeof auth, "Authorization: Basic %s", b64);
	snprintf(u, sizeof u, "%s%s", base, path);
	return th_json(method, u, (const char *[]){auth, "Content-Type: application/json", NULL}, body,
		       status);
}

/* A placed order in the Drupal double; its uuid and total. */
static void new_order(char uuid[64], char total[32])
{
	long st;
	json_t *d = call("POST", drupal_url, "/_sim/drupal/orders", "{\"count\":1,\"store\":\"us\",\"items\":2}", &st);
	assert_in_range(st, 200, 201);
	json_t *o = json_array_get(json_object_get(d, "orders"), 0);
	snprintf(uuid, 64, "%s", json_string_value(json_object_get(o, "uuid")));
	snprintf(total, 32, "%s", json_string_value(json_object_get(json_object_get(o, "total"), "number")));
	json_decref(d);
}

static void new_payment(const char *provider, const char *order, const char *total, char id[64])
{
	char body[512];
	long st;
	snprintf(body, sizeof body, "{\"provider\":\"%s\",\"store\":\"us\",\"order_uuid\":\"%s\",\"amount\":\"%s\",\"currency\":\"USD\"}",
		 provider, order, total);
	json_t *d = call("POST", psp_url, "/_sim/psp/payments", body, &st);
	assert_in_range(st, 200, 201);
	snprintf(id, 64, "%s", json_string_value(json_object_get(d, "id")));
	json_decref(d);
}

static void event(const char *pid, const char *type, const char *amount, int hold)
{
	char path[160], body[256];
	long st;
	snprintf(path, sizeof path, "/_sim/psp/payments/%s/events", pid);
	snprintf(body, sizeof body, "{\"type\":\"%s\"%s%s%s,\"copies\":5,\"concurrent\":true%s}", type,
		 amount ? ",\"amount\":\"" : "", amount ? amount : "", amount ? "\"" : "",
		 hold ? ",\"hold\":true" : "");
	json_decref(call("POST", psp_url, path, body, &st));
	TH_ASSERT_CMP(st, >=, 200);
	TH_ASSERT_CMP(st, <, 300);
}

static void release(void)
{
	long st;
	json_decref(call("POST", psp_url, "/_sim/deliveries/release", "{\"shuffle\":true}", &st));
	TH_ASSERT_CMP(st, >=, 200);
	TH_ASSERT_CMP(st, <, 300);
}

/* The Drupal payments with this remote id (JSON:API), as a new array. */
static json_t *payments(const char *remote)
{
	char path[256];
	long st;
	snprintf(path, sizeof path, "/jsonapi/commerce_payment/payment_default?filter%%5Bremote_id%%5D=%s", remote);
	json_t *d = call("GET", drupal_url, path, NULL, &st);
	json_t *data = json_incref(json_object_get(d, "data"));
	json_decref(d);
	return data ? data : json_array();
}

static const char *attr(json_t *res, const char *k)
{
	return json_string_value(json_object_get(json_object_get(res, "attributes"), k));
}

static const char *money(json_t *res, const char *k)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(res, "attributes"), k), "number"));
}

/* Waits until the payment is in `state` with refunded `refunded` (NULL: any). */
static json_t *wait_state(const char *remote, const char *state, const char *refunded, int ms)
{
	for (int w = 0; w < ms; w += 200) {
		json_t *p = payments(remote);
		json_t *one = json_array_get(p, 0);
		if (one && attr(one, "state") && !strcmp(attr(one, "state"), state) &&
		    (!refunded || (money(one, "refunded_amount") && !strcmp(money(one, "refunded_amount"), refunded))))
			return p;
		json_decref(p);
		seam_sleep_ms(200);
	}
	json_t *p = payments(remote);
	char *s = json_dumps(p, JSON_COMPACT);
	fprintf(stderr, "payment %s never reached %s/%s: %.600s\n", remote, state, refunded ? refunded : "-", s);
	free(s);
	return NULL;
}

static void order_paid(const char *order, char out[32])
{
	char path[200];
	long st;
	snprintf(path, sizeof path, "/jsonapi/commerce_order/default/%s", order);
	json_t *d = call("GET", drupal_url, path, NULL, &st);
	json_t *a = json_object_get(json_object_get(d, "data"), "attributes");
	snprintf(out, 32, "%s", json_string_value(json_object_get(json_object_get(a, "total_paid"), "number")) ?: "");
	json_decref(d);
}

/* Distinct idempotency keys the bridge saw for one transition of one payment. */
static int bridge_keys(const char *payment_uuid, const char *transition)
{
	char path[200];
	long st;
	snprintf(path, sizeof path, "/_sim/calls?method=POST&path=/seam/payment/%s&limit=10000", payment_uuid);
	json_t *d = call("GET", drupal_url, path, NULL, &st), *c;
	json_t *keys = json_object();
	size_t i;
	json_array_foreach(json_object_get(d, "calls"), i, c) {
		json_t *b = json_object_get(c, "body");
		json_t *body = json_is_string(b) ? json_loads(json_string_value(b), 0, NULL) : json_incref(b);
		const char *t = json_string_value(json_object_get(body, "transition"));
		const char *k = json_string_value(json_object_get(body, "idempotency_key"));
		if (t && k && !strcmp(t, transition))
			json_object_set_new(keys, k, json_true());
		json_decref(body);
	}
	int n = (int)json_object_size(keys);
	json_decref(keys);
	json_decref(d);
	return n;
}

static void test_authorize_then_capture(void **state)
{
	char order[64], total[32], pid[64], paid[32];
	(void)state;
	new_order(order, total);
	new_payment("stripe", order, total, pid);
	event(pid, "authorize", NULL, 0);
	json_t *p = wait_state(pid, "authorization", NULL, 15000);
	assert_non_null(p);
	json_decref(p);
	event(pid, "capture", NULL, 0);
	p = wait_state(pid, "completed", NULL, 15000);
	assert_non_null(p);
	assert_int_equal(json_array_size(p), 1); /* 10 deliveries, one payment */
	assert_string_equal(money(json_array_get(p, 0), "amount"), total);
	assert_int_equal(bridge_keys(json_string_value(json_object_get(json_array_get(p, 0), "id")), "capture"), 1);
	json_decref(p);
	order_paid(order, paid);
	assert_string_equal(paid, total);
}

static void refunds_shuffled(const char *provider, int kill_seam)
{
	char order[64], total[32], pid[64], paid[32];
	new_order(order, total);
	new_payment(provider, order, total, pid);
	event(pid, "authorize", NULL, 1);
	event(pid, "capture", NULL, 1);
	event(pid, "partial_refund", "10.00", 1);
	event(pid, "refund", NULL, 1);
	release();
	if (kill_seam) {
		/* Mid-delivery: some events are acknowledged, some jobs leased; nothing may be lost
		 * or doubled. The provider retries what got no 2xx. */
		seam_sleep_ms(150);
		th_seam_stop(&sm, SIGKILL, 2000);
		seam_sleep_ms(500);
		assert_int_equal(th_seam_start(&sm, 10000), 0);
	}
	json_t *p = wait_state(pid, "refunded", total, 40000);
	assert_non_null(p);
	json_t *one = json_array_get(p, 0);
	assert_int_equal(json_array_size(p), 1);
	assert_string_equal(money(one, "amount"), total);
	assert_string_equal(money(one, "refunded_amount"), total);
	const char *uuid = json_string_value(json_object_get(one, "id"));
	TH_ASSERT_CMP(bridge_keys(uuid, "capture"), <=, 1);
	TH_ASSERT_CMP(bridge_keys(uuid, "partially_refund"), <=, 1);
	assert_int_equal(bridge_keys(uuid, "refund"), 1);
	json_decref(p);
	order_paid(order, paid);
	TH_ASSERT_CMP(strtod(paid, NULL), ==, 0.0);
	assert_int_equal(paid[0], '0'); /* "0" or "0.00": nothing paid */
}

static void test_stripe_refunds_shuffled(void **state)
{
	(void)state;
	refunds_shuffled("stripe", 0);
}

static void test_adyen_refunds_shuffled(void **state)
{
	(void)state;
	refunds_shuffled("adyen", 0);
}

static void test_kill9_mid_delivery(void **state)
{
	(void)state;
	refunds_shuffled("stripe", 1);
}

static void test_failure_creates_nothing(void **state)
{
	char order[64], total[32], pid[64];
	(void)state;
	new_order(order, total);
	new_payment("stripe", order, total, pid);
	event(pid, "fail", NULL, 0);
	/* the event is applied as "recorded": wait for the job to finish, then check Drupal */
	seam_sleep_ms(2500);
	json_t *p = payments(pid);
	assert_int_equal(json_array_size(p), 0);
	json_decref(p);
}

/* Signs and posts a Stripe event to seam directly (for types the PSP double does not make). */
static void stripe_direct(const char *body)
{
	char u[128];
	assert_int_equal(th_stripe_post(th_seam_url(&sm, "/webhooks/stripe/us", u, sizeof u), STRIPE_SECRET,
					body), 200);
}

/* payment_events in the config: an event type the built-in table does not know is mapped by
 * the integrator and applied; a type they mark ignored changes nothing. */
static void test_integrator_event_mapping(void **state)
{
	char order[64], total[32], ev[1024], pi[64];
	(void)state;
	new_order(order, total);
	long minor = (long)(strtod(total, NULL) * 100 + 0.5);
	snprintf(pi, sizeof pi, "pi_map_%lld", (long long)seam_now_ms());
	snprintf(ev, sizeof ev,
		 "{\"id\":\"evt_cs_%s\",\"type\":\"charge.succeeded\",\"created\":%lld,\"data\":{\"object\":"
		 "{\"object\":\"charge\",\"id\":\"ch_%s\",\"payment_intent\":\"%s\",\"amount\":%ld,"
		 "\"amount_captured\":%ld,\"amount_refunded\":0,\"currency\":\"usd\",\"status\":\"succeeded\","
		 "\"metadata\":{\"order_uuid\":\"%s\"}}}}",
		 pi, (long long)(seam_now_ms() / 1000), pi, pi, minor, minor, order);
	stripe_direct(ev);
	json_t *p = wait_state(pi, "completed", NULL, 15000);
	assert_non_null(p);
	assert_string_equal(money(json_array_get(p, 0), "amount"), total);
	json_decref(p);
	/* canceled is ignored by this integrator's mapping: the payment stays completed */
	snprintf(ev, sizeof ev,
		 "{\"id\":\"evt_pc_%s\",\"type\":\"payment_intent.canceled\",\"data\":{\"object\":"
		 "{\"object\":\"payment_intent\",\"id\":\"%s\",\"amount\":%ld,\"currency\":\"usd\","
		 "\"metadata\":{\"order_uuid\":\"%s\"}}}}",
		 pi, pi, minor, order);
	stripe_direct(ev);
	seam_sleep_ms(1500);
	p = payments(pi);
	assert_string_equal(attr(json_array_get(p, 0), "state"), "completed");
	json_decref(p);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authorize_then_capture),
		cmocka_unit_test(test_stripe_refunds_shuffled),
		cmocka_unit_test(test_adyen_refunds_shuffled),
		cmocka_unit_test(test_failure_creates_nothing),
		cmocka_unit_test(test_integrator_event_mapping),
		cmocka_unit_test(test_kill9_mid_delivery),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
