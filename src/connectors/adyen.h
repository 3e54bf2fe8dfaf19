/*
 * adyen.h: Adyen standard webhooks (notifications): the HMAC of each NotificationRequestItem,
 * and the items, read into the canonical payment event (domain/psp_event.h). One row of
 * flows/providers.h.
 *
 * SIGNATURE
 *
 * Adyen signs each item of a batch, not the request: the signing string is eight item fields
 * joined with ':' in this order, missing or null ones as "":
 *   pspReference : originalReference : merchantAccountCode : merchantReference :
 *   amount.value : amount.currency : eventCode : success
 * e.g. "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true".
 * No escaping is applied (Adyen's libraries escape only in the different key-sorted scheme of
 * non-notification payloads). amount.value is the integer in minor units; success is "true" or
 * "false" (a JSON boolean is accepted too). The key is given in hex (as shown in the Customer
 * Area) and used as raw bytes; the signature is base64 in additionalData.hmacSignature.
 * This is the scheme of Adyen's "Verify HMAC signatures" documentation for standard webhooks.
 *
 * The request body has to be parsed to find the items, so these functions take the parsed
 * item; the caller parses (with a size cap) and calls verify for every item, refusing the
 * batch when one fails. There is no signed timestamp, so no tolerance: replays are caught by
 * deduplication on the event identity.
 *
 * Rules for verify, in the order they apply:
 *   - no usable key (all NULL or ""), or a key that is not hex -> SEAM_CONFIG, no_secret
 *   - item not an object                                        -> malformed_payload
 *   - no additionalData.hmacSignature (or "")                   -> missing_signature
 *   - hmacSignature not a string holding base64 of 32 bytes     -> malformed_signature
 *   - a signed field of the wrong type (a number as
 *     pspReference, a fraction as amount.value, ...)            -> malformed_payload
 *   - no key's HMAC equals the signature                        -> bad_signature
 * Several keys may be given: Adyen has no multi-signature header, so during a key rotation
 * the old key stays configured until queued notifications have drained.
 *
 * Ownership: item is borrowed (not modified, no reference taken); strings returned are owned
 * by the caller (free()). Thread-safety: reentrant.
 */
#ifndef SEAM_CONNECTORS_ADYEN_H
#define SEAM_CONNECTORS_ADYEN_H

#include <jansson.h>
#include <stddef.h>

#include "connectors/webhook_sig.h"
#include "core/err.h"
#include "domain/psp_event.h"

#define SEAM_ADYEN_KEY_MAX 128 /* bytes of a decoded HMAC key */
#define SEAM_ADYEN_ITEMS_MAX 256 /* notification items in one delivery, at most */

/*
 * EVENTS
 *
 * A delivery is {"live": ..., "notificationItems": [{"NotificationRequestItem": {...}}, ...]}
 * and every item is an event of its own, stored on its own (compact JSON) so that each job can
 * be replayed alone. An item's identity has two forms, both kept as they are stored:
 *   - at ingress (the inbox's dedup key and the job's event id): "<eventCode>:<pspReference>:
 *     <success>", e.g. "AUTHORISATION:7914073381342284:true" (at most 255 bytes);
 *   - on the canonical event (payment_events): "<pspReference>:<eventCode>:<success>".
 * Adyen resends an item unchanged, and a later item with another success value overrides the
 * earlier one, so success is part of the identity. A delivery with an item that has no
 * pspReference or eventCode is quarantined whole (missing_psp_reference_or_event_code).
 *
 * Reading an item (seam_adyen_normalize): eventCode, canonical type when success is "true",
 * whether the PSP payment id is originalReference (modifications) rather than pspReference.
 * Every mapped code with success "false" becomes `failed` (recorded, never applied). Amounts
 * are incremental (each CAPTURE/REFUND its own amount). CANCEL_OR_REFUND:
 * additionalData["modification.action"] "cancel" -> voided, "refund" -> refunded; absent ->
 * cancel_or_refund (resolved against capture evidence, payment.h). AUTHORISATION_ADJUSTMENT ->
 * authorized with the new amount (recorded as amount_conflict while the payment is in
 * authorization: payment_default cannot adjust; the capture sets the final amount).
 * CAPTURE_FAILED, REFUND_FAILED, REFUNDED_REVERSED -> failed. Adyen's minor units depart from
 * ISO 4217 for CLP (2), CVE and IDR (0) and ISK (2): SEAM_ADYEN_EXPONENTS.
 */
