/* test_order_to_erp.c: the default mapping mappings/order_to_erp.lua on the sample Drupal
 * Commerce order (mappings/samples/order_to_erp.json) and on variations of it. Runs from the
 * repository root (as `make unit` does). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/money.h"
#include "map/map.h"

#define MAPPING "mappings/order_to_erp.lua"

typedef struct fx {
	seam_map_runtime_t *rt;
	json_t *sample, *ctx, *expected;
} fx_t;

static json_t *load(const char *path)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (!j)
		fail_msg("%s:%d: %s (run from the repository root)", path, je.line, je.text);
	return j;
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	seam_map_opts_t o = {.dir = "mappings"};
	seam_error_t err = {0};
	f->rt = seam_map_runtime_create(&o, &err);
	if (!f->rt) {
		fprintf(stderr, "create: %s\n", err.msg);
		return -1;
	}
	f->sample = load("mappings/samples/order_to_erp.json");
	f->ctx = load("mappings/samples/order_to_erp.ctx.json");
	f->expected = load("mappings/samples/order_to_erp.expected.json");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	seam_map_runtime_destroy(f->rt);
	json_decref(f->sample);
	json_decref(f->ctx);
	json_decref(f->expected);
	free(f);
	return 0;
}

static const char *str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v))
		fail_msg("%s is not a string", key);
	return json_string_value(v);
}

static json_t *line(json_t *out, size_t i)
{
	return json_array_get(json_object_get(out, "salesOrderLines"), i);
}

/* The included resource with this id in doc. */
static json_t *included(json_t *doc, const char *id)
{
	size_t i;
	json_t *r;
	json_array_foreach (json_object_get(doc, "included"), i, r) {
		if (strcmp(str(r, "id"), id) == 0)
			return r;
	}
	fail_msg("no included %s", id);
	return NULL;
}

static json_t *attrs(json_t *res)
{
	return json_object_get(res, "attributes");
}

static json_t *order_attrs(json_t *doc)
{
	return attrs(json_object_get(doc, "data"));
}

static json_t *price(const char *number, const char *currency)
{
	return json_pack("{s:s, s:s}", "number", number, "currency_code", currency);
}

static json_t *adjustment(const char *type, const char *label, const char *amount, int included_)
{
	return json_pack("{s:s, s:s, s:o, s:n, s:s, s:b, s:b}", "type", type, "label", label, "amount",
			 price(amount, "USD"), "percentage", "source_id", "1", "included", included_,
			 "locked", 0);
}

/* Runs the mapping; returns the output or NULL with err. */
static json_t *run(fx_t *f, json_t *doc, json_t *ctx, seam_error_t *err)
{
	json_t *out = NULL;
	seam_err_t rc = seam_map_run(f->rt, "order_to_erp", doc, ctx, &out, err);
	assert_int_equal((rc == SEAM_OK), (out != NULL));
	return out;
}

static void run_fails(fx_t *f, json_t *doc, json_t *ctx, const char *want_substr)
{
	seam_error_t err = {0};
	json_t *out = run(f, doc, ctx, &err);
	if (out) {
		char *s = json_dumps(out, JSON_COMPACT);
		fail_msg("mapped to %s, wanted an error with %s", s, want_substr);
	}
	assert_int_equal(err.code, SEAM_PERMANENT);
	if (!strstr(err.msg, want_substr))
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, want_substr);
	/* Every mapping failure points at the mapping file and line. */
	assert_int_equal(strncmp(err.msg, MAPPING ":", strlen(MAPPING ":")), 0);
}

