/* test_payment.c: the payment_default table, every cell of the state x event table in
 * payment.h, out-of-order and duplicate delivery (all orders of a payment's history converge),
 * amounts in JPY/KWD/USD, applying plans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/money.h"
#include "domain/payment.h"
#include "tests/support/th_assert.h"

#define NONE_P ((seam_payment_t){0})

static seam_payment_t P(seam_payment_state_e s, int64_t amount, int64_t refunded)
{
	seam_payment_t p = {.exists = true, .state = s, .amount = amount, .refunded = refunded};
	memcpy(p.currency, "USD", 4);
	return p;
}

static seam_payment_event_t E(seam_payment_event_e t, const char *id, int64_t amount,
			      bool cumulative, int64_t captured_total)
{
	seam_payment_event_t e = {.type = t, .event_id = id, .amount = amount,
				  .cumulative = cumulative, .captured_total = captured_total};
	if (amount >= 0 || captured_total >= 0)
		memcpy(e.currency, "USD", 4);
	return e;
}

/* Events of a 100.00 USD payment. */
#define AUTH E(SEAM_PAYMENT_EV_AUTHORIZED, "auth", 10000, false, -1)
#define CAPT E(SEAM_PAYMENT_EV_CAPTURED, "capt", 10000, true, -1)
#define CUM30 E(SEAM_PAYMENT_EV_REFUNDED, "r30", 3000, true, 10000)
#define CUM60 E(SEAM_PAYMENT_EV_REFUNDED, "r60", 6000, true, 10000)
#define CUM100 E(SEAM_PAYMENT_EV_REFUNDED, "r100", 10000, true, 10000)
#define INC30 E(SEAM_PAYMENT_EV_REFUNDED, "i30", 3000, false, -1)
#define VOID E(SEAM_PAYMENT_EV_VOIDED, "void", -1, false, -1)
#define EXPI E(SEAM_PAYMENT_EV_EXPIRED, "expire", -1, false, -1)
#define FAIL E(SEAM_PAYMENT_EV_FAILED, "fail", -1, false, -1)
#define COR E(SEAM_PAYMENT_EV_CANCEL_OR_REFUND, "cor", 10000, false, -1)
#define IGN E(SEAM_PAYMENT_EV_IGNORED, "ign", -1, false, -1)

/* Resolves and formats the plan (USD); the buffer is reused by the next call. */
static const char *run(seam_payment_t p, const seam_payment_event_t *seen, size_t nseen,
		       seam_payment_event_t ev)
{
	static char buf[256];
	seam_payment_plan_t plan;
	seam_error_t err = {0};
	seam_err_t rc = seam_payment_resolve(&p, seen, nseen, &ev, &plan, &err);
	if (rc != SEAM_OK) {
		snprintf(buf, sizeof buf, "error %s: %s", seam_errname(rc), err.msg);
		return buf;
	}
	/* The plan's result is what applying its steps gives, and a none/record leaves it. */
	seam_payment_t q = p;
	for (size_t i = 0; i < plan.nsteps; i++)
		assert_int_equal(seam_payment_apply(&q, &plan.steps[i], NULL), SEAM_OK);
	if (plan.action == SEAM_PAYMENT_ACT_PLAN) {
		TH_ASSERT_CMP(plan.nsteps, >=, 1);
		TH_ASSERT_CMP(plan.nsteps, <=, SEAM_PAYMENT_PLAN_MAX);
		assert_int_equal(q.state, plan.result.state);
		assert_int_equal(q.amount, plan.result.amount);
		assert_int_equal(q.refunded, plan.result.refunded);
	} else {
		assert_int_equal(plan.nsteps, 0);
		assert_int_not_equal(plan.detail[0], '\0');
	}
	return seam_payment_plan_format(&plan, "USD", buf, sizeof buf);
}

#define CHECK(p, ev, want) assert_string_equal(run(p, NULL, 0, ev), want)

