/* test_orders.c: the order-export flow. seam_flow_orders_validate, what decides between
 * exporting an order and sending it to the dead letters with the contract's errors
 * (erp.sales-order@v1 and the totals rule); and the order.export
 * handler run as a job against a scripted storefront and ERP (flowtest.h): a normal export
 * with its write-back, an ERP 503 retried after its Retry-After, a create that timed out
 * adopted by the next attempt's lookup instead of created twice, and a 422 that dead-letters
 * the job with the ERP's reason. */
#include "tests/unit/flows/flowtest.h"

#include <stdlib.h>
#include <string.h>

#include "flows/orders.h"

static json_t *so(const char *text)
{
	json_t *d = json_loads(text, 0, NULL);
	assert_non_null(d);
	return d;
}

/* The one registry the tests of seam_flow_orders_validate share (opened by the group setup). */
static seam_contracts_t *reg;

/* Whether errors (public form) has one at pointer with keyword whose detail contains needle
 * (NULL: any detail). */
static int has(json_t *errors, const char *pointer, const char *keyword, const char *needle)
{
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e) {
		const char *p = json_string_value(json_object_get(e, "pointer"));
		const char *k = json_string_value(json_object_get(e, "keyword"));
		const char *d = json_string_value(json_object_get(e, "detail"));
		if (p && k && d && !strcmp(p, pointer) && !strcmp(k, keyword) &&
		    (!needle || strstr(d, needle)))
			return 1;
	}
	return 0;
}

static void want(json_t *errors, const char *pointer, const char *keyword, const char *needle)
{
	if (!has(errors, pointer, keyword, needle)) {
		char *got = json_dumps(errors, JSON_INDENT(1));
		fail_msg("no error at \"%s\" (%s) %s in:\n%s", pointer, keyword, needle ? needle : "",
			 got ? got : "");
	}
}

