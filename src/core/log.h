/*
 * log.h: structured logs, one JSON object per line on a file descriptor (stderr by default).
 *
 * Every line has ts (RFC 3339, UTC, milliseconds), level, module, msg, correlation_id (when the
 * caller has one) and the caller's fields. Lines are written with one write(2) under a mutex,
 * so concurrent threads never interleave inside a line.
 *
 * Safety rules (docs/design.md rule 7) are enforced here, not left to callers: a field whose key
 * names a secret (authorization, password, secret, token, api_key, cookie, signature, ...) is
 * written as "[redacted]" whatever its value. Personal data is masked by the caller with
 * seam_mask_email / seam_mask_phone / seam_mask_text before it becomes a field.
 *
 * Thread-safety: a seam_log_t may be shared by all threads.
 */
#ifndef SEAM_CORE_LOG_H
#define SEAM_CORE_LOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum seam_log_level_e {
	SEAM_LOG_DEBUG = 0,
	SEAM_LOG_INFO,
	SEAM_LOG_WARN,
	SEAM_LOG_ERROR,
} seam_log_level_e;

typedef struct seam_log seam_log_t;

/* Creates a logger writing to fd (not closed by destroy) at minimum level `level`.
 * Returns owned (free with seam_log_destroy), NULL on allocation failure. */
seam_log_t *seam_log_create(int fd, seam_log_level_e level);
void seam_log_destroy(seam_log_t *lg);
void seam_log_set_level(seam_log_t *lg, seam_log_level_e level);
int seam_log_enabled(const seam_log_t *lg, seam_log_level_e level);

/* Parses "debug", "info", "warn", "error". Returns 0 and sets *out, or -1. */
int seam_log_level_parse(const char *s, seam_log_level_e *out);
const char *seam_log_level_name(seam_log_level_e level);

/*
 * Writes one line. lg may be NULL (nothing is written). cid may be NULL. fields is a JSON
 * object or NULL and is STOLEN (decref'd here). msg is printf-style.
 *   seam_logf(lg, SEAM_LOG_INFO, "http", cid, json_pack("{s:i}", "status", 200), "served %s", p);
 */
