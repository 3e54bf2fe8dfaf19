/*
 * luamoney.c: the `money` library for mappings (see luamoney.h). Thin Lua bindings over
 * src/domain/money.c: argument checking, then one domain call, then a decimal string back.
 * Errors are raised with luaL_error so they carry the calling mapping's file and line.
 */
#include "map/luamoney.h"

#include <lauxlib.h>

#include "domain/money.h"

/* Reads argument `arg` of function `fn` as a decimal; raises a Lua error otherwise. */
static seam_money_dec_t check_dec(lua_State *L, int arg, const char *fn)
{
	seam_money_dec_t d = {0, 0};
	seam_error_t err = {0};
	switch (lua_type(L, arg)) {
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, arg, &len);
		if (seam_money_dec_parse(s, len, &d, &err) != SEAM_OK)
			luaL_error(L, "%s: argument #%d: %s", fn, arg, err.msg);
		return d;
	}
	case LUA_TNUMBER:
		if (lua_isinteger(L, arg)) {
			d.units = (int64_t)lua_tointeger(L, arg);
			return d;
		}
		luaL_error(L, "%s: argument #%d is a float (%s); pass amounts as decimal strings", fn,
			   arg, lua_tostring(L, arg));
		return d;
	default:
		luaL_error(L, "%s: argument #%d: expected a decimal string, got %s", fn, arg,
			   luaL_typename(L, arg));
		return d;
	}
}

static int push_dec(lua_State *L, seam_money_dec_t d)
{
	char buf[SEAM_MONEY_BUF];
	lua_pushstring(L, seam_money_dec_format(d, buf));
	return 1;
}

static int raise(lua_State *L, const char *fn, const seam_error_t *err)
{
	return luaL_error(L, "%s: %s", fn, err->msg);
}

static int l_add(lua_State *L)
{
	int n = lua_gettop(L);
	seam_money_dec_t acc = check_dec(L, 1, "money.add");
	seam_error_t err = {0};
	if (n < 2)
		return luaL_error(L, "money.add: needs at least two amounts");
	for (int i = 2; i <= n; i++) {
		if (seam_money_dec_add(acc, check_dec(L, i, "money.add"), &acc, &err) != SEAM_OK)
			return raise(L, "money.add", &err);
	}
	return push_dec(L, acc);
}

static int l_sub(lua_State *L)
{
	seam_money_dec_t a = check_dec(L, 1, "money.sub"), b = check_dec(L, 2, "money.sub"), r;
	seam_error_t err = {0};
	if (seam_money_dec_sub(a, b, &r, &err) != SEAM_OK)
		return raise(L, "money.sub", &err);
	return push_dec(L, r);
}

static int l_mul(lua_State *L)
{
	seam_money_dec_t a = check_dec(L, 1, "money.mul"), b = check_dec(L, 2, "money.mul"), r;
	seam_error_t err = {0};
	if (seam_money_dec_mul(a, b, &r, &err) != SEAM_OK)
		return raise(L, "money.mul", &err);
	return push_dec(L, r);
}

static int l_sum(lua_State *L)
{
	seam_money_dec_t acc = {0, 0};
	seam_error_t err = {0};
	lua_Integer n;
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	n = (lua_Integer)lua_rawlen(L, 1);
	for (lua_Integer i = 1; i <= n; i++) {
		seam_money_dec_t d;
		size_t len;
		const char *s;
		lua_rawgeti(L, 1, i);
		if (lua_type(L, 2) == LUA_TNUMBER && lua_isinteger(L, 2)) {
			d.units = (int64_t)lua_tointeger(L, 2);
			d.scale = 0;
		} else if (lua_type(L, 2) == LUA_TSTRING) {
			s = lua_tolstring(L, 2, &len);
			if (seam_money_dec_parse(s, len, &d, &err) != SEAM_OK)
				return luaL_error(L, "money.sum: element %d: %s", (int)i, err.msg);
		} else {
			return luaL_error(L, "money.sum: element %d: expected a decimal string, got %s",
					  (int)i, luaL_typename(L, 2));
		}
		lua_pop(L, 1);
		if (seam_money_dec_add(acc, d, &acc, &err) != SEAM_OK)
			return raise(L, "money.sum", &err);
	}
	return push_dec(L, acc);
}

