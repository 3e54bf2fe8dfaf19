/* test_uri.c: src/contract/uri.c: RFC 3986 section 5.4's reference resolution examples (normal
 * and abnormal), URNs and fragments as JSON Schema uses them, percent-decoding and RFC 6901
 * token unescaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "contract/uri.h"

static void check(const char *base, const char *ref, const char *want)
{
	char *got = seam__uri_resolve(base, ref);
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("resolve(%s, %s)\n  got:  %s\n  want: %s", base, ref, got, want);
	free(got);
}

static void test_rfc3986_examples(void **state)
{
	static const char *const T[][2] = {
		/* 5.4.1 normal */
		{ "g:h", "g:h" }, { "g", "http://a/b/c/g" }, { "./g", "http://a/b/c/g" },
		{ "g/", "http://a/b/c/g/" }, { "/g", "http://a/g" }, { "//g", "http://g" },
		{ "?y", "http://a/b/c/d;p?y" }, { "g?y", "http://a/b/c/g?y" },
		{ "#s", "http://a/b/c/d;p?q#s" }, { "g#s", "http://a/b/c/g#s" },
		{ "g?y#s", "http://a/b/c/g?y#s" }, { ";x", "http://a/b/c/;x" },
		{ "g;x", "http://a/b/c/g;x" }, { "g;x?y#s", "http://a/b/c/g;x?y#s" },
		{ "", "http://a/b/c/d;p?q" }, { ".", "http://a/b/c/" }, { "./", "http://a/b/c/" },
		{ "..", "http://a/b/" }, { "../", "http://a/b/" }, { "../g", "http://a/b/g" },
		{ "../..", "http://a/" }, { "../../", "http://a/" }, { "../../g", "http://a/g" },
		/* 5.4.2 abnormal */
		{ "../../../g", "http://a/g" }, { "../../../../g", "http://a/g" },
		{ "/./g", "http://a/g" }, { "/../g", "http://a/g" }, { "g.", "http://a/b/c/g." },
		{ ".g", "http://a/b/c/.g" }, { "g..", "http://a/b/c/g.." }, { "..g", "http://a/b/c/..g" },
		{ "./../g", "http://a/b/g" }, { "./g/.", "http://a/b/c/g/" },
		{ "g/./h", "http://a/b/c/g/h" }, { "g/../h", "http://a/b/c/h" },
		{ "g;x=1/./y", "http://a/b/c/g;x=1/y" }, { "g;x=1/../y", "http://a/b/c/y" },
		{ "g?y/./x", "http://a/b/c/g?y/./x" }, { "g?y/../x", "http://a/b/c/g?y/../x" },
		{ "g#s/./x", "http://a/b/c/g#s/./x" }, { "g#s/../x", "http://a/b/c/g#s/../x" },
		{ "http:g", "http:g" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(T) / sizeof(*T); i++)
		check("http://a/b/c/d;p?q", T[i][0], T[i][1]);
}

static void test_schema_ids(void **state)
{
	(void)state;
	/* what $id and $ref meet in practice */
	check("http://localhost:1234/draft2020-12/tree", "#node", "http://localhost:1234/draft2020-12/tree#node");
	check("urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed", "#/$defs/bar",
	      "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed#/$defs/bar");
	check("seam:contracts/order/v1/order.schema.json", "../../money/v1/money.schema.json",
	      "seam:contracts/money/v1/money.schema.json");
	check("http://example.com/root.json", "nested.json#foo", "http://example.com/nested.json#foo");
	check("http://localhost:1234/", "baseUriChange/folderInteger.json",
	      "http://localhost:1234/baseUriChange/folderInteger.json");
	check(NULL, "relative.json", "relative.json");
	check("file:///folder/file.json", "#/$defs/x", "file:///folder/file.json#/$defs/x");
}

static void test_strip_and_decode(void **state)
{
	const char *frag = NULL;
	char *u = seam__uri_strip("http://x/y.json#/a/b", &frag);
	size_t n;
	char tok[16];
	(void)state;
	assert_string_equal(u, "http://x/y.json");
	assert_string_equal(frag, "/a/b");
	free(u);
	u = seam__uri_strip("http://x/y.json", &frag);
	assert_null(frag);
	free(u);
	u = seam__uri_pct_decode("/a%20b/%25/%7e", 14, &n);
	assert_string_equal(u, "/a b/%/~");
	assert_int_equal(n, 8);
	free(u);
	assert_null(seam__uri_pct_decode("%2", 2, &n)); /* truncated escape */
	assert_null(seam__uri_pct_decode("%zz", 3, &n));
	strcpy(tok, "a~1b~0c");
	n = strlen(tok);
	assert_true(seam__uri_ptr_unescape(tok, &n));
	assert_string_equal(tok, "a/b~c");
	assert_int_equal(n, 5);
	strcpy(tok, "a~2");
	n = strlen(tok);
	assert_false(seam__uri_ptr_unescape(tok, &n));
	strcpy(tok, "a~");
	n = strlen(tok);
	assert_false(seam__uri_ptr_unescape(tok, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3986_examples),
		cmocka_unit_test(test_schema_ids),
		cmocka_unit_test(test_strip_and_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
