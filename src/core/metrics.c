/*
 * metrics.c: the metric registry and its Prometheus text exposition (format 0.0.4).
 *
 * Shape: one `metric` per row of SEAM_METRICS, each with its own rwlock and a small
 * open-addressing hash table of series keyed on the label values. A series' key is its label
 * values joined with '\0' ("GET\0200\0"), so comparing keys bytewise sorts series by label
 * values in declared order, which is the order render uses.
 *
 * Locking: an update takes its metric's lock shared, finds the series and changes it with
 * atomics while still holding the lock; only creating a series (first use of a label tuple)
 * and seam_metric_reset take the lock exclusively. Holding the shared lock across the atomic
 * update is what lets reset free series without a reclamation scheme. The rwlock prefers
 * writers so a stream of updates cannot starve series creation.
 *
 * Values: counter and gauge values and histogram sums are doubles stored as their bit pattern
 * in a 64-bit atomic, added with a CAS loop; histogram buckets are non-cumulative 64-bit
 * atomic counts (the last is +Inf), made cumulative at render time, and a histogram's count is
 * the sum of its buckets, so _count always equals the +Inf bucket.
 *
 * Cardinality: a metric keeps at most SEAM_METRICS_MAX_SERIES series; an update that would
 * create one more is dropped and counted in seam_metrics_series_dropped_total.
 *
 * Render: collectors run first, serialised by the registry's render lock and outside every
 * metric lock (they call seam_metric_set like anyone else); then each metric is written under
 * its shared lock.
 *
 * Thread-safety: every public function may be called from any thread concurrently, except
 * seam_metrics_destroy, which must be the last call on a registry.
 */
#include "core/metrics.h"

#include "core/buf.h"
#include "core/err.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the declared table ---- */

/* One bucket array per row; non-histogram rows get {0}, which defs ignores. */
#define SEAM__METRIC_BUCKETS(id, kind, name, help, labels, ...)                                \
	static const double buckets_##id[] = {__VA_ARGS__};
SEAM_METRICS(SEAM__METRIC_BUCKETS)
#undef SEAM__METRIC_BUCKETS

#define SEAM__IS_HIST(kind) (SEAM_METRIC_##kind == SEAM_METRIC_HISTOGRAM)

static const seam_metric_def_t defs[] = {
#define SEAM__METRIC_DEF(id, kind, name, help, labels, ...)                                    \
	{SEAM_M_##id, SEAM_METRIC_##kind, name, help, labels,                                  \
	 SEAM__IS_HIST(kind) ? buckets_##id : NULL,                                            \
	 SEAM__IS_HIST(kind) ? sizeof buckets_##id / sizeof buckets_##id[0] : 0},
	SEAM_METRICS(SEAM__METRIC_DEF)
#undef SEAM__METRIC_DEF
};

_Static_assert(sizeof defs / sizeof defs[0] == SEAM_M__COUNT, "one def per metric id");

const seam_metric_def_t *seam_metric_defs(size_t *n)
{
	if (n)
		*n = SEAM_M__COUNT;
	return defs;
}

/* ---- registry structures ---- */

typedef struct series {
	uint64_t hash;
	size_t keylen;      /* bytes in key, counting every value's '\0' */
	char *key;          /* owned; label values joined by '\0'; NULL when there are none */
	const char **vals;  /* owned array of nlabels pointers into key */
	_Atomic uint64_t val; /* counter/gauge value or histogram sum, as double bits */
	_Atomic uint64_t counts[]; /* histograms: nbuckets + 1 non-cumulative counts */
} series;

typedef struct metric {
	pthread_rwlock_t lock;
	const seam_metric_def_t *def;
	size_t nlabels;
	char *names_buf;    /* owned copy of def->labels with ',' turned into '\0' */
	const char **names; /* owned array of nlabels pointers into names_buf */
	series **slots;     /* owned open-addressing table, cap a power of two */
	size_t cap, n;
} metric;

typedef struct collector {
	seam_metrics_collect_fn fn;
	void *ud;
} collector;

struct seam_metrics {
	metric m[SEAM_M__COUNT];
	pthread_mutex_t render_lock; /* one render (collectors + text) at a time */
	pthread_mutex_t coll_lock;   /* guards coll/ncoll/capcoll */
	collector *coll;
	size_t ncoll, capcoll;
};

/* ---- doubles in atomics ---- */

static uint64_t dbits(double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	return u;
}

static double bitsd(uint64_t u)
{
	double v;
	memcpy(&v, &u, sizeof v);
	return v;
}

static void atomic_add_double(_Atomic uint64_t *a, double v)
{
	uint64_t old = atomic_load_explicit(a, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(a, &old, dbits(bitsd(old) + v),
						      memory_order_relaxed, memory_order_relaxed))
		;
}

/* ---- series table ---- */

static const char *lv(const char *const *labels, size_t i)
{
	return labels[i] ? labels[i] : "";
}

static uint64_t labels_hash(const char *const *labels, size_t n)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a 64 over the key bytes */
	for (size_t i = 0; i < n; i++) {
		for (const unsigned char *p = (const unsigned char *)lv(labels, i); *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h *= 1099511628211ULL; /* the '\0' separator */
	}
	return h;
}

static int series_matches(const series *s, uint64_t h, const char *const *labels, size_t n)
{
	if (s->hash != h)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->vals[i], lv(labels, i)) != 0)
			return 0;
	return 1;
}

