/*
 * registry.c: contracts/index.yaml and the schemas it names, built into the binary or read
 * from a directory (registry.h).
 *
 * A registry is read from a "tree": either the table build/gen/contracts.c holds (every file
 * of contracts/ as of the build, registry_int.h) or a directory. index.yaml is parsed by the
 * config engine (core/config.h) against the table below, so unknown keys, wrong types and a
 * compatibility that is not one of the modes come out as "index.yaml:LINE: ..." exactly as
 * seam.yaml's problems do; the checks the engine cannot express (versions, files that exist
 * and parse, formats seam knows, names) run after it with the line of the key.
 *
 * Every *.json file of the tree (named in index.yaml or not: shared definitions) is added to
 * ONE schema set under "seam:contracts/<path>" and the set is compiled once, so contracts can
 * $ref each other by relative path. Schemas whose top-level $id is an absolute URI of their
 * own (the bridge schemas say https://seam.invalid/contracts/...) resolve their relative refs
 * against it; the resolver maps that prefix back onto the tree.
 *
 * Ownership: the registry owns every string, document and the set; contracts point into it.
 * Thread-safety: open/close are one thread's; an open registry is immutable.
 */
#include "contract/registry.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "contract/registry_int.h"
#include "core/buf.h"
#include "core/config.h"

#define INDEX_FILE "index.yaml"
#define URI_PREFIX "seam:contracts/"
#define MAX_FILES 4096
#define MAX_FILE_BYTES (8u << 20)
#define MAX_DIR_DEPTH 8

/* Absolute URIs that mean "a file of this tree" (the $id prefix of seam's own schemas). */
static const char *const tree_prefixes[] = {URI_PREFIX, "https://seam.invalid/contracts/"};

/* ---------- index.yaml, as a config-engine table ---------- */

typedef struct idx_entry {
	char *file;
	seam_strlist_t versions;
	char *owner;
	char *compatibility;
	seam_strlist_t formats;
	seam_strlist_t enforced;
	char *description;
} idx_entry_t;

typedef struct idx {
	seam_cfg_map_t contracts;
} idx_t;

#define E(m) offsetof(idx_entry_t, m)
static const seam_cfg_field_t entry_fields[] = {
	{"file", SEAM_CFG_STR, E(file), SEAM_CFG_REQUIRED, NULL,
	 "Schema path relative to contracts/; {major} stands for the version.", NULL, NULL, 0, 0},
	{"versions", SEAM_CFG_STRLIST, E(versions), SEAM_CFG_REQUIRED, NULL,
	 "Major versions that exist: [1], [1, 2].", NULL, NULL, 0, 0},
	{"owner", SEAM_CFG_STR, E(owner), SEAM_CFG_REQUIRED, NULL,
	 "The system authoritative for the data (drupal, seam, erp, stripe, ...).", NULL, NULL, 0,
	 0},
	{"compatibility", SEAM_CFG_ENUM, E(compatibility), 0, "backward",
	 "What seam contract check enforces between revisions of one major version.", NULL,
	 "backward|forward|full|none|backward-transitive|forward-transitive|full-transitive", 0, 0},
	{"formats", SEAM_CFG_STRLIST, E(formats), 0, NULL, "Formats asserted when validating.",
	 NULL, NULL, 0, 0},
	{"enforced", SEAM_CFG_STRLIST, E(enforced), 0, NULL, "Where seam checks it.", NULL, NULL, 0,
	 0},
	{"description", SEAM_CFG_STR, E(description), 0, NULL, "One line.", NULL, NULL, 0, 0},
};
#undef E
static const seam_cfg_schema_t entry_schema = {"contract", sizeof(idx_entry_t), entry_fields,
					       sizeof entry_fields / sizeof entry_fields[0]};
