/*
 * catalog_ctl.c: `seam ctl sync`, the catalog flow's operator command (docs/catalog.md,
 * docs/operations.md):
 *
 *   sync catalog --store S [--full] [--dry-run] [--no-wait]   start a run and follow it
 *   sync status [--store S | RUN] [--follow]                   one run (the store's newest)
 *   sync list [--store S] [--limit N]                          the newest runs
 *   sync plan RUN                                              what a dry run would do
 *
 * seam ctl only writes the run's row and its job; the running `seam serve` works it. Following
 * reads the row every SEAM_FOLLOW_MS (follow.h): a progress bar with counts and ETA on a terminal, a plain line
 * per phase (and every SEAM_FOLLOW_PLAIN_MS) otherwise, one JSON line per change with --json; then the
 * summary. Ctrl-C stops following and leaves the run going (exit 130).
 *
 * Exit codes: 0 the run is done without failed subjects (quarantined ones are reported, not
 * failures: they wait for a fix in the PIM), 1 the run failed, was canceled or some subjects
 * failed (or a read failed), 2 usage or a store without catalog config, 130 interrupted.
 */
#include "flows/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "flows/follow.h"

#define BAR_WIDTH 24

#define str seam_follow_str
#define num seam_follow_num

/* ---------- output ---------- */

static void counts(FILE *fp, const json_t *run)
{
	fprintf(fp, "created %lld, updated %lld, unchanged %lld, unpublished %lld, quarantined %lld, "
		    "failed %lld",
		num(run, "created"), num(run, "updated"), num(run, "unchanged"),
		num(run, "unpublished"), num(run, "quarantined"), num(run, "failed"));
}

static void fmt_duration(char *out, size_t cap, int64_t ms)
{
	int64_t s = ms / 1000;
	if (s >= 3600)
		snprintf(out, cap, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, cap, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(out, cap, "%llds", (long long)s);
}

/*
 * How far the run is, 0..1, or -1 when unknown. Reading the PIM and applying subjects overlap:
 * while the walk goes on, the subjects still to come are estimated from the share of PIM
 * records read (total counts records, enqueued subjects); after it, finished of enqueued.
 */
static double fraction(const json_t *run)
{
	const char *phase = str(run, "phase");
	long long total = num(run, "total"), seen = num(run, "seen");
	long long enq = num(run, "enqueued"), fin = num(run, "finished");
	int walking = !strcmp(phase, "models") || !strcmp(phase, "products");
	if (!seam_follow_live(run))
		return 1.0;
	if (!strcmp(phase, "sweep") || !strcmp(phase, "finish"))
		return 0.99;
	if (!walking)
		return enq > 0 ? (double)fin / (double)enq : 1.0;
	if (total <= 0 || !json_is_integer(json_object_get(run, "total")))
		return -1;
	double read = seen >= total ? 1.0 : (double)seen / (double)total;
	double applied = enq > 0 ? (double)fin / (double)enq : 0.0;
	return read * applied;
}

static void phase_text(char *out, size_t cap, const json_t *run)
{
	const char *phase = str(run, "phase"), *state = str(run, "state");
	char total[24] = "?";
	if (json_is_integer(json_object_get(run, "total")))
		snprintf(total, sizeof total, "%lld", num(run, "total"));
	if (!strcmp(state, "queued"))
		snprintf(out, cap, "queued");
	else if (!strcmp(phase, "models") || !strcmp(phase, "products"))
		snprintf(out, cap, "reading %s, %lld/%s PIM records", phase, num(run, "seen"), total);
	else if (!strcmp(phase, "apply"))
		snprintf(out, cap, "applying");
	else
		snprintf(out, cap, "%s", phase);
}

/* One progress line: the bar (tty) or a plain line. */
static void progress(FILE *fp, const json_t *run, int tty, int64_t started)
{
	double f = fraction(run);
	char ph[96], eta[32] = "";
	int64_t el = seam_now_ms() - started;
	phase_text(ph, sizeof ph, run);
	if (f > 0.02 && f < 1.0 && el > 1000)
		fmt_duration(eta, sizeof eta, (int64_t)((double)el * (1.0 - f) / f));
	if (tty) {
		char bar[BAR_WIDTH + 1];
		int fill = f < 0 ? 0 : (int)(f * BAR_WIDTH + 0.5);
		for (int i = 0; i < BAR_WIDTH; i++)
			bar[i] = i < fill ? '#' : '-';
		bar[BAR_WIDTH] = '\0';
		char pct[8] = "  ?%";
		if (f >= 0)
			snprintf(pct, sizeof pct, "%3d%%", (int)(f * 100));
		fprintf(fp, "\r\033[K[%s] %s  %s  %lld/%lld products  ", bar, pct, ph,
			num(run, "finished"), num(run, "enqueued"));
		fprintf(fp, "%s%s%s", eta[0] ? "ETA " : "", eta, json_is_true(json_object_get(run, "paused")) ? "  PAUSED" : "");
	} else {
		fprintf(fp, "%s: %lld/%lld products, ", ph, num(run, "finished"), num(run, "enqueued"));
		counts(fp, run);
		if (eta[0])
			fprintf(fp, ", ETA %s", eta);
		if (json_is_true(json_object_get(run, "paused")))
			fprintf(fp, " (paused: seam ctl flow resume catalog)");
		fputc('\n', fp);
	}
	fflush(fp);
}

static void print_run(FILE *fp, const json_t *run)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)run, k, v) {
		if (json_is_null(v))
			continue;
		char *t = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
		fprintf(fp, "%-15s %s\n", k, t ? t : json_string_value(v));
		free(t);
	}
}