static void test_workflow_table(void **state)
{
	(void)state;
	/* Every (state, transition) pair against the YAML of commerce_payment. */
	static const char *allowed[] = {
		"new:authorize", "new:authorize_capture", "authorization:void",
		"authorization:expire", "authorization:capture", "completed:partially_refund",
		"completed:refund", "partially_refunded:refund",
	};
	int nallowed = 0;
	for (int s = 0; s < SEAM_PAYMENT__STATE_COUNT; s++) {
		for (int t = 0; t < SEAM_PAYMENT__TR_COUNT; t++) {
			char key[64];
			bool want = false;
			snprintf(key, sizeof key, "%s:%s", seam_payment_state_name(s),
				 seam_payment_transition_name(t));
			for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
				want |= strcmp(allowed[i], key) == 0;
			if (seam_payment_can(s, t) != want)
				fail_msg("%s: can() is %d, want %d", key, !want, want);
			nallowed += want;
		}
	}
	assert_int_equal(nallowed, 8);
	const seam_payment_transition_t *t =
		seam_payment_transition_find(SEAM_PAYMENT_PARTIALLY_REFUNDED, SEAM_PAYMENT_TR_REFUND);
	assert_non_null(t);
	assert_string_equal(t->name, "refund");
	assert_int_equal(t->to, SEAM_PAYMENT_REFUNDED);
	assert_null(seam_payment_transition_find(SEAM_PAYMENT_PARTIALLY_REFUNDED,
						 SEAM_PAYMENT_TR_PARTIALLY_REFUND));
	assert_null(seam_payment_transition_find(SEAM_PAYMENT__STATE_COUNT, SEAM_PAYMENT_TR_REFUND));
	assert_null(seam_payment_transition_find(SEAM_PAYMENT_NEW, SEAM_PAYMENT__TR_COUNT));

	/* findTransition */
	t = seam_payment_transition_between(SEAM_PAYMENT_NEW, SEAM_PAYMENT_COMPLETED);
	assert_non_null(t);
	assert_string_equal(t->name, "authorize_capture");
	assert_null(seam_payment_transition_between(SEAM_PAYMENT_NEW, SEAM_PAYMENT_REFUNDED));
	assert_null(seam_payment_transition_between(SEAM_PAYMENT_REFUNDED, SEAM_PAYMENT_COMPLETED));

	/* Forward reachability: nothing leaves the terminal states, nothing goes back. */
	assert_true(seam_payment_is_forward(SEAM_PAYMENT_NEW, SEAM_PAYMENT_REFUNDED));
	assert_true(seam_payment_is_forward(SEAM_PAYMENT_AUTHORIZATION, SEAM_PAYMENT_PARTIALLY_REFUNDED));
	assert_false(seam_payment_is_forward(SEAM_PAYMENT_COMPLETED, SEAM_PAYMENT_AUTHORIZATION));
	assert_false(seam_payment_is_forward(SEAM_PAYMENT_REFUNDED, SEAM_PAYMENT_PARTIALLY_REFUNDED));
	assert_false(seam_payment_is_forward(SEAM_PAYMENT_COMPLETED, SEAM_PAYMENT_COMPLETED));
	assert_false(seam_payment_is_forward(SEAM_PAYMENT_AUTHORIZATION_VOIDED, SEAM_PAYMENT_COMPLETED));
	assert_false(seam_payment_is_forward(SEAM_PAYMENT_AUTHORIZATION_EXPIRED,
					     SEAM_PAYMENT_AUTHORIZATION_VOIDED));
	for (int s = 0; s < SEAM_PAYMENT__STATE_COUNT; s++)
		assert_false(seam_payment_is_forward(SEAM_PAYMENT_REFUNDED, s));

	assert_true(seam_payment_is_completed(SEAM_PAYMENT_REFUNDED));
	assert_true(seam_payment_is_completed(SEAM_PAYMENT_PARTIALLY_REFUNDED));
	assert_false(seam_payment_is_completed(SEAM_PAYMENT_AUTHORIZATION));
	assert_false(seam_payment_is_completed(SEAM_PAYMENT_AUTHORIZATION_VOIDED));
}

static void test_names(void **state)
{
	(void)state;
	static const char *states[] = {"new", "authorization", "authorization_voided",
				       "authorization_expired", "completed", "partially_refunded",
				       "refunded"};
	assert_int_equal(SEAM_PAYMENT__STATE_COUNT, 7);
	for (int i = 0; i < SEAM_PAYMENT__STATE_COUNT; i++) {
		seam_payment_state_e s;
		assert_string_equal(seam_payment_state_name(i), states[i]);
		assert_int_equal(seam_payment_state_parse(states[i], &s), 0);
		assert_int_equal(s, i);
	}
	for (int i = 0; i < SEAM_PAYMENT__TR_COUNT; i++) {
		seam_payment_transition_e t;
		assert_int_equal(seam_payment_transition_parse(seam_payment_transition_name(i), &t), 0);
		assert_int_equal(t, i);
	}
	for (int i = 0; i < SEAM_PAYMENT__EV_COUNT; i++) {
		seam_payment_event_e e;
		assert_int_equal(seam_payment_event_parse(seam_payment_event_name(i), &e), 0);
		assert_int_equal(e, i);
	}
	seam_payment_state_e s;
	assert_int_equal(seam_payment_state_parse("pending", &s), -1);
	assert_int_equal(seam_payment_state_parse(NULL, &s), -1);
	assert_string_equal(seam_payment_state_name(SEAM_PAYMENT__STATE_COUNT), "?");
	assert_string_equal(seam_payment_transition_name(SEAM_PAYMENT_TR_AUTHORIZE_CAPTURE),
			    "authorize_capture");
	assert_string_equal(seam_payment_event_name(SEAM_PAYMENT_EV_CANCEL_OR_REFUND),
			    "cancel_or_refund");
	assert_string_equal(seam_payment_reason_name(SEAM_PAYMENT_WHY_REFUND_EXCEEDS),
			    "refund_exceeds_capture");
	assert_string_equal(seam_payment_action_name(SEAM_PAYMENT_ACT_RECORD_ONLY), "record_only");
	assert_string_equal(seam_payment_step_kind_name(SEAM_PAYMENT_STEP_REFUND_MORE), "refund_more");
}

