/*
 * ctl_jobs.c: `seam ctl jobs|dlq|flow` (see ctl_jobs.h). Each command is a table of actions
 * (name, usage, summary, accepted options, positional count, function); parsing, help text and
 * dispatch all read that table. The work itself is in src/queue/queue_admin.c; this file only
 * turns arguments into filters and JSON results into tables.
 */
#include "ctl/ctl_jobs.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "ctl/table.h"
#include "flows/flow.h"
#include "inbox/inbox.h"
#include "queue/queue_admin.h"

#define MAX_POS 4

typedef struct ctx {
	seam_store_t *st;
	const seam_flows_t *flows;
	int json;
	FILE *out, *err;
	const char *cmd;
} ctx_t;

typedef struct args {
	const char *flow, *state, *kind, *cid, *before, *since, *until, *limit, *provider, *source;
	int all, help;
	const char *pos[MAX_POS];
	int npos;
} args_t;

typedef struct action {
	const char *name;
	const char *usage;   /* what follows "seam ctl <cmd> <name>" */
	const char *summary;
	const char *options; /* accepted --options, comma-separated */
	const char *pos;     /* the positional argument's help ("ID: ..."), or NULL */
	int min_pos, max_pos;
	int (*fn)(ctx_t *c, args_t *a);
} action_t;

/* --- parsing -------------------------------------------------------------------------------- */

static int allowed(const char *list, const char *name)
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

static const char **slot(args_t *a, const char *name)
{
	static const struct { const char *name; size_t off; } map[] = {
		{"flow", offsetof(args_t, flow)},     {"state", offsetof(args_t, state)},
		{"kind", offsetof(args_t, kind)},     {"cid", offsetof(args_t, cid)},
		{"before", offsetof(args_t, before)}, {"since", offsetof(args_t, since)},
		{"until", offsetof(args_t, until)},   {"limit", offsetof(args_t, limit)},
		{"provider", offsetof(args_t, provider)}, {"source", offsetof(args_t, source)},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].name, name) == 0)
			return (const char **)((char *)a + map[i].off);
	return NULL;
}

/* What each option takes, for --help (the usage line only names them). */
static const struct {
	const char *name, *arg, *help;
} option_help[] = {
	{"flow", "F", "only this flow: %s"},
	{"state", "S", "only this state: queued, running, succeeded, dead, canceled"},
	{"kind", "K", "only this job kind: %s"},
	{"cid", "ID", "only jobs with this correlation id"},
	{"since", "T", "created (dead letters: died) at or after T"},
	{"until", "T", "created (dead letters: died) before T"},
	{"before", "ID", "paging: jobs older than this id (the last id of the previous page)"},
	{"limit", "N", "at most N rows, 1..1000 (default 50)"},
	{"all", "", "every dead letter"},
	{"provider", "P", "only this webhook provider: stripe, adyen, standard, drupal"},
	{"source", "S", "only this store or source (the {store}/{source} of the webhook path)"},
};

/* "orders, payments" (flows) or "order.export, ..., payment.apply" (their job kinds). */
static const char *registered(const ctx_t *c, char *buf, size_t cap, int kinds)
{
	return seam_flows_list(c->flows, kinds, buf, cap);
}

static void usage_of(ctx_t *c, const action_t *act, FILE *fp)
{
	fprintf(fp, "usage: seam ctl %s %s %s\n  %s\n", c->cmd, act->name, act->usage, act->summary);
}

/* --help: the usage line, then every option with what it takes. */
static void full_usage(ctx_t *c, const action_t *act, FILE *fp)
{
	char list[512], flag[32];
	usage_of(c, act, fp);
	fprintf(fp, "\n");
	if (act->pos) {
		if (strcmp(act->pos, "NAME") == 0)
			fprintf(fp, "  NAME: %s\n\n", registered(c, list, sizeof list, 0));
		else
			fprintf(fp, "  %s\n\n", act->pos);
	}
	fprintf(fp, "options:\n");
	for (size_t i = 0; i < sizeof option_help / sizeof option_help[0]; i++) {
		if (!allowed(act->options, option_help[i].name))
			continue;
		snprintf(flag, sizeof flag, "--%s %s", option_help[i].name, option_help[i].arg);
		fprintf(fp, "  %-12s ", flag);
		fprintf(fp, option_help[i].help,
			registered(c, list, sizeof list, strcmp(option_help[i].name, "kind") == 0));
		fputc('\n', fp);
	}
	fprintf(fp, "  %-12s JSON for scripts instead of a table\n", "--json ");
	if (allowed(act->options, "since") || allowed(act->options, "until"))
		fprintf(fp, "\nT is " SEAM_TIME_ARG_FORMS ".\n");
}

