/*
 * test_drupal_products.c: the connector's catalog calls (drupal.h, products.c) against the
 * Drupal double (sim/drupal) served over HTTP in this process, through the upstream client
 * with Basic auth, as the catalog flow uses them.
 *
 * Covered: a product and its variation created, found by seam_pim_id (with the variations in
 * relationship order) and by SKU, PATCHed (only what is sent changes), compared with the
 * double's flat catalog; a duplicate SKU and the fault switch as 422 whose message names the
 * field; 404 on a PATCH of a resource that is gone; lookups of nothing; case-variant matches
 * ignored; an attribute value created once then found; a walk over 120 products in pages of
 * 50 that skips products without seam_pim_id, and a walk stopped by its callback; bad
 * arguments refused before anything is sent; translations through the module's endpoint
 * (created, read, removed, refused). SEAM_BENCH_PRODUCTS=N runs N product creates
 * with 5 variations each and prints the rate (the double's write ceiling through seam's
 * client).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "connectors/drupal/drupal.h"
#include "core/clock.h"
#include "sim/sim.h"
#include "sim/sim_http.h"

static const char yaml[] = "seed: 3\n"
			   "drupal: {products: 4, variations: 2, orders: 0, customers: 1, "
			   "user: seam, password: pw}\n";

typedef struct fx {
	seam_sim_config_t *cfg;
	seam_sim_t *sim;
	seam_sim_double_t *d;
	seam_sim_listener_t *l;
	seam_upstream_t *u;
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	seam_error_t err = {0};
	assert_non_null(f);
	if (seam_sim_config_load_string(yaml, "test.yaml", &f->cfg, &err) != SEAM_OK ||
	    seam_sim_create(f->cfg, NULL, &f->sim, &err) != SEAM_OK)
		fail_msg("sim: %s", err.msg);
	assert_non_null(f->d = seam_sim_get(f->sim, "drupal"));
	if (seam_sim_http_start(f->d, "127.0.0.1:0", 2, NULL, &f->l, &err) != SEAM_OK)
		fail_msg("listen: %s", err.msg);
	seam_upstream_opts_t o = {.name = "drupal", .base_url = seam_sim_double_base_url(f->d),
				  .timeout_ms = 5000};
	o.breaker.disabled = 1;
	o.auth = (seam_upstream_auth_t){.type = SEAM_AUTH_BASIC, .username = "seam", .password = "pw"};
	if (!(f->u = seam_upstream_create(&o, NULL, NULL, &err)))
		fail_msg("upstream: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	seam_upstream_destroy(f->u);
	seam_sim_stopping(f->sim);
	seam_sim_http_stop(f->l);
	seam_sim_destroy(f->sim);
	seam_sim_config_destroy(f->cfg);
	free(f);
	return 0;
}

/* A control call to the double, in process; returns the status. */
static int control(fx_t *f, const char *method, const char *target, const char *body,
		   json_t **out)
{
	seam_sim_resp_t r;
	const char *h[] = {"Content-Type: application/json", NULL};
	seam_sim_request(f->d, method, target, h, body, &r);
	int st = r.status;
	if (out)
		*out = json_incref(r.json);
	seam_sim_resp_dispose(&r);
	return st;
}

/* Requests the double recorded whose path starts with path. */
static size_t ncalls(fx_t *f, const char *path)
{
	char target[256];
	json_t *doc = NULL;
	snprintf(target, sizeof target, "/_sim/calls?path=%s&limit=100000", path);
	assert_int_equal(control(f, "GET", target, NULL, &doc), 200);
	size_t n = json_array_size(json_object_get(doc, "calls"));
	json_decref(doc);
	return n;
}

/* POSTs a variation; its uuid into id (37 bytes). attrs: stolen. */
static void new_variation(fx_t *f, json_t *attrs, json_t *rels, char id[37])
{
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *out = NULL;
	seam_drupal_write_t w = {.entity = "commerce_product_variation", .attributes = attrs,
				 .relationships = rels};
	seam_err_t rc = seam_drupal_write_entity(f->u, "cid-1", &w, &out, &oc, &err);
	if (rc != SEAM_OK)
		fail_msg("create variation: %s", err.msg);
	assert_int_equal(oc.status, 201);
	snprintf(id, 37, "%s", seam_drupal_id(out));
	json_decref(out);
	json_decref(attrs);
}

