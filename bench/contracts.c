/*
 * bench/contracts: validations per second of a realistic canonical order against the canonical
 * order contract (contracts/order/v1/order.schema.json), next to the ceiling measured in the
 * same run on the same document: jansson parsing it (json_loads). Target: validating costs no
 * more than parsing, i.e. >= 1.0 validations per parse.
 *
 * The order is the JSON:API document seam fetches from Drupal Commerce and hands to the order
 * mappings (mappings/order_to_erp.lua), written in the 40 lines below: two order items with
 * promotion and tax adjustments, their variations, the billing profile, a shipping adjustment
 * on the order (the links JSON:API repeats on every resource are left out: they are never
 * read). It must be valid: the bench exits 1 with the errors if it is not.
 *
 * Every format is asserted (SEAM_FORMAT_ALL: the most a contract can ask for), errors are not
 * collected (the production path for a valid document). Each round measures parsing, then
 * validating, for SECONDS each; the medians of ROUNDS rounds are printed, and the median of the
 * per-round ratios (each round's two figures share the machine's state of the moment).
 *
 *   build/bench/contracts [seconds-per-measurement] [rounds] [contract.schema.json]
 * Defaults: 1 s, 5 rounds, contracts/order/v1/order.schema.json (run from the repository root,
 * as `make bench` does).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contract/schema.h"

static const char ORDER[] =
	"{\"data\": {\"type\": \"commerce_order--default\", \"id\": \"5bdfd1e8-dfad-41ac-a514-1b58d123e678\",\n"
	" \"attributes\": {\"drupal_internal__order_id\": 1, \"order_number\": \"1002\", \"version\": 6,\n"
	"  \"mail\": \"jane.doe@example.com\", \"ip_address\": \"203.0.113.7\", \"state\": \"completed\",\n"
	"  \"adjustments\": [{\"type\": \"shipping\", \"label\": \"Shipping\", \"amount\": {\"number\": \"7.95\",\n"
	"    \"currency_code\": \"USD\", \"formatted\": \"$7.95\"}, \"percentage\": null, \"source_id\": \"1\",\n"
	"    \"included\": false, \"locked\": false}],\n"
	"  \"total_price\": {\"number\": \"99.63\", \"currency_code\": \"USD\", \"formatted\": \"$99.63\"},\n"
	"  \"total_paid\": {\"number\": \"99.63\", \"currency_code\": \"USD\", \"formatted\": \"$99.63\"},\n"
	"  \"balance\": {\"number\": \"0\", \"currency_code\": \"USD\", \"formatted\": \"$0.00\"},\n"
	"  \"data\": {\"paid_event_dispatched\": true}, \"locked\": false, \"cart\": false, \"checkout_step\": null,\n"
	"  \"created\": \"2026-11-26T15:31:01+00:00\", \"changed\": \"2026-11-26T15:31:16+00:00\",\n"
	"  \"placed\": \"2026-11-26T15:31:07+00:00\", \"completed\": \"2026-11-26T15:31:07+00:00\"},\n"
	" \"relationships\": {\n"
	"  \"store_id\": {\"data\": {\"type\": \"commerce_store--online\", \"id\": \"d86ef9a7-ca84-4144-9b82-1176901147dc\"}},\n"
	"  \"uid\": {\"data\": {\"type\": \"user--user\", \"id\": \"abd7dd32-7f89-47bf-af2c-2d0f3f5b34bd\"}},\n"
	"  \"billing_profile\": {\"data\": {\"type\": \"profile--customer\", \"id\": \"c2d7e9a1-3b4f-4c6d-8e0f-1a2b3c4d5e6f\"}},\n"
	"  \"order_items\": {\"data\": [{\"type\": \"commerce_order_item--default\", \"id\": \"f6ea7b8a-f8ff-4ce7-b0c2-3ae2609239da\"},\n"
	"   {\"type\": \"commerce_order_item--default\", \"id\": \"0c6b1f0e-8a57-4d0b-9a8e-3f2d4c1b7e21\"}]}}},\n"
	" \"included\": [\n"
	"  {\"type\": \"commerce_order_item--default\", \"id\": \"f6ea7b8a-f8ff-4ce7-b0c2-3ae2609239da\",\n"
	"   \"attributes\": {\"title\": \"Test Widget\", \"quantity\": \"2\", \"unit_price\": {\"number\": \"19.99\", \"currency_code\": \"USD\"},\n"
	"    \"total_price\": {\"number\": \"39.98\", \"currency_code\": \"USD\"}, \"adjustments\": [\n"
	"     {\"type\": \"promotion\", \"label\": \"10% off widgets\", \"amount\": {\"number\": \"-4.00\", \"currency_code\": \"USD\"},\n"
	"      \"percentage\": \"0.1\", \"source_id\": \"1\", \"included\": false, \"locked\": false},\n"
	"     {\"type\": \"tax\", \"label\": \"Sales tax\", \"amount\": {\"number\": \"2.61\", \"currency_code\": \"USD\"},\n"
	"      \"percentage\": \"0.0725\", \"source_id\": \"us_sales_tax|ca|default\", \"included\": false, \"locked\": false}]},\n"
	"   \"relationships\": {\"purchased_entity\": {\"data\": {\"type\": \"commerce_product_variation--default\", \"id\": \"56af6683-9af0-4a73-864a-14a145193a4d\"}}}},\n"
	"  {\"type\": \"commerce_order_item--default\", \"id\": \"0c6b1f0e-8a57-4d0b-9a8e-3f2d4c1b7e21\",\n"
	"   \"attributes\": {\"title\": \"Gadget XL \\u2013 Edici\\u00f3n T\\u014dky\\u014d\", \"quantity\": \"1.00\", \"unit_price\": {\"number\": \"49.50\", \"currency_code\": \"USD\"},\n"
	"    \"total_price\": {\"number\": \"49.50\", \"currency_code\": \"USD\"}, \"adjustments\": [\n"
	"     {\"type\": \"tax\", \"label\": \"Sales tax\", \"amount\": {\"number\": \"3.59\", \"currency_code\": \"USD\"},\n"
	"      \"percentage\": \"0.0725\", \"source_id\": \"us_sales_tax|ca|default\", \"included\": false, \"locked\": false}]},\n"
	"   \"relationships\": {\"purchased_entity\": {\"data\": {\"type\": \"commerce_product_variation--default\", \"id\": \"9b3e2f4a-6c1d-4e8f-a2b7-5d0c9e8f1a34\"}}}},\n"
	"  {\"type\": \"commerce_product_variation--default\", \"id\": \"56af6683-9af0-4a73-864a-14a145193a4d\",\n"
	"   \"attributes\": {\"sku\": \"WIDGET-BLU-M\", \"title\": \"Test Widget - Blue, M\", \"price\": {\"number\": \"19.99\", \"currency_code\": \"USD\"}}},\n"
	"  {\"type\": \"commerce_product_variation--default\", \"id\": \"9b3e2f4a-6c1d-4e8f-a2b7-5d0c9e8f1a34\",\n"
	"   \"attributes\": {\"sku\": \"GADGET-XL\", \"title\": \"Gadget XL\", \"price\": {\"number\": \"49.50\", \"currency_code\": \"USD\"}}},\n"
	"  {\"type\": \"profile--customer\", \"id\": \"c2d7e9a1-3b4f-4c6d-8e0f-1a2b3c4d5e6f\", \"attributes\": {\"address\": {\"country_code\": \"US\",\n"
	"   \"administrative_area\": \"CA\", \"locality\": \"Mountain View\", \"postal_code\": \"94043\", \"address_line1\": \"1098 Alta Ave\",\n"
	"   \"given_name\": \"Jane\", \"family_name\": \"Doe\", \"organization\": null}}}]}\n";

#define CONTRACT_URI "seam:contracts/order/v1/order.schema.json"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* json_loads of the document, as many times as fit in secs: per second. */
static double parse_rate(double secs)
{
	size_t len = strlen(ORDER);
	long n = 0;
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < 200; i++) {
			json_t *d = json_loadb(ORDER, len, 0, NULL);
			if (!d)
				abort();
			json_decref(d);
		}
		n += 200;
		t = now_s() - t0;
	} while (t < secs);
	return (double)n / t;
}

