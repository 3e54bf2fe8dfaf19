/*
 * stock_ctl.c: `seam ctl sync stock|prices --store S [--full] [--dry-run] [--no-wait]`: the
 * same flow on demand. The command records a run (stock_runs), queues its stock.poll job for
 * the serving instance's workers, and follows the run: a progress line on a terminal (plain
 * lines otherwise, --json events for scripts), then the summary, and a dry run's plan (what
 * would change in Drupal, SKU by SKU). Exit 0 when the run is done, 1 when it failed, 2 for
 * usage, 130 when interrupted (the run goes on).
 */
#include "flows/stock_int.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ids.h"
#include "queue/queue.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int usage(const seam_flow_cmd_ctx_t *ctx, int code)
{
	fprintf(code ? ctx->err : ctx->out,
		"usage: seam ctl sync stock|prices --store S [--full] [--dry-run] [--no-wait] [--json]\n\n"
		"Reads the ERP's items (stock) or items and sales prices (prices) changed since the\n"
		"store's cursor (--full: all of them, and every SKU compared with Drupal), takes what is\n"
		"newer into the cache and writes what differs to Drupal. --dry-run writes nothing and\n"
		"lists what would change in Drupal. --no-wait returns once the run is queued.\n"
		"A `seam serve` of the same store runs it.\n");
	return code;
}

static json_t *run_row(seam_store_t *st, const char *id)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *r = NULL;
	if (seam_db_prepare(db,
			    "SELECT id, store, what, mode, dry_run, state, seen, accepted, older, same, "
			    "invalid, writes, error, created_at, finished_at FROM stock_runs WHERE id = $1",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, id);
		if (seam_stmt_step(s, NULL) == SEAM_ROW)
			r = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, "
				      "s:I, s:o}",
				      "id", seam_stmt_column_text(s, 0), "store", seam_stmt_column_text(s, 1),
				      "what", seam_stmt_column_text(s, 2), "mode", seam_stmt_column_text(s, 3),
				      "dry_run", (int)seam_stmt_column_int64(s, 4), "state",
				      seam_stmt_column_text(s, 5), "seen",
				      (json_int_t)seam_stmt_column_int64(s, 6), "accepted",
				      (json_int_t)seam_stmt_column_int64(s, 7), "older",
				      (json_int_t)seam_stmt_column_int64(s, 8), "same",
				      (json_int_t)seam_stmt_column_int64(s, 9), "invalid",
				      (json_int_t)seam_stmt_column_int64(s, 10), "writes",
				      (json_int_t)seam_stmt_column_int64(s, 11), "error",
				      seam_stmt_column_is_null(s, 12) ? json_null()
								      : json_string(seam_stmt_column_text(s, 12)),
				      "created_at", (json_int_t)seam_stmt_column_int64(s, 13), "finished_at",
				      seam_stmt_column_is_null(s, 14)
					      ? json_null()
					      : json_integer(seam_stmt_column_int64(s, 14)));
		seam_stmt_reset(s);
	}
	seam_store_release(st, db);
	return r;
}

static json_int_t n(json_t *r, const char *k)
{
	return json_integer_value(json_object_get(r, k));
}

static void print_plan(const seam_flow_cmd_ctx_t *ctx, const char *run_id)
{
	seam_db_t *db = seam_store_acquire(ctx->store);
	seam_stmt_t *s;
	int rows = 0;
	if (seam_db_prepare(db,
			    "SELECT sku, field, from_value, to_value FROM stock_plan WHERE run_id = $1 "
			    "ORDER BY sku, field",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, run_id);
		while (seam_stmt_step(s, NULL) == SEAM_ROW) {
			const char *from = seam_stmt_column_is_null(s, 2) ? NULL : seam_stmt_column_text(s, 2);
			if (ctx->json) {
				json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:s}", "plan", run_id, "sku",
						      seam_stmt_column_text(s, 0), "field",
						      seam_stmt_column_text(s, 1), "from",
						      from ? json_string(from) : json_null(), "to",
						      seam_stmt_column_text(s, 3));
				char *t = json_dumps(j, JSON_COMPACT);
				fprintf(ctx->out, "%s\n", t ? t : "{}");
				free(t);
				json_decref(j);
			} else {
				if (!rows)
					fprintf(ctx->out, "%-24s %-12s %-20s %s\n", "SKU", "FIELD", "DRUPAL NOW",
						"WOULD BE");
				fprintf(ctx->out, "%-24s %-12s %-20s %s\n", seam_stmt_column_text(s, 0),
					seam_stmt_column_text(s, 1), from ? from : "(none)",
					seam_stmt_column_text(s, 3));
			}
			rows++;
		}
		seam_stmt_reset(s);
	}
	seam_store_release(ctx->store, db);
	if (!ctx->json && !rows)
		fprintf(ctx->out, "nothing would change in Drupal\n");
}

