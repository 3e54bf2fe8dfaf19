/*
 * json.h: jansson's json_loadb, faster on what seam reads most.
 *
 * seam_json_loadb(buf, len, flags, err) returns what json_loadb(buf, len, flags, err) returns,
 * for every input: the same values, types and key order on success, the same NULL and the same
 * error on failure. A scanner of its own builds the jansson values of the common documents
 * (objects, arrays, strings with or without escapes, UTF-8, integers, true, false, null) about
 * eight times faster than jansson's lexer, which copies strings a character at a time: a 1 KB
 * webhook body took 15 us, now 2 us. Whatever it does not take on itself, it hands to
 * json_loadb unchanged, so jansson stays the definition: any error (jansson then reports it),
 * reals (strtod's exact rounding is jansson's), integers out of range, a repeated key, \u0000,
 * nesting deeper than jansson's 2048, and flags other than JSON_DECODE_ANY and
 * JSON_REJECT_DUPLICATES. fuzz/fuzz_json.c checks the two agree on arbitrary input.
 *
 * Thread-safety: reentrant.
 */
#ifndef SEAM_CORE_JSON_H
#define SEAM_CORE_JSON_H

#include <stddef.h>

#include <jansson.h>

json_t *seam_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err);

/* The scanner alone: the document, or NULL where seam_json_loadb would ask jansson (for tests
 * and the fuzz target, which check what it takes and what it declines). */
json_t *seam__json_fast(const char *buf, size_t len, size_t flags);

#endif
