/* Tests for src/core/config.c: schema walk, defaults, every problem reported with file:line,
 * secrets only from files or the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

static seam_err_t load(const char *text, seam_config_t *cfg, seam_cfg_diag_t *d)
{
	return seam_cfg_load_text("t.yaml", text, strlen(text), &seam_config_schema, cfg, d);
}

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

static void test_defaults_from_empty(void **state)
{
	seam_config_t cfg;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("{}\n", &cfg, &d), SEAM_OK);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_string_equal(cfg.store, "sqlite://seam.db");
	assert_string_equal(cfg.log.level, "info");
	assert_int_equal(cfg.log.access_log, 1);
	assert_int_equal(cfg.http.threads, 4);
	assert_int_equal(cfg.http.body_limit, 1 << 20);
	assert_int_equal(cfg.http.request_timeout_ms, 30000);
	assert_int_equal(cfg.http.header_timeout_ms, 10000);
	assert_int_equal(cfg.http.body_min_rate, 1024);
	assert_int_equal(cfg.http.per_ip_limit, 256);
	assert_int_equal(cfg.metrics.require_key, 0);
	seam_cfg_dispose(&seam_config_schema, &cfg);
}

static void test_values_parsed(void **state)
{
	seam_config_t cfg;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("listen: 127.0.0.1:9999\n"
			      "store: sqlite:///tmp/x.db\n"
			      "log: {level: debug, access_log: off}\n"
			      "http:\n  threads: 8\n  body_limit: 64KiB\n  request_timeout: 1500ms\n",
			      &cfg, &d),
			 SEAM_OK);
	assert_string_equal(cfg.listen, "127.0.0.1:9999");
	assert_string_equal(cfg.log.level, "debug");
	assert_int_equal(cfg.log.access_log, 0);
	assert_int_equal(cfg.http.threads, 8);
	assert_int_equal(cfg.http.body_limit, 65536);
	assert_int_equal(cfg.http.request_timeout_ms, 1500);
	seam_cfg_dispose(&seam_config_schema, &cfg);
}

static void test_all_problems_with_lines(void **state)
{
	seam_config_t cfg;
	seam_cfg_diag_t d = {0};
	(void)state;
	/* Four problems on four lines: every one is reported, not just the first. */
	assert_int_equal(load("listen: 127.0.0.1:1\n"
			      "lgo:\n  level: info\n"
			      "http:\n  threads: many\n  body_limit: 12 parsecs\n"
			      "log:\n  level: loud\n",
			      &cfg, &d),
			 SEAM_CONFIG);
	dump(&d);
	assert_int_equal(d.n, 4);
	assert_true(diag_has(&d, "t.yaml:2: unknown key 'lgo' (did you mean 'log'?)"));
	assert_true(diag_has(&d, "t.yaml:5: http.threads: expected an integer, got 'many'"));
	assert_true(diag_has(&d, "t.yaml:6: http.body_limit: expected a size"));
	assert_true(diag_has(&d, "t.yaml:8: log.level: 'loud' is not one of debug|info|warn|error"));
	assert_null(cfg.listen); /* nothing half-loaded is handed back */
	seam_cfg_diag_dispose(&d);
}

static void test_wrong_shape_and_range(void **state)
{
	seam_config_t cfg;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("http: [1, 2]\nlog:\n  level: {a: b}\n", &cfg, &d), SEAM_CONFIG);
	dump(&d);
	assert_true(diag_has(&d, "http: expected a mapping"));
	assert_true(diag_has(&d, "t.yaml:3: log.level: expected an enum, got a mapping"));
	seam_cfg_diag_dispose(&d);
	assert_int_equal(load("http:\n  threads: 0\n", &cfg, &d), SEAM_CONFIG);
	assert_true(diag_has(&d, "t.yaml:2: http.threads: 0 is out of range [1, 256]"));
	seam_cfg_diag_dispose(&d);
}

static void test_yaml_syntax_error(void **state)
{
	seam_config_t cfg;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("listen: [unclosed\nstore: x\n", &cfg, &d), SEAM_CONFIG);
	dump(&d);
	assert_true(d.n >= 1);
	assert_true(diag_has(&d, "t.yaml:"));
	assert_true(diag_has(&d, "YAML syntax"));
	seam_cfg_diag_dispose(&d);
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

static void test_missing_file(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(seam_config_load("/nonexistent/seam.yaml", &cfg, &d), SEAM_CONFIG);
	assert_null(cfg);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.lines[0], "/nonexistent/seam.yaml: cannot open: No such file or directory");
	seam_cfg_diag_dispose(&d);
}

static void test_reference_lists_every_key(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	(void)state;
	seam_cfg_print_reference(&seam_config_schema, fp);
	fclose(fp);
	assert_non_null(strstr(buf, "| `http.body_limit` | size | 1MiB |"));
	/* '|' inside a cell is escaped, or the Markdown table would break */
	assert_non_null(strstr(buf, "| `log.level` | enum: debug\\|info\\|warn\\|error | info |"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_from_empty),
		cmocka_unit_test(test_values_parsed),
		cmocka_unit_test(test_all_problems_with_lines),
		cmocka_unit_test(test_wrong_shape_and_range),
		cmocka_unit_test(test_yaml_syntax_error),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_reference_lists_every_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
