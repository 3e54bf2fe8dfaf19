/*
 * order.c: the four Drupal Commerce order workflows as a table, and total_paid / isPaid with
 * exact decimals. The rules are in order.h.
 *
 * Thread-safety: pure functions over read-only tables.
 */
#include "domain/order.h"

#include <string.h>

static const seam_order_transition_t transitions[] = {
#define ROW(wf, id, from, to) {SEAM_ORDER_WF_##wf, SEAM_ORDER_TR_##id, from, SEAM_ORDER_##to},
	SEAM_ORDER_TRANSITIONS(ROW)
#undef ROW
};
#define NTRANSITIONS (sizeof transitions / sizeof transitions[0])

static const char *const workflow_names[] = {
#define NAME(id, name) name,
	SEAM_ORDER_WORKFLOWS(NAME)
#undef NAME
};
static const char *const state_names[] = {
#define NAME(id, name) name,
	SEAM_ORDER_STATES(NAME)
#undef NAME
};
static const char *const transition_names[] = {
#define NAME(id, name) name,
	SEAM_ORDER_TRANSITION_NAMES(NAME)
#undef NAME
};

const char *seam_order_workflow_name(seam_order_workflow_e wf)
{
	return (unsigned)wf < SEAM_ORDER__WF_COUNT ? workflow_names[wf] : "?";
}

const char *seam_order_state_name(seam_order_state_e s)
{
	return (unsigned)s < SEAM_ORDER__STATE_COUNT ? state_names[s] : "?";
}

const char *seam_order_transition_name(seam_order_transition_e t)
{
	return (unsigned)t < SEAM_ORDER__TR_COUNT ? transition_names[t] : "?";
}

static int parse_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

int seam_order_workflow_parse(const char *name, seam_order_workflow_e *out)
{
	int i = parse_name(workflow_names, SEAM_ORDER__WF_COUNT, name);
	if (i >= 0)
		*out = (seam_order_workflow_e)i;
	return i >= 0 ? 0 : -1;
}

int seam_order_state_parse(const char *name, seam_order_state_e *out)
{
	int i = parse_name(state_names, SEAM_ORDER__STATE_COUNT, name);
	if (i >= 0)
		*out = (seam_order_state_e)i;
	return i >= 0 ? 0 : -1;
}

int seam_order_transition_parse(const char *name, seam_order_transition_e *out)
{
	int i = parse_name(transition_names, SEAM_ORDER__TR_COUNT, name);
	if (i >= 0)
		*out = (seam_order_transition_e)i;
	return i >= 0 ? 0 : -1;
}

bool seam_order_has_state(seam_order_workflow_e wf, seam_order_state_e s)
{
	if ((unsigned)wf >= SEAM_ORDER__WF_COUNT || (unsigned)s >= SEAM_ORDER__STATE_COUNT)
		return false;
	for (size_t i = 0; i < NTRANSITIONS; i++) {
		if (transitions[i].workflow == wf &&
		    ((transitions[i].from & (1u << s)) || transitions[i].to == s))
			return true;
	}
	return false;
}

const seam_order_transition_t *seam_order_transition_find(seam_order_workflow_e wf,
							  seam_order_state_e from,
							  seam_order_transition_e transition)
{
	if ((unsigned)from >= SEAM_ORDER__STATE_COUNT)
		return NULL;
	for (size_t i = 0; i < NTRANSITIONS; i++) {
		if (transitions[i].workflow == wf && transitions[i].id == transition &&
		    (transitions[i].from & (1u << from)))
			return &transitions[i];
	}
	return NULL;
}

bool seam_order_can(seam_order_workflow_e wf, seam_order_state_e from,
		    seam_order_transition_e transition)
{
	return seam_order_transition_find(wf, from, transition) != NULL;
}

const seam_order_transition_t *seam_order_transition_between(seam_order_workflow_e wf,
							     seam_order_state_e from,
							     seam_order_state_e to)
{
	if ((unsigned)from >= SEAM_ORDER__STATE_COUNT)
		return NULL;
	for (size_t i = 0; i < NTRANSITIONS; i++) {
		if (transitions[i].workflow == wf && transitions[i].to == to &&
		    (transitions[i].from & (1u << from)))
			return &transitions[i];
	}
	return NULL;
}

