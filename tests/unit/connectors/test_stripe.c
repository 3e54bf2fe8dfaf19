/* test_stripe.c: Stripe-Signature verification: the reference vector byte-exact, decoy and
 * unknown schemes, secret rotation both ways, tampering of body/signature/timestamp, the
 * tolerance window at +-1 s in both directions, and every malformed-header reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/stripe.h"
#include "core/crypto.h"

#define SECRET "whsec_test_secret"
#define BODY "{\"id\":\"evt_test_webhook\",\"object\":\"event\"}"
#define T0 1700000000LL
#define SIG0 "d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990"

static const char *const one_secret[] = {SECRET};

/* v1 hex for (secret, t, body), computed the plain way: one buffer "t.body", one HMAC. */
static void sign_hex(const char *secret, long long t, const void *body, size_t len, char hex[65])
{
	char *buf = malloc(32 + len);
	uint8_t mac[SEAM_SHA256_LEN];
	int n;
	assert_non_null(buf);
	n = snprintf(buf, 32, "%lld.", t);
	memcpy(buf + n, body, len);
	seam_hmac_sha256(secret, strlen(secret), buf, (size_t)n + len, mac);
	seam_hex_encode(mac, sizeof mac, hex);
	free(buf);
}

/* Verifies against one_secret with body BODY at now=T0, tolerance 300; returns the reason. */
static seam_webhook_sig_reason_e check(const char *header, seam_err_t want_rc)
{
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_err_t rc = seam_stripe_verify(header, BODY, strlen(BODY), one_secret, 1, T0, 300, &r, &e);
	if (rc != want_rc)
		fail_msg("header \"%.80s\": rc %s, want %s (%s)", header ? header : "(null)",
			 seam_errname(rc), seam_errname(want_rc), e.msg);
	if (rc != SEAM_OK) {
		assert_int_equal(e.code, rc);
		/* The message names the reason and never carries the secret. */
		assert_non_null(strstr(e.msg, seam_webhook_sig_reason_name(r.reason)));
		assert_null(strstr(e.msg, SECRET));
		assert_int_equal(r.secret_index, -1);
	}
	return r.reason;
}

static void test_reference_vector(void **state)
{
	char hex[65];
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	(void)state;
	sign_hex(SECRET, T0, BODY, strlen(BODY), hex);
	assert_string_equal(hex, SIG0);

	assert_int_equal(seam_stripe_verify("t=1700000000,v1=" SIG0, BODY, strlen(BODY), one_secret,
					    1, T0, SEAM_STRIPE_TOLERANCE_S, &r, &e),
			 SEAM_OK);
	assert_int_equal(r.reason, SEAM_WHSIG_OK);
	assert_int_equal(r.timestamp, T0);
	assert_int_equal(r.secret_index, 0);
	/* out and err are optional. */
	assert_int_equal(seam_stripe_verify("t=1700000000,v1=" SIG0, BODY, strlen(BODY), one_secret,
					    1, T0, 300, NULL, NULL),
			 SEAM_OK);
	/* Upper-case hex is the same digest. */
	char upper[] = "t=1700000000,v1=" SIG0;
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 32);
	assert_int_equal(check(upper, SEAM_OK), SEAM_WHSIG_OK);
}

static void test_decoys_and_unknown_schemes(void **state)
{
	(void)state;
	/* The test-mode v0 decoy, an unknown v2, a bare word and an empty item are all skipped. */
	assert_int_equal(check("t=1700000000,v1=" SIG0 ",v0=6ffbb59b2300aae63f272406069a9788598b792"
			       "a944a07aba816edb039989a39",
			       SEAM_OK),
			 SEAM_WHSIG_OK);
	assert_int_equal(check("v0=00,t=1700000000,v2=abc,v1=" SIG0 ",foo,,", SEAM_OK),
			 SEAM_WHSIG_OK);
	/* Several v1 entries, the valid one last; a v1 that is not a digest does not spoil it. */
	assert_int_equal(check("t=1700000000,v1=0000000000000000000000000000000000000000000000000000"
			       "000000000000,v1=zz,v1=" SIG0,
			       SEAM_OK),
			 SEAM_WHSIG_OK);
}

static void test_rotation(void **state)
{
	const char *const two[] = {"whsec_old_one", SECRET};
	const char *const gaps[] = {NULL, "", SECRET};
	char old_hex[65], header[256];
	seam_webhook_sig_t r;
	(void)state;
	/* The second configured secret matches. */
	assert_int_equal(seam_stripe_verify("t=1700000000,v1=" SIG0, BODY, strlen(BODY), two, 2, T0,
					    300, &r, NULL),
			 SEAM_OK);
	assert_int_equal(r.secret_index, 1);
	/* Unusable entries are skipped, the index still points into the caller's array. */
	assert_int_equal(seam_stripe_verify("t=1700000000,v1=" SIG0, BODY, strlen(BODY), gaps, 3, T0,
					    300, &r, NULL),
			 SEAM_OK);
	assert_int_equal(r.secret_index, 2);
	/* Stripe signs with the old and the new secret; we only know the old one. */
	sign_hex("whsec_old_one", T0, BODY, strlen(BODY), old_hex);
	snprintf(header, sizeof header, "t=1700000000,v1=%s,v1=" SIG0, old_hex);
	const char *const only_old[] = {"whsec_old_one"};
	assert_int_equal(seam_stripe_verify(header, BODY, strlen(BODY), only_old, 1, T0, 300, &r,
					    NULL),
			 SEAM_OK);
	assert_int_equal(r.secret_index, 0);
}

