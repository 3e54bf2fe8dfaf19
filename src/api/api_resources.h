/*
 * api_resources.h: the first REST v1 resources over what seam records (docs/rest.md):
 *
 *   GET /v1/orders                       orders:read  ?store&export_state&since&until&number&limit&cursor
 *   GET /v1/orders/{id}                  orders:read  by uuid or order number; ETag
 *   GET /v1/orders/{id}/timeline         orders:read  what `seam ctl trace` shows; ETag
 *   GET /v1/payments/{id}                orders:read  by PSP payment id or Drupal payment uuid; ETag
 *   GET /v1/quarantine                   ops:read     ?provider&store&since&until&limit&cursor
 *
 * Lists page with the resource layer (api/resource.h: limit, opaque cursor, next link and
 * Link header); single resources carry a strong ETag and answer If-None-Match with 304. Every
 * read goes through the module that owns the table (flows/orders, flows/payments,
 * flows/trace, inbox). Response bodies are the contracts rest.order-list@v1, rest.order@v1,
 * rest.order-timeline@v1, rest.payment@v1, rest.quarantine-list@v2 (contracts/rest/v1/, v2/).
 * Handlers take the seam_api_t as user data. Thread-safety: reentrant.
 */
#ifndef SEAM_API_API_RESOURCES_H
#define SEAM_API_API_RESOURCES_H

#include "api/resource.h"
#include "http/server.h"

/* The list definitions (filters, limits), for docs and tests. */
extern const seam_api_list_def_t seam_api_orders_list_def;
extern const seam_api_list_def_t seam_api_quarantine_list_def;

/* The list definition of a GET route pattern ("/v1/orders", "/v1/jobs", ...), or NULL when
 * the route is not a list: its query parameters for docs and OpenAPI. */
const seam_api_list_def_t *seam_api_list_def_of(const char *pattern);

void seam_api_orders_list(seam_http_req_t *req, void *ud);
void seam_api_orders_show(seam_http_req_t *req, void *ud);
void seam_api_orders_timeline(seam_http_req_t *req, void *ud);
void seam_api_payments_show(seam_http_req_t *req, void *ud);
void seam_api_quarantine_list(seam_http_req_t *req, void *ud);

#endif
