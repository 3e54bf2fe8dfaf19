/*
 * test_format.c: src/contract/format.c (and the pattern half of regex.c) against the official
 * JSON-Schema-Test-Suite, read where it lies: $SEAM_CONFORMANCE_DIR (the folder holding
 * JSON-Schema-Test-Suite, or the suite itself), else ../shared/conformance from the repository
 * root (the cwd). Missing suite = failed test that says which variable to set.
 *
 *   - every tests/draft2020-12/optional/format/ file's case whose schema has a top-level
 *     "format": a string instance goes through seam_schema_format_check, anything else is
 *     valid by definition (formats apply to strings), an unknown format is an annotation;
 *   - the pure pattern cases of optional/ecmascript-regex.json and optional/non-bmp-regex.json
 *     ({"pattern": P} with string instances) through seam_regex_search.
 *
 * Pass counts print per file. The cases that fail are compared with the table in
 * docs/contracts.md, "## Formats and regular expressions" (| file | case | reason |): a failure
 * missing from the table fails the test, and so does a row that no longer fails, so the doc
 * cannot drift. Then seam's own `decimal` and the lookup/name table.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "contract/regex.h"
#include "contract/schema.h"

#define DOC "docs/contracts.md"
#define DOC_SECTION "## Formats and regular expressions"

typedef struct strset {
	char **v;
	size_t n, cap;
} strset_t;

static void set_add(strset_t *s, const char *str)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		assert_non_null(s->v);
	}
	s->v[s->n] = strdup(str);
	assert_non_null(s->v[s->n]);
	s->n++;
}

static bool set_has(const strset_t *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

static void set_free(strset_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The suite's tests/draft2020-12 folder, or a failed test naming the variable. */
static void suite_dir(char *out, size_t cap)
{
	const char *env = getenv("SEAM_CONFORMANCE_DIR");
	const char *base = env && *env ? env : "../shared/conformance";
	snprintf(out, cap, "%s/JSON-Schema-Test-Suite/tests/draft2020-12", base);
	if (is_dir(out))
		return;
	snprintf(out, cap, "%s/tests/draft2020-12", base);
	if (is_dir(out))
		return;
	fail_msg("JSON-Schema-Test-Suite not found under %s: set SEAM_CONFORMANCE_DIR to the folder "
		 "holding JSON-Schema-Test-Suite (e.g. ../shared/conformance)", base);
}

/* "file | case" as the doc table writes it. */
static void key(char *out, size_t cap, const char *file, const char *desc)
{
	snprintf(out, cap, "%s | %s", file, desc);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case of a test: "group description: test description". */
static void case_name(char *out, size_t cap, json_t *group, json_t *test)
{
	snprintf(out, cap, "%s: %s", json_string_value(json_object_get(group, "description")),
		 json_string_value(json_object_get(test, "description")));
}

static void run_format_file(const char *path, const char *file, strset_t *failed)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	if (!doc)
		fail_msg("%s: %s", path, jerr.text);
	size_t gi, ti, pass = 0, total = 0;
	json_t *group, *test;
	json_array_foreach(doc, gi, group) {
		json_t *schema = json_object_get(group, "schema");
		const char *fname = json_string_value(json_object_get(schema, "format"));
		if (!fname)
			continue;
		int f = seam_schema_format_lookup(fname);
		json_array_foreach(json_object_get(group, "tests"), ti, test) {
			json_t *data = json_object_get(test, "data");
			bool want = json_is_true(json_object_get(test, "valid"));
			bool got = true;
			if (f >= 0 && json_is_string(data))
				got = seam_schema_format_check((seam_schema_format_e)f,
							       json_string_value(data),
							       json_string_length(data));
			total++;
			if (got == want) {
				pass++;
				continue;
			}
			char c[600], k[700];
			case_name(c, sizeof c, group, test);
			key(k, sizeof k, file, c);
			char *d = json_dumps(data, JSON_ENCODE_ANY);
			printf("  FAIL %s (data %s: got %s, want %s)\n", k, d ? d : "?",
			       got ? "valid" : "invalid", want ? "valid" : "invalid");
			free(d);
			set_add(failed, k);
		}
	}
	printf("%-40s %3zu/%zu\n", file, pass, total);
	json_decref(doc);
}

