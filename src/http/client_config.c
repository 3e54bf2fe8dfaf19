/*
 * client_config.c: the `upstreams:` section's tables and checks (see client_config.h).
 */
#include "http/client_config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define F(st, fld) offsetof(st, fld)

static const seam_cfg_field_t auth_fields[] = {
	{"type", SEAM_CFG_ENUM, F(seam_upstream_auth_config_t, type), 0, "none",
	 "How seam authenticates.", NULL,
	 "none|bearer|api_key|basic|oauth2_client_credentials|oauth2_password", 0, 0},
	{"header", SEAM_CFG_STR, F(seam_upstream_auth_config_t, header), 0, NULL,
	 "api_key: the header name (default X-API-Key).", NULL, NULL, 0, 0},
	{"token", SEAM_CFG_SECRET, F(seam_upstream_auth_config_t, token), 0, NULL,
	 "bearer / api_key: the token.", NULL, NULL, 0, 0},
	{"username", SEAM_CFG_STR, F(seam_upstream_auth_config_t, username), 0, NULL,
	 "basic / oauth2_password: the user.", NULL, NULL, 0, 0},
	{"password", SEAM_CFG_SECRET, F(seam_upstream_auth_config_t, password), 0, NULL,
	 "basic / oauth2_password: the password.", NULL, NULL, 0, 0},
	{"client_id", SEAM_CFG_STR, F(seam_upstream_auth_config_t, client_id), 0, NULL,
	 "oauth2: client id.", NULL, NULL, 0, 0},
	{"client_secret", SEAM_CFG_SECRET, F(seam_upstream_auth_config_t, client_secret), 0, NULL,
	 "oauth2: client secret.", NULL, NULL, 0, 0},
	{"token_url", SEAM_CFG_STR, F(seam_upstream_auth_config_t, token_url), 0, NULL,
	 "oauth2: the token endpoint (absolute URL).", NULL, NULL, 0, 0},
	{"scope", SEAM_CFG_STR, F(seam_upstream_auth_config_t, scope), 0, NULL, "oauth2: scope.",
	 NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t auth_schema = {"auth", sizeof(seam_upstream_auth_config_t),
					      auth_fields,
					      sizeof auth_fields / sizeof auth_fields[0]};

static const seam_cfg_field_t breaker_fields[] = {
	{"window_calls", SEAM_CFG_INT, F(seam_upstream_breaker_config_t, window_calls), 0, "20",
	 "Calls in the failure-ratio window.", NULL, NULL, 1, 10000},
	{"min_calls", SEAM_CFG_INT, F(seam_upstream_breaker_config_t, min_calls), 0, "10",
	 "Fewest calls in the window before the breaker may open.", NULL, NULL, 1, 10000},
	{"failure_pct", SEAM_CFG_INT, F(seam_upstream_breaker_config_t, failure_pct), 0, "50",
	 "Open at this percentage of failures in the window.", NULL, NULL, 1, 100},
	{"open_for", SEAM_CFG_DURATION, F(seam_upstream_breaker_config_t, open_ms), 0, "30s",
	 "Cool-down before a probe call is let through.", NULL, NULL, 100, 3600000},
};
static const seam_cfg_schema_t breaker_schema = {
	"breaker", sizeof(seam_upstream_breaker_config_t), breaker_fields,
	sizeof breaker_fields / sizeof breaker_fields[0]};

static const seam_cfg_field_t upstream_fields[] = {
	{"base_url", SEAM_CFG_STR, F(seam_upstream_config_t, base_url), SEAM_CFG_REQUIRED, NULL,
	 "Base URL every path is joined to.", NULL, NULL, 0, 0},
	{"connect_timeout", SEAM_CFG_DURATION, F(seam_upstream_config_t, connect_timeout_ms), 0,
	 "5s", "TCP+TLS connect timeout.", NULL, NULL, 1, 600000},
	{"timeout", SEAM_CFG_DURATION, F(seam_upstream_config_t, timeout_ms), 0, "30s",
	 "Whole-exchange timeout (tight for checkout paths).", NULL, NULL, 1, 3600000},
	{"max_concurrency", SEAM_CFG_INT, F(seam_upstream_config_t, max_concurrency), 0, "8",
	 "Bulkhead: calls in flight to this upstream at most.", NULL, NULL, 1, 1024},
	{"rate_per_s", SEAM_CFG_INT, F(seam_upstream_config_t, rate_per_s), 0, "0",
	 "Token-bucket rate limit; 0 = none.", NULL, NULL, 0, 1000000},
	{"burst", SEAM_CFG_INT, F(seam_upstream_config_t, burst), 0, "0",
	 "Token-bucket size; 0 = the rate.", NULL, NULL, 0, 1000000},
	{"tls_skip_verify", SEAM_CFG_BOOL, F(seam_upstream_config_t, tls_skip_verify), 0, "false",
	 "Turn certificate checks off (never in production).", NULL, NULL, 0, 0},
	{"ca_file", SEAM_CFG_STR, F(seam_upstream_config_t, ca_file), 0, NULL,
	 "Extra CA bundle (PEM).", NULL, NULL, 0, 0},
	{"auth", SEAM_CFG_SECTION, F(seam_upstream_config_t, auth), 0, NULL, "Authentication.",
	 &auth_schema, NULL, 0, 0},
	{"breaker", SEAM_CFG_SECTION, F(seam_upstream_config_t, breaker), 0, NULL,
	 "Circuit breaker.", &breaker_schema, NULL, 0, 0},
};
const seam_cfg_schema_t seam_upstream_config_schema = {
	"upstream", sizeof(seam_upstream_config_t), upstream_fields,
	sizeof upstream_fields / sizeof upstream_fields[0]};

void seam_upstream_config_opts(const char *name, const seam_upstream_config_t *c,
			       seam_upstream_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->name = name;
	o->base_url = c->base_url;
	o->connect_timeout_ms = c->connect_timeout_ms;
	o->timeout_ms = c->timeout_ms;
	o->max_concurrency = (int)c->max_concurrency;
	o->rate_per_s = (double)c->rate_per_s;
	o->burst = (double)c->burst;
	o->tls_skip_verify = c->tls_skip_verify;
	o->ca_file = c->ca_file;
	o->breaker.window_calls = (int)c->breaker.window_calls;
	o->breaker.min_calls = (int)c->breaker.min_calls;
	o->breaker.failure_ratio = (double)c->breaker.failure_pct / 100.0;
	o->breaker.open_ms = c->breaker.open_ms;
	seam_auth_type_parse(c->auth.type, &o->auth.type);
	o->auth.header = c->auth.header;
	o->auth.token = c->auth.token.value;
	o->auth.username = c->auth.username;
	o->auth.password = c->auth.password.value;
	o->auth.client_id = c->auth.client_id;
	o->auth.client_secret = c->auth.client_secret.value;
	o->auth.token_url = c->auth.token_url;
	o->auth.scope = c->auth.scope;
}

void seam_upstreams_config_refs(const seam_cfg_check_t *chk, const seam_cfg_map_t *upstreams)
{
	for (size_t i = 0; i < upstreams->n; i++) {
		const seam_upstream_config_t *u = upstreams->items[i];
		const char *t = u->auth.type, *name = upstreams->names[i];
		int line = seam_cfg_check_line(chk, "upstreams.%s.auth.type", name);
		if ((!strcmp(t, "bearer") || !strcmp(t, "api_key")) && !u->auth.token.value)
			seam_cfg_check_addf(chk, line, "upstreams.%s.auth: type %s needs token", name, t);
		if (!strcmp(t, "basic") && (!u->auth.username || !u->auth.password.value))
			seam_cfg_check_addf(chk, line,
					    "upstreams.%s.auth: type basic needs username and password",
					    name);
		if (!strncmp(t, "oauth2", 6) && (!u->auth.client_id || !u->auth.token_url))
			seam_cfg_check_addf(chk, line,
					    "upstreams.%s.auth: type %s needs client_id and token_url",
					    name, t);
		if (!strcmp(t, "oauth2_password") && (!u->auth.username || !u->auth.password.value))
			seam_cfg_check_addf(chk, line,
					    "upstreams.%s.auth: type oauth2_password needs username and "
					    "password", name);
	}
}

void seam_upstreams_config_check(const seam_cfg_check_t *chk, const seam_cfg_map_t *upstreams)
{
	seam_error_t err = {0};
	char key[160], prefix[160];
	if (upstreams->n == 0)
		return;
	if (seam_http_client_global_init(&err) != SEAM_OK) {
		seam_cfg_check_keyf(chk, "upstreams", "%s", err.msg);
		return;
	}
	for (size_t i = 0; i < upstreams->n; i++) {
		const char *name = upstreams->names[i];
		seam_upstream_opts_t uo;
		seam_upstream_config_opts(name, upstreams->items[i], &uo);
		seam_upstream_t *u = seam_upstream_create(&uo, NULL, NULL, &err);
		if (u) {
			seam_upstream_destroy(u);
			continue;
		}
		/* The client says "upstream NAME: ..."; the key already names it. */
		snprintf(key, sizeof key, "upstreams.%s", name);
		int n = snprintf(prefix, sizeof prefix, "upstream %s: ", name);
		const char *msg = err.msg;
		if (n > 0 && strncmp(msg, prefix, (size_t)n) == 0)
			msg += n;
		seam_cfg_check_keyf(chk, key, "%s", msg);
	}
	seam_http_client_global_cleanup();
}
