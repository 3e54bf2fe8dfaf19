/*
 * sim_tax.h: the tax engine double, shaped like Avalara AvaTax REST v2
 * (as Avalara's public REST v2 reference describes it).
 *
 *   POST /api/v2/transactions/create              CreateTransactionModel -> TransactionModel
 *   POST /api/v2/transactions/createoradjust      {createTransactionModel, adjustmentReason}
 *   GET  /api/v2/companies/{company}/transactions/{code}
 *   POST /api/v2/companies/{company}/transactions/{code}/commit  {"commit": true}
 *   GET  /api/v2/utilities/ping
 * HTTP Basic with accountId:licenseKey. Tax per line = line amount x the rate of the line's
 * (or document's) shipTo/singleLocation address from a configured table (country + region, then
 * country, else 0), rounded half up to the currency's digits; totalTax is the sum of the lines.
 * taxIncluded lines carve the tax out of the amount; exemptionCode/entityUseCode make a line
 * exempt. *Order types are estimates (status Temporary, not kept); *Invoice types are kept by
 * code (Saved, or Committed with commit: true); create on a committed code is an error, which
 * createoradjust avoids. $include=ForceTimeout holds the answer for force_timeout, then fails,
 * as AvaTax's test hook does. Error codes follow the ErrorCodeId names; their HTTP statuses are
 * the usual pattern (unverified, see the reference).
 *
 * Thread-safety: handlers serialise on the double's mutex.
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