/* A diff value, short: JSON, cut at 60 characters. */
static void short_value(FILE *fp, const json_t *v)
{
	char *t = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	if (!t) {
		fputs("null", fp);
		return;
	}
	if (strlen(t) > 60)
		fprintf(fp, "%.57s...", t);
	else
		fputs(t, fp);
	free(t);
}

static void print_plan(FILE *fp, const json_t *plan)
{
	size_t i;
	json_t *p;
	fprintf(fp, "plan: %zu change%s\n", json_array_size(plan), json_array_size(plan) == 1 ? "" : "s");
	json_array_foreach(plan, i, p) {
		fprintf(fp, "  %-9s %-9s %s\n", str(p, "action"), str(p, "entity"), str(p, "key"));
		const char *field;
		json_t *d;
		json_object_foreach(json_object_get(p, "diff"), field, d) {
			fprintf(fp, "      %s: ", field);
			short_value(fp, json_object_get(d, "from"));
			fputs(" -> ", fp);
			short_value(fp, json_object_get(d, "to"));
			fputc('\n', fp);
		}
	}
}

static int run_exit(const json_t *run)
{
	return strcmp(str(run, "state"), "done") || num(run, "failed") > 0 ? 1 : 0;
}

static void summary(const seam_flow_cmd_ctx_t *ctx, const json_t *run)
{
	char d[32] = "?";
	int64_t a, b;
	if (seam_rfc3339_parse(str(run, "created_at"), &a) == 0 &&
	    seam_rfc3339_parse(str(run, "finished_at"), &b) == 0)
		fmt_duration(d, sizeof d, b - a);
	fprintf(ctx->out, "catalog %s%s run %s of store %s: %s in %s\n",
		json_is_true(json_object_get(run, "dry_run")) ? "dry " : "", str(run, "mode"),
		str(run, "id"), str(run, "store"), str(run, "state"), d);
	fputs("  ", ctx->out);
	counts(ctx->out, run);
	fputc('\n', ctx->out);
	if (json_is_string(json_object_get(run, "error")))
		fprintf(ctx->out, "  error: %s\n", str(run, "error"));
	if (num(run, "quarantined") > 0)
		fprintf(ctx->out, "  quarantined records: seam ctl quarantine list --provider pim\n");
	if (num(run, "failed") > 0)
		fprintf(ctx->out, "  failed products: seam ctl dlq list --flow catalog\n");
}

