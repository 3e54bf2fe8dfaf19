/*
 * sim_http.h: serves a double over HTTP with src/http/server.h. Every route of the double and
 * of the control API is registered with the server (SEAM_ROUTE_RAW_BODY: the doubles read
 * their own bodies, form-encoded or JSON) and lands in one entry handler that turns the
 * request into a seam_sim_call_t and runs seam_sim_double_handle().
 * Closing a connection without an answer (outage "close", drop, drop_after_commit) uses
 * seam_http_drop().
 *
 * Thread-safety: start/stop from one thread; requests are served by the server's pool.
 */
#ifndef SEAM_SIM_HTTP_H
#define SEAM_SIM_HTTP_H

#include "core/err.h"
#include "core/log.h"
#include "sim/sim_core.h"

typedef struct seam_sim_listener seam_sim_listener_t;

/* Binds listen ("127.0.0.1:0" for a free port), sets the double's base URL. d is borrowed and
 * must outlive the listener. Returns owned (seam_sim_http_stop). */
seam_err_t seam_sim_http_start(seam_sim_double_t *d, const char *listen, int threads,
			       seam_log_t *log, seam_sim_listener_t **out, seam_error_t *err);
int seam_sim_http_port(const seam_sim_listener_t *l);
/* Stops serving and frees. NULL ok. */
void seam_sim_http_stop(seam_sim_listener_t *l);

#endif
