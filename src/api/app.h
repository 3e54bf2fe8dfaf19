/*
 * app.h: the one process-wide struct of `seam serve`, owned by main's serve command and handed
 * to every route handler as its user data. Nothing else is global.
 *
 * Lifetime: built by seam_app_open (config loaded and validated exactly as `seam check` does,
 * logger, metrics, store opened and migrated), served by seam_app_serve (HTTP edge + workers
 * until SIGTERM/SIGINT), torn down by seam_app_close in reverse order. Thread-safety:
 * read-only after open; the members are themselves thread-safe.
 */
#ifndef SEAM_API_APP_H
#define SEAM_API_APP_H

#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/server.h"
#include "store/store.h"

struct seam_queue;
struct seam_upstream;
struct seam_flow_payments;
struct seam_flow_orders;

typedef struct seam_app {
	seam_config_t *cfg;
	seam_log_t *log;
	seam_metrics_t *metrics;
	seam_store_t *store;
	seam_http_server_t *http;
	struct seam_queue *queue; /* durable jobs: workers run the flows */
	struct seam_upstream **upstreams; /* one per cfg->upstreams entry, same order */
	struct seam_flow_payments *payments; /* flows: registered on the queue by serve */
	struct seam_flow_orders *orders;
	int64_t started_ms;
} seam_app_t;

/* Options from the command line that override the config file. */
typedef struct seam_app_args {
	const char *config_path; /* -c; NULL: see seam_app_config_path */
	const char *listen;      /* --listen */
	const char *store;       /* --store */
	int ctl;                 /* seam ctl: open an existing store only (never create one) and
				    skip serve's start-up validation (an operator needs ctl most
				    when something else is broken) */
} seam_app_args_t;

/* The config a command line means, the same for serve, check and ctl: -c FILE, else
 * $SEAM_CONFIG, else ./seam.yaml when it exists, else NULL (the built-in defaults). *from
 * (may be NULL) says which, for messages: "-c", "SEAM_CONFIG", "./seam.yaml" or "built-in
 * defaults". Borrowed from args or the environment. */
const char *seam_app_config_path(const seam_app_args_t *args, const char **from);

/* Loads that config and applies --listen / --store. Every problem goes to errfp as
 * "file:line: message". Returns 0 with an owned *out (seam_config_free), or 2. */
int seam_app_config_load(const seam_app_args_t *args, FILE *errfp, seam_config_t **out);

/* The start-up validation: ONE function, run by `seam serve` before anything starts and by
 * `seam check` alone, so the two cannot disagree. It checks the cross-section rules (flows,
 * webhook secrets), every upstream client (built and thrown away), the store
 * (seam_store_check: the URL's scheme, the directory, an existing database; nothing is
 * created) and the mappings (every file in cfg->mappings compiled and its
 * top-level code run within the limits, every sample run and compared, every mapping a store
 * names present). Every problem goes to errfp as "file:line: message", each once; a line per
 * mapping that passed goes to outfp (NULL: none). args is what overrode cfg (for messages;
 * NULL: nothing). Returns the number of problems: 0 means serve may start. */
size_t seam_app_validate(const seam_app_args_t *args, const seam_config_t *cfg, FILE *outfp,
			 FILE *errfp);

/* Loads the config (printing every file:line problem to stderr) and, unless args->ctl, runs
 * seam_app_validate; makes the logger and metrics, opens (ctl: an existing one only) and
 * migrates the store. Returns an exit code: 0 ok, 2 a problem in the config or what it names
 * (store, mappings), 1 any other failure (message printed). *out is set only on 0. */
int seam_app_open(const seam_app_args_t *args, seam_app_t **out);
void seam_app_close(seam_app_t *app);

/* Blocks SIGTERM and SIGINT in the calling thread and so in every thread created after it;
 * seam_app_serve then takes them with sigwait(). Call before seam_app_open, which starts
 * threads (the group committer), or a signal could land on one of those and kill the process
 * without draining. */
void seam_app_block_signals(void);

/* Starts the HTTP edge and runs until SIGTERM/SIGINT, then drains. Returns an exit code. */
int seam_app_serve(seam_app_t *app);

/* The client of a configured upstream by name, or NULL. Borrowed from the app. */
struct seam_upstream *seam_app_upstream(const seam_app_t *app, const char *name);

/* The route table of seam serve (also used for docs: `seam check --routes`). */
const seam_route_t *seam_api_routes(size_t *n);

#endif
