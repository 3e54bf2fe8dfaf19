/* test_ratelimit.c: the token bucket with an injected clock (burst, refill, reservations in
 * arrival order, refusals that take nothing, the cap on idle refill, rate over a window), and
 * the blocking form with real threads and the real clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "core/clock.h"
#include "http/ratelimit.h"
#include "tests/support/th_assert.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

static void test_burst_then_reservations(void **state)
{
	seam_ratelimit_t rl;
	int64_t w = -1;
	(void)state;
	seam_ratelimit_init(&rl, 10, 3);
	int64_t t = 5 * SEC;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(seam_ratelimit_reserve(&rl, t, 0, &w), 1);
		assert_int_equal(w, 0);
	}
	/* empty: a caller unwilling to wait is refused with the wait it would need (100 ms) */
	assert_int_equal(seam_ratelimit_reserve(&rl, t, 0, &w), 0);
	assert_int_equal(w, 100 * MS);
	/* and the refusal took nothing: the same answer again */
	assert_int_equal(seam_ratelimit_reserve(&rl, t, 99 * MS, &w), 0);
	assert_int_equal(w, 100 * MS);
	/* willing callers reserve successive future tokens, in arrival order */
	assert_int_equal(seam_ratelimit_reserve(&rl, t, SEC, &w), 1);
	assert_int_equal(w, 100 * MS);
	assert_int_equal(seam_ratelimit_reserve(&rl, t, SEC, &w), 1);
	assert_int_equal(w, 200 * MS);
	/* 250 ms later the next free token is at +300 ms from t, i.e. 50 ms away */
	assert_int_equal(seam_ratelimit_reserve(&rl, t + 250 * MS, SEC, &w), 1);
	assert_int_equal(w, 50 * MS);
	seam_ratelimit_dispose(&rl);
}

static void test_idle_refill_capped_at_burst(void **state)
{
	seam_ratelimit_t rl;
	int64_t w = -1;
	int granted = 0;
	(void)state;
	seam_ratelimit_init(&rl, 100, 5);
	assert_int_equal(seam_ratelimit_reserve(&rl, 0, 0, &w), 1);
	/* ten idle seconds refill at most `burst` tokens */
	for (int i = 0; i < 20; i++)
		granted += seam_ratelimit_reserve(&rl, 10 * SEC, 0, &w);
	assert_int_equal(granted, 5);
	/* a clock that steps back adds nothing and breaks nothing */
	assert_int_equal(seam_ratelimit_reserve(&rl, 9 * SEC, 0, &w), 0);
	assert_int_equal(w, 10 * MS);
	seam_ratelimit_dispose(&rl);
}

static void test_rate_over_window(void **state)
{
	seam_ratelimit_t rl;
	int granted = 0;
	(void)state;
	/* 1000 impatient callers, one per millisecond for a second, at 100/s with burst 10:
	 * the burst plus one second of refill get through. */
	seam_ratelimit_init(&rl, 100, 10);
	for (int i = 0; i < 1000; i++)
		granted += seam_ratelimit_reserve(&rl, i * MS, 0, NULL);
	assert_in_range(granted, 108, 110);
	seam_ratelimit_dispose(&rl);
}

static void test_unlimited_and_defaults(void **state)
{
	seam_ratelimit_t rl;
	int64_t w = -1;
	(void)state;
	seam_ratelimit_init(&rl, 0, 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(seam_ratelimit_reserve(&rl, 0, 0, &w), 1);
	assert_int_equal(w, 0);
	seam_ratelimit_dispose(&rl);

	/* burst 0 means max(1, rate) */
	seam_ratelimit_init(&rl, 5, 0);
	int granted = 0;
	for (int i = 0; i < 10; i++)
		granted += seam_ratelimit_reserve(&rl, SEC, 0, NULL);
	assert_int_equal(granted, 5);
	seam_ratelimit_dispose(&rl);

	/* fractional rates: 0.5/s means one token per two seconds */
	seam_ratelimit_init(&rl, 0.5, 1);
	assert_int_equal(seam_ratelimit_reserve(&rl, 0, 0, &w), 1);
	assert_int_equal(seam_ratelimit_reserve(&rl, 0, 0, &w), 0);
	assert_int_equal(w, 2 * SEC);
	seam_ratelimit_dispose(&rl);
}

typedef struct {
	seam_ratelimit_t *rl;
	int n, ok;
} worker_t;

static void *worker(void *p)
{
	worker_t *w = p;
	for (int i = 0; i < w->n; i++)
		w->ok += seam_ratelimit_acquire(w->rl, 5000, NULL);
	return NULL;
}

static void test_blocking_threads(void **state)
{
	seam_ratelimit_t rl;
	pthread_t th[4];
	worker_t w[4];
	(void)state;
	/* 4 threads x 5 tokens at 50/s with burst 2: 18 tokens must wait 20 ms each. */
	seam_ratelimit_init(&rl, 50, 2);
	int64_t t0 = seam_mono_ns();
	for (int i = 0; i < 4; i++) {
		w[i] = (worker_t){.rl = &rl, .n = 5};
		pthread_create(&th[i], NULL, worker, &w[i]);
	}
	int ok = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ok += w[i].ok;
	}
	int64_t ms = (seam_mono_ns() - t0) / MS;
	assert_int_equal(ok, 20);
	assert_in_range(ms, 340, 1500);

	/* an impatient blocking caller is refused at once and told the wait */
	int64_t wait_ms = 0;
	t0 = seam_mono_ns();
	assert_int_equal(seam_ratelimit_acquire(&rl, 0, &wait_ms), 0);
	assert_in_range(wait_ms, 1, 20);
	TH_ASSERT_CMP((seam_mono_ns() - t0) / MS, <, 10);
	seam_ratelimit_dispose(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_reservations),
		cmocka_unit_test(test_idle_refill_capped_at_burst),
		cmocka_unit_test(test_rate_over_window),
		cmocka_unit_test(test_unlimited_and_defaults),
		cmocka_unit_test(test_blocking_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
