/*
 * bench/http: the HTTP edge alone, next to its ceiling in the same run, and seam's start-up.
 *
 *   1. /healthz with the access log on (log level info, every request a JSON line to a file),
 *      and with it off, against nginx's static 200, all driven by bench/support/loadgen.c with
 *      64 keep-alive connections. The lines written are counted: one per 2xx answered, none
 *      lost on the way out (SIGTERM).
 *   2. Start to ready: `seam serve` on a new SQLite store (migrations included) until /readyz
 *      answers 200, polled every millisecond; the median of several starts.
 *
 *   make bench            (or build/bench/http [seconds-per-round] [rounds])
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/support/loadgen.h"
#include "bench/support/nginx.h"
#include "core/clock.h"
#include "tests/support/harness.h"

#define CONNS 64
#define STARTS 11

static void round_at(int port, char *req, size_t len, int secs, lg_result_t *r)
{
	static char *reqs[1];
	static size_t lens[1];
	reqs[0] = req, lens[0] = len;
	/* One request reused: the load generator sends reqs[i % n] until the time is up, so a
	 * large nreqs keeps it going. */
	char **many = malloc(4000000 * sizeof *many);
	size_t *mlen = malloc(4000000 * sizeof *mlen);
	for (size_t i = 0; i < 4000000; i++)
		many[i] = reqs[0], mlen[i] = lens[0];
	lg_opts_t o = {.port = port, .conns = CONNS, .duration_ms = secs * 1000, .reqs = many,
		       .lens = mlen, .nreqs = 4000000};
	lg_run(&o, r);
	free(many);
	free(mlen);
}

/* seam serve with the access log on or off; returns its pid, the port in *port. */
static pid_t start_seam(const char *dir, const char *name, int access_log, int *port,
			char *log, size_t logcap)
{
	char cfg[200], text[512];
	*port = th_free_port();
	snprintf(cfg, sizeof cfg, "%s/%s.yaml", dir, name);
	snprintf(text, sizeof text,
		 "listen: 127.0.0.1:%d\nstore: sqlite://%s/%s.db\nlog: {level: info, access_log: %s}\n"
		 "http: {threads: 4}\n",
		 *port, dir, name, access_log ? "true" : "false");
	th_write_file(cfg, text);
	snprintf(log, logcap, "%s/%s.log", dir, name);
	char *serve[] = {(char *)th_seam_bin(), "serve", "-c", cfg, NULL};
	return th_spawn(serve, log);
}

static long count_access_lines(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[4096];
	long n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strstr(line, "\"route\":\"/healthz\"") && strstr(line, "\"status\":200"))
			n++;
	fclose(f);
	return n;
}

/* GET path on 127.0.0.1:port over a fresh connection; the status, or -1 when nothing answers. */
static int quick_get(int port, const char *path)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int status = -1;
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		char req[160], resp[256];
		int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
		if (write(fd, req, (size_t)n) == n) {
			ssize_t got = read(fd, resp, sizeof resp - 1);
			if (got > 12) {
				resp[got] = '\0';
				status = atoi(resp + 9);
			}
		}
	}
	close(fd);
	return status;
}

/* Milliseconds from spawning seam serve on a new store to /readyz 200; -1 on failure. */
static double start_to_ready(const char *dir, int i)
{
	char name[32], log[256];
	int port;
	snprintf(name, sizeof name, "start%d", i);
	int64_t t0 = seam_mono_ns();
	pid_t p = start_seam(dir, name, 0, &port, log, sizeof log);
	double ms = -1;
	while ((seam_mono_ns() - t0) < 10LL * 1000000000LL) {
		if (quick_get(port, "/readyz") == 200) {
			ms = (double)(seam_mono_ns() - t0) / 1e6;
			break;
		}
		struct timespec d = {0, 1000000};
		nanosleep(&d, NULL);
	}
	th_stop(p, SIGTERM, 10000);
	return ms;
}

/* Milliseconds from spawning `seam --version` to its exit: what exec and the dynamic linker cost
 * before seam runs a line of its own (the floor under start-to-ready). */
