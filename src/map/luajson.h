/*
 * luajson.h: faithful conversion between jansson values and Lua 5.4 values for the mapping
 * runtime, and the `json` library that mappings see.
 *
 * JSON -> Lua:
 *   null -> json.null (one light userdata per process; json.null == json.null; it is truthy,
 *           so test it with `v == json.null` or json.isnull(v), never `if v then`)
 *   true/false -> boolean;  integer -> Lua integer (int64);  real -> Lua float
 *   string -> Lua string, byte-exact (length-counted, embedded NULs kept)
 *   array -> table 1..n marked with the json.array metatable (so [] stays [])
 *   object -> table with string keys marked with the json.object metatable
 * Lua -> JSON:
 *   nil (top level only) is not a value: the caller decides what it means
 *   json.null -> null;  boolean -> true/false;  integer -> integer;  float -> real
 *   (NaN and infinities are errors);  string -> string (must be valid UTF-8)
 *   table marked json.array -> array: keys must be exactly 1..n (a hole is an error: use
 *     json.null for null elements)
 *   table marked json.object -> object: string keys; integer keys become their decimal text
 *   unmarked table -> array when its keys are exactly 1..n (n >= 1), object when all keys
 *     are strings, and an EMPTY unmarked table becomes {} (an object). Say json.array() for a
 *     list that may be empty. Mixed or sparse keys are errors, never guesses.
 *   functions, other userdata, threads -> error.
 * Object key order is not preserved (Lua tables have none); dump with JSON_SORT_KEYS where
 * order matters. Nesting deeper than max_depth is an error both ways (this also stops cycles).
 * Integers beyond int64 never reach here: jansson refuses them when parsing ("too big
 * integer"), and Lua integers are int64.
 *
 * The marks are metatables with a __metatable field, so mappings cannot read or replace them
 * (getmetatable returns "json.array"/"json.object"); json.array(t)/json.object(t) set them.
 *
 * Thread-safety: functions act on the given lua_State only; the null sentinel and registry
 * keys are addresses of static objects that are never written.
 */
#ifndef SEAM_MAP_LUAJSON_H
#define SEAM_MAP_LUAJSON_H

#include <jansson.h>
#include <lua.h>

#include "core/err.h"

#define SEAM_LUAJSON_MAX_DEPTH 64

/* lua_CFunction: registers the marks and the json.null metatable in L and returns the json
 * library table (null, array, object, isnull, nonnull, isarray). Raises on out-of-memory:
 * call it protected (lua_pcall or luaL_requiref inside a protected call). */
int seam_luajson_open(lua_State *L);

/* Pushes j (borrowed, not NULL) as a Lua value. Raises a Lua error (no position prefix) when
 * the nesting exceeds max_depth or memory runs out: call it in protected mode. */
void seam_luajson_push(lua_State *L, json_t *j, int max_depth);

/* Converts the Lua value at idx into JSON. Runs no Lua code (raw access, no metamethods) and
 * never raises. Returns a new reference, or NULL with SEAM_INVAL and a message that names the
 * JSON path of the offending value ("$.lines[0].price: cannot convert a function to JSON"). */
json_t *seam_luajson_to_json(lua_State *L, int idx, int max_depth, seam_error_t *err);

/* Non-zero when the value at idx is json.null. */
int seam_luajson_isnull(lua_State *L, int idx);

#endif
