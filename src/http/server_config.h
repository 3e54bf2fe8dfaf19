/*
 * server_config.h: the `http:` section of seam.yaml, owned by the HTTP edge (http/server.h):
 * its limits and timeouts. The table (server_config.c) is the one place its keys, types and
 * defaults are written; the root schema (app/config.c) embeds it, and the root turns it into
 * seam_http_opts_t. Thread-safety: constant tables.
 */
#ifndef SEAM_HTTP_SERVER_CONFIG_H
#define SEAM_HTTP_SERVER_CONFIG_H

#include "core/config.h"

typedef struct seam_http_config {
	int64_t threads;
	int64_t body_limit;
	int64_t request_timeout_ms;
	int64_t header_limit;
	int64_t connection_limit;
	int64_t drain_timeout_ms;
	int64_t header_timeout_ms;
	int64_t body_min_rate;
	int64_t per_ip_limit;
} seam_http_config_t;

extern const seam_cfg_schema_t seam_http_config_schema;

#endif
