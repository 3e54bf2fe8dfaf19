/*
 * flow.c: helpers shared by the flows.
 */
#include "flows/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/providers.h"
#include "core/ids.h"
#include "domain/payment.h"
#include "domain/psp_event.h"
#include "inbox/inbox.h"

/* --- what a job is about ------------------------------------------------------------------ */

static void copy(char *dst, size_t cap, const char *src)
{
	if (src && *src && !*dst)
		snprintf(dst, cap, "%s", src);
}

/* One text column of a one-row query with text parameters; "" when no row. */
static void lookup(seam_db_t *db, const char *sql, const char *const *params, int n, int col,
		   char *out, size_t cap)
{
	seam_stmt_t *s;
	if (seam_db_prepare(db, sql, &s, NULL) != SEAM_OK)
		return;
	for (int i = 0; i < n; i++)
		seam_stmt_bind_text(s, i + 1, params[i]);
	if (seam_stmt_step(s, NULL) == SEAM_ROW)
		copy(out, cap, seam_stmt_column_text(s, col));
	seam_stmt_reset(s);
}

/* The order's number (and its store when not known yet) from the orders table. */
static void from_orders(seam_db_t *db, seam_job_subject_t *out)
{
	if (!out->order_uuid[0])
		return;
	if (out->store[0]) {
		lookup(db, "SELECT order_number FROM orders WHERE store = $1 AND order_uuid = $2",
		       (const char *[]){out->store, out->order_uuid}, 2, 0, out->order_number,
		       sizeof out->order_number);
		return;
	}
	char store[64] = "";
	lookup(db, "SELECT store FROM orders WHERE order_uuid = $1 ORDER BY store",
	       (const char *[]){out->order_uuid}, 1, 0, store, sizeof store);
	copy(out->store, sizeof out->store, store);
	if (store[0])
		from_orders(db, out);
}

/* order.export / order.cancel / order.poll carry {"store", "order_uuid"?}. */
static void order_subject(seam_db_t *db, const char *kind, const json_t *payload,
			  seam_job_subject_t *out)
{
	(void)kind;
	copy(out->store, sizeof out->store, json_string_value(json_object_get(payload, "store")));
	copy(out->order_uuid, sizeof out->order_uuid,
	     json_string_value(json_object_get(payload, "order_uuid")));
	from_orders(db, out);
}

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
		copy(out->store, sizeof out->store, source);
	if (seam_inbox_body(db, provider, source, event_id, &body, NULL) != SEAM_OK)
		return;
	doc = json_loads(body, 0, NULL);
	free(body);
	seam_psp_event_t *pe = calloc(1, sizeof *pe); /* ~2 KB: not on a list's stack */
	seam_psp_source_t src = {.store = out->store[0] ? out->store : NULL, .webhook_id = event_id};
	if (doc && pe && prov->normalize(doc, &src, pe, NULL) == SEAM_OK) {
		copy(out->order_uuid, sizeof out->order_uuid, pe->order_uuid);
		if (seam_uuid_valid(pe->order_id))
			copy(out->order_uuid, sizeof out->order_uuid, pe->order_id);
		if (!out->order_uuid[0] && pe->remote_id[0]) {
			lookup(db, "SELECT order_uuid FROM payment_refs WHERE provider = $1 AND "
				   "remote_id = $2 AND order_uuid IS NOT NULL",
			       (const char *[]){provider, pe->remote_id}, 2, 0, out->order_uuid,
			       sizeof out->order_uuid);
		}
		from_orders(db, out);
		if (!seam_uuid_valid(pe->order_id))
			copy(out->order_number, sizeof out->order_number, pe->order_id);
	}
	free(pe);
	json_decref(doc);
}

static const seam_flow_def_t flows[] = {
	{SEAM_FLOW_ORDERS, "Order export to the ERP, write-back, cancel, the order poller.",
	 SEAM_JOB_ORDER_EXPORT "," SEAM_JOB_ORDER_CANCEL "," SEAM_JOB_ORDER_POLL, order_subject},
	{SEAM_FLOW_PAYMENTS, "Payment events (Stripe, Adyen, Standard Webhooks) onto Drupal payments.",
	 SEAM_JOB_PAYMENT_APPLY, payment_subject},
};
#define NFLOWS (sizeof flows / sizeof flows[0])

const seam_flow_def_t *seam_flows_registered(size_t *n)
{
	*n = NFLOWS;
	return flows;
}

const seam_flow_def_t *seam_flow_find(const char *name)
{
	for (size_t i = 0; name && i < NFLOWS; i++)
		if (strcmp(flows[i].name, name) == 0)
			return &flows[i];
	return NULL;
}

