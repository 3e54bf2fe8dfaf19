/*
 * flow_int.h: helpers the flows share and nothing else uses (what a job is about, read from
 * the orders table). Thread-safety: reentrant; each uses the connection it is given.
 */
#ifndef SEAM_FLOWS_FLOW_INT_H
#define SEAM_FLOWS_FLOW_INT_H

#include "flows/flow.h"

/* Copies src into dst (cap bytes) when src is set and dst is still empty. */
void seam__flow_copy(char *dst, size_t cap, const char *src);
/* A flow def's subject for flows whose job payloads name their store ("store"): that, and
 * nothing else. */
void seam__flow_subject_store(seam_db_t *db, const char *kind, const json_t *payload,
			      seam_job_subject_t *out);
/* One text column of a one-row query with text parameters into out; "" when no row. */
void seam__flow_lookup(seam_db_t *db, const char *sql, const char *const *params, int n,
		       int col, char *out, size_t cap);
/* The order's number (and its store when not known yet) from the orders table, for a subject
 * whose order_uuid is known. */
void seam__flow_subject_order(seam_db_t *db, seam_job_subject_t *out);
/* The rows of a query with one text parameter ($1), each made into a JSON value by row(), as
 * a new array in *out (NULL on failure). */
seam_err_t seam__flow_rows(seam_store_t *st, const char *sql, const char *param,
			   json_t *(*row)(seam_stmt_t *s), json_t **out, seam_error_t *err);
/* The same with n text parameters ($1..$n). */
seam_err_t seam__flow_rows_n(seam_store_t *st, const char *sql, const char *const *params, int n,
			     json_t *(*row)(seam_stmt_t *s), json_t **out, seam_error_t *err);

/* A row read by a column table: column i of the statement is cols[i], made into a member of a
 * JSON object named cols[i].name. NULL reads as JSON null, except BOOL (false), INT (0) and
 * JSON_ARRAY ([], also for text that is not an array). TIME is epoch ms, written RFC 3339. */
typedef enum {
	SEAM__COL_TEXT,
	SEAM__COL_BOOL,
	SEAM__COL_INT,
	SEAM__COL_INT_NULL,
	SEAM__COL_TIME,
	SEAM__COL_JSON_ARRAY
} seam__col_type_t;

typedef struct {
	const char *name;
	seam__col_type_t type;
} seam__col_t;

json_t *seam__flow_row_object(seam_stmt_t *s, const seam__col_t *cols, size_t n);

/* A table of runs (catalog_runs, reconciliation_runs): its id, store and created_at columns
 * and the columns a run is read with. */
typedef struct {
	const char *table;
	const char *what; /* "catalog run", for the not-found message */
	const seam__col_t *cols;
	size_t ncols;
} seam__run_table_t;

/* The run run_id as a new [run] in *out; SEAM_NOTFOUND (with the message) when there is none. */
seam_err_t seam__flow_run_get(seam_store_t *st, const seam__run_table_t *t, const char *run_id,
			      json_t **out, seam_error_t *err);
/* The newest limit (<= 0: 20) runs of store ("" or NULL: every store) as a new array. */
seam_err_t seam__flow_run_list(seam_store_t *st, const seam__run_table_t *t, const char *store,
			       int limit, json_t **out, seam_error_t *err);

#endif
