/*
 * payments.c: the payment-events flow (see payments.h for the steps and guarantees).
 */
#include "flows/payments.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "domain/money.h"
#include "domain/payment.h"
#include "domain/psp_event.h"
#include "flows/flow_int.h"
#include "flows/providers.h"
#include "flows/timeline.h"
#include "inbox/inbox.h"

#define LOCK_STRIPES 64
#define MAX_SEEN 64
#define REPLANS 3

struct seam_flow_payments {
	seam_flow_env_t env;
	pthread_mutex_t locks[LOCK_STRIPES];
	/* Per provider (index in flows/providers.h): the built-in event table with the
	 * config's payment_events applied; NULL: the built-in one. */
	seam_psp_rule_t **rules;
	size_t *nrules;
	size_t nproviders;
};

typedef struct run {
	seam_flow_payments_t *fp;
	const seam_job_t *job;
	seam_job_result_t *res;
	const char *provider, *source, *store;
	seam_upstream_t *drupal;
	const seam_config_store_t *sc;
	seam_psp_event_t pe;
	seam_payment_event_t ev;
	char order_uuid[64];
	char payment_uuid[64];
	seam_payment_t cur;
} run_t;

static unsigned stripe_of(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % LOCK_STRIPES;
}

/* The raw event body from the inbox (owned). */
static seam_err_t load_inbox(run_t *r, const char *event_id, char **body, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(r->fp->env.store);
	seam_err_t rc = seam_inbox_body(db, r->provider, r->source, event_id, body, err);
	seam_store_release(r->fp->env.store, db);
	return rc;
}

/* Every event seen before for this remote payment, in arrival order. ids points into idbuf. */
static size_t load_seen(run_t *r, seam_payment_event_t *seen, char ids[][SEAM_PSP_ID_MAX])
{
	seam_db_t *db = seam_store_acquire(r->fp->env.store);
	seam_stmt_t *s;
	size_t n = 0;
	if (seam_db_prepare(db,
			    "SELECT event_id, type, amount_minor, currency, cumulative, captured_total, "
			    "occurred_at FROM payment_events WHERE provider = $1 AND remote_id = $2 "
			    "ORDER BY created_at",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, r->provider);
		seam_stmt_bind_text(s, 2, r->pe.remote_id);
		while (n < MAX_SEEN && seam_stmt_step(s, NULL) == SEAM_ROW) {
			seam_payment_event_t *e = &seen[n];
			memset(e, 0, sizeof *e);
			snprintf(ids[n], SEAM_PSP_ID_MAX, "%s", seam_stmt_column_text(s, 0));
			if (seam_payment_event_parse(seam_stmt_column_text(s, 1), &e->type) != 0)
				continue;
			e->event_id = ids[n];
			e->amount = seam_stmt_column_int64(s, 2);
			snprintf(e->currency, sizeof e->currency, "%s",
				 seam_stmt_column_text(s, 3) ? seam_stmt_column_text(s, 3) : "");
			e->cumulative = seam_stmt_column_int64(s, 4) != 0;
			e->captured_total = seam_stmt_column_int64(s, 5);
			e->at_ms = seam_stmt_column_int64(s, 6);
			n++;
		}
	}
	seam_store_release(r->fp->env.store, db);
	return n;
}

/* The order: the event's own reference (an order uuid, or a merchant reference that is the
 * order's uuid or number), else the stored cross-reference of the remote payment. */
static int find_order(run_t *r)
{
	if (r->pe.order_uuid[0]) {
		snprintf(r->order_uuid, sizeof r->order_uuid, "%s", r->pe.order_uuid);
		return 1;
	}
	if (r->pe.order_id[0] && seam_uuid_valid(r->pe.order_id)) {
		snprintf(r->order_uuid, sizeof r->order_uuid, "%s", r->pe.order_id);
		return 1;
	}
	seam_db_t *db = seam_store_acquire(r->fp->env.store);
	seam_stmt_t *s;
	int found = 0;
	if (seam_db_prepare(db,
			    "SELECT order_uuid FROM payment_refs WHERE provider = $1 AND remote_id = $2 "
			    "AND order_uuid IS NOT NULL",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, r->provider);
		seam_stmt_bind_text(s, 2, r->pe.remote_id);
		if (seam_stmt_step(s, NULL) == SEAM_ROW) {
			snprintf(r->order_uuid, sizeof r->order_uuid, "%s", seam_stmt_column_text(s, 0));
			found = 1;
		}
	}
	seam_store_release(r->fp->env.store, db);
	if (!found && r->pe.order_id[0]) {
		char uuid[37];
		seam_drupal_outcome_t oc = {0};
		if (seam_drupal_find_order_by_number(r->drupal, r->job->correlation_id, NULL,
						     r->pe.order_id, uuid, &oc, NULL) == SEAM_OK) {
			snprintf(r->order_uuid, sizeof r->order_uuid, "%s", uuid);
			found = 1;
		}
	}
	return found;
}

