/* test_idempotency.c: Idempotency-Key (src/api/idempotency.c): reading the header, the
 * request fingerprint, and the key's life in the store: taken, in flight, answered and
 * replayed, reused with another request, released after a 5xx, taken over after a crash
 * (lease), expired (ttl), and kept apart per API key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "api/idempotency.h"
#include "core/crypto.h"
#include "tests/support/th_assert.h"
#include "tests/unit/queue/qtest.h"

#include <stdatomic.h>

static void test_key_parse(void **state)
{
	(void)state;
	char k[SEAM_IDEM_KEY_MAX + 1], long_[300];
	const char *why = NULL;
	assert_int_equal(seam_idem_key_parse("8e03978e-40d5-43e8-bc93-6894a57f9324", k, &why), 0);
	assert_string_equal(k, "8e03978e-40d5-43e8-bc93-6894a57f9324");
	assert_int_equal(seam_idem_key_parse("\"a key \\\"quoted\\\"\"", k, &why), 0);
	assert_string_equal(k, "a key \"quoted\"");
	/* 255 is the most */
	memset(long_, 'k', 255);
	long_[255] = '\0';
	assert_int_equal(seam_idem_key_parse(long_, k, &why), 0);
	TH_ASSERT_CMP(strlen(k), ==, (size_t)255);
	static const struct {
		const char *v, *why;
	} bad[] = {
		{"", "is empty"},
		{"\"\"", "is empty"},
		{"two words", "holds a space or a character outside printable ASCII (quote it as a "
			      "string)"},
		{"\"open", "is a malformed string (unterminated, or text after the closing quote)"},
		{"\"a\"b", "is a malformed string (unterminated, or text after the closing quote)"},
		{"\"\\n\"", "is a malformed string (only \\\" and \\\\ escapes)"},
		{"caf\xc3\xa9", "holds a space or a character outside printable ASCII (quote it as a "
				"string)"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (seam_idem_key_parse(bad[i].v, k, &why) != -1)
			fail_msg("key '%s' accepted", bad[i].v);
		assert_string_equal(why, bad[i].why);
	}
	memset(long_, 'k', 256);
	long_[256] = '\0';
	assert_int_equal(seam_idem_key_parse(long_, k, &why), -1);
	assert_string_equal(why, "is longer than 255 characters");
	long_[0] = '"';
	long_[256] = '"';
	long_[257] = '\0'; /* 255 inside the quotes: fine */
	assert_int_equal(seam_idem_key_parse(long_, k, &why), 0);
}

static void test_fingerprint(void **state)
{
	(void)state;
	char a[65], b[65], hex[65];
	seam_idem_fingerprint("POST", "/v1/jobs/1/retry", "{}", 2, a);
	seam_idem_fingerprint("POST", "/v1/jobs/1/retry", "{}", 2, b);
	assert_string_equal(a, b);
	/* the SHA-256 of method NUL path NUL body */
	seam_sha256_hex("POST\0/v1/jobs/1/retry\0{}", 24, hex);
	assert_string_equal(a, hex);
	const char *other[][3] = {{"PUT", "/v1/jobs/1/retry", "{}"},
				  {"POST", "/v1/jobs/2/retry", "{}"},
				  {"POST", "/v1/jobs/1/retry", "{ }"},
				  {"POST", "/v1/jobs/1/retry{}", ""}};
	for (size_t i = 0; i < 4; i++) {
		seam_idem_fingerprint(other[i][0], other[i][1], other[i][2], strlen(other[i][2]), b);
		assert_string_not_equal(a, b);
	}
}

#define T0 1764777600000LL
#define TTL 86400000LL
#define LEASE 60000LL

/* the hold of the last begin that took a key */
static int64_t tok;

static seam_idem_e begin(qt_env_t *env, const char *who, const char *key, const char *fp,
			 int64_t now, seam_idem_stored_t *s)
{
	seam_idem_e v;
	seam_error_t e = {0};
	int64_t t = 0;
	if (seam_idem_begin(env->st, who, key, fp, now, TTL, LEASE, &v, s, &t, &e) != SEAM_OK)
		fail_msg("begin: %s", e.msg);
	if (v == SEAM_IDEM_NEW)
		tok = t;
	return v;
}

