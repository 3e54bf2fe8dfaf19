/*
 * psp_event.h: the canonical payment event, what every payment provider's webhook becomes
 * before seam acts on it, and the rules a provider's reader follows to make one. The input of
 * seam_payment_resolve() (payment.h). The providers' own wire formats (Stripe events, Adyen
 * notification items, the Standard Webhooks payment form) and their tables live beside their
 * signature verifiers in src/connectors/ (stripe.h, adyen.h, stdwebhooks.h); the table of
 * providers is flows/providers.h. This module knows no provider.
 *
 * The mapping from a provider's event type to the canonical type is data: one row
 * (seam_psp_rule_t) per provider type, a built-in table per provider in its connector, which
 * a caller may replace (seam_psp_source_t.rules: the config's payment_events). A type missing
 * from the table becomes an `ignored` event with a reason (still deduplicated and recorded,
 * never an error). docs/payments.md shows how to change either.
 *
 * Rules every reader follows (the helpers below carry them):
 *   - Amounts: providers send integers in their own minor units; the canonical event carries
 *     the decimal string at the currency's ISO 4217 exponent (Drupal's commerce_price),
 *     converted exactly. Where a provider's minor unit differs from ISO 4217 its connector's
 *     table of exponents wins (seam_psp_exponent). An amount that cannot be written at the ISO
 *     exponent without rounding (ISK 10.50) is a SEAM_PARSE error.
 *   - Errors: a payload that cannot be used (not an object, no id, no type, a mapped event
 *     with no payment id or a bad amount, an unknown currency, a field longer than its buffer)
 *     is SEAM_PARSE with a one-line reason on err, "<provider>[ <event id>]: <what>", fit for
 *     the quarantine record. It never echoes payload values other than ids, types,
 *     currencies and amounts (no card or personal data).
 *   - An ignored event carries only what identifies it (seam_psp_event_finish).
 *
 * Thread-safety: pure; no I/O, no allocation. Ownership: payloads are borrowed (jansson, no
 * reference taken); everything in seam_psp_event_t is copied into it.
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
#define SEAM_PSP_PROVIDER_MAX 16

typedef struct seam_psp_event {
	char provider[SEAM_PSP_PROVIDER_MAX]; /* the provider's name (flows/providers.h) */
	/* Dedupe key: the provider's event identity as its connector defines it (Stripe's event
	 * id; Adyen "<pspReference>:<eventCode>:<success>"; Standard webhook-id). */
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

/*
 * A provider's reader: one payload (already verified) -> *out. src may be NULL. *out is fully
 * written on SEAM_OK (also for ignored events); on error it holds what was read so far
 * (provider, ids) for the quarantine record. SEAM_INVAL without out.
 */
typedef seam_err_t (*seam_psp_normalize_fn)(const json_t *payload, const seam_psp_source_t *src,
					    seam_psp_event_t *out, seam_error_t *err);

/* The row for provider_type in rows[0..n), else NULL. */
const seam_psp_rule_t *seam_psp_rule_find(const seam_psp_rule_t *rows, size_t n,
					  const char *provider_type);
/* The row a reader uses: in src->rules when the caller gave its own, else in builtin. */
const seam_psp_rule_t *seam_psp_rule_pick(const seam_psp_source_t *src,
					  const seam_psp_rule_t *builtin, size_t nbuiltin,
					  const char *provider_type);

/* A currency where a provider's minor unit departs from ISO 4217. */
typedef struct seam_psp_exponent {
	const char *currency; /* ISO 4217, upper case */
	int exponent;
} seam_psp_exponent_t;

/* The provider's minor-unit exponent for a currency (upper case): its row in rows[0..n), else
 * ISO 4217's; -1 when unknown. */
int seam_psp_exponent(const seam_psp_exponent_t *rows, size_t n, const char *currency);

/* 1 for the canonical types that must carry an amount (authorized, captured, refunded). */
bool seam_psp_needs_amount(seam_payment_event_e type);

/* ---- for readers: each returns SEAM_OK or SEAM_PARSE with "<pfx>: <what> ..." on err ---- */

/* Starts a reading: *out zeroed, provider copied, type IGNORED, the store copied from src.
 * SEAM_INVAL without out; SEAM_PARSE when payload is not a JSON object or the store is too
 * long. */
seam_err_t seam_psp_event_start(seam_psp_event_t *out, const char *provider,
				const json_t *payload, const seam_psp_source_t *src,
				seam_error_t *err);
/* Ends one with the reader's result rc: an ignored event keeps only what identifies it.
 * Returns rc. */
seam_err_t seam_psp_event_finish(seam_psp_event_t *out, seam_err_t rc);
/* Marks the event ignored, the reason from fmt with one string argument. */
void seam_psp_event_ignore(seam_psp_event_t *out, const char *fmt, const char *arg);

/* Copies a string (NULL = "") into a field of cap bytes; longer is refused, not cut. */
seam_err_t seam_psp_copy(char *dst, size_t cap, const char *src, const char *pfx,
			 const char *what, seam_error_t *err);
/* The string member key of o, which must be there and not "", copied like seam_psp_copy. */
seam_err_t seam_psp_need_str(const json_t *o, const char *key, char *dst, size_t cap,
			     const char *pfx, const char *what, seam_error_t *err);
/* An integer amount in minor units, >= 0; *present false (and SEAM_OK) when v is absent or
 * null. */
seam_err_t seam_psp_read_minor(const json_t *v, const char *pfx, const char *what,
			       bool *present, int64_t *out, seam_error_t *err);
/* A currency code: three ASCII letters (Stripe sends lower case), known to ISO 4217, written
 * upper case. */
seam_err_t seam_psp_read_currency(const char *s, char out[4], const char *pfx, const char *what,
				  seam_error_t *err);
/* minor units at the provider's exponent -> the decimal at the currency's ISO exponent,
 * exactly (seam_psp_exponent gives exponent; -1 is an unknown currency). */
seam_err_t seam_psp_to_decimal(int64_t minor, int exponent, const char *currency,
			       char out[SEAM_MONEY_BUF], const char *pfx, const char *what,
			       seam_error_t *err);

/* The canonical event for seam_payment_resolve(): amounts in minor units at the ISO
 * exponent. out->event_id borrows pe->event_id (valid while pe is). SEAM_PARSE when an
 * amount does not parse (cannot happen for events a reader produced). */
seam_err_t seam_psp_event_to_payment(const seam_psp_event_t *pe, seam_payment_event_t *out,
				     seam_error_t *err);

#endif
