/*
 * test_sim_psp.c: the payment provider double sends Stripe- and Adyen-shaped, correctly signed
 * webhooks; duplicates, reordering, loss and retries after a non-2xx answer.
 */
#include "sim_test.h"

#include "sim/sim_psp.h"
#include "sim/sim_sign.h"

static const char *yaml =
	"seed: 21\n"
	"psp:\n"
	"  stripe: {url: 'http://127.0.0.1:9/webhooks/stripe/{store}', secret: whsec_test_secret, api_key: sk_test_1}\n"
	"  adyen: {url: 'http://127.0.0.1:9/webhooks/adyen/{store}', hmac_key: 44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056, merchant_account: TestMerchant}\n"
	"  attempts: 3\n"
	"  backoff: [10ms, 20ms]\n"
	"  workers: 4\n";

static seam_sim_sender_t *sender(simt_t *t)
{
	return seam_sim_psp_sender(seam_sim_impl(t->sim, "psp"));
}

static void post(seam_sim_double_t *d, const char *target, const char *body, int want,
		 seam_sim_resp_t *r)
{
	call(d, "POST", target, NULL, body, r);
	if (r->status != want)
		fail_msg("%s -> %d %s", target, r->status, r->body ? r->body : "");
}

static void event(seam_sim_double_t *d, const char *pay, const char *body)
{
	seam_sim_resp_t r;
	char target[128];
	snprintf(target, sizeof target, "/_sim/psp/payments/%s/events", pay);
	post(d, target, body, 202, &r);
	seam_sim_resp_dispose(&r);
}

/* Verifies a Stripe-Signature header as Stripe's libraries do. */
static void assert_stripe_signed(const cap_msg_t *m)
{
	const char *h = cap_header(m, "Stripe-Signature");
	assert_non_null(h);
	long long ts = strtoll(h + 2, NULL, 10);
	char want[160];
	seam_sim_sign_stripe("whsec_test_secret", ts, m->body, strlen(m->body), want, sizeof want);
	assert_string_equal(h, want);
}

static void test_stripe_events(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "psp");
	seam_sim_resp_t r;
	post(d, "/_sim/psp/payments",
	     "{\"provider\":\"stripe\",\"store\":\"us\",\"order_uuid\":\"o-1\",\"amount\":\"39.98\",\"currency\":\"USD\",\"remote_id\":\"pi_123\"}",
	     201, &r);
	assert_string_equal(jstr(r.json, "id"), "pi_123");
	seam_sim_resp_dispose(&r);
	event(d, "pi_123", "{\"type\":\"authorize\"}");
	event(d, "pi_123", "{\"type\":\"capture\"}");
	event(d, "pi_123", "{\"type\":\"partial_refund\",\"amount\":\"10.00\"}");
	event(d, "pi_123", "{\"type\":\"refund\"}");
	seam_sim_resp_t bad;
	post(d, "/_sim/psp/payments/pi_123/events", "{\"type\":\"refund\"}", 400, &bad); /* nothing left */
	seam_sim_resp_dispose(&bad);
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 4);
	const char *want[] = {"payment_intent.amount_capturable_updated", "payment_intent.succeeded",
			      "charge.refunded", "charge.refunded"};
	int seen[4] = {0};
	for (size_t i = 0; i < t->cap.n; i++) {
		cap_msg_t *m = &t->cap.msgs[i];
		assert_string_equal(m->url, "http://127.0.0.1:9/webhooks/stripe/us");
		assert_stripe_signed(m);
		json_t *ev = json_loads(m->body, 0, NULL);
		assert_string_equal(jstr(ev, "object"), "event");
		assert_int_equal(strncmp(jstr(ev, "id"), "evt_", 4), 0);
		assert_string_equal(jstr(ev, "data.object.metadata.order_uuid"), "o-1");
		const char *type = jstr(ev, "type");
		if (!strcmp(type, want[0])) {
			assert_string_equal(jstr(ev, "data.object.status"), "requires_capture");
			assert_int_equal(json_integer_value(jget(ev, "data.object.amount_capturable")), 3998);
			seen[0]++;
		} else if (!strcmp(type, want[1])) {
			assert_string_equal(jstr(ev, "data.object.status"), "succeeded");
			assert_int_equal(json_integer_value(jget(ev, "data.object.amount_received")), 3998);
			assert_string_equal(jstr(ev, "data.object.currency"), "usd");
			seen[1]++;
		} else if (!strcmp(type, want[2])) {
			json_int_t ref = json_integer_value(jget(ev, "data.object.amount_refunded"));
			if (ref != 1000 && ref != 3998)
				fail_msg("got amount_refunded %lld, want 1000 or 3998", (long long)ref);
			assert_int_equal(json_is_true(jget(ev, "data.object.refunded")), (ref == 3998));
			assert_string_equal(jstr(ev, "data.object.payment_intent"), "pi_123");
			seen[2]++;
		}
		json_decref(ev);
	}
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 2);
	/* the provider API answers the current state */
	const char *h[] = {"Authorization: Bearer sk_test_1", NULL};
	call(d, "GET", "/v1/payment_intents/pi_123", h, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "succeeded");
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/v1/payment_intents/pi_123", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