static int reg_open(void **state)
{
	seam_error_t err = {0};
	(void)state;
	if (seam_contracts_open(&reg, &err) != SEAM_OK) {
		fprintf(stderr, "contracts: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int reg_close(void **state)
{
	(void)state;
	seam_contracts_close(reg);
	return 0;
}

static void test_valid_totals_exact(void **state)
{
	json_t *errors = NULL;
	char *text = NULL;
	(void)state;
	/* 2 x 19.99 + 1 x 0.10 - 1.00 line discount + 4.95 shipping - 0.02 header discount */
	json_t *o = so("{\"externalDocumentNumber\":\"1001\",\"customerNumber\":\"WEB0001\",\"currencyCode\":\"USD\","
		       "\"discountAmount\":\"0.02\",\"salesOrderLines\":["
		       "{\"lineType\":\"Item\",\"lineObjectNumber\":\"A\",\"quantity\":\"2\",\"unitPrice\":\"19.99\"},"
		       "{\"lineType\":\"Item\",\"lineObjectNumber\":\"B\",\"quantity\":\"1\",\"unitPrice\":\"0.10\",\"discountAmount\":\"1.00\"},"
		       "{\"lineType\":\"Account\",\"lineObjectNumber\":\"6130\",\"quantity\":\"1\",\"unitPrice\":\"4.95\"}]}");
	assert_int_equal(seam_flow_orders_validate(reg, o, "44.01", "USD", &errors, &text), SEAM_OK);
	assert_int_equal(json_array_size(errors), 0);
	assert_null(text);
	json_decref(errors);
	/* one cent off is caught, with both figures, as a problem of the lines */
	assert_int_equal(seam_flow_orders_validate(reg, o, "44.02", "USD", &errors, &text), SEAM_PERMANENT);
	want(errors, "/salesOrderLines", "totals", "the lines add up to 44.01, the Drupal order total is 44.02");
	assert_non_null(text);
	assert_non_null(strstr(text, "erp.sales-order@v1: /salesOrderLines: the lines add up to 44.01"));
	free(text);
	json_decref(errors);
	/* another currency than the order's */
	assert_int_equal(seam_flow_orders_validate(reg, o, "44.01", "EUR", &errors, NULL), SEAM_PERMANENT);
	want(errors, "/currencyCode", "currency", "USD, but the Drupal order is in EUR");
	json_decref(errors);
	json_decref(o);
}

/* The contract's errors, every one, each at its pointer; the totals rule waits until the
 * contract holds (amounts that are no decimals cannot be added). */
static void test_every_problem_reported(void **state)
{
	json_t *errors = NULL;
	char *text = NULL;
	(void)state;
	json_t *o = so("{\"currencyCode\":\"EUR\",\"customerNumber\":\"C\",\"salesOrderLines\":["
		       "{\"quantity\":\"0\",\"unitPrice\":\"1\"},"
		       "{\"lineType\":\"Item\",\"lineObjectNumber\":\"X\",\"quantity\":\"1\",\"unitPrice\":1.5},"
		       "{\"lineType\":\"Item\",\"lineObjectNumber\":\"X\",\"quantity\":1,\"unitPrice\":\"1\",\"colour\":\"red\"}]}");
	assert_int_equal(seam_flow_orders_validate(reg, o, "10.00", "USD", &errors, &text), SEAM_PERMANENT);
	want(errors, "", "required", "externalDocumentNumber");
	want(errors, "/salesOrderLines/0", "required", "lineType");
	want(errors, "/salesOrderLines/0/quantity", "pattern", NULL); /* not positive */
	/* a float price would not be exact: refused */
	want(errors, "/salesOrderLines/1/unitPrice", "type", NULL);
	want(errors, "/salesOrderLines/2/quantity", "type", NULL);
	/* closed: a typo is caught (at the property or at its object: the spec allows both) */
	if (!has(errors, "/salesOrderLines/2/colour", "additionalProperties", NULL))
		want(errors, "/salesOrderLines/2", "additionalProperties", NULL);
	assert_false(has(errors, "/currencyCode", "currency", NULL));
	assert_non_null(text);
	assert_non_null(strstr(text, "/salesOrderLines/1/unitPrice: "));
	free(text);
	json_decref(errors);
	json_decref(o);
	o = so("{\"externalDocumentNumber\":\"1\",\"customerNumber\":\"C\",\"currencyCode\":\"EUR\",\"salesOrderLines\":[]}");
	assert_int_equal(seam_flow_orders_validate(reg, o, NULL, NULL, &errors, NULL), SEAM_PERMANENT);
	want(errors, "/salesOrderLines", "minItems", NULL);
	json_decref(errors);
	json_decref(o);
	o = json_string("not an object");
	assert_int_equal(seam_flow_orders_validate(reg, o, NULL, NULL, &errors, NULL), SEAM_PERMANENT);
	want(errors, "", "type", NULL);
	json_decref(errors);
	json_decref(o);
	/* no registry: nothing passes unchecked */
	o = so("{\"externalDocumentNumber\":\"1\"}");
	assert_int_equal(seam_flow_orders_validate(NULL, o, NULL, NULL, &errors, NULL), SEAM_PERMANENT);
	json_decref(errors);
	json_decref(o);
}

static void test_jpy_and_kwd(void **state)
{
	json_t *errors = NULL;
	(void)state;
	json_t *o = so("{\"externalDocumentNumber\":\"7\",\"customerNumber\":\"C\",\"currencyCode\":\"JPY\","
		       "\"salesOrderLines\":[{\"lineType\":\"Item\",\"lineObjectNumber\":\"X\",\"quantity\":\"3\",\"unitPrice\":\"1500\"}]}");
	assert_int_equal(seam_flow_orders_validate(reg, o, "4500", "JPY", &errors, NULL), SEAM_OK);
	json_decref(errors);
	json_decref(o);
	o = so("{\"externalDocumentNumber\":\"8\",\"customerNumber\":\"C\",\"currencyCode\":\"KWD\","
	       "\"salesOrderLines\":[{\"lineType\":\"Item\",\"lineObjectNumber\":\"X\",\"quantity\":\"1.5\",\"unitPrice\":\"2.125\"}]}");
	assert_int_equal(seam_flow_orders_validate(reg, o, "3.1875", "KWD", &errors, NULL), SEAM_OK);
	json_decref(errors);
	json_decref(o);
}

/* The real mapping's sample: its expected output holds the contract and adds up to the
 * sample order's total less tax (what `seam check` and order.export run). */
static void test_sample_output_holds(void **state)
{
	json_t *in = json_load_file("mappings/samples/order_to_erp.json", 0, NULL);
	json_t *out = json_load_file("mappings/samples/order_to_erp.expected.json", 0, NULL);
	json_t *errors = NULL;
	char *text = NULL;
	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	if (seam_flow_orders_check_mapped(reg, in, out, &errors, &text) != SEAM_OK)
		fail_msg("the sample's expected output does not hold: %s", text ? text : "");
	json_decref(errors);
	/* one line's quantity changed: the totals no longer add up */
	json_object_set_new(json_array_get(json_object_get(out, "salesOrderLines"), 1), "quantity",
			    json_string("2"));
	assert_int_equal(seam_flow_orders_check_mapped(reg, in, out, &errors, &text), SEAM_PERMANENT);
	want(errors, "/salesOrderLines", "totals", NULL);
	free(text);
	json_decref(errors);
	json_decref(out);
	json_decref(in);
}

/* --- the order.export handler ----------------------------------------------------------- */

/* mappings/samples/order_to_erp.json: order 1002 of the storefront. */
#define ORDER_UUID "5bdfd1e8-dfad-41ac-a514-1b58d123e678"
#define ORDER_JSON "mappings/samples/order_to_erp.json"
#define SO_ID "5d115c9c-44e3-ea11-bb43-000d3a2feca1"
#define SO_PATH "/api/v2.0/companies(" FT_COMPANY ")/salesOrders"
#define NO_MATCH "{\"value\":[]}"
#define SO_1002 "{\"id\":\"" SO_ID "\",\"number\":\"S-ORD101001\",\"externalDocumentNumber\":\"1002\"," \
		"\"customerNumber\":\"WEB0001\",\"currencyCode\":\"USD\",\"status\":\"Draft\"}"

typedef struct ofx {
	ft_t f;
	seam_flow_orders_t *fo;
	char id[37];
} ofx_t;

static int ofx_setup(void **state)
{
	ofx_t *x = calloc(1, sizeof *x);
	seam_error_t err = {0};
	ft_open(&x->f);
	ft_env(&x->f, &seam_flow_orders);
	if (seam_flow_orders_create(&x->f.fenv, &x->fo, &err) != SEAM_OK) {
		fprintf(stderr, "orders flow: %s\n", err.msg);
		return -1;
	}
	ft_register(&x->f, &seam_flow_orders, x->fo);
	*state = x;
	return 0;
}

static int ofx_teardown(void **state)
{
	ofx_t *x = *state;
	ft_stop(&x->f);
	seam_flow_orders_destroy(x->fo);
	ft_close(&x->f);
	free(x);
	return 0;
}

/* The export job of order 1002, as the storefront's order.placed event enqueues it. */
static void export_1002(ofx_t *x)
{
	ft_enqueue(&x->f, SEAM_JOB_ORDER_EXPORT, SEAM_FLOW_ORDERS, "export:us:" ORDER_UUID,
		   "{\"store\":\"us\",\"order_uuid\":\"" ORDER_UUID "\"}", x->id);
}

static char *order_col(ofx_t *x, const char *col, char *out, size_t cap)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT %s FROM orders WHERE store = 'us' AND order_uuid = $1", col);
	return qt_text(x->f.env.st, sql, ORDER_UUID, out, cap);
}

static char *attempt_error(ofx_t *x, int attempt, char *out, size_t cap)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT error FROM job_attempt_log WHERE job_id = $1 AND attempt = %d", attempt);
	return qt_text(x->f.env.st, sql, x->id, out, cap);
}

/* Lookup (nothing there), create, write-back: exported once, its ERP number on the Drupal order
 * and in seam's record, the story on the order's timeline. */
static void test_export_normal(void **state)
{
	ofx_t *x = *state;
	char buf[256], st[16];
	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON);
	th_mock_push(x->f.erp_mk, 200, NO_MATCH, NULL, 0, NULL, NULL);
	th_mock_push(x->f.erp_mk, 201, SO_1002, NULL, 0, NULL, NULL);
	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON); /* the PATCH's answer */
	export_1002(x);
	ft_start(&x->f);
	assert_string_equal(ft_wait_attempts(&x->f, x->id, 1, st), "succeeded");

	/* The storefront: the order read, then its ERP number written back. */
	assert_int_equal(th_mock_nseen(x->f.drupal_mk), 2);
	assert_string_equal(ft_seen(x->f.drupal_mk, 0)->method, "GET");
	assert_string_equal(ft_seen(x->f.drupal_mk, 0)->path, "/jsonapi/commerce_order/default/" ORDER_UUID);
	assert_string_equal(ft_seen(x->f.drupal_mk, 1)->method, "PATCH");
	assert_string_equal(ft_seen(x->f.drupal_mk, 1)->path, "/jsonapi/commerce_order/default/" ORDER_UUID);
	json_t *patch = json_loads(ft_seen(x->f.drupal_mk, 1)->body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(patch, "data"),
						"attributes"), "seam_erp_number")), "S-ORD101001");
	json_decref(patch);
	/* The ERP: looked up by the order number, then created from the mapping. */
	assert_int_equal(th_mock_nseen(x->f.erp_mk), 2);
	assert_string_equal(ft_seen(x->f.erp_mk, 0)->method, "GET");
	assert_string_equal(ft_seen(x->f.erp_mk, 0)->path, SO_PATH);
	assert_non_null(strstr(ft_seen(x->f.erp_mk, 0)->query, "externalDocumentNumber eq '1002'"));
	assert_string_equal(ft_seen(x->f.erp_mk, 1)->method, "POST");
	assert_string_equal(ft_seen(x->f.erp_mk, 1)->path, SO_PATH);
	json_t *so = json_loads(ft_seen(x->f.erp_mk, 1)->body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(so, "externalDocumentNumber")), "1002");
	assert_string_equal(json_string_value(json_object_get(so, "customerNumber")), "WEB0001");
	assert_int_equal(json_array_size(json_object_get(so, "salesOrderLines")), 3);
	json_decref(so);

	assert_string_equal(order_col(x, "export_state", buf, sizeof buf), "written_back");
	assert_string_equal(order_col(x, "erp_number", buf, sizeof buf), "S-ORD101001");
	assert_string_equal(order_col(x, "erp_id", buf, sizeof buf), SO_ID);
	assert_string_equal(order_col(x, "order_number", buf, sizeof buf), "1002");
	assert_string_equal(ft_timeline(&x->f, ORDER_UUID, buf, sizeof buf), "export.created,writeback.done");
	TH_ASSERT_CMP(seam_metric_get(x->f.m, SEAM_M_ORDER_EXPORTS, (const char *[]){"us", "created"}), ==, 1);
}