static int l_neg(lua_State *L)
{
	seam_money_dec_t d = check_dec(L, 1, "money.neg");
	seam_money_dec_t zero = {0, 0};
	seam_error_t err = {0};
	if (seam_money_dec_sub(zero, d, &d, &err) != SEAM_OK)
		return raise(L, "money.neg", &err);
	return push_dec(L, d);
}

static int l_abs(lua_State *L)
{
	seam_money_dec_t d = check_dec(L, 1, "money.abs");
	seam_money_dec_t zero = {0, 0};
	seam_error_t err = {0};
	if (d.units < 0 && seam_money_dec_sub(zero, d, &d, &err) != SEAM_OK)
		return raise(L, "money.abs", &err);
	return push_dec(L, d);
}

static int l_cmp(lua_State *L)
{
	seam_money_dec_t a = check_dec(L, 1, "money.cmp"), b = check_dec(L, 2, "money.cmp");
	lua_pushinteger(L, seam_money_dec_cmp(a, b));
	return 1;
}

static int check_scale(lua_State *L, int arg, const char *fn)
{
	lua_Integer s = luaL_checkinteger(L, arg);
	if (s < 0 || s > SEAM_MONEY_MAX_SCALE)
		luaL_error(L, "%s: scale %I is outside 0..%d", fn, s, SEAM_MONEY_MAX_SCALE);
	return (int)s;
}

static int l_round(lua_State *L)
{
	seam_money_dec_t d = check_dec(L, 1, "money.round"), r;
	int scale = check_scale(L, 2, "money.round");
	const char *mode_name = luaL_optstring(L, 3, NULL);
	seam_money_round_e mode;
	seam_error_t err = {0};
	if (seam_money_round_parse(mode_name, &mode) != 0)
		return luaL_error(L, "money.round: unknown mode '%s' (half_up, half_even, down, up)",
				  mode_name);
	if (seam_money_dec_round(d, scale, mode, &r, &err) != SEAM_OK)
		return raise(L, "money.round", &err);
	return push_dec(L, r);
}

static int l_normalize(lua_State *L)
{
	return push_dec(L, seam_money_dec_normalize(check_dec(L, 1, "money.normalize")));
}

static int l_valid(lua_State *L)
{
	seam_money_dec_t d;
	size_t len;
	const char *s;
	if (lua_type(L, 1) == LUA_TNUMBER) {
		lua_pushboolean(L, lua_isinteger(L, 1));
		return 1;
	}
	if (lua_type(L, 1) != LUA_TSTRING) {
		lua_pushboolean(L, 0);
		return 1;
	}
	s = lua_tolstring(L, 1, &len);
	lua_pushboolean(L, seam_money_dec_parse(s, len, &d, NULL) == SEAM_OK);
	return 1;
}

static int l_to_minor(lua_State *L)
{
	seam_money_dec_t d = check_dec(L, 1, "money.to_minor"), r;
	int exp = check_scale(L, 2, "money.to_minor");
	seam_error_t err = {0};
	if (seam_money_dec_rescale(d, exp, &r, &err) != SEAM_OK)
		return raise(L, "money.to_minor", &err);
	lua_pushinteger(L, (lua_Integer)r.units);
	return 1;
}

static int l_from_minor(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1);
	int exp = check_scale(L, 2, "money.from_minor");
	seam_money_dec_t d = {(int64_t)n, exp};
	return push_dec(L, d);
}

static int l_exponent(lua_State *L)
{
	const char *code = luaL_checkstring(L, 1);
	int e = seam_money_exponent(code);
	if (e < 0)
		return luaL_error(L, "money.exponent: unknown currency '%s'", code);
	lua_pushinteger(L, e);
	return 1;
}

int seam_luamoney_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{"add", l_add},
		{"sub", l_sub},
		{"mul", l_mul},
		{"sum", l_sum},
		{"neg", l_neg},
		{"abs", l_abs},
		{"cmp", l_cmp},
		{"round", l_round},
		{"normalize", l_normalize},
		{"valid", l_valid},
		{"to_minor", l_to_minor},
		{"from_minor", l_from_minor},
		{"exponent", l_exponent},
		{NULL, NULL},
	};
	luaL_newlib(L, fns);
	return 1;
}
