/* test_map.c: the mapping runtime (src/map/map.c): runs, errors, sandbox, limits, isolation,
 * threads, seam check. Mappings are written into a temporary directory per test. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "map/map.h"
#include "tests/support/th_assert.h"

typedef struct fx {
	char dir[64];
} fx_t;

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/seam-map-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	rm_tree(f->dir);
	free(f);
	return 0;
}

/* Writes <dir>/<rel> with src; returns its path in a static-free buffer the caller gives. */
static const char *write_file(fx_t *f, const char *rel, const char *src, char *path, size_t cap)
{
	FILE *fp;
	snprintf(path, cap, "%s/%s", f->dir, rel);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(src, 1, strlen(src), fp), strlen(src));
	fclose(fp);
	return path;
}

/* A runtime with one mapping `name` from src (and default limits unless given). */
static seam_map_runtime_t *rt_with(fx_t *f, const char *name, const char *src, uint64_t instr,
				   size_t mem)
{
	char rel[128], path[256];
	seam_error_t err = {0};
	seam_map_runtime_t *rt;
	const char *files[2] = {path, NULL};
	seam_map_opts_t o = {.files = files, .instruction_limit = instr, .memory_limit = mem};
	snprintf(rel, sizeof rel, "%s.lua", name);
	write_file(f, rel, src, path, sizeof path);
	rt = seam_map_runtime_create(&o, &err);
	if (!rt)
		fail_msg("create: %s", err.msg);
	return rt;
}

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	if (!j)
		fail_msg("bad test JSON: %s", je.text);
	return j;
}

static void assert_json(json_t *j, const char *want)
{
	char *s;
	assert_non_null(j);
	s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, want);
	free(s);
}

/* Runs `name` on input text; returns the output (owned) or NULL with err. */
static json_t *run(seam_map_runtime_t *rt, const char *name, const char *input, const char *ctx,
		   seam_error_t *err)
{
	json_t *in = J(input), *c = ctx ? J(ctx) : NULL, *out = NULL;
	seam_err_t rc = seam_map_run(rt, name, in, c, &out, err);
	assert_int_equal((rc == SEAM_OK), (out != NULL));
	json_decref(in);
	json_decref(c);
	return out;
}

/* Expects the run to fail with code and exactly msg where "%P" stands for the file path. */
static void run_fails(seam_map_runtime_t *rt, const char *name, const char *input, seam_err_t code,
		      const char *msg_fmt)
{
	seam_error_t err = {0};
	char want[1024];
	const char *path = seam_map_path(rt, 0);
	json_t *out = run(rt, name, input, NULL, &err);
	const char *p = strstr(msg_fmt, "%P");
	assert_null(out);
	if (p)
		snprintf(want, sizeof want, "%.*s%s%s", (int)(p - msg_fmt), msg_fmt, path, p + 2);
	else
		snprintf(want, sizeof want, "%s", msg_fmt);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, code);
}

/* Expects loading mapping `name` from src to fail with code and exactly msg ("%P": the path),
 * and the runtime to be unchanged: the name is free and a good file still loads under it. */
static void load_fails(fx_t *f, const char *name, const char *src, uint64_t instr, seam_err_t code,
		       const char *msg_fmt)
{
	char rel[128], path[256], want[1024];
	seam_error_t err = {0};
	seam_map_opts_t o = {.instruction_limit = instr};
	seam_map_runtime_t *rt = seam_map_runtime_create(&o, &err);
	const char *p = strstr(msg_fmt, "%P");
	assert_non_null(rt);
	snprintf(rel, sizeof rel, "%s.lua", name);
	write_file(f, rel, src, path, sizeof path);
	assert_int_equal(seam_map_load(rt, path, &err), code);
	if (p)
		snprintf(want, sizeof want, "%.*s%s%s", (int)(p - msg_fmt), msg_fmt, path, p + 2);
	else
		snprintf(want, sizeof want, "%s", msg_fmt);
	assert_string_equal(err.msg, want);
	assert_int_equal(seam_map_count(rt), 0);
	write_file(f, rel, "function map(i) return { ok = true } end\n", path, sizeof path);
	assert_int_equal(seam_map_load(rt, path, &err), SEAM_OK);
	json_t *out = run(rt, name, "{}", NULL, &err);
	assert_json(out, "{\"ok\":true}");
	json_decref(out);
	seam_map_runtime_destroy(rt);
}

