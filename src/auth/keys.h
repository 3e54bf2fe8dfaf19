/*
 * keys.h: API keys for /v1 clients.
 *
 * A key looks like `seam_<prefix>_<secret>`: prefix is 12 url-safe chars (public: stored in
 * clear for lookup and shown by `keys list`), secret is 32 url-safe chars (192 random bits).
 * Only the SHA-256 of the whole key is stored; the key is printed once at creation. Checking a
 * presented key: look up by prefix, compare the hashes in constant time, refuse revoked keys.
 * A fast hash is right here: keys are random, not passwords, so there is nothing to brute-force.
 *
 * Scopes come from the one table in auth/scopes.h (`ops:read`, `ops:admin`, `metrics:read`,
 * `*`); a key holding `X:admin` also satisfies `X:read`; `*` satisfies everything. Thread-safety:
 * all functions are safe from any thread (each uses its own store connection).
 */
#ifndef SEAM_AUTH_KEYS_H
#define SEAM_AUTH_KEYS_H

#include <jansson.h>
#include <stdint.h>

#include "auth/scopes.h"
#include "core/err.h"
#include "store/store.h"

#define SEAM_KEY_MAX 64

/* Creates a key. Writes the full key (shown once) into key_out. name must be unique
 * (SEAM_EXISTS otherwise); scopes is comma-separated, each one of the known scopes
 * (SEAM_INVAL naming the unknown one and listing the known ones otherwise). */
seam_err_t seam_keys_create(seam_store_t *st, const char *name, const char *scopes,
			    char key_out[SEAM_KEY_MAX], seam_error_t *err);
/* Marks a key revoked, by name or prefix. SEAM_NOTFOUND when neither matches. */
seam_err_t seam_keys_revoke(seam_store_t *st, const char *name_or_prefix, seam_error_t *err);
/* All keys as a JSON array of {name, prefix, scopes, created_at, revoked_at, last_used_at}
 * (never the hash). Returns a new reference in *out. */
seam_err_t seam_keys_list(seam_store_t *st, json_t **out, seam_error_t *err);

typedef enum seam_key_verdict_e {
	SEAM_KEY_OK = 0,
	SEAM_KEY_MISSING,   /* no or malformed Authorization header */
	SEAM_KEY_INVALID,   /* unknown, wrong or revoked key */
	SEAM_KEY_NO_SCOPE,  /* valid key without the scope */
} seam_key_verdict_e;

/* Checks an Authorization header value ("Bearer <key>") for a scope. On SEAM_KEY_OK and
 * NO_SCOPE, key_name (64 bytes) receives the key's name for logs. */
seam_key_verdict_e seam_keys_check(seam_store_t *st, const char *authorization,
				   const char *scope, char key_name[64]);

#endif
