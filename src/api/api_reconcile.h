/*
 * api_reconcile.h: reconciliation over REST v1 (docs/reconciliation.md): start a run
 * (POST /v1/reconciliations, ops:admin), the newest runs (GET /v1/reconciliations) and one run
 * with every drift (GET /v1/reconciliations/{id}), ops:read. The flow owns the runs
 * (flows/reconcile.h); these only translate. Handlers take the seam_api_t as ud.
 */
#ifndef SEAM_API_API_RECONCILE_H
#define SEAM_API_API_RECONCILE_H

#include "api/api.h"
#include "api/resource.h"

extern const seam_api_list_def_t seam_api_reconciliations_def;

void seam_api_reconciliations_start(seam_http_req_t *req, void *ud);
void seam_api_reconciliations_list(seam_http_req_t *req, void *ud);
void seam_api_reconciliations_show(seam_http_req_t *req, void *ud);

#endif