static json_t *var_attrs(const char *sku, const char *price)
{
	return json_pack("{s:s, s:s, s:b, s:{s:s, s:s}}", "sku", sku, "title", sku, "status", 1,
			 "price", "number", price, "currency_code", "USD");
}

/* POSTs a product with seam_pim_id pim listing the variation ids given (NULL-terminated). */
static void new_product(fx_t *f, const char *pim, const char *title, const char *const *vars,
			char id[37])
{
	seam_error_t err = {0};
	json_t *list = json_array(), *out = NULL;
	for (; vars && *vars; vars++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "type",
						      "commerce_product_variation--default", "id", *vars));
	json_t *attrs = json_pack("{s:s, s:s, s:b}", "seam_pim_id", pim, "title", title, "status", 1);
	json_t *rels = json_pack("{s:{s:o}}", "variations", "data", list);
	seam_drupal_write_t w = {.entity = "commerce_product", .attributes = attrs, .relationships = rels};
	if (seam_drupal_write_entity(f->u, "cid-1", &w, &out, NULL, &err) != SEAM_OK)
		fail_msg("create product: %s", err.msg);
	snprintf(id, 37, "%s", seam_drupal_id(out));
	json_decref(out);
	json_decref(attrs);
	json_decref(rels);
}

/* ---- tests ---- */

static void test_create_find_patch(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	char black[37], s[37], v1[37], v2[37], pid[37];

	assert_int_equal(seam_drupal_attribute_value(f->u, "c", "color", "black", 1, black, &oc, &err),
			 SEAM_OK);
	assert_int_equal(seam_drupal_attribute_value(f->u, "c", "size", "s", 1, s, &oc, &err), SEAM_OK);
	json_t *rels = json_pack("{s:{s:{s:s, s:s}}, s:{s:{s:s, s:s}}}", "attribute_color", "data",
				 "type", "commerce_product_attribute_value--color", "id", black,
				 "attribute_size", "data", "type",
				 "commerce_product_attribute_value--size", "id", s);
	new_variation(f, var_attrs("SKU-A-2", "19.99"), rels, v2);
	new_variation(f, var_attrs("SKU-A-1", "9.50"), NULL, v1);
	json_decref(rels);
	const char *order[] = {v2, v1, NULL};
	new_product(f, "model_0001", "Product 1", order, pid);

	/* found by seam_pim_id, variations in relationship order */
	json_t *p = NULL, *vars = NULL;
	size_t nmatch = 9;
	assert_int_equal(seam_drupal_find_product(f->u, "c", NULL, "model_0001", &p, &vars, &nmatch,
						  &oc, &err),
			 SEAM_OK);
	assert_int_equal(oc.status, 200);
	assert_int_equal(nmatch, 1);
	assert_string_equal(seam_drupal_id(p), pid);
	assert_string_equal(seam_drupal_attr_str(p, "title"), "Product 1");
	assert_int_equal(json_array_size(vars), 2);
	assert_string_equal(seam_drupal_attr_str(json_array_get(vars, 0), "sku"), "SKU-A-2");
	assert_string_equal(seam_drupal_attr_str(json_array_get(vars, 1), "sku"), "SKU-A-1");
	assert_string_equal(seam_drupal_id(seam_drupal_rel(json_array_get(vars, 0), "attribute_color", 0)),
			    black);
	json_decref(p);
	json_decref(vars);

	/* found by SKU; its product is product_id (the back-reference Drupal sets) */
	json_t *v = NULL;
	assert_int_equal(seam_drupal_find_variation(f->u, "c", NULL, "SKU-A-1", &v, &oc, &err), SEAM_OK);
	assert_string_equal(seam_drupal_id(v), v1);
	assert_string_equal(seam_drupal_id(seam_drupal_rel(v, "product_id", 0)), pid);
	json_decref(v);

	/* PATCH: only what is sent changes */
	json_t *attrs = json_pack("{s:s}", "title", "Product 1 (new)"), *out = NULL;
	seam_drupal_write_t w = {.entity = "commerce_product", .uuid = pid, .attributes = attrs};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, &out, &oc, &err), SEAM_OK);
	assert_int_equal(oc.status, 200);
	assert_string_equal(seam_drupal_attr_str(out, "title"), "Product 1 (new)");
	assert_string_equal(seam_drupal_attr_str(out, "seam_pim_id"), "model_0001");
	assert_int_equal(seam_drupal_rel_count(out, "variations"), 2);
	json_decref(out);
	json_decref(attrs);
	attrs = json_pack("{s:b, s:{s:s, s:s}}", "status", 0, "price", "number", "12.00",
			  "currency_code", "USD");
	w = (seam_drupal_write_t){.entity = "commerce_product_variation", .uuid = v1,
				  .attributes = attrs};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_OK);
	json_decref(attrs);

	/* the double's catalog, field by field */
	json_t *cat = NULL, *cp = NULL, *it;
	size_t i;
	assert_int_equal(control(f, "GET", "/_sim/drupal/catalog", NULL, &cat), 200);
	json_array_foreach(json_object_get(cat, "products"), i, it)
		if (json_is_string(json_object_get(it, "seam_pim_id")))
			cp = it;
	assert_non_null(cp);
	assert_string_equal(json_string_value(json_object_get(cp, "title")), "Product 1 (new)");
	json_t *cv = json_object_get(cp, "variations");
	assert_int_equal(json_array_size(cv), 2);
	json_t *a2 = json_array_get(cv, 0), *a1 = json_array_get(cv, 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(a2, "attributes"), "color")),
			    "black");
	assert_string_equal(json_string_value(json_object_get(json_object_get(a2, "attributes"), "size")),
			    "s");
	assert_true(json_is_false(json_object_get(a1, "status")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(a1, "price"), "number")), "12");
	assert_int_equal(json_object_size(json_object_get(a1, "attributes")), 0);
	json_decref(cat);
}

