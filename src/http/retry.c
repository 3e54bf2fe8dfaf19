/*
 * retry.c: Retry-After / HTTP-date parsing.
 *
 * The date parser is written out instead of using strptime(3) or curl_getdate(3): strptime
 * depends on the locale for month names, and curl_getdate accepts almost any free-form date,
 * while a Retry-After value is either an HTTP-date in one of three fixed forms or garbage.
 * Thread-safety: pure functions.
 */
#include "http/retry.h"

#include <ctype.h>
#include <string.h>

#include "core/clock.h"

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int parse_month(const char *p)
{
	for (int i = 0; i < 12; i++)
		if (strncmp(p, months[i], 3) == 0)
			return i + 1;
	return 0;
}

/* Reads exactly n digits. */
static int digits(const char **pp, int n, int *out)
{
	const char *p = *pp;
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*out = v;
	return 0;
}

static int lit(const char **pp, const char *s)
{
	size_t n = strlen(s);
	if (strncmp(*pp, s, n) != 0)
		return -1;
	*pp += n;
	return 0;
}

/* "HH:MM:SS" */
static int hms(const char **pp, int *h, int *m, int *s)
{
	if (digits(pp, 2, h) || lit(pp, ":") || digits(pp, 2, m) || lit(pp, ":") || digits(pp, 2, s))
		return -1;
	return 0;
}

static int skip_dayname(const char **pp)
{
	const char *p = *pp;
	while (isalpha((unsigned char)*p))
		p++;
	if (p - *pp < 3)
		return -1;
	*pp = p;
	return 0;
}

int seam_http_date_parse(const char *s, int64_t *out_ms)
{
	const char *p = s;
	int day = 0, mon = 0, year = 0, h = 0, mi = 0, sec = 0;
	if (!s)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (skip_dayname(&p))
		return -1;
	if (*p == ',') {
		p++;
		if (lit(&p, " "))
			return -1;
		if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ' ') {
			/* IMF-fixdate: 06 Nov 1994 08:49:37 GMT */
			if (digits(&p, 2, &day) || lit(&p, " ") || !(mon = parse_month(p)))
				return -1;
			p += 3;
			if (lit(&p, " ") || digits(&p, 4, &year) || lit(&p, " ") || hms(&p, &h, &mi, &sec) ||
			    lit(&p, " GMT"))
				return -1;
		} else {
			/* RFC 850: 06-Nov-94 08:49:37 GMT */
			if (digits(&p, 2, &day) || lit(&p, "-") || !(mon = parse_month(p)))
				return -1;
			p += 3;
			if (lit(&p, "-") || digits(&p, 2, &year) || lit(&p, " ") || hms(&p, &h, &mi, &sec) ||
			    lit(&p, " GMT"))
				return -1;
			/* Two-digit years: RFC 9110 says a date that looks more than 50 years in the future
			 * is in the past; for a Retry-After this fixed pivot is equivalent. */
			year += year < 70 ? 2000 : 1900;
		}
	} else {
		/* asctime: Nov  6 08:49:37 1994 */
		if (lit(&p, " ") || !(mon = parse_month(p)))
			return -1;
		p += 3;
		if (lit(&p, " "))
			return -1;
		if (*p == ' ') {
			p++;
			if (digits(&p, 1, &day))
				return -1;
		} else if (digits(&p, 2, &day)) {
			return -1;
		}
		if (lit(&p, " ") || hms(&p, &h, &mi, &sec) || lit(&p, " ") || digits(&p, 4, &year))
			return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return -1;
	if (day < 1 || day > seam_days_in_month(year, mon) || h > 23 || mi > 59 || sec > 60)
		return -1;
	*out_ms = ((seam_days_from_civil(year, mon, day) * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000;
	return 0;
}

int seam_retry_after_parse(const char *value, int64_t now_ms, int64_t cap_ms, int64_t *out_ms)
{
	const char *p = value;
	int64_t ms;
	if (!value)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return -1;
	if (isdigit((unsigned char)*p)) {
		int64_t secs = 0;
		int overflow = 0;
		for (; isdigit((unsigned char)*p); p++) {
			if (secs > (INT64_MAX / 1000 - 9) / 10)
				overflow = 1;
			else
				secs = secs * 10 + (*p - '0');
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p)
			return -1;
		ms = overflow ? INT64_MAX : secs * 1000;
	} else {
		int64_t at;
		if (seam_http_date_parse(p, &at))
			return -1;
		ms = at > now_ms ? at - now_ms : 0;
	}
	if (cap_ms > 0 && ms > cap_ms)
		ms = cap_ms;
	*out_ms = ms;
	return 0;
}
