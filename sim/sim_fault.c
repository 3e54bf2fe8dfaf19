/*
 * sim_fault.c: the rule list and the decisions. A small array under a mutex: a double has a
 * handful of rules, and every call consults them once.
 */
#include "sim/sim_fault.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_rng.h"

typedef struct rule {
	int64_t id;
	seam_sim_fault_kind_e kind;
	double rate;
	char method[12];
	char *path;
	int64_t times, fired;
	int status;
	int close;
	int64_t ms;
	int after; /* timeout: work, then hold */
	int retry_after;
	int copies, concurrent, batch;
} rule_t;

struct seam_sim_faults {
	pthread_mutex_t mu;
	seam_sim_rng_t rng;
	rule_t *rules;
	size_t n, cap;
	int64_t next_id;
};

static const struct {
	const char *name;
	seam_sim_fault_kind_e kind;
	int outbound;
} kinds[] = {
	{"error", SEAM_SIM_F_ERROR, 0},
	{"latency", SEAM_SIM_F_LATENCY, 0},
	{"timeout", SEAM_SIM_F_TIMEOUT, 0},
	{"outage", SEAM_SIM_F_OUTAGE, 0},
	{"rate_limit", SEAM_SIM_F_RATE_LIMIT, 0},
	{"drop", SEAM_SIM_F_DROP, 0},
	{"drop_after_commit", SEAM_SIM_F_DROP_AFTER_COMMIT, 0},
	{"duplicate", SEAM_SIM_F_DUPLICATE, 1},
	{"reorder", SEAM_SIM_F_REORDER, 1},
	{"lose", SEAM_SIM_F_LOSE, 1},
};

const char *seam_sim_fault_name(seam_sim_fault_kind_e kind)
{
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "none";
}

static int is_outbound(seam_sim_fault_kind_e k)
{
	return k == SEAM_SIM_F_DUPLICATE || k == SEAM_SIM_F_REORDER || k == SEAM_SIM_F_LOSE;
}

seam_sim_faults_t *seam_sim_faults_create(uint64_t seed, const char *stream)
{
	seam_sim_faults_t *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	pthread_mutex_init(&f->mu, NULL);
	seam_sim_rng_init(&f->rng, seed, stream);
	f->next_id = 1;
	return f;
}

void seam_sim_faults_destroy(seam_sim_faults_t *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->rules[i].path);
	free(f->rules);
	seam_sim_rng_dispose(&f->rng);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static json_t *rule_json(const rule_t *r)
{
	json_t *j = json_pack("{s:I, s:s, s:f, s:I, s:I}", "id", (json_int_t)r->id, "kind",
			      seam_sim_fault_name(r->kind), "rate", r->rate, "times",
			      (json_int_t)r->times, "fired", (json_int_t)r->fired);
	if (!j)
		return NULL;
	if (r->method[0])
		json_object_set_new(j, "method", json_string(r->method));
	if (r->path)
		json_object_set_new(j, "path", json_string(r->path));
	switch (r->kind) {
	case SEAM_SIM_F_ERROR:
		json_object_set_new(j, "status", json_integer(r->status));
		break;
	case SEAM_SIM_F_OUTAGE:
		json_object_set_new(j, "mode", json_string(r->close ? "close" : "503"));
		break;
	case SEAM_SIM_F_LATENCY:
		json_object_set_new(j, "ms", json_integer(r->ms));
		break;
	case SEAM_SIM_F_TIMEOUT:
		json_object_set_new(j, "ms", json_integer(r->ms));
		json_object_set_new(j, "after", json_boolean(r->after));
		break;
	case SEAM_SIM_F_RATE_LIMIT:
		json_object_set_new(j, "retry_after", json_integer(r->retry_after));
		break;
	case SEAM_SIM_F_DUPLICATE:
		json_object_set_new(j, "copies", json_integer(r->copies));
		json_object_set_new(j, "concurrent", json_boolean(r->concurrent));
		break;
	case SEAM_SIM_F_REORDER:
		json_object_set_new(j, "batch", json_integer(r->batch));
		break;
	default:
		break;
	}
	return j;
}

