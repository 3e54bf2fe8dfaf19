/*
 * log.c: JSON-lines logger and personal-data masking.
 *
 * A line is built in a local buffer (jansson dumps the object compactly) and written with one
 * write(2) while holding the logger's mutex, so lines from concurrent threads never interleave.
 * Secret-named fields are redacted here whatever the caller passed (rule 7 of docs/design.md).
 */
#include "core/log.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct seam_log {
	int fd;
	int level; /* read without the lock: an int store/load is atomic enough for a level */
	pthread_mutex_t mu;
};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

seam_log_t *seam_log_create(int fd, seam_log_level_e level)
{
	seam_log_t *lg = calloc(1, sizeof *lg);
	if (!lg)
		return NULL;
	lg->fd = fd;
	lg->level = level;
	pthread_mutex_init(&lg->mu, NULL);
	return lg;
}

void seam_log_destroy(seam_log_t *lg)
{
	if (!lg)
		return;
	pthread_mutex_destroy(&lg->mu);
	free(lg);
}

void seam_log_set_level(seam_log_t *lg, seam_log_level_e level)
{
	if (lg)
		__atomic_store_n(&lg->level, (int)level, __ATOMIC_RELAXED);
}

int seam_log_enabled(const seam_log_t *lg, seam_log_level_e level)
{
	return lg && (int)level >= __atomic_load_n(&lg->level, __ATOMIC_RELAXED);
}

int seam_log_level_parse(const char *s, seam_log_level_e *out)
{
	for (int i = 0; s && i < 4; i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (seam_log_level_e)i;
			return 0;
		}
	}
	if (s && strcasecmp(s, "warning") == 0) {
		*out = SEAM_LOG_WARN;
		return 0;
	}
	return -1;
}

const char *seam_log_level_name(seam_log_level_e level)
{
	return (unsigned)level < 4 ? level_names[level] : "unknown";
}

int seam_log_key_is_secret(const char *key)
{
	static const char *const needles[] = {
		"authorization", "password", "passwd", "secret", "token", "api_key", "api-key", "apikey",
		"cookie", "signature", "hmac", "private_key", "client_secret", "card", "cvc", "pan",
	};
	char low[64];
	size_t i;
	if (!key)
		return 0;
	for (i = 0; key[i] && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof needles / sizeof needles[0]; i++) {
		if (strcmp(needles[i], "pan") == 0) {
			if (strcmp(low, "pan") == 0)
				return 1;
			continue;
		}
		if (strstr(low, needles[i]))
			return 1;
	}
	return 0;
}

static void redact_secrets(json_t *obj)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		if (seam_log_key_is_secret(key))
			json_object_set_new(obj, key, json_string("[redacted]"));
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void seam_logf(seam_log_t *lg, seam_log_level_e level, const char *module, const char *cid,
	       json_t *fields, const char *fmt, ...)
{
	char msg[2048], ts[32];
	struct timespec now;
	struct tm tm;
	json_t *line;
	char *text;
	va_list ap;

	if (!seam_log_enabled(lg, level)) {
		json_decref(fields);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);

	line = json_object();
	if (!line) {
		json_decref(fields);
		return;
	}
	json_object_set_new(line, "ts", json_string(ts));
	json_object_set_new(line, "level", json_string(seam_log_level_name(level)));
	json_object_set_new(line, "module", json_string(module ? module : "seam"));
	json_object_set_new(line, "msg", json_string(msg));
	if (cid && *cid)
		json_object_set_new(line, "correlation_id", json_string(cid));
	if (json_is_object(fields)) {
		redact_secrets(fields);
		/* Caller fields never overwrite the envelope keys. */
		json_object_update_missing(line, fields);
	}
	json_decref(fields);

	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
			  JSON_REAL_PRECISION(6));
	json_decref(line);
	if (!text)
		return;
	size_t len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room only for the NUL, which we replace */
	pthread_mutex_lock(&lg->mu);
	(void)write_all(lg->fd, text, len + 1);
	pthread_mutex_unlock(&lg->mu);
	free(text);
}

