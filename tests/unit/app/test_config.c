/* Tests for src/app/config.c: seam.yaml's root schema assembled from the owners' tables (and
 * those tables: defaults, ranges), every problem reported with file:line, the cross-section
 * checks, key lines, the reference. The engine itself: tests/unit/core/test_config.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"
#include "tests/support/th_assert.h"
#include "app/registry.h"

static seam_err_t load(const char *text, seam_config_t **cfg, seam_cfg_diag_t *d)
{
	return seam_config_load_text(seam_app_flows(), "t.yaml", text, strlen(text), cfg, d);
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
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("{}\n", &cfg, &d), SEAM_OK);
	assert_string_equal(cfg->listen, "127.0.0.1:8080");
	assert_string_equal(cfg->store, "sqlite://seam.db");
	assert_string_equal(cfg->log.level, "info");
	assert_int_equal(cfg->log.access_log, 1);
	assert_int_equal(cfg->http.threads, 4);
	assert_int_equal(cfg->http.body_limit, 1 << 20);
	assert_int_equal(cfg->http.request_timeout_ms, 30000);
	assert_int_equal(cfg->http.header_timeout_ms, 10000);
	assert_int_equal(cfg->http.body_min_rate, 1024);
	assert_int_equal(cfg->http.per_ip_limit, 256);
	assert_int_equal(cfg->metrics.require_key, 0);
	seam_config_free(cfg);
}

static void test_values_parsed(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("listen: 127.0.0.1:9999\n"
			      "store: sqlite:///tmp/x.db\n"
			      "log: {level: debug, access_log: off}\n"
			      "http:\n  threads: 8\n  body_limit: 64KiB\n  request_timeout: 1500ms\n",
			      &cfg, &d),
			 SEAM_OK);
	assert_string_equal(cfg->listen, "127.0.0.1:9999");
	assert_string_equal(cfg->log.level, "debug");
	assert_int_equal(cfg->log.access_log, 0);
	assert_int_equal(cfg->http.threads, 8);
	assert_int_equal(cfg->http.body_limit, 65536);
	assert_int_equal(cfg->http.request_timeout_ms, 1500);
	seam_config_free(cfg);
}

static void test_all_problems_with_lines(void **state)
{
	seam_config_t *cfg = NULL;
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
	assert_null(cfg); /* nothing half-loaded is handed back */
	seam_cfg_diag_dispose(&d);
}

static void test_wrong_shape_and_range(void **state)
{
	seam_config_t *cfg = NULL;
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
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("listen: [unclosed\nstore: x\n", &cfg, &d), SEAM_CONFIG);
	dump(&d);
	TH_ASSERT_CMP(d.n, >=, 1);
	assert_true(diag_has(&d, "t.yaml:"));
	assert_true(diag_has(&d, "YAML syntax"));
	seam_cfg_diag_dispose(&d);
}

/* Found by fuzz/fuzz_config.c (corpus: fuzz_config/regress_error_in_text): a syntax error in
 * a file whose text contains ": error: " was reported twice, the second time with a line the
 * file does not have (9 for a one-line file) and input text as the message. */
static void test_yaml_syntax_error_text_in_input(void **state)
{
	static const char in[] =
		"{\"listen\": \"127.0.: error: 0.1:9\", \"queue\": {\"w: error: 1e3, \"lease\": null}, "
		"\"upstre(ams\": {\"x\": {\"base_url\": \"http://x\", \"auth\": {\"type\": \"basic\", "
		"\"userame\": \"u\", \"password\"\001\000\000\000: {\"env\000\001 \"NOPE\"}}}}}\n";
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(seam_config_load_text(seam_app_flows(), "t.yaml", in, sizeof in - 1, &cfg, &d),
			 SEAM_CONFIG);
	dump(&d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.lines[0], "t.yaml:1: YAML syntax (column 63): missing comma in flow mapping");
	seam_cfg_diag_dispose(&d);
}

/* Found by fuzz/fuzz_config.c (corpus: fuzz_config/regress_directive_not_utf8): libfyaml
 * 0.7.12 never returns from a directive that starts with a byte that is not UTF-8, so
 * `seam check` and `seam serve` hung on such a file. Bytes that are not UTF-8 are refused with
 * their line and column before parsing; UTF-8 text still loads. */
