/* test_erp.c: the Business Central-like ERP connector against a programmable HTTP server on
 * 127.0.0.1 (base URL with the /api/v2.0 prefix): the $filter lookup with OData quote
 * doubling and percent-encoding, duplicate matches, the deep-insert create with decimals sent
 * digit for digit as JSON numbers, no retry inside a create, BC error bodies mapped to
 * SEAM_CONFLICT / SEAM_PERMANENT / SEAM_RETRY with their code and message, and the
 * DELETE-with-If-Match cancel that treats 404 as done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/erp.h"
#include "core/clock.h"
#include "core/ids.h"
#include "http/client.h"
#include "http/server.h"
#include "tests/support/mock_upstream.h"

#define CID "cid-erp-test-0001"
#define COMPANY "c0ffee00-1111-4222-8333-444444444444"
#define SO_ID "5d115c9c-44e3-ea11-bb43-000d3a2feca1"
#define JSON_CT "application/json"
#define BASE_PATH "/api/v2.0/companies(" COMPANY ")"

/* ---- the programmable upstream ---- */

typedef th_mock_seen_t seen_t;

typedef struct mock {
	th_mock_t *mk;
	seam_upstream_t *u;
	int port;
	char base[64];
} mock_t;

static void push_ex(mock_t *m, int status, const char *body, const char *ctype, int delay_ms,
		    const char *hname, const char *hvalue)
{
	th_mock_push(m->mk, status, body, ctype, delay_ms, hname, hvalue);
}

static void push(mock_t *m, int status, const char *body)
{
	push_ex(m, status, body, NULL, 0, NULL, NULL);
}

static const seen_t *seen(mock_t *m, int i)
{
	const seen_t *s = th_mock_seen(m->mk, i);
	if (!s)
		fail_msg("request %d was not received (%d seen)", i, th_mock_nseen(m->mk));
	return s;
}

static int setup(void **state)
{
	seam_error_t err = {0};
	mock_t *m = calloc(1, sizeof *m);
	m->mk = th_mock_start(JSON_CT);
	m->port = th_mock_port(m->mk);
	snprintf(m->base, sizeof m->base, "http://127.0.0.1:%d/api/v2.0", m->port);
	seam_upstream_opts_t uo = {
		.name = "erp",
		.base_url = m->base,
		.timeout_ms = 2000,
		.auth = {.type = SEAM_AUTH_BEARER, .token = "tok-erp"},
		.breaker = {.min_calls = 3, .window_calls = 3, .failure_ratio = 1.0},
	};
	if (!(m->u = seam_upstream_create(&uo, NULL, NULL, &err)))
		fail_msg("upstream: %s", err.msg);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	mock_t *m = *state;
	seam_upstream_destroy(m->u);
	th_mock_stop(m->mk);
	free(m);
	return 0;
}

/* A fresh upstream with a short timeout (the server stays). */
static void short_timeout(mock_t *m, int64_t ms)
{
	seam_error_t err = {0};
	seam_upstream_destroy(m->u);
	seam_upstream_opts_t uo = {.name = "erp", .base_url = m->base, .timeout_ms = ms};
	assert_non_null(m->u = seam_upstream_create(&uo, NULL, NULL, &err));
}

static void assert_tracing(const seen_t *s)
{
	char trace[33], want[40];
	assert_string_equal(s->cid, CID);
	seam_cid_trace_id(CID, trace);
	snprintf(want, sizeof want, "00-%s-", trace);
	assert_memory_equal(s->traceparent, want, strlen(want));
	assert_string_equal(s->auth, "Bearer tok-erp");
	assert_string_equal(s->idem, ""); /* BC has no idempotency key */
}

static const char so_1001[] =
	"{\"@odata.etag\":\"W/\\\"JzQ0O0pBQUFBQUNMQUFBQUFBQUE9MTsn\\\"\",\"id\":\"" SO_ID "\","
	"\"number\":\"S-ORD101001\",\"externalDocumentNumber\":\"1002\",\"orderDate\":\"2026-11-26\","
	"\"customerNumber\":\"10000\",\"currencyCode\":\"USD\",\"status\":\"Draft\","
	"\"totalAmountIncludingTax\":39.98,\"salesOrderLines\":[{\"id\":\"l-1\",\"sequence\":10000,"
	"\"lineType\":\"Item\",\"lineObjectNumber\":\"1996-S\",\"quantity\":2,\"unitPrice\":19.99}]}";