/* Caller holds mt->lock (shared or exclusive). */
static series *find(const metric *mt, uint64_t h, const char *const *labels)
{
	if (!mt->cap)
		return NULL;
	for (size_t i = h & (mt->cap - 1);; i = (i + 1) & (mt->cap - 1)) {
		series *s = mt->slots[i];
		if (!s)
			return NULL;
		if (series_matches(s, h, labels, mt->nlabels))
			return s;
	}
}

static void series_free(series *s)
{
	if (!s)
		return;
	free(s->vals);
	free(s->key);
	free(s);
}

static series *series_new(const metric *mt, uint64_t h, const char *const *labels)
{
	size_t nb = mt->def->kind == SEAM_METRIC_HISTOGRAM ? mt->def->nbuckets + 1 : 0;
	series *s = calloc(1, sizeof *s + nb * sizeof s->counts[0]);
	if (!s)
		return NULL;
	s->hash = h;
	atomic_init(&s->val, dbits(0.0));
	for (size_t i = 0; i < nb; i++)
		atomic_init(&s->counts[i], 0);
	if (mt->nlabels) {
		for (size_t i = 0; i < mt->nlabels; i++)
			s->keylen += strlen(lv(labels, i)) + 1;
		s->key = malloc(s->keylen);
		s->vals = malloc(mt->nlabels * sizeof *s->vals);
		if (!s->key || !s->vals) {
			series_free(s);
			return NULL;
		}
		char *p = s->key;
		for (size_t i = 0; i < mt->nlabels; i++) {
			size_t l = strlen(lv(labels, i)) + 1;
			memcpy(p, lv(labels, i), l);
			s->vals[i] = p;
			p += l;
		}
	}
	return s;
}

/* Caller holds mt->lock exclusively. Returns 0, or -1 on allocation failure. */
static int grow(metric *mt)
{
	size_t ncap = mt->cap ? mt->cap * 2 : 16;
	series **ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < mt->cap; i++) {
		series *s = mt->slots[i];
		if (!s)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = s;
	}
	free(mt->slots);
	mt->slots = ns;
	mt->cap = ncap;
	return 0;
}

typedef enum { OP_ADD, OP_SET, OP_OBSERVE } op_e;

static void apply(const metric *mt, series *s, op_e op, double v)
{
	switch (op) {
	case OP_ADD:
		atomic_add_double(&s->val, v);
		break;
	case OP_SET:
		atomic_store_explicit(&s->val, dbits(v), memory_order_relaxed);
		break;
	case OP_OBSERVE: {
		const double *b = mt->def->buckets;
		size_t nb = mt->def->nbuckets, i = 0;
		while (i < nb && v > b[i])
			i++;
		atomic_fetch_add_explicit(&s->counts[i], 1, memory_order_relaxed);
		atomic_add_double(&s->val, v);
		break;
	}
	}
}

