/*
 * server.c: the HTTP edge over libmicrohttpd.
 *
 * Threading: MHD runs a pool of `threads` polling threads (epoll); each connection lives on
 * one of them and our access handler runs there. A handler therefore blocks only its own
 * thread. The handler's answer is buffered on the request and turned into an MHD response
 * when the handler returns (MHD requires queueing from inside the access callback).
 *
 * Request lifecycle (one seam_http_req_t per request, freed in the completion callback):
 *   first callback   -> allocate, correlation id, route match, Content-Length cap check
 *   upload callbacks -> append body up to the cap (beyond: discard; far beyond: close)
 *   final callback   -> 413/404/405/auth, handler, queue response, metrics, access log
 * Per-request memory is an arena of blocks freed in one go.
 *
 * Draining: stop() marks the server draining: requests that start from then on are answered
 * at once with 503, Retry-After and Connection: close (a load balancer or webhook sender
 * retries them elsewhere or later); requests in flight finish (up to the grace period); then
 * MHD is stopped, which closes the listen socket and idle keep-alives. MHD_quiesce_daemon is
 * deliberately not used: in thread-pool epoll mode it races with the workers over the listen
 * socket's epoll registration and libmicrohttpd 0.9.75 aborts the process when it loses.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ids.h"

#define MAX_SEGS 16
#define MAX_PARAMS 8

typedef struct compiled_route {
	const seam_route_t *r;
	int nseg;
	char *segs[MAX_SEGS]; /* "{name}" kept as is; a final "*" matches the rest */
	int wildcard;
} compiled_route_t;

struct seam_http_server {
	seam_http_opts_t o;
	struct MHD_Daemon *d;
	int port;
	int listen_fd;
	compiled_route_t *routes;
	size_t nroutes;
	int inflight; /* atomic */
	int draining; /* atomic: stop() was called; new requests get 503 and Connection: close */
};

typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
} arena_block_t;

typedef struct resp_header {
	struct resp_header *next;
	char *name, *value;
} resp_header_t;

struct seam_http_req {
	seam_http_server_t *srv;
	struct MHD_Connection *conn;
	const char *method, *path;
	const compiled_route_t *route;
	int allowed_mask; /* path matched some route, just not this method */
	char allow[96];
	const char *pnames[MAX_PARAMS], *pvals[MAX_PARAMS];
	int nparams;
	char *body;
	size_t body_len, body_cap, body_seen;
	int too_big;
	char cid[SEAM_CID_MAX];
	char remote[INET6_ADDRSTRLEN];
	int64_t start_ns;
	void *user;
	arena_block_t *arena;
	/* the answer */
	int replied, dropped, status;
	int suspended, queued;
	char *resp_ct;
	char *resp_body;
	size_t resp_len;
	resp_header_t *resp_headers;
	int counted; /* metrics/log written */
};

/* ---------- arena ---------- */

void *seam_http_alloc(seam_http_req_t *req, size_t n)
{
	arena_block_t *b = req->arena;
	n = (n + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 4000 ? n : 4000;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = req->arena;
		req->arena = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

char *seam_http_strdup(seam_http_req_t *req, const char *s)
{
	size_t l;
	char *p;
	if (!s)
		return NULL;
	l = strlen(s);
	p = seam_http_alloc(req, l + 1);
	if (p)
		memcpy(p, s, l + 1);
	return p;
}

static void req_free(seam_http_req_t *req)
{
	arena_block_t *b = req->arena;
	while (b) {
		arena_block_t *n = b->next;
		free(b);
		b = n;
	}
	for (resp_header_t *h = req->resp_headers; h;) {
		resp_header_t *n = h->next;
		free(h->name);
		free(h->value);
		free(h);
		h = n;
	}
	free(req->body);
	free(req->resp_body);
	free(req->resp_ct);
	free(req);
}

/* ---------- routes ---------- */

static int split_path(char *buf, char *segs[MAX_SEGS])
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == MAX_SEGS)
			return -1;
		segs[n++] = t;
	}
	return n;
}

