/*
 * buf.c: the capped growable buffer (see buf.h for the rules).
 *
 * Every size is checked against the cap before anything is added, as `n > cap - len` (len never
 * exceeds cap, so this cannot wrap), which is what keeps the doubling below free of overflow:
 * no allocation is ever larger than cap + 1.
 * Thread-safety: none (buf.h).
 */
#include "core/buf.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_ALLOC 256

static void init(seam_buf_t *b, size_t cap, int secret)
{
	assert(cap > 0 && cap < SIZE_MAX / 2);
	memset(b, 0, sizeof *b);
	b->cap = cap;
	b->secret = secret;
}

void seam_buf_init(seam_buf_t *b, size_t cap)
{
	init(b, cap, 0);
}

void seam_buf_init_secret(seam_buf_t *b, size_t cap)
{
	init(b, cap, 1);
}

static seam_err_t fail(seam_buf_t *b, seam_err_t code)
{
	if (b->err == SEAM_OK)
		b->err = code;
	return b->err;
}

/* Makes room for n more bytes and the NUL. The caller has checked n against the cap. */
static seam_err_t reserve(seam_buf_t *b, size_t n)
{
	size_t need = b->len + n + 1, a = b->alloc ? b->alloc : FIRST_ALLOC, most = b->cap + 1;
	char *np;
	assert(need <= most);
	if (need <= b->alloc)
		return SEAM_OK;
	while (a < need)
		a = a > most / 2 ? most : a * 2;
	if (a > most)
		a = most;
	if (!b->secret) {
		if (!(np = realloc(b->p, a)))
			return fail(b, SEAM_NOMEM);
	} else {
		/* realloc may move the block and leave the old copy of the secret behind */
		if (!(np = malloc(a)))
			return fail(b, SEAM_NOMEM);
		if (b->p) {
			memcpy(np, b->p, b->len + 1);
			explicit_bzero(b->p, b->alloc);
			free(b->p);
		}
	}
	b->p = np;
	b->alloc = a;
	return SEAM_OK;
}

seam_err_t seam__buf_add(seam_buf_t *b, const void *data, size_t n)
{
	if (b->err != SEAM_OK || n == 0) /* an empty append allocates nothing */
		return b->err;
	if (n > b->cap - b->len)
		return fail(b, SEAM_TOOBIG);
	if (reserve(b, n) != SEAM_OK)
		return b->err;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return SEAM_OK;
}

seam_err_t seam_buf_add_file(seam_buf_t *b, FILE *fp)
{
	char chunk[16384];
	size_t got = 0;
	while (b->err == SEAM_OK && (got = fread(chunk, 1, sizeof chunk, fp)) > 0)
		seam__buf_add(b, chunk, got);
	if (b->secret)
		explicit_bzero(chunk, sizeof chunk);
	if (b->err == SEAM_OK && ferror(fp))
		return fail(b, SEAM_IO);
	return b->err;
}

seam_err_t seam_buf_vaddf(seam_buf_t *b, const char *fmt, va_list ap)
{
	va_list again;
	size_t room;
	int n;
	if (b->err != SEAM_OK)
		return b->err;
	/* First into the room there is; only when that is too small, grow once and print again. */
	room = b->alloc > b->len ? b->alloc - b->len : 0;
	va_copy(again, ap);
	n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	if (n < 0) {
		va_end(again);
		if (b->p)
			b->p[b->len] = '\0';
		return fail(b, SEAM_INVAL);
	}
	if ((size_t)n > b->cap - b->len) {
		va_end(again);
		if (b->p)
			b->p[b->len] = '\0'; /* undo the part vsnprintf wrote */
		return fail(b, SEAM_TOOBIG);
	}
	if (n > 0 && (size_t)n >= room) {
		if (reserve(b, (size_t)n) != SEAM_OK) {
			va_end(again);
			if (b->p)
				b->p[b->len] = '\0';
			return b->err;
		}
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	b->len += (size_t)n;
	return SEAM_OK;
}

seam_err_t seam_buf_addf(seam_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	seam_err_t rc;
	va_start(ap, fmt);
	rc = seam_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

seam_err_t seam_buf_add_json_str(seam_buf_t *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	seam_buf_add(b, "\"", 1);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		const char *esc = NULL;
		char u[7];
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20) {
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			esc = u;
		}
		if (!esc)
			continue;
		seam_buf_add(b, run, (size_t)(p - run));
		seam_buf_adds(b, esc);
		run = p + 1;
	}
	seam_buf_adds(b, run);
	return seam_buf_add(b, "\"", 1);
}

seam_err_t seam_buf_add_urlenc(seam_buf_t *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0, len0 = b->len;
	char *o;
	if (b->err != SEAM_OK)
		return b->err;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += unreserved(*p) ? 1 : 3;
	if (n == 0)
		return SEAM_OK;
	if (n > b->cap - b->len)
		return fail(b, SEAM_TOOBIG);
	if (reserve(b, n) != SEAM_OK)
		return b->err;
	o = b->p + len0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	b->len += n;
	return SEAM_OK;
}

const char *seam_buf_str(const seam_buf_t *b)
{
	return b->p ? b->p : "";
}

seam_err_t seam_buf_err(const seam_buf_t *b)
{
	return b->err;
}

seam_err_t seam_buf_take(seam_buf_t *b, char **out, size_t *len)
{
	seam_err_t rc = b->err;
	*out = NULL;
	if (len)
		*len = 0;
	if (rc == SEAM_OK && !b->p && !(b->p = calloc(1, 1)))
		rc = SEAM_NOMEM;
	if (rc != SEAM_OK) {
		seam_buf_dispose(b);
		return rc;
	}
	*out = b->p;
	if (len)
		*len = b->len;
	init(b, b->cap, b->secret);
	return SEAM_OK;
}

void seam_buf_reset(seam_buf_t *b)
{
	if (b->p) {
		if (b->secret)
			explicit_bzero(b->p, b->alloc);
		b->p[0] = '\0';
	}
	b->len = 0;
	b->err = SEAM_OK;
}

void seam_buf_dispose(seam_buf_t *b)
{
	if (!b)
		return;
	if (b->p && b->secret)
		explicit_bzero(b->p, b->alloc);
	free(b->p);
	init(b, b->cap, b->secret);
}