/* The table in payment.h, row by row. */
static void test_row_no_payment(void **state)
{
	(void)state;
	seam_payment_t n = NONE_P;
	CHECK(n, AUTH, "create(authorization, 100.00)");
	CHECK(n, CAPT, "create(completed, 100.00)");
	CHECK(n, CUM30, "create(completed, 100.00) -> partially_refund(30.00)");
	CHECK(n, CUM100, "create(completed, 100.00) -> refund(100.00)");
	CHECK(n, INC30, "record_only: awaiting_amount");
	CHECK(n, VOID, "record_only: nothing_to_store");
	CHECK(n, EXPI, "record_only: nothing_to_store");
	CHECK(n, FAIL, "record_only: no_failed_state");
	CHECK(n, COR, "record_only: nothing_to_store");
	CHECK(n, IGN, "none: ignored");
	/* A cumulative refund without the captured total cannot know the amount either. */
	CHECK(n, E(SEAM_PAYMENT_EV_REFUNDED, "x", 3000, true, -1), "record_only: awaiting_amount");

	/* The create step is authorize_capture / authorize, as Drupal's workflow has it. */
	seam_payment_plan_t plan;
	seam_payment_event_t ev = CUM30;
	assert_int_equal(seam_payment_resolve(NULL, NULL, 0, &ev, &plan, NULL), SEAM_OK);
	assert_int_equal(plan.action, SEAM_PAYMENT_ACT_PLAN);
	assert_int_equal(plan.nsteps, 2);
	assert_int_equal(plan.steps[0].kind, SEAM_PAYMENT_STEP_CREATE);
	assert_int_equal(plan.steps[0].transition, SEAM_PAYMENT_TR_AUTHORIZE_CAPTURE);
	assert_int_equal(plan.steps[0].to, SEAM_PAYMENT_COMPLETED);
	assert_int_equal(plan.steps[0].amount, 10000);
	assert_int_equal(plan.steps[0].refunded, 0);
	assert_int_equal(plan.steps[1].kind, SEAM_PAYMENT_STEP_TRANSITION);
	assert_int_equal(plan.steps[1].transition, SEAM_PAYMENT_TR_PARTIALLY_REFUND);
	assert_int_equal(plan.steps[1].refunded, 3000);
	assert_string_equal(plan.result.currency, "USD");
	assert_string_equal(plan.detail, "refunded implies partially_refunded (amount 100.00, refunded 30.00)");
}

static void test_row_new(void **state)
{
	(void)state;
	seam_payment_t p = P(SEAM_PAYMENT_NEW, 10000, 0);
	CHECK(p, AUTH, "authorize(100.00)");
	CHECK(p, CAPT, "authorize_capture(100.00)");
	CHECK(p, CUM30, "authorize_capture(100.00) -> partially_refund(30.00)");
	CHECK(p, CUM100, "authorize_capture(100.00) -> refund(100.00)");
	CHECK(p, INC30, "authorize_capture(100.00) -> partially_refund(30.00)");
	CHECK(p, VOID, "authorize(100.00) -> void");
	CHECK(p, EXPI, "authorize(100.00) -> expire");
	CHECK(p, FAIL, "record_only: no_failed_state");
	CHECK(p, COR, "authorize(100.00) -> void");
	CHECK(p, IGN, "none: ignored");
}

static void test_row_authorization(void **state)
{
	(void)state;
	seam_payment_t p = P(SEAM_PAYMENT_AUTHORIZATION, 10000, 0);
	CHECK(p, AUTH, "none: already_applied");
	CHECK(p, E(SEAM_PAYMENT_EV_AUTHORIZED, "adj", 12000, false, -1), "record_only: amount_conflict");
	CHECK(p, CAPT, "capture(100.00)");
	CHECK(p, CUM30, "capture(100.00) -> partially_refund(30.00)");
	CHECK(p, CUM100, "capture(100.00) -> refund(100.00)");
	/* A refund before its capture: the capture is implied (from Drupal's amount). */
	CHECK(p, INC30, "capture(100.00) -> partially_refund(30.00)");
	CHECK(p, VOID, "void");
	CHECK(p, EXPI, "expire");
	CHECK(p, FAIL, "record_only: no_failed_state");
	CHECK(p, COR, "void");
	CHECK(p, IGN, "none: ignored");
	/* A partial capture sets the amount (Drupal's capturePayment with a price). */
	CHECK(p, E(SEAM_PAYMENT_EV_CAPTURED, "c80", 8000, true, -1), "capture(80.00)");
	/* A refund that states the captured total captures that much first. */
	CHECK(p, E(SEAM_PAYMENT_EV_REFUNDED, "r80", 8000, true, 8000), "capture(80.00) -> refund(80.00)");
}

static void test_row_voided_expired(void **state)
{
	(void)state;
	seam_payment_t v = P(SEAM_PAYMENT_AUTHORIZATION_VOIDED, 10000, 0);
	CHECK(v, AUTH, "record_only: late");
	CHECK(v, CAPT, "record_only: conflict");
	CHECK(v, CUM30, "record_only: conflict");
	CHECK(v, CUM100, "record_only: conflict");
	CHECK(v, INC30, "record_only: conflict");
	CHECK(v, VOID, "none: already_applied");
	CHECK(v, EXPI, "record_only: contradicts");
	CHECK(v, FAIL, "record_only: no_failed_state");
	CHECK(v, COR, "none: already_applied");
	CHECK(v, IGN, "none: ignored");

	seam_payment_t x = P(SEAM_PAYMENT_AUTHORIZATION_EXPIRED, 10000, 0);
	CHECK(x, AUTH, "record_only: late");
	CHECK(x, CAPT, "record_only: conflict");
	CHECK(x, CUM30, "record_only: conflict");
	CHECK(x, CUM100, "record_only: conflict");
	CHECK(x, VOID, "record_only: contradicts");
	CHECK(x, EXPI, "none: already_applied");
	CHECK(x, FAIL, "record_only: no_failed_state");
	CHECK(x, COR, "record_only: contradicts");
}

