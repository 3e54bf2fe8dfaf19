/*
 * log.c: JSON-lines logger and personal-data masking.
 *
 * A line is built in a local buffer (jansson dumps the object compactly) and written with one
 * write(2) while holding the logger's mutex, so lines from concurrent threads never interleave.
 * Secret-named fields are redacted here whatever the caller passed (rule 7 of docs/design.md).
 */
#include "core/log.h"

#include "core/buf.h"

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

#define LOG_BUF_CAP (256 * 1024) /* buffered bytes before the writing thread writes them itself */

struct seam_log {
	int fd;
	int level; /* read without the lock: an int store/load is atomic enough for a level */
	pthread_mutex_t mu;  /* the buffer (buffered) or the fd (not buffered) */
	pthread_mutex_t wmu; /* buffered: held while writing to fd, taken before mu */
	/* Buffered mode (seam_log_buffer): info and debug lines are appended to buf and written by
	 * the flusher thread every flush_ms, or by the appending thread when buf is full; warn and
	 * error lines write what is buffered and themselves at once. */
	int buffered;
	int stop;
	int flush_ms;
	char *buf, *spare;
	size_t len;
	pthread_cond_t cv;
	pthread_t flusher;
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
	pthread_mutex_init(&lg->wmu, NULL);
	pthread_cond_init(&lg->cv, NULL);
	return lg;
}

static int write_all(int fd, const char *buf, size_t len);

/* Writes what is buffered. Takes wmu then mu; the write itself runs under wmu only, so
 * appenders are not held up by the write. Returns with wmu held when keep_wmu (the caller
 * writes a line of its own right after, in order). */
static void flush_buffer(seam_log_t *lg, int keep_wmu)
{
	pthread_mutex_lock(&lg->wmu);
	pthread_mutex_lock(&lg->mu);
	char *full = lg->buf;
	size_t n = lg->len;
	lg->buf = lg->spare;
	lg->spare = full;
	lg->len = 0;
	pthread_mutex_unlock(&lg->mu);
	if (n)
		(void)write_all(lg->fd, full, n);
	if (!keep_wmu)
		pthread_mutex_unlock(&lg->wmu);
}

static void *flusher_main(void *arg)
{
	seam_log_t *lg = arg;
	pthread_setname_np(pthread_self(), "seam-log"); /* top -H, perf, gdb */
	pthread_mutex_lock(&lg->mu);
	while (!lg->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)lg->flush_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		(void)pthread_cond_timedwait(&lg->cv, &lg->mu, &until);
		if (!lg->len)
			continue;
		pthread_mutex_unlock(&lg->mu);
		flush_buffer(lg, 0);
		pthread_mutex_lock(&lg->mu);
	}
	pthread_mutex_unlock(&lg->mu);
	return NULL;
}

int seam_log_buffer(seam_log_t *lg, int flush_ms)
{
	if (!lg || lg->buffered)
		return lg ? 0 : -1;
	lg->buf = malloc(LOG_BUF_CAP);
	lg->spare = malloc(LOG_BUF_CAP);
	lg->flush_ms = flush_ms > 0 ? flush_ms : 100;
	if (!lg->buf || !lg->spare || pthread_create(&lg->flusher, NULL, flusher_main, lg) != 0) {
		free(lg->buf);
		free(lg->spare);
		lg->buf = lg->spare = NULL;
		return -1;
	}
	__atomic_store_n(&lg->buffered, 1, __ATOMIC_RELEASE);
	return 0;
}

void seam_log_flush(seam_log_t *lg)
{
	if (lg && __atomic_load_n(&lg->buffered, __ATOMIC_ACQUIRE))
		flush_buffer(lg, 0);
}

