/* test_diff.c: the breaking-change gate's catalogue. Each row is one schema change (old, new),
 * the kinds the engine must list for it (as a multiset, order free), whether it breaks
 * backward and forward (full is either), and where the first change is. Every kind of
 * SEAM_DIFF_KINDS appears in at least one row (checked). Then the engine's edges: unresolvable
 * $ref and non-schemas are errors, cycles terminate, cross-file refs are followed through the
 * loader, the mode names parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/diff.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

typedef struct row {
	const char *name;
	const char *old, *new_;
	const char *kinds; /* comma-separated, order free; "" = no change at all */
	int bw, fw;        /* breaks backward, breaks forward */
	const char *path;  /* the first change's path, or NULL: not checked */
} row_t;

#define OBJ_OPEN(p) "{\"type\":\"object\",\"properties\":{" p "}}"
#define OBJ_CLOSED(p) "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" p "}}"

static const row_t catalogue[] = {
	/* types, nullable through type arrays */
	{"nullable added", "{\"type\":\"string\"}", "{\"type\":[\"string\",\"null\"]}",
	 "nullable-added", 0, 1, "/type"},
	{"nullable removed", "{\"type\":[\"string\",\"null\"]}", "{\"type\":\"string\"}",
	 "nullable-removed", 1, 0, "/type"},
	{"integer widened to number", "{\"type\":\"integer\"}", "{\"type\":\"number\"}",
	 "type-widened", 0, 1, NULL},
	{"number narrowed to integer", "{\"type\":\"number\"}", "{\"type\":\"integer\"}",
	 "type-narrowed", 1, 0, NULL},
	{"string changed to integer", "{\"type\":\"string\"}", "{\"type\":\"integer\"}",
	 "type-changed", 1, 1, NULL},
	{"type added", "{}", "{\"type\":\"string\"}", "type-narrowed", 1, 0, "/type"},
	{"type removed", "{\"type\":\"string\"}", "true", "type-widened", 0, 1, "/type"},
	{"type array gains a non-null type", "{\"type\":[\"string\",\"null\"]}",
	 "{\"type\":[\"string\",\"null\",\"integer\"]}", "type-widened", 0, 1, NULL},
	/* properties under open and closed content models */
	{"property added, open content", OBJ_OPEN("\"a\":{}"),
	 OBJ_OPEN("\"a\":{},\"b\":{\"type\":\"string\"}"), "property-added-open", 1, 0,
	 "/properties/b"},
	{"property added as {}, open content", OBJ_OPEN("\"a\":{}"), OBJ_OPEN("\"a\":{},\"b\":{}"),
	 "property-added-open", 0, 0, "/properties/b"},
	{"property added, closed content", OBJ_CLOSED("\"a\":{}"),
	 OBJ_CLOSED("\"a\":{},\"b\":{\"type\":\"string\"}"), "property-added-closed", 0, 1,
	 "/properties/b"},
	{"required property added, closed content", OBJ_CLOSED("\"a\":{}"),
	 "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"b\"],"
	 "\"properties\":{\"a\":{},\"b\":{\"type\":\"string\"}}}",
	 "property-added-closed,required-added", 1, 1, NULL},
	{"required property added, open content", OBJ_OPEN("\"a\":{}"),
	 "{\"type\":\"object\",\"required\":[\"b\"],\"properties\":{\"a\":{},\"b\":{\"type\":"
	 "\"string\"}}}",
	 "property-added-open,required-added", 1, 0, NULL},
	{"property removed, open content", OBJ_OPEN("\"a\":{},\"b\":{\"type\":\"string\"}"),
	 OBJ_OPEN("\"a\":{}"), "property-removed-open", 0, 1, "/properties/b"},
	{"property removed, closed content", OBJ_CLOSED("\"a\":{},\"b\":{\"type\":\"string\"}"),
	 OBJ_CLOSED("\"a\":{}"), "property-removed-closed", 1, 0, "/properties/b"},
	{"property added, same as additionalProperties",
	 "{\"additionalProperties\":{\"type\":\"string\"}}",
	 "{\"additionalProperties\":{\"type\":\"string\"},\"properties\":{\"b\":{\"type\":"
	 "\"string\"}}}",
	 "property-added", 0, 0, "/properties/b"},
	{"property added, narrower than additionalProperties",
	 "{\"additionalProperties\":{\"type\":\"string\"}}",
	 "{\"additionalProperties\":{\"type\":\"string\"},\"properties\":{\"b\":{\"type\":"
	 "\"string\",\"maxLength\":3}}}",
	 "property-added", 1, 0, NULL},
	{"property removed, additionalProperties narrower",
	 "{\"additionalProperties\":{\"type\":\"string\"},\"properties\":{\"b\":{}}}",
	 "{\"additionalProperties\":{\"type\":\"string\"}}", "property-removed", 1, 0, NULL},
	{"property added under unevaluatedProperties false",
	 "{\"unevaluatedProperties\":false,\"properties\":{\"a\":{}}}",
	 "{\"unevaluatedProperties\":false,\"properties\":{\"a\":{},\"b\":{}}}",
	 "property-added-closed", 0, 1, NULL},
	{"content closed", OBJ_OPEN("\"a\":{}"), OBJ_CLOSED("\"a\":{}"), "content-closed", 1, 0,
	 "/additionalProperties"},
	{"content opened", OBJ_CLOSED("\"a\":{}"), OBJ_OPEN("\"a\":{}"), "content-opened", 0, 1,
	 "/additionalProperties"},
	{"unevaluatedProperties closed", "{\"type\":\"object\"}",
	 "{\"type\":\"object\",\"unevaluatedProperties\":false}", "content-closed", 1, 0,
	 "/unevaluatedProperties"},
	{"additionalProperties schema narrowed", "{\"additionalProperties\":{\"type\":\"number\"}}",
	 "{\"additionalProperties\":{\"type\":\"integer\"}}", "type-narrowed", 1, 0,
	 "/additionalProperties/type"},
	{"nested property narrowed",
	 OBJ_OPEN("\"data\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":[\"integer\","
		  "\"null\"]}}}"),
	 OBJ_OPEN("\"data\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}"),
	 "nullable-removed", 1, 0, "/properties/data/properties/id/type"},
	/* required, dependentRequired */
	{"required added", "{\"required\":[\"a\"]}", "{\"required\":[\"a\",\"b\"]}",
	 "required-added", 1, 0, "/required"},
	{"required removed", "{\"required\":[\"a\",\"b\"]}", "{\"required\":[\"a\"]}",
	 "required-removed", 0, 1, "/required"},
	{"dependentRequired added", "{}", "{\"dependentRequired\":{\"a\":[\"b\"]}}",
	 "dependent-required-added", 1, 0, "/dependentRequired/a"},
	{"dependentRequired removed", "{\"dependentRequired\":{\"a\":[\"b\",\"c\"]}}",
	 "{\"dependentRequired\":{\"a\":[\"b\"]}}", "dependent-required-removed", 0, 1, NULL},
	/* enum and const */
	{"enum value added", "{\"enum\":[\"a\",\"b\"]}", "{\"enum\":[\"a\",\"b\",\"c\"]}",
	 "enum-value-added", 0, 1, "/enum"},
	{"enum value removed", "{\"enum\":[\"a\",\"b\"]}", "{\"enum\":[\"a\"]}",
	 "enum-value-removed", 1, 0, "/enum"},
	{"enum value swapped", "{\"enum\":[\"a\",\"b\"]}", "{\"enum\":[\"a\",\"c\"]}",
	 "enum-value-added,enum-value-removed", 1, 1, NULL},
	{"enum reordered", "{\"enum\":[\"a\",\"b\"]}", "{\"enum\":[\"b\",\"a\"]}", "", 0, 0, NULL},
	{"enum value written as 1.0 instead of 1", "{\"enum\":[1,2]}", "{\"enum\":[1.0,2]}", "", 0, 0, NULL},
	{"const object with a member as 5.0", "{\"const\":{\"n\":5}}", "{\"const\":{\"n\":5.0}}", "", 0, 0,
	 NULL},
	{"enum added", "{\"type\":\"string\"}", "{\"type\":\"string\",\"enum\":[\"a\"]}",
	 "enum-added", 1, 0, "/enum"},
	{"enum removed", "{\"type\":\"string\",\"enum\":[\"a\"]}", "{\"type\":\"string\"}",
	 "enum-removed", 0, 1, "/enum"},
	{"const changed", "{\"const\":\"v1\"}", "{\"const\":\"v2\"}", "const-changed", 1, 1,
	 "/const"},
	{"const added", "{\"type\":\"string\"}", "{\"type\":\"string\",\"const\":\"x\"}",
	 "const-added", 1, 0, "/const"},
	{"const removed", "{\"type\":\"string\",\"const\":\"x\"}", "{\"type\":\"string\"}",
	 "const-removed", 0, 1, "/const"},
	{"const became a wider enum", "{\"const\":\"a\"}", "{\"enum\":[\"a\",\"b\"]}",
	 "enum-value-added", 0, 1, "/enum"},
	/* numeric bounds */
	{"minimum raised", "{\"minimum\":0}", "{\"minimum\":1}", "numeric-bound-tightened", 1, 0,
	 "/minimum"},
	{"minimum lowered", "{\"minimum\":1}", "{\"minimum\":0}", "numeric-bound-loosened", 0, 1,
	 "/minimum"},
	{"maximum raised", "{\"maximum\":10}", "{\"maximum\":100}", "numeric-bound-loosened", 0, 1,
	 "/maximum"},
	{"maximum added", "{}", "{\"maximum\":100}", "numeric-bound-tightened", 1, 0, "/maximum"},
	{"minimum made exclusive", "{\"minimum\":0}", "{\"exclusiveMinimum\":0}",
	 "numeric-bound-tightened", 1, 0, "/exclusiveMinimum"},
	{"exclusiveMaximum removed", "{\"exclusiveMaximum\":5}", "{}", "numeric-bound-loosened", 0,
	 1, "/exclusiveMaximum"},
	{"exclusiveMaximum to an equal inclusive maximum", "{\"exclusiveMaximum\":5}",
	 "{\"maximum\":5}", "numeric-bound-loosened", 0, 1, "/maximum"},
	{"multipleOf coarser", "{\"multipleOf\":0.01}", "{\"multipleOf\":0.02}",
	 "multipleOf-tightened", 1, 0, "/multipleOf"},
	{"multipleOf finer", "{\"multipleOf\":0.02}", "{\"multipleOf\":0.01}",
	 "multipleOf-loosened", 0, 1, "/multipleOf"},
	{"multipleOf unrelated", "{\"multipleOf\":2}", "{\"multipleOf\":3}", "multipleOf-changed",
	 1, 1, "/multipleOf"},
	{"multipleOf removed", "{\"multipleOf\":2}", "{}", "multipleOf-loosened", 0, 1, NULL},
	/* lengths, items, properties counts */
	{"maxLength lowered", "{\"maxLength\":255}", "{\"maxLength\":64}",
	 "length-bound-tightened", 1, 0, "/maxLength"},
	{"maxLength removed", "{\"maxLength\":255}", "{}", "length-bound-loosened", 0, 1,
	 "/maxLength"},
	{"minLength added", "{}", "{\"minLength\":1}", "length-bound-tightened", 1, 0, "/minLength"},
	{"minLength removed", "{\"minLength\":1}", "{}", "length-bound-loosened", 0, 1, NULL},
	{"minItems added", "{\"type\":\"array\"}", "{\"type\":\"array\",\"minItems\":1}",
	 "items-bound-tightened", 1, 0, "/minItems"},
	{"maxItems raised", "{\"maxItems\":10}", "{\"maxItems\":20}", "items-bound-loosened", 0, 1,
	 NULL},
	{"maxContains lowered", "{\"contains\":{},\"maxContains\":3}",
	 "{\"contains\":{},\"maxContains\":2}", "items-bound-tightened", 1, 0, "/maxContains"},
	{"maxProperties lowered", "{\"maxProperties\":10}", "{\"maxProperties\":5}",
	 "properties-bound-tightened", 1, 0, NULL},
	{"minProperties lowered", "{\"minProperties\":2}", "{\"minProperties\":1}",
	 "properties-bound-loosened", 0, 1, NULL},
	{"uniqueItems added", "{\"type\":\"array\"}", "{\"type\":\"array\",\"uniqueItems\":true}",
	 "unique-items-added", 1, 0, "/uniqueItems"},
	{"uniqueItems removed", "{\"uniqueItems\":true}", "{\"uniqueItems\":false}",
	 "unique-items-removed", 0, 1, NULL},
	/* pattern and format */
	{"pattern added", "{\"type\":\"string\"}", "{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"}",
	 "pattern-added", 1, 0, "/pattern"},
	{"pattern changed", "{\"pattern\":\"^[0-9]+$\"}", "{\"pattern\":\"^[0-9]{1,12}$\"}",
	 "pattern-changed", 1, 1, "/pattern"},
	{"pattern removed", "{\"pattern\":\"^x\"}", "{}", "pattern-removed", 0, 1, "/pattern"},
	{"format added", "{\"type\":\"string\"}", "{\"type\":\"string\",\"format\":\"uuid\"}",
	 "format-added", 1, 0, "/format"},
	{"format changed", "{\"format\":\"date\"}", "{\"format\":\"date-time\"}", "format-changed", 1,
	 1, "/format"},
	{"format removed", "{\"format\":\"email\"}", "{}", "format-removed", 0, 1, "/format"},
	/* items and prefixItems */
	{"items narrowed", "{\"items\":{\"type\":[\"string\",\"integer\"]}}",
	 "{\"items\":{\"type\":\"string\"}}", "type-narrowed", 1, 0, "/items/type"},
	{"items closed", "{\"prefixItems\":[{}]}", "{\"prefixItems\":[{}],\"items\":false}",
	 "content-closed", 1, 0, "/items"},
	{"prefix item added where items was false",
	 "{\"prefixItems\":[{\"type\":\"string\"}],\"items\":false}",
	 "{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":false}",
	 "prefix-item-added", 0, 1, "/prefixItems/1"},
	{"prefix item added where items was open", "{\"prefixItems\":[{\"type\":\"string\"}]}",
	 "{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "prefix-item-added", 1,
	 0, "/prefixItems/1"},
	{"prefix item removed, items open",
	 "{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
	 "{\"prefixItems\":[{\"type\":\"string\"}]}", "prefix-item-removed", 0, 1, "/prefixItems/1"},
	{"prefix item narrowed", "{\"prefixItems\":[{\"type\":\"number\"}]}",
	 "{\"prefixItems\":[{\"type\":\"integer\"}]}", "type-narrowed", 1, 0, "/prefixItems/0/type"},
	{"contains added", "{\"type\":\"array\"}",
	 "{\"type\":\"array\",\"contains\":{\"const\":1}}", "contains-added", 1, 0, "/contains"},
	{"contains removed", "{\"contains\":{\"const\":1}}", "{}", "contains-removed", 0, 1, NULL},
	/* $ref followed */
	{"$defs target changed behind the same $ref",
	 "{\"properties\":{\"p\":{\"$ref\":\"#/$defs/price\"}},\"$defs\":{\"price\":{\"type\":"
	 "\"string\",\"pattern\":\"^[0-9]+$\"}}}",
	 "{\"properties\":{\"p\":{\"$ref\":\"#/$defs/price\"}},\"$defs\":{\"price\":{\"type\":"
	 "\"string\",\"pattern\":\"^[0-9]+(\\\\.[0-9]+)?$\"}}}",
	 "pattern-changed", 1, 1, "/$defs/price/pattern"},
	{"$ref retargeted to an identical definition",
	 "{\"$ref\":\"#/$defs/a\",\"type\":\"object\",\"$defs\":{\"a\":{\"required\":[\"x\"]},\"b\":{\"required\":[\"x\"]}}}",
	 "{\"$ref\":\"#/$defs/b\",\"type\":\"object\",\"$defs\":{\"a\":{\"required\":[\"x\"]},\"b\":{\"required\":[\"x\"]}}}",
	 "ref-changed", 0, 0, "/$ref"},
	{"$ref retargeted to a narrower definition",
	 "{\"$ref\":\"#/$defs/a\",\"type\":\"object\",\"$defs\":{\"a\":{\"required\":[\"x\"]},\"b\":{\"required\":[\"x\",\"y\"]}}}",
	 "{\"$ref\":\"#/$defs/b\",\"type\":\"object\",\"$defs\":{\"a\":{\"required\":[\"x\"]},\"b\":{\"required\":[\"x\",\"y\"]}}}",
	 "ref-changed", 1, 0, "/$ref"},
	{"definition inlined",
	 "{\"properties\":{\"p\":{\"$ref\":\"#/$defs/price\"}},\"$defs\":{\"price\":{\"type\":"
	 "\"string\"}}}",
	 "{\"properties\":{\"p\":{\"type\":\"string\",\"description\":\"inlined\"}}}", "", 0, 0,
	 NULL},
	{"$ref by anchor, target narrowed",
	 "{\"items\":{\"$ref\":\"#item\"},\"$defs\":{\"i\":{\"$anchor\":\"item\",\"type\":\"number\"}}}",
	 "{\"items\":{\"$ref\":\"#item\"},\"$defs\":{\"i\":{\"$anchor\":\"item\",\"type\":\"integer\"}}}",
	 "type-narrowed", 1, 0, "/$defs/i/type"},
	{"recursive schema, root narrowed",
	 "{\"type\":[\"object\",\"null\"],\"properties\":{\"kids\":{\"items\":{\"$ref\":\"#\"}}}}",
	 "{\"type\":\"object\",\"properties\":{\"kids\":{\"items\":{\"$ref\":\"#\"}}}}",
	 "nullable-removed", 1, 0, "/type"},
	{"a definition judged inside a wrapper first is still listed",
	 "{\"additionalProperties\":{\"$ref\":\"#/$defs/d\"},\"properties\":{\"x\":{\"$ref\":\"#/$defs/d\"}},"
	 "\"$defs\":{\"d\":{\"type\":\"number\"}}}",
	 "{\"additionalProperties\":{\"$ref\":\"#/$defs/d\"},\"properties\":{\"y\":{\"$ref\":\"#/$defs/d\"},"
	 "\"x\":{\"$ref\":\"#/$defs/d\"}},\"$defs\":{\"d\":{\"type\":\"integer\"}}}",
	 "property-added,type-narrowed", 1, 0, NULL},
	/* anyOf / oneOf branches, allOf, not */
	{"anyOf branch added", "{\"anyOf\":[{\"type\":\"string\"}]}",
	 "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "branch-added", 0, 1,
	 "/anyOf/1"},
	{"anyOf branch removed", "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
	 "{\"anyOf\":[{\"type\":\"string\"}]}", "branch-removed", 1, 0, "/anyOf/1"},
	{"oneOf branch added, disjoint types", "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"string\"}]}",
	 "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"string\"},{\"type\":\"integer\"}]}",
	 "branch-added", 0, 1, "/oneOf/2"},
	{"oneOf branch added, overlapping", "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
	 "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"},{\"type\":\"number\"}]}",
	 "branch-added", 1, 1, "/oneOf/2"},
	{"oneOf branch edited in place",
	 "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"string\",\"maxLength\":10}]}",
	 "{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"string\",\"maxLength\":20}]}",
	 "length-bound-loosened", 0, 1, "/oneOf/1/maxLength"},
	{"oneOf introduced", "{\"type\":\"string\"}",
	 "{\"type\":\"string\",\"oneOf\":[{\"minLength\":1},{\"const\":\"\"}]}", "combinator-added",
	 1, 0, "/oneOf"},
	{"allOf member removed", "{\"allOf\":[{\"type\":\"object\"},{\"required\":[\"a\"]}]}",
	 "{\"allOf\":[{\"type\":\"object\"}]}", "required-removed", 0, 1, NULL},
	{"not made wider", "{\"not\":{\"type\":\"string\"}}",
	 "{\"not\":{\"type\":[\"string\",\"integer\"]}}", "not-changed", 1, 0, "/not"},
	{"not removed", "{\"not\":{\"type\":\"string\"}}", "{}", "combinator-removed", 0, 1, "/not"},
	/* what is not classified, and what does not matter */
	{"if condition changed", "{\"if\":{\"required\":[\"a\"]},\"then\":{\"required\":[\"b\"]}}",
	 "{\"if\":{\"required\":[\"c\"]},\"then\":{\"required\":[\"b\"]}}", "unknown", 1, 1, "/if"},
	{"unknown keyword changed", "{\"$dynamicRef\":\"#node\"}", "{\"$dynamicRef\":\"#other\"}",
	 "unknown", 1, 1, "/$dynamicRef"},
	{"patternProperties key added", "{\"type\":\"object\"}",
	 "{\"type\":\"object\",\"patternProperties\":{\"^x-\":{\"type\":\"string\"}}}", "unknown", 1,
	 1, NULL},
	{"vendor extension changed", "{\"type\":\"string\",\"x-erp-field\":\"NAME\"}",
	 "{\"type\":\"string\",\"x-erp-field\":\"NAME2\"}", "", 0, 0, NULL},
	{"annotations only", "{\"title\":\"a\",\"description\":\"x\",\"examples\":[1],\"type\":\"integer\"}",
	 "{\"title\":\"b\",\"description\":\"y\",\"examples\":[2],\"default\":3,\"type\":\"integer\"}",
	 "", 0, 0, NULL},
	{"false to true", "false", "true", "content-opened", 0, 1, ""},
	/* found by fuzz/fuzz_contract_diff.c: an unchanged keyword read as changed when absent on both sides */
	{"array-form items unchanged", "{\"items\":[{\"type\":\"string\"}]}",
	 "{\"items\":[{\"type\":\"string\"}]}", "", 0, 0, NULL},
	{"array-form items changed", "{\"items\":[{\"type\":\"string\"}]}",
	 "{\"items\":[{\"type\":\"integer\"}]}", "unknown", 1, 1, "/items"},
};
#define NROWS (sizeof catalogue / sizeof catalogue[0])

