/* test_webhooks.c: the ingress's start-up check of every configured webhook secret
 * (seam_webhooks_check_config in src/api/webhooks.c, over the provider table): each secret
 * that cannot work is one line naming its key and where it came from, never its value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "api/webhooks.h"
#include "app/config.h"
#include "app/registry.h"

static const char YAML[] =
	"stores:\n"
	"  eu:\n"
	"    stripe_secrets: [{env: T_WH_ANY}]\n"
	"    adyen_hmac_keys: [{env: T_WH_HEX}, {env: T_WH_SHORT}]\n"
	"    drupal:\n"
	"      event_secrets: [{env: T_WH_WHSEC}, {env: T_WH_NOTB64}]\n"
	"sources:\n"
	"  psp:\n"
	"    secrets: [{env: T_WH_NOTB64}]\n"
	"    store: eu\n";

static void test_check_config(void **state)
{
	(void)state;
	seam_config_t *cfg = NULL;
	seam_cfg_diag_t d = {0};
	setenv("T_WH_ANY", "anything goes for Stripe", 1);
	setenv("T_WH_HEX", "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", 1);
	setenv("T_WH_SHORT", "44782DEF", 1);
	setenv("T_WH_WHSEC", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
	setenv("T_WH_NOTB64", "whsec_***", 1);
	if (seam_config_load_text(seam_app_flows(), "t.yaml", YAML, strlen(YAML), &cfg, &d) != SEAM_OK) {
		seam_cfg_diag_print(&d, stderr);
		fail_msg("config does not load");
	}
	seam_cfg_check_t chk = seam_config_check_ctx(cfg, &d);
	assert_int_equal(seam_webhooks_check_config(&chk, &cfg->stores, &cfg->sources), 3);
	const char *want[] = {
		"t.yaml: stores.eu.drupal.event_secrets: the secret from env T_WH_NOTB64 is not a "
		"Standard Webhooks secret (whsec_ followed by base64)",
		"t.yaml: stores.eu.adyen_hmac_keys: the secret from env T_WH_SHORT is not an Adyen "
		"HMAC key (hex, at least 32 digits)",
		"t.yaml: sources.psp.secrets: the secret from env T_WH_NOTB64 is not a Standard "
		"Webhooks secret (whsec_ followed by base64)",
	};
	assert_int_equal(d.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(d.lines[i], want[i]);
	for (size_t i = 0; i < d.n; i++)
		assert_null(strstr(d.lines[i], "***"));
	seam_cfg_diag_dispose(&d);
	seam_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
