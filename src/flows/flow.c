/*
 * flow.c: helpers shared by the flows.
 */
#include "flows/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/payment.h"

static const seam_flow_def_t flows[] = {
	{SEAM_FLOW_ORDERS, "Order export to the ERP, write-back, cancel, the order poller.",
	 SEAM_JOB_ORDER_EXPORT "," SEAM_JOB_ORDER_CANCEL "," SEAM_JOB_ORDER_POLL},
	{SEAM_FLOW_PAYMENTS, "Payment events (Stripe, Adyen, Standard Webhooks) onto Drupal payments.",
	 SEAM_JOB_PAYMENT_APPLY},
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
