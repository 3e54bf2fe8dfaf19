/*
 * test_pim.c: the PIM connector (connectors/pim.h) against the Akeneo-like double
 * (sim/sim_pim.c) served over HTTP in this process, with the upstream client and its OAuth2
 * password grant, and against the mock upstream for pages the double never sends.
 *
 * Covered: a search_after walk over 260 products with limit 100 sees each once and resumes
 * from a saved next link; the updated filter in Akeneo's exact format; a token that expires
 * mid-walk (and a refresh token that expired too); 429 + Retry-After waited out; 5xx and a
 * timeout repeated, a failure that persists reported after max_attempts, a 422 not repeated;
 * product models, family variants (axes), attributes (types), categories, channels, locales,
 * single records and 404; bad pages (non-JSON, no _embedded, a bad next link) as clear errors;
 * the pure helpers (date format, search text, error text).
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

#include "connectors/pim.h"
#include "core/clock.h"
#include "sim/sim.h"
#include "sim/sim_http.h"
#include "tests/support/mock_upstream.h"

#define NPRODUCTS 260

static const char yaml[] =
	"seed: 7\n"
	"pim: {products: 260, models: 52, client_id: cid, secret: csec, username: u, password: pw}\n";

typedef struct fx {
	seam_sim_config_t *cfg;
	seam_sim_t *sim;
	seam_sim_double_t *d;
	seam_sim_listener_t *l;
	seam_upstream_t *u;
	char base[128], token_url[192];
} fx_t;

static seam_upstream_t *make_upstream(fx_t *f, int64_t timeout_ms)
{
	seam_error_t err = {0};
	seam_upstream_opts_t o = {.name = "pim", .base_url = f->base, .timeout_ms = timeout_ms};
	o.breaker.disabled = 1;
	o.auth = (seam_upstream_auth_t){.type = SEAM_AUTH_OAUTH2_PASSWORD, .client_id = "cid",
					.client_secret = "csec", .username = "u", .password = "pw",
					.token_url = f->token_url};
	seam_upstream_t *u = seam_upstream_create(&o, NULL, NULL, &err);
	if (!u)
		fail_msg("upstream: %s", err.msg);
	return u;
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	seam_error_t err = {0};
	assert_non_null(f);
	if (seam_sim_config_load_string(yaml, "test.yaml", &f->cfg, &err) != SEAM_OK ||
	    seam_sim_create(f->cfg, NULL, &f->sim, &err) != SEAM_OK)
		fail_msg("sim: %s", err.msg);
	assert_non_null(f->d = seam_sim_get(f->sim, "pim"));
	if (seam_sim_http_start(f->d, "127.0.0.1:0", 2, NULL, &f->l, &err) != SEAM_OK)
		fail_msg("listen: %s", err.msg);
	snprintf(f->base, sizeof f->base, "%s", seam_sim_double_base_url(f->d));
	snprintf(f->token_url, sizeof f->token_url, "%s/api/oauth/v1/token", f->base);
	f->u = make_upstream(f, 0);
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

static void fault(fx_t *f, const char *rule)
{
	assert_in_range(control(f, "POST", "/_sim/faults", rule, NULL), 200, 201);
}

/* Recorded calls whose path starts with path. */
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

/* ---- a page function that collects ---- */

typedef struct collect {
	fx_t *f;
	json_t *seen;       /* key -> true */
	const char *key;    /* "uuid" or "code" */
	size_t pages, dups, max_page;
	char saved_next[1024];
	int stop_after;     /* > 0: SEAM_PAUSED after this many pages, saving next */
	int expire_after;   /* > 0: expire tokens at the double after this many pages */
	int expire_refresh;
	json_t *first;      /* first item (owned) */
} collect_t;

