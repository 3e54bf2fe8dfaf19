/*
 * config.c: seam.yaml's root schema, assembled from the owners' tables and the flow registry,
 * and loading it (see config.h).
 */
#include "app/config.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "app/registry.h"

#define F(fld) offsetof(seam_config_t, fld)

/* The root's own rows; each section row points at the table its owner declares. */
static const seam_cfg_field_t root_fields[] = {
	{"listen", SEAM_CFG_STR, F(listen), 0, "127.0.0.1:8080",
	 "HOST:PORT of the one HTTP listener (API, webhooks, metrics).", NULL, NULL, 0, 0},
	{"store", SEAM_CFG_STR, F(store), 0, "sqlite://seam.db",
	 "Store URL: sqlite://PATH (relative to the working directory), or "
	 "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS] (libpq's URL; docs/store.md).",
	 NULL, NULL, 0, 0},
	{"log", SEAM_CFG_SECTION, F(log), 0, NULL, "Logging.", &seam_log_config_schema, NULL, 0, 0},
	{"http", SEAM_CFG_SECTION, F(http), 0, NULL, "HTTP server limits.",
	 &seam_http_config_schema, NULL, 0, 0},
	{"metrics", SEAM_CFG_SECTION, F(metrics), 0, NULL, "GET /metrics.",
	 &seam_api_metrics_config_schema, NULL, 0, 0},
	{"mappings", SEAM_CFG_STR, F(mappings), 0, "mappings",
	 "Directory of the Lua mappings (relative to the working directory).", NULL, NULL, 0, 0},
	{"queue", SEAM_CFG_SECTION, F(queue), 0, NULL, "Durable jobs.", &seam_queue_config_schema,
	 NULL, 0, 0},
	{"webhooks", SEAM_CFG_SECTION, F(webhooks), 0, NULL, "Webhook ingress.",
	 &seam_webhooks_config_schema, NULL, 0, 0},
	{"idempotency", SEAM_CFG_SECTION, F(idempotency), 0, NULL,
	 "Idempotency-Key on POST/PUT/PATCH/DELETE under /v1.",
	 &seam_api_idempotency_config_schema, NULL, 0, 0},
	{"ops", SEAM_CFG_SECTION, F(ops), 0, NULL, "The operator dashboard at /ops/ (docs/dashboard.md).",
	 &seam_api_ops_config_schema, NULL, 0, 0},
	{"upstreams", SEAM_CFG_MAP, F(upstreams), 0, NULL, "External systems seam calls, by name.",
	 &seam_upstream_config_schema, NULL, 0, 0},
	{"stores", SEAM_CFG_MAP, F(stores), 0, NULL,
	 "Storefronts, by the name used in webhook paths.", &seam_store_config_schema, NULL, 0, 0},
	{"sources", SEAM_CFG_MAP, F(sources), 0, NULL,
	 "Standard Webhooks senders, by the name used in /webhooks/standard/{source}.",
	 &seam_source_config_schema, NULL, 0, 0},
	{"flows", SEAM_CFG_MAP, F(flows), 0, NULL,
	 "Per-flow limits (payments, orders), by flow name.", &seam_app_flow_limits_schema, NULL, 0,
	 0},
};
#define NROOT (sizeof root_fields / sizeof root_fields[0])

/* The root schema of one registry: the rows above, then one per flow section. Each flow's
 * section lands after seam_config_t in the same allocation, at offsets[i] (0: no section). */
struct seam_config_schema {
	seam_cfg_schema_t root;
	const seam_flows_t *flows;
	size_t *offsets;
	seam_cfg_field_t fields[];
};

static size_t align_up(size_t n)
{
	size_t a = alignof(max_align_t);
	return (n + a - 1) / a * a;
}

static void schema_free(seam_config_schema_t *s)
{
	if (!s)
		return;
	free(s->offsets);
	free(s);
}

static seam_config_schema_t *schema_build(const seam_flows_t *fl)
{
	seam_config_schema_t *s = calloc(1, sizeof *s + (NROOT + fl->n) * sizeof s->fields[0]);
	size_t n = NROOT, size = align_up(sizeof(seam_config_t));
	if (!s || !(s->offsets = calloc(fl->n + 1, sizeof *s->offsets))) {
		schema_free(s);
		return NULL;
	}
	memcpy(s->fields, root_fields, sizeof root_fields);
	for (size_t i = 0; i < fl->n; i++) {
		const seam_flow_def_t *d = fl->defs[i];
		if (!d->config_key || !d->config)
			continue;
		s->offsets[i] = size;
		s->fields[n++] = (seam_cfg_field_t){.name = d->config_key,
						    .type = SEAM_CFG_SECTION,
						    .offset = size,
						    .doc = d->config_doc,
						    .sub = d->config};
		size += align_up(d->config->size);
	}
	s->flows = fl;
	s->root = (seam_cfg_schema_t){"seam.yaml", size, s->fields, n};
	return s;
}

