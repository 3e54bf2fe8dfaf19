/* test_openapi.c: the OpenAPI generator (src/api/openapi.c) and the route table's contracts.
 *
 *  - seam serve's route table and the registry built into the binary are in step: every
 *    contract a route names exists, and the whole document builds;
 *  - over a small registry of its own (a temp contracts/ tree): operationIds, tags, path
 *    parameters, security per scope, the problem answers per route, contracts copied into
 *    components (their $defs as components of their own) with every $ref rewritten (a local
 *    #/$defs pointer, another file with a fragment, a ../ path, an $anchor), data under
 *    enum/examples left alone;
 *  - a route naming a contract the registry lacks fails the build with a message naming it
 *    (a $ref to nowhere cannot reach the generator: the registry does not open). */
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
#include "api/openapi.h"
#include "auth/scopes.h"
#include "contract/registry.h"
#include "tests/support/harness.h"

static void noop(seam_http_req_t *req, void *ud)
{
	(void)req;
	(void)ud;
}

/* got equals the JSON text want (member order aside); fails with both. */
static void json_eq(const json_t *got, const char *want, const char *what)
{
	json_t *w = json_loads(want, 0, NULL);
	if (!w)
		fail_msg("%s: the wanted JSON does not parse: %s", what, want);
	if (!json_equal(got, w)) {
		char *g = json_dumps(got, JSON_SORT_KEYS), *x = json_dumps(w, JSON_SORT_KEYS);
		fail_msg("%s:\n  got  %s\n  want %s", what, g ? g : "(null)", x);
	}
	json_decref(w);
}

static void test_route_table_and_registry_in_step(void **state)
{
	seam_contracts_t *reg = NULL;
	seam_error_t e = {0};
	size_t n;
	const seam_route_t *r = seam_api_routes(&n);
	(void)state;
	if (seam_contracts_open(&reg, &e) != SEAM_OK)
		fail_msg("the built-in registry: %s", e.msg);
	for (size_t i = 0; i < n; i++) {
		if (r[i].request && !seam_contracts_find(reg, r[i].request))
			fail_msg("%s %s: request contract %s is not in contracts/index.yaml", r[i].method,
				 r[i].pattern, r[i].request);
		if (r[i].response && !seam_contracts_find(reg, r[i].response))
			fail_msg("%s %s: response contract %s is not in contracts/index.yaml", r[i].method,
				 r[i].pattern, r[i].response);
	}
	assert_non_null(seam_contracts_find(reg, "rest.problem@v1"));
	json_t *doc = seam_openapi_build(r, n, reg, "9.9.9", &e);
	if (!doc)
		fail_msg("build: %s", e.msg);
	json_decref(doc);
	seam_contracts_close(reg);
}

/* --- a registry of the test's own ------------------------------------------------------- */

static char dir[64];

