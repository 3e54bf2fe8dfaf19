/*
 * End-to-end proof of REST v1 (src/api/resource.c, api_resources.c, idempotency.c) on the real
 * binaries: `seam serve` with the Drupal and ERP doubles exporting real orders, and the API
 * read back as a client would.
 *
 *   - /v1/orders, /v1/orders/{number}, its timeline (the same entries `seam ctl trace --json`
 *     shows) and /v1/payments/{id}, /v1/quarantine; ETag and If-None-Match -> 304;
 *   - paging: 250 orders read with limit=100 following `next` (and the Link header) while
 *     new orders are inserted between pages: every one of the 250 is seen exactly once;
 *   - filters: an unknown or bad one is a 400 problem naming the parameter;
 *   - Idempotency-Key on the operator actions: a retry replays the stored answer and the
 *     action ran once; the same key on another request is 422; missing is 400; longer than
 *     255 is 400; a request while the first is in flight is 409 (a store row held in flight;
 *     and live: a second real request while the first is still in its handler, a replay of
 *     100,000 dead letters that takes seconds; and one that queued for the write lock while
 *     another took the key, past the busy timeout: 409, not 503) and eight concurrent requests
 *     run the action exactly once; after the lease (a crash) the key is taken over; expired
 *     keys are fresh again; the ttl is the configured one;
 *   - every response body above validates against the contract its route names in the route
 *     table (the registry built into seam, contracts/rest/v1/, with index.yaml's formats).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/idempotency.h"
#include "api/api.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "store/store.h"
#include "tests/support/harness.h"
#include "tests/support/th_rest.h"
#include "tests/support/th_assert.h"

#define DRUPAL_PW "e2e-drupal-pass"
#define ERP_SECRET "e2e-erp-secret"

static char dir[64], sim_log[128];
static char drupal_url[64], erp_url[64];
static th_seam_t sm;
static pid_t sim_pid;
static char reader[128], admin[128]; /* "Authorization: Bearer ..." lines */
static char live[128];                /* ops:admin, used only by the live in-flight test */

static int setup(void **state)
{
	char text[3000];
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	setenv("T_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("T_ERP", ERP_SECRET, 1);
	setenv("T_EVENTS", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
	char simcfg[128];
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 12\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  threads: 2\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  workflow: order_fulfillment\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}]\n"
		 "  products: 10\n  variations: 2\n  customers: 5\n  orders: 0\n"
		 "  events: {url: %s, secret: {env: T_EVENTS}, attempts: 20, backoff: [200ms, 500ms, 1s]}\n"
		 "erp:\n  listen: 127.0.0.1:0\n  threads: 2\n  client_id: seam\n  client_secret: {env: T_ERP}\n"
		 "  items: 30\n  currency: USD\n  page_size: 500\n",
		 sm.base);
	th_write_file(simcfg, text);
	char urls[2][64], company[64];
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "erp", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(erp_url, sizeof erp_url, "%s", urls[1]);
	if (th_erp_company(erp_url, "seam", ERP_SECRET, company) != 0) {
		fprintf(stderr, "no ERP company\n");
		return -1;
	}
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info, access_log: false}\n"
		 "queue: {workers: 2, lease: 5s, backoff_base: 100ms, backoff_cap: 1s}\n"
		 "idempotency: {ttl: 1h, lease: 30s}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 5s\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    timeout: 5s\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: T_ERP}, token_url: %s/oauth2/v2.0/token}\n"
		 "stores:\n  us:\n"
		 "    drupal: {upstream: drupal, event_secrets: [{env: T_EVENTS}], poll_interval: 2s}\n"
		 "    erp: {upstream: erp, company: %s, customer: WEB, shipping_account: '6130'}\n",
		 sm.port, sm.db_url, drupal_url, erp_url, erp_url, company);
	if (th_seam_start(&sm, 10000) != 0)
		return -1;
	if (th_make_key(&sm, "reader", "orders:read,ops:read", reader, sizeof reader) != 0 ||
	    th_make_key(&sm, "shop", "ops:admin", admin, sizeof admin) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, sim_pid, 15000, dir);
	th_rest_done();
	return 0;
}

/* One request to seam; extra header lines (NULL-terminated, may be NULL) after auth. */
static void req(const char *method, const char *path, const char *auth, const char *const *extra,
		const char *body, th_resp_t *r)
{
	char u[2200];
	const char *h[8] = {auth, "Content-Type: application/json"};
	size_t n = 2;
	for (size_t i = 0; extra && extra[i] && n < 7; i++)
		h[n++] = extra[i];
	h[n] = NULL;
	snprintf(u, sizeof u, "%s%s", sm.base, path);
	memset(r, 0, sizeof *r);
	if (th_http(method, u, h, body, body ? strlen(body) : 0, r) != 0)
		fail_msg("%s %s: no answer", method, path);
}

static json_t *get_json(const char *path, const char *auth, long want)
{
	th_resp_t r;
	req("GET", path, auth, NULL, NULL, &r);
	if (r.status != want)
		fail_msg("GET %s: %ld, want %ld: %s", path, r.status, want, r.body);
	json_t *d = th_json_parse(r.body);
	th_resp_free(&r);
	return d;
}

static void store_run(const char *sql, const char *const *params, int n)
{
	seam_store_t *st = NULL;
	seam_error_t e = {0};
	if (seam_store_open(sm.db_url, &(seam_store_opts_t){.pool_size = 1, .busy_timeout_ms = 30000},
			    &st, &e) != SEAM_OK)
		fail_msg("store: %s", e.msg);
	seam_db_t *db = seam_store_acquire(st);
	if (seam_db_run(db, sql, params, n, NULL, &e) != SEAM_OK)
		fail_msg("%s: %s", sql, e.msg);
	seam_store_release(st, db);
	seam_store_close(st);
}

