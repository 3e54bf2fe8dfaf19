/* test_pim_events.c: Akeneo Events API. Signature: a plain one-buffer HMAC accepted, wrong
 * secret, tampered body/timestamp/signature, the 300 s window at +-1 s both ways, rotation,
 * missing/malformed headers, no secret, over a delivery's headers. Message: 1 and 10 events
 * read in order, 11 refused, missing and malformed fields named with their index, unknown
 * actions skipped, duplicates kept as separate items, product models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/support/th_assert.h"
#include "connectors/pim_events.h"
#include "contract/registry.h"
#include "core/crypto.h"

#define SECRET "3ha6eonoa9icsckw8kccos084w0c0000g08g40oo4kww0gc8w4"
#define T0 1602565368LL

static const char *const one_secret[] = {SECRET};

/* Hex HMAC(secret, "<t>.<body>") computed the plain way, from the docs' PHP sample. */
static void sign_hex(const char *secret, const char *t, const char *body, char hex[65])
{
	size_t n = strlen(t) + 1 + strlen(body);
	char *buf = malloc(n + 1);
	uint8_t mac[SEAM_SHA256_LEN];
	assert_non_null(buf);
	snprintf(buf, n + 1, "%s.%s", t, body);
	seam_hmac_sha256(secret, strlen(secret), buf, n, mac);
	seam_hex_encode(mac, sizeof mac, hex);
	free(buf);
}

static const char BODY1[] =
	"{\"events\":[{\"action\":\"product.created\",\"event_id\":"
	"\"2f3a8f4b-5e2c-4a55-9f36-d5d3e7b0a001\",\"event_datetime\":\"2020-10-13T05:02:48+00:00\","
	"\"author\":\"julia\",\"author_type\":\"ui\",\"pim_source\":\"https://pim.example\","
	"\"data\":{\"resource\":{\"uuid\":\"a1b2c3d4-0000-4000-8000-000000000001\","
	"\"identifier\":\"SKU-1\",\"updated\":\"2020-10-13T05:02:47+00:00\"}}}]}";

static seam_webhook_sig_reason_e verify(const char *sig, const char *ts, const char *body,
					const char *const *secrets, size_t n, int64_t now,
					seam_err_t want_rc, int *idx)
{
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_err_t rc = seam_pim_events_verify(sig, ts, body, strlen(body), secrets, n, now,
					       SEAM_PIM_EVENTS_TOLERANCE_S, &r, &e);
	if (rc != want_rc)
		fail_msg("sig %.20s ts %s: rc %s, want %s (%s)", sig ? sig : "(null)",
			 ts ? ts : "(null)", seam_errname(rc), seam_errname(want_rc), e.msg);
	if (rc != SEAM_OK) {
		assert_non_null(strstr(e.msg, seam_webhook_sig_reason_name(r.reason)));
		assert_null(strstr(e.msg, SECRET));
	}
	if (idx)
		*idx = r.secret_index;
	return r.reason;
}

