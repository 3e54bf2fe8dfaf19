/* End-to-end: the real seam binary on a free loopback port with a config this test writes.
 * Covers start-up, health and readiness, metrics accepted by promtool, API keys over ctl and
 * HTTP, clean drain on SIGTERM, and each bad-input start-up failure giving one clear message
 * and no half-started server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

/* A seam under test (harness.h) in a temp dir of its own; nothing started. */
static void init(th_seam_t *in)
{
	char d[64];
	th_tmpdir(d);
	th_seam_init(in, d, "seam");
}

/* The store's file. */
static const char *db_file(const th_seam_t *in)
{
	return in->db_url + strlen("sqlite://");
}

static void write_config(th_seam_t *in, const char *extra)
{
	/* extra may bring its own http section (YAML refuses a key twice) */
	int own_http = extra && strstr(extra, "http:") != NULL;
	th_seam_write_config(in, "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info}\n%s%s",
			     in->port, in->db_url,
			     own_http ? "" : "http: {body_limit: 64KiB, drain_timeout: 5s}\n",
			     extra ? extra : "");
}

static int start(th_seam_t *in, const char *extra)
{
	init(in);
	write_config(in, extra);
	return th_seam_start(in, 5000);
}

static void stop(th_seam_t *in)
{
	th_seam_stop(in, SIGTERM, 5000);
	th_rmrf(in->dir);
}