static void test_refusals(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	char vid[37], pid[37];
	new_variation(f, var_attrs("SKU-DUP", "1"), NULL, vid);

	/* a second variation with that SKU: Commerce's 422, the field named */
	json_t *attrs = var_attrs("SKU-DUP", "2"), *out = (json_t *)1;
	seam_drupal_write_t w = {.entity = "commerce_product_variation", .attributes = attrs};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, &out, &oc, &err), SEAM_PERMANENT);
	assert_null(out);
	assert_int_equal(oc.status, 422);
	assert_string_equal(err.msg,
			    "drupal: POST /jsonapi/commerce_product_variation/default: HTTP 422: "
			    "Unprocessable Content: sku: The SKU SKU-DUP is already in use and must "
			    "be unique. (at /data/attributes/sku)");
	json_decref(attrs);

	/* the fault switch: a product's seam_pim_id, on create and on PATCH */
	const char *none[] = {NULL};
	new_product(f, "model_0003", "Three", none, pid);
	assert_int_equal(control(f, "POST", "/_sim/drupal/faults", "{\"reject\":[\"model_0003\"]}", NULL),
			 200);
	attrs = json_pack("{s:s}", "title", "Three again");
	w = (seam_drupal_write_t){.entity = "commerce_product", .uuid = pid, .attributes = attrs};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_PERMANENT);
	assert_int_equal(oc.status, 422);
	assert_non_null(strstr(err.msg, "HTTP 422"));
	assert_non_null(strstr(err.msg, "seam_pim_id: "));
	assert_non_null(strstr(err.msg, "(at /data/attributes/seam_pim_id)"));
	assert_int_equal(control(f, "POST", "/_sim/drupal/faults", "{\"reject\":[]}", NULL), 200);
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_OK);
	json_decref(attrs);

	/* PATCH of a resource that is gone: notfound */
	attrs = json_pack("{s:s}", "title", "x");
	w = (seam_drupal_write_t){.entity = "commerce_product",
				  .uuid = "00000000-0000-4000-8000-000000000000", .attributes = attrs};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_NOTFOUND);
	assert_int_equal(oc.status, 404);
	json_decref(attrs);

	/* a relationship to a value of another attribute is refused */
	char big[37];
	assert_int_equal(seam_drupal_attribute_value(f->u, "c", "size", "xl", 1, big, &oc, &err),
			 SEAM_OK);
	attrs = json_object();
	json_t *rels = json_pack("{s:{s:{s:s, s:s}}}", "attribute_color", "data", "type",
				 "commerce_product_attribute_value--size", "id", big);
	w = (seam_drupal_write_t){.entity = "commerce_product_variation", .uuid = vid,
				  .attributes = attrs, .relationships = rels};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_PERMANENT);
	assert_int_equal(oc.status, 422);
	assert_non_null(strstr(err.msg, "attribute_color.0.target_id: This entity"));
	json_decref(attrs);
	json_decref(rels);

	/* bad arguments: nothing is sent */
	size_t before = ncalls(f, "/jsonapi");
	attrs = json_object();
	w = (seam_drupal_write_t){.entity = "node", .attributes = attrs};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_INVAL);
	w = (seam_drupal_write_t){.entity = "commerce_product", .uuid = "a/b", .attributes = attrs};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_INVAL);
	w = (seam_drupal_write_t){.entity = "commerce_product", .attributes = NULL};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_INVAL);
	json_decref(attrs);
	json_t *p = NULL, *vars = NULL, *v = NULL;
	assert_int_equal(seam_drupal_find_product(f->u, "c", NULL, "", &p, &vars, NULL, &oc, &err),
			 SEAM_INVAL);
	assert_int_equal(seam_drupal_find_variation(f->u, "c", "bad bundle", "X", &v, &oc, &err),
			 SEAM_INVAL);
	char u[37];
	assert_int_equal(seam_drupal_attribute_value(f->u, "c", "../color", "x", 1, u, &oc, &err),
			 SEAM_INVAL);
	assert_int_equal(ncalls(f, "/jsonapi"), before);
}

