/*
 * sim_core.c: the per-call pipeline (route, faults, handler, record), the call ring and the
 * control API shared by every double, and direct dispatch for tests.
 */
#include "sim/sim_core.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "sim/sim_send.h"

typedef struct rec {
	int64_t seq, time_ms, duration_ms;
	char *method, *path, *query, *body, *fault, *route;
	json_t *headers;
	int status, dropped;
} rec_t;

struct seam_sim_double {
	seam_sim_double_def_t def;
	char *name;
	char base_url[96];
	seam_sim_faults_t *faults;
	int own_faults;
	/* ring of recorded calls */
	pthread_mutex_t ring_mu;
	rec_t *ring;
	size_t ring_cap, ring_n, ring_head;
	int64_t seq;
	size_t body_cap;
	/* stop signal for sleeping handlers */
	pthread_mutex_t stop_mu;
	pthread_cond_t stop_cv;
	int stopping;
	/* calls that may write (any method but GET and HEAD): counted when they start and when
	 * they end, so a reader that saw a count saw no write in flight change after it */
	atomic_uint_fast64_t writes;
};

static void ctl_calls(seam_sim_call_t *c, void *ctx);
static void ctl_reset(seam_sim_call_t *c, void *ctx);
static void ctl_faults_get(seam_sim_call_t *c, void *ctx);
static void ctl_faults_post(seam_sim_call_t *c, void *ctx);
static void ctl_faults_delete(seam_sim_call_t *c, void *ctx);
static void ctl_fault_delete(seam_sim_call_t *c, void *ctx);
static void ctl_deliveries(seam_sim_call_t *c, void *ctx);
static void ctl_release(seam_sim_call_t *c, void *ctx);
static void ctl_health(seam_sim_call_t *c, void *ctx);

static const seam_sim_route_t control_routes[] = {
	{"GET", "/_sim/calls", ctl_calls, 0, "recorded calls (method, path, since, limit)"},
	{"POST", "/_sim/reset", ctl_reset, 0, "clear calls, faults, deliveries; data:true re-seeds"},
	{"GET", "/_sim/faults", ctl_faults_get, 0, "fault rules"},
	{"POST", "/_sim/faults", ctl_faults_post, 0, "add fault rules"},
	{"DELETE", "/_sim/faults", ctl_faults_delete, 0, "clear fault rules"},
	{"DELETE", "/_sim/faults/{id}", ctl_fault_delete, 0, "remove one fault rule"},
	{"GET", "/_sim/deliveries", ctl_deliveries, 0, "webhooks sent, every attempt"},
	{"POST", "/_sim/deliveries/release", ctl_release, 0, "send held webhooks (shuffle)"},
	{"GET", "/_sim/health", ctl_health, 0, "liveness of the double"},
};

const seam_sim_route_t *seam_sim_control_routes(size_t *n)
{
	*n = sizeof control_routes / sizeof *control_routes;
	return control_routes;
}

/* ---- helpers ---- */

char *seam_sim_urldecode(const char *s, size_t len, int plus)
{
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
			char hx[3] = {s[i + 1], s[i + 2], 0};
			out[o++] = (char)strtol(hx, NULL, 16);
			i += 2;
		} else if (plus && s[i] == '+') {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

char *seam_sim_urlencode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1);
	if (!out)
		return NULL;
	char *p = out;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			*p++ = (char)ch;
		} else {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		}
	}
	*p = '\0';
	return out;
}

void seam_sim_kv_free(seam_sim_kv_t *kv, size_t n)
{
	if (!kv)
		return;
	for (size_t i = 0; i < n; i++) {
		free(kv[i].k);
		free(kv[i].v);
	}
	free(kv);
}

