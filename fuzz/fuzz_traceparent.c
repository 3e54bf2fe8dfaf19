/*
 * fuzz_traceparent.c: libFuzzer target for the correlation-id edge: traceparent parsing,
 * X-Correlation-ID sanitising and trace-id mapping. Checks the promises of ids.h on every
 * input: a parsed trace/parent id is lower-case hex and not all zero, a traceparent made from
 * it parses back to the same trace id, and a correlation id is 1-64 characters from
 * [A-Za-z0-9._:-] whatever the headers held.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lhex_nonzero(const char *s, size_t n)
{
	int nz = 0;
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
		nz |= s[i] != '0';
	}
	return nz;
}

static int cid_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-",
			    s[i]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char trace[33], parent[17], again[33], tp[56], cid[SEAM_CID_MAX], tid[33];
	uint8_t flags;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (seam_traceparent_parse(s, trace, parent, &flags) == 0) {
		if (!lhex_nonzero(trace, 32) || !lhex_nonzero(parent, 16) || size < 55)
			abort();
		seam_traceparent_make(trace, tp);
		if (strlen(tp) != 55 || seam_traceparent_parse(tp, again, NULL, NULL) != 0 ||
		    strcmp(again, trace) != 0)
			abort();
		seam_cid_from_headers(s, NULL, cid);
		if (strcmp(cid, trace) != 0)
			abort();
	}
	seam_cid_from_headers(NULL, s, cid);
	if (!cid_ok(cid))
		abort();
	seam_cid_from_headers(s, s, cid);
	if (!cid_ok(cid))
		abort();
	seam_cid_trace_id(s, tid);
	if (!lhex_nonzero(tid, 32))
		abort();
	seam_traceparent_make(s, tp);
	if (seam_traceparent_parse(tp, again, NULL, NULL) != 0 || strcmp(again, tid) != 0)
		abort();
	free(s);
	return 0;
}
