/* test_oauth.c: the OAuth2 token cache with an injected fetcher and clock: one fetch for many
 * concurrent first callers, refresh ahead of expiry (80% / 30 s rule), the refresh_token grant
 * and its fallback to the primary grant, the old token served while a refresh runs or after it
 * failed, errors shared by waiters, the hold-off after a failure, invalidation after a 401,
 * deadlines, and configuration errors. The HTTP fetcher is tested in test_client.c against a
 * real token endpoint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "http/oauth.h"
#include "tests/support/th_assert.h"

typedef struct fake {
	pthread_mutex_t mu;
	int calls;
	int n_cc, n_password, n_refresh;
	int issued;            /* tokens issued so far */
	int64_t expires_in_ms; /* for new tokens */
	int give_refresh;      /* hand out refresh tokens */
	int refuse_refresh;    /* answer the refresh grant with SEAM_AUTH */
	seam_err_t fail;       /* != SEAM_OK: every grant fails with it */
	int sleep_ms;          /* simulated latency */
	char last_refresh[32]; /* refresh token presented */
	int64_t now_ms;        /* the injected clock */
} fake_t;

static int64_t fake_clock(void *ud)
{
	fake_t *f = ud;
	int64_t t;
	pthread_mutex_lock(&f->mu);
	t = f->now_ms;
	pthread_mutex_unlock(&f->mu);
	return t;
}

static void advance(fake_t *f, int64_t ms)
{
	pthread_mutex_lock(&f->mu);
	f->now_ms += ms;
	pthread_mutex_unlock(&f->mu);
}

static seam_err_t fake_fetch(void *ud, const char *grant_type, const char *refresh_token,
			     seam_oauth_tokens_t *out, seam_error_t *err)
{
	fake_t *f = ud;
	char buf[32];
	int sleep_ms;
	seam_err_t rc = SEAM_OK;
	pthread_mutex_lock(&f->mu);
	f->calls++;
	sleep_ms = f->sleep_ms;
	if (strcmp(grant_type, "client_credentials") == 0)
		f->n_cc++;
	else if (strcmp(grant_type, "password") == 0)
		f->n_password++;
	else if (strcmp(grant_type, "refresh_token") == 0) {
		f->n_refresh++;
		snprintf(f->last_refresh, sizeof f->last_refresh, "%s", refresh_token);
		if (f->refuse_refresh)
			rc = seam_errorf(err, SEAM_AUTH, "HTTP 400 invalid_grant");
	}
	if (rc == SEAM_OK && f->fail != SEAM_OK)
		rc = seam_errorf(err, f->fail, "HTTP 503");
	if (rc == SEAM_OK) {
		f->issued++;
		snprintf(buf, sizeof buf, "tok%d", f->issued);
		out->access_token = strdup(buf);
		if (f->give_refresh) {
			snprintf(buf, sizeof buf, "ref%d", f->issued);
			out->refresh_token = strdup(buf);
		}
		out->expires_in_ms = f->expires_in_ms;
	}
	pthread_mutex_unlock(&f->mu);
	if (sleep_ms)
		seam_sleep_ms(sleep_ms);
	return rc;
}

static seam_oauth_t *make(fake_t *f, seam_oauth_grant_e grant)
{
	seam_error_t err = {0};
	seam_oauth_opts_t o = {
		.upstream = "pim", .grant = grant, .fetch = fake_fetch, .fetch_ud = f,
		.clock = fake_clock, .clock_ud = f,
	};
	seam_oauth_t *oa = seam_oauth_create(&o, NULL, NULL, &err);
	if (!oa)
		fail_msg("create: %s", err.msg);
	return oa;
}

static void fake_init(fake_t *f)
{
	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
	f->expires_in_ms = 3600 * 1000;
	f->now_ms = 1000000;
}

/* Gets a token and checks it equals want. */
static void expect_token(seam_oauth_t *oa, const char *want)
{
	char *tok = NULL;
	seam_error_t err = {0};
	seam_err_t rc = seam_oauth_token(oa, 0, "cid", &tok, &err);
	if (rc != SEAM_OK)
		fail_msg("token: %s (%s)", seam_strerror(rc), err.msg);
	assert_string_equal(tok, want);
	free(tok);
}

typedef struct {
	seam_oauth_t *oa;
	seam_err_t rc;
	char tok[32];
	int64_t deadline_ns;
	int64_t took_ms;
} getter_t;

static pthread_barrier_t barrier;

static void *getter(void *p)
{
	getter_t *g = p;
	char *tok = NULL;
	seam_error_t err = {0};
	pthread_barrier_wait(&barrier);
	int64_t t0 = seam_mono_ns();
	g->rc = seam_oauth_token(g->oa, g->deadline_ns, NULL, &tok, &err);
	g->took_ms = (seam_mono_ns() - t0) / 1000000;
	if (tok)
		snprintf(g->tok, sizeof g->tok, "%s", tok);
	free(tok);
	return NULL;
}

