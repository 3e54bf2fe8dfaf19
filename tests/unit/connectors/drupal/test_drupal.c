/* test_drupal.c: the Drupal Commerce connector against a programmable HTTP server on 127.0.0.1
 * that answers with documents shaped like a Drupal 10.5 + Commerce 3.2 site's (docs/connectors.md)
 * and records what it received: exact paths, decoded query arguments, headers
 * (media types, Idempotency-Key, traceparent, X-Correlation-ID, basic auth) and bodies; paging
 * across short pages with meta.omitted; error mapping (404, 409, 422, 403, 503, timeouts,
 * open circuit) and messages; the document helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "connectors/drupal/drupal_int.h"
#include "core/clock.h"
#include "core/ids.h"
#include "http/client.h"
#include "http/server.h"
#include "tests/support/mock_upstream.h"
#include "tests/support/th_assert.h"

#define CID "cid-drupal-test-0001"
#define ORDER_UUID "5bdfd1e8-dfad-41ac-a514-1b58d123e678"
#define ITEM_UUID "f6ea7b8a-f8ff-4ce7-b0c2-3ae2609239da"
#define PAY_UUID "8063751b-528d-4d1e-812a-5f967abedf21"
#define GW_UUID "72efaf0a-6493-4b11-a855-6a48a2f5c7df"
#define VND "application/vnd.api+json"

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

/* Queues a JSON document (stolen). */
static void push_doc(mock_t *m, int status, json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	push(m, status, s);
	free(s);
	json_decref(doc);
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
	m->mk = th_mock_start(VND);
	m->port = th_mock_port(m->mk);
	snprintf(m->base, sizeof m->base, "http://127.0.0.1:%d", m->port);
	seam_upstream_opts_t uo = {
		.name = "drupal",
		.base_url = m->base,
		.timeout_ms = 2000,
		.auth = {.type = SEAM_AUTH_BASIC, .username = "seam", .password = "secret"},
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
	seam_upstream_opts_t uo = {.name = "drupal", .base_url = m->base, .timeout_ms = ms};
	assert_non_null(m->u = seam_upstream_create(&uo, NULL, NULL, &err));
}

static void assert_tracing(const seen_t *s)
{
	char trace[33], want[40];
	assert_string_equal(s->cid, CID);
	seam_cid_trace_id(CID, trace);
	snprintf(want, sizeof want, "00-%s-", trace);
	assert_memory_equal(s->traceparent, want, strlen(want));
	/* base64("seam:secret") */
	assert_string_equal(s->auth, "Basic c2VhbTpzZWNyZXQ=");
}

/* ---- canned documents (shapes from the captured Drupal exchanges) ---- */

static json_t *order_res(const char *uuid, int id, const char *placed)
{
	return json_pack(
		"{s:s, s:s, s:{s:i, s:s, s:s, s:{s:s, s:s, s:s}, s:s}, s:{s:{s:n}, s:{s:[{s:s, s:s}]}}}",
		"type", "commerce_order--default", "id", uuid, "attributes", "drupal_internal__order_id",
		id, "order_number", "1002", "state", "completed", "total_price", "number", "39.98",
		"currency_code", "USD", "formatted", "$39.98", "placed", placed, "relationships",
		"billing_profile", "data", "order_items", "data", "type", "commerce_order_item--default",
		"id", ITEM_UUID);
}

static json_t *order_doc(void)
{
	return json_pack("{s:{s:s}, s:o, s:[{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}}]}", "jsonapi",
			 "version", "1.0", "data", order_res(ORDER_UUID, 1, "2026-11-26T15:31:07+00:00"),
			 "included", "type", "commerce_order_item--default", "id", ITEM_UUID,
			 "attributes", "title", "T-shirt", "quantity", "2.00", "unit_price", "number",
			 "19.99", "currency_code", "USD");
}

/* A page of orders: data (stolen), links.next (NULL: none), omitted: add meta.omitted. */
static json_t *page(json_t *data, const char *next, int omitted)
{
	json_t *doc = json_pack("{s:o, s:{s:{s:s}}}", "data", data, "links", "self", "href",
				"http://127.0.0.1:8888/jsonapi/commerce_order/default");
	if (next)
		json_object_set_new(json_object_get(doc, "links"), "next",
				    json_pack("{s:s}", "href", next));
	if (omitted)
		json_object_set_new(doc, "meta",
				    json_pack("{s:{s:s}}", "omitted", "detail",
					      "Some resources have been omitted because of insufficient "
					      "authorization."));
	return doc;
}

static const char payment_res[] =
	"{\"type\":\"commerce_payment--payment_manual\",\"id\":\"" PAY_UUID "\","
	"\"attributes\":{\"drupal_internal__payment_id\":1,\"payment_gateway_mode\":\"n/a\","
	"\"remote_id\":\"pi_123\",\"remote_state\":\"succeeded\",\"amount\":{\"number\":\"39.98\","
	"\"currency_code\":\"USD\",\"formatted\":\"$39.98\"},\"refunded_amount\":{\"number\":\"0\","
	"\"currency_code\":\"USD\",\"formatted\":\"$0.00\"},\"state\":\"completed\"},"
	"\"relationships\":{\"payment_gateway\":{\"data\":{\"type\":"
	"\"commerce_payment_gateway--commerce_payment_gateway\",\"id\":\"" GW_UUID "\","
	"\"meta\":{\"drupal_internal__target_id\":\"manual\"}}},\"order_id\":{\"data\":{\"type\":"
	"\"commerce_order--default\",\"id\":\"" ORDER_UUID "\"}}}}";

/* The request of payment-create.request.json. */
static const char payment_create_request[] =
	"{\"data\":{\"type\":\"commerce_payment--payment_manual\",\"attributes\":{\"state\":"
	"\"completed\",\"amount\":{\"number\":\"39.98\",\"currency_code\":\"USD\"},\"remote_id\":"
	"\"pi_123\",\"remote_state\":\"succeeded\",\"payment_gateway_mode\":\"n/a\"},"
	"\"relationships\":{\"order_id\":{\"data\":{\"type\":\"commerce_order--default\",\"id\":"
	"\"" ORDER_UUID "\"}},\"payment_gateway\":{\"data\":{\"type\":"
	"\"commerce_payment_gateway--commerce_payment_gateway\",\"id\":\"" GW_UUID "\"}}}}}";

static const char err_422_mode[] =
	"{\"jsonapi\":{\"version\":\"1.0\"},\"errors\":[{\"title\":\"Unprocessable Content\","
	"\"status\":\"422\",\"detail\":\"payment_gateway_mode: This value should not be null.\","
	"\"source\":{\"pointer\":\"/data/attributes/payment_gateway_mode\"}}]}";

static const char err_403[] =
	"{\"jsonapi\":{\"version\":\"1.0\"},\"errors\":[{\"title\":\"Forbidden\",\"status\":\"403\","
	"\"detail\":\"\",\"links\":{\"via\":{\"href\":\"http://127.0.0.1:8888/jsonapi/"
	"commerce_payment/payment_manual\"}}}]}";

static void assert_json_text_equal(const char *got, const char *want)
{
	json_t *g = json_loads(got ? got : "", 0, NULL), *w = json_loads(want, 0, NULL);
	assert_non_null(w);
	if (!g || !json_equal(g, w))
		fail_msg("JSON differs:\n got: %s\nwant: %s", got ? got : "(none)", want);
	json_decref(g);
	json_decref(w);
}

static seam_drupal_payment_t sample_payment(void)
{
	seam_drupal_payment_t p = {
		.bundle = "payment_manual", .state = "completed", .remote_id = "pi_123",
		.remote_state = "succeeded", .gateway_mode = "n/a", .gateway = GW_UUID,
		.order_uuid = ORDER_UUID,
	};
	assert_int_equal(seam_drupal_money_set(&p.amount, "39.98", "USD", NULL), SEAM_OK);
	return p;
}

/* ---- orders ---- */

static void test_get_order(void **state)
{
	mock_t *m = *state;
	json_t *doc = NULL, *data, *item;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	seam_drupal_money_t money;
	int64_t placed;

	push_doc(m, 200, order_doc());
	assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, ORDER_UUID, &doc, &oc, &err), SEAM_OK);
	assert_int_equal(oc.status, 200);
	assert_string_equal(seen(m, 0)->method, "GET");
	assert_string_equal(seen(m, 0)->path, "/jsonapi/commerce_order/default/" ORDER_UUID);
	assert_string_equal(seen(m, 0)->query, "include=order_items,order_items.purchased_entity,billing_profile");
	assert_string_equal(seen(m, 0)->accept, VND);
	assert_null(seen(m, 0)->body);
	assert_tracing(seen(m, 0));

	data = seam_drupal_data(doc);
	assert_string_equal(seam_drupal_id(data), ORDER_UUID);
	assert_string_equal(seam_drupal_type(data), "commerce_order--default");
	assert_string_equal(seam_drupal_attr_str(data, "order_number"), "1002");
	assert_null(seam_drupal_attr_str(data, "drupal_internal__order_id"));
	assert_int_equal(seam_drupal_attr_money(data, "total_price", &money, &err), SEAM_OK);
	assert_string_equal(money.number, "39.98");
	assert_string_equal(money.currency_code, "USD");
	assert_int_equal(seam_drupal_attr_time(data, "placed", &placed), SEAM_OK);
	assert_int_equal(placed, 1795707067); /* 2026-11-26T15:31:07Z */
	assert_int_equal(seam_drupal_attr_time(data, "completed", &placed), SEAM_NOTFOUND);
	assert_int_equal(seam_drupal_attr_time(data, "state", &placed), SEAM_PARSE);
	assert_int_equal(seam_drupal_rel_count(data, "order_items"), 1);
	assert_int_equal(seam_drupal_rel_count(data, "billing_profile"), 0);
	assert_null(seam_drupal_related(doc, data, "billing_profile", 0));
	assert_null(seam_drupal_related(doc, data, "order_items", 1));
	item = seam_drupal_related(doc, data, "order_items", 0);
	assert_non_null(item);
	assert_string_equal(seam_drupal_id(item), ITEM_UUID);
	assert_int_equal(seam_drupal_attr_money(item, "unit_price", &money, &err), SEAM_OK);
	assert_string_equal(money.number, "19.99");
	assert_string_equal(seam_drupal_attr_str(item, "quantity"), "2.00");
	json_decref(doc);

	/* Another bundle goes into the path. */
	push_doc(m, 200, order_doc());
	assert_int_equal(seam_drupal_get_order(m->u, CID, "b2b", ORDER_UUID, &doc, NULL, &err), SEAM_OK);
	assert_string_equal(seen(m, 1)->path, "/jsonapi/commerce_order/b2b/" ORDER_UUID);
	json_decref(doc);
}

