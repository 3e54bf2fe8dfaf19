/*
 * scopes.h: the one table of API key scopes.
 *
 * A scope names what a key may do (`ops:read`, `ops:admin`, `metrics:read`, `*`). Each route in
 * the route table (api/routes.c) names the scope it needs; this table says which scopes exist
 * and what each grants, so that `seam ctl keys create` can refuse a typo (`ops:amdin`) instead
 * of minting a key that can do nothing, and `seam ctl keys scopes` can list them with the
 * routes that use them. A test checks both tables against each other: every scope a route
 * needs is in this table, and every scope here opens at least one route.
 *
 * Rules: `X:admin` also grants `X:read`; `*` grants everything. A route whose scope is
 * SEAM_SCOPE_ANY_KEY needs a valid key and nothing more (GET /v1/whoami): it is not a scope a
 * key can hold. Thread-safety: the table is constant.
 */
#ifndef SEAM_AUTH_SCOPES_H
#define SEAM_AUTH_SCOPES_H

#include <stddef.h>

#include "core/err.h"

/* Route scope meaning "any valid key". Not a valid scope name, so no key can claim it. */
#define SEAM_SCOPE_ANY_KEY "(any key)"

typedef struct seam_scope_def {
	const char *name;   /* "ops:read" */
	const char *grants; /* one line: what a key with it may do */
	const char *also;   /* what it opens beyond the route table's scope column, or NULL */
} seam_scope_def_t;

/* The table, in the order it is listed. */
const seam_scope_def_t *seam_scopes(size_t *n);

/* The definition of the scope s[0..len), or NULL when there is none. */
const seam_scope_def_t *seam_scope_find(const char *s, size_t len);

/* Checks a comma-separated scope list given for a new key: not empty, each a known scope.
 * SEAM_INVAL otherwise, with a message naming the first unknown one, the nearest known one
 * when it looks like a typo, and every known scope. */
seam_err_t seam_scopes_validate(const char *list, seam_error_t *err);

/* 1 when the comma-separated `have` list grants `want` (see the rules above). */
int seam_scope_allows(const char *have, const char *want);

#endif
