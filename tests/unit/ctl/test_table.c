/* test_table.c: the operator table helper. Exact human output (alignment, right-aligned numbers,
 * no trailing blanks, "-" for missing values, yes/no), cutting long values with "…" by code
 * point, control characters and invalid UTF-8 neutralised, and the JSON form of the same rows
 * (full values, numbers, booleans, null). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/table.h"
#include "tests/support/th_assert.h"

static const seam_table_col_t cols[] = {
	{"id", 0, SEAM_TABLE_TEXT},
	{"attempts", 0, SEAM_TABLE_INT},
	{"paused", 0, SEAM_TABLE_BOOL},
	{"last_error", 12, SEAM_TABLE_TEXT},
};

/* Renders into a malloc'd string. */
static char *render(const seam_table_t *t, int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(seam_table_print(t, fp, json), 0);
	fclose(fp);
	return buf;
}

static seam_table_t *sample(void)
{
	seam_table_t *t = seam_table_create(cols, 4);
	assert_non_null(t);
	assert_int_equal(seam_table_add(t, (const char *[]){"j1", "2", "0", "timeout"}), 0);
	assert_int_equal(seam_table_add(t, (const char *[]){"job-22", "10", "1", NULL}), 0);
	assert_int_equal(seam_table_add(t, (const char *[]){"j3", "x", "true",
							    "ERP 503:\nservice unavailable"}), 0);
	return t;
}

static void test_human_exact(void **state)
{
	(void)state;
	seam_table_t *t = sample();
	char *out = render(t, 0);
	assert_string_equal(out,
			    "ID      ATTEMPTS  PAUSED  LAST_ERROR\n"
			    "j1             2  no      timeout\n"
			    "job-22        10  yes     -\n"
			    "j3             x  yes     ERP 503: se\xE2\x80\xA6\n");
	free(out);
	assert_int_equal(seam_table_rows(t), 3);
	seam_table_destroy(t);
}

static void test_json_same_rows(void **state)
{
	(void)state;
	seam_table_t *t = sample();
	char *out = render(t, 1);
	json_error_t je;
	json_t *doc = json_loads(out, 0, &je);
	assert_non_null(doc);
	assert_int_equal(json_array_size(doc), 3);
	json_t *r0 = json_array_get(doc, 0), *r1 = json_array_get(doc, 1), *r2 = json_array_get(doc, 2);
	assert_string_equal(json_string_value(json_object_get(r0, "id")), "j1");
	assert_int_equal(json_integer_value(json_object_get(r0, "attempts")), 2);
	assert_true(json_is_false(json_object_get(r0, "paused")));
	assert_true(json_is_true(json_object_get(r1, "paused")));
	assert_true(json_is_null(json_object_get(r1, "last_error")));
	assert_string_equal(json_string_value(json_object_get(r2, "attempts")), "x"); /* not a number */
	/* Full value, not cut, newline kept. */
	assert_string_equal(json_string_value(json_object_get(r2, "last_error")),
			    "ERP 503:\nservice unavailable");
	/* Keys in column order. */
	assert_non_null(strstr(out, "\"id\""));
	TH_ASSERT_CMP(strstr(out, "\"id\""), <, strstr(out, "\"attempts\""));
	json_decref(doc);
	free(out);
	seam_table_destroy(t);
}

static void test_utf8_and_garbage(void **state)
{
	(void)state;
	static const seam_table_col_t c2[] = {{"name", 5, SEAM_TABLE_TEXT}, {"n", 0, SEAM_TABLE_INT}};
	seam_table_t *t = seam_table_create(c2, 2);
	/* "Müller-Lüdenscheidt": cut by code points, not bytes. */
	seam_table_add(t, (const char *[]){"M\xC3\xBCller-L\xC3\xBC" "denscheidt", "1"});
	seam_table_add(t, (const char *[]){"\xC3\xBC\xC3\xBC", "22"});
	seam_table_add(t, (const char *[]){"a\xFF" "b\tc", "3"}); /* invalid byte, tab */
	char *out = render(t, 0);
	assert_string_equal(out,
			    "NAME    N\n"
			    "M\xC3\xBCll\xE2\x80\xA6   1\n"
			    "\xC3\xBC\xC3\xBC     22\n"
			    "a?b c   3\n");
	free(out);
	out = render(t, 1);
	json_t *doc = json_loads(out, 0, NULL);
	assert_non_null(doc); /* still valid JSON: the bad byte became U+FFFD */
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 2), "name")),
			    "a\xEF\xBF\xBD" "b\tc");
	json_decref(doc);
	free(out);
	seam_table_destroy(t);
}

static void test_empty_and_errors(void **state)
{
	(void)state;
	seam_table_t *t = seam_table_create(cols, 4);
	char *out = render(t, 0);
	assert_string_equal(out, "ID  ATTEMPTS  PAUSED  LAST_ERROR\n");
	free(out);
	out = render(t, 1);
	assert_string_equal(out, "[]\n");
	free(out);
	seam_table_destroy(t);
	assert_null(seam_table_create(cols, 0));
	assert_int_equal(seam_table_add(NULL, NULL), -1);
	seam_table_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human_exact),
		cmocka_unit_test(test_json_same_rows),
		cmocka_unit_test(test_utf8_and_garbage),
		cmocka_unit_test(test_empty_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
