/* test_backoff.c: full-jitter backoff bounds and overflow safety, and the delay after a
 * failure with an upstream's Retry-After as its floor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/backoff.h"
#include "tests/support/th_assert.h"

static void test_backoff_ceiling_doubles_then_caps(void **state)
{
	(void)state;
	assert_int_equal(seam_backoff_ceiling_ms(0, 100, 10000), 100);
	assert_int_equal(seam_backoff_ceiling_ms(1, 100, 10000), 200);
	assert_int_equal(seam_backoff_ceiling_ms(2, 100, 10000), 400);
	assert_int_equal(seam_backoff_ceiling_ms(6, 100, 10000), 6400);
	assert_int_equal(seam_backoff_ceiling_ms(7, 100, 10000), 10000);
	assert_int_equal(seam_backoff_ceiling_ms(-3, 100, 10000), 100);
	/* a cap below the base wins */
	assert_int_equal(seam_backoff_ceiling_ms(0, 500, 200), 200);
	/* degenerate inputs */
	assert_int_equal(seam_backoff_ceiling_ms(3, 0, 1000), 0);
	assert_int_equal(seam_backoff_ceiling_ms(3, 100, 0), 0);
	assert_int_equal(seam_backoff_ceiling_ms(3, -5, 1000), 0);
}

static void test_backoff_no_overflow(void **state)
{
	(void)state;
	assert_int_equal(seam_backoff_ceiling_ms(1000, 100, 3600000), 3600000);
	assert_int_equal(seam_backoff_ceiling_ms(1 << 30, 1, INT64_MAX), INT64_MAX);
	assert_int_equal(seam_backoff_ceiling_ms(5, INT64_MAX / 2 + 1, INT64_MAX), INT64_MAX);
	assert_int_equal(seam_backoff_ceiling_ms(62, 3, INT64_MAX), INT64_MAX);
	int64_t v = seam_backoff_ms(1 << 30, 1, INT64_MAX, UINT64_MAX);
	TH_ASSERT_CMP(v, >=, 0);
	v = seam_backoff_ms(100, 1000, 60000, UINT64_MAX);
	TH_ASSERT_CMP(v, >=, 0);
	TH_ASSERT_CMP(v, <=, 60000);
}

static void test_backoff_full_jitter_range(void **state)
{
	(void)state;
	/* rand 0 gives 0, rand == ceiling gives the ceiling: the range is [0, ceiling]. */
	assert_int_equal(seam_backoff_ms(3, 100, 10000, 0), 0);
	assert_int_equal(seam_backoff_ms(3, 100, 10000, 800), 800);
	assert_int_equal(seam_backoff_ms(3, 100, 10000, 801), 0);
	assert_int_equal(seam_backoff_ms(0, 100, 10000, 57), 57);
	assert_int_equal(seam_backoff_ms(4, 0, 10000, 12345), 0);

	/* A spread of random inputs stays within range and covers it (mean near the middle). */
	uint64_t x = 0x9E3779B97F4A7C15ull;
	double sum = 0;
	int64_t lo = INT64_MAX, hi = 0;
	for (int i = 0; i < 4000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t v = seam_backoff_ms(5, 100, 2000, x);
		TH_ASSERT_CMP(v, >=, 0);
		TH_ASSERT_CMP(v, <=, 2000);
		sum += (double)v;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	double mean = sum / 4000;
	TH_ASSERT_CMP(mean, >, 900);
	TH_ASSERT_CMP(mean, <, 1100);
	TH_ASSERT_CMP(lo, <, 50);
	TH_ASSERT_CMP(hi, >, 1950);
}

/* The delay after the n-th failure: drawn from [0, base] after the first, doubling after each
 * further one, capped; a Retry-After is a floor under it, and "none" (<= 0) changes nothing. */
static void test_backoff_after_failures(void **state)
{
	(void)state;
	/* rand == ceiling hits the top of the range, one more wraps to 0: pins each ceiling */
	static const int64_t ceil_of[] = {0, 100, 200, 400, 800, 1000, 1000};
	for (int n = 1; n <= 6; n++) {
		assert_int_equal(seam_backoff_after_ms(n, 100, 1000, (uint64_t)ceil_of[n], -1), ceil_of[n]);
		assert_int_equal(seam_backoff_after_ms(n, 100, 1000, (uint64_t)ceil_of[n] + 1, -1), 0);
	}
	/* 0 and negative counts behave like the first failure */
	assert_int_equal(seam_backoff_after_ms(0, 100, 1000, 100, -1), 100);
	assert_int_equal(seam_backoff_after_ms(-4, 100, 1000, 101, -1), 0);
	/* Retry-After is a floor: max(backoff, retry_after) */
	assert_int_equal(seam_backoff_after_ms(1, 100, 1000, 0, 5000), 5000);
	assert_int_equal(seam_backoff_after_ms(3, 100, 1000, 400, 250), 400);
	assert_int_equal(seam_backoff_after_ms(3, 100, 1000, 400, 401), 401);
	assert_int_equal(seam_backoff_after_ms(3, 100, 1000, 57, 0), 57);
	/* it may exceed the cap: the upstream said when */
	assert_int_equal(seam_backoff_after_ms(9, 100, 1000, 1000, 120000), 120000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_ceiling_doubles_then_caps),
		cmocka_unit_test(test_backoff_no_overflow),
		cmocka_unit_test(test_backoff_full_jitter_range),
		cmocka_unit_test(test_backoff_after_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