/* The names used across sections, each checked by the module that owns the section naming
 * them, in the order of the file: stores (and sources), then upstreams. */
static void check_references(seam_config_t *cfg, seam_cfg_diag_t *diag)
{
	seam_cfg_check_t chk = seam_config_check_ctx(cfg, diag);
	seam_stores_config_refs(&chk, &cfg->stores, &cfg->sources, &cfg->upstreams);
	seam_upstreams_config_refs(&chk, &cfg->upstreams);
}

/* The seam.yaml loader behind both entry points: text NULL reads the file `name`. */
static seam_err_t config_load(const seam_flows_t *fl, const char *name, const char *text,
			      size_t len, seam_config_t **out, seam_cfg_diag_t *diag)
{
	seam_config_schema_t *schema = schema_build(fl);
	seam_config_t *cfg = NULL;
	seam_cfg_lines_t lines = {0};
	seam_err_t rc;
	*out = NULL;
	if (!schema || !(cfg = calloc(1, schema->root.size))) {
		schema_free(schema);
		return SEAM_NOMEM;
	}
	rc = seam_cfg_load_doc(name, text, len, &schema->root, cfg, diag, &lines);
	/* Kept apart until the walk is over: the loader zeroes *cfg when it fails. */
	cfg->lines = lines;
	cfg->schema = schema;
	cfg->registry = fl;
	if (rc != SEAM_OK) {
		seam_config_free(cfg);
		return rc;
	}
	cfg->path = strdup(name);
	check_references(cfg, diag);
	if (diag->n || !cfg->path) {
		seam_config_free(cfg);
		return diag->n ? SEAM_CONFIG : SEAM_NOMEM;
	}
	*out = cfg;
	return SEAM_OK;
}

seam_err_t seam_config_load(const seam_flows_t *fl, const char *path, seam_config_t **out,
			    seam_cfg_diag_t *diag)
{
	return config_load(fl, path, NULL, 0, out, diag);
}

seam_err_t seam_config_load_text(const seam_flows_t *fl, const char *name, const char *text,
				 size_t len, seam_config_t **out, seam_cfg_diag_t *diag)
{
	return config_load(fl, name, text, len, out, diag);
}

void seam_config_free(seam_config_t *cfg)
{
	if (!cfg)
		return;
	if (cfg->schema)
		seam_cfg_dispose(&cfg->schema->root, cfg);
	seam_cfg_lines_dispose(&cfg->lines);
	schema_free(cfg->schema);
	free(cfg->path);
	free(cfg);
}

const seam_cfg_schema_t *seam_config_root_schema(const seam_config_t *cfg)
{
	return &cfg->schema->root;
}

const void *seam_config_section(const seam_config_t *cfg, const seam_flow_def_t *def)
{
	const seam_config_schema_t *s = cfg ? cfg->schema : NULL;
	for (size_t i = 0; s && def && i < s->flows->n; i++)
		if (s->flows->defs[i] == def)
			return s->offsets[i] ? (const char *)cfg + s->offsets[i] : NULL;
	return NULL;
}

void seam_config_print_reference(const seam_flows_t *fl, FILE *fp)
{
	seam_config_schema_t *s = schema_build(fl);
	if (s)
		seam_cfg_print_reference(&s->root, fp);
	schema_free(s);
}

int seam_config_line(const seam_config_t *cfg, const char *key)
{
	return cfg ? seam_cfg_lines_get(&cfg->lines, key) : 0;
}

seam_cfg_check_t seam_config_check_ctx(const seam_config_t *cfg, seam_cfg_diag_t *diag)
{
	return (seam_cfg_check_t){.file = cfg && cfg->path ? cfg->path : "config",
				  .lines = cfg ? &cfg->lines : NULL,
				  .diag = diag};
}

void seam_config_diagf(const seam_config_t *cfg, seam_cfg_diag_t *diag, const char *key,
		       const char *fmt, ...)
{
	seam_cfg_check_t chk = seam_config_check_ctx(cfg, diag);
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	seam_cfg_check_keyf(&chk, key, "%s", msg);
}

void seam_config_set_str(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}
