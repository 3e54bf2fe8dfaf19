/*
 * config.h: seam.yaml, declared as tables and validated before anything starts.
 *
 * The schema is data: each section is a seam_cfg_schema_t listing its fields (name, type,
 * where it lands in the C struct, default, doc). The loader walks the YAML (libfyaml) against
 * the schema and reports EVERY problem as "file:line: message" (unknown keys, wrong types,
 * missing required values, bad durations, unreadable secret files); only a config with no
 * problems is returned. `seam check --reference` prints the same tables as documentation, so
 * the docs cannot drift from the parser.
 *
 * Secrets are never literal in the file: a SECRET field is `{file: path}` (relative to the
 * config file's directory; trailing newline stripped) or `{env: NAME}`. A literal string there
 * is an error. Resolved secret bytes live only in memory (wiped on free) and never appear in
 * messages; messages name the source ("env SEAM_X", "file ./k").
 *
 * Ownership: seam_config_load returns an owned seam_config_t (free with seam_config_free);
 * every string in it is owned by it. Thread-safety: immutable after load; share freely.
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
	SEAM_CFG_STRLIST,  /* seam_strlist_t */
	SEAM_CFG_SECRETLIST, /* seam_secretlist_t: a list of {file:}/{env:} (key rotation) */
} seam_cfg_type_e;

#define SEAM_CFG_REQUIRED 0x1

typedef struct seam_secret {
	char *value;  /* NUL-terminated; may contain no NUL itself */
	size_t len;
	char *source; /* "env NAME" or "file PATH", for messages */
} seam_secret_t;

typedef struct seam_strlist {
	size_t n;
	char **items;
} seam_strlist_t;

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
/* Frees everything the loader allocated inside `obj` (not obj itself). NULL ok. */
void seam_cfg_dispose(const seam_cfg_schema_t *schema, void *obj);
/* Prints the schema as a Markdown reference (key, type, default, meaning). */
void seam_cfg_print_reference(const seam_cfg_schema_t *schema, FILE *fp);

/* Looks up a named entry of a MAP; NULL when absent. */
void *seam_cfg_map_get(const seam_cfg_map_t *m, const char *name);

/* ---- seam.yaml ---- */

typedef struct seam_config_log {
	char *level;
	int access_log;
} seam_config_log_t;

typedef struct seam_config_http {
	int64_t threads;
	int64_t body_limit;
	int64_t request_timeout_ms;
	int64_t header_limit;
	int64_t connection_limit;
	int64_t drain_timeout_ms;
} seam_config_http_t;

typedef struct seam_config_metrics {
	int require_key;
} seam_config_metrics_t;

typedef struct seam_config {
	char *path; /* the file it was loaded from */
	char *listen;
	char *store;
	seam_config_log_t log;
	seam_config_http_t http;
	seam_config_metrics_t metrics;
} seam_config_t;

extern const seam_cfg_schema_t seam_config_schema;

/* Loads seam.yaml. On SEAM_CONFIG, *diag holds every problem and *out is NULL. */
seam_err_t seam_config_load(const char *path, seam_config_t **out, seam_cfg_diag_t *diag);
void seam_config_free(seam_config_t *cfg);
/* Replaces a string field (for --listen / --store overrides). */
void seam_config_set_str(char **field, const char *value);

#endif
