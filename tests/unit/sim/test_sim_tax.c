/*
 * test_sim_tax.c: the AvaTax-like double: exact per-line tax from the rate table, totals,
 * tax-included lines, exemptions, validation, auth; one kept document per code (createoradjust
 * adjusts, never duplicates), void, refunds, /adjust; the faults that make a client retry a
 * commit (a timeout after the commit, drop_after_commit, ForceTimeout) end with one document;
 * quotes keep nothing and cost the same with many documents stored; concurrent callers.
 */
#include <stdatomic.h>

#include "sim_test.h"

#include "core/clock.h"
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
	/* the ForceTimeout test hook holds the answer, then fails, and (by default) keeps nothing */
	const char *inv2 = "{\"type\":\"SalesInvoice\",\"code\":\"ORD-2\",\"commit\":true,\"date\":\"2026-11-26\",\"customerCode\":\"c\","
			   "\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"CA\"}},\"lines\":[{\"amount\":20}]}";
	int64_t t0 = seam_mono_ns();
	call(d, "POST", "/api/v2/transactions/create?$include=ForceTimeout", auth(), inv2, &r);
	TH_ASSERT_CMP((seam_mono_ns() - t0) / 1000000, >=, 45);
	assert_int_equal(r.status, 408);
	assert_string_equal(jstr(r.json, "error.code"), "TimeoutRequested");
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/api/v2/companies/DEFAULT/transactions/ORD-2", auth(), NULL, &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

/* ---- helpers for the kept documents ---- */

/* A createoradjust body: a document of type with one line of amount in California. */
static const char *model_body(char *buf, size_t cap, const char *type, const char *code,
			      const char *amount, int commit)
{
	snprintf(buf, cap,
		 "{\"createTransactionModel\":{\"type\":\"%s\",\"code\":\"%s\",\"commit\":%s,"
		 "\"date\":\"2026-11-26\",\"customerCode\":\"c1\",\"currencyCode\":\"USD\","
		 "\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"CA\"}},"
		 "\"lines\":[{\"number\":\"1\",\"amount\":%s}]},\"adjustmentReason\":\"PriceAdjusted\"}",
		 type, code, commit ? "true" : "false", amount);
	return buf;
}

/* The same for the invoice seam commits. */
static const char *order_body(char *buf, size_t cap, const char *code, const char *amount,
			      int commit)
{
	return model_body(buf, cap, "SalesInvoice", code, amount, commit);
}

static void post(seam_sim_double_t *d, const char *target, const char *body, seam_sim_resp_t *r)
{
	call(d, "POST", target, auth(), body, r);
}

