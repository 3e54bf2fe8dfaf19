/*
 * h1.h: a strict HTTP/1.1 request parser (RFC 9112) for the HTTP edge (http/server.c).
 *
 * It reads the request head (request line and header section) and decodes chunked bodies. It
 * never guesses: wherever two readers of the same bytes could disagree on where a request ends
 * (the request smuggling family), it refuses, and every refusal means "answer this status,
 * then close the connection", because after a framing error the rest of the stream cannot be
 * trusted. What it refuses, and with what:
 *
 *   400  request line not `token SP target SP HTTP/d.d CRLF` (one SP each, target in origin,
 *        absolute or asterisk form); a bare CR or bare LF anywhere in the head; obs-fold (a
 *        header line starting with SP/HTAB); whitespace or any non-token byte in a field name
 *        (so "Content-Length : 5" is refused); control bytes in a value; HTTP/1.1 without
 *        exactly one Host, or more than one Host in any version; a Host with bytes no
 *        authority has; Content-Length that is not 1-18 digits (`-1`, `+1`, `abc`, `1,2`, 20
 *        digits); Content-Length given twice, even with the same value (no sender needs it and
 *        accepting only equal copies buys nothing); Transfer-Encoding together with
 *        Content-Length; Transfer-Encoding twice, empty, in HTTP/1.0, or whose final coding is
 *        not `chunked`; a malformed chunk (size line, CRLF after data, trailer).
 *   413  Content-Length over the body limit, or a chunk whose size would take the body over it:
 *        refused as soon as the size is read, before any data.
 *   414  request line longer than the line limit.
 *   417  an Expect other than 100-continue.
 *   431  header section over the head limit, or more than SEAM_H1_MAX_FIELDS fields.
 *   501  a transfer coding other than chunked (e.g. `gzip, chunked`).
 *   505  a well-formed version other than HTTP/1.0 and HTTP/1.1.
 *
 * Line ends are CRLF only: a bare LF is refused rather than tolerated (RFC 9112 §2.2 allows
 * either; accepting LF is where front ends and back ends start to disagree). Empty lines before
 * the request line (a client's stray CRLF after a body) are skipped.
 *
 * Memory: the parser never allocates and never writes to the input. A parsed head refers to the
 * input by offsets, so the caller may copy the bytes elsewhere and keep using the head.
 * Thread-safety: none needed; all state is in the caller's structs.
 */
#ifndef SEAM_HTTP_H1_H
#define SEAM_HTTP_H1_H

#include <stddef.h>
#include <stdint.h>

#define SEAM_H1_MAX_FIELDS 100 /* header fields per request; beyond: 431 */
#define SEAM_H1_MAX_CL_DIGITS 18

typedef enum seam_h1_framing {
	SEAM_H1_NO_BODY = 0,
	SEAM_H1_LENGTH,  /* Content-Length */
	SEAM_H1_CHUNKED, /* Transfer-Encoding: chunked */
} seam_h1_framing_e;

typedef struct seam_h1_limits {
	size_t head_limit;   /* request line + header section, bytes (431 beyond; 414 in the line) */
	size_t line_limit;   /* request line, bytes (414 beyond) */
	uint64_t body_limit; /* body bytes (413 beyond) */
} seam_h1_limits_t;

/* Offsets into the parsed buffer. */
typedef struct seam_h1_span {
	size_t off, len;
} seam_h1_span_t;

typedef struct seam_h1_field {
	seam_h1_span_t name, value; /* value without leading/trailing whitespace */
} seam_h1_field_t;

typedef struct seam_h1_head {
	size_t len;            /* bytes of the head, leading empty lines and final CRLF included */
	seam_h1_span_t method; /* len 0: the request line did not parse */
	seam_h1_span_t target; /* as sent */
	seam_h1_span_t path;   /* origin-form part of target (absolute form: after the authority);
				  len 0 means "/" */
	int minor;             /* HTTP/1.<minor> */
	seam_h1_field_t fields[SEAM_H1_MAX_FIELDS];
	size_t nfields;
	seam_h1_framing_e framing;
	uint64_t content_length; /* framing == SEAM_H1_LENGTH */
	int keep_alive;          /* the connection may carry another request after this one */
	int expect_continue;     /* Expect: 100-continue */
} seam_h1_head_t;

typedef struct seam_h1_error {
	int status;         /* 400, 413, 414, 417, 431, 501, 505 */
	const char *reason; /* short metric label: bad_request, bad_framing, body_too_large, ... */
	const char *detail; /* one sentence for the problem body (static string) */
} seam_h1_error_t;

/* Where seam_h1_parse_head left off scanning for the end of the head. Zero it (= {0}) before
 * the first call for each request. */
typedef struct seam_h1_scan {
	size_t pos;       /* bytes already scanned */
	size_t start;     /* first byte of the request line (after skipped empty lines) */
	int line_done;    /* the request line's LF has been seen */
} seam_h1_scan_t;

/*
 * Parses the request head at buf[0..len), which holds everything received so far. Returns 1
 * when the head is complete and valid (h filled, h->len bytes consumed), 0 when more bytes are
 * needed, -1 on a refusal (err filled; h->method/target/path are filled when the request line
 * parsed, for the access log). Cost: amortised O(len) over repeated calls with growing len, as
 * long as scan is kept between them.
 */
int seam_h1_parse_head(const char *buf, size_t len, seam_h1_scan_t *scan,
		       const seam_h1_limits_t *lim, seam_h1_head_t *h, seam_h1_error_t *err);

/* Chunked body decoder state. seam_h1_chunked_init before the first byte of each body. */
typedef struct seam_h1_chunked {
	int state;
	uint64_t left;   /* data bytes left in the current chunk */
	uint64_t total;  /* data bytes decoded so far */
	uint64_t limit;  /* body limit */
	size_t line;     /* bytes in the current size/trailer line (bounded) */
	size_t trailers; /* bytes of trailer section (bounded) */
	int digits;
} seam_h1_chunked_t;

void seam_h1_chunked_init(seam_h1_chunked_t *c, uint64_t limit);
/*
 * Decodes in[0..len) and writes the data bytes to out, which has room for len bytes (out may
 * be in: decoding never writes ahead of reading). Returns the bytes of in consumed (the rest
 * belongs to the next request once done) and sets *out_len; -1 on a refusal (err filled).
 */
long seam_h1_chunked_decode(seam_h1_chunked_t *c, const char *in, size_t len, char *out,
			    size_t *out_len, seam_h1_error_t *err);
/* The last chunk and the trailer section have been read. */
int seam_h1_chunked_done(const seam_h1_chunked_t *c);

/* Case-insensitive compare of a span of buf with a NUL-terminated lower-case name. */
int seam_h1_span_is(const char *buf, seam_h1_span_t s, const char *lower);

#endif
