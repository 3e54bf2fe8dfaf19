/*
 * fuzz_psp_event.c: libFuzzer target for payment-event normalisation: the connectors' readers
 * (src/connectors/{stripe,adyen,stdwebhooks}.c) into the canonical event
 * (src/domain/psp_event.c): Stripe events, Adyen notification bodies (every item) and Standard
 * Webhooks payloads.
 *
 * Input: one selector byte, then the JSON body. Selector bits 0-1: provider (0 Stripe, 1 Adyen,
 * 2 and 3 Standard); bit 2: use an integrator's table (payment_events in seam.yaml: new types
 * and remapped ones, built like flows/payments.c does) instead of the built-in one; bit 3: no
 * webhook-id header (Standard) and no store.
 *
 * Checks besides memory safety, from psp_event.h's contract:
 *   - the result is SEAM_OK or SEAM_PARSE (with a message), nothing else;
 *   - pure: the payload is not changed, and normalising again gives the same bytes;
 *   - an event has an id; a mapped one has the PSP payment id and no reason; an ignored one
 *     has a reason and carries no amount;
 *   - amounts are canonical decimals at the currency's ISO 4217 exponent (parse and format
 *     back to the same text), with a currency exactly when there is an amount;
 *   - seam_psp_event_to_payment accepts every event normalisation produced, with the same
 *     minor units.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/adyen.h"
#include "connectors/stdwebhooks.h"
#include "connectors/stripe.h"
#include "domain/money.h"
#include "domain/psp_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The readers, as the provider table (flows/providers.c) binds them. */
enum { STRIPE, ADYEN, STANDARD, NPROV };
static const struct {
	const char *name;
	seam_psp_normalize_fn normalize;
	const seam_psp_rule_t *(*rules)(size_t *n);
} prov[NPROV] = {
	{"stripe", seam_stripe_normalize, seam_stripe_rules},
	{"adyen", seam_adyen_normalize, seam_adyen_rules},
	{"standard", seam_stdwebhooks_normalize, seam_stdwebhooks_rules},
};

/* The integrator's tables: a new type with the layout of a built-in one, a remapped type, and
 * an ignored one, per provider. */
static seam_psp_rule_t custom[NPROV][40];
static size_t ncustom[NPROV];

static void add_rule(int p, const char *type, seam_payment_event_e ev, const char *like)
{
	size_t n;
	const seam_psp_rule_t *base = prov[p].rules(&n);
	const seam_psp_rule_t *row = seam_psp_rule_find(custom[p], ncustom[p], type);
	if (!ncustom[p]) {
		memcpy(custom[p], base, n * sizeof *base);
		ncustom[p] = n;
	}
	if (!row) {
		const seam_psp_rule_t *l = like ? seam_psp_rule_find(base, n, like) : NULL;
		custom[p][ncustom[p]] = l ? *l : (seam_psp_rule_t){0};
		custom[p][ncustom[p]].provider_type = type;
		row = &custom[p][ncustom[p]++];
	}
	((seam_psp_rule_t *)row)->type = ev;
}

static void init_rules(void)
{
	if (ncustom[0])
		return;
	add_rule(STRIPE, "charge.succeeded", SEAM_PAYMENT_EV_CAPTURED, "charge.captured");
	add_rule(STRIPE, "payment_intent.canceled", SEAM_PAYMENT_EV_IGNORED, NULL);
	add_rule(STRIPE, "charge.expired", SEAM_PAYMENT_EV_FAILED, NULL);
	add_rule(ADYEN, "CHARGEBACK", SEAM_PAYMENT_EV_REFUNDED, "REFUND");
	add_rule(ADYEN, "AUTHORISATION", SEAM_PAYMENT_EV_IGNORED, NULL);
	add_rule(STANDARD, "payment.settled", SEAM_PAYMENT_EV_CAPTURED, "payment.captured");
	add_rule(STANDARD, "payment.voided", SEAM_PAYMENT_EV_IGNORED, NULL);
}

