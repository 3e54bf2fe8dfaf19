/*
 * reconcile_ctl.c: `seam ctl reconcile`, the reconciliation flow's operator command
 * (docs/reconciliation.md):
 *
 *   reconcile --store S [--since 24h] [--until T] [--fix [--dry-run]] [--no-wait]   start, follow
 *   reconcile status [RUN | --store S]                  one run (the store's newest) with its drift
 *   reconcile list [--store S] [--limit N]              the newest runs
 *
 * seam ctl writes the run's row and its job; the running `seam serve` works it. Following reads
 * the row every SEAM_FOLLOW_MS (follow.h): one progress line rewritten on a terminal, a line per phase and
 * every SEAM_FOLLOW_PLAIN_MS otherwise, one JSON line per change with --json; then the summary table
 * (kind, found, fixes enqueued) and every item. Ctrl-C stops following, never the run.
 *
 * Exit codes: 0 the run is done and left nothing for a person (no drift, or every drift's fix
 * was enqueued or is already underway), 1 drift that needs a person or a fix (without --fix),
 * a system that could not be read, a failed run, 2 usage, 130 interrupted.
 */
#include "flows/reconcile_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "flows/follow.h"

#define str seam_follow_str
#define num seam_follow_num

static void progress(FILE *fp, const json_t *run, int tty, int64_t started)
{
	(void)started;
	const char *phase = str(run, "phase");
	if (!strcmp(str(run, "state"), "queued"))
		phase = "queued";
	fprintf(fp, "%s%s: %lld orders checked, %lld PSP payments read, %lld drift, %lld fixes enqueued%s",
		tty ? "\r\033[K" : "", *phase ? phase : str(run, "state"), num(run, "orders_checked"),
		num(run, "psp_payments"), num(run, "drift"), num(run, "fixed"), tty ? "" : "\n");
	fflush(fp);
}

/* 0 when nothing is left for a person, else 1 (see the exit codes above). */
static int run_exit(const json_t *run)
{
	size_t i;
	json_t *it;
	if (strcmp(str(run, "state"), "done") || json_array_size(json_object_get(run, "unreadable")))
		return 1;
	json_array_foreach(json_object_get(run, "items"), i, it) {
		const char *fs = str(it, "fix_state");
		if (strcmp(fs, "enqueued") && strcmp(fs, "pending"))
			return 1;
	}
	return 0;
}

