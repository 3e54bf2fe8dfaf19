/*
 * order.h: Drupal Commerce's four order workflows as data, and how Drupal decides that an
 * order is paid. Pure: no I/O, no allocation.
 *
 * Workflows (commerce_order.workflows.yml, identical in Commerce 2.x and 3.x):
 *
 *   order_default                 place [draft] -> completed
 *                                 cancel [draft] -> canceled
 *   order_default_validation      place [draft] -> validation
 *                                 validate [validation] -> completed
 *                                 cancel [draft, validation] -> canceled
 *   order_fulfillment             place [draft] -> fulfillment
 *                                 fulfill [fulfillment] -> completed
 *                                 cancel [draft, fulfillment] -> canceled
 *   order_fulfillment_validation  place [draft] -> validation
 *                                 validate [validation] -> fulfillment
 *                                 fulfill [fulfillment] -> completed
 *                                 cancel [draft, validation, fulfillment] -> canceled
 *
 * completed and canceled are terminal: nothing leaves them, so no event can move an order
 * backwards (Drupal answers such a PATCH with 422 "The state 'draft' is invalid.").
 *
 * Paid (Commerce 3.x Order::isPaid(), PaymentOrderUpdater):
 *   total_paid = sum over the order's payments whose `completed` timestamp is set
 *                (Payment::isCompleted(): completed, partially_refunded, refunded) of
 *                amount - refunded_amount. Authorizations and pending manual payments do not
 *                count; refunds lower it.
 *   paid       = no total -> false; total zero -> state not in {draft, canceled};
 *                otherwise total_price - total_paid <= 0.
 * Money is exact (money.h decimals); amounts in different currencies are an error, as they
 * are in Drupal (CurrencyMismatchException).
 *
 * Thread-safety: pure functions over read-only tables. Ownership: nothing is allocated;
 * strings passed in are borrowed for the call.
 */
#ifndef SEAM_DOMAIN_ORDER_H
#define SEAM_DOMAIN_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "domain/money.h"

#define SEAM_ORDER_WORKFLOWS(X)                                                             \
	X(DEFAULT, "order_default")                                                         \
	X(DEFAULT_VALIDATION, "order_default_validation")                                   \
	X(FULFILLMENT, "order_fulfillment")                                                 \
	X(FULFILLMENT_VALIDATION, "order_fulfillment_validation")

typedef enum seam_order_workflow_e {
#define SEAM__ORDER_WF_ENUM(id, name) SEAM_ORDER_WF_##id,
	SEAM_ORDER_WORKFLOWS(SEAM__ORDER_WF_ENUM)
#undef SEAM__ORDER_WF_ENUM
	SEAM_ORDER__WF_COUNT
} seam_order_workflow_e;

#define SEAM_ORDER_STATES(X)                                                                \
	X(DRAFT, "draft")                                                                   \
	X(VALIDATION, "validation")                                                         \
	X(FULFILLMENT, "fulfillment")                                                       \
	X(COMPLETED, "completed")                                                           \
	X(CANCELED, "canceled")

typedef enum seam_order_state_e {
#define SEAM__ORDER_STATE_ENUM(id, name) SEAM_ORDER_##id,
	SEAM_ORDER_STATES(SEAM__ORDER_STATE_ENUM)
#undef SEAM__ORDER_STATE_ENUM
	SEAM_ORDER__STATE_COUNT
} seam_order_state_e;

#define SEAM_ORDER_TRANSITION_NAMES(X)                                                      \
	X(PLACE, "place")                                                                   \
	X(VALIDATE, "validate")                                                             \
	X(FULFILL, "fulfill")                                                               \
	X(CANCEL, "cancel")

typedef enum seam_order_transition_e {
#define SEAM__ORDER_TR_ENUM(id, name) SEAM_ORDER_TR_##id,
	SEAM_ORDER_TRANSITION_NAMES(SEAM__ORDER_TR_ENUM)
#undef SEAM__ORDER_TR_ENUM
	SEAM_ORDER__TR_COUNT
} seam_order_transition_e;

#define SEAM_ORDER_BIT(id) (1u << SEAM_ORDER_##id)