/* Parses argv[from..]. Returns 0, or 2 after printing a usage error. */
static int parse(ctx_t *c, const action_t *act, int argc, char **argv, int from, args_t *a)
{
	memset(a, 0, sizeof *a);
	for (int i = from; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			a->help = 1;
			continue;
		}
		if (strcmp(arg, "--json") == 0) {
			c->json = 1;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0) {
			if (a->npos == MAX_POS || a->npos >= act->max_pos) {
				fprintf(c->err, "seam ctl %s %s: unexpected argument '%s'\n", c->cmd,
					act->name, arg);
				usage_of(c, act, c->err);
				return 2;
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		char name[32];
		const char *eq = strchr(arg + 2, '=');
		size_t nl = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1),
			 arg + 2);
		if (!allowed(act->options, name)) {
			fprintf(c->err, "seam ctl %s %s: unknown option '--%s'\n", c->cmd, act->name, name);
			usage_of(c, act, c->err);
			return 2;
		}
		if (strcmp(name, "all") == 0) {
			a->all = 1;
			continue;
		}
		const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!v || !*v) {
			fprintf(c->err, "seam ctl %s %s: --%s needs a value\n", c->cmd, act->name, name);
			return 2;
		}
		*slot(a, name) = v;
	}
	if (!a->help && a->npos < act->min_pos) {
		usage_of(c, act, c->err);
		return 2;
	}
	return 0;
}

/* The one parser of operator times (core/clock.h), shared with the REST API. */
static int parse_time(ctx_t *c, const char *opt, const char *v, int64_t *ms)
{
	if (!v || seam_time_arg_parse(v, seam_now_ms(), ms) == 0)
		return 0;
	fprintf(c->err, "seam ctl %s: --%s '%s' is not " SEAM_TIME_ARG_FORMS "\n", c->cmd, opt, v);
	return 2;
}

static int fill_filter(ctx_t *c, const args_t *a, seam_job_filter_t *f)
{
	seam_error_t e = {0};
	memset(f, 0, sizeof *f);
	/* A misspelt flow would match nothing and look like "no dead letters". */
	if (a->flow && seam_flows_check_name(c->flows, a->flow, &e) != SEAM_OK) {
		fprintf(c->err, "seam ctl %s: %s\n", c->cmd, e.msg);
		return 1;
	}
	f->flow = a->flow;
	f->state = a->state;
	f->kind = a->kind;
	f->correlation_id = a->cid;
	f->before_id = a->before;
	if (a->limit) {
		char *end;
		long n = strtol(a->limit, &end, 10);
		if (*end || n < 1 || n > SEAM_JOB_LIST_MAX) {
			fprintf(c->err, "seam ctl %s: --limit must be 1..%d\n", c->cmd, SEAM_JOB_LIST_MAX);
			return 2;
		}
		f->limit = (int)n;
	}
	if (parse_time(c, "since", a->since, &f->since_ms) || parse_time(c, "until", a->until, &f->until_ms))
		return 2;
	return 0;
}

/* Reports a failed admin call; returns the exit code. */
static int failed(ctx_t *c, const char *what, const seam_error_t *e)
{
	fprintf(c->err, "seam ctl %s %s: %s\n", c->cmd, what, e->msg[0] ? e->msg : seam_strerror(e->code));
	return e->code == SEAM_INVAL ? 2 : 1;
}

/* --- rendering ------------------------------------------------------------------------------ */

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static char *jnum(json_t *o, const char *k, char *buf, size_t cap)
{
	json_t *v = json_object_get(o, k);
	if (json_is_integer(v))
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, cap, "%.0f", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, cap, "%d", json_is_true(v));
	else
		return NULL;
	return buf;
}