int seam_sim_parse_query(const char *qs, seam_sim_kv_t **kv, size_t *n)
{
	while (qs && *qs) {
		const char *amp = strchr(qs, '&');
		size_t len = amp ? (size_t)(amp - qs) : strlen(qs);
		if (len > 0) {
			const char *eq = memchr(qs, '=', len);
			size_t kl = eq ? (size_t)(eq - qs) : len;
			seam_sim_kv_t *p = realloc(*kv, (*n + 1) * sizeof *p);
			if (!p)
				return -1;
			*kv = p;
			p[*n].k = seam_sim_urldecode(qs, kl, 1);
			p[*n].v = eq ? seam_sim_urldecode(eq + 1, len - kl - 1, 1) : strdup("");
			(*n)++;
		}
		qs = amp ? amp + 1 : NULL;
	}
	return 0;
}

void seam_sim_time_drupal(int64_t unix_s, char *out)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

int seam_sim_basic_auth(const char *header, char **user, char **pass)
{
	*user = *pass = NULL;
	if (!header || strncasecmp(header, "Basic ", 6))
		return -1;
	const char *b = header + 6;
	while (*b == ' ')
		b++;
	uint8_t buf[512];
	long n = seam_base64_decode(b, strlen(b), buf, sizeof buf - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	char *colon = memchr(buf, ':', (size_t)n);
	if (!colon)
		return -1;
	*user = strndup((char *)buf, (size_t)(colon - (char *)buf));
	*pass = strdup(colon + 1);
	if (!*user || !*pass) {
		free(*user);
		free(*pass);
		*user = *pass = NULL;
		return -1;
	}
	return 0;
}

int seam_sim_streq_ct(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return 0;
	return seam_ct_equal(a, b, la);
}

/* ---- call accessors and replies ---- */

const char *seam_sim_param(const seam_sim_call_t *c, const char *name)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (!strcmp(c->params[i].k, name))
			return c->params[i].v;
	return NULL;
}

const char *seam_sim_query(const seam_sim_call_t *c, const char *name)
{
	for (size_t i = 0; i < c->nquery; i++)
		if (!strcmp(c->query[i].k, name))
			return c->query[i].v;
	return NULL;
}

const char *seam_sim_header(const seam_sim_call_t *c, const char *name)
{
	return c->header_fn ? c->header_fn(c->hctx, name) : NULL;
}

json_t *seam_sim_body_json(const seam_sim_call_t *c)
{
	if (!c->body || !c->body_len)
		return NULL;
	return json_loadb(c->body, c->body_len, JSON_DECODE_ANY, NULL);
}

char *seam_sim_request_url(const seam_sim_call_t *c)
{
	size_t cap = strlen(c->path) + 2;
	for (size_t i = 0; i < c->nquery; i++)
		cap += 3 * (strlen(c->query[i].k) + strlen(c->query[i].v)) + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	char *p = out + sprintf(out, "%s", c->path);
	for (size_t i = 0; i < c->nquery; i++) {
		char *k = seam_sim_urlencode(c->query[i].k), *v = seam_sim_urlencode(c->query[i].v);
		p += sprintf(p, "%c%s=%s", i ? '&' : '?', k ? k : "", v ? v : "");
		free(k);
		free(v);
	}
	return out;
}

void seam_sim_reply(seam_sim_call_t *c, int status, const char *ctype, const void *body,
		    size_t len)
{
	if (c->replied)
		return;
	c->replied = 1;
	c->status = status;
	c->ctype = ctype ? strdup(ctype) : NULL;
	c->resp = malloc(len + 1);
	if (c->resp) {
		if (len)
			memcpy(c->resp, body, len);
		c->resp[len] = '\0';
		c->resp_len = len;
	}
}

void seam_sim_reply_json(seam_sim_call_t *c, int status, const char *ctype, json_t *doc)
{
	if (c->replied) {
		json_decref(doc);
		return;
	}
	/* 15 significant digits: amounts converted from exact decimals print exactly */
	char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)
		      : NULL;
	json_decref(doc);
	seam_sim_reply(c, status, ctype ? ctype : "application/json", s ? s : "", s ? strlen(s) : 0);
	free(s);
}

