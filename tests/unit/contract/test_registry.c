/* test_registry.c: the contract registry. The one built into the binary opens and holds the
 * repository's contracts; a directory's index.yaml is read with every problem reported as
 * index.yaml:LINE (unknown key, missing file, a version listed twice, a compatibility that is
 * not a mode, an unknown format, a schema that is not JSON); validation through a contract
 * accepts its own examples and rejects a violating document with the errors a person can act
 * on; the error rewriters keep pointer, keyword and detail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "contract/registry.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

static void test_builtin_registry(void **state)
{
	(void)state;
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	assert_int_equal(seam_contracts_open(&reg, &err), SEAM_OK);
	TH_ASSERT_CMP(seam_contracts_count(reg), >=, 5);
	const seam_contract_t *c = seam_contracts_find(reg, "bridge.event@v1");
	assert_non_null(c);
	assert_string_equal(c->name, "bridge.event");
	assert_int_equal(c->version, 1);
	assert_string_equal(c->ref, "bridge.event@v1");
	assert_string_equal(c->path, "bridge/v1/event.schema.json");
	assert_string_equal(c->uri, "seam:contracts/bridge/v1/event.schema.json");
	assert_string_equal(c->owner, "drupal");
	assert_int_equal(c->compat, SEAM_COMPAT_BACKWARD);
	assert_false(c->transitive);
	assert_true(c->latest);
	assert_non_null(c->doc);
	assert_non_null(c->schema);
	assert_ptr_equal(seam_contracts_find(reg, "bridge.event"), c);
	assert_null(seam_contracts_find(reg, "bridge.event@v2"));
	assert_null(seam_contracts_find(reg, "bridge.event@1"));
	assert_null(seam_contracts_find(reg, "nope@v1"));
	const seam_contract_t *req = seam_contracts_find(reg, "bridge.transition-request@v1");
	assert_non_null(req);
	assert_string_equal(req->owner, "seam");
	assert_int_equal(req->compat, SEAM_COMPAT_FORWARD);
	/* ordered by name then version (not by ref: "rest.flow@v1" sorts after
	 * "rest.flow-list@v1", '@' being above '-') */
	for (size_t i = 1; i < seam_contracts_count(reg); i++) {
		const seam_contract_t *a = seam_contracts_at(reg, i - 1), *b = seam_contracts_at(reg, i);
		if (strcmp(a->name, b->name) == 0)
			TH_ASSERT_CMP(a->version, <, b->version);
		else
			TH_ASSERT_STRCMP(a->name, <, b->name);
	}
	assert_null(seam_contracts_at(reg, seam_contracts_count(reg)));
	seam_contracts_close(reg);
}

/* The registry of the repository's contracts/ directory is the built-in one. */
static void test_dir_matches_builtin(void **state)
{
	(void)state;
	seam_contracts_t *a = NULL, *b = NULL;
	seam_error_t err = {0};
	assert_int_equal(seam_contracts_open(&a, &err), SEAM_OK);
	if (seam_contracts_open_dir(&b, "contracts", &err) != SEAM_OK)
		fail_msg("contracts/: %s", err.msg);
	assert_int_equal(seam_contracts_count(a), seam_contracts_count(b));
	for (size_t i = 0; i < seam_contracts_count(a); i++) {
		assert_string_equal(seam_contracts_at(a, i)->ref, seam_contracts_at(b, i)->ref);
		assert_true(json_equal(seam_contracts_at(a, i)->doc, seam_contracts_at(b, i)->doc));
	}
	seam_contracts_close(a);
	seam_contracts_close(b);
}

static const char schema_text[] =
	"{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
	"\"required\":[\"id\"],\"properties\":{\"id\":{\"type\":\"string\",\"format\":\"uuid\"},"
	"\"n\":{\"type\":\"integer\",\"minimum\":1}}}";

/* A contracts tree in a temp dir with index.yaml = index; returns the dir. */
static void make_tree(char dir[64], const char *index)
{
	char p[256];
	th_tmpdir(dir);
	snprintf(p, sizeof p, "%s/thing", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/thing/v1", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/thing/v1/thing.schema.json", dir);
	th_write_file(p, schema_text);
	snprintf(p, sizeof p, "%s/index.yaml", dir);
	th_write_file(p, index);
}

/* Opening a tree with this index fails, and the message holds want. */
static void expect_problem(const char *index, const char *want)
{
	char dir[64], full[200];
	seam_contracts_t *reg = (seam_contracts_t *)1;
	seam_error_t err = {0};
	make_tree(dir, index);
	seam_err_t rc = seam_contracts_open_dir(&reg, dir, &err);
	snprintf(full, sizeof full, "%s/index.yaml:%s", dir, want);
	if (rc == SEAM_OK || !strstr(err.msg, full))
		fail_msg("index:\n%s\nrc %d, message:\n  %s\nwant it to contain:\n  %s", index, rc,
			 err.msg, full);
	assert_null(reg);
	th_rmrf(dir);
}

