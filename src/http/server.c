/*
 * server.c: seam's HTTP/1.1 server (the edge behind http/server.h).
 *
 * Why its own: the edge must refuse ambiguous framing (request smuggling), bound how long a
 * client may take over its headers and body, and keep answering health checks and webhooks
 * while slow clients hold connections open. libmicrohttpd 0.9.75 does none of that from the
 * outside; the request grammar lives in http/h1.c, unit-tested and fuzzed on its own.
 *
 * Threads:
 *   - one acceptor: accept4() on the listening socket, the per-IP cap, the connection limit
 *     (choosing which connection to evict), then hands the socket to a loop;
 *   - `threads` event loops, each with its own epoll set and the connections it owns. Handlers
 *     run on their connection's loop thread (a slow handler delays only that loop's
 *     connections, as with a thread pool). Nothing but the owning loop touches a connection,
 *     with two exceptions that go through the loop's mutex + eventfd: the acceptor's hand-off
 *     and seam_http_resume() from any thread.
 *
 * A connection's life: HEAD (reading the request head; deadline http.header_timeout from its
 * first byte, or from accept for a new connection) -> BODY (Content-Length or chunked; must
 * keep up http.body_min_rate bytes/s after a grace of header_timeout) -> HANDLER -> maybe
 * SUSPENDED (parked, not in epoll, no deadline: the server's own work) -> WRITE -> back to HEAD
 * (keep-alive, idle deadline http.request_timeout; pipelined bytes are served in order) or
 * LINGER (closing: our write side is shut, the rest of what the client sends is read and
 * dropped for up to LINGER_MS so the client sees our answer rather than a reset).
 *
 * Refusals: a head the parser refuses, a late head or body (408), a body over the limit (413)
 * and draining (503) are answered with problem+json, a correlation id, an access-log line and
 * the HTTP metrics, then the connection is closed. At the connection level: more than
 * per_ip_limit connections from one address get a 503 and are closed; when connection_limit
 * is reached the new connection evicts the oldest one that is not being served (lingering,
 * then idle keep-alive, then still sending its request), so a flood of slow clients cannot
 * hold the slots a health check or a webhook needs.
 *
 * Draining: stop() marks the server draining: idle keep-alive connections are closed, requests
 * that start from then on are answered 503 with Retry-After and Connection: close, requests in
 * flight finish (up to the grace period); then the listener and every connection are closed.
 * A suspended request is waited for a little longer (its resume will come from another
 * thread and must find the connection); past that it is left allocated, never freed under it.
 */
#include "http/server.h"
#include "http/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/json.h"
#include "http/h1.h"

#define MAX_SEGS 16
#define MAX_PARAMS 8
#define IN_MIN 2048             /* first input buffer of a connection */
#define CHUNK_READ 16384        /* input buffer while reading a chunked body */
#define LINE_LIMIT 8192         /* request line; beyond it 414 */
#define LINGER_MS 2000          /* how long a closing connection's input is drained */
#define SWEEP_MS 100            /* deadline granularity */
#define IP_BUCKETS 1024
#define MS 1000000LL

typedef struct compiled_route {
	const seam_route_t *r;
	int nseg;
	char *segs[MAX_SEGS]; /* "{name}" kept as is; a final "*" matches the rest */
	int wildcard;
} compiled_route_t;

typedef struct ip_key {
	uint8_t a[16];
	uint8_t fam;
} ip_key_t;

typedef struct ip_entry {
	struct ip_entry *next;
	ip_key_t k;
	int n;
} ip_entry_t;

typedef struct conn conn_t;
typedef struct loop loop_t;

typedef struct pending {
	int fd;
	unsigned flags; /* ADOPT_* */
	ip_key_t ip;
	char remote[INET6_ADDRSTRLEN];
} pending_t;

#define ADOPT_EVICT 0x1    /* the server is full: evict one connection of this loop first */
#define ADOPT_REFUSE_IP 0x2 /* over the per-IP cap: answer 503 and close */
#define ADOPT_IP_COUNTED 0x8

struct loop {
	seam_http_server_t *s;
	int ep, evfd;
	pthread_t th;
	int started;
	conn_t *head, *tail; /* every connection of this loop, oldest first (owner only) */
	int nconns;          /* atomic: read by the acceptor to balance */
	int nsuspended;      /* owner only */
	pthread_mutex_t mu;  /* guards pend and resumed */
	pending_t *pend;
	size_t npend, cappend;
	conn_t *resumed;
	conn_t *ready, *ready_tail; /* connections with a pipelined request buffered (owner only) */
	int64_t next_sweep;
	time_t date_sec;
	char date[40];
	char scratch[16384]; /* lingering reads */
};

