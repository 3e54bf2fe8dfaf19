/*
 * api_ops_overview.c: GET /v1/ops/overview and the per-minute history it charts (see
 * api_ops_overview.h for where each number comes from).
 *
 * The history is a ring of SEAM_OPS_HISTORY_MINUTES + 1 samples, one per wall-clock minute
 * (slot = minute index mod ring size, so a stale slot is told apart by the minute it holds). A
 * sample holds, for each key (a flow or an upstream, up to MAX_KEYS), the two counters the
 * dashboard charts, as cumulative totals at the minute's start. A minute's count is the next
 * minute's sample minus its own; the current minute's is the live value minus its sample. A key
 * first seen in a later sample reads 0 in the earlier ones, which is right: its counter series
 * did not exist then (the registry creates a series at its first increment).
 */
#include "api/api_ops_overview.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/resource.h"
#include "core/clock.h"
#include "flows/flow.h"
#include "http/client.h"
#include "queue/queue_admin.h"

#define RING (SEAM_OPS_HISTORY_MINUTES + 1)
#define MAX_KEYS 64
#define MINUTE_MS 60000LL

typedef struct hkey {
	char kind;     /* 'f' a flow, 'u' an upstream */
	char name[64];
} hkey_t;

typedef struct hsample {
	int64_t minute;    /* minute index (ms / 60000) this slot holds; -1: none */
	double a[MAX_KEYS]; /* flows: succeeded; upstreams: requests */
	double b[MAX_KEYS]; /* flows: failed; upstreams: errors */
} hsample_t;

struct seam_ops_history {
	seam_metrics_t *m;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC: the sampler's sleep, cut short by stop */
	pthread_t th;
	int started, stop;
	hkey_t keys[MAX_KEYS];
	int nkeys;
	int64_t first_ms; /* the first sample's time; 0 before it */
	hsample_t ring[RING];
};

seam_ops_history_t *seam_ops_history_create(seam_metrics_t *m)
{
	seam_ops_history_t *h = calloc(1, sizeof *h);
	pthread_condattr_t ca;
	if (!h)
		return NULL;
	h->m = m;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < RING; i++)
		h->ring[i].minute = -1;
	return h;
}

/* ---------- reading the counters ---------- */

typedef struct collect {
	seam_ops_history_t *h;
	double *a, *b;
} collect_t;

/* The key's index, added when new; -1 when the table is full. Caller holds h->mu. */
static int key_of(seam_ops_history_t *h, char kind, const char *name)
{
	for (int i = 0; i < h->nkeys; i++)
		if (h->keys[i].kind == kind && strcmp(h->keys[i].name, name) == 0)
			return i;
	if (h->nkeys == MAX_KEYS)
		return -1;
	h->keys[h->nkeys].kind = kind;
	snprintf(h->keys[h->nkeys].name, sizeof h->keys[0].name, "%s", name);
	return h->nkeys++;
}

/* seam_queue_attempts_total{flow, outcome} */
static void on_attempts(const char *const *l, size_t n, double v, void *ud)
{
	collect_t *c = ud;
	int k;
	if (n != 2 || (k = key_of(c->h, 'f', l[0])) < 0)
		return;
	if (strcmp(l[1], "succeeded") == 0)
		c->a[k] += v;
	else if (!strcmp(l[1], "retry") || !strcmp(l[1], "dead") || !strcmp(l[1], "lease_expired"))
		c->b[k] += v;
}

/* seam_upstream_requests_total{upstream, method, status}: an error is a 5xx, a 429, or no
 * answer at all (error, timeout) */
static void on_upstream(const char *const *l, size_t n, double v, void *ud)
{
	collect_t *c = ud;
	int k;
	if (n != 3 || (k = key_of(c->h, 'u', l[0])) < 0)
		return;
	c->a[k] += v;
	if (l[2][0] == '5' || !strcmp(l[2], "429") || !strcmp(l[2], "error") ||
	    !strcmp(l[2], "timeout"))
		c->b[k] += v;
}

