/*
 * fuzz_format.c: libFuzzer target for contract/format.c: every format checked on the same
 * arbitrary bytes (whole input; an embedded NUL is a byte like any other).
 *
 * Checks besides memory safety: each check is pure (the same verdict twice); the formats that
 * are ASCII by definition accept no byte >= 0x80, and the international ones accept only UTF-8;
 * the implications between formats hold: uri => uri-reference, iri and iri-reference;
 * iri => iri-reference; uri-reference => iri-reference; email => idn-email; date-time =>
 * its date and its time; a json-pointer P makes "0P" a relative-json-pointer; an ipv4 A makes
 * "::ffff:A" an ipv6; a hostname without an A-label is an idn-hostname; a decimal is what
 * strtod reads whole.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "contract/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			k = 1, cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2, cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3, cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += k + 1;
	}
	return true;
}

static bool check(seam_schema_format_e f, const char *s, size_t n)
{
	return seam_schema_format_check(f, s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	if (size > 8192)
		return 0;
	bool v[SEAM__FORMAT_COUNT];
	bool ascii = true;
	for (size_t i = 0; i < size; i++)
		ascii &= data[i] < 0x80;
	bool utf8 = utf8_ok(data, size);
	for (int f = 0; f < SEAM__FORMAT_COUNT; f++) {
		v[f] = check((seam_schema_format_e)f, s, size);
		if (v[f] != check((seam_schema_format_e)f, s, size))
			abort();
		if (v[f] && !utf8 && f != SEAM_FORMAT_JSON_POINTER &&
		    f != SEAM_FORMAT_RELATIVE_JSON_POINTER)
			abort();
	}
	static const seam_schema_format_e ascii_only[] = {
		SEAM_FORMAT_DATE_TIME, SEAM_FORMAT_DATE, SEAM_FORMAT_TIME, SEAM_FORMAT_DURATION,
		SEAM_FORMAT_EMAIL, SEAM_FORMAT_HOSTNAME, SEAM_FORMAT_IPV4, SEAM_FORMAT_IPV6,
		SEAM_FORMAT_URI, SEAM_FORMAT_URI_REFERENCE, SEAM_FORMAT_UUID, SEAM_FORMAT_DECIMAL,
	};
	for (size_t i = 0; i < sizeof ascii_only / sizeof ascii_only[0]; i++)
		if (v[ascii_only[i]] && !ascii)
			abort();
	if (v[SEAM_FORMAT_URI] && !(v[SEAM_FORMAT_URI_REFERENCE] && v[SEAM_FORMAT_IRI]))
		abort();
	if ((v[SEAM_FORMAT_IRI] || v[SEAM_FORMAT_URI_REFERENCE]) && !v[SEAM_FORMAT_IRI_REFERENCE])
		abort();
	if (v[SEAM_FORMAT_EMAIL] && !v[SEAM_FORMAT_IDN_EMAIL])
		abort();
	if (v[SEAM_FORMAT_DATE_TIME] && !(check(SEAM_FORMAT_DATE, s, 10) &&
					  check(SEAM_FORMAT_TIME, s + 11, size - 11)))
		abort();
	if (v[SEAM_FORMAT_UUID] && size != 36)
		abort();

	char *buf = malloc(size + 16);
	if (!buf)
		abort();
	if (v[SEAM_FORMAT_JSON_POINTER]) {
		buf[0] = '0';
		memcpy(buf + 1, s, size);
		if (!check(SEAM_FORMAT_RELATIVE_JSON_POINTER, buf, size + 1))
			abort();
	}
	if (v[SEAM_FORMAT_IPV4]) {
		memcpy(buf, "::ffff:", 7);
		memcpy(buf + 7, s, size);
		if (!check(SEAM_FORMAT_IPV6, buf, size + 7))
			abort();
	}
	if (v[SEAM_FORMAT_HOSTNAME]) {
		bool alabel = false;
		for (size_t i = 0; i + 4 <= size; i++)
			if ((i == 0 || s[i - 1] == '.') && strncasecmp(s + i, "xn--", 4) == 0)
				alabel = true;
		if (!alabel && !v[SEAM_FORMAT_IDN_HOSTNAME])
			abort();
	}
	if (v[SEAM_FORMAT_DECIMAL]) {
		memcpy(buf, s, size);
		buf[size] = 0;
		char *end;
		strtod(buf, &end);
		if (end != buf + size)
			abort();
	}
	free(buf);
	return 0;
}