static void put(const char *path, const char *text)
{
	char full[256], d[256];
	snprintf(full, sizeof full, "%s/%s", dir, path);
	snprintf(d, sizeof d, "%s", full);
	for (char *s = strchr(d + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(d, 0755);
		*s = '/';
	}
	th_write_file(full, text);
}

#define ENTRY(name, file) \
	"  " name ":\n    file: " file "\n    versions: [1]\n    owner: seam\n    compatibility: forward\n"

static seam_contracts_t *small_registry(const char *index)
{
	seam_contracts_t *reg = NULL;
	seam_error_t e = {0};
	th_tmpdir(dir);
	put("index.yaml", index);
	put("rest/v1/problem.schema.json",
	    "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
	    " \"$id\": \"https://seam.invalid/contracts/rest/v1/problem.schema.json\","
	    " \"type\": \"object\", \"required\": [\"type\"], \"properties\": {\"type\": {\"type\": \"string\"}}}");
	put("rest/v1/thing.schema.json",
	    "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
	    " \"$id\": \"https://seam.invalid/contracts/rest/v1/thing.schema.json\","
	    " \"type\": \"object\", \"additionalProperties\": false,"
	    " \"properties\": {"
	    "   \"a\": {\"$ref\": \"#/$defs/a\"},"
	    "   \"b\": {\"$ref\": \"other.schema.json#/$defs/b\"},"
	    "   \"c\": {\"$ref\": \"../../shared/v1/c.schema.json\"},"
	    "   \"d\": {\"$ref\": \"#dee\"},"
	    "   \"e\": {\"enum\": [{\"$ref\": \"not a ref: data\"}]}},"
	    " \"$defs\": {\"a\": {\"type\": \"integer\"}, \"d\": {\"$anchor\": \"dee\", \"type\": \"string\"}},"
	    " \"examples\": [{\"a\": 1}]}");
	put("rest/v1/other.schema.json",
	    "{\"$id\": \"https://seam.invalid/contracts/rest/v1/other.schema.json\","
	    " \"$defs\": {\"b\": {\"type\": \"boolean\"}}}");
	put("shared/v1/c.schema.json",
	    "{\"$id\": \"https://seam.invalid/contracts/shared/v1/c.schema.json\", \"type\": \"null\"}");
	if (seam_contracts_open_dir(&reg, dir, &e) != SEAM_OK)
		fail_msg("open_dir: %s", e.msg);
	return reg;
}

static const char INDEX[] = "contracts:\n"
	ENTRY("rest.other", "rest/v{major}/other.schema.json")
	ENTRY("rest.problem", "rest/v{major}/problem.schema.json")
	ENTRY("rest.thing", "rest/v{major}/thing.schema.json")
	ENTRY("shared.c", "shared/v{major}/c.schema.json");

static const seam_route_t routes[] = {
	{"GET", "/", noop, NULL, 0, "Root.", NULL, NULL},
	{"GET", "/v1/things", noop, "ops:read", 0, "List.", NULL, "rest.thing@v1"},
	{"POST", "/v1/things/{id}/poke", noop, "ops:admin", 0, "Poke.", "rest.thing@v1", NULL},
	{"GET", "/v1/whoami", noop, SEAM_SCOPE_ANY_KEY, 0, "Me.", NULL, NULL},
	{"POST", "/webhooks/x/{store}", noop, NULL, SEAM_ROUTE_RAW_BODY, "Hook.", NULL, NULL},
	{"GET", "/ops/*", noop, NULL, 0, "Prefix.", NULL, NULL},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static json_t *op(json_t *doc, const char *path, const char *method)
{
	json_t *o = json_object_get(json_object_get(json_object_get(doc, "paths"), path), method);
	if (!o)
		fail_msg("no %s %s in the document", method, path);
	return o;
}

static void test_operations(void **state)
{
	seam_error_t e = {0};
	seam_contracts_t *reg = small_registry(INDEX);
	(void)state;
	json_t *doc = seam_openapi_build(routes, NROUTES, reg, "1.2.3", &e);
	if (!doc)
		fail_msg("build: %s", e.msg);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "info"), "version")), "1.2.3");
	/* The prefix route has no OpenAPI path; the others one each. */
	assert_int_equal(json_object_size(json_object_get(doc, "paths")), NROUTES - 1);

	json_t *o = op(doc, "/", "get");
	assert_string_equal(json_string_value(json_object_get(o, "operationId")), "getRoot");
	json_eq(json_object_get(o, "tags"), "[\"service\"]", "/ tags");
	json_eq(json_object_get(o, "security"), "[]", "/ security");
	json_eq(json_object_get(o, "responses"),
		"{\"200\": {\"description\": \"Root.\"},"
		" \"400\": {\"$ref\": \"#/components/responses/BadRequest\"},"
		" \"500\": {\"$ref\": \"#/components/responses/InternalError\"},"
		" \"503\": {\"$ref\": \"#/components/responses/Unavailable\"}}", "/ responses");

	o = op(doc, "/v1/things", "get");
	assert_string_equal(json_string_value(json_object_get(o, "operationId")), "getThings");
	json_eq(json_object_get(o, "tags"), "[\"things\"]", "list tags");
	json_eq(json_object_get(o, "security"), "[{\"bearer\": [\"ops:read\"]}]", "list security");
	assert_string_equal(json_string_value(json_object_get(o, "x-seam-scope")), "ops:read");
	json_eq(json_object_get(json_object_get(o, "responses"), "200"),
		"{\"description\": \"List.\", \"content\": {\"application/json\": {\"schema\":"
		" {\"$ref\": \"#/components/schemas/rest.thing.v1\"}}}}", "list 200");
	assert_non_null(json_object_get(json_object_get(o, "responses"), "401"));
	assert_non_null(json_object_get(json_object_get(o, "responses"), "403"));
	assert_null(json_object_get(json_object_get(o, "responses"), "404"));
	assert_null(json_object_get(json_object_get(o, "responses"), "409"));

	o = op(doc, "/v1/things/{id}/poke", "post");
	assert_string_equal(json_string_value(json_object_get(o, "operationId")), "postThingsByIdPoke");
	json_eq(json_object_get(o, "parameters"),
		"[{\"name\": \"id\", \"in\": \"path\", \"required\": true,"
		"  \"schema\": {\"type\": \"string\", \"minLength\": 1}},"
		" {\"name\": \"Idempotency-Key\", \"in\": \"header\", \"required\": false,"
		"  \"description\": \"Optional here: a retry with the same key and body replays the"
		" first answer instead of acting again.\","
		"  \"schema\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 255}}]",
		"poke parameters (the key is honoured on every unsafe /v1 route, required on none here)");
	json_eq(json_object_get(o, "requestBody"),
		"{\"required\": true, \"content\": {\"application/json\": {\"schema\":"
		" {\"$ref\": \"#/components/schemas/rest.thing.v1\"}}}}", "poke body");
	const char *want[] = {"200", "400", "401", "403", "404", "409", "413", "422", "500", "503"};
	json_t *resp = json_object_get(o, "responses");
	assert_int_equal(json_object_size(resp), sizeof want / sizeof want[0]);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!json_object_get(resp, want[i]))
			fail_msg("POST poke: no %s answer", want[i]);

	o = op(doc, "/v1/whoami", "get");
	json_eq(json_object_get(o, "security"), "[{\"bearer\": []}]", "any key security");
	assert_non_null(json_object_get(json_object_get(o, "responses"), "401"));
	assert_null(json_object_get(json_object_get(o, "responses"), "403"));

	o = op(doc, "/webhooks/x/{store}", "post");
	assert_string_equal(json_string_value(json_object_get(o, "operationId")), "postWebhooksXByStore");
	json_eq(json_object_get(o, "security"), "[]", "webhook security");
	assert_non_null(json_object_get(json_object_get(o, "responses"), "401")); /* signature */
	assert_null(json_object_get(json_object_get(o, "responses"), "422"));
	assert_non_null(json_object_get(o, "requestBody"));

	/* Problems share one schema, the registry's problem. */
	json_eq(json_object_get(json_object_get(json_object_get(doc, "components"), "responses"), "InvalidBody"),
		"{\"description\": \"The body breaks the operation's request contract: `errors` lists "
		"every violation as {pointer, keyword, detail}.\", \"content\": {\"application/problem+json\":"
		" {\"schema\": {\"$ref\": \"#/components/schemas/rest.problem.v1\"}}}}", "InvalidBody");
	json_eq(json_object_get(doc, "tags"),
		"[{\"name\": \"service\", \"description\": \"Service information, health, readiness, "
		"metrics and this document (open).\"}, {\"name\": \"whoami\", \"description\": \"The API "
		"key itself.\"}, {\"name\": \"webhooks\", \"description\": \"Signed inbound events "
		"(Stripe, Adyen, Standard Webhooks, the storefront); authenticated by their signature, "
		"not by an API key.\"}, {\"name\": \"things\", \"description\": \"The routes under "
		"/v1/things.\"}]", "tags");
	json_decref(doc);
	seam_contracts_close(reg);
	th_rmrf(dir);
}

