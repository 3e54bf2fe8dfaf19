/*
 * webhooks.c: the webhook ingress, one code path for every provider: the provider table
 * (flows/providers.h) says where a provider's secrets are, how its deliveries are signed,
 * how a body splits into events and what each event's id is, which contract its payloads
 * must hold, and what kind of events they are; this file does the order of work of
 * webhooks.h with it (the contract check after the signature: "contracts" below, with the
 * registry the root hands over in seam_api_t.contracts), and makes each kind of event
 * its job (the table `kinds` below). Besides the per-provider route handlers at the end, which
 * only pick their row, nothing here names a provider.
 */
#include "api/webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "connectors/drupal/drupal.h"
#include "core/clock.h"
#include "core/json.h"
#include "flows/catalog.h"
#include "flows/orders.h"
#include "flows/providers.h"
#include "flows/stock.h"
#include "flows/timeline.h"
#include "inbox/inbox.h"
#include "queue/queue.h"

#define MAX_SECRETS 8

/* One event to persist, with the job it makes. */
typedef struct inbound {
	const seam_webhook_event_t *ev; /* borrowed from the batch's events */
	const char *job_kind;   /* NULL: stored, no job */
	const char *job_flow;
	char dedup[300];        /* "" for a job that is this event's alone */
	char *payload;          /* job payload JSON (owned) */
	seam_drupal_event_t order; /* a storefront event's order (order_uuid NULL: none): its
				    * timeline entry, and the note in orders with its job
				    * (seam_flow_orders_note) */
	int duplicate;          /* out */
} inbound_t;

/* An authentic payload kept in the quarantine instead of being worked: the whole delivery,
 * or one item of a batch (contract_items). Everything owned. */
typedef struct quarantined {
	char *event_id; /* NULL when it could not be read */
	char *body;     /* NULL: the delivery's raw bytes */
	char *reason;   /* the split's stable word, or seam_inbox_contract_reason */
	int invalid;    /* 1: it violates its contract (counted in seam_webhooks_invalid_total) */
} quarantined_t;

/* One request's work, on the heap while the connection is parked (see persist()). */
typedef struct batch {
	seam_api_t *app;
	seam_http_req_t *req;
	const seam_provider_t *p;
	const char *source, *cid;
	const char *body;       /* the request's raw bytes (borrowed from the request) */
	size_t len;
	char *headers;          /* safe headers JSON (owned) */
	json_t *doc;            /* the parsed body (owned): the events borrow from it */
	seam_webhook_events_t events;
	inbound_t *items;       /* owned, events.n of them; each payload owned */
	quarantined_t *q;       /* owned, nq of them: kept instead of worked */
	size_t nq;
} batch_t;

static void count(seam_api_t *app, const char *provider, const char *outcome)
{
	seam_metric_add(app->metrics, SEAM_M_WEBHOOKS_RECEIVED, (const char *[]){provider, outcome}, 1);
}

