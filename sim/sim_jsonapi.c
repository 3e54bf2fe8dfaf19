/*
 * sim_jsonapi.c: query parameters (PHP bracket syntax) to a compiled filter tree, sort keys,
 * page window and include paths; evaluation against entities; resource rendering; Drupal's
 * error documents.
 *
 * A compiled condition is a JSON object {"t":"c", "path", "kind", "op", "values":[...]}; a
 * group is {"t":"g", "conj":"AND"|"OR", "members":[...]}. Keeping the tree in jansson keeps the
 * ownership story to one decref.
 */
#include "sim/sim_jsonapi.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "sim/sim_money.h"

/* ---- PHP-style bracket parameters ---- */

/* Splits "filter[a][b][]" into name and segments. Returns the number of segments (max 8), or
 * -1 when the key is not of that shape. */
static int split_key(const char *key, char *name, size_t ncap, char segs[8][128])
{
	const char *b = strchr(key, '[');
	size_t nl = b ? (size_t)(b - key) : strlen(key);
	if (nl == 0 || nl >= ncap)
		return -1;
	memcpy(name, key, nl);
	name[nl] = '\0';
	int n = 0;
	while (b && *b == '[') {
		const char *e = strchr(b, ']');
		if (!e || n == 8 || (size_t)(e - b - 1) >= 128)
			return -1;
		memcpy(segs[n], b + 1, (size_t)(e - b - 1));
		segs[n][e - b - 1] = '\0';
		n++;
		b = e + 1;
	}
	return n;
}

/* The value of parameter `name` as a tree: a string for name=v, an object/array for
 * name[..]=v. New reference, or NULL when absent. */
static json_t *param_tree(const seam_sim_call_t *c, const char *want)
{
	json_t *root = NULL;
	for (size_t i = 0; i < c->nquery; i++) {
		char name[64], segs[8][128];
		int n = split_key(c->query[i].k, name, sizeof name, segs);
		if (n < 0 || strcmp(name, want))
			continue;
		if (n == 0) {
			json_decref(root);
			root = json_string(c->query[i].v);
			continue;
		}
		if (!json_is_object(root)) {
			json_decref(root);
			root = json_object();
		}
		json_t *cur = root;
		for (int s = 0; s < n; s++) {
			int last = s == n - 1;
			int next_is_append = !last && segs[s + 1][0] == '\0';
			if (segs[s][0] == '\0') { /* append */
				if (!json_is_array(cur))
					break;
				if (last) {
					json_array_append_new(cur, json_string(c->query[i].v));
				} else {
					json_t *child = next_is_append ? json_array() : json_object();
					json_array_append_new(cur, child);
					cur = child;
				}
				continue;
			}
			if (!json_is_object(cur))
				break;
			if (last) {
				json_object_set_new(cur, segs[s], json_string(c->query[i].v));
			} else {
				json_t *child = json_object_get(cur, segs[s]);
				if (!child || json_is_string(child) ||
				    (next_is_append && !json_is_array(child))) {
					child = next_is_append ? json_array() : json_object();
					json_object_set_new(cur, segs[s], child);
				}
				cur = child;
			}
		}
	}
	return root;
}

/* Values of a PHP "list": array, object with numeric keys, or a scalar. New array. */
static json_t *as_list(json_t *v)
{
	json_t *out = json_array();
	if (json_is_array(v)) {
		json_array_extend(out, v);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
			json_array_append(out, x);
	} else if (v) {
		json_array_append(out, v);
	}
	return out;
}

/* ---- schema ---- */

