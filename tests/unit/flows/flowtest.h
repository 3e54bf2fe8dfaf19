/*
 * flowtest.h: what the flow handler tests share (header-only, like the queue's qtest.h): a
 * migrated store, a queue on a manual clock (so a retry's run_at is exact and a retry runs
 * only when the test moves the time), the storefront and the ERP as two programmable
 * upstreams (tests/support/mock_upstream.h: each answers its queued responses in order and
 * records what it was sent), and the config the flows read, written with the mocks' URLs.
 *
 * A test queues the answers an exchange needs, enqueues the job the way ingress or the poller
 * would, runs it (ft_run / ft_tick), and asserts the job's outcome, what the upstreams were
 * sent, and the rows the flow wrote. One worker: requests arrive in the order the handler
 * makes them.
 */
#ifndef SEAM_TESTS_FLOWTEST_H
#define SEAM_TESTS_FLOWTEST_H

#include "tests/unit/queue/qtest.h"

#include "app/app.h"
#include "app/config.h"
#include "app/registry.h"
#include "contract/registry.h"
#include "core/metrics.h"
#include "flows/flow.h"
#include "http/client.h"
#include "queue/queue.h"
#include "tests/support/mock_upstream.h"
#include "tests/support/th_assert.h"
#include "tests/support/th_clock.h"

#define FT_T0 1800000000000LL  /* the manual clock's start */
#define FT_ERP_TIMEOUT_MS 300  /* the ERP upstream's timeout: an ambiguous create waits 2x */
#define FT_COMPANY "c0ffee00-1111-4222-8333-444444444444"
#define FT_GATEWAY "72efaf0a-6493-4b11-a855-6a48a2f5c7df"

typedef struct ft {
	qt_env_t env;
	th_clock_t clk;
	seam_queue_t *q;
	seam_metrics_t *m;
	seam_config_t *cfg;
	th_mock_t *drupal_mk, *erp_mk;
	seam_upstream_t *drupal, *erp;
	seam_flow_env_t fenv;
	seam_contracts_t *contracts; /* the built-in registry, as the root opens it */
} ft_t;

static seam_upstream_t *ft_upstream(void *ud, const char *name)
{
	ft_t *f = ud;
	if (!strcmp(name, "drupal"))
		return f->drupal;
	if (!strcmp(name, "erp"))
		return f->erp;
	return NULL;
}

static inline seam_upstream_t *ft_mk_upstream(const char *name, const char *base, int64_t timeout_ms,
					      const char *token)
{
	seam_error_t err = {0};
	seam_upstream_opts_t uo = {.name = name, .base_url = base, .timeout_ms = timeout_ms,
				   .auth = {.type = SEAM_AUTH_BEARER, .token = token}};
	seam_upstream_t *u = seam_upstream_create(&uo, NULL, NULL, &err);
	if (!u)
		fail_msg("upstream %s: %s", name, err.msg);
	return u;
}

/* Opens everything but the flow (the test creates it on f->fenv, then calls ft_start). */
static inline void ft_open(ft_t *f)
{
	char drupal[64], erp[80], text[2048];
	seam_cfg_diag_t diag = {0};
	memset(f, 0, sizeof *f);
	f->drupal_mk = th_mock_start("application/vnd.api+json");
	f->erp_mk = th_mock_start("application/json");
	snprintf(drupal, sizeof drupal, "http://127.0.0.1:%d", th_mock_port(f->drupal_mk));
	snprintf(erp, sizeof erp, "http://127.0.0.1:%d/api/v2.0", th_mock_port(f->erp_mk));
	setenv("FT_TOKEN", "tok-test", 1);
	/* poll_interval 0: no poller job takes answers meant for the job under test. */
	snprintf(text, sizeof text,
		 "upstreams:\n"
		 "  drupal: {base_url: '%s', timeout: 2s, auth: {type: bearer, token: {env: FT_TOKEN}}}\n"
		 "  erp: {base_url: '%s', timeout: %dms, auth: {type: bearer, token: {env: FT_TOKEN}}}\n"
		 "stores:\n"
		 "  us:\n"
		 "    drupal: {upstream: drupal, poll_interval: 0, payment_gateway: %s}\n"
		 "    erp: {upstream: erp, company: %s, customer: WEB0001, shipping_account: '6130'}\n",
		 drupal, erp, FT_ERP_TIMEOUT_MS, FT_GATEWAY, FT_COMPANY);
	if (seam_config_load_text(seam_app_flows(), "flowtest.yaml", text, strlen(text), &f->cfg,
				  &diag) != SEAM_OK) {
		seam_cfg_diag_print(&diag, stderr);
		seam_cfg_diag_dispose(&diag);
		fail_msg("config does not load");
	}
	seam_cfg_diag_dispose(&diag);
	f->drupal = ft_mk_upstream("drupal", drupal, 2000, "tok-test");
	f->erp = ft_mk_upstream("erp", erp, FT_ERP_TIMEOUT_MS, "tok-test");
	qt_open(&f->env);
	f->m = seam_metrics_create();
	th_clock_init(&f->clk, FT_T0);
	seam_queue_opts_t qo = {.workers = 1, .poll_ms = 50, .backoff_base_ms = 100,
				.backoff_cap_ms = 100, .retain_ms = -1, .metrics = f->m,
				.clock = th_clock_get(&f->clk)};
	seam_error_t err = {0};
	if (seam_queue_create(f->env.st, &qo, &f->q, &err) != SEAM_OK)
		fail_msg("queue: %s", err.msg);
	if (seam_contracts_open(&f->contracts, &err) != SEAM_OK)
		fail_msg("contracts: %s", err.msg);
}

