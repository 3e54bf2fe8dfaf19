/*
 * diff.c: schema-to-schema comparison for the breaking-change gate (diff.h has the model).
 *
 * compare() walks an old and a new subschema in step and returns what its changes break
 * (BREAK_B: backward, BREAK_F: forward), appending each change to the current list. The
 * keyword families are handled in the order of the SEAM_DIFF_KINDS table; a keyword no
 * handler claims and that is not an annotation is compared for equality only ("unknown").
 *
 * Some changes are judged by comparing two subschemas that were not at the same place before
 * (a property added under a content model is compared with the old additionalProperties; a
 * $ref that points elsewhere with the new target): those "wrapper" changes run compare() into
 * a scratch list and take its verdict, listing themselves once.
 *
 * Cycles ($ref "#" in a tree type) and repeated work are cut by a table of (old, new) node
 * pairs: a pair in progress counts as compatible (its changes are found on the way down), a
 * pair done returns its verdict without listing its changes twice.
 */
#include "contract/diff.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/registry_int.h"

#define BREAK_B 1
#define BREAK_F 2
#define MAX_DEPTH 64
#define MAX_STEPS 200000
#define MAX_REF_HOPS 32
#define LOC_MAX 512

static const struct {
	const char *name;
	int b, f;
	const char *doc;
} kinds[] = {
#define K(e, name, b, f, doc) {name, b, f, doc},
	SEAM_DIFF_KINDS(K)
#undef K
};

const char *seam_diff_kind_name(seam_diff_kind_e k)
{
	return k < SEAM__DIFF_KIND_COUNT ? kinds[k].name : "?";
}

const char *seam_diff_kind_doc(seam_diff_kind_e k)
{
	return k < SEAM__DIFF_KIND_COUNT ? kinds[k].doc : "?";
}

int seam_diff_kind_breaks(seam_diff_kind_e k, seam_compat_e mode)
{
	int b, f;
	if (k >= SEAM__DIFF_KIND_COUNT)
		return -1;
	b = kinds[k].b, f = kinds[k].f;
	switch (mode) {
	case SEAM_COMPAT_BACKWARD: return b;
	case SEAM_COMPAT_FORWARD: return f;
	case SEAM_COMPAT_FULL: return b < 0 || f < 0 ? -1 : (b || f);
	default: return 0;
	}
}

/* ---------- context ---------- */

typedef struct doc_entry {
	char *path;
	json_t *doc; /* owned */
} doc_entry_t;

typedef struct side {
	const seam_diff_side_t *in;
	doc_entry_t *docs;
	size_t ndocs;
} side_t;

typedef struct pair {
	const json_t *a, *b; /* a NULL: the slot is free */
	int state;  /* 0 in progress, 1 done */
	int flags;
	int listed; /* its changes went to the result (not only to a wrapper's scratch list) */
} pair_t;

typedef struct ctx {
	side_t o, n;
	json_t *out; /* where changes go now (a scratch list inside wrappers) */
	pair_t *pairs; /* open addressing, cap a power of two, at most half full */
	size_t npairs, cap;
	int quiet;    /* inside compare_quiet */
	unsigned long steps;
	int gave_up;
	seam_err_t rc;
	seam_error_t *err;
} ctx_t;

/* A place in a schema: the document's path and a JSON pointer in it. */
typedef struct loc {
	const char *doc;
	const char *ptr;
} loc_t;

/* child loc: ptr + "/" + escaped key, into buf */
static loc_t sub(const loc_t *l, char buf[LOC_MAX], const char *key)
{
	size_t n = (size_t)snprintf(buf, LOC_MAX, "%s/", l->ptr);
	for (const char *k = key; *k && n + 3 < LOC_MAX; k++) {
		if (*k == '~')
			buf[n++] = '~', buf[n++] = '0';
		else if (*k == '/')
			buf[n++] = '~', buf[n++] = '1';
		else
			buf[n++] = *k;
	}
	buf[n < LOC_MAX ? n : LOC_MAX - 1] = '\0';
	return (loc_t){l->doc, buf};
}

static loc_t subi(const loc_t *l, char buf[LOC_MAX], size_t i)
{
	char num[32];
	snprintf(num, sizeof num, "%zu", i);
	return sub(l, buf, num);
}

static json_t *loc_string(const ctx_t *c, const loc_t *l)
{
	if (!l->doc || strcmp(l->doc, c->n.in->path ? c->n.in->path : "") == 0 ||
	    strcmp(l->doc, c->o.in->path ? c->o.in->path : "") == 0)
		return json_string(l->ptr);
	return json_sprintf("%s#%s", l->doc, l->ptr);
}

