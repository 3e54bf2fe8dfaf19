/*
 * tax.h: the tax flow: a quote at checkout within a fixed time budget, with an honest fallback
 * (docs/tax.md). The storefront asks POST /v1/tax/quote with the canonical cart
 * (contracts/tax/v1/quote-request); seam answers, within the store's budget (default 800 ms):
 *
 *   1. from its cache, when the same cart and address (the quote key: SHA-256 of the request
 *      in canonical JSON, with the tax date) had an engine answer within cache_ttl: source
 *      "cache";
 *   2. from the engine (mappings/tax_to_engine.lua -> CreateTransaction, type SalesOrder, not
 *      kept), with a timeout that leaves room for the fallback, behind the tax upstream's
 *      breaker and bulkhead: source "engine";
 *   3. when the engine fails, times out or its breaker is open: the last engine answer for the
 *      same key if it is younger than last_answer (source "cache", with its age), else an
 *      estimate from the store's rate table (source "estimate", with the reason); a
 *      jurisdiction the table does not know is a 503 problem when the store's policy is
 *      "block", else the store's fallback_rate, flagged. Never a silent zero.
 *
 * Invoices (jobs of flow "tax"): tax.sweep, per store every commit_interval, finds the orders
 * seam has seen placed without an invoice (tax.commit) and canceled ones with a committed
 * invoice (tax.void): canceled as the orders flow knows it (Drupal's state, or its cancel of
 * the ERP order after Drupal's cancel event or poll). tax.commit reads the order from Drupal, maps it (order_to_tax, then
 * tax_to_engine with type SalesInvoice, code "<store>-<order uuid>", commit true) and calls
 * createoradjust, so a retry after a timeout adjusts the same document instead of making a
 * second; the committed tax is compared with what the order charged, and a difference is put
 * on the order's timeline and counted. tax.void voids the document (already voided is success).
 * tax.refund returns what the PSP refunded since the last look (payment_refs.refunded, summed
 * over the order's payments) as a committed ReturnInvoice: the whole document when everything
 * was refunded at once, else that share of it (refundType Percentage), coded
 * "<store>-<order uuid>-r<refunded so far>" so a retry finds the same return invoice.
 *
 * Thread-safety: quotes run on the HTTP threads concurrently: the cache is under a mutex, each
 * thread has its own Lua runtime.
 */
#ifndef SEAM_FLOWS_TAX_H
#define SEAM_FLOWS_TAX_H

#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "flows/flow.h"

#define SEAM_FLOW_TAX "tax"
#define SEAM_JOB_TAX_SWEEP "tax.sweep"
#define SEAM_JOB_TAX_COMMIT "tax.commit"
#define SEAM_JOB_TAX_VOID "tax.void"
#define SEAM_JOB_TAX_REFUND "tax.refund"

/* tax.stores.<store>.rates.<name>: one line of the rate table. */
typedef struct seam_tax_rate_config {
	char *country;           /* ISO 3166-1 alpha-2 */
	char *region;            /* subdivision; unset: the whole country */
	seam_strlist_t postal;   /* postal code prefixes it covers; empty: all */
	char *rate;              /* decimal ("0.0725") */
	char *name;              /* jurisdiction name in the answer */
	seam_strmap_t tax_codes; /* tax code -> rate overriding rate ("PB100000": "0.07") */
} seam_tax_rate_config_t;

/* tax.stores.<store> */
typedef struct seam_tax_store_config {
	char *upstream;          /* the tax engine's upstream */
	char *company;           /* the engine's company code */
	char *customer;          /* customer code when a cart names none */
	char *mapping;           /* [tax_to_engine] */
	char *shipping_code;     /* tax code of shipping [FR010000] */
	int64_t budget_ms;       /* the whole quote [800ms] */
	int64_t engine_timeout_ms; /* the engine's share [600ms]; at most budget - 50ms */
	int64_t cache_ttl_ms;    /* a fresh engine answer serves the same cart [10m] */
	int64_t last_answer_ms;  /* an older one still serves when the engine fails [24h] */
	int64_t cache_max;       /* answers kept [10000] */
	char *policy;            /* estimate | block: a jurisdiction the table lacks */
	char *fallback_rate;     /* policy estimate: its rate ["0"] */
	seam_cfg_map_t rates;    /* of seam_tax_rate_config_t */
	int commit;              /* commit placed orders' invoices, void canceled ones [true] */
	int64_t commit_interval_ms; /* the sweep that finds them [10s] */
	char *order_mapping;     /* [order_to_tax] */
} seam_tax_store_config_t;

typedef struct seam_tax_config {
	seam_cfg_map_t stores; /* of seam_tax_store_config_t */
} seam_tax_config_t;

const seam_tax_store_config_t *seam_tax_store(const void *config, const char *store);

/*
 * One quote for request (a valid tax.quote-request@v1 document, borrowed) with flow (the tax
 * flow's instance). On SEAM_OK *quote is the answer (tax.quote@v1). SEAM_NOTFOUND: the store has
 * no tax config; SEAM_INVAL: the request cannot be quoted (an unknown currency: the message
 * names the field, answer 422); SEAM_UNSUPPORTED: no tax could be given within the budget and
 * the store's policy is "block" (answer 503, the message says why). cid: the request's
 * correlation id.
 */
seam_err_t seam_tax_quote(void *flow, const json_t *request, const char *cid, json_t **quote,
			  seam_error_t *err);

/* The quote key: SHA-256 (hex) of the request in canonical JSON (sorted keys, compact), "|",
 * and the tax date (the request's date, else today, YYYY-MM-DD). */
seam_err_t seam_tax_quote_key(const json_t *request, const char *today, char key[65],
			      seam_error_t *err);

/* The rate table's answer for request (valid tax.quote-request@v1) in sc: {lines, shipping,
 * total_tax, total_taxable, jurisdictions} (the quote without source and key; *out new).
 * SEAM_UNSUPPORTED: the table does not know the jurisdiction and sc->policy is block;
 * SEAM_INVAL: an amount that is not a decimal. */
seam_err_t seam_tax_estimate(const seam_tax_store_config_t *sc, const json_t *req, json_t **out,
			     seam_error_t *err);

extern const seam_flow_def_t seam_flow_tax;

#endif
