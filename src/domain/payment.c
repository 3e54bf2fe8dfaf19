/*
 * payment.c: the payment_default workflow table and the resolution of provider history into
 * forward-only plans. The design (and the state x event table) is in payment.h.
 *
 * Thread-safety: pure functions over read-only tables.
 */
#include "domain/payment.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain/money.h"

static const seam_payment_transition_t transitions[] = {
#define ROW(id, name, from, to) {SEAM_PAYMENT_TR_##id, name, from, SEAM_PAYMENT_##to},
	SEAM_PAYMENT_TRANSITIONS(ROW)
#undef ROW
};
#define NTRANSITIONS (sizeof transitions / sizeof transitions[0])

static const char *const state_names[] = {
#define NAME(id, name) name,
	SEAM_PAYMENT_STATES(NAME)
#undef NAME
};

static const char *const event_names[] = {
#define NAME(id, name) name,
	SEAM_PAYMENT_EVENTS(NAME)
#undef NAME
};

static const char *const reason_names[] = {
#define NAME(id, name) name,
	SEAM_PAYMENT_REASONS(NAME)
#undef NAME
};

const char *seam_payment_state_name(seam_payment_state_e s)
{
	return (unsigned)s < SEAM_PAYMENT__STATE_COUNT ? state_names[s] : "?";
}

const char *seam_payment_transition_name(seam_payment_transition_e t)
{
	return (unsigned)t < SEAM_PAYMENT__TR_COUNT ? transitions[t].name : "?";
}

const char *seam_payment_event_name(seam_payment_event_e e)
{
	return (unsigned)e < SEAM_PAYMENT__EV_COUNT ? event_names[e] : "?";
}

const char *seam_payment_reason_name(seam_payment_reason_e r)
{
	return (unsigned)r < SEAM_PAYMENT__WHY_COUNT ? reason_names[r] : "?";
}

const char *seam_payment_action_name(seam_payment_action_e a)
{
	switch (a) {
	case SEAM_PAYMENT_ACT_NONE:
		return "none";
	case SEAM_PAYMENT_ACT_PLAN:
		return "plan";
	case SEAM_PAYMENT_ACT_RECORD_ONLY:
		return "record_only";
	}
	return "?";
}

const char *seam_payment_step_kind_name(seam_payment_step_kind_e k)
{
	switch (k) {
	case SEAM_PAYMENT_STEP_CREATE:
		return "create";
	case SEAM_PAYMENT_STEP_TRANSITION:
		return "transition";
	case SEAM_PAYMENT_STEP_REFUND_MORE:
		return "refund_more";
	}
	return "?";
}

