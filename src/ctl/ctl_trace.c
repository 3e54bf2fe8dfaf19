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
 */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "ctl/table.h"
#include "flows/timeline.h"

#define USAGE "usage: seam ctl trace <order uuid | order number | payment id | event id | " \
	      "correlation id> [--json]\n"

static const char *col(seam_stmt_t *s, int i)
{
	return seam_stmt_column_text(s, i);
}

/* Orders matching a uuid or an order number (several stores may share numbers). */
static json_t *find_orders(seam_store_t *st, const char *arg)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *arr = json_array();
	if (seam_db_prepare(db,
			    "SELECT store, order_uuid, order_number, order_state, export_state, "
			    "erp_number, total, currency, placed_at, exported_at FROM orders "
			    "WHERE order_uuid = $1 OR order_number = $1 ORDER BY store",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, arg);
		while (seam_stmt_step(s, NULL) == SEAM_ROW) {
			char placed[25] = "", exported[25] = "";
			if (!seam_stmt_column_is_null(s, 8))
				seam_rfc3339_ms(seam_stmt_column_int64(s, 8), placed);
			if (!seam_stmt_column_is_null(s, 9))
				seam_rfc3339_ms(seam_stmt_column_int64(s, 9), exported);
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}",
					       "store", col(s, 0), "order_uuid", col(s, 1), "order_number",
					       col(s, 2), "order_state", col(s, 3), "export_state", col(s, 4),
					       "erp_number", col(s, 5), "total", col(s, 6), "currency",
					       col(s, 7), "placed_at", *placed ? placed : NULL,
					       "exported_at", *exported ? exported : NULL));
		}
	}
	seam_store_release(st, db);
	return arr;
}

/* The order uuid a PSP payment id or a provider event id leads to, into out (64 bytes);
 * *event (may stay NULL) gets the inbox event when arg is an event id. 1 when an order was
 * found. */
static int resolve_other(seam_store_t *st, const char *arg, char out[64], json_t **event)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	int found = 0;
	out[0] = '\0';
	/* a PSP payment id, or the event id of a payment event seam has worked */
	if (seam_db_prepare(db,
			    "SELECT order_uuid FROM payment_refs WHERE order_uuid IS NOT NULL AND "
			    "(remote_id = $1 OR remote_id IN (SELECT remote_id FROM payment_events "
			    "WHERE event_id = $1)) ORDER BY updated_at DESC",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, arg);
		if (seam_stmt_step(s, NULL) == SEAM_ROW) {
			snprintf(out, 64, "%s", col(s, 0));
			found = 1;
		}
	}
	/* an event in the inbox: a storefront event names its order; a PSP event whose job
	 * has not run yet names none seam can read without working it */
	if (seam_db_prepare(db,
			    "SELECT provider, source, event_type, received_at, job_id, body FROM inbox "
			    "WHERE event_id = $1 ORDER BY received_at",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, arg);
		if (seam_stmt_step(s, NULL) == SEAM_ROW) {
			char at[25];
			seam_rfc3339_ms(seam_stmt_column_int64(s, 3), at);
			*event = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?}", "event_id", arg, "provider",
					   col(s, 0), "source", col(s, 1), "type", col(s, 2),
					   "received_at", at, "job_id", col(s, 4));
			if (!found && !strcmp(col(s, 0), "drupal")) {
				json_t *body = json_loads(col(s, 5), 0, NULL);
				const char *o = json_string_value(
					json_object_get(json_object_get(body, "data"), "order_uuid"));
				if (o && seam_uuid_valid(o)) {
					snprintf(out, 64, "%s", o);
					found = 1;
				}
				json_decref(body);
			}
		}
	}
	seam_store_release(st, db);
	return found;
}

/* The order's payments as seam last saw or made them. */
static json_t *find_payments(seam_store_t *st, const char *uuid)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *arr = json_array();
	if (seam_db_prepare(db,
			    "SELECT provider, remote_id, store, payment_uuid, state, amount, refunded, "
			    "currency, updated_at FROM payment_refs WHERE order_uuid = $1 ORDER BY "
			    "updated_at",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, uuid);
		while (seam_stmt_step(s, NULL) == SEAM_ROW) {
			char at[25];
			seam_rfc3339_ms(seam_stmt_column_int64(s, 8), at);
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}",
					       "provider", col(s, 0), "remote_id", col(s, 1), "store",
					       col(s, 2), "payment_uuid", col(s, 3), "state", col(s, 4),
					       "amount", col(s, 5), "refunded", col(s, 6), "currency",
					       col(s, 7), "updated_at", at));
		}
	}
	seam_store_release(st, db);
	return arr;
}

