/*
 * ctl.c: dispatch for `seam ctl` and the keys command.
 */
#include "ctl/ctl.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "auth/keys.h"
#include "auth/scopes.h"
#include "ctl/ctl_jobs.h"
#include "ctl/table.h"

typedef struct ctl_cmd {
	const char *name;
	seam_ctl_fn fn;
	const char *usage;
	const char *summary;
	/* fn prints its own --help per action (then it runs without a store); else the usage
	 * line above is the help. */
	int own_help;
	const char *nostore; /* actions that run without a store, comma-separated, or NULL */
} ctl_cmd_t;

static int cmd_jobs(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	return seam_ctl_jobs(ctx->store, ctx->host->flows, ctx->json, ctx->out, ctx->err, argc, argv);
}

static int cmd_dlq(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	return seam_ctl_dlq(ctx->store, ctx->host->flows, ctx->json, ctx->out, ctx->err, argc, argv);
}

static int cmd_flow(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	return seam_ctl_flow(ctx->store, ctx->host->flows, ctx->json, ctx->out, ctx->err, argc, argv);
}

static int cmd_quarantine(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	return seam_ctl_quarantine(ctx->store, ctx->host->flows, ctx->json, ctx->out, ctx->err, argc,
				   argv);
}

static const ctl_cmd_t commands[] = {
	{"jobs", cmd_jobs, "jobs list|show ID|retry ID|cancel ID [--flow F] [--state S] ...",
	 "Durable jobs: list with filters, show one with every attempt, retry, cancel.", 1, NULL},
	{"dlq", cmd_dlq, "dlq list|show ID|replay (ID | --flow F | --since T --until T | --all)",
	 "Dead letters: jobs that exhausted their attempts or failed permanently; replay them.", 1,
	 NULL},
	{"flow", cmd_flow, "flow list|pause NAME|resume NAME",
	 "Kill switches: pause a flow (work queues up), resume it (the backlog drains).", 1, NULL},
	{"quarantine", cmd_quarantine, "quarantine list [--provider P] [--source S] [--since T] ...",
	 "Webhook events refused after their signature verified, each with its reason.", 1, NULL},
	{"keys", seam_ctl_keys,
	 "keys create --name N --scopes a,b | keys list | keys revoke NAME | keys scopes",
	 "API keys for /v1 clients: create (printed once), list, revoke; the known scopes.", 1,
	 "scopes"},
	{"trace", seam_ctl_trace,
	 "trace <order uuid | order number | payment id | event id | SKU | PIM product | "
	 "correlation id> [--json]",
	 "One order's or product's story across systems: events, export attempts, ERP number, "
	 "payments, catalog syncs.", 0, NULL},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(const seam_ctl_host_t *host, FILE *fp)
{
	fprintf(fp, "usage: seam ctl [-c FILE] [--store URL] [--json] COMMAND ...\n\n"
		    "Operator commands against the store of a seam instance.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-10s %s\n             seam ctl %s\n", commands[i].name, commands[i].summary,
			commands[i].usage);
	/* The flows' own commands, from the registry. */
	for (size_t i = 0; host->flows && i < host->flows->n; i++)
		for (size_t j = 0; j < host->flows->defs[i]->ncmds; j++) {
			const seam_flow_cmd_t *c = &host->flows->defs[i]->cmds[j];
			fprintf(fp, "  %-10s %s\n             seam ctl %s\n", c->name, c->summary, c->usage);
		}
	fprintf(fp, "\noptions (before the command; --json also anywhere after it):\n"
		    "  -c, --config FILE  config file (default seam.yaml)\n"
		    "      --store URL    store URL, overrides the config\n"
		    "      --json         machine-readable output\n"
		    "\n'seam ctl COMMAND --help' and 'seam ctl COMMAND ACTION --help' list their options.\n");
}

static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, name, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int takes(const seam_flow_cmd_t *c, const char *action)
{
	if (!c->actions)
		return 1;
	for (const char *const *a = c->actions; action && *a; a++)
		if (strcmp(*a, action) == 0)
			return 1;
	return 0;
}

/* A flow's command, from the registry (and *def its flow): the one called name that takes
 * action (argv[1], may be NULL), else the first called name; NULL when no flow has one. */
static const seam_flow_cmd_t *flow_cmd(const seam_ctl_host_t *host, const char *name,
				       const char *action, const seam_flow_def_t **def)
{
	const seam_flow_cmd_t *first = NULL;
	for (size_t i = 0; host->flows && i < host->flows->n; i++)
		for (size_t j = 0; j < host->flows->defs[i]->ncmds; j++) {
			const seam_flow_cmd_t *c = &host->flows->defs[i]->cmds[j];
			if (strcmp(c->name, name) != 0)
				continue;
			if (takes(c, action)) {
				*def = host->flows->defs[i];
				return c;
			}
			if (!first) {
				first = c;
				*def = host->flows->defs[i];
			}
		}
	return first;
}

int seam_ctl_main(const seam_ctl_host_t *host, int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"store", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	seam_ctl_args_t a = {0};
	seam_ctl_ctx_t ctx = {.host = host, .out = stdout, .err = stderr};
	void *handle = NULL;
	int ch, code, help = 0;

	optind = 1;
	/* "+": stop at the first non-option so each command parses its own options. */
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a.config_path = optarg; break;
		case 's': a.store = optarg; break;
		case 'j': ctx.json = 1; break;
		case 'h': usage(host, stdout); return 0;
		default: usage(host, stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(host, stderr);
		return 2;
	}
	const ctl_cmd_t *cmd = NULL;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, argv[optind]) == 0)
			cmd = &commands[i];
	const seam_flow_def_t *fdef = NULL;
	const seam_flow_cmd_t *fcmd =
		cmd ? NULL : flow_cmd(host, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, &fdef);
	if (!cmd && !fcmd) {
		fprintf(stderr, "seam ctl: unknown command '%s'\n\n", argv[optind]);
		usage(host, stderr);
		return 2;
	}
	/* --json is the same flag wherever it is written (`seam ctl --json jobs list` or
	 * `seam ctl jobs list --json`): take it out here so no command has to know. */
	int n = optind + 1;
	for (int i = optind + 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			ctx.json = 1;
			continue;
		}
		help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
		argv[n++] = argv[i];
	}
	argc = n;
	if (help && fcmd && fcmd->own_help) {
		seam_flow_cmd_ctx_t fc = {.json = ctx.json, .out = stdout, .err = stderr};
		return fcmd->run(&fc, argc - optind, argv + optind);
	}
	if (help && fcmd) {
		printf("usage: seam ctl %s [--json]\n\n%s\n", fcmd->usage, fcmd->summary);
		return 0;
	}
	if (help && !cmd->own_help) {
		printf("usage: seam ctl %s [--json]\n\n%s\n", cmd->usage, cmd->summary);
		return 0;
	}
	/* Help and table-only actions need no store: run them before opening one. */
	if (cmd && (help || (argc > optind + 1 && listed(cmd->nostore, argv[optind + 1]))))
		return cmd->fn(&ctx, argc - optind, argv + optind);
	code = host->open(host->ud, &a, &ctx.store, &ctx.log, &handle);
	if (code != 0)
		return code;
	/* ctl talks to people on stdout; keep the JSON log for warnings only. */
	seam_log_set_level(ctx.log, SEAM_LOG_WARN);
	if (fcmd) {
		seam_flow_cmd_ctx_t fc = {.store = ctx.store, .json = ctx.json, .out = ctx.out,
					  .err = ctx.err};
		if (host->flow_config)
			fc.config = host->flow_config(handle, fdef);
		if (host->stores)
			fc.stores = host->stores(handle);
		code = fcmd->run(&fc, argc - optind, argv + optind);
	} else {
		code = cmd->fn(&ctx, argc - optind, argv + optind);
	}
	host->close(handle);
	return code;
}

