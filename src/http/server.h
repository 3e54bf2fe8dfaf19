/*
 * server.h: the HTTP edge: seam's own strict HTTP/1.1 server (event loops over epoll, the
 * request grammar in http/h1.h) that both `seam serve` and the simulators use.
 *
 * Routes are declared in one table (seam_route_t[]) with path patterns such as
 * "/webhooks/stripe/{store}" or "/ops/" + "*"; matching is exact on literal segments, `{name}`
 * captures one segment, a trailing `*` matches the rest. A path that matches a pattern but not
 * the method gets 405 with Allow; no pattern gives 404.
 *
 * For every request the server, before the handler runs:
 *   - derives the correlation id (traceparent, X-Correlation-ID, or new) and sets it on the
 *     response as X-Correlation-ID;
 *   - enforces the body cap (413 from Content-Length up front, or while reading);
 *   - calls the auth hook for routes with a scope (401/403 as problem+json);
 *   - calls the before hook, which may answer instead of the handler (request validation);
 *   - hands the route to the around hook when there is one, which runs the handler itself
 *     (the application's middleware: api/'s Idempotency-Key);
 * and after it: writes the access log line and the HTTP metrics, labelled by route pattern
 * (bounded cardinality).
 *
 * Handlers run on the event loop threads, once the whole body is read. They must answer exactly
 * once with one of the seam_http_reply* functions (a handler that does not answer gets a 500
 * problem). All request memory (params, headers copies, body, strings from seam_http_strdup) is
 * freed after the response is queued.
 *
 * Errors are RFC 9457 problem+json: {"type": "https://seam.dev/problems/<slug>", "title",
 * "status", "detail", "correlation_id", ...extra}. Slugs are stable API.
 *
 * Before any of that the request must pass http/h1.h (framing, Host, limits; refusals are
 * problem+json too, access-logged, and close the connection) and the deadlines: the head within
 * header_timeout, the body at body_min_rate (408). Connections are capped per client address
 * and in total; at the total cap the oldest connection not being served is evicted.
 *
 * Shutdown: seam_http_stop() answers new requests 503, lets requests in flight finish (up to a
 * grace period), then closes. Thread-safety: handlers run concurrently; the server object is
 * read-only after start.
 */
#ifndef SEAM_HTTP_SERVER_H
#define SEAM_HTTP_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "core/metrics.h"

typedef struct seam_http_server seam_http_server_t;
typedef struct seam_http_req seam_http_req_t;
typedef struct seam_route seam_route_t;

/* Returns nothing: the handler answers through seam_http_reply*(). */
typedef void (*seam_http_handler_fn)(seam_http_req_t *req, void *ud);

/* Runs a matched route after auth, in place of the server calling r->fn itself: the
 * application's middleware (api/: Idempotency-Key). It calls r->fn(req, ud) or answers itself,
 * and may read the answer afterwards (seam_http_response). */
typedef void (*seam_http_around_fn)(seam_http_req_t *req, const seam_route_t *r, void *ud);

/* Auth hook for routes with a scope: returns 200 to allow, 401 or 403 to refuse (the server
 * answers the problem). May set req user data for the handler. */
typedef int (*seam_http_auth_fn)(seam_http_req_t *req, const char *scope, void *ud);

/* Hook run after auth and before the handler, with the matched route (its `request` and
 * `response` columns are for the layer above; the server never reads them). Returns 0 to run
 * the handler, anything else when it has answered itself (a 422 for a body that breaks the
 * route's request contract: api/api_contracts.h). The server stays free of what it checks. */
typedef int (*seam_http_before_fn)(seam_http_req_t *req, const seam_route_t *route, void *ud);

#define SEAM_ROUTE_RAW_BODY 0x1   /* body may be binary/any type; no JSON check by the server */
#define SEAM_ROUTE_OPEN 0x2       /* never authenticated even when scope is set elsewhere */
/* Bits from 0x100 up are the application's (api/api.h: SEAM_ROUTE_IDEMPOTENT); the server
 * ignores them and hands the route to the `around` hook, which reads them. */
#define SEAM_ROUTE_APP_FLAGS 0xff00

struct seam_route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/v1/jobs/{id}" */
	seam_http_handler_fn fn;
	const char *scope;   /* NULL: open; else passed to the auth hook */
	unsigned flags;
	const char *summary; /* one line, for docs and the route listing */
	/* Contracts (contract/registry.h refs such as "rest.dead-letter-replay@v1"), read by the
	 * api layer: the request body is validated against `request` before the handler runs (422
	 * with the errors), `response` documents the 2xx body (OpenAPI, tests). NULL: none. The
	 * server itself never reads them. */
	const char *request;
	const char *response;
};

typedef struct seam_http_opts {
	const char *listen;            /* "127.0.0.1:8080"; port 0 picks a free port */
	const seam_route_t *routes;
	size_t nroutes;
	void *ud;                      /* handed to handlers and the auth hook */
	seam_http_auth_fn auth;        /* NULL: scoped routes are refused with 401 */
	seam_http_before_fn before;    /* NULL: none; else run before every handler */
	seam_http_around_fn around;    /* NULL: the server calls r->fn directly */
	seam_log_t *log;               /* borrowed; NULL for no logs */
	seam_metrics_t *metrics;       /* borrowed; NULL for no metrics */
	const char *log_module;        /* module name on access log lines, default "http" */
	int threads;                   /* event loop threads; 0 = 4 */
	size_t body_limit;             /* bytes; 0 = 1 MiB */
	int request_timeout_s;         /* keep-alive idle timeout, and a stalled write; 0 = 30 */
	size_t header_limit;           /* request line + headers; 0 = 32 KiB (431 beyond) */
	int connection_limit;          /* 0 = 1024; when full, the oldest unserved one is evicted */
	int access_log;                /* write one info line per request */
	int header_timeout_ms;         /* whole request head, from accept or its first byte;
					  0 = 10000 (408 beyond) */
	int body_min_rate;             /* bytes/s a body must average after header_timeout of
					  grace; 0 = 1024, -1 = no minimum (408 below it) */
	int per_ip_limit;              /* connections from one address; 0 = 256, -1 = none */
} seam_http_opts_t;