/* The ERP answers the create with 503 and Retry-After: the attempt fails in the retry class,
 * the job comes back exactly Retry-After later, looks up again (nothing was created) and
 * creates. */
static void test_export_erp_503_then_success(void **state)
{
	ofx_t *x = *state;
	char buf[512], st[16];
	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON);
	th_mock_push(x->f.erp_mk, 200, NO_MATCH, NULL, 0, NULL, NULL);
	th_mock_push(x->f.erp_mk, 503, "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"busy\"}}",
		     NULL, 0, "Retry-After", "7");
	export_1002(x);
	ft_start(&x->f);
	assert_string_equal(ft_wait_attempts(&x->f, x->id, 1, st), "queued");
	attempt_error(x, 1, buf, sizeof buf);
	TH_ASSERT_STRNCMP(buf, ==, "retry: ERP create: ", 19);
	assert_non_null(strstr(buf, "HTTP 503"));
	assert_int_equal(qt_int(x->f.env.st, "SELECT run_at FROM jobs WHERE id = $1", x->id), FT_T0 + 7000);
	assert_string_equal(order_col(x, "export_state", buf, sizeof buf), "seen");
	assert_string_equal(ft_timeline(&x->f, ORDER_UUID, buf, sizeof buf), "export.failed");

	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON);
	th_mock_push(x->f.erp_mk, 200, NO_MATCH, NULL, 0, NULL, NULL);
	th_mock_push(x->f.erp_mk, 201, SO_1002, NULL, 0, NULL, NULL);
	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON);
	ft_tick(&x->f, 7000);
	assert_string_equal(ft_wait_attempts(&x->f, x->id, 2, st), "succeeded");
	assert_int_equal(qt_int(x->f.env.st, "SELECT started_at FROM job_attempt_log WHERE job_id = $1 AND attempt = 2",
				x->id), FT_T0 + 7000);
	assert_int_equal(th_mock_nseen(x->f.erp_mk), 4); /* lookup, create (503), lookup, create */
	assert_string_equal(ft_seen(x->f.erp_mk, 2)->method, "GET");
	assert_string_equal(ft_seen(x->f.erp_mk, 3)->method, "POST");
	assert_string_equal(order_col(x, "erp_number", buf, sizeof buf), "S-ORD101001");
	assert_string_equal(ft_timeline(&x->f, ORDER_UUID, buf, sizeof buf),
			    "export.failed,export.created,writeback.done");
}

