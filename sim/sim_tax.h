/*
 * sim_tax.h: the tax engine double, shaped like Avalara AvaTax REST v2
 * (as Avalara's public REST v2 reference and error-code pages describe it).
 *
 *   POST /api/v2/transactions/create              CreateTransactionModel -> 201 TransactionModel
 *   POST /api/v2/transactions/createoradjust      {createTransactionModel, adjustmentReason,
 *                                                 adjustmentDescription} -> 201
 *   GET  /api/v2/companies/{company}/transactions/{code}[?documentType=]
 *   POST /api/v2/companies/{company}/transactions/{code}/commit   {"commit": true}
 *   POST /api/v2/companies/{company}/transactions/{code}/void     {"code": "DocVoided"}
 *   POST /api/v2/companies/{company}/transactions/{code}/adjust   AdjustTransactionModel
 *   POST /api/v2/companies/{company}/transactions/{code}/refund   RefundTransactionModel
 *   GET  /api/v2/utilities/ping
 *   GET  /_sim/tax/documents[?code=&type=&status=], GET /_sim/tax/stats   (control API)
 * HTTP Basic with accountId:licenseKey. Tax per line = line amount x the rate of the line's
 * (or document's) shipTo/singleLocation address from a configured table (country + region, then
 * country, else 0), rounded half up to the currency's digits; totalTax is the sum of the lines.
 * taxIncluded lines carve the tax out of the amount; exemptionCode/entityUseCode make a line
 * exempt. *Order types are estimates (status Temporary, never kept); *Invoice types are kept,
 * one document per company, type and code, with versions, voids and refunds (the lifecycle is
 * described at the top of sim_tax.c). $include=ForceTimeout holds the answer for force_timeout,
 * then fails with TimeoutRequested, as AvaTax's test hook does (with force_timeout_commits the
 * work is done first). Error codes follow the ErrorCodeId names; their HTTP statuses are the
 * usual pattern (400 for the client's mistakes, 404 EntityNotFoundError; unverified).
 *
 * Thread-safety: any thread; the kept documents are under the double's mutex, the quote path
 * takes none.
 */
#ifndef SEAM_SIM_TAX_H
#define SEAM_SIM_TAX_H

#include <jansson.h>

#include "core/err.h"
#include "sim/sim_config.h"
#include "sim/sim_core.h"
#include "sim/sim_send.h"

typedef struct seam_sim_tax seam_sim_tax_t;

seam_err_t seam_sim_tax_create(const seam_sim_config_t *cfg, const json_t *section,
			       const seam_sim_env_t *env, seam_sim_tax_t **out, seam_error_t *err);
void seam_sim_tax_destroy(seam_sim_tax_t *t);
void seam_sim_tax_def(seam_sim_tax_t *t, seam_sim_double_def_t *def);

#endif
