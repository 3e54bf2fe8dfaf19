/*
 * fuzz_contract_diff.c: libFuzzer target for the breaking-change gate's engine
 * (src/contract/diff.c): two schemas from one input, compared both ways and each with itself.
 *
 * Input layout: the old schema, a line "%%", the new schema (no "%%" line: the same text for
 * both). A $ref to "other.json" loads the other side's document, so cross-file refs, cycles
 * through files and refs to nowhere are all reachable.
 *
 * Checks besides memory safety, leaks and termination (nesting and comparison limits):
 *   - seam_diff returns SEAM_OK with an array, or SEAM_NOTFOUND / SEAM_PARSE with a message
 *     and no array;
 *   - every change has a string path (a JSON pointer, or "<file>#<pointer>"), a kind of the
 *     SEAM_DIFF_KINDS table, boolean verdicts that are the table's where it fixes them, and a
 *     non-empty why;
 *   - a schema compared with itself has no change at all;
 *   - seam_diff_breaks agrees with the verdicts of the list.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *other_doc;

static json_t *load_other(const char *path, void *ud)
{
	(void)ud;
	if (strcmp(path, "other.json") == 0 && other_doc)
		return json_incref(other_doc);
	return NULL;
}

static int kind_index(const char *name)
{
	for (int k = 0; k < SEAM__DIFF_KIND_COUNT; k++)
		if (strcmp(seam_diff_kind_name((seam_diff_kind_e)k), name) == 0)
			return k;
	return -1;
}

static void check_changes(const json_t *changes)
{
	size_t i;
	const json_t *ch;
	int any_b = 0, any_f = 0;
	if (!json_is_array(changes))
		abort();
	json_array_foreach(changes, i, ch) {
		const char *path = json_string_value(json_object_get(ch, "path"));
		const char *kind = json_string_value(json_object_get(ch, "kind"));
		const char *why = json_string_value(json_object_get(ch, "why"));
		json_t *b = json_object_get(ch, "breaks_backward"), *f = json_object_get(ch, "breaks_forward");
		int k;
		if (!path || !kind || !why || !*why || !json_is_boolean(b) || !json_is_boolean(f))
			abort();
		if (*path && *path != '/' && !strchr(path, '#'))
			abort();
		if ((k = kind_index(kind)) < 0)
			abort();
		int tb = seam_diff_kind_breaks((seam_diff_kind_e)k, SEAM_COMPAT_BACKWARD);
		int tf = seam_diff_kind_breaks((seam_diff_kind_e)k, SEAM_COMPAT_FORWARD);
		if ((tb >= 0 && tb != json_is_true(b)) || (tf >= 0 && tf != json_is_true(f)))
			abort();
		any_b |= json_is_true(b);
		any_f |= json_is_true(f);
	}
	if (seam_diff_breaks(changes, SEAM_COMPAT_BACKWARD) != any_b ||
	    seam_diff_breaks(changes, SEAM_COMPAT_FORWARD) != any_f ||
	    seam_diff_breaks(changes, SEAM_COMPAT_FULL) != (any_b || any_f) ||
	    seam_diff_breaks(changes, SEAM_COMPAT_NONE))
		abort();
}

/* Runs one diff and checks its result; returns the change count or -1 on an error. */
static long one(json_t *a, json_t *b)
{
	json_t *changes = (json_t *)1;
	seam_error_t err = {0};
	seam_diff_side_t sa = {a, "this.json", load_other, NULL}, sb = {b, "this.json", load_other, NULL};
	seam_err_t rc = seam_diff(&sa, &sb, &changes, &err);
	long n;
	if (rc != SEAM_OK) {
		if ((rc != SEAM_NOTFOUND && rc != SEAM_PARSE) || changes || !err.msg[0])
			abort();
		return -1;
	}
	check_changes(changes);
	n = (long)json_array_size(changes);
	json_decref(changes);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *sep = NULL;
	size_t alen = size, boff = 0;
	json_t *a, *b;
	for (size_t i = 0; i + 2 < size; i++)
		if ((i == 0 || s[i - 1] == '\n') && s[i] == '%' && s[i + 1] == '%' &&
		    (i + 2 == size || s[i + 2] == '\n')) {
			sep = s + i;
			break;
		}
	if (sep) {
		alen = (size_t)(sep - s);
		boff = alen + 3 > size ? size : alen + 3;
	}
	a = json_loadb(s, alen, JSON_DECODE_ANY, NULL);
	b = sep ? json_loadb(s + boff, size - boff, JSON_DECODE_ANY, NULL) : json_incref(a);
	if (a && b) {
		other_doc = b;
		one(a, b);
		other_doc = a;
		one(b, a);
		other_doc = a;
		if (one(a, a) > 0)
			abort(); /* a schema is the same as itself */
		other_doc = NULL;
	}
	json_decref(a);
	json_decref(b);
	return 0;
}