/* Workflow, transition, from-set (bits), target. One row per (workflow, transition). */
#define SEAM_ORDER_TRANSITIONS(X)                                                           \
	X(DEFAULT, PLACE, SEAM_ORDER_BIT(DRAFT), COMPLETED)                                 \
	X(DEFAULT, CANCEL, SEAM_ORDER_BIT(DRAFT), CANCELED)                                 \
	X(DEFAULT_VALIDATION, PLACE, SEAM_ORDER_BIT(DRAFT), VALIDATION)                     \
	X(DEFAULT_VALIDATION, VALIDATE, SEAM_ORDER_BIT(VALIDATION), COMPLETED)              \
	X(DEFAULT_VALIDATION, CANCEL, SEAM_ORDER_BIT(DRAFT) | SEAM_ORDER_BIT(VALIDATION),   \
	  CANCELED)                                                                         \
	X(FULFILLMENT, PLACE, SEAM_ORDER_BIT(DRAFT), FULFILLMENT)                           \
	X(FULFILLMENT, FULFILL, SEAM_ORDER_BIT(FULFILLMENT), COMPLETED)                     \
	X(FULFILLMENT, CANCEL, SEAM_ORDER_BIT(DRAFT) | SEAM_ORDER_BIT(FULFILLMENT), CANCELED) \
	X(FULFILLMENT_VALIDATION, PLACE, SEAM_ORDER_BIT(DRAFT), VALIDATION)                 \
	X(FULFILLMENT_VALIDATION, VALIDATE, SEAM_ORDER_BIT(VALIDATION), FULFILLMENT)        \
	X(FULFILLMENT_VALIDATION, FULFILL, SEAM_ORDER_BIT(FULFILLMENT), COMPLETED)          \
	X(FULFILLMENT_VALIDATION, CANCEL,                                                   \
	  SEAM_ORDER_BIT(DRAFT) | SEAM_ORDER_BIT(VALIDATION) | SEAM_ORDER_BIT(FULFILLMENT), \
	  CANCELED)

typedef struct seam_order_transition {
	seam_order_workflow_e workflow;
	seam_order_transition_e id;
	unsigned from; /* SEAM_ORDER_BIT set */
	seam_order_state_e to;
} seam_order_transition_t;

/* Stable names ("order_fulfillment", "validation", "fulfill"); "?" when out of range. */
const char *seam_order_workflow_name(seam_order_workflow_e wf);
const char *seam_order_state_name(seam_order_state_e s);
const char *seam_order_transition_name(seam_order_transition_e t);
/* Name -> enum: 0, or -1 for an unknown name (NULL included). */
int seam_order_workflow_parse(const char *name, seam_order_workflow_e *out);
int seam_order_state_parse(const char *name, seam_order_state_e *out);
int seam_order_transition_parse(const char *name, seam_order_transition_e *out);

/* true when the workflow has the state (order_default has no validation or fulfillment). */
bool seam_order_has_state(seam_order_workflow_e wf, seam_order_state_e s);
/* The row of `transition` in `wf` when it may be applied in `from`, else NULL. */
const seam_order_transition_t *seam_order_transition_find(seam_order_workflow_e wf,
							  seam_order_state_e from,
							  seam_order_transition_e transition);
bool seam_order_can(seam_order_workflow_e wf, seam_order_state_e from,
		    seam_order_transition_e transition);
/* The one transition from -> to (state_machine's findTransition, what a PATCH of `state`
 * applies), else NULL. */
const seam_order_transition_t *seam_order_transition_between(seam_order_workflow_e wf,
							     seam_order_state_e from,
							     seam_order_state_e to);
/* true when `to` is reached from `from` by one or more transitions of wf. false for
 * from == to, for anything out of completed or canceled, and for states wf does not have. */
bool seam_order_is_forward(seam_order_workflow_e wf, seam_order_state_e from,
			   seam_order_state_e to);
/* The shortest transition path from -> to in wf: writes up to max transitions and returns
 * their number (0 when from == to), or -1 when `to` is not ahead of `from`. For aligning an
 * order that must go several steps (draft -> completed in order_fulfillment_validation is
 * place, validate, fulfill). */
int seam_order_path(seam_order_workflow_e wf, seam_order_state_e from, seam_order_state_e to,
		    seam_order_transition_e *path, int max);

/* A price as Drupal's commerce_price field holds it: a decimal string and a currency code. */
typedef struct seam_price {
	const char *number;        /* "39.98", "0", "39.980000" */
	const char *currency_code; /* "USD" */
} seam_price_t;

/* A payment as total_paid sees it. */
typedef struct seam_order_payment {
	seam_price_t amount;
	seam_price_t refunded_amount; /* number NULL = 0 */
	bool completed;               /* Drupal's `completed` timestamp is set (isCompleted()) */
} seam_order_payment_t;

/* total_paid of an order in `currency` (exactly Drupal's sum, see above) into *out; zero
 * (scale 0) when no payment counts. SEAM_PARSE for a malformed number of a counted payment,
 * SEAM_INVAL for a counted payment in another currency (Drupal's Price::add would throw),
 * SEAM_TOOBIG on overflow. Payments that do not count are not looked at. */
seam_err_t seam_order_total_paid(const seam_order_payment_t *payments, size_t n,
				 const char *currency, seam_money_dec_t *out, seam_error_t *err);

/* Order::isPaid(). total_price.number NULL (or total_price NULL) = no total; total_paid NULL
 * or its number NULL = zero. SEAM_INVAL when the currencies differ, SEAM_PARSE for a
 * malformed number. */
seam_err_t seam_order_paid(const seam_price_t *total_price, const seam_price_t *total_paid,
			   seam_order_state_e state, bool *paid, seam_error_t *err);

#endif