static void test_store_life(void **state)
{
	(void)state;
	qt_env_t env;
	seam_idem_stored_t s = {0};
	seam_error_t e = {0};
	qt_open(&env);
	/* first use: taken; a second request meanwhile is in flight */
	assert_int_equal(begin(&env, "shop", "k1", "fpA", T0, &s), SEAM_IDEM_NEW);
	int64_t shop_tok = tok;
	assert_int_equal(begin(&env, "shop", "k1", "fpA", T0 + 10, &s), SEAM_IDEM_IN_FLIGHT);
	/* another request with the key while in flight: refused as a mismatch */
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + 10, &s), SEAM_IDEM_MISMATCH);
	/* another API key has its own namespace */
	assert_int_equal(begin(&env, "erp", "k1", "fpB", T0 + 10, &s), SEAM_IDEM_NEW);
	/* answered: replayed, headers included */
	json_t *h = json_pack("{s:s}", "Location", "/v1/jobs/1");
	assert_int_equal(seam_idem_finish(env.st, "shop", "k1", "fpA", shop_tok, 201, "application/json", h,
					  "{\"id\":1}", 8, &e), SEAM_OK);
	json_decref(h);
	assert_int_equal(begin(&env, "shop", "k1", "fpA", T0 + 20, &s), SEAM_IDEM_REPLAY);
	assert_int_equal(s.status, 201);
	assert_string_equal(s.content_type, "application/json");
	assert_string_equal(s.body, "{\"id\":1}");
	TH_ASSERT_CMP(s.len, ==, (size_t)8);
	assert_string_equal(json_string_value(json_object_get(s.headers, "Location")), "/v1/jobs/1");
	seam_idem_stored_dispose(&s);
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + 20, &s), SEAM_IDEM_MISMATCH);
	/* expired after the ttl: fresh again, and purged */
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + TTL, &s), SEAM_IDEM_NEW);
	/* erp's key was taken 10 ms later: still there */
	TH_ASSERT_CMP(qt_int(env.st, "SELECT COUNT(*) FROM idempotency_keys WHERE api_key = $1", "erp"),
		      ==, (int64_t)1);
	/* released after a 5xx: the retry runs */
	assert_int_equal(seam_idem_release(env.st, "shop", "k1", "fpB", tok, &e), SEAM_OK);
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + TTL + 1, &s), SEAM_IDEM_NEW);
	int64_t crashed_tok = tok;
	/* a crash leaves it running: in flight until the lease ends, then taken over */
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + TTL + LEASE, &s), SEAM_IDEM_IN_FLIGHT);
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + TTL + 1 + LEASE, &s), SEAM_IDEM_NEW);
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + TTL + 2 + LEASE, &s),
			 SEAM_IDEM_IN_FLIGHT);
	/* any begin purges every expired key, erp's now too */
	TH_ASSERT_CMP(qt_int(env.st, "SELECT COUNT(*) FROM idempotency_keys WHERE api_key = $1", "erp"),
		      ==, (int64_t)0);
	/* finish only touches the key with its own request */
	assert_int_equal(seam_idem_finish(env.st, "shop", "k1", "fpX", tok, 200, NULL, NULL, "", 0, &e),
			 SEAM_CONFLICT);
	/* the request that outlived its lease and lost the key: its answer is not stored and its
	 * release does not free the key; the later request's hold stands */
	assert_int_equal(seam_idem_finish(env.st, "shop", "k1", "fpB", crashed_tok, 500, NULL, NULL,
					  "late", 4, &e),
			 SEAM_CONFLICT);
	assert_int_equal(seam_idem_release(env.st, "shop", "k1", "fpB", crashed_tok, &e), SEAM_OK);
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + TTL + 3 + LEASE, &s),
			 SEAM_IDEM_IN_FLIGHT);
	/* an empty body replays as empty */
	assert_int_equal(seam_idem_finish(env.st, "shop", "k1", "fpB", tok, 204, NULL, NULL, "", 0, &e),
			 SEAM_OK);
	assert_int_equal(begin(&env, "shop", "k1", "fpB", T0 + TTL + 4 + LEASE, &s), SEAM_IDEM_REPLAY);
	assert_int_equal(s.status, 204);
	assert_null(s.content_type);
	assert_null(s.headers);
	TH_ASSERT_CMP(s.len, ==, (size_t)0);
	seam_idem_stored_dispose(&s);
	qt_close(&env);
}

