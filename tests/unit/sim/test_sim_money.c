/*
 * test_sim_money.c: the simulators' private exact decimals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/sim_money.h"

static void test_parse_and_format(void **state)
{
	(void)state;
	int64_t v;
	char out[SEAM_SIM_DEC_MAX];
	assert_int_equal(seam_sim_dec_parse("39.98", 6, &v), 0);
	assert_int_equal(v, 39980000);
	seam_sim_dec_format(v, 6, 0, out);
	assert_string_equal(out, "39.98");
	seam_sim_dec_format(0, 6, 0, out);
	assert_string_equal(out, "0"); /* Drupal's Calculator::trim */
	seam_sim_dec_format(40000000, 6, 0, out);
	assert_string_equal(out, "40");
	seam_sim_dec_format(4000, 2, 2, out);
	assert_string_equal(out, "40.00");
	seam_sim_dec_format(-5, 2, 2, out);
	assert_string_equal(out, "-0.05");
	assert_int_equal(seam_sim_dec_parse("19.990000", 2, &v), 0); /* trailing zeros beyond scale */
	assert_int_equal(v, 1999);
	assert_int_equal(seam_sim_dec_parse("19.995", 2, &v), -1);  /* would lose precision */
	assert_int_equal(seam_sim_dec_parse("1e3", 2, &v), -1);
	assert_int_equal(seam_sim_dec_parse("", 2, &v), -1);
	assert_int_equal(seam_sim_dec_parse("1.2.3", 2, &v), -1);
	assert_int_equal(seam_sim_dec_parse("99999999999999999999", 2, &v), -1);
	assert_int_equal(seam_sim_dec_parse("-7", 0, &v), 0);
	assert_int_equal(v, -7);
}

static void test_rounding_and_mul(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(seam_sim_dec_rescale(19995, 3, 2), 2000);  /* half up */
	assert_int_equal(seam_sim_dec_rescale(19994, 3, 2), 1999);
	assert_int_equal(seam_sim_dec_rescale(-19995, 3, 2), -2000); /* half away from zero */
	assert_int_equal(seam_sim_dec_mul(1999, 2, 3, 0, 2, &v), 0);
	assert_int_equal(v, 5997);
	/* 10.00 * 7.25% = 0.725 -> 0.73 */
	assert_int_equal(seam_sim_dec_mul(1000, 2, 72500, 6, 2, &v), 0);
	assert_int_equal(v, 73);
	assert_int_equal(seam_sim_dec_mul(INT64_MAX / 2, 0, 4, 0, 0, &v), -1);
	assert_int_equal(seam_sim_dec_from_double(19.99, 2, &v), 0);
	assert_int_equal(v, 1999);
}

static void test_currencies(void **state)
{
	(void)state;
	assert_int_equal(seam_sim_currency_digits("USD"), 2);
	assert_int_equal(seam_sim_currency_digits("JPY"), 0);
	assert_int_equal(seam_sim_currency_digits("KWD"), 3);
	assert_int_equal(seam_sim_currency_digits("CLF"), 4);
	assert_int_equal(seam_sim_currency_digits("usd"), -1);
	assert_int_equal(seam_sim_currency_digits("EURO"), -1);
	char out[64];
	seam_sim_money_formatted(39980000, 6, "USD", out, sizeof out);
	assert_string_equal(out, "$39.98");
	seam_sim_money_formatted(500000000, 6, "JPY", out, sizeof out);
	assert_string_equal(out, "\xc2\xa5" "500");
	seam_sim_money_formatted(1250, 2, "CHF", out, sizeof out);
	assert_string_equal(out, "CHF 12.50");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_rounding_and_mul),
		cmocka_unit_test(test_currencies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
