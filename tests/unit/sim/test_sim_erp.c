/*
 * test_sim_erp.c: the Business Central-like double: OAuth2 client credentials, sales orders
 * with lines (deep insert), the externalDocumentNumber lookup, duplicates, If-Match, paging,
 * items by lastModifiedDateTime; sales prices (seed, filters, paging, control); item bursts
 * and forced bad values; webhook subscriptions (the validation handshake on create and renew,
 * expiry, If-Match) and notifications (coalescing in the window, "collection" above
 * notify_max, lose/duplicate faults, 503 retried, 410 deleting the subscription), in memory
 * and over real HTTP on loopback.
 */
#include "sim_test.h"

#include <unistd.h>

#include "core/clock.h"
#include "http/server.h"
#include "sim/sim_http.h"
#include "tests/support/th_assert.h"

static const char *yaml = "seed: 8\nerp: {items: 30, customers: 2, client_id: cid, client_secret: csec, page_size: 10}\n";

/* The subscriber's side of the validation handshake, in memory. */
enum { HS_ECHO, HS_WRONG, HS_SILENT, HS_500 };

typedef struct hs {
	pthread_mutex_t mu;
	int mode;
	int calls;
	char url[512];
} hs_t;

static int hs_exchange(void *xctx, const char *url, const char *ctype, const char *body,
		       size_t len, int64_t timeout_ms, char *resp, size_t cap, char *err,
		       size_t errcap)
{
	hs_t *h = xctx;
	const char *tok = strstr(url, "validationToken=");
	(void)ctype;
	(void)body;
	(void)len;
	(void)timeout_ms;
	pthread_mutex_lock(&h->mu);
	int mode = h->mode;
	h->calls++;
	snprintf(h->url, sizeof h->url, "%s", url);
	pthread_mutex_unlock(&h->mu);
	resp[0] = '\0';
	switch (mode) {
	case HS_ECHO:
		snprintf(resp, cap, "%s\n", tok ? tok + 16 : "");
		return 200;
	case HS_WRONG:
		snprintf(resp, cap, "not-the-token");
		return 200;
	case HS_SILENT:
		snprintf(err, errcap, "Operation timed out");
		return -1;
	default:
		snprintf(resp, cap, "%s", tok ? tok + 16 : ""); /* the token, but not with 200 */
		return 500;
	}
}

typedef struct erp {
	simt_t *t;
	seam_sim_double_t *d;
	char bearer[200];
	char co[64];
	hs_t hs;
} erp_t;

static void erp_open(erp_t *e, const char *y)
{
	memset(&e->hs, 0, sizeof e->hs);
	pthread_mutex_init(&e->hs.mu, NULL);
	e->t = simt_new_x(y, hs_exchange, &e->hs);
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

static void erp_close(erp_t *e)
{
	simt_free(e->t);
	pthread_mutex_destroy(&e->hs.mu);
}

/* jstr() splits paths on '.', so the etag needs its own accessor. */
static const char *etag_of(const json_t *rec)
{
	return json_string_value(json_object_get(rec, "@odata.etag"));
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
	erp_close(&e);
	/* expired tokens are refused */
	erp_open(&e, "erp: {client_id: cid, client_secret: csec, token_ttl: 0}\n");
	const char *h[] = {e.bearer, NULL};
	call(e.d, "GET", "/api/v2.0/companies", h, NULL, &r);
	assert_int_equal(r.status, 401);
	seam_sim_resp_dispose(&r);
	erp_close(&e);
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
	erp_close(&e);

	/* the strict variant refuses a second order with the same number */
	erp_open(&e, "erp: {client_id: cid, client_secret: csec, unique_external_document_number: true}\n");
	erp_call(&e, "POST", so_body("7"), NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 201);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "POST", so_body("7"), NULL, &r, "/salesOrders");
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(r.json, "error.code"), "Internal_EntityWithSameKeyExists");
	seam_sim_resp_dispose(&r);
	erp_close(&e);
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
	erp_close(&e);
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
	erp_close(&e);
}

/* ---- sales prices ---- */

static const char *yaml_prices =
	"seed: 8\nerp: {items: 30, customers: 2, client_id: cid, client_secret: csec, page_size: 10,\n"
	"  sales_prices: {currencies: [EUR, USD], groups: [WEB], break_quantity: 10}}\n";

static int64_t cents(const json_t *v)
{
	return (int64_t)(json_number_value(v) * 100.0 + (json_number_value(v) >= 0 ? 0.5 : -0.5));
}

/* Sales prices: seeded per item (EUR, the company's USD skipped; WEB at 1 and at 10), exact
 * cents, paged, filtered like items; the control API creates, changes and removes them, and a
 * bad record changes nothing. Without sales_prices there are none. */
