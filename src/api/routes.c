/*
 * routes.c: the one route table of `seam serve`. Every HTTP path seam answers is listed here
 * with its method, scope and a one-line summary; dispatch, the route listing at GET / and the
 * docs read this table.
 */
#include "api/api.h"
#include "api/app.h"

static const seam_route_t routes[] = {
	{"GET", "/", seam_api_root, NULL, 0, "Service name, version and this route table."},
	{"GET", "/healthz", seam_api_healthz, NULL, 0, "Liveness."},
	{"GET", "/readyz", seam_api_readyz, NULL, 0,
	 "Readiness: store reachable and migrations applied."},
	{"GET", "/metrics", seam_api_metrics, NULL, 0,
	 "Prometheus text exposition (behind metrics:read when metrics.require_key)."},
	{"GET", "/v1/whoami", seam_api_whoami, "api:read", 0, "The API key's name (auth check)."},
};

const seam_route_t *seam_api_routes(size_t *n)
{
	*n = sizeof routes / sizeof routes[0];
	return routes;
}
