/*
 * test_sim_core.c: what every double shares: faults fire at the rates asked (deterministic per
 * seed), scoping by method and path, drop_after_commit really commits, timeouts still do the
 * work, the call ring records without secrets, reset clears.
 */
#include "sim_test.h"

#include "core/clock.h"
#include "tests/support/th_assert.h"

static const char *yaml = "seed: 1234\n"
			  "tax: {account_id: acct, license_key: lic}\n"
			  "erp: {items: 3, customers: 1, client_id: cid, client_secret: csec}\n";

static const char *const *tax_auth(void)
{
	static char buf[128];
	static const char *h[2];
	h[0] = basic(buf, "acct", "lic");
	h[1] = NULL;
	return h;
}

static void add_fault(seam_sim_double_t *d, const char *json)
{
	seam_sim_resp_t r;
	call(d, "POST", "/_sim/faults", NULL, json, &r);
	assert_int_equal(r.status, 201);
	seam_sim_resp_dispose(&r);
}

static int count_status(seam_sim_double_t *d, int n, int status, int *drops)
{
	int hits = 0;
	if (drops)
		*drops = 0;
	for (int i = 0; i < n; i++) {
		seam_sim_resp_t r;
		call(d, "GET", "/api/v2/utilities/ping", tax_auth(), NULL, &r);
		if (r.drop && drops)
			(*drops)++;
		else if (r.status == status)
			hits++;
		seam_sim_resp_dispose(&r);
	}
	return hits;
}

static void test_error_rate_within_3_percent(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	add_fault(d, "{\"kind\":\"error\",\"rate\":0.2,\"status\":503}");
	int hits = count_status(d, 2000, 503, NULL);
	print_message("error rate 0.2: %d of 2000 (%.1f%%)\n", hits, hits / 20.0);
	assert_in_range(hits, 340, 460); /* 20% +- 3% */
	seam_sim_resp_t r;
	call(d, "GET", "/_sim/faults", NULL, NULL, &r);
	assert_int_equal(json_integer_value(jget(r.json, "faults.0.fired")), hits);
	seam_sim_resp_dispose(&r);

	/* the same seed fires on the same calls */
	simt_t *t2 = simt_new(yaml);
	seam_sim_double_t *d2 = simt_get(t2, "tax");
	add_fault(d2, "{\"kind\":\"error\",\"rate\":0.2,\"status\":503}");
	assert_int_equal(count_status(d2, 2000, 503, NULL), hits);
	simt_free(t2);
	simt_free(t);
}

static void test_rate_limit_and_drop_rates(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	add_fault(d, "{\"kind\":\"rate_limit\",\"rate\":0.1,\"retry_after\":7}");
	int hits = count_status(d, 2000, 429, NULL);
	print_message("429 rate 0.1: %d of 2000\n", hits);
	assert_in_range(hits, 140, 260);
	seam_sim_resp_t r;
	do {
		call(d, "GET", "/api/v2/utilities/ping", tax_auth(), NULL, &r);
		if (r.status == 429)
			break;
		seam_sim_resp_dispose(&r);
	} while (1);
	assert_string_equal(seam_sim_resp_header(&r, "Retry-After"), "7");
	assert_string_equal(seam_sim_resp_header(&r, "X-Sim-Fault"), "rate_limit");
	seam_sim_resp_dispose(&r);
	call(d, "DELETE", "/_sim/faults", NULL, NULL, &r);
	assert_int_equal(r.status, 204);
	seam_sim_resp_dispose(&r);
	add_fault(d, "{\"kind\":\"drop\",\"rate\":0.3}");
	int drops;
	int ok = count_status(d, 2000, 200, &drops);
	print_message("drop rate 0.3: %d of 2000\n", drops);
	assert_in_range(drops, 540, 660);
	assert_int_equal(ok + drops, 2000);
	simt_free(t);
}

