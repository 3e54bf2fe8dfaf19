/*
 * sim_psp.c: payments as small state records (amounts in minor units), events built when
 * asked for (their content is fixed then, which is what makes a reordered delivery
 * meaningful), and delivery through sim_send.
 */
#include "sim/sim_psp.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "sim/sim_money.h"
#include "sim/sim_rng.h"
#include "sim/sim_sign.h"

typedef struct payment {
	char *provider; /* "stripe" | "adyen" */
	char *id;       /* pi_... or the Adyen pspReference */
	char *charge;   /* ch_... (Stripe) */
	char *store, *order_uuid, *merchant_ref;
	char currency[4];
	int64_t amount, capturable, received, refunded;
	char status[32]; /* Stripe PaymentIntent status */
	int authorized;
	int64_t created;
} payment_t;

struct seam_sim_psp {
	pthread_mutex_t mu;
	seam_sim_rng_t rng;
	uint64_t seed;
	char *stripe_url, *stripe_secret, *stripe_api_key;
	char *adyen_url, *adyen_key, *adyen_merchant;
	char *default_store;
	seam_sim_sender_t *sender;
	payment_t **pays;
	size_t npays, cappays;
	json_t *events; /* [{id, provider, type, payment, body(json)}] */
};

static void payment_free(payment_t *p)
{
	if (!p)
		return;
	free(p->provider);
	free(p->id);
	free(p->charge);
	free(p->store);
	free(p->order_uuid);
	free(p->merchant_ref);
	free(p);
}

static payment_t *find(seam_sim_psp_t *p, const char *id)
{
	for (size_t i = 0; id && i < p->npays; i++)
		if (!strcmp(p->pays[i]->id, id))
			return p->pays[i];
	return NULL;
}

static void lower(char *dst, const char *src, size_t cap)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static json_t *metadata(const payment_t *pay)
{
	return json_pack("{s:s, s:s}", "order_uuid", pay->order_uuid, "store", pay->store);
}

static json_t *intent_json(const payment_t *pay)
{
	char cur[4];
	lower(cur, pay->currency, sizeof cur);
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:I, s:b, s:o, s:s}", "id",
			      pay->id, "object", "payment_intent", "amount", (json_int_t)pay->amount,
			      "amount_capturable", (json_int_t)pay->capturable, "amount_received",
			      (json_int_t)pay->received, "capture_method",
			      pay->authorized ? "manual" : "automatic", "currency", cur, "created",
			      (json_int_t)pay->created, "livemode", 0, "metadata", metadata(pay),
			      "status", pay->status);
	json_object_set_new(o, "latest_charge", pay->charge ? json_string(pay->charge) : json_null());
	json_object_set_new(o, "last_payment_error", json_null());
	json_object_set_new(o, "cancellation_reason", json_null());
	return o;
}

static json_t *charge_json(const payment_t *pay)
{
	char cur[4];
	lower(cur, pay->currency, sizeof cur);
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:b, s:s, s:s, s:o, s:b, s:s, s:I, s:b}", "id",
			 pay->charge ? pay->charge : "", "object", "charge", "amount",
			 (json_int_t)pay->amount, "amount_captured", (json_int_t)pay->received,
			 "amount_refunded", (json_int_t)pay->refunded, "captured", pay->received > 0,
			 "currency", cur, "payment_intent", pay->id, "metadata", metadata(pay),
			 "refunded", pay->received > 0 && pay->refunded >= pay->received, "status",
			 "succeeded", "created", (json_int_t)pay->created, "livemode", 0);
}

static char *sub_store(const char *url, const char *store)
{
	const char *at = strstr(url, "{store}");
	char *out = NULL;
	if (!at)
		return strdup(url);
	if (asprintf(&out, "%.*s%s%s", (int)(at - url), url, store, at + 7) < 0)
		return NULL;
	return out;
}

/* Builds, records and sends one event. Lock held. Returns the event id (borrowed from the
 * events list) or NULL with err. */
