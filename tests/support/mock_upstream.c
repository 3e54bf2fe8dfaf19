/* mock_upstream.c: see mock_upstream.h. */
#include "tests/support/mock_upstream.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "http/server.h"

typedef struct canned {
	int status;
	char *body, *ctype, *hname, *hvalue;
	int delay_ms;
} canned_t;

struct th_mock {
	pthread_mutex_t mu;
	canned_t q[TH_MOCK_MAX];
	int nq, next;
	th_mock_seen_t seen[TH_MOCK_MAX];
	int nseen;
	char *default_ctype;
	seam_http_server_t *srv;
};

static void copy_hdr(seam_http_req_t *req, const char *name, char *out, size_t cap)
{
	const char *v = seam_http_header(req, name);
	snprintf(out, cap, "%s", v ? v : "");
}

static void add_query(const char *k, const char *v, void *ud)
{
	char *q = ud;
	size_t l = strlen(q);
	snprintf(q + l, 2048 - l, "%s%s=%s", l ? "&" : "", k, v);
}

static void on_any(seam_http_req_t *req, void *ud)
{
	th_mock_t *m = ud;
	canned_t c = {.status = 500};
	size_t len;
	const char *body = seam_http_body(req, &len);
	th_mock_seen_t s;
	memset(&s, 0, sizeof s);
	snprintf(s.method, sizeof s.method, "%s", seam_http_method(req));
	snprintf(s.path, sizeof s.path, "%s", seam_http_path(req));
	seam_http_query_each(req, add_query, s.query);
	copy_hdr(req, "Content-Type", s.ctype, sizeof s.ctype);
	copy_hdr(req, "Accept", s.accept, sizeof s.accept);
	copy_hdr(req, "Idempotency-Key", s.idem, sizeof s.idem);
	copy_hdr(req, "X-Correlation-ID", s.cid, sizeof s.cid);
	copy_hdr(req, "traceparent", s.traceparent, sizeof s.traceparent);
	copy_hdr(req, "Authorization", s.auth, sizeof s.auth);
	copy_hdr(req, "If-Match", s.if_match, sizeof s.if_match);
	s.body = len ? strndup(body, len) : NULL;
	pthread_mutex_lock(&m->mu);
	if (m->nseen < TH_MOCK_MAX)
		m->seen[m->nseen++] = s;
	else
		free(s.body);
	if (m->next < m->nq)
		c = m->q[m->next++];
	pthread_mutex_unlock(&m->mu);
	if (c.delay_ms)
		seam_sleep_ms(c.delay_ms);
	if (c.hname)
		seam_http_set_header(req, c.hname, c.hvalue);
	seam_http_reply(req, c.status, c.ctype ? c.ctype : m->default_ctype, c.body ? c.body : "",
			c.body ? strlen(c.body) : 0);
}

static const seam_route_t routes[] = {
	{"GET", "/*", on_any, NULL, 0, "any", NULL, NULL},
	{"POST", "/*", on_any, NULL, SEAM_ROUTE_RAW_BODY, "any", NULL, NULL},
	{"PATCH", "/*", on_any, NULL, SEAM_ROUTE_RAW_BODY, "any", NULL, NULL},
	{"DELETE", "/*", on_any, NULL, 0, "any", NULL, NULL},
};

th_mock_t *th_mock_start(const char *default_ctype)
{
	seam_error_t err = {0};
	th_mock_t *m = calloc(1, sizeof *m);
	if (!m)
		abort();
	pthread_mutex_init(&m->mu, NULL);
	m->default_ctype = strdup(default_ctype ? default_ctype : "application/json");
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = routes,
			      .nroutes = sizeof routes / sizeof *routes, .ud = m, .threads = 2};
	if (seam_http_start(&o, &m->srv, &err) != SEAM_OK) {
		fprintf(stderr, "mock upstream: %s\n", err.msg);
		abort();
	}
	return m;
}

void th_mock_stop(th_mock_t *m)
{
	if (!m)
		return;
	seam_http_stop(m->srv, 3000);
	for (int i = 0; i < m->nq; i++) {
		free(m->q[i].body);
		free(m->q[i].ctype);
		free(m->q[i].hname);
		free(m->q[i].hvalue);
	}
	for (int i = 0; i < m->nseen; i++)
		free(m->seen[i].body);
	free(m->default_ctype);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

int th_mock_port(const th_mock_t *m)
{
	return seam_http_port(m->srv);
}

void th_mock_push(th_mock_t *m, int status, const char *body, const char *ctype, int delay_ms,
		  const char *hname, const char *hvalue)
{
	pthread_mutex_lock(&m->mu);
	if (m->nq < TH_MOCK_MAX)
		m->q[m->nq++] = (canned_t){status, body ? strdup(body) : NULL, ctype ? strdup(ctype) : NULL,
					   hname ? strdup(hname) : NULL, hvalue ? strdup(hvalue) : NULL,
					   delay_ms};
	pthread_mutex_unlock(&m->mu);
}

int th_mock_nseen(th_mock_t *m)
{
	pthread_mutex_lock(&m->mu);
	int n = m->nseen;
	pthread_mutex_unlock(&m->mu);
	return n;
}

const th_mock_seen_t *th_mock_seen(th_mock_t *m, int i)
{
	return i < th_mock_nseen(m) ? &m->seen[i] : NULL;
}
