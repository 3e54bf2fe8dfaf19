/* test_catalog_mappings.c: the catalog mappings mappings/pim_to_canonical.lua and
 * mappings/canonical_to_drupal.lua on what the PIM double (sim/sim_pim.c, called in process)
 * serves: every model and simple product of a seeded catalog maps to a canonical product that
 * holds catalog.product@v1 and to a Drupal plan that holds catalog.drupal-product@v1, for both
 * price owners; the bad records the fault tests make with the double's edit routes (a variant
 * with no SKU, a price "19,99", a missing axis value) are contract violations whose pointer
 * names the field; a disabled variant, a simple product, prices owned by the ERP, a variant
 * with its own title, a moved variant, duplicate SKUs and axis values, times with an offset.
 * Runs from the repository root (as `make unit` does). */
#include "tests/unit/sim/sim_test.h"

#include <stdint.h>

#include "contract/registry.h"
#include "map/map.h"
#include "tests/support/th_assert.h"

typedef struct fx {
	simt_t *t;
	seam_sim_double_t *d;
	char bearer[160];
	seam_map_runtime_t *rt;
	seam_contracts_t *reg;
	const seam_contract_t *product, *plan;
	json_t *ctx, *dctx;
} fx_t;

static json_t *parse(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	if (!j)
		fail_msg("bad JSON in the test: %s: %s", je.text, s);
	return j;
}

static void fx_open(fx_t *f, const char *yaml)
{
	seam_error_t err = {0};
	seam_map_opts_t o = {.dir = "mappings"};
	memset(f, 0, sizeof *f);
	f->t = simt_new(yaml);
	f->d = simt_get(f->t, "pim");
	char auth[160];
	const char *h[] = {basic(auth, "seam", "seam-pim-secret"), "Content-Type: application/json", NULL};
	seam_sim_resp_t r;
	call(f->d, "POST", "/api/oauth/v1/token", h,
	     "{\"grant_type\":\"password\",\"username\":\"seam\",\"password\":\"seam-pim-password\"}", &r);
	assert_int_equal(r.status, 200);
	snprintf(f->bearer, sizeof f->bearer, "Authorization: Bearer %s", jstr(r.json, "access_token"));
	seam_sim_resp_dispose(&r);
	f->rt = seam_map_runtime_create(&o, &err);
	if (!f->rt)
		fail_msg("mappings: %s", err.msg);
	assert_int_equal(seam_contracts_open(&f->reg, &err), SEAM_OK);
	f->product = seam_contracts_find(f->reg, "catalog.product@v1");
	f->plan = seam_contracts_find(f->reg, "catalog.drupal-product@v1");
	assert_non_null(f->product);
	assert_non_null(f->plan);
	f->ctx = parse("{\"store\": \"us\", \"channel\": \"ecommerce\", \"locales\": [\"en_US\", \"de_DE\"],"
		       " \"currencies\": [\"USD\", \"EUR\"], \"title_attribute\": \"name\","
		       " \"description_attribute\": \"description\"}");
	f->dctx = parse("{\"store\": \"us\", \"locale\": \"en_US\", \"currency\": \"USD\", \"prices\": \"pim\","
			" \"attributes\": {\"color\": \"color\", \"size\": \"size\"}}");
}

static void fx_close(fx_t *f)
{
	json_decref(f->ctx);
	json_decref(f->dctx);
	seam_contracts_close(f->reg);
	seam_map_runtime_destroy(f->rt);
	simt_free(f->t);
}

/* GET target (a path of the double) -> the body (owned); fails on another status. */
static json_t *pim_get(fx_t *f, const char *target)
{
	const char *h[] = {f->bearer, NULL};
	seam_sim_resp_t r;
	call(f->d, "GET", target, h, NULL, &r);
	if (r.status != 200)
		fail_msg("GET %s: %d %s", target, r.status, r.body ? r.body : "");
	json_t *j = json_incref(r.json);
	seam_sim_resp_dispose(&r);
	return j;
}