static void test_get_order_errors(void **state)
{
	mock_t *m = *state;
	json_t *doc = NULL;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;

	push(m, 404, "{\"errors\":[{\"title\":\"Not Found\",\"status\":\"404\",\"detail\":"
		     "\"The \\\"commerce_order\\\" parameter was not converted for the path\"}]}");
	assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, ORDER_UUID, &doc, &oc, &err),
			 SEAM_NOTFOUND);
	assert_null(doc);
	assert_int_equal(oc.status, 404);
	assert_int_equal(err.code, SEAM_NOTFOUND);
	assert_non_null(strstr(err.msg, "drupal: GET /jsonapi/commerce_order/default/" ORDER_UUID
					": HTTP 404: Not Found: The \"commerce_order\""));

	push_ex(m, 503, "<html>busy</html>", "text/html", 0, "Retry-After", "7");
	assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, ORDER_UUID, &doc, &oc, &err),
			 SEAM_RETRY);
	assert_int_equal(oc.status, 503);
	assert_int_equal(oc.retry_after_ms, 7000);
	assert_non_null(strstr(err.msg, "HTTP 503"));

	/* 2xx that is not a JSON:API document: SEAM_UPSTREAM (retried, visibly). */
	push_ex(m, 200, "<html>maintenance</html>", "text/html", 0, NULL, NULL);
	assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, ORDER_UUID, &doc, &oc, &err),
			 SEAM_UPSTREAM);
	assert_non_null(strstr(err.msg, "not JSON"));
	push(m, 200, "{\"data\":null}");
	assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, ORDER_UUID, &doc, &oc, &err),
			 SEAM_UPSTREAM);

	/* Bad arguments: nothing is sent. */
	int before = th_mock_nseen(m->mk);
	assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, "../admin", &doc, &oc, &err),
			 SEAM_INVAL);
	assert_int_equal(seam_drupal_get_order(m->u, CID, "a/b", ORDER_UUID, &doc, &oc, &err),
			 SEAM_INVAL);
	assert_int_equal(th_mock_nseen(m->mk), before);
	assert_int_equal(oc.status, 0);
}

