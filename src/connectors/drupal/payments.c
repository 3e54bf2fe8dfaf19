/*
 * payments.c: Drupal Commerce payments: find one by remote id, create one over JSON:API, a
 * gateway's UUID, transitions through the storefront module's bridge (see drupal.h).
 * Thread-safety: reentrant; no state.
 */
#include "connectors/drupal/drupal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/json.h"


seam_err_t seam_drupal_find_payment(seam_upstream_t *u, const char *cid, const char *bundle,
				    const char *remote_id, json_t **payment, size_t *nmatch,
				    seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200];
	json_t *d = NULL, *data;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (payment)
		*payment = NULL;
	if (nmatch)
		*nmatch = 0;
	bundle = seam__drupal_or_default(bundle, "payment_default");
	if (!u || !payment || !seam__drupal_valid_segment(bundle) || !remote_id || !*remote_id ||
	    strlen(remote_id) > 255)
		return seam_errorf(err, SEAM_INVAL, "drupal find payment: bad bundle or remote id");
	snprintf(path, sizeof path, "/jsonapi/commerce_payment/%s", bundle);
	seam_call_kv_t q[] = {{"filter[remote_id]", remote_id}};
	seam_drupal_req_t r = {.method = "GET", .path = path, .query = q, .nquery = 1,
			       .media = SEAM_DRUPAL_MEDIA_TYPE};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "GET", path, d, 1, err)) != SEAM_OK)
		goto out;
	data = json_object_get(d, "data");
	if (nmatch)
		*nmatch = json_array_size(data);
	if (json_array_size(data) == 0) {
		if (json_object_get(json_object_get(d, "meta"), "omitted")) {
			rc = seam_errorf(err, SEAM_PERMANENT,
					 "%s: GET %s: payments with this remote id exist but are hidden "
					 "from this account (meta.omitted); creating one would double it",
					 seam_upstream_name(u), path);
			goto out;
		}
		goto out;
	}
	*payment = json_incref(json_array_get(data, 0));
out:
	json_decref(d);
	return rc;
}

seam_err_t seam_drupal_gateway_uuid(seam_upstream_t *u, const char *cid, const char *machine_name,
				    char out[37], seam_drupal_outcome_t *oc, seam_error_t *err)
{
	json_t *gw = NULL;
	seam_err_t rc;
	if (out)
		out[0] = '\0';
	if (!out)
		return seam_errorf(err, SEAM_INVAL, "drupal gateway uuid: bad machine name");
	rc = seam__drupal_config_entity(u, cid, "commerce_payment_gateway", machine_name, &gw, oc, err);
	if (rc == SEAM_OK && !seam_uuid_valid(seam_drupal_id(gw)))
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: payment gateway '%s' has no uuid",
				 seam_upstream_name(u), machine_name);
	else if (rc == SEAM_OK)
		snprintf(out, 37, "%s", seam_drupal_id(gw));
	else if (rc == SEAM_NOTFOUND)
		seam_errorf(err, rc, "%s: no payment gateway named '%s' is visible",
			    seam_upstream_name(u), machine_name);
	json_decref(gw);
	return rc;
}

seam_err_t seam_drupal_create_payment(seam_upstream_t *u, const char *cid,
				      const seam_drupal_payment_t *p, json_t **created,
				      seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200], type[160], order_type[160], gw_uuid[37];
	const char *bundle, *order_bundle;
	json_t *body = NULL, *attrs = NULL, *d = NULL;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (created)
		*created = NULL;
	if (!u || !p || !created)
		return seam_errorf(err, SEAM_INVAL, "drupal create payment: missing argument");
	bundle = seam__drupal_or_default(p->bundle, "payment_default");
	order_bundle = seam__drupal_or_default(p->order_bundle, "default");
	if (!seam__drupal_valid_segment(bundle) || !seam__drupal_valid_segment(order_bundle) ||
	    !seam__drupal_valid_segment(p->order_uuid))
		return seam_errorf(err, SEAM_INVAL, "drupal create payment: bad bundle or order uuid");
	if (!p->state || !*p->state || !p->remote_id || !*p->remote_id || !p->gateway_mode ||
	    !*p->gateway_mode)
		return seam_errorf(err, SEAM_INVAL,
				   "drupal create payment: state, remote_id and gateway_mode are required");
	if (!seam__drupal_money_valid(&p->amount))
		return seam_errorf(err, SEAM_INVAL, "drupal create payment: bad amount");
	if (seam_uuid_valid(p->gateway)) {
		snprintf(gw_uuid, sizeof gw_uuid, "%s", p->gateway);
	} else if (seam__drupal_valid_segment(p->gateway)) {
		if ((rc = seam_drupal_gateway_uuid(u, cid, p->gateway, gw_uuid, oc, err)) != SEAM_OK)
			return rc;
	} else {
		return seam_errorf(err, SEAM_INVAL,
				   "drupal create payment: gateway must be a UUID or a machine name");
	}
	snprintf(path, sizeof path, "/jsonapi/commerce_payment/%s", bundle);
	snprintf(type, sizeof type, "commerce_payment--%s", bundle);
	snprintf(order_type, sizeof order_type, "commerce_order--%s", order_bundle);
	attrs = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s}", "state", p->state, "amount", "number",
			  p->amount.number, "currency_code", p->amount.currency_code, "remote_id",
			  p->remote_id, "payment_gateway_mode", p->gateway_mode);
	if (!attrs || (p->remote_state &&
		       json_object_set_new(attrs, "remote_state", json_string(p->remote_state)))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory (or a string that is not UTF-8)");
		goto out;
	}
	body = json_pack("{s:{s:s, s:O, s:{s:{s:{s:s, s:s}}, s:{s:{s:s, s:s}}}}}", "data", "type",
			 type, "attributes", attrs, "relationships", "order_id", "data", "type",
			 order_type, "id", p->order_uuid, "payment_gateway", "data", "type",
			 "commerce_payment_gateway--commerce_payment_gateway", "id", gw_uuid);
	if (!body) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	seam_drupal_req_t r = {.method = "POST", .path = path, .media = SEAM_DRUPAL_MEDIA_TYPE,
			       .body = body};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "POST", path, d, 0, err)) != SEAM_OK)
		goto out;
	*created = d;
	d = NULL;
