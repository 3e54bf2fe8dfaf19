/*
 * schema_eval.c: validation of an instance against a compiled schema (schema_int.h).
 *
 * One recursive walk, eval(), over (node, instance location). What it carries:
 *
 *   paths     the instance and keyword locations are linked lists on the C stack, rendered
 *             to JSON pointers only when an error is reported, so a valid instance costs no
 *             string work at all.
 *   scope     the dynamic scope (2020-12 7.1): the schema resources entered, innermost
 *             first; a node pushes its resource when it differs from the caller's. A bookended
 *             `$dynamicRef` takes the OUTERMOST resource that has the anchor.
 *   ann       the annotations unevaluated* reads (evaluated property names; evaluated item
 *             prefix, "all", and indexes `contains` matched). Only collected when some
 *             unevaluated* keyword can see them: a node with one starts a collector for its own
 *             instance location; in-place applicators pass it down (anyOf/oneOf/if through a
 *             temporary one kept only when the branch passed, as annotations of failed
 *             subschemas are dropped); a child instance location starts with none.
 *   errors    every error, unless the branch is "quiet" (not, if, contains, or no output
 *             wanted): then evaluation stops at the first failure and nothing is rendered.
 *             anyOf/oneOf keep the errors of their branches only when the keyword fails.
 *             Once max_errors errors are recorded outside any anyOf/oneOf (so none can be
 *             dropped), the verdict is known and the walk stops.
 *
 * Limits: instance depth, schema frames (max_depth * 8 + 64, at most 4,096, and at most 3 MiB
 * of stack, so neither a $dynamicRef loop, a long $ref chain nor a huge max_depth can exhaust
 * a thread's 8 MiB),
 * equality depth (enum, const, uniqueItems: max_depth, at most 4,096), steps, regex match
 * limits. Crossing one records a "$limit" error (even in a quiet branch), stops the walk and
 * makes the instance invalid.
 *
 * Thread-safety: reads the compiled set only; every mutable thing is on this call's stack or
 * heap.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/regex.h"
#include "contract/schema.h"
#include "contract/schema_int.h"
#include "core/buf.h"

typedef struct ipath {
	const struct ipath *up;
	const char *key; /* NULL: idx */
	size_t len, idx;
} ipath_t;

typedef struct kpath {
	const struct kpath *up;
	const char *kw;
	const char *key; /* with kind 1 */
	size_t len, idx;
	int kind; /* 0 keyword, 1 keyword/key, 2 keyword/index */
} kpath_t;

typedef struct scope {
	const struct scope *up;
	const res_t *res;
} scope_t;

typedef struct frame {
	const ipath_t *ip;
	const kpath_t *kp;
	const scope_t *sc;
	size_t idepth;
} frame_t;

typedef struct verr {
	char *iloc, *kloc, *aloc, *msg;
} verr_t;

typedef struct vctx {
	uint32_t assert_formats;
	size_t max_errors, max_depth, max_frames, frames;
	size_t max_vdepth; /* jeq/jhash recursion: max_depth, but never past what the stack takes */
	uintptr_t stack0;  /* the stack where validation began, and how much of it it may use */
	size_t stack_max;
	uint64_t max_steps, steps;
	int quiet;  /* > 0: errors are not wanted here; stop at the first failure */
	int spec;   /* > 0: inside anyOf/oneOf, whose branch errors may yet be dropped */
	bool abort; /* a limit was crossed (or no memory): stop, the instance is invalid */
	verr_t *errs;
	size_t nerrs, caperrs;
} vctx_t;

/* annotations for unevaluated*: a pointer set (property key pointers, or item index + 1) */
typedef struct ann {
	bool all;
	size_t upto;
	const void **set;
	size_t n, cap;
} ann_t;

static bool eval(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f, ann_t *ann);

/* ---------------------------------------------------------------------------------------- */
/* annotations */

static size_t ahash(const void *p)
{
	return (size_t)(((uintptr_t)p) * 11400714819323198485ULL) >> 7;
}

static bool ann_has(const ann_t *a, const void *k)
{
	if (a->all)
		return true;
	if (a->cap == 0)
		return false;
	for (size_t i = ahash(k) & (a->cap - 1);; i = (i + 1) & (a->cap - 1)) {
		if (!a->set[i])
			return false;
		if (a->set[i] == k)
			return true;
	}
}

static bool ann_add(ann_t *a, const void *k)
{
	if (a->all)
		return true;
	if ((a->n + 1) * 2 > a->cap) {
		ann_t o = *a;
		size_t nc = a->cap ? a->cap * 2 : 16;
		a->set = calloc(nc, sizeof(void *));
		if (!a->set) {
			*a = o;
			return false;
		}
		a->cap = nc;
		a->n = 0;
		for (size_t i = 0; i < o.cap; i++)
			if (o.set[i])
				ann_add(a, o.set[i]);
		free(o.set);
	}
	for (size_t i = ahash(k) & (a->cap - 1);; i = (i + 1) & (a->cap - 1)) {
		if (!a->set[i]) {
			a->set[i] = k;
			a->n++;
			return true;
		}
		if (a->set[i] == k)
			return true;
	}
}

static bool ann_merge(ann_t *dst, const ann_t *src)
{
	if (src->all)
		dst->all = true;
	if (src->upto > dst->upto)
		dst->upto = src->upto;
	if (dst->all)
		return true;
	for (size_t i = 0; i < src->cap; i++)
		if (src->set[i] && !ann_add(dst, src->set[i]))
			return false;
	return true;
}

