/* harness.c: see harness.h. */
#include "tests/support/harness.h"

#include <jansson.h>

#include "core/crypto.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *th_seam_bin(void)
{
	const char *b = getenv("SEAM_BIN");
	return b && *b ? b : "build/seam";
}

const char *th_sim_bin(void)
{
	const char *b = getenv("SEAM_SIM_BIN");
	return b && *b ? b : "build/seam-sim";
}

void th_tmpdir(char out[64])
{
	snprintf(out, 64, "/tmp/seam-test-XXXXXX");
	if (!mkdtemp(out))
		abort();
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void th_rmrf(const char *dir)
{
	if (dir && strncmp(dir, "/tmp/seam-", 10) == 0)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void th_write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		abort();
	fputs(text, fp);
	fclose(fp);
}

char *th_read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf) {
		size_t got = fread(buf, 1, (size_t)n, fp);
		buf[got] = '\0';
	}
	fclose(fp);
	return buf;
}

int th_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t l = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
		abort();
	getsockname(fd, (struct sockaddr *)&a, &l);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

pid_t th_spawn(char *const argv[], const char *logpath)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int th_stop(pid_t pid, int sig, int timeout_ms)
{
	int st;
	if (pid <= 0)
		return -1;
	kill(pid, sig);
	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

int th_wait_http(const char *url, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 25) {
		th_resp_t r;
		if (th_http("GET", url, NULL, NULL, 0, &r) == 0 && r.status > 0) {
			th_resp_free(&r);
			return 0;
		}
		th_resp_free(&r);
		sleep_ms(25);
	}
	return -1;
}

struct buf {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	size_t add = size * n;
	char *np = realloc(b->p, b->len + add + 1);
	if (!np)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

int th_http(const char *method, const char *url, const char *const *headers, const char *body,
	    size_t body_len, th_resp_t *resp)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	struct buf b = {0}, h = {0};
	memset(resp, 0, sizeof *resp);
	if (!c)
		return -1;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	for (int i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	/* libcurl adds "Expect: 100-continue" for big bodies; tests want one plain exchange. */
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	resp->curl_code = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body = b.p ? b.p : calloc(1, 1);
	resp->len = b.len;
	resp->headers = h.p ? h.p : calloc(1, 1);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return resp->curl_code == 0 ? 0 : -1;
}

void th_resp_free(th_resp_t *resp)
{
	free(resp->body);
	free(resp->headers);
	resp->body = resp->headers = NULL;
}

int th_resp_header(const th_resp_t *resp, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	for (const char *p = resp->headers; p && *p;) {
		const char *eol = strstr(p, "\r\n");
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(out, cap, "%.*s", (int)(ll - (size_t)(v - p)), v);
			return 0;
		}
		p = eol ? eol + 2 : NULL;
	}
	return -1;
}

int th_sim_url(const char *logpath, const char *name, char out[64])
{
	char needle[48];
	char *log = th_read_file(logpath);
	int rc = -1;
	snprintf(needle, sizeof needle, "sim: %s ", name);
	const char *p = log ? strstr(log, needle) : NULL;
	if (p && sscanf(p + strlen(needle), "%63s", out) == 1)
		rc = 0;
	free(log);
	return rc;
}

pid_t th_sim_start(const char *config_path, const char *logpath, const char *const *names,
		   char (*urls)[64])
{
	char *argv[] = {(char *)th_sim_bin(), "-c", (char *)config_path, NULL};
	pid_t pid = th_spawn(argv, logpath);
	for (int tries = 0; tries < 200; tries++) {
		int found = 0, n = 0;
		for (; names[n]; n++)
			found += th_sim_url(logpath, names[n], urls[n]) == 0;
		if (found == n)
			return pid;
		sleep_ms(25);
	}
	char *log = th_read_file(logpath);
	fprintf(stderr, "seam-sim did not start: %s\n", log ? log : "(no output)");
	free(log);
	th_stop(pid, SIGTERM, 2000);
	return -1;
}

int th_erp_bearer(const char *erp_url, const char *client_id, const char *secret, char *out,
		  size_t cap)
{
	char url[200], body[300];
	snprintf(url, sizeof url, "%s/oauth2/v2.0/token", erp_url);
	snprintf(body, sizeof body, "grant_type=client_credentials&client_id=%s&client_secret=%s",
		 client_id, secret);
	json_t *t = th_json("POST", url, NULL, body, NULL);
	const char *tok = json_string_value(json_object_get(t, "access_token"));
	snprintf(out, cap, "Authorization: Bearer %s", tok ? tok : "");
	json_decref(t);
	return tok ? 0 : -1;
}

