/*
 * bench/catalog: the catalog flow's cost, each figure next to a ceiling measured in the same
 * run on the same machine.
 *
 *  1. Map + validate (in process): PIM subjects per second through what each catalog.product
 *     job does between fetching and writing (mappings/pim_to_canonical.lua, the catalog.product
 *     contract, mappings/canonical_to_drupal.lua, the catalog.drupal-product contract, on the
 *     mapping sample: a model of 3 variants, two locales, two currencies), next to jansson
 *     parsing the same input (json_loads): how many parses one mapped subject costs.
 *  2. Full rebuild (end to end): `seam ctl sync catalog --store us --full` from an empty Drupal
 *     double over a PIM double of MODELS models x VARIANTS variants (default 2,000 x 5, the
 *     issue's shape: 10,000 variations), then the same run again with nothing changed (every
 *     product read back from Drupal and compared, nothing written). Variations per second for
 *     both, Drupal requests per variation (from the double's call counter), next to the Drupal
 *     double's own ceiling: GET /_sim/drupal/ping (a static answer) with 64 connections.
 *     seam's peak resident memory (VmHWM) after the runs.
 *  Each round starts fresh doubles and a fresh seam; medians of ROUNDS rounds.
 *
 *   make bench  (or build/bench/catalog [models] [rounds])
 *   SEAM_BENCH_CATALOG_BIG=1: one round of 20,000 models x 5 (100,000 variations) instead.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench/support/loadgen.h"
#include "contract/registry.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "map/map.h"
#include "tests/support/harness.h"

#define VARIANTS 5
#define DRUPAL_PW "bench-drupal"
#define PIM_SECRET "bench-pim"
#define PIM_PW "bench-pim-pw"
#define STORE_UUID "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"

static double now_s(void)
{
	return (double)seam_mono_ns() / 1e9;
}

/* ---------- 1. map + validate ---------- */

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j)
		fprintf(stderr, "catalog: %s:%d: %s\n", path, e.line, e.text);
	return j;
}

/* One subject through both mappings and both contracts; 0 when everything held. */
static int map_one(seam_map_runtime_t *rt, const seam_contract_t *product, const seam_contract_t *plan,
		   json_t *input, json_t *ctx_in, json_t *ctx_out)
{
	json_t *canonical = NULL, *out = NULL;
	seam_error_t err = {0};
	int bad = seam_map_run(rt, "pim_to_canonical", input, ctx_in, &canonical, &err) != SEAM_OK ||
		  !seam_contract_validate(product, canonical, NULL) ||
		  seam_map_run(rt, "canonical_to_drupal", canonical, ctx_out, &out, &err) != SEAM_OK ||
		  !seam_contract_validate(plan, out, NULL);
	if (bad && err.msg[0])
		fprintf(stderr, "catalog: %s\n", err.msg);
	json_decref(canonical);
	json_decref(out);
	return bad;
}

static int bench_map(int rounds, double *map_rate, double *parse_rate)
{
	seam_error_t err = {0};
	seam_map_opts_t mo = {.dir = "mappings"};
	seam_map_runtime_t *rt = seam_map_runtime_create(&mo, &err);
	seam_contracts_t *reg = NULL;
	json_t *input = load("mappings/samples/pim_to_canonical.json");
	json_t *ctx_in = load("mappings/samples/pim_to_canonical.ctx.json");
	json_t *ctx_out = load("mappings/samples/canonical_to_drupal.ctx.json");
	if (!rt || seam_contracts_open(&reg, &err) != SEAM_OK || !input || !ctx_in || !ctx_out) {
		fprintf(stderr, "catalog: setup: %s\n", err.msg);
		return 1;
	}
	const seam_contract_t *product = seam_contracts_find(reg, "catalog.product@v1");
	const seam_contract_t *plan = seam_contracts_find(reg, "catalog.drupal-product@v1");
	char *text = json_dumps(input, JSON_COMPACT);
	size_t len = strlen(text);
	double maps[9], parses[9];
	int rc = !product || !plan || map_one(rt, product, plan, input, ctx_in, ctx_out);
	if (rc)
		fprintf(stderr, "catalog: the mapping sample does not map and validate\n");
	for (int r = 0; !rc && r < rounds; r++) {
		long n = 0;
		double t0 = now_s(), t;
		while ((t = now_s() - t0) < 1.0) {
			json_t *j = json_loadb(text, len, 0, NULL);
			json_decref(j);
			n++;
		}
		parses[r] = (double)n / t;
		n = 0;
		t0 = now_s();
		while ((t = now_s() - t0) < 1.0) {
			/* the job parses what the PIM sent, then maps it: count both */
			json_t *j = json_loadb(text, len, 0, NULL);
			rc |= map_one(rt, product, plan, j, ctx_in, ctx_out);
			json_decref(j);
			n++;
		}
		maps[r] = (double)n / t;
	}
	*map_rate = lg_median(maps, rounds);
	*parse_rate = lg_median(parses, rounds);
	free(text);
	json_decref(input);
	json_decref(ctx_in);
	json_decref(ctx_out);
	seam_contracts_close(reg);
	seam_map_runtime_destroy(rt);
	return rc;
}

