/* test_resource.c: the REST v1 resource layer's pure parts (src/api/resource.c): the cursor
 * codec, filter parsing against a resource's table, the ETag of a body and If-None-Match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_resources.h"
#include "api/resource.h"
#include "core/crypto.h"
#include "tests/support/th_assert.h"

static void test_cursor_round_trip(void **state)
{
	(void)state;
	json_t *key = json_pack("[I, s, s]", (json_int_t)1764777600123, "us",
				"0190c0de-0000-7000-8000-000000000001"), *back = NULL;
	seam_error_t e = {0};
	char *c = seam_api_cursor_encode("order", key);
	assert_non_null(c);
	/* URL-safe and opaque: nothing a URL would need to escape */
	TH_ASSERT_CMP(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		      ==, strlen(c));
	assert_int_equal(seam_api_cursor_decode("order", c, 3, &back, &e), SEAM_OK);
	assert_true(json_equal(back, key));
	json_decref(back);
	back = NULL;
	/* any count when the caller does not say */
	assert_int_equal(seam_api_cursor_decode("order", c, 0, &back, &e), SEAM_OK);
	assert_true(json_equal(back, key));
	json_decref(back);
	back = NULL;
	/* another resource's cursor, the wrong count */
	assert_int_equal(seam_api_cursor_decode("quarantine", c, 0, &back, &e), SEAM_INVAL);
	assert_null(back);
	assert_int_equal(seam_api_cursor_decode("order", c, 2, &back, &e), SEAM_INVAL);
	free(c);
	json_decref(key);
}

static void test_cursor_garbage(void **state)
{
	(void)state;
	seam_error_t e = {0};
	json_t *back = NULL;
	char b64[64], big[1100];
	const char *bad[] = {"", "!!!", "a", "eyJ", "W10", /* [] */
			     "WyJvcmRlciJd",                /* ["order"]: no key */
			     "WyJvcmRlciIsW11d",            /* ["order",[]]: not a scalar */
			     "WyJvcmRlciIsMV0=",            /* padded: not the url alphabet */
			     "WyJvcmRlciIsMV0+"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (seam_api_cursor_decode("order", bad[i], 0, &back, &e) != SEAM_INVAL)
			fail_msg("cursor '%s' decoded; want SEAM_INVAL", bad[i]);
		assert_null(back);
	}
	/* ["order",1] is fine */
	b64[seam_base64url_encode("[\"order\",1]", 11, b64)] = '\0';
	assert_int_equal(seam_api_cursor_decode("order", b64, 1, &back, &e), SEAM_OK);
	json_decref(back);
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(seam_api_cursor_decode("order", big, 0, &back, &e), SEAM_INVAL);
}

static seam_err_t parse(const char *const *kv, size_t n, seam_api_query_t *q, const char **bad,
			seam_error_t *e)
{
	const char *k[16], *v[16];
	for (size_t i = 0; i < n; i++) {
		k[i] = kv[2 * i];
		v[i] = kv[2 * i + 1];
	}
	return seam_api_query_parse_args(&seam_api_orders_list_def, k, v, n, 1764777600000, q, bad, e);
}

