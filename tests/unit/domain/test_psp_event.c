/* test_psp_event.c: Stripe events, Adyen notification items and the Standard Webhooks form
 * -> canonical payment events; provider exponents (JPY, KWD, ISK, MGA, CLP, IDR); malformed
 * payloads -> SEAM_PARSE with a reason; a Stripe history delivered out of order, end to end
 * through seam_payment_resolve(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "domain/psp_event.h"

static seam_err_t norm(seam_psp_provider_e p, const char *text, const seam_psp_source_t *src,
		       seam_psp_event_t *out, seam_error_t *err)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	if (!j)
		fail_msg("test JSON does not parse: %s (line %d)", jerr.text, jerr.line);
	seam_err_t rc = seam_psp_normalize(p, j, src, out, err);
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

	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_3QPdyL2eZvKYlo2C0xYz1", "payment_intent.succeeded",
					   PI_SUCCEEDED),
			      &src, &e, &err), SEAM_OK);
	assert_int_equal(e.provider, SEAM_PSP_STRIPE);
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
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_a", "payment_intent.amount_capturable_updated",
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
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_r", "charge.refunded", CHARGE_REFUNDED("1000")),
			      NULL, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_REFUNDED);
	assert_string_equal(e.amount, "10.00");
	assert_true(e.cumulative);
	assert_string_equal(e.captured_amount, "39.98");
	assert_string_equal(e.remote_id, "pi_3QPdyL2eZvKYlo2C0Xk4vFqa");

	/* KWD has three decimals; a legacy charge without a PaymentIntent keeps its own id. */
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_k", "charge.refunded",
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
		assert_int_equal(norm(SEAM_PSP_STRIPE,
				      stripe_event(buf, sizeof buf, "evt_x", rows[i].type, rows[i].object),
				      NULL, &e, &err), SEAM_OK);
		assert_int_equal(e.type, rows[i].want);
		assert_string_equal(e.amount, rows[i].amount);
	}
	assert_string_equal(e.currency, "");

	/* Unknown types are ignored with a reason, not an error. */
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_i", "customer.created",
					   "{\"id\":\"cus_1\",\"object\":\"customer\",\"email\":\"x@example.com\"}"),
			      NULL, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_IGNORED);
	assert_string_equal(e.event_id, "evt_i");
	assert_string_equal(e.reason, "stripe event type customer.created is not a payment event in the mapping");
	assert_string_equal(e.remote_id, "");
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_s", "charge.succeeded", CHARGE_REFUNDED("0")),
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
	assert_int_equal(seam_psp_exponent(SEAM_PSP_STRIPE, "JPY"), 0);
	assert_int_equal(seam_psp_exponent(SEAM_PSP_STRIPE, "ISK"), 2);
	assert_int_equal(seam_psp_exponent(SEAM_PSP_STRIPE, "MGA"), 0);
	assert_int_equal(seam_psp_exponent(SEAM_PSP_STRIPE, "USD"), 2);
	assert_int_equal(seam_psp_exponent(SEAM_PSP_STRIPE, "ZZZ"), -1);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		snprintf(obj, sizeof obj,
			 "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":%lld,"
			 "\"currency\":\"%s\",\"status\":\"succeeded\"}", rows[i].minor, rows[i].cur);
		assert_int_equal(norm(SEAM_PSP_STRIPE,
				      stripe_event(buf, sizeof buf, "evt", "payment_intent.succeeded", obj),
				      NULL, &e, &err), SEAM_OK);
		assert_string_equal(e.amount, rows[i].want);
	}
	/* Fractional krónur cannot be written at ISO's 0 decimals. */
	snprintf(obj, sizeof obj, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":"
				  "100050,\"currency\":\"isk\",\"status\":\"succeeded\"}");
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt", "payment_intent.succeeded", obj),
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
		assert_int_equal(norm(SEAM_PSP_STRIPE, copy, NULL, &e, &err), SEAM_PARSE);
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
		assert_int_equal(norm(SEAM_PSP_STRIPE,
				      stripe_event(buf, sizeof buf, "evt_2", "payment_intent.succeeded",
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
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, longid, "payment_intent.succeeded", PI_SUCCEEDED),
			      NULL, &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "stripe: event id is longer than 255 bytes");
	snprintf(obj, sizeof obj, "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount_received\":1,"
				  "\"currency\":\"usd\",\"metadata\":{\"order_uuid\":\"%s\"}}", longid);
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_3", "payment_intent.succeeded", obj),
			      NULL, &e, &err), SEAM_PARSE);
	seam_psp_source_t src = {.store = longid};
	assert_int_equal(norm(SEAM_PSP_STRIPE, "{}", &src, &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "stripe: store is longer than 63 bytes");
	assert_int_equal(seam_psp_normalize(SEAM_PSP_STRIPE, NULL, NULL, &e, &err), SEAM_PARSE);
	assert_int_equal(seam_psp_normalize(SEAM_PSP__PROVIDER_COUNT, NULL, NULL, &e, &err), SEAM_INVAL);
	assert_int_equal(seam_psp_normalize(SEAM_PSP_STRIPE, NULL, NULL, NULL, &err), SEAM_INVAL);
}