static void test_adyen_items_signed(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "psp");
	seam_sim_resp_t r;
	post(d, "/_sim/psp/payments",
	     "{\"provider\":\"adyen\",\"store\":\"eu\",\"order_uuid\":\"o-2\",\"amount\":\"11.30\",\"currency\":\"EUR\",\"remote_id\":\"7914073381342284\",\"merchant_reference\":\"TestPayment-1407325143704\"}",
	     201, &r);
	seam_sim_resp_dispose(&r);
	event(d, "7914073381342284", "{\"type\":\"authorize\"}");
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 1);
	json_t *n = json_loads(t->cap.msgs[0].body, 0, NULL);
	json_t *item = jget(n, "notificationItems.0.NotificationRequestItem");
	assert_string_equal(jstr(item, "eventCode"), "AUTHORISATION");
	assert_string_equal(jstr(item, "success"), "true");
	assert_int_equal(json_integer_value(jget(item, "amount.value")), 1130);
	/* the Adyen docs vector: same fields, same key, same signature */
	assert_string_equal(jstr(item, "additionalData.hmacSignature"), "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=");
	assert_null(json_object_get(item, "originalReference"));
	assert_string_equal(t->cap.msgs[0].url, "http://127.0.0.1:9/webhooks/adyen/eu");
	json_decref(n);

	/* a capture is a modification: its own pspReference, the payment's as originalReference */
	event(d, "7914073381342284", "{\"type\":\"capture\"}");
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	n = json_loads(t->cap.msgs[1].body, 0, NULL);
	item = jget(n, "notificationItems.0.NotificationRequestItem");
	assert_string_equal(jstr(item, "eventCode"), "CAPTURE");
	assert_string_equal(jstr(item, "originalReference"), "7914073381342284");
	char sig[64];
	assert_int_equal(seam_sim_sign_adyen("44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
					     jstr(item, "pspReference"), "7914073381342284", "TestMerchant",
					     "TestPayment-1407325143704", "1130", "EUR", "CAPTURE", "true", sig), 0);
	assert_string_equal(jstr(item, "additionalData.hmacSignature"), sig);
	json_decref(n);
	simt_free(t);
}

