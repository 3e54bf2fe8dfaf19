/* test_order.c: the four order workflows against commerce_order.workflows.yml, forward-only
 * moves, total_paid as PaymentOrderUpdater computes it and Order::isPaid(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/order.h"

/* "workflow:from:transition" for every allowed pair, straight from the reference YAML. */
static const char *allowed[] = {
	"order_default:draft:place",
	"order_default:draft:cancel",
	"order_default_validation:draft:place",
	"order_default_validation:validation:validate",
	"order_default_validation:draft:cancel",
	"order_default_validation:validation:cancel",
	"order_fulfillment:draft:place",
	"order_fulfillment:fulfillment:fulfill",
	"order_fulfillment:draft:cancel",
	"order_fulfillment:fulfillment:cancel",
	"order_fulfillment_validation:draft:place",
	"order_fulfillment_validation:validation:validate",
	"order_fulfillment_validation:fulfillment:fulfill",
	"order_fulfillment_validation:draft:cancel",
	"order_fulfillment_validation:validation:cancel",
	"order_fulfillment_validation:fulfillment:cancel",
};

static void test_can_matrix(void **state)
{
	(void)state;
	int n = 0;
	for (int w = 0; w < SEAM_ORDER__WF_COUNT; w++) {
		for (int s = 0; s < SEAM_ORDER__STATE_COUNT; s++) {
			for (int t = 0; t < SEAM_ORDER__TR_COUNT; t++) {
				char key[96];
				bool want = false;
				snprintf(key, sizeof key, "%s:%s:%s", seam_order_workflow_name(w),
					 seam_order_state_name(s), seam_order_transition_name(t));
				for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
					want |= strcmp(allowed[i], key) == 0;
				if (seam_order_can(w, s, t) != want)
					fail_msg("%s: can() is %d, want %d", key, !want, want);
				n += want;
			}
		}
	}
	assert_int_equal(n, 16);

	/* Targets. */
	const seam_order_transition_t *t =
		seam_order_transition_find(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_DRAFT, SEAM_ORDER_TR_PLACE);
	assert_int_equal(t->to, SEAM_ORDER_COMPLETED);
	t = seam_order_transition_find(SEAM_ORDER_WF_FULFILLMENT_VALIDATION, SEAM_ORDER_VALIDATION,
				       SEAM_ORDER_TR_VALIDATE);
	assert_int_equal(t->to, SEAM_ORDER_FULFILLMENT);
	t = seam_order_transition_find(SEAM_ORDER_WF_DEFAULT_VALIDATION, SEAM_ORDER_VALIDATION,
				       SEAM_ORDER_TR_VALIDATE);
	assert_int_equal(t->to, SEAM_ORDER_COMPLETED);
	t = seam_order_transition_find(SEAM_ORDER_WF_FULFILLMENT, SEAM_ORDER_DRAFT, SEAM_ORDER_TR_PLACE);
	assert_int_equal(t->to, SEAM_ORDER_FULFILLMENT);
	assert_null(seam_order_transition_find(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER__STATE_COUNT,
					       SEAM_ORDER_TR_PLACE));

	/* findTransition: what a PATCH of `state` applies. */
	t = seam_order_transition_between(SEAM_ORDER_WF_FULFILLMENT_VALIDATION, SEAM_ORDER_FULFILLMENT,
					  SEAM_ORDER_CANCELED);
	assert_non_null(t);
	assert_int_equal(t->id, SEAM_ORDER_TR_CANCEL);
	assert_null(seam_order_transition_between(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_COMPLETED,
						  SEAM_ORDER_DRAFT));
	assert_null(seam_order_transition_between(SEAM_ORDER_WF_FULFILLMENT_VALIDATION, SEAM_ORDER_DRAFT,
						  SEAM_ORDER_COMPLETED));
}

