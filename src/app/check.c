/*
 * check.c: the start-up validation (seam_app_validate), shared by `seam check` and serve, and
 * the `seam check` subcommand. Each check belongs to the module that owns what it checks (the
 * flows' own checks, the ingress's secrets, the upstream client's settings, the store's URL);
 * this file only runs them in one order, so check and serve cannot disagree.
 */
#include "app/app.h"
#include "app/app_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/openapi.h"
#include "api/webhooks.h"
#include "app/registry.h"
#include "contract/registry.h"
#include "core/metrics.h"
#include "flows/orders.h"
#include "core/version.h"
#include "map/map.h"

/* seam_map_check_dir's report: passes to outfp, failures into the diagnostics. A mapping's
 * message mostly starts with the file it is about (the mapping or its sample, in the mappings
 * directory, with the line), so it is written as it is; the path is added only to one that
 * lacks it. */
struct map_report {
	seam_cfg_diag_t *diag;
	FILE *out;
	const char *dir;
	size_t failed;
};

static void report_mapping(void *arg, const char *name, const char *path, seam_err_t rc,
			   const char *msg)
{
	struct map_report *r = arg;
	size_t dlen = strlen(r->dir);
	(void)name;
	while (dlen > 1 && r->dir[dlen - 1] == '/')
		dlen--;
	if (rc == SEAM_OK) {
		if (r->out)
			fprintf(r->out, "%s: %s\n", path, msg);
		return;
	}
	r->failed++;
	if (strncmp(msg, r->dir, dlen) == 0 && msg[dlen] == '/')
		seam_cfg_diag_addf(r->diag, "%s", msg);
	else
		seam_cfg_diag_addf(r->diag, "%s: %s", path, msg);
}

/* ---- contracts of the order mappings' samples ---- */

/* Reads <dir>/samples/<name><ext> when it is there: a new reference, or NULL (absent, or not
 * JSON: seam_map_check_dir reports that one). */
static json_t *sample_doc(const char *dir, const char *name, const char *ext, char *path,
			  size_t cap)
{
	snprintf(path, cap, "%s/samples/%s%s", dir, name, ext);
	return access(path, R_OK) == 0 ? json_load_file(path, 0, NULL) : NULL;
}

/* ---- where a JSON pointer is in a file: its line ---- */

/* A scan of JSON text that follows the path (as a JSON pointer) of every value and notes
 * where the one at `want` starts. The text was parsed already (jansson keeps no positions),
 * so it is well-formed; the scan only needs to stay in bounds on anything. */
typedef struct ptr_scan {
	const char *s, *end, *want, *found;
	char path[1024];
	size_t len;
	int depth;
} ptr_scan_t;

static void ws(ptr_scan_t *z)
{
	while (z->s < z->end && (*z->s == ' ' || *z->s == '\t' || *z->s == '\n' || *z->s == '\r'))
		z->s++;
}

/* Skips a string; with key, appends it to the path as a pointer token (~0 ~1 escaped;
 * JSON escapes other than \" \\ \/ are kept as written: a key with them is not found). */
static void str(ptr_scan_t *z, int key)
{
	z->s++;
	while (z->s < z->end && *z->s != '"') {
		char c = *z->s++;
		if (c == '\\' && z->s < z->end)
			c = *z->s++;
		if (!key || z->len + 3 >= sizeof z->path)
			continue;
		if (c == '~' || c == '/') {
			z->path[z->len++] = '~';
			c = c == '~' ? '0' : '1';
		}
		z->path[z->len++] = c;
	}
	z->s++;
	z->path[z->len] = '\0';
}

static void value(ptr_scan_t *z)
{
	size_t at = z->len, i = 0;
	ws(z);
	if (z->s >= z->end || z->depth > 256)
		return;
	if (!z->found && strcmp(z->path, z->want) == 0)
		z->found = z->s;
	if (*z->s == '"') {
		str(z, 0);
	} else if (*z->s == '{' || *z->s == '[') {
		int obj = *z->s == '{';
		z->s++;
		z->depth++;
		for (ws(z); z->s < z->end && *z->s != (obj ? '}' : ']'); ws(z), i++) {
			z->len = at;
			if (z->len + 24 < sizeof z->path)
				z->len += (size_t)snprintf(z->path + z->len, 2, "/");
			if (obj) {
				str(z, 1);
				ws(z);
				z->s++; /* : */
			} else if (z->len + 22 < sizeof z->path) {
				z->len += (size_t)snprintf(z->path + z->len, 22, "%zu", i);
			}
			value(z);
			ws(z);
			if (z->s < z->end && *z->s == ',')
				z->s++;
		}
		z->depth--;
		z->s++;
	} else {
		while (z->s < z->end && !strchr(",]} \t\r\n", *z->s))
			z->s++;
	}
	z->len = at;
	z->path[at] = '\0';
}