static int compile_routes(seam_http_server_t *s, seam_error_t *err)
{
	s->routes = calloc(s->o.nroutes ? s->o.nroutes : 1, sizeof *s->routes);
	if (!s->routes)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	for (size_t i = 0; i < s->o.nroutes; i++) {
		compiled_route_t *c = &s->routes[i];
		char *copy = strdup(s->o.routes[i].pattern);
		char *segs[MAX_SEGS];
		int n;
		if (!copy)
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		n = split_path(copy, segs);
		if (n < 0) {
			free(copy);
			return seam_errorf(err, SEAM_INVAL, "route %s has too many segments",
					   s->o.routes[i].pattern);
		}
		c->r = &s->o.routes[i];
		c->nseg = n;
		for (int j = 0; j < n; j++)
			c->segs[j] = strdup(segs[j]);
		c->wildcard = n > 0 && strcmp(segs[n - 1], "*") == 0;
		free(copy);
		s->nroutes++;
	}
	return SEAM_OK;
}

static void free_routes(seam_http_server_t *s)
{
	for (size_t i = 0; i < s->nroutes; i++)
		for (int j = 0; j < s->routes[i].nseg; j++)
			free(s->routes[i].segs[j]);
	free(s->routes);
}

/* Tries one route against the path segments; fills params on the request when it matches. */
static int route_match(seam_http_req_t *req, const compiled_route_t *c, char **segs, int n,
		       int fill)
{
	int fixed = c->wildcard ? c->nseg - 1 : c->nseg;
	int np = 0;
	if (c->wildcard ? n < fixed : n != fixed)
		return 0;
	for (int i = 0; i < fixed; i++) {
		const char *p = c->segs[i];
		size_t pl = strlen(p);
		if (p[0] == '{' && pl > 2 && p[pl - 1] == '}') {
			if (fill && np < MAX_PARAMS) {
				char *name = seam_http_alloc(req, pl - 1);
				if (!name)
					return 0;
				memcpy(name, p + 1, pl - 2);
				name[pl - 2] = '\0';
				req->pnames[np] = name;
				req->pvals[np] = seam_http_strdup(req, segs[i]);
				np++;
			}
			continue;
		}
		if (strcmp(p, segs[i]) != 0)
			return 0;
	}
	if (fill)
		req->nparams = np;
	return 1;
}

static void find_route(seam_http_req_t *req)
{
	seam_http_server_t *s = req->srv;
	char *buf = seam_http_strdup(req, req->path), *segs[MAX_SEGS];
	int n = buf ? split_path(buf, segs) : -1;
	if (n < 0)
		return;
	req->allow[0] = '\0';
	for (size_t i = 0; i < s->nroutes; i++) {
		const compiled_route_t *c = &s->routes[i];
		if (!route_match(req, c, segs, n, 0))
			continue;
		if (strcmp(c->r->method, req->method) == 0 ||
		    (strcmp(req->method, "HEAD") == 0 && strcmp(c->r->method, "GET") == 0)) {
			route_match(req, c, segs, n, 1);
			req->route = c;
			return;
		}
		req->allowed_mask = 1;
		if (!strstr(req->allow, c->r->method)) {
			size_t l = strlen(req->allow);
			snprintf(req->allow + l, sizeof req->allow - l, "%s%s", l ? ", " : "",
				 c->r->method);
		}
	}
}

/* ---------- accessors ---------- */

const char *seam_http_method(const seam_http_req_t *req) { return req->method; }
const char *seam_http_path(const seam_http_req_t *req) { return req->path; }
const char *seam_http_cid(const seam_http_req_t *req) { return req->cid; }
const char *seam_http_remote(const seam_http_req_t *req) { return req->remote; }
seam_log_t *seam_http_log(const seam_http_req_t *req) { return req->srv->o.log; }
seam_metrics_t *seam_http_metrics(const seam_http_req_t *req) { return req->srv->o.metrics; }
void seam_http_set_user(seam_http_req_t *req, void *user) { req->user = user; }
void *seam_http_user(const seam_http_req_t *req) { return req->user; }
int seam_http_replied(const seam_http_req_t *req) { return req->replied; }

