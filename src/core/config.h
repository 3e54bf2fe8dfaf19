/*
 * config.h: the config engine: YAML files declared as tables and validated before anything
 * starts. It knows no section of seam.yaml: each module declares its own section as a table
 * next to its code (the queue's in queue/queue_config.c, the HTTP server's in
 * http/server_config.c, ...), and the composition root (app/config.c) assembles the file's
 * root schema from those tables and the flow registry (docs/design.md, "Architecture").
 *
 * The schema is data: each section is a seam_cfg_schema_t listing its fields (name, type,
 * where it lands in the C struct, default, doc). The loader walks the YAML (libfyaml) against
 * the schema and reports EVERY problem as "file:line: message" (unknown keys, wrong types,
 * missing required values, bad durations, unreadable secret files); only a config with no
 * problems is returned. `seam check --reference` prints the same tables as documentation, so
 * the docs cannot drift from the parser. A field's default is written once, in its row: code
 * that needs the default without a file asks the table (seam_cfg_defaults).
 *
 * Secrets are never literal in the file: a SECRET field is `{file: path}` (relative to the
 * config file's directory; trailing newline stripped) or `{env: NAME}`. A literal string there
 * is an error. Resolved secret bytes live only in memory (wiped on free) and never appear in
 * messages; messages name the source ("env SEAM_X", "file ./k").
 *
 * Ownership: the loader fills caller memory of schema->size; every string in it is owned by
 * it until seam_cfg_dispose. Thread-safety: loading is reentrant; a loaded struct is
 * immutable; share freely.
 */
#ifndef SEAM_CORE_CONFIG_H
#define SEAM_CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

typedef enum seam_cfg_type_e {
	SEAM_CFG_STR,      /* char * */
	SEAM_CFG_INT,      /* int64_t */
	SEAM_CFG_BOOL,     /* int */
	SEAM_CFG_DURATION, /* int64_t milliseconds: "250ms", "30s", "5m" */
	SEAM_CFG_SIZE,     /* int64_t bytes: "1MiB" */
	SEAM_CFG_SECRET,   /* seam_secret_t */
	SEAM_CFG_ENUM,     /* char *, one of field->enums ("a|b|c") */
	SEAM_CFG_SECTION,  /* embedded struct described by field->sub */
	SEAM_CFG_MAP,      /* seam_cfg_map_t: user-named entries, each a field->sub struct */
	SEAM_CFG_STRLIST,  /* seam_strlist_t; a single string is a one-item list */
	SEAM_CFG_SECRETLIST, /* seam_secretlist_t: a list of {file:}/{env:} (key rotation) */
	SEAM_CFG_STRMAP,   /* seam_strmap_t: a mapping of user keys to strings */
} seam_cfg_type_e;

#define SEAM_CFG_REQUIRED 0x1
#define SEAM_CFG_UUID 0x2 /* STR/STRLIST: every value must be a UUID (checked with its line) */

typedef struct seam_secret {
	char *value;  /* NUL-terminated; may contain no NUL itself */
	size_t len;
	char *source; /* "env NAME" or "file PATH", for messages */
} seam_secret_t;

typedef struct seam_strlist {
	size_t n;
	char **items;
} seam_strlist_t;

typedef struct seam_strmap {
	size_t n;
	char **keys;
	char **values;
} seam_strmap_t;

typedef struct seam_secretlist {
	size_t n;
	seam_secret_t *items;
} seam_secretlist_t;

typedef struct seam_cfg_map {
	size_t n;
	char **names;
	void **items; /* each points to a struct of the entry schema's size */
} seam_cfg_map_t;

typedef struct seam_cfg_schema seam_cfg_schema_t;

typedef struct seam_cfg_field {
	const char *name;
	seam_cfg_type_e type;
	size_t offset;
	unsigned flags;
	const char *def;  /* default, written as it would be in YAML; NULL = none */
	const char *doc;  /* one line for the reference */
	const seam_cfg_schema_t *sub;
	const char *enums;
	int64_t min, max; /* inclusive bounds for INT/DURATION/SIZE when min < max */
} seam_cfg_field_t;

struct seam_cfg_schema {
	const char *name;
	size_t size;
	const seam_cfg_field_t *fields;
	size_t nfields;
};

/* Problems found while loading: one "file:line: message" each. */
typedef struct seam_cfg_diag {
	size_t n;
	char **lines;
} seam_cfg_diag_t;

