/*
 * loadgen.h: a small closed-loop HTTP/1.1 load generator for the benchmarks, so the ceiling
 * (a static nginx) and seam are driven by the same client with the same connections.
 *
 * `conns` keep-alive connections on one epoll thread; each sends the next request of a shared
 * pre-built list (so every request can be unique, e.g. a differently signed webhook), waits for
 * the whole response (Content-Length), records the latency, and sends again, until `duration_ms`
 * passes or the list runs out. Loopback only.
 */
#ifndef SEAM_BENCH_LOADGEN_H
#define SEAM_BENCH_LOADGEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_opts {
	int port;              /* 127.0.0.1:port */
	int conns;             /* concurrent connections */
	int64_t duration_ms;   /* stop after this long */
	char **reqs;           /* full raw requests (request line, headers, body) */
	size_t *lens;
	size_t nreqs;          /* the run stops early when all were sent */
} lg_opts_t;

typedef struct lg_result {
	double seconds;
	long done, ok2xx, other, errors;
	double rps;            /* 2xx responses per second */
	double p50_ms, p99_ms;
} lg_result_t;

int lg_run(const lg_opts_t *o, lg_result_t *r);

/* Median of n doubles (sorts a copy). */
double lg_median(const double *v, int n);

#endif
