/* Tests for src/core/log.c: one JSON object per line, secrets redacted, PII masked, and no
 * interleaving between threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

static char *read_all(int fd)
{
	static char buf[8 << 20];
	size_t len = 0;
	ssize_t n;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static int tmpfd(void)
{
	char path[] = "/tmp/seam-log-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	return fd;
}

static void test_line_shape_and_redaction(void **state)
{
	int fd = tmpfd();
	seam_log_t *lg = seam_log_create(fd, SEAM_LOG_INFO);
	json_error_t je;
	(void)state;
	seam_logf(lg, SEAM_LOG_INFO, "http", "abc123",
		  json_pack("{s:s, s:s, s:i, s:s}", "Authorization", "Bearer seam_x_y", "path", "/v1",
			    "status", 200, "client_secret", "zzz"),
		  "served %s", "/v1");
	seam_log_debug(lg, "http", NULL, "below the level");
	char *text = read_all(fd);
	assert_non_null(strchr(text, '\n'));
	assert_null(strchr(strchr(text, '\n') + 1, '\n')); /* exactly one line */
	json_t *o = json_loads(text, 0, &je);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "level")), "info");
	assert_string_equal(json_string_value(json_object_get(o, "module")), "http");
	assert_string_equal(json_string_value(json_object_get(o, "msg")), "served /v1");
	assert_string_equal(json_string_value(json_object_get(o, "correlation_id")), "abc123");
	assert_string_equal(json_string_value(json_object_get(o, "Authorization")), "[redacted]");
	assert_string_equal(json_string_value(json_object_get(o, "client_secret")), "[redacted]");
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 200);
	assert_int_equal(strlen(json_string_value(json_object_get(o, "ts"))), 24);
	assert_null(strstr(text, "seam_x_y"));
	json_decref(o);
	seam_log_destroy(lg);
	close(fd);
}

static void test_masks(void **state)
{
	char b[64];
	(void)state;
	assert_string_equal(seam_mask_email("jane.doe@example.com", b, sizeof b), "j***@e***.com");
	assert_string_equal(seam_mask_email("nobody", b, sizeof b), "***");
	assert_string_equal(seam_mask_email(NULL, b, sizeof b), "");
	assert_string_equal(seam_mask_phone("+49 30 1234567", b, sizeof b), "***4567");
	assert_string_equal(seam_mask_phone("12", b, sizeof b), "***");
	assert_string_equal(seam_mask_text("1 Main Street", b, sizeof b), "***");

	json_t *doc = json_loads("{\"mail\":\"a@b.org\",\"billing\":{\"address_line1\":\"1 Main St\","
				 "\"given_name\":\"Jane\",\"country_code\":\"DE\",\"telephone\":\"555-0100\"},"
				 "\"items\":[{\"email\":\"x@y.io\",\"sku\":\"S1\"}],\"api_key\":\"k\"}",
				 0, NULL);
	seam_mask_json(doc);
	char *out = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(out, "{\"api_key\":\"[redacted]\",\"billing\":{\"address_line1\":\"***\","
				 "\"country_code\":\"DE\",\"given_name\":\"***\",\"telephone\":\"***0100\"},"
				 "\"items\":[{\"email\":\"x***@y***.io\",\"sku\":\"S1\"}],\"mail\":\"a***@b***.org\"}");
	free(out);
	json_decref(doc);
}

/* Personal data inside free text (an upstream's error message, a field not named like PII):
 * each address, phone number, IBAN and card number is masked where it stands, and nothing
 * else: the words around it, and the identifiers operators need, stay as they were. */