void seam_log_destroy(seam_log_t *lg)
{
	if (!lg)
		return;
	if (lg->buffered) {
		pthread_mutex_lock(&lg->mu);
		lg->stop = 1;
		pthread_cond_signal(&lg->cv);
		pthread_mutex_unlock(&lg->mu);
		pthread_join(lg->flusher, NULL);
		flush_buffer(lg, 0);
		free(lg->buf);
		free(lg->spare);
	}
	pthread_cond_destroy(&lg->cv);
	pthread_mutex_destroy(&lg->wmu);
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

/* Writes one whole line (newline included): appended to the buffer in buffered mode for info
 * and debug, written at once otherwise (after what is buffered, so lines keep their order). */
static void emit(seam_log_t *lg, seam_log_level_e level, const char *line, size_t n)
{
	if (!__atomic_load_n(&lg->buffered, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&lg->mu);
		(void)write_all(lg->fd, line, n);
		pthread_mutex_unlock(&lg->mu);
		return;
	}
	if (level <= SEAM_LOG_INFO && n <= LOG_BUF_CAP) {
		for (;;) {
			pthread_mutex_lock(&lg->mu);
			if (lg->len + n <= LOG_BUF_CAP) {
				memcpy(lg->buf + lg->len, line, n);
				lg->len += n;
				pthread_mutex_unlock(&lg->mu);
				return;
			}
			pthread_mutex_unlock(&lg->mu);
			flush_buffer(lg, 0); /* full: this thread writes it (nothing is dropped) */
		}
	}
	flush_buffer(lg, 1);
	(void)write_all(lg->fd, line, n);
	pthread_mutex_unlock(&lg->wmu);
}

static void vlogf(seam_log_t *lg, seam_log_level_e level, const char *module, const char *cid,
		  json_t *fields, const char *fmt, va_list ap)
{
	char msg[2048], ts[32];
	struct timespec now;
	struct tm tm;
	json_t *line;
	char *text;

	if (!seam_log_enabled(lg, level)) {
		json_decref(fields);
		return;
	}
	vsnprintf(msg, sizeof msg, fmt, ap);

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
	emit(lg, level, text, len + 1);
	free(text);
}

void seam_logf(seam_log_t *lg, seam_log_level_e level, const char *module, const char *cid,
	       json_t *fields, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlogf(lg, level, module, cid, fields, fmt, ap);
	va_end(ap);
}

/* Appends s as a JSON string as jansson's JSON_ENSURE_ASCII writes it: ASCII as is (quote,
 * backslash and controls escaped), everything else as \\uXXXX (UTF-16, upper-case hex);
 * invalid UTF-8 as \\ufffd (where jansson would refuse the string). */
static void put_json_str(seam_buf_t *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char u[13];
	seam_buf_add(b, "\"", 1);
	while (*p) {
		const unsigned char *run = p;
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			seam_buf_add(b, run, (size_t)(p - run));
		if (!*p)
			break;
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			seam_buf_add(b, e, 2);
			p++;
			continue;
		}
		const char *short_esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
				      : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
		if (short_esc) {
			seam_buf_add(b, short_esc, 2);
			p++;
			continue;
		}
		uint32_t cp = 0xfffd;
		size_t n = 1;
		if (c < 0x80) {
			cp = c; /* a control character or DEL */
		} else {
			int more = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
			if (more > 0) {
				uint32_t v = c & (0x3fu >> more);
				int ok = 1;
				for (int i = 1; i <= more; i++) {
					if ((p[i] & 0xc0) != 0x80) {
						ok = 0;
						break;
					}
					v = (v << 6) | (p[i] & 0x3fu);
				}
				uint32_t min = more == 1 ? 0x80 : more == 2 ? 0x800 : 0x10000;
				if (ok && v >= min && v <= 0x10ffff && (v < 0xd800 || v > 0xdfff)) {
					cp = v;
					n = (size_t)more + 1;
				}
			}
		}
		if (cp == 0x7f) { /* DEL is ASCII: jansson keeps it */
			seam_buf_add(b, p, 1);
			p++;
			continue;
		}
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			unsigned hi = 0xd800 | (v >> 10), lo = 0xdc00 | (v & 0x3ff);
			snprintf(u, sizeof u, "\\u%04X\\u%04X", hi, lo);
			seam_buf_add(b, u, 12);
		} else {
			u[0] = '\\', u[1] = 'u', u[2] = hex[(cp >> 12) & 15], u[3] = hex[(cp >> 8) & 15];
			u[4] = hex[(cp >> 4) & 15], u[5] = hex[cp & 15];
			seam_buf_add(b, u, 6);
		}
		p += n;
	}
	seam_buf_add(b, "\"", 1);
}

