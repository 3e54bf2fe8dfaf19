/*
 * format_int.h: what format.c and format_idn.c share (not part of the contract API).
 */
#ifndef SEAM_CONTRACT_FORMAT_INT_H
#define SEAM_CONTRACT_FORMAT_INT_H

#include <stdbool.h>
#include <stddef.h>

/* One UTF-8 code point at s[*i], advancing *i; -1 when the bytes there are not UTF-8. */
long seam__format_utf8(const char *s, size_t len, size_t *i);

/* An "xn--" label (n bytes, no dots) that is a valid IDNA2008 A-label: Punycode that decodes
 * to a valid U-label and encodes back to the same (case-insensitively). */
bool seam__format_alabel(const char *s, size_t n);

/* RFC 5890 internationalized host name (U-labels, A-labels or LDH labels; the separators
 * U+002E, U+3002, U+FF0E and U+FF61). */
bool seam__format_idn_hostname(const char *s, size_t len);

#endif
