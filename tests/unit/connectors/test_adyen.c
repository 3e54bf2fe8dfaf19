/* test_adyen.c: Adyen NotificationRequestItem HMAC: the signing string (field order, empty
 * fields, no escaping, value/success types), the three published vectors, a real batch,
 * tampering, key rotation, and every refusal reason. Items: the split with the ingress id,
 * notification items -> canonical payment events, Adyen's exponents (CLP, IDR, CVE, ISK),
 * malformed items -> SEAM_PARSE with a reason, the built-in table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tests/support/th_assert.h"
#include "connectors/adyen.h"
#include "core/clock.h"

#define KEY_LIB "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
#define KEY_DOC "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"

/* The docs example item (no originalReference), with a given signature. */
#define DOC_ITEM(sig)                                                                        \
	"{\"pspReference\":\"7914073381342284\",\"merchantAccountCode\":\"TestMerchant\","   \
	"\"merchantReference\":\"TestPayment-1407325143704\",\"amount\":{\"value\":1130,"    \
	"\"currency\":\"EUR\"},\"eventCode\":\"AUTHORISATION\",\"success\":\"true\","        \
	"\"eventDate\":\"2019-01-30T18:16:22+01:00\",\"additionalData\":{\"hmacSignature\":" \
	"\"" sig "\"}}"
#define DOC_SIG "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
#define DOC_STRING "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("bad test JSON: %s", je.text);
	return j;
}

/* Signing string of an item given as JSON text. */
static void assert_signing_string(const char *item_json, const char *want)
{
	json_t *j = parse(item_json);
	char *s = NULL;
	assert_int_equal(seam_adyen_item_signing_string(j, &s, NULL), SEAM_OK);
	assert_string_equal(s, want);
	free(s);
	json_decref(j);
}

/* Verifies an item given as JSON text against keys; returns the reason. */
static seam_webhook_sig_reason_e verify(const char *item_json, const char *const *keys,
					size_t nkeys, seam_err_t want_rc, int *index)
{
	json_t *j = parse(item_json);
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_err_t rc = seam_adyen_verify_item(j, keys, nkeys, &r, &e);
	json_decref(j);
	if (rc != want_rc)
		fail_msg("rc %s, want %s (%s)", seam_errname(rc), seam_errname(want_rc), e.msg);
	if (rc != SEAM_OK) {
		assert_non_null(strstr(e.msg, seam_webhook_sig_reason_name(r.reason)));
		assert_null(strstr(e.msg, "DFB1EB54"));
		assert_null(strstr(e.msg, "44782DEF"));
	}
	assert_int_equal(r.timestamp, 0);
	if (index)
		*index = r.secret_index;
	return r.reason;
}

static const char *const doc_key[] = {KEY_DOC};
static const char *const lib_key[] = {KEY_LIB};

static void test_signing_string(void **state)
{
	(void)state;
	assert_signing_string(DOC_ITEM(DOC_SIG), DOC_STRING);
	/* The wrapper found in notificationItems[] is unwrapped. */
	assert_signing_string("{\"NotificationRequestItem\":" DOC_ITEM(DOC_SIG) "}", DOC_STRING);
	/* Booleans and numeric strings give the same text as Adyen's string/integer forms. */
	assert_signing_string("{\"pspReference\":\"p\",\"amount\":{\"value\":\"1130\",\"currency\":"
			      "\"EUR\"},\"eventCode\":\"REFUND\",\"success\":false}",
			      "p::::1130:EUR:REFUND:false");
	/* Nothing at all: eight empty fields. Nulls count as missing. */
	assert_signing_string("{}", ":::::::");
	assert_signing_string("{\"pspReference\":null,\"amount\":null,\"success\":null}", ":::::::");
	assert_signing_string("{\"amount\":{}}", ":::::::");
	/* No escaping: a ':' in a reference is signed as is. */
	assert_signing_string("{\"pspReference\":\"a:b\",\"merchantReference\":\"x\\\\y\","
			      "\"amount\":{\"value\":-5,\"currency\":\"JPY\"},\"success\":\"true\"}",
			      "a:b:::x\\y:-5:JPY::true");
	/* Field order is the documented one, not the JSON order. */
	assert_signing_string("{\"success\":\"true\",\"eventCode\":\"E\",\"amount\":{\"currency\":"
			      "\"C\",\"value\":1},\"merchantReference\":\"R\","
			      "\"merchantAccountCode\":\"M\",\"originalReference\":\"O\","
			      "\"pspReference\":\"P\"}",
			      "P:O:M:R:1:C:E:true");
}