static const char *make_event(seam_sim_psp_t *p, payment_t *pay, const char *type, int64_t amt,
			      const json_t *opts, char *err, size_t cap)
{
	json_t *body = NULL;
	char evid[64];
	const char *etype = NULL;
	int64_t now = seam_now_ms() / 1000;
	if (!strcmp(pay->provider, "stripe")) {
		snprintf(evid, sizeof evid, "evt_");
		seam_sim_rng_alnum(&p->rng, evid + 4, 24);
		json_t *obj = NULL;
		if (!strcmp(type, "authorize")) {
			pay->authorized = 1;
			pay->capturable = amt > 0 ? amt : pay->amount;
			snprintf(pay->status, sizeof pay->status, "requires_capture");
			etype = "payment_intent.amount_capturable_updated";
			obj = intent_json(pay);
		} else if (!strcmp(type, "capture")) {
			int64_t a = amt > 0 ? amt : pay->capturable > 0 ? pay->capturable : pay->amount;
			pay->received = a;
			pay->capturable = 0;
			snprintf(pay->status, sizeof pay->status, "succeeded");
			if (!pay->charge) {
				char ch[40] = "ch_";
				seam_sim_rng_alnum(&p->rng, ch + 3, 24);
				pay->charge = strdup(ch);
			}
			etype = "payment_intent.succeeded";
			obj = intent_json(pay);
		} else if (!strcmp(type, "partial_refund") || !strcmp(type, "refund")) {
			int64_t left = pay->received - pay->refunded;
			int64_t a = amt > 0 ? amt : left;
			if (pay->received <= 0 || a <= 0 || a > left) {
				snprintf(err, cap, "refund of %lld exceeds what is left to refund (%lld)",
					 (long long)a, (long long)left);
				return NULL;
			}
			if (!strcmp(type, "partial_refund") && a == left && amt <= 0) {
				snprintf(err, cap, "partial_refund needs an amount below the captured amount");
				return NULL;
			}
			pay->refunded += a;
			etype = "charge.refunded";
			obj = charge_json(pay);
		} else if (!strcmp(type, "fail")) {
			snprintf(pay->status, sizeof pay->status, "requires_payment_method");
			etype = "payment_intent.payment_failed";
			obj = intent_json(pay);
			json_object_set_new(obj, "last_payment_error",
					    json_pack("{s:s, s:s, s:s, s:s}", "code", "card_declined",
						      "decline_code", "generic_decline", "message",
						      "Your card was declined.", "type", "card_error"));
		} else if (!strcmp(type, "cancel")) {
			snprintf(pay->status, sizeof pay->status, "canceled");
			pay->capturable = 0;
			etype = "payment_intent.canceled";
			obj = intent_json(pay);
			json_object_set_new(obj, "cancellation_reason", json_string("requested_by_customer"));
		} else {
			snprintf(err, cap,
				 "unknown event type \"%s\" (authorize, capture, partial_refund, refund, "
				 "fail, cancel)",
				 type);
			return NULL;
		}
		body = json_pack("{s:s, s:s, s:s, s:I, s:{s:o}, s:b, s:i, s:{s:n, s:n}, s:s}", "id",
				 evid, "object", "event", "api_version", "2024-06-20", "created",
				 (json_int_t)now, "data", "object", obj, "livemode", 0,
				 "pending_webhooks", 1, "request", "id", "idempotency_key", "type",
				 etype);
	} else {
		const char *code;
		int success = 1;
		int64_t value = amt > 0 ? amt : pay->amount;
		char ref[24];
		const char *orig = "";
		const char *reason = "";
		for (int i = 0; i < 16; i++)
			ref[i] = (char)('0' + seam_sim_rng_range(&p->rng, 0, 9));
		ref[16] = '\0';
		if (!strcmp(type, "authorize")) {
			code = "AUTHORISATION";
			pay->authorized = 1;
			pay->capturable = value;
			snprintf(ref, sizeof ref, "%s", pay->id);
		} else if (!strcmp(type, "fail")) {
			code = "AUTHORISATION";
			success = 0;
			reason = "Refused";
			snprintf(ref, sizeof ref, "%s", pay->id);
		} else if (!strcmp(type, "capture")) {
			code = "CAPTURE";
			value = amt > 0 ? amt : pay->capturable > 0 ? pay->capturable : pay->amount;
			pay->received = value;
			pay->capturable = 0;
			orig = pay->id;
		} else if (!strcmp(type, "partial_refund") || !strcmp(type, "refund")) {
			int64_t left = pay->received - pay->refunded;
			value = amt > 0 ? amt : left;
			if (pay->received <= 0 || value <= 0 || value > left) {
				snprintf(err, cap, "refund of %lld exceeds what is left to refund (%lld)",
					 (long long)value, (long long)left);
				return NULL;
			}
			pay->refunded += value;
			code = "REFUND";
			orig = pay->id;
		} else if (!strcmp(type, "cancel")) {
			code = "CANCELLATION";
			orig = pay->id;
		} else {
			snprintf(err, cap,
				 "unknown event type \"%s\" (authorize, capture, partial_refund, refund, "
				 "fail, cancel)",
				 type);
			return NULL;
		}
		char vbuf[32], sig[64], date[32];
		snprintf(vbuf, sizeof vbuf, "%lld", (long long)value);
		if (seam_sim_sign_adyen(p->adyen_key ? p->adyen_key : "00", ref, orig,
					p->adyen_merchant, pay->merchant_ref, vbuf, pay->currency, code,
					success ? "true" : "false", sig) != 0)
			snprintf(sig, sizeof sig, "invalid-key");
		seam_sim_time_drupal(now, date);
		json_t *item = json_pack(
			"{s:{s:s, s:s, s:s}, s:{s:s, s:I}, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			"additionalData", "hmacSignature", sig, "metadata.order_uuid", pay->order_uuid,
			"metadata.store", pay->store, "amount", "currency", pay->currency, "value",
			(json_int_t)value, "eventCode", code, "eventDate", date, "merchantAccountCode",
			p->adyen_merchant, "merchantReference", pay->merchant_ref, "paymentMethod",
			"visa", "pspReference", ref, "reason", reason, "success",
			success ? "true" : "false");
		if (*orig)
			json_object_set_new(item, "originalReference", json_string(orig));
		body = json_pack("{s:s, s:[{s:o}]}", "live", "false", "notificationItems",
				 "NotificationRequestItem", item);
		snprintf(evid, sizeof evid, "%s:%s", ref, code);
		etype = code;
	}
	const char *url = !strcmp(pay->provider, "stripe") ? p->stripe_url : p->adyen_url;
	char *text = json_dumps(body, JSON_COMPACT);
	json_array_append_new(p->events,
			      json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", evid, "provider",
					pay->provider, "type", type, "event_type", etype, "payment",
					pay->id, "body", body));
	if (url && text) {
		char *target = sub_store(url, pay->store);
		seam_sim_delivery_t del = {
			.url = target,
			.body = text,
			.len = strlen(text),
			.event_id = evid,
			.event_type = etype,
			.sign = !strcmp(pay->provider, "stripe") ? SEAM_SIM_SIGN_STRIPE
								 : SEAM_SIM_SIGN_NONE,
			.secret = p->stripe_secret,
			.copies = (int)json_integer_value(json_object_get(opts, "copies")),
			.concurrent = json_is_true(json_object_get(opts, "concurrent")),
			.hold = json_is_true(json_object_get(opts, "hold")),
		};
		if (target)
			seam_sim_sender_send(p->sender, &del);
		free(target);
	}
	free(text);
	json_t *last = json_array_get(p->events, json_array_size(p->events) - 1);
	return json_string_value(json_object_get(last, "id"));
}