static void test_sales_prices(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	erp_open(&e, yaml);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices");
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 0);
	seam_sim_resp_dispose(&r);
	erp_close(&e);

	erp_open(&e, yaml_prices);
	/* all of them, page by page */
	char target[1024];
	size_t total = 0, pages = 0;
	snprintf(target, sizeof target, "/api/v2.0/companies(%s)/salesPrices", e.co);
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
	assert_int_equal(total, 30 * 3);
	assert_int_equal(pages, 9);

	/* one item's: EUR for all customers, WEB at 1 and at 10, exact cents */
	erp_call(&e, "GET", NULL, NULL, &r, "/items?$filter=number eq 'SKU-000002'");
	int64_t base = cents(jget(r.json, "value.0.unitPrice"));
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices?$filter=itemNumber eq 'SKU-000002'");
	json_t *v = json_object_get(r.json, "value");
	assert_int_equal(json_array_size(v), 3);
	assert_string_equal(jstr(v, "0.salesType"), "All Customers");
	assert_string_equal(jstr(v, "0.salesCode"), "");
	assert_string_equal(jstr(v, "0.currencyCode"), "EUR");
	assert_string_equal(jstr(v, "0.startingDate"), "0001-01-01");
	assert_string_equal(jstr(v, "0.endingDate"), "0001-01-01");
	assert_string_equal(jstr(v, "1.salesType"), "Customer Price Group");
	assert_string_equal(jstr(v, "1.salesCode"), "WEB");
	assert_string_equal(jstr(v, "1.currencyCode"), "");
	TH_ASSERT_CMP(json_number_value(jget(v, "1.minimumQuantity")), ==, 1.0);
	TH_ASSERT_CMP(json_number_value(jget(v, "2.minimumQuantity")), ==, 10.0);
	assert_int_equal(cents(jget(v, "1.unitPrice")), (base * 95 + 50) / 100);
	assert_int_equal(cents(jget(v, "2.unitPrice")), (base * 90 + 50) / 100);
	TH_ASSERT_CMP(cents(jget(v, "2.unitPrice")), <, cents(jget(v, "1.unitPrice")));
	/* printed as exact decimals: at most two places */
	const char *up = strstr(r.body, "\"unitPrice\":");
	assert_non_null(up);
	const char *dot = strchr(up, '.');
	assert_true(dot && strspn(dot + 1, "0123456789") <= 2);
	char id[64], web1[64];
	snprintf(id, sizeof id, "%s", jstr(v, "0.id"));
	snprintf(web1, sizeof web1, "%s", jstr(v, "1.id"));
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices(%s)", id);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "itemNumber"), "SKU-000002");
	assert_non_null(json_object_get(r.json, "@odata.etag"));
	assert_null(json_object_get(r.json, "_version"));
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices(00000000-0000-4000-8000-000000000000)");
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices?$filter=salesCode eq 'WEB' and minimumQuantity ge 10&$top=4&$skip=2");
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 4);
	assert_string_equal(jstr(r.json, "value.0.itemNumber"), "SKU-000003");
	seam_sim_resp_dispose(&r);

	/* changes show up by lastModifiedDateTime, newest last */
	char since[32], body[1024];
	seam_rfc3339_ms(seam_now_ms() - 1000, since);
	snprintf(body, sizeof body,
		 "{\"upsert\": [{\"id\": \"%s\", \"unitPrice\": 12.345}, {\"itemNumber\": \"SKU-000007\", "
		 "\"salesType\": \"Customer Price Group\", \"salesCode\": \"VIP\", \"unitPrice\": 9.99, "
		 "\"minimumQuantity\": 5, \"startingDate\": \"2026-01-01\", \"endingDate\": \"2026-12-31\"}], "
		 "\"remove\": [\"%s\"]}",
		 id, web1);
	call(e.d, "POST", "/_sim/erp/prices", NULL, body, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "updated.0"), id);
	assert_int_equal(json_array_size(json_object_get(r.json, "created")), 1);
	assert_string_equal(jstr(r.json, "removed.0"), web1);
	char created[64];
	snprintf(created, sizeof created, "%s", jstr(r.json, "created.0"));
	assert_int_equal(strlen(created), 36);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices?$filter=lastModifiedDateTime gt %s", since);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 2);
	assert_string_equal(jstr(r.json, "value.0.id"), id);
	assert_non_null(strstr(r.body, "\"unitPrice\":12.345"));
	assert_string_equal(jstr(r.json, "value.1.id"), created);
	assert_string_equal(jstr(r.json, "value.1.salesCode"), "VIP");
	assert_string_equal(jstr(r.json, "value.1.currencyCode"), "");
	assert_string_equal(jstr(r.json, "value.1.unitOfMeasureCode"), "PCS");
	assert_string_equal(jstr(r.json, "value.1.endingDate"), "2026-12-31");
	TH_ASSERT_STRCMP(jstr(r.json, "value.1.lastModifiedDateTime"), >,
			 jstr(r.json, "value.0.lastModifiedDateTime"));
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices(%s)", web1);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);

	/* bad records: 422 and nothing applied */
	static const char *const bad[] = {
		"{\"upsert\": [{\"itemNumber\": \"NOPE\", \"unitPrice\": 1}]}",
		"{\"upsert\": [{\"itemNumber\": \"SKU-000001\"}]}",
		"{\"upsert\": [{\"itemNumber\": \"SKU-000001\", \"unitPrice\": -1}]}",
		"{\"upsert\": [{\"itemNumber\": \"SKU-000001\", \"unitPrice\": \"1,5\"}]}",
		"{\"upsert\": [{\"itemNumber\": \"SKU-000001\", \"unitPrice\": 1, \"salesType\": \"Customer Price Group\"}]}",
		"{\"upsert\": [{\"itemNumber\": \"SKU-000001\", \"unitPrice\": 1, \"startingDate\": \"1/1/2026\"}]}",
		"{\"upsert\": [{\"itemNumber\": \"SKU-000001\", \"unitPrice\": 1, \"colour\": \"red\"}]}",
		"{\"upsert\": [{\"itemNumber\": \"SKU-000001\", \"unitPrice\": 1}], \"remove\": [\"nope\"]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		call(e.d, "POST", "/_sim/erp/prices", NULL, bad[i], &r);
		if (r.status != 422)
			fail_msg("bad[%zu] -> %d %s", i, r.status, r.body);
		seam_sim_resp_dispose(&r);
	}
	call(e.d, "POST", "/_sim/erp/prices", NULL, "{\"company\": \"nope\", \"upsert\": []}", &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices?$filter=lastModifiedDateTime gt %s", since);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 2);
	seam_sim_resp_dispose(&r);

	/* force: a price without currency, a quantity as a string */
	snprintf(body, sizeof body,
		 "{\"force\": true, \"upsert\": [{\"id\": \"%s\", \"currencyCode\": null, "
		 "\"minimumQuantity\": \"ten\"}]}",
		 id);
	call(e.d, "POST", "/_sim/erp/prices", NULL, body, &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices(%s)", id);
	assert_true(json_is_null(json_object_get(r.json, "currencyCode")));
	assert_string_equal(jstr(r.json, "minimumQuantity"), "ten");
	seam_sim_resp_dispose(&r);
	erp_close(&e);
}

/* ---- item bursts and forced values ---- */

/* The version hidden in an etag: W/"base64('<version>;<id>')". */
static long etag_version(const char *tag)
{
	char b64[200];
	uint8_t raw[200];
	const char *p = strchr(tag, '"');
	assert_non_null(p);
	snprintf(b64, sizeof b64, "%s", p + 1);
	b64[strcspn(b64, "\"")] = '\0';
	long n = seam_base64_decode(b64, strlen(b64), raw, sizeof raw - 1);
	TH_ASSERT_CMP(n, >, 0);
	raw[n] = '\0';
	return strtol((const char *)raw + 1, NULL, 10);
}

static json_t *item_get(erp_t *e, const char *number)
{
	seam_sim_resp_t r;
	erp_call(e, "GET", NULL, NULL, &r, "/items?$filter=number eq '%s'", number);
	json_t *it = json_incref(jget(r.json, "value.0"));
	seam_sim_resp_dispose(&r);
	assert_non_null(it);
	return it;
}

static int64_t ms_of(const json_t *rec)
{
	int64_t ms = 0;
	assert_int_equal(seam_rfc3339_parse(jstr(rec, "lastModifiedDateTime"), &ms), 0);
	return ms;
}

/* A burst: N changes over the first K items, each item's version up by its share and its
 * last change its share - 1 ms after its first (no two changes of an item share a time);
 * answered with counts; a million changes in reasonable time; a second burst moves every
 * time on. */
static void test_burst(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	erp_open(&e, "seed: 3\nerp: {items: 1200, client_id: cid, client_secret: csec}\n");
	json_t *before[12];
	char num[16];
	for (int i = 0; i < 12; i++) {
		snprintf(num, sizeof num, "SKU-%06d", i + 1);
		before[i] = item_get(&e, num);
	}
	call(e.d, "POST", "/_sim/erp/items", NULL,
	     "{\"burst\": {\"count\": 1000, \"skus\": 10, \"fields\": [\"inventory\"]}}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(jget(r.json, "burst.changes")), 1000);
	assert_int_equal(json_integer_value(jget(r.json, "burst.items")), 10);
	assert_int_equal(json_integer_value(jget(r.json, "burst.most_per_item")), 100);
	assert_int_equal(json_array_size(json_object_get(r.json, "changed")), 0);
	int64_t first = 0, last = 0;
	assert_int_equal(seam_rfc3339_parse(jstr(r.json, "burst.first"), &first), 0);
	assert_int_equal(seam_rfc3339_parse(jstr(r.json, "burst.last"), &last), 0);
	seam_sim_resp_dispose(&r);
	TH_ASSERT_CMP(last - first, >=, 99);
	for (int i = 0; i < 12; i++) {
		snprintf(num, sizeof num, "SKU-%06d", i + 1);
		json_t *now = item_get(&e, num);
		long dv = etag_version(etag_of(now)) -
			  etag_version(etag_of(before[i]));
		if (i < 10) {
			assert_int_equal(dv, 100);
			TH_ASSERT_CMP(ms_of(now), >=, first + 99); /* 100 distinct milliseconds */
			TH_ASSERT_CMP(ms_of(now), >, ms_of(before[i]));
			/* only inventory was drawn */
			TH_ASSERT_CMP(json_number_value(json_object_get(now, "unitPrice")), ==,
				      json_number_value(json_object_get(before[i], "unitPrice")));
		} else {
			assert_int_equal(dv, 0);
			assert_string_equal(jstr(now, "lastModifiedDateTime"),
					    jstr(before[i], "lastModifiedDateTime"));
		}
		json_decref(before[i]);
		before[i] = now;
	}
	/* one item, five changes: five distinct times, the next change after all of them */
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"burst\": {\"count\": 5, \"skus\": 1}}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(seam_rfc3339_parse(jstr(r.json, "burst.first"), &first), 0);
	assert_int_equal(seam_rfc3339_parse(jstr(r.json, "burst.last"), &last), 0);
	assert_int_equal(last - first, 4);
	TH_ASSERT_CMP(first, >, ms_of(before[0]));
	seam_sim_resp_dispose(&r);
	json_t *one = item_get(&e, "SKU-000001");
	assert_int_equal(etag_version(etag_of(one)) -
				 etag_version(etag_of(before[0])),
			 5);
	assert_int_equal(ms_of(one), last);
	json_decref(one);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000002\", \"inventory\": 1}", &r);
	TH_ASSERT_CMP(ms_of(jget(r.json, "changed.0")), >, last);
	seam_sim_resp_dispose(&r);
	for (int i = 0; i < 12; i++)
		json_decref(before[i]);

	/* a million changes over 1,000 items */
	int64_t t0 = seam_mono_ns();
	call(e.d, "POST", "/_sim/erp/items", NULL,
	     "{\"burst\": {\"count\": 1000000, \"skus\": 1000}}", &r);
	int64_t took_ms = (seam_mono_ns() - t0) / 1000000;
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(jget(r.json, "burst.items")), 1000);
	assert_int_equal(json_integer_value(jget(r.json, "burst.most_per_item")), 1000);
	TH_ASSERT_CMP(took_ms, <, 20000);
	seam_sim_resp_dispose(&r);
	json_t *last_item = item_get(&e, "SKU-001000");
	TH_ASSERT_CMP(etag_version(etag_of(last_item)), ==, 1001);
	json_decref(last_item);

	/* bad requests change nothing */
	static const char *const bad[] = {
		"{\"burst\": {\"count\": -1}}",
		"{\"burst\": {\"count\": 10, \"skus\": 0}}",
		"{\"burst\": {\"count\": 10, \"skus\": 5000}}",
		"{\"burst\": {\"count\": 10, \"fields\": [\"gtin\"]}}",
		"{\"burst\": {\"count\": 10, \"fields\": []}}",
		"{\"burst\": 3}",
		"{\"number\": \"SKU-000003\", \"burst\": {\"count\": \"many\"}}",
	};
	json_t *third = item_get(&e, "SKU-000003");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		call(e.d, "POST", "/_sim/erp/items", NULL, bad[i], &r);
		if (r.status != 400)
			fail_msg("bad[%zu] -> %d %s", i, r.status, r.body);
		seam_sim_resp_dispose(&r);
	}
	json_t *third2 = item_get(&e, "SKU-000003");
	assert_string_equal(etag_of(third), etag_of(third2));
	json_decref(third);
	json_decref(third2);
	erp_close(&e);
}

