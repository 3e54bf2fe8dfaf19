/*
 * sessions.c: the dashboard's sessions over ops_sessions and api_keys (see sessions.h).
 */
#include "auth/sessions.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto.h"

#define TOKEN_BYTES 32
#define TOKEN_LEN 43 /* base64url of 32 bytes, unpadded */

/* A fresh random token (session id or CSRF token) into out. 0, or -1 when the RNG failed. */
static int new_token(char out[SEAM_SESSION_ID_MAX])
{
	unsigned char rnd[TOKEN_BYTES];
	if (seam_random_bytes(rnd, sizeof rnd) != 0)
		return -1;
	seam_base64url_encode(rnd, sizeof rnd, out);
	explicit_bzero(rnd, sizeof rnd);
	out[TOKEN_LEN] = '\0';
	return 0;
}

/* 1 when s has the shape of a token this module makes. */
static int token_shaped(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++) {
		char c = s[n];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
		if (n > TOKEN_LEN)
			return 0;
	}
	return n == TOKEN_LEN;
}

seam_err_t seam_sessions_open(seam_store_t *st, const char *key, const char *scope, int64_t now_ms,
			      int64_t ttl_ms, seam_key_verdict_e *verdict,
			      char sid_out[SEAM_SESSION_ID_MAX], seam_session_t *out,
			      seam_error_t *err)
{
	char header[8 + SEAM_KEY_MAX], hash[65];
	char now[24], exp[24];
	seam_db_t *db = NULL;
	seam_err_t rc;

	memset(out, 0, sizeof *out);
	sid_out[0] = '\0';
	*verdict = SEAM_KEY_INVALID;
	/* The key is checked as a Bearer header would be: one rule for both (keys.h). */
	if (!key || strlen(key) >= SEAM_KEY_MAX)
		return SEAM_OK;
	snprintf(header, sizeof header, "Bearer %s", key);
	*verdict = seam_keys_check(st, header, scope, out->key_name);
	explicit_bzero(header, sizeof header);
	if (*verdict == SEAM_KEY_MISSING)
		*verdict = SEAM_KEY_INVALID; /* an empty key is a wrong key to the person typing it */
	if (*verdict != SEAM_KEY_OK)
		return SEAM_OK;
	if (new_token(sid_out) != 0 || new_token(out->csrf) != 0) {
		sid_out[0] = '\0';
		return seam_errorf(err, SEAM_ERR, "random number generator failed");
	}
	seam_sha256_hex(sid_out, strlen(sid_out), hash);
	out->created_ms = now_ms;
	out->expires_ms = now_ms + ttl_ms;
	snprintf(now, sizeof now, "%lld", (long long)now_ms);
	snprintf(exp, sizeof exp, "%lld", (long long)out->expires_ms);
	db = seam_store_acquire(st);
	rc = seam_db_run(db, "DELETE FROM ops_sessions WHERE expires_at <= $1", (const char *[]){now},
			 1, NULL, err);
	if (rc == SEAM_OK)
		rc = seam_db_run(db,
				 "INSERT INTO ops_sessions (id_hash, key_name, csrf_token, created_at, "
				 "expires_at) VALUES ($1, $2, $3, $4, $5)",
				 (const char *[]){hash, out->key_name, out->csrf, now, exp}, 5, NULL, err);
	seam_store_release(st, db);
	if (rc != SEAM_OK) {
		explicit_bzero(sid_out, SEAM_SESSION_ID_MAX);
		*verdict = SEAM_KEY_INVALID;
	}
	return rc;
}

seam_key_verdict_e seam_sessions_check(seam_store_t *st, const char *sid, const char *scope,
				       int64_t now_ms, seam_session_t *out)
{
	seam_session_t tmp;
	seam_key_verdict_e v = SEAM_KEY_INVALID;
	char hash[65];
	seam_db_t *db;
	seam_stmt_t *s;

	if (!out)
		out = &tmp;
	memset(out, 0, sizeof *out);
	if (!token_shaped(sid))
		return SEAM_KEY_MISSING;
	seam_sha256_hex(sid, strlen(sid), hash);
	db = seam_store_acquire(st);
	if (seam_db_prepare(db,
			    "SELECT s.key_name, s.csrf_token, s.created_at, s.expires_at, k.scopes, "
			    "k.revoked_at FROM ops_sessions s JOIN api_keys k ON k.name = s.key_name "
			    "WHERE s.id_hash = $1",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, hash);
		if (seam_stmt_step(s, NULL) == SEAM_ROW && seam_stmt_column_is_null(s, 5) &&
		    seam_stmt_column_int64(s, 3) > now_ms) {
			snprintf(out->key_name, sizeof out->key_name, "%s", seam_stmt_column_text(s, 0));
			snprintf(out->csrf, sizeof out->csrf, "%s", seam_stmt_column_text(s, 1));
			out->created_ms = seam_stmt_column_int64(s, 2);
			out->expires_ms = seam_stmt_column_int64(s, 3);
			snprintf(out->scopes, sizeof out->scopes, "%s", seam_stmt_column_text(s, 4));
			v = seam_scope_allows(out->scopes, scope) ? SEAM_KEY_OK : SEAM_KEY_NO_SCOPE;
		}
		seam_stmt_reset(s);
	}
	seam_store_release(st, db);
	return v;
}

int seam_sessions_csrf_ok(const seam_session_t *s, const char *token)
{
	size_t n = strlen(s->csrf);
	if (!token || n != TOKEN_LEN || strlen(token) != n)
		return 0;
	return seam_ct_equal(s->csrf, token, n);
}

seam_err_t seam_sessions_close(seam_store_t *st, const char *sid, seam_error_t *err)
{
	char hash[65];
	seam_err_t rc;
	seam_db_t *db;
	if (!token_shaped(sid))
		return SEAM_OK;
	seam_sha256_hex(sid, strlen(sid), hash);
	db = seam_store_acquire(st);
	rc = seam_db_run(db, "DELETE FROM ops_sessions WHERE id_hash = $1", (const char *[]){hash}, 1,
			 NULL, err);
	seam_store_release(st, db);
	return rc;
}
