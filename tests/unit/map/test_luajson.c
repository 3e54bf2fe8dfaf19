/* test_luajson.c: JSON <-> Lua conversion (src/map/luajson.c) on a plain Lua state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "map/luajson.h"

/* A state with base, string, table and the json library as global `json`. */
static int p_open(lua_State *L)
{
	luaL_openlibs(L);
	luaL_requiref(L, "json", seam_luajson_open, 1);
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

static int p_push(lua_State *L)
{
	json_t *j = lua_touserdata(L, 1);
	int depth = (int)lua_tointeger(L, 2);
	lua_settop(L, 0);
	seam_luajson_push(L, j, depth);
	return 1;
}

/* Pushes j protected; returns the Lua status and leaves the value (or message) on top. */
static int push(lua_State *L, json_t *j, int depth)
{
	lua_pushcfunction(L, p_push);
	lua_pushlightuserdata(L, j);
	lua_pushinteger(L, depth);
	return lua_pcall(L, 2, 1, 0);
}

/* Runs Lua `code` (a chunk returning one value) and converts its result. */
static json_t *eval(lua_State *L, const char *code, seam_error_t *err)
{
	json_t *j;
	if (luaL_dostring(L, code) != LUA_OK)
		fail_msg("lua: %s", lua_tostring(L, -1));
	j = seam_luajson_to_json(L, -1, 0, err);
	lua_pop(L, 1);
	return j;
}

static char *dump(json_t *j)
{
	return json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
}

static void assert_json(json_t *j, const char *want)
{
	char *s;
	assert_non_null(j);
	s = dump(j);
	assert_string_equal(s, want);
	free(s);
}

static void test_roundtrip_faithful(void **state)
{
	lua_State *L = new_state();
	json_error_t je;
	const char *doc =
		"{\"null\":null,\"t\":true,\"f\":false,\"i\":42,\"neg\":-7,"
		"\"max\":9223372036854775807,\"min\":-9223372036854775808,\"r\":0.1,\"r2\":2.0,"
		"\"s\":\"Zo\\u00eb \\u2013 \\u6771\\u4eac \\ud83d\\ude00\",\"nul\":\"a\\u0000b\","
		"\"ea\":[],\"eo\":{},\"arr\":[1,null,\"x\",[],{}],\"deep\":{\"a\":{\"b\":[[null]]}}}";
	json_t *in = json_loads(doc, JSON_ALLOW_NUL, &je), *out;
	seam_error_t err = {0};
	(void)state;
	assert_non_null(in);
	assert_int_equal(push(L, in, 0), LUA_OK);
	out = seam_luajson_to_json(L, -1, 0, &err);
	assert_non_null(out);
	assert_true(json_equal(in, out));
	/* Types exactly: integers stay integers, reals stay reals, null is null. */
	assert_true(json_is_integer(json_object_get(out, "max")));
	assert_int_equal(json_integer_value(json_object_get(out, "min")), INT64_MIN);
	assert_true(json_is_real(json_object_get(out, "r2")));
	assert_true(json_is_null(json_object_get(out, "null")));
	assert_true(json_is_array(json_object_get(out, "ea")));
	assert_true(json_is_object(json_object_get(out, "eo")));
	assert_int_equal(json_string_length(json_object_get(out, "nul")), 3);
	assert_memory_equal(json_string_value(json_object_get(out, "nul")), "a\0b", 3);
	assert_string_equal(json_string_value(json_object_get(out, "s")),
			    "Zo\xc3\xab \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80");
	json_decref(out);
	json_decref(in);
	lua_close(L);
}

static void test_lua_sees_types(void **state)
{
	lua_State *L = new_state();
	json_t *in = json_pack("{s:n, s:i, s:f, s:[], s:{}, s:[i,n]}", "a", "i", 3, "r", 1.5, "ea",
			       "eo", "arr", 1), *out;
	(void)state;
	assert_int_equal(push(L, in, 0), LUA_OK);
	lua_setglobal(L, "input");
	out = eval(L,
		   "return { anull = input.a == json.null, isnull = json.isnull(input.a),"
		   " missing = json.isnull(input.zzz), nonnull = json.nonnull(input.a) == nil,"
		   " itype = math.type(input.i), rtype = math.type(input.r),"
		   " ea = json.isarray(input.ea), eo = json.isarray(input.eo),"
		   " n = #input.arr, second = input.arr[2] == json.null,"
		   " mt = getmetatable(input.ea), str = tostring(json.null) }",
		   NULL);
	assert_json(out, "{\"anull\":true,\"ea\":true,\"eo\":false,\"isnull\":true,\"itype\":\"integer\","
			 "\"missing\":true,\"mt\":\"json.array\",\"n\":2,\"nonnull\":true,"
			 "\"rtype\":\"float\",\"second\":true,\"str\":\"null\"}");
	json_decref(out);
	json_decref(in);
	lua_close(L);
}

static void test_new_tables(void **state)
{
	lua_State *L = new_state();
	json_t *out;
	(void)state;
	out = eval(L,
		   "return { a = json.array(), b = json.object(), c = {}, d = {1, 2, 3},"
		   " e = json.array({}), f = json.object({[1] = 'x', [20] = 'y'}),"
		   " g = {x = {y = {json.null}}}, h = 2^53, i = 7 // 2, j = -0.5 }",
		   NULL);
	assert_json(out, "{\"a\":[],\"b\":{},\"c\":{},\"d\":[1,2,3],\"e\":[],\"f\":{\"1\":\"x\",\"20\":\"y\"},"
			 "\"g\":{\"x\":{\"y\":[null]}},\"h\":9007199254740992.0,\"i\":3,\"j\":-0.5}");
	json_decref(out);

	/* Re-marking: an array can be declared an object and back; other metatables refuse. */
	out = eval(L, "local t = json.array({1}); return json.object(t)", NULL);
	assert_json(out, "{\"1\":1}");
	json_decref(out);
	assert_int_equal(luaL_dostring(L, "json.array(setmetatable({}, {}))"), 1);
	assert_string_equal(lua_tostring(L, -1),
			    "[string \"json.array(setmetatable({}, {}))\"]:1: json.array: table "
			    "already has a metatable");
	lua_pop(L, 1);
	/* The marks cannot be replaced from Lua. */
	assert_int_equal(luaL_dostring(L, "setmetatable(json.array(), {})"), 1);
	assert_non_null(strstr(lua_tostring(L, -1), "cannot change a protected metatable"));
	lua_pop(L, 1);
	/* Indexing null names the key. */
	assert_int_equal(luaL_dostring(L, "local x = json.null\nreturn x.address"), 1);
	assert_string_equal(lua_tostring(L, -1),
			    "[string \"local x = json.null...\"]:2: attempt to index a JSON null "
			    "value (key 'address')");
	lua_pop(L, 1);
	lua_close(L);
}

/* luaL_dostring returns 1 (not a status) on failure. */
static void expect_error(lua_State *L, const char *code, const char *want)
{
	seam_error_t err = {0};
	json_t *j = eval(L, code, &err);
	if (j) {
		char *s = dump(j);
		fail_msg("converted %s to %s, wanted error %s", code, s, want);
	}
	assert_int_equal(err.code, SEAM_INVAL);
	assert_string_equal(err.msg, want);
}

static void test_errors_name_the_path(void **state)
{
	lua_State *L = new_state();
	(void)state;
	expect_error(L, "return {lines = {{price = print}}}",
		     "$.lines[0].price: cannot convert a function to JSON");
	expect_error(L, "return {a = {1, nil, 3}}",
		     "$.a: array has a hole (largest index 3, 2 elements): use json.null for null "
		     "elements, or json.object() for a map");
	expect_error(L, "return {a = {1, 2, x = 3}}", "$.a: table mixes string and integer keys");
	expect_error(L, "local t = json.array({1}); t.x = 1; return t", "$: array has string keys");
	expect_error(L, "return {[1.5] = 1}",
		     "$: table has key 1.5: JSON keys are strings or array indexes 1..n");
	expect_error(L, "return {[true] = 1}",
		     "$: table has a boolean key: JSON keys are strings or array indexes 1..n");
	expect_error(L, "return {[0] = 1}",
		     "$: table has key 0: JSON keys are strings or array indexes 1..n");
	expect_error(L, "return {n = 0/0}", "$.n: number is NaN or infinite");
	expect_error(L, "return {n = math.huge}", "$.n: number is NaN or infinite");
	expect_error(L, "return {s = 'caf\\xe9'}", "$.s: string is not valid UTF-8");
	expect_error(L, "return {['k\\xff'] = 1}", "$[\"k\xff\"]: key is not valid UTF-8");
	expect_error(L, "return {['a b'] = {co = coroutine.create(print)}}",
		     "$[\"a b\"].co: cannot convert a thread to JSON");
	expect_error(L, "return json.object({[1] = 'a', ['1'] = 'b'})",
		     "$[\"1\"]: duplicate key (an integer key and its string form)");
	{
		/* A cycle ends at the depth limit; over-long paths are cut with "..". */
		seam_error_t err = {0};
		const char *tail = "..: nesting deeper than 64 levels (or a table that contains itself)";
		assert_null(eval(L, "local t = {}; t.self = t; return t", &err));
		assert_int_equal(err.code, SEAM_INVAL);
		assert_int_equal(strncmp(err.msg, "$.self.self.self.", 17), 0);
		assert_string_equal(err.msg + strlen(err.msg) - strlen(tail), tail);
	}
	expect_error(L, "return nil", "$: nil is not a JSON value (use json.null)");
	/* The stack is balanced after every failure. */
	assert_int_equal(lua_gettop(L), 0);
	lua_close(L);
}

static json_t *nested(int levels)
{
	json_t *j = json_integer(1);
	for (int i = 0; i < levels; i++) {
		json_t *a = json_array();
		json_array_append_new(a, j);
		j = a;
	}
	return j;
}

static void test_depth_limit_input(void **state)
{
	lua_State *L = new_state();
	json_t *ok = nested(SEAM_LUAJSON_MAX_DEPTH), *deep = nested(SEAM_LUAJSON_MAX_DEPTH + 1), *out;
	seam_error_t err = {0};
	(void)state;
	assert_int_equal(push(L, ok, 0), LUA_OK);
	out = seam_luajson_to_json(L, -1, 0, &err);
	assert_non_null(out);
	assert_true(json_equal(out, ok));
	json_decref(out);
	lua_pop(L, 1);
	assert_int_equal(push(L, deep, 0), LUA_ERRRUN);
	assert_string_equal(lua_tostring(L, -1), "input: nesting deeper than 64 levels");
	lua_pop(L, 1);
	/* A custom, smaller limit applies both ways. */
	assert_int_equal(push(L, ok, 3), LUA_ERRRUN);
	assert_string_equal(lua_tostring(L, -1), "input: nesting deeper than 3 levels");
	lua_pop(L, 1);
	json_decref(ok);
	json_decref(deep);
	lua_close(L);
}

static void test_big_integers_rejected_at_parse(void **state)
{
	/* JSON integers beyond int64 never reach Lua: jansson refuses them with a clear message. */
	json_error_t je;
	json_t *j = json_loads("{\"a\": 99999999999999999999}", 0, &je);
	(void)state;
	assert_null(j);
	assert_non_null(strstr(je.text, "too big integer"));
	j = json_loads("{\"a\": -9223372036854775808}", 0, &je);
	assert_non_null(j);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_faithful),
		cmocka_unit_test(test_lua_sees_types),
		cmocka_unit_test(test_new_tables),
		cmocka_unit_test(test_errors_name_the_path),
		cmocka_unit_test(test_depth_limit_input),
		cmocka_unit_test(test_big_integers_rejected_at_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