static void test_row_completed(void **state)
{
	(void)state;
	seam_payment_t p = P(SEAM_PAYMENT_COMPLETED, 10000, 0);
	CHECK(p, AUTH, "record_only: late");
	CHECK(p, CAPT, "none: already_applied");
	CHECK(p, CUM30, "partially_refund(30.00)");
	CHECK(p, CUM100, "refund(100.00)");
	CHECK(p, INC30, "partially_refund(30.00)");
	CHECK(p, VOID, "record_only: contradicts");
	CHECK(p, EXPI, "record_only: contradicts");
	CHECK(p, FAIL, "record_only: no_failed_state");
	CHECK(p, COR, "refund(100.00)");
	CHECK(p, IGN, "none: ignored");
	/* Refund beyond the captured amount; capture amount other than Drupal's. */
	CHECK(p, E(SEAM_PAYMENT_EV_REFUNDED, "r120", 12000, true, -1),
	      "record_only: refund_exceeds_capture");
	CHECK(p, E(SEAM_PAYMENT_EV_REFUNDED, "i120", 12000, false, -1),
	      "record_only: refund_exceeds_capture");
	CHECK(p, E(SEAM_PAYMENT_EV_CAPTURED, "c80", 8000, true, -1), "record_only: amount_conflict");
	CHECK(p, E(SEAM_PAYMENT_EV_REFUNDED, "r", 1000, true, 8000), "record_only: amount_conflict");

	seam_payment_plan_t plan;
	seam_payment_event_t ev = E(SEAM_PAYMENT_EV_REFUNDED, "r120", 12000, true, -1);
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &ev, &plan, NULL), SEAM_OK);
	assert_string_equal(plan.detail, "refunds total 120.00 but only 100.00 was captured");
	assert_int_equal(plan.result.state, SEAM_PAYMENT_COMPLETED);
	ev = (seam_payment_event_t)VOID;
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &ev, &plan, NULL), SEAM_OK);
	assert_string_equal(plan.detail,
			    "voided cannot follow completed: no transition leads from completed to "
			    "authorization_voided");
	ev = (seam_payment_event_t)AUTH;
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &ev, &plan, NULL), SEAM_OK);
	assert_string_equal(plan.detail, "late authorized: payment is already completed "
					 "(completed -> authorization would move backwards)");
}

static void test_row_refunded(void **state)
{
	(void)state;
	seam_payment_t p = P(SEAM_PAYMENT_PARTIALLY_REFUNDED, 10000, 3000);
	CHECK(p, AUTH, "record_only: late");
	CHECK(p, CAPT, "record_only: late");
	CHECK(p, CUM30, "none: already_applied");
	CHECK(p, CUM60, "refund_more(60.00)");
	CHECK(p, CUM100, "refund(100.00)");
	CHECK(p, E(SEAM_PAYMENT_EV_REFUNDED, "r10", 1000, true, 10000), "record_only: late");
	CHECK(p, INC30, "none: already_applied");
	CHECK(p, VOID, "record_only: contradicts");
	CHECK(p, EXPI, "record_only: contradicts");
	CHECK(p, FAIL, "record_only: no_failed_state");
	CHECK(p, COR, "refund(100.00)");

	seam_payment_t r = P(SEAM_PAYMENT_REFUNDED, 10000, 10000);
	CHECK(r, AUTH, "record_only: late");
	CHECK(r, CAPT, "record_only: late"); /* a success after the refund */
	CHECK(r, CUM30, "record_only: late");
	CHECK(r, CUM100, "none: already_applied");
	CHECK(r, INC30, "none: already_applied");
	CHECK(r, VOID, "record_only: contradicts");
	CHECK(r, EXPI, "record_only: contradicts");
	CHECK(r, FAIL, "record_only: no_failed_state");
	CHECK(r, COR, "none: already_applied");
	/* Incremental refunds count as the larger of their sum and Drupal's refunded_amount
	 * (a refund made in Drupal is then notified): a lone small one is taken as included;
	 * the sum of the history beyond the capture is not. */
	CHECK(r, E(SEAM_PAYMENT_EV_REFUNDED, "i1", 1, false, -1), "none: already_applied");
	seam_payment_event_t inc100[] = {E(SEAM_PAYMENT_EV_REFUNDED, "i100", 10000, false, -1)};
	assert_string_equal(run(r, inc100, 1, E(SEAM_PAYMENT_EV_REFUNDED, "i1", 1, false, -1)),
			    "record_only: refund_exceeds_capture");
}

