/*
 * retry.h: the arithmetic of retrying. Exponential backoff with full jitter, and Retry-After
 * parsing (both forms of RFC 9110 section 10.2.3: delta-seconds and HTTP-date).
 *
 * The upstream client fills seam_response_t.retry_after_ms with seam_retry_after_parse(); the
 * job queue schedules the next attempt at max(seam_backoff_ms(...), retry_after_ms). Neither
 * function sleeps or reads a clock: callers pass `now` and the random value, so both are
 * deterministic under test.
 *
 * Thread-safety: all functions are pure and reentrant.
 */
#ifndef SEAM_HTTP_RETRY_H
#define SEAM_HTTP_RETRY_H

#include <stdint.h>

/*
 * Full-jitter backoff ("AWS architecture blog" style): a value uniformly drawn from
 * [0, min(cap_ms, base_ms * 2^attempt)] using `rand` as the random source (any 64-bit random
 * value; the caller draws it, e.g. from seam_random_bytes). attempt counts from 0 (the delay
 * before the first retry uses base_ms). Never overflows: huge attempts simply hit the cap.
 * attempt < 0 is treated as 0; base_ms <= 0 or cap_ms <= 0 gives 0; a cap below base wins.
 */
int64_t seam_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t rand);

/* The ceiling of the jitter range above: min(cap_ms, base_ms * 2^attempt), overflow-safe. */
int64_t seam_backoff_ceiling_ms(int attempt, int64_t base_ms, int64_t cap_ms);

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
