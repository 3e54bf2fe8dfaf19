/*
 * stripe.h: Stripe webhooks: the signature (the Stripe-Signature header) and the event, read
 * into the canonical payment event (domain/psp_event.h). One row of flows/providers.h.
 *
 * SIGNATURE
 *
 * Wire format: "t=<unix seconds>,v1=<64 hex>[,v1=<64 hex>...][,v0=<hex>]". The signed content
 * is "<t>.<raw body>", HMAC-SHA256 keyed with the whole secret string as UTF-8 bytes, including
 * its "whsec_" prefix (it is not base64-decoded), sent as lower-case hex. Several v1 entries
 * appear while a rolled secret is still valid; v0 (test-mode decoy) and unknown schemes are
 * ignored. This is the scheme of Stripe's "Verify webhook signatures" documentation.
 *
 * Rules, in the order they apply:
 *   - no usable secret (all NULL or "")                 -> SEAM_CONFIG, no_secret
 *   - header NULL or ""                                 -> missing_signature
 *   - header longer than SEAM_STRIPE_HEADER_MAX, no t=, a t= that is not 1-18 digits, t=
 *     given twice, or v1 entries of which none is 64 hex digits -> malformed_signature
 *   - no v1 entry at all                                -> no_v1_signature
 *   - no v1 entry equals HMAC(secret_i, t "." body) for any i -> bad_signature
 *   - |now_s - t| > tolerance_s (old or future)         -> stale_timestamp
 * The signature is checked before the age, so stale_timestamp means "authentic but replayed or
 * delayed" and is worth its own alert. Entries without '=' are skipped like unknown schemes.
 * Stricter than stripe-node in two places: a duplicate t= is refused instead of last-wins, and
 * future timestamps are refused (as stripe-php does).
 *
 * Ownership: every argument is borrowed; nothing is kept. Thread-safety: reentrant.
 */
#ifndef SEAM_CONNECTORS_STRIPE_H
#define SEAM_CONNECTORS_STRIPE_H

#include <stddef.h>
#include <stdint.h>

#include "connectors/webhook_sig.h"
#include "core/err.h"
#include "domain/psp_event.h"

#define SEAM_STRIPE_TOLERANCE_S 300 /* Stripe's libraries' default */
#define SEAM_STRIPE_HEADER_MAX 4096 /* a longer Stripe-Signature is refused unparsed */

/*
 * EVENTS
 *
 * A delivery is one event object: {"id": "evt_...", "type": "...", "created": <unix s>,
 * "data": {"object": {...}}}. Its identity (the inbox's dedup key, the job's event id) is
 * "id" as Stripe sends it; an authentic delivery without id or type is quarantined
 * (missing_event_id_or_type; malformed_json when it is not JSON).
 *
 * Reading it (seam_stripe_normalize), with the rules of psp_event.h: the type is looked up in
 * the table below (columns: type, canonical type, data.object.object, amount field of
 * data.object, cumulative). remote_id: the PaymentIntent id (data.object.id, or a charge's
 * payment_intent; a legacy charge without one uses the charge id). Refund events also carry
 * amount_captured as the captured total. charge.succeeded/charge.failed are left out on
 * purpose: the PaymentIntent events say the same and would only add duplicates. Stripe's
 * zero-decimal currencies (JPY 500 is 500, MGA is 0 decimals at Stripe but 2 in ISO) and ISK
 * (2 decimals at Stripe, 0 in ISO) are SEAM_STRIPE_EXPONENTS.
 */
#define SEAM_STRIPE_RULES(X)                                                                \
	X("payment_intent.amount_capturable_updated", AUTHORIZED, "payment_intent",         \
	  "amount_capturable", false)                                                       \
	X("payment_intent.succeeded", CAPTURED, "payment_intent", "amount_received", true)  \
	X("payment_intent.payment_failed", FAILED, "payment_intent", "amount", false)       \
	X("payment_intent.canceled", VOIDED, "payment_intent", "amount", false)             \
	X("charge.captured", CAPTURED, "charge", "amount_captured", true)                   \
	X("charge.refunded", REFUNDED, "charge", "amount_refunded", true)                   \
	X("charge.expired", EXPIRED, "charge", "amount", false)

#define SEAM_STRIPE_EXPONENTS(X)                                                            \
	X("BIF", 0) X("CLP", 0) X("DJF", 0) X("GNF", 0) X("JPY", 0) X("KMF", 0) X("KRW", 0) \
	X("MGA", 0) X("PYG", 0) X("RWF", 0) X("UGX", 0) X("VND", 0) X("VUV", 0) X("XAF", 0) \
	X("XOF", 0) X("XPF", 0) X("ISK", 2)

/*
 * Verifies one delivery. sig_header: the Stripe-Signature value (NUL-terminated) or NULL;
 * body/len: the raw request body exactly as received; secrets: nsecrets NUL-terminated endpoint
 * secrets ("whsec_..."); now_s: the time of receipt in Unix seconds; tolerance_s: seconds
 * (SEAM_STRIPE_TOLERANCE_S is the usual value; negative counts as 0).
 * out (may be NULL) gets the reason, the signed timestamp and the index of the matching
 * secret. Returns SEAM_OK, SEAM_AUTH or SEAM_CONFIG as described above.
 */
seam_err_t seam_stripe_verify(const char *sig_header, const void *body, size_t len,
			      const char *const *secrets, size_t nsecrets, int64_t now_s,
			      int64_t tolerance_s, seam_webhook_sig_t *out, seam_error_t *err);

/* seam_stripe_verify over a delivery (Stripe-Signature, d->now_s, d->tolerance_s): the
 * provider table's verify column. */
seam_err_t seam_stripe_verify_delivery(const seam_webhook_delivery_t *d,
				       const char *const *secrets, size_t nsecrets,
				       seam_webhook_sig_t *out, seam_error_t *err);

/* The one event of a delivery, its id "id" (see EVENTS): the provider table's split column. */
seam_err_t seam_stripe_split(const seam_webhook_delivery_t *d, const json_t *doc,
			     seam_webhook_events_t *out, seam_error_t *err);

/* The built-in table (SEAM_STRIPE_RULES), *n rows. */
const seam_psp_rule_t *seam_stripe_rules(size_t *n);
/* Stripe's minor-unit exponent of a currency (upper case); -1 when unknown. */
int seam_stripe_exponent(const char *currency);
/* Reads one event object into the canonical event (seam_psp_normalize_fn). */
seam_err_t seam_stripe_normalize(const json_t *event, const seam_psp_source_t *src,
				 seam_psp_event_t *out, seam_error_t *err);

#endif