static const char *const progress_keys[] = {"seen", "finished", "enqueued"};

static const seam_follow_t follower = {
	.cmd = "seam ctl sync",
	.status_cmd = "seam ctl sync status",
	.status_tail = " --follow",
	.progress_keys = progress_keys,
	.nprogress_keys = 3,
	.get = seam_catalog_run_get,
	.progress = progress,
};

/* Follows the run until it finishes (or Ctrl-C), then its summary; returns the exit code. */
static int follow(const seam_flow_cmd_ctx_t *ctx, const char *run_id)
{
	json_t *run = NULL;
	seam_error_t err = {0};
	int code = seam_follow_run(ctx, &follower, run_id, &run);
	if (code == 0)
		code = run_exit(run);
	if (run) {
		if (json_is_true(json_object_get(run, "dry_run"))) {
			json_t *plan = NULL;
			if (seam_catalog_plan_get(ctx->store, run_id, &plan, &err) == SEAM_OK) {
				if (ctx->json) {
					json_t *p = json_pack("{s:s, s:O}", "run", run_id, "plan", plan);
					seam_follow_json_line(ctx->out, p);
					json_decref(p);
				} else {
					print_plan(ctx->out, plan);
				}
			}
			json_decref(plan);
		}
		if (ctx->json)
			seam_follow_json_line(ctx->out, run);
		else
			summary(ctx, run);
	}
	json_decref(run);
	return code;
}

/* ---------- the actions ---------- */

typedef struct args {
	const char *store, *run, *limit;
	int full, dry_run, no_wait, follow;
} args_t;

static int usage(const seam_flow_cmd_ctx_t *ctx, int code)
{
	FILE *fp = code ? ctx->err : ctx->out;
	fprintf(fp,
		"usage: seam ctl sync catalog --store S [--full] [--dry-run] [--no-wait] [--json]\n"
		"       seam ctl sync status [--store S | RUN] [--follow] [--json]\n"
		"       seam ctl sync list [--store S] [--limit N] [--json]\n"
		"       seam ctl sync plan RUN [--json]\n\n"
		"  catalog   start a catalog run of the store and follow it while seam serve works it:\n"
		"            incremental (what changed since the store's mark) unless --full (the whole\n"
		"            PIM, and Drupal products the PIM no longer has are unpublished);\n"
		"            --dry-run writes nothing and prints the plan; --no-wait only starts it.\n"
		"            Ctrl-C stops following, the run goes on.\n"
		"  status    one run (default: the store's newest); --follow waits for it to end\n"
		"  list      the newest runs (default 20)\n"
		"  plan      what a dry run would create, update (field by field) and unpublish\n"
		"exit: 0 done, 1 failed (or some products failed), 2 usage, 130 interrupted\n");
	return code;
}

static int parse(const seam_flow_cmd_ctx_t *ctx, int argc, char **argv, args_t *a)
{
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "--full"))
			a->full = 1;
		else if (!strcmp(o, "--dry-run"))
			a->dry_run = 1;
		else if (!strcmp(o, "--no-wait"))
			a->no_wait = 1;
		else if (!strcmp(o, "--follow") || !strcmp(o, "-f"))
			a->follow = 1;
		else if ((!strcmp(o, "--store") || !strcmp(o, "--limit")) && i + 1 < argc)
			*(o[2] == 's' ? &a->store : &a->limit) = argv[++i];
		else if (!strncmp(o, "--store=", 8))
			a->store = o + 8;
		else if (!strncmp(o, "--limit=", 8))
			a->limit = o + 8;
		else if (o[0] != '-' && !a->run)
			a->run = o;
		else {
			fprintf(ctx->err, "seam ctl sync: unexpected '%s'\n", o);
			return -1;
		}
	}
	return 0;
}