static void test_mask_free_text(void **state)
{
	char b[512];
	(void)state;
	/* the address alone, in compact JSON and in prose (it used to swallow the text before) */
	assert_string_equal(seam_mask_email("Product 174 - jane@example.net", b, sizeof b),
			    "Product 174 - j***@e***.net");
	json_t *doc = json_loads(
		"{\"error\":{\"code\":\"BadRequest\",\"message\":\"Customer jane.doe+shop@mail.example.com"
		" (phone +49 30 1234567, alt (030) 765-4321, US 415-555-0133, mobile 0171 2345678) paid"
		" from IBAN DE89 3704 0044 0532 0130 00 / GB82WEST12345698765432 with card"
		" 4111-1111-1111-1111 and 5500 0000 0000 0004 or 378282246310005\"},"
		"\"lines\":[\"Product 174 - 1\",\"x@y.io\"],"
		"\"note\":\"order 1001 (0192f3a4-5678-7abc-9def-0123456789ab, 12345678-1234-1234-1234-123456789012)"
		" placed 2026-11-26T10:00:00Z / 2026-11-26 10:00:00 total 19.99 EUR 1234.50, SKU-000123,"
		" SO-1001, cid 4bf92f3577b34da6a3ce929d0e0e4736, Internal_EntityWithSameKeyExists,"
		" version 1.2.3, 10.0.0.1, orders 1001 1002 1003\"}",
		0, NULL);
	assert_non_null(doc);
	seam_mask_json(doc);
	char *out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	const char *gone[] = {"jane", "doe", "mail.example", "30 1234567", "765-4321", "555-0133",
			      "0171 2345678", "3704", "0532 0130", "WEST1234", "1111-1111", "5500 0000",
			      "378282246310005", "x@y", "y.io"};
	for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
		if (strstr(out, gone[i]))
			fail_msg("'%s' is still in %s", gone[i], out);
	const char *kept[] = {
		"\"code\":\"BadRequest\"", "Customer j***@m***.com (phone ***4567, alt ***4321, US ***0133,"
		" mobile ***5678) paid from IBAN DE***3000 / GB***5432 with card ***1111 and ***0004 or ***0005",
		"\"Product 174 - 1\"",
		"order 1001 (0192f3a4-5678-7abc-9def-0123456789ab, 12345678-1234-1234-1234-123456789012)"
		" placed 2026-11-26T10:00:00Z / 2026-11-26 10:00:00 total 19.99 EUR 1234.50, SKU-000123,"
		" SO-1001, cid 4bf92f3577b34da6a3ce929d0e0e4736, Internal_EntityWithSameKeyExists,"
		" version 1.2.3, 10.0.0.1, orders 1001 1002 1003"};
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
		if (!strstr(out, kept[i]))
			fail_msg("want '%s' in %s", kept[i], out);
	free(out);
	json_decref(doc);
}

static void test_mask_pii_table(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{"jane@example.com", "j***@e***.com"},
		{"<jane@example.com>", "<j***@e***.com>"},
		{"mailto:jane@example.com;", "mailto:j***@e***.com;"},
		{"'jane@example.com'", "'j***@e***.com'"},
		{"path=/users/jane@example.co.uk.", "path=/users/j***@e***.uk."},
		{"user@localhost is no address", "user@localhost is no address"},
		{"price@19.99", "price@19.99"},
		{"tel. 4155550133", "tel. ***0133"},
		{"Phone: 030/1234567", "Phone: ***4567"},
		{"+44 20 7946 0958.", "***0958."},
		{"Customer 0000123456 not found", "Customer 0000123456 not found"},
		{"document 01712345678", "document 01712345678"},
		{"de89370400440532013000", "DE***3000"},
		{"NL91ABNA0417164300 ok", "NL***4300 ok"},
		{"DE01BLACKLARGE2022XYZW", "DE01BLACKLARGE2022XYZW"},
		{"card 4111 1111 1111 1111 2026", "card ***1111 2026"},
		{"ts 1764115200000", "ts ***0000"},
		{"id 123456789012", "id 123456789012"},
		{"1001-1002", "1001-1002"},
		{"ORD-4111111111111111", "ORD-4111111111111111"},
		{"4111111111111111abc", "4111111111111111abc"},
		{"j***@e***.com ***4567 DE***3000", "j***@e***.com ***4567 DE***3000"},
		{"", ""},
	};
	char b[256];
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		seam_mask_pii(t[i].in, b, sizeof b);
		if (strcmp(b, t[i].want) != 0)
			fail_msg("'%s': got '%s' want '%s'", t[i].in, b, t[i].want);
		size_t n = 99;
		char *d = seam_mask_pii_dup(t[i].in, &n);
		assert_string_equal(d, t[i].want);
		assert_int_equal(n > 0, strcmp(t[i].in, t[i].want) != 0);
		free(d);
	}
	/* truncation never overflows and stays NUL-terminated */
	assert_string_equal(seam_mask_pii("a jane@example.com", b, 6), "a j**");
	assert_string_equal(seam_mask_pii(NULL, b, sizeof b), "");
	/* the worst case for growth: short addresses back to back */
	char *d = seam_mask_pii_dup("a@b.io a@b.io a@b.io", NULL);
	assert_string_equal(d, "a***@b***.io a***@b***.io a***@b***.io");
	free(d);
}

static int count_lines(const char *text, const char *needle)
{
	int n = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *nl = strchr(l, '\n');
		const char *hit = strstr(l, needle);
		if (hit && (!nl || hit < nl))
			n++;
	}
	return n;
}