/* GET /_sim/tax/stats, owned. */
static json_t *stats(seam_sim_double_t *d)
{
	seam_sim_resp_t r;
	call(d, "GET", "/_sim/tax/stats", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	json_t *j = json_incref(r.json);
	seam_sim_resp_dispose(&r);
	return j;
}

static json_int_t stat(seam_sim_double_t *d, const char *path)
{
	json_t *s = stats(d);
	json_int_t v = json_integer_value(jget(s, path));
	json_decref(s);
	return v;
}

/* A call on its own thread: for the faults that hold an answer while a retry comes in. */
typedef struct bg {
	seam_sim_double_t *d;
	const char *target;
	const char *hdr[2];
	char hbuf[128];
	char body[1024];
	seam_sim_resp_t r;
	int64_t ms;
	atomic_int done;
	pthread_t th;
} bg_t;

static void *bg_run(void *arg)
{
	bg_t *b = arg;
	int64_t t0 = seam_mono_ns();
	seam_sim_request(b->d, "POST", b->target, b->hdr, b->body, &b->r);
	b->ms = (seam_mono_ns() - t0) / 1000000;
	atomic_store(&b->done, 1);
	return NULL;
}

static void bg_start(bg_t *b, seam_sim_double_t *d, const char *target, const char *body)
{
	memset(b, 0, sizeof *b);
	b->d = d;
	b->target = target;
	b->hdr[0] = basic(b->hbuf, "acct", "lic");
	snprintf(b->body, sizeof b->body, "%s", body);
	assert_int_equal(pthread_create(&b->th, NULL, bg_run, b), 0);
}

static void bg_join(bg_t *b)
{
	pthread_join(b->th, NULL);
}

/* Waits (up to 3 s) until the stats path reaches want. */
static void wait_stat(seam_sim_double_t *d, const char *path, json_int_t want)
{
	for (int i = 0; i < 300 && stat(d, path) != want; i++)
		seam_sim_double_sleep(d, 10);
	assert_int_equal(stat(d, path), want);
}

/* ---- createoradjust: one document per code ---- */

static void test_createoradjust_keeps_one_document(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	char b[1024];
	const char *code = "us-5bdfd1e8-1c1e-4f4e-9a51-0c6a2d1f7e10";
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, code, "20.00", 1), &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "status"), "Committed");
	assert_string_equal(jstr(r.json, "type"), "SalesInvoice");
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, 1.45);
	json_int_t id1 = json_integer_value(json_object_get(r.json, "id"));
	seam_sim_resp_dispose(&r);
	/* the retry, with a changed amount: the same document, version 2, still committed */
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, code, "40.00", 1), &r);
	assert_int_equal(r.status, 201);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	assert_string_equal(jstr(r.json, "status"), "Committed");
	assert_string_equal(jstr(r.json, "adjustmentReason"), "PriceAdjusted");
	TH_ASSERT_CMP(json_integer_value(json_object_get(r.json, "id")), !=, id1);
	seam_sim_resp_dispose(&r);
	/* GET answers the newest version */
	callf(d, "GET", auth(), NULL, &r, "/api/v2/companies/DEFAULT/transactions/%s", code);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, 2.9);
	seam_sim_resp_dispose(&r);
	/* a retry with commit false does not uncommit it */
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, code, "40.00", 0), &r);
	assert_string_equal(jstr(r.json, "status"), "Committed");
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 3);
	seam_sim_resp_dispose(&r);

	json_t *s = stats(d);
	assert_int_equal(json_integer_value(json_object_get(s, "documents")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "committed")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "adjustments")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "by_code"), code)), 3);
	assert_int_equal(json_array_size(json_object_get(s, "duplicates")), 0);
	json_decref(s);
	call(d, "GET", "/_sim/tax/documents", NULL, NULL, &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 1);
	assert_string_equal(jstr(r.json, "documents.0.code"), code);
	assert_string_equal(jstr(r.json, "documents.0.status"), "Committed");
	assert_true(json_is_true(jget(r.json, "documents.0.committed")));
	assert_int_equal(json_integer_value(jget(r.json, "documents.0.version")), 3);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "documents.0.totalAmount")), ==, 40.0);
	assert_string_equal(jstr(r.json, "documents.0.date"), "2026-11-26");
	assert_int_equal(json_array_size(jget(r.json, "documents.0.history")), 2);
	assert_string_equal(jstr(r.json, "documents.0.history.0.status"), "Adjusted");
	TH_ASSERT_CMP(json_real_value(jget(r.json, "documents.0.history.0.totalTax")), ==, 1.45);
	seam_sim_resp_dispose(&r);

	/* Saved, then committed by /commit; a plain create on it is now refused */
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "S-1", "10", 0), &r);
	assert_string_equal(jstr(r.json, "status"), "Saved");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/S-1/commit", "{\"commit\":true}", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "Committed");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/NOPE/commit", "{\"commit\":true}", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(r.json, "error.code"), "EntityNotFoundError");
	seam_sim_resp_dispose(&r);

	/* a SalesOrder is never kept, through either route */
	post(d, "/api/v2/transactions/createoradjust", model_body(b, sizeof b, "SalesOrder", "Q-1", "10", 1), &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "status"), "Temporary");
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/api/v2/companies/DEFAULT/transactions/Q-1", auth(), NULL, &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	assert_int_equal(stat(d, "documents"), 2);
	assert_int_equal(stat(d, "quotes"), 1);

	/* types are AvaTax's enum, read case-insensitively */
	post(d, "/api/v2/transactions/create",
	     "{\"type\":\"salesinvoice\",\"code\":\"L-1\",\"date\":\"2026-11-26\",\"customerCode\":\"c\","
	     "\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"CA\"}},\"lines\":[{\"amount\":1}]}",
	     &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "type"), "SalesInvoice");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/transactions/create",
	     "{\"type\":\"SalesInvoyce\",\"date\":\"2026-11-26\",\"customerCode\":\"c\","
	     "\"addresses\":{\"shipTo\":{\"country\":\"US\"}},\"lines\":[{\"amount\":1}]}",
	     &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "InvalidEnumValue");
	seam_sim_resp_dispose(&r);
	/* reset forgets the documents */
	call(d, "POST", "/_sim/reset", NULL, "{\"data\":true}", &r);
	seam_sim_resp_dispose(&r);
	assert_int_equal(stat(d, "documents"), 0);
	assert_int_equal(stat(d, "quotes"), 0);
	simt_free(t);
}

