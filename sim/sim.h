/*
 * sim.h: the upstream simulators, and the assembly of the doubles from sim.yaml. Their own
 * binary (sim/main.c, build/seam-sim; never linked into build/seam),
 *
 *   seam-sim [-c sim.yaml] [--help]
 *
 * starts every configured double (drupal, erp, pim, psp, tax) on its own loopback port in this
 * one process, prints one line per double ("sim: drupal http://127.0.0.1:8101"), runs until
 * SIGTERM or SIGINT, then stops cleanly. A config without any double's section starts all five
 * with defaults on free ports.
 *
 * Top-level keys of sim.yaml: seed (integer; the same seed seeds the same data and fault
 * draws), log (debug|info|warn|error), calls (recorded calls kept per double), body_cap (bytes
 * of each recorded body), and one section per double (docs/sim.md).
 *
 * The doubles share no code with seam's connectors or flows: only core utilities (the HTTP
 * server, jansson, crypto, ids, clock, log). Thread-safety: create/destroy from one thread;
 * the doubles serve from the HTTP pool.
 */
#ifndef SEAM_SIM_SIM_H
#define SEAM_SIM_SIM_H

#include <stddef.h>

#include "core/err.h"
#include "sim/sim_config.h"
#include "sim/sim_core.h"
#include "sim/sim_send.h"

typedef struct seam_sim seam_sim_t;

typedef struct seam_sim_opts {
	seam_sim_transport_fn transport; /* NULL = libcurl (tests deliver in memory) */
	void *tctx;
	seam_sim_exchange_fn exchange;   /* NULL = libcurl (the ERP's validation handshake) */
	void *xctx;
	seam_log_t *log;                 /* may be NULL; borrowed, must outlive the doubles */
} seam_sim_opts_t;

/* Builds and seeds the configured doubles (no sockets yet). cfg is borrowed for the call.
 * opts may be NULL. Returns owned (seam_sim_destroy). */
seam_err_t seam_sim_create(const seam_sim_config_t *cfg, const seam_sim_opts_t *opts,
			   seam_sim_t **out, seam_error_t *err);
void seam_sim_destroy(seam_sim_t *s);

size_t seam_sim_count(const seam_sim_t *s);
/* The i-th double, its name and its configured listen address. */
seam_sim_double_t *seam_sim_at(seam_sim_t *s, size_t i);
const char *seam_sim_listen_at(const seam_sim_t *s, size_t i);
int seam_sim_threads_at(const seam_sim_t *s, size_t i);
/* By name ("drupal"), or NULL when not configured. */
seam_sim_double_t *seam_sim_get(seam_sim_t *s, const char *name);
/* The double's module object (seam_sim_drupal_t *, ...), for tests. */
void *seam_sim_impl(seam_sim_t *s, const char *name);
/* Wakes every handler that sleeps (timeouts, latency) so that a stop is prompt. */
void seam_sim_stopping(seam_sim_t *s);

#endif
