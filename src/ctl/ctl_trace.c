/*
 * ctl_trace.c: `seam ctl trace <order uuid | order number | correlation id>`, one order's
 * story across systems: what seam knows of the order (store, number, ERP number, export
 * state), its timeline (events received, export attempts and their errors, write-back,
 * payment events) and the jobs that worked on it.
 */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "ctl/table.h"
#include "flows/timeline.h"

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
					       "store", seam_stmt_column_text(s, 0), "order_uuid",
					       seam_stmt_column_text(s, 1), "order_number",
					       seam_stmt_column_text(s, 2), "order_state",
					       seam_stmt_column_text(s, 3), "export_state",
					       seam_stmt_column_text(s, 4), "erp_number",
					       seam_stmt_column_text(s, 5), "total", seam_stmt_column_text(s, 6),
					       "currency", seam_stmt_column_text(s, 7), "placed_at",
					       *placed ? placed : NULL, "exported_at",
					       *exported ? exported : NULL));
		}
	}
	seam_store_release(st, db);
	return arr;
}

/* Jobs whose dedup key or payload names the order (export, cancel, payment jobs). */
static json_t *find_jobs(seam_store_t *st, const char *uuid)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *arr = json_array();
	char like[128];
	snprintf(like, sizeof like, "%%%s%%", uuid);
	if (seam_db_prepare(db,
			    "SELECT id, kind, state, attempts, last_error, updated_at FROM jobs "
			    "WHERE dedup_key LIKE $1 OR payload LIKE $1 ORDER BY created_at",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, like);
		while (seam_stmt_step(s, NULL) == SEAM_ROW) {
			char at[25];
			seam_rfc3339_ms(seam_stmt_column_int64(s, 5), at);
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s, s:I, s:s?, s:s}", "id",
					       seam_stmt_column_text(s, 0), "kind", seam_stmt_column_text(s, 1),
					       "state", seam_stmt_column_text(s, 2), "attempts",
					       (json_int_t)seam_stmt_column_int64(s, 3), "last_error",
					       seam_stmt_column_text(s, 4), "updated_at", at));
		}
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

int seam_ctl_trace(seam_ctl_ctx_t *ctx, int argc, char **argv)
{
	seam_store_t *st = ctx->app->store;
	seam_error_t err = {0};
	json_t *result = json_object(), *orders, *tl = NULL;
	const char *arg;
	int code = 0;

	if (argc != 2) {
		fprintf(ctx->err, "usage: seam ctl trace <order uuid | order number | correlation id>\n");
		json_decref(result);
		return 2;
	}
	arg = argv[1];
	orders = find_orders(st, arg);
	if (json_array_size(orders) > 0 || seam_uuid_valid(arg)) {
		const char *uuid = json_array_size(orders)
					   ? json_string_value(json_object_get(json_array_get(orders, 0), "order_uuid"))
					   : arg;
		if (seam_timeline_for_entity(st, "order", uuid, &tl, &err) != SEAM_OK)
			goto fail;
		json_object_set_new(result, "order_uuid", json_string(uuid));
		json_object_set(result, "orders", orders);
		json_object_set_new(result, "jobs", find_jobs(st, uuid));
	} else {
		if (seam_timeline_for_cid(st, arg, &tl, &err) != SEAM_OK)
			goto fail;
		json_object_set_new(result, "correlation_id", json_string(arg));
	}
	json_object_set_new(result, "timeline", tl);
	if (json_array_size(tl) == 0 && json_array_size(orders) == 0) {
		fprintf(ctx->err, "seam ctl trace: nothing is known of '%s' (not an order uuid, order "
				  "number or correlation id seam has seen)\n", arg);
		code = 1;
	}
	if (ctx->json) {
		json_dumpf(result, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
	} else if (code == 0) {
		size_t i;
		json_t *o;
		json_array_foreach(orders, i, o) {
			fprintf(ctx->out, "order %s  store %s  number %s  state %s  export %s  ERP %s  total %s %s\n",
				json_string_value(json_object_get(o, "order_uuid")),
				json_string_value(json_object_get(o, "store")),
				json_string_value(json_object_get(o, "order_number")) ?: "-",
				json_string_value(json_object_get(o, "order_state")) ?: "-",
				json_string_value(json_object_get(o, "export_state")),
				json_string_value(json_object_get(o, "erp_number")) ?: "-",
				json_string_value(json_object_get(o, "total")) ?: "-",
				json_string_value(json_object_get(o, "currency")) ?: "");
		}
		fprintf(ctx->out, "\ntimeline (%zu entries)\n", json_array_size(tl));
		print_timeline(ctx->out, tl);
		json_t *jobs = json_object_get(result, "jobs");
		if (json_array_size(jobs)) {
			static const seam_table_col_t jc[] = {
				{"id", 36, SEAM_TABLE_TEXT},      {"kind", 16, SEAM_TABLE_TEXT},
				{"state", 10, SEAM_TABLE_TEXT},   {"attempts", 0, SEAM_TABLE_INT},
				{"last_error", 60, SEAM_TABLE_TEXT},
			};
			seam_table_t *t = seam_table_create(jc, 5);
			json_t *j;
			json_array_foreach(jobs, i, j) {
				char at[24];
				snprintf(at, sizeof at, "%lld",
					 (long long)json_integer_value(json_object_get(j, "attempts")));
				const char *row[] = {json_string_value(json_object_get(j, "id")),
						     json_string_value(json_object_get(j, "kind")),
						     json_string_value(json_object_get(j, "state")), at,
						     json_string_value(json_object_get(j, "last_error"))};
				seam_table_add(t, row);
			}
			fprintf(ctx->out, "\njobs\n");
			seam_table_print(t, ctx->out, 0);
			seam_table_destroy(t);
		}
	}
	json_decref(orders);
	json_decref(result);
	return code;
fail:
	fprintf(ctx->err, "seam ctl trace: %s\n", err.msg);
	json_decref(orders);
	json_decref(result);
	return 1;
}
