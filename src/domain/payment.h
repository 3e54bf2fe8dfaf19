/*
 * payment.h: Drupal Commerce's `payment_default` workflow as data, and the rules that turn a
 * payment provider's history (delivered late, twice and out of order) into forward-only moves
 * of one Drupal payment. Pure: no I/O, no allocation, no clock.
 *
 * The workflow (commerce_payment.workflows.yml, identical in Commerce 2.x and 3.x):
 *
 *   states: new, authorization, authorization_voided, authorization_expired, completed,
 *           partially_refunded, refunded
 *   authorize          [new]                           -> authorization
 *   authorize_capture  [new]                           -> completed
 *   capture            [authorization]                 -> completed
 *   void               [authorization]                 -> authorization_voided
 *   expire             [authorization]                 -> authorization_expired
 *   partially_refund   [completed]                     -> partially_refunded
 *   refund             [completed, partially_refunded] -> refunded
 *
 * There is no `failed` or `pending` state: Drupal does not store declined payments. A second
 * partial refund keeps the payment in partially_refunded and only raises refunded_amount
 * (Drupal's gateways set the state directly); the plan calls that step `refund_more`.
 *
 * == Resolving provider history ==
 *
 * A provider reports a payment as canonical events (psp_event.h normalises the webhooks):
 * authorized(amount), captured(amount), refunded(amount), voided, expired, failed,
 * cancel_or_refund (Adyen CANCEL_OR_REFUND without its modification.action) and ignored.
 * captured/refunded amounts are either `cumulative` (the provider's running total after the
 * event: Stripe's amount_received / amount_refunded) or incremental (this event's own amount:
 * Adyen's CAPTURE and REFUND). A refund may also carry the provider's captured total (Stripe's
 * charge.amount_captured).
 *
 * seam_payment_resolve() takes the Drupal payment as it is now (or "no payment yet"), every
 * event seen before for the same remote id (whatever their outcome) and one new event, and
 * returns a plan. It works on the whole history, not on the new event alone:
 *
 *   1. ignored -> none(ignored); an event id already in `seen` -> none(duplicate); an event in
 *      another currency than the payment -> record_only(currency_mismatch); failed ->
 *      record_only(no_failed_state) (payment_default cannot express it; the timeline does).
 *   2. The implied target T is the join of the Drupal payment and the history:
 *      - captured amount C = the largest of: the largest cumulative capture, the sum of the
 *        incremental captures, the largest captured total given by a refund; when no event
 *        gives one: the Drupal payment's amount, else the latest authorized amount.
 *      - refunded R = the largest of: the largest cumulative refund, the sum of the
 *        incremental refunds (each event id once), the Drupal refunded_amount, and C when a
 *        cancel_or_refund arrived for a captured payment (Adyen refunds it in full).
 *      - Money moved (a capture or refund event, or Drupal at completed or later): T is
 *        completed when R == 0, partially_refunded when 0 < R < C, refunded when R == C.
 *        A refund implies its capture: this is how a refund that overtakes its capture still
 *        lands on the right state. R > C -> record_only(refund_exceeds_capture).
 *      - Else a void/expiry (or a cancel_or_refund of an uncaptured payment) of something
 *        that was authorized (an authorized event or an existing Drupal payment): T is
 *        authorization_voided / authorization_expired. When both happened the one Drupal
 *        already shows wins, else the earlier provider time, ties to voided.
 *      - Else an authorization: T is authorization (amount: Drupal's, else the latest
 *        authorized amount by provider time).
 *   3. T decides:
 *      - T unknown because no amount is known yet (an incremental refund before anything
 *        else) -> record_only(awaiting_amount); nothing authorized yet (a void or failure of a
 *        payment nobody saw authorized, e.g. an abandoned Stripe PaymentIntent) ->
 *        record_only(nothing_to_store). Because `seen` keeps these events, the event that
 *        later supplies the missing fact gets the plan that includes their effect.
 *      - Drupal at completed or later with an amount other than C ->
 *        record_only(amount_conflict) (payment_default has one capture; reconcile by hand).
 *      - T equals the Drupal payment: the new event added nothing. none(already_applied) when
 *        it says what Drupal shows; record_only(late) when it is behind Drupal (authorized
 *        after completed, captured after refunded, a smaller cumulative refund);
 *        record_only(contradicts) when it cannot follow (voided after capture, expired after
 *        void); an authorized amount other than the authorization's -> amount_conflict.
 *      - Otherwise the shortest forward path through the transition table from Drupal's state
 *        (from `new` via a create step when there is no payment) to T, with the amounts each
 *        step leaves behind; no path (e.g. captured after authorization_voided, both terminal
 *        in Drupal) -> record_only(conflict). States never move backwards, a plan never holds
 *        two captures, and refunded_amount only grows.
 *
 * Current state x new event -> plan, for a payment of 100.00 with nothing else seen (the
 * unit tests check every cell). "cum 30" is a cumulative refund total of 30 carrying the
 * captured total 100 (as Stripe's charge.refunded does); "inc 30" an increment without it
 * (Adyen REFUND):
 *
 *   state \ event        | authorized(100)    | captured(100)       | refunded cum 30          | refunded cum 100      | voided / expired     | failed          | cancel_or_refund
 *   ---------------------+--------------------+---------------------+--------------------------+-----------------------+----------------------+-----------------+-----------------
 *   (no payment)         | create(authz,100)  | create(completed,   | create(completed,100)    | create(completed,100) | rec(nothing_to_      | rec(no_failed_  | rec(nothing_to_
 *                        |                    |   100)              |  -> partially_refund(30);|  -> refund(100)       |   store)             |   state)        |   store)
 *                        |                    |                     | inc 30: rec(awaiting_    |                       |                      |                 |
 *                        |                    |                     |  amount)                 |                       |                      |                 |
 *   new                  | authorize(100)     | authorize_capture   | authorize_capture ->     | authorize_capture ->  | authorize -> void /  | rec(no_failed_  | authorize -> void
 *                        |                    |                     |  partially_refund(30)    |  refund(100)          |  expire              |   state)        |
 *   authorization        | none(already) /    | capture(100)        | capture(100) ->          | capture(100) ->       | void / expire        | rec(no_failed_  | void
 *                        | rec(amount_confl.) |                     |  partially_refund(30)    |  refund(100)          |                      |   state)        |
 *   authorization_voided | rec(late)          | rec(conflict)       | rec(conflict)            | rec(conflict)         | none / rec(contra.)  | rec(no_failed_  | none(already)
 *   authorization_expired| rec(late)          | rec(conflict)       | rec(conflict)            | rec(conflict)         | rec(contra.) / none  | rec(no_failed_  | rec(contradicts)
 *   completed            | rec(late)          | none(already)       | partially_refund(30)     | refund(100)           | rec(contradicts)     | rec(no_failed_  | refund(100)
 *   partially_refunded 30| rec(late)          | rec(late)           | none(already)            | refund(100)           | rec(contradicts)     | rec(no_failed_  | refund(100)
 *   refunded             | rec(late)          | rec(late)           | rec(late)                | none(already)         | rec(contradicts)     | rec(no_failed_  | none(already)
 *
 *   plus: partially_refunded 30 + refunded cum 60 -> refund_more(60); completed + refunded
 *   cum 120 -> rec(refund_exceeds_capture); any state + a seen event id -> none(duplicate);
 *   ignored -> none(ignored).
 *
 * Invariants: amounts are int64 minor units at the currency's ISO 4217 exponent
 * (money.h), never floats; a plan has at most SEAM_PAYMENT_PLAN_MAX steps and each step is a
 * transition of the table (or create/refund_more as described), so applying it with
 * seam_payment_apply() never fails on a payment that has not changed in between.
 *
 * The caller (the payment-events flow) keeps every resolved event in `seen` for the remote id
 * and adds the new one after its plan has been carried out or recorded. A plan that was cut
 * short (crash after step one) is finished by resolving the same event again against the
 * payment as Drupal now shows it: the plan starts from the current state.
 *
 * Thread-safety: every function is pure and reentrant; the tables are read-only.
 * Ownership: nothing is allocated. Event ids are borrowed for the duration of a call.
 */