static void test_sample_maps_to_sales_order(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	json_t *out = run(f, f->sample, f->ctx, &err), *l;
	seam_money_dec_t sum = {0, 0}, d;
	if (!out)
		fail_msg("%s", err.msg);

	assert_string_equal(str(out, "externalDocumentNumber"), "1002");
	assert_string_equal(str(out, "customerNumber"), "WEB0001");
	assert_string_equal(str(out, "currencyCode"), "USD");
	assert_string_equal(str(out, "orderDate"), "2026-11-26");
	assert_string_equal(str(out, "email"), "jane.doe@example.com");
	assert_string_equal(str(out, "sellToAddressLine1"), "1098 Alta Ave");
	assert_string_equal(str(out, "sellToCity"), "Mountain View");
	assert_string_equal(str(out, "sellToState"), "CA");
	assert_string_equal(str(out, "sellToPostCode"), "94043");
	assert_string_equal(str(out, "sellToCountry"), "US");
	/* null survives: present and null, not dropped and not "". */
	assert_non_null(json_object_get(out, "sellToAddressLine2"));
	assert_true(json_is_null(json_object_get(out, "sellToAddressLine2")));
	assert_null(json_object_get(out, "discountAmount"));
	assert_true(json_is_array(json_object_get(out, "salesOrderLines")));
	assert_int_equal(json_array_size(json_object_get(out, "salesOrderLines")), 3);

	l = line(out, 0);
	assert_string_equal(str(l, "lineType"), "Item");
	assert_string_equal(str(l, "lineObjectNumber"), "WIDGET-BLU-M");
	assert_string_equal(str(l, "description"), "Test Widget");
	assert_string_equal(str(l, "quantity"), "2");
	assert_string_equal(str(l, "unitPrice"), "19.99");
	assert_string_equal(str(l, "discountAmount"), "4.00");
	assert_int_equal(json_object_size(l), 6);

	l = line(out, 1);
	assert_string_equal(str(l, "lineType"), "Item");
	assert_string_equal(str(l, "lineObjectNumber"), "GADGET-XL");
	assert_string_equal(str(l, "description"), "Gadget XL \xe2\x80\x93 Edici\xc3\xb3n T\xc5\x8dky\xc5\x8d");
	assert_string_equal(str(l, "quantity"), "1"); /* Drupal's "1.00" */
	assert_string_equal(str(l, "unitPrice"), "49.50");
	assert_null(json_object_get(l, "discountAmount"));

	l = line(out, 2);
	assert_string_equal(str(l, "lineType"), "Account");
	assert_string_equal(str(l, "lineObjectNumber"), "6130");
	assert_string_equal(str(l, "description"), "Shipping");
	assert_string_equal(str(l, "quantity"), "1");
	assert_string_equal(str(l, "unitPrice"), "7.95");

	/* Totals, recomputed here exactly: sum(qty * unitPrice - discount) is the Drupal total
	 * 99.63 less the 6.20 sales tax that BC computes itself. */
	for (size_t i = 0; i < 3; i++) {
		seam_money_dec_t q, p, disc = {0, 0};
		l = line(out, i);
		assert_int_equal(seam_money_dec_parse(str(l, "quantity"), (size_t)-1, &q, NULL), SEAM_OK);
		assert_int_equal(seam_money_dec_parse(str(l, "unitPrice"), (size_t)-1, &p, NULL), SEAM_OK);
		if (json_object_get(l, "discountAmount"))
			assert_int_equal(seam_money_dec_parse(str(l, "discountAmount"), (size_t)-1, &disc, NULL),
					 SEAM_OK);
		assert_int_equal(seam_money_dec_mul(q, p, &d, NULL), SEAM_OK);
		assert_int_equal(seam_money_dec_sub(d, disc, &d, NULL), SEAM_OK);
		assert_int_equal(seam_money_dec_add(sum, d, &sum, NULL), SEAM_OK);
	}
	char buf[SEAM_MONEY_BUF];
	assert_string_equal(seam_money_dec_format(sum, buf), "93.43");

	/* The whole document matches the committed expected output (what `seam check` uses). */
	char msg[300];
	if (seam_map_json_diff(out, f->expected, msg, sizeof msg))
		fail_msg("%s", msg);
	json_decref(out);
}

static void test_seam_check_passes_on_mappings_dir(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_map_opts_t o = {.dir = "mappings"};
	json_t *out = NULL;
	assert_int_equal(seam_map_check(f->rt, "order_to_erp", f->sample, f->ctx, f->expected, &out, &err),
			 SEAM_OK);
	assert_non_null(out);
	json_decref(out);
	assert_int_equal(seam_map_check_dir(&o, NULL, NULL, NULL, &err), SEAM_OK);

	/* A wrong expectation is reported with its path. */
	json_t *want = json_deep_copy(f->expected);
	json_object_set_new(json_array_get(json_object_get(want, "salesOrderLines"), 1), "quantity",
			    json_string("3"));
	assert_int_equal(seam_map_check(f->rt, "order_to_erp", f->sample, f->ctx, want, NULL, &err),
			 SEAM_PERMANENT);
	assert_string_equal(err.msg, MAPPING ": output differs from the expected output: "
				     "$.salesOrderLines[1].quantity: got \"1\", want \"3\"");
	json_decref(want);
}

