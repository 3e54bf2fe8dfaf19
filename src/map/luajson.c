/*
 * luajson.c: jansson <-> Lua conversion and the `json` library (see luajson.h for the rules).
 *
 * The Lua -> JSON direction is written to never raise a Lua error: it uses only raw, non-
 * allocating Lua API calls (lua_next, lua_rawgeti, lua_rawgetp, lua_checkstack) so it can run
 * outside a protected call and cannot longjmp over jansson references it holds. The JSON ->
 * Lua direction allocates Lua memory and therefore runs protected.
 *
 * Thread-safety: state lives in the lua_State; the static tags below are only addresses.
 */
#include "map/luajson.h"

#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Unique addresses: the null sentinel and the registry keys of the two marks. */
static const char null_tag = 'n';
static const char array_key = 'a';
static const char object_key = 'o';

#define NULL_PTR ((void *)&null_tag)

int seam_luajson_isnull(lua_State *L, int idx)
{
	return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL_PTR;
}

/* ---- JSON -> Lua ------------------------------------------------------------------------ */

static void push_value(lua_State *L, json_t *j, int depth, int max_depth)
{
	size_t i, n;
	const char *key;
	json_t *v;

	luaL_checkstack(L, 4, "JSON input too deep");
	switch (json_typeof(j)) {
	case JSON_NULL:
		lua_pushlightuserdata(L, NULL_PTR);
		return;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		return;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		return;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(j));
		return;
	case JSON_REAL:
		lua_pushnumber(L, (lua_Number)json_real_value(j));
		return;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(j), json_string_length(j));
		return;
	default:
		break;
	}
	if (depth >= max_depth) {
		lua_pushfstring(L, "input: nesting deeper than %d levels", max_depth);
		lua_error(L);
	}
	if (json_is_array(j)) {
		n = json_array_size(j);
		lua_createtable(L, n > (size_t)INT32_MAX ? 0 : (int)n, 0);
		json_array_foreach (j, i, v) {
			push_value(L, v, depth + 1, max_depth);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		lua_rawgetp(L, LUA_REGISTRYINDEX, &array_key);
	} else {
		size_t klen;
		n = json_object_size(j);
		lua_createtable(L, 0, n > (size_t)INT32_MAX ? 0 : (int)n);
		json_object_keylen_foreach (j, key, klen, v) {
			lua_pushlstring(L, key, klen);
			push_value(L, v, depth + 1, max_depth);
			lua_rawset(L, -3);
		}
		lua_rawgetp(L, LUA_REGISTRYINDEX, &object_key);
	}
	lua_setmetatable(L, -2);
}

void seam_luajson_push(lua_State *L, json_t *j, int max_depth)
{
	push_value(L, j, 0, max_depth > 0 ? max_depth : SEAM_LUAJSON_MAX_DEPTH);
}

/* ---- Lua -> JSON ------------------------------------------------------------------------ */

typedef struct conv {
	lua_State *L;
	int max_depth;
	seam_error_t *err;
	char path[256];
	size_t plen;
} conv_t;

