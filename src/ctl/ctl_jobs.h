/*
 * ctl_jobs.h: the operator commands for the job queue, `seam ctl jobs|dlq|flow ...`:
 *
 *   jobs list [--flow F] [--state S] [--kind K] [--cid ID] [--since T] [--until T]
 *             [--before ID] [--limit N]
 *   jobs show ID          jobs retry ID          jobs cancel ID
 *   dlq list [--flow F] [--since T] [--until T] [--before ID] [--limit N]
 *   dlq show ID
 *   dlq replay ID | --flow F [--since T] [--until T] | --since T [--until T] | --all
 *   flow list             flow pause NAME         flow resume NAME
 *
 * T is RFC 3339 ("2026-11-26T16:00:00Z"), "now", or a duration meaning that long ago ("2h",
 * "30m", "7d"). `--json` (here or the global flag) prints JSON for scripts; otherwise human
 * tables (src/ctl/table.h). `--help` after any command or action prints its usage.
 *
 * Each function takes the store (borrowed; may be NULL only for --help), the flow registry
 * (names for --flow, `flow list`, dead-letter subjects; handed down by the root), the global
 * --json flag, output and error streams, and argv with argv[0] = the command name ("jobs")
 * and argv[1] = the action. Returns the process exit code: 0 done, 1 failed (not found, wrong
 * state, store error; message on errout), 2 usage error. A running `seam serve` on the same
 * store sees the changes at its next poll (within a second).
 * Thread-safety: reentrant (no globals; no getopt).
 */
#ifndef SEAM_CTL_CTL_JOBS_H
#define SEAM_CTL_CTL_JOBS_H

#include <stdio.h>

#include "flows/flow.h"
#include "store/store.h"

int seam_ctl_jobs(seam_store_t *store, const seam_flows_t *flows, int json, FILE *out,
		  FILE *errout, int argc, char **argv);
int seam_ctl_dlq(seam_store_t *store, const seam_flows_t *flows, int json, FILE *out,
		 FILE *errout, int argc, char **argv);
int seam_ctl_flow(seam_store_t *store, const seam_flows_t *flows, int json, FILE *out,
		  FILE *errout, int argc, char **argv);
/* seam ctl quarantine list: the webhook events refused at the ingress, with their reasons. */
int seam_ctl_quarantine(seam_store_t *store, const seam_flows_t *flows, int json, FILE *out,
			FILE *errout, int argc, char **argv);

#endif