void seam_sim_set_header(seam_sim_call_t *c, const char *name, const char *value)
{
	for (size_t i = 0; i < c->nrhdr; i++) {
		if (!strcasecmp(c->rhdr[i].k, name)) {
			free(c->rhdr[i].v);
			c->rhdr[i].v = strdup(value);
			return;
		}
	}
	if (c->nrhdr == SEAM_SIM_MAX_RESP_HEADERS)
		return;
	c->rhdr[c->nrhdr].k = strdup(name);
	c->rhdr[c->nrhdr].v = strdup(value);
	c->nrhdr++;
}

void seam_sim_problem(seam_sim_call_t *c, int status, const char *slug, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	char type[128];
	snprintf(type, sizeof type, "https://seam.dev/problems/%s", slug);
	seam_sim_reply_json(c, status, "application/problem+json",
			    json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", slug, "status",
				      status, "detail", detail));
}

void seam_sim_call_dispose(seam_sim_call_t *c)
{
	free(c->ctype);
	free(c->resp);
	for (size_t i = 0; i < c->nrhdr; i++) {
		free(c->rhdr[i].k);
		free(c->rhdr[i].v);
	}
	for (size_t i = 0; i < c->nparams; i++)
		free(c->params[i].k);
	free(c->pathcopy);
	c->ctype = c->resp = c->pathcopy = NULL;
	c->nrhdr = 0;
	c->nparams = 0;
}

/* ---- double ---- */

seam_sim_double_t *seam_sim_double_create(const seam_sim_double_def_t *def, uint64_t seed,
					  size_t ring_cap, size_t body_cap)
{
	seam_sim_double_t *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->def = *def;
	d->name = strdup(def->name);
	d->ring_cap = ring_cap ? ring_cap : 10000;
	d->body_cap = body_cap ? body_cap : 4096;
	d->ring = calloc(d->ring_cap, sizeof *d->ring);
	if (def->faults) {
		d->faults = def->faults;
	} else {
		char stream[64];
		snprintf(stream, sizeof stream, "faults:%s", def->name);
		d->faults = seam_sim_faults_create(seed, stream);
		d->own_faults = 1;
	}
	pthread_mutex_init(&d->ring_mu, NULL);
	pthread_mutex_init(&d->stop_mu, NULL);
	pthread_cond_init(&d->stop_cv, NULL);
	snprintf(d->base_url, sizeof d->base_url, "http://127.0.0.1");
	if (!d->name || !d->ring || !d->faults) {
		seam_sim_double_destroy(d);
		return NULL;
	}
	return d;
}

static void rec_clear(rec_t *r)
{
	free(r->method);
	free(r->path);
	free(r->query);
	free(r->body);
	free(r->fault);
	free(r->route);
	json_decref(r->headers);
	memset(r, 0, sizeof *r);
}

void seam_sim_double_destroy(seam_sim_double_t *d)
{
	if (!d)
		return;
	if (d->ring)
		for (size_t i = 0; i < d->ring_cap; i++)
			rec_clear(&d->ring[i]);
	free(d->ring);
	if (d->own_faults)
		seam_sim_faults_destroy(d->faults);
	pthread_mutex_destroy(&d->ring_mu);
	pthread_mutex_destroy(&d->stop_mu);
	pthread_cond_destroy(&d->stop_cv);
	free(d->name);
	free(d);
}

const char *seam_sim_double_name(const seam_sim_double_t *d)
{
	return d->name;
}

const seam_sim_double_def_t *seam_sim_double_def(const seam_sim_double_t *d)
{
	return &d->def;
}

seam_sim_faults_t *seam_sim_double_faults(seam_sim_double_t *d)
{
	return d->faults;
}

void seam_sim_double_set_base_url(seam_sim_double_t *d, const char *url)
{
	snprintf(d->base_url, sizeof d->base_url, "%s", url);
}