static void test_index_problems_have_lines(void **state)
{
	(void)state;
	/* a good one first, so the problems below are the only difference */
	char dir[64];
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	make_tree(dir, "contracts:\n"
		       "  thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n"
		       "    owner: erp\n"
		       "    compatibility: full-transitive\n"
		       "    formats: [uuid]\n"
		       "    enforced: [here, there]\n");
	if (seam_contracts_open_dir(&reg, dir, &err) != SEAM_OK)
		fail_msg("%s", err.msg);
	const seam_contract_t *c = seam_contracts_find(reg, "thing@v1");
	assert_non_null(c);
	assert_int_equal(c->compat, SEAM_COMPAT_FULL);
	assert_true(c->transitive);
	assert_string_equal(c->enforced, "here; there");
	assert_string_equal(c->description, "");
	assert_int_equal(c->assert_formats, SEAM_FORMAT_BIT(SEAM_FORMAT_UUID));
	seam_contracts_close(reg);
	th_rmrf(dir);

	expect_problem("contracts:\n"
		       "  thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n"
		       "    owner: erp\n"
		       "    colour: blue\n",
		       "6: unknown key 'contracts.thing.colour'");
	expect_problem("contracts:\n"
		       "  thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1, 2]\n"
		       "    owner: erp\n",
		       "3: contracts.thing.file: thing@v2: no file thing/v2/thing.schema.json");
	expect_problem("contracts:\n"
		       "  thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1, 1]\n"
		       "    owner: erp\n",
		       "4: contracts.thing.versions: thing@v1 is listed twice");
	expect_problem("contracts:\n"
		       "  thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n"
		       "    owner: erp\n"
		       "    compatibility: sideways\n",
		       "6: contracts.thing.compatibility: 'sideways' is not one of");
	expect_problem("contracts:\n"
		       "  thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n"
		       "    owner: erp\n"
		       "    formats: [uuid, colour]\n",
		       "6: contracts.thing.formats: unknown format 'colour'");
	expect_problem("contracts:\n"
		       "  thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [v1]\n"
		       "    owner: erp\n",
		       "4: contracts.thing.versions: 'v1' is not a major version");
	expect_problem("contracts:\n"
		       "  Thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n"
		       "    owner: erp\n",
		       "2: contracts.Thing: a contract name is lower case");
	expect_problem("contracts:\n"
		       "  thing:\n"
		       "    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n",
		       "2: missing required key 'contracts.thing.owner'");
}

static void test_schema_not_json(void **state)
{
	(void)state;
	char dir[64], p[200];
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	make_tree(dir, "contracts:\n  thing:\n    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n    owner: erp\n");
	snprintf(p, sizeof p, "%s/thing/v1/thing.schema.json", dir);
	th_write_file(p, "{\n  \"type\": \"object\",\n  \"required\": [\"a\"\n}\n");
	assert_int_not_equal(seam_contracts_open_dir(&reg, dir, &err), SEAM_OK);
	snprintf(p, sizeof p, "%s/thing/v1/thing.schema.json:4:", dir);
	if (!strstr(err.msg, p))
		fail_msg("got '%s', want it to contain '%s'", err.msg, p);
	th_rmrf(dir);

	/* a schema that does not compile: the file and the JSON pointer */
	make_tree(dir, "contracts:\n  thing:\n    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n    owner: erp\n");
	snprintf(p, sizeof p, "%s/thing/v1/thing.schema.json", dir);
	th_write_file(p, "{\"properties\": {\"a\": {\"$ref\": \"#/$defs/nowhere\"}}}");
	err = (seam_error_t){0};
	assert_int_not_equal(seam_contracts_open_dir(&reg, dir, &err), SEAM_OK);
	snprintf(p, sizeof p, "%s/thing/v1/thing.schema.json#/properties/a/$ref", dir);
	if (!strstr(err.msg, p))
		fail_msg("got '%s', want it to contain '%s'", err.msg, p);
	th_rmrf(dir);

	assert_int_not_equal(seam_contracts_open_dir(&reg, "/nonexistent/contracts", &err), SEAM_OK);
	assert_non_null(strstr(err.msg, "/nonexistent/contracts"));
}

/* A schema file over the 8 MiB limit is refused as too big, whatever its contents (9 MiB of
 * valid JSON here: the old read loop let files up to 16 MiB through). */
static void test_schema_too_big(void **state)
{
	(void)state;
	char dir[64], p[200];
	size_t n = 9u << 20;
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "{\"description\": \"big\"}", 22); /* no NUL */
	big[n] = '\0';
	make_tree(dir, "contracts:\n  thing:\n    file: thing/v{major}/thing.schema.json\n"
		       "    versions: [1]\n    owner: erp\n");
	snprintf(p, sizeof p, "%s/thing/v1/thing.schema.json", dir);
	th_write_file(p, big);
	free(big);
	seam_err_t rc = seam_contracts_open_dir(&reg, dir, &err);
	if (rc != SEAM_TOOBIG || !strstr(err.msg, "larger than 8 MiB"))
		fail_msg("got rc %d '%s', want SEAM_TOOBIG 'larger than 8 MiB'", rc, err.msg);
	assert_null(reg);
	th_rmrf(dir);
}

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
	assert_non_null(j);
	return j;
}