static void test_tampering(void **state)
{
	char body[] = BODY, sig[] = "t=1700000000,v1=" SIG0;
	seam_webhook_sig_t r;
	const char *const wrong[] = {"whsec_test_secreT"};
	(void)state;
	/* One byte of body changed. */
	body[10] ^= 1;
	assert_int_equal(seam_stripe_verify(sig, body, strlen(body), one_secret, 1, T0, 300, &r,
					    NULL),
			 SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_BAD_SIGNATURE);
	/* A body cut short, and one with a byte appended. */
	assert_int_equal(seam_stripe_verify(sig, BODY, strlen(BODY) - 1, one_secret, 1, T0, 300, &r,
					    NULL),
			 SEAM_AUTH);
	assert_int_equal(seam_stripe_verify(sig, BODY "\n", strlen(BODY) + 1, one_secret, 1, T0, 300,
					    &r, NULL),
			 SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_BAD_SIGNATURE);
	/* One hex digit of the signature changed. */
	sig[strlen(sig) - 1] = sig[strlen(sig) - 1] == '0' ? '1' : '0';
	assert_int_equal(check(sig, SEAM_AUTH), SEAM_WHSIG_BAD_SIGNATURE);
	/* The timestamp changed (still fresh): the signature no longer covers it. */
	assert_int_equal(check("t=1700000001,v1=" SIG0, SEAM_AUTH), SEAM_WHSIG_BAD_SIGNATURE);
	/* Leading zeros denote the same number and are signed as it: Stripe's libraries parse
	 * t as an integer. */
	assert_int_equal(check("t=01700000000,v1=" SIG0, SEAM_OK), SEAM_WHSIG_OK);
	/* Wrong secret. */
	assert_int_equal(seam_stripe_verify("t=1700000000,v1=" SIG0, BODY, strlen(BODY), wrong, 1,
					    T0, 300, &r, NULL),
			 SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_BAD_SIGNATURE);
	assert_int_equal(r.secret_index, -1);
}

static void test_tolerance(void **state)
{
	static const struct {
		long long dt; /* signed time minus now */
		long long tol;
		seam_err_t rc;
	} cases[] = {
		{-300, 300, SEAM_OK},	  {-301, 300, SEAM_AUTH}, {300, 300, SEAM_OK},
		{301, 300, SEAM_AUTH},	  {0, 0, SEAM_OK},	  {1, 0, SEAM_AUTH},
		{-1, 0, SEAM_AUTH},	  {0, -5, SEAM_OK},	  {-1, -5, SEAM_AUTH},
		{-86400, 300, SEAM_AUTH}, {86400, 300, SEAM_AUTH},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long long t = T0 + cases[i].dt;
		char hex[65], header[128];
		seam_webhook_sig_t r;
		seam_err_t rc;
		sign_hex(SECRET, t, BODY, strlen(BODY), hex);
		snprintf(header, sizeof header, "t=%lld,v1=%s", t, hex);
		rc = seam_stripe_verify(header, BODY, strlen(BODY), one_secret, 1, T0, cases[i].tol, &r,
					NULL);
		if (rc != cases[i].rc)
			fail_msg("dt %lld tol %lld: rc %s", cases[i].dt, cases[i].tol,
				 seam_errname(rc));
		assert_int_equal(r.reason,
				 cases[i].rc == SEAM_OK ? SEAM_WHSIG_OK : SEAM_WHSIG_STALE_TIMESTAMP);
		assert_int_equal(r.timestamp, t);
		/* Stale still reports which secret signed it: the delivery is authentic. */
		assert_int_equal(r.secret_index, 0);
	}
	/* Extreme clocks do not overflow the window arithmetic. */
	seam_webhook_sig_t r;
	assert_int_equal(seam_stripe_verify("t=1700000000,v1=" SIG0, BODY, strlen(BODY), one_secret,
					    1, INT64_MIN, INT64_MAX, &r, NULL),
			 SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_STALE_TIMESTAMP);
}