/* Every item of a list route, walked with search_after (owned array). */
static json_t *pim_walk(fx_t *f, const char *route, const char *query)
{
	char target[1024];
	json_t *all = json_array();
	snprintf(target, sizeof target, "/api/rest/v1/%s?pagination_type=search_after&limit=100%s",
		 route, query);
	for (;;) {
		json_t *page = pim_get(f, target);
		json_array_extend(all, jget(page, "_embedded.items"));
		const char *next = jstr(page, "_links.next.href");
		if (next)
			snprintf(target, sizeof target, "%s", strstr(next, "/api/"));
		json_decref(page);
		if (!next)
			return all;
	}
}

/* The pim_to_canonical input of one model: the model, its variants, its family variant. */
static json_t *model_input(fx_t *f, const char *code)
{
	char target[256], query[256];
	snprintf(target, sizeof target, "/api/rest/v1/product-models/%s", code);
	json_t *model = pim_get(f, target);
	snprintf(target, sizeof target, "/api/rest/v1/families/%s/variants/%s", jstr(model, "family"),
		 jstr(model, "family_variant"));
	json_t *fv = pim_get(f, target);
	snprintf(query, sizeof query,
		 "&search=%%7B%%22parent%%22:%%5B%%7B%%22operator%%22:%%22IN%%22,%%22value%%22:%%5B%%22%s%%22%%5D%%7D%%5D%%7D",
		 code);
	return json_pack("{s:o, s:o, s:o}", "model", model, "products", pim_walk(f, "products-uuid", query),
			 "family_variant", fv);
}

static json_t *simple_input(json_t *product)
{
	return json_pack("{s:n, s:[O], s:n}", "model", "products", product, "family_variant");
}

/* Runs a mapping; the output (owned) or NULL with err. */
static json_t *run(fx_t *f, const char *name, json_t *in, json_t *ctx, seam_error_t *err)
{
	json_t *out = NULL;
	seam_err_t rc = seam_map_run(f->rt, name, in, ctx, &out, err);
	assert_int_equal(rc == SEAM_OK, out != NULL);
	return out;
}

static json_t *run_ok(fx_t *f, const char *name, json_t *in, json_t *ctx)
{
	seam_error_t err = {0};
	json_t *out = run(f, name, in, ctx, &err);
	if (!out)
		fail_msg("%s: %s", name, err.msg);
	return out;
}

static void run_fails(fx_t *f, const char *name, json_t *in, json_t *ctx, const char *want)
{
	seam_error_t err = {0};
	json_t *out = run(f, name, in, ctx, &err);
	if (out)
		fail_msg("%s mapped to %s, wanted an error with \"%s\"", name,
			 json_dumps(out, JSON_COMPACT), want);
	assert_int_equal(err.code, SEAM_PERMANENT);
	if (!strstr(err.msg, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, want);
}

static void valid(const seam_contract_t *c, json_t *doc)
{
	json_t *errors = NULL;
	if (!seam_contract_validate(c, doc, &errors)) {
		char *e = seam_contract_errors_text(errors, 2000);
		char *d = json_dumps(doc, JSON_COMPACT);
		fail_msg("%s violated: %s\n%s", c->ref, e, d);
	}
	json_decref(errors);
}

/* doc violates c, and one of the errors is at pointer with keyword (NULL: any keyword). */
static void violates(const seam_contract_t *c, json_t *doc, const char *pointer, const char *keyword)
{
	json_t *basic = NULL;
	if (seam_contract_validate(c, doc, &basic))
		fail_msg("%s accepted %s, wanted a violation at %s", c->ref,
			 json_dumps(doc, JSON_COMPACT), pointer);
	json_t *pub = seam_contract_errors_public(basic);
	size_t i;
	json_t *e;
	int found = 0;
	json_array_foreach(pub, i, e) {
		found |= !strcmp(jstr(e, "pointer"), pointer) &&
			 (!keyword || !strcmp(jstr(e, "keyword"), keyword));
	}
	if (!found)
		fail_msg("%s: no error at %s (%s); got %s", c->ref, pointer, keyword ? keyword : "any",
			 json_dumps(pub, JSON_COMPACT));
	json_decref(pub);
	json_decref(basic);
}

/* Both mappings and both contracts on one input; the plan with prices owner (new ref). */
static json_t *through(fx_t *f, json_t *in, json_t **canon_out)
{
	json_t *canon = run_ok(f, "pim_to_canonical", in, f->ctx);
	valid(f->product, canon);
	json_t *plan = run_ok(f, "canonical_to_drupal", canon, f->dctx);
	valid(f->plan, plan);
	if (canon_out)
		*canon_out = canon;
	else
		json_decref(canon);
	return plan;
}

/* POST an edit to the double (its /_sim/pim/products or /models route). */
static void edit(fx_t *f, const char *what, const char *body)
{
	char target[64];
	seam_sim_resp_t r;
	snprintf(target, sizeof target, "/_sim/pim/%s", what);
	call(f->d, "POST", target, NULL, body, &r);
	if (r.status != 200)
		fail_msg("POST %s %s: %d %s", target, body, r.status, r.body ? r.body : "");
	seam_sim_resp_dispose(&r);
}

/* j as compact JSON in buf (cap bytes). */
static const char *dump(const json_t *j, char *buf, size_t cap)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(s);
	snprintf(buf, cap, "%s", s);
	free(s);
	return buf;
}

