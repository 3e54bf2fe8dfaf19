/*
 * log_config.c: the `log:` section's table (see log_config.h).
 */
#include "core/log_config.h"

#include <stddef.h>

#define F(fld) offsetof(seam_log_config_t, fld)

static const seam_cfg_field_t fields[] = {
	{"level", SEAM_CFG_ENUM, F(level), 0, "info", "Lowest level written to stderr.", NULL,
	 "debug|info|warn|error", 0, 0},
	{"access_log", SEAM_CFG_BOOL, F(access_log), 0, "true",
	 "One line per HTTP request (method, path, status, bytes, duration).", NULL, NULL, 0, 0},
};

const seam_cfg_schema_t seam_log_config_schema = {"log", sizeof(seam_log_config_t), fields,
						  sizeof fields / sizeof fields[0]};