static seam_err_t on_page(void *ud, json_t *items, const char *next, seam_error_t *err)
{
	collect_t *c = ud;
	size_t i;
	json_t *it;
	c->pages++;
	if (json_array_size(items) > c->max_page)
		c->max_page = json_array_size(items);
	json_array_foreach(items, i, it) {
		const char *k = json_string_value(json_object_get(it, c->key));
		if (!k)
			return seam_errorf(err, SEAM_INVAL, "item without %s", c->key);
		if (json_object_get(c->seen, k))
			c->dups++;
		json_object_set_new(c->seen, k, json_true());
		if (!c->first)
			c->first = json_incref(it);
	}
	if (c->expire_after && (int)c->pages == c->expire_after)
		assert_int_equal(control(c->f, "POST", "/_sim/pim/expire",
					 c->expire_refresh ? "{\"refresh\":true}" : "{}", NULL),
				 200);
	if (c->stop_after && (int)c->pages == c->stop_after) {
		snprintf(c->saved_next, sizeof c->saved_next, "%s", next ? next : "");
		return seam_errorf(err, SEAM_PAUSED, "stopped after %d pages", c->stop_after);
	}
	return SEAM_OK;
}

static void collect_init(collect_t *c, fx_t *f, const char *key)
{
	memset(c, 0, sizeof *c);
	c->f = f;
	c->key = key;
	c->seen = json_object();
}

static void collect_dispose(collect_t *c)
{
	json_decref(c->seen);
	json_decref(c->first);
}

static const char *sku_of(json_t *product)
{
	json_t *v = json_array_get(json_object_get(json_object_get(product, "values"), "sku"), 0);
	return json_string_value(json_object_get(v, "data"));
}

/* ---- tests ---- */

static void test_helpers(void **state)
{
	(void)state;
	char d[SEAM_PIM_DATE_LEN + 1];
	assert_int_equal(seam_pim_date_format(0, d), 0);
	assert_string_equal(d, "1970-01-01 00:00:00");
	assert_int_equal(seam_pim_date_format(1767225599999, d), 0); /* ms are cut, not rounded */
	assert_string_equal(d, "2025-12-31 23:59:59");
	assert_true(seam_pim_date_valid("2024-02-29 23:59:59"));
	assert_false(seam_pim_date_valid("2023-02-29 00:00:00"));
	assert_false(seam_pim_date_valid("2026-01-01T00:00:00"));
	assert_false(seam_pim_date_valid("2026-01-01 00:00:00Z"));
	assert_false(seam_pim_date_valid("2026-13-01 00:00:00"));
	assert_false(seam_pim_date_valid("2026-01-01 24:00:00"));
	assert_false(seam_pim_date_valid(NULL));
	char *s = seam_pim_search_updated("2026-01-02 03:04:05");
	assert_string_equal(s, "{\"updated\":[{\"operator\":\">\",\"value\":\"2026-01-02 03:04:05\"}]}");
	free(s);
	char msg[64];
	const char *body = "{\"code\":422,\"message\":\"Validation failed.\",\"errors\":"
			   "[{\"property\":\"limit\",\"message\":\"too\\nbig\"}]}";
	seam_pim_error_text(body, strlen(body), msg, sizeof msg);
	assert_string_equal(msg, "Validation failed. (limit: too big)");
	seam_pim_error_text("<html>", 6, msg, sizeof msg);
	assert_string_equal(msg, "");
}

static void test_walk_products_once(void **state)
{
	fx_t *f = *state;
	collect_t c;
	seam_pim_outcome_t oc;
	seam_error_t err = {0};
	collect_init(&c, f, "uuid");
	seam_pim_list_t l = {.resource = SEAM_PIM_PRODUCTS};
	assert_int_equal(seam_pim_walk(f->u, &l, on_page, &c, &oc, &err), SEAM_OK);
	assert_int_equal(json_object_size(c.seen), NPRODUCTS);
	assert_int_equal(c.dups, 0);
	assert_int_equal(c.pages, 3); /* 100 + 100 + 60 */
	assert_int_equal(c.max_page, 100);
	assert_int_equal(oc.pages, 3);
	assert_int_equal(oc.items, NPRODUCTS);
	assert_int_equal(oc.calls, 3);
	/* Akeneo's shape, untouched: values with locale/scope/data, a price collection */
	assert_non_null(sku_of(c.first));
	assert_non_null(json_object_get(c.first, "parent"));
	collect_dispose(&c);
	/* the first request asked for search_after with limit 100; the later ones followed the
	 * links (an opaque search_after cursor) */
	json_t *doc = NULL;
	assert_int_equal(control(f, "GET", "/_sim/calls?path=/api/rest/v1/products-uuid", NULL, &doc), 200);
	json_t *calls = json_object_get(doc, "calls");
	assert_int_equal(json_array_size(calls), 3);
	const char *q0 = json_string_value(json_object_get(json_array_get(calls, 0), "query"));
	const char *q1 = json_string_value(json_object_get(json_array_get(calls, 1), "query"));
	assert_non_null(strstr(q0, "pagination_type=search_after"));
	assert_non_null(strstr(q0, "limit=100"));
	assert_null(strstr(q0, "search_after="));
	assert_non_null(strstr(q1, "search_after="));
	json_decref(doc);
}