static int fail(ctx_t *c, seam_err_t rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(ctx_t *c, seam_err_t rc, const char *fmt, ...)
{
	va_list ap;
	if (c->rc == SEAM_OK) {
		c->rc = rc;
		va_start(ap, fmt);
		seam_verrorf(c->err, rc, fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* Appends one change; returns its break flags. old/new are borrowed (copied by reference). */
static int emit(ctx_t *c, seam_diff_kind_e k, const loc_t *where, const json_t *old,
		const json_t *new_, int flags, const char *detail)
{
	json_t *o;
	char why[600];
	if (flags < 0)
		flags = (kinds[k].b > 0 ? BREAK_B : 0) | (kinds[k].f > 0 ? BREAK_F : 0);
	snprintf(why, sizeof why, "%s%s%s", kinds[k].doc, detail && *detail ? ": " : "",
		 detail ? detail : "");
	o = json_pack("{s:o, s:s, s:O?, s:O?, s:b, s:b, s:s}", "path", loc_string(c, where), "kind",
		      kinds[k].name, "old", old, "new", new_, "breaks_backward", (flags & BREAK_B) != 0,
		      "breaks_forward", (flags & BREAK_F) != 0, "why", why);
	if (!o || json_array_append_new(c->out, o) != 0)
		fail(c, SEAM_NOMEM, "diff: out of memory");
	return flags;
}

/* ---------- reading schemas ---------- */

/* JSON Schema's equality: two absent values are equal (jansson's json_equal says a NULL equals
 * nothing), numbers by value (1 and 1.0 are the same), arrays and objects member by member. */
static int same(const json_t *a, const json_t *b)
{
	size_t i;
	const char *k;
	json_t *v;
	if (a == b)
		return 1;
	if (!a || !b)
		return 0;
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		json_array_foreach((json_t *)a, i, v)
			if (!same(v, json_array_get(b, i)))
				return 0;
		return 1;
	}
	if (json_is_object(a) && json_is_object(b)) {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, k, v)
			if (!same(v, json_object_get(b, k)))
				return 0;
		return 1;
	}
	return json_equal(a, b);
}

static int is_false(const json_t *s)
{
	return json_is_false(s);
}

/* true, {} or absent: accepts everything (annotations aside). */
static const char *const annotations[] = {
	"title", "description", "examples", "default", "$comment", "deprecated", "readOnly",
	"writeOnly", "contentEncoding", "contentMediaType", "contentSchema", "$id", "$anchor",
	"$dynamicAnchor", "$defs", "definitions",
};
#define NANNOT (sizeof annotations / sizeof annotations[0])

static int is_annotation(const char *k)
{
	if (k[0] == 'x' && k[1] == '-')
		return 1; /* vendor extensions (OpenAPI's x-...) carry no assertion */
	for (size_t i = 0; i < NANNOT; i++)
		if (strcmp(k, annotations[i]) == 0)
			return 1;
	return 0;
}

/* Only $ref and annotations: the schema IS its target. */
static int ref_only(const json_t *s)
{
	const char *k;
	json_t *v;
	if (!json_is_object(s) || !json_is_string(json_object_get(s, "$ref")))
		return 0;
	json_object_foreach((json_t *)s, k, v)
		if (strcmp(k, "$ref") != 0 && strcmp(k, "$schema") != 0 && !is_annotation(k))
			return 0;
	return 1;
}

static int has_scheme(const char *u)
{
	if (!isalpha((unsigned char)*u))
		return 0;
	for (const char *p = u + 1; *p; p++) {
		if (*p == ':')
			return 1;
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
			return 0;
	}
	return 0;
}

/* dirname(base) + rel, "." and ".." segments collapsed (a ".." above the top is kept). */
static char *join_path(const char *base, const char *rel, size_t rlen)
{
	const char *slash = strrchr(base, '/');
	size_t blen = slash ? (size_t)(slash - base) + 1 : 0;
	char *tmp = malloc(blen + rlen + 1), *out;
	char *segs[256];
	size_t ns = 0, keep_up = 0;
	if (!tmp)
		return NULL;
	memcpy(tmp, base, blen);
	memcpy(tmp + blen, rel, rlen);
	tmp[blen + rlen] = '\0';
	if (!(out = malloc(blen + rlen + 2))) {
		free(tmp);
		return NULL;
	}
	out[0] = '\0';
	for (char *save = NULL, *t = strtok_r(tmp, "/", &save); t && ns < 256;
	     t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (ns > keep_up)
				ns--;
			else
				segs[ns++] = t, keep_up = ns;
			continue;
		}
		segs[ns++] = t;
	}
	for (size_t i = 0; i < ns; i++) {
		if (i)
			strcat(out, "/");
		strcat(out, segs[i]);
	}
	free(tmp);
	return out;
}

static const char *const tree_prefixes[] = {"seam:contracts/", "https://seam.invalid/contracts/"};

/* The document at path on side s (the root, or loaded once through the side's loader). */
static const json_t *side_doc(ctx_t *c, side_t *s, const char *path)
{
	if (s->in->path && strcmp(path, s->in->path) == 0)
		return s->in->doc;
	for (size_t i = 0; i < s->ndocs; i++)
		if (strcmp(s->docs[i].path, path) == 0)
			return s->docs[i].doc;
	if (!s->in->load)
		return NULL;
	json_t *d = s->in->load(path, s->in->ud);
	if (!d)
		return NULL;
	doc_entry_t *nd = realloc(s->docs, (s->ndocs + 1) * sizeof *nd);
	char *p = strdup(path);
	if (!nd || !p) {
		free(p);
		if (nd)
			s->docs = nd;
		json_decref(d);
		fail(c, SEAM_NOMEM, "diff: out of memory");
		return NULL;
	}
	s->docs = nd;
	s->docs[s->ndocs].path = p;
	s->docs[s->ndocs].doc = d;
	s->ndocs++;
	return d;
}

/* Percent-decoding of a fragment into out (cap bytes). */
static void pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], 0};
			out[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/* JSON pointer ptr inside doc; NULL when it leads nowhere. */
static const json_t *pointer_get(const json_t *doc, const char *ptr)
{
	const json_t *cur = doc;
	char seg[LOC_MAX];
	if (!*ptr)
		return doc;
	if (*ptr != '/')
		return NULL;
	while (cur && *ptr == '/') {
		size_t n = 0;
		ptr++;
		while (*ptr && *ptr != '/' && n + 1 < sizeof seg) {
			if (ptr[0] == '~' && ptr[1] == '1')
				seg[n++] = '/', ptr += 2;
			else if (ptr[0] == '~' && ptr[1] == '0')
				seg[n++] = '~', ptr += 2;
			else
				seg[n++] = *ptr++;
		}
		seg[n] = '\0';
		if (json_is_object(cur)) {
			cur = json_object_get(cur, seg);
		} else if (json_is_array(cur)) {
			char *end;
			unsigned long i = strtoul(seg, &end, 10);
			cur = *seg && !*end ? json_array_get(cur, i) : NULL;
		} else {
			cur = NULL;
		}
	}
	return cur;
}

/* The subschema holding "$anchor" (or "$dynamicAnchor") name; its pointer into buf. */
static const json_t *anchor_find(const json_t *s, const char *name, char *buf, size_t len,
				 int depth)
{
	const char *k;
	json_t *v;
	size_t i;
	if (depth > MAX_DEPTH)
		return NULL;
	if (json_is_object(s)) {
		const char *a = json_string_value(json_object_get(s, "$anchor"));
		const char *da = json_string_value(json_object_get(s, "$dynamicAnchor"));
		if ((a && strcmp(a, name) == 0) || (da && strcmp(da, name) == 0)) {
			buf[len] = '\0';
			return s;
		}
		json_object_foreach((json_t *)s, k, v) {
			int n = snprintf(buf + len, LOC_MAX - len, "/%s", k);
			if (n < 0 || len + (size_t)n >= LOC_MAX)
				continue;
			const json_t *r = anchor_find(v, name, buf, len + (size_t)n, depth + 1);
			if (r)
				return r;
		}
	} else if (json_is_array(s)) {
		json_array_foreach((json_t *)s, i, v) {
			int n = snprintf(buf + len, LOC_MAX - len, "/%zu", i);
			if (n < 0 || len + (size_t)n >= LOC_MAX)
				continue;
			const json_t *r = anchor_find(v, name, buf, len + (size_t)n, depth + 1);
			if (r)
				return r;
		}
	}
	return NULL;
}

/* Resolves ref (found in document at doc_path) on side s: the target and where it is
 * (docbuf/ptrbuf hold the strings). NULL after fail() when it leads nowhere. */
static const json_t *resolve(ctx_t *c, side_t *s, const char *doc_path, const char *ref,
			     char docbuf[LOC_MAX], char ptrbuf[LOC_MAX])
{
	const char *hash = strchr(ref, '#');
	size_t ulen = hash ? (size_t)(hash - ref) : strlen(ref);
	const json_t *doc, *t;
	char frag[LOC_MAX];
	if (ulen == 0) {
		snprintf(docbuf, LOC_MAX, "%s", doc_path);
	} else {
		char *u = strndup(ref, ulen), *p = NULL;
		if (!u)
			return fail(c, SEAM_NOMEM, "diff: out of memory"), NULL;
		const json_t *cur = side_doc(c, s, doc_path);
		const char *id = json_is_object(cur) ? json_string_value(json_object_get(cur, "$id")) : NULL;
		char *rel = has_scheme(u) && id ? seam_diff_relative_ref(id, u) : NULL;
		if (rel) {
			/* an absolute URI under the document's own $id: the same tree, by relative path */
			p = join_path(doc_path, rel, strlen(rel));
			free(rel);
		} else if (has_scheme(u)) {
			for (size_t i = 0; i < sizeof tree_prefixes / sizeof tree_prefixes[0] && !p; i++)
				if (strncmp(u, tree_prefixes[i], strlen(tree_prefixes[i])) == 0)
					p = strdup(u + strlen(tree_prefixes[i]));
			if (!p)
				p = strdup(u);
		} else {
			p = join_path(doc_path, u, ulen);
		}
		free(u);
		if (!p)
			return fail(c, SEAM_NOMEM, "diff: out of memory"), NULL;
		snprintf(docbuf, LOC_MAX, "%s", p);
		free(p);
	}
	if (!(doc = side_doc(c, s, docbuf))) {
		fail(c, SEAM_NOTFOUND, "%s schema: $ref \"%s\" in %s: no document %s",
		     s == &c->o ? "old" : "new", ref, doc_path, docbuf);
		return NULL;
	}
	pct_decode(hash ? hash + 1 : "", hash ? strlen(hash + 1) : 0, frag, sizeof frag);
	if (frag[0] == '\0' || frag[0] == '/') {
		t = pointer_get(doc, frag);
		snprintf(ptrbuf, LOC_MAX, "%s", frag);
	} else {
		t = anchor_find(doc, frag, ptrbuf, 0, 0);
	}
	if (!t)
		fail(c, SEAM_NOTFOUND, "%s schema: $ref \"%s\" in %s leads nowhere",
		     s == &c->o ? "old" : "new", ref, doc_path);
	return t;
}

/* ---------- type sets ---------- */

enum { T_NULL = 1, T_BOOL = 2, T_OBJ = 4, T_ARR = 8, T_STR = 16, T_INT = 32, T_FRAC = 64,
       T_ALL = 127 };

static int type_bit(const char *t)
{
	static const struct { const char *n; int b; } tt[] = {
		{"null", T_NULL}, {"boolean", T_BOOL}, {"object", T_OBJ}, {"array", T_ARR},
		{"string", T_STR}, {"integer", T_INT}, {"number", T_INT | T_FRAC},
	};
	for (size_t i = 0; i < sizeof tt / sizeof tt[0]; i++)
		if (strcmp(t, tt[i].n) == 0)
			return tt[i].b;
	return -1;
}

/* The types a schema's "type" allows (T_ALL when absent); -1 when malformed. */
static int type_set(const json_t *s)
{
	const json_t *t = json_is_object(s) ? json_object_get(s, "type") : NULL;
	int set = 0;
	size_t i;
	const json_t *v;
	if (!t)
		return T_ALL;
	if (json_is_string(t))
		return type_bit(json_string_value(t));
	if (!json_is_array(t))
		return -1;
	json_array_foreach(t, i, v) {
		int b = json_is_string(v) ? type_bit(json_string_value(v)) : -1;
		if (b < 0)
			return -1;
		set |= b;
	}
	return set;
}

/* The types a value has. */
static int value_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return T_NULL;
	case JSON_TRUE:
	case JSON_FALSE: return T_BOOL;
	case JSON_OBJECT: return T_OBJ;
	case JSON_ARRAY: return T_ARR;
	case JSON_STRING: return T_STR;
	case JSON_INTEGER: return T_INT;
	case JSON_REAL: {
		double d = json_real_value(v);
		return d == floor(d) ? T_INT : T_FRAC;
	}
	}
	return T_ALL;
}

