/*
 * scopes.c: the scope table and the rules of what a key's scopes grant (see scopes.h).
 */
#include "auth/scopes.h"

#include <stdio.h>
#include <string.h>

/* Adding a scope: a row here, then the routes that need it in api/routes.c. */
static const seam_scope_def_t scopes[] = {
	{"ops:read", "Read jobs, dead letters, flows, the quarantine and traces (/v1/trace); log in to the dashboard (/ops/).", NULL},
	{"ops:admin", "Retry, cancel, replay; pause and resume flows; all of ops:read.", NULL},
	{"orders:read", "Read orders, their timelines and payments (/v1/orders, /v1/payments).", NULL},
	{"catalog:read", "Read catalog products' sync state and timelines, catalog runs, and the stock and price cache (/v1/products, /v1/catalog, /v1/availability, /v1/prices).", NULL},
	{"tax:quote", "Ask tax quotes at checkout (POST /v1/tax/quote): the storefront's key.", NULL},
	{"metrics:read", "Read the Prometheus metrics.", "GET /metrics when metrics.require_key is true"},
	{"*", "Everything, including scopes added later.", "every route"},
};
#define NSCOPES (sizeof scopes / sizeof scopes[0])

const seam_scope_def_t *seam_scopes(size_t *n)
{
	*n = NSCOPES;
	return scopes;
}

const seam_scope_def_t *seam_scope_find(const char *s, size_t len)
{
	for (size_t i = 0; i < NSCOPES; i++)
		if (strlen(scopes[i].name) == len && memcmp(scopes[i].name, s, len) == 0)
			return &scopes[i];
	return NULL;
}

/* Edit distance of a[0..al) and b, capped: small typos only. */
static size_t distance(const char *a, size_t al, const char *b)
{
	size_t bl = strlen(b), row[65];
	if (al > 64 || bl > 64)
		return (size_t)-1;
	for (size_t j = 0; j <= bl; j++)
		row[j] = j;
	for (size_t i = 1; i <= al; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= bl; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[bl];
}

seam_err_t seam_scopes_validate(const char *list, seam_error_t *err)
{
	char known[256];
	size_t kl = 0;
	for (size_t i = 0; i < NSCOPES; i++)
		kl += (size_t)snprintf(known + kl, sizeof known - kl, "%s%s", i ? ", " : "",
				       scopes[i].name);
	if (!list || !*list)
		return seam_errorf(err, SEAM_INVAL, "a key needs at least one scope; known scopes: %s",
				   known);
	for (const char *p = list; p;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if (!seam_scope_find(p, l)) {
			const char *near = NULL;
			size_t best = 3; /* at most two edits away counts as a typo */
			for (size_t i = 0; i < NSCOPES; i++) {
				size_t d = distance(p, l, scopes[i].name);
				if (d < best && strlen(scopes[i].name) > 1) {
					best = d;
					near = scopes[i].name;
				}
			}
			if (l == 0)
				return seam_errorf(err, SEAM_INVAL, "an empty scope in '%s'; known scopes: %s",
						   list, known);
			if (near)
				return seam_errorf(err, SEAM_INVAL,
						   "unknown scope '%.*s' (did you mean '%s'?); known scopes: %s",
						   (int)l, p, near, known);
			return seam_errorf(err, SEAM_INVAL, "unknown scope '%.*s'; known scopes: %s",
					   (int)l, p, known);
		}
		p = comma ? comma + 1 : NULL;
	}
	return SEAM_OK;
}

int seam_scope_allows(const char *have, const char *want)
{
	size_t wl = strlen(want);
	const char *colon = strchr(want, ':');
	if (strcmp(want, SEAM_SCOPE_ANY_KEY) == 0)
		return 1;
	for (const char *p = have; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if ((l == 1 && p[0] == '*') || (l == wl && memcmp(p, want, l) == 0))
			return 1;
		/* area:admin grants area:read */
		if (colon && strcmp(colon, ":read") == 0) {
			size_t al = (size_t)(colon - want);
			if (l == al + 6 && memcmp(p, want, al) == 0 && memcmp(p + al, ":admin", 6) == 0)
				return 1;
		}
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}