static json_t *plan_vars(json_t *plan)
{
	return json_object_get(plan, "variations");
}

static const char *sku_of(json_t *product)
{
	return jstr(product, "values.sku.0.data");
}

/* The variant products of model code in the double, as the API prints them (owned). */
static json_t *variants_of(fx_t *f, const char *code)
{
	json_t *in = model_input(f, code);
	json_t *ps = json_incref(json_object_get(in, "products"));
	json_decref(in);
	return ps;
}

/* Index of the variant with this SKU in a canonical product, or -1. */
static long variant_index(json_t *canon, const char *sku)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(canon, "variants"), i, v)
		if (json_is_string(json_object_get(v, "sku")) && !strcmp(jstr(v, "sku"), sku))
			return (long)i;
	return -1;
}

/* Every model of a seeded catalog (300 variants over 60 models) and every simple product of
 * another (40, models: 0): both mappings, both contracts, both price owners. The canonical
 * product holds every variant once, sorted by SKU, with the double's axis values and USD/EUR
 * prices; the plan carries the store's currency. Products in another order give the same
 * output. */
static void test_double_catalog_holds_contracts(void **state)
{
	(void)state;
	fx_t f;
	fx_open(&f, "seed: 7\npim: {products: 300, models: 60}\n");
	json_t *models = pim_walk(&f, "product-models", "");
	json_t *erp = json_deep_copy(f.dctx);
	json_object_set_new(erp, "prices", json_string("erp"));
	size_t i, variants = 0;
	json_t *m;
	assert_int_equal(json_array_size(models), 60);
	json_array_foreach(models, i, m) {
		json_t *in = model_input(&f, jstr(m, "code")), *canon;
		json_t *plan = through(&f, in, &canon);
		json_t *vs = json_object_get(canon, "variants");
		size_t n = json_array_size(json_object_get(in, "products"));
		assert_int_equal(json_array_size(vs), n);
		variants += n;
		assert_string_equal(jstr(canon, "id"), jstr(m, "code"));
		assert_string_equal(jstr(canon, "kind"), "model");
		assert_string_equal(jstr(canon, "store"), "us");
		assert_true(json_is_true(json_object_get(canon, "enabled")));
		TH_ASSERT_STRNCMP(jstr(canon, "title.de_DE"), ==, "Product ", 8);
		assert_non_null(strstr(jstr(canon, "description.en_US"), "for ecommerce"));
		for (size_t k = 0; k < n; k++) {
			json_t *v = json_array_get(vs, k), *pv = json_array_get(plan_vars(plan), k);
			if (k > 0)
				TH_ASSERT_STRCMP(jstr(json_array_get(vs, k - 1), "sku"), <, jstr(v, "sku"));
			assert_int_equal(json_object_size(json_object_get(v, "axes")), 2);
			assert_int_equal(json_array_size(json_object_get(v, "prices")), 2);
			assert_string_equal(jstr(v, "prices.0.currency"), "EUR");
			assert_string_equal(jstr(pv, "sku"), jstr(v, "sku"));
			assert_string_equal(jstr(pv, "attributes.price.number"), jstr(v, "prices.1.amount"));
			assert_string_equal(jstr(pv, "attributes.price.currency_code"), "USD");
			assert_string_equal(jstr(pv, "axes.color"), jstr(v, "axes.color"));
			/* the variant's title is the model's with its axis values */
			char want[256];
			snprintf(want, sizeof want, "%s %s %s", jstr(canon, "title.en_US"),
				 jstr(v, "axes.color"), jstr(v, "axes.size"));
			assert_string_equal(jstr(pv, "attributes.title"), want);
		}
		/* the same products in reverse order map to the same output */
		json_t *rev = json_deep_copy(in), *ps = json_object_get(rev, "products");
		json_t *flipped = json_array();
		for (size_t k = json_array_size(ps); k-- > 0;)
			json_array_append(flipped, json_array_get(ps, k));
		json_object_set_new(rev, "products", flipped);
		json_t *again = run_ok(&f, "pim_to_canonical", rev, f.ctx);
		assert_true(json_equal(again, canon));
		/* the ERP owns prices: none to keep equal, the PIM's to create with */
		json_t *eplan = run_ok(&f, "canonical_to_drupal", canon, erp);
		valid(f.plan, eplan);
		json_t *ev = json_array_get(plan_vars(eplan), 0);
		assert_null(jget(ev, "attributes.price"));
		assert_string_equal(jstr(ev, "create_attributes.price.number"),
				    jstr(json_array_get(json_object_get(canon, "variants"), 0), "prices.1.amount"));
		json_decref(eplan);
		json_decref(again);
		json_decref(rev);
		json_decref(plan);
		json_decref(canon);
		json_decref(in);
	}
	assert_int_equal(variants, 300);
	json_decref(models);
	json_decref(erp);
	fx_close(&f);

	/* simple products: kind simple, id the uuid, one variant with no axes and its own name */
	fx_open(&f, "seed: 7\npim: {products: 40, models: 0}\n");
	json_t *products = pim_walk(&f, "products-uuid", "");
	json_t *p;
	assert_int_equal(json_array_size(products), 40);
	json_array_foreach(products, i, p) {
		json_t *in = simple_input(p), *canon;
		json_t *plan = through(&f, in, &canon);
		assert_string_equal(jstr(canon, "kind"), "simple");
		assert_string_equal(jstr(canon, "id"), jstr(p, "uuid"));
		assert_string_equal(jstr(plan, "pim_id"), jstr(p, "uuid"));
		assert_int_equal(json_array_size(json_object_get(canon, "variants")), 1);
		assert_int_equal(json_object_size(jget(canon, "variants.0.axes")), 0);
		assert_int_equal(json_object_size(jget(plan, "variations.0.axes")), 0);
		char want[64];
		snprintf(want, sizeof want, "%s (en_US)", sku_of(p));
		assert_string_equal(jstr(plan, "product.title"), want);
		assert_string_equal(jstr(plan, "variations.0.attributes.title"), want);
		assert_null(jget(plan, "product.body")); /* the double's simple products have none */
		json_decref(plan);
		json_decref(canon);
		json_decref(in);
	}
	json_decref(products);
	fx_close(&f);
}

