/*
 * map.c: the Lua mapping runtime (see map.h for the contract).
 *
 * How a run stays isolated and bounded:
 *
 *   registry[mappings_key]  name -> compiled main chunk (loaded once, text mode only)
 *   registry[env_mt_key]    { __index = safe base functions, __metatable = false }
 *   registry[libs_key]      name -> template library table (string, table, math, utf8,
 *                           json, money), copied into every run's environment
 *
 *   run: env = {} with env_mt and fresh copies of the libraries; the chunk's first upvalue
 *   (_ENV) is set to env and the chunk is executed, which defines `map` (and anything else) in
 *   env only; then map(input, ctx) is called. Nothing reachable from env is shared with
 *   another run except immutable functions, strings and json.null. The chunk's upvalue keeps
 *   pointing at the last env until the next run replaces it; no code can reach it in between
 *   (no finalizers: __gc is refused).
 *
 *   limits: a count hook every HOOK_EVERY instructions adds to instr_used; past the limit it
 *   records the hit, switches to firing on every instruction and raises. The allocator counts
 *   every byte of the state and refuses growth past mem_limit; Lua then runs an emergency
 *   full GC and raises LUA_ERRMEM only if that did not help. The sandbox's pcall/xpcall
 *   re-raise once a limit is hit, so a mapping cannot swallow either.
 *
 * Every Lua call that can raise runs under lua_pcall; the only code outside is
 * seam_luajson_to_json, which never raises. Thread-safety: see map.h (one thread per runtime).
 */
#include "map/map.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "map/luajson.h"
#include "map/luamoney.h"

#define HOOK_EVERY 1000

enum { LIMIT_NONE = 0, LIMIT_INSTR, LIMIT_MEM };

typedef struct map_entry {
	char name[SEAM_MAP_NAME_MAX + 1];
	char *path;
} map_entry_t;

struct seam_map_runtime {
	lua_State *L;
	size_t mem_used, mem_limit;
	uint64_t instr_used, instr_limit;
	int max_depth;
	int limit_hit;
	char limit_msg[256];
	map_entry_t *maps;
	size_t n, cap;
};

/* Registry keys: addresses only. */
static const char mappings_key = 'm';
static const char env_mt_key = 'e';
static const char libs_key = 'l';

static seam_map_runtime_t *rt_of(lua_State *L)
{
	return *(seam_map_runtime_t **)lua_getextraspace(L);
}

/* ---- allocator and hook ----------------------------------------------------------------- */

static void *rt_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	seam_map_runtime_t *rt = ud;
	size_t old = ptr ? osize : 0; /* with ptr NULL, osize is a type tag, not a size */
	void *p;
	if (nsize == 0) {
		free(ptr);
		rt->mem_used -= old;
		return NULL;
	}
	if (nsize > old && nsize - old > rt->mem_limit - rt->mem_used)
		return NULL; /* Lua collects garbage and retries before giving up */
	p = realloc(ptr, nsize);
	if (!p)
		return NULL;
	rt->mem_used = rt->mem_used - old + nsize;
	return p;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	seam_map_runtime_t *rt = rt_of(L);
	(void)ar;
	rt->instr_used += HOOK_EVERY;
	if (rt->instr_used <= rt->instr_limit && rt->limit_hit == LIMIT_NONE)
		return;
	if (rt->limit_hit == LIMIT_NONE) {
		lua_Debug d;
		rt->limit_hit = LIMIT_INSTR;
		/* Level 0 is the Lua function running (hooks get no frame of their own). */
		if (lua_getstack(L, 0, &d) && lua_getinfo(L, "Sl", &d) && d.currentline > 0)
			snprintf(rt->limit_msg, sizeof rt->limit_msg,
				 "%s:%d: instruction limit exceeded (%llu)", d.short_src, d.currentline,
				 (unsigned long long)rt->instr_limit);
	}
	/* From now on every instruction raises, so no handler gets to run for long. */
	lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "instruction limit exceeded");
}

/* ---- sandbox functions ------------------------------------------------------------------ */

