/* test_classify.c: the retry class of an exchange for every row of the table in classify.h,
 * and which codes are retryable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "http/classify.h"

static void test_classify_table(void **state)
{
	(void)state;
	struct {
		long status;
		int cc;
		seam_err_t want;
	} t[] = {
		{200, 0, SEAM_OK}, {201, 0, SEAM_OK}, {204, 0, SEAM_OK}, {304, 0, SEAM_OK},
		{301, 0, SEAM_PERMANENT}, {400, 0, SEAM_PERMANENT}, {401, 0, SEAM_PERMANENT},
		{403, 0, SEAM_PERMANENT}, {404, 0, SEAM_PERMANENT}, {409, 0, SEAM_PERMANENT},
		{422, 0, SEAM_PERMANENT}, {408, 0, SEAM_RETRY}, {425, 0, SEAM_RETRY},
		{429, 0, SEAM_RETRY}, {500, 0, SEAM_RETRY}, {502, 0, SEAM_RETRY},
		{503, 0, SEAM_RETRY}, {504, 0, SEAM_RETRY}, {507, 0, SEAM_RETRY},
		{501, 0, SEAM_PERMANENT}, {505, 0, SEAM_PERMANENT},
		{0, CURLE_OPERATION_TIMEDOUT, SEAM_TIMEOUT}, {0, CURLE_COULDNT_CONNECT, SEAM_RETRY},
		{0, CURLE_COULDNT_RESOLVE_HOST, SEAM_RETRY}, {0, CURLE_GOT_NOTHING, SEAM_RETRY},
		{0, CURLE_RECV_ERROR, SEAM_RETRY}, {0, CURLE_SEND_ERROR, SEAM_RETRY},
		{0, CURLE_PARTIAL_FILE, SEAM_RETRY}, {0, CURLE_HTTP2_STREAM, SEAM_RETRY},
		{0, CURLE_PEER_FAILED_VERIFICATION, SEAM_PERMANENT},
		{0, CURLE_URL_MALFORMAT, SEAM_PERMANENT}, {0, CURLE_WRITE_ERROR, SEAM_PERMANENT},
		/* a curl failure wins over a status seen before it */
		{200, CURLE_PARTIAL_FILE, SEAM_RETRY},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		seam_err_t got = seam_upstream_classify(t[i].status, t[i].cc);
		if (got != t[i].want)
			fail_msg("status %ld curl %d: got %s want %s", t[i].status, t[i].cc,
				 seam_errname(got), seam_errname(t[i].want));
	}
	assert_true(seam_upstream_retryable(SEAM_RETRY));
	assert_true(seam_upstream_retryable(SEAM_TIMEOUT));
	assert_true(seam_upstream_retryable(SEAM_BUSY));
	assert_true(seam_upstream_retryable(SEAM_OPEN_CIRCUIT));
	assert_false(seam_upstream_retryable(SEAM_PERMANENT));
	assert_false(seam_upstream_retryable(SEAM_OK));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
