/*
 * backoff.c: full-jitter exponential backoff and the Retry-After floor (see backoff.h).
 * Thread-safety: pure functions.
 */
#include "core/backoff.h"

int64_t seam_backoff_ceiling_ms(int attempt, int64_t base_ms, int64_t cap_ms)
{
	int64_t c = base_ms;
	if (base_ms <= 0 || cap_ms <= 0)
		return 0;
	if (attempt < 0)
		attempt = 0;
	/* Double until the cap is reached; at most 63 doublings before the cap must win. */
	for (int i = 0; i < attempt && c < cap_ms; i++) {
		if (c > INT64_MAX / 2) {
			c = cap_ms;
			break;
		}
		c *= 2;
	}
	return c < cap_ms ? c : cap_ms;
}

int64_t seam_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t rand)
{
	int64_t ceiling = seam_backoff_ceiling_ms(attempt, base_ms, cap_ms);
	if (ceiling <= 0)
		return 0;
	/* ceiling + 1 values; ceiling < INT64_MAX because cap is an int64_t and we never add. The
	 * modulo bias is at most ceiling / 2^64, irrelevant for delays. */
	return (int64_t)(rand % ((uint64_t)ceiling + 1));
}

int64_t seam_backoff_after_ms(int failures, int64_t base_ms, int64_t cap_ms, uint64_t rand,
			      int64_t retry_after_ms)
{
	int64_t d = seam_backoff_ms(failures > 1 ? failures - 1 : 0, base_ms, cap_ms, rand);
	return d > retry_after_ms ? d : retry_after_ms;
}