static int print_json_doc(ctx_t *c, json_t *doc)
{
	json_dumpf(doc, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', c->out);
	return 0;
}

static const seam_table_col_t job_cols[] = {
	{"id", 0, SEAM_TABLE_TEXT},          {"flow", 16, SEAM_TABLE_TEXT},
	{"kind", 20, SEAM_TABLE_TEXT},       {"state", 0, SEAM_TABLE_TEXT},
	{"attempts", 0, SEAM_TABLE_INT},     {"max_attempts", 0, SEAM_TABLE_INT},
	{"run_at", 0, SEAM_TABLE_TEXT},      {"last_error", 50, SEAM_TABLE_TEXT},
};

static const seam_table_col_t dead_cols[] = {
	{"id", 0, SEAM_TABLE_TEXT},             {"flow", 16, SEAM_TABLE_TEXT},
	{"kind", 20, SEAM_TABLE_TEXT},          {"store", 16, SEAM_TABLE_TEXT},
	{"order_number", 20, SEAM_TABLE_TEXT},  {"attempts", 0, SEAM_TABLE_INT},
	{"finished_at", 0, SEAM_TABLE_TEXT},    {"correlation_id", 32, SEAM_TABLE_TEXT},
	{"last_error", 50, SEAM_TABLE_TEXT},
};

static const seam_table_col_t quarantine_cols[] = {
	{"id", 0, SEAM_TABLE_TEXT},          {"received_at", 0, SEAM_TABLE_TEXT},
	{"provider", 10, SEAM_TABLE_TEXT},   {"source", 12, SEAM_TABLE_TEXT},
	{"event_id", 32, SEAM_TABLE_TEXT},   {"reason", 80, SEAM_TABLE_TEXT},
	{"correlation_id", 32, SEAM_TABLE_TEXT},
};

static const seam_table_col_t flow_cols[] = {
	{"name", 24, SEAM_TABLE_TEXT},          {"paused", 0, SEAM_TABLE_BOOL},
	{"max_concurrency", 0, SEAM_TABLE_INT}, {"queued", 0, SEAM_TABLE_INT},
	{"running", 0, SEAM_TABLE_INT},         {"dead", 0, SEAM_TABLE_INT},
	{"oldest_runnable_age_s", 0, SEAM_TABLE_INT},
};

static const seam_table_col_t attempt_cols[] = {
	{"attempt", 0, SEAM_TABLE_INT},      {"outcome", 0, SEAM_TABLE_TEXT},
	{"started_at", 0, SEAM_TABLE_TEXT},  {"finished_at", 0, SEAM_TABLE_TEXT},
	{"error", 70, SEAM_TABLE_TEXT},
};

/* One table row per JSON object, taking each column's key from the object. */
static int print_rows(ctx_t *c, const seam_table_col_t *cols, size_t ncols, json_t *arr,
		      const char *empty)
{
	seam_table_t *t = seam_table_create(cols, ncols);
	const char *vals[16];
	char nums[16][32];
	size_t i;
	json_t *o;
	int rc = 1;
	if (!t)
		return 1;
	json_array_foreach(arr, i, o) {
		for (size_t k = 0; k < ncols && k < 16; k++) {
			const char *s = jstr(o, cols[k].key);
			vals[k] = s ? s : jnum(o, cols[k].key, nums[k], sizeof nums[k]);
		}
		if (seam_table_add(t, vals) != 0)
			goto out;
	}
	if (seam_table_print(t, c->out, c->json) != 0)
		goto out;
	if (!c->json && json_array_size(arr) == 0 && empty)
		fprintf(c->out, "(%s)\n", empty);
	rc = 0;
out:
	seam_table_destroy(t);
	return rc;
}

static void kv(ctx_t *c, const char *k, const char *v)
{
	fprintf(c->out, "%-17s ", k);
	seam_table_put_cell(c->out, v, 0, 0, 0);
	fputc('\n', c->out);
}

static int print_job_full(ctx_t *c, json_t *job)
{
	char a[64], n1[24], n2[24];
	if (c->json)
		return print_json_doc(c, job);
	static const char *const keys[] = {"id", "kind", "flow", "state"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		kv(c, keys[i], jstr(job, keys[i]));
	snprintf(a, sizeof a, "%s of %s", jnum(job, "attempts", n1, sizeof n1),
		 jnum(job, "max_attempts", n2, sizeof n2));
	kv(c, "attempts", a);
	static const char *const more[] = {"dedup_key", "correlation_id", "run_at", "created_at",
					   "updated_at", "finished_at", "lease_owner",
					   "lease_expires_at", "last_error"};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
		kv(c, more[i], jstr(job, more[i]));
	json_t *payload = json_object_get(job, "payload");
	if (payload) {
		char *text = json_is_string(payload) ? strdup(json_string_value(payload))
						     : json_dumps(payload, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
		fprintf(c->out, "payload:\n");
		for (char *line = text, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			fprintf(c->out, "  %s\n", line);
		}
		free(text);
	}
	json_t *log = json_object_get(job, "attempts_log");
	if (log) {
		fprintf(c->out, "\nattempts:\n");
		return print_rows(c, attempt_cols, sizeof attempt_cols / sizeof attempt_cols[0], log,
				  "none yet");
	}
	return 0;
}

static int print_action_result(ctx_t *c, json_t *job, const char *verb)
{
	if (c->json)
		return print_json_doc(c, job);
	fprintf(c->out, "job %s %s: now %s (attempts %lld of %lld)\n", jstr(job, "id"), verb,
		jstr(job, "state"), (long long)json_integer_value(json_object_get(job, "attempts")),
		(long long)json_integer_value(json_object_get(job, "max_attempts")));
	return 0;
}

/* --- actions -------------------------------------------------------------------------------- */

static int jobs_list(ctx_t *c, args_t *a)
{
	seam_job_filter_t f;
	json_t *arr = NULL;
	seam_error_t e = {0};
	int rc = fill_filter(c, a, &f);
	if (rc)
		return rc;
	if (seam_queue_admin_list(c->st, &f, &arr, &e) != SEAM_OK)
		return failed(c, "list", &e);
	rc = print_rows(c, job_cols, sizeof job_cols / sizeof job_cols[0], arr, "no jobs match");
	json_decref(arr);
	return rc;
}

static int dlq_list(ctx_t *c, args_t *a)
{
	seam_job_filter_t f;
	json_t *arr = NULL;
	seam_error_t e = {0};
	int rc = fill_filter(c, a, &f);
	if (rc)
		return rc;
	f.state = "dead";
	f.by_finished = 1;
	f.with_payload = 1;
	if (seam_queue_admin_list(c->st, &f, &arr, &e) != SEAM_OK)
		return failed(c, "list", &e);
	seam_flows_describe_jobs(c->flows, c->st, arr); /* store and order number, for people */
	rc = print_rows(c, dead_cols, sizeof dead_cols / sizeof dead_cols[0], arr,
			"no dead letters");
	json_decref(arr);
	return rc;
}

/* The quarantine: what was refused at the ingress and why (the body stays in the store). One
 * page, newest first, as GET /v1/quarantine pages it. */
static int quarantine_list(ctx_t *c, args_t *a)
{
	seam_inbox_quarantine_filter_t f = {.provider = a->provider, .source = a->source, .limit = 50};
	json_t *arr = NULL, *next = NULL;
	seam_error_t e = {0};
	int rc;
	if (a->limit) {
		char *end;
		long n = strtol(a->limit, &end, 10);
		if (*end || n < 1 || n > SEAM_JOB_LIST_MAX) {
			fprintf(c->err, "seam ctl %s: --limit must be 1..%d\n", c->cmd, SEAM_JOB_LIST_MAX);
			return 2;
		}
		f.limit = (int)n;
	}
	if (parse_time(c, "since", a->since, &f.since_ms) || parse_time(c, "until", a->until, &f.until_ms))
		return 2;
	if (seam_inbox_quarantine_list(c->st, &f, &arr, &next, &e) != SEAM_OK)
		return failed(c, "list", &e);
	rc = print_rows(c, quarantine_cols, sizeof quarantine_cols / sizeof quarantine_cols[0], arr,
			"nothing quarantined");
	if (rc == 0 && next && !c->json)
		fprintf(c->out, "(more: narrow with --since/--until, or raise --limit)\n");
	json_decref(next);
	json_decref(arr);
	return rc;
}

static int show(ctx_t *c, args_t *a, int dead_only)
{
	json_t *job = NULL;
	seam_error_t e = {0};
	if (seam_queue_admin_show(c->st, a->pos[0], &job, &e) != SEAM_OK)
		return failed(c, "show", &e);
	if (dead_only && strcmp(jstr(job, "state"), "dead") != 0) {
		fprintf(c->err, "seam ctl dlq show: job %s is %s, not a dead letter (see: seam ctl jobs "
			"show %s)\n", a->pos[0], jstr(job, "state"), a->pos[0]);
		json_decref(job);
		return 1;
	}
	int rc = print_job_full(c, job);
	json_decref(job);
	return rc;
}

static int jobs_show(ctx_t *c, args_t *a)
{
	return show(c, a, 0);
}

static int dlq_show(ctx_t *c, args_t *a)
{
	return show(c, a, 1);
}

typedef seam_err_t (*admin_fn)(seam_store_t *, const char *, json_t **, seam_error_t *);

static int one_action(ctx_t *c, args_t *a, admin_fn fn, const char *what, const char *verb)
{
	json_t *job = NULL;
	seam_error_t e = {0};
	if (fn(c->st, a->pos[0], &job, &e) != SEAM_OK)
		return failed(c, what, &e);
	int rc = print_action_result(c, job, verb);
	json_decref(job);
	return rc;
}

static int jobs_retry(ctx_t *c, args_t *a)
{
	return one_action(c, a, seam_queue_admin_retry, "retry", "retried");
}

static int jobs_cancel(ctx_t *c, args_t *a)
{
	return one_action(c, a, seam_queue_admin_cancel, "cancel", "canceled");
}

static int dlq_replay(ctx_t *c, args_t *a)
{
	int by_id = a->npos == 1, by_filter = a->flow || a->since || a->until;
	if (by_id + by_filter + a->all != 1) {
		fprintf(c->err, "seam ctl dlq replay: give exactly one of: an ID, --flow/--since/--until, "
			"or --all\n");
		return 2;
	}
	if (by_id)
		return one_action(c, a, seam_queue_admin_replay, "replay", "replayed");
	seam_job_filter_t f;
	seam_error_t e = {0};
	int64_t n = 0;
	int rc = fill_filter(c, a, &f);
	if (rc)
		return rc;
	if (seam_queue_admin_replay_many(c->st, &f, &n, &e) != SEAM_OK)
		return failed(c, "replay", &e);
	if (c->json) {
		json_t *o = json_pack("{s:I}", "replayed", (json_int_t)n);
		print_json_doc(c, o);
		json_decref(o);
	} else {
		fprintf(c->out, "replayed %lld dead letter(s)\n", (long long)n);
	}
	return 0;
}

static int flow_list(ctx_t *c, args_t *a)
{
	json_t *arr = NULL;
	seam_error_t e = {0};
	const char *names[16];
	size_t n = seam_flows_names(c->flows, names, 16);
	(void)a;
	if (seam_queue_admin_flows(c->st, names, n, &arr, &e) != SEAM_OK)
		return failed(c, "list", &e);
	int rc = print_rows(c, flow_cols, sizeof flow_cols / sizeof flow_cols[0], arr, "no flows yet");
	json_decref(arr);
	return rc;
}

static int flow_set(ctx_t *c, args_t *a, int paused)
{
	json_t *fl = NULL;
	seam_error_t e = {0};
	if (seam_flows_check_name(c->flows, a->pos[0], &e) != SEAM_OK ||
	    seam_queue_admin_pause(c->st, a->pos[0], paused, &fl, &e) != SEAM_OK)
		return failed(c, paused ? "pause" : "resume", &e);
	if (c->json) {
		print_json_doc(c, fl);
	} else {
		fprintf(c->out, "flow %s %s (%lld queued, %lld running)\n", a->pos[0],
			paused ? "paused: its jobs keep queueing" : "resumed: its backlog drains",
			(long long)json_integer_value(json_object_get(fl, "queued")),
			(long long)json_integer_value(json_object_get(fl, "running")));
	}
	json_decref(fl);
	return 0;
}

static int flow_pause(ctx_t *c, args_t *a)
{
	return flow_set(c, a, 1);
}

static int flow_resume(ctx_t *c, args_t *a)
{
	return flow_set(c, a, 0);
}

#define LIST_OPTS "flow,state,kind,cid,before,since,until,limit"
#define JOB_ID "ID: a job id, as `jobs list` or `dlq list` shows it"

static const action_t jobs_actions[] = {
	{"list", "[--flow F] [--state S] [--kind K] [--cid ID] [--since T] [--until T] [--before ID] [--limit N]",
	 "Jobs, newest first (states: queued, running, succeeded, dead, canceled; T: RFC 3339, now, or 2h ago).",
	 LIST_OPTS, NULL, 0, 0, jobs_list},
	{"show", "ID", "One job: fields, payload and every attempt with its error.", "", JOB_ID, 1, 1,
	 jobs_show},
	{"retry", "ID",
	 "Queue a dead or canceled job again with a fresh attempt budget, or run a queued job now.", "",
	 JOB_ID, 1, 1, jobs_retry},
	{"cancel", "ID", "Cancel a queued, running or dead job (a running handler's result is dropped).",
	 "", JOB_ID, 1, 1, jobs_cancel},
};

static const action_t dlq_actions[] = {
	{"list", "[--flow F] [--since T] [--until T] [--before ID] [--limit N]",
	 "Dead letters (jobs that exhausted their attempts or failed permanently), newest first; "
	 "--since/--until on when they died; each names its store and order number.",
	 "flow,since,until,before,limit", NULL, 0, 0, dlq_list},
	{"show", "ID", "One dead letter: payload, correlation id and every attempt's error.", "",
	 JOB_ID, 1, 1, dlq_show},
	{"replay", "ID | --flow F [--since T] [--until T] | --since T [--until T] | --all",
	 "Queue dead letters again with a fresh attempt budget (history is kept).",
	 "flow,since,until,all", JOB_ID, 0, 1, dlq_replay},
};

static const action_t flow_actions[] = {
	{"list", "", "Every flow with pause state, bulkhead, queued/running/dead counts and oldest "
	 "runnable age.", "", NULL, 0, 0, flow_list},
	{"pause", "NAME", "Stop starting the flow's jobs (stored: survives restarts); jobs keep queueing.",
	 "", "NAME", 1, 1, flow_pause},
	{"resume", "NAME", "Start the flow's jobs again; the backlog drains.", "", "NAME", 1, 1,
	 flow_resume},
};

static const action_t quarantine_actions[] = {
	{"list", "[--provider P] [--source S] [--since T] [--until T] [--limit N]",
	 "Webhook events refused after their signature verified (a contract violation, an unknown "
	 "type, ...), newest first, each with its reason; the body stays in the store.",
	 "provider,source,since,until,limit", NULL, 0, 0, quarantine_list},
};

static void help(ctx_t *c, const action_t *acts, size_t n, FILE *fp)
{
	fprintf(fp, "usage: seam ctl %s ACTION [--json] ...\n\n", c->cmd);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "  %s %s\n      %s\n", acts[i].name, acts[i].usage, acts[i].summary);
}

static int dispatch(ctx_t *c, const action_t *acts, size_t n, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		int asked = argc >= 2;
		help(c, acts, n, asked ? c->out : c->err);
		return asked ? 0 : 2;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], acts[i].name) != 0)
			continue;
		args_t a;
		int rc = parse(c, &acts[i], argc, argv, 2, &a);
		if (rc)
			return rc;
		if (a.help) {
			full_usage(c, &acts[i], c->out);
			return 0;
		}
		if (!c->st) {
			fprintf(c->err, "seam ctl %s: no store\n", c->cmd);
			return 1;
		}
		return acts[i].fn(c, &a);
	}
	fprintf(c->err, "seam ctl %s: unknown action '%s'\n", c->cmd, argv[1]);
	help(c, acts, n, c->err);
	return 2;
}