static void reject(seam_http_req_t *req, seam_api_t *app, const char *provider,
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
static int server_side(seam_http_req_t *req, seam_api_t *app, const char *provider, seam_err_t rc,
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

static void not_found(seam_http_req_t *req, seam_api_t *app, const char *provider,
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
	seam_inbox_event_t ev = {.provider = b->p->name, .source = b->source,
				 .headers = b->headers, .correlation_id = b->cid};
	seam_err_t rc;

	for (size_t i = 0; i < b->nq; i++) {
		const quarantined_t *q = &b->q[i];
		ev.event_id = q->event_id;
		ev.body = q->body ? q->body : b->body;
		ev.len = q->body ? strlen(q->body) : b->len;
		if ((rc = seam_inbox_quarantine(db, &ev, q->reason, err)) != SEAM_OK)
			return rc;
	}
	ev.event_id = NULL;
	for (size_t i = 0; i < b->events.n; i++) {
		inbound_t *in = &b->items[i];
		const seam_drupal_event_t *o = &in->order;
		seam_inbox_added_t added;
		seam_job_spec_t spec = {
			.kind = in->job_kind,
			.flow = in->job_flow,
			.dedup_key = in->dedup[0] ? in->dedup : NULL,
			.payload = in->payload,
			.correlation_id = b->cid,
		};
		ev.event_id = in->ev->id;
		ev.event_type = in->ev->type;
		ev.body = in->ev->body ? in->ev->body : b->body;
		ev.len = in->ev->body ? strlen(in->ev->body) : b->len;
		rc = seam_inbox_add(db, b->app->queue, &ev, in->job_kind ? &spec : NULL, &added, err);
		if (rc != SEAM_OK)
			return rc;
		in->duplicate = added.duplicate;
		if (added.duplicate || !o->order_uuid)
			continue;
		rc = seam_timeline_add(db, "order", o->order_uuid, b->cid, b->p->name,
				       "event.received",
				       json_pack("{s:s, s:s?}", "event_id", in->ev->id, "type",
						 in->ev->type),
				       err);
		if (rc == SEAM_OK && in->job_kind)
			rc = seam_flow_orders_note(db, b->source, o->order_uuid, o->order_number,
						   o->state, o->total, o->currency, b->cid, err);
		if (rc != SEAM_OK)
			return rc;
	}
	return SEAM_OK;
}

/* Takes doc. */
static batch_t *batch_new(seam_http_req_t *req, seam_api_t *app, const seam_provider_t *p,
			  const char *source, const char *body, size_t len, json_t *doc)
{
	batch_t *b = calloc(1, sizeof *b);
	if (!b) {
		json_decref(doc);
		return NULL;
	}
	b->app = app;
	b->req = req;
	b->p = p;
	b->source = source;
	b->cid = seam_http_cid(req);
	b->body = body;
	b->len = len;
	b->doc = doc;
	return b;
}

static void batch_free(batch_t *b)
{
	if (!b)
		return;
	for (size_t i = 0; b->items && i < b->events.n; i++)
		free(b->items[i].payload);
	free(b->items);
	for (size_t i = 0; i < b->nq; i++) {
		free(b->q[i].event_id);
		free(b->q[i].body);
		free(b->q[i].reason);
	}
	free(b->q);
	seam_webhook_events_dispose(&b->events);
	json_decref(b->doc);
	free(b->headers);
	free(b);
}

static void log_accepted(batch_t *b);
static void log_quarantined(batch_t *b);

static void reply_stored(batch_t *b)
{
	if (b->p->ack) {
		seam_http_reply(b->req, 200, "text/plain", b->p->ack, strlen(b->p->ack));
	} else if (b->nq && b->events.n == 0) {
		seam_http_reply_json(b->req, 200, json_pack("{s:b, s:b}", "received", 1, "quarantined", 1));
	} else {
		int dup = b->events.n == 1 && b->items[0].duplicate;
		seam_http_reply_json(b->req, 200,
				     json_pack("{s:b, s:b}", "received", 1, "duplicate", dup));
	}
}

static void reply_store_error(batch_t *b, const char *msg)
{
	seam_logf(b->app->log, SEAM_LOG_ERROR, "webhooks", b->cid,
		  json_pack("{s:s, s:s}", "provider", b->p->name, "error", msg),
		  "could not store webhook; answering 503 so the sender retries");
	count(b->app, b->p->name, "store_error");
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
	} else {
		log_quarantined(b);
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

static void log_accepted(batch_t *b)
{
	for (size_t i = 0; i < b->events.n; i++) {
		const inbound_t *in = &b->items[i];
		count(b->app, b->p->name, in->duplicate ? "duplicate" : "accepted");
		if (!seam_log_enabled(b->app->log, SEAM_LOG_INFO))
			continue; /* do not build fields for a line that is filtered out */
		seam_logf(b->app->log, SEAM_LOG_INFO, "webhooks", b->cid,
			  json_pack("{s:s, s:s, s:s?, s:b}", "provider", b->p->name, "event_id",
				    in->ev->id, "type", in->ev->type, "duplicate", in->duplicate),
			  "%s event %s", in->duplicate ? "duplicate" : "stored", in->ev->id);
	}
}

static void log_quarantined(batch_t *b)
{
	const char *store = seam_providers_store(b->p, b->app->sources, b->source);
	for (size_t i = 0; i < b->nq; i++) {
		const quarantined_t *q = &b->q[i];
		count(b->app, b->p->name, "quarantined");
		if (q->invalid)
			seam_metric_add(b->app->metrics, SEAM_M_WEBHOOKS_INVALID,
					(const char *[]){b->p->name, store ? store : b->source}, 1);
		seam_logf(b->app->log, SEAM_LOG_WARN, "webhooks", b->cid,
			  json_pack("{s:s, s:s, s:s, s:s?}", "provider", b->p->name, "source",
				    b->source, "reason", q->reason, "event_id", q->event_id),
			  "authentic webhook quarantined: %s", q->reason);
	}
}

static size_t secret_values(const seam_secretlist_t *l, const char *out[MAX_SECRETS])
{
	size_t n = 0;
	for (size_t i = 0; i < l->n && n < MAX_SECRETS; i++)
		out[n++] = l->items[i].value;
	return n;
}

/* ---- the job each kind of event makes ---- */

/* Fills in's job from its event; 0, or -1 when out of memory. */
typedef int (*job_fn)(batch_t *b, inbound_t *in);

/* A payment event is its own payment.apply job: {"provider", "source", "event_id"}, the event
 * itself read back from the inbox. The inbox row's identity dedups it (no dedup key). */
static int payment_job(batch_t *b, inbound_t *in)
{
	const char *kv[] = {"provider", b->p->name, "source", b->source, "event_id", in->ev->id};
	in->job_kind = SEAM_JOB_PAYMENT_APPLY;
	in->job_flow = SEAM_FLOW_PAYMENTS;
	return (in->payload = json_object_text(kv, 3)) ? 0 : -1;
}

/* The storefront's order events that make a job, and which; every other event is kept for
 * the timeline. Placed (and later) orders are one export job per order, canceled ones one
 * cancel job, whether the event or the poller sees them first (dedup "<key>:<store>:<uuid>"). */
static const struct {
	const char *type, *kind, *key;
} storefront_jobs[] = {
	{"order.placed", SEAM_JOB_ORDER_EXPORT, "export"},
	{"order.paid", SEAM_JOB_ORDER_EXPORT, "export"},
	{"order.validated", SEAM_JOB_ORDER_EXPORT, "export"},
	{"order.fulfilled", SEAM_JOB_ORDER_EXPORT, "export"},
	{"order.canceled", SEAM_JOB_ORDER_CANCEL, "cancel"},
};

/* An order of a commerce_store this seam store does not own is stored (audit) and counted,
 * never worked: its own seam store exports it. Without store_uuid the export job decides from
 * the order Drupal serves. */
static int storefront_job(batch_t *b, inbound_t *in)
{
	seam_drupal_event_t *o = &in->order;
	const seam_config_store_t *sc = seam_cfg_map_get(b->app->stores, b->source);
	const char *uuid;
	json_t *p;
	if (seam_drupal_event_read(in->ev->doc, o, NULL) != SEAM_OK)
		return -1; /* cannot happen: the split read it */
	uuid = o->order_uuid;
	in->job_flow = SEAM_FLOW_ORDERS;
	if (o->store_uuid && !seam_flow_orders_owns(sc, o->store_uuid)) {
		seam_flow_orders_foreign(b->app->log, b->app->metrics, b->source, uuid,
					 o->store_uuid, "event", b->cid);
		o->order_uuid = NULL;
	} else {
		for (size_t i = 0; i < sizeof storefront_jobs / sizeof storefront_jobs[0]; i++) {
			if (strcmp(o->type, storefront_jobs[i].type) != 0)
				continue;
			in->job_kind = storefront_jobs[i].kind;
			snprintf(in->dedup, sizeof in->dedup, "%s:%s:%s", storefront_jobs[i].key,
				 b->source, uuid);
			break;
		}
	}
	p = json_pack("{s:s, s:s, s:s, s:s}", "store", b->source, "order_uuid", uuid, "event_id",
		      in->ev->id, "type", o->type);
	in->payload = p ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	return in->payload ? 0 : -1;
}

/* A PIM product event is its product's catalog sync, with the dedup key the poll uses for the
 * same version (product:<store>:<subject>:<updated>), so push and poll make one job. An
 * action seam does not act on is stored, no job. */
static int catalog_job(batch_t *b, inbound_t *in)
{
	const char *store = seam_providers_store(b->p, b->app->sources, b->source);
	int r = store ? seam_catalog_event_job(store, in->ev->doc, in->dedup, sizeof in->dedup,
					      &in->payload)
		      : 0;
	if (r < 0)
		return -1;
	if (r > 0) {
		in->job_kind = SEAM_JOB_CATALOG_PRODUCT;
		in->job_flow = SEAM_FLOW_CATALOG;
	}
	return 0;
}

/* An ERP notification names what changed, without values: the fetch of that record (or of a
 * collection's filter), one job per record and version, so a duplicated notification makes
 * none. */
static int stock_job(batch_t *b, inbound_t *in)
{
	int r = seam_stock_event_job(b->source, in->ev->doc, in->dedup, sizeof in->dedup,
				     &in->payload);
	if (r < 0)
		return -1;
	if (r > 0) {
		in->job_kind = SEAM_JOB_STOCK_FETCH;
		in->job_flow = SEAM_FLOW_STOCK;
	}
	return 0;
}

static const struct {
	seam_provider_kind_e kind;
	job_fn job;
} kinds[] = {
	{SEAM_PROVIDER_PAYMENTS, payment_job},
	{SEAM_PROVIDER_STOREFRONT, storefront_job},
	{SEAM_PROVIDER_CATALOG, catalog_job},
	{SEAM_PROVIDER_STOCK, stock_job},
};

static job_fn job_of(seam_provider_kind_e kind)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].kind == kind)
			return kinds[i].job;
	return NULL;
}