/* The line (1-based) of the value at pointer in file, 0 when it cannot be told. */
static int pointer_line(const char *file, const char *pointer)
{
	FILE *f = fopen(file, "rb");
	char *text = NULL;
	long n;
	int line = 0;
	if (!f)
		return 0;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (16L << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n)) &&
	    fread(text, 1, (size_t)n, f) == (size_t)n) {
		ptr_scan_t z = {.s = text, .end = text + n, .want = pointer};
		value(&z);
		if (z.found) {
			line = 1;
			for (const char *p = text; p < z.found; p++)
				line += *p == '\n';
		}
	}
	free(text);
	fclose(f);
	return line;
}

/* One diagnostic per error (public form), "file[:line]: what at pointer: detail (keyword)";
 * the line when the pointer is into file itself (lines: 1). */
static void contract_diags(seam_cfg_diag_t *diag, const char *file, int lines, const char *what,
			   const json_t *errors)
{
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e) {
		const char *ptr = json_string_value(json_object_get(e, "pointer"));
		int line = lines && ptr ? pointer_line(file, ptr) : 0;
		char where[32] = "";
		if (line > 0)
			snprintf(where, sizeof where, ":%d", line);
		seam_cfg_diag_addf(diag, "%s%s: %s at %s: %s (%s)", file, where, what,
				   ptr && *ptr ? ptr : "/",
				   json_string_value(json_object_get(e, "detail")),
				   json_string_value(json_object_get(e, "keyword")));
	}
}

/*
 * The sample of an order mapping (stores.<name>.erp.mapping) against the contracts of what it
 * reads and writes: samples/<name>.json against order@v1, and its output (the mapping run on
 * it with samples/<name>.ctx.json) against erp.sales-order@v1 plus the totals rule, exactly
 * as order.export checks it before the ERP is called. Problems name the sample file, the
 * JSON pointer and the validator's detail. A mapping that does not run is reported by
 * seam_map_check_dir already. Returns the number of problems.
 */
static size_t check_order_sample(const seam_config_t *cfg, const seam_contracts_t *contracts,
				 seam_map_runtime_t *rt, const char *name, seam_cfg_diag_t *diag)
{
	char path[512], ctxpath[512], what[160];
	json_t *in = sample_doc(cfg->mappings, name, ".json", path, sizeof path);
	json_t *ctx = sample_doc(cfg->mappings, name, ".ctx.json", ctxpath, sizeof ctxpath);
	json_t *out = NULL, *basic = NULL, *errors = NULL;
	const seam_contract_t *order = seam_contracts_find(contracts, "order@v1");
	seam_error_t err = {0};
	size_t before = diag->n;

	if (!in)
		goto out;
	if (order && !seam_contract_validate(order, in, &basic)) {
		errors = seam_contract_errors_public(basic);
		snprintf(what, sizeof what, "the input of mapping %s violates order@v1", name);
		contract_diags(diag, path, 1, what, errors);
		json_decref(errors);
		errors = NULL;
	}
	if (seam_map_check(rt, name, in, ctx, NULL, &out, &err) != SEAM_OK)
		goto out;
	if (seam_flow_orders_check_mapped(contracts, in, out, &errors, NULL) != SEAM_OK) {
		snprintf(what, sizeof what, "the output of mapping %s violates erp.sales-order@v1",
			 name);
		contract_diags(diag, path, 0, what, errors); /* computed: no line to point at */
	}
out:
	json_decref(errors);
	json_decref(basic);
	json_decref(out);
	json_decref(ctx);
	json_decref(in);
	return diag->n - before;
}

