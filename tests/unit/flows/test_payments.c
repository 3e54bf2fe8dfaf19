/* test_payments.c: the payment.apply handler (src/flows/payments.c) run as a job against a
 * scripted storefront (flowtest.h), with provider events put in the inbox as webhook ingress
 * stores them. Stripe delivers out of order: the refund overtakes the payment it refunds, so
 * the first event creates the completed payment and partially refunds it (a refund implies
 * its capture), with the bridge's idempotency key from business identity; the capture that
 * arrives late is recorded and changes nothing in Drupal. An event whose order Drupal does
 * not show yet is retried, not dead-lettered. */
#include "tests/unit/flows/flowtest.h"

#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "flows/payments.h"

#define ORDER_UUID "5bdfd1e8-dfad-41ac-a514-1b58d123e678"
#define PAY_UUID "8063751b-528d-4d1e-812a-5f967abedf21"
#define PI "pi_3QPdyL2eZvKYlo2C0Xk4vFqa"
#define JSON_CT "application/json"

/* A Stripe event around one data.object, as the API (2024-06-20) sends it. */
static char *stripe_event(const char *id, const char *type, const char *object)
{
	char *s = NULL;
	if (asprintf(&s,
		     "{\"id\":\"%s\",\"object\":\"event\",\"api_version\":\"2024-06-20\","
		     "\"created\":1732636272,\"livemode\":false,\"type\":\"%s\","
		     "\"data\":{\"object\":%s}}",
		     id, type, object) < 0)
		abort();
	return s;
}

#define PI_SUCCEEDED                                                                          \
	"{\"id\":\"" PI "\",\"object\":\"payment_intent\",\"amount\":3998,"                       \
	"\"amount_capturable\":0,\"amount_received\":3998,\"capture_method\":\"automatic\","    \
	"\"currency\":\"usd\",\"latest_charge\":\"ch_3QPdyL2eZvKYlo2C0b1WjT9c\","                \
	"\"metadata\":{\"order_id\":\"1002\",\"order_uuid\":\"" ORDER_UUID "\"},"                 \
	"\"status\":\"succeeded\",\"created\":1732636270,\"livemode\":false}"

/* A refund of 10.00 of 39.98 (Stripe's totals: cumulative). */
#define CHARGE_REFUNDED                                                                       \
	"{\"id\":\"ch_3QPdyL2eZvKYlo2C0b1WjT9c\",\"object\":\"charge\",\"amount\":3998,"          \
	"\"amount_captured\":3998,\"amount_refunded\":1000,\"captured\":true,"                  \
	"\"currency\":\"usd\",\"payment_intent\":\"" PI "\","                                     \
	"\"metadata\":{\"order_id\":\"1002\",\"order_uuid\":\"" ORDER_UUID "\"},"                 \
	"\"paid\":true,\"refunded\":false,\"status\":\"succeeded\"}"

#define ORDER_DOC                                                                             \
	"{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"" ORDER_UUID "\","              \
	"\"attributes\":{\"order_number\":\"1002\",\"state\":\"completed\",\"total_price\":"      \
	"{\"number\":\"39.98\",\"currency_code\":\"USD\"}}}}"

/* The payment as JSON:API shows it, in a state with a refunded amount. */
static char *payment_res(const char *state, const char *refunded)
{
	char *s = NULL;
	if (asprintf(&s,
		     "{\"type\":\"commerce_payment--payment_default\",\"id\":\"" PAY_UUID "\","
		     "\"attributes\":{\"payment_gateway_mode\":\"test\",\"remote_id\":\"" PI "\","
		     "\"remote_state\":\"succeeded\",\"amount\":{\"number\":\"39.98\",\"currency_code\":"
		     "\"USD\"},\"refunded_amount\":{\"number\":\"%s\",\"currency_code\":\"USD\"},"
		     "\"state\":\"%s\"}}",
		     refunded, state) < 0)
		abort();
	return s;
}

typedef struct pfx {
	ft_t f;
	seam_flow_payments_t *fp;
} pfx_t;

/* Drupal's answer to the payment create: the payment, completed, nothing refunded. */
static void push_created(pfx_t *x)
{
	char *res = payment_res("completed", "0"), *doc = NULL;
	if (asprintf(&doc, "{\"data\":%s}", res) < 0)
		abort();
	th_mock_push(x->f.drupal_mk, 201, doc, NULL, 0, NULL, NULL);
	free(doc);
	free(res);
}

static int pfx_setup(void **state)
{
	pfx_t *x = calloc(1, sizeof *x);
	seam_error_t err = {0};
	ft_open(&x->f);
	ft_env(&x->f, &seam_flow_payments);
	if (seam_flow_payments_create(&x->f.fenv, &x->fp, &err) != SEAM_OK) {
		fprintf(stderr, "payments flow: %s\n", err.msg);
		return -1;
	}
	ft_register(&x->f, &seam_flow_payments, x->fp);
	*state = x;
	return 0;
}

