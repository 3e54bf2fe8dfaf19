/*
 * main.c: the seam binary's entry. It only dispatches subcommands from one table; every
 * subcommand lives in its layer (api/serve.c, ctl/ctl.c, sim/sim.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/webhooks.h"
#include "core/config.h"
#include "core/metrics.h"
#include "ctl/ctl.h"
#include "flows/flow.h"
#include "map/map.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sim/sim.h"

#ifndef SEAM_VERSION
#define SEAM_VERSION "0.1.0"
#endif

typedef int (*cmd_fn)(int argc, char **argv);

static int cmd_serve(int argc, char **argv);
static int cmd_check(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct {
	const char *name;
	cmd_fn fn;
	const char *usage;
	const char *summary;
} commands[] = {
	{"serve", cmd_serve, "serve [-c FILE] [--listen HOST:PORT] [--store URL]",
	 "HTTP API, webhook ingress and job workers in one process."},
	{"check", cmd_check, "check [-c FILE] [--reference|--routes|--metrics]",
	 "Validate the config (and mappings, contracts); exit 2 with file:line messages."},
	{"ctl", seam_ctl_main, "ctl [-c FILE] [--store URL] [--json] COMMAND ...",
	 "Operator commands: keys, jobs, dead letters, flows, trace (seam ctl --help)."},
	{"sim", seam_sim_main, "sim [-c sim.yaml]",
	 "The upstream simulators (Drupal, ERP, PIM, PSP, tax) on loopback ports."},
	{"version", cmd_version, "version", "Print the version."},
	{"help", cmd_help, "help", "This text."},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp)
{
	fprintf(fp, "seam %s: the commerce integration layer\n\nusage: seam COMMAND [options]\n\n",
		SEAM_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nRun 'seam COMMAND --help' for a command's options.\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("seam %s\n", SEAM_VERSION);
	return 0;
}

/* Common options of serve and check. Returns -1 to continue, else an exit code. */
static int parse_common(int argc, char **argv, const char *usage_line, const char *help,
			seam_app_args_t *a, int *extra)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},  {"listen", required_argument, NULL, 'l'},
		{"store", required_argument, NULL, 's'},   {"help", no_argument, NULL, 'h'},
		{"reference", no_argument, NULL, 'R'},     {"routes", no_argument, NULL, 'T'},
		{"metrics", no_argument, NULL, 'M'},       {NULL, 0, NULL, 0},
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->config_path = optarg; break;
		case 'l': a->listen = optarg; break;
		case 's': a->store = optarg; break;
		case 'R': case 'T': case 'M':
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

