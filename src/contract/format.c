/*
 * format.c: the `format` values seam can assert (schema.h's SEAM_SCHEMA_FORMATS), each a pure
 * check of a UTF-8 string against its RFC's grammar.
 *
 * Every checker reads exactly len bytes (an embedded NUL is just a byte that no grammar allows)
 * and is strict where the RFC is: ASCII digits only, no surrounding whitespace, no trailing
 * newline. Sources: RFC 3339 (date-time, date, time; duration from its Appendix A), RFC 5321
 * and 6531 (email, idn-email), RFC 1123 and 5890-5893 (hostname, idn-hostname), RFC 2673
 * dotted-quad and RFC 4291 (ipv4, ipv6), RFC 3986 and 3987 (uri, iri and their references),
 * RFC 6570 (uri-template), RFC 4122 (uuid), RFC 6901 (json-pointer), the relative JSON pointer
 * draft, ECMA-262 (regex, via regex.c) and seam's `decimal`. What is not checked is listed in
 * docs/contracts.md, "Formats and regular expressions".
 *
 * Thread-safety: pure functions over their arguments.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "contract/regex.h"
#include "contract/schema.h"
#include "contract/format_int.h"

static const char *const names[] = {
#define SEAM__FMT_NAME(name, str) str,
	SEAM_SCHEMA_FORMATS(SEAM__FMT_NAME)
#undef SEAM__FMT_NAME
};

int seam_schema_format_lookup(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < SEAM__FORMAT_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *seam_schema_format_name(seam_schema_format_e f)
{
	return (unsigned)f < SEAM__FORMAT_COUNT ? names[f] : NULL;
}

/* ---- helpers ---- */

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* n ASCII digits at s as a number; -1 when they are not all digits. */
static long digits(const char *s, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* One UTF-8 code point at s[*i] (advancing *i): -1 when the bytes are not UTF-8 (overlong,
 * surrogate, beyond U+10FFFF, truncated). */
long seam__format_utf8(const char *s, size_t len, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = len - *i;
	long cp;
	size_t n;
	if (p[0] < 0x80) {
		*i += 1;
		return p[0];
	} else if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		cp = p[0] & 0x1F, n = 2;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		cp = p[0] & 0x0F, n = 3;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		cp = p[0] & 0x07, n = 4;
	} else {
		return -1;
	}
	if (left < n)
		return -1;
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[k] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i += n;
	return cp;
}

/* ---- RFC 3339 ---- */

static bool leap_year(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool full_date(const char *s, size_t len)
{
	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	long y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !leap_year(y));
}

/* partial-time time-offset, with RFC 3339's leap second: :60 only at 23:59 UTC. */
static bool full_time(const char *s, size_t len)
{
	if (len < 9 || s[2] != ':' || s[5] != ':')
		return false;
	long h = digits(s, 2), mi = digits(s + 3, 2), se = digits(s + 6, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
		return false;
	size_t i = 8;
	if (i < len && s[i] == '.') {
		size_t st = ++i;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
		if (i == st)
			return false;
	}
	if (i >= len)
		return false;
	long off = 0;
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		off = 0;
	} else if ((s[i] == '+' || s[i] == '-') && len - i == 6 && s[i + 3] == ':') {
		long oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
		off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
	} else {
		return false;
	}
	if (se == 60) {
		long utc = ((h * 60 + mi - off) % 1440 + 1440) % 1440;
		if (utc != 23 * 60 + 59)
			return false;
	}
	return true;
}

static bool date_time(const char *s, size_t len)
{
	return len > 11 && (s[10] == 'T' || s[10] == 't') && full_date(s, 10) &&
	       full_time(s + 11, len - 11);
}

/* RFC 3339 Appendix A: the date units Y M D and the time units H M S each appear as one
 * unbroken run in that order ("P1Y2D" skips M), at least one unit after P and after T; W is
 * alone. */
