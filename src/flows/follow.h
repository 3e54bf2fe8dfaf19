/*
 * follow.h: following a run from seam ctl (catalog sync, reconciliation): its row is read every
 * SEAM_FOLLOW_MS until it finishes or Ctrl-C; progress goes to stderr as one line rewritten on
 * a terminal, to stdout as a line per phase (and every SEAM_FOLLOW_PLAIN_MS) otherwise, and as
 * one JSON line per change with --json. Used by the flows' ctl commands only.
 * Thread-safety: not; it installs a SIGINT handler while it follows.
 */
#ifndef SEAM_FLOWS_FOLLOW_H
#define SEAM_FLOWS_FOLLOW_H

#include <stdint.h>
#include <stdio.h>

#include "flows/flow.h"

#define SEAM_FOLLOW_MS 200
#define SEAM_FOLLOW_PLAIN_MS 5000
#define SEAM_FOLLOW_QUEUED_HINT_MS 10000

typedef struct seam_follow {
	const char *cmd;        /* "seam ctl sync", the prefix of every message */
	const char *status_cmd; /* how to look again: status_cmd RUN status_tail */
	const char *status_tail;
	/* integer members of the run whose change counts as progress (with state and phase) */
	const char *const *progress_keys;
	int nprogress_keys;
	seam_err_t (*get)(seam_store_t *st, const char *run_id, json_t **out, seam_error_t *err);
	/* one progress line; tty: rewritten in place (no newline) */
	void (*progress)(FILE *fp, const json_t *run, int tty, int64_t started_ms);
} seam_follow_t;

/* Follows run_id. Returns 0 with *final the finished run (the caller frees it), 130 when
 * interrupted (the run goes on; said on stderr), 1 when the run could not be read. */
int seam_follow_run(const seam_flow_cmd_ctx_t *ctx, const seam_follow_t *f, const char *run_id,
		    json_t **final);

/* A string member or "", an integer member or 0. */
const char *seam_follow_str(const json_t *o, const char *k);
long long seam_follow_num(const json_t *o, const char *k);
/* queued or running */
int seam_follow_live(const json_t *run);
/* doc as one compact line, flushed */
void seam_follow_json_line(FILE *fp, const json_t *doc);

#endif
