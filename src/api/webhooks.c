/*
 * webhooks.c: webhook ingress (see webhooks.h for the order of work).
 */
#include "api/webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "connectors/adyen.h"
#include "connectors/stdwebhooks.h"
#include "connectors/stripe.h"
#include "connectors/webhook_sig.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "flows/orders.h"
#include "flows/timeline.h"
#include "inbox/inbox.h"
#include "queue/queue.h"

#define MAX_SECRETS 8
#define MAX_ITEMS 256

/* One event to persist. Strings are borrowed from the request. */
typedef struct inbound {
	const char *event_id;
	const char *event_type;
	const char *body;
	size_t len;
	const char *job_kind;   /* NULL: stored, no job */
	const char *job_flow;
	char dedup[300];
	char *payload;          /* job payload JSON (owned) */
	const char *order_uuid; /* when known at ingress: the timeline entry goes on the order */
	const char *order_number, *order_state, *total, *currency; /* a storefront order's, noted
				 * in orders with its export job (seam_flow_orders_note) */
	int duplicate;          /* out */
} inbound_t;

/* How the sender is answered once the batch is durable. */
typedef enum reply_kind { REPLY_JSON, REPLY_ADYEN } reply_kind_e;

/* One request's work, on the heap while the connection is parked (see persist()). */
typedef struct batch {
	seam_app_t *app;
	seam_http_req_t *req;
	reply_kind_e reply;
	const char *provider, *source, *cid;
	char *headers;          /* safe headers JSON (owned) */
	inbound_t *items;       /* owned, n of them; each payload owned */
	size_t n;
	/* quarantine instead, when reason is set */
	const char *q_reason;
	const char *q_event_id;
	const char *q_body;
	size_t q_len;
} batch_t;

static void count(seam_app_t *app, const char *provider, const char *outcome)
{
	seam_metric_add(app->metrics, SEAM_M_WEBHOOKS_RECEIVED, (const char *[]){provider, outcome}, 1);
}

static void reject(seam_http_req_t *req, seam_app_t *app, const char *provider,
		   const seam_webhook_sig_t *sig, const char *detail)
{
	const char *reason = seam_webhook_sig_reason_name(sig->reason);
	seam_metric_add(app->metrics, SEAM_M_WEBHOOKS_REJECTED, (const char *[]){provider, reason}, 1);
	seam_logf(app->log, SEAM_LOG_WARN, "webhooks", seam_http_cid(req),
		  json_pack("{s:s, s:s, s:s}", "provider", provider, "reason", reason, "path",
			    seam_http_path(req)),
		  "webhook rejected: %s", reason);
	seam_http_problem(req, 401,
			  sig->reason == SEAM_WHSIG_STALE_TIMESTAMP ? "stale-timestamp" : "bad-signature",
			  "Signature rejected", json_pack("{s:s}", "reason", reason), "%s", detail);
}

/* A verifier that could not verify at all (no usable secret, no memory) is our fault, not
 * the sender's: 500, the detail only in our log. Returns 1 when it answered. */
static int server_side(seam_http_req_t *req, seam_app_t *app, const char *provider, seam_err_t rc,
		       const seam_error_t *err)
{
	if (rc == SEAM_AUTH || rc == SEAM_OK)
		return 0;
	seam_metric_add(app->metrics, SEAM_M_WEBHOOKS_REJECTED,
			(const char *[]){provider, rc == SEAM_CONFIG ? "misconfigured" : "internal"}, 1);
	seam_logf(app->log, SEAM_LOG_ERROR, "webhooks", seam_http_cid(req),
		  json_pack("{s:s, s:s}", "provider", provider, "error", err->msg),
		  "cannot verify %s webhooks: check the configured secrets", provider);
	seam_http_problem(req, 500, "misconfigured", "Internal error", NULL,
			  "the endpoint cannot verify signatures right now");
	return 1;
}

