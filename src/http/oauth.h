/*
 * oauth.h: OAuth 2.0 access tokens for one upstream (RFC 6749 client credentials, section 4.4,
 * and resource owner password, section 4.3), cached and refreshed before they expire.
 *
 * seam_oauth_token() hands out the cached access token. The token is refreshed ahead of its
 * expiry, at expires_in minus a lead of max(20% of expires_in, min(30 s, half of it)): at 80%
 * for an hour-long token, 30 s before for a two-minute one. Refreshing uses the refresh_token
 * grant when the server gave a refresh token, and falls back to the primary grant when that
 * fails (refresh token expired or revoked). Exactly one thread fetches at a time: while it
 * does, other threads keep using the old token if it is still valid, or wait for the fetch
 * (bounded by their deadline) if there is none. When a fetch fails, for the next second
 * callers get the old token while it is still valid, or else that fetch's error at once,
 * instead of each trying again (waiters included).
 *
 * Token request: POST token_url, application/x-www-form-urlencoded, grant_type and, for the
 * password grant, username and password; scope when configured. The client authenticates with
 * HTTP Basic (client_id:client_secret, the method every server must support) unless
 * client_auth is SEAM_OAUTH_CLIENT_POST (client_id and client_secret in the form body). The
 * reply is JSON: access_token (required), expires_in (seconds; 600 assumed when absent),
 * refresh_token (optional), token_type (must be "bearer" when present, any case).
 *
 * Secrets: nothing here logs a secret. Error messages carry the token endpoint's status and
 * its "error" code (masked like any upstream text), never the form body, the Authorization
 * header or a token. Copies of the secrets are wiped when the object is destroyed. Failed
 * fetches are warned about at most once per warn_every_ms (log.h seam_logf_limited).
 *
 * Thread-safety: a seam_oauth_t may be shared by all threads.
 */
#ifndef SEAM_HTTP_OAUTH_H
#define SEAM_HTTP_OAUTH_H

#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "core/metrics.h"

typedef enum seam_oauth_grant_e {
	SEAM_OAUTH_CLIENT_CREDENTIALS,
	SEAM_OAUTH_PASSWORD,
} seam_oauth_grant_e;

typedef enum seam_oauth_client_auth_e {
	SEAM_OAUTH_CLIENT_BASIC = 0, /* Authorization: Basic base64(client_id:client_secret) */
	SEAM_OAUTH_CLIENT_POST,      /* client_id / client_secret form fields */
} seam_oauth_client_auth_e;

/* What one token request produced. Strings are owned (malloc); seam_oauth_tokens_dispose. */
typedef struct seam_oauth_tokens {
	char *access_token;
	char *refresh_token;  /* NULL when the server gave none */
	int64_t expires_in_ms; /* 0 when the server did not say */
} seam_oauth_tokens_t;
void seam_oauth_tokens_dispose(seam_oauth_tokens_t *t);

/*
 * Performs one token request. grant_type is "client_credentials", "password" or
 * "refresh_token" (then refresh_token is set). Fills *out on SEAM_OK. Returns SEAM_AUTH when
 * the server refused (4xx), SEAM_RETRY / SEAM_TIMEOUT for transient failures. The default
 * fetcher (fetch == NULL) does it over HTTP; tests inject their own.
 */
typedef seam_err_t (*seam_oauth_fetch_fn)(void *ud, const char *grant_type,
					  const char *refresh_token, seam_oauth_tokens_t *out,
					  seam_error_t *err);

/* A clock in milliseconds (monotonic); tests inject one. */
typedef int64_t (*seam_oauth_clock_fn)(void *ud);

typedef struct seam_oauth_opts {
	const char *upstream;          /* name for logs and metrics */
	seam_oauth_grant_e grant;
	const char *token_url;
	const char *client_id, *client_secret;
	const char *username, *password; /* password grant */
	const char *scope;             /* NULL: none sent */
	seam_oauth_client_auth_e client_auth;
	/* HTTP settings for the default fetcher (0 = defaults 5000 / 10000). */
	int64_t connect_timeout_ms, timeout_ms;
	int tls_skip_verify;           /* 1 disables certificate checks (tests only) */
	const char *ca_file;
	int64_t warn_every_ms;         /* at most one failure warning per window [10000] */
	/* Injection for tests: NULL uses HTTP and the monotonic clock. */
	seam_oauth_fetch_fn fetch;
	void *fetch_ud;
	seam_oauth_clock_fn clock;
	void *clock_ud;
} seam_oauth_opts_t;

typedef struct seam_oauth seam_oauth_t;

/* All strings in opts are copied. log and metrics are borrowed (may be NULL). Returns owned
 * (free with seam_oauth_destroy), or NULL with err set (missing token_url / client_id, ...). */
seam_oauth_t *seam_oauth_create(const seam_oauth_opts_t *opts, seam_log_t *log,
				seam_metrics_t *metrics, seam_error_t *err);
void seam_oauth_destroy(seam_oauth_t *o);

/*
 * Writes a valid access token to *out (owned, free with free(); wipe is not needed but
 * welcome). Fetches or refreshes as described above. deadline_ns (seam_mono_ns() time; 0 = no
 * bound) bounds both waiting for another thread's fetch and this thread's own HTTP fetch; a
 * fetch that fails with SEAM_TIMEOUT sets no hold-off. cid is for log lines (may be NULL).
 * Returns SEAM_OK, SEAM_AUTH (credentials refused), SEAM_RETRY or SEAM_TIMEOUT.
 */
seam_err_t seam_oauth_token(seam_oauth_t *o, int64_t deadline_ns, const char *cid, char **out,
			    seam_error_t *err);

/* The upstream rejected `token` (401): forget it if it is still the cached one, so the next
 * seam_oauth_token() fetches a new one. The refresh token is kept. */
void seam_oauth_invalidate(seam_oauth_t *o, const char *token);

/* Token requests made so far (successful or not), for tests. */
uint64_t seam_oauth_fetch_count(seam_oauth_t *o);

#endif
