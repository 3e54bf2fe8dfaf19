/* test_schema.c: what the conformance suite (test_jsts.c) does not show: the error list and its
 * pointers and messages, the max_errors cap, the limits (a 10,000-deep instance, a
 * 100,000-item array, the step limit, a backtracking regex), compile errors that say
 * uri#pointer, lookups with seam_schema_set_get, the resolver, and several threads validating
 * one compiled schema (run under TSan by make tsan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contract/schema.h"
#include "tests/support/th_assert.h"

#define URI "seam:test/order.schema.json"

static json_t *js(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return v;
}

/* A compiled set holding one schema (text) under URI; fails the test when it does not compile. */
static seam_schema_set_t *compile(const char *text)
{
	seam_schema_set_t *set = seam_schema_set_create();
	seam_error_t err = { 0 };
	json_t *doc = js(text);
	assert_non_null(set);
	assert_int_equal(seam_schema_set_add(set, URI, doc, &err), SEAM_OK);
	json_decref(doc);
	if (seam_schema_set_compile(set, &err) != SEAM_OK)
		fail_msg("compile: %s", err.msg);
	return set;
}

/* The compile error for text (which must not compile). */
static void compile_fails(const char *text, const char *want_substr)
{
	seam_schema_set_t *set = seam_schema_set_create();
	seam_error_t err = { 0 };
	json_t *doc = js(text);
	assert_int_equal(seam_schema_set_add(set, URI, doc, &err), SEAM_OK);
	json_decref(doc);
	assert_int_not_equal(seam_schema_set_compile(set, &err), SEAM_OK);
	if (!strstr(err.msg, want_substr))
		fail_msg("compile error\n  got:  %s\n  want: ...%s...", err.msg, want_substr);
	assert_null(seam_schema_set_get(set, URI));
	seam_schema_set_destroy(set);
}

/* Is there an error with exactly these four fields? */
static bool has_error(const json_t *errs, const char *iloc, const char *kloc, const char *aloc,
		      const char *msg)
{
	size_t i;
	json_t *e;
	json_array_foreach(errs, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "instanceLocation")), iloc) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "keywordLocation")), kloc) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "absoluteKeywordLocation")), aloc) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "error")), msg) == 0)
			return true;
	}
	return false;
}

static void want_error(const json_t *errs, const char *iloc, const char *kloc, const char *aloc,
		       const char *msg)
{
	if (!has_error(errs, iloc, kloc, aloc, msg)) {
		char *got = json_dumps(errs, JSON_INDENT(1));
		fail_msg("want error {%s, %s, %s, %s}\n got: %s", iloc, kloc, aloc, msg, got);
	}
}

/* Is there a "$limit" error whose message has substr? */
static bool limit_error(const json_t *errs, const char *substr)
{
	size_t i;
	json_t *e;
	json_array_foreach(errs, i, e) {
		const char *k = json_string_value(json_object_get(e, "keywordLocation"));
		const char *m = json_string_value(json_object_get(e, "error"));
		size_t kl = strlen(k);
		if (kl >= 7 && strcmp(k + kl - 7, "/$limit") == 0 && strstr(m, substr))
			return true;
	}
	return false;
}

static const char ORDER[] =
	"{\"$defs\": {\"line\": {\"type\": \"object\", \"required\": [\"sku\", \"qty\"],"
	"  \"properties\": {\"sku\": {\"type\": \"string\", \"minLength\": 1},"
	"                  \"qty\": {\"type\": \"integer\", \"minimum\": 1},"
	"                  \"price\": {\"type\": \"string\", \"pattern\": \"^-?[0-9]+\\\\.[0-9]{2}$\"}},"
	"  \"additionalProperties\": false}},"
	" \"type\": \"object\", \"required\": [\"number\", \"lines\"],"
	" \"properties\": {\"number\": {\"type\": \"string\"},"
	"   \"a/b~c\": {\"type\": \"integer\"},"
	"   \"lines\": {\"type\": \"array\", \"minItems\": 1, \"items\": {\"$ref\": \"#/$defs/line\"}}}}";

