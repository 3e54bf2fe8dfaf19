/*
 * ctl.h: `seam ctl`, the operator commands that work against the same store as a running
 * seam serve. Commands are declared in one table (ctl.c) that dispatch and help read.
 * Output: human tables by default, `--json` for scripts (before the command or anywhere after
 * it); `--help` after a command or an action lists its options and needs no store. Exit 0 ok,
 * 1 failure (also: an unknown flow name), 2 usage/config (also: an unknown scope).
 */
#ifndef SEAM_CTL_CTL_H
#define SEAM_CTL_CTL_H

#include <stdio.h>

#include "api/app.h"

typedef struct seam_ctl_ctx {
	seam_app_t *app; /* config, log, metrics, store; no HTTP */
	int json;
	FILE *out, *err;
} seam_ctl_ctx_t;

/* A ctl command: argv[0] is the command name ("keys"). Returns the exit code. */
typedef int (*seam_ctl_fn)(seam_ctl_ctx_t *ctx, int argc, char **argv);

/* Entry for `seam ctl ...` (argv[0] == "ctl"). */
int seam_ctl_main(int argc, char **argv);

/* trace <order uuid | order number | payment id | event id | correlation id> [--json] */
int seam_ctl_trace(seam_ctl_ctx_t *ctx, int argc, char **argv);

/* The keys command (keys create|list|revoke). */
int seam_ctl_keys(seam_ctl_ctx_t *ctx, int argc, char **argv);

#endif