/* ---- the ingress ---- */

static const char *header(void *req, const char *name)
{
	return seam_http_header(req, name);
}

/* Answers a delivery whose signature did not verify (401) or could not be checked (500).
 * Returns 1 when it answered. */
static int refused(seam_http_req_t *req, seam_api_t *app, const seam_provider_t *p,
		   seam_err_t vrc, const seam_webhook_sig_t *sig, const seam_error_t *err)
{
	if (vrc == SEAM_OK)
		return 0;
	if (!server_side(req, app, p->name, vrc, err))
		reject(req, app, p->name, sig, err->msg);
	return 1;
}

static void overloaded(seam_http_req_t *req)
{
	seam_http_problem(req, 503, "overloaded", "Try again later", NULL, "out of memory");
}

/* ---- contracts: what an authentic payload must hold (flows/providers.h `contract`) ---- */

/* Adds a quarantine entry (event_id, body: copied; reason: taken). 0, or -1 out of memory. */
static int quarantine_add(batch_t *b, const char *event_id, const char *body, char *reason,
			  int invalid)
{
	quarantined_t *q = realloc(b->q, (b->nq + 1) * sizeof *q);
	if (!q || !reason) {
		b->q = q ? q : b->q;
		free(reason);
		return -1;
	}
	b->q = q;
	q = &b->q[b->nq++];
	*q = (quarantined_t){.event_id = event_id ? strdup(event_id) : NULL,
			     .body = body ? strdup(body) : NULL, .reason = reason,
			     .invalid = invalid};
	if ((event_id && !q->event_id) || (body && !q->body))
		return -1;
	return 0;
}

