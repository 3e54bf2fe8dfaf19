/*
 * routes.c: the one route table of `seam serve`. Every HTTP path seam answers is listed here
 * with its method, scope and a one-line summary, and the contracts of its request and response
 * bodies; dispatch, request validation (api/api_contracts.h), the route listing at GET /,
 * GET /openapi.json (api/openapi.h) and the docs read this table.
 */
#include "api/api.h"
#include "api/api_catalog.h"
#include "api/api_reconcile.h"
#include "api/api_stock.h"
#include "api/api_tax.h"
#include "api/api_contracts.h"
#include "api/api_jobs.h"
#include "api/api_ops.h"
#include "api/api_ops_overview.h"
#include "api/api_trace.h"
#include "api/api_resources.h"
#include "api/openapi.h"
#include "auth/scopes.h"
#include "api/webhooks.h"

static const seam_route_t routes[] = {
	{"GET", "/", seam_api_root, NULL, 0, "Service name, version and this route table.", NULL, "rest.service@v1"},
	{"GET", "/healthz", seam_api_healthz, NULL, 0, "Liveness.", NULL, "rest.health@v1"},
	{"GET", "/readyz", seam_api_readyz, NULL, 0,
	 "Readiness: store reachable and migrations applied.", NULL, "rest.ready@v1"},
	{"GET", "/metrics", seam_api_metrics, NULL, 0,
	 "Prometheus text exposition (behind metrics:read when metrics.require_key).", NULL, NULL},
	{"GET", "/openapi.json", seam_api_openapi, NULL, 0,
	 "This API as OpenAPI 3.1, generated from this table and the contracts.", NULL, NULL},
	{"GET", "/v1/whoami", seam_api_whoami, SEAM_SCOPE_ANY_KEY, 0,
	 "The API key's name: answers any valid key, whatever its scopes (auth check).", NULL,
	 "rest.whoami@v1"},
	{"GET", "/v1/jobs", seam_api_jobs_list, "ops:read", 0,
	 "Jobs, newest first; filters flow, state, kind, correlation_id, since, until; paging before, limit.", NULL,
	 "rest.job-page@v1"},
	{"GET", "/v1/jobs/{id}", seam_api_jobs_show, "ops:read", 0, "One job with payload and every attempt.", NULL,
	 "rest.job@v1"},
	{"POST", "/v1/jobs/{id}/retry", seam_api_jobs_retry, "ops:admin", SEAM_ROUTE_IDEMPOTENT,
	 "Queue a dead or canceled job again (fresh attempts), or run a queued job now.", NULL,
	 "rest.job@v1"},
	{"POST", "/v1/jobs/{id}/cancel", seam_api_jobs_cancel, "ops:admin", SEAM_ROUTE_IDEMPOTENT,
	 "Cancel a queued, running or dead job.", NULL, "rest.job@v1"},
	{"GET", "/v1/dead-letters", seam_api_dead_list, "ops:read", 0,
	 "Dead letters, newest first; filters flow, since, until (time of death); paging.", NULL,
	 "rest.job-page@v1"},
	{"GET", "/v1/dead-letters/{id}", seam_api_dead_show, "ops:read", 0,
	 "One dead letter with payload, correlation id and every attempt's error.", NULL,
	 "rest.job@v1"},
	{"POST", "/v1/dead-letters/replay", seam_api_dead_replay_many, "ops:admin", SEAM_ROUTE_IDEMPOTENT,
	 "Replay the dead letters matching {flow, since, until}, or {all: true}.",
	 "rest.dead-letter-replay@v1", "rest.dead-letter-replayed@v1"},
	{"POST", "/v1/dead-letters/{id}/replay", seam_api_dead_replay, "ops:admin", SEAM_ROUTE_IDEMPOTENT,
	 "Replay one dead letter with a fresh attempt budget.", NULL, "rest.job@v1"},
	{"GET", "/v1/flows", seam_api_flows_list, "ops:read", 0,
	 "Flows: paused, bulkhead, queued/running/dead counts, oldest runnable age.", NULL,
	 "rest.flow-list@v1"},
	{"POST", "/v1/flows/{name}/pause", seam_api_flows_pause, "ops:admin", 0,
	 "Pause a flow (kill switch; stored, survives restarts).", NULL, "rest.flow@v1"},
	{"POST", "/v1/flows/{name}/resume", seam_api_flows_resume, "ops:admin", 0,
	 "Resume a flow; its backlog drains.", NULL, "rest.flow@v1"},
	{"GET", "/v1/contracts", seam_api_contracts_list, SEAM_SCOPE_ANY_KEY, 0,
	 "The contract registry: name, version, owner, compatibility, where enforced.", NULL,
	 "rest.contract-list@v1"},
	{"GET", "/v1/contracts/{name}/{version}", seam_api_contracts_show, SEAM_SCOPE_ANY_KEY, 0,
	 "One contract's JSON Schema document (version v1 or 1), with ETag.", NULL, NULL},
	{"GET", "/v1/orders", seam_api_orders_list, "orders:read", 0,
	 "Orders seam knows, newest first; filters store, export_state, since, until (placed), number; cursor paging.",
	 NULL, "rest.order-list@v1"},
	{"GET", "/v1/orders/{id}", seam_api_orders_show, "orders:read", 0,
	 "One order by uuid or number: Drupal and export state, ERP number, total, payments, last error; ETag.",
	 NULL, "rest.order@v1"},
	{"GET", "/v1/orders/{id}/timeline", seam_api_orders_timeline, "orders:read", 0,
	 "The order's story across systems (what `seam ctl trace` shows): timeline, payments, jobs; ETag.",
	 NULL, "rest.order-timeline@v1"},
	{"GET", "/v1/payments/{id}", seam_api_payments_show, "orders:read", 0,
	 "One payment by PSP payment id or Drupal payment uuid, with the provider events seam worked; ETag.",
	 NULL, "rest.payment@v1"},
	{"GET", "/v1/quarantine", seam_api_quarantine_list, "ops:read", 0,
	 "Authentic events seam refused to use, with the reason, newest first; filters provider, store, since, until; cursor paging.",
	 NULL, "rest.quarantine-list@v2"},
	{"GET", "/v1/products/{id}/timeline", seam_api_products_timeline, "catalog:read", 0,
	 "A catalog product's story by SKU or PIM product (model code or uuid): its sync state and every sync that touched it; ETag.",
	 NULL, "rest.product-timeline@v1"},
	{"GET", "/v1/catalog/runs", seam_api_catalog_runs_list, "catalog:read", 0,
	 "The newest catalog runs (incremental, full, dry runs), newest first; filter store; limit.",
	 NULL, "rest.catalog-run-list@v1"},
	{"GET", "/v1/catalog/runs/{id}", seam_api_catalog_runs_show, "catalog:read", 0,
	 "One catalog run: phase, progress and counters; ETag.", NULL, "rest.catalog-run@v1"},
	{"POST", "/v1/reconciliations", seam_api_reconciliations_start, "ops:admin", 0,
	 "Start a reconciliation run of a store over the orders placed in [since, until), reporting or fixing (202 with the run; 409 while one is going).",
	 "rest.reconciliation-request@v1", "rest.reconciliation@v1"},
	{"GET", "/v1/reconciliations", seam_api_reconciliations_list, "ops:read", 0,
	 "The newest reconciliation runs with their drift by kind, newest first; filter store; limit.",
	 NULL, "rest.reconciliation-list@v1"},
	{"GET", "/v1/reconciliations/{id}", seam_api_reconciliations_show, "ops:read", 0,
	 "One reconciliation run with every drift: what each system said, the fix and its job, or what to check; ETag.",
	 NULL, "rest.reconciliation@v1"},
	{"GET", "/v1/availability", seam_api_availability, "catalog:read", 0,
	 "Stock of up to 100 SKUs of a store (sku=A&sku=B or sku=A,B) from seam's cache of the ERP, never the ERP: quantity, available, age, stale past the store's budget.",
	 NULL, "rest.availability@v1"},
	{"GET", "/v1/prices", seam_api_prices, "catalog:read", 0,
	 "Prices of up to 100 SKUs of a store from seam's cache of the ERP: every price list and quantity break, and the unit price the store sells at; filters currency, price_list.",
	 NULL, "rest.prices@v1"},
	{"POST", "/v1/tax/quote", seam_api_tax_quote, "tax:quote", 0,
	 "A tax quote for a cart within the store's budget (800 ms): from the engine, seam's cache of it, or an estimate from the store's rate table, said in source; never a silent zero.",
	 "tax.quote-request@v1", "tax.quote@v1"},
	{"GET", "/v1/ops/overview", seam_api_ops_overview, "ops:read", 0,
	 "The dashboard's overview: per flow its backlog, dead letters and jobs succeeded and failed per minute; per upstream its breaker and requests and errors per minute; per store sync lag, stock staleness and export backlog; reconciliation drift.",
	 NULL, "rest.ops-overview@v1"},
	{"GET", "/v1/trace/{id}", seam_api_trace, "ops:read", 0,
	 "What `seam ctl trace` shows for an order number or uuid, PSP payment id, provider event id, SKU, PIM product or correlation id; found_by says which; ETag.",
	 NULL, "rest.trace@v1"},
	{"POST", "/ops/login", seam_api_ops_login, NULL, SEAM_ROUTE_RAW_BODY,
	 "Dashboard login: an API key with ops:read ({\"key\"} or a form's key=) opens a session in an HttpOnly, SameSite=Strict cookie.",
	 NULL, "rest.ops-session@v1"},
	{"POST", "/ops/logout", seam_api_ops_logout, NULL, 0,
	 "Ends the dashboard session and clears its cookie.", NULL, NULL},
	{"GET", "/ops/session", seam_api_ops_session, "ops:read", 0,
	 "Who the dashboard session acts as: key, scopes, whether it may act (ops:admin), its CSRF token and expiry.",
	 NULL, "rest.ops-session@v1"},
	/* after the other /ops routes: a prefix matches whatever they do not */
	{"GET", "/ops/*", seam_api_ops_file, NULL, 0,
	 "The operator dashboard's pages (docs/dashboard.md; /ops redirects to /ops/), and Chart.js from its Debian package at /ops/vendor/chart.js.",
	 NULL, NULL},
	{"POST", "/webhooks/stripe/{store}", seam_webhook_stripe, NULL, SEAM_ROUTE_RAW_BODY,
	 "Stripe events; Stripe-Signature verified; stored, then 200.", NULL, NULL},
	{"POST", "/webhooks/adyen/{store}", seam_webhook_adyen, NULL, SEAM_ROUTE_RAW_BODY,
	 "Adyen notifications; per-item HMAC verified; stored, then [accepted].", NULL, NULL},
	{"POST", "/webhooks/standard/{source}", seam_webhook_standard, NULL, SEAM_ROUTE_RAW_BODY,
	 "Standard Webhooks (webhook-id, -timestamp, -signature).", NULL, NULL},
	{"POST", "/webhooks/drupal/{store}", seam_webhook_drupal, NULL, SEAM_ROUTE_RAW_BODY,
	 "Storefront events from seam_bridge (Standard Webhooks signed).", NULL, NULL},
	{"POST", "/webhooks/pim/{source}", seam_webhook_pim, NULL, SEAM_ROUTE_RAW_BODY,
	 "PIM product events (Akeneo Events API, X-Akeneo-Request-Signature); each a catalog sync.",
	 NULL, NULL},
	{"POST", "/webhooks/erp/{store}", seam_webhook_erp, NULL, SEAM_ROUTE_RAW_BODY,
	 "ERP change notifications (Business Central webhooks; clientState checked), each a fetch of what changed; ?validationToken= answers the subscription handshake.",
	 NULL, NULL},
};

const seam_route_t *seam_api_routes(size_t *n)
{
	*n = sizeof routes / sizeof routes[0];
	return routes;
}