static void test_walk_resumes_from_saved_link(void **state)
{
	fx_t *f = *state;
	collect_t c;
	seam_error_t err = {0};
	collect_init(&c, f, "uuid");
	c.stop_after = 2;
	seam_pim_list_t l = {.resource = SEAM_PIM_PRODUCTS, .limit = 90};
	assert_int_equal(seam_pim_walk(f->u, &l, on_page, &c, NULL, &err), SEAM_PAUSED);
	assert_string_equal(err.msg, "stopped after 2 pages");
	assert_int_equal(json_object_size(c.seen), 180);
	assert_non_null(strstr(c.saved_next, "search_after="));
	c.stop_after = 0;
	seam_pim_list_t r = {.resource = SEAM_PIM_PRODUCTS, .resume_href = c.saved_next};
	assert_int_equal(seam_pim_walk(f->u, &r, on_page, &c, NULL, &err), SEAM_OK);
	assert_int_equal(json_object_size(c.seen), NPRODUCTS);
	assert_int_equal(c.dups, 0);
	assert_int_equal(c.max_page, 90); /* the link kept the first request's limit */
	collect_dispose(&c);
}

static void test_updated_filter(void **state)
{
	fx_t *f = *state;
	collect_t c;
	seam_error_t err = {0};
	seam_pim_outcome_t oc;
	collect_init(&c, f, "uuid");
	/* The double seeds product i as updated at epoch - 30 days + i minutes (2025-12-02
	 * 00:00:00 + i min), models long before: > product 200's time leaves 201..260. */
	seam_pim_list_t l = {.resource = SEAM_PIM_PRODUCTS, .updated_after = "2025-12-02 03:20:00"};
	assert_int_equal(seam_pim_walk(f->u, &l, on_page, &c, &oc, &err), SEAM_OK);
	assert_int_equal(json_object_size(c.seen), 60);
	assert_int_equal(oc.pages, 1);
	json_t *doc = NULL;
	assert_int_equal(control(f, "GET", "/_sim/calls?path=/api/rest/v1/products-uuid", NULL, &doc), 200);
	const char *q = json_string_value(
		json_object_get(json_array_get(json_object_get(doc, "calls"), 0), "query"));
	char *dq = seam_sim_urldecode(q, strlen(q), 1);
	assert_non_null(strstr(dq, "search={\"updated\":[{\"operator\":\">\",\"value\":\"2025-12-02 03:20:00\"}]}"));
	free(dq);
	json_decref(doc);
	collect_dispose(&c);

	/* the wrong format is refused before anything is sent */
	size_t before = ncalls(f, "/api/rest/v1/");
	seam_pim_list_t bad = {.resource = SEAM_PIM_PRODUCTS, .updated_after = "2025-12-02T03:20:00Z"};
	collect_init(&c, f, "uuid");
	assert_int_equal(seam_pim_walk(f->u, &bad, on_page, &c, NULL, &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "YYYY-MM-DD hh:mm:ss"));
	seam_pim_list_t bad2 = {.resource = SEAM_PIM_FAMILIES, .updated_after = "2025-12-02 03:20:00"};
	assert_int_equal(seam_pim_walk(f->u, &bad2, on_page, &c, NULL, &err), SEAM_INVAL);
	seam_pim_list_t big = {.resource = SEAM_PIM_PRODUCTS, .limit = 101};
	assert_int_equal(seam_pim_walk(f->u, &big, on_page, &c, NULL, &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "limit 101"));
	assert_int_equal(ncalls(f, "/api/rest/v1/"), before);
	collect_dispose(&c);
}

