/*
 * app.c: opening and closing the process (seam_app_t), the config a command line means, the
 * contexts the root hands down (flow env, API, ctl host), and `seam ctl`'s entry.
 *
 * Start-up is all-or-nothing: config, the start-up validation (seam_app_validate, which is
 * also all of `seam check`, so check passes exactly when serve would start), logger, metrics,
 * store (opened and migrated), upstream clients, queue; any failure undoes what was done and
 * exits with one clear message, so there is never a half-started process.
 *
 * The two longest steps overlap: the contracts compile (about 12 ms of CPU) on a thread of
 * their own from the first line, while this one reads and validates the config (all of it but
 * the mapping samples' contracts) and initialises libcurl; then the store opens and migrates (a
 * new one: about 12 ms) on another thread while the samples are checked against the compiled
 * contracts. Nothing is created before the config has passed everything that does not need the
 * contracts.
 */
#include "app/app.h"
#include "app/app_int.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api_ops_overview.h"
#include "app/registry.h"
#include "core/clock.h"
#include "core/version.h"
#include "ctl/ctl.h"

seam_upstream_t *seam_app_upstream(const seam_app_t *app, const char *name)
{
	for (size_t i = 0; name && app->upstreams && i < app->cfg->upstreams.n; i++)
		if (strcmp(app->cfg->upstreams.names[i], name) == 0)
			return app->upstreams[i];
	return NULL;
}

static seam_upstream_t *app_upstream(void *ud, const char *name)
{
	return seam_app_upstream(ud, name);
}