struct seam_http_server {
	seam_http_opts_t o;
	int port;
	int listen_fd;
	compiled_route_t *routes;
	size_t nroutes;
	seam_h1_limits_t lim;
	int64_t header_ns, idle_ns;
	uint64_t min_rate;
	loop_t *loops;
	int nloops;
	pthread_t acceptor;
	int acceptor_started;
	int inflight; /* atomic: requests between a complete head and their last response byte */
	int nconns;   /* atomic */
	int draining; /* atomic: stop() was called; new requests get 503 and Connection: close */
	int stopping; /* atomic: loops close everything and exit */
	int64_t stop_deadline; /* written before stopping is set */
	pthread_mutex_t ip_mu;
	ip_entry_t *ip_tab[IP_BUCKETS];
	int64_t refuse_log_ns; /* atomic: last warn about refused connections */
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

enum { C_HEAD, C_BODY, C_HANDLER, C_SUSPENDED, C_WRITE, C_LINGER };

struct conn {
	conn_t *prev, *next; /* the loop's list */
	conn_t *rnext;       /* the loop's resumed queue */
	conn_t *ready_next;  /* the loop's ready list */
	int in_ready;
	loop_t *lp;
	int fd;
	int state;
	unsigned events;     /* registered epoll events; 0 = not in the set */
	ip_key_t ip;
	int ip_counted;
	char remote[INET6_ADDRSTRLEN];
	char *in;            /* received, not yet consumed: in[in_off..in_len) */
	size_t in_off, in_len, in_cap;
	seam_h1_scan_t scan;
	int64_t t_open, t_req, t_last, t_body, linger_until;
	int nreq;            /* requests started on this connection */
	seam_h1_chunked_t ch;
	int chunked;
	uint64_t body_want;  /* Content-Length */
	seam_http_req_t *req;
	char *out;
	size_t out_len, out_off;
	int close_after;
	int hard_close;      /* drop: no lingering */
};

struct seam_http_req {
	json_t *body_doc; /* seam_http_body_doc's parse, freed with the request */
	seam_http_server_t *srv;
	conn_t *conn;
	const char *method, *path;
	const char **hn, **hv; /* request headers, names and values */
	size_t nh;
	const char **qk, **qv; /* query arguments, decoded */
	size_t nq;
	const compiled_route_t *route;
	int allowed_mask; /* path matched some route, just not this method */
	char allow[96];
	const char *pnames[MAX_PARAMS], *pvals[MAX_PARAMS];
	int nparams;
	char *body;
	size_t body_len, body_cap;
	char cid[SEAM_CID_MAX];
	char remote[INET6_ADDRSTRLEN];
	int64_t start_ns;
	void *user;
	arena_block_t *arena;
	int is_head;      /* HEAD: the answer carries no body */
	int minor;
	int keep_alive;
	int no_access_log; /* connection-level refusals: metrics only */
	/* the answer */
	int replied, dropped, status;
	int suspended;
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
	json_decref(req->body_doc);
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
	for (size_t i = 0; i < req->nh; i++)
		if (strcasecmp(req->hn[i], name) == 0)
			return req->hv[i];
	return NULL;
}

const char *seam_http_query(const seam_http_req_t *req, const char *name)
{
	for (size_t i = 0; i < req->nq; i++)
		if (strcmp(req->qk[i], name) == 0)
			return req->qv[i];
	return NULL;
}

void seam_http_query_each(const seam_http_req_t *req,
			  void (*fn)(const char *key, const char *value, void *ud), void *ud)
{
	for (size_t i = 0; i < req->nq; i++)
		fn(req->qk[i], req->qv[i] ? req->qv[i] : "", ud);
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

int seam_http_response(const seam_http_req_t *req, int *status, const char **content_type,
		       const char **body, size_t *len)
{
	/* suspended first: a deferred answer is written by another thread, so its fields are
	 * not ours to read until the loop resumes the request */
	if (req->suspended || !req->replied || req->dropped)
		return 0;
	*status = req->status;
	*content_type = req->resp_ct;
	*body = req->resp_body ? req->resp_body : "";
	*len = req->resp_len;
	return 1;
}

const char *seam_http_response_header(const seam_http_req_t *req, const char *name)
{
	/* newest first: set_header prepends */
	for (const resp_header_t *h = req->resp_headers; h; h = h->next)
		if (strcasecmp(h->name, name) == 0)
			return h->value;
	return NULL;
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
	doc = seam_json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		seam_http_problem(req, 400, "bad-json", "Malformed JSON",
				  json_pack("{s:i, s:i}", "line", je.line, "column", je.column),
				  "line %d, column %d: %s", je.line, je.column, je.text);
	return doc;
}

const json_t *seam_http_body_doc(seam_http_req_t *req)
{
	if (!req->body_doc)
		req->body_doc = seam_http_body_json(req);
	return req->body_doc;
}

void seam_http_suspend(seam_http_req_t *req)
{
	req->suspended = 1;
}

/* ---------- accounting ---------- */

static const char *method_label(const char *m)
{
	static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
					    "OPTIONS"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(m, known[i]) == 0)
			return known[i];
	return strcmp(m, "-") == 0 ? "-" : "other"; /* bounded label cardinality */
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
	const char *status = "dropped";
	if (!req->dropped) {
		snprintf(sb, sizeof sb, "%d", req->status);
		status = sb;
	}
	seam_metric_add(s->o.metrics, SEAM_M_HTTP_REQUESTS,
			(const char *[]){route, method_label(req->method), status}, 1);
	seam_metric_observe(s->o.metrics, SEAM_M_HTTP_DURATION, (const char *[]){route}, secs);
	if (s->o.access_log && !req->no_access_log && seam_log_enabled(s->o.log, SEAM_LOG_INFO))
		seam_log_http(s->o.log, s->o.log_module ? s->o.log_module : "http", req->cid,
			      &(seam_log_http_t){.method = req->method, .path = req->path,
						 .route = route, .remote = req->remote,
						 .status = req->status, .bytes = (long long)req->resp_len,
						 .duration_ms = secs * 1000.0});
}

static void reject(seam_http_req_t *req, int status, const char *slug, const char *title,
		   const char *reason, const char *detail)
{
	seam_metric_add(req->srv->o.metrics, SEAM_M_HTTP_REJECTED, (const char *[]){reason}, 1);
	seam_http_problem(req, status, slug, title, NULL, "%s", detail);
}

/* ---------- request objects ---------- */

static seam_http_req_t *req_new(conn_t *c)
{
	seam_http_server_t *s = c->lp->s;
	seam_http_req_t *req = calloc(1, sizeof *req);
	if (!req)
		return NULL;
	req->srv = s;
	req->conn = c;
	req->start_ns = seam_mono_ns();
	req->method = "-";
	req->path = "-";
	memcpy(req->remote, c->remote, sizeof req->remote);
	__atomic_add_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
	seam_metric_add(s->o.metrics, SEAM_M_HTTP_INFLIGHT, NULL, 1);
	return req;
}

static void req_done(seam_http_req_t *req)
{
	seam_http_server_t *s;
	if (!req)
		return;
	s = req->srv;
	req_free(req);
	seam_metric_add(s->o.metrics, SEAM_M_HTTP_INFLIGHT, NULL, -1);
	__atomic_sub_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
}

/* Percent-decodes src[0..n) into arena memory; an invalid escape is kept as is. *nul is set
 * when a %00 was decoded (the string would be cut short). */
static char *pct_decode(seam_http_req_t *req, const char *src, size_t n, int *nul)
{
	char *d = seam_http_alloc(req, n + 1), *o = d;
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (src[i] == '%' && i + 2 < n &&
		    (hi = seam_hex_digit((unsigned char)src[i + 1])) >= 0 &&
		    (lo = seam_hex_digit((unsigned char)src[i + 2])) >= 0) {
			*o = (char)(hi * 16 + lo);
			if (!*o && nul)
				*nul = 1;
			o++;
			i += 2;
		} else {
			*o++ = src[i];
		}
	}
	*o = '\0';
	return d;
}