#ifndef SEAM_DOMAIN_PAYMENT_H
#define SEAM_DOMAIN_PAYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Enum suffix, Drupal machine name. The names are the contract (Drupal, timelines, JSON). */
#define SEAM_PAYMENT_STATES(X)                                                              \
	X(NEW, "new")                                                                       \
	X(AUTHORIZATION, "authorization")                                                   \
	X(AUTHORIZATION_VOIDED, "authorization_voided")                                     \
	X(AUTHORIZATION_EXPIRED, "authorization_expired")                                   \
	X(COMPLETED, "completed")                                                           \
	X(PARTIALLY_REFUNDED, "partially_refunded")                                         \
	X(REFUNDED, "refunded")

typedef enum seam_payment_state_e {
#define SEAM__PAYMENT_STATE_ENUM(id, name) SEAM_PAYMENT_##id,
	SEAM_PAYMENT_STATES(SEAM__PAYMENT_STATE_ENUM)
#undef SEAM__PAYMENT_STATE_ENUM
	SEAM_PAYMENT__STATE_COUNT
} seam_payment_state_e;

/* The bit of a state in a transition's from-set. */
#define SEAM_PAYMENT_BIT(id) (1u << SEAM_PAYMENT_##id)

/* Enum suffix, Drupal machine name, from-set (bits), target state. */
#define SEAM_PAYMENT_TRANSITIONS(X)                                                         \
	X(AUTHORIZE, "authorize", SEAM_PAYMENT_BIT(NEW), AUTHORIZATION)                     \
	X(VOID, "void", SEAM_PAYMENT_BIT(AUTHORIZATION), AUTHORIZATION_VOIDED)              \
	X(EXPIRE, "expire", SEAM_PAYMENT_BIT(AUTHORIZATION), AUTHORIZATION_EXPIRED)         \
	X(AUTHORIZE_CAPTURE, "authorize_capture", SEAM_PAYMENT_BIT(NEW), COMPLETED)         \
	X(CAPTURE, "capture", SEAM_PAYMENT_BIT(AUTHORIZATION), COMPLETED)                   \
	X(PARTIALLY_REFUND, "partially_refund", SEAM_PAYMENT_BIT(COMPLETED),                \
	  PARTIALLY_REFUNDED)                                                               \
	X(REFUND, "refund", SEAM_PAYMENT_BIT(COMPLETED) | SEAM_PAYMENT_BIT(PARTIALLY_REFUNDED), \
	  REFUNDED)