static void test_filters(void **state)
{
	(void)state;
	seam_api_query_t q;
	seam_error_t e = {0};
	const char *bad = NULL;
	const char *ok[] = {"store", "us", "export_state", "exported", "since", "2h", "limit", "7"};
	assert_int_equal(parse(ok, 4, &q, &bad, &e), SEAM_OK);
	assert_int_equal(q.limit, 7);
	assert_string_equal(q.str[seam_api_filter_index(&seam_api_orders_list_def, "store")], "us");
	TH_ASSERT_CMP(q.time[seam_api_filter_index(&seam_api_orders_list_def, "since")], ==,
		      (int64_t)1764777600000 - 7200000);
	assert_null(q.str[seam_api_filter_index(&seam_api_orders_list_def, "number")]);
	seam_api_query_dispose(&q);

	assert_int_equal(parse(NULL, 0, &q, &bad, &e), SEAM_OK);
	assert_int_equal(q.limit, 100); /* the default */
	seam_api_query_dispose(&q);

	static const struct {
		const char *k, *v, *want;
	} cases[] = {
		{"stor", "us", "unknown query parameter 'stor'; this resource takes limit, cursor, "
			       "store, export_state, since, until, number"},
		{"export_state", "shipped", "export_state 'shipped' is not one of seen, exported, "
					    "written_back, canceled_in_erp"},
		{"since", "yesterday", "since 'yesterday' is not RFC 3339 (2026-11-26T16:00:00Z), "
				       "'now', or a duration ago (2h, 30m, 7d)"},
		{"limit", "0", "limit '0' must be an integer from 1 to 500"},
		{"limit", "501", "limit '501' must be an integer from 1 to 500"},
		{"limit", "10x", "limit '10x' must be an integer from 1 to 500"},
		{"store", "", "filter store needs a value (1 to 200 bytes)"},
		{"cursor", "nope", "cursor is not one this list gave out; pass back the `next` link "
				   "(or its cursor) of the previous page unchanged"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *kv[] = {cases[i].k, cases[i].v};
		assert_int_equal(parse(kv, 1, &q, &bad, &e), SEAM_INVAL);
		assert_string_equal(bad, cases[i].k);
		assert_string_equal(e.msg, cases[i].want);
		seam_api_query_dispose(&q);
	}
	const char *twice[] = {"store", "us", "store", "eu"};
	assert_int_equal(parse(twice, 2, &q, &bad, &e), SEAM_INVAL);
	assert_string_equal(e.msg, "query parameter store is given more than once");
	seam_api_query_dispose(&q);
}

static void test_etag(void **state)
{
	(void)state;
	char a[35], b[35], c[35];
	seam_api_etag("{\"a\":1}", 7, a);
	seam_api_etag("{\"a\":1}", 7, b);
	seam_api_etag("{\"a\":2}", 7, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	TH_ASSERT_CMP(strlen(a), ==, (size_t)34);
	assert_int_equal(a[0], '"');
	assert_int_equal(a[33], '"');
	/* strong: the hash of the bytes, the first 128 bits of SHA-256 */
	char hex[65];
	seam_sha256_hex("{\"a\":1}", 7, hex);
	assert_memory_equal(a + 1, hex, 32);

	assert_true(seam_api_etag_match(a, a));
	char list[128], weak[64];
	snprintf(list, sizeof list, "\"x\", %s", a);
	assert_true(seam_api_etag_match(list, a));
	snprintf(weak, sizeof weak, "W/%s", a);
	assert_true(seam_api_etag_match(weak, a)); /* If-None-Match compares weakly */
	assert_true(seam_api_etag_match("*", a));
	assert_false(seam_api_etag_match(c, a));
	assert_false(seam_api_etag_match("", a));
	assert_false(seam_api_etag_match("\"x\", \"y\"", a));
}

/* Every GET list route of the table has its definition (docs and OpenAPI read the filters
 * there), and nothing else does. */
static void test_list_defs_cover_the_lists(void **state)
{
	(void)state;
	size_t n, lists = 0;
	const seam_route_t *r = seam_api_routes(&n);
	for (size_t i = 0; i < n; i++) {
		const seam_api_list_def_t *d = seam_api_list_def_of(r[i].pattern);
		if (strcmp(r[i].method, "GET") != 0 || !d)
			continue;
		lists++;
		TH_ASSERT_CMP(d->limit_default, <=, d->limit_max);
		TH_ASSERT_CMP(d->nfilters, <=, (size_t)SEAM_API_MAX_FILTERS);
	}
	assert_int_equal(lists, 6); /* orders, jobs, dead letters, quarantine, catalog and
				       reconciliation runs */
	assert_null(seam_api_list_def_of("/v1/orders/{id}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_round_trip),
		cmocka_unit_test(test_cursor_garbage),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_etag),
		cmocka_unit_test(test_list_defs_cover_the_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