static int parse_query(seam_http_req_t *req, const char *q, size_t n)
{
	size_t cnt = 1;
	for (size_t i = 0; i < n; i++)
		cnt += q[i] == '&';
	req->qk = seam_http_alloc(req, cnt * sizeof *req->qk);
	req->qv = seam_http_alloc(req, cnt * sizeof *req->qv);
	if (!req->qk || !req->qv)
		return -1;
	size_t i = 0;
	while (i < n) {
		size_t s = i, eq = 0;
		while (i < n && q[i] != '&') {
			if (q[i] == '=' && !eq)
				eq = i + 1;
			i++;
		}
		if (i > s) {
			size_t kl = eq ? eq - 1 - s : i - s;
			req->qk[req->nq] = pct_decode(req, q + s, kl, NULL);
			/* "?flag" without '=' has no value: seam_http_query gives NULL for it */
			req->qv[req->nq] = eq ? pct_decode(req, q + eq, i - eq, NULL) : NULL;
			if (!req->qk[req->nq] || (eq && !req->qv[req->nq]))
				return -1;
			req->nq++;
		}
		i++;
	}
	return 0;
}

/* Fills req from a parsed head (h refers to buf). Copies everything into the arena. Returns
 * 0, or -1 when the request must be refused (400 already replied) or memory ran out. */
static int req_fill(seam_http_req_t *req, const char *buf, const seam_h1_head_t *h)
{
	int nul = 0;
	char *m = seam_http_alloc(req, h->method.len + 1);
	if (!m)
		return -1;
	memcpy(m, buf + h->method.off, h->method.len);
	m[h->method.len] = '\0';
	req->method = m;
	req->minor = h->minor;
	req->keep_alive = h->keep_alive;
	req->is_head = strcmp(m, "HEAD") == 0;
	req->hn = seam_http_alloc(req, (h->nfields + 1) * sizeof *req->hn);
	req->hv = seam_http_alloc(req, (h->nfields + 1) * sizeof *req->hv);
	if (!req->hn || !req->hv)
		return -1;
	for (size_t i = 0; i < h->nfields; i++) {
		const seam_h1_field_t *f = &h->fields[i];
		char *n = seam_http_alloc(req, f->name.len + 1 + f->value.len + 1);
		if (!n)
			return -1;
		memcpy(n, buf + f->name.off, f->name.len);
		n[f->name.len] = '\0';
		memcpy(n + f->name.len + 1, buf + f->value.off, f->value.len);
		n[f->name.len + 1 + f->value.len] = '\0';
		req->hn[i] = n;
		req->hv[i] = n + f->name.len + 1;
	}
	req->nh = h->nfields;
	seam_cid_from_headers(seam_http_header(req, "traceparent"),
			      seam_http_header(req, "X-Correlation-ID"), req->cid);
	const char *p = buf + h->path.off;
	size_t pl = h->path.len, ql = 0;
	const char *q = memchr(p, '?', pl);
	if (q) {
		ql = pl - (size_t)(q - p) - 1;
		pl = (size_t)(q - p);
	}
	req->path = pl ? pct_decode(req, p, pl, &nul) : "/";
	if (!req->path)
		return -1;
	if (q && parse_query(req, q + 1, ql) != 0)
		return -1;
	if (nul) {
		req->path = seam_http_strdup(req, "-");
		reject(req, 400, "bad-request", "Bad request", "bad_request",
		       "the path holds an encoded NUL byte");
		return -1;
	}
	return 0;
}

/* ---------- dispatch ---------- */

static void dispatch(seam_http_req_t *req)
{
	seam_http_server_t *s = req->srv;
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
	if (s->o.before && (s->o.before(req, r, s->o.ud) != 0 || req->replied))
		return; /* the hook answered */
	if (s->o.around)
		s->o.around(req, r, s->o.ud);
	else
		r->fn(req, s->o.ud);
}

/* ---------- per-IP connection counts ---------- */

static unsigned ip_hash(const ip_key_t *k)
{
	uint32_t h = 2166136261u ^ k->fam;
	for (int i = 0; i < 16; i++)
		h = (h ^ k->a[i]) * 16777619u;
	return h % IP_BUCKETS;
}

/* Adds one connection for k; returns the count after. */
static int ip_acquire(seam_http_server_t *s, const ip_key_t *k)
{
	unsigned b = ip_hash(k);
	int n = 0;
	pthread_mutex_lock(&s->ip_mu);
	ip_entry_t *e = s->ip_tab[b];
	while (e && memcmp(&e->k, k, sizeof *k) != 0)
		e = e->next;
	if (!e && (e = calloc(1, sizeof *e))) {
		e->k = *k;
		e->next = s->ip_tab[b];
		s->ip_tab[b] = e;
	}
	if (e)
		n = ++e->n;
	pthread_mutex_unlock(&s->ip_mu);
	return n;
}

static void ip_release(seam_http_server_t *s, const ip_key_t *k)
{
	unsigned b = ip_hash(k);
	pthread_mutex_lock(&s->ip_mu);
	ip_entry_t **pp = &s->ip_tab[b];
	while (*pp && memcmp(&(*pp)->k, k, sizeof *k) != 0)
		pp = &(*pp)->next;
	if (*pp && --(*pp)->n <= 0) {
		ip_entry_t *e = *pp;
		*pp = e->next;
		free(e);
	}
	pthread_mutex_unlock(&s->ip_mu);
}

/* ---------- connections ---------- */

static int64_t now_ns(void)
{
	return seam_mono_ns();
}

static void set_events(conn_t *c, unsigned ev)
{
	struct epoll_event e = {.events = ev, .data.ptr = c};
	if (ev == c->events)
		return;
	if (!ev)
		epoll_ctl(c->lp->ep, EPOLL_CTL_DEL, c->fd, NULL);
	else
		epoll_ctl(c->lp->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e);
	c->events = ev;
}

static void ready_push(conn_t *c)
{
	loop_t *lp = c->lp;
	if (c->in_ready)
		return;
	c->in_ready = 1;
	c->ready_next = NULL;
	if (lp->ready_tail)
		lp->ready_tail->ready_next = c;
	else
		lp->ready = c;
	lp->ready_tail = c;
}

static void ready_remove(conn_t *c)
{
	loop_t *lp = c->lp;
	conn_t *prev = NULL;
	for (conn_t *p = lp->ready; p; prev = p, p = p->ready_next) {
		if (p != c)
			continue;
		if (prev)
			prev->ready_next = c->ready_next;
		else
			lp->ready = c->ready_next;
		if (lp->ready_tail == c)
			lp->ready_tail = prev;
		break;
	}
	c->in_ready = 0;
}