static int follow(const seam_flow_cmd_ctx_t *ctx, const char *id)
{
	int tty = !ctx->json && isatty(fileno(ctx->out));
	int64_t start = seam_mono_ns(), last_line = 0;
	json_int_t last_seen = -1;
	struct sigaction sa = {0}, old;
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old);
	interrupted = 0;
	for (;;) {
		json_t *r = run_row(ctx->store, id);
		const char *state = r ? json_string_value(json_object_get(r, "state")) : "gone";
		int fin = strcmp(state, "queued") && strcmp(state, "running");
		double secs = (double)(seam_mono_ns() - start) / 1e9;
		if (r && (fin || n(r, "seen") != last_seen ||
			  (!tty && seam_mono_ns() - last_line > 5000000000LL))) {
			last_seen = n(r, "seen");
			last_line = seam_mono_ns();
			if (ctx->json) {
				char *t = json_dumps(r, JSON_COMPACT);
				fprintf(ctx->out, "%s\n", t ? t : "{}");
				free(t);
			} else {
				fprintf(ctx->out,
					"%s%s: %lld read, %lld newer, %lld older, %lld unchanged, %lld "
					"invalid, %lld Drupal writes%s%s (%.0f s)%s",
					tty ? "\r\033[K" : "", state, (long long)n(r, "seen"),
					(long long)n(r, "accepted"), (long long)n(r, "older"),
					(long long)n(r, "same"), (long long)n(r, "invalid"),
					(long long)n(r, "writes"), json_is_true(json_object_get(r, "dry_run")) ? " planned" : "",
					json_string_value(json_object_get(r, "error")) ? ": " : "",
					secs,
					tty && !fin ? "" : "\n");
				if (json_string_value(json_object_get(r, "error")))
					fprintf(ctx->out, "error: %s\n",
						json_string_value(json_object_get(r, "error")));
			}
			fflush(ctx->out);
		}
		if (fin) {
			int ok = !strcmp(state, "done");
			if (ok && json_is_true(json_object_get(r, "dry_run")))
				print_plan(ctx, id);
			json_decref(r);
			sigaction(SIGINT, &old, NULL);
			return ok ? 0 : 1;
		}
		json_decref(r);
		if (interrupted) {
			fprintf(ctx->err, "\ninterrupted: run %s goes on in seam serve\n", id);
			sigaction(SIGINT, &old, NULL);
			return 130;
		}
		seam_sleep_ms(200);
	}
}

static int sync_cmd(const seam_flow_cmd_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"store", required_argument, NULL, 's'}, {"full", no_argument, NULL, 'f'},
		{"dry-run", no_argument, NULL, 'd'},     {"no-wait", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	const char *what = argc > 1 ? argv[1] : NULL, *store = NULL;
	int full = 0, dry = 0, no_wait = 0, ch;
	if (!what || (strcmp(what, "stock") && strcmp(what, "prices")))
		return usage(ctx, 2);
	optind = 2;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': store = optarg; break;
		case 'f': full = 1; break;
		case 'd': dry = 1; break;
		case 'n': no_wait = 1; break;
		case 'h': return usage(ctx, 0);
		default: return usage(ctx, 2);
		}
	}
	if (optind < argc || !store) {
		fprintf(ctx->err, "seam ctl sync %s: --store S is needed\n", what);
		return usage(ctx, 2);
	}
	const seam_stock_store_config_t *sc = seam_stock_store(ctx->config, store);
	if (!sc) {
		fprintf(ctx->err, "seam ctl sync %s: store '%s' has no stock config (stock.stores.%s in "
				  "the config file)\n", what, store, store);
		return 2;
	}
	if ((!strcmp(what, "stock") && !sc->stock) || (!strcmp(what, "prices") && !sc->prices)) {
		fprintf(ctx->err, "seam ctl sync %s: stock.stores.%s.%s is false\n", what, store, what);
		return 2;
	}
	char id[SEAM_UUID_STR_LEN], now[24], cid[SEAM_UUID_STR_LEN];
	seam_uuid4(id);
	seam_uuid4(cid);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	json_t *pl = json_pack("{s:s, s:s, s:s, s:b, s:b}", "store", store, "run_id", id, "what",
			       what, "full", full, "dry_run", dry);
	char *text = json_dumps(pl, JSON_COMPACT), dedup[128];
	json_decref(pl);
	snprintf(dedup, sizeof dedup, "run:%s", id);
	seam_error_t err = {0};
	seam_db_t *db = seam_store_acquire(ctx->store);
	seam_err_t rc = seam_db_begin(db, &err);
	if (rc == SEAM_OK)
		rc = seam_db_run(db,
				 "INSERT INTO stock_runs (id, store, what, mode, dry_run, state, "
				 "correlation_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
				 "'queued', $6, $7, $7)",
				 (const char *[]){id, store, what, full ? "full" : "incremental",
						  dry ? "1" : "0", cid, now},
				 7, NULL, &err);
	if (rc == SEAM_OK) {
		seam_job_spec_t spec = {.kind = SEAM_JOB_STOCK_POLL, .flow = SEAM_FLOW_STOCK,
					.dedup_key = dedup, .payload = text, .correlation_id = cid};
		rc = seam_queue_enqueue(NULL, db, &spec, NULL, NULL, &err);
	}
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, &err);
	else
		seam_db_rollback(db);
	seam_store_release(ctx->store, db);
	free(text);
	if (rc != SEAM_OK) {
		fprintf(ctx->err, "seam ctl sync %s: %s\n", what, err.msg);
		return 1;
	}
	if (ctx->json) {
		fprintf(ctx->out, "{\"id\":\"%s\",\"store\":\"%s\",\"what\":\"%s\",\"mode\":\"%s\","
				  "\"dry_run\":%s,\"started\":\"queued\"}\n",
			id, store, what, full ? "full" : "incremental", dry ? "true" : "false");
	} else {
		fprintf(ctx->out, "%s %s%s run %s of store %s started\n", what, dry ? "dry " : "",
			full ? "full" : "incremental", id, store);
	}
	fflush(ctx->out);
	return no_wait ? 0 : follow(ctx, id);
}

static const char *const actions[] = {"stock", "prices", NULL};

const seam_flow_cmd_t seam__stock_cmds[] = {
	{"sync", "sync stock|prices --store S [--full] [--dry-run] [--no-wait]",
	 "Prices and stock from the ERP on demand: a poll (or --full run) of one store, followed.",
	 sync_cmd, actions, 0},
};
const size_t seam__stock_ncmds = 1;