static int pfx_teardown(void **state)
{
	pfx_t *x = *state;
	ft_stop(&x->f);
	seam_flow_payments_destroy(x->fp);
	ft_close(&x->f);
	free(x);
	return 0;
}

/* Stores a Stripe event for store us in the inbox and enqueues its payment.apply job, as
 * ingress does on a verified webhook. body is freed. */
static void deliver(pfx_t *x, const char *event_id, const char *type, char *body, char id[37])
{
	char payload[160];
	seam_db_t *db = seam_store_acquire(x->f.env.st);
	seam_error_t err = {0};
	char inbox_id[SEAM_UUID_STR_LEN], now[24];
	seam_id_new(inbox_id);
	snprintf(now, sizeof now, "%lld", (long long)FT_T0);
	if (seam_db_run(db, "INSERT INTO inbox (id, provider, source, event_id, event_type, body, headers, "
			"received_at) VALUES ($1, 'stripe', 'us', $2, $3, $4, '{}', $5)",
			(const char *[]){inbox_id, event_id, type, body, now}, 5, NULL, &err) != SEAM_OK)
		fail_msg("inbox: %s", err.msg);
	seam_store_release(x->f.env.st, db);
	free(body);
	snprintf(payload, sizeof payload, "{\"provider\":\"stripe\",\"source\":\"us\",\"event_id\":\"%s\"}",
		 event_id);
	char dedup[96];
	snprintf(dedup, sizeof dedup, "stripe:us:%s", event_id);
	ft_enqueue(&x->f, SEAM_JOB_PAYMENT_APPLY, SEAM_FLOW_PAYMENTS, dedup, payload, id);
}

static char *event_col(pfx_t *x, const char *event_id, const char *col, char *out, size_t cap)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT %s FROM payment_events WHERE provider = 'stripe' AND event_id = $1", col);
	return qt_text(x->f.env.st, sql, event_id, out, cap);
}

static void test_refund_before_capture(void **state)
{
	pfx_t *x = *state;
	char id[37], buf[512], st[16], *res;

	/* 1. The refund arrives first: no payment in Drupal yet. */
	th_mock_push(x->f.drupal_mk, 200, ORDER_DOC, NULL, 0, NULL, NULL);
	th_mock_push(x->f.drupal_mk, 200, "{\"data\":[]}", NULL, 0, NULL, NULL);
	push_created(x);
	th_mock_push(x->f.drupal_mk, 200,
		     "{\"uuid\":\"" PAY_UUID "\",\"state\":\"partially_refunded\",\"amount\":\"39.98\","
		     "\"refunded_amount\":\"10.00\",\"remote_id\":\"" PI "\",\"replayed\":false}",
		     JSON_CT, 0, NULL, NULL);
	deliver(x, "evt_refund", "charge.refunded", stripe_event("evt_refund", "charge.refunded", CHARGE_REFUNDED), id);
	ft_start(&x->f);
	assert_string_equal(ft_wait_attempts(&x->f, id, 1, st), "succeeded");
	assert_int_equal(th_mock_nseen(x->f.drupal_mk), 4);
	assert_string_equal(ft_seen(x->f.drupal_mk, 0)->path, "/jsonapi/commerce_order/default/" ORDER_UUID);
	assert_string_equal(ft_seen(x->f.drupal_mk, 1)->path, "/jsonapi/commerce_payment/payment_default");
	assert_string_equal(ft_seen(x->f.drupal_mk, 1)->query, "filter[remote_id]=" PI);
	/* Created completed for the captured 39.98 (the refund implies its capture) ... */
	const th_mock_seen_t *c = ft_seen(x->f.drupal_mk, 2);
	assert_string_equal(c->method, "POST");
	assert_string_equal(c->path, "/jsonapi/commerce_payment/payment_default");
	json_t *body = json_loads(c->body, 0, NULL);
	json_t *attrs = json_object_get(json_object_get(body, "data"), "attributes");
	assert_string_equal(json_string_value(json_object_get(attrs, "state")), "completed");
	assert_string_equal(json_string_value(json_object_get(json_object_get(attrs, "amount"), "number")), "39.98");
	assert_string_equal(json_string_value(json_object_get(attrs, "remote_id")), PI);
	json_decref(body);
	/* ... then partially refunded by 10.00 through the bridge, keyed by business identity. */
	const th_mock_seen_t *t = ft_seen(x->f.drupal_mk, 3);
	assert_string_equal(t->method, "POST");
	assert_string_equal(t->path, "/seam/payment/" PAY_UUID "/transition");
	body = json_loads(t->body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(body, "transition")), "partially_refund");
	assert_string_equal(json_string_value(json_object_get(json_object_get(body, "amount"), "number")), "10.00");
	char key[65];
	const char *k = "stripe:" PI ":partially_refund:3998:1000";
	seam_sha256_hex(k, strlen(k), key);
	assert_string_equal(json_string_value(json_object_get(body, "idempotency_key")), key);
	assert_string_equal(t->idem, key);
	json_decref(body);
	assert_string_equal(event_col(x, "evt_refund", "outcome", buf, sizeof buf), "plan");
	assert_string_equal(qt_text(x->f.env.st, "SELECT state || ' ' || refunded FROM payment_refs WHERE remote_id = $1",
				    PI, buf, sizeof buf), "partially_refunded 10.00");

	/* 2. The capture arrives late: Drupal already shows more than it says. Read, recorded,
	 * nothing written. */
	th_mock_push(x->f.drupal_mk, 200, ORDER_DOC, NULL, 0, NULL, NULL);
	res = payment_res("partially_refunded", "10.00");
	char *list = NULL;
	if (asprintf(&list, "{\"data\":[%s]}", res) < 0)
		abort();
	th_mock_push(x->f.drupal_mk, 200, list, NULL, 0, NULL, NULL);
	free(list);
	free(res);
	deliver(x, "evt_capture", "payment_intent.succeeded",
		stripe_event("evt_capture", "payment_intent.succeeded", PI_SUCCEEDED), id);
	assert_string_equal(ft_wait_attempts(&x->f, id, 1, st), "succeeded");
	assert_int_equal(th_mock_nseen(x->f.drupal_mk), 6);
	assert_string_equal(ft_seen(x->f.drupal_mk, 4)->method, "GET");
	assert_string_equal(ft_seen(x->f.drupal_mk, 5)->method, "GET");
	assert_string_equal(event_col(x, "evt_capture", "outcome", buf, sizeof buf), "record_only");
	assert_non_null(strstr(event_col(x, "evt_capture", "detail", buf, sizeof buf), "late"));
	assert_string_equal(ft_timeline(&x->f, ORDER_UUID, buf, sizeof buf), "payment.applied,payment.recorded");
	TH_ASSERT_CMP(seam_metric_get(x->f.m, SEAM_M_PAYMENT_EVENTS, (const char *[]){"stripe", "plan"}), ==, 1);
	TH_ASSERT_CMP(seam_metric_get(x->f.m, SEAM_M_PAYMENT_EVENTS, (const char *[]){"stripe", "record_only"}), ==, 1);
}