static void test_not_utf8(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("%\xa4" "AML 1.2\n---\nlisten: x\n", &cfg, &d), SEAM_CONFIG);
	dump(&d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.lines[0], "t.yaml:1: not UTF-8 text: byte 0xA4 at column 2 (save the "
					"file as UTF-8)");
	seam_cfg_diag_dispose(&d);
	/* Latin-1, a lone continuation byte, an overlong form, a surrogate, a cut sequence */
	const char *bad[] = {"log:\n  level: caf\xe9\n", "store: \x80\n", "store: \xc0\xaf\n",
			     "store: \xed\xa0\x80\n", "store: \xe2\x82"};
	const char *want[] = {"t.yaml:2: not UTF-8 text: byte 0xE9 at column 13",
			      "t.yaml:1: not UTF-8 text: byte 0x80 at column 8",
			      "t.yaml:1: not UTF-8 text: byte 0xC0 at column 8",
			      "t.yaml:1: not UTF-8 text: byte 0xED at column 8",
			      "t.yaml:1: not UTF-8 text: byte 0xE2 at column 8"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(load(bad[i], &cfg, &d), SEAM_CONFIG);
		if (d.n != 1 || strncmp(d.lines[0], want[i], strlen(want[i])) != 0)
			fail_msg("case %zu: got '%s', want '%s...'", i, d.n ? d.lines[0] : "", want[i]);
		seam_cfg_diag_dispose(&d);
	}
	assert_int_equal(load("mappings: \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n", &cfg, &d),
			 SEAM_OK);
	assert_string_equal(cfg->mappings, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	seam_config_free(cfg);
}

static void test_missing_file(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(seam_config_load(seam_app_flows(), "/nonexistent/seam.yaml", &cfg, &d), SEAM_CONFIG);
	assert_null(cfg);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.lines[0], "/nonexistent/seam.yaml: cannot open: No such file or directory");
	seam_cfg_diag_dispose(&d);
}

/* "Did you mean": among keys equally close, the one whose type takes the value as written. */
static void test_suggestion_fits_the_value(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	/* 'storez' is one edit from both 'store' and 'stores': a mapping of entries is 'stores' */
	assert_int_equal(load("storez:\n  us: {}\n", &cfg, &d), SEAM_CONFIG);
	dump(&d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.lines[0], "t.yaml:1: unknown key 'storez' (did you mean 'stores'?)");
	seam_cfg_diag_dispose(&d);
	/* ... and a URL is 'store' */
	assert_int_equal(load("storez: sqlite://x.db\n", &cfg, &d), SEAM_CONFIG);
	assert_string_equal(d.lines[0], "t.yaml:1: unknown key 'storez' (did you mean 'store'?)");
	seam_cfg_diag_dispose(&d);
	/* with no value to go by, the key of the same length (a mistyped letter) */
	assert_int_equal(load("storez:\n", &cfg, &d), SEAM_CONFIG);
	assert_string_equal(d.lines[0], "t.yaml:1: unknown key 'storez' (did you mean 'stores'?)");
	seam_cfg_diag_dispose(&d);
	/* nothing close: no suggestion */
	assert_int_equal(load("frobnicate: 1\n", &cfg, &d), SEAM_CONFIG);
	assert_string_equal(d.lines[0], "t.yaml:1: unknown key 'frobnicate'");
	seam_cfg_diag_dispose(&d);
}

