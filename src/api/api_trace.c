/*
 * api_trace.c: GET /v1/trace/{id} (see api_trace.h).
 */
#include "api/api_trace.h"

#include "api/api.h"
#include "api/resource.h"
#include "flows/trace.h"

void seam_api_trace(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	const char *id = seam_http_param(req, "id");
	json_t *result = json_object();
	seam_error_t e = {0};
	int found = seam_trace_lookup(api->store, id, result, &e);
	if (found < 0) {
		seam_api_reply_error(req, &e);
		json_decref(result);
	} else if (!found) {
		json_decref(result);
		seam_http_problem(req, 404, "not-found", "Not found", NULL,
				  "nothing is known of '%s' (not an order number or uuid, PSP payment id, "
				  "provider event id, SKU, PIM product or correlation id seam has seen)",
				  id);
	} else {
		seam_api_reply_etag(req, result);
	}
}