/* The provider is faster than the storefront: Drupal does not show the order yet. The job is
 * retried with backoff (the order will come), not dead-lettered, and applies once it does. */
static void test_order_not_visible_yet_retried(void **state)
{
	pfx_t *x = *state;
	char id[37], buf[512], st[16];
	/* Both attempts' answers up front: a backoff of 0 brings attempt 2 at once. */
	th_mock_push(x->f.drupal_mk, 404, "{\"errors\":[{\"status\":\"404\",\"title\":\"Not Found\"}]}",
		     NULL, 0, NULL, NULL);
	th_mock_push(x->f.drupal_mk, 200, ORDER_DOC, NULL, 0, NULL, NULL);
	th_mock_push(x->f.drupal_mk, 200, "{\"data\":[]}", NULL, 0, NULL, NULL);
	push_created(x);
	deliver(x, "evt_pi", "payment_intent.succeeded",
		stripe_event("evt_pi", "payment_intent.succeeded", PI_SUCCEEDED), id);
	ft_start(&x->f);
	assert_int_equal(qt_wait_int(x->f.env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = $1 "
				     "AND attempt = 1 AND outcome = 'retry'", id, 1, 5000), 1);
	assert_string_equal(qt_text(x->f.env.st, "SELECT error FROM job_attempt_log WHERE job_id = $1 AND attempt = 1",
				    id, buf, sizeof buf),
			    "retry: order " ORDER_UUID " is not visible in Drupal yet");
	/* Due after the backoff of attempt 1 (at most the base, 100 ms). */
	int64_t run_at = qt_int(x->f.env.st, "SELECT run_at FROM jobs WHERE id = $1", id);
	TH_ASSERT_CMP(run_at, >=, FT_T0);
	TH_ASSERT_CMP(run_at, <=, FT_T0 + 100);
	ft_tick(&x->f, 100);
	assert_string_equal(ft_wait_attempts(&x->f, id, 2, st), "succeeded");
	assert_string_equal(event_col(x, "evt_pi", "outcome", buf, sizeof buf), "plan");
	assert_int_equal(qt_int(x->f.env.st, "SELECT COUNT(*) FROM payment_events", NULL), 1);
	assert_int_equal(th_mock_nseen(x->f.drupal_mk), 4);
	assert_string_equal(ft_seen(x->f.drupal_mk, 3)->method, "POST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refund_before_capture, pfx_setup, pfx_teardown),
		cmocka_unit_test_setup_teardown(test_order_not_visible_yet_retried, pfx_setup, pfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