static void test_get_order_timeout(void **state)
{
	mock_t *m = *state;
	json_t *doc = NULL;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	short_timeout(m, 150);
	push_ex(m, 200, "{\"data\":{}}", NULL, 600, NULL, NULL);
	assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, ORDER_UUID, &doc, &oc, &err),
			 SEAM_TIMEOUT);
	assert_null(doc);
	assert_int_equal(oc.status, 0);
	assert_true(seam_upstream_retryable(err.code));
}

static void test_open_circuit_preserved(void **state)
{
	mock_t *m = *state;
	json_t *doc = NULL;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	for (int i = 0; i < 3; i++) {
		push(m, 502, NULL);
		assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, ORDER_UUID, &doc, &oc, &err),
				 SEAM_RETRY);
	}
	assert_int_equal(seam_drupal_get_order(m->u, CID, NULL, ORDER_UUID, &doc, &oc, &err),
			 SEAM_OPEN_CIRCUIT);
	assert_int_equal(th_mock_nseen(m->mk), 3); /* nothing sent */
	TH_ASSERT_CMP(oc.retry_after_ms, >, 0);
}

typedef struct collect {
	char ids[16][40];
	int n;
	int stop_at; /* stop (SEAM_PERMANENT) at this order; -1 never */
} collect_t;

static seam_err_t on_order(json_t *order, json_t *pg, void *ud)
{
	collect_t *c = ud;
	assert_non_null(seam_drupal_data(pg));
	if (c->n == c->stop_at)
		return SEAM_PERMANENT;
	snprintf(c->ids[c->n++], 40, "%s", seam_drupal_id(order));
	return SEAM_OK;
}

#define NEXT(off) "http://127.0.0.1:8888/jsonapi/commerce_order/default?page%5Boffset%5D=" off \
		  "&page%5Blimit%5D=50&sort=placed%2Cdrupal_internal__order_id"

static void test_list_orders_paging(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_list_result_t res;
	seam_drupal_outcome_t oc;
	collect_t c = {.stop_at = -1};
	seam_drupal_order_query_t q = {.placed_since = 1795700000};

	/* Page 1: one order and a short page (meta.omitted) with next; page 2: empty, omitted,
	 * next (its link on another host, as behind a proxy); page 3: two orders, no next. */
	push_doc(m, 200, page(json_pack("[o]", order_res("o-1", 1, "2026-11-26T15:00:00+00:00")),
			      NEXT("50"), 1));
	push_doc(m, 200, page(json_array(),
			      "https://shop.example.com/jsonapi/commerce_order/default?page%5Boffset%5D=100"
			      "&page%5Blimit%5D=50",
			      1));
	push_doc(m, 200, page(json_pack("[o,o]", order_res("o-2", 2, "2026-11-26T16:00:00+01:00"),
					order_res("o-3", 3, "2026-11-26T15:30:00Z")),
			      NULL, 0));
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err),
			 SEAM_OK);
	assert_int_equal(th_mock_nseen(m->mk), 3);
	assert_string_equal(seen(m, 0)->path, "/jsonapi/commerce_order/default");
	assert_string_equal(seen(m, 0)->query,
			    "filter[notdraft][condition][path]=state"
			    "&filter[notdraft][condition][operator]=<>"
			    "&filter[notdraft][condition][value]=draft"
			    "&filter[since][condition][path]=placed"
			    "&filter[since][condition][operator]=>="
			    "&filter[since][condition][value]=1795700000"
			    "&sort=placed,drupal_internal__order_id&page[limit]=50");
	assert_string_equal(seen(m, 0)->accept, VND);
	assert_tracing(seen(m, 0));
	assert_string_equal(seen(m, 1)->path, "/jsonapi/commerce_order/default");
	assert_string_equal(seen(m, 1)->query,
			    "page[offset]=50&page[limit]=50&sort=placed,drupal_internal__order_id");
	assert_string_equal(seen(m, 2)->path, "/jsonapi/commerce_order/default");
	assert_string_equal(seen(m, 2)->query, "page[offset]=100&page[limit]=50");
	assert_int_equal(c.n, 3);
	assert_string_equal(c.ids[0], "o-1");
	assert_string_equal(c.ids[2], "o-3");
	assert_int_equal(res.orders, 3);
	assert_int_equal(res.pages, 3);
	assert_int_equal(res.more, 0);
	/* 15:30:00Z is the newest (16:00+01:00 is 15:00Z). */
	assert_int_equal(res.max_placed, 1795707000);
}