static void ann_free(ann_t *a)
{
	free(a->set);
}

/* ---------------------------------------------------------------------------------------- */
/* errors */

static void ptr_esc(seam_buf_t *b, const char *s, size_t n)
{
	seam_buf_adds(b, "/");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '~')
			seam_buf_adds(b, "~0");
		else if (s[i] == '/')
			seam_buf_adds(b, "~1");
		else
			seam_buf_add(b, s + i, 1);
	}
}

static char *render_ip(const ipath_t *ip)
{
	const ipath_t *segs[64], **v = segs;
	size_t n = 0, cap = 64;
	char *out = NULL;
	seam_buf_t b;
	for (const ipath_t *p = ip; p; p = p->up)
		n++;
	if (n > cap && !(v = malloc(n * sizeof(*v))))
		return NULL;
	n = 0;
	for (const ipath_t *p = ip; p; p = p->up)
		v[n++] = p;
	seam_buf_init(&b, 1 << 24);
	while (n-- > 0) {
		if (v[n]->key)
			ptr_esc(&b, v[n]->key, v[n]->len);
		else
			seam_buf_addf(&b, "/%zu", v[n]->idx);
	}
	if (b.len == 0)
		out = strdup("");
	else if (seam_buf_take(&b, &out, NULL) != SEAM_OK)
		out = NULL;
	seam_buf_dispose(&b);
	if (v != segs)
		free(v);
	return out;
}

static char *render_kp(const kpath_t *kp, const char *kw)
{
	const kpath_t *segs[64], **v = segs;
	size_t n = 0, cap = 64;
	char *out = NULL;
	seam_buf_t b;
	for (const kpath_t *p = kp; p; p = p->up)
		n++;
	if (n > cap && !(v = malloc(n * sizeof(*v))))
		return NULL;
	n = 0;
	for (const kpath_t *p = kp; p; p = p->up)
		v[n++] = p;
	seam_buf_init(&b, 1 << 24);
	while (n-- > 0) {
		ptr_esc(&b, v[n]->kw, strlen(v[n]->kw));
		if (v[n]->kind == 1)
			ptr_esc(&b, v[n]->key, v[n]->len);
		else if (v[n]->kind == 2)
			seam_buf_addf(&b, "/%zu", v[n]->idx);
	}
	if (kw)
		ptr_esc(&b, kw, strlen(kw));
	if (b.len == 0)
		out = strdup("");
	else if (seam_buf_take(&b, &out, NULL) != SEAM_OK)
		out = NULL;
	seam_buf_dispose(&b);
	if (v != segs)
		free(v);
	return out;
}

static void verr_free(verr_t *e)
{
	free(e->iloc);
	free(e->kloc);
	free(e->aloc);
	free(e->msg);
}

static void truncate_errs(vctx_t *c, size_t mark)
{
	if (c->abort)
		return; /* a $limit error stays */
	while (c->nerrs > mark)
		verr_free(&c->errs[--c->nerrs]);
}

/* Records an error at instance location ip for keyword kw (NULL: the node itself, a false
 * schema) of node n. force: even in a quiet branch and past max_errors (limits). */
static void report(vctx_t *c, const ipath_t *ip, const kpath_t *kp, const node_t *n, const char *kw,
		   bool force, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void report(vctx_t *c, const ipath_t *ip, const kpath_t *kp, const node_t *n, const char *kw,
		   bool force, const char *fmt, ...)
{
	verr_t e = { 0 };
	va_list ap;
	if (!force && (c->quiet || c->nerrs >= c->max_errors))
		return;
	if (c->nerrs == c->caperrs) {
		size_t nc = c->caperrs ? c->caperrs * 2 : 8;
		verr_t *ne = realloc(c->errs, nc * sizeof(*ne));
		if (!ne) {
			c->abort = true;
			return;
		}
		c->errs = ne;
		c->caperrs = nc;
	}
	va_start(ap, fmt);
	if (vasprintf(&e.msg, fmt, ap) < 0)
		e.msg = NULL;
	va_end(ap);
	e.iloc = render_ip(ip);
	e.kloc = render_kp(kp, kw);
	if (kw) {
		if (asprintf(&e.aloc, "%s/%s", n->loc, kw) < 0)
			e.aloc = NULL;
	} else {
		e.aloc = strdup(n->loc);
	}
	if (!e.msg || !e.iloc || !e.kloc || !e.aloc) {
		verr_free(&e);
		c->abort = true;
		return;
	}
	c->errs[c->nerrs++] = e;
	/* a full list of errors nothing can drop any more: the verdict is known, stop the walk */
	if (!force && c->spec == 0 && c->nerrs >= c->max_errors)
		c->abort = true;
}

#define FAIL(kw, ...) report(c, f->ip, f->kp, n, kw, false, __VA_ARGS__)

static void limit(vctx_t *c, const frame_t *f, const node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void limit(vctx_t *c, const frame_t *f, const node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	if (c->abort)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(c, f->ip, f->kp, n, "$limit", true, "%s", msg);
	c->abort = true;
}

/* ---------------------------------------------------------------------------------------- */
/* JSON values */

static unsigned inst_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return SEAM__T_NULL;
	case JSON_TRUE:
	case JSON_FALSE: return SEAM__T_BOOLEAN;
	case JSON_OBJECT: return SEAM__T_OBJECT;
	case JSON_ARRAY: return SEAM__T_ARRAY;
	case JSON_STRING: return SEAM__T_STRING;
	case JSON_INTEGER: return SEAM__T_NUMBER | SEAM__T_INTEGER;
	case JSON_REAL: {
		double d = json_real_value(v);
		return SEAM__T_NUMBER | (isfinite(d) && floor(d) == d ? SEAM__T_INTEGER : 0);
	}
	}
	return 0;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return "null";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return (inst_type(v) & SEAM__T_INTEGER) ? "integer" : "number";
	}
	return "?";
}

