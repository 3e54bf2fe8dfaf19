/*
 * inbox.h: the inbox and the quarantine, where every authentic inbound event lands before seam
 * answers its sender. The only module with SQL on the `inbox` and `quarantine` tables
 * (src/store/migrations/003_payments.sql). Layer: above store and queue (an event and its job
 * are written in one transaction), below flows and api, which call it.
 *
 * What it guarantees (docs/design.md rules 1 and 4):
 *   - Stored before acknowledged. seam_inbox_add writes the event and enqueues its job on the
 *     caller's connection, in the caller's transaction: the ingress runs it inside the group
 *     commit (seam_queue_submit_async) and answers 2xx only once that commit is on disk, so an
 *     acknowledged event is never lost and never without its job.
 *   - Deduplicated by the provider's event identity. A row is unique on (provider, source,
 *     event_id): a redelivery of the same event finds its row, is reported as a duplicate and
 *     writes and enqueues nothing. The event id is the provider's own identity of the event
 *     (Stripe's event id, Adyen's "<eventCode>:<pspReference>:<success>", the webhook-id of
 *     Standard Webhooks and of the storefront's events), never one seam makes up.
 *   - Raw bytes kept for audit and replay. The body is stored exactly as received (an Adyen item
 *     as its own compact JSON), with the safe headers only (never a signature). A job names its
 *     event by (provider, source, event_id) and reads the body back (seam_inbox_body), so a
 *     retried or replayed job works on the very bytes the provider signed.
 *   - Quarantine with a reason. An event that verified but cannot be used (not JSON, no id, no
 *     type, no order) is kept in `quarantine` with a stable reason, the body and the headers,
 *     instead of being dropped; the sender is still answered 2xx (it would only resend the same
 *     bytes). An event that violates its contract (flows/providers.h) is kept the same way,
 *     its reason "contract_violation: <ref>: " and the validator's errors
 *     (seam_inbox_contract_reason), so a listing shows the pointer to fix without the body.
 * Rows are not purged (jobs are, after queue.retain: a redelivery after that still finds its
 * inbox row and stays a duplicate).
 *
 * Thread-safety: reentrant. Functions taking a seam_db_t use the caller's connection (and its
 * transaction); those taking a seam_store_t acquire their own. Ownership: arguments are
 * borrowed; outputs say who frees them.
 */
#ifndef SEAM_INBOX_INBOX_H
#define SEAM_INBOX_INBOX_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "core/ids.h"
#include "queue/queue.h"
#include "store/store.h"

/* One inbound event as received. Everything is borrowed for the call. */
typedef struct seam_inbox_event {
	const char *provider;       /* stripe | adyen | standard | drupal (the path's provider) */
	const char *source;         /* the store or Standard Webhooks source of the path */
	const char *event_id;       /* the provider's event identity (quarantine: may be NULL) */
	const char *event_type;     /* the provider's type, or NULL */
	const char *body;           /* the bytes as received */
	size_t len;
	const char *headers;        /* JSON object of the headers worth keeping (no signatures) */
	const char *correlation_id; /* may be NULL */
} seam_inbox_event_t;

/* What seam_inbox_add did. */
typedef struct seam_inbox_added {
	int duplicate;                  /* 1: the event was there already; nothing was written */
	char id[SEAM_UUID_STR_LEN];     /* the new row's id ("" for a duplicate) */
	char job_id[SEAM_UUID_STR_LEN]; /* the job enqueued, or matched by its dedup key; "" */
	int job_existed;                /* 1: job->dedup_key matched a job already there */
} seam_inbox_added_t;

/*
 * Stores one event on db and, when it is new and job is not NULL, enqueues job (q may be NULL:
 * see seam_queue_enqueue) and links the row to it, all on db and so in the caller's
 * transaction. A job whose dedup_key matches an existing job of its flow is not enqueued again:
 * the row is linked to that job (several storefront events, one export per order). A job
 * without a dedup key is this event's alone: the row's uniqueness already dedups it, so it
 * needs no key of its own (a second unique index on random ids would double the random page
 * writes per event). *out is written on SEAM_OK. Errors: SEAM_INVAL (no provider, source or
 * event id), store errors (the caller rolls back).
 */
seam_err_t seam_inbox_add(seam_db_t *db, seam_queue_t *q, const seam_inbox_event_t *ev,
			  const seam_job_spec_t *job, seam_inbox_added_t *out, seam_error_t *err);

/* Keeps an authentic event that cannot be used, with reason (a stable snake_case word, e.g.
 * "malformed_json"), on db. ev->event_id may be NULL (it could not be read); event_type is
 * not stored. */
seam_err_t seam_inbox_quarantine(seam_db_t *db, const seam_inbox_event_t *ev, const char *reason,
				 seam_error_t *err);

/* The reason word of a contract violation, the first word of its quarantine reason. */
#define SEAM_INBOX_CONTRACT_VIOLATION "contract_violation"
/* At most this many bytes of reason for a contract violation (the errors are cut, not the
 * prefix). */
#define SEAM_INBOX_REASON_MAX 2048

/* The quarantine reason of an authentic event that violates contract ref (e.g.
 * "stripe.event@v1"): "contract_violation: stripe.event@v1: /data/object: <detail>
 * (required); ..." (seam_contract_errors_text of basic, the validator's basic output,
 * borrowed). Returns owned (free), NULL when out of memory. */
char *seam_inbox_contract_reason(const char *ref, const json_t *basic);

/* The stored body of one event: *body owned (free()). SEAM_NOTFOUND (with the message "inbox
 * has no event <provider>/<source>/<event_id>") when there is none; store errors. */
seam_err_t seam_inbox_body(seam_db_t *db, const char *provider, const char *source,
			   const char *event_id, char **body, seam_error_t *err);

/*
 * The first event received with this event id, whatever its provider and source, for
 * `seam ctl trace`: *event gets {"event_id", "provider", "source", "type", "received_at"
 * (RFC 3339), "job_id"} (new reference; absent values null or left out) or NULL when there is
 * none; *body (may be NULL) its body (owned, free()). Reads only.
 */
seam_err_t seam_inbox_find(seam_store_t *st, const char *event_id, json_t **event, char **body,
			   seam_error_t *err);

/* Appends to ids (a JSON array) the job id of every event stored with this provider and event
 * id that has one, oldest first. Reads only. */
seam_err_t seam_inbox_job_ids(seam_store_t *st, const char *provider, const char *event_id,
			      json_t *ids, seam_error_t *err);

/* A page of the quarantine for GET /v1/quarantine: filters (NULL / 0: any) and the keyset of
 * the previous page's last row (after_id NULL: the first page). */
typedef struct seam_inbox_quarantine_filter {
	const char *provider, *source;
	int64_t since_ms, until_ms; /* on received_at, [since, until) */
	int64_t after_at;           /* keyset: received_at, id */
	const char *after_id;
	int limit;                  /* 0: 100 */
} seam_inbox_quarantine_filter_t;

/* Quarantined events, newest first (received_at, then id): *out a JSON array of {id,
 * provider, source, event_id, reason, correlation_id, received_at, resolved_at, body_bytes}
 * (the body itself stays in the store: it may hold personal data); *next_key [received_at
 * ms, id] of the last row when the page was full, else NULL. Reads only. */
seam_err_t seam_inbox_quarantine_list(seam_store_t *st, const seam_inbox_quarantine_filter_t *f,
				      json_t **out, json_t **next_key, seam_error_t *err);

#endif
