/*
 * test_sim_erp.c: the Business Central-like double: OAuth2 client credentials, sales orders
 * with lines (deep insert), the externalDocumentNumber lookup, duplicates, If-Match, paging,
 * items by lastModifiedDateTime.
 */
#include "sim_test.h"

#include "core/clock.h"
#include "tests/support/th_assert.h"

static const char *yaml = "seed: 8\nerp: {items: 30, customers: 2, client_id: cid, client_secret: csec, page_size: 10}\n";

typedef struct erp {
	simt_t *t;
	seam_sim_double_t *d;
	char bearer[200];
	char co[64];
} erp_t;

static void erp_open(erp_t *e, const char *y)
{
	e->t = simt_new(y);
	e->d = simt_get(e->t, "erp");
	seam_sim_resp_t r;
	call(e->d, "POST", "/tenant-1/oauth2/v2.0/token", NULL,
	     "grant_type=client_credentials&client_id=cid&client_secret=csec&scope=https%3A%2F%2Fapi.businesscentral.dynamics.com%2F.default",
	     &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "token_type"), "Bearer");
	snprintf(e->bearer, sizeof e->bearer, "Authorization: Bearer %s", jstr(r.json, "access_token"));
	seam_sim_resp_dispose(&r);
	const char *h[] = {e->bearer, NULL};
	call(e->d, "GET", "/api/v2.0/companies", h, NULL, &r);
	snprintf(e->co, sizeof e->co, "%s", jstr(r.json, "value.0.id"));
	seam_sim_resp_dispose(&r);
}

