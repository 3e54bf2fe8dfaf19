/*
 * test_catalog_runs.c: the catalog flow's runs as the store keeps them (catalog_runs.c): one
 * run at a time per store (also when several threads start one at once), the run's job
 * enqueued with it, the run as JSON in the shape of the rest.catalog-run contract, the newest
 * runs of a store, a dry run's plan in order.
 */
#include "tests/unit/queue/qtest.h"

#include <pthread.h>

#include "contract/registry.h"
#include "flows/catalog.h"

static int setup(void **state)
{
	qt_env_t *env = calloc(1, sizeof *env);
	qt_open(env);
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	qt_env_t *env = *state;
	qt_close(env);
	free(env);
	return 0;
}

static seam_err_t start(qt_env_t *env, const char *store, const char *mode, int dry,
			char id[SEAM_UUID_STR_LEN], seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(env->st);
	seam_err_t rc = seam_catalog_run_start(db, NULL, store, "ecommerce", mode, dry, NULL, id, err);
	seam_store_release(env->st, db);
	return rc;
}

static void test_one_run_per_store(void **state)
{
	qt_env_t *env = *state;
	char a[SEAM_UUID_STR_LEN], b[SEAM_UUID_STR_LEN], c[SEAM_UUID_STR_LEN];
	seam_error_t err = {0};
	assert_int_equal(start(env, "us", SEAM_CATALOG_FULL, 0, a, &err), SEAM_OK);
	/* a second start names the run that is going */
	assert_int_equal(start(env, "us", SEAM_CATALOG_INCREMENTAL, 0, b, &err), SEAM_EXISTS);
	assert_string_equal(a, b);
	assert_non_null(strstr(err.msg, a));
	/* another store is another matter */
	assert_int_equal(start(env, "eu", SEAM_CATALOG_INCREMENTAL, 0, c, &err), SEAM_OK);
	assert_string_not_equal(a, c);
	/* each run has its job, deduplicated by the run */
	char key[64];
	snprintf(key, sizeof key, "run:%s", a);
	assert_int_equal(qt_int(env->st,
				"SELECT COUNT(*) FROM jobs WHERE flow = 'catalog' AND kind = 'catalog.run' "
				"AND dedup_key = $1",
				key),
			 1);
	assert_int_equal(qt_int(env->st, "SELECT COUNT(*) FROM jobs WHERE kind = 'catalog.run'", NULL), 2);
	/* once the first is over, the store may start again */
	qt_exec(env->st, "UPDATE catalog_runs SET state = 'done' WHERE store = 'us'");
	assert_int_equal(start(env, "us", SEAM_CATALOG_INCREMENTAL, 0, b, &err), SEAM_OK);
	assert_string_not_equal(a, b);
	/* bad arguments are refused before anything is written */
	assert_int_equal(start(env, "us", "sideways", 0, c, &err), SEAM_INVAL);
	assert_int_equal(start(env, "", SEAM_CATALOG_FULL, 0, c, &err), SEAM_INVAL);
	assert_int_equal(qt_int(env->st, "SELECT COUNT(*) FROM catalog_runs", NULL), 3);
}

typedef struct racer {
	qt_env_t *env;
	seam_err_t rc;
	char id[SEAM_UUID_STR_LEN];
} racer_t;

static void *race(void *arg)
{
	racer_t *r = arg;
	seam_error_t err = {0};
	r->rc = start(r->env, "us", SEAM_CATALOG_INCREMENTAL, 0, r->id, &err);
	return NULL;
}