static void test_forward_only(void **state)
{
	(void)state;
	/* Nothing leaves completed or canceled, in any workflow. */
	for (int w = 0; w < SEAM_ORDER__WF_COUNT; w++) {
		for (int s = 0; s < SEAM_ORDER__STATE_COUNT; s++) {
			assert_false(seam_order_is_forward(w, SEAM_ORDER_COMPLETED, s));
			assert_false(seam_order_is_forward(w, SEAM_ORDER_CANCELED, s));
			assert_false(seam_order_is_forward(w, s, s));
			assert_false(seam_order_is_forward(w, s, SEAM_ORDER_DRAFT));
		}
		assert_true(seam_order_is_forward(w, SEAM_ORDER_DRAFT, SEAM_ORDER_COMPLETED));
		assert_true(seam_order_is_forward(w, SEAM_ORDER_DRAFT, SEAM_ORDER_CANCELED));
	}
	/* The reference sample order-state-backwards: completed -> draft is refused. */
	assert_false(seam_order_is_forward(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_COMPLETED, SEAM_ORDER_DRAFT));
	/* States a workflow does not have. */
	assert_false(seam_order_has_state(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_VALIDATION));
	assert_false(seam_order_has_state(SEAM_ORDER_WF_DEFAULT_VALIDATION, SEAM_ORDER_FULFILLMENT));
	assert_true(seam_order_has_state(SEAM_ORDER_WF_FULFILLMENT_VALIDATION, SEAM_ORDER_FULFILLMENT));
	assert_true(seam_order_has_state(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_CANCELED));
	assert_false(seam_order_has_state(SEAM_ORDER__WF_COUNT, SEAM_ORDER_DRAFT));
	assert_false(seam_order_is_forward(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_DRAFT, SEAM_ORDER_VALIDATION));
	assert_false(seam_order_is_forward(SEAM_ORDER_WF_FULFILLMENT, SEAM_ORDER_DRAFT, SEAM_ORDER_VALIDATION));
	/* Canceled is reachable from every non-terminal state, completed never from canceled. */
	assert_true(seam_order_is_forward(SEAM_ORDER_WF_FULFILLMENT_VALIDATION, SEAM_ORDER_FULFILLMENT,
					  SEAM_ORDER_CANCELED));
	assert_false(seam_order_is_forward(SEAM_ORDER_WF_FULFILLMENT_VALIDATION, SEAM_ORDER_FULFILLMENT,
					   SEAM_ORDER_VALIDATION));
	assert_false(seam_order_is_forward(SEAM_ORDER_WF_DEFAULT_VALIDATION, SEAM_ORDER_CANCELED,
					   SEAM_ORDER_COMPLETED));

	/* Paths for aligning an order several steps at once. */
	seam_order_transition_e path[4];
	assert_int_equal(seam_order_path(SEAM_ORDER_WF_FULFILLMENT_VALIDATION, SEAM_ORDER_DRAFT,
					 SEAM_ORDER_COMPLETED, path, 4), 3);
	assert_int_equal(path[0], SEAM_ORDER_TR_PLACE);
	assert_int_equal(path[1], SEAM_ORDER_TR_VALIDATE);
	assert_int_equal(path[2], SEAM_ORDER_TR_FULFILL);
	assert_int_equal(seam_order_path(SEAM_ORDER_WF_FULFILLMENT_VALIDATION, SEAM_ORDER_DRAFT,
					 SEAM_ORDER_COMPLETED, path, 2), -1);
	assert_int_equal(seam_order_path(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_DRAFT, SEAM_ORDER_CANCELED,
					 path, 4), 1);
	assert_int_equal(path[0], SEAM_ORDER_TR_CANCEL);
	assert_int_equal(seam_order_path(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_DRAFT, SEAM_ORDER_DRAFT,
					 path, 4), 0);
	assert_int_equal(seam_order_path(SEAM_ORDER_WF_DEFAULT, SEAM_ORDER_CANCELED, SEAM_ORDER_COMPLETED,
					 path, 4), -1);
}

static void test_names(void **state)
{
	(void)state;
	static const char *wfs[] = {"order_default", "order_default_validation", "order_fulfillment",
				    "order_fulfillment_validation"};
	for (int i = 0; i < SEAM_ORDER__WF_COUNT; i++) {
		seam_order_workflow_e w;
		assert_string_equal(seam_order_workflow_name(i), wfs[i]);
		assert_int_equal(seam_order_workflow_parse(wfs[i], &w), 0);
		assert_int_equal(w, i);
	}
	for (int i = 0; i < SEAM_ORDER__STATE_COUNT; i++) {
		seam_order_state_e s;
		assert_int_equal(seam_order_state_parse(seam_order_state_name(i), &s), 0);
		assert_int_equal(s, i);
	}
	for (int i = 0; i < SEAM_ORDER__TR_COUNT; i++) {
		seam_order_transition_e t;
		assert_int_equal(seam_order_transition_parse(seam_order_transition_name(i), &t), 0);
		assert_int_equal(t, i);
	}
	seam_order_state_e s;
	assert_int_equal(seam_order_state_parse("placed", &s), -1);
	assert_int_equal(seam_order_state_parse(NULL, &s), -1);
	seam_order_workflow_e w;
	assert_int_equal(seam_order_workflow_parse("order_custom", &w), -1);
	assert_string_equal(seam_order_state_name(SEAM_ORDER__STATE_COUNT), "?");
	assert_string_equal(seam_order_transition_name(SEAM_ORDER_TR_FULFILL), "fulfill");
}

static const char *fmt(seam_money_dec_t d)
{
	static char buf[SEAM_MONEY_BUF];
	return seam_money_dec_format(d, buf);
}

#define PAY(a, r, cur, done) {{a, cur}, {r, cur}, done}