/* An Adyen notification body with one item. */
static const char *adyen_body(char *buf, size_t len, const char *code, const char *psp,
			      const char *orig, const char *currency, long long value,
			      const char *success, const char *extra)
{
	char o[128] = "";
	if (orig)
		snprintf(o, sizeof o, "\"originalReference\":\"%s\",", orig);
	snprintf(buf, len,
		 "{\"live\":\"false\",\"notificationItems\":[{\"NotificationRequestItem\":{"
		 "\"additionalData\":{\"hmacSignature\":\"coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=\"%s},"
		 "\"amount\":{\"currency\":\"%s\",\"value\":%lld},\"eventCode\":\"%s\","
		 "\"eventDate\":\"2024-01-15T10:00:00+01:00\",\"merchantAccountCode\":\"TestMerchant\","
		 "\"merchantReference\":\"1002\",%s\"operations\":[\"CANCEL\",\"CAPTURE\",\"REFUND\"],"
		 "\"paymentMethod\":\"visa\",\"pspReference\":\"%s\",\"reason\":\"1234:7777:12/2012\","
		 "\"success\":\"%s\"}}]}",
		 extra ? extra : "", currency, value, code, o, psp, success);
	return buf;
}

static seam_err_t adyen(const char *body, seam_psp_event_t *e, seam_error_t *err)
{
	json_t *j = json_loads(body, 0, NULL);
	assert_non_null(j);
	assert_int_equal(seam_psp_adyen_count(j), 1);
	assert_null(seam_psp_adyen_item(j, 1));
	seam_psp_source_t src = {.store = "eu"};
	seam_err_t rc = seam_psp_normalize(SEAM_PSP_ADYEN, seam_psp_adyen_item(j, 0), &src, e, err);
	/* The wrapped item normalises the same. */
	seam_psp_event_t w;
	seam_err_t rc2 = seam_psp_normalize(
		SEAM_PSP_ADYEN, json_array_get(json_object_get(j, "notificationItems"), 0), &src, &w, NULL);
	assert_int_equal(rc, rc2);
	if (rc == SEAM_OK)
		assert_string_equal(w.event_id, e->event_id);
	json_decref(j);
	return rc;
}