/* --- keys --------------------------------------------------------------------------------- */

typedef struct keys_action {
	const char *name;
	const char *usage;   /* what follows "seam ctl keys <name>" */
	const char *summary;
	int needs_store;
	int npos; /* positional arguments after the action; -1: fn parses its own */
	int (*fn)(seam_ctl_ctx_t *ctx, int argc, char **argv); /* argv[0] = the action */
} keys_action_t;

static void known_scopes(FILE *fp)
{
	size_t n;
	const seam_scope_def_t *d = seam_scopes(&n);
	fprintf(fp, "  known scopes:");
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s %s", i ? "," : "", d[i].name);
	fprintf(fp, " (X:admin also grants X:read)\n");
}

static int keys_usage(const keys_action_t *a, FILE *fp)
{
	fprintf(fp, "usage: seam ctl keys %s%s%s [--json]\n  %s\n", a->name, *a->usage ? " " : "",
		a->usage, a->summary);
	if (strcmp(a->name, "create") == 0)
		known_scopes(fp);
	return 2;
}

static void print_json(seam_ctl_ctx_t *ctx, json_t *doc)
{
	json_dumpf(doc, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', ctx->out);
}

static int keys_create(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'}, {"scopes", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL, *scopes = NULL;
	char key[SEAM_KEY_MAX];
	seam_error_t err = {0};
	int ch;
	optind = 1;
	opterr = 0; /* our message below, not getopt's */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'n')
			name = optarg;
		else if (ch == 's')
			scopes = optarg;
		else {
			fprintf(ctx->err, "seam ctl keys create: unknown option '%s'\n", argv[optind - 1]);
			return 2;
		}
	}
	if (!name || !scopes || optind < argc) {
		fprintf(ctx->err, "usage: seam ctl keys create --name NAME --scopes SCOPE[,SCOPE...] "
			"(seam ctl keys scopes lists them)\n");
		return 2;
	}
	seam_err_t rc = seam_keys_create(ctx->store, name, scopes, key, &err);
	if (rc != SEAM_OK) {
		fprintf(ctx->err, "seam ctl keys create: %s%s\n", err.msg,
			rc == SEAM_INVAL ? " (seam ctl keys scopes says what each grants)" : "");
		return rc == SEAM_INVAL ? 2 : 1;
	}
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "name", name, "scopes", scopes, "key", key);
		print_json(ctx, o);
		json_decref(o);
	} else {
		fprintf(ctx->out, "%s\n", key);
		fprintf(ctx->err, "created key '%s' with scopes %s; it is shown only this once\n", name,
			scopes);
	}
	explicit_bzero(key, sizeof key);
	return 0;
}