/* A warning repeated by every failing call: one line per window at warn, the rest at debug,
 * and the next warn line says how many were held back. */
static void test_limited(void **state)
{
	int fd = tmpfd();
	seam_log_t *lg = seam_log_create(fd, SEAM_LOG_INFO);
	seam_log_limit_t lim;
	(void)state;
	seam_log_limit_init(&lim, 300);
	for (int i = 0; i < 100; i++)
		seam_logf_limited(lg, &lim, SEAM_LOG_WARN, "upstream", NULL,
				  json_pack("{s:s}", "upstream", "erp"), "call %d failed", i);
	char *text = read_all(fd);
	assert_int_equal(count_lines(text, "\"level\":\"warn\""), 1);
	assert_int_equal(count_lines(text, "call 0 failed"), 1);
	assert_null(strstr(text, "suppressed"));
	usleep(350 * 1000);
	seam_logf_limited(lg, &lim, SEAM_LOG_WARN, "upstream", NULL, NULL, "call %d failed", 100);
	text = read_all(fd);
	assert_int_equal(count_lines(text, "\"level\":\"warn\""), 2);
	assert_non_null(strstr(text, "\"msg\":\"call 100 failed\",\"suppressed\":99"));
	/* held lines are still there at debug */
	seam_log_set_level(lg, SEAM_LOG_DEBUG);
	seam_logf_limited(lg, &lim, SEAM_LOG_WARN, "upstream", NULL, NULL, "call %d failed", 101);
	text = read_all(fd);
	assert_int_equal(count_lines(text, "\"level\":\"debug\""), 1);
	/* no limit: every line */
	seam_logf_limited(lg, NULL, SEAM_LOG_WARN, "upstream", NULL, NULL, "x");
	seam_logf_limited(lg, NULL, SEAM_LOG_WARN, "upstream", NULL, NULL, "x");
	text = read_all(fd);
	assert_int_equal(count_lines(text, "\"level\":\"warn\""), 4);
	seam_log_destroy(lg);
	close(fd);
}

struct worker {
	seam_log_t *lg;
	int id;
};

static void *spam(void *arg)
{
	struct worker *w = arg;
	char big[1500];
	memset(big, 'a' + w->id, sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int i = 0; i < 500; i++)
		seam_logf(w->lg, SEAM_LOG_INFO, "t", NULL, json_pack("{s:s}", "pad", big), "w%d", w->id);
	return NULL;
}

static void test_no_interleaving(void **state)
{
	int fd = tmpfd();
	seam_log_t *lg = seam_log_create(fd, SEAM_LOG_INFO);
	pthread_t t[4];
	struct worker w[4];
	int lines = 0;
	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){lg, i};
		pthread_create(&t[i], NULL, spam, &w[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	char *text = read_all(fd), *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(l, 0, NULL);
		assert_non_null(o); /* a torn line would not parse */
		json_decref(o);
		lines++;
	}
	assert_int_equal(lines, 2000);
	seam_log_destroy(lg);
	close(fd);
}

/* The line without its "ts" member (the only one that differs between two calls). */
static const char *after_ts(const char *line)
{
	const char *p = strstr(line, "\"level\"");
	assert_non_null(p);
	return p;
}

/* seam_log_http writes, byte for byte, what seam_logf with the same fields writes, for paths
 * with quotes, backslashes, controls, non-ASCII and astral characters; and keeps a line (with
 * U+FFFD) for invalid UTF-8, where jansson would drop the fields. */