static int finish_pcall(lua_State *L, int status, int extra)
{
	seam_map_runtime_t *rt = rt_of(L);
	if (status == LUA_ERRMEM)
		rt->limit_hit = LIMIT_MEM;
	if (status != LUA_OK) {
		if (rt->limit_hit != LIMIT_NONE)
			return lua_error(L); /* limits are not catchable */
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L) - extra;
}

static int sb_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushboolean(L, 1);
	lua_insert(L, 1);
	return finish_pcall(L, lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0), 0);
}

/* xpcall's message handler runs at the point of the error, before unwinding. When the error
 * came from the count hook, Lua has hooks switched off at that point (they come back when the
 * error reaches a pcall), so a mapping's handler would run unbounded: `xpcall(f, function()
 * while true do end end)`. Once a limit is hit the handler is skipped. Upvalue 1: the
 * mapping's handler. */
static int xpcall_handler(lua_State *L)
{
	if (rt_of(L)->limit_hit != LIMIT_NONE)
		return 1;
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int sb_xpcall(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, xpcall_handler, 1);
	lua_replace(L, 2);
	lua_pushboolean(L, 1);
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 2); /* f, msgh, true, f, args... */
	return finish_pcall(L, lua_pcall(L, n - 2, LUA_MULTRET, 2), 2);
}

/* setmetatable without __gc: a finalizer would run later, in another run or at close,
 * outside the instruction limit (hooks are off during finalizers). Upvalue 1: the original. */
static int sb_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc metamethods are not allowed in mappings");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* Error objects that are not strings get a plain description (no Lua code runs here). */
static int msgh(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING)
		return 1;
	if (seam_luajson_isnull(L, 1))
		lua_pushliteral(L, "(error object is json.null)");
	else
		lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	return 1;
}

/* Copies the fields of the table at src into a new table, leaving out `skip` names. */
static void copy_table(lua_State *L, int src, const char *const *skip)
{
	src = lua_absindex(L, src);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, src)) {
		int drop = 0;
		if (skip && lua_type(L, -2) == LUA_TSTRING) {
			for (const char *const *s = skip; *s; s++)
				drop |= strcmp(lua_tostring(L, -2), *s) == 0;
		}
		if (drop) {
			lua_pop(L, 1);
			continue;
		}
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
}

/* Protected: builds the sandbox pieces in the registry (see the file comment). */
static int p_setup(lua_State *L)
{
	static const char *const base_names[] = {
		"assert", "error",    "ipairs",   "next",     "pairs",  "rawequal", "rawget",
		"rawlen", "rawset",   "select",   "tonumber", "tostring", "type",   "getmetatable",
		"_VERSION", NULL,
	};
	static const char *const no_string[] = {"dump", NULL};
	static const char *const no_math[] = {"random", "randomseed", NULL};
	static const struct {
		const char *name;
		lua_CFunction open;
		const char *const *skip;
	} libs[] = {
		{LUA_STRLIBNAME, luaopen_string, no_string},
		{LUA_TABLIBNAME, luaopen_table, NULL},
		{LUA_MATHLIBNAME, luaopen_math, no_math},
		{LUA_UTF8LIBNAME, luaopen_utf8, NULL},
		{"json", seam_luajson_open, NULL},
		{"money", seam_luamoney_open, NULL},
	};
	int g, base;

	luaL_requiref(L, LUA_GNAME, luaopen_base, 0);
	g = lua_gettop(L);
	lua_newtable(L);
	base = lua_gettop(L);
	for (const char *const *n = base_names; *n; n++) {
		lua_getfield(L, g, *n);
		lua_setfield(L, base, *n);
	}
	lua_pushcfunction(L, sb_pcall);
	lua_setfield(L, base, "pcall");
	lua_pushcfunction(L, sb_xpcall);
	lua_setfield(L, base, "xpcall");
	lua_getfield(L, g, "setmetatable");
	lua_pushcclosure(L, sb_setmetatable, 1);
	lua_setfield(L, base, "setmetatable");

	lua_createtable(L, 0, 2); /* env metatable */
	lua_pushvalue(L, base);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &env_mt_key);

	lua_newtable(L); /* library templates */
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
		luaL_requiref(L, libs[i].name, libs[i].open, 0);
		copy_table(L, -1, libs[i].skip);
		lua_setfield(L, -3, libs[i].name);
		lua_pop(L, 1);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &libs_key);

	/* getmetatable("").__index would be the real string table, shared by all runs. */
	lua_pushliteral(L, "");
	if (lua_getmetatable(L, -1)) {
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);

	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &mappings_key);
	return 0;
}