static void summary(FILE *fp, const json_t *run)
{
	size_t i;
	json_t *it, *u;
	const char *kind;
	json_t *n;
	fprintf(fp, "reconciliation %s of store %s: %s%s%s\n", str(run, "id"), str(run, "store"),
		str(run, "state"), json_is_true(json_object_get(run, "fix")) ? ", fixing" : "",
		json_is_true(json_object_get(run, "dry_run")) ? " (dry run: nothing done)" : "");
	fprintf(fp, "  window %s .. %s: %lld orders checked, %lld PSP payments read\n",
		str(run, "since"), str(run, "until"), num(run, "orders_checked"),
		num(run, "psp_payments"));
	json_array_foreach(json_object_get(run, "unreadable"), i, u)
		fprintf(fp, "  NOT READ: %s: %s (not compared; no drift reported for it)\n",
			str(u, "system"), str(u, "error"));
	if (json_is_string(json_object_get(run, "error")))
		fprintf(fp, "  error: %s\n", str(run, "error"));
	if (num(run, "drift") == 0) {
		fprintf(fp, "  no drift%s\n", json_array_size(json_object_get(run, "unreadable"))
					     ? " in what could be read" : "");
		return;
	}
	fprintf(fp, "\n  %-32s %6s %8s  %s\n", "KIND", "FOUND", "FIXING", "FIX");
	json_object_foreach(json_object_get(run, "counts"), kind, n) {
		if (json_integer_value(n) == 0)
			continue;
		long long fixing = 0;
		const char *fix = "-";
		json_array_foreach(json_object_get(run, "items"), i, it)
			if (!strcmp(str(it, "kind"), kind)) {
				if (!strcmp(str(it, "fix_state"), "enqueued") ||
				    !strcmp(str(it, "fix_state"), "pending"))
					fixing++;
				if (*str(it, "fix"))
					fix = str(it, "fix");
			}
		fprintf(fp, "  %-32s %6lld %8lld  %s\n", kind, (long long)json_integer_value(n), fixing,
			fix);
	}
	if (json_array_size(json_object_get(run, "items")))
		fputc('\n', fp);
	json_array_foreach(json_object_get(run, "items"), i, it) {
		char *d = json_dumps(json_object_get(it, "detail"), JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(fp, "  %-32s order %s (%s)%s%s\n", str(it, "kind"),
			*str(it, "order_number") ? str(it, "order_number") : "?", str(it, "order_uuid"),
			*str(it, "remote_id") ? " payment " : "", str(it, "remote_id"));
		fprintf(fp, "      %s\n", d ? d : "{}");
		if (*str(it, "fix"))
			fprintf(fp, "      fix: %s: %s%s%s\n", str(it, "fix"),
				*str(it, "fix_state") ? str(it, "fix_state") : "not applied (--fix)",
				*str(it, "job_id") ? " job " : "", str(it, "job_id"));
		else
			fprintf(fp, "      check: %s\n", str(it, "check"));
		free(d);
	}
}

static seam_err_t get_run(seam_store_t *st, const char *run_id, json_t **out, seam_error_t *err)
{
	return seam_reconcile_get(st, run_id, 0, out, err);
}

static const char *const progress_keys[] = {"orders_checked", "psp_payments", "drift", "fixed"};

static const seam_follow_t follower = {
	.cmd = "seam ctl reconcile",
	.status_cmd = "seam ctl reconcile status",
	.progress_keys = progress_keys,
	.nprogress_keys = 4,
	.get = get_run,
	.progress = progress,
};

/* Follows the run until it finishes (or Ctrl-C), then its report; returns the exit code. */
static int follow(const seam_flow_cmd_ctx_t *ctx, const char *run_id)
{
	json_t *run = NULL;
	seam_error_t err = {0};
	int code = seam_follow_run(ctx, &follower, run_id, &run);
	json_decref(run);
	if (code != 0)
		return code;
	if (seam_reconcile_get(ctx->store, run_id, 1, &run, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl reconcile: %s\n", err.msg);
		return 1;
	}
	if (ctx->json)
		seam_follow_json_line(ctx->out, run);
	else
		summary(ctx->out, run);
	code = run_exit(run);
	json_decref(run);
	return code;
}

static int usage(const seam_flow_cmd_ctx_t *ctx, int code)
{
	FILE *fp = code ? ctx->err : ctx->out;
	fprintf(fp,
		"usage: seam ctl reconcile --store S [--since 24h] [--until T] [--fix [--dry-run]] "
		"[--no-wait] [--json]\n"
		"       seam ctl reconcile status [RUN | --store S] [--json]\n"
		"       seam ctl reconcile list [--store S] [--limit N] [--json]\n\n"
		"  Compares Drupal, the payment provider, the ERP and seam's records for every order of\n"
		"  the store placed in the window (--since, default 24h ago; --until, default now: %s)\n"
		"  and lists each drift with its kind. --fix applies the deterministic fixes as jobs\n"
		"  (re-export, cancel in the ERP, apply the PSP's state); --dry-run with --fix says what\n"
		"  they would be. The running seam serve works the run; Ctrl-C stops following only.\n"
		"  One run at a time per store.\n"
		"exit: 0 nothing left for a person, 1 drift to look at (or not fixed, or a system not\n"
		"      read, or the run failed), 2 usage, 130 interrupted\n",
		SEAM_TIME_ARG_FORMS);
	return code;
}

typedef struct args {
	const char *store, *since, *until, *limit, *run;
	int fix, dry_run, no_wait;
} args_t;

static int parse(const seam_flow_cmd_ctx_t *ctx, int first, int argc, char **argv, args_t *a)
{
	for (int i = first; i < argc; i++) {
		const char *o = argv[i];
		const char **slot = NULL;
		if (!strcmp(o, "--fix"))
			a->fix = 1;
		else if (!strcmp(o, "--dry-run"))
			a->dry_run = 1;
		else if (!strcmp(o, "--no-wait"))
			a->no_wait = 1;
		else if (!strcmp(o, "--help") || !strcmp(o, "-h"))
			return 1;
		else if (!strcmp(o, "--store"))
			slot = &a->store;
		else if (!strcmp(o, "--since"))
			slot = &a->since;
		else if (!strcmp(o, "--until"))
			slot = &a->until;
		else if (!strcmp(o, "--limit"))
			slot = &a->limit;
		else if (!strncmp(o, "--store=", 8))
			a->store = o + 8;
		else if (!strncmp(o, "--since=", 8))
			a->since = o + 8;
		else if (!strncmp(o, "--until=", 8))
			a->until = o + 8;
		else if (!strncmp(o, "--limit=", 8))
			a->limit = o + 8;
		else if (o[0] != '-' && !a->run)
			a->run = o;
		else {
			fprintf(ctx->err, "seam ctl reconcile: unexpected '%s'\n", o);
			return -1;
		}
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(ctx->err, "seam ctl reconcile: %s needs a value\n", o);
				return -1;
			}
			*slot = argv[++i];
		}
	}
	return 0;
}

