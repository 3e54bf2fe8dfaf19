/*
 * reconcile_run.c: one reconciliation run, the reconcile.run job (see reconcile.h).
 *
 *   1. psp: Stripe's PaymentIntents created in the window (less psp_margin), then its charges
 *      (refunds), into reconciliation_psp, a page at a time; a failure marks "psp"
 *      unreadable and payments are then compared only where Adyen's stored events say all.
 *   2. orders: Drupal's orders of the store placed in the window, page by page (50), each
 *      compared on its own with the ERP (lookup by external document number, the order
 *      number), the PSP rows, the tax document and seam's export record; each drift is an
 *      item, fixed at once when the run fixes. The ERP failing marks "erp" unreadable and
 *      stops asking it (its kinds are then not reported); Drupal failing fails the run.
 *   3. finishing: counts, state done (or failed), the PSP rows deleted, the runs counter.
 *
 * Memory holds one page of Drupal and one PSP object at a time. A re-run of the job (crash,
 * lease expiry) starts the run over: its items are deleted first, and every fix is keyed so
 * that a second application is a no-op (the export and cancel jobs' dedup keys, the synthetic
 * PSP events' ids derived from the PSP's state).
 */
#include "flows/reconcile_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "connectors/erp.h"
#include "connectors/stripe.h"
#include "connectors/stripe_api.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "domain/money.h"
#include "flows/flow_int.h"
#include "flows/orders.h"
#include "flows/payments.h"
#include "flows/timeline.h"
#include "inbox/inbox.h"
#include "queue/queue_admin.h"

#define FLUSH_EVERY_MS 500
#define PSP_COMMIT_EVERY 200

typedef struct run {
	seam_reconcile_t *r;
	const seam_job_t *job;
	const char *id, *store, *cid;
	int64_t since, until, now;
	int fix, dry_run;
	const seam_config_store_t *sc;
	const seam_reconcile_store_config_t *rcfg;
	seam_upstream_t *drupal, *erp, *psp;
	int erp_ok, psp_ok; /* readable so far (0 also when not configured) */
	json_t *unreadable; /* [{system, error}] */
	int64_t orders, psp_n, drift, fixed, seq, last_flush;
	/* the PSP listing's open transaction */
	seam_db_t *pdb;
	int pending;
} run_t;

static void unreadable(run_t *r, const char *system, const char *msg)
{
	seam_logf(r->r->env.log, SEAM_LOG_WARN, "reconcile", r->cid,
		  json_pack("{s:s, s:s, s:s}", "run_id", r->id, "store", r->store, "system", system),
		  "reconciliation cannot read %s: %s; not compared in this run", system, msg);
	json_array_append_new(r->unreadable, json_pack("{s:s, s:s}", "system", system, "error", msg));
}

static seam_err_t run_sql(run_t *r, const char *sql, const char *const *params, int n,
			  seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(r->r->env.store);
	seam_err_t rc = seam_db_run(db, sql, params, n, NULL, err);
	seam_store_release(r->r->env.store, db);
	return rc;
}

static void flush(run_t *r, const char *phase, int force)
{
	char o[24], p[24], d[24], f[24], now[24];
	int64_t t = seam_now_ms();
	if (!force && t - r->last_flush < FLUSH_EVERY_MS)
		return;
	r->last_flush = t;
	snprintf(o, sizeof o, "%" PRId64, r->orders);
	snprintf(p, sizeof p, "%" PRId64, r->psp_n);
	snprintf(d, sizeof d, "%" PRId64, r->drift);
	snprintf(f, sizeof f, "%" PRId64, r->fixed);
	snprintf(now, sizeof now, "%" PRId64, t);
	run_sql(r,
		"UPDATE reconciliation_runs SET phase = $2, orders_checked = CAST($3 AS INTEGER), "
		"psp_payments = CAST($4 AS INTEGER), drift = CAST($5 AS INTEGER), fixed = "
		"CAST($6 AS INTEGER), updated_at = CAST($7 AS BIGINT) WHERE id = $1",
		(const char *[]){r->id, phase, o, p, d, f, now}, 7, NULL);
}

/* ---------- fixes ---------- */

typedef struct fix_result {
	const char *state; /* enqueued | pending | planned | failed */
	char job_id[SEAM_UUID_STR_LEN];
	char error[256];
} fix_result_t;

/* The job of flow orders with this dedup key: its id and state, or "" when there is none. */
static void job_by_key(seam_db_t *db, const char *key, char id[SEAM_UUID_STR_LEN], char state[16])
{
	seam__flow_lookup(db, "SELECT id FROM jobs WHERE flow = $1 AND dedup_key = $2",
			  (const char *[]){SEAM_FLOW_ORDERS, key}, 2, 0, id, SEAM_UUID_STR_LEN);
	seam__flow_lookup(db, "SELECT state FROM jobs WHERE flow = $1 AND dedup_key = $2",
			  (const char *[]){SEAM_FLOW_ORDERS, key}, 2, 0, state, 16);
}

/* order.export or order.cancel (kind) of the order as a job: the one its dedup key names when
 * that is queued or running (pending) or dead (replayed); a new one when there is none; a new
 * one keyed by this run when the last one succeeded (seam believed the work done: prepare
 * resets seam's record first so the job does it again). */