int th_erp_company(const char *erp_url, const char *client_id, const char *secret, char out[64])
{
	char url[200], bearer[2100];
	int rc = -1;
	th_erp_bearer(erp_url, client_id, secret, bearer, sizeof bearer);
	snprintf(url, sizeof url, "%s/api/v2.0/companies", erp_url);
	json_t *co = th_json("GET", url, (const char *[]){bearer, NULL}, NULL, NULL);
	const char *id = json_string_value(json_object_get(json_array_get(json_object_get(co, "value"), 0), "id"));
	if (id) {
		snprintf(out, 64, "%s", id);
		rc = 0;
	}
	json_decref(co);
	return rc;
}

static json_t *erp_orders(const char *erp_url, const char *auth, const char *company,
			  const char *number)
{
	char url[700];
	snprintf(url, sizeof url,
		 "%s/api/v2.0/companies(%s)/salesOrders?$filter=externalDocumentNumber%%20eq%%20%%27%s%%27",
		 erp_url, company, number);
	return th_json("GET", url, (const char *[]){auth, NULL}, NULL, NULL);
}

long th_erp_order_count(const char *erp_url, const char *auth, const char *company,
			const char *number)
{
	json_t *d = erp_orders(erp_url, auth, company, number);
	json_t *v = json_object_get(d, "value");
	long n = json_is_array(v) ? (long)json_array_size(v) : -1;
	json_decref(d);
	return n;
}

long th_erp_order_change(const char *erp_url, const char *auth, const char *company,
			 const char *number, const char *method, const char *body)
{
	char url[700], ifm[300];
	long st = -1;
	json_t *d = erp_orders(erp_url, auth, company, number);
	json_t *so = json_array_get(json_object_get(d, "value"), 0);
	if (so) {
		snprintf(url, sizeof url, "%s/api/v2.0/companies(%s)/salesOrders(%s)", erp_url,
			 company, json_string_value(json_object_get(so, "id")));
		snprintf(ifm, sizeof ifm, "If-Match: %s",
			 json_string_value(json_object_get(so, "@odata.etag")));
		const char *h[] = {auth, ifm, "Content-Type: application/json", NULL};
		json_decref(th_json(method, url, h, body, &st));
	}
	json_decref(d);
	return st;
}

long th_store_count(const char *db_url, const char *sql)
{
	seam_store_t *st = NULL;
	seam_store_opts_t o = {.pool_size = 1, .busy_timeout_ms = 30000};
	seam_error_t err = {0};
	seam_stmt_t *s;
	long n = -1;
	if (seam_store_open(db_url, &o, &st, &err) != SEAM_OK) {
		fprintf(stderr, "th_store_count: %s\n", err.msg);
		return -1;
	}
	seam_db_t *db = seam_store_acquire(st);
	if (seam_db_prepare(db, sql, &s, &err) == SEAM_OK && seam_stmt_step(s, &err) == SEAM_ROW)
		n = (long)seam_stmt_column_int64(s, 0);
	seam_store_release(st, db);
	seam_store_close(st);
	return n;
}

/* ---- end-to-end fixtures ---- */

int th_pg_database(const char *dir, const char *name, char *url, size_t cap)
{
	const char *pg = getenv("SEAM_TEST_PG");
	if (!pg || !*pg)
		return 0;
	/* a database of its own on the tests' PostgreSQL cluster (scripts/pg-test.sh):
	 * SEAM_TEST_PG is the cluster's socket directory */
	char db[96], drop[160], create[160], admin[192];
	const char *base = strrchr(dir, '/');
	snprintf(db, sizeof db, "t_%s_%s", base ? base + 1 : dir, name);
	for (char *p = db; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			*p = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : '_';
	snprintf(url, cap, "postgresql://seam@/%s?host=%s", db, pg);
	snprintf(drop, sizeof drop, "DROP DATABASE IF EXISTS %s", db);
	snprintf(create, sizeof create, "CREATE DATABASE %s", db);
	snprintf(admin, sizeof admin, "postgresql://seam@/seam_test?host=%s", pg);
	seam_store_t *st = NULL;
	seam_store_opts_t o = {.pool_size = 1};
	seam_error_t err = {0};
	if (seam_store_open(admin, &o, &st, &err) != SEAM_OK) {
		fprintf(stderr, "th_pg_database: %s\n", err.msg);
		abort();
	}
	seam_db_t *h = seam_store_acquire(st);
	if (seam_db_exec(h, drop, &err) != SEAM_OK || seam_db_exec(h, create, &err) != SEAM_OK)
		fprintf(stderr, "th_pg_database: %s\n", err.msg);
	seam_store_release(st, h);
	seam_store_close(st);
	return 1;
}

void th_seam_init(th_seam_t *s, const char *dir, const char *name)
{
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "%s", dir);
	snprintf(s->cfg, sizeof s->cfg, "%s/%s.yaml", dir, name);
	snprintf(s->log, sizeof s->log, "%s/%s.log", dir, name);
	snprintf(s->db_url, sizeof s->db_url, "sqlite://%s/%s.db", dir, name);
	th_pg_database(dir, name, s->db_url, sizeof s->db_url);
	s->port = th_free_port();
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
}