static int op_fits(seam_metric_kind_e kind, op_e op, double v)
{
	switch (kind) {
	case SEAM_METRIC_COUNTER:
		if (op == OP_ADD)
			return isfinite(v) && v >= 0;
		return op == OP_SET;
	case SEAM_METRIC_GAUGE:
		return op == OP_ADD || op == OP_SET;
	case SEAM_METRIC_HISTOGRAM:
		return op == OP_OBSERVE && !isnan(v);
	}
	return 0;
}

static void update(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels, op_e op,
		   double v)
{
	metric *mt;
	series *s;
	uint64_t h;
	int dropped = 0;

	if (!m || (int)id < 0 || id >= SEAM_M__COUNT)
		return;
	mt = &m->m[id];
	if (!op_fits(mt->def->kind, op, v) || (mt->nlabels && !labels))
		return;
	h = labels_hash(labels, mt->nlabels);

	pthread_rwlock_rdlock(&mt->lock);
	s = find(mt, h, labels);
	if (s) {
		apply(mt, s, op, v);
		pthread_rwlock_unlock(&mt->lock);
		return;
	}
	pthread_rwlock_unlock(&mt->lock);

	pthread_rwlock_wrlock(&mt->lock);
	s = find(mt, h, labels); /* someone may have created it between the locks */
	if (!s) {
		if (mt->n >= SEAM_METRICS_MAX_SERIES) {
			dropped = 1;
			goto out;
		}
		if ((mt->n + 1) * 2 > mt->cap && grow(mt) != 0)
			goto out; /* out of memory: the update is lost, nothing else is */
		s = series_new(mt, h, labels);
		if (!s)
			goto out;
		size_t i = h & (mt->cap - 1);
		while (mt->slots[i])
			i = (i + 1) & (mt->cap - 1);
		mt->slots[i] = s;
		mt->n++;
	}
	apply(mt, s, op, v);
out:
	pthread_rwlock_unlock(&mt->lock);
	/* The dropped counter has no labels, so it has one series and never drops itself. */
	if (dropped)
		update(m, SEAM_M_SERIES_DROPPED, NULL, OP_ADD, 1);
}

void seam_metric_add(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels, double v)
{
	update(m, id, labels, OP_ADD, v);
}

void seam_metric_set(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels, double v)
{
	update(m, id, labels, OP_SET, v);
}

void seam_metric_observe(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels,
			 double v)
{
	update(m, id, labels, OP_OBSERVE, v);
}

static uint64_t hist_count(const metric *mt, series *s)
{
	uint64_t c = 0;
	for (size_t i = 0; i <= mt->def->nbuckets; i++)
		c += atomic_load_explicit(&s->counts[i], memory_order_relaxed);
	return c;
}

double seam_metric_get(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels)
{
	metric *mt;
	series *s;
	double v = 0;

	if (!m || (int)id < 0 || id >= SEAM_M__COUNT)
		return 0;
	mt = &m->m[id];
	if (mt->nlabels && !labels)
		return 0;
	uint64_t h = labels_hash(labels, mt->nlabels);
	pthread_rwlock_rdlock(&mt->lock);
	s = find(mt, h, labels);
	if (s) {
		if (mt->def->kind == SEAM_METRIC_HISTOGRAM)
			v = (double)hist_count(mt, s);
		else
			v = bitsd(atomic_load_explicit(&s->val, memory_order_relaxed));
	}
	pthread_rwlock_unlock(&mt->lock);
	return v;
}

