/*
 * stripe_api.c: Stripe's list and retrieve endpoints (see stripe_api.h).
 */
#include "connectors/stripe_api.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"

#define PAGE_LIMIT "100"

/* One GET; *doc the parsed answer (owned) on SEAM_OK. */
static seam_err_t exchange(seam_upstream_t *u, const char *cid, const char *path,
			   const seam_call_kv_t *q, size_t nq, json_t **doc, seam_error_t *err)
{
	seam_response_t resp = {0};
	seam_error_t cerr = {0};
	json_error_t jerr;
	json_t *d = NULL;
	seam_call_t call = {.method = "GET", .path = path, .query = q, .nquery = nq,
			    .correlation_id = cid};
	seam_err_t rc = seam_upstream_call(u, &call, &resp, &cerr);
	*doc = NULL;
	if (resp.status && resp.body_len)
		d = seam_json_loadb(resp.body, resp.body_len, 0, &jerr);
	if (rc != SEAM_OK) {
		json_t *e = json_object_get(d, "error");
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		if (resp.status == 404 && code && strcmp(code, "resource_missing") == 0)
			rc = SEAM_NOTFOUND;
		if (msg)
			seam_errorf(err, rc, "%s: GET %s: HTTP %d: %s: %.300s", seam_upstream_name(u),
				    path, resp.status, code ? code : "error", msg);
		else
			seam_errorf(err, rc, "%s", cerr.msg[0] ? cerr.msg : seam_strerror(rc));
		json_decref(d);
		goto out;
	}
	if (!json_is_object(d)) {
		json_decref(d);
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: GET %s: HTTP %d with a body that is not a "
				 "JSON object", seam_upstream_name(u), path, resp.status);
		goto out;
	}
	*doc = d;
out:
	seam_response_dispose(&resp);
	return rc;
}

seam_err_t seam_stripe_list(seam_upstream_t *u, const char *cid, const char *resource,
			    int64_t created_gte, int64_t created_lte, seam_stripe_obj_fn cb, void *ud,
			    size_t *count, seam_error_t *err)
{
	char path[64], gte[24], lte[24], after[256] = "";
	size_t seen = 0;
	seam_err_t rc = SEAM_OK;
	snprintf(path, sizeof path, "/v1/%s", resource);
	snprintf(gte, sizeof gte, "%" PRId64, created_gte);
	snprintf(lte, sizeof lte, "%" PRId64, created_lte);
	for (;;) {
		seam_call_kv_t q[4];
		size_t nq = 0;
		json_t *doc = NULL, *data, *obj;
		size_t i;
		q[nq++] = (seam_call_kv_t){"limit", PAGE_LIMIT};
		if (created_gte > 0)
			q[nq++] = (seam_call_kv_t){"created[gte]", gte};
		if (created_lte > 0)
			q[nq++] = (seam_call_kv_t){"created[lte]", lte};
		if (after[0])
			q[nq++] = (seam_call_kv_t){"starting_after", after};
		if ((rc = exchange(u, cid, path, q, nq, &doc, err)) != SEAM_OK)
			break;
		data = json_object_get(doc, "data");
		if (!json_is_array(data) || !json_is_boolean(json_object_get(doc, "has_more"))) {
			json_decref(doc);
			rc = seam_errorf(err, SEAM_UPSTREAM, "%s: GET %s: not a Stripe list (no data "
					 "array or has_more)", seam_upstream_name(u), path);
			break;
		}
		int more = json_is_true(json_object_get(doc, "has_more"));
		json_array_foreach(data, i, obj) {
			seen++;
			if ((rc = cb(obj, ud)) != SEAM_OK)
				break;
		}
		const char *last = json_string_value(json_object_get(
			json_array_get(data, json_array_size(data) - 1), "id"));
		if (rc == SEAM_OK && more) {
			if (!last || !*last || strcmp(last, after) == 0 || strlen(last) >= sizeof after)
				rc = seam_errorf(err, SEAM_UPSTREAM,
						 "%s: GET %s: has_more with no usable last id to page on",
						 seam_upstream_name(u), path);
			else
				snprintf(after, sizeof after, "%s", last);
		}
		json_decref(doc);
		if (rc != SEAM_OK || !more)
			break;
	}
	if (count)
		*count = seen;
	return rc;
}

seam_err_t seam_stripe_get(seam_upstream_t *u, const char *cid, const char *resource,
			   const char *id, json_t **out, seam_error_t *err)
{
	char path[320];
	*out = NULL;
	if (!id || !*id || strlen(id) > 255 || strpbrk(id, "/?#%"))
		return seam_errorf(err, SEAM_INVAL, "stripe: not an object id: '%.64s'", id ? id : "");
	snprintf(path, sizeof path, "/v1/%s/%s", resource, id);
	return exchange(u, cid, path, NULL, 0, out, err);
}
