/* test_breaker.c: the circuit breaker state machine with an injected clock: opening on the
 * failure ratio only after min_calls, the count and time windows, fail-fast with the cool-down
 * left, half-open probes (bounded, success closes, failure re-opens, ignore frees the slot),
 * stale outcomes, disabled breakers, and probe bounds under threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "http/breaker.h"

static const seam_breaker_opts_t small = {
	.window_calls = 4, .window_ms = 10000, .min_calls = 4, .failure_ratio = 0.5,
	.open_ms = 1000, .half_open_probes = 1,
};

/* One call at `now` with outcome o; returns 1 when it was allowed. */
static int call(seam_breaker_t *b, int64_t now, seam_breaker_outcome_e o,
		seam_breaker_transition_t *tr)
{
	seam_breaker_permit_t p;
	if (!seam_breaker_allow(b, now, &p, NULL, tr))
		return 0;
	seam_breaker_record(b, now, &p, o, tr);
	return 1;
}

static void test_opens_on_ratio_after_min_calls(void **state)
{
	seam_breaker_transition_t tr;
	seam_breaker_t *b = seam_breaker_create(&small);
	(void)state;
	assert_non_null(b);
	/* three failures in a row: below min_calls, stays closed */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(call(b, 100 + i, SEAM_BREAKER_FAILURE, &tr), 1);
		assert_int_equal(tr.to, SEAM_BREAKER_CLOSED);
	}
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	/* the fourth outcome makes 4 calls, 4 failures: open, and the transition is reported */
	assert_int_equal(call(b, 110, SEAM_BREAKER_FAILURE, &tr), 1);
	assert_int_equal(tr.from, SEAM_BREAKER_CLOSED);
	assert_int_equal(tr.to, SEAM_BREAKER_OPEN);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	seam_breaker_destroy(b);
}