/* ---- void ---- */

static void test_void(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	char b[1024];
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "V-1", "20", 1), &r);
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/V-1/void", "{\"code\":\"DocVoided\"}", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "Cancelled");
	assert_string_equal(jstr(r.json, "code"), "V-1");
	seam_sim_resp_dispose(&r);
	/* GET still shows it, Cancelled */
	call(d, "GET", "/api/v2/companies/DEFAULT/transactions/V-1", auth(), NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "status"), "Cancelled");
	seam_sim_resp_dispose(&r);
	/* a second void: AvaTax's TransactionAlreadyCancelled */
	post(d, "/api/v2/companies/DEFAULT/transactions/V-1/void", "{\"code\":\"DocVoided\"}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "TransactionAlreadyCancelled");
	seam_sim_resp_dispose(&r);
	/* nothing brings it back: a late commit retry, a commit, a refund */
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "V-1", "20", 1), &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "TransactionAlreadyCancelled");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/V-1/commit", "{\"commit\":true}", &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/V-1/refund",
	     "{\"refundTransactionCode\":\"V-1-R\",\"refundDate\":\"2026-11-27\",\"refundType\":\"Full\"}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "TransactionAlreadyCancelled");
	seam_sim_resp_dispose(&r);
	/* unknown code, bad void codes, no auth */
	post(d, "/api/v2/companies/DEFAULT/transactions/NOPE/void", "{\"code\":\"DocVoided\"}", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(r.json, "error.code"), "EntityNotFoundError");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/V-1/void", "{}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "ValueRequiredError");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/V-1/void", "{\"code\":\"AdjustmentCancelled\"}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "InvalidEnumValue");
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/api/v2/companies/DEFAULT/transactions/V-1/void", NULL, "{\"code\":\"DocVoided\"}", &r);
	assert_int_equal(r.status, 401);
	seam_sim_resp_dispose(&r);
	json_t *s = stats(d);
	assert_int_equal(json_integer_value(json_object_get(s, "documents")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "voided")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "committed")), 0);
	json_decref(s);
	simt_free(t);

	/* void_repeat: ok answers a second void with the document */
	t = simt_new("seed: 2\ntax: {account_id: acct, license_key: lic, void_repeat: ok}\n");
	d = simt_get(t, "tax");
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "V-2", "20", 0), &r);
	seam_sim_resp_dispose(&r);
	for (int i = 0; i < 2; i++) {
		post(d, "/api/v2/companies/DEFAULT/transactions/V-2/void", "{\"code\":\"docdeleted\"}", &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(jstr(r.json, "status"), "Cancelled");
		seam_sim_resp_dispose(&r);
	}
	simt_free(t);
}

/* ---- refunds ---- */

static void refund(seam_sim_double_t *d, const char *orig, const char *body, seam_sim_resp_t *r)
{
	callf(d, "POST", auth(), body, r, "/api/v2/companies/DEFAULT/transactions/%s/refund", orig);
}