static void test_list_orders_bounds_and_failures(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_list_result_t res;
	seam_drupal_outcome_t oc;
	collect_t c = {.stop_at = -1};
	seam_drupal_order_query_t q = {.placed_since = 100, .max_pages = 2, .page_limit = 10,
				       .include = "order_items"};

	/* The page bound: two pages fetched, a next left: more = 1. */
	push_doc(m, 200, page(json_pack("[o]", order_res("o-1", 1, "2026-11-26T15:00:00Z")),
			      NEXT("10"), 0));
	push_doc(m, 200, page(json_pack("[o]", order_res("o-2", 2, "2026-11-26T15:00:05Z")),
			      NEXT("20"), 0));
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err),
			 SEAM_OK);
	assert_int_equal(th_mock_nseen(m->mk), 2);
	assert_non_null(strstr(seen(m, 0)->query, "&page[limit]=10&include=order_items"));
	assert_int_equal(res.more, 1);
	assert_int_equal(res.pages, 2);
	assert_int_equal(res.max_placed, 1795705205);

	/* A failure on page 2 keeps page 1's progress for the cursor. */
	c.n = 0;
	q.max_pages = 0;
	push_doc(m, 200, page(json_pack("[o]", order_res("o-1", 1, "2026-11-26T15:00:00Z")),
			      NEXT("10"), 0));
	push(m, 503, NULL);
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err),
			 SEAM_RETRY);
	assert_int_equal(oc.status, 503);
	assert_int_equal(res.orders, 1);
	assert_int_equal(res.max_placed, 1795705200);

	/* The callback stops the listing: its code, and only accepted orders count. */
	c.n = 0;
	c.stop_at = 1;
	push_doc(m, 200, page(json_pack("[o,o]", order_res("o-1", 1, "2026-11-26T15:00:00Z"),
					order_res("o-2", 2, "2026-11-26T15:00:09Z")),
			      NULL, 0));
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err),
			 SEAM_PERMANENT);
	assert_int_equal(res.orders, 1);
	assert_int_equal(res.max_placed, 1795705200);
	assert_non_null(strstr(err.msg, "o-2"));

	/* A next link that does not move is an upstream fault, not a loop. */
	c.stop_at = -1;
	q.max_pages = 5;
	push_doc(m, 200, page(json_array(), NEXT("10"), 0));
	push_doc(m, 200, page(json_array(), NEXT("10"), 0));
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err),
			 SEAM_UPSTREAM);
	assert_int_equal(res.pages, 2);

	/* No orders at all: the cursor stays. */
	push_doc(m, 200, page(json_array(), NULL, 0));
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err),
			 SEAM_OK);
	assert_int_equal(res.max_placed, 100);
	assert_int_equal(res.orders, 0);
}

/* One site, several seam stores: the listing filters on the relationship's UUID, "=" for
 * one store and IN ([value][]) for several, as core JSON:API takes it. */
static void test_list_orders_store_filter(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_list_result_t res;
	seam_drupal_outcome_t oc;
	collect_t c = {.stop_at = -1};
	const char *one[] = {"0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"};
	const char *two[] = {"0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11", "6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10"};
	seam_drupal_order_query_t q = {.placed_since = 5, .stores = one, .nstores = 1,
				       .include = "order_items"};
	push_doc(m, 200, page(json_array(), NULL, 0));
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err), SEAM_OK);
	assert_string_equal(seen(m, 0)->query,
			    "filter[notdraft][condition][path]=state"
			    "&filter[notdraft][condition][operator]=<>"
			    "&filter[notdraft][condition][value]=draft"
			    "&filter[since][condition][path]=placed"
			    "&filter[since][condition][operator]=>="
			    "&filter[since][condition][value]=5"
			    "&sort=placed,drupal_internal__order_id&page[limit]=50"
			    "&filter[store][condition][path]=store_id.id"
			    "&filter[store][condition][operator]=="
			    "&filter[store][condition][value]=0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"
			    "&include=order_items");
	q.stores = two;
	q.nstores = 2;
	q.include = NULL;
	push_doc(m, 200, page(json_array(), NULL, 0));
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err), SEAM_OK);
	assert_non_null(strstr(seen(m, 1)->query,
			       "&filter[store][condition][path]=store_id.id"
			       "&filter[store][condition][operator]=IN"
			       "&filter[store][condition][value][]=0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"
			       "&filter[store][condition][value][]=6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10"));
	/* a store id that is not a path-safe token is refused before anything is sent */
	const char *bad[] = {"x&filter[state]=draft"};
	q.stores = bad;
	q.nstores = 1;
	assert_int_equal(seam_drupal_list_orders(m->u, CID, &q, on_order, &c, &res, &oc, &err), SEAM_INVAL);
	assert_int_equal(th_mock_nseen(m->mk), 2);
	/* the store of an order resource */
	json_t *o = json_pack("{s:s, s:s, s:{s:{s:{s:s, s:s}}}}", "type", "commerce_order--default",
			      "id", "o-1", "relationships", "store_id", "data", "type",
			      "commerce_store--online", "id", one[0]);
	assert_string_equal(seam_drupal_order_store(o), one[0]);
	assert_null(seam_drupal_order_store(NULL));
	json_decref(o);
}

/* Every store of every store type, visible or only named under meta.omitted. */
static void test_list_stores(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *stores = NULL;
	push_doc(m, 200, json_pack("{s:[], s:{s:{s:s}, s:{s:s}, s:{s:s}}}", "data", "links",
				   "commerce_store--online", "href",
				   "http://127.0.0.1:8888/jsonapi/commerce_store/online",
				   "commerce_store_type--commerce_store_type", "href",
				   "http://127.0.0.1:8888/jsonapi/commerce_store_type/commerce_store_type",
				   "commerce_store--outlet", "href",
				   "https://elsewhere.example.com/jsonapi/commerce_store/outlet"));
	push_doc(m, 200, page(json_pack("[{s:s, s:s, s:{s:s}}]", "type", "commerce_store--online",
					"id", "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11", "attributes",
					"name", "US store"),
			      "http://127.0.0.1:8888/jsonapi/commerce_store/online?page%5Boffset%5D=50&page%5Blimit%5D=50",
			      0));
	push_doc(m, 200, json_pack("{s:[], s:{s:{s:{s:{s:s}}}}}", "data", "meta", "omitted", "links",
				   "item--abc", "href",
				   "http://127.0.0.1:8888/jsonapi/commerce_store/online/6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10"));
	push_doc(m, 200, page(json_array(), NULL, 0));
	assert_int_equal(seam_drupal_list_stores(m->u, CID, 2000, &stores, &oc, &err), SEAM_OK);
	assert_int_equal(th_mock_nseen(m->mk), 4);
	assert_string_equal(seen(m, 0)->path, "/jsonapi");
	assert_string_equal(seen(m, 1)->path, "/jsonapi/commerce_store/online");
	assert_string_equal(seen(m, 2)->path, "/jsonapi/commerce_store/online");
	assert_string_equal(seen(m, 2)->query, "page[offset]=50&page[limit]=50");
	/* the other type's collection is asked on our own host, whatever the index says */
	assert_string_equal(seen(m, 3)->path, "/jsonapi/commerce_store/outlet");
	assert_int_equal(json_array_size(stores), 2);
	json_t *a = json_array_get(stores, 0), *b = json_array_get(stores, 1);
	assert_string_equal(json_string_value(json_object_get(a, "name")), "US store");
	assert_true(json_is_true(json_object_get(a, "visible")));
	assert_string_equal(json_string_value(json_object_get(b, "id")), "6b1d6d7e-3f1c-4c3b-9f4a-2d8e5c7a9b10");
	assert_true(json_is_false(json_object_get(b, "visible")));
	json_decref(stores);
	/* a site that answers 503 is an error the caller can retry */
	push(m, 503, NULL);
	assert_int_equal(seam_drupal_list_stores(m->u, CID, 2000, &stores, &oc, &err), SEAM_RETRY);
	assert_null(stores);
}

