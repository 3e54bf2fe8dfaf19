/*
 * api_reconcile.c: reconciliation runs over REST v1 (see api_reconcile.h). The request body is
 * checked against rest.reconciliation-request@v1 before the handler runs (closed object, types,
 * the time grammar); what the schema cannot say is checked here: the store is configured, the
 * times parse, the window is not empty, dry_run goes with fix.
 */
#include "api/api_reconcile.h"

#include <string.h>

#include "core/clock.h"
#include "flows/reconcile.h"

static const seam_api_filter_t run_filters[] = {
	{"store", SEAM_API_FILTER_STR, NULL, "Only this seam store's runs."},
};

const seam_api_list_def_t seam_api_reconciliations_def = {
	"reconciliation", run_filters, sizeof run_filters / sizeof run_filters[0], 20, 100, NULL};

static json_t *body_error(const char *pointer, const char *keyword, const char *detail)
{
	return json_pack("{s:s, s:s, s:s}", "pointer", pointer, "keyword", keyword, "detail", detail);
}

void seam_api_reconciliations_start(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	const json_t *body = seam_http_body_doc(req);
	json_t *errors = json_array(), *run = NULL;
	seam_error_t e = {0};
	char run_id[SEAM_UUID_STR_LEN], msg[256];
	int64_t now = seam_now_ms(), since = now - 86400000LL, until = now;
	if (!body)
		goto out;
	const char *store = json_string_value(json_object_get(body, "store"));
	const char *s = json_string_value(json_object_get(body, "since"));
	const char *u = json_string_value(json_object_get(body, "until"));
	int fix = json_is_true(json_object_get(body, "fix"));
	int dry = json_is_true(json_object_get(body, "dry_run"));
	if (!store || !seam_cfg_map_get(api->stores, store)) {
		snprintf(msg, sizeof msg, "store '%s' is not a store of this seam (stores: in the config)",
			 store ? store : "");
		json_array_append_new(errors, body_error("/store", "x-seam-store", msg));
	}
	if (s && seam_time_arg_parse(s, now, &since) != 0) {
		snprintf(msg, sizeof msg, "since '%s' is not " SEAM_TIME_ARG_FORMS, s);
		json_array_append_new(errors, body_error("/since", "x-seam-time", msg));
	}
	if (u && seam_time_arg_parse(u, now, &until) != 0) {
		snprintf(msg, sizeof msg, "until '%s' is not " SEAM_TIME_ARG_FORMS, u);
		json_array_append_new(errors, body_error("/until", "x-seam-time", msg));
	}
	if (dry && !fix)
		json_array_append_new(errors, body_error("/dry_run", "x-seam-fix",
							 "dry_run goes with fix: a run without fix "
							 "changes nothing anyway"));
	if (!json_array_size(errors) && since >= until)
		json_array_append_new(errors, body_error("/since", "x-seam-window",
							 "the window is empty: since must be before until"));
	if (json_array_size(errors)) {
		seam_http_problem(req, 422, "invalid-body", "Invalid body",
				  json_pack("{s:O}", "errors", errors), "%s",
				  json_string_value(json_object_get(json_array_get(errors, 0), "detail")));
		goto out;
	}
	seam_reconcile_request_t r = {.store = store, .since_ms = since, .until_ms = until,
				      .fix = fix, .dry_run = dry, .trigger = "api",
				      .cid = seam_http_cid(req)};
	seam_db_t *db = seam_store_acquire(api->store);
	seam_err_t rc = seam_reconcile_start(db, api->queue, &r, run_id, &e);
	seam_store_release(api->store, db);
	if (rc == SEAM_EXISTS) {
		seam_http_problem(req, 409, "reconciliation-running", "A reconciliation is going",
				  json_pack("{s:s}", "run_id", run_id), "%s", e.msg);
		goto out;
	}
	if (rc != SEAM_OK) {
		seam_api_reply_error(req, &e);
		goto out;
	}
	seam_queue_notify(api->queue);
	if (seam_reconcile_get(api->store, run_id, 0, &run, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		goto out;
	}
	char loc[96];
	snprintf(loc, sizeof loc, "/v1/reconciliations/%s", run_id);
	seam_http_set_header(req, "Location", loc);
	seam_http_reply_json(req, 202, run);
out:
	json_decref(errors);
}

void seam_api_reconciliations_list(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_api_reply_runs(req, api->store, &seam_api_reconciliations_def, seam_reconcile_list);
}

void seam_api_reconciliations_show(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	json_t *run = NULL;
	seam_error_t e = {0};
	if (seam_reconcile_get(api->store, seam_http_param(req, "id"), 1, &run, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	seam_api_reply_etag(req, run);
}