/* ---- create, load ----------------------------------------------------------------------- */

static int valid_name(const char *s, size_t len)
{
	if (len == 0 || len > SEAM_MAP_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Name of the mapping in path: the base name without ".lua"; *len 0 when not a .lua file. */
static const char *name_of(const char *path, size_t *len)
{
	const char *base = strrchr(path, '/');
	size_t n;
	base = base ? base + 1 : path;
	n = strlen(base);
	*len = n > 4 && strcmp(base + n - 4, ".lua") == 0 ? n - 4 : 0;
	return base;
}

static map_entry_t *find(const seam_map_runtime_t *rt, const char *name)
{
	for (size_t i = 0; i < rt->n; i++) {
		if (strcmp(rt->maps[i].name, name) == 0)
			return &rt->maps[i];
	}
	return NULL;
}

/* Reads a whole mapping file into *buf (owned, free()) and *len. */
static seam_err_t read_file(const char *path, char **buf, size_t *len, seam_error_t *err)
{
	seam_err_t rc = SEAM_ERR;
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n;
	*buf = NULL;
	if (!f)
		return seam_errorf(err, SEAM_IO, "%s: %s", path, strerror(errno));
	if (!(b = malloc(SEAM_MAP_MAX_FILE + 1))) {
		rc = seam_errorf(err, SEAM_NOMEM, "%s: out of memory", path);
		goto out;
	}
	n = fread(b, 1, SEAM_MAP_MAX_FILE + 1, f);
	if (ferror(f)) {
		rc = seam_errorf(err, SEAM_IO, "%s: read error", path);
		goto out;
	}
	if (n > SEAM_MAP_MAX_FILE) {
		rc = seam_errorf(err, SEAM_TOOBIG, "%s: larger than %u bytes", path, SEAM_MAP_MAX_FILE);
		goto out;
	}
	*buf = b;
	*len = n;
	b = NULL;
	rc = SEAM_OK;
out:
	free(b);
	fclose(f);
	return rc;
}

typedef struct load_args {
	const char *buf, *chunkname, *name;
	size_t len;
	int status;
} load_args_t;

/* Protected: compiles the chunk (text only) and stores it under its name. */
static int p_load(lua_State *L)
{
	load_args_t *a = lua_touserdata(L, 1);
	a->status = luaL_loadbufferx(L, a->buf, a->len, a->chunkname, "t");
	if (a->status != LUA_OK)
		return lua_error(L);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &mappings_key);
	lua_insert(L, -2);
	lua_setfield(L, -2, a->name);
	return 0;
}

/* Protected: forgets the compiled chunk stored under the name at index 1. */
static int p_unload(lua_State *L)
{
	const char *name = lua_touserdata(L, 1);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &mappings_key);
	lua_pushnil(L);
	lua_setfield(L, -2, name);
	return 0;
}

static int p_define(lua_State *L);
static int limited_pcall(seam_map_runtime_t *rt, lua_CFunction fn, void *ud, int nresults);
static seam_err_t run_failed(seam_map_runtime_t *rt, const map_entry_t *m, int status,
			     const char *msg, seam_error_t *err);