/* Binds and starts serving. opts and routes are borrowed and must outlive the server.
 * On failure (port in use, bad address) nothing is left running and err says why. */
seam_err_t seam_http_start(const seam_http_opts_t *opts, seam_http_server_t **out,
			   seam_error_t *err);
/* The bound port (useful with port 0). */
int seam_http_port(const seam_http_server_t *srv);
/* Stops accepting, waits up to grace_ms for requests in flight, closes and frees. NULL ok. */
void seam_http_stop(seam_http_server_t *srv, int grace_ms);

/* Request accessors. Strings are borrowed, valid until the response is queued. */
const char *seam_http_method(const seam_http_req_t *req);
const char *seam_http_path(const seam_http_req_t *req);
const char *seam_http_route_pattern(const seam_http_req_t *req);
const char *seam_http_param(const seam_http_req_t *req, const char *name);  /* {name} */
const char *seam_http_header(const seam_http_req_t *req, const char *name); /* case-insensitive */
const char *seam_http_query(const seam_http_req_t *req, const char *name);  /* decoded */
/* Visits every query argument in order (repeated keys included). */
void seam_http_query_each(const seam_http_req_t *req,
			  void (*fn)(const char *key, const char *value, void *ud), void *ud);
const char *seam_http_body(const seam_http_req_t *req, size_t *len);       /* NUL-terminated */
const char *seam_http_cid(const seam_http_req_t *req);
const char *seam_http_remote(const seam_http_req_t *req);                  /* "127.0.0.1" */
seam_log_t *seam_http_log(const seam_http_req_t *req);
seam_metrics_t *seam_http_metrics(const seam_http_req_t *req);

/* Per-request scratch memory, freed with the request. */
void *seam_http_alloc(seam_http_req_t *req, size_t n);
char *seam_http_strdup(seam_http_req_t *req, const char *s);
/* A value the auth hook or middleware attaches for the handler (borrowed pointer). */
void seam_http_set_user(seam_http_req_t *req, void *user);
void *seam_http_user(const seam_http_req_t *req);

/* Parses the body as JSON. On failure answers 400 problem (type bad-json, with line/column)
 * and returns NULL; the handler then just returns. Returns an owned reference. */
json_t *seam_http_body_json(seam_http_req_t *req);
/* The same, parsed once per request and shared (borrowed, valid until the request is freed):
 * for the contract check and a handler that only reads the body, so it is not parsed twice.
 * Must not be modified; NULL after answering 400 as above. */
const json_t *seam_http_body_doc(seam_http_req_t *req);

/* Adds a response header (copied). Call before replying. */
void seam_http_set_header(seam_http_req_t *req, const char *name, const char *value);

/* Replies. body is copied. Exactly one reply per request; later calls are ignored (logged). */
void seam_http_reply(seam_http_req_t *req, int status, const char *content_type,
		     const void *body, size_t len);
/* JSON reply; doc is STOLEN. content type application/json unless ct is given. */
void seam_http_reply_json(seam_http_req_t *req, int status, json_t *doc);
void seam_http_reply_json_ct(seam_http_req_t *req, int status, const char *ct, json_t *doc);
/* problem+json: slug is the stable type suffix ("not-found"); detail is printf-style; extra is a
 * JSON object merged in (STOLEN, may be NULL), e.g. {"errors": [...]} for validation. */
void seam_http_problem(seam_http_req_t *req, int status, const char *slug, const char *title,
		       json_t *extra, const char *detail_fmt, ...) __attribute__((format(printf, 6, 7)));
int seam_http_replied(const seam_http_req_t *req);
/* The answer given so far (for middleware, after the handler returned): 0 when there is none
 * yet (or the request was dropped or suspended), else 1 with the status, the content type
 * (may be NULL) and the body (borrowed, valid until the response is queued). */
int seam_http_response(const seam_http_req_t *req, int *status, const char **content_type,
		       const char **body, size_t *len);
/* A response header set with seam_http_set_header (last one set wins), or NULL. */
const char *seam_http_response_header(const seam_http_req_t *req, const char *name);

/*
 * Deferred answers. A handler whose work finishes on another thread (the group committer, for
 * a durable acknowledgement) calls seam_http_suspend(req) and returns without replying; the
 * connection is parked without holding its loop thread. Later, from any thread, the finishing
 * code calls one seam_http_reply*() and then seam_http_resume(req). The request and everything
 * borrowed from it stay valid until then. A suspended request must always be resumed.
 */
void seam_http_suspend(seam_http_req_t *req);
void seam_http_resume(seam_http_req_t *req);

/* Closes the connection without any response (for fault injection in the simulators: "the
 * upstream did the work, then the connection dropped"). Counts as the handler's answer. */
void seam_http_drop(seam_http_req_t *req);

#define SEAM_PROBLEM_BASE "https://seam.dev/problems/"

#endif
