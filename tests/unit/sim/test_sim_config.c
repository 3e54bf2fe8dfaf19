/*
 * test_sim_config.c: sim.yaml parsing: YAML scalars to JSON types, line numbers in errors,
 * secrets from env and files, unknown keys refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/sim.h"
#include "sim/sim_config.h"

static void test_types_and_lines(void **state)
{
	(void)state;
	seam_sim_config_t *cfg = NULL;
	seam_error_t err = {0};
	assert_int_equal(seam_sim_config_load_string("seed: 42\n"
						     "name: 'quoted 7'\n"
						     "rate: 0.25\n"
						     "on: true\n"
						     "none: ~\n"
						     "list:\n"
						     "  - a\n"
						     "  - 8\n",
						     "t.yaml", &cfg, &err),
			 SEAM_OK);
	json_t *root = seam_sim_config_root(cfg);
	assert_int_equal(json_integer_value(json_object_get(root, "seed")), 42);
	assert_string_equal(json_string_value(json_object_get(root, "name")), "quoted 7");
	assert_true(json_is_real(json_object_get(root, "rate")));
	assert_true(json_is_true(json_object_get(root, "on")));
	assert_true(json_is_null(json_object_get(root, "none")));
	assert_int_equal(json_integer_value(json_array_get(json_object_get(root, "list"), 1)), 8);
	assert_int_equal(seam_sim_config_line(cfg, json_object_get(root, "rate")), 3);
	int64_t v;
	assert_int_equal(seam_sim_cfg_int(cfg, root, "rate", 0, 0, 10, &v, &err), SEAM_CONFIG);
	assert_string_equal(err.msg, "t.yaml:3: rate: expected an integer");
	seam_sim_config_destroy(cfg);

	assert_int_equal(seam_sim_config_load_string("a: 1\na: 2\n", "d.yaml", &cfg, &err), SEAM_CONFIG);
	assert_non_null(strstr(err.msg, "d.yaml:2: duplicate key \"a\""));
	assert_int_equal(seam_sim_config_load_string("a: [1, 2\n", "s.yaml", &cfg, &err), SEAM_CONFIG);
	assert_non_null(strstr(err.msg, "s.yaml:"));
}

static void test_secrets(void **state)
{
	(void)state;
	char dir[] = "/tmp/simcfgXXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], yaml[512];
	snprintf(path, sizeof path, "%s/secret", dir);
	FILE *f = fopen(path, "w");
	fputs("s3cret-from-file\n", f);
	fclose(f);
	setenv("SEAM_SIM_TEST_SECRET", "from-env", 1);
	snprintf(yaml, sizeof yaml,
		 "a: {env: SEAM_SIM_TEST_SECRET}\nb: {file: %s}\nc: {env: SEAM_SIM_NOT_SET_X}\nd: [1]\n",
		 path);
	seam_sim_config_t *cfg = NULL;
	seam_error_t err = {0};
	assert_int_equal(seam_sim_config_load_string(yaml, "s.yaml", &cfg, &err), SEAM_OK);
	json_t *root = seam_sim_config_root(cfg);
	char *s = NULL;
	assert_int_equal(seam_sim_cfg_secret(cfg, root, "a", NULL, &s, &err), SEAM_OK);
	assert_string_equal(s, "from-env");
	free(s);
	assert_int_equal(seam_sim_cfg_secret(cfg, root, "b", NULL, &s, &err), SEAM_OK);
	assert_string_equal(s, "s3cret-from-file");
	free(s);
	assert_int_equal(seam_sim_cfg_secret(cfg, root, "c", NULL, &s, &err), SEAM_CONFIG);
	assert_non_null(strstr(err.msg, "s.yaml:3: c: environment variable SEAM_SIM_NOT_SET_X is not set"));
	assert_int_equal(seam_sim_cfg_secret(cfg, root, "d", NULL, &s, &err), SEAM_CONFIG);
	assert_int_equal(seam_sim_cfg_secret(cfg, root, "missing", "dflt", &s, &err), SEAM_OK);
	assert_string_equal(s, "dflt");
	free(s);
	seam_sim_config_destroy(cfg);
	unlink(path);
	rmdir(dir);
}

static void test_unknown_keys_refused(void **state)
{
	(void)state;
	seam_sim_config_t *cfg = NULL;
	seam_sim_t *sim = NULL;
	seam_error_t err = {0};
	assert_int_equal(seam_sim_config_load_string("seed: 1\nerp:\n  itemz: 5\n", "k.yaml", &cfg, &err), SEAM_OK);
	assert_int_equal(seam_sim_create(cfg, NULL, &sim, &err), SEAM_CONFIG);
	assert_non_null(strstr(err.msg, "k.yaml:3: unknown key \"itemz\""));
	seam_sim_config_destroy(cfg);
	assert_int_equal(seam_sim_config_load_string("drupal:\n  workflow: order_nope\n", "w.yaml", &cfg, &err), SEAM_OK);
	assert_int_equal(seam_sim_create(cfg, NULL, &sim, &err), SEAM_CONFIG);
	assert_non_null(strstr(err.msg, "w.yaml:2: workflow"));
	seam_sim_config_destroy(cfg);
	/* only the configured doubles are built */
	assert_int_equal(seam_sim_config_load_string("tax: {}\nerp: {items: 2}\n", "o.yaml", &cfg, &err), SEAM_OK);
	assert_int_equal(seam_sim_create(cfg, NULL, &sim, &err), SEAM_OK);
	assert_int_equal(seam_sim_count(sim), 2);
	assert_null(seam_sim_get(sim, "drupal"));
	assert_non_null(seam_sim_get(sim, "tax"));
	seam_sim_destroy(sim);
	seam_sim_config_destroy(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_lines),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_unknown_keys_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
