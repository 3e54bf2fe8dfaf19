/*
 * money.c: exact decimal arithmetic on int64 units with a decimal scale, and ISO 4217 minor
 * units. See money.h for the text syntax and the rounding modes.
 *
 * Overflow is checked on every step with the compiler's __builtin_*_overflow; a result that
 * does not fit is SEAM_TOOBIG, never a wrapped value. Magnitudes are handled as uint64 while
 * parsing and formatting so INT64_MIN round-trips.
 *
 * Thread-safety: pure functions over read-only tables.
 */
#include "domain/money.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int64_t pow10_tab[SEAM_MONEY_MAX_SCALE + 1] = {
	1LL,
	10LL,
	100LL,
	1000LL,
	10000LL,
	100000LL,
	1000000LL,
	10000000LL,
	100000000LL,
	1000000000LL,
	10000000000LL,
	100000000000LL,
	1000000000000LL,
	10000000000000LL,
	100000000000000LL,
	1000000000000000LL,
	10000000000000000LL,
	100000000000000000LL,
	1000000000000000000LL,
};

/* Shows at most 40 bytes of offending text in messages. */
static int shown(size_t len)
{
	return len > 40 ? 40 : (int)len;
}

seam_err_t seam_money_dec_parse(const char *s, size_t len, seam_money_dec_t *out, seam_error_t *err)
{
	const char *p, *end;
	uint64_t mag = 0, cap;
	int neg = 0, scale = 0, int_digits = 0, in_frac = 0;

	if (!s)
		return seam_errorf(err, SEAM_PARSE, "malformed decimal: null");
	if (len == (size_t)-1)
		len = strlen(s);
	p = s;
	end = s + len;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	cap = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		unsigned d;
		if (*p == '.') {
			if (in_frac || int_digits == 0)
				goto malformed;
			in_frac = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			goto malformed;
		d = (unsigned)(*p - '0');
		if (in_frac) {
			if (++scale > SEAM_MONEY_MAX_SCALE)
				return seam_errorf(err, SEAM_TOOBIG,
						   "decimal \"%.*s\" has more than %d fraction digits",
						   shown(len), s, SEAM_MONEY_MAX_SCALE);
		} else {
			int_digits++;
		}
		if (mag > (cap - d) / 10)
			return seam_errorf(err, SEAM_TOOBIG, "decimal \"%.*s\" is out of range",
					   shown(len), s);
		mag = mag * 10 + d;
	}
	if (int_digits == 0 || (in_frac && scale == 0))
		goto malformed;
	if (neg)
		out->units = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
	else
		out->units = (int64_t)mag;
	out->scale = scale;
	return SEAM_OK;
malformed:
	return seam_errorf(err, SEAM_PARSE, "malformed decimal \"%.*s\"", shown(len), s);
}