int seam_order_path(seam_order_workflow_e wf, seam_order_state_e from, seam_order_state_e to,
		    seam_order_transition_e *path, int max)
{
	int prev_st[SEAM_ORDER__STATE_COUNT], prev_tr[SEAM_ORDER__STATE_COUNT];
	int queue[SEAM_ORDER__STATE_COUNT], head = 0, tail = 0, n = 0;

	if ((unsigned)wf >= SEAM_ORDER__WF_COUNT || !seam_order_has_state(wf, from) ||
	    !seam_order_has_state(wf, to))
		return -1;
	if (from == to)
		return 0;
	for (int i = 0; i < SEAM_ORDER__STATE_COUNT; i++)
		prev_st[i] = prev_tr[i] = -1;
	prev_st[from] = (int)from;
	queue[tail++] = (int)from;
	while (head < tail && prev_st[to] < 0) {
		int s = queue[head++];
		for (size_t i = 0; i < NTRANSITIONS; i++) {
			int t = (int)transitions[i].to;
			if (transitions[i].workflow != wf || !(transitions[i].from & (1u << s)) ||
			    prev_st[t] >= 0)
				continue;
			prev_st[t] = s;
			prev_tr[t] = (int)i;
			queue[tail++] = t;
		}
	}
	if (prev_st[to] < 0)
		return -1;
	for (int s = (int)to; s != (int)from; s = prev_st[s])
		n++;
	if (n > max || (n > 0 && !path))
		return -1;
	int k = n;
	for (int s = (int)to; s != (int)from; s = prev_st[s])
		path[--k] = transitions[prev_tr[s]].id;
	return n;
}

bool seam_order_is_forward(seam_order_workflow_e wf, seam_order_state_e from,
			   seam_order_state_e to)
{
	seam_order_transition_e path[SEAM_ORDER__STATE_COUNT];
	return seam_order_path(wf, from, to, path, SEAM_ORDER__STATE_COUNT) > 0;
}

static seam_err_t parse_price(const seam_price_t *p, const char *what, seam_money_dec_t *out,
			      seam_error_t *err)
{
	seam_err_t rc = seam_money_dec_parse(p->number, (size_t)-1, out, err);
	if (rc != SEAM_OK)
		seam_error_prefix(err, "%s", what);
	return rc;
}

static bool same_currency(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

seam_err_t seam_order_total_paid(const seam_order_payment_t *payments, size_t n,
				 const char *currency, seam_money_dec_t *out, seam_error_t *err)
{
	seam_money_dec_t sum = {0, 0}, amount, refunded, balance;
	seam_err_t rc;

	if (!out || (n && !payments) || !currency)
		return seam_errorf(err, SEAM_INVAL, "total_paid: NULL argument");
	for (size_t i = 0; i < n; i++) {
		const seam_order_payment_t *p = &payments[i];
		if (!p->completed)
			continue;
		if (!same_currency(p->amount.currency_code, currency) ||
		    (p->refunded_amount.number &&
		     !same_currency(p->refunded_amount.currency_code, currency)))
			return seam_errorf(err, SEAM_INVAL,
					   "total_paid: payment %zu is in %s, the order in %s", i,
					   p->amount.currency_code ? p->amount.currency_code : "(none)",
					   currency);
		if ((rc = parse_price(&p->amount, "payment amount", &amount, err)) != SEAM_OK)
			return rc;
		refunded = (seam_money_dec_t){0, 0};
		if (p->refunded_amount.number &&
		    (rc = parse_price(&p->refunded_amount, "payment refunded_amount", &refunded,
				      err)) != SEAM_OK)
			return rc;
		if ((rc = seam_money_dec_sub(amount, refunded, &balance, err)) != SEAM_OK ||
		    (rc = seam_money_dec_add(sum, balance, &sum, err)) != SEAM_OK)
			return rc;
	}
	*out = sum;
	return SEAM_OK;
}

seam_err_t seam_order_paid(const seam_price_t *total_price, const seam_price_t *total_paid,
			   seam_order_state_e state, bool *paid, seam_error_t *err)
{
	seam_money_dec_t total, tp = {0, 0}, zero = {0, 0};
	seam_err_t rc;

	if (!paid)
		return seam_errorf(err, SEAM_INVAL, "paid: NULL argument");
	*paid = false;
	if (!total_price || !total_price->number)
		return SEAM_OK; /* no total: never paid */
	if ((rc = parse_price(total_price, "total_price", &total, err)) != SEAM_OK)
		return rc;
	if (seam_money_dec_cmp(total, zero) == 0) {
		*paid = state != SEAM_ORDER_DRAFT && state != SEAM_ORDER_CANCELED;
		return SEAM_OK;
	}
	if (total_paid && total_paid->number) {
		if (!same_currency(total_price->currency_code, total_paid->currency_code))
			return seam_errorf(err, SEAM_INVAL, "paid: total_price in %s, total_paid in %s",
					   total_price->currency_code ? total_price->currency_code : "(none)",
					   total_paid->currency_code ? total_paid->currency_code : "(none)");
		if ((rc = parse_price(total_paid, "total_paid", &tp, err)) != SEAM_OK)
			return rc;
	}
	*paid = seam_money_dec_cmp(total, tp) <= 0; /* balance = total - paid <= 0 */
	return SEAM_OK;
}
