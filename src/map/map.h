/*
 * map.h: the Lua mapping runtime (docs/design.md rule 8: contracts and mappings are data).
 *
 * A mapping is a Lua 5.4 file mappings/<name>.lua that defines
 *
 *     function map(input, ctx) ... return output end
 *
 * `input` is the JSON document converted to Lua (src/map/luajson.h gives the exact rules:
 * json.null, array/object marks, integers stay integers); `ctx` is the caller's extra values
 * (store config, ERP company, ...) converted the same way. The returned value is converted
 * back to JSON. A mapping fails by calling error("...") or by returning nil, "message".
 *
 * Runtime. A seam_map_runtime_t owns one Lua state and the compiled mappings (each file is
 * compiled once, at create/load, by name = file name without ".lua"). Each run executes the
 * compiled chunk in a FRESH environment table whose __index is the shared, unreachable safe
 * globals, so nothing a run does (globals, file-level locals, changes to string/table/math/
 * json/money, which are per-run copies) is visible to the next run.
 *
 * Sandbox. Globals: assert error ipairs next pairs pcall xpcall rawequal rawget rawlen rawset
 * select setmetatable getmetatable tonumber tostring type _VERSION _G, and the libraries
 * string (without dump), table, math (without random/randomseed: mappings are deterministic),
 * utf8, json, money. Not there: io, os, package, require, debug, coroutine, load, loadfile,
 * dofile, collectgarbage, print. Chunks are loaded as text only. setmetatable refuses __gc
 * (a finalizer would run outside the run and outside the instruction limit). The string
 * metatable is protected. pcall/xpcall cannot catch the two limits below: once a limit is hit
 * the run ends.
 *
 * Limits, per run: `instruction_limit` Lua VM instructions (checked every 1000), error
 * "instruction limit exceeded"; the file's top-level code, which seam_map_load runs once to
 * check that it defines map, gets the same budget; per runtime: `memory_limit` bytes for
 * everything in the state (compiled mappings included), error "memory limit exceeded". After
 * a failed run the runtime is clean and usable for the next one. Not bounded: time spent
 * inside one C library call (for example a pathological string.find pattern); keep patterns
 * simple.
 *
 * Errors. Load: SEAM_IO (unreadable file), SEAM_TOOBIG (file over 1 MiB), SEAM_PARSE (syntax,
 * with "mappings/order_to_erp.lua:12: unexpected symbol near 'x'"), SEAM_CONFIG (bad or
 * duplicate name), SEAM_NOMEM (the memory limit cannot hold the sandbox or the file),
 * SEAM_PERMANENT (the top-level code fails, hits a limit or defines no function map, with
 * file:line as for runs). Run: SEAM_NOTFOUND (no such mapping), SEAM_INVAL (NULL input),
 * SEAM_PERMANENT for every failure of the mapping itself (runtime error with file:line,
 * nil+message, limits, output that is not JSON): the same input fails the same way, so a
 * retry cannot help.
 *
 * Thread-safety: a runtime is used by ONE thread at a time (one per worker thread; it is not
 * locked). Different runtimes may be used from different threads at the same time; they share
 * nothing. Ownership: see each function.
 */
#ifndef SEAM_MAP_MAP_H
#define SEAM_MAP_MAP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SEAM_MAP_DEFAULT_INSTRUCTIONS 1000000u
#define SEAM_MAP_DEFAULT_MEMORY (16u * 1024u * 1024u)
#define SEAM_MAP_MAX_FILE (1024u * 1024u)
#define SEAM_MAP_NAME_MAX 64

typedef struct seam_map_opts {
	const char *dir;            /* every *.lua in it is loaded (sorted); NULL: none */
	const char *const *files;   /* NULL-terminated extra file paths; NULL: none */
	uint64_t instruction_limit; /* per run; 0: SEAM_MAP_DEFAULT_INSTRUCTIONS */
	size_t memory_limit;        /* per runtime, bytes; 0: SEAM_MAP_DEFAULT_MEMORY */
	int max_depth;              /* JSON nesting, both ways; 0: SEAM_LUAJSON_MAX_DEPTH (64) */
} seam_map_opts_t;

