/*
 * routes.c: the one route table of `seam serve`. Every HTTP path seam answers is listed here
 * with its method, scope and a one-line summary; dispatch, the route listing at GET / and the
 * docs read this table.
 */
#include "api/api.h"
#include "api/app.h"
#include "api/webhooks.h"

static const seam_route_t routes[] = {
	{"GET", "/", seam_api_root, NULL, 0, "Service name, version and this route table."},
	{"GET", "/healthz", seam_api_healthz, NULL, 0, "Liveness."},
	{"GET", "/readyz", seam_api_readyz, NULL, 0,
	 "Readiness: store reachable and migrations applied."},
	{"GET", "/metrics", seam_api_metrics, NULL, 0,
	 "Prometheus text exposition (behind metrics:read when metrics.require_key)."},
	{"GET", "/v1/whoami", seam_api_whoami, "api:read", 0, "The API key's name (auth check)."},
	{"POST", "/webhooks/stripe/{store}", seam_webhook_stripe, NULL, SEAM_ROUTE_RAW_BODY,
	 "Stripe events; Stripe-Signature verified; stored, then 200."},
	{"POST", "/webhooks/adyen/{store}", seam_webhook_adyen, NULL, SEAM_ROUTE_RAW_BODY,
	 "Adyen notifications; per-item HMAC verified; stored, then [accepted]."},
	{"POST", "/webhooks/standard/{source}", seam_webhook_standard, NULL, SEAM_ROUTE_RAW_BODY,
	 "Standard Webhooks (webhook-id, -timestamp, -signature)."},
	{"POST", "/webhooks/drupal/{store}", seam_webhook_drupal, NULL, SEAM_ROUTE_RAW_BODY,
	 "Storefront events from seam_bridge (Standard Webhooks signed)."},
};

const seam_route_t *seam_api_routes(size_t *n)
{
	*n = sizeof routes / sizeof routes[0];
	return routes;
}