static void test_http_line_matches_logf(void **state)
{
	static const char *paths[] = {"/v1/orders?x=\"y\"\\z", "/caf\xc3\xa9/\xf0\x9f\x98\x80/\x01\x7f\t\n",
				      "/", "-"};
	static const double ms[] = {0.123456789, 12.0, 1e-5, 123456789.0};
	(void)state;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		int a = tmpfd(), b = tmpfd();
		seam_log_t *la = seam_log_create(a, SEAM_LOG_INFO), *lb = seam_log_create(b, SEAM_LOG_INFO);
		seam_log_http(la, "http", i % 2 ? "cid-1" : NULL,
			      &(seam_log_http_t){.method = "POST", .path = paths[i], .route = "/v1/x",
						 .remote = "127.0.0.1", .status = 202, .bytes = 77,
						 .duration_ms = ms[i]});
		seam_logf(lb, SEAM_LOG_INFO, "http", i % 2 ? "cid-1" : NULL,
			  json_pack("{s:s, s:s, s:s, s:i, s:I, s:f, s:s}", "method", "POST", "path",
				    paths[i], "route", "/v1/x", "status", 202, "bytes", (json_int_t)77,
				    "duration_ms", ms[i], "remote", "127.0.0.1"),
			  "%s %s %d", "POST", paths[i], 202);
		char *ta = strdup(read_all(a)), *tb = strdup(read_all(b));
		assert_string_equal(after_ts(ta), after_ts(tb));
		assert_memory_equal(ta, "{\"ts\":\"", 7);
		free(ta);
		free(tb);
		seam_log_destroy(la);
		seam_log_destroy(lb);
		close(a);
		close(b);
	}
	int fd = tmpfd();
	seam_log_t *lg = seam_log_create(fd, SEAM_LOG_INFO);
	seam_log_http(lg, "http", NULL,
		      &(seam_log_http_t){.method = "GET", .path = "/bad\xff\xc3(", .status = 404});
	json_t *o = json_loads(read_all(fd), 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "path")), "/bad\xef\xbf\xbd\xef\xbf\xbd(");
	assert_string_equal(json_string_value(json_object_get(o, "route")), "");
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 404);
	json_decref(o);
	seam_log_set_level(lg, SEAM_LOG_WARN); /* the access log is info: nothing below the level */
	seam_log_http(lg, "http", NULL, &(seam_log_http_t){.method = "GET", .path = "/"});
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)strlen(read_all(fd)));
	seam_log_destroy(lg);
	close(fd);
}

/* Buffered mode: info lines wait for the flusher (or a full buffer), a warning writes what
 * came before it and itself at once, the flusher writes within its interval, and destroy
 * writes the rest: 4 threads x 500 lines of 1.5 KB (more than the buffer holds) all arrive,
 * none torn. */
static void test_buffered(void **state)
{
	int fd = tmpfd();
	seam_log_t *lg = seam_log_create(fd, SEAM_LOG_INFO);
	(void)state;
	assert_int_equal(seam_log_buffer(lg, 60000), 0); /* the flusher will not run in this test */
	seam_log_info(lg, "t", NULL, "first");
	assert_int_equal(count_lines(read_all(fd), "\"ts\""), 0);
	seam_log_warn(lg, "t", NULL, "second");
	char *text = read_all(fd);
	assert_int_equal(count_lines(text, "\"ts\""), 2);
	assert_true(strstr(text, "first") < strstr(text, "second"));
	seam_log_info(lg, "t", NULL, "third");
	seam_log_flush(lg);
	assert_int_equal(count_lines(read_all(fd), "\"ts\""), 3);

	pthread_t t[4];
	struct worker w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){lg, i};
		pthread_create(&t[i], NULL, spam, &w[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	seam_log_info(lg, "t", NULL, "last");
	seam_log_destroy(lg);
	text = read_all(fd);
	int lines = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(l, 0, NULL);
		assert_non_null(o);
		json_decref(o);
		lines++;
	}
	assert_int_equal(lines, 3 + 2000 + 1);
	close(fd);

	/* The flusher writes on its own within its interval. */
	fd = tmpfd();
	lg = seam_log_create(fd, SEAM_LOG_INFO);
	assert_int_equal(seam_log_buffer(lg, 20), 0);
	seam_log_info(lg, "t", NULL, "soon");
	int seen = 0;
	for (int i = 0; i < 200 && !seen; i++) {
		usleep(10000);
		seen = count_lines(read_all(fd), "\"ts\"") == 1;
	}
	assert_true(seen);
	seam_log_destroy(lg);
	close(fd);
}

static void test_level_parse(void **state)
{
	seam_log_level_e l;
	(void)state;
	assert_int_equal(seam_log_level_parse("WARN", &l), 0);
	assert_int_equal(l, SEAM_LOG_WARN);
	assert_int_equal(seam_log_level_parse("verbose", &l), -1);
	assert_true(seam_log_key_is_secret("X-Api-Key"));
	assert_true(seam_log_key_is_secret("stripe_signature"));
	assert_false(seam_log_key_is_secret("status"));
	assert_false(seam_log_key_is_secret("company"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_shape_and_redaction),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_mask_free_text),
		cmocka_unit_test(test_mask_pii_table),
		cmocka_unit_test(test_limited),
		cmocka_unit_test(test_no_interleaving),
		cmocka_unit_test(test_http_line_matches_logf),
		cmocka_unit_test(test_buffered),
		cmocka_unit_test(test_level_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