static json_t *sales_order(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, "
			 "s:s, s:s}]}",
			 "externalDocumentNumber", "1002", "orderDate", "2026-11-26", "customerNumber",
			 "10000", "currencyCode", "USD", "discountAmount", "0.00", "salesOrderLines",
			 "lineType", "Item", "lineObjectNumber", "1996-S", "description",
			 "T-shirt \"\xc3\x9cn\xc3\xaf" "code\"", "quantity", "2", "unitPrice", "19.99",
			 "lineType", "Item", "lineObjectNumber", "2000-S", "description", "Mug",
			 "quantity", "1.5", "discountPercent", "0.10");
}

/* ---- find ---- */

static void test_find(void **state)
{
	mock_t *m = *state;
	json_t *o = NULL;
	size_t n = 99;
	seam_erp_outcome_t oc;
	seam_error_t err = {0};
	char body[2048];

	snprintf(body, sizeof body, "{\"@odata.context\":\"x\",\"value\":[%s]}", so_1001);
	push(m, 200, body);
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "1002", &o, &n, &oc, &err),
			 SEAM_OK);
	assert_string_equal(seen(m, 0)->method, "GET");
	assert_string_equal(seen(m, 0)->path, BASE_PATH "/salesOrders");
	assert_string_equal(seen(m, 0)->query,
			    "$filter=externalDocumentNumber eq '1002'&$expand=salesOrderLines");
	assert_string_equal(seen(m, 0)->accept, JSON_CT);
	assert_tracing(seen(m, 0));
	assert_int_equal(n, 1);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "number")), "S-ORD101001");
	assert_int_equal(json_array_size(json_object_get(o, "salesOrderLines")), 1);
	json_decref(o);

	/* None. */
	push(m, 200, "{\"value\":[]}");
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "1003", &o, &n, &oc, &err),
			 SEAM_OK);
	assert_null(o);
	assert_int_equal(n, 0);
}

static void test_find_quotes_and_encoding(void **state)
{
	mock_t *m = *state;
	json_t *o = NULL;
	seam_error_t err = {0};

	push(m, 200, "{\"value\":[]}");
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "O'Brien's #1&2 \xc3\xbc", &o,
						   NULL, NULL, &err),
			 SEAM_OK);
	/* Decoded by the server: quotes doubled; '#', '&', spaces and UTF-8 survived encoding. */
	assert_string_equal(seen(m, 0)->query,
			    "$filter=externalDocumentNumber eq 'O''Brien''s #1&2 \xc3\xbc'"
			    "&$expand=salesOrderLines");
	push(m, 200, "{\"value\":[]}");
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "'", &o, NULL, NULL, &err),
			 SEAM_OK);
	assert_string_equal(seen(m, 1)->query,
			    "$filter=externalDocumentNumber eq ''''&$expand=salesOrderLines");

	/* A company id that would change the path is refused before sending. */
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, "x)/items(1", "1", &o, NULL, NULL, &err),
			 SEAM_INVAL);
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "", &o, NULL, NULL, &err),
			 SEAM_INVAL);
	assert_int_equal(th_mock_nseen(m->mk), 2);
}

static void test_find_duplicates_and_errors(void **state)
{
	mock_t *m = *state;
	json_t *o = NULL;
	size_t n = 0;
	seam_erp_outcome_t oc;
	seam_error_t err = {0};

	push(m, 200, "{\"value\":[{\"id\":\"b\",\"number\":\"SO-100\"},{\"id\":\"n\"},"
		     "{\"id\":\"a\",\"number\":\"SO-99\"},{\"id\":\"c\",\"number\":\"SO-101\"}]}");
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "1002", &o, &n, &oc, &err),
			 SEAM_OK);
	assert_int_equal(n, 4);
	assert_string_equal(json_string_value(json_object_get(o, "number")), "SO-99");
	json_decref(o);

	push(m, 404, "{\"error\":{\"code\":\"BadRequest_NotFound\",\"message\":\"The company does "
		     "not exist. CorrelationId: 0d3c.\"}}");
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "1002", &o, &n, &oc, &err),
			 SEAM_PERMANENT);
	assert_null(o);
	assert_string_equal(oc.code, "BadRequest_NotFound");
	assert_string_equal(err.msg, "erp: GET /companies(" COMPANY ")/salesOrders: HTTP 404: "
				     "BadRequest_NotFound: The company does not exist. CorrelationId: 0d3c.");

	push_ex(m, 429, "{\"error\":{\"code\":\"Application_TooManyRequests\",\"message\":\"slow down\"}}",
		NULL, 0, "Retry-After", "3");
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "1002", &o, &n, &oc, &err),
			 SEAM_RETRY);
	assert_int_equal(oc.retry_after_ms, 3000);

	push(m, 200, "{\"values\":[]}");
	assert_int_equal(seam_erp_find_sales_order(m->u, CID, COMPANY, "1002", &o, &n, &oc, &err),
			 SEAM_UPSTREAM);
}

