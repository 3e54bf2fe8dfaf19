/* test_webhook_sig.c: the shared reason names (stable, unique, all filled), the timestamp
 * syntax and the two-sided tolerance window, including overflow-prone extremes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "connectors/webhook_sig.h"

static void test_reason_names(void **state)
{
	(void)state;
	/* These strings are metric label values: changing one breaks dashboards. */
	assert_string_equal(seam_webhook_sig_reason_name(SEAM_WHSIG_OK), "ok");
	assert_string_equal(seam_webhook_sig_reason_name(SEAM_WHSIG_MISSING_SIGNATURE),
			    "missing_signature");
	assert_string_equal(seam_webhook_sig_reason_name(SEAM_WHSIG_MALFORMED_SIGNATURE),
			    "malformed_signature");
	assert_string_equal(seam_webhook_sig_reason_name(SEAM_WHSIG_NO_V1_SIGNATURE),
			    "no_v1_signature");
	assert_string_equal(seam_webhook_sig_reason_name(SEAM_WHSIG_MALFORMED_PAYLOAD),
			    "malformed_payload");
	assert_string_equal(seam_webhook_sig_reason_name(SEAM_WHSIG_BAD_SIGNATURE), "bad_signature");
	assert_string_equal(seam_webhook_sig_reason_name(SEAM_WHSIG_STALE_TIMESTAMP),
			    "stale_timestamp");
	assert_string_equal(seam_webhook_sig_reason_name(SEAM_WHSIG_NO_SECRET), "no_secret");
	assert_string_equal(seam_webhook_sig_reason_name(SEAM__WHSIG_COUNT), "unknown");
	assert_string_equal(seam_webhook_sig_reason_name((seam_webhook_sig_reason_e)-1), "unknown");
	for (int i = 0; i < SEAM__WHSIG_COUNT; i++)
		for (int j = i + 1; j < SEAM__WHSIG_COUNT; j++)
			assert_string_not_equal(seam_webhook_sig_reason_name(i),
						seam_webhook_sig_reason_name(j));
}

static void test_init(void **state)
{
	seam_webhook_sig_t r = {SEAM_WHSIG_BAD_SIGNATURE, 5, 3};
	(void)state;
	seam_webhook_sig_init(&r);
	assert_int_equal(r.reason, SEAM_WHSIG_OK);
	assert_int_equal(r.timestamp, 0);
	assert_int_equal(r.secret_index, -1);
	seam_webhook_sig_init(NULL);
}

static void test_timestamp_parse(void **state)
{
	int64_t t = 7;
	(void)state;
	assert_int_equal(seam_webhook_sig_timestamp_parse("1700000000", 10, &t), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(seam_webhook_sig_timestamp_parse("0", 1, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(seam_webhook_sig_timestamp_parse("999999999999999999", 18, &t), 0);
	assert_int_equal(t, 999999999999999999LL);
	/* len bounds the read */
	assert_int_equal(seam_webhook_sig_timestamp_parse("17,v1=", 2, &t), 0);
	assert_int_equal(t, 17);
	t = 7;
	assert_int_equal(seam_webhook_sig_timestamp_parse("1000000000000000000", 19, &t), -1);
	assert_int_equal(seam_webhook_sig_timestamp_parse("", 0, &t), -1);
	assert_int_equal(seam_webhook_sig_timestamp_parse(NULL, 3, &t), -1);
	assert_int_equal(seam_webhook_sig_timestamp_parse("-1", 2, &t), -1);
	assert_int_equal(seam_webhook_sig_timestamp_parse("+1", 2, &t), -1);
	assert_int_equal(seam_webhook_sig_timestamp_parse(" 1", 2, &t), -1);
	assert_int_equal(seam_webhook_sig_timestamp_parse("1 ", 2, &t), -1);
	assert_int_equal(seam_webhook_sig_timestamp_parse("1e9", 3, &t), -1);
	assert_int_equal(seam_webhook_sig_timestamp_parse("0x10", 4, &t), -1);
	assert_int_equal(t, 7);
}

static void test_window(void **state)
{
	(void)state;
	assert_true(seam_webhook_sig_within(1000, 1300, 300));
	assert_false(seam_webhook_sig_within(1000, 1301, 300));
	assert_true(seam_webhook_sig_within(1300, 1000, 300));
	assert_false(seam_webhook_sig_within(1301, 1000, 300));
	assert_true(seam_webhook_sig_within(5, 5, 0));
	assert_false(seam_webhook_sig_within(5, 6, 0));
	assert_false(seam_webhook_sig_within(5, 6, -10)); /* negative counts as 0 */
	assert_true(seam_webhook_sig_within(5, 5, -10));
	/* No overflow at the extremes. */
	assert_int_equal(seam_webhook_sig_distance(INT64_MIN, INT64_MAX), UINT64_MAX);
	assert_int_equal(seam_webhook_sig_distance(INT64_MAX, INT64_MIN), UINT64_MAX);
	assert_false(seam_webhook_sig_within(INT64_MIN, INT64_MAX, INT64_MAX));
	assert_true(seam_webhook_sig_within(0, INT64_MAX, INT64_MAX));
	assert_true(seam_webhook_sig_within(INT64_MIN, -1, INT64_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_timestamp_parse),
		cmocka_unit_test(test_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