char *seam_money_dec_format(seam_money_dec_t d, char buf[SEAM_MONEY_BUF])
{
	char digits[24];
	int n = 0, i, o = 0;
	uint64_t mag = d.units < 0 ? (uint64_t)0 - (uint64_t)d.units : (uint64_t)d.units;

	do {
		digits[n++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	while (n < d.scale + 1)
		digits[n++] = '0';
	if (d.units < 0)
		buf[o++] = '-';
	for (i = n - 1; i >= 0; i--) {
		buf[o++] = digits[i];
		if (i == d.scale && i > 0)
			buf[o++] = '.';
	}
	buf[o] = '\0';
	return buf;
}

/* units * 10^by, or -1 on overflow. */
static int widen(int64_t units, int by, int64_t *out)
{
	return __builtin_mul_overflow(units, pow10_tab[by], out) ? -1 : 0;
}

seam_money_dec_t seam_money_dec_normalize(seam_money_dec_t a)
{
	while (a.scale > 0 && a.units % 10 == 0) {
		a.units /= 10;
		a.scale--;
	}
	return a;
}

static int add_raw(seam_money_dec_t a, seam_money_dec_t b, int sub, seam_money_dec_t *out)
{
	int s = a.scale > b.scale ? a.scale : b.scale;
	int64_t x, y, r;
	if (widen(a.units, s - a.scale, &x) || widen(b.units, s - b.scale, &y))
		return -1;
	if (sub ? __builtin_sub_overflow(x, y, &r) : __builtin_add_overflow(x, y, &r))
		return -1;
	out->units = r;
	out->scale = s;
	return 0;
}

static seam_err_t add_sub(seam_money_dec_t a, seam_money_dec_t b, int sub, seam_money_dec_t *out,
			  seam_error_t *err)
{
	char x[SEAM_MONEY_BUF], y[SEAM_MONEY_BUF];
	if (add_raw(a, b, sub, out) == 0)
		return SEAM_OK;
	/* "1.000000000000000000" + "10": drop zeros that only widen, then try again. */
	if (add_raw(seam_money_dec_normalize(a), seam_money_dec_normalize(b), sub, out) == 0)
		return SEAM_OK;
	return seam_errorf(err, SEAM_TOOBIG, "decimal overflow: %s %c %s", seam_money_dec_format(a, x),
			   sub ? '-' : '+', seam_money_dec_format(b, y));
}

seam_err_t seam_money_dec_add(seam_money_dec_t a, seam_money_dec_t b, seam_money_dec_t *out,
			      seam_error_t *err)
{
	return add_sub(a, b, 0, out, err);
}

seam_err_t seam_money_dec_sub(seam_money_dec_t a, seam_money_dec_t b, seam_money_dec_t *out,
			      seam_error_t *err)
{
	return add_sub(a, b, 1, out, err);
}

static int mul_raw(seam_money_dec_t a, seam_money_dec_t b, seam_money_dec_t *out)
{
	int64_t r;
	if (a.scale + b.scale > SEAM_MONEY_MAX_SCALE || __builtin_mul_overflow(a.units, b.units, &r))
		return -1;
	out->units = r;
	out->scale = a.scale + b.scale;
	return 0;
}

seam_err_t seam_money_dec_mul(seam_money_dec_t a, seam_money_dec_t b, seam_money_dec_t *out,
			      seam_error_t *err)
{
	char x[SEAM_MONEY_BUF], y[SEAM_MONEY_BUF];
	if (mul_raw(a, b, out) == 0)
		return SEAM_OK;
	if (mul_raw(seam_money_dec_normalize(a), seam_money_dec_normalize(b), out) == 0)
		return SEAM_OK;
	return seam_errorf(err, SEAM_TOOBIG, "decimal overflow: %s * %s", seam_money_dec_format(a, x),
			   seam_money_dec_format(b, y));
}

static int sign(int64_t v)
{
	return (v > 0) - (v < 0);
}

int seam_money_dec_cmp(seam_money_dec_t a, seam_money_dec_t b)
{
	int64_t x = a.units, y = b.units;
	/* Align to the larger scale. If widening overflows, that operand's magnitude exceeds
	 * every int64, so its sign alone decides. */
	if (a.scale < b.scale && widen(a.units, b.scale - a.scale, &x))
		return sign(a.units);
	if (b.scale < a.scale && widen(b.units, a.scale - b.scale, &y))
		return -sign(b.units);
	return (x > y) - (x < y);
}

seam_err_t seam_money_dec_round(seam_money_dec_t a, int scale, seam_money_round_e mode,
				seam_money_dec_t *out, seam_error_t *err)
{
	char x[SEAM_MONEY_BUF];
	int64_t p, q, r;
	uint64_t ar, twice;
	int inc = 0;

	if (scale < 0 || scale > SEAM_MONEY_MAX_SCALE)
		return seam_errorf(err, SEAM_INVAL, "scale %d is outside 0..%d", scale,
				   SEAM_MONEY_MAX_SCALE);
	if (scale >= a.scale) {
		if (widen(a.units, scale - a.scale, &out->units))
			return seam_errorf(err, SEAM_TOOBIG, "decimal overflow: %s at scale %d",
					   seam_money_dec_format(a, x), scale);
		out->scale = scale;
		return SEAM_OK;
	}
	p = pow10_tab[a.scale - scale];
	q = a.units / p;
	r = a.units % p;
	ar = r < 0 ? (uint64_t)0 - (uint64_t)r : (uint64_t)r;
	twice = 2 * ar; /* ar < p <= 10^18, so no overflow */
	switch (mode) {
	case SEAM_MONEY_DOWN:
		break;
	case SEAM_MONEY_UP:
		inc = ar != 0;
		break;
	case SEAM_MONEY_HALF_EVEN:
		inc = twice > (uint64_t)p || (twice == (uint64_t)p && (q % 2) != 0);
		break;
	case SEAM_MONEY_HALF_UP:
	default:
		inc = twice >= (uint64_t)p;
		break;
	}
	if (inc)
		q += a.units < 0 ? -1 : 1; /* |q| <= |units| / 10: cannot overflow */
	out->units = q;
	out->scale = scale;
	return SEAM_OK;
}

seam_err_t seam_money_dec_rescale(seam_money_dec_t a, int scale, seam_money_dec_t *out,
				  seam_error_t *err)
{
	char x[SEAM_MONEY_BUF];
	if (scale < 0 || scale > SEAM_MONEY_MAX_SCALE)
		return seam_errorf(err, SEAM_INVAL, "scale %d is outside 0..%d", scale,
				   SEAM_MONEY_MAX_SCALE);
	if (scale < a.scale && a.units % pow10_tab[a.scale - scale] != 0)
		return seam_errorf(err, SEAM_PARSE, "%s has more than %d fraction digits",
				   seam_money_dec_format(a, x), scale);
	return seam_money_dec_round(a, scale, SEAM_MONEY_DOWN, out, err);
}

int seam_money_round_parse(const char *name, seam_money_round_e *out)
{
	static const struct {
		const char *name;
		seam_money_round_e mode;
	} modes[] = {
		{"half_up", SEAM_MONEY_HALF_UP},
		{"half_even", SEAM_MONEY_HALF_EVEN},
		{"down", SEAM_MONEY_DOWN},
		{"up", SEAM_MONEY_UP},
	};
	if (!name) {
		*out = SEAM_MONEY_HALF_UP;
		return 0;
	}
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (strcmp(name, modes[i].name) == 0) {
			*out = modes[i].mode;
			return 0;
		}
	}
	return -1;
}

seam_err_t seam_money_parse(const char *s, int exponent, int64_t *minor, seam_error_t *err)
{
	seam_money_dec_t d, r;
	seam_err_t rc;
	if ((rc = seam_money_dec_parse(s, (size_t)-1, &d, err)) != SEAM_OK)
		return rc;
	if ((rc = seam_money_dec_rescale(d, exponent, &r, err)) != SEAM_OK)
		return rc;
	*minor = r.units;
	return SEAM_OK;
}

char *seam_money_format(int64_t minor, int exponent, char buf[SEAM_MONEY_BUF])
{
	seam_money_dec_t d = {minor, exponent};
	if (exponent < 0 || exponent > SEAM_MONEY_MAX_SCALE)
		return NULL;
	return seam_money_dec_format(d, buf);
}

/* ISO 4217 list one (current), by minor-unit exponent; codes are 3 letters + a space. Codes
 * ISO marks "N.A." (metals, XDR, XTS, XXX, ...) are listed with 0, as moneyphp does. */
static const struct {
	int exponent;
	const char *codes;
} currencies[] = {
	{2, "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
	    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR "
	    "FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW "
	    "KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN "
	    "NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD "
	    "SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS "
	    "VED VES WST XCD YER ZAR ZMW ZWL "},
	{0, "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XAG XAU XBA XBB XBC XBD XDR "
	    "XOF XPD XPF XPT XSU XTS XUA XXX "},
	{3, "BHD IQD JOD KWD LYD OMR TND "},
	{4, "CLF UYW "},
};

int seam_money_exponent(const char *currency)
{
	if (!currency || strlen(currency) != 3)
		return -1;
	for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++) {
		for (const char *c = currencies[i].codes; *c; c += 4) {
			if (memcmp(c, currency, 3) == 0)
				return currencies[i].exponent;
		}
	}
	return -1;
}

int seam_money_real_text(double d, char *out, size_t cap)
{
	char text[40];
	if (!isfinite(d) || fabs(d) >= 1e15)
		return -1;
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(text, sizeof text, "%.*g", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	/* %g may say 1e-05: write it positionally */
	const char *e = strchr(text, 'e');
	if (e) {
		const char *dot = strchr(text, '.');
		int frac = (dot && dot < e ? (int)(e - dot - 1) : 0) - atoi(e + 1);
		if (frac < 0)
			frac = 0;
		if (frac > 10)
			return -1;
		snprintf(text, sizeof text, "%.*f", frac, d);
	}
	if (!strcmp(text, "-0"))
		memcpy(text, "0", 2);
	if (strlen(text) >= cap)
		return -1;
	memcpy(out, text, strlen(text) + 1);
	return 0;
}