static void test_customer_number_sources(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	json_t *doc = json_deep_copy(f->sample), *out, *ctx;
	const char *profile_id = "c2d7e9a1-3b4f-4c6d-8e0f-1a2b3c4d5e6f";

	/* No ctx at all: no customer number and no account for shipping. */
	run_fails(f, doc, NULL, "no G/L account for 'shipping' adjustments (set accounts.shipping");
	ctx = json_pack("{s:{s:s}}", "accounts", "shipping", "6130");
	run_fails(f, doc, ctx, "no BC customer number: set the store's erp customer_number");

	/* A per-customer number on the billing profile wins over the store default. */
	json_object_set_new(attrs(included(doc, profile_id)), "field_erp_customer_number", json_string("C-4711"));
	out = run(f, doc, f->ctx, &err);
	assert_non_null(out);
	assert_string_equal(str(out, "customerNumber"), "C-4711");
	json_decref(out);
	/* ... and an empty one does not. */
	json_object_set_new(attrs(included(doc, profile_id)), "field_erp_customer_number", json_string(""));
	out = run(f, doc, f->ctx, &err);
	assert_string_equal(str(out, "customerNumber"), "WEB0001");
	json_decref(out);

	/* No billing profile: no sell-to address, the store's customer. */
	json_object_set_new(json_object_get(json_object_get(json_object_get(doc, "data"), "relationships"),
					    "billing_profile"),
			    "data", json_null());
	out = run(f, doc, f->ctx, &err);
	assert_string_equal(str(out, "customerNumber"), "WEB0001");
	assert_null(json_object_get(out, "sellToAddressLine1"));
	assert_null(json_object_get(out, "sellToAddressLine2"));
	json_decref(out);
	json_decref(ctx);
	json_decref(doc);
}

static void test_discounts_and_charges(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	json_t *doc = json_deep_copy(f->sample), *out, *adjs = json_object_get(order_attrs(doc), "adjustments");
	json_t *ctx = json_pack("{s:s, s:{s:s, s:s}}", "customer_number", "WEB0001", "accounts", "shipping",
				"6130", "fee", "6140");

	/* Order-level promotion -> the order's discountAmount; a fee -> another account line;
	 * an included adjustment (already in the price) -> nothing. Total 99.63 - 5.00 + 1.50. */
	json_array_append_new(adjs, adjustment("promotion", "Welcome 5 off", "-5.00", 0));
	json_array_append_new(adjs, adjustment("fee", "Handling", "1.50", 0));
	json_array_append_new(adjs, adjustment("custom", "VAT included", "3.00", 1));
	json_object_set_new(order_attrs(doc), "total_price", price("96.13", "USD"));
	out = run(f, doc, ctx, &err);
	if (!out)
		fail_msg("%s", err.msg);
	assert_string_equal(str(out, "discountAmount"), "5.00");
	assert_int_equal(json_array_size(json_object_get(out, "salesOrderLines")), 4);
	assert_string_equal(str(line(out, 3), "lineType"), "Account");
	assert_string_equal(str(line(out, 3), "lineObjectNumber"), "6140");
	assert_string_equal(str(line(out, 3), "description"), "Handling");
	assert_string_equal(str(line(out, 3), "unitPrice"), "1.50");
	json_decref(out);

	/* A fee without an account is refused, not dropped. */
	run_fails(f, doc, f->ctx, "no G/L account for 'fee' adjustments (set accounts.fee");
	json_decref(ctx);
	json_decref(doc);
}