static void copy_trunc(char *out, size_t cap, const char *s)
{
	if (cap == 0)
		return;
	snprintf(out, cap, "%s", s);
}

char *seam_mask_email(const char *email, char *out, size_t cap)
{
	const char *at, *dot;
	char buf[256];
	if (!email || !*email) {
		copy_trunc(out, cap, "");
		return out;
	}
	at = strchr(email, '@');
	if (!at || at == email) {
		copy_trunc(out, cap, "***");
		return out;
	}
	dot = strrchr(at, '.');
	if (dot && dot > at + 1)
		snprintf(buf, sizeof buf, "%c***@%c***%.16s", email[0], at[1], dot);
	else
		snprintf(buf, sizeof buf, "%c***@***", email[0]);
	copy_trunc(out, cap, buf);
	return out;
}

char *seam_mask_phone(const char *phone, char *out, size_t cap)
{
	char digits[8];
	int n = 0;
	if (!phone || !*phone) {
		copy_trunc(out, cap, "");
		return out;
	}
	/* Keep the last four digits: enough for a support lead to match a caller. */
	for (const char *p = phone + strlen(phone); p > phone && n < 4;) {
		p--;
		if (isdigit((unsigned char)*p))
			digits[3 - n++] = *p;
	}
	if (n < 4) {
		copy_trunc(out, cap, "***");
		return out;
	}
	digits[4] = '\0';
	char buf[16];
	snprintf(buf, sizeof buf, "***%s", digits);
	copy_trunc(out, cap, buf);
	return out;
}

char *seam_mask_text(const char *text, char *out, size_t cap)
{
	copy_trunc(out, cap, text && *text ? "***" : "");
	return out;
}

enum pii_kind { PII_NONE, PII_EMAIL, PII_PHONE, PII_TEXT };

static enum pii_kind pii_kind_of(const char *key)
{
	static const char *const text_keys[] = {
		"address_line1", "address_line2", "address_line3", "address", "street", "addressline1",
		"addressline2", "line1", "line2", "given_name", "family_name", "additional_name",
		"first_name", "last_name", "firstname", "lastname", "full_name", "customer_name",
		"postal_code", "postcode", "zip", "zipcode", "organization", "shopper_name",
		"shopperemail", "name_on_card", "ip", "ip_address", "dependent_locality",
	};
	char low[64];
	size_t i;
	for (i = 0; key[i] && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	if (strstr(low, "email") || strcmp(low, "mail") == 0)
		return PII_EMAIL;
	if (strstr(low, "phone") || strstr(low, "telephone") || strcmp(low, "mobile") == 0)
		return PII_PHONE;
	for (i = 0; i < sizeof text_keys / sizeof text_keys[0]; i++)
		if (strcmp(low, text_keys[i]) == 0)
			return PII_TEXT;
	return PII_NONE;
}

static void mask_json_rec(json_t *doc, int depth)
{
	const char *key;
	json_t *val;
	size_t i;
	char buf[256];
	if (depth > 64)
		return;
	if (json_is_array(doc)) {
		json_array_foreach(doc, i, val)
			mask_json_rec(val, depth + 1);
		return;
	}
	if (!json_is_object(doc))
		return;
	json_object_foreach(doc, key, val) {
		if (seam_log_key_is_secret(key)) {
			json_object_set_new(doc, key, json_string("[redacted]"));
			continue;
		}
		if (json_is_string(val)) {
			const char *s = json_string_value(val);
			switch (pii_kind_of(key)) {
			case PII_EMAIL:
				json_object_set_new(doc, key, json_string(seam_mask_email(s, buf, sizeof buf)));
				break;
			case PII_PHONE:
				json_object_set_new(doc, key, json_string(seam_mask_phone(s, buf, sizeof buf)));
				break;
			case PII_TEXT:
				json_object_set_new(doc, key, json_string(seam_mask_text(s, buf, sizeof buf)));
				break;
			case PII_NONE:
				break;
			}
		} else {
			mask_json_rec(val, depth + 1);
		}
	}
}

void seam_mask_json(json_t *doc)
{
	mask_json_rec(doc, 0);
}