static bool duration(const char *s, size_t len)
{
	if (len < 3 || s[0] != 'P')
		return false;
	size_t i = 1;
	const char *order = "YMD";
	int last = -1, count = 0;
	bool in_time = false;
	while (i < len) {
		if (s[i] == 'T') {
			if (in_time || i + 1 >= len)
				return false;
			in_time = true;
			order = "HMS";
			last = -1, count = 0;
			i++;
			continue;
		}
		size_t st = i;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
		if (i == st || i >= len)
			return false;
		char u = s[i++];
		if (u == 'W') {
			if (st != 1 || i != len)
				return false;
			return true;
		}
		const char *at = memchr(order, u, 3);
		if (!at)
			return false;
		int k = (int)(at - order);
		if (last >= 0 && k != last + 1)
			return false;
		last = k;
		count++;
	}
	return count > 0;
}

/* ---- IP addresses ---- */

/* Dotted quad, 0-255, no leading zeros. */
static bool ipv4(const char *s, size_t len)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		size_t st = i;
		long v = 0;
		while (i < len && is_digit((unsigned char)s[i]) && i - st < 3)
			v = v * 10 + (s[i++] - '0');
		if (i == st || v > 255 || (s[st] == '0' && i - st > 1))
			return false;
	}
	return i == len;
}

/* RFC 4291 section 2.2: eight groups of 1-4 hex digits, one "::" standing for one or more zero
 * groups, the last 32 bits optionally a dotted quad. */
static bool ipv6(const char *s, size_t len)
{
	int groups = 0;
	bool gap = false;
	size_t i = 0;
	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = true;
		i = 2;
		if (i == len)
			return true;
	} else if (len && s[0] == ':') {
		return false;
	}
	while (i < len) {
		size_t st = i;
		while (i < len && is_hex((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == '.') {
			/* The dotted quad ends the address and takes two groups. */
			if (!ipv4(s + st, len - st))
				return false;
			groups += 2;
			i = len;
			break;
		}
		if (i == st || i - st > 4)
			return false;
		groups++;
		if (i == len)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < len && s[i] == ':') {
			if (gap)
				return false;
			gap = true;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return false; /* a single trailing ':' */
		}
	}
	return gap ? groups <= 7 : groups == 8;
}

/* ---- hostnames ---- */

/* RFC 1123 letters, digits and hyphens; labels of 1-63, no hyphen at either end, 253 in all
 * (no trailing dot). A label starting "xn--" must be a valid A-label (RFC 5890). */
static bool hostname(const char *s, size_t len)
{
	if (len == 0 || len > 253)
		return false;
	size_t st = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			unsigned char c = (unsigned char)s[i];
			if (!is_alpha(c) && !is_digit(c) && c != '-')
				return false;
			continue;
		}
		size_t n = i - st;
		if (n == 0 || n > 63 || s[st] == '-' || s[i - 1] == '-')
			return false;
		if (n >= 4 && s[st + 2] == '-' && s[st + 3] == '-') {
			/* "--" in positions 3 and 4: reserved, only A-labels ("xn--") are valid. */
			if (!((s[st] | 0x20) == 'x' && (s[st + 1] | 0x20) == 'n'))
				return false;
			if (!seam__format_alabel(s + st, n))
				return false;
		}
		st = i + 1;
	}
	return true;
}

/* ---- email ---- */

