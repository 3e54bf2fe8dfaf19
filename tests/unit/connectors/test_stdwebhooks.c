/* test_stdwebhooks.c: Standard Webhooks signing (both published vectors, byte-exact) and
 * verification: rotation, ignored versions, partial signatures, tampering, tolerance at +-1 s
 * both ways, malformed and missing headers, secret handling. The split (id: webhook-id) and
 * the payment form -> canonical payment events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/th_assert.h"
#include "connectors/stdwebhooks.h"
#include "core/clock.h"
#include "core/crypto.h"

/* Vector 1: the one in every reference library's tests. */
#define S1 "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define ID1 "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define TS1 1614265330LL
#define B1 "{\"test\": 2432232314}"
#define SIG1 "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
/* Vector 2: the Rust library's test_sign. */
#define S2 "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
#define ID2 "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"
#define TS2 1649367553LL
#define B2 "{\"email\":\"test@example.com\",\"username\":\"test_user\"}"
#define SIG2 "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="

static const char *const sec1[] = {S1};

/* Verifies vector 1's body/id against sec1 at now=TS1 with the given headers. */
static seam_webhook_sig_reason_e check(const char *id, const char *ts, const char *sig,
				       seam_err_t want_rc)
{
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_err_t rc = seam_stdwebhooks_verify(id, ts, sig, B1, strlen(B1), sec1, 1, TS1,
						SEAM_STDWEBHOOKS_TOLERANCE_S, &r, &e);
	if (rc != want_rc)
		fail_msg("id %s ts %s sig \"%.60s\": rc %s, want %s (%s)", id ? id : "(null)",
			 ts ? ts : "(null)", sig ? sig : "(null)", seam_errname(rc),
			 seam_errname(want_rc), e.msg);
	if (rc != SEAM_OK) {
		assert_non_null(strstr(e.msg, seam_webhook_sig_reason_name(r.reason)));
		assert_null(strstr(e.msg, "MfKQ9r8GKYqrTwjU"));
		assert_int_equal(r.secret_index, -1);
	}
	return r.reason;
}

static void test_sign_vectors(void **state)
{
	char out[SEAM_STDWEBHOOKS_SIG_MAX];
	(void)state;
	assert_int_equal(seam_stdwebhooks_sign(S1, ID1, TS1, B1, strlen(B1), out, sizeof out, NULL),
			 SEAM_OK);
	assert_string_equal(out, SIG1);
	assert_int_equal(seam_stdwebhooks_sign(S2, ID2, TS2, B2, strlen(B2), out, sizeof out, NULL),
			 SEAM_OK);
	assert_string_equal(out, SIG2);
	/* The prefix is optional, and so is base64 padding (this key has none to drop, so drop
	 * the prefix only; the unpadded case is below). */
	assert_int_equal(seam_stdwebhooks_sign(S1 + 6, ID1, TS1, B1, strlen(B1), out, sizeof out,
					       NULL),
			 SEAM_OK);
	assert_string_equal(out, SIG1);
}

static void test_sign_errors(void **state)
{
	char out[SEAM_STDWEBHOOKS_SIG_MAX] = "x";
	char small[SEAM_STDWEBHOOKS_SIG_MAX - 1] = "x";
	seam_error_t e = {0};
	(void)state;
	assert_int_equal(seam_stdwebhooks_sign(S1, ID1, TS1, B1, strlen(B1), small, sizeof small, &e),
			 SEAM_INVAL);
	assert_string_equal(small, "");
	assert_int_equal(seam_stdwebhooks_sign(S1, "a.b", TS1, B1, strlen(B1), out, sizeof out, &e),
			 SEAM_INVAL);
	assert_string_equal(out, "");
	assert_int_equal(seam_stdwebhooks_sign(S1, "", TS1, B1, strlen(B1), out, sizeof out, &e),
			 SEAM_INVAL);
	assert_int_equal(seam_stdwebhooks_sign(S1, NULL, TS1, B1, strlen(B1), out, sizeof out, &e),
			 SEAM_INVAL);
	assert_int_equal(seam_stdwebhooks_sign(S1, ID1, -1, B1, strlen(B1), out, sizeof out, &e),
			 SEAM_INVAL);
	assert_int_equal(seam_stdwebhooks_sign(S1, ID1, 1000000000000000000LL, B1, strlen(B1), out,
					       sizeof out, &e),
			 SEAM_INVAL);
	assert_int_equal(seam_stdwebhooks_sign(S1, ID1, 999999999999999999LL, B1, strlen(B1), out,
					       sizeof out, &e),
			 SEAM_OK);
	assert_int_equal(seam_stdwebhooks_sign("whsec_!!!", ID1, TS1, B1, strlen(B1), out,
					       sizeof out, &e),
			 SEAM_CONFIG);
	assert_int_equal(e.code, SEAM_CONFIG);
	assert_null(strstr(e.msg, "!!!"));
	assert_int_equal(seam_stdwebhooks_sign("whsec_", ID1, TS1, B1, strlen(B1), out, sizeof out,
					       &e),
			 SEAM_CONFIG);
	assert_int_equal(seam_stdwebhooks_sign(NULL, ID1, TS1, B1, strlen(B1), out, sizeof out, &e),
			 SEAM_CONFIG);
}