static void test_duplicates(void **state)
{
	(void)state;
	seam_payment_event_t seen[] = {AUTH, CAPT, CUM30};
	seam_payment_t states[] = {NONE_P, P(SEAM_PAYMENT_AUTHORIZATION, 10000, 0),
				   P(SEAM_PAYMENT_COMPLETED, 10000, 0),
				   P(SEAM_PAYMENT_PARTIALLY_REFUNDED, 10000, 3000),
				   P(SEAM_PAYMENT_REFUNDED, 10000, 10000)};
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		for (size_t j = 0; j < 3; j++)
			assert_string_equal(run(states[i], seen, 3, seen[j]), "none: duplicate");
	}
	/* A duplicate success after the refund; the same capture reported by a second event
	 * (Stripe's payment_intent.succeeded and charge.captured) is already applied. */
	seam_payment_t r = P(SEAM_PAYMENT_REFUNDED, 10000, 10000);
	assert_string_equal(run(r, seen, 3, CAPT), "none: duplicate");
	seam_payment_t c = P(SEAM_PAYMENT_COMPLETED, 10000, 0);
	assert_string_equal(run(c, seen, 2, E(SEAM_PAYMENT_EV_CAPTURED, "ch.captured", 10000, true, -1)),
			    "none: already_applied");
	/* Duplicates inside `seen` count once: two deliveries of one incremental refund. */
	seam_payment_event_t twice[] = {AUTH, INC30, INC30};
	seam_payment_t a = P(SEAM_PAYMENT_AUTHORIZATION, 10000, 0);
	assert_string_equal(run(a, twice, 3, E(SEAM_PAYMENT_EV_REFUNDED, "i20", 2000, false, -1)),
			    "capture(100.00) -> partially_refund(50.00)");
}

/* ---- out of order: every arrival order converges ---- */

static int captures, create_steps;

/* Delivers events[order[0..n)] to an initially absent payment, applying each plan; checks
 * that no step moves backwards, at most one capture happens and refunded only grows. */
static seam_payment_t deliver(const seam_payment_event_t *events, const int *order, int n)
{
	seam_payment_event_t seen[32];
	size_t nseen = 0;
	seam_payment_t p = NONE_P;
	captures = create_steps = 0;
	for (int i = 0; i < n; i++) {
		seam_payment_plan_t plan;
		seam_error_t err = {0};
		const seam_payment_event_t *ev = &events[order[i]];
		assert_int_equal(seam_payment_resolve(&p, seen, nseen, ev, &plan, &err), SEAM_OK);
		for (size_t s = 0; s < plan.nsteps; s++) {
			const seam_payment_step_t *st = &plan.steps[s];
			seam_payment_state_e before = p.state;
			int64_t refunded = p.refunded;
			bool existed = p.exists;
			if (seam_payment_apply(&p, st, &err) != SEAM_OK)
				fail_msg("apply: %s", err.msg);
			if (existed && st->kind == SEAM_PAYMENT_STEP_TRANSITION)
				assert_true(seam_payment_is_forward(before, p.state));
			TH_ASSERT_CMP(p.refunded, >=, refunded);
			/* Every refund step refunds something new: no refund is done twice. */
			if (st->kind == SEAM_PAYMENT_STEP_REFUND_MORE ||
			    (st->kind == SEAM_PAYMENT_STEP_TRANSITION &&
			     (st->transition == SEAM_PAYMENT_TR_REFUND ||
			      st->transition == SEAM_PAYMENT_TR_PARTIALLY_REFUND)))
				TH_ASSERT_CMP(p.refunded, >, refunded);
			captures += st->transition == SEAM_PAYMENT_TR_CAPTURE ||
				    st->transition == SEAM_PAYMENT_TR_AUTHORIZE_CAPTURE;
			create_steps += st->kind == SEAM_PAYMENT_STEP_CREATE;
		}
		seen[nseen++] = *ev;
	}
	TH_ASSERT_CMP(captures, <=, 1);
	TH_ASSERT_CMP(create_steps, <=, 1);
	return p;
}

static bool next_perm(int *a, int n)
{
	int i = n - 2;
	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return false;
	int j = n - 1;
	while (a[j] <= a[i])
		j--;
	int t = a[i];
	a[i] = a[j];
	a[j] = t;
	for (int l = i + 1, r = n - 1; l < r; l++, r--) {
		t = a[l];
		a[l] = a[r];
		a[r] = t;
	}
	return true;
}

static void converge(const seam_payment_event_t ev[4], int64_t amount, const char *label)
{
	int order[4] = {0, 1, 2, 3}, perms = 0;
	do {
		/* Once each, each delivered twice in a row, and the whole history replayed. */
		int once[4], twice[8], replay[8];
		for (int i = 0; i < 4; i++) {
			once[i] = replay[i] = replay[i + 4] = order[i];
			twice[2 * i] = twice[2 * i + 1] = order[i];
		}
		const int *runs[] = {once, twice, replay};
		const int lens[] = {4, 8, 8};
		for (int r = 0; r < 3; r++) {
			seam_payment_t p = deliver(ev, runs[r], lens[r]);
			if (p.state != SEAM_PAYMENT_REFUNDED || p.refunded != amount ||
			    p.amount != amount || captures != 1)
				fail_msg("%s order %d%d%d%d run %d: %s amount %lld refunded %lld "
					 "captures %d", label, order[0], order[1], order[2], order[3],
					 r, seam_payment_state_name(p.state), (long long)p.amount,
					 (long long)p.refunded, captures);
		}
		perms++;
	} while (next_perm(order, 4));
	assert_int_equal(perms, 24);
}