static void run_pattern_file(const char *path, const char *file, strset_t *failed)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	if (!doc)
		fail_msg("%s: %s", path, jerr.text);
	size_t gi, ti, pass = 0, total = 0;
	json_t *group, *test;
	json_array_foreach(doc, gi, group) {
		json_t *schema = json_object_get(group, "schema");
		json_t *pat = json_object_get(schema, "pattern");
		if (!json_is_string(pat))
			continue; /* patternProperties cases need the validator */
		seam_error_t err = {0};
		seam_regex_t *re =
			seam_regex_compile(json_string_value(pat), json_string_length(pat), &err);
		json_array_foreach(json_object_get(group, "tests"), ti, test) {
			json_t *data = json_object_get(test, "data");
			bool want = json_is_true(json_object_get(test, "valid"));
			bool got;
			if (!json_is_string(data))
				got = !json_is_string(json_object_get(schema, "type"));
			else
				got = re && seam_regex_search(re, json_string_value(data),
							      json_string_length(data)) ==
						    SEAM_REGEX_MATCH;
			total++;
			if (got == want) {
				pass++;
				continue;
			}
			char c[600], k[700];
			case_name(c, sizeof c, group, test);
			key(k, sizeof k, file, c);
			printf("  FAIL %s (%s)\n", k, re ? "wrong verdict" : err.msg);
			set_add(failed, k);
		}
		seam_regex_free(re);
	}
	printf("%-40s %3zu/%zu\n", file, pass, total);
	json_decref(doc);
}

/* The rows of the doc's table: "file | case" for each | file | case | reason | row. A '|'
 * inside a cell is written "\|". */
static void doc_rows(strset_t *rows)
{
	FILE *fp = fopen(DOC, "r");
	if (!fp)
		fail_msg("%s: cannot open (run from the repository root)", DOC);
	char line[2048];
	bool in = false, table = false;
	while (fgets(line, sizeof line, fp)) {
		if (strncmp(line, "## ", 3) == 0) {
			in = strncmp(line, DOC_SECTION, strlen(DOC_SECTION)) == 0;
			table = false;
			continue;
		}
		if (in && strncmp(line, "| file | case | reason |", 24) == 0) {
			table = true;
			continue;
		}
		if (line[0] != '|')
			table = false;
		if (!in || !table)
			continue;
		/* split on unescaped '|' */
		char cells[4][700];
		int nc = -1;
		size_t ci = 0;
		for (const char *p = line; *p && *p != '\n' && nc < 4; p++) {
			if (*p == '|') {
				if (nc >= 0 && nc < 4)
					cells[nc][ci] = 0;
				nc++;
				ci = 0;
				continue;
			}
			if (*p == '\\' && p[1] == '|')
				p++;
			if (nc >= 0 && nc < 4 && ci + 1 < sizeof cells[0])
				cells[nc][ci++] = *p;
		}
		if (nc < 3)
			continue;
		/* trim */
		for (int k = 0; k < 2; k++) {
			char *s = cells[k];
			while (*s == ' ')
				s++;
			size_t n = strlen(s);
			while (n && s[n - 1] == ' ')
				s[--n] = 0;
			memmove(cells[k], s, n + 1);
		}
		if (strncmp(cells[0], "---", 3) == 0 || strncmp(cells[0], ":-", 2) == 0)
			continue;
		/* The file cell may be written `code`. */
		char *f = cells[0];
		if (f[0] == '`') {
			f++;
			char *e = strchr(f, '`');
			if (e)
				*e = 0;
		}
		char k[1500];
		key(k, sizeof k, f, cells[1]);
		set_add(rows, k);
	}
	fclose(fp);
}