/* The records the fault tests make with the double's edit routes. A variant without a SKU, a
 * price "19,99" and a variant without its size each map (the mapping repairs nothing) to a
 * canonical product that violates catalog.product@v1 at the field: /variants/0/sku (a null
 * SKU sorts first), /variants/N/prices/K/amount, /variants/N/axes/size. */
static void test_bad_records_violate_with_pointer(void **state)
{
	(void)state;
	fx_t f;
	fx_open(&f, "seed: 7\npim: {products: 40, models: 8}\n");
	json_t *vs = variants_of(&f, "model_0002");
	TH_ASSERT_CMP(json_array_size(vs), >=, 3);
	const char *u0 = jstr(json_array_get(vs, 0), "uuid");
	const char *u1 = jstr(json_array_get(vs, 1), "uuid");
	const char *u2 = jstr(json_array_get(vs, 2), "uuid");
	char sku1[32], sku2[32], body[1024], ptr[64];
	snprintf(sku1, sizeof sku1, "%s", sku_of(json_array_get(vs, 1)));
	snprintf(sku2, sizeof sku2, "%s", sku_of(json_array_get(vs, 2)));
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"%s\", \"values\": {\"sku\": null}},"
		 " {\"uuid\": \"%s\", \"values\": {\"price\": [{\"locale\": null, \"scope\": null, \"data\":"
		 " [{\"amount\": \"19,99\", \"currency\": \"USD\"}, {\"amount\": \"5.00\", \"currency\": \"EUR\"}]}]}},"
		 " {\"uuid\": \"%s\", \"values\": {\"size\": null}}]}",
		 u0, u1, u2);
	edit(&f, "products", body);
	json_t *in = model_input(&f, "model_0002");
	json_t *canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	assert_true(json_is_null(jget(canon, "variants.0.sku")));
	violates(f.product, canon, "/variants/0/sku", "type");
	long k = variant_index(canon, sku1);
	TH_ASSERT_CMP(k, >, 0);
	/* prices sorted by currency: EUR 5.00 first, USD "19,99" second */
	snprintf(ptr, sizeof ptr, "/variants/%ld/prices/1/amount", k);
	violates(f.product, canon, ptr, "pattern");
	violates(f.product, canon, ptr, "format");
	k = variant_index(canon, sku2);
	TH_ASSERT_CMP(k, >, 0);
	assert_true(json_is_null(jget(json_array_get(json_object_get(canon, "variants"), (size_t)k), "axes.size")));
	snprintf(ptr, sizeof ptr, "/variants/%ld/axes/size", k);
	violates(f.product, canon, ptr, "type");
	json_decref(canon);
	json_decref(in);

	/* an empty SKU is refused too (minLength), a model without variants (minItems), a
	 * product without a title in any configured locale (minProperties) */
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"%s\", \"values\": {\"sku\": [{\"locale\": null, \"scope\": null, \"data\": \"\"}]}}]}",
		 u0);
	edit(&f, "products", body);
	in = model_input(&f, "model_0002");
	canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	violates(f.product, canon, "/variants/0/sku", "minLength");
	json_decref(canon);
	json_decref(in);
	edit(&f, "models", "{\"upsert\": [{\"code\": \"model_0100\"}]}");
	in = model_input(&f, "model_0100");
	canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	violates(f.product, canon, "/variants", "minItems");
	violates(f.product, canon, "/title", "minProperties");
	json_decref(canon);
	json_decref(in);
	json_decref(vs);
	fx_close(&f);
}

