/*
 * idempotency.c: Idempotency-Key (see idempotency.h for the rules and the crash story).
 */
#include "api/idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/resource.h"
#include "core/clock.h"
#include "core/crypto.h"

/* The response headers a replay repeats (the server adds the rest itself). */
static const char *const kept_headers[] = {"Location", "ETag", "Link", "Retry-After"};
#define NKEPT (sizeof kept_headers / sizeof kept_headers[0])

int seam_idem_key_parse(const char *v, char out[SEAM_IDEM_KEY_MAX + 1], const char **why)
{
	size_t n = 0;
	*why = NULL;
	if (!v || !*v) {
		*why = "is empty";
		return -1;
	}
	if (*v == '"') { /* RFC 8941 sf-string */
		const char *p = v + 1;
		for (; *p && *p != '"'; p++) {
			if (*p == '\\') {
				p++;
				if (*p != '"' && *p != '\\') {
					*why = "is a malformed string (only \\\" and \\\\ escapes)";
					return -1;
				}
			}
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
				*why = "holds a character outside printable ASCII";
				return -1;
			}
			if (n == SEAM_IDEM_KEY_MAX) {
				*why = "is longer than 255 characters";
				return -1;
			}
			out[n++] = *p;
		}
		if (*p != '"' || p[1]) {
			*why = "is a malformed string (unterminated, or text after the closing quote)";
			return -1;
		}
	} else {
		for (const char *p = v; *p; p++) {
			if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
				*why = "holds a space or a character outside printable ASCII (quote it "
				       "as a string)";
				return -1;
			}
			if (n == SEAM_IDEM_KEY_MAX) {
				*why = "is longer than 255 characters";
				return -1;
			}
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	if (n == 0) {
		*why = "is empty";
		return -1;
	}
	return 0;
}

void seam_idem_fingerprint(const char *method, const char *path, const char *body, size_t len,
			   char out[65])
{
	/* NUL separators: no method/path/body split can collide with another */
	size_t ml = strlen(method), pl = strlen(path);
	char *buf = malloc(ml + pl + len + 2);
	if (!buf) {
		out[0] = '\0';
		return;
	}
	memcpy(buf, method, ml + 1);
	memcpy(buf + ml + 1, path, pl + 1);
	if (len)
		memcpy(buf + ml + pl + 2, body, len);
	seam_sha256_hex(buf, ml + pl + len + 2, out);
	free(buf);
}

void seam_idem_stored_dispose(seam_idem_stored_t *s)
{
	free(s->content_type);
	free(s->body);
	json_decref(s->headers);
	memset(s, 0, sizeof *s);
}

static char *dup_col(seam_stmt_t *s, int col)
{
	const char *t = seam_stmt_column_text(s, col);
	return t ? strdup(t) : NULL;
}

/* Reads the key's live row (not expired at now) and says what it means for a request with
 * fingerprint fp: *verdict (NEW when there is no row, or a running one past its lease, then
 * *found says which), the stored answer for a REPLAY. */
