/* test_api_resources.c: the REST v1 handlers and the Idempotency-Key middleware in process
 * (the app's route table and around hook on a real server and store, no workers), so the
 * sanitizer builds run them: orders paging, filters, ETag/304, payments, quarantine, and an
 * operator action under a key, replayed, reused, and hit by eight threads at once.
 * tests/e2e/test_rest.c covers the same through the real binary and the doubles. */
#include "tests/unit/queue/qtest.h"

#include <jansson.h>
#include <pthread.h>

#include "api/api.h"
#include "app/registry.h"
#include "queue/queue.h"
#include "tests/support/th_assert.h"

typedef struct hfx {
	qt_env_t env;
	seam_queue_t *q;
	seam_api_t api;
	seam_http_server_t *srv;
	char base[64];
} hfx_t;

/* "Bearer <name>" is key <name> with every scope. */
static int auth(seam_http_req_t *req, const char *scope, void *ud)
{
	const char *a = seam_http_header(req, "Authorization");
	(void)scope;
	(void)ud;
	if (!a || strncmp(a, "Bearer ", 7) != 0)
		return 401;
	seam_http_set_user(req, seam_http_strdup(req, a + 7));
	return 200;
}

static void run_sql(seam_store_t *st, const char *sql, const char *const *p, int n)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t e = {0};
	if (seam_db_run(db, sql, p, n, NULL, &e) != SEAM_OK)
		fail_msg("%s: %s", sql, e.msg);
	seam_store_release(st, db);
}

static int setup(void **state)
{
	hfx_t *h = calloc(1, sizeof *h);
	seam_error_t e = {0};
	size_t n;
	qt_open(&h->env);
	if (seam_queue_create(h->env.st, &(seam_queue_opts_t){.retain_ms = -1}, &h->q, &e) != SEAM_OK)
		fail_msg("queue: %s", e.msg);
	h->api = (seam_api_t){.store = h->env.st, .queue = h->q, .flows = seam_app_flows()};
	seam_http_opts_t o = {.listen = "127.0.0.1:0", .routes = seam_api_routes(&n), .ud = &h->api,
			      .auth = auth, .around = seam_api_around, .threads = 4};
	o.nroutes = n;
	if (seam_http_start(&o, &h->srv, &e) != SEAM_OK)
		fail_msg("start: %s", e.msg);
	snprintf(h->base, sizeof h->base, "http://127.0.0.1:%d", seam_http_port(h->srv));
	/* 25 orders of store zz, one second apart; two payments refs and a quarantined event */
	for (int i = 0; i < 25; i++) {
		char uuid[64], num[16], at[24];
		snprintf(uuid, sizeof uuid, "0190c0de-0000-7000-8000-%012d", i);
		snprintf(num, sizeof num, "N%d", i);
		snprintf(at, sizeof at, "%lld", 1764777600000LL + i * 1000);
		run_sql(h->env.st,
			"INSERT INTO orders (store, order_uuid, order_number, export_state, total, "
			"currency, first_seen_at, updated_at, placed_at) VALUES ('zz', $1, $2, $3, "
			"'9.99', 'EUR', $4, $4, $4)",
			(const char *[]){uuid, num, i % 5 ? "seen" : "exported", at}, 4);
	}
	run_sql(h->env.st,
		"INSERT INTO payment_refs (provider, remote_id, store, order_uuid, state, amount, "
		"currency, updated_at) VALUES ('adyen', 'PSP1', 'zz', "
		"'0190c0de-0000-7000-8000-000000000003', 'authorization', '9.99', 'EUR', 1)",
		NULL, 0);
	run_sql(h->env.st,
		"INSERT INTO quarantine (id, provider, source, reason, body, headers, received_at) "
		"VALUES ('q1', 'stripe', 'zz', 'missing_id', '{}', '{}', 5)",
		NULL, 0);
	/* five more: stripe/zz at 10..14 s, one adyen and one of store yy in between */
	for (int i = 0; i < 7; i++) {
		char id[16], at[24];
		snprintf(id, sizeof id, "q%d", i + 2);
		snprintf(at, sizeof at, "%d", 10000 + i * 1000);
		run_sql(h->env.st,
			"INSERT INTO quarantine (id, provider, source, reason, body, headers, "
			"received_at) VALUES ($1, $2, $3, 'malformed_json', '{', '{}', $4)",
			(const char *[]){id, i == 2 ? "adyen" : "stripe", i == 4 ? "yy" : "zz", at}, 4);
	}
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	hfx_t *h = *state;
	seam_http_stop(h->srv, 1000);
	seam_queue_destroy(h->q);
	qt_close(&h->env);
	free(h);
	return 0;
}