static void test_scoping_outage_times(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	seam_sim_resp_t r;
	/* only POSTs under /api/v2/transactions */
	add_fault(d, "{\"kind\":\"outage\",\"method\":\"post\",\"path\":\"/api/v2/transactions\"}");
	call(d, "GET", "/api/v2/utilities/ping", tax_auth(), NULL, &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/api/v2/transactions/create", tax_auth(), "{}", &r);
	assert_int_equal(r.status, 503);
	seam_sim_resp_dispose(&r);
	/* the control API is never faulted */
	add_fault(d, "{\"kind\":\"outage\",\"mode\":\"close\"}");
	call(d, "GET", "/api/v2/utilities/ping", tax_auth(), NULL, &r);
	assert_true(r.drop);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/_sim/faults", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "faults")), 2);
	int64_t id = json_integer_value(jget(r.json, "faults.1.id"));
	seam_sim_resp_dispose(&r);
	callf(d, "DELETE", NULL, NULL, &r, "/_sim/faults/%lld", (long long)id);
	assert_int_equal(r.status, 204);
	seam_sim_resp_dispose(&r);
	/* "times" bounds a rule */
	add_fault(d, "{\"kind\":\"error\",\"status\":502,\"times\":2}");
	assert_int_equal(count_status(d, 5, 502, NULL), 2);
	/* bad rules are refused with a problem */
	call(d, "POST", "/_sim/faults", NULL, "{\"kind\":\"explode\"}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.ctype, "application/problem+json");
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/_sim/faults", NULL, "{\"kind\":\"error\",\"rate\":2}", &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/_sim/faults", NULL, "{\"kind\":\"timeout\",\"after\":\"yes\"}", &r);
	assert_int_equal(r.status, 400);
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

static void test_timeout_and_latency_still_do_the_work(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "tax");
	add_fault(d, "[{\"kind\":\"latency\",\"ms\":40},{\"kind\":\"timeout\",\"ms\":60,\"times\":1}]");
	int64_t t0 = seam_mono_ns();
	seam_sim_resp_t r;
	call(d, "GET", "/api/v2/utilities/ping", tax_auth(), NULL, &r);
	int64_t ms = (seam_mono_ns() - t0) / 1000000;
	TH_ASSERT_CMP(ms, >=, 95);
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "authenticated")));
	assert_string_equal(seam_sim_resp_header(&r, "X-Sim-Fault"), "timeout");
	seam_sim_resp_dispose(&r);
	t0 = seam_mono_ns();
	call(d, "GET", "/api/v2/utilities/ping", tax_auth(), NULL, &r);
	ms = (seam_mono_ns() - t0) / 1000000;
	TH_ASSERT_CMP(ms, >=, 38);
	assert_string_equal(seam_sim_resp_header(&r, "X-Sim-Fault"), "latency"); /* timeout spent */
	seam_sim_resp_dispose(&r);
	simt_free(t);
}

static char *erp_token(seam_sim_double_t *d)
{
	seam_sim_resp_t r;
	call(d, "POST", "/oauth2/v2.0/token", NULL,
	     "grant_type=client_credentials&client_id=cid&client_secret=csec&scope=x", &r);
	assert_int_equal(r.status, 200);
	char *h = NULL;
	TH_ASSERT_CMP(asprintf(&h, "Authorization: Bearer %s", jstr(r.json, "access_token")), >, 0);
	seam_sim_resp_dispose(&r);
	return h;
}