/* Reads the Drupal payment for the remote id into r->cur / r->payment_uuid. */
static seam_err_t read_payment(run_t *r, seam_drupal_outcome_t *oc, seam_error_t *err)
{
	json_t *p = NULL;
	size_t nmatch = 0;
	seam_err_t rc = seam_drupal_find_payment(r->drupal, r->job->correlation_id,
						 r->sc->drupal.payment_bundle, r->pe.remote_id, &p,
						 &nmatch, oc, err);
	memset(&r->cur, 0, sizeof r->cur);
	r->payment_uuid[0] = '\0';
	if (rc != SEAM_OK)
		return rc;
	if (!p)
		return SEAM_OK;
	if (nmatch > 1)
		seam_logf(r->fp->env.log, SEAM_LOG_WARN, "payments", r->job->correlation_id,
			  json_pack("{s:s, s:I}", "remote_id", r->pe.remote_id, "matches",
				    (json_int_t)nmatch),
			  "Drupal already holds several payments with this remote id; using the first");
	seam_drupal_money_t amount = {0}, refunded = {0};
	seam_drupal_attr_money(p, "amount", &amount, NULL);
	if (seam_drupal_attr_money(p, "refunded_amount", &refunded, NULL) != SEAM_OK)
		snprintf(refunded.number, sizeof refunded.number, "0");
	rc = seam_payment_from_drupal(seam_drupal_attr_str(p, "state"), amount.number,
				      refunded.number, amount.currency_code, &r->cur, err);
	snprintf(r->payment_uuid, sizeof r->payment_uuid, "%s", seam_drupal_id(p) ? seam_drupal_id(p) : "");
	json_decref(p);
	return rc == SEAM_OK ? SEAM_OK : seam_errorf(err, SEAM_PERMANENT, "Drupal payment: %s", err->msg);
}

/* One plan step against Drupal. */
static seam_err_t do_step(run_t *r, const seam_payment_step_t *st, seam_drupal_outcome_t *oc,
			  char *current_state, seam_error_t *err)
{
	int exp = seam_money_exponent(r->pe.currency[0] ? r->pe.currency : r->cur.currency);
	const char *cur = r->pe.currency[0] ? r->pe.currency : r->cur.currency;
	char num[SEAM_MONEY_BUF];
	seam_drupal_money_t amount;

	if (st->kind == SEAM_PAYMENT_STEP_CREATE) {
		seam_money_format(st->amount, exp, num);
		seam_drupal_money_set(&amount, num, cur, NULL);
		seam_drupal_payment_t dp = {
			.bundle = r->sc->drupal.payment_bundle,
			.state = seam_payment_state_name(st->to),
			.amount = amount,
			.remote_id = r->pe.remote_id,
			.remote_state = r->pe.remote_state[0] ? r->pe.remote_state : NULL,
			.gateway_mode = r->sc->drupal.payment_gateway_mode,
			.gateway = r->sc->drupal.payment_gateway,
			.order_uuid = r->order_uuid,
		};
		json_t *created = NULL;
		seam_err_t rc = seam_drupal_create_payment(r->drupal, r->job->correlation_id, &dp,
							   &created, oc, err);
		if (rc == SEAM_NOTFOUND) /* the gateway: a configuration problem, not a transient one */
			rc = seam_errorf(err, SEAM_PERMANENT, "%s (set stores.%s.drupal.payment_gateway to "
					 "the gateway's UUID)", err->msg, r->store);
		if (rc == SEAM_OK) {
			json_t *data = seam_drupal_data(created);
			snprintf(r->payment_uuid, sizeof r->payment_uuid, "%s",
				 seam_drupal_id(data ? data : created) ? seam_drupal_id(data ? data : created) : "");
		}
		json_decref(created);
		return rc;
	}
	/* Transitions go through the bridge with a key from business identity: the same event
	 * history always asks for the same change with the same key. */
	int64_t delta = st->kind == SEAM_PAYMENT_STEP_TRANSITION &&
					st->transition == SEAM_PAYMENT_TR_CAPTURE
				? st->amount
				: st->refunded - r->cur.refunded;
	const char *tname = seam_payment_transition_name(st->transition);
	char key[256], keyhash[65];
	snprintf(key, sizeof key, "%s:%s:%s:%lld:%lld", r->provider, r->pe.remote_id, tname,
		 (long long)st->amount, (long long)st->refunded);
	seam_sha256_hex(key, strlen(key), keyhash);
	seam_drupal_transition_t t = {.transition = tname,
				      .remote_state = r->pe.remote_state[0] ? r->pe.remote_state : NULL,
				      .idempotency_key = keyhash};
	int with_amount = st->transition == SEAM_PAYMENT_TR_CAPTURE ||
			  st->transition == SEAM_PAYMENT_TR_PARTIALLY_REFUND;
	if (with_amount) {
		seam_money_format(delta, exp, num);
		seam_drupal_money_set(&amount, num, cur, NULL);
		t.amount = &amount;
	}
	return seam_drupal_payment_transition(r->drupal, r->job->correlation_id, r->payment_uuid, &t,
					      NULL, current_state, oc, err);
}

