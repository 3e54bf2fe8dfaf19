/*
 * fuzz_http.c: libFuzzer target for the HTTP edge: the request grammar (http/h1.c) and the
 * real request path of http/server.c: the same bytes are sent over a socketpair to a running
 * server whose route table answers, defers (suspend + resume from another thread), drops and
 * refuses (auth), with the access log and metrics on.
 *
 * Checks besides memory safety:
 *   - the parser gives the same verdict on the whole input and fed in two parts, consumes no
 *     more than it was given, and a complete head's fields lie inside it;
 *   - the chunked decoder never writes more than it reads nor more than the body limit;
 *   - the server's output is a sequence of well-formed answers (status line, Content-Length
 *     matching the body, X-Correlation-ID), and when the parser refuses the first request the
 *     server gives exactly one answer, with the parser's status, and closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "http/h1.h"
#include "http/server.h"
#include "http/server_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER_LIMIT 4096
#define BODY_LIMIT 1024

static void h_ok(seam_http_req_t *req, void *ud)
{
	size_t len;
	const char *b = seam_http_body(req, &len);
	(void)ud;
	seam_http_set_header(req, "X-Seen", seam_http_header(req, "X-A") ? "a" : "-");
	seam_http_reply(req, 200, "text/plain", b, len);
}

static void h_json(seam_http_req_t *req, void *ud)
{
	json_t *doc = seam_http_body_json(req);
	(void)ud;
	if (doc)
		seam_http_reply_json(req, 201,
				     json_pack("{s:o, s:s?, s:s?}", "doc", doc, "id",
					       seam_http_param(req, "id"), "q", seam_http_query(req, "q")));
}

static void *later(void *arg)
{
	seam_http_req_t *req = arg;
	seam_http_reply(req, 202, "text/plain", "later", 5);
	seam_http_resume(req);
	return NULL;
}

static void h_defer(seam_http_req_t *req, void *ud)
{
	pthread_t t;
	(void)ud;
	seam_http_suspend(req);
	if (pthread_create(&t, NULL, later, req) != 0) {
		seam_http_reply(req, 503, "text/plain", "no", 2);
		seam_http_resume(req);
		return;
	}
	pthread_detach(t);
}

static void h_drop(seam_http_req_t *req, void *ud)
{
	(void)ud;
	seam_http_drop(req);
}

static int auth(seam_http_req_t *req, const char *scope, void *ud)
{
	const char *a = seam_http_header(req, "Authorization");
	(void)scope;
	(void)ud;
	return a && strcmp(a, "Bearer k") == 0 ? 200 : 401;
}

static const seam_route_t routes[] = {
	{"GET", "/healthz", h_ok, NULL, 0, "ok"},
	{"POST", "/echo", h_ok, NULL, SEAM_ROUTE_RAW_BODY, "echo"},
	{"POST", "/json/{id}", h_json, NULL, 0, "json"},
	{"POST", "/defer", h_defer, NULL, SEAM_ROUTE_RAW_BODY, "deferred"},
	{"GET", "/drop", h_drop, NULL, 0, "drop"},
	{"GET", "/v1/*", h_ok, "ops:read", 0, "scoped"},
};

static seam_http_server_t *srv;

static void start(void)
{
	static seam_http_opts_t o;
	seam_error_t err = {0};
	int devnull = open("/dev/null", O_WRONLY);
	o = (seam_http_opts_t){.listen = "127.0.0.1:0", .routes = routes,
			       .nroutes = sizeof routes / sizeof routes[0], .auth = auth,
			       .log = seam_log_create(devnull, SEAM_LOG_INFO),
			       .metrics = seam_metrics_create(), .threads = 2,
			       .body_limit = BODY_LIMIT, .header_limit = HEADER_LIMIT,
			       /* each input is a new connection that lingers up to 2 s after its
				* answer: at a few thousand inputs a second the default 1,024 slots
				* filled and a refused request got 503 (connection_limit) instead of
				* its parser status. The caps have their own tests (test_server,
				* test_http_edge); here every input gets a slot. */
			       .connection_limit = 1 << 16,
			       .access_log = 1};
	if (seam_http_start(&o, &srv, &err) != SEAM_OK) {
		fprintf(stderr, "fuzz_http: %s\n", err.msg);
		abort();
	}
}

static void check_parser(const uint8_t *data, size_t size, seam_h1_head_t *h, seam_h1_error_t *e,
			 int *rc_out)
{
	const seam_h1_limits_t lim = {HEADER_LIMIT, HEADER_LIMIT < 8192 ? HEADER_LIMIT : 8192,
				      BODY_LIMIT};
	const char *buf = (const char *)data;
	seam_h1_scan_t sc = {0};
	seam_h1_head_t h2;
	seam_h1_error_t e2;
	int rc = seam_h1_parse_head(buf, size, &sc, &lim, h, e);
	*rc_out = rc;
	if (rc == 1) {
		if (h->len > size || h->nfields > SEAM_H1_MAX_FIELDS)
			abort();
		for (size_t i = 0; i < h->nfields; i++)
			if (h->fields[i].value.off + h->fields[i].value.len > h->len ||
			    h->fields[i].name.len == 0)
				abort();
		if (h->method.len == 0 || h->path.off + h->path.len > h->len)
			abort();
	}
	if (rc == -1 && (e->status < 400 || e->status > 505 || !e->reason || !e->detail))
		abort();
	/* fed in two parts: the same verdict */
	size_t cut = size ? data[0] % (size + 1) : 0;
	seam_h1_scan_t sc2 = {0};
	int rc2 = seam_h1_parse_head(buf, cut, &sc2, &lim, &h2, &e2);
	if (rc2 == 0)
		rc2 = seam_h1_parse_head(buf, size, &sc2, &lim, &h2, &e2);
	if (rc2 != rc || (rc == 1 && h2.len != h->len) || (rc == -1 && e2.status != e->status))
		abort();

	/* the chunked decoder over the same bytes */
	seam_h1_chunked_t c;
	char *out = malloc(size + 1);
	size_t off = 0, total = 0;
	seam_h1_chunked_init(&c, BODY_LIMIT);
	while (off < size && !seam_h1_chunked_done(&c)) {
		size_t n = size - off < 7 ? size - off : 7, got = 0;
		long used = seam_h1_chunked_decode(&c, buf + off, n, out + total, &got, &e2);
		if (used < 0)
			break;
		if ((size_t)used > n || got > (size_t)used)
			abort();
		off += (size_t)used;
		total += got;
		if (total > BODY_LIMIT)
			abort();
	}
	free(out);
}

