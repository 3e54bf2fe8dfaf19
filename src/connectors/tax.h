/*
 * tax.h: the tax engine connector for an AvaTax-like REST v2 (as the tax double sim/sim_tax.h
 * plays it): a transaction computed and not kept (POST /api/v2/transactions/create with type
 * SalesOrder: a checkout quote), an invoice created or adjusted by its code (POST
 * /api/v2/transactions/createoradjust: a retry adjusts the same document instead of making a
 * second), voided (POST /api/v2/companies/{company}/transactions/{code}/void), and the answer
 * (TransactionModel) read into seam's quote (contracts/tax/v1/quote.schema.json).
 *
 * Bodies. The mapping (mappings/tax_to_engine.lua) writes amounts as exact decimal strings;
 * the engine wants JSON numbers, so the connector writes the model's lines' quantity and
 * amount as numbers with at most 15 significant digits (every amount of up to 15 digits comes
 * out as written). The engine's numbers are read back into decimal text the same way.
 *
 * Results as the other connectors: SEAM_OK; SEAM_RETRY / SEAM_TIMEOUT for what may pass (5xx,
 * 429, no answer in time); SEAM_PERMANENT for the engine's refusals (400 with its error code
 * and message); SEAM_NOTFOUND for an unknown document; SEAM_OPEN_CIRCUIT / SEAM_BUSY when
 * nothing was sent. Ownership: arguments borrowed; json_t results are new references.
 */
#ifndef SEAM_CONNECTORS_TAX_H
#define SEAM_CONNECTORS_TAX_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "http/client.h"

typedef struct seam_tax_outcome {
	int status;             /* HTTP status; 0 when nothing was answered */
	int64_t retry_after_ms; /* -1 when none */
	char code[64];          /* the engine's error code, or "" */
} seam_tax_outcome_t;

/* POST /api/v2/transactions/create with the model (a SalesOrder is computed, not kept).
 * deadline_ns: seam_mono_ns() time to give up by (0: the upstream's timeout). *txn: the
 * TransactionModel. */
seam_err_t seam_tax_create(seam_upstream_t *u, const char *cid, json_t *model, int64_t deadline_ns,
			   json_t **txn, seam_tax_outcome_t *oc, seam_error_t *err);

/* POST /api/v2/transactions/createoradjust {"createTransactionModel": model} (an invoice by
 * its code: created, or adjusted when the code exists). */
seam_err_t seam_tax_create_or_adjust(seam_upstream_t *u, const char *cid, json_t *model,
				     json_t **txn, seam_tax_outcome_t *oc, seam_error_t *err);

/* POST /api/v2/companies/{company}/transactions/{code}/void {"code": "DocVoided"}. A
 * document already voided is success. */
seam_err_t seam_tax_void(seam_upstream_t *u, const char *cid, const char *company,
			 const char *code, seam_tax_outcome_t *oc, seam_error_t *err);

/* POST /api/v2/companies/{company}/transactions/{code}/refund: a committed ReturnInvoice coded
 * refund_code, dated date (YYYY-MM-DD), of the whole document (percentage 100: refundType
 * Full) or of a share of it (refundType Percentage). A refund_code the engine has already
 * (an earlier attempt's answer was lost) is read back instead. *txn: the return invoice. */
seam_err_t seam_tax_refund(seam_upstream_t *u, const char *cid, const char *company,
			   const char *code, const char *refund_code, const char *date,
			   double percentage, json_t **txn, seam_tax_outcome_t *oc, seam_error_t *err);

/* The model's body text (lines' quantity and amount as JSON numbers). *text malloc'd. */
seam_err_t seam_tax_model_body(json_t *model, char **text, seam_error_t *err);

/*
 * Reads a TransactionModel into seam's quote fields: {"lines": [{id, tax, taxable, rate}] in
 * the request's line order (matched by lineNumber = the request's line id), "shipping": {tax,
 * taxable} or null (lineNumber "shipping"), "total_tax", "total_taxable", "jurisdictions":
 * [{name, type, rate, tax}]}; amounts as decimal text rounded to the currency's minor unit.
 * request: the quote request (borrowed: its lines' ids and currency). SEAM_UPSTREAM when a
 * line of the request has no line in the answer or a number is not a number.
 */
seam_err_t seam_tax_answer_read(const json_t *txn, const json_t *request, json_t **quote,
				seam_error_t *err);

#endif