/* Runs the binary to completion; returns exit status, output in *out (malloc'd). */
static int run(char *const argv[], const char *dir, char **out)
{
	char log[160];
	int st;
	snprintf(log, sizeof log, "%s/run.log", dir);
	unlink(log);
	pid_t pid = th_spawn(argv, log);
	waitpid(pid, &st, 0);
	*out = th_read_file(log);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void url(const th_seam_t *in, const char *path, char *out)
{
	th_seam_url(in, path, out, 256);
}

static void test_health_ready_metrics(void **state)
{
	th_seam_t in = {0};
	char u[256], tmp[200], cmd[300];
	th_resp_t r;
	(void)state;
	assert_int_equal(start(&in, NULL), 0);
	url(&in, "/healthz", u);
	assert_int_equal(th_http("GET", u, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"status\":\"ok\"}");
	th_resp_free(&r);
	url(&in, "/readyz", u);
	th_http("GET", u, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"store\":\"ok\""));
	th_resp_free(&r);
	url(&in, "/metrics", u);
	th_http("GET", u, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "seam_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"));
	snprintf(tmp, sizeof tmp, "%s/metrics.txt", in.dir);
	th_write_file(tmp, r.body);
	th_resp_free(&r);
	if (system("command -v promtool >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof cmd, "promtool check metrics < %s > %s.out 2>&1", tmp, tmp);
		int rc = system(cmd);
		snprintf(cmd, sizeof cmd, "%s.out", tmp);
		char *complaints = th_read_file(cmd);
		if (rc != 0 || (complaints && *complaints))
			fprintf(stderr, "promtool: %s\n", complaints ? complaints : "");
		assert_int_equal(rc, 0);
		assert_string_equal(complaints ? complaints : "", "");
		free(complaints);
	} else {
		printf("SKIP: promtool not installed; metrics not linted\n");
	}
	/* Access log: one JSON line per request, with the correlation id we sent. */
	url(&in, "/nope", u);
	th_http("GET", u, (const char *[]){"X-Correlation-ID: e2e-trace-1", NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 404);
	th_resp_free(&r);
	int st = th_seam_stop(&in, SIGTERM, 5000);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	char *log = th_read_file(in.log);
	assert_non_null(strstr(log, "\"correlation_id\":\"e2e-trace-1\""));
	assert_non_null(strstr(log, "\"status\":404"));
	assert_non_null(strstr(log, "stopped cleanly"));
	free(log);
	stop(&in);
}

static void test_api_keys(void **state)
{
	th_seam_t in = {0};
	char u[256], auth[128], *out = NULL;
	th_resp_t r;
	(void)state;
	assert_int_equal(start(&in, NULL), 0);
	char *create[] = {(char *)th_seam_bin(), "ctl", "-c", in.cfg, "keys", "create", "--name",
			  "shop", "--scopes", "ops:admin", NULL};
	assert_int_equal(run(create, in.dir, &out), 0);
	char key[80] = {0};
	/* stdout (the key) and stderr (the notice) share the log; find the key itself */
	assert_non_null(strstr(out, "seam_"));
	sscanf(strstr(out, "seam_"), "%79s", key);
	free(out);
	assert_int_equal(strncmp(key, "seam_", 5), 0);
	url(&in, "/v1/whoami", u);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
	th_http("GET", u, (const char *[]){auth, NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"key\":\"shop\"}");
	th_resp_free(&r);
	/* a scope that does not exist is refused (exit 2, the known ones named); whoami answers
	 * any valid key; a key without the route's scope: 403; a tampered key: 401 */
	char *bad[] = {(char *)th_seam_bin(), "ctl", "-c", in.cfg, "keys", "create", "--name",
		       "ship", "--scopes", "shipping:rate", NULL};
	assert_int_equal(run(bad, in.dir, &out), 2);
	assert_non_null(strstr(out, "unknown scope 'shipping:rate'; known scopes: ops:read, ops:admin"));
	free(out);
	char *create2[] = {(char *)th_seam_bin(), "ctl", "-c", in.cfg, "keys", "create", "--name",
			   "prom", "--scopes", "metrics:read", NULL};
	assert_int_equal(run(create2, in.dir, &out), 0);
	char key2[80] = {0};
	sscanf(strstr(out, "seam_"), "%79s", key2);
	free(out);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", key2);
	th_http("GET", u, (const char *[]){auth, NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"key\":\"prom\"}");
	th_resp_free(&r);
	url(&in, "/v1/jobs", u);
	th_http("GET", u, (const char *[]){auth, NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 403);
	th_resp_free(&r);
	url(&in, "/v1/whoami", u);
	key[strlen(key) - 1] ^= 1;
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
	th_http("GET", u, (const char *[]){auth, NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 401);
	th_resp_free(&r);
	/* list never shows the key or its hash */
	char *list[] = {(char *)th_seam_bin(), "ctl", "-c", in.cfg, "--json", "keys", "list", NULL};
	assert_int_equal(run(list, in.dir, &out), 0);
	json_t *arr = json_loads(out, 0, NULL);
	assert_int_equal(json_array_size(arr), 2);
	assert_null(json_object_get(json_array_get(arr, 0), "hash"));
	assert_null(strstr(out, key2 + 18));
	json_decref(arr);
	free(out);
	/* the logs never carry a key */
	char *log = th_read_file(in.log);
	assert_null(strstr(log, key2 + 18));
	free(log);
	stop(&in);
}

static void test_metrics_behind_key(void **state)
{
	th_seam_t in = {0};
	char u[256];
	th_resp_t r;
	(void)state;
	assert_int_equal(start(&in, "metrics: {require_key: true}\n"), 0);
	url(&in, "/metrics", u);
	th_http("GET", u, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 401);
	th_resp_free(&r);
	url(&in, "/healthz", u); /* health stays open */
	th_http("GET", u, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	stop(&in);
}

static void test_bad_config_exit_2(void **state)
{
	th_seam_t in = {0};
	char *out = NULL;
	(void)state;
	init(&in);
	write_config(&in, "metrics: {requre_key: true}\nhttp2: {}\n");
	char *argv[] = {(char *)th_seam_bin(), "serve", "-c", in.cfg, NULL};
	assert_int_equal(run(argv, in.dir, &out), 2);
	assert_non_null(strstr(out, "seam.yaml:5: unknown key 'metrics.requre_key' (did you mean 'require_key'?)"));
	assert_non_null(strstr(out, "seam.yaml:6: unknown key 'http2'"));
	free(out);
	char *check[] = {(char *)th_seam_bin(), "check", "-c", in.cfg, NULL};
	assert_int_equal(run(check, in.dir, &out), 2);
	free(out);
	/* a webhook secret that cannot be used fails at start, naming its source, not its value */
	setenv("SEAM_T_BAD_WHSEC", "whsec_!!not-base64!!", 1);
	write_config(&in, "stores:\n  eu: {drupal: {event_secrets: [{env: SEAM_T_BAD_WHSEC}]}}\n");
	assert_int_equal(run(argv, in.dir, &out), 2);
	assert_non_null(strstr(out, "stores.eu.drupal.event_secrets: the secret from env SEAM_T_BAD_WHSEC is not"));
	assert_null(strstr(out, "not-base64"));
	free(out);
	/* nothing was created: no half-started server left a database behind */
	assert_int_equal(access(db_file(&in), F_OK), -1);
	th_rmrf(in.dir);
}

static void test_startup_failures(void **state)
{
	th_seam_t a = {0}, b = {0};
	char *out = NULL;
	(void)state;
	/* port in use */
	assert_int_equal(start(&a, NULL), 0);
	init(&b);
	b.port = a.port;
	write_config(&b, NULL);
	char *argv[] = {(char *)th_seam_bin(), "serve", "-c", b.cfg, NULL};
	assert_int_equal(run(argv, b.dir, &out), 1);
	assert_non_null(strstr(out, "Address already in use"));
	free(out);
	stop(&a);
	/* corrupt database: a problem with what the config names, found by the start-up
	 * validation serve shares with check: exit 2 from both, with the store key's line */
	b.port = th_free_port();
	write_config(&b, NULL);
	th_write_file(db_file(&b), "this is not a database, just bytes that pretend to be one........");
	char *check[] = {(char *)th_seam_bin(), "check", "-c", b.cfg, NULL};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(run(i ? check : argv, b.dir, &out), 2);
		assert_non_null(strstr(out, "seam.yaml:2: store: sqlite "));
		assert_non_null(strstr(out, db_file(&b)));
		assert_non_null(strstr(out, "not a database"));
		free(out);
	}
	/* store directory not writable / missing */
	unlink(db_file(&b));
	char cfg2[600];
	snprintf(cfg2, sizeof cfg2, "listen: 127.0.0.1:%d\nstore: sqlite:///nonexistent-dir/x/seam.db\n",
		 b.port);
	th_write_file(b.cfg, cfg2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(run(i ? check : argv, b.dir, &out), 2);
		assert_non_null(strstr(out, "/nonexistent-dir/x/seam.db"));
		assert_non_null(strstr(out, "does not exist"));
		free(out);
	}
	/* unreadable secret file would be a config problem: covered in unit tests */
	th_rmrf(b.dir);
}

/* Raw bytes on a loopback socket; returns what the server sent before closing or timing out. */
static int raw_exchange(int port, const char *send_bytes, int wait_ms, char *out, size_t cap)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = wait_ms / 1000, .tv_usec = (wait_ms % 1000) * 1000};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (write(fd, send_bytes, strlen(send_bytes)) < 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, out + got, cap - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(fd);
	return (int)got;
}

static void test_malformed_and_slow_clients(void **state)
{
	th_seam_t in = {0};
	char buf[4096], u[256];
	th_resp_t r;
	(void)state;
	assert_int_equal(start(&in, "http: {request_timeout: 1s, drain_timeout: 5s}\n"), 0);
	/* garbage request line and a header without a colon: 400, the server lives on */
	raw_exchange(in.port, "THIS IS NOT HTTP\r\n\r\n", 2000, buf, sizeof buf);
	assert_non_null(strstr(buf, "400"));
	raw_exchange(in.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 2000, buf,
		     sizeof buf);
	assert_non_null(strstr(buf, "400"));
	/* slowloris: half a request, then silence; the (idle) request timeout answers 408 and
	 * closes it */
	int64_t t0 = seam_mono_ns();
	int got = raw_exchange(in.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n", 5000, buf, sizeof buf);
	int64_t ms = (seam_mono_ns() - t0) / 1000000;
	TH_ASSERT_CMP(got, >, 0);
	assert_non_null(strstr(buf, "HTTP/1.1 408 "));
	assert_non_null(strstr(buf, "Connection: close"));
	TH_ASSERT_CMP(ms, <, 4500);    /* by the 1 s timeout, not by our 5 s read timeout */
	url(&in, "/healthz", u);
	assert_int_equal(th_http("GET", u, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	stop(&in);
}

static void test_help_and_version(void **state)
{
	char dir[64], *out = NULL;
	(void)state;
	th_tmpdir(dir);
	char *help[] = {(char *)th_seam_bin(), "--help", NULL};
	assert_int_equal(run(help, dir, &out), 0);
	assert_non_null(strstr(out, "serve"));
	assert_non_null(strstr(out, "ctl"));
	free(out);
	char *sh[] = {(char *)th_seam_bin(), "serve", "--help", NULL};
	assert_int_equal(run(sh, dir, &out), 0);
	assert_non_null(strstr(out, "--listen"));
	free(out);
	char *bad[] = {(char *)th_seam_bin(), "frobnicate", NULL};
	assert_int_equal(run(bad, dir, &out), 2);
	assert_non_null(strstr(out, "unknown command 'frobnicate'"));
	free(out);
	th_rmrf(dir);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_ready_metrics),
		cmocka_unit_test(test_api_keys),
		cmocka_unit_test(test_metrics_behind_key),
		cmocka_unit_test(test_bad_config_exit_2),
		cmocka_unit_test(test_startup_failures),
		cmocka_unit_test(test_malformed_and_slow_clients),
		cmocka_unit_test(test_help_and_version),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