static const seam_table_col_t key_cols[] = {
	{"name", 24, SEAM_TABLE_TEXT},   {"prefix", 0, SEAM_TABLE_TEXT},
	{"scopes", 40, SEAM_TABLE_TEXT}, {"created_at", 0, SEAM_TABLE_TEXT},
	{"last_used_at", 0, SEAM_TABLE_TEXT}, {"status", 0, SEAM_TABLE_TEXT},
};

static int keys_list(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	json_t *arr = NULL, *k;
	seam_error_t err = {0};
	size_t i;
	(void)argc;
	(void)argv;
	if (seam_keys_list(ctx->store, &arr, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl keys list: %s\n", err.msg);
		return 1;
	}
	if (!ctx->json && json_array_size(arr) == 0) {
		fprintf(ctx->out, "(no keys; create one with: seam ctl keys create --name N --scopes ops:read)\n");
		json_decref(arr);
		return 0;
	}
	seam_table_t *t = seam_table_create(key_cols, sizeof key_cols / sizeof key_cols[0]);
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

static int keys_revoke(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	seam_error_t err = {0};
	json_t *arr = NULL, *k, *found = NULL;
	size_t i;
	(void)argc;
	if (seam_keys_revoke(ctx->store, argv[1], &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl keys revoke: %s\n", err.msg);
		return 1;
	}
	if (!ctx->json) {
		fprintf(ctx->out, "revoked %s\n", argv[1]);
		return 0;
	}
	/* The key as `keys list --json` shows it, now with its revoked_at. */
	if (seam_keys_list(ctx->store, &arr, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl keys revoke: revoked %s, but cannot read it back: %s\n",
			argv[1], err.msg);
		return 1;
	}
	json_array_foreach(arr, i, k) {
		const char *n = json_string_value(json_object_get(k, "name"));
		const char *p = json_string_value(json_object_get(k, "prefix"));
		if (!json_is_null(json_object_get(k, "revoked_at")) &&
		    ((n && strcmp(n, argv[1]) == 0) || (p && strcmp(p, argv[1]) == 0)))
			found = k;
	}
	json_t *o = found ? json_deep_copy(found) : json_pack("{s:s}", "name", argv[1]);
	json_object_set_new(o, "status", json_string("revoked"));
	print_json(ctx, o);
	json_decref(o);
	json_decref(arr);
	return 0;
}

/* Each scope with what it grants and the routes that need exactly it (from the route table). */
static int keys_scopes(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	static const seam_table_col_t cols[] = {
		{"scope", 0, SEAM_TABLE_TEXT},
		{"grants", 0, SEAM_TABLE_TEXT},
		{"routes", 0, SEAM_TABLE_TEXT},
	};
	size_t ns, nr;
	const seam_scope_def_t *d = seam_scopes(&ns);
	const seam_route_t *r = ctx->host ? ctx->host->routes : NULL;
	nr = ctx->host ? ctx->host->nroutes : 0;
	int rc = 1;
	(void)argc;
	(void)argv;
	seam_table_t *t = seam_table_create(cols, sizeof cols / sizeof cols[0]);
	if (!t)
		return 1;
	for (size_t i = 0; i < ns; i++) {
		char routes[1024];
		size_t len = 0;
		routes[0] = '\0';
		for (size_t j = 0; j < nr; j++)
			if (r[j].scope && strcmp(r[j].scope, d[i].name) == 0 && len < sizeof routes)
				len += (size_t)snprintf(routes + len, sizeof routes - len, "%s%s %s",
							len ? ", " : "", r[j].method, r[j].pattern);
		if (d[i].also && len < sizeof routes)
			snprintf(routes + len, sizeof routes - len, "%s%s", len ? ", " : "", d[i].also);
		const char *row[] = {d[i].name, d[i].grants, routes};
		if (seam_table_add(t, row) != 0)
			goto out;
	}
	rc = seam_table_print(t, ctx->out, ctx->json) == 0 ? 0 : 1;
	if (rc == 0 && !ctx->json)
		fprintf(ctx->out, "\nX:admin also grants X:read. GET /v1/whoami answers any valid key.\n");
out:
	seam_table_destroy(t);
	return rc;
}

static const keys_action_t keys_actions[] = {
	{"create", "--name NAME --scopes SCOPE[,SCOPE...]",
	 "Create a key; it is printed once (only its SHA-256 is stored). Scopes: see keys scopes.", 1,
	 -1, keys_create},
	{"list", "", "Every key: name, prefix, scopes, created, last used, active or revoked.", 1,
	 0, keys_list},
	{"revoke", "NAME|PREFIX", "Revoke a key; it answers 401 at once.", 1, 1, keys_revoke},
	{"scopes", "", "The known scopes, what each grants and the routes that need it.", 0,
	 0, keys_scopes},
};
#define NKEYS_ACTIONS (sizeof keys_actions / sizeof keys_actions[0])

static void keys_help(FILE *fp)
{
	fprintf(fp, "usage: seam ctl keys ACTION [--json] ...\n\n");
	for (size_t i = 0; i < NKEYS_ACTIONS; i++)
		fprintf(fp, "  %s%s%s\n      %s\n", keys_actions[i].name,
			*keys_actions[i].usage ? " " : "", keys_actions[i].usage, keys_actions[i].summary);
	fputc('\n', fp);
	known_scopes(fp);
}

int seam_ctl_keys(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	char *args[32];
	int n = 0, help = 0;
	/* --json and --help may come anywhere after the action. */
	for (int i = 0; i < argc && n < (int)(sizeof args / sizeof args[0]); i++) {
		if (i > 0 && strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (i > 0 && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0))
			help = 1;
		else
			args[n++] = argv[i];
	}
	if (n < 2 || strcmp(args[1], "help") == 0) {
		keys_help(help || n >= 2 ? ctx->out : ctx->err);
		return help || n >= 2 ? 0 : 2;
	}
	for (size_t i = 0; i < NKEYS_ACTIONS; i++) {
		const keys_action_t *a = &keys_actions[i];
		if (strcmp(args[1], a->name) != 0)
			continue;
		if (help) {
			keys_usage(a, ctx->out);
			return 0;
		}
		if (a->npos >= 0 && n - 2 != a->npos)
			return keys_usage(a, ctx->err);
		if (a->needs_store && !ctx->store) {
			fprintf(ctx->err, "seam ctl keys %s: no store\n", a->name);
			return 1;
		}
		return a->fn(ctx, n - 1, args + 1);
	}
	fprintf(ctx->err, "seam ctl keys: unknown action '%s'\n", args[1]);
	keys_help(ctx->err);
	return 2;
}
