/*
 * test_sim_pim.c: the Akeneo-like double: password and refresh grants, limit > 100 refused,
 * search_after walks every product exactly once, the updated filter (format, parents), localized
 * and scoped values, 429 past the rate limit; the catalog structure routes (families, family
 * variants, attributes, categories, channels, locales) and the token expiry control.
 */
#include "sim_test.h"
#include "tests/support/th_assert.h"

#include <time.h>

static const char *yaml =
	"seed: 4\n"
	"pim: {products: 95, models: 12, client_id: cid, secret: csec, username: u, password: pw}\n";

typedef struct pim {
	simt_t *t;
	seam_sim_double_t *d;
	char bearer[128];
	char refresh[64];
} pim_t;

static int token(pim_t *p, const char *body, seam_sim_resp_t *r)
{
	char auth[128];
	const char *h[] = {basic(auth, "cid", "csec"), "Content-Type: application/json", NULL};
	call(p->d, "POST", "/api/oauth/v1/token", h, body, r);
	if (r->status == 200) {
		snprintf(p->bearer, sizeof p->bearer, "Authorization: Bearer %s", jstr(r->json, "access_token"));
		snprintf(p->refresh, sizeof p->refresh, "%s", jstr(r->json, "refresh_token"));
	}
	return (int)r->status;
}

static void pim_open(pim_t *p, const char *y)
{
	p->t = simt_new(y);
	p->d = simt_get(p->t, "pim");
	seam_sim_resp_t r;
	assert_int_equal(token(p, "{\"grant_type\":\"password\",\"username\":\"u\",\"password\":\"pw\"}", &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "expires_in")), 3600);
	assert_string_equal(jstr(r.json, "token_type"), "bearer");
	seam_sim_resp_dispose(&r);
}

static void get(pim_t *p, seam_sim_resp_t *r, const char *target)
{
	const char *h[] = {p->bearer, NULL};
	call(p->d, "GET", target, h, NULL, r);
}

