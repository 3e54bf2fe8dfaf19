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
/* Frees everything the loader allocated inside `obj` (not obj itself). NULL ok. */
void seam_cfg_dispose(const seam_cfg_schema_t *schema, void *obj);
/* Prints the schema as a Markdown reference (key, type, default, meaning). */
void seam_cfg_print_reference(const seam_cfg_schema_t *schema, FILE *fp);

/* The value of key in a STRMAP; NULL when absent. */
const char *seam_cfg_strmap_get(const seam_strmap_t *m, const char *key);

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
	int64_t header_timeout_ms;
	int64_t body_min_rate;
	int64_t per_ip_limit;
} seam_config_http_t;

typedef struct seam_config_metrics {
	int require_key;
} seam_config_metrics_t;

typedef struct seam_config_queue {
	int64_t workers;
	int64_t lease_ms;
	int64_t poll_ms;
	int64_t backoff_base_ms;
	int64_t backoff_cap_ms;
	int64_t max_attempts;
	int64_t batch_max;
	int64_t retain_ms;
} seam_config_queue_t;

typedef struct seam_config_webhooks {
	int64_t tolerance_ms;   /* signature timestamp tolerance, both directions */
} seam_config_webhooks_t;

typedef struct seam_config_auth {
	char *type;             /* none|bearer|api_key|basic|oauth2_client_credentials|oauth2_password */
	char *header;
	seam_secret_t token;
	char *username;
	seam_secret_t password;
	char *client_id;
	seam_secret_t client_secret;
	char *token_url;
	char *scope;
} seam_config_auth_t;

typedef struct seam_config_breaker {
	int64_t window_calls;
	int64_t min_calls;
	int64_t failure_pct;
	int64_t open_ms;
} seam_config_breaker_t;

/* upstreams.<name>: one external system seam calls. */
typedef struct seam_config_upstream {
	char *base_url;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	int64_t max_concurrency;
	int64_t rate_per_s;
	int64_t burst;
	int tls_skip_verify;
	char *ca_file;
	seam_config_auth_t auth;
	seam_config_breaker_t breaker;
} seam_config_upstream_t;

typedef struct seam_config_store_drupal {
	char *upstream;          /* name in upstreams: the storefront's JSON:API */
	seam_secretlist_t event_secrets; /* whsec_ secrets of POST /webhooks/drupal/{store} */
	char *payment_gateway;   /* Drupal payment gateway id for payments seam creates */
	char *payment_gateway_mode; /* test|live */
	char *payment_bundle;    /* JSON:API bundle of commerce_payment, e.g. payment_default */
	int64_t poll_interval_ms;   /* order poller period; 0 = off */
	seam_strlist_t stores;      /* UUIDs of the commerce_store(s) this seam store owns; empty:
				     * every store of the site (only when no other seam store
				     * shares the Drupal upstream) */
} seam_config_store_drupal_t;

typedef struct seam_config_store_erp {
	char *upstream;          /* name in upstreams; empty = no order export */
	char *company;           /* ERP company id */
	char *customer;          /* default customer number */
	char *shipping_account;  /* G/L account for shipping charges */
	char *mapping;           /* mapping name in mappings/ */
} seam_config_store_erp_t;

/* stores.<name>: one storefront (Drupal store) and what it routes to. */
typedef struct seam_config_store {
	seam_config_store_drupal_t drupal;
	seam_secretlist_t stripe_secrets;  /* Stripe endpoint secrets (whsec_), rotation-ready */
	seam_secretlist_t adyen_hmac_keys; /* Adyen HMAC keys (hex) */
	seam_config_store_erp_t erp;
} seam_config_store_t;

/* sources.<name>: a Standard Webhooks sender. */
typedef struct seam_config_source {
	seam_secretlist_t secrets; /* whsec_... */
	char *store;               /* the store its events belong to */
	char *kind;                /* what its events are: payment */
} seam_config_source_t;

/* payment_events: integrators' changes to the provider event -> canonical event mapping. */
typedef struct seam_config_psp_rules {
	seam_strmap_t stripe;
	seam_strmap_t adyen;
	seam_strmap_t standard;
} seam_config_psp_rules_t;

/* flows.<name>: run-time limits of one flow. */
typedef struct seam_config_flow {
	int64_t max_concurrency;
} seam_config_flow_t;

typedef struct seam_config {
	char *path; /* the file it was loaded from ("(built-in defaults)" without one) */
	seam_cfg_lines_t lines; /* where each key was written (not part of the schema) */
	char *listen;
	char *store;
	char *mappings;
	seam_config_log_t log;
	seam_config_http_t http;
	seam_config_metrics_t metrics;
	seam_config_queue_t queue;
	seam_config_webhooks_t webhooks;
	seam_cfg_map_t upstreams; /* of seam_config_upstream_t */
	seam_cfg_map_t stores;    /* of seam_config_store_t */
	seam_cfg_map_t sources;   /* of seam_config_source_t */
	seam_cfg_map_t flows;     /* of seam_config_flow_t */
	seam_config_psp_rules_t payment_events;
} seam_config_t;

extern const seam_cfg_schema_t seam_config_schema;

/* Loads seam.yaml. On SEAM_CONFIG, *diag holds every problem and *out is NULL. */
seam_err_t seam_config_load(const char *path, seam_config_t **out, seam_cfg_diag_t *diag);
/* The same from text; `name` stands for the file in messages and in cfg->path ("{}" with
 * name "(built-in defaults)" gives the defaults). */
seam_err_t seam_config_load_text(const char *name, const char *text, size_t len,
				 seam_config_t **out, seam_cfg_diag_t *diag);
/* Line where key (a dotted path, "stores.us.erp.upstream") was written in cfg's file, else
 * that of the nearest enclosing key written there, else 0 (a default). */
int seam_config_line(const seam_config_t *cfg, const char *key);
/* Adds "file:line: key: message" to diag, with the line of key (seam_config_line). Every
 * check after the load reports this way, so each problem points at the key to fix. */
__attribute__((format(printf, 4, 5)))
void seam_config_diagf(const seam_config_t *cfg, seam_cfg_diag_t *diag, const char *key,
		       const char *fmt, ...);
void seam_config_free(seam_config_t *cfg);
/* Replaces a string field (for --listen / --store overrides). */
void seam_config_set_str(char **field, const char *value);

#endif
