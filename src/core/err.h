/*
 * err.h: the one error enum of seam and the error context that carries its human message.
 *
 * Every fallible function returns a seam_err_t (SEAM_OK == 0) and, when the caller passes a
 * seam_error_t, writes a one-line human message there with seam_errorf(). Callers decide what
 * to do from the code and show the message; nobody parses messages.
 *
 * SEAM_ROW and SEAM_DONE are not failures: they are the two successful outcomes of stepping a
 * store statement (as in SQLite) and sit above the error range so "rc < 0"-style checks never
 * apply; test with rc != SEAM_OK / rc == SEAM_ROW explicitly.
 *
 * Thread-safety: seam_strerror() is pure; a seam_error_t belongs to one thread at a time.
 */
#ifndef SEAM_CORE_ERR_H
#define SEAM_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* name, stable lower-case name, message. The order is part of no contract; the names are
 * (they appear in logs and JSON). */
#define SEAM_ERRORS(X)                                                      \
	X(OK, "ok", "ok")                                                             \
	X(ERR, "err", "internal error")                                                \
	X(NOMEM, "nomem", "out of memory")                                               \
	X(INVAL, "inval", "invalid argument")                                            \
	X(IO, "io", "i/o error")                                                      \
	X(PARSE, "parse", "malformed input")                                             \
	X(CONFIG, "config", "invalid configuration")                                      \
	X(NOTFOUND, "notfound", "not found")                                                \
	X(EXISTS, "exists", "already exists")                                             \
	X(CONFLICT, "conflict", "conflict")                                                 \
	X(TOOBIG, "toobig", "too large")                                                  \
	X(AUTH, "auth", "authentication failed")                                        \
	X(FORBIDDEN, "forbidden", "forbidden")                                               \
	X(STORE, "store", "store error")                                                 \
	X(BUSY, "busy", "busy")                                                         \
	X(CORRUPT, "corrupt", "store is corrupt")                                          \
	X(TIMEOUT, "timeout", "timed out")                                                 \
	X(UPSTREAM, "upstream", "upstream error")                                           \
	X(RETRY, "retry", "retryable failure")                                           \
	X(PERMANENT, "permanent", "permanent failure")                                       \
	X(OPEN_CIRCUIT, "open_circuit", "circuit open")                                         \
	X(PAUSED, "paused", "paused")                                                     \
	X(UNSUPPORTED, "unsupported", "not supported")                                         \
	X(ROW, "row", "row")                                                           \
	X(DONE, "done", "done")

typedef enum seam_err_e {
#define SEAM__ERR_ENUM(name, lower, msg) SEAM_##name,
	SEAM_ERRORS(SEAM__ERR_ENUM)
#undef SEAM__ERR_ENUM
	SEAM__ERR_COUNT
} seam_err_t;

#define SEAM_ERROR_MSG_MAX 512

/* Error context: the code and a human message. Zero-initialise it; it may be NULL anywhere. */
typedef struct seam_error {
	seam_err_t code;
	char msg[SEAM_ERROR_MSG_MAX];
} seam_error_t;

/* Static message for a code ("store error"). Never NULL. */
const char *seam_strerror(seam_err_t code);

/* Stable lower-case name for a code ("store", "notfound"). */
const char *seam_errname(seam_err_t code);

/* Records code and a printf-style message on err (when not NULL); returns code so callers can
 * write `return seam_errorf(err, SEAM_IO, "open %s: %s", path, strerror(errno));`. */
seam_err_t seam_errorf(seam_error_t *err, seam_err_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
seam_err_t seam_verrorf(seam_error_t *err, seam_err_t code, const char *fmt, va_list ap);

/* Prefixes the existing message with "what: " (for adding context on the way up). */
seam_err_t seam_error_prefix(seam_error_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clears a context back to SEAM_OK and an empty message. */
void seam_error_clear(seam_error_t *err);

#endif
