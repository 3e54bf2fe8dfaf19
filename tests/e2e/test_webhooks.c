/* End-to-end: webhook ingress of the real binary. Signatures are made here with core crypto
 * (not with the verifiers under test). Asserts the contract of docs/design.md rules 1 and 4: verified
 * on raw bytes, stored with its job in one commit before the 2xx, duplicates do no new work,
 * bad signatures and stale timestamps get 401 counted by reason, authentic but unusable
 * payloads are quarantined and answered 2xx, unknown stores 404, oversized bodies 413. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "store/store.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define STRIPE_SECRET "whsec_test_stripe_secret_1"
#define STD_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define ADYEN_KEY "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
#define EU_STORE_UUID "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"

static char dir[64];
static th_seam_t sm;

static int setup(void **state)
{
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	setenv("SEAM_T_STRIPE_OLD", "whsec_rotated_out_but_still_accepted", 1);
	setenv("SEAM_T_STRIPE", STRIPE_SECRET, 1);
	setenv("SEAM_T_STD", STD_SECRET, 1);
	setenv("SEAM_T_ADYEN", ADYEN_KEY, 1);
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nhttp: {body_limit: 64KiB}\n"
		 "queue: {workers: 1}\n"
		 "stores:\n"
		 "  eu:\n"
		 "    stripe_secrets: [{env: SEAM_T_STRIPE_OLD}, {env: SEAM_T_STRIPE}]\n"
		 "    adyen_hmac_keys: [{env: SEAM_T_ADYEN}]\n"
		 "    drupal: {event_secrets: [{env: SEAM_T_STD}]}\n"
		 "  us: {}\n"
		 "sources:\n"
		 "  acme: {secrets: [{env: SEAM_T_STD}], store: eu}\n",
		 sm.port, sm.db_url);
	return th_seam_start(&sm, 5000);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, 0, 5000, dir);
	return 0;
}

static long post(const char *path, const char *h1, const char *h2, const char *h3,
		 const char *body, th_resp_t *r)
{
	char url[256];
	snprintf(url, sizeof url, "%s%s", sm.base, path);
	const char *h[] = {"Content-Type: application/json", h1, h2, h3, NULL};
	th_http("POST", url, h, body, strlen(body), r);
	return r->status;
}

static const char *EVT = "{\"id\":\"evt_1Nq\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
			 "\"data\":{\"object\":{\"id\":\"pi_1\",\"amount_received\":1999,\"currency\":\"usd\","
			 "\"metadata\":{\"order_uuid\":\"0b8a2f3e-0000-4000-8000-000000000001\"}}}}";

struct dup_arg {
	char hdr[256];
	long status;
	int dup;
};

static void *send_dup(void *p)
{
	struct dup_arg *a = p;
	th_resp_t r;
	a->status = post("/webhooks/stripe/eu", a->hdr, NULL, NULL, EVT, &r);
	a->dup = strstr(r.body, "\"duplicate\":true") != NULL;
	th_resp_free(&r);
	return NULL;
}

static void test_stripe_accept_and_concurrent_duplicates(void **state)
{
	struct dup_arg a[5];
	pthread_t t[5];
	int dups = 0;
	(void)state;
	for (int i = 0; i < 5; i++) {
		th_stripe_signature(STRIPE_SECRET, seam_now_ms() / 1000, EVT, a[i].hdr, sizeof a[i].hdr);
		pthread_create(&t[i], NULL, send_dup, &a[i]);
	}
	for (int i = 0; i < 5; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].status, 200);
		dups += a[i].dup;
	}
	assert_int_equal(dups, 4); /* exactly one delivery did new work */
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE event_id = 'evt_1Nq'"), 1);
	/* one job, linked from the event's inbox row */
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs j JOIN inbox i ON i.job_id = j.id "
				    "WHERE j.kind = 'payment.apply' AND i.event_id = 'evt_1Nq'"),
			 1);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE payload LIKE '%evt_1Nq%'"), 1);
	/* the job carries the request's correlation id and the inbox row has no secrets */
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE headers LIKE '%Stripe-Signature%'"), 0);
}