static void test_run_identity_is_faithful(void **state)
{
	seam_map_runtime_t *rt = rt_with(*state, "ident", "function map(input, ctx) return input end\n", 0, 0);
	const char *doc = "{\"a\":[],\"b\":{},\"c\":[1,2.5,null],\"d\":null,\"e\":9223372036854775807,"
			  "\"f\":\"\\u6771\\u4eac\",\"g\":{\"h\":[{}]}}";
	json_t *in = J(doc), *out = NULL;
	seam_error_t err = {0};
	assert_int_equal(seam_map_run(rt, "ident", in, NULL, &out, &err), SEAM_OK);
	assert_true(json_equal(in, out));
	assert_true(json_is_array(json_object_get(out, "a")));
	assert_true(json_is_object(json_object_get(out, "b")));
	assert_true(json_is_null(json_object_get(out, "d")));
	json_decref(out);
	/* Input is borrowed: still intact and only ours. */
	assert_int_equal(in->refcount, 1);
	json_decref(in);
	assert_int_equal(seam_map_count(rt), 1);
	assert_string_equal(seam_map_name(rt, 0), "ident");
	assert_null(seam_map_name(rt, 1));
	seam_map_runtime_destroy(rt);
}

static void test_run_transform_with_ctx_and_money(void **state)
{
	seam_map_runtime_t *rt = rt_with(*state, "t",
					 "function map(input, ctx)\n"
					 "  local total = '0'\n"
					 "  local lines = json.array()\n"
					 "  for i, it in ipairs(input.items) do\n"
					 "    local amount = money.mul(it.qty, it.price)\n"
					 "    total = money.add(total, amount)\n"
					 "    lines[#lines + 1] = { sku = it.sku, amount = amount, n = i }\n"
					 "  end\n"
					 "  ctx.company = 'changed'\n"
					 "  return { customer = ctx.customer, lines = lines, total = total,\n"
					 "           minor = money.to_minor(total, money.exponent(input.currency)),\n"
					 "           none = json.array(), note = input.note }\n"
					 "end\n",
					 0, 0);
	json_t *in = J("{\"currency\":\"USD\",\"note\":null,\"items\":[{\"sku\":\"A\",\"qty\":\"2\",\"price\":\"19.99\"},"
		       "{\"sku\":\"B\",\"qty\":3,\"price\":\"0.10\"}]}");
	json_t *ctx = J("{\"customer\":\"C-1\",\"company\":\"CRONUS\"}"), *out = NULL;
	seam_error_t err = {0};
	assert_int_equal(seam_map_run(rt, "t", in, ctx, &out, &err), SEAM_OK);
	assert_json(out, "{\"customer\":\"C-1\",\"lines\":[{\"amount\":\"39.98\",\"n\":1,\"sku\":\"A\"},"
			 "{\"amount\":\"0.30\",\"n\":2,\"sku\":\"B\"}],\"minor\":4028,\"none\":[],"
			 "\"note\":null,\"total\":\"40.28\"}");
	/* ctx is a copy: the caller's object did not change. */
	assert_string_equal(json_string_value(json_object_get(ctx, "company")), "CRONUS");
	json_decref(out);
	json_decref(in);
	json_decref(ctx);
	seam_map_runtime_destroy(rt);
}

