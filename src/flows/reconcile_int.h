/*
 * reconcile_int.h: what the reconciliation flow's files share (reconcile.c: config, runs,
 * registry row, schedule and metrics; reconcile_run.c: the run; reconcile_ctl.c: seam ctl).
 */
#ifndef SEAM_FLOWS_RECONCILE_INT_H
#define SEAM_FLOWS_RECONCILE_INT_H

#include "flows/reconcile.h"

typedef struct seam_reconcile {
	seam_flow_env_t env;
	const seam_reconcile_config_t *cfg;
} seam_reconcile_t;

/* The store's entry of the section (config may be NULL), or the defaults when it has none. */
const seam_reconcile_store_config_t *seam__reconcile_store(const void *config, const char *store);

/* The reconcile.run job (reconcile_run.c). */
seam_err_t seam__reconcile_run_job(const seam_job_t *job, seam_job_result_t *res, void *ud);

/* The flow's `seam ctl` command (reconcile_ctl.c). */
extern const seam_flow_cmd_t seam__reconcile_cmds[1];

#endif