/* ---------- compare ---------- */

static int compare(ctx_t *c, const json_t *a, loc_t la, const json_t *b, loc_t lb, int depth);

/* compare() into a scratch list: only the verdict is kept; up to three kinds go to detail. */
static int compare_quiet(ctx_t *c, const json_t *a, loc_t la, const json_t *b, loc_t lb,
			 int depth, char *detail, size_t cap)
{
	json_t *saved = c->out, *scratch = json_array();
	int flags;
	size_t i;
	json_t *ch;
	if (!scratch)
		return fail(c, SEAM_NOMEM, "diff: out of memory");
	c->out = scratch;
	c->quiet++;
	flags = compare(c, a, la, b, lb, depth);
	c->quiet--;
	c->out = saved;
	if (detail && cap) {
		size_t n = 0;
		detail[0] = '\0';
		json_array_foreach(scratch, i, ch) {
			if (i == 3) {
				snprintf(detail + n, cap - n, ", ...");
				break;
			}
			int w = snprintf(detail + n, cap - n, "%s%s at %s", i ? ", " : "",
					 json_string_value(json_object_get(ch, "kind")),
					 json_string_value(json_object_get(ch, "path")));
			if (w < 0 || (size_t)w >= cap - n)
				break;
			n += (size_t)w;
		}
		if (json_array_size(scratch) == 0)
			snprintf(detail, cap, "no difference found");
	}
	json_decref(scratch);
	return flags;
}

static json_t *true_schema(void)
{
	static json_t *t;
	if (!t)
		t = json_true(); /* jansson's true is a static singleton */
	return t;
}

/* --- type --- */
static int cmp_type(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b, const loc_t *lb)
{
	int ta = type_set(a), tb = type_set(b), lost, gained;
	char buf[LOC_MAX];
	loc_t where = json_object_get(b, "type") ? sub(lb, buf, "type") : sub(la, buf, "type");
	const json_t *ov = json_object_get(a, "type"), *nv = json_object_get(b, "type");
	if (ta < 0 || tb < 0) {
		if (!same(ov, nv))
			return emit(c, SEAM_DIFF_UNKNOWN, &where, ov, nv, -1, "type is not a type name");
		return 0;
	}
	if (ta == tb)
		return 0;
	lost = ta & ~tb;
	gained = tb & ~ta;
	if (lost && gained)
		return emit(c, SEAM_DIFF_TYPE_CHANGED, &where, ov, nv, -1, NULL);
	if (lost)
		return emit(c, lost == T_NULL ? SEAM_DIFF_NULLABLE_REMOVED : SEAM_DIFF_TYPE_NARROWED,
			    &where, ov, nv, -1, NULL);
	return emit(c, gained == T_NULL ? SEAM_DIFF_NULLABLE_ADDED : SEAM_DIFF_TYPE_WIDENED, &where,
		    ov, nv, -1, NULL);
}

/* --- enum / const as value sets --- */
static const json_t *value_set(const json_t *s, int *is_const, json_t **tmp)
{
	const json_t *k = json_object_get(s, "const"), *e = json_object_get(s, "enum");
	*tmp = NULL;
	*is_const = 0;
	if (k) {
		*is_const = 1;
		*tmp = json_pack("[O]", k);
		return *tmp;
	}
	return json_is_array(e) ? e : NULL;
}

static int in_array(const json_t *arr, const json_t *v)
{
	size_t i;
	const json_t *x;
	json_array_foreach(arr, i, x)
		if (same(x, v))
			return 1;
	return 0;
}

static int cmp_values(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b, const loc_t *lb)
{
	int ca, cb, flags = 0;
	json_t *ta, *tb;
	const json_t *va = value_set(a, &ca, &ta), *vb = value_set(b, &cb, &tb);
	char bufa[LOC_MAX], bufb[LOC_MAX];
	loc_t wa = sub(la, bufa, ca ? "const" : "enum"), wb = sub(lb, bufb, cb ? "const" : "enum");
	size_t i;
	const json_t *v;
	if (json_object_get(a, "enum") && !json_is_array(json_object_get(a, "enum")) &&
	    !same(json_object_get(a, "enum"), json_object_get(b, "enum")))
		flags |= emit(c, SEAM_DIFF_UNKNOWN, &wb, json_object_get(a, "enum"),
			      json_object_get(b, "enum"), -1, "enum is not an array");
	if (!va && vb)
		flags |= emit(c, cb ? SEAM_DIFF_CONST_ADDED : SEAM_DIFF_ENUM_ADDED, &wb, NULL,
			      cb ? json_array_get(vb, 0) : vb, -1, NULL);
	else if (va && !vb)
		flags |= emit(c, ca ? SEAM_DIFF_CONST_REMOVED : SEAM_DIFF_ENUM_REMOVED, &wa,
			      ca ? json_array_get(va, 0) : va, NULL, -1, NULL);
	else if (va && vb && ca && cb) {
		if (!same(json_array_get(va, 0), json_array_get(vb, 0)))
			flags |= emit(c, SEAM_DIFF_CONST_CHANGED, &wb, json_array_get(va, 0),
				      json_array_get(vb, 0), -1, NULL);
	} else if (va && vb) {
		json_array_foreach(vb, i, v)
			if (!in_array(va, v))
				flags |= emit(c, SEAM_DIFF_ENUM_VALUE_ADDED, &wb, NULL, v, -1, NULL);
		json_array_foreach(va, i, v)
			if (!in_array(vb, v))
				flags |= emit(c, SEAM_DIFF_ENUM_VALUE_REMOVED, &wb, v, NULL, -1, NULL);
	}
	json_decref(ta);
	json_decref(tb);
	return flags;
}

/* --- numeric bounds --- */
typedef struct bound {
	int set;
	double v;
	int excl;
	const char *kw;
} bound_t;

static bound_t num_bound(const json_t *s, const char *incl, const char *excl, int lower, int *bad)
{
	bound_t r = {0, 0, 0, NULL};
	const json_t *i = json_object_get(s, incl), *e = json_object_get(s, excl);
	if ((i && !json_is_number(i)) || (e && !json_is_number(e)))
		*bad = 1;
	if (json_is_number(i))
		r = (bound_t){1, json_number_value(i), 0, incl};
	if (json_is_number(e)) {
		double ev = json_number_value(e);
		if (!r.set || (lower ? ev >= r.v : ev <= r.v))
			r = (bound_t){1, ev, 1, excl};
	}
	return r;
}

/* Is b (new) tighter (1), looser (-1) or the same (0) than a (old)? lower: a lower bound. */
static int bound_cmp(bound_t a, bound_t b, int lower)
{
	if (!a.set && !b.set)
		return 0;
	if (!a.set)
		return 1;
	if (!b.set)
		return -1;
	if (a.v == b.v)
		return b.excl > a.excl ? 1 : b.excl < a.excl ? -1 : 0;
	return (lower ? b.v > a.v : b.v < a.v) ? 1 : -1;
}