static int parse_name(const char *const *names, size_t n, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

int seam_payment_state_parse(const char *name, seam_payment_state_e *out)
{
	int i = parse_name(state_names, SEAM_PAYMENT__STATE_COUNT, name);
	if (i < 0)
		return -1;
	*out = (seam_payment_state_e)i;
	return 0;
}

int seam_payment_transition_parse(const char *name, seam_payment_transition_e *out)
{
	for (size_t i = 0; name && i < NTRANSITIONS; i++) {
		if (strcmp(transitions[i].name, name) == 0) {
			*out = transitions[i].id;
			return 0;
		}
	}
	return -1;
}

int seam_payment_event_parse(const char *name, seam_payment_event_e *out)
{
	int i = parse_name(event_names, SEAM_PAYMENT__EV_COUNT, name);
	if (i < 0)
		return -1;
	*out = (seam_payment_event_e)i;
	return 0;
}

const seam_payment_transition_t *seam_payment_transition_find(seam_payment_state_e from,
							      seam_payment_transition_e transition)
{
	if ((unsigned)from >= SEAM_PAYMENT__STATE_COUNT ||
	    (unsigned)transition >= SEAM_PAYMENT__TR_COUNT)
		return NULL;
	const seam_payment_transition_t *t = &transitions[transition];
	return (t->from & (1u << from)) ? t : NULL;
}

bool seam_payment_can(seam_payment_state_e from, seam_payment_transition_e transition)
{
	return seam_payment_transition_find(from, transition) != NULL;
}

const seam_payment_transition_t *seam_payment_transition_between(seam_payment_state_e from,
								 seam_payment_state_e to)
{
	if ((unsigned)from >= SEAM_PAYMENT__STATE_COUNT)
		return NULL;
	for (size_t i = 0; i < NTRANSITIONS; i++) {
		if ((transitions[i].from & (1u << from)) && transitions[i].to == to)
			return &transitions[i];
	}
	return NULL;
}

/* Shortest transition path from -> to by breadth-first search over the table. Writes up to
 * max transitions into path and returns their number; 0 when from == to; -1 when `to` cannot
 * be reached (or only by a longer path than max). */
static int find_path(seam_payment_state_e from, seam_payment_state_e to,
		     seam_payment_transition_e *path, int max)
{
	int prev_tr[SEAM_PAYMENT__STATE_COUNT];
	int prev_st[SEAM_PAYMENT__STATE_COUNT];
	int queue[SEAM_PAYMENT__STATE_COUNT];
	int head = 0, tail = 0;

	if ((unsigned)from >= SEAM_PAYMENT__STATE_COUNT || (unsigned)to >= SEAM_PAYMENT__STATE_COUNT)
		return -1;
	if (from == to)
		return 0;
	for (int i = 0; i < SEAM_PAYMENT__STATE_COUNT; i++)
		prev_tr[i] = prev_st[i] = -1;
	prev_st[from] = (int)from;
	queue[tail++] = (int)from;
	while (head < tail && prev_st[to] < 0) {
		int s = queue[head++];
		for (size_t i = 0; i < NTRANSITIONS; i++) {
			int t = (int)transitions[i].to;
			if (!(transitions[i].from & (1u << s)) || prev_st[t] >= 0)
				continue;
			prev_st[t] = s;
			prev_tr[t] = (int)i;
			queue[tail++] = t;
		}
	}
	if (prev_st[to] < 0)
		return -1;
	int n = 0;
	for (int s = (int)to; s != (int)from; s = prev_st[s])
		n++;
	if (n > max)
		return -1;
	int k = n;
	for (int s = (int)to; s != (int)from; s = prev_st[s])
		path[--k] = transitions[prev_tr[s]].id;
	return n;
}

bool seam_payment_is_forward(seam_payment_state_e from, seam_payment_state_e to)
{
	seam_payment_transition_e path[SEAM_PAYMENT__STATE_COUNT];
	return from != to && find_path(from, to, path, SEAM_PAYMENT__STATE_COUNT) > 0;
}

bool seam_payment_is_completed(seam_payment_state_e s)
{
	return s == SEAM_PAYMENT_COMPLETED || s == SEAM_PAYMENT_PARTIALLY_REFUNDED ||
	       s == SEAM_PAYMENT_REFUNDED;
}

seam_err_t seam_payment_from_drupal(const char *state, const char *amount, const char *refunded,
				    const char *currency, seam_payment_t *out, seam_error_t *err)
{
	seam_payment_t p = {.exists = true};
	seam_err_t rc;
	int exp;

	if (!out)
		return seam_errorf(err, SEAM_INVAL, "payment: no output");
	if (seam_payment_state_parse(state, &p.state) != 0)
		return seam_errorf(err, SEAM_PARSE, "payment state \"%s\" is not in payment_default",
				   state ? state : "(null)");
	exp = seam_money_exponent(currency);
	if (exp < 0)
		return seam_errorf(err, SEAM_PARSE, "unknown currency \"%s\"",
				   currency ? currency : "(null)");
	memcpy(p.currency, currency, 4);
	if ((rc = seam_money_parse(amount, exp, &p.amount, err)) != SEAM_OK) {
		seam_error_prefix(err, "payment amount");
		return rc;
	}
	if ((rc = seam_money_parse(refunded ? refunded : "0", exp, &p.refunded, err)) != SEAM_OK) {
		seam_error_prefix(err, "payment refunded_amount");
		return rc;
	}
	if (p.amount < 0 || p.refunded < 0 || p.refunded > p.amount)
		return seam_errorf(err, SEAM_PARSE, "payment refunded_amount %s exceeds amount %s (or is negative)",
				   refunded, amount);
	*out = p;
	return SEAM_OK;
}

/* ---- resolution ---- */

/* What the Drupal payment and the history imply together (payment.h, step 2). */
typedef struct implied {
	bool auth_ev;    /* something was authorized: an authorized event or a Drupal payment */
	bool cap_ev;     /* money moved: a capture or refund event, or Drupal at completed+ */
	bool any_auth;   /* an authorized event */
	int64_t auth;    /* latest authorized amount by provider time, -1 */
	int64_t auth_at;
	int64_t cap;     /* C, -1 unknown */
	bool cap_from_events;
	int64_t refunded; /* R */
	bool has_void, has_expire;
	int64_t void_at, expire_at;
	int64_t terminal_amount; /* an amount from a void/expire event, -1 */
} implied_t;

static bool add_ok(int64_t a, int64_t b, int64_t *out)
{
	if (a > INT64_MAX - b)
		return false;
	*out = a + b;
	return true;
}

static bool is_dup(const seam_payment_event_t *seen, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		if (strcmp(seen[j].event_id, seen[i].event_id) == 0)
			return true;
	}
	return false;
}