const char *seam_http_route_pattern(const seam_http_req_t *req)
{
	return req->route ? req->route->r->pattern : "unmatched";
}

const char *seam_http_param(const seam_http_req_t *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->pnames[i], name) == 0)
			return req->pvals[i];
	return NULL;
}

const char *seam_http_header(const seam_http_req_t *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *seam_http_query(const seam_http_req_t *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_visit {
	void (*fn)(const char *, const char *, void *);
	void *ud;
};

static enum MHD_Result query_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct query_visit *v = cls;
	(void)kind;
	v->fn(key, value ? value : "", v->ud);
	return MHD_YES;
}

void seam_http_query_each(const seam_http_req_t *req,
			  void (*fn)(const char *key, const char *value, void *ud), void *ud)
{
	struct query_visit v = {fn, ud};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_iter, &v);
}

const char *seam_http_body(const seam_http_req_t *req, size_t *len)
{
	if (len)
		*len = req->body_len;
	return req->body ? req->body : "";
}

/* ---------- replies ---------- */

void seam_http_set_header(seam_http_req_t *req, const char *name, const char *value)
{
	resp_header_t *h = calloc(1, sizeof *h);
	if (!h)
		return;
	h->name = strdup(name);
	h->value = strdup(value);
	h->next = req->resp_headers;
	req->resp_headers = h;
}

void seam_http_reply(seam_http_req_t *req, int status, const char *content_type,
		     const void *body, size_t len)
{
	if (req->replied) {
		seam_log_warn(req->srv->o.log, "http", req->cid, "handler for %s answered twice",
			      seam_http_route_pattern(req));
		return;
	}
	req->replied = 1;
	req->status = status;
	req->resp_ct = content_type ? strdup(content_type) : NULL;
	req->resp_body = malloc(len ? len : 1);
	if (req->resp_body && len)
		memcpy(req->resp_body, body, len);
	req->resp_len = req->resp_body ? len : 0;
}

void seam_http_reply_json_ct(seam_http_req_t *req, int status, const char *ct, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text) {
		seam_http_reply(req, 500, "application/problem+json",
				"{\"type\":\"" SEAM_PROBLEM_BASE "internal\",\"status\":500}", 52);
		return;
	}
	size_t len = strlen(text);
	seam_http_reply(req, status, ct ? ct : "application/json", text, len);
	free(text);
}

void seam_http_reply_json(seam_http_req_t *req, int status, json_t *doc)
{
	seam_http_reply_json_ct(req, status, NULL, doc);
}

void seam_http_problem(seam_http_req_t *req, int status, const char *slug, const char *title,
		       json_t *extra, const char *detail_fmt, ...)
{
	char detail[1024], type[160];
	va_list ap;
	json_t *p;
	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof detail, detail_fmt, ap);
	va_end(ap);
	snprintf(type, sizeof type, "%s%s", SEAM_PROBLEM_BASE, slug);
	p = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", title, "status", status,
		      "detail", detail, "correlation_id", req->cid);
	if (p && json_is_object(extra))
		json_object_update_missing(p, extra);
	json_decref(extra);
	seam_http_reply_json_ct(req, status, "application/problem+json", p);
}

void seam_http_suspend(seam_http_req_t *req)
{
	req->suspended = 1;
	MHD_suspend_connection(req->conn);
}

void seam_http_resume(seam_http_req_t *req)
{
	/* MHD_resume_connection is thread-safe; it wakes the connection's poll thread, which
	 * calls on_request again and finds the answer. */
	MHD_resume_connection(req->conn);
}

void seam_http_drop(seam_http_req_t *req)
{
	req->replied = 1;
	req->dropped = 1;
	req->status = 0;
}

