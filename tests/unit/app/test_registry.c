/* test_registry.c: adding a flow is its own code plus one registry row (src/app/registry.c).
 *
 * The "shipping" flow below is written entirely in this file, as a new flow would be in
 * src/flows/shipping.c: its config section with its own table, a start-up check, create/destroy,
 * a start hook, a job kind with its handler, and a ctl command. A registry of the two real
 * flows plus this one row is handed to the root, and with no other change: `seam check
 * --reference` lists the section, the config loads it and the check runs with file:line,
 * flows.shipping is a known flow, serve creates the flow, registers its job kind and runs its job,
 * GET /v1/flows and `seam ctl flow list` list it, and `seam ctl shipping` runs its command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/config.h"
#include "app/registry.h"
#include "auth/keys.h"
#include "flows/orders.h"
#include "flows/catalog.h"
#include "flows/payments.h"
#include "flows/stock.h"
#include "flows/tax.h"
#include "flows/reconcile.h"
#include "tests/support/harness.h"

/* --- the flow, as src/flows/shipping.c would write it --------------------------------------- */

typedef struct shipping_config {
	int64_t interval_ms;
	char *mode;
} shipping_config_t;

static const seam_cfg_field_t shipping_fields[] = {
	{"interval", SEAM_CFG_DURATION, offsetof(shipping_config_t, interval_ms), 0, "5m",
	 "How often shipping rates are read from the carrier.", NULL, NULL, 1000, 86400000},
	{"mode", SEAM_CFG_ENUM, offsetof(shipping_config_t, mode), 0, "delta",
	 "delta: changed items only; full: every item.", NULL, "delta|full", 0, 0},
};
static const seam_cfg_schema_t shipping_schema = {"shipping_sync", sizeof(shipping_config_t), shipping_fields,
					       2};

static int created, destroyed, started, runs;
static int64_t seen_interval;

static void shipping_check(const seam_flow_env_t *env, const seam_cfg_check_t *chk)
{
	const shipping_config_t *c = env->config;
	if (!strcmp(c->mode, "full") && c->interval_ms < 60000)
		seam_cfg_check_keyf(chk, "shipping_sync.interval",
				    "a full sync every %lld ms would never finish; 1m at least",
				    (long long)c->interval_ms);
}

static seam_err_t shipping_create(const seam_flow_env_t *env, void **out, seam_error_t *err)
{
	const shipping_config_t *c = env->config;
	if (!env->queue || !env->store)
		return seam_errorf(err, SEAM_INVAL, "shipping: no queue or store");
	*out = (void *)c;
	__atomic_store_n(&seen_interval, c->interval_ms, __ATOMIC_RELAXED);
	__atomic_add_fetch(&created, 1, __ATOMIC_RELAXED);
	return SEAM_OK;
}

static void shipping_destroy(void *flow)
{
	(void)flow;
	__atomic_add_fetch(&destroyed, 1, __ATOMIC_RELAXED);
}

static seam_err_t shipping_start(void *flow, seam_error_t *err)
{
	(void)flow;
	(void)err;
	__atomic_add_fetch(&started, 1, __ATOMIC_RELAXED);
	return SEAM_OK;
}

static seam_err_t shipping_sync(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	(void)job;
	(void)res;
	(void)ud;
	__atomic_add_fetch(&runs, 1, __ATOMIC_RELAXED);
	return SEAM_OK;
}

static int shipping_cmd(const seam_flow_cmd_ctx_t *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	seam_db_t *db = seam_store_acquire(ctx->store);
	seam_stmt_t *s;
	long long n = -1;
	if (seam_db_prepare(db, "SELECT count(*) FROM jobs WHERE kind = 'shipping.sync'", &s, NULL) ==
	    SEAM_OK) {
		if (seam_stmt_step(s, NULL) == SEAM_ROW)
			n = (long long)seam_stmt_column_int64(s, 0);
		seam_stmt_reset(s);
	}
	seam_store_release(ctx->store, db);
	fprintf(ctx->out, "shipping.sync jobs: %lld\n", n);
	return n >= 0 ? 0 : 1;
}