const char *seam_sim_double_base_url(const seam_sim_double_t *d)
{
	return d->base_url;
}

int seam_sim_double_sleep(seam_sim_double_t *d, int64_t ms)
{
	if (ms <= 0)
		return 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&d->stop_mu);
	while (!d->stopping) {
		if (pthread_cond_timedwait(&d->stop_cv, &d->stop_mu, &ts) != 0)
			break;
	}
	int rc = d->stopping ? -1 : 0;
	pthread_mutex_unlock(&d->stop_mu);
	return rc;
}

void seam_sim_double_stopping(seam_sim_double_t *d)
{
	pthread_mutex_lock(&d->stop_mu);
	d->stopping = 1;
	pthread_cond_broadcast(&d->stop_cv);
	pthread_mutex_unlock(&d->stop_mu);
}

/* ---- routing ---- */

/* Matches path against pattern, filling params (pointing into buf, a writable copy of path).
 * Returns 1 on a match. */
static int match(const char *pattern, char *buf, seam_sim_kv_t *params, size_t *np)
{
	const char *p = pattern;
	char *s = buf;
	*np = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		if (*p == '*' && p[1] == '\0')
			return 1;
		const char *pe = strchr(p, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);
		char *se = strchr(s, '/');
		size_t sl = se ? (size_t)(se - s) : strlen(s);
		if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
			if (sl == 0 || *np == SEAM_SIM_MAX_PARAMS)
				return 0;
			params[*np].k = (char *)p; /* name is resolved lazily below */
			params[*np].v = s;
			(*np)++;
		} else if (pl != sl || strncmp(p, s, pl)) {
			return 0;
		}
		p += pl;
		s += sl;
	}
	if (*p == '/' && p[1] == '*' && p[2] == '\0')
		return 1;
	return *p == '\0' && *s == '\0';
}

typedef struct found {
	const seam_sim_route_t *route;
	int control;
	int path_matched;
	char allow[64];
} found_t;

static void find_route(seam_sim_double_t *d, seam_sim_call_t *c, found_t *f)
{
	memset(f, 0, sizeof *f);
	const seam_sim_route_t *tables[2] = {d->def.routes, control_routes};
	size_t sizes[2] = {d->def.nroutes, sizeof control_routes / sizeof *control_routes};
	size_t plen = strlen(c->path);
	char *buf = malloc(plen + 1);
	if (!buf)
		return;
	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizes[t]; i++) {
			const seam_sim_route_t *r = &tables[t][i];
			seam_sim_kv_t params[SEAM_SIM_MAX_PARAMS];
			size_t np = 0;
			memcpy(buf, c->path, plen + 1);
			if (!match(r->pattern, buf, params, &np))
				continue;
			f->path_matched = 1;
			if (strcmp(r->method, c->method)) {
				if (!strstr(f->allow, r->method) &&
				    strlen(f->allow) + strlen(r->method) + 3 < sizeof f->allow)
					snprintf(f->allow + strlen(f->allow),
						 sizeof f->allow - strlen(f->allow), "%s%s",
						 f->allow[0] ? ", " : "", r->method);
				continue;
			}
			/* a match: keep buf as the call's path copy, cut params into it */
			f->route = r;
			f->control = t == 1;
			c->pathcopy = buf;
			c->nparams = np;
			for (size_t k = 0; k < np; k++) {
				const char *nm = params[k].k + 1;
				const char *close = strchr(nm, '}');
				char *v = params[k].v;
				char *slash = strchr(v, '/');
				if (slash)
					*slash = '\0';
				c->params[k].k = strndup(nm, (size_t)(close - nm));
				c->params[k].v = v;
			}
			return;
		}
	}
	free(buf);
}

/* ---- recording ---- */