/* The counters now, into a and b (MAX_KEYS each, zeroed here). Caller holds h->mu (the
 * metric's lock is taken inside it, never the other way round). */
static void collect_now(seam_ops_history_t *h, double *a, double *b)
{
	collect_t c = {h, a, b};
	memset(a, 0, MAX_KEYS * sizeof *a);
	memset(b, 0, MAX_KEYS * sizeof *b);
	seam_metrics_each(h->m, SEAM_M_QUEUE_ATTEMPTS, on_attempts, &c);
	seam_metrics_each(h->m, SEAM_M_UPSTREAM_REQUESTS, on_upstream, &c);
}

void seam_ops_history_sample(seam_ops_history_t *h, int64_t now_ms)
{
	int64_t minute = now_ms / MINUTE_MS;
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	hsample_t *s = &h->ring[minute % RING];
	if (s->minute != minute) {
		collect_now(h, s->a, s->b);
		s->minute = minute;
		if (!h->first_ms)
			h->first_ms = now_ms;
	}
	pthread_mutex_unlock(&h->mu);
}

/* ---------- the sampler ---------- */

static void *sampler(void *p)
{
	seam_ops_history_t *h = p;
	seam_ops_history_sample(h, seam_now_ms());
	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		/* just after the next minute starts (wall clock); a spurious or early wake-up
		 * samples the current minute again, which changes nothing */
		int64_t now = seam_now_ms(), wait = (now / MINUTE_MS + 1) * MINUTE_MS + 50 - now;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(wait / 1000);
		ts.tv_nsec += (long)(wait % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->cv, &h->mu, &ts);
		if (h->stop)
			break;
		pthread_mutex_unlock(&h->mu);
		seam_ops_history_sample(h, seam_now_ms());
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

seam_err_t seam_ops_history_start(seam_ops_history_t *h, seam_error_t *err)
{
	if (!h || h->started)
		return SEAM_OK;
	h->stop = 0;
	if (pthread_create(&h->th, NULL, sampler, h) != 0)
		return seam_errorf(err, SEAM_ERR, "the dashboard's history sampler: cannot start a thread");
	h->started = 1;
	return SEAM_OK;
}

void seam_ops_history_stop(seam_ops_history_t *h)
{
	if (!h || !h->started)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	h->started = 0;
}

void seam_ops_history_destroy(seam_ops_history_t *h)
{
	if (!h)
		return;
	seam_ops_history_stop(h);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

/* ---------- the series ---------- */

static json_t *count_or_null(const hsample_t *from, const double *to, int k, int col)
{
	double d = (col ? to[k] - from->b[k] : to[k] - from->a[k]);
	return d >= 0 ? json_integer((json_int_t)(d + 0.5)) : json_null();
}

void seam_ops_history_series(seam_ops_history_t *h, int64_t now_ms, json_t *out)
{
	int64_t cur = now_ms / MINUTE_MS, first = cur - SEAM_OPS_HISTORY_MINUTES + 1;
	json_t *minutes = json_array(), *flows = json_object(), *ups = json_object();
	char t[25];
	double *live = NULL;
	for (int64_t m = first; m <= cur; m++) {
		seam_rfc3339_ms(m * MINUTE_MS, t);
		json_array_append_new(minutes, json_string(t));
	}
	json_object_set_new(out, "minutes", minutes);
	if (!h || !(live = calloc(2 * MAX_KEYS, sizeof *live))) {
		json_object_set_new(out, "history_since", json_null());
		json_object_set_new(out, "flows", flows);
		json_object_set_new(out, "upstreams", ups);
		return;
	}
	pthread_mutex_lock(&h->mu);
	collect_now(h, live, live + MAX_KEYS);
	for (int k = 0; k < h->nkeys; k++) {
		json_t *a = json_array(), *b = json_array();
		for (int64_t m = first; m <= cur; m++) {
			const hsample_t *s = &h->ring[m % RING], *e = &h->ring[(m + 1) % RING];
			if (s->minute != m || (m < cur && e->minute != m + 1)) {
				json_array_append_new(a, json_null());
				json_array_append_new(b, json_null());
			} else if (m == cur) {
				json_array_append_new(a, count_or_null(s, live, k, 0));
				json_array_append_new(b, count_or_null(s, live + MAX_KEYS, k, 1));
			} else {
				json_array_append_new(a, count_or_null(s, e->a, k, 0));
				json_array_append_new(b, count_or_null(s, e->b, k, 1));
			}
		}
		if (h->keys[k].kind == 'f')
			json_object_set_new(flows, h->keys[k].name,
					    json_pack("{s:o, s:o}", "succeeded", a, "failed", b));
		else
			json_object_set_new(ups, h->keys[k].name,
					    json_pack("{s:o, s:o}", "requests", a, "errors", b));
	}
	if (h->first_ms) {
		seam_rfc3339_ms(h->first_ms, t);
		json_object_set_new(out, "history_since", json_string(t));
	} else {
		json_object_set_new(out, "history_since", json_null());
	}
	pthread_mutex_unlock(&h->mu);
	free(live);
	json_object_set_new(out, "flows", flows);
	json_object_set_new(out, "upstreams", ups);
}

/* ---------- the overview ---------- */

/* An array of SEAM_OPS_HISTORY_MINUTES nulls: a flow or upstream the history has no series of
 * (nothing ran yet: its counters do not exist). New reference. */
static json_t *nulls(void)
{
	json_t *a = json_array();
	for (int i = 0; i < SEAM_OPS_HISTORY_MINUTES; i++)
		json_array_append_new(a, json_null());
	return a;
}

/* What the gauges say, read under the registry's render lock (after its collectors ran). */
typedef struct gauges {
	json_t *stores; /* store -> {field: value} */
	json_t *drift;  /* [{store, kind, count}] */
	int drift_available;
	int drift_store, drift_kind; /* label positions of the drift gauge */
	const char *field;           /* the field the visitor below fills */
} gauges_t;

static json_t *store_entry(gauges_t *g, const char *store)
{
	json_t *o = json_object_get(g->stores, store);
	if (!o) {
		o = json_object();
		json_object_set_new(g->stores, store, o);
	}
	return o;
}

static void on_store_gauge(const char *const *l, size_t n, double v, void *ud)
{
	gauges_t *g = ud;
	if (n >= 1)
		json_object_set_new(store_entry(g, l[0]), g->field, json_real(v));
}

static void on_staleness(const char *const *l, size_t n, double v, void *ud)
{
	gauges_t *g = ud;
	if (n == 2)
		json_object_set_new(store_entry(g, l[0]),
				    strcmp(l[1], "price") == 0 ? "price_staleness_s" : "stock_staleness_s",
				    json_real(v));
}

static void on_drift(const char *const *l, size_t n, double v, void *ud)
{
	gauges_t *g = ud;
	/* the kinds the newest run found (the gauge keeps every kind, 0 for the rest) */
	if ((size_t)g->drift_store >= n || (size_t)g->drift_kind >= n || v < 0.5)
		return;
	json_array_append_new(g->drift, json_pack("{s:s, s:s, s:I}", "store", l[g->drift_store],
						  "kind", l[g->drift_kind], "count",
						  (json_int_t)(v + 0.5)));
}

/* The position of label `name` in a metric's declared labels ("store,kind"), or -1. */
static int label_pos(const char *labels, const char *name)
{
	int i = 0;
	size_t nl = strlen(name);
	for (const char *p = labels; p && *p; i++) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == nl && strncmp(p, name, l) == 0)
			return i;
		p = c ? c + 1 : NULL;
	}
	return -1;
}

