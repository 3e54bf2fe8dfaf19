/*
 * breaker.h: a circuit breaker per upstream.
 *
 * States:
 *   CLOSED     calls pass. Each finished call's outcome goes into a sliding window: the last
 *              `window_calls` outcomes, of which only those younger than `window_ms` count.
 *              When at least `min_calls` count and the failure ratio reaches `failure_ratio`,
 *              the breaker OPENs.
 *   OPEN       calls are refused at once (SEAM_OPEN_CIRCUIT) for `open_ms`; the refusal says
 *              how long is left. The first call after the cool-down moves it to HALF_OPEN.
 *   HALF_OPEN  at most `half_open_probes` calls (probes) are let through at a time; the rest
 *              are refused. A probe that succeeds CLOSEs the breaker (fresh window); one that
 *              fails re-OPENs it for another cool-down.
 *
 * What counts: the caller reports SUCCESS, FAILURE or IGNORE. The upstream client reports
 * FAILURE for retryable failures that say the upstream is unwell (timeouts, connection errors,
 * 5xx, and the same from its OAuth2 token endpoint, without which it cannot be called),
 * SUCCESS for any other HTTP answer (a 404 is a healthy upstream), and IGNORE for calls that
 * never reached it or said nothing about its health (429 throttling, refused by the bulkhead
 * or rate limit, credentials refused by the token endpoint). IGNORE frees a probe slot without
 * a verdict.
 *
 * Every operation takes `now` (milliseconds on any monotonic clock), so the state machine is
 * tested with an injected clock. Each call that may change state reports the transition in
 * *tr (from == to when nothing changed) so the caller logs and counts it outside the lock.
 *
 * Thread-safety: a seam_breaker_t may be shared by all threads (internal mutex).
 * Memory: create/destroy; opts are copied.
 */
#ifndef SEAM_HTTP_BREAKER_H
#define SEAM_HTTP_BREAKER_H

#include <stdint.h>

typedef enum seam_breaker_state_e {
	SEAM_BREAKER_CLOSED = 0,    /* the values are the metric gauge values */
	SEAM_BREAKER_HALF_OPEN = 1,
	SEAM_BREAKER_OPEN = 2,
} seam_breaker_state_e;

typedef enum seam_breaker_outcome_e {
	SEAM_BREAKER_SUCCESS,
	SEAM_BREAKER_FAILURE,
	SEAM_BREAKER_IGNORE,
} seam_breaker_outcome_e;

/* Zero fields take the defaults in brackets. */
typedef struct seam_breaker_opts {
	int disabled;           /* 1: never opens (allow always succeeds) */
	int window_calls;       /* sliding window size in calls [20] */
	int64_t window_ms;      /* outcomes older than this are forgotten [60000] */
	int min_calls;          /* fewest outcomes in the window before it can open [10] */
	double failure_ratio;   /* open at failures/calls >= this, in (0, 1] [0.5] */
	int64_t open_ms;        /* cool-down before probing [30000] */
	int half_open_probes;   /* probes in flight at once while half-open [1] */
} seam_breaker_opts_t;

/* Handed out by seam_breaker_allow and given back to seam_breaker_record. */
typedef struct seam_breaker_permit {
	int probe;      /* 1 when this call is a half-open probe */
	uint64_t epoch; /* state epoch the permit was given in; stale outcomes are not judged */
} seam_breaker_permit_t;

typedef struct seam_breaker_transition {
	seam_breaker_state_e from, to;
} seam_breaker_transition_t;

typedef struct seam_breaker seam_breaker_t;

/* Returns owned (free with seam_breaker_destroy), NULL on allocation failure. opts may be NULL
 * (all defaults); out-of-range values are clamped to sensible ones. */
seam_breaker_t *seam_breaker_create(const seam_breaker_opts_t *opts);
void seam_breaker_destroy(seam_breaker_t *b);

/* Asks to make a call at now_ms. Returns 1 and fills *permit when allowed; returns 0 when
 * refused, with *retry_in_ms (if not NULL) set to the remaining cool-down (0 while half-open
 * probes are busy). tr may be NULL. */
int seam_breaker_allow(seam_breaker_t *b, int64_t now_ms, seam_breaker_permit_t *permit,
		       int64_t *retry_in_ms, seam_breaker_transition_t *tr);

/* Reports the outcome of a call made under permit. tr may be NULL. */
void seam_breaker_record(seam_breaker_t *b, int64_t now_ms, const seam_breaker_permit_t *permit,
			 seam_breaker_outcome_e outcome, seam_breaker_transition_t *tr);

/* Current state. Transitions happen only in allow and record: an OPEN breaker whose cool-down
 * has passed still reads OPEN until the next call asks. */
seam_breaker_state_e seam_breaker_state(seam_breaker_t *b);

/* "closed", "half_open", "open". */
const char *seam_breaker_state_name(seam_breaker_state_e s);

#endif