/* Real orders through the doubles: the API shows what the export did, and the timeline is
 * what `seam ctl trace` shows. */
static void test_orders_exported(void **state)
{
	(void)state;
	long st;
	char path[300], sql[300];
	char u[128];
	snprintf(u, sizeof u, "%s/_sim/drupal/orders", drupal_url);
	json_t *d = th_json("POST", u, (const char *[]){"Content-Type: application/json", NULL},
			    "{\"count\":3,\"store\":\"us\",\"items\":2}", &st);
	TH_ASSERT_CMP(st, <, 300L);
	json_t *o = json_array_get(json_object_get(d, "orders"), 0);
	char uuid[64], number[32];
	snprintf(uuid, sizeof uuid, "%s", json_string_value(json_object_get(o, "uuid")));
	snprintf(number, sizeof number, "%s", json_string_value(json_object_get(o, "order_number")));
	json_decref(d);
	long n = 0;
	for (int w = 0; w < 150 && n != 3; w++, seam_sleep_ms(200))
		n = th_store_count(sm.db_url, "SELECT count(*) FROM orders WHERE store = 'us' AND "
					      "export_state = 'written_back'");
	assert_int_equal(n, 3);

	/* the list, filtered */
	d = get_json("/v1/orders?store=us&export_state=written_back", reader, 200);
	th_assert_contract("/v1/orders", d);
	assert_int_equal(json_array_size(json_object_get(d, "items")), 3);
	assert_true(json_is_null(json_object_get(d, "next")));
	json_decref(d);
	/* a key without orders:read */
	d = get_json("/v1/orders", admin, 403);
	json_decref(d);

	/* one order by number and by uuid: the same document, with its ETag */
	snprintf(path, sizeof path, "/v1/orders/%s", number);
	th_resp_t r;
	req("GET", path, reader, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	char etag[64] = "";
	assert_int_equal(th_resp_header(&r, "ETag", etag, sizeof etag), 0);
	TH_ASSERT_CMP(strlen(etag), ==, (size_t)34);
	json_t *ord = th_json_parse(r.body);
	th_resp_free(&r);
	th_assert_contract("/v1/orders/{id}", ord);
	assert_string_equal(json_string_value(json_object_get(ord, "order_uuid")), uuid);
	assert_string_equal(json_string_value(json_object_get(ord, "store")), "us");
	assert_string_equal(json_string_value(json_object_get(ord, "export_state")), "written_back");
	assert_non_null(json_string_value(json_object_get(ord, "erp_number")));
	assert_string_equal(json_string_value(json_object_get(ord, "currency")), "USD");
	assert_non_null(json_string_value(json_object_get(ord, "total")));
	assert_true(json_is_array(json_object_get(ord, "payments")));
	assert_true(json_is_null(json_object_get(ord, "last_error")));
	snprintf(path, sizeof path, "/v1/orders/%s", uuid);
	json_t *by_uuid = get_json(path, reader, 200);
	assert_true(json_equal(ord, by_uuid));
	json_decref(by_uuid);

	/* If-None-Match: 304 without a body while nothing changed; 200 and a new tag after */
	char inm[100];
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	req("GET", path, reader, (const char *[]){inm, NULL}, NULL, &r);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.len, 0);
	char etag2[64] = "";
	assert_int_equal(th_resp_header(&r, "ETag", etag2, sizeof etag2), 0);
	assert_string_equal(etag2, etag);
	th_resp_free(&r);
	req("GET", path, reader, (const char *[]){"If-None-Match: \"other\"", NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	snprintf(sql, sizeof sql, "UPDATE orders SET erp_number = 'SO-CHANGED' WHERE order_uuid = $1");
	store_run(sql, (const char *[]){uuid}, 1);
	req("GET", path, reader, (const char *[]){inm, NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_header(&r, "ETag", etag2, sizeof etag2);
	assert_string_not_equal(etag2, etag);
	th_resp_free(&r);
	json_decref(ord);

	/* the timeline: the entries `seam ctl trace --json` shows for the order */
	snprintf(path, sizeof path, "/v1/orders/%s/timeline", number);
	json_t *tl = get_json(path, reader, 200);
	th_assert_contract("/v1/orders/{id}/timeline", tl);
	char *out = NULL;
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"trace", uuid, "--json", NULL}, &out), 0);
	json_t *trace = th_json_parse(out);
	free(out);
	TH_ASSERT_CMP(json_array_size(json_object_get(tl, "timeline")), >, (size_t)2);
	assert_true(json_equal(json_object_get(tl, "timeline"), json_object_get(trace, "timeline")));
	assert_true(json_equal(json_object_get(tl, "jobs"), json_object_get(trace, "jobs")));
	assert_true(json_equal(json_object_get(tl, "payments"), json_object_get(trace, "payments")));
	json_decref(trace);
	json_decref(tl);
	/* 304 on the timeline too */
	req("GET", path, reader, NULL, NULL, &r);
	th_resp_header(&r, "ETag", etag, sizeof etag);
	th_resp_free(&r);
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	req("GET", path, reader, (const char *[]){inm, NULL}, NULL, &r);
	assert_int_equal(r.status, 304);
	th_resp_free(&r);

	d = get_json("/v1/orders/does-not-exist", reader, 404);
	assert_string_equal(json_string_value(json_object_get(d, "type")),
			    "https://seam.dev/problems/not-found");
	json_decref(d);
}

/* A payment seam recorded and a quarantined event, read back. */
static void test_payment_and_quarantine(void **state)
{
	(void)state;
	char now[24];
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	store_run("INSERT INTO payment_refs (provider, remote_id, store, order_uuid, payment_uuid, "
		  "state, amount, refunded, currency, updated_at) VALUES ('stripe', 'pi_e2e_1', 'us', "
		  "'0190c0de-0000-7000-8000-00000000aaaa', '0190c0de-0000-7000-8000-00000000bbbb', "
		  "'completed', '12.50', '0', 'USD', $1)",
		  (const char *[]){now}, 1);
	store_run("INSERT INTO payment_events (provider, event_id, remote_id, type, amount_minor, "
		  "currency, cumulative, captured_total, occurred_at, outcome, created_at) VALUES "
		  "('stripe', 'evt_e2e_1', 'pi_e2e_1', 'captured', 1250, 'USD', 0, -1, $1, 'plan', $1)",
		  (const char *[]){now}, 1);
	json_t *p = get_json("/v1/payments/pi_e2e_1", reader, 200);
	th_assert_contract("/v1/payments/{id}", p);
	assert_string_equal(json_string_value(json_object_get(p, "state")), "completed");
	assert_string_equal(json_string_value(json_object_get(p, "amount")), "12.50");
	assert_string_equal(json_string_value(json_object_get(p, "order_uuid")),
			    "0190c0de-0000-7000-8000-00000000aaaa");
	assert_int_equal(json_array_size(json_object_get(p, "events")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(p, "events"), 0), "type")),
			    "captured");
	json_t *p2 = get_json("/v1/payments/0190c0de-0000-7000-8000-00000000bbbb", reader, 200);
	assert_true(json_equal(p, p2));
	json_decref(p2);
	json_decref(p);
	json_decref(get_json("/v1/payments/pi_nope", reader, 404));

	/* three refused events; paged two at a time, newest first */
	for (int i = 0; i < 3; i++) {
		char id[64], at[24];
		snprintf(id, sizeof id, "0190c0de-0000-7000-8000-0000000000c%d", i);
		snprintf(at, sizeof at, "%lld", (long long)(seam_now_ms() - 1000 + i));
		store_run("INSERT INTO quarantine (id, provider, source, event_id, reason, body, headers, "
			  "received_at) VALUES ($1, $2, 'us', NULL, 'malformed_json', '{', '{}', $3)",
			  (const char *[]){id, i == 1 ? "adyen" : "stripe", at}, 3);
	}
	json_t *q = get_json("/v1/quarantine?limit=2", reader, 200);
	th_assert_contract("/v1/quarantine", q);
	assert_int_equal(json_array_size(json_object_get(q, "items")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(q, "items"), 0), "id")),
			    "0190c0de-0000-7000-8000-0000000000c2");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(q, "items"), 0), "reason")),
			    "malformed_json");
	const char *next = json_string_value(json_object_get(q, "next"));
	assert_non_null(next);
	json_t *q2 = get_json(next, reader, 200);
	assert_int_equal(json_array_size(json_object_get(q2, "items")), 1);
	assert_true(json_is_null(json_object_get(q2, "next")));
	json_decref(q2);
	json_decref(q);
	q = get_json("/v1/quarantine?provider=adyen&store=us", reader, 200);
	assert_int_equal(json_array_size(json_object_get(q, "items")), 1);
	json_decref(q);
	q = get_json("/v1/quarantine?provider=paypal", reader, 400);
	assert_string_equal(json_string_value(json_object_get(q, "parameter")), "provider");
	json_decref(q);
}

