/*
 * test_json.c: seam_json_loadb (src/core/json.c) equals jansson's json_loadb: on the documents
 * the scanner takes (it must take them, or nothing is gained) and on the ones it hands to
 * jansson (it must decline them, or it would have to imitate jansson's rules). The fuzz target
 * fuzz_json checks the same on arbitrary bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

/* The scanner takes text (under flags) and gives exactly jansson's document. */
static void taken(const char *text, size_t len, size_t flags)
{
	json_error_t je;
	json_t *fast = seam__json_fast(text, len, flags);
	json_t *ref = json_loadb(text, len, flags, &je);
	if (!fast)
		fail_msg("the scanner declined %.*s", (int)len, text);
	if (!ref)
		fail_msg("jansson refused %.*s: %s", (int)len, text, je.text);
	char *a = dump(fast), *b = dump(ref);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(fast);
	json_decref(ref);
}

/* The scanner declines text, and seam_json_loadb answers as jansson does. */
static void declined(const char *text, size_t len, size_t flags)
{
	json_error_t je, se;
	json_t *fast = seam__json_fast(text, len, flags);
	if (fast)
		fail_msg("the scanner took %.*s", (int)len, text);
	json_t *ref = json_loadb(text, len, flags, &je);
	json_t *mine = seam_json_loadb(text, len, flags, &se);
	assert_int_equal(!mine, !ref);
	if (ref) {
		char *a = dump(mine), *b = dump(ref);
		assert_string_equal(a, b);
		free(a);
		free(b);
	} else {
		assert_string_equal(se.text, je.text);
		assert_int_equal(se.line, je.line);
		assert_int_equal(se.column, je.column);
	}
	json_decref(mine);
	json_decref(ref);
}

#define TAKEN(lit, flags) taken(lit, sizeof lit - 1, flags)
#define DECLINED(lit, flags) declined(lit, sizeof lit - 1, flags)

static void test_documents_taken(void **state)
{
	(void)state;
	TAKEN("{\"id\":\"evt_1\",\"object\":\"event\",\"data\":{\"object\":{\"amount\":1999,"
	      "\"currency\":\"usd\",\"metadata\":{}}},\"livemode\":false,\"x\":null,\"y\":true}", 0);
	TAKEN(" [ ] ", 0);
	TAKEN("{}", 0);
	TAKEN("[1, -2, 0, -0, 9223372036854775807, -9223372036854775808]", 0);
	TAKEN("{\"\":\"\",\"b\":[[],{},[{}]]}", 0);
	/* escapes, surrogate pairs, raw UTF-8 of every length */
	TAKEN("[\"\\u00e9\\ud83d\\ude00\\n\\t\\r\\b\\f\\\"\\\\\\/\"]", 0);
	TAKEN("[\"Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"]", 0);
	TAKEN("{\"\\u006b\":1,\"k2\\n\":2}", 0); /* escaped keys */
	/* a long escaped key, then a value with escapes (the key must survive the value) */
	TAKEN("{\"a-very-long-key-with-an-escape\\t-that-needs-more-than-sixty-four-bytes-of-room\":"
	      "\"\\u00e9\\u00e9\"}", 0);
	TAKEN("  5  ", JSON_DECODE_ANY);
	TAKEN("\"top\"", JSON_DECODE_ANY);
	TAKEN("{\"a\":1,\"b\":2}", JSON_REJECT_DUPLICATES);
}

static void test_handed_to_jansson(void **state)
{
	(void)state;
	/* errors: jansson reports them */
	DECLINED("", 0);
	DECLINED("{\"a\":1", 0);
	DECLINED("{\"a\":1} x", 0);
	DECLINED("{\"a\" 1}", 0);
	DECLINED("[1,]", 0);
	DECLINED("[01]", 0);
	DECLINED("[+1]", 0);
	DECLINED("[-]", 0);
	DECLINED("[tru]", 0);
	DECLINED("[truex]", 0);
	DECLINED("[\"a\x01\"]", 0);                 /* a control character */
	DECLINED("[\"\xc0\xaf\"]", 0);              /* an overlong */
	DECLINED("[\"\xed\xa0\x80\"]", 0);          /* a surrogate in UTF-8 */
	DECLINED("[\"\xf4\x90\x80\x80\"]", 0);      /* past U+10FFFF */
	DECLINED("[\"\\udc00\"]", 0);               /* a lone low surrogate */
	DECLINED("[\"\\ud800x\"]", 0);              /* a high one without its pair */
	DECLINED("[\"\\u0000\"]", 0);               /* NUL */
	DECLINED("[\"\\x\"]", 0);
	DECLINED("\xef\xbb\xbf{}", 0);              /* a BOM */
	DECLINED("5", 0);                           /* a scalar without JSON_DECODE_ANY */
	DECLINED("[9223372036854775808]", 0);       /* out of range */
	DECLINED("[-9223372036854775809]", 0);
	/* valid, but jansson's own rules decide */
	DECLINED("[1.5]", 0);
	DECLINED("[1e3]", 0);
	DECLINED("{\"a\":1,\"a\":2}", 0);
	DECLINED("{\"a\":1,\"a\":2}", JSON_REJECT_DUPLICATES);
	DECLINED("[1]", JSON_ALLOW_NUL);
}

static void test_depth(void **state)
{
	(void)state;
	enum { DEEP = 3000 };
	char *t = malloc(2 * DEEP + 1);
	memset(t, '[', DEEP);
	memset(t + DEEP, ']', DEEP);
	t[2 * DEEP] = '\0';
	declined(t, 2 * DEEP, 0); /* deeper than jansson's limit: its error */
	taken(t + DEEP - 100, 200, 0);
	free(t);
}

static void test_error_left_as_jansson_leaves_it(void **state)
{
	(void)state;
	json_error_t je, se;
	memset(&se, 'x', sizeof se);
	json_t *a = seam_json_loadb("{\"a\":1} \n", 9, 0, &se);
	json_t *b = json_loadb("{\"a\":1} \n", 9, 0, &je);
	assert_non_null(a);
	assert_string_equal(se.text, je.text);
	assert_string_equal(se.source, je.source);
	assert_int_equal(se.line, je.line);
	assert_int_equal(se.column, je.column);
	assert_int_equal(se.position, je.position);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documents_taken),
		cmocka_unit_test(test_handed_to_jansson),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_error_left_as_jansson_leaves_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
