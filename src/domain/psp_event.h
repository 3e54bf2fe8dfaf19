/*
 * psp_event.h: normalisation of payment provider webhooks (Stripe events, Adyen notification
 * items, a documented Standard Webhooks form) into one canonical payment event, the input of
 * seam_payment_resolve() (payment.h). Signatures are checked before this module sees a
 * payload (crypto); this module only reads the parsed JSON. Pure: no I/O, no allocation.
 *
 * The mapping from a provider's event type to the canonical type is data: one X-macro table
 * per provider below (SEAM_PSP_STRIPE_RULES, SEAM_PSP_ADYEN_RULES, SEAM_PSP_STANDARD_RULES).
 * A type missing from the table becomes an `ignored` event with a reason (still deduplicated
 * and recorded, never an error). A caller may pass its own rows instead of the built-in
 * table (seam_psp_source_t.rules); docs/payments.md shows how to change either.
 *
 * Amounts: providers send integers in their own minor units; the canonical event carries the
 * decimal string at the currency's ISO 4217 exponent (Drupal's commerce_price), converted
 * exactly. Where a provider's minor unit differs from ISO 4217 the provider's table wins
 * (SEAM_PSP_STRIPE_EXPONENTS, SEAM_PSP_ADYEN_EXPONENTS): Stripe's zero-decimal currencies
 * (JPY 500 is 500, MGA is 0 decimals at Stripe but 2 in ISO) and ISK (2 decimals at Stripe
 * and Adyen, 0 in ISO); Adyen's CLP (2), CVE and IDR (0). An amount that cannot be written at
 * the ISO exponent without rounding (ISK 10.50) is a SEAM_PARSE error.
 *
 * Errors: a payload that cannot be used (not an object, no id, no type, a mapped event with
 * no payment id or a bad amount, an unknown currency, a field longer than its buffer) is
 * SEAM_PARSE with a one-line reason on err, fit for the quarantine record. It never echoes
 * payload values other than ids, types, currencies and amounts (no card or personal data).
 *
 * Thread-safety: pure; the tables are read-only. Ownership: `payload` is borrowed (jansson,
 * not stolen, no reference taken); everything in seam_psp_event_t is copied into it.
 */
#ifndef SEAM_DOMAIN_PSP_EVENT_H
#define SEAM_DOMAIN_PSP_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "domain/money.h"
#include "domain/payment.h"

#define SEAM_PSP_PROVIDERS(X)                                                               \
	X(STRIPE, "stripe")                                                                 \
	X(ADYEN, "adyen")                                                                   \
	X(STANDARD, "standard")

typedef enum seam_psp_provider_e {
#define SEAM__PSP_PROVIDER_ENUM(id, name) SEAM_PSP_##id,
	SEAM_PSP_PROVIDERS(SEAM__PSP_PROVIDER_ENUM)
#undef SEAM__PSP_PROVIDER_ENUM
	SEAM_PSP__PROVIDER_COUNT
} seam_psp_provider_e;

/*
 * Stripe (event.type; data.object is the object named in the third column):
 *   type, canonical type, data.object.object, amount field of data.object, cumulative.
 * remote_id: the PaymentIntent id (data.object.id, or a charge's payment_intent; a legacy
 * charge without one uses the charge id). Refund events also carry amount_captured as the
 * captured total. charge.succeeded/charge.failed are left out on purpose: the PaymentIntent
 * events say the same and would only add duplicates.
 */
#define SEAM_PSP_STRIPE_RULES(X)                                                            \
	X("payment_intent.amount_capturable_updated", AUTHORIZED, "payment_intent",         \
	  "amount_capturable", false)                                                       \
	X("payment_intent.succeeded", CAPTURED, "payment_intent", "amount_received", true)  \
	X("payment_intent.payment_failed", FAILED, "payment_intent", "amount", false)       \
	X("payment_intent.canceled", VOIDED, "payment_intent", "amount", false)             \
	X("charge.captured", CAPTURED, "charge", "amount_captured", true)                   \
	X("charge.refunded", REFUNDED, "charge", "amount_refunded", true)                   \
	X("charge.expired", EXPIRED, "charge", "amount", false)

/*
 * Adyen (NotificationRequestItem.eventCode): eventCode, canonical type when success is
 * "true", whether the PSP payment id is originalReference (modifications) rather than
 * pspReference. Every mapped code with success "false" becomes `failed` (recorded, never
 * applied). Amounts are incremental (each CAPTURE/REFUND its own amount).
 * CANCEL_OR_REFUND: additionalData["modification.action"] "cancel" -> voided, "refund" ->
 * refunded; absent -> cancel_or_refund (resolved against capture evidence, payment.h).
 * AUTHORISATION_ADJUSTMENT -> authorized with the new amount (recorded as amount_conflict
 * while the payment is in authorization: payment_default cannot adjust; the capture sets
 * the final amount). CAPTURE_FAILED, REFUND_FAILED, REFUNDED_REVERSED -> failed.
 */
#define SEAM_PSP_ADYEN_RULES(X)                                                             \
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

/*
 * Standard Webhooks generic form (docs/payments.md has the full shape):
 *   {"type": "payment.captured", "timestamp": "<RFC 3339>", "data": {"payment_id": "...",
 *    "amount": "39.98", "currency": "USD", ...}}
 * payment.captured's amount is the captured total; payment.refunded gives refunded_total
 * (cumulative) or amount (this refund only).
 */
