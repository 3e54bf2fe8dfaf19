/*
 * harness.h: helpers shared by seam's tests: temp dirs, files, free loopback ports, spawning
 * the real binaries (seam, seam-sim) and stopping them by PID, a small libcurl HTTP client,
 * and the fixtures of the end-to-end tests (one seam instance with its config, log and store;
 * JSON calls; signed Stripe events; Prometheus values; the ERP double's token).
 * Linked into every test binary. Not thread-safe unless stated.
 */
#ifndef SEAM_TESTS_HARNESS_H
#define SEAM_TESTS_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
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

/* ---- end-to-end fixtures ---- */

/* One `seam serve` under test: its files under dir, named after name, and a free port. */
typedef struct th_seam {
	char dir[64];     /* the test's temp dir (borrowed name, copied) */
	char cfg[160];    /* <dir>/<name>.yaml */
	char log[160];    /* <dir>/<name>.log: what serve writes to stdout and stderr */
	char db_url[192]; /* sqlite://<dir>/<name>.db */
	char base[64];    /* http://127.0.0.1:<port> */
	int port;         /* free when init ran: for the config's listen: */
	pid_t pid;        /* 0 when not running */
} th_seam_t;

/* With SEAM_TEST_PG set (the socket directory of scripts/pg-test.sh's cluster, as make e2e-pg
 * sets it): (re)creates the database t_<basename of dir>_<name> there, writes its URL to url
 * and returns 1. Without it: 0 and url untouched. */
int th_pg_database(const char *dir, const char *name, char *url, size_t cap);

/* Fills s (nothing is written or started); its store is on PostgreSQL under SEAM_TEST_PG. */
void th_seam_init(th_seam_t *s, const char *dir, const char *name);
/* Writes s->cfg from a format (the test puts listen: and store: in with s->port, s->db_url). */
__attribute__((format(printf, 2, 3)))
void th_seam_write_config(const th_seam_t *s, const char *fmt, ...);
/* Starts `seam serve -c s->cfg` (output appended to s->log) and waits up to timeout_ms for
 * it to answer HTTP (GET /). 0 when it did. */
int th_seam_start(th_seam_t *s, int timeout_ms);
/* Sends sig (SIGTERM, SIGKILL) and waits as th_stop does; s->pid is 0 after. -1 when it was
 * not running or did not exit. */
int th_seam_stop(th_seam_t *s, int sig, int timeout_ms);
/* Runs `seam ctl -c s->cfg args...` (args NULL-terminated) to completion. Returns the exit
 * code (-1 when it did not exit), the output (stdout and stderr) in *out (malloc'd). */
int th_seam_ctl(const th_seam_t *s, const char *const *args, char **out);
/* s->base followed by path, into out. Returns out. */
char *th_seam_url(const th_seam_t *s, const char *path, char *out, size_t cap);
/* Removes dir, or keeps it and says so when SEAM_E2E_KEEP is set. */
void th_cleanup_dir(const char *dir);
/* The end of an e2e fixture: stops seam (SIGTERM, up to timeout_ms), then the simulators
 * (sim_pid; 0 for none), then th_cleanup_dir(dir). */
void th_e2e_teardown(th_seam_t *s, pid_t sim_pid, int timeout_ms, const char *dir);

/* One request whose answer is JSON: the body parsed (new reference; NULL when it is not
 * JSON), the status in *status (may be NULL; 0 without an answer). headers may be NULL. */
json_t *th_json(const char *method, const char *url, const char *const *headers, const char *body,
		long *status);
/* GET url: the body (malloc'd). */
char *th_get_text(const char *url);

/* The header line "Stripe-Signature: t=<t>,v1=<hmac>" of body signed with secret at Unix
 * time t (seconds). */
void th_stripe_signature(const char *secret, int64_t t, const char *body, char *out, size_t cap);
/* POSTs body to url as Stripe would, signed with secret now. Returns the status. */
long th_stripe_post(const char *url, const char *secret, const char *body);

/* The value of one sample line of Prometheus text: the line that starts with series
 * ("name{labels}" as written) and a space; -1 when there is none. */
double th_metric(const char *text, const char *series);
/* The sum of the sample lines that start with prefix ("name{store=\"us\"" for a label). */
double th_metric_sum(const char *text, const char *prefix);

/* "Authorization: Bearer <token>" from the ERP double's token endpoint. 0 when it gave one. */
int th_erp_bearer(const char *erp_url, const char *client_id, const char *secret, char *out,
		  size_t cap);
/* The ERP double's sales orders whose external document number is `number`: how many (-1 when
 * the ERP did not answer). auth: the "Authorization: Bearer ..." header. */
long th_erp_order_count(const char *erp_url, const char *auth, const char *company,
			const char *number);
/* Changes the first of them as a person in the ERP would: method "DELETE" (body NULL) or
 * "PATCH" (a JSON body), with its ETag in If-Match. The HTTP status, or -1 when there is none. */
long th_erp_order_change(const char *erp_url, const char *auth, const char *company,
			 const char *number, const char *method, const char *body);

#endif
