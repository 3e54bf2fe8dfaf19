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

#endif