static void test_stripe_rotated_secret(void **state)
{
	char h[256];
	th_resp_t r;
	(void)state;
	const char *body = "{\"id\":\"evt_rot\",\"type\":\"charge.refunded\",\"data\":{\"object\":{}}}";
	th_stripe_signature("whsec_rotated_out_but_still_accepted", seam_now_ms() / 1000, body, h, sizeof h);
	assert_int_equal(post("/webhooks/stripe/eu", h, NULL, NULL, body, &r), 200);
	th_resp_free(&r);
}

static void test_stripe_rejections(void **state)
{
	char h[256], url[256];
	th_resp_t r;
	int64_t now = seam_now_ms() / 1000;
	(void)state;
	/* tampered body: signed one thing, sent another */
	th_stripe_signature(STRIPE_SECRET, now, EVT, h, sizeof h);
	const char *tampered = "{\"id\":\"evt_1Nq\",\"type\":\"payment_intent.succeeded\",\"amount\":1}";
	assert_int_equal(post("/webhooks/stripe/eu", h, NULL, NULL, tampered, &r), 401);
	assert_non_null(strstr(r.body, "\"reason\":\"bad_signature\""));
	char ct[80] = "";
	th_resp_header(&r, "Content-Type", ct, sizeof ct);
	assert_string_equal(ct, "application/problem+json");
	th_resp_free(&r);
	/* stale and future timestamps, correctly signed */
	th_stripe_signature(STRIPE_SECRET, now - 301, EVT, h, sizeof h);
	assert_int_equal(post("/webhooks/stripe/eu", h, NULL, NULL, EVT, &r), 401);
	assert_non_null(strstr(r.body, "stale-timestamp"));
	th_resp_free(&r);
	th_stripe_signature(STRIPE_SECRET, now + 400, EVT, h, sizeof h);
	assert_int_equal(post("/webhooks/stripe/eu", h, NULL, NULL, EVT, &r), 401);
	th_resp_free(&r);
	/* wrong secret, no header */
	th_stripe_signature("whsec_wrong", now, EVT, h, sizeof h);
	assert_int_equal(post("/webhooks/stripe/eu", h, NULL, NULL, EVT, &r), 401);
	th_resp_free(&r);
	assert_int_equal(post("/webhooks/stripe/eu", NULL, NULL, NULL, EVT, &r), 401);
	assert_non_null(strstr(r.body, "missing_signature"));
	th_resp_free(&r);
	/* unknown store, and a store without Stripe configured */
	th_stripe_signature(STRIPE_SECRET, now, EVT, h, sizeof h);
	assert_int_equal(post("/webhooks/stripe/apac", h, NULL, NULL, EVT, &r), 404);
	th_resp_free(&r);
	assert_int_equal(post("/webhooks/stripe/us", h, NULL, NULL, EVT, &r), 404);
	th_resp_free(&r);
	/* oversized */
	char *big = malloc(70000);
	memset(big, ' ', 69999);
	big[0] = '{';
	big[69998] = '}';
	big[69999] = '\0';
	assert_int_equal(post("/webhooks/stripe/eu", h, NULL, NULL, big, &r), 413);
	free(big);
	th_resp_free(&r);
	/* counted by reason */
	snprintf(url, sizeof url, "%s/metrics", sm.base);
	th_http("GET", url, NULL, NULL, 0, &r);
	assert_non_null(strstr(r.body, "seam_webhooks_rejected_total{provider=\"stripe\",reason=\"bad_signature\"} 2"));
	assert_non_null(strstr(r.body, "seam_webhooks_rejected_total{provider=\"stripe\",reason=\"stale_timestamp\"} 2"));
	assert_non_null(strstr(r.body, "seam_webhooks_rejected_total{provider=\"stripe\",reason=\"missing_signature\"} 1"));
	th_resp_free(&r);
	/* nothing of it was stored */
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE body LIKE '%\"amount\":1}%'"), 0);
}

