/*
 * sim_test.h: helpers shared by the simulator unit tests (header-only; each test_*.c is its
 * own binary). Builds doubles from YAML text, calls them without sockets (seam_sim_request),
 * and captures outbound webhooks in memory instead of sending them.
 */
#ifndef SEAM_TESTS_SIM_TEST_H
#define SEAM_TESTS_SIM_TEST_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "sim/sim.h"

/* ---- in-memory transport ---- */

typedef struct cap_msg {
	char *url, *body;
	char *hdr_k[8], *hdr_v[8];
	size_t nhdr;
} cap_msg_t;

typedef struct capture {
	pthread_mutex_t mu;
	cap_msg_t msgs[512];
	size_t n;
	int fail_first;   /* answer 500 to this many attempts, then 2xx */
	int status_ok;    /* 0 = 200 */
} capture_t;

static int cap_transport(void *tctx, const char *url, const seam_sim_kv_t *hdr, size_t nhdr,
			 const char *body, size_t len, int64_t timeout_ms, char *err, size_t errcap)
{
	(void)timeout_ms;
	(void)err;
	(void)errcap;
	capture_t *c = tctx;
	pthread_mutex_lock(&c->mu);
	int status = c->status_ok ? c->status_ok : 200;
	if (c->fail_first > 0) {
		c->fail_first--;
		status = 500;
	}
	if (c->n < sizeof c->msgs / sizeof *c->msgs) {
		cap_msg_t *m = &c->msgs[c->n++];
		m->url = strdup(url);
		m->body = strndup(body, len);
		for (size_t i = 0; i < nhdr && i < 8; i++) {
			m->hdr_k[i] = strdup(hdr[i].k);
			m->hdr_v[i] = strdup(hdr[i].v);
		}
		m->nhdr = nhdr < 8 ? nhdr : 8;
	}
	pthread_mutex_unlock(&c->mu);
	return status;
}

static inline void cap_init(capture_t *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
}

/* Forgets the captured messages (call when no delivery is in flight). */
static inline void cap_clear(capture_t *c)
{
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n; i++) {
		free(c->msgs[i].url);
		free(c->msgs[i].body);
		for (size_t k = 0; k < c->msgs[i].nhdr; k++) {
			free(c->msgs[i].hdr_k[k]);
			free(c->msgs[i].hdr_v[k]);
		}
	}
	c->n = 0;
	pthread_mutex_unlock(&c->mu);
}

static inline void cap_dispose(capture_t *c)
{
	cap_clear(c);
	pthread_mutex_destroy(&c->mu);
}

static inline const char *cap_header(const cap_msg_t *m, const char *name)
{
	for (size_t i = 0; i < m->nhdr; i++)
		if (!strcasecmp(m->hdr_k[i], name))
			return m->hdr_v[i];
	return NULL;
}

/* ---- building ---- */

typedef struct simt {
	seam_sim_config_t *cfg;
	seam_sim_t *sim;
	capture_t cap;
} simt_t;

/* Webhooks go to t->cap; exchanges (the ERP's validation handshake) to x, libcurl when NULL. */
static inline simt_t *simt_new_x(const char *yaml, seam_sim_exchange_fn x, void *xctx)
{
	simt_t *t = calloc(1, sizeof *t);
	assert_non_null(t);
	cap_init(&t->cap);
	seam_error_t err = {0};
	if (seam_sim_config_load_string(yaml, "test.yaml", &t->cfg, &err) != SEAM_OK)
		fail_msg("config: %s", err.msg);
	seam_sim_opts_t opts = {.transport = cap_transport, .tctx = &t->cap, .exchange = x,
				.xctx = xctx};
	if (seam_sim_create(t->cfg, &opts, &t->sim, &err) != SEAM_OK)
		fail_msg("create: %s", err.msg);
	return t;
}

static inline simt_t *simt_new(const char *yaml)
{
	return simt_new_x(yaml, NULL, NULL);
}

static inline void simt_free(simt_t *t)
{
	if (!t)
		return;
	seam_sim_stopping(t->sim);
	seam_sim_destroy(t->sim);
	seam_sim_config_destroy(t->cfg);
	cap_dispose(&t->cap);
	free(t);
}

static inline seam_sim_double_t *simt_get(simt_t *t, const char *name)
{
	seam_sim_double_t *d = seam_sim_get(t->sim, name);
	assert_non_null(d);
	return d;
}

/* One call; headers NULL-terminated "Name: value". */
static inline void call(seam_sim_double_t *d, const char *method, const char *target,
			const char *const *headers, const char *body, seam_sim_resp_t *r)
{
	seam_sim_request(d, method, target, headers, body, r);
}

/* printf-style target */
static inline void callf(seam_sim_double_t *d, const char *method, const char *const *headers,
			 const char *body, seam_sim_resp_t *r, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static inline void callf(seam_sim_double_t *d, const char *method, const char *const *headers,
			 const char *body, seam_sim_resp_t *r, const char *fmt, ...)
{
	char target[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(target, sizeof target, fmt, ap);
	va_end(ap);
	seam_sim_request(d, method, target, headers, body, r);
}

/* "Authorization: Basic base64(user:pass)" into out (128 bytes). */
static inline const char *basic(char *out, const char *user, const char *pass)
{
	char up[128];
	snprintf(up, sizeof up, "%s:%s", user, pass);
	strcpy(out, "Authorization: Basic ");
	seam_base64_encode(up, strlen(up), out + strlen(out));
	return out;
}

static inline const char *jstr(const json_t *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *cur = o;
	char *save = NULL;
	for (char *s = strtok_r(buf, ".", &save); s && cur; s = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(s, NULL, 10));
		else
			cur = json_object_get(cur, s);
	}
	return json_string_value(cur);
}

static inline json_t *jget(const json_t *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	const json_t *cur = o;
	char *save = NULL;
	for (char *s = strtok_r(buf, ".", &save); s && cur; s = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(s, NULL, 10));
		else
			cur = json_object_get(cur, s);
	}
	return (json_t *)cur;
}

#endif