static void test_verify_vectors(void **state)
{
	const char *const sec2[] = {S2};
	seam_webhook_sig_t r;
	(void)state;
	assert_int_equal(check(ID1, "1614265330", SIG1, SEAM_OK), SEAM_WHSIG_OK);
	assert_int_equal(seam_stdwebhooks_verify(ID2, "1649367553", SIG2, B2, strlen(B2), sec2, 1,
						 TS2, 300, &r, NULL),
			 SEAM_OK);
	assert_int_equal(r.reason, SEAM_WHSIG_OK);
	assert_int_equal(r.timestamp, TS2);
	assert_int_equal(r.secret_index, 0);
}

static void test_multiple_entries(void **state)
{
	(void)state;
	/* The valid signature third, after a wrong one and an ed25519 entry we do not verify. */
	assert_int_equal(check(ID1, "1614265330",
			       "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
			       "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhWw5HOEWnCHiA= " SIG1,
			       SEAM_OK),
			 SEAM_WHSIG_OK);
	/* Unknown versions and entries without a version are skipped; runs of spaces too. */
	assert_int_equal(check(ID1, "1614265330", "v2,abc  nonsense " SIG1 " ", SEAM_OK),
			 SEAM_WHSIG_OK);
	/* A v1 that is not a digest does not spoil a valid one. */
	assert_int_equal(check(ID1, "1614265330", "v1,!!!! v1, " SIG1, SEAM_OK), SEAM_WHSIG_OK);
}

static void test_rotation(void **state)
{
	const char *const both[] = {S2, S1};
	const char *const gaps[] = {"", NULL, S1};
	seam_webhook_sig_t r;
	char header[2 * SEAM_STDWEBHOOKS_SIG_MAX], old_sig[SEAM_STDWEBHOOKS_SIG_MAX];
	(void)state;
	assert_int_equal(seam_stdwebhooks_verify(ID1, "1614265330", SIG1, B1, strlen(B1), both, 2,
						 TS1, 300, &r, NULL),
			 SEAM_OK);
	assert_int_equal(r.secret_index, 1);
	assert_int_equal(seam_stdwebhooks_verify(ID1, "1614265330", SIG1, B1, strlen(B1), gaps, 3,
						 TS1, 300, &r, NULL),
			 SEAM_OK);
	assert_int_equal(r.secret_index, 2);
	/* Sender signs with old and new secret; a receiver that only knows the old one accepts. */
	assert_int_equal(seam_stdwebhooks_sign(S2, ID1, TS1, B1, strlen(B1), old_sig,
					       sizeof old_sig, NULL),
			 SEAM_OK);
	snprintf(header, sizeof header, "%s %s", SIG1, old_sig);
	const char *const only_s2[] = {S2};
	assert_int_equal(seam_stdwebhooks_verify(ID1, "1614265330", header, B1, strlen(B1), only_s2,
						 1, TS1, 300, &r, NULL),
			 SEAM_OK);
	assert_int_equal(r.secret_index, 0);
}

