/*
 * api_config.h: the sections of seam.yaml the HTTP handlers own: `metrics:` (GET /metrics,
 * api.c), `webhooks:` (the ingress, webhooks.c), `idempotency:` (idempotency.c) and `ops:` (the
 * dashboard, api_ops.c). The tables (api_config.c) are the one place
 * their keys, types and defaults are written; the root schema (app/config.c) embeds them and
 * hands the handlers the loaded sections in seam_api_t. Thread-safety: constant tables.
 */
#ifndef SEAM_API_API_CONFIG_H
#define SEAM_API_API_CONFIG_H

#include "core/config.h"

typedef struct seam_api_metrics_config {
	int require_key; /* GET /metrics needs a key with metrics:read */
} seam_api_metrics_config_t;

typedef struct seam_webhooks_config {
	int64_t tolerance_ms; /* signature timestamp tolerance, both directions */
} seam_webhooks_config_t;

typedef struct seam_api_idempotency_config {
	int64_t ttl_ms;   /* how long a key and its stored response are kept */
	int64_t lease_ms; /* how long a key stays "in flight" without an answer (a crash) */
} seam_api_idempotency_config_t;

typedef struct seam_api_ops_config {
	int64_t session_ttl_ms; /* a dashboard session's fixed lifetime */
	int cookie_secure;      /* the session cookie carries Secure (seam behind HTTPS) */
	char *chartjs;          /* Chart.js file served at /ops/vendor/chart.js */
} seam_api_ops_config_t;

extern const seam_cfg_schema_t seam_api_metrics_config_schema;
extern const seam_cfg_schema_t seam_api_ops_config_schema;
extern const seam_cfg_schema_t seam_api_idempotency_config_schema;
extern const seam_cfg_schema_t seam_webhooks_config_schema;

#endif
