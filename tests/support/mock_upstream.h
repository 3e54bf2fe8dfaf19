/*
 * mock_upstream.h: a programmable upstream for connector tests. An HTTP server on 127.0.0.1
 * (port 0) that answers queued canned responses in order (500 when the queue is empty) and
 * records every request it received (method, path, decoded query, the headers connectors
 * must send, body).
 *
 * Thread-safety: the server records under a lock; th_mock_nseen() and th_mock_seen() read
 * under the same lock (a recorded request is never changed afterwards), so tests may read
 * while the server is answering (e.g. after a client timeout).
 */
#ifndef SEAM_TESTS_MOCK_UPSTREAM_H
#define SEAM_TESTS_MOCK_UPSTREAM_H

#include <stddef.h>

#define TH_MOCK_MAX 16

typedef struct th_mock_seen {
	char method[8];
	char path[512];
	char query[2048]; /* decoded "k=v&k=v", in order */
	char ctype[128], accept[128], idem[256], cid[80], traceparent[80], auth[128], if_match[128];
	char *body;       /* NULL when empty */
} th_mock_seen_t;

typedef struct th_mock th_mock_t;

/* Starts the mock; default_ctype is the content type of canned answers without their own.
 * Aborts the test on failure. */
th_mock_t *th_mock_start(const char *default_ctype);
void th_mock_stop(th_mock_t *m);
int th_mock_port(const th_mock_t *m);

/* Queues the next answer. body and header strings are copied. */
void th_mock_push(th_mock_t *m, int status, const char *body, const char *ctype, int delay_ms,
		  const char *hname, const char *hvalue);

/* How many requests arrived; the i-th (NULL when it did not arrive). */
int th_mock_nseen(th_mock_t *m);
const th_mock_seen_t *th_mock_seen(th_mock_t *m, int i);

#endif
