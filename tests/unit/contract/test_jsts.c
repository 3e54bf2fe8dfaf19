/* test_jsts.c: the official JSON-Schema-Test-Suite, draft 2020-12, against seam's validator.
 *
 * Where: $SEAM_CONFORMANCE_DIR, else ../shared/conformance (relative to the repository root,
 * the tests' working directory); it holds JSON-Schema-Test-Suite/ and
 * json-schema-2020-12-metaschemas/. Missing, the test FAILS and says which variable to set:
 * a conformance run that silently runs nothing is worse than none.
 *
 * Each test group is one schema set: the 2020-12 meta-schemas added under their
 * https://json-schema.org/draft/2020-12/... ids, the group's schema under
 * https://seam.invalid/conformance/root.json, and a resolver that serves
 * http://localhost:1234/... from remotes/ (no network). Each case is validated twice, with and
 * without the error list, and both verdicts must agree with the suite's.
 *
 * Every file of tests/draft2020-12/ is REQUIRED: every case must pass (the failing ones are listed).
 * optional/ and optional/format/ (formats asserted there) are compared with the table in
 * docs/contracts.md, section "## Conformance": a case failing that the table does not list,
 * or a listed case that passes, fails the test, so the documentation cannot drift.
 *
 * Prints "file: P/T passed" per file and the totals. Files that jansson cannot read as they
 * are (optional/bignum.json: integers beyond 64 bits) are read with JSON_DECODE_INT_AS_REAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "contract/schema.h"

#define ROOT_URI "https://seam.invalid/conformance/root.json"
#define REMOTE "http://localhost:1234/"

typedef struct strlist {
	char **v;
	size_t n, cap;
} strlist_t;

static void sl_add(strlist_t *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(char *));
		assert_non_null(l->v);
	}
	l->v[l->n++] = strdup(s);
}

static bool sl_has(const strlist_t *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void sl_free(strlist_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct suite {
	char dir[1024];   /* .../JSON-Schema-Test-Suite */
	char metas[1024]; /* .../json-schema-2020-12-metaschemas */
	json_t *meta_docs[16];
	char *meta_ids[16];
	size_t nmeta;
} suite_t;

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void add_meta(suite_t *s, const char *path)
{
	json_error_t je;
	json_t *d = json_load_file(path, 0, &je);
	if (!d)
		fail_msg("%s: %s", path, je.text);
	const char *id = json_string_value(json_object_get(d, "$id"));
	assert_non_null(id);
	assert_true(s->nmeta < 16);
	s->meta_docs[s->nmeta] = d;
	s->meta_ids[s->nmeta] = strdup(id);
	s->nmeta++;
}

static void suite_open(suite_t *s)
{
	const char *base = getenv("SEAM_CONFORMANCE_DIR");
	char p[1200];
	DIR *dh;
	struct dirent *de;
	memset(s, 0, sizeof(*s));
	if (!base || !*base)
		base = "../shared/conformance";
	snprintf(s->dir, sizeof(s->dir), "%s/JSON-Schema-Test-Suite", base);
	snprintf(s->metas, sizeof(s->metas), "%s/json-schema-2020-12-metaschemas", base);
	snprintf(p, sizeof(p), "%s/tests/draft2020-12", s->dir);
	if (!is_dir(p) || !is_dir(s->metas))
		fail_msg("the JSON Schema conformance suite is not at %s (want %s/JSON-Schema-Test-Suite and "
			 "%s/json-schema-2020-12-metaschemas): set SEAM_CONFORMANCE_DIR to the directory "
			 "holding both", base, base, base);
	snprintf(p, sizeof(p), "%s/schema.json", s->metas);
	add_meta(s, p);
	snprintf(p, sizeof(p), "%s/meta", s->metas);
	assert_non_null(dh = opendir(p));
	while ((de = readdir(dh))) {
		char f[1400];
		size_t l = strlen(de->d_name);
		/* hyper-schema is not a 2020-12 vocabulary seam knows, and no test uses it */
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || strstr(de->d_name, "hyper"))
			continue;
		snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
		add_meta(s, f);
	}
	closedir(dh);
}

static void suite_close(suite_t *s)
{
	for (size_t i = 0; i < s->nmeta; i++) {
		json_decref(s->meta_docs[i]);
		free(s->meta_ids[i]);
	}
}