static void token_expiry(fx_t *f, int refresh_too)
{
	collect_t c;
	seam_error_t err = {0};
	collect_init(&c, f, "uuid");
	c.expire_after = 1;
	c.expire_refresh = refresh_too;
	seam_pim_list_t l = {.resource = SEAM_PIM_PRODUCTS};
	assert_int_equal(seam_pim_walk(f->u, &l, on_page, &c, NULL, &err), SEAM_OK);
	assert_int_equal(json_object_size(c.seen), NPRODUCTS);
	assert_int_equal(c.dups, 0);
	/* one token, then one after the 401 (refresh grant; or a refused refresh and the
	 * password grant again) */
	assert_int_equal(ncalls(f, "/api/oauth/v1/token"), refresh_too ? 3 : 2);
	json_t *doc = NULL;
	assert_int_equal(control(f, "GET", "/_sim/calls?path=/api/rest/v1/products-uuid", NULL, &doc), 200);
	json_t *calls = json_object_get(doc, "calls");
	assert_int_equal(json_array_size(calls), 4); /* page 2 answered 401 once */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(calls, 1), "status")), 401);
	json_decref(doc);
	collect_dispose(&c);
}

static void test_token_expires_mid_walk(void **state)
{
	token_expiry(*state, 0);
}

static void test_refresh_token_expired_too(void **state)
{
	token_expiry(*state, 1);
}

static void test_429_retry_after_waited_out(void **state)
{
	fx_t *f = *state;
	collect_t c;
	seam_error_t err = {0};
	seam_pim_outcome_t oc;
	collect_init(&c, f, "uuid");
	fault(f, "{\"kind\":\"rate_limit\",\"retry_after\":1,\"times\":1,\"path\":\"/api/rest/v1/products-uuid\"}");
	seam_pim_list_t l = {.resource = SEAM_PIM_PRODUCTS, .backoff_base_ms = 1, .backoff_cap_ms = 1};
	double t0 = seam_mono_s();
	assert_int_equal(seam_pim_walk(f->u, &l, on_page, &c, &oc, &err), SEAM_OK);
	double took = seam_mono_s() - t0;
	assert_int_equal(json_object_size(c.seen), NPRODUCTS);
	assert_int_equal(oc.calls, 4);
	if (took < 0.95)
		fail_msg("walk took %.3f s, want >= 1 s (Retry-After: 1 waited out)", took);
	collect_dispose(&c);
}

static void test_5xx_and_timeout_repeated(void **state)
{
	fx_t *f = *state;
	collect_t c;
	seam_error_t err = {0};
	seam_pim_outcome_t oc;
	seam_upstream_destroy(f->u);
	f->u = make_upstream(f, 400);
	collect_init(&c, f, "uuid");
	fault(f, "{\"kind\":\"error\",\"status\":503,\"times\":2,\"path\":\"/api/rest/v1/products-uuid\"}");
	fault(f, "{\"kind\":\"timeout\",\"ms\":1500,\"times\":1,\"path\":\"/api/rest/v1/products-uuid\"}");
	seam_pim_list_t l = {.resource = SEAM_PIM_PRODUCTS, .backoff_base_ms = 5, .backoff_cap_ms = 20};
	assert_int_equal(seam_pim_walk(f->u, &l, on_page, &c, &oc, &err), SEAM_OK);
	assert_int_equal(json_object_size(c.seen), NPRODUCTS);
	assert_int_equal(c.dups, 0);
	assert_int_equal(oc.calls, 6); /* 503, 503, timeout, then the three pages */
	collect_dispose(&c);
}

static void test_persistent_failure_and_refusal(void **state)
{
	fx_t *f = *state;
	collect_t c;
	seam_error_t err = {0};
	seam_pim_outcome_t oc;
	collect_init(&c, f, "uuid");
	fault(f, "{\"kind\":\"error\",\"status\":500,\"path\":\"/api/rest/v1/product-models\"}");
	seam_pim_list_t l = {.resource = SEAM_PIM_PRODUCT_MODELS, .max_attempts = 3,
			     .backoff_base_ms = 1, .backoff_cap_ms = 5};
	assert_int_equal(seam_pim_walk(f->u, &l, on_page, &c, &oc, &err), SEAM_RETRY);
	assert_int_equal(oc.attempts, 3);
	assert_int_equal(oc.status, 500);
	assert_int_equal(c.pages, 0);
	assert_non_null(strstr(err.msg, "pim GET product-models: 500"));
	assert_non_null(strstr(err.msg, "after 3 attempts"));
	/* a 422 is not repeated, and carries Akeneo's message */
	size_t before = ncalls(f, "/api/rest/v1/products-uuid");
	seam_pim_list_t r = {.resource = SEAM_PIM_PRODUCTS,
			     .resume_href = "/api/rest/v1/products-uuid?limit=101"};
	assert_int_equal(seam_pim_walk(f->u, &r, on_page, &c, &oc, &err), SEAM_PERMANENT);
	assert_int_equal(oc.attempts, 1);
	assert_int_equal(ncalls(f, "/api/rest/v1/products-uuid"), before + 1);
	assert_non_null(strstr(err.msg, "422 You cannot request more than 100 items."));
	collect_dispose(&c);
}