static void test_suite(void **state)
{
	(void)state;
	char dir[1024], path[1400];
	suite_dir(dir, sizeof dir);
	strset_t failed = {0}, rows = {0}, files = {0};

	char fdir[1100];
	snprintf(fdir, sizeof fdir, "%s/optional/format", dir);
	DIR *d = opendir(fdir);
	if (!d)
		fail_msg("%s: cannot open", fdir);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)
			set_add(&files, e->d_name);
	}
	closedir(d);
	qsort(files.v, files.n, sizeof *files.v, cmp_str);
	assert_true(files.n >= 19);
	for (size_t i = 0; i < files.n; i++) {
		char file[300];
		snprintf(path, sizeof path, "%s/%s", fdir, files.v[i]);
		snprintf(file, sizeof file, "format/%s", files.v[i]);
		run_format_file(path, file, &failed);
	}
	const char *pattern_files[] = {"ecmascript-regex.json", "non-bmp-regex.json"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/optional/%s", dir, pattern_files[i]);
		run_pattern_file(path, pattern_files[i], &failed);
	}

	doc_rows(&rows);
	size_t bad = 0;
	for (size_t i = 0; i < failed.n; i++)
		if (!set_has(&rows, failed.v[i])) {
			printf("not in %s's table: %s\n", DOC, failed.v[i]);
			bad++;
		}
	for (size_t i = 0; i < rows.n; i++)
		if (!set_has(&failed, rows.v[i])) {
			printf("in %s's table but passes now (remove the row): %s\n", DOC, rows.v[i]);
			bad++;
		}
	printf("%zu failing cases, %zu rows in the table, %zu mismatches\n", failed.n, rows.n, bad);
	set_free(&failed);
	set_free(&rows);
	set_free(&files);
	assert_int_equal(bad, 0);
}

typedef struct fcase {
	seam_schema_format_e f;
	const char *s;
	bool want;
} fcase_t;

