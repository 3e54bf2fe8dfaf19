/*
 * api.h: what the HTTP handlers get from the process (seam_api_t), the one route table, the
 * handlers of the built-in routes (health, readiness, metrics, whoami) and the auth hook that
 * checks API keys against route scopes.
 *
 * api/ holds HTTP handlers only. The composition root (app/) fills one seam_api_t and hands it
 * to the server as every route's user data; handlers reach nothing else, so nothing in api/
 * includes app/. Thread-safety: handlers are reentrant; the seam_api_t is read-only while
 * serving and its members are themselves thread-safe.
 */
#ifndef SEAM_API_API_H
#define SEAM_API_API_H

#include <stdint.h>

#include "api/api_config.h"
#include "api/idempotency.h"
#include "contract/registry.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "flows/flow.h"
#include "http/server.h"
#include "queue/queue.h"
#include "store/store.h"

/* Everything borrowed from the root, which outlives the server. */
typedef struct seam_api {
	seam_store_t *store;
	seam_log_t *log;
	seam_metrics_t *metrics;
	seam_queue_t *queue;
	const seam_flows_t *flows;          /* the flow registry: /v1/flows, ?flow= */
	const seam_cfg_map_t *stores;       /* stores: of seam_config_store_t (flows/stores.h) */
	const seam_cfg_map_t *sources;      /* sources: of seam_config_source_t */
	const seam_api_metrics_config_t *metrics_config; /* metrics: */
	const seam_webhooks_config_t *webhooks;          /* webhooks: */
	const seam_api_idempotency_config_t *idempotency; /* idempotency: (NULL: defaults) */
	const seam_cfg_map_t *upstream_config;           /* upstreams: (names, same order) */
	seam_upstream_t *const *upstreams;               /* one per upstream_config entry */
	const seam_contracts_t *contracts; /* the registry: request validation, /v1/contracts,
					    * /openapi.json (api/api_contracts.h, api/openapi.h) */
	/* A registered flow's own config section (flow.h def->config), or NULL: for the routes
	 * that read a flow's settings (the stock cache's staleness budget). */
	const void *(*flow_config)(void *ud, const char *flow);
	/* A registered flow's instance (what its def->create made), or NULL before serve made
	 * it: for the routes that run a flow's work in the request (a tax quote). */
	void *(*flow_instance)(void *ud, const char *flow);
	void *flow_config_ud;
	const seam_api_ops_config_t *ops;   /* ops: the dashboard (NULL: defaults) */
	struct seam_ops_history *ops_history; /* the overview's per-minute history
					       * (api/api_ops_overview.h; NULL: none kept) */
} seam_api_t;

/* A route flag of api/ (server.h leaves bits from 0x100 to the application): an unsafe
 * request without an Idempotency-Key header is answered 400 (api/idempotency.h). */
#define SEAM_ROUTE_IDEMPOTENT SEAM_IDEM_ROUTE_FLAG

/* The route table of seam serve (also used for docs: `seam check --routes`, and handed to
 * `seam ctl keys scopes` by the root). */
const seam_route_t *seam_api_routes(size_t *n);

/* Readiness, the one check behind GET /readyz and the gauge seam_ready: SEAM_OK when the
 * store answers and every known migration is applied, else the store's error (message on err,
 * which may be NULL). An open upstream breaker does not count (see api.c). */
seam_err_t seam_api_ready(const seam_api_t *app, seam_error_t *err);
/* seam_metrics_collect_fn setting seam_ready from seam_api_ready; ud is the seam_api_t
 * (borrowed; it must outlive the registry's renders). serve registers it. */
void seam_api_collect_ready(seam_metrics_t *m, void *ud);

void seam_api_healthz(seam_http_req_t *req, void *ud);
void seam_api_readyz(seam_http_req_t *req, void *ud);
void seam_api_metrics(seam_http_req_t *req, void *ud);
void seam_api_root(seam_http_req_t *req, void *ud);
void seam_api_whoami(seam_http_req_t *req, void *ud);

/* seam_http_around_fn for the app: the middleware every route runs through after auth
 * (Idempotency-Key on unsafe /v1 requests, api/idempotency.h); ud is the seam_api_t. */
void seam_api_around(seam_http_req_t *req, const seam_route_t *r, void *ud);

/* seam_http_auth_fn for the app: Bearer API keys with scopes; ud is the seam_api_t. A request
 * without Authorization that carries the dashboard's session cookie is the session's
 * (api/api_ops.h, "The security model": its key's scopes, X-CSRF-Token on unsafe methods). */
int seam_api_auth(seam_http_req_t *req, const char *scope, void *ud);

/* The dashboard's session cookie: its name, and its value in a request (borrowed from the
 * request, valid until it is freed; NULL when it has none). */
#define SEAM_API_SESSION_COOKIE "seam_ops"
const char *seam_api_session_cookie(seam_http_req_t *req);

#endif
