/* test_api_contracts.c: request validation in the server's before hook (src/api/api_contracts.c)
 * over a real server on 127.0.0.1 and a registry of the test's own: a body that breaks the
 * route's contract is 422 invalid-body with every error and the handler does not run; a valid
 * one reaches it; webhook-style raw routes are left to their handler; a route naming a contract
 * the registry lacks (or no registry at all) fails closed with 500; the problem's detail names
 * the first errors and how many more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "api/api_contracts.h"
#include "contract/registry.h"
#include "tests/support/harness.h"

static int handled;

static void ok(seam_http_req_t *req, void *ud)
{
	(void)ud;
	__atomic_add_fetch(&handled, 1, __ATOMIC_SEQ_CST);
	seam_http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static const seam_route_t routes[] = {
	{"POST", "/v1/thing", ok, NULL, 0, "checked", "test.thing@v1", NULL},
	{"POST", "/v1/free", ok, NULL, 0, "no contract", NULL, NULL},
	{"POST", "/v1/gone", ok, NULL, 0, "a contract nobody has", "test.gone@v1", NULL},
	{"POST", "/hook", ok, NULL, SEAM_ROUTE_RAW_BODY, "raw: its handler checks", "test.thing@v1", NULL},
};

typedef struct fx {
	char dir[64], base[64];
	seam_contracts_t *reg;
	seam_api_t api;
	seam_http_server_t *srv;
} fx_t;

static void put(const char *dir, const char *path, const char *text)
{
	char full[256];
	snprintf(full, sizeof full, "%s/%s", dir, path);
	for (char *s = strchr(full + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(full, 0755);
		*s = '/';
	}
	th_write_file(full, text);
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	seam_error_t e = {0};
	th_tmpdir(f->dir);
	put(f->dir, "index.yaml",
	    "contracts:\n  test.thing:\n    file: test/v{major}/thing.schema.json\n    versions: [1]\n"
	    "    owner: seam\n    compatibility: backward\n");
	put(f->dir, "test/v1/thing.schema.json",
	    "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\","
	    " \"additionalProperties\": false, \"required\": [\"n\"],"
	    " \"properties\": {\"n\": {\"type\": \"integer\"}, \"s\": {\"type\": \"string\", \"maxLength\": 2},"
	    "  \"t\": {\"type\": \"string\"}, \"u\": {\"type\": \"string\"}}}");
	if (seam_contracts_open_dir(&f->reg, f->dir, &e) != SEAM_OK) {
		fprintf(stderr, "registry: %s\n", e.msg);
		return -1;
	}
	f->api.contracts = f->reg;
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = routes,
			      .nroutes = sizeof routes / sizeof routes[0], .ud = &f->api,
			      .before = seam_api_before, .threads = 2};
	if (seam_http_start(&o, &f->srv, &e) != SEAM_OK) {
		fprintf(stderr, "start: %s\n", e.msg);
		return -1;
	}
	snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", seam_http_port(f->srv));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	seam_http_stop(f->srv, 1000);
	seam_contracts_close(f->reg);
	th_rmrf(f->dir);
	free(f);
	return 0;
}

static json_t *post(fx_t *f, const char *path, const char *body, long *status)
{
	char url[160];
	th_resp_t r = {0};
	snprintf(url, sizeof url, "%s%s", f->base, path);
	assert_int_equal(th_http("POST", url, (const char *[]){"Content-Type: application/json", NULL},
				 body, strlen(body), &r), 0);
	*status = r.status;
	json_t *doc = json_loads(r.body ? r.body : "", 0, NULL);
	th_resp_free(&r);
	return doc;
}

/* The errors without their (validator-worded) details. */
static json_t *pointers_and_keywords(const json_t *problem)
{
	json_t *out = json_array(), *e;
	size_t i;
	json_array_foreach(json_object_get(problem, "errors"), i, e) {
		assert_true(json_is_string(json_object_get(e, "detail")));
		json_array_append_new(out, json_pack("{s:O, s:O}", "pointer", json_object_get(e, "pointer"),
						     "keyword", json_object_get(e, "keyword")));
	}
	return out;
}