static void test_errors_every_one_with_pointers(void **state)
{
	seam_schema_set_t *set = compile(ORDER);
	const seam_schema_t *s = seam_schema_set_get(set, URI);
	json_t *inst = js("{\"number\": 42, \"a/b~c\": \"x\", \"lines\": ["
			  " {\"sku\": \"A\", \"qty\": 1, \"price\": \"1.00\"},"
			  " {\"qty\": 0, \"price\": \"1.5\", \"colour\": \"red\"}]}");
	json_t *errs = NULL;
	(void)state;
	assert_non_null(s);
	assert_false(seam_schema_validate(s, inst, NULL, &errs));
	want_error(errs, "/number", "/properties/number/type", URI "#/properties/number/type",
		   "expected string, got integer");
	/* ~ and / in a property name are escaped in both pointers */
	want_error(errs, "/a~1b~0c", "/properties/a~1b~0c/type", URI "#/properties/a~1b~0c/type",
		   "expected integer, got string");
	want_error(errs, "/lines/1", "/properties/lines/items/$ref/required",
		   URI "#/$defs/line/required", "required property 'sku' is missing");
	want_error(errs, "/lines/1/qty", "/properties/lines/items/$ref/properties/qty/minimum",
		   URI "#/$defs/line/properties/qty/minimum", "must be >= 1, got 0");
	want_error(errs, "/lines/1/price", "/properties/lines/items/$ref/properties/price/pattern",
		   URI "#/$defs/line/properties/price/pattern",
		   "must match the pattern ^-?[0-9]+\\.[0-9]{2}$");
	want_error(errs, "/lines/1/colour", "/properties/lines/items/$ref/additionalProperties",
		   URI "#/$defs/line/additionalProperties",
		   "property 'colour' is not allowed");
	assert_int_equal(json_array_size(errs), 6);
	json_decref(errs);

	/* valid: an empty list, and the same verdict without one */
	json_decref(inst);
	inst = js("{\"number\": \"SO-1\", \"lines\": [{\"sku\": \"A\", \"qty\": 2}]}");
	assert_true(seam_schema_validate(s, inst, NULL, &errs));
	assert_int_equal(json_array_size(errs), 0);
	assert_true(seam_schema_validate(s, inst, NULL, NULL));
	json_decref(errs);
	json_decref(inst);
	seam_schema_set_destroy(set);
}

static void test_errors_of_branches(void **state)
{
	seam_schema_set_t *set = compile("{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"integer\", \"minimum\": 10}],"
					 " \"not\": {\"const\": 5}}");
	const seam_schema_t *s = seam_schema_set_get(set, URI);
	json_t *errs = NULL, *inst = js("5");
	(void)state;
	assert_false(seam_schema_validate(s, inst, NULL, &errs));
	/* the branches say why each failed, anyOf says it as a whole, not why */
	want_error(errs, "", "/anyOf/0/type", URI "#/anyOf/0/type", "expected string, got integer");
	want_error(errs, "", "/anyOf/1/minimum", URI "#/anyOf/1/minimum", "must be >= 10, got 5");
	want_error(errs, "", "/anyOf", URI "#/anyOf", "must match at least one of the 2 schemas in anyOf, matched none");
	want_error(errs, "", "/not", URI "#/not", "must not match the schema in 'not'");
	assert_int_equal(json_array_size(errs), 4);
	json_decref(errs);
	json_decref(inst);
	/* a branch that passes drops the other branches' errors */
	inst = js("\"x\"");
	assert_true(seam_schema_validate(s, inst, NULL, &errs));
	assert_int_equal(json_array_size(errs), 0);
	json_decref(errs);
	json_decref(inst);
	seam_schema_set_destroy(set);
}

