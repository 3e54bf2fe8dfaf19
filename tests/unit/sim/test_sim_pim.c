/*
 * test_sim_pim.c: the Akeneo-like double: password and refresh grants, limit > 100 refused,
 * search_after walks every product exactly once, the updated filter (format, parents), localized
 * and scoped values, 429 past the rate limit; the catalog structure routes (families, family
 * variants, attributes, categories, channels, locales) and the token expiry control; the
 * seed's variants of one model never share axis values; the edit routes /_sim/pim/products and
 * /_sim/pim/models (fields and values merged, updated now, sorted insert, removal, 422s).
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

/* Every product of the walk (all pages), as an object uuid -> record (owned). */
static json_t *all_products(pim_t *p)
{
	char target[1024] = "/api/rest/v1/products-uuid?pagination_type=search_after&limit=100";
	json_t *all = json_object();
	char prev[40] = "";
	for (;;) {
		seam_sim_resp_t r;
		get(p, &r, target);
		assert_int_equal(r.status, 200);
		size_t i;
		json_t *it;
		json_array_foreach(jget(r.json, "_embedded.items"), i, it) {
			TH_ASSERT_STRCMP(jstr(it, "uuid"), >, prev); /* still sorted after edits */
			snprintf(prev, sizeof prev, "%s", jstr(it, "uuid"));
			json_object_set(all, jstr(it, "uuid"), it);
		}
		const char *next = jstr(r.json, "_links.next.href");
		if (next)
			snprintf(target, sizeof target, "%s", strstr(next, "/api/"));
		seam_sim_resp_dispose(&r);
		if (!next)
			break;
	}
	return all;
}

/* The variants of one model never share their axis values (color, size): Akeneo refuses such
 * a variant, so the seed must not hold one (12 models of ~8 variants out of 20 combinations). */
static void test_seed_axes_unique_per_model(void **state)
{
	(void)state;
	pim_t p;
	pim_open(&p, yaml);
	json_t *all = all_products(&p), *seen = json_object(), *rec;
	const char *uuid;
	assert_int_equal(json_object_size(all), 95);
	json_object_foreach(all, uuid, rec) {
		char key[128];
		snprintf(key, sizeof key, "%s/%s/%s", jstr(rec, "parent"),
			 jstr(rec, "values.color.0.data"), jstr(rec, "values.size.0.data"));
		const char *other = json_string_value(json_object_get(seen, key));
		if (other)
			fail_msg("%s and %s are both %s", other, uuid, key);
		json_object_set_new(seen, key, json_string(uuid));
	}
	json_decref(seen);
	json_decref(all);
	simt_free(p.t);
}

static void post_edit(pim_t *p, const char *target, const char *body, int want, seam_sim_resp_t *r)
{
	call(p->d, "POST", target, NULL, body, r);
	if ((int)r->status != want)
		fail_msg("POST %s %s: got %d %s, want %d", target, body, r->status,
			 r->body ? r->body : "", want);
}

static json_t *get_one(pim_t *p, const char *what, const char *id, int want)
{
	seam_sim_resp_t r;
	char target[256];
	snprintf(target, sizeof target, "/api/rest/v1/%s/%s", what, id);
	get(p, &r, target);
	if ((int)r.status != want)
		fail_msg("GET %s: got %d, want %d", target, r.status, want);
	json_t *j = json_incref(r.json);
	seam_sim_resp_dispose(&r);
	return j;
}

/* Whether a `parent IN [model]` search lists the product uuid, and lists only that model's
 * products (the double answers it from its parent index, which every edit must rebuild). */
static int parent_lists(pim_t *p, const char *model, const char *uuid)
{
	char target[512];
	seam_sim_resp_t r;
	snprintf(target, sizeof target,
		 "/api/rest/v1/products-uuid?pagination_type=search_after&limit=100&search="
		 "%%7B%%22parent%%22:%%5B%%7B%%22operator%%22:%%22IN%%22,%%22value%%22:%%5B%%22%s%%22%%5D%%7D%%5D%%7D",
		 model);
	get(p, &r, target);
	assert_int_equal(r.status, 200);
	int found = 0, others = 0;
	size_t i;
	json_t *it;
	json_array_foreach(jget(r.json, "_embedded.items"), i, it) {
		found |= !strcmp(jstr(it, "uuid"), uuid);
		others += strcmp(jstr(it, "parent"), model) != 0;
	}
	assert_int_equal(others, 0);
	assert_true(json_array_size(jget(r.json, "_embedded.items")) > 0);
	seam_sim_resp_dispose(&r);
	return found;
}

/* POST /_sim/pim/products: fields replaced, values replaced per attribute (null deletes one),
 * updated set to now (the updated filter finds the record, its _updated with it), a new
 * product inserted where search_after finds it, duplicate SKUs and bad prices allowed, removal;
 * a bad record, an unknown parent or an unknown id refuses the whole request. */
