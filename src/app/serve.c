/*
 * serve.c: `seam serve`: the registered flows, the workers and the HTTP edge of an opened app,
 * until a signal.
 *
 * Everything a flow needs comes from its registry row (app/registry.c): create, the job kinds
 * to register with their handlers, the start hook, destroy (in seam_app_close). Nothing here
 * names a flow, so adding one edits nothing in this file. Signals: SIGTERM/SIGINT are blocked
 * in every thread (the mask is set before any thread starts) and taken with sigwait() by the
 * main thread, which then drains: stop accepting, finish requests in flight, stop workers,
 * close the store.
 */
#include "app/app.h"
#include "app/app_int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "api/api_contracts.h"
#include "api/api_ops_overview.h"
#include "app/registry.h"
#include "core/version.h"

void seam_app_block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Every registered flow: created, its job kinds registered on the queue, then (all created)
 * each start hook. Returns an exit code: 2 when a start hook finds the config unusable. */
static int start_flows(seam_app_t *app)
{
	seam_error_t err = {0};
	const seam_flows_t *fl = app->flows;
	if (seam_app_flow_limits_apply(&app->cfg->flows, app->queue, &err) != SEAM_OK) {
		fprintf(stderr, "seam: flows: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < fl->n; i++) {
		const seam_flow_def_t *d = fl->defs[i];
		seam_flow_env_t env;
		seam_app_flow_env(app, app->cfg, d, &env);
		if (d->create(&env, &app->flow[i], &err) != SEAM_OK) {
			fprintf(stderr, "seam: flows: %s\n", err.msg);
			return 1;
		}
		for (size_t j = 0; j < d->njobs; j++) {
			seam_err_t rc = seam_queue_register(app->queue, d->jobs[j].kind, d->jobs[j].run,
							    app->flow[i]);
			if (rc != SEAM_OK) {
				fprintf(stderr, "seam: flows: %s: register %s: %s\n", d->name,
					d->jobs[j].kind, seam_strerror(rc));
				return 1;
			}
		}
	}
	/* every flow has declared its schedules: the ones this config no longer asks for go */
	if (seam_queue_prune_schedules(app->queue, &err) != SEAM_OK) {
		fprintf(stderr, "seam: flows: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < fl->n; i++) {
		if (!fl->defs[i]->start)
			continue;
		seam_err_t rc = fl->defs[i]->start(app->flow[i], &err);
		if (rc != SEAM_OK) {
			fprintf(stderr, "seam: %s\n", err.msg);
			return rc == SEAM_CONFIG ? 2 : 1;
		}
	}
	return 0;
}

int seam_app_serve(seam_app_t *app)
{
	sigset_t set;
	seam_error_t err = {0};
	size_t nroutes;
	int sig = 0, code;
	const seam_config_t *c = app->cfg;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	seam_app_block_signals(); /* idempotent; the caller should have done it before open */
	/* Info lines (the access log) from a buffer written every 50 ms, off the request threads;
	 * warnings and errors at once; the rest on the way out (app destroy). The flusher starts
	 * after the signals are blocked, so it never takes SIGTERM. */
	(void)seam_log_buffer(app->log, 50);

	seam_http_opts_t ho = {
		.listen = c->listen,
		.routes = seam_api_routes(&nroutes),
		.ud = &app->api,
		.auth = seam_api_auth,
		.before = seam_api_before, /* request bodies against the route's contract */
		.around = seam_api_around,
		.log = app->log,
		.metrics = app->metrics,
		.threads = (int)c->http.threads,
		.body_limit = (size_t)c->http.body_limit,
		.request_timeout_s = (int)((c->http.request_timeout_ms + 999) / 1000),
		.header_limit = (size_t)c->http.header_limit,
		.connection_limit = (int)c->http.connection_limit,
		.access_log = c->log.access_log,
		.header_timeout_ms = (int)c->http.header_timeout_ms,
		.body_min_rate = c->http.body_min_rate ? (int)c->http.body_min_rate : -1,
		.per_ip_limit = c->http.per_ip_limit ? (int)c->http.per_ip_limit : -1,
	};
	ho.nroutes = nroutes;
	if ((code = start_flows(app)) != 0)
		return code;
	/* seam_ready at every scrape: the check /readyz runs (alerts see what load balancers see) */
	if (seam_metrics_add_collector(app->metrics, seam_api_collect_ready, &app->api) != 0) {
		fprintf(stderr, "seam: metrics: %s\n", seam_strerror(SEAM_NOMEM));
		return 1;
	}
	if (seam_queue_start(app->queue, &err) != SEAM_OK) {
		fprintf(stderr, "seam: job workers: %s\n", err.msg);
		return 1;
	}
	/* the dashboard's history: a sample now, then one a minute (api/api_ops_overview.h) */
	if (seam_ops_history_start(app->api.ops_history, &err) != SEAM_OK) {
		fprintf(stderr, "seam: %s\n", err.msg);
		return 1;
	}
	if (seam_http_start(&ho, &app->http, &err) != SEAM_OK) {
		fprintf(stderr, "seam: %s\n", err.msg);
		seam_log_error(app->log, "serve", NULL, "%s", err.msg);
		return 1;
	}
	seam_logf(app->log, SEAM_LOG_INFO, "serve", NULL,
		  json_pack("{s:s, s:i, s:s, s:s}", "listen", c->listen, "port",
			    seam_http_port(app->http), "store", seam_store_engine(app->store),
			    "version", SEAM_VERSION),
		  "seam listening on http://%s", c->listen);
	seam_log_flush(app->log); /* scripts wait for this line */
	/* A line on stdout for people and scripts: where it listens, with the real port. */
	char host[256];
	snprintf(host, sizeof host, "%s", c->listen);
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = '\0';
	printf("seam: serving on http://%s:%d\n", host, seam_http_port(app->http));
	fflush(stdout);

	while (sigwait(&set, &sig) != 0 && errno == EINTR)
		;
	seam_log_info(app->log, "serve", NULL, "signal %d: draining (up to %lld ms)", sig,
		      (long long)c->http.drain_timeout_ms);
	/* Ingress first (nothing new is accepted), then the workers finish what they run. */
	seam_http_stop(app->http, (int)c->http.drain_timeout_ms);
	app->http = NULL;
	seam_queue_stop(app->queue);
	seam_ops_history_stop(app->api.ops_history);
	seam_log_info(app->log, "serve", NULL, "stopped cleanly");
	return 0;
}

int seam_app_cmd_serve(int argc, char **argv)
{
	seam_app_args_t a = {0};
	seam_app_t *app = NULL;
	int code = seam__app_parse_args(
		argc, argv, "serve [-c FILE] [--listen HOST:PORT] [--store URL]",
		"Serves the operator API (/v1), the operator dashboard (/ops/, log in with an\n"
		"API key holding ops:read), webhook ingress, health and metrics, and runs the\n"
		"job workers, until SIGTERM or SIGINT (then drains and exits 0).\n\n"
		"  -c, --config FILE       config file (default $SEAM_CONFIG, else ./seam.yaml,\n"
		"                          else the built-in defaults)\n"
		"      --listen HOST:PORT  override listen (port 0 picks a free port)\n"
		"      --store URL         override store (sqlite://PATH)",
		&a, NULL);
	if (code >= 0)
		return code;
	seam_app_block_signals();
	code = seam_app_open(&a, &app);
	if (code != 0)
		return code;
	code = seam_app_serve(app);
	seam_app_close(app);
	return code;
}