static int cmp_numeric(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b, const loc_t *lb)
{
	static const struct { const char *incl, *excl; int lower; } bs[] = {
		{"minimum", "exclusiveMinimum", 1}, {"maximum", "exclusiveMaximum", 0}};
	int flags = 0;
	char buf[LOC_MAX];
	for (size_t i = 0; i < 2; i++) {
		int bad = 0;
		bound_t ba = num_bound(a, bs[i].incl, bs[i].excl, bs[i].lower, &bad);
		bound_t bb = num_bound(b, bs[i].incl, bs[i].excl, bs[i].lower, &bad);
		int d = bound_cmp(ba, bb, bs[i].lower);
		loc_t w = bb.set ? sub(lb, buf, bb.kw) : sub(la, buf, ba.kw ? ba.kw : bs[i].incl);
		if (bad) {
			if (!same(json_object_get(a, bs[i].incl), json_object_get(b, bs[i].incl)) ||
			    !same(json_object_get(a, bs[i].excl), json_object_get(b, bs[i].excl)))
				flags |= emit(c, SEAM_DIFF_UNKNOWN, &w, NULL, NULL, -1,
					      "a numeric bound is not a number");
			continue;
		}
		if (d)
			flags |= emit(c, d > 0 ? SEAM_DIFF_NUMERIC_BOUND_TIGHTENED
					       : SEAM_DIFF_NUMERIC_BOUND_LOOSENED,
				      &w, ba.kw ? json_object_get(a, ba.kw) : NULL,
				      bb.kw ? json_object_get(b, bb.kw) : NULL, -1, NULL);
	}
	const json_t *ma = json_object_get(a, "multipleOf"), *mb = json_object_get(b, "multipleOf");
	loc_t w = mb ? sub(lb, buf, "multipleOf") : sub(la, buf, "multipleOf");
	if (!ma && !mb)
		return flags;
	if ((ma && !json_is_number(ma)) || (mb && !json_is_number(mb)) ||
	    (ma && json_number_value(ma) <= 0) || (mb && json_number_value(mb) <= 0)) {
		if (!same(ma, mb))
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &w, ma, mb, -1, "multipleOf is not a positive number");
		return flags;
	}
	if (!ma)
		return flags | emit(c, SEAM_DIFF_MULTIPLE_OF_TIGHTENED, &w, NULL, mb, -1, NULL);
	if (!mb)
		return flags | emit(c, SEAM_DIFF_MULTIPLE_OF_LOOSENED, &w, ma, NULL, -1, NULL);
	double x = json_number_value(ma), y = json_number_value(mb);
	if (x == y)
		return flags;
	double q1 = x / y, q2 = y / x;
	if (fabs(q1 - nearbyint(q1)) < 1e-9 * fmax(1, fabs(q1)))
		return flags | emit(c, SEAM_DIFF_MULTIPLE_OF_LOOSENED, &w, ma, mb, -1, NULL);
	if (fabs(q2 - nearbyint(q2)) < 1e-9 * fmax(1, fabs(q2)))
		return flags | emit(c, SEAM_DIFF_MULTIPLE_OF_TIGHTENED, &w, ma, mb, -1, NULL);
	return flags | emit(c, SEAM_DIFF_MULTIPLE_OF_CHANGED, &w, ma, mb, -1, NULL);
}

/* --- count bounds: minLength/maxLength, minItems/maxItems, ... --- */
static int cmp_counts(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b, const loc_t *lb)
{
	static const struct {
		const char *kw;
		int lower;
		long long absent;
		seam_diff_kind_e tight, loose;
	} cs[] = {
		{"minLength", 1, 0, SEAM_DIFF_LENGTH_BOUND_TIGHTENED, SEAM_DIFF_LENGTH_BOUND_LOOSENED},
		{"maxLength", 0, -1, SEAM_DIFF_LENGTH_BOUND_TIGHTENED, SEAM_DIFF_LENGTH_BOUND_LOOSENED},
		{"minItems", 1, 0, SEAM_DIFF_ITEMS_BOUND_TIGHTENED, SEAM_DIFF_ITEMS_BOUND_LOOSENED},
		{"maxItems", 0, -1, SEAM_DIFF_ITEMS_BOUND_TIGHTENED, SEAM_DIFF_ITEMS_BOUND_LOOSENED},
		{"minContains", 1, 1, SEAM_DIFF_ITEMS_BOUND_TIGHTENED, SEAM_DIFF_ITEMS_BOUND_LOOSENED},
		{"maxContains", 0, -1, SEAM_DIFF_ITEMS_BOUND_TIGHTENED, SEAM_DIFF_ITEMS_BOUND_LOOSENED},
		{"minProperties", 1, 0, SEAM_DIFF_PROPERTIES_BOUND_TIGHTENED,
		 SEAM_DIFF_PROPERTIES_BOUND_LOOSENED},
		{"maxProperties", 0, -1, SEAM_DIFF_PROPERTIES_BOUND_TIGHTENED,
		 SEAM_DIFF_PROPERTIES_BOUND_LOOSENED},
	};
	int flags = 0;
	char buf[LOC_MAX];
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		const json_t *va = json_object_get(a, cs[i].kw), *vb = json_object_get(b, cs[i].kw);
		loc_t w = vb ? sub(lb, buf, cs[i].kw) : sub(la, buf, cs[i].kw);
		if (!va && !vb)
			continue;
		if ((va && !json_is_number(va)) || (vb && !json_is_number(vb))) {
			if (!same(va, vb))
				flags |= emit(c, SEAM_DIFF_UNKNOWN, &w, va, vb, -1, "a count is not a number");
			continue;
		}
		/* -1 stands for "no maximum" */
		double x = va ? json_number_value(va) : (double)cs[i].absent;
		double y = vb ? json_number_value(vb) : (double)cs[i].absent;
		int tighter;
		if (x == y)
			continue;
		if (cs[i].lower)
			tighter = y > x;
		else
			tighter = x < 0 ? 1 : y < 0 ? 0 : y < x;
		flags |= emit(c, tighter ? cs[i].tight : cs[i].loose, &w, va, vb, -1, NULL);
	}
	const json_t *ua = json_object_get(a, "uniqueItems"), *ub = json_object_get(b, "uniqueItems");
	int xa = json_is_true(ua), xb = json_is_true(ub);
	if (xa != xb) {
		loc_t w = ub ? sub(lb, buf, "uniqueItems") : sub(la, buf, "uniqueItems");
		flags |= emit(c, xb ? SEAM_DIFF_UNIQUE_ITEMS_ADDED : SEAM_DIFF_UNIQUE_ITEMS_REMOVED, &w,
			      ua, ub, -1, NULL);
	}
	return flags;
}

/* --- pattern, format: added / removed / changed --- */
static int cmp_string_kw(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b,
			 const loc_t *lb, const char *kw, seam_diff_kind_e added,
			 seam_diff_kind_e removed, seam_diff_kind_e changed)
{
	const json_t *va = json_object_get(a, kw), *vb = json_object_get(b, kw);
	char buf[LOC_MAX];
	loc_t w = vb ? sub(lb, buf, kw) : sub(la, buf, kw);
	if (same(va, vb) || (!va && !vb))
		return 0;
	if (!va)
		return emit(c, added, &w, NULL, vb, -1, NULL);
	if (!vb)
		return emit(c, removed, &w, va, NULL, -1, NULL);
	return emit(c, changed, &w, va, vb, -1, NULL);
}

/* --- required, dependentRequired --- */
static int cmp_name_sets(ctx_t *c, const json_t *sa, const json_t *sb, const loc_t *w,
			 seam_diff_kind_e added, seam_diff_kind_e removed)
{
	int flags = 0;
	size_t i;
	const json_t *v;
	json_array_foreach(sb, i, v)
		if (!sa || !in_array(sa, v))
			flags |= emit(c, added, w, NULL, v, -1, NULL);
	json_array_foreach(sa, i, v)
		if (!sb || !in_array(sb, v))
			flags |= emit(c, removed, w, v, NULL, -1, NULL);
	return flags;
}

static int cmp_required(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b, const loc_t *lb)
{
	const json_t *ra = json_object_get(a, "required"), *rb = json_object_get(b, "required");
	const json_t *da = json_object_get(a, "dependentRequired"),
		     *db = json_object_get(b, "dependentRequired");
	char buf[LOC_MAX], buf2[LOC_MAX];
	int flags = 0;
	const char *k;
	json_t *v;
	loc_t w = rb ? sub(lb, buf, "required") : sub(la, buf, "required");
	if ((ra && !json_is_array(ra)) || (rb && !json_is_array(rb))) {
		if (!same(ra, rb))
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &w, ra, rb, -1, "required is not an array");
	} else {
		flags |= cmp_name_sets(c, ra, rb, &w, SEAM_DIFF_REQUIRED_ADDED, SEAM_DIFF_REQUIRED_REMOVED);
	}
	if (!da && !db)
		return flags;
	w = db ? sub(lb, buf, "dependentRequired") : sub(la, buf, "dependentRequired");
	if ((da && !json_is_object(da)) || (db && !json_is_object(db))) {
		if (!same(da, db))
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &w, da, db, -1, "dependentRequired is not an object");
		return flags;
	}
	json_object_foreach((json_t *)db, k, v) {
		loc_t wk = sub(&w, buf2, k);
		flags |= cmp_name_sets(c, json_object_get(da, k), v, &wk,
				       SEAM_DIFF_DEPENDENT_REQUIRED_ADDED,
				       SEAM_DIFF_DEPENDENT_REQUIRED_REMOVED);
	}
	json_object_foreach((json_t *)da, k, v)
		if (!json_object_get(db, k)) {
			loc_t wk = sub(&w, buf2, k);
			flags |= cmp_name_sets(c, v, NULL, &wk, SEAM_DIFF_DEPENDENT_REQUIRED_ADDED,
					       SEAM_DIFF_DEPENDENT_REQUIRED_REMOVED);
		}
	return flags;
}