static int num_field(const json_t *rule, const char *key, double def, double min, double max,
		     double *out, char *msg, size_t cap)
{
	json_t *v = json_object_get(rule, key);
	if (!v || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max) {
		snprintf(msg, cap, "\"%s\" must be a number in %g..%g", key, min, max);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

int seam_sim_faults_add(seam_sim_faults_t *f, const json_t *spec, json_t **added, char *msg,
			size_t msgcap)
{
	rule_t r;
	memset(&r, 0, sizeof r);
	if (!json_is_object(spec)) {
		snprintf(msg, msgcap, "a fault rule is a JSON object");
		return -1;
	}
	const char *kind = json_string_value(json_object_get(spec, "kind"));
	if (!kind) {
		snprintf(msg, msgcap, "\"kind\" is required");
		return -1;
	}
	if (!strcmp(kind, "429"))
		kind = "rate_limit";
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (!strcmp(kinds[i].name, kind))
			r.kind = kinds[i].kind;
	if (r.kind == SEAM_SIM_F_NONE) {
		snprintf(msg, msgcap,
			 "unknown kind \"%s\" (error, latency, timeout, outage, rate_limit, drop, "
			 "drop_after_commit, duplicate, reorder, lose)",
			 kind);
		return -1;
	}
	double d;
	if (num_field(spec, "rate", 1.0, 0.0, 1.0, &r.rate, msg, msgcap) ||
	    num_field(spec, "times", 0, 0, 1e12, &d, msg, msgcap))
		return -1;
	r.times = (int64_t)d;
	const char *method = json_string_value(json_object_get(spec, "method"));
	if (method) {
		if (strlen(method) >= sizeof r.method) {
			snprintf(msg, msgcap, "bad \"method\"");
			return -1;
		}
		for (size_t i = 0; method[i]; i++)
			r.method[i] = (char)(method[i] >= 'a' && method[i] <= 'z' ? method[i] - 32
										 : method[i]);
	}
	json_t *pv = json_object_get(spec, "path");
	if (pv && !json_is_null(pv)) {
		if (!json_is_string(pv)) {
			snprintf(msg, msgcap, "\"path\" must be a string (a path prefix)");
			return -1;
		}
		r.path = strdup(json_string_value(pv));
	}
	switch (r.kind) {
	case SEAM_SIM_F_ERROR:
		if (num_field(spec, "status", 500, 100, 599, &d, msg, msgcap))
			goto bad;
		r.status = (int)d;
		break;
	case SEAM_SIM_F_OUTAGE: {
		json_t *m = json_object_get(spec, "mode");
		const char *mode = json_string_value(m);
		if (m && json_is_integer(m) && json_integer_value(m) == 503)
			mode = "503";
		if (mode && strcmp(mode, "503") && strcmp(mode, "close")) {
			snprintf(msg, msgcap, "\"mode\" is \"503\" or \"close\"");
			goto bad;
		}
		r.close = mode && !strcmp(mode, "close");
		r.status = 503;
		break;
	}
	case SEAM_SIM_F_LATENCY:
		if (num_field(spec, "ms", 1000, 0, 600000, &d, msg, msgcap))
			goto bad;
		r.ms = (int64_t)d;
		break;
	case SEAM_SIM_F_TIMEOUT: {
		if (num_field(spec, "ms", 30000, 0, 600000, &d, msg, msgcap))
			goto bad;
		r.ms = (int64_t)d;
		json_t *a = json_object_get(spec, "after");
		if (a && !json_is_boolean(a) && !json_is_null(a)) {
			snprintf(msg, msgcap, "\"after\" must be true or false");
			goto bad;
		}
		r.after = json_is_true(a);
		break;
	}
	case SEAM_SIM_F_RATE_LIMIT:
		if (num_field(spec, "retry_after", 1, 0, 86400, &d, msg, msgcap))
			goto bad;
		r.retry_after = (int)d;
		break;
	case SEAM_SIM_F_DUPLICATE:
		if (num_field(spec, "copies", 2, 1, 100, &d, msg, msgcap))
			goto bad;
		r.copies = (int)d;
		r.concurrent = json_is_true(json_object_get(spec, "concurrent"));
		break;
	case SEAM_SIM_F_REORDER:
		if (num_field(spec, "batch", 3, 2, 1000, &d, msg, msgcap))
			goto bad;
		r.batch = (int)d;
		break;
	default:
		break;
	}
	pthread_mutex_lock(&f->mu);
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 8;
		rule_t *p = realloc(f->rules, nc * sizeof *p);
		if (!p) {
			pthread_mutex_unlock(&f->mu);
			snprintf(msg, msgcap, "out of memory");
			goto bad;
		}
		f->rules = p;
		f->cap = nc;
	}
	r.id = f->next_id++;
	f->rules[f->n++] = r;
	if (added)
		*added = rule_json(&r);
	pthread_mutex_unlock(&f->mu);
	return 0;
bad:
	free(r.path);
	return -1;
}

json_t *seam_sim_faults_list(seam_sim_faults_t *f)
{
	json_t *a = json_array();
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++)
		json_array_append_new(a, rule_json(&f->rules[i]));
	pthread_mutex_unlock(&f->mu);
	return a;
}