static void test_refunds(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	/* 10.00, 20.00 and 0.07 in California: tax 0.73, 1.45, 0.01 */
	post(d, "/api/v2/transactions/createoradjust",
	     "{\"createTransactionModel\":{\"type\":\"SalesInvoice\",\"code\":\"O-1\",\"commit\":true,"
	     "\"date\":\"2026-11-26\",\"customerCode\":\"c1\",\"currencyCode\":\"USD\","
	     "\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"CA\"}},\"lines\":["
	     "{\"number\":\"1\",\"amount\":10.00,\"itemCode\":\"SKU-000001\"},{\"number\":\"2\",\"amount\":20.00},"
	     "{\"number\":\"3\",\"amount\":0.07}]}}",
	     &r);
	assert_int_equal(r.status, 201);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, 2.19);
	seam_sim_resp_dispose(&r);

	/* Full: every amount negated, committed, coded refundTransactionCode */
	refund(d, "O-1", "{\"refundTransactionCode\":\"O-1-R1\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Full\","
			 "\"referenceCode\":\"refund 1\"}", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "type"), "ReturnInvoice");
	assert_string_equal(jstr(r.json, "code"), "O-1-R1");
	assert_string_equal(jstr(r.json, "status"), "Committed");
	assert_string_equal(jstr(r.json, "date"), "2026-11-28");
	assert_string_equal(jstr(r.json, "referenceCode"), "refund 1");
	assert_string_equal(jstr(r.json, "customerCode"), "c1");
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalAmount")), ==, -30.07);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, -2.19);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.1.tax")), ==, -1.45);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.1.details.0.tax")), ==, -1.45);
	assert_string_equal(jstr(r.json, "lines.0.itemCode"), "SKU-000001");
	assert_int_equal(json_array_size(json_object_get(r.json, "summary")), 1);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "summary.0.tax")), ==, -2.19);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "summary.0.taxable")), ==, -30.07);
	seam_sim_resp_dispose(&r);
	/* the same refundTransactionCode again: no second document */
	refund(d, "O-1", "{\"refundTransactionCode\":\"O-1-R1\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Full\"}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "TransactionAlreadyExists");
	seam_sim_resp_dispose(&r);
	/* GET finds the return by its code (no SalesInvoice has it) */
	call(d, "GET", "/api/v2/companies/DEFAULT/transactions/O-1-R1", auth(), NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "type"), "ReturnInvoice");
	seam_sim_resp_dispose(&r);

	/* Partial: the named lines */
	refund(d, "O-1", "{\"refundTransactionCode\":\"O-1-R2\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Partial\","
			 "\"refundLines\":[\"2\"]}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "lines")), 1);
	assert_string_equal(jstr(r.json, "lines.0.lineNumber"), "2");
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalAmount")), ==, -20.0);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, -1.45);
	assert_string_equal(jstr(r.json, "referenceCode"), "O-1");
	seam_sim_resp_dispose(&r);
	/* Percentage: each line's share, half away from zero: 0.365 -> 0.37, 0.725 -> 0.73,
	 * 0.005 -> 0.01; 0.035 -> 0.04 */
	refund(d, "O-1", "{\"refundTransactionCode\":\"O-1-R3\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Percentage\","
			 "\"refundPercentage\":50}", &r);
	assert_int_equal(r.status, 200);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, -1.11);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalAmount")), ==, -15.04);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.0.tax")), ==, -0.37);
	seam_sim_resp_dispose(&r);
	/* TaxOnly: the tax back, no amount */
	refund(d, "O-1", "{\"refundTransactionCode\":\"O-1-R4\",\"refundDate\":\"2026-11-28\",\"refundType\":\"TaxOnly\"}", &r);
	assert_int_equal(r.status, 200);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, -2.19);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalAmount")), ==, 0.0);
	seam_sim_resp_dispose(&r);

	/* the models AvaTax refuses */
	static const struct {
		const char *body, *code;
	} bad[] = {
		{"{\"refundTransactionCode\":\"X\",\"refundType\":\"Full\"}", "ValueRequiredError"},
		{"{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Most\"}", "InvalidRefundType"},
		{"{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Full\",\"refundPercentage\":10}", "RefundTypeAndPercentageMismatch"},
		{"{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Full\",\"refundLines\":[\"1\"]}", "RefundTypeAndLineMismatch"},
		{"{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Partial\"}", "RefundLinesRequired"},
		{"{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Partial\",\"refundLines\":[\"9\"]}", "LineNoOutOfRange"},
		{"{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Percentage\"}", "RefundPercentageMissing"},
		{"{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\",\"refundType\":\"Percentage\",\"refundPercentage\":150}", "RefundPercentageOutOfRange"},
		{"{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\",\"refundType\":\"TaxOnly\",\"refundPercentage\":5}", "RefundPercentageForTaxOnly"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		refund(d, "O-1", bad[i].body, &r);
		assert_int_equal(r.status, 400);
		assert_string_equal(jstr(r.json, "error.code"), bad[i].code);
		seam_sim_resp_dispose(&r);
	}
	refund(d, "NOPE", "{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\"}", &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	/* a return is not refunded again */
	refund(d, "O-1-R1", "{\"refundTransactionCode\":\"X\",\"refundDate\":\"2026-11-28\"}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "InvalidDocumentTypeForRefund");
	seam_sim_resp_dispose(&r);

	/* a ReturnInvoice made directly: negative amounts, negative tax, kept */
	post(d, "/api/v2/transactions/createoradjust",
	     "{\"createTransactionModel\":{\"type\":\"ReturnInvoice\",\"code\":\"O-1-R9\",\"commit\":true,"
	     "\"date\":\"2026-11-29\",\"customerCode\":\"c1\",\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"CA\"}},"
	     "\"lines\":[{\"amount\":-10.00},{\"amount\":\"-119.00\",\"taxIncluded\":true,"
	     "\"addresses\":{\"shipTo\":{\"country\":\"DE\"}}}]}}",
	     &r);
	assert_int_equal(r.status, 201);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.0.tax")), ==, -0.73);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.1.tax")), ==, -19.0);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "lines.1.lineAmount")), ==, -100.0);
	seam_sim_resp_dispose(&r);

	json_t *s = stats(d);
	assert_int_equal(json_integer_value(json_object_get(s, "documents")), 6);
	assert_int_equal(json_integer_value(json_object_get(s, "returns")), 5);
	assert_int_equal(json_integer_value(json_object_get(s, "committed")), 6);
	assert_int_equal(json_array_size(json_object_get(s, "duplicates")), 0);
	json_decref(s);
	call(d, "GET", "/_sim/tax/documents?type=ReturnInvoice&code=O-1-R1", NULL, NULL, &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 1);
	assert_string_equal(jstr(r.json, "documents.0.referenceCode"), "refund 1");
	TH_ASSERT_CMP(json_real_value(jget(r.json, "documents.0.totalTax")), ==, -2.19);
	seam_sim_resp_dispose(&r);
	simt_free(t);

	/* refund_repeat: existing answers the first refund's document */
	t = simt_new("seed: 2\ntax: {account_id: acct, license_key: lic, refund_repeat: existing}\n");
	d = simt_get(t, "tax");
	char b[1024];
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "O-2", "20", 1), &r);
	seam_sim_resp_dispose(&r);
	json_int_t first = 0;
	for (int i = 0; i < 2; i++) {
		refund(d, "O-2", "{\"refundTransactionCode\":\"O-2-R\",\"refundDate\":\"2026-11-28\"}", &r);
		assert_int_equal(r.status, 200);
		TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, -1.45);
		if (i == 0)
			first = json_integer_value(json_object_get(r.json, "id"));
		else
			assert_int_equal(json_integer_value(json_object_get(r.json, "id")), first);
		seam_sim_resp_dispose(&r);
	}
	assert_int_equal(stat(d, "returns"), 1);
	simt_free(t);
}

