/*
 * regex.h: ECMA-262 regular expressions (JSON Schema's `pattern`, `patternProperties` and the
 * `regex` format) on PCRE2.
 *
 * JSON Schema says patterns are ECMA-262 and unanchored. PCRE2 is compiled with UTF and the
 * options that bring it closest (PCRE2_ALT_BSUX for \u, \x; PCRE2_MATCH_UNSET_BACKREF;
 * ECMA's \d \w \s classes), the pattern text translated where the flavours differ; what cannot
 * be made equal is listed in docs/contracts.md. Every match runs under PCRE2 match and depth
 * limits, so a catastrophically backtracking pattern costs a bounded amount of work and reports
 * SEAM_REGEX_LIMIT instead of stalling a worker.
 *
 * Ownership: compile returns owned (seam_regex_free). Thread-safety: a compiled regex is
 * immutable; seam_regex_search is reentrant (match data is per call or per thread).
 */
#ifndef SEAM_CONTRACT_REGEX_H
#define SEAM_CONTRACT_REGEX_H

#include <stddef.h>

#include "core/err.h"

typedef struct seam_regex seam_regex_t;

enum { SEAM_REGEX_NOMATCH = 0, SEAM_REGEX_MATCH = 1, SEAM_REGEX_LIMIT = -1 };

/* Compiles pattern (len bytes of UTF-8). NULL with err "offset N: reason" when it is not a
 * valid ECMA-262 pattern. */
seam_regex_t *seam_regex_compile(const char *pattern, size_t len, seam_error_t *err);
void seam_regex_free(seam_regex_t *re);

/* Searches s (len bytes of UTF-8) anywhere: SEAM_REGEX_MATCH, _NOMATCH, or _LIMIT when the
 * match or depth limit was reached, or s is not UTF-8 (treat as invalid: the instance is
 * refused, not waved on). */
int seam_regex_search(const seam_regex_t *re, const char *s, size_t len);

#endif
