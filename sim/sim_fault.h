/*
 * sim_fault.h: run-time fault rules of one double (POST/GET/DELETE /_sim/faults).
 *
 * A rule is JSON: {"kind", "rate" (0..1, default 1), "method" (optional), "path" (prefix,
 * optional), "times" (fire at most this often; 0 = no limit), plus per kind:}
 *   inbound (requests the double receives):
 *     error              answer "status" (default 500) without doing the work
 *     latency            add "ms" (default 1000) before the work, then continue
 *     timeout            hold the answer "ms" (default 30000; past the client's timeout), then
 *                        do the work and answer (the client has gone: the work still happens);
 *                        with "after": true do the work first, then hold the answer (the work
 *                        is done, visible to other callers, before the client gives up: a retry
 *                        meets it)
 *     outage             nothing works: "mode" "503" (default) answers 503, "close" closes the
 *                        connection without an answer
 *     rate_limit         answer 429 with Retry-After: "retry_after" seconds (default 1)
 *     drop               close the connection without doing the work
 *     drop_after_commit  do the work (the order is created), then close without an answer
 *   outbound (webhooks the double sends; "path" is matched against the target URL's path):
 *     duplicate          deliver each event "copies" times (default 2), "concurrent": true to
 *                        send the copies at the same moment
 *     reorder            hold deliveries until "batch" (default 3) are waiting, then send
 *                        them shuffled
 *     lose               never deliver the event (a lost event)
 *
 * Rules are tried in the order they were added. Latency from every firing latency rule adds
 * up; the first firing rule of any other inbound kind decides the outcome. Random draws come
 * from a stream seeded from the config seed, so a given seed and call order fire the same way.
 *
 * Thread-safety: all functions lock the rule set; callable from any thread.
 */
#ifndef SEAM_SIM_FAULT_H
#define SEAM_SIM_FAULT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum seam_sim_fault_kind_e {
	SEAM_SIM_F_NONE = 0,
	SEAM_SIM_F_ERROR,
	SEAM_SIM_F_LATENCY,
	SEAM_SIM_F_TIMEOUT,
	SEAM_SIM_F_OUTAGE,
	SEAM_SIM_F_RATE_LIMIT,
	SEAM_SIM_F_DROP,
	SEAM_SIM_F_DROP_AFTER_COMMIT,
	SEAM_SIM_F_DUPLICATE,
	SEAM_SIM_F_REORDER,
	SEAM_SIM_F_LOSE,
} seam_sim_fault_kind_e;

typedef struct seam_sim_faults seam_sim_faults_t;

/* What an inbound request should suffer. kind NONE: serve normally (after delay_ms). */
typedef struct seam_sim_inbound {
	seam_sim_fault_kind_e kind;
	int status;          /* error, outage(503) */
	int close;           /* outage with mode close */
	int retry_after;     /* rate_limit */
	int64_t delay_ms;    /* summed latency */
	int64_t hold_ms;     /* timeout */
	int after;           /* timeout: the work first, then the hold */
} seam_sim_inbound_t;

/* What an outbound delivery should suffer. */
typedef struct seam_sim_outbound {
	int copies;     /* >= 1 */
	int concurrent;
	int batch;      /* > 1: hold for a shuffled batch */
	int lose;
} seam_sim_outbound_t;

/* Returns owned (seam_sim_faults_destroy), NULL on allocation failure. */
seam_sim_faults_t *seam_sim_faults_create(uint64_t seed, const char *stream);
void seam_sim_faults_destroy(seam_sim_faults_t *f);

/* Adds one rule. On success returns 0 and, when added is not NULL, a new reference to the rule
 * as stored (with its "id"). On a bad rule returns -1 and a message in msg. */
int seam_sim_faults_add(seam_sim_faults_t *f, const json_t *rule, json_t **added, char *msg,
			size_t msgcap);
json_t *seam_sim_faults_list(seam_sim_faults_t *f); /* new reference: array of rules */
void seam_sim_faults_clear(seam_sim_faults_t *f);
int seam_sim_faults_remove(seam_sim_faults_t *f, int64_t id); /* 0, or -1 when absent */

void seam_sim_faults_inbound(seam_sim_faults_t *f, const char *method, const char *path,
			     seam_sim_inbound_t *out);
void seam_sim_faults_outbound(seam_sim_faults_t *f, const char *url_path,
			      seam_sim_outbound_t *out);

const char *seam_sim_fault_name(seam_sim_fault_kind_e kind);

#endif
