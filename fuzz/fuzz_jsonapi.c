/*
 * fuzz_jsonapi.c: libFuzzer target for the Drupal JSON:API reader (src/connectors/drupal.c):
 * the accessors the order and payment flows read Drupal's documents with (data, type, id,
 * attributes, times, prices, relationships, included resources) and the reader of Drupal's
 * error documents. Input: one JSON document as Drupal would answer (an order with its items
 * and variations included, a payment list, an error document).
 *
 * The walk is the flows': every resource in data and included, its string, time and price
 * attributes, its relationships resolved against included; a payment's attributes also go
 * through seam_payment_from_drupal as flows/payments.c does.
 *
 * Checks besides memory safety:
 *   - a price read as SEAM_OK is exactly what the document says (the number's text or the
 *     integer, and the currency), a valid decimal that seam_drupal_money_set accepts back;
 *     SEAM_NOTFOUND exactly when the attribute is absent or null;
 *   - a time read as SEAM_OK came from a string; formatting it back and reading it again
 *     gives the same second;
 *   - relationships: identifiers exist for every index below the count and not at it; a
 *     related resource is the one the identifier names (type and id);
 *   - error details are always a NUL-terminated string within the buffer, whatever its size,
 *     and not empty when the document has errors.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "connectors/drupal/drupal_int.h"
#include "core/clock.h"
#include "domain/payment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RES 64

static const char *const str_attrs[] = {"state", "order_number", "mail", "remote_id",
					"seam_erp_number", "sku", "title", "drupal_internal__id"};
static const char *const time_attrs[] = {"placed", "changed", "completed", "created",
					 "authorized"};
static const char *const money_attrs[] = {"total_price", "amount", "refunded_amount",
					  "unit_price", "total_paid", "balance", "price"};
static const char *const rels[] = {"order_items", "billing_profile", "purchased_entity",
				   "order_id", "payment_gateway", "stores", "product_id"};

static void check_time(json_t *res, const char *name)
{
	json_t *v = seam_drupal_attr(res, name);
	int64_t s = 0, again = 0;
	seam_err_t rc = seam_drupal_attr_time(res, name, &s);
	if (rc == SEAM_NOTFOUND) {
		if (v && !json_is_null(v))
			abort();
		return;
	}
	if (rc == SEAM_PARSE)
		return;
	if (rc != SEAM_OK || !json_is_string(v))
		abort();
	/* back through the reader: the same second */
	char ts[25];
	seam_rfc3339_ms(s * 1000, ts);
	json_t *r = json_pack("{s:{s:s}}", "attributes", name, ts);
	if (!r || seam_drupal_attr_time(r, name, &again) != SEAM_OK || again != s)
		abort();
	json_decref(r);
}

/* Returns 1 and the price when the attribute reads as one. */
static int check_money(json_t *res, const char *name, seam_drupal_money_t *out)
{
	json_t *v = seam_drupal_attr(res, name);
	seam_drupal_money_t m, back;
	seam_error_t err = {0};
	char want[64];
	seam_err_t rc = seam_drupal_attr_money(res, name, &m, &err);
	if (rc == SEAM_NOTFOUND) {
		if (v && !json_is_null(v))
			abort();
		return 0;
	}
	if (rc == SEAM_PARSE) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	if (rc != SEAM_OK)
		abort();
	json_t *num = json_object_get(v, "number");
	if (json_is_integer(num))
		snprintf(want, sizeof want, "%" JSON_INTEGER_FORMAT, json_integer_value(num));
	else if (!json_is_string(num))
		abort(); /* only a string or an integer is a price */
	if (strcmp(m.number, json_is_string(num) ? json_string_value(num) : want) != 0)
		abort(); /* the number read is not the number sent */
	if (strcmp(m.currency_code, json_string_value(json_object_get(v, "currency_code")) ?: "") != 0)
		abort();
	if (seam_drupal_money_set(&back, m.number, m.currency_code, NULL) != SEAM_OK)
		abort();
	if (out)
		*out = m;
	return 1;
}