static json_t *parse(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
	if (!j)
		fail_msg("bad test JSON (%s): %s", je.text, s);
	return j;
}

/* Sorted, comma-joined kinds of a change list. */
static void kinds_of(const json_t *changes, char *out, size_t cap)
{
	const char *names[64];
	size_t n = 0, i, len = 0;
	const json_t *ch;
	json_array_foreach(changes, i, ch)
		if (n < 64)
			names[n++] = json_string_value(json_object_get(ch, "kind"));
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && strcmp(names[b - 1], names[b]) > 0; b--) {
			const char *t = names[b];
			names[b] = names[b - 1];
			names[b - 1] = t;
		}
	out[0] = '\0';
	for (i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", names[i]);
}

static void sorted_list(const char *in, char *out, size_t cap)
{
	json_t *fake = json_array();
	char *dup = strdup(in), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(fake, json_pack("{s:s}", "kind", t));
	kinds_of(fake, out, cap);
	json_decref(fake);
	free(dup);
}

static void test_catalogue(void **state)
{
	(void)state;
	size_t failures = 0;
	for (size_t r = 0; r < NROWS; r++) {
		const row_t *row = &catalogue[r];
		json_t *o = parse(row->old), *n = parse(row->new_), *changes = NULL;
		seam_diff_side_t so = {o, "x.schema.json", NULL, NULL}, sn = {n, "x.schema.json", NULL, NULL};
		seam_error_t err = {0};
		char got[512], want[512];
		seam_err_t rc = seam_diff(&so, &sn, &changes, &err);
		if (rc != SEAM_OK) {
			print_error("row %zu '%s': seam_diff failed: %s\n", r, row->name, err.msg);
			failures++;
			goto next;
		}
		/* a kind whose verdict the table fixes has that verdict (docs/contracts.md prints the table) */
		size_t ci;
		const json_t *one;
		json_array_foreach(changes, ci, one) {
			const char *kn = json_string_value(json_object_get(one, "kind"));
			for (int k = 0; k < SEAM__DIFF_KIND_COUNT; k++) {
				if (strcmp(kn, seam_diff_kind_name((seam_diff_kind_e)k)) != 0)
					continue;
				int tb = seam_diff_kind_breaks((seam_diff_kind_e)k, SEAM_COMPAT_BACKWARD);
				int tf = seam_diff_kind_breaks((seam_diff_kind_e)k, SEAM_COMPAT_FORWARD);
				if ((tb >= 0 && tb != json_is_true(json_object_get(one, "breaks_backward"))) ||
				    (tf >= 0 && tf != json_is_true(json_object_get(one, "breaks_forward")))) {
					print_error("row %zu '%s': %s does not have the table's verdict\n", r,
						    row->name, kn);
					failures++;
				}
			}
		}
		kinds_of(changes, got, sizeof got);
		sorted_list(row->kinds, want, sizeof want);
		int bw = seam_diff_breaks(changes, SEAM_COMPAT_BACKWARD);
		int fw = seam_diff_breaks(changes, SEAM_COMPAT_FORWARD);
		int full = seam_diff_breaks(changes, SEAM_COMPAT_FULL);
		const char *path = json_string_value(json_object_get(json_array_get(changes, 0), "path"));
		if (strcmp(got, want) != 0 || bw != row->bw || fw != row->fw || full != (row->bw || row->fw) ||
		    seam_diff_breaks(changes, SEAM_COMPAT_NONE) ||
		    (row->path && (!path || strcmp(path, row->path) != 0))) {
			char *dump = json_dumps(changes, JSON_COMPACT);
			print_error("row %zu '%s':\n  kinds got [%s] want [%s]\n  backward got %d want %d, "
				    "forward got %d want %d, full got %d\n  path got %s want %s\n  %s\n",
				    r, row->name, got, want, bw, row->bw, fw, row->fw, full,
				    path ? path : "(none)", row->path ? row->path : "(any)", dump);
			free(dump);
			failures++;
		}
	next:
		json_decref(changes);
		json_decref(o);
		json_decref(n);
	}
	print_message("catalogue: %zu rows, %zu failed\n", NROWS, failures);
	TH_ASSERT_CMP(NROWS, >=, 45);
	assert_int_equal(failures, 0);
}

