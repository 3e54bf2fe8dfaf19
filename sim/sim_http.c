/*
 * sim_http.c: the adapter between src/http/server.h and the doubles' pipeline.
 */
#include "sim/sim_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/server.h"

struct seam_sim_listener {
	seam_http_server_t *srv;
	seam_route_t *routes;
	size_t nroutes;
	seam_http_opts_t opts;
	seam_sim_double_t *dbl;
	char *listen;
};

typedef struct qbuf {
	seam_sim_kv_t *kv;
	size_t n, cap;
} qbuf_t;

static void q_each(const char *k, const char *v, void *ud)
{
	qbuf_t *q = ud;
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 16;
		seam_sim_kv_t *p = realloc(q->kv, nc * sizeof *p);
		if (!p)
			return;
		q->kv = p;
		q->cap = nc;
	}
	q->kv[q->n].k = strdup(k ? k : "");
	q->kv[q->n].v = strdup(v ? v : "");
	q->n++;
}

static const char *hdr_get(void *hctx, const char *name)
{
	return seam_http_header(hctx, name);
}

static void entry(seam_http_req_t *req, void *ud)
{
	seam_sim_double_t *d = ud;
	seam_sim_call_t c;
	memset(&c, 0, sizeof c);
	qbuf_t q = {0};
	seam_http_query_each(req, q_each, &q);
	size_t blen = 0;
	c.method = seam_http_method(req);
	c.path = seam_http_path(req);
	c.query = q.kv;
	c.nquery = q.n;
	c.header_fn = hdr_get;
	c.hctx = req;
	c.body = seam_http_body(req, &blen);
	c.body_len = c.body ? blen : 0;
	const char *host = seam_http_header(req, "Host");
	if (host && strlen(host) < sizeof c.base_url - 8 && !strpbrk(host, " \"<>\\"))
		snprintf(c.base_url, sizeof c.base_url, "http://%s", host);
	seam_sim_double_handle(d, &c);
	if (c.drop) {
		seam_http_drop(req);
	} else {
		for (size_t i = 0; i < c.nrhdr; i++)
			seam_http_set_header(req, c.rhdr[i].k, c.rhdr[i].v);
		seam_http_reply(req, c.status ? c.status : 500,
				c.ctype ? c.ctype : "application/octet-stream", c.resp ? c.resp : "",
				c.resp_len);
	}
	seam_sim_call_dispose(&c);
	seam_sim_kv_free(q.kv, q.n);
}

seam_err_t seam_sim_http_start(seam_sim_double_t *d, const char *listen, int threads,
			       seam_log_t *log, seam_sim_listener_t **out, seam_error_t *err)
{
	seam_sim_listener_t *l = calloc(1, sizeof *l);
	if (!l)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	const seam_sim_double_def_t *def = seam_sim_double_def(d);
	size_t nctl;
	const seam_sim_route_t *ctl = seam_sim_control_routes(&nctl);
	l->nroutes = def->nroutes + nctl;
	l->routes = calloc(l->nroutes, sizeof *l->routes);
	l->listen = strdup(listen);
	if (!l->routes || !l->listen) {
		seam_sim_http_stop(l);
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < l->nroutes; i++) {
		const seam_sim_route_t *r = i < def->nroutes ? &def->routes[i] : &ctl[i - def->nroutes];
		l->routes[i] = (seam_route_t){r->method, r->pattern, entry, NULL,
					      SEAM_ROUTE_RAW_BODY | SEAM_ROUTE_OPEN, r->summary, NULL, NULL};
	}
	l->dbl = d;
	l->opts = (seam_http_opts_t){
		.listen = l->listen,
		.routes = l->routes,
		.nroutes = l->nroutes,
		.ud = d,
		.log = log,
		.log_module = seam_sim_double_name(d),
		.threads = threads,
		.body_limit = 8u << 20,
		.request_timeout_s = 120,
		.access_log = 0,
		/* the doubles serve seam and the tests, all from 127.0.0.1, sometimes slowly on
		 * purpose (fault injection): no per-address cap, no body rate */
		.per_ip_limit = -1,
		.body_min_rate = -1,
	};
	seam_err_t rc = seam_http_start(&l->opts, &l->srv, err);
	if (rc != SEAM_OK) {
		seam_error_prefix(err, "sim %s on %s", seam_sim_double_name(d), listen);
		seam_sim_http_stop(l);
		return rc;
	}
	char url[96];
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(listen, ':');
	if (colon && (size_t)(colon - listen) < sizeof host)
		snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
	snprintf(url, sizeof url, "http://%s:%d", host, seam_http_port(l->srv));
	seam_sim_double_set_base_url(d, url);
	*out = l;
	return SEAM_OK;
}

int seam_sim_http_port(const seam_sim_listener_t *l)
{
	return l && l->srv ? seam_http_port(l->srv) : 0;
}

void seam_sim_http_stop(seam_sim_listener_t *l)
{
	if (!l)
		return;
	if (l->srv) {
		if (l->dbl)
			seam_sim_double_stopping(l->dbl);
		seam_http_stop(l->srv, 2000);
	}
	free(l->routes);
	free(l->listen);
	free(l);
}