const seam_sim_ja_field_t *seam_sim_ja_field(const seam_sim_ja_type_t *t, const char *name)
{
	for (const seam_sim_ja_field_t *f = t->fields; f && f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/* Walks path over the schema. Returns the kind of the final value, or 0 with err. */
static int path_kind(const seam_sim_ja_type_t *t, const char *path, const seam_sim_ja_env_t *env,
		     const char *what, char *err, size_t cap)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	char *save = NULL;
	char *seg = strtok_r(buf, ".", &save);
	while (seg) {
		if (!t) {
			snprintf(err, cap, "Invalid nested %s. The field `%s`, given in the path `%s`, does not exist.",
				 what, seg, path);
			return 0;
		}
		if (!strcmp(seg, "id"))
			return strtok_r(NULL, ".", &save) ? 0 : SEAM_SIM_JA_STR;
		const seam_sim_ja_field_t *f = seam_sim_ja_field(t, seg);
		if (!f) {
			snprintf(err, cap,
				 "Invalid nested %s. The field `%s`, given in the path `%s`, does not exist.",
				 what, seg, path);
			return 0;
		}
		char *next = strtok_r(NULL, ".", &save);
		switch (f->kind) {
		case SEAM_SIM_JA_PRICE:
			if (!next || !strcmp(next, "number"))
				return SEAM_SIM_JA_DEC;
			if (!strcmp(next, "currency_code"))
				return SEAM_SIM_JA_STR;
			snprintf(err, cap,
				 "Invalid nested %s. The property `%s`, given in the path `%s`, does not exist.",
				 what, next, path);
			return 0;
		case SEAM_SIM_JA_MAP:
			return SEAM_SIM_JA_STR;
		case SEAM_SIM_JA_REL:
		case SEAM_SIM_JA_RELS:
			if (!next)
				return SEAM_SIM_JA_INT; /* target_id */
			if (!strcmp(next, "id"))
				return SEAM_SIM_JA_STR;
			if (!strcmp(next, "meta")) {
				char *m = strtok_r(NULL, ".", &save);
				if (m && !strcmp(m, "drupal_internal__target_id"))
					return SEAM_SIM_JA_INT;
				snprintf(err, cap, "Invalid nested %s. The path `%s` does not exist.",
					 what, path);
				return 0;
			}
			t = env && env->type_by_name && f->target ? env->type_by_name(env->ctx, f->target)
							       : NULL;
			seg = next;
			continue;
		default:
			if (next) {
				snprintf(err, cap,
					 "Invalid nested %s. The property `%s`, given in the path `%s`, does not exist.",
					 what, next, path);
				return 0;
			}
			return (int)f->kind;
		}
	}
	snprintf(err, cap, "Invalid nested %s. The path `%s` is empty.", what, path);
	return 0;
}

/* ---- value collection ---- */

static void collect(const seam_sim_ent_t *e, const char *path, const seam_sim_ja_env_t *env,
		    json_t *out)
{
	const char *dot = strchr(path, '.');
	char seg[128];
	size_t sl = dot ? (size_t)(dot - path) : strlen(path);
	if (sl >= sizeof seg)
		return;
	memcpy(seg, path, sl);
	seg[sl] = '\0';
	const char *rest = dot ? dot + 1 : NULL;
	if (!strcmp(seg, "id")) {
		json_array_append_new(out, json_string(e->uuid));
		return;
	}
	const seam_sim_ja_field_t *f = seam_sim_ja_field(e->type, seg);
	if (!f)
		return;
	if (f->kind == SEAM_SIM_JA_REL || f->kind == SEAM_SIM_JA_RELS) {
		json_t *refs = json_object_get(e->rels, seg);
		json_t *list = as_list(json_is_object(refs) ? NULL : refs);
		if (json_is_object(refs))
			json_array_append(list, refs);
		size_t i;
		json_t *ref;
		json_array_foreach(list, i, ref) {
			if (!json_is_object(ref))
				continue;
			if (rest && !strcmp(rest, "id")) {
				json_array_append(out, json_object_get(ref, "id"));
			} else if (!rest || !strcmp(rest, "meta.drupal_internal__target_id")) {
				json_t *m = json_object_get(json_object_get(ref, "meta"),
							    "drupal_internal__target_id");
				if (m)
					json_array_append(out, m);
			} else if (env && env->lookup) {
				seam_sim_ent_t *t = env->lookup(env->ctx,
								json_string_value(json_object_get(ref, "id")));
				if (t)
					collect(t, rest, env, out);
			}
		}
		json_decref(list);
		return;
	}
	json_t *v = json_object_get(e->attrs, seg);
	if (!v || json_is_null(v))
		return;
	if (f->kind == SEAM_SIM_JA_PRICE) {
		json_t *p = json_object_get(v, rest && !strcmp(rest, "currency_code") ? "currency_code"
										      : "number");
		if (p && !json_is_null(p))
			json_array_append(out, p);
		return;
	}
	if (f->kind == SEAM_SIM_JA_MAP && rest) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", rest);
		char *save = NULL;
		for (char *s = strtok_r(buf, ".", &save); s && v; s = strtok_r(NULL, ".", &save))
			v = json_is_object(v) ? json_object_get(v, s)
			    : json_is_array(v) ? json_array_get(v, (size_t)strtoul(s, NULL, 10)) : NULL;
		if (v && !json_is_null(v))
			json_array_append(out, v);
		return;
	}
	json_array_append(out, v);
}

int64_t seam_sim_ja_ts(const json_t *v)
{
	int64_t ms;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (!json_is_string(v) || seam_rfc3339_parse(json_string_value(v), &ms) != 0)
		return -1;
	return ms / 1000;
}