static void test_models_and_structure(void **state)
{
	fx_t *f = *state;
	collect_t c;
	seam_error_t err = {0};
	seam_pim_outcome_t oc;
	json_t *rec = NULL;

	collect_init(&c, f, "code");
	seam_pim_list_t m = {.resource = SEAM_PIM_PRODUCT_MODELS, .limit = 20};
	assert_int_equal(seam_pim_walk(f->u, &m, on_page, &c, &oc, &err), SEAM_OK);
	assert_int_equal(json_object_size(c.seen), 52);
	assert_int_equal(c.pages, 3);
	assert_string_equal(json_string_value(json_object_get(c.first, "family_variant")),
			    "clothing_color_size");
	collect_dispose(&c);

	collect_init(&c, f, "code");
	seam_pim_list_t v = {.resource = SEAM_PIM_FAMILY_VARIANTS, .family = "clothing"};
	if (seam_pim_walk(f->u, &v, on_page, &c, NULL, &err) != SEAM_OK)
		fail_msg("variants: %s", err.msg);
	assert_int_equal(json_object_size(c.seen), 1);
	collect_dispose(&c);
	assert_int_equal(seam_pim_get(f->u, SEAM_PIM_FAMILY_VARIANTS, "clothing",
				      "clothing_color_size", NULL, &rec, NULL, &err), SEAM_OK);
	json_t *set = json_array_get(json_object_get(rec, "variant_attribute_sets"), 0);
	assert_int_equal(json_integer_value(json_object_get(set, "level")), 1);
	json_t *axes = json_object_get(set, "axes");
	assert_int_equal(json_array_size(axes), 2);
	assert_string_equal(json_string_value(json_array_get(axes, 0)), "color");
	assert_string_equal(json_string_value(json_array_get(axes, 1)), "size");
	json_decref(rec);

	/* attributes with page pagination: 8 of them, 3 a page */
	collect_init(&c, f, "code");
	seam_pim_list_t a = {.resource = SEAM_PIM_ATTRIBUTES, .limit = 3};
	assert_int_equal(seam_pim_walk(f->u, &a, on_page, &c, NULL, &err), SEAM_OK);
	assert_int_equal(json_object_size(c.seen), 8);
	assert_int_equal(c.pages, 3);
	collect_dispose(&c);
	assert_int_equal(seam_pim_get(f->u, SEAM_PIM_ATTRIBUTES, NULL, "price", NULL, &rec, NULL, &err),
			 SEAM_OK);
	assert_string_equal(json_string_value(json_object_get(rec, "type")),
			    "pim_catalog_price_collection");
	json_decref(rec);

	static const struct {
		seam_pim_resource_e r;
		size_t n;
	} lists[] = {{SEAM_PIM_FAMILIES, 1}, {SEAM_PIM_CATEGORIES, 3}, {SEAM_PIM_CHANNELS, 2},
		     {SEAM_PIM_LOCALES, 2}};
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
		collect_init(&c, f, "code");
		seam_pim_list_t x = {.resource = lists[i].r};
		assert_int_equal(seam_pim_walk(f->u, &x, on_page, &c, NULL, &err), SEAM_OK);
		if (json_object_size(c.seen) != lists[i].n)
			fail_msg("%s: got %zu, want %zu", seam_pim_resource_name(lists[i].r),
				 json_object_size(c.seen), lists[i].n);
		collect_dispose(&c);
	}

	/* one product by its UUID, a model by code; 404; a code that is no code */
	collect_init(&c, f, "uuid");
	c.stop_after = 1;
	seam_pim_list_t p = {.resource = SEAM_PIM_PRODUCTS, .limit = 1};
	assert_int_equal(seam_pim_walk(f->u, &p, on_page, &c, NULL, &err), SEAM_PAUSED);
	const char *uuid = json_string_value(json_object_get(c.first, "uuid"));
	assert_int_equal(seam_pim_get(f->u, SEAM_PIM_PRODUCTS, NULL, uuid, NULL, &rec, NULL, &err),
			 SEAM_OK);
	assert_string_equal(sku_of(rec), sku_of(c.first));
	json_decref(rec);
	collect_dispose(&c);
	assert_int_equal(seam_pim_get(f->u, SEAM_PIM_PRODUCT_MODELS, NULL, "model_0003", NULL, &rec,
				      NULL, &err), SEAM_OK);
	assert_string_equal(json_string_value(json_object_get(rec, "code")), "model_0003");
	json_decref(rec);
	assert_int_equal(seam_pim_get(f->u, SEAM_PIM_PRODUCT_MODELS, NULL, "nope", NULL, &rec, &oc,
				      &err), SEAM_NOTFOUND);
	assert_null(rec);
	assert_int_equal(oc.attempts, 1);
	assert_non_null(strstr(err.msg, "does not exist"));
	assert_int_equal(seam_pim_get(f->u, SEAM_PIM_PRODUCTS, NULL, "../attributes", NULL, &rec,
				      NULL, &err), SEAM_INVAL);
	assert_int_equal(seam_pim_get(f->u, SEAM_PIM_FAMILY_VARIANTS, "clothing/x", "a", NULL, &rec,
				      NULL, &err), SEAM_INVAL);
}