seam_err_t seam_map_load(seam_map_runtime_t *rt, const char *path, seam_error_t *err)
{
	seam_err_t rc = SEAM_ERR;
	load_args_t a = {0};
	char *buf = NULL, *chunkname = NULL, *pathcopy = NULL;
	char name[SEAM_MAP_NAME_MAX + 1];
	const char *base;
	size_t nlen, blen = 0;
	int top, st;

	if (!rt || !path)
		return seam_errorf(err, SEAM_INVAL, "seam_map_load: no runtime or path");
	base = name_of(path, &nlen);
	if (!valid_name(base, nlen))
		return seam_errorf(err, SEAM_CONFIG,
				   "%s: a mapping file is named <name>.lua with name matching "
				   "[A-Za-z0-9_-]{1,%d}",
				   path, SEAM_MAP_NAME_MAX);
	memcpy(name, base, nlen);
	name[nlen] = '\0';
	if (find(rt, name))
		return seam_errorf(err, SEAM_CONFIG, "%s: a mapping named '%s' is already loaded from %s",
				   path, name, find(rt, name)->path);
	if (rt->n == rt->cap) {
		size_t cap = rt->cap ? rt->cap * 2 : 8;
		map_entry_t *m = realloc(rt->maps, cap * sizeof *m);
		if (!m)
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		rt->maps = m;
		rt->cap = cap;
	}
	if ((rc = read_file(path, &buf, &blen, err)) != SEAM_OK)
		goto out;
	if (!(chunkname = malloc(strlen(path) + 2)) || !(pathcopy = strdup(path))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	chunkname[0] = '@';
	strcpy(chunkname + 1, path);
	a.buf = buf;
	a.len = blen;
	a.chunkname = chunkname;
	a.name = name;

	top = lua_gettop(rt->L);
	lua_pushcfunction(rt->L, p_load);
	lua_pushlightuserdata(rt->L, &a);
	st = lua_pcall(rt->L, 1, 0, 0);
	if (st != LUA_OK) {
		const char *msg = lua_tostring(rt->L, -1);
		if (st == LUA_ERRMEM || a.status == LUA_ERRMEM)
			rc = seam_errorf(err, SEAM_NOMEM, "%s: memory limit exceeded (%zu bytes) while loading",
					 path, rt->mem_limit);
		else
			rc = seam_errorf(err, SEAM_PARSE, "%s", msg ? msg : "syntax error");
		lua_settop(rt->L, top);
		goto out;
	}
	lua_settop(rt->L, top);
	/* The top-level code runs before every map() call; run it once now, under the same
	 * limits, so a file that loops there, fails there or defines no map is refused with its
	 * file:line here (by seam check, and by seam serve at start), not at its first order. */
	map_entry_t probe = {.path = (char *)path};
	memcpy(probe.name, name, nlen + 1);
	st = limited_pcall(rt, p_define, &probe, 0);
	if (st != LUA_OK) {
		rc = run_failed(rt, &probe, st, lua_tostring(rt->L, -1), err);
		lua_settop(rt->L, top);
		lua_pushcfunction(rt->L, p_unload); /* on failure the runtime is unchanged */
		lua_pushlightuserdata(rt->L, name);
		lua_pcall(rt->L, 1, 0, 0);
		lua_settop(rt->L, top);
		lua_gc(rt->L, LUA_GCCOLLECT);
		goto out;
	}
	lua_settop(rt->L, top);
	memcpy(rt->maps[rt->n].name, name, nlen + 1);
	rt->maps[rt->n].path = pathcopy;
	pathcopy = NULL;
	rt->n++;
	rc = SEAM_OK;
out:
	free(pathcopy);
	free(chunkname);
	free(buf);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* The files opts names: *.lua in opts->dir (sorted, hidden files skipped), then opts->files.
 * Returns an owned array of owned strings (free_list) or NULL with err (an empty result is a
 * non-NULL array with *n 0). */
static char **list_files(const seam_map_opts_t *opts, size_t *n, seam_error_t *err)
{
	char **list = NULL;
	size_t cap = 0, count = 0;
	DIR *d = NULL;
	struct dirent *e;

	*n = 0;
	if (!(list = calloc(1, sizeof *list)))
		goto nomem;
	cap = 1;
	if (opts && opts->dir) {
		size_t dlen = strlen(opts->dir);
		int slash = dlen > 0 && opts->dir[dlen - 1] == '/';
		if (!(d = opendir(opts->dir))) {
			seam_errorf(err, SEAM_IO, "%s: %s", opts->dir, strerror(errno));
			free_list(list, count);
			return NULL;
		}
		while ((e = readdir(d))) {
			size_t nlen;
			if (e->d_name[0] == '.')
				continue;
			name_of(e->d_name, &nlen);
			if (nlen == 0)
				continue;
			if (count == cap) {
				char **l = realloc(list, cap * 2 * sizeof *l);
				if (!l)
					goto nomem;
				list = l;
				cap *= 2;
			}
			if (!(list[count] = malloc(dlen + strlen(e->d_name) + 2)))
				goto nomem;
			sprintf(list[count], "%s%s%s", opts->dir, slash ? "" : "/", e->d_name);
			count++;
		}
		closedir(d);
		d = NULL;
		qsort(list, count, sizeof *list, cmp_str);
	}
	for (const char *const *f = opts ? opts->files : NULL; f && *f; f++) {
		if (count == cap) {
			char **l = realloc(list, cap * 2 * sizeof *l);
			if (!l)
				goto nomem;
			list = l;
			cap *= 2;
		}
		if (!(list[count] = strdup(*f)))
			goto nomem;
		count++;
	}
	*n = count;
	return list;
nomem:
	if (d)
		closedir(d);
	free_list(list, count);
	seam_errorf(err, SEAM_NOMEM, "out of memory");
	return NULL;
}

static seam_map_runtime_t *create_empty(const seam_map_opts_t *opts, seam_error_t *err)
{
	seam_map_runtime_t *rt = calloc(1, sizeof *rt);
	if (!rt) {
		seam_errorf(err, SEAM_NOMEM, "out of memory");
		return NULL;
	}
	rt->instr_limit = opts && opts->instruction_limit ? opts->instruction_limit
							  : SEAM_MAP_DEFAULT_INSTRUCTIONS;
	rt->mem_limit = opts && opts->memory_limit ? opts->memory_limit : SEAM_MAP_DEFAULT_MEMORY;
	rt->max_depth = opts && opts->max_depth > 0 ? opts->max_depth : SEAM_LUAJSON_MAX_DEPTH;
	rt->L = lua_newstate(rt_alloc, rt);
	if (!rt->L) {
		seam_errorf(err, SEAM_NOMEM, "cannot create a Lua state within %zu bytes", rt->mem_limit);
		free(rt);
		return NULL;
	}
	*(seam_map_runtime_t **)lua_getextraspace(rt->L) = rt;
	lua_pushcfunction(rt->L, p_setup);
	if (lua_pcall(rt->L, 0, 0, 0) != LUA_OK) {
		seam_errorf(err, SEAM_NOMEM, "cannot set up the mapping sandbox within %zu bytes",
			    rt->mem_limit);
		seam_map_runtime_destroy(rt);
		return NULL;
	}
	lua_sethook(rt->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	return rt;
}

seam_map_runtime_t *seam_map_runtime_create(const seam_map_opts_t *opts, seam_error_t *err)
{
	seam_map_runtime_t *rt = create_empty(opts, err);
	char **files = NULL;
	size_t n = 0;
	if (!rt)
		return NULL;
	if (!(files = list_files(opts, &n, err)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (seam_map_load(rt, files[i], err) != SEAM_OK)
			goto fail;
	}
	free_list(files, n);
	return rt;
fail:
	free_list(files, n);
	seam_map_runtime_destroy(rt);
	return NULL;
}

void seam_map_runtime_destroy(seam_map_runtime_t *rt)
{
	if (!rt)
		return;
	if (rt->L)
		lua_close(rt->L);
	for (size_t i = 0; i < rt->n; i++)
		free(rt->maps[i].path);
	free(rt->maps);
	free(rt);
}

size_t seam_map_count(const seam_map_runtime_t *rt)
{
	return rt ? rt->n : 0;
}

const char *seam_map_name(const seam_map_runtime_t *rt, size_t i)
{
	return rt && i < rt->n ? rt->maps[i].name : NULL;
}

const char *seam_map_path(const seam_map_runtime_t *rt, size_t i)
{
	return rt && i < rt->n ? rt->maps[i].path : NULL;
}

/* ---- run -------------------------------------------------------------------------------- */

typedef struct run_args {
	seam_map_runtime_t *rt;
	const map_entry_t *m;
	json_t *input, *ctx;
} run_args_t;

/* Fresh env for mapping m, its chunk executed in it (top-level code runs here, under the
 * run's limits), and its map function checked. Leaves env at index 1 and map on top; raises
 * on failure. Called from protected functions only. */
static void push_defined(lua_State *L, const map_entry_t *m)
{
	int env, libs;

	lua_settop(L, 0);
	lua_createtable(L, 0, 24);
	env = lua_gettop(L);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &libs_key);
	libs = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, libs)) {
		copy_table(L, -1, NULL);
		lua_remove(L, -2);
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, env);
	}
	lua_pop(L, 1);
	lua_pushvalue(L, env);
	lua_setfield(L, env, "_G");
	lua_rawgetp(L, LUA_REGISTRYINDEX, &env_mt_key);
	lua_setmetatable(L, env);

	lua_rawgetp(L, LUA_REGISTRYINDEX, &mappings_key);
	lua_getfield(L, -1, m->name);
	lua_remove(L, -2);
	lua_pushvalue(L, env);
	lua_setupvalue(L, -2, 1); /* the main chunk's only upvalue is _ENV */
	lua_call(L, 0, 0);

	lua_pushliteral(L, "map");
	if (lua_rawget(L, env) != LUA_TFUNCTION) {
		lua_pushfstring(L, "%s: does not define function map(input, ctx)", m->path);
		lua_error(L);
	}
}