static void record(run_t *r, const seam_payment_plan_t *plan, const char *summary)
{
	seam_db_t *db = seam_store_acquire(r->fp->env.store);
	char now[24], amount[24], cum[4], captured[24], at[24];
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	snprintf(amount, sizeof amount, "%lld", (long long)r->ev.amount);
	snprintf(cum, sizeof cum, "%d", r->ev.cumulative ? 1 : 0);
	snprintf(captured, sizeof captured, "%lld", (long long)r->ev.captured_total);
	snprintf(at, sizeof at, "%lld", (long long)r->ev.at_ms);
	seam_db_begin(db, NULL);
	seam_db_run(db,
		    "INSERT INTO payment_events (provider, event_id, remote_id, type, amount_minor, "
		    "currency, cumulative, captured_total, occurred_at, outcome, detail, created_at) "
		    "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) "
		    "ON CONFLICT (provider, event_id) DO NOTHING",
		    (const char *[]){r->provider, r->pe.event_id, r->pe.remote_id,
				     seam_payment_event_name(r->ev.type), amount, r->ev.currency, cum,
				     captured, at, seam_payment_action_name(plan->action), summary, now},
		    12, NULL, NULL);
	if (r->order_uuid[0]) {
		const seam_payment_t *res = &plan->result;
		int exp = seam_money_exponent(res->currency[0] ? res->currency : r->pe.currency);
		char a[SEAM_MONEY_BUF] = "", rf[SEAM_MONEY_BUF] = "";
		if (res->exists && exp >= 0) {
			seam_money_format(res->amount, exp, a);
			seam_money_format(res->refunded, exp, rf);
		}
		seam_db_run(db,
			    "INSERT INTO payment_refs (provider, remote_id, store, order_uuid, "
			    "payment_uuid, state, amount, refunded, currency, updated_at) VALUES "
			    "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (provider, remote_id) DO UPDATE "
			    "SET order_uuid = excluded.order_uuid, payment_uuid = COALESCE("
			    "excluded.payment_uuid, payment_refs.payment_uuid), state = excluded.state, "
			    "amount = excluded.amount, refunded = excluded.refunded, currency = "
			    "excluded.currency, updated_at = excluded.updated_at",
			    (const char *[]){r->provider, r->pe.remote_id, r->store, r->order_uuid,
					     r->payment_uuid[0] ? r->payment_uuid : NULL,
					     res->exists ? seam_payment_state_name(res->state) : NULL,
					     *a ? a : NULL, *rf ? rf : NULL,
					     res->currency[0] ? res->currency : NULL, now},
			    10, NULL, NULL);
		const char *event = plan->action == SEAM_PAYMENT_ACT_PLAN        ? "payment.applied"
				    : plan->action == SEAM_PAYMENT_ACT_RECORD_ONLY ? "payment.recorded"
										   : "payment.unchanged";
		seam_timeline_add(db, "order", r->order_uuid, r->job->correlation_id, r->provider, event,
				  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "event_id", r->pe.event_id,
					    "provider_type", r->pe.event_type, "remote_id", r->pe.remote_id,
					    "plan", summary, "reason", seam_payment_reason_name(plan->reason),
					    "payment_state",
					    res->exists ? seam_payment_state_name(res->state) : NULL),
				  NULL);
	}
	seam_db_commit(db, NULL);
	seam_store_release(r->fp->env.store, db);
}

