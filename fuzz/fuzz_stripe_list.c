/*
 * fuzz_stripe_list.c: libFuzzer target for what seam reads of Stripe's REST API for
 * reconciliation (src/connectors/stripe_api.c): a list page (seam_stripe_page_read) and every
 * object in it as a PaymentIntent and as a charge (seam_stripe_intent_read,
 * seam_stripe_charge_read). Input: one response body as Stripe (or the PSP double) answers
 * GET /v1/payment_intents or /v1/charges, or GET of one object.
 *
 * Checks besides memory safety:
 *   - a page is SEAM_OK with the document's data array, or SEAM_UPSTREAM with a message and
 *     no outputs; with has_more it names a next id that is the last object's, not empty, at
 *     most SEAM_STRIPE_ID_MAX long and not the previous one; without, no next id;
 *   - asked again with that next id as the previous one, the same page is refused (a loop);
 *   - pure: the document is not changed, and a second read gives the same outputs;
 *   - an accepted PaymentIntent has an id that fits, amounts in 0..SEAM_STRIPE_AMOUNT_MAX,
 *     a currency of three upper-case letters or none; the amounts are the document's integers;
 *   - an accepted charge has an id and a payment_intent that fit, its refunded amount in range.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/stripe_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_intent(const json_t *o)
{
	seam_stripe_intent_t a, b;
	int ra = seam_stripe_intent_read(o, &a), rb = seam_stripe_intent_read(o, &b);
	if (ra != rb || (ra != 0 && ra != -1))
		abort();
	if (ra != 0)
		return;
	if (!a.id || !*a.id || strlen(a.id) > SEAM_STRIPE_ID_MAX || a.id != b.id)
		abort();
	if (a.amount < 0 || a.amount > SEAM_STRIPE_AMOUNT_MAX || a.received < 0 ||
	    a.received > SEAM_STRIPE_AMOUNT_MAX || a.amount != b.amount || a.received != b.received)
		abort();
	json_t *am = json_object_get(o, "amount");
	if (json_is_integer(am) ? json_integer_value(am) != a.amount : a.amount != 0)
		abort();
	size_t cl = strlen(a.currency);
	if (cl != 0 && cl != 3)
		abort();
	for (size_t i = 0; i < cl; i++)
		if (a.currency[i] < 'A' || a.currency[i] > 'Z')
			abort();
	if (strcmp(a.currency, b.currency))
		abort();
	if (a.latest_charge && (!*a.latest_charge || strlen(a.latest_charge) > SEAM_STRIPE_ID_MAX))
		abort();
}

static void check_charge(const json_t *o)
{
	seam_stripe_charge_t a;
	int r = seam_stripe_charge_read(o, &a);
	if (r != 0 && r != -1)
		abort();
	if (r != 0)
		return;
	if (!a.id || !a.payment_intent || !*a.id || !*a.payment_intent ||
	    strlen(a.id) > SEAM_STRIPE_ID_MAX || strlen(a.payment_intent) > SEAM_STRIPE_ID_MAX ||
	    a.refunded < 0 || a.refunded > SEAM_STRIPE_AMOUNT_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
	if (!doc)
		return 0;
	char *before = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	json_t *items = NULL;
	int more = -1;
	const char *next = NULL;
	seam_error_t err = {0};
	seam_err_t rc = seam_stripe_page_read(doc, "", &items, &more, &next, &err);
	if (rc == SEAM_OK) {
		if (items != json_object_get(doc, "data") || !json_is_array(items))
			abort();
		if (more) {
			json_t *last = json_array_get(items, json_array_size(items) - 1);
			if (!next || !*next || strlen(next) > SEAM_STRIPE_ID_MAX ||
			    next != json_string_value(json_object_get(last, "id")))
				abort();
			/* the next page ending on the same id is a loop */
			json_t *i2;
			int m2;
			const char *n2;
			seam_error_t e2 = {0};
			if (seam_stripe_page_read(doc, next, &i2, &m2, &n2, &e2) != SEAM_UPSTREAM ||
			    !e2.msg[0] || n2)
				abort();
		} else if (next || more != 0) {
			abort();
		}
		size_t i;
		json_t *o;
		json_array_foreach(items, i, o) {
			check_intent(o);
			check_charge(o);
		}
	} else {
		if (rc != SEAM_UPSTREAM || !err.msg[0] || items || next || more)
			abort();
	}
	/* one object, as GET /v1/{resource}/{id} answers */
	check_intent(doc);
	check_charge(doc);
	char *after = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if ((before || after) && (!before || !after || strcmp(before, after)))
		abort();
	free(before);
	free(after);
	json_decref(doc);
	return 0;
}
