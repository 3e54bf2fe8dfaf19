/*
 * err.c: messages and names for seam_err_t, and the error context helpers.
 * Thread-safety: all functions are reentrant; the tables are read-only.
 */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static const char *const messages[] = {
#define SEAM__ERR_MSG(name, lower, msg) msg,
	SEAM_ERRORS(SEAM__ERR_MSG)
#undef SEAM__ERR_MSG
};

static const char *const names[] = {
#define SEAM__ERR_NAME(name, lower, msg) lower,
	SEAM_ERRORS(SEAM__ERR_NAME)
#undef SEAM__ERR_NAME
};

const char *seam_strerror(seam_err_t code)
{
	if ((int)code < 0 || code >= SEAM__ERR_COUNT)
		return "unknown error";
	return messages[code];
}

const char *seam_errname(seam_err_t code)
{
	if ((int)code < 0 || code >= SEAM__ERR_COUNT)
		return "unknown";
	return names[code];
}

seam_err_t seam_verrorf(seam_error_t *err, seam_err_t code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return code;
}

seam_err_t seam_errorf(seam_error_t *err, seam_err_t code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	seam_verrorf(err, code, fmt, ap);
	va_end(ap);
	return code;
}

seam_err_t seam_error_prefix(seam_error_t *err, const char *fmt, ...)
{
	char head[SEAM_ERROR_MSG_MAX], old[SEAM_ERROR_MSG_MAX];
	va_list ap;
	if (!err)
		return SEAM_OK;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s: %s", head, old);
	return err->code;
}

void seam_error_clear(seam_error_t *err)
{
	if (err) {
		err->code = SEAM_OK;
		err->msg[0] = '\0';
	}
}