static void test_tampering(void **state)
{
	char body[] = B1;
	const char *const wrong[] = {S2};
	seam_webhook_sig_t r;
	(void)state;
	body[3] ^= 1;
	assert_int_equal(seam_stdwebhooks_verify(ID1, "1614265330", SIG1, body, strlen(body), sec1,
						 1, TS1, 300, &r, NULL),
			 SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_BAD_SIGNATURE);
	assert_int_equal(check("msg_p5jXN8AQM9LWM0D4loKWxJeK", "1614265330", SIG1, SEAM_AUTH),
			 SEAM_WHSIG_BAD_SIGNATURE); /* id */
	assert_int_equal(check(ID1, "1614265331", SIG1, SEAM_AUTH),
			 SEAM_WHSIG_BAD_SIGNATURE); /* timestamp */
	assert_int_equal(check(ID1, "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OI=",
			       SEAM_AUTH),
			 SEAM_WHSIG_BAD_SIGNATURE); /* last digit: the final byte differs */
	assert_int_equal(check(ID1, "1614265330", "v1,h0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
			       SEAM_AUTH),
			 SEAM_WHSIG_BAD_SIGNATURE);
	assert_int_equal(seam_stdwebhooks_verify(ID1, "1614265330", SIG1, B1, strlen(B1), wrong, 1,
						 TS1, 300, &r, NULL),
			 SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_BAD_SIGNATURE);
	/* The digest is what is compared: the two unused low bits of the last digit (E -> F) are
	 * ignored, as by the reference libraries' decoders, and so is missing padding. */
	assert_int_equal(check(ID1, "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=",
			       SEAM_OK),
			 SEAM_WHSIG_OK);
	assert_int_equal(check(ID1, "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
			       SEAM_OK),
			 SEAM_WHSIG_OK);
}

static void test_tolerance(void **state)
{
	static const struct {
		long long dt;
		seam_err_t rc;
	} cases[] = {{-300, SEAM_OK}, {-301, SEAM_AUTH}, {300, SEAM_OK}, {301, SEAM_AUTH},
		     {0, SEAM_OK},    {-3600, SEAM_AUTH}, {3600, SEAM_AUTH}};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long long t = TS1 + cases[i].dt;
		char sig[SEAM_STDWEBHOOKS_SIG_MAX], ts[24];
		seam_webhook_sig_t r;
		seam_err_t rc;
		assert_int_equal(seam_stdwebhooks_sign(S1, ID1, t, B1, strlen(B1), sig, sizeof sig,
						       NULL),
				 SEAM_OK);
		snprintf(ts, sizeof ts, "%lld", t);
		rc = seam_stdwebhooks_verify(ID1, ts, sig, B1, strlen(B1), sec1, 1, TS1, 300, &r,
					     NULL);
		if (rc != cases[i].rc)
			fail_msg("dt %lld: rc %s", cases[i].dt, seam_errname(rc));
		assert_int_equal(r.reason,
				 cases[i].rc == SEAM_OK ? SEAM_WHSIG_OK : SEAM_WHSIG_STALE_TIMESTAMP);
		assert_int_equal(r.timestamp, t);
		assert_int_equal(r.secret_index, 0);
	}
}