static void call(hfx_t *h, const char *method, const char *path, const char *const *extra,
		 const char *body, th_resp_t *r)
{
	char url[1200];
	const char *hd[6] = {"Authorization: Bearer shop"};
	size_t n = 1;
	for (size_t i = 0; extra && extra[i] && n < 5; i++)
		hd[n++] = extra[i];
	hd[n] = NULL;
	snprintf(url, sizeof url, "%s%s", h->base, path);
	memset(r, 0, sizeof *r);
	assert_int_equal(th_http(method, url, hd, body, body ? strlen(body) : 0, r), 0);
}

static void test_orders(void **state)
{
	hfx_t *h = *state;
	th_resp_t r;
	char path[1200] = "/v1/orders?store=zz&limit=10", etag[64], inm[100];
	int seen[25] = {0}, pages = 0;
	while (*path) {
		call(h, "GET", path, NULL, NULL, &r);
		assert_int_equal(r.status, 200);
		json_t *d = th_json_parse(r.body), *it;
		th_resp_free(&r);
		size_t i;
		json_array_foreach(json_object_get(d, "items"), i, it)
			seen[atoi(json_string_value(json_object_get(it, "order_number")) + 1)]++;
		const char *next = json_string_value(json_object_get(d, "next"));
		snprintf(path, sizeof path, "%s", next ? next : "");
		json_decref(d);
		pages++;
	}
	assert_int_equal(pages, 3);
	for (int i = 0; i < 25; i++)
		assert_int_equal(seen[i], 1);
	call(h, "GET", "/v1/orders?export_state=exported&since=2025-12-03T16:00:05Z", NULL, NULL, &r);
	json_t *d = th_json_parse(r.body);
	th_resp_free(&r);
	assert_int_equal(json_array_size(json_object_get(d, "items")), 4); /* 5, 10, 15, 20 */
	json_decref(d);
	call(h, "GET", "/v1/orders?colour=red", NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);

	call(h, "GET", "/v1/orders/N3", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(th_resp_header(&r, "ETag", etag, sizeof etag), 0);
	d = th_json_parse(r.body);
	th_resp_free(&r);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(d, "payments"), 0), "remote_id")),
			    "PSP1");
	json_decref(d);
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	call(h, "GET", "/v1/orders/N3", (const char *[]){inm, NULL}, NULL, &r);
	assert_int_equal(r.status, 304);
	th_resp_free(&r);
	call(h, "GET", "/v1/orders/0190c0de-0000-7000-8000-000000000003/timeline", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	call(h, "GET", "/v1/payments/PSP1", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	call(h, "GET", "/v1/payments/none", NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	th_resp_free(&r);
	call(h, "GET", "/v1/quarantine?provider=stripe&until=1970-01-01T00:00:01Z", NULL, NULL, &r);
	d = th_json_parse(r.body);
	th_resp_free(&r);
	assert_int_equal(json_array_size(json_object_get(d, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(d, "items"), 0), "reason")),
			    "missing_id");
	json_decref(d);
	/* every filter and the cursor at once (their parameters are numbered together): stripe
	 * of store zz since 11 s, two a page: q8 q7 | q5 q3 | (q2 is before 11 s) */
	const char *want[] = {"q8", "q7", "q5", "q3"};
	size_t got = 0;
	snprintf(path, sizeof path, "/v1/quarantine?provider=stripe&store=zz&since=1970-01-01T00:00:11Z&limit=2");
	for (int page = 0; *path && page < 5; page++) {
		call(h, "GET", path, NULL, NULL, &r);
		assert_int_equal(r.status, 200);
		d = th_json_parse(r.body);
		th_resp_free(&r);
		json_t *it;
		size_t i;
		json_array_foreach(json_object_get(d, "items"), i, it) {
			if (got >= 4)
				fail_msg("more than 4 items");
			assert_string_equal(json_string_value(json_object_get(it, "id")), want[got]);
			got++;
		}
		const char *next = json_string_value(json_object_get(d, "next"));
		snprintf(path, sizeof path, "%s", next ? next : "");
		json_decref(d);
	}
	assert_int_equal(got, 4);
}

typedef struct shot {
	hfx_t *h;
	const char *path;
	pthread_barrier_t *go;
	long status;
	int replayed;
} shot_t;

static void *fire(void *arg)
{
	shot_t *s = arg;
	th_resp_t r;
	char buf[16] = "";
	pthread_barrier_wait(s->go);
	call(s->h, "POST", s->path, (const char *[]){"Idempotency-Key: k-burst", NULL}, NULL, &r);
	s->status = r.status;
	th_resp_header(&r, "Idempotent-Replayed", buf, sizeof buf);
	s->replayed = strcmp(buf, "true") == 0;
	th_resp_free(&r);
	return NULL;
}

static void test_idempotent_action(void **state)
{
	hfx_t *h = *state;
	th_resp_t r, r2;
	char id[37], path[128];
	seam_db_t *db = seam_store_acquire(h->env.st);
	seam_error_t e = {0};
	seam_job_spec_t spec = {.kind = "order.export", .flow = "orders", .payload = "{}",
				.max_attempts = 3};
	assert_int_equal(seam_queue_enqueue(NULL, db, &spec, id, NULL, &e), SEAM_OK);
	seam_store_release(h->env.st, db);
	snprintf(path, sizeof path, "/v1/jobs/%s/cancel", id);
	call(h, "POST", path, NULL, NULL, &r);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
	call(h, "POST", path, (const char *[]){"Idempotency-Key: c1", NULL}, NULL, &r);
	assert_int_equal(r.status, 200);
	call(h, "POST", path, (const char *[]){"Idempotency-Key: c1", NULL}, NULL, &r2);
	assert_int_equal(r2.status, 200);
	assert_string_equal(r2.body, r.body);
	th_resp_free(&r);
	th_resp_free(&r2);
	TH_ASSERT_CMP(qt_int(h->env.st, "SELECT count(*) FROM job_attempt_log WHERE job_id = $1 AND outcome = 'operator_cancel'", id),
		      ==, (int64_t)1);
	call(h, "POST", "/v1/flows/orders/pause", (const char *[]){"Idempotency-Key: c1", NULL}, NULL, &r);
	assert_int_equal(r.status, 422);
	th_resp_free(&r);

	/* eight at once: one runs (retry of the canceled job), the others wait or replay */
	enum { N = 8 };
	pthread_t t[N];
	shot_t s[N];
	pthread_barrier_t go;
	snprintf(path, sizeof path, "/v1/jobs/%s/retry", id);
	pthread_barrier_init(&go, NULL, N);
	for (int i = 0; i < N; i++) {
		s[i] = (shot_t){.h = h, .path = path, .go = &go};
		pthread_create(&t[i], NULL, fire, &s[i]);
	}
	int ran = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		if (s[i].status == 200 && !s[i].replayed)
			ran++;
		else if (s[i].status != 409 && s[i].status != 200)
			fail_msg("request %d: %ld", i, s[i].status);
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(ran, 1);
	TH_ASSERT_CMP(qt_int(h->env.st, "SELECT count(*) FROM job_attempt_log WHERE job_id = $1 AND outcome = 'operator_retry'", id),
		      ==, (int64_t)1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent_action, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