/* Runs n concurrent getters. */
static void run_getters(getter_t *g, int n, seam_oauth_t *oa, int64_t deadline_ns)
{
	pthread_t th[16];
	pthread_barrier_init(&barrier, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		memset(&g[i], 0, sizeof g[i]);
		g[i].oa = oa;
		g[i].deadline_ns = deadline_ns;
		pthread_create(&th[i], NULL, getter, &g[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
}

static void test_single_fetch_for_concurrent_callers(void **state)
{
	fake_t f;
	getter_t g[8];
	(void)state;
	fake_init(&f);
	f.sleep_ms = 100; /* keep the fetch in flight while the others arrive */
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	run_getters(g, 8, oa, 0);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(g[i].rc, SEAM_OK);
		assert_string_equal(g[i].tok, "tok1");
	}
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.n_cc, 1);
	assert_int_equal(seam_oauth_fetch_count(oa), 1);
	/* cached afterwards */
	expect_token(oa, "tok1");
	assert_int_equal(f.calls, 1);
	seam_oauth_destroy(oa);
}

static void test_refresh_schedule(void **state)
{
	fake_t f;
	(void)state;
	fake_init(&f);
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_PASSWORD);
	/* an hour-long token is refreshed at 80% (2880 s) */
	expect_token(oa, "tok1");
	assert_int_equal(f.n_password, 1);
	advance(&f, 2879 * 1000);
	expect_token(oa, "tok1");
	assert_int_equal(f.calls, 1);
	advance(&f, 1000);
	expect_token(oa, "tok2");
	assert_int_equal(f.calls, 2);
	assert_int_equal(f.n_password, 2); /* no refresh token given: the primary grant again */

	/* a one-minute token is refreshed 30 s before its end */
	f.expires_in_ms = 60 * 1000;
	advance(&f, 3600 * 1000);
	expect_token(oa, "tok3");
	advance(&f, 29 * 1000);
	expect_token(oa, "tok3");
	advance(&f, 1000);
	expect_token(oa, "tok4");
	assert_int_equal(f.calls, 4);
	seam_oauth_destroy(oa);
}

static void test_refresh_token_grant_and_fallback(void **state)
{
	fake_t f;
	(void)state;
	fake_init(&f);
	f.give_refresh = 1;
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	expect_token(oa, "tok1");
	advance(&f, 2900 * 1000);
	expect_token(oa, "tok2");
	assert_int_equal(f.n_refresh, 1);
	assert_string_equal(f.last_refresh, "ref1");
	assert_int_equal(f.n_cc, 1);
	/* the server rotated the refresh token; the next refresh presents the new one */
	advance(&f, 2900 * 1000);
	expect_token(oa, "tok3");
	assert_string_equal(f.last_refresh, "ref2");
	/* refresh refused (revoked): authenticate again with the primary grant */
	f.refuse_refresh = 1;
	advance(&f, 2900 * 1000);
	expect_token(oa, "tok4");
	assert_int_equal(f.n_refresh, 3);
	assert_int_equal(f.n_cc, 2);
	seam_oauth_destroy(oa);
}

static void test_old_token_while_refreshing(void **state)
{
	fake_t f;
	getter_t g[4];
	(void)state;
	fake_init(&f);
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	expect_token(oa, "tok1");
	/* past the refresh point but before expiry; the refresh is slow */
	advance(&f, 3000 * 1000);
	f.sleep_ms = 300;
	run_getters(g, 4, oa, 0);
	/* exactly one thread fetched (and waited for it); nobody else waited */
	int slow = 0, old = 0;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(g[i].rc, SEAM_OK);
		if (g[i].took_ms >= 250) {
			slow++;
			assert_string_equal(g[i].tok, "tok2");
		} else {
			old += strcmp(g[i].tok, "tok1") == 0;
		}
	}
	assert_int_equal(slow, 1);
	TH_ASSERT_CMP(old, >=, 1); /* at least one served the old token during the refresh */
	assert_int_equal(f.calls, 2);
	seam_oauth_destroy(oa);
}

static void test_failed_refresh_keeps_old_token_and_holds_off(void **state)
{
	fake_t f;
	(void)state;
	fake_init(&f);
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	expect_token(oa, "tok1");
	advance(&f, 3000 * 1000);
	f.fail = SEAM_RETRY;
	expect_token(oa, "tok1"); /* the refresh failed; the old token is still valid */
	assert_int_equal(f.calls, 2);
	expect_token(oa, "tok1"); /* within the hold-off: no new attempt */
	assert_int_equal(f.calls, 2);
	advance(&f, 1000);
	f.fail = SEAM_OK;
	expect_token(oa, "tok2");
	assert_int_equal(f.calls, 3);
	seam_oauth_destroy(oa);
}