static void conn_free(conn_t *c)
{
	loop_t *lp = c->lp;
	seam_http_server_t *s = lp->s;
	if (c->in_ready)
		ready_remove(c);
	set_events(c, 0);
	close(c->fd);
	if (c->ip_counted)
		ip_release(s, &c->ip);
	if (c->prev)
		c->prev->next = c->next;
	else
		lp->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		lp->tail = c->prev;
	__atomic_sub_fetch(&lp->nconns, 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&s->nconns, 1, __ATOMIC_SEQ_CST);
	req_done(c->req);
	free(c->in);
	free(c->out);
	free(c);
}

/* Closes a connection now. A suspended one is never freed here (its resume is coming). */
static void conn_close(conn_t *c)
{
	if (c->state == C_SUSPENDED)
		return;
	conn_free(c);
}

static int in_reserve(conn_t *c, size_t want)
{
	if (c->in_off && c->in_off == c->in_len) {
		c->in_off = c->in_len = 0;
	} else if (c->in_off && c->in_cap - c->in_len < want) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	if (c->in_cap - c->in_len >= want)
		return 0;
	size_t cap = c->in_cap ? c->in_cap : IN_MIN;
	while (cap - c->in_len < want)
		cap *= 2;
	char *n = realloc(c->in, cap);
	if (!n)
		return -1;
	c->in = n;
	c->in_cap = cap;
	return 0;
}

static const char *reason_phrase(int st)
{
	switch (st) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return st < 300 ? "OK" : st < 400 ? "Redirect" : st < 500 ? "Client Error" :
		"Server Error";
	}
}

static const char *http_date(loop_t *lp)
{
	time_t t = time(NULL);
	if (t != lp->date_sec) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(lp->date, sizeof lp->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		lp->date_sec = t;
	}
	return lp->date;
}

static int safe_header_text(const char *v)
{
	for (; *v; v++)
		if (*v == '\r' || *v == '\n')
			return 0;
	return 1;
}

/* Serialises the answer on c->req into c->out; decides whether the connection closes. */
static int build_response(conn_t *c)
{
	seam_http_req_t *req = c->req;
	seam_http_server_t *s = c->lp->s;
	int st = req->status;
	int no_body = st == 204 || st == 304 || (st >= 100 && st < 200);
	size_t cap = 512 + strlen(req->cid) + (req->resp_ct ? strlen(req->resp_ct) : 0) +
		     (no_body || req->is_head ? 0 : req->resp_len);
	for (resp_header_t *h = req->resp_headers; h; h = h->next)
		cap += strlen(h->name) + strlen(h->value) + 4;
	if (!req->keep_alive || __atomic_load_n(&s->draining, __ATOMIC_ACQUIRE))
		c->close_after = 1;
	for (resp_header_t *h = req->resp_headers; h; h = h->next)
		if (strcasecmp(h->name, "Connection") == 0 && strcasecmp(h->value, "close") == 0)
			c->close_after = 1;
	char *o = malloc(cap);
	if (!o)
		return -1;
	int n = snprintf(o, cap, "HTTP/1.1 %d %s\r\nDate: %s\r\n", st, reason_phrase(st),
			 http_date(c->lp));
	size_t len = (size_t)n;
#define PUT(...) len += (size_t)snprintf(o + len, cap - len, __VA_ARGS__)
	if (req->resp_ct && safe_header_text(req->resp_ct))
		PUT("Content-Type: %s\r\n", req->resp_ct);
	if (!no_body)
		PUT("Content-Length: %zu\r\n", req->resp_len);
	PUT("X-Correlation-ID: %s\r\n", req->cid);
	for (resp_header_t *h = req->resp_headers; h; h = h->next) {
		if (strcasecmp(h->name, "Connection") == 0 ||
		    strcasecmp(h->name, "Content-Length") == 0 ||
		    strcasecmp(h->name, "Transfer-Encoding") == 0 || !safe_header_text(h->name) ||
		    !safe_header_text(h->value))
			continue;
		PUT("%s: %s\r\n", h->name, h->value);
	}
	if (c->close_after)
		PUT("Connection: close\r\n");
	else if (req->minor == 0)
		PUT("Connection: keep-alive\r\n");
	PUT("\r\n");
#undef PUT
	if (!no_body && !req->is_head && req->resp_len) {
		memcpy(o + len, req->resp_body, req->resp_len);
		len += req->resp_len;
	}
	free(c->out);
	c->out = o;
	c->out_len = len;
	c->out_off = 0;
	return 0;
}

static void process(conn_t *c);

/* Closing after an answer: shut our side, then read and drop what the client still sends
 * until it closes or LINGER_MS pass, so it reads the answer instead of a reset. */
static void begin_linger(conn_t *c)
{
	req_done(c->req);
	c->req = NULL;
	if (c->hard_close) {
		conn_close(c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->state = C_LINGER;
	c->linger_until = now_ns() + LINGER_MS * MS;
	set_events(c, EPOLLIN);
}

/* The response is out: next request, or close. */
static void request_finished(conn_t *c)
{
	if (c->close_after) {
		begin_linger(c);
		return;
	}
	req_done(c->req);
	c->req = NULL;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	c->state = C_HEAD;
	memset(&c->scan, 0, sizeof c->scan);
	c->t_last = now_ns();
	c->t_req = c->in_len > c->in_off ? c->t_last : 0;
	set_events(c, EPOLLIN);
	/* Pipelined bytes already here: served from the loop, not from here, so a burst of
	 * pipelined requests does not recurse once per request. */
	if (c->in_len > c->in_off)
		ready_push(c);
}

static void try_write(conn_t *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			c->t_last = now_ns();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_events(c, EPOLLOUT);
			return;
		}
		conn_close(c); /* the client went away */
		return;
	}
	request_finished(c);
}

/* Sends the answer on c->req (replied, dropped, or missing: a 500). */
static void respond(conn_t *c)
{
	seam_http_req_t *req = c->req;
	if (!req->replied)
		seam_http_problem(req, 500, "internal", "Internal error", NULL,
				  "the handler for %s did not answer", seam_http_route_pattern(req));
	finish_accounting(req);
	if (req->dropped) {
		c->hard_close = 1;
		conn_close(c);
		return;
	}
	if (build_response(c) != 0) {
		conn_close(c);
		return;
	}
	c->state = C_WRITE;
	c->t_last = now_ns();
	try_write(c);
}

/* Answers a refusal on a request object made for the purpose (or the current one) and closes
 * after it. */