static void order_job(run_t *r, const char *kind, const char *uuid, const char *prefix,
		      const char *prepare_sql, const char *const *prepare_params, int nprepare,
		      fix_result_t *out)
{
	char key[192], id[SEAM_UUID_STR_LEN] = "", state[16] = "";
	seam_error_t err = {0};
	seam_err_t rc;
	snprintf(key, sizeof key, "%s:%s:%s", prefix, r->store, uuid);
	seam_db_t *db = seam_store_acquire(r->r->env.store);
	job_by_key(db, key, id, state);
	if (id[0] && (!strcmp(state, "queued") || !strcmp(state, "running"))) {
		seam_store_release(r->r->env.store, db);
		out->state = "pending";
		snprintf(out->job_id, sizeof out->job_id, "%s", id);
		return;
	}
	if (id[0] && !strcmp(state, "dead")) {
		seam_store_release(r->r->env.store, db);
		if (prepare_sql)
			run_sql(r, prepare_sql, prepare_params, nprepare, NULL);
		rc = seam_queue_admin_replay(r->r->env.store, id, NULL, &err);
		out->state = rc == SEAM_OK ? "enqueued" : "failed";
		snprintf(out->job_id, sizeof out->job_id, "%s", id);
		if (rc != SEAM_OK)
			snprintf(out->error, sizeof out->error, "replay %s: %s", id, err.msg);
		else
			seam_queue_notify(r->r->env.queue);
		return;
	}
	if (id[0]) /* succeeded or canceled: a job of this run's own */
		snprintf(key, sizeof key, "%s:%s:%s:reconcile:%s", prefix, r->store, uuid, r->id);
	json_t *pl = json_pack("{s:s, s:s, s:s, s:s}", "store", r->store, "order_uuid", uuid,
			       "source", "reconciliation", "reconciliation_run", r->id);
	char *text = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
	json_decref(pl);
	seam_job_spec_t spec = {.kind = kind, .flow = SEAM_FLOW_ORDERS, .dedup_key = key,
				.payload = text, .correlation_id = r->cid};
	int existed = 0;
	rc = text ? seam_db_begin(db, &err) : seam_errorf(&err, SEAM_NOMEM, "out of memory");
	if (rc == SEAM_OK && prepare_sql)
		rc = seam_db_run(db, prepare_sql, prepare_params, nprepare, NULL, &err);
	if (rc == SEAM_OK)
		rc = seam_queue_enqueue(r->r->env.queue, db, &spec, out->job_id, &existed, &err);
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, &err);
	else
		seam_db_rollback(db);
	seam_store_release(r->r->env.store, db);
	free(text);
	if (rc != SEAM_OK) {
		out->state = "failed";
		snprintf(out->error, sizeof out->error, "enqueue %s: %s", kind, err.msg);
		return;
	}
	out->state = existed ? "pending" : "enqueued";
	seam_queue_notify(r->r->env.queue);
}

static void fix_export(run_t *r, const char *uuid, const char *number, fix_result_t *out)
{
	char now[24];
	snprintf(now, sizeof now, "%" PRId64, seam_now_ms());
	/* seam's record back to "seen" so the export looks the ERP up again (adopting what is
	 * there, creating what is not) and writes the number back; a record seam never had is
	 * made, as an event would have made it. */
	static const char sql[] =
		"INSERT INTO orders (store, order_uuid, order_number, export_state, first_seen_at, "
		"updated_at, correlation_id) VALUES ($1, $2, $3, 'seen', CAST($4 AS BIGINT), "
		"CAST($4 AS BIGINT), $5) ON CONFLICT (store, order_uuid) DO UPDATE SET "
		"export_state = 'seen', erp_number = NULL, erp_id = NULL, updated_at = "
		"excluded.updated_at";
	order_job(r, SEAM_JOB_ORDER_EXPORT, uuid, "export", sql,
		  (const char *[]){r->store, uuid, number, now, r->cid}, 5, out);
}

static void fix_cancel(run_t *r, const char *uuid, const char *number, json_t *so,
		       fix_result_t *out)
{
	char now[24];
	const char *num = json_string_value(json_object_get(so, "number"));
	const char *id = json_string_value(json_object_get(so, "id"));
	snprintf(now, sizeof now, "%" PRId64, seam_now_ms());
	/* the cancel job cancels what seam's record names: the ERP order found now */
	static const char sql[] =
		"INSERT INTO orders (store, order_uuid, order_number, order_state, export_state, "
		"erp_number, erp_id, first_seen_at, updated_at, correlation_id) VALUES ($1, $2, $3, "
		"'canceled', 'exported', $4, $5, CAST($6 AS BIGINT), CAST($6 AS BIGINT), $7) "
		"ON CONFLICT (store, order_uuid) DO UPDATE SET export_state = 'exported', "
		"order_state = 'canceled', erp_number = excluded.erp_number, erp_id = "
		"excluded.erp_id, updated_at = excluded.updated_at";
	order_job(r, SEAM_JOB_ORDER_CANCEL, uuid, "cancel", sql,
		  (const char *[]){r->store, uuid, number, num, id, now, r->cid}, 7, out);
}

/* The Stripe event type that states a PaymentIntent's status, or NULL for a status that
 * states nothing to apply (still requires a payment method, processing, requires action). */
static const char *intent_event_type(const char *status)
{
	if (!status)
		return NULL;
	if (!strcmp(status, "succeeded"))
		return "payment_intent.succeeded";
	if (!strcmp(status, "requires_capture")) /* authorized, not captured */
		return "payment_intent.amount_capturable_updated";
	if (!strcmp(status, "canceled"))
		return "payment_intent.canceled";
	return NULL;
}

/* The PSP's current state of one Stripe payment as a payment event through the payments
 * flow, read from Stripe now: charge.refunded with the charge when something was refunded,
 * else the PaymentIntent's own state (succeeded, authorized only, canceled: an intent that is
 * only authorized is never stated as captured). Its id is derived from the state
 * ("evt_seam_rc_" + 24 hex of SHA-256 of remote id, received, refunded, and the status when
 * it is not succeeded), so the same state is one event however often it is applied, and the
 * inbox keeps it (headers say where it came from) like any received event. */
