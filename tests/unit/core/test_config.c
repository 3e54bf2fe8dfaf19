/* Tests for src/core/config.c, the engine: schema walk, secrets only from files or the
 * environment, defaults read from the table, checks after the load with file:line, the
 * reference printer. seam.yaml's own schema is tested in tests/unit/app/test_config.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "tests/support/th_assert.h"

static int diag_has(const seam_cfg_diag_t *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->lines[i], needle))
			return 1;
	return 0;
}

static void dump(const seam_cfg_diag_t *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s\n", d->lines[i]);
}

/* A schema with secrets, to test the secret rules without growing seam.yaml for it. */
typedef struct {
	seam_secret_t key;
	seam_secretlist_t keys;
	seam_cfg_map_t stores;
	char *name;
} sec_t;
typedef struct {
	char *url;
	int64_t n;
} store_t;
static const seam_cfg_field_t store_fields[] = {
	{"url", SEAM_CFG_STR, offsetof(store_t, url), SEAM_CFG_REQUIRED, NULL, "u", NULL, NULL, 0, 0},
	{"n", SEAM_CFG_INT, offsetof(store_t, n), 0, "7", "n", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t store_schema = {"store", sizeof(store_t), store_fields, 2};
static const seam_cfg_field_t sec_fields[] = {
	{"key", SEAM_CFG_SECRET, offsetof(sec_t, key), 0, NULL, "k", NULL, NULL, 0, 0},
	{"keys", SEAM_CFG_SECRETLIST, offsetof(sec_t, keys), 0, NULL, "k", NULL, NULL, 0, 0},
	{"stores", SEAM_CFG_MAP, offsetof(sec_t, stores), 0, NULL, "s", &store_schema, NULL, 0, 0},
	{"name", SEAM_CFG_STR, offsetof(sec_t, name), SEAM_CFG_REQUIRED, NULL, "n", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t sec_schema = {"sec", sizeof(sec_t), sec_fields, 4};

/* A secret file of n bytes ('k'), loaded through {file: ...}: the verdict and the length read. */
static seam_err_t secret_of_size(size_t n, size_t *len, seam_cfg_diag_t *d)
{
	char dir[] = "/tmp/seam-cfg-XXXXXX", path[300], yaml[512];
	sec_t s;
	FILE *fp;
	seam_err_t rc;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/big.key", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (size_t i = 0; i < n; i++)
		fputc('k', fp);
	fclose(fp);
	snprintf(yaml, sizeof yaml, "name: x\nkey: {file: %s}\nstores:\n  eu: {url: http://a}\n", path);
	rc = seam_cfg_load_text("s.yaml", yaml, strlen(yaml), &sec_schema, &s, d);
	*len = rc == SEAM_OK ? s.key.len : 0;
	if (rc == SEAM_OK)
		seam_cfg_dispose(&sec_schema, &s);
	unlink(path);
	rmdir(dir);
	return rc;
}

/* Secret files up to 1 MiB are read whole (the reader once refused anything past ~512 KiB
 * while saying 1 MiB); one byte more is refused with the limit named. */
static void test_secret_file_sizes(void **state)
{
	seam_cfg_diag_t d = {0};
	size_t len;
	(void)state;
	assert_int_equal(secret_of_size(600 * 1024, &len, &d), SEAM_OK);
	TH_ASSERT_CMP(len, ==, (size_t)600 * 1024);
	assert_int_equal(secret_of_size(1u << 20, &len, &d), SEAM_OK);
	TH_ASSERT_CMP(len, ==, (size_t)1 << 20);
	assert_int_equal(secret_of_size((1u << 20) + 1, &len, &d), SEAM_CONFIG);
	assert_true(diag_has(&d, "is larger than 1 MiB"));
	seam_cfg_diag_dispose(&d);
}

static void test_secrets(void **state)
{
	char dir[] = "/tmp/seam-cfg-XXXXXX", path[300], yaml[1024];
	sec_t s;
	seam_cfg_diag_t d = {0};
	FILE *fp;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/key.txt", dir);
	fp = fopen(path, "w");
	fputs("s3cret-from-file\n", fp);
	fclose(fp);
	setenv("SEAM_TEST_SECRET", "s3cret-from-env", 1);
	snprintf(yaml, sizeof yaml,
		 "name: x\nkey: {file: key.txt}\nkeys:\n  - {env: SEAM_TEST_SECRET}\n  - {file: %s}\n"
		 "stores:\n  eu: {url: http://a}\n  us: {url: http://b, n: 3}\n",
		 path);
	snprintf(path, sizeof path, "%s/c.yaml", dir);
	fp = fopen(path, "w");
	fputs(yaml, fp);
	fclose(fp);
	assert_int_equal(seam_cfg_load(path, &sec_schema, &s, &d), SEAM_OK);
	assert_string_equal(s.key.value, "s3cret-from-file"); /* relative to the config's dir */
	assert_int_equal(s.key.len, 16);
	assert_int_equal(s.keys.n, 2);
	assert_string_equal(s.keys.items[0].value, "s3cret-from-env");
	assert_string_equal(s.keys.items[0].source, "env SEAM_TEST_SECRET");
	assert_int_equal(s.stores.n, 2);
	store_t *us = seam_cfg_map_get(&s.stores, "us");
	assert_non_null(us);
	assert_string_equal(us->url, "http://b");
	assert_int_equal(us->n, 3);
	assert_int_equal(((store_t *)seam_cfg_map_get(&s.stores, "eu"))->n, 7);
	assert_null(seam_cfg_map_get(&s.stores, "apac"));
	seam_cfg_dispose(&sec_schema, &s);

	/* Literal secret, missing env var, unreadable file, missing required keys. */
	const char *bad = "key: hunter2\nkeys:\n  - {env: SEAM_TEST_NOPE_UNSET}\n  - {file: /nonexistent/k}\n"
			  "stores:\n  eu: {n: 1}\n";
	assert_int_equal(seam_cfg_load_text("b.yaml", bad, strlen(bad), &sec_schema, &s, &d),
			 SEAM_CONFIG);
	dump(&d);
	assert_true(diag_has(&d, "b.yaml:1: key: secrets are never written in the config"));
	assert_true(diag_has(&d, "b.yaml:3: keys: environment variable SEAM_TEST_NOPE_UNSET is not set"));
	assert_true(diag_has(&d, "b.yaml:4: keys: cannot read secret file /nonexistent/k"));
	assert_true(diag_has(&d, "b.yaml:6: missing required key 'stores.eu.url'"));
	assert_true(diag_has(&d, "missing required key 'name'"));
	/* The literal value never appears in a message. */
	for (size_t i = 0; i < d.n; i++)
		assert_null(strstr(d.lines[i], "hunter2"));
	seam_cfg_diag_dispose(&d);
	unlink(path);
	snprintf(path, sizeof path, "%s/key.txt", dir);
	unlink(path);
	rmdir(dir);
}

/* A table with defaults of every scalar kind, and one whose default is broken. */
typedef struct {
	int64_t workers, lease_ms, body;
	int flag;
	char *level;
	store_t inner;
} defs_t;
static const seam_cfg_field_t inner_fields[] = {
	{"n", SEAM_CFG_INT, offsetof(store_t, n), 0, "7", "n", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t inner_schema = {"inner", sizeof(store_t), inner_fields, 1};
static const seam_cfg_field_t defs_fields[] = {
	{"workers", SEAM_CFG_INT, offsetof(defs_t, workers), 0, "4", "w", NULL, NULL, 1, 256},
	{"lease", SEAM_CFG_DURATION, offsetof(defs_t, lease_ms), 0, "30s", "l", NULL, NULL, 0, 0},
	{"body", SEAM_CFG_SIZE, offsetof(defs_t, body), 0, "1MiB", "b", NULL, NULL, 0, 0},
	{"flag", SEAM_CFG_BOOL, offsetof(defs_t, flag), 0, "true", "f", NULL, NULL, 0, 0},
	{"level", SEAM_CFG_ENUM, offsetof(defs_t, level), 0, "info", "l", NULL, "info|warn", 0, 0},
	{"inner", SEAM_CFG_SECTION, offsetof(defs_t, inner), 0, NULL, "i", &inner_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t defs_schema = {"defs", sizeof(defs_t), defs_fields, 6};
static const seam_cfg_field_t broken_fields[] = {
	{"workers", SEAM_CFG_INT, offsetof(defs_t, workers), 0, "four", "w", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t broken_schema = {"broken", sizeof(defs_t), broken_fields, 1};

/* seam_cfg_defaults: what an empty file gives, read from the rows themselves. */
static void test_defaults_from_the_table(void **state)
{
	defs_t d;
	(void)state;
	memset(&d, 0xff, sizeof d);
	assert_int_equal(seam_cfg_defaults(&defs_schema, &d), SEAM_OK);
	assert_int_equal(d.workers, 4);
	assert_int_equal(d.lease_ms, 30000);
	assert_int_equal(d.body, 1 << 20);
	assert_int_equal(d.flag, 1);
	assert_string_equal(d.level, "info");
	assert_int_equal(d.inner.n, 7);
	assert_null(d.inner.url);
	seam_cfg_dispose(&defs_schema, &d);
	/* a default that does not parse is refused, and nothing is left half-filled */
	assert_int_equal(seam_cfg_defaults(&broken_schema, &d), SEAM_CONFIG);
	assert_int_equal(d.workers, 0);
}

/* seam_cfg_check_*: checks after the load say file:line, or file alone for a default. */
static void test_checks_after_load(void **state)
{
	seam_cfg_lines_t lines = {0};
	seam_cfg_diag_t d = {0};
	sec_t s;
	const char *text = "name: x\nstores:\n  eu:\n    url: http://a\n";
	(void)state;
	assert_int_equal(seam_cfg_load_doc("c.yaml", text, strlen(text), &sec_schema, &s, &d, &lines),
			 SEAM_OK);
	seam_cfg_check_t chk = {.file = "c.yaml", .lines = &lines, .diag = &d};
	assert_int_equal(seam_cfg_check_line(&chk, "stores.%s.url", "eu"), 4);
	assert_int_equal(seam_cfg_check_line(&chk, "stores.eu.n"), 3); /* a default: its entry */
	assert_int_equal(seam_cfg_check_line(&chk, "key"), 0);          /* not written at all */
	seam_cfg_check_keyf(&chk, "stores.eu.url", "'%s' is no good", "http://a");
	seam_cfg_check_addf(&chk, 0, "no line: %d", 1);
	seam_cfg_check_addf(&chk, seam_cfg_check_line(&chk, "name"), "on %s", "name");
	dump(&d);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.lines[0], "c.yaml:4: stores.eu.url: 'http://a' is no good");
	assert_string_equal(d.lines[1], "c.yaml: no line: 1");
	assert_string_equal(d.lines[2], "c.yaml:1: on name");
	seam_cfg_diag_dispose(&d);
	/* without a file name or lines (the built-in defaults) */
	seam_cfg_check_t bare = {.diag = &d};
	seam_cfg_check_keyf(&bare, "stores.eu.url", "bad");
	assert_string_equal(d.lines[0], "config: stores.eu.url: bad");
	seam_cfg_diag_dispose(&d);
	seam_cfg_lines_dispose(&lines);
	seam_cfg_dispose(&sec_schema, &s);
}

static void test_reference(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	(void)state;
	seam_cfg_print_reference(&defs_schema, fp);
	fclose(fp);
	assert_non_null(strstr(buf, "| key | type | default | meaning |\n|---|---|---|---|\n"));
	assert_non_null(strstr(buf, "| `body` | size | 1MiB | b |"));
	assert_non_null(strstr(buf, "| `inner.n` | integer | 7 | n |")); /* sections flattened */
	/* '|' inside a cell is escaped, or the Markdown table would break */
	assert_non_null(strstr(buf, "| `level` | enum: info\\|warn | info | l |"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_secret_file_sizes),
		cmocka_unit_test(test_defaults_from_the_table),
		cmocka_unit_test(test_checks_after_load),
		cmocka_unit_test(test_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
