/*
 * main.c: the seam binary's entry. It only dispatches subcommands from one table; every
 * subcommand lives in the composition root (app/serve.c, app/check.c, app/app.c for ctl). The
 * upstream simulators are not one of them: they are their own binary, seam-sim (sim/main.c),
 * so that the product links no double; `seam sim` only points there (the moved table).
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "core/version.h"

typedef int (*cmd_fn)(int argc, char **argv);

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct {
	const char *name;
	cmd_fn fn;
	const char *summary;
} commands[] = {
	{"serve", seam_app_cmd_serve, "HTTP API, webhook ingress and job workers in one process."},
	{"check", seam_app_cmd_check,
	 "Validate the config (and mappings, contracts); exit 2 with file:line messages."},
	{"ctl", seam_app_cmd_ctl,
	 "Operator commands: keys, jobs, dead letters, flows, trace (seam ctl --help)."},
	{"contract", seam_app_cmd_contract,
	 "Contracts: diff two schema versions, check the registry (the CI gate), validate documents."},
	{"version", cmd_version, "Print the version."},
	{"help", cmd_help, "This text."},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* Commands that left this binary: `seam NAME` says where they went and exits 2. */
static const struct {
	const char *name;
	const char *pointer;
} moved[] = {
	{"sim", "the upstream simulators are their own binary now: run seam-sim -c sim.yaml "
		"(build/seam-sim; seam-sim --help)"},
};
#define NMOVED (sizeof moved / sizeof moved[0])

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
	for (size_t i = 0; i < NMOVED; i++)
		if (strcmp(argv[1], moved[i].name) == 0) {
			fprintf(stderr, "seam %s: %s\n", moved[i].name, moved[i].pointer);
			return 2;
		}
	fprintf(stderr, "seam: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
