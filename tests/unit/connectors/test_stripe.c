/* test_stripe.c: Stripe-Signature verification: the reference vector byte-exact, decoy and
 * unknown schemes, secret rotation both ways, tampering of body/signature/timestamp, the
 * tolerance window at +-1 s in both directions, and every malformed-header reason. Events:
 * the split and its ids; Stripe events -> canonical payment events, Stripe's exponents (JPY,
 * KWD, ISK, MGA), malformed payloads -> SEAM_PARSE with a reason, the built-in and an
 * integrator's table, a Stripe history delivered out of order through seam_payment_resolve(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/th_assert.h"
#include "connectors/stripe.h"
#include "core/clock.h"
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

/* ---- events ---- */

static seam_err_t norm(const char *text, const seam_psp_source_t *src, seam_psp_event_t *out,
		       seam_error_t *err)
{
	json_t *j = th_json_parse(text);
	seam_err_t rc = seam_stripe_normalize(j, src, out, err);
	json_decref(j);
	return rc;
}

/* A Stripe event around one data.object, as the API (2024-06-20) sends it. */
static const char *stripe_event(char *buf, size_t len, const char *id, const char *type,
				const char *object)
{
	snprintf(buf, len,
		 "{\"id\":\"%s\",\"object\":\"event\",\"api_version\":\"2024-06-20\","
		 "\"created\":1732636272,\"livemode\":false,\"pending_webhooks\":1,"
		 "\"request\":{\"id\":null,\"idempotency_key\":null},\"type\":\"%s\","
		 "\"data\":{\"object\":%s}}",
		 id, type, object);
	return buf;
}

#define PI_SUCCEEDED                                                                           \
	"{\"id\":\"pi_3QPdyL2eZvKYlo2C0Xk4vFqa\",\"object\":\"payment_intent\",\"amount\":3998,"   \
	"\"amount_capturable\":0,\"amount_received\":3998,\"capture_method\":\"automatic\","     \
	"\"currency\":\"usd\",\"latest_charge\":\"ch_3QPdyL2eZvKYlo2C0b1WjT9c\","                 \
	"\"metadata\":{\"order_id\":\"1\",\"order_uuid\":\"5bdfd1e8-dfad-41ac-a514-1b58d123e678\"}," \
	"\"status\":\"succeeded\",\"created\":1732636270,\"livemode\":false}"

#define CHARGE_REFUNDED(refunded)                                                              \
	"{\"id\":\"ch_3QPdyL2eZvKYlo2C0b1WjT9c\",\"object\":\"charge\",\"amount\":3998,"           \
	"\"amount_captured\":3998,\"amount_refunded\":" refunded ",\"captured\":true,"           \
	"\"currency\":\"usd\",\"payment_intent\":\"pi_3QPdyL2eZvKYlo2C0Xk4vFqa\","               \
	"\"metadata\":{},\"paid\":true,\"refunded\":false,\"status\":\"succeeded\"}"