static void fix_psp(run_t *r, const char *remote, int64_t received, int64_t refunded,
		    const char *charge, fix_result_t *out)
{
	char seed[400], hex[65], evid[48];
	json_t *obj = NULL, *body = NULL, *headers = NULL;
	char *text = NULL, *htext = NULL, *payload = NULL;
	seam_error_t err = {0};
	seam_err_t rc;
	const char *type = refunded > 0 ? "charge.refunded" : "payment_intent.succeeded";
	out->state = "failed";
	if (!r->psp_ok) {
		snprintf(out->error, sizeof out->error, "the PSP cannot be read");
		return;
	}
	if (refunded > 0 && (!charge || !*charge)) {
		snprintf(out->error, sizeof out->error, "the PSP names no charge for %s", remote);
		return;
	}
	rc = seam_stripe_get(r->psp, r->cid, refunded > 0 ? SEAM_STRIPE_CHARGES : SEAM_STRIPE_INTENTS,
			     refunded > 0 ? charge : remote, &obj, &err);
	if (rc != SEAM_OK) {
		snprintf(out->error, sizeof out->error, "%s", err.msg);
		return;
	}
	if (refunded <= 0) {
		const char *status = json_string_value(json_object_get(obj, "status"));
		type = intent_event_type(status);
		if (!type) {
			snprintf(out->error, sizeof out->error,
				 "the PSP's payment %s is %s: no state to apply", remote,
				 status ? status : "without a status");
			goto out;
		}
	}
	if (refunded > 0 || !strcmp(type, "payment_intent.succeeded"))
		snprintf(seed, sizeof seed, "%s|%" PRId64 "|%" PRId64, remote, received, refunded);
	else
		snprintf(seed, sizeof seed, "%s|%" PRId64 "|%" PRId64 "|%s", remote, received,
			 refunded, type);
	seam_sha256_hex(seed, strlen(seed), hex);
	snprintf(evid, sizeof evid, "evt_seam_rc_%.24s", hex);
	body = json_pack("{s:s, s:s, s:s, s:I, s:{s:O}, s:b, s:i, s:{s:n, s:n}, s:s}", "id", evid,
			 "object", "event", "api_version", "2024-06-20", "created",
			 (json_int_t)(seam_now_ms() / 1000), "data", "object", obj, "livemode", 0,
			 "pending_webhooks", 0, "request", "id", "idempotency_key", "type", type);
	headers = json_pack("{s:s, s:s}", "seam-origin", "reconciliation", "seam-reconciliation-run",
			    r->id);
	json_t *pl = json_pack("{s:s, s:s, s:s}", "provider", "stripe", "source", r->store,
			       "event_id", evid);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	htext = headers ? json_dumps(headers, JSON_COMPACT) : NULL;
	payload = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
	json_decref(pl);
	if (!text || !htext || !payload) {
		snprintf(out->error, sizeof out->error, "out of memory");
		goto out;
	}
	seam_inbox_event_t ev = {.provider = "stripe", .source = r->store, .event_id = evid,
				 .event_type = type, .body = text, .len = strlen(text),
				 .headers = htext, .correlation_id = r->cid};
	seam_job_spec_t spec = {.kind = SEAM_JOB_PAYMENT_APPLY, .flow = SEAM_FLOW_PAYMENTS,
				.payload = payload, .correlation_id = r->cid};
	seam_inbox_added_t added = {0};
	seam_db_t *db = seam_store_acquire(r->r->env.store);
	rc = seam_db_begin(db, &err);
	if (rc == SEAM_OK)
		rc = seam_inbox_add(db, r->r->env.queue, &ev, &spec, &added, &err);
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, &err);
	else
		seam_db_rollback(db);
	seam_store_release(r->r->env.store, db);
	if (rc != SEAM_OK) {
		snprintf(out->error, sizeof out->error, "store the PSP's state: %s", err.msg);
		goto out;
	}
	if (added.duplicate) {
		/* this very state was applied before and Drupal still differs: a person looks */
		json_t *ids = json_array();
		seam_inbox_job_ids(r->r->env.store, "stripe", evid, ids, NULL);
		const char *j = json_string_value(json_array_get(ids, json_array_size(ids) - 1));
		snprintf(out->job_id, sizeof out->job_id, "%s", j ? j : "");
		json_decref(ids);
		out->state = "pending";
	} else {
		snprintf(out->job_id, sizeof out->job_id, "%s", added.job_id);
		out->state = "enqueued";
		seam_queue_notify(r->r->env.queue);
	}
out:
	json_decref(obj);
	json_decref(body);
	json_decref(headers);
	free(text);
	free(htext);
	free(payload);
}

/* ---------- items ---------- */

typedef struct order_ctx {
	const char *uuid, *number;
	json_t *so;            /* the ERP's sales order, or NULL */
	json_t *psp_rows;      /* [{remote_id, received, refunded, charge}] of Stripe */
} order_ctx_t;