static void test_load_errors(void **state)
{
	fx_t *f = *state;
	char path[256], want[512], other[256];
	seam_error_t err = {0};
	const char *files[3] = {path, NULL, NULL};
	seam_map_opts_t o = {.files = files};

	write_file(f, "order_to_erp.lua", "function map(input)\n  local x = = 1\nend\n", path, sizeof path);
	assert_null(seam_map_runtime_create(&o, &err));
	assert_int_equal(err.code, SEAM_PARSE);
	snprintf(want, sizeof want, "%s:2: unexpected symbol near '='", path);
	assert_string_equal(err.msg, want);

	/* Binary chunks are refused (text mode only). */
	write_file(f, "bin.lua", "\x1bLua\x54\x00 garbage", path, sizeof path);
	assert_null(seam_map_runtime_create(&o, &err));
	assert_int_equal(err.code, SEAM_PARSE);
	assert_non_null(strstr(err.msg, "attempt to load a binary chunk (mode is 't')"));

	/* Names. */
	write_file(f, "bad.name.lua", "function map() return {} end", path, sizeof path);
	assert_null(seam_map_runtime_create(&o, &err));
	assert_int_equal(err.code, SEAM_CONFIG);
	snprintf(want, sizeof want,
		 "%s: a mapping file is named <name>.lua with name matching [A-Za-z0-9_-]{1,64}", path);
	assert_string_equal(err.msg, want);

	write_file(f, "dup.lua", "function map() return {} end", path, sizeof path);
	mkdir(strcat(strcpy(other, f->dir), "/sub"), 0700);
	write_file(f, "sub/dup.lua", "function map() return {} end", other, sizeof other);
	files[1] = other;
	assert_null(seam_map_runtime_create(&o, &err));
	assert_int_equal(err.code, SEAM_CONFIG);
	snprintf(want, sizeof want, "%s: a mapping named 'dup' is already loaded from %s", other, path);
	assert_string_equal(err.msg, want);
	files[1] = NULL;

	snprintf(path, sizeof path, "%s/missing.lua", f->dir);
	assert_null(seam_map_runtime_create(&o, &err));
	assert_int_equal(err.code, SEAM_IO);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	assert_string_equal(err.msg, want);

	/* A directory: every *.lua in it, sorted; other files ignored. */
	rm_tree(f->dir);
	mkdir(f->dir, 0700);
	write_file(f, "b.lua", "function map() return 2 end", path, sizeof path);
	write_file(f, "a.lua", "function map() return 1 end", path, sizeof path);
	write_file(f, "README.md", "not a mapping", path, sizeof path);
	write_file(f, ".hidden.lua", "syntax error here", path, sizeof path);
	seam_map_opts_t od = {.dir = f->dir};
	seam_map_runtime_t *rt = seam_map_runtime_create(&od, &err);
	assert_non_null(rt);
	assert_int_equal(seam_map_count(rt), 2);
	assert_string_equal(seam_map_name(rt, 0), "a");
	assert_string_equal(seam_map_name(rt, 1), "b");
	json_t *out = run(rt, "b", "{}", NULL, &err);
	assert_json(out, "2");
	json_decref(out);
	assert_null(run(rt, "c", "{}", NULL, &err));
	assert_int_equal(err.code, SEAM_NOTFOUND);
	assert_string_equal(err.msg, "no mapping named 'c'");
	seam_map_runtime_destroy(rt);

	od.dir = "/nonexistent/seam-mappings";
	assert_null(seam_map_runtime_create(&od, &err));
	assert_int_equal(err.code, SEAM_IO);
	assert_string_equal(err.msg, "/nonexistent/seam-mappings: No such file or directory");
}

