/* test_psp_event.c: the canonical payment event and the rules every provider's reader follows
 * (the readers are tested with their connectors: tests/unit/connectors/test_stripe.c,
 * test_adyen.c, test_stdwebhooks.c): rows found in the built-in or the caller's table, exponent
 * tables over ISO 4217, exact amounts, currency codes, fields that do not fit, an ignored event
 * reduced to its identity, and the conversion into the payment workflow's event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/psp_event.h"

static void test_rules(void **state)
{
	(void)state;
	static const seam_psp_rule_t builtin[] = {
		{"a.captured", SEAM_PAYMENT_EV_CAPTURED, NULL, "amount", true, false},
		{"a.voided", SEAM_PAYMENT_EV_VOIDED, NULL, NULL, false, false},
	};
	static const seam_psp_rule_t mine[] = {
		{.provider_type = "a.voided", .type = SEAM_PAYMENT_EV_IGNORED}};
	seam_psp_source_t src = {.rules = mine, .nrules = 1};
	assert_ptr_equal(seam_psp_rule_find(builtin, 2, "a.voided"), &builtin[1]);
	assert_null(seam_psp_rule_find(builtin, 2, "a.refunded"));
	assert_null(seam_psp_rule_find(builtin, 2, NULL));
	assert_ptr_equal(seam_psp_rule_pick(NULL, builtin, 2, "a.voided"), &builtin[1]);
	/* the caller's table replaces the built-in one: rows it lacks are not there */
	assert_ptr_equal(seam_psp_rule_pick(&src, builtin, 2, "a.voided"), &mine[0]);
	assert_null(seam_psp_rule_pick(&src, builtin, 2, "a.captured"));
	assert_true(seam_psp_needs_amount(SEAM_PAYMENT_EV_REFUNDED));
	assert_false(seam_psp_needs_amount(SEAM_PAYMENT_EV_VOIDED));
}

/* A provider's exponents win over ISO 4217; amounts convert exactly or not at all. */
static void test_amounts(void **state)
{
	(void)state;
	static const seam_psp_exponent_t ex[] = {{"ISK", 2}, {"JPY", 0}};
	char out[SEAM_MONEY_BUF], cur[4];
	seam_error_t err = {0};
	assert_int_equal(seam_psp_exponent(ex, 2, "ISK"), 2);
	assert_int_equal(seam_psp_exponent(ex, 2, "USD"), 2);
	assert_int_equal(seam_psp_exponent(ex, 2, "KWD"), 3);
	assert_int_equal(seam_psp_exponent(ex, 2, "ZZZ"), -1);
	assert_int_equal(seam_psp_to_decimal(100000, 2, "ISK", out, "p", "amount", &err), SEAM_OK);
	assert_string_equal(out, "1000");
	assert_int_equal(seam_psp_to_decimal(100050, 2, "ISK", out, "p", "amount", &err), SEAM_PARSE);
	assert_string_equal(err.msg, "p: amount 1000.50 ISK has more fraction digits than ISO 4217 "
				     "allows (0)");
	assert_int_equal(seam_psp_to_decimal(1, -1, "ZZZ", out, "p", "amount", &err), SEAM_PARSE);
	assert_string_equal(err.msg, "p: unknown currency ZZZ");
	assert_int_equal(seam_psp_read_currency("usd", cur, "p", "currency", &err), SEAM_OK);
	assert_string_equal(cur, "USD");
	assert_int_equal(seam_psp_read_currency("us", cur, "p", "currency", &err), SEAM_PARSE);
	assert_string_equal(err.msg, "p: currency \"us\" is not a currency code");
	assert_int_equal(seam_psp_read_currency("zzz", cur, "p", "currency", &err), SEAM_PARSE);
	assert_string_equal(err.msg, "p: unknown currency ZZZ");
	assert_string_equal(cur, "");
}

