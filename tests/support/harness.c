/* harness.c: see harness.h. */
#include "tests/support/harness.h"

#include <jansson.h>

#include "store/store.h"

#include <arpa/inet.h>
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

int th_erp_company(const char *erp_url, const char *client_id, const char *secret, char out[64])
{
	char url[200], body[300], bearer[2100];
	th_resp_t r;
	int rc = -1;
	snprintf(url, sizeof url, "%s/oauth2/v2.0/token", erp_url);
	snprintf(body, sizeof body, "grant_type=client_credentials&client_id=%s&client_secret=%s",
		 client_id, secret);
	th_http("POST", url, NULL, body, strlen(body), &r);
	json_t *t = json_loads(r.body, 0, NULL);
	th_resp_free(&r);
	const char *tok = json_string_value(json_object_get(t, "access_token"));
	snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", tok ? tok : "");
	json_decref(t);
	snprintf(url, sizeof url, "%s/api/v2.0/companies", erp_url);
	th_http("GET", url, (const char *[]){bearer, NULL}, NULL, 0, &r);
	json_t *co = json_loads(r.body, 0, NULL);
	th_resp_free(&r);
	const char *id = json_string_value(json_object_get(json_array_get(json_object_get(co, "value"), 0), "id"));
	if (id) {
		snprintf(out, 64, "%s", id);
		rc = 0;
	}
	json_decref(co);
	return rc;
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