typedef enum seam_payment_transition_e {
#define SEAM__PAYMENT_TR_ENUM(id, name, from, to) SEAM_PAYMENT_TR_##id,
	SEAM_PAYMENT_TRANSITIONS(SEAM__PAYMENT_TR_ENUM)
#undef SEAM__PAYMENT_TR_ENUM
	SEAM_PAYMENT__TR_COUNT
} seam_payment_transition_e;

typedef struct seam_payment_transition {
	seam_payment_transition_e id;
	const char *name;
	unsigned from; /* SEAM_PAYMENT_BIT set */
	seam_payment_state_e to;
} seam_payment_transition_t;

/* Canonical provider events (see psp_event.h for how webhooks map onto them). */
#define SEAM_PAYMENT_EVENTS(X)                                                              \
	X(AUTHORIZED, "authorized")                                                         \
	X(CAPTURED, "captured")                                                             \
	X(REFUNDED, "refunded")                                                             \
	X(VOIDED, "voided")                                                                 \
	X(EXPIRED, "expired")                                                               \
	X(FAILED, "failed")                                                                 \
	X(CANCEL_OR_REFUND, "cancel_or_refund")                                             \
	X(IGNORED, "ignored")

typedef enum seam_payment_event_e {
#define SEAM__PAYMENT_EV_ENUM(id, name) SEAM_PAYMENT_EV_##id,
	SEAM_PAYMENT_EVENTS(SEAM__PAYMENT_EV_ENUM)
#undef SEAM__PAYMENT_EV_ENUM
	SEAM_PAYMENT__EV_COUNT
} seam_payment_event_e;