/* Every kind of the table is exercised by some row. */
static void test_catalogue_covers_every_kind(void **state)
{
	(void)state;
	for (int k = 0; k < SEAM__DIFF_KIND_COUNT; k++) {
		const char *name = seam_diff_kind_name((seam_diff_kind_e)k);
		int found = 0;
		for (size_t r = 0; r < NROWS && !found; r++) {
			char list[512];
			snprintf(list, sizeof list, ",%s,", catalogue[r].kinds);
			char needle[128];
			snprintf(needle, sizeof needle, ",%s,", name);
			found = strstr(list, needle) != NULL;
		}
		if (!found)
			fail_msg("no catalogue row lists kind '%s'", name);
	}
}

/* A loader over a small in-memory tree: "common/price.schema.json". */
static json_t *mem_load(const char *path, void *ud)
{
	const char *const *files = ud;
	for (size_t i = 0; files[i]; i += 2)
		if (strcmp(files[i], path) == 0)
			return json_loads(files[i + 1], 0, NULL);
	return NULL;
}

static void test_cross_file_ref_followed(void **state)
{
	(void)state;
	const char *old_tree[] = {"common/price.schema.json", "{\"type\":[\"string\",\"null\"]}", NULL};
	const char *new_tree[] = {"common/price.schema.json", "{\"type\":\"string\"}", NULL};
	json_t *doc = parse("{\"properties\":{\"p\":{\"$ref\":\"../common/price.schema.json\"}}}");
	json_t *changes = NULL;
	seam_diff_side_t so = {doc, "order/v1.schema.json", mem_load, old_tree};
	seam_diff_side_t sn = {doc, "order/v1.schema.json", mem_load, new_tree};
	seam_error_t err = {0};
	assert_int_equal(seam_diff(&so, &sn, &changes, &err), SEAM_OK);
	assert_int_equal(json_array_size(changes), 1);
	json_t *ch = json_array_get(changes, 0);
	assert_string_equal(json_string_value(json_object_get(ch, "kind")), "nullable-removed");
	assert_string_equal(json_string_value(json_object_get(ch, "path")),
			    "common/price.schema.json#/type");
	assert_true(seam_diff_breaks(changes, SEAM_COMPAT_BACKWARD));
	json_decref(changes);
	json_decref(doc);
}

