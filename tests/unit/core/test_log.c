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
		cmocka_unit_test(test_no_interleaving),
		cmocka_unit_test(test_level_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
