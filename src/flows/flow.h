/*
 * flow.h: what a flow is to the rest of seam: the row it declares in the flow registry
 * (seam_flow_def_t: name, config section, check, create/destroy, job kinds, metrics, ctl
 * commands), what it gets from the process (seam_flow_env_t: its config, the stores, store,
 * logs, metrics, the job queue and the upstream clients by name), and the registry as the
 * layers above see it (seam_flows_t). The composition root (app/) owns the registry's one
 * table and fills the env; flows never reach up. Everything is borrowed and outlives the
 * flows. Adding a flow: docs/hacking.md, "Adding a flow".
 */
#ifndef SEAM_FLOWS_FLOW_H
#define SEAM_FLOWS_FLOW_H

#include <jansson.h>
#include <stdio.h>

#include "contract/registry.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "flows/stores.h"
#include "http/client.h"
#include "queue/queue.h"
#include "store/store.h"

typedef struct seam_job_subject {
	char store[64];         /* "" when unknown */
	char order_uuid[64];    /* "" when unknown */
	char order_number[64];  /* "" when unknown */
} seam_job_subject_t;

/* What every flow gets from the process. The config fields are borrowed from the loaded
 * config; at start-up validation (def->check) only they are set (no store, no queue). */
typedef struct seam_flow_env {
	const seam_cfg_map_t *stores;    /* stores: of seam_config_store_t (flows/stores.h) */
	const seam_cfg_map_t *sources;   /* sources: of seam_config_source_t */
	const seam_cfg_map_t *upstreams; /* upstreams: of seam_upstream_config_t
					  * (http/client_config.h) */
	const char *mappings;            /* directory of the Lua mappings */
	const seam_contracts_t *contracts; /* the contract registry (mapping output is checked
					    * against it); NULL at start-up validation */
	const void *config;              /* the flow's own section (def->config), else NULL */
	seam_store_t *store;
	seam_log_t *log;
	seam_metrics_t *metrics;
	seam_queue_t *queue;
	/* The client of a configured upstream, or NULL when none has that name. */
	seam_upstream_t *(*upstream)(void *ud, const char *name);
	void *upstream_ud;
} seam_flow_env_t;

/* A job kind a flow runs: the root registers run on the queue with the flow's instance (what
 * create returned) as ud, before the workers start. */
typedef struct seam_flow_job {
	const char *kind;
	seam_job_fn run;
} seam_flow_job_t;

/* A `seam ctl` command a flow adds (listed by `seam ctl --help`, run against the store). */
typedef struct seam_flow_cmd_ctx {
	seam_store_t *store; /* the instance's store (borrowed) */
	const void *config;  /* the flow's own config section (def->config), else NULL */
	const seam_cfg_map_t *stores; /* the instance's stores: (seam_config_store_t), or NULL */
	int json;            /* --json was given */
	FILE *out, *err;
} seam_flow_cmd_ctx_t;

typedef struct seam_flow_cmd {
	const char *name;    /* the command word: seam ctl NAME ... */
	const char *usage;   /* what follows "seam ctl" */
	const char *summary; /* one line */
	/* argv[0] is the command name. Returns the exit code (0 ok, 1 failed, 2 usage). */
	int (*run)(const seam_flow_cmd_ctx_t *ctx, int argc, char **argv);
	/* NULL-terminated words the command takes as its first argument when several flows
	 * share the command word (seam ctl sync catalog | sync stock): ctl picks the flow whose
	 * list has argv[1] (and the first such command for help). NULL: any. */
	const char *const *actions;
	/* 1: run answers --help itself (its whole usage), called with no store (ctx->store
	 * NULL); 0: ctl prints usage and summary. */
	int own_help;
} seam_flow_cmd_t;

/*
 * One flow, as it declares itself to the registry (app/registry.c lists these, one row per
 * flow). Each flow defines its own in its own file (payments.c, orders.c); the root reads
 * nothing else of it, so adding a flow edits no other module. Everything but name, summary
 * and create may be NULL / 0.
 */