static const seam_flow_job_t shipping_jobs[] = {{"shipping.sync", shipping_sync}};
static const seam_flow_cmd_t shipping_cmds[] = {
	{"shipping", "shipping", "Shipping sync: how many sync jobs there were.", shipping_cmd, NULL, 0},
};

static const seam_flow_def_t shipping_flow = {
	.name = "shipping",
	.summary = "Shipping rates from the carrier onto the storefront.",
	.config_key = "shipping_sync",
	.config_doc = "Shipping sync.",
	.config = &shipping_schema,
	.check = shipping_check,
	.create = shipping_create,
	.destroy = shipping_destroy,
	.start = shipping_start,
	.jobs = shipping_jobs,
	.njobs = 1,
	.cmds = shipping_cmds,
	.ncmds = 1,
};

/* --- the registry: the real one plus one row ---------------------------------------------- */

static const seam_flow_def_t *const rows[] = {&seam_flow_orders, &seam_flow_payments,
					      &seam_flow_catalog, &seam_flow_stock, &seam_flow_tax,
					      &seam_flow_reconcile, &shipping_flow};
static const seam_flows_t flows = {rows, 7};

/* The real registry's rows are the flows it was built with (the test's registry copies them). */
static void test_real_registry(void **state)
{
	const seam_flows_t *fl = seam_app_flows();
	char list[128];
	(void)state;
	char kinds[320];
	assert_int_equal(fl->n, 6);
	assert_string_equal(seam_flows_list(fl, 0, list, sizeof list),
			    "orders, payments, catalog, stock, tax, reconcile");
	assert_string_equal(seam_flows_list(fl, 1, kinds, sizeof kinds),
			    "order.export, order.cancel, order.poll, payment.apply, catalog.run, "
			    "catalog.product, catalog.poll, stock.fetch, stock.poll, stock.write, "
			    "stock.subscribe, tax.sweep, tax.commit, tax.void, tax.refund, reconcile.run, "
			    "reconcile.poll");
	assert_ptr_equal(seam_flows_find(fl, "catalog"), &seam_flow_catalog);
	assert_ptr_equal(seam_flows_find(fl, "payments"), &seam_flow_payments);
	assert_ptr_equal(seam_flows_find(fl, "stock"), &seam_flow_stock);
	assert_null(seam_flows_find(fl, "shipping"));
	/* every flow names its rows of SEAM_METRICS, and no row belongs to two flows */
	int owner[SEAM_M__COUNT];
	memset(owner, -1, sizeof owner);
	for (size_t i = 0; i < fl->n; i++) {
		assert_in_range(fl->defs[i]->nmetrics, 1, SEAM_M__COUNT);
		for (size_t j = 0; j < fl->defs[i]->nmetrics; j++) {
			seam_metric_id_e id = fl->defs[i]->metrics[j];
			assert_in_range(id, 0, SEAM_M__COUNT - 1);
			if (owner[id] >= 0)
				fail_msg("metric %d claimed by %s and %s", (int)id,
					 fl->defs[owner[id]]->name, fl->defs[i]->name);
			owner[id] = (int)i;
		}
	}
	assert_int_equal(owner[SEAM_M_PAYMENT_EVENTS], 1);
	assert_int_equal(owner[SEAM_M_ORDER_EXPORTS], 0);
	assert_int_equal(owner[SEAM_M_CATALOG_PRODUCTS], 2);
	assert_int_equal(owner[SEAM_M_STOCK_UPDATES], 3);
	assert_int_equal(owner[SEAM_M_TAX_QUOTES], 4);
	assert_int_equal(owner[SEAM_M_RECONCILE_DRIFT], 5);
}

static char *reference(const seam_flows_t *fl)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	seam_config_print_reference(fl, fp);
	fclose(fp);
	return buf;
}

