/*
 * schema.c: schema sets: documents, identifiers and compilation (validation is in
 * schema_eval.c; the compiled form and the two passes are described in schema_int.h).
 *
 * Identifiers: a document is a resource under its retrieval URI and, when its root has an
 * `$id`, under that too (one res_t, two names). Every `$id` below resolves against the base in
 * effect and starts a new resource; `$anchor` and `$dynamicAnchor` names are registered as
 * "<resource uri>#<name>". A `$ref` resolves against its node's base; the part before '#'
 * names a resource (asking the resolver when none does), the fragment is a JSON pointer
 * (percent-decoded, then ~0 ~1) walked from that resource's root, or an anchor name.
 *
 * Vocabularies: the 2020-12 meta-schema's are known here, so seam needs no meta-schema at run
 * time. A `$schema` naming another meta-schema is looked up like a `$ref` target and its
 * `$vocabulary` decides which keywords count; a required vocabulary seam does not know fails
 * compilation (2020-12, 8.1.2).
 *
 * Every compile error says where: "uri#/json/pointer: what is wrong".
 *
 * The compiled form copies what validation needs (names, patterns' text, enum and const
 * values), so validation never reads the documents; seam_schema_set_get() does walk them (a
 * JSON pointer is looked up in the document, then its node), so a caller that changes a
 * document after compile gets lookups by pointer that follow the change.
 *
 * Thread-safety: a set is built by one thread; see schema.h.
 */
#include "contract/schema.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/regex.h"
#include "contract/schema_int.h"
#include "contract/uri.h"
#include "core/buf.h"

#define META_2020 "https://json-schema.org/draft/2020-12/schema"
#define SCAN_DEPTH_MAX 2000

/* ---------------------------------------------------------------------------------------- */
/* One small open-addressing map (linear probing, at most half full) for both kinds of key:
 * strings compared by content (uri -> res_t, "uri#name" -> anchor_t) and pointers compared by
 * address (json_t -> node_t). Keys are not owned (they live in the set's arena or in the
 * documents). */

typedef struct map {
	const void **keys;
	void **vals;
	size_t cap, n;
	bool by_ptr; /* keys are compared as pointers; otherwise as NUL-terminated strings */
} map_t;

static size_t map_hash(const map_t *m, const void *k)
{
	if (m->by_ptr)
		return (size_t)(((uintptr_t)k >> 4) * 11400714819323198485ULL);
	size_t h = 1469598103934665603ULL;
	for (const char *s = k; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool map_eq(const map_t *m, const void *a, const void *b)
{
	return a == b || (!m->by_ptr && strcmp(a, b) == 0);
}

static void *map_get(const map_t *m, const void *k)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = map_hash(m, k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return NULL;
		if (map_eq(m, m->keys[i], k))
			return m->vals[i];
	}
}

static bool map_put(map_t *m, const void *k, void *v)
{
	if ((m->n + 1) * 2 > m->cap) {
		/* pointer maps hold every schema object: start them larger */
		size_t nc = m->cap ? m->cap * 2 : m->by_ptr ? 256 : 64;
		map_t o = *m;
		m->keys = calloc(nc, sizeof(*m->keys));
		m->vals = calloc(nc, sizeof(*m->vals));
		if (!m->keys || !m->vals) {
			free(m->keys);
			free(m->vals);
			*m = o;
			return false;
		}
		m->cap = nc;
		m->n = 0;
		for (size_t i = 0; i < o.cap; i++)
			if (o.keys[i])
				map_put(m, o.keys[i], o.vals[i]);
		free(o.keys);
		free(o.vals);
	}
	for (size_t i = map_hash(m, k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i]) {
			m->keys[i] = k;
			m->vals[i] = v;
			m->n++;
			return true;
		}
		if (map_eq(m, m->keys[i], k)) {
			m->vals[i] = v;
			return true;
		}
	}
}

static void map_dispose(map_t *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---------------------------------------------------------------------------------------- */

typedef struct anchor {
	node_t *node;
	bool dynamic;
} anchor_t;

struct seam_schema_set {
	json_t **docs;
	const char **doc_uris;
	size_t ndocs, capdocs, nscanned;
	void **owned; /* every allocation the compiled form holds, freed at destroy */
	size_t nowned, capowned;
	seam_regex_t **regexes;
	size_t nregexes, capregexes;
	map_t resources; /* uri -> res_t */
	map_t anchors;   /* "uri#name" -> anchor_t */
	map_t nodes;     /* json_t (object schema) -> node_t, by_ptr */
	node_t **all;     /* every node, in creation order: the compile work list */
	size_t nall, capall;
	seam_schema_resolve_fn resolve;
	void *resolve_ud;
	bool compiled, broken;
	node_t *true_node, *false_node;
	res_t *res_list; /* every resource once (the map has aliases) */
	json_t *kept;     /* copies of enum and const values, so the documents may change later */
	/* the last $schema looked up and its vocabularies (nodes share the pointer) */
	const char *voc_uri;
	unsigned voc;
};

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	void *np = realloc(*p, nc * size);
	if (!np)
		return false;
	*p = np;
	*cap = nc;
	return true;
}

static void *own(seam_schema_set_t *set, void *p)
{
	if (!p)
		return NULL;
	if (!grow((void **)&set->owned, &set->capowned, set->nowned + 1, sizeof(void *))) {
		free(p);
		return NULL;
	}
	set->owned[set->nowned++] = p;
	return p;
}

static void *zalloc(seam_schema_set_t *set, size_t n)
{
	return own(set, calloc(1, n ? n : 1));
}

static char *sdup(seam_schema_set_t *set, const char *s)
{
	return own(set, strdup(s));
}

/* n bytes of p (which may hold NULs), NUL-terminated, owned by the set */
static char *mdup(seam_schema_set_t *set, const char *p, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, p, n);
	d[n] = '\0';
	return own(set, d);
}

