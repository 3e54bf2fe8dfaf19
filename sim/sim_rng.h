/*
 * sim_rng.h: the simulators' deterministic random numbers (splitmix64 to seed, xoshiro256** to
 * draw). The same seed gives the same sequence on every machine, so the same sim.yaml seeds the
 * same data and, for a given order of calls, the same fault decisions.
 *
 * Streams are derived from (seed, name): every double and every purpose (data, faults,
 * delivery) has its own stream, so adding a double or a call of one kind does not shift the
 * numbers another draws.
 *
 * Thread-safety: a seam_sim_rng_t is plain data; seam_sim_rng_* functions that draw are not
 * synchronised. The *_locked variants take the rng's own mutex and may be called from any
 * thread (fault decisions are drawn from handler threads).
 */
#ifndef SEAM_SIM_RNG_H
#define SEAM_SIM_RNG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct seam_sim_rng {
	uint64_t s[4];
	pthread_mutex_t mu;
} seam_sim_rng_t;

/* Seeds rng from seed and a stream name (NULL for none). Initialises the mutex. */
void seam_sim_rng_init(seam_sim_rng_t *rng, uint64_t seed, const char *stream);
void seam_sim_rng_dispose(seam_sim_rng_t *rng);

uint64_t seam_sim_rng_next(seam_sim_rng_t *rng);
/* Uniform in [0, 1). */
double seam_sim_rng_double(seam_sim_rng_t *rng);
/* Uniform integer in [lo, hi] (inclusive); lo when hi <= lo. */
int64_t seam_sim_rng_range(seam_sim_rng_t *rng, int64_t lo, int64_t hi);
/* A UUID (version 4 layout) drawn from the stream: deterministic ids for seeded data. */
void seam_sim_rng_uuid(seam_sim_rng_t *rng, char out[37]);
/* n lower-case hex/alphanumeric characters from the stream, NUL-terminated (out has n+1). */
void seam_sim_rng_alnum(seam_sim_rng_t *rng, char *out, size_t n);
/* Fisher-Yates shuffle of n pointers. */
void seam_sim_rng_shuffle(seam_sim_rng_t *rng, void **items, size_t n);

/* Locked variants for draws from several threads. */
double seam_sim_rng_double_locked(seam_sim_rng_t *rng);
void seam_sim_rng_uuid_locked(seam_sim_rng_t *rng, char out[37]);

/* 64-bit FNV-1a of a string (stream names, stable hashes). */
uint64_t seam_sim_hash(const char *s);

#endif
