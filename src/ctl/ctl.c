/*
 * ctl.c: dispatch for `seam ctl` and the keys command.
 */
#include "ctl/ctl.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "api/keys.h"
#include "ctl/ctl_jobs.h"
#include "ctl/table.h"

typedef struct ctl_cmd {
	const char *name;
	seam_ctl_fn fn;
	const char *usage;
	const char *summary;
} ctl_cmd_t;

static int cmd_jobs(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	return seam_ctl_jobs(ctx->app->store, ctx->json, ctx->out, ctx->err, argc, argv);
}

static int cmd_dlq(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	return seam_ctl_dlq(ctx->app->store, ctx->json, ctx->out, ctx->err, argc, argv);
}

static int cmd_flow(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	return seam_ctl_flow(ctx->app->store, ctx->json, ctx->out, ctx->err, argc, argv);
}

static const ctl_cmd_t commands[] = {
	{"jobs", cmd_jobs, "jobs list|show ID|retry ID|cancel ID [--flow F] [--state S] ...",
	 "Durable jobs: list with filters, show one with every attempt, retry, cancel."},
	{"dlq", cmd_dlq, "dlq list|show ID|replay (ID | --flow F | --since T --until T | --all)",
	 "Dead letters: jobs that exhausted their attempts or failed permanently; replay them."},
	{"flow", cmd_flow, "flow list|pause NAME|resume NAME",
	 "Kill switches: pause a flow (work queues up), resume it (the backlog drains)."},
	{"keys", seam_ctl_keys, "keys create --name N --scopes a,b | keys list | keys revoke NAME",
	 "API keys for /v1 clients: create (printed once), list, revoke."},
	{"trace", seam_ctl_trace,
	 "trace <order uuid | order number | payment id | event id | correlation id> [--json]",
	 "One order's story across systems: events, export attempts, ERP number, payments."},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp)
{
	fprintf(fp, "usage: seam ctl [-c FILE] [--store URL] [--json] COMMAND ...\n\n"
		    "Operator commands against the store of a seam instance.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-8s %s\n           seam ctl %s\n", commands[i].name, commands[i].summary,
			commands[i].usage);
	fprintf(fp, "\noptions:\n  -c, --config FILE  config file (default seam.yaml)\n"
		    "      --store URL    store URL, overrides the config\n"
		    "      --json         machine-readable output\n");
}

int seam_ctl_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"store", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	seam_app_args_t a = {.ctl = 1}; /* an existing store only: ctl never creates one */
	seam_ctl_ctx_t ctx = {.out = stdout, .err = stderr};
	int ch, code;

	optind = 1;
	/* "+": stop at the first non-option so each command parses its own options. */
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a.config_path = optarg; break;
		case 's': a.store = optarg; break;
		case 'j': ctx.json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const ctl_cmd_t *cmd = NULL;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, argv[optind]) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "seam ctl: unknown command '%s'\n\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	for (int i = optind + 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: seam ctl %s\n\n%s\n", cmd->usage, cmd->summary);
			return 0;
		}
	code = seam_app_open(&a, &ctx.app);
	if (code != 0)
		return code;
	/* ctl talks to people on stdout; keep the JSON log for warnings only. */
	seam_log_set_level(ctx.app->log, SEAM_LOG_WARN);
	code = cmd->fn(&ctx, argc - optind, argv + optind);
	seam_app_close(ctx.app);
	return code;
}

static int keys_create(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'}, {"scopes", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},       {NULL, 0, NULL, 0},
	};
	const char *name = NULL, *scopes = NULL;
	char key[SEAM_KEY_MAX];
	seam_error_t err = {0};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'n')
			name = optarg;
		else if (ch == 's')
			scopes = optarg;
		else if (ch == 'j')
			ctx->json = 1;
		else
			return 2;
	}
	if (!name || !scopes) {
		fprintf(ctx->err, "usage: seam ctl keys create --name NAME --scopes a:read,b:write\n");
		return 2;
	}
	if (seam_keys_create(ctx->app->store, name, scopes, key, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl keys create: %s\n", err.msg);
		return 1;
	}
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "name", name, "scopes", scopes, "key", key);
		json_dumpf(o, ctx->out, JSON_INDENT(2));
		fputc('\n', ctx->out);
		json_decref(o);
	} else {
		fprintf(ctx->out, "%s\n", key);
		fprintf(ctx->err, "created key '%s' with scopes %s; it is shown only this once\n", name,
			scopes);
	}
	explicit_bzero(key, sizeof key);
	return 0;
}

static int keys_list(seam_ctl_ctx_t *ctx)
{
	static const seam_table_col_t cols[] = {
		{"name", 24, SEAM_TABLE_TEXT},   {"prefix", 0, SEAM_TABLE_TEXT},
		{"scopes", 40, SEAM_TABLE_TEXT}, {"created_at", 0, SEAM_TABLE_TEXT},
		{"last_used_at", 0, SEAM_TABLE_TEXT}, {"status", 0, SEAM_TABLE_TEXT},
	};
	json_t *arr = NULL, *k;
	seam_error_t err = {0};
	size_t i;
	if (seam_keys_list(ctx->app->store, &arr, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl keys list: %s\n", err.msg);
		return 1;
	}
	if (!ctx->json && json_array_size(arr) == 0) {
		fprintf(ctx->out, "(no keys; create one with: seam ctl keys create --name N --scopes ops:read)\n");
		json_decref(arr);
		return 0;
	}
	seam_table_t *t = seam_table_create(cols, sizeof cols / sizeof cols[0]);
	json_array_foreach(arr, i, k) {
		const char *row[] = {
			json_string_value(json_object_get(k, "name")),
			json_string_value(json_object_get(k, "prefix")),
			json_string_value(json_object_get(k, "scopes")),
			json_string_value(json_object_get(k, "created_at")),
			json_string_value(json_object_get(k, "last_used_at")),
			json_is_null(json_object_get(k, "revoked_at")) ? "active" : "revoked",
		};
		seam_table_add(t, row);
	}
	int rc = seam_table_print(t, ctx->out, ctx->json) == 0 ? 0 : 1;
	seam_table_destroy(t);
	json_decref(arr);
	return rc;
}

int seam_ctl_keys(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	seam_error_t err = {0};
	if (argc < 2) {
		fprintf(ctx->err, "usage: seam ctl keys create|list|revoke ...\n");
		return 2;
	}
	if (strcmp(argv[1], "create") == 0)
		return keys_create(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return keys_list(ctx);
	if (strcmp(argv[1], "revoke") == 0) {
		if (argc != 3) {
			fprintf(ctx->err, "usage: seam ctl keys revoke NAME|PREFIX\n");
			return 2;
		}
		if (seam_keys_revoke(ctx->app->store, argv[2], &err) != SEAM_OK) {
			fprintf(ctx->err, "seam ctl keys revoke: %s\n", err.msg);
			return 1;
		}
		fprintf(ctx->out, "revoked %s\n", argv[2]);
		return 0;
	}
	fprintf(ctx->err, "seam ctl keys: unknown action '%s' (create, list, revoke)\n", argv[1]);
	return 2;
}