static void test_tokens(void **state)
{
	(void)state;
	pim_t p;
	pim_open(&p, yaml);
	seam_sim_resp_t r;
	char old_refresh[64], old_bearer[128];
	snprintf(old_refresh, sizeof old_refresh, "%s", p.refresh);
	snprintf(old_bearer, sizeof old_bearer, "%s", p.bearer);
	char body[200];
	snprintf(body, sizeof body, "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"%s\"}", old_refresh);
	assert_int_equal(token(&p, body, &r), 200);
	seam_sim_resp_dispose(&r);
	assert_string_not_equal(p.refresh, old_refresh);
	/* a refresh token is used once */
	assert_int_equal(token(&p, body, &r), 422);
	seam_sim_resp_dispose(&r);
	assert_int_equal(token(&p, "{\"grant_type\":\"password\",\"username\":\"u\",\"password\":\"no\"}", &r), 422);
	seam_sim_resp_dispose(&r);
	call(p.d, "GET", "/api/rest/v1/products-uuid", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(jstr(r.json, "message"), "Authentication is required");
	seam_sim_resp_dispose(&r);
	/* the root is open */
	call(p.d, "GET", "/api/rest/v1", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	simt_free(p.t);
}

static void test_search_after_walks_all_once(void **state)
{
	(void)state;
	pim_t p;
	pim_open(&p, yaml);
	seam_sim_resp_t r;
	get(&p, &r, "/api/rest/v1/products-uuid?limit=101");
	assert_int_equal(r.status, 422);
	assert_string_equal(jstr(r.json, "message"), "You cannot request more than 100 items.");
	seam_sim_resp_dispose(&r);

	char target[1024] = "/api/rest/v1/products-uuid?pagination_type=search_after&limit=7";
	json_t *seen = json_object();
	size_t pages = 0;
	char prev[40] = "";
	for (;;) {
		get(&p, &r, target);
		assert_int_equal(r.status, 200);
		assert_null(json_object_get(r.json, "current_page"));
		size_t i;
		json_t *it;
		json_array_foreach(jget(r.json, "_embedded.items"), i, it) {
			const char *u = jstr(it, "uuid");
			assert_null(json_object_get(seen, u));
			TH_ASSERT_STRCMP(u, >, prev); /* ordered by the primary key */
			snprintf(prev, sizeof prev, "%s", u);
			json_object_set_new(seen, u, json_true());
		}
		pages++;
		const char *next = jstr(r.json, "_links.next.href");
		if (!next) {
			seam_sim_resp_dispose(&r);
			break;
		}
		snprintf(target, sizeof target, "%s", strstr(next, "/api/"));
		seam_sim_resp_dispose(&r);
	}
	assert_int_equal(json_object_size(seen), 95);
	assert_int_equal(pages, 14);
	json_decref(seen);

	/* page pagination: current_page, count, previous/next */
	get(&p, &r, "/api/rest/v1/products-uuid?page=2&limit=50&with_count=true");
	assert_int_equal(json_integer_value(json_object_get(r.json, "current_page")), 2);
	assert_int_equal(json_integer_value(json_object_get(r.json, "items_count")), 95);
	assert_int_equal(json_array_size(jget(r.json, "_embedded.items")), 45);
	assert_non_null(jget(r.json, "_links.previous"));
	assert_null(jget(r.json, "_links.next"));
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/products-uuid?page=101&limit=100");
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);
	simt_free(p.t);
}

static void test_updated_filter_values_models(void **state)
{
	(void)state;
	pim_t p;
	pim_open(&p, yaml);
	seam_sim_resp_t r;
	char now[32], target[512];
	time_t t = time(NULL) - 5;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%d%%20%H:%M:%S", &tm);
	snprintf(target, sizeof target,
		 "/api/rest/v1/products-uuid?search=%%7B%%22updated%%22:%%5B%%7B%%22operator%%22:%%22%%3E%%22,%%22value%%22:%%22%s%%22%%7D%%5D%%7D&limit=100",
		 now);
	get(&p, &r, target);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(jget(r.json, "_embedded.items")), 0);
	seam_sim_resp_dispose(&r);
	/* touching a model brings its variants in, though their own updated is older */
	call(p.d, "POST", "/_sim/pim/touch", NULL, "{\"models\":[\"model_0002\"]}", &r);
	seam_sim_resp_dispose(&r);
	get(&p, &r, target);
	json_t *items = jget(r.json, "_embedded.items");
	TH_ASSERT_CMP(json_array_size(items), >=, 7);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
		assert_string_equal(jstr(it, "parent"), "model_0002");
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/product-models?search=%7B%22updated%22:%5B%7B%22operator%22:%22%3E%22,%22value%22:%222026-12-31%22%7D%5D%7D");
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(jstr(r.json, "message"), "yyyy-mm-dd H:i:s"));
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/products-uuid?search=%7B%22color%22:%5B%7B%22operator%22:%22LIKE%22,%22value%22:%22x%22%7D%5D%7D");
	assert_int_equal(r.status, 422);
	seam_sim_resp_dispose(&r);

	/* values: localized name, scoped description, price collection with decimal strings */
	get(&p, &r, "/api/rest/v1/product-models/model_0001");
	assert_int_equal(r.status, 200);
	json_t *name = jget(r.json, "values.name");
	assert_int_equal(json_array_size(name), 2);
	assert_string_equal(jstr(name, "0.locale"), "en_US");
	assert_true(json_is_null(jget(name, "0.scope")));
	assert_int_equal(json_array_size(jget(r.json, "values.description")), 4);
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/products-uuid?limit=1&locales=de_DE&scope=ecommerce");
	json_t *prod = jget(r.json, "_embedded.items.0");
	assert_non_null(jstr(prod, "parent"));
	json_t *price = jget(prod, "values.price.0.data");
	assert_int_equal(json_array_size(price), 2);
	assert_true(json_is_string(jget(price, "0.amount")));
	assert_string_equal(jstr(price, "1.currency"), "EUR");
	assert_int_equal(strncmp(jstr(prod, "values.sku.0.data"), "SKU-", 4), 0);
	char one[128];
	snprintf(one, sizeof one, "/api/rest/v1/products-uuid/%s", jstr(prod, "uuid"));
	seam_sim_resp_dispose(&r);
	get(&p, &r, one);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/products-uuid/00000000-0000-4000-8000-000000000000");
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	simt_free(p.t);
}