/* The create times out: the ERP may still be making the order, so the next attempt waits
 * twice the ERP's timeout, looks up, finds the order the timed-out create made and adopts it.
 * One POST in all: no duplicate sales order. */
static void test_export_ambiguous_create_adopted(void **state)
{
	ofx_t *x = *state;
	char buf[512], st[16];
	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON);
	th_mock_push(x->f.erp_mk, 200, NO_MATCH, NULL, 0, NULL, NULL);
	/* made, but answered after the client gave up */
	th_mock_push(x->f.erp_mk, 201, SO_1002, NULL, 2 * FT_ERP_TIMEOUT_MS, NULL, NULL);
	export_1002(x);
	ft_start(&x->f);
	assert_string_equal(ft_wait_attempts(&x->f, x->id, 1, st), "queued");
	attempt_error(x, 1, buf, sizeof buf);
	TH_ASSERT_STRNCMP(buf, ==, "retry: ERP create: ", 19);
	assert_int_equal(qt_int(x->f.env.st, "SELECT run_at FROM jobs WHERE id = $1", x->id),
			 FT_T0 + 2 * FT_ERP_TIMEOUT_MS);

	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON);
	th_mock_push(x->f.erp_mk, 200, "{\"value\":[" SO_1002 "]}", NULL, 0, NULL, NULL);
	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON);
	ft_tick(&x->f, 2 * FT_ERP_TIMEOUT_MS);
	assert_string_equal(ft_wait_attempts(&x->f, x->id, 2, st), "succeeded");
	assert_int_equal(th_mock_nseen(x->f.erp_mk), 3); /* lookup, create (timed out), lookup */
	assert_string_equal(ft_seen(x->f.erp_mk, 1)->method, "POST");
	assert_string_equal(ft_seen(x->f.erp_mk, 2)->method, "GET");
	assert_string_equal(order_col(x, "erp_number", buf, sizeof buf), "S-ORD101001");
	assert_string_equal(order_col(x, "export_state", buf, sizeof buf), "written_back");
	assert_string_equal(ft_timeline(&x->f, ORDER_UUID, buf, sizeof buf),
			    "export.failed,export.adopted,writeback.done");
	TH_ASSERT_CMP(seam_metric_get(x->f.m, SEAM_M_ORDER_EXPORTS, (const char *[]){"us", "adopted"}), ==, 1);
	TH_ASSERT_CMP(seam_metric_get(x->f.m, SEAM_M_ORDER_EXPORTS, (const char *[]){"us", "created"}), ==, 0);
}