static int cmd_serve(int argc, char **argv)
{
	seam_app_args_t a = {0};
	seam_app_t *app = NULL;
	int code = parse_common(argc, argv, commands[0].usage,
				"Serves the operator API (/v1), webhook ingress, health and metrics, and\n"
				"runs the job workers, until SIGTERM or SIGINT (then drains and exits 0).\n\n"
				"  -c, --config FILE       config file (default seam.yaml)\n"
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

struct check_report {
	int failed;
};

static void report_mapping(void *arg, const char *name, const char *path, seam_err_t rc,
			   const char *msg)
{
	struct check_report *r = arg;
	(void)name;
	if (rc != SEAM_OK) {
		r->failed++;
		fprintf(stderr, "%s: %s\n", path, msg);
	} else {
		printf("%s: %s\n", path, msg);
	}
}

/* Mappings: every file compiles, every sample runs (and matches its expected output), and
 * every mapping a store names exists. Returns the number of problems. */
static int check_mappings(const seam_config_t *cfg)
{
	struct check_report rep = {0};
	struct stat st;
	seam_error_t err = {0};
	int problems = 0;

	if (stat(cfg->mappings, &st) != 0 || !S_ISDIR(st.st_mode)) {
		int needed = 0;
		for (size_t i = 0; i < cfg->stores.n; i++)
			needed |= ((seam_config_store_t *)cfg->stores.items[i])->erp.upstream != NULL;
		if (!needed)
			return 0;
		fprintf(stderr, "%s: mappings directory not found (config key mappings)\n",
			cfg->mappings);
		return 1;
	}
	seam_map_opts_t mo = {.dir = cfg->mappings};
	if (seam_map_check_dir(&mo, NULL, report_mapping, &rep, &err) != SEAM_OK && rep.failed == 0) {
		fprintf(stderr, "%s: %s\n", cfg->mappings, err.msg);
		problems++;
	}
	problems += rep.failed;
	for (size_t i = 0; i < cfg->stores.n; i++) {
		const seam_config_store_t *sc = cfg->stores.items[i];
		char path[512];
		if (!sc->erp.upstream)
			continue;
		snprintf(path, sizeof path, "%s/%s.lua", cfg->mappings, sc->erp.mapping);
		if (access(path, R_OK) != 0) {
			fprintf(stderr, "%s: stores.%s.erp.mapping: %s not found\n", cfg->path,
				cfg->stores.names[i], path);
			problems++;
		}
	}
	return problems;
}

static int cmd_check(int argc, char **argv)
{
	seam_app_args_t a = {0};
	seam_cfg_diag_t diag = {0};
	seam_config_t *cfg = NULL;
	int what = 0;
	int code = parse_common(argc, argv, commands[1].usage,
				"Validates the config without serving. Every problem is printed as\n"
				"file:line: message; exit 0 when valid, 2 when not.\n\n"
				"  -c, --config FILE  config file (default seam.yaml)\n"
				"      --reference    print the config reference (Markdown) and exit\n"
				"      --routes       print the HTTP route table and exit\n"
				"      --metrics      print the metrics table and exit",
				&a, &what);
	if (code >= 0)
		return code;
	if (what == 'R') {
		seam_cfg_print_reference(&seam_config_schema, stdout);
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
	if (what == 'M') {
		size_t n;
		const seam_metric_def_t *d = seam_metric_defs(&n);
		static const char *const kinds[] = {"counter", "gauge", "histogram"};
		for (size_t i = 0; i < n; i++)
			printf("%-45s %-9s %-28s %s\n", d[i].name, kinds[d[i].kind],
			       *d[i].labels ? d[i].labels : "-", d[i].help);
		return 0;
	}
	const char *path = a.config_path ? a.config_path : "seam.yaml";
	if (seam_config_load(path, &cfg, &diag) != SEAM_OK) {
		seam_cfg_diag_print(&diag, stderr);
		fprintf(stderr, "seam check: %zu problem%s in %s\n", diag.n, diag.n == 1 ? "" : "s",
			path);
		seam_cfg_diag_dispose(&diag);
		return 2;
	}
	if (seam_flows_check_config(cfg, &diag) + seam_webhooks_check_config(cfg, &diag)) {
		seam_cfg_diag_print(&diag, stderr);
		fprintf(stderr, "seam check: %zu problem%s in %s\n", diag.n, diag.n == 1 ? "" : "s", path);
		seam_cfg_diag_dispose(&diag);
		seam_config_free(cfg);
		return 2;
	}
	int problems = check_mappings(cfg);
	if (problems) {
		fprintf(stderr, "seam check: %d problem%s in mappings\n", problems,
			problems == 1 ? "" : "s");
		seam_config_free(cfg);
		return 2;
	}
	printf("%s: ok (listen %s, store %s, %zu upstream%s, %zu store%s)\n", path,
	       a.listen ? a.listen : cfg->listen, a.store ? a.store : cfg->store, cfg->upstreams.n,
	       cfg->upstreams.n == 1 ? "" : "s", cfg->stores.n, cfg->stores.n == 1 ? "" : "s");
	seam_config_free(cfg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(0, NULL);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(0, NULL);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "seam: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
