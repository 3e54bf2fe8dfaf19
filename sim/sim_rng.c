/*
 * sim_rng.c: splitmix64 seeding and xoshiro256** (Blackman and Vigna, public domain algorithm,
 * written here from its description). Deterministic across platforms: only 64-bit integer
 * arithmetic.
 */
#include "sim/sim_rng.h"

#include <string.h>

uint64_t seam_sim_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void seam_sim_rng_init(seam_sim_rng_t *rng, uint64_t seed, const char *stream)
{
	uint64_t x = seed ^ (stream ? seam_sim_hash(stream) : 0);
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
	pthread_mutex_init(&rng->mu, NULL);
}

void seam_sim_rng_dispose(seam_sim_rng_t *rng)
{
	if (rng)
		pthread_mutex_destroy(&rng->mu);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t seam_sim_rng_next(seam_sim_rng_t *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double seam_sim_rng_double(seam_sim_rng_t *rng)
{
	return (double)(seam_sim_rng_next(rng) >> 11) * 0x1.0p-53;
}

int64_t seam_sim_rng_range(seam_sim_rng_t *rng, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	uint64_t span = (uint64_t)(hi - lo) + 1;
	return lo + (int64_t)(seam_sim_rng_next(rng) % span);
}

void seam_sim_rng_uuid(seam_sim_rng_t *rng, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	uint64_t a = seam_sim_rng_next(rng), c = seam_sim_rng_next(rng);
	memcpy(b, &a, 8);
	memcpy(b + 8, &c, 8);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	char *p = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
	}
	*p = '\0';
}

void seam_sim_rng_alnum(seam_sim_rng_t *rng, char *out, size_t n)
{
	static const char set[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	for (size_t i = 0; i < n; i++)
		out[i] = set[seam_sim_rng_next(rng) % (sizeof set - 1)];
	out[n] = '\0';
}

void seam_sim_rng_shuffle(seam_sim_rng_t *rng, void **items, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(seam_sim_rng_next(rng) % i);
		void *t = items[i - 1];
		items[i - 1] = items[j];
		items[j] = t;
	}
}

double seam_sim_rng_double_locked(seam_sim_rng_t *rng)
{
	pthread_mutex_lock(&rng->mu);
	double d = seam_sim_rng_double(rng);
	pthread_mutex_unlock(&rng->mu);
	return d;
}

void seam_sim_rng_uuid_locked(seam_sim_rng_t *rng, char out[37])
{
	pthread_mutex_lock(&rng->mu);
	seam_sim_rng_uuid(rng, out);
	pthread_mutex_unlock(&rng->mu);
}