/* force stores bad values as given, so seam's quarantine can be tested; without it they are
 * refused. */
static void test_force(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	erp_open(&e, yaml);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000004\", \"inventory\": \"12\"}", &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/items", NULL,
	     "{\"number\": \"SKU-000004\", \"force\": true, \"inventory\": -5, \"unitPrice\": \"12,50\"}", &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	json_t *it = item_get(&e, "SKU-000004");
	TH_ASSERT_CMP(json_number_value(json_object_get(it, "inventory")), ==, -5.0);
	assert_string_equal(jstr(it, "unitPrice"), "12,50");
	json_decref(it);
	call(e.d, "POST", "/_sim/erp/items", NULL,
	     "{\"number\": \"SKU-000004\", \"force\": true, \"inventory\": null, \"unitPrice\": 1e400}", &r);
	TH_ASSERT_CMP(r.status, !=, 200); /* not JSON: jansson refuses 1e400 */
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/items", NULL,
	     "{\"number\": \"SKU-000004\", \"force\": true, \"inventory\": null, \"unitPrice\": 0.123456789}", &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	it = item_get(&e, "SKU-000004");
	assert_true(json_is_null(json_object_get(it, "inventory")));
	TH_ASSERT_CMP(json_number_value(json_object_get(it, "unitPrice")), ==, 0.123456789);
	json_decref(it);
	/* the items list still answers, and a filter on the damaged field just does not match */
	erp_call(&e, "GET", NULL, NULL, &r, "/items?$filter=inventory ge 0&$top=100");
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 10); /* page_size */
	seam_sim_resp_dispose(&r);
	erp_close(&e);
}

/* ---- subscriptions ---- */

static void sub_post(erp_t *e, const char *url, const char *resource, const char *cs,
		     seam_sim_resp_t *r)
{
	char body[4096];
	if (cs)
		snprintf(body, sizeof body,
			 "{\"notificationUrl\": \"%s\", \"resource\": \"%s\", \"clientState\": \"%s\"}",
			 url, resource, cs);
	else
		snprintf(body, sizeof body, "{\"notificationUrl\": \"%s\", \"resource\": \"%s\"}", url,
			 resource);
	const char *h[] = {e->bearer, "Content-Type: application/json", NULL};
	call(e->d, "POST", "/api/v2.0/subscriptions", h, body, r);
}