static void erp_call(erp_t *e, const char *method, const char *body, const char *ifmatch,
		     seam_sim_resp_t *r, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void erp_call(erp_t *e, const char *method, const char *body, const char *ifmatch,
		     seam_sim_resp_t *r, const char *fmt, ...)
{
	char rest[1024], target[1200], im[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rest, sizeof rest, fmt, ap);
	va_end(ap);
	snprintf(target, sizeof target, "/api/v2.0/companies(%s)%s", e->co, rest);
	snprintf(im, sizeof im, "If-Match: %s", ifmatch ? ifmatch : "");
	const char *h[] = {e->bearer, "Content-Type: application/json", ifmatch ? im : NULL, NULL};
	call(e->d, method, target, h, body, r);
}

static void test_auth(void **state)
{
	(void)state;
	erp_t e;
	erp_open(&e, yaml);
	seam_sim_resp_t r;
	call(e.d, "GET", "/api/v2.0/companies", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(jstr(r.json, "error.code"), "Authentication_InvalidCredentials");
	assert_non_null(seam_sim_resp_header(&r, "WWW-Authenticate"));
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/oauth2/v2.0/token", NULL, "grant_type=client_credentials&client_id=cid&client_secret=wrong", &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(jstr(r.json, "error"), "invalid_client");
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/oauth2/v2.0/token", NULL, "grant_type=password&client_id=cid&client_secret=csec", &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	simt_free(e.t);
	/* expired tokens are refused */
	erp_open(&e, "erp: {client_id: cid, client_secret: csec, token_ttl: 0}\n");
	const char *h[] = {e.bearer, NULL};
	call(e.d, "GET", "/api/v2.0/companies", h, NULL, &r);
	assert_int_equal(r.status, 401);
	seam_sim_resp_dispose(&r);
	simt_free(e.t);
}

static const char *so_body(const char *ext)
{
	static char b[512];
	snprintf(b, sizeof b,
		 "{\"customerNumber\":\"WEB\",\"externalDocumentNumber\":\"%s\",\"currencyCode\":\"USD\","
		 "\"salesOrderLines\":[{\"lineType\":\"Item\",\"lineObjectNumber\":\"SKU-000001\",\"quantity\":2,\"unitPrice\":19.99},"
		 "{\"lineType\":\"Item\",\"lineObjectNumber\":\"SKU-000002\",\"quantity\":1,\"unitPrice\":0.1}]}",
		 ext);
	return b;
}

static void test_sales_orders(void **state)
{
	(void)state;
	erp_t e;
	erp_open(&e, yaml);
	seam_sim_resp_t r;
	erp_call(&e, "POST", so_body("1002"), NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "number"), "S-ORD101001");
	assert_string_equal(jstr(r.json, "externalDocumentNumber"), "1002");
	assert_string_equal(jstr(r.json, "status"), "Draft");
	/* exact decimals: 2 x 19.99 + 0.1 */
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalAmountExcludingTax")), ==, 40.08);
	assert_non_null(strstr(r.body, "\"totalAmountExcludingTax\":40.08"));
	assert_int_equal(json_array_size(json_object_get(r.json, "salesOrderLines")), 2);
	assert_non_null(seam_sim_resp_header(&r, "Location"));
	char id[64], tag[200];
	snprintf(id, sizeof id, "%s", jstr(r.json, "id"));
	snprintf(tag, sizeof tag, "%s", json_string_value(json_object_get(r.json, "@odata.etag")));
	seam_sim_resp_dispose(&r);

	/* look up by external document number (the check before create) */
	erp_call(&e, "GET", NULL, NULL, &r, "/salesOrders?$filter=externalDocumentNumber eq '1002'&$expand=salesOrderLines");
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
	assert_string_equal(jstr(r.json, "value.0.salesOrderLines.0.lineObjectNumber"), "SKU-000001");
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesOrders?$filter=externalDocumentNumber eq 'O''Brien'");
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 0);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesOrders?$filter=externalDocumentNumber contains '1'");
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);

	/* BC keeps no idempotency: the same number twice makes a second order */
	erp_call(&e, "POST", so_body("1002"), NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "number"), "S-ORD101002");
	seam_sim_resp_dispose(&r);
	call(e.d, "GET", "/_sim/erp/stats", NULL, NULL, &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "sales_orders")), 2);
	assert_string_equal(jstr(r.json, "duplicate_external_document_numbers.0"), "1002");
	seam_sim_resp_dispose(&r);

	/* If-Match: a stale etag is 412, the current one works, "*" too */
	erp_call(&e, "PATCH", "{\"externalDocumentNumber\":\"1002-A\"}", tag, &r, "/salesOrders(%s)", id);
	assert_int_equal(r.status, 200);
	char tag2[200];
	snprintf(tag2, sizeof tag2, "%s", json_string_value(json_object_get(r.json, "@odata.etag")));
	assert_string_not_equal(tag, tag2);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "PATCH", "{\"externalDocumentNumber\":\"1002-B\"}", tag, &r, "/salesOrders(%s)", id);
	assert_int_equal(r.status, 412);
	assert_string_equal(jstr(r.json, "error.code"), "Request_EntityChanged");
	seam_sim_resp_dispose(&r);
	erp_call(&e, "PATCH", "{\"externalDocumentNumber\":\"1002-B\"}", NULL, &r, "/salesOrders(%s)", id);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "PATCH", "{\"number\":\"X\"}", "*", &r, "/salesOrders(%s)", id);
	assert_int_equal(r.status, 400); /* read-only */
	seam_sim_resp_dispose(&r);

	/* validation as BC answers it */
	erp_call(&e, "POST", "{\"externalDocumentNumber\":\"9\"}", NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "Application_DialogException");
	assert_non_null(strstr(jstr(r.json, "error.message"), "CorrelationId"));
	seam_sim_resp_dispose(&r);
	erp_call(&e, "POST", "{\"customerNumber\":\"WEB\",\"salesOrderLines\":[{\"lineType\":\"Item\",\"lineObjectNumber\":\"NOPE\",\"quantity\":1}]}",
		 NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "Internal_RecordNotFound");
	seam_sim_resp_dispose(&r);
	/* nothing half-made */
	call(e.d, "GET", "/_sim/erp/stats", NULL, NULL, &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "sales_orders")), 2);
	seam_sim_resp_dispose(&r);
	/* lines added later update the totals */
	erp_call(&e, "POST", "{\"lineType\":\"Item\",\"lineObjectNumber\":\"SKU-000003\",\"quantity\":3,\"unitPrice\":1.5}",
		 NULL, &r, "/salesOrders(%s)/salesOrderLines", id);
	assert_int_equal(r.status, 201);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesOrders(%s)", id);
	TH_ASSERT_CMP(json_real_value(json_object_get(r.json, "totalAmountIncludingTax")), ==, 44.58);
	seam_sim_resp_dispose(&r);
	simt_free(e.t);

	/* the strict variant refuses a second order with the same number */
	erp_open(&e, "erp: {client_id: cid, client_secret: csec, unique_external_document_number: true}\n");
	erp_call(&e, "POST", so_body("7"), NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 201);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "POST", so_body("7"), NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "Internal_EntityWithSameKeyExists");
	seam_sim_resp_dispose(&r);
	simt_free(e.t);
}