static json_t *payment_json(const payment_t *pay)
{
	char amount[SEAM_SIM_DEC_MAX], rec[SEAM_SIM_DEC_MAX], ref[SEAM_SIM_DEC_MAX];
	int dg = seam_sim_currency_digits(pay->currency);
	seam_sim_dec_format(pay->amount, dg, dg, amount);
	seam_sim_dec_format(pay->received, dg, dg, rec);
	seam_sim_dec_format(pay->refunded, dg, dg, ref);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", pay->id,
			 "provider", pay->provider, "store", pay->store, "order_uuid",
			 pay->order_uuid, "merchant_reference", pay->merchant_ref, "currency",
			 pay->currency, "amount", amount, "captured", rec, "refunded", ref, "status",
			 pay->status, "amount_minor", (json_int_t)pay->amount);
}

/* ---- handlers ---- */

static void h_create(seam_sim_call_t *c, void *ctx)
{
	seam_sim_psp_t *p = ctx;
	json_t *b = seam_sim_body_json(c);
	const char *provider = json_string_value(json_object_get(b, "provider"));
	const char *order = json_string_value(json_object_get(b, "order_uuid"));
	const char *cur = json_string_value(json_object_get(b, "currency"));
	json_t *amount = json_object_get(b, "amount");
	const char *remote = json_string_value(json_object_get(b, "remote_id"));
	const char *store = json_string_value(json_object_get(b, "store"));
	const char *mref = json_string_value(json_object_get(b, "merchant_reference"));
	int digits = cur ? seam_sim_currency_digits(cur) : -1;
	int64_t minor;
	if (!provider || (strcmp(provider, "stripe") && strcmp(provider, "adyen"))) {
		seam_sim_problem(c, 400, "bad-request", "provider is \"stripe\" or \"adyen\"");
		goto out;
	}
	if (!order || digits < 0) {
		seam_sim_problem(c, 400, "bad-request",
				 "order_uuid and currency (ISO 4217, e.g. USD) are required");
		goto out;
	}
	if (!json_is_string(amount) ||
	    seam_sim_dec_parse(json_string_value(amount), digits, &minor) != 0 || minor <= 0) {
		seam_sim_problem(c, 400, "bad-request",
				 "amount is a positive decimal string with at most %d decimals", digits);
		goto out;
	}
	pthread_mutex_lock(&p->mu);
	char id[40];
	if (remote) {
		snprintf(id, sizeof id, "%s", remote);
	} else if (!strcmp(provider, "stripe")) {
		snprintf(id, sizeof id, "pi_");
		seam_sim_rng_alnum(&p->rng, id + 3, 24);
	} else {
		for (int i = 0; i < 16; i++)
			id[i] = (char)('0' + seam_sim_rng_range(&p->rng, 0, 9));
		id[16] = '\0';
	}
	if (find(p, id)) {
		pthread_mutex_unlock(&p->mu);
		seam_sim_problem(c, 409, "conflict", "payment %s exists", id);
		goto out;
	}
	payment_t *pay = calloc(1, sizeof *pay);
	if (!pay || (p->npays == p->cappays &&
		     !(p->pays = realloc(p->pays, (p->cappays = p->cappays ? p->cappays * 2 : 64) *
							  sizeof *p->pays)))) {
		pthread_mutex_unlock(&p->mu);
		free(pay);
		seam_sim_problem(c, 500, "internal", "out of memory");
		goto out;
	}
	pay->provider = strdup(provider);
	pay->id = strdup(id);
	pay->store = strdup(store ? store : p->default_store);
	pay->order_uuid = strdup(order);
	pay->merchant_ref = strdup(mref ? mref : order);
	snprintf(pay->currency, sizeof pay->currency, "%s", cur);
	pay->amount = minor;
	pay->created = seam_now_ms() / 1000;
	snprintf(pay->status, sizeof pay->status, "requires_payment_method");
	p->pays[p->npays++] = pay;
	json_t *out = payment_json(pay);
	pthread_mutex_unlock(&p->mu);
	seam_sim_reply_json(c, 201, NULL, out);
out:
	json_decref(b);
}