static void check_order_samples(const seam_config_t *cfg, const seam_contracts_t *contracts,
				seam_cfg_diag_t *diag, FILE *outfp)
{
	seam_map_opts_t mo = {.dir = cfg->mappings};
	seam_map_runtime_t *rt;
	seam_error_t err = {0};
	char path[512];

	if (!contracts || !(rt = seam_map_runtime_create(&mo, &err)))
		return; /* a mapping that does not compile is reported already */
	for (size_t i = 0; i < cfg->stores.n; i++) {
		const seam_config_store_t *sc = cfg->stores.items[i];
		int seen = 0;
		if (!sc->erp.upstream || !sc->erp.mapping)
			continue;
		for (size_t j = 0; j < i; j++) {
			const seam_config_store_t *o = cfg->stores.items[j];
			seen |= o->erp.upstream && o->erp.mapping && !strcmp(o->erp.mapping, sc->erp.mapping);
		}
		snprintf(path, sizeof path, "%s/samples/%s.json", cfg->mappings, sc->erp.mapping);
		if (seen || access(path, R_OK) != 0)
			continue;
		if (check_order_sample(cfg, contracts, rt, sc->erp.mapping, diag) == 0 && outfp)
			fprintf(outfp, "%s: holds order@v1, its output erp.sales-order@v1\n", path);
	}
	seam_map_runtime_destroy(rt);
}

/*
 * The catalog mappings (docs/mappings.md, "The catalog mappings") against the contracts of
 * what they read and write, as the catalog flow checks every record: the sample input against
 * the input contract (when there is one), the output of the mapping run on it against the
 * output contract. A mapping of these names without a sample is not checked. Problems name
 * the sample file (with the line for the input) and the pointer. Returns the number of
 * problems.
 */
static const struct {
	const char *mapping, *input, *output;
} catalog_samples[] = {
	{"pim_to_canonical", NULL, "catalog.product@v1"},
	{"canonical_to_drupal", "catalog.product@v1", "catalog.drupal-product@v1"},
};

static size_t check_contract_sample(const seam_config_t *cfg, const seam_contracts_t *contracts,
				    seam_map_runtime_t *rt, size_t row, seam_cfg_diag_t *diag,
				    FILE *outfp)
{
	const char *name = catalog_samples[row].mapping;
	const seam_contract_t *cin = catalog_samples[row].input ?
		seam_contracts_find(contracts, catalog_samples[row].input) : NULL;
	const seam_contract_t *cout = seam_contracts_find(contracts, catalog_samples[row].output);
	char path[512], ctxpath[512], what[160];
	json_t *in = sample_doc(cfg->mappings, name, ".json", path, sizeof path);
	json_t *ctx = sample_doc(cfg->mappings, name, ".ctx.json", ctxpath, sizeof ctxpath);
	json_t *out = NULL, *basic = NULL, *errors = NULL;
	seam_error_t err = {0};
	size_t before = diag->n;

	if (!in || !cout)
		goto out;
	if (cin && !seam_contract_validate(cin, in, &basic)) {
		errors = seam_contract_errors_public(basic);
		snprintf(what, sizeof what, "the input of mapping %s violates %s", name, cin->ref);
		contract_diags(diag, path, 1, what, errors);
		json_decref(errors);
		json_decref(basic);
		errors = basic = NULL;
	}
	if (seam_map_check(rt, name, in, ctx, NULL, &out, &err) != SEAM_OK)
		goto out;
	if (!seam_contract_validate(cout, out, &basic)) {
		errors = seam_contract_errors_public(basic);
		snprintf(what, sizeof what, "the output of mapping %s violates %s", name, cout->ref);
		contract_diags(diag, path, 0, what, errors); /* computed: no line to point at */
	}
	if (diag->n == before && outfp)
		fprintf(outfp, "%s: %s%s%s %s\n", path, cin ? "holds " : "", cin ? cin->ref : "",
			cin ? ", its output" : "its output holds", cout->ref);
out:
	json_decref(errors);
	json_decref(basic);
	json_decref(out);
	json_decref(ctx);
	json_decref(in);
	return diag->n - before;
}

static void check_catalog_samples(const seam_config_t *cfg, const seam_contracts_t *contracts,
				  seam_cfg_diag_t *diag, FILE *outfp)
{
	seam_map_opts_t mo = {.dir = cfg->mappings};
	seam_map_runtime_t *rt;
	seam_error_t err = {0};

	if (!contracts || !(rt = seam_map_runtime_create(&mo, &err)))
		return; /* a mapping that does not compile is reported already */
	for (size_t i = 0; i < sizeof catalog_samples / sizeof *catalog_samples; i++)
		check_contract_sample(cfg, contracts, rt, i, diag, outfp);
	seam_map_runtime_destroy(rt);
}