void seam_metrics_each(seam_metrics_t *m, seam_metric_id_e id, seam_metrics_series_fn fn, void *ud)
{
	metric *mt;
	if (!m || !fn || (int)id < 0 || id >= SEAM_M__COUNT)
		return;
	mt = &m->m[id];
	pthread_rwlock_rdlock(&mt->lock);
	for (size_t i = 0; i < mt->cap; i++) {
		series *s = mt->slots[i];
		if (!s)
			continue;
		double v = mt->def->kind == SEAM_METRIC_HISTOGRAM
				   ? (double)hist_count(mt, s)
				   : bitsd(atomic_load_explicit(&s->val, memory_order_relaxed));
		fn(s->vals, mt->nlabels, v, ud);
	}
	pthread_rwlock_unlock(&mt->lock);
}

int seam_metric_find(const char *name)
{
	for (size_t i = 0; name && i < SEAM_M__COUNT; i++)
		if (strcmp(defs[i].name, name) == 0)
			return (int)defs[i].id;
	return -1;
}

/* Caller holds mt->lock exclusively (or is destroying). */
static void drop_all(metric *mt)
{
	for (size_t i = 0; i < mt->cap; i++) {
		series_free(mt->slots[i]);
		mt->slots[i] = NULL;
	}
	mt->n = 0;
}

void seam_metric_reset(seam_metrics_t *m, seam_metric_id_e id)
{
	if (!m || (int)id < 0 || id >= SEAM_M__COUNT || m->m[id].def->kind != SEAM_METRIC_GAUGE)
		return;
	pthread_rwlock_wrlock(&m->m[id].lock);
	drop_all(&m->m[id]);
	pthread_rwlock_unlock(&m->m[id].lock);
}

/* ---- create / destroy ---- */

static int metric_init(metric *mt, const seam_metric_def_t *def)
{
	pthread_rwlockattr_t attr;
	int rc;

	memset(mt, 0, sizeof *mt);
	mt->def = def;
	if (def->labels[0]) {
		mt->names_buf = strdup(def->labels);
		if (!mt->names_buf)
			return -1;
		mt->nlabels = 1;
		for (const char *p = def->labels; *p; p++)
			mt->nlabels += *p == ',';
		mt->names = malloc(mt->nlabels * sizeof *mt->names);
		if (!mt->names) {
			free(mt->names_buf);
			return -1;
		}
		char *p = mt->names_buf;
		for (size_t i = 0; i < mt->nlabels; i++) {
			mt->names[i] = p;
			p += strcspn(p, ",");
			if (*p)
				*p++ = '\0';
		}
	}
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(&mt->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc != 0) {
		free(mt->names);
		free(mt->names_buf);
		return -1;
	}
	return 0;
}

static void metric_dispose(metric *mt)
{
	drop_all(mt);
	free(mt->slots);
	free(mt->names);
	free(mt->names_buf);
	pthread_rwlock_destroy(&mt->lock);
}

seam_metrics_t *seam_metrics_create(void)
{
	seam_metrics_t *m = calloc(1, sizeof *m);
	size_t i = 0;

	if (!m)
		return NULL;
	if (pthread_mutex_init(&m->render_lock, NULL) != 0)
		goto fail_render;
	if (pthread_mutex_init(&m->coll_lock, NULL) != 0)
		goto fail_coll;
	for (; i < SEAM_M__COUNT; i++)
		if (metric_init(&m->m[i], &defs[i]) != 0)
			goto fail_metrics;
	return m;

fail_metrics:
	while (i-- > 0)
		metric_dispose(&m->m[i]);
	pthread_mutex_destroy(&m->coll_lock);
fail_coll:
	pthread_mutex_destroy(&m->render_lock);
fail_render:
	free(m);
	return NULL;
}

void seam_metrics_destroy(seam_metrics_t *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < SEAM_M__COUNT; i++)
		metric_dispose(&m->m[i]);
	free(m->coll);
	pthread_mutex_destroy(&m->coll_lock);
	pthread_mutex_destroy(&m->render_lock);
	free(m);
}

