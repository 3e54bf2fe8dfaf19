/*
 * ratelimit.h: a token bucket per upstream (rate per second, burst), with reservations.
 *
 * The bucket holds up to `burst` tokens and refills continuously at `rate` tokens per second.
 * A caller asks for one token with the longest it is willing to wait:
 *   - a token is there: it is taken, wait 0;
 *   - otherwise, when the next free token arrives within max_wait, the caller reserves it now
 *     (the balance goes negative) and is told how long to sleep before sending;
 *   - otherwise nothing is taken and the caller is refused with the wait it would have needed.
 * Reserving under the lock and sleeping outside it keeps waiters in arrival order without a
 * thundering herd, and the send rate never exceeds rate (plus the initial burst).
 *
 * Time is passed in (monotonic nanoseconds), so the arithmetic is testable without sleeping;
 * seam_ratelimit_acquire() is the blocking convenience that reads the clock and sleeps.
 *
 * Thread-safety: a seam_ratelimit_t may be shared by all threads (internal mutex).
 * Memory: init/dispose on caller memory.
 */
#ifndef SEAM_HTTP_RATELIMIT_H
#define SEAM_HTTP_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

typedef struct seam_ratelimit {
	pthread_mutex_t mu;
	double rate;      /* tokens per second; <= 0 means unlimited */
	double burst;     /* bucket size (>= 1) */
	double tokens;    /* may be negative: tokens reserved by waiting callers */
	int64_t last_ns;  /* time of the last refill */
	int started;      /* last_ns is meaningful */
} seam_ratelimit_t;

/* rate_per_s <= 0 disables limiting (every request is granted at once). burst <= 0 means
 * max(1, rate_per_s). The bucket starts full. */
void seam_ratelimit_init(seam_ratelimit_t *rl, double rate_per_s, double burst);
void seam_ratelimit_dispose(seam_ratelimit_t *rl);

/*
 * Asks for one token at time now_ns with at most max_wait_ns of waiting.
 * Returns 1 when granted: *wait_ns is how long to wait before sending (0 when a token was
 * there). Returns 0 when refused: nothing was taken and *wait_ns is the wait that would have
 * been needed. wait_ns may be NULL.
 */
int seam_ratelimit_reserve(seam_ratelimit_t *rl, int64_t now_ns, int64_t max_wait_ns,
			   int64_t *wait_ns);

/* Blocking form: reserves with max_wait_ms and sleeps the wait. Returns 1 when the caller may
 * send now, 0 when refused (then *wait_ms, if not NULL, says how long it would have waited). */
int seam_ratelimit_acquire(seam_ratelimit_t *rl, int64_t max_wait_ms, int64_t *wait_ms);

#endif