/* Mappings: every file compiles (top-level code run within the limits), every sample runs and
 * matches, every mapping a store names exists, and the order and catalog mappings' samples
 * hold their contracts. */
static void validate_mappings(const seam_config_t *cfg, const seam_contracts_t *contracts,
			      seam_cfg_diag_t *diag, FILE *outfp)
{
	struct map_report rep = {.diag = diag, .out = outfp, .dir = cfg->mappings};
	struct stat st;
	seam_error_t err = {0};
	char key[320], path[512];

	if (stat(cfg->mappings, &st) != 0 || !S_ISDIR(st.st_mode)) {
		for (size_t i = 0; i < cfg->stores.n; i++) {
			const seam_config_store_t *sc = cfg->stores.items[i];
			if (!sc->erp.upstream)
				continue;
			snprintf(key, sizeof key, "stores.%s.erp.mapping", cfg->stores.names[i]);
			seam_config_diagf(cfg, diag, "mappings",
					  "directory %s not found (%s names a mapping in it)",
					  cfg->mappings, key);
			return;
		}
		return; /* no store exports orders: no mapping is needed */
	}
	seam_map_opts_t mo = {.dir = cfg->mappings};
	if (seam_map_check_dir(&mo, NULL, report_mapping, &rep, &err) != SEAM_OK && rep.failed == 0)
		seam_config_diagf(cfg, diag, "mappings", "%s", err.msg);
	for (size_t i = 0; i < cfg->stores.n; i++) {
		const seam_config_store_t *sc = cfg->stores.items[i];
		if (!sc->erp.upstream)
			continue;
		snprintf(path, sizeof path, "%s/%s.lua", cfg->mappings, sc->erp.mapping);
		snprintf(key, sizeof key, "stores.%s.erp.mapping", cfg->stores.names[i]);
		if (access(path, R_OK) != 0)
			seam_config_diagf(cfg, diag, key, "%s not found", path);
	}
	if (rep.failed == 0) {
		check_order_samples(cfg, contracts, diag, outfp);
		check_catalog_samples(cfg, contracts, diag, outfp);
	}
}

size_t seam_app_validate(const seam_app_args_t *args, const seam_config_t *cfg,
			 const seam_contracts_t *contracts, FILE *outfp, FILE *errfp)
{
	seam_cfg_diag_t diag = {0};
	seam_cfg_check_t chk = seam_config_check_ctx(cfg, &diag);
	const seam_flows_t *fl = cfg->registry ? cfg->registry : seam_app_flows();
	seam_error_t err = {0};
	size_t n;

	/* The flows: flows.<name> names a registered flow, then each flow's own check. */
	seam_app_flow_limits_check(fl, &cfg->flows, &chk);
	for (size_t i = 0; i < fl->n; i++) {
		if (!fl->defs[i]->check)
			continue;
		seam_flow_env_t env;
		seam_app_flow_env(NULL, cfg, fl->defs[i], &env);
		fl->defs[i]->check(&env, &chk);
	}
	seam_webhooks_check_config(&chk, &cfg->stores, &cfg->sources);
	seam_upstreams_config_check(&chk, &cfg->upstreams);
	/* Everything opening the store would refuse, found without creating it. */
	if (seam_store_check(cfg->store, &err) != SEAM_OK) {
		const char *msg = strncmp(err.msg, "store url: ", 11) == 0 ? err.msg + 11 : err.msg;
		if (args && args->store)
			seam_cfg_diag_addf(&diag, "--store: %s", msg);
		else
			seam_config_diagf(cfg, &diag, "store", "%s", msg);
	}
	validate_mappings(cfg, contracts, &diag, outfp);
	seam_cfg_diag_print(&diag, errfp);
	n = diag.n;
	seam_cfg_diag_dispose(&diag);
	return n;
}

size_t seam_app_validate_samples(const seam_config_t *cfg, const seam_contracts_t *contracts,
				 FILE *errfp)
{
	seam_cfg_diag_t diag = {0};
	struct stat st;
	size_t n;

	if (stat(cfg->mappings, &st) == 0 && S_ISDIR(st.st_mode)) {
		check_order_samples(cfg, contracts, &diag, NULL);
		check_catalog_samples(cfg, contracts, &diag, NULL);
	}
	seam_cfg_diag_print(&diag, errfp);
	n = diag.n;
	seam_cfg_diag_dispose(&diag);
	return n;
}

/* --- seam check ----------------------------------------------------------------------------- */