static void test_set_order_fields(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *attrs = json_pack("{s:s}", "seam_erp_number", "SO-1001"), *order = NULL;

	push_doc(m, 200, order_doc());
	assert_int_equal(seam_drupal_set_order_fields(m->u, CID, NULL, ORDER_UUID, attrs, &order, &oc,
						      &err),
			 SEAM_OK);
	assert_string_equal(seen(m, 0)->method, "PATCH");
	assert_string_equal(seen(m, 0)->path, "/jsonapi/commerce_order/default/" ORDER_UUID);
	assert_string_equal(seen(m, 0)->ctype, VND);
	assert_string_equal(seen(m, 0)->accept, VND);
	assert_tracing(seen(m, 0));
	assert_json_text_equal(seen(m, 0)->body,
			       "{\"data\":{\"type\":\"commerce_order--default\",\"id\":\"" ORDER_UUID
			       "\",\"attributes\":{\"seam_erp_number\":\"SO-1001\"}}}");
	assert_string_equal(seam_drupal_id(seam_drupal_data(order)), ORDER_UUID);
	json_decref(order);

	push(m, 422, "{\"errors\":[{\"title\":\"Unprocessable Content\",\"status\":\"422\","
		     "\"detail\":\"seam_erp_number: This value is too long.\",\"source\":"
		     "{\"pointer\":\"/data/attributes/seam_erp_number\"}}]}");
	assert_int_equal(seam_drupal_set_order_fields(m->u, CID, NULL, ORDER_UUID, attrs, NULL, &oc,
						      &err),
			 SEAM_PERMANENT);
	assert_non_null(strstr(err.msg, "PATCH /jsonapi/commerce_order/default/" ORDER_UUID
					": HTTP 422: Unprocessable Content: seam_erp_number: This value "
					"is too long. (at /data/attributes/seam_erp_number)"));
	push(m, 404, NULL);
	assert_int_equal(seam_drupal_set_order_fields(m->u, CID, NULL, ORDER_UUID, attrs, NULL, &oc,
						      &err),
			 SEAM_NOTFOUND);
	json_decref(attrs);

	json_t *empty = json_object();
	assert_int_equal(seam_drupal_set_order_fields(m->u, CID, NULL, ORDER_UUID, empty, NULL, &oc,
						      &err),
			 SEAM_INVAL);
	json_decref(empty);
	assert_int_equal(th_mock_nseen(m->mk), 3);
}

/* ---- payments ---- */

static void test_find_payment(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *pay = NULL;
	size_t n = 99;
	char body[4096];
	seam_drupal_money_t amt;

	snprintf(body, sizeof body, "{\"data\":[%s],\"links\":{\"self\":{\"href\":\"x\"}}}",
		 payment_res);
	push(m, 200, body);
	assert_int_equal(seam_drupal_find_payment(m->u, CID, "payment_manual", "pi_123&x=1", &pay, &n,
						  &oc, &err),
			 SEAM_OK);
	assert_string_equal(seen(m, 0)->path, "/jsonapi/commerce_payment/payment_manual");
	/* The remote id is one query value, whatever it holds. */
	assert_string_equal(seen(m, 0)->query, "filter[remote_id]=pi_123&x=1");
	assert_tracing(seen(m, 0));
	assert_int_equal(n, 1);
	assert_non_null(pay);
	assert_string_equal(seam_drupal_id(pay), PAY_UUID);
	assert_string_equal(seam_drupal_attr_str(pay, "state"), "completed");
	assert_int_equal(seam_drupal_attr_money(pay, "refunded_amount", &amt, &err), SEAM_OK);
	assert_string_equal(amt.number, "0");
	json_decref(pay);

	/* None. */
	push(m, 200, "{\"data\":[],\"links\":{\"self\":{\"href\":\"x\"}}}");
	assert_int_equal(seam_drupal_find_payment(m->u, CID, NULL, "pi_404", &pay, &n, &oc, &err),
			 SEAM_OK);
	assert_null(pay);
	assert_int_equal(n, 0);
	assert_string_equal(seen(m, 1)->path, "/jsonapi/commerce_payment/payment_default");

	/* Duplicates already there: the first, and the count. */
	snprintf(body, sizeof body, "{\"data\":[%s,%s]}", payment_res, payment_res);
	push(m, 200, body);
	assert_int_equal(seam_drupal_find_payment(m->u, CID, NULL, "pi_123", &pay, &n, &oc, &err),
			 SEAM_OK);
	assert_int_equal(n, 2);
	json_decref(pay);

	/* Hidden from this account: creating would double the payment. */
	push_doc(m, 200, page(json_array(), NULL, 1));
	assert_int_equal(seam_drupal_find_payment(m->u, CID, NULL, "pi_123", &pay, &n, &oc, &err),
			 SEAM_PERMANENT);
	assert_null(pay);
	assert_non_null(strstr(err.msg, "meta.omitted"));
	assert_null(strstr(err.msg, "pi_123"));

	/* Unknown bundle: the collection does not exist, permanent (not "not found"). */
	push(m, 404, NULL);
	assert_int_equal(seam_drupal_find_payment(m->u, CID, "nope", "pi_123", &pay, &n, &oc, &err),
			 SEAM_PERMANENT);
	assert_null(strstr(err.msg, "pi_123"));
}