/* Textual form of a stored scalar for comparisons. */
static const char *scalar_text(const json_t *v, char *buf, size_t cap)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_true(v))
		return "1";
	if (json_is_false(v))
		return "0";
	if (json_is_real(v)) {
		snprintf(buf, cap, "%.15g", json_real_value(v));
		return buf;
	}
	return NULL;
}

/* Compares a stored value with a filter value string. Returns <0, 0, >0, or 2 when the two
 * cannot be compared (no match). */
static int cmp_kind(int kind, const json_t *stored, const char *want)
{
	char buf[64];
	const char *s = scalar_text(stored, buf, sizeof buf);
	if (!s || !want)
		return 2;
	switch (kind) {
	case SEAM_SIM_JA_INT: {
		char *e1, *e2;
		long long a = strtoll(s, &e1, 10), b = strtoll(want, &e2, 10);
		if (*e1 || *e2 || !*want)
			return 2;
		return a < b ? -1 : a > b;
	}
	case SEAM_SIM_JA_DEC: {
		int64_t a, b;
		if (seam_sim_dec_parse(s, 6, &a) || seam_sim_dec_parse(want, 6, &b))
			return 2;
		return a < b ? -1 : a > b;
	}
	case SEAM_SIM_JA_BOOL: {
		int a = !strcmp(s, "1") || !strcasecmp(s, "true");
		int b = !strcmp(want, "1") || !strcasecmp(want, "true");
		return a - b;
	}
	case SEAM_SIM_JA_TS: {
		int64_t a = seam_sim_ja_ts(stored);
		char *e;
		long long b = strtoll(want, &e, 10);
		if (a < 0 || *e || !*want)
			return 2;
		return a < b ? -1 : a > b;
	}
	default: {
		/* Drupal's string columns compare case-insensitively (MySQL's collation, SQLite's
		 * NOCASE_UTF8, lower() on PostgreSQL): filter[sku]=sku-1 finds SKU-1 */
		int r = strcasecmp(s, want);
		return r < 0 ? -1 : r > 0;
	}
	}
}

static int like(const char *op, const json_t *stored, const char *want)
{
	char buf[64];
	const char *s = scalar_text(stored, buf, sizeof buf);
	if (!s || !want)
		return 0;
	size_t ls = strlen(s), lw = strlen(want);
	if (!strcmp(op, "STARTS_WITH"))
		return ls >= lw && !strncasecmp(s, want, lw);
	if (!strcmp(op, "ENDS_WITH"))
		return ls >= lw && !strcasecmp(s + ls - lw, want);
	return strcasestr(s, want) != NULL;
}

static int eval_cond(const json_t *cond, const seam_sim_ent_t *e, const seam_sim_ja_env_t *env)
{
	const char *path = json_string_value(json_object_get(cond, "path"));
	const char *op = json_string_value(json_object_get(cond, "op"));
	int kind = (int)json_integer_value(json_object_get(cond, "kind"));
	json_t *vals = json_object_get(cond, "values");
	/* IS [NOT] NULL on an attribute of the entity itself: no value list to build (a walk
	 * over 10,000 products asks this of every product on every page) */
	if ((!strcmp(op, "IS NULL") || !strcmp(op, "IS NOT NULL")) && !strchr(path, '.') &&
	    strcmp(path, "id")) {
		const seam_sim_ja_field_t *f = seam_sim_ja_field(e->type, path);
		if (f && f->kind != SEAM_SIM_JA_REL && f->kind != SEAM_SIM_JA_RELS) {
			json_t *v = json_object_get(e->attrs, path);
			return (v && !json_is_null(v)) == !strcmp(op, "IS NOT NULL");
		}
	}
	json_t *got = json_array();
	collect(e, path, env, got);
	int n = (int)json_array_size(got);
	int result = 0;
	if (!strcmp(op, "IS NULL")) {
		result = n == 0;
	} else if (!strcmp(op, "IS NOT NULL")) {
		result = n > 0;
	} else {
		const char *v0 = json_string_value(json_array_get(vals, 0));
		const char *v1 = json_string_value(json_array_get(vals, 1));
		int negate_set = !strcmp(op, "NOT IN") || !strcmp(op, "NOT BETWEEN");
		for (int i = 0; i < n && !result; i++) {
			json_t *g = json_array_get(got, (size_t)i);
			int c;
			if (!strcmp(op, "=")) {
				result = cmp_kind(kind, g, v0) == 0;
			} else if (!strcmp(op, "<>")) {
				c = cmp_kind(kind, g, v0);
				result = c != 0 && c != 2;
			} else if (!strcmp(op, ">")) {
				c = cmp_kind(kind, g, v0);
				result = c == 1;
			} else if (!strcmp(op, ">=")) {
				c = cmp_kind(kind, g, v0);
				result = c == 0 || c == 1;
			} else if (!strcmp(op, "<")) {
				result = cmp_kind(kind, g, v0) == -1;
			} else if (!strcmp(op, "<=")) {
				c = cmp_kind(kind, g, v0);
				result = c == 0 || c == -1;
			} else if (!strcmp(op, "STARTS_WITH") || !strcmp(op, "CONTAINS") ||
				   !strcmp(op, "ENDS_WITH")) {
				result = like(op, g, v0);
			} else if (!strcmp(op, "IN") || !strcmp(op, "NOT IN")) {
				int in = 0;
				size_t k;
				json_t *v;
				json_array_foreach(vals, k, v)
					if (cmp_kind(kind, g, json_string_value(v)) == 0)
						in = 1;
				result = negate_set ? !in : in;
			} else if (!strcmp(op, "BETWEEN") || !strcmp(op, "NOT BETWEEN")) {
				int a = cmp_kind(kind, g, v0), b = cmp_kind(kind, g, v1);
				int in = a != 2 && b != 2 && a >= 0 && b <= 0;
				result = negate_set ? (a != 2 && b != 2 && !in) : in;
			}
		}
	}
	json_decref(got);
	return result;
}

