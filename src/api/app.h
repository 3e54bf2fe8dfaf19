/*
 * app.h: the one process-wide struct of `seam serve`, owned by main's serve command and handed
 * to every route handler as its user data. Nothing else is global.
 *
 * Lifetime: built by seam_app_open (config loaded, logger, metrics, store opened and migrated),
 * served by seam_app_serve (HTTP edge + workers until SIGTERM/SIGINT), torn down by
 * seam_app_close in reverse order. Thread-safety: read-only after open; the members are
 * themselves thread-safe.
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
	const char *config_path; /* default "seam.yaml" */
	const char *listen;      /* --listen */
	const char *store;       /* --store */
	int no_migrate;          /* ctl commands on a store: do not migrate */
} seam_app_args_t;

/* Loads the config (printing every file:line problem to stderr), makes the logger and
 * metrics, opens and migrates the store. Returns an exit code: 0 ok, 2 bad config, 1 other
 * failure (message printed). *out is set only on 0. */
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