/* ---- create ---- */

static const char want_body[] =
	"{\"externalDocumentNumber\":\"1002\",\"orderDate\":\"2026-11-26\",\"customerNumber\":"
	"\"10000\",\"currencyCode\":\"USD\",\"discountAmount\":0.00,\"salesOrderLines\":[{"
	"\"lineType\":\"Item\",\"lineObjectNumber\":\"1996-S\",\"description\":"
	"\"T-shirt \\\"\xc3\x9cn\xc3\xaf" "code\\\"\",\"quantity\":2,\"unitPrice\":19.99},{\"lineType\":"
	"\"Item\",\"lineObjectNumber\":\"2000-S\",\"description\":\"Mug\",\"quantity\":1.5,"
	"\"discountPercent\":0.10}]}";

static void test_create(void **state)
{
	mock_t *m = *state;
	json_t *so = sales_order(), *created = NULL, *sent;
	seam_erp_outcome_t oc;
	seam_error_t err = {0};

	push(m, 201, so_1001);
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, &oc, &err),
			 SEAM_OK);
	assert_int_equal(oc.status, 201);
	assert_string_equal(seen(m, 0)->method, "POST");
	assert_string_equal(seen(m, 0)->path, BASE_PATH "/salesOrders");
	assert_string_equal(seen(m, 0)->query, "");
	assert_string_equal(seen(m, 0)->ctype, JSON_CT);
	assert_tracing(seen(m, 0));
	/* Byte for byte: deep insert, decimals as numbers with their exact text. */
	assert_string_equal(seen(m, 0)->body, want_body);
	assert_non_null(strstr(seen(m, 0)->body, "\"unitPrice\":19.99}"));
	assert_non_null(strstr(seen(m, 0)->body, "\"discountPercent\":0.10}"));
	sent = json_loads(seen(m, 0)->body, 0, NULL);
	assert_non_null(sent);
	assert_true(json_is_real(json_object_get(
		json_array_get(json_object_get(sent, "salesOrderLines"), 0), "unitPrice")));
	assert_true(json_is_integer(json_object_get(
		json_array_get(json_object_get(sent, "salesOrderLines"), 0), "quantity")));
	json_decref(sent);
	assert_string_equal(json_string_value(json_object_get(created, "number")), "S-ORD101001");
	assert_string_equal(json_string_value(json_object_get(created, "id")), SO_ID);
	/* The mapping's document is unchanged (borrowed). */
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(so, "salesOrderLines"), 0),
				    "unitPrice")),
			    "19.99");
	json_decref(created);
	json_decref(so);
}

static void test_create_errors(void **state)
{
	mock_t *m = *state;
	json_t *so = sales_order(), *created = NULL;
	seam_erp_outcome_t oc;
	seam_error_t err = {0};

	push(m, 400, "{\"error\":{\"code\":\"Internal_EntityWithSameKeyExists\",\"message\":\"The "
		     "record already exists. CorrelationId: 1.\"}}");
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, &oc, &err),
			 SEAM_CONFLICT);
	assert_null(created);
	assert_string_equal(oc.code, "Internal_EntityWithSameKeyExists");
	assert_non_null(strstr(err.msg, "HTTP 400: Internal_EntityWithSameKeyExists: The record"));

	push(m, 400, "{\"error\":{\"code\":\"Application_DialogException\",\"message\":\"A "
		     "customerNumber or a customerID must be provided.\"}}");
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, &oc, &err),
			 SEAM_PERMANENT);
	assert_non_null(strstr(err.msg, "Application_DialogException: A customerNumber or a "
					"customerID must be provided."));

	push(m, 400, "{\"error\":{\"code\":\"Application_FieldValidationException\",\"message\":"
		     "\"Email jane.doe@example.com is not valid.\"}}");
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, &oc, &err),
			 SEAM_PERMANENT);
	assert_null(strstr(err.msg, "jane.doe"));
	assert_non_null(strstr(err.msg, "Email j***@e***.com is not valid."));

	/* 401 after the client's own token refresh: worth another attempt later. */
	push(m, 401, "{\"error\":{\"code\":\"Authentication_InvalidCredentials\",\"message\":"
		     "\"The server has rejected the client credentials.\"}}");
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, &oc, &err),
			 SEAM_RETRY);

	/* 5xx: retryable, and exactly one POST (no retry inside the connector). */
	int before = th_mock_nseen(m->mk);
	push(m, 503, NULL);
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, &oc, &err),
			 SEAM_RETRY);
	assert_int_equal(th_mock_nseen(m->mk), before + 1);
	assert_non_null(strstr(err.msg, "HTTP 503"));

	/* 201 without a number is not a success. */
	push(m, 201, "{\"id\":\"x\"}");
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, &oc, &err),
			 SEAM_UPSTREAM);
	assert_null(created);

	/* A quantity the wire cannot carry: nothing is sent. */
	before = th_mock_nseen(m->mk);
	json_object_set_new(json_array_get(json_object_get(so, "salesOrderLines"), 1), "quantity",
			    json_string("1,5"));
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, &oc, &err),
			 SEAM_INVAL);
	assert_non_null(strstr(err.msg, "salesOrderLines[1].quantity"));
	assert_int_equal(th_mock_nseen(m->mk), before);
	json_decref(so);
}

