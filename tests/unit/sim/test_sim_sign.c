/*
 * test_sim_sign.c: the simulators' signing code against the published test vectors
 * the providers publish: Standard Webhooks (two library vectors), Adyen (the library vector and
 * the docs vector), Stripe (a vector computed from its documented scheme).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim_sign.h"

static void test_standard_webhooks_vectors(void **state)
{
	(void)state;
	char sig[128];
	const char *body = "{\"test\": 2432232314}";
	assert_int_equal(seam_sim_sign_standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
						"msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
						strlen(body), sig, sizeof sig), 0);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* the prefix is optional */
	assert_int_equal(seam_sim_sign_standard("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
						"msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
						strlen(body), sig, sizeof sig), 0);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	const char *body2 = "{\"email\":\"test@example.com\",\"username\":\"test_user\"}";
	assert_int_equal(seam_sim_sign_standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
						"msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body2,
						strlen(body2), sig, sizeof sig), 0);
	assert_string_equal(sig, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
	/* one byte of body changes the signature */
	assert_int_equal(seam_sim_sign_standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
						"msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body2,
						strlen(body2) - 1, sig, sizeof sig), 0);
	assert_string_not_equal(sig, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
	assert_int_equal(seam_sim_sign_standard("whsec_!!!", "m", 1, "x", 1, sig, sizeof sig), -1);
}

static void test_stripe_vector(void **state)
{
	(void)state;
	char sig[160];
	const char *body = "{\"id\":\"evt_test_webhook\",\"object\":\"event\"}";
	seam_sim_sign_stripe("whsec_test_secret", 1700000000, body, strlen(body), sig, sizeof sig);
	assert_string_equal(sig, "t=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990");
}

static void test_adyen_vectors(void **state)
{
	(void)state;
	char sig[64];
	assert_int_equal(seam_sim_sign_adyen("DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00",
					     "pspReference", "originalReference", "merchantAccount",
					     "reference", "1000", "EUR", "CAPTURE", "true", sig), 0);
	assert_string_equal(sig, "xhpHvYq2u2Np0rstbZ6QjLGu7JWhvf7Iwaa6EviJSX0=");
	assert_int_equal(seam_sim_sign_adyen("44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
					     "7914073381342284", NULL, "TestMerchant",
					     "TestPayment-1407325143704", "1130", "EUR", "AUTHORISATION",
					     "true", sig), 0);
	assert_string_equal(sig, "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=");
	assert_int_equal(seam_sim_sign_adyen("XYZ", "a", "", "b", "c", "1", "EUR", "CAPTURE", "true", sig), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard_webhooks_vectors),
		cmocka_unit_test(test_stripe_vector),
		cmocka_unit_test(test_adyen_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