static void test_config_section_and_check(void **state)
{
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	seam_error_t err = {0};
	(void)state;
	/* the reference: the real one, then the flow's rows, nothing else changed */
	char *real = reference(seam_app_flows()), *ref = reference(&flows);
	assert_int_equal(strncmp(ref, real, strlen(real)), 0);
	assert_string_equal(ref + strlen(real),
			    "| `shipping_sync.interval` | duration | 5m | How often shipping rates are "
			    "read from the carrier. |\n"
			    "| `shipping_sync.mode` | enum: delta\\|full | delta | delta: changed items "
			    "only; full: every item. |\n");
	free(real);
	free(ref);

	/* its section loads, with its defaults, and flows.shipping is a flow */
	const char *text = "flows: {shipping: {max_concurrency: 1}}\nshipping_sync:\n  interval: 2m\n";
	assert_int_equal(seam_config_load_text(&flows, "t.yaml", text, strlen(text), &cfg, &d), SEAM_OK);
	const shipping_config_t *sc = seam_config_section(cfg, &shipping_flow);
	assert_non_null(sc);
	assert_int_equal(sc->interval_ms, 120000);
	assert_string_equal(sc->mode, "delta");
	assert_null(seam_config_section(cfg, &seam_flow_orders)); /* it has no section */
	assert_non_null(seam_config_section(cfg, &seam_flow_payments));
	assert_int_equal(seam_app_validate(NULL, cfg, NULL, NULL, stderr), 0);
	seam_config_free(cfg);
	/* the real registry does not know the key */
	assert_int_equal(seam_config_load_text(seam_app_flows(), "t.yaml", text, strlen(text), &cfg, &d),
			 SEAM_CONFIG);
	assert_string_equal(d.lines[0], "t.yaml:2: unknown key 'shipping_sync'");
	seam_cfg_diag_dispose(&d);

	/* its check runs in the start-up validation, with file:line; unknown flows are listed from
	 * the registry */
	text = "flows: {shiping: {max_concurrency: 1}}\nshipping_sync:\n  interval: 10s\n  mode: full\n";
	assert_int_equal(seam_config_load_text(&flows, "t.yaml", text, strlen(text), &cfg, &d), SEAM_OK);
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	assert_int_equal(seam_app_validate(NULL, cfg, NULL, NULL, fp), 2);
	fclose(fp);
	assert_string_equal(out, "t.yaml: flows.shiping: no such flow (orders, payments, catalog, stock, tax, reconcile, shipping)\n"
				 "t.yaml:3: shipping_sync.interval: a full sync every 10000 ms would never "
				 "finish; 1m at least\n");
	free(out);
	seam_config_free(cfg);
	assert_int_equal(seam_flows_check_name(&flows, "shipping", &err), SEAM_OK);
}

