/*
 * api_catalog.c: the catalog over REST v1: a product's story (GET /v1/products/{id}/timeline,
 * the same as `seam ctl trace <SKU | PIM product>`) and the catalog runs (GET /v1/catalog/runs,
 * GET /v1/catalog/runs/{id}, the same as `seam ctl sync list|status`). Scope catalog:read.
 * Reads only; the flow's modules own the queries (flows/trace.c, flows/catalog_runs.c).
 */
#include "api/api_catalog.h"

#include <string.h>

#include "api/resource.h"
#include "flows/catalog.h"
#include "flows/trace.h"

static const seam_api_filter_t run_filters[] = {
	{"store", SEAM_API_FILTER_STR, NULL, "Only this seam store's runs."},
};

const seam_api_list_def_t seam_api_catalog_runs_def = {
	"catalog-run", run_filters, sizeof run_filters / sizeof run_filters[0], 20, 100, NULL};

void seam_api_products_timeline(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	const char *id = seam_http_param(req, "id");
	json_t *result = json_object();
	seam_error_t e = {0};
	int found = seam_trace_product(api->store, id, result, &e);
	if (found < 0) {
		seam_api_reply_error(req, &e);
		json_decref(result);
	} else if (!found) {
		seam_api_not_found(req, "catalog product or SKU", id);
		json_decref(result);
	} else {
		seam_api_reply_etag(req, result);
	}
}

void seam_api_catalog_runs_list(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_api_reply_runs(req, api->store, &seam_api_catalog_runs_def, seam_catalog_run_list);
}

void seam_api_catalog_runs_show(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	json_t *run = NULL;
	seam_error_t e = {0};
	if (seam_catalog_run_get(api->store, seam_http_param(req, "id"), &run, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	seam_api_reply_etag(req, run);
}