/* JSON equality (numbers by value: 1 == 1.0). depth bounds the recursion; crossing it
 * sets *deep and answers false. */
static bool jeq(const json_t *a, const json_t *b, size_t depth, bool *deep)
{
	if (depth == 0) {
		*deep = true;
		return false;
	}
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_ARRAY: {
		size_t n = json_array_size(a);
		if (n != json_array_size(b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!jeq(json_array_get(a, i), json_array_get(b, i), depth - 1, deep))
				return false;
		return true;
	}
	case JSON_OBJECT: {
		const char *k;
		size_t kl;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_keylen_foreach((json_t *)a, k, kl, v) {
			json_t *w = json_object_getn(b, k, kl);
			if (!w || !jeq(v, w, depth - 1, deep))
				return false;
		}
		return true;
	}
	default:
		return true; /* null, true, false: same type is same value */
	}
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* A hash agreeing with jeq (1 and 1.0 hash alike; object members in any order). */
static uint64_t jhash(const json_t *v, size_t depth)
{
	uint64_t h = (uint64_t)json_typeof(v) * 0x9E3779B97F4A7C15ULL;
	if (depth == 0)
		return h;
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		return mix((uint64_t)json_integer_value(v) ^ 0x1234);
	case JSON_REAL: {
		double d = json_real_value(v);
		if (floor(d) == d && d >= -9.2e18 && d <= 9.2e18)
			return mix((uint64_t)(long long)d ^ 0x1234);
		uint64_t bits;
		memcpy(&bits, &d, sizeof(bits));
		return mix(bits);
	}
	case JSON_STRING: {
		const unsigned char *s = (const unsigned char *)json_string_value(v);
		size_t n = json_string_length(v);
		h = 1469598103934665603ULL;
		for (size_t i = 0; i < n; i++)
			h = (h ^ s[i]) * 1099511628211ULL;
		return mix(h);
	}
	case JSON_ARRAY:
		for (size_t i = 0; i < json_array_size(v); i++)
			h = mix(h * 31 + jhash(json_array_get(v, i), depth - 1));
		return h;
	case JSON_OBJECT: {
		const char *k;
		size_t kl;
		json_t *m;
		uint64_t sum = 0;
		json_object_keylen_foreach((json_t *)v, k, kl, m) {
			uint64_t kh = 1469598103934665603ULL;
			for (size_t i = 0; i < kl; i++)
				kh = (kh ^ (unsigned char)k[i]) * 1099511628211ULL;
			sum += mix(kh ^ jhash(m, depth - 1));
		}
		return mix(h ^ sum);
	}
	default:
		return h;
	}
}

/* Compares a number instance with a bound: <0, 0, >0. */
static int numcmp(const json_t *v, const seam__num_t *b)
{
	if (json_is_integer(v) && b->isint) {
		long long i = json_integer_value(v);
		return (i > b->i) - (i < b->i);
	}
	if (json_is_integer(v)) {
		long long i = json_integer_value(v);
		double d = (double)i;
		if (d != b->d)
			return (d > b->d) - (d < b->d);
		/* equal as doubles: decide exactly when the bound is a representable integer */
		if (b->d >= -9.2e18 && b->d <= 9.2e18) {
			long long bi = (long long)b->d;
			return (i > bi) - (i < bi);
		}
		return 0;
	}
	double d = json_real_value(v), bd = b->isint ? (double)b->i : b->d;
	return (d > bd) - (d < bd);
}

static void fmt_num(char *buf, size_t n, const json_t *v)
{
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else {
		snprintf(buf, n, "%.15g", json_real_value(v));
		if (strtod(buf, NULL) != json_real_value(v))
			snprintf(buf, n, "%.17g", json_real_value(v));
	}
}

static void fmt_bound(char *buf, size_t n, const seam__num_t *b)
{
	if (b->isint)
		snprintf(buf, n, "%lld", b->i);
	else {
		snprintf(buf, n, "%.15g", b->d);
		if (strtod(buf, NULL) != b->d)
			snprintf(buf, n, "%.17g", b->d);
	}
}

static bool is_multiple(const json_t *v, const node_t *n)
{
	if (json_is_integer(v) && n->multiple_int)
		return json_integer_value(v) % n->multiple_i == 0;
	double x = json_number_value(v), m = n->multiple, q = x / m;
	if (!isfinite(q))
		return fmod(x, m) == 0; /* exact, where the division overflowed */
	double r = nearbyint(q);
	/* x / m is rounded; a true multiple lands within a few ulps of an integer (0.0075 /
	 * 0.0001 = 74.99999999999999) */
	return fabs(q - r) <= fabs(q) * 4 * DBL_EPSILON;
}

static size_t utf8_len(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xC0) != 0x80;
	return k;
}

static void dump_short(char *buf, size_t n, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s) {
		snprintf(buf, n, "?");
		return;
	}
	if (strlen(s) >= n && n > 4)
		snprintf(buf, n, "%.*s...", (int)(n - 4), s);
	else
		snprintf(buf, n, "%s", s);
	free(s);
}

