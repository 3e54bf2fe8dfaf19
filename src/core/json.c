/*
 * json.c: see json.h.
 *
 * A recursive-descent scanner over the bytes, building jansson values as it goes. It either
 * reads the whole input by JSON's grammar and jansson's rules, or declines (NULL) and the
 * caller's json_loadb decides. Declining is always safe, so every case that would need care to
 * match jansson byte for byte is declined rather than imitated (see json.h).
 */
#include "core/json.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH: deeper is its error */

typedef struct scan {
	const unsigned char *p, *end;
	int depth;
	size_t flags;
	char *buf; /* decoded strings with escapes */
	size_t cap;
} scan_t;

static void skip_ws(scan_t *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, up to
 * U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	uint32_t cp;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return n;
}

static int hex4(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int buf_put(scan_t *s, size_t *len, const void *src, size_t n)
{
	if (n == 0)
		return 0;
	if (*len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap < *len + n)
			cap *= 2;
		char *nb = realloc(s->buf, cap);
		if (!nb)
			return -1;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + *len, src, n);
	*len += n;
	return 0;
}

/* The string at s->p (on its opening quote): *out and *len point into the input when it has no
 * escapes, else into s->buf. -1: decline. */
static int scan_string(scan_t *s, const char **out, size_t *len)
{
	const unsigned char *start = ++s->p, *q = start;
	size_t n = 0;
	int copied = 0;
	for (;;) {
		/* the plain run */
		const unsigned char *run = q;
		while (q < s->end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
			q++;
		if (q >= s->end)
			return -1;
		if (*q >= 0x80) {
			size_t u = utf8_len(q, s->end);
			if (!u)
				return -1;
			q += u;
			if (copied && buf_put(s, &n, run, (size_t)(q - run)) != 0)
				return -1;
			if (copied)
				continue;
			continue;
		}
		if (copied && buf_put(s, &n, run, (size_t)(q - run)) != 0)
			return -1;
		if (*q == '"') {
			s->p = q + 1;
			if (copied) {
				*out = s->buf;
				*len = n;
			} else {
				*out = (const char *)start;
				*len = (size_t)(q - start);
			}
			return 0;
		}
		if (*q < 0x20)
			return -1; /* a control character: jansson's error */
		/* an escape: from here the string is built in s->buf */
		if (!copied) {
			n = 0;
			if (buf_put(s, &n, start, (size_t)(q - start)) != 0)
				return -1;
			copied = 1;
		}
		if (s->end - q < 2)
			return -1;
		char c = 0;
		switch (q[1]) {
		case '"': c = '"'; break;
		case '\\': c = '\\'; break;
		case '/': c = '/'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u': break;
		default: return -1;
		}
		if (c) {
			if (buf_put(s, &n, &c, 1) != 0)
				return -1;
			q += 2;
			continue;
		}
		uint32_t cp;
		if (s->end - q < 6 || hex4(q + 2, &cp) != 0)
			return -1;
		q += 6;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return -1; /* a lone low surrogate */
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			uint32_t lo;
			if (s->end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &lo) != 0 ||
			    lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			q += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (cp == 0)
			return -1; /* \u0000: jansson refuses it without JSON_ALLOW_NUL */
		unsigned char u[4];
		size_t ul;
		if (cp < 0x80) {
			u[0] = (unsigned char)cp, ul = 1;
		} else if (cp < 0x800) {
			u[0] = (unsigned char)(0xC0 | cp >> 6);
			u[1] = (unsigned char)(0x80 | (cp & 0x3F));
			ul = 2;
		} else if (cp < 0x10000) {
			u[0] = (unsigned char)(0xE0 | cp >> 12);
			u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
			u[2] = (unsigned char)(0x80 | (cp & 0x3F));
			ul = 3;
		} else {
			u[0] = (unsigned char)(0xF0 | cp >> 18);
			u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
			u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
			u[3] = (unsigned char)(0x80 | (cp & 0x3F));
			ul = 4;
		}
		if (buf_put(s, &n, u, ul) != 0)
			return -1;
	}
}

/* An integer by JSON's grammar that fits json_int_t; anything else (a fraction, an exponent, a
 * leading zero, out of range) declines. */
static json_t *scan_integer(scan_t *s)
{
	const unsigned char *q = s->p;
	int neg = 0;
	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (q >= s->end || *q < '0' || *q > '9')
		return NULL;
	if (*q == '0' && q + 1 < s->end && q[1] >= '0' && q[1] <= '9')
		return NULL;
	/* accumulate as a negative number: its range is one larger */
	json_int_t v = 0;
	const json_int_t min = LLONG_MIN;
	for (; q < s->end && *q >= '0' && *q <= '9'; q++) {
		int d = *q - '0';
		if (v < (min + d) / 10)
			return NULL;
		v = v * 10 - d;
	}
	if (q < s->end && (*q == '.' || *q == 'e' || *q == 'E'))
		return NULL; /* a real: jansson's strtod */
	if (!neg) {
		if (v == min)
			return NULL;
		v = -v;
	}
	s->p = q;
	return json_integer(v);
}

static json_t *scan_value(scan_t *s);

static json_t *scan_object(scan_t *s)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return o;
	}
	for (;;) {
		const char *k;
		size_t kl;
		skip_ws(s);
		if (s->p >= s->end || *s->p != '"' || scan_string(s, &k, &kl) != 0)
			goto decline;
		/* A key decoded into s->buf would be overwritten by the value's strings: kept. */
		char small[64], *heap = NULL;
		const char *key = k;
		if (k == s->buf) {
			if (kl < sizeof small) {
				key = memcpy(small, k, kl);
			} else if ((heap = malloc(kl))) {
				key = memcpy(heap, k, kl);
			} else {
				goto decline;
			}
		}
		/* a repeated key: jansson's rules decide (an error, or which value is kept) */
		json_t *v = NULL;
		if (!json_object_getn(o, key, kl)) {
			skip_ws(s);
			if (s->p < s->end && *s->p == ':') {
				s->p++;
				v = scan_value(s);
			}
		}
		int ok = v && json_object_setn_new_nocheck(o, key, kl, v) == 0;
		free(heap);
		if (!ok)
			goto decline;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			return o;
		}
		goto decline;
	}
