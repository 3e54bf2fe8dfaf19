/*
 * api_catalog.h: catalog routes of REST v1 (api_catalog.c): a product's timeline and the
 * catalog runs. Handlers take the seam_api_t as ud.
 */
#ifndef SEAM_API_API_CATALOG_H
#define SEAM_API_API_CATALOG_H

#include "api/api.h"
#include "api/resource.h"

extern const seam_api_list_def_t seam_api_catalog_runs_def;

void seam_api_products_timeline(seam_http_req_t *req, void *ud);
void seam_api_catalog_runs_list(seam_http_req_t *req, void *ud);
void seam_api_catalog_runs_show(seam_http_req_t *req, void *ud);

#endif
