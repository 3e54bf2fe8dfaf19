/*
 * ids.c: UUIDv7 row ids, UUIDv4, correlation ids and W3C traceparent.
 *
 * UUIDv7 layout (RFC 9562 section 5.7), 128 bits from the most significant:
 *   48  unix_ts_ms
 *    4  version 0111
 *   12  rand_a   } a 42-bit counter (RFC 9562 section 6.2, method 1): seeded randomly
 *    2  variant 10 } with its top bit clear on each new millisecond, incremented by one
 *   30  rand_b hi } for each further id in the same millisecond
 *   32  rand_b lo   fresh random bits on every id
 * So ids made by one process sort strictly by creation order, also when the wall clock steps
 * back (the last timestamp is kept until the clock passes it) and when more than 2^41 ids are
 * made in one millisecond (the timestamp is then advanced by one, as section 6.2 permits).
 *
 * The last timestamp and counter are the one piece of process-wide state in this module: the
 * ordering promise is per process, so the state has to be too. It sits under a mutex that
 * guards two integers; random bytes are drawn before taking it.
 *
 * Thread-safety: every function is reentrant; seam_id_new serialises on that mutex.
 */
#include "core/ids.h"

#include "core/clock.h"
#include "core/crypto.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define SEQ_BITS 42
#define SEQ_LIMIT ((uint64_t)1 << SEQ_BITS)

static pthread_mutex_t v7_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t v7_last_ms = -1;
static uint64_t v7_seq;

/* The random bits of ids come from a per-thread pool that getrandom(2) (the kernel's CSPRNG)
 * refills POOL bytes at a time: ids are made on the group committer's path, where RAND_bytes
 * (a lock and a DRBG call per id) was 5% of its time. A fork would leave the child replaying
 * its parent's pool (the same ids twice), so a fork invalidates every pool: the child's handler
 * bumps a generation that each pool compares before use. */
#define POOL 256

static _Thread_local struct {
	uint8_t b[POOL];
	size_t left;   /* unused bytes, at the end of b */
	unsigned gen;  /* fork_gen when filled */
} pool;
static unsigned fork_gen = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
	__atomic_add_fetch(&fork_gen, 1, __ATOMIC_RELAXED);
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, on_fork_child);
}

static void die_rng(void)
{
	/* An id that might repeat is worse than no process: the RNG failing is not survivable. */
	fprintf(stderr, "seam: fatal: random number generator failed\n");
	abort();
}

static void kernel_random(uint8_t *out, size_t len)
{
	while (len > 0) {
		ssize_t got = getrandom(out, len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			die_rng();
		out += got;
		len -= (size_t)got;
	}
}

static void random_or_die(void *out, size_t len)
{
	pthread_once(&atfork_once, register_atfork);
	unsigned gen = __atomic_load_n(&fork_gen, __ATOMIC_RELAXED);
	if (len > POOL) {
		kernel_random(out, len);
		return;
	}
	if (pool.gen != gen || pool.left < len) {
		kernel_random(pool.b, POOL);
		pool.left = POOL;
		pool.gen = gen;
	}
	uint8_t *from = pool.b + (POOL - pool.left);
	memcpy(out, from, len);
	memset(from, 0, len); /* used bits do not stay behind */
	pool.left -= len;
}

static void uuid_format(const uint8_t b[16], char out[SEAM_UUID_STR_LEN])
{
	char hex[33];
	seam_hex_encode(b, 16, hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
}

void seam_id_new(char out[SEAM_UUID_STR_LEN])
{
	uint8_t r[10], b[16];
	uint64_t seed, seq;
	int64_t now, ms;

	random_or_die(r, sizeof r);
	seed = 0;
	for (int i = 0; i < 6; i++)
		seed = seed << 8 | r[i];
	seed &= (SEQ_LIMIT >> 1) - 1; /* top bit clear: room for 2^41 increments */
	now = seam_now_ms();

	pthread_mutex_lock(&v7_lock);
	if (now > v7_last_ms) {
		v7_last_ms = now;
		v7_seq = seed;
	} else if (++v7_seq >= SEQ_LIMIT) {
		v7_last_ms++;
		v7_seq = seed;
	}
	ms = v7_last_ms;
	seq = v7_seq;
	pthread_mutex_unlock(&v7_lock);

	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)((uint64_t)ms >> (40 - 8 * i));
	b[6] = (uint8_t)(0x70 | (seq >> 38 & 0x0f));
	b[7] = (uint8_t)(seq >> 30);
	b[8] = (uint8_t)(0x80 | (seq >> 24 & 0x3f));
	b[9] = (uint8_t)(seq >> 16);
	b[10] = (uint8_t)(seq >> 8);
	b[11] = (uint8_t)seq;
	memcpy(b + 12, r + 6, 4);
	uuid_format(b, out);
}

void seam_uuid4(char out[SEAM_UUID_STR_LEN])
{
	uint8_t b[16];
	random_or_die(b, sizeof b);
	b[6] = (uint8_t)(0x40 | (b[6] & 0x0f));
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
	uuid_format(b, out);
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int seam_uuid_valid(const char *s)
{
	if (!s)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex(s[i])) {
			return 0;
		}
	}
	return s[36] == '\0';
}

