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

#include "core/log.h"
#include "flows/flow.h"
#include "http/server.h"
#include "store/store.h"

/* The options before the command that say which instance (its config and store). */
typedef struct seam_ctl_args {
	const char *config_path; /* -c; NULL: $SEAM_CONFIG, else ./seam.yaml, else defaults */
	const char *store;       /* --store: overrides the config's */
} seam_ctl_args_t;

/*
 * What ctl gets from the composition root (app/), which calls seam_ctl_main: the flow
 * registry (`flow`, `jobs --flow`, `dlq --flow`, the flows' own commands), the route table
 * (`keys scopes`), and a way to open the instance's store for a command that needs one. ctl
 * includes nothing above itself; the root hands it all of this.
 */
typedef struct seam_ctl_host {
	const seam_flows_t *flows;
	const seam_route_t *routes;
	size_t nroutes;
	/* Opens the store args point at (never creating one) and a logger; on 0 sets *store,
	 * *log and *handle (passed to close). Else returns the exit code, message printed. */
	int (*open)(void *ud, const seam_ctl_args_t *args, seam_store_t **store, seam_log_t **log,
		    void **handle);
	void (*close)(void *handle);
	/* The flow's own config section of the opened instance (handle), or NULL. */
	const void *(*flow_config)(void *handle, const seam_flow_def_t *def);
	/* The instance's stores: map (seam_config_store_t), or NULL. */
	const seam_cfg_map_t *(*stores)(void *handle);
	void *ud;
} seam_ctl_host_t;

typedef struct seam_ctl_ctx {
	const seam_ctl_host_t *host;
	seam_store_t *store; /* the instance's store; NULL for --help and table-only actions */
	seam_log_t *log;
	int json;
	FILE *out, *err;
} seam_ctl_ctx_t;

/* A ctl command: argv[0] is the command name ("keys"). Returns the exit code. */
typedef int (*seam_ctl_fn)(seam_ctl_ctx_t *ctx, int argc, char **argv);

/* Entry for `seam ctl ...` (argv[0] == "ctl"), called by the root with its host. */
int seam_ctl_main(const seam_ctl_host_t *host, int argc, char **argv);

/* trace <order uuid | order number | payment id | event id | correlation id> [--json] */
int seam_ctl_trace(seam_ctl_ctx_t *ctx, int argc, char **argv);

/* The keys command (keys create|list|revoke). */
int seam_ctl_keys(seam_ctl_ctx_t *ctx, int argc, char **argv);

#endif
