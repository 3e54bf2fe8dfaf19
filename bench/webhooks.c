/*
 * bench/webhooks: verified and durably stored Stripe webhooks per second, next to the ceiling
 * measured in the same run on the same machine: a static 200 from nginx on loopback. Both are
 * driven by the same load generator (bench/support/loadgen.c) with 64 keep-alive connections
 * and the same 1 KB signed requests; seam gets a unique event id per request, so every request
 * is verified, stored in the inbox and enqueued as a job with a durable (fsync) group commit.
 *
 * The payments flow is paused first (seam ctl flow pause payments: the kill switch), so the
 * job workers do not compete with ingress; this measures the acknowledgement path.
 *
 *   make bench            (or build/bench/webhooks [seconds-per-round] [rounds])
 * Prints medians of the rounds, p50/p99 latency, the ratio, and checks that the store holds
 * exactly as many inbox rows as 2xx answers.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/support/loadgen.h"
#include "bench/support/nginx.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "store/store.h"
#include "tests/support/harness.h"

#define CONNS 64
#define SECRET "whsec_bench_0123456789abcdef"

static char *make_request(int port, const char *path, long seq, size_t *len)
{
	char body[1100], sig[200], ts[24], hex[65], *req = NULL;
	uint8_t mac[32];
	/* Event ids are random like Stripe's (evt_ + 24 random chars): their dedup indexes then
	 * cost what they cost in production, not the cheap appends of sequential ids. */
	uint8_t rnd[12];
	char rid[25];
	seam_random_bytes(rnd, sizeof rnd);
	seam_hex_encode(rnd, sizeof rnd, rid);
	int n = snprintf(body, sizeof body,
			 "{\"id\":\"evt_%s%08ld\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\","
			 "\"data\":{\"object\":{\"id\":\"pi_bench_%08ld\",\"amount_received\":1999,"
			 "\"currency\":\"usd\",\"metadata\":{\"order_uuid\":\"0b8a2f3e-0000-4000-8000-000000000001\"}}},"
			 "\"padding\":\"",
			 rid, seq, seq);
	while (n < 1022)
		body[n++] = 'x';
	memcpy(body + n, "\"}", 3);
	snprintf(ts, sizeof ts, "%lld", (long long)(seam_now_ms() / 1000));
	const void *parts[] = {ts, ".", body};
	size_t lens[] = {strlen(ts), 1, strlen(body)};
	seam_hmac_sha256_parts(SECRET, strlen(SECRET), parts, lens, 3, mac);
	seam_hex_encode(mac, 32, hex);
	snprintf(sig, sizeof sig, "t=%s,v1=%s", ts, hex);
	int l = asprintf(&req,
			 "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
			 "Stripe-Signature: %s\r\nContent-Length: %zu\r\n\r\n%s",
			 path, port, sig, strlen(body), body);
	*len = (size_t)l;
	return req;
}

struct round {
	double rps, p50, p99;
	long ok, other, errors;
};

