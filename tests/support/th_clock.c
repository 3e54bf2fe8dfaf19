/* th_clock.c: see th_clock.h. */
#include "tests/support/th_clock.h"

#include <stdlib.h>

static int64_t wall(void *ud)
{
	th_clock_t *c = ud;
	return __atomic_load_n(&c->wall_ms, __ATOMIC_ACQUIRE);
}

static int64_t mono(void *ud)
{
	th_clock_t *c = ud;
	return __atomic_load_n(&c->mono_ns, __ATOMIC_ACQUIRE);
}

void th_clock_init(th_clock_t *c, int64_t wall_ms)
{
	__atomic_store_n(&c->wall_ms, wall_ms, __ATOMIC_RELEASE);
	__atomic_store_n(&c->mono_ns, (int64_t)1000 * 1000000000, __ATOMIC_RELEASE);
}

void th_clock_advance(th_clock_t *c, int64_t ms)
{
	if (ms < 0)
		abort();
	/* Wall first: a reader that sees the new monotonic time (the queue's dispatcher decides
	 * with it that a poll is due, then reads the wall time for the SQL) sees the new wall
	 * time too. */
	__atomic_add_fetch(&c->wall_ms, ms, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&c->mono_ns, ms * 1000000, __ATOMIC_ACQ_REL);
}

int64_t th_clock_now(th_clock_t *c)
{
	return wall(c);
}

seam_clock_t th_clock_get(th_clock_t *c)
{
	return (seam_clock_t){.now_ms = wall, .mono_ns = mono, .ud = c};
}