static const char *const rec_headers[] = {
	"content-type", "accept", "user-agent", "idempotency-key", "if-match", "x-correlation-id",
	"traceparent", "authorization", "cookie", "x-api-key", "stripe-signature", "webhook-id",
	"webhook-timestamp", "webhook-signature", "x-avalara-client", "prefer", "ocp-apim-subscription-key",
	NULL};

static int secret_header(const char *h)
{
	return !strcmp(h, "authorization") || !strcmp(h, "cookie") || !strcmp(h, "x-api-key") ||
	       !strcmp(h, "stripe-signature") || !strcmp(h, "webhook-signature") ||
	       !strcmp(h, "ocp-apim-subscription-key");
}

static void record(seam_sim_double_t *d, seam_sim_call_t *c, int64_t t0_ms, int64_t dur_ms)
{
	json_t *hdrs = json_object();
	for (const char *const *h = rec_headers; *h; h++) {
		const char *v = seam_sim_header(c, *h);
		if (!v)
			continue;
		if (secret_header(*h)) {
			char red[64];
			const char *sp = strchr(v, ' ');
			if (!strcmp(*h, "authorization") && sp && sp - v < 20)
				snprintf(red, sizeof red, "%.*s [redacted]", (int)(sp - v), v);
			else
				snprintf(red, sizeof red, "[redacted]");
			json_object_set_new(hdrs, *h, json_string(red));
		} else {
			json_object_set_new(hdrs, *h, json_string(v));
		}
	}
	char *url = seam_sim_request_url(c);
	const char *q = url ? strchr(url, '?') : NULL;
	char *body = NULL;
	if (c->route && (c->route->flags & SEAM_SIM_ROUTE_SECRET_BODY) && c->body_len)
		body = strdup("[redacted]");
	else if (c->body_len)
		body = strndup(c->body, c->body_len < d->body_cap ? c->body_len : d->body_cap);

	pthread_mutex_lock(&d->ring_mu);
	rec_t *r;
	if (d->ring_n < d->ring_cap) {
		r = &d->ring[(d->ring_head + d->ring_n) % d->ring_cap];
		d->ring_n++;
	} else {
		r = &d->ring[d->ring_head];
		rec_clear(r);
		d->ring_head = (d->ring_head + 1) % d->ring_cap;
	}
	r->seq = ++d->seq;
	r->time_ms = t0_ms;
	r->duration_ms = dur_ms;
	r->method = strdup(c->method);
	r->path = strdup(c->path);
	r->query = q ? strdup(q + 1) : NULL;
	r->body = body;
	r->fault = c->fault ? strdup(c->fault) : NULL;
	r->route = c->route ? strdup(c->route->pattern) : NULL;
	r->headers = hdrs;
	r->status = c->drop ? 0 : c->status;
	r->dropped = c->drop;
	pthread_mutex_unlock(&d->ring_mu);
	free(url);
}

/* ---- the pipeline ---- */

static void reply_fault(seam_sim_call_t *c, int status, const char *what)
{
	char msg[128];
	snprintf(msg, sizeof msg, "fault injected by seam-sim: %s", what);
	seam_sim_reply_json(c, status, NULL,
			    json_pack("{s:{s:s, s:s}}", "error", "code", "SimulatedFault", "message",
				      msg));
}

static void handle_route(seam_sim_double_t *d, seam_sim_call_t *c, const found_t *fp);

void seam_sim_double_handle(seam_sim_double_t *d, seam_sim_call_t *c)
{
	c->dbl = d;
	if (!c->base_url[0])
		snprintf(c->base_url, sizeof c->base_url, "%s", d->base_url);
	found_t f;
	find_route(d, c, &f);
	if (!f.route) {
		if (f.path_matched) {
			seam_sim_set_header(c, "Allow", f.allow);
			seam_sim_reply_json(c, 405, NULL,
					    json_pack("{s:{s:s, s:s}}", "error", "code",
						      "MethodNotAllowed", "message",
						      "method not allowed on this path"));
		} else {
			seam_sim_reply_json(c, 404, NULL,
					    json_pack("{s:{s:s, s:s}}", "error", "code", "NotFound",
						      "message", "no such path on this simulator"));
		}
		return;
	}
	c->route = f.route;
	int writes = strcmp(c->method, "GET") && strcmp(c->method, "HEAD");
	if (writes)
		atomic_fetch_add(&d->writes, 1);
	handle_route(d, c, &f);
	if (writes)
		atomic_fetch_add(&d->writes, 1);
}

