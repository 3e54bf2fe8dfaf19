/*
 * sim_money.c: fixed-scale decimal parsing, formatting and arithmetic on int64 (with __int128
 * for products), and the ISO 4217 exponents.
 */
#include "sim/sim_money.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int64_t pow10i(int n)
{
	int64_t p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

int seam_sim_currency_digits(const char *code)
{
	static const char *const zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
					   "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF",
					   "XPF", "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA",
					   "XBA", "XBB", "XBC", "XBD", "XTS", "XXX"};
	static const char *const three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
	if (!code || strlen(code) != 3)
		return -1;
	for (int i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return -1;
	for (size_t i = 0; i < sizeof zero / sizeof *zero; i++)
		if (!strcmp(code, zero[i]))
			return 0;
	for (size_t i = 0; i < sizeof three / sizeof *three; i++)
		if (!strcmp(code, three[i]))
			return 3;
	if (!strcmp(code, "CLF") || !strcmp(code, "UYW"))
		return 4;
	return 2;
}

int seam_sim_dec_parse(const char *s, int scale, int64_t *out)
{
	if (!s || !*s || scale < 0 || scale > 12)
		return -1;
	int neg = 0;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	__int128 v = 0;
	int digits = 0, frac = 0, seen_point = 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (seen_point)
				return -1;
			seen_point = 1;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -1;
		digits++;
		if (seen_point) {
			if (frac >= scale) {
				if (*s != '0')
					return -1; /* would lose precision */
				continue;
			}
			frac++;
		}
		v = v * 10 + (*s - '0');
		if (v > (__int128)INT64_MAX)
			return -1;
	}
	if (!digits)
		return -1;
	for (; frac < scale; frac++) {
		v *= 10;
		if (v > (__int128)INT64_MAX)
			return -1;
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

void seam_sim_dec_format(int64_t v, int scale, int min_frac, char *out)
{
	char digits[32];
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int n = snprintf(digits, sizeof digits, "%0*llu", scale + 1, (unsigned long long)a);
	int ip = n - scale; /* length of the integer part */
	int fl = scale;
	while (fl > min_frac && digits[ip + fl - 1] == '0')
		fl--;
	char *p = out;
	if (v < 0)
		*p++ = '-';
	memcpy(p, digits, (size_t)ip);
	p += ip;
	if (fl > 0) {
		*p++ = '.';
		memcpy(p, digits + ip, (size_t)fl);
		p += fl;
	}
	*p = '\0';
}

int64_t seam_sim_dec_rescale(int64_t v, int from, int to)
{
	if (to >= from)
		return v * pow10i(to - from);
	int64_t d = pow10i(from - to);
	int64_t q = v / d, r = v % d;
	if (r < 0)
		r = -r;
	if (r * 2 >= d)
		q += v < 0 ? -1 : 1;
	return q;
}

int seam_sim_dec_mul(int64_t a, int sa, int64_t b, int sb, int out_scale, int64_t *out)
{
	__int128 p = (__int128)a * b;
	int s = sa + sb;
	if (out_scale >= s) {
		for (int i = s; i < out_scale; i++)
			p *= 10;
	} else {
		__int128 d = 1;
		for (int i = out_scale; i < s; i++)
			d *= 10;
		__int128 q = p / d, r = p % d;
		if (r < 0)
			r = -r;
		if (r * 2 >= d)
			q += p < 0 ? -1 : 1;
		p = q;
	}
	if (p > (__int128)INT64_MAX || p < -(__int128)INT64_MAX)
		return -1;
	*out = (int64_t)p;
	return 0;
}

int seam_sim_dec_from_double(double d, int scale, int64_t *out)
{
	if (!isfinite(d))
		return -1;
	double x = d * (double)pow10i(scale);
	if (fabs(x) > 9.0e15)
		return -1;
	*out = (int64_t)llround(x);
	return 0;
}

double seam_sim_dec_to_double(int64_t v, int scale)
{
	return (double)v / (double)pow10i(scale);
}

void seam_sim_money_formatted(int64_t v, int scale, const char *currency, char *out, size_t cap)
{
	int digits = seam_sim_currency_digits(currency);
	if (digits < 0)
		digits = 2;
	char num[SEAM_SIM_DEC_MAX];
	seam_sim_dec_format(seam_sim_dec_rescale(v, scale, digits), digits, digits, num);
	const char *sym = NULL;
	if (!strcmp(currency, "USD"))
		sym = "$";
	else if (!strcmp(currency, "EUR"))
		sym = "\xe2\x82\xac";
	else if (!strcmp(currency, "GBP"))
		sym = "\xc2\xa3";
	else if (!strcmp(currency, "JPY"))
		sym = "\xc2\xa5";
	if (sym) {
		if (num[0] == '-')
			snprintf(out, cap, "-%s%s", sym, num + 1);
		else
			snprintf(out, cap, "%s%s", sym, num);
	} else {
		snprintf(out, cap, "%s %s", currency, num);
	}
}