/* The schedule and operators starting runs at once: exactly one wins, the rest name it. */
static void test_concurrent_starts(void **state)
{
	qt_env_t *env = *state;
	enum { N = 8 };
	pthread_t t[N];
	racer_t r[N];
	for (int i = 0; i < N; i++) {
		r[i] = (racer_t){.env = env};
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	int ok = 0;
	const char *winner = NULL;
	for (int i = 0; i < N; i++)
		if (r[i].rc == SEAM_OK) {
			ok++;
			winner = r[i].id;
		}
	assert_int_equal(ok, 1);
	for (int i = 0; i < N; i++) {
		assert_true(r[i].rc == SEAM_OK || r[i].rc == SEAM_EXISTS);
		assert_string_equal(r[i].id, winner);
	}
	assert_int_equal(qt_int(env->st, "SELECT COUNT(*) FROM catalog_runs", NULL), 1);
}

static void test_run_json_is_the_contract(void **state)
{
	qt_env_t *env = *state;
	char id[SEAM_UUID_STR_LEN];
	seam_error_t err = {0};
	json_t *run = NULL;
	assert_int_equal(start(env, "us", SEAM_CATALOG_FULL, 1, id, &err), SEAM_OK);
	assert_int_equal(seam_catalog_run_get(env->st, id, &run, &err), SEAM_OK);
	assert_string_equal(json_string_value(json_object_get(run, "id")), id);
	assert_string_equal(json_string_value(json_object_get(run, "state")), "queued");
	assert_true(json_is_true(json_object_get(run, "dry_run")));
	assert_true(json_is_null(json_object_get(run, "total")));
	assert_true(json_is_null(json_object_get(run, "finished_at")));
	assert_int_equal(json_integer_value(json_object_get(run, "seen")), 0);
	assert_true(json_is_false(json_object_get(run, "paused")));

	seam_contracts_t *reg = NULL;
	assert_int_equal(seam_contracts_open(&reg, &err), SEAM_OK);
	const seam_contract_t *c = seam_contracts_find(reg, "rest.catalog-run@v1");
	assert_non_null(c);
	json_t *errors = NULL;
	if (!seam_contract_validate(c, run, &errors)) {
		char *t = seam_contract_errors_text(errors, 2000);
		fail_msg("run does not meet rest.catalog-run@v1: %s", t);
	}
	json_decref(errors);
	json_decref(run);

	/* a finished run with its counters, a running flow paused */
	qt_exec(env->st, "UPDATE catalog_runs SET state = 'done', phase = 'done', total = 12, "
			 "seen = 12, enqueued = 5, finished = 5, created = 2, unchanged = 3, "
			 "mark = '2026-12-01 10:00:00', finished_at = created_at + 1500");
	qt_exec(env->st, "INSERT INTO flows (name, paused) VALUES ('catalog', 1) "
			 "ON CONFLICT (name) DO UPDATE SET paused = 1");
	assert_int_equal(seam_catalog_run_get(env->st, id, &run, &err), SEAM_OK);
	assert_int_equal(json_integer_value(json_object_get(run, "total")), 12);
	assert_int_equal(json_integer_value(json_object_get(run, "created")), 2);
	assert_string_equal(json_string_value(json_object_get(run, "mark")), "2026-12-01 10:00:00");
	assert_true(json_is_string(json_object_get(run, "finished_at")));
	assert_true(json_is_true(json_object_get(run, "paused")));
	errors = NULL;
	assert_true(seam_contract_validate(c, run, &errors));
	json_decref(errors);
	json_decref(run);
	seam_contracts_close(reg);

	assert_int_equal(seam_catalog_run_get(env->st, "00000000-0000-4000-8000-000000000000", &run,
					      &err),
			 SEAM_NOTFOUND);
	assert_null(run);
}

static void test_list_newest_first(void **state)
{
	qt_env_t *env = *state;
	char ids[5][SEAM_UUID_STR_LEN];
	seam_error_t err = {0};
	json_t *list = NULL;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(start(env, i % 2 ? "eu" : "us", SEAM_CATALOG_INCREMENTAL, 0, ids[i], &err),
				 SEAM_OK);
		char sql[160];
		snprintf(sql, sizeof sql, "UPDATE catalog_runs SET state = 'done', created_at = %d WHERE id = '%s'",
			 1000 + i, ids[i]);
		qt_exec(env->st, sql);
	}
	assert_int_equal(seam_catalog_run_list(env->st, "us", 10, &list, &err), SEAM_OK);
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), ids[4]);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "id")), ids[0]);
	json_decref(list);
	assert_int_equal(seam_catalog_run_list(env->st, NULL, 2, &list, &err), SEAM_OK);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), ids[4]);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "id")), ids[3]);
	json_decref(list);
	assert_int_equal(seam_catalog_run_list(env->st, "nowhere", 10, &list, &err), SEAM_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

static void test_plan_in_order(void **state)
{
	qt_env_t *env = *state;
	char id[SEAM_UUID_STR_LEN];
	seam_error_t err = {0};
	json_t *plan = NULL;
	assert_int_equal(start(env, "us", SEAM_CATALOG_FULL, 1, id, &err), SEAM_OK);
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO catalog_plan (run_id, seq, action, entity, item_key, diff) VALUES "
		 "('%s', 2, 'update', 'variation', 'SKU-1', '{\"price\":{\"from\":\"1.00\",\"to\":\"2.00\"}}'), "
		 "('%s', 1, 'create', 'product', 'model_1', NULL), "
		 "('%s', 3, 'unpublish', 'product', 'model_9', NULL)",
		 id, id, id);
	qt_exec(env->st, sql);
	assert_int_equal(seam_catalog_plan_get(env->st, id, &plan, &err), SEAM_OK);
	assert_int_equal(json_array_size(plan), 3);
	json_t *p0 = json_array_get(plan, 0), *p1 = json_array_get(plan, 1);
	assert_string_equal(json_string_value(json_object_get(p0, "action")), "create");
	assert_true(json_is_null(json_object_get(p0, "diff")));
	assert_string_equal(json_string_value(json_object_get(p1, "key")), "SKU-1");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(p1, "diff"), "price"), "to")),
			    "2.00");
	json_decref(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_run_per_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_starts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_json_is_the_contract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_in_order, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