/* Records one drift (detail is taken) and, when the run fixes, applies its fix. */
static void add_item(run_t *r, seam_reconcile_kind_e kind, const order_ctx_t *o,
		     const char *remote, json_t *detail, int fixable)
{
	const char *action = fixable ? seam_reconcile_kind_fix(kind) : NULL;
	fix_result_t fr = {0};
	char seq[24];
	if (action && r->fix) {
		if (r->dry_run) {
			fr.state = "planned";
		} else if (!strcmp(action, "export")) {
			fix_export(r, o->uuid, o->number, &fr);
		} else if (!strcmp(action, "cancel_in_erp")) {
			fix_cancel(r, o->uuid, o->number, o->so, &fr);
		} else if (!strcmp(action, "apply_psp_state")) {
			/* every Stripe payment of the order, as the PSP has it now */
			size_t i;
			json_t *p;
			fr.state = "failed";
			snprintf(fr.error, sizeof fr.error, "no Stripe payment to apply");
			json_array_foreach(o->psp_rows, i, p) {
				fix_result_t one = {0};
				fix_psp(r, json_string_value(json_object_get(p, "remote_id")),
					json_integer_value(json_object_get(p, "received")),
					json_integer_value(json_object_get(p, "refunded")),
					json_string_value(json_object_get(p, "charge")), &one);
				if (i == 0 || strcmp(one.state, "failed") == 0)
					fr = one;
			}
		}
		if (fr.error[0])
			json_object_set_new(detail, "fix_error", json_string(fr.error));
		if (fr.state && !strcmp(fr.state, "enqueued"))
			r->fixed++;
		if (fr.state && strcmp(fr.state, "planned") != 0)
			seam_timeline_log(r->r->env.store, "order", o->uuid, r->cid, "seam",
					  "reconcile.fix",
					  json_pack("{s:s, s:s, s:s, s:s, s:s?}", "run_id", r->id,
						    "kind", seam_reconcile_kind_name(kind), "fix", action,
						    "fix_state", fr.state, "job_id",
						    fr.job_id[0] ? fr.job_id : NULL),
					  NULL);
	}
	r->drift++;
	snprintf(seq, sizeof seq, "%" PRId64, ++r->seq);
	char *d = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(detail);
	run_sql(r,
		"INSERT INTO reconciliation_items (run_id, seq, kind, order_uuid, order_number, "
		"remote_id, detail, action, check_text, fix_state, job_id) VALUES ($1, "
		"CAST($2 AS INTEGER), $3, $4, $5, $6, $7, $8, $9, $10, $11)",
		(const char *[]){r->id, seq, seam_reconcile_kind_name(kind), o->uuid, o->number, remote,
				 d ? d : "{}", action, action ? NULL : seam_reconcile_kind_check(kind),
				 action && r->fix ? fr.state : NULL, fr.job_id[0] ? fr.job_id : NULL},
		11, NULL);
	free(d);
}

/* ---------- phase 1: the PSP ---------- */

static seam_err_t psp_maybe_commit(run_t *r, int force)
{
	if (r->pending && (force || r->pending >= PSP_COMMIT_EVERY)) {
		r->pending = 0;
		seam_err_t rc = seam_db_commit(r->pdb, NULL);
		if (rc != SEAM_OK)
			return rc;
		if (!force)
			return seam_db_begin(r->pdb, NULL);
	}
	return SEAM_OK;
}

/* A PSP object of another seam store (metadata.store says so) is not this run's. */
static int store_matches(run_t *r, const char *store)
{
	return !store || !strcmp(store, r->store);
}

static seam_err_t psp_intent(json_t *o, void *ud)
{
	run_t *r = ud;
	char amount[24], received[24];
	seam_stripe_intent_t pi;
	if (seam_stripe_intent_read(o, &pi) != 0 || !store_matches(r, pi.store))
		return SEAM_OK; /* not a PaymentIntent seam can use: nothing to compare it by */
	snprintf(amount, sizeof amount, "%" PRId64, pi.amount);
	snprintf(received, sizeof received, "%" PRId64, pi.received);
	seam_err_t rc = seam_db_run(
		r->pdb,
		"INSERT INTO reconciliation_psp (run_id, remote_id, order_uuid, status, currency, "
		"amount_minor, received_minor, refunded_minor, charge_id) VALUES ($1, $2, $3, $4, $5, "
		"CAST($6 AS BIGINT), CAST($7 AS BIGINT), 0, $8) ON CONFLICT (run_id, remote_id) DO "
		"UPDATE SET status = excluded.status, received_minor = excluded.received_minor",
		(const char *[]){r->id, pi.id, pi.order_uuid, pi.status, pi.currency, amount, received,
				 pi.latest_charge},
		8, NULL, NULL);
	if (rc != SEAM_OK)
		return rc;
	r->psp_n++;
	r->pending++;
	return psp_maybe_commit(r, 0);
}

static seam_err_t psp_charge(json_t *o, void *ud)
{
	run_t *r = ud;
	char refunded[24];
	seam_stripe_charge_t ch;
	if (seam_stripe_charge_read(o, &ch) != 0 || !store_matches(r, ch.store))
		return SEAM_OK;
	snprintf(refunded, sizeof refunded, "%" PRId64, ch.refunded);
	seam_err_t rc = seam_db_run(r->pdb,
				    "UPDATE reconciliation_psp SET refunded_minor = CAST($3 AS BIGINT), "
				    "charge_id = $4 WHERE run_id = $1 AND remote_id = $2",
				    (const char *[]){r->id, ch.payment_intent, refunded, ch.id}, 4, NULL,
				    NULL);
	if (rc != SEAM_OK)
		return rc;
	r->pending++;
	return psp_maybe_commit(r, 0);
}

static void read_psp(run_t *r)
{
	seam_error_t err = {0};
	int64_t gte = (r->since - r->rcfg->psp_margin_ms) / 1000, lte = r->until / 1000;
	seam_err_t rc;
	if (!r->psp)
		return;
	flush(r, "psp", 1);
	r->pdb = seam_store_acquire(r->r->env.store);
	rc = seam_db_begin(r->pdb, &err);
	if (rc == SEAM_OK)
		rc = seam_stripe_list(r->psp, r->cid, SEAM_STRIPE_INTENTS, gte > 0 ? gte : 1, lte,
				      psp_intent, r, NULL, &err);
	if (rc == SEAM_OK)
		rc = seam_stripe_list(r->psp, r->cid, SEAM_STRIPE_CHARGES, gte > 0 ? gte : 1, lte,
				      psp_charge, r, NULL, &err);
	if (rc == SEAM_OK) {
		r->pending = 1;
		rc = psp_maybe_commit(r, 1);
	} else {
		seam_db_rollback(r->pdb);
	}
	seam_store_release(r->r->env.store, r->pdb);
	r->pdb = NULL;
	if (rc != SEAM_OK) {
		unreadable(r, "psp", err.msg[0] ? err.msg : seam_strerror(rc));
		return;
	}
	r->psp_ok = 1;
}

static json_t *text_row(seam_stmt_t *s)
{
	return json_string(seam_stmt_column_text(s, 0) ? seam_stmt_column_text(s, 0) : "");
}

