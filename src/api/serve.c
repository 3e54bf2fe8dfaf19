/*
 * serve.c: building, running and tearing down the seam_app_t of `seam serve`.
 *
 * Start-up is all-or-nothing: config, the start-up validation (seam_app_validate, which is
 * also all of `seam check`, so check passes exactly when serve would start), logger, metrics,
 * store (opened and migrated), then the HTTP listener; any failure undoes what was done and
 * exits with one clear message, so there is never a half-started server. Signals:
 * SIGTERM/SIGINT are blocked in every thread (the mask is set before any thread starts) and
 * taken with sigwait() by the main thread, which then drains: stop accepting, finish requests
 * in flight, stop workers, close the store.
 */
#include "api/app.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/webhooks.h"
#include "core/clock.h"
#include "core/version.h"
#include "flows/orders.h"
#include "flows/payments.h"
#include "http/client.h"
#include "map/map.h"
#include "queue/queue.h"

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

const char *seam_app_config_path(const seam_app_args_t *args, const char **from)
{
	const char *env = getenv("SEAM_CONFIG"), *dummy;
	if (!from)
		from = &dummy;
	if (args && args->config_path) {
		*from = "-c";
		return args->config_path;
	}
	if (env && *env) {
		*from = "SEAM_CONFIG";
		return env;
	}
	if (access("seam.yaml", F_OK) == 0) {
		*from = "./seam.yaml";
		return "seam.yaml";
	}
	*from = "built-in defaults";
	return NULL;
}

int seam_app_config_load(const seam_app_args_t *args, FILE *errfp, seam_config_t **out)
{
	seam_cfg_diag_t diag = {0};
	const char *from, *path = seam_app_config_path(args, &from);
	seam_err_t rc;

	*out = NULL;
	rc = path ? seam_config_load(path, out, &diag)
		  : seam_config_load_text("(built-in defaults)", "{}", 2, out, &diag);
	if (rc != SEAM_OK) {
		seam_cfg_diag_print(&diag, errfp);
		fprintf(errfp, "seam: %zu problem%s in %s\n", diag.n, diag.n == 1 ? "" : "s",
			path ? path : "the built-in defaults");
		if (strcmp(from, "SEAM_CONFIG") == 0)
			fprintf(errfp, "(the config file is named by the environment: SEAM_CONFIG=%s)\n",
				path);
		seam_cfg_diag_dispose(&diag);
		return 2;
	}
	if (args && args->listen)
		seam_config_set_str(&(*out)->listen, args->listen);
	if (args && args->store)
		seam_config_set_str(&(*out)->store, args->store);
	return 0;
}

/* seam_map_check_dir's report: passes to outfp, failures into the diagnostics. A mapping's
 * message mostly starts with the file it is about (the mapping or its sample, in the mappings
 * directory, with the line), so it is written as it is; the path is added only to one that
 * lacks it. */
struct map_report {
	seam_cfg_diag_t *diag;
	FILE *out;
	const char *dir;
	size_t failed;
};

static void report_mapping(void *arg, const char *name, const char *path, seam_err_t rc,
			   const char *msg)
{
	struct map_report *r = arg;
	size_t dlen = strlen(r->dir);
	(void)name;
	while (dlen > 1 && r->dir[dlen - 1] == '/')
		dlen--;
	if (rc == SEAM_OK) {
		if (r->out)
			fprintf(r->out, "%s: %s\n", path, msg);
		return;
	}
	r->failed++;
	if (strncmp(msg, r->dir, dlen) == 0 && msg[dlen] == '/')
		seam_cfg_diag_addf(r->diag, "%s", msg);
	else
		seam_cfg_diag_addf(r->diag, "%s: %s", path, msg);
}

/* Mappings: every file compiles (top-level code run within the limits), every sample runs and
 * matches, every mapping a store names exists. */
