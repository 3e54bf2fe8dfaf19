/*
 * client.h: the resilient upstream HTTP client (libcurl). One seam_upstream_t per configured
 * upstream (ERP, PIM, tax engine, ...), called synchronously from worker threads.
 *
 * Every call passes, in this order:
 *   1. the circuit breaker (breaker.h): while it is open the call fails at once with
 *      SEAM_OPEN_CIRCUIT and resp->retry_after_ms = the cool-down left;
 *   2. the rate limit (ratelimit.h, token bucket rate_per_s + burst): the caller waits for a
 *      token up to rate_wait_ms (and its deadline), else SEAM_BUSY;
 *   3. the bulkhead: at most max_concurrency calls in flight to this upstream; a caller waits
 *      for a slot up to queue_wait_ms (and its deadline), else SEAM_BUSY;
 *   4. authentication (static header, or an OAuth2 token from oauth.h); a token endpoint
 *      that cannot be reached, times out or answers 5xx fails the call (SEAM_RETRY /
 *      SEAM_TIMEOUT) and counts as a FAILURE for the breaker, so an auth outage opens it and
 *      jobs are deferred instead of spending their attempts;
 *   5. the HTTP exchange, bounded by min(timeout_ms, the call's deadline).
 * SEAM_BUSY and SEAM_OPEN_CIRCUIT mean the upstream never saw the call: the job layer
 * reschedules without counting an attempt. The client never retries by itself (the queue
 * does, with seam_backoff_after_ms and retry_after_ms), with one exception: an OAuth2
 * upstream that answers 401 gets the call once more with a freshly fetched token.
 *
 * Outcome classification (seam_upstream_classify in classify.h; docs/upstreams.md has the
 * table):
 *   2xx, 304                                    SEAM_OK
 *   408, 425, 429, 5xx except 501 and 505       SEAM_RETRY (resp->retry_after_ms when given)
 *   other 1xx/3xx/4xx, 501, 505                 SEAM_PERMANENT
 *   curl: timeout                               SEAM_TIMEOUT (retryable)
 *   curl: connect/resolve/send/recv/empty reply SEAM_RETRY
 *   curl: bad URL, TLS certificate problems     SEAM_PERMANENT
 * 500 is retryable: upstream side effects carry idempotency keys or are checked before they
 * are made again (docs/design.md rule 2), so repeating a call after an internal error is safe, and
 * retries are bounded. Redirects are not followed (they would carry credentials elsewhere).
 *
 * Connections: each upstream owns a pool of up to max_concurrency curl easy handles, which is
 * also the bulkhead. An easy handle keeps its connections alive between calls, and the pool
 * hands out the most recently returned handle first, so sequential calls reuse one warm
 * connection and N concurrent calls use at most N connections. A curl share object (CURLSH)
 * shares the DNS cache and TLS session ids among the handles, with a mutex per shared kind.
 * The connection cache itself is not shared: libcurl does not support sharing connections
 * between concurrent threads (CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT), and a multi handle
 * with its own I/O thread would add a thread hop to every call for no gain at our volumes.
 * curl_easy_perform runs on the calling worker thread.
 *
 * Headers sent on every call: traceparent (from the correlation id, seam_cid_trace_id),
 * X-Correlation-ID, Idempotency-Key when the caller gives one, Accept: application/json
 * unless the caller sets Accept, Content-Type with a body (application/json by default), and
 * the auth header. Caller headers may override Accept, Content-Type and the auth header, but
 * not the three tracing/idempotency headers (they have their own fields; SEAM_INVAL).
 *
 * Secrets: credentials are copied at create and wiped at destroy. Nothing logs or puts into an
 * error message a header value, a token, a request body or an unmasked response body (error
 * messages carry at most a masked, truncated JSON error body). base_url may not contain
 * user:password@. TLS verification is on unless tls_skip_verify is set.
 *
 * Personal data: the body of every answer that is not classified SEAM_OK is masked in place
 * before seam_upstream_call returns (seam_mask_json for JSON, seam_mask_pii for text: e-mails,
 * phone numbers, IBANs, card numbers, fields named like personal data). This is the one place
 * for everything taken from an upstream's error answer: connectors build their messages from
 * resp->body, and those become job_attempts.error, dead letters and log lines. Bodies of
 * successes are returned as they came.
 *
 * Logs: a failed call is one warn line; retryable failures (an outage) are limited to one warn
 * per upstream per warn_every_ms (seam_logf_limited), the rest go to debug.
 *
 * Thread-safety: seam_upstream_call may run on any number of threads at once. create and
 * destroy are not concurrent with calls. seam_http_client_global_init() must run once in main
 * before any thread starts, seam_http_client_global_cleanup() once at the end.
 */