/* 250 orders, pages of 100, 20 new orders inserted before each next page: each of the 250
 * exactly once, none skipped, none twice. */
static void test_paging_under_inserts(void **state)
{
	(void)state;
	char path[2200];
	int64_t base = seam_now_ms() - 3600000;
	/* seam_store_open per row would be slow: one connection for all */
	seam_store_t *st = NULL;
	seam_error_t e = {0};
	assert_int_equal(seam_store_open(sm.db_url, &(seam_store_opts_t){.pool_size = 1, .busy_timeout_ms = 30000},
					 &st, &e), SEAM_OK);
	seam_db_t *db = seam_store_acquire(st);
	int added = 0;
#define ADD_ORDER(seen)                                                                            \
	do {                                                                                       \
		char uuid[64], num[16], at[24];                                                    \
		snprintf(uuid, sizeof uuid, "0190c0de-0000-7000-8000-%012d", added);               \
		snprintf(num, sizeof num, "Z%d", added);                                           \
		snprintf(at, sizeof at, "%lld", (long long)(seen));                                \
		assert_int_equal(seam_db_run(db, "INSERT INTO orders (store, order_uuid, order_number, " \
					     "export_state, total, currency, first_seen_at, updated_at) " \
					     "VALUES ('zz', $1, $2, 'seen', '1.00', 'EUR', $3, $3)",  \
					     (const char *[]){uuid, num, at}, 3, NULL, &e), SEAM_OK); \
		added++;                                                                           \
	} while (0)
	assert_int_equal(seam_db_begin(db, &e), SEAM_OK);
	/* every tenth pair shares its first_seen_at: ties are broken by the key, not lost */
	for (int i = 0; i < 250; i++)
		ADD_ORDER(base + i - (i % 10 == 1));
	assert_int_equal(seam_db_commit(db, &e), SEAM_OK);
	seam_store_release(st, db);

	char seen[250] = {0};
	int pages = 0, total = 0;
	snprintf(path, sizeof path, "/v1/orders?store=zz&limit=100");
	while (*path) {
		th_resp_t r;
		req("GET", path, reader, NULL, NULL, &r);
		assert_int_equal(r.status, 200);
		json_t *d = th_json_parse(r.body), *it;
		th_assert_contract("/v1/orders", d);
		char link[2300] = "";
		int has_link = th_resp_header(&r, "Link", link, sizeof link) == 0;
		th_resp_free(&r);
		size_t i;
		json_array_foreach(json_object_get(d, "items"), i, it) {
			const char *num = json_string_value(json_object_get(it, "order_number"));
			int k = atoi(num + 1);
			if (k >= 250)
				fail_msg("page %d shows order %s, inserted after paging began", pages, num);
			if (seen[k]++)
				fail_msg("order %s seen twice (page %d)", num, pages);
			total++;
		}
		const char *next = json_string_value(json_object_get(d, "next"));
		if (next) {
			char want[2300];
			snprintf(want, sizeof want, "<%s>; rel=\"next\"", next);
			assert_true(has_link);
			assert_string_equal(link, want);
			snprintf(path, sizeof path, "%s", next);
		} else {
			assert_false(has_link);
			*path = '\0';
		}
		json_decref(d);
		pages++;
		/* new orders while the client pages: newer than all, they sort before the cursor */
		db = seam_store_acquire(st);
		for (int j = 0; j < 20; j++)
			ADD_ORDER(seam_now_ms());
		seam_store_release(st, db);
		assert_true(pages < 10);
	}
#undef ADD_ORDER
	seam_store_close(st);
	assert_int_equal(total, 250);
	assert_int_equal(pages, 3);
	for (int k = 0; k < 250; k++)
		if (seen[k] != 1)
			fail_msg("order Z%d seen %d times", k, seen[k]);

	/* the new ones are there for a client that starts again */
	json_t *d = get_json("/v1/orders?store=zz&limit=500", reader, 200);
	assert_int_equal(json_array_size(json_object_get(d, "items")), (size_t)added);
	json_decref(d);

	/* filters: unknown, bad value, repeated, another list's cursor */
	static const struct {
		const char *path, *param;
	} bad[] = {
		{"/v1/orders?stor=zz", "stor"},
		{"/v1/orders?export_state=shipped", "export_state"},
		{"/v1/orders?since=yesterday", "since"},
		{"/v1/orders?limit=501", "limit"},
		{"/v1/orders?store=a&store=b", "store"},
		{"/v1/orders?cursor=WyJxdWFyYW50aW5lIiwxLCJ4Il0", "cursor"}, /* ["quarantine",1,"x"] */
		{"/v1/orders?cursor=WyJvcmRlciIsMV0", "cursor"},              /* ["order",1] */
		{"/v1/jobs?flw=orders", "flw"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		th_resp_t r;
		req("GET", bad[i].path, reader, NULL, NULL, &r);
		if (r.status != 400)
			fail_msg("GET %s: %ld, want 400", bad[i].path, r.status);
		char ct[80] = "";
		th_resp_header(&r, "Content-Type", ct, sizeof ct);
		assert_string_equal(ct, "application/problem+json");
		json_t *p = th_json_parse(r.body);
		th_resp_free(&r);
		assert_string_equal(json_string_value(json_object_get(p, "type")),
				    "https://seam.dev/problems/bad-request");
		if (!json_object_get(p, "parameter") ||
		    strcmp(json_string_value(json_object_get(p, "parameter")), bad[i].param) != 0)
			fail_msg("GET %s: parameter %s, want %s", bad[i].path,
				 json_string_value(json_object_get(p, "parameter")), bad[i].param);
		json_decref(p);
	}
	/* /openapi.json documents the filters of each list (from the same table), the ETag of
	 * single resources and the key the actions require */
	json_t *api = get_json("/openapi.json", NULL, 200), *prm;
	json_t *op = json_object_get(json_object_get(json_object_get(api, "paths"), "/v1/orders"), "get");
	size_t pi;
	int saw_enum = 0, saw_cursor = 0;
	json_array_foreach(json_object_get(op, "parameters"), pi, prm) {
		const char *nm = json_string_value(json_object_get(prm, "name"));
		if (!strcmp(nm, "export_state"))
			saw_enum = json_array_size(json_object_get(json_object_get(prm, "schema"), "enum")) == 4;
		saw_cursor |= !strcmp(nm, "cursor");
	}
	assert_true(saw_enum);
	assert_true(saw_cursor);
	op = json_object_get(json_object_get(json_object_get(api, "paths"), "/v1/orders/{id}"), "get");
	assert_non_null(json_object_get(json_object_get(op, "responses"), "304"));
	op = json_object_get(json_object_get(json_object_get(api, "paths"), "/v1/jobs/{id}/retry"), "post");
	int required_key = 0;
	json_array_foreach(json_object_get(op, "parameters"), pi, prm)
		if (!strcmp(json_string_value(json_object_get(prm, "name")), "Idempotency-Key"))
			required_key = json_is_true(json_object_get(prm, "required"));
	assert_true(required_key);
	json_decref(api);

	/* the jobs list kept before/limit and gained the cursor */
	d = get_json("/v1/jobs?limit=1", reader, 200);
	assert_non_null(json_string_value(json_object_get(d, "next_before")));
	const char *next = json_string_value(json_object_get(d, "next"));
	assert_non_null(next);
	json_t *d2 = get_json(next, reader, 200);
	assert_string_not_equal(json_string_value(json_object_get(json_array_get(json_object_get(d2, "items"), 0), "id")),
				json_string_value(json_object_get(json_array_get(json_object_get(d, "items"), 0), "id")));
	/* one job: ETag and 304 there too (a finished export: nothing changes it meanwhile) */
	char jpath[128], jtag[64] = "", jinm[100];
	th_resp_t jr;
	json_t *done = get_json("/v1/jobs?kind=order.export&state=succeeded&limit=1", reader, 200);
	snprintf(jpath, sizeof jpath, "/v1/jobs/%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(done, "items"), 0), "id")));
	json_decref(done);
	req("GET", jpath, reader, NULL, NULL, &jr);
	assert_int_equal(jr.status, 200);
	assert_int_equal(th_resp_header(&jr, "ETag", jtag, sizeof jtag), 0);
	th_resp_free(&jr);
	snprintf(jinm, sizeof jinm, "If-None-Match: %s", jtag);
	req("GET", jpath, reader, (const char *[]){jinm, NULL}, NULL, &jr);
	assert_int_equal(jr.status, 304);
	th_resp_free(&jr);
	json_decref(d2);
	json_decref(d);
}

/* ---- Idempotency-Key ---- */

static long attempts_with(const char *job, const char *outcome)
{
	char sql[300];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM job_attempt_log WHERE job_id = '%s' AND outcome = '%s'",
		 job, outcome);
	return th_store_count(sm.db_url, sql);
}

/* A dead job of the (paused) orders flow: retried, it stays queued, so counts hold still. */
static void dead_job(const char *id)
{
	char now[24];
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	store_run("INSERT INTO jobs (id, kind, flow, payload, state, attempts, max_attempts, run_at, "
		  "last_error, created_at, updated_at, finished_at) VALUES ($1, 'order.export', "
		  "'orders', '{}', 'dead', 3, 3, $2, 'boom', $2, $2, $2)",
		  (const char *[]){id, now}, 2);
}

static const char *replayed(th_resp_t *r, char *buf)
{
	*buf = '\0';
	th_resp_header(r, "Idempotent-Replayed", buf, 16);
	return buf;
}

static void test_idempotency_key(void **state)
{
	(void)state;
	char *out = NULL, buf[16], path[200];
	th_resp_t r, r2;
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"flow", "pause", "orders", NULL}, &out), 0);
	free(out);
	const char *job = "0190c0de-0000-7000-8000-0000000000d1";
	dead_job(job);
	snprintf(path, sizeof path, "/v1/jobs/%s/retry", job);

	/* missing where required: 400, nothing done */
	req("POST", path, admin, NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "problems/idempotency-key-missing"));
	th_resp_free(&r);
	assert_int_equal(attempts_with(job, "operator_retry"), 0);
	/* longer than 255, or empty: 400 */
	char longkey[300];
	memset(longkey, 'k', sizeof longkey);
	memcpy(longkey, "Idempotency-Key: ", 17);
	longkey[17 + 256] = '\0';
	req("POST", path, admin, (const char *[]){longkey, NULL}, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "problems/bad-idempotency-key"));
	assert_non_null(strstr(r.body, "longer than 255"));
	th_resp_free(&r);
	req("POST", path, admin, (const char *[]){"Idempotency-Key: \"\"", NULL}, NULL, &r);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
	assert_int_equal(attempts_with(job, "operator_retry"), 0);
	longkey[17 + 255] = '\0'; /* 255 is fine */
	req("POST", path, admin, (const char *[]){longkey, NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	assert_int_equal(attempts_with(job, "operator_retry"), 1);

	/* the retry of a retry: the stored answer, the action once */
	const char *job2 = "0190c0de-0000-7000-8000-0000000000d2";
	dead_job(job2);
	snprintf(path, sizeof path, "/v1/jobs/%s/retry", job2);
	const char *k1[] = {"Idempotency-Key: \"retry-d2-1\"", NULL};
	req("POST", path, admin, k1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(replayed(&r, buf), "");
	req("POST", path, admin, k1, NULL, &r2);
	assert_int_equal(r2.status, 200);
	assert_string_equal(replayed(&r2, buf), "true");
	assert_string_equal(r2.body, r.body);
	char ct[80] = "";
	th_resp_header(&r2, "Content-Type", ct, sizeof ct);
	assert_string_equal(ct, "application/json");
	th_resp_free(&r2);
	th_resp_free(&r);
	assert_int_equal(attempts_with(job2, "operator_retry"), 1);
	/* with a new key the same POST is a second action ("run now" on a queued job) */
	req("POST", path, admin, (const char *[]){"Idempotency-Key: retry-d2-2", NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	assert_int_equal(attempts_with(job2, "operator_retry"), 2);

	/* the same key on another request: 422, nothing runs */
	snprintf(path, sizeof path, "/v1/jobs/%s/cancel", job2);
	req("POST", path, admin, k1, NULL, &r);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(r.body, "problems/idempotency-key-reused"));
	th_resp_free(&r);
	assert_int_equal(attempts_with(job2, "operator_cancel"), 0);
	/* the same key from another API key is that key's own */
	char other[128];
	assert_int_equal(th_make_key(&sm, "ops2", "ops:admin", other, sizeof other), 0);
	req("POST", path, other, k1, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	assert_int_equal(attempts_with(job2, "operator_cancel"), 1);

	/* keys are kept idempotency.ttl (1h here) */
	assert_int_equal(th_store_count(sm.db_url, "SELECT max(expires_at - created_at) FROM idempotency_keys"),
			 3600000);
	/* an expired key is fresh again: another request with it runs */
	store_run("UPDATE idempotency_keys SET expires_at = created_at - 1 WHERE idem_key = 'retry-d2-1'",
		  NULL, 0);
	const char *job3 = "0190c0de-0000-7000-8000-0000000000d3";
	dead_job(job3);
	snprintf(path, sizeof path, "/v1/jobs/%s/retry", job3);
	req("POST", path, admin, k1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(replayed(&r, buf), "");
	th_resp_free(&r);
	assert_int_equal(attempts_with(job3, "operator_retry"), 1);
	/* pause/resume do not require a key (setting a state twice is harmless) but honour one */
	req("POST", "/v1/flows/payments/pause", admin, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	req("POST", "/v1/flows/payments/resume", admin, (const char *[]){"Idempotency-Key: res-1", NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	req("POST", "/v1/flows/payments/resume", admin, (const char *[]){"Idempotency-Key: res-1", NULL}, NULL, &r);
	assert_string_equal(replayed(&r, buf), "true");
	th_resp_free(&r);
}

/* In flight: a row held running (as the first request's is while its handler runs) answers
 * 409 and runs nothing; once its lease is over (the request crashed) the key is taken over. */
static void test_idempotency_in_flight(void **state)
{
	(void)state;
	char path[200], fp[65], until[24], now[24];
	th_resp_t r;
	const char *job = "0190c0de-0000-7000-8000-0000000000e1";
	dead_job(job);
	snprintf(path, sizeof path, "/v1/jobs/%s/retry", job);
	seam_idem_fingerprint("POST", path, "", 0, fp);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	snprintf(until, sizeof until, "%lld", (long long)seam_now_ms() + 600000);
	store_run("INSERT INTO idempotency_keys (api_key, idem_key, fingerprint, state, created_at, "
		  "locked_until, expires_at) VALUES ('shop', 'held', $1, 'running', $2, $3, $3)",
		  (const char *[]){fp, now, until}, 3);
	req("POST", path, admin, (const char *[]){"Idempotency-Key: held", NULL}, NULL, &r);
	assert_int_equal(r.status, 409);
	assert_non_null(strstr(r.body, "problems/idempotency-in-flight"));
	char ra[16] = "";
	assert_int_equal(th_resp_header(&r, "Retry-After", ra, sizeof ra), 0);
	th_resp_free(&r);
	assert_int_equal(attempts_with(job, "operator_retry"), 0);
	/* the first request crashed: its lease ends, the retry runs and stores its answer */
	store_run("UPDATE idempotency_keys SET locked_until = $1 WHERE idem_key = 'held'",
		  (const char *[]){now}, 1);
	req("POST", path, admin, (const char *[]){"Idempotency-Key: held", NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	assert_int_equal(attempts_with(job, "operator_retry"), 1);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM idempotency_keys WHERE "
						   "idem_key = 'held' AND state = 'done' AND status = 200"),
			 1);
}

typedef struct shot {
	const char *path;
	pthread_barrier_t *go;
	long status;
	int replayed;
} shot_t;

static void *fire(void *arg)
{
	shot_t *s = arg;
	th_resp_t r;
	char buf[16];
	pthread_barrier_wait(s->go);
	req("POST", s->path, admin, (const char *[]){"Idempotency-Key: together", NULL}, NULL, &r);
	s->status = r.status;
	s->replayed = strcmp(replayed(&r, buf), "true") == 0;
	th_resp_free(&r);
	return NULL;
}

/* Eight at once with one key: the action runs exactly once; each other answer is the 409 of
 * a request in flight or the replay of the first's answer. */
static void test_idempotency_concurrent(void **state)
{
	(void)state;
	enum { N = 8 };
	char path[200];
	pthread_t t[N];
	shot_t s[N];
	pthread_barrier_t go;
	const char *job = "0190c0de-0000-7000-8000-0000000000f1";
	dead_job(job);
	snprintf(path, sizeof path, "/v1/jobs/%s/retry", job);
	pthread_barrier_init(&go, NULL, N);
	for (int i = 0; i < N; i++) {
		s[i] = (shot_t){.path = path, .go = &go};
		pthread_create(&t[i], NULL, fire, &s[i]);
	}
	int ran = 0, in_flight = 0, replays = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		if (s[i].status == 200 && !s[i].replayed)
			ran++;
		else if (s[i].status == 200)
			replays++;
		else if (s[i].status == 409)
			in_flight++;
		else
			fail_msg("request %d: %ld", i, s[i].status);
	}
	pthread_barrier_destroy(&go);
	print_message("%d concurrent: ran %d, in flight (409) %d, replayed %d\n", N, ran, in_flight,
		      replays);
	assert_int_equal(ran, 1);
	assert_int_equal(ran + replays + in_flight, N);
	assert_int_equal(attempts_with(job, "operator_retry"), 1);
}

typedef struct waiter {
	const char *path, *auth;
	long status;
	char retry_after[16];
	char *body;
} waiter_t;

static void *wait_fire(void *arg)
{
	waiter_t *w = arg;
	th_resp_t r;
	req("POST", w->path, w->auth, (const char *[]){"Idempotency-Key: taken", NULL}, NULL, &r);
	w->status = r.status;
	th_resp_header(&r, "Retry-After", w->retry_after, sizeof w->retry_after);
	w->body = strdup(r.body ? r.body : "");
	th_resp_free(&r);
	return NULL;
}

/* The key taken by another request while this one waited for the write lock: seam's first
 * look found no row, so it queued for the lock to take the key; meanwhile the other committed
 * its row, and the lock stayed held (here by the test; in life by the other's handler, a bulk
 * replay) past the store's busy timeout (5 s). The answer is the 409 of a request in flight,
 * not a 503 store-busy: the key is taken, the action must not run. */
static void test_idempotency_taken_while_waiting(void **state)
{
	(void)state;
	char path[200], fp[65], now[24], until[24], who[128];
	seam_store_t *st = NULL;
	seam_error_t e = {0};
	th_resp_t r;
	pthread_t t;
	const char *job = "0190c0de-0000-7000-8000-0000000000f2";
	dead_job(job);
	snprintf(path, sizeof path, "/v1/jobs/%s/retry", job);
	seam_idem_fingerprint("POST", path, "", 0, fp);
	/* a key of its own, used once now: its auth below is a plain read (last_used_at is fresh),
	 * not a write that would queue behind the test's lock before the look */
	assert_int_equal(th_make_key(&sm, "waiter", "ops:admin", who, sizeof who), 0);
	req("GET", "/v1/whoami", who, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);

	assert_int_equal(seam_store_open(sm.db_url, &(seam_store_opts_t){.pool_size = 1, .busy_timeout_ms = 30000},
					 &st, &e), SEAM_OK);
	seam_db_t *db = seam_store_acquire(st);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	snprintf(until, sizeof until, "%lld", (long long)seam_now_ms() + 600000);
	/* the other request's row, not yet committed, the write lock held */
	assert_int_equal(seam_db_begin(db, &e), SEAM_OK);
	assert_int_equal(seam_db_run(db, "INSERT INTO idempotency_keys (api_key, idem_key, fingerprint, "
					 "state, created_at, locked_until, expires_at) VALUES ('waiter', "
					 "'taken', $1, 'running', $2, $3, $3)",
				     (const char *[]){fp, now, until}, 3, NULL, &e), SEAM_OK);
	waiter_t w = {.path = path, .auth = who};
	pthread_create(&t, NULL, wait_fire, &w);
	seam_sleep_ms(1000); /* it looked (no row yet) and waits for the lock, 5 s at most */
	/* the row committed, the lock taken again at once (as the other's handler does) */
	assert_int_equal(seam_db_commit(db, &e), SEAM_OK);
	assert_int_equal(seam_db_begin(db, &e), SEAM_OK);
	pthread_join(t, NULL);
	seam_db_rollback(db);
	seam_store_release(st, db);
	seam_store_close(st);
	if (w.status != 409)
		fail_msg("a request that waited for the lock while the key was taken: %ld, want 409: %s",
			 w.status, w.body);
	assert_non_null(strstr(w.body, "problems/idempotency-in-flight"));
	assert_string_equal(w.retry_after, "1");
	free(w.body);
	assert_int_equal(attempts_with(job, "operator_retry"), 0);
}

/* ---- in flight, live: two real requests, the first still in its handler ---- */

/* Dead letters the live test makes: enough that replaying all of them in one transaction takes
 * seconds (measured on the 2-core VM: about 1.3 s per 60,000 idle; slower under load, which only
 * widens the window). Under 5 s idle, the store's busy timeout: seam's own writers (lease
 * heartbeat, dispatcher) wait behind the replay meanwhile. */
#define LIVE_N 100000

typedef struct live_shot {
	const char *key;
	long status;
	int replayed;
	char *body;
	int64_t answered_ms;
	int done; /* set (atomically) once the answer is in */
} live_shot_t;

static void *live_fire(void *arg)
{
	live_shot_t *s = arg;
	th_resp_t r;
	char buf[16], key[64];
	snprintf(key, sizeof key, "Idempotency-Key: %s", s->key);
	req("POST", "/v1/dead-letters/replay", live, (const char *[]){key, NULL}, "{\"all\": true}",
	    &r);
	s->status = r.status;
	s->replayed = strcmp(replayed(&r, buf), "true") == 0;
	s->body = strdup(r.body ? r.body : "");
	s->answered_ms = seam_now_ms();
	th_resp_free(&r);
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* The key's state in the store ("" when there is no row). */
static void key_state(seam_store_t *st, const char *key, char out[16])
{
	seam_error_t e = {0};
	seam_stmt_t *s;
	seam_db_t *db = seam_store_acquire(st);
	*out = '\0';
	if (seam_db_prepare(db, "SELECT state FROM idempotency_keys WHERE api_key = 'live' AND "
				"idem_key = $1", &s, &e) != SEAM_OK)
		fail_msg("key_state: %s", e.msg);
	seam_stmt_bind_text(s, 1, key);
	if (seam_stmt_step(s, &e) == SEAM_ROW)
		snprintf(out, 16, "%s", seam_stmt_column_text(s, 0));
	seam_stmt_reset(s);
	seam_store_release(st, db);
}

/* A real request in flight: POST /v1/dead-letters/replay {"all": true} over LIVE_N dead letters
 * runs its handler for seconds (one write transaction over every row). Once its key is seen in
 * the store in state running, a second request with the key is answered 409 with Retry-After
 * while the first is still in its handler: checked, not assumed (after the 409 every dead letter
 * is still dead, the key still running, the first's answer not back). The first then answers
 * 200 having replayed each dead letter exactly once; a third request with the key gets that
 * answer replayed and replays nothing. No hook in seam: the handler is long by nature. */
static void test_idempotency_in_flight_live(void **state)
{
	(void)state;
	char *out = NULL, st_now[16], ra[16] = "", now[24];
	seam_store_t *st = NULL;
	seam_error_t e = {0};
	th_resp_t r;
	pthread_t t;
	assert_int_equal(th_seam_ctl(&sm, (const char *[]){"flow", "pause", "orders", NULL}, &out), 0);
	free(out); /* replayed jobs stay queued: the counts below hold still */
	/* A key of its own, first used by the first request: that request's auth refreshes its
	 * last_used_at (a write, api/keys.c, at most once a minute), so the second's auth is a plain
	 * read too and does not queue behind the replay's write lock. */
	assert_int_equal(th_make_key(&sm, "live", "ops:admin", live, sizeof live), 0);
	long dead_before = th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE state = 'dead'");
	assert_int_equal(seam_store_open(sm.db_url, &(seam_store_opts_t){.pool_size = 1, .busy_timeout_ms = 30000},
					 &st, &e), SEAM_OK);
	seam_db_t *db = seam_store_acquire(st);
	int64_t t0 = seam_now_ms();
	snprintf(now, sizeof now, "%lld", (long long)t0);
	assert_int_equal(seam_db_begin(db, &e), SEAM_OK);
	/* 200 rows a statement ($1 the time, then the ids): a round trip per row cost 12 s on
	 * PostgreSQL */
	enum { ROWS = 200 };
	static char sql[ROWS * 96 + 256], ids[ROWS][64];
	const char *params[ROWS + 1];
	params[0] = now;
	for (int base = 0; base < LIVE_N; base += ROWS) {
		int n = LIVE_N - base < ROWS ? LIVE_N - base : ROWS;
		size_t len = (size_t)snprintf(sql, sizeof sql,
			"INSERT INTO jobs (id, kind, flow, payload, state, attempts, max_attempts, run_at, "
			"last_error, created_at, updated_at, finished_at) VALUES ");
		for (int i = 0; i < n; i++) {
			snprintf(ids[i], sizeof ids[i], "0190c0de-0000-7000-8001-%012d", base + i);
			params[i + 1] = ids[i];
			len += (size_t)snprintf(sql + len, sizeof sql - len,
				"%s($%d, 'order.export', 'orders', '{}', 'dead', 3, 3, $1, 'boom', $1, $1, $1)",
				i ? ", " : "", i + 2);
		}
		if (seam_db_run(db, sql, params, n + 1, NULL, &e) != SEAM_OK)
			fail_msg("insert dead letters from %d: %s", base, e.msg);
	}
	assert_int_equal(seam_db_commit(db, &e), SEAM_OK);
	seam_store_release(st, db);
	int64_t t1 = seam_now_ms();

	live_shot_t first = {.key = "live-1"};
	pthread_create(&t, NULL, live_fire, &first);
	/* wait until the first request has taken the key (its row committed, the handler next) */
	int64_t deadline = seam_now_ms() + 30000;
	for (key_state(st, "live-1", st_now); strcmp(st_now, "running") != 0; key_state(st, "live-1", st_now)) {
		if (__atomic_load_n(&first.done, __ATOMIC_SEQ_CST) || seam_now_ms() > deadline)
			fail_msg("the first request answered (%ld) before its key was seen in flight "
				 "(state '%s'): its handler was too quick", first.status, st_now);
		seam_sleep_ms(2);
	}
	int64_t t2 = seam_now_ms();
	req("POST", "/v1/dead-letters/replay", live, (const char *[]){"Idempotency-Key: live-1", NULL},
	    "{\"all\": true}", &r);
	int64_t t3 = seam_now_ms();
	/* read after the 409: a dead letter only stops being dead when the first's handler commits,
	 * and its key only goes running -> done; so what these show held when the second looked */
	long dead_after = th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE state = 'dead'");
	key_state(st, "live-1", st_now);
	int first_done = __atomic_load_n(&first.done, __ATOMIC_SEQ_CST);
	if (r.status != 409)
		fail_msg("second request: %ld, want 409: %s", r.status, r.body);
	assert_non_null(strstr(r.body, "problems/idempotency-in-flight"));
	assert_int_equal(th_resp_header(&r, "Retry-After", ra, sizeof ra), 0);
	assert_string_equal(ra, "1");
	th_resp_free(&r);
	/* the window was real: the first's handler had not committed (nothing replayed yet), its
	 * key was in flight and it had not answered */
	assert_int_equal(dead_after, dead_before + LIVE_N);
	assert_string_equal(st_now, "running");
	assert_false(first_done);

	pthread_join(t, NULL);
	print_message("live in flight: %d dead letters inserted in %lld ms; key running %lld ms "
		      "after the first was sent; 409 in %lld ms; the first answered %lld ms after "
		      "the 409\n", LIVE_N, (long long)(t1 - t0), (long long)(t2 - t1),
		      (long long)(t3 - t2), (long long)(first.answered_ms - t3));
	if (first.status != 200)
		fail_msg("first request: %ld, want 200: %s", first.status, first.body);
	assert_false(first.replayed);
	json_t *d = th_json_parse(first.body);
	assert_int_equal(json_integer_value(json_object_get(d, "replayed")), dead_before + LIVE_N);
	json_decref(d);
	/* the action ran once: every dead letter replayed exactly once, none left */
	static const char once[] = "SELECT count(*) FROM job_attempt_log WHERE outcome = 'operator_replay' "
				   "AND job_id LIKE '0190c0de-0000-7000-8001-%'";
	assert_int_equal(th_store_count(sm.db_url, once), LIVE_N);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(DISTINCT job_id) FROM job_attempt_log WHERE "
						   "outcome = 'operator_replay' AND job_id LIKE "
						   "'0190c0de-0000-7000-8001-%'"),
			 LIVE_N);
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE state = 'dead'"), 0);
	key_state(st, "live-1", st_now);
	assert_string_equal(st_now, "done");

	/* a third request with the key: the stored answer, nothing replayed again */
	live_shot_t third = {.key = "live-1"};
	live_fire(&third);
	assert_int_equal(third.status, 200);
	assert_true(third.replayed);
	assert_string_equal(third.body, first.body);
	assert_int_equal(th_store_count(sm.db_url, once), LIVE_N);
	free(third.body);
	free(first.body);
	seam_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders_exported),
		cmocka_unit_test(test_payment_and_quarantine),
		cmocka_unit_test(test_paging_under_inserts),
		cmocka_unit_test(test_idempotency_key),
		cmocka_unit_test(test_idempotency_in_flight),
		cmocka_unit_test(test_idempotency_concurrent),
		cmocka_unit_test(test_idempotency_taken_while_waiting),
		cmocka_unit_test(test_idempotency_in_flight_live),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