out:
	json_decref(d);
	json_decref(body);
	json_decref(attrs);
	return rc;
}

seam_err_t seam_drupal_payment_transition(seam_upstream_t *u, const char *cid,
					  const char *payment_uuid,
					  const seam_drupal_transition_t *t, json_t **payment,
					  char *current_state, seam_drupal_outcome_t *oc,
					  seam_error_t *err)
{
	char path[220];
	json_t *body = NULL, *d = NULL, *amount;
	seam_response_t resp = {0};
	seam_error_t cerr = {0};
	char *text = NULL;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (payment)
		*payment = NULL;
	if (current_state)
		current_state[0] = '\0';
	if (!u || !t || !seam__drupal_valid_segment(payment_uuid) || !t->transition || !*t->transition ||
	    !t->idempotency_key || !*t->idempotency_key)
		return seam_errorf(err, SEAM_INVAL,
				   "drupal payment transition: payment uuid, transition and "
				   "idempotency key are required");
	if (t->amount && !seam__drupal_money_valid(t->amount))
		return seam_errorf(err, SEAM_INVAL, "drupal payment transition: bad amount");
	snprintf(path, sizeof path, "/seam/payment/%s/transition", payment_uuid);
	amount = t->amount ? json_pack("{s:s, s:s}", "number", t->amount->number, "currency_code",
				       t->amount->currency_code)
			   : json_null();
	body = json_pack("{s:s, s:o, s:o, s:s}", "transition", t->transition, "amount", amount,
			 "remote_state", t->remote_state ? json_string(t->remote_state) : json_null(),
			 "idempotency_key", t->idempotency_key);
	if (!body || !(text = json_dumps(body, JSON_COMPACT))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory (or a string that is not UTF-8)");
		goto out;
	}
	/* Not through seam__drupal_exchange(): a 409 carries a body the caller needs. _format=json: Drupal
	 * routes that declare a JSON format only match (and only answer errors in JSON) with it;
	 * a route without that requirement ignores it. */
	seam_call_kv_t hdr = {"Accept", "application/json"};
	seam_call_kv_t fmt = {"_format", "json"};
	seam_call_t call = {
		.method = "POST",
		.path = path,
		.query = &fmt,
		.nquery = 1,
		.headers = &hdr,
		.nheaders = 1,
		.body = text,
		.body_len = strlen(text),
		.content_type = "application/json",
		.idempotency_key = t->idempotency_key,
		.correlation_id = cid,
	};
	rc = seam_upstream_call(u, &call, &resp, &cerr);
	seam__drupal_outcome_set(oc, &resp);
	if (resp.status && resp.body)
		d = seam_json_loadb(resp.body, resp.body_len, 0, NULL);
	if (rc != SEAM_OK) {
		rc = seam__drupal_refine(rc, resp.status, SEAM__DRUPAL_NOTFOUND_IS_NOTFOUND |
							  SEAM__DRUPAL_CONFLICT_IS_CONFLICT);
		if (rc == SEAM_CONFLICT) {
			const char *cur = json_string_value(json_object_get(d, "current_state"));
			if (current_state && cur)
				snprintf(current_state, SEAM_DRUPAL_STATE_MAX, "%s", cur);
			rc = seam_errorf(err, SEAM_CONFLICT,
					 "%s: POST %s: transition %.40s is not allowed from state %.40s",
					 seam_upstream_name(u), path, t->transition,
					 cur ? cur : "(unknown)");
		} else {
			seam__drupal_fail_msg(u, "POST", path, rc, &resp, &cerr, err);
		}
		goto out;
	}
	if (!json_is_object(d) || !json_is_string(json_object_get(d, "state"))) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: POST %s: HTTP %d without a payment state",
				 seam_upstream_name(u), path, resp.status);
		goto out;
	}
	if (payment) {
		*payment = d;
		d = NULL;
	}
out:
	free(text);
	json_decref(d);
	json_decref(body);
	seam_response_dispose(&resp);
	return rc;
}
