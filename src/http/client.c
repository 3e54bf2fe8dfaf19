/*
 * client.c: the upstream client (see client.h for the call path, classification and the
 * connection design).
 *
 * Locks: pool_mu guards the handle pool and the in-flight count; the breaker, rate limit and
 * OAuth cache have their own locks; share_mu[] are libcurl's share locks. No lock is held
 * during an HTTP exchange, a sleep or a log write.
 */
#include "http/client.h"

#include <ctype.h>
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
#include "core/crypto.h"
#include "core/ids.h"
#include "core/json.h"
#include "http/ratelimit.h"
#include "http/retry.h"

#define MAX_RESPONSE_HEADERS 128
#define MAX_URL_LEN 8192
#define HEADER_MAX (128 * 1024) /* one request header line: room for any token reply (oauth.c) */
#define ERROR_BODY_EXCERPT 200

struct seam_upstream {
	char *name;
	char *base_url;  /* without trailing '/' */
	char *origin;    /* scheme://authority */
	int64_t connect_timeout_ms, timeout_ms, queue_wait_ms, rate_wait_ms, retry_after_max_ms;
	size_t max_response_bytes;
	int tls_skip_verify;
	char *ca_file;
	char *user_agent;
	seam_auth_type_e auth_type;
	char *auth_name;  /* header name the auth goes in ("Authorization", "X-API-Key") */
	char *auth_line;  /* static auth: the whole "Name: value" line (secret) */
	seam_oauth_t *oauth;
	seam_log_t *log;
	seam_metrics_t *metrics;
	seam_log_limit_t warn_limit; /* retryable failure warnings of this upstream */

	seam_breaker_t *breaker;
	seam_ratelimit_t rl;
	int rl_ready;

	CURLSH *share;
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
	int share_ready;

	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	int pool_ready;
	CURL **idle;     /* LIFO of handles not in use */
	int nidle;
	int created;     /* handles that exist (idle + in use) */
	int max;         /* bulkhead size */
	int inflight;
};

/* ---- process-wide ---- */

seam_err_t seam_http_client_global_init(seam_error_t *err)
{
	CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cc != CURLE_OK)
		return seam_errorf(err, SEAM_ERR, "curl_global_init: %s", curl_easy_strerror(cc));
	return SEAM_OK;
}

void seam_http_client_global_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- small helpers ---- */

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int64_t seam_upstream_deadline_in(int64_t ms)
{
	return seam_mono_ns() + ms * 1000000;
}