static void read_gauges(seam_metrics_t *m, void *ud)
{
	gauges_t *g = ud;
	static const struct {
		seam_metric_id_e id;
		const char *field;
	} per_store[] = {
		{SEAM_M_CATALOG_LAG, "catalog_sync_lag_s"},
		{SEAM_M_ORDER_EXPORT_BACKLOG, "export_backlog"},
		{SEAM_M_ORDER_EXPORT_OLDEST, "export_oldest_age_s"},
	};
	for (size_t i = 0; i < sizeof per_store / sizeof per_store[0]; i++) {
		g->field = per_store[i].field;
		seam_metrics_each(m, per_store[i].id, on_store_gauge, g);
	}
	seam_metrics_each(m, SEAM_M_STOCK_STALENESS, on_staleness, g);
	/* reconciliation's gauge, by name: a build without it says so instead of showing 0 */
	int id = seam_metric_find("seam_reconcile_drift");
	if (id >= 0) {
		size_t n;
		const seam_metric_def_t *d = &seam_metric_defs(&n)[id];
		g->drift_store = label_pos(d->labels, "store");
		g->drift_kind = label_pos(d->labels, "kind");
		g->drift_available = g->drift_store >= 0 && g->drift_kind >= 0;
		if (g->drift_available)
			seam_metrics_each(m, (seam_metric_id_e)id, on_drift, g);
	}
}

