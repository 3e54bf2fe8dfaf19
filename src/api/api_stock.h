/*
 * api_stock.h: the prices-and-stock cache over REST v1 (api_stock.c): GET /v1/availability and
 * GET /v1/prices, answered from seam's store alone (never the ERP), scope catalog:read.
 * Handlers take the seam_api_t as ud.
 */
#ifndef SEAM_API_API_STOCK_H
#define SEAM_API_API_STOCK_H

#include "http/server.h"

void seam_api_availability(seam_http_req_t *req, void *ud);
void seam_api_prices(seam_http_req_t *req, void *ud);

#endif
