/*
 * sim_send.h: outbound webhooks of the doubles that send (the storefront's order events, the
 * payment provider's notifications), delivered the way the real senders do it:
 *
 *   - a pool of worker threads POSTs each delivery; a 2xx answer ends it;
 *   - any other answer, or no answer, is retried on a schedule (bounded for tests: "attempts"
 *     and "backoff" in the config), with the same event id and a fresh timestamp and signature
 *     on every attempt (Standard Webhooks and Stripe sign per attempt);
 *   - a delivery may ask that only transient failures be retried (no answer, 408, 429, 5xx)
 *     and any other non-2xx answer end it at once, outcome "rejected" (Business Central's
 *     notifications), and may ask to be told how each copy ended (a callback from the worker,
 *     without the sender's lock held);
 *   - faults from the double's rule set (sim_fault.h) apply per event: duplicate (k copies,
 *     optionally at once), reorder (hold a batch, then send it shuffled), lose;
 *   - every attempt is logged in a bounded ring, readable as JSON (GET /_sim/deliveries).
 *
 * The transport is pluggable so unit tests can deliver in memory; the default is libcurl.
 *
 * Thread-safety: all functions may be called from any thread. Ownership: the request's strings
 * are copied; the faults and rng are borrowed and must outlive the sender.
 */
#ifndef SEAM_SIM_SEND_H
#define SEAM_SIM_SEND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "sim/sim_config.h"
#include "sim/sim_core.h"
#include "sim/sim_fault.h"

typedef enum seam_sim_sign_e {
	SEAM_SIM_SIGN_NONE = 0,   /* body already signed (Adyen) or unsigned */
	SEAM_SIM_SIGN_STANDARD,   /* webhook-id / webhook-timestamp / webhook-signature */
	SEAM_SIM_SIGN_STRIPE,     /* Stripe-Signature */
	SEAM_SIM_SIGN_AKENEO,     /* X-Akeneo-Request-Timestamp / -Signature (sim_pim_events.h) */
} seam_sim_sign_e;

/* Returns the HTTP status, or -1 when no answer came (err says why). */
typedef int (*seam_sim_transport_fn)(void *tctx, const char *url, const seam_sim_kv_t *hdr,
				     size_t nhdr, const char *body, size_t len,
				     int64_t timeout_ms, char *err, size_t errcap);

/* One POST whose answer the double reads (Business Central's validation handshake): returns
 * the HTTP status, or -1 when no answer came within timeout_ms (err says why), and the first
 * respcap - 1 bytes of the answer's body in resp (NUL-terminated). ctype may be NULL. */
typedef int (*seam_sim_exchange_fn)(void *xctx, const char *url, const char *ctype,
				    const char *body, size_t len, int64_t timeout_ms, char *resp,
				    size_t respcap, char *err, size_t errcap);

/* The default exchange: libcurl, redirects not followed. xctx is unused. */
int seam_sim_exchange_http(void *xctx, const char *url, const char *ctype, const char *body,
			   size_t len, int64_t timeout_ms, char *resp, size_t respcap, char *err,
			   size_t errcap);

/* How one copy of a delivery ended: outcome "delivered" (status 2xx), "failed" (attempts used
 * up; status of the last, -1 for no answer) or "rejected" (a final answer, see
 * retry_transient). body is the
 * delivery's body, borrowed for the call. */
typedef void (*seam_sim_done_fn)(void *ctx, const char *event_id, const char *body, size_t len,
				 int status, const char *outcome);

typedef struct seam_sim_sender_opts {
	const char *name;          /* for the log ("psp", "drupal") */
	int workers;               /* 0 = 8 */
	int attempts;              /* total tries per delivery; 0 = 5 */
	const int64_t *backoff_ms; /* delays before retry 1, 2, ...; the last repeats */
	size_t nbackoff;           /* 0 = 100, 200, 400, 800 ms */
	int64_t timeout_ms;        /* per attempt; 0 = 5000 */
	size_t log_cap;            /* 0 = 5000 */
	seam_sim_faults_t *faults; /* may be NULL */
	uint64_t seed;             /* for shuffles */
	seam_sim_transport_fn transport; /* NULL = libcurl */
	void *tctx;
} seam_sim_sender_opts_t;

typedef struct seam_sim_delivery {
	const char *url;
	const char *body;
	size_t len;
	const char *event_id;      /* for the log, and the webhook-id of Standard Webhooks */
	const char *event_type;
	seam_sim_sign_e sign;
	const char *secret;        /* for sign */
	int copies;                /* extra duplicates asked by the control API; 0/1 = one */
	int concurrent;
	int hold;                  /* hold until seam_sim_sender_release() */
	int lose;                  /* log it as lost and never send it (configured drop rates) */
	int retry_transient;       /* retry only 408, 429, 5xx, no answer; else "rejected" */
	seam_sim_done_fn done;     /* may be NULL; done_ctx must outlive the sender */
	void *done_ctx;
} seam_sim_delivery_t;

/* What sim.c hands every double's constructor. */
typedef struct seam_sim_env {
	uint64_t seed;
	seam_sim_faults_t *faults;       /* the double's rule set (borrowed) */
	seam_sim_transport_fn transport; /* NULL = libcurl; tests deliver in memory */
	void *tctx;
	seam_sim_exchange_fn exchange;   /* NULL = seam_sim_exchange_http */
	void *xctx;
	seam_log_t *log;                 /* may be NULL: what a double reports on its own */
} seam_sim_env_t;

/* Starts the workers. Returns owned (seam_sim_sender_destroy) or NULL. */
seam_sim_sender_t *seam_sim_sender_create(const seam_sim_sender_opts_t *opts);
/* Stops the workers (deliveries not yet sent are dropped and logged) and frees. NULL ok. */
void seam_sim_sender_destroy(seam_sim_sender_t *s);

/* Queues one event (and its copies); returns at once with the number of copies queued or
 * held: 0 when it was lost (d->lose or a lose rule), more than 1 when duplicated. */
int seam_sim_sender_send(seam_sim_sender_t *s, const seam_sim_delivery_t *d);
/* Sends everything held, shuffled when shuffle is set. Returns how many were released. */
size_t seam_sim_sender_release(seam_sim_sender_t *s, int shuffle);
/* Waits until nothing is queued or in flight (held deliveries do not count), up to
 * timeout_ms. Returns 0, or -1 on timeout. */
int seam_sim_sender_flush(seam_sim_sender_t *s, int64_t timeout_ms);
/* The delivery log, oldest first, entries with seq > since (new reference):
 * [{seq, time, event_id, event_type, url, copy, attempt, status, outcome, error}] with outcome
 * delivered | retrying | failed | rejected | lost | held | dropped. */
json_t *seam_sim_sender_log(seam_sim_sender_t *s, int64_t since, size_t limit);
/* Counts (new reference): {queued, held, in_flight, delivered, failed, rejected, lost}. */
json_t *seam_sim_sender_stats(seam_sim_sender_t *s);
/* Forgets the log and held deliveries (POST /_sim/reset). */
void seam_sim_sender_reset(seam_sim_sender_t *s);


/* Reads {attempts, backoff: [durations], timeout, workers} from obj (may be NULL) into opts;
 * backoff durations go into buf (16 entries). */
seam_err_t seam_sim_sender_opts_read(const seam_sim_config_t *cfg, const json_t *obj,
				     seam_sim_sender_opts_t *opts, int64_t buf[16],
				     seam_error_t *err);

#endif