void seam_logf(seam_log_t *lg, seam_log_level_e level, const char *module, const char *cid,
	       json_t *fields, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * The access log's line for one HTTP request, formatted without building a JSON tree (it is
 * written once per request, on the request's thread). The line is what
 *   seam_logf(lg, SEAM_LOG_INFO, module, cid, {method, path, route, status, bytes,
 *             duration_ms, remote}, "%s %s %d", method, path, status)
 * writes, key for key. Strings may hold any bytes: invalid UTF-8 is written as U+FFFD.
 */
typedef struct seam_log_http {
	const char *method, *path, *route, *remote; /* NULL is written as "" */
	int status;
	long long bytes;
	double duration_ms;
} seam_log_http_t;
void seam_log_http(seam_log_t *lg, const char *module, const char *cid, const seam_log_http_t *h);

/*
 * Buffered mode, for a server's logger: from this call on, info and debug lines are collected
 * in memory and written by a background thread every flush_ms (or sooner by the thread that
 * finds the buffer full: nothing is dropped, a burst only waits for the write); warn and error
 * lines write everything buffered before them and then themselves at once, so they are never
 * held back. seam_log_flush writes what is buffered now; seam_log_destroy writes the rest, so a
 * shutdown (SIGTERM) loses nothing. What a crash (SIGKILL, abort) loses is at most the info
 * lines of the last flush_ms. Call once, before the logger is shared. Returns 0, or -1 (no
 * memory or thread: the logger stays unbuffered and works as before).
 */
int seam_log_buffer(seam_log_t *lg, int flush_ms);
void seam_log_flush(seam_log_t *lg);

/* Shorthands without fields. */
#define seam_log_info(lg, mod, cid, ...) seam_logf((lg), SEAM_LOG_INFO, (mod), (cid), NULL, __VA_ARGS__)
#define seam_log_warn(lg, mod, cid, ...) seam_logf((lg), SEAM_LOG_WARN, (mod), (cid), NULL, __VA_ARGS__)
#define seam_log_error(lg, mod, cid, ...) seam_logf((lg), SEAM_LOG_ERROR, (mod), (cid), NULL, __VA_ARGS__)
#define seam_log_debug(lg, mod, cid, ...) seam_logf((lg), SEAM_LOG_DEBUG, (mod), (cid), NULL, __VA_ARGS__)

/* Non-zero when a field key names a secret and its value must never be logged. */
int seam_log_key_is_secret(const char *key);

/*
 * Masking for personal data. Each writes a NUL-terminated masked copy into out (cap bytes,
 * truncating) and returns out. NULL input gives "".
 *   email  "jane.doe@example.com" -> "j***@e***.com"; text with addresses in it keeps the
 *          text and masks each address alone ("Product 1 - j***@e***.net"); no address: "***"
 *   phone  "+49 30 1234567"       -> "***4567"   (last 4 digits kept)
 *   text   any address line, name -> "***" (length is not revealed)
 *   pii    free text (an upstream's error message): every e-mail address, phone number, IBAN
 *          and card-like digit run in it is masked where it stands, the rest is kept:
 *          "IBAN DE89 3704 0044 0532 0130 00, card 4111 1111 1111 1111" ->
 *          "IBAN DE***3000, card ***1111".
 * What pii recognises (and what it leaves, because operators need it):
 *   e-mail  local@domain.tld; the local part is [A-Za-z0-9._%+-] and ends at anything else
 *           (quote, space, comma, colon, bracket, '/', '='), so only the address is masked
 *   IBAN    a country of the IBAN registry, 2 check digits and exactly that country's length,
 *           contiguous or in groups of 4; kept: country code and the last 4
 *   card    13-19 digits, contiguous or in groups separated by single spaces or dashes;
 *           kept: the last 4
 *   phone   7-15 digits with separators (space - . / parentheses) that look like a phone:
 *           a leading '+', an area code in parentheses, a national trunk '0' with groups,
 *           the North American 3-3-4, or one of phone/tel/mobile/fax/cell just before;
 *           kept: the last 4
 *   kept    order numbers (1001), amounts (19.99), UUIDs and hex ids, ISO dates and times,
 *           SKUs, zero-padded document numbers, versions, IP addresses: a digit run glued to
 *           letters or joined by '-', '.', '_' or '/' to them is part of a word, not PII.
 * Masking is idempotent (a mask contains nothing the scanner matches).
 */
char *seam_mask_email(const char *email, char *out, size_t cap);
char *seam_mask_phone(const char *phone, char *out, size_t cap);
char *seam_mask_text(const char *text, char *out, size_t cap);
char *seam_mask_pii(const char *text, char *out, size_t cap);
/* seam_mask_pii into a new string (owned, free()); *nmasked (may be NULL) gets how many
 * values were masked. NULL on allocation failure. */
char *seam_mask_pii_dup(const char *text, size_t *nmasked);

/*
 * Masks personal data inside a JSON document in place: string values under keys that name
 * personal data (email/mail, phone/telephone, address_line*, street, given_name, family_name,
 * name of a person, postal_code, ...) are replaced by their masks; secret keys by "[redacted]";
 * every other string (object member or array element) goes through seam_mask_pii.
 * For logging bodies that may hold personal data. Returns how many values changed.
 */
size_t seam_mask_json(json_t *doc);

/*
 * A limit on a repeated warning: at most one line per `every_ms` is written at its level,
 * with a field "suppressed" counting the lines held back since the previous one; the held
 * lines are written at debug level. One limit per source (e.g. per upstream), so an outage
 * of one upstream writes one warning per window, not one per failing call.
 * Thread-safety: a limit may be shared by all threads (atomics). init before sharing.
 */
typedef struct seam_log_limit {
	int64_t every_ms;  /* set by init */
	int64_t next_ms;   /* monotonic ms from which the next line may be written */
	uint64_t held;     /* lines held back since the last one written */
} seam_log_limit_t;

void seam_log_limit_init(seam_log_limit_t *lim, int64_t every_ms);
/* seam_logf through the limit (lim NULL: no limit). fields is stolen, as for seam_logf. */
void seam_logf_limited(seam_log_t *lg, seam_log_limit_t *lim, seam_log_level_e level,
		       const char *module, const char *cid, json_t *fields, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

#endif
