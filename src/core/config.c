/*
 * config.c: the schema-driven YAML loader and seam.yaml's schema.
 *
 * The loader never stops at the first problem: it walks the whole document and collects every
 * "file:line: message" so an operator fixes a file in one round. Lines come from scalar tokens;
 * for mappings and sequences (which carry no token in libfyaml 0.7) the line of the key that
 * introduced them is used. A config with any problem is disposed and not returned.
 *
 * Thread-safety: loading is reentrant (no globals); the result is immutable.
 */
#include "core/config.h"

#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/ids.h"

#define MAX_DEPTH 16

struct ctx {
	const char *file;
	char *dir; /* directory of the config file, for relative secret paths */
	seam_cfg_diag_t *diag;
	seam_cfg_lines_t *lines; /* where keys were written; NULL: not kept */
};

/* ---------- diagnostics ---------- */

static void diag_add(seam_cfg_diag_t *d, char *line)
{
	char **grown;
	if (!line)
		return;
	grown = realloc(d->lines, (d->n + 1) * sizeof *grown);
	if (!grown) {
		free(line);
		return;
	}
	d->lines = grown;
	d->lines[d->n++] = line;
}

__attribute__((format(printf, 3, 4)))
static void diagf(struct ctx *c, int line, const char *fmt, ...)
{
	char msg[768], *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0) {
		if (asprintf(&out, "%s:%d: %s", c->file, line, msg) < 0)
			out = NULL;
	} else if (asprintf(&out, "%s: %s", c->file, msg) < 0) {
		out = NULL;
	}
	diag_add(c->diag, out);
}

void seam_cfg_diag_dispose(seam_cfg_diag_t *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	d->lines = NULL;
	d->n = 0;
}

void seam_cfg_diag_print(const seam_cfg_diag_t *d, FILE *fp)
{
	for (size_t i = 0; d && i < d->n; i++)
		fprintf(fp, "%s\n", d->lines[i]);
}

void seam_cfg_diag_addf(seam_cfg_diag_t *d, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	diag_add(d, line);
}

/* ---------- key lines ---------- */

static void lines_add(struct ctx *c, const char *path, int line)
{
	seam_cfg_lines_t *l = c->lines;
	char **np, *copy;
	int *nl;
	if (!l || line <= 0)
		return;
	if (!(copy = strdup(path)))
		return;
	np = realloc(l->paths, (l->n + 1) * sizeof *np);
	if (np)
		l->paths = np;
	nl = realloc(l->lines, (l->n + 1) * sizeof *nl);
	if (nl)
		l->lines = nl;
	if (!np || !nl) {
		free(copy);
		return;
	}
	l->paths[l->n] = copy;
	l->lines[l->n++] = line;
}

int seam_cfg_lines_get(const seam_cfg_lines_t *l, const char *path)
{
	size_t len = path ? strlen(path) : 0;
	while (l && len > 0) {
		for (size_t i = 0; i < l->n; i++)
			if (strncmp(l->paths[i], path, len) == 0 && l->paths[i][len] == '\0')
				return l->lines[i];
		/* Not written itself (a default): the enclosing key is the place to add it. */
		while (len > 0 && path[len - 1] != '.')
			len--;
		if (len > 0)
			len--;
	}
	return 0;
}

void seam_cfg_lines_dispose(seam_cfg_lines_t *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	free(l->lines);
	memset(l, 0, sizeof *l);
}

/* ---------- node helpers ---------- */

static int node_line(struct fy_node *n, int fallback)
{
	struct fy_token *t;
	const struct fy_mark *m;
	if (!n || fy_node_get_type(n) != FYNT_SCALAR)
		return fallback;
	t = fy_node_get_scalar_token(n);
	if (!t)
		return fallback;
	m = fy_token_start_mark(t);
	return m ? m->line + 1 : fallback;
}

static int node_is_null(struct fy_node *n)
{
	size_t len;
	const char *s;
	if (!n)
		return 1;
	if (fy_node_get_type(n) != FYNT_SCALAR)
		return 0;
	if (fy_node_get_style(n) != FYNS_PLAIN)
		return 0;
	s = fy_node_get_scalar(n, &len);
	return !s || len == 0 || (len == 1 && s[0] == '~') ||
	       (len == 4 && (memcmp(s, "null", 4) == 0 || memcmp(s, "Null", 4) == 0 ||
			     memcmp(s, "NULL", 4) == 0));
}

static const char *type_name(seam_cfg_type_e t)
{
	switch (t) {
	case SEAM_CFG_STR: return "string";
	case SEAM_CFG_INT: return "integer";
	case SEAM_CFG_BOOL: return "boolean";
	case SEAM_CFG_DURATION: return "duration";
	case SEAM_CFG_SIZE: return "size";
	case SEAM_CFG_SECRET: return "secret";
	case SEAM_CFG_ENUM: return "enum";
	case SEAM_CFG_SECTION: return "mapping";
	case SEAM_CFG_MAP: return "mapping of named entries";
	case SEAM_CFG_STRLIST: return "string or list of strings";
	case SEAM_CFG_SECRETLIST: return "list of secrets";
	case SEAM_CFG_STRMAP: return "mapping of strings";
	}
	return "?";
}