static void test_quarantine(void **state)
{
	char h[256];
	th_resp_t r;
	(void)state;
	const char *junk = "this is not json, but it is signed";
	th_stripe_signature(STRIPE_SECRET, seam_now_ms() / 1000, junk, h, sizeof h);
	assert_int_equal(post("/webhooks/stripe/eu", h, NULL, NULL, junk, &r), 200);
	assert_non_null(strstr(r.body, "\"quarantined\":true"));
	th_resp_free(&r);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM quarantine WHERE reason = 'malformed_json' "
				    "AND body = 'this is not json, but it is signed'"),
			 1);
}

static void std_headers(const char *secret, const char *id, int64_t ts, const char *body,
			char h[3][256])
{
	uint8_t key[64], mac[32];
	char tss[32], b64[64];
	long kl = seam_base64_decode(secret + 6, strlen(secret + 6), key, sizeof key);
	snprintf(tss, sizeof tss, "%lld", (long long)ts);
	const void *parts[] = {id, ".", tss, ".", body};
	size_t lens[] = {strlen(id), 1, strlen(tss), 1, strlen(body)};
	seam_hmac_sha256_parts(key, (size_t)kl, parts, lens, 5, mac);
	seam_base64_encode(mac, 32, b64);
	snprintf(h[0], 256, "webhook-id: %s", id);
	snprintf(h[1], 256, "webhook-timestamp: %s", tss);
	snprintf(h[2], 256, "webhook-signature: v1,%s", b64);
}

static void test_drupal_events_one_export_job_per_order(void **state)
{
	char h[3][256];
	th_resp_t r;
	(void)state;
	/* whole events, as drupal/seam_bridge sends them (bridge.event@v1) */
	const char *placed = "{\"type\":\"order.placed\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			     "\"data\":{\"order_uuid\":\"5f0c1a2b-0000-4000-8000-00000000aaaa\","
			     "\"order_id\":7,\"order_number\":\"1001\",\"store_uuid\":\"" EU_STORE_UUID "\","
			     "\"state\":\"completed\",\"workflow\":\"order_default\",\"transition\":\"place\","
			     "\"total\":{\"number\":\"39.98\",\"currency_code\":\"EUR\"}}}";
	const char *paid = "{\"type\":\"order.paid\",\"timestamp\":\"2026-11-26T10:00:01Z\","
			   "\"data\":{\"order_uuid\":\"5f0c1a2b-0000-4000-8000-00000000aaaa\","
			   "\"order_id\":7,\"order_number\":\"1001\",\"store_uuid\":\"" EU_STORE_UUID "\","
			   "\"state\":\"completed\",\"workflow\":\"order_default\",\"transition\":null,"
			   "\"total\":{\"number\":\"39.98\",\"currency_code\":\"EUR\"}}}";
	std_headers(STD_SECRET, "msg_placed_1", seam_now_ms() / 1000, placed, h);
	assert_int_equal(post("/webhooks/drupal/eu", h[0], h[1], h[2], placed, &r), 200);
	th_resp_free(&r);
	std_headers(STD_SECRET, "msg_paid_1", seam_now_ms() / 1000, paid, h);
	assert_int_equal(post("/webhooks/drupal/eu", h[0], h[1], h[2], paid, &r), 200);
	th_resp_free(&r);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE provider = 'drupal'"), 2);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'order.export' AND "
				    "dedup_key = 'export:eu:5f0c1a2b-0000-4000-8000-00000000aaaa'"),
			 1);
	/* tampered signature */
	h[2][strlen(h[2]) - 3] ^= 1;
	assert_int_equal(post("/webhooks/drupal/eu", h[0], h[1], h[2], paid, &r), 401);
	th_resp_free(&r);
	/* Standard Webhooks source */
	const char *pay = "{\"type\":\"payment.captured\",\"data\":{\"id\":\"p1\"}}";
	std_headers(STD_SECRET, "msg_std_1", seam_now_ms() / 1000, pay, h);
	assert_int_equal(post("/webhooks/standard/acme", h[0], h[1], h[2], pay, &r), 200);
	th_resp_free(&r);
	assert_int_equal(post("/webhooks/standard/nobody", h[0], h[1], h[2], pay, &r), 404);
	th_resp_free(&r);
}