static void check_cases(const fcase_t *c, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		bool got = seam_schema_format_check(c[i].f, c[i].s, strlen(c[i].s));
		if (got != c[i].want) {
			printf("%s \"%s\": got %s, want %s\n", seam_schema_format_name(c[i].f), c[i].s,
			       got ? "valid" : "invalid", c[i].want ? "valid" : "invalid");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_decimal(void **state)
{
	(void)state;
	const fcase_t c[] = {
		{SEAM_FORMAT_DECIMAL, "0", true},        {SEAM_FORMAT_DECIMAL, "12.50", true},
		{SEAM_FORMAT_DECIMAL, "-0.01", true},    {SEAM_FORMAT_DECIMAL, "1999", true},
		{SEAM_FORMAT_DECIMAL, "0.000001", true}, {SEAM_FORMAT_DECIMAL, "-0", true},
		{SEAM_FORMAT_DECIMAL, "123456789012345678901234567890.99", true},
		{SEAM_FORMAT_DECIMAL, "", false},        {SEAM_FORMAT_DECIMAL, "-", false},
		{SEAM_FORMAT_DECIMAL, "+1", false},      {SEAM_FORMAT_DECIMAL, "01", false},
		{SEAM_FORMAT_DECIMAL, "00.5", false},    {SEAM_FORMAT_DECIMAL, "1.", false},
		{SEAM_FORMAT_DECIMAL, ".5", false},      {SEAM_FORMAT_DECIMAL, "1e3", false},
		{SEAM_FORMAT_DECIMAL, "1E3", false},     {SEAM_FORMAT_DECIMAL, " 1", false},
		{SEAM_FORMAT_DECIMAL, "1 ", false},      {SEAM_FORMAT_DECIMAL, "1,50", false},
		{SEAM_FORMAT_DECIMAL, "1.5.0", false},   {SEAM_FORMAT_DECIMAL, "--1", false},
		{SEAM_FORMAT_DECIMAL, "NaN", false},     {SEAM_FORMAT_DECIMAL, "Infinity", false},
		{SEAM_FORMAT_DECIMAL, "0x10", false},    {SEAM_FORMAT_DECIMAL, "1\n", false},
		{SEAM_FORMAT_DECIMAL, "\xd9\xa1", false}, /* ARABIC-INDIC DIGIT ONE */
	};
	check_cases(c, sizeof c / sizeof c[0]);
	/* An embedded NUL is a byte like any other: "1\0" is not a decimal. */
	assert_false(seam_schema_format_check(SEAM_FORMAT_DECIMAL, "1\0", 2));
	assert_true(seam_schema_format_check(SEAM_FORMAT_DECIMAL, "12x", 2));
}

/* Cases the suite does not have, for the formats seam asserts in its own contracts. */
static void test_seam_formats(void **state)
{
	(void)state;
	const fcase_t c[] = {
		{SEAM_FORMAT_DATE_TIME, "2026-12-03T17:48:30+01:00", true},
		{SEAM_FORMAT_DATE_TIME, "2026-12-03T17:48:30", false},
		{SEAM_FORMAT_DATE_TIME, "2026-12-03 17:48:30Z", false},
		{SEAM_FORMAT_DATE_TIME, "2026-12-03T17:48:30.Z", false},
		{SEAM_FORMAT_DATE_TIME, "2024-02-29T00:00:00Z", true},
		{SEAM_FORMAT_TIME, "00:29:60-23:30", true},
		{SEAM_FORMAT_DATE, "2000-02-29", true},
		{SEAM_FORMAT_DATE, "1900-02-29", false},
		{SEAM_FORMAT_EMAIL, "customer+tag@shop.example.com", true},
		{SEAM_FORMAT_EMAIL, "a@b", true},
		{SEAM_FORMAT_EMAIL, "a@-b.com", false},
		{SEAM_FORMAT_EMAIL, "\"\"@example.com", false},
		{SEAM_FORMAT_EMAIL, "a@[IPv6:::1", false},
		{SEAM_FORMAT_UUID, "0b8a2f3e-0000-4000-8000-000000000001", true},
		{SEAM_FORMAT_UUID, "{0b8a2f3e-0000-4000-8000-000000000001}", false},
		{SEAM_FORMAT_IPV4, "01.2.3.4", false},
		{SEAM_FORMAT_IPV6, "::ffff:1.2.3.4", true},
		{SEAM_FORMAT_IPV6, "1:2:3:4:5:6:7::", true},
		{SEAM_FORMAT_IPV6, "1:2:3:4:5:6:7:8::", false},
		{SEAM_FORMAT_IPV6, "1:2:3:4:5:6:1.2.3.4", true},
		{SEAM_FORMAT_IPV6, "1:2:3:4:5:6:7:1.2.3.4", false},
		{SEAM_FORMAT_URI, "https://erp.example.com:8443/api/v1/orders?since=2026-01-01#x", true},
		{SEAM_FORMAT_URI, "https://example.com/%", false},
		{SEAM_FORMAT_URI, "https://[v1.x]/", true},
		{SEAM_FORMAT_URI, "https://[::1]:80/", true},
		{SEAM_FORMAT_URI, "https://[::1]x/", false},
		{SEAM_FORMAT_URI_REFERENCE, "../a/b?c#d", true},
		{SEAM_FORMAT_IRI, "http://example.com/?q=\xf3\xb0\x80\x80", true},
		{SEAM_FORMAT_IRI, "http://example.com/#\xf3\xb0\x80\x80", false}, /* iprivate: query only */
		{SEAM_FORMAT_REGEX, "^[A-Z]{3}$", true},
		{SEAM_FORMAT_REGEX, "(?<=a+)b", true}, /* valid ECMA-262 PCRE2 10.42 cannot run */
		{SEAM_FORMAT_REGEX, "a{2", false},
		{SEAM_FORMAT_HOSTNAME, "xn--bcher-kva.example", true},
		{SEAM_FORMAT_HOSTNAME, "xn--bcher-.example", false},
		{SEAM_FORMAT_IDN_HOSTNAME, "b\xc3\xbc" "cher.example", true},
		{SEAM_FORMAT_IDN_HOSTNAME, "b\xc3\xbc" "cher..example", false},
	};
	check_cases(c, sizeof c / sizeof c[0]);
}

static void test_lookup(void **state)
{
	(void)state;
	for (int f = 0; f < SEAM__FORMAT_COUNT; f++) {
		const char *n = seam_schema_format_name((seam_schema_format_e)f);
		assert_non_null(n);
		assert_int_equal(seam_schema_format_lookup(n), f);
	}
	assert_int_equal(seam_schema_format_lookup("date-time"), SEAM_FORMAT_DATE_TIME);
	assert_int_equal(seam_schema_format_lookup("decimal"), SEAM_FORMAT_DECIMAL);
	assert_int_equal(seam_schema_format_lookup("Date-Time"), -1);
	assert_int_equal(seam_schema_format_lookup("int32"), -1);
	assert_int_equal(seam_schema_format_lookup(NULL), -1);
	assert_null(seam_schema_format_name(SEAM__FORMAT_COUNT));
	assert_false(seam_schema_format_check(SEAM_FORMAT_UUID, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_seam_formats),
		cmocka_unit_test(test_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
