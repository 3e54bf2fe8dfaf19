/* test_luamoney.c: the `money` library for mappings (src/map/luamoney.c) on a plain Lua state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "map/luamoney.h"

static int p_open(lua_State *L)
{
	luaL_openlibs(L);
	luaL_requiref(L, "money", seam_luamoney_open, 1);
	return 0;
}

static lua_State *new_state(void)
{
	lua_State *L = luaL_newstate();
	assert_non_null(L);
	lua_pushcfunction(L, p_open);
	assert_int_equal(lua_pcall(L, 0, 0, 0), LUA_OK);
	return L;
}

/* Evaluates `return <expr>` and checks tostring() of the result. */
static void expect(lua_State *L, const char *expr, const char *want)
{
	char code[512];
	snprintf(code, sizeof code, "local v = %s\nreturn math.type(v) or type(v), tostring(v)", expr);
	if (luaL_dostring(L, code) != LUA_OK)
		fail_msg("%s: %s", expr, lua_tostring(L, -1));
	if (strcmp(lua_tostring(L, -1), want) != 0)
		fail_msg("%s gave %s, want %s", expr, lua_tostring(L, -1), want);
	lua_pop(L, 2);
}

static void expect_type(lua_State *L, const char *expr, const char *type)
{
	char code[512];
	snprintf(code, sizeof code, "local v = %s\nreturn math.type(v) or type(v)", expr);
	assert_int_equal(luaL_dostring(L, code), LUA_OK);
	assert_string_equal(lua_tostring(L, -1), type);
	lua_pop(L, 1);
}

static void expect_error(lua_State *L, const char *expr, const char *want)
{
	char code[512], tail[600];
	const char *msg;
	snprintf(code, sizeof code, "return %s", expr);
	if (luaL_dostring(L, code) == LUA_OK)
		fail_msg("%s did not fail", expr);
	/* luaL_error puts the caller's position first: [string "..."]:1: */
	snprintf(tail, sizeof tail, "\"]:1: %s", want);
	msg = lua_tostring(L, -1);
	if (strlen(msg) < strlen(tail) || strcmp(msg + strlen(msg) - strlen(tail), tail) != 0)
		fail_msg("%s failed with \"%s\", want \"...%s\"", expr, msg, tail);
	lua_pop(L, 1);
}

static void test_arithmetic(void **state)
{
	lua_State *L = new_state();
	(void)state;
	expect(L, "money.add('10.05', '0.10')", "10.15");
	expect(L, "money.add('1', '2.5', '0.25', 3)", "6.75");
	expect(L, "money.sub('39.98', '44')", "-4.02");
	expect(L, "money.mul('2', '9.99')", "19.98");
	expect(L, "money.mul(3, '0.10')", "0.30");
	expect(L, "money.mul('1.5', '9.99')", "14.985");
	expect(L, "money.sum({'1.10', '2.20', 3})", "6.30");
	expect(L, "money.sum({})", "0");
	expect(L, "money.neg('4.00')", "-4.00");
	expect(L, "money.neg('-0.5')", "0.5");
	expect(L, "money.abs('-4.00')", "4.00");
	expect(L, "money.abs('4')", "4");
	expect(L, "money.cmp('1.50', '1.5')", "0");
	expect(L, "money.cmp('1.49', '1.5')", "-1");
	expect(L, "money.cmp(2, '1.99')", "1");
	expect_type(L, "money.cmp(2, '1.99')", "integer");
	expect(L, "money.round('14.985', 2)", "14.99");
	expect(L, "money.round('14.985', 2, 'half_even')", "14.98");
	expect(L, "money.round('-14.985', 2, 'half_up')", "-14.99");
	expect(L, "money.round('14.989', 2, 'down')", "14.98");
	expect(L, "money.round('14.981', 2, 'up')", "14.99");
	expect(L, "money.round('5', 2)", "5.00");
	expect(L, "money.normalize('2.500')", "2.5");
	expect(L, "money.normalize('4.00')", "4");
	expect(L, "money.valid('19.99')", "true");
	expect(L, "money.valid(7)", "true");
	expect(L, "money.valid(0.5)", "false");
	expect(L, "money.valid('1e3')", "false");
	expect(L, "money.valid(nil)", "false");
	expect(L, "money.to_minor('10.05', 2)", "1005");
	expect_type(L, "money.to_minor('10.05', 2)", "integer");
	expect(L, "money.to_minor('10.5', 2)", "1050");
	expect(L, "money.to_minor('500', 0)", "500");
	expect(L, "money.from_minor(1005, 2)", "10.05");
	expect(L, "money.from_minor(-5, 2)", "-0.05");
	expect(L, "money.from_minor(1250, 3)", "1.250");
	expect(L, "money.exponent('USD')", "2");
	expect(L, "money.exponent('JPY')", "0");
	expect(L, "money.exponent('KWD')", "3");
	lua_close(L);
}

static void test_errors(void **state)
{
	lua_State *L = new_state();
	(void)state;
	expect_error(L, "money.add('1.00', 0.1)",
		     "money.add: argument #2 is a float (0.1); pass amounts as decimal strings");
	expect_error(L, "money.add('1.00')", "money.add: needs at least two amounts");
	expect_error(L, "money.add('1,00', '1')", "money.add: argument #1: malformed decimal \"1,00\"");
	expect_error(L, "money.sub({}, '1')", "money.sub: argument #1: expected a decimal string, got table");
	expect_error(L, "money.mul('4294967296', '4294967296')",
		     "money.mul: decimal overflow: 4294967296 * 4294967296");
	expect_error(L, "money.add('9223372036854775807', 1)",
		     "money.add: decimal overflow: 9223372036854775807 + 1");
	expect_error(L, "money.neg(math.mininteger)", "money.neg: decimal overflow: 0 - -9223372036854775808");
	expect_error(L, "money.sum({'1', 'x'})", "money.sum: element 2: malformed decimal \"x\"");
	expect_error(L, "money.sum({'1', 2.5})", "money.sum: element 2: expected a decimal string, got number");
	expect_error(L, "money.round('1.5', 2, 'bankers')",
		     "money.round: unknown mode 'bankers' (half_up, half_even, down, up)");
	expect_error(L, "money.round('1.5', 19)", "money.round: scale 19 is outside 0..18");
	expect_error(L, "money.to_minor('10.055', 2)", "money.to_minor: 10.055 has more than 2 fraction digits");
	expect_error(L, "money.to_minor('92233720368547758.07', 3)",
		     "money.to_minor: decimal overflow: 92233720368547758.07 at scale 3");
	expect_error(L, "money.from_minor(1, -1)", "money.from_minor: scale -1 is outside 0..18");
	expect_error(L, "money.exponent('XYZ')", "money.exponent: unknown currency 'XYZ'");
	lua_close(L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arithmetic),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