static void test_lookups_of_nothing(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *p = (json_t *)1, *vars = NULL, *v = (json_t *)1;
	size_t nmatch = 7;
	assert_int_equal(seam_drupal_find_product(f->u, "c", NULL, "model_9999", &p, &vars, &nmatch,
						  &oc, &err),
			 SEAM_OK);
	assert_null(p);
	assert_true(json_is_array(vars));
	assert_int_equal(json_array_size(vars), 0);
	assert_int_equal(nmatch, 0);
	json_decref(vars);
	assert_int_equal(seam_drupal_find_variation(f->u, "c", NULL, "SKU-NONE", &v, &oc, &err), SEAM_OK);
	assert_null(v);
	/* Drupal's "=" is case-insensitive on most databases: a case variant is another key */
	char id[37];
	new_variation(f, var_attrs("SKU-case", "1"), NULL, id);
	assert_int_equal(control(f, "GET", "/_sim/drupal/ping", NULL, NULL), 200);
	assert_int_equal(seam_drupal_find_variation(f->u, "c", NULL, "SKU-CASE", &v, &oc, &err), SEAM_OK);
	assert_null(v);
	/* an unpublished product an account may not see: finding "nothing" would double it */
	char pid[37];
	new_product(f, "model_0042", "Hidden", NULL, pid);
	json_t *attrs = json_pack("{s:b}", "status", 0);
	seam_drupal_write_t w = {.entity = "commerce_product", .uuid = pid, .attributes = attrs};
	assert_int_equal(seam_drupal_write_entity(f->u, "c", &w, NULL, &oc, &err), SEAM_OK);
	json_decref(attrs);
	seam_upstream_opts_t o = {.name = "drupal", .base_url = seam_sim_double_base_url(f->d),
				  .timeout_ms = 5000};
	o.breaker.disabled = 1;
	seam_upstream_t *anon = seam_upstream_create(&o, NULL, NULL, &err);
	assert_non_null(anon);
	assert_int_equal(seam_drupal_find_product(anon, "c", NULL, "model_0042", &p, &vars, &nmatch,
						  &oc, &err),
			 SEAM_PERMANENT);
	assert_null(p);
	assert_null(vars);
	assert_non_null(strstr(err.msg, "meta.omitted"));
	seam_upstream_destroy(anon);
	char u[37];
	assert_int_equal(seam_drupal_attribute_value(f->u, "c", "color", "white", 0, u, &oc, &err),
			 SEAM_NOTFOUND);
	assert_string_equal(u, "");
	assert_non_null(strstr(err.msg, "no value named 'white'"));
}

