/*
 * check.c: the start-up validation (seam_app_validate), shared by `seam check` and serve, and
 * the `seam check` subcommand. Each check belongs to the module that owns what it checks (the
 * flows' own checks, the ingress's secrets, the upstream client's settings, the store's URL);
 * this file only runs them in one order, so check and serve cannot disagree.
 */
#include "app/app.h"
#include "app/app_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/openapi.h"
#include "api/webhooks.h"
#include "app/registry.h"
#include "core/metrics.h"
#include "core/version.h"
#include "map/map.h"

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

size_t seam_app_validate(const seam_app_args_t *args, const seam_config_t *cfg, FILE *outfp,
			 FILE *errfp)
{
	seam_cfg_diag_t diag = {0};
	seam_cfg_check_t chk = seam_config_check_ctx(cfg, &diag);
	const seam_flows_t *fl = cfg->registry ? cfg->registry : seam_app_flows();
	seam_error_t err = {0};
	size_t n;

	/* The flows: flows.<name> names a registered flow, then each flow's own check. */
	seam_app_flow_limits_check(fl, &cfg->flows, &chk);
	for (size_t i = 0; i < fl->n; i++) {
		if (!fl->defs[i]->check)
			continue;
		seam_flow_env_t env;
		seam_app_flow_env(NULL, cfg, fl->defs[i], &env);
		fl->defs[i]->check(&env, &chk);
	}
	seam_webhooks_check_config(&chk, &cfg->stores, &cfg->sources);
	seam_upstreams_config_check(&chk, &cfg->upstreams);
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

/* --- seam check ----------------------------------------------------------------------------- */

static const char check_usage[] =
	"check [-c FILE] [--store URL] [--reference|--routes|--metrics|--openapi]";

/* The document GET /openapi.json serves, from the same table and the built-in registry. */
static int print_openapi(void)
{
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	size_t n;
	const seam_route_t *routes = seam_api_routes(&n);
	json_t *doc = NULL;
	int code = 2;
	if (seam_contracts_open(&reg, &err) != SEAM_OK ||
	    !(doc = seam_openapi_build(routes, n, reg, SEAM_VERSION, &err))) {
		fprintf(stderr, "seam check: openapi: %s\n", err.msg);
		goto out;
	}
	json_dumpf(doc, stdout, JSON_INDENT(2));
	putchar('\n');
	code = 0;
out:
	json_decref(doc);
	if (reg)
		seam_contracts_close(reg);
	return code;
}

int seam_app_cmd_check(int argc, char **argv)
{
	seam_app_args_t a = {0};
	seam_config_t *cfg = NULL;
	int what = 0;
	int code = seam__app_parse_args(
		argc, argv, check_usage,
		"Runs the start-up validation of seam serve without serving: the config,\n"
		"the store it names (nothing is created), every mapping compiled and its\n"
		"samples run. Every problem is printed as file:line: message; exit 0 when\n"
		"serve would start, 2 when it would refuse.\n\n"
		"  -c, --config FILE  config file (default $SEAM_CONFIG, else ./seam.yaml,\n"
		"                     else the built-in defaults)\n"
		"      --store URL    check this store instead of the config's\n"
		"      --reference    print the config reference (Markdown) and exit\n"
		"      --routes       print the HTTP route table and exit\n"
		"      --metrics      print the metrics table and exit\n"
		"      --openapi      print the OpenAPI 3.1 document GET /openapi.json serves\n"
		"                     and exit",
		&a, &what);
	if (code >= 0)
		return code;
	if (what == 'R') {
		seam_config_print_reference(seam_app_flows(), stdout);
		return 0;
	}
	if (what == 'T') {
		size_t n;
		const seam_route_t *r = seam_api_routes(&n);
		for (size_t i = 0; i < n; i++)
			printf("%-6s %-40s %-12s %s\n", r[i].method, r[i].pattern,
			       r[i].scope ? r[i].scope : "-", r[i].summary ? r[i].summary : "");
		return 0;
	}
	if (what == 'O')
		return print_openapi();
	if (what == 'M') {
		size_t n;
		const seam_metric_def_t *d = seam_metric_defs(&n);
		static const char *const kinds[] = {"counter", "gauge", "histogram"};
		for (size_t i = 0; i < n; i++)
			printf("%-45s %-9s %-28s %s\n", d[i].name, kinds[d[i].kind],
			       *d[i].labels ? d[i].labels : "-", d[i].help);
		return 0;
	}
	code = seam_app_config_load(&a, stderr, &cfg);
	if (code != 0)
		return code;
	if (!seam_app_config_path(&a, NULL))
		printf("seam check: no -c, no SEAM_CONFIG, no ./seam.yaml: checking the built-in "
		       "defaults (what seam serve would run with here)\n");
	size_t problems = seam_app_validate(&a, cfg, stdout, stderr);
	if (problems) {
		fprintf(stderr, "seam check: %zu problem%s in %s\n", problems, problems == 1 ? "" : "s",
			cfg->path);
		seam_config_free(cfg);
		return 2;
	}
	printf("%s: ok (listen %s, store %s, %zu upstream%s, %zu store%s)\n", cfg->path, cfg->listen,
	       cfg->store, cfg->upstreams.n, cfg->upstreams.n == 1 ? "" : "s", cfg->stores.n,
	       cfg->stores.n == 1 ? "" : "s");
	seam_config_free(cfg);
	return 0;
}