static void test_max_errors_cap(void **state)
{
	seam_schema_set_t *set = compile("{\"items\": {\"type\": \"string\"}}");
	const seam_schema_t *s = seam_schema_set_get(set, URI);
	json_t *inst = json_array(), *errs = NULL;
	seam_schema_opts_t o = { .max_errors = 5 };
	(void)state;
	for (int i = 0; i < 300; i++)
		json_array_append_new(inst, json_integer(i));
	assert_false(seam_schema_validate(s, inst, &o, &errs));
	assert_int_equal(json_array_size(errs), 5);
	want_error(errs, "/4", "/items/type", URI "#/items/type", "expected string, got integer");
	json_decref(errs);
	/* once the list is full of errors nothing can take back, the walk stops: 100,000 wrong
	 * items with a 1,000-step limit end at 5 errors, not at the step limit */
	for (int i = 300; i < 100000; i++)
		json_array_append_new(inst, json_integer(i));
	o.max_steps = 1000;
	assert_false(seam_schema_validate(s, inst, &o, &errs));
	assert_int_equal(json_array_size(errs), 5);
	assert_false(limit_error(errs, "steps"));
	json_decref(errs);
	/* but not inside anyOf, whose branch errors may all be dropped when another branch passes */
	seam_schema_set_destroy(set);
	set = compile("{\"anyOf\": [{\"items\": {\"type\": \"string\"}}, {\"items\": {\"type\": \"integer\"}}]}");
	s = seam_schema_set_get(set, URI);
	o.max_steps = 0;
	assert_true(seam_schema_validate(s, inst, &o, &errs));
	assert_int_equal(json_array_size(errs), 0);
	json_decref(errs);
	seam_schema_set_destroy(set);
	set = compile("{\"items\": {\"type\": \"string\"}}");
	s = seam_schema_set_get(set, URI);
	/* the default cap is 100 */
	assert_false(seam_schema_validate(s, inst, NULL, &errs));
	assert_int_equal(json_array_size(errs), 100);
	json_decref(errs);
	json_decref(inst);
	seam_schema_set_destroy(set);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *deep_array(int depth)
{
	json_t *root = json_array(), *cur = root;
	for (int i = 1; i < depth; i++) {
		json_t *n = json_array();
		json_array_append_new(cur, n);
		cur = n;
	}
	return root;
}


static void test_limit_deep_instance(void **state)
{
	/* every level is checked (items recurse by $ref): 10,000 levels must stop at max_depth */
	seam_schema_set_t *set = compile("{\"type\": \"array\", \"items\": {\"$ref\": \"#\"}, \"uniqueItems\": true,"
					 " \"contains\": true}");
	const seam_schema_t *s = seam_schema_set_get(set, URI);
	json_t *inst = deep_array(10000), *errs = NULL;
	seam_schema_opts_t o = { .max_depth = 100 };
	(void)state;
	assert_false(seam_schema_validate(s, inst, NULL, &errs));
	if (!limit_error(errs, "deeper than 256 levels"))
		fail_msg("no $limit error: %s", json_dumps(errs, 0));
	json_decref(errs);
	assert_false(seam_schema_validate(s, inst, NULL, NULL));
	assert_false(seam_schema_validate(s, inst, &o, &errs));
	assert_true(limit_error(errs, "deeper than 100 levels"));
	json_decref(errs);
	/* max_depth counts values that are there: an empty array at the limit has no children */
	{
		seam_schema_opts_t o3 = { .max_depth = 3 };
		seam_schema_set_t *set2 = compile("{\"items\": {\"$ref\": \"#\"}}");
		const seam_schema_t *s2 = seam_schema_set_get(set2, URI);
		json_t *ok4 = deep_array(4), *bad5 = deep_array(5);
		assert_true(seam_schema_validate(s2, ok4, &o3, NULL));
		assert_false(seam_schema_validate(s2, bad5, &o3, NULL));
		json_decref(ok4);
		json_decref(bad5);
		seam_schema_set_destroy(set2);
	}
	/* a max_depth beyond what the stack can take is not taken at its word (this one would
	 * recurse 10,000 levels, several frames each) */
	o.max_depth = 1000000;
	assert_false(seam_schema_validate(s, inst, &o, &errs));
	assert_true(limit_error(errs, "schema evaluation nested too deep"));
	json_decref(errs);
	json_decref(inst);
	inst = deep_array(200000);
	o.max_depth = 1000000;
	assert_false(seam_schema_validate(s, inst, &o, NULL));
	/* enum and const compare whole values: deep ones too, without recursing to the bottom */
	seam_schema_set_destroy(set);
	set = compile("{\"enum\": [[[1]], 2]}");
	s = seam_schema_set_get(set, URI);
	assert_false(seam_schema_validate(s, inst, NULL, NULL));
	assert_false(seam_schema_validate(s, inst, &o, NULL));
	seam_schema_set_destroy(set);
	set = compile("{\"uniqueItems\": true}");
	s = seam_schema_set_get(set, URI);
	json_array_append_new(inst, deep_array(200000));
	assert_false(seam_schema_validate(s, inst, &o, NULL));
	json_decref(inst);
	seam_schema_set_destroy(set);
}

static void test_limit_big_array_and_steps(void **state)
{
	seam_schema_set_t *set = compile("{\"type\": \"array\", \"uniqueItems\": true,"
					 " \"items\": {\"type\": \"integer\", \"minimum\": 0}}");
	const seam_schema_t *s = seam_schema_set_get(set, URI);
	json_t *inst = json_array(), *errs = NULL;
	seam_schema_opts_t o = { .max_steps = 1000 };
	double t0;
	(void)state;
	for (int i = 0; i < 100000; i++)
		json_array_append_new(inst, json_integer(i));
	t0 = now_s();
	assert_true(seam_schema_validate(s, inst, NULL, &errs));
	TH_ASSERT_CMP(now_s() - t0, <, 1.0); /* uniqueItems hashes, not 5e9 comparisons */
	json_decref(errs);
	/* a duplicate far apart is found, and named */
	json_array_set_new(inst, 99999, json_real(17.0));
	assert_false(seam_schema_validate(s, inst, NULL, &errs));
	want_error(errs, "", "/uniqueItems", URI "#/uniqueItems", "items must be unique: item 99999 equals item 17");
	json_decref(errs);
	/* the step limit stops the walk: invalid, with a $limit error */
	json_array_set_new(inst, 99999, json_integer(99999));
	assert_false(seam_schema_validate(s, inst, &o, &errs));
	assert_true(limit_error(errs, "after 1000 steps"));
	assert_int_equal(json_array_size(errs), 1);
	json_decref(errs);
	json_decref(inst);
	seam_schema_set_destroy(set);
}

static void test_limit_regex_backtracking(void **state)
{
	seam_schema_set_t *set = compile("{\"pattern\": \"^(a+)+$\"}");
	const seam_schema_t *s = seam_schema_set_get(set, URI);
	char buf[64];
	json_t *inst, *errs = NULL;
	double t0;
	(void)state;
	memset(buf, 'a', 40);
	buf[40] = '!';
	buf[41] = '\0';
	inst = json_string(buf);
	t0 = now_s();
	assert_false(seam_schema_validate(s, inst, NULL, &errs));
	TH_ASSERT_CMP(now_s() - t0, <, 2.0);
	assert_true(limit_error(errs, "match limit"));
	/* even where the failure would otherwise be ignored: not makes it no pass */
	json_decref(errs);
	json_decref(inst);
	seam_schema_set_destroy(set);
	set = compile("{\"not\": {\"pattern\": \"^(a+)+$\"}}");
	s = seam_schema_set_get(set, URI);
	inst = json_string(buf);
	assert_false(seam_schema_validate(s, inst, NULL, NULL));
	json_decref(inst);
	seam_schema_set_destroy(set);
}

static void test_compile_errors_say_where(void **state)
{
	(void)state;
	compile_fails("{\"properties\": {\"a\": {\"minLength\": \"x\"}}}",
		      URI "#/properties/a/minLength: must be a non-negative integer");
	compile_fails("{\"items\": {\"pattern\": \"(\"}}", URI "#/items/pattern: not a valid regular expression");
	compile_fails("{\"patternProperties\": {\"[\": true}}",
		      URI "#/patternProperties/[: not a valid regular expression");
	compile_fails("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/nothere\"}}}",
		      URI "#/$defs/a/$ref: '#/$defs/nothere' points to nothing");
	compile_fails("{\"$ref\": \"other.json\"}",
		      URI "#/$ref: cannot resolve 'other.json': no schema 'seam:test/other.json' is known");
	compile_fails("{\"$ref\": \"#nope\"}", URI "#/$ref: '#nope': no anchor 'nope'");
	compile_fails("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/b\"}, \"b\": {\"allOf\": [{\"$ref\": \"#/$defs/a\"}]}},"
		      " \"$ref\": \"#/$defs/a\"}",
		      "$ref cycle that consumes no instance");
	compile_fails("{\"type\": \"text\"}", URI "#/type: must be one of null, boolean");
	compile_fails("{\"allOf\": []}", URI "#/allOf: must be a non-empty array of schemas");
	compile_fails("{\"properties\": {\"a\": 3}}", URI "#/properties/a: must be a schema");
	compile_fails("{\"$id\": \"http://x/y#frag\"}", URI "#/$id: must not have a fragment");
	compile_fails("{\"$schema\": \"http://example.com/unknown-meta\"}",
		      "meta-schema 'http://example.com/unknown-meta' is not known");
	compile_fails("{\"multipleOf\": 0}", URI "#/multipleOf: must be a number greater than 0");
	compile_fails("{\"required\": [\"a\", \"a\"]}", URI "#/required: lists a name twice");
	/* one $id for two different schemas is ambiguous */
	compile_fails("{\"$defs\": {\"a\": {\"$id\": \"x.json\"}, \"b\": {\"$id\": \"x.json\", \"type\": \"string\"}}}",
		      "/$id: 'seam:test/x.json' already identifies the schema at ");
	/* a recursion through properties consumes instance: fine */
	seam_schema_set_destroy(compile("{\"properties\": {\"next\": {\"$ref\": \"#\"}}}"));
}

static void test_get_pointer_anchor_and_ids(void **state)
{
	seam_schema_set_t *set = compile("{\"$defs\": {\"a b\": {\"type\": \"integer\"}, \"t\": true,"
					 "  \"x\": {\"$id\": \"sub/x.json\", \"$anchor\": \"here\", \"type\": \"string\"}}}");
	json_t *one = json_integer(1), *str = json_string("s");
	(void)state;
	assert_non_null(seam_schema_set_get(set, URI));
	assert_non_null(seam_schema_set_get(set, URI "#"));
	assert_true(seam_schema_validate(seam_schema_set_get(set, URI "#/$defs/a%20b"), one, NULL, NULL));
	assert_false(seam_schema_validate(seam_schema_set_get(set, URI "#/$defs/a%20b"), str, NULL, NULL));
	assert_true(seam_schema_validate(seam_schema_set_get(set, URI "#/$defs/t"), str, NULL, NULL));
	/* the embedded resource under its own $id, its anchor, and by pointer from the document */
	assert_non_null(seam_schema_set_get(set, "seam:test/sub/x.json"));
	assert_true(seam_schema_validate(seam_schema_set_get(set, "seam:test/sub/x.json#here"), str, NULL, NULL));
	assert_false(seam_schema_validate(seam_schema_set_get(set, URI "#/$defs/x"), one, NULL, NULL));
	assert_null(seam_schema_set_get(set, URI "#/$defs/nothere"));
	assert_null(seam_schema_set_get(set, URI "#nothere"));
	assert_null(seam_schema_set_get(set, "seam:test/other.json"));
	/* validating against a lookup that found nothing refuses, with a reason */
	json_t *errs = NULL;
	assert_false(seam_schema_validate(seam_schema_set_get(set, URI "#nothere"), one, NULL, &errs));
	want_error(errs, "", "", "", "no schema to validate against");
	json_decref(errs);
	json_decref(one);
	json_decref(str);
	seam_schema_set_destroy(set);
}

static json_t *resolver(const char *uri, void *ud)
{
	int *calls = ud;
	(*calls)++;
	if (strcmp(uri, "seam:lib/money.json") == 0)
		return js("{\"type\": \"string\", \"pattern\": \"^[0-9]+\\\\.[0-9]{2}$\"}");
	return NULL;
}

static json_t *bad_resolver(const char *uri, void *ud)
{
	(void)ud;
	if (strcmp(uri, "seam:lib/broken.json") == 0)
		return js("{\"properties\": {\"a\": {\"pattern\": \"[\"}}}");
	if (strcmp(uri, "seam:lib/badid.json") == 0)
		return js("{\"$defs\": {\"a\": {\"$id\": \"x.json#frag\"}}}");
	return NULL;
}

static void test_resolver_broken_document(void **state)
{
	/* the message is about the fetched document, where it is broken */
	seam_schema_set_t *set = seam_schema_set_create();
	seam_error_t err = { 0 };
	json_t *doc = js("{\"$ref\": \"seam:lib/broken.json\"}");
	(void)state;
	seam_schema_set_resolver(set, bad_resolver, NULL);
	assert_int_equal(seam_schema_set_add(set, URI, doc, &err), SEAM_OK);
	assert_int_not_equal(seam_schema_set_compile(set, &err), SEAM_OK);
	if (!strstr(err.msg, "seam:lib/broken.json#/properties/a/pattern: not a valid regular expression"))
		fail_msg("got: %s", err.msg);
	seam_schema_set_destroy(set);
	json_decref(doc);
	/* also when the fetched document is broken in a way found while reading its identifiers */
	set = seam_schema_set_create();
	doc = js("{\"$ref\": \"seam:lib/badid.json\"}");
	seam_schema_set_resolver(set, bad_resolver, NULL);
	assert_int_equal(seam_schema_set_add(set, URI, doc, &err), SEAM_OK);
	assert_int_not_equal(seam_schema_set_compile(set, &err), SEAM_OK);
	if (!strstr(err.msg, "seam:lib/badid.json#/$defs/a/$id: must not have a fragment"))
		fail_msg("got: %s", err.msg);
	seam_schema_set_destroy(set);
	json_decref(doc);
}

static void test_resolver(void **state)
{
	seam_schema_set_t *set = seam_schema_set_create();
	seam_error_t err = { 0 };
	json_t *doc = js("{\"properties\": {\"total\": {\"$ref\": \"seam:lib/money.json\"},"
			 " \"tax\": {\"$ref\": \"seam:lib/money.json#\"}}}");
	json_t *ok = js("{\"total\": \"10.00\", \"tax\": \"1.90\"}"), *bad = js("{\"total\": \"10\"}");
	int calls = 0;
	(void)state;
	seam_schema_set_resolver(set, resolver, &calls);
	assert_int_equal(seam_schema_set_add(set, URI, doc, &err), SEAM_OK);
	assert_int_equal(seam_schema_set_compile(set, &err), SEAM_OK);
	assert_int_equal(calls, 1); /* asked once, then known */
	assert_true(seam_schema_validate(seam_schema_set_get(set, URI), ok, NULL, NULL));
	assert_false(seam_schema_validate(seam_schema_set_get(set, URI), bad, NULL, NULL));
	assert_non_null(seam_schema_set_get(set, "seam:lib/money.json"));
	seam_schema_set_destroy(set);
	json_decref(doc);
	json_decref(ok);
	json_decref(bad);
}

static void test_numbers(void **state)
{
	seam_schema_set_t *set = compile("{\"multipleOf\": 0.01, \"exclusiveMaximum\": 100}");
	const seam_schema_t *s = seam_schema_set_get(set, URI);
	static const struct {
		double v;
		bool ok;
	} cases[] = { { 19.99, true }, { 0.07, true }, { 99.99, true }, { 4.35, true },
		      { 1.005, false }, { 100.0, false }, { 0.001, false } };
	json_t *errs = NULL, *v;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		v = json_real(cases[i].v);
		if (seam_schema_validate(s, v, NULL, NULL) != cases[i].ok)
			fail_msg("%.17g: got %d, want %d", cases[i].v, !cases[i].ok, cases[i].ok);
		json_decref(v);
	}
	v = json_integer(100);
	assert_false(seam_schema_validate(s, v, NULL, &errs));
	want_error(errs, "", "/exclusiveMaximum", URI "#/exclusiveMaximum", "must be < 100, got 100");
	json_decref(errs);
	json_decref(v);
	seam_schema_set_destroy(set);
}

