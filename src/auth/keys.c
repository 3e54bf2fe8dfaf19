/*
 * keys.c: API key creation, listing, revocation and checking (see keys.h).
 */
#include "auth/keys.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/ids.h"

#define PREFIX_LEN 12

seam_err_t seam_keys_create(seam_store_t *st, const char *name, const char *scopes,
			    char key_out[SEAM_KEY_MAX], seam_error_t *err)
{
	uint8_t rnd[9 + 24];
	char prefix[16], secret[40], hash[65], id[SEAM_UUID_STR_LEN], now[24];
	seam_db_t *db = NULL;
	seam_err_t rc;

	if (!name || !*name || strlen(name) > 64)
		return seam_errorf(err, SEAM_INVAL, "a key needs a name of 1 to 64 characters");
	/* A key with a misspelt scope would be accepted and then refused everywhere. */
	if ((rc = seam_scopes_validate(scopes, err)) != SEAM_OK)
		return rc;
	if (seam_random_bytes(rnd, sizeof rnd) != 0)
		return seam_errorf(err, SEAM_ERR, "random number generator failed");
	seam_base64url_encode(rnd, 9, prefix);
	seam_base64url_encode(rnd + 9, 24, secret);
	explicit_bzero(rnd, sizeof rnd);
	/* base64url may produce '_' and '-'; the prefix is fixed-length so parsing stays exact. */
	snprintf(key_out, SEAM_KEY_MAX, "seam_%s_%s", prefix, secret);
	seam_sha256_hex(key_out, strlen(key_out), hash);
	seam_id_new(id);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());

	db = seam_store_acquire(st);
	rc = seam_db_run(db,
			 "INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) "
			 "VALUES ($1, $2, $3, $4, $5, $6)",
			 (const char *[]){id, name, prefix, hash, scopes, now}, 6, NULL, err);
	seam_store_release(st, db);
	explicit_bzero(secret, sizeof secret);
	if (rc == SEAM_CONFLICT)
		rc = seam_errorf(err, SEAM_EXISTS, "a key named '%s' already exists", name);
	if (rc != SEAM_OK)
		explicit_bzero(key_out, SEAM_KEY_MAX);
	return rc;
}

seam_err_t seam_keys_revoke(seam_store_t *st, const char *who, seam_error_t *err)
{
	char now[24];
	int64_t changes = 0;
	seam_err_t rc;
	seam_db_t *db;
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	db = seam_store_acquire(st);
	rc = seam_db_run(db,
			 "UPDATE api_keys SET revoked_at = $1 WHERE (name = $2 OR prefix = $2) "
			 "AND revoked_at IS NULL",
			 (const char *[]){now, who}, 2, &changes, err);
	seam_store_release(st, db);
	if (rc == SEAM_OK && changes == 0)
		rc = seam_errorf(err, SEAM_NOTFOUND, "no active key named or prefixed '%s'", who);
	return rc;
}

static json_t *ms_or_null(seam_stmt_t *s, int col)
{
	char ts[25];
	if (seam_stmt_column_is_null(s, col))
		return json_null();
	seam_rfc3339_ms(seam_stmt_column_int64(s, col), ts);
	return json_string(ts);
}

seam_err_t seam_keys_list(seam_store_t *st, json_t **out, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(st);
	seam_stmt_t *s;
	json_t *arr = json_array();
	seam_err_t rc = seam_db_prepare(db,
					"SELECT name, prefix, scopes, created_at, revoked_at, "
					"last_used_at FROM api_keys ORDER BY created_at",
					&s, err);
	while (rc == SEAM_OK && (rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "name",
				       seam_stmt_column_text(s, 0), "prefix", seam_stmt_column_text(s, 1),
				       "scopes", seam_stmt_column_text(s, 2), "created_at",
				       ms_or_null(s, 3), "revoked_at", ms_or_null(s, 4), "last_used_at",
				       ms_or_null(s, 5)));
		rc = SEAM_OK;
	}
	if (rc == SEAM_DONE)
		rc = SEAM_OK;
	seam_store_release(st, db);
	if (rc != SEAM_OK) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return rc;
}

seam_key_verdict_e seam_keys_check(seam_store_t *st, const char *authorization,
				   const char *scope, char key_name[64])
{
	const char *key;
	char prefix[PREFIX_LEN + 1], hash[65];
	seam_key_verdict_e v = SEAM_KEY_INVALID;
	seam_db_t *db;
	seam_stmt_t *s;
	size_t klen;

	key_name[0] = '\0';
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return SEAM_KEY_MISSING;
	key = authorization + 7;
	while (*key == ' ')
		key++;
	klen = strlen(key);
	if (klen < 5 + PREFIX_LEN + 2 || klen >= SEAM_KEY_MAX || strncmp(key, "seam_", 5) != 0 ||
	    key[5 + PREFIX_LEN] != '_')
		return SEAM_KEY_INVALID;
	memcpy(prefix, key + 5, PREFIX_LEN);
	prefix[PREFIX_LEN] = '\0';
	seam_sha256_hex(key, klen, hash);

	db = seam_store_acquire(st);
	if (seam_db_prepare(db,
			    "SELECT name, hash, scopes, revoked_at, last_used_at FROM api_keys "
			    "WHERE prefix = $1",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, prefix);
		if (seam_stmt_step(s, NULL) == SEAM_ROW) {
			const char *h = seam_stmt_column_text(s, 1);
			int match = h && strlen(h) == 64 && seam_ct_equal(h, hash, 64);
			if (match && seam_stmt_column_is_null(s, 3)) {
				snprintf(key_name, 64, "%s", seam_stmt_column_text(s, 0));
				v = seam_scope_allows(seam_stmt_column_text(s, 2), scope) ? SEAM_KEY_OK
											   : SEAM_KEY_NO_SCOPE;
				/* last_used_at is advisory: refresh it at most once a minute per key. */
				int64_t last = seam_stmt_column_int64(s, 4), now = seam_now_ms();
				seam_stmt_reset(s);
				if (now - last > 60000) {
					char nows[24];
					snprintf(nows, sizeof nows, "%lld", (long long)now);
					seam_db_run(db, "UPDATE api_keys SET last_used_at = $1 WHERE prefix = $2",
						    (const char *[]){nows, prefix}, 2, NULL, NULL);
				}
			}
		}
	}
	seam_store_release(st, db);
	return v;
}