static void check_bounded(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

/* amount is "" or the canonical text of a value at the currency's ISO exponent. */
static void check_amount(const char *amount, const char *currency, int64_t *minor)
{
	char back[SEAM_MONEY_BUF];
	int exp;
	*minor = -1;
	if (!amount[0])
		return;
	exp = seam_money_exponent(currency);
	if (exp < 0)
		abort();
	if (seam_money_parse(amount, exp, minor, NULL) != SEAM_OK)
		abort();
	if (!seam_money_format(*minor, exp, back) || strcmp(back, amount) != 0)
		abort();
}

static void check_event(int p, const json_t *payload, const seam_psp_source_t *src)
{
	seam_psp_event_t a, b;
	seam_error_t err = {0};
	seam_err_t rc;
	char *before = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY), *after;

	memset(&a, 0x5a, sizeof a);
	memset(&b, 0xa5, sizeof b);
	rc = prov[p].normalize(payload, src, &a, &err);
	if (rc != SEAM_OK && rc != SEAM_PARSE)
		abort();
	if (rc == SEAM_PARSE && !err.msg[0])
		abort();
	if (prov[p].normalize(payload, src, &b, NULL) != rc || memcmp(&a, &b, sizeof a) != 0)
		abort(); /* deterministic, and every byte of the result written */
	after = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!before || !after || strcmp(before, after) != 0)
		abort(); /* the payload is borrowed, never changed */
	free(before);
	free(after);
	if (rc != SEAM_OK)
		return;

	check_bounded(a.provider, sizeof a.provider);
	check_bounded(a.event_id, sizeof a.event_id);
	check_bounded(a.event_type, sizeof a.event_type);
	check_bounded(a.reason, sizeof a.reason);
	check_bounded(a.amount, sizeof a.amount);
	check_bounded(a.currency, sizeof a.currency);
	check_bounded(a.captured_amount, sizeof a.captured_amount);
	check_bounded(a.remote_id, sizeof a.remote_id);
	check_bounded(a.order_uuid, sizeof a.order_uuid);
	check_bounded(a.order_id, sizeof a.order_id);
	check_bounded(a.store, sizeof a.store);
	check_bounded(a.remote_state, sizeof a.remote_state);
	if (strcmp(a.provider, prov[p].name) != 0 || !a.event_id[0] || (unsigned)a.type >= SEAM_PAYMENT__EV_COUNT)
		abort();
	if (a.type == SEAM_PAYMENT_EV_IGNORED) {
		if (!a.reason[0] || a.amount[0] || a.currency[0] || a.captured_amount[0] || a.cumulative)
			abort();
	} else if (a.reason[0] || !a.remote_id[0]) {
		abort();
	}
	if ((a.currency[0] != 0) != (a.amount[0] || a.captured_amount[0]))
		abort();
	int64_t amount, captured;
	check_amount(a.amount, a.currency, &amount);
	check_amount(a.captured_amount, a.currency, &captured);

	seam_payment_event_t pe;
	if (seam_psp_event_to_payment(&a, &pe, NULL) != SEAM_OK)
		abort();
	if (pe.type != a.type || pe.event_id != a.event_id || pe.amount != amount ||
	    pe.captured_total != captured || pe.cumulative != a.cumulative)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc;
	int p;
	seam_psp_source_t src = {.store = "eu", .webhook_id = "msg_2Lh6y7Q0aHk1hB9Zw3tN"};
	size_t n;

	if (size < 1)
		return 0;
	init_rules();
	p = (data[0] & 3) == 3 ? STANDARD : data[0] & 3;
	if (data[0] & 4) {
		src.rules = custom[p];
		src.nrules = ncustom[p];
	}
	if (data[0] & 8)
		src.store = src.webhook_id = NULL;
	doc = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	if (!doc)
		return 0;
	if (p == ADYEN && (n = seam_adyen_count(doc)) > 0) {
		/* a notification body: every item, as the webhook endpoint does */
		for (size_t i = 0; i < n && i < 16; i++) {
			const json_t *item = seam_adyen_item(doc, i);
			if (item)
				check_event(p, item, &src);
		}
		if (seam_adyen_item(doc, n) != NULL)
			abort();
	} else {
		check_event(p, doc, &src);
	}
	json_decref(doc);
	return 0;
}
