/*
 * fuzz_regex.c: libFuzzer target for contract/regex.c: arbitrary ECMA-262 patterns compiled and
 * searched under the PCRE2 limits. Input: `<pattern>\n<subject>` (no newline: the whole input is
 * the pattern and also the subject).
 *
 * Checks besides memory safety: compile either succeeds or fails with SEAM_PARSE or
 * SEAM_UNSUPPORTED and a message "offset N: ..." with N inside the pattern; the `regex` format
 * agrees with compile; a search answers MATCH, NOMATCH or LIMIT, the same answer twice (the
 * per-thread match data keeps no state between calls), and never takes long (the libFuzzer
 * -timeout catches a pattern that escapes the limits); a pattern that compiled also compiles
 * inside a non-capturing group, and the group finds what the pattern finds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/regex.h"
#include "contract/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t plen = nl ? (size_t)(nl - in) : size;
	const char *subj = nl ? nl + 1 : in;
	size_t slen = nl ? size - plen - 1 : size;
	if (plen > 4096)
		return 0;

	seam_error_t err = {0};
	seam_regex_t *re = seam_regex_compile(in, plen, &err);
	bool fmt = seam_schema_format_check(SEAM_FORMAT_REGEX, in, plen);
	if (!re) {
		unsigned long off = 0;
		if (err.code != SEAM_PARSE && err.code != SEAM_UNSUPPORTED && err.code != SEAM_NOMEM)
			abort();
		if (sscanf(err.msg, "offset %lu:", &off) != 1 || off > plen)
			abort();
		if (fmt != (err.code == SEAM_UNSUPPORTED))
			abort();
		return 0;
	}
	if (!fmt)
		abort();
	int a = seam_regex_search(re, subj, slen);
	int b = seam_regex_search(re, subj, slen);
	if (a != b || (a != SEAM_REGEX_MATCH && a != SEAM_REGEX_NOMATCH && a != SEAM_REGEX_LIMIT))
		abort();

	/* (?:P) means P. */
	char *g = malloc(plen + 5);
	if (!g)
		abort();
	memcpy(g, "(?:", 3);
	memcpy(g + 3, in, plen);
	g[plen + 3] = ')';
	seam_regex_t *re2 = seam_regex_compile(g, plen + 4, NULL);
	if (!re2)
		abort();
	int c = seam_regex_search(re2, subj, slen);
	if (a != SEAM_REGEX_LIMIT && c != SEAM_REGEX_LIMIT && a != c)
		abort();
	seam_regex_free(re2);
	free(g);
	seam_regex_free(re);
	return 0;
}