static void test_create_payment(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *created = NULL;
	char body[4096];
	seam_drupal_payment_t p = sample_payment();

	snprintf(body, sizeof body, "{\"data\":%s}", payment_res);
	push(m, 201, body);
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &p, &created, &oc, &err), SEAM_OK);
	assert_int_equal(oc.status, 201);
	assert_string_equal(seen(m, 0)->method, "POST");
	assert_string_equal(seen(m, 0)->path, "/jsonapi/commerce_payment/payment_manual");
	assert_string_equal(seen(m, 0)->query, "");
	assert_string_equal(seen(m, 0)->ctype, VND);
	assert_string_equal(seen(m, 0)->accept, VND);
	assert_tracing(seen(m, 0));
	assert_json_text_equal(seen(m, 0)->body, payment_create_request);
	assert_string_equal(seam_drupal_id(seam_drupal_data(created)), PAY_UUID);
	json_decref(created);

	/* remote_state NULL is left out; the default bundle is payment_default. */
	p.remote_state = NULL;
	p.bundle = NULL;
	push(m, 201, body);
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &p, &created, &oc, &err), SEAM_OK);
	json_decref(created);
	json_t *sent = json_loads(seen(m, 1)->body, 0, NULL);
	assert_string_equal(seen(m, 1)->path, "/jsonapi/commerce_payment/payment_default");
	assert_string_equal(json_string_value(json_object_get(json_object_get(sent, "data"), "type")),
			    "commerce_payment--payment_default");
	assert_null(json_object_get(json_object_get(json_object_get(sent, "data"), "attributes"),
				    "remote_state"));
	json_decref(sent);
}

static void test_create_payment_errors(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *created = NULL;
	seam_drupal_payment_t p = sample_payment();

	push(m, 422, err_422_mode);
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &p, &created, &oc, &err),
			 SEAM_PERMANENT);
	assert_null(created);
	assert_int_equal(oc.status, 422);
	assert_string_equal(err.msg,
			    "drupal: POST /jsonapi/commerce_payment/payment_manual: HTTP 422: "
			    "Unprocessable Content: payment_gateway_mode: This value should not be "
			    "null. (at /data/attributes/payment_gateway_mode)");

	push(m, 403, err_403);
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &p, &created, &oc, &err),
			 SEAM_PERMANENT);
	assert_non_null(strstr(err.msg, "HTTP 403: Forbidden"));

	/* Personal data in a validation message is masked. */
	push(m, 422, "{\"errors\":[{\"title\":\"Unprocessable Content\",\"status\":\"422\","
		     "\"detail\":\"mail: The email address \\\"jane.doe@example.com\\\" is not valid.\"},"
		     "{\"title\":\"Unprocessable Content\",\"status\":\"422\",\"detail\":\"b\"},"
		     "{\"title\":\"Unprocessable Content\",\"status\":\"422\",\"detail\":\"c\"},"
		     "{\"title\":\"Unprocessable Content\",\"status\":\"422\",\"detail\":\"d\"}]}");
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &p, &created, &oc, &err),
			 SEAM_PERMANENT);
	assert_null(strstr(err.msg, "jane.doe"));
	assert_non_null(strstr(err.msg, "\"j***@e***.com\" is not valid."));
	assert_non_null(strstr(err.msg, "; and 1 more"));

	/* A 500 is retryable: the job looks up before it creates again. */
	push(m, 500, NULL);
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &p, &created, &oc, &err), SEAM_RETRY);
	assert_int_equal(th_mock_nseen(m->mk), 4);

	/* Required fields are checked before anything is sent. */
	seam_drupal_payment_t bad = p;
	bad.gateway_mode = NULL;
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &bad, &created, &oc, &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "gateway_mode"));
	bad = p;
	snprintf(bad.amount.number, sizeof bad.amount.number, "39,98");
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &bad, &created, &oc, &err), SEAM_INVAL);
	bad = p;
	bad.gateway = "bad gateway";
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &bad, &created, &oc, &err), SEAM_INVAL);
	assert_int_equal(th_mock_nseen(m->mk), 4);
}

static void test_create_payment_gateway_by_name(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *created = NULL;
	char body[4096], uuid[37];
	seam_drupal_payment_t p = sample_payment();
	static const char gateways_p1[] =
		"{\"data\":[{\"type\":\"commerce_payment_gateway--commerce_payment_gateway\","
		"\"id\":\"11111111-2222-4333-8444-555555555555\",\"attributes\":"
		"{\"drupal_internal__id\":\"stripe\",\"label\":\"Stripe\"}}],"
		"\"links\":{\"next\":{\"href\":\"http://127.0.0.1:8888/jsonapi/commerce_payment_gateway/"
		"commerce_payment_gateway?page%5Boffset%5D=1&page%5Blimit%5D=1\"}}}";
	static const char gateways_p2[] =
		"{\"data\":[{\"type\":\"commerce_payment_gateway--commerce_payment_gateway\","
		"\"id\":\"" GW_UUID "\",\"attributes\":{\"drupal_internal__id\":\"manual\"}}]}";

	p.gateway = "manual";
	push(m, 200, gateways_p1);
	push(m, 200, gateways_p2);
	snprintf(body, sizeof body, "{\"data\":%s}", payment_res);
	push(m, 201, body);
	assert_int_equal(seam_drupal_create_payment(m->u, CID, &p, &created, &oc, &err), SEAM_OK);
	json_decref(created);
	assert_int_equal(th_mock_nseen(m->mk), 3);
	assert_string_equal(seen(m, 0)->path,
			    "/jsonapi/commerce_payment_gateway/commerce_payment_gateway");
	assert_string_equal(seen(m, 1)->query, "page[offset]=1&page[limit]=1");
	assert_json_text_equal(seen(m, 2)->body, payment_create_request);

	push(m, 200, gateways_p2);
	assert_int_equal(seam_drupal_gateway_uuid(m->u, CID, "paypal", uuid, &oc, &err),
			 SEAM_NOTFOUND);
	assert_string_equal(uuid, "");
	assert_non_null(strstr(err.msg, "paypal"));
}

