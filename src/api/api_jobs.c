/*
 * api_jobs.c: HTTP handlers over src/queue/queue_admin.h (see api_jobs.h for the routes).
 * Each handler validates its inputs, calls one admin function and maps seam_err_t to a status:
 * the mapping lives in seam_api_reply_error() (api/resource.c) only.
 */
#include "api/api_jobs.h"

#include "api/api.h"
#include "api/api_contracts.h"
#include "api/resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "flows/flow.h"
#include "queue/queue.h"
#include "queue/queue_admin.h"

static int bad(seam_http_req_t *req, const char *fmt, const char *what)
{
	seam_http_problem(req, 400, "bad-request", "Bad request", NULL, fmt, what);
	return -1;
}

/* The resource layer's view of the two lists: which parameters exist (an unknown one is a
 * 400), the cursor's kind. The values are checked below, with the messages ctl gives. */
static const seam_api_filter_t job_filters[] = {
	{"flow", SEAM_API_FILTER_STR, NULL, "A registered flow."},
	{"state", SEAM_API_FILTER_STR, NULL, "queued, running, succeeded, dead or canceled."},
	{"kind", SEAM_API_FILTER_STR, NULL, "The job kind (order.export, payment.apply, ...)."},
	{"correlation_id", SEAM_API_FILTER_STR, NULL, "Jobs of one request or run."},
	{"since", SEAM_API_FILTER_STR, NULL, "Created (dead letters: died) at or after."},
	{"until", SEAM_API_FILTER_STR, NULL, "Created (dead letters: died) before."},
	{"store", SEAM_API_FILTER_STR, NULL,
	 "The store the job is about (what its flow reads from the payload; shown as `store`). "
	 "Filtered as the jobs are read: a page looks at up to 5,000 jobs and may come back short "
	 "with a `next`."},
};
static const char *const job_extra[] = {"before", NULL};
const seam_api_list_def_t seam_api_jobs_list_def = {
	"job", job_filters, sizeof job_filters / sizeof job_filters[0], SEAM_JOB_LIST_DEFAULT,
	SEAM_JOB_LIST_MAX, job_extra};
const seam_api_list_def_t seam_api_dead_list_def = {
	"dead-letter", job_filters, sizeof job_filters / sizeof job_filters[0],
	SEAM_JOB_LIST_DEFAULT, SEAM_JOB_LIST_MAX, job_extra};

/* Reads the list filter from the query. Returns 0, or -1 after answering 400. q keeps the
 * cursor (before_id may point into it): dispose it after the reply. */
static int query_filter(seam_http_req_t *req, const seam_flows_t *fl, const seam_api_list_def_t *def,
			seam_api_query_t *q, seam_job_filter_t *f)
{
	const char *v;
	memset(f, 0, sizeof *f);
	if (seam_api_query_parse(req, def, q) != 0)
		return -1;
	f->flow = seam_http_query(req, "flow");
	f->state = seam_http_query(req, "state");
	f->kind = seam_http_query(req, "kind");
	f->correlation_id = seam_http_query(req, "correlation_id");
	f->before_id = seam_http_query(req, "before");
	if (q->cursor) {
		json_t *id = json_array_get(q->cursor, 0);
		if (json_array_size(q->cursor) != 1 || !json_is_string(id))
			return bad(req, "%s", "cursor is not one this list gave out");
		if (f->before_id)
			return bad(req, "%s", "give cursor or before, not both");
		f->before_id = json_string_value(id);
	}
	seam_error_t e = {0};
	if (f->flow && seam_flows_check_name(fl, f->flow, &e) != SEAM_OK)
		return bad(req, "%s", e.msg);
	if (f->state && !seam_job_state_valid(f->state))
		return bad(req, "state '%s' is not one of queued, running, succeeded, dead, canceled",
			   f->state);
	if ((v = seam_http_query(req, "limit"))) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || n < 1 || n > SEAM_JOB_LIST_MAX)
			return bad(req, "limit '%s' must be an integer from 1 to 1000", v);
		f->limit = (int)n;
	}
	/* The same words as `seam ctl --since` (one parser): RFC 3339, now, or 2h ago. */
	int64_t now = seam_now_ms();
	if ((v = seam_http_query(req, "since")) && seam_time_arg_parse(v, now, &f->since_ms) != 0)
		return bad(req, "since '%s' is not " SEAM_TIME_ARG_FORMS, v);
	if ((v = seam_http_query(req, "until")) && seam_time_arg_parse(v, now, &f->until_ms) != 0)
		return bad(req, "until '%s' is not " SEAM_TIME_ARG_FORMS, v);
	return 0;
}

