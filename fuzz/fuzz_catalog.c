/*
 * fuzz_catalog.c: libFuzzer target for what the catalog flow does with the PIM's records before
 * anything is written: mappings/pim_to_canonical.lua on the records (src/map), the contract
 * catalog.product@v1 (src/contract), then mappings/canonical_to_drupal.lua and
 * catalog.drupal-product@v1. The PIM is outside input: its records may hold anything JSON can.
 *
 * Input: the mapping input {"model", "products", "family_variant"} as JSON text (seeds from the
 * PIM double). Besides memory safety it checks: a mapping either returns a value or fails with
 * SEAM_PERMANENT and a message (never another code: the same record fails the same way); the
 * same input gives the same outputs and verdicts a second time (mappings are deterministic and
 * a run leaves nothing behind); the validator's verdict agrees with its error list; a canonical
 * product that holds its contract maps to a Drupal plan or to a mapping error, never to a crash.
 * Run from the repository root (the mappings are read from mappings/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract/registry.h"
#include "map/map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static seam_map_runtime_t *rt;
static seam_contracts_t *reg;

static void setup(void)
{
	seam_error_t e = {0};
	seam_map_opts_t mo = {.dir = "mappings", .instruction_limit = 200000};
	if (!(rt = seam_map_runtime_create(&mo, &e)) || seam_contracts_open(&reg, &e) != SEAM_OK) {
		fprintf(stderr, "fuzz_catalog: %s (run from the repository root)\n", e.msg);
		abort();
	}
}

/* Runs name; checks the code contract; returns the output (owned) or NULL. */
static json_t *run(const char *name, json_t *in, json_t *ctx)
{
	json_t *out = NULL;
	seam_error_t e = {0};
	seam_err_t rc = seam_map_run(rt, name, in, ctx, &out, &e);
	if (rc == SEAM_OK) {
		if (!out)
			abort();
		return out;
	}
	if (rc != SEAM_PERMANENT || out || !e.msg[0])
		abort();
	return NULL;
}

/* 1 when doc holds ref; the error list agrees with the verdict. */
static int holds(const char *ref, json_t *doc)
{
	const seam_contract_t *c = seam_contracts_find(reg, ref);
	json_t *errors = NULL;
	if (!c)
		abort();
	int ok = seam_contract_validate(c, doc, &errors);
	if (ok != (json_array_size(errors) == 0))
		abort();
	json_decref(errors);
	return ok;
}

/* One pass: canonical and plan as text (owned; NULL when the step failed). */
static void pass(json_t *in, json_t *cctx, json_t *dctx, char **canon, char **plan)
{
	json_t *c = run("pim_to_canonical", in, cctx), *p = NULL;
	*canon = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
	*plan = NULL;
	if (c && holds("catalog.product@v1", c) && (p = run("canonical_to_drupal", c, dctx))) {
		holds("catalog.drupal-product@v1", p);
		*plan = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	}
	json_decref(c);
	json_decref(p);
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rt)
		setup();
	json_t *in = json_loadb((const char *)data, size, 0, NULL);
	if (!in)
		return 0;
	json_t *cctx = json_pack("{s:s, s:s, s:[s, s], s:[s, s], s:s, s:s}", "store", "us", "channel",
				 "ecommerce", "locales", "en_US", "de_DE", "currencies", "USD", "EUR",
				 "title_attribute", "name", "description_attribute", "description");
	/* the price owner flips with the input's length: both paths of canonical_to_drupal */
	json_t *dctx = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "store", "us", "locale",
				 "en_US", "currency", "USD", "prices", size % 2 ? "pim" : "erp",
				 "attributes", "color", "color", "size", "size");
	char *c1, *p1, *c2, *p2;
	json_t *copy = json_deep_copy(in);
	pass(in, cctx, dctx, &c1, &p1);
	/* the mapping does not change its input, and a second run agrees */
	if (!json_equal(in, copy))
		abort();
	pass(in, cctx, dctx, &c2, &p2);
	if (!same(c1, c2) || !same(p1, p2))
		abort();
	free(c1);
	free(p1);
	free(c2);
	free(p2);
	json_decref(copy);
	json_decref(in);
	json_decref(cctx);
	json_decref(dctx);
	return 0;
}