/* Runs `seam ctl ARGS` with the test's flows; returns the exit code, *out its stdout. */
static int ctl(char **out, const char *const *args)
{
	char path[] = "/tmp/seam-ctl-out-XXXXXX", *argv[16];
	int argc = 0, fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	argv[argc++] = "ctl";
	for (; args[argc - 1] && argc < 15; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	int code = seam_app_ctl_main(&flows, argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	*out = th_read_file(path);
	unlink(path);
	return code;
}

/* The field of every item of {"items": [...]}, space-separated (static buffer). */
static const char *names(const char *body, const char *field)
{
	static char buf[256];
	size_t i, len = 0;
	json_t *doc = json_loads(body, 0, NULL), *it;
	buf[0] = '\0';
	json_array_foreach(json_object_get(doc, "items"), i, it)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", len ? " " : "",
					json_string_value(json_object_get(it, field)));
	json_decref(doc);
	return buf;
}

struct serve_arg {
	seam_app_t *app;
	int code;
};

static void *serve_thread(void *p)
{
	struct serve_arg *a = p;
	a->code = seam_app_serve(a->app);
	return NULL;
}

static void test_serve_and_ctl(void **state)
{
	char dir[64], path[128], yaml[512], base[64], url[128], key[SEAM_KEY_MAX], auth[128];
	seam_app_t *app = NULL;
	seam_error_t err = {0};
	int port = th_free_port();
	(void)state;
	th_tmpdir(dir);
	snprintf(path, sizeof path, "%s/seam.yaml", dir);
	snprintf(yaml, sizeof yaml,
		 "listen: 127.0.0.1:%d\nstore: sqlite://%s/seam.db\nmappings: %s\n"
		 "log: {level: warn, access_log: false}\nqueue: {workers: 1, poll: 50ms}\n"
		 "flows: {shipping: {max_concurrency: 1}}\nshipping_sync: {interval: 90s}\n",
		 port, dir, dir);
	th_write_file(path, yaml);
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);

	/* serve, as seam serve runs it, with the test's registry */
	seam_app_block_signals(); /* before any thread: the serving thread takes SIGTERM */
	seam_app_args_t args = {.config_path = path, .flows = &flows};
	assert_int_equal(seam_app_open(&args, &app), 0);
	assert_int_equal(seam_keys_create(app->store, "ops", "ops:read", key, &err), SEAM_OK);
	seam_db_t *db = seam_store_acquire(app->store);
	seam_job_spec_t spec = {.kind = "shipping.sync", .flow = "shipping"};
	assert_int_equal(seam_queue_enqueue(app->queue, db, &spec, NULL, NULL, &err), SEAM_OK);
	seam_store_release(app->store, db);

	struct serve_arg sa = {.app = app, .code = -1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, serve_thread, &sa), 0);
	snprintf(url, sizeof url, "%s/healthz", base);
	assert_int_equal(th_wait_http(url, 10000), 0);
	for (int i = 0; i < 200 && __atomic_load_n(&runs, __ATOMIC_RELAXED) < 1; i++)
		nanosleep(&(struct timespec){0, 25 * 1000 * 1000}, NULL);
	assert_int_equal(__atomic_load_n(&runs, __ATOMIC_RELAXED), 1);   /* its job ran */
	assert_int_equal(__atomic_load_n(&created, __ATOMIC_RELAXED), 1);
	assert_int_equal(__atomic_load_n(&started, __ATOMIC_RELAXED), 1);
	assert_int_equal(__atomic_load_n(&seen_interval, __ATOMIC_RELAXED), 90000); /* its config */

	/* REST lists it with the real flows */
	th_resp_t r = {0};
	snprintf(url, sizeof url, "%s/v1/flows", base);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
	const char *hdrs[] = {auth, NULL};
	assert_int_equal(th_http("GET", url, hdrs, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(names(r.body, "name"), "orders payments catalog stock tax reconcile shipping");
	th_resp_free(&r);
	snprintf(url, sizeof url, "%s/v1/jobs?flow=shipping", base);
	assert_int_equal(th_http("GET", url, hdrs, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(names(r.body, "kind"), "shipping.sync");
	th_resp_free(&r);

	kill(getpid(), SIGTERM);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(sa.code, 0);
	seam_app_close(app);
	assert_int_equal(__atomic_load_n(&destroyed, __ATOMIC_RELAXED), 1);

	/* ctl: the flow is listed, and its own command runs against the store */
	char *out = NULL;
	assert_int_equal(ctl(&out, (const char *[]){"-c", path, "flow", "list", NULL}), 0);
	assert_non_null(strstr(out, "shipping"));
	assert_non_null(strstr(out, "payments"));
	free(out);
	assert_int_equal(ctl(&out, (const char *[]){"-c", path, "shipping", NULL}), 0);
	assert_string_equal(out, "shipping.sync jobs: 1\n");
	free(out);
	assert_int_equal(ctl(&out, (const char *[]){"--help", NULL}), 0);
	assert_non_null(strstr(out, "  shipping   Shipping sync: how many sync jobs there were.\n"));
	free(out);
	/* with the real registry, neither exists */
	assert_int_equal(seam_app_cmd_ctl(3, (char *[]){"ctl", "shipping", "x", NULL}), 2);
	th_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_registry),
		cmocka_unit_test(test_config_section_and_check),
		cmocka_unit_test(test_serve_and_ctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