/* Creates a subscription on the company's items (or salesPrices) at url; returns its id. */
static void sub_new(erp_t *e, const char *url, const char *entity, const char *cs, char id[64])
{
	char res[256];
	seam_sim_resp_t r;
	snprintf(res, sizeof res, "/api/v2.0/companies(%s)/%s", e->co, entity);
	sub_post(e, url, res, cs, &r);
	if (r.status != 201)
		fail_msg("subscription -> %d %s", r.status, r.body);
	snprintf(id, 64, "%s", jstr(r.json, "subscriptionId"));
	seam_sim_resp_dispose(&r);
}

static void sub_call(erp_t *e, const char *method, const char *id, const char *ifmatch,
		     const char *body, seam_sim_resp_t *r)
{
	char target[256], im[256];
	snprintf(target, sizeof target, "/api/v2.0/subscriptions('%s')", id);
	snprintf(im, sizeof im, "If-Match: %s", ifmatch ? ifmatch : "");
	const char *h[] = {e->bearer, "Content-Type: application/json", ifmatch ? im : NULL, NULL};
	call(e->d, method, target, h, body, r);
}

static size_t sub_count(erp_t *e)
{
	seam_sim_resp_t r;
	const char *h[] = {e->bearer, NULL};
	call(e->d, "GET", "/api/v2.0/subscriptions", h, NULL, &r);
	assert_int_equal(r.status, 200);
	size_t n = json_array_size(json_object_get(r.json, "value"));
	seam_sim_resp_dispose(&r);
	return n;
}

/* The subscription's counters from GET /_sim/erp/subscriptions (new reference; NULL: gone). */
static json_t *sub_ctl(erp_t *e, const char *id)
{
	seam_sim_resp_t r;
	size_t i;
	json_t *s, *out = NULL;
	call(e->d, "GET", "/_sim/erp/subscriptions", NULL, NULL, &r);
	json_array_foreach(json_object_get(r.json, "subscriptions"), i, s)
		if (!strcmp(jstr(s, "subscriptionId"), id))
			out = json_incref(json_object_get(s, "counters"));
	seam_sim_resp_dispose(&r);
	return out;
}

static int64_t counter(erp_t *e, const char *id, const char *name)
{
	json_t *c = sub_ctl(e, id);
	assert_non_null(c);
	int64_t v = json_integer_value(json_object_get(c, name));
	json_decref(c);
	return v;
}

/* Closes the open windows and waits for the deliveries (retries included). */
static void settle(erp_t *e)
{
	seam_sim_resp_t r;
	call(e->d, "POST", "/_sim/erp/notifications/flush", NULL, "{}", &r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "idle")));
	seam_sim_resp_dispose(&r);
}

/* Captured message i as JSON (new reference). */
static json_t *msg(erp_t *e, size_t i)
{
	pthread_mutex_lock(&e->t->cap.mu);
	assert_true(i < e->t->cap.n);
	json_t *j = json_loads(e->t->cap.msgs[i].body, 0, NULL);
	pthread_mutex_unlock(&e->t->cap.mu);
	assert_non_null(j);
	return j;
}

static size_t ncap(erp_t *e)
{
	pthread_mutex_lock(&e->t->cap.mu);
	size_t n = e->t->cap.n;
	pthread_mutex_unlock(&e->t->cap.mu);
	return n;
}

static const char *yaml_subs =
	"seed: 8\nerp:\n  items: 30\n  client_id: cid\n  client_secret: csec\n  page_size: 10\n"
	"  notify_delay: 500ms\n  notify_max: 4\n  subscription_ttl: 1h\n"
	"  sales_prices: {currencies: [EUR], groups: []}\n"
	"  notify_sender: {attempts: 3, backoff: [10ms], workers: 1}\n";

#define HOOK "http://127.0.0.1:9/webhooks/erp/us"

/* The handshake: created only when the subscriber echoes the token with 200; a wrong token,
 * no answer or a 500 leave nothing. The subscription as BC prints it; GET one and all; bad
 * resources, a long clientState and a missing token are refused. */