static void not_found(seam_http_req_t *req, seam_app_t *app, const char *provider,
		      const char *what)
{
	seam_metric_add(app->metrics, SEAM_M_WEBHOOKS_REJECTED,
			(const char *[]){provider, "unknown_source"}, 1);
	seam_http_problem(req, 404, "unknown-source", "Unknown store or source", NULL,
			  "no %s endpoint is configured for '%s'", provider, what);
}

/* Appends s to out as a JSON string (quotes included), escaping what JSON requires. Returns
 * the new length, or cap when it would not fit. Ids and headers are short: no allocation. */
static size_t put_json_str(char *out, size_t len, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (len + 2 > cap)
		return cap;
	out[len++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (len + 7 > cap)
			return cap;
		if (*p == '"' || *p == '\\') {
			out[len++] = '\\';
			out[len++] = (char)*p;
		} else if (*p < 0x20) {
			memcpy(out + len, "\\u00", 4);
			out[len + 4] = hex[*p >> 4];
			out[len + 5] = hex[*p & 15];
			len += 6;
		} else {
			out[len++] = (char)*p;
		}
	}
	out[len++] = '"';
	out[len] = '\0';
	return len;
}

/* {"k1":"v1","k2":"v2",...} from n pairs (NULL values skipped), malloc'd. */
static char *json_object_text(const char *const *kv, size_t n)
{
	size_t cap = 64;
	for (size_t i = 0; i < 2 * n; i++)
		cap += kv[i] ? 6 * strlen(kv[i]) + 4 : 0;
	char *out = malloc(cap);
	size_t len = 0;
	if (!out)
		return NULL;
	out[len++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (!kv[2 * i + 1])
			continue;
		if (len > 1)
			out[len++] = ',';
		len = put_json_str(out, len, cap, kv[2 * i]);
		if (len + 1 < cap)
			out[len++] = ':';
		len = put_json_str(out, len, cap, kv[2 * i + 1]);
	}
	if (len + 2 > cap) {
		free(out);
		return NULL;
	}
	out[len++] = '}';
	out[len] = '\0';
	return out;
}

/* The headers worth keeping with an event: enough to re-verify timing and trace it, nothing
 * that authenticates (signatures stay with the raw body only long enough to verify). */
static char *safe_headers(seam_http_req_t *req)
{
	static const char *const keep[] = {"Content-Type", "User-Agent", "webhook-id",
					   "webhook-timestamp", "traceparent", "X-Correlation-ID"};
	const char *kv[12];
	for (size_t i = 0; i < 6; i++) {
		kv[2 * i] = keep[i];
		kv[2 * i + 1] = seam_http_header(req, keep[i]);
	}
	return json_object_text(kv, 6);
}

static seam_err_t store_batch(seam_db_t *db, void *ud, seam_error_t *err)
{
	batch_t *b = ud;
	seam_inbox_event_t ev = {.provider = b->provider, .source = b->source, .headers = b->headers,
				 .correlation_id = b->cid};
	seam_err_t rc;

	if (b->q_reason) {
		ev.event_id = b->q_event_id;
		ev.body = b->q_body;
		ev.len = b->q_len;
		return seam_inbox_quarantine(db, &ev, b->q_reason, err);
	}
	for (size_t i = 0; i < b->n; i++) {
		inbound_t *in = &b->items[i];
		seam_inbox_added_t added;
		seam_job_spec_t spec = {
			.kind = in->job_kind,
			.flow = in->job_flow,
			.dedup_key = in->dedup[0] ? in->dedup : NULL,
			.payload = in->payload,
			.correlation_id = b->cid,
		};
		ev.event_id = in->event_id;
		ev.event_type = in->event_type;
		ev.body = in->body;
		ev.len = in->len;
		rc = seam_inbox_add(db, b->app->queue, &ev, in->job_kind ? &spec : NULL, &added, err);
		if (rc != SEAM_OK)
			return rc;
		in->duplicate = added.duplicate;
		if (added.duplicate)
			continue;
		if (in->order_uuid) {
			rc = seam_timeline_add(db, "order", in->order_uuid, b->cid, b->provider,
					       "event.received",
					       json_pack("{s:s, s:s?}", "event_id", in->event_id, "type",
							 in->event_type),
					       err);
			if (rc == SEAM_OK && in->job_kind)
				rc = seam_flow_orders_note(db, b->source, in->order_uuid, in->order_number,
							   in->order_state, in->total, in->currency,
							   b->cid, err);
			if (rc != SEAM_OK)
				return rc;
		}
	}
	return SEAM_OK;
}

