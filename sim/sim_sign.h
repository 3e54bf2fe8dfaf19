/*
 * sim_sign.h: the signatures the doubles put on the webhooks they send, written from the
 * providers' published descriptions (Stripe, Adyen and Standard Webhooks docs) on top of
 * core/crypto.h. Independent of seam's verifiers on purpose: the tests check both against the
 * published test vectors, so a shared misunderstanding would show.
 *
 *   Standard Webhooks  webhook-signature: "v1,<base64 HMAC-SHA256(key, id.ts.body)>", key =
 *                      base64-decoded secret after an optional "whsec_" prefix.
 *   Stripe             Stripe-Signature: "t=<ts>,v1=<hex HMAC-SHA256(secret, ts.body)>", key =
 *                      the whole secret string, prefix included.
 *   Adyen              additionalData.hmacSignature = base64 HMAC-SHA256(hex-decoded key,
 *                      pspReference:originalReference:merchantAccountCode:merchantReference:
 *                      value:currency:eventCode:success).
 *   Akeneo Events API  X-Akeneo-Request-Timestamp: "<ts>"; X-Akeneo-Request-Signature:
 *                      lower-case hex HMAC-SHA256(secret, "<ts>.<body>"), key = the secret
 *                      string as is (api.akeneo.com/events-documentation/security.html).
 *
 * Thread-safety: reentrant.
 */
#ifndef SEAM_SIM_SIGN_H
#define SEAM_SIM_SIGN_H

#include <stddef.h>
#include <stdint.h>

/* Writes "v1,<base64>" into out (cap >= 48). Returns 0, or -1 when the secret is not base64. */
int seam_sim_sign_standard(const char *secret, const char *msg_id, int64_t ts, const char *body,
			   size_t len, char *out, size_t cap);
/* Writes "t=<ts>,v1=<hex>" into out (cap >= 96). */
void seam_sim_sign_stripe(const char *secret, int64_t ts, const char *body, size_t len, char *out,
			  size_t cap);
/* Writes the base64 signature (45 bytes with NUL) into out. Returns 0, or -1 on a bad hex key.
 * NULL fields count as empty strings. */
/* Writes the 64 hex digits (65 bytes with NUL) of Akeneo's event signature into out. */
void seam_sim_sign_akeneo(const char *secret, int64_t ts, const char *body, size_t len,
			  char out[65]);
int seam_sim_sign_adyen(const char *hex_key, const char *psp_reference,
			const char *original_reference, const char *merchant_account,
			const char *merchant_reference, const char *value, const char *currency,
			const char *event_code, const char *success, char out[64]);

#endif
