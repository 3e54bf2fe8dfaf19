/* Tests for src/http/server.c against real HTTP on 127.0.0.1: routing, 404/405, body cap,
 * correlation ids, auth hook, problem+json, draining on stop; over raw sockets: deferred
 * answers from other threads, HEAD, 100-continue, the header and body deadlines, the per-IP
 * cap and eviction at the connection limit. */
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
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "http/server.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

static void h_echo(seam_http_req_t *req, void *ud)
{
	size_t len;
	const char *body = seam_http_body(req, &len);
	(void)ud;
	seam_http_reply_json(req, 200,
			     json_pack("{s:s, s:s?, s:s?, s:I, s:s}", "route", seam_http_route_pattern(req),
				       "store", seam_http_param(req, "store"), "q",
				       seam_http_query(req, "q"), "len", (json_int_t)len, "body", body));
}

static void h_json(seam_http_req_t *req, void *ud)
{
	json_t *doc = seam_http_body_json(req);
	(void)ud;
	if (!doc)
		return;
	seam_http_reply_json(req, 201, doc);
}

static void h_silent(seam_http_req_t *req, void *ud)
{
	(void)req;
	(void)ud;
}

static void h_slow(seam_http_req_t *req, void *ud)
{
	(void)ud;
	seam_sleep_ms(400);
	seam_http_reply(req, 200, "text/plain", "slow", 4);
}

static void h_drop(seam_http_req_t *req, void *ud)
{
	(void)ud;
	seam_http_drop(req);
}

static void *answer_later(void *arg)
{
	seam_http_req_t *req = arg;
	seam_sleep_ms(5);
	seam_http_reply(req, 202, "text/plain", seam_http_param(req, "n"), strlen(seam_http_param(req, "n")));
	seam_http_resume(req);
	return NULL;
}

/* Deferred: answered from another thread, as the group committer does for webhooks. */
static void h_defer(seam_http_req_t *req, void *ud)
{
	pthread_t t;
	(void)ud;
	seam_http_suspend(req);
	pthread_create(&t, NULL, answer_later, req);
	pthread_detach(t);
}

static int auth(seam_http_req_t *req, const char *scope, void *ud)
{
	const char *a = seam_http_header(req, "Authorization");
	(void)ud;
	if (!a)
		return 401;
	if (strcmp(a, "Bearer good") == 0)
		return strcmp(scope, "ops:read") == 0 ? 200 : 403;
	return 401;
}

static const seam_route_t routes[] = {
	{"POST", "/webhooks/stripe/{store}", h_echo, NULL, SEAM_ROUTE_RAW_BODY, "echo", NULL, NULL},
	{"GET", "/webhooks/stripe/{store}", h_echo, NULL, 0, "echo", NULL, NULL},
	{"POST", "/json", h_json, NULL, 0, "json", NULL, NULL},
	{"GET", "/silent", h_silent, NULL, 0, "no answer", NULL, NULL},
	{"GET", "/slow", h_slow, NULL, 0, "slow", NULL, NULL},
	{"GET", "/drop", h_drop, NULL, 0, "drop", NULL, NULL},
	{"GET", "/v1/jobs", h_echo, "ops:read", 0, "scoped", NULL, NULL},
	{"POST", "/v1/jobs", h_echo, "ops:admin", 0, "scoped", NULL, NULL},
	{"GET", "/ops/*", h_echo, NULL, 0, "wildcard", NULL, NULL},
	{"POST", "/defer/{n}", h_defer, NULL, SEAM_ROUTE_RAW_BODY, "deferred", NULL, NULL},
	{"POST", "/checked", h_json, "ops:read", 0, "validated", "thing@v1", "answer@v1"},
};

/* The before hook of test_before_hook: answers 422 for a route with a request contract whose
 * body holds "bad", and counts its calls. */
static int before_calls;
static int before(seam_http_req_t *req, const seam_route_t *route, void *ud)
{
	size_t len;
	(void)ud;
	__atomic_add_fetch(&before_calls, 1, __ATOMIC_SEQ_CST);
	if (!route->request || !strstr(seam_http_body(req, &len), "bad"))
		return 0;
	seam_http_problem(req, 422, "invalid-body", "Invalid body",
			  json_pack("{s:s, s:s}", "contract", route->request, "route", route->pattern),
			  "the body breaks %s", route->request);
	return 1;
}

