/*
 * queue_config.h: the `queue:` section of seam.yaml, owned by the job queue (queue/queue.h).
 * The table (queue_config.c) is the one place its keys, types and DEFAULTS are written: the
 * queue takes a field it is given as 0 from seam_queue_config_defaults, which reads the same
 * table, so a default cannot differ between the file and the code. Thread-safety: constant
 * tables; seam_queue_config_defaults is reentrant.
 */
#ifndef SEAM_QUEUE_QUEUE_CONFIG_H
#define SEAM_QUEUE_QUEUE_CONFIG_H

#include "core/config.h"

typedef struct seam_queue_config {
	int64_t workers;
	int64_t lease_ms;
	int64_t poll_ms;
	int64_t backoff_base_ms;
	int64_t backoff_cap_ms;
	int64_t max_attempts;
	int64_t batch_max;
	int64_t retain_ms;
} seam_queue_config_t;

extern const seam_cfg_schema_t seam_queue_config_schema;

/* The section's defaults (what an empty `queue:` gives). */
void seam_queue_config_defaults(seam_queue_config_t *out);

#endif
