/* test_providers.c: the provider table (src/flows/providers.c): the four providers by
 * name, every row complete for its kind, the secrets and the store a path's store or source
 * names, the secret checks, the storefront events' split (id: webhook-id; quarantined
 * without an order), and each row's contract: it is in the built-in registry, and its
 * verdicts on real payloads and on payloads missing what seam reads (with the pointer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "app/config.h"
#include "app/registry.h"
#include "contract/registry.h"
#include "flows/providers.h"
#include "tests/support/th_assert.h"

static void test_rows(void **state)
{
	(void)state;
	size_t n;
	const seam_provider_t *rows = seam_providers_list(&n);
	const char *want[] = {"drupal", "stripe", "adyen", "standard", "pim", "erp"};
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		const seam_provider_t *p = &rows[i];
		assert_string_equal(p->name, want[i]);
		assert_ptr_equal(seam_providers_find(want[i]), p);
		assert_int_equal(seam_providers_index(p), i);
		/* one way to verify, a split, a config place for the secrets */
		if ((p->verify != NULL) == (p->verify_items != NULL))
			fail_msg("%s: verify and verify_items: exactly one", p->name);
		assert_non_null(p->split);
		assert_non_null(p->secrets);
		assert_true(!strcmp(p->param, "store") ? !strcmp(p->section, "stores")
						       : !strcmp(p->section, "sources"));
		if (p->secret_ok)
			assert_non_null(p->secret_what);
		/* payment providers can be read into the canonical event */
		int pay = p->kind == SEAM_PROVIDER_PAYMENTS;
		if (pay != (p->normalize != NULL) || pay != (p->rules != NULL))
			fail_msg("%s: kind %d, normalize/rules must match", p->name, p->kind);
	}
	assert_null(seam_providers_find("paypal"));
	assert_null(seam_providers_find(NULL));
	assert_string_equal(seam_providers_find("adyen")->ack, "[accepted]");
	assert_null(seam_providers_find("stripe")->ack);
}

static const char YAML[] =
	"stores:\n"
	"  eu:\n"
	"    stripe_secrets: [{env: T_PROV_STRIPE}]\n"
	"    adyen_hmac_keys: [{env: T_PROV_ADYEN}, {env: T_PROV_NOTHEX}]\n"
	"  us: {}\n"
	"sources:\n"
	"  psp:\n"
	"    secrets: [{env: T_PROV_WHSEC}]\n"
	"    store: eu\n";

static void test_config(void **state)
{
	(void)state;
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	setenv("T_PROV_STRIPE", "whsec_stripe", 1);
	setenv("T_PROV_ADYEN", "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", 1);
	setenv("T_PROV_NOTHEX", "not-hex", 1);
	setenv("T_PROV_WHSEC", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
	if (seam_config_load_text(seam_app_flows(), "t.yaml", YAML, strlen(YAML), &cfg, &d) != SEAM_OK) {
		seam_cfg_diag_print(&d, stderr);
		fail_msg("config does not load");
	}
	const seam_provider_t *stripe = seam_providers_find("stripe"),
			      *adyen = seam_providers_find("adyen"),
			      *standard = seam_providers_find("standard"),
			      *drupal = seam_providers_find("drupal");
	const seam_secretlist_t *l = seam_providers_secrets(stripe, &cfg->stores, &cfg->sources, "eu");
	assert_non_null(l);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0].value, "whsec_stripe");
	assert_int_equal(seam_providers_secrets(drupal, &cfg->stores, &cfg->sources, "us")->n, 0);
	assert_null(seam_providers_secrets(stripe, &cfg->stores, &cfg->sources, "apac"));
	assert_int_equal(seam_providers_secrets(standard, &cfg->stores, &cfg->sources, "psp")->n, 1);
	assert_null(seam_providers_secrets(standard, &cfg->stores, &cfg->sources, "eu")); /* a store is not a source */
	assert_ptr_equal(seam_providers_entries(stripe, &cfg->stores, &cfg->sources), &cfg->stores);
	assert_ptr_equal(seam_providers_entries(standard, &cfg->stores, &cfg->sources), &cfg->sources);

	assert_string_equal(seam_providers_store(stripe, &cfg->sources, "eu"), "eu");
	assert_string_equal(seam_providers_store(standard, &cfg->sources, "psp"), "eu");
	assert_null(seam_providers_store(standard, &cfg->sources, "nobody"));

	l = seam_providers_secrets(adyen, &cfg->stores, &cfg->sources, "eu");
	assert_true(adyen->secret_ok(&l->items[0]));
	assert_false(adyen->secret_ok(&l->items[1]));
	assert_true(standard->secret_ok(&seam_providers_secrets(standard, &cfg->stores, &cfg->sources, "psp")->items[0]));
	assert_null(stripe->secret_ok);
	seam_config_free(cfg);
}