typedef struct {
	seam_http_server_t *srv;
	seam_metrics_t *m;
	char base[64];
} fx_t;

static seam_http_opts_t fx_opts; /* what setup starts with; tests may adjust via setup_with */

/* The around hook: runs after auth, calls the route itself, and reads the answer back (what
 * api/ does for Idempotency-Key). "X-Around: skip" answers without running the route. */
static void around(seam_http_req_t *req, const seam_route_t *r, void *ud)
{
	int status = 0;
	const char *ct = NULL, *body = NULL;
	size_t len = 0;
	char seen[256];
	const char *skip = seam_http_header(req, "X-Around");
	if (skip && strcmp(skip, "skip") == 0) {
		seam_http_reply(req, 299, "text/plain", "skipped", 7);
		return;
	}
	assert_int_equal(seam_http_response(req, &status, &ct, &body, &len), 0);
	seam_http_set_header(req, "X-Seen-Before", "1");
	r->fn(req, ud);
	if (!seam_http_response(req, &status, &ct, &body, &len))
		return; /* suspended or dropped: nothing to read */
	snprintf(seen, sizeof seen, "%d %s %zu %s", status, ct ? ct : "-", len,
		 seam_http_response_header(req, "x-seen-before"));
	/* too late to add headers to what was answered? no: headers go out with the reply when
	 * the hook returns, so the hook may still add them */
	seam_http_set_header(req, "X-Around-Saw", seen);
}

static int setup_with(void **state, const seam_http_opts_t *extra)
{
	fx_t *fx = calloc(1, sizeof *fx);
	seam_error_t err = {0};
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = routes,
			      .nroutes = sizeof routes / sizeof routes[0], .auth = auth,
			      .body_limit = 4096, .threads = 2};
	if (extra) {
		o.header_timeout_ms = extra->header_timeout_ms;
		o.body_min_rate = extra->body_min_rate;
		o.per_ip_limit = extra->per_ip_limit;
		o.connection_limit = extra->connection_limit;
		o.request_timeout_s = extra->request_timeout_s;
		if (extra->threads)
			o.threads = extra->threads;
		o.before = extra->before;
		o.around = extra->around;
	}
	fx->m = seam_metrics_create();
	o.metrics = fx->m;
	if (seam_http_start(&o, &fx->srv, &err) != SEAM_OK) {
		fprintf(stderr, "start: %s\n", err.msg);
		return -1;
	}
	snprintf(fx->base, sizeof fx->base, "http://127.0.0.1:%d", seam_http_port(fx->srv));
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL);
}

/* Short deadlines, small caps: header 300 ms, 2 connections per address, 4 in all. */
static int setup_tight(void **state)
{
	fx_opts = (seam_http_opts_t){.header_timeout_ms = 300, .body_min_rate = 1000,
				     .per_ip_limit = 2, .connection_limit = 4,
				     .request_timeout_s = 30};
	return setup_with(state, &fx_opts);
}

static int setup_around(void **state)
{
	fx_opts = (seam_http_opts_t){.around = around};
	return setup_with(state, &fx_opts);
}

static int setup_before(void **state)
{
	fx_opts = (seam_http_opts_t){.before = before};
	return setup_with(state, &fx_opts);
}

static int teardown(void **state)
{
	fx_t *fx = *state;
	seam_http_stop(fx->srv, 1000);
	seam_metrics_destroy(fx->m);
	free(fx);
	return 0;
}

static void get(fx_t *fx, const char *method, const char *path, const char *const *h,
		const char *body, th_resp_t *r)
{
	char url[256];
	snprintf(url, sizeof url, "%s%s", fx->base, path);
	th_http(method, url, h, body, body ? strlen(body) : 0, r);
}

static void assert_problem(th_resp_t *r, long status, const char *slug)
{
	char ct[128], type[128];
	assert_int_equal(r->status, status);
	assert_int_equal(th_resp_header(r, "Content-Type", ct, sizeof ct), 0);
	assert_string_equal(ct, "application/problem+json");
	json_t *p = json_loads(r->body, 0, NULL);
	assert_non_null(p);
	snprintf(type, sizeof type, "%s%s", SEAM_PROBLEM_BASE, slug);
	assert_string_equal(json_string_value(json_object_get(p, "type")), type);
	assert_int_equal(json_integer_value(json_object_get(p, "status")), status);
	assert_non_null(json_string_value(json_object_get(p, "correlation_id")));
	json_decref(p);
}