/* "a" or "an" before a type name in messages. */
static const char *article(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

/* Edit distance for "did you mean" on unknown keys (keys are short; O(n*m) is nothing). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return prev[lb];
}

/* ---------- scalar values ---------- */

static int in_enum(const char *enums, const char *v)
{
	size_t vl = strlen(v);
	for (const char *p = enums; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		if (l == vl && strncmp(p, v, l) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
	for (int i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* Parses a scalar text into the field's slot. Returns 0, or -1 after adding a diagnostic. */
static int set_scalar(struct ctx *c, const seam_cfg_field_t *f, const char *path, const char *s,
		      int line, void *slot)
{
	int64_t v = 0;
	char *end;
	switch (f->type) {
	case SEAM_CFG_STR:
		if ((f->flags & SEAM_CFG_UUID) && !seam_uuid_valid(s)) {
			diagf(c, line, "%s: '%.80s' is not a UUID (8-4-4-4-12 hex digits)", path, s);
			return -1;
		}
		free(*(char **)slot);
		*(char **)slot = strdup(s);
		return 0;
	case SEAM_CFG_ENUM:
		if (!in_enum(f->enums, s)) {
			diagf(c, line, "%s: '%s' is not one of %s", path, s, f->enums);
			return -1;
		}
		free(*(char **)slot);
		*(char **)slot = strdup(s);
		return 0;
	case SEAM_CFG_BOOL:
		if (parse_bool(s, (int *)slot) != 0) {
			diagf(c, line, "%s: expected true or false, got '%s'", path, s);
			return -1;
		}
		return 0;
	case SEAM_CFG_INT:
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno || end == s || *end) {
			diagf(c, line, "%s: expected an integer, got '%s'", path, s);
			return -1;
		}
		break;
	case SEAM_CFG_DURATION:
		if (seam_duration_parse(s, &v) != 0) {
			diagf(c, line, "%s: expected a duration like 250ms, 30s, 5m, got '%s'", path, s);
			return -1;
		}
		break;
	case SEAM_CFG_SIZE:
		if (seam_size_parse(s, &v) != 0) {
			diagf(c, line, "%s: expected a size like 512KiB or 1MiB, got '%s'", path, s);
			return -1;
		}
		break;
	default:
		diagf(c, line, "%s: expected %s %s, got a plain value", path, article(type_name(f->type)),
		      type_name(f->type));
		return -1;
	}
	if (f->min < f->max && (v < f->min || v > f->max)) {
		diagf(c, line, "%s: %s is out of range [%lld, %lld]", path, s, (long long)f->min,
		      (long long)f->max);
		return -1;
	}
	*(int64_t *)slot = v;
	return 0;
}

/* ---------- secrets ---------- */

static void secret_dispose(seam_secret_t *s)
{
	if (!s)
		return;
	if (s->value) {
		explicit_bzero(s->value, s->len);
		free(s->value);
	}
	free(s->source);
	memset(s, 0, sizeof *s);
}

static int read_secret_file(struct ctx *c, const char *path, int line, const char *fpath,
			    seam_secret_t *out)
{
	char *full = NULL, *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *fp;
	int rc = -1;

	if (path[0] == '/' || !c->dir) {
		full = strdup(path);
	} else if (asprintf(&full, "%s/%s", c->dir, path) < 0) {
		full = NULL;
	}
	if (!full)
		return -1;
	fp = fopen(full, "re");
	if (!fp) {
		diagf(c, line, "%s: cannot read secret file %s: %s", fpath, full, strerror(errno));
		goto out;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 4096 + 1;
			char *nb;
			if (ncap > (1u << 20) + 1) {
				diagf(c, line, "%s: secret file %s is larger than 1 MiB", fpath, full);
				goto close;
			}
			nb = realloc(buf, ncap);
			if (!nb)
				goto close;
			buf = nb;
			cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		diagf(c, line, "%s: cannot read secret file %s: %s", fpath, full, strerror(errno));
		goto close;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0) {
		diagf(c, line, "%s: secret file %s is empty", fpath, full);
		goto close;
	}
	buf[len] = '\0';
	out->value = buf;
	out->len = len;
	buf = NULL;
	if (asprintf(&out->source, "file %s", path) < 0)
		out->source = NULL;
	rc = 0;
close:
	fclose(fp);
out:
	if (buf) {
		explicit_bzero(buf, cap);
		free(buf);
	}
	free(full);
	return rc;
}

static int parse_secret(struct ctx *c, struct fy_node *n, const char *path, int line,
			seam_secret_t *out)
{
	struct fy_node *file = NULL, *env = NULL;
	struct fy_node_pair *p;
	void *it = NULL;
	int bad = 0;

	if (fy_node_get_type(n) != FYNT_MAPPING) {
		diagf(c, node_line(n, line),
		      "%s: secrets are never written in the config; use {file: PATH} or {env: NAME}",
		      path);
		return -1;
	}
	while ((p = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		const char *ks = fy_node_get_scalar0(k);
		if (ks && strcmp(ks, "file") == 0)
			file = v;
		else if (ks && strcmp(ks, "env") == 0)
			env = v;
		else {
			diagf(c, node_line(k, line), "%s: unknown key '%s' in a secret (use file or env)",
			      path, ks ? ks : "?");
			bad = 1;
		}
	}
	if (bad)
		return -1;
	if ((file != NULL) == (env != NULL)) {
		diagf(c, line, "%s: a secret needs exactly one of file or env", path);
		return -1;
	}
	if (file) {
		const char *fp = fy_node_get_scalar0(file);
		if (!fp || !*fp || fy_node_get_type(file) != FYNT_SCALAR) {
			diagf(c, node_line(file, line), "%s.file: expected a path", path);
			return -1;
		}
		return read_secret_file(c, fp, node_line(file, line), path, out);
	}
	const char *name = fy_node_get_scalar0(env);
	if (!name || !*name || fy_node_get_type(env) != FYNT_SCALAR) {
		diagf(c, node_line(env, line), "%s.env: expected a variable name", path);
		return -1;
	}
	const char *val = getenv(name);
	if (!val || !*val) {
		diagf(c, node_line(env, line), "%s: environment variable %s is not set", path, name);
		return -1;
	}
	out->value = strdup(val);
	out->len = strlen(val);
	if (asprintf(&out->source, "env %s", name) < 0)
		out->source = NULL;
	return out->value ? 0 : -1;
}

/* ---------- structure ---------- */

static int parse_section(struct ctx *c, const seam_cfg_schema_t *s, struct fy_node *n,
			 void *base, int line, const char *prefix, int depth);

static void join_path(char *out, size_t cap, const char *prefix, const char *name)
{
	if (prefix && *prefix)
		snprintf(out, cap, "%s.%s", prefix, name);
	else
		snprintf(out, cap, "%s", name);
}

static int parse_value(struct ctx *c, const seam_cfg_field_t *f, struct fy_node *n, void *slot,
		       int line, const char *path, int depth)
{
	enum fy_node_type t = fy_node_get_type(n);
	int vline = node_line(n, line);

	switch (f->type) {
	case SEAM_CFG_SECTION:
		return parse_section(c, f->sub, n, slot, line, path, depth + 1);
	case SEAM_CFG_SECRET:
		return parse_secret(c, n, path, line, slot);
	case SEAM_CFG_MAP: {
		seam_cfg_map_t *m = slot;
		struct fy_node_pair *p;
		void *it = NULL;
		int rc = 0;
		if (t != FYNT_MAPPING) {
			diagf(c, vline, "%s: expected a mapping of named entries", path);
			return -1;
		}
		while ((p = fy_node_mapping_iterate(n, &it))) {
			struct fy_node *k = fy_node_pair_key(p);
			const char *name = fy_node_get_scalar0(k);
			char sub[512];
			void *item;
			if (!name || !*name) {
				diagf(c, node_line(k, line), "%s: entry names must be strings", path);
				rc = -1;
				continue;
			}
			item = calloc(1, f->sub->size);
			char **nn = realloc(m->names, (m->n + 1) * sizeof *nn);
			if (nn)
				m->names = nn;
			void **ni = realloc(m->items, (m->n + 1) * sizeof *ni);
			if (ni)
				m->items = ni;
			if (!item || !nn || !ni) {
				free(item);
				return -1;
			}
			m->names[m->n] = strdup(name);
			m->items[m->n] = item;
			m->n++;
			snprintf(sub, sizeof sub, "%s.%s", path, name);
			lines_add(c, sub, node_line(k, line));
			if (parse_section(c, f->sub, fy_node_pair_value(p), item, node_line(k, line), sub,
					  depth + 1) != 0)
				rc = -1;
		}
		return rc;
	}
	case SEAM_CFG_STRMAP: {
		seam_strmap_t *m = slot;
		struct fy_node_pair *p;
		void *it = NULL;
		int rc = 0;
		if (t != FYNT_MAPPING) {
			diagf(c, vline, "%s: expected a mapping of keys to strings", path);
			return -1;
		}
		while ((p = fy_node_mapping_iterate(n, &it))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			const char *ks = fy_node_get_scalar0(k), *vs = fy_node_get_scalar0(v);
			if (!ks || !vs || fy_node_get_type(v) != FYNT_SCALAR) {
				diagf(c, node_line(k, line), "%s: entries must be key: string", path);
				rc = -1;
				continue;
			}
			char **nk = realloc(m->keys, (m->n + 1) * sizeof *nk);
			if (nk)
				m->keys = nk;
			char **nv = realloc(m->values, (m->n + 1) * sizeof *nv);
			if (nv)
				m->values = nv;
			if (!nk || !nv)
				return -1;
			m->keys[m->n] = strdup(ks);
			m->values[m->n] = strdup(vs);
			m->n++;
			char sub[512];
			snprintf(sub, sizeof sub, "%s.%s", path, ks);
			lines_add(c, sub, node_line(k, line));
		}
		return rc;
	}
	case SEAM_CFG_STRLIST: {
		seam_strlist_t *l = slot;
		struct fy_node *it_n;
		void *it = NULL;
		int rc = 0;
		if (t != FYNT_SEQUENCE && t != FYNT_SCALAR) {
			diagf(c, vline, "%s: expected a string or a list of strings", path);
			return -1;
		}
		/* A scalar is a one-item list: `store: UUID` and `store: [UUID, UUID]` both read. */
		while ((it_n = t == FYNT_SCALAR ? (it ? NULL : (it = n))
						: fy_node_sequence_iterate(n, &it))) {
			const char *s = fy_node_get_scalar0(it_n);
			if (fy_node_get_type(it_n) != FYNT_SCALAR || !s) {
				diagf(c, node_line(it_n, line), "%s: list items must be strings", path);
				rc = -1;
				continue;
			}
			if ((f->flags & SEAM_CFG_UUID) && !seam_uuid_valid(s)) {
				diagf(c, node_line(it_n, line),
				      "%s: '%.80s' is not a UUID (8-4-4-4-12 hex digits)", path, s);
				rc = -1;
				continue;
			}
			char **ni = realloc(l->items, (l->n + 1) * sizeof *ni);
			if (!ni)
				return -1;
			l->items = ni;
			l->items[l->n++] = strdup(s);
		}
		return rc;
	}
	case SEAM_CFG_SECRETLIST: {
		seam_secretlist_t *l = slot;
		struct fy_node *it_n;
		void *it = NULL;
		int rc = 0;
		if (t == FYNT_MAPPING) { /* one secret written without a list */
			l->items = calloc(1, sizeof *l->items);
			if (!l->items)
				return -1;
			l->n = 1;
			return parse_secret(c, n, path, line, &l->items[0]);
		}
		if (t != FYNT_SEQUENCE) {
			return parse_secret(c, n, path, line, &(seam_secret_t){0});
		}
		while ((it_n = fy_node_sequence_iterate(n, &it))) {
			seam_secret_t *ni = realloc(l->items, (l->n + 1) * sizeof *ni);
			if (!ni)
				return -1;
			l->items = ni;
			memset(&l->items[l->n], 0, sizeof *ni);
			if (parse_secret(c, it_n, path, node_line(it_n, line), &l->items[l->n]) != 0)
				rc = -1;
			l->n++;
		}
		if (l->n == 0) {
			diagf(c, vline, "%s: the list of secrets is empty", path);
			rc = -1;
		}
		return rc;
	}
	default:
		if (t != FYNT_SCALAR) {
			diagf(c, vline, "%s: expected %s %s, got a %s", path, article(type_name(f->type)),
			      type_name(f->type), t == FYNT_MAPPING ? "mapping" : "list");
			return -1;
		}
		return set_scalar(c, f, path, fy_node_get_scalar0(n), vline, slot);
	}
}

/* What a value written as node looks like, and what a field takes: 'm'apping, 'l'ist or
 * 's'calar (a null value fits anything). */
static char node_shape(struct fy_node *n)
{
	if (node_is_null(n))
		return 0;
	switch (fy_node_get_type(n)) {
	case FYNT_MAPPING: return 'm';
	case FYNT_SEQUENCE: return 'l';
	default: return 's';
	}
}

static int field_takes(const seam_cfg_field_t *f, char shape)
{
	switch (f->type) {
	case SEAM_CFG_SECTION:
	case SEAM_CFG_MAP:
	case SEAM_CFG_STRMAP:
	case SEAM_CFG_SECRET:
		return shape == 'm';
	case SEAM_CFG_STRLIST:
		return shape == 'l';
	case SEAM_CFG_SECRETLIST:
		return shape == 'l' || shape == 'm';
	default:
		return shape == 's';
	}
}

/* "Did you mean": the known key closest to an unknown one (edit distance under 3). Ties,
 * which are common among short keys ('storez' is one edit from both 'store' and 'stores'), go
 * to the key whose type takes the value as written (a mapping under 'storez' means 'stores'),
 * then to the key of the same length (a mistyped letter is likelier than a missing one).
 * NULL when nothing is close. */
static const char *suggest(const seam_cfg_schema_t *s, const char *key, struct fy_node *v)
{
	const char *best = NULL;
	size_t best_score = (size_t)-1, klen = strlen(key);
	char shape = node_shape(v);
	for (size_t j = 0; j < s->nfields; j++) {
		size_t d = edit_distance(key, s->fields[j].name);
		size_t score = d * 4 + (shape && !field_takes(&s->fields[j], shape) ? 2 : 0) +
			       (strlen(s->fields[j].name) != klen ? 1 : 0);
		if (d < 3 && score < best_score)
			best_score = score, best = s->fields[j].name;
	}
	return best;
}

static int parse_section(struct ctx *c, const seam_cfg_schema_t *s, struct fy_node *n,
			 void *base, int line, const char *prefix, int depth)
{
	unsigned char seen[128] = {0};
	struct fy_node_pair *p;
	void *it = NULL;
	int rc = 0;
	char path[256];

	if (depth > MAX_DEPTH) {
		diagf(c, line, "%s: nested too deeply", prefix);
		return -1;
	}
	if (n && !node_is_null(n)) {
		if (fy_node_get_type(n) != FYNT_MAPPING) {
			diagf(c, node_line(n, line), "%s: expected a mapping", *prefix ? prefix : "top level");
			return -1;
		}
		while ((p = fy_node_mapping_iterate(n, &it))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			const char *key = fy_node_get_scalar0(k);
			int kline = node_line(k, line);
			size_t i;
			if (!key) {
				diagf(c, kline, "keys must be plain strings");
				rc = -1;
				continue;
			}
			for (i = 0; i < s->nfields; i++)
				if (strcmp(s->fields[i].name, key) == 0)
					break;
			join_path(path, sizeof path, prefix, key);
			if (i == s->nfields) {
				const char *best = suggest(s, key, v);
				if (best)
					diagf(c, kline, "unknown key '%s' (did you mean '%s'?)", path, best);
				else
					diagf(c, kline, "unknown key '%s'", path);
				rc = -1;
				continue;
			}
			seen[i] = 1;
			lines_add(c, path, kline);
			if (node_is_null(v) && s->fields[i].type != SEAM_CFG_SECTION) {
				seen[i] = 0; /* "key:" with nothing is the same as leaving it out */
				continue;
			}
			if (parse_value(c, &s->fields[i], v, (char *)base + s->fields[i].offset, kline,
					path, depth) != 0)
				rc = -1;
		}
	}
	for (size_t i = 0; i < s->nfields; i++) {
		const seam_cfg_field_t *f = &s->fields[i];
		if (seen[i])
			continue;
		join_path(path, sizeof path, prefix, f->name);
		if (f->type == SEAM_CFG_SECTION) {
			if (parse_section(c, f->sub, NULL, (char *)base + f->offset, line, path, depth + 1))
				rc = -1;
		} else if (f->def) {
			if (set_scalar(c, f, path, f->def, line, (char *)base + f->offset) != 0)
				rc = -1;
		} else if (f->flags & SEAM_CFG_REQUIRED) {
			diagf(c, line, "missing required key '%s'", path);
			rc = -1;
		}
	}
	return rc;
}

/* ---------- load / dispose ---------- */

/* libfyaml collects its errors with their position (fy_diag_errors_iterate) rather than
 * printing them: scraping its printed text took input that looked like a message
 * ("x: error: y") for another error with a made-up line (found by fuzz/fuzz_config.c). */
static struct fy_diag *make_diag(void)
{
	struct fy_diag_cfg dc;
	struct fy_diag *d;
	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.colorize = false;
	if ((d = fy_diag_create(&dc)))
		fy_diag_set_collect_errors(d, true);
	return d;
}

/* One diagnostic per collected error; the message is libfyaml's, kept to one printable line. */
static void report_yaml_errors(struct ctx *c, struct fy_diag *fyd)
{
	void *it = NULL;
	struct fy_diag_error *e;
	int any = 0;
	while (fyd && (e = fy_diag_errors_iterate(fyd, &it))) {
		char msg[200];
		size_t i;
		if (e->type < FYET_ERROR)
			continue;
		snprintf(msg, sizeof msg, "%s", e->msg ? e->msg : "error");
		for (i = 0; msg[i]; i++)
			if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
				msg[i] = ' ';
		diagf(c, e->line > 0 ? e->line : 0, "YAML syntax (column %d): %s", e->column, msg);
		any = 1;
	}
	if (!any)
		diagf(c, 0, "YAML syntax: cannot parse");
}

static seam_err_t load_doc(struct ctx *c, struct fy_document *doc, struct fy_diag *fyd,
			   const seam_cfg_schema_t *schema, void *out)
{
	memset(out, 0, schema->size);
	if (!doc) {
		report_yaml_errors(c, fyd);
		return SEAM_CONFIG;
	}
	if (parse_section(c, schema, fy_document_root(doc), out, 1, "", 0) != 0 || c->diag->n) {
		seam_cfg_dispose(schema, out);
		memset(out, 0, schema->size);
		return SEAM_CONFIG;
	}
	return SEAM_OK;
}

/*
 * YAML is Unicode text (YAML 1.2, 5.2): bytes that are not UTF-8 are refused with their line
 * before libfyaml sees them. libfyaml 0.7.12 loops forever on some ("%\xa4..." as a directive;
 * found by fuzz/fuzz_config.c) and gives up without a position on others. Checks the
 * encoding only: shortest forms, no surrogates, nothing above U+10FFFF.
 */
static int check_utf8(struct ctx *c, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, col = 1;
	int line = 1;
	while (i < n) {
		unsigned char b = s[i];
		size_t len = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3
			   : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
		int ok = len && i + len <= n;
		for (size_t k = 1; ok && k < len; k++)
			ok = (s[i + k] & 0xC0) == 0x80;
		if (ok && len == 3)
			ok = !(b == 0xE0 && s[i + 1] < 0xA0) && !(b == 0xED && s[i + 1] >= 0xA0);
		if (ok && len == 4)
			ok = !(b == 0xF0 && s[i + 1] < 0x90) && !(b == 0xF4 && s[i + 1] >= 0x90);
		if (!ok) {
			diagf(c, line, "not UTF-8 text: byte 0x%02X at column %zu (save the file as UTF-8)",
			      b, col);
			return -1;
		}
		if (b == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += len;
	}
	return 0;
}

/* Parses text (len bytes, borrowed until the document is gone) against schema into out. */
static seam_err_t load_bytes(struct ctx *c, const char *text, size_t len,
			     const seam_cfg_schema_t *schema, void *out)
{
	struct fy_diag *fyd;
	struct fy_document *doc;
	seam_err_t rc;
	memset(out, 0, schema->size);
	if (check_utf8(c, text, len) != 0)
		return SEAM_CONFIG;
	fyd = make_diag();
	struct fy_parse_cfg pc = {.flags = 0, .diag = fyd};
	doc = fy_document_build_from_string(&pc, text, len);
	rc = load_doc(c, doc, fyd, schema, out);
	fy_document_destroy(doc);
	fy_diag_destroy(fyd);
	return rc;
}

#define CONFIG_FILE_MAX (16u << 20)

static seam_err_t load_file(const char *path, const seam_cfg_schema_t *schema, void *out,
			    seam_cfg_diag_t *diag, seam_cfg_lines_t *lines)
{
	struct ctx c = {.file = path, .diag = diag, .lines = lines};
	seam_err_t rc = SEAM_CONFIG;
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *fp = fopen(path, "re");

	memset(out, 0, schema->size);
	if (!fp) {
		diagf(&c, 0, "cannot open: %s", strerror(errno));
		return SEAM_CONFIG;
	}
	for (;;) { /* the whole file: it is checked before libfyaml parses it */
		if (len + 4096 > cap) {
			char *nt;
			if (cap >= CONFIG_FILE_MAX) {
				diagf(&c, 0, "larger than %u MiB", CONFIG_FILE_MAX >> 20);
				goto out;
			}
			if (!(nt = realloc(text, cap = cap ? 2 * cap : 16384))) {
				diagf(&c, 0, "out of memory");
				goto out;
			}
			text = nt;
		}
		size_t n = fread(text + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		diagf(&c, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	const char *slash = strrchr(path, '/');
	c.dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : NULL;
	rc = load_bytes(&c, text ? text : "", len, schema, out);
out:
	fclose(fp);
	free(text);
	free(c.dir);
	return rc;
}

static seam_err_t load_text(const char *name, const char *text, size_t len,
			    const seam_cfg_schema_t *schema, void *out, seam_cfg_diag_t *diag,
			    seam_cfg_lines_t *lines)
{
	struct ctx c = {.file = name, .diag = diag, .lines = lines};
	return load_bytes(&c, text, len, schema, out);
}

seam_err_t seam_cfg_load(const char *path, const seam_cfg_schema_t *schema, void *out,
			 seam_cfg_diag_t *diag)
{
	return load_file(path, schema, out, diag, NULL);
}

seam_err_t seam_cfg_load_text(const char *name, const char *text, size_t len,
			      const seam_cfg_schema_t *schema, void *out, seam_cfg_diag_t *diag)
{
	return load_text(name, text, len, schema, out, diag, NULL);
}

void seam_cfg_dispose(const seam_cfg_schema_t *s, void *obj)
{
	if (!s || !obj)
		return;
	for (size_t i = 0; i < s->nfields; i++) {
		const seam_cfg_field_t *f = &s->fields[i];
		void *slot = (char *)obj + f->offset;
		switch (f->type) {
		case SEAM_CFG_STR:
		case SEAM_CFG_ENUM:
			free(*(char **)slot);
			*(char **)slot = NULL;
			break;
		case SEAM_CFG_SECRET:
			secret_dispose(slot);
			break;
		case SEAM_CFG_SECTION:
			seam_cfg_dispose(f->sub, slot);
			break;
		case SEAM_CFG_MAP: {
			seam_cfg_map_t *m = slot;
			for (size_t j = 0; j < m->n; j++) {
				seam_cfg_dispose(f->sub, m->items[j]);
				free(m->items[j]);
				free(m->names[j]);
			}
			free(m->items);
			free(m->names);
			memset(m, 0, sizeof *m);
			break;
		}
		case SEAM_CFG_STRMAP: {
			seam_strmap_t *m = slot;
			for (size_t j = 0; j < m->n; j++) {
				free(m->keys[j]);
				free(m->values[j]);
			}
			free(m->keys);
			free(m->values);
			memset(m, 0, sizeof *m);
			break;
		}
		case SEAM_CFG_STRLIST: {
			seam_strlist_t *l = slot;
			for (size_t j = 0; j < l->n; j++)
				free(l->items[j]);
			free(l->items);
			memset(l, 0, sizeof *l);
			break;
		}
		case SEAM_CFG_SECRETLIST: {
			seam_secretlist_t *l = slot;
			for (size_t j = 0; j < l->n; j++)
				secret_dispose(&l->items[j]);
			free(l->items);
			memset(l, 0, sizeof *l);
			break;
		}
		default:
			break;
		}
	}
}

const char *seam_cfg_strmap_get(const seam_strmap_t *m, const char *key)
{
	for (size_t i = 0; m && key && i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return m->values[i];
	return NULL;
}

void *seam_cfg_map_get(const seam_cfg_map_t *m, const char *name)
{
	for (size_t i = 0; m && name && i < m->n; i++)
		if (strcmp(m->names[i], name) == 0)
			return m->items[i];
	return NULL;
}

/* Markdown table cell text: '|' would end the cell. */
static const char *cell(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; in && *in && o + 3 < cap; in++) {
		if (*in == '|')
			out[o++] = '\\';
		out[o++] = *in;
	}
	out[o] = '\0';
	return out;
}

static void print_ref(const seam_cfg_schema_t *s, const char *prefix, FILE *fp)
{
	char path[256], enums[256];
	for (size_t i = 0; i < s->nfields; i++) {
		const seam_cfg_field_t *f = &s->fields[i];
		join_path(path, sizeof path, prefix, f->name);
		if (f->type == SEAM_CFG_SECTION) {
			print_ref(f->sub, path, fp);
			continue;
		}
		fprintf(fp, "| `%s` | %s%s%s | %s | %s%s |\n", path, type_name(f->type),
			f->enums ? ": " : "", f->enums ? cell(f->enums, enums, sizeof enums) : "",
			f->def ? f->def : ((f->flags & SEAM_CFG_REQUIRED) ? "**required**" : "-"),
			f->doc ? f->doc : "", f->type == SEAM_CFG_MAP ? " Each entry:" : "");
		if (f->type == SEAM_CFG_MAP) {
			char sub[300];
			snprintf(sub, sizeof sub, "%s.<name>", path);
			print_ref(f->sub, sub, fp);
		}
	}
}

void seam_cfg_print_reference(const seam_cfg_schema_t *schema, FILE *fp)
{
	fprintf(fp, "| key | type | default | meaning |\n|---|---|---|---|\n");
	print_ref(schema, "", fp);
}

/* ---------- seam.yaml ---------- */

#define F(st, fld) offsetof(st, fld)

static const seam_cfg_field_t log_fields[] = {
	{"level", SEAM_CFG_ENUM, F(seam_config_log_t, level), 0, "info",
	 "Lowest level written to stderr.", NULL, "debug|info|warn|error", 0, 0},
	{"access_log", SEAM_CFG_BOOL, F(seam_config_log_t, access_log), 0, "true",
	 "One line per HTTP request (method, path, status, bytes, duration).", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t log_schema = {"log", sizeof(seam_config_log_t), log_fields,
					     sizeof log_fields / sizeof log_fields[0]};

static const seam_cfg_field_t http_fields[] = {
	{"threads", SEAM_CFG_INT, F(seam_config_http_t, threads), 0, "4",
	 "HTTP event loop threads (handlers run on them).", NULL, NULL, 1, 256},
	{"body_limit", SEAM_CFG_SIZE, F(seam_config_http_t, body_limit), 0, "1MiB",
	 "Largest request body accepted; larger gets 413.", NULL, NULL, 1024, 1LL << 30},
	{"request_timeout", SEAM_CFG_DURATION, F(seam_config_http_t, request_timeout_ms), 0, "30s",
	 "A keep-alive connection idle this long is closed; a request stalled this long gets 408.", NULL, NULL, 1000,
	 3600000},
	{"header_limit", SEAM_CFG_SIZE, F(seam_config_http_t, header_limit), 0, "32KiB",
	 "Memory for one connection's request line and headers; beyond it 431.", NULL, NULL, 4096,
	 1 << 20},
	{"connection_limit", SEAM_CFG_INT, F(seam_config_http_t, connection_limit), 0, "1024",
	 "Concurrent connections; when full, the oldest one not being served is closed for a new one.", NULL, NULL, 1, 100000},
	{"drain_timeout", SEAM_CFG_DURATION, F(seam_config_http_t, drain_timeout_ms), 0, "10s",
	 "On SIGTERM, how long requests in flight may take to finish.", NULL, NULL, 0, 600000},
	{"header_timeout", SEAM_CFG_DURATION, F(seam_config_http_t, header_timeout_ms), 0, "10s",
	 "Whole request line and headers, from accept (or the request's first byte on a keep-alive connection); later gets 408 and a close.",
	 NULL, NULL, 100, 3600000},
	{"body_min_rate", SEAM_CFG_INT, F(seam_config_http_t, body_min_rate), 0, "1024",
	 "Bytes/s a request body must average once header_timeout of grace is spent; slower gets 408 and a close (0: no minimum).",
	 NULL, NULL, 0, 1LL << 30},
	{"per_ip_limit", SEAM_CFG_INT, F(seam_config_http_t, per_ip_limit), 0, "256",
	 "Connections one client address may hold; more get 503 and a close (0: no cap).", NULL,
	 NULL, 0, 100000},
};
static const seam_cfg_schema_t http_schema = {"http", sizeof(seam_config_http_t), http_fields,
					      sizeof http_fields / sizeof http_fields[0]};

static const seam_cfg_field_t metrics_fields[] = {
	{"require_key", SEAM_CFG_BOOL, F(seam_config_metrics_t, require_key), 0, "false",
	 "Put GET /metrics behind an API key with scope metrics:read.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t metrics_schema = {
	"metrics", sizeof(seam_config_metrics_t), metrics_fields,
	sizeof metrics_fields / sizeof metrics_fields[0]};

static const seam_cfg_field_t queue_fields[] = {
	{"workers", SEAM_CFG_INT, F(seam_config_queue_t, workers), 0, "4",
	 "Job worker threads.", NULL, NULL, 1, 256},
	{"lease", SEAM_CFG_DURATION, F(seam_config_queue_t, lease_ms), 0, "30s",
	 "A running job's lease; renewed while it runs, re-run by others when it expires.", NULL,
	 NULL, 1000, 3600000},
	{"poll", SEAM_CFG_DURATION, F(seam_config_queue_t, poll_ms), 0, "250ms",
	 "How often idle workers look for due jobs (enqueues wake them at once).", NULL, NULL, 10,
	 60000},
	{"backoff_base", SEAM_CFG_DURATION, F(seam_config_queue_t, backoff_base_ms), 0, "1s",
	 "First retry delay; doubles per attempt, with full jitter.", NULL, NULL, 1, 3600000},
	{"backoff_cap", SEAM_CFG_DURATION, F(seam_config_queue_t, backoff_cap_ms), 0, "10m",
	 "Longest retry delay (Retry-After from an upstream can ask for more).", NULL, NULL, 1,
	 86400000},
	{"max_attempts", SEAM_CFG_INT, F(seam_config_queue_t, max_attempts), 0, "10",
	 "Attempts before a job goes to the dead letters.", NULL, NULL, 1, 1000},
	{"batch_max", SEAM_CFG_INT, F(seam_config_queue_t, batch_max), 0, "256",
	 "Most submissions sharing one group commit.", NULL, NULL, 1, 10000},
	{"retain", SEAM_CFG_DURATION, F(seam_config_queue_t, retain_ms), 0, "7d",
	 "How long finished jobs are kept for trace and audit.", NULL, NULL, 60000, 31536000000LL},
};
static const seam_cfg_schema_t queue_schema = {"queue", sizeof(seam_config_queue_t), queue_fields,
					       sizeof queue_fields / sizeof queue_fields[0]};

static const seam_cfg_field_t webhooks_fields[] = {
	{"tolerance", SEAM_CFG_DURATION, F(seam_config_webhooks_t, tolerance_ms), 0, "300s",
	 "Signed timestamps older or newer than this are refused (401).", NULL, NULL, 1000,
	 86400000},
};
static const seam_cfg_schema_t webhooks_schema = {
	"webhooks", sizeof(seam_config_webhooks_t), webhooks_fields,
	sizeof webhooks_fields / sizeof webhooks_fields[0]};

static const seam_cfg_field_t auth_fields[] = {
	{"type", SEAM_CFG_ENUM, F(seam_config_auth_t, type), 0, "none", "How seam authenticates.",
	 NULL, "none|bearer|api_key|basic|oauth2_client_credentials|oauth2_password", 0, 0},
	{"header", SEAM_CFG_STR, F(seam_config_auth_t, header), 0, NULL,
	 "api_key: the header name (default X-API-Key).", NULL, NULL, 0, 0},
	{"token", SEAM_CFG_SECRET, F(seam_config_auth_t, token), 0, NULL,
	 "bearer / api_key: the token.", NULL, NULL, 0, 0},
	{"username", SEAM_CFG_STR, F(seam_config_auth_t, username), 0, NULL,
	 "basic / oauth2_password: the user.", NULL, NULL, 0, 0},
	{"password", SEAM_CFG_SECRET, F(seam_config_auth_t, password), 0, NULL,
	 "basic / oauth2_password: the password.", NULL, NULL, 0, 0},
	{"client_id", SEAM_CFG_STR, F(seam_config_auth_t, client_id), 0, NULL, "oauth2: client id.",
	 NULL, NULL, 0, 0},
	{"client_secret", SEAM_CFG_SECRET, F(seam_config_auth_t, client_secret), 0, NULL,
	 "oauth2: client secret.", NULL, NULL, 0, 0},
	{"token_url", SEAM_CFG_STR, F(seam_config_auth_t, token_url), 0, NULL,
	 "oauth2: the token endpoint (absolute URL).", NULL, NULL, 0, 0},
	{"scope", SEAM_CFG_STR, F(seam_config_auth_t, scope), 0, NULL, "oauth2: scope.", NULL, NULL,
	 0, 0},
};
static const seam_cfg_schema_t auth_schema = {"auth", sizeof(seam_config_auth_t), auth_fields,
					      sizeof auth_fields / sizeof auth_fields[0]};

static const seam_cfg_field_t breaker_fields[] = {
	{"window_calls", SEAM_CFG_INT, F(seam_config_breaker_t, window_calls), 0, "20",
	 "Calls in the failure-ratio window.", NULL, NULL, 1, 10000},
	{"min_calls", SEAM_CFG_INT, F(seam_config_breaker_t, min_calls), 0, "10",
	 "Fewest calls in the window before the breaker may open.", NULL, NULL, 1, 10000},
	{"failure_pct", SEAM_CFG_INT, F(seam_config_breaker_t, failure_pct), 0, "50",
	 "Open at this percentage of failures in the window.", NULL, NULL, 1, 100},
	{"open_for", SEAM_CFG_DURATION, F(seam_config_breaker_t, open_ms), 0, "30s",
	 "Cool-down before a probe call is let through.", NULL, NULL, 100, 3600000},
};
static const seam_cfg_schema_t breaker_schema = {"breaker", sizeof(seam_config_breaker_t),
						 breaker_fields,
						 sizeof breaker_fields / sizeof breaker_fields[0]};

static const seam_cfg_field_t upstream_fields[] = {
	{"base_url", SEAM_CFG_STR, F(seam_config_upstream_t, base_url), SEAM_CFG_REQUIRED, NULL,
	 "Base URL every path is joined to.", NULL, NULL, 0, 0},
	{"connect_timeout", SEAM_CFG_DURATION, F(seam_config_upstream_t, connect_timeout_ms), 0,
	 "5s", "TCP+TLS connect timeout.", NULL, NULL, 1, 600000},
	{"timeout", SEAM_CFG_DURATION, F(seam_config_upstream_t, timeout_ms), 0, "30s",
	 "Whole-exchange timeout (tight for checkout paths).", NULL, NULL, 1, 3600000},
	{"max_concurrency", SEAM_CFG_INT, F(seam_config_upstream_t, max_concurrency), 0, "8",
	 "Bulkhead: calls in flight to this upstream at most.", NULL, NULL, 1, 1024},
	{"rate_per_s", SEAM_CFG_INT, F(seam_config_upstream_t, rate_per_s), 0, "0",
	 "Token-bucket rate limit; 0 = none.", NULL, NULL, 0, 1000000},
	{"burst", SEAM_CFG_INT, F(seam_config_upstream_t, burst), 0, "0",
	 "Token-bucket size; 0 = the rate.", NULL, NULL, 0, 1000000},
	{"tls_skip_verify", SEAM_CFG_BOOL, F(seam_config_upstream_t, tls_skip_verify), 0, "false",
	 "Turn certificate checks off (never in production).", NULL, NULL, 0, 0},
	{"ca_file", SEAM_CFG_STR, F(seam_config_upstream_t, ca_file), 0, NULL,
	 "Extra CA bundle (PEM).", NULL, NULL, 0, 0},
	{"auth", SEAM_CFG_SECTION, F(seam_config_upstream_t, auth), 0, NULL, "Authentication.",
	 &auth_schema, NULL, 0, 0},
	{"breaker", SEAM_CFG_SECTION, F(seam_config_upstream_t, breaker), 0, NULL,
	 "Circuit breaker.", &breaker_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t upstream_schema = {
	"upstream", sizeof(seam_config_upstream_t), upstream_fields,
	sizeof upstream_fields / sizeof upstream_fields[0]};

static const seam_cfg_field_t drupal_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_config_store_drupal_t, upstream), 0, NULL,
	 "Upstream (in upstreams:) serving the storefront's JSON:API.", NULL, NULL, 0, 0},
	{"event_secrets", SEAM_CFG_SECRETLIST, F(seam_config_store_drupal_t, event_secrets), 0,
	 NULL, "whsec_ secrets of the storefront module's events (rotation: several).", NULL, NULL,
	 0, 0},
	{"payment_gateway", SEAM_CFG_STR, F(seam_config_store_drupal_t, payment_gateway), 0, NULL,
	 "Payment gateway of payments seam creates: its UUID (least privilege: the integration "
	 "account needs no access to gateway config) or machine name (needs it).", NULL, NULL, 0, 0},
	{"payment_gateway_mode", SEAM_CFG_ENUM, F(seam_config_store_drupal_t, payment_gateway_mode),
	 0, "test", "Gateway mode written on payments.", NULL, "test|live", 0, 0},
	{"payment_bundle", SEAM_CFG_STR, F(seam_config_store_drupal_t, payment_bundle), 0,
	 "payment_default", "JSON:API bundle of commerce_payment.", NULL, NULL, 0, 0},
	{"poll_interval", SEAM_CFG_DURATION, F(seam_config_store_drupal_t, poll_interval_ms), 0,
	 "60s", "Order poller period (the safety net for lost events); 0 = off.", NULL, NULL, 0,
	 86400000},
	{"store", SEAM_CFG_STRLIST, F(seam_config_store_drupal_t, stores), SEAM_CFG_UUID, NULL,
	 "UUID(s) of the commerce_store(s) this seam store owns (one, or a list): only their orders "
	 "are exported, by events and the poller alike; checked against the site at start. "
	 "Required when seam stores share a Drupal upstream.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t drupal_schema = {"drupal", sizeof(seam_config_store_drupal_t),
						drupal_fields,
						sizeof drupal_fields / sizeof drupal_fields[0]};

static const seam_cfg_field_t erp_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_config_store_erp_t, upstream), 0, NULL,
	 "Upstream (in upstreams:) of this store's ERP; unset = no order export.", NULL, NULL, 0,
	 0},
	{"company", SEAM_CFG_STR, F(seam_config_store_erp_t, company), 0, NULL,
	 "ERP company id.", NULL, NULL, 0, 0},
	{"customer", SEAM_CFG_STR, F(seam_config_store_erp_t, customer), 0, NULL,
	 "Default ERP customer number for web orders.", NULL, NULL, 0, 0},
	{"shipping_account", SEAM_CFG_STR, F(seam_config_store_erp_t, shipping_account), 0, NULL,
	 "ERP G/L account for shipping charges (an Account line).", NULL, NULL, 0, 0},
	{"mapping", SEAM_CFG_STR, F(seam_config_store_erp_t, mapping), 0, "order_to_erp",
	 "Mapping (mappings/NAME.lua) from the Drupal order to the ERP sales order.", NULL, NULL, 0,
	 0},
};
static const seam_cfg_schema_t erp_schema = {"erp", sizeof(seam_config_store_erp_t), erp_fields,
					     sizeof erp_fields / sizeof erp_fields[0]};

static const seam_cfg_field_t store_fields[] = {
	{"drupal", SEAM_CFG_SECTION, F(seam_config_store_t, drupal), 0, NULL, "The storefront.",
	 &drupal_schema, NULL, 0, 0},
	{"stripe_secrets", SEAM_CFG_SECRETLIST, F(seam_config_store_t, stripe_secrets), 0, NULL,
	 "Stripe webhook endpoint secrets; unset = no Stripe endpoint for this store.", NULL, NULL,
	 0, 0},
	{"adyen_hmac_keys", SEAM_CFG_SECRETLIST, F(seam_config_store_t, adyen_hmac_keys), 0, NULL,
	 "Adyen HMAC keys (hex); unset = no Adyen endpoint for this store.", NULL, NULL, 0, 0},
	{"erp", SEAM_CFG_SECTION, F(seam_config_store_t, erp), 0, NULL, "Order export.",
	 &erp_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t store_schema = {"store", sizeof(seam_config_store_t), store_fields,
					       sizeof store_fields / sizeof store_fields[0]};

static const seam_cfg_field_t source_fields[] = {
	{"secrets", SEAM_CFG_SECRETLIST, F(seam_config_source_t, secrets), SEAM_CFG_REQUIRED, NULL,
	 "whsec_ secrets (several during rotation).", NULL, NULL, 0, 0},
	{"store", SEAM_CFG_STR, F(seam_config_source_t, store), SEAM_CFG_REQUIRED, NULL,
	 "The store (in stores:) its events belong to.", NULL, NULL, 0, 0},
	{"kind", SEAM_CFG_ENUM, F(seam_config_source_t, kind), 0, "payment",
	 "What its events are.", NULL, "payment", 0, 0},
};
static const seam_cfg_schema_t source_schema = {"source", sizeof(seam_config_source_t),
						source_fields,
						sizeof source_fields / sizeof source_fields[0]};

static const seam_cfg_field_t psp_rules_fields[] = {
	{"stripe", SEAM_CFG_STRMAP, F(seam_config_psp_rules_t, stripe), 0, NULL,
	 "Stripe event type -> canonical event (authorized, captured, refunded, voided, expired, "
	 "failed, ignored); overrides or adds to the built-in table.", NULL, NULL, 0, 0},
	{"adyen", SEAM_CFG_STRMAP, F(seam_config_psp_rules_t, adyen), 0, NULL,
	 "Adyen eventCode -> canonical event.", NULL, NULL, 0, 0},
	{"standard", SEAM_CFG_STRMAP, F(seam_config_psp_rules_t, standard), 0, NULL,
	 "Standard Webhooks type -> canonical event.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t psp_rules_schema = {
	"payment_events", sizeof(seam_config_psp_rules_t), psp_rules_fields,
	sizeof psp_rules_fields / sizeof psp_rules_fields[0]};

static const seam_cfg_field_t flow_fields[] = {
	{"max_concurrency", SEAM_CFG_INT, F(seam_config_flow_t, max_concurrency), 0, "0",
	 "Jobs of this flow running at once across all workers and instances (0: no limit).",
	 NULL, NULL, 0, 10000},
};
static const seam_cfg_schema_t flow_schema = {"flow", sizeof(seam_config_flow_t), flow_fields,
					      sizeof flow_fields / sizeof flow_fields[0]};

static const seam_cfg_field_t root_fields[] = {
	{"listen", SEAM_CFG_STR, F(seam_config_t, listen), 0, "127.0.0.1:8080",
	 "HOST:PORT of the one HTTP listener (API, webhooks, metrics).", NULL, NULL, 0, 0},
	{"store", SEAM_CFG_STR, F(seam_config_t, store), 0, "sqlite://seam.db",
	 "Store URL: sqlite://PATH (relative to the working directory); postgresql:// is planned, "
	 "not implemented yet.", NULL, NULL, 0, 0},
	{"log", SEAM_CFG_SECTION, F(seam_config_t, log), 0, NULL, "Logging.", &log_schema, NULL, 0, 0},
	{"http", SEAM_CFG_SECTION, F(seam_config_t, http), 0, NULL, "HTTP server limits.",
	 &http_schema, NULL, 0, 0},
	{"metrics", SEAM_CFG_SECTION, F(seam_config_t, metrics), 0, NULL, "GET /metrics.",
	 &metrics_schema, NULL, 0, 0},
	{"mappings", SEAM_CFG_STR, F(seam_config_t, mappings), 0, "mappings",
	 "Directory of the Lua mappings (relative to the working directory).", NULL, NULL, 0, 0},
	{"queue", SEAM_CFG_SECTION, F(seam_config_t, queue), 0, NULL, "Durable jobs.", &queue_schema,
	 NULL, 0, 0},
	{"webhooks", SEAM_CFG_SECTION, F(seam_config_t, webhooks), 0, NULL, "Webhook ingress.",
	 &webhooks_schema, NULL, 0, 0},
	{"upstreams", SEAM_CFG_MAP, F(seam_config_t, upstreams), 0, NULL,
	 "External systems seam calls, by name.", &upstream_schema, NULL, 0, 0},
	{"stores", SEAM_CFG_MAP, F(seam_config_t, stores), 0, NULL,
	 "Storefronts, by the name used in webhook paths.", &store_schema, NULL, 0, 0},
	{"sources", SEAM_CFG_MAP, F(seam_config_t, sources), 0, NULL,
	 "Standard Webhooks senders, by the name used in /webhooks/standard/{source}.",
	 &source_schema, NULL, 0, 0},
	{"flows", SEAM_CFG_MAP, F(seam_config_t, flows), 0, NULL,
	 "Per-flow limits (payments, orders), by flow name.", &flow_schema, NULL, 0, 0},
	{"payment_events", SEAM_CFG_SECTION, F(seam_config_t, payment_events), 0, NULL,
	 "Changes to how provider events map onto payment events.", &psp_rules_schema, NULL, 0, 0},
};

const seam_cfg_schema_t seam_config_schema = {"seam.yaml", sizeof(seam_config_t), root_fields,
					      sizeof root_fields / sizeof root_fields[0]};

/* Line where the key (printf-style) was written, else its nearest enclosing key's, else 0. */
__attribute__((format(printf, 2, 3)))
static int key_line(const seam_config_t *cfg, const char *fmt, ...)
{
	char key[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	return seam_config_line(cfg, key);
}

/* Two upstream names for one site: the same name, or the same base_url. */
static int same_site(const seam_config_t *cfg, const char *a, const char *b)
{
	const seam_config_upstream_t *ua = seam_cfg_map_get(&cfg->upstreams, a);
	const seam_config_upstream_t *ub = seam_cfg_map_get(&cfg->upstreams, b);
	return !strcmp(a, b) || (ua && ub && ua->base_url && ub->base_url &&
				 !strcasecmp(ua->base_url, ub->base_url));
}

/* Seam stores on one Drupal upstream split its commerce_stores between them: each must name
 * the ones it owns (else every poller would export every order), and no UUID may be owned
 * twice. Reported once per pair, on the later store. */
static void check_store_owners(struct ctx *c, const seam_config_t *cfg, size_t i)
{
	const seam_config_store_t *st = cfg->stores.items[i];
	if (!st->drupal.upstream)
		return;
	for (size_t j = 0; j < i; j++) {
		const seam_config_store_t *o = cfg->stores.items[j];
		if (!o->drupal.upstream || !same_site(cfg, o->drupal.upstream, st->drupal.upstream))
			continue;
		if (!st->drupal.stores.n || !o->drupal.stores.n) {
			diagf(c, key_line(cfg, "stores.%s.drupal", cfg->stores.names[i]),
			      "stores.%s and stores.%s share the Drupal site of upstream '%s': "
			      "each needs drupal.store, the UUID(s) of the commerce_store(s) it owns",
			      cfg->stores.names[j], cfg->stores.names[i], st->drupal.upstream);
			continue;
		}
		for (size_t a = 0; a < st->drupal.stores.n; a++)
			for (size_t b = 0; b < o->drupal.stores.n; b++)
				if (!strcasecmp(st->drupal.stores.items[a], o->drupal.stores.items[b]))
					diagf(c, key_line(cfg, "stores.%s.drupal.store", cfg->stores.names[i]),
					      "stores.%s.drupal.store: %s is already owned by "
					      "stores.%s (one commerce_store, one seam store)",
					      cfg->stores.names[i], st->drupal.stores.items[a],
					      cfg->stores.names[j]);
	}
}

/* Checks that names used across sections exist. Each message has the line of the key that
 * names the missing thing (key_line). */
static void check_references(const char *file, seam_config_t *cfg, seam_cfg_diag_t *diag)
{
	struct ctx c = {.file = file, .diag = diag};
	for (size_t i = 0; i < cfg->stores.n; i++) {
		seam_config_store_t *st = cfg->stores.items[i];
		const char *name = cfg->stores.names[i];
		if (st->drupal.upstream && !seam_cfg_map_get(&cfg->upstreams, st->drupal.upstream))
			diagf(&c, key_line(cfg, "stores.%s.drupal.upstream", name),
			      "stores.%s.drupal.upstream: '%s' is not defined in upstreams", name,
			      st->drupal.upstream);
		if (st->erp.upstream && !seam_cfg_map_get(&cfg->upstreams, st->erp.upstream))
			diagf(&c, key_line(cfg, "stores.%s.erp.upstream", name),
			      "stores.%s.erp.upstream: '%s' is not defined in upstreams", name,
			      st->erp.upstream);
		if (st->erp.upstream && !st->drupal.upstream)
			diagf(&c, key_line(cfg, "stores.%s.erp.upstream", name),
			      "stores.%s: order export (erp.upstream) needs drupal.upstream to "
			      "fetch orders from", name);
		check_store_owners(&c, cfg, i);
	}
	for (size_t i = 0; i < cfg->sources.n; i++) {
		seam_config_source_t *src = cfg->sources.items[i];
		if (!seam_cfg_map_get(&cfg->stores, src->store))
			diagf(&c, key_line(cfg, "sources.%s.store", cfg->sources.names[i]),
			      "sources.%s.store: '%s' is not defined in stores",
			      cfg->sources.names[i], src->store);
	}
	for (size_t i = 0; i < cfg->upstreams.n; i++) {
		seam_config_upstream_t *u = cfg->upstreams.items[i];
		const char *t = u->auth.type, *name = cfg->upstreams.names[i];
		int line = key_line(cfg, "upstreams.%s.auth.type", name);
		if ((!strcmp(t, "bearer") || !strcmp(t, "api_key")) && !u->auth.token.value)
			diagf(&c, line, "upstreams.%s.auth: type %s needs token", name, t);
		if (!strcmp(t, "basic") && (!u->auth.username || !u->auth.password.value))
			diagf(&c, line, "upstreams.%s.auth: type basic needs username and password", name);
		if (!strncmp(t, "oauth2", 6) && (!u->auth.client_id || !u->auth.token_url))
			diagf(&c, line, "upstreams.%s.auth: type %s needs client_id and token_url", name, t);
		if (!strcmp(t, "oauth2_password") && (!u->auth.username || !u->auth.password.value))
			diagf(&c, line, "upstreams.%s.auth: type oauth2_password needs username and password",
			      name);
	}
}

/* The seam.yaml loader behind both entry points: text NULL reads the file `name`. */
static seam_err_t config_load(const char *name, const char *text, size_t len,
			      seam_config_t **out, seam_cfg_diag_t *diag)
{
	seam_config_t *cfg = calloc(1, sizeof *cfg);
	seam_cfg_lines_t lines = {0};
	seam_err_t rc;
	*out = NULL;
	if (!cfg)
		return SEAM_NOMEM;
	rc = text ? load_text(name, text, len, &seam_config_schema, cfg, diag, &lines)
		  : load_file(name, &seam_config_schema, cfg, diag, &lines);
	/* Kept apart until the walk is over: the loader zeroes *cfg when it fails. */
	cfg->lines = lines;
	if (rc != SEAM_OK) {
		seam_config_free(cfg);
		return rc;
	}
	cfg->path = strdup(name);
	check_references(name, cfg, diag);
	if (diag->n || !cfg->path) {
		seam_config_free(cfg);
		return diag->n ? SEAM_CONFIG : SEAM_NOMEM;
	}
	*out = cfg;
	return SEAM_OK;
}

seam_err_t seam_config_load(const char *path, seam_config_t **out, seam_cfg_diag_t *diag)
{
	return config_load(path, NULL, 0, out, diag);
}

seam_err_t seam_config_load_text(const char *name, const char *text, size_t len,
				 seam_config_t **out, seam_cfg_diag_t *diag)
{
	return config_load(name, text, len, out, diag);
}

void seam_config_free(seam_config_t *cfg)
{
	if (!cfg)
		return;
	seam_cfg_dispose(&seam_config_schema, cfg);
	seam_cfg_lines_dispose(&cfg->lines);
	free(cfg->path);
	free(cfg);
}

int seam_config_line(const seam_config_t *cfg, const char *key)
{
	return cfg ? seam_cfg_lines_get(&cfg->lines, key) : 0;
}

void seam_config_diagf(const seam_config_t *cfg, seam_cfg_diag_t *diag, const char *key,
		       const char *fmt, ...)
{
	struct ctx c = {.file = cfg && cfg->path ? cfg->path : "config", .diag = diag};
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diagf(&c, seam_config_line(cfg, key), "%s: %s", key, msg);
}

void seam_config_set_str(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}