/* Checks that run after the walk (names used across sections) still point at their line. */
static void test_cross_references_have_lines(void **state)
{
	char dir[] = "/tmp/seam-cfg-XXXXXX", path[300];
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	FILE *fp;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/seam.yaml", dir);
	fp = fopen(path, "w");
	fputs("upstreams:\n"                       /* 1 */
	      "  erp: {base_url: http://127.0.0.1:1}\n" /* 2 */
	      "  tok:\n"                           /* 3 */
	      "    base_url: http://127.0.0.1:1\n" /* 4 */
	      "    auth:\n"                        /* 5 */
	      "      type: bearer\n"               /* 6 */
	      "stores:\n"                          /* 7 */
	      "  us:\n"                            /* 8 */
	      "    drupal: {upstream: erp}\n"      /* 9 */
	      "    erp:\n"                         /* 10 */
	      "      company: c1\n"                /* 11 */
	      "      upstream: epr\n"              /* 12 */
	      "sources:\n"                         /* 13 */
	      "  psp:\n"                           /* 14 */
	      "    secrets: [{env: HOME}]\n"       /* 15 */
	      "    store: eu\n",                   /* 16 */
	      fp);
	fclose(fp);
	assert_int_equal(seam_config_load(seam_app_flows(), path, &cfg, &d), SEAM_CONFIG);
	dump(&d);
	assert_null(cfg);
	assert_int_equal(d.n, 3);
	char want[400];
	snprintf(want, sizeof want, "%s:12: stores.us.erp.upstream: 'epr' is not defined in upstreams",
		 path);
	assert_true(diag_has(&d, want));
	snprintf(want, sizeof want, "%s:16: sources.psp.store: 'eu' is not defined in stores", path);
	assert_true(diag_has(&d, want));
	snprintf(want, sizeof want, "%s:6: upstreams.tok.auth: type bearer needs token", path);
	assert_true(diag_has(&d, want));
	seam_cfg_diag_dispose(&d);
	unlink(path);
	rmdir(dir);
}

/* seam_config_line: the key's own line, else the nearest enclosing key written, else 0. */
static void test_config_line(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	const char *text = "listen: 127.0.0.1:1\n"
			   "stores:\n"
			   "  us:\n"
			   "    erp: {company: c1}\n";
	(void)state;
	assert_int_equal(seam_config_load_text(seam_app_flows(), "t.yaml", text, strlen(text), &cfg, &d), SEAM_OK);
	assert_int_equal(seam_config_line(cfg, "listen"), 1);
	assert_int_equal(seam_config_line(cfg, "stores.us"), 3);
	assert_int_equal(seam_config_line(cfg, "stores.us.erp.company"), 4);
	assert_int_equal(seam_config_line(cfg, "stores.us.erp.mapping"), 4); /* a default: erp's line */
	assert_int_equal(seam_config_line(cfg, "store"), 0);                 /* not written at all */
	seam_config_diagf(cfg, &d, "stores.us.erp.mapping", "%s not found", "mappings/x.lua");
	assert_string_equal(d.lines[0], "t.yaml:4: stores.us.erp.mapping: mappings/x.lua not found");
	seam_cfg_diag_dispose(&d);
	seam_config_free(cfg);
	/* the built-in defaults have no lines: the message names the source alone */
	assert_int_equal(seam_config_load_text(seam_app_flows(), "(built-in defaults)", "{}", 2, &cfg, &d), SEAM_OK);
	assert_string_equal(cfg->path, "(built-in defaults)");
	seam_config_diagf(cfg, &d, "store", "not good");
	assert_string_equal(d.lines[0], "(built-in defaults): store: not good");
	seam_cfg_diag_dispose(&d);
	seam_config_free(cfg);
}

/* stores.<name>.drupal.store: one UUID or a list, each checked with its line. */
static void test_drupal_store_uuids(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	(void)state;
	assert_int_equal(load("stores:\n"
			      "  us:\n    drupal: {store: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}\n"
			      "  eu:\n    drupal:\n      store: [6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10,\n"
			      "              7c2e7e8f-4a2d-4d4c-8a5b-3e9f6d8b0c21]\n",
			      &cfg, &d),
			 SEAM_OK);
	seam_config_store_t *us = seam_cfg_map_get(&cfg->stores, "us");
	seam_config_store_t *eu = seam_cfg_map_get(&cfg->stores, "eu");
	assert_int_equal(us->drupal.stores.n, 1);
	assert_string_equal(us->drupal.stores.items[0], "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11");
	assert_int_equal(eu->drupal.stores.n, 2);
	assert_string_equal(eu->drupal.stores.items[1], "7c2e7e8f-4a2d-4d4c-8a5b-3e9f6d8b0c21");
	seam_config_free(cfg);

	assert_int_equal(load("stores:\n  us:\n    drupal:\n      store: [0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11,\n"
			      "        US store]\n",
			      &cfg, &d),
			 SEAM_CONFIG);
	dump(&d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.lines[0], "t.yaml:5: stores.us.drupal.store: 'US store' is not a UUID "
					"(8-4-4-4-12 hex digits)");
	seam_cfg_diag_dispose(&d);
}