static void test_invalid_body_is_422_and_the_handler_does_not_run(void **state)
{
	fx_t *f = *state;
	long st;
	handled = 0;
	json_t *p = post(f, "/v1/thing", "{\"n\": \"one\", \"x\": 1}", &st);
	assert_int_equal(st, 422);
	assert_int_equal(handled, 0);
	assert_string_equal(json_string_value(json_object_get(p, "type")), SEAM_PROBLEM_BASE "invalid-body");
	assert_string_equal(json_string_value(json_object_get(p, "contract")), "test.thing@v1");
	json_t *pk = pointers_and_keywords(p);
	json_t *w = json_loads("[{\"pointer\": \"/n\", \"keyword\": \"type\"},"
			       " {\"pointer\": \"/x\", \"keyword\": \"additionalProperties\"}]", 0, NULL);
	/* every error, in any order */
	assert_int_equal(json_array_size(pk), 2);
	for (size_t i = 0; i < 2; i++) {
		int found = 0;
		for (size_t j = 0; j < 2; j++)
			found |= json_equal(json_array_get(pk, i), json_array_get(w, j));
		if (!found)
			fail_msg("unexpected error %s", json_dumps(json_array_get(pk, i), 0));
	}
	const char *detail = json_string_value(json_object_get(p, "detail"));
	assert_non_null(strstr(detail, "the body breaks test.thing@v1: "));
	assert_non_null(strstr(detail, "/n: "));
	json_decref(w);
	json_decref(pk);
	json_decref(p);

	/* Not JSON: 400 bad-json, as without contracts. */
	p = post(f, "/v1/thing", "{\"n\": ", &st);
	assert_int_equal(st, 400);
	assert_string_equal(json_string_value(json_object_get(p, "type")), SEAM_PROBLEM_BASE "bad-json");
	json_decref(p);
	assert_int_equal(handled, 0);

	/* Valid, and routes without a contract: the handler runs. */
	p = post(f, "/v1/thing", "{\"n\": 1}", &st);
	assert_int_equal(st, 200);
	json_decref(p);
	p = post(f, "/v1/free", "{\"anything\": [1]}", &st);
	assert_int_equal(st, 200);
	json_decref(p);
	/* A raw route's body is its handler's business (webhooks: signature first). */
	p = post(f, "/hook", "not json at all", &st);
	assert_int_equal(st, 200);
	json_decref(p);
	assert_int_equal(handled, 3);
}

static void test_detail_counts_the_rest(void **state)
{
	fx_t *f = *state;
	long st;
	json_t *p = post(f, "/v1/thing", "{\"s\": 5, \"t\": 6, \"u\": 7, \"v\": 8}", &st);
	assert_int_equal(st, 422);
	/* required n, types of s t u, additionalProperties v: five */
	assert_int_equal(json_array_size(json_object_get(p, "errors")), 5);
	assert_non_null(strstr(json_string_value(json_object_get(p, "detail")), "; and 2 more"));
	json_decref(p);
}

static void test_missing_contract_fails_closed(void **state)
{
	fx_t *f = *state;
	long st;
	handled = 0;
	json_t *p = post(f, "/v1/gone", "{}", &st);
	assert_int_equal(st, 500);
	assert_string_equal(json_string_value(json_object_get(p, "detail")),
			    "the request contract test.gone@v1 is missing from this build");
	json_decref(p);
	/* No registry at all: the same (a second server, so nothing changes under the first). */
	static seam_api_t bare;
	seam_error_t e = {0};
	fx_t g = *f;
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = routes,
			      .nroutes = sizeof routes / sizeof routes[0], .ud = &bare,
			      .before = seam_api_before, .threads = 1};
	assert_int_equal(seam_http_start(&o, &g.srv, &e), SEAM_OK);
	snprintf(g.base, sizeof g.base, "http://127.0.0.1:%d", seam_http_port(g.srv));
	p = post(&g, "/v1/thing", "{\"n\": 1}", &st);
	assert_int_equal(st, 500);
	json_decref(p);
	seam_http_stop(g.srv, 1000);
	assert_int_equal(handled, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_invalid_body_is_422_and_the_handler_does_not_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detail_counts_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_contract_fails_closed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