static double exec_floor(const char *dir)
{
	char log[256];
	snprintf(log, sizeof log, "%s/version.log", dir);
	char *argv[] = {(char *)th_seam_bin(), "--version", NULL};
	int64_t t0 = seam_mono_ns();
	pid_t p = th_spawn(argv, log);
	int status;
	if (p < 0 || waitpid(p, &status, 0) != p)
		return -1;
	return (double)(seam_mono_ns() - t0) / 1e6;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 4, rounds = argc > 2 ? atoi(argv[2]) : 3;
	char dir[64], log_on[256], log_off[256];
	double nr[9], on[9], off[9], on99[9], off99[9], starts[STARTS];
	long ok_on = 0;

	if (access("/usr/sbin/nginx", X_OK) != 0) {
		printf("http: SKIP: nginx not installed (make deps installs nginx-light)\n");
		return 0;
	}
	if (rounds > 9)
		rounds = 9;
	signal(SIGPIPE, SIG_IGN);
	th_tmpdir(dir);

	/* Start-up first, on a quiet machine. */
	int nstarts = 0, nfloors = 0;
	double floors[STARTS];
	for (int i = 0; i < STARTS; i++) {
		double ms = exec_floor(dir);
		if (ms >= 0)
			floors[nfloors++] = ms;
		ms = start_to_ready(dir, i);
		if (ms >= 0)
			starts[nstarts++] = ms;
	}
	if (secs <= 0) { /* `http 0`: start-up only */
		printf("http: start    seam serve on a new store to /readyz 200: median %.1f ms of %d "
		       "starts; exec alone %.1f ms\n", nstarts ? lg_median(starts, nstarts) : -1.0,
		       nstarts, nfloors ? lg_median(floors, nfloors) : -1.0);
		th_rmrf(dir);
		return nstarts ? 0 : 1;
	}

	int nport = th_free_port(), pon, poff;
	pid_t ng = bench_nginx_start(dir, nport, "{\"status\":\"ok\"}");
	pid_t son = start_seam(dir, "logon", 1, &pon, log_on, sizeof log_on);
	pid_t soff = start_seam(dir, "logoff", 0, &poff, log_off, sizeof log_off);
	char url[96];
	int up = 1;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", nport);
	up &= th_wait_http(url, 5000) == 0;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", pon);
	up &= th_wait_http(url, 5000) == 0;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", poff);
	up &= th_wait_http(url, 5000) == 0;
	if (!up) {
		printf("http: nginx or seam did not start (see %s)\n", dir);
		return 1;
	}
	usleep(200000); /* the wait above made one or more lines: let the 50 ms flush write them */
	long before = count_access_lines(log_on);

	char req_n[128], req_on[128], req_off[128];
	snprintf(req_n, sizeof req_n, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", nport);
	snprintf(req_on, sizeof req_on, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", pon);
	snprintf(req_off, sizeof req_off, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", poff);
	lg_result_t r;
	round_at(nport, req_n, strlen(req_n), 1, &r); /* warm-up */
	round_at(poff, req_off, strlen(req_off), 1, &r);
	round_at(pon, req_on, strlen(req_on), 1, &r);
	ok_on += r.ok2xx;
	for (int i = 0; i < rounds; i++) {
		round_at(nport, req_n, strlen(req_n), secs, &r);
		nr[i] = r.rps;
		round_at(pon, req_on, strlen(req_on), secs, &r);
		on[i] = r.rps, on99[i] = r.p99_ms, ok_on += r.ok2xx;
		round_at(poff, req_off, strlen(req_off), secs, &r);
		off[i] = r.rps, off99[i] = r.p99_ms;
		printf("round %d: nginx %.0f req/s | seam /healthz, access log on %.0f req/s (p99 %.2f "
		       "ms), off %.0f req/s (p99 %.2f ms)\n",
		       i + 1, nr[i], on[i], on99[i], off[i], off99[i]);
	}
	th_stop(son, SIGTERM, 10000);
	th_stop(soff, SIGTERM, 10000);
	kill(ng, SIGQUIT);
	waitpid(ng, NULL, 0);

	double cn = lg_median(nr, rounds), con = lg_median(on, rounds), coff = lg_median(off, rounds);
	long lines = count_access_lines(log_on) - before;
	printf("http: ceiling  nginx static 200, %d conns: %.0f req/s (median of %d x %d s)\n", CONNS,
	       cn, rounds, secs);
	printf("http: seam     /healthz, access log on: %.0f req/s, p99 %.2f ms; ratio %.2f of the "
	       "ceiling (target >= 0.70)\n",
	       con, lg_median(on99, rounds), con / cn);
	printf("http: seam     /healthz, access log off: %.0f req/s, p99 %.2f ms; ratio %.2f\n", coff,
	       lg_median(off99, rounds), coff / cn);
	printf("http: log      %ld access lines for %ld 2xx answers%s\n", lines, ok_on,
	       lines == ok_on ? " (one line per request, none lost on SIGTERM)" : "  MISMATCH");
	if (nstarts)
		printf("http: start    seam serve on a new store to /readyz 200: median %.1f ms of %d "
		       "starts (target <= 50 ms); exec alone (seam --version to exit) %.1f ms\n",
		       lg_median(starts, nstarts), nstarts, nfloors ? lg_median(floors, nfloors) : -1.0);
	else
		printf("http: start    seam serve never answered /readyz (see %s)\n", dir);
	int fail = lines != ok_on || !nstarts;
	if (!fail)
		th_rmrf(dir);
	return fail;
}
