/*
 * clock.h: time. Wall time in milliseconds since the Unix epoch (what the store records) and a
 * monotonic clock for durations and timeouts (never goes back when the wall clock is set).
 * Thread-safety: reentrant.
 */
#ifndef SEAM_CORE_CLOCK_H
#define SEAM_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t seam_now_ms(void);       /* CLOCK_REALTIME, ms */
int64_t seam_mono_ns(void);      /* CLOCK_MONOTONIC, ns */
double seam_mono_s(void);        /* CLOCK_MONOTONIC, seconds */
void seam_sleep_ms(int64_t ms);

/* Calendar arithmetic, proleptic Gregorian and independent of TZ and time_t (H. Hinnant's
 * days_from_civil): the days from 1970-01-01 to y-m-d (negative before), for m 1..12 and any d
 * (d past the month's end counts on into the next). The one copy: RFC 3339 here and the
 * HTTP-date of Retry-After (http/retry.c) both use it. */
int64_t seam_days_from_civil(int64_t y, int m, int d);
/* Days in month m (1..12) of year y: 28..31, leap years by the Gregorian rule. */
int seam_days_in_month(int64_t y, int m);

/* An injectable clock, for modules whose behaviour depends on time (the queue's leases,
 * backoff, run_at and schedules), so their tests can set the time instead of sleeping through
 * it. A zeroed seam_clock_t (or a NULL pointer, or a NULL function) is the real clock above;
 * tests install a manual one they advance (tests/support/th_clock.h). Both functions must be
 * thread-safe: the queue reads them from its dispatcher and worker threads. */
typedef struct seam_clock {
	int64_t (*now_ms)(void *ud);  /* wall ms since the epoch, as seam_now_ms */
	int64_t (*mono_ns)(void *ud); /* monotonic ns, as seam_mono_ns */
	void *ud;
} seam_clock_t;

int64_t seam_clock_now_ms(const seam_clock_t *c);
int64_t seam_clock_mono_ns(const seam_clock_t *c);

/* RFC 3339 UTC with milliseconds: "2026-11-26T16:11:12.345Z". out needs 25 bytes. */
void seam_rfc3339_ms(int64_t ms, char out[25]);
/* Parses RFC 3339 ("...Z" or "+hh:mm", optional fraction). Returns 0 and *ms, or -1. */
int seam_rfc3339_parse(const char *s, int64_t *ms);

/* Durations and sizes as written in config: "250ms", "30s", "5m", "1h", "2d", plain integers
 * are seconds. Returns 0 and *ms, or -1. */
int seam_duration_parse(const char *s, int64_t *ms);
/* A point in time as operators write it, in `seam ctl ... --since/--until` and in REST queries
 * (?since=, &until=): "now", RFC 3339, or a duration (as above) meaning that long before now_ms
 * ("2h", "30m", "7d"). Returns 0 and *ms, or -1 (also for a time before 1970). One parser, so
 * ctl and REST accept the same words; SEAM_TIME_ARG_FORMS says what they are in messages. */
int seam_time_arg_parse(const char *s, int64_t now_ms, int64_t *ms);
#define SEAM_TIME_ARG_FORMS "RFC 3339 (2026-11-26T16:00:00Z), 'now', or a duration ago (2h, 30m, 7d)"

/* "512", "64KiB", "1MiB", "2GiB", "10kB", "1MB". Returns 0 and *bytes, or -1. */
int seam_size_parse(const char *s, int64_t *bytes);

#endif
