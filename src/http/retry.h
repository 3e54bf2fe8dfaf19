/*
 * retry.h: what HTTP says about retrying: Retry-After parsing (both forms of RFC 9110 section
 * 10.2.3: delta-seconds and HTTP-date).
 *
 * The upstream client fills seam_response_t.retry_after_ms with seam_retry_after_parse(); the
 * job queue puts it under its backoff (core/backoff.h seam_backoff_after_ms). Nothing here
 * reads a clock: callers pass `now`, so results are deterministic under test.
 *
 * Thread-safety: all functions are pure and reentrant.
 */
#ifndef SEAM_HTTP_RETRY_H
#define SEAM_HTTP_RETRY_H

#include <stdint.h>

/*
 * Parses a Retry-After header value into milliseconds from now_ms (Unix ms, the wall clock the
 * HTTP-date is compared with). Accepts delta-seconds ("120") and the three HTTP-date forms
 * (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37
 * GMT" and asctime "Sun Nov  6 08:49:37 1994"). Surrounding whitespace is ignored. A date in
 * the past gives 0. The result is capped at cap_ms (when cap_ms > 0), including absurdly large
 * delta-seconds that would overflow.
 * Returns 0 and sets *out_ms, or -1 for NULL, empty or malformed values (*out_ms untouched).
 */
int seam_retry_after_parse(const char *value, int64_t now_ms, int64_t cap_ms, int64_t *out_ms);

/* Parses an HTTP-date (any of the three forms above) into Unix ms. Returns 0 or -1. */
int seam_http_date_parse(const char *s, int64_t *out_ms);

#endif