static void test_params_query_body(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	get(fx, "POST", "/webhooks/stripe/eu?q=a%20b", NULL, "raw-bytes", &r);
	assert_int_equal(r.status, 200);
	json_t *o = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "store")), "eu");
	assert_string_equal(json_string_value(json_object_get(o, "q")), "a b");
	assert_string_equal(json_string_value(json_object_get(o, "body")), "raw-bytes");
	assert_string_equal(json_string_value(json_object_get(o, "route")), "/webhooks/stripe/{store}");
	json_decref(o);
	th_resp_free(&r);
	get(fx, "GET", "/ops/jobs/123", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
}

static void test_404_405(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	char allow[64];
	get(fx, "GET", "/nope", NULL, NULL, &r);
	assert_problem(&r, 404, "not-found");
	th_resp_free(&r);
	get(fx, "DELETE", "/webhooks/stripe/eu", NULL, NULL, &r);
	assert_problem(&r, 405, "method-not-allowed");
	assert_int_equal(th_resp_header(&r, "Allow", allow, sizeof allow), 0);
	assert_string_equal(allow, "POST, GET");
	th_resp_free(&r);
}

static void test_body_cap(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	char *big = malloc(5000);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	get(fx, "POST", "/webhooks/stripe/eu", NULL, big, &r);
	assert_problem(&r, 413, "payload-too-large");
	th_resp_free(&r);
	/* Chunked: no Content-Length up front, the cap applies while reading. */
	get(fx, "POST", "/webhooks/stripe/eu", (const char *[]){"Transfer-Encoding: chunked", NULL},
	    big, &r);
	assert_problem(&r, 413, "payload-too-large");
	th_resp_free(&r);
	big[4096] = '\0'; /* exactly the limit is fine */
	get(fx, "POST", "/webhooks/stripe/eu", NULL, big, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	free(big);
	double rejected = seam_metric_get(fx->m, SEAM_M_HTTP_REJECTED, (const char *[]){"body_too_large"});
	TH_ASSERT_CMP(rejected, >=, 2.0);
}

static void test_correlation_ids(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	char cid[80], cid2[80];
	get(fx, "GET", "/webhooks/stripe/eu",
	    (const char *[]){"traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", NULL},
	    NULL, &r);
	assert_int_equal(th_resp_header(&r, "X-Correlation-ID", cid, sizeof cid), 0);
	assert_string_equal(cid, "4bf92f3577b34da6a3ce929d0e0e4736");
	th_resp_free(&r);
	get(fx, "GET", "/webhooks/stripe/eu", (const char *[]){"X-Correlation-ID: order-42.retry", NULL},
	    NULL, &r);
	th_resp_header(&r, "X-Correlation-ID", cid, sizeof cid);
	assert_string_equal(cid, "order-42.retry");
	th_resp_free(&r);
	get(fx, "GET", "/nope", NULL, NULL, &r); /* made at the edge, also on errors */
	th_resp_header(&r, "X-Correlation-ID", cid, sizeof cid);
	th_resp_free(&r);
	get(fx, "GET", "/nope", NULL, NULL, &r);
	th_resp_header(&r, "X-Correlation-ID", cid2, sizeof cid2);
	assert_int_equal(strlen(cid), 32);
	assert_string_not_equal(cid, cid2);
	assert_non_null(strstr(r.body, cid2)); /* the problem body carries it too */
	th_resp_free(&r);
}

static void test_auth_hook(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	char www[64];
	get(fx, "GET", "/v1/jobs", NULL, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	assert_int_equal(th_resp_header(&r, "WWW-Authenticate", www, sizeof www), 0);
	th_resp_free(&r);
	get(fx, "GET", "/v1/jobs", (const char *[]){"Authorization: Bearer bad", NULL}, NULL, &r);
	assert_problem(&r, 401, "unauthorized");
	th_resp_free(&r);
	get(fx, "GET", "/v1/jobs", (const char *[]){"Authorization: Bearer good", NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	get(fx, "POST", "/v1/jobs", (const char *[]){"Authorization: Bearer good", NULL}, "{}", &r);
	assert_problem(&r, 403, "forbidden");
	th_resp_free(&r);
}

/* The before hook runs after auth (a refused request never reaches it), sees the matched route
 * with its contract columns, and when it answers the handler does not run. */
static void test_before_hook(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	const char *const good[] = {"Authorization: Bearer good", NULL};
	before_calls = 0;
	get(fx, "POST", "/checked", NULL, "{\"bad\": 1}", &r);
	assert_problem(&r, 401, "unauthorized");
	th_resp_free(&r);
	assert_int_equal(before_calls, 0);
	get(fx, "POST", "/checked", good, "{\"bad\": 1}", &r);
	assert_problem(&r, 422, "invalid-body");
	json_t *p = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(p, "contract")), "thing@v1");
	assert_string_equal(json_string_value(json_object_get(p, "route")), "/checked");
	json_decref(p);
	th_resp_free(&r);
	assert_int_equal(before_calls, 1);
	get(fx, "POST", "/checked", good, "{\"ok\": 1}", &r);
	assert_int_equal(r.status, 201); /* the handler ran */
	th_resp_free(&r);
	get(fx, "POST", "/json", NULL, "{\"bad\": 1}", &r); /* no contract: the hook lets it by */
	assert_int_equal(r.status, 201);
	th_resp_free(&r);
	assert_int_equal(before_calls, 3);
}

static void test_json_and_silent_handler(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	get(fx, "POST", "/json", NULL, "{\"a\": 1,\n \"b\": }", &r);
	assert_problem(&r, 400, "bad-json");
	json_t *p = json_loads(r.body, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(p, "line")), 2);
	json_decref(p);
	th_resp_free(&r);
	get(fx, "POST", "/json", NULL, "{\"a\":1}", &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"a\":1}");
	th_resp_free(&r);
	get(fx, "GET", "/silent", NULL, NULL, &r);
	assert_problem(&r, 500, "internal");
	th_resp_free(&r);
	get(fx, "GET", "/drop", NULL, NULL, &r);
	assert_int_not_equal(r.curl_code, 0); /* connection closed, no HTTP answer */
	th_resp_free(&r);
}

static void test_metrics_by_route(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	double before = seam_metric_get(fx->m, SEAM_M_HTTP_REQUESTS,
					(const char *[]){"/webhooks/stripe/{store}", "GET", "200"});
	get(fx, "GET", "/webhooks/stripe/us", NULL, NULL, &r);
	th_resp_free(&r);
	get(fx, "GET", "/webhooks/stripe/eu", NULL, NULL, &r);
	th_resp_free(&r);
	TH_ASSERT_CMP(seam_metric_get(fx->m, SEAM_M_HTTP_REQUESTS,
				      (const char *[]){"/webhooks/stripe/{store}", "GET", "200"}),
		      ==, before + 2);
}

struct slow_arg {
	const char *url;
	th_resp_t r;
};

static void *slow_call(void *arg)
{
	struct slow_arg *a = arg;
	th_http("GET", a->url, NULL, NULL, 0, &a->r);
	return NULL;
}

static void *stopper(void *arg)
{
	fx_t *fx = arg;
	seam_http_stop(fx->srv, 2000);
	return NULL;
}

static void test_drain_finishes_in_flight(void **state)
{
	fx_t *fx = *state;
	char url[128], ra[16];
	pthread_t t, st;
	struct slow_arg a = {url, {0}};
	th_resp_t r;
	snprintf(url, sizeof url, "%s/slow", fx->base);
	pthread_create(&t, NULL, slow_call, &a);
	seam_sleep_ms(100); /* the request is now in the handler */
	pthread_create(&st, NULL, stopper, fx);
	seam_sleep_ms(50); /* draining: a new request is refused at once, retryably */
	get(fx, "GET", "/webhooks/stripe/eu", NULL, NULL, &r);
	assert_problem(&r, 503, "shutting-down");
	assert_int_equal(th_resp_header(&r, "Retry-After", ra, sizeof ra), 0);
	th_resp_free(&r);
	pthread_join(st, NULL);
	fx->srv = NULL;
	pthread_join(t, NULL);
	assert_int_equal(a.r.status, 200); /* the one in flight finished */
	assert_string_equal(a.r.body, "slow");
	th_resp_free(&a.r);
	/* and nothing listens any more */
	get(fx, "GET", "/webhooks/stripe/eu", NULL, NULL, &r);
	assert_int_not_equal(r.curl_code, 0);
	th_resp_free(&r);
}

static void test_port_in_use(void **state)
{
	seam_http_server_t *a = NULL, *b = NULL;
	seam_error_t err = {0};
	char listen[32];
	(void)state;
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = routes, .nroutes = 1};
	assert_int_equal(seam_http_start(&o, &a, &err), SEAM_OK);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", seam_http_port(a));
	o.listen = listen;
	assert_int_equal(seam_http_start(&o, &b, &err), SEAM_IO);
	assert_null(b);
	assert_non_null(strstr(err.msg, "Address already in use"));
	o.listen = "nonsense";
	assert_int_equal(seam_http_start(&o, &b, &err), SEAM_CONFIG);
	assert_non_null(strstr(err.msg, "not HOST:PORT"));
	seam_http_stop(a, 100);
}

