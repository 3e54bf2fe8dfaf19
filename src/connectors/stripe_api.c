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
	char path[64], gte[24], lte[24], after[SEAM_STRIPE_ID_MAX + 1] = "";
	size_t seen = 0;
	seam_err_t rc = SEAM_OK;
	json_t *cursors = json_object(); /* every starting_after used */
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
		int more = 0;
		const char *next = NULL;
		if ((rc = seam_stripe_page_read(doc, after, &data, &more, &next, err)) != SEAM_OK) {
			char why[sizeof err->msg];
			snprintf(why, sizeof why, "%s", err ? err->msg : "");
			seam_errorf(err, rc, "%s: GET %s: %s", seam_upstream_name(u), path, why);
			json_decref(doc);
			break;
		}
		json_array_foreach(data, i, obj) {
			seen++;
			if ((rc = cb(obj, ud)) != SEAM_OK)
				break;
		}
		if (rc == SEAM_OK && more) {
			/* a cursor seen before is a loop, over however many pages */
			if (json_object_get(cursors, next)) {
				rc = seam_errorf(err, SEAM_UPSTREAM, "%s: GET %s: the listing came back to "
						 "%s: it loops", seam_upstream_name(u), path, next);
			} else {
				json_object_set_new(cursors, next, json_true());
				snprintf(after, sizeof after, "%s", next);
			}
		}
		json_decref(doc);
		if (rc != SEAM_OK || !more)
			break;
	}
	json_decref(cursors);
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

seam_err_t seam_stripe_page_read(const json_t *doc, const char *prev, json_t **data, int *more,
				 const char **next, seam_error_t *err)
{
	json_t *d = json_object_get(doc, "data"), *hm = json_object_get(doc, "has_more");
	*data = NULL;
	*more = 0;
	*next = NULL;
	if (!json_is_array(d) || !json_is_boolean(hm))
		return seam_errorf(err, SEAM_UPSTREAM,
				   "stripe: not a Stripe list (no data array or has_more)");
	if (!json_is_true(hm)) {
		*data = d;
		return SEAM_OK;
	}
	const char *last = json_string_value(json_object_get(json_array_get(d, json_array_size(d) - 1),
							     "id"));
	if (!last || !*last || strlen(last) > SEAM_STRIPE_ID_MAX || (prev && !strcmp(last, prev)))
		return seam_errorf(err, SEAM_UPSTREAM,
				   "stripe: has_more with no usable last id to page on");
	*data = d;
	*more = 1;
	*next = last;
	return SEAM_OK;
}

/* An id-like string member: set, not empty, not too long; else NULL. */
static const char *id_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s && strlen(s) <= SEAM_STRIPE_ID_MAX ? s : NULL;
}

/* An amount member: absent is 0; else an integer in range, or -1 for anything else. */
static int amount_of(const json_t *o, const char *k, int64_t *out)
{
	json_t *v = json_object_get(o, k);
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > SEAM_STRIPE_AMOUNT_MAX)
		return -1;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int seam_stripe_intent_read(const json_t *o, seam_stripe_intent_t *out)
{
	memset(out, 0, sizeof *out);
	const json_t *meta = json_object_get(o, "metadata");
	const char *c = json_string_value(json_object_get(o, "currency"));
	out->id = id_of(o, "id");
	if (!out->id || amount_of(o, "amount", &out->amount) != 0 ||
	    amount_of(o, "amount_received", &out->received) != 0)
		return -1;
	out->order_uuid = json_string_value(json_object_get(meta, "order_uuid"));
	out->store = json_string_value(json_object_get(meta, "store"));
	out->status = json_string_value(json_object_get(o, "status"));
	out->latest_charge = id_of(o, "latest_charge");
	if (c && strlen(c) == 3) {
		for (int i = 0; i < 3; i++) {
			char ch = c[i];
			if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 32);
			if (ch < 'A' || ch > 'Z') {
				out->currency[0] = '\0';
				break;
			}
			out->currency[i] = ch;
		}
	}
	return 0;
}

int seam_stripe_charge_read(const json_t *o, seam_stripe_charge_t *out)
{
	memset(out, 0, sizeof *out);
	out->id = id_of(o, "id");
	out->payment_intent = id_of(o, "payment_intent");
	out->store = json_string_value(json_object_get(json_object_get(o, "metadata"), "store"));
	if (!out->id || !out->payment_intent || amount_of(o, "amount_refunded", &out->refunded) != 0)
		return -1;
	return 0;
}