static void test_rate_limit(void **state)
{
	(void)state;
	pim_t p;
	pim_open(&p, "pim: {products: 3, models: 1, client_id: cid, secret: csec, username: u, password: pw, rate_limit: 5}\n");
	int ok = 0, limited = 0;
	for (int i = 0; i < 12; i++) {
		seam_sim_resp_t r;
		get(&p, &r, "/api/rest/v1/products-uuid?limit=1");
		if (r.status == 200)
			ok++;
		if (r.status == 429) {
			limited++;
			assert_string_equal(seam_sim_resp_header(&r, "Retry-After"), "1");
		}
		seam_sim_resp_dispose(&r);
	}
	/* at most 5 per second: with the second boundary somewhere in the loop, at most 10 pass */
	TH_ASSERT_CMP(ok, >=, 5);
	TH_ASSERT_CMP(ok, <, 12);
	TH_ASSERT_CMP(limited, >=, 1);
	assert_int_equal(ok + limited, 12);
	simt_free(p.t);
}

/* The catalog structure: every route answers in Akeneo's shape, pages with `page` and a limit
 * of at most 100, 404 for an unknown family or code; /_sim/pim/expire makes the token 401. */
static void test_structure_and_expire(void **state)
{
	(void)state;
	pim_t p;
	pim_open(&p, yaml);
	seam_sim_resp_t r;
	static const struct {
		const char *target;
		int status;
		size_t n;
	} cases[] = {
		{"/api/rest/v1/families", 200, 1},
		{"/api/rest/v1/families/clothing/variants", 200, 1},
		{"/api/rest/v1/attributes?limit=100", 200, 8},
		{"/api/rest/v1/attributes?limit=3&page=3", 200, 2},
		{"/api/rest/v1/categories", 200, 3},
		{"/api/rest/v1/channels", 200, 2},
		{"/api/rest/v1/locales", 200, 2},
		{"/api/rest/v1/attributes?limit=101", 422, 0},
		{"/api/rest/v1/families/nope/variants", 404, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		get(&p, &r, cases[i].target);
		if (r.status != cases[i].status ||
		    json_array_size(jget(r.json, "_embedded.items")) != cases[i].n)
			fail_msg("%s: got %d with %zu items, want %d with %zu", cases[i].target,
				 r.status, json_array_size(jget(r.json, "_embedded.items")),
				 cases[i].status, cases[i].n);
		seam_sim_resp_dispose(&r);
	}
	get(&p, &r, "/api/rest/v1/attributes?limit=3&page=3");
	assert_null(jget(r.json, "_links.next"));
	assert_int_equal(json_integer_value(jget(r.json, "current_page")), 3);
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/families/clothing/variants/clothing_color_size");
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "variant_attribute_sets.0.axes.0"), "color");
	assert_string_equal(jstr(r.json, "variant_attribute_sets.0.axes.1"), "size");
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/attributes/price");
	assert_string_equal(jstr(r.json, "type"), "pim_catalog_price_collection");
	assert_true(json_is_true(jget(r.json, "decimals_allowed")));
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/channels/ecommerce");
	assert_string_equal(jstr(r.json, "category_tree"), "master");
	assert_string_equal(jstr(r.json, "currencies.0"), "USD");
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/attributes/nope");
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);

	call(p.d, "POST", "/_sim/pim/expire", NULL, "{}", &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	get(&p, &r, "/api/rest/v1/locales");
	assert_int_equal(r.status, 401);
	assert_string_equal(jstr(r.json, "message"), "The access token provided has expired.");
	seam_sim_resp_dispose(&r);
	/* the refresh token still works; with {"refresh": true} it expires too */
	char body[200];
	snprintf(body, sizeof body, "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"%s\"}", p.refresh);
	assert_int_equal(token(&p, body, &r), 200);
	seam_sim_resp_dispose(&r);
	call(p.d, "POST", "/_sim/pim/expire", NULL, "{\"refresh\":true}", &r);
	seam_sim_resp_dispose(&r);
	snprintf(body, sizeof body, "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"%s\"}", p.refresh);
	assert_int_equal(token(&p, body, &r), 422);
	seam_sim_resp_dispose(&r);
	simt_free(p.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_search_after_walks_all_once),
		cmocka_unit_test(test_updated_filter_values_models),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_structure_and_expire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
