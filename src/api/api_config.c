/*
 * api_config.c: the `metrics:` and `webhooks:` sections' tables (see api_config.h).
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