static int is_tchar(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int valid_header_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* Header values: visible characters, spaces and tabs; never CR, LF or other controls. */
static int valid_header_value(const char *s)
{
	if (!s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

static int valid_method(const char *m)
{
	size_t n = 0;
	for (; m[n]; n++)
		if (m[n] < 'A' || m[n] > 'Z')
			return 0;
	return n > 0 && n <= 16;
}

static int valid_url_chars(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}

static int valid_name(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && !strchr("_-.", s[n]))
			return 0;
	return n > 0 && n <= 64;
}

/* What an exchange says about the upstream's health. */
static seam_breaker_outcome_e breaker_outcome(long status, int curl_code)
{
	if (curl_code == CURLE_WRITE_ERROR) /* our own body cap: the upstream did answer */
		return SEAM_BREAKER_IGNORE;
	if (curl_code != CURLE_OK)
		return SEAM_BREAKER_FAILURE;
	if (status == 429 || status == 425)
		return SEAM_BREAKER_IGNORE;
	if (status >= 500 || status == 408)
		return SEAM_BREAKER_FAILURE;
	return SEAM_BREAKER_SUCCESS;
}

static const char *outcome_label(seam_err_t rc)
{
	switch (rc) {
	case SEAM_OK:
		return "ok";
	case SEAM_TIMEOUT:
		return "timeout";
	case SEAM_PERMANENT:
		return "permanent";
	default:
		return "retry";
	}
}

/* ---- auth types ---- */

static const char *const auth_names[] = {
	[SEAM_AUTH_NONE] = "none",
	[SEAM_AUTH_BEARER] = "bearer",
	[SEAM_AUTH_API_KEY] = "api_key",
	[SEAM_AUTH_BASIC] = "basic",
	[SEAM_AUTH_OAUTH2_CLIENT_CREDENTIALS] = "oauth2_client_credentials",
	[SEAM_AUTH_OAUTH2_PASSWORD] = "oauth2_password",
};

int seam_auth_type_parse(const char *s, seam_auth_type_e *out)
{
	for (size_t i = 0; s && i < sizeof auth_names / sizeof *auth_names; i++) {
		if (strcmp(s, auth_names[i]) == 0) {
			*out = (seam_auth_type_e)i;
			return 0;
		}
	}
	return -1;
}

const char *seam_auth_type_name(seam_auth_type_e t)
{
	if ((int)t < 0 || (size_t)t >= sizeof auth_names / sizeof *auth_names)
		return "unknown";
	return auth_names[t];
}

/* Builds the static auth line ("Authorization: Bearer x") or the OAuth cache. */
static seam_err_t setup_auth(seam_upstream_t *u, const seam_upstream_opts_t *opts,
			     seam_error_t *err)
{
	const seam_upstream_auth_t *a = &opts->auth;
	seam_buf_t line; /* the whole static "Name: value" line, a secret */
	seam_err_t rc;
	seam_buf_init_secret(&line, HEADER_MAX);
	u->auth_type = a->type;
	switch (a->type) {
	case SEAM_AUTH_NONE:
		return SEAM_OK;
	case SEAM_AUTH_BEARER:
	case SEAM_AUTH_API_KEY: {
		const char *hname = a->type == SEAM_AUTH_BEARER ? "Authorization"
				    : a->header && *a->header ? a->header : "X-API-Key";
		if (!a->token || !*a->token || !valid_header_value(a->token))
			return seam_errorf(err, SEAM_CONFIG, "upstream %s: auth %s needs a token",
					   u->name, seam_auth_type_name(a->type));
		if (!valid_header_name(hname))
			return seam_errorf(err, SEAM_CONFIG, "upstream %s: bad auth header name",
					   u->name);
		if (!(u->auth_name = strdup(hname)))
			goto nomem;
		seam_buf_adds(&line, hname);
		seam_buf_adds(&line, ": ");
		if (a->type == SEAM_AUTH_BEARER)
			seam_buf_adds(&line, "Bearer ");
		seam_buf_adds(&line, a->token);
		break;
	}
	case SEAM_AUTH_BASIC: {
		size_t ul, pl, n;
		char *pair = NULL, *b64 = NULL;
		if (!a->username || !a->password)
			return seam_errorf(err, SEAM_CONFIG,
					   "upstream %s: auth basic needs username and password", u->name);
		if (strchr(a->username, ':'))
			return seam_errorf(err, SEAM_CONFIG,
					   "upstream %s: a basic auth username cannot contain ':'", u->name);
		ul = strlen(a->username);
		pl = strlen(a->password);
		n = ul + 1 + pl;
		pair = malloc(n + 1);
		b64 = malloc(4 * ((n + 2) / 3) + 1);
		if (!pair || !b64) {
			free(pair);
			free(b64);
			goto nomem;
		}
		memcpy(pair, a->username, ul);
		pair[ul] = ':';
		memcpy(pair + ul + 1, a->password, pl + 1);
		b64[seam_base64_encode(pair, n, b64)] = '\0';
		explicit_bzero(pair, n);
		free(pair);
		seam_buf_adds(&line, "Authorization: Basic ");
		seam_buf_adds(&line, b64);
		free_secret(b64);
		if (!(u->auth_name = strdup("Authorization")))
			goto nomem;
		break;
	}
	case SEAM_AUTH_OAUTH2_CLIENT_CREDENTIALS:
	case SEAM_AUTH_OAUTH2_PASSWORD: {
		seam_oauth_opts_t oo = {
			.upstream = u->name,
			.grant = a->type == SEAM_AUTH_OAUTH2_PASSWORD ? SEAM_OAUTH_PASSWORD
								      : SEAM_OAUTH_CLIENT_CREDENTIALS,
			.token_url = a->token_url,
			.client_id = a->client_id,
			.client_secret = a->client_secret,
			.username = a->username,
			.password = a->password,
			.scope = a->scope,
			.client_auth = a->client_auth,
			.connect_timeout_ms = u->connect_timeout_ms,
			.timeout_ms = u->timeout_ms,
			.tls_skip_verify = u->tls_skip_verify,
			.ca_file = u->ca_file,
			.warn_every_ms = opts->warn_every_ms,
		};
		seam_error_t oerr = {0};
		if (!(u->auth_name = strdup("Authorization")))
			goto nomem;
		if (!(u->oauth = seam_oauth_create(&oo, u->log, u->metrics, &oerr)))
			return seam_errorf(err, oerr.code, "upstream %s: %s", u->name, oerr.msg);
		return SEAM_OK;
	}
	default:
		return seam_errorf(err, SEAM_CONFIG, "upstream %s: unknown auth type %d", u->name,
				   (int)a->type);
	}
	rc = seam_buf_take(&line, &u->auth_line, NULL); /* wipes the line when it fails */
	if (rc == SEAM_TOOBIG)
		return seam_errorf(err, SEAM_CONFIG, "upstream %s: auth header longer than %d bytes",
				   u->name, HEADER_MAX);
	if (rc != SEAM_OK)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	return SEAM_OK;
nomem:
	seam_buf_dispose(&line);
	return seam_errorf(err, SEAM_NOMEM, "out of memory");
}

/* ---- create / destroy ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
	seam_upstream_t *u = ud;
	(void)h;
	(void)access;
	pthread_mutex_lock(&u->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	seam_upstream_t *u = ud;
	(void)h;
	pthread_mutex_unlock(&u->share_mu[data]);
}

/* Splits base_url into the stored base (no trailing '/') and origin; refuses userinfo. */
static seam_err_t parse_base(seam_upstream_t *u, const char *base, seam_error_t *err)
{
	const char *auth, *end;
	size_t n;
	if (!base || !*base)
		return seam_errorf(err, SEAM_CONFIG, "upstream %s: base_url is required", u->name);
	if (strncmp(base, "https://", 8) == 0)
		auth = base + 8;
	else if (strncmp(base, "http://", 7) == 0)
		auth = base + 7;
	else
		return seam_errorf(err, SEAM_CONFIG, "upstream %s: base_url must be http:// or https://",
				   u->name);
	if (!valid_url_chars(base) || strlen(base) > 2048)
		return seam_errorf(err, SEAM_CONFIG, "upstream %s: base_url has invalid characters",
				   u->name);
	end = auth + strcspn(auth, "/?#");
	if (end == auth)
		return seam_errorf(err, SEAM_CONFIG, "upstream %s: base_url has no host", u->name);
	if (memchr(auth, '@', (size_t)(end - auth)))
		return seam_errorf(err, SEAM_CONFIG,
				   "upstream %s: base_url may not carry credentials; use auth settings",
				   u->name);
	if (strpbrk(end, "?#"))
		return seam_errorf(err, SEAM_CONFIG, "upstream %s: base_url may not have a query",
				   u->name);
	if (!(u->origin = strndup(base, (size_t)(end - base))))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	n = strlen(base);
	while (n > (size_t)(end - base) && base[n - 1] == '/')
		n--;
	if (!(u->base_url = strndup(base, n)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	return SEAM_OK;
}

seam_upstream_t *seam_upstream_create(const seam_upstream_opts_t *opts, seam_log_t *log,
				      seam_metrics_t *metrics, seam_error_t *err)
{
	seam_upstream_t *u = NULL;
	pthread_condattr_t ca;
	seam_err_t rc = SEAM_CONFIG;

	if (!opts || !valid_name(opts->name)) {
		seam_errorf(err, SEAM_CONFIG, "upstream name must be 1-64 characters of [A-Za-z0-9_.-]");
		return NULL;
	}
	if (!(u = calloc(1, sizeof *u)) || !(u->name = strdup(opts->name))) {
		free(u);
		seam_errorf(err, SEAM_NOMEM, "out of memory");
		return NULL;
	}
	u->log = log;
	u->metrics = metrics;
	seam_log_limit_init(&u->warn_limit, opts->warn_every_ms > 0 ? opts->warn_every_ms : 10000);
	if ((rc = parse_base(u, opts->base_url, err)) != SEAM_OK)
		goto out;
	u->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 5000;
	u->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	u->queue_wait_ms = opts->queue_wait_ms > 0 ? opts->queue_wait_ms : 1000;
	u->rate_wait_ms = opts->rate_wait_ms > 0 ? opts->rate_wait_ms : 1000;
	u->retry_after_max_ms = opts->retry_after_max_ms > 0 ? opts->retry_after_max_ms : 600000;
	u->max_response_bytes = opts->max_response_bytes > 0 ? opts->max_response_bytes : 8u << 20;
	u->max = opts->max_concurrency > 0 ? opts->max_concurrency : 8;
	u->tls_skip_verify = opts->tls_skip_verify;
	if (opts->rate_per_s < 0 || opts->burst < 0) {
		rc = seam_errorf(err, SEAM_CONFIG, "upstream %s: rate_per_s and burst must be >= 0",
				 u->name);
		goto out;
	}
	if (opts->auth.token_url && *opts->auth.token_url &&
	    strncmp(opts->auth.token_url, "https://", 8) != 0 &&
	    strncmp(opts->auth.token_url, "http://", 7) != 0) {
		rc = seam_errorf(err, SEAM_CONFIG, "upstream %s: token_url must be http:// or https://",
				 u->name);
		goto out;
	}
	if ((opts->ca_file && !(u->ca_file = strdup(opts->ca_file))) ||
	    !(u->user_agent = strdup(opts->user_agent ? opts->user_agent : "seam"))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = setup_auth(u, opts, err)) != SEAM_OK)
		goto out;
	if (!(u->breaker = seam_breaker_create(&opts->breaker)) ||
	    !(u->idle = calloc((size_t)u->max, sizeof *u->idle)) || !(u->share = curl_share_init())) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	seam_ratelimit_init(&u->rl, opts->rate_per_s, opts->burst);
	u->rl_ready = 1;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&u->share_mu[i], NULL);
	u->share_ready = 1;
	curl_share_setopt(u->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(u->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(u->share, CURLSHOPT_USERDATA, u);
	curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	pthread_mutex_init(&u->pool_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->pool_cv, &ca);
	pthread_condattr_destroy(&ca);
	u->pool_ready = 1;

	seam_metric_set(metrics, SEAM_M_UPSTREAM_BREAKER_STATE, (const char *[]){u->name}, 0);
	seam_metric_set(metrics, SEAM_M_UPSTREAM_INFLIGHT, (const char *[]){u->name}, 0);
	if (u->tls_skip_verify)
		seam_logf(log, SEAM_LOG_WARN, "upstream", NULL, json_pack("{s:s}", "upstream", u->name),
			  "TLS certificate verification is OFF for this upstream");
	rc = SEAM_OK;
out:
	if (rc != SEAM_OK) {
		seam_upstream_destroy(u);
		return NULL;
	}
	return u;
}

void seam_upstream_destroy(seam_upstream_t *u)
{
	if (!u)
		return;
	/* Handles before the share they use. All handles are idle: destroy is not concurrent
	 * with calls. */
	for (int i = 0; i < u->nidle; i++)
		curl_easy_cleanup(u->idle[i]);
	free(u->idle);
	if (u->share)
		curl_share_cleanup(u->share);
	if (u->share_ready)
		for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
			pthread_mutex_destroy(&u->share_mu[i]);
	if (u->pool_ready) {
		pthread_cond_destroy(&u->pool_cv);
		pthread_mutex_destroy(&u->pool_mu);
	}
	if (u->rl_ready)
		seam_ratelimit_dispose(&u->rl);
	seam_breaker_destroy(u->breaker);
	seam_oauth_destroy(u->oauth);
	free_secret(u->auth_line);
	free(u->auth_name);
	free(u->user_agent);
	free(u->ca_file);
	free(u->origin);
	free(u->base_url);
	free(u->name);
	free(u);
}

const char *seam_upstream_name(const seam_upstream_t *u)
{
	return u->name;
}

const char *seam_upstream_base_url(const seam_upstream_t *u)
{
	return u->base_url;
}

seam_breaker_state_e seam_upstream_breaker_state(seam_upstream_t *u)
{
	return seam_breaker_state(u->breaker);
}

int seam_upstream_in_flight(seam_upstream_t *u)
{
	int n;
	pthread_mutex_lock(&u->pool_mu);
	n = u->inflight;
	pthread_mutex_unlock(&u->pool_mu);
	return n;
}

/* ---- the handle pool (bulkhead) ---- */

static CURL *pool_get(seam_upstream_t *u, int64_t until_ns)
{
	CURL *h = NULL;
	struct timespec ts = {.tv_sec = until_ns / 1000000000, .tv_nsec = until_ns % 1000000000};
	pthread_mutex_lock(&u->pool_mu);
	while (u->nidle == 0 && u->created >= u->max) {
		if (pthread_cond_timedwait(&u->pool_cv, &u->pool_mu, &ts) != 0 && u->nidle == 0 &&
		    u->created >= u->max) {
			pthread_mutex_unlock(&u->pool_mu);
			return NULL;
		}
	}
	if (u->nidle > 0) {
		h = u->idle[--u->nidle];
	} else {
		u->created++;
		pthread_mutex_unlock(&u->pool_mu);
		h = curl_easy_init();
		pthread_mutex_lock(&u->pool_mu);
		if (!h) {
			u->created--;
			pthread_cond_signal(&u->pool_cv);
			pthread_mutex_unlock(&u->pool_mu);
			return NULL;
		}
	}
	u->inflight++;
	pthread_mutex_unlock(&u->pool_mu);
	seam_metric_add(u->metrics, SEAM_M_UPSTREAM_INFLIGHT, (const char *[]){u->name}, 1);
	return h;
}

static void pool_put(seam_upstream_t *u, CURL *h)
{
	pthread_mutex_lock(&u->pool_mu);
	u->idle[u->nidle++] = h;
	u->inflight--;
	pthread_cond_signal(&u->pool_cv);
	pthread_mutex_unlock(&u->pool_mu);
	seam_metric_add(u->metrics, SEAM_M_UPSTREAM_INFLIGHT, (const char *[]){u->name}, -1);
}

/* ---- responses ---- */

const char *seam_response_header(const seam_response_t *resp, const char *name)
{
	if (!resp || !name)
		return NULL;
	for (size_t i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

static void clear_headers(seam_response_t *resp)
{
	for (size_t i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	resp->headers = NULL;
	resp->nheaders = 0;
}

void seam_response_dispose(seam_response_t *resp)
{
	if (!resp)
		return;
	clear_headers(resp);
	free(resp->body);
	memset(resp, 0, sizeof *resp);
	resp->retry_after_ms = -1;
}

typedef struct exchange {
	seam_response_t *resp;
	seam_buf_t body; /* capped at max_response_bytes */
	int header_oom;
} exchange_t;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	exchange_t *x = ud;
	size_t len = size * n;
	return seam_buf_add(&x->body, data, len) == SEAM_OK ? len : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	exchange_t *x = ud;
	seam_response_t *r = x->resp;
	size_t len = size * n, nl, vs, ve;
	const char *colon;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		clear_headers(r); /* a new response (after 100 Continue or a retry): start over */
		return len;
	}
	colon = memchr(data, ':', len);
	if (!colon || r->nheaders >= MAX_RESPONSE_HEADERS)
		return len;
	nl = (size_t)(colon - data);
	vs = nl + 1;
	ve = len;
	while (vs < ve && (data[vs] == ' ' || data[vs] == '\t'))
		vs++;
	while (ve > vs && (data[ve - 1] == '\r' || data[ve - 1] == '\n' || data[ve - 1] == ' ' ||
			   data[ve - 1] == '\t'))
		ve--;
	if (nl == 0)
		return len;
	seam_response_header_t *nh = realloc(r->headers, (r->nheaders + 1) * sizeof *nh);
	if (!nh) {
		x->header_oom = 1;
		return len;
	}
	r->headers = nh;
	nh[r->nheaders].name = strndup(data, nl);
	nh[r->nheaders].value = strndup(data + vs, ve - vs);
	if (!nh[r->nheaders].name || !nh[r->nheaders].value) {
		free(nh[r->nheaders].name);
		free(nh[r->nheaders].value);
		x->header_oom = 1;
		return len;
	}
	r->nheaders++;
	return len;
}

/* ---- requests ---- */

static int is_absolute(const char *p)
{
	return strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0;
}

/* url is capped at MAX_URL_LEN. */
static seam_err_t build_url(seam_upstream_t *u, const seam_call_t *call, seam_buf_t *url,
			    seam_error_t *err)
{
	const char *p = call->path ? call->path : "";
	if (!valid_url_chars(p))
		return seam_errorf(err, SEAM_INVAL, "%s: path has spaces or control characters",
				   u->name);
	if (is_absolute(p)) {
		size_t ol = strlen(u->origin);
		/* Only our own origin: a link to another host must not receive our credentials. */
		if (strncmp(p, u->origin, ol) != 0 || (p[ol] && !strchr("/?", p[ol])))
			return seam_errorf(err, SEAM_INVAL, "%s: URL is not on the upstream's origin %s",
					   u->name, u->origin);
		seam_buf_adds(url, p);
	} else {
		seam_buf_adds(url, u->base_url);
		if (*p && *p != '/' && *p != '?')
			seam_buf_adds(url, "/");
		seam_buf_adds(url, p);
	}
	for (size_t i = 0; i < call->nquery; i++) {
		const seam_call_kv_t *q = &call->query[i];
		if (!q->name || !*q->name)
			return seam_errorf(err, SEAM_INVAL, "%s: query argument without a name", u->name);
		seam_buf_adds(url, strchr(seam_buf_str(url), '?') ? "&" : "?");
		seam_buf_add_urlenc(url, q->name);
		if (q->value) {
			seam_buf_adds(url, "=");
			seam_buf_add_urlenc(url, q->value);
		}
	}
	if (seam_buf_err(url) == SEAM_TOOBIG)
		return seam_errorf(err, SEAM_INVAL, "%s: URL longer than %d bytes", u->name, MAX_URL_LEN);
	if (seam_buf_err(url) != SEAM_OK)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	return SEAM_OK;
}

static int header_is(const char *name, const char *want)
{
	return strcasecmp(name, want) == 0;
}

static int caller_has(const seam_call_t *call, const char *name)
{
	for (size_t i = 0; i < call->nheaders; i++)
		if (header_is(call->headers[i].name, name))
			return 1;
	return 0;
}

static seam_err_t check_call(seam_upstream_t *u, const seam_call_t *call, seam_error_t *err)
{
	if (call->method && !valid_method(call->method))
		return seam_errorf(err, SEAM_INVAL, "%s: bad method", u->name);
	for (size_t i = 0; i < call->nheaders; i++) {
		const seam_call_kv_t *h = &call->headers[i];
		if (!valid_header_name(h->name) || !valid_header_value(h->value))
			return seam_errorf(err, SEAM_INVAL, "%s: bad request header %.64s", u->name,
					   valid_header_name(h->name) ? h->name : "(name)");
		if (strlen(h->name) + 2 + strlen(h->value) > HEADER_MAX)
			return seam_errorf(err, SEAM_INVAL, "%s: request header %.64s longer than %d bytes",
					   u->name, h->name, HEADER_MAX);
		if (header_is(h->name, "traceparent") || header_is(h->name, "X-Correlation-ID") ||
		    header_is(h->name, "Idempotency-Key"))
			return seam_errorf(err, SEAM_INVAL,
					   "%s: set %s through its seam_call_t field, not as a header",
					   u->name, h->name);
	}
	if (call->idempotency_key &&
	    (!*call->idempotency_key || !valid_header_value(call->idempotency_key) ||
	     strlen(call->idempotency_key) > 255))
		return seam_errorf(err, SEAM_INVAL, "%s: bad idempotency key", u->name);
	if (call->correlation_id &&
	    (!*call->correlation_id || !valid_header_value(call->correlation_id) ||
	     strlen(call->correlation_id) >= SEAM_CID_MAX))
		return seam_errorf(err, SEAM_INVAL, "%s: bad correlation id", u->name);
	if (call->content_type && !valid_header_value(call->content_type))
		return seam_errorf(err, SEAM_INVAL, "%s: bad content type", u->name);
	if (call->body_len && !call->body)
		return seam_errorf(err, SEAM_INVAL, "%s: body_len without body", u->name);
	return SEAM_OK;
}

/* Appends "Name: [prefix]value" to the list. The line is built in a secret buffer: a caller's
 * header may carry a credential, and so does the Authorization header. check_call has bounded
 * the caller's headers by HEADER_MAX. */
static int add_header(struct curl_slist **l, const char *name, const char *prefix,
		      const char *value)
{
	seam_buf_t b;
	struct curl_slist *nl = NULL;
	seam_buf_init_secret(&b, HEADER_MAX);
	seam_buf_adds(&b, name);
	seam_buf_adds(&b, ": ");
	seam_buf_adds(&b, prefix);
	seam_buf_adds(&b, value);
	if (seam_buf_err(&b) == SEAM_OK)
		nl = curl_slist_append(*l, b.p);
	seam_buf_dispose(&b);
	if (!nl)
		return -1;
	*l = nl;
	return 0;
}

/* Frees a header list, wiping the entries that carried credentials. */
static void free_headers(struct curl_slist *l, const char *auth_name)
{
	size_t an = auth_name ? strlen(auth_name) : 0;
	for (struct curl_slist *i = l; i; i = i->next)
		if (an && strncasecmp(i->data, auth_name, an) == 0 && i->data[an] == ':')
			explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

typedef struct callctx {
	seam_upstream_t *u;
	const seam_call_t *call;
	const char *method;
	const char *url;
	const char *cid;
	const char *traceparent;
	int64_t end_ns;
} callctx_t;

/* One HTTP exchange on handle h. token is the OAuth access token (or NULL). Fills resp;
 * returns SEAM_OK when curl completed (whatever the status), else SEAM_NOMEM. */
static seam_err_t perform(callctx_t *c, CURL *h, const char *token, seam_response_t *resp,
			  char ebuf[CURL_ERROR_SIZE])
{
	seam_upstream_t *u = c->u;
	const seam_call_t *call = c->call;
	struct curl_slist *hdrs = NULL;
	exchange_t x = {.resp = resp};
	seam_err_t rc = SEAM_NOMEM;
	int64_t left_ms = (c->end_ns - seam_mono_ns()) / 1000000;
	long status = 0;
	CURLcode cc;

	seam_buf_init(&x.body, u->max_response_bytes);
	if (left_ms < 1)
		left_ms = 1;
	if (add_header(&hdrs, "traceparent", "", c->traceparent) ||
	    add_header(&hdrs, "X-Correlation-ID", "", c->cid) ||
	    (call->idempotency_key && add_header(&hdrs, "Idempotency-Key", "", call->idempotency_key)) ||
	    (!caller_has(call, "Accept") && add_header(&hdrs, "Accept", "", "application/json")) ||
	    (call->body && !caller_has(call, "Content-Type") &&
	     add_header(&hdrs, "Content-Type", "", call->content_type ? call->content_type
								       : "application/json")))
		goto out;
	{
		/* "Expect:" with no value stops curl from waiting for 100 Continue on big bodies. */
		struct curl_slist *nl = curl_slist_append(hdrs, "Expect:");
		if (!nl)
			goto out;
		hdrs = nl;
	}
	if (u->auth_name && !caller_has(call, u->auth_name)) {
		if (token) {
			if (add_header(&hdrs, "Authorization", "Bearer ", token))
				goto out;
		} else if (u->auth_line) {
			struct curl_slist *nl = curl_slist_append(hdrs, u->auth_line);
			if (!nl)
				goto out;
			hdrs = nl;
		}
	}
	for (size_t i = 0; i < call->nheaders; i++)
		if (add_header(&hdrs, call->headers[i].name, "", call->headers[i].value))
			goto out;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_SHARE, u->share);
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(u->connect_timeout_ms < left_ms ? u->connect_timeout_ms : left_ms));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, u->tls_skip_verify ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, u->tls_skip_verify ? 0L : 2L);
	if (u->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, u->ca_file);
	curl_easy_setopt(h, CURLOPT_USERAGENT, u->user_agent);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	if (strcmp(c->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(c->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(c->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
		if (call->body || strcmp(c->method, "POST") == 0) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, call->body ? call->body : "");
		}
	}
	/* libcurl silently re-sends a request whose REUSED connection closes before any answer
	 * byte ("retrying a fresh connect"). For a POST without an idempotency key that is a second
	 * create the caller never sees, after an upstream that did the first one and then dropped
	 * the connection. Such requests therefore never ride a reused connection: a drop surfaces
	 * as an error the caller can reason about (look up before creating again). */
	int fresh = strcmp(c->method, "POST") == 0 && !call->idempotency_key;
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
	ebuf[0] = '\0';
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	/* Leave no pointer into this call's memory in the pooled handle. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, NULL);
	if (x.header_oom)
		goto out;
	resp->status = (int)status;
	resp->curl_code = (int)cc;
	if (seam_buf_err(&x.body) == SEAM_TOOBIG) { /* no partial bodies: the caller gets none */
		rc = SEAM_OK;
		goto out;
	}
	if (cc == CURLE_WRITE_ERROR)
		goto out; /* the write callback failed for memory */
	if (x.body.len && seam_buf_take(&x.body, &resp->body, &resp->body_len) != SEAM_OK)
		goto out;
	rc = SEAM_OK;
out:
	seam_buf_dispose(&x.body);
	free_headers(hdrs, u->auth_name);
	return rc;
}

/*
 * The one place where what an upstream answered is masked: the body of every answer that is
 * not a success goes through the personal-data masking (log.h: e-mails, phone numbers, IBANs,
 * card numbers, and the fields named like personal data) before anyone sees it: the
 * connectors build their error messages from it, those become job_attempts.error, dead
 * letters and log lines. A success's body is the caller's data and is left as it came.
 * Fails closed: when the masked copy cannot be made, the body is dropped.
 */
static void mask_answer(seam_response_t *resp)
{
	json_t *doc;
	char *m = NULL;
	size_t n = 0;
	if (!resp->body || !resp->body_len)
		return;
	if ((doc = seam_json_loadb(resp->body, resp->body_len, 0, NULL))) {
		n = seam_mask_json(doc);
		if (n)
			m = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(doc);
	} else if ((m = seam_mask_pii_dup(resp->body, &n)) && !n) {
		free(m); /* nothing to mask: keep the body as it came */
		m = NULL;
	} else if (!m || strlen(resp->body) != resp->body_len) {
		n = 1; /* no copy, or bytes after a NUL the scanner did not read: drop them */
	}
	if (!n)
		return;
	free(resp->body);
	resp->body = m;
	resp->body_len = m ? strlen(m) : 0;
}

/* A short excerpt of a JSON error body (already masked) for error messages; "" otherwise. */
static void body_excerpt(const seam_response_t *resp, char *out, size_t cap)
{
	json_t *doc;
	char *s;
	out[0] = '\0';
	if (!resp->body || !resp->body_len)
		return;
	if (!(doc = seam_json_loadb(resp->body, resp->body_len, 0, NULL)))
		return;
	s = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!s)
		return;
	if (strlen(s) > ERROR_BODY_EXCERPT)
		snprintf(out, cap, ": %.*s...", ERROR_BODY_EXCERPT, s);
	else
		snprintf(out, cap, ": %s", s);
	free(s);
}

static void breaker_note(seam_upstream_t *u, const seam_breaker_transition_t *tr, const char *cid)
{
	const char *to;
	if (tr->from == tr->to)
		return;
	to = seam_breaker_state_name(tr->to);
	seam_metric_set(u->metrics, SEAM_M_UPSTREAM_BREAKER_STATE, (const char *[]){u->name},
			(double)tr->to);
	seam_metric_add(u->metrics, SEAM_M_UPSTREAM_BREAKER_TRANSITIONS,
			(const char *[]){u->name, to}, 1);
	seam_logf(u->log, tr->to == SEAM_BREAKER_OPEN ? SEAM_LOG_WARN : SEAM_LOG_INFO, "upstream",
		  cid, json_pack("{s:s, s:s, s:s}", "upstream", u->name, "from",
				 seam_breaker_state_name(tr->from), "to", to),
		  "circuit breaker %s", to);
}

static void reject(seam_upstream_t *u, const char *reason)
{
	seam_metric_add(u->metrics, SEAM_M_UPSTREAM_REJECTED, (const char *[]){u->name, reason}, 1);
}

/* Length of the path part worth logging (up to the query). */
static int log_path_len(const char *p)
{
	size_t n = strcspn(p, "?#");
	return (int)(n > 256 ? 256 : n);
}

seam_err_t seam_upstream_call(seam_upstream_t *u, const seam_call_t *call, seam_response_t *resp,
			      seam_error_t *err)
{
	seam_err_t rc;
	seam_buf_t url;
	char cid[SEAM_CID_MAX], trace[33], tp[56], ebuf[CURL_ERROR_SIZE];
	char *token = NULL;
	CURL *h = NULL;
	int have_permit = 0, sent = 0, token_failed = 0;
	seam_breaker_permit_t permit = {0};
	seam_breaker_transition_t tr;
	seam_breaker_outcome_e verdict = SEAM_BREAKER_IGNORE;
	int64_t t0 = seam_mono_ns(), end_ns, wait_ns = 0, x0 = 0, retry_in = 0;
	const char *path = call && call->path ? call->path : "";
	callctx_t c = {.u = u, .call = call};
	seam_error_t local_err = {0};

	seam_buf_init(&url, MAX_URL_LEN);
	if (!err)
		err = &local_err;
	memset(resp, 0, sizeof *resp);
	resp->retry_after_ms = -1;
	if (!call)
		return seam_errorf(err, SEAM_INVAL, "%s: no call", u->name);
	if ((rc = check_call(u, call, err)) != SEAM_OK)
		goto out;
	c.method = call->method ? call->method : "GET";
	if ((rc = build_url(u, call, &url, err)) != SEAM_OK)
		goto out;
	c.url = seam_buf_str(&url);
	if (call->correlation_id)
		snprintf(cid, sizeof cid, "%s", call->correlation_id);
	else
		seam_cid_new(cid);
	seam_cid_trace_id(cid, trace);
	seam_traceparent_make(trace, tp);
	c.cid = cid;
	c.traceparent = tp;
	end_ns = t0 + (call->timeout_ms > 0 ? call->timeout_ms : u->timeout_ms) * 1000000;
	if (call->deadline_ns > 0 && call->deadline_ns < end_ns)
		end_ns = call->deadline_ns;
	c.end_ns = end_ns;
	if (end_ns <= t0) {
		rc = seam_errorf(err, SEAM_TIMEOUT, "%s: deadline already passed", u->name);
		goto out;
	}

	/* 1. breaker */
	if (!seam_breaker_allow(u->breaker, t0 / 1000000, &permit, &retry_in, &tr)) {
		breaker_note(u, &tr, cid);
		reject(u, "open_circuit");
		resp->retry_after_ms = retry_in;
		rc = seam_errorf(err, SEAM_OPEN_CIRCUIT, "%s: circuit open, retry in %lld ms", u->name,
				 (long long)retry_in);
		goto out;
	}
	breaker_note(u, &tr, cid);
	have_permit = 1;

	/* 2. rate limit */
	{
		int64_t now = seam_mono_ns(), max_wait = u->rate_wait_ms * 1000000;
		if (end_ns - now < max_wait)
			max_wait = end_ns - now;
		if (!seam_ratelimit_reserve(&u->rl, now, max_wait, &wait_ns)) {
			reject(u, "rate_limit");
			resp->retry_after_ms = (wait_ns + 999999) / 1000000;
			rc = seam_errorf(err, SEAM_BUSY, "%s: rate limit: no token within %lld ms",
					 u->name, (long long)(max_wait / 1000000));
			goto out;
		}
		if (wait_ns > 0)
			seam_sleep_ms((wait_ns + 999999) / 1000000);
	}

	/* 3. bulkhead */
	{
		int64_t until = seam_mono_ns() + u->queue_wait_ms * 1000000;
		if (until > end_ns)
			until = end_ns;
		if (!(h = pool_get(u, until))) {
			reject(u, "bulkhead");
			rc = seam_errorf(err, SEAM_BUSY, "%s: %d calls in flight; no slot within %lld ms",
					 u->name, u->max, (long long)u->queue_wait_ms);
			goto out;
		}
	}

	/* 4 and 5: auth and the exchange; an OAuth 401 gets one more go with a new token. */
	for (int attempt = 0;; attempt++) {
		if (u->oauth) {
			seam_error_t terr = {0};
			seam_err_t trc = seam_oauth_token(u->oauth, end_ns, cid, &token, &terr);
			if (trc != SEAM_OK) {
				rc = trc == SEAM_AUTH ? SEAM_PERMANENT : trc;
				/* The token endpoint is part of this upstream: when it cannot be
				 * reached, times out or fails with 5xx, the upstream cannot be called,
				 * and the breaker must see it (or every job spends its attempts on
				 * it). Refused credentials say nothing about its health. */
				if (trc == SEAM_RETRY || trc == SEAM_TIMEOUT)
					verdict = SEAM_BREAKER_FAILURE;
				token_failed = 1;
				seam_errorf(err, rc, "%s: access token: %s", u->name, terr.msg);
				goto out;
			}
		}
		x0 = seam_mono_ns();
		if ((rc = perform(&c, h, token, resp, ebuf)) != SEAM_OK) {
			seam_errorf(err, rc, "out of memory");
			goto out;
		}
		sent = 1;
		if (u->oauth && resp->status == 401 && attempt == 0 && seam_mono_ns() < end_ns) {
			seam_oauth_invalidate(u->oauth, token);
			free_secret(token);
			token = NULL;
			seam_log_info(u->log, "upstream", cid, "%s: 401 with a cached token; fetching a new one",
				      u->name);
			seam_response_dispose(resp);
			continue;
		}
		break;
	}

	/* classify */
	{
		const char *ra = seam_response_header(resp, "Retry-After");
		int64_t ra_ms;
		char st[16], excerpt[ERROR_BODY_EXCERPT + 16];
		double secs = (double)(seam_mono_ns() - x0) / 1e9;
		rc = seam_upstream_classify(resp->status, resp->curl_code);
		verdict = breaker_outcome(resp->status, resp->curl_code);
		if (rc != SEAM_OK)
			mask_answer(resp);
		if (ra && resp->status && seam_retry_after_parse(ra, seam_now_ms(), u->retry_after_max_ms,
								  &ra_ms) == 0)
			resp->retry_after_ms = ra_ms;
		if (resp->curl_code == CURLE_OPERATION_TIMEDOUT)
			snprintf(st, sizeof st, "timeout");
		else if (resp->curl_code)
			snprintf(st, sizeof st, "error");
		else
			snprintf(st, sizeof st, "%d", resp->status);
		seam_metric_add(u->metrics, SEAM_M_UPSTREAM_REQUESTS,
				(const char *[]){u->name, c.method, st}, 1);
		seam_metric_observe(u->metrics, SEAM_M_UPSTREAM_DURATION,
				    (const char *[]){u->name, c.method, outcome_label(rc)}, secs);
		if (rc != SEAM_OK) {
			if (resp->curl_code == CURLE_WRITE_ERROR)
				seam_errorf(err, rc, "%s: %s %.*s: response body larger than %zu bytes",
					    u->name, c.method, log_path_len(path), path,
					    u->max_response_bytes);
			else if (resp->curl_code)
				seam_errorf(err, rc, "%s: %s %.*s: %s", u->name, c.method,
					    log_path_len(path), path,
					    ebuf[0] ? ebuf : curl_easy_strerror((CURLcode)resp->curl_code));
			else {
				body_excerpt(resp, excerpt, sizeof excerpt);
				seam_errorf(err, rc, "%s: %s %.*s: HTTP %d%s", u->name, c.method,
					    log_path_len(path), path, resp->status, excerpt);
			}
		}
	}
out:
	if (h)
		pool_put(u, h);
	if (have_permit) {
		/* verdict stays IGNORE for calls that said nothing about the upstream's health
		 * (rate limit, bulkhead, refused credentials) */
		seam_breaker_record(u->breaker, seam_mono_ns() / 1000000, &permit, verdict, &tr);
		breaker_note(u, &tr, c.cid);
	}
	resp->elapsed_ms = (seam_mono_ns() - t0) / 1000000;
	if (sent || token_failed) {
		json_t *f = json_pack("{s:s, s:s, s:s#, s:i, s:I, s:s}", "upstream", u->name, "method",
				      c.method, "path", path, log_path_len(path), "status",
				      resp->status, "elapsed_ms", (json_int_t)resp->elapsed_ms,
				      "outcome", outcome_label(rc));
		if (rc == SEAM_OK)
			seam_logf(u->log, SEAM_LOG_DEBUG, "upstream", c.cid, f, "upstream call");
		else if (seam_upstream_retryable(rc))
			/* an outage fails every call: one warning per window per upstream */
			seam_logf_limited(u->log, &u->warn_limit, SEAM_LOG_WARN, "upstream", c.cid, f,
					  "upstream call failed: %s", err->msg);
		else
			seam_logf(u->log, SEAM_LOG_WARN, "upstream", c.cid, f, "upstream call failed: %s",
				  err->msg);
	}
	free_secret(token);
	seam_buf_dispose(&url);
	return rc;
}
