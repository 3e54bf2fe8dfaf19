/*
 * format_idn.c: IDNA2008 host names for format.c (idn-hostname, the A-labels of hostname, the
 * domain of idn-email).
 *
 * Per label, libidn2's registration check (idn2_register_u8: RFC 5891 section 4, i.e. the
 * RFC 5892 code point categories PVALID/CONTEXTJ/CONTEXTO/DISALLOWED, the CONTEXTJ and
 * CONTEXTO rules, leading combining marks, hyphen positions, and the per-label Bidi checks it
 * has) gives the verdict on a U-label and computes its A-label. Around it, what a whole name
 * needs: the four label separators of RFC 3490 section 3.1 (U+002E, U+3002, U+FF0E, U+FF61),
 * no empty label, 63 octets per A-label and 253 for the name in A-label form, the RFC 5893
 * Bidi rule over every label once the name holds a right-to-left label (libunistring's Bidi
 * classes), and for an "xn--" label a Punycode decoder (RFC 3492) so the label must decode to
 * a valid, non-ASCII U-label whose A-label is itself (no non-canonical encodings).
 *
 * Input is normalised to NFC first (IDN2_NFC_INPUT): RFC 5891 section 5.2 lets a lookup
 * application map it, and the suite's idn-email expects a non-NFC domain to pass.
 *
 * Thread-safety: pure (libidn2 and libunistring keep no state between calls).
 */
#include <idn2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unictype.h>

#include "contract/format_int.h"

#define LABEL_MAX_CPS 63

static bool is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* RFC 3492 decoding of the part after "xn--": false when it is not Punycode or decodes to
 * more than cap code points. */
static bool punycode_decode(const char *s, size_t n, uint32_t *out, size_t cap, size_t *outn)
{
	enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
	size_t b = 0, o = 0;
	for (size_t j = 0; j < n; j++)
		if (s[j] == '-')
			b = j;
	if (b > cap)
		return false;
	for (size_t j = 0; j < b; j++) {
		if ((unsigned char)s[j] >= 0x80)
			return false;
		out[o++] = (unsigned char)s[j];
	}
	uint32_t cp = 128, bias = 72, i = 0;
	for (size_t in = b > 0 ? b + 1 : 0; in < n;) {
		uint32_t oldi = i, w = 1;
		for (uint32_t k = BASE;; k += BASE) {
			if (in >= n)
				return false;
			int c = (unsigned char)s[in++], d;
			if (c >= '0' && c <= '9')
				d = c - '0' + 26;
			else if (c >= 'a' && c <= 'z')
				d = c - 'a';
			else if (c >= 'A' && c <= 'Z')
				d = c - 'A';
			else
				return false;
			if ((uint32_t)d > (UINT32_MAX - i) / w)
				return false;
			i += (uint32_t)d * w;
			uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
			if ((uint32_t)d < t)
				break;
			if (w > UINT32_MAX / (BASE - t))
				return false;
			w *= BASE - t;
		}
		/* adapt */
		uint32_t delta = oldi == 0 ? (i - oldi) / DAMP : (i - oldi) / 2;
		delta += delta / (uint32_t)(o + 1);
		uint32_t k = 0;
		while (delta > ((BASE - TMIN) * TMAX) / 2) {
			delta /= BASE - TMIN;
			k += BASE;
		}
		bias = k + (BASE - TMIN + 1) * delta / (delta + SKEW);
		if (i / (uint32_t)(o + 1) > 0x10FFFF - cp)
			return false;
		cp += i / (uint32_t)(o + 1);
		i %= (uint32_t)(o + 1);
		if (o >= cap || (cp >= 0xD800 && cp <= 0xDFFF) || cp < 0x80)
			return false;
		memmove(out + i + 1, out + i, (o - i) * sizeof *out);
		out[i++] = cp;
		o++;
	}
	*outn = o;
	return true;
}

static size_t utf8_put(uint32_t cp, char *p)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		p[0] = (char)(0xC0 | (cp >> 6));
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		p[0] = (char)(0xE0 | (cp >> 12));
		p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | (cp >> 18));
	p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	p[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A U-label (NUL-terminated UTF-8) as libidn2 registers it: its A-label length, or -1. */
static long register_ulabel(const char *ul, int flags, char *alabel_out, size_t cap)
{
	uint8_t *al = NULL;
	long n = -1;
	if (idn2_register_u8((const uint8_t *)ul, NULL, &al, flags) == IDN2_OK && al) {
		n = (long)strlen((const char *)al);
		if (alabel_out && (size_t)n < cap)
			memcpy(alabel_out, al, (size_t)n + 1);
	}
	idn2_free(al);
	return n;
}

/* RFC 5893 section 2, rules 1-6, over one label's code points. */
static bool bidi_label_ok(const uint32_t *cp, size_t n)
{
	if (n == 0)
		return false;
	int first = uc_bidi_class(cp[0]);
	bool rtl;
	if (first == UC_BIDI_R || first == UC_BIDI_AL)
		rtl = true;
	else if (first == UC_BIDI_L)
		rtl = false;
	else
		return false; /* rule 1 */
	bool en = false, an = false;
	for (size_t i = 0; i < n; i++) {
		int c = uc_bidi_class(cp[i]);
		en |= c == UC_BIDI_EN;
		an |= c == UC_BIDI_AN;
		bool ok = c == UC_BIDI_EN || c == UC_BIDI_ES || c == UC_BIDI_CS || c == UC_BIDI_ET ||
			  c == UC_BIDI_ON || c == UC_BIDI_BN || c == UC_BIDI_NSM;
		ok = ok || (rtl ? (c == UC_BIDI_R || c == UC_BIDI_AL || c == UC_BIDI_AN) : c == UC_BIDI_L);
		if (!ok)
			return false; /* rules 2 and 5 */
	}
	if (rtl && en && an)
		return false; /* rule 4 */
	size_t e = n;
	while (e > 0 && uc_bidi_class(cp[e - 1]) == UC_BIDI_NSM)
		e--;
	if (e == 0)
		return false;
	int last = uc_bidi_class(cp[e - 1]);
	if (rtl)
		return last == UC_BIDI_R || last == UC_BIDI_AL || last == UC_BIDI_EN ||
		       last == UC_BIDI_AN; /* rule 3 */
	return last == UC_BIDI_L || last == UC_BIDI_EN; /* rule 6 */
}

static bool is_rtl_label(const uint32_t *cp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int c = uc_bidi_class(cp[i]);
		if (c == UC_BIDI_R || c == UC_BIDI_AL || c == UC_BIDI_AN)
			return true;
	}
	return false;
}

