/*
 * adyen.h: Adyen standard webhook (notification) HMAC verification, one NotificationRequestItem
 * at a time.
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

#define SEAM_ADYEN_KEY_MAX 128 /* bytes of a decoded HMAC key */

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

#endif