void seam_cfg_diag_dispose(seam_cfg_diag_t *d);
void seam_cfg_diag_print(const seam_cfg_diag_t *d, FILE *fp);
/* Adds one line as written (it carries its own "file:line: "). */
__attribute__((format(printf, 2, 3)))
void seam_cfg_diag_addf(seam_cfg_diag_t *d, const char *fmt, ...);

/* Where each key of a loaded document was written ("stores.us.erp.upstream" -> 12), so checks
 * that run after the walk (names used across sections, mappings, the store) can still say
 * file:line. Owned by whoever holds it; paths[i] and the arrays are freed by dispose. */
typedef struct seam_cfg_lines {
	size_t n;
	char **paths;
	int *lines;
} seam_cfg_lines_t;

/* Line of the key path, else of its nearest enclosing key that was written, else 0. */
int seam_cfg_lines_get(const seam_cfg_lines_t *l, const char *path);
void seam_cfg_lines_dispose(seam_cfg_lines_t *l);

/*
 * Generic loader: parses `path` against `schema` into `out` (caller memory of schema->size,
 * zeroed by the loader). Returns SEAM_OK, or SEAM_CONFIG with every problem in *diag (and out
 * freed back to zero). Usable for any YAML file with a schema (seam.yaml, sim.yaml).
 */
seam_err_t seam_cfg_load(const char *path, const seam_cfg_schema_t *schema, void *out,
			 seam_cfg_diag_t *diag);
/* Same, from text (tests); `name` is used in messages as the file name. */
seam_err_t seam_cfg_load_text(const char *name, const char *text, size_t len,
			      const seam_cfg_schema_t *schema, void *out, seam_cfg_diag_t *diag);
/* Either of the two (text NULL: read the file `name`), also recording in *lines (zeroed
 * first; the caller disposes it, also on failure) where each key was written, for the checks
 * that run after the load. */
seam_err_t seam_cfg_load_doc(const char *name, const char *text, size_t len,
			     const seam_cfg_schema_t *schema, void *out, seam_cfg_diag_t *diag,
			     seam_cfg_lines_t *lines);
/* Fills `out` (caller memory of schema->size, zeroed here) with every default of the schema
 * and its sections, as loading an empty file would. Free with seam_cfg_dispose. Returns
 * SEAM_OK, or SEAM_CONFIG when a default in the table does not parse (a bug in the table). */
seam_err_t seam_cfg_defaults(const seam_cfg_schema_t *schema, void *out);
/* Frees everything the loader allocated inside `obj` (not obj itself). NULL ok. */
void seam_cfg_dispose(const seam_cfg_schema_t *schema, void *obj);
/* Prints the schema as a Markdown reference (key, type, default, meaning). */
void seam_cfg_print_reference(const seam_cfg_schema_t *schema, FILE *fp);

/* The value of key in a STRMAP; NULL when absent. */
const char *seam_cfg_strmap_get(const seam_strmap_t *m, const char *key);

/* Looks up a named entry of a MAP; NULL when absent. */
void *seam_cfg_map_get(const seam_cfg_map_t *m, const char *name);

/*
 * Checks that run after a load (names used across sections, secrets that must decode, ...)
 * report through a seam_cfg_check_t so each message still says file:line. Each module that
 * owns a section exports its check as a function taking one; the root calls them.
 */
typedef struct seam_cfg_check {
	const char *file;              /* the file's name for messages ("config" when NULL) */
	const seam_cfg_lines_t *lines; /* where keys were written; NULL: no lines */
	seam_cfg_diag_t *diag;         /* problems are added here */
} seam_cfg_check_t;

/* Line where the key (printf-style dotted path) was written, else that of its nearest
 * enclosing key written, else 0 (a default). */
__attribute__((format(printf, 2, 3)))
int seam_cfg_check_line(const seam_cfg_check_t *c, const char *fmt, ...);
/* Adds "file:line: message" (line 0: "file: message"). */
__attribute__((format(printf, 3, 4)))
void seam_cfg_check_addf(const seam_cfg_check_t *c, int line, const char *fmt, ...);
/* Adds "file:line: key: message" with the line of key (seam_cfg_check_line). */
__attribute__((format(printf, 3, 4)))
void seam_cfg_check_keyf(const seam_cfg_check_t *c, const char *key, const char *fmt, ...);

#endif