/* ---------- 2. full rebuild ---------- */

/* The Drupal double's call counter (last_seq of GET /_sim/calls). */
static long drupal_calls(const char *drupal_url)
{
	char u[160];
	snprintf(u, sizeof u, "%s/_sim/calls?limit=1&path=/nothing", drupal_url);
	json_t *d = th_json("GET", u, NULL, NULL, NULL);
	long n = (long)json_integer_value(json_object_get(d, "last_seq"));
	json_decref(d);
	return n;
}

static long vm_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

/* seam ctl sync catalog --store us --full --json: the final run row (NULL on failure). */
static json_t *full_run(const th_seam_t *sm)
{
	const char *args[] = {"sync", "catalog", "--store", "us", "--full", "--json", NULL};
	char *out = NULL;
	int code = th_seam_ctl(sm, args, &out);
	json_t *last = NULL;
	for (char *line = out ? strtok(out, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		json_t *j = json_loads(line, 0, NULL);
		if (j && json_object_get(j, "state") && json_object_get(j, "id")) {
			json_decref(last);
			last = j;
		} else {
			json_decref(j);
		}
	}
	if (code != 0) {
		fprintf(stderr, "catalog: seam ctl sync exited %d\n", code);
		json_decref(last);
		last = NULL;
	}
	free(out);
	return last;
}

static long col(json_t *run, const char *k)
{
	return (long)json_integer_value(json_object_get(run, k));
}

typedef struct round_result {
	double create_vps, unchanged_vps, create_calls, unchanged_calls, ceiling, rss_mb;
	long variations;
} round_result_t;

static int one_round(int models, round_result_t *r)
{
	char dir[64], text[4000], simcfg[128], sim_log[128], urls[2][64];
	th_seam_t sm;
	int rc = 1;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 13\nlog: error\ncalls: 10\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  threads: 8\n  user: seam\n  password: {env: B_DRUPAL_PW}\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: " STORE_UUID "}]\n"
		 "  products: 0\n  variations: 1\n  customers: 0\n  orders: 0\n"
		 "pim:\n  listen: 127.0.0.1:0\n  threads: 8\n  secret: {env: B_PIM}\n  password: {env: B_PIM_PW}\n"
		 "  products: %d\n  models: %d\n",
		 models * VARIANTS, models);
	th_write_file(simcfg, text);
	pid_t sim = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "pim", NULL}, urls);
	if (sim < 0) {
		printf("catalog: the simulators did not start (%s)\n", sim_log);
		return 1;
	}
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: warn, access_log: false}\n"
		 "queue: {workers: 8}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 10s\n    max_concurrency: 16\n"
		 "    auth: {type: basic, username: seam, password: {env: B_DRUPAL_PW}}\n"
		 "  pim:\n    base_url: %s\n    timeout: 10s\n    max_concurrency: 16\n"
		 "    auth: {type: oauth2_password, client_id: seam, client_secret: {env: B_PIM},"
		 " username: seam, password: {env: B_PIM_PW}, token_url: %s/api/oauth/v1/token}\n"
		 "stores:\n  us:\n    drupal: {upstream: drupal, store: " STORE_UUID ", poll_interval: 0}\n"
		 "catalog:\n  stores:\n    us:\n"
		 "      pim: {upstream: pim, channel: ecommerce, locale: en_US}\n"
		 "      drupal: {currency: USD, attributes: {color: color, size: size}}\n"
		 "      owners: {price: pim}\n      poll_interval: 0\n",
		 sm.port, sm.db_url, urls[0], urls[1], urls[1]);
	if (th_seam_start(&sm, 15000) != 0) {
		printf("catalog: seam did not start (%s)\n", sm.log);
		goto out;
	}

	long c0 = drupal_calls(urls[0]);
	double t0 = now_s();
	json_t *run = full_run(&sm);
	double secs = now_s() - t0;
	long c1 = drupal_calls(urls[0]);
	if (!run)
		goto out;
	/* variations = what the PIM has: every variant of every model */
	r->variations = (long)models * VARIANTS;
	long created = col(run, "created"), quarantined = col(run, "quarantined"), failed = col(run, "failed");
	r->create_vps = (double)r->variations / secs;
	r->create_calls = (double)(c1 - c0) / (double)r->variations;
	printf("  full run, empty Drupal: %ld products created (%ld quarantined, %ld failed) = %ld variations in %.1f s: %.0f variations/s, %.2f Drupal requests each\n",
	       created, quarantined, failed, r->variations, secs, r->create_vps, r->create_calls);
	json_decref(run);
	if (failed || created + quarantined < models) {
		printf("catalog: the run did not create every product\n");
		goto out;
	}

	c0 = drupal_calls(urls[0]);
	t0 = now_s();
	run = full_run(&sm);
	secs = now_s() - t0;
	c1 = drupal_calls(urls[0]);
	if (!run)
		goto out;
	long unchanged = col(run, "unchanged"), written = col(run, "created") + col(run, "updated");
	r->unchanged_vps = (double)r->variations / secs;
	r->unchanged_calls = (double)(c1 - c0) / (double)r->variations;
	printf("  full run, nothing changed: %ld unchanged, %ld written in %.1f s: %.0f variations/s, %.2f Drupal requests each\n",
	       unchanged, written, secs, r->unchanged_vps, r->unchanged_calls);
	json_decref(run);
	r->rss_mb = (double)vm_hwm_kb(sm.pid) / 1024.0;

	/* the ceiling: the Drupal double's static answer, same machine, now */
	char b64[64], req[512];
	seam_base64_encode("seam:" DRUPAL_PW, strlen("seam:" DRUPAL_PW), b64);
	int n = snprintf(req, sizeof req, "GET /_sim/drupal/ping HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n\r\n", b64);
	size_t nn = 2000000;
	char **reqs = malloc(nn * sizeof *reqs);
	size_t *lens = malloc(nn * sizeof *lens);
	for (size_t i = 0; i < nn; i++)
		reqs[i] = req, lens[i] = (size_t)n;
	lg_opts_t lo = {.port = atoi(strrchr(urls[0], ':') + 1), .conns = 64, .duration_ms = 3000,
			.reqs = reqs, .lens = lens, .nreqs = nn};
	lg_result_t lr;
	lg_run(&lo, &lr);
	free(reqs);
	free(lens);
	r->ceiling = lr.rps;
	printf("  Drupal double ceiling: %.0f req/s (GET /_sim/drupal/ping, 64 conns); seam peak RSS %.1f MB\n",
	       r->ceiling, r->rss_mb);
	rc = written != 0 || unchanged < models - quarantined;
	if (rc)
		printf("catalog: the second run wrote to Drupal although nothing changed\n");