#ifndef SEAM_HTTP_CLIENT_H
#define SEAM_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/breaker.h"
#include "http/classify.h"
#include "http/oauth.h"

/* curl_global_init / curl_global_cleanup. Not thread-safe: call from main only. */
seam_err_t seam_http_client_global_init(seam_error_t *err);
void seam_http_client_global_cleanup(void);

typedef enum seam_auth_type_e {
	SEAM_AUTH_NONE = 0,
	SEAM_AUTH_BEARER,                    /* Authorization: Bearer <token> */
	SEAM_AUTH_API_KEY,                   /* <header>: <token>, header default X-API-Key */
	SEAM_AUTH_BASIC,                     /* Authorization: Basic base64(username:password) */
	SEAM_AUTH_OAUTH2_CLIENT_CREDENTIALS, /* Bearer token from token_url (oauth.h) */
	SEAM_AUTH_OAUTH2_PASSWORD,
} seam_auth_type_e;

/* Parses "none", "bearer", "api_key", "basic", "oauth2_client_credentials",
 * "oauth2_password". Returns 0 and *out, or -1. */
int seam_auth_type_parse(const char *s, seam_auth_type_e *out);
const char *seam_auth_type_name(seam_auth_type_e t);

/* Secrets are already-resolved strings (from files or the environment); all are copied. */
typedef struct seam_upstream_auth {
	seam_auth_type_e type;
	const char *header;        /* api_key: header name [X-API-Key] */
	const char *token;         /* bearer token or api key */
	const char *username;      /* basic; oauth2_password resource owner */
	const char *password;
	const char *client_id;     /* oauth2 */
	const char *client_secret;
	const char *token_url;     /* oauth2; absolute URL (may be another host) */
	const char *scope;         /* oauth2; NULL for none */
	seam_oauth_client_auth_e client_auth; /* oauth2: Basic (default) or form fields */
} seam_upstream_auth_t;

/* The settings of one upstream, filled by the config layer. Zero numbers take the defaults
 * in brackets, so a zeroed struct plus name and base_url is a valid configuration. */
typedef struct seam_upstream_opts {
	const char *name;            /* metric label and log field: [a-z0-9_-], required */
	const char *base_url;        /* "https://erp.example.com/api/v2.0", required */
	int64_t connect_timeout_ms;  /* [5000] */
	int64_t timeout_ms;          /* whole exchange [30000] */
	int max_concurrency;         /* bulkhead size [8] */
	int64_t queue_wait_ms;       /* longest wait for a bulkhead slot [1000] */
	double rate_per_s;           /* token bucket rate; 0 = unlimited */
	double burst;                /* bucket size [max(1, rate_per_s)] */
	int64_t rate_wait_ms;        /* longest wait for a token [1000] */
	int64_t retry_after_max_ms;  /* cap on Retry-After [600000] */
	size_t max_response_bytes;   /* larger bodies fail the call (permanent) [8 MiB] */
	seam_breaker_opts_t breaker; /* see breaker.h for its defaults */
	seam_upstream_auth_t auth;
	int tls_skip_verify;         /* 1 turns certificate and host checks off (never in prod) */
	const char *ca_file;         /* extra CA bundle (PEM) instead of the system store */
	const char *user_agent;      /* ["seam"] */
	int64_t warn_every_ms;       /* at most one failure warning per this window [10000];
				      * the others go to debug (log.h seam_logf_limited) */
} seam_upstream_opts_t;

typedef struct seam_upstream seam_upstream_t;

/* Validates opts and builds the upstream. opts and its strings are copied; log and metrics are
 * borrowed and must outlive it (either may be NULL). Returns owned (free with
 * seam_upstream_destroy), or NULL with err set (SEAM_CONFIG for bad settings). */
