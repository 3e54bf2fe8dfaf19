/*
 * webhook_sig.h: what the inbound webhook connectors (stripe.h, adyen.h, stdwebhooks.h, the
 * storefront's events in drupal/drupal.h) share: the reasons a delivery is refused, each with a
 * stable lower-case name for metrics labels, logs and problem+json, and the result every
 * verifier fills in; the delivery a verifier reads and the events a verified delivery splits
 * into (the signatures of the provider table's columns, flows/providers.h).
 *
 * The verifiers are pure functions over the raw bytes of one request: no I/O, no logging, no
 * allocation except where a header says so. They check the signature before anything parses
 * the body, compare MACs in constant time, and accept a delivery when any signature it carries
 * matches any configured secret (secret rotation). Error messages never contain secrets,
 * signatures, header values or how many secrets are configured, so a caller may show them to
 * the sender; SEAM_CONFIG messages describe the deployment and belong in logs only.
 *
 * Return codes: SEAM_OK when the delivery is authentic and fresh; SEAM_AUTH for every refusal
 * of the delivery (answer 401), with the reason in seam_webhook_sig_t.reason; SEAM_CONFIG when
 * no configured secret is usable (reason no_secret: a deployment problem, not the sender's).
 * A negative tolerance counts as 0.
 *
 * Thread-safety: all functions are reentrant; the name table is read-only.
 */
#ifndef SEAM_CONNECTORS_WEBHOOK_SIG_H
#define SEAM_CONNECTORS_WEBHOOK_SIG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Reason, stable name. Names are API: they appear as the "reason" label of metrics. */
#define SEAM_WEBHOOK_SIG_REASONS(X)                                                          \
	X(OK, "ok")                                   /* authentic and fresh */               \
	X(MISSING_SIGNATURE, "missing_signature")     /* signature (or id/timestamp) absent */ \
	X(MALFORMED_SIGNATURE, "malformed_signature") /* present but unparseable */           \
	X(NO_V1_SIGNATURE, "no_v1_signature")         /* only schemes seam does not verify */ \
	X(MALFORMED_PAYLOAD, "malformed_payload")     /* Adyen: signed fields of wrong type */ \
	X(BAD_SIGNATURE, "bad_signature")             /* no signature matches any secret */   \
	X(STALE_TIMESTAMP, "stale_timestamp")         /* authentic, outside the tolerance */  \
	X(NO_SECRET, "no_secret")                     /* no usable secret configured */

typedef enum seam_webhook_sig_reason_e {
#define SEAM__WHSIG_ENUM(name, str) SEAM_WHSIG_##name,
	SEAM_WEBHOOK_SIG_REASONS(SEAM__WHSIG_ENUM)
#undef SEAM__WHSIG_ENUM
	SEAM__WHSIG_COUNT
} seam_webhook_sig_reason_e;

/* Result of one verification. Filled on every return (also on refusal). */
typedef struct seam_webhook_sig {
	seam_webhook_sig_reason_e reason;
	int64_t timestamp; /* signed timestamp, Unix seconds; 0 when none was parsed or the scheme
			    * has none (Adyen) */
	int secret_index;  /* index in the caller's secrets of the one that matched, else -1 */
} seam_webhook_sig_t;

/* One inbound delivery as received: the raw body and its headers. Borrowed for a call. */
typedef struct seam_webhook_delivery {
	const char *body;   /* the raw bytes, exactly as received */
	size_t len;
	const char *(*header)(void *ud, const char *name); /* a header's value, or NULL */
	void *ud;
	int64_t now_s;       /* time of receipt, Unix seconds */
	int64_t tolerance_s; /* signed timestamps further than this either way are stale */
} seam_webhook_delivery_t;

/* Verifies a delivery's signature on the raw bytes, before anything parses them, against
 * nsecrets configured secrets. Returns SEAM_OK, SEAM_AUTH or SEAM_CONFIG as above; out (may be
 * NULL) gets the reason. */
typedef seam_err_t (*seam_webhook_verify_fn)(const seam_webhook_delivery_t *d,
					     const char *const *secrets, size_t nsecrets,
					     seam_webhook_sig_t *out, seam_error_t *err);

/* For schemes that sign each item of a batch rather than the request (Adyen): verifies every
 * item of the parsed body (doc may be NULL: the body is not JSON), refusing the whole delivery
 * when one fails. Same results; a body whose items cannot be found is SEAM_AUTH with
 * malformed_payload and a message fit for the sender. */
typedef seam_err_t (*seam_webhook_verify_items_fn)(const json_t *doc, const char *const *secrets,
						   size_t nsecrets, seam_webhook_sig_t *out,
						   seam_error_t *err);

#define SEAM_WEBHOOK_ID_MAX 256 /* an event id a connector composes (Adyen's) */

/* One event of a verified delivery, as the inbox stores it. */
typedef struct seam_webhook_event {
	const char *id;      /* the provider's event identity: the inbox's dedup key. Borrowed from
			      * the parsed body, a header, or idbuf */
	const char *type;    /* the provider's event type; borrowed from the parsed body */
	const json_t *doc;   /* the event's object in the parsed body (borrowed) */
	char *body;          /* owned: the event's own bytes when a delivery carries several (an
			      * Adyen item, compact JSON); NULL: the delivery's raw bytes */
	char idbuf[SEAM_WEBHOOK_ID_MAX];
} seam_webhook_event_t;

/* The events of a verified delivery, or why there are none. */
typedef struct seam_webhook_events {
	seam_webhook_event_t *items; /* owned: seam_webhook_events_dispose */
	size_t n;
	const char *quarantine; /* authentic but unusable: the reason (static, stable, e.g.
				 * "malformed_json"); then n is 0 */
	const char *event_id;   /* with quarantine: the event id when one could be read; borrowed */
} seam_webhook_events_t;

/*
 * Splits a verified delivery into its events and derives each event's id. doc is the parsed
 * body (NULL when it is not JSON); events borrow from doc and from d's headers, so both must
 * outlive *out. Returns SEAM_OK with either events or a quarantine reason, or SEAM_NOMEM.
 */
typedef seam_err_t (*seam_webhook_split_fn)(const seam_webhook_delivery_t *d, const json_t *doc,
					    seam_webhook_events_t *out, seam_error_t *err);

/* Room for n events in out (zeroed; out->n stays 0). SEAM_NOMEM. */
seam_err_t seam_webhook_events_init(seam_webhook_events_t *out, size_t n, seam_error_t *err);
/* Frees what a split made (the items and their bodies). NULL-safe; out is zeroed. */
void seam_webhook_events_dispose(seam_webhook_events_t *out);

/* Stable name of a reason ("stale_timestamp"); "unknown" outside the enum. Never NULL. */
const char *seam_webhook_sig_reason_name(seam_webhook_sig_reason_e reason);

/* Resets a result to {OK, 0, -1}. out may be NULL. */
void seam_webhook_sig_init(seam_webhook_sig_t *out);

/* Parses a Unix timestamp in seconds as the schemes send it: 1 to 18 ASCII digits, nothing
 * else (no sign, no space). Returns 0 and *ts, or -1. */
int seam_webhook_sig_timestamp_parse(const char *s, size_t len, int64_t *ts);

/* |now_s - ts| without overflow for any int64 inputs. */
uint64_t seam_webhook_sig_distance(int64_t ts, int64_t now_s);
/* 1 when |now_s - ts| <= tolerance_s, else 0. Both directions count: a timestamp from the
 * future is as suspicious as an old one. A negative tolerance counts as 0 (fails closed). */
int seam_webhook_sig_within(int64_t ts, int64_t now_s, int64_t tolerance_s);

#endif