static void test_stripe(void **state)
{
	(void)state;
	char buf[2048];
	seam_psp_event_t e;
	seam_error_t err = {0};
	seam_psp_source_t src = {.store = "online"};

	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_3QPdyL2eZvKYlo2C0xYz1", "payment_intent.succeeded",
					   PI_SUCCEEDED),
			      &src, &e, &err), SEAM_OK);
	assert_string_equal(e.provider, "stripe");
	assert_string_equal(e.event_id, "evt_3QPdyL2eZvKYlo2C0xYz1");
	assert_string_equal(e.event_type, "payment_intent.succeeded");
	assert_int_equal(e.type, SEAM_PAYMENT_EV_CAPTURED);
	assert_string_equal(e.amount, "39.98");
	assert_string_equal(e.currency, "USD");
	assert_true(e.cumulative);
	assert_string_equal(e.captured_amount, "");
	assert_string_equal(e.remote_id, "pi_3QPdyL2eZvKYlo2C0Xk4vFqa");
	assert_string_equal(e.order_uuid, "5bdfd1e8-dfad-41ac-a514-1b58d123e678");
	assert_string_equal(e.order_id, "1");
	assert_string_equal(e.store, "online");
	assert_int_equal(e.occurred_at_ms, 1732636272000LL);
	assert_string_equal(e.remote_state, "succeeded");
	assert_string_equal(e.reason, "");

	/* Authorization (manual capture): amount_capturable. JPY is zero-decimal. */
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_a", "payment_intent.amount_capturable_updated",
					   "{\"id\":\"pi_jpy\",\"object\":\"payment_intent\",\"amount\":5000,"
					   "\"amount_capturable\":5000,\"amount_received\":0,"
					   "\"capture_method\":\"manual\",\"currency\":\"jpy\","
					   "\"metadata\":{\"order_uuid\":\"u-1\"},\"status\":\"requires_capture\"}"),
			      NULL, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_AUTHORIZED);
	assert_string_equal(e.amount, "5000");
	assert_string_equal(e.currency, "JPY");
	assert_false(e.cumulative);
	assert_string_equal(e.remote_state, "requires_capture");
	assert_string_equal(e.order_id, "");
	assert_string_equal(e.store, "");

	/* charge.refunded: cumulative amount_refunded, the captured total, the PI's id. */
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_r", "charge.refunded", CHARGE_REFUNDED("1000")),
			      NULL, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_REFUNDED);
	assert_string_equal(e.amount, "10.00");
	assert_true(e.cumulative);
	assert_string_equal(e.captured_amount, "39.98");
	assert_string_equal(e.remote_id, "pi_3QPdyL2eZvKYlo2C0Xk4vFqa");

	/* KWD has three decimals; a legacy charge without a PaymentIntent keeps its own id. */
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_k", "charge.refunded",
					   "{\"id\":\"ch_legacy\",\"object\":\"charge\",\"amount\":5000,"
					   "\"amount_captured\":5000,\"amount_refunded\":1250,"
					   "\"currency\":\"kwd\",\"payment_intent\":null,\"status\":\"succeeded\"}"),
			      NULL, &e, &err), SEAM_OK);
	assert_string_equal(e.amount, "1.250");
	assert_string_equal(e.captured_amount, "5.000");
	assert_string_equal(e.currency, "KWD");
	assert_string_equal(e.remote_id, "ch_legacy");

	/* The rest of the table. */
	struct {
		const char *type, *object;
		seam_payment_event_e want;
		const char *amount;
	} rows[] = {
		{"payment_intent.payment_failed",
		 "{\"id\":\"pi_f\",\"object\":\"payment_intent\",\"amount\":3998,\"currency\":\"usd\","
		 "\"last_payment_error\":{\"code\":\"card_declined\"},\"status\":\"requires_payment_method\"}",
		 SEAM_PAYMENT_EV_FAILED, "39.98"},
		{"payment_intent.canceled",
		 "{\"id\":\"pi_c\",\"object\":\"payment_intent\",\"amount\":3998,\"currency\":\"usd\","
		 "\"cancellation_reason\":\"requested_by_customer\",\"status\":\"canceled\"}",
		 SEAM_PAYMENT_EV_VOIDED, "39.98"},
		{"charge.captured",
		 "{\"id\":\"ch_c\",\"object\":\"charge\",\"amount\":3998,\"amount_captured\":2000,"
		 "\"currency\":\"usd\",\"payment_intent\":\"pi_c\",\"captured\":true,\"status\":\"succeeded\"}",
		 SEAM_PAYMENT_EV_CAPTURED, "20.00"},
		{"charge.expired",
		 "{\"id\":\"ch_e\",\"object\":\"charge\",\"amount\":3998,\"currency\":\"usd\","
		 "\"payment_intent\":\"pi_e\",\"captured\":false,\"status\":\"failed\"}",
		 SEAM_PAYMENT_EV_EXPIRED, "39.98"},
		/* A void with no amount field is still a void. */
		{"payment_intent.canceled",
		 "{\"id\":\"pi_n\",\"object\":\"payment_intent\",\"status\":\"canceled\"}",
		 SEAM_PAYMENT_EV_VOIDED, ""},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_x", rows[i].type, rows[i].object),
				      NULL, &e, &err), SEAM_OK);
		assert_int_equal(e.type, rows[i].want);
		assert_string_equal(e.amount, rows[i].amount);
	}
	assert_string_equal(e.currency, "");

	/* Unknown types are ignored with a reason, not an error. */
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_i", "customer.created",
					   "{\"id\":\"cus_1\",\"object\":\"customer\",\"email\":\"x@example.com\"}"),
			      NULL, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_IGNORED);
	assert_string_equal(e.event_id, "evt_i");
	assert_string_equal(e.reason, "stripe event type customer.created is not a payment event in the mapping");
	assert_string_equal(e.remote_id, "");
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_s", "charge.succeeded", CHARGE_REFUNDED("0")),
			      NULL, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_IGNORED);
}

