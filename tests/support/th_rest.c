/*
 * th_rest.c: see th_rest.h.
 */
#include "tests/support/th_rest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "contract/registry.h"

static seam_contracts_t *contracts;

void th_assert_contract(const char *pattern, const json_t *doc)
{
	size_t n;
	const seam_route_t *r = seam_api_routes(&n), *route = NULL;
	json_t *errors = NULL;
	seam_error_t e = {0};
	char method[8] = "GET";
	const char *sp = strchr(pattern, ' ');
	if (sp && sp - pattern < (long)sizeof method) {
		memcpy(method, pattern, (size_t)(sp - pattern));
		method[sp - pattern] = '\0';
		pattern = sp + 1;
	}
	if (!contracts && seam_contracts_open(&contracts, &e) != SEAM_OK)
		fail_msg("contracts: %s", e.msg);
	for (size_t i = 0; i < n && !route; i++)
		if (!strcmp(r[i].method, method) && !strcmp(r[i].pattern, pattern))
			route = &r[i];
	if (!route || !route->response)
		fail_msg("%s %s: no route, or no response contract in the route table", method, pattern);
	const seam_contract_t *c = seam_contracts_find(contracts, route->response);
	if (!c)
		fail_msg("GET %s: contract %s is not in the registry", pattern, route->response);
	if (!seam_contract_validate(c, doc, &errors)) {
		char *es = json_dumps(errors, JSON_INDENT(1)), *d = json_dumps(doc, JSON_COMPACT);
		fprintf(stderr, "GET %s against %s:\n%s\n%.2000s\n", pattern, c->ref, es, d);
		free(es);
		free(d);
		json_decref(errors);
		fail_msg("a response breaks contract %s", c->ref);
	}
	json_decref(errors);
}

int th_make_key(const th_seam_t *s, const char *name, const char *scopes, char *auth, size_t cap)
{
	char *out = NULL, key[80] = "";
	int rc = th_seam_ctl(s, (const char *[]){"keys", "create", "--name", name, "--scopes", scopes,
						NULL},
			     &out);
	const char *k = out ? strstr(out, "seam_") : NULL;
	if (rc == 0 && k)
		sscanf(k, "%79s", key);
	free(out);
	snprintf(auth, cap, "Authorization: Bearer %s", key);
	return *key ? 0 : -1;
}

void th_rest_done(void)
{
	seam_contracts_close(contracts);
	contracts = NULL;
}