#define SEAM_ADYEN_RULES(X)                                                                 \
	X("AUTHORISATION", AUTHORIZED, false)                                               \
	X("AUTHORISATION_ADJUSTMENT", AUTHORIZED, true)                                     \
	X("CAPTURE", CAPTURED, true)                                                        \
	X("CAPTURE_FAILED", FAILED, true)                                                   \
	X("CANCELLATION", VOIDED, true)                                                     \
	X("TECHNICAL_CANCEL", VOIDED, true)                                                 \
	X("CANCEL_OR_REFUND", CANCEL_OR_REFUND, true)                                       \
	X("REFUND", REFUNDED, true)                                                         \
	X("REFUND_FAILED", FAILED, true)                                                    \
	X("REFUNDED_REVERSED", FAILED, true)                                                \
	X("EXPIRE", EXPIRED, false)                                                         \
	X("OFFER_CLOSED", FAILED, false)

#define SEAM_ADYEN_EXPONENTS(X) X("CLP", 2) X("CVE", 0) X("IDR", 0) X("ISK", 2)

/*
 * Builds the signing string of an item: the NotificationRequestItem object itself or the
 * {"NotificationRequestItem": {...}} wrapper found in notificationItems[]. On SEAM_OK *out is
 * an owned NUL-terminated string (free()). SEAM_PARSE when the item is not an object or a
 * signed field has the wrong type (*out NULL), SEAM_NOMEM on allocation failure.
 */
seam_err_t seam_adyen_item_signing_string(const json_t *item, char **out, seam_error_t *err);

/*
 * Verifies one item against nkeys hex keys (keys may be NULL when nkeys is 0; NULL or ""
 * entries are skipped). out (may be NULL) gets the reason and the index of the matching key.
 * Returns SEAM_OK, SEAM_AUTH (reason as above), SEAM_CONFIG or SEAM_NOMEM.
 */
seam_err_t seam_adyen_verify_item(const json_t *item, const char *const *hex_keys, size_t nkeys,
				  seam_webhook_sig_t *out, seam_error_t *err);

/*
 * Verifies every item of a parsed delivery (doc NULL: the body was not JSON) with
 * seam_adyen_verify_item, refusing the delivery at the first item that fails: the provider
 * table's verify_items column. A body that is not JSON, or whose notificationItems is
 * missing, empty or longer than SEAM_ADYEN_ITEMS_MAX, is SEAM_AUTH with malformed_payload.
 */
seam_err_t seam_adyen_verify_items(const json_t *doc, const char *const *hex_keys, size_t nkeys,
				   seam_webhook_sig_t *out, seam_error_t *err);

/* The items of a verified delivery, each with its ingress id (see EVENTS) and its own bytes:
 * the provider table's split column. */
seam_err_t seam_adyen_split(const seam_webhook_delivery_t *d, const json_t *doc,
			    seam_webhook_events_t *out, seam_error_t *err);

/* The items of a notification body: the count (0 when the shape is wrong) and item i's
 * NotificationRequestItem (borrowed; NULL when out of range or not an object). */
size_t seam_adyen_count(const json_t *body);
const json_t *seam_adyen_item(const json_t *body, size_t i);

/* The built-in table (SEAM_ADYEN_RULES), *n rows. */
const seam_psp_rule_t *seam_adyen_rules(size_t *n);
/* Adyen's minor-unit exponent of a currency (upper case); -1 when unknown. */
int seam_adyen_exponent(const char *currency);
/* Reads one item, bare or wrapped as {"NotificationRequestItem": {...}}, into the canonical
 * event (seam_psp_normalize_fn). */
seam_err_t seam_adyen_normalize(const json_t *item, const seam_psp_source_t *src,
				seam_psp_event_t *out, seam_error_t *err);

#endif
