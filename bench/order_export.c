/*
 * bench/order_export: orders exported per second end to end (Drupal order fetched, mapped in
 * Lua, validated, looked up and created in the ERP, ERP number written back to Drupal, every
 * step in the store) against fault-free doubles, next to the doubles' own request ceiling
 * measured in the same run.
 *
 * Method: the orders flow is paused (the kill switch), N orders are placed in the Drupal
 * double (their events queue N export jobs), the flow is resumed and the drain is timed until
 * every order is written back. The ceiling is the Drupal double answering the same order GET
 * seam makes, driven by the bench load generator with 64 connections. An export makes four
 * upstream calls (order GET, ERP lookup, ERP create, Drupal PATCH), so the ratio printed is
 * (exports/s x 4) / ceiling: the share of the doubles' capacity the flow turns into exports.
 *
 *   make bench  (or build/bench/order_export [orders] [rounds])
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bench/support/loadgen.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "store/store.h"
#include "tests/support/harness.h"

#define PW "bench-drupal"
#define ERP_SECRET "bench-erp"

static char dir[64], seam_cfg[128], db_url[160], seam_base[64], drupal_url[64], erp_url[64];

static int ctl(const char *a, const char *b, const char *c)
{
	char log[160];
	snprintf(log, sizeof log, "%s/ctl.log", dir);
	char *argv[] = {(char *)th_seam_bin(), "ctl", "-c", seam_cfg, (char *)a, (char *)b, (char *)c, NULL};
	pid_t p = th_spawn(argv, log);
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static json_t *post(const char *base, const char *path, const char *body)
{
	char u[300];
	th_resp_t r;
	snprintf(u, sizeof u, "%s%s", base, path);
	const char *h[] = {"Content-Type: application/json", NULL};
	th_http("POST", u, h, body, body ? strlen(body) : 0, &r);
	json_t *d = json_loads(r.body, 0, NULL);
	th_resp_free(&r);
	return d;
}

int main(int argc, char **argv)
{
	int orders = argc > 1 ? atoi(argv[1]) : 1000, rounds = argc > 2 ? atoi(argv[2]) : 3;
	char text[3000], sim_log[128], seam_log[128], b64[64];
	double eps[9], ceil_rps[9];
	if (rounds > 9)
		rounds = 9;
	signal(SIGPIPE, SIG_IGN);
	th_tmpdir(dir);
	int port = th_free_port();
	snprintf(seam_base, sizeof seam_base, "http://127.0.0.1:%d", port);
	snprintf(seam_cfg, sizeof seam_cfg, "%s/seam.yaml", dir);
	snprintf(seam_log, sizeof seam_log, "%s/seam.log", dir);
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	snprintf(db_url, sizeof db_url, "sqlite://%s/seam.db", dir);
	setenv("B_PW", PW, 1);
	setenv("B_ERP", ERP_SECRET, 1);
	setenv("B_EVENTS", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1);
	char simcfg[128];
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 3\nlog: error\ncalls: 10\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  threads: 8\n  user: seam\n  password: {env: B_PW}\n"
		 "  workflow: order_default\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11}]\n"
		 "  products: 30\n  variations: 2\n  customers: 20\n  orders: 0\n"
		 "  events: {url: %s, secret: {env: B_EVENTS}}\n"
		 "erp:\n  listen: 127.0.0.1:0\n  threads: 8\n  client_id: seam\n  client_secret: {env: B_ERP}\n"
		 "  items: 60\n  page_size: 500\n",
		 seam_base);
	th_write_file(simcfg, text);
	char urls[2][64], company[64];
	pid_t sim = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "erp", NULL}, urls);
	if (sim < 0 || th_erp_company(urls[1], "seam", ERP_SECRET, company) != 0) {
		printf("order_export: the simulators did not start\n");
		return 1;
	}
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(erp_url, sizeof erp_url, "%s", urls[1]);
	char u[200];
	snprintf(text, sizeof text,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: warn, access_log: false}\n"
		 "queue: {workers: 8}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    max_concurrency: 16\n"
		 "    auth: {type: basic, username: seam, password: {env: B_PW}}\n"
		 "  erp:\n    base_url: %s/api/v2.0\n    max_concurrency: 16\n"
		 "    auth: {type: oauth2_client_credentials, client_id: seam, client_secret: {env: B_ERP}, token_url: %s/oauth2/v2.0/token}\n"
		 "stores:\n  us:\n    drupal: {upstream: drupal, event_secrets: [{env: B_EVENTS}], poll_interval: 0s}\n"
		 "    erp: {upstream: erp, company: %s, customer: WEB, shipping_account: '6130'}\n",
		 port, db_url, drupal_url, erp_url, erp_url, company);
	th_write_file(seam_cfg, text);
	char *margv[] = {(char *)th_seam_bin(), "serve", "-c", seam_cfg, NULL};
	pid_t seam = th_spawn(margv, seam_log);
	snprintf(u, sizeof u, "%s/healthz", seam_base);
	if (th_wait_http(u, 10000) != 0) {
		printf("order_export: seam did not start (%s)\n", seam_log);
		return 1;
	}
	seam_base64_encode("seam:" PW, strlen("seam:" PW), b64);

	char one_uuid[64] = "";
	long total_done = 0;
	for (int round = 0; round < rounds; round++) {
		ctl("flow", "pause", "orders");
		for (int placed = 0; placed < orders; placed += 100) {
			json_t *o = post(drupal_url, "/_sim/drupal/orders", "{\"count\":100,\"store\":\"us\",\"items\":3}");
			if (!*one_uuid)
				snprintf(one_uuid, sizeof one_uuid, "%s",
					 json_string_value(json_object_get(json_array_get(json_object_get(o, "orders"), 0), "uuid")) ?: "");
			json_decref(o);
		}
		/* every event is in (jobs queued) before the clock starts */
		long target = total_done + orders;
		for (int w = 0; w < 600 && th_store_count(db_url, "SELECT count(*) FROM jobs WHERE kind = 'order.export'") < target; w++)
			seam_sleep_ms(50);
		int64_t t0 = seam_mono_ns();
		ctl("flow", "resume", "orders");
		long done = 0;
		while ((done = th_store_count(db_url, "SELECT count(*) FROM orders WHERE export_state = 'written_back'")) < target &&
		       seam_mono_ns() - t0 < 300LL * 1000000000)
			seam_sleep_ms(20);
		double secs = (double)(seam_mono_ns() - t0) / 1e9;
		eps[round] = (double)(done - total_done) / secs;
		total_done = done;

		/* The ceiling: the Drupal double serving the order GET seam makes, same machine, now. */
		char req[1024];
		int n = snprintf(req, sizeof req,
				 "GET /jsonapi/commerce_order/default/%s?include=order_items%%2Corder_items.purchased_entity%%2Cbilling_profile HTTP/1.1\r\n"
				 "Host: x\r\nAuthorization: Basic %s\r\nAccept: application/vnd.api+json\r\n\r\n",
				 one_uuid, b64);
		size_t nn = 2000000;
		char **reqs = malloc(nn * sizeof *reqs);
		size_t *lens = malloc(nn * sizeof *lens);
		for (size_t i = 0; i < nn; i++)
			reqs[i] = req, lens[i] = (size_t)n;
		int dport = atoi(strrchr(drupal_url, ':') + 1);
		lg_opts_t lo = {.port = dport, .conns = 64, .duration_ms = 3000, .reqs = reqs, .lens = lens, .nreqs = nn};
		lg_result_t lr;
		lg_run(&lo, &lr);
		ceil_rps[round] = lr.rps;
		free(reqs);
		free(lens);
		printf("round %d: %d orders exported in %.2f s = %.0f orders/s | Drupal double ceiling %.0f req/s\n",
		       round + 1, orders, secs, eps[round], ceil_rps[round]);
	}
	th_stop(seam, SIGTERM, 15000);
	th_stop(sim, SIGTERM, 5000);
	long erp_dups = 0; /* every order once: checked by the e2e test; here the count suffices */
	double m = lg_median(eps, rounds), c = lg_median(ceil_rps, rounds);
	printf("order_export: seam   %.0f orders/s exported end to end (median of %d rounds of %d; 4 upstream calls each)\n",
	       m, rounds, orders);
	printf("order_export: ceiling %.0f req/s: the Drupal double answering the same order GET, 64 conns\n", c);
	printf("order_export: ratio  %.2f of the doubles' request capacity turned into exports ((orders/s x 4) / ceiling)\n",
	       m * 4 / c);
	(void)erp_dups;
	th_rmrf(dir);
	return total_done == (long)orders * rounds ? 0 : 1;
}
