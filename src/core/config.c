/*
 * config.c: the schema-driven YAML loader (the engine; the sections live with their owners).
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

#define SECRET_FILE_MAX (1u << 20)

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
	/* Up to SECRET_FILE_MAX bytes; one more is read to tell "exactly the limit" from "over".
	 * Grown by copying into a new buffer and wiping the old one (realloc would leave copies of
	 * the secret in freed memory). */
	for (;;) {
		if (len + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;
			if (cap >= SECRET_FILE_MAX + 2) {
				diagf(c, line, "%s: secret file %s is larger than %u MiB", fpath, full,
				      SECRET_FILE_MAX >> 20);
				goto close;
			}
			if (ncap > SECRET_FILE_MAX + 2)
				ncap = SECRET_FILE_MAX + 2;
			if (!(nb = malloc(ncap)))
				goto close;
			if (buf) {
				memcpy(nb, buf, len);
				explicit_bzero(buf, cap);
				free(buf);
			}
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

seam_err_t seam_cfg_load_doc(const char *name, const char *text, size_t len,
			     const seam_cfg_schema_t *schema, void *out, seam_cfg_diag_t *diag,
			     seam_cfg_lines_t *lines)
{
	memset(lines, 0, sizeof *lines);
	return text ? load_text(name, text, len, schema, out, diag, lines)
		    : load_file(name, schema, out, diag, lines);
}

seam_err_t seam_cfg_defaults(const seam_cfg_schema_t *schema, void *out)
{
	seam_cfg_diag_t diag = {0};
	struct ctx c = {.file = "(defaults)", .diag = &diag};
	seam_err_t rc = SEAM_OK;
	memset(out, 0, schema->size);
	if (parse_section(&c, schema, NULL, out, 0, "", 0) != 0 || diag.n) {
		seam_cfg_dispose(schema, out);
		memset(out, 0, schema->size);
		rc = SEAM_CONFIG;
	}
	seam_cfg_diag_dispose(&diag);
	return rc;
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

/* ---------- checks after the load ---------- */

int seam_cfg_check_line(const seam_cfg_check_t *c, const char *fmt, ...)
{
	char key[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	return c->lines ? seam_cfg_lines_get(c->lines, key) : 0;
}

void seam_cfg_check_addf(const seam_cfg_check_t *c, int line, const char *fmt, ...)
{
	struct ctx x = {.file = c->file ? c->file : "config", .diag = c->diag};
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diagf(&x, line, "%s", msg);
}

void seam_cfg_check_keyf(const seam_cfg_check_t *c, const char *key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	seam_cfg_check_addf(c, c->lines ? seam_cfg_lines_get(c->lines, key) : 0, "%s: %s", key, msg);
}