/* An "xn--" label: decodes, is not all ASCII, registers, and re-encodes to itself. The decoded
 * code points go to cps (cap LABEL_MAX_CPS). */
static bool alabel(const char *s, size_t n, uint32_t *cps, size_t *ncps)
{
	if (n < 5 || n > 63 || (s[0] | 0x20) != 'x' || (s[1] | 0x20) != 'n' || s[2] != '-' ||
	    s[3] != '-')
		return false;
	if (!punycode_decode(s + 4, n - 4, cps, LABEL_MAX_CPS, ncps))
		return false;
	char u[LABEL_MAX_CPS * 4 + 1], back[256];
	size_t un = 0;
	bool ascii = true;
	for (size_t i = 0; i < *ncps; i++) {
		ascii &= cps[i] < 0x80;
		un += utf8_put(cps[i], u + un);
	}
	u[un] = 0;
	if (ascii || register_ulabel(u, 0, back, sizeof back) < 0)
		return false;
	return strlen(back) == n && strncasecmp(back, s, n) == 0;
}

bool seam__format_alabel(const char *s, size_t n)
{
	uint32_t cps[LABEL_MAX_CPS];
	size_t ncps = 0;
	if (!alabel(s, n, cps, &ncps))
		return false;
	return !is_rtl_label(cps, ncps) || bidi_label_ok(cps, ncps);
}

/* Length of a label separator at s[i] (0 when there is none). */
static size_t separator(const char *s, size_t len, size_t i)
{
	if (s[i] == '.')
		return 1;
	if (i + 3 > len)
		return 0;
	const unsigned char *p = (const unsigned char *)s + i;
	if ((p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x82) || /* U+3002 */
	    (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8E) || /* U+FF0E */
	    (p[0] == 0xEF && p[1] == 0xBD && p[2] == 0xA1))   /* U+FF61 */
		return 3;
	return 0;
}

typedef struct label {
	uint32_t cps[LABEL_MAX_CPS];
	size_t n;
} label_t;

bool seam__format_idn_hostname(const char *s, size_t len)
{
	if (len == 0 || len > 4096)
		return false;
	label_t *labels = NULL;
	size_t nlabels = 0, total = 0;
	bool ok = false, bidi_domain = false;
	size_t st = 0;
	char buf[LABEL_MAX_CPS * 4 + 1];
	labels = calloc(len / 2 + 2, sizeof *labels);
	if (!labels)
		goto out;
	for (size_t i = 0;;) {
		size_t sep = i < len ? separator(s, len, i) : 0;
		if (i < len && !sep) {
			if (seam__format_utf8(s, len, &i) < 0)
				goto out;
			continue;
		}
		/* the label s[st..i) */
		const char *l = s + st;
		size_t n = i - st;
		label_t *lab = &labels[nlabels++];
		bool ascii = true;
		for (size_t k = 0; k < n; k++)
			ascii &= (unsigned char)l[k] < 0x80;
		if (n == 0 || n > LABEL_MAX_CPS * 4 || memchr(l, 0, n))
			goto out;
		if (ascii) {
			for (size_t k = 0; k < n; k++)
				if (!is_ldh((unsigned char)l[k]))
					goto out;
			if (n > 63 || l[0] == '-' || l[n - 1] == '-')
				goto out;
			if (n >= 4 && l[2] == '-' && l[3] == '-') {
				if (!alabel(l, n, lab->cps, &lab->n))
					goto out;
			} else {
				for (size_t k = 0; k < n; k++)
					lab->cps[k] = (unsigned char)l[k];
				lab->n = n;
			}
			total += n;
		} else {
			memcpy(buf, l, n);
			buf[n] = 0;
			char a[256];
			long an = register_ulabel(buf, IDN2_NFC_INPUT, a, sizeof a);
			if (an < 0 || an > 63)
				goto out;
			total += (size_t)an;
			/* The Bidi rule reads the label as registered (decoded from its A-label). */
			if (!alabel(a, (size_t)an, lab->cps, &lab->n))
				goto out;
		}
		bidi_domain |= is_rtl_label(lab->cps, lab->n);
		if (i >= len)
			break;
		total++;
		i += sep;
		st = i;
		if (i >= len)
			goto out; /* a trailing separator leaves an empty label */
	}
	if (total > 253)
		goto out;
	if (bidi_domain)
		for (size_t k = 0; k < nlabels; k++)
			if (!bidi_label_ok(labels[k].cps, labels[k].n))
				goto out;
	ok = true;
out:
	free(labels);
	return ok;
}
