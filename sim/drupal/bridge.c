/*
 * bridge.c: the seam_bridge payment-transition endpoint (POST /seam/payment/{uuid}/transition).
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_money.h"

static void bridge_error(seam_sim_call_t *c, int status, const char *error, const char *detail)
{
	seam_sim_reply_json(c, status, NULL,
			    json_pack("{s:s, s:s}", "error", error, "detail", detail));
}

json_t *seam__sim_drupal_plain_price(const json_t *p)
{
	if (!json_is_object(p))
		return json_null();
	return json_pack("{s:O, s:O}", "number", json_object_get(p, "number"), "currency_code",
			 json_object_get(p, "currency_code"));
}

/* The bridge contract's amount: {number: "^[0-9]{1,12}(\.[0-9]{1,6})?$", currency_code}. */
static int bridge_amount(const json_t *a, int64_t *v, const char **cur)
{
	if (!json_is_object(a) || json_object_size(a) != 2)
		return -1;
	const char *num = json_string_value(json_object_get(a, "number"));
	const char *c = json_string_value(json_object_get(a, "currency_code"));
	if (!num || !c || seam_sim_currency_digits(c) < 0)
		return -1;
	const char *dot = strchr(num, '.');
	size_t ip = dot ? (size_t)(dot - num) : strlen(num);
	size_t fp = dot ? strlen(dot + 1) : 0;
	if (ip < 1 || ip > 12 || (dot && (fp < 1 || fp > 6)))
		return -1;
	for (const char *q = num; *q; q++)
		if (q != dot && (*q < '0' || *q > '9'))
			return -1;
	if (seam_sim_dec_parse(num, SCALE, v) != 0)
		return -1;
	*cur = c;
	return 0;
}