/* ---- bad pages, from the mock upstream ---- */

static void bad_page(const char *page1, const char *page2, const char *want)
{
	th_mock_t *mk = th_mock_start("application/json");
	char base[64];
	seam_error_t err = {0};
	snprintf(base, sizeof base, "http://127.0.0.1:%d", th_mock_port(mk));
	seam_upstream_opts_t o = {.name = "pim", .base_url = base};
	seam_upstream_t *u = seam_upstream_create(&o, NULL, NULL, &err);
	assert_non_null(u);
	th_mock_push(mk, 200, page1, NULL, 0, NULL, NULL);
	if (page2)
		th_mock_push(mk, 200, page2, NULL, 0, NULL, NULL);
	collect_t c;
	collect_init(&c, NULL, "code");
	seam_pim_list_t l = {.resource = SEAM_PIM_CATEGORIES};
	seam_err_t rc = seam_pim_walk(u, &l, on_page, &c, NULL, &err);
	if (rc != SEAM_UPSTREAM || !strstr(err.msg, want))
		fail_msg("got %s '%s', want upstream '%s'", seam_errname(rc), err.msg, want);
	assert_int_equal(th_mock_nseen(mk), page2 ? 2 : 1); /* not repeated */
	collect_dispose(&c);
	seam_upstream_destroy(u);
	th_mock_stop(mk);
}

static void test_bad_pages(void **state)
{
	(void)state;
	bad_page("<html>502 Bad Gateway</html>", NULL, "pim GET categories: page 1: pim page: not JSON");
	bad_page("{\"_links\":{}}", NULL, "page 1: pim page: no _embedded.items array");
	bad_page("{\"_embedded\":{\"items\":{}}}", NULL, "no _embedded.items array");
	bad_page("[]", NULL, "no _embedded.items array");
	bad_page("{\"_embedded\":{\"items\":[{\"code\":\"a\"}, 3]}}", NULL, "item 1 is not an object");
	bad_page("{\"_embedded\":{\"items\":[]},\"_links\":{\"next\":{\"href\":7}}}", NULL,
		 "_links.next has no href");
	bad_page("{\"_embedded\":{\"items\":[{\"code\":\"a\"}]},\"_links\":{\"next\":{\"href\":"
		 "\"/api/rest/v1/categories?page=2\"}}}",
		 "", "page 2: pim page: empty body");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helpers),
		cmocka_unit_test_setup_teardown(test_walk_products_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_resumes_from_saved_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_updated_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_expires_mid_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_token_expired_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_429_retry_after_waited_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_5xx_and_timeout_repeated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistent_failure_and_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_models_and_structure, setup, teardown),
		cmocka_unit_test(test_bad_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