static void test_out_of_order_converges(void **state)
{
	(void)state;
	/* Stripe-like: cumulative totals, refunds carry amount_captured. */
	seam_payment_event_t stripe[4] = {
		E(SEAM_PAYMENT_EV_AUTHORIZED, "evt_auth", 3998, false, -1),
		E(SEAM_PAYMENT_EV_CAPTURED, "evt_capt", 3998, true, -1),
		E(SEAM_PAYMENT_EV_REFUNDED, "evt_r1", 1000, true, 3998),
		E(SEAM_PAYMENT_EV_REFUNDED, "evt_r2", 3998, true, 3998),
	};
	converge(stripe, 3998, "stripe");
	/* Cumulative without the captured total: refunds wait for an amount. */
	seam_payment_event_t bare[4] = {
		E(SEAM_PAYMENT_EV_AUTHORIZED, "a", 3998, false, -1),
		E(SEAM_PAYMENT_EV_CAPTURED, "c", 3998, true, -1),
		E(SEAM_PAYMENT_EV_REFUNDED, "r1", 1000, true, -1),
		E(SEAM_PAYMENT_EV_REFUNDED, "r2", 3998, true, -1),
	};
	converge(bare, 3998, "cumulative");
	/* Adyen-like: every capture and refund is its own increment. */
	seam_payment_event_t adyen[4] = {
		E(SEAM_PAYMENT_EV_AUTHORIZED, "A:AUTHORISATION:true", 3998, false, -1),
		E(SEAM_PAYMENT_EV_CAPTURED, "C:CAPTURE:true", 3998, false, -1),
		E(SEAM_PAYMENT_EV_REFUNDED, "R1:REFUND:true", 1000, false, -1),
		E(SEAM_PAYMENT_EV_REFUNDED, "R2:REFUND:true", 2998, false, -1),
	};
	converge(adyen, 3998, "adyen");
	/* Stripe, partial capture of 80 out of an authorization of 100: the refunds' captured
	 * total settles the amount whatever arrives first. */
	seam_payment_event_t partial[4] = {
		E(SEAM_PAYMENT_EV_AUTHORIZED, "pa", 10000, false, -1),
		E(SEAM_PAYMENT_EV_CAPTURED, "pc", 8000, true, -1),
		E(SEAM_PAYMENT_EV_REFUNDED, "pr1", 3000, true, 8000),
		E(SEAM_PAYMENT_EV_REFUNDED, "pr2", 8000, true, 8000),
	};
	converge(partial, 8000, "stripe partial capture");
}

static void test_out_of_order_cases(void **state)
{
	(void)state;
	/* Capture before authorization: created completed; the late authorization records. */
	seam_payment_event_t s1[] = {CAPT};
	assert_string_equal(run(NONE_P, NULL, 0, CAPT), "create(completed, 100.00)");
	assert_string_equal(run(P(SEAM_PAYMENT_COMPLETED, 10000, 0), s1, 1, AUTH), "record_only: late");

	/* An incremental refund first waits; the authorization then brings its effect. */
	seam_payment_event_t s2[] = {INC30};
	assert_string_equal(run(NONE_P, s2, 1, AUTH),
			    "create(completed, 100.00) -> partially_refund(30.00)");
	/* ... and a failure meanwhile changes nothing. */
	assert_string_equal(run(NONE_P, s2, 1, FAIL), "record_only: no_failed_state");

	/* A void seen before anything authorized is stored once the authorization arrives;
	 * voided and expired both: the earlier provider time wins. */
	seam_payment_event_t v = VOID, x = EXPI, a = AUTH;
	v.at_ms = 100, x.at_ms = 200, a.at_ms = 50;
	seam_payment_event_t s3[] = {x, v};
	assert_string_equal(run(NONE_P, s3, 2, a), "create(authorization, 100.00) -> void");
	v.at_ms = 300;
	seam_payment_event_t s4[] = {x, v};
	assert_string_equal(run(NONE_P, s4, 2, a), "create(authorization, 100.00) -> expire");
	/* A voided event may carry the amount when nothing else does. */
	seam_payment_event_t va = E(SEAM_PAYMENT_EV_VOIDED, "va", 5000, false, -1);
	seam_payment_event_t s5[] = {va};
	assert_string_equal(run(NONE_P, s5, 1, E(SEAM_PAYMENT_EV_AUTHORIZED, "a0", -1, false, -1)),
			    "create(authorization, 50.00) -> void");
	assert_string_equal(run(NONE_P, NULL, 0, E(SEAM_PAYMENT_EV_AUTHORIZED, "a0", -1, false, -1)),
			    "record_only: awaiting_amount");

	/* Several authorizations: the latest by provider time sets the amount. */
	seam_payment_event_t a1 = E(SEAM_PAYMENT_EV_AUTHORIZED, "a1", 10000, false, -1);
	seam_payment_event_t a2 = E(SEAM_PAYMENT_EV_AUTHORIZED, "a2", 12000, false, -1);
	a1.at_ms = 1000, a2.at_ms = 2000;
	seam_payment_event_t s6[] = {a2};
	assert_string_equal(run(NONE_P, s6, 1, INC30), "create(completed, 120.00) -> partially_refund(30.00)");
	assert_string_equal(run(NONE_P, s6, 1, a1), "create(authorization, 120.00)");

	/* Adyen CANCEL_OR_REFUND seen before the capture acts as a void; the capture that follows
	 * cannot leave authorization_voided (documented limitation, reconciled by hand). */
	seam_payment_event_t s7[] = {AUTH, COR};
	assert_string_equal(run(P(SEAM_PAYMENT_AUTHORIZATION_VOIDED, 10000, 0), s7, 2,
				E(SEAM_PAYMENT_EV_CAPTURED, "c", 10000, false, -1)),
			    "record_only: conflict");
	/* With the capture seen, it is a full refund. */
	seam_payment_event_t s8[] = {AUTH, CAPT};
	assert_string_equal(run(P(SEAM_PAYMENT_COMPLETED, 10000, 0), s8, 2, COR), "refund(100.00)");

	/* A refund from Drupal's own UI (refunded_amount already 30) and its notification. */
	assert_string_equal(run(P(SEAM_PAYMENT_PARTIALLY_REFUNDED, 10000, 3000), s8, 2, INC30),
			    "none: already_applied");

	/* A plan cut short after its first step finishes from where Drupal now stands. */
	assert_string_equal(run(P(SEAM_PAYMENT_COMPLETED, 10000, 0), s2, 0, INC30),
			    "partially_refund(30.00)");
}

