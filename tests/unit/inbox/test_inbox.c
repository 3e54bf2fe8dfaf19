/*
 * test_inbox.c: the inbox (src/inbox/inbox.c) on a real SQLite store: a new event is stored
 * with its raw bytes and linked to its job; a redelivery is a duplicate that writes and
 * enqueues nothing; events sharing a job's dedup key share the job; a rollback takes the event
 * and its job back together; quarantine keeps the reason and the bytes; the readers ctl and
 * the flows use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inbox/inbox.h"

typedef struct fx {
	char dir[64];
	seam_store_t *st;
	seam_db_t *db;
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	char url[128];
	seam_error_t err = {0};
	snprintf(f->dir, sizeof f->dir, "/tmp/seam-inbox-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(url, sizeof url, "sqlite://%s/t.db", f->dir);
	seam_store_opts_t so = {.migrate = 1, .pool_size = 2};
	if (seam_store_open(url, &so, &f->st, &err) != SEAM_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	f->db = seam_store_acquire(f->st);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	char path[128];
	seam_store_release(f->st, f->db);
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

/* One text (or count) from a query with no parameters; "" when no row. */
static const char *one(fx_t *f, const char *sql, char *buf, size_t cap)
{
	seam_stmt_t *s;
	buf[0] = '\0';
	assert_int_equal(seam_db_prepare(f->db, sql, &s, NULL), SEAM_OK);
	if (seam_stmt_step(s, NULL) == SEAM_ROW && seam_stmt_column_text(s, 0))
		snprintf(buf, cap, "%s", seam_stmt_column_text(s, 0));
	seam_stmt_reset(s);
	return buf;
}

static long count(fx_t *f, const char *sql)
{
	char buf[32];
	return atol(one(f, sql, buf, sizeof buf));
}

static seam_inbox_event_t event(const char *id, const char *body, size_t len)
{
	return (seam_inbox_event_t){.provider = "stripe", .source = "eu", .event_id = id,
				    .event_type = "payment_intent.succeeded", .body = body,
				    .len = len, .headers = "{\"User-Agent\":\"Stripe/1.0\"}",
				    .correlation_id = "cid-1"};
}

/* New: stored as received (only len bytes), its job enqueued and linked. Again: duplicate,
 * nothing written, nothing enqueued. */
static void test_add_then_redelivery(void **state)
{
	fx_t *f = *state;
	char buf[256];
	seam_error_t err = {0};
	seam_inbox_added_t a, b;
	seam_job_spec_t job = {.kind = "payment.apply", .flow = "payments",
			       .payload = "{\"event_id\":\"evt_1\"}", .correlation_id = "cid-1"};
	const char raw[] = "{\"id\":\"evt_1\"}TRAILING";
	seam_inbox_event_t ev = event("evt_1", raw, 14);

	assert_int_equal(seam_inbox_add(f->db, NULL, &ev, &job, &a, &err), SEAM_OK);
	assert_int_equal(a.duplicate, 0);
	assert_int_equal(strlen(a.id), 36);
	assert_int_equal(strlen(a.job_id), 36);
	assert_string_equal(one(f, "SELECT body FROM inbox WHERE event_id = 'evt_1'", buf, sizeof buf),
			    "{\"id\":\"evt_1\"}");
	assert_string_equal(one(f, "SELECT j.kind FROM jobs j JOIN inbox i ON i.job_id = j.id", buf,
				sizeof buf), "payment.apply");
	assert_string_equal(one(f, "SELECT headers FROM inbox", buf, sizeof buf),
			    "{\"User-Agent\":\"Stripe/1.0\"}");

	assert_int_equal(seam_inbox_add(f->db, NULL, &ev, &job, &b, &err), SEAM_OK);
	assert_int_equal(b.duplicate, 1);
	assert_string_equal(b.job_id, "");
	assert_int_equal(count(f, "SELECT count(*) FROM inbox"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM jobs"), 1);

	/* The same id from another store is another event. */
	ev.source = "us";
	assert_int_equal(seam_inbox_add(f->db, NULL, &ev, NULL, &b, &err), SEAM_OK);
	assert_int_equal(b.duplicate, 0);
	assert_string_equal(b.job_id, "");
	assert_int_equal(count(f, "SELECT count(*) FROM inbox WHERE job_id IS NULL"), 1);

	ev.event_id = NULL;
	assert_int_equal(seam_inbox_add(f->db, NULL, &ev, NULL, &b, &err), SEAM_INVAL);
}

/* Two storefront events about one order share its export job (dedup key); the second event
 * is still stored and linked to that job. */
static void test_shared_job(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_inbox_added_t a, b;
	seam_job_spec_t job = {.kind = "order.export", .flow = "orders",
			       .dedup_key = "export:eu:o-1", .payload = "{}"};
	seam_inbox_event_t e1 = event("msg_1", "{}", 2), e2 = event("msg_2", "{}", 2);
	e1.provider = e2.provider = "drupal";

	assert_int_equal(seam_inbox_add(f->db, NULL, &e1, &job, &a, &err), SEAM_OK);
	assert_int_equal(a.job_existed, 0);
	assert_int_equal(seam_inbox_add(f->db, NULL, &e2, &job, &b, &err), SEAM_OK);
	assert_int_equal(b.duplicate, 0);
	assert_int_equal(b.job_existed, 1);
	assert_string_equal(b.job_id, a.job_id);
	assert_int_equal(count(f, "SELECT count(*) FROM jobs"), 1);
	assert_int_equal(count(f, "SELECT count(DISTINCT job_id) FROM inbox WHERE provider = 'drupal'"), 1);
	/* both rows name the job that exists: the first took the id it was stored with, the
	 * second was pointed at it */
	assert_int_equal(count(f, "SELECT count(*) FROM inbox i JOIN jobs j ON j.id = i.job_id "
				  "WHERE i.provider = 'drupal'"), 2);
}

/* Event and job are one unit: rolled back together. */
static void test_rollback_takes_both(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_inbox_added_t a;
	seam_job_spec_t job = {.kind = "payment.apply", .flow = "payments", .payload = "{}"};
	seam_inbox_event_t ev = event("evt_rb", "{}", 2);
	assert_int_equal(seam_db_begin(f->db, &err), SEAM_OK);
	assert_int_equal(seam_inbox_add(f->db, NULL, &ev, &job, &a, &err), SEAM_OK);
	assert_int_equal(seam_db_rollback(f->db), SEAM_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM inbox"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM jobs"), 0);
	/* and the event is new again afterwards */
	assert_int_equal(seam_inbox_add(f->db, NULL, &ev, &job, &a, &err), SEAM_OK);
	assert_int_equal(a.duplicate, 0);
}

static void test_quarantine(void **state)
{
	fx_t *f = *state;
	char buf[256];
	seam_error_t err = {0};
	seam_inbox_event_t ev = event(NULL, "not json{", 9);
	assert_int_equal(seam_inbox_quarantine(f->db, &ev, "malformed_json", &err), SEAM_OK);
	assert_string_equal(one(f, "SELECT reason || '|' || body || '|' || coalesce(event_id, '-') "
				   "|| '|' || correlation_id FROM quarantine", buf, sizeof buf),
			    "malformed_json|not json{|-|cid-1");
	assert_int_equal(count(f, "SELECT count(*) FROM inbox"), 0);
}

/* A contract violation's reason: the stable word, the contract, every error as
 * "pointer: detail (keyword)", within SEAM_INBOX_REASON_MAX however many errors there are. */
static void test_contract_reason(void **state)
{
	(void)state;
	json_t *basic = json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]", "instanceLocation",
				  "/data/object", "keywordLocation", "/properties/data/properties/object/required",
				  "absoluteKeywordLocation", "seam:contracts/stripe/v1/event.schema.json#/x",
				  "error", "required property \"id\" is missing", "instanceLocation",
				  "/data/object/amount", "keywordLocation", "/properties/data/type",
				  "absoluteKeywordLocation", "seam:contracts/stripe/v1/event.schema.json#/y",
				  "error", "must be integer");
	char *r = seam_inbox_contract_reason("stripe.event@v1", basic);
	assert_non_null(r);
	if (strncmp(r, "contract_violation: stripe.event@v1: /data/object: ", 51) != 0 ||
	    !strstr(r, "(required)") || !strstr(r, "/data/object/amount: must be integer (type)"))
		fail_msg("got \"%s\"", r);
	free(r);
	for (int i = 0; i < 500; i++)
		json_array_append(basic, json_array_get(basic, 1));
	r = seam_inbox_contract_reason("stripe.event@v1", basic);
	assert_non_null(r);
	assert_true(strlen(r) <= SEAM_INBOX_REASON_MAX);
	assert_int_equal(strncmp(r, "contract_violation: stripe.event@v1: ", 37), 0);
	free(r);
	json_decref(basic);
}