/* A Stripe payment seam knows for the order (payment_refs) that the window's listing did not
 * hold (created before psp_margin): read on its own, so an old payment is not "missing". */
static void psp_fill_known(run_t *r, const char *uuid)
{
	json_t *rows = NULL, *row;
	size_t i;
	if (!r->psp_ok)
		return;
	const char *params[] = {uuid, r->id};
	if (seam__flow_rows_n(r->r->env.store,
			      "SELECT remote_id FROM payment_refs WHERE provider = 'stripe' AND "
			      "order_uuid = $1 AND remote_id NOT IN (SELECT remote_id FROM "
			      "reconciliation_psp WHERE run_id = $2)",
			      params, 2, text_row, &rows, NULL) != SEAM_OK)
		return;
	json_array_foreach(rows, i, row) {
		const char *pi = json_string_value(row);
		json_t *intent = NULL, *charge = NULL;
		seam_error_t err = {0};
		if (!pi)
			continue;
		seam_err_t grc = seam_stripe_get(r->psp, r->cid, SEAM_STRIPE_INTENTS, pi, &intent, &err);
		if (grc == SEAM_NOTFOUND)
			continue; /* the PSP has no such payment: compared as such */
		if (grc != SEAM_OK) {
			/* not read is not "not there": no payment drift from here on */
			r->psp_ok = 0;
			unreadable(r, "psp", err.msg);
			break;
		}
		r->pdb = seam_store_acquire(r->r->env.store);
		psp_intent(intent, r);
		const char *ch = json_string_value(json_object_get(intent, "latest_charge"));
		grc = ch ? seam_stripe_get(r->psp, r->cid, SEAM_STRIPE_CHARGES, ch, &charge, &err)
			 : SEAM_NOTFOUND;
		if (grc == SEAM_OK)
			psp_charge(charge, r);
		r->pending = 0;
		seam_store_release(r->r->env.store, r->pdb);
		r->pdb = NULL;
		json_decref(intent);
		json_decref(charge);
		if (grc != SEAM_OK && grc != SEAM_NOTFOUND) {
			/* its refunds unknown: no payment drift from here on */
			r->psp_ok = 0;
			unreadable(r, "psp", err.msg);
			break;
		}
	}
	json_decref(rows);
}

/* ---------- phase 2: the orders ---------- */

static int dec_of(const char *s, seam_money_dec_t *d)
{
	return s && *s && seam_money_dec_parse(s, (size_t)-1, d, NULL) == SEAM_OK ? 0 : -1;
}

static void fmt_minor(int64_t minor, int exp, char out[SEAM_MONEY_BUF])
{
	if (!seam_money_format(minor, exp < 0 ? 2 : exp, out))
		snprintf(out, SEAM_MONEY_BUF, "%" PRId64, minor);
}

/* Payments: the PSP's net (captured less refunded) against Drupal's total_paid. */
static void compare_payments(run_t *r, order_ctx_t *o, const seam_drupal_money_t *paid,
			     const char *currency)
{
	seam_db_t *db = seam_store_acquire(r->r->env.store);
	seam_stmt_t *s;
	int64_t captured = 0, refunded = 0; /* minor units at the ISO exponent */
	int exp = seam_money_exponent(currency), stripe_refs = 0, adyen_refs = 0, rows = 0;
	json_t *remotes = json_array();
	char rid[24] = "";
	o->psp_rows = json_array();
	if (exp < 0)
		goto out;
	/* Stripe, as listed */
	if (seam_db_prepare(db,
			    "SELECT remote_id, currency, received_minor, refunded_minor, charge_id, "
			    "status FROM reconciliation_psp WHERE run_id = $1 AND order_uuid = $2",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, r->id);
		seam_stmt_bind_text(s, 2, o->uuid);
		while (seam_stmt_step(s, NULL) == SEAM_ROW) {
			const char *cur = seam_stmt_column_text(s, 1);
			int sx = seam_stripe_exponent(cur ? cur : "");
			int64_t rec = seam_stmt_column_int64(s, 2), ref = seam_stmt_column_int64(s, 3);
			/* to the ISO exponent (Stripe's differ for a few currencies) */
			for (int k = sx; k < exp; k++) {
				rec *= 10;
				ref *= 10;
			}
			for (int k = exp; k < sx; k++) {
				rec /= 10;
				ref /= 10;
			}
			captured += rec;
			refunded += ref;
			rows++;
			json_array_append_new(
				o->psp_rows,
				json_pack("{s:s, s:I, s:I, s:s?}", "remote_id",
					  seam_stmt_column_text(s, 0), "received",
					  (json_int_t)seam_stmt_column_int64(s, 2), "refunded",
					  (json_int_t)seam_stmt_column_int64(s, 3), "charge",
					  seam_stmt_column_text(s, 4)));
			json_array_append_new(remotes, json_string(seam_stmt_column_text(s, 0)));
		}
		seam_stmt_reset(s);
	}
	/* what seam knows of the order's payments: which providers */
	seam__flow_lookup(db,
			  "SELECT COUNT(*) FROM payment_refs WHERE order_uuid = $1 AND provider = "
			  "'stripe'",
			  (const char *[]){o->uuid}, 1, 0, rid, sizeof rid);
	stripe_refs = atoi(rid);
	/* Adyen: the PSP's statements are the notifications seam stored */
	if (seam_db_prepare(db,
			    "SELECT e.remote_id, e.type, e.amount_minor, e.cumulative FROM "
			    "payment_events e JOIN payment_refs p ON p.provider = e.provider AND "
			    "p.remote_id = e.remote_id WHERE p.order_uuid = $1 AND p.provider = "
			    "'adyen' AND e.type IN ('captured', 'refunded') AND e.amount_minor >= 0",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, o->uuid);
		while (seam_stmt_step(s, NULL) == SEAM_ROW) {
			int64_t a = seam_stmt_column_int64(s, 2);
			if (!strcmp(seam_stmt_column_text(s, 1), "captured"))
				captured += a;
			else
				refunded += a;
			adyen_refs++;
			json_array_append_new(remotes, json_string(seam_stmt_column_text(s, 0)));
		}
		seam_stmt_reset(s);
	}
	if (!adyen_refs)
		seam__flow_lookup(db,
				  "SELECT COUNT(*) FROM payment_refs WHERE order_uuid = $1 AND "
				  "provider = 'adyen'",
				  (const char *[]){o->uuid}, 1, 0, rid, sizeof rid);
	adyen_refs += adyen_refs ? 0 : atoi(rid);
	/* Comparable only where every payment's PSP view is known: Stripe read, or the
	 * order's payments all Adyen (no Stripe payment and no unknown one). */
	int comparable = r->psp_ok || (adyen_refs > 0 && stripe_refs == 0);
	if (!comparable)
		goto out;
	seam_money_dec_t dpaid = {0, 0}, net = {0, 0};
	char netbuf[SEAM_MONEY_BUF], capbuf[SEAM_MONEY_BUF], refbuf[SEAM_MONEY_BUF];
	if (paid->number[0] && dec_of(paid->number, &dpaid) != 0)
		goto out;
	fmt_minor(captured - refunded, exp, netbuf);
	fmt_minor(captured, exp, capbuf);
	fmt_minor(refunded, exp, refbuf);
	if (dec_of(netbuf, &net) != 0)
		goto out;
	int cmp = seam_money_dec_cmp(dpaid, net);
	if (cmp == 0)
		goto out;
	seam_reconcile_kind_e kind = cmp < 0			 ? SEAM_RECONCILE_CAPTURED_NOT_IN_DRUPAL
				     : refunded > 0		 ? SEAM_RECONCILE_REFUNDED_NOT_IN_DRUPAL
								 : SEAM_RECONCILE_PAID_WITHOUT_CAPTURE;
	json_t *detail = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "drupal_total_paid",
				   paid->number[0] ? paid->number : "0", "psp_captured", capbuf,
				   "psp_refunded", refbuf, "psp_net", netbuf, "currency", currency,
				   "psp_payments", remotes);
	seam_store_release(r->r->env.store, db);
	db = NULL;
	/* only Stripe's state can be applied from here (Adyen has no read API seam uses) */
	add_item(r, kind, o, json_string_value(json_array_get(remotes, 0)), detail,
		 json_array_size(o->psp_rows) > 0 && kind != SEAM_RECONCILE_PAID_WITHOUT_CAPTURE);
	(void)rows;