/* A real as jansson writes it with JSON_REAL_PRECISION(6): %.6g, a ".0" when it would read
 * back as an integer, no '+' or leading zeros in the exponent. */
static void put_real(seam_buf_t *b, double v)
{
	char t[40], out[40];
	snprintf(t, sizeof t, "%.6g", v);
	if (!strpbrk(t, ".eEni")) /* not inf/nan (never here), no dot, no exponent */
		strcat(t, ".0");
	size_t o = 0;
	for (const char *q = t; *q && o < sizeof out - 1; q++) {
		out[o++] = *q;
		if (*q == 'e') {
			q++;
			if (*q == '-')
				out[o++] = *q++;
			else if (*q == '+')
				q++;
			while (*q == '0' && q[1])
				q++;
			q--;
		}
	}
	out[o] = '\0';
	seam_buf_adds(b, out);
}

void seam_log_http(seam_log_t *lg, const char *module, const char *cid, const seam_log_http_t *h)
{
	if (!seam_log_enabled(lg, SEAM_LOG_INFO) || !h)
		return;
	char ts[32], num[48];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
	const char *method = h->method ? h->method : "", *path = h->path ? h->path : "";
	seam_buf_t b;
	seam_buf_init(&b, 1u << 20);
	seam_buf_adds(&b, "{\"ts\":\"");
	seam_buf_adds(&b, ts);
	seam_buf_adds(&b, "\",\"level\":\"info\",\"module\":");
	put_json_str(&b, module ? module : "seam");
	seam_buf_adds(&b, ",\"msg\":");
	/* msg is "%s %s %d" of method, path, status, as seam_logf would print it (2047 bytes at
	 * most) */
	{
		seam_buf_t m;
		seam_buf_init(&m, 2047);
		seam_buf_adds(&m, method);
		seam_buf_add(&m, " ", 1);
		seam_buf_adds(&m, path);
		snprintf(num, sizeof num, " %d", h->status);
		seam_buf_adds(&m, num);
		if (seam_buf_err(&m) == SEAM_OK) {
			put_json_str(&b, seam_buf_str(&m));
		} else {
			char msg[2048];
			snprintf(msg, sizeof msg, "%s %s %d", method, path, h->status);
			put_json_str(&b, msg);
		}
		seam_buf_dispose(&m);
	}
	if (cid && *cid) {
		seam_buf_adds(&b, ",\"correlation_id\":");
		put_json_str(&b, cid);
	}
	seam_buf_adds(&b, ",\"method\":");
	put_json_str(&b, method);
	seam_buf_adds(&b, ",\"path\":");
	put_json_str(&b, path);
	seam_buf_adds(&b, ",\"route\":");
	put_json_str(&b, h->route);
	snprintf(num, sizeof num, ",\"status\":%d,\"bytes\":%lld,\"duration_ms\":", h->status,
		 h->bytes);
	seam_buf_adds(&b, num);
	put_real(&b, h->duration_ms);
	seam_buf_adds(&b, ",\"remote\":");
	put_json_str(&b, h->remote);
	seam_buf_add(&b, "}\n", 2);
	if (seam_buf_err(&b) == SEAM_OK)
		emit(lg, SEAM_LOG_INFO, b.p, b.len);
	seam_buf_dispose(&b);
}