static void test_items_paging_and_changes(void **state)
{
	(void)state;
	erp_t e;
	erp_open(&e, yaml);
	seam_sim_resp_t r;
	/* server-driven paging: follow @odata.nextLink */
	char target[1024];
	snprintf(target, sizeof target, "/api/v2.0/companies(%s)/items", e.co);
	size_t total = 0, pages = 0;
	for (;;) {
		const char *h[] = {e.bearer, NULL};
		call(e.d, "GET", target, h, NULL, &r);
		assert_int_equal(r.status, 200);
		total += json_array_size(json_object_get(r.json, "value"));
		pages++;
		const char *next = json_string_value(json_object_get(r.json, "@odata.nextLink"));
		if (!next) {
			seam_sim_resp_dispose(&r);
			break;
		}
		snprintf(target, sizeof target, "%s", strstr(next, "/api/"));
		seam_sim_resp_dispose(&r);
	}
	assert_int_equal(total, 30);
	assert_int_equal(pages, 3);

	erp_call(&e, "GET", NULL, NULL, &r, "/items?$filter=number eq 'SKU-000005'");
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
	assert_true(json_is_real(jget(r.json, "value.0.unitPrice")));
	assert_true(json_is_number(jget(r.json, "value.0.inventory")));
	seam_sim_resp_dispose(&r);

	/* nothing changed since now; a change shows up by lastModifiedDateTime */
	char since[32];
	seam_rfc3339_ms(seam_now_ms() - 1000, since);
	erp_call(&e, "GET", NULL, NULL, &r, "/items?$filter=lastModifiedDateTime gt %s", since);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 0);
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\":\"SKU-000005\",\"inventory\":7,\"unitPrice\":12.34}", &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/items?$filter=lastModifiedDateTime gt %s and type eq 'Inventory'", since);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
	assert_string_equal(jstr(r.json, "value.0.number"), "SKU-000005");
	TH_ASSERT_CMP(json_real_value(jget(r.json, "value.0.unitPrice")), ==, 12.34);
	TH_ASSERT_CMP(json_number_value(jget(r.json, "value.0.inventory")), ==, 7);
	seam_sim_resp_dispose(&r);
	simt_free(e.t);
}

/* Several companies (one per seam store in the demo): each lists only its own sales orders,
 * in its own currency; an unknown company is BC's 404. */
static void test_companies(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	erp_open(&e, "seed: 8\nerp:\n  client_id: cid\n  client_secret: csec\n  items: 5\n"
		     "  companies:\n    - {name: CRONUS USA, currency: USD}\n"
		     "    - {name: CRONUS Europe, currency: EUR, id: 2c4a6e8f-0b1d-4f3a-8c5e-7a9b1d3f5e70}\n");
	const char *h[] = {e.bearer, NULL};
	call(e.d, "GET", "/api/v2.0/companies", h, NULL, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 2);
	assert_string_equal(jstr(r.json, "value.1.id"), "2c4a6e8f-0b1d-4f3a-8c5e-7a9b1d3f5e70");
	assert_string_equal(jstr(r.json, "value.1.name"), "CRONUS Europe");
	char us[64];
	snprintf(us, sizeof us, "%s", jstr(r.json, "value.0.id"));
	seam_sim_resp_dispose(&r);

	/* an order in the EU company ... */
	snprintf(e.co, sizeof e.co, "2c4a6e8f-0b1d-4f3a-8c5e-7a9b1d3f5e70");
	erp_call(&e, "POST", "{\"customerNumber\":\"WEB\",\"externalDocumentNumber\":\"7\"}", NULL, &r,
		 "/salesOrders");
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "currencyCode"), "EUR");
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesOrders");
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
	seam_sim_resp_dispose(&r);
	/* ... is not in the US one */
	snprintf(e.co, sizeof e.co, "%s", us);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 0);
	seam_sim_resp_dispose(&r);
	snprintf(e.co, sizeof e.co, "00000000-0000-4000-8000-000000000000");
	erp_call(&e, "GET", NULL, NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(r.json, "error.code"), "Internal_CompanyNotFound");
	seam_sim_resp_dispose(&r);
	call(e.d, "GET", "/_sim/erp/stats", NULL, NULL, &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "sales_orders")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "by_company"),
							   "2c4a6e8f-0b1d-4f3a-8c5e-7a9b1d3f5e70")), 1);
	seam_sim_resp_dispose(&r);
	simt_free(e.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_sales_orders),
		cmocka_unit_test(test_items_paging_and_changes),
		cmocka_unit_test(test_companies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
