/*
 * inbox.c: the inbox and quarantine tables (see inbox.h for what they guarantee).
 *
 * An event is inserted first, with ON CONFLICT DO NOTHING on its identity: the statement's
 * change count says whether it is new, in the same statement, so two deliveries of one event
 * racing through the group committer cannot both count as new. Only a new event enqueues its
 * job; the row is then linked to the job with an UPDATE on the row this transaction wrote.
 */
#include "inbox/inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/registry.h"
#include "core/clock.h"

seam_err_t seam_inbox_add(seam_db_t *db, seam_queue_t *q, const seam_inbox_event_t *ev,
			  const seam_job_spec_t *job, seam_inbox_added_t *out, seam_error_t *err)
{
	char now[24];
	seam_stmt_t *s;
	int64_t changes;
	seam_err_t rc;

	memset(out, 0, sizeof *out);
	if (!ev->provider || !ev->source || !ev->event_id)
		return seam_errorf(err, SEAM_INVAL, "inbox: an event needs provider, source and id");
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	seam_id_new(out->id);
	/* The job's id is made first and stored with the row: the job that enqueue inserts next
	 * takes it, so the row needs no second write (only when the dedup key finds an older job,
	 * that job's id replaces it). */
	char job_id[SEAM_UUID_STR_LEN] = "";
	if (job)
		seam_id_new(job_id);
	rc = seam_db_prepare(db,
			     "INSERT INTO inbox (id, provider, source, event_id, event_type, body, "
			     "headers, correlation_id, received_at, job_id) VALUES "
			     "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) "
			     "ON CONFLICT (provider, source, event_id) DO NOTHING",
			     &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, out->id);
	seam_stmt_bind_text(s, 2, ev->provider);
	seam_stmt_bind_text(s, 3, ev->source);
	seam_stmt_bind_text(s, 4, ev->event_id);
	seam_stmt_bind_text(s, 5, ev->event_type);
	seam_stmt_bind_textn(s, 6, ev->body, ev->len);
	seam_stmt_bind_text(s, 7, ev->headers);
	seam_stmt_bind_text(s, 8, ev->correlation_id);
	seam_stmt_bind_text(s, 9, now);
	seam_stmt_bind_text(s, 10, job ? job_id : NULL);
	rc = seam_stmt_step(s, err);
	changes = seam_stmt_changes(s);
	seam_stmt_reset(s);
	if (rc != SEAM_DONE)
		return rc;
	if (changes == 0) {
		/* A redelivery: not new work (also when its job was purged after queue.retain). */
		out->duplicate = 1;
		out->id[0] = '\0';
		return SEAM_OK;
	}
	if (!job)
		return SEAM_OK;
	seam_job_spec_t spec = *job;
	spec.id = job_id;
	rc = seam_queue_enqueue(q, db, &spec, out->job_id, &out->job_existed, err);
	if (rc != SEAM_OK || strcmp(out->job_id, job_id) == 0)
		return rc;
	return seam_db_run(db, "UPDATE inbox SET job_id = $1 WHERE id = $2",
			   (const char *[]){out->job_id, out->id}, 2, NULL, err);
}

seam_err_t seam_inbox_quarantine(seam_db_t *db, const seam_inbox_event_t *ev, const char *reason,
				 seam_error_t *err)
{
	char id[SEAM_UUID_STR_LEN], now[24];
	seam_stmt_t *s;
	seam_err_t rc;

	seam_id_new(id);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	rc = seam_db_prepare(db,
			     "INSERT INTO quarantine (id, provider, source, event_id, reason, body, "
			     "headers, correlation_id, received_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
			     &s, err);
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, id);
	seam_stmt_bind_text(s, 2, ev->provider);
	seam_stmt_bind_text(s, 3, ev->source);
	seam_stmt_bind_text(s, 4, ev->event_id);
	seam_stmt_bind_text(s, 5, reason);
	seam_stmt_bind_textn(s, 6, ev->body, ev->len);
	seam_stmt_bind_text(s, 7, ev->headers);
	seam_stmt_bind_text(s, 8, ev->correlation_id);
	seam_stmt_bind_text(s, 9, now);
	rc = seam_stmt_step(s, err);
	seam_stmt_reset(s);
	return rc == SEAM_DONE ? SEAM_OK : rc;
}

char *seam_inbox_contract_reason(const char *ref, const json_t *basic)
{
	char *text, *out = NULL;
	size_t head = strlen(SEAM_INBOX_CONTRACT_VIOLATION) + strlen(ref) + 4;
	if (head >= SEAM_INBOX_REASON_MAX)
		return NULL;
	text = seam_contract_errors_text(basic, SEAM_INBOX_REASON_MAX - head);
	if (asprintf(&out, "%s: %s: %s", SEAM_INBOX_CONTRACT_VIOLATION, ref,
		     text && *text ? text : "invalid") < 0)
		out = NULL;
	free(text);
	return out;
}

seam_err_t seam_inbox_body(seam_db_t *db, const char *provider, const char *source,
			   const char *event_id, char **body, seam_error_t *err)
{
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
					"SELECT body FROM inbox WHERE provider = $1 AND source = $2 "
					"AND event_id = $3",
					&s, err);
	*body = NULL;
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, provider);
	seam_stmt_bind_text(s, 2, source);
	seam_stmt_bind_text(s, 3, event_id);
	rc = seam_stmt_step(s, err);
	if (rc == SEAM_ROW) {
		rc = (*body = strdup(seam_stmt_column_text(s, 0))) ? SEAM_OK
								    : seam_errorf(err, SEAM_NOMEM, "out of memory");
	} else if (rc == SEAM_DONE) {
		rc = seam_errorf(err, SEAM_NOTFOUND, "inbox has no event %s/%s/%s", provider, source,
				 event_id);
	}
	seam_stmt_reset(s);
	return rc;
}