decline:
	json_decref(o);
	return NULL;
}

static json_t *scan_array(scan_t *s)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return a;
	}
	for (;;) {
		json_t *v = scan_value(s);
		if (!v || json_array_append_new(a, v) != 0)
			break;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return a;
		}
		break;
	}
	json_decref(a);
	return NULL;
}

static json_t *literal(scan_t *s, const char *word, size_t n, json_t *v)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return NULL;
	s->p += n;
	return v;
}

static json_t *scan_value(scan_t *s)
{
	skip_ws(s);
	if (s->p >= s->end)
		return NULL;
	switch (*s->p) {
	case '{':
	case '[': {
		if (++s->depth > MAX_DEPTH)
			return NULL;
		json_t *v = *s->p == '{' ? scan_object(s) : scan_array(s);
		s->depth--;
		return v;
	}
	case '"': {
		const char *t;
		size_t l;
		if (scan_string(s, &t, &l) != 0)
			return NULL;
		return json_stringn_nocheck(t, l);
	}
	case 't': return literal(s, "true", 4, json_true());
	case 'f': return literal(s, "false", 5, json_false());
	case 'n': return literal(s, "null", 4, json_null());
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return scan_integer(s);
		return NULL;
	}
}

json_t *seam__json_fast(const char *buf, size_t len, size_t flags)
{
	if (!buf || (flags & ~(size_t)(JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)))
		return NULL;
	scan_t s = {.p = (const unsigned char *)buf, .end = (const unsigned char *)buf + len,
		    .flags = flags};
	skip_ws(&s);
	if (s.p >= s.end || (!(flags & JSON_DECODE_ANY) && *s.p != '{' && *s.p != '['))
		goto decline;
	json_t *v = scan_value(&s);
	if (!v)
		goto decline;
	skip_ws(&s);
	if (s.p != s.end) {
		json_decref(v);
		goto decline;
	}
	free(s.buf);
	return v;
decline:
	free(s.buf);
	return NULL;
}

json_t *seam_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err)
{
	json_t *v = seam__json_fast(buf, len, flags);
	if (!v)
		return json_loadb(buf, len, flags, err);
	if (err) { /* as json_loadb leaves it on success */
		err->line = -1;
		err->column = -1;
		err->position = len > INT_MAX ? INT_MAX : (int)len; /* all of it was read */
		err->text[0] = '\0';
		snprintf(err->source, sizeof err->source, "%s", "<buffer>");
	}
	return v;
}