static void test_malformed(void **state)
{
	char id[SEAM_STDWEBHOOKS_ID_MAX + 2];
	(void)state;
	assert_int_equal(check(NULL, "1614265330", SIG1, SEAM_AUTH), SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(check("", "1614265330", SIG1, SEAM_AUTH), SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(check(ID1, NULL, SIG1, SEAM_AUTH), SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(check(ID1, "", SIG1, SEAM_AUTH), SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", NULL, SEAM_AUTH), SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", "", SEAM_AUTH), SEAM_WHSIG_MISSING_SIGNATURE);

	assert_int_equal(check(ID1, "abc", SIG1, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check(ID1, "-1614265330", SIG1, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330.0", SIG1, SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check(ID1, "2021-02-25T15:02:10Z", SIG1, SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check(ID1, "1234567890123456789", SIG1, SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check("msg.1", "1614265330", SIG1, SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	memset(id, 'm', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	assert_int_equal(check(id, "1614265330", SIG1, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);

	/* Partial signatures and garbage base64 (as in the reference libraries' tests). */
	assert_int_equal(check(ID1, "1614265330", "v1,", SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", "v1,g0hM9SsE", SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", "v1,!!!!garbage!!!!", SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE==",
			       SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", "v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE=",
			       SEAM_AUTH),
			 SEAM_WHSIG_MALFORMED_SIGNATURE); /* URL alphabet */

	/* No v1 entry at all. */
	assert_int_equal(check(ID1, "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
			       SEAM_AUTH),
			 SEAM_WHSIG_NO_V1_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", "v1a,abc", SEAM_AUTH), SEAM_WHSIG_NO_V1_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", "garbage", SEAM_AUTH), SEAM_WHSIG_NO_V1_SIGNATURE);
	assert_int_equal(check(ID1, "1614265330", "   ", SEAM_AUTH), SEAM_WHSIG_NO_V1_SIGNATURE);
}

static void test_huge_header(void **state)
{
	char *h = malloc(SEAM_STDWEBHOOKS_HEADER_MAX + 2);
	size_t n = strlen(SIG1);
	(void)state;
	assert_non_null(h);
	memcpy(h, SIG1, n);
	memset(h + n, ' ', SEAM_STDWEBHOOKS_HEADER_MAX - n);
	h[SEAM_STDWEBHOOKS_HEADER_MAX] = '\0';
	assert_int_equal(check(ID1, "1614265330", h, SEAM_OK), SEAM_WHSIG_OK);
	h[SEAM_STDWEBHOOKS_HEADER_MAX] = ' ';
	h[SEAM_STDWEBHOOKS_HEADER_MAX + 1] = '\0';
	assert_int_equal(check(ID1, "1614265330", h, SEAM_AUTH), SEAM_WHSIG_MALFORMED_SIGNATURE);
	free(h);
}

static void test_secrets(void **state)
{
	uint8_t key[SEAM_STDWEBHOOKS_KEY_MAX];
	const char *const bad[] = {S1, "whsec_not base64!"};
	const char *const none[] = {NULL, ""};
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	(void)state;
	assert_int_equal(seam_stdwebhooks_secret_decode(S1, key, sizeof key), 24);
	assert_int_equal(seam_stdwebhooks_secret_decode(S1 + 6, key, sizeof key), 24);
	/* Unpadded: base64 of 5 bytes is "aGVsbG8=" */
	assert_int_equal(seam_stdwebhooks_secret_decode("whsec_aGVsbG8", key, sizeof key), 5);
	assert_memory_equal(key, "hello", 5);
	assert_int_equal(seam_stdwebhooks_secret_decode("whsec_aGVsbG8=", key, sizeof key), 5);
	assert_int_equal(seam_stdwebhooks_secret_decode("whsec_", key, sizeof key), -1);
	assert_int_equal(seam_stdwebhooks_secret_decode("whsec_a", key, sizeof key), -1);
	assert_int_equal(seam_stdwebhooks_secret_decode(NULL, key, sizeof key), -1);
	assert_int_equal(seam_stdwebhooks_secret_decode(S1, key, 23), -1);

	/* An undecodable secret is a configuration error, even next to a good one. */
	assert_int_equal(seam_stdwebhooks_verify(ID1, "1614265330", SIG1, B1, strlen(B1), bad, 2,
						 TS1, 300, &r, &e),
			 SEAM_CONFIG);
	assert_int_equal(r.reason, SEAM_WHSIG_NO_SECRET);
	assert_null(strstr(e.msg, "not base64!"));
	assert_int_equal(seam_stdwebhooks_verify(ID1, "1614265330", SIG1, B1, strlen(B1), none, 2,
						 TS1, 300, &r, NULL),
			 SEAM_CONFIG);
	assert_int_equal(seam_stdwebhooks_verify(ID1, "1614265330", SIG1, B1, strlen(B1), NULL, 0,
						 TS1, 300, &r, NULL),
			 SEAM_CONFIG);
	assert_int_equal(r.reason, SEAM_WHSIG_NO_SECRET);
}

static void test_sign_verify_round_trip(void **state)
{
	/* Binary and empty bodies survive a sign/verify round trip; a 1-byte change does not. */
	uint8_t body[300];
	char sig[SEAM_STDWEBHOOKS_SIG_MAX];
	seam_webhook_sig_t r;
	(void)state;
	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)(i * 7);
	assert_int_equal(seam_stdwebhooks_sign(S2, "evt_1", 1700000000, body, sizeof body, sig,
					       sizeof sig, NULL),
			 SEAM_OK);
	const char *const sec2[] = {S2};
	assert_int_equal(seam_stdwebhooks_verify("evt_1", "1700000000", sig, body, sizeof body, sec2,
						 1, 1700000000, 300, &r, NULL),
			 SEAM_OK);
	body[299] ^= 0x80;
	assert_int_equal(seam_stdwebhooks_verify("evt_1", "1700000000", sig, body, sizeof body, sec2,
						 1, 1700000000, 300, &r, NULL),
			 SEAM_AUTH);
	assert_int_equal(seam_stdwebhooks_sign(S2, "evt_2", 1700000000, NULL, 0, sig, sizeof sig,
					       NULL),
			 SEAM_OK);
	assert_int_equal(seam_stdwebhooks_verify("evt_2", "1700000000", sig, "", 0, sec2, 1,
						 1700000000, 300, &r, NULL),
			 SEAM_OK);
}

/* ---- the payment form ---- */

static seam_err_t norm(const char *text, const seam_psp_source_t *src, seam_psp_event_t *out,
		       seam_error_t *err)
{
	json_t *j = th_json_parse(text);
	seam_err_t rc = seam_stdwebhooks_normalize(j, src, out, err);
	json_decref(j);
	return rc;
}

static void test_standard(void **state)
{
	(void)state;
	seam_psp_event_t e;
	seam_error_t err = {0};
	seam_psp_source_t src = {.store = "online", .webhook_id = "msg_2aXbQ1"};

	assert_int_equal(norm("{\"type\":\"payment.captured\",\"timestamp\":\"2026-11-26T16:11:12.345Z\","
			      "\"data\":{\"payment_id\":\"pay_123\",\"amount\":\"39.98\",\"currency\":\"USD\","
			      "\"order_uuid\":\"5bdfd1e8-dfad-41ac-a514-1b58d123e678\",\"order_id\":\"1\","
			      "\"status\":\"captured\"}}", &src, &e, &err), SEAM_OK);
	assert_string_equal(e.provider, "standard");
	assert_string_equal(e.event_id, "msg_2aXbQ1");
	assert_int_equal(e.type, SEAM_PAYMENT_EV_CAPTURED);
	assert_string_equal(e.amount, "39.98");
	assert_true(e.cumulative);
	assert_string_equal(e.remote_id, "pay_123");
	assert_string_equal(e.remote_state, "captured");
	assert_string_equal(e.order_uuid, "5bdfd1e8-dfad-41ac-a514-1b58d123e678");
	int64_t at;
	assert_int_equal(seam_rfc3339_parse("2026-11-26T16:11:12.345Z", &at), 0);
	assert_int_equal(e.occurred_at_ms, at);

	/* Refunds: refunded_total is cumulative, amount alone is an increment. Amounts are
	 * written at the currency's exponent. */
	assert_int_equal(norm("{\"type\":\"payment.refunded\",\"data\":{\"payment_id\":\"pay_123\","
			      "\"refunded_total\":\"10\",\"amount\":\"5.00\",\"captured_amount\":\"39.98\","
			      "\"currency\":\"USD\"}}", &src, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_REFUNDED);
	assert_string_equal(e.amount, "10.00");
	assert_true(e.cumulative);
	assert_string_equal(e.captured_amount, "39.98");
	assert_int_equal(norm("{\"type\":\"payment.refunded\",\"data\":{\"payment_id\":\"pay_123\","
			      "\"amount\":\"0.250\",\"currency\":\"KWD\"}}", &src, &e, &err), SEAM_OK);
	assert_string_equal(e.amount, "0.250");
	assert_false(e.cumulative);
	/* No webhook-id header: the payload's id. Voids need no amount. */
	assert_int_equal(norm("{\"id\":\"evt_9\",\"type\":\"payment.voided\",\"data\":{\"payment_id\":\"p\"}}",
			      NULL, &e, &err), SEAM_OK);
	assert_string_equal(e.event_id, "evt_9");
	assert_int_equal(e.type, SEAM_PAYMENT_EV_VOIDED);
	assert_string_equal(e.currency, "");
	assert_int_equal(norm("{\"type\":\"invoice.paid\",\"data\":{}}", &src, &e,
			      &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_IGNORED);

	struct {
		const char *json, *msg;
	} rows[] = {
		{"{\"type\":\"payment.captured\",\"data\":{\"amount\":\"1.00\",\"currency\":\"USD\"}}",
		 "standard: data.payment_id is missing"},
		{"{\"type\":\"payment.captured\",\"data\":{\"payment_id\":\"p\",\"amount\":\"39.987\",\"currency\":\"USD\"}}",
		 "standard: data.amount \"39.987\" is not a non-negative USD amount with at most 2 fraction digits"},
		{"{\"type\":\"payment.captured\",\"data\":{\"payment_id\":\"p\",\"amount\":39.98,\"currency\":\"USD\"}}",
		 "standard: data.amount is not a decimal string"},
		{"{\"type\":\"payment.captured\",\"data\":{\"payment_id\":\"p\",\"amount\":\"-1.00\",\"currency\":\"USD\"}}",
		 "standard: data.amount \"-1.00\" is not a non-negative USD amount with at most 2 fraction digits"},
		{"{\"type\":\"payment.captured\",\"data\":{\"payment_id\":\"p\",\"currency\":\"USD\"}}",
		 "standard msg_2aXbQ1: data.amount is missing"},
		{"{\"type\":\"payment.refunded\",\"data\":{\"payment_id\":\"p\",\"currency\":\"USD\"}}",
		 "standard msg_2aXbQ1: data.refunded_total (or amount) is missing"},
		{"{\"type\":\"payment.captured\",\"data\":{\"payment_id\":\"p\",\"amount\":\"1\"}}",
		 "standard: data.currency is missing"},
		{"{\"type\":\"payment.captured\"}", "standard msg_2aXbQ1: data is missing"},
		{"{\"data\":{}}", "standard: type is missing"},
		{"{\"type\":\"payment.captured\",\"timestamp\":\"soon\",\"data\":{}}",
		 "standard msg_2aXbQ1: timestamp \"soon\" is not RFC 3339"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(norm(rows[i].json, &src, &e, &err), SEAM_PARSE);
		assert_string_equal(err.msg, rows[i].msg);
	}
	assert_int_equal(norm("{\"type\":\"payment.captured\"}", NULL, &e, &err),
			 SEAM_PARSE);
	assert_string_equal(err.msg, "standard: no webhook-id (and no id in the payload)");
}

/* The built-in table; a source with its own vocabulary. */
static void test_standard_rules(void **state)
{
	(void)state;
	seam_psp_event_t e;
	seam_error_t err = {0};
	size_t n;
	assert_non_null(seam_stdwebhooks_rules(&n));
	assert_int_equal(n, 7);
	static const seam_psp_rule_t std[] = {
		{.provider_type = "charge.settled", .type = SEAM_PAYMENT_EV_CAPTURED}};
	seam_psp_source_t s2 = {.webhook_id = "m1", .rules = std, .nrules = 1};
	assert_int_equal(norm("{\"type\":\"charge.settled\",\"data\":{\"payment_id\":\"p\",\"amount\":\"5\","
			      "\"currency\":\"EUR\"}}", &s2, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_CAPTURED);
	assert_string_equal(e.amount, "5.00");
}

static const char *hdr(void *ud, const char *name)
{
	return strcmp(name, "webhook-id") == 0 ? ud : NULL;
}

/* A delivery is one event; its id is the webhook-id header. */
static void test_standard_split(void **state)
{
	(void)state;
	seam_webhook_events_t ev;
	seam_webhook_delivery_t d = {.header = hdr, .ud = "msg_1"};
	seam_error_t err = {0};
	struct {
		const char *body, *quarantine;
	} rows[] = {
		{"{\"type\":\"payment.captured\"}", NULL},
		{"nope", "malformed_json"},
		{"[\"type\"]", "missing_type"},
		{"{\"data\":{}}", "missing_type"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_t *doc = json_loads(rows[i].body, JSON_DECODE_ANY, NULL);
		assert_int_equal(seam_stdwebhooks_split(&d, doc, &ev, &err), SEAM_OK);
		if (!rows[i].quarantine) {
			assert_int_equal(ev.n, 1);
			assert_string_equal(ev.items[0].id, "msg_1");
			assert_string_equal(ev.items[0].type, "payment.captured");
		} else {
			if (!ev.quarantine || strcmp(ev.quarantine, rows[i].quarantine))
				fail_msg("%s: quarantine %s, want %s", rows[i].body,
					 ev.quarantine ? ev.quarantine : "(none)", rows[i].quarantine);
			assert_string_equal(ev.event_id, "msg_1");
		}
		seam_webhook_events_dispose(&ev);
		json_decref(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_vectors),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_verify_vectors),
		cmocka_unit_test(test_multiple_entries),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_huge_header),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_sign_verify_round_trip),
		cmocka_unit_test(test_standard),
		cmocka_unit_test(test_standard_rules),
		cmocka_unit_test(test_standard_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