/* Why a resolution is none or record_only. Names are stable (timeline, metrics labels). */
#define SEAM_PAYMENT_REASONS(X)                                                             \
	X(OK, "ok")                                                                         \
	X(DUPLICATE, "duplicate")                                                           \
	X(IGNORED, "ignored")                                                               \
	X(ALREADY_APPLIED, "already_applied")                                               \
	X(LATE, "late")                                                                     \
	X(CONTRADICTS, "contradicts")                                                       \
	X(CONFLICT, "conflict")                                                             \
	X(REFUND_EXCEEDS, "refund_exceeds_capture")                                         \
	X(AMOUNT_CONFLICT, "amount_conflict")                                               \
	X(CURRENCY_MISMATCH, "currency_mismatch")                                           \
	X(NO_FAILED_STATE, "no_failed_state")                                               \
	X(NOTHING_TO_STORE, "nothing_to_store")                                             \
	X(AWAITING_AMOUNT, "awaiting_amount")

typedef enum seam_payment_reason_e {
#define SEAM__PAYMENT_WHY_ENUM(id, name) SEAM_PAYMENT_WHY_##id,
	SEAM_PAYMENT_REASONS(SEAM__PAYMENT_WHY_ENUM)
#undef SEAM__PAYMENT_WHY_ENUM
	SEAM_PAYMENT__WHY_COUNT
} seam_payment_reason_e;

typedef enum seam_payment_action_e {
	SEAM_PAYMENT_ACT_NONE = 0,    /* nothing to do, nothing worth a record: duplicate, implied */
	SEAM_PAYMENT_ACT_PLAN,        /* carry out steps[0..nsteps) in order */
	SEAM_PAYMENT_ACT_RECORD_ONLY, /* change nothing; write the reason on the timeline */
} seam_payment_action_e;

typedef enum seam_payment_step_kind_e {
	SEAM_PAYMENT_STEP_CREATE = 0, /* create the Drupal payment in `to` (via `transition`) */
	SEAM_PAYMENT_STEP_TRANSITION, /* apply `transition` to the existing payment */
	SEAM_PAYMENT_STEP_REFUND_MORE /* stay partially_refunded, raise refunded_amount */
} seam_payment_step_kind_e;

#define SEAM_PAYMENT_PLAN_MAX 3

typedef struct seam_payment_step {
	seam_payment_step_kind_e kind;
	/* CREATE: authorize or authorize_capture (the transition out of `new` the created state
	 * stands for); TRANSITION: the transition; REFUND_MORE: partially_refund. */
	seam_payment_transition_e transition;
	seam_payment_state_e to;
	int64_t amount;   /* the payment's amount after the step, minor units */
	int64_t refunded; /* its refunded_amount after the step, minor units */
} seam_payment_step_t;

/* A Drupal payment as seam sees it. exists == false: no payment for the remote id yet (the
 * other fields are then ignored). */
typedef struct seam_payment {
	bool exists;
	seam_payment_state_e state;
	char currency[4]; /* ISO 4217 upper case */
	int64_t amount;   /* minor units */
	int64_t refunded; /* minor units, 0 <= refunded <= amount */
} seam_payment_t;

/* One canonical provider event for one payment. */
typedef struct seam_payment_event {
	seam_payment_event_e type;
	const char *event_id; /* provider event id, non-empty; the dedupe key; borrowed */
	int64_t at_ms;        /* provider time (ms since epoch), 0 when unknown */
	char currency[4];     /* "" when the event carries no amount */
	int64_t amount;       /* minor units, -1 when not given (required for refunded) */
	bool cumulative;      /* captured/refunded: amount is the running total after the event */
	int64_t captured_total; /* refunded: the provider's captured amount, -1 when unknown */
} seam_payment_event_t;

