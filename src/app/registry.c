/*
 * registry.c: the one table of flows (see registry.h), and the `flows:` section it owns.
 *
 * Adding a flow: write src/flows/<name>.{c,h} with its `const seam_flow_def_t` (name, summary,
 * config section, check, create/destroy, start, job kinds with their handlers, its metrics,
 * its ctl commands), add its metric rows to SEAM_METRICS (core/metrics.h), and add one row
 * below. Order: the order flows are listed in (and their config sections appear in).
 */
#include "app/registry.h"

#include <stddef.h>

#include "flows/catalog.h"
#include "flows/orders.h"
#include "flows/payments.h"
#include "flows/reconcile.h"
#include "flows/stock.h"
#include "flows/tax.h"

static const seam_flow_def_t *const rows[] = {
	&seam_flow_orders,
	&seam_flow_payments,
	&seam_flow_catalog,
	&seam_flow_stock,
	&seam_flow_tax,
	&seam_flow_reconcile,
};

static const seam_flows_t registry = {rows, sizeof rows / sizeof rows[0]};

const seam_flows_t *seam_app_flows(void)
{
	return &registry;
}

/* --- flows: ----------------------------------------------------------------------------- */

static const seam_cfg_field_t limits_fields[] = {
	{"max_concurrency", SEAM_CFG_INT, offsetof(seam_app_flow_limits_t, max_concurrency), 0, "0",
	 "Jobs of this flow running at once across all workers and instances (0: no limit).",
	 NULL, NULL, 0, 10000},
};

const seam_cfg_schema_t seam_app_flow_limits_schema = {
	"flow", sizeof(seam_app_flow_limits_t), limits_fields,
	sizeof limits_fields / sizeof limits_fields[0]};

void seam_app_flow_limits_check(const seam_flows_t *fl, const seam_cfg_map_t *limits,
				const seam_cfg_check_t *chk)
{
	char known[256];
	seam_flows_list(fl, 0, known, sizeof known);
	for (size_t i = 0; i < limits->n; i++)
		if (!seam_flows_find(fl, limits->names[i]))
			seam_cfg_check_addf(chk, 0, "flows.%s: no such flow (%s)", limits->names[i],
					    known);
}

seam_err_t seam_app_flow_limits_apply(const seam_cfg_map_t *limits, seam_queue_t *q,
				      seam_error_t *err)
{
	for (size_t i = 0; i < limits->n; i++) {
		const seam_app_flow_limits_t *f = limits->items[i];
		seam_err_t rc = seam_queue_flow_limit(q, limits->names[i], (int)f->max_concurrency, err);
		if (rc != SEAM_OK)
			return rc;
	}
	return SEAM_OK;
}
