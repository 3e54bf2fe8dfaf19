/*
 * stripe.h: Stripe webhook signature verification (the Stripe-Signature header).
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

#define SEAM_STRIPE_TOLERANCE_S 300 /* Stripe's libraries' default */
#define SEAM_STRIPE_HEADER_MAX 4096 /* a longer Stripe-Signature is refused unparsed */

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

#endif