static int eval_node(const json_t *node, const seam_sim_ent_t *e, const seam_sim_ja_env_t *env)
{
	const char *t = json_string_value(json_object_get(node, "t"));
	if (t && !strcmp(t, "c"))
		return eval_cond(node, e, env);
	int any = json_is_string(json_object_get(node, "conj")) &&
		  !strcmp(json_string_value(json_object_get(node, "conj")), "OR");
	json_t *members = json_object_get(node, "members");
	size_t i;
	json_t *m;
	if (json_array_size(members) == 0)
		return 1;
	json_array_foreach(members, i, m) {
		int r = eval_node(m, e, env);
		if (any && r)
			return 1;
		if (!any && !r)
			return 0;
	}
	return !any;
}

int seam_sim_ja_match(const seam_sim_ja_query_t *q, const seam_sim_ent_t *e,
		      const seam_sim_ja_env_t *env)
{
	return !q->filter || eval_node(q->filter, e, env);
}

/* ---- parsing ---- */

static const char *const operators[] = {"=",  "<>", ">", ">=", "<", "<=", "STARTS_WITH",
					"CONTAINS", "ENDS_WITH", "IN", "NOT IN", "BETWEEN",
					"NOT BETWEEN", "IS NULL", "IS NOT NULL", NULL};