static void h_list(seam_sim_call_t *c, void *ctx)
{
	seam_sim_psp_t *p = ctx;
	json_t *a = json_array();
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->npays; i++)
		json_array_append_new(a, payment_json(p->pays[i]));
	pthread_mutex_unlock(&p->mu);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:o}", "payments", a));
}

static void h_get(seam_sim_call_t *c, void *ctx)
{
	seam_sim_psp_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	payment_t *pay = find(p, seam_sim_param(c, "id"));
	json_t *o = pay ? payment_json(pay) : NULL;
	pthread_mutex_unlock(&p->mu);
	if (o)
		seam_sim_reply_json(c, 200, NULL, o);
	else
		seam_sim_problem(c, 404, "not-found", "no payment %s", seam_sim_param(c, "id"));
}

static void h_event(seam_sim_call_t *c, void *ctx)
{
	seam_sim_psp_t *p = ctx;
	json_t *b = seam_sim_body_json(c);
	const char *type = json_string_value(json_object_get(b, "type"));
	json_t *amount = json_object_get(b, "amount");
	if (!type) {
		seam_sim_problem(c, 400, "bad-request", "type is required");
		json_decref(b);
		return;
	}
	pthread_mutex_lock(&p->mu);
	payment_t *pay = find(p, seam_sim_param(c, "id"));
	if (!pay) {
		pthread_mutex_unlock(&p->mu);
		seam_sim_problem(c, 404, "not-found", "no payment %s", seam_sim_param(c, "id"));
		json_decref(b);
		return;
	}
	int64_t minor = 0;
	if (amount && !json_is_null(amount) &&
	    (!json_is_string(amount) ||
	     seam_sim_dec_parse(json_string_value(amount), seam_sim_currency_digits(pay->currency),
				&minor) != 0 ||
	     minor <= 0)) {
		pthread_mutex_unlock(&p->mu);
		seam_sim_problem(c, 400, "bad-request", "amount is a positive decimal string");
		json_decref(b);
		return;
	}
	char err[200] = "";
	const char *id = make_event(p, pay, type, minor, b, err, sizeof err);
	json_t *out = id ? json_pack("{s:s, s:s, s:o}", "event_id", id, "type", type, "payment",
				     payment_json(pay))
			 : NULL;
	pthread_mutex_unlock(&p->mu);
	if (out)
		seam_sim_reply_json(c, 202, NULL, out);
	else
		seam_sim_problem(c, 400, "bad-request", "%s", err);
	json_decref(b);
}

