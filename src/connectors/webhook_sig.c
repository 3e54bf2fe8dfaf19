/*
 * webhook_sig.c: reason names, timestamp parsing and the tolerance window shared by the
 * webhook signature verifiers; the events a split makes. Thread-safety: reentrant; the table is read-only.
 */
#include "connectors/webhook_sig.h"
#include "connectors/webhook_sig_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reason_names[] = {
#define SEAM__WHSIG_NAME(name, str) str,
	SEAM_WEBHOOK_SIG_REASONS(SEAM__WHSIG_NAME)
#undef SEAM__WHSIG_NAME
};

const char *seam_webhook_sig_reason_name(seam_webhook_sig_reason_e reason)
{
	if ((int)reason < 0 || reason >= SEAM__WHSIG_COUNT)
		return "unknown";
	return reason_names[reason];
}

void seam_webhook_sig_init(seam_webhook_sig_t *out)
{
	if (out) {
		out->reason = SEAM_WHSIG_OK;
		out->timestamp = 0;
		out->secret_index = -1;
	}
}

int seam_webhook_sig_timestamp_parse(const char *s, size_t len, int64_t *ts)
{
	int64_t v = 0;
	if (!s || len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*ts = v;
	return 0;
}

uint64_t seam_webhook_sig_distance(int64_t ts, int64_t now_s)
{
	/* The distance between two int64 values always fits in a uint64 (modular arithmetic). */
	return now_s >= ts ? (uint64_t)now_s - (uint64_t)ts : (uint64_t)ts - (uint64_t)now_s;
}

int seam_webhook_sig_within(int64_t ts, int64_t now_s, int64_t tolerance_s)
{
	uint64_t tol = tolerance_s > 0 ? (uint64_t)tolerance_s : 0;
	return seam_webhook_sig_distance(ts, now_s) <= tol;
}

seam_err_t seam__webhook_sig_reject(seam_webhook_sig_t *out, seam_webhook_sig_reason_e reason,
				    seam_err_t code, seam_error_t *err, const char *scheme,
				    const char *fmt, ...)
{
	char detail[256];
	va_list ap;
	if (out)
		out->reason = reason;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	return seam_errorf(err, code, "%s: %s: %s", scheme, seam_webhook_sig_reason_name(reason),
			   detail);
}

seam_err_t seam__webhook_sig_finish(int match, int64_t t, int64_t now_s, int64_t tolerance_s,
				    seam_webhook_sig_t *out, seam_error_t *err, const char *scheme)
{
	if (match < 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_BAD_SIGNATURE, SEAM_AUTH, err, scheme,
						"no v1 signature matches");
	if (out)
		out->secret_index = match;
	if (!seam_webhook_sig_within(t, now_s, tolerance_s))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_STALE_TIMESTAMP, SEAM_AUTH, err,
						scheme, "timestamp %lld is %llu s from now (tolerance "
						"%lld s)", (long long)t,
						(unsigned long long)seam_webhook_sig_distance(t, now_s),
						(long long)tolerance_s);
	return SEAM_OK;
}

seam_err_t seam_webhook_events_init(seam_webhook_events_t *out, size_t n, seam_error_t *err)
{
	memset(out, 0, sizeof *out);
	if (!(out->items = calloc(n ? n : 1, sizeof *out->items)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	return SEAM_OK;
}

void seam_webhook_events_dispose(seam_webhook_events_t *out)
{
	if (!out)
		return;
	for (size_t i = 0; out->items && i < out->n; i++)
		free(out->items[i].body);
	free(out->items);
	memset(out, 0, sizeof *out);
}