void th_seam_write_config(const th_seam_t *s, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	th_write_file(s->cfg, text);
	free(text);
}

int th_seam_start(th_seam_t *s, int timeout_ms)
{
	char u[96];
	char *argv[] = {(char *)th_seam_bin(), "serve", "-c", s->cfg, NULL};
	s->pid = th_spawn(argv, s->log);
	/* GET / (the route table), not /healthz: tests count the health checks they make. */
	return th_wait_http(th_seam_url(s, "/", u, sizeof u), timeout_ms);
}

int th_seam_stop(th_seam_t *s, int sig, int timeout_ms)
{
	if (s->pid <= 0)
		return -1;
	int st = th_stop(s->pid, sig, timeout_ms);
	s->pid = 0;
	return st;
}

int th_seam_ctl(const th_seam_t *s, const char *const *args, char **out)
{
	static int seq; /* one output file per run */
	char path[192];
	char *argv[24] = {(char *)th_seam_bin(), "ctl", "-c", (char *)s->cfg};
	int n = 4, st = 0;
	for (; args && args[n - 4] && n < 23; n++)
		argv[n] = (char *)args[n - 4];
	argv[n] = NULL;
	snprintf(path, sizeof path, "%s/ctl-%d.out", s->dir, __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	pid_t p = th_spawn(argv, path);
	if (p < 0 || waitpid(p, &st, 0) != p) {
		*out = NULL;
		return -1;
	}
	*out = th_read_file(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *th_seam_url(const th_seam_t *s, const char *path, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s", s->base, path);
	return out;
}

void th_cleanup_dir(const char *dir)
{
	if (getenv("SEAM_E2E_KEEP"))
		fprintf(stderr, "kept %s\n", dir);
	else
		th_rmrf(dir);
}

void th_e2e_teardown(th_seam_t *s, pid_t sim_pid, int timeout_ms, const char *dir)
{
	th_seam_stop(s, SIGTERM, timeout_ms);
	if (sim_pid > 0)
		th_stop(sim_pid, SIGTERM, 5000);
	th_cleanup_dir(dir);
}

json_t *th_json(const char *method, const char *url, const char *const *headers, const char *body,
		long *status)
{
	th_resp_t r;
	th_http(method, url, headers, body, body ? strlen(body) : 0, &r);
	if (status)
		*status = r.status;
	json_t *doc = json_loads(r.body, 0, NULL);
	th_resp_free(&r);
	return doc;
}

char *th_get_text(const char *url)
{
	th_resp_t r;
	th_http("GET", url, NULL, NULL, 0, &r);
	char *b = r.body;
	r.body = NULL;
	th_resp_free(&r);
	return b;
}

void th_stripe_signature(const char *secret, int64_t t, const char *body, char *out, size_t cap)
{
	char ts[32], hex[65];
	uint8_t mac[32];
	snprintf(ts, sizeof ts, "%lld", (long long)t);
	const void *parts[] = {ts, ".", body};
	size_t lens[] = {strlen(ts), 1, strlen(body)};
	seam_hmac_sha256_parts(secret, strlen(secret), parts, lens, 3, mac);
	seam_hex_encode(mac, 32, hex);
	snprintf(out, cap, "Stripe-Signature: t=%s,v1=%s", ts, hex);
}

long th_stripe_post(const char *url, const char *secret, const char *body)
{
	char sig[200];
	th_resp_t r;
	th_stripe_signature(secret, (int64_t)time(NULL), body, sig, sizeof sig);
	th_http("POST", url, (const char *[]){sig, "Content-Type: application/json", NULL}, body,
		strlen(body), &r);
	long st = r.status;
	th_resp_free(&r);
	return st;
}

double th_metric(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && (p = strstr(p, series)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

double th_metric_sum(const char *text, const char *prefix)
{
	double sum = 0;
	for (const char *p = text; p && (p = strstr(p, prefix)); p++) {
		if (p != text && p[-1] != '\n')
			continue;
		const char *sp = strchr(p, ' ');
		if (sp)
			sum += strtod(sp + 1, NULL);
	}
	return sum;
}