int seam_ctl_jobs(seam_store_t *store, const seam_flows_t *flows, int json, FILE *out,
		  FILE *errout, int argc, char **argv)
{
	ctx_t c = {.st = store, .flows = flows, .json = json, .out = out, .err = errout,
		   .cmd = "jobs"};
	return dispatch(&c, jobs_actions, sizeof jobs_actions / sizeof jobs_actions[0], argc, argv);
}

int seam_ctl_dlq(seam_store_t *store, const seam_flows_t *flows, int json, FILE *out,
		 FILE *errout, int argc, char **argv)
{
	ctx_t c = {.st = store, .flows = flows, .json = json, .out = out, .err = errout,
		   .cmd = "dlq"};
	return dispatch(&c, dlq_actions, sizeof dlq_actions / sizeof dlq_actions[0], argc, argv);
}

int seam_ctl_flow(seam_store_t *store, const seam_flows_t *flows, int json, FILE *out,
		  FILE *errout, int argc, char **argv)
{
	ctx_t c = {.st = store, .flows = flows, .json = json, .out = out, .err = errout,
		   .cmd = "flow"};
	return dispatch(&c, flow_actions, sizeof flow_actions / sizeof flow_actions[0], argc, argv);
}

int seam_ctl_quarantine(seam_store_t *store, const seam_flows_t *flows, int json, FILE *out,
			FILE *errout, int argc, char **argv)
{
	ctx_t c = {.st = store, .flows = flows, .json = json, .out = out, .err = errout,
		   .cmd = "quarantine"};
	return dispatch(&c, quarantine_actions, sizeof quarantine_actions / sizeof quarantine_actions[0],
			argc, argv);
}