/* The readers: the body a job works on, the event ctl shows, the jobs of an event. */
static void test_readers(void **state)
{
	fx_t *f = *state;
	seam_error_t err = {0};
	seam_inbox_added_t a;
	seam_job_spec_t job = {.kind = "payment.apply", .flow = "payments", .payload = "{}"};
	seam_inbox_event_t ev = event("evt_r", "{\"id\":\"evt_r\"}", 14);
	char *body = NULL;
	json_t *e = NULL, *ids = json_array();

	assert_int_equal(seam_inbox_add(f->db, NULL, &ev, &job, &a, &err), SEAM_OK);
	assert_int_equal(seam_inbox_body(f->db, "stripe", "eu", "evt_r", &body, &err), SEAM_OK);
	assert_string_equal(body, "{\"id\":\"evt_r\"}");
	free(body);
	assert_int_equal(seam_inbox_body(f->db, "stripe", "us", "evt_r", &body, &err), SEAM_NOTFOUND);
	assert_null(body);
	assert_string_equal(err.msg, "inbox has no event stripe/us/evt_r");

	assert_int_equal(seam_inbox_find(f->st, "evt_r", &e, &body, &err), SEAM_OK);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "provider")), "stripe");
	assert_string_equal(json_string_value(json_object_get(e, "source")), "eu");
	assert_string_equal(json_string_value(json_object_get(e, "type")), "payment_intent.succeeded");
	assert_string_equal(json_string_value(json_object_get(e, "job_id")), a.job_id);
	assert_int_equal(strlen(json_string_value(json_object_get(e, "received_at"))), 24);
	assert_string_equal(body, "{\"id\":\"evt_r\"}");
	free(body);
	json_decref(e);
	assert_int_equal(seam_inbox_find(f->st, "evt_none", &e, NULL, &err), SEAM_OK);
	assert_null(e);

	assert_int_equal(seam_inbox_job_ids(f->st, "stripe", "evt_r", ids, &err), SEAM_OK);
	assert_int_equal(json_array_size(ids), 1);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), a.job_id);
	assert_int_equal(seam_inbox_job_ids(f->st, "adyen", "evt_r", ids, &err), SEAM_OK);
	assert_int_equal(json_array_size(ids), 1);
	json_decref(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_then_redelivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_takes_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine, setup, teardown),
		cmocka_unit_test(test_contract_reason),
		cmocka_unit_test_setup_teardown(test_readers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