static void test_signature_ok_and_wrong_secret(void **state)
{
	char hex[65];
	const char *const wrong[] = {"not-the-secret"};
	int idx = -2;
	(void)state;
	sign_hex(SECRET, "1602565368", BODY1, hex);
	TH_ASSERT_CMP(verify(hex, "1602565368", BODY1, one_secret, 1, T0, SEAM_OK, &idx), ==,
		      SEAM_WHSIG_OK);
	TH_ASSERT_CMP(idx, ==, 0);
	/* Upper-case hex is the same MAC. */
	for (char *p = hex; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	TH_ASSERT_CMP(verify(hex, "1602565368", BODY1, one_secret, 1, T0, SEAM_OK, NULL), ==,
		      SEAM_WHSIG_OK);
	sign_hex(SECRET, "1602565368", BODY1, hex);
	TH_ASSERT_CMP(verify(hex, "1602565368", BODY1, wrong, 1, T0, SEAM_AUTH, &idx), ==,
		      SEAM_WHSIG_BAD_SIGNATURE);
	TH_ASSERT_CMP(idx, ==, -1);
}

static void test_window(void **state)
{
	char hex[65], ts[24];
	(void)state;
	struct {
		long long ts;
		seam_err_t rc;
		seam_webhook_sig_reason_e reason;
	} rows[] = {
		{T0 - 300, SEAM_OK, SEAM_WHSIG_OK},
		{T0 - 301, SEAM_AUTH, SEAM_WHSIG_STALE_TIMESTAMP},
		{T0 + 300, SEAM_OK, SEAM_WHSIG_OK},
		{T0 + 301, SEAM_AUTH, SEAM_WHSIG_STALE_TIMESTAMP}, /* the future */
		{T0 - 86400, SEAM_AUTH, SEAM_WHSIG_STALE_TIMESTAMP},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		snprintf(ts, sizeof ts, "%lld", rows[i].ts);
		sign_hex(SECRET, ts, BODY1, hex);
		TH_ASSERT_CMP(verify(hex, ts, BODY1, one_secret, 1, T0, rows[i].rc, NULL), ==,
			      rows[i].reason);
	}
}

static void test_rotation(void **state)
{
	char hex_old[65], hex_new[65];
	const char *const both[] = {"", "new-secret", SECRET};
	int idx;
	(void)state;
	sign_hex(SECRET, "1602565368", BODY1, hex_old);
	sign_hex("new-secret", "1602565368", BODY1, hex_new);
	TH_ASSERT_CMP(verify(hex_old, "1602565368", BODY1, both, 3, T0, SEAM_OK, &idx), ==,
		      SEAM_WHSIG_OK);
	TH_ASSERT_CMP(idx, ==, 2);
	TH_ASSERT_CMP(verify(hex_new, "1602565368", BODY1, both, 3, T0, SEAM_OK, &idx), ==,
		      SEAM_WHSIG_OK);
	TH_ASSERT_CMP(idx, ==, 1);
	/* Old secret retired: the old signature no longer passes. */
	TH_ASSERT_CMP(verify(hex_old, "1602565368", BODY1, both, 2, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_BAD_SIGNATURE);
}

static void test_tampering(void **state)
{
	char hex[65], body[sizeof BODY1];
	(void)state;
	sign_hex(SECRET, "1602565368", BODY1, hex);
	memcpy(body, BODY1, sizeof body);
	body[strlen(body) - 5] ^= 1; /* one bit of the body */
	TH_ASSERT_CMP(verify(hex, "1602565368", body, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_BAD_SIGNATURE);
	/* A timestamp moved within the window is still refused: it is signed. */
	TH_ASSERT_CMP(verify(hex, "1602565369", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_BAD_SIGNATURE);
	hex[0] = hex[0] == '0' ? '1' : '0';
	TH_ASSERT_CMP(verify(hex, "1602565368", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_BAD_SIGNATURE);
}

static void test_malformed_headers(void **state)
{
	char hex[65], longer[80];
	(void)state;
	sign_hex(SECRET, "1602565368", BODY1, hex);
	TH_ASSERT_CMP(verify(NULL, "1602565368", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MISSING_SIGNATURE);
	TH_ASSERT_CMP(verify(hex, NULL, BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MISSING_SIGNATURE);
	TH_ASSERT_CMP(verify("", "1602565368", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MISSING_SIGNATURE);
	TH_ASSERT_CMP(verify(hex, "-1602565368", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MALFORMED_SIGNATURE);
	TH_ASSERT_CMP(verify(hex, "1602565368 ", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MALFORMED_SIGNATURE);
	TH_ASSERT_CMP(verify(hex, "1234567890123456789012", BODY1, one_secret, 1, T0, SEAM_AUTH,
			     NULL), ==, SEAM_WHSIG_MALFORMED_SIGNATURE);
	TH_ASSERT_CMP(verify("abc", "1602565368", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MALFORMED_SIGNATURE);
	snprintf(longer, sizeof longer, "%s00", hex);
	TH_ASSERT_CMP(verify(longer, "1602565368", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MALFORMED_SIGNATURE);
	snprintf(longer, sizeof longer, "sha256=%s", hex);
	TH_ASSERT_CMP(verify(longer, "1602565368", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MALFORMED_SIGNATURE);
	longer[0] = 'g';
	memcpy(longer, hex, 65);
	longer[10] = 'g';
	TH_ASSERT_CMP(verify(longer, "1602565368", BODY1, one_secret, 1, T0, SEAM_AUTH, NULL), ==,
		      SEAM_WHSIG_MALFORMED_SIGNATURE);
}

static void test_no_secret(void **state)
{
	const char *const none[] = {NULL, ""};
	(void)state;
	TH_ASSERT_CMP(verify("x", "1", BODY1, none, 2, T0, SEAM_CONFIG, NULL), ==,
		      SEAM_WHSIG_NO_SECRET);
	TH_ASSERT_CMP(verify("x", "1", BODY1, none, 0, T0, SEAM_CONFIG, NULL), ==,
		      SEAM_WHSIG_NO_SECRET);
}

static const char *hdr_sig, *hdr_ts;
static const char *header_of(void *ud, const char *name)
{
	(void)ud;
	if (strcasecmp(name, "x-akeneo-request-signature") == 0)
		return hdr_sig;
	if (strcasecmp(name, "x-akeneo-request-timestamp") == 0)
		return hdr_ts;
	return NULL;
}

static void test_delivery(void **state)
{
	char hex[65];
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_webhook_delivery_t d = {.body = BODY1, .len = strlen(BODY1), .header = header_of,
				     .now_s = T0 + 10, .tolerance_s = 300};
	(void)state;
	sign_hex(SECRET, "1602565368", BODY1, hex);
	hdr_sig = hex;
	hdr_ts = "1602565368";
	TH_ASSERT_CMP(seam_pim_events_verify_delivery(&d, one_secret, 1, &r, &e), ==, SEAM_OK);
	TH_ASSERT_CMP(r.timestamp, ==, T0);
	d.now_s = T0 + 400;
	TH_ASSERT_CMP(seam_pim_events_verify_delivery(&d, one_secret, 1, &r, &e), ==, SEAM_AUTH);
	TH_ASSERT_CMP(r.reason, ==, SEAM_WHSIG_STALE_TIMESTAMP);
}

/* ---- message ---- */

static char *event_json(const char *action, int i, const char *extra_resource)
{
	char *s = malloc(600);
	assert_non_null(s);
	snprintf(s, 600,
		 "{\"action\":\"%s\",\"event_id\":\"ev-%d\",\"event_datetime\":"
		 "\"2026-12-03T10:00:%02d+00:00\",\"author\":\"api\",\"pim_source\":"
		 "\"https://pim.test\",\"data\":{\"resource\":{\"uuid\":\"uuid-%d\","
		 "\"identifier\":\"SKU-%d\",\"updated\":\"2026-12-03T09:59:%02dZ\"%s}}}",
		 action, i, i % 60, i, i, i % 60, extra_resource ? extra_resource : "");
	return s;
}

static char *message(size_t n)
{
	size_t cap = 64 + n * 600, len;
	char *s = malloc(cap);
	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "{\"events\":[");
	for (size_t i = 0; i < n; i++) {
		char *e = event_json(i % 3 == 0 ? "product.created" :
				     i % 3 == 1 ? "product.updated" : "product.removed",
				     (int)i, NULL);
		len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? "," : "", e);
		free(e);
	}
	snprintf(s + len, cap - len, "]}");
	return s;
}

static seam_err_t read_str(const char *body, seam_pim_changes_t *out, seam_error_t *e)
{
	return seam_pim_events_read(body, strlen(body), out, e);
}

static void test_read_one_and_ten(void **state)
{
	seam_pim_changes_t out;
	seam_error_t e = {0};
	char *ten = message(10);
	(void)state;
	TH_ASSERT_CMP(read_str(BODY1, &out, &e), ==, SEAM_OK);
	TH_ASSERT_CMP(out.n, ==, 1);
	TH_ASSERT_STRCMP(out.items[0].uuid, ==, "a1b2c3d4-0000-4000-8000-000000000001");
	TH_ASSERT_STRCMP(out.items[0].identifier, ==, "SKU-1");
	TH_ASSERT_STRCMP(out.items[0].event_id, ==, "2f3a8f4b-5e2c-4a55-9f36-d5d3e7b0a001");
	TH_ASSERT_STRCMP(out.items[0].author, ==, "julia");
	TH_ASSERT_STRCMP(out.items[0].pim_source, ==, "https://pim.example");
	TH_ASSERT_CMP(out.items[0].kind, ==, SEAM_PIM_KIND_PRODUCT);
	TH_ASSERT_CMP(out.items[0].op, ==, SEAM_PIM_OP_CREATED);
	TH_ASSERT_CMP(out.items[0].event_ms, ==, 1602565368000LL);
	TH_ASSERT_CMP(out.items[0].updated_ms, ==, 1602565367000LL);
	seam_pim_changes_dispose(&out);

	TH_ASSERT_CMP(read_str(ten, &out, &e), ==, SEAM_OK);
	TH_ASSERT_CMP(out.n, ==, 10);
	for (size_t i = 0; i < 10; i++) {
		char want[32];
		snprintf(want, sizeof want, "uuid-%zu", i);
		TH_ASSERT_STRCMP(out.items[i].uuid, ==, want);
		TH_ASSERT_CMP(out.items[i].op, ==,
			      i % 3 == 0 ? SEAM_PIM_OP_CREATED :
			      i % 3 == 1 ? SEAM_PIM_OP_UPDATED : SEAM_PIM_OP_REMOVED);
	}
	seam_pim_changes_dispose(&out);
	free(ten);
}

static void test_eleven_refused(void **state)
{
	seam_pim_changes_t out;
	seam_error_t e = {0};
	char *eleven = message(11);
	(void)state;
	TH_ASSERT_CMP(read_str(eleven, &out, &e), ==, SEAM_PARSE);
	TH_ASSERT_STRCMP(out.reason, ==, "too_many_events");
	TH_ASSERT_CMP(out.n, ==, 0);
	assert_null(out.items);
	assert_non_null(strstr(e.msg, "11 events"));
	free(eleven);
}

static void test_malformed_messages(void **state)
{
	static const struct {
		const char *body, *reason, *in_msg;
	} rows[] = {
		{"", "malformed_json", "JSON"},
		{"[]", "malformed_json", "JSON"},
		{"{\"events\":[]}", "no_events", "empty"},
		{"{\"events\":{}}", "no_events", "events"},
		{"{\"events\":[1]}", "bad_field", "events[0]"},
		{"{\"events\":[{\"event_id\":\"e\"}]}", "missing_field", "action is missing"},
		{"{\"events\":[{\"action\":\"product.updated\",\"event_datetime\":"
		 "\"2026-01-01T00:00:00Z\",\"data\":{\"resource\":{\"uuid\":\"u\"}}}]}",
		 "missing_field", "event_id is missing"},
		{"{\"events\":[{\"action\":\"product.updated\",\"event_id\":\"e\","
		 "\"data\":{\"resource\":{\"uuid\":\"u\"}}}]}",
		 "missing_field", "event_datetime is missing"},
		{"{\"events\":[{\"action\":\"product.updated\",\"event_id\":\"e\",\"event_datetime\":"
		 "\"yesterday\",\"data\":{\"resource\":{\"uuid\":\"u\"}}}]}",
		 "bad_field", "event_datetime is malformed"},
		{"{\"events\":[{\"action\":\"product.updated\",\"event_id\":\"e\",\"event_datetime\":"
		 "\"2026-01-01T00:00:00Z\"}]}",
		 "missing_field", "data.resource is missing"},
		{"{\"events\":[{\"action\":\"product.updated\",\"event_id\":\"e\",\"event_datetime\":"
		 "\"2026-01-01T00:00:00Z\",\"data\":{\"resource\":{\"identifier\":\"S\"}}}]}",
		 "missing_field", "data.resource.uuid is missing"},
		{"{\"events\":[{\"action\":\"product.updated\",\"event_id\":\"e\",\"event_datetime\":"
		 "\"2026-01-01T00:00:00Z\",\"data\":{\"resource\":{\"uuid\":7}}}]}",
		 "bad_field", "data.resource.uuid is malformed"},
		{"{\"events\":[{\"action\":\"product_model.updated\",\"event_id\":\"e\","
		 "\"event_datetime\":\"2026-01-01T00:00:00Z\",\"data\":{\"resource\":{}}}]}",
		 "missing_field", "data.resource.code is missing"},
		/* the second event is bad: the whole message is refused, naming index 1 */
		{"{\"events\":[{\"action\":\"product.removed\",\"event_id\":\"e\",\"event_datetime\":"
		 "\"2026-01-01T00:00:00Z\",\"data\":{\"resource\":{\"uuid\":\"u\"}}},"
		 "{\"action\":\"product.removed\",\"event_id\":\"e2\",\"event_datetime\":"
		 "\"2026-01-01T00:00:00Z\",\"data\":{\"resource\":{\"uuid\":\"u\",\"updated\":3}}}]}",
		 "bad_field", "events[1] (product.removed): data.resource.updated is malformed"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		seam_pim_changes_t out;
		seam_error_t e = {0};
		seam_err_t rc = read_str(rows[i].body, &out, &e);
		if (rc != SEAM_PARSE || !out.reason || strcmp(out.reason, rows[i].reason) != 0 ||
		    !strstr(e.msg, rows[i].in_msg))
			fail_msg("row %zu: got rc %s reason %s msg \"%s\"; want parse, %s, \"%s\"", i,
				 seam_errname(rc), out.reason ? out.reason : "(null)", e.msg,
				 rows[i].reason, rows[i].in_msg);
		TH_ASSERT_CMP(out.n, ==, 0);
		seam_pim_changes_dispose(&out);
	}
}

static void test_duplicates_unknown_and_models(void **state)
{
	seam_pim_changes_t out;
	seam_error_t e = {0};
	char *a = event_json("product.updated", 4, NULL);
	char body[2400];
	(void)state;
	snprintf(body, sizeof body,
		 "{\"events\":[%s,%s,{\"action\":\"asset.created\",\"event_id\":\"x\"},"
		 "{\"action\":\"product_model.updated\",\"event_id\":\"m1\",\"event_datetime\":"
		 "\"2026-12-03T10:00:00Z\",\"data\":{\"resource\":{\"code\":\"TSHIRT\","
		 "\"identifier\":null}}},"
		 "{\"action\":\"product.removed\",\"event_id\":\"r1\",\"event_datetime\":"
		 "\"2026-12-03T10:00:00Z\",\"data\":{\"resource\":{\"uuid\":\"uuid-9\","
		 "\"identifier\":null}}}]}",
		 a, a);
	TH_ASSERT_CMP(read_str(body, &out, &e), ==, SEAM_OK);
	TH_ASSERT_CMP(out.n, ==, 4);
	TH_ASSERT_CMP(out.ignored, ==, 1);
	/* the duplicate is kept: the flow dedups on identity + updated */
	TH_ASSERT_STRCMP(out.items[0].event_id, ==, "ev-4");
	TH_ASSERT_STRCMP(out.items[1].event_id, ==, "ev-4");
	TH_ASSERT_CMP(out.items[0].updated_ms, ==, out.items[1].updated_ms);
	TH_ASSERT_CMP(out.items[2].kind, ==, SEAM_PIM_KIND_MODEL);
	TH_ASSERT_STRCMP(out.items[2].identifier, ==, "TSHIRT");
	TH_ASSERT_STRCMP(out.items[2].uuid, ==, "");
	TH_ASSERT_CMP(out.items[3].op, ==, SEAM_PIM_OP_REMOVED);
	TH_ASSERT_STRCMP(out.items[3].identifier, ==, "");
	TH_ASSERT_CMP(out.items[3].updated_ms, ==, 0);
	seam_pim_changes_dispose(&out);
	free(a);
}

/* The contract and the reader agree on what is a message. */
static void test_contract_agrees(void **state)
{
	seam_contracts_t *reg;
	seam_error_t e = {0};
	const seam_contract_t *c;
	char *ten = message(10), *eleven = message(11);
	const char *const good[] = {BODY1, ten};
	const char *const bad[] = {
		eleven,
		"{\"events\":[]}",
		"{\"events\":[{\"action\":\"product.updated\",\"event_id\":\"e\",\"event_datetime\":"
		"\"2026-01-01T00:00:00Z\",\"data\":{\"resource\":{\"uuid\":7}}}]}",
		"{\"events\":[{\"action\":\"product.updated\",\"event_id\":\"e\","
		"\"data\":{\"resource\":{\"uuid\":\"u\"}}}]}",
		"{\"events\":[{\"action\":\"product.updated\",\"event_id\":\"e\",\"event_datetime\":"
		"\"yesterday\",\"data\":{\"resource\":{\"uuid\":\"u\"}}}]}",
	};
	(void)state;
	assert_int_equal(seam_contracts_open(&reg, &e), SEAM_OK);
	assert_non_null(c = seam_contracts_find(reg, "pim.event@v1"));
	for (size_t i = 0; i < 2; i++) {
		json_t *doc = json_loads(good[i], 0, NULL);
		seam_pim_changes_t out;
		assert_true(seam_contract_validate(c, doc, NULL));
		TH_ASSERT_CMP(read_str(good[i], &out, &e), ==, SEAM_OK);
		seam_pim_changes_dispose(&out);
		json_decref(doc);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *doc = json_loads(bad[i], 0, NULL);
		seam_pim_changes_t out;
		if (seam_contract_validate(c, doc, NULL))
			fail_msg("bad message %zu passes the contract", i);
		TH_ASSERT_CMP(read_str(bad[i], &out, &e), ==, SEAM_PARSE);
		seam_pim_changes_dispose(&out);
		json_decref(doc);
	}
	seam_contracts_close(reg);
	free(ten);
	free(eleven);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_ok_and_wrong_secret),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_malformed_headers),
		cmocka_unit_test(test_no_secret),
		cmocka_unit_test(test_delivery),
		cmocka_unit_test(test_read_one_and_ten),
		cmocka_unit_test(test_eleven_refused),
		cmocka_unit_test(test_malformed_messages),
		cmocka_unit_test(test_duplicates_unknown_and_models),
		cmocka_unit_test(test_contract_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
