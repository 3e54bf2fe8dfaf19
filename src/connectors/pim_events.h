/*
 * pim_events.h: Akeneo's Events API (the PIM's "event platform" push): the request signature
 * and the message, read into canonical "product changed" items. A leaf: no route, no flow
 * (the catalog flow takes the items and turns them into targeted syncs).
 *
 * SIGNATURE (Akeneo "Events API basics > Security", api.akeneo.com/events-documentation/
 * security.html, read 2026-12-03)
 *
 * Two headers: X-Akeneo-Request-Timestamp (Unix seconds, decimal) and
 * X-Akeneo-Request-Signature = lower-case hex of HMAC-SHA256(secret, "<timestamp>.<raw body>"),
 * the secret being the connection's event secret used as its UTF-8 bytes (the docs' PHP sample
 * is hash_hmac("sha256", $timestamp . "." . $requestBody, $secret) compared with hash_equals).
 * The docs publish a sample secret, timestamp and signature, but with a body abbreviated to
 * '{"events":[{"action": "product.created", ...}]}', so there is no complete test vector; the
 * tests check seam against an independently written signer (sim/sim_sign.c) and a plain
 * one-buffer HMAC instead. The docs leave the replay window to the receiver; seam refuses
 * timestamps more than SEAM_PIM_EVENTS_TOLERANCE_S away in either direction (as for Stripe).
 *
 * Rules, in the order they apply (reasons of webhook_sig.h):
 *   - no usable secret (all NULL or "")                    -> SEAM_CONFIG, no_secret
 *   - signature or timestamp header absent or ""           -> missing_signature
 *   - timestamp not 1-18 digits, signature not 64 hex      -> malformed_signature
 *   - HMAC(secret_i, ts "." body) matches for no i         -> bad_signature
 *   - |now_s - ts| > tolerance_s                           -> stale_timestamp
 * Several secrets are accepted at once (rotation); every secret is tried and compared in
 * constant time, so timing does not tell which one matched.
 *
 * MESSAGE (Akeneo "Events API reference", products)
 *
 * {"events": [ up to 10 of {"action": "product.created" | "product.updated" |
 * "product.removed" | "product_model.created" | ..., "event_id": "<uuid>", "event_datetime":
 * "<RFC 3339>", "author": "...", "author_type": "ui" | "api", "pim_source": "<url>",
 * "data": {"resource": {"uuid": "...", "identifier": "...", "updated": "<RFC 3339>", ...}}} ]}.
 * Products are named by uuid (required; Akeneo 7+) and identifier (optional, may be null);
 * product models by code. The Events API may deliver a message more than once, out of order,
 * or never: seam_pim_events_read keeps duplicates as separate items (the flow dedups on product
 * identity + PIM updated) and never sorts.
 *
 * Ownership: arguments are borrowed; seam_pim_events_read's items are owned by out.
 * Thread-safety: reentrant; the action table is read-only.
 */
#ifndef SEAM_CONNECTORS_PIM_EVENTS_H
#define SEAM_CONNECTORS_PIM_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "connectors/webhook_sig.h"
#include "core/err.h"

#define SEAM_PIM_EVENTS_TOLERANCE_S 300
#define SEAM_PIM_EVENTS_MAX 10 /* events per message, Akeneo's documented maximum */
#define SEAM_PIM_EVENTS_SIG_HEADER "X-Akeneo-Request-Signature"
#define SEAM_PIM_EVENTS_TS_HEADER "X-Akeneo-Request-Timestamp"

/* The actions seam acts on: name on the wire, kind, what happened. Unknown actions are
 * counted in seam_pim_changes_t.ignored and skipped (Akeneo adds event types over time). */
#define SEAM_PIM_EVENT_ACTIONS(X)                                \
	X("product.created", PRODUCT, CREATED)                   \
	X("product.updated", PRODUCT, UPDATED)                   \
	X("product.removed", PRODUCT, REMOVED)                   \
	X("product_model.created", MODEL, CREATED)               \
	X("product_model.updated", MODEL, UPDATED)               \
	X("product_model.removed", MODEL, REMOVED)

typedef enum seam_pim_kind_e { SEAM_PIM_KIND_PRODUCT = 1, SEAM_PIM_KIND_MODEL } seam_pim_kind_e;
typedef enum seam_pim_op_e {
	SEAM_PIM_OP_CREATED = 1,
	SEAM_PIM_OP_UPDATED,
	SEAM_PIM_OP_REMOVED
} seam_pim_op_e;

/* One canonical "product changed" item. Strings are NUL-terminated copies. */
typedef struct seam_pim_change {
	seam_pim_kind_e kind;
	seam_pim_op_e op;
	char action[32];      /* as sent, e.g. "product.updated" */
	char uuid[64];        /* products: data.resource.uuid; "" for models */
	char identifier[256]; /* products: data.resource.identifier ("" when null/absent);
			       * models: data.resource.code */
	char event_id[128];
	int64_t event_ms;     /* event_datetime, ms since the epoch */
	int64_t updated_ms;   /* data.resource.updated when present, else 0 (removed events) */
	char author[128];     /* "" when absent */
	char pim_source[256]; /* "" when absent */
} seam_pim_change_t;

typedef struct seam_pim_changes {
	seam_pim_change_t *items; /* owned: seam_pim_changes_dispose */
	size_t n;
	size_t ignored;     /* events with an action seam does not act on */
	const char *reason; /* on SEAM_PARSE: stable name (malformed_json, no_events,
			     * too_many_events, missing_field, bad_field); else NULL */
} seam_pim_changes_t;

/* Verifies one request. sig/ts: the two header values (NUL-terminated) or NULL; body/len: the
 * raw bytes; secrets: nsecrets event secrets; now_s and tolerance_s as in webhook_sig.h.
 * Returns SEAM_OK, SEAM_AUTH or SEAM_CONFIG (see SIGNATURE); out (may be NULL) gets the reason,
 * the timestamp and the index of the secret that matched. */
seam_err_t seam_pim_events_verify(const char *sig, const char *ts, const void *body, size_t len,
				  const char *const *secrets, size_t nsecrets, int64_t now_s,
				  int64_t tolerance_s, seam_webhook_sig_t *out, seam_error_t *err);

/* The same over a delivery (its two headers, now_s, tolerance_s): a verify column for the
 * provider table. */
seam_err_t seam_pim_events_verify_delivery(const seam_webhook_delivery_t *d,
					   const char *const *secrets, size_t nsecrets,
					   seam_webhook_sig_t *out, seam_error_t *err);

/* Reads a verified message into items, in the order sent. Returns SEAM_OK; SEAM_PARSE with
 * out->reason and a message naming the event index and field (no secrets or header values
 * there: fit for the sender) and no items; SEAM_NOMEM. The whole message is refused when one
 * event is malformed, so it is stored and quarantined as one. */
seam_err_t seam_pim_events_read(const void *body, size_t len, seam_pim_changes_t *out,
				seam_error_t *err);
/* Frees the items; NULL-safe; out is zeroed. */
void seam_pim_changes_dispose(seam_pim_changes_t *out);

#endif
