/* test_scopes.c: the scope table (src/auth/scopes.c) against the route table, what a key's
 * scopes grant, and that `seam ctl keys create` refuses a scope that does not exist (with the
 * known ones in the message) while `seam ctl keys scopes` lists them. */
#include "tests/unit/queue/qtest.h"

#include <jansson.h>

#include "api/api.h"
#include "auth/keys.h"
#include "auth/scopes.h"
#include "ctl/ctl.h"

/* --- the table -------------------------------------------------------------------------- */

static void test_every_route_scope_is_known_and_every_scope_used(void **state)
{
	size_t nr, ns;
	const seam_route_t *r = seam_api_routes(&nr);
	const seam_scope_def_t *d = seam_scopes(&ns);
	(void)state;
	for (size_t i = 0; i < nr; i++) {
		if (!r[i].scope || strcmp(r[i].scope, SEAM_SCOPE_ANY_KEY) == 0)
			continue;
		if (!seam_scope_find(r[i].scope, strlen(r[i].scope)))
			fail_msg("route %s %s needs scope '%s', which is not in the scope table",
				 r[i].method, r[i].pattern, r[i].scope);
	}
	for (size_t j = 0; j < ns; j++) {
		int used = d[j].also != NULL || strcmp(d[j].name, "*") == 0;
		for (size_t i = 0; i < nr && !used; i++)
			used = r[i].scope && strcmp(r[i].scope, d[j].name) == 0;
		if (!used)
			fail_msg("scope '%s' opens no route", d[j].name);
	}
	/* whoami answers any valid key */
	int whoami = 0;
	for (size_t i = 0; i < nr; i++)
		if (strcmp(r[i].pattern, "/v1/whoami") == 0) {
			whoami = 1;
			assert_string_equal(r[i].scope, SEAM_SCOPE_ANY_KEY);
		}
	assert_true(whoami);
}

static void test_allows(void **state)
{
	(void)state;
	assert_true(seam_scope_allows("ops:admin", "ops:read"));
	assert_true(seam_scope_allows("metrics:read,ops:admin", "ops:admin"));
	assert_false(seam_scope_allows("ops:read", "ops:admin"));
	assert_false(seam_scope_allows("metrics:admin", "ops:read"));
	assert_false(seam_scope_allows("ops:readx", "ops:read"));
	assert_true(seam_scope_allows("*", "ops:admin"));
	assert_true(seam_scope_allows("metrics:read", SEAM_SCOPE_ANY_KEY));
	assert_true(seam_scope_allows("ops:read", SEAM_SCOPE_ANY_KEY));
}

static void test_validate(void **state)
{
	seam_error_t e = {0};
	(void)state;
	assert_int_equal(seam_scopes_validate("ops:read,metrics:read", &e), SEAM_OK);
	assert_int_equal(seam_scopes_validate("*", &e), SEAM_OK);
	assert_int_equal(seam_scopes_validate("ops:amdin", &e), SEAM_INVAL);
	assert_string_equal(e.msg, "unknown scope 'ops:amdin' (did you mean 'ops:admin'?); known "
				   "scopes: ops:read, ops:admin, orders:read, catalog:read, tax:quote, metrics:read, *");
	assert_int_equal(seam_scopes_validate("ops:read,shipping:rate", &e), SEAM_INVAL);
	assert_string_equal(e.msg, "unknown scope 'shipping:rate'; known scopes: ops:read, ops:admin, "
				   "orders:read, catalog:read, tax:quote, metrics:read, *");
	assert_int_equal(seam_scopes_validate("", &e), SEAM_INVAL);
	assert_int_equal(seam_scopes_validate("ops:read,", &e), SEAM_INVAL);
	assert_int_equal(seam_scopes_validate(SEAM_SCOPE_ANY_KEY, &e), SEAM_INVAL);
}

/* --- keys and ctl ------------------------------------------------------------------------ */

typedef struct run {
	int rc;
	char *out, *err;
} run_t;

static run_t ctl_keys(seam_store_t *st, const char *line)
{
	static seam_ctl_host_t host; /* what the root hands ctl: here, the route table */
	char buf[512], *argv[16];
	int argc = 0;
	size_t ol = 0, el = 0;
	run_t r = {0};
	host.routes = seam_api_routes(&host.nroutes);
	snprintf(buf, sizeof buf, "%s", line);
	for (char *tok = strtok(buf, " "); tok && argc < 16; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	seam_ctl_ctx_t ctx = {.host = &host, .store = st};
	ctx.out = open_memstream(&r.out, &ol);
	ctx.err = open_memstream(&r.err, &el);
	r.rc = seam_ctl_keys(&ctx, argc, argv);
	fclose(ctx.out);
	fclose(ctx.err);
	return r;
}

static void run_free(run_t *r)
{
	free(r->out);
	free(r->err);
}

static void test_keys_create_refuses_unknown_scope(void **state)
{
	qt_env_t env;
	char key[SEAM_KEY_MAX];
	seam_error_t e = {0};
	(void)state;
	qt_open(&env);
	assert_int_equal(seam_keys_create(env.st, "typo", "ops:amdin", key, &e), SEAM_INVAL);
	assert_non_null(strstr(e.msg, "unknown scope 'ops:amdin'"));
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM api_keys", NULL), 0);

	run_t r = ctl_keys(env.st, "keys create --name shop --scopes ops:read,shipping:rate");
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "seam ctl keys create: unknown scope 'shipping:rate'; known scopes: "
				   "ops:read, ops:admin, orders:read, catalog:read, tax:quote, metrics:read, * "
				   "(seam ctl keys scopes says what each grants)\n");
	run_free(&r);
	assert_int_equal(qt_int(env.st, "SELECT COUNT(*) FROM api_keys", NULL), 0);

	r = ctl_keys(env.st, "keys create --name ops --scopes ops:admin,metrics:read");
	assert_int_equal(r.rc, 0);
	assert_int_equal(strncmp(r.out, "seam_", 5), 0);
	run_free(&r);
	qt_close(&env);
}

static void test_ctl_keys_scopes(void **state)
{
	(void)state;
	/* No store needed: the table is in the binary. */
	run_t r = ctl_keys(NULL, "keys scopes");
	assert_int_equal(r.rc, 0);
	assert_memory_equal(r.out, "SCOPE         GRANTS", 20);
	assert_non_null(strstr(r.out, "\nops:read      "));
	assert_non_null(strstr(r.out, "GET /v1/jobs, GET /v1/jobs/{id}, GET /v1/dead-letters"));
	assert_non_null(strstr(r.out, "\nmetrics:read  "));
	assert_non_null(strstr(r.out, "GET /v1/orders, GET /v1/orders/{id}"));
	assert_non_null(strstr(r.out, "\n*             "));
	run_free(&r);
	r = ctl_keys(NULL, "keys scopes --json");
	assert_int_equal(r.rc, 0);
	json_t *doc = json_loads(r.out, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(doc), 7);
	json_t *admin = json_array_get(doc, 1);
	assert_string_equal(json_string_value(json_object_get(admin, "scope")), "ops:admin");
	assert_non_null(strstr(json_string_value(json_object_get(admin, "routes")),
			       "POST /v1/flows/{name}/pause"));
	json_decref(doc);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_scope_is_known_and_every_scope_used),
		cmocka_unit_test(test_allows),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_keys_create_refuses_unknown_scope),
		cmocka_unit_test(test_ctl_keys_scopes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
