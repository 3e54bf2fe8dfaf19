/*
 * flow.c: helpers shared by the flows.
 */
#include "flows/flow.h"

seam_err_t seam_flow_job_error(seam_err_t rc, int64_t retry_after_ms, const char *what,
			       const seam_error_t *err, void *res)
{
	seam_job_result_t *r = res;
	const char *msg = err && err->msg[0] ? err->msg : seam_strerror(rc);
	seam_err_t out;
	switch (rc) {
	case SEAM_PERMANENT:
	case SEAM_INVAL:
	case SEAM_PARSE:
		out = SEAM_PERMANENT;
		break;
	case SEAM_OPEN_CIRCUIT:
	case SEAM_BUSY:
		/* Nothing was sent: come back later without spending an attempt. */
		out = SEAM_OPEN_CIRCUIT;
		break;
	default:
		out = SEAM_RETRY;
		break;
	}
	return seam_job_fail(r, out, retry_after_ms > 0 ? retry_after_ms : 0, "%s: %s", what, msg);
}
