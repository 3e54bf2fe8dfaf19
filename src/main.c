/*
 * main.c: the seam binary's entry. It only dispatches subcommands from one table; every
 * subcommand lives in its layer (api/serve.c, ctl/ctl.c, sim/sim.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/version.h"
#include "ctl/ctl.h"
#include "sim/sim.h"

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
	{"check", cmd_check, "check [-c FILE] [--store URL] [--reference|--routes|--metrics]",
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

static int cmd_check(int argc, char **argv)
{
	seam_app_args_t a = {0};
	seam_config_t *cfg = NULL;
	int what = 0;
	int code = parse_common(argc, argv, commands[1].usage,
				"Runs the start-up validation of seam serve without serving: the config,\n"
				"the store it names (nothing is created), every mapping compiled and its\n"
				"samples run. Every problem is printed as file:line: message; exit 0 when\n"
				"serve would start, 2 when it would refuse.\n\n"
				"  -c, --config FILE  config file (default $SEAM_CONFIG, else ./seam.yaml,\n"
				"                     else the built-in defaults)\n"
				"      --store URL    check this store instead of the config's\n"
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