static int compile_filter(json_t *tree, const seam_sim_ja_type_t *type,
			  const seam_sim_ja_env_t *env, json_t **out, char *err, size_t cap)
{
	json_t *groups = json_object(); /* name -> group node */
	json_t *nodes = json_array();   /* [{node, member}] in order */
	json_t *root = json_pack("{s:s, s:s, s:[]}", "t", "g", "conj", "AND", "members");
	int rc = -1;
	if (!json_is_object(tree)) {
		snprintf(err, cap, "The filter parameter must be an array (filter[...]=...).");
		goto out;
	}
	const char *key;
	json_t *item;
	json_object_foreach(tree, key, item) {
		json_t *node = NULL;
		const char *member = NULL;
		if (json_is_object(item) && json_object_get(item, "group")) {
			json_t *g = json_object_get(item, "group");
			const char *conj = json_string_value(json_object_get(g, "conjunction"));
			if (!conj)
				conj = "AND";
			if (strcasecmp(conj, "AND") && strcasecmp(conj, "OR")) {
				snprintf(err, cap, "The conjunction \"%s\" is not allowed in a filter group.", conj);
				goto out;
			}
			member = json_string_value(json_object_get(g, "memberOf"));
			node = json_pack("{s:s, s:s, s:[]}", "t", "g", "conj",
					 !strcasecmp(conj, "OR") ? "OR" : "AND", "members");
			json_object_set(groups, key, node);
		} else {
			json_t *cond = json_is_object(item) && json_object_get(item, "condition")
					       ? json_object_get(item, "condition")
					       : item;
			const char *path, *op = "=";
			json_t *value;
			if (json_is_string(cond)) {
				path = key;
				value = cond;
			} else if (json_is_object(cond)) {
				path = json_string_value(json_object_get(cond, "path"));
				if (!path) {
					if (cond != item) {
						snprintf(err, cap, "Filter parameter is missing a '%s' key.", "path");
						goto out;
					}
					path = key;
				}
				if (json_object_get(cond, "operator"))
					op = json_string_value(json_object_get(cond, "operator"));
				value = json_object_get(cond, "value");
				member = json_string_value(json_object_get(cond, "memberOf"));
			} else {
				snprintf(err, cap, "Invalid filter `%s`.", key);
				goto out;
			}
			int known = 0;
			for (const char *const *o = operators; op && *o; o++)
				if (!strcmp(*o, op))
					known = 1;
			if (!known) {
				snprintf(err, cap, "The operator \"%s\" is not allowed in a filter parameter.",
					 op ? op : "");
				goto out;
			}
			int kind = path_kind(type, path, env, "filtering", err, cap);
			if (!kind)
				goto out;
			json_t *vals = as_list(value);
			int nullop = !strcmp(op, "IS NULL") || !strcmp(op, "IS NOT NULL");
			size_t need = !strcmp(op, "BETWEEN") || !strcmp(op, "NOT BETWEEN") ? 2 : 1;
			if (nullop && json_array_size(vals) > 0) {
				json_decref(vals);
				snprintf(err, cap, "Filters using the \"%s\" operator should not provide a value.", op);
				goto out;
			}
			if (!nullop && (json_array_size(vals) < need ||
					(need == 2 && json_array_size(vals) != 2))) {
				json_decref(vals);
				snprintf(err, cap, "Filter parameter is missing a '%s' key.", "value");
				goto out;
			}
			size_t i;
			json_t *v;
			json_array_foreach(vals, i, v) {
				if (!json_is_string(v)) {
					json_decref(vals);
					snprintf(err, cap, "Invalid filter value for `%s`.", path);
					goto out;
				}
				if (kind == SEAM_SIM_JA_TS) {
					char *e;
					strtoll(json_string_value(v), &e, 10);
					if (*e || !*json_string_value(v)) {
						json_decref(vals);
						snprintf(err, cap,
							 "The value \"%s\" for the timestamp field `%s` is not a Unix "
							 "timestamp. Drupal compares timestamp fields as integers "
							 "(seam-sim refuses what Drupal would silently mis-compare).",
							 json_string_value(v), path);
						goto out;
					}
				}
			}
			node = json_pack("{s:s, s:s, s:i, s:s, s:o}", "t", "c", "path", path, "kind",
					 kind, "op", op, "values", vals);
		}
		json_array_append_new(nodes, json_pack("{s:o, s:s?}", "node", node, "member", member));
	}
	size_t i;
	json_t *n;
	json_array_foreach(nodes, i, n) {
		const char *member = json_string_value(json_object_get(n, "member"));
		json_t *parent = root;
		if (member && strcmp(member, "@root")) {
			parent = json_object_get(groups, member);
			if (!parent) {
				snprintf(err, cap, "The filter group \"%s\" does not exist.", member);
				goto out;
			}
		}
		if (parent == json_object_get(n, "node")) {
			snprintf(err, cap, "A filter group cannot be a member of itself.");
			goto out;
		}
		json_array_append(json_object_get(parent, "members"), json_object_get(n, "node"));
	}
	*out = root;
	root = NULL;
	rc = 0;
out:
	json_decref(root);
	json_decref(nodes);
	json_decref(groups);
	return rc;
}

static int compile_sort(json_t *tree, const seam_sim_ja_type_t *type,
			const seam_sim_ja_env_t *env, json_t **out, char *err, size_t cap)
{
	json_t *list = json_array();
	if (json_is_string(tree)) {
		char buf[512];
		snprintf(buf, sizeof buf, "%s", json_string_value(tree));
		char *save = NULL;
		for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
			while (*f == ' ')
				f++;
			int desc = *f == '-';
			if (desc || *f == '+')
				f++;
			json_array_append_new(list, json_pack("{s:s, s:b}", "path", f, "desc", desc));
		}
	} else if (json_is_object(tree)) {
		const char *k;
		json_t *item;
		json_object_foreach(tree, k, item) {
			const char *path = json_string_value(json_object_get(item, "path"));
			const char *dir = json_string_value(json_object_get(item, "direction"));
			if (!path) {
				json_decref(list);
				snprintf(err, cap, "You need to provide a value for the sort path.");
				return -1;
			}
			json_array_append_new(list, json_pack("{s:s, s:b}", "path", path, "desc",
							      dir && !strcasecmp(dir, "DESC")));
		}
	}
	size_t i;
	json_t *s;
	json_array_foreach(list, i, s) {
		int kind = path_kind(type, json_string_value(json_object_get(s, "path")), env,
				     "sorting", err, cap);
		if (!kind) {
			json_decref(list);
			return -1;
		}
		json_object_set_new(s, "kind", json_integer(kind));
	}
	*out = list;
	return 0;
}