/* {"items", "next" (link with the cursor), "next_before" (the id, the older form)}. */
static void reply_page(seam_http_req_t *req, const seam_api_list_def_t *def, json_t *items,
		       int limit)
{
	size_t n = json_array_size(items);
	json_t *next = json_null(), *key = NULL;
	if (n > 0 && (int)n == (limit > 0 ? limit : SEAM_JOB_LIST_DEFAULT)) {
		next = json_incref(json_object_get(json_array_get(items, n - 1), "id"));
		key = json_pack("[O]", next);
	}
	seam_api_reply_page(req, def, items, key, json_pack("{s:o}", "next_before", next));
}

/* Most jobs one page with ?store= reads before it answers (short, with a next). */
#define STORE_SCAN_MAX 5000
#define STORE_SCAN_PAGE 250

/* A page of the jobs about one store. The store is what each job's flow reads from its
 * payload (seam_flows_describe_jobs), not a column, so the rows are read newest first in
 * chunks, described and kept when they match, until the page is full, the jobs run out, or
 * STORE_SCAN_MAX rows were read; then `next` continues after the last row read (a page may be
 * short, or even empty, with a next). Returns the kept items (new reference) and in *next_id
 * the id to continue after ("" when the jobs ran out), or NULL after answering an error. */
static json_t *list_store(seam_http_req_t *req, const seam_api_t *api, seam_job_filter_t *f,
			  const char *store, char next_id[64])
{
	seam_store_t *st = seam_queue_store(api->queue);
	int want = f->limit > 0 ? f->limit : SEAM_JOB_LIST_DEFAULT, scanned = 0, done = 0;
	json_t *out = json_array();
	char after[64] = "";
	seam_error_t e = {0};
	next_id[0] = '\0';
	if (f->before_id)
		snprintf(after, sizeof after, "%s", f->before_id);
	while (!done && (int)json_array_size(out) < want && scanned < STORE_SCAN_MAX) {
		json_t *items = NULL, *j;
		size_t i;
		f->limit = STORE_SCAN_PAGE;
		f->before_id = after[0] ? after : NULL;
		if (seam_queue_admin_list(st, f, &items, &e) != SEAM_OK) {
			seam_api_reply_error(req, &e);
			json_decref(out);
			return NULL;
		}
		seam_flows_describe_jobs(api->flows, st, items);
		done = json_array_size(items) < STORE_SCAN_PAGE;
		json_array_foreach(items, i, j) {
			snprintf(after, sizeof after, "%s", json_string_value(json_object_get(j, "id")));
			scanned++;
			const char *s = json_string_value(json_object_get(j, "store"));
			if (s && strcmp(s, store) == 0 &&
			    json_array_append(out, j) == 0 && (int)json_array_size(out) == want) {
				done = done && i + 1 == json_array_size(items);
				break;
			}
		}
		json_decref(items);
	}
	if (!done)
		snprintf(next_id, 64, "%s", after);
	return out;
}