void seam_sim_faults_clear(seam_sim_faults_t *f)
{
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++)
		free(f->rules[i].path);
	f->n = 0;
	pthread_mutex_unlock(&f->mu);
}

int seam_sim_faults_remove(seam_sim_faults_t *f, int64_t id)
{
	int rc = -1;
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++) {
		if (f->rules[i].id == id) {
			free(f->rules[i].path);
			memmove(&f->rules[i], &f->rules[i + 1], (f->n - i - 1) * sizeof *f->rules);
			f->n--;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static int matches(const rule_t *r, const char *method, const char *path)
{
	if (r->method[0] && method && strcmp(r->method, method))
		return 0;
	if (r->path && (!path || strncmp(path, r->path, strlen(r->path))))
		return 0;
	if (r->times > 0 && r->fired >= r->times)
		return 0;
	return 1;
}

/* Called with the lock held. A rule with rate 1 fires without a draw, so a test that uses
 * rate 1 does not shift the stream for the rules that do draw. */
static int fires(seam_sim_faults_t *f, rule_t *r)
{
	if (r->rate >= 1.0 || seam_sim_rng_double(&f->rng) < r->rate) {
		r->fired++;
		return 1;
	}
	return 0;
}

void seam_sim_faults_inbound(seam_sim_faults_t *f, const char *method, const char *path,
			     seam_sim_inbound_t *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++) {
		rule_t *r = &f->rules[i];
		if (is_outbound(r->kind) || !matches(r, method, path))
			continue;
		if (r->kind != SEAM_SIM_F_LATENCY && out->kind != SEAM_SIM_F_NONE)
			continue; /* outcome already decided; only latency still adds up */
		if (!fires(f, r))
			continue;
		switch (r->kind) {
		case SEAM_SIM_F_LATENCY:
			out->delay_ms += r->ms;
			break;
		case SEAM_SIM_F_TIMEOUT:
			out->kind = r->kind;
			out->hold_ms = r->ms;
			out->after = r->after;
			break;
		default:
			out->kind = r->kind;
			out->status = r->status;
			out->close = r->close;
			out->retry_after = r->retry_after;
			break;
		}
	}
	pthread_mutex_unlock(&f->mu);
}

void seam_sim_faults_outbound(seam_sim_faults_t *f, const char *url_path,
			      seam_sim_outbound_t *out)
{
	memset(out, 0, sizeof *out);
	out->copies = 1;
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++) {
		rule_t *r = &f->rules[i];
		if (!is_outbound(r->kind) || !matches(r, NULL, url_path) || !fires(f, r))
			continue;
		if (r->kind == SEAM_SIM_F_DUPLICATE) {
			out->copies = r->copies;
			out->concurrent = r->concurrent;
		} else if (r->kind == SEAM_SIM_F_REORDER) {
			out->batch = r->batch;
		} else {
			out->lose = 1;
		}
	}
	pthread_mutex_unlock(&f->mu);
}