static int do_start(const seam_flow_cmd_ctx_t *ctx, const args_t *a)
{
	char run_id[SEAM_UUID_STR_LEN];
	seam_error_t err = {0};
	int64_t now = seam_now_ms(), since = now - 86400000LL, until = now;
	if (!a->store || a->run) {
		fprintf(ctx->err, "seam ctl reconcile: --store S is needed%s\n",
			a->run ? " (and takes no other argument)" : "");
		return usage(ctx, 2);
	}
	if (a->since && seam_time_arg_parse(a->since, now, &since) != 0) {
		fprintf(ctx->err, "seam ctl reconcile: --since '%s': not a time: %s\n", a->since,
			SEAM_TIME_ARG_FORMS);
		return 2;
	}
	if (a->until && seam_time_arg_parse(a->until, now, &until) != 0) {
		fprintf(ctx->err, "seam ctl reconcile: --until '%s': not a time: %s\n", a->until,
			SEAM_TIME_ARG_FORMS);
		return 2;
	}
	if (ctx->stores && !seam_cfg_map_get(ctx->stores, a->store)) {
		fprintf(ctx->err, "seam ctl reconcile: --store %s: no store '%s' in the config's "
				  "stores:", a->store, a->store);
		for (size_t i = 0; i < ctx->stores->n; i++)
			fprintf(ctx->err, "%s %s", i ? "," : " (it has", ctx->stores->names[i]);
		fprintf(ctx->err, "%s\n", ctx->stores->n ? ")" : " (it has none)");
		return 2;
	}
	if (a->dry_run && !a->fix) {
		fprintf(ctx->err, "seam ctl reconcile: --dry-run goes with --fix (a run without --fix "
				  "changes nothing anyway)\n");
		return 2;
	}
	seam_reconcile_request_t r = {.store = a->store, .since_ms = since, .until_ms = until,
				      .fix = a->fix, .dry_run = a->dry_run, .trigger = "ctl"};
	seam_db_t *db = seam_store_acquire(ctx->store);
	seam_err_t rc = seam_reconcile_start(db, NULL, &r, run_id, &err);
	seam_store_release(ctx->store, db);
	if (rc == SEAM_EXISTS) {
		fprintf(ctx->err, "seam ctl reconcile: %s (seam ctl reconcile status %s)\n", err.msg,
			run_id);
		return 1;
	}
	if (rc == SEAM_INVAL) {
		fprintf(ctx->err, "seam ctl reconcile: %s\n", err.msg);
		return 2;
	}
	if (rc != SEAM_OK) {
		fprintf(ctx->err, "seam ctl reconcile: %s\n", err.msg);
		return 1;
	}
	if (ctx->json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "id", run_id, "store", a->store, "state",
				      "queued");
		seam_follow_json_line(ctx->out, j);
		json_decref(j);
	} else {
		fprintf(ctx->out, "reconciliation %s of store %s started%s\n", run_id, a->store,
			a->fix ? (a->dry_run ? " (fix, dry run)" : " (fixing)") : "");
		fflush(ctx->out);
	}
	return a->no_wait ? 0 : follow(ctx, run_id);
}