static void test_failure_shared_by_waiters(void **state)
{
	fake_t f;
	getter_t g[6];
	(void)state;
	fake_init(&f);
	f.fail = SEAM_AUTH;
	f.sleep_ms = 150;
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	run_getters(g, 6, oa, 0);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(g[i].rc, SEAM_AUTH);
		assert_string_equal(g[i].tok, "");
	}
	assert_int_equal(f.calls, 1);
	/* after the hold-off a new caller tries again */
	advance(&f, 1000);
	f.fail = SEAM_OK;
	f.sleep_ms = 0;
	expect_token(oa, "tok1");
	assert_int_equal(f.calls, 2);
	seam_oauth_destroy(oa);
}

static void test_expired_token_never_served(void **state)
{
	fake_t f;
	char *tok = NULL;
	seam_error_t err = {0};
	(void)state;
	fake_init(&f);
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	expect_token(oa, "tok1");
	advance(&f, 3600 * 1000); /* expired */
	f.fail = SEAM_RETRY;
	assert_int_equal(seam_oauth_token(oa, 0, NULL, &tok, &err), SEAM_RETRY);
	assert_null(tok);
	assert_non_null(strstr(err.msg, "503"));
	seam_oauth_destroy(oa);
}

static void test_invalidate(void **state)
{
	fake_t f;
	(void)state;
	fake_init(&f);
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	expect_token(oa, "tok1");
	seam_oauth_invalidate(oa, "some-other-token"); /* not ours: nothing happens */
	expect_token(oa, "tok1");
	assert_int_equal(f.calls, 1);
	seam_oauth_invalidate(oa, "tok1");
	expect_token(oa, "tok2");
	assert_int_equal(f.calls, 2);
	seam_oauth_invalidate(NULL, "tok2");
	seam_oauth_destroy(oa);
}

static void test_deadline_while_waiting(void **state)
{
	fake_t f;
	getter_t g[2];
	(void)state;
	fake_init(&f);
	f.sleep_ms = 400;
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	run_getters(g, 2, oa, seam_mono_ns() + 100 * 1000000);
	/* one thread fetched (its own deadline only bounds waiting); the other gave up waiting */
	int ok = 0, timeout = 0;
	for (int i = 0; i < 2; i++) {
		if (g[i].rc == SEAM_OK)
			ok++;
		if (g[i].rc == SEAM_TIMEOUT) {
			timeout++;
			TH_ASSERT_CMP(g[i].took_ms, <, 300);
		}
	}
	assert_int_equal(ok, 1);
	assert_int_equal(timeout, 1);
	seam_oauth_destroy(oa);
}

static void test_missing_expires_in_defaults(void **state)
{
	fake_t f;
	(void)state;
	fake_init(&f);
	f.expires_in_ms = 0; /* server did not say: 600 s assumed, refreshed at 480 s */
	seam_oauth_t *oa = make(&f, SEAM_OAUTH_CLIENT_CREDENTIALS);
	expect_token(oa, "tok1");
	advance(&f, 479 * 1000);
	expect_token(oa, "tok1");
	advance(&f, 1000);
	expect_token(oa, "tok2");
	seam_oauth_destroy(oa);
}

static void test_config_errors(void **state)
{
	seam_error_t err = {0};
	(void)state;
	seam_oauth_opts_t o = {.upstream = "x", .client_id = "id"};
	assert_null(seam_oauth_create(&o, NULL, NULL, &err));
	assert_int_equal(err.code, SEAM_CONFIG);
	assert_non_null(strstr(err.msg, "token_url"));
	o.token_url = "https://auth.example/token";
	o.client_id = NULL;
	assert_null(seam_oauth_create(&o, NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "client_id"));
	o.client_id = "id";
	o.grant = SEAM_OAUTH_PASSWORD;
	o.username = "u";
	assert_null(seam_oauth_create(&o, NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "password"));
	o.password = "p";
	seam_oauth_t *oa = seam_oauth_create(&o, NULL, NULL, &err);
	assert_non_null(oa);
	seam_oauth_destroy(oa);
	seam_oauth_destroy(NULL);
	seam_oauth_tokens_dispose(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_fetch_for_concurrent_callers),
		cmocka_unit_test(test_refresh_schedule),
		cmocka_unit_test(test_refresh_token_grant_and_fallback),
		cmocka_unit_test(test_old_token_while_refreshing),
		cmocka_unit_test(test_failed_refresh_keeps_old_token_and_holds_off),
		cmocka_unit_test(test_failure_shared_by_waiters),
		cmocka_unit_test(test_expired_token_never_served),
		cmocka_unit_test(test_invalidate),
		cmocka_unit_test(test_deadline_while_waiting),
		cmocka_unit_test(test_missing_expires_in_defaults),
		cmocka_unit_test(test_config_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