/* http://localhost:1234/X -> remotes/X */
static json_t *resolve(const char *uri, void *ud)
{
	const suite_t *s = ud;
	char p[2048];
	if (strncmp(uri, REMOTE, strlen(REMOTE)) != 0 || strstr(uri, ".."))
		return NULL;
	snprintf(p, sizeof(p), "%s/remotes/%s", s->dir, uri + strlen(REMOTE));
	return json_load_file(p, JSON_DECODE_ANY, NULL);
}

typedef struct tally {
	size_t pass, total;
} tally_t;

/* Runs one file; failing cases go to failed as "file\tgroup / test" */
static tally_t run_file(suite_t *s, const char *rel, bool formats, strlist_t *failed)
{
	char path[2048], key[4096];
	json_error_t je;
	json_t *doc, *grp;
	size_t gi;
	tally_t t = { 0, 0 };
	snprintf(path, sizeof(path), "%s/tests/draft2020-12/%s", s->dir, rel);
	doc = json_load_file(path, JSON_ALLOW_NUL, &je);
	if (!doc)
		doc = json_load_file(path, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &je);
	if (!doc)
		fail_msg("%s: %s", path, je.text);
	json_array_foreach(doc, gi, grp) {
		const char *gdesc = json_string_value(json_object_get(grp, "description"));
		json_t *tests = json_object_get(grp, "tests"), *tc;
		seam_schema_set_t *set = seam_schema_set_create();
		seam_error_t err = { 0 };
		const seam_schema_t *root = NULL;
		size_t ti;
		seam_schema_opts_t opts = { 0 };
		opts.assert_formats = formats ? SEAM_FORMAT_ALL : 0;
		assert_non_null(set);
		seam_schema_set_resolver(set, resolve, s);
		for (size_t i = 0; i < s->nmeta; i++)
			assert_int_equal(seam_schema_set_add(set, s->meta_ids[i], s->meta_docs[i], &err), SEAM_OK);
		if (seam_schema_set_add(set, ROOT_URI, json_object_get(grp, "schema"), &err) == SEAM_OK &&
		    seam_schema_set_compile(set, &err) == SEAM_OK)
			root = seam_schema_set_get(set, ROOT_URI);
		json_array_foreach(tests, ti, tc) {
			const char *tdesc = json_string_value(json_object_get(tc, "description"));
			bool want = json_is_true(json_object_get(tc, "valid")), ok = false;
			json_t *errs = NULL;
			t.total++;
			if (root) {
				bool v1 = seam_schema_validate(root, json_object_get(tc, "data"), &opts, &errs);
				bool v2 = seam_schema_validate(root, json_object_get(tc, "data"), &opts, NULL);
				/* the list is empty exactly when valid */
				ok = v1 == want && v2 == want && (json_array_size(errs) == 0) == v1;
				if (getenv("SEAM_JSTS_VERBOSE") && !ok) {
					char *e = json_dumps(errs, JSON_COMPACT);
					printf("  FAIL %s: %s / %s: got %d/%d want %d %s\n", rel, gdesc, tdesc, v1, v2,
					       want, e ? e : "");
					free(e);
				}
				json_decref(errs);
			} else if (getenv("SEAM_JSTS_VERBOSE")) {
				printf("  FAIL %s: %s / %s: compile: %s\n", rel, gdesc, tdesc, err.msg);
			}
			if (ok) {
				t.pass++;
			} else {
				snprintf(key, sizeof(key), "%s\t%s / %s", rel, gdesc, tdesc);
				sl_add(failed, key);
			}
		}
		seam_schema_set_destroy(set);
	}
	json_decref(doc);
	printf("%s: %zu/%zu passed\n", rel, t.pass, t.total);
	return t;
}

/* every *.json of dir (relative to tests/draft2020-12), sorted */
static void list_files(suite_t *s, const char *sub, strlist_t *out)
{
	char p[2048];
	DIR *dh;
	struct dirent *de;
	snprintf(p, sizeof(p), "%s/tests/draft2020-12%s%s", s->dir, *sub ? "/" : "", sub);
	assert_non_null(dh = opendir(p));
	while ((de = readdir(dh))) {
		char f[1024];
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		snprintf(f, sizeof(f), "%s%s%s", sub, *sub ? "/" : "", de->d_name);
		sl_add(out, f);
	}
	closedir(dh);
	qsort(out->v, out->n, sizeof(char *), cmpstr);
}