typedef struct seam_payment_plan {
	seam_payment_action_e action;
	seam_payment_reason_e reason; /* OK for a plan */
	char detail[192];             /* one human line: why, with the amounts involved */
	size_t nsteps;
	seam_payment_step_t steps[SEAM_PAYMENT_PLAN_MAX];
	seam_payment_t result; /* the payment after the plan (the input one for none/record) */
} seam_payment_plan_t;

/* Stable names ("authorization", "partially_refund", "cancel_or_refund", "refund_exceeds_capture",
 * "record_only", "refund_more"); "?" for an out-of-range value. */
const char *seam_payment_state_name(seam_payment_state_e s);
const char *seam_payment_transition_name(seam_payment_transition_e t);
const char *seam_payment_event_name(seam_payment_event_e e);
const char *seam_payment_reason_name(seam_payment_reason_e r);
const char *seam_payment_action_name(seam_payment_action_e a);
const char *seam_payment_step_kind_name(seam_payment_step_kind_e k);

/* Name -> enum. Return 0, or -1 for an unknown name (NULL included). */
int seam_payment_state_parse(const char *name, seam_payment_state_e *out);
int seam_payment_transition_parse(const char *name, seam_payment_transition_e *out);
int seam_payment_event_parse(const char *name, seam_payment_event_e *out);

/* The table row of `transition` when it may be applied in state `from`, else NULL. */
const seam_payment_transition_t *seam_payment_transition_find(seam_payment_state_e from,
							      seam_payment_transition_e transition);
bool seam_payment_can(seam_payment_state_e from, seam_payment_transition_e transition);
/* The transition that leads from `from` to `to` in one step (state_machine's findTransition),
 * else NULL. */
const seam_payment_transition_t *seam_payment_transition_between(seam_payment_state_e from,
								 seam_payment_state_e to);
/* true when `to` can be reached from `from` by one or more transitions. */
bool seam_payment_is_forward(seam_payment_state_e from, seam_payment_state_e to);
/* true for the states in which Drupal's Payment::isCompleted() holds (the `completed`
 * timestamp is set): completed, partially_refunded, refunded. These count toward total_paid. */
bool seam_payment_is_completed(seam_payment_state_e s);

/* Builds a payment from Drupal's JSON:API attributes: state name, amount.number,
 * refunded_amount.number (NULL = "0"), currency_code. Numbers are exact decimals with no
 * more fraction digits than the currency allows ("39.98", "39.980000", "0"). SEAM_PARSE for
 * an unknown state or currency, a malformed number or refunded > amount. */
seam_err_t seam_payment_from_drupal(const char *state, const char *amount, const char *refunded,
				    const char *currency, seam_payment_t *out, seam_error_t *err);

/* Resolves one new event against the Drupal payment and the events seen before (see above).
 * current: NULL or !exists for "no payment yet". seen may be NULL when nseen is 0.
 * SEAM_INVAL for arguments no caller should build (NULL event, empty event id, amounts below
 * -1, a refund without amount, refunded > amount, an out-of-range enum); every input-driven
 * outcome is a plan. */
seam_err_t seam_payment_resolve(const seam_payment_t *current, const seam_payment_event_t *seen,
				size_t nseen, const seam_payment_event_t *ev,
				seam_payment_plan_t *out, seam_error_t *err);

/* Applies one plan step to p (what Drupal did when the step succeeded). SEAM_CONFLICT when
 * the step does not fit p (wrong state, a create on an existing payment, refunded going
 * down or above amount): the payment changed since the plan was made; resolve again. */
seam_err_t seam_payment_apply(seam_payment_t *p, const seam_payment_step_t *step,
			      seam_error_t *err);

/* One line for logs and timelines, amounts in `currency`:
 * "create(completed, 39.98) -> refund(39.98)", "none: duplicate", "record_only: late".
 * Returns buf (truncated to len). */
char *seam_payment_plan_format(const seam_payment_plan_t *plan, const char *currency, char *buf,
			       size_t len);

#endif