static seam_err_t check_event(const seam_payment_event_t *e, seam_error_t *err)
{
	if (!e->event_id || !e->event_id[0])
		return seam_errorf(err, SEAM_INVAL, "payment event without an id");
	if ((unsigned)e->type >= SEAM_PAYMENT__EV_COUNT)
		return seam_errorf(err, SEAM_INVAL, "payment event %s: type %d out of range",
				   e->event_id, (int)e->type);
	if (e->amount < -1 || e->captured_total < -1)
		return seam_errorf(err, SEAM_INVAL, "payment event %s: negative amount", e->event_id);
	if (e->type == SEAM_PAYMENT_EV_REFUNDED && e->amount < 0)
		return seam_errorf(err, SEAM_INVAL, "payment event %s: refund without amount",
				   e->event_id);
	return SEAM_OK;
}

/* Folds the history (seen minus duplicates and other currencies, plus ev) and the Drupal
 * payment into the implied facts. SEAM_TOOBIG when sums overflow. */
static seam_err_t imply(const seam_payment_t *p, const seam_payment_event_t *seen, size_t nseen,
			const seam_payment_event_t *ev, const char *cur, implied_t *im,
			seam_error_t *err)
{
	int64_t cap_cum = -1, cap_inc = 0, cap_hint = -1, ref_cum = -1, ref_inc = 0;
	bool have_cap_inc = false, has_cor = false;
	int64_t cor_at = 0;

	memset(im, 0, sizeof *im);
	im->auth = im->cap = im->terminal_amount = -1;
	for (size_t i = 0; i <= nseen; i++) {
		const seam_payment_event_t *e = i < nseen ? &seen[i] : ev;
		if (i < nseen && is_dup(seen, i))
			continue;
		if (e->currency[0] && strcmp(e->currency, cur) != 0)
			continue; /* recorded as a currency mismatch when it arrived */
		switch (e->type) {
		case SEAM_PAYMENT_EV_AUTHORIZED:
			im->auth_ev = im->any_auth = true;
			if (e->amount >= 0 && (im->auth < 0 || e->at_ms >= im->auth_at)) {
				im->auth = e->amount;
				im->auth_at = e->at_ms;
			}
			break;
		case SEAM_PAYMENT_EV_CAPTURED:
			im->cap_ev = true;
			if (e->amount >= 0 && e->cumulative) {
				if (e->amount > cap_cum)
					cap_cum = e->amount;
			} else if (e->amount >= 0) {
				if (!add_ok(cap_inc, e->amount, &cap_inc))
					return seam_errorf(err, SEAM_TOOBIG, "captured amounts overflow");
				have_cap_inc = true;
			}
			break;
		case SEAM_PAYMENT_EV_REFUNDED:
			im->cap_ev = true;
			if (e->cumulative) {
				if (e->amount > ref_cum)
					ref_cum = e->amount;
			} else if (!add_ok(ref_inc, e->amount, &ref_inc)) {
				return seam_errorf(err, SEAM_TOOBIG, "refunded amounts overflow");
			}
			if (e->captured_total > cap_hint)
				cap_hint = e->captured_total;
			break;
		case SEAM_PAYMENT_EV_VOIDED:
		case SEAM_PAYMENT_EV_EXPIRED: {
			bool v = e->type == SEAM_PAYMENT_EV_VOIDED;
			bool *has = v ? &im->has_void : &im->has_expire;
			int64_t *at = v ? &im->void_at : &im->expire_at;
			if (!*has || e->at_ms < *at)
				*at = e->at_ms;
			*has = true;
			if (e->amount >= 0)
				im->terminal_amount = e->amount;
			break;
		}
		case SEAM_PAYMENT_EV_CANCEL_OR_REFUND:
			if (!has_cor || e->at_ms < cor_at)
				cor_at = e->at_ms;
			has_cor = true;
			if (e->amount >= 0)
				im->terminal_amount = e->amount;
			break;
		case SEAM_PAYMENT_EV_FAILED:
		case SEAM_PAYMENT_EV_IGNORED:
		default:
			break;
		}
	}
	if (p) {
		im->auth_ev = true;
		if (seam_payment_is_completed(p->state))
			im->cap_ev = true;
	}

	/* C: the provider's figures first, then what Drupal holds, then the authorization. */
	im->cap = cap_cum;
	if (have_cap_inc && cap_inc > im->cap)
		im->cap = cap_inc;
	if (cap_hint > im->cap)
		im->cap = cap_hint;
	im->cap_from_events = im->cap >= 0;
	if (im->cap < 0)
		im->cap = p ? p->amount : im->auth;

	/* R */
	im->refunded = ref_cum > ref_inc ? ref_cum : ref_inc;
	if (p && p->refunded > im->refunded)
		im->refunded = p->refunded;
	if (has_cor) {
		if (im->cap_ev) {
			if (im->cap > im->refunded)
				im->refunded = im->cap; /* Adyen refunds a captured payment in full */
		} else {
			if (!im->has_void || cor_at < im->void_at)
				im->void_at = cor_at;
			im->has_void = true;
		}
	}
	return SEAM_OK;
}