/* Adyen's signing string: the documented eight fields joined by ':'. */
static void adyen_sign(const char *psp, const char *code, const char *success, long value,
		       char *out)
{
	uint8_t key[32], mac[32];
	char s[512];
	seam_hex_decode(ADYEN_KEY, 64, key, sizeof key);
	snprintf(s, sizeof s, "%s::TestMerchant:order-1001:%ld:EUR:%s:%s", psp, value, code, success);
	seam_hmac_sha256(key, 32, s, strlen(s), mac);
	seam_base64_encode(mac, 32, out);
}

static void adyen_item(char *out, size_t cap, const char *psp, const char *code, long value,
		       const char *sig)
{
	snprintf(out, cap,
		 "{\"NotificationRequestItem\":{\"pspReference\":\"%s\",\"merchantAccountCode\":"
		 "\"TestMerchant\",\"merchantReference\":\"order-1001\",\"amount\":{\"value\":%ld,"
		 "\"currency\":\"EUR\"},\"eventCode\":\"%s\",\"success\":\"true\","
		 "\"additionalData\":{\"hmacSignature\":\"%s\"}}}",
		 psp, value, code, sig);
}

static void test_adyen_batch(void **state)
{
	char s1[64], s2[64], i1[512], i2[512], body[1200];
	th_resp_t r;
	(void)state;
	adyen_sign("PSP0001", "AUTHORISATION", "true", 2500, s1);
	adyen_sign("PSP0002", "CAPTURE", "true", 2500, s2);
	adyen_item(i1, sizeof i1, "PSP0001", "AUTHORISATION", 2500, s1);
	adyen_item(i2, sizeof i2, "PSP0002", "CAPTURE", 2500, s2);
	snprintf(body, sizeof body, "{\"live\":\"false\",\"notificationItems\":[%s,%s]}", i1, i2);
	assert_int_equal(post("/webhooks/adyen/eu", NULL, NULL, NULL, body, &r), 200);
	assert_string_equal(r.body, "[accepted]");
	th_resp_free(&r);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE provider = 'adyen'"), 2);
	/* The ingress event id is <eventCode>:<pspReference>:<success> (docs/payments.md): stored
	 * rows are keyed by it, so it must never change. */
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE provider = 'adyen' AND "
				    "event_id IN ('AUTHORISATION:PSP0001:true', 'CAPTURE:PSP0002:true')"), 2);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'payment.apply' AND "
				    "payload LIKE '%\"event_id\":\"CAPTURE:PSP0002:true\"%'"), 1);
	/* one forged item: the whole batch is refused and nothing new is stored */
	adyen_item(i2, sizeof i2, "PSP0003", "REFUND", 9999, s2);
	snprintf(body, sizeof body, "{\"live\":\"false\",\"notificationItems\":[%s,%s]}", i1, i2);
	assert_int_equal(post("/webhooks/adyen/eu", NULL, NULL, NULL, body, &r), 401);
	th_resp_free(&r);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE provider = 'adyen'"), 2);
}

/* ---- contracts: an authentic payload that violates its contract is quarantined ---------- */

