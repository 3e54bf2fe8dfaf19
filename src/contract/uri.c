/*
 * uri.c: RFC 3986 section 5.2 reference resolution and RFC 6901 token decoding for the schema
 * validator (see uri.h). Components are views into the input strings; only the result is
 * allocated.
 */
#include "contract/uri.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/crypto.h"

/* One parsed URI reference; each part is a view (p, n) and "has" says whether the delimiter
 * was there (an empty query "?" differs from none). */
typedef struct part {
	const char *p;
	size_t n;
	bool has;
} part_t;

typedef struct uri {
	part_t scheme, auth, path, query, frag;
} uri_t;

static void parse(const char *s, uri_t *u)
{
	size_t i = 0, n = strlen(s);
	memset(u, 0, sizeof(*u));
	/* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" before any of / ? # */
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == ':') {
			if (i > 0) {
				u->scheme = (part_t){ s, i, true };
				s += i + 1;
				n -= i + 1;
			}
			break;
		}
		if (c == '/' || c == '?' || c == '#')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
			break;
	}
	if (n >= 2 && s[0] == '/' && s[1] == '/') {
		i = 2;
		while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
			i++;
		u->auth = (part_t){ s + 2, i - 2, true };
		s += i;
		n -= i;
	}
	i = 0;
	while (i < n && s[i] != '?' && s[i] != '#')
		i++;
	u->path = (part_t){ s, i, true };
	s += i;
	n -= i;
	if (n > 0 && s[0] == '?') {
		i = 1;
		while (i < n && s[i] != '#')
			i++;
		u->query = (part_t){ s + 1, i - 1, true };
		s += i;
		n -= i;
	}
	if (n > 0 && s[0] == '#')
		u->frag = (part_t){ s + 1, n - 1, true };
}

/* RFC 3986 5.2.4 on in (n bytes) into out (at least n + 1 bytes); returns the length. */
static size_t remove_dots(const char *in, size_t n, char *out)
{
	size_t o = 0;
	while (n > 0) {
		if (n >= 3 && memcmp(in, "../", 3) == 0) {
			in += 3, n -= 3;
		} else if (n >= 2 && memcmp(in, "./", 2) == 0) {
			in += 2, n -= 2;
		} else if (n >= 3 && memcmp(in, "/./", 3) == 0) {
			in += 2, n -= 2;
		} else if (n == 2 && memcmp(in, "/.", 2) == 0) {
			in += 1, n -= 1;
			out[o++] = '/';
			in += 1, n -= 1;
		} else if ((n >= 4 && memcmp(in, "/../", 4) == 0) || (n == 3 && memcmp(in, "/..", 3) == 0)) {
			bool last = n == 3;
			in += 3, n -= 3;
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			if (last)
				out[o++] = '/';
		} else if ((n == 1 && in[0] == '.') || (n == 2 && memcmp(in, "..", 2) == 0)) {
			n = 0;
		} else {
			size_t i = in[0] == '/' ? 1 : 0;
			while (i < n && in[i] != '/')
				i++;
			memcpy(out + o, in, i);
			o += i;
			in += i, n -= i;
		}
	}
	out[o] = '\0';
	return o;
}

static void add_part(seam_buf_t *b, const char *pre, const part_t *p)
{
	if (!p->has)
		return;
	seam_buf_adds(b, pre);
	seam_buf_add(b, p->p, p->n);
}

char *seam__uri_resolve(const char *base, const char *ref)
{
	uri_t B, R, T;
	seam_buf_t path, out;
	char *dots = NULL, *res = NULL;
	size_t dn;
	seam_buf_init(&path, 1 << 20);
	seam_buf_init(&out, 1 << 20);
	parse(ref, &R);
	parse(base ? base : "", &B);
	memset(&T, 0, sizeof(T));
	if (R.scheme.has) {
		T = R;
	} else {
		T.scheme = B.scheme;
		if (R.auth.has) {
			T.auth = R.auth;
			T.path = R.path;
			T.query = R.query;
		} else {
			T.auth = B.auth;
			if (R.path.n == 0) {
				T.path = B.path;
				T.query = R.query.has ? R.query : B.query;
			} else {
				if (R.path.p[0] == '/') {
					T.path = R.path;
				} else {
					/* merge (5.2.3) */
					if (B.auth.has && B.path.n == 0) {
						seam_buf_adds(&path, "/");
					} else {
						size_t k = B.path.n;
						while (k > 0 && B.path.p[k - 1] != '/')
							k--;
						seam_buf_add(&path, B.path.p, k);
					}
					seam_buf_add(&path, R.path.p, R.path.n);
					T.path = (part_t){ seam_buf_str(&path), path.len, true };
				}
				T.query = R.query;
			}
		}
	}
	T.frag = R.frag;
	if (seam_buf_err(&path) != SEAM_OK)
		goto out;
	dots = malloc(T.path.n + 2);
	if (!dots)
		goto out;
	/* 5.2.2 removes dot segments from every target path, rootless ones too: seam's own
	 * "seam:contracts/order/v1/x.json" + "../../money/v1/y.json" must meet in the middle */
	dn = remove_dots(T.path.p ? T.path.p : "", T.path.n, dots);
	if (T.scheme.has) {
		seam_buf_add(&out, T.scheme.p, T.scheme.n);
		seam_buf_adds(&out, ":");
	}
	add_part(&out, "//", &T.auth);
	seam_buf_add(&out, dots, dn);
	add_part(&out, "?", &T.query);
	add_part(&out, "#", &T.frag);
	if (seam_buf_err(&out) != SEAM_OK)
		goto out;
	if (out.len == 0)
		res = strdup("");
	else
		seam_buf_take(&out, &res, NULL);
out:
	free(dots);
	seam_buf_dispose(&path);
	seam_buf_dispose(&out);
	return res;
}

char *seam__uri_strip(const char *uri, const char **frag)
{
	const char *h = strchr(uri, '#');
	if (frag)
		*frag = h ? h + 1 : NULL;
	return h ? strndup(uri, (size_t)(h - uri)) : strdup(uri);
}

char *seam__uri_pct_decode(const char *s, size_t len, size_t *outlen)
{
	char *o = malloc(len + 1);
	size_t j = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= len) {
				free(o);
				return NULL;
			}
			h = seam_hex_digit(s[i + 1]);
			l = seam_hex_digit(s[i + 2]);
			if (h < 0 || l < 0) {
				free(o);
				return NULL;
			}
			o[j++] = (char)(h * 16 + l);
			i += 2;
		} else {
			o[j++] = s[i];
		}
	}
	o[j] = '\0';
	if (outlen)
		*outlen = j;
	return o;
}

bool seam__uri_ptr_unescape(char *tok, size_t *len)
{
	size_t j = 0;
	for (size_t i = 0; i < *len; i++) {
		if (tok[i] == '~') {
			if (i + 1 >= *len || (tok[i + 1] != '0' && tok[i + 1] != '1'))
				return false;
			tok[j++] = tok[i + 1] == '0' ? '~' : '/';
			i++;
		} else {
			tok[j++] = tok[i];
		}
	}
	*len = j;
	tok[j] = '\0';
	return true;
}