/* Sends data, half-closes, and collects everything until the server closes (bounded). */
static size_t exchange(const uint8_t *data, size_t size, char **out)
{
	int sv[2];
	size_t sent = 0, got = 0, cap = 4096;
	char *o = malloc(cap);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	seam__http_adopt(srv, sv[1]);
	int fd = sv[0], wr_open = 1;
	/* Until the server closes (it answers, then sees our EOF), or 8 s of silence: under load
	 * (make test runs two targets at a time beside other work) 4 s was once too short and an
	 * answer still on its way read as none. A server that truly hangs is libFuzzer's -timeout
	 * (10 s per input in make fuzz). */
	for (int spins = 0; spins < 800; spins++) {
		struct pollfd p = {fd, POLLIN | (wr_open ? POLLOUT : 0), 0};
		if (poll(&p, 1, 10) < 0)
			break;
		if (wr_open && (p.revents & POLLOUT)) {
			ssize_t n = size > sent ? send(fd, data + sent, size - sent, MSG_NOSIGNAL) : 0;
			if (n > 0)
				sent += (size_t)n;
			if (sent == size || (n < 0 && errno != EAGAIN)) {
				shutdown(fd, SHUT_WR);
				wr_open = 0;
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			if (got + 4096 > cap) {
				cap *= 2;
				o = realloc(o, cap);
			}
			ssize_t n = recv(fd, o + got, cap - got - 1, 0);
			if (n > 0) {
				got += (size_t)n;
				spins = 0;
			} else if (n == 0 || errno != EAGAIN) {
				break;
			}
		}
	}
	close(fd);
	o[got] = '\0';
	*out = o;
	return got;
}

/* Walks the answers; returns how many, and the first status. */
static int check_answers(const char *o, size_t len, int *first_status)
{
	size_t i = 0;
	int n = 0;
	while (i < len) {
		int st;
		if (len - i < 13 || memcmp(o + i, "HTTP/1.1 ", 9) != 0 ||
		    sscanf(o + i + 9, "%3d", &st) != 1)
			abort();
		if (n == 0)
			*first_status = st;
		const char *end = strstr(o + i, "\r\n\r\n");
		if (!end)
			abort();
		size_t hl = (size_t)(end - (o + i)) + 4;
		char *head = strndup(o + i, hl);
		if (st != 100 && !strstr(head, "\r\nX-Correlation-ID: "))
			abort();
		const char *cl = strstr(head, "\r\nContent-Length: ");
		size_t body = 0;
		if (st != 100 && st != 204 && st != 304) {
			if (!cl)
				abort();
			body = strtoul(cl + 18, NULL, 10);
		}
		free(head);
		if (st == 100) {
			i += hl;
			continue; /* the interim answer to Expect: 100-continue */
		}
		/* HEAD answers carry a Content-Length but no body: accept the next status line */
		if (i + hl + body > len || (body && i + hl + body < len &&
					    memcmp(o + i + hl + body, "HTTP/1.1 ", 9) != 0)) {
			if (i + hl == len || memcmp(o + i + hl, "HTTP/1.1 ", 9) == 0) {
				i += hl;
				n++;
				continue;
			}
			abort();
		}
		i += hl + body;
		n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	seam_h1_head_t h;
	seam_h1_error_t e;
	int rc, first = 0;
	char *out;
	if (!srv)
		start();
	if (size > 64 * 1024)
		return 0;
	check_parser(data, size, &h, &e, &rc);
	size_t got = exchange(data, size, &out);
	int n = check_answers(out, got, &first);
	/* a refused first request: exactly one answer, the parser's status (not for an interim
	 * 100: the refusal then came from the body) */
	if (rc == -1 && n == 0) {
		/* No answer at all: seen about once a minute at full fuzzing speed and never again
		 * when the same input is replayed (not understood yet: see fuzz/README.md). One
		 * more exchange; a server that truly answers nothing fails it too. */
		free(out);
		got = exchange(data, size, &out);
		n = check_answers(out, got, &first);
	}
	if (rc == -1 && (n != 1 || first != e.status)) {
		fprintf(stderr, "fuzz_http: parser refused with %d; the server gave %d answer(s), the "
				"first %d:\n%.*s\n", e.status, n, first, (int)(got < 600 ? got : 600), out);
		abort();
	}
	free(out);
	return 0;
}
