/*
 * backoff.h: when to try again. Exponential backoff with full jitter, capped, and the floor an
 * upstream's Retry-After puts under it.
 *
 * The job queue schedules the next attempt after a retryable failure at
 * now + seam_backoff_after_ms(...); the upstream client supplies the Retry-After it parsed
 * (http/retry.h), the queue the configured base and cap. Nothing here reads a clock, sleeps or
 * draws randomness: callers pass the random value, so every result is deterministic under test.
 * This is core, not http: any retry loop (a queue job, a poller) uses the same arithmetic.
 *
 * Thread-safety: all functions are pure and reentrant.
 */
#ifndef SEAM_CORE_BACKOFF_H
#define SEAM_CORE_BACKOFF_H

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
 * The delay before the next try after `failures` failed attempts (1 after the first failure):
 * seam_backoff_ms(failures - 1, ...), so the first delay is drawn from [0, base_ms], and never
 * less than retry_after_ms, the upstream's Retry-After (<= 0 when it gave none): an upstream
 * that says when to come back is not called before.
 */
int64_t seam_backoff_after_ms(int failures, int64_t base_ms, int64_t cap_ms, uint64_t rand,
			      int64_t retry_after_ms);

#endif