static void test_signing_string_errors(void **state)
{
	static const char *const bad[] = {
		"[]",
		"\"item\"",
		"{\"pspReference\":7914073381342284}",
		"{\"amount\":\"1130 EUR\"}",
		"{\"amount\":{\"value\":11.30}}",
		"{\"amount\":{\"currency\":978}}",
		"{\"eventCode\":[\"A\"]}",
		"{\"success\":1}",
		"{\"NotificationRequestItem\":{\"merchantReference\":{}}}",
	};
	seam_error_t e = {0};
	char *s = (char *)"untouched";
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		assert_int_equal(seam_adyen_item_signing_string(j, &s, &e), SEAM_PARSE);
		assert_null(s);
		json_decref(j);
	}
	assert_int_equal(seam_adyen_item_signing_string(NULL, &s, &e), SEAM_PARSE);
}

static void test_published_vectors(void **state)
{
	int idx = -2;
	(void)state;
	/* Adyen docs example. */
	assert_int_equal(verify(DOC_ITEM(DOC_SIG), doc_key, 1, SEAM_OK, &idx), SEAM_WHSIG_OK);
	assert_int_equal(idx, 0);
	/* The same item under the library test key (Adyen PHP library test). */
	assert_int_equal(verify(DOC_ITEM("Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I="), lib_key, 1,
				SEAM_OK, NULL),
			 SEAM_WHSIG_OK);
	/* Adyen Node library test: every field set. */
	const char *lib_item =
		"{\"NotificationRequestItem\":{\"pspReference\":\"pspReference\","
		"\"originalReference\":\"originalReference\",\"merchantAccountCode\":"
		"\"merchantAccount\",\"merchantReference\":\"reference\",\"amount\":{\"value\":1000,"
		"\"currency\":\"EUR\"},\"eventCode\":\"CAPTURE\",\"success\":\"true\","
		"\"additionalData\":{\"hmacSignature\":"
		"\"xhpHvYq2u2Np0rstbZ6QjLGu7JWhvf7Iwaa6EviJSX0=\"}}}";
	assert_signing_string(lib_item,
			      "pspReference:originalReference:merchantAccount:reference:1000:EUR:"
			      "CAPTURE:true");
	assert_int_equal(verify(lib_item, lib_key, 1, SEAM_OK, NULL), SEAM_WHSIG_OK);
	/* Hex keys in lower case are the same key. */
	const char *const lower[] = {"44782def547aaa06c910c43932b1eb0c71fc68d9d0c057550c48ec2acf6ba056"};
	assert_int_equal(verify(DOC_ITEM(DOC_SIG), lower, 1, SEAM_OK, NULL), SEAM_WHSIG_OK);
}

static void test_batch(void **state)
{
	/* A whole notification as Adyen posts it: every item is verified on its own. */
	const char *body =
		"{\"live\":\"false\",\"notificationItems\":["
		"{\"NotificationRequestItem\":" DOC_ITEM(DOC_SIG) "},"
		"{\"NotificationRequestItem\":{\"pspReference\":\"7914073381342284\","
		"\"merchantAccountCode\":\"TestMerchant\",\"merchantReference\":"
		"\"TestPayment-1407325143704\",\"amount\":{\"value\":113000,\"currency\":\"EUR\"},"
		"\"eventCode\":\"AUTHORISATION\",\"success\":\"true\",\"additionalData\":{"
		"\"hmacSignature\":\"" DOC_SIG "\"}}}]}";
	json_t *doc = parse(body), *items = json_object_get(doc, "notificationItems");
	seam_webhook_sig_t r;
	(void)state;
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(seam_adyen_verify_item(json_array_get(items, 0), doc_key, 1, &r, NULL),
			 SEAM_OK);
	/* The second item reuses the first item's signature with a larger amount. */
	assert_int_equal(seam_adyen_verify_item(json_array_get(items, 1), doc_key, 1, &r, NULL),
			 SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_BAD_SIGNATURE);
	json_decref(doc);
}

