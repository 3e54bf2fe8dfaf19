/*
 * flow.h: what every flow gets from the process: config, store, logs, metrics, the job queue
 * and the upstream clients by name. Filled by the app (api/serve.c); flows never reach up into
 * the api layer. Everything is borrowed and outlives the flows.
 */
#ifndef SEAM_FLOWS_FLOW_H
#define SEAM_FLOWS_FLOW_H

#include <jansson.h>

#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/client.h"
#include "queue/queue.h"
#include "store/store.h"

/* Flows (bulkheads and kill switches) and the job kinds that run in them. */
#define SEAM_FLOW_PAYMENTS "payments"
#define SEAM_FLOW_ORDERS "orders"
#define SEAM_JOB_PAYMENT_APPLY "payment.apply"
#define SEAM_JOB_ORDER_EXPORT "order.export"
#define SEAM_JOB_ORDER_CANCEL "order.cancel"
#define SEAM_JOB_ORDER_POLL "order.poll"

/*
 * The registered flows: one row per flow, read by everything that takes a flow name from a
 * person (`seam ctl flow|jobs|dlq`, /v1/flows, /v1/jobs?flow=, the flows: config section), so a
 * typo is refused instead of creating a kill switch for a flow that does not exist. Every
 * registered flow is listed by `flow list` from the start, before its first job. (A later issue
 * grows this into the app's flow registry; adding a flow is adding a row.)
 */
typedef struct seam_job_subject {
	char store[64];         /* "" when unknown */
	char order_uuid[64];    /* "" when unknown */
	char order_number[64];  /* "" when unknown */
} seam_job_subject_t;

typedef struct seam_flow_def {
	const char *name;    /* the flow name jobs carry */
	const char *summary; /* one line, for listings */
	const char *kinds;   /* the job kinds it runs, comma-separated */
	/* What one of its jobs is about, from its payload (borrowed) and what the store knows;
	 * fills what it can. Reads only. */
	void (*subject)(seam_db_t *db, const char *kind, const json_t *payload,
			seam_job_subject_t *out);
} seam_flow_def_t;

/* The table, by name. */
const seam_flow_def_t *seam_flows_registered(size_t *n);
/* The registered flow called name, or NULL. */
const seam_flow_def_t *seam_flow_find(const char *name);
/* SEAM_OK when name is a registered flow; else SEAM_NOTFOUND with the message
 * "no flow named 'X' (flows: orders, payments)". */
seam_err_t seam_flow_check_name(const char *name, seam_error_t *err);
/* The registered names into names[0..cap) (borrowed, static); returns how many. */
size_t seam_flow_names(const char **names, size_t cap);

/* For operators (dead-letter lists): adds "store" and "order_number" (null when unknown) to
 * each job object of the array, from its "flow", "kind" and "payload" (list with
 * seam_job_filter_t.with_payload), then removes "payload". Jobs of an unregistered flow get
 * nulls. Reads only; one store connection for the whole array. */
void seam_flows_describe_jobs(seam_store_t *st, json_t *jobs);

typedef struct seam_flow_env {
	const seam_config_t *cfg;
	seam_store_t *store;
	seam_log_t *log;
	seam_metrics_t *metrics;
	seam_queue_t *queue;
	/* The client of a configured upstream, or NULL when none has that name. */
	seam_upstream_t *(*upstream)(void *ud, const char *name);
	void *upstream_ud;
} seam_flow_env_t;

/* Checks the config sections the flows read (flows.<name>, payment_events.<provider>):
 * unknown flow names, unknown canonical event types. Adds one diagnostic per problem and
 * returns how many. Used by `seam serve` (refuses to start) and `seam check`. */
size_t seam_flows_check_config(const seam_config_t *cfg, seam_cfg_diag_t *diag);

/* Applies flows.<name>.max_concurrency to the queue (before it starts). */
seam_err_t seam_flows_apply_limits(const seam_config_t *cfg, seam_queue_t *q, seam_error_t *err);

/* Maps an upstream call's outcome onto a job outcome: retryable classes stay retryable (with
 * Retry-After), an open breaker or a full bulkhead defers without burning an attempt,
 * permanent stays permanent. msg goes to the job's attempt log. */
seam_err_t seam_flow_job_error(seam_err_t rc, int64_t retry_after_ms, const char *what,
			       const seam_error_t *err, void *res /* seam_job_result_t * */);

#endif
