/*
 * oauth.c: cached OAuth 2.0 access tokens with single-flight refresh (see oauth.h).
 *
 * State under o->mu: the current access token with its refresh and expiry times, the refresh
 * token, whether a fetch is running, and a generation number bumped when a fetch ends (waiters
 * compare it to learn that the fetch they waited for is over, and how it went). The fetch
 * itself runs without the lock; only the fetching thread touches o->curl.
 *
 * Thread-safety: all entry points may be called from any thread.
 */
#include "http/oauth.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "http/classify.h"

#define TOKEN_REPLY_MAX (64 * 1024)
#define FORM_MAX (64 * 1024) /* the token request's form: credentials and a scope */
#define DEFAULT_EXPIRES_MS 600000
#define FAIL_HOLD_MS 1000

struct seam_oauth {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *upstream, *token_url, *client_id, *client_secret, *username, *password, *scope, *ca_file;
	seam_oauth_grant_e grant;
	seam_oauth_client_auth_e client_auth;
	int64_t connect_timeout_ms, timeout_ms;
	int tls_skip_verify;
	seam_oauth_fetch_fn fetch;
	void *fetch_ud;
	seam_oauth_clock_fn clock;
	void *clock_ud;
	seam_log_t *log;
	seam_metrics_t *metrics;
	seam_log_limit_t warn_limit; /* failed token requests: one warning per window */