static seam_err_t load_file(const char *text, seam_config_t **cfg, seam_cfg_diag_t *d)
{
	char path[] = "/tmp/seam-cfg-XXXXXX";
	int fd = mkstemp(path);
	TH_ASSERT_CMP(fd, >=, 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	seam_err_t rc = seam_config_load(seam_app_flows(), path, cfg, d);
	unlink(path);
	return rc;
}

/* Seam stores on one Drupal upstream must each say which commerce_stores they own, and no
 * commerce_store may be owned twice: else two pollers export the same orders. */
static void test_drupal_store_owners(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	const char *head = "upstreams: {drupal: {base_url: 'http://127.0.0.1:1'}, "
			   "other: {base_url: 'http://127.0.0.1:2'}}\nstores:\n";
	char text[1024];
	(void)state;
	/* one seam store per site: drupal.store may be left out (it owns the site) */
	snprintf(text, sizeof text, "%s  us: {drupal: {upstream: drupal}}\n  eu: {drupal: {upstream: other}}\n", head);
	assert_int_equal(load_file(text, &cfg, &d), SEAM_OK);
	seam_config_free(cfg);
	/* two upstream names for one site are one site */
	snprintf(text, sizeof text, "upstreams: {a: {base_url: 'http://127.0.0.1:1'}, b: {base_url: 'http://127.0.0.1:1'}}\n"
		 "stores:\n  us: {drupal: {upstream: a}}\n  eu: {drupal: {upstream: b}}\n");
	assert_int_equal(load_file(text, &cfg, &d), SEAM_CONFIG);
	assert_true(diag_has(&d, "stores.us and stores.eu share the Drupal site of upstream 'b'"));
	seam_cfg_diag_dispose(&d);

	snprintf(text, sizeof text, "%s  us: {drupal: {upstream: drupal, store: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}}\n"
		 "  eu: {drupal: {upstream: drupal}}\n", head);
	assert_int_equal(load_file(text, &cfg, &d), SEAM_CONFIG);
	dump(&d);
	assert_int_equal(d.n, 1);
	assert_true(diag_has(&d, "stores.us and stores.eu share the Drupal site of upstream 'drupal': "
				 "each needs drupal.store"));
	seam_cfg_diag_dispose(&d);

	snprintf(text, sizeof text, "%s  us: {drupal: {upstream: drupal, store: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}}\n"
		 "  eu: {drupal: {upstream: drupal, store: [6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10, "
		 "0F2A5B0E-6C55-4A8E-9A55-3B4A1C0C2F11]}}\n", head);
	assert_int_equal(load_file(text, &cfg, &d), SEAM_CONFIG);
	dump(&d);
	assert_int_equal(d.n, 1);
	assert_true(diag_has(&d, "stores.eu.drupal.store: 0F2A5B0E-6C55-4A8E-9A55-3B4A1C0C2F11 is "
				 "already owned by stores.us"));
	seam_cfg_diag_dispose(&d);

	snprintf(text, sizeof text, "%s  us: {drupal: {upstream: drupal, store: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}}\n"
		 "  eu: {drupal: {upstream: drupal, store: 6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10}}\n", head);
	assert_int_equal(load_file(text, &cfg, &d), SEAM_OK);
	seam_config_free(cfg);
}

static void test_reference_lists_every_key(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	(void)state;
	seam_config_print_reference(seam_app_flows(), fp);
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
		cmocka_unit_test(test_yaml_syntax_error_text_in_input),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_reference_lists_every_key),
		cmocka_unit_test(test_suggestion_fits_the_value),
		cmocka_unit_test(test_cross_references_have_lines),
		cmocka_unit_test(test_config_line),
		cmocka_unit_test(test_drupal_store_uuids),
		cmocka_unit_test(test_drupal_store_owners),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