out:
	th_e2e_teardown(&sm, sim, 15000, dir);
	return rc;
}

int main(int argc, char **argv)
{
	int big = getenv("SEAM_BENCH_CATALOG_BIG") && *getenv("SEAM_BENCH_CATALOG_BIG") == '1';
	int models = argc > 1 ? atoi(argv[1]) : big ? 20000 : 2000;
	int rounds = argc > 2 ? atoi(argv[2]) : big ? 1 : 3;
	double map_rate, parse_rate, cv[9], uv[9], cc[9], uc[9], ceil[9], rss[9];
	if (rounds < 1 || rounds > 9 || models < 1) {
		fprintf(stderr, "usage: catalog [models (2000)] [rounds 1..9 (3)]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setenv("B_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("B_PIM", PIM_SECRET, 1);
	setenv("B_PIM_PW", PIM_PW, 1);

	if (bench_map(5, &map_rate, &parse_rate))
		return 1;
	printf("catalog: map+validate %.0f subjects/s (parse, 2 Lua mappings, 2 contracts; median of 5 x 1 s)\n", map_rate);
	printf("catalog: ceiling      %.0f parses/s: json_loads of the same PIM input\n", parse_rate);
	printf("catalog: ratio        %.2f (one mapped subject costs %.1f parses)\n", map_rate / parse_rate,
	       parse_rate / map_rate);

	for (int r = 0; r < rounds; r++) {
		round_result_t rr = {0};
		printf("round %d: %d models x %d variants\n", r + 1, models, VARIANTS);
		if (one_round(models, &rr))
			return 1;
		cv[r] = rr.create_vps, uv[r] = rr.unchanged_vps, cc[r] = rr.create_calls;
		uc[r] = rr.unchanged_calls, ceil[r] = rr.ceiling, rss[r] = rr.rss_mb;
	}
	double c = lg_median(ceil, rounds);
	printf("catalog: full rebuild   %.0f variations/s into an empty Drupal, %.2f Drupal requests each (median of %d rounds of %d)\n",
	       lg_median(cv, rounds), lg_median(cc, rounds), rounds, models * VARIANTS);
	printf("catalog: unchanged run  %.0f variations/s, %.2f Drupal requests each (read and compared, nothing written)\n",
	       lg_median(uv, rounds), lg_median(uc, rounds));
	printf("catalog: ceiling        %.0f req/s: the Drupal double's static answer, 64 conns\n", c);
	printf("catalog: ratio          %.2f of the Drupal double's request capacity used by the rebuild ((variations/s x requests each) / ceiling)\n",
	       lg_median(cv, rounds) * lg_median(cc, rounds) / c);
	printf("catalog: peak RSS       %.1f MB (seam serve, VmHWM after both runs)\n", lg_median(rss, rounds));
	return 0;
}