seam_err_t seam_inbox_find(seam_store_t *st, const char *event_id, json_t **event, char **body,
			   seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
					"SELECT provider, source, event_type, received_at, job_id, body "
					"FROM inbox WHERE event_id = $1 ORDER BY received_at",
					&s, err);
	*event = NULL;
	if (body)
		*body = NULL;
	if (rc != SEAM_OK)
		goto out;
	seam_stmt_bind_text(s, 1, event_id);
	rc = seam_stmt_step(s, err);
	if (rc == SEAM_ROW) {
		char at[25];
		seam_rfc3339_ms(seam_stmt_column_int64(s, 3), at);
		*event = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?}", "event_id", event_id, "provider",
				   seam_stmt_column_text(s, 0), "source", seam_stmt_column_text(s, 1),
				   "type", seam_stmt_column_text(s, 2), "received_at", at, "job_id",
				   seam_stmt_column_text(s, 4));
		if (body && seam_stmt_column_text(s, 5))
			*body = strdup(seam_stmt_column_text(s, 5));
		rc = *event ? SEAM_OK : seam_errorf(err, SEAM_NOMEM, "out of memory");
	} else if (rc == SEAM_DONE) {
		rc = SEAM_OK;
	}
	seam_stmt_reset(s);
out:
	seam_store_release(st, db);
	return rc;
}

seam_err_t seam_inbox_job_ids(seam_store_t *st, const char *provider, const char *event_id,
			      json_t *ids, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
					"SELECT job_id FROM inbox WHERE provider = $1 AND event_id = $2 "
					"AND job_id IS NOT NULL ORDER BY received_at",
					&s, err);
	if (rc == SEAM_OK) {
		seam_stmt_bind_text(s, 1, provider);
		seam_stmt_bind_text(s, 2, event_id);
		while ((rc = seam_stmt_step(s, err)) == SEAM_ROW)
			json_array_append_new(ids, json_string(seam_stmt_column_text(s, 0)));
		seam_stmt_reset(s);
		if (rc == SEAM_DONE)
			rc = SEAM_OK;
	}
	seam_store_release(st, db);
	return rc;
}

seam_err_t seam_inbox_quarantine_list(seam_store_t *st, const seam_inbox_quarantine_filter_t *f,
				      json_t **out, json_t **next_key, seam_error_t *err)
{
	char sql[768];
	struct {
		const char *text; /* NULL: num */
		int64_t num;
	} p[8];
	int np = 0, n = 0, limit = f->limit > 0 ? f->limit : 100;
	size_t len;
	int64_t last_at = 0;
	char last_id[64] = "";
	json_t *arr = json_array();
	seam_stmt_t *s = NULL;
	seam_db_t *db;
	seam_err_t rc;
	*out = NULL;
	*next_key = NULL;
	len = (size_t)snprintf(sql, sizeof sql,
			       "SELECT id, provider, source, event_id, reason, correlation_id, "
			       "received_at, resolved_at, length(body) FROM quarantine WHERE 1 = 1");
	/* each condition takes the next parameter number as it is added */
#define ADD(cond, t, v)                                                                            \
	do {                                                                                       \
		p[np].text = (t);                                                                  \
		p[np++].num = (v);                                                                 \
		len += (size_t)snprintf(sql + len, sizeof sql - len, cond, np);                    \
	} while (0)
	if (f->provider)
		ADD(" AND provider = $%d", f->provider, 0);
	if (f->source)
		ADD(" AND source = $%d", f->source, 0);
	if (f->since_ms > 0)
		ADD(" AND received_at >= $%d", NULL, f->since_ms);
	if (f->until_ms > 0)
		ADD(" AND received_at < $%d", NULL, f->until_ms);
	if (f->after_id) { /* the keyset: strictly after the previous page's last row */
		ADD(" AND (received_at, id) < ($%d", NULL, f->after_at);
		ADD(", $%d)", f->after_id, 0);
	}
	ADD(" ORDER BY received_at DESC, id DESC LIMIT $%d", NULL, limit);
#undef ADD
	db = seam_store_acquire(st);
	if ((rc = seam_db_prepare(db, sql, &s, err)) != SEAM_OK)
		goto out;
	for (int i = 0; i < np; i++) {
		if (p[i].text)
			seam_stmt_bind_text(s, i + 1, p[i].text);
		else
			seam_stmt_bind_int64(s, i + 1, p[i].num);
	}
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		char at[25], res[25] = "";
		seam_rfc3339_ms(seam_stmt_column_int64(s, 6), at);
		if (!seam_stmt_column_is_null(s, 7))
			seam_rfc3339_ms(seam_stmt_column_int64(s, 7), res);
#define COL(i) seam_stmt_column_text(s, i)
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s, s:s?, s:I}", "id", COL(0),
				       "provider", COL(1), "source", COL(2), "event_id", COL(3),
				       "reason", COL(4), "correlation_id", COL(5), "received_at", at,
				       "resolved_at", *res ? res : NULL, "body_bytes",
				       (json_int_t)seam_stmt_column_int64(s, 8)));
#undef COL
		last_at = seam_stmt_column_int64(s, 6);
		snprintf(last_id, sizeof last_id, "%s", seam_stmt_column_text(s, 0));
		n++;
	}
	seam_stmt_reset(s);
	if (rc == SEAM_DONE)
		rc = SEAM_OK;
out:
	seam_store_release(st, db);
	if (rc != SEAM_OK) {
		json_decref(arr);
		return seam_error_prefix(err, "list quarantine");
	}
	if (n == limit)
		*next_key = json_pack("[I, s]", (json_int_t)last_at, last_id);
	*out = arr;
	return SEAM_OK;
}
