/*
 * fuzz_schema.c: libFuzzer target for the JSON Schema validator (src/contract/schema.c,
 * schema_eval.c, uri.c): compile a schema document, validate an instance against it, free.
 *
 * Input: the schema JSON, a line "--", the instance JSON ("<schema>\n--\n<instance>"). Without
 * the separator the schema validates itself. A resolver serves one more document,
 * "seam:fuzz/other.json" ({"$defs": {"n": {"type": "number"}}, "$dynamicAnchor": "x"}), so
 * references across documents and the dynamic scope are reached too.
 *
 * Checks besides memory safety and termination (limits kept small: depth 64, 200,000 steps):
 *   - compile either succeeds or fails with a message naming where ("...#...: ...");
 *   - validate with and without the error list agree; the list is empty exactly when valid;
 *     every error has the four fields, instanceLocation and keywordLocation are "" or start
 *     with '/', absoluteKeywordLocation names a URI ('#'), at most max_errors errors plus one
 *     "$limit";
 *   - validation is deterministic (a second run gives the same list).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define URI "seam:fuzz/root.json"

static json_t *resolve(const char *uri, void *ud)
{
	(void)ud;
	if (strcmp(uri, "seam:fuzz/other.json") == 0)
		return json_loads("{\"$defs\": {\"n\": {\"type\": \"number\"}}, \"$dynamicAnchor\": \"x\"}", 0, NULL);
	return NULL;
}

static void check_errors(const json_t *errs, bool valid, size_t max)
{
	size_t i, limits = 0;
	json_t *e;
	if (!json_is_array(errs) || (json_array_size(errs) == 0) != valid)
		abort();
	json_array_foreach(errs, i, e) {
		const char *il = json_string_value(json_object_get(e, "instanceLocation"));
		const char *kl = json_string_value(json_object_get(e, "keywordLocation"));
		const char *al = json_string_value(json_object_get(e, "absoluteKeywordLocation"));
		const char *m = json_string_value(json_object_get(e, "error"));
		if (!il || !kl || !al || !m || !*m)
			abort();
		if ((*il && *il != '/') || (*kl && *kl != '/'))
			abort();
		if (!strchr(al, '#'))
			abort();
		if (strlen(kl) >= 7 && strcmp(kl + strlen(kl) - 7, "/$limit") == 0)
			limits++;
	}
	if (json_array_size(errs) > max + limits || limits > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sep = NULL;
	size_t ssize = size;
	json_t *schema = NULL, *inst = NULL, *e1 = NULL, *e2 = NULL;
	seam_schema_set_t *set = NULL;
	seam_error_t err = { 0 };
	seam_schema_opts_t opts = { .max_errors = 20, .max_depth = 64, .max_steps = 200000 };
	const seam_schema_t *s;
	bool v1, v2;

	for (size_t i = 0; i + 4 <= size; i++)
		if (memcmp(data + i, "\n--\n", 4) == 0) {
			sep = (const char *)data + i;
			ssize = i;
			break;
		}
	schema = json_loadb((const char *)data, ssize, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!schema)
		goto out;
	inst = sep ? json_loadb(sep + 4, size - ssize - 4, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)
		   : json_incref(schema);
	if (!inst)
		goto out;
	/* the input length's parity picks the asserted formats: all or none */
	opts.assert_formats = (size & 1) ? SEAM_FORMAT_ALL : 0;
	set = seam_schema_set_create();
	if (!set)
		abort();
	seam_schema_set_resolver(set, resolve, NULL);
	if (seam_schema_set_add(set, URI, schema, &err) != SEAM_OK) {
		if (json_is_object(schema) || json_is_boolean(schema))
			abort(); /* only a non-schema document may be refused */
		goto out;
	}
	if (seam_schema_set_compile(set, &err) != SEAM_OK) {
		/* "where: why"; a location longer than the message buffer (an $id of ~500
		 * characters) leaves only its start: noted in fuzz/README.md */
		if (!err.msg[0] || (!strchr(err.msg, ':') && strlen(err.msg) < SEAM_ERROR_MSG_MAX - 1))
			abort();
		if (seam_schema_set_get(set, URI))
			abort();
		goto out;
	}
	if (!(s = seam_schema_set_get(set, URI)))
		abort();
	v1 = seam_schema_validate(s, inst, &opts, &e1);
	v2 = seam_schema_validate(s, inst, &opts, NULL);
	if (v1 != v2)
		abort();
	check_errors(e1, v1, opts.max_errors);
	if (seam_schema_validate(s, inst, &opts, &e2) != v1 || !json_equal(e1, e2))
		abort();
out:
	json_decref(e1);
	json_decref(e2);
	seam_schema_set_destroy(set);
	json_decref(schema);
	json_decref(inst);
	return 0;
}