static void test_runtime_errors_have_file_and_line(void **state)
{
	seam_map_runtime_t *rt = rt_with(*state, "order_to_erp",
					 "function map(input, ctx)\n"
					 "  if input.mode == 'index' then\n"
					 "    return input.billing.address\n"
					 "  elseif input.mode == 'error' then\n"
					 "    error('customer number missing')\n"
					 "  elseif input.mode == 'nilmsg' then\n"
					 "    return nil, 'order has no items'\n"
					 "  elseif input.mode == 'nil' then\n"
					 "    return nil\n"
					 "  elseif input.mode == 'money' then\n"
					 "    return money.add('1.00', 0.1)\n"
					 "  elseif input.mode == 'money2' then\n"
					 "    return money.to_minor('10.055', 2)\n"
					 "  elseif input.mode == 'null' then\n"
					 "    return input.billing.address\n"
					 "  elseif input.mode == 'table' then\n"
					 "    error({code = 1})\n"
					 "  elseif input.mode == 'level0' then\n"
					 "    error('plain', 0)\n"
					 "  elseif input.mode == 'output' then\n"
					 "    return { lines = { { f = map } } }\n"
					 "  end\n"
					 "  return { ok = true }\n"
					 "end\n",
					 0, 0);
	run_fails(rt, "order_to_erp", "{\"mode\":\"index\"}", SEAM_PERMANENT,
		  "%P:3: attempt to index a nil value (field 'billing')");
	run_fails(rt, "order_to_erp", "{\"mode\":\"error\"}", SEAM_PERMANENT, "%P:5: customer number missing");
	run_fails(rt, "order_to_erp", "{\"mode\":\"nilmsg\"}", SEAM_PERMANENT, "%P: order has no items");
	run_fails(rt, "order_to_erp", "{\"mode\":\"nil\"}", SEAM_PERMANENT, "%P: map returned nil");
	run_fails(rt, "order_to_erp", "{\"mode\":\"money\"}", SEAM_PERMANENT,
		  "%P:11: money.add: argument #2 is a float (0.1); pass amounts as decimal strings");
	run_fails(rt, "order_to_erp", "{\"mode\":\"money2\"}", SEAM_PERMANENT,
		  "%P:13: money.to_minor: 10.055 has more than 2 fraction digits");
	run_fails(rt, "order_to_erp", "{\"mode\":\"null\",\"billing\":null}", SEAM_PERMANENT,
		  "%P:15: attempt to index a JSON null value (key 'address')");
	run_fails(rt, "order_to_erp", "{\"mode\":\"table\"}", SEAM_PERMANENT,
		  "%P: (error object is a table value)");
	run_fails(rt, "order_to_erp", "{\"mode\":\"level0\"}", SEAM_PERMANENT, "%P: plain");
	run_fails(rt, "order_to_erp", "{\"mode\":\"output\"}", SEAM_PERMANENT,
		  "%P: output $.lines[0].f: cannot convert a function to JSON");

	/* After all of that the runtime still works. */
	seam_error_t err = {0};
	json_t *out = run(rt, "order_to_erp", "{\"mode\":\"ok\"}", NULL, &err);
	assert_json(out, "{\"ok\":true}");
	json_decref(out);

	/* API misuse. */
	assert_int_equal(seam_map_run(rt, "order_to_erp", NULL, NULL, &out, &err), SEAM_INVAL);
	assert_null(out);
	seam_map_runtime_destroy(rt);

	/* A file whose top-level code fails, or that defines no map, is refused when it is
	 * loaded (so by seam check and at serve start), not at its first run. */
	load_fails(*state, "nomap", "local function map() return 1 end\n", 0, SEAM_PERMANENT,
		   "%P: does not define function map(input, ctx)");
	load_fails(*state, "toplevel", "local x = nil\nlocal y = x.field\nfunction map() return 1 end\n",
		   0, SEAM_PERMANENT, "%P:2: attempt to index a nil value (local 'x')");
}

static void test_sandbox(void **state)
{
	seam_map_runtime_t *rt = rt_with(*state, "sb",
					 "function map(input)\n"
					 "  local names = {'io','os','package','require','debug','load','loadfile',\n"
					 "    'dofile','collectgarbage','print','coroutine','loadstring','module',\n"
					 "    'warn','newproxy'}\n"
					 "  local present = json.array()\n"
					 "  for _, n in ipairs(names) do if _G[n] ~= nil then present[#present+1] = n end end\n"
					 "  return { present = present, dump = string.dump == nil,\n"
					 "    random = math.random == nil, strmt = getmetatable(''),\n"
					 "    envmt = getmetatable(_ENV), G = _G == _ENV,\n"
					 "    have = type(string.format) .. type(table.concat) .. type(math.floor) ..\n"
					 "      type(utf8.char) .. type(pcall) .. type(setmetatable) .. type(json.null) ..\n"
					 "      type(money.add), upper = ('abc'):upper() }\n"
					 "end\n",
					 0, 0);
	seam_error_t err = {0};
	json_t *out = run(rt, "sb", "{}", NULL, &err);
	assert_json(out, "{\"G\":true,\"dump\":true,\"envmt\":false,"
			 "\"have\":\"functionfunctionfunctionfunctionfunctionfunctionuserdatafunction\","
			 "\"present\":[],\"random\":true,\"strmt\":false,\"upper\":\"ABC\"}");
	json_decref(out);
	seam_map_runtime_destroy(rt);

	/* __gc finalizers are refused (they would run outside any limit). */
	rt = rt_with(*state, "gc", "function map()\n  setmetatable({}, {__gc = function() end})\nend\n", 0, 0);
	run_fails(rt, "gc", "{}", SEAM_PERMANENT, "%P:2: setmetatable: __gc metamethods are not allowed in mappings");
	seam_map_runtime_destroy(rt);

	/* Plain metatables still work, and pcall catches ordinary errors. */
	rt = rt_with(*state, "mt",
		     "function map()\n"
		     "  local t = setmetatable({}, {__index = function(_, k) return k .. '!' end})\n"
		     "  local ok, msg = pcall(error, 'caught')\n"
		     "  local ok2, msg2 = xpcall(function() error('x') end, function(m) return 'handled' end)\n"
		     "  return { v = t.hi, ok = ok, msg = msg, ok2 = ok2, msg2 = msg2 }\n"
		     "end\n",
		     0, 0);
	out = run(rt, "mt", "{}", NULL, &err);
	assert_json(out, "{\"msg\":\"caught\",\"msg2\":\"handled\",\"ok\":false,\"ok2\":false,\"v\":\"hi!\"}");
	json_decref(out);
	seam_map_runtime_destroy(rt);
}

