/*
 * serve.c: building, running and tearing down the seam_app_t of `seam serve`.
 *
 * Start-up is all-or-nothing: config, logger, metrics, store (opened and migrated), then the
 * HTTP listener; any failure undoes what was done and exits with one clear message, so there
 * is never a half-started server. Signals: SIGTERM/SIGINT are blocked in every thread (the
 * mask is set before any thread starts) and taken with sigwait() by the main thread, which
 * then drains: stop accepting, finish requests in flight, stop workers, close the store.
 */
#include "api/app.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/webhooks.h"
#include "core/clock.h"
#include "flows/orders.h"
#include "flows/payments.h"
#include "http/client.h"
#include "queue/queue.h"

#ifndef SEAM_VERSION
#define SEAM_VERSION "0.1.0"
#endif

/* Config (strings owned by the config) to client options (which copy what they keep). */
static void upstream_opts(const char *name, const seam_config_upstream_t *c,
			  seam_upstream_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->name = name;
	o->base_url = c->base_url;
	o->connect_timeout_ms = c->connect_timeout_ms;
	o->timeout_ms = c->timeout_ms;
	o->max_concurrency = (int)c->max_concurrency;
	o->rate_per_s = (double)c->rate_per_s;
	o->burst = (double)c->burst;
	o->tls_skip_verify = c->tls_skip_verify;
	o->ca_file = c->ca_file;
	o->breaker.window_calls = (int)c->breaker.window_calls;
	o->breaker.min_calls = (int)c->breaker.min_calls;
	o->breaker.failure_ratio = (double)c->breaker.failure_pct / 100.0;
	o->breaker.open_ms = c->breaker.open_ms;
	seam_auth_type_parse(c->auth.type, &o->auth.type);
	o->auth.header = c->auth.header;
	o->auth.token = c->auth.token.value;
	o->auth.username = c->auth.username;
	o->auth.password = c->auth.password.value;
	o->auth.client_id = c->auth.client_id;
	o->auth.client_secret = c->auth.client_secret.value;
	o->auth.token_url = c->auth.token_url;
	o->auth.scope = c->auth.scope;
}

struct seam_upstream *seam_app_upstream(const seam_app_t *app, const char *name)
{
	for (size_t i = 0; name && app->upstreams && i < app->cfg->upstreams.n; i++)
		if (strcmp(app->cfg->upstreams.names[i], name) == 0)
			return app->upstreams[i];
	return NULL;
}

static struct seam_upstream *app_upstream(void *ud, const char *name)
{
	return seam_app_upstream(ud, name);
}