static void test_stripe_exponents(void **state)
{
	(void)state;
	char buf[2048], obj[512];
	seam_psp_event_t e;
	seam_error_t err = {0};
	struct {
		const char *cur;
		long long minor;
		const char *want;
	} rows[] = {
		{"usd", 3998, "39.98"}, {"jpy", 500, "500"},    {"krw", 12000, "12000"},
		{"kwd", 1250, "1.250"}, {"bhd", 10, "0.010"},   {"isk", 100000, "1000"},
		{"mga", 5000, "5000.00"}, {"ugx", 700, "700"},  {"eur", 0, "0.00"},
		{"huf", 150050, "1500.50"},
	};
	assert_int_equal(seam_stripe_exponent("JPY"), 0);
	assert_int_equal(seam_stripe_exponent("ISK"), 2);
	assert_int_equal(seam_stripe_exponent("MGA"), 0);
	assert_int_equal(seam_stripe_exponent("USD"), 2);
	assert_int_equal(seam_stripe_exponent("ZZZ"), -1);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		snprintf(obj, sizeof obj,
			 "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":%lld,"
			 "\"currency\":\"%s\",\"status\":\"succeeded\"}", rows[i].minor, rows[i].cur);
		assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt", "payment_intent.succeeded", obj),
				      NULL, &e, &err), SEAM_OK);
		assert_string_equal(e.amount, rows[i].want);
	}
	/* Fractional krónur cannot be written at ISO's 0 decimals. */
	snprintf(obj, sizeof obj, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":"
				  "100050,\"currency\":\"isk\",\"status\":\"succeeded\"}");
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt", "payment_intent.succeeded", obj),
			      NULL, &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "stripe: amount_received 1000.50 ISK has more fraction digits than "
				     "ISO 4217 allows (0)");
}

static void test_stripe_malformed(void **state)
{
	(void)state;
	char buf[2048];
	seam_psp_event_t e;
	seam_error_t err = {0};
	struct {
		const char *json, *msg;
	} rows[] = {
		{"[1,2]", "stripe: payload is not a JSON object"},
		{"{\"type\":\"payment_intent.succeeded\"}", "stripe: event id is missing"},
		{"{\"id\":\"\",\"type\":\"payment_intent.succeeded\"}", "stripe: event id is missing"},
		{"{\"id\":\"evt_1\"}", "stripe: event type is missing"},
		{"{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\"}",
		 "stripe evt_1: data.object is missing"},
		{"{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\",\"created\":\"yesterday\","
		 "\"data\":{\"object\":{}}}",
		 "stripe evt_1: created is not a unix time"},
		{stripe_event(buf, sizeof buf, "evt_1", "payment_intent.succeeded",
			      "{\"id\":\"ch_1\",\"object\":\"charge\",\"amount_received\":1,\"currency\":\"usd\"}"),
		 "stripe evt_1: data.object is a charge, expected payment_intent"},
		{NULL, NULL},
	};
	for (size_t i = 0; rows[i].json; i++) {
		char copy[2048];
		snprintf(copy, sizeof copy, "%s", rows[i].json);
		assert_int_equal(norm(copy, NULL, &e, &err), SEAM_PARSE);
		assert_string_equal(err.msg, rows[i].msg);
	}

	/* Amounts: not an integer, negative, a float, missing; currency missing or unknown. */
	struct {
		const char *object, *msg;
	} amounts[] = {
		{"{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":\"3998\",\"currency\":\"usd\"}",
		 "stripe: data.object.amount_received is not a non-negative integer"},
		{"{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":-1,\"currency\":\"usd\"}",
		 "stripe: data.object.amount_received is not a non-negative integer"},
		{"{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":39.98,\"currency\":\"usd\"}",
		 "stripe: data.object.amount_received is not a non-negative integer"},
		{"{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"currency\":\"usd\"}",
		 "stripe evt_2: data.object.amount_received is missing"},
		{"{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":1}",
		 "stripe: data.object.currency is missing"},
		{"{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":1,\"currency\":\"zzz\"}",
		 "stripe: unknown currency ZZZ"},
		{"{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":1,\"currency\":\"us\"}",
		 "stripe: data.object.currency \"us\" is not a currency code"},
		{"{\"object\":\"payment_intent\",\"amount_received\":1,\"currency\":\"usd\"}",
		 "stripe: data.object.id is missing"},
	};
	for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
		assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_2", "payment_intent.succeeded",
						   amounts[i].object),
				      NULL, &e, &err), SEAM_PARSE);
		assert_string_equal(err.msg, amounts[i].msg);
	}
	/* The event id survives for the quarantine record. */
	assert_string_equal(e.event_id, "evt_2");

	/* Ids longer than the buffers are refused, not cut. */
	char longid[400], obj[600];
	memset(longid, 'a', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	assert_int_equal(norm(stripe_event(buf, sizeof buf, longid, "payment_intent.succeeded", PI_SUCCEEDED),
			      NULL, &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "stripe: event id is longer than 255 bytes");
	snprintf(obj, sizeof obj, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":1,"
				  "\"currency\":\"usd\",\"metadata\":{\"order_uuid\":\"%s\"}}", longid);
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_3", "payment_intent.succeeded", obj),
			      NULL, &e, &err), SEAM_PARSE);
	seam_psp_source_t src = {.store = longid};
	assert_int_equal(norm("{}", &src, &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "stripe: store is longer than 63 bytes");
	assert_int_equal(seam_stripe_normalize(NULL, NULL, &e, &err), SEAM_PARSE);
	assert_int_equal(seam_stripe_normalize(NULL, NULL, NULL, &err), SEAM_INVAL);
}

