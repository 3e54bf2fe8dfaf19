/*
 * bench/stock: the prices-and-stock flow under a burst, and the availability answer checkout
 * reads, each next to a ceiling measured in the same run on the same machine.
 *
 *  1. Burst: the ERP double changes stock COUNT times over SKUS items (default 100,000 over
 *     1,000) as fast as it can; its webhook notifications (coalesced per item over its
 *     notify_delay, as Business Central does) reach seam, each becomes a fetch of the item,
 *     the values go into the cache newest-wins, and each SKU's changes within seam's coalescing
 *     window (2 s) become one Drupal write. Timed from the burst's start until every SKU's
 *     newest stock is in Drupal. Printed: ERP changes per second absorbed, notifications plus
 *     fetches per second, and Drupal writes per ERP change (the issue asks for at most about
 *     1,000 writes for the burst: one per SKU).
 *  2. GET /v1/availability with 50 SKUs per call (an API key, scope catalog:read), requests
 *     per second and p99, next to GET /healthz on the same server in the same run, both driven
 *     by the bench load generator with 64 connections; medians of ROUNDS rounds.
 *
 *   make bench  (or build/bench/stock [count] [skus] [rounds])
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench/support/loadgen.h"
#include "core/clock.h"
#include "tests/support/harness.h"
#include "tests/support/th_rest.h"

#define DRUPAL_PW "bench-drupal"
#define ERP_SECRET "bench-erp"
#define CLIENT_STATE "bench-client-state"
#define STORE_UUID "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"

static double now_s(void)
{
	return (double)seam_mono_ns() / 1e9;
}

static json_t *post(const char *base, const char *path, const char *body)
{
	char u[300];
	snprintf(u, sizeof u, "%s%s", base, path);
	const char *h[] = {"Content-Type: application/json", NULL};
	return th_json("POST", u, h, body, NULL);
}

static double metric(const char *base, const char *series)
{
	char u[200];
	snprintf(u, sizeof u, "%s/metrics", base);
	char *text = th_get_text(u);
	double v = text ? th_metric_sum(text, series) : 0;
	free(text);
	return v;
}

/* How many of the first skus items have a Drupal seam_stock different from the ERP's. */
static int behind(const char *drupal_url, const char *erp_url, const char *company,
		  const char *erp_auth, int skus)
{
	char u[300];
	const char *h[] = {erp_auth, NULL};
	json_t *inv = json_object();
	snprintf(u, sizeof u, "%s/api/v2.0/companies(%s)/items?$top=100000", erp_url, company);
	for (int guard = 0; guard < 100 && u[0]; guard++) {
		json_t *d = th_json("GET", u, h, NULL, NULL);
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(d, "value"), i, it)
			json_object_set(inv, json_string_value(json_object_get(it, "number")),
					json_object_get(it, "inventory"));
		const char *next = json_string_value(json_object_get(d, "@odata.nextLink"));
		snprintf(u, sizeof u, "%s", next ? next : "");
		json_decref(d);
	}
	snprintf(u, sizeof u, "%s/_sim/drupal/catalog", drupal_url);
	json_t *cat = th_json("GET", u, NULL, NULL, NULL), *p, *v;
	size_t i, j;
	int off = 0;
	json_array_foreach(json_object_get(cat, "products"), i, p)
		json_array_foreach(json_object_get(p, "variations"), j, v) {
			const char *sku = json_string_value(json_object_get(v, "sku"));
			json_t *want = sku ? json_object_get(inv, sku) : NULL;
			const char *got = json_string_value(json_object_get(v, "seam_stock"));
			if (!want || atoi(sku + 4) > skus)
				continue;
			off += !got || strtod(got, NULL) != json_number_value(want);
		}
	json_decref(cat);
	json_decref(inv);
	return off;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 100000, skus = argc > 2 ? atoi(argv[2]) : 1000;
	int rounds = argc > 3 ? atoi(argv[3]) : 3;
	char dir[64], text[4000], simcfg[128], sim_log[128], urls[2][64], company[64],
		erp_auth[2100], key[256], u[400];
	double avail[9], health[9], avail_p99[9], health_p99[9];
	th_seam_t sm;
	int rc = 1;
	if (rounds < 1 || rounds > 9 || skus < 50 || count < skus) {
		fprintf(stderr, "usage: stock [count (100000)] [skus >= 50 (1000)] [rounds 1..9 (3)]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setenv("B_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("B_ERP", ERP_SECRET, 1);
	setenv("B_CS", CLIENT_STATE, 1);
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 16\nlog: error\ncalls: 10\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  threads: 8\n  user: seam\n  password: {env: B_DRUPAL_PW}\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: " STORE_UUID "}]\n"
		 "  products: %d\n  variations: 2\n  customers: 0\n  orders: 0\n"
		 "erp:\n  listen: 127.0.0.1:0\n  threads: 8\n  client_id: seam\n  client_secret: {env: B_ERP}\n"
		 "  items: %d\n  page_size: 1000\n  notify_delay: 500ms\n  notify_max: 100000\n",
		 (skus + 1) / 2, skus);
	th_write_file(simcfg, text);
	pid_t sim = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "erp", NULL}, urls);
	if (sim < 0 || th_erp_company(urls[1], "seam", ERP_SECRET, company) != 0 ||
	    th_erp_bearer(urls[1], "seam", ERP_SECRET, erp_auth, sizeof erp_auth) != 0) {
		printf("stock: the simulators did not start (%s)\n", sim_log);
		return 1;
	}
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: warn, access_log: false}\n"
		 "queue: {workers: 8}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 10s\n    max_concurrency: 16\n"
		 "    auth: {type: basic, username: seam, password: {env: B_DRUPAL_PW}}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    timeout: 10s\n    max_concurrency: 16\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: B_ERP},"
		 " token_url: %s/oauth2/v2.0/token}\n"
		 "stores:\n  us:\n    drupal: {upstream: drupal, store: " STORE_UUID ", poll_interval: 0}\n"
		 "    erp: {upstream: erp, company: %s, client_states: [{env: B_CS}]}\n"
		 "stock:\n  stores:\n    us:\n      drupal: {currency: USD}\n      prices: false\n"
		 "      coalesce: 2s\n      poll_interval: 0\n"
		 "      notifications: {url: http://127.0.0.1:%d/webhooks/erp/us, check_interval: 2s}\n",
		 sm.port, sm.db_url, urls[0], urls[1], urls[1], company, sm.port);
	if (th_seam_start(&sm, 15000) != 0) {
		printf("stock: seam did not start (%s)\n", sm.log);
		goto out;
	}
	/* the starting point: every SKU in the cache and in Drupal, the subscription live */
	const char *full[] = {"sync", "stock", "--store", "us", "--full", NULL};
	char *o = NULL;
	if (th_seam_ctl(&sm, full, &o) != 0) {
		printf("stock: the first full sync failed:\n%s\n", o ? o : "");
		free(o);
		goto out;
	}
	free(o);
	for (int w = 0; w < 200 && th_store_count(sm.db_url, "SELECT count(*) FROM erp_subscriptions") < 1; w++)
		seam_sleep_ms(100);
	for (int w = 0; w < 600 && behind(urls[0], urls[1], company, erp_auth, skus) > 0; w++)
		seam_sleep_ms(100);

	/* 1. the burst */
	double writes0 = metric(sm.base, "seam_stock_drupal_writes_total{store=\"us\",outcome=\"written\"");
	double notes0 = metric(sm.base, "seam_webhooks_received_total{provider=\"erp\"");
	double fetch0 = (double)th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'stock.fetch'");
	double t0 = now_s();
	snprintf(text, sizeof text, "{\"burst\": {\"count\": %d, \"skus\": %d, \"fields\": [\"inventory\"]}}", count, skus);
	json_t *b = post(urls[1], "/_sim/erp/items", text);
	json_decref(b);
	double burst_s = now_s() - t0;
	int left = skus;
	while ((left = behind(urls[0], urls[1], company, erp_auth, skus)) > 0 && now_s() - t0 < 600)
		seam_sleep_ms(200);
	double secs = now_s() - t0;
	/* the last coalescing windows may still be writing the same values: let them finish */
	seam_sleep_ms(3000);
	double writes = metric(sm.base, "seam_stock_drupal_writes_total{store=\"us\",outcome=\"written\"") - writes0;
	double notes = metric(sm.base, "seam_webhooks_received_total{provider=\"erp\"") - notes0;
	double fetches = (double)th_store_count(sm.db_url, "SELECT count(*) FROM jobs WHERE kind = 'stock.fetch'") - fetch0;
	printf("stock: burst       %d ERP stock changes over %d SKUs (the ERP made them in %.1f s): Drupal equal to the ERP after %.1f s%s\n",
	       count, skus, burst_s, secs, left ? " (NOT converged)" : "");
	printf("stock: ingested    %.0f ERP changes/s absorbed; %.0f notifications + %.0f fetches = %.0f ingest operations/s\n",
	       count / secs, notes, fetches, (notes + fetches) / secs);
	printf("stock: writes      %.0f Drupal writes for %d changes: %.4f writes per change (%.2f per SKU; target about 1 per SKU)\n",
	       writes, count, writes / count, writes / skus);

	/* 2. availability vs healthz */
	if (th_make_key(&sm, "bench", "catalog:read", key, sizeof key) != 0)
		goto out;
	char q[2000] = "";
	for (int i = 1; i <= 50; i++)
		snprintf(q + strlen(q), sizeof q - strlen(q), "%sSKU-%06d", i > 1 ? "," : "", i);
	char areq[3000], hreq[200];
	int alen = snprintf(areq, sizeof areq,
			    "GET /v1/availability?store=us&sku=%s HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n", q, key);
	int hlen = snprintf(hreq, sizeof hreq, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	size_t nn = 2000000;
	char **reqs = malloc(nn * sizeof *reqs);
	size_t *lens = malloc(nn * sizeof *lens);
	for (int r = 0; r < rounds; r++) {
		lg_result_t lr;
		for (size_t i = 0; i < nn; i++)
			reqs[i] = areq, lens[i] = (size_t)alen;
		lg_opts_t lo = {.port = sm.port, .conns = 64, .duration_ms = 3000, .reqs = reqs,
				.lens = lens, .nreqs = nn};
		lg_run(&lo, &lr);
		avail[r] = lr.rps;
		avail_p99[r] = lr.p99_ms;
		long bad = lr.other + lr.errors;
		for (size_t i = 0; i < nn; i++)
			reqs[i] = hreq, lens[i] = (size_t)hlen;
		lg_run(&lo, &lr);
		health[r] = lr.rps;
		health_p99[r] = lr.p99_ms;
		printf("round %d: /v1/availability (50 SKUs) %.0f req/s p99 %.2f ms%s | /healthz %.0f req/s p99 %.2f ms\n",
		       r + 1, avail[r], avail_p99[r], bad ? " (some answers not 2xx!)" : "", health[r], health_p99[r]);
	}
	free(reqs);
	free(lens);
	snprintf(u, sizeof u, "%s", "");
	double a = lg_median(avail, rounds), h = lg_median(health, rounds);
	printf("stock: availability %.0f req/s, p99 %.2f ms (GET /v1/availability, 50 SKUs per call, 64 conns; median of %d)\n",
	       a, lg_median(avail_p99, rounds), rounds);
	printf("stock: ceiling      %.0f req/s, p99 %.2f ms: GET /healthz on the same server\n", h,
	       lg_median(health_p99, rounds));
	printf("stock: ratio        %.2f (/healthz per availability answer: %.2fx the cost; target within 2x)\n",
	       a / h, h / a);
	rc = left ? 1 : 0;
out:
	th_e2e_teardown(&sm, sim, 15000, dir);
	th_rest_done();
	return rc;
}