static void validate_mappings(const seam_config_t *cfg, seam_cfg_diag_t *diag, FILE *outfp)
{
	struct map_report rep = {.diag = diag, .out = outfp, .dir = cfg->mappings};
	struct stat st;
	seam_error_t err = {0};
	char key[320], path[512];

	if (stat(cfg->mappings, &st) != 0 || !S_ISDIR(st.st_mode)) {
		for (size_t i = 0; i < cfg->stores.n; i++) {
			const seam_config_store_t *sc = cfg->stores.items[i];
			if (!sc->erp.upstream)
				continue;
			snprintf(key, sizeof key, "stores.%s.erp.mapping", cfg->stores.names[i]);
			seam_config_diagf(cfg, diag, "mappings",
					  "directory %s not found (%s names a mapping in it)",
					  cfg->mappings, key);
			return;
		}
		return; /* no store exports orders: no mapping is needed */
	}
	seam_map_opts_t mo = {.dir = cfg->mappings};
	if (seam_map_check_dir(&mo, NULL, report_mapping, &rep, &err) != SEAM_OK && rep.failed == 0)
		seam_config_diagf(cfg, diag, "mappings", "%s", err.msg);
	for (size_t i = 0; i < cfg->stores.n; i++) {
		const seam_config_store_t *sc = cfg->stores.items[i];
		if (!sc->erp.upstream)
			continue;
		snprintf(path, sizeof path, "%s/%s.lua", cfg->mappings, sc->erp.mapping);
		snprintf(key, sizeof key, "stores.%s.erp.mapping", cfg->stores.names[i]);
		if (access(path, R_OK) != 0)
			seam_config_diagf(cfg, diag, key, "%s not found", path);
	}
}

/* Upstreams: each client is built as serve builds it, then thrown away, so a setting the
 * client refuses (a base_url or token_url that is not http(s)://, credentials in the URL) is
 * reported here with the entry's line rather than by serve alone. */
static void validate_upstreams(const seam_config_t *cfg, seam_cfg_diag_t *diag)
{
	seam_error_t err = {0};
	char key[160], prefix[160];
	if (cfg->upstreams.n == 0)
		return;
	if (seam_http_client_global_init(&err) != SEAM_OK) {
		seam_config_diagf(cfg, diag, "upstreams", "%s", err.msg);
		return;
	}
	for (size_t i = 0; i < cfg->upstreams.n; i++) {
		const char *name = cfg->upstreams.names[i];
		seam_upstream_opts_t uo;
		upstream_opts(name, cfg->upstreams.items[i], &uo);
		struct seam_upstream *u = seam_upstream_create(&uo, NULL, NULL, &err);
		if (u) {
			seam_upstream_destroy(u);
			continue;
		}
		/* The client says "upstream NAME: ..."; the key already names it. */
		snprintf(key, sizeof key, "upstreams.%s", name);
		int n = snprintf(prefix, sizeof prefix, "upstream %s: ", name);
		const char *msg = err.msg;
		if (n > 0 && strncmp(msg, prefix, (size_t)n) == 0)
			msg += n;
		seam_config_diagf(cfg, diag, key, "%s", msg);
	}
	seam_http_client_global_cleanup();
}

size_t seam_app_validate(const seam_app_args_t *args, const seam_config_t *cfg, FILE *outfp,
			 FILE *errfp)
{
	seam_cfg_diag_t diag = {0};
	seam_error_t err = {0};
	size_t n;

	seam_flows_check_config(cfg, &diag);
	seam_webhooks_check_config(cfg, &diag);
	validate_upstreams(cfg, &diag);
	/* Everything opening the store would refuse, found without creating it. */
	if (seam_store_check(cfg->store, &err) != SEAM_OK) {
		const char *msg = strncmp(err.msg, "store url: ", 11) == 0 ? err.msg + 11 : err.msg;
		if (args && args->store)
			seam_cfg_diag_addf(&diag, "--store: %s", msg);
		else
			seam_config_diagf(cfg, &diag, "store", "%s", msg);
	}
	validate_mappings(cfg, &diag, outfp);
	seam_cfg_diag_print(&diag, errfp);
	n = diag.n;
	seam_cfg_diag_dispose(&diag);
	return n;
}