/* Protected: push_defined alone (load checks that a file defines map within the limits). */
static int p_define(lua_State *L)
{
	push_defined(L, lua_touserdata(L, 1));
	return 0;
}

/* Protected: fresh env, chunk, map(input, ctx). Returns map's first two results. */
static int p_run(lua_State *L)
{
	run_args_t *a = lua_touserdata(L, 1);
	int env = 1;

	push_defined(L, a->m);
	seam_luajson_push(L, a->input, a->rt->max_depth);
	if (a->ctx) {
		seam_luajson_push(L, a->ctx, a->rt->max_depth);
	} else {
		lua_getfield(L, env, "json");
		lua_getfield(L, -1, "object");
		lua_remove(L, -2);
		lua_call(L, 0, 1);
	}
	lua_call(L, 2, 2);
	return 2;
}

/* Message for a failed run: Lua messages keep their "file:line:" prefix; others get the path. */
static seam_err_t run_failed(seam_map_runtime_t *rt, const map_entry_t *m, int status,
			     const char *msg, seam_error_t *err)
{
	size_t plen = strlen(m->path);
	if (rt->limit_hit == LIMIT_INSTR) {
		if (rt->limit_msg[0])
			return seam_errorf(err, SEAM_PERMANENT, "%s", rt->limit_msg);
		return seam_errorf(err, SEAM_PERMANENT, "%s: instruction limit exceeded (%llu)", m->path,
				   (unsigned long long)rt->instr_limit);
	}
	if (rt->limit_hit == LIMIT_MEM || status == LUA_ERRMEM)
		return seam_errorf(err, SEAM_PERMANENT, "%s: memory limit exceeded (%zu bytes)", m->path,
				   rt->mem_limit);
	if (!msg)
		msg = "unknown error";
	if (strncmp(msg, m->path, plen) == 0 && msg[plen] == ':')
		return seam_errorf(err, SEAM_PERMANENT, "%s", msg);
	return seam_errorf(err, SEAM_PERMANENT, "%s: %s", m->path, msg);
}