typedef enum target_kind_e {
	T_STATE = 0,     /* target in t */
	T_NOTHING,       /* nothing authorized: no payment to store */
	T_NEED_AMOUNT,   /* money moved but no amount known yet */
	T_EXCEEDS,       /* R > C */
} target_kind_e;

static target_kind_e target(const seam_payment_t *p, const implied_t *im, seam_payment_t *t)
{
	if (im->cap_ev) {
		if (im->cap < 0)
			return T_NEED_AMOUNT;
		if (im->refunded > im->cap)
			return T_EXCEEDS;
		t->amount = im->cap;
		t->refunded = im->refunded;
		t->state = im->refunded == 0           ? SEAM_PAYMENT_COMPLETED
			   : im->refunded < im->cap    ? SEAM_PAYMENT_PARTIALLY_REFUNDED
						       : SEAM_PAYMENT_REFUNDED;
		return T_STATE;
	}
	if (!im->auth_ev)
		return T_NOTHING;
	t->refunded = 0;
	if (im->has_void || im->has_expire) {
		bool voided;
		if (p && p->state == SEAM_PAYMENT_AUTHORIZATION_VOIDED)
			voided = true;
		else if (p && p->state == SEAM_PAYMENT_AUTHORIZATION_EXPIRED)
			voided = false;
		else if (im->has_void && im->has_expire)
			voided = im->void_at <= im->expire_at;
		else
			voided = im->has_void;
		t->state = voided ? SEAM_PAYMENT_AUTHORIZATION_VOIDED : SEAM_PAYMENT_AUTHORIZATION_EXPIRED;
		t->amount = p ? p->amount : im->auth >= 0 ? im->auth : im->terminal_amount;
		return t->amount < 0 ? T_NEED_AMOUNT : T_STATE;
	}
	if (p && p->state != SEAM_PAYMENT_NEW) {
		t->state = p->state; /* authorization, or voided/expired with no new void/expiry */
		t->amount = p->amount;
		return T_STATE;
	}
	t->state = im->any_auth ? SEAM_PAYMENT_AUTHORIZATION : SEAM_PAYMENT_NEW;
	t->amount = im->auth >= 0 ? im->auth : p ? p->amount : -1;
	return t->amount < 0 ? T_NEED_AMOUNT : T_STATE;
}