static json_t *fail(conv_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *fail(conv_t *c, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	seam_errorf(c->err, SEAM_INVAL, "%s: %s", c->path, what);
	return NULL;
}

/* Appends a path segment; returns the old length for pop_path. Over-long paths end in "..". */
static size_t push_path(conv_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t push_path(conv_t *c, const char *fmt, ...)
{
	size_t old = c->plen;
	va_list ap;
	int w;
	if (c->plen + 3 >= sizeof c->path)
		return old;
	va_start(ap, fmt);
	w = vsnprintf(c->path + c->plen, sizeof c->path - c->plen, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof c->path - c->plen) {
		c->plen = sizeof c->path - 3;
		memcpy(c->path + c->plen, "..", 3);
		c->plen += 2;
	} else {
		c->plen += (size_t)w;
	}
	return old;
}

static void pop_path(conv_t *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

static size_t push_key_path(conv_t *c, const char *k, size_t klen)
{
	int ident = klen > 0 && klen <= 40;
	for (size_t i = 0; ident && i < klen; i++) {
		unsigned char ch = (unsigned char)k[i];
		ident = ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(i > 0 && ch >= '0' && ch <= '9');
	}
	if (ident)
		return push_path(c, ".%.*s", (int)klen, k);
	return push_path(c, "[\"%.*s%s\"]", klen > 40 ? 40 : (int)klen, k, klen > 40 ? ".." : "");
}

static json_t *to_json(conv_t *c, int idx, int depth);

/* Which mark the table at idx carries: 'a', 'o' or 0 (none or a mapping's own metatable). */
static int mark_of(lua_State *L, int idx)
{
	int m = 0;
	if (!lua_getmetatable(L, idx))
		return 0;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &array_key);
	if (lua_rawequal(L, -1, -2))
		m = 'a';
	lua_pop(L, 1);
	if (!m) {
		lua_rawgetp(L, LUA_REGISTRYINDEX, &object_key);
		if (lua_rawequal(L, -1, -2))
			m = 'o';
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return m;
}

static json_t *array_to_json(conv_t *c, int idx, lua_Integer n, int depth)
{
	lua_State *L = c->L;
	json_t *arr = json_array();
	if (!arr)
		return fail(c, "out of memory");
	for (lua_Integer i = 1; i <= n; i++) {
		size_t old = push_path(c, "[%lld]", (long long)(i - 1));
		json_t *v;
		lua_rawgeti(L, idx, i);
		v = to_json(c, lua_gettop(L), depth + 1);
		lua_pop(L, 1);
		if (!v || json_array_append_new(arr, v) != 0) {
			if (v)
				fail(c, "out of memory");
			json_decref(arr);
			return NULL;
		}
		pop_path(c, old);
	}
	return arr;
}

static json_t *object_to_json(conv_t *c, int idx, int depth)
{
	lua_State *L = c->L;
	json_t *obj = json_object();
	if (!obj)
		return fail(c, "out of memory");
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		char num[32];
		const char *k;
		size_t klen, old;
		json_t *v;
		if (lua_type(L, -2) == LUA_TSTRING) {
			k = lua_tolstring(L, -2, &klen);
		} else {
			/* Only integer keys reach here (classify() refused the rest). */
			klen = (size_t)snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, -2));
			k = num;
		}
		old = push_key_path(c, k, klen);
		if (json_object_getn(obj, k, klen)) {
			lua_pop(L, 2);
			json_decref(obj);
			return fail(c, "duplicate key (an integer key and its string form)");
		}
		v = to_json(c, lua_gettop(L), depth + 1);
		lua_pop(L, 1);
		if (!v) {
			lua_pop(L, 1);
			json_decref(obj);
			return NULL;
		}
		if (json_object_setn_new(obj, k, klen, v) != 0) {
			lua_pop(L, 1);
			json_decref(obj);
			return fail(c, "key is not valid UTF-8");
		}
		pop_path(c, old);
	}
	return obj;
}

/* Scans the keys of the table at idx. Returns 0 with *n_int (count of integer keys >= 1),
 * *max_int and *n_str, or -1 after recording an error for a key JSON cannot have. */
static int classify(conv_t *c, int idx, int mark, lua_Integer *n_int, lua_Integer *max_int,
		    lua_Integer *n_str)
{
	lua_State *L = c->L;
	*n_int = *max_int = *n_str = 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		int kt = lua_type(L, -2);
		lua_pop(L, 1);
		if (kt == LUA_TSTRING) {
			(*n_str)++;
		} else if (kt == LUA_TNUMBER && lua_isinteger(L, -1) &&
			   (lua_tointeger(L, -1) >= 1 || mark == 'o')) {
			lua_Integer k = lua_tointeger(L, -1);
			(*n_int)++;
			if (k > *max_int)
				*max_int = k;
		} else {
			char what[64];
			if (kt == LUA_TNUMBER)
				snprintf(what, sizeof what, "key %.14g", (double)lua_tonumber(L, -1));
			else
				snprintf(what, sizeof what, "a %s key", lua_typename(L, kt));
			lua_pop(L, 1);
			fail(c, "table has %s: JSON keys are strings or array indexes 1..n", what);
			return -1;
		}
	}
	return 0;
}

static json_t *table_to_json(conv_t *c, int idx, int depth)
{
	lua_Integer n_int, max_int, n_str;
	int mark;

	if (depth >= c->max_depth)
		return fail(c, "nesting deeper than %d levels (or a table that contains itself)",
			    c->max_depth);
	if (!lua_checkstack(c->L, 6))
		return fail(c, "Lua stack exhausted");
	mark = mark_of(c->L, idx);
	if (classify(c, idx, mark, &n_int, &max_int, &n_str) != 0)
		return NULL;
	if (mark == 'o')
		return object_to_json(c, idx, depth);
	if (mark == 'a' || (n_str == 0 && n_int > 0)) {
		if (n_str > 0)
			return fail(c, "array has string keys");
		if (max_int != n_int)
			return fail(c,
				    "array has a hole (largest index %lld, %lld elements): use json.null "
				    "for null elements, or json.object() for a map",
				    (long long)max_int, (long long)n_int);
		return array_to_json(c, idx, n_int, depth);
	}
	if (n_int > 0)
		return fail(c, "table mixes string and integer keys");
	return object_to_json(c, idx, depth); /* all string keys, or empty: {} */
}