static batch_t *batch_new(seam_http_req_t *req, seam_app_t *app, const char *provider,
			  const char *source, size_t nitems, reply_kind_e reply)
{
	batch_t *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->items = calloc(nitems ? nitems : 1, sizeof *b->items);
	if (!b->items) {
		free(b);
		return NULL;
	}
	b->app = app;
	b->req = req;
	b->reply = reply;
	b->provider = provider;
	b->source = source;
	b->cid = seam_http_cid(req);
	return b;
}

static void batch_free(batch_t *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->items[i].payload);
	free(b->items);
	free(b->headers);
	free(b);
}

static void log_accepted(batch_t *b);

static void reply_stored(batch_t *b)
{
	if (b->reply == REPLY_ADYEN) {
		seam_http_reply(b->req, 200, "text/plain", "[accepted]", 10);
	} else if (b->q_reason) {
		seam_http_reply_json(b->req, 200, json_pack("{s:b, s:b}", "received", 1, "quarantined", 1));
	} else {
		int dup = b->n == 1 && b->items[0].duplicate;
		seam_http_reply_json(b->req, 200,
				     json_pack("{s:b, s:b}", "received", 1, "duplicate", dup));
	}
}

static void reply_store_error(batch_t *b, const char *msg)
{
	seam_logf(b->app->log, SEAM_LOG_ERROR, "webhooks", b->cid,
		  json_pack("{s:s, s:s}", "provider", b->provider, "error", msg),
		  "could not store webhook; answering 503 so the sender retries");
	count(b->app, b->provider, "store_error");
	seam_http_set_header(b->req, "Retry-After", "5");
	seam_http_problem(b->req, 503, "store-unavailable", "Try again later", NULL,
			  "the event could not be stored durably; it was not accepted");
}

/* Runs on the committer once the shared transaction is on disk (or failed). */
static void persisted(void *ud, seam_err_t rc, const seam_error_t *err)
{
	batch_t *b = ud;
	seam_http_req_t *req = b->req;
	if (rc != SEAM_OK) {
		reply_store_error(b, err ? err->msg : seam_strerror(rc));
	} else if (b->q_reason) {
		count(b->app, b->provider, "quarantined");
		seam_logf(b->app->log, SEAM_LOG_WARN, "webhooks", b->cid,
			  json_pack("{s:s, s:s, s:s?}", "provider", b->provider, "reason", b->q_reason,
				    "event_id", b->q_event_id),
			  "authentic webhook quarantined: %s", b->q_reason);
		reply_stored(b);
	} else {
		log_accepted(b);
		reply_stored(b);
	}
	batch_free(b);
	seam_http_resume(req);
}

/*
 * Stores the batch (inbox rows + jobs, or the quarantine row) in the next group commit and
 * answers when it is durable. The connection is parked meanwhile, not a pool thread, so many
 * requests share one fsync (the group commit) instead of each HTTP thread waiting for its own.
 * Takes ownership of b.
 */
static void persist(seam_http_req_t *req, batch_t *b)
{
	b->headers = safe_headers(req);
	seam_http_suspend(req);
	if (seam_queue_submit_async(b->app->queue, store_batch, persisted, b) != SEAM_OK) {
		reply_store_error(b, "the job queue is not accepting work");
		batch_free(b);
		seam_http_resume(req);
	}
}