static bool atext(int c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* RFC 5321 Mailbox: Dot-string or Quoted-string, "@", a domain or an address literal. With
 * intl (RFC 6531) any non-ASCII UTF-8 is also atext and qtext, and the domain may be an IDN. */
static bool email(const char *s, size_t len, bool intl)
{
	size_t i = 0;
	if (len && s[0] == '"') {
		i = 1;
		for (;;) {
			if (i >= len)
				return false;
			unsigned char c = (unsigned char)s[i];
			if (c == '"')
				break;
			if (c == '\\') {
				if (i + 1 >= len || (unsigned char)s[i + 1] < 32 ||
				    (unsigned char)s[i + 1] > 126)
					return false;
				i += 2;
			} else if (c >= 32 && c <= 126) {
				i++;
			} else if (c >= 0x80 && intl) {
				if (seam__format_utf8(s, len, &i) < 0)
					return false;
			} else {
				return false;
			}
		}
		i++;
		if (i == 2)
			return false;
	} else {
		bool dot_ok = false; /* a '.' needs an atext before it */
		while (i < len && s[i] != '@') {
			unsigned char c = (unsigned char)s[i];
			if (c == '.') {
				if (!dot_ok)
					return false;
				dot_ok = false;
				i++;
			} else if (atext(c)) {
				dot_ok = true;
				i++;
			} else if (c >= 0x80 && intl) {
				if (seam__format_utf8(s, len, &i) < 0)
					return false;
				dot_ok = true;
			} else {
				return false;
			}
		}
		if (!dot_ok)
			return false; /* empty, or ends with '.' */
	}
	if (i > 64 && !intl)
		return false;
	if (i >= len || s[i] != '@')
		return false;
	const char *d = s + i + 1;
	size_t dn = len - i - 1;
	if (dn >= 2 && d[0] == '[' && d[dn - 1] == ']') {
		if (dn > 7 && memcmp(d + 1, "IPv6:", 5) == 0)
			return ipv6(d + 6, dn - 7);
		return ipv4(d + 1, dn - 2);
	}
	if (hostname(d, dn))
		return true;
	return intl && seam__format_idn_hostname(d, dn);
}

/* ---- URIs and IRIs (RFC 3986, 3987) ---- */

static bool unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static bool sub_delim(int c)
{
	return c && strchr("!$&'()*+,;=", c);
}

/* RFC 3987 ucschar, and iprivate (only in an IRI's query). */
static bool ucschar(long c)
{
	return (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
	       (c >= 0xFDF0 && c <= 0xFFEF) ||
	       (c >= 0x10000 && c <= 0xEFFFD && (c & 0xFFFF) <= 0xFFFD);
}

static bool iprivate(long c)
{
	return (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0xFFFFD) ||
	       (c >= 0x100000 && c <= 0x10FFFD);
}

/* Characters beyond unreserved / pct-encoded / sub-delims a component allows. */
enum { C_COLON = 1, C_AT = 2, C_SLASH = 4, C_QMARK = 8, C_PRIVATE = 16 };

/* Reads s[i..end) as *(unreserved / pct-encoded / sub-delims / extras), with ucschar when iri. */
static bool component(const char *s, size_t i, size_t end, int extra, bool iri)
{
	while (i < end) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= end || !is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2]))
				return false;
			i += 3;
		} else if (unreserved(c) || sub_delim(c) || (c == ':' && (extra & C_COLON)) ||
			   (c == '@' && (extra & C_AT)) || (c == '/' && (extra & C_SLASH)) ||
			   (c == '?' && (extra & C_QMARK))) {
			i++;
		} else if (c >= 0x80 && iri) {
			long cp = seam__format_utf8(s, end, &i);
			if (cp < 0 || !(ucschar(cp) || ((extra & C_PRIVATE) && iprivate(cp))))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static bool port(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return false;
	return true;
}

/* IP-literal = "[" ( IPv6address / IPvFuture ) "]" (the brackets are not in s). */
static bool ip_literal(const char *s, size_t n)
{
	if (n >= 1 && (s[0] == 'v' || s[0] == 'V')) {
		size_t i = 1;
		while (i < n && is_hex((unsigned char)s[i]))
			i++;
		if (i == 1 || i >= n || s[i] != '.' || i + 1 >= n)
			return false;
		return component(s, i + 1, n, C_COLON, false);
	}
	return ipv6(s, n);
}

/* authority = [ userinfo "@" ] host [ ":" port ] over s[0..n). */
static bool authority(const char *s, size_t n, bool iri)
{
	const char *at = memchr(s, '@', n);
	size_t h = 0;
	if (at) {
		h = (size_t)(at - s) + 1;
		if (!component(s, 0, h - 1, C_COLON, iri))
			return false;
	}
	if (h < n && s[h] == '[') {
		const char *close = memchr(s + h, ']', n - h);
		if (!close)
			return false;
		size_t e = (size_t)(close - s);
		if (!ip_literal(s + h + 1, e - h - 1))
			return false;
		if (e + 1 == n)
			return true;
		return s[e + 1] == ':' && port(s + e + 2, n - e - 2);
	}
	const char *colon = memchr(s + h, ':', n - h);
	size_t he = colon ? (size_t)(colon - s) : n;
	if (colon && !port(colon + 1, n - he - 1))
		return false;
	/* reg-name (an IPv4address is one too, structurally) */
	return component(s, h, he, 0, iri);
}

/* URI / IRI (ref: or a relative reference). */
static bool uri(const char *s, size_t len, bool iri, bool ref)
{
	size_t i = 0;
	/* scheme ":" ... when the first of ":/?#" is a ':' after a valid scheme */
	size_t k = 0;
	while (k < len && !strchr(":/?#", s[k] ? s[k] : '\x01'))
		k++;
	bool absolute = false;
	if (k < len && s[k] == ':') {
		bool scheme = k > 0 && is_alpha((unsigned char)s[0]);
		for (size_t j = 1; scheme && j < k; j++) {
			unsigned char c = (unsigned char)s[j];
			scheme = is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
		}
		if (!scheme)
			return false; /* not a scheme, and a relative path's first segment has no ':' */
		absolute = true;
		i = k + 1;
	}
	if (!absolute && !ref)
		return false;
	size_t qpos = len, fpos = len;
	for (size_t j = i; j < len; j++) {
		if (s[j] == '#') {
			fpos = j;
			break;
		}
		if (s[j] == '?' && qpos == len)
			qpos = j;
	}
	size_t pend = qpos < fpos ? qpos : fpos;
	size_t p = i;
	if (pend - p >= 2 && s[p] == '/' && s[p + 1] == '/') {
		size_t ae = p + 2;
		while (ae < pend && s[ae] != '/')
			ae++;
		if (!authority(s + p + 2, ae - p - 2, iri))
			return false;
		p = ae;
	}
	if (!component(s, p, pend, C_COLON | C_AT | C_SLASH, iri))
		return false;
	if (qpos < fpos &&
	    !component(s, qpos + 1, fpos, C_COLON | C_AT | C_SLASH | C_QMARK | C_PRIVATE, iri))
		return false;
	return fpos >= len || component(s, fpos + 1, len, C_COLON | C_AT | C_SLASH | C_QMARK, iri);
}

/* ---- RFC 6570 URI templates ---- */

static bool template_literal_ok(long c)
{
	if (c < 0x80)
		return c > 0x20 && c != 0x7F && !strchr("\"<>\\^`{|}", (int)c);
	return ucschar(c) || iprivate(c);
}

static bool uri_template(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len || !is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2]))
				return false;
			i += 3;
			continue;
		}
		if (c != '{') {
			long cp = seam__format_utf8(s, len, &i);
			if (cp < 0 || !template_literal_ok(cp))
				return false;
			continue;
		}
		i++;
		if (i < len && strchr("+#./;?&", s[i] ? s[i] : '\x01'))
			i++;
		for (;;) {
			/* varname = varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct */
			size_t st = i;
			bool dot_ok = false;
			while (i < len) {
				unsigned char v = (unsigned char)s[i];
				if (is_alpha(v) || is_digit(v) || v == '_') {
					i++;
				} else if (v == '%' && i + 2 < len && is_hex((unsigned char)s[i + 1]) &&
					   is_hex((unsigned char)s[i + 2])) {
					i += 3;
				} else if (v == '.' && dot_ok) {
					i++;
					dot_ok = false;
					continue;
				} else {
					break;
				}
				dot_ok = true;
			}
			if (i == st || !dot_ok || i >= len)
				return false;
			if (s[i] == ':') {
				size_t d = ++i;
				while (i < len && is_digit((unsigned char)s[i]))
					i++;
				if (i == d || i - d > 4 || s[d] == '0')
					return false;
			} else if (s[i] == '*') {
				i++;
			}
			if (i >= len)
				return false;
			if (s[i] == ',') {
				i++;
				continue;
			}
			if (s[i] != '}')
				return false;
			i++;
			break;
		}
	}
	return true;
}