seam_upstream_t *seam_upstream_create(const seam_upstream_opts_t *opts, seam_log_t *log,
				      seam_metrics_t *metrics, seam_error_t *err);
/* Frees the upstream, its handles and connections, and wipes its secrets. NULL ok. */
void seam_upstream_destroy(seam_upstream_t *u);

/* A name/value pair for query arguments and headers. Borrowed. */
typedef struct seam_call_kv {
	const char *name;
	const char *value;
} seam_call_kv_t;

/* One call. Everything is borrowed for the duration of seam_upstream_call. */
typedef struct seam_call {
	const char *method;          /* "GET" when NULL; HEAD sends no body back */
	const char *path;            /* joined to base_url ("/salesOrders"), or an absolute URL on
				      * base_url's origin (paging links); may carry a query */
	const seam_call_kv_t *query; /* appended, percent-encoded by the client */
	size_t nquery;
	const seam_call_kv_t *headers; /* extra request headers */
	size_t nheaders;
	const void *body;            /* request body or NULL */
	size_t body_len;
	const char *content_type;    /* with a body: [application/json] */
	const char *idempotency_key; /* sent as Idempotency-Key when not NULL */
	const char *correlation_id;  /* X-Correlation-ID and traceparent; new when NULL */
	int64_t deadline_ns;         /* seam_mono_ns() time the caller gives up; 0 = none */
	int64_t timeout_ms;          /* overrides the upstream's timeout_ms when > 0 */
} seam_call_t;

/* seam_mono_ns() + ms * 1e6: a deadline for seam_call_t.deadline_ns. */
int64_t seam_upstream_deadline_in(int64_t ms);

typedef struct seam_response_header {
	char *name;
	char *value;
} seam_response_header_t;

/* What came back. Owned by the caller after seam_upstream_call (which initialises it first,
 * whatever it returns); free with seam_response_dispose. */
typedef struct seam_response {
	int status;                  /* HTTP status; 0 when there was no answer */
	seam_response_header_t *headers; /* of the final response, in order */
	size_t nheaders;
	char *body;                  /* NUL-terminated (NULL when empty) */
	size_t body_len;
	int64_t retry_after_ms;      /* from Retry-After (capped), or the breaker's cool-down; -1 */
	int64_t elapsed_ms;          /* whole call, waits included */
	int curl_code;               /* CURLcode of the exchange; 0 when it completed */
} seam_response_t;

/* Case-insensitive lookup of a response header; the first match, borrowed; NULL if absent. */
const char *seam_response_header(const seam_response_t *resp, const char *name);
/* Frees what resp holds and zeroes it. NULL ok; safe on a zeroed struct. */
void seam_response_dispose(seam_response_t *resp);

/*
 * Makes one call. Returns:
 *   SEAM_OK            an HTTP answer classified OK (resp->status says which)
 *   SEAM_RETRY         retryable failure (resp->status may be 0: no answer)
 *   SEAM_TIMEOUT       the timeout or the deadline passed (retryable)
 *   SEAM_PERMANENT     non-retryable answer or failure (resp->status and body for details);
 *                      also refused OAuth2 credentials
 *   SEAM_OPEN_CIRCUIT  the breaker is open; nothing was sent
 *   SEAM_BUSY          no rate-limit token or bulkhead slot in time; nothing was sent
 *   SEAM_INVAL         the call itself is malformed (bad method, header with CR/LF, a URL on
 *                      another origin, ...); nothing was sent
 *   SEAM_NOMEM
 * err gets a one-line message on every failure.
 */
seam_err_t seam_upstream_call(seam_upstream_t *u, const seam_call_t *call, seam_response_t *resp,
			      seam_error_t *err);

/* Accessors for tests (and metrics). */
const char *seam_upstream_name(const seam_upstream_t *u);
/* The configured base URL, without a trailing '/' (connectors that must name their own
 * resources to the upstream: an ERP webhook subscription's resource path). */
const char *seam_upstream_base_url(const seam_upstream_t *u);
seam_breaker_state_e seam_upstream_breaker_state(seam_upstream_t *u);
int seam_upstream_in_flight(seam_upstream_t *u);

#endif