/* The case that makes duplicate orders: the ERP creates the order, then the connection drops. */
static void test_drop_after_commit_commits(void **state)
{
	(void)state;
	simt_t *t = simt_new(yaml);
	seam_sim_double_t *d = simt_get(t, "erp");
	char *bearer = erp_token(d);
	const char *h[] = {bearer, "Content-Type: application/json", NULL};
	seam_sim_resp_t r;
	call(d, "GET", "/api/v2.0/companies", h, NULL, &r);
	char co[64];
	snprintf(co, sizeof co, "%s", jstr(r.json, "value.0.id"));
	seam_sim_resp_dispose(&r);
	add_fault(d, "{\"kind\":\"drop_after_commit\",\"method\":\"POST\",\"path\":\"/api/v2.0/companies\",\"times\":1}");
	const char *so = "{\"customerNumber\":\"WEB\",\"externalDocumentNumber\":\"1002\",\"salesOrderLines\":"
			 "[{\"lineType\":\"Item\",\"lineObjectNumber\":\"SKU-000001\",\"quantity\":2,\"unitPrice\":19.99}]}";
	callf(d, "POST", h, so, &r, "/api/v2.0/companies(%s)/salesOrders", co);
	assert_true(r.drop);
	seam_sim_resp_dispose(&r);
	/* the order exists although the client never heard back */
	callf(d, "GET", h, NULL, &r, "/api/v2.0/companies(%s)/salesOrders?$filter=externalDocumentNumber eq '1002'", co);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
	TH_ASSERT_CMP(json_real_value(jget(r.json, "value.0.totalAmountIncludingTax")), ==, 39.98);
	seam_sim_resp_dispose(&r);
	/* the recorded call shows the drop */
	call(d, "GET", "/_sim/calls?method=POST&path=/api/v2.0", NULL, NULL, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "calls")), 1);
	assert_true(json_is_true(jget(r.json, "calls.0.dropped")));
	assert_string_equal(jstr(r.json, "calls.0.fault"), "drop_after_commit");
	assert_string_equal(jstr(r.json, "calls.0.headers.authorization"), "Bearer [redacted]");
	seam_sim_resp_dispose(&r);
	free(bearer);
	simt_free(t);
}

static void test_calls_ring_and_reset(void **state)
{
	(void)state;
	simt_t *t = simt_new("seed: 1\nerp: {items: 2, client_id: cid, client_secret: csec}\ncalls: 10\n");
	seam_sim_double_t *d = simt_get(t, "erp");
	char *bearer = erp_token(d);
	const char *h[] = {bearer, NULL};
	seam_sim_resp_t r;
	for (int i = 0; i < 14; i++) {
		call(d, "GET", "/api/v2.0/companies", h, NULL, &r);
		seam_sim_resp_dispose(&r);
	}
	call(d, "GET", "/_sim/calls", NULL, NULL, &r);
	json_t *calls = json_object_get(r.json, "calls");
	assert_int_equal(json_array_size(calls), 10); /* bounded */
	assert_int_equal(json_integer_value(jget(r.json, "last_seq")), 15);
	assert_int_equal(json_integer_value(jget(calls, "9.seq")), 15);
	int64_t since = json_integer_value(jget(calls, "7.seq"));
	seam_sim_resp_dispose(&r);
	callf(d, "GET", NULL, NULL, &r, "/_sim/calls?since=%lld", (long long)since);
	assert_int_equal(json_array_size(json_object_get(r.json, "calls")), 2);
	seam_sim_resp_dispose(&r);
	/* the token call's body (client secret) is never recorded */
	call(d, "POST", "/oauth2/v2.0/token", NULL, "grant_type=client_credentials&client_id=cid&client_secret=csec", &r);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/_sim/calls?path=/oauth2", NULL, NULL, &r);
	assert_string_equal(jstr(r.json, "calls.0.body"), "[redacted]");
	assert_null(strstr(r.body, "csec"));
	seam_sim_resp_dispose(&r);
	call(d, "POST", "/_sim/reset", NULL, "{\"data\":true}", &r);
	assert_int_equal(r.status, 200);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/_sim/calls", NULL, NULL, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "calls")), 0);
	seam_sim_resp_dispose(&r);
	/* data reset: the old token is gone too */
	call(d, "GET", "/api/v2.0/companies", h, NULL, &r);
	assert_int_equal(r.status, 401);
	seam_sim_resp_dispose(&r);
	call(d, "GET", "/nope", NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	seam_sim_resp_dispose(&r);
	call(d, "PUT", "/_sim/faults", NULL, NULL, &r);
	assert_int_equal(r.status, 405);
	assert_non_null(strstr(seam_sim_resp_header(&r, "Allow"), "GET"));
	seam_sim_resp_dispose(&r);
	free(bearer);
	simt_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_rate_within_3_percent),
		cmocka_unit_test(test_rate_limit_and_drop_rates),
		cmocka_unit_test(test_scoping_outage_times),
		cmocka_unit_test(test_timeout_and_latency_still_do_the_work),
		cmocka_unit_test(test_drop_after_commit_commits),
		cmocka_unit_test(test_calls_ring_and_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
