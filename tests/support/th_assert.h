/*
 * th_assert.h: assertions that say what they saw, for what cmocka 1.1 has no typed assertion
 * for: orderings (<, <=, >, >=), doubles and pointers compared with any operator, and string
 * orderings. On failure they print the expression, both values and file:line, then fail the
 * running cmocka test:
 *
 *   ERROR: tests/unit/x.c:12: r.elapsed_ms >= 150: got 120, want >= 150
 *
 * TH_ASSERT_CMP(a, op, b) evaluates a and b once each, into temporaries of their own types,
 * and compares those with op: the comparison is exactly `a op b` (same conversions), so
 * replacing assert_true(a op b) keeps its meaning. Integers print in decimal with their sign,
 * doubles with the digits that round-trip, pointers with %p.
 *
 * TH_ASSERT_STRCMP(a, op, b) asserts strcmp(a, b) op 0 and prints both strings;
 * TH_ASSERT_STRNCMP(a, op, b, n) the same for strncmp (a prefix test is `==` with n).
 *
 * Use cmocka's own assert_int_equal, assert_string_equal, assert_non_null, ... where they fit.
 * Uses __typeof__ (a GCC/Clang keyword available under -std=c11). Thread-safety: as cmocka's
 * assertions (call from the test's thread).
 */
#ifndef SEAM_TESTS_TH_ASSERT_H
#define SEAM_TESTS_TH_ASSERT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct th_val {
	enum { TH_V_INT, TH_V_UINT, TH_V_DBL, TH_V_LDBL, TH_V_PTR } kind;
	intmax_t i;
	uintmax_t u;
	long double d;
	const void *p;
} th_val_t;

th_val_t th__val_i(intmax_t v);
th_val_t th__val_u(uintmax_t v);
th_val_t th__val_d(double v);
th_val_t th__val_ld(long double v);
th_val_t th__val_p(const void *v);

/* The value of x as printable, chosen by its type (the call happens after the selection, so
 * only the matching conversion is applied). */
#define TH__VAL(x) _Generic((x), \
	_Bool: th__val_u, char: th__val_i, signed char: th__val_i, unsigned char: th__val_u, \
	short: th__val_i, unsigned short: th__val_u, int: th__val_i, unsigned int: th__val_u, \
	long: th__val_i, unsigned long: th__val_u, long long: th__val_i, \
	unsigned long long: th__val_u, float: th__val_d, double: th__val_d, \
	long double: th__val_ld, default: th__val_p)(x)

/* Prints the failure and fails the running test (does not return). */
void th__cmp_fail(const char *file, int line, const char *atext, const char *op,
		  const char *btext, th_val_t a, th_val_t b);
void th__str_fail(const char *file, int line, const char *call, const char *atext,
		  const char *op, const char *btext, const char *a, const char *b, size_t n);

/* -Wsign-compare is off for the comparison of the temporaries only: `n >= 1` with a size_t n
 * does not warn (1 is a constant) but a temporary holding 1 would, for the same comparison. */
#define TH_ASSERT_CMP(a, op, b) do { \
	__typeof__(a) th_a_ = (a); \
	__typeof__(b) th_b_ = (b); \
	_Pragma("GCC diagnostic push") \
	_Pragma("GCC diagnostic ignored \"-Wsign-compare\"") \
	int th_ok_ = th_a_ op th_b_; \
	_Pragma("GCC diagnostic pop") \
	if (!th_ok_) \
		th__cmp_fail(__FILE__, __LINE__, #a, #op, #b, TH__VAL(th_a_), TH__VAL(th_b_)); \
} while (0)

#define TH_ASSERT_STRCMP(a, op, b) do { \
	const char *th_sa_ = (a), *th_sb_ = (b); \
	if (!(strcmp(th_sa_, th_sb_) op 0)) \
		th__str_fail(__FILE__, __LINE__, "strcmp", #a, #op, #b, th_sa_, th_sb_, 0); \
} while (0)

#define TH_ASSERT_STRNCMP(a, op, b, n) do { \
	const char *th_sa_ = (a), *th_sb_ = (b); \
	size_t th_n_ = (n); \
	if (!(strncmp(th_sa_, th_sb_, th_n_) op 0)) \
		th__str_fail(__FILE__, __LINE__, "strncmp", #a, #op, #b, th_sa_, th_sb_, th_n_); \
} while (0)

/* Test JSON written in the test itself: parsed (new reference), or the test fails with
 * jansson's message and line (a typo in a fixture, not a finding). */
struct json_t;
struct json_t *th_json_parse(const char *text);

#endif