static void test_relative_ref(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
		{"https://x.test/a/b/c.json", "https://x.test/a/d.json", "../d.json"},
		{"https://x.test/a/b/c.json", "https://x.test/a/b/e.json#/$defs/m", "e.json"},
		{"https://x.test/c.json", "https://x.test/q/r.json", "q/r.json"},
		{"https://x.test/a/c.json", "https://y.test/a/d.json", NULL},
		{"https://xa.test/c.json", "https://xb.test/c.json", NULL},
		{"urn:x:y", "urn:x:z", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = seam_diff_relative_ref(cases[i][0], cases[i][1]);
		if (cases[i][2] ? !got || strcmp(got, cases[i][2]) : got != NULL)
			fail_msg("relative_ref(%s, %s): got %s, want %s", cases[i][0], cases[i][1],
				 got ? got : "NULL", cases[i][2] ? cases[i][2] : "NULL");
		free(got);
	}

	/* a $ref by absolute URI under the document's own $id is a file of the same tree */
	const char *old_tree[] = {"common/price.schema.json", "{\"type\":\"number\"}", NULL};
	const char *new_tree[] = {"common/price.schema.json", "{\"type\":\"integer\"}", NULL};
	json_t *doc = parse("{\"$id\":\"https://seam.test/contracts/order/v1.schema.json\",\"items\":"
			    "{\"$ref\":\"https://seam.test/contracts/common/price.schema.json\"}}");
	json_t *changes = NULL;
	seam_diff_side_t so = {doc, "order/v1.schema.json", mem_load, old_tree};
	seam_diff_side_t sn = {doc, "order/v1.schema.json", mem_load, new_tree};
	seam_error_t err = {0};
	if (seam_diff(&so, &sn, &changes, &err) != SEAM_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(json_array_size(changes), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 0), "path")),
			    "common/price.schema.json#/type");
	json_decref(changes);
	json_decref(doc);
}