/* ---- the middleware on a server: which answers are kept ---- */

static atomic_int runs;
static seam_store_t *run_store;

/* Fails with a 503 on its first run, then creates (201 + Location); a body "400" is refused. */
static void h_flaky(seam_http_req_t *req, void *ud)
{
	size_t len = 0;
	const char *body = seam_http_body(req, &len);
	int n = atomic_fetch_add(&runs, 1) + 1;
	(void)ud;
	if (len == 3 && !memcmp(body, "400", 3)) {
		seam_http_problem(req, 400, "bad-request", "Bad request", NULL, "no");
		return;
	}
	if (n == 1) {
		seam_http_problem(req, 503, "store-busy", "Store busy", NULL, "try again");
		return;
	}
	char doc[64];
	snprintf(doc, sizeof doc, "{\"run\":%d}", n);
	seam_http_set_header(req, "Location", "/v1/things/1");
	seam_http_set_header(req, "X-Not-Kept", "1");
	seam_http_reply(req, 201, "application/json", doc, strlen(doc));
}

static int who(seam_http_req_t *req, const char *scope, void *ud)
{
	(void)scope;
	(void)ud;
	seam_http_set_user(req, "shop");
	return 200;
}

static void around(seam_http_req_t *req, const seam_route_t *r, void *ud)
{
	seam_idem_run(req, r, ud, run_store, NULL);
}

static const seam_route_t run_routes[] = {
	{"POST", "/v1/things", h_flaky, "x", SEAM_IDEM_ROUTE_FLAG, "flaky", NULL, NULL},
};

static void test_run_keeps_answers_not_failures(void **state)
{
	(void)state;
	qt_env_t env;
	seam_http_server_t *srv = NULL;
	seam_error_t e = {0};
	char url[128], loc[64], kept[16];
	th_resp_t r;
	const char *h[] = {"Idempotency-Key: t1", NULL};
	qt_open(&env);
	run_store = env.st;
	atomic_store(&runs, 0);
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = run_routes, .nroutes = 1,
			      .auth = who, .around = around, .threads = 1};
	assert_int_equal(seam_http_start(&o, &srv, &e), SEAM_OK);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/things", seam_http_port(srv));
	/* a 5xx is not kept: the retry runs again */
	th_http("POST", url, h, "{}", 2, &r);
	assert_int_equal(r.status, 503);
	th_resp_free(&r);
	th_http("POST", url, h, "{}", 2, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"run\":2}");
	th_resp_free(&r);
	/* the 201 is: replayed with its Location, not the headers that do not matter */
	th_http("POST", url, h, "{}", 2, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"run\":2}");
	assert_int_equal(th_resp_header(&r, "Location", loc, sizeof loc), 0);
	assert_string_equal(loc, "/v1/things/1");
	assert_int_equal(th_resp_header(&r, "X-Not-Kept", kept, sizeof kept), -1);
	assert_int_equal(th_resp_header(&r, "Idempotent-Replayed", kept, sizeof kept), 0);
	th_resp_free(&r);
	assert_int_equal(atomic_load(&runs), 2);
	/* a 4xx is the outcome of the request: kept and replayed */
	const char *h2[] = {"Idempotency-Key: t2", NULL};
	th_http("POST", url, h2, "400", 3, &r);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
	th_http("POST", url, h2, "400", 3, &r);
	assert_int_equal(r.status, 400);
	assert_int_equal(th_resp_header(&r, "Idempotent-Replayed", kept, sizeof kept), 0);
	th_resp_free(&r);
	assert_int_equal(atomic_load(&runs), 3);
	/* no key where the route requires one */
	th_http("POST", url, NULL, "{}", 2, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "idempotency-key-missing"));
	th_resp_free(&r);
	assert_int_equal(atomic_load(&runs), 3);
	seam_http_stop(srv, 1000);
	qt_close(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_store_life),
		cmocka_unit_test(test_run_keeps_answers_not_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