static seam_err_t apply_event(seam_job_t const *job, seam_job_result_t *res, void *ud)
{
	seam_flow_payments_t *fp = ud;
	run_t r = {.fp = fp, .job = job, .res = res};
	seam_error_t err = {0};
	json_t *payload = json_loads(job->payload, 0, NULL), *doc = NULL;
	char *body = NULL;
	seam_err_t rc;
	const seam_provider_t *prov;
	size_t pi;

	r.provider = json_string_value(json_object_get(payload, "provider"));
	r.source = json_string_value(json_object_get(payload, "source"));
	const char *event_id = json_string_value(json_object_get(payload, "event_id"));
	if (!r.provider || !r.source || !event_id || !(prov = seam_providers_find(r.provider)) ||
	    !prov->normalize) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "job payload lacks provider/source/event_id");
		goto out;
	}
	pi = seam_providers_index(prov);
	r.store = seam_providers_store(prov, fp->env.sources, r.source);
	r.sc = r.store ? seam_cfg_map_get(fp->env.stores, r.store) : NULL;
	if (!r.sc) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "store for %s/%s is not configured", r.provider,
				   r.source);
		goto out;
	}
	r.drupal = r.sc->drupal.upstream ? fp->env.upstream(fp->env.upstream_ud, r.sc->drupal.upstream)
					 : NULL;
	if (!r.drupal) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "stores.%s.drupal.upstream is not configured",
				   r.store);
		goto out;
	}
	if ((rc = load_inbox(&r, event_id, &body, &err)) != SEAM_OK) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "%s", err.msg);
		goto out;
	}
	doc = json_loads(body, 0, NULL);
	seam_psp_source_t src = {.store = r.store, .webhook_id = event_id,
				 .rules = fp->rules[pi], .nrules = fp->nrules[pi]};
	if (!doc || prov->normalize(doc, &src, &r.pe, &err) != SEAM_OK) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "unusable %s event %s: %s", r.provider,
				   event_id, doc ? err.msg : "body is not JSON");
		goto out;
	}
	if (r.pe.type == SEAM_PAYMENT_EV_IGNORED) {
		seam_metric_add(fp->env.metrics, SEAM_M_PAYMENT_EVENTS, (const char *[]){r.provider, "ignored"}, 1);
		rc = SEAM_OK;
		goto out;
	}
	if (seam_psp_event_to_payment(&r.pe, &r.ev, &err) != SEAM_OK) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "%s", err.msg);
		goto out;
	}
	if (!find_order(&r)) {
		/* The event that carries the order (or the cross-reference) may still come. */
		rc = seam_job_fail(res, SEAM_RETRY, 0, "no order known yet for %s payment %s",
				   r.provider, r.pe.remote_id);
		goto out;
	}

	pthread_mutex_t *lock = &fp->locks[stripe_of(r.pe.remote_id)];
	pthread_mutex_lock(lock);
	seam_drupal_outcome_t oc = {0};
	json_t *order = NULL;
	rc = seam_drupal_get_order(r.drupal, job->correlation_id, NULL, r.order_uuid, &order, &oc, &err);
	json_decref(order);
	if (rc == SEAM_NOTFOUND) {
		/* Provider faster than the storefront: retry with backoff, not a dead letter at once. */
		rc = seam_job_fail(res, SEAM_RETRY, oc.retry_after_ms, "order %s is not visible in Drupal yet",
				   r.order_uuid);
		goto unlock;
	}
	if (rc != SEAM_OK) {
		rc = seam_flow_job_error(rc, oc.retry_after_ms, "Drupal order", &err, res);
		goto unlock;
	}
	seam_payment_event_t seen[MAX_SEEN];
	char ids[MAX_SEEN][SEAM_PSP_ID_MAX];
	size_t nseen = load_seen(&r, seen, ids);
	seam_payment_plan_t plan = {0};
	char summary[256] = "";
	for (int attempt = 0; attempt < REPLANS; attempt++) {
		char current_state[SEAM_DRUPAL_STATE_MAX] = "";
		if ((rc = read_payment(&r, &oc, &err)) != SEAM_OK) {
			rc = seam_flow_job_error(rc, oc.retry_after_ms, "Drupal payment lookup", &err, res);
			goto unlock;
		}
		if (seam_payment_resolve(&r.cur, seen, nseen, &r.ev, &plan, &err) != SEAM_OK) {
			rc = seam_job_fail(res, SEAM_PERMANENT, 0, "resolve: %s", err.msg);
			goto unlock;
		}
		seam_payment_plan_format(&plan, r.pe.currency[0] ? r.pe.currency : r.cur.currency,
					 summary, sizeof summary);
		rc = SEAM_OK;
		for (size_t i = 0; i < plan.nsteps && plan.action == SEAM_PAYMENT_ACT_PLAN; i++) {
			rc = do_step(&r, &plan.steps[i], &oc, current_state, &err);
			if (rc != SEAM_OK)
				break;
			seam_payment_apply(&r.cur, &plan.steps[i], NULL);
		}
		if (rc != SEAM_CONFLICT)
			break;
		/* The payment moved under us (another event, an admin): read it again and re-plan. */
		seam_logf(fp->env.log, SEAM_LOG_INFO, "payments", job->correlation_id,
			  json_pack("{s:s, s:s}", "remote_id", r.pe.remote_id, "current_state", current_state),
			  "payment changed during the plan; planning again");
	}
	if (rc == SEAM_CONFLICT) {
		plan.action = SEAM_PAYMENT_ACT_RECORD_ONLY;
		plan.reason = SEAM_PAYMENT_WHY_CONFLICT;
		snprintf(summary, sizeof summary, "record_only: conflict (bridge refused after %d plans)",
			 REPLANS);
		rc = SEAM_OK;
	}
	if (rc != SEAM_OK) {
		rc = seam_flow_job_error(rc, oc.retry_after_ms, "Drupal", &err, res);
		goto unlock;
	}
	record(&r, &plan, summary);
	seam_metric_add(fp->env.metrics, SEAM_M_PAYMENT_EVENTS,
			(const char *[]){r.provider, seam_payment_action_name(plan.action)}, 1);
	seam_metric_observe(fp->env.metrics, SEAM_M_PAYMENT_APPLY_LATENCY, (const char *[]){r.provider},
			    (double)(seam_now_ms() - job->created_at) / 1000.0);
	seam_logf(fp->env.log, SEAM_LOG_INFO, "payments", job->correlation_id,
		  json_pack("{s:s, s:s, s:s, s:s}", "provider", r.provider, "event_id", r.pe.event_id,
			    "order_uuid", r.order_uuid, "plan", summary),
		  "payment event %s", seam_payment_action_name(plan.action));