static void test_errors(void **state)
{
	(void)state;
	json_t *ok = parse("{\"type\":\"string\"}");
	json_t *dangling = parse("{\"properties\":{\"a\":{\"$ref\":\"#/$defs/nowhere\"}}}");
	json_t *nofile = parse("{\"$ref\":\"other.json\"}");
	json_t *notschema = parse("{\"properties\":{\"a\":42}}");
	json_t *changes = (json_t *)1;
	seam_error_t err = {0};
	seam_diff_side_t a = {ok, "x.json", NULL, NULL}, b = {dangling, "x.json", NULL, NULL};

	/* a $ref to nowhere is unusable input, not a change */
	a.doc = parse("{\"properties\":{\"a\":{}}}");
	b.doc = dangling;
	assert_int_equal(seam_diff(&a, &b, &changes, &err), SEAM_NOTFOUND);
	assert_null(changes);
	assert_non_null(strstr(err.msg, "#/$defs/nowhere"));
	json_decref((json_t *)a.doc);

	a.doc = ok;
	b.doc = nofile;
	err = (seam_error_t){0};
	assert_int_equal(seam_diff(&a, &b, &changes, &err), SEAM_NOTFOUND);
	assert_non_null(strstr(err.msg, "other.json"));

	a.doc = parse("{\"properties\":{\"a\":{}}}");
	b.doc = notschema;
	err = (seam_error_t){0};
	assert_int_equal(seam_diff(&a, &b, &changes, &err), SEAM_PARSE);
	assert_non_null(strstr(err.msg, "/properties/a"));
	json_decref((json_t *)a.doc);

	json_decref(ok);
	json_decref(dangling);
	json_decref(nofile);
	json_decref(notschema);
}

