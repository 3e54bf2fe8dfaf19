/*
 * ctl_trace.c: `seam ctl trace <what> [--json]`, one order's story across systems: what seam
 * knows of the order (store, number, ERP number, export state, and its payments' state), its
 * timeline (events received, export attempts and their errors, write-back, payment events)
 * and the jobs that worked on it, and nothing of any other order.
 *
 * <what> is resolved in this order, first match wins:
 *   1. an order uuid or order number seam knows (orders: noted when its event arrived or the
 *      poller found it, so an order whose export job is still queued is found too);
 *   2. a PSP payment id (payment_refs.remote_id: "pi_...", Adyen's pspReference);
 *   3. a provider event id (the inbox: a Stripe "evt_...", an Adyen or Standard Webhooks id, a
 *      storefront event's webhook-id), through the payment or order it was about; an event
 *      whose order is not known yet is shown on its own, with its job;
 *   4. any other uuid: the timeline of that order uuid;
 *   5. a correlation id: every timeline entry with it (a request, a job, a poll run).
 *
 * ctl runs no SQL: each read goes through the module that owns the table (flows/orders,
 * flows/payments, inbox, queue/queue_admin, flows/timeline); flows/trace resolves the argument
 * and assembles the story (seam_trace_lookup), the same one GET /v1/trace/{id} answers (and GET
 * /v1/orders/{id}/timeline for an order).
 */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "ctl/table.h"
#include "flows/trace.h"

#define USAGE "usage: seam ctl trace <order uuid | order number | payment id | event id | SKU | " \
	      "PIM product | correlation id> [--json]\n"

static void print_timeline(FILE *out, json_t *tl)
{
	static const seam_table_col_t cols[] = {
		{"at", 24, SEAM_TABLE_TEXT},     {"system", 8, SEAM_TABLE_TEXT},
		{"event", 26, SEAM_TABLE_TEXT},  {"correlation_id", 16, SEAM_TABLE_TEXT},
		{"detail", 70, SEAM_TABLE_TEXT},
	};
	seam_table_t *t = seam_table_create(cols, 5);
	size_t i;
	json_t *e;
	json_array_foreach(tl, i, e) {
		json_t *d = json_object_get(e, "detail");
		char *ds = json_is_null(d) || !d ? NULL : json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
		const char *row[] = {json_string_value(json_object_get(e, "at")),
				     json_string_value(json_object_get(e, "system")),
				     json_string_value(json_object_get(e, "event")),
				     json_string_value(json_object_get(e, "correlation_id")), ds};
		seam_table_add(t, row);
		free(ds);
	}
	seam_table_print(t, out, 0);
	seam_table_destroy(t);
}

static void print_jobs(FILE *out, json_t *jobs)
{
	static const seam_table_col_t jc[] = {
		{"id", 36, SEAM_TABLE_TEXT},      {"kind", 16, SEAM_TABLE_TEXT},
		{"state", 10, SEAM_TABLE_TEXT},   {"attempts", 0, SEAM_TABLE_INT},
		{"last_error", 60, SEAM_TABLE_TEXT},
	};
	seam_table_t *t = seam_table_create(jc, 5);
	size_t i;
	json_t *j;
	json_array_foreach(jobs, i, j) {
		char at[24];
		snprintf(at, sizeof at, "%lld", (long long)json_integer_value(json_object_get(j, "attempts")));
		const char *row[] = {json_string_value(json_object_get(j, "id")),
				     json_string_value(json_object_get(j, "kind")),
				     json_string_value(json_object_get(j, "state")), at,
				     json_string_value(json_object_get(j, "last_error"))};
		seam_table_add(t, row);
	}
	fprintf(out, "\njobs\n");
	seam_table_print(t, out, 0);
	seam_table_destroy(t);
}

static const char *str(json_t *o, const char *k, const char *def)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : def;
}

static void print_human(FILE *out, json_t *result)
{
	json_t *orders = json_object_get(result, "orders"), *o;
	json_t *event = json_object_get(result, "event");
	size_t i;
	json_array_foreach(orders, i, o)
		fprintf(out, "order %s  store %s  number %s  state %s  export %s  ERP %s  total %s %s\n",
			str(o, "order_uuid", "-"), str(o, "store", "-"), str(o, "order_number", "-"),
			str(o, "order_state", "-"), str(o, "export_state", "-"),
			str(o, "erp_number", "-"), str(o, "total", "-"), str(o, "currency", ""));
	if (!json_array_size(orders) && json_object_get(result, "order_uuid"))
		fprintf(out, "order %s  (not exported by seam)\n", str(result, "order_uuid", "-"));
	json_array_foreach(json_object_get(result, "payments"), i, o)
		fprintf(out, "payment %s %s  state %s  amount %s %s  refunded %s%s%s\n",
			str(o, "provider", "-"), str(o, "remote_id", "-"), str(o, "state", "unknown"),
			str(o, "amount", "-"), str(o, "currency", ""), str(o, "refunded", "0"),
			json_object_get(o, "payment_uuid") ? "  drupal payment " : "",
			str(o, "payment_uuid", ""));
	if (json_object_get(result, "order_uuid") && !json_array_size(json_object_get(result, "payments")))
		fprintf(out, "payment  none seen\n");
	if ((o = json_object_get(result, "product")))
		fprintf(out, "product %s  store %s  state %s  drupal %s%s%s\n", str(o, "pim_id", "-"),
			str(o, "store", "-"), str(o, "state", "-"), str(o, "drupal_uuid", "-"),
			json_object_get(o, "reason") && !json_is_null(json_object_get(o, "reason")) ? "  reason " : "",
			str(o, "reason", ""));
	if (event)
		fprintf(out, "event %s  %s/%s  type %s  received %s%s\n", str(event, "event_id", "-"),
			str(event, "provider", "-"), str(event, "source", "-"), str(event, "type", "-"),
			str(event, "received_at", "-"),
			json_object_get(result, "order_uuid") ? ""
							      : "  (its order is not known until its job runs)");
	if (json_object_get(result, "timeline")) {
		fprintf(out, "\ntimeline (%zu entries)\n",
			json_array_size(json_object_get(result, "timeline")));
		print_timeline(out, json_object_get(result, "timeline"));
	}
	if (json_array_size(json_object_get(result, "jobs")))
		print_jobs(out, json_object_get(result, "jobs"));
}

int seam_ctl_trace(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	seam_error_t err = {0};
	json_t *result = json_object();
	const char *arg = NULL;
	int code = 0, json = ctx->json, found;

	/* --json is taken after the command too: `seam ctl trace 101 --json`. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!arg && argv[i][0] != '-') {
			arg = argv[i];
		} else {
			fprintf(ctx->err, USAGE);
			json_decref(result);
			return 2;
		}
	}
	if (!arg) {
		fprintf(ctx->err, USAGE);
		json_decref(result);
		return 2;
	}
	/* the resolution order above is flows/trace.c's, shared with GET /v1/trace/{id} */
	if ((found = seam_trace_lookup(ctx->store, arg, result, &err)) < 0) {
		fprintf(ctx->err, "seam ctl trace: %s\n", err.msg);
		json_decref(result);
		return 1;
	}
	if (!found) {
		fprintf(ctx->err, "seam ctl trace: nothing is known of '%s' (not an order uuid, order "
				  "number, payment id, event id, SKU, PIM product or correlation id seam has "
				  "seen)\n", arg);
		code = 1;
	}
	if (json) {
		json_dumpf(result, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	} else if (code == 0) {
		print_human(ctx->out, result);
	}
	json_decref(result);
	return code;
}