static seam_err_t look(seam_db_t *db, const char *api_key, const char *key, const char *fp,
		       int64_t now, seam_idem_e *verdict, int *found, seam_idem_stored_t *stored,
		       seam_error_t *err)
{
	seam_stmt_t *s = NULL;
	seam_err_t rc = seam_db_prepare(db,
					"SELECT fingerprint, state, status, content_type, headers, body, "
					"locked_until FROM idempotency_keys WHERE api_key = $1 AND "
					"idem_key = $2 AND expires_at > $3",
					&s, err);
	*verdict = SEAM_IDEM_NEW;
	*found = 0;
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, api_key);
	seam_stmt_bind_text(s, 2, key);
	seam_stmt_bind_int64(s, 3, now);
	rc = seam_stmt_step(s, err);
	if (rc == SEAM_ROW) {
		const char *f = seam_stmt_column_text(s, 0), *state = seam_stmt_column_text(s, 1);
		*found = 1;
		if (!f || strcmp(f, fp) != 0) {
			*verdict = SEAM_IDEM_MISMATCH;
		} else if (state && strcmp(state, "done") == 0) {
			const char *h = seam_stmt_column_text(s, 4), *b = seam_stmt_column_text(s, 5);
			*verdict = SEAM_IDEM_REPLAY;
			stored->status = (int)seam_stmt_column_int64(s, 2);
			stored->content_type = dup_col(s, 3);
			stored->headers = h ? json_loads(h, 0, NULL) : NULL;
			stored->len = b ? seam_stmt_column_bytes(s, 5) : 0;
			stored->body = malloc(stored->len + 1);
			if (stored->body) {
				memcpy(stored->body, b ? b : "", stored->len);
				stored->body[stored->len] = '\0';
			} else {
				stored->len = 0;
			}
		} else if (seam_stmt_column_int64(s, 6) > now) {
			*verdict = SEAM_IDEM_IN_FLIGHT;
		}
		/* else running past its lease: the request that took it died; NEW takes it over */
		rc = SEAM_OK;
	} else if (rc == SEAM_DONE) {
		rc = SEAM_OK;
	}
	seam_stmt_reset(s);
	return rc;
}

seam_err_t seam_idem_begin(seam_store_t *st, const char *api_key, const char *key,
			   const char *fp, int64_t now, int64_t ttl, int64_t lease,
			   seam_idem_e *verdict, seam_idem_stored_t *stored, int64_t *token,
			   seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s = NULL;
	int found = 0;
	seam_err_t rc;
	memset(stored, 0, sizeof *stored);
	*token = now + lease;
	/* A replay, a mismatch or a request in flight is answered from a plain read (WAL: no
	 * write lock, so it is not queued behind the writer it may be waiting for). */
	if ((rc = look(db, api_key, key, fp, now, verdict, &found, stored, err)) != SEAM_OK ||
	    *verdict != SEAM_IDEM_NEW)
		goto out;
	/* Taking the key: under the write lock, so of two requests exactly one takes it; the
	 * other's look below finds the first's row. */
	if ((rc = seam_db_begin(db, err)) != SEAM_OK) {
		/* No lock within the busy timeout. The other request may have taken the key while we
		 * waited, its handler now holding the lock (a bulk replay): its row is committed, so a
		 * plain read finds it and the answer is its 409 (or its stored answer), not a 503. */
		seam_error_t again = {0};
		if (rc == SEAM_BUSY &&
		    look(db, api_key, key, fp, now, verdict, &found, stored, &again) == SEAM_OK &&
		    *verdict != SEAM_IDEM_NEW)
			rc = SEAM_OK;
		goto out;
	}
	/* the purge: expired keys are fresh again, this one included */
	rc = seam_db_prepare(db, "DELETE FROM idempotency_keys WHERE expires_at <= $1", &s, err);
	if (rc == SEAM_OK && (rc = seam_stmt_bind_int64(s, 1, now)) == SEAM_OK)
		rc = seam_stmt_step(s, err);
	seam_stmt_reset(s);
	if (rc != SEAM_DONE)
		goto out;
	if ((rc = look(db, api_key, key, fp, now, verdict, &found, stored, err)) != SEAM_OK ||
	    *verdict != SEAM_IDEM_NEW)
		goto out; /* nothing written: the rollback below ends the transaction */
	if (found) {
		rc = seam_db_prepare(db,
				     "UPDATE idempotency_keys SET locked_until = $3 "
				     "WHERE api_key = $1 AND idem_key = $2",
				     &s, err);
		if (rc != SEAM_OK)
			goto out;
		seam_stmt_bind_text(s, 1, api_key);
		seam_stmt_bind_text(s, 2, key);
		seam_stmt_bind_int64(s, 3, now + lease);
	} else {
		rc = seam_db_prepare(db,
				     "INSERT INTO idempotency_keys (api_key, idem_key, fingerprint, state, "
				     "created_at, locked_until, expires_at) "
				     "VALUES ($1, $2, $3, 'running', $4, $5, $6)",
				     &s, err);
		if (rc != SEAM_OK)
			goto out;
		seam_stmt_bind_text(s, 1, api_key);
		seam_stmt_bind_text(s, 2, key);
		seam_stmt_bind_text(s, 3, fp);
		seam_stmt_bind_int64(s, 4, now);
		seam_stmt_bind_int64(s, 5, now + lease);
		seam_stmt_bind_int64(s, 6, now + ttl);
	}
	rc = seam_stmt_step(s, err);
	seam_stmt_reset(s);
	if (rc != SEAM_DONE)
		goto out;
	rc = seam_db_commit(db, err);
out:
	seam_db_rollback(db);
	seam_store_release(st, db);
	if (rc != SEAM_OK)
		seam_idem_stored_dispose(stored);
	return rc;
}

