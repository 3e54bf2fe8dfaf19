/* test_sessions.c: the dashboard's sessions (src/auth/sessions.c): a key opens one only when
 * valid and holding the scope; the session acts as the key with the key's scopes of the moment
 * (a revoked key ends it); it expires at its fixed lifetime; only the id's hash is stored; the
 * CSRF token compares exactly; logout ends it. */
#include "tests/unit/queue/qtest.h"

#include "auth/keys.h"
#include "auth/sessions.h"
#include "core/crypto.h"

#define HOUR 3600000LL

static void test_open_check_close(void **state)
{
	qt_env_t env;
	seam_error_t e = {0};
	char key[SEAM_KEY_MAX], sid[SEAM_SESSION_ID_MAX], sid2[SEAM_SESSION_ID_MAX];
	seam_key_verdict_e v;
	seam_session_t s, got;
	int64_t t0 = 1700000000000LL;
	(void)state;
	qt_open(&env);
	assert_int_equal(seam_keys_create(env.st, "oncall", "ops:read", key, &e), SEAM_OK);

	/* wrong, malformed, empty keys open nothing, and say nothing about why */
	static const char *const wrong[] = {"", "seam_", "not a key", "seam_AAAAAAAAAAAA_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		assert_int_equal(seam_sessions_open(env.st, wrong[i], "ops:read", t0, HOUR, &v, sid, &s, &e),
				 SEAM_OK);
		assert_int_equal(v, SEAM_KEY_INVALID);
		assert_string_equal(sid, "");
	}
	assert_int_equal(seam_sessions_open(env.st, NULL, "ops:read", t0, HOUR, &v, sid, &s, &e), SEAM_OK);
	assert_int_equal(v, SEAM_KEY_INVALID);
	/* a key without the scope: refused, named */
	assert_int_equal(seam_sessions_open(env.st, key, "ops:admin", t0, HOUR, &v, sid, &s, &e), SEAM_OK);
	assert_int_equal(v, SEAM_KEY_NO_SCOPE);
	assert_string_equal(s.key_name, "oncall");
	assert_string_equal(sid, "");
	assert_int_equal(qt_int(env.st, "SELECT count(*) FROM ops_sessions", NULL), 0);

	/* the right key: a session of 43 url-safe characters, stored only as its hash */
	assert_int_equal(seam_sessions_open(env.st, key, "ops:read", t0, HOUR, &v, sid, &s, &e), SEAM_OK);
	assert_int_equal(v, SEAM_KEY_OK);
	assert_int_equal(strlen(sid), 43);
	assert_int_equal(strlen(s.csrf), 43);
	assert_string_equal(s.key_name, "oncall");
	assert_int_equal(s.expires_ms, t0 + HOUR);
	char hash[65];
	seam_sha256_hex(sid, strlen(sid), hash);
	assert_int_equal(qt_int(env.st, "SELECT count(*) FROM ops_sessions WHERE id_hash = $1", hash), 1);
	assert_int_equal(qt_int(env.st, "SELECT count(*) FROM ops_sessions WHERE id_hash = $1", sid), 0);

	/* checked: acts as the key, with its scopes */
	assert_int_equal(seam_sessions_check(env.st, sid, "ops:read", t0 + 1000, &got), SEAM_KEY_OK);
	assert_string_equal(got.key_name, "oncall");
	assert_string_equal(got.scopes, "ops:read");
	assert_string_equal(got.csrf, s.csrf);
	assert_int_equal(seam_sessions_check(env.st, sid, "ops:admin", t0 + 1000, &got), SEAM_KEY_NO_SCOPE);
	assert_int_equal(seam_sessions_check(env.st, sid, "ops:read", t0 + 1000, NULL), SEAM_KEY_OK);
	/* the CSRF token compares exactly */
	assert_true(seam_sessions_csrf_ok(&got, s.csrf));
	char forged[SEAM_SESSION_ID_MAX];
	snprintf(forged, sizeof forged, "%s", s.csrf);
	forged[10] = forged[10] == 'A' ? 'B' : 'A';
	assert_false(seam_sessions_csrf_ok(&got, forged));
	assert_false(seam_sessions_csrf_ok(&got, NULL));
	assert_false(seam_sessions_csrf_ok(&got, ""));
	forged[42] = '\0';
	assert_false(seam_sessions_csrf_ok(&got, forged));

	/* unknown and malformed ids */
	char other[SEAM_SESSION_ID_MAX];
	snprintf(other, sizeof other, "%s", sid);
	other[0] = other[0] == 'x' ? 'y' : 'x';
	assert_int_equal(seam_sessions_check(env.st, other, "ops:read", t0, NULL), SEAM_KEY_INVALID);
	assert_int_equal(seam_sessions_check(env.st, "", "ops:read", t0, NULL), SEAM_KEY_MISSING);
	assert_int_equal(seam_sessions_check(env.st, NULL, "ops:read", t0, NULL), SEAM_KEY_MISSING);
	assert_int_equal(seam_sessions_check(env.st, "' OR 1=1 --", "ops:read", t0, NULL), SEAM_KEY_MISSING);
	assert_int_equal(seam_sessions_check(env.st, hash, "ops:read", t0, NULL), SEAM_KEY_MISSING);

	/* expiry: fixed, at the lifetime, not extended by use */
	assert_int_equal(seam_sessions_check(env.st, sid, "ops:read", t0 + HOUR - 1, NULL), SEAM_KEY_OK);
	assert_int_equal(seam_sessions_check(env.st, sid, "ops:read", t0 + HOUR, NULL), SEAM_KEY_INVALID);
	/* the next login deletes the expired row */
	assert_int_equal(seam_sessions_open(env.st, key, "ops:read", t0 + 2 * HOUR, HOUR, &v, sid2, &s, &e),
			 SEAM_OK);
	assert_int_equal(v, SEAM_KEY_OK);
	assert_int_equal(qt_int(env.st, "SELECT count(*) FROM ops_sessions", NULL), 1);
	assert_string_not_equal(sid, sid2);

	/* logout ends it; an unknown or malformed id is fine */
	assert_int_equal(seam_sessions_close(env.st, sid2, &e), SEAM_OK);
	assert_int_equal(seam_sessions_check(env.st, sid2, "ops:read", t0 + 2 * HOUR, NULL), SEAM_KEY_INVALID);
	assert_int_equal(seam_sessions_close(env.st, sid2, &e), SEAM_OK);
	assert_int_equal(seam_sessions_close(env.st, "garbage", &e), SEAM_OK);
	assert_int_equal(seam_sessions_close(env.st, NULL, &e), SEAM_OK);
	assert_int_equal(qt_int(env.st, "SELECT count(*) FROM ops_sessions", NULL), 0);
	qt_close(&env);
}

