/*
 * flow.c: the registry as the layers above read it (find, names, dead-letter subjects) and
 * helpers shared by the flows.
 */
#include "flows/flow.h"
#include "flows/flow_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

/* --- what a job is about ------------------------------------------------------------------ */

void seam__flow_copy(char *dst, size_t cap, const char *src)
{
	if (src && *src && !*dst)
		snprintf(dst, cap, "%s", src);
}

void seam__flow_subject_store(seam_db_t *db, const char *kind, const json_t *payload,
			      seam_job_subject_t *out)
{
	(void)db;
	(void)kind;
	seam__flow_copy(out->store, sizeof out->store,
			json_string_value(json_object_get(payload, "store")));
}

void seam__flow_lookup(seam_db_t *db, const char *sql, const char *const *params, int n,
		       int col, char *out, size_t cap)
{
	seam_stmt_t *s;
	if (seam_db_prepare(db, sql, &s, NULL) != SEAM_OK)
		return;
	for (int i = 0; i < n; i++)
		seam_stmt_bind_text(s, i + 1, params[i]);
	if (seam_stmt_step(s, NULL) == SEAM_ROW)
		seam__flow_copy(out, cap, seam_stmt_column_text(s, col));
	seam_stmt_reset(s);
}

void seam__flow_subject_order(seam_db_t *db, seam_job_subject_t *out)
{
	if (!out->order_uuid[0])
		return;
	if (out->store[0]) {
		seam__flow_lookup(db,
				  "SELECT order_number FROM orders WHERE store = $1 AND order_uuid = $2",
				  (const char *[]){out->store, out->order_uuid}, 2, 0, out->order_number,
				  sizeof out->order_number);
		return;
	}
	char store[64] = "";
	seam__flow_lookup(db, "SELECT store FROM orders WHERE order_uuid = $1 ORDER BY store",
			  (const char *[]){out->order_uuid}, 1, 0, store, sizeof store);
	seam__flow_copy(out->store, sizeof out->store, store);
	if (store[0])
		seam__flow_subject_order(db, out);
}

/* --- the registry as the layers above see it ------------------------------------------- */

const seam_flow_def_t *seam_flows_find(const seam_flows_t *fl, const char *name)
{
	for (size_t i = 0; fl && name && i < fl->n; i++)
		if (strcmp(fl->defs[i]->name, name) == 0)
			return fl->defs[i];
	return NULL;
}

const char *seam_flows_list(const seam_flows_t *fl, int kinds, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; fl && i < fl->n && len < cap; i++) {
		const seam_flow_def_t *d = fl->defs[i];
		if (!kinds) {
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", d->name);
			continue;
		}
		for (size_t j = 0; j < d->njobs && len < cap; j++)
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
						d->jobs[j].kind);
	}
	return buf;
}

seam_err_t seam_flows_check_name(const seam_flows_t *fl, const char *name, seam_error_t *err)
{
	char known[256];
	if (seam_flows_find(fl, name))
		return SEAM_OK;
	return seam_errorf(err, SEAM_NOTFOUND, "no flow named '%s' (flows: %s)", name ? name : "",
			   seam_flows_list(fl, 0, known, sizeof known));
}

size_t seam_flows_names(const seam_flows_t *fl, const char **names, size_t cap)
{
	size_t n = 0;
	for (; fl && n < fl->n && n < cap; n++)
		names[n] = fl->defs[n]->name;
	return n;
}

