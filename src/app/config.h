/*
 * config.h: seam.yaml as the composition root sees it: the root schema, assembled from the
 * tables the modules own and the flow registry, and the loaded file.
 *
 * The root rows are written once, in config.c: listen, store, mappings (the root's own keys),
 * then one row per section, pointing at its owner's table (log: core/log_config.c, http:
 * http/server_config.c, metrics:, webhooks:, idempotency: and ops: api/api_config.c, queue:
 * queue/queue_config.c, upstreams: http/client_config.c, stores: and sources: flows/stores.c,
 * flows: app/registry.c).
 * Each registered flow with a config section (seam_flow_def_t.config_key) adds a row at the
 * end, in registry order (payment_events: flows/payments.c); its loaded section sits in the
 * same allocation after the struct below and is reached with seam_config_section. So a new
 * flow's section needs no edit here, and `seam check --reference` prints it.
 *
 * Ownership: seam_config_load returns an owned seam_config_t (free with seam_config_free);
 * every string in it is owned by it. Thread-safety: immutable after load; share freely.
 */
#ifndef SEAM_APP_CONFIG_H
#define SEAM_APP_CONFIG_H

#include <stdio.h>

#include "api/api_config.h"
#include "core/config.h"
#include "core/log_config.h"
#include "flows/flow.h"
#include "flows/stores.h"
#include "http/client_config.h"
#include "http/server_config.h"
#include "queue/queue_config.h"

typedef struct seam_config_schema seam_config_schema_t;

typedef struct seam_config {
	char *path; /* the file it was loaded from ("(built-in defaults)" without one) */
	seam_cfg_lines_t lines; /* where each key was written (not part of the schema) */
	const seam_flows_t *registry;  /* the flows the schema was assembled from (borrowed) */
	seam_config_schema_t *schema;  /* that schema (owned) */
	char *listen;
	char *store;
	char *mappings;
	seam_log_config_t log;
	seam_http_config_t http;
	seam_api_metrics_config_t metrics;
	seam_queue_config_t queue;
	seam_webhooks_config_t webhooks;
	seam_api_idempotency_config_t idempotency;
	seam_api_ops_config_t ops;
	seam_cfg_map_t upstreams; /* of seam_upstream_config_t */
	seam_cfg_map_t stores;    /* of seam_config_store_t */
	seam_cfg_map_t sources;   /* of seam_config_source_t */
	seam_cfg_map_t flows;     /* of seam_app_flow_limits_t (app/registry.h) */
	/* the registered flows' own sections follow, see seam_config_section */
} seam_config_t;

/* Loads seam.yaml against the root schema of the flows fl (seam_app_flows(), or a test's),
 * then checks the names used across sections (each owner's refs check, with file:line). On
 * SEAM_CONFIG, *diag holds every problem and *out is NULL. */
seam_err_t seam_config_load(const seam_flows_t *fl, const char *path, seam_config_t **out,
			    seam_cfg_diag_t *diag);
/* The same from text; `name` stands for the file in messages and in cfg->path ("{}" with
 * name "(built-in defaults)" gives the defaults). */
seam_err_t seam_config_load_text(const seam_flows_t *fl, const char *name, const char *text,
				 size_t len, seam_config_t **out, seam_cfg_diag_t *diag);
void seam_config_free(seam_config_t *cfg);
/* The root schema cfg was loaded with (for code that walks a config generically, such as the
 * config fuzzer). Borrowed from cfg. */
const seam_cfg_schema_t *seam_config_root_schema(const seam_config_t *cfg);

/* The loaded section of flow def (its seam_flow_def_t.config struct), or NULL when the flow
 * has none or is not in cfg's registry. Borrowed from cfg. */
const void *seam_config_section(const seam_config_t *cfg, const seam_flow_def_t *def);

/* The root schema of fl as a Markdown reference (`seam check --reference`). */
void seam_config_print_reference(const seam_flows_t *fl, FILE *fp);

/* Line where key (a dotted path, "stores.us.erp.upstream") was written in cfg's file, else
 * that of the nearest enclosing key written there, else 0 (a default). */
int seam_config_line(const seam_config_t *cfg, const char *key);
/* Adds "file:line: key: message" to diag, with the line of key (seam_config_line). */
__attribute__((format(printf, 4, 5)))
void seam_config_diagf(const seam_config_t *cfg, seam_cfg_diag_t *diag, const char *key,
		       const char *fmt, ...);
/* The check context of cfg's file for the owners' checks (file, lines, diag). */
seam_cfg_check_t seam_config_check_ctx(const seam_config_t *cfg, seam_cfg_diag_t *diag);
/* Replaces a string field (for --listen / --store overrides). */
void seam_config_set_str(char **field, const char *value);

#endif