static void test_create_timeout_not_retried(void **state)
{
	mock_t *m = *state;
	json_t *so = sales_order(), *created = NULL;
	seam_error_t err = {0};
	short_timeout(m, 150);
	push_ex(m, 201, so_1001, NULL, 600, NULL, NULL);
	assert_int_equal(seam_erp_create_sales_order(m->u, CID, COMPANY, so, &created, NULL, &err),
			 SEAM_TIMEOUT);
	assert_null(created);
	seam_sleep_ms(500);
	assert_int_equal(th_mock_nseen(m->mk), 1);
	json_decref(so);
}

static void test_body_numbers(void **state)
{
	char *text = NULL;
	seam_error_t err = {0};
	json_t *so;
	(void)state;

	so = json_pack("{s:s, s:[{s:s, s:s, s:f, s:i, s:n, s:s, s:s}]}", "discountAmount",
		       "-007.50", "salesOrderLines", "quantity", "0010", "unitPrice", "0.10",
		       "discountPercent", 0.1, "sequence", 10000, "shipQuantity", "invoiceQuantity",
		       "1.20", "unitOfMeasureCode", "007");
	assert_int_equal(seam_erp_sales_order_body(so, &text, &err), SEAM_OK);
	assert_string_equal(text, "{\"discountAmount\":-7.50,\"salesOrderLines\":[{\"quantity\":10,"
				  "\"unitPrice\":0.10,\"discountPercent\":0.1,\"sequence\":10000,"
				  "\"shipQuantity\":null,\"invoiceQuantity\":1.20,"
				  "\"unitOfMeasureCode\":\"007\"}]}");
	free(text);
	json_decref(so);

	so = json_pack("{s:[{s:b}]}", "salesOrderLines", "quantity", 1);
	assert_int_equal(seam_erp_sales_order_body(so, &text, &err), SEAM_INVAL);
	assert_null(text);
	assert_non_null(strstr(err.msg, "salesOrderLines[0].quantity"));
	json_decref(so);
	const char *bad[] = {"1e3", "1.", ".5", "+1", "1 ", "", "0x10", "-", NULL};
	for (int i = 0; bad[i]; i++) {
		so = json_pack("{s:s}", "discountAmount", bad[i]);
		if (seam_erp_sales_order_body(so, &text, &err) != SEAM_INVAL)
			fail_msg("'%s' was accepted as a decimal", bad[i]);
		json_decref(so);
	}
	so = json_pack("{s:i}", "salesOrderLines", 3);
	assert_int_equal(seam_erp_sales_order_body(so, &text, &err), SEAM_INVAL);
	json_decref(so);
	so = json_pack("{s:[i]}", "salesOrderLines", 3);
	assert_int_equal(seam_erp_sales_order_body(so, &text, &err), SEAM_INVAL);
	json_decref(so);
	so = json_pack("[]");
	assert_int_equal(seam_erp_sales_order_body(so, &text, &err), SEAM_INVAL);
	json_decref(so);
	/* Non-decimal fields keep their type, even when they look like numbers. */
	so = json_pack("{s:s, s:s}", "number", "0010", "externalDocumentNumber", "19.99");
	assert_int_equal(seam_erp_sales_order_body(so, &text, &err), SEAM_OK);
	assert_string_equal(text, "{\"number\":\"0010\",\"externalDocumentNumber\":\"19.99\"}");
	free(text);
	json_decref(so);

	/* The body's cap, 4 MiB: {"d":"..."} is 8 bytes around the text. Exactly the cap goes out,
	 * one byte more is refused as too large, not as out of memory. */
	size_t room = (4u << 20) - 8;
	char *big = malloc(room + 2);
	memset(big, 'x', room + 1);
	big[room] = '\0';
	so = json_pack("{s:s}", "d", big);
	assert_int_equal(seam_erp_sales_order_body(so, &text, &err), SEAM_OK);
	assert_int_equal(strlen(text), 4u << 20);
	free(text);
	json_decref(so);
	big[room] = 'x';
	big[room + 1] = '\0';
	so = json_pack("{s:s}", "d", big);
	assert_int_equal(seam_erp_sales_order_body(so, &text, &err), SEAM_TOOBIG);
	assert_null(text);
	assert_string_equal(err.msg, "erp sales order: larger than 4194304 bytes");
	json_decref(so);
	free(big);
}

