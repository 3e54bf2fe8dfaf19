/*
 * idempotency.h: Idempotency-Key on the unsafe methods of /v1 (IETF httpapi
 * draft-ietf-httpapi-idempotency-key-header), the only module with SQL on `idempotency_keys`
 * (src/store/migrations/005_idempotency.sql).
 *
 * Rules (docs/rest.md, "Idempotency"):
 *   - The header is honoured on POST, PUT, PATCH and DELETE under /v1. Its value is a
 *     Structured Field string ("...") or, for curl's sake, the bare key; 1 to 255 printable
 *     ASCII characters, else 400 (bad-idempotency-key). Routes flagged SEAM_ROUTE_IDEMPOTENT
 *     (api/api.h) answer 400 (idempotency-key-missing) without one.
 *   - A key belongs to the API key that sent it (the auth key name): two clients never see
 *     each other's keys. Stored with it: the fingerprint, SHA-256 over method, path and body.
 *   - First use: a row in state running is committed BEFORE the handler runs, so a second
 *     request with the key that arrives meanwhile finds it and gets 409 (idempotency-in-flight,
 *     Retry-After 1) instead of running the action a second time.
 *   - The handler's answer is stored when it finished (2xx and 4xx: the outcome of the action;
 *     a 5xx releases the key instead, so a retry runs again). A retry with the same key and
 *     fingerprint gets the stored status, body and headers (Content-Type, Location, ETag,
 *     Link) plus `Idempotent-Replayed: true`; the action does not run again.
 *   - Same key, other fingerprint: 422 (idempotency-key-reused), nothing runs.
 *   - A crash between the two steps leaves the row running; it holds the key only until
 *     locked_until (now + idempotency.lease when it was taken). A request after that takes
 *     the key over and runs (the crashed one never answered, so its client retries: that is
 *     the retry it makes). Keys expire idempotency.ttl after first use (24 h by default); every
 *     begin deletes expired rows (one indexed range delete, in the same transaction), so no
 *     periodic job is needed and an expired key is fresh again.
 *
 * Thread-safety: reentrant; every function acquires its own connection. A begin that finds a
 * live row answers from a plain read (no write lock); taking a key is one write transaction
 * that looks again under the lock, so of two requests with one key exactly one takes it.
 */
#ifndef SEAM_API_IDEMPOTENCY_H
#define SEAM_API_IDEMPOTENCY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api_config.h"
#include "core/err.h"
#include "http/server.h"
#include "store/store.h"

#define SEAM_IDEM_KEY_MAX 255

typedef enum seam_idem_e {
	SEAM_IDEM_NEW,       /* the key is ours: run the handler, then finish or release */
	SEAM_IDEM_REPLAY,    /* answered before: *stored holds the answer */
	SEAM_IDEM_MISMATCH,  /* used with another request */
	SEAM_IDEM_IN_FLIGHT, /* the first request has not answered yet */
} seam_idem_e;

/* A stored answer. Owned: seam_idem_stored_dispose. */
typedef struct seam_idem_stored {
	int status;
	char *content_type; /* may be NULL */
	json_t *headers;    /* object name -> value; may be NULL */
	char *body;
	size_t len;
} seam_idem_stored_t;

/* Reads an Idempotency-Key header value into out: a Structured Field string ("abc", with \"
 * and \\ escapes) or a bare key. 0 on success, -1 with *why set when it is empty, longer than
 * 255 characters, holds a non-printable or non-ASCII byte, or is a malformed string. */
int seam_idem_key_parse(const char *value, char out[SEAM_IDEM_KEY_MAX + 1], const char **why);

/* The request fingerprint: hex SHA-256 of method, NUL, path, NUL, body. */
void seam_idem_fingerprint(const char *method, const char *path, const char *body, size_t len,
			   char out[65]);

/* Takes the key or finds it (see the rules above). now, ttl and lease in ms. On
 * SEAM_IDEM_NEW, *token is this request's hold on the key (its lease end): finish and release
 * act only while the row is still that hold, so a request that outlived its lease and lost
 * the key to a retry can neither overwrite the retry's answer nor free its key. */
seam_err_t seam_idem_begin(seam_store_t *st, const char *api_key, const char *key,
			   const char *fingerprint, int64_t now, int64_t ttl, int64_t lease,
			   seam_idem_e *verdict, seam_idem_stored_t *stored, int64_t *token,
			   seam_error_t *err);
/* Stores the handler's answer for a key taken by begin with token. headers (borrowed) may be
 * NULL. SEAM_CONFLICT when the key was taken over meanwhile (nothing stored). */
seam_err_t seam_idem_finish(seam_store_t *st, const char *api_key, const char *key,
			    const char *fingerprint, int64_t token, int status, const char *content_type,
			    const json_t *headers, const char *body, size_t len,
			    seam_error_t *err);
/* Forgets a key taken by begin (the handler failed with a 5xx): a retry runs again. */
seam_err_t seam_idem_release(seam_store_t *st, const char *api_key, const char *key,
			     const char *fingerprint, int64_t token, seam_error_t *err);
void seam_idem_stored_dispose(seam_idem_stored_t *s);

/* The route flag that makes the header required (api.h names it SEAM_ROUTE_IDEMPOTENT). */
#define SEAM_IDEM_ROUTE_FLAG 0x100

/* Runs route r (r->fn(req, ud)) for req under the rules above, with keys in st; cfg NULL
 * means the defaults (24 h, 60 s). Safe methods and paths outside /v1 just run. */
void seam_idem_run(seam_http_req_t *req, const seam_route_t *r, void *ud, seam_store_t *st,
		   const seam_api_idempotency_config_t *cfg);

#endif