static void refuse(conn_t *c, int status, const char *slug, const char *title,
		   const char *reason, const char *detail, int no_log)
{
	seam_http_req_t *req = c->req;
	if (!req) {
		req = c->req = req_new(c);
		if (!req) {
			conn_close(c);
			return;
		}
		seam_cid_new(req->cid);
	}
	req->no_access_log = no_log;
	req->keep_alive = 0;
	c->close_after = 1;
	if (status == 503)
		seam_http_set_header(req, "Retry-After", "1");
	reject(req, status, slug, title, reason, detail);
	respond(c);
}

static const char *status_slug(int st, const char **title)
{
	switch (st) {
	case 408: *title = "Request timeout"; return "request-timeout";
	case 413: *title = "Payload too large"; return "payload-too-large";
	case 414: *title = "URI too long"; return "uri-too-long";
	case 417: *title = "Expectation failed"; return "expectation-failed";
	case 431: *title = "Request header fields too large"; return "header-fields-too-large";
	case 501: *title = "Not implemented"; return "not-implemented";
	case 505: *title = "HTTP version not supported"; return "http-version-not-supported";
	default: *title = "Bad request"; return "bad-request";
	}
}

static void run_handler(conn_t *c)
{
	seam_http_req_t *req = c->req;
	c->state = C_HANDLER;
	dispatch(req);
	if (req->suspended) {
		/* From here another thread owns req until seam_http_resume(). Out of the epoll set,
		 * so a client hanging up meanwhile does not spin the loop. */
		set_events(c, 0);
		c->state = C_SUSPENDED;
		c->lp->nsuspended++;
		return;
	}
	respond(c);
}

/* Refuses with the parser's verdict: on the current request when there is one (a body that
 * broke its framing), else on a request object made for the refusal, named after the request
 * line when that parsed (h may be NULL). */
static void refuse_err(conn_t *c, const seam_h1_head_t *h, const seam_h1_error_t *e)
{
	const char *title, *slug = status_slug(e->status, &title);
	char d[256];
	if (!c->req) {
		seam_http_req_t *req = req_new(c);
		if (!req) {
			conn_close(c);
			return;
		}
		c->req = req;
		seam_cid_new(req->cid);
		if (h && h->method.len) {
			const char *buf = c->in + c->in_off;
			char *m = seam_http_alloc(req, h->method.len + 1);
			char *t = seam_http_alloc(req, h->target.len + 1);
			if (m && t) {
				memcpy(m, buf + h->method.off, h->method.len);
				m[h->method.len] = '\0';
				memcpy(t, buf + h->target.off, h->target.len);
				t[h->target.len] = '\0';
				req->method = m;
				req->path = t;
			}
		}
	}
	if (e->status == 413)
		snprintf(d, sizeof d, "the body is larger than the limit of %zu bytes",
			 c->lp->s->o.body_limit);
	else
		snprintf(d, sizeof d, "%s", e->detail);
	refuse(c, e->status, slug, title, e->reason, d, 0);
}

static void start_body(conn_t *c, const seam_h1_head_t *h)
{
	seam_http_req_t *req = c->req;
	seam_http_server_t *s = c->lp->s;
	c->t_body = now_ns();
	c->state = C_BODY;
	c->chunked = h->framing == SEAM_H1_CHUNKED;
	if (c->chunked) {
		seam_h1_chunked_init(&c->ch, s->o.body_limit);
	} else {
		c->body_want = h->content_length;
		req->body = malloc(h->content_length + 1);
		req->body_cap = h->content_length + 1;
		if (!req->body) {
			conn_close(c);
			return;
		}
	}
	if (h->expect_continue) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		(void)!send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL);
	}
	process(c);
}

/* A complete head is in the input buffer. */
static void start_request(conn_t *c, const seam_h1_head_t *h)
{
	seam_http_server_t *s = c->lp->s;
	seam_http_req_t *req = req_new(c);
	if (!req) {
		conn_close(c);
		return;
	}
	c->req = req;
	c->nreq++;
	if (req_fill(req, c->in + c->in_off, h) != 0) {
		c->in_off += h->len;
		if (!req->replied) {
			conn_close(c);
			return;
		}
		c->close_after = 1;
		respond(c);
		return;
	}
	c->in_off += h->len;
	find_route(req);
	if (__atomic_load_n(&s->draining, __ATOMIC_ACQUIRE)) {
		seam_http_set_header(req, "Connection", "close");
		seam_http_set_header(req, "Retry-After", "1");
		reject(req, 503, "shutting-down", "Shutting down", "draining",
		       "this instance is shutting down; retry");
		respond(c);
		return;
	}
	if (h->framing != SEAM_H1_NO_BODY) {
		start_body(c, h);
		return;
	}
	run_handler(c);
}

/* Moves body bytes from the input buffer into the request. 1 = body complete, 0 = more
 * needed, -1 = refused (answered). */
static int take_body(conn_t *c)
{
	seam_http_req_t *req = c->req;
	size_t avail = c->in_len - c->in_off;
	if (!c->chunked) {
		size_t n = c->body_want - req->body_len < avail ? (size_t)(c->body_want - req->body_len)
							       : avail;
		memcpy(req->body + req->body_len, c->in + c->in_off, n);
		req->body_len += n;
		c->in_off += n;
		req->body[req->body_len] = '\0';
		return req->body_len == c->body_want;
	}
	if (avail) {
		size_t need = req->body_len + avail + 1, lim = req->srv->o.body_limit + 1;
		if (need > lim)
			need = lim;
		if (req->body_cap < need) {
			size_t cap = req->body_cap ? req->body_cap : 1024;
			while (cap < need)
				cap *= 2;
			char *nb = realloc(req->body, cap);
			if (!nb) {
				conn_close(c);
				return -1;
			}
			req->body = nb;
			req->body_cap = cap;
		}
		/* The decoder refuses a chunk that would take the body over the limit before any
		 * of its data, so it never writes more than min(avail, limit - body_len) bytes:
		 * both fit in the buffer sized above. */
		size_t out_len = 0;
		seam_h1_error_t e;
		long used = seam_h1_chunked_decode(&c->ch, c->in + c->in_off, avail,
						   req->body + req->body_len, &out_len, &e);
		if (used < 0) {
			refuse_err(c, NULL, &e);
			return -1;
		}
		req->body_len += out_len;
		req->body[req->body_len] = '\0';
		c->in_off += (size_t)used;
	}
	return seam_h1_chunked_done(&c->ch);
}