static int compile_include(json_t *tree, const seam_sim_ja_type_t *type,
			   const seam_sim_ja_env_t *env, json_t **out, char *err, size_t cap)
{
	json_t *list = json_array();
	if (!json_is_string(tree)) {
		*out = list;
		return 0;
	}
	char buf[512];
	snprintf(buf, sizeof buf, "%s", json_string_value(tree));
	char *save = NULL;
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		if (!*p)
			continue;
		const seam_sim_ja_type_t *t = type;
		char pb[256];
		snprintf(pb, sizeof pb, "%s", p);
		char *s2 = NULL;
		for (char *seg = strtok_r(pb, ".", &s2); seg; seg = strtok_r(NULL, ".", &s2)) {
			const seam_sim_ja_field_t *f = t ? seam_sim_ja_field(t, seg) : NULL;
			if (!f || (f->kind != SEAM_SIM_JA_REL && f->kind != SEAM_SIM_JA_RELS)) {
				char names[256] = "";
				size_t used = 0;
				for (const seam_sim_ja_field_t *g = t ? t->fields : NULL; g && g->name; g++)
					if ((g->kind == SEAM_SIM_JA_REL || g->kind == SEAM_SIM_JA_RELS) &&
					    used < sizeof names - 40)
						used += (size_t)snprintf(names + used, sizeof names - used,
									 "%s%s", used ? ", " : "", g->name);
				snprintf(err, cap,
					 "`%s` is not a valid relationship field name. Possible values: %s.",
					 seg, names);
				json_decref(list);
				return -1;
			}
			t = env && env->type_by_name && f->target ? env->type_by_name(env->ctx, f->target)
							       : NULL;
		}
		json_array_append_new(list, json_string(p));
	}
	*out = list;
	return 0;
}

int seam_sim_ja_parse(const seam_sim_call_t *c, const seam_sim_ja_type_t *type,
		      const seam_sim_ja_env_t *env, seam_sim_ja_query_t *q, char *err,
		      size_t errcap)
{
	memset(q, 0, sizeof *q);
	q->limit = SEAM_SIM_JA_PAGE_MAX;
	int rc = -1;
	json_t *filter = param_tree(c, "filter");
	json_t *sort = param_tree(c, "sort");
	json_t *page = param_tree(c, "page");
	json_t *include = param_tree(c, "include");
	json_t *fields = param_tree(c, "fields");
	if (filter && compile_filter(filter, type, env, &q->filter, err, errcap) != 0)
		goto out;
	if (compile_sort(sort, type, env, &q->sort, err, errcap) != 0)
		goto out;
	if (compile_include(include, type, env, &q->include, err, errcap) != 0)
		goto out;
	if (json_is_object(page)) {
		const char *off = json_string_value(json_object_get(page, "offset"));
		const char *lim = json_string_value(json_object_get(page, "limit"));
		if (off && *off) {
			long long v = strtoll(off, NULL, 10);
			q->offset = v > 0 ? v : 0;
		}
		if (lim && *lim) {
			long long v = strtoll(lim, NULL, 10);
			if (v > 0)
				q->limit = v > SEAM_SIM_JA_PAGE_MAX ? SEAM_SIM_JA_PAGE_MAX : v;
		}
	}
	if (json_is_object(fields)) {
		q->fields = json_object();
		const char *k;
		json_t *v;
		json_object_foreach(fields, k, v) {
			json_t *names = json_array();
			char buf[512];
			snprintf(buf, sizeof buf, "%s", json_string_value(v) ? json_string_value(v) : "");
			char *save = NULL;
			for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save))
				json_array_append_new(names, json_string(f));
			json_object_set_new(q->fields, k, names);
		}
	}
	rc = 0;
out:
	json_decref(filter);
	json_decref(sort);
	json_decref(page);
	json_decref(include);
	json_decref(fields);
	return rc;
}

void seam_sim_ja_query_dispose(seam_sim_ja_query_t *q)
{
	json_decref(q->filter);
	json_decref(q->sort);
	json_decref(q->include);
	json_decref(q->fields);
	memset(q, 0, sizeof *q);
}