static void quarantine(seam_http_req_t *req, batch_t *b, const char *event_id, const char *reason)
{
	size_t len;
	b->q_reason = reason;
	b->q_event_id = event_id ? seam_http_strdup(req, event_id) : NULL;
	b->q_body = seam_http_body(req, &len);
	b->q_len = len;
	persist(req, b);
}

static void log_accepted(batch_t *b)
{
	for (size_t i = 0; i < b->n; i++) {
		count(b->app, b->provider, b->items[i].duplicate ? "duplicate" : "accepted");
		if (!seam_log_enabled(b->app->log, SEAM_LOG_INFO))
			continue; /* do not build fields for a line that is filtered out */
		seam_logf(b->app->log, SEAM_LOG_INFO, "webhooks", b->cid,
			  json_pack("{s:s, s:s, s:s?, s:b}", "provider", b->provider, "event_id",
				    b->items[i].event_id, "type", b->items[i].event_type, "duplicate",
				    b->items[i].duplicate),
			  "%s event %s", b->items[i].duplicate ? "duplicate" : "stored",
			  b->items[i].event_id);
	}
}

static size_t secret_values(const seam_secretlist_t *l, const char *out[MAX_SECRETS])
{
	size_t n = 0;
	for (size_t i = 0; i < l->n && n < MAX_SECRETS; i++)
		out[n++] = l->items[i].value;
	return n;
}

static char *job_payload(const char *provider, const char *source, const char *event_id)
{
	const char *kv[] = {"provider", provider, "source", source, "event_id", event_id};
	return json_object_text(kv, 3);
}

void seam_webhook_stripe(seam_http_req_t *req, void *ud)
{
	seam_app_t *app = ud;
	const char *store = seam_http_param(req, "store");
	seam_config_store_t *sc = seam_cfg_map_get(&app->cfg->stores, store);
	const char *secrets[MAX_SECRETS];
	seam_webhook_sig_t sig;
	seam_error_t err = {0};
	size_t len, ns;
	const char *body = seam_http_body(req, &len);

	if (!sc || !(ns = secret_values(&sc->stripe_secrets, secrets)))
		return not_found(req, app, "stripe", store);
	seam_err_t vrc = seam_stripe_verify(seam_http_header(req, "Stripe-Signature"), body, len,
					    secrets, ns, seam_now_ms() / 1000,
					    app->cfg->webhooks.tolerance_ms / 1000, &sig, &err);
	if (server_side(req, app, "stripe", vrc, &err))
		return;
	if (vrc != SEAM_OK)
		return reject(req, app, "stripe", &sig, err.msg);

	batch_t *b = batch_new(req, app, "stripe", store, 1, REPLY_JSON);
	if (!b)
		return seam_http_problem(req, 503, "overloaded", "Try again later", NULL, "out of memory");
	json_t *doc = json_loadb(body, len, 0, NULL);
	const char *id = json_string_value(json_object_get(doc, "id"));
	const char *type = json_string_value(json_object_get(doc, "type"));
	if (!doc || !id || !*id || !type) {
		quarantine(req, b, id, !doc ? "malformed_json" : "missing_event_id_or_type");
		json_decref(doc);
		return;
	}
	inbound_t *in = &b->items[0];
	*in = (inbound_t){.event_id = seam_http_strdup(req, id),
			  .event_type = seam_http_strdup(req, type), .body = body, .len = len,
			  .job_kind = SEAM_JOB_PAYMENT_APPLY, .job_flow = SEAM_FLOW_PAYMENTS};
	in->payload = job_payload("stripe", store, id);
	b->n = 1;
	json_decref(doc);
	persist(req, b);
}