/* Calls fn(ud) protected, with a fresh instruction budget and the limits armed: what every
 * execution of mapping code goes through (runs, and the top-level code at load). Results (or
 * the error message) are left on the stack above msgh. */
static int limited_pcall(seam_map_runtime_t *rt, lua_CFunction fn, void *ud, int nresults)
{
	lua_State *L = rt->L;
	int top = lua_gettop(L);
	rt->instr_used = 0;
	rt->limit_hit = LIMIT_NONE;
	rt->limit_msg[0] = '\0';
	lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY); /* also resets the count */
	lua_pushcfunction(L, msgh);
	lua_pushcfunction(L, fn);
	lua_pushlightuserdata(L, ud);
	return lua_pcall(L, 1, nresults, top + 1);
}

seam_err_t seam_map_run(seam_map_runtime_t *rt, const char *name, json_t *input, json_t *ctx,
			json_t **out, seam_error_t *err)
{
	seam_err_t rc = SEAM_ERR;
	run_args_t a;
	seam_error_t e = {0};
	const map_entry_t *m;
	lua_State *L;
	int top, st;

	if (out)
		*out = NULL;
	if (!rt || !name || !input || !out)
		return seam_errorf(err, SEAM_INVAL, "seam_map_run: runtime, name, input and out are required");
	if (!(m = find(rt, name)))
		return seam_errorf(err, SEAM_NOTFOUND, "no mapping named '%s'", name);
	L = rt->L;
	top = lua_gettop(L);
	a.rt = rt;
	a.m = m;
	a.input = input;
	a.ctx = ctx;
	st = limited_pcall(rt, p_run, &a, 2);
	if (st != LUA_OK) {
		rc = run_failed(rt, m, st, lua_tostring(L, -1), err);
		goto out;
	}
	if (lua_isnil(L, -2)) {
		const char *msg = lua_tostring(L, -1);
		rc = msg ? run_failed(rt, m, LUA_OK, msg, err)
			 : seam_errorf(err, SEAM_PERMANENT, "%s: map returned nil", m->path);
		goto out;
	}
	*out = seam_luajson_to_json(L, -2, rt->max_depth, &e);
	if (!*out) {
		rc = seam_errorf(err, SEAM_PERMANENT, "%s: output %s", m->path, e.msg);
		goto out;
	}
	rc = SEAM_OK;
out:
	lua_settop(L, top);
	if (rc != SEAM_OK)
		lua_gc(L, LUA_GCCOLLECT); /* a failed run may leave much garbage behind */
	return rc;
}