static void list_common(seam_http_req_t *req, void *ud, int dead)
{
	const seam_api_t *api = ud;
	seam_queue_t *q = api->queue;
	seam_job_filter_t f;
	seam_error_t e = {0};
	json_t *items = NULL;
	seam_api_query_t qy;
	const seam_api_list_def_t *def = dead ? &seam_api_dead_list_def : &seam_api_jobs_list_def;
	const char *store = seam_http_query(req, "store");
	char next_id[64];
	if (query_filter(req, api->flows, def, &qy, &f) != 0)
		goto out;
	if (store && (!api->stores || !seam_cfg_map_get(api->stores, store))) {
		bad(req, "store '%s' is not a store of this seam (stores: in seam.yaml)", store);
		goto out;
	}
	if (dead) {
		f.state = "dead";
		f.by_finished = 1;
	}
	/* each job names its store and order number, as ctl dlq list does: read from the
	 * payload, which the list then leaves out */
	f.with_payload = 1;
	if (store) {
		if (!(items = list_store(req, api, &f, store, next_id)))
			goto out;
		json_t *key = next_id[0] ? json_pack("[s]", next_id) : NULL;
		seam_api_reply_page(req, def, items, key,
				    json_pack("{s:o}", "next_before",
					      next_id[0] ? json_string(next_id) : json_null()));
		goto out;
	}
	if (seam_queue_admin_list(seam_queue_store(q), &f, &items, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		goto out;
	}
	seam_flows_describe_jobs(api->flows, seam_queue_store(q), items);
	reply_page(req, def, items, f.limit);
out:
	seam_api_query_dispose(&qy);
}

void seam_api_jobs_list(seam_http_req_t *req, void *ud)
{
	list_common(req, ud, 0);
}

void seam_api_dead_list(seam_http_req_t *req, void *ud)
{
	list_common(req, ud, 1);
}

static void show_common(seam_http_req_t *req, void *ud, int dead)
{
	seam_queue_t *q = ((seam_api_t *)ud)->queue;
	seam_error_t e = {0};
	json_t *job = NULL;
	const char *id = seam_http_param(req, "id");
	if (seam_queue_admin_show(seam_queue_store(q), id, &job, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	if (dead && strcmp(json_string_value(json_object_get(job, "state")), "dead") != 0) {
		seam_http_problem(req, 404, "not-found", "Not found",
				  json_pack("{s:O}", "state", json_object_get(job, "state")),
				  "job %s is not a dead letter", id);
		json_decref(job);
		return;
	}
	seam_api_reply_etag(req, job); /* a single resource: ETag, If-None-Match -> 304 */
}

void seam_api_jobs_show(seam_http_req_t *req, void *ud)
{
	show_common(req, ud, 0);
}

void seam_api_dead_show(seam_http_req_t *req, void *ud)
{
	show_common(req, ud, 1);
}

typedef seam_err_t (*job_action_fn)(seam_store_t *, const char *, json_t **, seam_error_t *);

static void job_action(seam_http_req_t *req, void *ud, job_action_fn fn, int wake)
{
	seam_queue_t *q = ((seam_api_t *)ud)->queue;
	seam_error_t e = {0};
	json_t *job = NULL;
	if (fn(seam_queue_store(q), seam_http_param(req, "id"), &job, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	if (wake)
		seam_queue_notify(q);
	seam_http_reply_json(req, 200, job);
}

void seam_api_jobs_retry(seam_http_req_t *req, void *ud)
{
	job_action(req, ud, seam_queue_admin_retry, 1);
}

void seam_api_jobs_cancel(seam_http_req_t *req, void *ud)
{
	job_action(req, ud, seam_queue_admin_cancel, 0);
}

void seam_api_dead_replay(seam_http_req_t *req, void *ud)
{
	job_action(req, ud, seam_queue_admin_replay, 1);
}

/* One body error in the contract's shape ({pointer, keyword, detail}) for the checks the
 * handler makes itself; keyword as in rest.dead-letter-replay@v1. */
static json_t *body_error(const char *pointer, const char *keyword, const char *detail)
{
	return json_pack("{s:s, s:s, s:s}", "pointer", pointer, "keyword", keyword, "detail", detail);
}

#define REPLAY_CONTRACT "rest.dead-letter-replay@v1"

/* The body is checked against rest.dead-letter-replay@v1 before this runs (api_contracts.h):
 * closed object, types, the time grammar, one of flow/since/until/all. What the schema cannot
 * say (the flow is registered, the time is a real one) is checked here and answered in the
 * same 422 shape; the type checks stay for a server without the hook (unit tests). */
void seam_api_dead_replay_many(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_queue_t *q = api->queue;
	seam_job_filter_t f;
	seam_error_t e = {0};
	int64_t n = 0;
	json_t *body = seam_http_body_json(req), *v, *errors = json_array();
	char msg[256];
	if (!body)
		goto out;
	memset(&f, 0, sizeof f);
	if (!json_is_object(body)) {
		json_array_append_new(errors, body_error("", "type", "the body must be an object"));
		goto invalid;
	}
	int all = json_is_true(json_object_get(body, "all"));
	if ((v = json_object_get(body, "flow")) && !(f.flow = json_string_value(v)))
		json_array_append_new(errors, body_error("/flow", "type", "flow must be a string"));
	if (f.flow && seam_flows_check_name(api->flows, f.flow, &e) != SEAM_OK)
		json_array_append_new(errors, body_error("/flow", "x-seam-flow", e.msg));
	int64_t now = seam_now_ms();
	static const char *const times[] = {"since", "until"};
	for (int i = 0; i < 2; i++) {
		int64_t *ms = i ? &f.until_ms : &f.since_ms;
		if (!(v = json_object_get(body, times[i])))
			continue;
		snprintf(msg, sizeof msg, "%s %s%s%s is not " SEAM_TIME_ARG_FORMS, times[i],
			 json_is_string(v) ? "'" : "", json_is_string(v) ? json_string_value(v) : "",
			 json_is_string(v) ? "'" : "(not a string)");
		if (!json_is_string(v))
			json_array_append_new(errors, body_error(i ? "/until" : "/since", "type", msg));
		else if (seam_time_arg_parse(json_string_value(v), now, ms) != 0)
			json_array_append_new(errors,
					      body_error(i ? "/until" : "/since", "x-seam-time", msg));
	}
	if (json_array_size(errors))
		goto invalid;
	if (!all && !f.flow && !f.since_ms && !f.until_ms) {
		json_array_append_new(errors,
				      body_error("", "anyOf",
						 "give flow, since and/or until, or {\"all\": true} to "
						 "replay every dead letter"));
		goto invalid;
	}
	if (seam_queue_admin_replay_many(seam_queue_store(q), &f, &n, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		goto out;
	}
	if (n)
		seam_queue_notify(q);
	seam_http_reply_json(req, 200, json_pack("{s:I}", "replayed", (json_int_t)n));
	goto out;
invalid:
	seam_api_invalid_body(req, REPLAY_CONTRACT, errors);
	errors = NULL;
out:
	json_decref(errors);
	json_decref(body);
}

void seam_api_flows_list(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_queue_t *q = api->queue;
	seam_error_t e = {0};
	json_t *items = NULL;
	const char *names[16];
	size_t n = seam_flows_names(api->flows, names, 16);
	if (seam_queue_admin_flows(seam_queue_store(q), names, n, &items, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	seam_http_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static void flow_set(seam_http_req_t *req, void *ud, int paused)
{
	const seam_api_t *api = ud;
	seam_queue_t *q = api->queue;
	seam_error_t e = {0};
	json_t *fl = NULL;
	const char *name = seam_http_param(req, "name");
	/* An unknown name is a resource that does not exist: 404, and no row is made for it. */
	if (seam_flows_check_name(api->flows, name, &e) != SEAM_OK ||
	    seam_queue_admin_pause(seam_queue_store(q), name, paused, &fl, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	if (!paused)
		seam_queue_notify(q);
	seam_http_reply_json(req, 200, fl);
}

void seam_api_flows_pause(seam_http_req_t *req, void *ud)
{
	flow_set(req, ud, 1);
}

void seam_api_flows_resume(seam_http_req_t *req, void *ud)
{
	flow_set(req, ud, 0);
}