/* ---- AdjustTransaction ---- */

static void test_adjust(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	char b[1024];
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "A-1", "20", 1), &r);
	seam_sim_resp_dispose(&r);
	const char *nt = "{\"adjustmentReason\":\"ProductReturned\",\"adjustmentDescription\":\"one back\","
			 "\"newTransaction\":{\"type\":\"SalesInvoice\",\"date\":\"2026-11-26\",\"customerCode\":\"c1\","
			 "\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"CA\"}},\"lines\":[{\"amount\":10}]}}";
	post(d, "/api/v2/companies/DEFAULT/transactions/A-1/adjust", nt, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "code"), "A-1");
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	assert_string_equal(jstr(r.json, "status"), "Committed");
	assert_string_equal(jstr(r.json, "adjustmentReason"), "ProductReturned");
	assert_string_equal(jstr(r.json, "adjustmentDescription"), "one back");
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalTax")), ==, 0.73);
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/A-9/adjust", nt, &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/A-1/adjust",
	     "{\"adjustmentReason\":\"Other\",\"newTransaction\":{\"type\":\"ReturnInvoice\"}}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "CannotAdjustDocumentType");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/companies/DEFAULT/transactions/A-1/adjust", "{\"newTransaction\":{}}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "ValueRequiredError");
	seam_sim_resp_dispose(&r);
	assert_int_equal(stat(d, "documents"), 1);
	simt_free(t);
}

/* ---- the faults that make seam retry a commit ---- */

/* The commit lands, then the answer is held past the client's timeout: the retry meets the
 * committed document and adjusts it. */