static int do_catalog(const seam_flow_cmd_ctx_t *ctx, const args_t *a)
{
	char run_id[SEAM_UUID_STR_LEN];
	seam_error_t err = {0};
	if (!a->store || a->run) {
		fprintf(ctx->err, "seam ctl sync catalog: --store S is needed%s\n",
			a->run ? " (and takes no run id)" : "");
		return usage(ctx, 2);
	}
	const seam_catalog_store_config_t *sc = seam_catalog_store(ctx->config, a->store);
	if (!sc) {
		fprintf(ctx->err, "seam ctl sync catalog: store '%s' has no catalog config "
				  "(catalog.stores.%s in the config file)\n", a->store, a->store);
		return 2;
	}
	seam_db_t *db = seam_store_acquire(ctx->store);
	seam_err_t rc = seam_catalog_run_start(db, NULL, a->store, sc->pim.channel,
					       a->full ? SEAM_CATALOG_FULL : SEAM_CATALOG_INCREMENTAL,
					       a->dry_run, NULL, run_id, &err);
	seam_store_release(ctx->store, db);
	if (rc == SEAM_EXISTS) {
		fprintf(ctx->err, "seam ctl sync catalog: %s (seam ctl sync status %s --follow)\n",
			err.msg, run_id);
		return 1;
	}
	if (rc != SEAM_OK) {
		fprintf(ctx->err, "seam ctl sync catalog: %s\n", err.msg);
		return 1;
	}
	if (ctx->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s}", "id", run_id, "store", a->store,
				      "mode", a->full ? SEAM_CATALOG_FULL : SEAM_CATALOG_INCREMENTAL,
				      "dry_run", a->dry_run, "started", "queued");
		seam_follow_json_line(ctx->out, j);
		json_decref(j);
	} else {
		fprintf(ctx->out, "catalog %s%s run %s of store %s started\n", a->dry_run ? "dry " : "",
			a->full ? SEAM_CATALOG_FULL : SEAM_CATALOG_INCREMENTAL, run_id, a->store);
		fflush(ctx->out);
	}
	return a->no_wait ? 0 : follow(ctx, run_id);
}

