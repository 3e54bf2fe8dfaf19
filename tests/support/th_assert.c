/* th_assert.c: see th_assert.h. */
#include "tests/support/th_assert.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

th_val_t th__val_i(intmax_t v)
{
	return (th_val_t){.kind = TH_V_INT, .i = v};
}

th_val_t th__val_u(uintmax_t v)
{
	return (th_val_t){.kind = TH_V_UINT, .u = v};
}

th_val_t th__val_d(double v)
{
	return (th_val_t){.kind = TH_V_DBL, .d = v};
}

th_val_t th__val_ld(long double v)
{
	return (th_val_t){.kind = TH_V_LDBL, .d = v};
}

th_val_t th__val_p(const void *v)
{
	return (th_val_t){.kind = TH_V_PTR, .p = v};
}

/* The shortest %g that reads back as the same value, so 0.73 prints as 0.73 and a value that
 * differs from it in the last bit shows the digits that differ. */
static void fmt(char *out, size_t cap, th_val_t v)
{
	switch (v.kind) {
	case TH_V_INT:
		snprintf(out, cap, "%" PRIdMAX, v.i);
		break;
	case TH_V_UINT:
		snprintf(out, cap, "%" PRIuMAX, v.u);
		break;
	case TH_V_DBL:
		for (int prec = 6; prec <= 17; prec++) {
			snprintf(out, cap, "%.*g", prec, (double)v.d);
			if (strtod(out, NULL) == (double)v.d)
				break;
		}
		break;
	case TH_V_LDBL:
		for (int prec = 6; prec <= 21; prec++) {
			snprintf(out, cap, "%.*Lg", prec, v.d);
			if (strtold(out, NULL) == v.d)
				break;
		}
		break;
	case TH_V_PTR:
		snprintf(out, cap, "%p", v.p);
		break;
	}
}

void th__cmp_fail(const char *file, int line, const char *atext, const char *op,
		  const char *btext, th_val_t a, th_val_t b)
{
	char ga[64], wb[64];
	fmt(ga, sizeof ga, a);
	fmt(wb, sizeof wb, b);
	print_error("ERROR: %s:%d: %s %s %s: got %s, want %s %s\n", file, line, atext, op, btext,
		    ga, op, wb);
	_fail(file, line);
}

void th__str_fail(const char *file, int line, const char *call, const char *atext,
		  const char *op, const char *btext, const char *a, const char *b, size_t n)
{
	if (n)
		print_error("ERROR: %s:%d: %s(%s, %s, %zu) %s 0: got \"%s\", want %s \"%.*s\"\n",
			    file, line, call, atext, btext, n, op, a ? a : "(null)", op,
			    (int)n, b ? b : "(null)");
	else
		print_error("ERROR: %s:%d: %s(%s, %s) %s 0: got \"%s\", want %s \"%s\"\n", file,
			    line, call, atext, btext, op, a ? a : "(null)", op, b ? b : "(null)");
	_fail(file, line);
}

json_t *th_json_parse(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	if (!j)
		fail_msg("test JSON does not parse: %s (line %d)", jerr.text, jerr.line);
	return j;
}
