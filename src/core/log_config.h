/*
 * log_config.h: the `log:` section of seam.yaml, owned by the logger (core/log.h). The table
 * (log_config.c) is the one place its keys, types and defaults are written; the root schema
 * (app/config.c) embeds it. Thread-safety: constant tables.
 */
#ifndef SEAM_CORE_LOG_CONFIG_H
#define SEAM_CORE_LOG_CONFIG_H

#include "core/config.h"

typedef struct seam_log_config {
	char *level;    /* debug|info|warn|error (seam_log_level_parse) */
	int access_log; /* one line per HTTP request */
} seam_log_config_t;

extern const seam_cfg_schema_t seam_log_config_schema;

#endif