static int do_status(const seam_flow_cmd_ctx_t *ctx, const args_t *a)
{
	seam_error_t err = {0};
	json_t *run = NULL, *list = NULL;
	char id[SEAM_UUID_STR_LEN] = "";
	if (a->run) {
		snprintf(id, sizeof id, "%s", a->run);
	} else {
		if (seam_reconcile_list(ctx->store, a->store, 1, &list, &err) != SEAM_OK) {
			fprintf(ctx->err, "seam ctl reconcile status: %s\n", err.msg);
			return 1;
		}
		snprintf(id, sizeof id, "%s", str(json_array_get(list, 0), "id"));
		json_decref(list);
		if (!id[0]) {
			fprintf(ctx->err, "seam ctl reconcile status: no reconciliation runs%s%s yet\n",
				a->store ? " of store " : "", a->store ? a->store : "");
			return 1;
		}
	}
	if (seam_reconcile_get(ctx->store, id, 1, &run, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl reconcile status: %s\n", err.msg);
		return 1;
	}
	if (ctx->json)
		seam_follow_json_line(ctx->out, run);
	else if (seam_follow_live(run))
		progress(ctx->out, run, 0, 0);
	else
		summary(ctx->out, run);
	int code = !seam_follow_live(run) ? run_exit(run) : 0;
	json_decref(run);
	return code;
}

static int do_list(const seam_flow_cmd_ctx_t *ctx, const args_t *a)
{
	seam_error_t err = {0};
	json_t *list = NULL, *run;
	size_t i;
	int limit = a->limit ? atoi(a->limit) : 20;
	if (limit < 1 || limit > 1000) {
		fprintf(ctx->err, "seam ctl reconcile list: --limit takes 1 to 1000\n");
		return 2;
	}
	if (seam_reconcile_list(ctx->store, a->store, limit, &list, &err) != SEAM_OK) {
		fprintf(ctx->err, "seam ctl reconcile list: %s\n", err.msg);
		return 1;
	}
	if (ctx->json) {
		json_t *o = json_pack("{s:O}", "items", list);
		seam_follow_json_line(ctx->out, o);
		json_decref(o);
	} else {
		fprintf(ctx->out, "%-36s  %-8s %-7s %-9s %7s %6s %6s  %s\n", "ID", "STORE", "STATE",
			"TRIGGER", "ORDERS", "DRIFT", "FIXED", "CREATED");
		json_array_foreach(list, i, run)
			fprintf(ctx->out, "%-36s  %-8s %-7s %-9s %7lld %6lld %6lld  %s%s\n",
				str(run, "id"), str(run, "store"), str(run, "state"),
				str(run, "trigger"), num(run, "orders_checked"), num(run, "drift"),
				num(run, "fixed"), str(run, "created_at"),
				json_array_size(json_object_get(run, "unreadable")) ? "  (partial)" : "");
		if (json_array_size(list) == 0)
			fprintf(ctx->out, "(no runs)\n");
	}
	json_decref(list);
	return 0;
}

static int run_cmd(const seam_flow_cmd_ctx_t *ctx, int argc, char **argv)
{
	args_t a = {0};
	const char *action = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	int is_action = action && (!strcmp(action, "status") || !strcmp(action, "list"));
	int p = parse(ctx, is_action ? 2 : 1, argc, argv, &a);
	if (p != 0)
		return usage(ctx, p < 0 ? 2 : 0);
	if (is_action && !strcmp(action, "status"))
		return do_status(ctx, &a);
	if (is_action)
		return do_list(ctx, &a);
	return do_start(ctx, &a);
}

const seam_flow_cmd_t seam__reconcile_cmds[1] = {
	{"reconcile", "reconcile --store S [--since 24h] [--fix [--dry-run]] | status [RUN] | list",
	 "compare Drupal, the PSP, the ERP and seam per order; fix what is deterministic",
	 run_cmd, NULL, 1},
};