static void test_transition(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *pay = NULL;
	char cur[SEAM_DRUPAL_STATE_MAX];
	seam_drupal_money_t amt;
	seam_drupal_transition_t t = {.transition = "partially_refund", .amount = &amt,
				      .remote_state = "refunded", .idempotency_key = "pay:pi_123:refund:1"};
	assert_int_equal(seam_drupal_money_set(&amt, "10.00", "USD", &err), SEAM_OK);

	push_ex(m, 200,
		"{\"uuid\":\"" PAY_UUID "\",\"state\":\"partially_refunded\",\"amount\":{\"number\":"
		"\"39.98\",\"currency_code\":\"USD\"},\"refunded_amount\":{\"number\":\"10.00\","
		"\"currency_code\":\"USD\"},\"remote_id\":\"pi_123\",\"remote_state\":\"refunded\","
		"\"order_uuid\":\"" ORDER_UUID "\",\"replayed\":false}",
		"application/json", 0, NULL, NULL);
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, cur, &oc, &err),
			 SEAM_OK);
	assert_string_equal(seen(m, 0)->method, "POST");
	assert_string_equal(seen(m, 0)->path, "/seam/payment/" PAY_UUID "/transition");
	assert_string_equal(seen(m, 0)->query, "_format=json");
	assert_string_equal(seen(m, 0)->ctype, "application/json");
	assert_string_equal(seen(m, 0)->accept, "application/json");
	assert_string_equal(seen(m, 0)->idem, "pay:pi_123:refund:1");
	assert_tracing(seen(m, 0));
	assert_json_text_equal(seen(m, 0)->body,
			       "{\"transition\":\"partially_refund\",\"amount\":{\"number\":\"10.00\","
			       "\"currency_code\":\"USD\"},\"remote_state\":\"refunded\","
			       "\"idempotency_key\":\"pay:pi_123:refund:1\"}");
	assert_string_equal(json_string_value(json_object_get(pay, "state")), "partially_refunded");
	assert_string_equal(cur, "");
	json_decref(pay);

	/* amount and remote_state null. */
	t = (seam_drupal_transition_t){.transition = "capture", .idempotency_key = "k2"};
	push_ex(m, 200, "{\"uuid\":\"" PAY_UUID "\",\"state\":\"completed\",\"replayed\":true}",
		"application/json", 0, NULL, NULL);
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, NULL, &oc, &err),
			 SEAM_OK);
	assert_json_text_equal(seen(m, 1)->body, "{\"transition\":\"capture\",\"amount\":null,"
						 "\"remote_state\":null,\"idempotency_key\":\"k2\"}");
	assert_true(json_is_true(json_object_get(pay, "replayed")));
	json_decref(pay);
}

static void test_transition_errors(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_outcome_t oc;
	json_t *pay = NULL;
	char cur[SEAM_DRUPAL_STATE_MAX];
	seam_drupal_transition_t t = {.transition = "capture", .idempotency_key = "k1"};

	push_ex(m, 409, "{\"error\":\"transition_not_allowed\",\"current_state\":\"refunded\","
			"\"transition\":\"capture\"}",
		"application/json", 0, NULL, NULL);
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, cur, &oc, &err),
			 SEAM_CONFLICT);
	assert_null(pay);
	assert_string_equal(cur, "refunded");
	assert_int_equal(oc.status, 409);
	assert_non_null(strstr(err.msg, "transition capture is not allowed from state refunded"));

	push_ex(m, 404, "{\"error\":\"not_found\"}", "application/json", 0, NULL, NULL);
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, cur, &oc, &err),
			 SEAM_NOTFOUND);
	assert_string_equal(cur, "");

	push_ex(m, 422, "{\"error\":\"invalid_request\",\"detail\":\"amount exceeds the balance\"}",
		"application/json", 0, NULL, NULL);
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, cur, &oc, &err),
			 SEAM_PERMANENT);
	assert_non_null(strstr(err.msg, "HTTP 422: invalid_request: amount exceeds the balance"));

	push_ex(m, 403, "{\"message\":\"The 'seam bridge transition payments' permission is required.\"}",
		"application/json", 0, NULL, NULL);
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, cur, &oc, &err),
			 SEAM_PERMANENT);
	assert_non_null(strstr(err.msg, "HTTP 403: The 'seam bridge transition payments' permission"));

	push_ex(m, 503, NULL, NULL, 0, "Retry-After", "2");
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, cur, &oc, &err),
			 SEAM_RETRY);
	assert_int_equal(oc.retry_after_ms, 2000);

	/* 200 without a state is not a success. */
	push_ex(m, 200, "{\"ok\":true}", "application/json", 0, NULL, NULL);
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, cur, &oc, &err),
			 SEAM_UPSTREAM);

	/* No key: nothing is sent. */
	int before = th_mock_nseen(m->mk);
	t.idempotency_key = NULL;
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, &pay, cur, &oc, &err),
			 SEAM_INVAL);
	assert_int_equal(th_mock_nseen(m->mk), before);
}

static void test_transition_timeout(void **state)
{
	mock_t *m = *state;
	seam_error_t err = {0};
	seam_drupal_transition_t t = {.transition = "void", .idempotency_key = "k-void"};
	short_timeout(m, 150);
	push_ex(m, 200, "{\"state\":\"authorization_voided\"}", "application/json", 600, NULL, NULL);
	assert_int_equal(seam_drupal_payment_transition(m->u, CID, PAY_UUID, &t, NULL, NULL, NULL,
							&err),
			 SEAM_TIMEOUT);
	assert_string_equal(seen(m, 0)->idem, "k-void");
}

