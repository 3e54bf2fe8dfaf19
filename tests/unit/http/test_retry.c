/* test_retry.c: Retry-After in delta-seconds and all three HTTP-date forms, caps, past dates
 * and malformed values. (The backoff it feeds is tested in tests/unit/core/test_backoff.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/retry.h"
#include "tests/support/th_assert.h"

/* Sun, 06 Nov 1994 08:49:37 GMT (the RFC 9110 example) */
#define RFC_EXAMPLE_MS INT64_C(784111777000)

static void test_retry_after_seconds(void **state)
{
	int64_t ms = -7;
	(void)state;
	assert_int_equal(seam_retry_after_parse("120", 0, 0, &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(seam_retry_after_parse(" 5 ", 0, 0, &ms), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(seam_retry_after_parse("0", 0, 0, &ms), 0);
	assert_int_equal(ms, 0);
	/* capped */
	assert_int_equal(seam_retry_after_parse("86400", 0, 600000, &ms), 0);
	assert_int_equal(ms, 600000);
	/* absurd values do not overflow: they hit the cap, or INT64_MAX without one */
	assert_int_equal(seam_retry_after_parse("999999999999999999999999", 0, 600000, &ms), 0);
	assert_int_equal(ms, 600000);
	assert_int_equal(seam_retry_after_parse("999999999999999999999999", 0, 0, &ms), 0);
	assert_int_equal(ms, INT64_MAX);
}

static void test_retry_after_malformed(void **state)
{
	int64_t ms = -7;
	(void)state;
	const char *bad[] = {"", "   ", "-1", "1.5", "abc", "10s", "5 6", "+3",
			     "Sun, 06 Nov 1994 08:49:37",          /* no GMT */
			     "Sun, 06 Nov 1994 08:49:37 UTC",
			     "Sun, 32 Nov 1994 08:49:37 GMT",      /* day out of range */
			     "Wed, 29 Feb 2023 00:00:00 GMT",      /* not a leap year */
			     "Sun, 06 Foo 1994 08:49:37 GMT",
			     "Sun, 06 Nov 1994 24:00:00 GMT",
			     "Sun, 6 Nov 1994 08:49:37 GMT",       /* IMF-fixdate wants 2 digits */
			     "Sun Nov  6 08:49:37 94",
			     "Sun, 06 Nov 1994 08:49:37 GMT trailing"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (seam_retry_after_parse(bad[i], 0, 0, &ms) != -1)
			fail_msg("accepted %s", bad[i]);
	}
	assert_int_equal(seam_retry_after_parse(NULL, 0, 0, &ms), -1);
	assert_int_equal(ms, -7); /* untouched */
}

static void test_http_date_forms(void **state)
{
	int64_t ms = 0;
	(void)state;
	assert_int_equal(seam_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &ms), 0);
	assert_int_equal(ms, RFC_EXAMPLE_MS);
	ms = 0;
	assert_int_equal(seam_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &ms), 0);
	assert_int_equal(ms, RFC_EXAMPLE_MS);
	ms = 0;
	assert_int_equal(seam_http_date_parse("Sun Nov  6 08:49:37 1994", &ms), 0);
	assert_int_equal(ms, RFC_EXAMPLE_MS);
	assert_int_equal(seam_http_date_parse("Thu, 01 Jan 1970 00:00:00 GMT", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(seam_http_date_parse("Thu, 29 Feb 2024 12:00:00 GMT", &ms), 0);
	assert_int_equal(ms, INT64_C(1709208000000));
	assert_int_equal(seam_http_date_parse("Fri, 01 Jan 2100 00:00:00 GMT", &ms), 0);
	assert_int_equal(ms, INT64_C(4102444800000));
	/* RFC 850 two-digit years after 2000 */
	assert_int_equal(seam_http_date_parse("Friday, 01-Jan-27 00:00:00 GMT", &ms), 0);
	assert_int_equal(ms, INT64_C(1798761600000));
}

static void test_retry_after_date(void **state)
{
	int64_t ms = -1;
	(void)state;
	/* 30 s before the date */
	assert_int_equal(seam_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
						RFC_EXAMPLE_MS - 30000, 0, &ms), 0);
	assert_int_equal(ms, 30000);
	/* asctime form, 2.5 s before */
	assert_int_equal(seam_retry_after_parse("Sun Nov  6 08:49:37 1994", RFC_EXAMPLE_MS - 2500, 0,
						&ms), 0);
	assert_int_equal(ms, 2500);
	/* in the past: retry now */
	assert_int_equal(seam_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
						RFC_EXAMPLE_MS + 5000, 0, &ms), 0);
	assert_int_equal(ms, 0);
	/* far future: capped */
	assert_int_equal(seam_retry_after_parse("Fri, 01 Jan 2100 00:00:00 GMT", RFC_EXAMPLE_MS,
						3600000, &ms), 0);
	assert_int_equal(ms, 3600000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after_seconds),
		cmocka_unit_test(test_retry_after_malformed),
		cmocka_unit_test(test_http_date_forms),
		cmocka_unit_test(test_retry_after_date),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