uint64_t seam_sim_writes(const seam_sim_call_t *c)
{
	return c->dbl ? (uint64_t)atomic_load(&c->dbl->writes) : 0;
}

static void handle_route(seam_sim_double_t *d, seam_sim_call_t *c, const found_t *fp)
{
	found_t f = *fp;
	if (f.control || !strncmp(c->path, "/_sim/", 6)) {
		f.route->fn(c, f.control ? (void *)d : d->def.ctx);
		if (!c->replied && !c->drop)
			seam_sim_problem(c, 500, "internal", "handler did not answer");
		return;
	}

	int64_t t0 = seam_now_ms();
	int64_t m0 = seam_mono_ns();
	seam_sim_inbound_t fd;
	seam_sim_faults_inbound(d->faults, c->method, c->path, &fd);
	if (fd.delay_ms > 0) {
		seam_sim_double_sleep(d, fd.delay_ms);
		if (fd.kind == SEAM_SIM_F_NONE)
			c->fault = "latency";
	}
	if (fd.kind != SEAM_SIM_F_NONE)
		c->fault = seam_sim_fault_name(fd.kind);
	char ra[16];
	switch (fd.kind) {
	case SEAM_SIM_F_ERROR:
		reply_fault(c, fd.status, "error");
		break;
	case SEAM_SIM_F_OUTAGE:
		if (fd.close)
			c->drop = 1;
		else
			reply_fault(c, 503, "outage");
		break;
	case SEAM_SIM_F_RATE_LIMIT:
		snprintf(ra, sizeof ra, "%d", fd.retry_after);
		seam_sim_set_header(c, "Retry-After", ra);
		reply_fault(c, 429, "rate limit");
		break;
	case SEAM_SIM_F_DROP:
		c->drop = 1;
		break;
	case SEAM_SIM_F_TIMEOUT:
		/* "after": the work lands (a retry sees it) while the answer is still held */
		if (fd.after) {
			f.route->fn(c, d->def.ctx);
			seam_sim_double_sleep(d, fd.hold_ms);
		} else {
			seam_sim_double_sleep(d, fd.hold_ms);
			f.route->fn(c, d->def.ctx);
		}
		break;
	case SEAM_SIM_F_DROP_AFTER_COMMIT:
		f.route->fn(c, d->def.ctx);
		c->drop = 1;
		break;
	default:
		f.route->fn(c, d->def.ctx);
		break;
	}
	if (!c->replied && !c->drop)
		reply_fault(c, 500, "handler did not answer");
	if (c->fault)
		seam_sim_set_header(c, "X-Sim-Fault", c->fault);
	record(d, c, t0, (seam_mono_ns() - m0) / 1000000);
}

/* ---- control API ---- */

static int64_t qint(const seam_sim_call_t *c, const char *name, int64_t def)
{
	const char *v = seam_sim_query(c, name);
	if (!v || !*v)
		return def;
	char *end;
	long long x = strtoll(v, &end, 10);
	return *end ? def : (int64_t)x;
}