/* The provider's contract, or NULL when it has none (or no registry was handed over: the
 * root always hands one, see app/app.c). */
static const seam_contract_t *contract_of(const batch_t *b)
{
	return b->p->contract && b->app->contracts
		       ? seam_contracts_find(b->app->contracts, b->p->contract)
		       : NULL;
}

/* Validates doc against c: NULL when it holds, else the quarantine reason (owned) with
 * *oom set when it could not be made. */
static char *violation(const seam_contract_t *c, const json_t *doc, int *oom)
{
	json_t *errors = NULL;
	char *reason = NULL;
	if (!seam_contract_validate(c, doc, &errors)) {
		reason = seam_inbox_contract_reason(c->ref, errors);
		*oom = !reason;
	}
	json_decref(errors);
	return reason;
}

/*
 * A provider that signs items (contract_items): each item is checked on its own, an item that
 * violates the contract is quarantined alone (with the event id the split gives it, when it
 * has one) and the batch goes on with the others: b->doc is replaced by a copy that holds only
 * the items that passed. 0, or -1 out of memory.
 */
static int screen_items(batch_t *b, const seam_webhook_delivery_t *d)
{
	const seam_contract_t *c = contract_of(b);
	json_t *items = json_object_get(b->doc, b->p->contract_items), *item, *kept, *copy;
	size_t i;
	int oom = 0;
	if (!c || !json_is_array(items))
		return 0;
	if (!(kept = json_array()))
		return -1;
	json_array_foreach(items, i, item) {
		char *reason = violation(c, item, &oom), *body;
		const char *id = NULL;
		seam_webhook_events_t one = {0};
		json_t *alone;
		seam_error_t err = {0};
		if (oom)
			break;
		if (!reason) {
			json_array_append(kept, item);
			continue;
		}
		/* its id, as the split would give it were it alone in the delivery */
		alone = json_pack("{s:[O]}", b->p->contract_items, item);
		if (alone && b->p->split(d, alone, &one, &err) == SEAM_OK && one.n == 1)
			id = one.items[0].id;
		if (!(body = json_dumps(item, JSON_COMPACT)))
			free(reason);
		oom = !body || quarantine_add(b, id, body, reason, 1) != 0;
		free(body);
		seam_webhook_events_dispose(&one);
		json_decref(alone);
		if (oom)
			break;
	}
	if (oom || !(copy = json_copy(b->doc))) {
		json_decref(kept);
		return -1;
	}
	if (json_object_set_new(copy, b->p->contract_items, kept) != 0) { /* takes kept */
		json_decref(copy);
		return -1;
	}
	json_decref(b->doc);
	b->doc = copy;
	return 0;
}

