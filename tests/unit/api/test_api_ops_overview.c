/* test_api_ops_overview.c: the dashboard's per-minute history (src/api/api_ops_overview.c),
 * driven by a clock of the test's own: counts per minute are differences of the registry's
 * counters between minute samples, the current minute is live, unknown minutes are null, a flow
 * or upstream first seen later reads 0 before, failures and errors are classified as the header
 * says, and the sampler thread starts and stops cleanly (TSan runs this too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "api/api_ops_overview.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "tests/support/th_assert.h"

#define MIN 60000LL
#define T0 (1700000000000LL / MIN * MIN) /* a minute's start */

static void attempt(seam_metrics_t *m, const char *flow, const char *outcome, double n)
{
	seam_metric_add(m, SEAM_M_QUEUE_ATTEMPTS, (const char *[]){flow, outcome}, n);
}

static void upstream(seam_metrics_t *m, const char *name, const char *status, double n)
{
	seam_metric_add(m, SEAM_M_UPSTREAM_REQUESTS, (const char *[]){name, "POST", status}, n);
}

/* The value at index i from the end (0: the current minute) of out[group][name][col]; -1 for
 * null. */
static long at(json_t *out, const char *group, const char *name, const char *col, int back)
{
	json_t *a = json_object_get(json_object_get(json_object_get(out, group), name), col);
	if (!a)
		fail_msg("no %s.%s.%s", group, name, col);
	assert_int_equal(json_array_size(a), SEAM_OPS_HISTORY_MINUTES);
	json_t *v = json_array_get(a, json_array_size(a) - 1 - (size_t)back);
	return json_is_null(v) ? -1 : (long)json_integer_value(v);
}

static void test_series(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	seam_ops_history_t *h = seam_ops_history_create(m);
	json_t *out;
	(void)state;

	attempt(m, "orders", "succeeded", 5); /* before the first sample: not in any minute */
	seam_ops_history_sample(h, T0 + 20000); /* mid-minute: the process started */
	attempt(m, "orders", "succeeded", 3);
	attempt(m, "orders", "retry", 2);
	attempt(m, "orders", "dead", 1);
	attempt(m, "orders", "deferred", 7); /* an open breaker's wait: not a failure */
	upstream(m, "erp", "201", 4);
	upstream(m, "erp", "503", 2);
	upstream(m, "erp", "422", 1); /* the upstream's answer: a request, not an error */
	upstream(m, "erp", "timeout", 1);
	seam_ops_history_sample(h, T0 + MIN + 5);
	seam_ops_history_sample(h, T0 + MIN + 40000); /* the same minute again: kept as it was */
	attempt(m, "orders", "succeeded", 10);
	attempt(m, "payments", "succeeded", 4); /* a flow first seen now */
	attempt(m, "payments", "lease_expired", 1);
	upstream(m, "drupal", "429", 3);
	seam_ops_history_sample(h, T0 + 2 * MIN + 100);
	attempt(m, "orders", "succeeded", 6); /* the current minute, so far */

	out = json_object();
	seam_ops_history_series(h, T0 + 2 * MIN + 30000, out);
	assert_int_equal(json_array_size(json_object_get(out, "minutes")), SEAM_OPS_HISTORY_MINUTES);
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "minutes"),
							      SEAM_OPS_HISTORY_MINUTES - 1)),
			    "2023-11-14T22:15:00.000Z");
	assert_non_null(json_string_value(json_object_get(out, "history_since")));
	/* orders: minute 0 (from the start) 3 ok, 3 failed; minute 1: 10; now: 6 */
	assert_int_equal(at(out, "flows", "orders", "succeeded", 2), 3);
	assert_int_equal(at(out, "flows", "orders", "failed", 2), 3);
	assert_int_equal(at(out, "flows", "orders", "succeeded", 1), 10);
	assert_int_equal(at(out, "flows", "orders", "failed", 1), 0);
	assert_int_equal(at(out, "flows", "orders", "succeeded", 0), 6);
	/* before the process: unknown */
	assert_int_equal(at(out, "flows", "orders", "succeeded", 3), -1);
	assert_int_equal(at(out, "flows", "orders", "succeeded", 59), -1);
	/* payments appeared in minute 1: 0 in minute 0, then its counts */
	assert_int_equal(at(out, "flows", "payments", "succeeded", 2), 0);
	assert_int_equal(at(out, "flows", "payments", "succeeded", 1), 4);
	assert_int_equal(at(out, "flows", "payments", "failed", 1), 1);
	assert_int_equal(at(out, "flows", "payments", "succeeded", 0), 0);
	/* upstreams: every request counts; errors are 5xx, 429 and no answer */
	assert_int_equal(at(out, "upstreams", "erp", "requests", 2), 8);
	assert_int_equal(at(out, "upstreams", "erp", "errors", 2), 3);
	assert_int_equal(at(out, "upstreams", "drupal", "errors", 1), 3);
	json_decref(out);

	/* a missing sample (the process was stopped, the sampler late): that minute is unknown,
	 * the ones around it are not */
	seam_ops_history_sample(h, T0 + 4 * MIN + 1);
	attempt(m, "orders", "succeeded", 1);
	out = json_object();
	seam_ops_history_series(h, T0 + 4 * MIN + 2, out);
	assert_int_equal(at(out, "flows", "orders", "succeeded", 0), 1); /* minute 4, live */
	assert_int_equal(at(out, "flows", "orders", "succeeded", 1), -1); /* minute 3: no sample */
	assert_int_equal(at(out, "flows", "orders", "succeeded", 2), -1); /* minute 2: no end */
	assert_int_equal(at(out, "flows", "orders", "succeeded", 3), 10);
	json_decref(out);

	/* an hour later the ring has moved on: the old samples are not read as new ones */
	out = json_object();
	seam_ops_history_series(h, T0 + 63 * MIN, out);
	for (int i = 0; i < SEAM_OPS_HISTORY_MINUTES; i++)
		assert_int_equal(at(out, "flows", "orders", "succeeded", i), -1);
	json_decref(out);

	seam_ops_history_destroy(h);
	seam_metrics_destroy(m);
}

static void test_no_history(void **state)
{
	json_t *out = json_object();
	(void)state;
	seam_ops_history_series(NULL, T0, out);
	assert_int_equal(json_array_size(json_object_get(out, "minutes")), SEAM_OPS_HISTORY_MINUTES);
	assert_true(json_is_null(json_object_get(out, "history_since")));
	assert_int_equal(json_object_size(json_object_get(out, "flows")), 0);
	json_decref(out);
	seam_ops_history_destroy(NULL);
	seam_ops_history_stop(NULL);
}

/* The thread: a first sample at start, stop joins it at once (not a minute later), a second
 * start/stop works, and reading concurrently is safe. */
static void test_sampler_thread(void **state)
{
	seam_metrics_t *m = seam_metrics_create();
	seam_ops_history_t *h = seam_ops_history_create(m);
	seam_error_t e = {0};
	(void)state;
	attempt(m, "orders", "succeeded", 1);
	assert_int_equal(seam_ops_history_start(h, &e), SEAM_OK);
	for (int i = 0; i < 50; i++) {
		json_t *out = json_object();
		attempt(m, "orders", "succeeded", 1);
		seam_ops_history_series(h, seam_now_ms(), out);
		json_decref(out);
	}
	seam_ops_history_stop(h);
	assert_int_equal(seam_ops_history_start(h, &e), SEAM_OK);
	seam_ops_history_destroy(h); /* stops it */
	seam_metrics_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_no_history),
		cmocka_unit_test(test_sampler_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
