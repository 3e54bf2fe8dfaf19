/*
 * bench/tax: tax quotes per second with p50/p99 in three cases, in one run, next to /healthz on
 * the same server: a cache hit (the same cart again), an engine answer (every cart new: the
 * AvaTax-like double computes it), and the engine down (every cart new, the double closing
 * connections: the estimate from the rate table). Driven by the bench load generator; the
 * engine-down case with 200 connections (the 200 concurrent quotes, whose p99 must
 * stay under the budget plus 20 ms), the others with 64.
 *
 *   make bench  (or build/bench/tax [seconds per case] [rounds])
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench/support/loadgen.h"
#include "core/clock.h"
#include "tests/support/harness.h"
#include "tests/support/th_rest.h"

#define LICENSE "bench-tax-license"
#define BUDGET_MS 800
#define NREQ 400000

static char *request(const char *key, long amount_cents, size_t *len)
{
	char body[700], *req = NULL;
	int n = snprintf(body, sizeof body,
			 "{\"store\":\"us\",\"currency\":\"USD\",\"ship_to\":{\"country\":\"US\","
			 "\"region\":\"CA\",\"postal_code\":\"94105\"},\"lines\":[{\"id\":\"1\","
			 "\"sku\":\"SKU-000001\",\"quantity\":\"2\",\"amount\":\"%ld.%02ld\"},"
			 "{\"id\":\"2\",\"quantity\":\"1\",\"amount\":\"10.00\"}],"
			 "\"shipping\":{\"amount\":\"5.00\"}}",
			 amount_cents / 100, amount_cents % 100);
	int l = asprintf(&req,
			 "POST /v1/tax/quote HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %d\r\n\r\n%s",
			 key, n, body);
	*len = l > 0 ? (size_t)l : 0;
	return req;
}

typedef struct run {
	double rps, p50, p99;
	long bad;
} run_t;

/* The median over rounds of one field of run_t. */
static double med(const run_t *runs, int rounds, size_t field)
{
	double v[9];
	for (int i = 0; i < rounds; i++)
		memcpy(&v[i], (const char *)&runs[i] + field, sizeof v[i]);
	return lg_median(v, rounds);
}