/* ---- helpers ---- */

static void test_money_helpers(void **state)
{
	seam_drupal_money_t m;
	seam_error_t err = {0};
	(void)state;
	assert_int_equal(seam_drupal_money_set(&m, "-0.50", "EUR", &err), SEAM_OK);
	assert_string_equal(m.number, "-0.50");
	assert_int_equal(seam_drupal_money_set(&m, "1e5", "EUR", &err), SEAM_INVAL);
	assert_non_null(strstr(err.msg, "1e5"));
	assert_int_equal(seam_drupal_money_set(&m, "19.9.9", "EUR", &err), SEAM_INVAL);
	assert_int_equal(seam_drupal_money_set(&m, "19.", "EUR", &err), SEAM_INVAL);
	assert_int_equal(seam_drupal_money_set(&m, ".5", "EUR", &err), SEAM_INVAL);
	assert_int_equal(seam_drupal_money_set(&m, "1", "eur", &err), SEAM_INVAL);
	assert_int_equal(seam_drupal_money_set(&m, "1", "EURO", &err), SEAM_INVAL);
	assert_int_equal(seam_drupal_money_set(&m, "123456789012345678901234567890123", "EUR", &err),
			 SEAM_INVAL);

	json_t *res = json_pack("{s:{s:{s:f, s:s}, s:{s:i, s:s}, s:n, s:{s:s}}}", "attributes", "a",
				"number", 19.99, "currency_code", "USD", "b", "number", 20,
				"currency_code", "JPY", "c", "d", "number", "1.00");
	assert_int_equal(seam_drupal_attr_money(res, "a", &m, &err), SEAM_PARSE);
	assert_int_equal(seam_drupal_attr_money(res, "b", &m, &err), SEAM_OK);
	assert_string_equal(m.number, "20");
	assert_string_equal(m.currency_code, "JPY");
	assert_int_equal(seam_drupal_attr_money(res, "c", &m, &err), SEAM_NOTFOUND);
	assert_int_equal(seam_drupal_attr_money(res, "missing", &m, &err), SEAM_NOTFOUND);
	assert_int_equal(seam_drupal_attr_money(res, "d", &m, &err), SEAM_PARSE);
	assert_non_null(strstr(err.msg, "currency"));
	json_decref(res);

	/* Found by fuzz/fuzz_jsonapi.c (corpus: fuzz_jsonapi/regress_long_price): a number too
	 * long for the buffer was cut to its first 31 characters and read as another amount. */
	res = json_pack("{s:{s:{s:s, s:s}, s:{s:s, s:s}}}", "attributes", "long", "number",
			"28722222222222222222222222222222.97", "currency_code", "USD", "max", "number",
			"-1234567890123456789012345678.9", "currency_code", "USD");
	memset(&m, 0, sizeof m);
	assert_int_equal(seam_drupal_attr_money(res, "long", &m, &err), SEAM_PARSE);
	assert_string_equal(m.number, "");
	assert_int_equal(seam_drupal_attr_money(res, "max", &m, &err), SEAM_OK); /* 31 characters */
	assert_string_equal(m.number, "-1234567890123456789012345678.9");
	json_decref(res);

	/* NULL-safe readers. */
	assert_null(seam_drupal_data(NULL));
	assert_null(seam_drupal_attr_str(NULL, "x"));
	assert_int_equal(seam_drupal_rel_count(NULL, "x"), 0);
	assert_null(seam_drupal_related(NULL, NULL, "x", 0));
	assert_null(seam_drupal_included(NULL, "t", "i"));
}

/* Found by fuzz/fuzz_jsonapi.c (corpus: regress_empty_title): an error document whose only
 * error has an empty title and no detail gave an empty message, so a failed call said nothing
 * of why. Each error says at least "error". */
static void test_error_details_never_empty(void **state)
{
	char buf[400];
	(void)state;
	json_t *doc = json_loads("{\"errors\":[{\"title\":\"\",\"x\":\"y\"}]}", 0, NULL);
	assert_non_null(doc);
	seam__drupal_error_details(doc, buf, sizeof buf);
	assert_string_equal(buf, "error");
	json_decref(doc);
	doc = json_loads("{\"errors\":[{\"title\":\"Forbidden\",\"detail\":\"no\"},{}]}", 0, NULL);
	seam__drupal_error_details(doc, buf, sizeof buf);
	assert_string_equal(buf, "Forbidden: no; error");
	json_decref(doc);
}

/* A violation message is markup in Drupal ("%sku" puts the SKU in <em class="placeholder">);
 * JSON:API 10.x prints it as plain text, older sites did not: the message is plain either way. */
static void test_error_details_plain_text(void **state)
{
	char buf[400];
	(void)state;
	json_t *doc = json_pack("{s:[{s:s, s:s, s:{s:s}}]}", "errors", "title", "Unprocessable Content",
				"detail",
				"sku: The SKU <em class=\"placeholder\">SKU-1 &amp; 2</em> is already in use "
				"and must be unique. a < b",
				"source", "pointer", "/data/attributes/sku");
	seam__drupal_error_details(doc, buf, sizeof buf);
	assert_string_equal(buf, "Unprocessable Content: sku: The SKU SKU-1 & 2 is already in use and "
				 "must be unique. a < b (at /data/attributes/sku)");
	json_decref(doc);
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
		cmocka_unit_test_setup_teardown(test_get_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_order_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_order_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_circuit_preserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_orders_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_orders_bounds_and_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_orders_store_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_stores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_order_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_payment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_payment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_payment_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_payment_gateway_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transition_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transition_timeout, setup, teardown),
		cmocka_unit_test(test_money_helpers),
		cmocka_unit_test(test_error_details_never_empty),
		cmocka_unit_test(test_error_details_plain_text),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	seam_http_client_global_cleanup();
	return rc;
}