static void test_totals_must_reconcile(void **state)
{
	fx_t *f = *state;
	json_t *doc = json_deep_copy(f->sample);
	const char *item1 = "f6ea7b8a-f8ff-4ce7-b0c2-3ae2609239da";

	json_object_set_new(order_attrs(doc), "total_price", price("99.64", "USD"));
	run_fails(f, doc, f->ctx,
		  "order 1002: mapped lines add up to 93.43, but the order total 99.64 less tax 6.20 is 93.44");
	json_object_set_new(order_attrs(doc), "total_price", price("99.63", "USD"));

	/* An item total that is not quantity x unit price. */
	json_object_set_new(attrs(included(doc, item1)), "total_price", price("39.99", "USD"));
	run_fails(f, doc, f->ctx, "total_price 39.99 is not quantity 2 x unit_price 19.99");
	json_object_set_new(attrs(included(doc, item1)), "total_price", price("39.98", "USD"));

	/* Mixed currencies. */
	json_object_set_new(attrs(included(doc, item1)), "unit_price", price("19.99", "EUR"));
	run_fails(f, doc, f->ctx, "unit_price is in EUR, the order in USD");
	json_object_set_new(attrs(included(doc, item1)), "unit_price", price("19.990000", "USD"));

	/* Drupal's 6-decimal storage form is accepted and shown at the currency's exponent. */
	seam_error_t err = {0};
	json_t *out = run(f, doc, f->ctx, &err);
	assert_non_null(out);
	assert_string_equal(str(line(out, 0), "unitPrice"), "19.99");
	json_decref(out);

	/* Amounts must be decimal text: a float price is refused with the mapping's line. */
	json_object_set_new(json_object_get(attrs(included(doc, item1)), "unit_price"), "number",
			    json_real(19.99));
	run_fails(f, doc, f->ctx, "money.mul: argument #2 is a float");
	json_decref(doc);
}

static void test_incomplete_documents(void **state)
{
	fx_t *f = *state;
	json_t *doc = json_deep_copy(f->sample), *inc;

	json_object_set_new(order_attrs(doc), "order_number", json_null());
	run_fails(f, doc, f->ctx, "has no order_number (not placed yet?)");
	json_object_set_new(order_attrs(doc), "order_number", json_string("1002"));

	/* Fetched without the variations: say which include is missing. */
	inc = json_object_get(doc, "included");
	json_array_remove(inc, 3); /* GADGET-XL */
	run_fails(f, doc, f->ctx,
		  "variation 9b3e2f4a-6c1d-4e8f-a2b7-5d0c9e8f1a34 is not in 'included': fetch the order "
		  "with include=order_items,order_items.purchased_entity,billing_profile");
	json_object_del(doc, "included");
	run_fails(f, doc, f->ctx, "order item f6ea7b8a-f8ff-4ce7-b0c2-3ae2609239da is not in 'included'");
	json_decref(doc);

	doc = json_pack("{s:{s:s, s:s}}", "data", "type", "commerce_product--default", "id", "x");
	run_fails(f, doc, f->ctx, "input is not a commerce_order JSON:API document");
	json_decref(doc);
}

typedef struct worker {
	fx_t *f;
	int ok;
	char msg[300];
} worker_t;

static void *worker_main(void *arg)
{
	worker_t *w = arg;
	seam_map_opts_t o = {.dir = "mappings"};
	seam_error_t err = {0};
	seam_map_runtime_t *rt = seam_map_runtime_create(&o, &err);
	if (!rt) {
		snprintf(w->msg, sizeof w->msg, "create: %s", err.msg);
		return NULL;
	}
	for (int i = 0; i < 100; i++) {
		json_t *out = NULL;
		char diff[200];
		if (seam_map_run(rt, "order_to_erp", w->f->sample, w->f->ctx, &out, &err) != SEAM_OK) {
			snprintf(w->msg, sizeof w->msg, "run %d: %s", i, err.msg);
			break;
		}
		if (seam_map_json_diff(out, w->f->expected, diff, sizeof diff)) {
			snprintf(w->msg, sizeof w->msg, "run %d: %s", i, diff);
			json_decref(out);
			break;
		}
		json_decref(out);
		w->ok++;
	}
	seam_map_runtime_destroy(rt);
	return NULL;
}

/* Four workers, four runtimes, one shared read-only sample (jansson reads are thread-safe). */
static void test_parallel_runtimes(void **state)
{
	fx_t *f = *state;
	pthread_t th[4];
	worker_t w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (worker_t){.f = f};
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_string_equal(w[i].msg, "");
		assert_int_equal(w[i].ok, 100);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sample_maps_to_sales_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seam_check_passes_on_mappings_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_customer_number_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discounts_and_charges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_totals_must_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parallel_runtimes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