json_t *seam_http_body_json(seam_http_req_t *req)
{
	json_error_t je;
	json_t *doc;
	if (req->body_len == 0) {
		seam_http_problem(req, 400, "bad-json", "Malformed JSON", NULL,
				  "the request body is empty; a JSON document is required");
		return NULL;
	}
	doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		seam_http_problem(req, 400, "bad-json", "Malformed JSON",
				  json_pack("{s:i, s:i}", "line", je.line, "column", je.column),
				  "line %d, column %d: %s", je.line, je.column, je.text);
	return doc;
}

/* ---------- MHD glue ---------- */

static const char *status_label(int status, char buf[8])
{
	snprintf(buf, 8, "%d", status);
	return buf;
}

static void finish_accounting(seam_http_req_t *req)
{
	seam_http_server_t *s = req->srv;
	double secs;
	char sb[8];
	if (req->counted)
		return;
	req->counted = 1;
	secs = (double)(seam_mono_ns() - req->start_ns) / 1e9;
	const char *route = seam_http_route_pattern(req);
	const char *status = req->dropped ? "dropped" : status_label(req->status, sb);
	seam_metric_add(s->o.metrics, SEAM_M_HTTP_REQUESTS,
			(const char *[]){route, req->method, status}, 1);
	seam_metric_observe(s->o.metrics, SEAM_M_HTTP_DURATION, (const char *[]){route}, secs);
	if (s->o.access_log && seam_log_enabled(s->o.log, SEAM_LOG_INFO))
		seam_logf(s->o.log, SEAM_LOG_INFO, s->o.log_module ? s->o.log_module : "http", req->cid,
			  json_pack("{s:s, s:s, s:s, s:i, s:I, s:f, s:s}", "method", req->method,
				    "path", req->path, "route", route, "status", req->status, "bytes",
				    (json_int_t)req->resp_len, "duration_ms", secs * 1000.0, "remote",
				    req->remote),
			  "%s %s %d", req->method, req->path, req->status);
}

static enum MHD_Result queue_answer(seam_http_req_t *req)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	req->queued = 1;
	if (!req->replied)
		seam_http_problem(req, 500, "internal", "Internal error", NULL,
				  "the handler for %s did not answer", seam_http_route_pattern(req));
	if (req->dropped) {
		finish_accounting(req);
		return MHD_NO; /* MHD closes the connection without a response */
	}
	r = MHD_create_response_from_buffer(req->resp_len, req->resp_body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (req->resp_ct)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->resp_ct);
	MHD_add_response_header(r, "X-Correlation-ID", req->cid);
	for (resp_header_t *h = req->resp_headers; h; h = h->next)
		MHD_add_response_header(r, h->name, h->value);
	ret = MHD_queue_response(req->conn, (unsigned)req->status, r);
	MHD_destroy_response(r);
	finish_accounting(req);
	return ret;
}

static void reject(seam_http_req_t *req, int status, const char *slug, const char *title,
		   const char *reason, const char *detail)
{
	seam_metric_add(req->srv->o.metrics, SEAM_M_HTTP_REJECTED, (const char *[]){reason}, 1);
	seam_http_problem(req, status, slug, title, NULL, "%s", detail);
}

static void dispatch(seam_http_req_t *req)
{
	seam_http_server_t *s = req->srv;
	if (req->too_big) {
		char d[128];
		snprintf(d, sizeof d, "the body is larger than the limit of %zu bytes",
			 s->o.body_limit);
		reject(req, 413, "payload-too-large", "Payload too large", "body_too_large", d);
		return;
	}
	if (!req->route) {
		if (req->allowed_mask) {
			seam_http_set_header(req, "Allow", req->allow);
			reject(req, 405, "method-not-allowed", "Method not allowed",
			       "method_not_allowed", "this path does not accept this method");
		} else {
			reject(req, 404, "not-found", "Not found", "not_found",
			       "no resource at this path");
		}
		return;
	}
	const seam_route_t *r = req->route->r;
	if (r->scope && !(r->flags & SEAM_ROUTE_OPEN)) {
		int verdict = s->o.auth ? s->o.auth(req, r->scope, s->o.ud) : 401;
		if (req->replied)
			return; /* the hook answered itself */
		if (verdict == 401) {
			seam_http_set_header(req, "WWW-Authenticate", "Bearer realm=\"seam\"");
			reject(req, 401, "unauthorized", "Unauthorized", "unauthorized",
			       "a valid API key is required: Authorization: Bearer <key>");
			return;
		}
		if (verdict == 403) {
			char d[160];
			snprintf(d, sizeof d, "the API key lacks the scope %s", r->scope);
			reject(req, 403, "forbidden", "Forbidden", "forbidden", d);
			return;
		}
	}
	r->fn(req, s->o.ud);
}

