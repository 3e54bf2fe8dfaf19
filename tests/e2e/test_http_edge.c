/* End-to-end: the HTTP edge of the real binary against hostile clients, over raw sockets.
 *
 *   - request smuggling vectors (RFC 9112 §6): each ambiguous framing gets exactly one answer,
 *     its status, a problem+json body with a correlation id, an access-log line and the
 *     metrics, and the connection is closed (nothing after it is served);
 *   - floods of 1,100 slow connections (one header byte at a time; a body at a byte at a time)
 *     from 127.0.0.2-6, kept up by reopening what the server closes, while /healthz from
 *     127.0.0.1 and Stripe-signed webhooks keep answering, and every slow connection is closed
 *     by the server within its deadline.
 *
 * The instance runs with short deadlines (header_timeout 2s) so the floods take seconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define STRIPE_SECRET "whsec_test_edge_secret"
#define HEADER_TIMEOUT_MS 2000
#define FLOOD 1100

static char dir[64];
static th_seam_t sm;

static int setup(void **state)
{
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	setenv("SEAM_T_STRIPE", STRIPE_SECRET, 1);
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\n"
		 "http: {header_timeout: %dms, body_min_rate: 1024, per_ip_limit: 256,\n"
		 "       connection_limit: 1024, body_limit: 64KiB, request_timeout: 5s, threads: 2}\n"
		 "queue: {workers: 1}\n"
		 "stores:\n  us:\n    stripe_secrets: [{env: SEAM_T_STRIPE}]\n",
		 sm.port, sm.db_url, HEADER_TIMEOUT_MS);
	return th_seam_start(&sm, 5000);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, 0, 5000, dir);
	return 0;
}

/* A TCP connection to the instance from 127.0.0.<host>. */
static int dial(int host)
{
	struct sockaddr_in src = {0}, dst = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)host);
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)sm.port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends req (len bytes) on a fresh connection and reads until the server closes or timeout_ms
 * pass. Returns the bytes read (NUL-terminated in out); *closed = the server closed. */
static size_t exchange(const char *req, size_t len, int timeout_ms, char *out, size_t cap,
		       int *closed, int64_t *ms)
{
	int fd = dial(1);
	size_t got = 0;
	int64_t t0 = seam_mono_ns(), end = t0 + (int64_t)timeout_ms * 1000000;
	*closed = 0;
	TH_ASSERT_CMP(fd, >=, 0);
	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	for (;;) {
		int64_t left = (end - seam_mono_ns()) / 1000000;
		struct pollfd p = {fd, POLLIN, 0};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
		if (n <= 0) {
			*closed = 1; /* FIN or reset: either way the server is done with us */
			break;
		}
		got += (size_t)n;
		if (got == cap - 1)
			break;
	}
	out[got] = '\0';
	*ms = (seam_mono_ns() - t0) / 1000000;
	close(fd);
	return got;
}

/* Status lines: "HTTP/1.x DDD " anywhere (a second answer would follow the first's body). */
static int status_lines(const char *buf)
{
	int n = 0;
	for (const char *p = buf; (p = strstr(p, "HTTP/1.")); p++)
		if (p[7] && p[8] == ' ' && p[9] >= '1' && p[9] <= '5' && p[10] >= '0' && p[10] <= '9' &&
		    p[11] >= '0' && p[11] <= '9' && p[12] == ' ')
			n++;
	return n;
}

/* One smuggling/framing case: what is sent, the one status it must get. */
struct framing_case {
	const char *name;
	const char *req; /* %d: a number that makes the path unique, for the access log */
	int status;
};