static void test_validate_through_contract(void **state)
{
	(void)state;
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	json_t *errors = NULL;
	assert_int_equal(seam_contracts_open(&reg, &err), SEAM_OK);
	const seam_contract_t *c = seam_contracts_find(reg, "bridge.event@v1");
	assert_non_null(c);
	/* the schema's own examples are valid */
	json_t *ex = json_array_get(json_object_get(c->doc, "examples"), 0);
	assert_non_null(ex);
	assert_true(seam_contract_validate(c, ex, &errors));
	assert_int_equal(json_array_size(errors), 0);
	json_decref(errors);

	/* a total that is a number, an unknown type, a member too many */
	json_t *bad = json_deep_copy(ex);
	json_object_set_new(bad, "type", json_string("order.exploded"));
	json_object_set_new(json_object_get(bad, "data"), "total", json_integer(40));
	json_object_set_new(bad, "extra", json_true());
	assert_false(seam_contract_validate(c, bad, &errors));
	TH_ASSERT_CMP(json_array_size(errors), >=, 3);
	json_t *pub = seam_contract_errors_public(errors);
	int saw_type = 0, saw_total = 0, saw_extra = 0;
	size_t i;
	json_t *e;
	json_array_foreach(pub, i, e) {
		const char *ptr = json_string_value(json_object_get(e, "pointer"));
		const char *kw = json_string_value(json_object_get(e, "keyword"));
		assert_non_null(json_string_value(json_object_get(e, "detail")));
		saw_type |= strcmp(ptr, "/type") == 0 && strcmp(kw, "enum") == 0;
		saw_total |= strncmp(ptr, "/data/total", 11) == 0;
		saw_extra |= strcmp(kw, "additionalProperties") == 0;
	}
	if (!saw_type || !saw_total || !saw_extra) {
		char *d = json_dumps(pub, JSON_COMPACT);
		fail_msg("errors: %s", d);
	}
	json_decref(pub);
	json_decref(errors);
	json_decref(bad);
	seam_contracts_close(reg);
}

static void test_errors_rewritten(void **state)
{
	(void)state;
	json_t *basic = parse(
		"[{\"instanceLocation\":\"/data/total\",\"keywordLocation\":\"/properties/data/properties/"
		"total/oneOf\",\"absoluteKeywordLocation\":\"seam:x#/oneOf\",\"error\":\"matches no branch\"},"
		"{\"instanceLocation\":\"\",\"keywordLocation\":\"/required\",\"error\":\"missing "
		"'data'\"},"
		"{\"instanceLocation\":\"/a~1b\",\"keywordLocation\":\"/patternProperties/^a~1\","
		"\"error\":\"x\"}]");
	json_t *pub = seam_contract_errors_public(basic);
	assert_int_equal(json_array_size(pub), 3);
	json_t *e0 = json_array_get(pub, 0);
	assert_string_equal(json_string_value(json_object_get(e0, "pointer")), "/data/total");
	assert_string_equal(json_string_value(json_object_get(e0, "keyword")), "oneOf");
	assert_string_equal(json_string_value(json_object_get(e0, "detail")), "matches no branch");
	assert_string_equal(json_string_value(json_object_get(json_array_get(pub, 1), "pointer")), "");
	assert_string_equal(json_string_value(json_object_get(json_array_get(pub, 2), "keyword")), "^a/");
	json_decref(pub);

	char *text = seam_contract_errors_text(basic, 1000);
	assert_string_equal(text, "/data/total: matches no branch (oneOf); /: missing 'data' "
				  "(required); /a~1b: x (^a/)");
	free(text);
	/* cut to the size given, never in the middle of a UTF-8 character */
	json_t *utf = parse("[{\"instanceLocation\":\"/x\",\"keywordLocation\":\"/enum\",\"error\":"
			    "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}]");
	for (size_t max = 1; max < 20; max++) {
		text = seam_contract_errors_text(utf, max);
		TH_ASSERT_CMP(strlen(text), <, max);
		json_t *ok = json_string(text); /* NULL when not valid UTF-8 */
		assert_non_null(ok);
		json_decref(ok);
		free(text);
	}
	json_decref(utf);
	json_decref(basic);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_registry),
		cmocka_unit_test(test_dir_matches_builtin),
		cmocka_unit_test(test_index_problems_have_lines),
		cmocka_unit_test(test_schema_not_json),
		cmocka_unit_test(test_schema_too_big),
		cmocka_unit_test(test_validate_through_contract),
		cmocka_unit_test(test_errors_rewritten),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