static void fill_remote(seam_http_req_t *req)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	strcpy(req->remote, "-");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
			  req->remote, sizeof req->remote);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
			  req->remote, sizeof req->remote);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	seam_http_server_t *s = cls;
	seam_http_req_t *req = *con_cls;
	(void)version;

	if (!req) {
		req = calloc(1, sizeof *req);
		if (!req)
			return MHD_NO;
		*con_cls = req;
		__atomic_add_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
		seam_metric_add(s->o.metrics, SEAM_M_HTTP_INFLIGHT, NULL, 1);
		req->srv = s;
		req->conn = conn;
		req->start_ns = seam_mono_ns();
		req->method = method;
		req->path = url;
		seam_cid_from_headers(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "traceparent"),
				      MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								  "X-Correlation-ID"),
				      req->cid);
		fill_remote(req);
		find_route(req);
		if (__atomic_load_n(&s->draining, __ATOMIC_ACQUIRE)) {
			seam_http_set_header(req, "Connection", "close");
			seam_http_set_header(req, "Retry-After", "1");
			reject(req, 503, "shutting-down", "Shutting down", "draining",
			       "this instance is shutting down; retry");
			return queue_answer(req);
		}
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > s->o.body_limit) {
			/* Answer before reading a byte: MHD then closes instead of draining it. */
			req->too_big = 1;
			dispatch(req);
			return queue_answer(req);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;
		req->body_seen += n;
		*upload_size = 0;
		if (req->too_big || req->body_len + n > s->o.body_limit) {
			req->too_big = 1;
			free(req->body);
			req->body = NULL;
			req->body_len = 0;
			/* A client streaming far past the cap is cut off rather than drained. */
			return req->body_seen > 4 * s->o.body_limit ? MHD_NO : MHD_YES;
		}
		if (req->body_len + n + 1 > req->body_cap) {
			size_t cap = req->body_cap ? req->body_cap : 1024;
			while (cap < req->body_len + n + 1)
				cap *= 2;
			char *nb = realloc(req->body, cap);
			if (!nb)
				return MHD_NO;
			req->body = nb;
			req->body_cap = cap;
		}
		memcpy(req->body + req->body_len, upload, n);
		req->body_len += n;
		req->body[req->body_len] = '\0';
		return MHD_YES;
	}
	if (req->queued) /* answered early (413 on Content-Length) */
		return MHD_YES;
	if (req->suspended) /* resumed: the deferred answer is there */
		return queue_answer(req);
	dispatch(req);
	if (req->suspended)
		return MHD_YES; /* the answer comes later, from seam_http_resume's caller */
	return queue_answer(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	seam_http_server_t *s = cls;
	seam_http_req_t *req = *con_cls;
	(void)conn;
	(void)toe;
	if (!req)
		return;
	*con_cls = NULL;
	__atomic_sub_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
	seam_metric_add(s->o.metrics, SEAM_M_HTTP_INFLIGHT, NULL, -1);
	req_free(req);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	seam_http_server_t *s = cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t l = strlen(msg);
	while (l && (msg[l - 1] == '\n' || msg[l - 1] == '\r'))
		msg[--l] = '\0';
	seam_log_debug(s->o.log, "http", NULL, "libmicrohttpd: %s", msg);
}

/* Parses "host:port" / "[v6]:port" and binds a listening socket, so errors (address in use,
 * bad host) come back as clear messages instead of MHD's NULL. */