/* Optional subschema keyword: compares a[kw] with b[kw], absent meaning true. */
static int cmp_opt_sub(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b,
		       const loc_t *lb, const char *kw, int depth)
{
	const json_t *sa = json_object_get(a, kw), *sb = json_object_get(b, kw);
	char ba[LOC_MAX], bb[LOC_MAX];
	if (!sa && !sb)
		return 0;
	return compare(c, sa ? sa : true_schema(), sub(la, ba, kw), sb ? sb : true_schema(),
		       sub(lb, bb, kw), depth + 1);
}

/* The schema for property names an object does not list: additionalProperties, else
 * unevaluatedProperties (read as closing the same names: an approximation, see docs), else
 * true. */
static const json_t *content_model(const json_t *s, const char **kw)
{
	const json_t *ap = json_object_get(s, "additionalProperties");
	if (ap) {
		*kw = "additionalProperties";
		return ap;
	}
	if ((ap = json_object_get(s, "unevaluatedProperties"))) {
		*kw = "unevaluatedProperties";
		return ap;
	}
	*kw = "additionalProperties";
	return NULL;
}

static int accepts_all(const json_t *s)
{
	const char *k;
	json_t *v;
	if (!s || json_is_true(s))
		return 1;
	if (!json_is_object(s))
		return 0;
	json_object_foreach((json_t *)s, k, v)
		if (!is_annotation(k))
			return 0;
	return 1;
}

static int has_patterns(const json_t *s)
{
	const json_t *pp = json_object_get(s, "patternProperties");
	return json_is_object(pp) && json_object_size(pp) > 0;
}

static int cmp_properties(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b,
			  const loc_t *lb, int depth)
{
	const json_t *pa = json_object_get(a, "properties"), *pb = json_object_get(b, "properties");
	const char *kwa, *kwb, *k;
	const json_t *ma = content_model(a, &kwa), *mb = content_model(b, &kwb);
	char b1[LOC_MAX], b2[LOC_MAX], b3[LOC_MAX], b4[LOC_MAX], detail[300];
	int flags = 0;
	json_t *v;
	loc_t lpa = sub(la, b1, "properties"), lpb = sub(lb, b2, "properties");
	loc_t lma = sub(la, b3, kwa), lmb = sub(lb, b4, kwb);

	if ((pa && !json_is_object(pa)) || (pb && !json_is_object(pb))) {
		if (!same(pa, pb))
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &lpb, pa, pb, -1, "properties is not an object");
		return flags;
	}
	json_object_foreach((json_t *)pb, k, v) {
		char x[LOC_MAX], y[LOC_MAX];
		const json_t *old = json_object_get(pa, k);
		loc_t lk = sub(&lpb, y, k);
		if (old) {
			flags |= compare(c, old, sub(&lpa, x, k), v, lk, depth + 1);
			continue;
		}
		if (has_patterns(a)) {
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &lk, NULL, v, -1,
				      "property added where old patternProperties may have matched it");
			continue;
		}
		seam_diff_kind_e kind = is_false(ma) ? SEAM_DIFF_PROPERTY_ADDED_CLOSED
				      : accepts_all(ma) ? SEAM_DIFF_PROPERTY_ADDED_OPEN
							: SEAM_DIFF_PROPERTY_ADDED;
		int f = compare_quiet(c, ma ? ma : true_schema(), lma, v, lk, depth + 1, detail,
				      sizeof detail);
		flags |= emit(c, kind, &lk, NULL, v, f, detail);
	}
	json_object_foreach((json_t *)pa, k, v) {
		char x[LOC_MAX];
		loc_t lk = sub(&lpa, x, k);
		if (json_object_get(pb, k))
			continue;
		if (has_patterns(b)) {
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &lk, v, NULL, -1,
				      "property removed where new patternProperties may match it");
			continue;
		}
		seam_diff_kind_e kind = is_false(mb) ? SEAM_DIFF_PROPERTY_REMOVED_CLOSED
				      : accepts_all(mb) ? SEAM_DIFF_PROPERTY_REMOVED_OPEN
							: SEAM_DIFF_PROPERTY_REMOVED;
		int f = compare_quiet(c, v, lk, mb ? mb : true_schema(), lmb, depth + 1, detail,
				      sizeof detail);
		flags |= emit(c, kind, &lk, v, NULL, f, detail);
	}
	flags |= cmp_opt_sub(c, a, la, b, lb, "additionalProperties", depth);
	flags |= cmp_opt_sub(c, a, la, b, lb, "unevaluatedProperties", depth);
	flags |= cmp_opt_sub(c, a, la, b, lb, "propertyNames", depth);

	/* patternProperties and dependentSchemas: per key; a pattern added or removed is not
	 * classified (which names it matches is a regex question) */
	static const char *const keyed[] = {"patternProperties", "dependentSchemas"};
	for (size_t i = 0; i < 2; i++) {
		const json_t *ka = json_object_get(a, keyed[i]), *kb = json_object_get(b, keyed[i]);
		loc_t wa = sub(la, b1, keyed[i]), wb = sub(lb, b2, keyed[i]);
		if (!ka && !kb)
			continue;
		if ((ka && !json_is_object(ka)) || (kb && !json_is_object(kb))) {
			if (!same(ka, kb))
				flags |= emit(c, SEAM_DIFF_UNKNOWN, &wb, ka, kb, -1, "not an object");
			continue;
		}
		json_object_foreach((json_t *)kb, k, v) {
			char x[LOC_MAX], y[LOC_MAX];
			const json_t *old = json_object_get(ka, k);
			if (old)
				flags |= compare(c, old, sub(&wa, x, k), v, sub(&wb, y, k), depth + 1);
			else if (i == 1)
				flags |= compare(c, true_schema(), sub(&wa, x, k), v, sub(&wb, y, k),
						 depth + 1);
			else {
				loc_t lk = sub(&wb, y, k);
				flags |= emit(c, SEAM_DIFF_UNKNOWN, &lk, NULL, v, -1, "pattern added");
			}
		}
		json_object_foreach((json_t *)ka, k, v) {
			char x[LOC_MAX], y[LOC_MAX];
			if (json_object_get(kb, k))
				continue;
			if (i == 1) {
				flags |= compare(c, v, sub(&wa, x, k), true_schema(), sub(&wb, y, k),
						 depth + 1);
			} else {
				loc_t lk = sub(&wa, x, k);
				flags |= emit(c, SEAM_DIFF_UNKNOWN, &lk, v, NULL, -1, "pattern removed");
			}
		}
	}
	return flags;
}