static void test_subscribe_handshake(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	char res[256];
	erp_open(&e, yaml_subs);
	snprintf(res, sizeof res, "/api/v2.0/companies(%s)/items", e.co);
	int64_t t0 = seam_now_ms();
	sub_post(&e, HOOK, res, "s3cret", &r);
	assert_int_equal(r.status, 201);
	const char *id = jstr(r.json, "subscriptionId");
	assert_int_equal(strlen(id), 32);
	assert_int_equal(strspn(id, "0123456789abcdef"), 32);
	assert_string_equal(jstr(r.json, "notificationUrl"), HOOK);
	assert_string_equal(jstr(r.json, "resource"), res);
	assert_string_equal(jstr(r.json, "clientState"), "s3cret");
	assert_int_equal(strlen(jstr(r.json, "userId")), 36);
	assert_non_null(etag_of(r.json));
	int64_t exp = 0;
	assert_int_equal(seam_rfc3339_parse(jstr(r.json, "expirationDateTime"), &exp), 0);
	TH_ASSERT_CMP(exp - t0, >=, 3600000 - 5);
	TH_ASSERT_CMP(exp - t0, <=, 3600000 + 5000);
	assert_non_null(seam_sim_resp_header(&r, "Location"));
	char sid[64];
	snprintf(sid, sizeof sid, "%s", id);
	seam_sim_resp_dispose(&r);
	assert_int_equal(e.hs.calls, 1);
	assert_non_null(strstr(e.hs.url, HOOK "?validationToken="));

	/* each failed handshake: 400, nothing created */
	static const int modes[] = {HS_WRONG, HS_SILENT, HS_500};
	for (size_t i = 0; i < 3; i++) {
		e.hs.mode = modes[i];
		sub_post(&e, HOOK, res, NULL, &r);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(jstr(r.json, "error.message"), "handshake"));
		seam_sim_resp_dispose(&r);
	}
	assert_int_equal(e.hs.calls, 4);
	e.hs.mode = HS_ECHO;
	assert_int_equal(sub_count(&e), 1);

	/* a URL with a query gets &validationToken */
	sub_post(&e, HOOK "?k=1", res, NULL, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "clientState"), "");
	seam_sim_resp_dispose(&r);
	assert_non_null(strstr(e.hs.url, HOOK "?k=1&validationToken="));

	/* the resource forms BC takes */
	const char *ok[4];
	char f0[256], f1[256], f2[256], f3[256];
	snprintf(f0, sizeof f0, "companies(%s)/items", e.co);
	snprintf(f1, sizeof f1, "api/v2.0/companies(%s)/salesPrices", e.co);
	snprintf(f2, sizeof f2, "https://api.businesscentral.dynamics.com/v2.0/t1/production/api/v2.0/companies(%s)/items", e.co);
	snprintf(f3, sizeof f3, "http://127.0.0.1:8102/api/v2.0/companies(%s)/salesPrices/", e.co);
	ok[0] = f0, ok[1] = f1, ok[2] = f2, ok[3] = f3;
	for (size_t i = 0; i < 4; i++) {
		sub_post(&e, HOOK, ok[i], NULL, &r);
		if (r.status != 201)
			fail_msg("%s -> %d %s", ok[i], r.status, r.body);
		seam_sim_resp_dispose(&r);
	}
	assert_int_equal(sub_count(&e), 6);
	int calls = e.hs.calls;
	char b0[256], b1[256], b2[256], b3[256];
	snprintf(b0, sizeof b0, "/api/v2.0/companies(%s)/customers", e.co);
	snprintf(b1, sizeof b1, "/api/v2.0/companies(%s)/items?$filter=number eq 'x'", e.co);
	snprintf(b2, sizeof b2, "/api/v2.0/companies(00000000-0000-4000-8000-000000000000)/items");
	snprintf(b3, sizeof b3, "/api/v2.0/companies(%s)/items(00000000-0000-4000-8000-000000000000)", e.co);
	const char *bad[] = {b0, b1, b2, b3, "items", "/api/v2.0/items", "/api/v1.0/companies/items"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		sub_post(&e, HOOK, bad[i], NULL, &r);
		if (r.status != 400)
			fail_msg("%s -> %d %s", bad[i], r.status, r.body);
		seam_sim_resp_dispose(&r);
	}
	sub_post(&e, "ftp://127.0.0.1/x", res, NULL, &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	char *longcs = malloc(2100);
	memset(longcs, 'x', 2049);
	longcs[2049] = '\0';
	sub_post(&e, HOOK, res, longcs, &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	longcs[2048] = '\0';
	sub_post(&e, HOOK, res, longcs, &r);
	assert_int_equal(r.status, 201); /* 2048 is the limit */
	seam_sim_resp_dispose(&r);
	free(longcs);
	assert_int_equal(e.hs.calls, calls + 1); /* refused ones never called the subscriber */

	/* GET one (quoted key), an unknown one, and without a token */
	const char *h[] = {e.bearer, NULL};
	char target[128];
	snprintf(target, sizeof target, "/api/v2.0/subscriptions('%s')", sid);
	call(e.d, "GET", target, h, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "clientState"), "s3cret");
	seam_sim_resp_dispose(&r);
	call(e.d, "GET", "/api/v2.0/subscriptions('0123')", h, NULL, &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	call(e.d, "GET", "/api/v2.0/subscriptions", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	seam_sim_resp_dispose(&r);
	erp_close(&e);
}

/* Renewal: If-Match required (400 without, 412 stale), the handshake again, a new
 * expirationDateTime; a failed handshake renews nothing. DELETE with If-Match. Expiry: an
 * expired subscription is gone and sends nothing; the control API expires early. */
static void test_renew_and_expire(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	char sid[64], tag[200], exp0[32];
	erp_open(&e, yaml_subs);
	sub_new(&e, HOOK, "items", "one", sid);
	sub_call(&e, "GET", sid, NULL, NULL, &r);
	snprintf(tag, sizeof tag, "%s", etag_of(r.json));
	snprintf(exp0, sizeof exp0, "%s", jstr(r.json, "expirationDateTime"));
	seam_sim_resp_dispose(&r);
	usleep(20000);
	sub_call(&e, "PATCH", sid, NULL, "{\"clientState\": \"two\"}", &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	sub_call(&e, "PATCH", sid, "W/\"stale\"", "{\"clientState\": \"two\"}", &r);
	assert_int_equal(r.status, 412);
	seam_sim_resp_dispose(&r);
	e.hs.mode = HS_WRONG;
	sub_call(&e, "PATCH", sid, tag, "{\"clientState\": \"two\"}", &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	sub_call(&e, "GET", sid, NULL, NULL, &r);
	assert_string_equal(jstr(r.json, "expirationDateTime"), exp0);
	assert_string_equal(jstr(r.json, "clientState"), "one");
	seam_sim_resp_dispose(&r);
	e.hs.mode = HS_ECHO;
	int calls = e.hs.calls;
	sub_call(&e, "PATCH", sid, tag, "{\"clientState\": \"two\"}", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(e.hs.calls, calls + 1);
	assert_string_equal(jstr(r.json, "clientState"), "two");
	TH_ASSERT_STRCMP(jstr(r.json, "expirationDateTime"), >, exp0);
	TH_ASSERT_STRCMP(etag_of(r.json), !=, tag);
	char tag2[200];
	snprintf(tag2, sizeof tag2, "%s", etag_of(r.json));
	seam_sim_resp_dispose(&r);
	/* the resource cannot move */
	char body[256];
	snprintf(body, sizeof body, "{\"resource\": \"/api/v2.0/companies(%s)/salesPrices\"}", e.co);
	sub_call(&e, "PATCH", sid, "*", body, &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	/* DELETE */
	sub_call(&e, "DELETE", sid, tag, NULL, &r);
	assert_int_equal(r.status, 412);
	seam_sim_resp_dispose(&r);
	sub_call(&e, "DELETE", sid, tag2, NULL, &r);
	assert_int_equal(r.status, 204);
	seam_sim_resp_dispose(&r);
	sub_call(&e, "GET", sid, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	sub_call(&e, "PATCH", sid, "*", "{}", &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);

	/* expired early by the control API: gone, nothing sent */
	char a[64], b[64];
	sub_new(&e, HOOK, "items", NULL, a);
	sub_new(&e, HOOK, "items", NULL, b);
	call(e.d, "POST", "/_sim/erp/subscriptions/expire", NULL, "{\"id\": \"nope\"}", &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	snprintf(body, sizeof body, "{\"id\": \"%s\"}", a);
	call(e.d, "POST", "/_sim/erp/subscriptions/expire", NULL, body, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "expired.0"), a);
	seam_sim_resp_dispose(&r);
	assert_int_equal(sub_count(&e), 1);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/subscriptions/expire", NULL, "{\"all\": true}", &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "expired")), 1);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 0); /* b's pending change went with it */
	call(e.d, "GET", "/_sim/erp/subscriptions", NULL, NULL, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "subscriptions")), 0);
	assert_string_equal(jstr(r.json, "removed.0.reason"), "deleted");
	assert_string_equal(jstr(r.json, "removed.1.reason"), "expired");
	assert_string_equal(jstr(r.json, "removed.2.reason"), "expired");
	seam_sim_resp_dispose(&r);
	erp_close(&e);

	/* expired by time: subscription_ttl */
	erp_open(&e, "seed: 8\nerp: {items: 5, client_id: cid, client_secret: csec, "
		     "subscription_ttl: 150ms, notify_delay: 10ms}\n");
	sub_new(&e, HOOK, "items", NULL, a);
	assert_int_equal(sub_count(&e), 1);
	usleep(250000);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	usleep(50000);
	settle(&e);
	assert_int_equal(ncap(&e), 0);
	assert_int_equal(sub_count(&e), 0);
	sub_call(&e, "GET", a, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	erp_close(&e);
}

/* One window per URL: an item changed five times (control API and PATCH) makes one
 * notification carrying its last time; the price subscription on the same URL shares the
 * POST; nothing is sent before the window closes (notify_delay, 500 ms here). */
static void test_coalescing(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	char si[64], sp[64];
	erp_open(&e, yaml_subs);
	sub_new(&e, HOOK, "items", "cs-items", si);
	sub_new(&e, HOOK, "salesPrices", "cs-prices", sp);
	for (int i = 0; i < 4; i++) {
		call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000003\"}", &r);
		seam_sim_resp_dispose(&r);
	}
	json_t *it = item_get(&e, "SKU-000003");
	char body[128], iid[64];
	snprintf(iid, sizeof iid, "%s", jstr(it, "id"));
	erp_call(&e, "PATCH", "{\"displayName\": \"Renamed\"}", etag_of(it), &r, "/items(%s)", iid);
	assert_int_equal(r.status, 200);
	char last[32];
	snprintf(last, sizeof last, "%s", jstr(r.json, "lastModifiedDateTime"));
	seam_sim_resp_dispose(&r);
	json_decref(it);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000009\", \"inventory\": 3}", &r);
	seam_sim_resp_dispose(&r);
	erp_call(&e, "GET", NULL, NULL, &r, "/salesPrices?$filter=itemNumber eq 'SKU-000001'");
	snprintf(body, sizeof body, "{\"remove\": [\"%s\"]}", jstr(r.json, "value.0.id"));
	char pid[64];
	snprintf(pid, sizeof pid, "%s", jstr(r.json, "value.0.id"));
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/prices", NULL, body, &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	assert_int_equal(ncap(&e), 0); /* the window is still open */
	call(e.d, "GET", "/_sim/erp/subscriptions", NULL, NULL, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "windows")), 1);
	seam_sim_resp_dispose(&r);
	/* the notifier closes it after notify_delay */
	for (int i = 0; i < 100 && ncap(&e) == 0; i++)
		usleep(20000);
	assert_int_equal(ncap(&e), 1);
	settle(&e);
	assert_int_equal(ncap(&e), 1);
	json_t *m = msg(&e, 0);
	json_t *v = json_object_get(m, "value");
	assert_int_equal(json_array_size(v), 3);
	char want[256];
	snprintf(want, sizeof want, "api/v2.0/companies(%s)/items(%s)", e.co, iid);
	assert_string_equal(jstr(v, "0.subscriptionId"), si);
	assert_string_equal(jstr(v, "0.clientState"), "cs-items");
	assert_string_equal(jstr(v, "0.resource"), want);
	assert_string_equal(jstr(v, "0.changeType"), "updated");
	assert_string_equal(jstr(v, "0.lastModifiedDateTime"), last);
	assert_non_null(jstr(v, "0.expirationDateTime"));
	assert_string_equal(jstr(v, "1.subscriptionId"), si);
	assert_string_equal(jstr(v, "2.subscriptionId"), sp);
	assert_string_equal(jstr(v, "2.clientState"), "cs-prices");
	assert_string_equal(jstr(v, "2.changeType"), "deleted");
	snprintf(want, sizeof want, "api/v2.0/companies(%s)/salesPrices(%s)", e.co, pid);
	assert_string_equal(jstr(v, "2.resource"), want);
	json_decref(m);
	pthread_mutex_lock(&e.t->cap.mu);
	assert_string_equal(e.t->cap.msgs[0].url, HOOK);
	assert_string_equal(cap_header(&e.t->cap.msgs[0], "Content-Type"), "application/json");
	pthread_mutex_unlock(&e.t->cap.mu);
	assert_int_equal(counter(&e, si, "changes"), 6);
	assert_int_equal(counter(&e, si, "queued"), 2);
	assert_int_equal(counter(&e, si, "sent"), 2);
	assert_int_equal(counter(&e, sp, "queued"), 1);
	/* a new window after the last one closed */
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000003\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 2);
	erp_close(&e);
}