void seam_api_ops_overview(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	int64_t now = seam_now_ms();
	json_t *hist = json_object(), *flows = NULL, *ups = json_array(), *stores = json_array();
	json_t *f;
	gauges_t g = {.stores = json_object(), .drift = json_array()};
	seam_error_t e = {0};
	const char *names[32];
	char t[25];
	size_t i, n = seam_flows_names(api->flows, names, 32);

	if (seam_queue_admin_flows(api->store, names, n, &flows, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		goto out;
	}
	seam_ops_history_series(api->ops_history, now, hist);
	json_array_foreach(flows, i, f) {
		json_t *s = json_object_get(json_object_get(hist, "flows"),
					    json_string_value(json_object_get(f, "name")));
		json_object_set_new(f, "succeeded", s ? json_incref(json_object_get(s, "succeeded")) : nulls());
		json_object_set_new(f, "failed", s ? json_incref(json_object_get(s, "failed")) : nulls());
	}
	for (i = 0; api->upstream_config && i < api->upstream_config->n; i++) {
		const char *name = api->upstream_config->names[i];
		seam_upstream_t *u = api->upstreams ? api->upstreams[i] : NULL;
		json_t *s = json_object_get(json_object_get(hist, "upstreams"), name);
		json_array_append_new(
			ups, json_pack("{s:s, s:s?, s:o, s:o}", "name", name, "breaker",
				       u ? seam_breaker_state_name(seam_upstream_breaker_state(u)) : NULL,
				       "requests", s ? json_incref(json_object_get(s, "requests")) : nulls(),
				       "errors", s ? json_incref(json_object_get(s, "errors")) : nulls()));
	}
	seam_metrics_read(api->metrics, read_gauges, &g);
	for (i = 0; api->stores && i < api->stores->n; i++) {
		static const char *const fields[] = {"catalog_sync_lag_s", "stock_staleness_s",
						     "price_staleness_s", "export_backlog",
						     "export_oldest_age_s"};
		json_t *have = json_object_get(g.stores, api->stores->names[i]);
		json_t *o = json_pack("{s:s}", "name", api->stores->names[i]);
		for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
			json_t *v = json_object_get(have, fields[k]);
			json_object_set_new(o, fields[k], v ? json_incref(v) : json_null());
		}
		json_array_append_new(stores, o);
	}
	seam_rfc3339_ms(now, t);
	seam_http_set_header(req, "Cache-Control", "no-store");
	seam_http_reply_json(
		req, 200,
		json_pack("{s:s, s:O, s:O, s:o, s:o, s:o, s:{s:b, s:O}}", "generated_at", t, "minutes",
			  json_object_get(hist, "minutes"), "history_since",
			  json_object_get(hist, "history_since"), "flows", flows, "upstreams", ups,
			  "stores", stores, "drift", "available", g.drift_available, "items", g.drift));
	flows = ups = stores = NULL;
out:
	json_decref(flows);
	json_decref(ups);
	json_decref(stores);
	json_decref(hist);
	json_decref(g.stores);
	json_decref(g.drift);
}