unlock:
	pthread_mutex_unlock(lock);
out:
	json_decref(doc);
	json_decref(payload);
	free(body);
	return rc;
}

/* ---- what seam ctl trace reads ---- */

seam_err_t seam_flow_payments_order_of(seam_store_t *st, const char *id, char order_uuid[64],
				       seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
					"SELECT order_uuid FROM payment_refs WHERE order_uuid IS NOT "
					"NULL AND (remote_id = $1 OR remote_id IN (SELECT remote_id "
					"FROM payment_events WHERE event_id = $1)) ORDER BY updated_at "
					"DESC",
					&s, err);
	order_uuid[0] = '\0';
	if (rc == SEAM_OK) {
		seam_stmt_bind_text(s, 1, id);
		rc = seam_stmt_step(s, err);
		if (rc == SEAM_ROW) {
			snprintf(order_uuid, 64, "%s", seam_stmt_column_text(s, 0));
			rc = SEAM_OK;
		} else if (rc == SEAM_DONE) {
			rc = SEAM_NOTFOUND;
		}
		seam_stmt_reset(s);
	}
	seam_store_release(st, db);
	return rc;
}

static json_t *payment_row(seam_stmt_t *s)
{
	char at[25];
	seam_rfc3339_ms(seam_stmt_column_int64(s, 8), at);
#define COL(i) seam_stmt_column_text(s, i)
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}", "provider", COL(0),
			 "remote_id", COL(1), "store", COL(2), "payment_uuid", COL(3), "state",
			 COL(4), "amount", COL(5), "refunded", COL(6), "currency", COL(7),
			 "updated_at", at);
#undef COL
}

seam_err_t seam_flow_payments_of_order(seam_store_t *st, const char *order_uuid, json_t **out,
				       seam_error_t *err)
{
	return seam__flow_rows(st,
		    "SELECT provider, remote_id, store, payment_uuid, state, amount, refunded, "
		    "currency, updated_at FROM payment_refs WHERE order_uuid = $1 ORDER BY "
		    "updated_at",
		    order_uuid, payment_row, out, err);
}