/* ---- cancel ---- */

static void test_cancel_with_etag(void **state)
{
	mock_t *m = *state;
	seam_erp_outcome_t oc;
	seam_error_t err = {0};
	const char *etag = "W/\"JzQ0O0pBQUFBQUNMQUFBQUFBQUE9MTsn\"";

	push(m, 204, NULL);
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, etag, &oc, &err),
			 SEAM_OK);
	assert_int_equal(oc.status, 204);
	assert_string_equal(seen(m, 0)->method, "DELETE");
	assert_string_equal(seen(m, 0)->path, BASE_PATH "/salesOrders(" SO_ID ")");
	assert_string_equal(seen(m, 0)->if_match, etag);
	assert_tracing(seen(m, 0));

	/* Already gone: done. */
	push(m, 404, "{\"error\":{\"code\":\"Internal_RecordNotFound\",\"message\":\"gone\"}}");
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, etag, &oc, &err),
			 SEAM_OK);
	assert_int_equal(oc.status, 404);

	/* Stale etag: conflict. */
	push(m, 412, "{\"error\":{\"code\":\"Request_EntityChanged\",\"message\":\"Another user has "
		     "already changed the record.\"}}");
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, etag, &oc, &err),
			 SEAM_CONFLICT);
	assert_string_equal(oc.code, "Request_EntityChanged");
	push(m, 409, "{\"error\":{\"code\":\"Request_EntityChanged\",\"message\":\"changed\"}}");
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, etag, &oc, &err),
			 SEAM_CONFLICT);

	/* BC refuses to delete (shipped): permanent with its message. */
	push(m, 400, "{\"error\":{\"code\":\"Application_DialogException\",\"message\":\"The order "
		     "has been shipped.\"}}");
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, etag, &oc, &err),
			 SEAM_PERMANENT);
	assert_non_null(strstr(err.msg, "The order has been shipped."));

	push(m, 500, NULL);
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, etag, &oc, &err),
			 SEAM_RETRY);
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, "../x", etag, &oc, &err),
			 SEAM_INVAL);
	assert_int_equal(th_mock_nseen(m->mk), 6);
}

static void test_cancel_reads_etag(void **state)
{
	mock_t *m = *state;
	seam_erp_outcome_t oc;
	seam_error_t err = {0};

	push(m, 200, so_1001);
	push(m, 204, NULL);
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, NULL, &oc, &err),
			 SEAM_OK);
	assert_int_equal(th_mock_nseen(m->mk), 2);
	assert_string_equal(seen(m, 0)->method, "GET");
	assert_string_equal(seen(m, 0)->path, BASE_PATH "/salesOrders(" SO_ID ")");
	assert_string_equal(seen(m, 0)->if_match, "");
	assert_string_equal(seen(m, 1)->method, "DELETE");
	assert_string_equal(seen(m, 1)->if_match, "W/\"JzQ0O0pBQUFBQUNMQUFBQUFBQUE9MTsn\"");

	/* Gone before we read it: done, no DELETE. */
	push(m, 404, NULL);
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, NULL, &oc, &err),
			 SEAM_OK);
	assert_int_equal(th_mock_nseen(m->mk), 3);
	assert_int_equal(err.code, SEAM_OK);

	/* The read fails: its class, no DELETE. */
	push(m, 503, NULL);
	assert_int_equal(seam_erp_cancel_sales_order(m->u, CID, COMPANY, SO_ID, NULL, &oc, &err),
			 SEAM_RETRY);
	assert_int_equal(th_mock_nseen(m->mk), 4);
}

int main(void)
{
	seam_error_t err = {0};
	int rc;
	if (seam_http_client_global_init(&err) != SEAM_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_quotes_and_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_duplicates_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_timeout_not_retried, setup, teardown),
		cmocka_unit_test(test_body_numbers),
		cmocka_unit_test_setup_teardown(test_cancel_with_etag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_reads_etag, setup, teardown),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	seam_http_client_global_cleanup();
	return rc;
}
