/*
 * stdwebhooks.h: Standard Webhooks (standardwebhooks.com, spec 1.0.0) signatures, verified
 * for inbound deliveries and made for the ones seam sends; and the payment form a Standard
 * Webhooks source sends, read into the canonical payment event (domain/psp_event.h). One row
 * of flows/providers.h (and the signature of the storefront's events too).
 *
 * SIGNATURE
 *
 * Headers: webhook-id (the message id, stable across retries: the idempotency key),
 * webhook-timestamp (Unix seconds of this attempt), webhook-signature (a space-separated list
 * of "<version>,<base64>"; "v1" is HMAC-SHA256, other versions such as "v1a" (ed25519) are
 * skipped). Signed content: "<id>.<timestamp>.<raw body>". The secret is "whsec_" + base64 of
 * the key bytes; the prefix is optional and padding may be left off. Several v1 entries appear
 * during secret rotation. This is the Standard Webhooks specification (standardwebhooks.com).
 *
 * Rules for verify, in the order they apply:
 *   - no usable secret                                  -> SEAM_CONFIG, no_secret (a secret
 *     that is not valid base64 is a configuration error too)
 *   - any of the three headers NULL or ""               -> missing_signature
 *   - id longer than SEAM_STDWEBHOOKS_ID_MAX or containing '.', timestamp not 1-18 digits,
 *     signature header longer than SEAM_STDWEBHOOKS_HEADER_MAX, or v1 entries of which none
 *     is base64 of 32 bytes                             -> malformed_signature
 *   - no v1 entry at all                                -> no_v1_signature
 *   - no v1 entry matches any secret                    -> bad_signature
 *   - |now_s - timestamp| > tolerance_s                 -> stale_timestamp
 * An id may not contain '.', as the spec asks, because "a.1" + "2" and "a" + "1.2" would sign
 * the same bytes. The timestamp is signed as its decimal value, as the reference libraries do.
 *
 * Ownership: every argument is borrowed. Thread-safety: reentrant.
 */
#ifndef SEAM_CONNECTORS_STDWEBHOOKS_H
#define SEAM_CONNECTORS_STDWEBHOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "connectors/webhook_sig.h"
#include "core/err.h"
#include "domain/psp_event.h"

#define SEAM_STDWEBHOOKS_TOLERANCE_S 300  /* what every reference library uses */
#define SEAM_STDWEBHOOKS_HEADER_MAX 4096  /* longest webhook-signature accepted */
#define SEAM_STDWEBHOOKS_ID_MAX 256       /* longest webhook-id accepted */
#define SEAM_STDWEBHOOKS_KEY_MAX 128      /* longest decoded secret */
#define SEAM_STDWEBHOOKS_SIG_MAX 48       /* "v1," + 44 base64 + NUL: one signature entry */

/*
 * EVENTS
 *
 * A delivery is one event; its identity is the webhook-id header (stable across retries). An
 * authentic delivery that is not a JSON object with a "type" is quarantined (malformed_json,
 * missing_type).
 *
 * The payment form (docs/payments.md has the full shape), read by seam_stdwebhooks_normalize:
 *   {"type": "payment.captured", "timestamp": "<RFC 3339>", "data": {"payment_id": "...",
 *    "amount": "39.98", "currency": "USD", ...}}
 * Amounts are decimal strings at the currency's ISO 4217 exponent. payment.captured's amount
 * is the captured total; payment.refunded gives refunded_total (cumulative) or amount (this
 * refund only). Types, and the canonical type of each:
 */
#define SEAM_STDWEBHOOKS_RULES(X)                                                           \
	X("payment.authorized", AUTHORIZED)                                                 \
	X("payment.captured", CAPTURED)                                                     \
	X("payment.refunded", REFUNDED)                                                     \
	X("payment.voided", VOIDED)                                                         \
	X("payment.expired", EXPIRED)                                                       \
	X("payment.failed", FAILED)                                                         \
	X("payment.canceled_or_refunded", CANCEL_OR_REFUND)

/*
 * Verifies one delivery. msg_id, timestamp, signature: the three header values (NULL when
 * absent); body/len: the raw request body; secrets: nsecrets NUL-terminated "whsec_..." strings
 * (secrets may be NULL when nsecrets is 0; NULL or "" entries are skipped); now_s: time of
 * receipt, Unix seconds; tolerance_s: seconds either way (negative counts as 0). out (may be
 * NULL) gets the reason, the timestamp and the index of the matching secret.
 * Returns SEAM_OK, SEAM_AUTH or SEAM_CONFIG (see above).
 */
seam_err_t seam_stdwebhooks_verify(const char *msg_id, const char *timestamp,
				   const char *signature, const void *body, size_t len,
				   const char *const *secrets, size_t nsecrets, int64_t now_s,
				   int64_t tolerance_s, seam_webhook_sig_t *out, seam_error_t *err);

/*
 * Writes the webhook-signature entry "v1,<base64>" for one secret into out (cap bytes, at
 * least SEAM_STDWEBHOOKS_SIG_MAX). To sign with several secrets during a rotation, call once
 * per secret and join the entries with a space. Returns SEAM_OK; SEAM_CONFIG for a secret that
 * does not decode; SEAM_INVAL for an empty id, an id with '.', a timestamp outside
 * 0..10^18-1 or a small cap (out is then "").
 */
seam_err_t seam_stdwebhooks_sign(const char *secret, const char *msg_id, int64_t timestamp,
				 const void *body, size_t len, char *out, size_t cap,
				 seam_error_t *err);

/* Decodes a secret ("whsec_" optional, base64 padded or not) into key (cap bytes). Returns the
 * key length (>= 1), or -1 when it is empty, not base64 or longer than cap. For config checks. */
long seam_stdwebhooks_secret_decode(const char *secret, uint8_t *key, size_t cap);

/* seam_stdwebhooks_verify over a delivery (its webhook-id, webhook-timestamp and
 * webhook-signature headers, d->now_s, d->tolerance_s): the provider table's verify column. */
seam_err_t seam_stdwebhooks_verify_delivery(const seam_webhook_delivery_t *d,
					    const char *const *secrets, size_t nsecrets,
					    seam_webhook_sig_t *out, seam_error_t *err);

/* The one event of a delivery, its id the webhook-id header (see EVENTS): the provider
 * table's split column. */
seam_err_t seam_stdwebhooks_split(const seam_webhook_delivery_t *d, const json_t *doc,
				  seam_webhook_events_t *out, seam_error_t *err);

/* The built-in table of the payment form (SEAM_STDWEBHOOKS_RULES), *n rows. */
const seam_psp_rule_t *seam_stdwebhooks_rules(size_t *n);
/* Reads a payment-form payload into the canonical event (seam_psp_normalize_fn); the event id
 * is src->webhook_id, else the payload's "id". */
seam_err_t seam_stdwebhooks_normalize(const json_t *payload, const seam_psp_source_t *src,
				      seam_psp_event_t *out, seam_error_t *err);

#endif