/* A $ref cycle that consumes nothing and a deep schema both end (no crash, no stall). */
static void test_limits(void **state)
{
	(void)state;
	json_t *loop = parse("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},"
			     "\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}}}");
	json_t *changes = NULL;
	seam_error_t err = {0};
	seam_diff_side_t a = {loop, "x.json", NULL, NULL}, b = {loop, "x.json", NULL, NULL};
	seam_err_t rc = seam_diff(&a, &b, &changes, &err);
	assert_true(rc == SEAM_OK || rc == SEAM_NOTFOUND);
	json_decref(changes);
	json_decref(loop);

	/* 200 levels of nesting, different at the bottom: one unknown change, breaking */
	size_t depth = 200;
	char *s1 = malloc(depth * 20 + 64), *s2 = malloc(depth * 20 + 64);
	size_t n1 = 0, n2 = 0;
	for (size_t i = 0; i < depth; i++) {
		n1 += (size_t)sprintf(s1 + n1, "{\"items\":");
		n2 += (size_t)sprintf(s2 + n2, "{\"items\":");
	}
	n1 += (size_t)sprintf(s1 + n1, "{\"type\":\"string\"}");
	n2 += (size_t)sprintf(s2 + n2, "{\"type\":\"integer\"}");
	for (size_t i = 0; i < depth; i++) {
		s1[n1++] = '}';
		s2[n2++] = '}';
	}
	s1[n1] = s2[n2] = '\0';
	json_t *d1 = parse(s1), *d2 = parse(s2);
	a.doc = d1;
	b.doc = d2;
	assert_int_equal(seam_diff(&a, &b, &changes, &err), SEAM_OK);
	assert_true(seam_diff_breaks(changes, SEAM_COMPAT_BACKWARD));
	assert_true(seam_diff_breaks(changes, SEAM_COMPAT_FORWARD));
	json_decref(changes);
	json_decref(d1);
	json_decref(d2);
	free(s1);
	free(s2);
}