/* ---- sorting ---- */

typedef struct sort_item {
	seam_sim_ent_t *e;
	size_t pos;
	json_t *keys; /* one value (or null) per sort field */
} sort_item_t;

static int cmp_values(int kind, const json_t *a, const json_t *b)
{
	int an = !a || json_is_null(a), bn = !b || json_is_null(b);
	if (an || bn)
		return an && bn ? 0 : an ? -1 : 1; /* NULLs first, as SQL sorts them ascending */
	char buf[64];
	const char *bs = scalar_text(b, buf, sizeof buf);
	int c = cmp_kind(kind == SEAM_SIM_JA_TS ? SEAM_SIM_JA_STR : kind, a, bs);
	return c == 2 ? 0 : c;
}

static int sort_cmp(const void *pa, const void *pb, void *arg)
{
	const sort_item_t *a = pa, *b = pb;
	const json_t *sort = arg;
	size_t i;
	json_t *s;
	json_array_foreach(sort, i, s) {
		int kind = (int)json_integer_value(json_object_get(s, "kind"));
		int c = cmp_values(kind, json_array_get(a->keys, i), json_array_get(b->keys, i));
		if (c) {
			return json_is_true(json_object_get(s, "desc")) ? -c : c;
		}
	}
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

void seam_sim_ja_sort(const seam_sim_ja_query_t *q, seam_sim_ent_t **ents, size_t n,
		      const seam_sim_ja_env_t *env)
{
	if (!q->sort || json_array_size(q->sort) == 0 || n < 2)
		return;
	sort_item_t *items = calloc(n, sizeof *items);
	if (!items)
		return;
	for (size_t i = 0; i < n; i++) {
		items[i].e = ents[i];
		items[i].pos = i;
		items[i].keys = json_array();
		size_t k;
		json_t *s;
		json_array_foreach(q->sort, k, s) {
			json_t *got = json_array();
			collect(ents[i], json_string_value(json_object_get(s, "path")), env, got);
			json_array_append(items[i].keys, json_array_size(got) ? json_array_get(got, 0)
									      : json_null());
			json_decref(got);
		}
	}
	qsort_r(items, n, sizeof *items, sort_cmp, q->sort);
	for (size_t i = 0; i < n; i++) {
		ents[i] = items[i].e;
		json_decref(items[i].keys);
	}
	free(items);
}

/* ---- rendering ---- */

json_t *seam_sim_ja_jsonapi(void)
{
	return json_pack("{s:s, s:{s:{s:{s:s}}}}", "version", "1.0", "meta", "links", "self", "href",
			 "http://jsonapi.org/format/1.0/");
}

json_t *seam_sim_ja_ref(seam_sim_ent_t *e)
{
	if (e->ref)
		return json_incref(e->ref);
	json_t *meta = json_object();
	if (e->sid)
		json_object_set_new(meta, "drupal_internal__target_id", json_string(e->sid));
	else
		json_object_set_new(meta, "drupal_internal__target_id", json_integer(e->iid));
	e->ref = json_pack("{s:s, s:s, s:o}", "type", e->type->name, "id", e->uuid, "meta", meta);
	return json_incref(e->ref);
}

static int field_wanted(const json_t *list, const char *name)
{
	if (!list)
		return 1;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(v), name))
			return 1;
	return 0;
}

json_t *seam_sim_ja_resource(const seam_sim_ent_t *e, const char *base_url, const json_t *fields)
{
	const json_t *want = fields ? json_object_get(fields, e->type->name) : NULL;
	char self[512];
	snprintf(self, sizeof self, "%s/jsonapi/%s/%s/%s", base_url, e->type->entity_type,
		 e->type->bundle, e->uuid);
	json_t *attrs = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(e->attrs, k, v)
		if (field_wanted(want, k))
			json_object_set(attrs, k, v);
	json_t *o = json_pack("{s:s, s:s, s:{s:{s:s}}, s:o}", "type", e->type->name, "id", e->uuid,
			      "links", "self", "href", self, "attributes", attrs);
	if (e->rels && json_object_size(e->rels)) {
		json_t *rels = json_object();
		json_object_foreach(e->rels, k, v) {
			if (!field_wanted(want, k))
				continue;
			char rel[600], related[600];
			snprintf(related, sizeof related, "%s/%s", self, k);
			snprintf(rel, sizeof rel, "%s/relationships/%s", self, k);
			json_object_set_new(rels, k,
					    json_pack("{s:O, s:{s:{s:s}, s:{s:s}}}", "data", v, "links",
						      "related", "href", related, "self", "href", rel));
		}
		if (json_object_size(rels))
			json_object_set_new(o, "relationships", rels);
		else
			json_decref(rels);
	}
	return o;
}