static const char *hdr(void *ud, const char *name)
{
	return strcmp(name, "webhook-id") == 0 ? ud : NULL;
}

static void test_storefront_split(void **state)
{
	(void)state;
	const seam_provider_t *p = seam_providers_find("drupal");
	seam_webhook_delivery_t d = {.header = hdr, .ud = "msg_9"};
	seam_webhook_events_t ev;
	seam_error_t err = {0};
	struct {
		const char *body, *quarantine;
	} rows[] = {
		{"{\"type\":\"order.placed\",\"data\":{\"order_uuid\":\"o-1\"}}", NULL},
		{"{nope", "malformed_json"},
		{"{\"data\":{\"order_uuid\":\"o-1\"}}", "missing_type"},
		{"{\"type\":\"order.placed\",\"data\":{\"order_uuid\":\"\"}}", "missing_order_uuid"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_t *doc = json_loads(rows[i].body, 0, NULL);
		assert_int_equal(p->split(&d, doc, &ev, &err), SEAM_OK);
		if (!rows[i].quarantine) {
			assert_int_equal(ev.n, 1);
			assert_string_equal(ev.items[0].id, "msg_9");
			assert_string_equal(ev.items[0].type, "order.placed");
		} else {
			if (!ev.quarantine || strcmp(ev.quarantine, rows[i].quarantine))
				fail_msg("%s: quarantine %s, want %s", rows[i].body,
					 ev.quarantine ? ev.quarantine : "(none)", rows[i].quarantine);
			assert_string_equal(ev.event_id, "msg_9");
			assert_int_equal(ev.n, 0);
		}
		seam_webhook_events_dispose(&ev);
		json_decref(doc);
	}
}

/* Each row's contract: known to the built-in registry; real payloads hold it; one missing
 * or mistyping what seam reads does not, with the error at the pointer a person must fix. */
static void test_contract_verdicts(void **state)
{
	static const struct {
		const char *provider, *payload;
		int valid;
		const char *pointer, *keyword; /* the first error's, when not valid */
	} cases[] = {
		{"stripe", "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\",\"created\":1800000000,"
			   "\"data\":{\"object\":{\"id\":\"pi_1\",\"object\":\"payment_intent\","
			   "\"status\":\"succeeded\",\"amount_received\":1999,\"currency\":\"usd\","
			   "\"metadata\":{\"order_uuid\":\"5bdfd1e8-dfad-41ac-a514-1b58d123e678\"}}}}", 1, NULL, NULL},
		/* not a payment object: only id, type and data.object are read */
		{"stripe", "{\"id\":\"evt_2\",\"type\":\"balance.available\",\"data\":{\"object\":{\"object\":\"balance\"}}}",
		 1, NULL, NULL},
		{"stripe", "{\"id\":\"evt_3\",\"type\":\"payment_intent.succeeded\",\"data\":{}}", 0, "/data",
		 "required"},
		{"stripe", "{\"id\":\"evt_4\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":"
			   "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"status\":\"succeeded\","
			   "\"amount_received\":\"19.99\"}}}", 0, "/data/object/amount_received", "type"},
		{"stripe", "{\"type\":\"charge.refunded\",\"data\":{\"object\":{}}}", 0, "", "required"},
		{"adyen", "{\"NotificationRequestItem\":{\"pspReference\":\"7914073381342284\",\"eventCode\":"
			  "\"AUTHORISATION\",\"success\":\"true\",\"eventDate\":\"2014-08-06T13:52:23+02:00\","
			  "\"merchantReference\":\"TestPayment-1407325143704\",\"amount\":{\"value\":1130,"
			  "\"currency\":\"EUR\"}}}", 1, NULL, NULL},
		{"adyen", "{\"NotificationRequestItem\":{\"pspReference\":\"1\",\"eventCode\":\"CAPTURE\","
			  "\"success\":\"true\",\"amount\":{\"value\":\"11.30\",\"currency\":\"EUR\"}}}", 0,
		 "/NotificationRequestItem/amount/value", "type"},
		{"adyen", "{\"NotificationRequestItem\":{\"eventCode\":\"CAPTURE\",\"success\":\"true\"}}", 0,
		 "/NotificationRequestItem", "required"},
		{"standard", "{\"type\":\"payment.captured\",\"timestamp\":\"2026-11-26T15:31:07Z\",\"data\":"
			     "{\"payment_id\":\"pay_1\",\"currency\":\"USD\",\"amount\":\"99.63\"}}", 1, NULL, NULL},
		{"standard", "{\"type\":\"payment.captured\",\"data\":{\"id\":\"p1\"}}", 0, "/data", "required"},
		{"standard", "{\"type\":\"payment.refunded\",\"data\":{\"payment_id\":\"p1\",\"amount\":20}}", 0,
		 "/data/amount", "type"},
		{"drupal", "{\"type\":\"order.placed\",\"timestamp\":\"2025-11-26T15:31:16Z\",\"data\":{"
			   "\"order_uuid\":\"5bdfd1e8-dfad-41ac-a514-1b58d123e678\",\"order_id\":12,\"order_number\":\"12\","
			   "\"store_uuid\":\"0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11\",\"state\":\"completed\","
			   "\"workflow\":\"order_default\",\"transition\":\"place\","
			   "\"total\":{\"number\":\"39.98\",\"currency_code\":\"USD\"}}}", 1, NULL, NULL},
		{"drupal", "{\"type\":\"order.placed\",\"timestamp\":\"2025-11-26T15:31:16Z\",\"data\":{"
			   "\"order_uuid\":\"5bdfd1e8-dfad-41ac-a514-1b58d123e678\"}}", 0, "/data", "required"},
	};
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	size_t n;
	const seam_provider_t *rows = seam_providers_list(&n);
	(void)state;
	if (seam_contracts_open(&reg, &err) != SEAM_OK)
		fail_msg("the built-in registry does not open: %s", err.msg);
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].contract || !seam_contracts_find(reg, rows[i].contract))
			fail_msg("%s: contract %s is not in the registry", rows[i].name,
				 rows[i].contract ? rows[i].contract : "(none)");
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const seam_provider_t *p = seam_providers_find(cases[i].provider);
		const seam_contract_t *c = seam_contracts_find(reg, p->contract);
		json_t *doc = th_json_parse(cases[i].payload), *errors = NULL, *pub;
		int valid = seam_contract_validate(c, doc, &errors);
		char *text = seam_contract_errors_text(errors, 1000);
		if (valid != cases[i].valid)
			fail_msg("case %zu (%s): got %s, want %s: %s", i, p->name, valid ? "valid" : "invalid",
				 cases[i].valid ? "valid" : "invalid", text ? text : "");
		pub = seam_contract_errors_public(errors);
		int found = cases[i].valid;
		size_t k;
		json_t *e;
		json_array_foreach(pub, k, e) {
			found |= !strcmp(json_string_value(json_object_get(e, "pointer")), cases[i].pointer) &&
				 !strcmp(json_string_value(json_object_get(e, "keyword")), cases[i].keyword);
		}
		if (!found)
			fail_msg("case %zu (%s): no error at \"%s\" (%s), got: %s", i, p->name,
				 cases[i].pointer, cases[i].keyword, text ? text : "");
		free(text);
		json_decref(pub);
		json_decref(errors);
		json_decref(doc);
	}
	seam_contracts_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_storefront_split),
		cmocka_unit_test(test_contract_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
