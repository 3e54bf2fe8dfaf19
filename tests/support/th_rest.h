/*
 * th_rest.h: REST v1 checks shared by the e2e tests: a response body against the contract the
 * route table names for it (the registry built into seam, contracts/), and an API key made
 * with `seam ctl keys create`. The registry is opened on first use and closed by
 * th_rest_done. Thread-safety: from the test's thread.
 */
#ifndef SEAM_TESTS_TH_REST_H
#define SEAM_TESTS_TH_REST_H

#include <jansson.h>
#include <stddef.h>

#include "tests/support/harness.h"

/* doc, the answer of GET pattern ("POST /v1/tax/quote" for another method), is valid against the contract of that route's `response`
 * column (with the formats index.yaml asserts for it); else the running test fails with every
 * error. */
void th_assert_contract(const char *pattern, const json_t *doc);

/* "Authorization: Bearer <key>" of a new key with scopes (comma-separated) on the instance
 * s. 0 when made. */
int th_make_key(const th_seam_t *s, const char *name, const char *scopes, char *auth, size_t cap);

/* Closes the registry th_assert_contract opened (NULL-safe to call when none was). */
void th_rest_done(void);

#endif