/* ---- check ------------------------------------------------------------------------------ */

static void dump_short(json_t *j, char *buf, size_t cap)
{
	char *s = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!s) {
		snprintf(buf, cap, "%s", j ? "?" : "nothing");
		return;
	}
	if (strlen(s) > 60)
		snprintf(buf, cap, "%.57s...", s);
	else
		snprintf(buf, cap, "%s", s);
	free(s);
}

static int diff_at(json_t *got, json_t *want, char *path, size_t plen, size_t pcap, char *msg,
		   size_t cap)
{
	char g[80], w[80];
	if (json_typeof(got) != json_typeof(want))
		goto differ;
	if (json_is_object(want)) {
		const char *k;
		json_t *v;
		json_object_foreach (want, k, v) {
			int n = snprintf(path + plen, pcap - plen, ".%s", k);
			size_t np = n < 0 || (size_t)n >= pcap - plen ? pcap - 1 : plen + (size_t)n;
			json_t *gv = json_object_get(got, k);
			if (!gv) {
				dump_short(v, w, sizeof w);
				snprintf(msg, cap, "%s: missing, want %s", path, w);
				return 1;
			}
			if (diff_at(gv, v, path, np, pcap, msg, cap))
				return 1;
		}
		json_object_foreach (got, k, v) {
			if (!json_object_get(want, k)) {
				snprintf(path + plen, pcap - plen, ".%s", k);
				dump_short(v, g, sizeof g);
				snprintf(msg, cap, "%s: unexpected, got %s", path, g);
				return 1;
			}
		}
		path[plen] = '\0';
		return 0;
	}
	if (json_is_array(want)) {
		size_t gn = json_array_size(got), wn = json_array_size(want);
		for (size_t i = 0; i < gn && i < wn; i++) {
			int n = snprintf(path + plen, pcap - plen, "[%zu]", i);
			size_t np = n < 0 || (size_t)n >= pcap - plen ? pcap - 1 : plen + (size_t)n;
			if (diff_at(json_array_get(got, i), json_array_get(want, i), path, np, pcap, msg, cap))
				return 1;
		}
		path[plen] = '\0';
		if (gn != wn) {
			snprintf(msg, cap, "%s: got %zu elements, want %zu", path, gn, wn);
			return 1;
		}
		return 0;
	}
	if (json_equal(got, want))
		return 0;
differ:
	path[plen] = '\0';
	dump_short(got, g, sizeof g);
	dump_short(want, w, sizeof w);
	snprintf(msg, cap, "%s: got %s, want %s", path, g, w);
	return 1;
}

int seam_map_json_diff(json_t *got, json_t *want, char *msg, size_t cap)
{
	char path[256] = "$";
	char scratch[1];
	if (!msg || cap == 0) {
		msg = scratch;
		cap = sizeof scratch;
	}
	msg[0] = '\0';
	if (!got || !want) {
		if (got == want)
			return 0;
		snprintf(msg, cap, "$: got %s, want %s", got ? "a value" : "nothing",
			 want ? "a value" : "nothing");
		return 1;
	}
	return diff_at(got, want, path, 1, sizeof path, msg, cap);
}