/* A disabled variant is a variation with status false while the product stays published; with
 * every variant disabled the product is unpublished too. A simple product made disabled is
 * unpublished. The model's updated is the newest of it and its variants, in UTC with Z. */
static void test_disabled_and_updated(void **state)
{
	(void)state;
	fx_t f;
	fx_open(&f, "seed: 7\npim: {products: 40, models: 8}\n");
	json_t *vs = variants_of(&f, "model_0003");
	size_t n = json_array_size(vs), i;
	json_t *v;
	char body[4096];
	int len = snprintf(body, sizeof body, "{\"upsert\": [{\"uuid\": \"%s\", \"enabled\": false}]}",
			   jstr(json_array_get(vs, 0), "uuid"));
	assert_true(len > 0);
	edit(&f, "products", body);
	json_t *in = model_input(&f, "model_0003"), *canon;
	json_t *plan = through(&f, in, &canon);
	long k = variant_index(canon, sku_of(json_array_get(vs, 0)));
	TH_ASSERT_CMP(k, >=, 0);
	assert_true(json_is_false(jget(json_array_get(plan_vars(plan), (size_t)k), "attributes.status")));
	assert_true(json_is_true(jget(plan, "product.status")));
	/* the product's updated is the edited variant's: now, as UTC with Z */
	const char *up = jstr(canon, "updated");
	assert_int_equal(strlen(up), 20);
	assert_int_equal(up[19], 'Z');
	TH_ASSERT_STRNCMP(up, !=, "2025-", 5); /* the seed's times are in 2025 */
	json_decref(plan);
	json_decref(canon);
	json_decref(in);

	len = snprintf(body, sizeof body, "{\"upsert\": [");
	json_array_foreach(vs, i, v)
		len += snprintf(body + len, sizeof body - (size_t)len, "%s{\"uuid\": \"%s\", \"enabled\": false}",
				i ? ", " : "", jstr(v, "uuid"));
	snprintf(body + len, sizeof body - (size_t)len, "]}");
	edit(&f, "products", body);
	in = model_input(&f, "model_0003");
	plan = through(&f, in, &canon);
	assert_true(json_is_false(jget(canon, "enabled")));
	assert_true(json_is_false(jget(plan, "product.status")));
	for (i = 0; i < n; i++)
		assert_true(json_is_false(jget(json_array_get(plan_vars(plan), i), "attributes.status")));
	json_decref(plan);
	json_decref(canon);
	json_decref(in);
	json_decref(vs);
	fx_close(&f);

	fx_open(&f, "seed: 7\npim: {products: 3, models: 0}\n");
	json_t *ps = pim_walk(&f, "products-uuid", "");
	snprintf(body, sizeof body, "{\"upsert\": [{\"uuid\": \"%s\", \"enabled\": false}]}",
		 jstr(json_array_get(ps, 1), "uuid"));
	edit(&f, "products", body);
	json_decref(ps);
	ps = pim_walk(&f, "products-uuid", "");
	in = simple_input(json_array_get(ps, 1));
	plan = through(&f, in, &canon);
	assert_true(json_is_false(jget(canon, "enabled")));
	assert_true(json_is_false(jget(plan, "product.status")));
	assert_true(json_is_false(jget(plan, "variations.0.attributes.status")));
	json_decref(plan);
	json_decref(canon);
	json_decref(in);
	json_decref(ps);
	fx_close(&f);
}

