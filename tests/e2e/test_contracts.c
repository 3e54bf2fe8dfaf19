/*
 * End-to-end: the mapping-output boundary and `seam check` on the real binaries.
 *
 * A store's order mapping (in a mappings directory of the test's own) that writes a quantity
 * as a JSON number instead of a decimal string: the order placed in the Drupal double is
 * never sent to the ERP double; its export job is dead with the contract's errors
 * (erp.sales-order@v1, the pointer and the keyword) as last_error, and the order's timeline
 * has export.invalid with the errors array. The same mapping with a sample: `seam check`
 * exits 2 naming the sample file, the contract and the pointer; a sample input that violates
 * order@v1: exit 2 at the sample's file:line; the real mapping with its real sample passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define DRUPAL_PW "e2e-drupal-pass"
#define ERP_SECRET "e2e-erp-secret"

/* Everything right but the quantity, a JSON number (the contract wants an exact decimal
 * string); the totals would add up. */
static const char BAD_MAPPING[] =
	"function map(input, ctx)\n"
	"  local a = input.data.attributes\n"
	"  return {\n"
	"    externalDocumentNumber = a.order_number,\n"
	"    orderDate = string.sub(a.placed, 1, 10),\n"
	"    currencyCode = a.total_price.currency_code,\n"
	"    customerNumber = ctx.customer_number,\n"
	"    salesOrderLines = { { lineType = 'Item', lineObjectNumber = 'X-1', quantity = 1,\n"
	"                          unitPrice = a.total_price.number } },\n"
	"  }\n"
	"end\n";

static char dir[64], sim_log[128], drupal_url[64], erp_url[64], company[64];
static th_seam_t sm;
static pid_t sim_pid;

static json_t *call(const char *method, const char *base, const char *path, const char *body,
		    long *status)
{
	char u[700];
	snprintf(u, sizeof u, "%s%s", base, path);
	const char *h[] = {"Content-Type: application/json", NULL};
	return th_json(method, u, h, body, status);
}

static int setup(void **state)
{
	char text[3000], path[160];
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
		 "drupal:\n  listen: 127.0.0.1:0\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}]\n"
		 "  products: 5\n  variations: 1\n  customers: 3\n  orders: 0\n"
		 "  events: {url: %s, secret: {env: T_EVENTS}, attempts: 20, backoff: [200ms, 500ms]}\n"
		 "erp:\n  listen: 127.0.0.1:0\n  client_id: seam\n  client_secret: {env: T_ERP}\n"
		 "  items: 10\n  currency: USD\n",
		 sm.base);
	th_write_file(simcfg, text);
	char urls[2][64];
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "erp", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(erp_url, sizeof erp_url, "%s", urls[1]);
	if (th_erp_company(erp_url, "seam", ERP_SECRET, company) != 0)
		return -1;
	/* the mappings directory of this seam: the bad mapping, no sample (serve would refuse) */
	snprintf(path, sizeof path, "%s/mappings", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/mappings/order_to_erp.lua", dir);
	th_write_file(path, BAD_MAPPING);
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info, access_log: false}\n"
		 "mappings: %s/mappings\n"
		 "queue: {workers: 2, backoff_base: 100ms, backoff_cap: 1s}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 5s\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    timeout: 2s\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: T_ERP}, token_url: %s/oauth2/v2.0/token}\n"
		 "stores:\n  us:\n"
		 "    drupal: {upstream: drupal, event_secrets: [{env: T_EVENTS}], poll_interval: 1s}\n"
		 "    erp: {upstream: erp, company: %s, customer: WEB, shipping_account: '6130'}\n",
		 sm.port, sm.db_url, dir, drupal_url, erp_url, erp_url, company);
	return th_seam_start(&sm, 10000);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, sim_pid, 15000, dir);
	return 0;
}

static void test_bad_sales_order_is_dead_with_the_contract_errors(void **state)
{
	long st;
	char sql[300], path[300];
	(void)state;
	json_decref(call("POST", drupal_url, "/_sim/drupal/orders",
			 "{\"count\":1,\"store\":\"us\",\"items\":1}", &st));
	TH_ASSERT_CMP(st, >=, 200);
	TH_ASSERT_CMP(st, <, 300);
	long dead = 0;
	for (int w = 0; w < 100 && dead == 0; w++) {
		seam_sleep_ms(200);
		dead = th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'order.export' "
					"AND state = 'dead'");
	}
	assert_int_equal(dead, 1);
	/* dead at the first attempt: a contract violation is permanent */
	assert_int_equal(th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'order.export' "
				    "AND state = 'dead' AND attempts = 1 AND last_error LIKE "
				    "'%mapped sales order violates erp.sales-order@v1: %"
				    "/salesOrderLines/0/quantity: %(type)%'"),
			 1);
	/* the timeline entry carries the errors as data: pointer, keyword, detail */
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM timeline WHERE event = 'export.invalid' AND detail LIKE "
		 "'%%\"contract\":\"erp.sales-order@v1\"%%' AND detail LIKE "
		 "'%%\"pointer\":\"/salesOrderLines/0/quantity\"%%' AND detail LIKE '%%\"keyword\":\"type\"%%'");
	assert_int_equal(th_store_count(sm.db_url, sql), 1);
	/* nothing reached the ERP */
	snprintf(path, sizeof path, "/api/v2.0/companies(%s)/salesOrders", company);
	char auth[1200];
	assert_int_equal(th_erp_bearer(erp_url, "seam", ERP_SECRET, auth, sizeof auth), 0);
	char u[700];
	snprintf(u, sizeof u, "%s%s", erp_url, path);
	json_t *so = th_json("GET", u, (const char *[]){auth, NULL}, NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(so, "value")), 0);
	json_decref(so);
}