/* seam ctl pointed at a store that is not there: which path it tried, where that came from,
 * and the three ways to point it at the right one. */
static void ctl_no_store(const seam_app_args_t *args, const seam_config_t *cfg, const char *msg)
{
	const char *from, *path = seam_app_config_path(args, &from);
	int line = seam_config_line(cfg, "store");
	fprintf(stderr, "seam ctl: %s\n", msg);
	if (args->store)
		fprintf(stderr, "  (the store is --store %s)\n", args->store);
	else if (path && line)
		fprintf(stderr, "  (the store is %s, from %s:%d, config from %s)\n", cfg->store, path,
			line, from);
	else if (path)
		fprintf(stderr, "  (the store is the default %s: %s, from %s, has no store key)\n",
			cfg->store, path, from);
	else
		fprintf(stderr, "  (the store is the built-in default %s: no -c, no SEAM_CONFIG, no "
				"./seam.yaml here)\n", cfg->store);
	fprintf(stderr, "seam ctl never creates a store. Point it at the one seam serve uses:\n"
			"  seam ctl -c PATH/seam.yaml ...            the instance's config\n"
			"  export SEAM_CONFIG=PATH/seam.yaml         the same for serve, check and ctl\n"
			"  seam ctl --store sqlite:///PATH/seam.db ...\n");
}

int seam_app_open(const seam_app_args_t *args, seam_app_t **out)
{
	seam_app_t *app = calloc(1, sizeof *app);
	seam_error_t err = {0};
	seam_log_level_e level = SEAM_LOG_INFO;
	const char *from;
	int code = 1;

	*out = NULL;
	if (!app)
		return 1;
	app->started_ms = seam_now_ms();
	code = seam_app_config_load(args, stderr, &app->cfg);
	if (code != 0)
		goto fail;
	code = 1;
	if (!args->ctl) {
		size_t problems = seam_app_validate(args, app->cfg, NULL, stderr);
		if (problems) {
			fprintf(stderr, "seam: %zu problem%s in %s; not starting (seam check shows the "
					"same)\n", problems, problems == 1 ? "" : "s", app->cfg->path);
			code = 2;
			goto fail;
		}
		if (!seam_app_config_path(args, &from))
			fprintf(stderr, "seam: no -c, no SEAM_CONFIG, no ./seam.yaml: serving with the "
					"built-in defaults\n");
	}
	seam_log_level_parse(app->cfg->log.level, &level);
	app->log = seam_log_create(STDERR_FILENO, level);
	app->metrics = seam_metrics_create();
	if (!app->log || !app->metrics)
		goto fail;
	seam_metric_set(app->metrics, SEAM_M_BUILD_INFO, (const char *[]){SEAM_VERSION}, 1);
	seam_metric_set(app->metrics, SEAM_M_START_TIME, NULL, (double)app->started_ms / 1000.0);

	/* Every worker and HTTP thread may hold a connection, plus the group committer, the
	 * dispatcher and the heartbeat. */
	seam_store_opts_t so = {.migrate = 1, .must_exist = args->ctl,
				.pool_size = (int)(app->cfg->queue.workers + app->cfg->http.threads + 4)};
	if (seam_store_open(app->cfg->store, &so, &app->store, &err) != SEAM_OK) {
		if (args->ctl && err.code == SEAM_NOTFOUND)
			ctl_no_store(args, app->cfg, err.msg);
		else
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
	/* drupal.store names a commerce_store the site must have; a site that does not answer
	 * within the bound is checked again by the poller instead of holding start-up. */
	if (seam_flow_orders_check_stores(app->orders, 5000, &err) != SEAM_OK) {
		fprintf(stderr, "seam: %s\n", err.msg);
		return 2;
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