/* Above notify_max records in a window: one "collection" notification per subscription whose
 * filter finds exactly the changed records. */
static void test_collection(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	char si[64], si2[64];
	erp_open(&e, yaml_subs);
	sub_new(&e, HOOK, "items", "a", si);
	sub_new(&e, HOOK, "items", "b", si2);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"burst\": {\"count\": 50, \"skus\": 5}}", &r);
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000020\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 1);
	json_t *m = msg(&e, 0);
	json_t *v = json_object_get(m, "value");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(jstr(v, "0.changeType"), "collection");
	assert_string_equal(jstr(v, "1.changeType"), "collection");
	assert_string_equal(jstr(v, "0.subscriptionId"), si);
	assert_string_equal(jstr(v, "1.clientState"), "b");
	const char *res = jstr(v, "0.resource");
	char prefix[256];
	snprintf(prefix, sizeof prefix, "/api/v2.0/companies(%s)/items?$filter=lastModifiedDateTime%%20gt%%20", e.co);
	TH_ASSERT_STRNCMP(res, ==, prefix, strlen(prefix));
	/* the subscriber follows it: exactly the six changed items */
	const char *h[] = {e.bearer, NULL};
	char target[512];
	snprintf(target, sizeof target, "%s", res);
	call(e.d, "GET", target, h, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 6);
	seam_sim_resp_dispose(&r);
	json_t *it = item_get(&e, "SKU-000020");
	assert_string_equal(jstr(v, "0.lastModifiedDateTime"), jstr(it, "lastModifiedDateTime"));
	json_decref(it);
	json_decref(m);
	assert_int_equal(counter(&e, si, "changes"), 51);
	assert_int_equal(counter(&e, si, "queued"), 1);
	/* at notify_max, still one per record */
	cap_clear(&e.t->cap);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"burst\": {\"count\": 8, \"skus\": 2}}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	m = msg(&e, 0);
	assert_int_equal(json_array_size(json_object_get(m, "value")), 4); /* 2 items x 2 subs */
	assert_string_equal(jstr(m, "value.0.changeType"), "updated");
	json_decref(m);
	erp_close(&e);
}

/* The double's outbound fault rules: a lost notification is counted and never sent; a
 * duplicated one arrives twice. */