static void add_job(json_t *arr, seam_stmt_t *s)
{
	char at[25];
	seam_rfc3339_ms(seam_stmt_column_int64(s, 5), at);
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:s?, s:s}", "id", col(s, 0),
					     "kind", col(s, 1), "state", col(s, 2), "attempts",
					     (json_int_t)seam_stmt_column_int64(s, 3), "last_error",
					     col(s, 4), "updated_at", at));
}

/* The jobs made for the order: those whose dedup key or payload names it (export, cancel),
 * and the payment jobs of the events about its payments. */
static json_t *find_jobs(seam_store_t *st, const char *uuid)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *arr = json_array();
	char like[128];
	snprintf(like, sizeof like, "%%%s%%", uuid);
	if (seam_db_prepare(db,
			    "SELECT id, kind, state, attempts, last_error, updated_at FROM jobs "
			    "WHERE dedup_key LIKE $1 OR payload LIKE $1 OR id IN (SELECT i.job_id FROM "
			    "inbox i JOIN payment_events pe ON pe.provider = i.provider AND pe.event_id "
			    "= i.event_id JOIN payment_refs pr ON pr.provider = pe.provider AND "
			    "pr.remote_id = pe.remote_id WHERE pr.order_uuid = $2 AND i.job_id IS NOT "
			    "NULL) ORDER BY created_at",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, like);
		seam_stmt_bind_text(s, 2, uuid);
		while (seam_stmt_step(s, NULL) == SEAM_ROW)
			add_job(arr, s);
	}
	seam_store_release(st, db);
	return arr;
}

static json_t *find_job(seam_store_t *st, const char *id)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *arr = json_array();
	if (id && seam_db_prepare(db,
				  "SELECT id, kind, state, attempts, last_error, updated_at FROM jobs "
				  "WHERE id = $1",
				  &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, id);
		while (seam_stmt_step(s, NULL) == SEAM_ROW)
			add_job(arr, s);
	}
	seam_store_release(st, db);
	return arr;
}

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
	seam_store_t *st = ctx->store;
	seam_error_t err = {0};
	json_t *result = json_object(), *orders = NULL, *tl = NULL, *event = NULL;
	const char *arg = NULL;
	char uuid[64] = "";
	int code = 0, json = ctx->json;

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
	orders = find_orders(st, arg);
	if (json_array_size(orders) > 0) {
		snprintf(uuid, sizeof uuid, "%s", str(json_array_get(orders, 0), "order_uuid", ""));
	} else if (resolve_other(st, arg, uuid, &event)) {
		json_decref(orders);
		orders = find_orders(st, uuid);
	} else if (!event && seam_uuid_valid(arg)) {
		snprintf(uuid, sizeof uuid, "%s", arg);
	}
	if (event)
		json_object_set(result, "event", event);
	if (*uuid) {
		if (seam_timeline_for_entity(st, "order", uuid, &tl, &err) != SEAM_OK)
			goto fail;
		json_object_set_new(result, "order_uuid", json_string(uuid));
		json_object_set(result, "orders", orders);
		json_object_set_new(result, "payments", find_payments(st, uuid));
		json_object_set_new(result, "jobs", find_jobs(st, uuid));
	} else if (event) {
		json_object_set_new(result, "jobs", find_job(st, str(event, "job_id", NULL)));
	} else {
		if (seam_timeline_for_cid(st, arg, &tl, &err) != SEAM_OK)
			goto fail;
		json_object_set_new(result, "correlation_id", json_string(arg));
	}
	if (tl)
		json_object_set_new(result, "timeline", tl);
	if (json_array_size(tl) == 0 && json_array_size(orders) == 0 && !event) {
		fprintf(ctx->err, "seam ctl trace: nothing is known of '%s' (not an order uuid, order "
				  "number, payment id, event id or correlation id seam has seen)\n", arg);
		code = 1;
	}
	if (json) {
		json_dumpf(result, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	} else if (code == 0) {
		print_human(ctx->out, result);
	}
	json_decref(event);
	json_decref(orders);
	json_decref(result);
	return code;
fail:
	fprintf(ctx->err, "seam ctl trace: %s\n", err.msg);
	json_decref(event);
	json_decref(orders);
	json_decref(result);
	return 1;
}