static char *sprintf_own(seam_schema_set_t *set, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *sprintf_own(seam_schema_set_t *set, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return own(set, s);
}

/* loc + "/" + the JSON-pointer escaped token (n bytes) */
static char *loc_add(seam_schema_set_t *set, const char *loc, const char *tok, size_t n)
{
	seam_buf_t b;
	char *out = NULL;
	seam_buf_init(&b, 1 << 20);
	seam_buf_adds(&b, loc);
	seam_buf_adds(&b, "/");
	for (size_t i = 0; i < n; i++) {
		if (tok[i] == '~')
			seam_buf_adds(&b, "~0");
		else if (tok[i] == '/')
			seam_buf_adds(&b, "~1");
		else
			seam_buf_add(&b, tok + i, 1);
	}
	if (seam_buf_take(&b, &out, NULL) != SEAM_OK)
		out = NULL;
	seam_buf_dispose(&b);
	return own(set, out);
}

static char *loc_idx(seam_schema_set_t *set, const char *loc, const char *kw, size_t i)
{
	return sprintf_own(set, "%s/%s/%zu", loc, kw, i);
}

seam_schema_set_t *seam_schema_set_create(void)
{
	seam_schema_set_t *set = calloc(1, sizeof(*set));
	if (set)
		set->nodes.by_ptr = true;
	return set;
}

void seam_schema_set_destroy(seam_schema_set_t *set)
{
	if (!set)
		return;
	for (res_t *r = set->res_list; r; r = r->next)
		free(r->dyn);
	for (size_t i = 0; i < set->nregexes; i++)
		seam_regex_free(set->regexes[i]);
	for (size_t i = 0; i < set->nowned; i++)
		free(set->owned[i]);
	for (size_t i = 0; i < set->ndocs; i++)
		json_decref(set->docs[i]);
	free(set->regexes);
	free(set->owned);
	free(set->docs);
	free(set->doc_uris);
	map_dispose(&set->resources);
	map_dispose(&set->anchors);
	map_dispose(&set->nodes);
	free(set->all);
	json_decref(set->kept);
	free(set);
}

void seam_schema_set_resolver(seam_schema_set_t *set, seam_schema_resolve_fn fn, void *ud)
{
	set->resolve = fn;
	set->resolve_ud = ud;
}

seam_err_t seam_schema_set_add(seam_schema_set_t *set, const char *uri, json_t *doc,
			       seam_error_t *err)
{
	char *u = NULL;
	seam_err_t rc = SEAM_INVAL;
	if (!set || !uri || !doc) {
		seam_errorf(err, SEAM_INVAL, "schema: add needs a set, a URI and a document");
		goto out;
	}
	if (set->compiled) {
		seam_errorf(err, SEAM_INVAL, "%s: the set is already compiled", uri);
		goto out;
	}
	if (!json_is_object(doc) && !json_is_boolean(doc)) {
		seam_errorf(err, SEAM_INVAL, "%s: a schema is an object or a boolean", uri);
		goto out;
	}
	u = seam__uri_strip(uri, NULL);
	if (!u || !own(set, u)) {
		rc = seam_errorf(err, SEAM_NOMEM, "%s: out of memory", uri);
		goto out;
	}
	if (!grow((void **)&set->docs, &set->capdocs, set->ndocs + 1, sizeof(json_t *))) {
		rc = seam_errorf(err, SEAM_NOMEM, "%s: out of memory", uri);
		goto out;
	}
	/* doc_uris grows in step with docs (same capacity) */
	const char **nu = realloc(set->doc_uris, set->capdocs * sizeof(char *));
	if (!nu) {
		rc = seam_errorf(err, SEAM_NOMEM, "%s: out of memory", uri);
		goto out;
	}
	set->doc_uris = nu;
	set->docs[set->ndocs] = json_incref(doc);
	set->doc_uris[set->ndocs] = u;
	set->ndocs++;
	rc = SEAM_OK;
out:
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* scan */

typedef struct cc {
	seam_schema_set_t *set;
	seam_error_t *err;
} cc_t;

static seam_err_t nomem(cc_t *c)
{
	return seam_errorf(c->err, SEAM_NOMEM, "schema: out of memory");
}

static res_t *res_get_or_make(cc_t *c, const char *uri, json_t *root)
{
	res_t *r = map_get(&c->set->resources, uri);
	if (r)
		return r;
	r = zalloc(c->set, sizeof(*r));
	if (!r || !(r->uri = sdup(c->set, uri)))
		return NULL;
	r->root = root;
	if (!map_put(&c->set->resources, r->uri, r))
		return NULL;
	r->next = c->set->res_list;
	c->set->res_list = r;
	return r;
}

static bool anchor_name_ok(const char *s)
{
	/* 2020-12 8.2.2: ^[A-Za-z_][-A-Za-z0-9._]*$ */
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

static seam_err_t add_anchor(cc_t *c, node_t *n, const char *kw, bool dynamic)
{
	json_t *a = json_object_get(n->json, kw);
	const char *name;
	char *key;
	anchor_t *an;
	if (!a)
		return SEAM_OK;
	if (!json_is_string(a) || !anchor_name_ok(json_string_value(a)))
		return seam_errorf(c->err, SEAM_PARSE, "%s/%s: must be a name matching ^[A-Za-z_][-A-Za-z0-9._]*$",
				   n->loc, kw);
	name = json_string_value(a);
	key = sprintf_own(c->set, "%s#%s", n->res->uri, name);
	if (!key)
		return nomem(c);
	an = map_get(&c->set->anchors, key);
	if (an) {
		/* $anchor and $dynamicAnchor of one name on one node are one anchor, dynamic */
		if (an->node != n)
			return seam_errorf(c->err, SEAM_PARSE, "%s/%s: anchor '%s' is already defined at %s",
					   n->loc, kw, name, an->node->loc);
		an->dynamic |= dynamic;
	} else {
		if (!(an = zalloc(c->set, sizeof(*an))))
			return nomem(c);
		an->node = n;
		an->dynamic = dynamic;
		if (!map_put(&c->set->anchors, key, an))
			return nomem(c);
	}
	if (dynamic) {
		res_t *r = n->res;
		/* r->dyn is the resource's own (freed at destroy from the resource list) */
		if (!grow((void **)&r->dyn, &r->capdyn, r->ndyn + 1, sizeof(*r->dyn)))
			return nomem(c);
		r->dyn[r->ndyn].name = sdup(c->set, name);
		r->dyn[r->ndyn].node = n;
		if (!r->dyn[r->ndyn].name)
			return nomem(c);
		r->ndyn++;
	}
	return SEAM_OK;
}

static seam_err_t scan(cc_t *c, json_t *js, const char *base, res_t *res, const char *schema_uri,
		       const char *loc, int depth);

static const char *const SCAN_ONE[] = { "additionalProperties", "unevaluatedItems",
					"unevaluatedProperties", "items", "contains",
					"propertyNames", "not", "if", "then", "else" };
static const char *const SCAN_MAP[] = { "$defs", "properties", "patternProperties",
					"dependentSchemas", "dependencies" };
static const char *const SCAN_ARR[] = { "allOf", "anyOf", "oneOf", "prefixItems" };

static seam_err_t scan_child(cc_t *c, json_t *cj, node_t *n, const char *loc, int depth)
{
	if (!loc)
		return nomem(c);
	if (!json_is_object(cj))
		return SEAM_OK;
	return scan(c, cj, n->base, n->res, n->schema_uri, loc, depth + 1);
}

static seam_err_t scan(cc_t *c, json_t *js, const char *base, res_t *res, const char *schema_uri,
		       const char *loc, int depth)
{
	seam_schema_set_t *set = c->set;
	json_t *id = json_object_get(js, "$id"), *sch = json_object_get(js, "$schema");
	node_t *n = NULL;
	char *full = NULL, *nb = NULL;
	const char *frag = NULL, *loc0 = loc;
	seam_err_t rc = SEAM_OK;

	if (map_get(&set->nodes, js))
		goto out;
	if (depth > SCAN_DEPTH_MAX) {
		rc = seam_errorf(c->err, SEAM_PARSE, "%s: schema nested deeper than %d levels", loc,
				 SCAN_DEPTH_MAX);
		goto out;
	}
	if (id) {
		if (!json_is_string(id)) {
			rc = seam_errorf(c->err, SEAM_PARSE, "%s/$id: must be a string", loc);
			goto out;
		}
		full = seam__uri_resolve(base, json_string_value(id));
		if (!full || !(nb = seam__uri_strip(full, &frag))) {
			rc = nomem(c);
			goto out;
		}
		if (frag && *frag) {
			rc = seam_errorf(c->err, SEAM_PARSE, "%s/$id: must not have a fragment ('%s')", loc,
					 json_string_value(id));
			goto out;
		}
		if (!own(set, nb)) {
			nb = NULL;
			rc = nomem(c);
			goto out;
		}
		base = nb;
		nb = NULL;
		if (!(res = res_get_or_make(c, base, js)) || !(loc = sprintf_own(set, "%s#", base))) {
			rc = nomem(c);
			goto out;
		}
		if (res->root != js) {
			node_t *other = map_get(&set->nodes, res->root);
			rc = seam_errorf(c->err, SEAM_EXISTS, "%s/$id: '%s' already identifies the schema at %s",
					 loc0, base, other ? other->loc : res->uri);
			goto out;
		}
	}
	if (sch) {
		char *s;
		if (!json_is_string(sch)) {
			rc = seam_errorf(c->err, SEAM_PARSE, "%s/$schema: must be a string", loc);
			goto out;
		}
		s = seam__uri_resolve(base, json_string_value(sch));
		if (!s || !own(set, s)) {
			rc = nomem(c);
			goto out;
		}
		/* "…/schema#" and "…/schema" name the same meta-schema */
		if (s[0] && s[strlen(s) - 1] == '#')
			s[strlen(s) - 1] = '\0';
		schema_uri = s;
	}
	if (!(n = zalloc(set, sizeof(*n))) || !map_put(&set->nodes, js, n) ||
	    !grow((void **)&set->all, &set->capall, set->nall + 1, sizeof(node_t *))) {
		rc = nomem(c);
		goto out;
	}
	set->all[set->nall++] = n;
	n->kind = SEAM__N_OBJ;
	n->json = js;
	n->base = base;
	n->res = res;
	n->schema_uri = schema_uri;
	n->loc = loc;
	n->format = -1;
	if (res->root == js)
		res->root_node = n;
	if ((rc = add_anchor(c, n, "$anchor", false)) != SEAM_OK ||
	    (rc = add_anchor(c, n, "$dynamicAnchor", true)) != SEAM_OK)
		goto out;
	for (size_t k = 0; k < sizeof(SCAN_ONE) / sizeof(*SCAN_ONE); k++) {
		json_t *cj = json_object_get(js, SCAN_ONE[k]);
		if (json_is_object(cj) &&
		    (rc = scan_child(c, cj, n, loc_add(set, loc, SCAN_ONE[k], strlen(SCAN_ONE[k])), depth)))
			goto out;
	}
	for (size_t k = 0; k < sizeof(SCAN_MAP) / sizeof(*SCAN_MAP); k++) {
		json_t *m = json_object_get(js, SCAN_MAP[k]), *cj;
		const char *key;
		size_t klen;
		if (!json_is_object(m))
			continue;
		json_object_keylen_foreach(m, key, klen, cj) {
			if (!json_is_object(cj))
				continue;
			char *l1 = loc_add(set, loc, SCAN_MAP[k], strlen(SCAN_MAP[k]));
			if ((rc = scan_child(c, cj, n, l1 ? loc_add(set, l1, key, klen) : NULL, depth)))
				goto out;
		}
	}
	for (size_t k = 0; k < sizeof(SCAN_ARR) / sizeof(*SCAN_ARR); k++) {
		json_t *a = json_object_get(js, SCAN_ARR[k]), *cj;
		size_t i;
		if (!json_is_array(a))
			continue;
		json_array_foreach(a, i, cj) {
			if (json_is_object(cj) &&
			    (rc = scan_child(c, cj, n, loc_idx(set, loc, SCAN_ARR[k], i), depth)))
				goto out;
		}
	}
out:
	free(full);
	free(nb);
	return rc;
}

/* Scans document i (its root is a resource under its retrieval URI and its $id). */
static seam_err_t scan_doc(cc_t *c, size_t i)
{
	seam_schema_set_t *set = c->set;
	json_t *doc = set->docs[i];
	const char *uri = set->doc_uris[i];
	res_t *r = map_get(&set->resources, uri);
	node_t *n;
	seam_err_t rc;
	if (r && r->root != doc)
		return seam_errorf(c->err, SEAM_EXISTS, "%s: two documents have this URI", uri);
	if (!(r = res_get_or_make(c, uri, doc)))
		return nomem(c);
	if (json_is_boolean(doc)) {
		if (!(n = zalloc(set, sizeof(*n))) || !(n->loc = sprintf_own(set, "%s#", uri)))
			return nomem(c);
		n->kind = json_is_true(doc) ? SEAM__N_TRUE : SEAM__N_FALSE;
		n->res = r;
		n->compiled = true;
		r->root_node = n;
		return SEAM_OK;
	}
	const char *loc = sprintf_own(set, "%s#", uri);
	if (!loc)
		return nomem(c);
	if ((rc = scan(c, doc, uri, r, NULL, loc, 0)) != SEAM_OK)
		return rc;
	n = map_get(&set->nodes, doc);
	/* with a top-level $id the root is its own resource; the retrieval URI names it too */
	if (n && n->res != r) {
		if (!map_put(&set->resources, uri, n->res))
			return nomem(c);
	}
	r->root_node = n;
	return SEAM_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* resolution */

/* The resource at uri, asking the resolver when no document defines it. SEAM_OK with *out NULL
 * when nobody knows it; an error (with its message) when the resolver's document is broken. */
static seam_err_t find_res(cc_t *c, const char *uri, res_t **out)
{
	seam_schema_set_t *set = c->set;
	json_t *doc = NULL;
	seam_err_t rc = SEAM_OK;
	*out = map_get(&set->resources, uri);
	if (*out || !set->resolve)
		goto out;
	if (!(doc = set->resolve(uri, set->resolve_ud)))
		goto out;
	if ((rc = seam_schema_set_add(set, uri, doc, c->err)) != SEAM_OK)
		goto out;
	if ((rc = scan_doc(c, set->ndocs - 1)) != SEAM_OK)
		goto out;
	set->nscanned = set->ndocs;
	*out = map_get(&set->resources, uri);
out:
	json_decref(doc); /* the set holds its own reference */
	return rc;
}

static node_t *bool_node(cc_t *c, bool v, const char *loc, res_t *res)
{
	node_t *n = zalloc(c->set, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = v ? SEAM__N_TRUE : SEAM__N_FALSE;
	n->loc = loc;
	n->res = res;
	n->compiled = true;
	n->format = -1;
	return n;
}

/* Walks a JSON pointer (already percent-decoded) from root; NULL when it leads nowhere. Also
 * reports the last scanned node passed on the way (its base is the target's, for targets
 * under unknown keywords). */
static json_t *walk_ptr(const map_t *nodes, json_t *root, char *ptr, node_t **last)
{
	json_t *cur = root;
	char *p = ptr;
	*last = map_get(nodes, root);
	if (*p == '\0')
		return cur;
	if (*p != '/')
		return NULL;
	while (*p == '/') {
		char *tok = p + 1, *end = strchr(tok, '/');
		size_t len = end ? (size_t)(end - tok) : strlen(tok);
		char save = end ? *end : '\0';
		if (end)
			*end = '\0';
		if (!seam__uri_ptr_unescape(tok, &len))
			return NULL;
		if (json_is_object(cur)) {
			cur = json_object_getn(cur, tok, len);
		} else if (json_is_array(cur)) {
			char *e;
			unsigned long long ix;
			if (len == 0 || (len > 1 && tok[0] == '0') || tok[0] < '0' || tok[0] > '9')
				return NULL;
			errno = 0;
			ix = strtoull(tok, &e, 10);
			if (errno || *e)
				return NULL;
			cur = json_array_get(cur, (size_t)ix);
		} else {
			cur = NULL;
		}
		if (!cur)
			return NULL;
		node_t *n = map_get(nodes, cur);
		if (n)
			*last = n;
		if (!end)
			break;
		*end = save;
		p = end;
	}
	return cur;
}

/* Resolves ref (as written at node n, keyword kw) to a node. *dyn_name is set to the anchor
 * name when the target is a $dynamicAnchor (only $dynamicRef asks). */
static seam_err_t resolve_ref(cc_t *c, node_t *n, const char *kw, const char *ref, node_t **out,
			      const char **dyn_name)
{
	seam_schema_set_t *set = c->set;
	char *full = NULL, *u = NULL, *dec = NULL;
	const char *frag = NULL;
	res_t *r;
	seam_err_t rc = SEAM_OK;
	*out = NULL;
	if (dyn_name)
		*dyn_name = NULL;
	if (!(full = seam__uri_resolve(n->base, ref)) || !(u = seam__uri_strip(full, &frag))) {
		rc = nomem(c);
		goto out;
	}
	if ((rc = find_res(c, u, &r)) != SEAM_OK)
		goto out;
	if (!r) {
		rc = seam_errorf(c->err, SEAM_NOTFOUND, "%s/%s: cannot resolve '%s': no schema '%s' is known",
				 n->loc, kw, ref, u);
		goto out;
	}
	if (!frag || !*frag) {
		*out = r->root_node;
		if (!*out)
			*out = map_get(&set->nodes, r->root);
	} else {
		size_t dl;
		if (!(dec = seam__uri_pct_decode(frag, strlen(frag), &dl))) {
			rc = seam_errorf(c->err, SEAM_PARSE, "%s/%s: '%s' has a malformed %%-escape", n->loc, kw, ref);
			goto out;
		}
		if (dec[0] == '/') {
			node_t *last = NULL;
			json_t *t = walk_ptr(&set->nodes, r->root, dec, &last);
			if (!t) {
				rc = seam_errorf(c->err, SEAM_NOTFOUND, "%s/%s: '%s' points to nothing", n->loc,
						 kw, ref);
				goto out;
			}
			if (json_is_boolean(t)) {
				const char *l = sprintf_own(set, "%s#%s", r->uri, frag);
				*out = l ? bool_node(c, json_is_true(t), l, last ? last->res : NULL) : NULL;
			} else if (json_is_object(t)) {
				*out = map_get(&set->nodes, t);
				if (!*out) {
					/* under a keyword scan does not know: a schema only because it is
					 * referenced; its base is the nearest scanned ancestor's */
					const char *l = sprintf_own(set, "%s#%s", r->uri, frag);
					if (!l) {
						rc = nomem(c);
						goto out;
					}
					if ((rc = scan(c, t, last ? last->base : r->uri, last ? last->res : r,
						       last ? last->schema_uri : NULL, l, 0)) != SEAM_OK)
						goto out;
					*out = map_get(&set->nodes, t);
				}
			} else {
				rc = seam_errorf(c->err, SEAM_PARSE, "%s/%s: '%s' points to a %s, not a schema",
						 n->loc, kw, ref, json_is_array(t) ? "array" : "scalar");
				goto out;
			}
		} else {
			char *key = NULL;
			anchor_t *an;
			if (asprintf(&key, "%s#%s", r->uri, dec) < 0) {
				rc = nomem(c);
				goto out;
			}
			an = map_get(&set->anchors, key);
			free(key);
			if (!an) {
				rc = seam_errorf(c->err, SEAM_NOTFOUND, "%s/%s: '%s': no anchor '%s' in %s",
						 n->loc, kw, ref, dec, r->uri);
				goto out;
			}
			*out = an->node;
			if (dyn_name && an->dynamic && !(*dyn_name = sdup(set, dec))) {
				rc = nomem(c);
				goto out;
			}
		}
	}
	if (!*out && rc == SEAM_OK)
		rc = nomem(c);
out:
	free(full);
	free(u);
	free(dec);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* vocabularies */

static const struct {
	const char *uri;
	unsigned bit;
} VOCABS[] = {
	{ "https://json-schema.org/draft/2020-12/vocab/core", SEAM__VOC_CORE },
	{ "https://json-schema.org/draft/2020-12/vocab/applicator", SEAM__VOC_APPLICATOR },
	{ "https://json-schema.org/draft/2020-12/vocab/unevaluated", SEAM__VOC_UNEVALUATED },
	{ "https://json-schema.org/draft/2020-12/vocab/validation", SEAM__VOC_VALIDATION },
	{ "https://json-schema.org/draft/2020-12/vocab/meta-data", SEAM__VOC_META },
	{ "https://json-schema.org/draft/2020-12/vocab/format-annotation", SEAM__VOC_FORMAT_ANN },
	{ "https://json-schema.org/draft/2020-12/vocab/format-assertion", SEAM__VOC_FORMAT_ASSERT },
	{ "https://json-schema.org/draft/2020-12/vocab/content", SEAM__VOC_CONTENT },
};

static seam_err_t vocab_of(cc_t *c, node_t *n, unsigned *voc)
{
	seam_schema_set_t *set = c->set;
	const char *uri = n->schema_uri;
	res_t *r;
	json_t *v, *val;
	const char *key;
	seam_err_t rc;
	*voc = SEAM__VOC_DEFAULT;
	if (!uri || strcmp(uri, META_2020) == 0)
		return SEAM_OK;
	if (uri == set->voc_uri) {
		*voc = set->voc;
		return SEAM_OK;
	}
	if ((rc = find_res(c, uri, &r)) != SEAM_OK)
		return rc;
	if (!r)
		return seam_errorf(c->err, SEAM_UNSUPPORTED,
				   "%s/$schema: meta-schema '%s' is not known (seam validates draft 2020-12)",
				   n->loc, uri);
	v = json_object_get(r->root, "$vocabulary");
	if (json_is_object(v)) {
		*voc = SEAM__VOC_CORE;
		json_object_foreach(v, key, val) {
			size_t k;
			for (k = 0; k < sizeof(VOCABS) / sizeof(*VOCABS); k++)
				if (strcmp(VOCABS[k].uri, key) == 0)
					break;
			if (k < sizeof(VOCABS) / sizeof(*VOCABS))
				*voc |= VOCABS[k].bit;
			else if (json_is_true(val))
				return seam_errorf(c->err, SEAM_UNSUPPORTED,
						   "%s/$schema: meta-schema '%s' requires vocabulary '%s', which seam does not know",
						   n->loc, uri, key);
		}
	}
	set->voc_uri = uri;
	set->voc = *voc;
	return SEAM_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* compile */

static seam_err_t bad(cc_t *c, node_t *n, const char *kw, const char *what)
{
	return seam_errorf(c->err, SEAM_PARSE, "%s/%s: %s", n->loc, kw, what);
}

static seam_err_t child(cc_t *c, node_t *n, json_t *cj, const char *loc, const char *kw, node_t **out)
{
	if (!loc)
		return nomem(c);
	if (json_is_boolean(cj)) {
		*out = bool_node(c, json_is_true(cj), loc, n->res);
		return *out ? SEAM_OK : nomem(c);
	}
	if (!json_is_object(cj))
		return seam_errorf(c->err, SEAM_PARSE, "%s: must be a schema (an object or a boolean)", loc);
	*out = map_get(&c->set->nodes, cj);
	if (!*out)
		return seam_errorf(c->err, SEAM_ERR, "%s: subschema was not scanned (%s)", loc, kw);
	return SEAM_OK;
}

static seam_err_t get_one(cc_t *c, node_t *n, const char *kw, node_t **out)
{
	json_t *cj = json_object_get(n->json, kw);
	if (!cj)
		return SEAM_OK;
	return child(c, n, cj, loc_add(c->set, n->loc, kw, strlen(kw)), kw, out);
}

static seam_err_t get_arr(cc_t *c, node_t *n, const char *kw, bool nonempty, node_t ***out, size_t *cnt)
{
	json_t *a = json_object_get(n->json, kw), *cj;
	size_t i;
	seam_err_t rc;
	if (!a)
		return SEAM_OK;
	if (!json_is_array(a) || (nonempty && json_array_size(a) == 0))
		return bad(c, n, kw, nonempty ? "must be a non-empty array of schemas" : "must be an array of schemas");
	if (!(*out = zalloc(c->set, json_array_size(a) * sizeof(node_t *))))
		return nomem(c);
	json_array_foreach(a, i, cj) {
		if ((rc = child(c, n, cj, loc_idx(c->set, n->loc, kw, i), kw, &(*out)[i])) != SEAM_OK)
			return rc;
	}
	*cnt = json_array_size(a);
	return SEAM_OK;
}

static bool get_size(json_t *v, size_t *out)
{
	double d;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return false;
		*out = (size_t)json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	d = json_real_value(v);
	if (!(d >= 0) || floor(d) != d)
		return false;
	*out = d >= 1.8e19 ? SIZE_MAX : (size_t)d;
	return true;
}

static seam_err_t get_sizes(cc_t *c, node_t *n)
{
	static const struct {
		const char *kw;
		uint32_t bit;
		size_t off;
	} SIZES[] = {
		{ "maxLength", SEAM__H_MAXLEN, offsetof(node_t, max_len) },
		{ "minLength", SEAM__H_MINLEN, offsetof(node_t, min_len) },
		{ "maxItems", SEAM__H_MAXITEMS, offsetof(node_t, max_items) },
		{ "minItems", SEAM__H_MINITEMS, offsetof(node_t, min_items) },
		{ "maxContains", SEAM__H_MAXCONT, offsetof(node_t, max_cont) },
		{ "minContains", SEAM__H_MINCONT, offsetof(node_t, min_cont) },
		{ "maxProperties", SEAM__H_MAXPROPS, offsetof(node_t, max_props) },
		{ "minProperties", SEAM__H_MINPROPS, offsetof(node_t, min_props) },
	};
	for (size_t k = 0; k < sizeof(SIZES) / sizeof(*SIZES); k++) {
		json_t *v = json_object_get(n->json, SIZES[k].kw);
		if (!v)
			continue;
		if (!get_size(v, (size_t *)((char *)n + SIZES[k].off)))
			return bad(c, n, SIZES[k].kw, "must be a non-negative integer");
		n->has |= SIZES[k].bit;
	}
	return SEAM_OK;
}

static seam_err_t get_nums(cc_t *c, node_t *n)
{
	static const struct {
		const char *kw;
		uint32_t bit;
		size_t off;
	} NUMS[] = {
		{ "maximum", SEAM__H_MAX, offsetof(node_t, max) },
		{ "exclusiveMaximum", SEAM__H_XMAX, offsetof(node_t, xmax) },
		{ "minimum", SEAM__H_MIN, offsetof(node_t, min) },
		{ "exclusiveMinimum", SEAM__H_XMIN, offsetof(node_t, xmin) },
	};
	json_t *m;
	for (size_t k = 0; k < sizeof(NUMS) / sizeof(*NUMS); k++) {
		json_t *v = json_object_get(n->json, NUMS[k].kw);
		seam__num_t *num = (seam__num_t *)((char *)n + NUMS[k].off);
		if (!v)
			continue;
		if (!json_is_number(v))
			return bad(c, n, NUMS[k].kw, "must be a number");
		num->isint = json_is_integer(v);
		num->i = num->isint ? json_integer_value(v) : 0;
		num->d = json_number_value(v);
		n->has |= NUMS[k].bit;
	}
	if ((m = json_object_get(n->json, "multipleOf"))) {
		if (!json_is_number(m) || !(json_number_value(m) > 0))
			return bad(c, n, "multipleOf", "must be a number greater than 0");
		n->multiple = json_number_value(m);
		n->multiple_int = json_is_integer(m);
		n->multiple_i = n->multiple_int ? json_integer_value(m) : 0;
		n->has |= SEAM__H_MULTIPLE;
	}
	return SEAM_OK;
}

static const char *const TYPE_NAMES[] = { "null", "boolean", "object", "array", "number", "string", "integer" };

static int type_bit(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (strcmp(TYPE_NAMES[i], s) == 0)
			return 1 << i;
	return 0;
}

static seam_err_t get_type(cc_t *c, node_t *n)
{
	json_t *t = json_object_get(n->json, "type"), *e;
	size_t i;
	int b;
	if (!t)
		return SEAM_OK;
	n->has |= SEAM__H_TYPE;
	if (json_is_string(t)) {
		if (!(b = type_bit(json_string_value(t))))
			return bad(c, n, "type", "must be one of null, boolean, object, array, number, string, integer");
		n->types = (unsigned)b;
		return SEAM_OK;
	}
	if (!json_is_array(t))
		return bad(c, n, "type", "must be a type name or an array of them");
	json_array_foreach(t, i, e) {
		if (!json_is_string(e) || !(b = type_bit(json_string_value(e))))
			return bad(c, n, "type", "must be an array of null, boolean, object, array, number, string, integer");
		if (n->types & (unsigned)b)
			return bad(c, n, "type", "lists a type twice");
		n->types |= (unsigned)b;
	}
	return SEAM_OK;
}

static seam_err_t get_strings(cc_t *c, node_t *n, json_t *a, const char *kw, const char ***out, size_t *cnt)
{
	json_t *e;
	size_t i;
	if (!json_is_array(a))
		return bad(c, n, kw, "must be an array of strings");
	if (!(*out = zalloc(c->set, json_array_size(a) * sizeof(char *))))
		return nomem(c);
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			return bad(c, n, kw, "must be an array of strings");
		for (size_t j = 0; j < i; j++)
			if (strcmp((*out)[j], json_string_value(e)) == 0)
				return bad(c, n, kw, "lists a name twice");
		if (!((*out)[i] = sdup(c->set, json_string_value(e))))
			return nomem(c);
	}
	*cnt = json_array_size(a);
	return SEAM_OK;
}

/* The compiled regex (kept in the set's list, freed at destroy); NULL with the error at loc. */
static seam_regex_t *regex(cc_t *c, const char *loc, const char *src, size_t len)
{
	seam_error_t e = { 0 };
	seam_regex_t *re = seam_regex_compile(src, len, &e);
	if (!re) {
		seam_errorf(c->err, SEAM_PARSE, "%s: not a valid regular expression: %s", loc, e.msg);
		return NULL;
	}
	if (!grow((void **)&c->set->regexes, &c->set->capregexes, c->set->nregexes + 1, sizeof(re))) {
		seam_regex_free(re);
		nomem(c);
		return NULL;
	}
	c->set->regexes[c->set->nregexes++] = re;
	return re;
}

static int prop_cmp(const void *a, const void *b)
{
	const seam__prop_t *x = a, *y = b;
	size_t m = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->name, y->name, m);
	return r ? r : (x->len > y->len) - (x->len < y->len);
}

static seam_err_t compile_applicator(cc_t *c, node_t *n)
{
	seam_schema_set_t *set = c->set;
	json_t *js = n->json, *m, *v;
	const char *key;
	size_t klen, i;
	seam_err_t rc;
	if ((rc = get_arr(c, n, "allOf", true, &n->all_of, &n->n_all_of)) ||
	    (rc = get_arr(c, n, "anyOf", true, &n->any_of, &n->n_any_of)) ||
	    (rc = get_arr(c, n, "oneOf", true, &n->one_of, &n->n_one_of)) ||
	    (rc = get_arr(c, n, "prefixItems", true, &n->prefix, &n->n_prefix)) ||
	    (rc = get_one(c, n, "not", &n->not_)) || (rc = get_one(c, n, "if", &n->if_)) ||
	    (rc = get_one(c, n, "then", &n->then_)) || (rc = get_one(c, n, "else", &n->else_)) ||
	    (rc = get_one(c, n, "items", &n->items)) || (rc = get_one(c, n, "contains", &n->contains)) ||
	    (rc = get_one(c, n, "additionalProperties", &n->addl)) ||
	    (rc = get_one(c, n, "propertyNames", &n->names)))
		return rc;
	if ((m = json_object_get(js, "properties"))) {
		const char *l = loc_add(set, n->loc, "properties", 10);
		if (!json_is_object(m))
			return bad(c, n, "properties", "must be an object of schemas");
		if (!(n->props = zalloc(set, json_object_size(m) * sizeof(*n->props))))
			return nomem(c);
		i = 0;
		json_object_keylen_foreach(m, key, klen, v) {
			if (!(n->props[i].name = mdup(set, key, klen)))
				return nomem(c);
			n->props[i].len = klen;
			if ((rc = child(c, n, v, l ? loc_add(set, l, key, klen) : NULL, "properties",
					&n->props[i].schema)))
				return rc;
			i++;
		}
		n->n_props = i;
		qsort(n->props, i, sizeof(*n->props), prop_cmp);
	}
	if ((m = json_object_get(js, "patternProperties"))) {
		const char *l = loc_add(set, n->loc, "patternProperties", 17);
		if (!json_is_object(m))
			return bad(c, n, "patternProperties", "must be an object of schemas");
		if (!l || !(n->pats = zalloc(set, json_object_size(m) * sizeof(*n->pats))))
			return nomem(c);
		i = 0;
		json_object_keylen_foreach(m, key, klen, v) {
			const char *cl = loc_add(set, l, key, klen);
			if (!(n->pats[i].src = mdup(set, key, klen)))
				return nomem(c);
			if (!cl)
				return nomem(c);
			if (!(n->pats[i].re = regex(c, cl, key, klen)))
				return c->err ? c->err->code : SEAM_PARSE;
			if ((rc = child(c, n, v, cl, "patternProperties", &n->pats[i].schema)))
				return rc;
			i++;
		}
		n->n_pats = i;
	}
	if ((m = json_object_get(js, "dependentSchemas"))) {
		const char *l = loc_add(set, n->loc, "dependentSchemas", 16);
		if (!json_is_object(m))
			return bad(c, n, "dependentSchemas", "must be an object of schemas");
		if (!l || !(n->dep_schemas = zalloc(set, json_object_size(m) * sizeof(seam__dep_t))))
			return nomem(c);
		i = 0;
		json_object_keylen_foreach(m, key, klen, v) {
			if (!(n->dep_schemas[i].name = mdup(set, key, klen)))
				return nomem(c);
			n->dep_schemas[i].len = klen;
			if ((rc = child(c, n, v, loc_add(set, l, key, klen), "dependentSchemas",
					&n->dep_schemas[i].schema)))
				return rc;
			i++;
		}
		n->n_dep_schemas = i;
	}
	return SEAM_OK;
}

/* A copy of v the set keeps (enum and const values are data the validator compares with, and
 * a caller may change or drop the schema documents after compile). */
static const json_t *keep(cc_t *c, json_t *v)
{
	json_t *cp;
	if (!c->set->kept && !(c->set->kept = json_array()))
		return NULL;
	if (!(cp = json_deep_copy(v)) || json_array_append_new(c->set->kept, cp) != 0)
		return NULL;
	return cp;
}

static seam_err_t compile_validation(cc_t *c, node_t *n)
{
	seam_schema_set_t *set = c->set;
	json_t *js = n->json, *v, *m;
	const char *key;
	size_t klen, i;
	seam_err_t rc;
	if ((rc = get_type(c, n)) || (rc = get_nums(c, n)) || (rc = get_sizes(c, n)))
		return rc;
	if ((v = json_object_get(js, "enum"))) {
		if (!json_is_array(v))
			return bad(c, n, "enum", "must be an array");
		if (!(n->enum_ = keep(c, v)))
			return nomem(c);
		n->has |= SEAM__H_ENUM;
	}
	if ((v = json_object_get(js, "const"))) {
		if (!(n->const_ = keep(c, v)))
			return nomem(c);
		n->has |= SEAM__H_CONST;
	}
	if ((v = json_object_get(js, "uniqueItems"))) {
		if (!json_is_boolean(v))
			return bad(c, n, "uniqueItems", "must be a boolean");
		if (json_is_true(v))
			n->has |= SEAM__H_UNIQUE;
	}
	if ((v = json_object_get(js, "pattern"))) {
		const char *l = loc_add(set, n->loc, "pattern", 7);
		if (!json_is_string(v))
			return bad(c, n, "pattern", "must be a string");
		if (!l)
			return nomem(c);
		if (!(n->pattern = regex(c, l, json_string_value(v), json_string_length(v))))
			return c->err ? c->err->code : SEAM_PARSE;
		if (!(n->pattern_src = mdup(set, json_string_value(v), json_string_length(v))))
			return nomem(c);
	}
	if ((v = json_object_get(js, "required")) &&
	    (rc = get_strings(c, n, v, "required", &n->required, &n->n_required)))
		return rc;
	if ((m = json_object_get(js, "dependentRequired"))) {
		if (!json_is_object(m))
			return bad(c, n, "dependentRequired", "must be an object of string arrays");
		if (!(n->dep_req = zalloc(set, json_object_size(m) * sizeof(seam__dep_t))))
			return nomem(c);
		i = 0;
		json_object_keylen_foreach(m, key, klen, v) {
			if (!(n->dep_req[i].name = mdup(set, key, klen)))
				return nomem(c);
			n->dep_req[i].len = klen;
			if ((rc = get_strings(c, n, v, "dependentRequired", &n->dep_req[i].req, &n->dep_req[i].nreq)))
				return rc;
			i++;
		}
		n->n_dep_req = i;
	}
	return SEAM_OK;
}

/* draft 7's "dependencies" (2020-12 appendix: split into dependentRequired and
 * dependentSchemas): an array value is the former, a schema the latter. Kept because contracts
 * converted from draft 7 still carry it and the suite's optional compatibility file tests it. */
static seam_err_t compile_dependencies(cc_t *c, node_t *n, unsigned voc)
{
	seam_schema_set_t *set = c->set;
	json_t *m = json_object_get(n->json, "dependencies"), *v;
	const char *key, *l;
	size_t klen, ns = n->n_dep_schemas, nr = n->n_dep_req;
	seam__dep_t *ds, *dr;
	seam_err_t rc;
	if (!m)
		return SEAM_OK;
	if (!json_is_object(m))
		return bad(c, n, "dependencies", "must be an object of schemas or string arrays");
	if (!(l = loc_add(set, n->loc, "dependencies", 12)) ||
	    !(ds = zalloc(set, (ns + json_object_size(m)) * sizeof(*ds))) ||
	    !(dr = zalloc(set, (nr + json_object_size(m)) * sizeof(*dr))))
		return nomem(c);
	if (ns)
		memcpy(ds, n->dep_schemas, ns * sizeof(*ds));
	if (nr)
		memcpy(dr, n->dep_req, nr * sizeof(*dr));
	json_object_keylen_foreach(m, key, klen, v) {
		if (json_is_array(v)) {
			if (!(voc & SEAM__VOC_VALIDATION))
				continue;
			if (!(dr[nr].name = mdup(set, key, klen)))
				return nomem(c);
			dr[nr].len = klen;
			if ((rc = get_strings(c, n, v, "dependencies", &dr[nr].req, &dr[nr].nreq)))
				return rc;
			nr++;
		} else {
			if (!(voc & SEAM__VOC_APPLICATOR))
				continue;
			if (!(ds[ns].name = mdup(set, key, klen)))
				return nomem(c);
			ds[ns].len = klen;
			if ((rc = child(c, n, v, loc_add(set, l, key, klen), "dependencies", &ds[ns].schema)))
				return rc;
			ns++;
		}
	}
	n->dep_schemas = ds;
	n->n_dep_schemas = ns;
	n->dep_req = dr;
	n->n_dep_req = nr;
	return SEAM_OK;
}

static seam_err_t compile_node(cc_t *c, node_t *n)
{
	json_t *js = n->json, *v;
	unsigned voc;
	seam_err_t rc;
	if (n->compiled)
		return SEAM_OK;
	n->compiled = true;
	if ((rc = vocab_of(c, n, &voc)) != SEAM_OK)
		return rc;
	if ((v = json_object_get(js, "$ref"))) {
		if (!json_is_string(v))
			return bad(c, n, "$ref", "must be a string");
		if ((rc = resolve_ref(c, n, "$ref", json_string_value(v), &n->ref, NULL)))
			return rc;
	}
	if ((v = json_object_get(js, "$dynamicRef"))) {
		if (!json_is_string(v))
			return bad(c, n, "$dynamicRef", "must be a string");
		if ((rc = resolve_ref(c, n, "$dynamicRef", json_string_value(v), &n->dref, &n->dref_name)))
			return rc;
	}
	if ((v = json_object_get(js, "$defs")) && !json_is_object(v))
		return bad(c, n, "$defs", "must be an object of schemas");
	if ((v = json_object_get(js, "$defs"))) {
		json_t *d;
		const char *key;
		json_object_foreach(v, key, d) {
			if (!json_is_object(d) && !json_is_boolean(d))
				return seam_errorf(c->err, SEAM_PARSE, "%s/$defs/%s: must be a schema (an object or a boolean)",
						   n->loc, key);
		}
	}
	if ((voc & SEAM__VOC_APPLICATOR) && (rc = compile_applicator(c, n)))
		return rc;
	if (voc & SEAM__VOC_UNEVALUATED) {
		if ((rc = get_one(c, n, "unevaluatedItems", &n->uneval_items)) ||
		    (rc = get_one(c, n, "unevaluatedProperties", &n->uneval_props)))
			return rc;
	}
	if ((voc & SEAM__VOC_VALIDATION) && (rc = compile_validation(c, n)))
		return rc;
	if ((rc = compile_dependencies(c, n, voc)))
		return rc;
	if ((voc & (SEAM__VOC_FORMAT_ANN | SEAM__VOC_FORMAT_ASSERT)) && (v = json_object_get(js, "format"))) {
		if (!json_is_string(v))
			return bad(c, n, "format", "must be a string");
		n->format = seam_schema_format_lookup(json_string_value(v));
		n->format_assert = (voc & SEAM__VOC_FORMAT_ASSERT) != 0;
		if (n->format >= 0)
			n->has |= SEAM__H_FORMAT;
		else if (n->format_assert)
			return bad(c, n, "format", "unknown format, and the format-assertion vocabulary is required");
	}
	return SEAM_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* The ref-cycle check: following only the keywords that apply to the same instance location
 * ($ref, $dynamicRef's static target, allOf, anyOf, oneOf, not, if/then/else,
 * dependentSchemas), a cycle means evaluation would never consume any instance. Iterative
 * depth-first search with an explicit stack. */

static size_t inplace_edges(const node_t *n, node_t **out, size_t cap)
{
	size_t k = 0;
#define EDGE(x)                       \
	do {                          \
		if ((x) && k < cap)   \
			out[k++] = (x); \
	} while (0)
	EDGE(n->ref);
	EDGE(n->dref);
	EDGE(n->not_);
	EDGE(n->if_);
	EDGE(n->then_);
	EDGE(n->else_);
	for (size_t i = 0; i < n->n_all_of; i++)
		EDGE(n->all_of[i]);
	for (size_t i = 0; i < n->n_any_of; i++)
		EDGE(n->any_of[i]);
	for (size_t i = 0; i < n->n_one_of; i++)
		EDGE(n->one_of[i]);
	for (size_t i = 0; i < n->n_dep_schemas; i++)
		EDGE(n->dep_schemas[i].schema);
#undef EDGE
	return k;
}

static size_t inplace_count(const node_t *n)
{
	return 6 + n->n_all_of + n->n_any_of + n->n_one_of + n->n_dep_schemas;
}

static seam_err_t cycle_check(cc_t *c)
{
	seam_schema_set_t *set = c->set;
	typedef struct fr {
		node_t *n;
		node_t **edges;
		size_t ne, next;
	} fr_t;
	fr_t *st = NULL;
	size_t sp = 0, cap = 0;
	seam_err_t rc = SEAM_OK;
	for (size_t r = 0; r < set->nall && rc == SEAM_OK; r++) {
		if (set->all[r]->done)
			continue;
		if (!grow((void **)&st, &cap, 1, sizeof(*st))) {
			rc = nomem(c);
			break;
		}
		st[0].n = set->all[r];
		st[0].edges = malloc(inplace_count(set->all[r]) * sizeof(node_t *));
		if (!st[0].edges) {
			rc = nomem(c);
			break;
		}
		st[0].ne = inplace_edges(set->all[r], st[0].edges, inplace_count(set->all[r]));
		st[0].next = 0;
		st[0].n->visiting = true;
		sp = 1;
		while (sp > 0 && rc == SEAM_OK) {
			fr_t *f = &st[sp - 1];
			if (f->next == f->ne) {
				f->n->visiting = false;
				f->n->done = true;
				free(f->edges);
				sp--;
				continue;
			}
			node_t *t = f->edges[f->next++];
			if (t->kind != SEAM__N_OBJ || t->done)
				continue;
			if (t->visiting) {
				rc = seam_errorf(c->err, SEAM_PARSE,
						 "%s: $ref cycle that consumes no instance (evaluation would never end): %s leads back to it",
						 t->loc, f->n->loc);
				break;
			}
			if (!grow((void **)&st, &cap, sp + 1, sizeof(*st))) {
				rc = nomem(c);
				break;
			}
			f = &st[sp];
			f->n = t;
			f->edges = malloc(inplace_count(t) * sizeof(node_t *));
			if (!f->edges) {
				rc = nomem(c);
				break;
			}
			f->ne = inplace_edges(t, f->edges, inplace_count(t));
			f->next = 0;
			t->visiting = true;
			sp++;
		}
		while (sp > 0)
			free(st[--sp].edges);
	}
	free(st);
	return rc;
}

seam_err_t seam_schema_set_compile(seam_schema_set_t *set, seam_error_t *err)
{
	cc_t c = { set, err };
	seam_err_t rc = SEAM_INVAL;
	if (!set) {
		seam_errorf(err, SEAM_INVAL, "schema: compile needs a set");
		goto out;
	}
	if (set->compiled || set->broken) {
		rc = seam_errorf(err, SEAM_INVAL, "schema: the set was compiled already");
		goto out;
	}
	set->broken = true; /* until the end: a failed compile leaves a set nobody may use */
	for (size_t i = 0; i < set->ndocs; i++) {
		if (i < set->nscanned)
			continue;
		if ((rc = scan_doc(&c, i)) != SEAM_OK)
			goto out;
		if (set->nscanned < i + 1)
			set->nscanned = i + 1;
	}
	/* set->all grows while we go: a $ref may bring a document or an unscanned subschema */
	for (size_t i = 0; i < set->nall; i++)
		if ((rc = compile_node(&c, set->all[i])) != SEAM_OK)
			goto out;
	if ((rc = cycle_check(&c)) != SEAM_OK)
		goto out;
	if (!(set->true_node = bool_node(&c, true, "", NULL)) ||
	    !(set->false_node = bool_node(&c, false, "", NULL))) {
		rc = nomem(&c);
		goto out;
	}
	set->compiled = true;
	set->broken = false;
	rc = SEAM_OK;
out:
	return rc;
}

const seam_schema_t *seam_schema_set_get(const seam_schema_set_t *set, const char *uri)
{
	char *u = NULL, *dec = NULL;
	const char *frag = NULL;
	const node_t *out = NULL;
	res_t *r;
	if (!set || !uri || !set->compiled)
		goto out;
	if (!(u = seam__uri_strip(uri, &frag)))
		goto out;
	if (!(r = map_get(&set->resources, u)))
		goto out;
	if (!frag || !*frag) {
		out = r->root_node;
		goto out;
	}
	if (!(dec = seam__uri_pct_decode(frag, strlen(frag), NULL)))
		goto out;
	if (dec[0] == '/') {
		node_t *last = NULL;
		json_t *cur = walk_ptr(&set->nodes, r->root, dec, &last);
		if (json_is_boolean(cur))
			out = json_is_true(cur) ? set->true_node : set->false_node;
		else if (cur)
			out = map_get(&set->nodes, cur);
	} else {
		char *key = NULL;
		anchor_t *an;
		if (asprintf(&key, "%s#%s", r->uri, dec) < 0)
			goto out;
		an = map_get(&set->anchors, key);
		free(key);
		if (an)
			out = an->node;
	}
out:
	free(u);
	free(dec);
	return out;
}