static const seam_cfg_field_t idx_fields[] = {
	{"contracts", SEAM_CFG_MAP, offsetof(idx_t, contracts), SEAM_CFG_REQUIRED, NULL,
	 "Every contract by name.", &entry_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t idx_schema = {"index", sizeof(idx_t), idx_fields, 1};

/* ---------- the registry ---------- */

typedef struct tree_doc {
	char *path; /* relative to the tree */
	json_t *doc;
} tree_doc_t;

struct seam_contracts {
	seam_contract_t *items;
	size_t n;
	tree_doc_t *docs; /* every *.json of the tree, sorted by path */
	size_t ndocs;
	seam_schema_set_t *set;
	char **strings; /* everything the contracts point at */
	size_t nstrings;
};

/* Where a registry is read from: the built-in table (dir NULL) or a directory. */
typedef struct tree {
	const char *dir;
	const char *label; /* for messages: "contracts" (built in) or the directory */
} tree_t;

static const char *keep(seam_contracts_t *r, char *s)
{
	char **n;
	if (!s)
		return NULL;
	if (!(n = realloc(r->strings, (r->nstrings + 1) * sizeof *n))) {
		free(s);
		return NULL;
	}
	r->strings = n;
	r->strings[r->nstrings++] = s;
	return s;
}

static const char *keepf(seam_contracts_t *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *keepf(seam_contracts_t *r, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return keep(r, s);
}

/* The bytes of path in the tree (owned, NUL-terminated), or NULL with *missing set when it
 * does not exist (else an I/O problem in err). */
static char *tree_read(const tree_t *t, const char *path, size_t *len, int *missing,
		       seam_error_t *err)
{
	*missing = 0;
	if (!t->dir) {
		for (size_t i = 0; i < seam__contract_nfiles; i++)
			if (strcmp(seam__contract_files[i].path, path) == 0) {
				char *s = malloc(seam__contract_files[i].len + 1);
				if (!s)
					return NULL;
				memcpy(s, seam__contract_files[i].data, seam__contract_files[i].len + 1);
				*len = seam__contract_files[i].len;
				return s;
			}
		*missing = 1;
		return NULL;
	}
	char full[PATH_MAX];
	char *buf = NULL;
	seam_buf_t b;
	snprintf(full, sizeof full, "%s/%s", t->dir, path);
	FILE *fp = fopen(full, "re");
	if (!fp) {
		if (errno == ENOENT || errno == ENOTDIR)
			*missing = 1;
		else
			seam_errorf(err, SEAM_IO, "%s: %s", full, strerror(errno));
		return NULL;
	}
	seam_buf_init(&b, MAX_FILE_BYTES);
	switch (seam_buf_add_file(&b, fp)) {
	case SEAM_OK:
		if (seam_buf_take(&b, &buf, len) != SEAM_OK)
			buf = NULL;
		break;
	case SEAM_TOOBIG:
		seam_errorf(err, SEAM_TOOBIG, "%s: larger than %u MiB", full, MAX_FILE_BYTES >> 20);
		break;
	case SEAM_IO:
		seam_errorf(err, SEAM_IO, "%s: %s", full, strerror(errno));
		break;
	default: /* out of memory: NULL without a message, as before */
		break;
	}
	seam_buf_dispose(&b);
	fclose(fp);
	return buf;
}

static int is_json_name(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Every *.json path of a directory tree, relative to root, appended to *paths. */
static int walk_dir(const char *root, const char *rel, int depth, char ***paths, size_t *n)
{
	char full[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;
	snprintf(full, sizeof full, "%s%s%s", root, *rel ? "/" : "", rel);
	if (depth > MAX_DIR_DEPTH || !(d = opendir(full)))
		return depth > MAX_DIR_DEPTH ? 0 : -1;
	while (rc == 0 && (de = readdir(d))) {
		char sub[PATH_MAX], subfull[PATH_MAX + 2];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(subfull, sizeof subfull, "%s/%s", root, sub);
		if (stat(subfull, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = walk_dir(root, sub, depth + 1, paths, n);
		} else if (S_ISREG(st.st_mode) && is_json_name(de->d_name)) {
			char **np;
			if (*n >= MAX_FILES || !(np = realloc(*paths, (*n + 1) * sizeof *np))) {
				rc = -1;
				break;
			}
			*paths = np;
			if (!((*paths)[*n] = strdup(sub))) {
				rc = -1;
				break;
			}
			(*n)++;
		}
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_doc(const void *a, const void *b)
{
	return strcmp(((const tree_doc_t *)a)->path, ((const tree_doc_t *)b)->path);
}

const json_t *seam__contracts_doc(const seam_contracts_t *reg, const char *path)
{
	tree_doc_t key = {.path = (char *)path};
	const tree_doc_t *d;
	if (!reg || !path)
		return NULL;
	d = bsearch(&key, reg->docs, reg->ndocs, sizeof *reg->docs, cmp_doc);
	return d ? d->doc : NULL;
}

/* Line 1-based of a jansson error inside file, as "file:line:col: text". */
static seam_err_t json_problem(seam_error_t *err, const char *label, const char *path,
			       const json_error_t *je)
{
	return seam_errorf(err, SEAM_PARSE, "%s/%s:%d:%d: not JSON: %s", label, path, je->line,
			   je->column, je->text);
}

/* Reads and parses every *.json of the tree into r->docs. */
static seam_err_t load_docs(seam_contracts_t *r, const tree_t *t, seam_error_t *err)
{
	char **paths = NULL;
	size_t n = 0;
	seam_err_t rc = SEAM_NOMEM;
	if (!t->dir) {
		for (size_t i = 0; i < seam__contract_nfiles; i++)
			if (is_json_name(seam__contract_files[i].path)) {
				char **np = realloc(paths, (n + 1) * sizeof *np);
				if (!np)
					goto out;
				paths = np;
				if (!(paths[n] = strdup(seam__contract_files[i].path)))
					goto out;
				n++;
			}
	} else if (walk_dir(t->dir, "", 0, &paths, &n) != 0) {
		rc = seam_errorf(err, SEAM_IO, "%s: cannot list the directory", t->dir);
		goto out;
	}
	qsort(paths, n, sizeof *paths, cmp_str);
	if (n && !(r->docs = calloc(n, sizeof *r->docs)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		int missing;
		json_error_t je;
		char *text = tree_read(t, paths[i], &len, &missing, err);
		if (!text) {
			rc = missing ? seam_errorf(err, SEAM_IO, "%s/%s: vanished", t->label, paths[i])
				     : (err && err->code ? err->code : SEAM_NOMEM);
			goto out;
		}
		json_t *doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
		free(text);
		if (!doc) {
			rc = json_problem(err, t->label, paths[i], &je);
			goto out;
		}
		r->docs[r->ndocs].path = paths[i];
		r->docs[r->ndocs].doc = doc;
		paths[i] = NULL;
		r->ndocs++;
	}
	rc = SEAM_OK;
out:
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

/* The set's resolver: an absolute URI under one of the tree's prefixes is that file. */
static json_t *resolve_tree(const char *uri, void *ud)
{
	const seam_contracts_t *r = ud;
	for (size_t i = 0; i < sizeof tree_prefixes / sizeof tree_prefixes[0]; i++) {
		size_t pl = strlen(tree_prefixes[i]);
		if (strncmp(uri, tree_prefixes[i], pl) == 0) {
			const json_t *d = seam__contracts_doc(r, uri + pl);
			return d ? json_incref((json_t *)d) : NULL;
		}
	}
	return NULL;
}

static int valid_name(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* "1" .. "9999" -> the number; -1 otherwise. */
static int parse_major(const char *s)
{
	int v = 0;
	if (!*s || *s == '0' || strlen(s) > 4)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* file with every "{major}" replaced by v; owned. */
static char *expand_file(const char *file, int v)
{
	char num[16], *out;
	size_t nl, len = 0, cap;
	snprintf(num, sizeof num, "%d", v);
	nl = strlen(num);
	cap = strlen(file) + 1;
	for (const char *p = file; (p = strstr(p, "{major}")); p += 7)
		cap += nl;
	if (!(out = malloc(cap)))
		return NULL;
	for (const char *p = file; *p;) {
		if (strncmp(p, "{major}", 7) == 0) {
			memcpy(out + len, num, nl);
			len += nl;
			p += 7;
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
	return out;
}

static int cmp_contract(const void *a, const void *b)
{
	const seam_contract_t *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->version > y->version) - (x->version < y->version);
}

static char *join_list(const seam_strlist_t *l, const char *sep)
{
	size_t len = 1;
	char *s;
	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->items[i]) + strlen(sep);
	if (!(s = malloc(len)))
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			strcat(s, sep);
		strcat(s, l->items[i]);
	}
	return s;
}

/* Checks one index entry and appends a contract per version. Problems go to chk. */
static int add_entry(seam_contracts_t *r, const seam_cfg_check_t *chk, const char *name,
		     const idx_entry_t *e)
{
	char key[320];
	uint32_t formats = 0;
	int bad = 0;
	snprintf(key, sizeof key, "contracts.%s", name);
	if (!valid_name(name)) {
		seam_cfg_check_keyf(chk, key,
				    "a contract name is lower case letters, digits, '.', '-', '_', "
				    "starting with a letter");
		bad = 1;
	}
	for (size_t i = 0; i < e->formats.n; i++)
		if (seam_schema_format_lookup(e->formats.items[i]) < 0) {
			snprintf(key, sizeof key, "contracts.%s.formats", name);
			seam_cfg_check_keyf(chk, key, "unknown format '%s'", e->formats.items[i]);
			bad = 1;
		} else {
			formats |= SEAM_FORMAT_BIT(seam_schema_format_lookup(e->formats.items[i]));
		}
	if (e->versions.n > 1 && !strstr(e->file, "{major}")) {
		snprintf(key, sizeof key, "contracts.%s.file", name);
		seam_cfg_check_keyf(chk, key, "several versions need {major} in the file name");
		bad = 1;
	}
	if (e->versions.n == 0) {
		snprintf(key, sizeof key, "contracts.%s.versions", name);
		seam_cfg_check_keyf(chk, key, "no version listed");
		bad = 1;
	}
	if (bad)
		return -1;
	const char *enforced = keep(r, join_list(&e->enforced, "; "));
	seam_compat_e compat = SEAM_COMPAT_BACKWARD;
	if (strncmp(e->compatibility, "forward", 7) == 0)
		compat = SEAM_COMPAT_FORWARD;
	else if (strncmp(e->compatibility, "full", 4) == 0)
		compat = SEAM_COMPAT_FULL;
	else if (strcmp(e->compatibility, "none") == 0)
		compat = SEAM_COMPAT_NONE;
	for (size_t i = 0; i < e->versions.n; i++) {
		int v = parse_major(e->versions.items[i]);
		snprintf(key, sizeof key, "contracts.%s.versions", name);
		if (v < 0) {
			seam_cfg_check_keyf(chk, key, "'%s' is not a major version (1, 2, ...)",
					    e->versions.items[i]);
			bad = 1;
			continue;
		}
		for (size_t j = 0; j < r->n; j++)
			if (strcmp(r->items[j].name, name) == 0 && r->items[j].version == v) {
				seam_cfg_check_keyf(chk, key, "%s@v%d is listed twice", name, v);
				bad = 1;
			}
		if (bad)
			continue;
		const char *path = keep(r, expand_file(e->file, v));
		if (!path)
			return -1;
		const json_t *doc = seam__contracts_doc(r, path);
		if (!doc) {
			snprintf(key, sizeof key, "contracts.%s.file", name);
			seam_cfg_check_keyf(chk, key, "%s@v%d: no file %s (or it is not a .json file)",
					    name, v, path);
			bad = 1;
			continue;
		}
		seam_contract_t *ni = realloc(r->items, (r->n + 1) * sizeof *ni);
		if (!ni)
			return -1;
		r->items = ni;
		seam_contract_t *c = &r->items[r->n++];
		memset(c, 0, sizeof *c);
		c->name = keep(r, strdup(name));
		c->version = v;
		c->ref = keepf(r, "%s@v%d", name, v);
		c->path = path;
		c->uri = keepf(r, URI_PREFIX "%s", path);
		c->owner = keep(r, strdup(e->owner));
		c->description = keep(r, strdup(e->description ? e->description : ""));
		c->enforced = enforced ? enforced : "";
		c->compat = compat;
		c->transitive = strstr(e->compatibility, "-transitive") != NULL;
		c->assert_formats = formats;
		c->doc = doc;
		if (!c->name || !c->ref || !c->uri || !c->owner || !c->description)
			return -1;
	}
	return bad ? -1 : 0;
}

/* diag's lines joined into err (one line: "; " between problems). */
static seam_err_t diag_error(seam_error_t *err, const seam_cfg_diag_t *d)
{
	char msg[SEAM_ERROR_MSG_MAX];
	size_t len = 0;
	msg[0] = '\0';
	for (size_t i = 0; i < d->n && len < sizeof msg; i++)
		len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", i ? "; " : "", d->lines[i]);
	return seam_errorf(err, SEAM_CONFIG, "%s", msg[0] ? msg : "index.yaml: unusable");
}

static seam_err_t open_tree(seam_contracts_t **out, const tree_t *t, seam_error_t *err)
{
	seam_contracts_t *r = calloc(1, sizeof *r);
	seam_cfg_diag_t diag = {0};
	seam_cfg_lines_t lines = {0};
	idx_t idx;
	int have_idx = 0;
	char *text = NULL, label[PATH_MAX];
	size_t len = 0;
	int missing = 0;
	seam_err_t rc = SEAM_NOMEM;

	*out = NULL;
	memset(&idx, 0, sizeof idx);
	if (!r)
		goto out;
	snprintf(label, sizeof label, "%s/" INDEX_FILE, t->label);
	if (!(text = tree_read(t, INDEX_FILE, &len, &missing, err))) {
		rc = missing ? seam_errorf(err, SEAM_CONFIG, "%s: no such file", label)
			     : (err && err->code ? err->code : SEAM_NOMEM);
		goto out;
	}
	if ((rc = load_docs(r, t, err)) != SEAM_OK)
		goto out;
	if (seam_cfg_load_doc(label, text, len, &idx_schema, &idx, &diag, &lines) != SEAM_OK) {
		rc = diag_error(err, &diag);
		goto out;
	}
	have_idx = 1;
	seam_cfg_check_t chk = {.file = label, .lines = &lines, .diag = &diag};
	for (size_t i = 0; i < idx.contracts.n; i++)
		if (add_entry(r, &chk, idx.contracts.names[i], idx.contracts.items[i]) != 0 &&
		    diag.n == 0)
			goto out; /* out of memory */
	if (diag.n) {
		rc = diag_error(err, &diag);
		goto out;
	}
	qsort(r->items, r->n, sizeof *r->items, cmp_contract);
	for (size_t i = 0; i < r->n; i++)
		r->items[i].latest = i + 1 == r->n || strcmp(r->items[i + 1].name, r->items[i].name);

	if (!(r->set = seam_schema_set_create()))
		goto out;
	seam_schema_set_resolver(r->set, resolve_tree, r);
	for (size_t i = 0; i < r->ndocs; i++) {
		char uri[PATH_MAX];
		snprintf(uri, sizeof uri, URI_PREFIX "%s", r->docs[i].path);
		if ((rc = seam_schema_set_add(r->set, uri, r->docs[i].doc, err)) != SEAM_OK)
			goto out;
	}
	if ((rc = seam_schema_set_compile(r->set, err)) != SEAM_OK) {
		/* name the file as the user knows it: <dir>/x/v1/x.schema.json#/pointer */
		char *at = err ? strstr(err->msg, URI_PREFIX) : NULL;
		if (at) {
			char msg[SEAM_ERROR_MSG_MAX];
			snprintf(msg, sizeof msg, "%.*s%s/%s", (int)(at - err->msg), err->msg, t->label,
				 at + strlen(URI_PREFIX));
			seam_errorf(err, rc, "%s", msg);
		} else {
			seam_error_prefix(err, "%s", t->label);
		}
		goto out;
	}
	for (size_t i = 0; i < r->n; i++) {
		seam_contract_t *c = &r->items[i];
		const json_t *id = json_is_object(c->doc) ? json_object_get(c->doc, "$id") : NULL;
		c->schema = seam_schema_set_get(r->set, c->uri);
		if (!c->schema && json_is_string(id))
			c->schema = seam_schema_set_get(r->set, json_string_value(id));
		if (!c->schema) {
			rc = seam_errorf(err, SEAM_ERR, "%s: %s compiled but cannot be found", c->ref,
					 c->uri);
			goto out;
		}
	}
	*out = r;
	r = NULL;
	rc = SEAM_OK;
out:
	if (have_idx)
		seam_cfg_dispose(&idx_schema, &idx);
	seam_cfg_diag_dispose(&diag);
	seam_cfg_lines_dispose(&lines);
	free(text);
	seam_contracts_close(r);
	if (rc == SEAM_NOMEM && err && !err->msg[0])
		seam_errorf(err, SEAM_NOMEM, "contracts: out of memory");
	return rc;
}

seam_err_t seam_contracts_open(seam_contracts_t **out, seam_error_t *err)
{
	tree_t t = {.dir = NULL, .label = "contracts"};
	return open_tree(out, &t, err);
}

seam_err_t seam_contracts_open_dir(seam_contracts_t **out, const char *dir, seam_error_t *err)
{
	tree_t t = {.dir = dir, .label = dir};
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*out = NULL;
		return seam_errorf(err, SEAM_CONFIG, "%s: not a directory", dir);
	}
	return open_tree(out, &t, err);
}

void seam_contracts_close(seam_contracts_t *reg)
{
	if (!reg)
		return;
	seam_schema_set_destroy(reg->set);
	for (size_t i = 0; i < reg->ndocs; i++) {
		free(reg->docs[i].path);
		json_decref(reg->docs[i].doc);
	}
	free(reg->docs);
	for (size_t i = 0; i < reg->nstrings; i++)
		free(reg->strings[i]);
	free(reg->strings);
	free(reg->items);
	free(reg);
}

size_t seam_contracts_count(const seam_contracts_t *reg)
{
	return reg ? reg->n : 0;
}

const seam_contract_t *seam_contracts_at(const seam_contracts_t *reg, size_t i)
{
	return reg && i < reg->n ? &reg->items[i] : NULL;
}

const seam_contract_t *seam_contracts_find(const seam_contracts_t *reg, const char *ref)
{
	const char *at;
	size_t nl;
	int v = -1;
	if (!reg || !ref)
		return NULL;
	at = strchr(ref, '@');
	nl = at ? (size_t)(at - ref) : strlen(ref);
	if (at && (at[1] != 'v' || (v = parse_major(at + 2)) < 0))
		return NULL;
	for (size_t i = 0; i < reg->n; i++) {
		const seam_contract_t *c = &reg->items[i];
		if (strlen(c->name) != nl || strncmp(c->name, ref, nl) != 0)
			continue;
		if (at ? c->version == v : c->latest)
			return c;
	}
	return NULL;
}

bool seam_contract_validate(const seam_contract_t *c, const json_t *doc, json_t **errors)
{
	seam_schema_opts_t opts = {.assert_formats = c->assert_formats};
	return seam_schema_validate(c->schema, doc, &opts, errors);
}

/* The last segment of a JSON pointer, unescaped (~1 -> /, ~0 -> ~); owned. */
static char *last_segment(const char *ptr)
{
	const char *s = ptr ? strrchr(ptr, '/') : NULL;
	char *out, *o;
	s = s ? s + 1 : (ptr ? ptr : "");
	if (!(out = malloc(strlen(s) + 1)))
		return NULL;
	for (o = out; *s; s++) {
		if (s[0] == '~' && s[1] == '1')
			*o++ = '/', s++;
		else if (s[0] == '~' && s[1] == '0')
			*o++ = '~', s++;
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static const char *str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

json_t *seam_contract_errors_public(const json_t *basic)
{
	json_t *out = json_array();
	size_t i;
	const json_t *e;
	if (!out)
		return NULL;
	json_array_foreach(basic, i, e) {
		char *kw = last_segment(str_of(e, "keywordLocation"));
		json_t *o = json_pack("{s:s, s:s, s:s}", "pointer", str_of(e, "instanceLocation"),
				      "keyword", kw ? kw : "", "detail", str_of(e, "error"));
		free(kw);
		if (!o || json_array_append_new(out, o) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

char *seam_contract_errors_text(const json_t *basic, size_t max)
{
	size_t len = 0, i;
	const json_t *e;
	char *out;
	if (max == 0)
		max = 1;
	if (!(out = malloc(max)))
		return NULL;
	out[0] = '\0';
	json_array_foreach(basic, i, e) {
		char *kw = last_segment(str_of(e, "keywordLocation"));
		const char *ptr = str_of(e, "instanceLocation");
		int n = snprintf(out + len, max - len, "%s%s: %s (%s)", i ? "; " : "",
				 *ptr ? ptr : "/", str_of(e, "error"), kw ? kw : "");
		free(kw);
		if (n < 0 || (size_t)n >= max - len) {
			/* cut, then drop a UTF-8 character the cut left incomplete */
			size_t j;
			len = max - 1;
			j = len;
			while (j > 0 && ((unsigned char)out[j - 1] & 0xC0) == 0x80)
				j--;
			if (j > 0 && (unsigned char)out[j - 1] >= 0xC0) {
				unsigned char b = (unsigned char)out[j - 1];
				size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
				if (len - (j - 1) < need)
					len = j - 1;
			}
			out[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	return out;
}
