/*
 * sim_core.h: what every double shares. A double is a route table plus its own state; the
 * core runs each call through one pipeline, whether it came over HTTP (sim_http.c) or straight
 * from a unit test (seam_sim_request):
 *
 *   match route -> control route (/_sim/...)?  -> handler (never faulted, never recorded)
 *               -> fault decision (sim_fault.h) -> handler, or the fault's answer
 *               -> record the call in the ring (method, path, query, headers without secrets,
 *                  body up to a cap, status, fault, time)
 *
 * Control API every double answers:
 *   GET    /_sim/calls?method=&path=&since=&limit=   recorded calls, oldest first; since is the
 *                                                    last seq seen (exclusive)
 *   POST   /_sim/reset  {"data": bool}               clears calls, faults, deliveries; with
 *                                                    data true also re-seeds the data
 *   GET|POST|DELETE /_sim/faults, DELETE /_sim/faults/{id}
 *   GET    /_sim/deliveries                          webhooks sent (doubles that send)
 *   GET    /_sim/health
 *
 * A handler answers with seam_sim_reply*(); it may set c->drop (close without an answer).
 * Handlers serialise on their double's own lock; the core's ring and faults have their own.
 *
 * Ownership: strings of a call's request are borrowed for the call; response memory belongs to
 * the call and is freed by seam_sim_call_dispose() (the HTTP adapter copies it out first).
 */
#ifndef SEAM_SIM_CORE_H
#define SEAM_SIM_CORE_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_fault.h"

typedef struct seam_sim_double seam_sim_double_t;
typedef struct seam_sim_call seam_sim_call_t;
typedef struct seam_sim_sender seam_sim_sender_t;

typedef struct seam_sim_kv {
	char *k;
	char *v;
} seam_sim_kv_t;

typedef void (*seam_sim_handler_fn)(seam_sim_call_t *c, void *ctx);

#define SEAM_SIM_ROUTE_SECRET_BODY 0x1 /* the body carries credentials: recorded as redacted */

typedef struct seam_sim_route {
	const char *method;
	const char *pattern; /* "/jsonapi/commerce_order/default/{id}", trailing "*" for the rest */
	seam_sim_handler_fn fn;
	unsigned flags;
	const char *summary;
} seam_sim_route_t;

#define SEAM_SIM_MAX_PARAMS 8
#define SEAM_SIM_MAX_RESP_HEADERS 12

struct seam_sim_call {
	/* request, borrowed */
	const char *method;
	const char *path;
	const seam_sim_kv_t *query;
	size_t nquery;
	const char *(*header_fn)(void *hctx, const char *name);
	void *hctx;
	const char *body;
	size_t body_len;
	char base_url[96]; /* "http://127.0.0.1:8101", for links */
	/* filled by the core */
	seam_sim_double_t *dbl;
	const seam_sim_route_t *route;
	char *pathcopy;
	seam_sim_kv_t params[SEAM_SIM_MAX_PARAMS];
	size_t nparams;
	const char *fault; /* name of the injected fault, for the record */
	/* response, owned */
	int status;
	char *ctype;
	char *resp;
	size_t resp_len;
	seam_sim_kv_t rhdr[SEAM_SIM_MAX_RESP_HEADERS];
	size_t nrhdr;
	int drop;
	int replied;
};

typedef struct seam_sim_double_def {
	const char *name;                 /* "drupal", "erp", ... */
	const seam_sim_route_t *routes;
	size_t nroutes;
	void *ctx;                        /* handed to handlers; owned by the double's module */
	void (*reset_data)(void *ctx);    /* re-seed (POST /_sim/reset {"data":true}) */
	seam_sim_sender_t *sender;        /* borrowed; NULL when the double sends nothing */
	seam_sim_faults_t *faults;        /* borrowed when given; else the core makes its own */
} seam_sim_double_def_t;

/* Creates a double from def (copied; routes and ctx borrowed). ring_cap bounds the call log
 * (0 = 10000); body_cap bounds each recorded body (0 = 4096). Returns owned, NULL on OOM. */
seam_sim_double_t *seam_sim_double_create(const seam_sim_double_def_t *def, uint64_t seed,
					  size_t ring_cap, size_t body_cap);