static run_t drive(int port, char **reqs, size_t *lens, size_t n, int conns, int ms)
{
	lg_opts_t lo = {.port = port, .conns = conns, .duration_ms = ms, .reqs = reqs, .lens = lens,
			.nreqs = n};
	lg_result_t lr;
	lg_run(&lo, &lr);
	return (run_t){lr.rps, lr.p50_ms, lr.p99_ms, lr.other + lr.errors};
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 3, rounds = argc > 2 ? atoi(argv[2]) : 3;
	char dir[64], text[2000], simcfg[128], simlog[128], urls[1][64], key[200], u[200];
	th_seam_t sm;
	int rc = 1;
	if (rounds < 1 || rounds > 9 || secs < 1) {
		fprintf(stderr, "usage: tax [seconds per case (3)] [rounds 1..9 (3)]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setenv("B_TAX", LICENSE, 1);
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(simlog, sizeof simlog, "%s/sim.log", dir);
	snprintf(text, sizeof text,
		 "seed: 15\nlog: error\ncalls: 10\n"
		 "tax:\n  listen: 127.0.0.1:0\n  threads: 8\n  account_id: \"1100000000\"\n"
		 "  license_key: {env: B_TAX}\n  company_code: DEFAULT\n  rates:\n"
		 "    - {country: US, region: CA, rate: \"0.0725\", name: CALIFORNIA STATE TAX}\n");
	th_write_file(simcfg, text);
	pid_t sim = th_sim_start(simcfg, simlog, (const char *[]){"tax", NULL}, urls);
	if (sim < 0) {
		printf("tax: the simulator did not start (%s)\n", simlog);
		return 1;
	}
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: error, access_log: false}\n"
		 "upstreams:\n  drupal: {base_url: 'http://127.0.0.1:9'}\n"
		 "  tax:\n    base_url: %s\n    timeout: 5s\n    max_concurrency: 64\n"
		 "    auth: {type: basic, username: \"1100000000\", password: {env: B_TAX}}\n"
		 "stores:\n  us: {drupal: {upstream: drupal, poll_interval: 0}}\n"
		 "tax:\n  stores:\n    us:\n      upstream: tax\n      budget: %dms\n"
		 "      engine_timeout: 500ms\n      cache_max: 1000000\n"
		 "      rates:\n        ca: {country: US, region: CA, rate: \"0.0725\"}\n",
		 sm.port, sm.db_url, urls[0], BUDGET_MS);
	if (th_seam_start(&sm, 10000) != 0 || th_make_key(&sm, "bench", "tax:quote", key, sizeof key)) {
		printf("tax: seam did not start (%s)\n", sm.log);
		goto out;
	}
	char **reqs = calloc(NREQ, sizeof *reqs);
	size_t *lens = calloc(NREQ, sizeof *lens);
	char *same = NULL, *health = NULL;
	size_t same_len = 0;
	same = request(key, 3998, &same_len);
	if (asprintf(&health, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") < 0)
		goto out;
	long next_amount = 100000; /* every new cart a new amount */
	run_t hit[9], eng[9], down[9], hz[9];
	for (int r = 0; r < rounds; r++) {
		/* the cache: the same cart (quoted once first) */
		for (size_t i = 0; i < NREQ; i++)
			reqs[i] = same, lens[i] = same_len;
		drive(sm.port, reqs, lens, 1, 1, 1000);
		hit[r] = drive(sm.port, reqs, lens, NREQ, 64, secs * 1000);
		for (size_t i = 0; i < NREQ; i++)
			reqs[i] = health, lens[i] = strlen(health);
		hz[r] = drive(sm.port, reqs, lens, NREQ, 64, secs * 1000);
		/* the engine: every cart new */
		for (size_t i = 0; i < NREQ; i++)
			reqs[i] = request(key, next_amount++, &lens[i]);
		eng[r] = drive(sm.port, reqs, lens, NREQ, 64, secs * 1000);
		for (size_t i = 0; i < NREQ; i++)
			free(reqs[i]);
		/* the engine down: every cart new, 200 at once */
		snprintf(u, sizeof u, "%s/_sim/faults", urls[0]);
		const char *h[] = {"Content-Type: application/json", NULL};
		json_decref(th_json("POST", u, h, "{\"kind\":\"outage\",\"mode\":\"close\"}", NULL));
		for (size_t i = 0; i < NREQ; i++)
			reqs[i] = request(key, next_amount++, &lens[i]);
		down[r] = drive(sm.port, reqs, lens, NREQ, 200, secs * 1000);
		for (size_t i = 0; i < NREQ; i++)
			free(reqs[i]);
		json_decref(th_json("DELETE", u, NULL, NULL, NULL));
		seam_sleep_ms(2500); /* the breaker closes again */
		printf("round %d: cache hit %.0f/s p50 %.2f p99 %.2f ms | engine %.0f/s p50 %.2f p99 %.2f ms | "
		       "engine down (200 conns) %.0f/s p50 %.2f p99 %.2f ms | /healthz %.0f/s p99 %.2f ms%s\n",
		       r + 1, hit[r].rps, hit[r].p50, hit[r].p99, eng[r].rps, eng[r].p50, eng[r].p99,
		       down[r].rps, down[r].p50, down[r].p99, hz[r].rps, hz[r].p99,
		       hit[r].bad + eng[r].bad + down[r].bad ? " (some answers not 2xx!)" : "");
	}
#define MED(arr, f) med(arr, rounds, offsetof(run_t, f))
	double h_rps = MED(hz, rps), c_rps = MED(hit, rps);
	printf("tax: cache hit     %.0f quotes/s, p50 %.2f ms, p99 %.2f ms (64 conns, median of %d)\n",
	       c_rps, MED(hit, p50), MED(hit, p99), rounds);
	printf("tax: engine        %.0f quotes/s, p50 %.2f ms, p99 %.2f ms (every cart new; the double computes)\n",
	       MED(eng, rps), MED(eng, p50), MED(eng, p99));
	printf("tax: engine down   %.0f quotes/s, p50 %.2f ms, p99 %.2f ms at 200 concurrent quotes (target p99 < %d ms)\n",
	       MED(down, rps), MED(down, p50), MED(down, p99), BUDGET_MS + 20);
	printf("tax: ceiling       %.0f req/s: GET /healthz on the same server\n", h_rps);
	printf("tax: ratio         %.2f (a cache hit costs %.2fx /healthz; target within 2x)\n", c_rps / h_rps,
	       h_rps / c_rps);
	rc = 0;
	free(same);
	free(health);
	free(reqs);
	free(lens);
out:
	th_e2e_teardown(&sm, sim, 15000, dir);
	th_rest_done();
	return rc;
}