static void test_runs_are_isolated(void **state)
{
	seam_map_runtime_t *rt = rt_with(*state, "leak",
					 "local cache = {}\n"
					 "function map(input)\n"
					 "  local seen = { counter = counter, cache = cache.n, str = string.leak,\n"
					 "    null_ok = json.null ~= 5 and json.isnull(json.null), pi = math.pi,\n"
					 "    G = rawget(_G, 'g2') }\n"
					 "  counter = (counter or 0) + 1\n"
					 "  cache.n = (cache.n or 0) + 1\n"
					 "  string.leak = 'yes'\n"
					 "  json.null = 5\n"
					 "  math.pi = 3\n"
					 "  rawset(_G, 'g2', 1)\n"
					 "  return seen\n"
					 "end\n",
					 0, 0);
	for (int i = 0; i < 3; i++) {
		seam_error_t err = {0};
		json_t *out = run(rt, "leak", "{}", NULL, &err);
		/* Every run sees a pristine world: no counter, no cache, the real json.null and pi. */
		assert_json(out, "{\"null_ok\":true,\"pi\":3.1415926535897931}");
		json_decref(out);
	}
	seam_map_runtime_destroy(rt);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_instruction_limit(void **state)
{
	seam_map_runtime_t *rt = rt_with(*state, "loop",
					 "function map(input)\n"
					 "  if input.mode == 'spin' then\n"
					 "    while true do end\n"
					 "  elseif input.mode == 'pcall' then\n"
					 "    while true do pcall(function() while true do end end) end\n"
					 "  elseif input.mode == 'xpcall' then\n"
					 "    while true do xpcall(function() while true do end end, function() while true do end end) end\n"
					 "  elseif input.mode == 'sort' then\n"
					 "    local t = {} for i = 1, 100 do t[i] = i end\n"
					 "    table.sort(t, function(a, b) while true do end end)\n"
					 "  end\n"
					 "  local n = 0\n"
					 "  for i = 1, 1000 do n = n + i end\n"
					 "  return { n = n }\n"
					 "end\n",
					 0, 0);
	double t0 = now_s();
	run_fails(rt, "loop", "{\"mode\":\"spin\"}", SEAM_PERMANENT, "%P:3: instruction limit exceeded (1000000)");
	run_fails(rt, "loop", "{\"mode\":\"pcall\"}", SEAM_PERMANENT, "%P:5: instruction limit exceeded (1000000)");
	run_fails(rt, "loop", "{\"mode\":\"xpcall\"}", SEAM_PERMANENT, "%P:7: instruction limit exceeded (1000000)");
	run_fails(rt, "loop", "{\"mode\":\"sort\"}", SEAM_PERMANENT, "%P:10: instruction limit exceeded (1000000)");
	/* Bounded: four runaways cost well under the time of a test. */
	TH_ASSERT_CMP(now_s() - t0, <, 5.0);
	/* The runtime is usable right after, with a fresh instruction budget each run. */
	for (int i = 0; i < 3; i++) {
		seam_error_t err = {0};
		json_t *out = run(rt, "loop", "{\"mode\":\"sum\"}", NULL, &err);
		assert_json(out, "{\"n\":500500}");
		json_decref(out);
	}
	seam_map_runtime_destroy(rt);

	/* A custom limit: 10,000 instructions stop a loop of 100,000 iterations. */
	rt = rt_with(*state, "small", "function map()\n  local n = 0\n  for i = 1, 100000 do n = n + 1 end\n  return n\nend\n",
		     10000, 0);
	run_fails(rt, "small", "{}", SEAM_PERMANENT, "%P:3: instruction limit exceeded (10000)");
	seam_map_runtime_destroy(rt);

	/* The limit also holds for the code outside map(), which runs when the file is loaded:
	 * a loop there is refused at load with its line, in bounded time. */
	t0 = now_s();
	load_fails(*state, "toploop", "local n = 0\nwhile true do n = n + 1 end\nfunction map(i) return i end\n",
		   0, SEAM_PERMANENT, "%P:2: instruction limit exceeded (1000000)");
	load_fails(*state, "toppcall",
		   "pcall(function()\n  while true do end\nend)\nfunction map(i) return i end\n", 0,
		   SEAM_PERMANENT, "%P:2: instruction limit exceeded (1000000)");
	TH_ASSERT_CMP(now_s() - t0, <, 5.0);
}

static void test_memory_limit(void **state)
{
	seam_map_runtime_t *rt = rt_with(*state, "mem",
					 "function map(input)\n"
					 "  if input.mode == 'rep' then\n"
					 "    return { s = string.rep('x', 64 * 1024 * 1024) }\n"
					 "  elseif input.mode == 'pcall' then\n"
					 "    local ok = pcall(string.rep, 'x', 64 * 1024 * 1024)\n"
					 "    return { ok = ok }\n"
					 "  elseif input.mode == 'grow' then\n"
					 "    local t = {}\n"
					 "    for i = 1, 1e9 do t[i] = i end\n"
					 "  end\n"
					 "  return { s = #string.rep('y', 1024 * 1024) }\n"
					 "end\n",
					 100000000, 4u * 1024 * 1024);
	seam_error_t err = {0};
	json_t *out;
	run_fails(rt, "mem", "{\"mode\":\"rep\"}", SEAM_PERMANENT, "%P: memory limit exceeded (4194304 bytes)");
	run_fails(rt, "mem", "{\"mode\":\"pcall\"}", SEAM_PERMANENT, "%P: memory limit exceeded (4194304 bytes)");
	run_fails(rt, "mem", "{\"mode\":\"grow\"}", SEAM_PERMANENT, "%P: memory limit exceeded (4194304 bytes)");
	/* Garbage from the failed runs is gone: a 1 MiB string fits again, several times. */
	for (int i = 0; i < 3; i++) {
		out = run(rt, "mem", "{\"mode\":\"ok\"}", NULL, &err);
		assert_json(out, "{\"s\":1048576}");
		json_decref(out);
	}
	seam_map_runtime_destroy(rt);

	/* A limit too small for the sandbox itself fails at create. */
	seam_map_opts_t o = {.memory_limit = 4096};
	assert_null(seam_map_runtime_create(&o, &err));
	assert_int_equal(err.code, SEAM_NOMEM);
}

static void test_input_depth_and_big_output(void **state)
{
	seam_map_runtime_t *rt = rt_with(*state, "d", "function map(input) return input end\n", 0, 0);
	char doc[300];
	int n = 0;
	for (int i = 0; i < 65; i++)
		doc[n++] = '[';
	for (int i = 0; i < 65; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	run_fails(rt, "d", doc, SEAM_PERMANENT, "%P: input: nesting deeper than 64 levels");
	seam_error_t err = {0};
	doc[n - 1] = '\0'; /* 64 levels: fine */
	json_t *out = run(rt, "d", doc + 1, NULL, &err);
	assert_non_null(out);
	json_decref(out);
	seam_map_runtime_destroy(rt);
}

/* ---- threads ---------------------------------------------------------------------------- */

typedef struct worker {
	fx_t *f;
	int id, runs, ok;
	char msg[256];
} worker_t;

static void *worker_main(void *arg)
{
	worker_t *w = arg;
	char path[256];
	const char *files[2] = {path, NULL};
	seam_map_opts_t o = {.files = files};
	seam_error_t err = {0};
	seam_map_runtime_t *rt;
	snprintf(path, sizeof path, "%s/work.lua", w->f->dir);
	if (!(rt = seam_map_runtime_create(&o, &err))) {
		snprintf(w->msg, sizeof w->msg, "create: %s", err.msg);
		return NULL;
	}
	for (int i = 0; i < w->runs; i++) {
		json_t *in = json_pack("{s:i, s:i, s:[s,s,s]}", "worker", w->id, "run", i, "prices", "1.10",
				       "2.20", "3.30");
		json_t *out = NULL;
		char want[64];
		if (seam_map_run(rt, "work", in, NULL, &out, &err) != SEAM_OK) {
			snprintf(w->msg, sizeof w->msg, "run %d: %s", i, err.msg);
			json_decref(in);
			break;
		}
		snprintf(want, sizeof want, "%d-%d", w->id, i);
		if (strcmp(json_string_value(json_object_get(out, "key")), want) != 0 ||
		    strcmp(json_string_value(json_object_get(out, "total")), "6.60") != 0 ||
		    json_integer_value(json_object_get(out, "seen")) != 0) {
			snprintf(w->msg, sizeof w->msg, "run %d: wrong output", i);
			json_decref(in);
			json_decref(out);
			break;
		}
		json_decref(in);
		json_decref(out);
		w->ok++;
	}
	seam_map_runtime_destroy(rt);
	return NULL;
}

static void test_threads_each_with_own_runtime(void **state)
{
	fx_t *f = *state;
	char path[256];
	pthread_t th[4];
	worker_t w[4];
	write_file(f, "work.lua",
		   "function map(input)\n"
		   "  local seen = calls or 0\n"
		   "  calls = seen + 1\n"
		   "  return { key = input.worker .. '-' .. input.run, total = money.sum(input.prices),\n"
		   "           seen = seen }\n"
		   "end\n",
		   path, sizeof path);
	for (int i = 0; i < 4; i++) {
		w[i] = (worker_t){.f = f, .id = i, .runs = 300};
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_string_equal(w[i].msg, "");
		assert_int_equal(w[i].ok, 300);
	}
}

/* ---- check ------------------------------------------------------------------------------ */

typedef struct report {
	int n;
	char lines[8][600];
} report_t;

static void on_report(void *arg, const char *name, const char *path, seam_err_t rc, const char *msg)
{
	report_t *r = arg;
	(void)path;
	if (r->n < 8)
		snprintf(r->lines[r->n++], sizeof r->lines[0], "%s %s %s", name, seam_errname(rc), msg);
}

static void test_check_dir(void **state)
{
	fx_t *f = *state;
	char path[256], want[700];
	report_t r = {0};
	seam_error_t err = {0};
	seam_map_opts_t o = {.dir = f->dir};

	mkdir(strcat(strcpy(path, f->dir), "/samples"), 0700);
	write_file(f, "a_good.lua", "function map(i, ctx) return { n = i.n * 2, c = ctx.c } end\n", path, sizeof path);
	write_file(f, "samples/a_good.json", "{\"n\": 21}", path, sizeof path);
	write_file(f, "samples/a_good.ctx.json", "{\"c\": \"x\"}", path, sizeof path);
	write_file(f, "samples/a_good.expected.json", "{\"n\": 42, \"c\": \"x\"}", path, sizeof path);
	write_file(f, "b_syntax.lua", "function map(\n", path, sizeof path);
	write_file(f, "c_nosample.lua", "function map() error('never run') end\n", path, sizeof path);
	write_file(f, "d_differs.lua", "function map(i) return { lines = { { q = '2' } } } end\n", path, sizeof path);
	write_file(f, "samples/d_differs.json", "{}", path, sizeof path);
	write_file(f, "samples/d_differs.expected.json", "{\"lines\": [{\"q\": \"3\"}]}", path, sizeof path);
	write_file(f, "e_badsample.lua", "function map(i) return i end\n", path, sizeof path);
	write_file(f, "samples/e_badsample.json", "{\"a\": }", path, sizeof path);
	write_file(f, "f_fails.lua", "function map(i)\n  return nil, 'no items'\nend\n", path, sizeof path);
	write_file(f, "samples/f_fails.json", "{}", path, sizeof path);
	write_file(f, "g_toploop.lua", "while true do end\nfunction map(i) return i end\n", path, sizeof path);

	assert_int_equal(seam_map_check_dir(&o, NULL, on_report, &r, &err), SEAM_PARSE);
	assert_string_equal(err.msg, "5 of 7 mappings failed");
	assert_int_equal(r.n, 7);
	assert_string_equal(r.lines[0], "a_good ok sample ok, matches expected");
	snprintf(want, sizeof want, "b_syntax parse %s/b_syntax.lua:2: <name> or '...' expected near <eof>", f->dir);
	assert_string_equal(r.lines[1], want);
	assert_string_equal(r.lines[2], "c_nosample ok compiled (no sample)");
	snprintf(want, sizeof want,
		 "d_differs permanent %s/d_differs.lua: output differs from the expected output: "
		 "$.lines[0].q: got \"2\", want \"3\"",
		 f->dir);
	assert_string_equal(r.lines[3], want);
	snprintf(want, sizeof want, "e_badsample parse %s/samples/e_badsample.json:1:7: unexpected token near '}'",
		 f->dir);
	assert_string_equal(r.lines[4], want);
	snprintf(want, sizeof want, "f_fails permanent %s/f_fails.lua: no items", f->dir);
	assert_string_equal(r.lines[5], want);
	/* no sample, but its top-level code loops: not "compiled (no sample)" */
	snprintf(want, sizeof want, "g_toploop permanent %s/g_toploop.lua:1: instruction limit exceeded (1000000)",
		 f->dir);
	assert_string_equal(r.lines[6], want);
}

static void test_json_diff(void **state)
{
	char msg[200];
	json_t *a = J("{\"x\":[1,2,{\"y\":null}],\"z\":1}"), *b;
	(void)state;
	b = J("{\"z\":1,\"x\":[1,2,{\"y\":null}]}");
	assert_int_equal(seam_map_json_diff(a, b, msg, sizeof msg), 0);
	assert_string_equal(msg, "");
	json_decref(b);
	b = J("{\"x\":[1,2,{\"y\":0}],\"z\":1}");
	assert_int_not_equal(seam_map_json_diff(a, b, msg, sizeof msg), 0);
	assert_string_equal(msg, "$.x[2].y: got null, want 0");
	json_decref(b);
	b = J("{\"x\":[1,2],\"z\":1}");
	assert_int_not_equal(seam_map_json_diff(a, b, msg, sizeof msg), 0);
	assert_string_equal(msg, "$.x: got 3 elements, want 2");
	json_decref(b);
	b = J("{\"x\":[1,2,{\"y\":null}]}");
	assert_int_not_equal(seam_map_json_diff(a, b, msg, sizeof msg), 0);
	assert_string_equal(msg, "$.z: unexpected, got 1");
	json_decref(b);
	b = J("{\"x\":[1,2,{\"y\":null}],\"z\":1,\"w\":[]}");
	assert_int_not_equal(seam_map_json_diff(a, b, msg, sizeof msg), 0);
	assert_string_equal(msg, "$.w: missing, want []");
	json_decref(b);
	b = J("{\"x\":[1,2,{\"y\":null}],\"z\":1.0}");
	assert_int_not_equal(seam_map_json_diff(a, b, msg, sizeof msg), 0);
	assert_string_equal(msg, "$.z: got 1, want 1.0");
	json_decref(b);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_identity_is_faithful, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_transform_with_ctx_and_money, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_errors_have_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sandbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_are_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instruction_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_depth_and_big_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_each_with_own_runtime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_dir, setup, teardown),
		cmocka_unit_test(test_json_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