void seam_webhook_adyen(seam_http_req_t *req, void *ud)
{
	seam_app_t *app = ud;
	const char *store = seam_http_param(req, "store");
	seam_config_store_t *sc = seam_cfg_map_get(&app->cfg->stores, store);
	const char *keys[MAX_SECRETS];
	seam_error_t err = {0};
	size_t len, nk, n;
	const char *body = seam_http_body(req, &len);
	json_t *doc, *items;
	batch_t *b = NULL;

	if (!sc || !(nk = secret_values(&sc->adyen_hmac_keys, keys)))
		return not_found(req, app, "adyen", store);
	/* Adyen signs each item, not the request: parsing comes first here by necessity, but
	 * nothing is stored or acted on before every item has verified. */
	doc = json_loadb(body, len, 0, NULL);
	items = json_object_get(doc, "notificationItems");
	n = json_array_size(items);
	if (!doc || n == 0 || n > MAX_ITEMS) {
		seam_webhook_sig_t sig = {.reason = SEAM_WHSIG_MALFORMED_PAYLOAD};
		reject(req, app, "adyen", &sig,
		       !doc ? "the body is not JSON, so no item signature can be checked"
			    : "notificationItems is missing, empty or too long");
		json_decref(doc);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_object_get(json_array_get(items, i), "NotificationRequestItem");
		seam_webhook_sig_t sig;
		seam_err_t vrc = seam_adyen_verify_item(item, keys, nk, &sig, &err);
		if (server_side(req, app, "adyen", vrc, &err)) {
			json_decref(doc);
			return;
		}
		if (vrc != SEAM_OK) {
			reject(req, app, "adyen", &sig, err.msg);
			json_decref(doc);
			return;
		}
	}
	b = batch_new(req, app, "adyen", store, n, REPLY_ADYEN);
	if (!b) {
		json_decref(doc);
		return seam_http_problem(req, 503, "overloaded", "Try again later", NULL, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		json_t *wrap = json_array_get(items, i);
		json_t *item = json_object_get(wrap, "NotificationRequestItem");
		const char *psp = json_string_value(json_object_get(item, "pspReference"));
		const char *code = json_string_value(json_object_get(item, "eventCode"));
		json_t *success = json_object_get(item, "success");
		const char *ok = json_is_string(success) ? json_string_value(success)
							 : json_is_true(success) ? "true" : "false";
		if (!psp || !code) {
			/* authentic, unusable: the whole batch is quarantined as received */
			quarantine(req, b, NULL, "missing_psp_reference_or_event_code");
			json_decref(doc);
			return;
		}
		inbound_t *in = &b->items[b->n++];
		char id[256];
		/* Adyen's identity of a notification: eventCode + pspReference + success. */
		snprintf(id, sizeof id, "%s:%s:%s", code, psp, ok);
		in->event_id = seam_http_strdup(req, id);
		in->event_type = seam_http_strdup(req, code);
		/* each item is stored on its own so a job can be replayed per item */
		char *one = json_dumps(wrap, JSON_COMPACT);
		in->body = seam_http_strdup(req, one ? one : "{}");
		in->len = strlen(in->body);
		free(one);
		in->job_kind = SEAM_JOB_PAYMENT_APPLY;
		in->job_flow = SEAM_FLOW_PAYMENTS;
		in->payload = job_payload("adyen", store, id);
	}
	json_decref(doc);
	persist(req, b);
}

/* Standard Webhooks verification shared by /standard and /drupal. Returns the parsed body
 * (new ref) or NULL when it answered (401) or handed b to quarantine (b is then consumed). */
static json_t *verify_standard(seam_http_req_t *req, seam_app_t *app, const char *provider,
			       const seam_secretlist_t *sl, batch_t *b)
{
	const char *secrets[MAX_SECRETS];
	seam_webhook_sig_t sig;
	seam_error_t err = {0};
	size_t len, ns = secret_values(sl, secrets);
	const char *body = seam_http_body(req, &len);
	seam_err_t vrc = seam_stdwebhooks_verify(seam_http_header(req, "webhook-id"),
						 seam_http_header(req, "webhook-timestamp"),
						 seam_http_header(req, "webhook-signature"), body, len,
						 secrets, ns, seam_now_ms() / 1000,
						 app->cfg->webhooks.tolerance_ms / 1000, &sig, &err);
	if (vrc != SEAM_OK) {
		if (!server_side(req, app, provider, vrc, &err))
			reject(req, app, provider, &sig, err.msg);
		batch_free(b);
		return NULL;
	}
	json_t *doc = json_loadb(body, len, 0, NULL);
	if (!doc || !json_is_object(doc) || !json_string_value(json_object_get(doc, "type"))) {
		quarantine(req, b, seam_http_header(req, "webhook-id"),
			   !doc ? "malformed_json" : "missing_type");
		json_decref(doc);
		return NULL;
	}
	return doc;
}

void seam_webhook_standard(seam_http_req_t *req, void *ud)
{
	seam_app_t *app = ud;
	const char *source = seam_http_param(req, "source");
	seam_config_source_t *src = seam_cfg_map_get(&app->cfg->sources, source);
	size_t len;
	const char *body = seam_http_body(req, &len);

	if (!src)
		return not_found(req, app, "standard", source);
	batch_t *b = batch_new(req, app, "standard", source, 1, REPLY_JSON);
	if (!b)
		return seam_http_problem(req, 503, "overloaded", "Try again later", NULL, "out of memory");
	json_t *doc = verify_standard(req, app, "standard", &src->secrets, b);
	if (!doc)
		return;
	const char *id = seam_http_header(req, "webhook-id");
	inbound_t *in = &b->items[0];
	*in = (inbound_t){.event_id = id,
			  .event_type = seam_http_strdup(req, json_string_value(json_object_get(doc, "type"))),
			  .body = body, .len = len, .job_kind = SEAM_JOB_PAYMENT_APPLY,
			  .job_flow = SEAM_FLOW_PAYMENTS};
	in->payload = job_payload("standard", source, id);
	b->n = 1;
	json_decref(doc);
	persist(req, b);
}

void seam_webhook_drupal(seam_http_req_t *req, void *ud)
{
	seam_app_t *app = ud;
	const char *store = seam_http_param(req, "store");
	seam_config_store_t *sc = seam_cfg_map_get(&app->cfg->stores, store);
	size_t len;
	const char *body = seam_http_body(req, &len);

	if (!sc || sc->drupal.event_secrets.n == 0)
		return not_found(req, app, "drupal", store);
	batch_t *b = batch_new(req, app, "drupal", store, 1, REPLY_JSON);
	if (!b)
		return seam_http_problem(req, 503, "overloaded", "Try again later", NULL, "out of memory");
	json_t *doc = verify_standard(req, app, "drupal", &sc->drupal.event_secrets, b);
	if (!doc)
		return;
	const char *type = seam_http_strdup(req, json_string_value(json_object_get(doc, "type")));
	json_t *data = json_object_get(doc, "data");
	const char *order = json_string_value(json_object_get(data, "order_uuid"));
	const char *dstore = json_string_value(json_object_get(data, "store_uuid"));
	const char *id = seam_http_header(req, "webhook-id");
	if (!order || !*order) {
		quarantine(req, b, id, "missing_order_uuid");
		json_decref(doc);
		return;
	}
	inbound_t *in = &b->items[0];
	*in = (inbound_t){.event_id = id, .event_type = type, .body = body, .len = len,
			  .job_flow = SEAM_FLOW_ORDERS, .order_uuid = seam_http_strdup(req, order)};
	json_t *total = json_object_get(data, "total");
	in->order_number = seam_http_strdup(req, json_string_value(json_object_get(data, "order_number")));
	in->order_state = seam_http_strdup(req, json_string_value(json_object_get(data, "state")));
	in->total = seam_http_strdup(req, json_string_value(json_object_get(total, "number")));
	in->currency = seam_http_strdup(req, json_string_value(json_object_get(total, "currency_code")));
	/* Placed (and later) orders become one export job per order, and canceled ones one
	 * cancel job, whether the event or the poller sees them first; other events are kept for
	 * the timeline. An order of a commerce_store this seam store does not own is stored
	 * (audit) and counted, never worked: its own seam store exports it. Without store_uuid
	 * the export job decides from the order Drupal serves. */
	if (dstore && !seam_flow_orders_owns(sc, dstore)) {
		seam_flow_orders_foreign(app->log, app->metrics, store, order, dstore, "event",
					 b->cid);
		in->order_uuid = NULL;
	} else if (strcmp(type, "order.placed") == 0 || strcmp(type, "order.paid") == 0 ||
	    strcmp(type, "order.validated") == 0 || strcmp(type, "order.fulfilled") == 0) {
		in->job_kind = SEAM_JOB_ORDER_EXPORT;
		snprintf(in->dedup, sizeof in->dedup, "export:%s:%s", store, order);
	} else if (strcmp(type, "order.canceled") == 0) {
		in->job_kind = SEAM_JOB_ORDER_CANCEL;
		snprintf(in->dedup, sizeof in->dedup, "cancel:%s:%s", store, order);
	}
	json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "store", store, "order_uuid", order,
			      "event_id", id, "type", type);
	in->payload = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	b->n = 1;
	json_decref(doc);
	persist(req, b);
}