/* The env the root would hand flow def (its config section included): call before the flow's
 * create. */
static inline void ft_env(ft_t *f, const seam_flow_def_t *def)
{
	seam_app_flow_env(NULL, f->cfg, def, &f->fenv);
	f->fenv.store = f->env.st;
	f->fenv.metrics = f->m;
	f->fenv.queue = f->q;
	f->fenv.upstream = ft_upstream;
	f->fenv.upstream_ud = f;
	f->fenv.contracts = f->contracts;
}

/* Registers def's job handlers with the flow instance inst, as the root does after create. */
static inline void ft_register(ft_t *f, const seam_flow_def_t *def, void *inst)
{
	for (size_t j = 0; j < def->njobs; j++)
		if (seam_queue_register(f->q, def->jobs[j].kind, def->jobs[j].run, inst) != SEAM_OK)
			fail_msg("register %s", def->jobs[j].kind);
}

static inline void ft_start(ft_t *f)
{
	seam_error_t err = {0};
	if (seam_queue_start(f->q, &err) != SEAM_OK)
		fail_msg("queue start: %s", err.msg);
}

/* Stops the queue; the flow is destroyed by the test after this, then ft_close. */
static inline void ft_stop(ft_t *f)
{
	seam_queue_stop(f->q);
}

static inline void ft_close(ft_t *f)
{
	seam_queue_destroy(f->q);
	seam_metrics_destroy(f->m);
	qt_close(&f->env);
	seam_upstream_destroy(f->drupal);
	seam_upstream_destroy(f->erp);
	th_mock_stop(f->drupal_mk);
	th_mock_stop(f->erp_mk);
	seam_config_free(f->cfg);
	seam_contracts_close(f->contracts);
}

/* Enqueues a job as ingress would (its own correlation id); id gets the job id. */
static inline void ft_enqueue(ft_t *f, const char *kind, const char *flow, const char *dedup,
			      const char *payload, char id[37])
{
	seam_db_t *db = seam_store_acquire(f->env.st);
	seam_error_t err = {0};
	seam_job_spec_t spec = {.kind = kind, .flow = flow, .dedup_key = dedup, .payload = payload,
				.correlation_id = "cid-flowtest", .max_attempts = 5};
	if (seam_queue_enqueue(f->q, db, &spec, id, NULL, &err) != SEAM_OK)
		fail_msg("enqueue: %s", err.msg);
	seam_store_release(f->env.st, db);
}

/* Waits until the job has finished n attempts (each attempt row closed); returns its state. */
static inline char *ft_wait_attempts(ft_t *f, const char *id, int n, char state[16])
{
	assert_int_equal(qt_wait_int(f->env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = $1 "
				     "AND outcome <> 'running'", id, n, 5000), n);
	assert_int_equal(qt_int(f->env.st, "SELECT COUNT(*) FROM job_attempt_log WHERE job_id = $1", id), n);
	return qt_text(f->env.st, "SELECT state FROM jobs WHERE id = $1", id, state, 16);
}

/* Moves the time on (a retry comes due) and wakes the queue. */
static inline void ft_tick(ft_t *f, int64_t ms)
{
	th_clock_advance(&f->clk, ms);
	seam_queue_notify(f->q);
}

/* The i-th request an upstream received (fails the test when it did not arrive). */
static inline const th_mock_seen_t *ft_seen(th_mock_t *mk, int i)
{
	const th_mock_seen_t *s = th_mock_seen(mk, i);
	if (!s)
		fail_msg("request %d was not received (%d seen)", i, th_mock_nseen(mk));
	return s;
}

/* Queues a JSON answer read from a file (mappings/samples/...). */
static inline void ft_push_file(th_mock_t *mk, int status, const char *path)
{
	char *text = th_read_file(path);
	if (!text)
		fail_msg("%s: cannot read (run from the repository root)", path);
	th_mock_push(mk, status, text, NULL, 0, NULL, NULL);
	free(text);
}

/* The timeline events of an entity, oldest first, comma-separated, into out. */
static inline char *ft_timeline(ft_t *f, const char *entity_id, char *out, size_t cap)
{
	return qt_text(f->env.st, "SELECT group_concat(event, ',') FROM (SELECT event FROM timeline "
		       "WHERE entity_id = $1 ORDER BY id)", entity_id, out, cap);
}

#endif