static void test_timeout_after_commit_retry_adjusts(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	call(d, "POST", "/_sim/faults", NULL,
	     "{\"kind\":\"timeout\",\"ms\":400,\"after\":true,\"times\":1,\"path\":\"/api/v2/transactions/createoradjust\"}", &r);
	assert_int_equal(r.status, 201);
	assert_true(json_is_true(jget(r.json, "faults.0.after")));
	seam_sim_resp_dispose(&r);
	char b[1024];
	bg_t *first = calloc(1, sizeof *first);
	bg_start(first, d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "T-1", "20", 1));
	wait_stat(d, "committed", 1);
	assert_false(atomic_load(&first->done)); /* committed, still no answer */
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "T-1", "20", 1), &r);
	assert_int_equal(r.status, 201);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	assert_null(seam_sim_resp_header(&r, "X-Sim-Fault"));
	seam_sim_resp_dispose(&r);
	bg_join(first);
	TH_ASSERT_CMP(first->ms, >=, 395);
	assert_string_equal(seam_sim_resp_header(&first->r, "X-Sim-Fault"), "timeout");
	seam_sim_resp_dispose(&first->r);
	free(first);
	json_t *s = stats(d);
	assert_int_equal(json_integer_value(json_object_get(s, "documents")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "committed")), 1);
	assert_int_equal(json_integer_value(jget(s, "by_code.T-1")), 2);
	assert_int_equal(json_array_size(json_object_get(s, "duplicates")), 0);
	json_decref(s);
	simt_free(t);
}

/* The plain timeout holds first: the retry commits version 1, the held call adjusts after. */
static void test_timeout_before_work_still_one_document(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	call(d, "POST", "/_sim/faults", NULL,
	     "{\"kind\":\"timeout\",\"ms\":300,\"times\":1,\"path\":\"/api/v2/transactions/createoradjust\"}", &r);
	seam_sim_resp_dispose(&r);
	char b[1024];
	bg_t *first = calloc(1, sizeof *first);
	bg_start(first, d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "T-2", "20", 1));
	/* wait until the held call has taken the rule */
	for (int i = 0; i < 300; i++) {
		call(d, "GET", "/_sim/faults", NULL, NULL, &r);
		json_int_t fired = json_integer_value(jget(r.json, "faults.0.fired"));
		seam_sim_resp_dispose(&r);
		if (fired == 1)
			break;
		seam_sim_double_sleep(d, 5);
	}
	assert_int_equal(stat(d, "documents"), 0); /* held before the work */
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "T-2", "20", 1), &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
	seam_sim_resp_dispose(&r);
	bg_join(first);
	assert_int_equal(first->r.status, 201);
	assert_int_equal(json_integer_value(json_object_get(first->r.json, "version")), 2);
	seam_sim_resp_dispose(&first->r);
	free(first);
	assert_int_equal(stat(d, "documents"), 1);
	assert_int_equal(stat(d, "by_code.T-2"), 2);
	simt_free(t);
}

static void test_drop_after_commit_retry_adjusts(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	call(d, "POST", "/_sim/faults", NULL,
	     "{\"kind\":\"drop_after_commit\",\"times\":1,\"path\":\"/api/v2/transactions/createoradjust\"}", &r);
	seam_sim_resp_dispose(&r);
	char b[1024];
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "D-1", "20", 1), &r);
	assert_true(r.drop);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/api/v2/companies/DEFAULT/transactions/D-1", auth(), NULL, &r);
	assert_string_equal(jstr(r.json, "status"), "Committed");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "D-1", "20", 1), &r);
	assert_int_equal(r.status, 201);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	seam_sim_resp_dispose(&r);
	assert_int_equal(stat(d, "documents"), 1);
	assert_int_equal(stat(d, "committed"), 1);
	simt_free(t);
}