/* prices "erp": no price in the attributes seam keeps equal (the ERP's price flow owns it),
 * the PIM price to create with, "0" when the PIM has none in the currency. prices "pim": a
 * variant without a price in the store's currency fails the mapping with its SKU; EUR stores
 * get the EUR price. */
static void test_price_owner(void **state)
{
	(void)state;
	fx_t f;
	fx_open(&f, "seed: 7\npim: {products: 40, models: 8}\n");
	json_t *vs = variants_of(&f, "model_0004");
	char body[1024], want[64];
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"%s\", \"values\": {\"price\": [{\"locale\": null, \"scope\": null,"
		 " \"data\": [{\"amount\": \"7.50\", \"currency\": \"EUR\"}]}]}}]}",
		 jstr(json_array_get(vs, 0), "uuid"));
	edit(&f, "products", body);
	json_t *in = model_input(&f, "model_0004");
	json_t *canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	valid(f.product, canon);
	const char *sku = sku_of(json_array_get(vs, 0));
	long k = variant_index(canon, sku);
	TH_ASSERT_CMP(k, >=, 0);

	snprintf(want, sizeof want, "%s: no price in USD", sku);
	run_fails(&f, "canonical_to_drupal", canon, f.dctx, want);

	json_t *erp = json_deep_copy(f.dctx);
	json_object_set_new(erp, "prices", json_string("erp"));
	json_t *plan = run_ok(&f, "canonical_to_drupal", canon, erp);
	valid(f.plan, plan);
	size_t i;
	json_t *pv;
	json_array_foreach(plan_vars(plan), i, pv) {
		assert_null(jget(pv, "attributes.price"));
		assert_string_equal(jstr(pv, "create_attributes.price.currency_code"), "USD");
		if ((long)i == k)
			assert_string_equal(jstr(pv, "create_attributes.price.number"), "0");
		else
			assert_string_equal(jstr(pv, "create_attributes.price.number"),
					    jstr(json_array_get(json_object_get(canon, "variants"), i), "prices.1.amount"));
	}
	json_decref(plan);

	json_t *eur = json_deep_copy(f.dctx);
	json_object_set_new(eur, "currency", json_string("EUR"));
	json_object_set_new(eur, "locale", json_string("de_DE"));
	plan = run_ok(&f, "canonical_to_drupal", canon, eur);
	valid(f.plan, plan);
	pv = json_array_get(plan_vars(plan), (size_t)k);
	assert_string_equal(jstr(pv, "attributes.price.number"), "7.50");
	assert_string_equal(jstr(pv, "attributes.price.currency_code"), "EUR");
	assert_non_null(strstr(jstr(plan, "product.title"), "(de_DE)"));
	assert_non_null(strstr(jstr(plan, "product.body.value"), "(de_DE) for ecommerce"));
	json_decref(plan);

	json_object_set_new(erp, "prices", json_string("both"));
	run_fails(&f, "canonical_to_drupal", canon, erp, "ctx.prices is 'both'");
	json_decref(eur);
	json_decref(erp);
	json_decref(canon);
	json_decref(in);
	json_decref(vs);
	fx_close(&f);
}

