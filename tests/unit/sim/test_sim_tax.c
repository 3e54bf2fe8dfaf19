/*
 * test_sim_tax.c: the AvaTax-like double: exact per-line tax from the rate table, totals,
 * tax-included lines, exemptions, kept invoices and createoradjust, validation, auth.
 */
#include "sim_test.h"
#include "tests/support/th_assert.h"

static const char *yaml =
	"seed: 2\n"
	"tax:\n"
	"  account_id: acct\n"
	"  license_key: lic\n"
	"  force_timeout: 50ms\n"
	"  rates:\n"
	"    - {country: US, region: CA, rate: '0.0725', name: CA STATE}\n"
	"    - {country: US, rate: '0.05'}\n"
	"    - {country: DE, rate: '0.19', name: DE VAT}\n";

static const char *const *auth(void)
{
	static char buf[128];
	static const char *h[2];
	h[0] = basic(buf, "acct", "lic");
	h[1] = NULL;
	return h;
}

static void test_quote(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	const char *q = "{\"type\":\"SalesOrder\",\"date\":\"2026-11-26\",\"customerCode\":\"c1\",\"currencyCode\":\"USD\","
			"\"addresses\":{\"shipTo\":{\"line1\":\"1 Main\",\"city\":\"LA\",\"region\":\"CA\",\"country\":\"US\",\"postalCode\":\"90001\"}},"
			"\"lines\":[{\"number\":\"1\",\"quantity\":2,\"amount\":10.00,\"itemCode\":\"SKU-000001\"},"
			"{\"number\":\"2\",\"amount\":0.07},"
			"{\"number\":\"3\",\"amount\":100,\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"NV\"}}},"
			"{\"number\":\"4\",\"amount\":50,\"exemptionCode\":\"RESALE\"}]}";
	call(d, "POST", "/api/v2/transactions/create", auth(), q, &r);
	assert_int_equal(r.status, 201);
	/* 10.00 x 7.25% = 0.725 -> 0.73; 0.07 x 7.25% = 0.005075 -> 0.01; 100 x 5% = 5; exempt 0 */
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.0.tax")), ==, 0.73);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.1.tax")), ==, 0.01);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.2.tax")), ==, 5.0);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.3.tax")), ==, 0.0);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.3.exemptAmount")), ==, 50.0);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, 5.74);
	assert_non_null(strstr(r.body, "\"totalTax\":5.74"));
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalAmount")), ==, 160.07);
	assert_string_equal(jstr(r.json, "status"), "Temporary");
	assert_int_equal(json_array_size(json_object_get(r.json, "summary")), 2); /* CA (incl. the exempt line), NV */
	assert_string_equal(jstr(r.json, "lines.0.details.0.jurisName"), "CA STATE");
	seam_sim_resp_dispose(&r);

	/* tax included: 119.00 gross in DE is 100.00 net + 19.00 */
	call(d, "POST", "/api/v2/transactions/create", auth(),
	     "{\"date\":\"2026-11-26\",\"customerCode\":\"c\",\"currencyCode\":\"EUR\",\"addresses\":{\"singleLocation\":{\"country\":\"DE\"}},"
	     "\"lines\":[{\"amount\":\"119.00\",\"taxIncluded\":true}]}",
	     &r);
	assert_int_equal(r.status, 201);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, 19.0);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.0.lineAmount")), ==, 100.0);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

static void test_invoices_and_errors(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	const char *inv = "{\"type\":\"SalesInvoice\",\"code\":\"ORD-1\",\"commit\":true,\"date\":\"2026-11-26\",\"customerCode\":\"c\","
			  "\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"CA\"}},\"lines\":[{\"amount\":20}]}";
	call(d, "POST", "/api/v2/transactions/create", auth(), inv, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "status"), "Committed");
	seam_sim_resp_dispose(&r);
	/* create on a committed code is an error; createoradjust is the idempotent way */
	call(d, "POST", "/api/v2/transactions/create", auth(), inv, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "DocumentCodeConflict");
	seam_sim_resp_dispose(&r);
	char adj[600];
	snprintf(adj, sizeof adj, "{\"createTransactionModel\":%s,\"adjustmentReason\":\"PriceAdjusted\"}", inv);
	call(d, "POST", "/api/v2/transactions/createoradjust", auth(), adj, &r);
	assert_int_equal(r.status, 201);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/api/v2/companies/DEFAULT/transactions/ORD-1", auth(), NULL, &r);
	assert_int_equal(r.status, 200);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, 1.45);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/api/v2/companies/DEFAULT/transactions/NOPE", auth(), NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(r.json, "error.code"), "EntityNotFoundError");
	seam_sim_resp_dispose(&r);

	call(d, "POST", "/api/v2/transactions/create", auth(), "{\"customerCode\":\"c\",\"lines\":[{\"amount\":1}]}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "ValueRequiredError");
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/api/v2/transactions/create", auth(), "{\"date\":\"2026-01-01\",\"customerCode\":\"c\",\"lines\":[{\"amount\":1}]}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "InvalidAddress");
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/api/v2/transactions/create", NULL, inv, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(jstr(r.json, "error.code"), "AuthenticationException");
	seam_sim_resp_dispose(&r);
	/* the ForceTimeout test hook holds the answer, then fails */
	call(d, "POST", "/api/v2/transactions/create?$include=ForceTimeout", auth(), inv, &r);
	assert_int_equal(r.status, 408);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_invoices_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