static void ctl_calls(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	const char *method = seam_sim_query(c, "method");
	const char *path = seam_sim_query(c, "path");
	int64_t since = qint(c, "since", 0);
	int64_t limit = qint(c, "limit", 1000);
	if (limit <= 0 || limit > 100000)
		limit = 1000;
	json_t *arr = json_array();
	pthread_mutex_lock(&d->ring_mu);
	for (size_t i = 0; i < d->ring_n && (int64_t)json_array_size(arr) < limit; i++) {
		rec_t *r = &d->ring[(d->ring_head + i) % d->ring_cap];
		if (r->seq <= since)
			continue;
		if (method && *method && strcasecmp(method, r->method))
			continue;
		if (path && *path && strncmp(r->path, path, strlen(path)))
			continue;
		char ts[25];
		seam_rfc3339_ms(r->time_ms, ts);
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:O, s:i, s:I}", "seq",
				      (json_int_t)r->seq, "time", ts, "method", r->method, "path",
				      r->path, "headers", r->headers, "status", r->status,
				      "duration_ms", (json_int_t)r->duration_ms);
		json_object_set_new(o, "query", r->query ? json_string(r->query) : json_null());
		json_object_set_new(o, "body", r->body ? json_string(r->body) : json_null());
		json_object_set_new(o, "route", r->route ? json_string(r->route) : json_null());
		json_object_set_new(o, "fault", r->fault ? json_string(r->fault) : json_null());
		json_object_set_new(o, "dropped", json_boolean(r->dropped));
		json_array_append_new(arr, o);
	}
	int64_t last = d->seq;
	pthread_mutex_unlock(&d->ring_mu);
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:o, s:I}", "calls", arr, "last_seq", (json_int_t)last));
}

static void ctl_reset(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	json_t *body = seam_sim_body_json(c);
	int data = json_is_true(json_object_get(body, "data"));
	json_decref(body);
	pthread_mutex_lock(&d->ring_mu);
	for (size_t i = 0; i < d->ring_cap; i++)
		rec_clear(&d->ring[i]);
	d->ring_n = d->ring_head = 0;
	pthread_mutex_unlock(&d->ring_mu);
	seam_sim_faults_clear(d->faults);
	if (d->def.sender)
		seam_sim_sender_reset(d->def.sender);
	if (data && d->def.reset_data)
		d->def.reset_data(d->def.ctx);
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:b, s:b}", "reset", 1, "data", data && d->def.reset_data));
}

static void ctl_faults_get(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:o}", "faults", seam_sim_faults_list(d->faults)));
}

static void ctl_faults_post(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	json_t *body = seam_sim_body_json(c);
	if (!body) {
		seam_sim_problem(c, 400, "bad-json", "the body must be a JSON fault rule");
		return;
	}
	json_t *list = body;
	if (json_is_object(body) && json_is_array(json_object_get(body, "faults")))
		list = json_object_get(body, "faults");
	json_t *one = NULL;
	if (json_is_object(list)) {
		one = json_array();
		json_array_append(one, list);
		list = one;
	}
	json_t *added = json_array();
	size_t i;
	json_t *rule;
	char msg[256] = "";
	int bad = 0;
	json_array_foreach(list, i, rule) {
		json_t *a = NULL;
		if (seam_sim_faults_add(d->faults, rule, &a, msg, sizeof msg) != 0) {
			bad = 1;
			break;
		}
		json_array_append_new(added, a);
	}
	if (bad)
		seam_sim_problem(c, 400, "bad-fault", "fault %zu: %s", i, msg);
	else
		seam_sim_reply_json(c, 201, NULL, json_pack("{s:O}", "faults", added));
	json_decref(added);
	json_decref(one);
	json_decref(body);
}

static void ctl_faults_delete(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	seam_sim_faults_clear(d->faults);
	seam_sim_reply(c, 204, NULL, "", 0);
}

static void ctl_fault_delete(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	const char *id = seam_sim_param(c, "id");
	if (seam_sim_faults_remove(d->faults, strtoll(id, NULL, 10)) != 0)
		seam_sim_problem(c, 404, "not-found", "no fault rule %s", id);
	else
		seam_sim_reply(c, 204, NULL, "", 0);
}