static json_t *to_json(conv_t *c, int idx, int depth)
{
	lua_State *L = c->L;
	json_t *j;
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return fail(c, "nil is not a JSON value (use json.null)");
	case LUA_TBOOLEAN:
		j = json_boolean(lua_toboolean(L, idx));
		break;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			j = json_integer((json_int_t)lua_tointeger(L, idx));
		} else {
			double d = (double)lua_tonumber(L, idx);
			if (!isfinite(d))
				return fail(c, "number is NaN or infinite");
			j = json_real(d);
		}
		break;
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		j = json_stringn(s, len);
		if (!j)
			return fail(c, "string is not valid UTF-8");
		break;
	}
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == NULL_PTR) {
			j = json_null();
			break;
		}
		return fail(c, "cannot convert a %s to JSON", "userdata");
	case LUA_TTABLE:
		return table_to_json(c, lua_absindex(L, idx), depth);
	default:
		return fail(c, "cannot convert a %s to JSON", lua_typename(L, lua_type(L, idx)));
	}
	if (!j)
		return fail(c, "out of memory");
	return j;
}

json_t *seam_luajson_to_json(lua_State *L, int idx, int max_depth, seam_error_t *err)
{
	conv_t c = {.L = L, .max_depth = max_depth > 0 ? max_depth : SEAM_LUAJSON_MAX_DEPTH, .err = err};
	int top = lua_gettop(L);
	json_t *j;
	memcpy(c.path, "$", 2);
	c.plen = 1;
	if (!lua_checkstack(L, 8)) {
		seam_errorf(err, SEAM_INVAL, "$: Lua stack exhausted");
		return NULL;
	}
	j = to_json(&c, lua_absindex(L, idx), 0);
	lua_settop(L, top);
	return j;
}

/* ---- the json library ------------------------------------------------------------------- */

/* json.array([t]) / json.object([t]): marks t (or a new table) and returns it. */
static int mark_table(lua_State *L, const char *key, const char *fname)
{
	if (lua_isnoneornil(L, 1)) {
		lua_settop(L, 0);
		lua_newtable(L);
	} else {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_settop(L, 1);
		if (lua_getmetatable(L, 1)) {
			if (!mark_of(L, 1))
				return luaL_error(L, "%s: table already has a metatable", fname);
			lua_pop(L, 1);
		}
	}
	lua_rawgetp(L, LUA_REGISTRYINDEX, key);
	lua_setmetatable(L, 1);
	return 1;
}

static int l_array(lua_State *L)
{
	return mark_table(L, &array_key, "json.array");
}

static int l_object(lua_State *L)
{
	return mark_table(L, &object_key, "json.object");
}

static int l_isnull(lua_State *L)
{
	lua_pushboolean(L, lua_isnoneornil(L, 1) || seam_luajson_isnull(L, 1));
	return 1;
}

/* json.nonnull(v): v, or nil when v is json.null; for `json.nonnull(a.placed) or a.created`. */
static int l_nonnull(lua_State *L)
{
	if (lua_isnoneornil(L, 1) || seam_luajson_isnull(L, 1))
		lua_pushnil(L);
	else
		lua_settop(L, 1);
	return 1;
}

static int l_isarray(lua_State *L)
{
	lua_pushboolean(L, lua_type(L, 1) == LUA_TTABLE && mark_of(L, 1) == 'a');
	return 1;
}

static int null_tostring(lua_State *L)
{
	lua_pushliteral(L, "null");
	return 1;
}

/* Indexing json.null is the usual mistake with absent data: say so, with the key. */
static int null_index(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L, "attempt to index a JSON null value (key '%s')", lua_tostring(L, 2));
	return luaL_error(L, "attempt to index a JSON null value");
}

static void new_mark(lua_State *L, const void *key, const char *name)
{
	lua_createtable(L, 0, 2);
	lua_pushstring(L, name);
	lua_setfield(L, -2, "__name");
	lua_pushstring(L, name);
	lua_setfield(L, -2, "__metatable");
	lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

int seam_luajson_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{"array", l_array},   {"object", l_object},   {"isnull", l_isnull},
		{"nonnull", l_nonnull}, {"isarray", l_isarray}, {NULL, NULL},
	};
	new_mark(L, &array_key, "json.array");
	new_mark(L, &object_key, "json.object");

	/* All light userdata share one metatable; json.null is the only one mappings can see. */
	lua_pushlightuserdata(L, NULL_PTR);
	lua_createtable(L, 0, 3);
	lua_pushcfunction(L, null_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, null_index);
	lua_setfield(L, -2, "__index");
	lua_pushliteral(L, "json.null");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);

	luaL_newlib(L, fns);
	lua_pushlightuserdata(L, NULL_PTR);
	lua_setfield(L, -2, "null");
	return 1;
}