static void test_attribute_value_created_once(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	char a[37], b[37];
	assert_int_equal(seam_drupal_attribute_value(f->u, "c", "color", "red", 1, a, &oc, &err), SEAM_OK);
	assert_int_equal(oc.status, 201);
	size_t posts = ncalls(f, "/jsonapi/commerce_product_attribute_value/color");
	assert_int_equal(seam_drupal_attribute_value(f->u, "c", "color", "red", 1, b, &oc, &err), SEAM_OK);
	assert_int_equal(oc.status, 200);
	assert_string_equal(a, b);
	/* one GET the second time, no POST */
	assert_int_equal(ncalls(f, "/jsonapi/commerce_product_attribute_value/color"), posts + 1);
	json_t *doc = NULL;
	assert_int_equal(control(f, "GET", "/jsonapi/commerce_product_attribute_value/color?filter[name]=red",
				 NULL, &doc),
			 200);
	assert_int_equal(json_array_size(json_object_get(doc, "data")), 1);
	json_decref(doc);
	/* the same name in another attribute is another value */
	assert_int_equal(seam_drupal_attribute_value(f->u, "c", "size", "red", 1, b, &oc, &err), SEAM_OK);
	assert_string_not_equal(a, b);
}

typedef struct walk {
	json_t *seen;
	int64_t last_id;
	size_t n, with_vars, stop_at;
	int out_of_order;
} walk_t;

static seam_err_t on_product(json_t *product, json_t *variations, void *ud)
{
	walk_t *w = ud;
	json_t *id = seam_drupal_attr(product, "drupal_internal__product_id");
	if (json_integer_value(id) <= w->last_id)
		w->out_of_order = 1;
	w->last_id = json_integer_value(id);
	if (!seam_drupal_attr_str(product, "seam_pim_id"))
		return SEAM_INVAL;
	json_object_set_new(w->seen, seam_drupal_id(product), json_true());
	if (json_array_size(variations) == 1 &&
	    seam_drupal_attr_str(json_array_get(variations, 0), "sku"))
		w->with_vars++;
	if (++w->n == w->stop_at)
		return SEAM_PAUSED;
	return SEAM_OK;
}

static void test_walk_pages(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	char pid[37], vid[37], pim[32], sku[32];
	for (int i = 1; i <= 120; i++) {
		const char *vars[] = {vid, NULL};
		snprintf(pim, sizeof pim, "model_%04d", i);
		if (i % 2) {
			snprintf(sku, sizeof sku, "SKU-W-%04d", i);
			new_variation(f, var_attrs(sku, "5"), NULL, vid);
		}
		new_product(f, pim, pim, i % 2 ? vars : NULL, pid);
	}
	walk_t w = {.seen = json_object()};
	int pages = 0;
	size_t before = ncalls(f, "/jsonapi/commerce_product/default");
	assert_int_equal(seam_drupal_walk_products(f->u, "c", NULL, 0, on_product, &w, &pages, &oc, &err),
			 SEAM_OK);
	assert_int_equal(pages, 3);
	assert_int_equal(ncalls(f, "/jsonapi/commerce_product/default"), before + 3);
	assert_int_equal(w.n, 120); /* the 4 seeded products have no seam_pim_id */
	assert_int_equal(json_object_size(w.seen), 120);
	assert_int_equal(w.with_vars, 60);
	assert_false(w.out_of_order);
	json_decref(w.seen);

	/* the callback stops the walk: its code is the result */
	walk_t s = {.seen = json_object(), .stop_at = 55};
	assert_int_equal(seam_drupal_walk_products(f->u, "c", NULL, 50, on_product, &s, &pages, &oc, &err),
			 SEAM_PAUSED);
	assert_int_equal(pages, 2);
	assert_int_equal(s.n, 55);
	json_decref(s.seen);
}