/* An order id of payment_row, kept for the single payment (REST). */
static json_t *payment_ref_row(seam_stmt_t *s)
{
	json_t *o = payment_row(s);
	json_object_set_new(o, "order_uuid", seam_stmt_column_is_null(s, 9)
						      ? json_null()
						      : json_string(seam_stmt_column_text(s, 9)));
	return o;
}

static json_t *history_row(seam_stmt_t *s)
{
	char at[25] = "", seen[25];
	if (!seam_stmt_column_is_null(s, 5))
		seam_rfc3339_ms(seam_stmt_column_int64(s, 5), at);
	seam_rfc3339_ms(seam_stmt_column_int64(s, 6), seen);
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s}", "event_id",
			 seam_stmt_column_text(s, 0), "type", seam_stmt_column_text(s, 1),
			 "outcome", seam_stmt_column_text(s, 2), "currency",
			 seam_stmt_column_text(s, 3), "provider", seam_stmt_column_text(s, 4),
			 "occurred_at", *at ? at : NULL, "detail", seam_stmt_column_text(s, 7),
			 "recorded_at", seen);
}

seam_err_t seam_flow_payments_find(seam_store_t *st, const char *id, json_t **out,
				   seam_error_t *err)
{
	json_t *refs = NULL, *events = NULL, *p;
	seam_err_t rc;
	*out = NULL;
	rc = seam__flow_rows(st,
		  "SELECT provider, remote_id, store, payment_uuid, state, amount, refunded, "
		  "currency, updated_at, order_uuid FROM payment_refs WHERE remote_id = $1 OR "
		  "payment_uuid = $1 ORDER BY updated_at DESC",
		  id, payment_ref_row, &refs, err);
	if (rc != SEAM_OK)
		return rc;
	if (!(p = json_array_get(refs, 0))) {
		json_decref(refs);
		return seam_errorf(err, SEAM_NOTFOUND, "no payment '%.200s' (a PSP payment id or "
				   "the Drupal payment uuid)", id);
	}
	rc = seam__flow_rows(st,
		  "SELECT event_id, type, outcome, currency, provider, occurred_at, created_at, "
		  "detail FROM payment_events WHERE remote_id = $1 ORDER BY created_at",
		  json_string_value(json_object_get(p, "remote_id")), history_row, &events, err);
	if (rc == SEAM_OK) {
		/* the provider is part of the key: keep this payment's own events */
		const char *prov = json_string_value(json_object_get(p, "provider"));
		json_t *mine = json_array(), *e;
		size_t i;
		json_array_foreach(events, i, e)
			if (!strcmp(json_string_value(json_object_get(e, "provider")), prov))
				json_array_append(mine, e);
		json_object_set_new(p, "events", mine);
		*out = json_incref(p);
	}
	json_decref(events);
	json_decref(refs);
	return rc;
}

static json_t *event_row(seam_stmt_t *s)
{
	return json_pack("{s:s, s:s}", "provider", seam_stmt_column_text(s, 0), "event_id",
			 seam_stmt_column_text(s, 1));
}

seam_err_t seam_flow_payments_events_of_order(seam_store_t *st, const char *order_uuid,
					      json_t **out, seam_error_t *err)
{
	return seam__flow_rows(st,
		    "SELECT pe.provider, pe.event_id FROM payment_events pe JOIN payment_refs pr ON "
		    "pr.provider = pe.provider AND pr.remote_id = pe.remote_id WHERE pr.order_uuid = "
		    "$1 ORDER BY pe.created_at",
		    order_uuid, event_row, out, err);
}

/* payment_events.<provider>: the section's map for a provider of the table, by its name (the
 * section's keys are the rows' names); NULL for none, or without a section. */
static const struct {
	const char *provider;
	size_t off;
} event_maps[] = {
	{"stripe", offsetof(seam_payments_config_t, stripe)},
	{"adyen", offsetof(seam_payments_config_t, adyen)},
	{"standard", offsetof(seam_payments_config_t, standard)},
};

static const seam_strmap_t *events_of(const seam_payments_config_t *pc, const char *provider)
{
	for (size_t i = 0; pc && i < sizeof event_maps / sizeof event_maps[0]; i++)
		if (strcmp(event_maps[i].provider, provider) == 0)
			return (const seam_strmap_t *)((const char *)pc + event_maps[i].off);
	return NULL;
}

