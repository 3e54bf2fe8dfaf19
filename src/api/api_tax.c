/*
 * api_tax.c: POST /v1/tax/quote. The body was checked against tax.quote-request@v1 before the
 * handler runs (422 with the failing fields); the quote is the tax flow's (flows/tax.h),
 * answered within the store's budget: 200 with tax.quote@v1 (source engine, cache or
 * estimate), 404 for a store without tax config, 422 for what the schema cannot say (an
 * unknown currency), 503 when no tax can be given and the store's policy says block.
 */
#include "api/api_tax.h"

#include "api/api.h"
#include "api/resource.h"
#include "flows/tax.h"

void seam_api_tax_quote(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	void *flow = api->flow_instance ? api->flow_instance(api->flow_config_ud, SEAM_FLOW_TAX) : NULL;
	const json_t *body = seam_http_body_doc(req); /* checked by the contract, parsed once */
	json_t *quote = NULL;
	seam_error_t e = {0};
	if (!body)
		return;
	seam_err_t rc = seam_tax_quote(flow, body, seam_http_cid(req), &quote, &e);
	if (rc == SEAM_OK) {
		seam_http_set_header(req, "Cache-Control", "no-store");
		seam_http_reply_json(req, 200, quote);
	} else if (rc == SEAM_NOTFOUND) {
		seam_http_problem(req, 404, "not-found", "Not Found", NULL, "%s", e.msg);
	} else if (rc == SEAM_INVAL) {
		seam_http_problem(req, 422, "invalid-body", "Unprocessable Content", NULL, "%s", e.msg);
	} else if (rc == SEAM_UNSUPPORTED) {
		seam_http_set_header(req, "Retry-After", "5");
		seam_http_problem(req, 503, "tax-unavailable", "Tax unavailable", NULL, "%s", e.msg);
	} else {
		seam_api_reply_error(req, &e);
	}
}