static int cmp_items(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b, const loc_t *lb,
		     int depth)
{
	const json_t *pa = json_object_get(a, "prefixItems"), *pb = json_object_get(b, "prefixItems");
	const json_t *ia = json_object_get(a, "items"), *ib = json_object_get(b, "items");
	char b1[LOC_MAX], b2[LOC_MAX], b3[LOC_MAX], b4[LOC_MAX], detail[300];
	int flags = 0;
	loc_t lpa = sub(la, b1, "prefixItems"), lpb = sub(lb, b2, "prefixItems");
	loc_t lia = sub(la, b3, "items"), lib = sub(lb, b4, "items");
	if ((pa && !json_is_array(pa)) || (pb && !json_is_array(pb)) || json_is_array(ia) ||
	    json_is_array(ib)) {
		if (!same(pa, pb) || !same(ia, ib))
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &lib, ia, ib, -1,
				      "items/prefixItems not in draft 2020-12 form");
		return flags;
	}
	size_t na = json_array_size(pa), nb = json_array_size(pb);
	for (size_t i = 0; i < (na > nb ? na : nb); i++) {
		char x[LOC_MAX], y[LOC_MAX];
		if (i < na && i < nb) {
			flags |= compare(c, json_array_get(pa, i), subi(&lpa, x, i), json_array_get(pb, i),
					 subi(&lpb, y, i), depth + 1);
		} else if (i < nb) {
			loc_t lk = subi(&lpb, y, i);
			int f = compare_quiet(c, ia ? ia : true_schema(), lia, json_array_get(pb, i), lk,
					      depth + 1, detail, sizeof detail);
			flags |= emit(c, SEAM_DIFF_PREFIX_ITEM_ADDED, &lk, ia, json_array_get(pb, i), f,
				      detail);
		} else {
			loc_t lk = subi(&lpa, x, i);
			int f = compare_quiet(c, json_array_get(pa, i), lk, ib ? ib : true_schema(), lib,
					      depth + 1, detail, sizeof detail);
			flags |= emit(c, SEAM_DIFF_PREFIX_ITEM_REMOVED, &lk, json_array_get(pa, i), ib, f,
				      detail);
		}
	}
	flags |= cmp_opt_sub(c, a, la, b, lb, "items", depth);
	flags |= cmp_opt_sub(c, a, la, b, lb, "unevaluatedItems", depth);
	const json_t *ca = json_object_get(a, "contains"), *cb = json_object_get(b, "contains");
	if (ca && cb) {
		flags |= cmp_opt_sub(c, a, la, b, lb, "contains", depth);
	} else if (ca || cb) {
		loc_t w = cb ? sub(lb, b1, "contains") : sub(la, b1, "contains");
		flags |= emit(c, cb ? SEAM_DIFF_CONTAINS_ADDED : SEAM_DIFF_CONTAINS_REMOVED, &w, ca, cb,
			      -1, NULL);
	}
	return flags;
}

/* Could two branches accept one same instance? Only types and value sets are looked at. */
static int may_overlap(ctx_t *c, side_t *s, const json_t *x, const loc_t *lx, const json_t *y,
		       const loc_t *ly)
{
	char d1[LOC_MAX], p1[LOC_MAX], d2[LOC_MAX], p2[LOC_MAX];
	for (int hop = 0; hop < MAX_REF_HOPS && ref_only(x); hop++) {
		const json_t *t = resolve(c, s, lx->doc, json_string_value(json_object_get(x, "$ref")),
					  d1, p1);
		if (!t)
			return 1;
		x = t;
		lx = &(loc_t){d1, p1};
	}
	for (int hop = 0; hop < MAX_REF_HOPS && ref_only(y); hop++) {
		const json_t *t = resolve(c, s, ly->doc, json_string_value(json_object_get(y, "$ref")),
					  d2, p2);
		if (!t)
			return 1;
		y = t;
		ly = &(loc_t){d2, p2};
	}
	if (is_false(x) || is_false(y))
		return 0;
	int tx = json_is_object(x) ? type_set(x) : T_ALL, ty = json_is_object(y) ? type_set(y) : T_ALL;
	if (tx < 0 || ty < 0)
		return 1;
	if (!(tx & ty))
		return 0;
	int cx, cy;
	json_t *tmx = NULL, *tmy = NULL;
	const json_t *vx = json_is_object(x) ? value_set(x, &cx, &tmx) : NULL;
	const json_t *vy = json_is_object(y) ? value_set(y, &cy, &tmy) : NULL;
	int overlap = 1;
	if (vx && vy) {
		size_t i;
		const json_t *v;
		overlap = 0;
		json_array_foreach(vx, i, v)
			if (in_array(vy, v))
				overlap = 1;
	} else if (vx || vy) {
		/* the values of one against the other's types */
		const json_t *vs = vx ? vx : vy;
		int t = vx ? ty : tx;
		size_t i;
		const json_t *v;
		overlap = 0;
		json_array_foreach(vs, i, v)
			if (value_type(v) & t)
				overlap = 1;
	}
	json_decref(tmx);
	json_decref(tmy);
	return overlap;
}

static int cmp_branches(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b,
			const loc_t *lb, const char *kw, int depth)
{
	const json_t *xa = json_object_get(a, kw), *xb = json_object_get(b, kw);
	char b1[LOC_MAX], b2[LOC_MAX], detail[300];
	int flags = 0, one = strcmp(kw, "oneOf") == 0;
	loc_t wa = sub(la, b1, kw), wb = sub(lb, b2, kw);
	if (!xa && !xb)
		return 0;
	if ((xa && !json_is_array(xa)) || (xb && !json_is_array(xb))) {
		if (!same(xa, xb))
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &wb, xa, xb, -1, "not an array");
		return flags;
	}
	if (!xa)
		return emit(c, SEAM_DIFF_COMBINATOR_ADDED, &wb, NULL, xb, -1, kw);
	if (!xb)
		return emit(c, SEAM_DIFF_COMBINATOR_REMOVED, &wa, xa, NULL, -1, kw);

	size_t na = json_array_size(xa), nb = json_array_size(xb);
	char *ma = calloc(na + 1, 1), *mb = calloc(nb + 1, 1);
	if (!ma || !mb) {
		free(ma);
		free(mb);
		return fail(c, SEAM_NOMEM, "diff: out of memory");
	}
	if (strcmp(kw, "allOf") == 0) {
		/* a conjunction: position by position; an extra member narrows, a missing one widens */
		for (size_t i = 0; i < (na > nb ? na : nb); i++) {
			char x[LOC_MAX], y[LOC_MAX];
			flags |= compare(c, i < na ? json_array_get(xa, i) : true_schema(), subi(&wa, x, i),
					 i < nb ? json_array_get(xb, i) : true_schema(), subi(&wb, y, i),
					 depth + 1);
		}
		goto out;
	}
	/* identical branches pair first, whatever their position */
	for (size_t j = 0; j < nb; j++)
		for (size_t i = 0; i < na; i++)
			if (!ma[i] && same(json_array_get(xa, i), json_array_get(xb, j))) {
				char x[LOC_MAX], y[LOC_MAX];
				ma[i] = mb[j] = 1;
				flags |= compare(c, json_array_get(xa, i), subi(&wa, x, i),
						 json_array_get(xb, j), subi(&wb, y, j), depth + 1);
				break;
			}
	size_t ua = 0, ub = 0;
	for (size_t i = 0; i < na; i++)
		ua += !ma[i];
	for (size_t j = 0; j < nb; j++)
		ub += !mb[j];
	if (ua == ub) {
		/* as many changed on each side: the same branches, edited; in order */
		size_t i = 0, j = 0;
		while (i < na && j < nb) {
			char x[LOC_MAX], y[LOC_MAX];
			if (ma[i]) {
				i++;
				continue;
			}
			if (mb[j]) {
				j++;
				continue;
			}
			flags |= compare(c, json_array_get(xa, i), subi(&wa, x, i), json_array_get(xb, j),
					 subi(&wb, y, j), depth + 1);
			i++, j++;
		}
		goto out;
	}
	for (size_t j = 0; j < nb; j++) {
		char x[LOC_MAX], y[LOC_MAX];
		int f = BREAK_F, over = 0;
		if (mb[j])
			continue;
		loc_t lj = subi(&wb, y, j);
		for (size_t k = 0; one && k < nb && !over; k++)
			if (k != j) {
				loc_t lk = subi(&wb, x, k);
				over = may_overlap(c, &c->n, json_array_get(xb, j), &lj,
						   json_array_get(xb, k), &lk);
			}
		if (over)
			f |= BREAK_B;
		snprintf(detail, sizeof detail, "%s%s", kw,
			 one ? (over ? " (may overlap another branch: instances matching both are "
				       "now refused)"
				     : " (disjoint from the other branches)")
			     : "");
		flags |= emit(c, SEAM_DIFF_BRANCH_ADDED, &lj, NULL, json_array_get(xb, j), f, detail);
	}
	for (size_t i = 0; i < na; i++) {
		char x[LOC_MAX], y[LOC_MAX];
		int f = BREAK_B, over = 0;
		if (ma[i])
			continue;
		loc_t li = subi(&wa, y, i);
		for (size_t k = 0; one && k < na && !over; k++)
			if (k != i) {
				loc_t lk = subi(&wa, x, k);
				over = may_overlap(c, &c->o, json_array_get(xa, i), &li,
						   json_array_get(xa, k), &lk);
			}
		if (over)
			f |= BREAK_F;
		snprintf(detail, sizeof detail, "%s", kw);
		flags |= emit(c, SEAM_DIFF_BRANCH_REMOVED, &li, json_array_get(xa, i), NULL, f, detail);
	}
