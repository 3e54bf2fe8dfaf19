/*
 * api_config.c: the `metrics:`, `webhooks:`, `idempotency:` and `ops:` sections' tables (see
 * api_config.h).
 */
#include "api/api_config.h"

#include <stddef.h>

#define F(st, fld) offsetof(st, fld)

static const seam_cfg_field_t metrics_fields[] = {
	{"require_key", SEAM_CFG_BOOL, F(seam_api_metrics_config_t, require_key), 0, "false",
	 "Put GET /metrics behind an API key with scope metrics:read.", NULL, NULL, 0, 0},
};
const seam_cfg_schema_t seam_api_metrics_config_schema = {
	"metrics", sizeof(seam_api_metrics_config_t), metrics_fields,
	sizeof metrics_fields / sizeof metrics_fields[0]};

static const seam_cfg_field_t webhooks_fields[] = {
	{"tolerance", SEAM_CFG_DURATION, F(seam_webhooks_config_t, tolerance_ms), 0, "300s",
	 "Signed timestamps older or newer than this are refused (401).", NULL, NULL, 1000,
	 86400000},
};
const seam_cfg_schema_t seam_webhooks_config_schema = {
	"webhooks", sizeof(seam_webhooks_config_t), webhooks_fields,
	sizeof webhooks_fields / sizeof webhooks_fields[0]};

static const seam_cfg_field_t idempotency_fields[] = {
	{"ttl", SEAM_CFG_DURATION, F(seam_api_idempotency_config_t, ttl_ms), 0, "24h",
	 "How long an Idempotency-Key and its stored response are kept (a retry within it is "
	 "replayed); expired keys are purged.", NULL, NULL, 1000, 30LL * 86400000},
	{"lease", SEAM_CFG_DURATION, F(seam_api_idempotency_config_t, lease_ms), 0, "60s",
	 "How long a key stays in flight (409 to a retry) without an answer; after it a retry runs "
	 "again (a crash mid-request does not block the key).", NULL, NULL, 1000, 3600000},
};
const seam_cfg_schema_t seam_api_idempotency_config_schema = {
	"idempotency", sizeof(seam_api_idempotency_config_t), idempotency_fields,
	sizeof idempotency_fields / sizeof idempotency_fields[0]};

static const seam_cfg_field_t ops_fields[] = {
	{"session_ttl", SEAM_CFG_DURATION, F(seam_api_ops_config_t, session_ttl_ms), 0, "8h",
	 "Lifetime of a dashboard session (/ops/ login); fixed, not extended by use. After it the "
	 "dashboard asks for the key again.", NULL, NULL, 60000, 7LL * 86400000},
	{"cookie_secure", SEAM_CFG_BOOL, F(seam_api_ops_config_t, cookie_secure), 0, "false",
	 "Mark the dashboard's session cookie Secure: set it when people reach seam over HTTPS (a "
	 "TLS proxy in front); browsers then never send the cookie over plain HTTP.", NULL, NULL,
	 0, 0},
	{"chartjs", SEAM_CFG_STR, F(seam_api_ops_config_t, chartjs), 0,
	 "/usr/share/javascript/chart.js/chart.min.js",
	 "Chart.js 3 (Debian's libjs-chart.js) served to the dashboard at /ops/vendor/chart.js; "
	 "without the file the dashboard shows its numbers as tables.", NULL, NULL, 0, 0},
};
const seam_cfg_schema_t seam_api_ops_config_schema = {
	"ops", sizeof(seam_api_ops_config_t), ops_fields, sizeof ops_fields / sizeof ops_fields[0]};