static void test_edit_products(void **state)
{
	(void)state;
	pim_t p;
	pim_open(&p, yaml);
	seam_sim_resp_t r;
	json_t *all = all_products(&p);
	const char *u1 = NULL, *u2 = NULL, *k;
	json_t *rec;
	json_object_foreach(all, k, rec) {
		if (!u1)
			u1 = k;
		else if (!u2 && strcmp(jstr(rec, "parent"), jstr(json_object_get(all, u1), "parent")))
			u2 = k;
	}
	char body[1024];
	const char *old_updated = jstr(json_object_get(all, u1), "updated");
	char sku2[32];
	snprintf(sku2, sizeof sku2, "%s", jstr(json_object_get(all, u2), "values.sku.0.data"));

	char model1[64], model2[64];
	snprintf(model1, sizeof model1, "%s", jstr(json_object_get(all, u1), "parent"));
	snprintf(model2, sizeof model2, "%s", jstr(json_object_get(all, u2), "parent"));
	assert_true(parent_lists(&p, model1, u1));
	assert_false(parent_lists(&p, model2, u1));

	/* disable u1, move it to u2's model, break its price, drop its size */
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"%s\", \"enabled\": false, \"parent\": \"%s\", "
		 "\"_updated\": 1, \"updated\": \"2020-01-01T00:00:00+00:00\", \"values\": {"
		 "\"price\": [{\"locale\": null, \"scope\": null, \"data\": [{\"amount\": \"19,99\", "
		 "\"currency\": \"USD\"}]}], \"size\": null}}]}",
		 u1, jstr(json_object_get(all, u2), "parent"));
	post_edit(&p, "/_sim/pim/products", body, 200, &r);
	assert_string_equal(jstr(r.json, "updated.0"), u1);
	assert_int_equal(json_array_size(jget(r.json, "created")), 0);
	seam_sim_resp_dispose(&r);
	/* the parent search follows the move */
	assert_true(parent_lists(&p, model2, u1));
	assert_false(parent_lists(&p, model1, u1));
	json_t *got = get_one(&p, "products-uuid", u1, 200);
	assert_true(json_is_false(json_object_get(got, "enabled")));
	assert_string_equal(jstr(got, "parent"), jstr(json_object_get(all, u2), "parent"));
	assert_string_equal(jstr(got, "values.price.0.data.0.amount"), "19,99");
	assert_null(jget(got, "values.size"));
	/* untouched attributes stay */
	assert_string_equal(jstr(got, "values.color.0.data"),
			    jstr(json_object_get(all, u1), "values.color.0.data"));
	assert_string_equal(jstr(got, "values.sku.0.data"),
			    jstr(json_object_get(all, u1), "values.sku.0.data"));
	/* updated is now, whatever the body said */
	assert_string_not_equal(jstr(got, "updated"), old_updated);
	assert_string_not_equal(jstr(got, "updated"), "2020-01-01T00:00:00+00:00");
	assert_null(json_object_get(got, "_updated"));
	json_decref(got);

	/* the updated filter (which reads _updated) finds exactly it */
	char since[32], target[512];
	time_t t = time(NULL) - 5;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(since, sizeof since, "%Y-%m-%d%%20%H:%M:%S", &tm);
	snprintf(target, sizeof target,
		 "/api/rest/v1/products-uuid?search=%%7B%%22updated%%22:%%5B%%7B%%22operator%%22:%%22%%3E%%22,%%22value%%22:%%22%s%%22%%7D%%5D%%7D&limit=100",
		 since);
	get(&p, &r, target);
	assert_int_equal(json_array_size(jget(r.json, "_embedded.items")), 1);
	assert_string_equal(jstr(r.json, "_embedded.items.0.uuid"), u1);
	seam_sim_resp_dispose(&r);

	/* a new product with u2's SKU (a duplicate: Akeneo would refuse it, the double does not),
	 * a uuid that sorts first */
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"00000000-0000-4000-8000-000000000001\", \"parent\": null, "
		 "\"values\": {\"sku\": [{\"locale\": null, \"scope\": null, \"data\": \"%s\"}]}}]}",
		 sku2);
	post_edit(&p, "/_sim/pim/products", body, 200, &r);
	assert_string_equal(jstr(r.json, "created.0"), "00000000-0000-4000-8000-000000000001");
	seam_sim_resp_dispose(&r);
	got = get_one(&p, "products-uuid", "00000000-0000-4000-8000-000000000001", 200);
	assert_string_equal(jstr(got, "values.sku.0.data"), sku2);
	assert_true(json_is_true(json_object_get(got, "enabled")));
	assert_string_equal(jstr(got, "family"), "clothing");
	assert_true(json_is_null(json_object_get(got, "parent")));
	assert_string_equal(jstr(got, "created"), jstr(got, "updated"));
	json_decref(got);
	json_t *after = all_products(&p);
	assert_int_equal(json_object_size(after), 96);
	json_decref(after);

	/* refused whole: the valid first record is not applied either */
	static const char *const bad[] = {
		"{\"upsert\": [{\"uuid\": \"00000000-0000-4000-8000-000000000002\"}, {\"enabled\": false}]}",
		"{\"upsert\": [{\"uuid\": \"00000000-0000-4000-8000-000000000002\"}, {\"uuid\": \"x\", \"parent\": \"model_9999\"}]}",
		"{\"upsert\": [{\"uuid\": \"00000000-0000-4000-8000-000000000002\"}, {\"uuid\": \"x\", \"enabled\": \"no\"}]}",
		"{\"upsert\": [{\"uuid\": \"00000000-0000-4000-8000-000000000002\"}, {\"uuid\": \"x\", \"values\": {\"size\": \"m\"}}]}",
		"{\"upsert\": [{\"uuid\": \"00000000-0000-4000-8000-000000000002\"}], \"remove\": [\"nope\"]}",
		"{\"upsert\": {}}",
		"[]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		post_edit(&p, "/_sim/pim/products", bad[i], 422, &r);
		seam_sim_resp_dispose(&r);
		json_decref(get_one(&p, "products-uuid", "00000000-0000-4000-8000-000000000002", 404));
	}

	/* removal */
	snprintf(body, sizeof body, "{\"remove\": [\"%s\", \"00000000-0000-4000-8000-000000000001\"]}", u2);
	post_edit(&p, "/_sim/pim/products", body, 200, &r);
	assert_int_equal(json_array_size(jget(r.json, "removed")), 2);
	seam_sim_resp_dispose(&r);
	json_decref(get_one(&p, "products-uuid", u2, 404));
	after = all_products(&p);
	assert_int_equal(json_object_size(after), 94);
	assert_null(json_object_get(after, u2));
	json_decref(after);
	json_decref(all);
	simt_free(p.t);
}