static void one(int port, char **reqs, size_t *lens, size_t n, int secs, struct round *out)
{
	lg_opts_t o = {.port = port, .conns = CONNS, .duration_ms = secs * 1000, .reqs = reqs,
		       .lens = lens, .nreqs = n};
	lg_result_t r;
	lg_run(&o, &r);
	*out = (struct round){r.rps, r.p50_ms, r.p99_ms, r.ok2xx, r.other, r.errors};
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 4, rounds = argc > 2 ? atoi(argv[2]) : 3;
	char dir[64], cfg[128], log[128], url[160], text[1024];
	double nr[9], sr[9], np50[9], np99[9], sp50[9], sp99[9];
	long ok_total = 0;

	if (access("/usr/sbin/nginx", X_OK) != 0) {
		printf("webhooks: SKIP: nginx not installed (make deps installs nginx-light)\n");
		return 0;
	}
	if (rounds > 9)
		rounds = 9;
	signal(SIGPIPE, SIG_IGN);
	th_tmpdir(dir);
	int nport = th_free_port(), sport = th_free_port();
	pid_t ng = bench_nginx_start(dir, nport, "{\"received\":true}");

	snprintf(cfg, sizeof cfg, "%s/seam.yaml", dir);
	snprintf(log, sizeof log, "%s/seam.log", dir);
	snprintf(url, sizeof url, "sqlite://%s/seam.db", dir);
	setenv("SEAM_BENCH_STRIPE", SECRET, 1);
	snprintf(text, sizeof text,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: warn}\nhttp: {threads: 4}\n"
		 "stores:\n  bench: {stripe_secrets: [{env: SEAM_BENCH_STRIPE}]}\n",
		 sport, url);
	th_write_file(cfg, text);
	char *serve[] = {(char *)th_seam_bin(), "serve", "-c", cfg, NULL};
	pid_t sp = th_spawn(serve, log);
	char base[64];
	snprintf(base, sizeof base, "http://127.0.0.1:%d/healthz", sport);
	int up = th_wait_http(base, 5000) == 0;
	if (up) { /* ctl never creates a store: pause once serve has made it */
		char *pause[] = {(char *)th_seam_bin(), "ctl", "-c", cfg, "flow", "pause", "payments", NULL};
		pid_t p = th_spawn(pause, log);
		int st;
		waitpid(p, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			printf("webhooks: note: could not pause the payments flow; workers run during the bench\n");
	}
	if (!up) {
		printf("webhooks: seam did not start (see %s)\n", log);
		return 1;
	}
	snprintf(base, sizeof base, "http://127.0.0.1:%d/", nport);
	if (th_wait_http(base, 5000) != 0) {
		printf("webhooks: nginx did not start\n");
		return 1;
	}

	/* nginx gets the same bytes (one request reused); seam a unique event per request. */
	size_t nn = 4000000, ns = 60000 * (size_t)secs * (size_t)rounds + 20000;
	char **nreq = malloc(nn * sizeof *nreq), **sreq = malloc(ns * sizeof *sreq);
	size_t *nlen = malloc(nn * sizeof *nlen), *slen = malloc(ns * sizeof *slen), l;
	char *shared = make_request(nport, "/webhooks/stripe/bench", 0, &l);
	for (size_t i = 0; i < nn; i++)
		nreq[i] = shared, nlen[i] = l;
	for (size_t i = 0; i < ns; i++)
		sreq[i] = make_request(sport, "/webhooks/stripe/bench", (long)i + 1, &slen[i]);

	struct round r;
	one(nport, nreq, nlen, nn, 1, &r); /* warm-up */
	size_t used = 0;
	one(sport, sreq, slen, 2000, 1, &r);
	used += 2000;
	ok_total += r.ok;
	/* SEAM_BENCH_PROFILE=1: seam's rounds only, its pid printed first (perf record -p PID) */
	int profile = getenv("SEAM_BENCH_PROFILE") && *getenv("SEAM_BENCH_PROFILE") == '1';
	if (profile) {
		printf("webhooks: profiling run: seam serve is PID %d; nginx rounds skipped\n", (int)sp);
		fflush(stdout);
	}
	for (int i = 0; i < rounds; i++) {
		if (!profile)
			one(nport, nreq, nlen, nn, secs, &r);
		else
			memset(&r, 0, sizeof r);
		nr[i] = r.rps, np50[i] = r.p50, np99[i] = r.p99;
		one(sport, sreq + used, slen + used, ns - used, secs, &r);
		used += (size_t)(r.ok + r.other + r.errors);
		ok_total += r.ok;
		sr[i] = r.rps, sp50[i] = r.p50, sp99[i] = r.p99;
		printf("round %d: nginx %.0f req/s (p99 %.2f ms) | seam %.0f req/s (p50 %.2f ms, p99 "
		       "%.2f ms, non-2xx %ld, errors %ld)\n",
		       i + 1, nr[i], np99[i], sr[i], sp50[i], sp99[i], r.other, r.errors);
	}
	/* seam's peak resident memory over the whole bench (VmHWM), read before it stops */
	long hwm_kb = -1;
	{
		char path[64], line[256];
		snprintf(path, sizeof path, "/proc/%d/status", (int)sp);
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof line, f))
			if (!strncmp(line, "VmHWM:", 6))
				hwm_kb = atol(line + 6);
		if (f)
			fclose(f);
	}
	th_stop(sp, SIGTERM, 10000);
	kill(ng, SIGQUIT);
	waitpid(ng, NULL, 0);

	double cn = lg_median(nr, rounds), cs = lg_median(sr, rounds);
	double p50 = lg_median(sp50, rounds), p99 = lg_median(sp99, rounds);
	long rows = th_store_count(url, "SELECT count(*) FROM inbox");
	printf("webhooks: ceiling  nginx static 200, %d conns: %.0f req/s (median of %d x %d s), "
	       "p50 %.2f ms, p99 %.2f ms\n",
	       CONNS, cn, rounds, secs, lg_median(np50, rounds), lg_median(np99, rounds));
	printf("webhooks: seam     Stripe-signed 1 KB, verified + durably stored + enqueued: %.0f "
	       "req/s, p50 %.2f ms, p99 %.2f ms\n",
	       cs, p50, p99);
	printf("webhooks: ratio    %.2f of the ceiling (target >= 0.25); p99 %.2f ms (target < 20 ms)\n",
	       cs / cn, p99);
	printf("webhooks: memory   seam serve peak RSS %.1f MB (VmHWM; target <= 32 MB)\n",
	       hwm_kb / 1024.0);
	printf("webhooks: durable  %ld inbox rows for %ld 2xx answers%s\n", rows, ok_total,
	       rows == ok_total ? " (all acknowledged events are on disk)" : "  MISMATCH");
	th_rmrf(dir);
	return rows == ok_total ? 0 : 1;
}