static void test_currency_amounts(void **state)
{
	(void)state;
	char buf[128];
	seam_payment_plan_t plan;
	seam_payment_t p;
	seam_error_t err = {0};

	/* JPY has no minor unit: 5000 yen is 5000. */
	assert_int_equal(seam_payment_from_drupal("authorization", "5000", NULL, "JPY", &p, &err), SEAM_OK);
	assert_int_equal(p.amount, 5000);
	seam_payment_event_t r = {.type = SEAM_PAYMENT_EV_REFUNDED, .event_id = "r", .amount = 1200,
				  .cumulative = true, .captured_total = 5000, .currency = "JPY"};
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &r, &plan, NULL), SEAM_OK);
	assert_string_equal(seam_payment_plan_format(&plan, "JPY", buf, sizeof buf),
			    "capture(5000) -> partially_refund(1200)");

	/* KWD has three decimals. */
	assert_int_equal(seam_payment_from_drupal("completed", "1.250", "0.000", "KWD", &p, &err), SEAM_OK);
	assert_int_equal(p.amount, 1250);
	r = (seam_payment_event_t){.type = SEAM_PAYMENT_EV_REFUNDED, .event_id = "r", .amount = 1250,
				   .cumulative = true, .captured_total = -1, .currency = "KWD"};
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &r, &plan, NULL), SEAM_OK);
	assert_string_equal(seam_payment_plan_format(&plan, "KWD", buf, sizeof buf), "refund(1.250)");

	/* USD as Drupal writes it (the payment-create sample), trailing zeros included. */
	assert_int_equal(seam_payment_from_drupal("completed", "39.98", "0", "USD", &p, &err), SEAM_OK);
	assert_int_equal(p.amount, 3998);
	assert_int_equal(p.refunded, 0);
	assert_string_equal(p.currency, "USD");
	assert_int_equal(seam_payment_from_drupal("partially_refunded", "39.980000", "10.000000", "USD",
						  &p, &err), SEAM_OK);
	assert_int_equal(p.refunded, 1000);

	/* Errors: sub-minor digits, unknown state or currency, refunded > amount. */
	assert_int_equal(seam_payment_from_drupal("completed", "10.055", NULL, "USD", &p, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "payment amount: 10.055 has more than 2 fraction digits");
	assert_int_equal(seam_payment_from_drupal("completed", "500.5", NULL, "JPY", &p, &err), SEAM_PARSE);
	assert_int_equal(seam_payment_from_drupal("pending", "1", NULL, "USD", &p, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "payment state \"pending\" is not in payment_default");
	assert_int_equal(seam_payment_from_drupal("completed", "1", NULL, "ZZZ", &p, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "unknown currency \"ZZZ\"");
	assert_int_equal(seam_payment_from_drupal("completed", "1.00", "2.00", "USD", &p, &err), SEAM_PARSE);

	/* An event in another currency is recorded, and a seen one is left out of the sums. */
	seam_payment_t usd = P(SEAM_PAYMENT_COMPLETED, 10000, 0);
	seam_payment_event_t eur = {.type = SEAM_PAYMENT_EV_REFUNDED, .event_id = "eur", .amount = 3000,
				    .cumulative = true, .captured_total = -1, .currency = "EUR"};
	assert_string_equal(run(usd, NULL, 0, eur), "record_only: currency_mismatch");
	seam_payment_event_t seen[] = {eur};
	assert_string_equal(run(usd, seen, 1, INC30), "partially_refund(30.00)");
}

static void test_apply_and_errors(void **state)
{
	(void)state;
	seam_error_t err = {0};
	seam_payment_t p = P(SEAM_PAYMENT_COMPLETED, 10000, 0);
	seam_payment_step_t capture = {SEAM_PAYMENT_STEP_TRANSITION, SEAM_PAYMENT_TR_CAPTURE,
				       SEAM_PAYMENT_COMPLETED, 10000, 0};
	assert_int_equal(seam_payment_apply(&p, &capture, &err), SEAM_CONFLICT);
	assert_string_equal(err.msg, "payment apply: capture is not allowed from completed");
	seam_payment_step_t create = {SEAM_PAYMENT_STEP_CREATE, SEAM_PAYMENT_TR_AUTHORIZE_CAPTURE,
				      SEAM_PAYMENT_COMPLETED, 10000, 0};
	assert_int_equal(seam_payment_apply(&p, &create, &err), SEAM_CONFLICT);
	seam_payment_t n = NONE_P;
	seam_payment_step_t bad_create = {SEAM_PAYMENT_STEP_CREATE, SEAM_PAYMENT_TR_REFUND,
					  SEAM_PAYMENT_REFUNDED, 10000, 10000};
	assert_int_equal(seam_payment_apply(&n, &bad_create, &err), SEAM_CONFLICT);
	assert_int_equal(seam_payment_apply(&n, &create, &err), SEAM_OK);
	assert_true(n.exists);
	assert_int_equal(n.state, SEAM_PAYMENT_COMPLETED);
	seam_payment_t pr = P(SEAM_PAYMENT_PARTIALLY_REFUNDED, 10000, 3000);
	seam_payment_step_t less = {SEAM_PAYMENT_STEP_REFUND_MORE, SEAM_PAYMENT_TR_PARTIALLY_REFUND,
				    SEAM_PAYMENT_PARTIALLY_REFUNDED, 10000, 2000};
	assert_int_equal(seam_payment_apply(&pr, &less, &err), SEAM_CONFLICT);
	seam_payment_step_t over = {SEAM_PAYMENT_STEP_TRANSITION, SEAM_PAYMENT_TR_REFUND,
				    SEAM_PAYMENT_REFUNDED, 10000, 12000};
	assert_int_equal(seam_payment_apply(&pr, &over, &err), SEAM_CONFLICT);
	assert_int_equal(pr.refunded, 3000); /* unchanged on error */
	assert_int_equal(seam_payment_apply(NULL, &over, &err), SEAM_INVAL);

	/* Resolve rejects what no caller should build. */
	seam_payment_plan_t plan;
	seam_payment_event_t ev = AUTH;
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, NULL, &plan, &err), SEAM_INVAL);
	assert_int_equal(seam_payment_resolve(&p, NULL, 1, &ev, &plan, &err), SEAM_INVAL);
	ev.event_id = "";
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &ev, &plan, &err), SEAM_INVAL);
	ev = (seam_payment_event_t)E(SEAM_PAYMENT_EV_REFUNDED, "r", -1, true, -1);
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &ev, &plan, &err), SEAM_INVAL);
	assert_string_equal(err.msg, "payment event r: refund without amount");
	ev = (seam_payment_event_t)E(SEAM_PAYMENT_EV_CAPTURED, "c", -5, true, -1);
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &ev, &plan, &err), SEAM_INVAL);
	ev = (seam_payment_event_t)AUTH;
	ev.type = SEAM_PAYMENT__EV_COUNT;
	assert_int_equal(seam_payment_resolve(&p, NULL, 0, &ev, &plan, &err), SEAM_INVAL);
	seam_payment_t bad = P(SEAM_PAYMENT_COMPLETED, 100, 200);
	ev = (seam_payment_event_t)AUTH;
	assert_int_equal(seam_payment_resolve(&bad, NULL, 0, &ev, &plan, &err), SEAM_INVAL);
	/* Overflowing sums are an error, not a wrap. */
	seam_payment_event_t big[] = {E(SEAM_PAYMENT_EV_REFUNDED, "b1", INT64_MAX, false, -1)};
	ev = (seam_payment_event_t)E(SEAM_PAYMENT_EV_REFUNDED, "b2", INT64_MAX, false, -1);
	assert_int_equal(seam_payment_resolve(&p, big, 1, &ev, &plan, &err), SEAM_TOOBIG);

	/* Formatting edge cases. */
	char buf[16];
	assert_string_equal(seam_payment_plan_format(NULL, "USD", buf, sizeof buf), "");
	ev = (seam_payment_event_t)CUM30;
	assert_int_equal(seam_payment_resolve(NULL, NULL, 0, &ev, &plan, &err), SEAM_OK);
	assert_string_equal(seam_payment_plan_format(&plan, "USD", buf, sizeof buf), "create(complete");
	assert_string_equal(seam_payment_plan_format(&plan, NULL, buf, sizeof buf), "create(complete");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workflow_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_row_no_payment),
		cmocka_unit_test(test_row_new),
		cmocka_unit_test(test_row_authorization),
		cmocka_unit_test(test_row_voided_expired),
		cmocka_unit_test(test_row_completed),
		cmocka_unit_test(test_row_refunded),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_out_of_order_converges),
		cmocka_unit_test(test_out_of_order_cases),
		cmocka_unit_test(test_currency_amounts),
		cmocka_unit_test(test_apply_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