static int bind_listener(const char *listen_on, int *port_out, seam_error_t *err)
{
	char host[256];
	const char *colon;
	long port;
	char *end;
	struct sockaddr_storage ss = {0};
	socklen_t slen;
	int fd, one = 1;

	if (!listen_on || !*listen_on)
		return -seam_errorf(err, SEAM_CONFIG, "listen address is empty");
	colon = strrchr(listen_on, ':');
	if (!colon || colon == listen_on)
		return -seam_errorf(err, SEAM_CONFIG, "listen address '%s' is not HOST:PORT", listen_on);
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return -seam_errorf(err, SEAM_CONFIG, "listen address '%s' has a bad port", listen_on);
	size_t hl = (size_t)(colon - listen_on);
	if (listen_on[0] == '[' && hl > 2 && listen_on[hl - 1] == ']') {
		snprintf(host, sizeof host, "%.*s", (int)(hl - 2), listen_on + 1);
	} else {
		snprintf(host, sizeof host, "%.*s", (int)hl, listen_on);
	}
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		slen = sizeof *a4;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		slen = sizeof *a6;
	} else {
		return -seam_errorf(err, SEAM_CONFIG, "listen host '%s' is not an IP address", host);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -seam_errorf(err, SEAM_IO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, slen) != 0) {
		int e = errno;
		close(fd);
		return -seam_errorf(err, SEAM_IO, "cannot listen on %s: %s", listen_on, strerror(e));
	}
	if (listen(fd, 1024) != 0) {
		int e = errno;
		close(fd);
		return -seam_errorf(err, SEAM_IO, "cannot listen on %s: %s", listen_on, strerror(e));
	}
	slen = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &slen);
	*port_out = ntohs(ss.ss_family == AF_INET ? a4->sin_port : a6->sin6_port);
	return fd;
}

seam_err_t seam_http_start(const seam_http_opts_t *opts, seam_http_server_t **out,
			   seam_error_t *err)
{
	seam_http_server_t *s;
	seam_err_t rc;
	int fd;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	s->o = *opts;
	if (!s->o.threads)
		s->o.threads = 4;
	if (!s->o.body_limit)
		s->o.body_limit = 1 << 20;
	if (!s->o.request_timeout_s)
		s->o.request_timeout_s = 30;
	if (!s->o.header_limit)
		s->o.header_limit = 32 * 1024;
	if (!s->o.connection_limit)
		s->o.connection_limit = 1024;
	s->listen_fd = -1;
	rc = compile_routes(s, err);
	if (rc != SEAM_OK)
		goto fail;
	fd = bind_listener(s->o.listen, &s->port, err);
	if (fd < 0) {
		rc = (seam_err_t)-fd;
		goto fail;
	}
	s->listen_fd = fd;
	s->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			MHD_ALLOW_SUSPEND_RESUME,
		0, NULL, NULL, on_request, s,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->o.threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.request_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)s->o.header_limit,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->o.connection_limit,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_END);
	if (!s->d) {
		rc = seam_errorf(err, SEAM_IO, "cannot start the HTTP server on %s", s->o.listen);
		goto fail;
	}
	*out = s;
	return SEAM_OK;
fail:
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	free_routes(s);
	free(s);
	return rc;
}

int seam_http_port(const seam_http_server_t *srv)
{
	return srv ? srv->port : 0;
}

void seam_http_stop(seam_http_server_t *s, int grace_ms)
{
	if (!s)
		return;
	__atomic_store_n(&s->draining, 1, __ATOMIC_RELEASE);
	int64_t deadline = seam_mono_ns() + (int64_t)grace_ms * 1000000;
	while (__atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST) > 0 && seam_mono_ns() < deadline)
		seam_sleep_ms(10);
	int left = __atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST);
	if (left > 0)
		seam_log_warn(s->o.log, "http", NULL,
			      "drain timeout: closing with %d requests still in flight", left);
	MHD_stop_daemon(s->d); /* closes the listen socket and every connection */
	free_routes(s);
	free(s);
}
