/*
 * harness.h: helpers shared by seam's tests: temp dirs, files, free loopback ports, spawning
 * the real binaries (seam, seam-sim) and stopping them by PID, and a small libcurl HTTP client.
 * Linked into every test binary. Not thread-safe unless stated.
 */
#ifndef SEAM_TESTS_HARNESS_H
#define SEAM_TESTS_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

/* Path of the seam binary under test ($SEAM_BIN, else build/seam). */
const char *th_seam_bin(void);
/* Path of the simulators' binary ($SEAM_SIM_BIN, else build/seam-sim). */
const char *th_sim_bin(void);

/* mkdtemp under /tmp; th_rmrf removes the tree. */
void th_tmpdir(char out[64]);
void th_rmrf(const char *dir);
void th_write_file(const char *path, const char *text);
/* Reads a whole file (malloc'd, NUL-terminated) or NULL. */
char *th_read_file(const char *path);

/* A loopback port nothing listens on right now. */
int th_free_port(void);

/* Starts argv[0] with argv, stdout+stderr appended to logpath. Returns the PID (or -1). */
pid_t th_spawn(char *const argv[], const char *logpath);
/* Sends sig to pid, waits up to timeout_ms; returns the wait status, or -1 when it did not
 * exit (then it is SIGKILLed and reaped). */
int th_stop(pid_t pid, int sig, int timeout_ms);
/* Polls GET url until any HTTP answer or timeout. 0 when it answered. */
int th_wait_http(const char *url, int timeout_ms);

typedef struct th_resp {
	long status;
	char *body;      /* NUL-terminated, malloc'd */
	size_t len;
	char *headers;   /* raw response headers, malloc'd */
	int curl_code;   /* CURLcode; non-zero when no HTTP answer */
} th_resp_t;

/* One request. headers: NULL-terminated array of "Name: value". body may be NULL. */
int th_http(const char *method, const char *url, const char *const *headers, const char *body,
	    size_t body_len, th_resp_t *resp);
void th_resp_free(th_resp_t *resp);
/* Value of a response header (case-insensitive), copied into out; 0 when found. */
int th_resp_header(const th_resp_t *resp, const char *name, char *out, size_t cap);

/* The URL seam-sim printed for a double ("sim: erp http://127.0.0.1:PORT") in its log file.
 * 0 when found. */
int th_sim_url(const char *logpath, const char *name, char out[64]);
/* Starts `seam-sim -c config_path` with output to logpath and waits until every double named
 * in names (NULL-terminated) has printed its URL (urls[i], 64 bytes each). Returns the PID, or
 * -1 (then the sim was stopped). */
pid_t th_sim_start(const char *config_path, const char *logpath, const char *const *names,
		   char (*urls)[64]);
/* The first company id of the ERP double (OAuth2 client credentials). 0 when found. */
int th_erp_company(const char *erp_url, const char *client_id, const char *secret, char out[64]);
/* Runs a single-value query (count(*)) on a running instance's store through a second
 * connection (WAL readers do not block it). -1 when it cannot. */
long th_store_count(const char *db_url, const char *sql);

#endif