out:
	free(ma);
	free(mb);
	return flags;
}

static int cmp_not_if(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b,
		      const loc_t *lb, int depth)
{
	const json_t *na = json_object_get(a, "not"), *nb = json_object_get(b, "not");
	char b1[LOC_MAX], b2[LOC_MAX], detail[300];
	int flags = 0;
	loc_t wa = sub(la, b1, "not"), wb = sub(lb, b2, "not");
	if (na && nb) {
		/* the set under not is the complement: what widens there narrows here */
		int f = compare_quiet(c, na, wa, nb, wb, depth + 1, detail, sizeof detail);
		int g = ((f & BREAK_B) ? BREAK_F : 0) | ((f & BREAK_F) ? BREAK_B : 0);
		if (f || !same(na, nb))
			flags |= emit(c, SEAM_DIFF_NOT_CHANGED, &wb, na, nb, g, detail);
	} else if (na || nb) {
		flags |= emit(c, nb ? SEAM_DIFF_COMBINATOR_ADDED : SEAM_DIFF_COMBINATOR_REMOVED,
			      nb ? &wb : &wa, na, nb, -1, "not");
	}
	const json_t *ia = json_object_get(a, "if"), *ib = json_object_get(b, "if");
	wa = sub(la, b1, "if");
	wb = sub(lb, b2, "if");
	if (!ia && !ib)
		return flags; /* then/else without if do nothing */
	if (ia && ib && same(ia, ib)) {
		flags |= cmp_opt_sub(c, a, la, b, lb, "then", depth);
		flags |= cmp_opt_sub(c, a, la, b, lb, "else", depth);
	} else if (ia && ib) {
		flags |= emit(c, SEAM_DIFF_UNKNOWN, &wb, ia, ib, -1, "the if condition changed");
	} else {
		/* a conditional added is one more constraint; one removed is one less */
		flags |= emit(c, ib ? SEAM_DIFF_COMBINATOR_ADDED : SEAM_DIFF_COMBINATOR_REMOVED,
			      ib ? &wb : &wa, ia, ib, -1, "if/then/else");
	}
	return flags;
}

/* Keywords a handler above reads (the rest: annotations, or "unknown" when they differ). */
static const char *const handled[] = {
	"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"multipleOf", "minLength", "maxLength", "minItems", "maxItems", "minContains",
	"maxContains", "minProperties", "maxProperties", "uniqueItems", "pattern", "format",
	"required", "dependentRequired", "properties", "additionalProperties",
	"unevaluatedProperties", "propertyNames", "patternProperties", "dependentSchemas",
	"prefixItems", "items", "unevaluatedItems", "contains", "allOf", "anyOf", "oneOf", "not",
	"if", "then", "else", "$ref",
};

static int is_handled(const char *k)
{
	for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
		if (strcmp(k, handled[i]) == 0)
			return 1;
	return is_annotation(k);
}

static int cmp_rest(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b, const loc_t *lb)
{
	const char *k;
	json_t *v;
	int flags = 0;
	char buf[LOC_MAX];
	json_object_foreach((json_t *)b, k, v)
		if (!is_handled(k) && !same(v, json_object_get(a, k))) {
			loc_t w = sub(lb, buf, k);
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &w, json_object_get(a, k), v, -1, k);
		}
	json_object_foreach((json_t *)a, k, v)
		if (!is_handled(k) && !json_object_get(b, k)) {
			loc_t w = sub(la, buf, k);
			flags |= emit(c, SEAM_DIFF_UNKNOWN, &w, v, NULL, -1, k);
		}
	return flags;
}

/* $ref beside other keywords: an extra conjunct. Compared like an allOf member. */
static int cmp_ref(ctx_t *c, const json_t *a, const loc_t *la, const json_t *b, const loc_t *lb,
		   int depth)
{
	const char *ra = json_string_value(json_object_get(a, "$ref"));
	const char *rb = json_string_value(json_object_get(b, "$ref"));
	char da[LOC_MAX], pa[LOC_MAX], db[LOC_MAX], pb[LOC_MAX], detail[300], b1[LOC_MAX];
	const json_t *ta = true_schema(), *tb = true_schema();
	loc_t lta = sub(la, b1, "$ref"), ltb = *lb;
	if (!ra && !rb) {
		if (json_object_get(a, "$ref") || json_object_get(b, "$ref"))
			if (!same(json_object_get(a, "$ref"), json_object_get(b, "$ref")))
				return emit(c, SEAM_DIFF_UNKNOWN, lb, json_object_get(a, "$ref"),
					    json_object_get(b, "$ref"), -1, "$ref is not a string");
		return 0;
	}
	if (ra) {
		if (!(ta = resolve(c, &c->o, la->doc, ra, da, pa)))
			return 0;
		lta = (loc_t){da, pa};
	}
	if (rb) {
		if (!(tb = resolve(c, &c->n, lb->doc, rb, db, pb)))
			return 0;
		ltb = (loc_t){db, pb};
	}
	if (ra && rb && strcmp(ra, rb) == 0)
		return compare(c, ta, lta, tb, ltb, depth + 1);
	int f = compare_quiet(c, ta, lta, tb, ltb, depth + 1, detail, sizeof detail);
	char w[LOC_MAX];
	loc_t where = sub(rb ? lb : la, w, "$ref");
	return emit(c, SEAM_DIFF_REF_CHANGED, &where, json_object_get(a, "$ref"),
		    json_object_get(b, "$ref"), f, detail);
}

static size_t pair_hash(const json_t *a, const json_t *b)
{
	uint64_t h = (uint64_t)(uintptr_t)a * UINT64_C(0x9E3779B97F4A7C15) ^
		     ((uint64_t)(uintptr_t)b + UINT64_C(0x632BE59BD9B4E019));
	return (size_t)(h ^ (h >> 29));
}

static pair_t *pair_get(ctx_t *c, const json_t *a, const json_t *b)
{
	if (!c->cap)
		return NULL;
	for (size_t i = pair_hash(a, b) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		if (!c->pairs[i].a)
			return NULL;
		if (c->pairs[i].a == a && c->pairs[i].b == b)
			return &c->pairs[i];
	}
}

/* Adds (a, b) in progress and listed unless quiet; 0 when out of memory. */
static int pair_add(ctx_t *c, const json_t *a, const json_t *b)
{
	if ((c->npairs + 1) * 2 > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		pair_t *np = calloc(ncap, sizeof *np), *old = c->pairs;
		if (!np)
			return 0;
		for (size_t k = 0; k < c->cap; k++)
			if (old[k].a) {
				size_t i = pair_hash(old[k].a, old[k].b) & (ncap - 1);
				while (np[i].a)
					i = (i + 1) & (ncap - 1);
				np[i] = old[k];
			}
		free(old);
		c->pairs = np;
		c->cap = ncap;
	}
	size_t i = pair_hash(a, b) & (c->cap - 1);
	while (c->pairs[i].a)
		i = (i + 1) & (c->cap - 1);
	c->pairs[i] = (pair_t){a, b, 0, 0, !c->quiet};
	c->npairs++;
	return 1;
}