/* ---------- raw sockets ---------- */

static int dial(fx_t *fx, int host)
{
	struct sockaddr_in src = {0}, dst = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)host);
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)seam_http_port(fx->srv));
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&dst, sizeof dst), 0);
	return fd;
}

/* Reads until the server closes or timeout_ms; returns bytes, *closed when it closed. */
static size_t slurp(int fd, int timeout_ms, char *out, size_t cap, int *closed)
{
	size_t got = 0;
	int64_t end = seam_mono_ns() + (int64_t)timeout_ms * 1000000;
	*closed = 0;
	for (;;) {
		int left = (int)((end - seam_mono_ns()) / 1000000);
		struct pollfd p = {fd, POLLIN, 0};
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
		if (n <= 0) {
			*closed = 1;
			break;
		}
		got += (size_t)n;
	}
	out[got] = '\0';
	return got;
}

static void sendall(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Many deferred answers at once from other threads, on keep-alive connections (TSan). */
static void test_deferred_answers(void **state)
{
	fx_t *fx = *state;
	int fds[8], closed;
	char buf[8192] = "", req[128];
	for (int i = 0; i < 8; i++)
		fds[i] = dial(fx, 1);
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 8; i++) {
			snprintf(req, sizeof req,
				 "POST /defer/%d HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", i);
			sendall(fds[i], req);
		}
		for (int i = 0; i < 8; i++) {
			char want[16];
			size_t got = 0;
			snprintf(want, sizeof want, "\r\n\r\n%d", i);
			while (!strstr(buf, want) || got == 0) {
				ssize_t n = recv(fds[i], buf + got, sizeof buf - 1 - got, 0);
				TH_ASSERT_CMP(n, >, 0);
				got += (size_t)n;
				buf[got] = '\0';
			}
			assert_non_null(strstr(buf, "HTTP/1.1 202 "));
			buf[0] = '\0';
		}
	}
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	/* pipelined behind a deferred one: answered in order */
	int fd = dial(fx, 1);
	sendall(fd, "POST /defer/7 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
		    "GET /ops/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	slurp(fd, 2000, buf, sizeof buf, &closed);
	assert_true(closed);
	assert_non_null(strstr(buf, "HTTP/1.1 202 "));
	TH_ASSERT_CMP(strstr(buf, "HTTP/1.1 202 "), <, strstr(buf, "HTTP/1.1 200 "));
	close(fd);
}