void seam_sim_double_destroy(seam_sim_double_t *d);
const char *seam_sim_double_name(const seam_sim_double_t *d);
const seam_sim_double_def_t *seam_sim_double_def(const seam_sim_double_t *d);
seam_sim_faults_t *seam_sim_double_faults(seam_sim_double_t *d);
/* The public base URL ("http://127.0.0.1:8101"), set once the listener is bound. */
void seam_sim_double_set_base_url(seam_sim_double_t *d, const char *url);
const char *seam_sim_double_base_url(const seam_sim_double_t *d);

/* Runs one call through the pipeline (see top). c's request fields must be set. */
void seam_sim_double_handle(seam_sim_double_t *d, seam_sim_call_t *c);
/* Sleeps ms, waking early when the double stops. Returns 0, or -1 when stopping. */
int seam_sim_double_sleep(seam_sim_double_t *d, int64_t ms);
void seam_sim_double_stopping(seam_sim_double_t *d);

/* The control routes every double answers (for the HTTP route table). */
const seam_sim_route_t *seam_sim_control_routes(size_t *n);

/* Frees the call's response and captures (not the borrowed request). */
void seam_sim_call_dispose(seam_sim_call_t *c);

/* Request accessors (borrowed strings; NULL when absent). */
const char *seam_sim_param(const seam_sim_call_t *c, const char *name);
const char *seam_sim_query(const seam_sim_call_t *c, const char *name);
const char *seam_sim_header(const seam_sim_call_t *c, const char *name);
/* Parses the body as JSON; NULL when empty or not JSON. New reference. */
json_t *seam_sim_body_json(const seam_sim_call_t *c);
/* The request target as received: path plus the re-encoded query ("/a?b=1"), owned. */
char *seam_sim_request_url(const seam_sim_call_t *c);
/* How many calls that may write (not GET or HEAD) the call's double has started and ended,
 * each counted twice (at its start and at its end): a double that caches what it read may
 * keep it while this stays the same. */
uint64_t seam_sim_writes(const seam_sim_call_t *c);

/* Replies. body is copied; doc is STOLEN. Later replies are ignored. */
void seam_sim_reply(seam_sim_call_t *c, int status, const char *ctype, const void *body,
		    size_t len);
void seam_sim_reply_json(seam_sim_call_t *c, int status, const char *ctype, json_t *doc);
void seam_sim_set_header(seam_sim_call_t *c, const char *name, const char *value);
/* application/problem+json for the control API. */
void seam_sim_problem(seam_sim_call_t *c, int status, const char *slug, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- direct dispatch (unit tests, no sockets) ---- */

typedef struct seam_sim_resp {
	int status;
	int drop;      /* the double would have closed the connection without answering */
	char *ctype;
	char *body;
	size_t len;
	json_t *json;  /* parsed body when it is JSON, else NULL */
	seam_sim_kv_t hdr[SEAM_SIM_MAX_RESP_HEADERS];
	size_t nhdr;
} seam_sim_resp_t;

/* target is "path?query" (percent-encoded); headers is a NULL-terminated list of
 * "Name: value" strings (may be NULL); body may be NULL. Fills out (dispose it). */
void seam_sim_request(seam_sim_double_t *d, const char *method, const char *target,
		      const char *const *headers, const char *body, seam_sim_resp_t *out);
void seam_sim_resp_dispose(seam_sim_resp_t *r);
const char *seam_sim_resp_header(const seam_sim_resp_t *r, const char *name);

/* ---- small shared helpers ---- */

/* Percent-decodes s[0..len) ('+' to space when plus is set). Returns owned. */
char *seam_sim_urldecode(const char *s, size_t len, int plus);
/* Percent-encodes everything but unreserved characters. Returns owned. */
char *seam_sim_urlencode(const char *s);
/* Splits "a=1&b=2" into decoded pairs appended to *kv (owned strings). Returns 0 or -1. */
int seam_sim_parse_query(const char *qs, seam_sim_kv_t **kv, size_t *n);
void seam_sim_kv_free(seam_sim_kv_t *kv, size_t n);
/* RFC 3339 with "+00:00" as Drupal writes it: "2026-11-26T15:31:01+00:00". out: 32 bytes. */
void seam_sim_time_drupal(int64_t unix_s, char *out);
/* Basic auth: splits "Basic base64(user:pass)" into user and pass (owned). 0 or -1. */
int seam_sim_basic_auth(const char *header, char **user, char **pass);
/* Constant-time string equality (both NUL-terminated). */
int seam_sim_streq_ct(const char *a, const char *b);

#endif