#define SEAM_PSP_STANDARD_RULES(X)                                                          \
	X("payment.authorized", AUTHORIZED)                                                 \
	X("payment.captured", CAPTURED)                                                     \
	X("payment.refunded", REFUNDED)                                                     \
	X("payment.voided", VOIDED)                                                         \
	X("payment.expired", EXPIRED)                                                       \
	X("payment.failed", FAILED)                                                         \
	X("payment.canceled_or_refunded", CANCEL_OR_REFUND)

/* Minor-unit exponents where the provider departs from ISO 4217 (currency, exponent). */
#define SEAM_PSP_STRIPE_EXPONENTS(X)                                                        \
	X("BIF", 0) X("CLP", 0) X("DJF", 0) X("GNF", 0) X("JPY", 0) X("KMF", 0) X("KRW", 0) \
	X("MGA", 0) X("PYG", 0) X("RWF", 0) X("UGX", 0) X("VND", 0) X("VUV", 0) X("XAF", 0) \
	X("XOF", 0) X("XPF", 0) X("ISK", 2)
#define SEAM_PSP_ADYEN_EXPONENTS(X) X("CLP", 2) X("CVE", 0) X("IDR", 0) X("ISK", 2)

/* One mapping row. Columns a provider does not use are NULL/false. */
typedef struct seam_psp_rule {
	const char *provider_type;  /* Stripe event type, Adyen eventCode, Standard type */
	seam_payment_event_e type;  /* canonical type (IGNORED drops the event explicitly) */
	const char *object;         /* Stripe: the expected data.object.object */
	const char *amount_field;   /* Stripe: the data.object field holding the amount */
	bool cumulative;            /* Stripe: amounts are running totals */
	bool needs_original;        /* Adyen: remote id is originalReference */
} seam_psp_rule_t;

/* Where a payload came from, and optionally a mapping to use instead of the built-in one. */
typedef struct seam_psp_source {
	const char *store;       /* the store from the webhook URL; NULL = "" */
	const char *webhook_id;  /* Standard Webhooks `webhook-id` header (the event id) */
	const seam_psp_rule_t *rules; /* NULL: the built-in table of the provider */
	size_t nrules;
} seam_psp_source_t;

#define SEAM_PSP_ID_MAX 256

typedef struct seam_psp_event {
	seam_psp_provider_e provider;
	/* Dedupe key: Stripe event id; Adyen "<pspReference>:<eventCode>:<success>" (Adyen
	 * resends an item unchanged, and a later item with another success value overrides);
	 * Standard webhook-id. */
	char event_id[SEAM_PSP_ID_MAX];
	char event_type[128];          /* the provider's own type / eventCode */
	seam_payment_event_e type;     /* SEAM_PAYMENT_EV_IGNORED when not a payment event */
	char reason[192];              /* why ignored; "" otherwise */
	char amount[SEAM_MONEY_BUF];   /* decimal at the ISO exponent; "" when none */
	char currency[4];              /* ISO 4217 upper case; "" when no amount */
	bool cumulative;               /* amount is a running total (captured/refunded) */
	char captured_amount[SEAM_MONEY_BUF]; /* refunds: provider's captured total; "" unknown */
	char remote_id[SEAM_PSP_ID_MAX];      /* PSP payment id = Drupal payment remote_id */
	char order_uuid[64];           /* Stripe metadata.order_uuid, Standard data.order_uuid */
	char order_id[SEAM_PSP_ID_MAX]; /* Stripe metadata.order_id, Adyen merchantReference */
	char store[64];
	int64_t occurred_at_ms;        /* provider time; 0 when the payload has none */
	char remote_state[64];         /* provider status: Stripe object.status, Adyen eventCode */
} seam_psp_event_t;

const char *seam_psp_provider_name(seam_psp_provider_e p);
int seam_psp_provider_parse(const char *name, seam_psp_provider_e *out);

/* The built-in table of a provider (never NULL for a valid provider; *n set). */
const seam_psp_rule_t *seam_psp_rules(seam_psp_provider_e p, size_t *n);
/* The row for provider_type in rows[0..n), else NULL. */
const seam_psp_rule_t *seam_psp_rule_find(const seam_psp_rule_t *rows, size_t n,
					  const char *provider_type);
/* The provider's minor-unit exponent for a currency (upper case): the override table, else
 * ISO 4217; -1 when unknown. */
int seam_psp_exponent(seam_psp_provider_e p, const char *currency);

/* Normalises one payload: a Stripe event object, one Adyen NotificationRequestItem (bare or
 * wrapped as {"NotificationRequestItem": {...}}), or a Standard Webhooks payload. src may be
 * NULL. *out is fully written on SEAM_OK (also for ignored events); on error it holds what
 * was read so far (provider, ids) for the quarantine record. */
seam_err_t seam_psp_normalize(seam_psp_provider_e provider, const json_t *payload,
			      const seam_psp_source_t *src, seam_psp_event_t *out,
			      seam_error_t *err);

/* The items of an Adyen notification body {"live": ..., "notificationItems": [...]}:
 * the count (0 when the shape is wrong) and item i (borrowed, NULL when out of range). */
size_t seam_psp_adyen_count(const json_t *body);
const json_t *seam_psp_adyen_item(const json_t *body, size_t i);

/* The canonical event for seam_payment_resolve(): amounts in minor units at the ISO
 * exponent. out->event_id borrows pe->event_id (valid while pe is). SEAM_PARSE when an
 * amount does not parse (cannot happen for events this module produced). */
seam_err_t seam_psp_event_to_payment(const seam_psp_event_t *pe, seam_payment_event_t *out,
				     seam_error_t *err);

#endif
