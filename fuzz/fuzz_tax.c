/*
 * fuzz_tax.c: libFuzzer target for what seam does with a tax quote's outside input: the
 * storefront's cart (POST /v1/tax/quote: the contract tax.quote-request@v1, the quote key,
 * the rate table's estimate, the mapping tax_to_engine) and the tax engine's answer
 * (seam_tax_answer_read).
 *
 * Input: JSON text {"request": cart, "answer": TransactionModel} (seeds: the mapping's sample
 * and an engine answer of the tax double). Besides memory safety it checks: the validator's
 * verdict agrees with its error list; for a cart that holds its contract, the quote key is 64
 * hex digits and the same twice; the estimate is OK, or SEAM_UNSUPPORTED only under policy
 * block, or SEAM_INVAL with a message; an estimate has one line per cart line and its total
 * tax is the sum of the lines' and shipping's; tax_to_engine maps the cart or fails with
 * SEAM_PERMANENT and a message; an answer that reads has one line per cart line, in order.
 * Run from the repository root (the mapping is read from mappings/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/tax.h"
#include "contract/registry.h"
#include "domain/money.h"
#include "flows/tax.h"
#include "map/map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static seam_map_runtime_t *rt;
static seam_contracts_t *reg;

/* A store's rate table as a config would give it: California, San Francisco by postal prefix,
 * Germany with a reduced rate for a tax code. */
static char *postal_items[] = {"941"};
static char *code_keys[] = {"PB100000"}, *code_values[] = {"0.07"};
static seam_tax_rate_config_t ca = {.country = "US", .region = "CA", .rate = "0.0725",
				    .name = "CALIFORNIA"};
static seam_tax_rate_config_t sf = {.country = "US", .region = "CA",
				    .postal = {1, postal_items}, .rate = "0.08625",
				    .name = "SAN FRANCISCO"};
static seam_tax_rate_config_t de = {.country = "DE", .rate = "0.19",
				    .tax_codes = {1, code_keys, code_values}};
static char *rate_names[] = {"ca", "sf", "de"};
static void *rate_items[] = {&ca, &sf, &de};
static seam_tax_store_config_t store = {.company = "DEFAULT", .customer = "WEB",
					.shipping_code = "FR010000", .policy = "estimate",
					.fallback_rate = "0.05", .rates = {3, rate_names, rate_items}};

static void setup(void)
{
	seam_error_t e = {0};
	seam_map_opts_t mo = {.dir = "mappings", .instruction_limit = 200000};
	if (!(rt = seam_map_runtime_create(&mo, &e)) || seam_contracts_open(&reg, &e) != SEAM_OK) {
		fprintf(stderr, "fuzz_tax: %s (run from the repository root)\n", e.msg);
		abort();
	}
}

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

static int add(char *sum, const char *x)
{
	seam_money_dec_t a, b, c;
	char buf[SEAM_MONEY_BUF];
	if (!x || seam_money_dec_parse(sum, (size_t)-1, &a, NULL) != SEAM_OK ||
	    seam_money_dec_parse(x, (size_t)-1, &b, NULL) != SEAM_OK ||
	    seam_money_dec_add(a, b, &c, NULL) != SEAM_OK)
		return -1;
	snprintf(sum, SEAM_MONEY_BUF, "%s", seam_money_dec_format(c, buf));
	return 0;
}

static int same_amount(const char *a, const char *b)
{
	seam_money_dec_t x, y;
	return a && b && seam_money_dec_parse(a, (size_t)-1, &x, NULL) == SEAM_OK &&
	       seam_money_dec_parse(b, (size_t)-1, &y, NULL) == SEAM_OK && !seam_money_dec_cmp(x, y);
}

static void check_estimate(const json_t *req, const char *policy)
{
	json_t *est = NULL;
	seam_error_t e = {0};
	store.policy = (char *)policy;
	seam_err_t rc = seam_tax_estimate(&store, req, &est, &e);
	if (rc == SEAM_UNSUPPORTED && !strcmp(policy, "block") && !est && e.msg[0])
		return;
	if (rc == SEAM_INVAL && !est && e.msg[0])
		return;
	if (rc != SEAM_OK || !est)
		abort();
	json_t *lines = json_object_get(est, "lines"), *l;
	if (json_array_size(lines) != json_array_size(json_object_get(req, "lines")))
		abort();
	char sum[SEAM_MONEY_BUF] = "0";
	size_t i;
	json_array_foreach(lines, i, l)
		if (add(sum, json_string_value(json_object_get(l, "tax"))))
			abort();
	json_t *ship = json_object_get(est, "shipping");
	if (json_is_object(ship) && add(sum, json_string_value(json_object_get(ship, "tax"))))
		abort();
	if (!same_amount(sum, json_string_value(json_object_get(est, "total_tax"))))
		abort();
	json_decref(est);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rt)
		setup();
	json_t *in = json_loadb((const char *)data, size, 0, NULL);
	json_t *req = json_object_get(in, "request"), *answer = json_object_get(in, "answer");
	if (!req || !holds("tax.quote-request@v1", req)) {
		json_decref(in);
		return 0;
	}
	char k1[65], k2[65];
	seam_error_t e = {0};
	if (seam_tax_quote_key(req, "2026-12-04", k1, &e) != SEAM_OK ||
	    seam_tax_quote_key(req, "2026-12-04", k2, &e) != SEAM_OK || strlen(k1) != 64 ||
	    strspn(k1, "0123456789abcdef") != 64 || strcmp(k1, k2))
		abort();
	check_estimate(req, "estimate");
	check_estimate(req, "block");

	json_t *ctx = json_pack("{s:s, s:s, s:s, s:s, s:s}", "company", "DEFAULT", "type",
				"SalesOrder", "customer", "WEB", "today", "2026-12-04",
				"shipping_code", "FR010000");
	json_t *model = NULL;
	seam_err_t rc = seam_map_run(rt, "tax_to_engine", req, ctx, &model, &e);
	if (rc == SEAM_OK) {
		char *body = NULL;
		if (!model)
			abort();
		if (seam_tax_model_body(model, &body, &e) == SEAM_OK && !body)
			abort();
		free(body);
	} else if (rc != SEAM_PERMANENT || model || !e.msg[0]) {
		abort();
	}
	json_decref(model);
	json_decref(ctx);

	if (answer) {
		json_t *quote = NULL;
		rc = seam_tax_answer_read(answer, req, &quote, &e);
		if (rc == SEAM_OK) {
			if (json_array_size(json_object_get(quote, "lines")) !=
			    json_array_size(json_object_get(req, "lines")))
				abort();
			size_t i;
			json_t *l;
			json_array_foreach(json_object_get(quote, "lines"), i, l) {
				const char *id = json_string_value(json_object_get(l, "id"));
				const char *want = json_string_value(
					json_object_get(json_array_get(json_object_get(req, "lines"), i), "id"));
				if (!id || !want || strcmp(id, want))
					abort();
			}
		} else if (rc != SEAM_UPSTREAM || quote) {
			abort();
		}
		json_decref(quote);
	}
	json_decref(in);
	return 0;
}