static seam_err_t finish(seam_payment_plan_t *out, seam_payment_action_e action,
			 seam_payment_reason_e reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static seam_err_t finish(seam_payment_plan_t *out, seam_payment_action_e action,
			 seam_payment_reason_e reason, const char *fmt, ...)
{
	va_list ap;
	out->action = action;
	out->reason = reason;
	out->nsteps = 0;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof out->detail, fmt, ap);
	va_end(ap);
	return SEAM_OK;
}

static const char *fmt_amount(int64_t v, int exp, char buf[SEAM_MONEY_BUF])
{
	if (v < 0)
		return "?";
	if (exp < 0) {
		snprintf(buf, SEAM_MONEY_BUF, "%" PRId64, v);
		return buf;
	}
	return seam_money_format(v, exp, buf);
}

/* The new event added nothing to the target (T equals the Drupal payment): why. */
static seam_err_t classify(const seam_payment_t *p, const implied_t *im,
			   const seam_payment_event_t *ev, int exp, seam_payment_plan_t *out)
{
	char a[SEAM_MONEY_BUF], b[SEAM_MONEY_BUF];
	const char *st = seam_payment_state_name(p->state);
	const char *en = seam_payment_event_name(ev->type);
	seam_payment_state_e own;

	switch (ev->type) {
	case SEAM_PAYMENT_EV_AUTHORIZED:
		if (p->state == SEAM_PAYMENT_AUTHORIZATION) {
			if (ev->amount >= 0 && ev->amount != p->amount)
				return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY,
					      SEAM_PAYMENT_WHY_AMOUNT_CONFLICT,
					      "authorized %s differs from the authorization's %s; "
					      "payment_default has no adjustment, the capture sets the amount",
					      fmt_amount(ev->amount, exp, a), fmt_amount(p->amount, exp, b));
			return finish(out, SEAM_PAYMENT_ACT_NONE, SEAM_PAYMENT_WHY_ALREADY_APPLIED,
				      "payment is already in authorization");
		}
		own = SEAM_PAYMENT_AUTHORIZATION;
		break;
	case SEAM_PAYMENT_EV_CAPTURED:
		own = SEAM_PAYMENT_COMPLETED;
		break;
	case SEAM_PAYMENT_EV_REFUNDED:
		if (!ev->cumulative)
			return finish(out, SEAM_PAYMENT_ACT_NONE, SEAM_PAYMENT_WHY_ALREADY_APPLIED,
				      "refund of %s is already within refunded_amount %s",
				      fmt_amount(ev->amount, exp, a), fmt_amount(p->refunded, exp, b));
		if (ev->amount == p->refunded)
			return finish(out, SEAM_PAYMENT_ACT_NONE, SEAM_PAYMENT_WHY_ALREADY_APPLIED,
				      "refunded_amount is already %s", fmt_amount(p->refunded, exp, a));
		return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_LATE,
			      "late refunded total %s: payment is %s with refunded_amount %s",
			      fmt_amount(ev->amount, exp, a), st, fmt_amount(p->refunded, exp, b));
	case SEAM_PAYMENT_EV_VOIDED:
		own = SEAM_PAYMENT_AUTHORIZATION_VOIDED;
		break;
	case SEAM_PAYMENT_EV_EXPIRED:
		own = SEAM_PAYMENT_AUTHORIZATION_EXPIRED;
		break;
	case SEAM_PAYMENT_EV_CANCEL_OR_REFUND:
		own = im->cap_ev ? SEAM_PAYMENT_REFUNDED : SEAM_PAYMENT_AUTHORIZATION_VOIDED;
		break;
	default:
		return finish(out, SEAM_PAYMENT_ACT_NONE, SEAM_PAYMENT_WHY_IGNORED, "%s", en);
	}
	if (own == p->state)
		return finish(out, SEAM_PAYMENT_ACT_NONE, SEAM_PAYMENT_WHY_ALREADY_APPLIED,
			      "payment is already %s", st);
	if (seam_payment_is_forward(own, p->state))
		return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_LATE,
			      "late %s: payment is already %s (%s -> %s would move backwards)", en, st,
			      st, seam_payment_state_name(own));
	return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_CONTRADICTS,
		      "%s cannot follow %s: no transition leads from %s to %s", en, st, st,
		      seam_payment_state_name(own));
}