int seam_app_open(const seam_app_args_t *args, seam_app_t **out)
{
	seam_app_t *app = calloc(1, sizeof *app);
	seam_cfg_diag_t diag = {0};
	seam_error_t err = {0};
	seam_log_level_e level = SEAM_LOG_INFO;
	const char *path = args->config_path ? args->config_path : "seam.yaml";
	int code = 1;

	*out = NULL;
	if (!app)
		return 1;
	app->started_ms = seam_now_ms();
	if (!args->config_path && access(path, F_OK) != 0) {
		/* No -c and no ./seam.yaml: built-in defaults (handy for ctl with --store). */
		app->cfg = calloc(1, sizeof *app->cfg);
		if (!app->cfg || seam_cfg_load_text("(defaults)", "{}", 2, &seam_config_schema, app->cfg,
						    &diag) != SEAM_OK) {
			seam_cfg_diag_dispose(&diag);
			goto fail;
		}
	} else if (seam_config_load(path, &app->cfg, &diag) != SEAM_OK) {
		seam_cfg_diag_print(&diag, stderr);
		fprintf(stderr, "seam: %zu problem%s in %s\n", diag.n, diag.n == 1 ? "" : "s", path);
		seam_cfg_diag_dispose(&diag);
		code = 2;
		goto fail;
	}
	if (seam_flows_check_config(app->cfg, &diag) + seam_webhooks_check_config(app->cfg, &diag)) {
		seam_cfg_diag_print(&diag, stderr);
		fprintf(stderr, "seam: %zu problem%s in %s\n", diag.n, diag.n == 1 ? "" : "s", path);
		seam_cfg_diag_dispose(&diag);
		code = 2;
		goto fail;
	}
	if (args->listen)
		seam_config_set_str(&app->cfg->listen, args->listen);
	if (args->store)
		seam_config_set_str(&app->cfg->store, args->store);
	seam_log_level_parse(app->cfg->log.level, &level);
	app->log = seam_log_create(STDERR_FILENO, level);
	app->metrics = seam_metrics_create();
	if (!app->log || !app->metrics)
		goto fail;
	seam_metric_set(app->metrics, SEAM_M_BUILD_INFO, (const char *[]){SEAM_VERSION}, 1);
	seam_metric_set(app->metrics, SEAM_M_START_TIME, NULL, (double)app->started_ms / 1000.0);

	/* Every worker and HTTP thread may hold a connection, plus the group committer, the
	 * dispatcher and the heartbeat. */
	seam_store_opts_t so = {.migrate = !args->no_migrate,
				.pool_size = (int)(app->cfg->queue.workers + app->cfg->http.threads + 4)};
	if (seam_store_open(app->cfg->store, &so, &app->store, &err) != SEAM_OK) {
		fprintf(stderr, "seam: store %s: %s\n", app->cfg->store, err.msg);
		goto fail;
	}
	if (seam_http_client_global_init(&err) != SEAM_OK) {
		fprintf(stderr, "seam: %s\n", err.msg);
		goto fail;
	}
	app->upstreams = calloc(app->cfg->upstreams.n + 1, sizeof *app->upstreams);
	if (!app->upstreams)
		goto fail;
	for (size_t i = 0; i < app->cfg->upstreams.n; i++) {
		seam_upstream_opts_t uo;
		upstream_opts(app->cfg->upstreams.names[i], app->cfg->upstreams.items[i], &uo);
		app->upstreams[i] = seam_upstream_create(&uo, app->log, app->metrics, &err);
		if (!app->upstreams[i]) {
			fprintf(stderr, "seam: upstreams.%s: %s\n", app->cfg->upstreams.names[i], err.msg);
			goto fail;
		}
	}
	const seam_config_queue_t *qc = &app->cfg->queue;
	seam_queue_opts_t qo = {
		.workers = (int)qc->workers,
		.lease_ms = qc->lease_ms,
		.poll_ms = qc->poll_ms,
		.backoff_base_ms = qc->backoff_base_ms,
		.backoff_cap_ms = qc->backoff_cap_ms,
		.max_attempts = (int)qc->max_attempts,
		.batch_max = (int)qc->batch_max,
		.retain_ms = qc->retain_ms,
		.log = app->log,
		.metrics = app->metrics,
	};
	if (seam_queue_create(app->store, &qo, &app->queue, &err) != SEAM_OK) {
		fprintf(stderr, "seam: job queue: %s\n", err.msg);
		goto fail;
	}
	*out = app;
	return 0;
fail:
	seam_app_close(app);
	return code;
}

void seam_app_close(seam_app_t *app)
{
	if (!app)
		return;
	seam_queue_destroy(app->queue);
	seam_flow_payments_destroy(app->payments);
	seam_flow_orders_destroy(app->orders);
	for (size_t i = 0; app->upstreams && app->cfg && i < app->cfg->upstreams.n; i++)
		seam_upstream_destroy(app->upstreams[i]);
	if (app->upstreams)
		seam_http_client_global_cleanup();
	free(app->upstreams);
	seam_store_close(app->store);
	seam_metrics_destroy(app->metrics);
	seam_log_destroy(app->log);
	seam_config_free(app->cfg);
	free(app);
}

void seam_app_block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int seam_app_serve(seam_app_t *app)
{
	sigset_t set;
	seam_error_t err = {0};
	size_t nroutes;
	int sig = 0;
	const seam_config_t *c = app->cfg;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	seam_app_block_signals(); /* idempotent; the caller should have done it before open */

	seam_http_opts_t ho = {
		.listen = c->listen,
		.routes = seam_api_routes(&nroutes),
		.ud = app,
		.auth = seam_api_auth,
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
	seam_flow_env_t env = {.cfg = app->cfg, .store = app->store, .log = app->log,
			       .metrics = app->metrics, .queue = app->queue,
			       .upstream = app_upstream, .upstream_ud = app};
	if (seam_flows_apply_limits(app->cfg, app->queue, &err) != SEAM_OK ||
	    seam_flow_payments_create(&env, &app->payments, &err) != SEAM_OK ||
	    seam_flow_orders_create(&env, &app->orders, &err) != SEAM_OK) {
		fprintf(stderr, "seam: flows: %s\n", err.msg);
		return 1;
	}
	if (seam_queue_start(app->queue, &err) != SEAM_OK) {
		fprintf(stderr, "seam: job workers: %s\n", err.msg);
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
	seam_log_info(app->log, "serve", NULL, "stopped cleanly");
	return 0;
}