static void test_format_assertion_is_per_call(void **state)
{
	seam_schema_set_t *set = compile("{\"format\": \"date\"}");
	const seam_schema_t *s = seam_schema_set_get(set, URI);
	seam_schema_opts_t o = { .assert_formats = SEAM_FORMAT_BIT(SEAM_FORMAT_DATE) };
	json_t *bad = json_string("2024-02-30x"), *good = json_string("2024-02-29"), *errs = NULL;
	(void)state;
	assert_true(seam_schema_validate(s, bad, NULL, NULL)); /* an annotation by default */
	assert_true(seam_schema_validate(s, good, &o, NULL));
	assert_false(seam_schema_validate(s, bad, &o, &errs));
	want_error(errs, "", "/format", URI "#/format", "must be a valid date");
	json_decref(errs);
	json_decref(bad);
	json_decref(good);
	seam_schema_set_destroy(set);
}

static void test_compiled_form_is_independent(void **state)
{
	/* after compile, the schema JSON may change or go: validation reads only the compiled form */
	seam_schema_set_t *set = seam_schema_set_create();
	seam_error_t err = { 0 };
	json_t *doc = js("{\"type\": \"string\", \"minLength\": 1, \"enum\": [\"a\", \"b\", \"\"],"
			 " \"not\": {\"const\": \"b\"}}");
	json_t *a = json_string("a"), *b = json_string("b"), *empty = json_string(""), *one = json_integer(1);
	const seam_schema_t *s;
	(void)state;
	assert_int_equal(seam_schema_set_add(set, URI, doc, &err), SEAM_OK);
	assert_int_equal(seam_schema_set_compile(set, &err), SEAM_OK);
	s = seam_schema_set_get(set, URI);
	json_object_set_new(doc, "type", json_string("integer"));
	json_object_del(doc, "minLength");
	json_array_clear(json_object_get(doc, "enum"));
	json_object_set_new(json_object_get(doc, "not"), "const", json_string("a"));
	assert_true(seam_schema_validate(s, a, NULL, NULL));
	assert_false(seam_schema_validate(s, b, NULL, NULL));
	assert_false(seam_schema_validate(s, empty, NULL, NULL));
	assert_false(seam_schema_validate(s, one, NULL, NULL));
	json_decref(doc);
	json_decref(a);
	json_decref(b);
	json_decref(empty);
	json_decref(one);
	seam_schema_set_destroy(set);

	/* names too: properties, patterns, required, dependencies (ASan sees a use after free) */
	set = seam_schema_set_create();
	doc = js("{\"properties\": {\"xx\": {\"type\": \"integer\"}}, \"required\": [\"xx\"],"
		 " \"patternProperties\": {\"^y\": false}, \"dependentRequired\": {\"zz\": [\"xx\"]},"
		 " \"dependentSchemas\": {\"ww\": false}, \"pattern\": \"^q\"}");
	assert_int_equal(seam_schema_set_add(set, URI, doc, &err), SEAM_OK);
	assert_int_equal(seam_schema_set_compile(set, &err), SEAM_OK);
	s = seam_schema_set_get(set, URI);
	json_object_clear(doc);
	json_decref(doc);
	a = js("{\"xx\": \"s\"}");
	b = js("{\"zz\": 1}");
	empty = js("{\"xx\": 1, \"yes\": 1}");
	one = js("{\"xx\": 1, \"ww\": 1}");
	json_t *okv = js("{\"xx\": 1, \"zz\": 2}"), *errs = NULL;
	assert_false(seam_schema_validate(s, a, NULL, NULL));
	assert_false(seam_schema_validate(s, b, NULL, NULL));
	assert_false(seam_schema_validate(s, empty, NULL, NULL));
	assert_false(seam_schema_validate(s, one, NULL, NULL));
	assert_true(seam_schema_validate(s, okv, NULL, NULL));
	assert_false(seam_schema_validate(s, a, NULL, &errs));
	want_error(errs, "/xx", "/properties/xx/type", URI "#/properties/xx/type", "expected integer, got string");
	json_decref(errs);
	json_decref(a);
	json_decref(b);
	json_decref(empty);
	json_decref(one);
	json_decref(okv);
	seam_schema_set_destroy(set);
}