/* A variant with its own name keeps it (an inherited one, equal to the model's, does not
 * count); axes not listed in ctx.attributes are not written; a variant moved to another model
 * is mapped with that model; two variants with one SKU or the same axis values are passed
 * through as they are (the flow quarantines them: duplicate_sku, axis_collision); a product
 * whose parent is another model is refused. */
static void test_titles_axes_moves_duplicates(void **state)
{
	(void)state;
	fx_t f;
	fx_open(&f, "seed: 7\npim: {products: 40, models: 8}\n");
	json_t *vs = variants_of(&f, "model_0005"), *other = variants_of(&f, "model_0006");
	const char *u0 = jstr(json_array_get(vs, 0), "uuid"), *u1 = jstr(json_array_get(vs, 1), "uuid");
	char body[1024], want[256], d1[256], d2[256];
	json_t *model = pim_get(&f, "/api/rest/v1/product-models/model_0005");
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"%s\", \"values\": {\"name\": [{\"locale\": \"en_US\", \"scope\": null,"
		 " \"data\": \"Own name\"}]}}, {\"uuid\": \"%s\", \"values\": {\"name\": %s}}]}",
		 u0, u1, dump(jget(model, "values.name"), d1, sizeof d1));
	edit(&f, "products", body);
	json_t *in = model_input(&f, "model_0005"), *canon;
	json_t *only_color = json_deep_copy(f.dctx);
	json_object_set_new(only_color, "attributes", json_pack("{s:s}", "color", "colour"));
	json_t *plan = through(&f, in, &canon);
	long k0 = variant_index(canon, sku_of(json_array_get(vs, 0)));
	long k1 = variant_index(canon, sku_of(json_array_get(vs, 1)));
	json_t *v0 = json_array_get(json_object_get(canon, "variants"), (size_t)k0);
	json_t *v1 = json_array_get(json_object_get(canon, "variants"), (size_t)k1);
	assert_string_equal(jstr(v0, "title.en_US"), "Own name");
	/* de_DE: no own value, so the model's with the axes */
	snprintf(want, sizeof want, "%s %s %s", jstr(canon, "title.de_DE"), jstr(v0, "axes.color"),
		 jstr(v0, "axes.size"));
	assert_string_equal(jstr(v0, "title.de_DE"), want);
	snprintf(want, sizeof want, "%s %s %s", jstr(canon, "title.en_US"), jstr(v1, "axes.color"),
		 jstr(v1, "axes.size"));
	assert_string_equal(jstr(v1, "title.en_US"), want);
	json_t *p2 = run_ok(&f, "canonical_to_drupal", canon, only_color);
	valid(f.plan, p2);
	assert_int_equal(json_object_size(jget(json_array_get(plan_vars(p2), 0), "axes")), 1);
	assert_string_equal(jstr(json_array_get(plan_vars(p2), (size_t)k0), "axes.colour"),
			    jstr(v0, "axes.color"));
	json_decref(p2);
	json_decref(plan);
	json_decref(canon);

	/* a product of another model in this input is refused */
	json_array_append(json_object_get(in, "products"), json_array_get(other, 0));
	run_fails(&f, "pim_to_canonical", in, f.ctx, "not model model_0005");
	json_decref(in);

	/* move model_0006's first variant here: it maps with model_0005 from now on */
	snprintf(body, sizeof body, "{\"upsert\": [{\"uuid\": \"%s\", \"parent\": \"model_0005\"}]}",
		 jstr(json_array_get(other, 0), "uuid"));
	edit(&f, "products", body);
	in = model_input(&f, "model_0005");
	json_t *before = json_incref(vs);
	canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	assert_int_equal(json_array_size(json_object_get(canon, "variants")), json_array_size(before) + 1);
	TH_ASSERT_CMP(variant_index(canon, sku_of(json_array_get(other, 0))), >=, 0);
	json_decref(canon);
	json_decref(in);
	json_decref(before);

	/* a duplicate SKU in the model */
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"%s\", \"values\": {\"sku\": [{\"locale\": null, \"scope\": null, \"data\": \"%s\"}]}}]}",
		 u1, sku_of(json_array_get(vs, 0)));
	edit(&f, "products", body);
	in = model_input(&f, "model_0005");
	canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	size_t same = 0, i;
	json_t *cv;
	json_array_foreach(json_object_get(canon, "variants"), i, cv)
		same += !strcmp(jstr(cv, "sku"), sku_of(json_array_get(vs, 0)));
	assert_int_equal(same, 2);
	json_decref(canon);
	json_decref(in);

	/* the same axis values as another variant of the model */
	json_t *v0rec = json_array_get(vs, 0);
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"uuid\": \"%s\", \"values\": {\"sku\": [{\"locale\": null, \"scope\": null, \"data\": \"SKU-X\"}],"
		 " \"color\": %s, \"size\": %s}}]}",
		 u1, dump(jget(v0rec, "values.color"), d1, sizeof d1),
		 dump(jget(v0rec, "values.size"), d2, sizeof d2));
	edit(&f, "products", body);
	in = model_input(&f, "model_0005");
	canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	k0 = variant_index(canon, sku_of(v0rec));
	k1 = variant_index(canon, "SKU-X");
	TH_ASSERT_CMP(k1, >=, 0);
	assert_true(json_equal(jget(json_array_get(json_object_get(canon, "variants"), (size_t)k0), "axes"),
			       jget(json_array_get(json_object_get(canon, "variants"), (size_t)k1), "axes")));
	json_decref(canon);
	json_decref(in);
	json_decref(only_color);
	json_decref(model);
	json_decref(other);
	json_decref(vs);
	fx_close(&f);
}