static void types_str(char *buf, size_t n, unsigned types)
{
	static const char *const NAMES[] = { "null", "boolean", "object", "array", "number", "string", "integer" };
	size_t o = 0;
	int cnt = 0, total = __builtin_popcount(types);
	buf[0] = '\0';
	for (int i = 0; i < 7; i++) {
		if (!(types & (1u << i)))
			continue;
		cnt++;
		o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s",
				      cnt == 1 ? "" : cnt == total ? " or " : ", ", NAMES[i]);
		if (o >= n)
			break;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* keyword groups */

#define QUICK()                                  \
	do {                                     \
		if (!ok && (c->quiet || c->abort)) \
			goto out;                \
	} while (0)

static bool child_frame(vctx_t *c, const frame_t *f, const node_t *n, frame_t *cf, ipath_t *ip)
{
	cf->ip = ip;
	cf->sc = f->sc;
	cf->idepth = f->idepth + 1;
	if (cf->idepth > c->max_depth) {
		limit(c, f, n, "instance nested deeper than %zu levels (max_depth)", c->max_depth);
		return false;
	}
	return true;
}

static bool eval_number(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f)
{
	bool ok = true;
	char a[40], b[40];
	if (!(n->has & SEAM__H_NUMERIC))
		return true;
	if ((n->has & SEAM__H_MULTIPLE) && !is_multiple(inst, n)) {
		ok = false;
		fmt_num(a, sizeof(a), inst);
		snprintf(b, sizeof(b), n->multiple_int ? "%.0f" : "%.17g", n->multiple);
		FAIL("multipleOf", "must be a multiple of %s, got %s", b, a);
		QUICK();
	}
#define BOUND(bit, field, kw, test, op)                                        \
	if ((n->has & bit) && !(numcmp(inst, &n->field) test)) {                \
		ok = false;                                                    \
		fmt_num(a, sizeof(a), inst);                                   \
		fmt_bound(b, sizeof(b), &n->field);                            \
		FAIL(kw, "must be " op " %s, got %s", b, a);                   \
		QUICK();                                                       \
	}
	BOUND(SEAM__H_MAX, max, "maximum", <= 0, "<=")
	BOUND(SEAM__H_XMAX, xmax, "exclusiveMaximum", < 0, "<")
	BOUND(SEAM__H_MIN, min, "minimum", >= 0, ">=")
	BOUND(SEAM__H_XMIN, xmin, "exclusiveMinimum", > 0, ">")
#undef BOUND
out:
	return ok;
}

static bool eval_string(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f)
{
	bool ok = true;
	const char *s = json_string_value(inst);
	size_t bytes = json_string_length(inst), len = 0;
	if (n->has & (SEAM__H_MAXLEN | SEAM__H_MINLEN))
		len = utf8_len(s, bytes);
	if ((n->has & SEAM__H_MAXLEN) && len > n->max_len) {
		ok = false;
		FAIL("maxLength", "must be at most %zu characters long, got %zu", n->max_len, len);
		QUICK();
	}
	if ((n->has & SEAM__H_MINLEN) && len < n->min_len) {
		ok = false;
		FAIL("minLength", "must be at least %zu characters long, got %zu", n->min_len, len);
		QUICK();
	}
	if (n->pattern) {
		int r = seam_regex_search(n->pattern, s, bytes);
		if (r == SEAM_REGEX_LIMIT) {
			limit(c, f, n, "pattern %s: the regex match limit was reached", n->pattern_src);
			ok = false;
			goto out;
		}
		if (r != SEAM_REGEX_MATCH) {
			ok = false;
			FAIL("pattern", "must match the pattern %s", n->pattern_src);
			QUICK();
		}
	}
	if ((n->has & SEAM__H_FORMAT) &&
	    (n->format_assert || (c->assert_formats & SEAM_FORMAT_BIT(n->format))) &&
	    !seam_schema_format_check((seam_schema_format_e)n->format, s, bytes)) {
		ok = false;
		FAIL("format", "must be a valid %s", seam_schema_format_name((seam_schema_format_e)n->format));
		QUICK();
	}
out:
	return ok;
}

typedef struct hidx {
	uint64_t h;
	size_t i;
} hidx_t;

static int hidx_cmp(const void *a, const void *b)
{
	const hidx_t *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* The first pair of equal items (*i < *j), if any: hash, sort, compare equal hashes only. */
static bool find_dup(vctx_t *c, const json_t *arr, size_t *di, size_t *dj, bool *deep)
{
	size_t n = json_array_size(arr);
	hidx_t *h;
	bool found = false;
	if (n <= 16) {
		for (size_t i = 0; i < n && !found; i++)
			for (size_t j = i + 1; j < n && !found; j++)
				if (jeq(json_array_get(arr, i), json_array_get(arr, j), c->max_vdepth, deep))
					*di = i, *dj = j, found = true;
		return found;
	}
	if (!(h = malloc(n * sizeof(*h)))) {
		c->abort = true;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		h[i].h = jhash(json_array_get(arr, i), c->max_vdepth);
		h[i].i = i;
	}
	qsort(h, n, sizeof(*h), hidx_cmp);
	for (size_t a = 0; a < n && !found; a++)
		for (size_t b = a + 1; b < n && h[b].h == h[a].h && !found; b++)
			if (jeq(json_array_get(arr, h[a].i), json_array_get(arr, h[b].i), c->max_vdepth, deep)) {
				*di = h[a].i < h[b].i ? h[a].i : h[b].i;
				*dj = h[a].i < h[b].i ? h[b].i : h[a].i;
				found = true;
			}
	free(h);
	return found;
}

static bool eval_array(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f, ann_t *ann)
{
	bool ok = true;
	size_t len = json_array_size(inst), i;
	frame_t cf;
	ipath_t ip = { f->ip, NULL, 0, 0 };
	if ((n->has & SEAM__H_MAXITEMS) && len > n->max_items) {
		ok = false;
		FAIL("maxItems", "must have at most %zu items, got %zu", n->max_items, len);
		QUICK();
	}
	if ((n->has & SEAM__H_MINITEMS) && len < n->min_items) {
		ok = false;
		FAIL("minItems", "must have at least %zu items, got %zu", n->min_items, len);
		QUICK();
	}
	if (n->has & SEAM__H_UNIQUE) {
		size_t a, b;
		bool deep = false;
		if (find_dup(c, inst, &a, &b, &deep)) {
			ok = false;
			FAIL("uniqueItems", "items must be unique: item %zu equals item %zu", b, a);
			QUICK();
		}
		if (deep) {
			limit(c, f, n, "uniqueItems: items nested deeper than %zu levels", c->max_vdepth);
			ok = false;
			goto out;
		}
		if (c->abort) {
			ok = false;
			goto out;
		}
	}
	if ((n->n_prefix || n->items || n->contains) && len > 0 && !child_frame(c, f, n, &cf, &ip)) {
		ok = false;
		goto out;
	}
	if (n->n_prefix) {
		kpath_t kp = { f->kp, "prefixItems", NULL, 0, 0, 2 };
		cf.kp = &kp;
		for (i = 0; i < len && i < n->n_prefix; i++) {
			ip.idx = kp.idx = i;
			ok &= eval(c, n->prefix[i], json_array_get(inst, i), &cf, NULL);
			QUICK();
		}
		if (ann && i > ann->upto)
			ann->upto = i;
	}
	if (n->items) {
		kpath_t kp = { f->kp, "items", NULL, 0, 0, 0 };
		cf.kp = &kp;
		for (i = n->n_prefix; i < len; i++) {
			ip.idx = i;
			ok &= eval(c, n->items, json_array_get(inst, i), &cf, NULL);
			QUICK();
		}
		if (ann)
			ann->all = true;
	}
	if (n->contains) {
		kpath_t kp = { f->kp, "contains", NULL, 0, 0, 0 };
		size_t found = 0;
		bool need_all = ann || (n->has & SEAM__H_MAXCONT);
		size_t want = (n->has & SEAM__H_MINCONT) ? n->min_cont : 1;
		cf.kp = &kp;
		c->quiet++;
		for (i = 0; i < len; i++) {
			ip.idx = i;
			if (eval(c, n->contains, json_array_get(inst, i), &cf, NULL)) {
				found++;
				if (ann && !ann_add(ann, (const void *)(uintptr_t)(i + 1)))
					c->abort = true;
				if (!need_all && found >= want)
					break;
			}
			if (c->abort)
				break;
		}
		c->quiet--;
		if (c->abort) {
			ok = false;
			goto out;
		}
		if (found < want) {
			ok = false;
			if (n->has & SEAM__H_MINCONT)
				FAIL("minContains", "must contain at least %zu items matching 'contains', found %zu",
				     want, found);
			else
				FAIL("contains", "must contain at least one item matching 'contains', found none");
			QUICK();
		}
		if ((n->has & SEAM__H_MAXCONT) && found > n->max_cont) {
			ok = false;
			FAIL("maxContains", "must contain at most %zu items matching 'contains', found %zu",
			     n->max_cont, found);
			QUICK();
		}
	}
out:
	return ok;
}

static const seam__prop_t *find_prop(const node_t *n, const char *k, size_t kl)
{
	size_t lo = 0, hi = n->n_props;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const seam__prop_t *p = &n->props[mid];
		size_t m = p->len < kl ? p->len : kl;
		int r = memcmp(p->name, k, m);
		if (r == 0)
			r = (p->len > kl) - (p->len < kl);
		if (r == 0)
			return p;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool eval_object(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f, ann_t *ann)
{
	bool ok = true;
	size_t size = json_object_size(inst);
	const char *key;
	size_t kl;
	json_t *v;
	frame_t cf;
	ipath_t ip = { f->ip, NULL, 0, 0 };
	if ((n->has & SEAM__H_MAXPROPS) && size > n->max_props) {
		ok = false;
		FAIL("maxProperties", "must have at most %zu properties, got %zu", n->max_props, size);
		QUICK();
	}
	if ((n->has & SEAM__H_MINPROPS) && size < n->min_props) {
		ok = false;
		FAIL("minProperties", "must have at least %zu properties, got %zu", n->min_props, size);
		QUICK();
	}
	for (size_t i = 0; i < n->n_required; i++) {
		if (!json_object_get(inst, n->required[i])) {
			ok = false;
			FAIL("required", "required property '%s' is missing", n->required[i]);
			QUICK();
		}
	}
	for (size_t i = 0; i < n->n_dep_req; i++) {
		const seam__dep_t *d = &n->dep_req[i];
		if (!json_object_getn(inst, d->name, d->len))
			continue;
		for (size_t j = 0; j < d->nreq; j++) {
			if (!json_object_get(inst, d->req[j])) {
				ok = false;
				FAIL("dependentRequired", "property '%s' is required when '%s' is present",
				     d->req[j], d->name);
				QUICK();
			}
		}
	}
	if ((n->n_props || n->n_pats || n->addl || n->names) && size > 0 &&
	    !child_frame(c, f, n, &cf, &ip)) {
		ok = false;
		goto out;
	}
	if (n->n_props || n->n_pats || n->addl) {
		kpath_t kprop = { f->kp, "properties", NULL, 0, 0, 1 };
		kpath_t kpat = { f->kp, "patternProperties", NULL, 0, 0, 1 };
		kpath_t kadd = { f->kp, "additionalProperties", NULL, 0, 0, 0 };
		json_object_keylen_foreach((json_t *)inst, key, kl, v) {
			bool matched = false;
			const seam__prop_t *p = n->n_props ? find_prop(n, key, kl) : NULL;
			ip.key = key;
			ip.len = kl;
			if (p) {
				matched = true;
				kprop.key = p->name;
				kprop.len = p->len;
				cf.kp = &kprop;
				ok &= eval(c, p->schema, v, &cf, NULL);
				QUICK();
			}
			for (size_t i = 0; i < n->n_pats; i++) {
				int r = seam_regex_search(n->pats[i].re, key, kl);
				if (r == SEAM_REGEX_LIMIT) {
					limit(c, f, n, "patternProperties %s: the regex match limit was reached",
					      n->pats[i].src);
					ok = false;
					goto out;
				}
				if (r != SEAM_REGEX_MATCH)
					continue;
				matched = true;
				kpat.key = n->pats[i].src;
				kpat.len = strlen(n->pats[i].src);
				cf.kp = &kpat;
				ok &= eval(c, n->pats[i].schema, v, &cf, NULL);
				QUICK();
			}
			if (!matched && n->addl) {
				cf.kp = &kadd;
				ok &= eval(c, n->addl, v, &cf, NULL);
				QUICK();
			}
			if (ann && (matched || n->addl) && !ann_add(ann, key)) {
				c->abort = true;
				ok = false;
				goto out;
			}
		}
	}
	if (n->names && size > 0) {
		kpath_t kp = { f->kp, "propertyNames", NULL, 0, 0, 0 };
		cf.kp = &kp;
		json_object_keylen_foreach((json_t *)inst, key, kl, v) {
			json_t *name = json_stringn_nocheck(key, kl);
			if (!name) {
				c->abort = true;
				ok = false;
				goto out;
			}
			ip.key = key;
			ip.len = kl;
			ok &= eval(c, n->names, name, &cf, NULL);
			json_decref(name);
			QUICK();
		}
	}
out:
	return ok;
}

/* anyOf / oneOf: every branch on the same instance location */
static bool eval_some(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f, ann_t *ann,
		      bool one)
{
	const char *kw = one ? "oneOf" : "anyOf";
	node_t *const *br = one ? n->one_of : n->any_of;
	size_t nb = one ? n->n_one_of : n->n_any_of, passed = 0, first = 0, second = 0;
	size_t mark = c->nerrs;
	kpath_t kp = { f->kp, kw, NULL, 0, 0, 2 };
	frame_t cf = *f;
	bool ok;
	cf.kp = &kp;
	c->spec++;
	for (size_t i = 0; i < nb; i++) {
		ann_t tmp = { 0 };
		kp.idx = i;
		if (eval(c, br[i], inst, &cf, ann ? &tmp : NULL)) {
			if (passed == 0)
				first = i;
			else if (passed == 1)
				second = i;
			passed++;
			if (ann && (!one || passed == 1) && !ann_merge(ann, &tmp))
				c->abort = true;
		}
		ann_free(&tmp);
		if (c->abort)
			break;
		/* anyOf without annotation collection needs one success; oneOf two */
		if (!one && passed && !ann)
			break;
		if (one && passed > 1)
			break;
	}
	c->spec--;
	if (c->abort)
		return false;
	ok = one ? passed == 1 : passed > 0;
	if (ok || passed > 1)
		truncate_errs(c, mark);
	if (!ok) {
		if (passed == 0)
			FAIL(kw, "must match %s of the %zu schemas in %s, matched none",
			     one ? "exactly one" : "at least one", nb, kw);
		else
			FAIL(kw, "must match exactly one of the %zu schemas in oneOf, matched more (%zu and %zu)",
			     nb, first, second);
	}
	return ok;
}

static bool eval_inplace(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f, ann_t *ann)
{
	bool ok = true;
	frame_t cf = *f;
	if (n->n_all_of) {
		kpath_t kp = { f->kp, "allOf", NULL, 0, 0, 2 };
		cf.kp = &kp;
		for (size_t i = 0; i < n->n_all_of; i++) {
			kp.idx = i;
			ok &= eval(c, n->all_of[i], inst, &cf, ann);
			QUICK();
		}
	}
	if (n->n_any_of) {
		ok &= eval_some(c, n, inst, f, ann, false);
		QUICK();
	}
	if (n->n_one_of) {
		ok &= eval_some(c, n, inst, f, ann, true);
		QUICK();
	}
	if (n->not_) {
		kpath_t kp = { f->kp, "not", NULL, 0, 0, 0 };
		bool r;
		cf.kp = &kp;
		c->quiet++;
		r = eval(c, n->not_, inst, &cf, NULL);
		c->quiet--;
		if (c->abort) {
			ok = false;
			goto out;
		}
		if (r) {
			ok = false;
			FAIL("not", "must not match the schema in 'not'");
			QUICK();
		}
	}
	if (n->if_) {
		kpath_t kp = { f->kp, "if", NULL, 0, 0, 0 };
		ann_t tmp = { 0 };
		bool r;
		cf.kp = &kp;
		c->quiet++;
		r = eval(c, n->if_, inst, &cf, ann ? &tmp : NULL);
		c->quiet--;
		if (r && ann && !ann_merge(ann, &tmp))
			c->abort = true;
		ann_free(&tmp);
		if (c->abort) {
			ok = false;
			goto out;
		}
		if (r && n->then_) {
			kp.kw = "then";
			ok &= eval(c, n->then_, inst, &cf, ann);
			QUICK();
		} else if (!r && n->else_) {
			kp.kw = "else";
			ok &= eval(c, n->else_, inst, &cf, ann);
			QUICK();
		}
	}
	if (n->n_dep_schemas && json_is_object(inst)) {
		kpath_t kp = { f->kp, "dependentSchemas", NULL, 0, 0, 1 };
		cf.kp = &kp;
		for (size_t i = 0; i < n->n_dep_schemas; i++) {
			const seam__dep_t *d = &n->dep_schemas[i];
			if (!json_object_getn(inst, d->name, d->len))
				continue;
			kp.key = d->name;
			kp.len = d->len;
			ok &= eval(c, d->schema, inst, &cf, ann);
			QUICK();
		}
	}
out:
	return ok;
}

static bool eval_uneval(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f, ann_t *own)
{
	bool ok = true;
	frame_t cf;
	ipath_t ip = { f->ip, NULL, 0, 0 };
	if (json_is_object(inst) && n->uneval_props && !own->all) {
		kpath_t kp = { f->kp, "unevaluatedProperties", NULL, 0, 0, 0 };
		const char *key;
		size_t kl;
		json_t *v;
		if (json_object_size(inst) > 0 && !child_frame(c, f, n, &cf, &ip))
			return false;
		cf.kp = &kp;
		json_object_keylen_foreach((json_t *)inst, key, kl, v) {
			if (ann_has(own, key))
				continue;
			ip.key = key;
			ip.len = kl;
			ok &= eval(c, n->uneval_props, v, &cf, NULL);
			QUICK();
		}
	}
	if (json_is_array(inst) && n->uneval_items && !own->all) {
		kpath_t kp = { f->kp, "unevaluatedItems", NULL, 0, 0, 0 };
		size_t len = json_array_size(inst);
		if (len > own->upto && !child_frame(c, f, n, &cf, &ip))
			return false;
		cf.kp = &kp;
		for (size_t i = own->upto; i < len; i++) {
			if (ann_has(own, (const void *)(uintptr_t)(i + 1)))
				continue;
			ip.idx = i;
			ok &= eval(c, n->uneval_items, json_array_get(inst, i), &cf, NULL);
			QUICK();
		}
	}
out:
	own->all = true;
	return ok;
}

static bool eval_false(vctx_t *c, const node_t *n, const frame_t *f)
{
	const char *kw = f->kp ? f->kp->kw : NULL;
	if (c->quiet)
		return false;
	if (kw && f->ip && f->ip->key && (strcmp(kw, "additionalProperties") == 0 ||
					  strcmp(kw, "unevaluatedProperties") == 0 ||
					  strcmp(kw, "properties") == 0))
		/* the keyword is the error's keywordLocation: not repeated in the message */
		report(c, f->ip, f->kp, n, NULL, false, "property '%.*s' is not allowed",
		       (int)f->ip->len, f->ip->key);
	else if (kw && f->ip && !f->ip->key &&
		 (strcmp(kw, "items") == 0 || strcmp(kw, "unevaluatedItems") == 0 ||
		  strcmp(kw, "prefixItems") == 0))
		report(c, f->ip, f->kp, n, NULL, false, "item %zu is not allowed", f->ip->idx);
	else
		report(c, f->ip, f->kp, n, NULL, false, "no value is allowed here (the schema is false)");
	return false;
}

/* type, enum, const. Not inlined: its message buffers would otherwise sit in every eval()
 * frame, and eval() recurses once per instance level and $ref. */
static __attribute__((noinline)) bool eval_value(vctx_t *c, const node_t *n, const json_t *inst,
						 const frame_t *f, unsigned it)
{
	bool ok = true, deep = false;
	char buf[160];
	if ((n->has & SEAM__H_TYPE) && !(n->types & it)) {
		ok = false;
		types_str(buf, sizeof(buf), n->types);
		FAIL("type", "expected %s, got %s", buf, type_name(inst));
		QUICK();
	}
	if (n->has & SEAM__H_ENUM) {
		bool found = false;
		for (size_t i = 0; i < json_array_size(n->enum_) && !found; i++)
			found = jeq(inst, json_array_get(n->enum_, i), c->max_vdepth, &deep);
		if (!found) {
			ok = false;
			dump_short(buf, sizeof(buf), n->enum_);
			FAIL("enum", "must be one of %s", buf);
			QUICK();
		}
	}
	if ((n->has & SEAM__H_CONST) && !jeq(inst, n->const_, c->max_vdepth, &deep)) {
		ok = false;
		dump_short(buf, sizeof(buf), n->const_);
		FAIL("const", "must be %s", buf);
		QUICK();
	}
out:
	return ok;
}

static bool eval(vctx_t *c, const node_t *n, const json_t *inst, const frame_t *f, ann_t *ann)
{
	bool ok = true;
	unsigned it;
	ann_t own = { 0 }, *a = ann;
	bool has_own = false;
	scope_t sc;
	frame_t me = *f;

	if (c->abort)
		return false;
	if (n->kind == SEAM__N_TRUE)
		return true;
	if (n->kind == SEAM__N_FALSE)
		return eval_false(c, n, f);
	if (++c->steps > c->max_steps) {
		limit(c, f, n, "evaluation stopped after %llu steps (max_steps)",
		      (unsigned long long)c->max_steps);
		return false;
	}
	/* frames are counted, and the stack measured too: a sanitizer build's frames are five
	 * times a release build's */
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	if (++c->frames > c->max_frames ||
	    (here > c->stack0 ? here - c->stack0 : c->stack0 - here) > c->stack_max) {
		c->frames--;
		limit(c, f, n, "schema evaluation nested too deep (%zu levels)", c->frames);
		return false;
	}
	if (!f->sc || f->sc->res != n->res) {
		sc.up = f->sc;
		sc.res = n->res;
		me.sc = &sc;
	}
	it = inst_type(inst);
	if (!(it & (SEAM__T_OBJECT | SEAM__T_ARRAY)))
		a = NULL;
	else if (((it & SEAM__T_OBJECT) && n->uneval_props) || ((it & SEAM__T_ARRAY) && n->uneval_items)) {
		has_own = true;
		a = &own;
	}

	if (n->ref) {
		kpath_t kp = { f->kp, "$ref", NULL, 0, 0, 0 };
		frame_t cf = me;
		cf.kp = &kp;
		ok &= eval(c, n->ref, inst, &cf, a);
		QUICK();
	}
	if (n->dref) {
		kpath_t kp = { f->kp, "$dynamicRef", NULL, 0, 0, 0 };
		frame_t cf = me;
		const node_t *t = n->dref;
		if (n->dref_name) {
			/* the outermost resource in the dynamic scope with this dynamic anchor */
			for (const scope_t *s = me.sc; s; s = s->up) {
				const res_t *r = s->res;
				for (size_t i = 0; r && i < r->ndyn; i++)
					if (strcmp(r->dyn[i].name, n->dref_name) == 0) {
						t = r->dyn[i].node;
						break;
					}
			}
		}
		cf.kp = &kp;
		ok &= eval(c, t, inst, &cf, a);
		QUICK();
	}
	if ((n->has & (SEAM__H_TYPE | SEAM__H_ENUM | SEAM__H_CONST)) && !eval_value(c, n, inst, &me, it)) {
		ok = false;
		QUICK();
	}
	switch (json_typeof(inst)) {
	case JSON_INTEGER:
	case JSON_REAL:
		ok &= eval_number(c, n, inst, &me);
		break;
	case JSON_STRING:
		ok &= eval_string(c, n, inst, &me);
		break;
	case JSON_ARRAY:
		ok &= eval_array(c, n, inst, &me, a);
		break;
	case JSON_OBJECT:
		ok &= eval_object(c, n, inst, &me, a);
		break;
	default:
		break;
	}
	QUICK();
	ok &= eval_inplace(c, n, inst, &me, a);
	QUICK();
	if (has_own) {
		ok &= eval_uneval(c, n, inst, &me, &own);
		if (ann && !ann_merge(ann, &own))
			c->abort = true;
	}
out:
	ann_free(&own);
	c->frames--;
	return ok && !c->abort;
}

bool seam_schema_validate(const seam_schema_t *schema, const json_t *instance,
			  const seam_schema_opts_t *opts, json_t **errors)
{
	vctx_t c = { 0 };
	frame_t f = { 0 };
	bool ok = false;
	json_t *arr = NULL;
	if (errors)
		*errors = NULL;
	c.assert_formats = opts ? opts->assert_formats : 0;
	c.max_errors = opts && opts->max_errors ? opts->max_errors : 100;
	c.max_depth = opts && opts->max_depth ? opts->max_depth : 256;
	c.max_steps = opts && opts->max_steps ? opts->max_steps : 10000000;
	/* eval() takes some 500 bytes of stack: 4,096 frames stay well inside a thread's default
	 * 8 MiB whatever max_depth says */
	c.max_frames = c.max_depth * 8 + 64 < 4096 ? c.max_depth * 8 + 64 : 4096;
	c.max_vdepth = c.max_depth < 4096 ? c.max_depth : 4096;
	c.stack0 = (uintptr_t)__builtin_frame_address(0);
	c.stack_max = 3u << 20;
	c.quiet = errors ? 0 : 1;
	if (!schema || !instance) {
		/* a schema that is not there (a failed get) refuses everything, and says so */
		if (errors)
			*errors = json_pack("[{s:s,s:s,s:s,s:s}]", "instanceLocation", "", "keywordLocation", "",
					    "absoluteKeywordLocation", "", "error",
					    schema ? "no instance to validate" : "no schema to validate against");
		goto out;
	}
	ok = eval(&c, schema, instance, &f, NULL);
	if (errors) {
		if (!(arr = json_array())) {
			ok = false;
			goto out;
		}
		for (size_t i = 0; i < c.nerrs; i++) {
			verr_t *e = &c.errs[i];
			json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "instanceLocation", e->iloc, "keywordLocation",
					      e->kloc, "absoluteKeywordLocation", e->aloc, "error", e->msg);
			if (!o || json_array_append_new(arr, o) != 0) {
				ok = false;
				break;
			}
		}
		/* invalid with no error recorded (memory ran out rendering one): say so */
		if (!ok && json_array_size(arr) == 0)
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s}", "instanceLocation", "",
							     "keywordLocation", "", "absoluteKeywordLocation",
							     schema->loc ? schema->loc : "", "error",
							     "invalid (no detail: out of memory)"));
		*errors = arr;
		arr = NULL;
	}
out:
	for (size_t i = 0; i < c.nerrs; i++)
		verr_free(&c.errs[i]);
	free(c.errs);
	json_decref(arr);
	return ok;
}
