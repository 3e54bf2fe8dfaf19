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
 *   GET .../salesPrices[({id})]                             the Sales Price table as a custom
 *                                                           API page would print it (same
 *                                                           filters and paging as items)
 *   GET .../customers, GET /api/v2.0/companies
 *   POST|GET /api/v2.0/subscriptions,                       webhooks on .../items and
 *   GET|PATCH|DELETE /api/v2.0/subscriptions('{id}')        .../salesPrices: the validation
 *                                                           handshake on create and renew,
 *                                                           expiry, coalesced notifications
 * The long form /v2.0/{tenant}/{environment}/api/v2.0/... is accepted too.
 *
 * Duplicates: Business Central has no idempotency key and (per the reference, unverified on a
 * live tenant) does not enforce a unique externalDocumentNumber, so the double creates a second
 * sales order for the same number: exactly the danger the order-export flow must avoid by
 * looking up first. Set unique_external_document_number: true to make it refuse instead
 * (400 Internal_EntityWithSameKeyExists).
 *
 * Control: POST /_sim/erp/items {number, inventory?, unitPrice?, force?} or {churn: n} or
 * {burst: {count, skus, fields}}; POST /_sim/erp/prices {company, upsert, remove, force};
 * GET /_sim/erp/subscriptions; POST /_sim/erp/subscriptions/expire {id | all};
 * POST /_sim/erp/notifications/flush; GET /_sim/erp/stats (sales orders, duplicated external
 * document numbers).
 * Amounts are exact decimals (5 places for prices and quantities, 2 for amounts) printed as
 * JSON numbers, as BC does. The files are in sim/erp/ (erp_int.h: their map, the design of
 * notifications and the locking rule). Thread-safety: handlers serialise on the double's
 * mutex; a notifier thread closes notification windows and sim_send's workers deliver them.
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
