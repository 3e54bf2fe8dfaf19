/*
 * sim_erp.h: the ERP double, shaped like Dynamics 365 Business Central API v2.0
 * (as Microsoft's public API v2.0 reference describes it).
 *
 *   POST /oauth2/v2.0/token, /{tenant}/oauth2/v2.0/token   client credentials (form or Basic),
 *                                                           bearer tokens with an expiry
 *   GET|POST /api/v2.0/companies({id})/salesOrders          $filter (eq, ne, gt, ge, lt, le,
 *                                                           and), $expand=salesOrderLines,
 *                                                           $top, $skip, $orderby; server paging
 *                                                           with @odata.nextLink; deep insert
 *                                                           of salesOrderLines on POST
 *   GET|PATCH|DELETE .../salesOrders({id})                  If-Match with @odata.etag (412 on
 *                                                           a mismatch, Request_EntityChanged)
 *   GET|POST .../salesOrders({id})/salesOrderLines
 *   GET|PATCH .../items[({id})]                             inventory, unitPrice,
 *                                                           lastModifiedDateTime filters
 *   GET .../customers, GET /api/v2.0/companies
 * The long form /v2.0/{tenant}/{environment}/api/v2.0/... is accepted too.
 *
 * Duplicates: Business Central has no idempotency key and (per the reference, unverified on a
 * live tenant) does not enforce a unique externalDocumentNumber, so the double creates a second
 * sales order for the same number: exactly the danger the order-export flow must avoid by
 * looking up first. Set unique_external_document_number: true to make it refuse instead
 * (400 Internal_EntityWithSameKeyExists).
 *
 * Control: POST /_sim/erp/items {number, inventory?, unitPrice?} or {churn: n};
 * GET /_sim/erp/stats (sales orders, duplicated external document numbers).
 * Amounts are exact decimals (5 places for prices and quantities, 2 for amounts) printed as
 * JSON numbers, as BC does. Thread-safety: handlers serialise on the double's mutex.
 */
#ifndef SEAM_SIM_ERP_H
#define SEAM_SIM_ERP_H

#include <jansson.h>

#include "core/err.h"
#include "sim/sim_config.h"
#include "sim/sim_core.h"
#include "sim/sim_send.h"

typedef struct seam_sim_erp seam_sim_erp_t;

seam_err_t seam_sim_erp_create(const seam_sim_config_t *cfg, const json_t *section,
			       const seam_sim_env_t *env, seam_sim_erp_t **out, seam_error_t *err);
void seam_sim_erp_destroy(seam_sim_erp_t *e);
void seam_sim_erp_def(seam_sim_erp_t *e, seam_sim_double_def_t *def);

#endif
