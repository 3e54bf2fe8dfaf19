/*
 * client_config.h: the `upstreams:` section of seam.yaml, owned by the upstream client
 * (http/client.h): one entry per external system seam calls, with its timeouts, bulkhead, rate
 * limit, auth and circuit breaker. The tables (client_config.c) are the one place these keys,
 * types and defaults are written; the root schema (app/config.c) embeds them as a MAP.
 *
 * What the tables cannot say is checked here too: the credentials an auth type needs (at load,
 * seam_upstreams_config_refs) and that each entry builds a client (seam_upstreams_config_check,
 * part of `seam check`). Thread-safety: constant tables; the functions are reentrant.
 */
#ifndef SEAM_HTTP_CLIENT_CONFIG_H
#define SEAM_HTTP_CLIENT_CONFIG_H

#include "core/config.h"
#include "http/client.h"

typedef struct seam_upstream_auth_config {
	char *type;             /* none|bearer|api_key|basic|oauth2_client_credentials|oauth2_password */
	char *header;
	seam_secret_t token;
	char *username;
	seam_secret_t password;
	char *client_id;
	seam_secret_t client_secret;
	char *token_url;
	char *scope;
} seam_upstream_auth_config_t;

typedef struct seam_upstream_breaker_config {
	int64_t window_calls;
	int64_t min_calls;
	int64_t failure_pct;
	int64_t open_ms;
} seam_upstream_breaker_config_t;

/* upstreams.<name>: one external system seam calls. */
typedef struct seam_upstream_config {
	char *base_url;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	int64_t max_concurrency;
	int64_t rate_per_s;
	int64_t burst;
	int tls_skip_verify;
	char *ca_file;
	seam_upstream_auth_config_t auth;
	seam_upstream_breaker_config_t breaker;
} seam_upstream_config_t;

/* One entry (the MAP's entry schema). */
extern const seam_cfg_schema_t seam_upstream_config_schema;

/* The client options of entry `name` (borrowed from c and name; the client copies what it
 * keeps). */
void seam_upstream_config_opts(const char *name, const seam_upstream_config_t *c,
			       seam_upstream_opts_t *o);

/* At load: each entry's auth has the credentials its type needs. One problem per missing set,
 * on the line of auth.type. `upstreams` is the MAP of seam_upstream_config_t. */
void seam_upstreams_config_refs(const seam_cfg_check_t *chk, const seam_cfg_map_t *upstreams);

/* `seam check`: each entry builds a client as serve builds it, then it is thrown away, so a
 * setting the client refuses (a base_url or token_url that is not http(s)://, credentials in
 * the URL) is reported with the entry's line rather than by serve alone. */
void seam_upstreams_config_check(const seam_cfg_check_t *chk, const seam_cfg_map_t *upstreams);

#endif