out:
	json_decref(remotes);
	if (db)
		seam_store_release(r->r->env.store, db);
}

/* Tax: what seam committed in the engine for the order (its tax document) against what the
 * order charges now in Drupal (its total less the total without the tax adjustments added on
 * top: the same tax the commit read, so an order edited after its commit shows here). charged
 * is NULL when Drupal's total could not be read; the commit's own record is used then. */
static void compare_tax(run_t *r, const order_ctx_t *o, const char *charged)
{
	seam_db_t *db = seam_store_acquire(r->r->env.store);
	seam_stmt_t *s;
	json_t *detail = NULL;
	if (seam_db_prepare(db,
			    "SELECT committed_tax, charged_tax, difference, code FROM tax_documents "
			    "WHERE store = $1 AND order_uuid = $2 AND state = 'committed'",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, r->store);
		seam_stmt_bind_text(s, 2, o->uuid);
		if (seam_stmt_step(s, NULL) == SEAM_ROW) {
			seam_money_dec_t d, c, ch;
			char buf[SEAM_MONEY_BUF];
			const char *committed = seam_stmt_column_text(s, 0);
			const char *diff = seam_stmt_column_text(s, 2);
			const char *now_charged = seam_stmt_column_text(s, 1);
			if (charged && dec_of(committed, &c) == 0 && dec_of(charged, &ch) == 0 &&
			    seam_money_dec_sub(c, ch, &d, NULL) == SEAM_OK) {
				diff = seam_money_dec_format(d, buf);
				now_charged = charged;
			}
			if (diff && dec_of(diff, &d) == 0 && d.units != 0)
				detail = json_pack("{s:s?, s:s?, s:s?, s:s, s:s?}", "committed_tax",
						   committed, "charged_tax", now_charged,
						   "charged_at_commit", seam_stmt_column_text(s, 1),
						   "difference", diff, "document_code",
						   seam_stmt_column_text(s, 3));
		}
		seam_stmt_reset(s);
	}
	seam_store_release(r->r->env.store, db);
	if (detail)
		add_item(r, SEAM_RECONCILE_TAX_DIFFERS, o, NULL, detail, 0);
}

static const char *erp_total(json_t *so, char buf[SEAM_MONEY_BUF])
{
	json_t *v = json_object_get(so, "totalAmountExcludingTax");
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, SEAM_MONEY_BUF, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	if (json_is_real(v) && seam_money_real_text(json_real_value(v), buf, SEAM_MONEY_BUF) == 0)
		return buf;
	return NULL;
}