seam_err_t seam_payment_resolve(const seam_payment_t *current, const seam_payment_event_t *seen,
				size_t nseen, const seam_payment_event_t *ev,
				seam_payment_plan_t *out, seam_error_t *err)
{
	const seam_payment_t *p = current && current->exists ? current : NULL;
	char a[SEAM_MONEY_BUF], b[SEAM_MONEY_BUF];
	const char *cur;
	implied_t im;
	seam_payment_t t = {.exists = true};
	seam_err_t rc;
	int exp;

	if (!ev || !out || (nseen && !seen))
		return seam_errorf(err, SEAM_INVAL, "payment resolve: NULL argument");
	if ((rc = check_event(ev, err)) != SEAM_OK)
		return rc;
	for (size_t i = 0; i < nseen; i++) {
		if ((rc = check_event(&seen[i], err)) != SEAM_OK)
			return rc;
	}
	if (p && ((unsigned)p->state >= SEAM_PAYMENT__STATE_COUNT || p->amount < 0 ||
		  p->refunded < 0 || p->refunded > p->amount))
		return seam_errorf(err, SEAM_INVAL, "payment resolve: inconsistent current payment");

	memset(out, 0, sizeof *out);
	out->result = p ? *p : (seam_payment_t){0};

	/* The payment's currency: Drupal's, else the new event's, else the first seen one. */
	cur = p && p->currency[0] ? p->currency : ev->currency;
	for (size_t i = 0; !cur[0] && i < nseen; i++)
		cur = seen[i].currency;
	exp = seam_money_exponent(cur);

	/* Step 1 */
	if (ev->type == SEAM_PAYMENT_EV_IGNORED)
		return finish(out, SEAM_PAYMENT_ACT_NONE, SEAM_PAYMENT_WHY_IGNORED,
			      "event %s is not a payment event", ev->event_id);
	for (size_t i = 0; i < nseen; i++) {
		if (strcmp(seen[i].event_id, ev->event_id) == 0)
			return finish(out, SEAM_PAYMENT_ACT_NONE, SEAM_PAYMENT_WHY_DUPLICATE,
				      "event %s was seen before", ev->event_id);
	}
	if (ev->currency[0] && strcmp(ev->currency, cur) != 0)
		return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_CURRENCY_MISMATCH,
			      "event in %s, payment in %s", ev->currency, cur);
	if (ev->type == SEAM_PAYMENT_EV_FAILED)
		return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_NO_FAILED_STATE,
			      "payment_default has no failed state%s",
			      p ? "; the payment stays as it is" : "; declined payments are not stored");

	/* Step 2 */
	if ((rc = imply(p, seen, nseen, ev, cur, &im, err)) != SEAM_OK)
		return rc;
	memcpy(t.currency, cur, sizeof t.currency);
	t.currency[3] = '\0';

	/* Step 3 */
	switch (target(p, &im, &t)) {
	case T_NOTHING:
		return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_NOTHING_TO_STORE,
			      "%s before any authorization: nothing to store until one is seen",
			      seam_payment_event_name(ev->type));
	case T_NEED_AMOUNT:
		return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_AWAITING_AMOUNT,
			      "%s before the payment's amount is known: waiting for the capture or "
			      "authorization", seam_payment_event_name(ev->type));
	case T_EXCEEDS:
		return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_REFUND_EXCEEDS,
			      "refunds total %s but only %s was captured",
			      fmt_amount(im.refunded, exp, a), fmt_amount(im.cap, exp, b));
	case T_STATE:
		break;
	}
	if (p && seam_payment_is_completed(p->state) && im.cap_from_events && im.cap != p->amount)
		return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_AMOUNT_CONFLICT,
			      "provider captured %s, payment amount is %s",
			      fmt_amount(im.cap, exp, a), fmt_amount(p->amount, exp, b));
	if (p && t.state == p->state && t.amount == p->amount && t.refunded == p->refunded)
		return classify(p, &im, ev, exp, out);

	if (p && t.state == p->state) {
		/* Same state, more refunded: only partially_refunded can get here (R grows, C is
		 * Drupal's amount, and every other state's target differs when R does). */
		if (t.state != SEAM_PAYMENT_PARTIALLY_REFUNDED || t.refunded <= p->refunded ||
		    t.amount != p->amount)
			return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_CONFLICT,
				      "payment %s cannot change its amounts in place",
				      seam_payment_state_name(p->state));
		out->steps[0] = (seam_payment_step_t){SEAM_PAYMENT_STEP_REFUND_MORE,
						      SEAM_PAYMENT_TR_PARTIALLY_REFUND, t.state,
						      t.amount, t.refunded};
		out->nsteps = 1;
	} else {
		seam_payment_transition_e path[SEAM_PAYMENT_PLAN_MAX];
		seam_payment_state_e from = p ? p->state : SEAM_PAYMENT_NEW;
		int n = find_path(from, t.state, path, SEAM_PAYMENT_PLAN_MAX);
		if (n <= 0)
			return finish(out, SEAM_PAYMENT_ACT_RECORD_ONLY, SEAM_PAYMENT_WHY_CONFLICT,
				      "provider history implies %s but the payment is %s; no "
				      "transition leads there", seam_payment_state_name(t.state),
				      p ? seam_payment_state_name(p->state) : "absent");
		int64_t amount = p ? p->amount : 0, refunded = p ? p->refunded : 0;
		for (int i = 0; i < n; i++) {
			const seam_payment_transition_t *tr = &transitions[path[i]];
			switch (tr->id) {
			case SEAM_PAYMENT_TR_AUTHORIZE:
				/* Only a void/expiry target or an authorization passes through
				 * authorization on its way (the shortest path to completed is
				 * authorize_capture), so t.amount is the authorized amount. */
				amount = t.amount;
				break;
			case SEAM_PAYMENT_TR_AUTHORIZE_CAPTURE:
			case SEAM_PAYMENT_TR_CAPTURE:
				amount = t.amount;
				break;
			case SEAM_PAYMENT_TR_PARTIALLY_REFUND:
			case SEAM_PAYMENT_TR_REFUND:
				refunded = t.refunded;
				break;
			default:
				break;
			}
			out->steps[i] = (seam_payment_step_t){
				i == 0 && !p ? SEAM_PAYMENT_STEP_CREATE : SEAM_PAYMENT_STEP_TRANSITION,
				tr->id, tr->to, amount, refunded};
		}
		out->nsteps = (size_t)n;
	}
	out->action = SEAM_PAYMENT_ACT_PLAN;
	out->reason = SEAM_PAYMENT_WHY_OK;
	snprintf(out->detail, sizeof out->detail, "%s implies %s (amount %s, refunded %s)",
		 seam_payment_event_name(ev->type), seam_payment_state_name(t.state),
		 fmt_amount(t.amount, exp, a), fmt_amount(t.refunded, exp, b));
	out->result = t;
	return SEAM_OK;
}