/* "orders, payments" */
static const char *known_list(char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NFLOWS && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", flows[i].name);
	return buf;
}

seam_err_t seam_flow_check_name(const char *name, seam_error_t *err)
{
	char known[256];
	if (seam_flow_find(name))
		return SEAM_OK;
	return seam_errorf(err, SEAM_NOTFOUND, "no flow named '%s' (flows: %s)", name ? name : "",
			   known_list(known, sizeof known));
}

size_t seam_flow_names(const char **names, size_t cap)
{
	size_t n = 0;
	for (; n < NFLOWS && n < cap; n++)
		names[n] = flows[n].name;
	return n;
}

void seam_flows_describe_jobs(seam_store_t *st, json_t *jobs)
{
	seam_db_t *db = seam_store_acquire(st);
	size_t i;
	json_t *job;
	json_array_foreach(jobs, i, job) {
		seam_job_subject_t sub;
		memset(&sub, 0, sizeof sub);
		const seam_flow_def_t *f = seam_flow_find(json_string_value(json_object_get(job, "flow")));
		json_t *payload = json_object_get(job, "payload");
		if (f && f->subject && json_is_object(payload))
			f->subject(db, json_string_value(json_object_get(job, "kind")), payload, &sub);
		json_object_set_new(job, "store", sub.store[0] ? json_string(sub.store) : json_null());
		json_object_set_new(job, "order_number",
				    sub.order_number[0] ? json_string(sub.order_number) : json_null());
		json_object_del(job, "payload");
	}
	seam_store_release(st, db);
}

static void add_diag(seam_cfg_diag_t *d, const char *file, const char *fmt, const char *a,
		     const char *b, const char *c)
{
	char msg[512], *line = NULL;
	snprintf(msg, sizeof msg, fmt, a, b, c);
	if (asprintf(&line, "%s: %s", file, msg) < 0)
		return;
	char **grown = realloc(d->lines, (d->n + 1) * sizeof *grown);
	if (!grown) {
		free(line);
		return;
	}
	d->lines = grown;
	d->lines[d->n++] = line;
}

size_t seam_flows_check_config(const seam_config_t *cfg, seam_cfg_diag_t *diag)
{
	const char *file = cfg->path ? cfg->path : "config";
	char known[256];
	size_t before = diag->n;
	known_list(known, sizeof known);
	for (size_t i = 0; i < cfg->flows.n; i++)
		if (!seam_flow_find(cfg->flows.names[i]))
			add_diag(diag, file, "flows.%s: no such flow (%s)%s", cfg->flows.names[i], known, "");
	const struct {
		const char *name;
		const seam_strmap_t *m;
	} pe[] = {{"stripe", &cfg->payment_events.stripe},
		  {"adyen", &cfg->payment_events.adyen},
		  {"standard", &cfg->payment_events.standard}};
	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < pe[i].m->n; j++) {
			seam_payment_event_e ev;
			if (seam_payment_event_parse(pe[i].m->values[j], &ev) != 0 ||
			    ev == SEAM_PAYMENT_EV_CANCEL_OR_REFUND)
				add_diag(diag, file,
					 "payment_events.%s.%s: '%s' is not one of authorized, captured, "
					 "refunded, voided, expired, failed, ignored",
					 pe[i].name, pe[i].m->keys[j], pe[i].m->values[j]);
		}
	}
	return diag->n - before;
}

seam_err_t seam_flows_apply_limits(const seam_config_t *cfg, seam_queue_t *q, seam_error_t *err)
{
	for (size_t i = 0; i < cfg->flows.n; i++) {
		const seam_config_flow_t *f = cfg->flows.items[i];
		seam_err_t rc = seam_queue_flow_limit(q, cfg->flows.names[i], (int)f->max_concurrency, err);
		if (rc != SEAM_OK)
			return rc;
	}
	return SEAM_OK;
}

seam_err_t seam_flow_job_error(seam_err_t rc, int64_t retry_after_ms, const char *what,
			       const seam_error_t *err, void *res)
{
	seam_job_result_t *r = res;
	const char *msg = err && err->msg[0] ? err->msg : seam_strerror(rc);
	seam_err_t out;
	switch (rc) {
	case SEAM_PERMANENT:
	case SEAM_INVAL:
	case SEAM_PARSE:
		out = SEAM_PERMANENT;
		break;
	case SEAM_OPEN_CIRCUIT:
	case SEAM_BUSY:
		/* Nothing was sent: come back later without spending an attempt. */
		out = SEAM_OPEN_CIRCUIT;
		break;
	default:
		out = SEAM_RETRY;
		break;
	}
	return seam_job_fail(r, out, retry_after_ms > 0 ? retry_after_ms : 0, "%s: %s", what, msg);
}