typedef struct seam_map_runtime seam_map_runtime_t;

/* Creates a runtime and compiles every mapping named by opts (opts may be NULL: an empty
 * runtime, see seam_map_load). Fails on the first file that does not load, with its message.
 * Returns owned (free with seam_map_runtime_destroy) or NULL with err set. */
seam_map_runtime_t *seam_map_runtime_create(const seam_map_opts_t *opts, seam_error_t *err);
void seam_map_runtime_destroy(seam_map_runtime_t *rt);

/* Compiles one more file (path borrowed) under the name basename-without-".lua", which must
 * match [A-Za-z0-9_-]{1,64} and not be loaded yet, and runs its top-level code once in a
 * fresh environment, within the limits, to check that it defines function map. On failure
 * the runtime is unchanged. */
seam_err_t seam_map_load(seam_map_runtime_t *rt, const char *path, seam_error_t *err);

/* Number of loaded mappings, and the name / file path of the i-th in load order (valid until
 * the runtime is destroyed), NULL when out of range. */
size_t seam_map_count(const seam_map_runtime_t *rt);
const char *seam_map_name(const seam_map_runtime_t *rt, size_t i);
const char *seam_map_path(const seam_map_runtime_t *rt, size_t i);

/* Runs mapping `name` on input (borrowed, not NULL) with ctx (borrowed; NULL: an empty
 * object). On success *out is a new reference (json_decref it) and SEAM_OK is returned; on
 * failure *out is NULL and err says why (codes above). */
seam_err_t seam_map_run(seam_map_runtime_t *rt, const char *name, json_t *input, json_t *ctx,
			json_t **out, seam_error_t *err);

/* `seam check` for one mapping: the same as seam_map_run on a sample document, with ctx
 * (NULL allowed) and, when expected is not NULL, a comparison of the output with it: a
 * difference is SEAM_PERMANENT with the JSON path of the first difference
 * ("$.salesOrderLines[1].quantity: got \"2\", want \"3\""). out may be NULL. */
seam_err_t seam_map_check(seam_map_runtime_t *rt, const char *name, json_t *sample, json_t *ctx,
			  json_t *expected, json_t **out, seam_error_t *err);

/* Called by seam_map_check_dir once per mapping: rc SEAM_OK with msg "compiled (no sample)"
 * (compiled, top-level code run, map defined),
 * "sample ok" or "sample ok, matches expected", or the failure code and its message. */
typedef void (*seam_map_report_fn)(void *arg, const char *name, const char *path, seam_err_t rc,
				   const char *msg);

/*
 * `seam check` for a whole mappings directory: compiles every file of opts (each one, so all
 * syntax errors are reported, not just the first) and, for each mapping with a sample in
 * samples_dir (NULL: "<opts->dir>/samples"), runs it:
 *   <samples_dir>/<name>.json           the input document (no file: compile only)
 *   <samples_dir>/<name>.ctx.json       optional ctx
 *   <samples_dir>/<name>.expected.json  optional expected output, compared exactly
 * report (may be NULL) gets one call per mapping. Returns SEAM_OK when all passed, else the
 * code of the first failure with err "N of M mappings failed".
 */
seam_err_t seam_map_check_dir(const seam_map_opts_t *opts, const char *samples_dir,
			      seam_map_report_fn report, void *arg, seam_error_t *err);

/* Compares two JSON values exactly (types included: 1 and 1.0 differ; object key order does
 * not matter). Returns 0 when equal, else non-zero and writes "<path>: got X, want Y" for the
 * first difference into msg (cap bytes). Used by seam_map_check; handy in tests. */
int seam_map_json_diff(json_t *got, json_t *want, char *msg, size_t cap);

#endif
