/*
 * ratelimit.c: token bucket with reservations (see ratelimit.h for the model).
 * Thread-safety: every entry point takes rl->mu; nothing sleeps under it.
 */
#include "http/ratelimit.h"

#include <math.h>

#include "core/clock.h"

void seam_ratelimit_init(seam_ratelimit_t *rl, double rate_per_s, double burst)
{
	pthread_mutex_init(&rl->mu, NULL);
	rl->rate = rate_per_s > 0 ? rate_per_s : 0;
	if (burst <= 0)
		burst = rl->rate > 1 ? rl->rate : 1;
	rl->burst = burst < 1 ? 1 : burst;
	rl->tokens = rl->burst;
	rl->last_ns = 0;
	rl->started = 0;
}

void seam_ratelimit_dispose(seam_ratelimit_t *rl)
{
	if (rl)
		pthread_mutex_destroy(&rl->mu);
}

int seam_ratelimit_reserve(seam_ratelimit_t *rl, int64_t now_ns, int64_t max_wait_ns,
			   int64_t *wait_ns)
{
	int granted;
	int64_t wait = 0;
	if (rl->rate <= 0) {
		if (wait_ns)
			*wait_ns = 0;
		return 1;
	}
	pthread_mutex_lock(&rl->mu);
	if (!rl->started) {
		rl->last_ns = now_ns;
		rl->started = 1;
	}
	if (now_ns > rl->last_ns) {
		rl->tokens += (double)(now_ns - rl->last_ns) * rl->rate / 1e9;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
		rl->last_ns = now_ns;
	}
	if (rl->tokens >= 1) {
		rl->tokens -= 1;
		granted = 1;
	} else {
		/* The token this caller would get arrives once the balance climbs back to 1. */
		wait = (int64_t)ceil((1 - rl->tokens) / rl->rate * 1e9);
		granted = wait <= max_wait_ns;
		if (granted)
			rl->tokens -= 1;
	}
	pthread_mutex_unlock(&rl->mu);
	if (wait_ns)
		*wait_ns = wait;
	return granted;
}

int seam_ratelimit_acquire(seam_ratelimit_t *rl, int64_t max_wait_ms, int64_t *wait_ms)
{
	int64_t wait = 0;
	int ok = seam_ratelimit_reserve(rl, seam_mono_ns(), max_wait_ms * 1000000, &wait);
	if (wait_ms)
		*wait_ms = (wait + 999999) / 1000000;
	if (ok && wait > 0)
		seam_sleep_ms((wait + 999999) / 1000000);
	return ok;
}