void seam__sim_drupal_h_transition(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	if (!seam__sim_drupal_is_admin(d, c)) {
		const char *h = seam_sim_header(c, "Authorization");
		seam_sim_reply_json(c, h ? 403 : 401, NULL,
				    json_pack("{s:s}", "message",
					      h ? "The 'seam bridge transition payments' permission is required."
						: "No authentication credentials provided."));
		return;
	}
	const char *ct = seam_sim_header(c, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16)) {
		bridge_error(c, 415, "invalid_request", "the content type must be application/json");
		return;
	}
	json_t *body = seam_sim_body_json(c);
	const char *tr = json_string_value(json_object_get(body, "transition"));
	const char *key = json_string_value(json_object_get(body, "idempotency_key"));
	json_t *amount = json_object_get(body, "amount");
	json_t *remote_state = json_object_get(body, "remote_state");
	static const char *const allowed[] = {"capture", "void", "expire", "partially_refund",
					      "refund", NULL};
	static const char *const members[] = {"transition", "amount", "remote_state",
					      "idempotency_key", NULL};
	int known = 0;
	for (const char *const *a = allowed; tr && *a; a++)
		if (!strcmp(*a, tr))
			known = 1;
	int64_t amt = 0;
	const char *amt_cur = NULL;
	char detail[200];
	if (!json_is_object(body)) {
		bridge_error(c, 422, "invalid_request", "the body must be a JSON object");
		goto done;
	}
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		int ok = 0;
		for (const char *const *m = members; *m; m++)
			if (!strcmp(*m, k))
				ok = 1;
		if (!ok) {
			snprintf(detail, sizeof detail, "unknown member \"%s\"", k);
			bridge_error(c, 422, "invalid_request", detail);
			goto done;
		}
	}
	if (!known) {
		bridge_error(c, 422, "invalid_request",
			     "transition must be one of capture, void, expire, partially_refund, refund");
		goto done;
	}
	if (!key || !*key || strlen(key) > 255) {
		bridge_error(c, 422, "invalid_request", "idempotency_key is required (1..255 characters)");
		goto done;
	}
	if (amount && !json_is_null(amount) && bridge_amount(amount, &amt, &amt_cur) != 0) {
		bridge_error(c, 422, "invalid_request",
			     "amount must be null or {number: decimal string (at most 12 digits and 6 "
			     "decimals), currency_code}");
		goto done;
	}
	if (remote_state && !json_is_null(remote_state) &&
	    (!json_is_string(remote_state) || strlen(json_string_value(remote_state)) > 255)) {
		bridge_error(c, 422, "invalid_request", "remote_state must be null or a string");
		goto done;
	}
	if (amt_cur && (!strcmp(tr, "void") || !strcmp(tr, "expire"))) {
		bridge_error(c, 422, "invalid_request", "void and expire take no amount");
		goto done;
	}
	if (!amt_cur && !strcmp(tr, "partially_refund")) {
		bridge_error(c, 422, "invalid_request", "partially_refund needs an amount");
		goto done;
	}
	/* the request's identity, for key reuse checks */
	json_t *ident = json_pack("{s:s, s:s, s:O, s:O}", "payment", seam_sim_param(c, "id"),
				  "transition", tr, "amount", amount ? amount : json_null(),
				  "remote_state", remote_state ? remote_state : json_null());
	pthread_mutex_lock(&d->mu);
	json_t *prev = json_object_get(d->idem, key);
	if (prev) {
		if (!json_equal(json_object_get(prev, "request"), ident)) {
			pthread_mutex_unlock(&d->mu);
			json_decref(ident);
			bridge_error(c, 422, "invalid_request",
				     "idempotency_key was already used for a different request");
			goto done;
		}
		json_t *resp = json_deep_copy(json_object_get(prev, "response"));
		pthread_mutex_unlock(&d->mu);
		json_decref(ident);
		json_object_set_new(resp, "replayed", json_true());
		seam_sim_reply_json(c, 200, NULL, resp);
		goto done;
	}
	seam_sim_ent_t *p = seam__sim_drupal_lookup(d, seam_sim_param(c, "id"));
	if (!p || !seam__sim_drupal_is_payment(p)) {
		pthread_mutex_unlock(&d->mu);
		json_decref(ident);
		seam_sim_reply_json(c, 404, NULL, json_pack("{s:s}", "error", "not_found"));
		goto done;
	}
	const char *state = seam__sim_drupal_attr_str(p, "state");
	int manual = p->type == &seam__sim_drupal_types[T_PAYMENT_MANUAL];
	int ok;
	if (!strcmp(tr, "capture") || !strcmp(tr, "expire"))
		ok = !manual && !strcmp(state, "authorization");
	else if (!strcmp(tr, "void"))
		ok = !strcmp(state, manual ? "pending" : "authorization");
	else /* canRefundPayment: refunds also leave partially_refunded (see the contract) */
		ok = !strcmp(state, "completed") || !strcmp(state, "partially_refunded");
	if (!ok) {
		json_t *err = json_pack("{s:s, s:s, s:s}", "error", "transition_not_allowed",
					"current_state", state, "transition", tr);
		pthread_mutex_unlock(&d->mu);
		json_decref(ident);
		seam_sim_reply_json(c, 409, NULL, err);
		goto done;
	}
	int64_t pamount, refunded = 0;
	const char *pcur;
	seam__sim_drupal_price_get(json_object_get(p->attrs, "amount"), &pamount, &pcur);
	seam__sim_drupal_price_get(json_object_get(p->attrs, "refunded_amount"), &refunded, NULL);
	char cur[4];
	snprintf(cur, sizeof cur, "%s", pcur);
	int64_t balance = pamount - refunded;
	char num[SEAM_SIM_DEC_MAX], bal[SEAM_SIM_DEC_MAX];
	seam_sim_dec_format(amt, SCALE, 0, num);
	seam_sim_dec_format(balance, SCALE, 0, bal);
	const char *bad = NULL;
	if (amt_cur && strcmp(amt_cur, cur)) {
		snprintf(detail, sizeof detail, "currency %s differs from the payment's %s", amt_cur, cur);
		bad = detail;
	} else if (!strcmp(tr, "capture") && amt_cur && (amt <= 0 || amt > pamount)) {
		snprintf(detail, sizeof detail, "capture amount %s is more than the authorized amount", num);
		bad = detail;
	} else if (!strcmp(tr, "partially_refund") && (amt <= 0 || amt > balance)) {
		snprintf(detail, sizeof detail,
			 "refund amount %s is more than the refundable balance %s", num, bal);
		bad = detail;
	} else if (!strcmp(tr, "refund") && amt_cur && amt != balance) {
		snprintf(detail, sizeof detail,
			 "refund takes null or exactly the refundable balance %s, not %s", bal, num);
		bad = detail;
	}
	if (bad) {
		pthread_mutex_unlock(&d->mu);
		json_decref(ident);
		bridge_error(c, 422, "invalid_request", bad);
		goto done;
	}
	int64_t t = seam__sim_drupal_now_s();
	if (!strcmp(tr, "capture")) {
		if (amt_cur)
			json_object_set_new(p->attrs, "amount",
					    seam__sim_drupal_price_json(amt, cur));
		json_object_set_new(p->attrs, "state", json_string("completed"));
		if (json_is_null(json_object_get(p->attrs, "completed")))
			json_object_set_new(p->attrs, "completed", seam__sim_drupal_ts_json(t));
	} else if (!strcmp(tr, "void")) {
		json_object_set_new(p->attrs, "state",
				    json_string(manual ? "voided" : "authorization_voided"));
	} else if (!strcmp(tr, "expire")) {
		json_object_set_new(p->attrs, "state", json_string("authorization_expired"));
	} else {
		refunded += amt_cur ? amt : balance;
		json_object_set_new(p->attrs, "refunded_amount",
				    seam__sim_drupal_price_json(refunded, cur));
		json_object_set_new(p->attrs, "state", json_string(refunded < pamount
									    ? "partially_refunded"
									    : "refunded"));
	}
	if (json_is_string(remote_state))
		json_object_set(p->attrs, "remote_state", remote_state);
	seam_sim_ent_t *order = seam__sim_drupal_order_of(d, p);
	json_t *completed = json_object_get(p->attrs, "completed");
	if (order && completed && !json_is_null(completed))
		seam__sim_drupal_order_update_paid(d, order, t);
	json_t *resp = json_pack(
		"{s:s, s:O, s:o, s:o, s:O, s:O, s:s?, s:b}", "uuid", p->uuid, "state",
		json_object_get(p->attrs, "state"), "amount",
		seam__sim_drupal_plain_price(json_object_get(p->attrs, "amount")),
		"refunded_amount",
		seam__sim_drupal_plain_price(json_object_get(p->attrs, "refunded_amount")),
		"remote_id", json_object_get(p->attrs, "remote_id"), "remote_state",
		json_object_get(p->attrs, "remote_state"), "order_uuid", order ? order->uuid : NULL,
		"replayed", 0);
	json_object_set_new(d->idem, key, json_pack("{s:o, s:O}", "request", ident, "response", resp));
	pthread_mutex_unlock(&d->mu);
	seam_sim_reply_json(c, 200, NULL, resp);
done:
	json_decref(body);
}