/* ---- the rest ---- */

static bool uuid(const char *s, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static bool json_pointer(const char *s, size_t len)
{
	if (len == 0)
		return true;
	if (s[0] != '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '~' && (i + 1 >= len || (s[i + 1] != '0' && s[i + 1] != '1')))
			return false;
	return true;
}

static bool relative_json_pointer(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && is_digit((unsigned char)s[i]))
		i++;
	if (i == 0 || (s[0] == '0' && i > 1))
		return false;
	if (i < len && s[i] == '#')
		return i + 1 == len;
	return json_pointer(s + i, len - i);
}

static bool regex(const char *s, size_t len)
{
	seam_error_t err = {0};
	seam_regex_t *re = seam_regex_compile(s, len, &err);
	seam_regex_free(re);
	/* Valid ECMA-262 that PCRE2 cannot run (variable-width lookbehind) is still a regex. */
	return re != NULL || err.code == SEAM_UNSUPPORTED;
}

/* seam's exact money string: -?(0|[1-9][0-9]*)(\.[0-9]+)? */
static bool decimal(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	if (i >= len || !is_digit((unsigned char)s[i]))
		return false;
	if (s[i] == '0') {
		i++;
	} else {
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
	}
	if (i < len && s[i] == '.') {
		size_t st = ++i;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
		if (i == st)
			return false;
	}
	return i == len;
}

bool seam_schema_format_check(seam_schema_format_e f, const char *s, size_t len)
{
	if (!s)
		return false;
	switch (f) {
	case SEAM_FORMAT_DATE_TIME: return date_time(s, len);
	case SEAM_FORMAT_DATE: return full_date(s, len);
	case SEAM_FORMAT_TIME: return full_time(s, len);
	case SEAM_FORMAT_DURATION: return duration(s, len);
	case SEAM_FORMAT_EMAIL: return email(s, len, false);
	case SEAM_FORMAT_IDN_EMAIL: return email(s, len, true);
	case SEAM_FORMAT_HOSTNAME: return hostname(s, len);
	case SEAM_FORMAT_IDN_HOSTNAME: return seam__format_idn_hostname(s, len);
	case SEAM_FORMAT_IPV4: return ipv4(s, len);
	case SEAM_FORMAT_IPV6: return ipv6(s, len);
	case SEAM_FORMAT_URI: return uri(s, len, false, false);
	case SEAM_FORMAT_URI_REFERENCE: return uri(s, len, false, true);
	case SEAM_FORMAT_IRI: return uri(s, len, true, false);
	case SEAM_FORMAT_IRI_REFERENCE: return uri(s, len, true, true);
	case SEAM_FORMAT_URI_TEMPLATE: return uri_template(s, len);
	case SEAM_FORMAT_UUID: return uuid(s, len);
	case SEAM_FORMAT_JSON_POINTER: return json_pointer(s, len);
	case SEAM_FORMAT_RELATIVE_JSON_POINTER: return relative_json_pointer(s, len);
	case SEAM_FORMAT_REGEX: return regex(s, len);
	case SEAM_FORMAT_DECIMAL: return decimal(s, len);
	case SEAM__FORMAT_COUNT: break;
	}
	return false;
}
