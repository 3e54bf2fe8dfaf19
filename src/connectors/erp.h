/*
 * erp.h: the ERP connector for a Business Central-like API v2.0 (the salesOrders resource of
 * Microsoft Dynamics 365 Business Central, as the ERP double sim/sim_erp.h plays it): sales orders under {base_url}/companies({company})/salesOrders, looked up by
 * externalDocumentNumber (which carries the Drupal order number), created with their lines in
 * one deep insert, and deleted when an order is canceled. docs/connectors.md is the
 * operator-facing summary.
 *
 * Idempotency. Business Central has no idempotency key and (as far as the reference knows)
 * does not enforce unique externalDocumentNumber values, so the flow looks up before it
 * creates, and the connector NEVER repeats a create by itself: after a timeout or 5xx the
 * order may exist, and only a fresh lookup (the job's next attempt) can tell.
 *
 * Results. The client's classification (http/client.h) is kept and refined:
 *   SEAM_OK            done
 *   SEAM_CONFLICT      error code Internal_EntityWithSameKeyExists (the order exists: look up
 *                      again and adopt it), Request_EntityChanged or 412 (stale etag)
 *   SEAM_NOTFOUND      404 on a single sales order (cancel treats it as success)
 *   SEAM_RETRY         401 (the client has already retried once with a fresh OAuth token; a
 *                      second 401 is worth another attempt later), 408, 429, 5xx but 501/505,
 *                      network failures (outcome->retry_after_ms holds Retry-After)
 *   SEAM_TIMEOUT       no answer in time (retryable; for a create: look up before retrying)
 *   SEAM_PERMANENT     400 and other validation refusals (BadRequest_*, Application_*), 403
 *   SEAM_OPEN_CIRCUIT, SEAM_BUSY   nothing was sent
 *   SEAM_UPSTREAM      a 2xx without the expected document (retried by the job layer)
 *   SEAM_INVAL         bad arguments, or a mapped sales order the wire cannot carry (a
 *                      numeric field that is not a decimal): nothing was sent
 * Messages carry the BC error code and message, read from the body the client already masked
 * (personal data: http/client.c mask_answer), never a body.
 *
 * Decimals. Mappings emit quantities and prices as decimal STRINGS ("19.99"); BC wants JSON
 * numbers. seam_erp_sales_order_body writes the request text itself, copying the decimal
 * text digit for digit into the number position, so "19.99" goes out as 19.99 and "0.10" as
 * 0.10 (never through a double). Numbers in BC's answers are parsed by jansson (doubles).
 *
 * Ownership: arguments are borrowed; json_t results are new references owned by the caller.
 * Thread-safety: reentrant.
 */
#ifndef SEAM_CONNECTORS_ERP_H
#define SEAM_CONNECTORS_ERP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http/client.h"

#define SEAM_ERP_CODE_MAX 64

/* What the last HTTP exchange said. */
typedef struct seam_erp_outcome {
	int status;                  /* HTTP status; 0 when nothing was answered or sent */
	int64_t retry_after_ms;      /* Retry-After or the breaker's cool-down; -1 when none */
	char code[SEAM_ERP_CODE_MAX]; /* BC error.code ("Internal_EntityWithSameKeyExists"), or "" */
} seam_erp_outcome_t;

/*
 * GET companies({company})/salesOrders?$filter=externalDocumentNumber eq '<n>'
 * &$expand=salesOrderLines (single quotes in n doubled as OData wants, then percent-encoded).
 * *order gets the match (owned, with its salesOrderLines) or NULL when there is none. With
 * several matches (a duplicate was created earlier) it is the one with the lowest number
 * (shorter first, then by text: "SO-99" before "SO-100"), and *nmatch (may be NULL) says how
 * many there are so the flow can log the duplicate loudly. A 404 here means the company or
 * the API is wrong: SEAM_PERMANENT.
 */
seam_err_t seam_erp_find_sales_order(seam_upstream_t *u, const char *cid, const char *company,
				     const char *external_document_number, json_t **order,
				     size_t *nmatch, seam_erp_outcome_t *oc, seam_error_t *err);

/*
 * POST companies({company})/salesOrders with the header fields and its "salesOrderLines"
 * array in ONE request (BC's deep insert, reference 2.3), so an order never exists without
 * its lines. sales_order is the mapping's output (borrowed): an object with header fields and
 * optionally "salesOrderLines": [ {line fields} ]. *created gets BC's answer (owned; has "id",
 * "number", "@odata.etag"). Never retried inside: callers look up first and after a failure.
 * Internal_EntityWithSameKeyExists -> SEAM_CONFLICT (look up again and adopt).
 */
seam_err_t seam_erp_create_sales_order(seam_upstream_t *u, const char *cid, const char *company,
				       json_t *sales_order, json_t **created,
				       seam_erp_outcome_t *oc, seam_error_t *err);

/*
 * Cancels a sales order. BC API v2.0 has no cancel action on salesOrders (the reference lists
 * only the bound action Microsoft.NAV.shipAndInvoice), so cancel is
 * DELETE companies({company})/salesOrders({id}) with If-Match: <etag>. etag NULL: the order
 * is read first for its current @odata.etag. Idempotent: a 404 (on the read or the delete)
 * means already gone, which is success. A stale etag (412 / Request_EntityChanged) is
 * SEAM_CONFLICT: someone changed the order; BC refusing to delete a shipped order is
 * SEAM_PERMANENT with its message.
 */
seam_err_t seam_erp_cancel_sales_order(seam_upstream_t *u, const char *cid, const char *company,
				       const char *order_id, const char *etag,
				       seam_erp_outcome_t *oc, seam_error_t *err);

/*
 * The request text for a sales order (what create sends). Fields that BC types as decimals
 * (header: discountAmount; lines: sequence, quantity, unitPrice, discountAmount,
 * discountPercent, invoiceQuantity, shipQuantity) are written as JSON numbers: a decimal
 * string ("-?digits[.digits]", leading zeros dropped) is copied as is, an integer as is, a
 * real with the shortest text that reads back as the same double, null stays null. Any other
 * value there is SEAM_INVAL naming the field. Everything else is written as jansson would.
 * *text: owned, free().
 */
seam_err_t seam_erp_sales_order_body(json_t *sales_order, char **text, seam_error_t *err);

#endif