/*
 * The built-in table of a provider with the integrator's payment_events applied: an entry
 * for a known provider type changes its canonical type; a new provider type gets the field
 * layout (object, amount field, cumulative, original reference) of the built-in row with the
 * same canonical type whose provider type shares the longest prefix with it, so
 * "charge.succeeded: captured" reads a charge like "charge.captured" does. Keys point into the
 * config (which outlives the flow).
 */
static seam_err_t build_rules(const seam_provider_t *p, const seam_strmap_t *m,
			      seam_psp_rule_t **out, size_t *nout)
{
	size_t n;
	const seam_psp_rule_t *base = p->rules(&n);
	seam_psp_rule_t *rows = calloc(n + m->n + 1, sizeof *rows);
	if (!rows)
		return SEAM_NOMEM;
	memcpy(rows, base, n * sizeof *rows);
	size_t count = n;
	for (size_t i = 0; i < m->n; i++) {
		seam_payment_event_e ev;
		if (seam_payment_event_parse(m->values[i], &ev) != 0) {
			free(rows);
			return SEAM_CONFIG; /* check_config reports it with the key */
		}
		size_t j = 0;
		while (j < count && strcmp(rows[j].provider_type, m->keys[i]) != 0)
			j++;
		if (j == count) { /* a new provider type */
			size_t best = n, best_len = 0;
			for (size_t t = 0; t < n; t++) {
				size_t l = 0;
				if (base[t].type != ev)
					continue;
				while (base[t].provider_type[l] && base[t].provider_type[l] == m->keys[i][l])
					l++;
				if (best == n || l > best_len)
					best = t, best_len = l;
			}
			rows[count] = best < n ? base[best] : (seam_psp_rule_t){0};
			rows[count].provider_type = m->keys[i];
			count++;
		}
		rows[j].type = ev;
	}
	*out = rows;
	*nout = count;
	return SEAM_OK;
}

seam_err_t seam_flow_payments_create(const seam_flow_env_t *env, seam_flow_payments_t **out,
				     seam_error_t *err)
{
	seam_flow_payments_t *fp = calloc(1, sizeof *fp);
	if (!fp)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	fp->env = *env;
	for (int i = 0; i < LOCK_STRIPES; i++)
		pthread_mutex_init(&fp->locks[i], NULL);
	size_t n;
	const seam_provider_t *provs = seam_providers_list(&n);
	fp->nproviders = n;
	fp->rules = calloc(n, sizeof *fp->rules);
	fp->nrules = calloc(n, sizeof *fp->nrules);
	if (!fp->rules || !fp->nrules) {
		seam_flow_payments_destroy(fp);
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const seam_strmap_t *m = events_of(env->config, provs[i].name);
		if (!provs[i].rules || !m || m->n == 0)
			continue; /* the built-in table */
		if (build_rules(&provs[i], m, &fp->rules[i], &fp->nrules[i]) != SEAM_OK) {
			seam_flow_payments_destroy(fp);
			return seam_errorf(err, SEAM_CONFIG, "payment_events: invalid mapping");
		}
	}
	*out = fp;
	return SEAM_OK;
}

void seam_flow_payments_destroy(seam_flow_payments_t *fp)
{
	if (!fp)
		return;
	for (int i = 0; i < LOCK_STRIPES; i++)
		pthread_mutex_destroy(&fp->locks[i]);
	for (size_t i = 0; fp->rules && i < fp->nproviders; i++)
		free(fp->rules[i]);
	free(fp->rules);
	free(fp->nrules);
	free(fp);
}

/* --- what one of its jobs is about ----------------------------------------------------------- */

/* payment.apply carries {"provider", "source", "event_id"}; the event itself is in the inbox.
 * The order: the uuid the event names, else the order seam already linked to the payment, and
 * its number from the orders table; else the order number the event names. */