void seam_flows_describe_jobs(const seam_flows_t *fl, seam_store_t *st, json_t *jobs)
{
	seam_db_t *db = seam_store_acquire(st);
	size_t i;
	json_t *job;
	json_array_foreach(jobs, i, job) {
		seam_job_subject_t sub;
		memset(&sub, 0, sizeof sub);
		const seam_flow_def_t *f =
			seam_flows_find(fl, json_string_value(json_object_get(job, "flow")));
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

/* Rows of a query with text parameters, each made into a JSON value by row(s, ud). */
static seam_err_t rows_with(seam_store_t *st, const char *sql, const char *const *params, int n,
			    json_t *(*row)(seam_stmt_t *s, const void *ud), const void *ud,
			    json_t **out, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *arr = json_array();
	seam_err_t rc = seam_db_prepare(db, sql, &s, err);
	*out = NULL;
	if (rc == SEAM_OK) {
		for (int i = 0; i < n; i++)
			seam_stmt_bind_text(s, i + 1, params[i]);
		while ((rc = seam_stmt_step(s, err)) == SEAM_ROW)
			json_array_append_new(arr, row(s, ud));
		seam_stmt_reset(s);
		if (rc == SEAM_DONE)
			rc = SEAM_OK;
	}
	seam_store_release(st, db);
	if (rc != SEAM_OK) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return SEAM_OK;
}

typedef struct {
	json_t *(*row)(seam_stmt_t *s);
} row_fn_t;

static json_t *call_row(seam_stmt_t *s, const void *ud)
{
	return ((const row_fn_t *)ud)->row(s);
}

seam_err_t seam__flow_rows_n(seam_store_t *st, const char *sql, const char *const *params, int n,
			     json_t *(*row)(seam_stmt_t *s), json_t **out, seam_error_t *err)
{
	row_fn_t fn = {row};
	return rows_with(st, sql, params, n, call_row, &fn, out, err);
}

seam_err_t seam__flow_rows(seam_store_t *st, const char *sql, const char *param,
			   json_t *(*row)(seam_stmt_t *s), json_t **out, seam_error_t *err)
{
	return seam__flow_rows_n(st, sql, &param, 1, row, out, err);
}

static json_t *col_value(seam_stmt_t *s, int col, seam__col_type_t type)
{
	if (seam_stmt_column_is_null(s, col)) {
		switch (type) {
		case SEAM__COL_BOOL:
			return json_false();
		case SEAM__COL_INT:
			return json_integer(0);
		case SEAM__COL_JSON_ARRAY:
			return json_array();
		default:
			return json_null();
		}
	}
	switch (type) {
	case SEAM__COL_TEXT:
		return json_string(seam_stmt_column_text(s, col));
	case SEAM__COL_BOOL:
		return json_boolean(seam_stmt_column_int64(s, col) != 0);
	case SEAM__COL_TIME: {
		char ts[25];
		seam_rfc3339_ms(seam_stmt_column_int64(s, col), ts);
		return json_string(ts);
	}
	case SEAM__COL_JSON_ARRAY: {
		json_t *v = json_loads(seam_stmt_column_text(s, col), 0, NULL);
		if (!json_is_array(v)) {
			json_decref(v);
			v = json_array();
		}
		return v;
	}
	default:
		return json_integer(seam_stmt_column_int64(s, col));
	}
}

json_t *seam__flow_row_object(seam_stmt_t *s, const seam__col_t *cols, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		json_t *v = col_value(s, (int)i, cols[i].type);
		json_object_set_new(o, cols[i].name, v ? v : json_null());
	}
	return o;
}

/* "SELECT c1, c2, ... FROM table " into sql */
static int run_select(const seam__run_table_t *t, char *sql, size_t cap)
{
	size_t n = (size_t)snprintf(sql, cap, "SELECT ");
	for (size_t i = 0; i < t->ncols && n < cap; i++)
		n += (size_t)snprintf(sql + n, cap - n, "%s%s", i ? ", " : "", t->cols[i].name);
	if (n < cap)
		n += (size_t)snprintf(sql + n, cap - n, " FROM %s ", t->table);
	return n < cap ? 0 : -1;
}

static json_t *run_row(seam_stmt_t *s, const void *ud)
{
	const seam__run_table_t *t = ud;
	return seam__flow_row_object(s, t->cols, t->ncols);
}

seam_err_t seam__flow_run_get(seam_store_t *st, const seam__run_table_t *t, const char *run_id,
			      json_t **out, seam_error_t *err)
{
	char sql[1024];
	size_t n;
	*out = NULL;
	if (run_select(t, sql, sizeof sql) != 0 ||
	    (n = strlen(sql)) + 16 >= sizeof sql)
		return seam_errorf(err, SEAM_INVAL, "%s: too many columns", t->table);
	snprintf(sql + n, sizeof sql - n, "WHERE id = $1");
	json_t *rows = NULL;
	seam_err_t rc = rows_with(st, sql, &(const char *){run_id ? run_id : ""}, 1, run_row, t, &rows, err);
	if (rc != SEAM_OK)
		return rc;
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		return seam_errorf(err, SEAM_NOTFOUND, "%s %s: no such run", t->what,
				   run_id ? run_id : "");
	}
	*out = rows;
	return SEAM_OK;
}

seam_err_t seam__flow_run_list(seam_store_t *st, const seam__run_table_t *t, const char *store,
			       int limit, json_t **out, seam_error_t *err)
{
	char sql[1024];
	size_t n;
	*out = NULL;
	if (run_select(t, sql, sizeof sql) != 0 || (n = strlen(sql)) + 96 >= sizeof sql)
		return seam_errorf(err, SEAM_INVAL, "%s: too many columns", t->table);
	/* $1 is "" for every store: a store name is never empty (config keys are not). */
	snprintf(sql + n, sizeof sql - n,
		 "WHERE ($1 = '' OR store = $1) ORDER BY created_at DESC, id DESC LIMIT %d",
		 limit > 0 ? limit : 20);
	return rows_with(st, sql, &(const char *){store ? store : ""}, 1, run_row, t, out, err);
}