static void ctl_deliveries(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	if (!d->def.sender) {
		seam_sim_problem(c, 404, "not-found", "the %s simulator sends no webhooks", d->name);
		return;
	}
	int64_t limit = qint(c, "limit", 1000);
	if (limit <= 0)
		limit = 1000;
	seam_sim_reply_json(
		c, 200, NULL,
		json_pack("{s:o, s:o}", "deliveries",
			  seam_sim_sender_log(d->def.sender, qint(c, "since", 0), (size_t)limit),
			  "stats", seam_sim_sender_stats(d->def.sender)));
}

static void ctl_release(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	if (!d->def.sender) {
		seam_sim_problem(c, 404, "not-found", "the %s simulator sends no webhooks", d->name);
		return;
	}
	json_t *body = seam_sim_body_json(c);
	json_t *sh = json_object_get(body, "shuffle");
	int shuffle = sh ? json_is_true(sh) : 1;
	json_decref(body);
	size_t n = seam_sim_sender_release(d->def.sender, shuffle);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:I}", "released", (json_int_t)n));
}

static void ctl_health(seam_sim_call_t *c, void *ctx)
{
	seam_sim_double_t *d = ctx;
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:s, s:b}", "name", d->name, "ok", 1));
}

/* ---- direct dispatch ---- */

typedef struct hlist {
	const char *const *lines;
	char buf[1024];
} hlist_t;

static const char *hlist_get(void *hctx, const char *name)
{
	hlist_t *h = hctx;
	size_t nl = strlen(name);
	for (const char *const *l = h->lines; l && *l; l++) {
		if (!strncasecmp(*l, name, nl) && (*l)[nl] == ':') {
			const char *v = *l + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(h->buf, sizeof h->buf, "%s", v);
			return h->buf;
		}
	}
	return NULL;
}

void seam_sim_request(seam_sim_double_t *d, const char *method, const char *target,
		      const char *const *headers, const char *body, seam_sim_resp_t *out)
{
	memset(out, 0, sizeof *out);
	seam_sim_call_t c;
	memset(&c, 0, sizeof c);
	hlist_t h = {.lines = headers};
	const char *q = strchr(target, '?');
	char *path = q ? strndup(target, (size_t)(q - target)) : strdup(target);
	seam_sim_kv_t *kv = NULL;
	size_t nkv = 0;
	if (q)
		seam_sim_parse_query(q + 1, &kv, &nkv);
	char *dpath = seam_sim_urldecode(path, strlen(path), 0);
	c.method = method;
	c.path = dpath;
	c.query = kv;
	c.nquery = nkv;
	c.header_fn = hlist_get;
	c.hctx = &h;
	c.body = body;
	c.body_len = body ? strlen(body) : 0;
	seam_sim_double_handle(d, &c);
	out->status = c.status;
	out->drop = c.drop;
	out->ctype = c.ctype;
	out->body = c.resp;
	out->len = c.resp_len;
	c.ctype = c.resp = NULL;
	for (size_t i = 0; i < c.nrhdr; i++)
		out->hdr[i] = c.rhdr[i];
	out->nhdr = c.nrhdr;
	c.nrhdr = 0;
	seam_sim_call_dispose(&c);
	if (out->body && out->ctype && strstr(out->ctype, "json"))
		out->json = json_loadb(out->body, out->len, JSON_DECODE_ANY, NULL);
	seam_sim_kv_free(kv, nkv);
	free(path);
	free(dpath);
}

void seam_sim_resp_dispose(seam_sim_resp_t *r)
{
	free(r->ctype);
	free(r->body);
	json_decref(r->json);
	for (size_t i = 0; i < r->nhdr; i++) {
		free(r->hdr[i].k);
		free(r->hdr[i].v);
	}
	memset(r, 0, sizeof *r);
}

const char *seam_sim_resp_header(const seam_sim_resp_t *r, const char *name)
{
	for (size_t i = 0; i < r->nhdr; i++)
		if (!strcasecmp(r->hdr[i].k, name))
			return r->hdr[i].v;
	return NULL;
}