/* POST /_sim/pim/models: a new model (seed defaults), values of an existing one replaced per
 * attribute with updated now, and a removed model takes its variant products with it. */
static void test_edit_models(void **state)
{
	(void)state;
	pim_t p;
	pim_open(&p, yaml);
	seam_sim_resp_t r;
	post_edit(&p, "/_sim/pim/models",
		  "{\"upsert\": [{\"code\": \"model_0000\", \"values\": {\"name\": [{\"locale\": \"en_US\", "
		  "\"scope\": null, \"data\": \"New\"}]}}, {\"code\": \"model_0002\", \"values\": "
		  "{\"brand\": [{\"locale\": null, \"scope\": null, \"data\": \"zzz\"}]}}]}",
		  200, &r);
	assert_string_equal(jstr(r.json, "created.0"), "model_0000");
	assert_string_equal(jstr(r.json, "updated.0"), "model_0002");
	seam_sim_resp_dispose(&r);
	json_t *m = get_one(&p, "product-models", "model_0000", 200);
	assert_string_equal(jstr(m, "family_variant"), "clothing_color_size");
	assert_string_equal(jstr(m, "values.name.0.data"), "New");
	json_decref(m);
	m = get_one(&p, "product-models", "model_0002", 200);
	assert_string_equal(jstr(m, "values.brand.0.data"), "zzz");
	assert_int_equal(json_array_size(jget(m, "values.name")), 2); /* kept */
	TH_ASSERT_STRNCMP(jstr(m, "updated"), !=, "2025-", 5);
	json_decref(m);
	/* the list walks the new model first (codes sorted) */
	get(&p, &r, "/api/rest/v1/product-models?pagination_type=search_after&limit=1");
	assert_string_equal(jstr(r.json, "_embedded.items.0.code"), "model_0000");
	seam_sim_resp_dispose(&r);

	/* a variant moves to the new model */
	json_t *all = all_products(&p);
	size_t children = 0;
	const char *k, *moved = NULL;
	json_t *rec;
	json_object_foreach(all, k, rec) {
		if (!strcmp(jstr(rec, "parent"), "model_0003"))
			children++;
		else if (!moved)
			moved = k;
	}
	TH_ASSERT_CMP(children, >, 0);
	char body[256];
	snprintf(body, sizeof body, "{\"upsert\": [{\"uuid\": \"%s\", \"parent\": \"model_0000\"}]}", moved);
	post_edit(&p, "/_sim/pim/products", body, 200, &r);
	seam_sim_resp_dispose(&r);

	post_edit(&p, "/_sim/pim/models", "{\"remove\": [\"model_0003\"]}", 200, &r);
	assert_string_equal(jstr(r.json, "removed.0"), "model_0003");
	seam_sim_resp_dispose(&r);
	json_decref(get_one(&p, "product-models", "model_0003", 404));
	json_t *after = all_products(&p);
	assert_int_equal(json_object_size(after), 95 - children);
	json_object_foreach(after, k, rec)
		assert_string_not_equal(jstr(rec, "parent"), "model_0003");
	assert_string_equal(jstr(json_object_get(after, moved), "parent"), "model_0000");
	json_decref(after);
	json_decref(all);
	post_edit(&p, "/_sim/pim/models", "{\"upsert\": [{\"values\": {}}]}", 422, &r);
	seam_sim_resp_dispose(&r);
	post_edit(&p, "/_sim/pim/models", "{\"remove\": [\"model_0003\"]}", 422, &r);
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
		cmocka_unit_test(test_seed_axes_unique_per_model),
		cmocka_unit_test(test_edit_products),
		cmocka_unit_test(test_edit_models),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
