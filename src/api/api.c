/*
 * api.c: built-in routes and API-key auth for seam serve.
 *
 * /healthz answers as long as the process can serve HTTP (liveness: restart me if not).
 * The auth hook takes a Bearer key, or the dashboard's session cookie (its rules: api/api_ops.h,
 * "The security model"; the sessions themselves: auth/sessions.h).
 * /readyz checks the store (a query answers, every known migration applied) so load balancers
 * send traffic only to an instance that can durably accept it. The same check (seam_api_ready)
 * sets the gauge seam_ready at every scrape, so an alert sees what the load balancer sees.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "auth/keys.h"
#include "auth/sessions.h"
#include "core/clock.h"
#include "core/version.h"
#include "http/client.h"

void seam_api_healthz(seam_http_req_t *req, void *ud)
{
	(void)ud;
	seam_http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

/* {"erp": "open", ...}: each upstream's breaker. Informational: an open breaker does not make
 * the instance unready, because webhooks are still stored and the work waits (deferred, no
 * attempts spent) until the upstream is back; taking every instance out of the load balancer
 * would lose the webhooks instead. */
static json_t *upstream_states(const seam_api_t *app)
{
	json_t *o = json_object();
	for (size_t i = 0; app->upstreams && app->upstream_config && i < app->upstream_config->n; i++)
		if (app->upstreams[i])
			json_object_set_new(o, app->upstream_config->names[i],
					    json_string(seam_breaker_state_name(
						    seam_upstream_breaker_state(app->upstreams[i]))));
	return o;
}

seam_err_t seam_api_ready(const seam_api_t *app, seam_error_t *err)
{
	return seam_store_ready(app->store, err);
}

void seam_api_collect_ready(seam_metrics_t *m, void *ud)
{
	seam_metric_set(m, SEAM_M_READY, NULL, seam_api_ready(ud, NULL) == SEAM_OK ? 1 : 0);
}

void seam_api_readyz(seam_http_req_t *req, void *ud)
{
	seam_api_t *app = ud;
	seam_error_t err = {0};
	int applied = 0, known = 0;
	if (seam_api_ready(app, &err) != SEAM_OK) {
		seam_store_schema_version(app->store, &applied, &known, NULL);
		seam_http_problem(req, 503, "not-ready", "Not ready",
				  json_pack("{s:{s:s, s:i, s:i, s:o}}", "checks", "store", "failing",
					    "schema_applied", applied, "schema_known", known,
					    "upstreams", upstream_states(app)),
				  "%s", err.msg);
		return;
	}
	seam_store_schema_version(app->store, &applied, &known, NULL);
	seam_http_reply_json(req, 200,
			     json_pack("{s:s, s:{s:s, s:s, s:i, s:o}}", "status", "ready", "checks",
				       "store", "ok", "engine", seam_store_engine(app->store), "schema",
				       applied, "upstreams", upstream_states(app)));
}

void seam_api_metrics(seam_http_req_t *req, void *ud)
{
	seam_api_t *app = ud;
	size_t len = 0;
	char *text;
	if (app->metrics_config && app->metrics_config->require_key) {
		int verdict = seam_api_auth(req, "metrics:read", ud);
		if (verdict != 200) {
			seam_http_problem(req, verdict, verdict == 401 ? "unauthorized" : "forbidden",
					  verdict == 401 ? "Unauthorized" : "Forbidden", NULL,
					  "GET /metrics needs an API key with scope metrics:read");
			return;
		}
	}
	text = seam_metrics_render(app->metrics, &len);
	if (!text) {
		seam_http_problem(req, 500, "internal", "Internal error", NULL, "cannot render metrics");
		return;
	}
	seam_http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
}

void seam_api_root(seam_http_req_t *req, void *ud)
{
	size_t n;
	const seam_route_t *r = seam_api_routes(&n);
	json_t *routes = json_array();
	(void)ud;
	for (size_t i = 0; i < n; i++)
		/* scope and summary are left out when a route has none (rest.service@v1) */
		json_array_append_new(routes, json_pack("{s:s, s:s, s:s*, s:s*}", "method", r[i].method,
							"path", r[i].pattern, "scope", r[i].scope,
							"summary", r[i].summary));
	seam_http_reply_json(req, 200,
			     json_pack("{s:s, s:s, s:o}", "service", "seam", "version", SEAM_VERSION,
				       "routes", routes));
}