static void test_tampering(void **state)
{
	static const char *const tampered[] = {
		"{\"pspReference\":\"7914073381342285\",\"merchantAccountCode\":\"TestMerchant\","
		"\"merchantReference\":\"TestPayment-1407325143704\",\"amount\":{\"value\":1130,"
		"\"currency\":\"EUR\"},\"eventCode\":\"AUTHORISATION\",\"success\":\"true\","
		"\"additionalData\":{\"hmacSignature\":\"" DOC_SIG "\"}}",
		"{\"pspReference\":\"7914073381342284\",\"merchantAccountCode\":\"TestMerchant\","
		"\"merchantReference\":\"TestPayment-1407325143704\",\"amount\":{\"value\":1130,"
		"\"currency\":\"USD\"},\"eventCode\":\"AUTHORISATION\",\"success\":\"true\","
		"\"additionalData\":{\"hmacSignature\":\"" DOC_SIG "\"}}",
		"{\"pspReference\":\"7914073381342284\",\"merchantAccountCode\":\"TestMerchant\","
		"\"merchantReference\":\"TestPayment-1407325143704\",\"amount\":{\"value\":1130,"
		"\"currency\":\"EUR\"},\"eventCode\":\"CANCELLATION\",\"success\":\"true\","
		"\"additionalData\":{\"hmacSignature\":\"" DOC_SIG "\"}}",
		"{\"pspReference\":\"7914073381342284\",\"merchantAccountCode\":\"TestMerchant\","
		"\"merchantReference\":\"TestPayment-1407325143704\",\"amount\":{\"value\":1130,"
		"\"currency\":\"EUR\"},\"eventCode\":\"AUTHORISATION\",\"success\":\"false\","
		"\"additionalData\":{\"hmacSignature\":\"" DOC_SIG "\"}}",
		/* a field moved into originalReference: same characters, other string */
		"{\"pspReference\":\"7914073381342284\",\"originalReference\":\"TestMerchant\","
		"\"merchantReference\":\"TestPayment-1407325143704\",\"amount\":{\"value\":1130,"
		"\"currency\":\"EUR\"},\"eventCode\":\"AUTHORISATION\",\"success\":\"true\","
		"\"additionalData\":{\"hmacSignature\":\"" DOC_SIG "\"}}",
		DOC_ITEM("coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWp0="),
	};
	const char *const wrong[] = {KEY_LIB};
	int idx = 5;
	(void)state;
	for (size_t i = 0; i < sizeof tampered / sizeof tampered[0]; i++)
		assert_int_equal(verify(tampered[i], doc_key, 1, SEAM_AUTH, &idx),
				 SEAM_WHSIG_BAD_SIGNATURE);
	assert_int_equal(idx, -1);
	assert_int_equal(verify(DOC_ITEM(DOC_SIG), wrong, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_BAD_SIGNATURE);
	/* Unsigned fields (eventDate, other additionalData) may change freely. */
	assert_int_equal(verify("{\"pspReference\":\"7914073381342284\",\"merchantAccountCode\":"
				"\"TestMerchant\",\"merchantReference\":\"TestPayment-1407325143704\","
				"\"amount\":{\"value\":1130,\"currency\":\"EUR\"},\"eventCode\":"
				"\"AUTHORISATION\",\"success\":\"true\",\"reason\":\"x\","
				"\"additionalData\":{\"hmacSignature\":\"" DOC_SIG "\",\"a\":\"b\"}}",
				doc_key, 1, SEAM_OK, NULL),
			 SEAM_WHSIG_OK);
}

static void test_rotation(void **state)
{
	const char *const both[] = {KEY_LIB, KEY_DOC};
	const char *const gaps[] = {NULL, "", KEY_DOC};
	int idx = -2;
	(void)state;
	assert_int_equal(verify(DOC_ITEM(DOC_SIG), both, 2, SEAM_OK, &idx), SEAM_WHSIG_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(verify(DOC_ITEM(DOC_SIG), gaps, 3, SEAM_OK, &idx), SEAM_WHSIG_OK);
	assert_int_equal(idx, 2);
}

static void test_refusals(void **state)
{
	(void)state;
	/* Signature absent in its various forms. */
	assert_int_equal(verify("{\"pspReference\":\"1\"}", doc_key, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(verify("{\"additionalData\":{}}", doc_key, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(verify("{\"additionalData\":\"hmac\"}", doc_key, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(verify("{\"additionalData\":{\"hmacSignature\":null}}", doc_key, 1,
				SEAM_AUTH, NULL),
			 SEAM_WHSIG_MISSING_SIGNATURE);
	assert_int_equal(verify(DOC_ITEM(""), doc_key, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MISSING_SIGNATURE);
	/* Present but not a SHA-256 in base64. */
	assert_int_equal(verify("{\"additionalData\":{\"hmacSignature\":42}}", doc_key, 1, SEAM_AUTH,
				NULL),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(verify(DOC_ITEM("not base64!"), doc_key, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MALFORMED_SIGNATURE);
	assert_int_equal(verify(DOC_ITEM("coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWg=="), doc_key, 1,
				SEAM_AUTH, NULL),
			 SEAM_WHSIG_MALFORMED_SIGNATURE); /* 31 bytes */
	assert_int_equal(verify(DOC_ITEM("coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0AAAA"), doc_key,
				1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MALFORMED_SIGNATURE); /* 35 bytes */
	assert_int_equal(verify(DOC_ITEM(DOC_SIG "AAAA"), doc_key, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MALFORMED_SIGNATURE); /* padding inside */
	/* The item itself is unusable. */
	assert_int_equal(verify("[1,2]", doc_key, 1, SEAM_AUTH, NULL), SEAM_WHSIG_MALFORMED_PAYLOAD);
	assert_int_equal(verify("{\"pspReference\":7914073381342284,\"additionalData\":{"
				"\"hmacSignature\":\"" DOC_SIG "\"}}",
				doc_key, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MALFORMED_PAYLOAD);
	assert_int_equal(verify("{\"amount\":{\"value\":11.3},\"additionalData\":{"
				"\"hmacSignature\":\"" DOC_SIG "\"}}",
				doc_key, 1, SEAM_AUTH, NULL),
			 SEAM_WHSIG_MALFORMED_PAYLOAD);
}

static void test_keys(void **state)
{
	const char *const none[] = {NULL, ""};
	const char *const odd[] = {"ABC"};
	const char *const nothex[] = {KEY_DOC, "ZZ"};
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	json_t *j = parse(DOC_ITEM(DOC_SIG));
	(void)state;
	assert_int_equal(seam_adyen_verify_item(j, NULL, 0, &r, &e), SEAM_CONFIG);
	assert_int_equal(r.reason, SEAM_WHSIG_NO_SECRET);
	assert_int_equal(seam_adyen_verify_item(j, none, 2, &r, NULL), SEAM_CONFIG);
	assert_int_equal(seam_adyen_verify_item(j, odd, 1, &r, NULL), SEAM_CONFIG);
	assert_int_equal(seam_adyen_verify_item(j, nothex, 2, &r, &e), SEAM_CONFIG);
	assert_int_equal(r.reason, SEAM_WHSIG_NO_SECRET);
	assert_null(strstr(e.msg, "44782DEF"));
	/* A config problem wins over a bad item: it is the deployment that must be fixed. */
	assert_int_equal(seam_adyen_verify_item(NULL, none, 2, &r, NULL), SEAM_CONFIG);
	assert_int_equal(seam_adyen_verify_item(NULL, doc_key, 1, &r, NULL), SEAM_AUTH);
	assert_int_equal(r.reason, SEAM_WHSIG_MALFORMED_PAYLOAD);
	assert_int_equal(seam_adyen_verify_item(j, doc_key, 1, NULL, NULL), SEAM_OK);
	json_decref(j);
}

/* ---- events ---- */

static seam_err_t norm(const char *text, const seam_psp_source_t *src, seam_psp_event_t *out,
		       seam_error_t *err)
{
	json_t *j = th_json_parse(text);
	seam_err_t rc = seam_adyen_normalize(j, src, out, err);
	json_decref(j);
	return rc;
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

static seam_err_t item(const char *body, seam_psp_event_t *e, seam_error_t *err)
{
	json_t *j = json_loads(body, 0, NULL);
	assert_non_null(j);
	assert_int_equal(seam_adyen_count(j), 1);
	assert_null(seam_adyen_item(j, 1));
	seam_psp_source_t src = {.store = "eu"};
	seam_err_t rc = seam_adyen_normalize(seam_adyen_item(j, 0), &src, e, err);
	/* The wrapped item normalises the same. */
	seam_psp_event_t w;
	seam_err_t rc2 = seam_adyen_normalize(
		json_array_get(json_object_get(j, "notificationItems"), 0), &src, &w, NULL);
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
	assert_int_equal(item(adyen_body(buf, sizeof buf, "AUTHORISATION", "7914073381342284", NULL,
					  "EUR", 1130, "true", NULL), &e, &err), SEAM_OK);
	assert_string_equal(e.provider, "adyen");
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
	assert_int_equal(item(adyen_body(buf, sizeof buf, "AUTHORISATION", "7914073381342285", NULL,
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
		assert_int_equal(item(adyen_body(buf, sizeof buf, rows[i].code, "8815073381342999",
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
	assert_int_equal(item(adyen_body(buf, sizeof buf, "REPORT_AVAILABLE", "8815073381343000", NULL,
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
		assert_int_equal(item(adyen_body(buf, sizeof buf, "AUTHORISATION", "1", NULL, ex[i].cur,
						  ex[i].value, "true", NULL), &e, &err), SEAM_OK);
		assert_string_equal(e.amount, ex[i].want);
	}
	assert_int_equal(item(adyen_body(buf, sizeof buf, "AUTHORISATION", "1", NULL, "CLP", 12345,
					  "true", NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen: amount 123.45 CLP has more fraction digits than ISO 4217 allows (0)");

	/* A JSON boolean for success is taken too. */
	assert_int_equal(norm("{\"eventCode\":\"AUTHORISATION\",\"pspReference\":\"9\",\"success\":true,"
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

	assert_int_equal(item(adyen_body(buf, sizeof buf, "CAPTURE", "8815", NULL, "EUR", 1130, "true",
					  NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen 8815:CAPTURE:true: originalReference is missing");
	assert_string_equal(e.event_id, "8815:CAPTURE:true"); /* kept for quarantine */
	assert_int_equal(item(adyen_body(buf, sizeof buf, "CAPTURE", "8815", "7914", "EUR", 1130, "yes",
					  NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen CAPTURE 8815: success is not \"true\" or \"false\"");
	assert_int_equal(item(adyen_body(buf, sizeof buf, "CAPTURE", "8815", "7914", "EUR", -5, "true",
					  NULL), &e, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "adyen: amount.value is not a non-negative integer");
	assert_int_equal(item(adyen_body(buf, sizeof buf, "CAPTURE", "8815", "7914", "QQQ", 5, "true",
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
		assert_int_equal(norm(rows[i].json, NULL, &e, &err), SEAM_PARSE);
		assert_string_equal(err.msg, rows[i].msg);
	}
	/* A refused authorisation needs no amount. */
	assert_int_equal(norm("{\"eventCode\":\"AUTHORISATION\",\"pspReference\":\"1\",\"success\":\"false\"}",
			      NULL, &e, &err), SEAM_OK);
	assert_int_equal(e.type, SEAM_PAYMENT_EV_FAILED);

	/* Body helpers on wrong shapes. */
	json_t *j = json_loads("{\"notificationItems\":[{\"x\":1}]}", 0, NULL);
	assert_int_equal(seam_adyen_count(j), 1);
	assert_null(seam_adyen_item(j, 0));
	json_decref(j);
	assert_int_equal(seam_adyen_count(NULL), 0);
}

/* The built-in table is the X-macro rows. */
static void test_adyen_rules(void **state)
{
	(void)state;
	size_t n;
	const seam_psp_rule_t *rows = seam_adyen_rules(&n);
	assert_int_equal(n, 12);
	assert_true(seam_psp_rule_find(rows, n, "CAPTURE")->needs_original);
	assert_false(seam_psp_rule_find(rows, n, "AUTHORISATION")->needs_original);
}

/* Every item is an event with the ingress id "<eventCode>:<pspReference>:<success>" and its own
 * bytes; one item without pspReference or eventCode quarantines the whole delivery. */
static void test_adyen_split(void **state)
{
	(void)state;
	seam_webhook_events_t ev;
	seam_webhook_delivery_t d = {0};
	seam_error_t err = {0};
	json_t *doc = json_loads("{\"live\":\"false\",\"notificationItems\":["
				 "{\"NotificationRequestItem\":{\"eventCode\":\"AUTHORISATION\","
				 "\"pspReference\":\"7914073381342284\",\"success\":\"true\"}},"
				 "{\"NotificationRequestItem\":{\"eventCode\":\"AUTHORISATION\","
				 "\"pspReference\":\"8815\",\"success\":false}}]}", 0, NULL);
	assert_int_equal(seam_adyen_split(&d, doc, &ev, &err), SEAM_OK);
	assert_null(ev.quarantine);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.items[0].id, "AUTHORISATION:7914073381342284:true");
	assert_string_equal(ev.items[0].type, "AUTHORISATION");
	assert_string_equal(ev.items[0].body,
			    "{\"NotificationRequestItem\":{\"eventCode\":\"AUTHORISATION\","
			    "\"pspReference\":\"7914073381342284\",\"success\":\"true\"}}");
	assert_string_equal(ev.items[1].id, "AUTHORISATION:8815:false");
	/* the stored item normalises to the other id form */
	seam_psp_event_t e;
	assert_int_equal(seam_adyen_normalize(ev.items[1].doc, NULL, &e, &err), SEAM_OK);
	assert_string_equal(e.event_id, "8815:AUTHORISATION:false");
	assert_int_equal(e.type, SEAM_PAYMENT_EV_FAILED);
	seam_webhook_events_dispose(&ev);
	json_decref(doc);

	doc = json_loads("{\"notificationItems\":[{\"NotificationRequestItem\":{\"eventCode\":"
			 "\"CAPTURE\",\"pspReference\":\"1\",\"success\":\"true\"}},"
			 "{\"NotificationRequestItem\":{\"eventCode\":\"CAPTURE\"}}]}", 0, NULL);
	assert_int_equal(seam_adyen_split(&d, doc, &ev, &err), SEAM_OK);
	assert_string_equal(ev.quarantine, "missing_psp_reference_or_event_code");
	assert_int_equal(ev.n, 0);
	assert_null(ev.event_id);
	seam_webhook_events_dispose(&ev);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signing_string),
		cmocka_unit_test(test_signing_string_errors),
		cmocka_unit_test(test_published_vectors),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_adyen),
		cmocka_unit_test(test_adyen_malformed),
		cmocka_unit_test(test_adyen_rules),
		cmocka_unit_test(test_adyen_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