static int compare(ctx_t *c, const json_t *a, loc_t la, const json_t *b, loc_t lb, int depth)
{
	char da[LOC_MAX], pa[LOC_MAX], db[LOC_MAX], pb[LOC_MAX];
	int flags = 0;

	if (c->rc != SEAM_OK)
		return 0;
	if (depth > MAX_DEPTH || ++c->steps > MAX_STEPS) {
		if (c->gave_up || same(a, b))
			return 0;
		c->gave_up = 1;
		return emit(c, SEAM_DIFF_UNKNOWN, &lb, NULL, NULL, -1,
			    depth > MAX_DEPTH ? "nested too deeply to compare"
					      : "too large to compare");
	}
	/* a schema that is only a $ref is its target */
	for (int hop = 0; ref_only(a) && ref_only(b) == 0 && hop < MAX_REF_HOPS; hop++) {
		const json_t *t = resolve(c, &c->o, la.doc, json_string_value(json_object_get(a, "$ref")),
					  da, pa);
		if (!t)
			return 0;
		a = t;
		la = (loc_t){da, pa};
	}
	for (int hop = 0; ref_only(b) && ref_only(a) == 0 && hop < MAX_REF_HOPS; hop++) {
		const json_t *t = resolve(c, &c->n, lb.doc, json_string_value(json_object_get(b, "$ref")),
					  db, pb);
		if (!t)
			return 0;
		b = t;
		lb = (loc_t){db, pb};
	}
	if (c->rc != SEAM_OK)
		return 0;

	pair_t *seen = pair_get(c, a, b);
	if (seen && seen->state == 0)
		return 0; /* a cycle: its changes are found on the way down */
	if (seen && (seen->listed || c->quiet))
		return seen->flags;
	if (seen) {
		/* judged inside a wrapper only: compare again so the changes are listed */
		seen->state = 0;
		seen->listed = 1;
	} else if (!pair_add(c, a, b)) {
		return fail(c, SEAM_NOMEM, "diff: out of memory");
	}

	if (is_false(a) || is_false(b)) {
		if (!(is_false(a) && is_false(b)))
			flags = is_false(a) ? emit(c, SEAM_DIFF_CONTENT_OPENED, &lb, a, b, -1, NULL)
					    : emit(c, SEAM_DIFF_CONTENT_CLOSED, &lb, a, b, -1, NULL);
		goto done;
	}
	if (!json_is_object(a) && !json_is_true(a)) {
		fail(c, SEAM_PARSE, "old schema: %s%s%s is not a schema (object or boolean)", la.doc,
		     *la.ptr ? "#" : "", la.ptr);
		goto done;
	}
	if (!json_is_object(b) && !json_is_true(b)) {
		fail(c, SEAM_PARSE, "new schema: %s%s%s is not a schema (object or boolean)", lb.doc,
		     *lb.ptr ? "#" : "", lb.ptr);
		goto done;
	}
	{
		/* true is {} from here on */
		json_t *ea = json_is_true(a) ? json_object() : NULL, *eb = json_is_true(b) ? json_object() : NULL;
		const json_t *oa = ea ? ea : a, *ob = eb ? eb : b;
		if ((json_is_true(a) && !ea) || (json_is_true(b) && !eb)) {
			json_decref(ea);
			json_decref(eb);
			fail(c, SEAM_NOMEM, "diff: out of memory");
			goto done;
		}
		flags |= cmp_ref(c, oa, &la, ob, &lb, depth);
		flags |= cmp_type(c, oa, &la, ob, &lb);
		flags |= cmp_values(c, oa, &la, ob, &lb);
		flags |= cmp_numeric(c, oa, &la, ob, &lb);
		flags |= cmp_counts(c, oa, &la, ob, &lb);
		flags |= cmp_string_kw(c, oa, &la, ob, &lb, "pattern", SEAM_DIFF_PATTERN_ADDED,
				       SEAM_DIFF_PATTERN_REMOVED, SEAM_DIFF_PATTERN_CHANGED);
		flags |= cmp_string_kw(c, oa, &la, ob, &lb, "format", SEAM_DIFF_FORMAT_ADDED,
				       SEAM_DIFF_FORMAT_REMOVED, SEAM_DIFF_FORMAT_CHANGED);
		flags |= cmp_required(c, oa, &la, ob, &lb);
		flags |= cmp_properties(c, oa, &la, ob, &lb, depth);
		flags |= cmp_items(c, oa, &la, ob, &lb, depth);
		flags |= cmp_branches(c, oa, &la, ob, &lb, "allOf", depth);
		flags |= cmp_branches(c, oa, &la, ob, &lb, "anyOf", depth);
		flags |= cmp_branches(c, oa, &la, ob, &lb, "oneOf", depth);
		flags |= cmp_not_if(c, oa, &la, ob, &lb, depth);
		flags |= cmp_rest(c, oa, &la, ob, &lb);
		json_decref(ea);
		json_decref(eb);
	}
done:
	/* the table may have grown meanwhile: find the pair again */
	if ((seen = pair_get(c, a, b))) {
		seen->state = 1;
		seen->flags = flags;
	}
	return flags;
}

seam_err_t seam_diff(const seam_diff_side_t *old, const seam_diff_side_t *new_,
		     json_t **changes, seam_error_t *err)
{
	ctx_t c = {.o = {.in = old}, .n = {.in = new_}, .err = err, .rc = SEAM_OK};
	const char *po = old->path ? old->path : "", *pn = new_->path ? new_->path : "";
	*changes = NULL;
	if (!(c.out = json_array()))
		return seam_errorf(err, SEAM_NOMEM, "diff: out of memory");
	if (!old->doc || !new_->doc) {
		c.rc = seam_errorf(err, SEAM_INVAL, "diff: no schema");
	} else {
		compare(&c, old->doc, (loc_t){po, ""}, new_->doc, (loc_t){pn, ""}, 0);
	}
	for (size_t i = 0; i < c.o.ndocs; i++) {
		free(c.o.docs[i].path);
		json_decref(c.o.docs[i].doc);
	}
	for (size_t i = 0; i < c.n.ndocs; i++) {
		free(c.n.docs[i].path);
		json_decref(c.n.docs[i].doc);
	}
	free(c.o.docs);
	free(c.n.docs);
	free(c.pairs);
	if (c.rc != SEAM_OK) {
		json_decref(c.out);
		return c.rc;
	}
	*changes = c.out;
	return SEAM_OK;
}

bool seam_diff_breaks(const json_t *changes, seam_compat_e mode)
{
	size_t i;
	const json_t *ch;
	json_array_foreach(changes, i, ch) {
		int b = json_is_true(json_object_get(ch, "breaks_backward"));
		int f = json_is_true(json_object_get(ch, "breaks_forward"));
		if ((mode == SEAM_COMPAT_BACKWARD && b) || (mode == SEAM_COMPAT_FORWARD && f) ||
		    (mode == SEAM_COMPAT_FULL && (b || f)))
			return true;
	}
	return false;
}

static const char *const mode_names[] = {"none", "backward", "forward", "full"};

int seam_diff_mode_parse(const char *s, seam_compat_e *mode, bool *transitive)
{
	static const char suffix[] = "-transitive";
	size_t n = strlen(s), sl = sizeof suffix - 1;
	bool tr = n > sl && strcmp(s + n - sl, suffix) == 0;
	if (tr)
		n -= sl;
	for (size_t i = 0; i < 4; i++)
		if (strlen(mode_names[i]) == n && strncmp(s, mode_names[i], n) == 0) {
			*mode = (seam_compat_e)i;
			*transitive = tr;
			return 0;
		}
	return -1;
}

const char *seam_diff_mode_name(seam_compat_e mode)
{
	return (unsigned)mode < 4 ? mode_names[mode] : "?";
}

char *seam_diff_relative_ref(const char *base, const char *uri)
{
	size_t plen = 0, slashes = 0, ups = 0;
	const char *q = strchr(base, '#'), *uq = strchr(uri, '#');
	size_t blen = q ? (size_t)(q - base) : strlen(base), ulen = uq ? (size_t)(uq - uri) : strlen(uri);
	char *out;
	/* the longest common prefix that ends with '/' */
	for (size_t i = 0; i < blen && i < ulen && base[i] == uri[i]; i++)
		if (base[i] == '/')
			plen = i + 1;
	for (size_t i = 0; i < plen; i++)
		slashes += base[i] == '/';
	if (!has_scheme(base) || slashes < 3 || !strstr(base, "://"))
		return NULL; /* not even the same scheme://authority/ */
	for (size_t i = plen; i < blen; i++)
		ups += base[i] == '/';
	if (!(out = malloc(ups * 3 + (ulen - plen) + 1)))
		return NULL;
	for (size_t i = 0; i < ups; i++)
		memcpy(out + i * 3, "../", 3);
	memcpy(out + ups * 3, uri + plen, ulen - plen);
	out[ups * 3 + ulen - plen] = '\0';
	return out;
}

json_t *seam_diff_load_dir(const char *path, void *ud)
{
	char full[PATH_MAX];
	if (has_scheme(path))
		return NULL;
	snprintf(full, sizeof full, "%s/%s", (const char *)ud, path);
	return json_load_file(full, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
}

json_t *seam_diff_load_registry(const char *path, void *ud)
{
	const json_t *d = seam__contracts_doc(ud, path);
	return d ? json_incref((json_t *)d) : NULL;
}
