/*
 * test_stripe_api.c: the readers of Stripe's list and object answers (connectors/stripe_api.h)
 * that reconciliation pages and compares with: a page's data, has_more and the id to go on
 * after; a page that would loop; PaymentIntents and charges with amounts that are not amounts.
 * Over HTTP (the mock upstream): pages followed with starting_after, and a listing that comes
 * back to an earlier page after two pages is stopped as a loop, not followed forever.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "connectors/stripe_api.h"
#include "http/client.h"
#include "tests/support/mock_upstream.h"

static json_t *doc(const char *text)
{
	json_t *d = json_loads(text, 0, NULL);
	assert_non_null(d);
	return d;
}

static void test_page(void **state)
{
	(void)state;
	json_t *items = NULL;
	int more = -1;
	const char *next = NULL;
	seam_error_t err = {0};
	json_t *d = doc("{\"object\":\"list\",\"has_more\":true,\"data\":[{\"id\":\"pi_1\"},{\"id\":\"pi_2\"}]}");
	assert_int_equal(seam_stripe_page_read(d, "", &items, &more, &next, &err), SEAM_OK);
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(more, 1);
	assert_string_equal(next, "pi_2");
	/* the same page again after pi_2: a loop, refused with nothing out */
	assert_int_equal(seam_stripe_page_read(d, "pi_2", &items, &more, &next, &err), SEAM_UPSTREAM);
	assert_null(items);
	assert_null(next);
	assert_int_equal(more, 0);
	json_decref(d);

	d = doc("{\"object\":\"list\",\"has_more\":false,\"data\":[]}");
	assert_int_equal(seam_stripe_page_read(d, "", &items, &more, &next, &err), SEAM_OK);
	assert_int_equal(more, 0);
	assert_null(next);
	json_decref(d);

	/* has_more with nothing to page on: no outputs (found by fuzz_stripe_list) */
	d = doc("{\"object\":\"list\",\"data\":[{\"object\":\"payment_intent\"}],\"has_more\":true}");
	assert_int_equal(seam_stripe_page_read(d, "", &items, &more, &next, &err), SEAM_UPSTREAM);
	assert_null(items);
	assert_non_null(strstr(err.msg, "last id"));
	json_decref(d);

	d = doc("{\"error\":{\"message\":\"x\"}}");
	assert_int_equal(seam_stripe_page_read(d, "", &items, &more, &next, &err), SEAM_UPSTREAM);
	assert_non_null(strstr(err.msg, "not a Stripe list"));
	json_decref(d);
}

static void test_intent(void **state)
{
	(void)state;
	seam_stripe_intent_t pi;
	json_t *d = doc("{\"id\":\"pi_1\",\"amount\":2000,\"amount_received\":1500,\"currency\":\"usd\","
			"\"status\":\"succeeded\",\"latest_charge\":\"ch_1\",\"metadata\":{\"order_uuid\":\"u1\",\"store\":\"us\"}}");
	assert_int_equal(seam_stripe_intent_read(d, &pi), 0);
	assert_string_equal(pi.id, "pi_1");
	assert_int_equal(pi.amount, 2000);
	assert_int_equal(pi.received, 1500);
	assert_string_equal(pi.currency, "USD");
	assert_string_equal(pi.order_uuid, "u1");
	assert_string_equal(pi.store, "us");
	assert_string_equal(pi.latest_charge, "ch_1");
	json_decref(d);
	/* a currency that is not three letters is none; absent amounts are 0 */
	d = doc("{\"id\":\"pi_2\",\"currency\":\"u$d\"}");
	assert_int_equal(seam_stripe_intent_read(d, &pi), 0);
	assert_string_equal(pi.currency, "");
	assert_int_equal(pi.received, 0);
	json_decref(d);
	/* amounts that are not amounts are not read as 0 */
	static const char *const bad[] = {
		"{\"id\":\"pi_3\",\"amount_received\":-1}", "{\"id\":\"pi_3\",\"amount_received\":1.5}",
		"{\"id\":\"pi_3\",\"amount\":\"100\"}", "{\"id\":\"pi_3\",\"amount\":10000000000000000}",
		"{\"amount\":1}", "{\"id\":\"\"}"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		d = doc(bad[i]);
		assert_int_equal(seam_stripe_intent_read(d, &pi), -1);
		json_decref(d);
	}
}

