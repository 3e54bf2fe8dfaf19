/*
 * queue_config.c: the `queue:` section's table (see queue_config.h).
 */
#include "queue/queue_config.h"

#include <assert.h>
#include <stddef.h>

#define F(fld) offsetof(seam_queue_config_t, fld)

static const seam_cfg_field_t fields[] = {
	{"workers", SEAM_CFG_INT, F(workers), 0, "4",
	 "Job worker threads.", NULL, NULL, 1, 256},
	{"lease", SEAM_CFG_DURATION, F(lease_ms), 0, "30s",
	 "A running job's lease; renewed while it runs, re-run by others when it expires.", NULL,
	 NULL, 1000, 3600000},
	{"poll", SEAM_CFG_DURATION, F(poll_ms), 0, "250ms",
	 "How often idle workers look for due jobs (enqueues wake them at once).", NULL, NULL, 10,
	 60000},
	{"backoff_base", SEAM_CFG_DURATION, F(backoff_base_ms), 0, "1s",
	 "First retry delay; doubles per attempt, with full jitter.", NULL, NULL, 1, 3600000},
	{"backoff_cap", SEAM_CFG_DURATION, F(backoff_cap_ms), 0, "10m",
	 "Longest retry delay (Retry-After from an upstream can ask for more).", NULL, NULL, 1,
	 86400000},
	{"max_attempts", SEAM_CFG_INT, F(max_attempts), 0, "10",
	 "Attempts before a job goes to the dead letters.", NULL, NULL, 1, 1000},
	{"batch_max", SEAM_CFG_INT, F(batch_max), 0, "256",
	 "Most submissions sharing one group commit.", NULL, NULL, 1, 10000},
	{"retain", SEAM_CFG_DURATION, F(retain_ms), 0, "7d",
	 "How long finished jobs are kept for trace and audit.", NULL, NULL, 60000, 31536000000LL},
};

const seam_cfg_schema_t seam_queue_config_schema = {"queue", sizeof(seam_queue_config_t), fields,
						    sizeof fields / sizeof fields[0]};

void seam_queue_config_defaults(seam_queue_config_t *out)
{
	/* Only numbers: nothing to dispose. A default that does not parse is a bug in the table
	 * above (tests/unit/queue/test_queue_config.c loads every row). */
	seam_err_t rc = seam_cfg_defaults(&seam_queue_config_schema, out);
	assert(rc == SEAM_OK);
	(void)rc;
}