static void test_malformed(void **state)
{
	(void)state;
	assert_int_equal(check(NULL, SEAM_AUTH), SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(check("", SEAM_AUTH), SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(check("v1=" SIG0, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE); /* no t */
	assert_int_equal(check("garbage", SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=,v1=" SIG0, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=abc,v1=" SIG0, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=-1700000000,v1=" SIG0, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t= 1700000000,v1=" SIG0, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=1700000000.5,v1=" SIG0, SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=9999999999999999999,v1=" SIG0, SEAM_AUTH), /* > 18 digits */
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	/* Two timestamps are ambiguous: refused, not last-wins. */
	assert_int_equal(check("t=1,t=1700000000,v1=" SIG0, SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=1700000000,v1=" SIG0 ",t=1700000000", SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	/* Timestamp but no v1 (only the decoy or unknown schemes). */
	assert_int_equal(check("t=1700000000", SEAM_AUTH), SEAM_WHSIG_NO_V1_SIGNATURE);
	assert_int_equal(check("t=1700000000,v0=" SIG0, SEAM_AUTH), SEAM_WHSIG_NO_V1_SIGNATURE);
	assert_int_equal(check("t=1700000000,V1=" SIG0, SEAM_AUTH), SEAM_WHSIG_NO_V1_SIGNATURE);
	assert_int_equal(check("t=1700000000,v1" SIG0, SEAM_AUTH), SEAM_WHSIG_NO_V1_SIGNATURE);
	/* v1 present but none is a hex digest. */
	assert_int_equal(check("t=1700000000,v1=", SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=1700000000,v1=zz", SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=1700000000,v1=" SIG0 "0", SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988"
			       "c2b2a5b71b99g",
			       SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("t=1700000000,v1= " SIG0, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
}

static void test_header_size_cap(void **state)
{
	char *h = malloc(SEAM_STRIPE_HEADER_MAX + 2);
	const char *head = "t=1700000000,v1=" SIG0 ",x=";
	(void)state;
	assert_non_null(h);
	/* Exactly at the cap: parsed (padding in an unknown entry). */
	strcpy(h, head);
	memset(h + strlen(head), 'a', SEAM_STRIPE_HEADER_MAX - strlen(head));
	h[SEAM_STRIPE_HEADER_MAX] = '\0';
	assert_int_equal(check(h, SEAM_OK), SEAM_WHSIG_OK);
	/* One byte over: refused before parsing. */
	h[SEAM_STRIPE_HEADER_MAX] = 'a';
	h[SEAM_STRIPE_HEADER_MAX + 1] = '\0';
	assert_int_equal(check(h, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	free(h);

	/* Many v1 entries: the first 16 digests are kept; Stripe never sends more. */
	char many[2048] = "t=1700000000";
	for (int i = 0; i < 20; i++)
		strcat(many, ",v1=0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(check(many, SEAM_AUTH), SEAM_WHSIG_BAD_SIGNATURE);
}

static void test_no_secret(void **state)
{
	const char *const empty[] = {NULL, ""};
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	(void)state;
	assert_int_equal(seam_stripe_verify("t=1700000000,v1=" SIG0, BODY, strlen(BODY), NULL, 0, T0,
					    300, &r, &e),
			 SEAM_CONFIG);
	assert_int_equal(r.reason, SEAM_WHSIG_NO_SECRET);
	assert_non_null(strstr(e.msg, "no_secret"));
	assert_int_equal(seam_stripe_verify("t=1700000000,v1=" SIG0, BODY, strlen(BODY), empty, 2, T0,
					    300, &r, NULL),
			 SEAM_CONFIG);
	/* A configuration problem is reported even when the header is missing too. */
	assert_int_equal(seam_stripe_verify(NULL, BODY, strlen(BODY), empty, 2, T0, 300, &r, NULL),
			 SEAM_CONFIG);
	assert_int_equal(r.reason, SEAM_WHSIG_NO_SECRET);
}

static void test_raw_bytes(void **state)
{
	/* Empty and binary bodies (NUL bytes inside) are signed and checked byte for byte. */
	static const uint8_t bin[] = {0x7b, 0x00, 0xff, 0x00, 0x7d};
	char hex[65], header[128];
	seam_webhook_sig_t r;
	(void)state;
	sign_hex(SECRET, T0, "", 0, hex);
	snprintf(header, sizeof header, "t=1700000000,v1=%s", hex);
	assert_int_equal(seam_stripe_verify(header, NULL, 0, one_secret, 1, T0, 300, &r, NULL),
			 SEAM_OK);
	sign_hex(SECRET, T0, bin, sizeof bin, hex);
	snprintf(header, sizeof header, "t=1700000000,v1=%s", hex);
	assert_int_equal(seam_stripe_verify(header, bin, sizeof bin, one_secret, 1, T0, 300, &r,
					    NULL),
			 SEAM_OK);
	assert_int_equal(seam_stripe_verify(header, bin, 1, one_secret, 1, T0, 300, &r, NULL),
			 SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_BAD_SIGNATURE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_vector),
		cmocka_unit_test(test_decoys_and_unknown_schemes),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_header_size_cap),
		cmocka_unit_test(test_no_secret),
		cmocka_unit_test(test_raw_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