void seam_api_whoami(seam_http_req_t *req, void *ud)
{
	const char *name = seam_http_user(req);
	(void)ud;
	seam_http_reply_json(req, 200, json_pack("{s:s}", "key", name ? name : ""));
}

const char *seam_api_session_cookie(seam_http_req_t *req)
{
	const char *h = seam_http_header(req, "Cookie");
	const size_t nl = strlen(SEAM_API_SESSION_COOKIE);
	/* Cookie: a=1; seam_ops=...; b=2 (RFC 6265 5.4: pairs separated by "; ") */
	for (const char *p = h; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, SEAM_API_SESSION_COOKIE, nl) == 0 && p[nl] == '=') {
			char *v = seam_http_alloc(req, len - nl);
			if (!v)
				return NULL;
			memcpy(v, p + nl + 1, len - nl - 1);
			v[len - nl - 1] = '\0';
			return v;
		}
		p = end;
	}
	return NULL;
}

static int unsafe_method(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

/* A request authenticated by the session cookie: the session's key and scopes, X-CSRF-Token on
 * unsafe methods. Answers its own 401 (log in again) and CSRF 403; the server answers a scope's
 * 403. */
static int session_auth(seam_http_req_t *req, const char *scope, void *ud)
{
	const seam_api_t *api = ud;
	seam_session_t s;
	const char *sid = seam_api_session_cookie(req);
	const char *want = strcmp(scope, SEAM_SCOPE_ANY_KEY) == 0 ? "ops:read" : scope;
	seam_key_verdict_e v = seam_sessions_check(api->store, sid, want, seam_now_ms(), &s);
	if (v == SEAM_KEY_OK || v == SEAM_KEY_NO_SCOPE)
		seam_http_set_user(req, seam_http_strdup(req, s.key_name));
	if (v == SEAM_KEY_NO_SCOPE && strcmp(scope, SEAM_SCOPE_ANY_KEY) == 0)
		v = SEAM_KEY_OK; /* a valid session's key: any key will do here */
	switch (v) {
	case SEAM_KEY_OK:
		break;
	case SEAM_KEY_NO_SCOPE:
		seam_logf(api->log, SEAM_LOG_WARN, "auth", seam_http_cid(req),
			  json_pack("{s:s, s:s, s:s}", "key", s.key_name, "scope", scope, "via",
				    "session"),
			  "key lacks scope");
		return 403;
	default:
		seam_http_problem(req, 401, "unauthorized", "Unauthorized", NULL,
				  "the dashboard session is unknown or has expired: log in again at "
				  "/ops/ (or send Authorization: Bearer <key>)");
		return 401;
	}
	if (unsafe_method(seam_http_method(req)) &&
	    !seam_sessions_csrf_ok(&s, seam_http_header(req, "X-CSRF-Token"))) {
		seam_logf(api->log, SEAM_LOG_WARN, "auth", seam_http_cid(req),
			  json_pack("{s:s, s:s, s:s, s:b}", "key", s.key_name, "method",
				    seam_http_method(req), "path", seam_http_path(req), "token_sent",
				    seam_http_header(req, "X-CSRF-Token") != NULL),
			  "dashboard session request refused: CSRF token missing or wrong");
		seam_http_problem(req, 403, "csrf-token-invalid", "CSRF token invalid", NULL,
				  "%s with the dashboard's session cookie must carry the session's "
				  "token in X-CSRF-Token (GET /ops/session gives it)",
				  seam_http_method(req));
		return 403;
	}
	return 200;
}

int seam_api_auth(seam_http_req_t *req, const char *scope, void *ud)
{
	seam_api_t *app = ud;
	char name[64];
	const char *authz = seam_http_header(req, "Authorization");
	if (!authz && seam_api_session_cookie(req))
		return session_auth(req, scope, ud);
	seam_key_verdict_e v = seam_keys_check(app->store, authz, scope, name);
	if (v == SEAM_KEY_OK || v == SEAM_KEY_NO_SCOPE)
		seam_http_set_user(req, seam_http_strdup(req, name));
	switch (v) {
	case SEAM_KEY_OK:
		return 200;
	case SEAM_KEY_NO_SCOPE:
		seam_logf(app->log, SEAM_LOG_WARN, "auth", seam_http_cid(req),
			  json_pack("{s:s, s:s}", "key", name, "scope", scope), "key lacks scope");
		return 403;
	default:
		return 401;
	}
}

void seam_api_around(seam_http_req_t *req, const seam_route_t *r, void *ud)
{
	const seam_api_t *app = ud;
	seam_idem_run(req, r, ud, app->store, app->idempotency);
}
