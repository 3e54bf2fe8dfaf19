/* Tests for src/http/h1.c: the request grammar of RFC 9112 and every refusal h1.h promises,
 * each with its status; the head fed whole and byte by byte; the chunked decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/h1.h"

static const seam_h1_limits_t lim = {.head_limit = 1024, .line_limit = 256, .body_limit = 100};

/* Parses a whole head; returns the rc, fills h and e. */
static int parse(const char *text, seam_h1_head_t *h, seam_h1_error_t *e)
{
	seam_h1_scan_t sc = {0};
	return seam_h1_parse_head(text, strlen(text), &sc, &lim, h, e);
}

/* One refusal case: the request, the status, and the metric reason. */
struct refusal {
	const char *name;
	const char *req;
	int status;
	const char *reason;
};

#define H "Host: x\r\n"
static const struct refusal refusals[] = {
	/* framing (§6.3): the request smuggling family, all 400 and a close */
	{"two different Content-Length", "POST / HTTP/1.1\r\n" H "Content-Length: 2\r\nContent-Length: 40\r\n\r\n", 400, "bad_framing"},
	{"the same Content-Length twice", "POST / HTTP/1.1\r\n" H "Content-Length: 2\r\nContent-Length: 2\r\n\r\n", 400, "bad_framing"},
	{"Content-Length list", "POST / HTTP/1.1\r\n" H "Content-Length: 1,2\r\n\r\n", 400, "bad_framing"},
	{"Content-Length -1", "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 400, "bad_framing"},
	{"Content-Length +1", "POST / HTTP/1.1\r\n" H "Content-Length: +1\r\n\r\n", 400, "bad_framing"},
	{"Content-Length abc", "POST / HTTP/1.1\r\n" H "Content-Length: abc\r\n\r\n", 400, "bad_framing"},
	{"Content-Length 20 digits", "POST / HTTP/1.1\r\n" H "Content-Length: 00000000000000000001\r\n\r\n", 400, "bad_framing"},
	{"Content-Length 1 2", "POST / HTTP/1.1\r\n" H "Content-Length: 1 2\r\n\r\n", 400, "bad_framing"},
	{"Content-Length empty", "POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400, "bad_framing"},
	{"CL and TE", "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad_framing"},
	{"TE and CL", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, "bad_framing"},
	{"TE chunked not final", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, "bad_framing"},
	{"TE identity", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n", 400, "bad_framing"},
	{"TE chunked twice", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n\r\n", 400, "bad_framing"},
	{"TE empty", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: \r\n\r\n", 400, "bad_framing"},
	{"TE header twice", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad_framing"},
	{"TE with a parameter", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked;q=1\r\n\r\n", 400, "bad_framing"},
	{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad_framing"},
	{"TE gzip, chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, "bad_framing"},
	/* Host (§3.2) */
	{"1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400, "bad_request"},
	{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"},
	{"two Hosts in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400, "bad_request"},
	{"Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "bad_request"},
	{"Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "bad_request"},
	/* field syntax (§5) */
	{"obs-fold", "GET / HTTP/1.1\r\n" H "X-A: 1\r\n  continued\r\n\r\n", 400, "bad_request"},
	{"whitespace before colon", "GET / HTTP/1.1\r\n" H "Content-Length : 0\r\n\r\n", 400, "bad_request"},
	{"tab before colon", "GET / HTTP/1.1\r\n" H "X-A\t: 1\r\n\r\n", 400, "bad_request"},
	{"empty name", "GET / HTTP/1.1\r\n" H ": 1\r\n\r\n", 400, "bad_request"},
	{"no colon", "GET / HTTP/1.1\r\n" H "no colon here\r\n\r\n", 400, "bad_request"},
	{"bare CR in a value", "GET / HTTP/1.1\r\n" H "X-A: 1\r2\r\n\r\n", 400, "bad_request"},
	{"control byte in a value", "GET / HTTP/1.1\r\n" H "X-A: 1\0012\r\n\r\n", 400, "bad_request"},
	{"DEL in a value", "GET / HTTP/1.1\r\n" H "X-A: 1\1772\r\n\r\n", 400, "bad_request"},
	{"bare LF line end", "GET / HTTP/1.1\r\n" H "X-A: 1\n\r\n", 400, "bad_request"},
	{"bare LF request line", "GET / HTTP/1.1\n" H "\r\n", 400, "bad_request"},
	{"LF LF", "GET / HTTP/1.1\n\n", 400, "bad_request"},
	/* request line (§3) */
	{"garbage", "THIS IS NOT HTTP\r\n\r\n", 400, "bad_request"},
	{"two spaces", "GET  / HTTP/1.1\r\n" H "\r\n", 400, "bad_request"},
	{"no version", "GET /\r\n" H "\r\n", 400, "bad_request"},
	{"lower-case version", "GET / http/1.1\r\n" H "\r\n", 400, "bad_request"},
	{"version trailing space", "GET / HTTP/1.1 \r\n" H "\r\n", 400, "bad_request"},
	{"version 1.10", "GET / HTTP/1.10\r\n" H "\r\n", 400, "bad_request"},
	{"target not a path", "GET foo HTTP/1.1\r\n" H "\r\n", 400, "bad_request"},
	{"asterisk with GET", "GET * HTTP/1.1\r\n" H "\r\n", 400, "bad_request"},
	{"raw UTF-8 in target", "GET /caf\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400, "bad_request"},
	{"HTTP/2.0", "GET / HTTP/2.0\r\n" H "\r\n", 505, "bad_version"},
	{"HTTP/1.2", "GET / HTTP/1.2\r\n" H "\r\n", 505, "bad_version"},
	{"HTTP/0.9", "GET / HTTP/0.9\r\n" H "\r\n", 505, "bad_version"},
	/* limits and expectations */
	{"Content-Length over the body limit", "POST / HTTP/1.1\r\n" H "Content-Length: 101\r\n\r\n", 413, "body_too_large"},
	{"Expect other than 100-continue", "POST / HTTP/1.1\r\n" H "Expect: 200-ok\r\nContent-Length: 1\r\n\r\n", 417, "bad_request"},
};

static void test_refusals(void **state)
{
	seam_h1_head_t h;
	seam_h1_error_t e;
	int bad = 0;
	(void)state;
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const struct refusal *r = &refusals[i];
		memset(&e, 0, sizeof e);
		int rc = parse(r->req, &h, &e);
		if (rc != -1 || e.status != r->status || strcmp(e.reason ? e.reason : "", r->reason)) {
			fprintf(stderr, "%s: got rc %d status %d reason %s; want -1 %d %s\n", r->name,
				rc, e.status, e.reason ? e.reason : "(none)", r->status, r->reason);
			bad++;
		}
		if (rc == -1 && (!e.detail || !*e.detail)) {
			fprintf(stderr, "%s: no detail\n", r->name);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The same refusals, fed one byte at a time: the same verdict, never "complete". */
static void test_refusals_byte_by_byte(void **state)
{
	seam_h1_head_t h;
	seam_h1_error_t e;
	int bad = 0;
	(void)state;
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const struct refusal *r = &refusals[i];
		seam_h1_scan_t sc = {0};
		size_t n = strlen(r->req);
		int rc = 0;
		for (size_t k = 1; k <= n && rc == 0; k++)
			rc = seam_h1_parse_head(r->req, k, &sc, &lim, &h, &e);
		if (rc != -1 || e.status != r->status) {
			fprintf(stderr, "%s (bytewise): got rc %d status %d; want -1 %d\n", r->name, rc,
				e.status, r->status);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_valid_head(void **state)
{
	seam_h1_head_t h;
	seam_h1_error_t e;
	const char *req = "\r\n\r\nPOST /webhooks/stripe/us?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
			  "Content-Length:  12 \r\nX-Empty:\r\nConnection: keep-alive, Upgrade\r\n\r\n"
			  "{\"a\":1}GET / HTTP/1.1\r\n";
	(void)state;
	assert_int_equal(parse(req, &h, &e), 1);
	assert_int_equal(h.len, strstr(req, "{") - req); /* leading empty lines included */
	assert_true(seam_h1_span_is(req, h.method, "post"));
	assert_int_equal(h.path.len, strlen("/webhooks/stripe/us?x=1"));
	assert_int_equal(h.minor, 1);
	assert_int_equal(h.framing, SEAM_H1_LENGTH);
	assert_int_equal(h.content_length, 12);
	assert_int_equal(h.keep_alive, 1);
	assert_int_equal(h.nfields, 4);
	assert_true(seam_h1_span_is(req, h.fields[1].value, "12")); /* whitespace trimmed */
	assert_int_equal(h.fields[2].value.len, 0);
}

static void test_versions_and_connection(void **state)
{
	seam_h1_head_t h;
	seam_h1_error_t e;
	(void)state;
	/* 1.0: no Host needed, closes unless keep-alive */
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", &h, &e), 1);
	assert_int_equal(h.keep_alive, 0);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &h, &e), 1);
	assert_int_equal(h.keep_alive, 1);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &h, &e), 1);
	assert_int_equal(h.keep_alive, 0);
	/* an empty Host is allowed (§3.2: a target without authority) */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n", &h, &e), 1);
	/* absolute form: the path is what follows the authority */
	const char *abs = "GET http://example.com:80/a/b?c HTTP/1.1\r\nHost: example.com\r\n\r\n";
	assert_int_equal(parse(abs, &h, &e), 1);
	assert_int_equal(h.path.len, strlen("/a/b?c"));
	assert_int_equal(memcmp(abs + h.path.off, "/a/b?c", 6), 0);
	assert_int_equal(parse("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", &h, &e), 1);
	assert_int_equal(h.path.len, 0);
	/* chunked, case-insensitive, and Expect */
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
			       "Expect: 100-Continue\r\n\r\n", &h, &e), 1);
	assert_int_equal(h.framing, SEAM_H1_CHUNKED);
	assert_int_equal(h.expect_continue, 1);
	/* Content-Length 0 is no body; exactly the limit is fine */
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &h, &e), 1);
	assert_int_equal(h.framing, SEAM_H1_NO_BODY);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", &h, &e), 1);
	assert_int_equal(h.content_length, 100);
}

static void test_incremental_and_limits(void **state)
{
	seam_h1_head_t h;
	seam_h1_error_t e;
	seam_h1_scan_t sc = {0};
	const char *req = "GET /x HTTP/1.1\r\nHost: x\r\nA: b\r\n\r\n";
	size_t n = strlen(req);
	(void)state;
	for (size_t k = 1; k < n; k++)
		assert_int_equal(seam_h1_parse_head(req, k, &sc, &lim, &h, &e), 0);
	assert_int_equal(seam_h1_parse_head(req, n, &sc, &lim, &h, &e), 1);
	assert_int_equal(h.len, n);

	/* a request line over the line limit: 414 before its end arrives */
	char big[2048];
	memset(big, 'a', sizeof big);
	memcpy(big, "GET /", 5);
	memset(&sc, 0, sizeof sc);
	assert_int_equal(seam_h1_parse_head(big, 300, &sc, &lim, &h, &e), -1);
	assert_int_equal(e.status, 414);
	/* and when it did arrive whole */
	snprintf(big, sizeof big, "GET /%0300d HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	assert_int_equal(parse(big, &h, &e), -1);
	assert_int_equal(e.status, 414);
	/* a header section over the head limit: 431, complete or not */
	int l = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(big + l, 'v', 1100);
	big[l + 1100] = '\0';
	memset(&sc, 0, sizeof sc);
	assert_int_equal(seam_h1_parse_head(big, strlen(big), &sc, &lim, &h, &e), -1);
	assert_int_equal(e.status, 431);
	/* complete, but over a smaller limit */
	seam_h1_limits_t small = lim;
	small.head_limit = 600;
	big[l + 700] = '\0';
	strcat(big, "\r\n\r\n");
	memset(&sc, 0, sizeof sc);
	assert_int_equal(seam_h1_parse_head(big, strlen(big), &sc, &small, &h, &e), -1);
	assert_int_equal(e.status, 431);
	/* more than SEAM_H1_MAX_FIELDS fields: 431 */
	seam_h1_limits_t roomy = {.head_limit = 65536, .line_limit = 256, .body_limit = 100};
	char *many = malloc(65536);
	l = snprintf(many, 65536, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < SEAM_H1_MAX_FIELDS; i++)
		l += snprintf(many + l, 65536 - (size_t)l, "X-%d: v\r\n", i);
	strcpy(many + l, "\r\n");
	memset(&sc, 0, sizeof sc);
	assert_int_equal(seam_h1_parse_head(many, strlen(many), &sc, &roomy, &h, &e), -1);
	assert_int_equal(e.status, 431);
	free(many);
}

/* The request line is reported even when the head is refused (for the access log). */
static void test_refusal_keeps_request_line(void **state)
{
	seam_h1_head_t h;
	seam_h1_error_t e;
	const char *req = "POST /webhooks/stripe/us HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
			  "Content-Length: 40\r\n\r\n{}";
	(void)state;
	assert_int_equal(parse(req, &h, &e), -1);
	assert_true(seam_h1_span_is(req, h.method, "post"));
	assert_int_equal(h.target.len, strlen("/webhooks/stripe/us"));
}

/* ---------- chunked ---------- */

static long decode_all(const char *in, size_t len, size_t step, uint64_t limit, char *out,
		       size_t *out_len, seam_h1_error_t *e, int *done)
{
	seam_h1_chunked_t c;
	size_t off = 0;
	*out_len = 0;
	seam_h1_chunked_init(&c, limit);
	while (off < len && !seam_h1_chunked_done(&c)) {
		size_t n = len - off < step ? len - off : step, got = 0;
		long used = seam_h1_chunked_decode(&c, in + off, n, out + *out_len, &got, e);
		if (used < 0)
			return -1;
		off += (size_t)used;
		*out_len += got;
	}
	*done = seam_h1_chunked_done(&c);
	return (long)off;
}

static void test_chunked(void **state)
{
	char out[256];
	size_t ol;
	int done;
	seam_h1_error_t e;
	const char *body = "4\r\nWiki\r\n5;ext=1;y\r\npedia\r\nA \r\n in\r\nchunk\r\n0\r\n"
			   "Trailer-A: 1\r\n\r\nGET /next";
	size_t consumed = strlen(body) - strlen("GET /next");
	(void)state;
	for (size_t step = 1; step <= strlen(body); step += 7) {
		long used = decode_all(body, strlen(body), step, 100, out, &ol, &e, &done);
		assert_int_equal(used, consumed); /* stops at the end: the rest is the next request */
		assert_int_equal(done, 1);
		assert_int_equal(ol, 19);
		assert_memory_equal(out, "Wikipedia in\r\nchunk", 19);
	}
	/* in place (out == in) */
	char buf[64];
	strcpy(buf, "3\r\nabc\r\n0\r\n\r\n");
	assert_int_equal(decode_all(buf, strlen(buf), 64, 100, buf, &ol, &e, &done), 13);
	assert_int_equal(ol, 3);
	assert_memory_equal(buf, "abc", 3);
}

struct chunk_refusal {
	const char *name, *body;
	int status;
};

static const struct chunk_refusal chunk_refusals[] = {
	{"a chunk over the limit, no data yet", "fffffff\r\n", 413},
	{"a chunk over what is left", "50\r\n" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n15\r\n", 413},
	{"sixteen hex digits", "0000000000000001\r\n", 400},
	{"not hex", "zz\r\n", 400},
	{"negative", "-1\r\n", 400},
	{"no size", "\r\n", 400},
	{"data longer than its size", "2\r\nabc\r\n0\r\n\r\n", 400},
	{"bare LF after the size", "2\nab\r\n", 400},
	{"bare CR after the data", "2\r\nab\rX", 400},
	{"control byte in an extension", "2;a\001\r\nab\r\n", 400},
	{"obs-fold in a trailer", "0\r\n folded\r\n\r\n", 400},
	{"size with a stray byte", "2x\r\nab\r\n", 400},
};

static void test_chunked_refusals(void **state)
{
	char out[256];
	size_t ol;
	int done, bad = 0;
	seam_h1_error_t e;
	(void)state;
	for (size_t i = 0; i < sizeof chunk_refusals / sizeof chunk_refusals[0]; i++) {
		const struct chunk_refusal *r = &chunk_refusals[i];
		memset(&e, 0, sizeof e);
		long used = decode_all(r->body, strlen(r->body), 3, 100, out, &ol, &e, &done);
		if (used != -1 || e.status != r->status) {
			fprintf(stderr, "%s: got %ld status %d; want -1 %d\n", r->name, used, e.status,
				r->status);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* the 413 comes as soon as the size line is read: no data was sent */
	seam_h1_chunked_t c;
	seam_h1_chunked_init(&c, 100);
	assert_int_equal(seam_h1_chunked_decode(&c, "65\r\n", 4, out, &ol, &e), -1);
	assert_int_equal(e.status, 413);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_refusals_byte_by_byte),
		cmocka_unit_test(test_valid_head),
		cmocka_unit_test(test_versions_and_connection),
		cmocka_unit_test(test_incremental_and_limits),
		cmocka_unit_test(test_refusal_keeps_request_line),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_chunked_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