int seam_metrics_add_collector(seam_metrics_t *m, seam_metrics_collect_fn fn, void *ud)
{
	int rc = SEAM_OK;

	if (!m)
		return SEAM_OK;
	if (!fn)
		return SEAM_INVAL;
	pthread_mutex_lock(&m->coll_lock);
	if (m->ncoll == m->capcoll) {
		size_t ncap = m->capcoll ? m->capcoll * 2 : 8;
		collector *nc = realloc(m->coll, ncap * sizeof *nc);
		if (!nc) {
			rc = SEAM_NOMEM;
			goto out;
		}
		m->coll = nc;
		m->capcoll = ncap;
	}
	m->coll[m->ncoll++] = (collector){fn, ud};
out:
	pthread_mutex_unlock(&m->coll_lock);
	return rc;
}

/* ---- text exposition ---- */

/* The page is written into one seam_buf_t whose errors are sticky (checked once, at the end).
 * Its cap is far above any real page (a full one, 10000 series of each of the few dozen
 * metrics, is tens of MiB) and keeps a runaway label value from taking all memory. */
#define RENDER_MAX ((size_t)256 << 20)

/* Escapes '\\' and '\n', and '"' too when quote is set (label values; HELP leaves quotes). */
static void put_escaped(seam_buf_t *b, const char *s, int quote)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = NULL;
		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && quote)
			rep = "\\\"";
		if (rep) {
			seam_buf_add(b, run, (size_t)(s - run));
			seam_buf_adds(b, rep);
			run = s + 1;
		}
	}
	seam_buf_add(b, run, (size_t)(s - run));
}

/* Formats v as Prometheus (and Go's strconv 'g', -1) would accept and read back exactly:
 * NaN, +Inf, -Inf; integers below 2^53 without exponent; otherwise the shortest %g that
 * round-trips. buf holds at least 32 bytes. */
static void fmt_num(char *buf, size_t size, double v)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) { /* also -0, which would print as "-0" */
		snprintf(buf, size, "0");
		return;
	}
	if (fabs(v) < 9007199254740992.0 && v == floor(v)) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void put_num(seam_buf_t *b, double v)
{
	char buf[40];
	fmt_num(buf, sizeof buf, v);
	seam_buf_adds(b, buf);
}

static void put_u64(seam_buf_t *b, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	seam_buf_adds(b, buf);
}

/* Writes `name{l1="v1",...,extra}` (braces only when there is a label). vals NULL: no series
 * labels (the zero series of a label-less metric). */
static void put_series_name(seam_buf_t *b, const metric *mt, const char *suffix,
			    const char *const *vals, const char *extra)
{
	int any = 0;
	seam_buf_adds(b, mt->def->name);
	seam_buf_adds(b, suffix);
	for (size_t i = 0; vals && i < mt->nlabels; i++) {
		seam_buf_adds(b, any ? "," : "{");
		any = 1;
		seam_buf_adds(b, mt->names[i]);
		seam_buf_adds(b, "=\"");
		put_escaped(b, vals[i], 1);
		seam_buf_adds(b, "\"");
	}
	if (extra) {
		seam_buf_adds(b, any ? "," : "{");
		any = 1;
		seam_buf_adds(b, extra);
	}
	if (any)
		seam_buf_adds(b, "}");
}

