/*
 * sessions.h: the operator dashboard's sessions (docs/dashboard.md, "Security").
 *
 * A person logs in at /ops/ with an API key; the key is checked once (valid, not revoked, holds
 * the scope the dashboard needs to look, ops:read) and a session is opened for it. The browser
 * then holds the session id in an HttpOnly cookie instead of the key, and every request the
 * session makes acts as that key: the key's scopes now (a key changed or revoked in api_keys
 * takes effect at the next request, a revoked key ends its sessions), never a copy made at login.
 *
 * Invariants:
 *   - The session id (43 url-safe characters, 256 random bits) is handed out once, by open;
 *     only its SHA-256 is stored (migration 014, table ops_sessions), so a copy of the store
 *     lets nobody act as a session.
 *   - A session has a fixed lifetime (expires_ms = opened + ttl), not extended by use; past it
 *     check refuses it (SEAM_KEY_INVALID) as it refuses an unknown id, and the next open
 *     deletes it.
 *   - Each session has its own CSRF token (43 url-safe characters, 256 random bits): the
 *     dashboard sends it with every unsafe request (X-CSRF-Token), the auth hook compares it in
 *     constant time (seam_sessions_csrf_ok).
 *
 * Thread-safety: every function is safe from any thread (each takes its own store connection).
 */
#ifndef SEAM_AUTH_SESSIONS_H
#define SEAM_AUTH_SESSIONS_H

#include <stdint.h>

#include "auth/keys.h"
#include "core/err.h"
#include "store/store.h"

#define SEAM_SESSION_ID_MAX 64   /* a session id or CSRF token with its NUL (43 + 1 used) */

typedef struct seam_session {
	char key_name[64];              /* the API key the session acts as */
	char scopes[256];               /* that key's scopes now (comma-separated) */
	char csrf[SEAM_SESSION_ID_MAX]; /* the session's CSRF token */
	int64_t created_ms, expires_ms;
} seam_session_t;

/* Opens a session for key (the API key itself, as typed) when the key is valid and holds
 * scope. *verdict: SEAM_KEY_OK (then sid_out holds the new session id, shown once, and *out the
 * session), SEAM_KEY_INVALID (unknown, wrong, revoked or malformed: nothing is said about
 * which), SEAM_KEY_NO_SCOPE (out->key_name names the key). Returns SEAM_OK whatever the
 * verdict, or a store error (nothing opened). Deletes expired sessions on the way. */
seam_err_t seam_sessions_open(seam_store_t *st, const char *key, const char *scope, int64_t now_ms,
			      int64_t ttl_ms, seam_key_verdict_e *verdict,
			      char sid_out[SEAM_SESSION_ID_MAX], seam_session_t *out,
			      seam_error_t *err);

/* Checks a session id (the cookie's value) for scope at now_ms: SEAM_KEY_MISSING for an empty
 * or malformed id, SEAM_KEY_INVALID for an unknown or expired session, a revoked key or a store
 * error (refused, never let through), SEAM_KEY_NO_SCOPE when the key lacks scope, SEAM_KEY_OK.
 * *out (may be NULL) is filled on OK and NO_SCOPE. */
seam_key_verdict_e seam_sessions_check(seam_store_t *st, const char *sid, const char *scope,
				       int64_t now_ms, seam_session_t *out);

/* 1 when token (a header value, may be NULL) is the session's CSRF token; constant time in the
 * token's content. */
int seam_sessions_csrf_ok(const seam_session_t *s, const char *token);

/* Ends a session (logout). An unknown or malformed id is SEAM_OK: the outcome is the same. */
seam_err_t seam_sessions_close(seam_store_t *st, const char *sid, seam_error_t *err);

#endif
