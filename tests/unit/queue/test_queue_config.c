/* test_queue_config.c: the `queue:` section (src/queue/queue_config.c) is the one place the
 * queue's defaults are written: every row's default parses, the values are the documented
 * ones, and a queue (and an enqueue without one) given no setting uses them. */
#include "tests/unit/queue/qtest.h"

#include "queue/queue.h"
#include "queue/queue_config.h"

static void test_defaults_from_the_table(void **state)
{
	seam_queue_config_t c;
	(void)state;
	memset(&c, 0xff, sizeof c);
	seam_queue_config_defaults(&c); /* asserts every default in the table parses */
	assert_int_equal(c.workers, 4);
	assert_int_equal(c.lease_ms, 30000);
	assert_int_equal(c.poll_ms, 250);
	assert_int_equal(c.backoff_base_ms, 1000);
	assert_int_equal(c.backoff_cap_ms, 600000);
	assert_int_equal(c.max_attempts, 10);
	assert_int_equal(c.batch_max, 256);
	assert_int_equal(c.retain_ms, 7LL * 24 * 3600 * 1000);
}

/* A job enqueued with no max_attempts gets the table's, with a queue of zeroed options and
 * with no queue at all. */
static void test_enqueue_takes_the_table_default(void **state)
{
	qt_env_t env;
	seam_queue_t *q = NULL;
	seam_queue_config_t c;
	seam_error_t e = {0};
	char id[SEAM_UUID_STR_LEN], id2[SEAM_UUID_STR_LEN];
	(void)state;
	qt_open(&env);
	seam_queue_config_defaults(&c);
	assert_int_equal(seam_queue_create(env.st, &(seam_queue_opts_t){0}, &q, &e), SEAM_OK);
	seam_db_t *db = seam_store_acquire(env.st);
	assert_int_equal(seam_queue_enqueue(q, db, &(seam_job_spec_t){.kind = "k"}, id, NULL, &e),
			 SEAM_OK);
	assert_int_equal(seam_queue_enqueue(NULL, db, &(seam_job_spec_t){.kind = "k2"}, id2, NULL, &e),
			 SEAM_OK);
	seam_store_release(env.st, db);
	assert_int_equal(qt_int(env.st, "SELECT max_attempts FROM jobs WHERE id = $1", id),
			 c.max_attempts);
	assert_int_equal(qt_int(env.st, "SELECT max_attempts FROM jobs WHERE id = $1", id2),
			 c.max_attempts);
	seam_queue_destroy(q);
	qt_close(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_from_the_table),
		cmocka_unit_test(test_enqueue_takes_the_table_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