/*
 * After the split: a delivery the split could not use is quarantined with the split's reason,
 * or with the contract's errors when the body is JSON that violates its contract (they say
 * more than "missing_type"); a delivery checked as a whole that violates its contract is
 * quarantined instead of worked. A batch whose items were all quarantined has no events.
 * 0, or -1 out of memory.
 */
static int screen_delivery(batch_t *b)
{
	const seam_contract_t *c = b->p->contract_items ? NULL : contract_of(b);
	const char *id;
	char *reason = NULL;
	int oom = 0;
	if (b->events.quarantine) {
		id = b->events.event_id;
		if (c && b->doc)
			reason = violation(c, b->doc, &oom);
		if (oom)
			return -1;
		if (reason)
			return quarantine_add(b, id, NULL, reason, 1);
		return quarantine_add(b, id, NULL, strdup(b->events.quarantine), 0);
	}
	if (!c || b->events.n == 0)
		return 0;
	if (!(reason = violation(c, b->doc, &oom)))
		return oom ? -1 : 0;
	id = b->events.items[0].id;
	if (quarantine_add(b, id, NULL, reason, 1) != 0)
		return -1;
	seam_webhook_events_dispose(&b->events); /* nothing of it is worked */
	return 0;
}

/* The order of work of webhooks.h for one delivery to provider p. */
static void ingress(seam_http_req_t *req, seam_api_t *app, const seam_provider_t *p)
{
	const char *entry = seam_http_param(req, p->param);
	const seam_secretlist_t *sl = seam_providers_secrets(p, app->stores, app->sources, entry);
	const char *secrets[MAX_SECRETS];
	seam_webhook_sig_t sig;
	seam_error_t err = {0};
	size_t len, ns = sl ? secret_values(sl, secrets) : 0;
	const char *body = seam_http_body(req, &len);
	seam_webhook_delivery_t d = {.body = body, .len = len, .header = header, .ud = req,
				     .now_s = seam_now_ms() / 1000,
				     .tolerance_s = app->webhooks->tolerance_ms / 1000};
	job_fn job = job_of(p->kind);
	json_t *doc;
	batch_t *b;

	if (!sl || (ns == 0 && p->endpoint_needs_secrets))
		return not_found(req, app, p->name, entry);
	if (p->verify && refused(req, app, p, p->verify(&d, secrets, ns, &sig, &err), &sig, &err))
		return;
	doc = seam_json_loadb(body, len, 0, NULL);
	if (p->verify_items &&
	    refused(req, app, p, p->verify_items(doc, secrets, ns, &sig, &err), &sig, &err)) {
		json_decref(doc);
		return;
	}
	if (!(b = batch_new(req, app, p, entry, body, len, doc)))
		return overloaded(req);
	/* authentic, unusable (not JSON, no id, or against its contract): kept with the reason
	 * and answered 2xx, the sender would only retry the same bytes */
	if ((p->contract_items && screen_items(b, &d) != 0) ||
	    p->split(&d, b->doc, &b->events, &err) != SEAM_OK || screen_delivery(b) != 0) {
		batch_free(b);
		return overloaded(req);
	}
	if (!(b->items = calloc(b->events.n ? b->events.n : 1, sizeof *b->items))) {
		batch_free(b);
		return overloaded(req);
	}
	for (size_t i = 0; i < b->events.n; i++) {
		b->items[i].ev = &b->events.items[i];
		if (job && job(b, &b->items[i]) != 0) {
			batch_free(b);
			return overloaded(req);
		}
	}
	persist(req, b);
}