void seam_app_flow_env(const seam_app_t *app, const seam_config_t *cfg, const seam_flow_def_t *def,
		       seam_flow_env_t *env)
{
	memset(env, 0, sizeof *env);
	env->stores = &cfg->stores;
	env->sources = &cfg->sources;
	env->upstreams = &cfg->upstreams;
	env->mappings = cfg->mappings;
	env->config = seam_config_section(cfg, def);
	if (!app)
		return;
	env->contracts = app->contracts;
	env->store = app->store;
	env->log = app->log;
	env->metrics = app->metrics;
	env->queue = app->queue;
	env->upstream = app_upstream;
	env->upstream_ud = (void *)app;
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
	const seam_flows_t *fl = args && args->flows ? args->flows : seam_app_flows();
	seam_err_t rc;

	*out = NULL;
	rc = path ? seam_config_load(fl, path, out, &diag)
		  : seam_config_load_text(fl, "(built-in defaults)", "{}", 2, out, &diag);
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

/* seam_api_t.flow_instance: the instance of the registered flow called name. */
static void *api_flow_instance(void *ud, const char *name)
{
	seam_app_t *app = ud;
	for (size_t i = 0; app->flow && i < app->flows->n; i++)
		if (!strcmp(app->flows->defs[i]->name, name))
			return app->flow[i];
	return NULL;
}

/* seam_api_t.flow_config: the section of the registered flow called name. */
static const void *api_flow_config(void *ud, const char *name)
{
	seam_app_t *app = ud;
	const seam_flow_def_t *def = seam_flows_find(app->flows, name);
	return def ? seam_config_section(app->cfg, def) : NULL;
}

typedef struct contracts_job {
	seam_contracts_t *reg;
	seam_error_t err;
	seam_err_t rc;
} contracts_job_t;

static void *compile_contracts(void *arg)
{
	contracts_job_t *j = arg;
	j->rc = seam_contracts_open(&j->reg, &j->err);
	return NULL;
}

/* The compiled registry, waiting for the thread when there is one (compiling here when it
 * could not be started). */
static void contracts_join(contracts_job_t *j, pthread_t *th, int *running)
{
	if (*running) {
		pthread_join(*th, NULL);
		*running = 0;
	} else if (!j->reg && j->rc == SEAM_OK) {
		compile_contracts(j);
	}
}

typedef struct store_job {
	const char *url;
	seam_store_opts_t opts;
	seam_store_t *store;
	seam_error_t err;
	seam_err_t rc;
} store_job_t;

static void *open_store(void *arg)
{
	store_job_t *j = arg;
	j->rc = seam_store_open(j->url, &j->opts, &j->store, &j->err);
	return NULL;
}

int seam_app_open(const seam_app_args_t *args, seam_app_t **out)
{
	seam_app_t *app = calloc(1, sizeof *app);
	seam_error_t err = {0};
	seam_log_level_e level = SEAM_LOG_INFO;
	const char *from;
	int code = 1;
	contracts_job_t cj = {0};
	store_job_t sj = {0};
	pthread_t cth, sth;
	int compiling = 0, opening = 0;

	*out = NULL;
	if (!app)
		return 1;
	app->started_ms = seam_now_ms();
	app->flows = args->flows ? args->flows : seam_app_flows();
	if (!args->ctl)
		compiling = pthread_create(&cth, NULL, compile_contracts, &cj) == 0;
	code = seam_app_config_load(args, stderr, &app->cfg);
	if (code != 0)
		goto fail;
	code = 1;
	if (seam_http_client_global_init(&err) != SEAM_OK) {
		fprintf(stderr, "seam: %s\n", err.msg);
		goto fail;
	}
	app->curl_ready = 1;
	if (!args->ctl) {
		/* Everything but the mapping samples' contracts, before anything is created. */
		size_t problems = seam_app_validate(args, app->cfg, NULL, NULL, stderr);
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
	app->flow = calloc(app->flows->n + 1, sizeof *app->flow);
	if (!app->log || !app->metrics || !app->flow)
		goto fail;
	seam_metric_set(app->metrics, SEAM_M_BUILD_INFO, (const char *[]){SEAM_VERSION}, 1);
	seam_metric_set(app->metrics, SEAM_M_START_TIME, NULL, (double)app->started_ms / 1000.0);

	/* Every worker and HTTP thread may hold a connection, plus the group committer, the
	 * dispatcher and the heartbeat. Opened (and migrated) on its own thread while the
	 * contracts finish compiling: the two are the longest steps of a start. */
	sj.url = app->cfg->store;
	sj.opts = (seam_store_opts_t){.migrate = 1, .must_exist = args->ctl,
				      .pool_size = (int)(app->cfg->queue.workers +
							 app->cfg->http.threads + 4)};
	if (args->ctl || pthread_create(&sth, NULL, open_store, &sj) != 0)
		open_store(&sj);
	else
		opening = 1;
	if (!args->ctl) {
		/* Every contract compiled once, here; a schema that does not compile is a build
		 * that cannot serve (exit 2, file#pointer), as `seam check` says. */
		contracts_join(&cj, &cth, &compiling);
		app->contracts = cj.reg;
		cj.reg = NULL;
		if (cj.rc != SEAM_OK) {
			fprintf(stderr, "seam: contracts: %s; not starting (seam check shows the "
					"same)\n", cj.err.msg);
			code = 2;
			goto fail;
		}
		/* A sample failing here leaves the store it opened (created when new): empty,
		 * and what the corrected config will open. */
		size_t problems = seam_app_validate_samples(app->cfg, app->contracts, stderr);
		if (problems) {
			fprintf(stderr, "seam: %zu problem%s in %s; not starting (seam check shows the "
					"same)\n", problems, problems == 1 ? "" : "s", app->cfg->path);
			code = 2;
			goto fail;
		}
	}
	if (opening) {
		pthread_join(sth, NULL);
		opening = 0;
	}
	app->store = sj.store;
	sj.store = NULL;
	if (sj.rc != SEAM_OK) {
		if (args->ctl && sj.err.code == SEAM_NOTFOUND)
			ctl_no_store(args, app->cfg, sj.err.msg);
		else
			fprintf(stderr, "seam: store %s: %s\n", app->cfg->store, sj.err.msg);
		goto fail;
	}
	app->upstreams = calloc(app->cfg->upstreams.n + 1, sizeof *app->upstreams);
	if (!app->upstreams)
		goto fail;
	for (size_t i = 0; i < app->cfg->upstreams.n; i++) {
		seam_upstream_opts_t uo;
		seam_upstream_config_opts(app->cfg->upstreams.names[i], app->cfg->upstreams.items[i], &uo);
		app->upstreams[i] = seam_upstream_create(&uo, app->log, app->metrics, &err);
		if (!app->upstreams[i]) {
			fprintf(stderr, "seam: upstreams.%s: %s\n", app->cfg->upstreams.names[i], err.msg);
			goto fail;
		}
	}
	const seam_queue_config_t *qc = &app->cfg->queue;
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
		/* several instances on one PostgreSQL store: a name per instance for the
		 * operators (lease owners, seam_instance_info); default hostname:pid:random */
		.instance = getenv("SEAM_INSTANCE"),
	};
	if (seam_queue_create(app->store, &qo, &app->queue, &err) != SEAM_OK) {
		fprintf(stderr, "seam: job queue: %s\n", err.msg);
		goto fail;
	}
	seam_metric_set(app->metrics, SEAM_M_INSTANCE_INFO,
			(const char *[]){seam_queue_instance(app->queue), seam_store_engine(app->store)}, 1);
	app->api = (seam_api_t){
		.store = app->store,
		.log = app->log,
		.metrics = app->metrics,
		.queue = app->queue,
		.flows = app->flows,
		.stores = &app->cfg->stores,
		.sources = &app->cfg->sources,
		.metrics_config = &app->cfg->metrics,
		.webhooks = &app->cfg->webhooks,
		.idempotency = &app->cfg->idempotency,
		.upstream_config = &app->cfg->upstreams,
		.upstreams = app->upstreams,
		.contracts = app->contracts,
		.flow_config = api_flow_config,
		.flow_instance = api_flow_instance,
		.flow_config_ud = app,
		.ops = &app->cfg->ops,
		/* the dashboard's per-minute history; its sampler runs under serve only */
		.ops_history = seam_ops_history_create(app->metrics),
	};
	*out = app;
	return 0;
fail:
	if (compiling)
		pthread_join(cth, NULL);
	if (opening)
		pthread_join(sth, NULL);
	seam_store_close(sj.store);
	if (cj.reg)
		seam_contracts_close(cj.reg);
	seam_app_close(app);
	return code;
}

void seam_app_close(seam_app_t *app)
{
	if (!app)
		return;
	seam_queue_destroy(app->queue);
	for (size_t i = app->flows ? app->flows->n : 0; app->flow && i-- > 0;)
		if (app->flow[i] && app->flows->defs[i]->destroy)
			app->flows->defs[i]->destroy(app->flow[i]);
	free(app->flow);
	for (size_t i = 0; app->upstreams && app->cfg && i < app->cfg->upstreams.n; i++)
		seam_upstream_destroy(app->upstreams[i]);
	if (app->curl_ready)
		seam_http_client_global_cleanup();
	free(app->upstreams);
	seam_store_close(app->store);
	if (app->contracts)
		seam_contracts_close(app->contracts);
	seam_ops_history_destroy(app->api.ops_history);
	seam_metrics_destroy(app->metrics);
	seam_log_destroy(app->log);
	seam_config_free(app->cfg);
	free(app);
}

int seam__app_parse_args(int argc, char **argv, const char *usage_line, const char *help,
			 seam_app_args_t *a, int *extra)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},  {"listen", required_argument, NULL, 'l'},
		{"store", required_argument, NULL, 's'},   {"help", no_argument, NULL, 'h'},
		{"reference", no_argument, NULL, 'R'},     {"routes", no_argument, NULL, 'T'},
		{"metrics", no_argument, NULL, 'M'},       {"openapi", no_argument, NULL, 'O'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->config_path = optarg; break;
		case 'l': a->listen = optarg; break;
		case 's': a->store = optarg; break;
		case 'R': case 'T': case 'M': case 'O':
			if (extra) {
				*extra = ch;
				break;
			}
			/* fallthrough */
		case 'h':
			if (ch == 'h') {
				printf("usage: seam %s\n\n%s\n", usage_line, help);
				return 0;
			}
			/* fallthrough */
		default:
			fprintf(stderr, "usage: seam %s\n", usage_line);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "seam: unexpected argument '%s'\nusage: seam %s\n", argv[optind],
			usage_line);
		return 2;
	}
	return -1;
}