/* n lower-case hex digits, not all '0'. */
static int lhex_nonzero(const char *s, size_t n)
{
	int nonzero = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_lhex(s[i]))
			return 0;
		nonzero |= s[i] != '0';
	}
	return nonzero;
}

static int lhex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_lhex(s[i]))
			return 0;
	return 1;
}

/*
 * W3C Trace Context: "vv-<32>-<16>-ff", 55 characters. Version ff is forbidden. Version 00
 * must be exactly 55 characters; for a later version the first 55 are read with the 00 layout
 * and anything after them must start with '-', so a newer sender still joins the trace.
 */
int seam_traceparent_parse(const char *tp, char trace_id[33], char parent_id[17], uint8_t *flags)
{
	size_t len;
	if (!tp)
		return -1;
	len = strnlen(tp, 56);
	if (len < 55)
		return -1;
	if (!lhex_run(tp, 2) || (tp[0] == 'f' && tp[1] == 'f'))
		return -1;
	if (tp[0] == '0' && tp[1] == '0') {
		if (len != 55)
			return -1;
	} else if (len > 55 && tp[55] != '-') {
		return -1;
	}
	if (tp[2] != '-' || tp[35] != '-' || tp[52] != '-')
		return -1;
	if (!lhex_nonzero(tp + 3, 32) || !lhex_nonzero(tp + 36, 16) || !lhex_run(tp + 53, 2))
		return -1;
	if (trace_id) {
		memcpy(trace_id, tp + 3, 32);
		trace_id[32] = '\0';
	}
	if (parent_id) {
		memcpy(parent_id, tp + 36, 16);
		parent_id[16] = '\0';
	}
	if (flags) {
		uint8_t f;
		seam_hex_decode(tp + 53, 2, &f, 1);
		*flags = f;
	}
	return 0;
}

void seam_traceparent_make(const char *trace_id, char out[56])
{
	char tid[33], pid[17];
	uint8_t span[8];
	/* Normalises whatever the caller has into a valid, non-zero trace id. */
	seam_cid_trace_id(trace_id ? trace_id : "", tid);
	for (;;) {
		random_or_die(span, sizeof span);
		seam_hex_encode(span, sizeof span, pid);
		if (lhex_nonzero(pid, 16))
			break;
	}
	snprintf(out, 56, "00-%s-%s-01", tid, pid);
}

static int cid_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == ':' || c == '-';
}

void seam_cid_from_headers(const char *traceparent, const char *x_correlation_id,
			   char out[SEAM_CID_MAX])
{
	size_t n = 0;
	if (traceparent && seam_traceparent_parse(traceparent, out, NULL, NULL) == 0)
		return;
	/* Characters outside the safe set are dropped (they could forge log fields or break a
	 * header when echoed); the rest is kept up to 64 characters. */
	if (x_correlation_id)
		for (const char *p = x_correlation_id; *p && n < SEAM_CID_MAX - 1; p++)
			if (cid_char_ok(*p))
				out[n++] = *p;
	out[n] = '\0';
	if (n == 0)
		seam_cid_new(out);
}

/*
 * A new correlation id: 48 bits of Unix milliseconds, then 80 random bits (as AWS X-Ray
 * time-prefixes its trace ids). Still 32 lower-case hex digits and a valid W3C trace id, but
 * ids made close in time sort close together, so the store's correlation-id indexes take
 * appends instead of writes to random pages (that was a third of the webhook ingress cost).
 * 80 random bits keep collisions within one millisecond out of reach.
 */
void seam_cid_new(char out[SEAM_CID_MAX])
{
	uint8_t b[16];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)(ms >> (40 - 8 * i));
	random_or_die(b + 6, sizeof b - 6);
	seam_hex_encode(b, sizeof b, out);
}

void seam_cid_trace_id(const char *cid, char out[33])
{
	char hex[2 * SEAM_SHA256_LEN + 1];
	size_t len = cid ? strnlen(cid, 33) : 0;
	if (len == 32) {
		int ok = 1;
		for (size_t i = 0; i < 32 && ok; i++) {
			ok = is_hex(cid[i]);
			out[i] = (char)(cid[i] >= 'A' && cid[i] <= 'F' ? cid[i] - 'A' + 'a' : cid[i]);
		}
		out[32] = '\0';
		if (ok && lhex_nonzero(out, 32))
			return;
	}
	seam_sha256_hex(cid ? cid : "", cid ? strlen(cid) : 0, hex);
	memcpy(out, hex, 32);
	out[32] = '\0';
	if (!lhex_nonzero(out, 32)) /* 2^-128; keeps the promise of a valid trace id anyway */
		out[31] = '1';
}
