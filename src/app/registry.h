/*
 * registry.h: the flow registry, the composition root's one table of flows (registry.c).
 *
 * Each row is a flow's own seam_flow_def_t (flows/flow.h), defined in the flow's file; the
 * registry is the one list of them. Everything that has to know the flows reads it: the root
 * schema (a flow's config section becomes a top-level key, app/config.c), start-up validation
 * (each flow's check, app/check.c), serve (create, job handlers, start hook, destroy:
 * app/serve.c), the `flows:` section (its names, max_concurrency), and, handed down as a
 * seam_flows_t, /v1/flows and /v1/jobs?flow= (api/), `seam ctl flow|jobs|dlq` and the flows'
 * ctl commands (ctl/). Adding a flow is its own files, one row here and its rows in
 * SEAM_METRICS; nothing else is edited (docs/hacking.md, "Adding a flow").
 *
 * Thread-safety: constant after start; share freely.
 */
#ifndef SEAM_APP_REGISTRY_H
#define SEAM_APP_REGISTRY_H

#include "core/config.h"
#include "flows/flow.h"

/* The registered flows, in the order they are listed (and their sections appear in the
 * config reference). Static; never NULL. */
const seam_flows_t *seam_app_flows(void);

/* flows.<name>: run-time limits of one registered flow. */
typedef struct seam_app_flow_limits {
	int64_t max_concurrency;
} seam_app_flow_limits_t;

/* The entry schema of the `flows:` MAP. */
extern const seam_cfg_schema_t seam_app_flow_limits_schema;

/* At start-up validation: every flows.<name> names a registered flow of fl. */
void seam_app_flow_limits_check(const seam_flows_t *fl, const seam_cfg_map_t *limits,
				const seam_cfg_check_t *chk);

/* Applies flows.<name>.max_concurrency to the queue (before it starts). */
seam_err_t seam_app_flow_limits_apply(const seam_cfg_map_t *limits, seam_queue_t *q,
				      seam_error_t *err);

#endif
