/*
 * queue_admin.h: operator functions on jobs, dead letters and flows, shared by `seam ctl`
 * (src/ctl/ctl_jobs.c) and the HTTP API (src/api/api_jobs.c). They work on a store directly,
 * not on a running queue, so `seam ctl` in another process can use them; a running queue picks
 * the changes up at its next poll (the API front-end also wakes it with seam_queue_notify).
 *
 * Results are JSON (jansson), returned as NEW references the caller decrefs. A job is
 *   {"id", "kind", "flow", "dedup_key", "state", "attempts", "max_attempts", "run_at",
 *    "created_at", "updated_at", "finished_at", "lease_owner", "lease_expires_at",
 *    "correlation_id", "last_error"}
 * with times as RFC 3339 UTC strings and absent values as null; seam_queue_admin_show adds
 * "payload" (the JSON document, or a string when it is not valid JSON) and "attempts_log": every
 * attempt and operator action, oldest first: {"attempt", "outcome", "started_at",
 * "finished_at", "error", "lease_owner"}.
 *
 * Operator actions (each one transaction, recorded as a job_attempts row with outcome
 * operator_retry / operator_replay / operator_cancel so the history shows who-did-what-when):
 *   retry   dead or canceled -> queued, attempts reset to 0 (a fresh budget: the operator
 *           presumably fixed the cause), run now; queued -> run now (attempts kept);
 *           running or succeeded -> SEAM_CONFLICT.
 *   replay  the dead-letter form of retry: dead -> queued only (SEAM_CONFLICT otherwise).
 *           replay_many does it for every dead letter matching flow / finished-at range.
 *   cancel  queued, running or dead -> canceled (a running handler is not interrupted, but its
 *           result is dropped); succeeded or canceled -> SEAM_CONFLICT.
 *   pause / resume  set flows.paused (creating the flow row if needed); stored, so it survives
 *           restarts; jobs keep queueing while paused and drain on resume. The queue takes any
 *           name: callers check it against the registered flows first (flows/flow.h).
 * Attempt history is never deleted by these actions.
 *
 * Errors: SEAM_NOTFOUND (no such job), SEAM_CONFLICT (state does not allow it), SEAM_INVAL (bad
 * filter), store errors. Thread-safety: reentrant; each call takes its own connection.
 */
#ifndef SEAM_QUEUE_QUEUE_ADMIN_H
#define SEAM_QUEUE_QUEUE_ADMIN_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define SEAM_JOB_LIST_DEFAULT 50
#define SEAM_JOB_LIST_MAX 1000

typedef struct seam_job_filter {
	const char *flow;           /* NULL = any */
	const char *state;          /* queued, running, succeeded, dead, canceled; NULL = any */
	const char *kind;           /* NULL = any */
	const char *correlation_id; /* NULL = any */
	const char *before_id;      /* paging: only jobs with a smaller (older) id; NULL = newest */
	int64_t since_ms, until_ms; /* [since, until) on created_at, or on finished_at when
				     * by_finished; 0 = open */
	int by_finished;
	int with_payload;           /* lists: add each job's "payload", as seam_queue_admin_show */
	int limit;                  /* 0 = SEAM_JOB_LIST_DEFAULT; capped at SEAM_JOB_LIST_MAX */
} seam_job_filter_t;

/* 1 when s names a job state. */
int seam_job_state_valid(const char *s);

/* Newest first (ids are UUIDv7, so id order is creation order). *out: new JSON array. */
seam_err_t seam_queue_admin_list(seam_store_t *st, const seam_job_filter_t *f, json_t **out,
				 seam_error_t *err);
/* One job with payload and attempts_log. *out: new JSON object. */
seam_err_t seam_queue_admin_show(seam_store_t *st, const char *id, json_t **out,
				 seam_error_t *err);

/*
 * The jobs about one thing, for `seam ctl trace`: every job whose dedup key or payload contains
 * text (NULL: none by text; an order uuid finds its export, cancel and poll-free jobs), and
 * the jobs with the given ids (ids: a JSON array of strings, may be NULL; ids that name no job
 * are skipped), each once, oldest first. *out: new JSON array of job objects as above.
 */
seam_err_t seam_queue_admin_jobs_about(seam_store_t *st, const char *text, const json_t *ids,
				       json_t **out, seam_error_t *err);

/* The actions; *out (may be NULL) gets the job after the change (new reference). */
seam_err_t seam_queue_admin_retry(seam_store_t *st, const char *id, json_t **out,
				  seam_error_t *err);
seam_err_t seam_queue_admin_replay(seam_store_t *st, const char *id, json_t **out,
				   seam_error_t *err);
seam_err_t seam_queue_admin_cancel(seam_store_t *st, const char *id, json_t **out,
				   seam_error_t *err);
/* Replays every dead letter matching f->flow and f->since_ms/until_ms (on finished_at; other
 * filter fields are ignored). *count gets how many were replayed. */
seam_err_t seam_queue_admin_replay_many(seam_store_t *st, const seam_job_filter_t *f,
					int64_t *count, seam_error_t *err);

/* Flows: {"name", "paused", "max_concurrency", "queued", "running", "dead",
 * "oldest_runnable_age_s"}. With names (the registered flows, flows/flow.h), exactly those, in
 * that order, whether or not they have a row yet (a flow without one is unpaused, unlimited
 * and empty: rows are made by the first enqueue or pause); with names NULL, every row by name.
 * Reads only. *out: new JSON array. */
seam_err_t seam_queue_admin_flows(seam_store_t *st, const char *const *names, size_t nnames,
				  json_t **out, seam_error_t *err);
/* paused 1 = pause, 0 = resume. *out (may be NULL): the flow object after the change. */
seam_err_t seam_queue_admin_pause(seam_store_t *st, const char *flow, int paused, json_t **out,
				  seam_error_t *err);

#endif