static void test_schemas_copied_with_refs_rewritten(void **state)
{
	seam_error_t e = {0};
	seam_contracts_t *reg = small_registry(INDEX);
	(void)state;
	json_t *doc = seam_openapi_build(routes, NROUTES, reg, "1", &e);
	if (!doc)
		fail_msg("build: %s", e.msg);
	json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	/* What the routes name and what those $ref, their $defs as components of their own;
	 * nothing else. */
	assert_int_equal(json_object_size(schemas), 7);
	json_eq(json_object_get(schemas, "rest.thing.v1"),
		"{\"type\": \"object\", \"additionalProperties\": false, \"x-seam-contract\": \"rest.thing@v1\","
		" \"properties\": {"
		"   \"a\": {\"$ref\": \"#/components/schemas/rest.thing.v1.a\"},"
		"   \"b\": {\"$ref\": \"#/components/schemas/rest.other.v1.b\"},"
		"   \"c\": {\"$ref\": \"#/components/schemas/shared.c.v1\"},"
		"   \"d\": {\"$ref\": \"#/components/schemas/rest.thing.v1.d\"},"
		"   \"e\": {\"enum\": [{\"$ref\": \"not a ref: data\"}]}},"
		" \"examples\": [{\"a\": 1}]}", "rest.thing.v1");
	json_eq(json_object_get(schemas, "rest.thing.v1.a"),
		"{\"type\": \"integer\", \"x-seam-contract\": \"rest.thing@v1#/$defs/a\"}", "rest.thing.v1.a");
	json_eq(json_object_get(schemas, "rest.thing.v1.d"),
		"{\"$anchor\": \"dee\", \"type\": \"string\", \"x-seam-contract\": \"rest.thing@v1#/$defs/d\"}",
		"rest.thing.v1.d");
	json_eq(json_object_get(schemas, "rest.other.v1"),
		"{\"x-seam-contract\": \"rest.other@v1\"}", "rest.other.v1");
	json_eq(json_object_get(schemas, "rest.other.v1.b"),
		"{\"type\": \"boolean\", \"x-seam-contract\": \"rest.other@v1#/$defs/b\"}", "rest.other.v1.b");
	json_eq(json_object_get(schemas, "shared.c.v1"),
		"{\"type\": \"null\", \"x-seam-contract\": \"shared.c@v1\"}", "shared.c.v1");
	assert_non_null(json_object_get(schemas, "rest.problem.v1"));
	json_decref(doc);
	seam_contracts_close(reg);
	th_rmrf(dir);
}

static void test_what_does_not_resolve_fails(void **state)
{
	seam_error_t e = {0};
	seam_contracts_t *reg = small_registry(INDEX);
	(void)state;
	const seam_route_t bad[] = {
		{"GET", "/v1/gone", noop, "ops:read", 0, "Gone.", NULL, "rest.gone@v1"},
	};
	assert_null(seam_openapi_build(bad, 1, reg, "1", &e));
	assert_string_equal(e.msg, "route GET /v1/gone names contract rest.gone@v1, which the registry does not hold");
	assert_null(seam_openapi_build(routes, NROUTES, NULL, "1", &e));
	seam_contracts_close(reg);
	th_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_table_and_registry_in_step),
		cmocka_unit_test(test_operations),
		cmocka_unit_test(test_schemas_copied_with_refs_rewritten),
		cmocka_unit_test(test_what_does_not_resolve_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