static void h_events(seam_sim_call_t *c, void *ctx)
{
	seam_sim_psp_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	json_t *copy = json_deep_copy(p->events);
	pthread_mutex_unlock(&p->mu);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:o}", "events", copy));
}

static int stripe_auth(seam_sim_psp_t *p, seam_sim_call_t *c)
{
	if (!p->stripe_api_key)
		return 1;
	const char *h = seam_sim_header(c, "Authorization");
	if (h && !strncasecmp(h, "Bearer ", 7) && seam_sim_streq_ct(h + 7, p->stripe_api_key))
		return 1;
	seam_sim_reply_json(c, 401, NULL,
			    json_pack("{s:{s:s, s:s}}", "error", "message",
				      "Invalid API Key provided.", "type", "invalid_request_error"));
	return 0;
}

static void h_stripe_intent(seam_sim_call_t *c, void *ctx)
{
	seam_sim_psp_t *p = ctx;
	if (!stripe_auth(p, c))
		return;
	pthread_mutex_lock(&p->mu);
	payment_t *pay = find(p, seam_sim_param(c, "id"));
	json_t *o = pay && !strcmp(pay->provider, "stripe") ? intent_json(pay) : NULL;
	pthread_mutex_unlock(&p->mu);
	if (o) {
		seam_sim_reply_json(c, 200, NULL, o);
		return;
	}
	char msg[160];
	snprintf(msg, sizeof msg, "No such payment_intent: '%s'", seam_sim_param(c, "id"));
	seam_sim_reply_json(c, 404, NULL,
			    json_pack("{s:{s:s, s:s, s:s, s:s}}", "error", "code", "resource_missing",
				      "message", msg, "param", "intent", "type",
				      "invalid_request_error"));
}

static void h_stripe_event(seam_sim_call_t *c, void *ctx)
{
	seam_sim_psp_t *p = ctx;
	if (!stripe_auth(p, c))
		return;
	const char *id = seam_sim_param(c, "id");
	json_t *found = NULL;
	pthread_mutex_lock(&p->mu);
	size_t i;
	json_t *e;
	json_array_foreach(p->events, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "id")), id))
			found = json_deep_copy(json_object_get(e, "body"));
	pthread_mutex_unlock(&p->mu);
	if (found) {
		seam_sim_reply_json(c, 200, NULL, found);
		return;
	}
	char msg[160];
	snprintf(msg, sizeof msg, "No such event: '%s'", id);
	seam_sim_reply_json(c, 404, NULL,
			    json_pack("{s:{s:s, s:s, s:s, s:s}}", "error", "code", "resource_missing",
				      "message", msg, "param", "id", "type", "invalid_request_error"));
}

/* Stripe's list answers: {"object": "list", "url", "has_more", "data"}, newest first (by
 * created, then creation order), filtered by created[gt|gte|lt|lte] (Unix seconds), paged with
 * limit (1-100, default 10) and starting_after (the last id of the previous page). charges
 * also take payment_intent. An unknown starting_after is Stripe's 400 resource_missing. */
static int64_t qint(seam_sim_call_t *c, const char *name, int64_t def, int *bad)
{
	const char *v = seam_sim_query(c, name);
	char *end;
	if (!v)
		return def;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end)
		*bad = 1;
	return (int64_t)x;
}

static void stripe_error(seam_sim_call_t *c, int status, const char *code, const char *param,
			 const char *msg)
{
	seam_sim_reply_json(c, status, NULL,
			    json_pack("{s:{s:s, s:s, s:s, s:s}}", "error", "code", code, "message",
				      msg, "param", param, "type", "invalid_request_error"));
}