/* SEAM_BENCH_PRODUCTS=N: N products with 5 variations each, every one POSTed through the
 * connector (lookups first, as the flow does), then one walk; prints the rates. */
/* Translations through the module's endpoint: none yet, created, read back, replaced in
 * part, removed; a language the site lacks, a variation that is not the product's, a product
 * that does not exist. */
static void test_translations(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	char v1[37], v2[37], other[37], pid[37];
	json_t *t = NULL;
	new_variation(f, var_attrs("SKU-T-1", "1.00"), NULL, v1);
	new_variation(f, var_attrs("SKU-T-2", "2.00"), NULL, v2);
	new_variation(f, var_attrs("SKU-T-3", "3.00"), NULL, other);
	const char *order[] = {v1, v2, NULL};
	new_product(f, "model_t", "Shirt", order, pid);

	assert_int_equal(seam_drupal_translation_get(f->u, "c", pid, "de", &t, &oc, &err), SEAM_OK);
	assert_null(t);
	assert_int_equal(oc.status, 404);

	json_t *want = json_pack("{s:s, s:{s:s, s:s}, s:{s:{s:s}}}", "title", "Hemd", "body", "value",
				 "Ein Hemd", "format", "plain_text", "variations", v1, "title",
				 "Hemd schwarz");
	assert_int_equal(seam_drupal_translation_put(f->u, "c", pid, "de", want, &t, &oc, &err), SEAM_OK);
	assert_int_equal(oc.status, 200);
	assert_string_equal(json_string_value(json_object_get(t, "title")), "Hemd");
	json_decref(t);
	json_decref(want);
	assert_int_equal(seam_drupal_translation_get(f->u, "c", pid, "de", &t, &oc, &err), SEAM_OK);
	assert_non_null(t);
	assert_string_equal(json_string_value(json_object_get(json_object_get(t, "body"), "value")),
			    "Ein Hemd");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(t, "variations"), v1), "title")),
			    "Hemd schwarz");
	assert_null(json_object_get(json_object_get(t, "variations"), v2));
	json_decref(t);
	/* the default language is untouched */
	json_t *p = NULL, *vars = NULL;
	assert_int_equal(seam_drupal_find_product(f->u, "c", NULL, "model_t", &p, &vars, NULL, &oc, &err),
			 SEAM_OK);
	assert_string_equal(seam_drupal_attr_str(p, "title"), "Shirt");
	json_decref(p);
	json_decref(vars);

	/* refusals: each with the module's reason */
	want = json_pack("{s:s}", "title", "Chemise");
	assert_int_equal(seam_drupal_translation_put(f->u, "c", pid, "it", want, NULL, &oc, &err),
			 SEAM_UNSUPPORTED);
	assert_int_equal(oc.status, 409);
	assert_non_null(strstr(err.msg, "not enabled"));
	json_decref(want);
	want = json_pack("{s:s, s:{s:{s:s}}}", "title", "Chemise", "variations", other, "title", "x");
	assert_int_equal(seam_drupal_translation_put(f->u, "c", pid, "fr", want, NULL, &oc, &err),
			 SEAM_PERMANENT);
	assert_int_equal(oc.status, 422);
	assert_non_null(strstr(err.msg, "not one of the product's"));
	json_decref(want);
	want = json_pack("{s:s}", "title", "Chemise");
	assert_int_equal(seam_drupal_translation_put(f->u, "c", "00000000-0000-4000-8000-000000000000",
						     "fr", want, NULL, &oc, &err),
			 SEAM_NOTFOUND);
	json_decref(want);
	assert_int_equal(seam_drupal_translation_get(f->u, "c", "../x", "de", &t, &oc, &err), SEAM_INVAL);

	/* removed: the product's and its variations' */
	assert_int_equal(seam_drupal_translation_delete(f->u, "c", pid, "de", &oc, &err), SEAM_OK);
	assert_int_equal(oc.status, 204);
	assert_int_equal(seam_drupal_translation_get(f->u, "c", pid, "de", &t, &oc, &err), SEAM_OK);
	assert_null(t);
	json_t *cat = NULL, *it;
	size_t i;
	assert_int_equal(control(f, "GET", "/_sim/drupal/catalog", NULL, &cat), 200);
	json_array_foreach(json_object_get(cat, "products"), i, it)
		if (!strcmp(json_string_value(json_object_get(it, "uuid")), pid)) {
			assert_int_equal(json_object_size(json_object_get(it, "translations")), 0);
			assert_int_equal(json_object_size(json_object_get(
						 json_array_get(json_object_get(it, "variations"), 0),
						 "translations")),
					 0);
		}
	json_decref(cat);
}

