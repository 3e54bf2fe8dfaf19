/*
 * buf.h: the one growable byte buffer, in the shape of curl's dynbuf. Every text seam builds
 * piece by piece (a request URL, a header line, a response body, a form, the metrics page, an
 * ERP request body) goes through it, so the cap, the growth and the error rules are written and
 * tested once.
 *
 * The cap is set at init and is the most bytes the buffer may hold (the terminating NUL is not
 * counted): an append that would cross it fails with SEAM_TOOBIG and appends nothing. There is
 * no "unlimited": a caller that believes its text is small says how small.
 *
 * Errors are sticky, as in a stream: after the first failure (SEAM_TOOBIG, SEAM_NOMEM,
 * SEAM_INVAL for a bad format) every append returns that code and does nothing, so a caller may
 * append many pieces and check once, at seam_buf_take or with seam_buf_err. The bytes held
 * before the failure stay until reset or dispose; take never hands out a partial result.
 *
 * Contents: while len > 0, p is NUL-terminated; seam_buf_str gives "" for an empty buffer.
 * Memory grows by doubling from 256 bytes and never beyond cap + 1.
 *
 * Secrets: a buffer made with seam_buf_init_secret wipes (explicit_bzero) every block it lets
 * go: when it grows (the old block is copied, wiped, freed; never realloc'd), on reset and on
 * dispose. Use it for anything holding a credential (an auth header, a token request form, a
 * token reply).
 *
 * Ownership: the seam_buf_t is the caller's memory (init/dispose); the block it points to is
 * the buffer's until seam_buf_take hands it over.
 * Thread-safety: none; a buffer belongs to one thread at a time.
 */
#ifndef SEAM_CORE_BUF_H
#define SEAM_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

typedef struct seam_buf {
	char *p;        /* NULL until the first byte; then NUL-terminated. Read-only for callers */
	size_t len;     /* bytes held, the NUL not counted */
	size_t alloc;   /* bytes allocated */
	size_t cap;     /* most bytes it may hold, set at init (> 0) */
	seam_err_t err; /* the first failure, sticky; SEAM_OK */
	int secret;     /* wipe every block let go */
} seam_buf_t;

/* An empty buffer that may hold up to cap bytes (0 < cap < SIZE_MAX / 2). Allocates nothing. */
void seam_buf_init(seam_buf_t *b, size_t cap);
/* The same, for a buffer that will hold a secret (see above). */
void seam_buf_init_secret(seam_buf_t *b, size_t cap);

/* The general case of seam_buf_add (growth, the cap, errors); call seam_buf_add. */
seam_err_t seam__buf_add(seam_buf_t *b, const void *data, size_t n);

/* Appends n bytes of data (data may be NULL when n is 0). Returns SEAM_OK, SEAM_TOOBIG when
 * the bytes would cross the cap, SEAM_NOMEM, or the sticky error of an earlier failure. On
 * failure nothing is appended.
 * Inline for the common case, an append that fits the block already allocated (renderers
 * make thousands of small appends; a call each costs the metrics page a fifth of its time).
 * alloc never exceeds cap + 1, so what fits the block is under the cap. */
static inline seam_err_t seam_buf_add(seam_buf_t *b, const void *data, size_t n)
{
	if (b->err == SEAM_OK && n && n < b->alloc - b->len) {
		memcpy(b->p + b->len, data, n);
		b->len += n;
		b->p[b->len] = '\0';
		return SEAM_OK;
	}
	return seam__buf_add(b, data, n);
}

/* Appends the string s (NUL not included). As seam_buf_add. */
static inline seam_err_t seam_buf_adds(seam_buf_t *b, const char *s)
{
	return seam_buf_add(b, s, strlen(s));
}
/* Appends printf-style text; all of it or nothing (SEAM_TOOBIG when it does not fit under the
 * cap; SEAM_INVAL when the format cannot be printed). As seam_buf_add. */
seam_err_t seam_buf_addf(seam_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
seam_err_t seam_buf_vaddf(seam_buf_t *b, const char *fmt, va_list ap);
/* Appends s percent-encoded for a URL (RFC 3986): unreserved characters (ALPHA DIGIT - . _ ~)
 * as they are, every other byte as %XX (upper-case hex). All of it or nothing. */
seam_err_t seam_buf_add_urlenc(seam_buf_t *b, const char *s);
/* Appends s as a JSON string, quotes included: '"' and '\\' escaped, control characters as
 * \\n, \\t ... or \\u00XX; other bytes as they are, so s must be UTF-8 (the caller's check).
 * For answers written straight into a buffer on hot paths, where building a jansson tree and
 * dumping it costs most of the request. As seam_buf_add. */
seam_err_t seam_buf_add_json_str(seam_buf_t *b, const char *s);

/* Appends everything fp has left to read: a whole file under the buffer's cap, in one place
 * instead of a read loop per caller. Returns SEAM_OK at end of file; SEAM_TOOBIG when the
 * stream holds more than the cap allows; SEAM_IO on a read error (errno as fread left it);
 * SEAM_NOMEM; or the sticky error. On failure what was read before stays, and the error is
 * sticky as for any append. A secret buffer's staging chunk is wiped too. */
seam_err_t seam_buf_add_file(seam_buf_t *b, FILE *fp);

/* The text held: p, or "" while nothing is held. Borrowed; valid until the next call that
 * changes b. */
const char *seam_buf_str(const seam_buf_t *b);
/* The sticky error: SEAM_OK while every append succeeded. */
seam_err_t seam_buf_err(const seam_buf_t *b);

/* Hands the text over: on SEAM_OK *out is owned by the caller (free with free(); "" when
 * nothing was appended) and *len (may be NULL) its length. On the sticky error (or SEAM_NOMEM
 * for the "" of an empty buffer) *out is NULL and that code is returned. Either way b is left
 * empty, with its cap and error cleared, ready for reuse. */
seam_err_t seam_buf_take(seam_buf_t *b, char **out, size_t *len);

/* Empties b and clears its error; keeps its memory for the next appends. */
void seam_buf_reset(seam_buf_t *b);
/* Frees what b holds (wiping it for a secret buffer); b is left empty and may be reused with
 * the same cap. NULL ok. */
void seam_buf_dispose(seam_buf_t *b);

#endif