static double validate_rate(const seam_schema_t *schema, const json_t *doc,
			    const seam_schema_opts_t *opts, double secs)
{
	long n = 0;
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < 200; i++)
			if (!seam_schema_validate(schema, doc, opts, NULL))
				abort();
		n += 200;
		t = now_s() - t0;
	} while (t < secs);
	return (double)n / t;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	const char *path = argc > 3 ? argv[3] : "contracts/order/v1/order.schema.json";
	int rc = 1;
	seam_schema_set_t *set = NULL;
	json_t *contract = NULL, *doc = NULL, *errors = NULL;
	double *pv = NULL, *vv = NULL, *rv = NULL;
	if (secs <= 0 || rounds < 1) {
		fprintf(stderr, "usage: %s [seconds-per-measurement] [rounds] [contract]\n", argv[0]);
		return 2;
	}

	json_error_t jerr;
	contract = json_load_file(path, 0, &jerr);
	if (!contract) {
		fprintf(stderr, "bench/contracts: %s: %s (run from the repository root)\n", path,
			jerr.text);
		goto out;
	}
	doc = json_loads(ORDER, 0, &jerr);
	if (!doc) {
		fprintf(stderr, "bench/contracts: the order: line %d: %s\n", jerr.line, jerr.text);
		goto out;
	}
	seam_error_t err = {0};
	set = seam_schema_set_create();
	if (!set || seam_schema_set_add(set, CONTRACT_URI, contract, &err) != SEAM_OK ||
	    seam_schema_set_compile(set, &err) != SEAM_OK) {
		fprintf(stderr, "bench/contracts: %s: %s\n", path, err.msg);
		goto out;
	}
	const seam_schema_t *schema = seam_schema_set_get(set, CONTRACT_URI);
	if (!schema) {
		fprintf(stderr, "bench/contracts: %s: not in the compiled set\n", CONTRACT_URI);
		goto out;
	}
	seam_schema_opts_t opts = {.assert_formats = SEAM_FORMAT_ALL};
	if (!seam_schema_validate(schema, doc, &opts, &errors)) {
		char *e = json_dumps(errors, JSON_INDENT(1));
		fprintf(stderr, "bench/contracts: the bench's order does not satisfy %s:\n%s\n", path,
			e ? e : "?");
		free(e);
		goto out;
	}

	int lines = 0;
	for (const char *p = ORDER; *p; p++)
		lines += *p == '\n';
	printf("seam contracts benchmark: a %d-line, %zu-byte canonical order against %s "
	       "(every format asserted), %d rounds of %.1f s per measurement\n",
	       lines, strlen(ORDER), path, rounds, secs);
	pv = calloc((size_t)rounds, sizeof *pv);
	vv = calloc((size_t)rounds, sizeof *vv);
	rv = calloc((size_t)rounds, sizeof *rv);
	if (!pv || !vv || !rv)
		goto out;
	for (int r = 0; r < rounds; r++) {
		pv[r] = parse_rate(secs);
		vv[r] = validate_rate(schema, doc, &opts, secs);
		rv[r] = vv[r] / pv[r];
		printf("  round %d: json_loads %8.0f/s (%5.2f us) | validate %8.0f/s (%5.2f us) | "
		       "ratio %.2f\n",
		       r + 1, pv[r], 1e6 / pv[r], vv[r], 1e6 / vv[r], rv[r]);
	}
	double p = median(pv, rounds), v = median(vv, rounds), ratio = median(rv, rounds);
	printf("medians of %d rounds:\n", rounds);
	printf("  ceiling   json_loads of the order           %9.0f/s  (%.2f us each)\n", p, 1e6 / p);
	printf("  validate  seam_schema_validate, valid order %9.0f/s  (%.2f us each)\n", v, 1e6 / v);
	printf("  validations per parse  %.2f  (target >= 1.0)\n", ratio);
	printf("%s\n", ratio >= 1.0 ? "target met" : "TARGET MISSED");
	rc = 0;
out:
	free(pv);
	free(vv);
	free(rv);
	json_decref(errors);
	json_decref(doc);
	json_decref(contract);
	seam_schema_set_destroy(set);
	return rc;
}