/* Drives the state machine over what is buffered. */
static void process(conn_t *c)
{
	seam_http_server_t *s = c->lp->s;
	if (c->state == C_HEAD) {
		seam_h1_head_t h;
		seam_h1_error_t e;
		int rc;
		if (c->in_len == c->in_off)
			return;
		if (!c->t_req)
			c->t_req = now_ns();
		rc = seam_h1_parse_head(c->in + c->in_off, c->in_len - c->in_off, &c->scan, &s->lim,
					&h, &e);
		if (rc == 0)
			return;
		if (rc < 0) {
			refuse_err(c, &h, &e);
			return;
		}
		start_request(c, &h);
		return;
	}
	if (c->state == C_BODY) {
		int rc = take_body(c);
		if (rc < 0)
			return;
		if (rc == 1)
			run_handler(c);
	}
}

/* Reads what the socket has, in the connection's current state. */
static void on_readable(conn_t *c)
{
	seam_http_server_t *s = c->lp->s;
	ssize_t n;
	if (c->state == C_LINGER) {
		n = recv(c->fd, c->lp->scratch, sizeof c->lp->scratch, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	if (c->state == C_BODY && !c->chunked && c->in_len == c->in_off) {
		/* Content-Length body: straight into the request's buffer */
		seam_http_req_t *req = c->req;
		n = recv(c->fd, req->body + req->body_len, c->body_want - req->body_len, 0);
		if (n > 0) {
			req->body_len += (size_t)n;
			req->body[req->body_len] = '\0';
			c->t_last = now_ns();
			if (req->body_len == c->body_want)
				run_handler(c);
			return;
		}
	} else {
		size_t have = c->in_len - c->in_off, want = CHUNK_READ;
		if (c->state == C_HEAD) /* one byte past the limit is enough to refuse with 431 */
			want = have <= s->lim.head_limit ? s->lim.head_limit + 1 - have : 0;
		if (want > CHUNK_READ)
			want = CHUNK_READ;
		if (want == 0 || in_reserve(c, want) != 0) {
			conn_close(c);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, want, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			c->t_last = now_ns();
			process(c);
			return;
		}
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	conn_close(c); /* EOF or error: whatever was half sent is abandoned */
}

/* ---------- deadlines, eviction ---------- */

static int evictable(const conn_t *c, int pass)
{
	switch (pass) {
	case 0: return c->state == C_LINGER;
	case 1: return c->state == C_HEAD && c->nreq > 0 && c->in_len == c->in_off;
	default: return c->state == C_HEAD || c->state == C_BODY;
	}
}

/* Frees one slot on this loop: the oldest connection not being served. 0 when done. */
static int evict_one(loop_t *lp)
{
	for (int pass = 0; pass < 3; pass++)
		for (conn_t *c = lp->head; c; c = c->next)
			if (evictable(c, pass)) {
				seam_metric_add(lp->s->o.metrics, SEAM_M_HTTP_REJECTED,
						(const char *[]){"evicted"}, 1);
				c->hard_close = 1;
				conn_close(c);
				return 0;
			}
	return -1;
}

/* Bytes the client sent that the loop has not read yet: it may have been busy in a handler, and
 * what arrived meanwhile must be read before a deadline is judged. */
static int unread(const conn_t *c)
{
	int n = 0;
	return ioctl(c->fd, FIONREAD, &n) == 0 && n > 0;
}

static void sweep(loop_t *lp, int64_t now)
{
	seam_http_server_t *s = lp->s;
	int draining = __atomic_load_n(&s->draining, __ATOMIC_ACQUIRE);
	conn_t *next;
	for (conn_t *c = lp->head; c; c = next) {
		next = c->next;
		switch (c->state) {
		case C_HEAD:
			if (c->in_len == c->in_off && c->nreq > 0) {
				/* idle keep-alive (unless a request arrived while the loop was busy) */
				if ((draining || now - c->t_last > s->idle_ns) && !unread(c))
					conn_close(c);
			} else if (now - (c->nreq && c->t_req ? c->t_req : c->t_open) > s->header_ns ||
				   now - c->t_last > s->idle_ns) {
				/* a new connection's clock starts at accept, not at its first byte;
				 * and a head that stalls for the idle timeout ends early */
				if (unread(c))
					break; /* read first (next turn), judge at the next sweep */
				if (c->in_len == c->in_off) {
					conn_close(c); /* never sent a byte */
				} else {
					seam_h1_error_t e = {408, "header_timeout",
							     "the request headers took too long"};
					refuse_err(c, NULL, &e);
				}
			}
			break;
		case C_BODY: {
			/* header_timeout of grace, then body_min_rate bytes/s on average */
			int64_t allowed = s->header_ns;
			if (s->min_rate)
				allowed += (int64_t)(c->req->body_len * 1000000000ULL / s->min_rate);
			else
				allowed = INT64_MAX;
			if ((now - c->t_body > allowed || now - c->t_last > s->idle_ns) && !unread(c)) {
				seam_h1_error_t e = {408, "body_timeout",
						     "the request body arrived too slowly"};
				refuse_err(c, NULL, &e);
			}
			break;
		}
		case C_WRITE:
			if (now - c->t_last > s->idle_ns)
				conn_close(c);
			break;
		case C_LINGER:
			if (now > c->linger_until)
				conn_close(c);
			break;
		default:
			break;
		}
	}
}

/* ---------- the loops ---------- */

static void wake(loop_t *lp)
{
	uint64_t one = 1;
	(void)!write(lp->evfd, &one, sizeof one);
}

static void warn_refused(seam_http_server_t *s, const char *remote, const char *why)
{
	int64_t now = now_ns(), last = __atomic_load_n(&s->refuse_log_ns, __ATOMIC_RELAXED);
	if (last && now - last < 10000 * MS)
		return;
	if (!__atomic_compare_exchange_n(&s->refuse_log_ns, &last, now, 0, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;
	seam_log_warn(s->o.log, "http", NULL,
		      "refusing connections (%s), e.g. from %s; see seam_http_rejected_total", why,
		      remote);
}

static void adopt(loop_t *lp, const pending_t *p)
{
	seam_http_server_t *s = lp->s;
	conn_t *c = calloc(1, sizeof *c);
	if (!c) {
		close(p->fd);
		if (p->flags & ADOPT_IP_COUNTED)
			ip_release(s, &p->ip);
		__atomic_sub_fetch(&lp->nconns, 1, __ATOMIC_SEQ_CST);
		__atomic_sub_fetch(&s->nconns, 1, __ATOMIC_SEQ_CST);
		return;
	}
	c->lp = lp;
	c->fd = p->fd;
	c->ip = p->ip;
	c->ip_counted = (p->flags & ADOPT_IP_COUNTED) != 0;
	memcpy(c->remote, p->remote, sizeof c->remote);
	c->t_open = c->t_last = now_ns();
	c->state = C_HEAD;
	/* make room before c is in the list (not for one refused anyway) */
	int full = (p->flags & ADOPT_EVICT) && !(p->flags & ADOPT_REFUSE_IP) && evict_one(lp) != 0;
	c->prev = lp->tail;
	if (lp->tail)
		lp->tail->next = c;
	else
		lp->head = c;
	lp->tail = c;
	if (full) {
		warn_refused(s, c->remote, "connection_limit reached, nothing to evict");
		refuse(c, 503, "too-many-connections", "Too many connections", "connection_limit",
		       "the server is at its connection limit; retry", 1);
		return;
	}
	if (p->flags & ADOPT_REFUSE_IP) {
		warn_refused(s, c->remote, "per_ip_limit reached");
		refuse(c, 503, "too-many-connections", "Too many connections", "per_ip_limit",
		       "too many connections from this address; retry", 1);
		return;
	}
	set_events(c, EPOLLIN);
}

static void drain_queues(loop_t *lp)
{
	pending_t buf[64];
	size_t n;
	conn_t *res;
	uint64_t v;
	(void)!read(lp->evfd, &v, sizeof v);
	do {
		pthread_mutex_lock(&lp->mu);
		n = lp->npend < 64 ? lp->npend : 64;
		if (n) {
			memcpy(buf, lp->pend, n * sizeof *buf);
			memmove(lp->pend, lp->pend + n, (lp->npend - n) * sizeof *buf);
			lp->npend -= n;
		}
		res = lp->resumed;
		lp->resumed = NULL;
		pthread_mutex_unlock(&lp->mu);
		for (size_t i = 0; i < n; i++)
			adopt(lp, &buf[i]);
		/* resumed: the deferred answer is on the request (the mutex orders its writes) */
		while (res) {
			conn_t *c = res;
			res = c->rnext;
			c->rnext = NULL;
			if (c->state != C_SUSPENDED)
				continue;
			lp->nsuspended--;
			c->state = C_HANDLER;
			c->req->suspended = 0;
			respond(c);
		}
	} while (n == 64);
}

static void *loop_main(void *arg)
{
	loop_t *lp = arg;
	pthread_setname_np(pthread_self(), "seam-http"); /* top -H, perf, gdb */
	seam_http_server_t *s = lp->s;
	struct epoll_event ev[128];
	for (;;) {
		int n = epoll_wait(lp->ep, ev, 128, lp->ready ? 0 : SWEEP_MS);
		for (int i = 0; i < n; i++) {
			conn_t *c = ev[i].data.ptr;
			if (!c)
				continue; /* the eventfd: handled below */
			if (c->state == C_WRITE && (ev[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
				try_write(c);
			else if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				on_readable(c);
		}
		drain_queues(lp);
		/* pipelined requests: one each per turn of the loop, so others get their turn */
		conn_t *r = lp->ready;
		lp->ready = lp->ready_tail = NULL;
		while (r) {
			conn_t *c = r;
			r = c->ready_next;
			c->in_ready = 0;
			c->ready_next = NULL;
			process(c);
		}
		int64_t now = now_ns();
		if (now >= lp->next_sweep) {
			sweep(lp, now);
			lp->next_sweep = now + SWEEP_MS * MS;
		}
		if (__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE)) {
			conn_t *next;
			for (conn_t *c = lp->head; c; c = next) {
				next = c->next;
				c->hard_close = 1;
				conn_close(c); /* not the suspended: they wait for their resume */
			}
			if (!lp->nsuspended || now > s->stop_deadline)
				break;
		}
	}
	return NULL;
}

/* ---------- the acceptor ---------- */

static void key_of(const struct sockaddr_storage *ss, ip_key_t *k, char *remote)
{
	memset(k, 0, sizeof *k);
	strcpy(remote, "-");
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		k->fam = 4;
		memcpy(k->a, &a->sin_addr, 4);
		inet_ntop(AF_INET, &a->sin_addr, remote, INET6_ADDRSTRLEN);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		k->fam = 6;
		memcpy(k->a, &a->sin6_addr, 16);
		inet_ntop(AF_INET6, &a->sin6_addr, remote, INET6_ADDRSTRLEN);
	}
}

static void hand_off(seam_http_server_t *s, pending_t *p)
{
	int total = __atomic_add_fetch(&s->nconns, 1, __ATOMIC_SEQ_CST);
	loop_t *best = &s->loops[0];
	int full = total > s->o.connection_limit;
	/* balance on the least busy loop; when full, on the busiest (it has the most to evict) */
	for (int i = 1; i < s->nloops; i++) {
		int a = __atomic_load_n(&s->loops[i].nconns, __ATOMIC_RELAXED);
		int b = __atomic_load_n(&best->nconns, __ATOMIC_RELAXED);
		if (full ? a > b : a < b)
			best = &s->loops[i];
	}
	if (full)
		p->flags |= ADOPT_EVICT;
	__atomic_add_fetch(&best->nconns, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&best->mu);
	if (best->npend == best->cappend) {
		size_t nc = best->cappend ? best->cappend * 2 : 64;
		pending_t *np = realloc(best->pend, nc * sizeof *np);
		if (!np) {
			pthread_mutex_unlock(&best->mu);
			close(p->fd);
			if (p->flags & ADOPT_IP_COUNTED)
				ip_release(s, &p->ip);
			__atomic_sub_fetch(&best->nconns, 1, __ATOMIC_SEQ_CST);
			__atomic_sub_fetch(&s->nconns, 1, __ATOMIC_SEQ_CST);
			return;
		}
		best->pend = np;
		best->cappend = nc;
	}
	best->pend[best->npend++] = *p;
	pthread_mutex_unlock(&best->mu);
	wake(best);
}

static void *acceptor_main(void *arg)
{
	seam_http_server_t *s = arg;
	pthread_setname_np(pthread_self(), "seam-accept"); /* top -H, perf, gdb */
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE))
				break;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EINVAL || errno == EBADF)
				break; /* the listener was shut down */
			/* EMFILE, ENFILE, ENOBUFS: wait for connections to close */
			warn_refused(s, "-", strerror(errno));
			seam_sleep_ms(20);
			continue;
		}
		pending_t p;
		memset(&p, 0, sizeof p);
		p.fd = fd;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		key_of(&ss, &p.ip, p.remote);
		if (s->o.per_ip_limit > 0) {
			p.flags |= ADOPT_IP_COUNTED;
			if (ip_acquire(s, &p.ip) > s->o.per_ip_limit)
				p.flags |= ADOPT_REFUSE_IP;
		}
		hand_off(s, &p);
	}
	return NULL;
}

void seam__http_adopt(seam_http_server_t *s, int fd)
{
	pending_t p;
	memset(&p, 0, sizeof p);
	p.fd = fd;
	strcpy(p.remote, "-");
	hand_off(s, &p);
}

void seam_http_resume(seam_http_req_t *req)
{
	conn_t *c = req->conn;
	loop_t *lp = c->lp;
	pthread_mutex_lock(&lp->mu);
	c->rnext = lp->resumed;
	lp->resumed = c;
	pthread_mutex_unlock(&lp->mu);
	wake(lp);
}

/* ---------- start / stop ---------- */

/* Parses "host:port" / "[v6]:port" and binds a listening socket. */
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

/* One descriptor per connection: lift the soft limit toward connection_limit when it is
 * lower (the hard limit is the ceiling; a shortfall only means accept() waits). */
static void raise_nofile(int connections)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)connections + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void free_server(seam_http_server_t *s)
{
	for (int i = 0; i < s->nloops; i++) {
		loop_t *lp = &s->loops[i];
		if (lp->ep >= 0)
			close(lp->ep);
		if (lp->evfd >= 0)
			close(lp->evfd);
		for (size_t k = 0; k < lp->npend; k++)
			close(lp->pend[k].fd);
		free(lp->pend);
		pthread_mutex_destroy(&lp->mu);
	}
	free(s->loops);
	for (int b = 0; b < IP_BUCKETS; b++)
		while (s->ip_tab[b]) {
			ip_entry_t *e = s->ip_tab[b];
			s->ip_tab[b] = e->next;
			free(e);
		}
	pthread_mutex_destroy(&s->ip_mu);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	free_routes(s);
	free(s);
}