/* The built-in table is the X-macro rows; an integrator's rows replace it. */
static void test_stripe_rules(void **state)
{
	(void)state;
	char buf[2048];
	seam_psp_event_t e;
	seam_error_t err = {0};
	size_t n;

	const seam_psp_rule_t *rows = seam_stripe_rules(&n);
	assert_int_equal(n, 7);
	const seam_psp_rule_t *r = seam_psp_rule_find(rows, n, "charge.refunded");
	assert_non_null(r);
	assert_int_equal(r->type, SEAM_PAYMENT_EV_REFUNDED);
	assert_string_equal(r->amount_field, "amount_refunded");
	assert_true(r->cumulative);
	assert_null(seam_psp_rule_find(rows, n, "charge.succeeded"));

	/* An integrator on the legacy Charges API maps charge.succeeded to a capture, and
	 * drops payment_intent.canceled, with their own rows. */
	static const seam_psp_rule_t mine[] = {
		{"charge.succeeded", SEAM_PAYMENT_EV_CAPTURED, "charge", "amount_captured", true, false},
		{"payment_intent.canceled", SEAM_PAYMENT_EV_IGNORED, NULL, NULL, false, false},
	};
	seam_psp_source_t src = {.rules = mine, .nrules = 2};
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_cs", "charge.succeeded", CHARGE_REFUNDED("0")),
			      &src, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_CAPTURED);
	assert_string_equal(e.amount, "39.98");
	assert_int_equal(norm(stripe_event(buf, sizeof buf, "evt_pc", "payment_intent.canceled",
					   "{\"id\":\"pi_c\",\"object\":\"payment_intent\",\"amount\":1,"
					   "\"currency\":\"usd\",\"status\":\"canceled\"}"),
			      &src, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_IGNORED);
}

/* A Stripe payment's webhooks delivered in reverse order, one twice, through
 * normalize -> to_payment -> resolve -> apply: Drupal ends refunded 39.98 of 39.98. */