/* seam_webhooks_invalid_total{provider,store} as /metrics says it now (0 when absent). */
static double invalid_count(const char *provider, const char *store)
{
	char url[128], series[160];
	snprintf(url, sizeof url, "%s/metrics", sm.base);
	snprintf(series, sizeof series, "seam_webhooks_invalid_total{provider=\"%s\",store=\"%s\"}",
		 provider, store);
	char *text = th_get_text(url);
	assert_non_null(text);
	double v = th_metric(text, series);
	free(text);
	return v < 0 ? 0 : v;
}

/* A validly signed Stripe event without data.object.id (what the payments flow keys the
 * payment by) and with an amount as a string: 200 (Stripe stops retrying), kept in the
 * quarantine with both pointers in the reason, counted, no inbox row, no job. */
static void test_stripe_contract_violation_quarantined(void **state)
{
	char h[256];
	th_resp_t r;
	(void)state;
	const char *bad = "{\"id\":\"evt_contract_bad\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
			  "\"data\":{\"object\":{\"object\":\"payment_intent\",\"status\":\"succeeded\","
			  "\"amount_received\":\"19.99\",\"currency\":\"usd\"}}}";
	double before = invalid_count("stripe", "eu");
	th_stripe_signature(STRIPE_SECRET, seam_now_ms() / 1000, bad, h, sizeof h);
	assert_int_equal(post("/webhooks/stripe/eu", h, NULL, NULL, bad, &r), 200);
	assert_non_null(strstr(r.body, "\"quarantined\":true"));
	th_resp_free(&r);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM quarantine WHERE provider = 'stripe' "
				    "AND event_id = 'evt_contract_bad' "
				    "AND reason LIKE 'contract_violation: stripe.event@v1: %' "
				    "AND reason LIKE '%/data/object:%(required)%' "
				    "AND reason LIKE '%/data/object/amount_received:%(type)%'"),
			 1);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE event_id = 'evt_contract_bad'"), 0);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE payload LIKE '%evt_contract_bad%'"), 0);
	assert_true(invalid_count("stripe", "eu") == before + 1);

	/* what an operator sees: seam ctl quarantine list, filtered, as JSON and as a table */
	char *out = NULL;
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"quarantine", "list", "--provider",
							   "stripe", "--since", "1h", "--json", NULL},
				     &out),
			 0);
	json_t *rows = th_json_parse(out);
	size_t i, hits = 0;
	json_t *row;
	json_array_foreach(rows, i, row) {
		assert_string_equal(json_string_value(json_object_get(row, "provider")), "stripe");
		const char *eid = json_string_value(json_object_get(row, "event_id")); /* null: unparsable */
		if (eid && strcmp(eid, "evt_contract_bad") == 0) {
			hits++;
			assert_non_null(strstr(json_string_value(json_object_get(row, "reason")),
					       "contract_violation: stripe.event@v1: "));
			assert_string_equal(json_string_value(json_object_get(row, "source")), "eu");
		}
	}
	TH_ASSERT_CMP(hits, ==, (size_t)1);
	json_decref(rows);
	free(out);
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"quarantine", "list", "--provider", "adyen",
							   "--until", "2000-01-01T00:00:00Z", NULL},
				     &out),
			 0);
	assert_non_null(strstr(out, "(nothing quarantined)"));
	free(out);
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"quarantine", "list", "--limit", "0", NULL},
				     &out),
			 2);
	free(out);
}

/* An Adyen batch of two signed items, the second with an eventDate that is no date-time
 * (not part of the signed string): "[accepted]", the good item stored with its job, the bad
 * one quarantined alone under its own event id with the pointer, counted once. */