static const struct framing_case cases[] = {
	/* the issue's reproduction: first Content-Length 2, second 40; today 401 then 200 */
	{"two Content-Length", "POST /t/%d HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400},
	{"CL and TE", "POST /t/%d HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"TE not chunked last", "POST /t/%d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"TE gzip, chunked", "POST /t/%d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
	{"no Host", "GET /t/%d HTTP/1.1\r\nAccept: */*\r\n\r\n", 400},
	{"two Hosts", "GET /t/%d HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"Content-Length -1", "POST /t/%d HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
	{"Content-Length abc", "POST /t/%d HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
	{"Content-Length 20 digits", "POST /t/%d HTTP/1.1\r\nHost: x\r\nContent-Length: 12345678901234567890\r\n\r\n", 400},
	{"Content-Length 1,2", "POST /t/%d HTTP/1.1\r\nHost: x\r\nContent-Length: 1,2\r\n\r\n", 400},
	{"huge chunk, no data", "POST /t/%d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffff\r\n", 413},
	{"HTTP/2.0", "GET /t/%d HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	{"obs-fold", "GET /t/%d HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400},
	{"space before colon", "GET /t/%d HTTP/1.1\r\nHost: x\r\nContent-Length : 0\r\n\r\n", 400},
	{"bare CR", "GET /t/%d HTTP/1.1\r\nHost: x\r\nX-A: 1\r2\r\n\r\n", 400},
};

static void check_refused(const char *name, const char *buf, int closed, int64_t ms, int status)
{
	char want[32], cid[80] = "";
	snprintf(want, sizeof want, "HTTP/1.1 %d ", status);
	if (strncmp(buf, want, strlen(want)) != 0 || status_lines(buf) != 1 || !closed ||
	    ms > 1500 || !strstr(buf, "application/problem+json") ||
	    !strstr(buf, "\"correlation_id\":\"") || !strstr(buf, "Connection: close")) {
		fprintf(stderr, "%s: want one '%s', problem+json and a close within 1.5 s;"
			" got (closed %d, %lld ms):\n%s\n", name, want, closed, (long long)ms, buf);
		fail();
	}
	const char *h = strstr(buf, "X-Correlation-ID: ");
	assert_non_null(h);
	sscanf(h + 18, "%79[^\r]", cid);
	assert_non_null(strstr(buf, cid)); /* the same id in the header and the body */
}

static void test_framing_refusals(void **state)
{
	char req[512], buf[8192], path[64], line[64];
	int closed;
	int64_t ms;
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int n = snprintf(req, sizeof req, cases[i].req, (int)i);
		exchange(req, (size_t)n, 3000, buf, sizeof buf, &closed, &ms);
		check_refused(cases[i].name, buf, closed, ms, cases[i].status);
	}
	/* the issue's reproduction, byte for byte (libmicrohttpd: 401, then 200 for the GET) */
	const char *issue = "POST /webhooks/stripe/us HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
			    "Content-Length: 40\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\n"
			    "Connection: close\r\n\r\n";
	exchange(issue, strlen(issue), 3000, buf, sizeof buf, &closed, &ms);
	check_refused("the issue's example", buf, closed, ms, 400);
	assert_null(strstr(buf, "\"status\":\"ok\"")); /* the smuggled GET was not served */
	/* request line over the line limit: 414; header section over header_limit: 431 */
	char *big = malloc(40000);
	int n = snprintf(big, 40000, "GET /%09000d HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	exchange(big, (size_t)n, 3000, buf, sizeof buf, &closed, &ms);
	check_refused("long request line", buf, closed, ms, 414);
	n = snprintf(big, 40000, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %035000d\r\n\r\n", 0);
	exchange(big, (size_t)n, 3000, buf, sizeof buf, &closed, &ms);
	check_refused("big header section", buf, closed, ms, 431);
	free(big);

	/* every refusal is in the access log with its status and path */
	seam_sleep_ms(200);
	char *log = th_read_file(sm.log);
	assert_non_null(log);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof path, "\"path\":\"/t/%d\"", (int)i);
		snprintf(line, sizeof line, "\"status\":%d", cases[i].status);
		const char *l = strstr(log, path);
		const char *eol = l ? strchr(l, '\n') : NULL;
		const char *sol = l;
		while (sol && sol > log && sol[-1] != '\n')
			sol--;
		char *one = l ? strndup(sol, eol ? (size_t)(eol - sol) : strlen(sol)) : NULL;
		if (!one || !strstr(one, line)) {
			fprintf(stderr, "%s: no access-log line with %s and %s\n", cases[i].name, path,
				line);
			fail();
		}
		free(one);
	}
	assert_non_null(strstr(log, "\"status\":414"));
	assert_non_null(strstr(log, "\"status\":431"));
	free(log);

	/* and in the metrics */
	th_resp_t r;
	char u[128];
	snprintf(u, sizeof u, "%s/metrics", sm.base);
	assert_int_equal(th_http("GET", u, NULL, NULL, 0, &r), 0);
	assert_non_null(strstr(r.body, "seam_http_rejected_total{reason=\"bad_framing\"}"));
	assert_non_null(strstr(r.body, "seam_http_requests_total{route=\"unmatched\",method=\"POST\",status=\"400\"}"));
	th_resp_free(&r);
}

/* Keep-alive and pipelining still work: two requests in one write, two answers in order. */
static void test_pipelining(void **state)
{
	char buf[8192];
	int closed;
	int64_t ms;
	(void)state;
	const char *two = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
			  "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	exchange(two, strlen(two), 3000, buf, sizeof buf, &closed, &ms);
	assert_int_equal(status_lines(buf), 2);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	TH_ASSERT_CMP(strstr(buf, "HTTP/1.1 200 "), <, strstr(buf, "HTTP/1.1 404 "));
	assert_true(closed);
}

/* ---------- floods ---------- */

typedef struct flood {
	const char *first; /* sent on connect */
	int fds[FLOOD];
	int64_t opened[FLOOD];
	int stop_reopen, stop;
	int closed_by_server;  /* connections the server closed */
	int64_t max_age_ms;    /* oldest age at which a flood connection was still open */
	int opened_total, open_now;
	pthread_t th;
} flood_t;

/* 300 from 127.0.0.2 (over the per-IP cap of 256), 200 from each of 127.0.0.3-6 */
static int flood_host(int i)
{
	return i < 300 ? 2 : 3 + (i - 300) / 200;
}

static int64_t now_ms(void)
{
	return seam_mono_ns() / 1000000;
}

static void *flood_main(void *arg)
{
	flood_t *f = arg;
	static const char drip[] = "abcdefghij";
	int k = 0;
	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		int open_now = 0;
		int64_t now = now_ms();
		for (int i = 0; i < FLOOD; i++) {
			if (f->fds[i] < 0) {
				if (__atomic_load_n(&f->stop_reopen, __ATOMIC_ACQUIRE))
					continue;
				f->fds[i] = dial(flood_host(i));
				if (f->fds[i] < 0)
					continue;
				f->opened[i] = now_ms();
				f->opened_total++;
				send(f->fds[i], f->first, strlen(f->first), MSG_NOSIGNAL | MSG_DONTWAIT);
				open_now++;
				continue;
			}
			char b[512];
			ssize_t n;
			int gone = 0;
			while ((n = recv(f->fds[i], b, sizeof b, MSG_DONTWAIT)) > 0)
				;
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
				gone = 1;
			else if (send(f->fds[i], drip + k % 10, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
				 errno != EAGAIN)
				gone = 1;
			if (gone) {
				close(f->fds[i]);
				f->fds[i] = -1;
				__atomic_add_fetch(&f->closed_by_server, 1, __ATOMIC_RELAXED);
				continue;
			}
			if (now - f->opened[i] > f->max_age_ms)
				f->max_age_ms = now - f->opened[i];
			open_now++;
		}
		__atomic_store_n(&f->open_now, open_now, __ATOMIC_RELEASE);
		k++;
		seam_sleep_ms(250);
	}
	return NULL;
}

static long signed_webhook(int seq)
{
	char body[512], sig[256], u[128];
	th_resp_t r;
	snprintf(body, sizeof body,
		 "{\"id\":\"evt_flood_%d_%lld\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
		 "\"data\":{\"object\":{\"id\":\"pi_f%d\",\"amount_received\":100,\"currency\":\"usd\","
		 "\"metadata\":{\"order_uuid\":\"0b8a2f3e-0000-4000-8000-000000000001\"}}}}",
		 seq, (long long)seam_now_ms(), seq);
	th_stripe_signature(STRIPE_SECRET, seam_now_ms() / 1000, body, sig, sizeof sig);
	snprintf(u, sizeof u, "%s/webhooks/stripe/us", sm.base);
	const char *h[] = {"Content-Type: application/json", sig, NULL};
	th_http("POST", u, h, body, strlen(body), &r);
	long st = r.status;
	th_resp_free(&r);
	return st;
}

/* Runs a flood for a few seconds while /healthz and webhooks are exercised, then checks that
 * the server closed every flood connection within its deadline. */
static void run_flood(const char *first, int64_t deadline_ms, const char *timeout_reason)
{
	flood_t *f = calloc(1, sizeof *f);
	char u[128];
	int hz_ok = 0, hz_n = 0, wh_ok = 0, wh_n = 0;
	int64_t hz_max = 0;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 4096 && rl.rlim_max >= 4096) {
		rl.rlim_cur = 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	f->first = first;
	for (int i = 0; i < FLOOD; i++)
		f->fds[i] = -1;
	pthread_create(&f->th, NULL, flood_main, f);
	/* wait until the flood is up, then keep it up for 6 s */
	int64_t t0 = now_ms();
	while (__atomic_load_n(&f->open_now, __ATOMIC_ACQUIRE) < FLOOD - 200 && now_ms() - t0 < 5000)
		seam_sleep_ms(20);
	fprintf(stderr, "flood up: %d open after %lld ms\n", __atomic_load_n(&f->open_now, __ATOMIC_ACQUIRE),
		(long long)(now_ms() - t0));
	snprintf(u, sizeof u, "%s/healthz", sm.base);
	int64_t until = now_ms() + 6000;
	for (int i = 0; now_ms() < until; i++) {
		th_resp_t r;
		int64_t s = now_ms();
		th_http("GET", u, NULL, NULL, 0, &r);
		int64_t took = now_ms() - s;
		hz_n++;
		if (r.status == 200 && took < 1000)
			hz_ok++;
		if (took > hz_max)
			hz_max = took;
		th_resp_free(&r);
		if (i % 3 == 0) {
			wh_n++;
			wh_ok += signed_webhook(i) == 200;
		}
		seam_sleep_ms(100);
	}
	/* stop reopening: whatever is left must be closed by the server by its deadline */
	__atomic_store_n(&f->stop_reopen, 1, __ATOMIC_RELEASE);
	int64_t t1 = now_ms();
	while (__atomic_load_n(&f->open_now, __ATOMIC_ACQUIRE) > 0 && now_ms() - t1 < deadline_ms + 3000)
		seam_sleep_ms(50);
	__atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
	pthread_join(f->th, NULL);
	int left = 0;
	for (int i = 0; i < FLOOD; i++)
		if (f->fds[i] >= 0) {
			left++;
			close(f->fds[i]);
		}
	fprintf(stderr,
		"flood: opened %d, closed by the server %d, left open %d, oldest open %lld ms;"
		" /healthz %d/%d (slowest %lld ms), webhooks %d/%d\n",
		f->opened_total, f->closed_by_server, left, (long long)f->max_age_ms, hz_ok, hz_n,
		(long long)hz_max, wh_ok, wh_n);
	assert_int_equal(hz_ok, hz_n);       /* every health check answered 200 within 1 s */
	TH_ASSERT_CMP(hz_n, >=, 20);
	assert_int_equal(wh_ok, wh_n);       /* every signed webhook was accepted */
	TH_ASSERT_CMP(wh_n, >=, 5);
	assert_int_equal(left, 0);           /* every slow connection was closed by the server */
	TH_ASSERT_CMP(f->closed_by_server, >=, FLOOD);
	/* no flood connection outlived its deadline (plus the sweep and our polling period) */
	TH_ASSERT_CMP(f->max_age_ms, <, deadline_ms + 1000);
	/* the metrics say why */
	th_resp_t r;
	snprintf(u, sizeof u, "%s/metrics", sm.base);
	assert_int_equal(th_http("GET", u, NULL, NULL, 0, &r), 0);
	char series[96];
	snprintf(series, sizeof series, "seam_http_rejected_total{reason=\"%s\"}", timeout_reason);
	TH_ASSERT_CMP(th_metric(r.body, series), >=, 1);
	TH_ASSERT_CMP(th_metric(r.body, "seam_http_rejected_total{reason=\"per_ip_limit\"}"), >=, 1);
	th_resp_free(&r);
	free(f);
}

static void test_slow_header_flood(void **state)
{
	(void)state;
	/* the head must be complete within header_timeout of accept */
	run_flood("G", HEADER_TIMEOUT_MS, "header_timeout");
}

static void test_slow_body_flood(void **state)
{
	(void)state;
	/* a complete head, then a body at 4 bytes/s: under body_min_rate once header_timeout of
	 * grace is spent */
	run_flood("POST /webhooks/stripe/us HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		  "Content-Length: 60000\r\n\r\n{",
		  HEADER_TIMEOUT_MS, "body_timeout");
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_framing_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelining, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_header_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_body_flood, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