/* force_timeout_commits: AvaTax's ForceTimeout after the work, as a commit that timed out. */
static void test_force_timeout_commits(void **state)
{
	(void)state;
	simt_t *t = simt_new("seed: 2\ntax: {account_id: acct, license_key: lic, force_timeout: 300ms,"
			     " force_timeout_commits: true}\n");
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	char b[1024];
	bg_t *first = calloc(1, sizeof *first);
	bg_start(first, d, "/api/v2/transactions/createoradjust?$include=ForceTimeout",
		 order_body(b, sizeof b, "F-1", "20", 1));
	wait_stat(d, "committed", 1);
	assert_false(atomic_load(&first->done));
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "F-1", "20", 1), &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
	seam_sim_resp_dispose(&r);
	bg_join(first);
	assert_int_equal(first->r.status, 408);
	assert_string_equal(jstr(first->r.json, "error.code"), "TimeoutRequested");
	TH_ASSERT_CMP(first->ms, >=, 295);
	seam_sim_resp_dispose(&first->r);
	free(first);
	assert_int_equal(stat(d, "documents"), 1);
	simt_free(t);
}

/* ---- the quote path ---- */

static double quotes_ms(seam_sim_double_t *d, int n)
{
	const char *q = "{\"type\":\"SalesOrder\",\"date\":\"2026-11-26\",\"customerCode\":\"c1\","
			"\"addresses\":{\"shipTo\":{\"country\":\"US\",\"region\":\"CA\"}},"
			"\"lines\":[{\"amount\":10},{\"amount\":20},{\"amount\":5}]}";
	double best = 1e18;
	for (int rep = 0; rep < 3; rep++) {
		int64_t t0 = seam_mono_ns();
		for (int i = 0; i < n; i++) {
			seam_sim_resp_t r;
			post(d, "/api/v2/transactions/create", q, &r);
			assert_int_equal(r.status, 201);
			seam_sim_resp_dispose(&r);
		}
		double ms = (double)(seam_mono_ns() - t0) / 1e6;
		best = ms < best ? ms : best;
	}
	return best;
}

/* Quotes keep nothing, and cost the same with 3,000 documents stored as with none. */
static void test_quotes_keep_nothing(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	double empty = quotes_ms(d, 300);
	assert_int_equal(stat(d, "quotes"), 900);
	assert_int_equal(stat(d, "documents"), 0);
	char b[1024], code[32];
	for (int i = 0; i < 3000; i++) {
		seam_sim_resp_t r;
		snprintf(code, sizeof code, "K-%d", i);
		post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, code, "20", 1), &r);
		assert_int_equal(r.status, 201);
		seam_sim_resp_dispose(&r);
	}
	double full = quotes_ms(d, 300);
	print_message("300 quotes: %.1f ms with no document, %.1f ms with 3000\n", empty, full);
	TH_ASSERT_CMP(full, <, empty * 3 + 5);
	assert_int_equal(stat(d, "documents"), 3000);
	simt_free(t);
}

/* ---- concurrency (run under TSan too) ---- */

typedef struct worker {
	seam_sim_double_t *d;
	int kind; /* 0 quotes, 1 commits over 20 codes, 2 whole lifecycles, 3 the control API */
	const char *hdr[2];
	char hbuf[128];
	int fails;
} worker_t;

static void work_call(worker_t *w, const char *target, const char *body, int want)
{
	seam_sim_resp_t r;
	seam_sim_request(w->d, body ? "POST" : "GET", target, w->kind == 3 ? NULL : w->hdr, body, &r);
	w->fails += r.status != want;
	seam_sim_resp_dispose(&r);
}

static void *work(void *arg)
{
	worker_t *w = arg;
	char b[1024], code[32], path[128];
	for (int i = 0; i < 200; i++) {
		switch (w->kind) {
		case 0:
			work_call(w, "/api/v2/transactions/create",
				  "{\"date\":\"2026-11-26\",\"customerCode\":\"c\","
				  "\"addresses\":{\"shipTo\":{\"country\":\"DE\"}},\"lines\":[{\"amount\":1}]}",
				  201);
			break;
		case 1:
			snprintf(code, sizeof code, "C-%d", i % 20);
			work_call(w, "/api/v2/transactions/createoradjust",
				  order_body(b, sizeof b, code, "20", 1), 201);
			break;
		case 2:
			if (i >= 50)
				return NULL;
			snprintf(code, sizeof code, "E-%d", i);
			work_call(w, "/api/v2/transactions/createoradjust",
				  order_body(b, sizeof b, code, "20", 1), 201);
			snprintf(path, sizeof path, "/api/v2/companies/DEFAULT/transactions/%s/refund", code);
			work_call(w, path, "{\"refundTransactionCode\":\"R\",\"refundDate\":\"2026-11-28\"}",
				  i == 0 ? 200 : 400); /* one R: the others are TransactionAlreadyExists */
			snprintf(path, sizeof path, "/api/v2/companies/DEFAULT/transactions/%s/adjust", code);
			work_call(w, path,
				  "{\"adjustmentReason\":\"Other\",\"newTransaction\":{\"date\":\"2026-11-26\","
				  "\"customerCode\":\"c1\",\"addresses\":{\"shipTo\":{\"country\":\"US\"}},"
				  "\"lines\":[{\"amount\":3}]}}",
				  200);
			snprintf(path, sizeof path, "/api/v2/companies/DEFAULT/transactions/%s/void", code);
			work_call(w, path, "{\"code\":\"DocVoided\"}", 200);
			snprintf(path, sizeof path, "/api/v2/companies/DEFAULT/transactions/%s", code);
			work_call(w, path, NULL, 200);
			break;
		default:
			work_call(w, "/_sim/tax/stats", NULL, 200);
			work_call(w, "/_sim/tax/documents", NULL, 200);
			break;
		}
	}
	return NULL;
}