static void test_total_paid(void **state)
{
	(void)state;
	seam_money_dec_t tp;
	seam_error_t err = {0};

	/* The reference sample: one completed payment of 39.98 -> total_paid 39.98. */
	seam_order_payment_t one[] = {PAY("39.98", "0", "USD", true)};
	assert_int_equal(seam_order_total_paid(one, 1, "USD", &tp, &err), SEAM_OK);
	assert_string_equal(fmt(tp), "39.98");

	/* Refunds lower it, authorizations (not completed) do not count, exact decimals. */
	seam_order_payment_t many[] = {
		PAY("39.98", "10.00", "USD", true),     /* partially_refunded */
		PAY("50.00", "0", "USD", false),        /* authorization */
		PAY("20.00", "20.00", "USD", true),     /* refunded */
		PAY("0.1", NULL, "USD", true),
		PAY("0.200000", "0.000000", "USD", true),
		PAY("9.99", "0", "EUR", false),         /* not counted, so not looked at */
	};
	assert_int_equal(seam_order_total_paid(many, 6, "USD", &tp, &err), SEAM_OK);
	assert_string_equal(fmt(tp), "30.280000");
	seam_money_dec_t want;
	assert_int_equal(seam_money_dec_parse("30.28", (size_t)-1, &want, NULL), SEAM_OK);
	assert_int_equal(seam_money_dec_cmp(tp, want), 0);

	/* No payments: zero. JPY. */
	assert_int_equal(seam_order_total_paid(NULL, 0, "USD", &tp, &err), SEAM_OK);
	assert_string_equal(fmt(tp), "0");
	seam_order_payment_t yen[] = {PAY("5000", "1200", "JPY", true)};
	assert_int_equal(seam_order_total_paid(yen, 1, "JPY", &tp, &err), SEAM_OK);
	assert_string_equal(fmt(tp), "3800");

	/* A counted payment in another currency, a malformed number. */
	seam_order_payment_t eur[] = {PAY("39.98", "0", "USD", true), PAY("9.99", "0", "EUR", true)};
	assert_int_equal(seam_order_total_paid(eur, 2, "USD", &tp, &err), SEAM_INVAL);
	assert_string_equal(err.msg, "total_paid: payment 1 is in EUR, the order in USD");
	seam_order_payment_t bad[] = {PAY("39,98", "0", "USD", true)};
	assert_int_equal(seam_order_total_paid(bad, 1, "USD", &tp, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "payment amount: malformed decimal \"39,98\"");
	assert_int_equal(seam_order_total_paid(one, 1, NULL, &tp, &err), SEAM_INVAL);
}

static void test_paid(void **state)
{
	(void)state;
	bool paid = true;
	seam_error_t err = {0};
	seam_price_t total = {"39.98", "USD"};
	seam_price_t exact = {"39.98", "USD"}, less = {"39.97", "USD"}, more = {"40", "USD"};
	seam_price_t zeros = {"39.980000", "USD"};

	/* order-after-payment sample: total 39.98, paid 39.98 -> balance 0 -> paid. */
	assert_int_equal(seam_order_paid(&total, &exact, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_OK);
	assert_true(paid);
	assert_int_equal(seam_order_paid(&total, &zeros, SEAM_ORDER_DRAFT, &paid, &err), SEAM_OK);
	assert_true(paid);
	assert_int_equal(seam_order_paid(&total, &less, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_OK);
	assert_false(paid);
	assert_int_equal(seam_order_paid(&total, &more, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_OK);
	assert_true(paid); /* overpaid: balance < 0 */
	assert_int_equal(seam_order_paid(&total, NULL, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_OK);
	assert_false(paid);

	/* No total: never paid. */
	paid = true;
	assert_int_equal(seam_order_paid(NULL, &exact, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_OK);
	assert_false(paid);
	seam_price_t none = {NULL, "USD"};
	paid = true;
	assert_int_equal(seam_order_paid(&none, &exact, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_OK);
	assert_false(paid);

	/* Free orders are paid once placed (not draft, not canceled). */
	seam_price_t zero = {"0.00", "USD"};
	assert_int_equal(seam_order_paid(&zero, NULL, SEAM_ORDER_DRAFT, &paid, &err), SEAM_OK);
	assert_false(paid);
	assert_int_equal(seam_order_paid(&zero, NULL, SEAM_ORDER_CANCELED, &paid, &err), SEAM_OK);
	assert_false(paid);
	assert_int_equal(seam_order_paid(&zero, NULL, SEAM_ORDER_FULFILLMENT, &paid, &err), SEAM_OK);
	assert_true(paid);

	/* Currency mismatch and malformed numbers are errors, not guesses. */
	seam_price_t eur = {"39.98", "EUR"};
	assert_int_equal(seam_order_paid(&total, &eur, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_INVAL);
	assert_string_equal(err.msg, "paid: total_price in USD, total_paid in EUR");
	seam_price_t junk = {"39.98.1", "USD"};
	assert_int_equal(seam_order_paid(&junk, &exact, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_PARSE);
	assert_int_equal(seam_order_paid(&total, &junk, SEAM_ORDER_COMPLETED, &paid, &err), SEAM_PARSE);
	assert_int_equal(seam_order_paid(&total, &exact, SEAM_ORDER_COMPLETED, NULL, &err), SEAM_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_can_matrix),
		cmocka_unit_test(test_forward_only),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_total_paid),
		cmocka_unit_test(test_paid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