static void test_head_and_continue(void **state)
{
	fx_t *fx = *state;
	char buf[4096];
	int closed;
	int fd = dial(fx, 1);
	sendall(fd, "HEAD /webhooks/stripe/eu HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	slurp(fd, 2000, buf, sizeof buf, &closed);
	close(fd);
	assert_true(closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	assert_non_null(strstr(buf, "Content-Length: "));
	assert_null(strstr(buf, "\r\n\r\n{")); /* no body */
	/* Expect: 100-continue: the interim answer comes before the body is sent */
	fd = dial(fx, 1);
	sendall(fd, "POST /webhooks/stripe/eu HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
		    "Expect: 100-continue\r\nConnection: close\r\n\r\n");
	slurp(fd, 300, buf, sizeof buf, &closed);
	assert_string_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	sendall(fd, "abc");
	slurp(fd, 2000, buf, sizeof buf, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	assert_non_null(strstr(buf, "\"body\":\"abc\""));
	close(fd);
	/* HTTP/1.0 closes unless asked to keep alive */
	fd = dial(fx, 1);
	sendall(fd, "GET /ops/x HTTP/1.0\r\n\r\n");
	slurp(fd, 2000, buf, sizeof buf, &closed);
	assert_true(closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	close(fd);
}

/* A head not complete within header_timeout: 408, closed, counted. Idle keep-alive waits. */
static void test_header_deadline(void **state)
{
	fx_t *fx = *state;
	char buf[4096];
	int closed;
	int fd = dial(fx, 1);
	int64_t t0 = seam_mono_ns();
	sendall(fd, "GET /ops/x HTTP/1.1\r\nHo");
	for (int i = 0; i < 3; i++) { /* dripping does not extend the deadline */
		seam_sleep_ms(100);
		sendall(fd, "s");
	}
	slurp(fd, 3000, buf, sizeof buf, &closed);
	int64_t ms = (seam_mono_ns() - t0) / 1000000;
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.1 408 "));
	assert_non_null(strstr(buf, "request-timeout"));
	assert_true(closed);
	TH_ASSERT_CMP(ms, >=, 300);
	TH_ASSERT_CMP(ms, <, 1500);
	TH_ASSERT_CMP(seam_metric_get(fx->m, SEAM_M_HTTP_REJECTED, (const char *[]){"header_timeout"}), >=, 1);
	/* a connection that never sends a byte is closed silently at the same deadline */
	fd = dial(fx, 1);
	assert_int_equal(slurp(fd, 3000, buf, sizeof buf, &closed), 0);
	assert_true(closed);
	close(fd);
}

/* A body under body_min_rate once header_timeout of grace is spent: 408. */
static void test_body_min_rate(void **state)
{
	fx_t *fx = *state;
	char buf[4096];
	int closed;
	int fd = dial(fx, 1);
	int64_t t0 = seam_mono_ns();
	sendall(fd, "POST /webhooks/stripe/eu HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n");
	for (int i = 0; i < 10; i++) {
		seam_sleep_ms(100);
		if (send(fd, "x", 1, MSG_NOSIGNAL) < 0)
			break;
	}
	slurp(fd, 3000, buf, sizeof buf, &closed);
	int64_t ms = (seam_mono_ns() - t0) / 1000000;
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.1 408 "));
	assert_true(closed);
	TH_ASSERT_CMP(ms, <, 1500);
	TH_ASSERT_CMP(seam_metric_get(fx->m, SEAM_M_HTTP_REJECTED, (const char *[]){"body_timeout"}), >=, 1);
}

/* The third connection from one address gets 503; another address is unaffected. */
static void test_per_ip_limit(void **state)
{
	fx_t *fx = *state;
	char buf[4096];
	int closed;
	int a = dial(fx, 2), b = dial(fx, 2);
	int c = dial(fx, 2);
	slurp(c, 2000, buf, sizeof buf, &closed);
	close(c);
	assert_non_null(strstr(buf, "HTTP/1.1 503 "));
	assert_non_null(strstr(buf, "too-many-connections"));
	assert_non_null(strstr(buf, "Retry-After: 1"));
	assert_true(closed);
	TH_ASSERT_CMP(seam_metric_get(fx->m, SEAM_M_HTTP_REJECTED, (const char *[]){"per_ip_limit"}), >=, 1);
	int d = dial(fx, 3);
	sendall(d, "GET /ops/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	slurp(d, 2000, buf, sizeof buf, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	close(d);
	/* closing one frees a slot for the address */
	close(a);
	seam_sleep_ms(100);
	c = dial(fx, 2);
	sendall(c, "GET /ops/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	slurp(c, 2000, buf, sizeof buf, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	close(c);
	close(b);
}

/* One loop, busy 400 ms in a handler, with a 300 ms header deadline: a request that arrived
 * meanwhile is read and answered, not expired unread. */
static int setup_one_loop(void **state)
{
	fx_opts = (seam_http_opts_t){.header_timeout_ms = 300, .threads = 1};
	return setup_with(state, &fx_opts);
}

static void test_busy_loop_reads_before_expiring(void **state)
{
	fx_t *fx = *state;
	char buf[4096];
	int closed;
	int b = dial(fx, 1), a = dial(fx, 1);
	seam_sleep_ms(50); /* both are on the loop */
	sendall(a, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
	seam_sleep_ms(50); /* the loop is in the handler now; b's deadline passes meanwhile */
	sendall(b, "GET /ops/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	slurp(b, 3000, buf, sizeof buf, &closed);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	/* and the keep-alive connection idle through it gets its next request served too */
	sendall(a, "GET /ops/y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	slurp(a, 3000, buf, sizeof buf, &closed);
	assert_non_null(strstr(buf, "slow"));
	assert_non_null(strstr(buf, "\"route\":\"/ops/*\""));
	close(a);
	close(b);
}

/* Thousands of pipelined requests in a few writes: all answered, in order (and served from the
 * loop, not by recursing once per request). */
static void test_many_pipelined(void **state)
{
	fx_t *fx = *state;
	const int n = 3000;
	const char *one = "GET /ops/x HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t ol = strlen(one), len = ol * (size_t)n;
	char *all = malloc(len + 64), *out = malloc(4 << 20);
	int closed, fd = dial(fx, 1);
	for (int i = 0; i < n; i++)
		memcpy(all + ol * (size_t)i, one, ol);
	strcpy(all + len, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(send(fd, all, strlen(all), MSG_NOSIGNAL), (ssize_t)strlen(all));
	slurp(fd, 10000, out, 4 << 20, &closed);
	close(fd);
	assert_true(closed);
	int got = 0;
	for (const char *p = out; (p = strstr(p, "HTTP/1.1 200 ")); p++)
		got++;
	assert_int_equal(got, n);
	assert_non_null(strstr(out, "HTTP/1.1 404 "));
	free(all);
	free(out);
}

/* At connection_limit, a new connection evicts the oldest one not being served. */
static void test_eviction_at_limit(void **state)
{
	fx_t *fx = *state;
	char buf[4096];
	int closed, fds[4];
	for (int i = 0; i < 4; i++) { /* four silent connections fill the server (2 addresses) */
		fds[i] = dial(fx, 2 + i / 2);
		sendall(fds[i], "G");
	}
	seam_sleep_ms(50);
	int e = dial(fx, 4);
	sendall(e, "GET /ops/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	slurp(e, 2000, buf, sizeof buf, &closed);
	close(e);
	assert_non_null(strstr(buf, "HTTP/1.1 200 "));
	/* the oldest silent one was the one closed */
	assert_int_equal(slurp(fds[0], 100, buf, sizeof buf, &closed), 0);
	assert_true(closed);
	assert_int_equal(slurp(fds[3], 50, buf, sizeof buf, &closed), 0);
	assert_false(closed);
	TH_ASSERT_CMP(seam_metric_get(fx->m, SEAM_M_HTTP_REJECTED, (const char *[]){"evicted"}), >=, 1);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}

static void test_around_hook(void **state)
{
	fx_t *fx = *state;
	th_resp_t r;
	char saw[256];
	get(fx, "POST", "/json", (const char *[]){"Content-Type: application/json", NULL}, "{\"a\":1}", &r);
	assert_int_equal(r.status, 201);
	assert_int_equal(th_resp_header(&r, "X-Around-Saw", saw, sizeof saw), 0);
	assert_string_equal(saw, "201 application/json 7 1");
	th_resp_free(&r);
	/* auth runs first: the hook never sees a refused request */
	get(fx, "GET", "/v1/jobs", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_int_equal(th_resp_header(&r, "X-Around-Saw", saw, sizeof saw), -1);
	th_resp_free(&r);
	/* the hook may answer itself */
	get(fx, "GET", "/ops/x", (const char *[]){"X-Around: skip", NULL}, NULL, &r);
	assert_int_equal(r.status, 299);
	assert_string_equal(r.body, "skipped");
	th_resp_free(&r);
	/* a deferred answer: the hook sees none (the route answers later) */
	get(fx, "POST", "/defer/7", NULL, "x", &r);
	assert_int_equal(r.status, 202);
	assert_int_equal(th_resp_header(&r, "X-Around-Saw", saw, sizeof saw), -1);
	th_resp_free(&r);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_params_query_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_around_hook, setup_around, teardown),
		cmocka_unit_test_setup_teardown(test_404_405, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_correlation_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_before_hook, setup_before, teardown),
		cmocka_unit_test_setup_teardown(test_json_and_silent_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_by_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_finishes_in_flight, setup, teardown),
		cmocka_unit_test(test_port_in_use),
		cmocka_unit_test_setup_teardown(test_deferred_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_and_continue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_loop_reads_before_expiring, setup_one_loop,
						teardown),
		cmocka_unit_test_setup_teardown(test_header_deadline, setup_tight, teardown),
		cmocka_unit_test_setup_teardown(test_body_min_rate, setup_tight, teardown),
		cmocka_unit_test_setup_teardown(test_per_ip_limit, setup_tight, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_at_limit, setup_tight, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