static void join_all(seam_http_server_t *s)
{
	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	if (s->listen_fd >= 0)
		shutdown(s->listen_fd, SHUT_RDWR); /* wakes accept() */
	if (s->acceptor_started)
		pthread_join(s->acceptor, NULL);
	for (int i = 0; i < s->nloops; i++)
		if (s->loops[i].started) {
			wake(&s->loops[i]);
			pthread_join(s->loops[i].th, NULL);
		}
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
	s->listen_fd = -1;
	pthread_mutex_init(&s->ip_mu, NULL);
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
	if (!s->o.header_timeout_ms)
		s->o.header_timeout_ms = 10000;
	if (!s->o.body_min_rate)
		s->o.body_min_rate = 1024;
	if (!s->o.per_ip_limit)
		s->o.per_ip_limit = 256;
	s->lim.head_limit = s->o.header_limit;
	s->lim.line_limit = s->o.header_limit < LINE_LIMIT ? s->o.header_limit : LINE_LIMIT;
	s->lim.body_limit = s->o.body_limit;
	s->header_ns = (int64_t)s->o.header_timeout_ms * MS;
	s->idle_ns = (int64_t)s->o.request_timeout_s * 1000 * MS;
	s->min_rate = s->o.body_min_rate > 0 ? (uint64_t)s->o.body_min_rate : 0;
	rc = compile_routes(s, err);
	if (rc != SEAM_OK)
		goto fail;
	fd = bind_listener(s->o.listen, &s->port, err);
	if (fd < 0) {
		rc = (seam_err_t)-fd;
		goto fail;
	}
	s->listen_fd = fd;
	raise_nofile(s->o.connection_limit);
	s->loops = calloc((size_t)s->o.threads, sizeof *s->loops);
	if (!s->loops) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto fail;
	}
	s->nloops = s->o.threads;
	for (int i = 0; i < s->nloops; i++) {
		s->loops[i].s = s;
		s->loops[i].ep = s->loops[i].evfd = -1;
		pthread_mutex_init(&s->loops[i].mu, NULL);
	}
	for (int i = 0; i < s->nloops; i++) {
		loop_t *lp = &s->loops[i];
		lp->ep = epoll_create1(EPOLL_CLOEXEC);
		lp->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
		if (lp->ep < 0 || lp->evfd < 0 || epoll_ctl(lp->ep, EPOLL_CTL_ADD, lp->evfd, &e) != 0) {
			rc = seam_errorf(err, SEAM_IO, "epoll: %s", strerror(errno));
			goto fail;
		}
	}
	for (int i = 0; i < s->nloops; i++) {
		if (pthread_create(&s->loops[i].th, NULL, loop_main, &s->loops[i]) != 0) {
			rc = seam_errorf(err, SEAM_IO, "cannot start HTTP threads");
			goto fail;
		}
		s->loops[i].started = 1;
	}
	if (pthread_create(&s->acceptor, NULL, acceptor_main, s) != 0) {
		rc = seam_errorf(err, SEAM_IO, "cannot start HTTP threads");
		goto fail;
	}
	s->acceptor_started = 1;
	*out = s;
	return SEAM_OK;
fail:
	join_all(s);
	free_server(s);
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
	for (int i = 0; i < s->nloops; i++)
		wake(&s->loops[i]); /* close idle keep-alives now */
	int64_t deadline = seam_mono_ns() + (int64_t)grace_ms * MS;
	while (__atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST) > 0 && seam_mono_ns() < deadline)
		seam_sleep_ms(10);
	int left = __atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST);
	if (left > 0)
		seam_log_warn(s->o.log, "http", NULL,
			      "drain timeout: closing with %d requests still in flight", left);
	/* A suspended request's resume is owed by another thread; give it a little longer. */
	s->stop_deadline = seam_mono_ns() + 5000 * MS;
	join_all(s);
	int leaked = 0;
	for (int i = 0; i < s->nloops; i++)
		leaked += s->loops[i].nsuspended;
	if (leaked) {
		/* Freeing them would let a late resume write to freed memory. */
		seam_log_error(s->o.log, "http", NULL,
			       "%d suspended requests were never resumed; leaving them allocated",
			       leaked);
		return;
	}
	free_server(s);
}