static void test_bench(void **state)
{
	fx_t *f = *state;
	long n = strtol(getenv("SEAM_BENCH_PRODUCTS"), NULL, 10);
	assert_true(n > 0);
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	int64_t t0 = seam_now_ms();
	for (long i = 0; i < n; i++) {
		char pim[32], sku[32], vids[5][37], pid[37];
		const char *vars[6] = {0};
		json_t *p = NULL, *vs = NULL, *v = NULL;
		snprintf(pim, sizeof pim, "bench_%06ld", i);
		assert_int_equal(seam_drupal_find_product(f->u, "b", NULL, pim, &p, &vs, NULL, &oc, &err),
				 SEAM_OK);
		json_decref(p);
		json_decref(vs);
		for (int k = 0; k < 5; k++) {
			snprintf(sku, sizeof sku, "B-%06ld-%d", i, k);
			assert_int_equal(seam_drupal_find_variation(f->u, "b", NULL, sku, &v, &oc, &err),
					 SEAM_OK);
			new_variation(f, var_attrs(sku, "9.99"), NULL, vids[k]);
			vars[k] = vids[k];
		}
		new_product(f, pim, pim, vars, pid);
	}
	int64_t t1 = seam_now_ms();
	walk_t w = {.seen = json_object()};
	int pages = 0;
	assert_int_equal(seam_drupal_walk_products(f->u, "b", NULL, 0, on_product, &w, &pages, &oc, &err),
			 SEAM_OK);
	int64_t t2 = seam_now_ms();
	assert_int_equal((long)w.n, n);
	json_decref(w.seen);
	/* the double's ceiling through the same client: a static answer, no lock */
	int64_t t3 = seam_now_ms();
	for (long i = 0; i < n * 2; i++) {
		seam_response_t resp = {0};
		seam_call_t call = {.method = "GET", .path = "/_sim/drupal/ping"};
		assert_int_equal(seam_upstream_call(f->u, &call, &resp, &err), SEAM_OK);
		seam_response_dispose(&resp);
	}
	int64_t t4 = seam_now_ms();
	printf("bench: ping ceiling %.0f requests/s (%ld in %lld ms)\n",
	       n * 2 * 1000.0 / (double)(t4 - t3 + 1), n * 2, (long long)(t4 - t3));
	printf("bench: %ld products + %ld variations (12 requests each) in %lld ms (%.0f products/s, "
	       "%.0f requests/s); walk of %d pages in %lld ms\n",
	       n, n * 5, (long long)(t1 - t0), n * 1000.0 / (double)(t1 - t0 + 1),
	       n * 12 * 1000.0 / (double)(t1 - t0 + 1), pages, (long long)(t2 - t1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_find_patch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookups_of_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attribute_value_created_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_translations, setup, teardown),
	};
	/* the measurement only when asked for: it is not a test of behaviour */
	const struct CMUnitTest bench[] = {
		cmocka_unit_test_setup_teardown(test_bench, setup, teardown),
	};
	if (getenv("SEAM_BENCH_PRODUCTS"))
		return cmocka_run_group_tests(bench, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