static void payment_subject(seam_db_t *db, const char *kind, const json_t *payload,
			    seam_job_subject_t *out)
{
	const char *provider = json_string_value(json_object_get(payload, "provider"));
	const char *source = json_string_value(json_object_get(payload, "source"));
	const char *event_id = json_string_value(json_object_get(payload, "event_id"));
	const seam_provider_t *prov;
	char *body = NULL;
	json_t *doc = NULL;
	(void)kind;
	if (!provider || !source || !event_id || !(prov = seam_providers_find(provider)) ||
	    !prov->normalize)
		return;
	/* Stripe and Adyen paths name the store; a Standard Webhooks source is not a store. */
	if (strcmp(prov->param, "store") == 0)
		seam__flow_copy(out->store, sizeof out->store, source);
	if (seam_inbox_body(db, provider, source, event_id, &body, NULL) != SEAM_OK)
		return;
	doc = json_loads(body, 0, NULL);
	free(body);
	seam_psp_event_t *pe = calloc(1, sizeof *pe); /* ~2 KB: not on a list's stack */
	seam_psp_source_t src = {.store = out->store[0] ? out->store : NULL, .webhook_id = event_id};
	if (doc && pe && prov->normalize(doc, &src, pe, NULL) == SEAM_OK) {
		seam__flow_copy(out->order_uuid, sizeof out->order_uuid, pe->order_uuid);
		if (seam_uuid_valid(pe->order_id))
			seam__flow_copy(out->order_uuid, sizeof out->order_uuid, pe->order_id);
		if (!out->order_uuid[0] && pe->remote_id[0]) {
			seam__flow_lookup(db, "SELECT order_uuid FROM payment_refs WHERE provider = $1 "
					      "AND remote_id = $2 AND order_uuid IS NOT NULL",
					  (const char *[]){provider, pe->remote_id}, 2, 0,
					  out->order_uuid, sizeof out->order_uuid);
		}
		seam__flow_subject_order(db, out);
		if (!seam_uuid_valid(pe->order_id))
			seam__flow_copy(out->order_number, sizeof out->order_number, pe->order_id);
	}
	free(pe);
	json_decref(doc);
}

/* --- the registry row ----------------------------------------------------------------------- */

#define F(fld) offsetof(seam_payments_config_t, fld)

static const seam_cfg_field_t config_fields[] = {
	{"stripe", SEAM_CFG_STRMAP, F(stripe), 0, NULL,
	 "Stripe event type -> canonical event (authorized, captured, refunded, voided, expired, "
	 "failed, ignored); overrides or adds to the built-in table.", NULL, NULL, 0, 0},
	{"adyen", SEAM_CFG_STRMAP, F(adyen), 0, NULL, "Adyen eventCode -> canonical event.", NULL,
	 NULL, 0, 0},
	{"standard", SEAM_CFG_STRMAP, F(standard), 0, NULL,
	 "Standard Webhooks type -> canonical event.", NULL, NULL, 0, 0},
};
static const seam_cfg_schema_t config_schema = {"payment_events", sizeof(seam_payments_config_t),
						config_fields,
						sizeof config_fields / sizeof config_fields[0]};

/* payment_events values must be canonical events a provider event can mean. */
static void check_config(const seam_flow_env_t *env, const seam_cfg_check_t *chk)
{
	for (size_t i = 0; env->config && i < sizeof event_maps / sizeof event_maps[0]; i++) {
		const char *name = event_maps[i].provider;
		const seam_strmap_t *m = events_of(env->config, name);
		for (size_t j = 0; j < m->n; j++) {
			seam_payment_event_e ev;
			if (seam_payment_event_parse(m->values[j], &ev) != 0 ||
			    ev == SEAM_PAYMENT_EV_CANCEL_OR_REFUND)
				seam_cfg_check_addf(chk, 0,
						    "payment_events.%s.%s: '%s' is not one of authorized, "
						    "captured, refunded, voided, expired, failed, ignored",
						    name, m->keys[j], m->values[j]);
		}
	}
}

static seam_err_t create(const seam_flow_env_t *env, void **out, seam_error_t *err)
{
	return seam_flow_payments_create(env, (seam_flow_payments_t **)out, err);
}

static void destroy(void *fp)
{
	seam_flow_payments_destroy(fp);
}

static const seam_flow_job_t jobs[] = {{SEAM_JOB_PAYMENT_APPLY, apply_event}};
static const seam_metric_id_e metrics[] = {SEAM_M_PAYMENT_EVENTS, SEAM_M_PAYMENT_APPLY_LATENCY};

const seam_flow_def_t seam_flow_payments = {
	.name = SEAM_FLOW_PAYMENTS,
	.summary = "Payment events (Stripe, Adyen, Standard Webhooks) onto Drupal payments.",
	.config_key = "payment_events",
	.config_doc = "Changes to how provider events map onto payment events.",
	.config = &config_schema,
	.check = check_config,
	.create = create,
	.destroy = destroy,
	.jobs = jobs,
	.njobs = sizeof jobs / sizeof jobs[0],
	.metrics = metrics,
	.nmetrics = sizeof metrics / sizeof metrics[0],
	.subject = payment_subject,
};
