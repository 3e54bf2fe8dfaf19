/* End-to-end: the command line as a new user and an operator meet it. serve and check run one
 * start-up validation, so they agree (broken mappings, store URLs, no config at all); the
 * config is found the same way by serve, check and ctl (-c, SEAM_CONFIG, ./seam.yaml, the
 * built-in defaults); ctl never creates a store; bare `make` builds build/seam and
 * build/seam-sim; seam-sim exits 2 on a config it cannot use; the product binary holds no
 * simulator and `seam sim` points at seam-sim; messages point at the line to fix, once.
 *
 * Each command runs as a child in a working directory of the test's own, with SEAM_CONFIG set
 * or removed explicitly (so the developer's environment does not leak in), and is stopped by
 * its PID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

static char bin[PATH_MAX], simbin[PATH_MAX];

/* A test's directory: `work` is the commands' working directory (nothing else is put there, so
 * a file appearing in it was made by a command), logs and configs live next to it. */
typedef struct {
	char dir[64], work[96], log[96], cfg[96];
} tdir_t;

static void tdir_make(tdir_t *t)
{
	char real[PATH_MAX];
	th_tmpdir(t->dir);
	/* /tmp may be a symlink: messages name the resolved path */
	if (realpath(t->dir, real) && strlen(real) < sizeof t->dir)
		strcpy(t->dir, real);
	snprintf(t->work, sizeof t->work, "%s/work", t->dir);
	snprintf(t->log, sizeof t->log, "%s/out.log", t->dir);
	snprintf(t->cfg, sizeof t->cfg, "%s/seam.yaml", t->dir);
	assert_int_equal(mkdir(t->work, 0700), 0);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Starts argv in cwd with SEAM_CONFIG = seam_config (NULL: not set), output to log. */
static pid_t spawn_in(const char *cwd, const char *seam_config, char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (chdir(cwd) != 0)
			_exit(126);
		if (seam_config)
			setenv("SEAM_CONFIG", seam_config, 1);
		else
			unsetenv("SEAM_CONFIG");
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Waits for pid; its exit code, or -1 when it had not exited after timeout_ms (then it is
 * killed and reaped). */
static int wait_exit(pid_t pid, int timeout_ms)
{
	int st;
	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* Runs argv to completion (at most 20 s); its exit code, output (malloc'd) in *out. */
static int run_in(const tdir_t *t, const char *seam_config, char *const argv[], char **out)
{
	int code = wait_exit(spawn_in(t->work, seam_config, argv, t->log), 20000);
	*out = th_read_file(t->log);
	if (!*out)
		*out = strdup("");
	return code;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Number of entries in dir besides . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void expect(const char *out, const char *needle)
{
	if (!strstr(out, needle))
		fail_msg("want %s\n in output:\n%s", needle, out);
}

/* ---- item 9: bare make ------------------------------------------------------------------ */

/* `make` with no goal builds build/seam and build/seam-sim: with both mains pretended new, a
 * dry run links both.
 * (The pattern rules written by $(eval) come first in the Makefile; without .DEFAULT_GOAL the
 * default goal was build/libseam.a.) */
static void test_bare_make_builds_seam(void **state)
{
	char path[PATH_MAX], root[PATH_MAX], cmd[PATH_MAX + 160], *out;
	(void)state;
	snprintf(path, sizeof path, "%s", bin);
	snprintf(root, sizeof root, "%s", dirname(dirname(path))); /* <root>/build/seam */
	snprintf(cmd, sizeof cmd, "%s/Makefile", root);
	if (access(cmd, R_OK) != 0 || system("command -v make >/dev/null 2>&1") != 0) {
		printf("SKIP: no Makefile next to %s or no make\n", bin);
		return;
	}
	/* A dry run touches nothing; the parent make's flags (jobserver, -k) stay out of it. */
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n -W src/main.c -W sim/main.c 2>&1",
		 root);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 20, len = 0, n;
	out = calloc(1, cap);
	while (len < cap - 1 && (n = fread(out + len, 1, cap - 1 - len, p)) > 0)
		len += n;
	pclose(p);
	expect(out, "LD      build/seam\"");
	expect(out, "LD      build/seam-sim\"");
	free(out);
}

/* ---- item 3 and 11: one start-up validation ------------------------------------------- */

/* A config with one store exporting orders through mappings/order_to_erp.lua (src) and, when
 * sample is not NULL, mappings/samples/order_to_erp.json. */
static int write_store_config(tdir_t *t, const char *src, const char *sample)
{
	char path[160], text[1024];
	int port = th_free_port();
	snprintf(path, sizeof path, "%s/mappings", t->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/mappings/samples", t->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/mappings/order_to_erp.lua", t->dir);
	th_write_file(path, src);
	snprintf(path, sizeof path, "%s/mappings/samples/order_to_erp.json", t->dir);
	unlink(path);
	if (sample)
		th_write_file(path, sample);
	snprintf(text, sizeof text,
		 "listen: 127.0.0.1:%d\n"
		 "store: sqlite://%s/seam.db\n"
		 "mappings: %s/mappings\n"
		 "upstreams:\n"
		 "  drupal: {base_url: 'http://127.0.0.1:1'}\n"
		 "  erp: {base_url: 'http://127.0.0.1:1'}\n"
		 "stores:\n"
		 "  us:\n"
		 "    drupal: {upstream: drupal, poll_interval: 0}\n"
		 "    erp: {upstream: erp, company: c1}\n",
		 port, t->dir, t->dir);
	th_write_file(t->cfg, text);
	return port;
}

/* Starts serve on t->cfg and watches it: returns its exit code when it exits within 10 s
 * (output in *out), having polled /readyz all along; *ready says whether /readyz ever
 * answered 200. A serve still running after 10 s is stopped and -1 returned. */
static int serve_outcome(tdir_t *t, int port, int *ready, char **out)
{
	char url[96];
	char *argv[] = {bin, "serve", "-c", t->cfg, NULL};
	pid_t pid = spawn_in(t->work, NULL, argv, t->log);
	int code = -1, st;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/readyz", port);
	*ready = 0;
	for (int waited = 0; waited < 10000; waited += 50) {
		th_resp_t r;
		if (th_http("GET", url, NULL, NULL, 0, &r) == 0 && r.status == 200)
			*ready = 1;
		th_resp_free(&r);
		if (waitpid(pid, &st, WNOHANG) == pid) {
			code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			pid = 0;
			break;
		}
		if (*ready)
			break;
		sleep_ms(50);
	}
	if (pid > 0)
		th_stop(pid, SIGTERM, 5000);
	*out = th_read_file(t->log);
	return code;
}

static void test_broken_mappings_stop_serve(void **state)
{
	static const struct {
		const char *what, *src, *sample, *msg;
	} cases[] = {
		{"does not compile", "function map(input, ctx)\n  local x = = 1\nend\n", NULL,
		 ":2: unexpected symbol near '='"},
		{"map() loops", "function map(input, ctx)\n  while true do end\nend\n", "{}",
		 ":2: instruction limit exceeded (1000000)"},
		{"top-level code loops",
		 "local n = 0\nwhile true do n = n + 1 end\nfunction map(i) return i end\n", NULL,
		 ":2: instruction limit exceeded (1000000)"},
	};
	tdir_t t;
	char *out, mpath[160], want[300], db[160];
	int ready;
	(void)state;
	tdir_make(&t);
	snprintf(mpath, sizeof mpath, "%s/mappings/order_to_erp.lua", t.dir);
	snprintf(db, sizeof db, "%s/seam.db", t.dir);
	char *check[] = {bin, "check", "-c", t.cfg, NULL};

	/* A good mapping: check passes, serve becomes ready (so the failures below are real). Its
	 * sample holds order@v1 and its output erp.sales-order@v1 (seam check checks both). */
	int port = write_store_config(
		&t,
		"function map(i, ctx)\n"
		"  local a = i.data.attributes\n"
		"  return { externalDocumentNumber = a.order_number, customerNumber = 'C1',\n"
		"    currencyCode = a.total_price.currency_code, salesOrderLines = { { lineType = 'Item',\n"
		"    lineObjectNumber = 'X', quantity = '1', unitPrice = a.total_price.number } } }\n"
		"end\n",
		"{\"data\": {\"type\": \"commerce_order--default\", "
		"\"id\": \"5bdfd1e8-dfad-41ac-a514-1b58d123e678\", \"attributes\": {\"order_number\": \"7\", "
		"\"state\": \"completed\", \"total_price\": {\"number\": \"5.00\", \"currency_code\": \"USD\"}}}}");
	assert_int_equal(run_in(&t, NULL, check, &out), 0);
	expect(out, "order_to_erp.lua: sample ok");
	free(out);
	assert_int_equal(serve_outcome(&t, port, &ready, &out), -1); /* still running: stopped */
	assert_true(ready);
	free(out);
	unlink(db);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		port = write_store_config(&t, cases[i].src, cases[i].sample);
		snprintf(want, sizeof want, "%s%s", mpath, cases[i].msg);
		/* check: exit 2, file:line, the path said once */
		assert_int_equal(run_in(&t, NULL, check, &out), 2);
		expect(out, want);
		if (count(out, mpath) != 1)
			fail_msg("%s: the mapping's path is repeated:\n%s", cases[i].what, out);
		assert_null(strstr(out, "compiled (no sample)"));
		free(out);
		/* serve: refuses to start with the same message; /readyz never answers 200 */
		assert_int_equal(serve_outcome(&t, port, &ready, &out), 2);
		assert_false(ready);
		expect(out, want);
		expect(out, "not starting");
		free(out);
		assert_int_equal(access(db, F_OK), -1); /* nothing half-started left a store behind */
	}
	th_rmrf(t.dir);
}

/* Store URLs serve cannot use are refused by check too, with the same line. */
static void test_store_urls_check_and_serve_agree(void **state)
{
	static const struct {
		const char *url, *msg;
	} cases[] = {
		{"mysql://root:hunter2@127.0.0.1/x", "seam.yaml:2: store: unknown scheme 'mysql'"},
		{"postgresql://seam:hunter2@127.0.0.1:1/seam",
		 "seam.yaml:2: store: postgresql 127.0.0.1:1/seam: cannot connect"},
		{"sqlite://", "seam.yaml:2: store: "},
	};
	tdir_t t;
	char text[300], *out;
	int ready;
	(void)state;
	tdir_make(&t);
	char *check[] = {bin, "check", "-c", t.cfg, NULL};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int port = th_free_port();
		snprintf(text, sizeof text, "listen: 127.0.0.1:%d\nstore: %s\n", port, cases[i].url);
		th_write_file(t.cfg, text);
		assert_int_equal(run_in(&t, NULL, check, &out), 2);
		expect(out, cases[i].msg);
		assert_null(strstr(out, "hunter2"));
		free(out);
		assert_int_equal(serve_outcome(&t, port, &ready, &out), 2);
		assert_false(ready);
		expect(out, cases[i].msg);
		free(out);
	}
	th_rmrf(t.dir);
}

/* Upstream settings the HTTP client refuses: check finds them (serve used to be the first to
 * say, with exit 1, after check had passed). */
static void test_upstreams_check_and_serve_agree(void **state)
{
	tdir_t t;
	char text[300], *out;
	int ready;
	(void)state;
	tdir_make(&t);
	int port = th_free_port();
	snprintf(text, sizeof text,
		 "listen: 127.0.0.1:%d\nstore: sqlite://%s/seam.db\nupstreams:\n  erp:\n"
		 "    base_url: ftp://erp.example\n",
		 port, t.dir);
	th_write_file(t.cfg, text);
	char *check[] = {bin, "check", "-c", t.cfg, NULL};
	assert_int_equal(run_in(&t, NULL, check, &out), 2);
	expect(out, "seam.yaml:4: upstreams.erp: base_url must be http:// or https://");
	free(out);
	assert_int_equal(serve_outcome(&t, port, &ready, &out), 2);
	assert_false(ready);
	expect(out, "seam.yaml:4: upstreams.erp: base_url must be http:// or https://");
	free(out);
	th_rmrf(t.dir);
}

/* Without -c, SEAM_CONFIG or ./seam.yaml, check and serve both take the built-in defaults
 * (and say so), and ctl then finds the store serve made there. */
static void test_no_config_check_and_serve_agree(void **state)
{
	tdir_t t;
	char *out, listen[40], url[80];
	(void)state;
	tdir_make(&t);
	char *check[] = {bin, "check", NULL};
	assert_int_equal(run_in(&t, NULL, check, &out), 0);
	expect(out, "checking the built-in defaults");
	expect(out, "(built-in defaults): ok");
	free(out);
	assert_int_equal(entries(t.work), 0); /* check created nothing */

	int port = th_free_port();
	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/readyz", port);
	char *serve[] = {bin, "serve", "--listen", listen, NULL};
	pid_t pid = spawn_in(t.work, NULL, serve, t.log);
	assert_int_equal(th_wait_http(url, 5000), 0);
	char *flows[] = {bin, "ctl", "flow", "list", NULL};
	char log2[128];
	snprintf(log2, sizeof log2, "%s/ctl.log", t.dir);
	assert_int_equal(wait_exit(spawn_in(t.work, NULL, flows, log2), 20000), 0);
	assert_int_equal(th_stop(pid, SIGTERM, 5000) >= 0, 1);
	out = th_read_file(t.log);
	expect(out, "serving with the built-in defaults");
	free(out);
	th_rmrf(t.dir);
}

/* ---- item 10: SEAM_CONFIG and ctl never creating a store -------------------------------- */

static void test_ctl_never_creates_a_store(void **state)
{
	tdir_t t;
	char *out, want[200], text[300];
	(void)state;
	tdir_make(&t);
	/* no config: the default store is ./seam.db, which is not there */
	char *flows[] = {bin, "ctl", "flow", "list", NULL};
	assert_int_equal(run_in(&t, NULL, flows, &out), 1);
	snprintf(want, sizeof want, "sqlite %s/seam.db: no database there", t.work); /* absolute */
	expect(out, want);
	expect(out, "seam ctl never creates a store");
	expect(out, "-c PATH/seam.yaml");
	expect(out, "SEAM_CONFIG=PATH/seam.yaml");
	expect(out, "--store sqlite:///PATH/seam.db");
	free(out);
	char *keys[] = {bin, "ctl", "keys", "create", "--name", "shop", "--scopes", "ops:read", NULL};
	assert_int_equal(run_in(&t, NULL, keys, &out), 1);
	free(out);
	/* --store and a config naming a store that is not there: the same */
	char *store[] = {bin, "ctl", "--store", "sqlite://other.db", "keys", "list", NULL};
	assert_int_equal(run_in(&t, NULL, store, &out), 1);
	snprintf(want, sizeof want, "sqlite %s/other.db: no database there", t.work);
	expect(out, want);
	expect(out, "(the store is --store sqlite://other.db)");
	free(out);
	snprintf(text, sizeof text, "store: sqlite://%s/nope/seam.db\n", t.dir);
	th_write_file(t.cfg, text);
	char *withc[] = {bin, "ctl", "-c", t.cfg, "dlq", "list", NULL};
	assert_int_equal(run_in(&t, NULL, withc, &out), 1);
	snprintf(want, sizeof want, "sqlite %s/nope/seam.db: no database there", t.dir);
	expect(out, want);
	expect(out, "seam.yaml:1, config from -c)");
	free(out);
	assert_int_equal(entries(t.work), 0); /* no seam.db, no other.db, no -wal */
	th_rmrf(t.dir);
}

static void test_seam_config_everywhere(void **state)
{
	tdir_t t;
	char *out, text[400], base[64], url[128], auth[160], other[128];
	th_resp_t r;
	(void)state;
	tdir_make(&t);
	int port = th_free_port();
	snprintf(text, sizeof text, "listen: 127.0.0.1:%d\nstore: sqlite://%s/seam.db\n", port, t.dir);
	th_write_file(t.cfg, text);
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);

	char *check[] = {bin, "check", NULL};
	assert_int_equal(run_in(&t, t.cfg, check, &out), 0);
	snprintf(url, sizeof url, "%s: ok", t.cfg);
	expect(out, url);
	free(out);
	/* serve listens where SEAM_CONFIG says */
	char *serve[] = {bin, "serve", NULL};
	char slog[128];
	snprintf(slog, sizeof slog, "%s/serve.log", t.dir);
	pid_t pid = spawn_in(t.work, t.cfg, serve, slog);
	snprintf(url, sizeof url, "%s/readyz", base);
	assert_int_equal(th_wait_http(url, 5000), 0);
	/* ctl works on serve's store: a key it makes is accepted by the server */
	char *keys[] = {bin, "ctl", "keys", "create", "--name", "shop", "--scopes", "ops:read", NULL};
	assert_int_equal(run_in(&t, t.cfg, keys, &out), 0);
	char key[96] = {0};
	assert_non_null(strstr(out, "seam_"));
	sscanf(strstr(out, "seam_"), "%95s", key);
	free(out);
	snprintf(url, sizeof url, "%s/v1/whoami", base);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
	assert_int_equal(th_http("GET", url, (const char *[]){auth, NULL}, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	char *flows[] = {bin, "ctl", "flow", "list", NULL};
	assert_int_equal(run_in(&t, t.cfg, flows, &out), 0);
	free(out);
	th_stop(pid, SIGTERM, 5000);
	assert_int_equal(entries(t.work), 0); /* everything went to SEAM_CONFIG's store */

	/* -c wins over SEAM_CONFIG */
	snprintf(other, sizeof other, "%s/other.yaml", t.dir);
	th_write_file(other, "listen: 127.0.0.1:1\nlgo: {}\n");
	char *checkc[] = {bin, "check", "-c", other, NULL};
	assert_int_equal(run_in(&t, t.cfg, checkc, &out), 2);
	expect(out, "other.yaml:2: unknown key 'lgo' (did you mean 'log'?)");
	free(out);
	/* a SEAM_CONFIG naming no file is an error for every subcommand, not the defaults */
	snprintf(other, sizeof other, "%s/missing.yaml", t.dir);
	char *cmds[][5] = {{bin, "check", NULL}, {bin, "serve", NULL}, {bin, "ctl", "flow", "list", NULL}};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(run_in(&t, other, cmds[i], &out), 2);
		snprintf(text, sizeof text, "%s: cannot open: No such file or directory", other);
		expect(out, text);
		expect(out, "SEAM_CONFIG=");
		free(out);
	}
	assert_int_equal(entries(t.work), 0);
	th_rmrf(t.dir);
}

/* ---- item 17: messages and exit codes --------------------------------------------------- */

static void test_messages_point_at_the_line(void **state)
{
	tdir_t t;
	char *out;
	(void)state;
	tdir_make(&t);
	char *check[] = {bin, "check", "-c", t.cfg, NULL};
	th_write_file(t.cfg, "storez:\n  us: {}\n");
	assert_int_equal(run_in(&t, NULL, check, &out), 2);
	expect(out, "seam.yaml:1: unknown key 'storez' (did you mean 'stores'?)");
	free(out);
	th_write_file(t.cfg, "upstreams:\n"
			     "  drupal: {base_url: 'http://127.0.0.1:1'}\n"
			     "stores:\n"
			     "  us:\n"
			     "    drupal: {upstream: drupal}\n"
			     "    erp:\n"
			     "      upstream: epr\n");
	assert_int_equal(run_in(&t, NULL, check, &out), 2);
	expect(out, "seam.yaml:7: stores.us.erp.upstream: 'epr' is not defined in upstreams");
	free(out);
	th_rmrf(t.dir);
}

static void test_sim_config_errors_exit_2(void **state)
{
	tdir_t t;
	char *out, path[128];
	(void)state;
	tdir_make(&t);
	snprintf(path, sizeof path, "%s/sim.yaml", t.dir);
	char *sim[] = {simbin, "-c", path, NULL};
	th_write_file(path, "seed: 1\nnope: 1\n");
	assert_int_equal(run_in(&t, NULL, sim, &out), 2);
	expect(out, "sim.yaml:2: unknown key \"nope\"");
	free(out);
	th_write_file(path, "erp: {port: 1}\n"); /* found by the ERP double, not the loader */
	assert_int_equal(run_in(&t, NULL, sim, &out), 2);
	free(out);
	unlink(path);
	assert_int_equal(run_in(&t, NULL, sim, &out), 2); /* no such file */
	expect(out, "cannot open");
	free(out);
	th_rmrf(t.dir);
}

/* ---- issue 11: the simulators out of the product binary ---------------------------------- */

/* Symbols of path that belong to the doubles (seam_sim_*, and seam__sim_* internals), per nm;
 * -1 when nm could not be run. */
static long sim_symbols(const char *path)
{
	char cmd[PATH_MAX + 32], line[512];
	long n = 0;
	snprintf(cmd, sizeof cmd, "nm '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof line, p))
		n += strstr(line, " seam_sim_") || strstr(line, " seam__sim_");
	return pclose(p) == 0 ? n : -1;
}

/* 1 when the file's bytes contain s. */
static int file_has(const char *path, const char *s)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = strlen(s), have = 0, got;
	char buf[1 << 16];
	int found = 0;
	/* keep the last n-1 bytes of each block so a match across two blocks is seen */
	while (!found && (got = fread(buf + have, 1, sizeof buf - have, fp)) > 0) {
		have += got;
		found = memmem(buf, have, s, n) != NULL;
		if (have >= n) {
			memmove(buf, buf + have - (n - 1), n - 1);
			have = n - 1;
		}
	}
	fclose(fp);
	return found;
}

/* The product links no double: not one symbol of sim/ (the doubles' public seam_sim_* and
 * internal seam__sim_* names) and not the /_sim/ control paths every double serves. The same
 * two probes find both in seam-sim, so they cannot pass for want of looking (a stripped binary
 * fails here rather than passing). `seam sim` says where the doubles went and exits 2. */
static void test_product_has_no_simulator(void **state)
{
	tdir_t t;
	char *out;
	(void)state;
	long in_seam = sim_symbols(bin), in_sim = sim_symbols(simbin);
	print_message("sim symbols: seam %ld, seam-sim %ld\n", in_seam, in_sim);
	assert_int_equal(in_seam, 0);
	TH_ASSERT_CMP(in_sim, >, 0);
	assert_int_equal(file_has(bin, "/_sim/"), 0);
	assert_int_equal(file_has(simbin, "/_sim/"), 1);

	tdir_make(&t);
	char *sim[] = {bin, "sim", "-c", t.cfg, NULL};
	assert_int_equal(run_in(&t, NULL, sim, &out), 2);
	expect(out, "seam sim: the upstream simulators are their own binary now: run seam-sim");
	assert_int_equal(count(out, "\n"), 1); /* one line */
	free(out);
	char *help[] = {bin, "help", NULL};
	assert_int_equal(run_in(&t, NULL, help, &out), 0);
	if (strstr(out, "  sim "))
		fail_msg("seam help still lists sim:\n%s", out);
	free(out);
	th_rmrf(t.dir);
}

int main(void)
{
	if (!realpath(th_seam_bin(), bin)) {
		fprintf(stderr, "test_cli: no seam binary at %s\n", th_seam_bin());
		return 1;
	}
	if (!realpath(th_sim_bin(), simbin)) {
		fprintf(stderr, "test_cli: no seam-sim binary at %s\n", th_sim_bin());
		return 1;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_make_builds_seam),
		cmocka_unit_test(test_broken_mappings_stop_serve),
		cmocka_unit_test(test_store_urls_check_and_serve_agree),
		cmocka_unit_test(test_upstreams_check_and_serve_agree),
		cmocka_unit_test(test_no_config_check_and_serve_agree),
		cmocka_unit_test(test_ctl_never_creates_a_store),
		cmocka_unit_test(test_seam_config_everywhere),
		cmocka_unit_test(test_messages_point_at_the_line),
		cmocka_unit_test(test_sim_config_errors_exit_2),
		cmocka_unit_test(test_product_has_no_simulator),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