seam_err_t seam_payment_apply(seam_payment_t *p, const seam_payment_step_t *step,
			      seam_error_t *err)
{
	if (!p || !step)
		return seam_errorf(err, SEAM_INVAL, "payment apply: NULL argument");
	if (step->amount < 0 || step->refunded < 0 || step->refunded > step->amount)
		return seam_errorf(err, SEAM_CONFLICT, "payment apply: step amounts are inconsistent");
	switch (step->kind) {
	case SEAM_PAYMENT_STEP_CREATE: {
		const seam_payment_transition_t *t =
			seam_payment_transition_find(SEAM_PAYMENT_NEW, step->transition);
		if (p->exists)
			return seam_errorf(err, SEAM_CONFLICT, "payment apply: create, but the payment exists");
		if (!t || t->to != step->to)
			return seam_errorf(err, SEAM_CONFLICT, "payment apply: cannot create in %s",
					   seam_payment_state_name(step->to));
		p->exists = true;
		break;
	}
	case SEAM_PAYMENT_STEP_TRANSITION: {
		const seam_payment_transition_t *t;
		if (!p->exists)
			return seam_errorf(err, SEAM_CONFLICT, "payment apply: no payment to transition");
		t = seam_payment_transition_find(p->state, step->transition);
		if (!t || t->to != step->to)
			return seam_errorf(err, SEAM_CONFLICT, "payment apply: %s is not allowed from %s",
					   seam_payment_transition_name(step->transition),
					   seam_payment_state_name(p->state));
		break;
	}
	case SEAM_PAYMENT_STEP_REFUND_MORE:
		if (!p->exists || p->state != SEAM_PAYMENT_PARTIALLY_REFUNDED ||
		    step->to != SEAM_PAYMENT_PARTIALLY_REFUNDED || step->refunded <= p->refunded ||
		    step->amount != p->amount)
			return seam_errorf(err, SEAM_CONFLICT, "payment apply: refund_more does not fit");
		break;
	default:
		return seam_errorf(err, SEAM_INVAL, "payment apply: unknown step kind");
	}
	if (p->exists && step->kind != SEAM_PAYMENT_STEP_CREATE && step->refunded < p->refunded)
		return seam_errorf(err, SEAM_CONFLICT, "payment apply: refunded_amount would go down");
	p->state = step->to;
	p->amount = step->amount;
	p->refunded = step->refunded;
	return SEAM_OK;
}