static void test_notification_faults(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	char si[64];
	erp_open(&e, yaml_subs);
	sub_new(&e, HOOK, "items", NULL, si);
	call(e.d, "POST", "/_sim/faults", NULL, "{\"kind\": \"lose\", \"times\": 1}", &r);
	assert_int_equal(r.status, 201);
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 0);
	assert_int_equal(counter(&e, si, "lost"), 1);
	assert_int_equal(counter(&e, si, "sent"), 0);
	call(e.d, "POST", "/_sim/faults", NULL, "{\"kind\": \"duplicate\", \"copies\": 2, \"times\": 1}", &r);
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 2);
	pthread_mutex_lock(&e.t->cap.mu);
	assert_string_equal(e.t->cap.msgs[0].body, e.t->cap.msgs[1].body);
	pthread_mutex_unlock(&e.t->cap.mu);
	assert_int_equal(counter(&e, si, "duplicated"), 1);
	assert_int_equal(counter(&e, si, "sent"), 2);
	/* reorder holds them until released */
	call(e.d, "POST", "/_sim/faults", NULL, "{\"kind\": \"reorder\", \"batch\": 2, \"times\": 1}", &r);
	seam_sim_resp_dispose(&r);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 2);
	call(e.d, "POST", "/_sim/deliveries/release", NULL, "{}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 3);
	erp_close(&e);
}

/* Answers: 503 is retried (then delivered); 410, any 4xx but 408 and 429, deletes the
 * subscription at once, without retries, as BC does. */
static void test_answers(void **state)
{
	(void)state;
	erp_t e;
	seam_sim_resp_t r;
	char si[64];
	erp_open(&e, yaml_subs);
	sub_new(&e, HOOK, "items", NULL, si);
	e.t->cap.fail_first = 2; /* 500, 500, then 200 */
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 3);
	assert_int_equal(counter(&e, si, "sent"), 1);
	assert_int_equal(counter(&e, si, "failed"), 0);
	/* 429 is retried too, and after the attempts it is failed, not deleted */
	cap_clear(&e.t->cap);
	e.t->cap.status_ok = 429;
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 3);
	assert_int_equal(counter(&e, si, "failed"), 1);
	/* 410: one attempt, the subscription is gone */
	cap_clear(&e.t->cap);
	e.t->cap.status_ok = 410;
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 1);
	assert_null(sub_ctl(&e, si));
	assert_int_equal(sub_count(&e), 0);
	call(e.d, "GET", "/_sim/erp/subscriptions", NULL, NULL, &r);
	assert_string_equal(jstr(r.json, "removed.0.reason"), "rejected");
	assert_int_equal(json_integer_value(jget(r.json, "removed.0.status")), 410);
	seam_sim_resp_dispose(&r);
	call(e.d, "GET", "/_sim/deliveries", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"rejected\""));
	seam_sim_resp_dispose(&r);
	/* and nothing more is sent to it */
	cap_clear(&e.t->cap);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(ncap(&e), 0);
	erp_close(&e);
}

/* Config: every new key is checked, with file:line. */
static void test_config(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"seed: 1\nerp:\n  notify_max: 0\n",
		"seed: 1\nerp:\n  notify_delay: soon\n",
		"seed: 1\nerp:\n  handshake_timeout: 2m\n",
		"seed: 1\nerp:\n  subscription_ttl: -1\n",
		"seed: 1\nerp:\n  sales_prices: {currency: [EUR]}\n",
		"seed: 1\nerp:\n  sales_prices: {currencies: [euro]}\n",
		"seed: 1\nerp:\n  sales_prices: {break_quantity: 1}\n",
		"seed: 1\nerp:\n  sales_prices: [EUR]\n",
		"seed: 1\nerp:\n  items: 1000000\n  sales_prices: {groups: [A, B]}\n",
		"seed: 1\nerp:\n  notify_sender: {attempts: 0}\n",
		"seed: 1\nerp:\n  notify_sender: {retries: 3}\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seam_sim_config_t *cfg;
		seam_sim_t *sim = NULL;
		seam_error_t err = {0};
		assert_int_equal(seam_sim_config_load_string(bad[i], "t.yaml", &cfg, &err), SEAM_OK);
		if (seam_sim_create(cfg, NULL, &sim, &err) == SEAM_OK)
			fail_msg("config %zu accepted", i);
		if (!strstr(err.msg, "t.yaml:"))
			fail_msg("config %zu: %s", i, err.msg);
		seam_sim_config_destroy(cfg);
	}
}

/* ---- over real HTTP: libcurl to a loopback subscriber ---- */

typedef struct rx {
	pthread_mutex_t mu;
	int slow;       /* handshakes take this many ms */
	int answer;     /* notifications get this status */
	int handshakes, notifications;
	char last[4096];
} rx_t;

static void on_hook(seam_http_req_t *req, void *ud)
{
	rx_t *x = ud;
	const char *tok = seam_http_query(req, "validationToken");
	size_t len;
	const char *body = seam_http_body(req, &len);
	pthread_mutex_lock(&x->mu);
	int slow = x->slow, answer = x->answer;
	if (tok)
		x->handshakes++;
	else {
		x->notifications++;
		snprintf(x->last, sizeof x->last, "%.*s", (int)len, body ? body : "");
	}
	pthread_mutex_unlock(&x->mu);
	if (tok) {
		if (slow)
			usleep((useconds_t)slow * 1000);
		seam_http_reply(req, 200, "text/plain", tok, strlen(tok));
		return;
	}
	seam_http_reply(req, answer, "application/json", "{}", 2);
}

/* The receiver's fields, read and written under its lock (its threads read them). */
static int rx_get(rx_t *x, const int *f)
{
	pthread_mutex_lock(&x->mu);
	int v = *f;
	pthread_mutex_unlock(&x->mu);
	return v;
}

static void rx_set(rx_t *x, int *f, int v)
{
	pthread_mutex_lock(&x->mu);
	*f = v;
	pthread_mutex_unlock(&x->mu);
}

static const seam_route_t rx_routes[] = {
	{"POST", "/webhooks/erp/{store}", on_hook, NULL, SEAM_ROUTE_RAW_BODY, "erp hook", NULL, NULL},
};