static void secret_problem(seam_cfg_diag_t *d, const char *file, const char *key,
			   const seam_secret_t *sec, const char *what)
{
	char *line = NULL;
	if (asprintf(&line, "%s: %s: the secret from %s %s", file, key,
		     sec->source ? sec->source : "?", what) < 0)
		return;
	char **grown = realloc(d->lines, (d->n + 1) * sizeof *grown);
	if (!grown) {
		free(line);
		return;
	}
	d->lines = grown;
	d->lines[d->n++] = line;
}

static size_t check_std(const seam_secretlist_t *l, const char *file, const char *key,
			seam_cfg_diag_t *d)
{
	uint8_t k[SEAM_STDWEBHOOKS_KEY_MAX];
	size_t bad = 0;
	for (size_t i = 0; i < l->n; i++)
		if (seam_stdwebhooks_secret_decode(l->items[i].value, k, sizeof k) < 1) {
			secret_problem(d, file, key, &l->items[i],
				       "is not a Standard Webhooks secret (whsec_ followed by base64)");
			bad++;
		}
	explicit_bzero(k, sizeof k);
	return bad;
}

size_t seam_webhooks_check_config(const seam_config_t *cfg, seam_cfg_diag_t *diag)
{
	const char *file = cfg->path ? cfg->path : "config";
	char key[200];
	size_t bad = 0;
	for (size_t i = 0; i < cfg->stores.n; i++) {
		const seam_config_store_t *sc = cfg->stores.items[i];
		const char *name = cfg->stores.names[i];
		snprintf(key, sizeof key, "stores.%s.drupal.event_secrets", name);
		bad += check_std(&sc->drupal.event_secrets, file, key, diag);
		snprintf(key, sizeof key, "stores.%s.adyen_hmac_keys", name);
		for (size_t j = 0; j < sc->adyen_hmac_keys.n; j++) {
			uint8_t k[SEAM_ADYEN_KEY_MAX];
			const seam_secret_t *sec = &sc->adyen_hmac_keys.items[j];
			long n = seam_hex_decode(sec->value, sec->len, k, sizeof k);
			explicit_bzero(k, sizeof k);
			if (n < 16) {
				secret_problem(diag, file, key, sec,
					       "is not an Adyen HMAC key (hex, at least 32 digits)");
				bad++;
			}
		}
	}
	for (size_t i = 0; i < cfg->sources.n; i++) {
		const seam_config_source_t *src = cfg->sources.items[i];
		snprintf(key, sizeof key, "sources.%s.secrets", cfg->sources.names[i]);
		bad += check_std(&src->secrets, file, key, diag);
	}
	return bad;
}