seam_err_t seam_idem_finish(seam_store_t *st, const char *api_key, const char *key,
			    const char *fp, int64_t token, int status, const char *content_type,
			    const json_t *headers, const char *body, size_t len, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s = NULL;
	char *h = headers && json_object_size(headers) ? json_dumps(headers, JSON_COMPACT) : NULL;
	seam_err_t rc = seam_db_prepare(db,
					"UPDATE idempotency_keys SET state = 'done', status = $4, "
					"content_type = $5, headers = $6, body = $7 "
					"WHERE api_key = $1 AND idem_key = $2 AND fingerprint = $3 "
					"AND state = 'running' AND locked_until = $8",
					&s, err);
	if (rc == SEAM_OK) {
		seam_stmt_bind_text(s, 1, api_key);
		seam_stmt_bind_text(s, 2, key);
		seam_stmt_bind_text(s, 3, fp);
		seam_stmt_bind_int64(s, 4, status);
		seam_stmt_bind_text(s, 5, content_type);
		seam_stmt_bind_text(s, 6, h);
		seam_stmt_bind_textn(s, 7, body ? body : "", len);
		seam_stmt_bind_int64(s, 8, token);
		rc = seam_stmt_step(s, err);
		if (rc == SEAM_DONE)
			rc = seam_stmt_changes(s) == 1
				     ? SEAM_OK
				     : seam_errorf(err, SEAM_CONFLICT,
						   "key '%s' was taken over after its lease ended; "
						   "this answer is not stored (the later request's is)",
						   key);
		seam_stmt_reset(s);
	}
	free(h);
	seam_store_release(st, db);
	return rc;
}

seam_err_t seam_idem_release(seam_store_t *st, const char *api_key, const char *key,
			     const char *fp, int64_t token, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	char tok[24];
	snprintf(tok, sizeof tok, "%lld", (long long)token);
	const char *p[] = {api_key, key, fp, tok};
	/* only our own hold: after a takeover the key is the later request's */
	seam_err_t rc = seam_db_run(db,
				    "DELETE FROM idempotency_keys WHERE api_key = $1 AND idem_key = $2 "
				    "AND fingerprint = $3 AND state = 'running' "
				    "AND locked_until = CAST($4 AS BIGINT)",
				    p, 4, NULL, err);
	seam_store_release(st, db);
	return rc;
}

static int unsafe(const char *m)
{
	return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") || !strcmp(m, "DELETE");
}

static void replay(seam_http_req_t *req, seam_idem_stored_t *s)
{
	const char *k;
	json_t *v;
	json_object_foreach(s->headers, k, v)
		if (json_is_string(v))
			seam_http_set_header(req, k, json_string_value(v));
	seam_http_set_header(req, "Idempotent-Replayed", "true");
	seam_http_reply(req, s->status, s->content_type, s->body ? s->body : "", s->len);
}

