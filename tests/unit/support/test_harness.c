/* test_harness.c: the e2e fixtures of tests/support/harness.h that compute something: a
 * Stripe signature the product's own verifier accepts (and only for that body, secret and
 * time), the sample values read from Prometheus text (a whole series name at the start of a
 * line, -1 when absent; sums over a prefix), and the files th_seam_init names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "connectors/stripe.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

static seam_err_t verify(const char *line, const char *body, const char *secret, int64_t now)
{
	const char *prefix = "Stripe-Signature: ";
	assert_int_equal(strncmp(line, prefix, strlen(prefix)), 0);
	seam_error_t err = {0};
	return seam_stripe_verify(line + strlen(prefix), body, strlen(body), &secret, 1, now,
				  SEAM_STRIPE_TOLERANCE_S, NULL, &err);
}

static void test_stripe_signature(void **state)
{
	char line[200];
	const char *body = "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\"}";
	(void)state;
	th_stripe_signature("whsec_test", 1732636272, body, line, sizeof line);
	const char *want = "Stripe-Signature: t=1732636272,v1=";
	TH_ASSERT_STRNCMP(line, ==, want, strlen(want));
	assert_int_equal(strlen(line), strlen(want) + 64); /* the HMAC-SHA256 in hex */
	assert_int_equal(verify(line, body, "whsec_test", 1732636272), SEAM_OK);
	assert_int_equal(verify(line, "{\"id\":\"evt_2\"}", "whsec_test", 1732636272), SEAM_AUTH);
	assert_int_equal(verify(line, body, "whsec_other", 1732636272), SEAM_AUTH);
	assert_int_equal(verify(line, body, "whsec_test", 1732636272 + 301), SEAM_AUTH);
}

static void test_metric_values(void **state)
{
	const char *text =
		"# HELP seam_x_total things\n"
		"# TYPE seam_x_total counter\n"
		"seam_x_total{store=\"us\",how=\"created\"} 3\n"
		"seam_x_total{store=\"us\",how=\"adopted\"} 1.5\n"
		"seam_x_total{store=\"eu\",how=\"created\"} 2\n"
		"seam_x_total_more{store=\"us\"} 40\n"
		"seam_y 0\n";
	(void)state;
	TH_ASSERT_CMP(th_metric(text, "seam_x_total{store=\"us\",how=\"created\"}"), ==, 3);
	TH_ASSERT_CMP(th_metric(text, "seam_x_total{store=\"us\",how=\"adopted\"}"), ==, 1.5);
	TH_ASSERT_CMP(th_metric(text, "seam_y"), ==, 0);
	TH_ASSERT_CMP(th_metric(text, "seam_z"), ==, -1);       /* absent */
	TH_ASSERT_CMP(th_metric(text, "seam_x_total"), ==, -1); /* only the HELP/TYPE lines */
	TH_ASSERT_CMP(th_metric_sum(text, "seam_x_total{"), ==, 6.5);
	TH_ASSERT_CMP(th_metric_sum(text, "seam_x_total{store=\"us\""), ==, 4.5);
	TH_ASSERT_CMP(th_metric_sum(text, "seam_x_total"), ==, 46.5); /* a prefix is a prefix */
	TH_ASSERT_CMP(th_metric_sum(text, "x_total{"), ==, 0);        /* at a line's start only */
}

static void test_seam_files(void **state)
{
	th_seam_t s;
	char u[96];
	(void)state;
	th_seam_init(&s, "/tmp/seam-test-x", "one");
	assert_string_equal(s.cfg, "/tmp/seam-test-x/one.yaml");
	assert_string_equal(s.log, "/tmp/seam-test-x/one.log");
	assert_string_equal(s.db_url, "sqlite:///tmp/seam-test-x/one.db");
	TH_ASSERT_CMP(s.port, >, 0);
	assert_int_equal(s.pid, 0);
	snprintf(u, sizeof u, "http://127.0.0.1:%d/healthz", s.port);
	assert_string_equal(th_seam_url(&s, "/healthz", (char[96]){0}, 96), u);
	assert_int_equal(th_seam_stop(&s, SIGTERM, 10), -1); /* not running: nothing to stop */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stripe_signature),
		cmocka_unit_test(test_metric_values),
		cmocka_unit_test(test_seam_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