static int cmp_series(const void *a, const void *b)
{
	const series *x = *(series *const *)a, *y = *(series *const *)b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = n ? memcmp(x->key, y->key, n) : 0;
	if (c)
		return c;
	return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* One series' sample lines. s NULL: the all-zero series of a label-less metric. */
static void render_series(seam_buf_t *b, const metric *mt, series *s)
{
	const char *const *vals = s ? s->vals : NULL;
	double val = s ? bitsd(atomic_load_explicit(&s->val, memory_order_relaxed)) : 0;

	if (mt->def->kind != SEAM_METRIC_HISTOGRAM) {
		put_series_name(b, mt, "", vals, NULL);
		seam_buf_adds(b, " ");
		put_num(b, val);
		seam_buf_adds(b, "\n");
		return;
	}
	uint64_t cum = 0;
	for (size_t i = 0; i <= mt->def->nbuckets; i++) {
		char le[64] = "le=\"+Inf\"";
		if (i < mt->def->nbuckets) {
			char num[40];
			fmt_num(num, sizeof num, mt->def->buckets[i]);
			snprintf(le, sizeof le, "le=\"%s\"", num);
		}
		if (s)
			cum += atomic_load_explicit(&s->counts[i], memory_order_relaxed);
		put_series_name(b, mt, "_bucket", vals, le);
		seam_buf_adds(b, " ");
		put_u64(b, cum);
		seam_buf_adds(b, "\n");
	}
	put_series_name(b, mt, "_sum", vals, NULL);
	seam_buf_adds(b, " ");
	put_num(b, val);
	seam_buf_adds(b, "\n");
	put_series_name(b, mt, "_count", vals, NULL);
	seam_buf_adds(b, " ");
	put_u64(b, cum);
	seam_buf_adds(b, "\n");
}

static const char *kind_name(seam_metric_kind_e k)
{
	switch (k) {
	case SEAM_METRIC_COUNTER:
		return "counter";
	case SEAM_METRIC_GAUGE:
		return "gauge";
	case SEAM_METRIC_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

/* Returns -1 when memory ran out outside the buffer (the series list), else 0. */
static int render_metric(seam_buf_t *b, metric *mt)
{
	int rc = 0;
	series **list = NULL;
	size_t n = 0;

	seam_buf_adds(b, "# HELP ");
	seam_buf_adds(b, mt->def->name);
	seam_buf_adds(b, " ");
	put_escaped(b, mt->def->help, 0);
	seam_buf_adds(b, "\n# TYPE ");
	seam_buf_adds(b, mt->def->name);
	seam_buf_adds(b, " ");
	seam_buf_adds(b, kind_name(mt->def->kind));
	seam_buf_adds(b, "\n");

	pthread_rwlock_rdlock(&mt->lock);
	if (mt->n) {
		list = malloc(mt->n * sizeof *list);
		if (!list) {
			rc = -1;
			goto out;
		}
		for (size_t i = 0; i < mt->cap; i++)
			if (mt->slots[i])
				list[n++] = mt->slots[i];
		qsort(list, n, sizeof *list, cmp_series);
		for (size_t i = 0; i < n; i++)
			render_series(b, mt, list[i]);
	} else if (mt->nlabels == 0) {
		render_series(b, mt, NULL); /* a label-less metric always has its one series */
	}
out:
	pthread_rwlock_unlock(&mt->lock);
	free(list);
	return rc;
}

static void run_collectors(seam_metrics_t *m)
{
	collector *snap = NULL;
	size_t n;

	/* Copied so a collector may itself register collectors without deadlocking. */
	pthread_mutex_lock(&m->coll_lock);
	n = m->ncoll;
	if (n) {
		snap = malloc(n * sizeof *snap);
		if (snap)
			memcpy(snap, m->coll, n * sizeof *snap);
		else
			n = 0;
	}
	pthread_mutex_unlock(&m->coll_lock);
	for (size_t i = 0; i < n; i++)
		snap[i].fn(m, snap[i].ud);
	free(snap);
}

void seam_metrics_read(seam_metrics_t *m, seam_metrics_collect_fn fn, void *ud)
{
	if (!m) {
		if (fn)
			fn(m, ud);
		return;
	}
	pthread_mutex_lock(&m->render_lock);
	run_collectors(m);
	if (fn)
		fn(m, ud);
	pthread_mutex_unlock(&m->render_lock);
}

char *seam_metrics_render(seam_metrics_t *m, size_t *len)
{
	seam_buf_t b;
	char *text = NULL;
	int failed = 0;

	if (len)
		*len = 0;
	if (!m) {
		char *empty = strdup("");
		return empty;
	}
	seam_buf_init(&b, RENDER_MAX);
	pthread_mutex_lock(&m->render_lock);
	run_collectors(m);
	for (size_t i = 0; i < SEAM_M__COUNT; i++)
		failed |= render_metric(&b, &m->m[i]);
	pthread_mutex_unlock(&m->render_lock);
	if (!failed)
		seam_buf_take(&b, &text, len); /* NULL past the cap or out of memory */
	seam_buf_dispose(&b);
	return text;
}