static void stripe_list(seam_sim_call_t *c, seam_sim_psp_t *p, int charges)
{
	int bad = 0;
	int64_t gt = qint(c, "created[gt]", INT64_MIN, &bad), gte = qint(c, "created[gte]", INT64_MIN, &bad);
	int64_t lt = qint(c, "created[lt]", INT64_MAX, &bad), lte = qint(c, "created[lte]", INT64_MAX, &bad);
	int64_t limit = qint(c, "limit", 10, &bad);
	const char *after = seam_sim_query(c, "starting_after");
	const char *intent = charges ? seam_sim_query(c, "payment_intent") : NULL;
	if (!stripe_auth(p, c))
		return;
	if (bad) {
		stripe_error(c, 400, "parameter_invalid_integer", "created",
			     "Invalid integer: created and limit take whole numbers");
		return;
	}
	if (limit < 1 || limit > 100) {
		stripe_error(c, 400, "parameter_invalid_integer", "limit",
			     "This value must be between 1 and 100.");
		return;
	}
	json_t *data = json_array();
	int found_after = after == NULL, more = 0;
	pthread_mutex_lock(&p->mu);
	for (size_t k = p->npays; k-- > 0;) {
		const payment_t *pay = p->pays[k];
		if (strcmp(pay->provider, "stripe") || (charges && !pay->charge))
			continue;
		if (!found_after) {
			if (!strcmp(charges ? pay->charge : pay->id, after))
				found_after = 1;
			continue;
		}
		if (pay->created <= gt || pay->created < gte || pay->created >= lt ||
		    pay->created > lte || (intent && strcmp(pay->id, intent)))
			continue;
		if ((int64_t)json_array_size(data) == limit) {
			more = 1;
			break;
		}
		json_array_append_new(data, charges ? charge_json(pay) : intent_json(pay));
	}
	pthread_mutex_unlock(&p->mu);
	if (!found_after) {
		char msg[200];
		json_decref(data);
		snprintf(msg, sizeof msg, "No such %s: '%s'", charges ? "charge" : "payment_intent",
			 after);
		stripe_error(c, 400, "resource_missing", "starting_after", msg);
		return;
	}
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:s, s:s, s:b, s:o}", "object", "list", "url",
				      charges ? "/v1/charges" : "/v1/payment_intents", "has_more",
				      more, "data", data));
}

static void h_stripe_intents(seam_sim_call_t *c, void *ctx)
{
	stripe_list(c, ctx, 0);
}

static void h_stripe_charges(seam_sim_call_t *c, void *ctx)
{
	stripe_list(c, ctx, 1);
}

static void h_stripe_charge(seam_sim_call_t *c, void *ctx)
{
	seam_sim_psp_t *p = ctx;
	const char *id = seam_sim_param(c, "id");
	json_t *o = NULL;
	if (!stripe_auth(p, c))
		return;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->npays && !o; i++)
		if (p->pays[i]->charge && !strcmp(p->pays[i]->charge, id))
			o = charge_json(p->pays[i]);
	pthread_mutex_unlock(&p->mu);
	if (o) {
		seam_sim_reply_json(c, 200, NULL, o);
		return;
	}
	char msg[160];
	snprintf(msg, sizeof msg, "No such charge: '%s'", id);
	stripe_error(c, 404, "resource_missing", "id", msg);
}

static const seam_sim_route_t routes[] = {
	{"POST", "/_sim/psp/payments", h_create, 0, "register a payment"},
	{"GET", "/_sim/psp/payments", h_list, 0, "payments"},
	{"GET", "/_sim/psp/payments/{id}", h_get, 0, "one payment"},
	{"POST", "/_sim/psp/payments/{id}/events", h_event, 0, "make and send an event"},
	{"GET", "/_sim/psp/events", h_events, 0, "events made"},
	{"GET", "/v1/payment_intents", h_stripe_intents, 0, "Stripe PaymentIntents, newest first (created[...], limit, starting_after)"},
	{"GET", "/v1/payment_intents/{id}", h_stripe_intent, 0, "Stripe PaymentIntent"},
	{"GET", "/v1/charges", h_stripe_charges, 0, "Stripe charges, newest first (created[...], payment_intent, limit, starting_after)"},
	{"GET", "/v1/charges/{id}", h_stripe_charge, 0, "Stripe charge"},
	{"GET", "/v1/events/{id}", h_stripe_event, 0, "Stripe event"},
};

