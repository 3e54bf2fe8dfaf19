/*
 * clock.c: wall and monotonic clocks, RFC 3339 formatting and parsing, and the duration and
 * size syntax of the config file.
 *
 * Calendar arithmetic uses the proleptic Gregorian days-from-civil algorithm rather than
 * gmtime_r/timegm, so it does not depend on TZ, locale or the range of time_t, and every
 * input is checked for overflow before it is multiplied.
 * Thread-safety: every function is reentrant; there is no state.
 */
#include "core/clock.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>

int64_t seam_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t seam_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double seam_mono_s(void)
{
	return (double)seam_mono_ns() / 1e9;
}

void seam_sleep_ms(int64_t ms)
{
	struct timespec req, rem;
	if (ms <= 0)
		return;
	req.tv_sec = (time_t)(ms / 1000);
	req.tv_nsec = (long)(ms % 1000) * 1000000;
	/* A signal must not shorten the sleep: continue with the remainder. */
	while (nanosleep(&req, &rem) != 0 && errno == EINTR)
		req = rem;
}

int64_t seam_clock_now_ms(const seam_clock_t *c)
{
	return c && c->now_ms ? c->now_ms(c->ud) : seam_now_ms();
}

int64_t seam_clock_mono_ns(const seam_clock_t *c)
{
	return c && c->mono_ns ? c->mono_ns(c->ud) : seam_mono_ns();
}

/* ---- calendar ---- */

int64_t seam_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int seam_days_in_month(int64_t y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dim[m - 1];
}

/* The range a four-digit year can show: 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z. */
#define MS_MIN (-62167219200000LL)
#define MS_MAX (253402300799999LL)

static void put_digits(char *out, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
}

void seam_rfc3339_ms(int64_t ms, char out[25])
{
	int64_t days, rem, y;
	int m, d;
	if (ms < MS_MIN)
		ms = MS_MIN;
	if (ms > MS_MAX)
		ms = MS_MAX;
	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* Fixed-width fields written directly: the clamp above bounds every one of them. */
	put_digits(out, (int)y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, (int)(rem / 3600000), 2);
	out[13] = ':';
	put_digits(out + 14, (int)(rem / 60000 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (int)(rem / 1000 % 60), 2);
	out[19] = '.';
	put_digits(out + 20, (int)(rem % 1000), 3);
	out[23] = 'Z';
	out[24] = '\0';
}

/* Reads exactly n decimal digits at *p into *v and advances *p. */
static int digits(const char **p, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		x = x * 10 + (c - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

int seam_rfc3339_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac = 0, off = 0;
	const char *p = s;
	if (!s || !ms)
		return -1;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -1;
	if (*p != 'T' && *p != 't')
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		return -1;
	/* Leap seconds (sec 60) are rejected: the store's ms clock cannot represent them. */
	if (mo < 1 || mo > 12 || d < 1 || d > seam_days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	if (*p == '.') {
		int n = 0;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		/* Any precision is accepted; digits past milliseconds are truncated. */
		for (; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 3)
				frac = frac * 10 + (*p - '0');
		for (; n < 3; n++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 60 + om);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	*ms = ((seam_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - (int64_t)off * 60) *
		      1000 + frac;
	return 0;
}

/* ---- config syntax ---- */

/* Reads an unsigned decimal at *p (at least one digit) without overflow; advances *p. */
static int read_uint(const char **p, int64_t *v)
{
	int64_t x = 0;
	const char *q = *p;
	if (*q < '0' || *q > '9')
		return -1;
	for (; *q >= '0' && *q <= '9'; q++) {
		int dg = *q - '0';
		if (x > (INT64_MAX - dg) / 10)
			return -1;
		x = x * 10 + dg;
	}
	*p = q;
	*v = x;
	return 0;
}

static int mul_add(int64_t *acc, int64_t v, int64_t unit)
{
	if (v > INT64_MAX / unit || *acc > INT64_MAX - v * unit)
		return -1;
	*acc += v * unit;
	return 0;
}

int seam_duration_parse(const char *s, int64_t *ms)
{
	static const struct {
		const char *name;
		int64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	const char *p = s;
	int64_t total = 0, v;
	if (!s || !ms || read_uint(&p, &v))
		return -1;
	if (*p == '\0') { /* a plain integer is seconds */
		if (mul_add(&total, v, 1000))
			return -1;
		*ms = total;
		return 0;
	}
	/* One or more <integer><unit> terms, as in "1h30m" or "1s500ms". */
	for (;;) {
		size_t best = 0;
		int64_t unit = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t n = strlen(units[i].name);
			if (n > best && strncmp(p, units[i].name, n) == 0) {
				best = n;
				unit = units[i].ms;
			}
		}
		if (!best || mul_add(&total, v, unit))
			return -1;
		p += best;
		if (*p == '\0')
			break;
		if (read_uint(&p, &v))
			return -1;
	}
	*ms = total;
	return 0;
}

int seam_time_arg_parse(const char *s, int64_t now_ms, int64_t *ms)
{
	int64_t v;
	if (!s || !ms)
		return -1;
	if (strcmp(s, "now") == 0) {
		*ms = now_ms;
		return 0;
	}
	if (seam_rfc3339_parse(s, &v) == 0) {
		*ms = v;
		return 0;
	}
	if (seam_duration_parse(s, &v) == 0 && v <= now_ms) {
		*ms = now_ms - v;
		return 0;
	}
	return -1;
}

int seam_size_parse(const char *s, int64_t *bytes)
{
	static const struct {
		const char *name;
		int64_t mult;
	} units[] = {
		{"", 1},
		{"B", 1},
		{"kB", 1000LL},
		{"KB", 1000LL},
		{"MB", 1000000LL},
		{"GB", 1000000000LL},
		{"TB", 1000000000000LL},
		{"KiB", 1LL << 10},
		{"MiB", 1LL << 20},
		{"GiB", 1LL << 30},
		{"TiB", 1LL << 40},
	};
	const char *p = s;
	int64_t v, total = 0;
	if (!s || !bytes || read_uint(&p, &v))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].name) == 0) {
			if (mul_add(&total, v, units[i].mult))
				return -1;
			*bytes = total;
			return 0;
		}
	}
	return -1;
}
