/*
 * test_ctl_trace.c: `seam ctl trace` (src/ctl/ctl_trace.c) on a store filled as the flows fill
 * it: found by order number, by PSP payment id and by provider event id; the header shows the
 * payment's state; the timeline and jobs are the order's only; --json after the command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "store/store.h"

#define U "0190a000-0000-7000-8000-000000000001" /* the order traced */
#define V "0190a000-0000-7000-8000-000000000002" /* another order, same correlation id */

typedef struct fx {
	char dir[64], url[128];
	seam_store_t *st;
} fx_t;

static void run(seam_store_t *st, const char *sql)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_error_t err = {0};
	seam_err_t rc = seam_db_run(db, sql, NULL, 0, NULL, &err);
	seam_store_release(st, db);
	if (rc != SEAM_OK)
		fail_msg("%s: %s", sql, err.msg);
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	seam_error_t err = {0};
	snprintf(f->dir, sizeof f->dir, "/tmp/seam-trace-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->url, sizeof f->url, "sqlite://%s/t.db", f->dir);
	seam_store_opts_t so = {.migrate = 1, .pool_size = 2};
	if (seam_store_open(f->url, &so, &f->st, &err) != SEAM_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	/* order 101 of store us, exported; paid with Stripe pi_1 (event evt_1, worked); a second
	 * Stripe event evt_2 whose job has not run yet; order V shares a correlation id */
	run(f->st, "INSERT INTO orders (store, order_uuid, order_number, order_state, export_state, "
		   "erp_number, total, currency, correlation_id, first_seen_at, updated_at) VALUES "
		   "('us', '" U "', '101', 'completed', 'written_back', 'S-ORD101001', '39.98', 'USD', "
		   "'c1', 1, 1), ('us', '" V "', '102', 'completed', 'written_back', 'S-ORD101002', "
		   "'5.00', 'USD', 'c1', 1, 1)");
	run(f->st, "INSERT INTO payment_refs (provider, remote_id, store, order_uuid, payment_uuid, "
		   "state, amount, refunded, currency, updated_at) VALUES ('stripe', 'pi_1', 'us', '" U
		   "', 'p-uuid-1', 'completed', '39.98', '0', 'USD', 5)");
	run(f->st, "INSERT INTO payment_events (provider, event_id, remote_id, type, amount_minor, "
		   "currency, cumulative, captured_total, outcome, created_at) VALUES ('stripe', "
		   "'evt_1', 'pi_1', 'captured', 3998, 'USD', 1, 3998, 'plan', 5)");
	run(f->st, "INSERT INTO inbox (id, provider, source, event_id, event_type, body, headers, "
		   "correlation_id, received_at, job_id) VALUES ('i1', 'stripe', 'us', 'evt_1', "
		   "'payment_intent.succeeded', '{}', '{}', 'c2', 4, 'j-pay'), ('i2', 'stripe', 'us', "
		   "'evt_2', 'charge.refunded', '{}', '{}', 'c3', 6, 'j-pay2')");
	run(f->st, "INSERT INTO jobs (id, kind, flow, dedup_key, payload, state, attempts, "
		   "max_attempts, run_at, correlation_id, created_at, updated_at) VALUES "
		   "('j-exp', 'order.export', 'orders', 'export:us:" U "', '{\"store\":\"us\",\"order_uuid\":\"" U "\"}', "
		   "'succeeded', 1, 10, 1, 'c1', 1, 2), "
		   "('j-exp2', 'order.export', 'orders', 'export:us:" V "', '{\"store\":\"us\",\"order_uuid\":\"" V "\"}', "
		   "'succeeded', 1, 10, 1, 'c1', 1, 2), "
		   "('j-pay', 'payment.apply', 'payments', NULL, '{\"provider\":\"stripe\",\"source\":\"us\",\"event_id\":\"evt_1\"}', "
		   "'succeeded', 1, 10, 4, 'c2', 4, 5), "
		   "('j-pay2', 'payment.apply', 'payments', NULL, '{\"provider\":\"stripe\",\"source\":\"us\",\"event_id\":\"evt_2\"}', "
		   "'queued', 0, 10, 6, 'c3', 6, 6)");
	run(f->st, "INSERT INTO timeline (id, entity_type, entity_id, correlation_id, system, event, "
		   "detail, created_at) VALUES "
		   "('t1', 'order', '" U "', 'c1', 'seam', 'poller.found', '{\"store\":\"us\"}', 1), "
		   "('t2', 'order', '" V "', 'c1', 'seam', 'poller.found', '{\"store\":\"us\"}', 1), "
		   "('t3', 'order', '" U "', 'c1', 'erp', 'export.created', '{\"erp_number\":\"S-ORD101001\"}', 2), "
		   "('t4', 'order', '" U "', 'c2', 'stripe', 'payment.applied', '{\"event_id\":\"evt_1\"}', 5), "
		   "('t5', 'poll', 'us', 'c1', 'drupal', 'poll.run', '{\"enqueued\":2}', 1)");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	char path[128];
	seam_store_close(f->st);
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/t.db%s", f->dir, sfx[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Runs trace with argv (NULL-terminated, after "trace"); returns the exit code, *out the
 * standard output (owned). */
static int trace(fx_t *f, char **out, const char *a1, const char *a2, const char *a3)
{
	size_t len = 0, elen = 0;
	char *err = NULL;
	seam_ctl_ctx_t ctx = {.store = f->st};
	ctx.out = open_memstream(out, &len);
	ctx.err = open_memstream(&err, &elen);
	char *argv[] = {"trace", (char *)a1, (char *)a2, (char *)a3, NULL};
	int argc = 1 + (a1 != NULL) + (a2 != NULL) + (a3 != NULL);
	int rc = seam_ctl_trace(&ctx, argc, argv);
	fclose(ctx.out);
	fclose(ctx.err);
	if (err && *err)
		fprintf(stderr, "  stderr: %s", err);
	free(err);
	return rc;
}

static json_t *trace_json(fx_t *f, const char *arg)
{
	char *out = NULL;
	int rc = trace(f, &out, arg, "--json", NULL);
	json_t *doc = json_loads(out, 0, NULL);
	if (rc != 0 || !doc)
		fail_msg("trace %s --json: exit %d, output %s", arg, rc, out);
	free(out);
	return doc;
}

static const char *s(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* By PSP payment id and by provider event id: the order they were about, with its payment. */
static void test_by_payment_id_and_event_id(void **state)
{
	fx_t *f = *state;
	const char *args[] = {"pi_1", "evt_1", "101", U};
	for (size_t i = 0; i < sizeof args / sizeof *args; i++) {
		json_t *t = trace_json(f, args[i]);
		if (strcmp(s(t, "order_uuid") ? s(t, "order_uuid") : "", U))
			fail_msg("trace %s: order %s, want " U, args[i], s(t, "order_uuid"));
		json_t *p = json_array_get(json_object_get(t, "payments"), 0);
		assert_string_equal(s(p, "remote_id"), "pi_1");
		assert_string_equal(s(p, "state"), "completed");
		assert_string_equal(s(json_array_get(json_object_get(t, "orders"), 0), "order_number"), "101");
		json_decref(t);
	}
}

/* The order's entries and jobs only (not V's, though they share correlation id c1), and its
 * payment jobs too. */
static void test_only_the_orders_entries_and_jobs(void **state)
{
	fx_t *f = *state;
	json_t *t = trace_json(f, "101"), *e;
	size_t i;
	json_t *tl = json_object_get(t, "timeline");
	assert_int_equal(json_array_size(tl), 3);
	json_array_foreach(tl, i, e)
		assert_string_equal(s(e, "entity_id"), U);
	json_t *jobs = json_object_get(t, "jobs");
	assert_int_equal(json_array_size(jobs), 2);
	assert_string_equal(s(json_array_get(jobs, 0), "id"), "j-exp");
	assert_string_equal(s(json_array_get(jobs, 1), "id"), "j-pay");
	json_decref(t);
	/* a correlation id still shows everything under it, the poll run included */
	t = trace_json(f, "c1");
	assert_int_equal(json_array_size(json_object_get(t, "timeline")), 4);
	json_decref(t);
}

/* The human header: the order line, then the payment's state. */
static void test_header_shows_payment_state(void **state)
{
	fx_t *f = *state;
	char *out = NULL;
	assert_int_equal(trace(f, &out, "101", NULL, NULL), 0);
	const char *want[] = {
		"order " U "  store us  number 101  state completed  export written_back  ERP S-ORD101001  total 39.98 USD\n",
		"payment stripe pi_1  state completed  amount 39.98 USD  refunded 0  drupal payment p-uuid-1\n",
		"timeline (3 entries)",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		if (!strstr(out, want[i]))
			fail_msg("want %s\ngot:\n%s", want[i], out);
	free(out);
}

/* An event whose job has not run: shown with its job, exit 0; --json anywhere after the
 * command; anything else extra is a usage error. */
static void test_queued_event_and_arguments(void **state)
{
	fx_t *f = *state;
	char *out = NULL;
	json_t *t = trace_json(f, "evt_2");
	assert_string_equal(s(json_object_get(t, "event"), "provider"), "stripe");
	assert_string_equal(s(json_array_get(json_object_get(t, "jobs"), 0), "state"), "queued");
	assert_null(json_object_get(t, "order_uuid"));
	json_decref(t);
	assert_int_equal(trace(f, &out, "--json", "101", NULL), 0);
	json_decref(t = json_loads(out, 0, NULL));
	assert_non_null(t);
	free(out);
	assert_int_equal(trace(f, &out, "101", "102", NULL), 2);
	free(out);
	assert_int_equal(trace(f, &out, "nothing-like-this", NULL, NULL), 1);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_payment_id_and_event_id),
		cmocka_unit_test(test_only_the_orders_entries_and_jobs),
		cmocka_unit_test(test_header_shows_payment_state),
		cmocka_unit_test(test_queued_event_and_arguments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