void seam_sim_ja_include(const seam_sim_ja_query_t *q, seam_sim_ent_t *const *ents, size_t n,
			 const seam_sim_ja_env_t *env, const char *base_url, int anonymous,
			 json_t *included, json_t *seen)
{
	size_t pi;
	json_t *p;
	json_array_foreach(q->include, pi, p) {
		/* frontier of entities at the current depth */
		size_t fn = n;
		seam_sim_ent_t **frontier = malloc((n ? n : 1) * sizeof *frontier);
		if (!frontier)
			return;
		memcpy(frontier, ents, n * sizeof *frontier);
		char pb[256];
		snprintf(pb, sizeof pb, "%s", json_string_value(p));
		char *save = NULL;
		for (char *seg = strtok_r(pb, ".", &save); seg && fn; seg = strtok_r(NULL, ".", &save)) {
			size_t nn = 0, cap = 16;
			seam_sim_ent_t **next = malloc(cap * sizeof *next);
			for (size_t i = 0; next && i < fn; i++) {
				json_t *refs = json_object_get(frontier[i]->rels, seg);
				json_t *list = json_array();
				if (json_is_object(refs))
					json_array_append(list, refs);
				else if (json_is_array(refs))
					json_array_extend(list, refs);
				size_t k;
				json_t *ref;
				json_array_foreach(list, k, ref) {
					seam_sim_ent_t *t = env->lookup(
						env->ctx, json_string_value(json_object_get(ref, "id")));
					if (!t || (anonymous && (t->hidden || t->is_protected)))
						continue;
					if (!json_object_get(seen, t->uuid)) {
						json_object_set_new(seen, t->uuid, json_true());
						json_array_append_new(included,
								      seam_sim_ja_resource(t, base_url, q->fields));
					}
					if (nn == cap) {
						cap *= 2;
						seam_sim_ent_t **g = realloc(next, cap * sizeof *g);
						if (!g)
							break;
						next = g;
					}
					next[nn++] = t;
				}
				json_decref(list);
			}
			free(frontier);
			frontier = next;
			fn = next ? nn : 0;
		}
		free(frontier);
	}
}

static const char *reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 500: return "Internal Server Error";
	default: return "Error";
	}
}

static const char *rfc_section(int status)
{
	switch (status) {
	case 400: return "10.4.1";
	case 401: return "10.4.2";
	case 403: return "10.4.4";
	case 404: return "10.4.5";
	case 405: return "10.4.6";
	case 406: return "10.4.7";
	case 409: return "10.4.10";
	case 415: return "10.4.16";
	default: return NULL;
	}
}

json_t *seam_sim_ja_error(int status, const char *detail, const char *pointer, const char *via)
{
	char st[8];
	snprintf(st, sizeof st, "%d", status);
	json_t *e = json_pack("{s:s, s:s, s:s}", "title", reason(status), "status", st, "detail",
			      detail ? detail : "");
	if (pointer)
		json_object_set_new(e, "source", json_pack("{s:s}", "pointer", pointer));
	const char *sec = rfc_section(status);
	if (via && sec) {
		char info[128];
		snprintf(info, sizeof info,
			 "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec%s", sec);
		json_object_set_new(e, "links",
				    json_pack("{s:{s:s}, s:{s:s}}", "via", "href", via, "info", "href",
					      info));
	}
	return json_pack("{s:o, s:[o]}", "jsonapi", seam_sim_ja_jsonapi(), "errors", e);
}

char *seam_sim_ja_page_link(const seam_sim_call_t *c, int64_t offset, int64_t limit)
{
	size_t cap = strlen(c->base_url) + strlen(c->path) + 128;
	for (size_t i = 0; i < c->nquery; i++)
		cap += 3 * (strlen(c->query[i].k) + strlen(c->query[i].v)) + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	char *p = out + sprintf(out, "%s%s?page%%5Boffset%%5D=%lld&page%%5Blimit%%5D=%lld",
				c->base_url, c->path, (long long)offset, (long long)limit);
	for (size_t i = 0; i < c->nquery; i++) {
		if (!strncmp(c->query[i].k, "page[", 5))
			continue;
		char *k = seam_sim_urlencode(c->query[i].k), *v = seam_sim_urlencode(c->query[i].v);
		p += sprintf(p, "&%s=%s", k ? k : "", v ? v : "");
		free(k);
		free(v);
	}
	return out;
}