/* `seam check` on a config whose order mapping has a sample (the repository's, or sample when
 * not NULL): exit code and output. */
static int check(const char *cfgdir, const char *mapping, const char *sample, char **out)
{
	char path[200], log[200], cfg[200], text[800];
	int st = 0;
	snprintf(path, sizeof path, "%s/mappings", cfgdir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/mappings/samples", cfgdir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/mappings/order_to_erp.lua", cfgdir);
	th_write_file(path, mapping);
	static const char *const copy[] = {"order_to_erp.json", "order_to_erp.ctx.json"};
	for (size_t i = 0; i < 2; i++) {
		char src[200];
		snprintf(src, sizeof src, "mappings/samples/%s", copy[i]);
		char *t = th_read_file(src);
		if (!t)
			fail_msg("%s: cannot read (run from the repository root)", src);
		snprintf(path, sizeof path, "%s/mappings/samples/%s", cfgdir, copy[i]);
		th_write_file(path, i == 0 && sample ? sample : t);
		free(t);
	}
	snprintf(cfg, sizeof cfg, "%s/check.yaml", cfgdir);
	snprintf(text, sizeof text,
		 "store: sqlite://%s/none.db\nmappings: %s/mappings\n"
		 "upstreams:\n  drupal: {base_url: 'http://127.0.0.1:1'}\n  erp: {base_url: 'http://127.0.0.1:1'}\n"
		 "stores:\n  us:\n    drupal: {upstream: drupal, poll_interval: 0}\n"
		 "    erp: {upstream: erp, company: c1}\n",
		 cfgdir, cfgdir);
	th_write_file(cfg, text);
	snprintf(log, sizeof log, "%s/check.log", cfgdir);
	unlink(log);
	char *argv[] = {(char *)th_seam_bin(), "check", "-c", cfg, NULL};
	pid_t pid = th_spawn(argv, log);
	waitpid(pid, &st, 0);
	*out = th_read_file(log);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_check_names_the_sample_and_the_pointer(void **state)
{
	char cdir[64], *out, want[300];
	(void)state;
	th_tmpdir(cdir);
	/* the real mapping and its real sample hold both contracts */
	char *real = th_read_file("mappings/order_to_erp.lua");
	assert_non_null(real);
	int code = check(cdir, real, NULL, &out);
	free(real);
	if (code != 0)
		fail_msg("seam check of the real mapping: exit %d\n%s", code, out);
	assert_non_null(strstr(out, "holds order@v1, its output erp.sales-order@v1"));
	free(out);
	/* the bad one: exit 2, the sample file, the contract, the pointer, the keyword */
	assert_int_equal(check(cdir, BAD_MAPPING, NULL, &out), 2);
	snprintf(want, sizeof want,
		 "%s/mappings/samples/order_to_erp.json: the output of mapping order_to_erp violates "
		 "erp.sales-order@v1 at /salesOrderLines/0/quantity: ", cdir);
	if (!strstr(out, want) || !strstr(out, "(type)"))
		fail_msg("want \"%s...(type)\" in:\n%s", want, out);
	free(out);

	/* an input that violates order@v1 (the order's id is no uuid; the mapping does not read
	 * it): exit 2 at the sample's line of that value */
	char *text = th_read_file("mappings/samples/order_to_erp.json");
	assert_non_null(text);
	char *at = strstr(text, "\"id\": \"5bdfd1e8-dfad-41ac-a514-1b58d123e678\"");
	assert_non_null(at);
	int line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	memcpy(at + 7, "not-a-uuid-at-all------------------X", 36); /* the uuid's 36 */
	real = th_read_file("mappings/order_to_erp.lua");
	assert_int_equal(check(cdir, real, text, &out), 2);
	free(real);
	free(text);
	snprintf(want, sizeof want,
		 "%s/mappings/samples/order_to_erp.json:%d: the input of mapping order_to_erp violates "
		 "order@v1 at /data/id: ", cdir, line);
	if (!strstr(out, want) || !strstr(out, "(format)"))
		fail_msg("want \"%s...(format)\" in:\n%s", want, out);
	free(out);
	th_rmrf(cdir);
}

/* `seam check` of a mappings directory holding the catalog mappings (no store names them):
 * copies of the repository's mappings and samples; files to replace (name -> text, NULL
 * copies). Exit code and output. */
static int check_catalog(const char *cfgdir, const char *const *files, size_t n, char **out)
{
	char path[300], log[200], cfg[200], text[400];
	int st = 0;
	snprintf(path, sizeof path, "%s/mappings", cfgdir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/mappings/samples", cfgdir);
	mkdir(path, 0700);
	for (size_t i = 0; i < n; i += 2) {
		char src[200];
		const char *t = files[i + 1];
		char *copy = NULL;
		snprintf(src, sizeof src, "mappings/%s", files[i]);
		if (!t && !(t = copy = th_read_file(src)))
			fail_msg("%s: cannot read (run from the repository root)", src);
		snprintf(path, sizeof path, "%s/mappings/%s", cfgdir, files[i]);
		th_write_file(path, t);
		free(copy);
	}
	snprintf(cfg, sizeof cfg, "%s/check.yaml", cfgdir);
	snprintf(text, sizeof text, "store: sqlite://%s/none.db\nmappings: %s/mappings\n", cfgdir, cfgdir);
	th_write_file(cfg, text);
	snprintf(log, sizeof log, "%s/check.log", cfgdir);
	unlink(log);
	char *argv[] = {(char *)th_seam_bin(), "check", "-c", cfg, NULL};
	pid_t pid = th_spawn(argv, log);
	waitpid(pid, &st, 0);
	*out = th_read_file(log);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The catalog mappings' samples hold their contracts (the repository's); a sample whose
 * output breaks catalog.product@v1 (a price "19,99") and one whose input breaks it (an
 * Akeneo time where UTC with Z is due) are exit 2 naming the sample, the pointer and, for the
 * input, the line. */
static void test_check_catalog_samples(void **state)
{
	char cdir[64], *out, want[400];
	(void)state;
	th_tmpdir(cdir);
	const char *real[] = {
		"pim_to_canonical.lua", NULL, "canonical_to_drupal.lua", NULL,
		"samples/pim_to_canonical.json", NULL, "samples/pim_to_canonical.ctx.json", NULL,
		"samples/canonical_to_drupal.json", NULL, "samples/canonical_to_drupal.ctx.json", NULL,
	};
	int code = check_catalog(cdir, real, sizeof real / sizeof *real, &out);
	if (code != 0)
		fail_msg("seam check of the catalog mappings: exit %d\n%s", code, out);
	assert_non_null(strstr(out, "pim_to_canonical.json: its output holds catalog.product@v1"));
	assert_non_null(strstr(out, "canonical_to_drupal.json: holds catalog.product@v1, its output "
				    "catalog.drupal-product@v1"));
	free(out);

	/* a broken price in the PIM sample (no expected file: the sample runs, the contract
	 * refuses its output) */
	char *pim = th_read_file("mappings/samples/pim_to_canonical.json");
	assert_non_null(pim);
	char *at = strstr(pim, "\"amount\": \"23.99\"");
	assert_non_null(at);
	memcpy(at + 11, "23,99", 5);
	char *canon = th_read_file("mappings/samples/canonical_to_drupal.json");
	assert_non_null(canon);
	char *up = strstr(canon, "\"updated\": \"2025-12-02T00:03:00Z\"");
	assert_non_null(up);
	int line = 1;
	for (const char *p = canon; p < up; p++)
		line += *p == '\n';
	char *bad_canon = malloc(strlen(canon) + 8);
	assert_non_null(bad_canon);
	snprintf(bad_canon, strlen(canon) + 8, "%.*s\"updated\": \"2025-12-02T00:03:00+00:00\"%s",
		 (int)(up - canon), canon, up + strlen("\"updated\": \"2025-12-02T00:03:00Z\""));
	th_rmrf(cdir);
	th_tmpdir(cdir);
	const char *bad[] = {
		"pim_to_canonical.lua", NULL, "canonical_to_drupal.lua", NULL,
		"samples/pim_to_canonical.json", pim, "samples/pim_to_canonical.ctx.json", NULL,
		"samples/canonical_to_drupal.json", bad_canon, "samples/canonical_to_drupal.ctx.json", NULL,
	};
	assert_int_equal(check_catalog(cdir, bad, sizeof bad / sizeof *bad, &out), 2);
	snprintf(want, sizeof want,
		 "%s/mappings/samples/pim_to_canonical.json: the output of mapping pim_to_canonical "
		 "violates catalog.product@v1 at /variants/0/prices/0/amount: ", cdir);
	if (!strstr(out, want) || !strstr(out, "(pattern)"))
		fail_msg("want \"%s...(pattern)\" in:\n%s", want, out);
	snprintf(want, sizeof want,
		 "%s/mappings/samples/canonical_to_drupal.json:%d: the input of mapping "
		 "canonical_to_drupal violates catalog.product@v1 at /updated: ", cdir, line);
	if (!strstr(out, want))
		fail_msg("want \"%s\" in:\n%s", want, out);
	free(out);
	free(bad_canon);
	free(canon);
	free(pim);
	th_rmrf(cdir);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_names_the_sample_and_the_pointer),
		cmocka_unit_test(test_check_catalog_samples),
		cmocka_unit_test(test_bad_sales_order_is_dead_with_the_contract_errors),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