static seam_err_t one_order(json_t *order, json_t *page, void *ud)
{
	run_t *r = ud;
	int64_t placed_s = 0;
	seam_drupal_money_t total = {0}, paid = {0};
	seam_error_t err = {0};
	order_ctx_t o = {0};
	if (seam_drupal_attr_time(order, "placed", &placed_s) != SEAM_OK)
		return SEAM_OK;
	if (placed_s * 1000 >= r->until)
		return SEAM_DONE; /* sorted by placed: the window is behind us */
	if (placed_s * 1000 < r->since || !seam_flow_orders_owns(r->sc, seam_drupal_order_store(order)))
		return SEAM_OK;
	o.uuid = seam_drupal_id(order);
	o.number = seam_drupal_attr_str(order, "order_number");
	const char *state = seam_drupal_attr_str(order, "state");
	const char *written = seam_drupal_attr_str(order, "seam_erp_number");
	if (!o.uuid || !state)
		return SEAM_OK;
	seam_drupal_attr_money(order, "total_price", &total, NULL);
	seam_drupal_attr_money(order, "total_paid", &paid, NULL);
	int64_t age = r->now - placed_s * 1000;
	int canceled = !strcmp(state, "canceled");
	r->orders++;

	/* The ERP, by external document number (the mapping's: the order number). */
	int erp_known = 0;
	size_t nmatch = 0;
	if (r->erp_ok && o.number) {
		seam_erp_outcome_t eoc = {0};
		if (seam_erp_find_sales_order(r->erp, r->cid, r->sc->erp.company, o.number, &o.so,
					      &nmatch, &eoc, &err) == SEAM_OK) {
			erp_known = 1;
		} else {
			r->erp_ok = 0;
			unreadable(r, "erp", err.msg);
		}
	}
	if (erp_known && canceled && o.so) {
		add_item(r, SEAM_RECONCILE_CANCELED_OPEN_IN_ERP, &o, NULL,
			 json_pack("{s:s, s:s?, s:s?}", "drupal_state", state, "erp_number",
				   json_string_value(json_object_get(o.so, "number")), "erp_status",
				   json_string_value(json_object_get(o.so, "status"))),
			 1);
	} else if (erp_known && !canceled && !o.so && age > r->rcfg->export_sla_ms) {
		char es[32] = "";
		seam_db_t *db = seam_store_acquire(r->r->env.store);
		seam__flow_lookup(db, "SELECT export_state FROM orders WHERE store = $1 AND order_uuid = $2",
				  (const char *[]){r->store, o.uuid}, 2, 0, es, sizeof es);
		seam_store_release(r->r->env.store, db);
		char ts[25];
		seam_rfc3339_ms(placed_s * 1000, ts);
		add_item(r, SEAM_RECONCILE_MISSING_IN_ERP, &o, NULL,
			 json_pack("{s:s, s:s, s:s?, s:I}", "drupal_state", state, "placed_at", ts,
				   "seam_export_state", es[0] ? es : NULL, "age_s",
				   (json_int_t)(age / 1000)),
			 1);
	} else if (erp_known && !canceled && o.so) {
		char ebuf[SEAM_MONEY_BUF], net[SEAM_MONEY_BUF] = "";
		const char *et = erp_total(o.so, ebuf);
		const char *enumber = json_string_value(json_object_get(o.so, "number"));
		seam_money_dec_t a, b;
		if (total.number[0])
			seam_flow_orders_net_total(page, order, total.number, net);
		if (et && net[0] && dec_of(et, &a) == 0 && dec_of(net, &b) == 0 &&
		    seam_money_dec_cmp(a, b) != 0)
			add_item(r, SEAM_RECONCILE_ERP_TOTAL_DIFFERS, &o, NULL,
				 json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "drupal_total", total.number,
					   "drupal_total_without_tax", net, "erp_total_without_tax", et,
					   "erp_number", enumber, "currency", total.currency_code),
				 0);
		if (enumber && (!written || strcmp(written, enumber) != 0) &&
		    age > r->rcfg->export_sla_ms)
			add_item(r, SEAM_RECONCILE_NUMBER_NOT_WRITTEN_BACK, &o, NULL,
				 json_pack("{s:s, s:s?}", "erp_number", enumber, "drupal_erp_number",
					   written),
				 1);
	}
	/* Stuck: longer in its state than the store allows. */
	const char *sla = seam_cfg_strmap_get(&r->rcfg->state_sla, state);
	int64_t sla_ms;
	if (sla && seam_duration_parse(sla, &sla_ms) == 0 && age > sla_ms)
		add_item(r, SEAM_RECONCILE_STUCK_IN_STATE, &o, NULL,
			 json_pack("{s:s, s:s, s:I}", "drupal_state", state, "state_sla", sla, "age_s",
				   (json_int_t)(age / 1000)),
			 0);
	/* the tax Drupal charges: its total less the total without added tax */
	char net_all[SEAM_MONEY_BUF] = "", charged[SEAM_MONEY_BUF] = "";
	seam_money_dec_t td, nd, cd;
	if (total.number[0])
		seam_flow_orders_net_total(page, order, total.number, net_all);
	if (net_all[0] && dec_of(total.number, &td) == 0 && dec_of(net_all, &nd) == 0 &&
	    seam_money_dec_sub(td, nd, &cd, NULL) == SEAM_OK)
		seam_money_dec_format(cd, charged);
	compare_tax(r, &o, charged[0] ? charged : NULL);
	if (total.currency_code[0] || paid.currency_code[0]) {
		psp_fill_known(r, o.uuid);
		compare_payments(r, &o, &paid, paid.currency_code[0] ? paid.currency_code
								     : total.currency_code);
	}
	json_decref(o.so);
	json_decref(o.psp_rows);
	flush(r, "orders", 0);
	return SEAM_OK;
}

static seam_err_t read_orders(run_t *r, seam_error_t *err)
{
	seam_drupal_order_query_t q = {.placed_since = r->since / 1000,
				       .stores = (const char *const *)r->sc->drupal.stores.items,
				       .nstores = r->sc->drupal.stores.n,
				       .include = "order_items",
				       .page_limit = SEAM_DRUPAL_PAGE_MAX,
				       .max_pages = 1 << 30};
	seam_drupal_list_result_t lr = {0};
	seam_drupal_outcome_t oc = {0};
	flush(r, "orders", 1);
	seam_err_t rc = seam_drupal_list_orders(r->drupal, r->cid, &q, one_order, r, &lr, &oc, err);
	return rc == SEAM_DONE ? SEAM_OK : rc;
}