/* --- seam ctl: the host the root hands ctl/ --------------------------------------------- */

static int ctl_open(void *ud, const seam_ctl_args_t *args, seam_store_t **store, seam_log_t **log,
		    void **handle)
{
	/* An existing store only: ctl never creates one. */
	seam_app_args_t a = {.config_path = args->config_path, .store = args->store, .ctl = 1,
			     .flows = ud};
	seam_app_t *app = NULL;
	int code = seam_app_open(&a, &app);
	if (code != 0)
		return code;
	*store = app->store;
	*log = app->log;
	*handle = app;
	return 0;
}

static void ctl_close(void *handle)
{
	seam_app_close(handle);
}

static const void *ctl_flow_config(void *handle, const seam_flow_def_t *def)
{
	seam_app_t *app = handle;
	return seam_config_section(app->cfg, def);
}

static const seam_cfg_map_t *ctl_stores(void *handle)
{
	seam_app_t *app = handle;
	return &app->cfg->stores;
}

int seam_app_ctl_main(const seam_flows_t *fl, int argc, char **argv)
{
	seam_ctl_host_t host = {.flows = fl, .open = ctl_open, .close = ctl_close,
				.flow_config = ctl_flow_config, .stores = ctl_stores,
				.ud = (void *)fl};
	host.routes = seam_api_routes(&host.nroutes);
	return seam_ctl_main(&host, argc, argv);
}

int seam_app_cmd_ctl(int argc, char **argv)
{
	return seam_app_ctl_main(seam_app_flows(), argc, argv);
}