static void test_duplicates_reorder_retry_lose(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "psp");
	seam_sim_resp_t r;
	post(d, "/_sim/psp/payments",
	     "{\"provider\":\"stripe\",\"order_uuid\":\"o-3\",\"amount\":\"5.00\",\"currency\":\"USD\",\"remote_id\":\"pi_dup\"}",
	     201, &r);
	seam_sim_resp_dispose(&r);
	/* duplicates on request: 3 deliveries of one event id, at once */
	event(d, "pi_dup", "{\"type\":\"capture\",\"copies\":3,\"concurrent\":true}");
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 3);
	json_t *a = json_loads(t->cap.msgs[0].body, 0, NULL);
	for (int i = 1; i < 3; i++) {
		json_t *b = json_loads(t->cap.msgs[i].body, 0, NULL);
		assert_string_equal(jstr(a, "id"), jstr(b, "id"));
		json_decref(b);
	}
	json_decref(a);

	/* held, then released shuffled: a batch of 6 arrives in another order */
	cap_clear(&t->cap);
	call(d, "POST", "/_sim/faults", NULL, "{\"kind\":\"reorder\",\"batch\":6}", &r);
	seam_sim_resp_dispose(&r);
	post(d, "/_sim/psp/payments",
	     "{\"provider\":\"stripe\",\"order_uuid\":\"o-4\",\"amount\":\"100.00\",\"currency\":\"USD\",\"remote_id\":\"pi_ord\"}",
	     201, &r);
	seam_sim_resp_dispose(&r);
	event(d, "pi_ord", "{\"type\":\"authorize\"}");
	event(d, "pi_ord", "{\"type\":\"capture\"}");
	for (int i = 0; i < 4; i++)
		event(d, "pi_ord", "{\"type\":\"partial_refund\",\"amount\":\"1.00\"}");
	call(d, "GET", "/_sim/psp/events", NULL, NULL, &r);
	json_t *evs = json_object_get(r.json, "events");
	size_t ne = json_array_size(evs);
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 6);
	int in_order = 1;
	for (size_t i = 0; i < 6; i++) {
		json_t *ev = json_loads(t->cap.msgs[i].body, 0, NULL);
		const char *sent = jstr(ev, "id");
		const char *made = json_string_value(json_object_get(json_array_get(evs, ne - 6 + i), "id"));
		if (strcmp(sent, made))
			in_order = 0;
		json_decref(ev);
	}
	assert_false(in_order);
	seam_sim_resp_dispose(&r);
	call(d, "DELETE", "/_sim/faults", NULL, NULL, &r);
	seam_sim_resp_dispose(&r);

	/* a 500 answer is retried with the same event id until 2xx */
	cap_clear(&t->cap);
	t->cap.fail_first = 2;
	event(d, "pi_ord", "{\"type\":\"partial_refund\",\"amount\":\"1.00\"}");
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 3);
	assert_string_equal(t->cap.msgs[0].body, t->cap.msgs[2].body);
	call(d, "GET", "/_sim/deliveries", NULL, NULL, &r);
	json_t *log = json_object_get(r.json, "deliveries");
	json_t *last = json_array_get(log, json_array_size(log) - 1);
	assert_string_equal(jstr(last, "outcome"), "delivered");
	assert_int_equal(json_integer_value(json_object_get(last, "attempt")), 3);
	assert_string_equal(jstr(json_array_get(log, json_array_size(log) - 2), "outcome"), "retrying");
	seam_sim_resp_dispose(&r);

	/* bounded: after `attempts` failures it gives up */
	cap_clear(&t->cap);
	t->cap.fail_first = 10;
	event(d, "pi_ord", "{\"type\":\"partial_refund\",\"amount\":\"1.00\"}");
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 3);
	t->cap.fail_first = 0;

	/* lose: never sent, logged */
	cap_clear(&t->cap);
	call(d, "POST", "/_sim/faults", NULL, "{\"kind\":\"lose\"}", &r);
	seam_sim_resp_dispose(&r);
	event(d, "pi_ord", "{\"type\":\"partial_refund\",\"amount\":\"1.00\"}");
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 0);
	call(d, "GET", "/_sim/deliveries", NULL, NULL, &r);
	assert_int_equal(json_integer_value(jget(r.json, "stats.lost")), 1);
	assert_int_equal(json_integer_value(jget(r.json, "stats.failed")), 1);
	seam_sim_resp_dispose(&r);

	/* hold on request, then release in order */
	call(d, "DELETE", "/_sim/faults", NULL, NULL, &r);
	seam_sim_resp_dispose(&r);
	event(d, "pi_ord", "{\"type\":\"partial_refund\",\"amount\":\"1.00\",\"hold\":true}");
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 0);
	call(d, "POST", "/_sim/deliveries/release", NULL, "{\"shuffle\":false}", &r);
	assert_int_equal(json_integer_value(jget(r.json, "released")), 1);
	seam_sim_resp_dispose(&r);
	assert_int_equal(seam_sim_sender_flush(sender(t), 5000), 0);
	assert_int_equal(t->cap.n, 1);
	simt_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stripe_events),
		cmocka_unit_test(test_adyen_items_signed),
		cmocka_unit_test(test_duplicates_reorder_retry_lose),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