void seam_idem_run(seam_http_req_t *req, const seam_route_t *r, void *ud, seam_store_t *st,
		   const seam_api_idempotency_config_t *cfg)
{
	const char *hv = seam_http_header(req, "Idempotency-Key"), *why = NULL;
	const char *owner = seam_http_user(req) ? (const char *)seam_http_user(req) : "";
	char key[SEAM_IDEM_KEY_MAX + 1], fp[65];
	int64_t ttl = cfg ? cfg->ttl_ms : 86400000;
	int64_t lease = cfg ? cfg->lease_ms : 60000;
	seam_idem_stored_t stored = {0};
	seam_idem_e verdict;
	int64_t token = 0;
	seam_error_t e = {0};
	size_t blen = 0;
	const char *body;

	if (!unsafe(seam_http_method(req)) || strncmp(seam_http_path(req), "/v1/", 4) != 0) {
		r->fn(req, ud);
		return;
	}
	if (!hv) {
		if (r->flags & SEAM_IDEM_ROUTE_FLAG) {
			seam_http_problem(req, 400, "idempotency-key-missing", "Idempotency-Key missing",
					  NULL, "%s %s changes state and needs an Idempotency-Key header "
					  "(a unique value per intended action, 1 to 255 characters); a "
					  "retry with the same key is answered without running it twice",
					  r->method, r->pattern);
			return;
		}
		r->fn(req, ud);
		return;
	}
	if (seam_idem_key_parse(hv, key, &why) != 0) {
		seam_http_problem(req, 400, "bad-idempotency-key", "Bad Idempotency-Key", NULL,
				  "the Idempotency-Key header %s; it takes 1 to 255 printable ASCII "
				  "characters, bare or as a quoted string", why);
		return;
	}
	body = seam_http_body(req, &blen);
	seam_idem_fingerprint(seam_http_method(req), seam_http_path(req), body, blen, fp);
	if (seam_idem_begin(st, owner, key, fp, seam_now_ms(), ttl, lease, &verdict,
			    &stored, &token, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	switch (verdict) {
	case SEAM_IDEM_REPLAY:
		replay(req, &stored);
		seam_idem_stored_dispose(&stored);
		return;
	case SEAM_IDEM_MISMATCH:
		seam_http_problem(req, 422, "idempotency-key-reused", "Idempotency-Key reused", NULL,
				  "this Idempotency-Key was used with a different request (method, "
				  "path or body); use a new key for a new action");
		return;
	case SEAM_IDEM_IN_FLIGHT:
		seam_http_set_header(req, "Retry-After", "1");
		seam_http_problem(req, 409, "idempotency-in-flight", "Request in progress", NULL,
				  "a request with this Idempotency-Key is still being processed; "
				  "retry shortly to get its answer");
		return;
	case SEAM_IDEM_NEW:
		break;
	}
	r->fn(req, ud);
	int status = 0;
	const char *ct = NULL, *rb = NULL;
	size_t rlen = 0;
	seam_err_t rc;
	if (seam_http_response(req, &status, &ct, &rb, &rlen) && status < 500) {
		json_t *h = json_object();
		for (size_t i = 0; i < NKEPT; i++) {
			const char *v = seam_http_response_header(req, kept_headers[i]);
			if (v)
				json_object_set_new(h, kept_headers[i], json_string(v));
		}
		rc = seam_idem_finish(st, owner, key, fp, token, status, ct, h, rb, rlen, &e);
		json_decref(h);
	} else {
		rc = seam_idem_release(st, owner, key, fp, token, &e);
	}
	if (rc != SEAM_OK) /* the lease (then ttl) ends the row; the answer is already made */
		seam_logf(seam_http_log(req), SEAM_LOG_ERROR, "api", seam_http_cid(req),
			  json_pack("{s:s}", "error", e.msg), "idempotency: %s", e.msg);
}