static void reset_data(void *ctx)
{
	seam_sim_psp_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->npays; i++)
		payment_free(p->pays[i]);
	p->npays = 0;
	json_array_clear(p->events);
	seam_sim_rng_dispose(&p->rng);
	seam_sim_rng_init(&p->rng, p->seed, "psp");
	pthread_mutex_unlock(&p->mu);
}

void seam_sim_psp_def(seam_sim_psp_t *p, seam_sim_double_def_t *def)
{
	memset(def, 0, sizeof *def);
	def->name = "psp";
	def->routes = routes;
	def->nroutes = sizeof routes / sizeof *routes;
	def->ctx = p;
	def->reset_data = reset_data;
	def->sender = p->sender;
}

seam_sim_sender_t *seam_sim_psp_sender(seam_sim_psp_t *p)
{
	return p->sender;
}

void seam_sim_psp_destroy(seam_sim_psp_t *p)
{
	if (!p)
		return;
	seam_sim_sender_destroy(p->sender);
	for (size_t i = 0; i < p->npays; i++)
		payment_free(p->pays[i]);
	free(p->pays);
	json_decref(p->events);
	free(p->stripe_url);
	free(p->stripe_secret);
	free(p->stripe_api_key);
	free(p->adyen_url);
	free(p->adyen_key);
	free(p->adyen_merchant);
	free(p->default_store);
	seam_sim_rng_dispose(&p->rng);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

seam_err_t seam_sim_psp_create(const seam_sim_config_t *cfg, const json_t *sec,
			       const seam_sim_env_t *env, seam_sim_psp_t **out, seam_error_t *err)
{
	static const char *const keys[] = {"listen", "threads", "stripe", "adyen", "store",
					   "attempts", "backoff", "timeout", "workers", NULL};
	static const char *const skeys[] = {"url", "secret", "api_key", NULL};
	static const char *const akeys[] = {"url", "hmac_key", "merchant_account", NULL};
	seam_err_t rc;
	seam_sim_psp_t *p = calloc(1, sizeof *p);
	if (!p)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	p->seed = env->seed;
	seam_sim_rng_init(&p->rng, env->seed, "psp");
	p->events = json_array();
	json_t *st = json_object_get(sec, "stripe"), *ad = json_object_get(sec, "adyen");
	const char *surl, *aurl, *merchant, *store;
	if ((rc = seam_sim_cfg_keys(cfg, sec, keys, err)) ||
	    (rc = seam_sim_cfg_keys(cfg, st, skeys, err)) ||
	    (rc = seam_sim_cfg_keys(cfg, ad, akeys, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "store", "default", &store, err)) ||
	    (rc = seam_sim_cfg_str(cfg, st, "url", NULL, &surl, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, st, "secret", "whsec_test_secret", &p->stripe_secret, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, st, "api_key", NULL, &p->stripe_api_key, err)) ||
	    (rc = seam_sim_cfg_str(cfg, ad, "url", NULL, &aurl, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, ad, "hmac_key",
				      "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
				      &p->adyen_key, err)) ||
	    (rc = seam_sim_cfg_str(cfg, ad, "merchant_account", "SeamSimECOM", &merchant, err)))
		goto fail;
	uint8_t probe[128];
	if (seam_hex_decode(p->adyen_key, strlen(p->adyen_key), probe, sizeof probe) <= 0) {
		rc = seam_sim_config_errorf(cfg, ad ? ad : sec, err, "adyen.hmac_key: expected hex");
		goto fail;
	}
	p->stripe_url = surl ? strdup(surl) : NULL;
	p->adyen_url = aurl ? strdup(aurl) : NULL;
	p->adyen_merchant = strdup(merchant);
	p->default_store = strdup(store);
	seam_sim_sender_opts_t so = {.name = "psp", .faults = env->faults, .seed = env->seed,
				     .transport = env->transport, .tctx = env->tctx};
	int64_t bo[16];
	if ((rc = seam_sim_sender_opts_read(cfg, sec, &so, bo, err)))
		goto fail;
	p->sender = seam_sim_sender_create(&so);
	if (!p->sender) {
		rc = seam_errorf(err, SEAM_NOMEM, "psp: cannot start the sender");
		goto fail;
	}
	*out = p;
	return SEAM_OK;
fail:
	seam_sim_psp_destroy(p);
	return rc;
}