static void test_adyen(void **state)
{
	(void)state;
	char buf[2048];
	seam_psp_event_t e;
	seam_error_t err = {0};
	int64_t at;
	assert_int_equal(seam_rfc3339_parse("2024-01-15T09:00:00Z", &at), 0);

	/* The Adyen docs example item. */
	assert_int_equal(adyen(adyen_body(buf, sizeof buf, "AUTHORISATION", "7914073381342284", NULL,
					  "EUR", 1130, "true", NULL), &e, &err), SEAM_OK);
	assert_int_equal(e.provider, SEAM_PSP_ADYEN);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_AUTHORIZED);
	assert_string_equal(e.event_id, "7914073381342284:AUTHORISATION:true");
	assert_string_equal(e.event_type, "AUTHORISATION");
	assert_string_equal(e.amount, "11.30");
	assert_string_equal(e.currency, "EUR");
	assert_false(e.cumulative);
	assert_string_equal(e.remote_id, "7914073381342284");
	assert_string_equal(e.order_id, "1002");
	assert_string_equal(e.store, "eu");
	assert_int_equal(e.occurred_at_ms, at);
	assert_string_equal(e.remote_state, "AUTHORISATION");

	/* Refused authorisation -> failed. */
	assert_int_equal(adyen(adyen_body(buf, sizeof buf, "AUTHORISATION", "7914073381342285", NULL,
					  "EUR", 1130, "false", NULL), &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_FAILED);
	assert_string_equal(e.event_id, "7914073381342285:AUTHORISATION:false");
	assert_string_equal(e.remote_state, "AUTHORISATION:false");

	/* Modifications use originalReference as the payment id; amounts are increments. */
	struct {
		const char *code, *success, *extra;
		seam_payment_event_e want;
		const char *amount;
	} rows[] = {
		{"CAPTURE", "true", NULL, SEAM_PAYMENT_EV_CAPTURED, "11.30"},
		{"CAPTURE", "false", NULL, SEAM_PAYMENT_EV_FAILED, "11.30"},
		{"CAPTURE_FAILED", "true", NULL, SEAM_PAYMENT_EV_FAILED, "11.30"},
		{"REFUND", "true", NULL, SEAM_PAYMENT_EV_REFUNDED, "11.30"},
		{"REFUND", "false", NULL, SEAM_PAYMENT_EV_FAILED, "11.30"},
		{"REFUND_FAILED", "true", NULL, SEAM_PAYMENT_EV_FAILED, "11.30"},
		{"CANCELLATION", "true", NULL, SEAM_PAYMENT_EV_VOIDED, "11.30"},
		{"TECHNICAL_CANCEL", "true", NULL, SEAM_PAYMENT_EV_VOIDED, "11.30"},
		{"CANCEL_OR_REFUND", "true", NULL, SEAM_PAYMENT_EV_CANCEL_OR_REFUND, "11.30"},
		{"CANCEL_OR_REFUND", "true", ",\"modification.action\":\"cancel\"", SEAM_PAYMENT_EV_VOIDED, "11.30"},
		{"CANCEL_OR_REFUND", "true", ",\"modification.action\":\"refund\"", SEAM_PAYMENT_EV_REFUNDED, "11.30"},
		{"AUTHORISATION_ADJUSTMENT", "true", NULL, SEAM_PAYMENT_EV_AUTHORIZED, "11.30"},
		{"EXPIRE", "true", NULL, SEAM_PAYMENT_EV_EXPIRED, "11.30"},
		{"REFUNDED_REVERSED", "true", NULL, SEAM_PAYMENT_EV_FAILED, "11.30"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(adyen(adyen_body(buf, sizeof buf, rows[i].code, "8815073381342999",
						  "7914073381342284", "EUR", 1130, rows[i].success,
						  rows[i].extra), &e, &err), SEAM_OK);
		if (e.type != rows[i].want)
			fail_msg("%s success=%s: %s, want %s", rows[i].code, rows[i].success,
				 seam_payment_event_name(e.type), seam_payment_event_name(rows[i].want));
		assert_string_equal(e.remote_id, "7914073381342284");
		assert_string_equal(e.amount, rows[i].amount);
		assert_false(e.cumulative);
	}

	/* Not payment events: ignored. */
	assert_int_equal(adyen(adyen_body(buf, sizeof buf, "REPORT_AVAILABLE", "8815073381343000", NULL,
					  "EUR", 0, "true", NULL), &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_IGNORED);
	assert_string_equal(e.reason, "adyen eventCode REPORT_AVAILABLE is not a payment event in the mapping");
	assert_string_equal(e.amount, "");

	/* Adyen's exponents: CLP has 2 at Adyen (0 in ISO), IDR and CVE 0 (2 in ISO), ISK 2. */
	struct {
		const char *cur;
		long long value;
		const char *want;
	} ex[] = {{"CLP", 12300, "123"}, {"IDR", 15000, "15000.00"}, {"CVE", 250, "250.00"},
		  {"ISK", 50000, "500"},   {"JPY", 500, "500"},        {"KWD", 1250, "1.250"}};
	for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		assert_int_equal(adyen(adyen_body(buf, sizeof buf, "AUTHORISATION", "1", NULL, ex[i].cur,
						  ex[i].value, "true", NULL), &e, &err), SEAM_OK);
		assert_string_equal(e.amount, ex[i].want);
	}
	assert_int_equal(adyen(adyen_body(buf, sizeof buf, "AUTHORISATION", "1", NULL, "CLP", 12345,
					  "true", NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen: amount 123.45 CLP has more fraction digits than ISO 4217 allows (0)");

	/* A JSON boolean for success is taken too. */
	assert_int_equal(norm(SEAM_PSP_ADYEN,
			      "{\"eventCode\":\"AUTHORISATION\",\"pspReference\":\"9\",\"success\":true,"
			      "\"amount\":{\"value\":100,\"currency\":\"USD\"}}", NULL, &e, &err), SEAM_OK);
	assert_string_equal(e.event_id, "9:AUTHORISATION:true");
	assert_int_equal(e.occurred_at_ms, 0);
}

static void test_adyen_malformed(void **state)
{
	(void)state;
	char buf[2048];
	seam_psp_event_t e;
	seam_error_t err = {0};

	assert_int_equal(adyen(adyen_body(buf, sizeof buf, "CAPTURE", "8815", NULL, "EUR", 1130, "true",
					  NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen 8815:CAPTURE:true: originalReference is missing");
	assert_string_equal(e.event_id, "8815:CAPTURE:true"); /* kept for quarantine */
	assert_int_equal(adyen(adyen_body(buf, sizeof buf, "CAPTURE", "8815", "7914", "EUR", 1130, "yes",
					  NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen CAPTURE 8815: success is not \"true\" or \"false\"");
	assert_int_equal(adyen(adyen_body(buf, sizeof buf, "CAPTURE", "8815", "7914", "EUR", -5, "true",
					  NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen: amount.value is not a non-negative integer");
	assert_int_equal(adyen(adyen_body(buf, sizeof buf, "CAPTURE", "8815", "7914", "QQQ", 5, "true",
					  NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen: unknown currency QQQ");

	struct {
		const char *json, *msg;
	} rows[] = {
		{"{\"pspReference\":\"1\",\"success\":\"true\"}", "adyen: eventCode is missing"},
		{"{\"eventCode\":\"CAPTURE\",\"success\":\"true\"}", "adyen: pspReference is missing"},
		{"{\"eventCode\":\"AUTHORISATION\",\"pspReference\":\"1\",\"success\":\"true\","
		 "\"eventDate\":\"15/01/2024\",\"amount\":{\"value\":1,\"currency\":\"EUR\"}}",
		 "adyen 1:AUTHORISATION:true: eventDate \"15/01/2024\" is not RFC 3339"},
		{"{\"eventCode\":\"AUTHORISATION\",\"pspReference\":\"1\",\"success\":\"true\"}",
		 "adyen 1:AUTHORISATION:true: amount.value is missing"},
		{"{\"eventCode\":\"AUTHORISATION\",\"pspReference\":\"1\",\"success\":\"true\","
		 "\"amount\":{\"value\":\"100\",\"currency\":\"EUR\"}}",
		 "adyen: amount.value is not a non-negative integer"},
		{"{\"eventCode\":\"AUTHORISATION\",\"pspReference\":\"1\",\"success\":\"true\","
		 "\"amount\":{\"value\":100}}",
		 "adyen: amount.currency is missing"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(norm(SEAM_PSP_ADYEN, rows[i].json, NULL, &e, &err), SEAM_PARSE);
		assert_string_equal(err.msg, rows[i].msg);
	}
	/* A refused authorisation needs no amount. */
	assert_int_equal(norm(SEAM_PSP_ADYEN,
			      "{\"eventCode\":\"AUTHORISATION\",\"pspReference\":\"1\",\"success\":\"false\"}",
			      NULL, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_FAILED);

	/* Body helpers on wrong shapes. */
	json_t *j = json_loads("{\"notificationItems\":[{\"x\":1}]}", 0, NULL);
	assert_int_equal(seam_psp_adyen_count(j), 1);
	assert_null(seam_psp_adyen_item(j, 0));
	json_decref(j);
	assert_int_equal(seam_psp_adyen_count(NULL), 0);
}

static void test_standard(void **state)
{
	(void)state;
	seam_psp_event_t e;
	seam_error_t err = {0};
	seam_psp_source_t src = {.store = "online", .webhook_id = "msg_2aXbQ1"};

	assert_int_equal(norm(SEAM_PSP_STANDARD,
			      "{\"type\":\"payment.captured\",\"timestamp\":\"2026-11-26T16:11:12.345Z\","
			      "\"data\":{\"payment_id\":\"pay_123\",\"amount\":\"39.98\",\"currency\":\"USD\","
			      "\"order_uuid\":\"5bdfd1e8-dfad-41ac-a514-1b58d123e678\",\"order_id\":\"1\","
			      "\"status\":\"captured\"}}", &src, &e, &err), SEAM_OK);
	assert_int_equal(e.provider, SEAM_PSP_STANDARD);
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
	assert_int_equal(norm(SEAM_PSP_STANDARD,
			      "{\"type\":\"payment.refunded\",\"data\":{\"payment_id\":\"pay_123\","
			      "\"refunded_total\":\"10\",\"amount\":\"5.00\",\"captured_amount\":\"39.98\","
			      "\"currency\":\"USD\"}}", &src, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_REFUNDED);
	assert_string_equal(e.amount, "10.00");
	assert_true(e.cumulative);
	assert_string_equal(e.captured_amount, "39.98");
	assert_int_equal(norm(SEAM_PSP_STANDARD,
			      "{\"type\":\"payment.refunded\",\"data\":{\"payment_id\":\"pay_123\","
			      "\"amount\":\"0.250\",\"currency\":\"KWD\"}}", &src, &e, &err), SEAM_OK);
	assert_string_equal(e.amount, "0.250");
	assert_false(e.cumulative);
	/* No webhook-id header: the payload's id. Voids need no amount. */
	assert_int_equal(norm(SEAM_PSP_STANDARD,
			      "{\"id\":\"evt_9\",\"type\":\"payment.voided\",\"data\":{\"payment_id\":\"p\"}}",
			      NULL, &e, &err), SEAM_OK);
	assert_string_equal(e.event_id, "evt_9");
	assert_int_equal(e.type, SEAM_PAYMENT_EV_VOIDED);
	assert_string_equal(e.currency, "");
	assert_int_equal(norm(SEAM_PSP_STANDARD, "{\"type\":\"invoice.paid\",\"data\":{}}", &src, &e,
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
		assert_int_equal(norm(SEAM_PSP_STANDARD, rows[i].json, &src, &e, &err), SEAM_PARSE);
		assert_string_equal(err.msg, rows[i].msg);
	}
	assert_int_equal(norm(SEAM_PSP_STANDARD, "{\"type\":\"payment.captured\"}", NULL, &e, &err),
			 SEAM_PARSE);
	assert_string_equal(err.msg, "standard: no webhook-id (and no id in the payload)");
}

static void test_custom_rules(void **state)
{
	(void)state;
	char buf[2048];
	seam_psp_event_t e;
	seam_error_t err = {0};
	size_t n;

	/* The built-in tables are the X-macro rows. */
	const seam_psp_rule_t *rows = seam_psp_rules(SEAM_PSP_STRIPE, &n);
	assert_int_equal(n, 7);
	const seam_psp_rule_t *r = seam_psp_rule_find(rows, n, "charge.refunded");
	assert_non_null(r);
	assert_int_equal(r->type, SEAM_PAYMENT_EV_REFUNDED);
	assert_string_equal(r->amount_field, "amount_refunded");
	assert_true(r->cumulative);
	assert_null(seam_psp_rule_find(rows, n, "charge.succeeded"));
	rows = seam_psp_rules(SEAM_PSP_ADYEN, &n);
	assert_int_equal(n, 12);
	assert_true(seam_psp_rule_find(rows, n, "CAPTURE")->needs_original);
	assert_false(seam_psp_rule_find(rows, n, "AUTHORISATION")->needs_original);
	assert_non_null(seam_psp_rules(SEAM_PSP_STANDARD, &n));
	assert_int_equal(n, 7);
	assert_null(seam_psp_rules(SEAM_PSP__PROVIDER_COUNT, &n));
	assert_int_equal(n, 0);

	/* An integrator on the legacy Charges API maps charge.succeeded to a capture, and
	 * drops payment_intent.canceled, with their own rows. */
	static const seam_psp_rule_t mine[] = {
		{"charge.succeeded", SEAM_PAYMENT_EV_CAPTURED, "charge", "amount_captured", true, false},
		{"payment_intent.canceled", SEAM_PAYMENT_EV_IGNORED, NULL, NULL, false, false},
	};
	seam_psp_source_t src = {.rules = mine, .nrules = 2};
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_cs", "charge.succeeded", CHARGE_REFUNDED("0")),
			      &src, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_CAPTURED);
	assert_string_equal(e.amount, "39.98");
	assert_int_equal(norm(SEAM_PSP_STRIPE,
			      stripe_event(buf, sizeof buf, "evt_pc", "payment_intent.canceled",
					   "{\"id\":\"pi_c\",\"object\":\"payment_intent\",\"amount\":1,"
					   "\"currency\":\"usd\",\"status\":\"canceled\"}"),
			      &src, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_IGNORED);
	/* A Standard source with its own vocabulary. */
	static const seam_psp_rule_t std[] = {
		{.provider_type = "charge.settled", .type = SEAM_PAYMENT_EV_CAPTURED}};
	seam_psp_source_t s2 = {.webhook_id = "m1", .rules = std, .nrules = 1};
	assert_int_equal(norm(SEAM_PSP_STANDARD,
			      "{\"type\":\"charge.settled\",\"data\":{\"payment_id\":\"p\",\"amount\":\"5\","
			      "\"currency\":\"EUR\"}}", &s2, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_CAPTURED);
	assert_string_equal(e.amount, "5.00");

	/* Provider names. */
	seam_psp_provider_e p;
	assert_int_equal(seam_psp_provider_parse("adyen", &p), 0);
	assert_int_equal(p, SEAM_PSP_ADYEN);
	assert_int_equal(seam_psp_provider_parse("paypal", &p), -1);
	assert_string_equal(seam_psp_provider_name(SEAM_PSP_STANDARD), "standard");
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
		assert_int_equal(norm(SEAM_PSP_STRIPE, deliveries[i], NULL, &pe[i], &err), SEAM_OK);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stripe),
		cmocka_unit_test(test_stripe_exponents),
		cmocka_unit_test(test_stripe_malformed),
		cmocka_unit_test(test_adyen),
		cmocka_unit_test(test_adyen_malformed),
		cmocka_unit_test(test_standard),
		cmocka_unit_test(test_custom_rules),
		cmocka_unit_test(test_stripe_history_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
