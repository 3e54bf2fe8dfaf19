/* test_money.c: exact decimals and minor units (src/domain/money.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/money.h"

/* Parses s, applies nothing, formats back. */
static const char *roundtrip(const char *s, char buf[SEAM_MONEY_BUF])
{
	seam_money_dec_t d;
	seam_error_t err = {0};
	if (seam_money_dec_parse(s, (size_t)-1, &d, &err) != SEAM_OK)
		return err.code == SEAM_PARSE ? "PARSE" : "TOOBIG";
	return seam_money_dec_format(d, buf);
}

static void test_parse_format(void **state)
{
	char b[SEAM_MONEY_BUF];
	(void)state;
	assert_string_equal(roundtrip("10.05", b), "10.05");
	assert_string_equal(roundtrip("4.00", b), "4.00");
	assert_string_equal(roundtrip("0", b), "0");
	assert_string_equal(roundtrip("-0.50", b), "-0.50");
	assert_string_equal(roundtrip("-0", b), "0");
	assert_string_equal(roundtrip("007.5", b), "7.5");
	assert_string_equal(roundtrip("0.000000000000000001", b), "0.000000000000000001");
	assert_string_equal(roundtrip("9223372036854775807", b), "9223372036854775807");
	assert_string_equal(roundtrip("-9223372036854775808", b), "-9223372036854775808");
	assert_string_equal(roundtrip("-9.223372036854775808", b), "-9.223372036854775808");
	/* Strict syntax: every deviation is an error, never a guess. */
	const char *bad[] = {"", "-", ".5", "5.", "1.2.3", "+1", "1e3", " 1", "1 ", "1,000", "0x10",
			     "abc", "--1", "1-", "NaN"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_string_equal(roundtrip(bad[i], b), "PARSE");
	assert_string_equal(roundtrip("9223372036854775808", b), "TOOBIG");
	assert_string_equal(roundtrip("-9223372036854775809", b), "TOOBIG");
	assert_string_equal(roundtrip("0.0000000000000000001", b), "TOOBIG");

	/* Length-bounded parse stops at len. */
	seam_money_dec_t d;
	assert_int_equal(seam_money_dec_parse("12.345xyz", 6, &d, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(d, b), "12.345");
	assert_int_equal(seam_money_dec_parse(NULL, 0, &d, NULL), SEAM_PARSE);

	seam_error_t err = {0};
	assert_int_equal(seam_money_dec_parse("12,50", (size_t)-1, &d, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "malformed decimal \"12,50\"");
}

static seam_money_dec_t D(const char *s)
{
	seam_money_dec_t d;
	assert_int_equal(seam_money_dec_parse(s, (size_t)-1, &d, NULL), SEAM_OK);
	return d;
}

static void test_add_sub_mul(void **state)
{
	char b[SEAM_MONEY_BUF];
	seam_money_dec_t r;
	seam_error_t err = {0};
	(void)state;

	assert_int_equal(seam_money_dec_add(D("10.05"), D("0.10"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "10.15");
	/* 0.1 + 0.2 is exactly 0.3 here, unlike binary floats. */
	assert_int_equal(seam_money_dec_add(D("0.1"), D("0.2"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "0.3");
	assert_int_equal(seam_money_dec_add(D("10"), D("0.005"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "10.005");
	assert_int_equal(seam_money_dec_sub(D("39.98"), D("44"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "-4.02");
	assert_int_equal(seam_money_dec_add(D("39.98"), D("-4.00"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "35.98");

	assert_int_equal(seam_money_dec_mul(D("2"), D("9.99"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "19.98");
	assert_int_equal(seam_money_dec_mul(D("1.5"), D("9.99"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "14.985");
	assert_int_equal(seam_money_dec_mul(D("-3"), D("0.10"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "-0.30");

	/* Widening that only adds zeros is retried on normalised operands. */
	assert_int_equal(seam_money_dec_add(D("1.000000000000000000"), D("100"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "101");
	assert_int_equal(seam_money_dec_mul(D("2.0000000000"), D("3.0000000000"), &r, NULL), SEAM_OK);
	assert_string_equal(seam_money_dec_format(r, b), "6");

	/* Real overflow is an error, never a wrapped value. */
	assert_int_equal(seam_money_dec_add(D("9223372036854775807"), D("1"), &r, &err), SEAM_TOOBIG);
	assert_string_equal(err.msg, "decimal overflow: 9223372036854775807 + 1");
	assert_int_equal(seam_money_dec_sub(D("-9223372036854775808"), D("1"), &r, NULL), SEAM_TOOBIG);
	assert_int_equal(seam_money_dec_mul(D("4294967296"), D("4294967296"), &r, &err), SEAM_TOOBIG);
	assert_string_equal(err.msg, "decimal overflow: 4294967296 * 4294967296");
	assert_int_equal(seam_money_dec_mul(D("0.0000000001"), D("0.0000000001"), &r, NULL),
			 SEAM_TOOBIG);
}

static void test_cmp(void **state)
{
	(void)state;
	assert_int_equal(seam_money_dec_cmp(D("1.50"), D("1.5")), 0);
	assert_int_equal(seam_money_dec_cmp(D("1.49"), D("1.5")), -1);
	assert_int_equal(seam_money_dec_cmp(D("-1"), D("-1.01")), 1);
	assert_int_equal(seam_money_dec_cmp(D("0"), D("-0.00")), 0);
	/* Alignment overflow still compares right. */
	assert_int_equal(seam_money_dec_cmp(D("9223372036854775807"), D("0.000000000000000001")), 1);
	assert_int_equal(seam_money_dec_cmp(D("-9223372036854775807"), D("0.000000000000000001")), -1);
	assert_int_equal(seam_money_dec_cmp(D("0.000000000000000001"), D("-9223372036854775807")), 1);
	assert_int_equal(seam_money_dec_cmp(D("9.223372036854775807"), D("9223372036854775807")), -1);
}

static const char *rnd(const char *s, int scale, seam_money_round_e mode, char buf[SEAM_MONEY_BUF])
{
	seam_money_dec_t r;
	if (seam_money_dec_round(D(s), scale, mode, &r, NULL) != SEAM_OK)
		return "ERR";
	return seam_money_dec_format(r, buf);
}

static void test_round(void **state)
{
	char b[SEAM_MONEY_BUF];
	seam_money_round_e m;
	(void)state;
	assert_string_equal(rnd("14.985", 2, SEAM_MONEY_HALF_UP, b), "14.99");
	assert_string_equal(rnd("14.985", 2, SEAM_MONEY_HALF_EVEN, b), "14.98");
	assert_string_equal(rnd("14.975", 2, SEAM_MONEY_HALF_EVEN, b), "14.98");
	assert_string_equal(rnd("14.9851", 2, SEAM_MONEY_HALF_EVEN, b), "14.99");
	assert_string_equal(rnd("-14.985", 2, SEAM_MONEY_HALF_UP, b), "-14.99");
	assert_string_equal(rnd("-14.984", 2, SEAM_MONEY_HALF_UP, b), "-14.98");
	assert_string_equal(rnd("14.989", 2, SEAM_MONEY_DOWN, b), "14.98");
	assert_string_equal(rnd("-14.989", 2, SEAM_MONEY_DOWN, b), "-14.98");
	assert_string_equal(rnd("14.981", 2, SEAM_MONEY_UP, b), "14.99");
	assert_string_equal(rnd("14.980", 2, SEAM_MONEY_UP, b), "14.98");
	assert_string_equal(rnd("0.5", 0, SEAM_MONEY_HALF_EVEN, b), "0");
	assert_string_equal(rnd("1.5", 0, SEAM_MONEY_HALF_EVEN, b), "2");
	assert_string_equal(rnd("-0.4", 0, SEAM_MONEY_HALF_UP, b), "0");
	assert_string_equal(rnd("19.9", 2, SEAM_MONEY_HALF_UP, b), "19.90");
	assert_string_equal(rnd("1", 18, SEAM_MONEY_HALF_UP, b), "1.000000000000000000");
	assert_string_equal(rnd("10", 18, SEAM_MONEY_HALF_UP, b), "ERR");
	assert_string_equal(rnd("1", 19, SEAM_MONEY_HALF_UP, b), "ERR");
	assert_string_equal(rnd("-9223372036854775808", 0, SEAM_MONEY_HALF_UP, b),
			    "-9223372036854775808");
	assert_string_equal(rnd("-9.223372036854775808", 0, SEAM_MONEY_UP, b), "-10");

	assert_int_equal(seam_money_round_parse("half_even", &m), 0);
	assert_int_equal(m, SEAM_MONEY_HALF_EVEN);
	assert_int_equal(seam_money_round_parse(NULL, &m), 0);
	assert_int_equal(m, SEAM_MONEY_HALF_UP);
	assert_int_equal(seam_money_round_parse("bankers", &m), -1);

	seam_money_dec_t n = seam_money_dec_normalize(D("2.500"));
	assert_string_equal(seam_money_dec_format(n, b), "2.5");
	n = seam_money_dec_normalize(D("400"));
	assert_string_equal(seam_money_dec_format(n, b), "400");
	n = seam_money_dec_normalize(D("-0.000"));
	assert_string_equal(seam_money_dec_format(n, b), "0");
}

static void test_minor_units(void **state)
{
	char b[SEAM_MONEY_BUF];
	int64_t m = 0;
	seam_error_t err = {0};
	(void)state;

	assert_int_equal(seam_money_parse("10.05", 2, &m, NULL), SEAM_OK);
	assert_int_equal(m, 1005);
	assert_int_equal(seam_money_parse("10.5", 2, &m, NULL), SEAM_OK);
	assert_int_equal(m, 1050);
	assert_int_equal(seam_money_parse("10.050", 2, &m, NULL), SEAM_OK);
	assert_int_equal(m, 1005);
	assert_int_equal(seam_money_parse("500", 0, &m, NULL), SEAM_OK);
	assert_int_equal(m, 500);
	assert_int_equal(seam_money_parse("1.250", 3, &m, NULL), SEAM_OK);
	assert_int_equal(m, 1250);
	assert_int_equal(seam_money_parse("-0.01", 2, &m, NULL), SEAM_OK);
	assert_int_equal(m, -1);
	/* No silent rounding. */
	assert_int_equal(seam_money_parse("10.055", 2, &m, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "10.055 has more than 2 fraction digits");
	assert_int_equal(seam_money_parse("500.5", 0, &m, NULL), SEAM_PARSE);
	assert_int_equal(seam_money_parse("92233720368547758.07", 3, &m, &err), SEAM_TOOBIG);
	assert_int_equal(seam_money_parse("ten", 2, &m, NULL), SEAM_PARSE);
	assert_int_equal(seam_money_parse("1", -1, &m, NULL), SEAM_INVAL);

	assert_string_equal(seam_money_format(1005, 2, b), "10.05");
	assert_string_equal(seam_money_format(5, 2, b), "0.05");
	assert_string_equal(seam_money_format(-5, 2, b), "-0.05");
	assert_string_equal(seam_money_format(500, 0, b), "500");
	assert_string_equal(seam_money_format(1250, 3, b), "1.250");
	assert_string_equal(seam_money_format(0, 2, b), "0.00");
	assert_string_equal(seam_money_format(INT64_MIN, 2, b), "-92233720368547758.08");
	assert_null(seam_money_format(1, 19, b));
	assert_null(seam_money_format(1, -1, b));
}

static void test_currency_exponent(void **state)
{
	(void)state;
	assert_int_equal(seam_money_exponent("USD"), 2);
	assert_int_equal(seam_money_exponent("EUR"), 2);
	assert_int_equal(seam_money_exponent("GBP"), 2);
	assert_int_equal(seam_money_exponent("JPY"), 0);
	assert_int_equal(seam_money_exponent("KRW"), 0);
	assert_int_equal(seam_money_exponent("KWD"), 3);
	assert_int_equal(seam_money_exponent("BHD"), 3);
	assert_int_equal(seam_money_exponent("CLF"), 4);
	assert_int_equal(seam_money_exponent("ZWL"), 2);
	assert_int_equal(seam_money_exponent("AED"), 2);
	assert_int_equal(seam_money_exponent("usd"), -1);
	assert_int_equal(seam_money_exponent("XYZ"), -1);
	assert_int_equal(seam_money_exponent("US"), -1);
	assert_int_equal(seam_money_exponent("USDX"), -1);
	assert_int_equal(seam_money_exponent(""), -1);
	assert_int_equal(seam_money_exponent(NULL), -1);
	/* A code never matches across the separators of the table. */
	assert_int_equal(seam_money_exponent("D A"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_add_sub_mul),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_minor_units),
		cmocka_unit_test(test_currency_exponent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