static void test_over_http(void **state)
{
	(void)state;
	rx_t x = {.answer = 202};
	seam_http_server_t *srv;
	seam_error_t err = {0};
	seam_sim_config_t *cfg;
	seam_sim_t *sim;
	seam_sim_resp_t r;
	char yaml2[512], url[128];
	pthread_mutex_init(&x.mu, NULL);
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = rx_routes, .nroutes = 1,
			      .ud = &x, .threads = 2};
	assert_int_equal(seam_http_start(&o, &srv, &err), SEAM_OK);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/webhooks/erp/us", seam_http_port(srv));
	snprintf(yaml2, sizeof yaml2,
		 "seed: 4\nerp: {items: 10, client_id: cid, client_secret: csec, notify_delay: 50ms,"
		 " handshake_timeout: 1500ms, notify_sender: {attempts: 2, backoff: [10ms]}}\n");
	assert_int_equal(seam_sim_config_load_string(yaml2, "t.yaml", &cfg, &err), SEAM_OK);
	seam_sim_opts_t opts = {0}; /* libcurl for the handshake and the notifications */
	if (seam_sim_create(cfg, &opts, &sim, &err) != SEAM_OK)
		fail_msg("create: %s", err.msg);
	erp_t e = {.d = seam_sim_get(sim, "erp")};
	call(e.d, "POST", "/oauth2/v2.0/token", NULL,
	     "grant_type=client_credentials&client_id=cid&client_secret=csec", &r);
	snprintf(e.bearer, sizeof e.bearer, "Authorization: Bearer %s", jstr(r.json, "access_token"));
	seam_sim_resp_dispose(&r);
	const char *h[] = {e.bearer, NULL};
	call(e.d, "GET", "/api/v2.0/companies", h, NULL, &r);
	snprintf(e.co, sizeof e.co, "%s", jstr(r.json, "value.0.id"));
	seam_sim_resp_dispose(&r);

	char si[64];
	sub_new(&e, url, "items", "over-http", si);
	assert_int_equal(rx_get(&x, &x.handshakes), 1);
	/* a subscriber slower than handshake_timeout: no subscription */
	rx_set(&x, &x.slow, 2500); /* past the 1.5 s timeout, with room for a loaded sanitizer run */
	char res[256];
	snprintf(res, sizeof res, "companies(%s)/items", e.co);
	sub_post(&e, url, res, NULL, &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	rx_set(&x, &x.slow, 0);
	assert_int_equal(sub_count(&e), 1);
	/* nobody listening: no subscription */
	sub_post(&e, "http://127.0.0.1:9/nobody", res, NULL, &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);

	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000002\"}", &r);
	seam_sim_resp_dispose(&r);
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&x.mu);
		int n = x.notifications;
		pthread_mutex_unlock(&x.mu);
		if (n)
			break;
		usleep(10000);
	}
	settle(&e);
	pthread_mutex_lock(&x.mu);
	assert_int_equal(x.notifications, 1);
	json_t *m = json_loads(x.last, 0, NULL);
	pthread_mutex_unlock(&x.mu);
	assert_string_equal(jstr(m, "value.0.subscriptionId"), si);
	assert_string_equal(jstr(m, "value.0.clientState"), "over-http");
	json_decref(m);
	/* renew over HTTP, then a 404 answer deletes it */
	sub_call(&e, "PATCH", si, "*", "{}", &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	assert_int_equal(rx_get(&x, &x.handshakes), 3); /* create, the slow one, renew */
	rx_set(&x, &x.answer, 404);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000002\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(sub_count(&e), 0);
	pthread_mutex_lock(&x.mu);
	assert_int_equal(x.notifications, 2);
	pthread_mutex_unlock(&x.mu);

	seam_sim_stopping(sim);
	seam_sim_destroy(sim);
	seam_sim_config_destroy(cfg);
	seam_http_stop(srv, 1000);
	pthread_mutex_destroy(&x.mu);
}

/* The double as its own subscriber (/_sim/erp/inbox), served over HTTP: the handshake calls
 * the double back while its POST /subscriptions is in flight (the handler must have let go of
 * its lock), notifications land in the inbox, ?status=503 is retried, ?status=301 deletes. */
static void test_inbox_over_http(void **state)
{
	(void)state;
	seam_error_t err = {0};
	seam_sim_config_t *cfg;
	seam_sim_t *sim;
	seam_sim_listener_t *l = NULL;
	seam_sim_resp_t r;
	assert_int_equal(seam_sim_config_load_string(
				 "seed: 4\nerp: {items: 10, client_id: cid, client_secret: csec,"
				 " notify_delay: 50ms, handshake_timeout: 2s,"
				 " notify_sender: {attempts: 3, backoff: [10ms]}}\n",
				 "t.yaml", &cfg, &err),
			 SEAM_OK);
	seam_sim_opts_t opts = {0};
	if (seam_sim_create(cfg, &opts, &sim, &err) != SEAM_OK)
		fail_msg("create: %s", err.msg);
	erp_t e = {.d = seam_sim_get(sim, "erp")};
	assert_int_equal(seam_sim_http_start(e.d, "127.0.0.1:0", 4, NULL, &l, &err), SEAM_OK);
	call(e.d, "POST", "/oauth2/v2.0/token", NULL,
	     "grant_type=client_credentials&client_id=cid&client_secret=csec", &r);
	snprintf(e.bearer, sizeof e.bearer, "Authorization: Bearer %s", jstr(r.json, "access_token"));
	seam_sim_resp_dispose(&r);
	const char *h[] = {e.bearer, NULL};
	call(e.d, "GET", "/api/v2.0/companies", h, NULL, &r);
	snprintf(e.co, sizeof e.co, "%s", jstr(r.json, "value.0.id"));
	seam_sim_resp_dispose(&r);
	char url[160], si[64], s2[64];
	snprintf(url, sizeof url, "%s/_sim/erp/inbox", seam_sim_double_base_url(e.d));
	sub_new(&e, url, "items", "self", si);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000001\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	call(e.d, "GET", "/_sim/erp/inbox", NULL, NULL, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "received")), 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "handshakes")), 1);
	assert_string_equal(jstr(r.json, "received.0.body.value.0.subscriptionId"), si);
	assert_string_equal(jstr(r.json, "received.0.body.value.0.clientState"), "self");
	seam_sim_resp_dispose(&r);
	/* 503: retried to the end, kept; 301: not retried, deleted */
	char u503[200], u301[200];
	snprintf(u503, sizeof u503, "%s?status=503", url);
	snprintf(u301, sizeof u301, "%s?status=301", url);
	sub_new(&e, u503, "items", NULL, s2);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000002\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_int_equal(counter(&e, s2, "failed"), 1);
	call(e.d, "GET", "/_sim/erp/inbox?since=1", NULL, NULL, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "received")), 4); /* 1 + 3 tries */
	seam_sim_resp_dispose(&r);
	char s3[64];
	sub_new(&e, u301, "items", NULL, s3);
	call(e.d, "POST", "/_sim/erp/items", NULL, "{\"number\": \"SKU-000003\"}", &r);
	seam_sim_resp_dispose(&r);
	settle(&e);
	assert_null(sub_ctl(&e, s3));
	json_t *still = sub_ctl(&e, si);
	assert_non_null(still);
	json_decref(still);
	seam_sim_http_stop(l);
	seam_sim_stopping(sim);
	seam_sim_destroy(sim);
	seam_sim_config_destroy(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_sales_orders),
		cmocka_unit_test(test_items_paging_and_changes),
		cmocka_unit_test(test_companies),
		cmocka_unit_test(test_sales_prices),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_subscribe_handshake),
		cmocka_unit_test(test_renew_and_expire),
		cmocka_unit_test(test_coalescing),
		cmocka_unit_test(test_collection),
		cmocka_unit_test(test_notification_faults),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_over_http),
		cmocka_unit_test(test_inbox_over_http),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