typedef struct seam_flow_def {
	const char *name;    /* the flow name jobs carry, kill switches and flows.<name> use */
	const char *summary; /* one line, for listings */
	/* Its own top-level section of seam.yaml (payment_events), with its one-line doc and its
	 * table; the root schema gets one row for it, after the root's own rows. */
	const char *config_key;
	const char *config_doc;
	const seam_cfg_schema_t *config;
	/* Start-up validation of what its table cannot say, run by `seam check` and by serve
	 * before anything starts. Adds one diagnostic per problem to chk. */
	void (*check)(const seam_flow_env_t *env, const seam_cfg_check_t *chk);
	/* Builds the flow (before the queue starts): *out is owned, freed with destroy after the
	 * queue stopped. */
	seam_err_t (*create)(const seam_flow_env_t *env, void **out, seam_error_t *err);
	void (*destroy)(void *flow);
	/* After every flow is created, before the workers and the listener start: checks that
	 * need the upstreams. SEAM_CONFIG refuses to start with exit code 2. */
	seam_err_t (*start)(void *flow, seam_error_t *err);
	const seam_flow_job_t *jobs; /* the job kinds it runs */
	size_t njobs;
	const seam_metric_id_e *metrics; /* its rows of SEAM_METRICS (core/metrics.h) */
	size_t nmetrics;
	const seam_flow_cmd_t *cmds; /* its `seam ctl` commands */
	size_t ncmds;
	/* What one of its jobs is about, from its payload (borrowed) and what the store knows;
	 * fills what it can. Reads only. For dead-letter listings and trace. */
	void (*subject)(seam_db_t *db, const char *kind, const json_t *payload,
			seam_job_subject_t *out);
} seam_flow_def_t;

/*
 * The registered flows, as the root hands them down (to the API, ctl, the checks): everything
 * that takes a flow name from a person (`seam ctl flow|jobs|dlq`, /v1/flows, /v1/jobs?flow=,
 * the flows: config section) reads this, so a typo is refused instead of creating a kill
 * switch for a flow that does not exist, and every registered flow is listed by `flow list`
 * from the start, before its first job.
 */
typedef struct seam_flows {
	const seam_flow_def_t *const *defs;
	size_t n;
} seam_flows_t;

/* The registered flow called name, or NULL. */
const seam_flow_def_t *seam_flows_find(const seam_flows_t *fl, const char *name);
/* SEAM_OK when name is a registered flow; else SEAM_NOTFOUND with the message
 * "no flow named 'X' (flows: orders, payments)". */
seam_err_t seam_flows_check_name(const seam_flows_t *fl, const char *name, seam_error_t *err);
/* The registered names into names[0..cap) (borrowed, static); returns how many. */
size_t seam_flows_names(const seam_flows_t *fl, const char **names, size_t cap);
/* "orders, payments" into buf (kinds: their job kinds, "order.export, ..., payment.apply").
 * Returns buf. */
const char *seam_flows_list(const seam_flows_t *fl, int kinds, char *buf, size_t cap);

/* For operators (dead-letter lists): adds "store" and "order_number" (null when unknown) to
 * each job object of the array, from its "flow", "kind" and "payload" (list with
 * seam_job_filter_t.with_payload), then removes "payload". Jobs of an unregistered flow get
 * nulls. Reads only; one store connection for the whole array. */
void seam_flows_describe_jobs(const seam_flows_t *fl, seam_store_t *st, json_t *jobs);

/* Maps an upstream call's outcome onto a job outcome: retryable classes stay retryable (with
 * Retry-After), an open breaker or a full bulkhead defers without burning an attempt,
 * permanent stays permanent. msg goes to the job's attempt log. */
seam_err_t seam_flow_job_error(seam_err_t rc, int64_t retry_after_ms, const char *what,
			       const seam_error_t *err, void *res /* seam_job_result_t * */);

#endif