static void test_stripe_history_end_to_end(void **state)
{
	(void)state;
	char bufs[5][2048];
	const char *deliveries[] = {
		stripe_event(bufs[0], sizeof bufs[0], "evt_4", "charge.refunded", CHARGE_REFUNDED("3998")),
		stripe_event(bufs[1], sizeof bufs[1], "evt_3", "charge.refunded", CHARGE_REFUNDED("1000")),
		stripe_event(bufs[2], sizeof bufs[2], "evt_2", "payment_intent.succeeded", PI_SUCCEEDED),
		stripe_event(bufs[3], sizeof bufs[3], "evt_1", "payment_intent.amount_capturable_updated",
			     "{\"id\":\"pi_3QPdyL2eZvKYlo2C0Xk4vFqa\",\"object\":\"payment_intent\","
			     "\"amount\":3998,\"amount_capturable\":3998,\"currency\":\"usd\","
			     "\"status\":\"requires_capture\"}"),
		bufs[0],
	};
	const char *want[] = {"create(completed, 39.98) -> refund(39.98)", "record_only: late",
			      "record_only: late", "record_only: late", "none: duplicate"};
	seam_psp_event_t pe[5];
	seam_payment_event_t seen[5];
	size_t nseen = 0;
	seam_payment_t pay = {0};
	for (int i = 0; i < 5; i++) {
		seam_payment_plan_t plan;
		seam_payment_event_t ev;
		seam_error_t err = {0};
		char line[128];
		assert_int_equal(norm(deliveries[i], NULL, &pe[i], &err), SEAM_OK);
		assert_string_equal(pe[i].remote_id, "pi_3QPdyL2eZvKYlo2C0Xk4vFqa");
		assert_int_equal(seam_psp_event_to_payment(&pe[i], &ev, &err), SEAM_OK);
		assert_int_equal(seam_payment_resolve(&pay, seen, nseen, &ev, &plan, &err), SEAM_OK);
		assert_string_equal(seam_payment_plan_format(&plan, "USD", line, sizeof line), want[i]);
		for (size_t s = 0; s < plan.nsteps; s++)
			assert_int_equal(seam_payment_apply(&pay, &plan.steps[s], &err), SEAM_OK);
		seen[nseen++] = ev;
	}
	assert_int_equal(pay.state, SEAM_PAYMENT_REFUNDED);
	assert_int_equal(pay.amount, 3998);
	assert_int_equal(pay.refunded, 3998);

	/* to_payment conversions. */
	seam_payment_event_t ev;
	seam_error_t err = {0};
	assert_int_equal(seam_psp_event_to_payment(&pe[1], &ev, &err), SEAM_OK);
	assert_int_equal(ev.type, SEAM_PAYMENT_EV_REFUNDED);
	assert_int_equal(ev.amount, 1000);
	assert_int_equal(ev.captured_total, 3998);
	assert_true(ev.cumulative);
	assert_string_equal(ev.currency, "USD");
	assert_int_equal(ev.at_ms, 1732636272000LL);
	assert_ptr_equal(ev.event_id, pe[1].event_id);
	seam_psp_event_t v = {.type = SEAM_PAYMENT_EV_VOIDED};
	assert_int_equal(seam_psp_event_to_payment(&v, &ev, &err), SEAM_OK);
	assert_int_equal(ev.amount, -1);
	assert_int_equal(ev.captured_total, -1);
	seam_psp_event_t bad = {.type = SEAM_PAYMENT_EV_CAPTURED, .event_id = "x", .amount = "1.005",
				.currency = "USD"};
	assert_int_equal(seam_psp_event_to_payment(&bad, &ev, &err), SEAM_PARSE);
	memcpy(bad.currency, "ZZZ", 4);
	assert_int_equal(seam_psp_event_to_payment(&bad, &ev, &err), SEAM_PARSE);
	assert_int_equal(seam_psp_event_to_payment(NULL, &ev, &err), SEAM_INVAL);
}

/* A delivery is one event; its id is the event's "id", as Stripe sends it. */
static void test_stripe_split(void **state)
{
	(void)state;
	seam_webhook_events_t ev;
	seam_webhook_delivery_t d = {0};
	seam_error_t err = {0};
	struct {
		const char *body, *quarantine, *event_id;
	} rows[] = {
		{"{\"id\":\"evt_1\",\"type\":\"charge.refunded\"}", NULL, NULL},
		{"not json", "malformed_json", NULL},
		{"{\"id\":\"evt_2\"}", "missing_event_id_or_type", "evt_2"},
		{"{\"id\":\"\",\"type\":\"charge.refunded\"}", "missing_event_id_or_type", ""},
		{"[1]", "missing_event_id_or_type", NULL},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_t *doc = json_loads(rows[i].body, JSON_DECODE_ANY, NULL);
		assert_int_equal(seam_stripe_split(&d, doc, &ev, &err), SEAM_OK);
		if (!rows[i].quarantine) {
			assert_null(ev.quarantine);
			assert_int_equal(ev.n, 1);
			assert_string_equal(ev.items[0].id, "evt_1");
			assert_string_equal(ev.items[0].type, "charge.refunded");
			assert_null(ev.items[0].body); /* the delivery's own bytes are stored */
		} else {
			if (!ev.quarantine || strcmp(ev.quarantine, rows[i].quarantine))
				fail_msg("%s: quarantine %s, want %s", rows[i].body,
					 ev.quarantine ? ev.quarantine : "(none)", rows[i].quarantine);
			assert_int_equal(ev.n, 0);
			if (rows[i].event_id)
				assert_string_equal(ev.event_id, rows[i].event_id);
			else
				assert_null(ev.event_id);
		}
		seam_webhook_events_dispose(&ev);
		json_decref(doc);
	}
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
		cmocka_unit_test(test_stripe),
		cmocka_unit_test(test_stripe_exponents),
		cmocka_unit_test(test_stripe_malformed),
		cmocka_unit_test(test_stripe_rules),
		cmocka_unit_test(test_stripe_history_end_to_end),
		cmocka_unit_test(test_stripe_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