typedef struct th_arg {
	const seam_schema_t *s;
	json_t *good, *bad;
	int fails;
} th_arg_t;

static void *worker(void *p)
{
	th_arg_t *a = p;
	for (int i = 0; i < 2000; i++) {
		json_t *errs = NULL;
		if (!seam_schema_validate(a->s, a->good, NULL, NULL))
			a->fails++;
		if (seam_schema_validate(a->s, a->bad, NULL, &errs) || json_array_size(errs) != 6)
			a->fails++;
		json_decref(errs);
	}
	return NULL;
}

static void test_threads_share_one_schema(void **state)
{
	seam_schema_set_t *set = compile(ORDER);
	th_arg_t args[4];
	pthread_t th[4];
	/* the instances are shared read-only too (jansson's reads of an object are) */
	json_t *good = js("{\"number\": \"SO-1\", \"lines\": [{\"sku\": \"A\", \"qty\": 2}, {\"sku\": \"B\", \"qty\": 1}]}");
	json_t *bad = js("{\"number\": 42, \"a/b~c\": \"x\", \"lines\": [{\"sku\": \"A\", \"qty\": 1},"
			 " {\"qty\": 0, \"price\": \"1.5\", \"colour\": \"red\"}]}");
	(void)state;
	for (int i = 0; i < 4; i++) {
		args[i] = (th_arg_t){ seam_schema_set_get(set, URI), good, bad, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].fails, 0);
	}
	json_decref(good);
	json_decref(bad);
	seam_schema_set_destroy(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_every_one_with_pointers),
		cmocka_unit_test(test_errors_of_branches),
		cmocka_unit_test(test_max_errors_cap),
		cmocka_unit_test(test_limit_deep_instance),
		cmocka_unit_test(test_limit_big_array_and_steps),
		cmocka_unit_test(test_limit_regex_backtracking),
		cmocka_unit_test(test_compile_errors_say_where),
		cmocka_unit_test(test_get_pointer_anchor_and_ids),
		cmocka_unit_test(test_resolver),
		cmocka_unit_test(test_resolver_broken_document),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_format_assertion_is_per_call),
		cmocka_unit_test(test_compiled_form_is_independent),
		cmocka_unit_test(test_threads_share_one_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
