/*
 * breaker.c: the circuit breaker state machine (see breaker.h for states and rules).
 *
 * The window is a ring of the last window_calls outcomes with their times; counting walks the
 * ring (window_calls is small, tens of entries). An epoch number changes on every transition,
 * so an outcome that arrives after the state moved on (a slow call admitted while CLOSED that
 * ends after the breaker opened) is not judged against the new state.
 * Thread-safety: every entry point takes b->mu.
 */
#include "http/breaker.h"

#include <pthread.h>
#include <stdlib.h>

struct seam_breaker {
	pthread_mutex_t mu;
	seam_breaker_opts_t o;
	seam_breaker_state_e state;
	uint64_t epoch;
	int64_t opened_at;
	int probes;        /* probes in flight while half-open */
	int64_t *at;       /* ring: outcome times */
	unsigned char *failed; /* ring: 1 = failure */
	int head, len;     /* next write position, entries in use */
};

seam_breaker_t *seam_breaker_create(const seam_breaker_opts_t *opts)
{
	seam_breaker_t *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	if (opts)
		b->o = *opts;
	if (b->o.window_calls <= 0)
		b->o.window_calls = 20;
	if (b->o.window_calls > 10000)
		b->o.window_calls = 10000;
	if (b->o.window_ms <= 0)
		b->o.window_ms = 60000;
	if (b->o.min_calls <= 0)
		b->o.min_calls = 10;
	if (b->o.min_calls > b->o.window_calls)
		b->o.min_calls = b->o.window_calls;
	if (!(b->o.failure_ratio > 0) || b->o.failure_ratio > 1)
		b->o.failure_ratio = 0.5;
	if (b->o.open_ms <= 0)
		b->o.open_ms = 30000;
	if (b->o.half_open_probes <= 0)
		b->o.half_open_probes = 1;
	b->at = calloc((size_t)b->o.window_calls, sizeof *b->at);
	b->failed = calloc((size_t)b->o.window_calls, 1);
	if (!b->at || !b->failed) {
		seam_breaker_destroy(b);
		return NULL;
	}
	pthread_mutex_init(&b->mu, NULL);
	b->state = SEAM_BREAKER_CLOSED;
	return b;
}

void seam_breaker_destroy(seam_breaker_t *b)
{
	if (!b)
		return;
	if (b->at && b->failed)
		pthread_mutex_destroy(&b->mu);
	free(b->at);
	free(b->failed);
	free(b);
}

static void move_to(seam_breaker_t *b, seam_breaker_state_e to, int64_t now_ms)
{
	b->state = to;
	b->epoch++;
	b->probes = 0;
	b->len = 0;
	b->head = 0;
	if (to == SEAM_BREAKER_OPEN)
		b->opened_at = now_ms;
}

static void note(seam_breaker_transition_t *tr, seam_breaker_state_e from, seam_breaker_state_e to)
{
	if (tr) {
		tr->from = from;
		tr->to = to;
	}
}

int seam_breaker_allow(seam_breaker_t *b, int64_t now_ms, seam_breaker_permit_t *permit,
		       int64_t *retry_in_ms, seam_breaker_transition_t *tr)
{
	int ok = 0;
	seam_breaker_state_e from;
	pthread_mutex_lock(&b->mu);
	from = b->state;
	if (b->o.disabled) {
		ok = 1;
		permit->probe = 0;
		permit->epoch = b->epoch;
		goto out;
	}
	if (b->state == SEAM_BREAKER_OPEN) {
		int64_t left = b->opened_at + b->o.open_ms - now_ms;
		if (left > 0) {
			if (retry_in_ms)
				*retry_in_ms = left;
			goto out;
		}
		move_to(b, SEAM_BREAKER_HALF_OPEN, now_ms);
	}
	if (b->state == SEAM_BREAKER_HALF_OPEN) {
		if (b->probes >= b->o.half_open_probes) {
			if (retry_in_ms)
				*retry_in_ms = 0;
			goto out;
		}
		b->probes++;
		permit->probe = 1;
	} else {
		permit->probe = 0;
	}
	permit->epoch = b->epoch;
	ok = 1;
out:
	note(tr, from, b->state);
	pthread_mutex_unlock(&b->mu);
	return ok;
}

void seam_breaker_record(seam_breaker_t *b, int64_t now_ms, const seam_breaker_permit_t *permit,
			 seam_breaker_outcome_e outcome, seam_breaker_transition_t *tr)
{
	seam_breaker_state_e from;
	pthread_mutex_lock(&b->mu);
	from = b->state;
	if (b->o.disabled || permit->epoch != b->epoch)
		goto out;
	if (b->state == SEAM_BREAKER_HALF_OPEN) {
		if (!permit->probe)
			goto out;
		if (b->probes > 0)
			b->probes--;
		if (outcome == SEAM_BREAKER_SUCCESS)
			move_to(b, SEAM_BREAKER_CLOSED, now_ms);
		else if (outcome == SEAM_BREAKER_FAILURE)
			move_to(b, SEAM_BREAKER_OPEN, now_ms);
		goto out;
	}
	if (b->state != SEAM_BREAKER_CLOSED || outcome == SEAM_BREAKER_IGNORE)
		goto out;
	b->at[b->head] = now_ms;
	b->failed[b->head] = outcome == SEAM_BREAKER_FAILURE;
	b->head = (b->head + 1) % b->o.window_calls;
	if (b->len < b->o.window_calls)
		b->len++;
	if (outcome == SEAM_BREAKER_FAILURE) {
		int calls = 0, fails = 0;
		for (int i = 0; i < b->len; i++) {
			if (now_ms - b->at[i] > b->o.window_ms)
				continue;
			calls++;
			fails += b->failed[i];
		}
		if (calls >= b->o.min_calls && (double)fails >= b->o.failure_ratio * calls)
			move_to(b, SEAM_BREAKER_OPEN, now_ms);
	}
out:
	note(tr, from, b->state);
	pthread_mutex_unlock(&b->mu);
}

seam_breaker_state_e seam_breaker_state(seam_breaker_t *b)
{
	seam_breaker_state_e s;
	pthread_mutex_lock(&b->mu);
	s = b->state;
	pthread_mutex_unlock(&b->mu);
	return s;
}

const char *seam_breaker_state_name(seam_breaker_state_e s)
{
	switch (s) {
	case SEAM_BREAKER_CLOSED:
		return "closed";
	case SEAM_BREAKER_HALF_OPEN:
		return "half_open";
	case SEAM_BREAKER_OPEN:
		return "open";
	}
	return "unknown";
}