void seam_log_limit_init(seam_log_limit_t *lim, int64_t every_ms)
{
	lim->every_ms = every_ms > 0 ? every_ms : 0;
	lim->next_ms = 0;
	lim->held = 0;
}

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void seam_logf_limited(seam_log_t *lg, seam_log_limit_t *lim, seam_log_level_e level,
		       const char *module, const char *cid, json_t *fields, const char *fmt, ...)
{
	va_list ap;
	int64_t now, next;
	if (!seam_log_enabled(lg, level)) {
		json_decref(fields);
		return;
	}
	va_start(ap, fmt);
	if (!lim || !lim->every_ms) {
		vlogf(lg, level, module, cid, fields, fmt, ap);
		va_end(ap);
		return;
	}
	now = mono_ms();
	next = __atomic_load_n(&lim->next_ms, __ATOMIC_ACQUIRE);
	/* One thread per window wins the exchange and writes; the others are held back. */
	if (now >= next && __atomic_compare_exchange_n(&lim->next_ms, &next, now + lim->every_ms, 0,
						       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		uint64_t held = __atomic_exchange_n(&lim->held, 0, __ATOMIC_ACQ_REL);
		if (held) {
			if (!json_is_object(fields)) {
				json_decref(fields);
				fields = json_object();
			}
			json_object_set_new(fields, "suppressed", json_integer((json_int_t)held));
		}
		vlogf(lg, level, module, cid, fields, fmt, ap);
	} else {
		__atomic_add_fetch(&lim->held, 1, __ATOMIC_ACQ_REL);
		vlogf(lg, SEAM_LOG_DEBUG, module, cid, fields, fmt, ap);
	}
	va_end(ap);
}

static void copy_trunc(char *out, size_t cap, const char *s)
{
	if (cap == 0)
		return;
	snprintf(out, cap, "%s", s);
}

/* ---- personal data in free text (log.h lists what is recognised and why) ---- */

static int is_alnum(int c)
{
	return c > 0 && c < 0x80 && isalnum(c);
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return c > 0 && c < 0x80 && isalpha(c);
}

/* Characters of an unquoted address's local part in practice; anything else bounds it. */
static int is_local(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* Characters that glue a digit run to the word before or after it ("SO-1001", "v1.2.3",
 * the segments of a UUID): a run joined this way is an identifier, not personal data. */
static int is_joiner(int c)
{
	return c == '-' || c == '.' || c == '_' || c == '/' || c == '@';
}

/* Can a number (card, phone, IBAN) start at i? Not inside a word or an identifier. */
static int num_start(const char *s, size_t i)
{
	if (i == 0)
		return 1;
	if (is_alnum((unsigned char)s[i - 1]))
		return 0;
	return !(is_joiner((unsigned char)s[i - 1]) && i >= 2 && is_alnum((unsigned char)s[i - 2]));
}

/* Does a number that ends before e end a word? */
static int num_end(const char *s, size_t n, size_t e)
{
	if (e >= n)
		return 1;
	if (is_alnum((unsigned char)s[e]))
		return 0;
	return !(is_joiner((unsigned char)s[e]) && e + 1 < n && is_alnum((unsigned char)s[e + 1]));
}

/* The output of a scan: a bounded buffer that truncates (never overflows). */
typedef struct sink {
	char *p;
	size_t len, cap; /* cap includes the NUL */
} sink_t;

static void put(sink_t *k, const char *s, size_t n)
{
	if (!k->cap)
		return;
	if (n > k->cap - 1 - k->len)
		n = k->cap - 1 - k->len;
	memcpy(k->p + k->len, s, n);
	k->len += n;
	k->p[k->len] = '\0';
}

/* "***" and the last four digits (or alnums) of s[a, e). */
static void put_last4(sink_t *k, const char *prefix, const char *s, size_t a, size_t e)
{
	char last[5];
	int n = 0;
	for (size_t i = e; i > a && n < 4;) {
		i--;
		if (is_alnum((unsigned char)s[i]))
			last[3 - n++] = s[i];
	}
	put(k, prefix, strlen(prefix));
	put(k, "***", 3);
	put(k, last + 4 - n, (size_t)n);
}

/* An address starting at i (the first character of a local-part run): its end, or 0. */
static size_t match_email(const char *s, size_t n, size_t i, size_t *start)
{
	size_t j = i, p, last = 0;
	int labels = 0;
	while (j < n && is_local((unsigned char)s[j]))
		j++;
	if (j >= n || s[j] != '@')
		return 0;
	while (i < j && s[i] == '.') /* "...jane@": the dots are punctuation */
		i++;
	if (i == j)
		return 0;
	p = j + 1;
	for (;;) { /* labels; the address ends after the last all-letter label (the TLD) */
		size_t ls = p;
		int alpha = 1;
		while (p < n && (is_alnum((unsigned char)s[p]) || s[p] == '-')) {
			alpha &= is_alpha((unsigned char)s[p]);
			p++;
		}
		if (p == ls)
			break;
		if (++labels >= 2 && alpha && p - ls >= 2)
			last = p;
		if (p + 1 < n && s[p] == '.' && is_alnum((unsigned char)s[p + 1]))
			p++;
		else
			break;
	}
	*start = i;
	return last;
}

static void put_email(sink_t *k, const char *s, size_t a, size_t e)
{
	const char *at = memchr(s + a, '@', e - a), *dot = at;
	char buf[32];
	for (const char *q = at; q < s + e; q++)
		if (*q == '.')
			dot = q;
	snprintf(buf, sizeof buf, "%c***@%c***%.*s", s[a], at[1], (int)(s + e - dot > 16 ? 16 : s + e - dot),
		 dot);
	put(k, buf, strlen(buf));
}

/* IBAN lengths by country (the SWIFT IBAN registry). */
static const struct {
	char cc[3];
	unsigned char len;
} iban_len[] = {
	{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
	{"BG", 22}, {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28},
	{"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24},
	{"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18},
	{"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23},
	{"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32},
	{"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24},
	{"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15},
	{"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22},
	{"SA", 24}, {"SC", 31}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25},
	{"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24},
	{"XK", 20},
};

/* An IBAN starting at i: its end, or 0. */
static size_t match_iban(const char *s, size_t n, size_t i)
{
	size_t want = 0, p, last, cnt = 4, grp = 4, digits = 0;
	char cc[3];
	if (i + 15 > n || !is_alpha((unsigned char)s[i]) || !is_alpha((unsigned char)s[i + 1]) ||
	    !is_digit(s[i + 2]) || !is_digit(s[i + 3]))
		return 0;
	cc[0] = (char)toupper((unsigned char)s[i]);
	cc[1] = (char)toupper((unsigned char)s[i + 1]);
	cc[2] = '\0';
	for (size_t t = 0; t < sizeof iban_len / sizeof *iban_len; t++)
		if (strcmp(iban_len[t].cc, cc) == 0)
			want = iban_len[t].len;
	if (!want)
		return 0;
	p = last = i + 4;
	while (cnt < want && p < n) {
		if (is_alnum((unsigned char)s[p])) {
			digits += is_digit(s[p]);
			cnt++;
			grp++;
			last = ++p;
		} else if (s[p] == ' ' && grp == 4 && p + 1 < n && is_alnum((unsigned char)s[p + 1])) {
			grp = 0; /* the printed form: groups of four */
			p++;
		} else {
			break;
		}
	}
	/* An account number is mostly digits: "DE01BLACKLARGE..." is a SKU, not an IBAN. */
	if (cnt != want || digits < 6 || !num_end(s, n, last))
		return 0;
	return last;
}

/* A card-like run starting at i (a digit): 13-19 digits in groups separated by single spaces
 * or dashes. Returns its end, or 0. The longest prefix of whole groups that qualifies wins, so
 * a card followed by another number ("... 1111 2026") is still found. */
static size_t match_card(const char *s, size_t n, size_t i)
{
	size_t p = i, digits = 0, best = 0;
	for (;;) {
		while (p < n && is_digit(s[p])) {
			p++;
			digits++;
		}
		if (digits > 19)
			break;
		if (digits >= 13 && num_end(s, n, p))
			best = p;
		if (p + 1 < n && (s[p] == ' ' || s[p] == '-') && is_digit(s[p + 1]))
			p++;
		else
			break;
	}
	return best;
}

/* Is one of the words that announce a phone number among the few characters before i? */
static int phone_word_before(const char *s, size_t i)
{
	static const char *const words[] = {"phone", "tel", "mobil", "fax", "cell", "handy"};
	size_t a = i > 24 ? i - 24 : 0;
	char low[32];
	size_t m = 0;
	for (size_t q = a; q < i; q++)
		low[m++] = (char)tolower((unsigned char)s[q]);
	low[m] = '\0';
	for (size_t w = 0; w < sizeof words / sizeof *words; w++)
		if (strstr(low, words[w]))
			return 1;
	return 0;
}

/* A phone number starting at i ('+', '(' or a digit): its end, or 0. */
static size_t match_phone(const char *s, size_t n, size_t i)
{
	size_t p = i, end = 0, digits = 0;
	int plus = 0, paren = 0, seps = 0, ng = 0, grp[16], cur = 0;
	char first = 0;
	if (s[p] == '+') {
		plus = 1;
		p++;
	} else if (s[p] == '(') {
		/* an area code in parentheses: "(030) 1234567", "(415) 555-0133" */
		size_t q = p + 1;
		while (q < n && is_digit(s[q]))
			q++;
		if (q - p - 1 < 2 || q - p - 1 > 5 || q >= n || s[q] != ')')
			return 0;
		paren = 1;
	}
	while (p < n) {
		char c = s[p];
		if (is_digit(c)) {
			if (!first)
				first = c;
			else if (digits == 1 && first == '0' && c == '0')
				first = 'z'; /* "00...": zero-padded or international prefix */
			digits++;
			cur++;
			seps = 0;
			end = ++p;
			continue;
		}
		if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')') {
			if (cur) {
				if (ng == 16)
					break;
				grp[ng++] = cur;
				cur = 0;
			}
			if (++seps > 2)
				break;
			p++;
			continue;
		}
		break;
	}
	if (cur && ng < 16)
		grp[ng++] = cur;
	if (digits < 7 || digits > 15 || !end || !num_end(s, n, end))
		return 0;
	if (plus || paren)
		return end;
	/* dates and times are not phone numbers: 2026-11-26, 26.11.2026 */
	if (ng >= 3 && ((grp[0] == 4 && grp[1] == 2 && grp[2] == 2) ||
			(grp[0] == 2 && grp[1] == 2 && grp[2] == 4)))
		return 0;
	if (first == '0' && ng >= 2 && digits >= 9)
		return end; /* national format with the trunk prefix: 0171 2345678, 030/1234567 */
	if (ng == 3 && grp[0] == 3 && grp[1] == 3 && grp[2] == 4)
		return end; /* North American 415-555-0133 */
	return phone_word_before(s, i) ? end : 0;
}

/* The scanner: copies s[0, n) into k, masking what it recognises. Returns how many. */
static size_t scan_pii(const char *s, size_t n, sink_t *k)
{
	size_t i = 0, copied = 0, count = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t a = i, e = 0;
		if (is_local(c) && (i == 0 || !is_local((unsigned char)s[i - 1])))
			e = match_email(s, n, i, &a);
		if (e) {
			put(k, s + copied, a - copied);
			put_email(k, s, a, e);
		} else if (num_start(s, i) && (is_alpha(c) || is_digit(c) || c == '+' || c == '(')) {
			if (is_alpha(c) && (e = match_iban(s, n, i))) {
				char cc[3] = {(char)toupper(c), (char)toupper((unsigned char)s[i + 1]), 0};
				put(k, s + copied, i - copied);
				put_last4(k, cc, s, i + 4, e);
			} else if ((is_digit(c) && (e = match_card(s, n, i))) ||
				   (!is_alpha(c) && (e = match_phone(s, n, i)))) {
				put(k, s + copied, i - copied);
				put_last4(k, "", s, i, e);
			}
		}
		if (e) {
			count++;
			i = copied = e;
			continue;
		}
		i++;
	}
	put(k, s + copied, n - copied);
	return count;
}

char *seam_mask_pii(const char *text, char *out, size_t cap)
{
	sink_t k = {.p = out, .cap = cap};
	if (cap)
		out[0] = '\0';
	if (text)
		scan_pii(text, strlen(text), &k);
	return out;
}

char *seam_mask_pii_dup(const char *text, size_t *nmasked)
{
	size_t n = text ? strlen(text) : 0, count;
	/* A mask is at most twice as long as what it replaces ("a@b.io" -> "a***@b***.io"). */
	sink_t k = {.cap = 2 * n + 32};
	if (!(k.p = malloc(k.cap)))
		return NULL;
	k.p[0] = '\0';
	count = text ? scan_pii(text, n, &k) : 0;
	if (nmasked)
		*nmasked = count;
	return k.p;
}

char *seam_mask_email(const char *email, char *out, size_t cap)
{
	const char *at, *dot;
	char buf[256];
	if (!email || !*email) {
		copy_trunc(out, cap, "");
		return out;
	}
	if (strspn(email, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-@") !=
	    strlen(email)) {
		/* Not a bare address ("Jane <jane@x.org>", a sentence): mask the addresses in it. */
		sink_t k = {.p = out, .cap = cap};
		if (cap)
			out[0] = '\0';
		if (!scan_pii(email, strlen(email), &k))
			copy_trunc(out, cap, "***");
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

/* Replaces a string by its free-text mask when something in it was masked. */
static json_t *masked_string(json_t *val)
{
	size_t n = 0;
	char *m = seam_mask_pii_dup(json_string_value(val), &n);
	json_t *r = n && m ? json_string(m) : NULL;
	free(m);
	return r;
}

static size_t mask_json_rec(json_t *doc, int depth)
{
	const char *key;
	json_t *val, *r;
	size_t i, count = 0;
	char buf[256];
	if (depth > 64)
		return 0;
	if (json_is_array(doc)) {
		json_array_foreach(doc, i, val) {
			if (json_is_string(val)) {
				if ((r = masked_string(val))) {
					json_array_set_new(doc, i, r);
					count++;
				}
			} else {
				count += mask_json_rec(val, depth + 1);
			}
		}
		return count;
	}
	if (!json_is_object(doc))
		return 0;
	json_object_foreach(doc, key, val) {
		if (seam_log_key_is_secret(key)) {
			if (!json_is_string(val) || strcmp(json_string_value(val), "[redacted]") != 0) {
				json_object_set_new(doc, key, json_string("[redacted]"));
				count++;
			}
			continue;
		}
		if (json_is_string(val)) {
			const char *s = json_string_value(val);
			r = NULL;
			switch (pii_kind_of(key)) {
			case PII_EMAIL:
				r = json_string(seam_mask_email(s, buf, sizeof buf));
				break;
			case PII_PHONE:
				r = json_string(seam_mask_phone(s, buf, sizeof buf));
				break;
			case PII_TEXT:
				r = json_string(seam_mask_text(s, buf, sizeof buf));
				break;
			case PII_NONE:
				r = masked_string(val);
				break;
			}
			if (r) {
				json_object_set_new(doc, key, r);
				count++;
			}
		} else {
			count += mask_json_rec(val, depth + 1);
		}
	}
	return count;
}

size_t seam_mask_json(json_t *doc)
{
	return mask_json_rec(doc, 0);
}
