/* Tests for seam_flow_orders_validate: what decides between exporting an order and sending
 * it to the dead letters with reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "flows/orders.h"

static json_t *so(const char *text)
{
	json_t *d = json_loads(text, 0, NULL);
	assert_non_null(d);
	return d;
}

static int has(json_t *problems, const char *needle)
{
	size_t i;
	json_t *p;
	json_array_foreach(problems, i, p)
		if (strstr(json_string_value(p), needle))
			return 1;
	return 0;
}

static void test_valid_totals_exact(void **state)
{
	json_t *problems = NULL;
	(void)state;
	/* 2 x 19.99 + 1 x 0.10 - 1.00 line discount + 4.95 shipping - 0.02 header discount */
	json_t *o = so("{\"externalDocumentNumber\":\"1001\",\"currencyCode\":\"USD\",\"discountAmount\":\"0.02\","
		       "\"salesOrderLines\":[{\"lineType\":\"Item\",\"quantity\":\"2\",\"unitPrice\":\"19.99\"},"
		       "{\"lineType\":\"Item\",\"quantity\":\"1\",\"unitPrice\":\"0.10\",\"discountAmount\":\"1.00\"},"
		       "{\"lineType\":\"Charge (Item)\",\"quantity\":1,\"unitPrice\":\"4.95\"}]}");
	assert_int_equal(seam_flow_orders_validate(o, "44.01", "USD", &problems), SEAM_OK);
	assert_int_equal(json_array_size(problems), 0);
	json_decref(problems);
	/* one cent off is caught, with both figures */
	assert_int_equal(seam_flow_orders_validate(o, "44.02", "USD", &problems), SEAM_PERMANENT);
	assert_true(has(problems, "the lines add up to 44.01, the Drupal order total is 44.02"));
	json_decref(problems);
	json_decref(o);
}

static void test_every_problem_reported(void **state)
{
	json_t *problems = NULL;
	(void)state;
	json_t *o = so("{\"currencyCode\":\"EUR\",\"salesOrderLines\":[{\"quantity\":\"0\",\"unitPrice\":\"1\"},"
		       "{\"lineType\":\"Item\",\"quantity\":\"1\",\"unitPrice\":1.5}]}");
	assert_int_equal(seam_flow_orders_validate(o, "10.00", "USD", &problems), SEAM_PERMANENT);
	assert_true(has(problems, "externalDocumentNumber: required"));
	assert_true(has(problems, "currencyCode: EUR, but the order is in USD"));
	assert_true(has(problems, "salesOrderLines[0].quantity: a positive decimal is required"));
	/* a float price would not be exact: refused */
	assert_true(has(problems, "salesOrderLines[1].unitPrice: a decimal string is required"));
	json_decref(problems);
	json_decref(o);
	o = so("{\"externalDocumentNumber\":\"1\",\"salesOrderLines\":[]}");
	assert_int_equal(seam_flow_orders_validate(o, NULL, NULL, &problems), SEAM_PERMANENT);
	assert_true(has(problems, "at least one line"));
	json_decref(problems);
	json_decref(o);
	o = json_string("not an object");
	assert_int_equal(seam_flow_orders_validate(o, NULL, NULL, &problems), SEAM_PERMANENT);
	json_decref(problems);
	json_decref(o);
}

static void test_jpy_and_kwd(void **state)
{
	json_t *problems = NULL;
	(void)state;
	json_t *o = so("{\"externalDocumentNumber\":\"7\",\"currencyCode\":\"JPY\","
		       "\"salesOrderLines\":[{\"lineType\":\"Item\",\"quantity\":\"3\",\"unitPrice\":\"1500\"}]}");
	assert_int_equal(seam_flow_orders_validate(o, "4500", "JPY", &problems), SEAM_OK);
	json_decref(problems);
	json_decref(o);
	o = so("{\"externalDocumentNumber\":\"8\",\"currencyCode\":\"KWD\","
	       "\"salesOrderLines\":[{\"lineType\":\"Item\",\"quantity\":\"1.5\",\"unitPrice\":\"2.125\"}]}");
	assert_int_equal(seam_flow_orders_validate(o, "3.1875", "KWD", &problems), SEAM_OK);
	json_decref(problems);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_totals_exact),
		cmocka_unit_test(test_every_problem_reported),
		cmocka_unit_test(test_jpy_and_kwd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