/* Times: Akeneo's "+00:00" and other offsets become UTC with Z (the product's updated is the
 * newest instant, not the greatest text); an unreadable time is passed on for the contract. A
 * missing ctx key or input that is not the shape fails the mapping. */
static void test_times_and_shape(void **state)
{
	(void)state;
	fx_t f;
	fx_open(&f, "seed: 7\npim: {products: 2, models: 1}\n");
	json_t *in = model_input(&f, "model_0001");
	json_t *ps = json_object_get(in, "products");
	json_object_set_new(json_object_get(in, "model"), "updated", json_string("2026-03-01T01:30:00+02:00"));
	json_object_set_new(json_array_get(ps, 0), "updated", json_string("2026-02-28T23:45:00-00:30"));
	json_object_set_new(json_array_get(ps, 1), "updated", json_string("2026-02-28T23:59:59.5Z"));
	json_t *canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	valid(f.product, canon);
	/* 01:30+02:00 is 23:30Z the day before; 23:45-00:30 is 00:15Z on March 1st: the newest */
	assert_string_equal(jstr(canon, "updated"), "2026-03-01T00:15:00Z");
	const char *a = jstr(canon, "variants.0.updated"), *b = jstr(canon, "variants.1.updated");
	assert_true(!strcmp(a, "2026-03-01T00:15:00Z") || !strcmp(b, "2026-03-01T00:15:00Z"));
	assert_true(!strcmp(a, "2026-02-28T23:59:59.5Z") || !strcmp(b, "2026-02-28T23:59:59.5Z"));
	json_decref(canon);

	json_object_set_new(json_array_get(ps, 1), "updated", json_string("yesterday"));
	canon = run_ok(&f, "pim_to_canonical", in, f.ctx);
	violates(f.product, canon, "/updated", "format");
	json_decref(canon);

	json_t *ctx = json_deep_copy(f.ctx);
	json_object_del(ctx, "currencies");
	run_fails(&f, "pim_to_canonical", in, ctx, "ctx needs store, channel, locales and currencies");
	json_decref(ctx);
	json_t *two = json_pack("{s:n, s:O, s:n}", "model", "products", ps, "family_variant");
	run_fails(&f, "pim_to_canonical", two, f.ctx, "a simple product is one product, got 2");
	json_decref(two);
	json_decref(in);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_catalog_holds_contracts),
		cmocka_unit_test(test_bad_records_violate_with_pointer),
		cmocka_unit_test(test_disabled_and_updated),
		cmocka_unit_test(test_price_owner),
		cmocka_unit_test(test_titles_axes_moves_duplicates),
		cmocka_unit_test(test_times_and_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