static void check_rels(json_t *doc, json_t *res)
{
	for (size_t r = 0; r < sizeof rels / sizeof *rels; r++) {
		size_t n = seam_drupal_rel_count(res, rels[r]);
		for (size_t i = 0; i < n && i < 32; i++) {
			json_t *ident = seam_drupal_rel(res, rels[r], i), *rel;
			if (!ident)
				abort();
			rel = seam_drupal_related(doc, res, rels[r], i);
			if (rel) {
				const char *t = seam_drupal_type(ident), *id = seam_drupal_id(ident);
				if (!t || !id || strcmp(seam_drupal_type(rel) ?: "", t) != 0 ||
				    strcmp(seam_drupal_id(rel) ?: "", id) != 0)
					abort();
			}
		}
		if (seam_drupal_rel(res, rels[r], n) != NULL)
			abort();
	}
	/* a missing relationship name reads as none */
	if (seam_drupal_rel_count(res, NULL) != 0 || seam_drupal_rel(res, NULL, 0) != NULL)
		abort();
}

static void read_resource(json_t *doc, json_t *res)
{
	seam_drupal_money_t amount = {0}, refunded = {0};
	int has_amount, has_refunded;
	const char *type = seam_drupal_type(res), *id = seam_drupal_id(res);
	if (type && id && seam_drupal_included(doc, type, id) == NULL &&
	    json_object_get(doc, "included") == NULL && seam_drupal_data(doc) == res)
		abort(); /* the document's own resource is found by its type and id */
	for (size_t i = 0; i < sizeof str_attrs / sizeof *str_attrs; i++) {
		const char *s = seam_drupal_attr_str(res, str_attrs[i]);
		if (s && !json_is_string(seam_drupal_attr(res, str_attrs[i])))
			abort();
	}
	for (size_t i = 0; i < sizeof time_attrs / sizeof *time_attrs; i++)
		check_time(res, time_attrs[i]);
	for (size_t i = 0; i < sizeof money_attrs / sizeof *money_attrs; i++)
		check_money(res, money_attrs[i], NULL);
	check_rels(doc, res);

	/* a payment, as flows/payments.c reads it */
	has_amount = check_money(res, "amount", &amount);
	has_refunded = check_money(res, "refunded_amount", &refunded);
	if (has_amount) {
		seam_payment_t p;
		seam_error_t err = {0};
		seam_err_t rc = seam_payment_from_drupal(seam_drupal_attr_str(res, "state"),
							 amount.number,
							 has_refunded ? refunded.number : "0",
							 amount.currency_code, &p, &err);
		if (rc != SEAM_OK && (rc != SEAM_PARSE || !err.msg[0]))
			abort();
	}
}

static void check_error_details(json_t *doc)
{
	static const size_t caps[] = {1, 2, 7, 64, 400};
	json_t *errors = json_object_get(doc, "errors");
	for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
		char *buf = malloc(caps[c]); /* exact size: ASan sees any byte past it */
		if (!buf)
			abort();
		seam__drupal_error_details(doc, buf, caps[c]);
		if (!memchr(buf, '\0', caps[c]))
			abort();
		if (caps[c] >= 64 && json_array_size(errors) > 0 && !buf[0])
			abort();
		free(buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL), *d, *r;
	size_t i;
	if (!doc)
		return 0;
	d = seam_drupal_data(doc);
	if (json_is_object(d))
		read_resource(doc, d);
	json_array_foreach(d, i, r) {
		if (i >= MAX_RES)
			break;
		read_resource(doc, r);
	}
	json_array_foreach(json_object_get(doc, "included"), i, r) {
		if (i >= MAX_RES)
			break;
		read_resource(doc, r);
	}
	check_error_details(doc);
	json_decref(doc);
	return 0;
}
