/*
 * webhook_sig_int.h: helpers shared by the webhook verifiers (stripe.c, adyen.c,
 * stdwebhooks.c) and nobody else.
 */
#ifndef SEAM_CONNECTORS_WEBHOOK_SIG_INT_H
#define SEAM_CONNECTORS_WEBHOOK_SIG_INT_H

#include "connectors/webhook_sig.h"
#include "core/err.h"

/* Records a refusal: out->reason = reason (out may be NULL) and on err the message
 * "<scheme>: <reason name>: <fmt...>". Returns code. */
seam_err_t seam__webhook_sig_reject(seam_webhook_sig_t *out, seam_webhook_sig_reason_e reason,
				    seam_err_t code, seam_error_t *err, const char *scheme,
				    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The common end of the timestamped schemes (Stripe, Standard Webhooks): match is the index of
 * the first secret whose signature matched (or -1). The signature is judged before the
 * timestamp, so stale_timestamp always means an authentic but late (or replayed) delivery. */
seam_err_t seam__webhook_sig_finish(int match, int64_t t, int64_t now_s, int64_t tolerance_s,
				    seam_webhook_sig_t *out, seam_error_t *err, const char *scheme);

#endif
