/*
 * sim_money.h: exact decimal amounts for the simulators, private to sim/ (the doubles must not
 * share seam's own money code, or one misunderstanding would be written twice).
 *
 * An amount is an int64 count of 10^-scale units: scale 6 for Drupal Commerce (its price columns
 * are numeric(19,6), so "19.995" survives), the currency's ISO 4217 exponent for the payment
 * provider (minor units: 3998 for USD 39.98, 5 for JPY 5), 2 or 6 elsewhere. No binary floating
 * point touches an amount except where an upstream itself speaks JSON numbers (Business Central,
 * AvaTax), and those convert once, with rounding, at the edge.
 *
 * Thread-safety: pure functions.
 */
#ifndef SEAM_SIM_MONEY_H
#define SEAM_SIM_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define SEAM_SIM_DEC_MAX 40 /* buffer size for a formatted amount */

/* ISO 4217 exponent of a currency code: 0 (JPY, KRW, ...), 3 (KWD, BHD, ...), 4 (CLF, UYW),
 * otherwise 2. -1 when code is not three upper-case letters. */
int seam_sim_currency_digits(const char *code);

/* Parses a decimal string ("-12.5", "40", "0.000001") into units of 10^-scale. Returns 0, or -1
 * on bad syntax, overflow, or non-zero digits past the scale (no silent rounding). */
int seam_sim_dec_parse(const char *s, int scale, int64_t *out);

/* Writes v (units of 10^-scale) as a decimal string with at least min_frac fraction digits:
 * trailing zeros beyond min_frac are trimmed, and the point too when nothing follows it
 * (Drupal's Calculator::trim is min_frac 0: "39.98", "0", "40"). out: SEAM_SIM_DEC_MAX bytes. */
void seam_sim_dec_format(int64_t v, int scale, int min_frac, char *out);

/* Changes scale; reducing it rounds half away from zero (PHP_ROUND_HALF_UP, Drupal's default). */
int64_t seam_sim_dec_rescale(int64_t v, int from, int to);

/* a (scale sa) * b (scale sb) into out_scale, rounded half up. Returns 0 or -1 on overflow. */
int seam_sim_dec_mul(int64_t a, int sa, int64_t b, int sb, int out_scale, int64_t *out);

/* JSON-number edge: rounds d to scale. Returns 0, or -1 when not finite or out of range. */
int seam_sim_dec_from_double(double d, int scale, int64_t *out);
double seam_sim_dec_to_double(int64_t v, int scale);

/* Human form as Drupal's `formatted` property shows it: "$39.98", "€5.00", "¥500",
 * "CHF 12.50"; rounded to the currency's digits. */
void seam_sim_money_formatted(int64_t v, int scale, const char *currency, char *out, size_t cap);

#endif