void seam_webhook_stripe(seam_http_req_t *req, void *ud)
{
	ingress(req, ud, seam_providers_find("stripe"));
}

void seam_webhook_adyen(seam_http_req_t *req, void *ud)
{
	ingress(req, ud, seam_providers_find("adyen"));
}

void seam_webhook_standard(seam_http_req_t *req, void *ud)
{
	ingress(req, ud, seam_providers_find("standard"));
}

void seam_webhook_drupal(seam_http_req_t *req, void *ud)
{
	ingress(req, ud, seam_providers_find("drupal"));
}

void seam_webhook_pim(seam_http_req_t *req, void *ud)
{
	ingress(req, ud, seam_providers_find("pim"));
}

/* Business Central's subscription handshake: on create and on every renewal it POSTs here with
 * ?validationToken=... and creates the subscription only when the answer is 200 with the token
 * as the body. Answered for stores with an ERP clientState only (no store, no echo), as
 * text/plain, and only for a token that looks like one. Everything else is a notification. */
void seam_webhook_erp(seam_http_req_t *req, void *ud)
{
	seam_api_t *app = ud;
	const char *token = seam_http_query(req, "validationToken");
	if (token) {
		const seam_provider_t *p = seam_providers_find("erp");
		const seam_secretlist_t *cs =
			seam_providers_secrets(p, app->stores, app->sources, seam_http_param(req, "store"));
		size_t n = strlen(token);
		int ok = n > 0 && n <= 1024;
		for (size_t i = 0; ok && i < n; i++)
			ok = token[i] > 0x20 && token[i] < 0x7f;
		if (!cs || cs->n == 0) {
			seam_http_problem(req, 404, "not-found", "Not Found", NULL,
					  "no ERP webhook endpoint for this store");
			return;
		}
		if (!ok) {
			seam_http_problem(req, 400, "bad-request", "Bad Request", NULL,
					  "validationToken must be 1..1024 printable characters");
			return;
		}
		seam_http_set_header(req, "X-Content-Type-Options", "nosniff");
		seam_http_reply(req, 200, "text/plain; charset=utf-8", token, n);
		return;
	}
	ingress(req, ud, seam_providers_find("erp"));
}

/* Each section's entries (stores, then sources) in order, each entry's secrets row by row. */
size_t seam_webhooks_check_config(const seam_cfg_check_t *chk, const seam_cfg_map_t *stores,
				  const seam_cfg_map_t *sources)
{
	const char *file = chk->file ? chk->file : "config";
	size_t n, bad = 0;
	const seam_provider_t *rows = seam_providers_list(&n);
	for (size_t s = 0; s < n; s++) {
		const seam_cfg_map_t *m = seam_providers_entries(&rows[s], stores, sources);
		int seen = 0;
		for (size_t r = 0; r < s; r++)
			seen |= seam_providers_entries(&rows[r], stores, sources) == m;
		for (size_t i = 0; !seen && i < m->n; i++) {
			for (size_t r = s; r < n; r++) {
				const seam_provider_t *p = &rows[r];
				const seam_secretlist_t *l;
				if (seam_providers_entries(p, stores, sources) != m || !p->secret_ok)
					continue;
				/* a source of another kind is another provider's */
				if (!(l = seam_providers_secrets(p, stores, sources, m->names[i])))
					continue;
				for (size_t j = 0; j < l->n; j++) {
					const seam_secret_t *sec = &l->items[j];
					if (p->secret_ok(sec))
						continue;
					seam_cfg_diag_addf(chk->diag,
							   "%s: %s.%s.%s: the secret from %s %s", file,
							   p->section, m->names[i], p->secrets_key,
							   sec->source ? sec->source : "?", p->secret_what);
					bad++;
				}
			}
		}
	}
	return bad;
}