static void test_revoked_key_ends_its_sessions(void **state)
{
	qt_env_t env;
	seam_error_t e = {0};
	char key[SEAM_KEY_MAX], sid[SEAM_SESSION_ID_MAX];
	seam_key_verdict_e v;
	seam_session_t s;
	int64_t t0 = seam_now_ms();
	(void)state;
	qt_open(&env);
	assert_int_equal(seam_keys_create(env.st, "lead", "ops:admin", key, &e), SEAM_OK);
	assert_int_equal(seam_sessions_open(env.st, key, "ops:read", t0, HOUR, &v, sid, &s, &e), SEAM_OK);
	assert_int_equal(v, SEAM_KEY_OK);
	/* ops:admin grants ops:read and itself */
	assert_int_equal(seam_sessions_check(env.st, sid, "ops:admin", t0, NULL), SEAM_KEY_OK);
	/* the key's scopes of the moment: narrowed in the store, narrowed in the session */
	assert_int_equal(qt_int(env.st, "SELECT count(*) FROM api_keys WHERE name = $1", "lead"), 1);
	seam_db_t *db = seam_store_acquire(env.st);
	assert_int_equal(seam_db_run(db, "UPDATE api_keys SET scopes = 'ops:read' WHERE name = 'lead'",
				     NULL, 0, NULL, &e), SEAM_OK);
	seam_store_release(env.st, db);
	assert_int_equal(seam_sessions_check(env.st, sid, "ops:admin", t0, NULL), SEAM_KEY_NO_SCOPE);
	/* revoked: the session is refused, and the key opens no new one */
	assert_int_equal(seam_keys_revoke(env.st, "lead", &e), SEAM_OK);
	assert_int_equal(seam_sessions_check(env.st, sid, "ops:read", t0, NULL), SEAM_KEY_INVALID);
	assert_int_equal(seam_sessions_open(env.st, key, "ops:read", t0, HOUR, &v, sid, &s, &e), SEAM_OK);
	assert_int_equal(v, SEAM_KEY_INVALID);
	qt_close(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_check_close),
		cmocka_unit_test(test_revoked_key_ends_its_sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