/* The ERP refuses the order (422): retrying cannot help, so the job is dead at once with the
 * ERP's code and message as its reason, and nothing is written back. */
static void test_export_422_dead_letter(void **state)
{
	ofx_t *x = *state;
	char buf[512], st[16];
	ft_push_file(x->f.drupal_mk, 200, ORDER_JSON);
	th_mock_push(x->f.erp_mk, 200, NO_MATCH, NULL, 0, NULL, NULL);
	th_mock_push(x->f.erp_mk, 422, "{\"error\":{\"code\":\"Application_FieldValidationException\","
		     "\"message\":\"Item No. WIDGET-BLU-M does not exist.\"}}", NULL, 0, NULL, NULL);
	export_1002(x);
	ft_start(&x->f);
	assert_string_equal(ft_wait_attempts(&x->f, x->id, 1, st), "dead");
	qt_text(x->f.env.st, "SELECT last_error FROM jobs WHERE id = $1", x->id, buf, sizeof buf);
	TH_ASSERT_STRNCMP(buf, ==, "permanent: ERP create: ", 23);
	assert_non_null(strstr(buf, "HTTP 422: Application_FieldValidationException: Item No. WIDGET-BLU-M "
				"does not exist."));
	assert_int_equal(qt_int(x->f.env.st, "SELECT attempts FROM jobs WHERE id = $1", x->id), 1);
	assert_int_equal(th_mock_nseen(x->f.drupal_mk), 1); /* no write-back */
	assert_string_equal(order_col(x, "export_state", buf, sizeof buf), "seen");
	assert_string_equal(order_col(x, "erp_number", buf, sizeof buf), "");
	assert_string_equal(ft_timeline(&x->f, ORDER_UUID, buf, sizeof buf), "export.failed");
}