seam_err_t seam_map_check(seam_map_runtime_t *rt, const char *name, json_t *sample, json_t *ctx,
			  json_t *expected, json_t **out, seam_error_t *err)
{
	json_t *res = NULL;
	seam_err_t rc;
	char msg[400];
	if (out)
		*out = NULL;
	rc = seam_map_run(rt, name, sample, ctx, &res, err);
	if (rc != SEAM_OK)
		return rc;
	if (expected && seam_map_json_diff(res, expected, msg, sizeof msg)) {
		const map_entry_t *m = find(rt, name);
		json_decref(res);
		return seam_errorf(err, SEAM_PERMANENT, "%s: output differs from the expected output: %s",
				   m->path, msg);
	}
	if (out)
		*out = res;
	else
		json_decref(res);
	return SEAM_OK;
}

/* Loads samples_dir/<name><suffix> into *j when it exists. 0: absent, 1: loaded, -1: error. */
static int load_sample(const char *dir, const char *name, const char *suffix, json_t **j,
		       seam_error_t *err)
{
	char path[4096];
	struct stat st;
	json_error_t je;
	*j = NULL;
	snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix);
	if (stat(path, &st) != 0)
		return 0;
	if (!(*j = json_load_file(path, JSON_DECODE_ANY, &je))) {
		seam_errorf(err, SEAM_PARSE, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return -1;
	}
	return 1;
}

seam_err_t seam_map_check_dir(const seam_map_opts_t *opts, const char *samples_dir,
			      seam_map_report_fn report, void *arg, seam_error_t *err)
{
	seam_map_opts_t base = {0};
	seam_map_runtime_t *rt = NULL;
	seam_error_t e0 = {0};
	seam_err_t rc = SEAM_OK, first = SEAM_OK;
	char **files = NULL, sdir[4096];
	size_t n = 0, failed = 0;

	if (opts) {
		base.instruction_limit = opts->instruction_limit;
		base.memory_limit = opts->memory_limit;
		base.max_depth = opts->max_depth;
	}
	if (samples_dir)
		snprintf(sdir, sizeof sdir, "%s", samples_dir);
	else
		snprintf(sdir, sizeof sdir, "%s/samples", opts && opts->dir ? opts->dir : ".");
	if (!(files = list_files(opts, &n, &e0)) || !(rt = create_empty(&base, &e0))) {
		free_list(files, n);
		if (err)
			*err = e0;
		return e0.code;
	}
	for (size_t i = 0; i < n; i++) {
		seam_error_t e = {0};
		json_t *sample = NULL, *ctx = NULL, *expected = NULL;
		size_t nlen;
		char name[SEAM_MAP_NAME_MAX + 1];
		const char *base_name = name_of(files[i], &nlen), *okmsg = "compiled (no sample)";

		if (nlen > SEAM_MAP_NAME_MAX)
			nlen = SEAM_MAP_NAME_MAX;
		memcpy(name, base_name, nlen);
		name[nlen] = '\0';
		rc = seam_map_load(rt, files[i], &e);
		if (rc == SEAM_OK) {
			int s = load_sample(sdir, name, ".json", &sample, &e);
			if (s > 0 && load_sample(sdir, name, ".ctx.json", &ctx, &e) >= 0 &&
			    load_sample(sdir, name, ".expected.json", &expected, &e) >= 0) {
				rc = seam_map_check(rt, name, sample, ctx, expected, NULL, &e);
				okmsg = expected ? "sample ok, matches expected" : "sample ok";
			} else if (s != 0) {
				rc = e.code;
			}
		}
		if (rc != SEAM_OK) {
			failed++;
			if (first == SEAM_OK)
				first = rc;
		}
		if (report)
			report(arg, name, files[i], rc, rc == SEAM_OK ? okmsg : e.msg);
		json_decref(sample);
		json_decref(ctx);
		json_decref(expected);
	}
	seam_map_runtime_destroy(rt);
	free_list(files, n);
	if (failed)
		return seam_errorf(err, first, "%zu of %zu mappings failed", failed, n);
	return SEAM_OK;
}