static const char check_usage[] =
	"check [-c FILE] [--store URL] [--reference|--routes|--metrics|--openapi]";

/* The document GET /openapi.json serves, from the same table and the built-in registry. */
static int print_openapi(void)
{
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	size_t n;
	const seam_route_t *routes = seam_api_routes(&n);
	json_t *doc = NULL;
	int code = 2;
	if (seam_contracts_open(&reg, &err) != SEAM_OK ||
	    !(doc = seam_openapi_build(routes, n, reg, SEAM_VERSION, &err))) {
		fprintf(stderr, "seam check: openapi: %s\n", err.msg);
		goto out;
	}
	json_dumpf(doc, stdout, JSON_INDENT(2));
	putchar('\n');
	code = 0;
out:
	json_decref(doc);
	if (reg)
		seam_contracts_close(reg);
	return code;
}

int seam_app_cmd_check(int argc, char **argv)
{
	seam_app_args_t a = {0};
	seam_config_t *cfg = NULL;
	int what = 0;
	int code = seam__app_parse_args(
		argc, argv, check_usage,
		"Runs the start-up validation of seam serve without serving: the config,\n"
		"the store it names (nothing is created), every contract compiled, every\n"
		"mapping compiled and its samples run, an order or catalog mapping's sample\n"
		"checked against the contracts of its input and output. Every problem is\n"
		"printed as file:line: message (a contract's: file and JSON pointer); exit\n"
		"0 when serve would start, 2 when it would refuse.\n\n"
		"  -c, --config FILE  config file (default $SEAM_CONFIG, else ./seam.yaml,\n"
		"                     else the built-in defaults)\n"
		"      --store URL    check this store instead of the config's\n"
		"      --reference    print the config reference (Markdown) and exit\n"
		"      --routes       print the HTTP route table and exit\n"
		"      --metrics      print the metrics table and exit\n"
		"      --openapi      print the OpenAPI 3.1 document GET /openapi.json serves\n"
		"                     and exit",
		&a, &what);
	if (code >= 0)
		return code;
	if (what == 'R') {
		seam_config_print_reference(seam_app_flows(), stdout);
		return 0;
	}
	if (what == 'T') {
		size_t n;
		const seam_route_t *r = seam_api_routes(&n);
		for (size_t i = 0; i < n; i++)
			printf("%-6s %-40s %-12s %s\n", r[i].method, r[i].pattern,
			       r[i].scope ? r[i].scope : "-", r[i].summary ? r[i].summary : "");
		return 0;
	}
	if (what == 'O')
		return print_openapi();
	if (what == 'M') {
		size_t n;
		const seam_metric_def_t *d = seam_metric_defs(&n);
		static const char *const kinds[] = {"counter", "gauge", "histogram"};
		for (size_t i = 0; i < n; i++)
			printf("%-45s %-9s %-28s %s\n", d[i].name, kinds[d[i].kind],
			       *d[i].labels ? d[i].labels : "-", d[i].help);
		return 0;
	}
	code = seam_app_config_load(&a, stderr, &cfg);
	if (code != 0)
		return code;
	if (!seam_app_config_path(&a, NULL))
		printf("seam check: no -c, no SEAM_CONFIG, no ./seam.yaml: checking the built-in "
		       "defaults (what seam serve would run with here)\n");
	/* Every contract built into the binary compiles (a schema that does not: file#pointer),
	 * once; serve opens the same registry the same way. */
	seam_contracts_t *contracts = NULL;
	seam_error_t err = {0};
	size_t problems = 0;
	if (seam_contracts_open(&contracts, &err) != SEAM_OK) {
		fprintf(stderr, "contracts: %s\n", err.msg);
		problems++;
	}
	problems += seam_app_validate(&a, cfg, contracts, stdout, stderr);
	seam_contracts_close(contracts);
	if (problems) {
		fprintf(stderr, "seam check: %zu problem%s in %s\n", problems, problems == 1 ? "" : "s",
			cfg->path);
		seam_config_free(cfg);
		return 2;
	}
	printf("%s: ok (listen %s, store %s, %zu upstream%s, %zu store%s)\n", cfg->path, cfg->listen,
	       cfg->store, cfg->upstreams.n, cfg->upstreams.n == 1 ? "" : "s", cfg->stores.n,
	       cfg->stores.n == 1 ? "" : "s");
	seam_config_free(cfg);
	return 0;
}