/* Fields are read whole or refused; an ignored event keeps only its identity. */
static void test_fields_and_ignored(void **state)
{
	(void)state;
	seam_psp_event_t e;
	seam_error_t err = {0};
	char small[4];
	bool present;
	int64_t minor;
	json_t *o = json_pack("{s:s, s:s, s:i, s:f}", "id", "evt_1", "empty", "", "n", 5, "f", 1.5);

	assert_int_equal(seam_psp_copy(small, sizeof small, "abcd", "p", "id", &err), SEAM_PARSE);
	assert_string_equal(err.msg, "p: id is longer than 3 bytes");
	assert_string_equal(small, "");
	assert_int_equal(seam_psp_need_str(o, "empty", small, sizeof small, "p", "x", &err), SEAM_PARSE);
	assert_string_equal(err.msg, "p: x is missing");
	assert_int_equal(seam_psp_read_minor(json_object_get(o, "n"), "p", "n", &present, &minor, &err),
			 SEAM_OK);
	assert_true(present);
	assert_int_equal(minor, 5);
	assert_int_equal(seam_psp_read_minor(json_object_get(o, "f"), "p", "f", &present, &minor, &err),
			 SEAM_PARSE);
	assert_int_equal(seam_psp_read_minor(NULL, "p", "g", &present, &minor, &err), SEAM_OK);
	assert_false(present);

	seam_psp_source_t src = {.store = "eu"};
	assert_int_equal(seam_psp_event_start(&e, "acme", o, &src, &err), SEAM_OK);
	assert_string_equal(e.provider, "acme");
	assert_string_equal(e.store, "eu");
	assert_int_equal(e.type, SEAM_PAYMENT_EV_IGNORED);
	snprintf(e.event_id, sizeof e.event_id, "evt_1");
	snprintf(e.amount, sizeof e.amount, "1.00");
	snprintf(e.currency, sizeof e.currency, "USD");
	e.cumulative = true;
	seam_psp_event_ignore(&e, "acme type %s is not a payment event", "x.y");
	assert_int_equal(seam_psp_event_finish(&e, SEAM_OK), SEAM_OK);
	assert_string_equal(e.reason, "acme type x.y is not a payment event");
	assert_string_equal(e.event_id, "evt_1");
	assert_string_equal(e.amount, "");
	assert_string_equal(e.currency, "");
	assert_false(e.cumulative);
	assert_int_equal(seam_psp_event_start(&e, "acme", json_array_get(o, 0), NULL, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "acme: payload is not a JSON object");
	assert_int_equal(seam_psp_event_start(NULL, "acme", o, NULL, &err), SEAM_INVAL);
	json_decref(o);
}

static void test_to_payment(void **state)
{
	(void)state;
	seam_payment_event_t ev;
	seam_error_t err = {0};
	seam_psp_event_t r = {.type = SEAM_PAYMENT_EV_REFUNDED, .event_id = "evt_3", .amount = "10.00",
			      .captured_amount = "39.98", .currency = "USD", .cumulative = true,
			      .occurred_at_ms = 1732636272000LL};
	assert_int_equal(seam_psp_event_to_payment(&r, &ev, &err), SEAM_OK);
	assert_int_equal(ev.type, SEAM_PAYMENT_EV_REFUNDED);
	assert_int_equal(ev.amount, 1000);
	assert_int_equal(ev.captured_total, 3998);
	assert_true(ev.cumulative);
	assert_string_equal(ev.currency, "USD");
	assert_int_equal(ev.at_ms, 1732636272000LL);
	assert_ptr_equal(ev.event_id, r.event_id);
	seam_psp_event_t v = {.type = SEAM_PAYMENT_EV_VOIDED};
	assert_int_equal(seam_psp_event_to_payment(&v, &ev, &err), SEAM_OK);
	assert_int_equal(ev.amount, -1);
	assert_int_equal(ev.captured_total, -1);
	seam_psp_event_t bad = {.type = SEAM_PAYMENT_EV_CAPTURED, .event_id = "x", .amount = "1.005",
				.currency = "USD"};
	assert_int_equal(seam_psp_event_to_payment(&bad, &ev, &err), SEAM_PARSE);
	memcpy(bad.currency, "ZZZ", 4);
	assert_int_equal(seam_psp_event_to_payment(&bad, &ev, &err), SEAM_PARSE);
	assert_int_equal(seam_psp_event_to_payment(NULL, &ev, &err), SEAM_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_amounts),
		cmocka_unit_test(test_fields_and_ignored),
		cmocka_unit_test(test_to_payment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