/* The mapping's output violates erp.sales-order@v1 (a SKU longer than Business Central's
 * Code[20]; the mapping does not check it): nothing is sent to the ERP, the job is dead at
 * once with the contract's errors as last_error, and the timeline has export.invalid with
 * the errors array. */
static void test_export_contract_violation_dead_letter(void **state)
{
	ofx_t *x = *state;
	char buf[2048], st[16];
	char *text = th_read_file(ORDER_JSON);
	assert_non_null(text);
	char *at = strstr(text, "\"sku\": \"WIDGET-BLU-M\"");
	if (!at)
		at = strstr(text, "\"sku\":\"WIDGET-BLU-M\"");
	assert_non_null(at);
	/* same length of text is not needed: the body is rebuilt around the new SKU */
	size_t pre = (size_t)(strstr(at, "WIDGET-BLU-M") - text);
	char *doc = NULL;
	assert_true(asprintf(&doc, "%.*sWIDGET-BLUE-MEDIUM-EXTRA-LONG%s", (int)pre, text,
			     text + pre + strlen("WIDGET-BLU-M")) > 0);
	free(text);
	th_mock_push(x->f.drupal_mk, 200, doc, NULL, 0, NULL, NULL);
	free(doc);
	export_1002(x);
	ft_start(&x->f);
	assert_string_equal(ft_wait_attempts(&x->f, x->id, 1, st), "dead");
	qt_text(x->f.env.st, "SELECT last_error FROM jobs WHERE id = $1", x->id, buf, sizeof buf);
	if (!strstr(buf, "mapped sales order violates erp.sales-order@v1: "
			 "/salesOrderLines/0/lineObjectNumber: ") ||
	    !strstr(buf, "(maxLength)"))
		fail_msg("last_error: %s", buf);
	assert_int_equal(th_mock_nseen(x->f.erp_mk), 0); /* nothing reached the ERP */
	assert_string_equal(ft_timeline(&x->f, ORDER_UUID, buf, sizeof buf), "export.invalid");
	qt_text(x->f.env.st, "SELECT detail FROM timeline WHERE entity_id = $1 AND event = 'export.invalid'",
		ORDER_UUID, buf, sizeof buf);
	json_t *detail = json_loads(buf, 0, NULL), *e = NULL;
	assert_non_null(detail);
	assert_string_equal(json_string_value(json_object_get(detail, "contract")), "erp.sales-order@v1");
	e = json_array_get(json_object_get(detail, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "pointer")), "/salesOrderLines/0/lineObjectNumber");
	assert_string_equal(json_string_value(json_object_get(e, "keyword")), "maxLength");
	assert_non_null(json_string_value(json_object_get(e, "detail")));
	json_decref(detail);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_totals_exact),
		cmocka_unit_test(test_every_problem_reported),
		cmocka_unit_test(test_jpy_and_kwd),
		cmocka_unit_test(test_sample_output_holds),
		cmocka_unit_test_setup_teardown(test_export_normal, ofx_setup, ofx_teardown),
		cmocka_unit_test_setup_teardown(test_export_erp_503_then_success, ofx_setup, ofx_teardown),
		cmocka_unit_test_setup_teardown(test_export_ambiguous_create_adopted, ofx_setup, ofx_teardown),
		cmocka_unit_test_setup_teardown(test_export_422_dead_letter, ofx_setup, ofx_teardown),
		cmocka_unit_test_setup_teardown(test_export_contract_violation_dead_letter, ofx_setup,
						ofx_teardown),
	};
	return cmocka_run_group_tests(tests, reg_open, reg_close);
}
