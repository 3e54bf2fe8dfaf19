/*
 * luamoney.h: the `money` library for mappings: exact decimal arithmetic on decimal strings,
 * built on src/domain/money.h. Amounts go in as decimal strings ("19.99") or Lua integers and
 * come out as decimal strings; Lua floats are refused (0.1 is not exact in binary). Every
 * function raises a Lua error naming itself and the bad value, which the mapping runtime
 * reports with the mapping's file and line.
 *
 *   money.add(a, b, ...)      exact sum, scale = largest operand scale   ("10.05","0.10" -> "10.15")
 *   money.sub(a, b)           exact difference
 *   money.mul(a, b)           exact product, scale = sum of scales        ("2","9.99" -> "19.98")
 *   money.sum(list)           exact sum of an array of amounts ("0" for an empty one)
 *   money.neg(a), money.abs(a)
 *   money.cmp(a, b)           -1, 0, 1 by value ("1.50" == "1.5")
 *   money.round(a, scale[, mode])  exactly `scale` fraction digits; mode "half_up" (default,
 *                             Drupal Commerce), "half_even", "down", "up"
 *   money.normalize(a)        trailing fraction zeros dropped ("2.00" -> "2")
 *   money.valid(a)            true when a is a well-formed amount (never raises)
 *   money.to_minor(a, exp)    integer minor units, exact or an error ("10.05",2 -> 1005)
 *   money.from_minor(n, exp)  decimal string with exp digits (1005,2 -> "10.05")
 *   money.exponent(code)      ISO 4217 fraction digits ("USD" -> 2, "JPY" -> 0, "KWD" -> 3)
 *
 * Thread-safety: acts only on the given lua_State.
 */
#ifndef SEAM_MAP_LUAMONEY_H
#define SEAM_MAP_LUAMONEY_H

#include <lua.h>

/* lua_CFunction: returns the money library table. Raises on out-of-memory (call protected). */
int seam_luamoney_open(lua_State *L);

#endif