static void test_adyen_batch_one_item_violates(void **state)
{
	char s1[64], s2[64], i1[512], i2[600], body[1400];
	th_resp_t r;
	(void)state;
	double before = invalid_count("adyen", "eu");
	adyen_sign("PSP0010", "AUTHORISATION", "true", 1500, s1);
	adyen_sign("PSP0011", "CAPTURE", "true", 1500, s2);
	adyen_item(i1, sizeof i1, "PSP0010", "AUTHORISATION", 1500, s1);
	snprintf(i2, sizeof i2,
		 "{\"NotificationRequestItem\":{\"pspReference\":\"PSP0011\",\"merchantAccountCode\":"
		 "\"TestMerchant\",\"merchantReference\":\"order-1001\",\"amount\":{\"value\":1500,"
		 "\"currency\":\"EUR\"},\"eventCode\":\"CAPTURE\",\"success\":\"true\","
		 "\"eventDate\":\"yesterday\",\"additionalData\":{\"hmacSignature\":\"%s\"}}}", s2);
	snprintf(body, sizeof body, "{\"live\":\"false\",\"notificationItems\":[%s,%s]}", i1, i2);
	assert_int_equal(post("/webhooks/adyen/eu", NULL, NULL, NULL, body, &r), 200);
	assert_string_equal(r.body, "[accepted]");
	th_resp_free(&r);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE provider = 'adyen' "
				    "AND event_id = 'AUTHORISATION:PSP0010:true' AND job_id IS NOT NULL"), 1);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE event_id = 'CAPTURE:PSP0011:true'"), 0);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM quarantine WHERE provider = 'adyen' "
				    "AND event_id = 'CAPTURE:PSP0011:true' "
				    "AND reason LIKE 'contract_violation: adyen.notification@v1: %' "
				    "AND reason LIKE '%/NotificationRequestItem/eventDate:%(format)%' "
				    "AND body LIKE '{\"NotificationRequestItem\":%yesterday%'"),
			 1);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE payload LIKE '%PSP0011%'"), 0);
	assert_true(invalid_count("adyen", "eu") == before + 1);
}

/* A storefront event whose total is a JSON number (bridge.event@v1 says decimal string) and
 * that lacks store_uuid: 200 with quarantined, no export job for the order. */
static void test_drupal_event_violates_bridge_contract(void **state)
{
	char h[3][256];
	th_resp_t r;
	(void)state;
	const char *bad = "{\"type\":\"order.placed\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			  "\"data\":{\"order_uuid\":\"5f0c1a2b-0000-4000-8000-00000000bbbb\",\"order_id\":8,"
			  "\"order_number\":\"1002\",\"state\":\"completed\",\"workflow\":\"order_default\","
			  "\"transition\":\"place\",\"total\":{\"number\":39.98,\"currency_code\":\"EUR\"}}}";
	double before = invalid_count("drupal", "eu");
	std_headers(STD_SECRET, "msg_bad_bridge", seam_now_ms() / 1000, bad, h);
	assert_int_equal(post("/webhooks/drupal/eu", h[0], h[1], h[2], bad, &r), 200);
	assert_non_null(strstr(r.body, "\"quarantined\":true"));
	th_resp_free(&r);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM quarantine WHERE provider = 'drupal' "
				    "AND event_id = 'msg_bad_bridge' "
				    "AND reason LIKE 'contract_violation: bridge.event@v1: %' "
				    "AND reason LIKE '%/data:%(required)%' "
				    "AND reason LIKE '%/data/total%'"),
			 1);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM inbox WHERE event_id = 'msg_bad_bridge'"), 0);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'order.export' AND "
				    "dedup_key = 'export:eu:5f0c1a2b-0000-4000-8000-00000000bbbb'"),
			 0);
	assert_true(invalid_count("drupal", "eu") == before + 1);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stripe_accept_and_concurrent_duplicates),
		cmocka_unit_test(test_stripe_rotated_secret),
		cmocka_unit_test(test_stripe_rejections),
		cmocka_unit_test(test_quarantine),
		cmocka_unit_test(test_drupal_events_one_export_job_per_order),
		cmocka_unit_test(test_adyen_batch),
		cmocka_unit_test(test_stripe_contract_violation_quarantined),
		cmocka_unit_test(test_adyen_batch_one_item_violates),
		cmocka_unit_test(test_drupal_event_violates_bridge_contract),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