static void test_ratio_threshold_exact(void **state)
{
	seam_breaker_transition_t tr;
	seam_breaker_t *b = seam_breaker_create(&small);
	(void)state;
	/* S S F -> 1/3 with 3 calls (below min); then F -> 2/4 = 0.5 >= 0.5: open */
	call(b, 1, SEAM_BREAKER_SUCCESS, &tr);
	call(b, 2, SEAM_BREAKER_SUCCESS, &tr);
	call(b, 3, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	call(b, 4, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	seam_breaker_destroy(b);

	/* with ratio 0.75 the same sequence stays closed */
	seam_breaker_opts_t o = small;
	o.failure_ratio = 0.75;
	b = seam_breaker_create(&o);
	call(b, 1, SEAM_BREAKER_SUCCESS, &tr);
	call(b, 2, SEAM_BREAKER_SUCCESS, &tr);
	call(b, 3, SEAM_BREAKER_FAILURE, &tr);
	call(b, 4, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	seam_breaker_destroy(b);
}

static void test_count_window_forgets_old_calls(void **state)
{
	seam_breaker_transition_t tr;
	seam_breaker_t *b = seam_breaker_create(&small);
	(void)state;
	/* F F then S S S S: only the last 4 calls count (all successes) */
	call(b, 1, SEAM_BREAKER_FAILURE, &tr);
	call(b, 2, SEAM_BREAKER_FAILURE, &tr);
	for (int i = 0; i < 4; i++)
		call(b, 3 + i, SEAM_BREAKER_SUCCESS, &tr);
	/* now F: window is S S S F = 1/4 */
	call(b, 10, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	call(b, 11, SEAM_BREAKER_FAILURE, &tr); /* S S F F = 2/4 */
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	seam_breaker_destroy(b);
}

static void test_time_window_forgets_old_calls(void **state)
{
	seam_breaker_transition_t tr;
	seam_breaker_opts_t o = small;
	o.window_calls = 10;
	seam_breaker_t *b = seam_breaker_create(&o);
	(void)state;
	/* three failures long ago, then one failure now: only one recent call counts (< min) */
	for (int i = 0; i < 3; i++)
		call(b, i, SEAM_BREAKER_FAILURE, &tr);
	call(b, 20000, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	/* three more recent failures: 4 recent calls, all failed */
	call(b, 20001, SEAM_BREAKER_FAILURE, &tr);
	call(b, 20002, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	call(b, 20003, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	seam_breaker_destroy(b);
}

static void test_ignore_does_not_count(void **state)
{
	seam_breaker_transition_t tr;
	seam_breaker_t *b = seam_breaker_create(&small);
	(void)state;
	for (int i = 0; i < 10; i++)
		call(b, i, SEAM_BREAKER_IGNORE, &tr);
	call(b, 20, SEAM_BREAKER_FAILURE, &tr);
	call(b, 21, SEAM_BREAKER_FAILURE, &tr);
	call(b, 22, SEAM_BREAKER_SUCCESS, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED); /* 3 counted calls */
	seam_breaker_destroy(b);
}

static seam_breaker_t *opened_at(int64_t t)
{
	seam_breaker_transition_t tr;
	seam_breaker_t *b = seam_breaker_create(&small);
	for (int i = 0; i < 4; i++)
		call(b, t, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	return b;
}

static void test_open_fails_fast_with_cooldown_left(void **state)
{
	seam_breaker_permit_t p;
	seam_breaker_transition_t tr;
	int64_t left = -1;
	seam_breaker_t *b = opened_at(5000);
	(void)state;
	assert_int_equal(seam_breaker_allow(b, 5000, &p, &left, &tr), 0);
	assert_int_equal(left, 1000);
	assert_int_equal(tr.from, tr.to);
	assert_int_equal(seam_breaker_allow(b, 5999, &p, &left, &tr), 0);
	assert_int_equal(left, 1);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	seam_breaker_destroy(b);
}

static void test_half_open_probe_success_closes(void **state)
{
	seam_breaker_permit_t p, p2;
	seam_breaker_transition_t tr;
	int64_t left = -1;
	seam_breaker_t *b = opened_at(0);
	(void)state;
	/* cool-down over: the first call becomes the probe and moves the breaker to half-open */
	assert_int_equal(seam_breaker_allow(b, 1000, &p, &left, &tr), 1);
	assert_int_equal(p.probe, 1);
	assert_int_equal(tr.from, SEAM_BREAKER_OPEN);
	assert_int_equal(tr.to, SEAM_BREAKER_HALF_OPEN);
	/* only one probe at a time: the next caller is refused, told to come back soon */
	assert_int_equal(seam_breaker_allow(b, 1001, &p2, &left, &tr), 0);
	assert_int_equal(left, 0);
	/* the probe succeeds: closed, with a fresh window (three failures do not re-open it) */
	seam_breaker_record(b, 1002, &p, SEAM_BREAKER_SUCCESS, &tr);
	assert_int_equal(tr.from, SEAM_BREAKER_HALF_OPEN);
	assert_int_equal(tr.to, SEAM_BREAKER_CLOSED);
	for (int i = 0; i < 3; i++)
		call(b, 1003 + i, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	seam_breaker_destroy(b);
}

static void test_half_open_probe_failure_reopens(void **state)
{
	seam_breaker_permit_t p;
	seam_breaker_transition_t tr;
	int64_t left = -1;
	seam_breaker_t *b = opened_at(0);
	(void)state;
	assert_int_equal(seam_breaker_allow(b, 1500, &p, &left, &tr), 1);
	seam_breaker_record(b, 1600, &p, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(tr.from, SEAM_BREAKER_HALF_OPEN);
	assert_int_equal(tr.to, SEAM_BREAKER_OPEN);
	/* a new cool-down from the failed probe */
	assert_int_equal(seam_breaker_allow(b, 1700, &p, &left, &tr), 0);
	assert_int_equal(left, 900);
	assert_int_equal(seam_breaker_allow(b, 2600, &p, &left, &tr), 1);
	assert_int_equal(tr.to, SEAM_BREAKER_HALF_OPEN);
	seam_breaker_destroy(b);
}

static void test_half_open_ignore_frees_probe(void **state)
{
	seam_breaker_permit_t p;
	seam_breaker_transition_t tr;
	seam_breaker_t *b = opened_at(0);
	(void)state;
	assert_int_equal(seam_breaker_allow(b, 1000, &p, NULL, &tr), 1);
	seam_breaker_record(b, 1001, &p, SEAM_BREAKER_IGNORE, &tr); /* e.g. a 429 */
	assert_int_equal(tr.to, SEAM_BREAKER_HALF_OPEN);
	assert_int_equal(seam_breaker_allow(b, 1002, &p, NULL, &tr), 1);
	assert_int_equal(p.probe, 1);
	seam_breaker_record(b, 1003, &p, SEAM_BREAKER_SUCCESS, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	seam_breaker_destroy(b);
}

static void test_stale_outcomes_not_judged(void **state)
{
	seam_breaker_permit_t slow, p;
	seam_breaker_transition_t tr;
	seam_breaker_t *b = seam_breaker_create(&small);
	(void)state;
	/* a slow call admitted while closed ... */
	assert_int_equal(seam_breaker_allow(b, 0, &slow, NULL, &tr), 1);
	for (int i = 0; i < 4; i++)
		call(b, 1, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	assert_int_equal(seam_breaker_allow(b, 1001, &p, NULL, &tr), 1); /* probe */
	/* ... ends successfully during half-open: it is not a probe and must not close it */
	seam_breaker_record(b, 1002, &slow, SEAM_BREAKER_SUCCESS, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_HALF_OPEN);
	seam_breaker_record(b, 1003, &p, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	seam_breaker_destroy(b);
}

static void test_disabled_and_defaults(void **state)
{
	seam_breaker_transition_t tr;
	seam_breaker_opts_t o = {.disabled = 1};
	seam_breaker_t *b = seam_breaker_create(&o);
	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(call(b, i, SEAM_BREAKER_FAILURE, &tr), 1);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	seam_breaker_destroy(b);

	/* defaults: 10 calls minimum, 50%, 30 s cool-down */
	b = seam_breaker_create(NULL);
	for (int i = 0; i < 9; i++)
		call(b, i, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_CLOSED);
	call(b, 9, SEAM_BREAKER_FAILURE, &tr);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_OPEN);
	seam_breaker_permit_t p;
	int64_t left = 0;
	assert_int_equal(seam_breaker_allow(b, 10, &p, &left, &tr), 0);
	assert_int_equal(left, 29999);
	seam_breaker_destroy(b);
	seam_breaker_destroy(NULL);

	assert_string_equal(seam_breaker_state_name(SEAM_BREAKER_CLOSED), "closed");
	assert_string_equal(seam_breaker_state_name(SEAM_BREAKER_HALF_OPEN), "half_open");
	assert_string_equal(seam_breaker_state_name(SEAM_BREAKER_OPEN), "open");
}

typedef struct {
	seam_breaker_t *b;
	int granted;
	seam_breaker_permit_t p;
} prober_t;

static pthread_barrier_t barrier;

static void *prober(void *arg)
{
	prober_t *pr = arg;
	pthread_barrier_wait(&barrier);
	pr->granted = seam_breaker_allow(pr->b, 5000, &pr->p, NULL, NULL);
	return NULL;
}

static void test_probe_bound_under_threads(void **state)
{
	enum { N = 8 };
	seam_breaker_opts_t o = small;
	o.half_open_probes = 2;
	seam_breaker_transition_t tr;
	seam_breaker_t *b = seam_breaker_create(&o);
	pthread_t th[N];
	prober_t pr[N];
	int granted = 0;
	(void)state;
	for (int i = 0; i < 4; i++)
		call(b, 0, SEAM_BREAKER_FAILURE, &tr);
	pthread_barrier_init(&barrier, NULL, N);
	for (int i = 0; i < N; i++) {
		pr[i] = (prober_t){.b = b};
		pthread_create(&th[i], NULL, prober, &pr[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		granted += pr[i].granted;
	}
	pthread_barrier_destroy(&barrier);
	assert_int_equal(granted, 2);
	assert_int_equal(seam_breaker_state(b), SEAM_BREAKER_HALF_OPEN);
	seam_breaker_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opens_on_ratio_after_min_calls),
		cmocka_unit_test(test_ratio_threshold_exact),
		cmocka_unit_test(test_count_window_forgets_old_calls),
		cmocka_unit_test(test_time_window_forgets_old_calls),
		cmocka_unit_test(test_ignore_does_not_count),
		cmocka_unit_test(test_open_fails_fast_with_cooldown_left),
		cmocka_unit_test(test_half_open_probe_success_closes),
		cmocka_unit_test(test_half_open_probe_failure_reopens),
		cmocka_unit_test(test_half_open_ignore_frees_probe),
		cmocka_unit_test(test_stale_outcomes_not_judged),
		cmocka_unit_test(test_disabled_and_defaults),
		cmocka_unit_test(test_probe_bound_under_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
