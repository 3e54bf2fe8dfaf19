/*
 * money.h: exact decimal amounts and ISO 4217 minor units. Money never passes through a
 * binary float anywhere in seam: upstreams hand amounts over as decimal strings ("39.98",
 * Drupal Commerce, Akeneo, EasyPost) or integers in minor units (commercetools), and this
 * module converts between the two without rounding behind anyone's back.
 *
 * Two representations:
 *   - minor units: int64_t `minor` plus the currency's `exponent` (fraction digits):
 *     USD 10.05 is (1005, 2), JPY 500 is (500, 0), KWD 1.250 is (1250, 3).
 *   - seam_money_dec_t: a decimal of any scale 0..SEAM_MONEY_MAX_SCALE, value = units * 10^-scale.
 *     It is what the arithmetic works on (quantities times prices, sums, rounding) and what
 *     the Lua mapping helpers (money.add, money.mul, ...) are built on.
 *
 * Text syntax, parsed strictly (input-driven, so every deviation is a SEAM_PARSE error with a
 * message, never a guess): an optional '-', one or more ASCII digits, optionally '.' followed
 * by one or more digits. No '+', no exponent, no spaces, no thousands separators, no ".5" or
 * "5.". Leading zeros are allowed ("007.50"). Formatting always writes exactly `scale`
 * fraction digits and never "-0".
 *
 * Invariants: no function rounds unless it is seam_money_dec_round(); every other operation
 * is exact or fails with SEAM_PARSE (malformed, or more fraction digits than the target
 * exponent) or SEAM_TOOBIG (the result does not fit in int64 units / scale 18).
 * Rounding modes: HALF_UP is Drupal Commerce's default (PHP_ROUND_HALF_UP: ties go away from
 * zero); HALF_EVEN is commercetools' default (banker's rounding).
 *
 * Thread-safety: every function is pure/reentrant; the currency table is read-only.
 * Ownership: nothing is allocated; output buffers are the caller's.
 */
#ifndef SEAM_DOMAIN_MONEY_H
#define SEAM_DOMAIN_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SEAM_MONEY_MAX_SCALE 18
/* Enough for any formatted int64 at any scale up to 18: sign, "0.", 18 digits, NUL. */
#define SEAM_MONEY_BUF 48

typedef struct seam_money_dec {
	int64_t units; /* value = units * 10^-scale */
	int scale;     /* 0..SEAM_MONEY_MAX_SCALE */
} seam_money_dec_t;

typedef enum seam_money_round_e {
	SEAM_MONEY_HALF_UP = 0, /* ties away from zero (Drupal Commerce Rounder default) */
	SEAM_MONEY_HALF_EVEN,   /* ties to the even neighbour (commercetools default) */
	SEAM_MONEY_DOWN,        /* toward zero (truncate) */
	SEAM_MONEY_UP,          /* away from zero */
} seam_money_round_e;

/* Parses the decimal text s[0..len) (len: strlen(s) when (size_t)-1). The scale of the result
 * is the number of fraction digits written ("4.00" -> units 400, scale 2). */
seam_err_t seam_money_dec_parse(const char *s, size_t len, seam_money_dec_t *out, seam_error_t *err);

/* Writes d into buf with exactly d.scale fraction digits; returns buf. */
char *seam_money_dec_format(seam_money_dec_t d, char buf[SEAM_MONEY_BUF]);

/* Exact a + b and a - b; the result has the larger of the two scales. */
seam_err_t seam_money_dec_add(seam_money_dec_t a, seam_money_dec_t b, seam_money_dec_t *out,
			      seam_error_t *err);
seam_err_t seam_money_dec_sub(seam_money_dec_t a, seam_money_dec_t b, seam_money_dec_t *out,
			      seam_error_t *err);

/* Exact a * b. The result scale is a.scale + b.scale; when that overflows int64 or exceeds
 * SEAM_MONEY_MAX_SCALE, trailing fraction zeros of the operands are dropped first, and only
 * if the exact product still does not fit is it SEAM_TOOBIG. */
seam_err_t seam_money_dec_mul(seam_money_dec_t a, seam_money_dec_t b, seam_money_dec_t *out,
			      seam_error_t *err);

/* -1, 0 or 1 as a <, ==, > b by value ("1.50" == "1.5"). Never fails. */
int seam_money_dec_cmp(seam_money_dec_t a, seam_money_dec_t b);

/* a rounded (or zero-extended) to exactly `scale` fraction digits with `mode`. */
seam_err_t seam_money_dec_round(seam_money_dec_t a, int scale, seam_money_round_e mode,
				seam_money_dec_t *out, seam_error_t *err);

/* a at exactly `scale` digits without rounding: SEAM_PARSE when a has non-zero digits beyond
 * `scale` ("10.055" at 2), SEAM_TOOBIG when widening overflows. */
seam_err_t seam_money_dec_rescale(seam_money_dec_t a, int scale, seam_money_dec_t *out,
				  seam_error_t *err);

/* a with trailing fraction zeros removed ("2.500" -> "2.5", "4.00" -> "4"). Never fails. */
seam_money_dec_t seam_money_dec_normalize(seam_money_dec_t a);

/* Parses "half_up", "half_even", "down", "up" (NULL means half_up). Returns 0, or -1 if unknown. */
int seam_money_round_parse(const char *name, seam_money_round_e *out);

/* Decimal text -> minor units at `exponent` (0..18), exactly: "10.05",2 -> 1005; "10.5",2 ->
 * 1050; "10.055",2 -> SEAM_PARSE (no silent rounding); overflow -> SEAM_TOOBIG. */
seam_err_t seam_money_parse(const char *s, int exponent, int64_t *minor, seam_error_t *err);

/* Minor units -> decimal text with exactly `exponent` fraction digits (1005,2 -> "10.05";
 * 500,0 -> "500"). Returns buf, or NULL when exponent is outside 0..18. */
char *seam_money_format(int64_t minor, int exponent, char buf[SEAM_MONEY_BUF]);

/* ISO 4217 minor-unit exponent of an active currency code ("USD" -> 2, "JPY" -> 0, "KWD" -> 3,
 * "CLF" -> 4), case-sensitive upper-case; -1 for an unknown code. Source: ISO 4217 list one
 * as published in moneyphp/iso-currencies resources/current.json (2024-09). */
int seam_money_exponent(const char *currency);

/* The decimal text of a double an upstream sent as a JSON number (Business Central, AvaTax):
 * the shortest text that reads back as the same double, written positionally ("0.00001", not
 * "1e-05"), "-0" as "0"; for any decimal of up to 15 significant digits that is the text it
 * was written as. 0, or -1 when d is not finite, not below 1e15 in size, has more than 10
 * fraction digits, or does not fit cap. */
int seam_money_real_text(double d, char *out, size_t cap);

#endif
