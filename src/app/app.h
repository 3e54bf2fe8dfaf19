/*
 * app.h: the composition root. The one process-wide struct of `seam serve` (and of `seam
 * ctl`), owned by main's subcommand, opened and closed here; everything else gets what it needs
 * from it as an explicit context: the flows a seam_flow_env_t, the HTTP handlers a seam_api_t,
 * ctl a seam_ctl_host_t. Nothing below app/ includes app/ (docs/design.md, "Architecture").
 *
 * Lifetime: built by seam_app_open (config loaded and validated exactly as `seam check` does,
 * logger, metrics, store opened and migrated, upstream clients, the queue), served by
 * seam_app_serve (app/serve.c: flows from the registry, workers, HTTP edge until
 * SIGTERM/SIGINT), torn down by seam_app_close in reverse order. Thread-safety: read-only after
 * open (serve fills the flows before any worker starts); the members are themselves
 * thread-safe.
 */
#ifndef SEAM_APP_APP_H
#define SEAM_APP_APP_H

#include <stdio.h>

#include "api/api.h"
#include "app/config.h"
#include "contract/registry.h"
#include "core/log.h"
#include "core/metrics.h"
#include "flows/flow.h"
#include "http/client.h"
#include "http/server.h"
#include "queue/queue.h"
#include "store/store.h"

typedef struct seam_app {
	seam_config_t *cfg;
	const seam_flows_t *flows; /* the registry (app/registry.h) */
	seam_log_t *log;
	seam_metrics_t *metrics;
	seam_store_t *store;
	seam_http_server_t *http;
	seam_queue_t *queue;        /* durable jobs: workers run the flows */
	seam_upstream_t **upstreams; /* one per cfg->upstreams entry, same order */
	void **flow;                /* per registry row: the flow's instance (serve creates) */
	seam_api_t api;             /* what the HTTP handlers get (every route's user data) */
	seam_contracts_t *contracts; /* the built-in contract registry (not for ctl) */
	int64_t started_ms;
	int curl_ready; /* seam_http_client_global_init done: cleanup at close */
} seam_app_t;

/* Options from the command line that override the config file. */
typedef struct seam_app_args {
	const char *config_path; /* -c; NULL: see seam_app_config_path */
	const char *listen;      /* --listen */
	const char *store;       /* --store */
	int ctl;                 /* seam ctl: open an existing store only (never create one) and
				    skip serve's start-up validation (an operator needs ctl most
				    when something else is broken) */
	const seam_flows_t *flows; /* the flows to run; NULL: the registry (seam_app_flows());
				      tests pass their own to show a flow plugs in */
} seam_app_args_t;

/* The subcommands main dispatches to (argv[0] is the subcommand's name). Each returns the
 * exit code: 0 ok, 2 a config (or what it names) that cannot be used, 1 any other failure. */
int seam_app_cmd_serve(int argc, char **argv);   /* app/serve.c */
int seam_app_cmd_check(int argc, char **argv);   /* app/check.c */
int seam_app_cmd_ctl(int argc, char **argv);     /* app/app.c: ctl/ with the root's host */
int seam_app_cmd_contract(int argc, char **argv); /* app/contract_cmd.c: diff, check, validate */
/* `seam ctl` with the flows fl (seam_app_cmd_ctl passes the registry; tests their own). */
int seam_app_ctl_main(const seam_flows_t *fl, int argc, char **argv);

/* The config a command line means, the same for serve, check and ctl: -c FILE, else
 * $SEAM_CONFIG, else ./seam.yaml when it exists, else NULL (the built-in defaults). *from
 * (may be NULL) says which, for messages: "-c", "SEAM_CONFIG", "./seam.yaml" or "built-in
 * defaults". Borrowed from args or the environment. */
const char *seam_app_config_path(const seam_app_args_t *args, const char **from);

/* Loads that config (the registry's root schema) and applies --listen / --store. Every
 * problem goes to errfp as "file:line: message". Returns 0 with an owned *out
 * (seam_config_free), or 2. */
int seam_app_config_load(const seam_app_args_t *args, FILE *errfp, seam_config_t **out);

/* The start-up validation (app/check.c): ONE function, run by `seam serve` before anything
 * starts and by `seam check` alone, so the two cannot disagree. It checks the flows: section
 * against the registry and each flow's own check, the webhook secrets, every upstream client
 * (built and thrown away), the store (seam_store_check: the URL's scheme, the directory, an
 * existing database; nothing is created) and the mappings (every file in cfg->mappings
 * compiled and its top-level code run within the limits, every sample run and compared, every
 * mapping a store names present, and the sample of each order mapping a store names checked
 * against contracts: its input against order@v1, its output against erp.sales-order@v1 and
 * the totals rule; contracts NULL: those two checks are skipped). Every problem goes to errfp
 * as "file:line: message", each once; a line per mapping that passed goes to outfp (NULL:
 * none). args is what overrode cfg (for messages; NULL: nothing). Returns the number of
 * problems: 0 means serve may start. */
size_t seam_app_validate(const seam_app_args_t *args, const seam_config_t *cfg,
			 const seam_contracts_t *contracts, FILE *outfp, FILE *errfp);

/* The part of seam_app_validate that needs the contracts: the order and catalog mappings'
 * samples against them. Serve runs seam_app_validate(contracts NULL) first, then this, so the
 * store can be opened while the contracts compile; the sum is what `seam check` reports
 * (a mapping that does not compile was reported by the first). Returns the problems. */
size_t seam_app_validate_samples(const seam_config_t *cfg, const seam_contracts_t *contracts,
				 FILE *errfp);

/* Loads the config (printing every file:line problem to stderr) and, unless args->ctl, runs
 * seam_app_validate; makes the logger and metrics, opens (ctl: an existing one only) and
 * migrates the store, builds the upstream clients and the queue. Returns an exit code: 0 ok,
 * 2 a problem in the config or what it names (store, mappings), 1 any other failure (message
 * printed). *out is set only on 0. */
int seam_app_open(const seam_app_args_t *args, seam_app_t **out);
void seam_app_close(seam_app_t *app);

/* Blocks SIGTERM and SIGINT in the calling thread and so in every thread created after it;
 * seam_app_serve then takes them with sigwait(). Call before seam_app_open, which starts
 * threads (the group committer), or a signal could land on one of those and kill the process
 * without draining. */
void seam_app_block_signals(void);

/* Creates the registered flows, registers their job kinds, runs their start hooks, starts the
 * workers and the HTTP edge, and runs until SIGTERM/SIGINT, then drains. Returns an exit
 * code. */
int seam_app_serve(seam_app_t *app);

/* The client of a configured upstream by name, or NULL. Borrowed from the app. */
seam_upstream_t *seam_app_upstream(const seam_app_t *app, const char *name);

/* The env a registered flow gets: the config's stores, sources, upstreams and mappings, its
 * own section (seam_config_section), and, once opened, store, log, metrics, queue and the
 * upstream clients. app may be NULL (start-up validation: the config fields only). */
void seam_app_flow_env(const seam_app_t *app, const seam_config_t *cfg, const seam_flow_def_t *def,
		       seam_flow_env_t *env);

#endif