/* docs/contracts.md has a row for every kind, with the table's verdicts. */
static void test_docs_list_every_kind(void **state)
{
	(void)state;
	char *doc = th_read_file("docs/contracts.md");
	if (!doc)
		skip(); /* not run from the repository root */
	for (int k = 0; k < SEAM__DIFF_KIND_COUNT; k++) {
		char row[256];
		int b = seam_diff_kind_breaks((seam_diff_kind_e)k, SEAM_COMPAT_BACKWARD);
		int f = seam_diff_kind_breaks((seam_diff_kind_e)k, SEAM_COMPAT_FORWARD);
		snprintf(row, sizeof row, "| `%s` | %s | %s |", seam_diff_kind_name((seam_diff_kind_e)k),
			 b < 0 ? "depends" : b ? "**yes**" : "no", f < 0 ? "depends" : f ? "**yes**" : "no");
		if (!strstr(doc, row))
			fail_msg("docs/contracts.md has no row starting %s", row);
	}
	free(doc);
}

static void test_modes_parse(void **state)
{
	(void)state;
	seam_compat_e m;
	bool t;
	assert_int_equal(seam_diff_mode_parse("backward", &m, &t), 0);
	assert_int_equal(m, SEAM_COMPAT_BACKWARD);
	assert_false(t);
	assert_int_equal(seam_diff_mode_parse("full-transitive", &m, &t), 0);
	assert_int_equal(m, SEAM_COMPAT_FULL);
	assert_true(t);
	assert_int_equal(seam_diff_mode_parse("forward-transitive", &m, &t), 0);
	assert_int_equal(m, SEAM_COMPAT_FORWARD);
	assert_int_equal(seam_diff_mode_parse("none", &m, &t), 0);
	assert_int_equal(m, SEAM_COMPAT_NONE);
	assert_int_equal(seam_diff_mode_parse("sideways", &m, &t), -1);
	assert_int_equal(seam_diff_mode_parse("-transitive", &m, &t), -1);
	assert_int_equal(seam_diff_mode_parse("full-transitivex", &m, &t), -1);
	assert_string_equal(seam_diff_mode_name(SEAM_COMPAT_FORWARD), "forward");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_catalogue_covers_every_kind),
		cmocka_unit_test(test_cross_file_ref_followed),
		cmocka_unit_test(test_relative_ref),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_modes_parse),
		cmocka_unit_test(test_docs_list_every_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
