/*
 * th_clock.h: a manual clock for tests of modules that take a seam_clock_t (core/clock.h). Its
 * wall and monotonic readings start at the values given and move only when the test advances
 * them, both by the same amount, so a test sets the time instead of sleeping through it:
 *
 *   th_clock_t c;
 *   th_clock_init(&c, 1700000000000);
 *   opts.clock = th_clock_get(&c);
 *   ...
 *   th_clock_advance(&c, 30000);  // then seam_queue_notify(q): the queue's dispatcher waits
 *                                 // on the real clock and does not see the jump by itself
 *
 * Thread-safety: reads and advances are atomic; threads of the module under test read it
 * while the test advances it. The th_clock_t must outlive every user of th_clock_get's clock.
 */
#ifndef SEAM_TESTS_TH_CLOCK_H
#define SEAM_TESTS_TH_CLOCK_H

#include <stdint.h>

#include "core/clock.h"

typedef struct th_clock {
	int64_t wall_ms;  /* atomic */
	int64_t mono_ns;  /* atomic */
} th_clock_t;

/* Wall time starts at wall_ms; the monotonic reading at an arbitrary positive value. */
void th_clock_init(th_clock_t *c, int64_t wall_ms);
/* Moves both readings forward by ms (>= 0). */
void th_clock_advance(th_clock_t *c, int64_t ms);
/* The current wall time. */
int64_t th_clock_now(th_clock_t *c);
/* A seam_clock_t reading c. */
seam_clock_t th_clock_get(th_clock_t *c);

#endif
