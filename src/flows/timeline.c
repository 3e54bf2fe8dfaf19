/*
 * timeline.c: see timeline.h.
 */
#include "flows/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "queue/queue.h"

static const char insert_sql[] =
	"INSERT INTO timeline (id, entity_type, entity_id, correlation_id, system, event, detail, "
	"created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";

seam_err_t seam_timeline_add(seam_db_t *db, const char *entity_type, const char *entity_id,
			     const char *cid, const char *system, const char *event, json_t *detail,
			     seam_error_t *err)
{
	char id[SEAM_UUID_STR_LEN], now[24];
	char *d = detail ? json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(detail);
	seam_id_new(id);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	seam_err_t rc = seam_db_run(db, insert_sql,
				    (const char *[]){id, entity_type, entity_id, cid, system, event, d, now},
				    8, NULL, err);
	free(d);
	return rc;
}

seam_err_t seam_timeline_submit(seam_queue_t *q, seam_store_t *st, const char *entity_type,
				const char *entity_id, const char *cid, const char *system,
				const char *event, json_t *detail, seam_error_t *err)
{
	char id[SEAM_UUID_STR_LEN], now[24];
	/* Everything but the insert is done here, on the caller's thread. */
	char *d = detail ? json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(detail);
	seam_id_new(id);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	seam_err_t rc = seam_queue_run(q, st, insert_sql,
				       (const char *[]){id, entity_type, entity_id, cid, system, event,
							d, now},
				       8, NULL, err);
	free(d);
	return rc;
}

seam_err_t seam_timeline_log(seam_store_t *st, const char *entity_type, const char *entity_id,
			     const char *cid, const char *system, const char *event, json_t *detail,
			     seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_err_t rc = seam_timeline_add(db, entity_type, entity_id, cid, system, event, detail, err);
	seam_store_release(st, db);
	return rc;
}

static seam_err_t query(seam_store_t *st, const char *sql, const char *a, const char *b,
			json_t **out, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *arr = json_array();
	seam_err_t rc = seam_db_prepare(db, sql, &s, err);
	if (rc == SEAM_OK) {
		seam_stmt_bind_text(s, 1, a);
		if (b)
			seam_stmt_bind_text(s, 2, b);
		while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
			char at[25];
			const char *detail = seam_stmt_column_text(s, 6);
			json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
			seam_rfc3339_ms(seam_stmt_column_int64(s, 0), at);
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:o}", "at", at,
					       "entity_type", seam_stmt_column_text(s, 1), "entity_id",
					       seam_stmt_column_text(s, 2), "correlation_id",
					       seam_stmt_column_text(s, 3), "system",
					       seam_stmt_column_text(s, 4), "event",
					       seam_stmt_column_text(s, 5), "detail", d ? d : json_null()));
		}
		if (rc == SEAM_DONE)
			rc = SEAM_OK;
	}
	seam_store_release(st, db);
	if (rc != SEAM_OK) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return rc;
}

seam_err_t seam_timeline_for_entity(seam_store_t *st, const char *entity_type,
				    const char *entity_id, json_t **out, seam_error_t *err)
{
	/* The entity's own entries only. Joining on correlation ids pulled in every other
	 * order that shared one (a poll run, a batch of webhook items): each flow writes its
	 * steps, upstream outcomes included, on the entity they were made for. */
	return query(st,
		     "SELECT created_at, entity_type, entity_id, correlation_id, system, event, detail "
		     "FROM timeline WHERE entity_type = $1 AND entity_id = $2 ORDER BY created_at, id",
		     entity_type, entity_id, out, err);
}

seam_err_t seam_timeline_for_cid(seam_store_t *st, const char *cid, json_t **out,
				 seam_error_t *err)
{
	return query(st,
		     "SELECT created_at, entity_type, entity_id, correlation_id, system, event, detail "
		     "FROM timeline WHERE correlation_id = $1 ORDER BY created_at, id",
		     cid, NULL, out, err);
}