/* ---------- the job ---------- */

static void finish(run_t *r, const char *state, const char *error)
{
	char now[24], *u = json_dumps(r->unreadable, JSON_COMPACT);
	const char *outcome = !strcmp(state, "failed")	      ? "failed"
			      : json_array_size(r->unreadable) ? "partial"
			      : r->drift > 0		       ? "drift"
							       : "clean";
	flush(r, "finishing", 1);
	snprintf(now, sizeof now, "%" PRId64, seam_now_ms());
	run_sql(r,
		"UPDATE reconciliation_runs SET state = $2, phase = NULL, unreadable = $3, error = $4, "
		"finished_at = CAST($5 AS BIGINT), updated_at = CAST($5 AS BIGINT) WHERE id = $1",
		(const char *[]){r->id, state, u ? u : "[]", error, now}, 5, NULL);
	run_sql(r, "DELETE FROM reconciliation_psp WHERE run_id = $1", (const char *[]){r->id}, 1,
		NULL);
	free(u);
	seam_metric_add(r->r->env.metrics, SEAM_M_RECONCILE_RUNS, (const char *[]){r->store, outcome},
			1);
	seam_logf(r->r->env.log, !strcmp(outcome, "clean") ? SEAM_LOG_INFO : SEAM_LOG_WARN,
		  "reconcile", r->cid,
		  json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:O}", "run_id", r->id, "store",
			    r->store, "outcome", outcome, "orders_checked", (json_int_t)r->orders,
			    "psp_payments", (json_int_t)r->psp_n, "drift", (json_int_t)r->drift,
			    "fixed", (json_int_t)r->fixed, "unreadable", r->unreadable),
		  "reconciliation of %s: %s (%" PRId64 " orders, %" PRId64 " drift, %" PRId64
		  " fixes enqueued)%s%s",
		  r->store, outcome, r->orders, r->drift, r->fixed, error ? ": " : "", error ? error : "");
}

seam_err_t seam__reconcile_run_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_reconcile_t *rec = ud;
	json_t *pl = json_loads(job->payload, 0, NULL), *runrow = NULL;
	seam_error_t err = {0};
	run_t r = {.r = rec, .job = job, .cid = job->correlation_id, .now = seam_now_ms()};
	seam_err_t rc = SEAM_OK;
	r.id = json_string_value(json_object_get(pl, "run_id"));
	if (!r.id || strlen(r.id) != 36) {
		json_decref(pl);
		return seam_job_fail(res, SEAM_PERMANENT, 0, "reconcile.run payload lacks run_id");
	}
	if (seam_reconcile_get(rec->env.store, r.id, 0, &runrow, &err) != SEAM_OK) {
		json_decref(pl);
		return seam_job_fail(res, err.code == SEAM_NOTFOUND ? SEAM_PERMANENT : SEAM_RETRY, 0,
				     "%s", err.msg);
	}
	const char *state = json_string_value(json_object_get(runrow, "state"));
	if (strcmp(state, "queued") && strcmp(state, "running"))
		goto out; /* finished already: a replay changes nothing */
	r.store = json_string_value(json_object_get(runrow, "store"));
	seam_rfc3339_parse(json_string_value(json_object_get(runrow, "since")), &r.since);
	seam_rfc3339_parse(json_string_value(json_object_get(runrow, "until")), &r.until);
	r.fix = json_is_true(json_object_get(runrow, "fix"));
	r.dry_run = json_is_true(json_object_get(runrow, "dry_run"));
	r.unreadable = json_array();
	r.sc = seam_cfg_map_get(rec->env.stores, r.store);
	r.rcfg = seam__reconcile_store(rec->cfg, r.store);

	/* Start (or start over) */
	char now[24];
	snprintf(now, sizeof now, "%" PRId64, r.now);
	run_sql(&r, "DELETE FROM reconciliation_items WHERE run_id = $1", (const char *[]){r.id}, 1,
		NULL);
	run_sql(&r, "DELETE FROM reconciliation_psp WHERE run_id = $1", (const char *[]){r.id}, 1,
		NULL);
	run_sql(&r,
		"UPDATE reconciliation_runs SET state = 'running', started_at = CAST($2 AS BIGINT), "
		"orders_checked = 0, psp_payments = 0, drift = 0, fixed = 0, unreadable = NULL, "
		"error = NULL, updated_at = CAST($2 AS BIGINT) WHERE id = $1",
		(const char *[]){r.id, now}, 2, NULL);
	if (!r.sc || !r.sc->drupal.upstream) {
		char msg[200];
		snprintf(msg, sizeof msg, "store %s is not configured with a Drupal upstream", r.store);
		json_array_append_new(r.unreadable, json_pack("{s:s, s:s}", "system", "drupal", "error", msg));
		finish(&r, "failed", msg);
		goto out;
	}
	r.drupal = rec->env.upstream(rec->env.upstream_ud, r.sc->drupal.upstream);
	r.erp = r.sc->erp.upstream ? rec->env.upstream(rec->env.upstream_ud, r.sc->erp.upstream)
				   : NULL;
	r.psp = r.rcfg->psp && *r.rcfg->psp ? rec->env.upstream(rec->env.upstream_ud, r.rcfg->psp)
					    : NULL;
	r.erp_ok = r.erp != NULL;
	if (!r.drupal) {
		finish(&r, "failed", "the store's Drupal upstream is not configured");
		goto out;
	}
	read_psp(&r);
	rc = read_orders(&r, &err);
	if (rc != SEAM_OK) {
		/* Without Drupal's view nothing can be compared: the run failed, and says why. */
		unreadable(&r, "drupal", err.msg);
		finish(&r, "failed", err.msg);
		rc = SEAM_OK;
		goto out;
	}
	finish(&r, "done", NULL);
out:
	json_decref(r.unreadable);
	json_decref(runrow);
	json_decref(pl);
	return rc;
}