static void test_charge(void **state)
{
	(void)state;
	seam_stripe_charge_t ch;
	json_t *d = doc("{\"id\":\"ch_1\",\"payment_intent\":\"pi_1\",\"amount_refunded\":500}");
	assert_int_equal(seam_stripe_charge_read(d, &ch), 0);
	assert_string_equal(ch.payment_intent, "pi_1");
	assert_int_equal(ch.refunded, 500);
	json_decref(d);
	d = doc("{\"id\":\"ch_2\",\"amount_refunded\":500}");
	assert_int_equal(seam_stripe_charge_read(d, &ch), -1); /* whose refund? */
	json_decref(d);
	d = doc("{\"id\":\"ch_3\",\"payment_intent\":\"pi_1\",\"amount_refunded\":-500}");
	assert_int_equal(seam_stripe_charge_read(d, &ch), -1);
	json_decref(d);
}

static seam_err_t count_obj(json_t *obj, void *ud)
{
	(void)obj;
	(*(int *)ud)++;
	return SEAM_OK;
}

static void test_list_pages_and_loops(void **state)
{
	(void)state;
	th_mock_t *mk = th_mock_start("application/json");
	char base[64];
	seam_error_t err = {0};
	snprintf(base, sizeof base, "http://127.0.0.1:%d", th_mock_port(mk));
	seam_upstream_opts_t o = {.name = "stripe", .base_url = base};
	seam_upstream_t *u = seam_upstream_create(&o, NULL, NULL, &err);
	assert_non_null(u);
	/* two pages, then the end */
	th_mock_push(mk, 200, "{\"object\":\"list\",\"has_more\":true,\"data\":[{\"id\":\"pi_3\"},{\"id\":\"pi_2\"}]}", NULL, 0, NULL, NULL);
	th_mock_push(mk, 200, "{\"object\":\"list\",\"has_more\":false,\"data\":[{\"id\":\"pi_1\"}]}", NULL, 0, NULL, NULL);
	int n = 0;
	size_t count = 0;
	assert_int_equal(seam_stripe_list(u, NULL, SEAM_STRIPE_INTENTS, 10, 20, count_obj, &n, &count, &err), SEAM_OK);
	assert_int_equal(n, 3);
	assert_int_equal(count, 3);
	assert_int_equal(th_mock_nseen(mk), 2);
	assert_non_null(strstr(th_mock_seen(mk, 0)->query, "created[gte]=10"));
	assert_non_null(strstr(th_mock_seen(mk, 1)->query, "starting_after=pi_2"));
	/* a listing that comes back to pi_2 after another page: a loop */
	th_mock_push(mk, 200, "{\"object\":\"list\",\"has_more\":true,\"data\":[{\"id\":\"pi_2\"}]}", NULL, 0, NULL, NULL);
	th_mock_push(mk, 200, "{\"object\":\"list\",\"has_more\":true,\"data\":[{\"id\":\"pi_1\"}]}", NULL, 0, NULL, NULL);
	th_mock_push(mk, 200, "{\"object\":\"list\",\"has_more\":true,\"data\":[{\"id\":\"pi_2\"}]}", NULL, 0, NULL, NULL);
	n = 0;
	assert_int_equal(seam_stripe_list(u, NULL, SEAM_STRIPE_CHARGES, 0, 0, count_obj, &n, NULL, &err), SEAM_UPSTREAM);
	assert_non_null(strstr(err.msg, "loops"));
	assert_int_equal(th_mock_nseen(mk), 5);
	seam_upstream_destroy(u);
	th_mock_stop(mk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_intent),
		cmocka_unit_test(test_charge),
		cmocka_unit_test(test_list_pages_and_loops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