static void test_required(void **state)
{
	suite_t s;
	strlist_t files = { 0 }, failed = { 0 };
	tally_t all = { 0, 0 };
	(void)state;
	suite_open(&s);
	list_files(&s, "", &files);
	for (size_t i = 0; i < files.n; i++) {
		tally_t t = run_file(&s, files.v[i], false, &failed);
		all.pass += t.pass;
		all.total += t.total;
	}
	printf("required: %zu/%zu passed in %zu files\n", all.pass, all.total, files.n);
	for (size_t i = 0; i < failed.n; i++)
		printf("  required case fails: %s\n", failed.v[i]);
	assert_int_equal(failed.n, 0);
	assert_true(all.total > 1000); /* the suite was really there */
	sl_free(&files);
	sl_free(&failed);
	suite_close(&s);
}

/* The "## Conformance" table of docs/contracts.md (the one headed "| file | test | reason |";
 * the section's other tables are counts): rows as "file\ttest" keys. "\|" in a cell is a '|'. */
static void read_doc_table(strlist_t *out)
{
	FILE *fp = fopen("docs/contracts.md", "r");
	char line[8192];
	bool in = false, tbl = false;
	if (!fp)
		fail_msg("docs/contracts.md: cannot open (run from the repository root)");
	while (fgets(line, sizeof(line), fp)) {
		char cells[3][4096];
		int nc = 0;
		size_t o = 0;
		if (strncmp(line, "## ", 3) == 0) {
			in = strncmp(line, "## Conformance", 14) == 0;
			continue;
		}
		if (line[0] != '|')
			tbl = false;
		if (!in || line[0] != '|')
			continue;
		for (char *p = line + 1; *p && *p != '\n' && nc < 3; p++) {
			if (p[0] == '\\' && p[1] == '|') {
				cells[nc][o++] = '|';
				p++;
			} else if (*p == '|') {
				cells[nc][o] = '\0';
				nc++;
				o = 0;
			} else if (o < sizeof(cells[0]) - 1) {
				cells[nc][o++] = *p;
			}
		}
		if (nc < 2)
			continue;
		for (int k = 0; k < 2; k++) { /* trim, and drop `code` quotes */
			char *b = cells[k], *e;
			while (*b == ' ' || *b == '`')
				b++;
			e = b + strlen(b);
			while (e > b && (e[-1] == ' ' || e[-1] == '`'))
				*--e = '\0';
			memmove(cells[k], b, strlen(b) + 1);
		}
		if (strcmp(cells[0], "file") == 0 && strcmp(cells[1], "test") == 0) {
			tbl = true;
			continue;
		}
		if (!tbl || strncmp(cells[0], "---", 3) == 0)
			continue;
		char key[8300];
		snprintf(key, sizeof(key), "%s\t%s", cells[0], cells[1]);
		sl_add(out, key);
	}
	fclose(fp);
}

static void test_optional(void **state)
{
	suite_t s;
	strlist_t files = { 0 }, fmt = { 0 }, failed = { 0 }, doc = { 0 };
	tally_t all = { 0, 0 };
	size_t bad = 0;
	(void)state;
	suite_open(&s);
	list_files(&s, "optional", &files);
	list_files(&s, "optional/format", &fmt);
	for (size_t i = 0; i < files.n; i++) {
		tally_t t = run_file(&s, files.v[i], false, &failed);
		all.pass += t.pass;
		all.total += t.total;
	}
	for (size_t i = 0; i < fmt.n; i++) {
		tally_t t = run_file(&s, fmt.v[i], true, &failed);
		all.pass += t.pass;
		all.total += t.total;
	}
	printf("optional: %zu/%zu passed in %zu files\n", all.pass, all.total, files.n + fmt.n);
	read_doc_table(&doc);
	for (size_t i = 0; i < failed.n; i++)
		if (!sl_has(&doc, failed.v[i])) {
			printf("  optional case fails but docs/contracts.md does not list it: %s\n", failed.v[i]);
			bad++;
		}
	for (size_t i = 0; i < doc.n; i++)
		if (!sl_has(&failed, doc.v[i])) {
			printf("  docs/contracts.md lists a case that passes (or does not exist): %s\n", doc.v[i]);
			bad++;
		}
	assert_int_equal(bad, 0);
	sl_free(&files);
	sl_free(&fmt);
	sl_free(&failed);
	sl_free(&doc);
	suite_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_optional),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