	char *access;       /* current access token or NULL */
	char *refresh;      /* refresh token or NULL */
	int64_t refresh_at; /* clock ms: refresh from here on */
	int64_t expires_at; /* clock ms: unusable from here on */
	int fetching;
	uint64_t gen;
	int64_t hold_until; /* clock ms: after a failed fetch, no new fetch before this */
	seam_err_t last_rc;
	char last_msg[SEAM_ERROR_MSG_MAX];
	uint64_t fetches;
	CURL *curl;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Frees a string that may hold a secret, wiping it first. */
static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void seam_oauth_tokens_dispose(seam_oauth_tokens_t *t)
{
	if (!t)
		return;
	free_secret(t->access_token);
	free_secret(t->refresh_token);
	t->access_token = t->refresh_token = NULL;
	t->expires_in_ms = 0;
}

static int64_t clock_ms(seam_oauth_t *o)
{
	if (o->clock)
		return o->clock(o->clock_ud);
	return seam_mono_ns() / 1000000;
}

/* ---- the HTTP fetcher ---- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	size_t len = size * n;
	return seam_buf_add(ud, data, len) == SEAM_OK ? len : 0;
}

/* Appends "&key=escaped(value)" to the form (a secret buffer: it carries credentials). Errors
 * stay on the buffer (buf.h), checked once when the form is complete. */
static void form_add(seam_buf_t *form, const char *key, const char *value)
{
	if (form->len)
		seam_buf_adds(form, "&");
	seam_buf_adds(form, key);
	seam_buf_adds(form, "=");
	seam_buf_add_urlenc(form, value);
}

static seam_err_t parse_reply(const char *body, seam_oauth_tokens_t *out, seam_error_t *err)
{
	json_error_t je;
	json_t *doc = json_loads(body, 0, &je), *v;
	seam_err_t rc = SEAM_AUTH;
	if (!json_is_object(doc)) {
		seam_errorf(err, SEAM_AUTH, "token reply is not a JSON object");
		goto out;
	}
	v = json_object_get(doc, "access_token");
	if (!json_is_string(v) || !json_string_length(v)) {
		seam_errorf(err, SEAM_AUTH, "token reply has no access_token");
		goto out;
	}
	out->access_token = strdup(json_string_value(v));
	v = json_object_get(doc, "token_type");
	if (json_is_string(v) && strcasecmp(json_string_value(v), "bearer") != 0) {
		seam_errorf(err, SEAM_AUTH, "token_type %.32s is not bearer", json_string_value(v));
		goto out;
	}
	v = json_object_get(doc, "refresh_token");
	if (json_is_string(v) && json_string_length(v))
		out->refresh_token = strdup(json_string_value(v));
	v = json_object_get(doc, "expires_in");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		out->expires_in_ms = (int64_t)json_integer_value(v) * 1000;
	else if (json_is_real(v) && json_real_value(v) > 0)
		out->expires_in_ms = (int64_t)(json_real_value(v) * 1000);
	else if (json_is_string(v)) /* some servers send "3600" */
		out->expires_in_ms = strtoll(json_string_value(v), NULL, 10) * 1000;
	if (out->expires_in_ms < 0 || out->expires_in_ms > (int64_t)366 * 86400 * 1000)
		out->expires_in_ms = 0;
	if (!out->access_token) {
		seam_errorf(err, SEAM_NOMEM, "out of memory");
		rc = SEAM_NOMEM;
		goto out;
	}
	rc = SEAM_OK;
out:
	if (rc != SEAM_OK)
		seam_oauth_tokens_dispose(out);
	json_decref(doc);
	return rc;
}

static seam_err_t http_fetch(seam_oauth_t *o, const char *grant_type, const char *refresh_token,
			     int64_t deadline_ns, seam_oauth_tokens_t *out, seam_error_t *err)
{
	seam_err_t rc = SEAM_RETRY;
	seam_buf_t form, body; /* both secrets: credentials out, tokens in */
	struct curl_slist *hdrs = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	long status = 0;
	int64_t timeout_ms = o->timeout_ms;

	seam_buf_init_secret(&form, FORM_MAX);
	seam_buf_init_secret(&body, TOKEN_REPLY_MAX);
	if (deadline_ns) {
		/* The caller's deadline bounds the fetch too (checkout must not wait 30 s). */
		int64_t left = (deadline_ns - seam_mono_ns()) / 1000000;
		if (left < timeout_ms)
			timeout_ms = left > 0 ? left : 1;
	}
	if (!o->curl && !(o->curl = curl_easy_init())) {
		rc = seam_errorf(err, SEAM_NOMEM, "curl_easy_init failed");
		goto out;
	}
	curl_easy_reset(o->curl);
	form_add(&form, "grant_type", grant_type);
	if (strcmp(grant_type, "refresh_token") == 0) {
		form_add(&form, "refresh_token", refresh_token);
	} else if (strcmp(grant_type, "password") == 0) {
		form_add(&form, "username", o->username ? o->username : "");
		form_add(&form, "password", o->password ? o->password : "");
	}
	if (o->scope && strcmp(grant_type, "refresh_token") != 0)
		form_add(&form, "scope", o->scope);
	if (o->client_auth == SEAM_OAUTH_CLIENT_POST) {
		form_add(&form, "client_id", o->client_id);
		form_add(&form, "client_secret", o->client_secret ? o->client_secret : "");
	} else {
		curl_easy_setopt(o->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(o->curl, CURLOPT_USERNAME, o->client_id);
		curl_easy_setopt(o->curl, CURLOPT_PASSWORD, o->client_secret ? o->client_secret : "");
	}
	if (seam_buf_err(&form) == SEAM_TOOBIG) {
		/* credentials and scope that do not fit: no server would take them either */
		rc = seam_errorf(err, SEAM_AUTH, "token request: form larger than %d bytes", FORM_MAX);
		goto out;
	}
	if (seam_buf_err(&form) != SEAM_OK)
		goto nomem;
	if (!(hdrs = curl_slist_append(NULL, "Accept: application/json")) ||
	    !curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded") ||
	    !curl_slist_append(hdrs, "Expect:"))
		goto nomem;
	curl_easy_setopt(o->curl, CURLOPT_URL, o->token_url);
	curl_easy_setopt(o->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(o->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(o->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(o->curl, CURLOPT_POSTFIELDS, seam_buf_str(&form));
	curl_easy_setopt(o->curl, CURLOPT_POSTFIELDSIZE, (long)form.len);
	curl_easy_setopt(o->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(o->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(o->connect_timeout_ms < timeout_ms ? o->connect_timeout_ms : timeout_ms));
	curl_easy_setopt(o->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(o->curl, CURLOPT_SSL_VERIFYPEER, o->tls_skip_verify ? 0L : 1L);
	curl_easy_setopt(o->curl, CURLOPT_SSL_VERIFYHOST, o->tls_skip_verify ? 0L : 2L);
	if (o->ca_file)
		curl_easy_setopt(o->curl, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(o->curl, CURLOPT_USERAGENT, "seam");
	curl_easy_setopt(o->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(o->curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(o->curl, CURLOPT_ERRORBUFFER, ebuf);

	cc = curl_easy_perform(o->curl);
	curl_easy_getinfo(o->curl, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK) {
		if (seam_buf_err(&body) == SEAM_TOOBIG) {
			rc = seam_errorf(err, SEAM_AUTH, "token reply larger than %d bytes",
					 TOKEN_REPLY_MAX);
			goto out;
		}
		rc = seam_upstream_classify(0, (int)cc);
		if (rc == SEAM_PERMANENT)
			rc = SEAM_AUTH;
		seam_errorf(err, rc, "token request: %s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
		goto out;
	}
	if (status == 200) {
		rc = parse_reply(seam_buf_str(&body), out, err);
		goto out;
	}
	rc = seam_upstream_classify(status, 0);
	if (rc == SEAM_OK || rc == SEAM_PERMANENT)
		rc = SEAM_AUTH;
	{
		/* RFC 6749 5.2: {"error": "invalid_client", ...}: a code, but it is the server's
		 * text, so it is masked like everything else an upstream answers (client.c). */
		json_t *doc = body.len ? json_loads(seam_buf_str(&body), 0, NULL) : NULL;
		const char *code = json_string_value(json_object_get(doc, "error"));
		char masked[128];
		seam_mask_pii(code, masked, sizeof masked);
		seam_errorf(err, rc, "token request: HTTP %ld%s%.64s", status, code ? " " : "", masked);
		json_decref(doc);
	}
	goto out;
nomem:
	rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
out:
	if (o->curl) {
		/* Do not leave pointers to freed memory (or the secret) in the handle. */
		curl_easy_setopt(o->curl, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(o->curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(o->curl, CURLOPT_ERRORBUFFER, NULL);
	}
	curl_slist_free_all(hdrs);
	seam_buf_dispose(&form);
	seam_buf_dispose(&body);
	return rc;
}

/* ---- the cache ---- */

seam_oauth_t *seam_oauth_create(const seam_oauth_opts_t *opts, seam_log_t *log,
				seam_metrics_t *metrics, seam_error_t *err)
{
	seam_oauth_t *o = NULL;
	pthread_condattr_t ca;
	if (!opts || !opts->fetch) {
		if (!opts || !opts->token_url || !*opts->token_url) {
			seam_errorf(err, SEAM_CONFIG, "oauth2: token_url is required");
			return NULL;
		}
		if (!opts->client_id || !*opts->client_id) {
			seam_errorf(err, SEAM_CONFIG, "oauth2: client_id is required");
			return NULL;
		}
		if (opts->grant == SEAM_OAUTH_PASSWORD && (!opts->username || !opts->password)) {
			seam_errorf(err, SEAM_CONFIG, "oauth2 password grant: username and password are required");
			return NULL;
		}
	}
	if (!(o = calloc(1, sizeof *o)))
		goto nomem;
	o->upstream = strdup(opts->upstream ? opts->upstream : "upstream");
	o->token_url = dup_or_null(opts->token_url);
	o->client_id = dup_or_null(opts->client_id);
	o->client_secret = dup_or_null(opts->client_secret);
	o->username = dup_or_null(opts->username);
	o->password = dup_or_null(opts->password);
	o->scope = opts->scope && *opts->scope ? strdup(opts->scope) : NULL;
	o->ca_file = dup_or_null(opts->ca_file);
	if (!o->upstream || (opts->token_url && !o->token_url) || (opts->client_id && !o->client_id) ||
	    (opts->client_secret && !o->client_secret) || (opts->username && !o->username) ||
	    (opts->password && !o->password) || (opts->ca_file && !o->ca_file) ||
	    (opts->scope && *opts->scope && !o->scope))
		goto nomem;
	o->grant = opts->grant;
	o->client_auth = opts->client_auth;
	o->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 5000;
	o->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
	o->tls_skip_verify = opts->tls_skip_verify;
	o->fetch = opts->fetch;
	o->fetch_ud = opts->fetch_ud;
	o->clock = opts->clock;
	o->clock_ud = opts->clock_ud;
	o->log = log;
	o->metrics = metrics;
	seam_log_limit_init(&o->warn_limit, opts->warn_every_ms > 0 ? opts->warn_every_ms : 10000);
	pthread_mutex_init(&o->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->cv, &ca);
	pthread_condattr_destroy(&ca);
	return o;
nomem:
	seam_errorf(err, SEAM_NOMEM, "out of memory");
	if (o) {
		free(o->upstream);
		free(o->token_url);
		free_secret(o->client_id);
		free_secret(o->client_secret);
		free_secret(o->username);
		free_secret(o->password);
		free(o->scope);
		free(o->ca_file);
		free(o);
	}
	return NULL;
}

void seam_oauth_destroy(seam_oauth_t *o)
{
	if (!o)
		return;
	if (o->curl)
		curl_easy_cleanup(o->curl);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	free(o->upstream);
	free(o->token_url);
	free_secret(o->client_id);
	free_secret(o->client_secret);
	free_secret(o->username);
	free_secret(o->password);
	free(o->scope);
	free(o->ca_file);
	free_secret(o->access);
	free_secret(o->refresh);
	free(o);
}

static const char *primary_grant(const seam_oauth_t *o)
{
	return o->grant == SEAM_OAUTH_PASSWORD ? "password" : "client_credentials";
}

static seam_err_t fetch_one(seam_oauth_t *o, const char *grant_type, const char *refresh_token,
			    int64_t deadline_ns, seam_oauth_tokens_t *out, seam_error_t *err)
{
	seam_err_t rc;
	const char *result;
	if (o->fetch)
		rc = o->fetch(o->fetch_ud, grant_type, refresh_token, out, err);
	else
		rc = http_fetch(o, grant_type, refresh_token, deadline_ns, out, err);
	if (rc == SEAM_OK && !out->access_token)
		rc = seam_errorf(err, SEAM_AUTH, "token fetcher returned no access token");
	result = rc == SEAM_OK ? "ok" : rc == SEAM_AUTH ? "refused" : "error";
	seam_metric_add(o->metrics, SEAM_M_UPSTREAM_TOKEN_REQUESTS,
			(const char *[]){o->upstream, grant_type, result}, 1);
	__atomic_add_fetch(&o->fetches, 1, __ATOMIC_RELAXED);
	return rc;
}

/* Refresh grant first when we hold a refresh token, then the primary grant. */
static seam_err_t fetch_tokens(seam_oauth_t *o, const char *refresh_token, const char *cid,
			       int64_t deadline_ns, seam_oauth_tokens_t *out, seam_error_t *err)
{
	seam_err_t rc;
	if (refresh_token) {
		seam_error_t rerr = {0};
		rc = fetch_one(o, "refresh_token", refresh_token, deadline_ns, out, &rerr);
		if (rc == SEAM_OK)
			return rc;
		seam_logf(o->log, SEAM_LOG_INFO, "oauth", cid,
			  json_pack("{s:s, s:s}", "upstream", o->upstream, "error", rerr.msg),
			  "refresh grant failed; authenticating again");
		seam_oauth_tokens_dispose(out);
	}
	return fetch_one(o, primary_grant(o), NULL, deadline_ns, out, err);
}

static void store_tokens(seam_oauth_t *o, seam_oauth_tokens_t *t, int64_t now)
{
	int64_t e = t->expires_in_ms > 0 ? t->expires_in_ms : DEFAULT_EXPIRES_MS;
	int64_t half = e / 2, lead = e / 5;
	if (lead < (half < 30000 ? half : 30000))
		lead = half < 30000 ? half : 30000;
	free_secret(o->access);
	o->access = t->access_token;
	t->access_token = NULL;
	if (t->refresh_token) { /* a server that rotates refresh tokens sends a new one */
		free_secret(o->refresh);
		o->refresh = t->refresh_token;
		t->refresh_token = NULL;
	}
	o->refresh_at = now + e - lead;
	o->expires_at = now + e - (e / 10 < 2000 ? e / 10 : 2000);
}

static int wait_until(seam_oauth_t *o, int64_t deadline_ns)
{
	struct timespec ts;
	if (!deadline_ns)
		return pthread_cond_wait(&o->cv, &o->mu);
	ts.tv_sec = deadline_ns / 1000000000;
	ts.tv_nsec = deadline_ns % 1000000000;
	return pthread_cond_timedwait(&o->cv, &o->mu, &ts);
}

static seam_err_t copy_token(const char *tok, char **out, seam_error_t *err)
{
	if (!(*out = strdup(tok)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	return SEAM_OK;
}

seam_err_t seam_oauth_token(seam_oauth_t *o, int64_t deadline_ns, const char *cid, char **out,
			    seam_error_t *err)
{
	seam_err_t rc;
	char *rt = NULL;
	seam_oauth_tokens_t t = {0};
	seam_error_t ferr = {0};
	int64_t now;
	int valid;
	*out = NULL;
	pthread_mutex_lock(&o->mu);
	for (;;) {
		now = clock_ms(o);
		valid = o->access && now < o->expires_at;
		if (o->access && now < o->refresh_at) {
			rc = copy_token(o->access, out, err);
			goto unlock;
		}
		if (valid && (o->fetching || now < o->hold_until)) {
			/* Someone is refreshing, or a refresh just failed: the old token is still good. */
			rc = copy_token(o->access, out, err);
			goto unlock;
		}
		if (!o->fetching && now < o->hold_until && o->last_rc != SEAM_OK) {
			/* A fetch failed a moment ago; do not hammer the token endpoint. */
			rc = seam_errorf(err, o->last_rc, "%s", o->last_msg);
			goto unlock;
		}
		if (!o->fetching)
			break;
		uint64_t gen = o->gen;
		while (o->fetching && o->gen == gen) {
			if (wait_until(o, deadline_ns) != 0 && o->fetching) {
				rc = seam_errorf(err, SEAM_TIMEOUT,
						 "%s: deadline passed waiting for an access token", o->upstream);
				goto unlock;
			}
		}
	}
	o->fetching = 1;
	if (o->refresh && !(rt = strdup(o->refresh))) {
		o->fetching = 0;
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto unlock;
	}
	pthread_mutex_unlock(&o->mu);

	rc = fetch_tokens(o, rt, cid, deadline_ns, &t, &ferr);

	pthread_mutex_lock(&o->mu);
	o->fetching = 0;
	o->gen++;
	o->last_rc = rc;
	memcpy(o->last_msg, ferr.msg, sizeof o->last_msg);
	now = clock_ms(o);
	/* A timeout may be the fetching caller's own short deadline, not the endpoint's fault:
	 * let the next caller try at once. */
	o->hold_until = rc == SEAM_OK || rc == SEAM_TIMEOUT ? 0 : now + FAIL_HOLD_MS;
	if (rc == SEAM_OK) {
		store_tokens(o, &t, now);
		seam_logf(o->log, SEAM_LOG_INFO, "oauth", cid,
			  json_pack("{s:s, s:I}", "upstream", o->upstream, "expires_in_s",
				    (json_int_t)((o->expires_at - now) / 1000)),
			  "access token obtained");
		rc = copy_token(o->access, out, err);
	} else if (o->access && now < o->expires_at) {
		seam_logf_limited(o->log, &o->warn_limit, SEAM_LOG_WARN, "oauth", cid,
				  json_pack("{s:s, s:s}", "upstream", o->upstream, "error", ferr.msg),
				  "token refresh failed; using the current token until it expires");
		rc = copy_token(o->access, out, err);
	} else {
		seam_logf_limited(o->log, &o->warn_limit, SEAM_LOG_WARN, "oauth", cid,
				  json_pack("{s:s, s:s}", "upstream", o->upstream, "error", ferr.msg),
				  "token request failed");
		free_secret(o->access);
		o->access = NULL;
		seam_errorf(err, rc, "%s", ferr.msg);
	}
	pthread_cond_broadcast(&o->cv);
unlock:
	pthread_mutex_unlock(&o->mu);
	seam_oauth_tokens_dispose(&t);
	free_secret(rt);
	return rc;
}

void seam_oauth_invalidate(seam_oauth_t *o, const char *token)
{
	if (!o || !token)
		return;
	pthread_mutex_lock(&o->mu);
	if (o->access && strcmp(o->access, token) == 0) {
		free_secret(o->access);
		o->access = NULL;
	}
	pthread_mutex_unlock(&o->mu);
}

uint64_t seam_oauth_fetch_count(seam_oauth_t *o)
{
	return __atomic_load_n(&o->fetches, __ATOMIC_RELAXED);
}