/* The run an action is about: the id given, else the newest of the store (or of any). */
static int pick_run(const seam_flow_cmd_ctx_t *ctx, const args_t *a, json_t **run)
{
	seam_error_t err = {0};
	json_t *list = NULL;
	*run = NULL;
	if (a->run) {
		if (seam_catalog_run_get(ctx->store, a->run, run, &err) != SEAM_OK) {
			fprintf(ctx->err, "seam ctl sync: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (seam_catalog_run_list(ctx->store, a->store, 1, &list, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl sync: %s\n", err.msg);
		return 1;
	}
	if (json_array_size(list) == 0) {
		fprintf(ctx->err, "seam ctl sync: no catalog runs%s%s yet\n", a->store ? " of store " : "",
			a->store ? a->store : "");
		json_decref(list);
		return 1;
	}
	*run = json_incref(json_array_get(list, 0));
	json_decref(list);
	return 0;
}

static int do_status(const seam_flow_cmd_ctx_t *ctx, const args_t *a)
{
	json_t *run;
	int code = pick_run(ctx, a, &run);
	if (code)
		return code;
	if (a->follow) {
		char id[SEAM_UUID_STR_LEN];
		snprintf(id, sizeof id, "%s", str(run, "id"));
		json_decref(run);
		return follow(ctx, id);
	}
	if (ctx->json)
		seam_follow_json_line(ctx->out, run);
	else
		print_run(ctx->out, run);
	json_decref(run);
	return 0;
}

static int do_list(const seam_flow_cmd_ctx_t *ctx, const args_t *a)
{
	json_t *list = NULL;
	seam_error_t err = {0};
	char *end = NULL;
	long limit = a->limit ? strtol(a->limit, &end, 10) : 20;
	if (a->limit && (*end || limit < 1 || limit > 1000)) {
		fprintf(ctx->err, "seam ctl sync list: --limit takes 1..1000, not '%s'\n", a->limit);
		return 2;
	}
	if (seam_catalog_run_list(ctx->store, a->store, (int)limit, &list, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl sync list: %s\n", err.msg);
		return 1;
	}
	if (ctx->json) {
		json_dumpf(list, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	} else {
		size_t i;
		json_t *r;
		fprintf(ctx->out, "%-36s  %-10s  %-11s  %-3s  %-8s  %-8s  %8s  %7s  %7s  %9s  %11s  "
				  "%11s  %6s  %s\n",
			"ID", "STORE", "MODE", "DRY", "STATE", "PHASE", "PRODUCTS", "CREATED", "UPDATED",
			"UNCHANGED", "UNPUBLISHED", "QUARANTINED", "FAILED", "STARTED");
		json_array_foreach(list, i, r) {
			char prod[32];
			snprintf(prod, sizeof prod, "%lld/%lld", num(r, "finished"), num(r, "enqueued"));
			fprintf(ctx->out,
				"%-36s  %-10.10s  %-11s  %-3s  %-8s  %-8s  %8s  %7lld  %7lld  %9lld  "
				"%11lld  %11lld  %6lld  %s\n",
				str(r, "id"), str(r, "store"), str(r, "mode"),
				json_is_true(json_object_get(r, "dry_run")) ? "yes" : "no", str(r, "state"),
				str(r, "phase"), prod, num(r, "created"), num(r, "updated"),
				num(r, "unchanged"), num(r, "unpublished"), num(r, "quarantined"),
				num(r, "failed"), str(r, "created_at"));
		}
		if (json_array_size(list) == 0)
			fprintf(ctx->out, "(no catalog runs)\n");
	}
	json_decref(list);
	return 0;
}

static int do_plan(const seam_flow_cmd_ctx_t *ctx, const args_t *a)
{
	json_t *run, *plan = NULL;
	seam_error_t err = {0};
	if (!a->run) {
		fprintf(ctx->err, "seam ctl sync plan: the run id is needed (seam ctl sync list)\n");
		return 2;
	}
	int code = pick_run(ctx, a, &run);
	if (code)
		return code;
	if (!json_is_true(json_object_get(run, "dry_run")))
		fprintf(ctx->err, "seam ctl sync plan: run %s is not a dry run: it has no plan\n", a->run);
	json_decref(run);
	if (seam_catalog_plan_get(ctx->store, a->run, &plan, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl sync plan: %s\n", err.msg);
		return 1;
	}
	if (ctx->json) {
		json_dumpf(plan, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	} else {
		print_plan(ctx->out, plan);
	}
	json_decref(plan);
	return 0;
}

static int sync_cmd(const seam_flow_cmd_ctx_t *ctx, int argc, char **argv)
{
	args_t a = {0};
	const char *action = argc > 1 ? argv[1] : NULL;
	if (!action)
		return usage(ctx, 2);
	if (!strcmp(action, "--help") || !strcmp(action, "-h") || !strcmp(action, "help"))
		return usage(ctx, 0);
	if (parse(ctx, argc, argv, &a) != 0)
		return usage(ctx, 2);
	if (!strcmp(action, "catalog"))
		return do_catalog(ctx, &a);
	if (a.full || a.dry_run || a.no_wait) {
		fprintf(ctx->err, "seam ctl sync %s: --full, --dry-run and --no-wait are for 'sync catalog'\n",
			action);
		return 2;
	}
	if (!strcmp(action, "status"))
		return do_status(ctx, &a);
	if (!strcmp(action, "list"))
		return a.run ? usage(ctx, 2) : do_list(ctx, &a);
	if (!strcmp(action, "plan"))
		return do_plan(ctx, &a);
	fprintf(ctx->err, "seam ctl sync: unknown action '%s'\n", action);
	return usage(ctx, 2);
}

static const char *const sync_actions[] = {"catalog", "status", "list", "plan", NULL};

const seam_flow_cmd_t seam_catalog_cmds[SEAM_CATALOG_NCMDS] = {
	{"sync", "sync catalog|status|list|plan ...",
	 "Catalog runs: start one (incremental, --full, --dry-run) and follow it; status, list, plan.",
	 sync_cmd, sync_actions, 0},
};
const size_t seam_catalog_ncmds = SEAM_CATALOG_NCMDS;
