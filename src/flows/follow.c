/*
 * follow.c: following a run from seam ctl (follow.h).
 */
#include "flows/follow.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

const char *seam_follow_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

long long seam_follow_num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

int seam_follow_live(const json_t *run)
{
	const char *s = seam_follow_str(run, "state");
	return !strcmp(s, "queued") || !strcmp(s, "running");
}

void seam_follow_json_line(FILE *fp, const json_t *doc)
{
	json_dumpf(doc, fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', fp);
	fflush(fp);
}

/* state/phase/progress counters: a change of this is what progress is */
static void stamp_of(const seam_follow_t *f, const json_t *run, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", seam_follow_str(run, "state"),
			 seam_follow_str(run, "phase"));
	for (int i = 0; i < f->nprogress_keys && n > 0 && (size_t)n < cap; i++)
		n += snprintf(out + n, cap - (size_t)n, "/%lld",
			      seam_follow_num(run, f->progress_keys[i]));
}

int seam_follow_run(const seam_flow_cmd_ctx_t *ctx, const seam_follow_t *f, const char *run_id,
		    json_t **final)
{
	struct sigaction sa = {.sa_handler = on_sigint}, old;
	int tty = !ctx->json && isatty(fileno(ctx->err));
	int64_t started = seam_now_ms(), last_plain = 0;
	char last_stamp[256] = "", last_phase[32] = "";
	int hinted = 0, code = 1;
	json_t *run = NULL;
	seam_error_t err = {0};

	*final = NULL;
	interrupted = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	for (;;) {
		json_decref(run);
		if (f->get(ctx->store, run_id, &run, &err) != SEAM_OK) {
			fprintf(ctx->err, "%s: %s\n", f->cmd, err.msg);
			run = NULL;
			break;
		}
		int done = !seam_follow_live(run);
		char stamp[256];
		stamp_of(f, run, stamp, sizeof stamp);
		int changed = strcmp(stamp, last_stamp) != 0;
		int64_t now = seam_now_ms();
		if (done) {
			if (tty)
				fputs("\r\033[K", ctx->err);
			code = 0;
			break;
		}
		if (ctx->json) {
			if (changed)
				seam_follow_json_line(ctx->out, run);
		} else if (tty) {
			f->progress(ctx->err, run, 1, started); /* each time: ETAs move */
		} else if (changed && (strcmp(last_phase, seam_follow_str(run, "phase")) ||
				       now - last_plain >= SEAM_FOLLOW_PLAIN_MS)) {
			f->progress(ctx->out, run, 0, started);
			last_plain = now;
		}
		snprintf(last_stamp, sizeof last_stamp, "%s", stamp);
		snprintf(last_phase, sizeof last_phase, "%s", seam_follow_str(run, "phase"));
		if (!hinted && !strcmp(seam_follow_str(run, "state"), "queued") &&
		    now - started > SEAM_FOLLOW_QUEUED_HINT_MS) {
			fprintf(ctx->err, "%s%s: run %s is still queued: it starts when a running seam "
					  "serve on this store picks it up\n",
				tty ? "\n" : "", f->cmd, run_id);
			hinted = 1;
		}
		if (interrupted) {
			fprintf(ctx->err, "%s%s: stopped following; run %s goes on (%s %s%s)\n",
				tty ? "\n" : "", f->cmd, run_id, f->status_cmd, run_id,
				f->status_tail ? f->status_tail : "");
			code = 130;
			break;
		}
		struct timespec ts = {0, SEAM_FOLLOW_MS * 1000000L};
		nanosleep(&ts, NULL); /* Ctrl-C cuts it short */
	}
	sigaction(SIGINT, &old, NULL);
	if (code == 0)
		*final = run;
	else
		json_decref(run);
	return code;
}