static void test_concurrent_callers(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	static const int kinds[] = {0, 1, 0, 1, 2, 3};
	enum { N = sizeof kinds / sizeof *kinds };
	worker_t w[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].d = d;
		w[i].kind = kinds[i];
		w[i].hdr[0] = basic(w[i].hbuf, "acct", "lic");
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].fails, 0);
	}
	json_t *s = stats(d);
	/* 2 x 200 createoradjust over 20 codes: 20 documents of 20 versions; 50 lifecycles: 50
	 * voided invoices of 2 versions and one return */
	assert_int_equal(json_integer_value(json_object_get(s, "documents")), 71);
	assert_int_equal(json_integer_value(json_object_get(s, "committed")), 21);
	assert_int_equal(json_integer_value(json_object_get(s, "voided")), 50);
	assert_int_equal(json_integer_value(json_object_get(s, "returns")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "adjustments")), 380 + 50);
	assert_int_equal(json_integer_value(jget(s, "by_code.C-7")), 20);
	assert_int_equal(json_integer_value(json_object_get(s, "quotes")), 400);
	assert_int_equal(json_array_size(json_object_get(s, "duplicates")), 0);
	json_decref(s);
	simt_free(t);
}

static void test_config_refused(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *msg;
	} bad[] = {
		{"tax:\n  void_repeat: maybe\n", "c.yaml:2: tax.void_repeat"},
		{"tax:\n  refund_repeat: ok\n", "c.yaml:2: tax.refund_repeat"},
		{"tax:\n  max_code_length: 9999\n", "max_code_length"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		seam_sim_config_t *cfg = NULL;
		seam_sim_t *sim = NULL;
		seam_error_t err = {0};
		assert_int_equal(seam_sim_config_load_string(bad[i].yaml, "c.yaml", &cfg, &err), SEAM_OK);
		assert_int_equal(seam_sim_create(cfg, NULL, &sim, &err), SEAM_CONFIG);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s: got \"%s\"", bad[i].msg, err.msg);
		seam_sim_config_destroy(cfg);
	}
	/* max_code_length and max_documents bound what is kept */
	simt_t *t = simt_new("seed: 2\ntax: {account_id: acct, license_key: lic, max_code_length: 5,"
			     " max_documents: 1}\n");
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	char b[1024];
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "LONG-1", "1", 1), &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "StringLengthError");
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "M-1", "1", 1), &r);
	assert_int_equal(r.status, 201);
	seam_sim_resp_dispose(&r);
	post(d, "/api/v2/transactions/createoradjust", order_body(b, sizeof b, "M-2", "1", 1), &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "EntityLimitExceeded");
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_invoices_and_errors),
		cmocka_unit_test(test_createoradjust_keeps_one_document),
		cmocka_unit_test(test_void),
		cmocka_unit_test(test_refunds),
		cmocka_unit_test(test_adjust),
		cmocka_unit_test(test_timeout_after_commit_retry_adjusts),
		cmocka_unit_test(test_timeout_before_work_still_one_document),
		cmocka_unit_test(test_drop_after_commit_retry_adjusts),
		cmocka_unit_test(test_force_timeout_commits),
		cmocka_unit_test(test_quotes_keep_nothing),
		cmocka_unit_test(test_concurrent_callers),
		cmocka_unit_test(test_config_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
