/*
 * webhook_sig.h: what the three inbound webhook signature verifiers (stripe.h, adyen.h,
 * stdwebhooks.h) share: the reasons a delivery is refused, each with a stable lower-case name
 * for metrics labels, logs and problem+json, and the result every verifier fills in.
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

#include <stddef.h>
#include <stdint.h>

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