char *seam_payment_plan_format(const seam_payment_plan_t *plan, const char *currency, char *buf,
			       size_t len)
{
	char a[SEAM_MONEY_BUF];
	int exp = seam_money_exponent(currency);
	size_t off = 0;

	if (!buf || len == 0)
		return buf;
	buf[0] = '\0';
	if (!plan)
		return buf;
#define PUT(...)                                                                          \
	do {                                                                                  \
		if (off < len) {                                                              \
			int n_ = snprintf(buf + off, len - off, __VA_ARGS__);                 \
			off = n_ < 0 ? len : off + (size_t)n_;                                \
		}                                                                             \
	} while (0)
	if (plan->action != SEAM_PAYMENT_ACT_PLAN) {
		PUT("%s: %s", seam_payment_action_name(plan->action),
		    seam_payment_reason_name(plan->reason));
		return buf;
	}
	for (size_t i = 0; i < plan->nsteps; i++) {
		const seam_payment_step_t *s = &plan->steps[i];
		if (i)
			PUT(" -> ");
		switch (s->kind) {
		case SEAM_PAYMENT_STEP_CREATE:
			PUT("create(%s, %s)", seam_payment_state_name(s->to),
			    fmt_amount(s->amount, exp, a));
			break;
		case SEAM_PAYMENT_STEP_REFUND_MORE:
			PUT("refund_more(%s)", fmt_amount(s->refunded, exp, a));
			break;
		case SEAM_PAYMENT_STEP_TRANSITION:
		default:
			switch (s->transition) {
			case SEAM_PAYMENT_TR_VOID:
			case SEAM_PAYMENT_TR_EXPIRE:
				PUT("%s", seam_payment_transition_name(s->transition));
				break;
			case SEAM_PAYMENT_TR_PARTIALLY_REFUND:
			case SEAM_PAYMENT_TR_REFUND:
				PUT("%s(%s)", seam_payment_transition_name(s->transition),
				    fmt_amount(s->refunded, exp, a));
				break;
			default:
				PUT("%s(%s)", seam_payment_transition_name(s->transition),
				    fmt_amount(s->amount, exp, a));
				break;
			}
			break;
		}
	}
#undef PUT
	return buf;
}
