/*
 * prices.c: sales prices. Business Central keeps them in its Sales Price table (Item No.,
 * Sales Type, Sales Code, Currency Code, Starting Date, Ending Date, Minimum Quantity, Unit
 * Price, Unit of Measure Code); API v2.0 has no page for it, so a shop exposes it through a
 * custom API page. The double serves it beside the standard pages, as
 * /api/v2.0/companies({id})/salesPrices, with the same $filter, $top, $skip and paging as
 * items, and each company has its own. An empty currencyCode is the company's local currency
 * and "0001-01-01" an open date, as BC stores them.
 *
 * Seed (erp.sales_prices; none without it): per item, for each configured currency other
 * than the company's an "All Customers" price (the item's unit price times a factor of the
 * currency code, 0.80..1.30, rounded to cents), and for each customer price group a
 * "Customer Price Group" price at minimumQuantity 1 (95% of the unit price) and a lower one at
 * break_quantity (90%). Ids come from the rng stream "erp-prices-<company index>", so
 * configuring prices does not move any other seeded id.
 *
 * Control: POST /_sim/erp/prices {"company", "upsert": [records], "remove": [ids], "force"}
 * (see h_prices). Part of the ERP double (API: sim/sim_erp.h); the locking rule is in
 * erp_int.h.
 */
#include "sim/erp/erp_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "sim/sim_money.h"
#include "sim/sim_rng.h"

#define OPEN_DATE "0001-01-01"

static const char *const fields[] = {"itemNumber",    "salesType",       "salesCode",
				     "currencyCode",  "startingDate",    "endingDate",
				     "minimumQuantity", "unitPrice",     "unitOfMeasureCode",
				     NULL};

/* A new record in the order BC prints the fields; amounts at scale PS. */
static json_t *price_new(const char *id, const char *item, const char *type, const char *code,
			 const char *cur, int64_t min_qty, int64_t price)
{
	json_t *p = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "_version", (json_int_t)0,
			      "id", id, "itemNumber", item, "salesType", type, "salesCode", code,
			      "currencyCode", cur, "startingDate", OPEN_DATE, "endingDate",
			      OPEN_DATE);
	json_object_set_new(p, "minimumQuantity", seam__sim_erp_dec(min_qty, PS));
	json_object_set_new(p, "unitPrice", seam__sim_erp_dec(price, PS));
	json_object_set_new(p, "unitOfMeasureCode", json_string("PCS"));
	return p;
}

/* The factor of a currency (scale PS): 0.80 .. 1.30 in steps of 0.01, from the code alone. */
static int64_t factor_of(const char *cur)
{
	return 80000 + (int64_t)(seam_sim_hash(cur) % 51) * 1000;
}

/* base x factor, rounded to cents, at scale PS. */
static int64_t times(int64_t base, int64_t factor)
{
	int64_t cents;
	if (seam_sim_dec_mul(base, PS, factor, PS, AS, &cents) != 0)
		return base;
	return seam_sim_dec_rescale(cents, AS, PS);
}

void seam__sim_erp_prices_seed(seam_sim_erp_t *e, company_t *co, size_t ci)
{
	char stream[32], id[37];
	seam_sim_rng_t r;
	size_t i;
	json_t *it;
	co->prices = json_array();
	if (!e->prices_on)
		return;
	snprintf(stream, sizeof stream, "erp-prices-%zu", ci);
	seam_sim_rng_init(&r, e->seed, stream);
	json_array_foreach(e->items, i, it) {
		const char *num = json_string_value(json_object_get(it, "number"));
		int64_t base = seam__sim_erp_num(json_object_get(it, "unitPrice"), PS);
		int64_t ms = json_integer_value(json_object_get(it, "_ms"));
		json_t *p;
		for (size_t k = 0; k < e->ncurrencies + 2 * e->ngroups; k++) {
			if (k < e->ncurrencies) {
				const char *cur = e->price_currencies[k];
				if (!strcasecmp(cur, co->currency))
					continue; /* the local currency is "" */
				seam_sim_rng_uuid(&r, id);
				p = price_new(id, num, "All Customers", "", cur, 0,
					      times(base, factor_of(cur)));
			} else {
				size_t g = (k - e->ncurrencies) / 2;
				int brk = (int)((k - e->ncurrencies) % 2);
				seam_sim_rng_uuid(&r, id);
				p = price_new(id, num, "Customer Price Group", e->price_groups[g], "",
					      brk ? e->break_qty * 100000 : 100000,
					      times(base, brk ? 90000 : 95000));
			}
			seam__sim_erp_stamp(e, p, ms, 1);
			json_array_append_new(co->prices, p);
		}
	}
	seam_sim_rng_dispose(&r);
}

void seam__sim_erp_prices(seam_sim_erp_t *e, company_t *co, seam_sim_call_t *c, const seg_t *segs,
			  int n)
{
	if (strcmp(c->method, "GET")) {
		seam__sim_erp_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		return;
	}
	if (n == 2 && !segs[1].has_key) {
		seam__sim_erp_list(e, c, co->prices, "companies/salesPrices", 0);
		return;
	}
	json_t *p = n == 2 ? seam__sim_erp_find(co->prices, "id", segs[1].key) : NULL;
	if (!p) {
		seam__sim_erp_error(e, c, 404, "Internal_RecordNotFound",
				    "The Sales Price does not exist. Identification fields and values: "
				    "Id='%s'",
				    segs[1].key);
		return;
	}
	seam__sim_erp_single(c, e, p, "companies/salesPrices", 0);
}

/* ---- control ---- */

static int is_date(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int known_field(const char *k)
{
	for (const char *const *f = fields; *f; f++)
		if (!strcmp(*f, k))
			return 1;
	return 0;
}

/* Checks one upserted record against what it would become (cur: the stored record or NULL).
 * Returns 0, or -1 with a message. */
static int check_record(seam_sim_erp_t *e, const json_t *in, const json_t *cur, int force,
			char *msg, size_t cap)
{
	const char *k;
	json_t *v;
	if (!json_is_object(in)) {
		snprintf(msg, cap, "each upsert is a sales price object");
		return -1;
	}
	const json_t *id = json_object_get(in, "id");
	if (id && (!json_is_string(id) || strlen(json_string_value(id)) != 36)) {
		snprintf(msg, cap, "id: expected a GUID");
		return -1;
	}
	json_object_foreach((json_t *)in, k, v) {
		/* a record read back may be sent as it is: the double sets these */
		if (!strcmp(k, "id") || k[0] == '@' || k[0] == '_' ||
		    !strcmp(k, "lastModifiedDateTime"))
			continue;
		if (!known_field(k)) {
			snprintf(msg, cap, "%s: not a field of a sales price", k);
			return -1;
		}
	}
	if (!cur && !force &&
	    (!json_object_get(in, "itemNumber") || !json_object_get(in, "unitPrice"))) {
		snprintf(msg, cap, "a new sales price needs itemNumber and unitPrice");
		return -1;
	}
	if (force)
		return 0;
#define GET(name) \
	(json_object_get(in, name) ? json_object_get(in, name) : json_object_get(cur, name))
	const json_t *item = GET("itemNumber"), *type = GET("salesType"), *code = GET("salesCode");
	const json_t *curr = GET("currencyCode"), *from = GET("startingDate");
	const json_t *to = GET("endingDate");
	const json_t *qty = GET("minimumQuantity"), *price = GET("unitPrice"),
		     *uom = GET("unitOfMeasureCode");
#undef GET
	if (!json_is_string(item) ||
	    !seam__sim_erp_find(e->items, "number", json_string_value(item))) {
		snprintf(msg, cap, "itemNumber: no such item");
		return -1;
	}
	const char *t = type ? json_string_value(type) : "All Customers";
	const char *sc = code ? json_string_value(code) : "";
	if (!t || (strcmp(t, "All Customers") && strcmp(t, "Customer Price Group"))) {
		snprintf(msg, cap,
			 "salesType: expected \"All Customers\" or \"Customer Price Group\"");
		return -1;
	}
	if (!sc || (!strcmp(t, "All Customers") && *sc) || (strcmp(t, "All Customers") && !*sc)) {
		snprintf(msg, cap, "salesCode: \"\" for All Customers, the group's code otherwise");
		return -1;
	}
	if ((curr && !json_is_string(curr)) || (uom && !json_is_string(uom))) {
		snprintf(msg, cap, "currencyCode and unitOfMeasureCode are strings");
		return -1;
	}
	if ((from && !is_date(from)) || (to && !is_date(to))) {
		snprintf(msg, cap, "startingDate and endingDate are dates like 2026-01-31");
		return -1;
	}
	if ((qty && (!json_is_number(qty) || json_number_value(qty) < 0)) ||
	    !json_is_number(price) || json_number_value(price) < 0) {
		snprintf(msg, cap, "minimumQuantity and unitPrice are numbers >= 0 (force: true for "
				   "anything else)");
		return -1;
	}
	return 0;
}

static company_t *company_named(seam_sim_erp_t *e, const char *s, size_t *ci)
{
	for (size_t i = 0; i < e->ncompanies; i++) {
		if (!s || !strcasecmp(s, e->companies[i].id) || !strcmp(s, e->companies[i].name)) {
			*ci = i;
			return &e->companies[i];
		}
	}
	return NULL;
}

/* POST /_sim/erp/prices {"company": id or name (default: the first), "upsert": [records],
 * "remove": [ids], "force": false}. An upsert names its id (an unknown id creates the record
 * with that id) or has none (created with a seeded id); given fields replace the stored ones.
 * Every change gets a new lastModifiedDateTime and a notification. With force, values of any
 * JSON type are stored as given (a price without currency, a string quantity). All or
 * nothing: a bad record is a 422 and nothing changes. */
void seam__sim_erp_h_prices(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *b = seam_sim_body_json(c);
	json_t *created = json_array(), *updated = json_array(), *removed = json_array();
	json_t *records = json_array();
	json_t *up = json_object_get(b, "upsert"), *rm = json_object_get(b, "remove");
	int force = json_is_true(json_object_get(b, "force"));
	char msg[256];
	size_t i, ci = 0;
	json_t *v;
	if (!json_is_object(b) || (up && !json_is_array(up)) || (rm && !json_is_array(rm))) {
		seam_sim_problem(c, 400, "bad-request",
				 "expected {\"company\", \"upsert\": [...], \"remove\": [...]}");
		goto out;
	}
	pthread_mutex_lock(&e->mu);
	company_t *co = company_named(e, json_string_value(json_object_get(b, "company")), &ci);
	if (!co) {
		pthread_mutex_unlock(&e->mu);
		seam_sim_problem(c, 404, "not-found", "no such company");
		goto out;
	}
	json_array_foreach(up, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		json_t *cur = id ? seam__sim_erp_find(co->prices, "id", id) : NULL;
		if (check_record(e, v, cur, force, msg, sizeof msg)) {
			pthread_mutex_unlock(&e->mu);
			seam_sim_problem(c, 422, "invalid", "upsert[%zu]: %s", i, msg);
			goto out;
		}
	}
	json_array_foreach(rm, i, v) {
		if (!json_is_string(v) ||
		    !seam__sim_erp_find(co->prices, "id", json_string_value(v))) {
			pthread_mutex_unlock(&e->mu);
			seam_sim_problem(c, 422, "invalid", "remove[%zu]: no such sales price", i);
			goto out;
		}
	}
	json_array_foreach(up, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		json_t *p = id ? seam__sim_erp_find(co->prices, "id", id) : NULL;
		const char *type = "updated";
		if (!p) {
			char nid[37];
			if (!id)
				seam_sim_rng_uuid(&e->rng, nid);
			p = price_new(id ? id : nid, "", "All Customers", "", "", 0, 0);
			json_array_append_new(co->prices, p);
			type = "created";
		}
		for (const char *const *f = fields; *f; f++) {
			json_t *x = json_object_get(v, *f);
			if (!x)
				continue;
			if (!force && (!strcmp(*f, "unitPrice") || !strcmp(*f, "minimumQuantity")))
				json_object_set_new(p, *f,
						    seam__sim_erp_dec(seam__sim_erp_num(x, PS), PS));
			else
				json_object_set(p, *f, x);
		}
		int64_t ms = seam__sim_erp_bump(e, p);
		const char *pid = json_string_value(json_object_get(p, "id"));
		seam__sim_erp_changed(e, ERP_RES_PRICES, ci, pid, type, 1, ms, ms);
		json_array_append_new(!strcmp(type, "created") ? created : updated,
				      json_string(pid));
		json_array_append_new(records, seam__sim_erp_out(p, 0));
	}
	json_array_foreach(rm, i, v) {
		size_t k;
		json_t *p;
		json_array_foreach(co->prices, k, p) {
			const char *pid = json_string_value(json_object_get(p, "id"));
			if (!strcasecmp(pid, json_string_value(v)))
				break;
		}
		if (k == json_array_size(co->prices))
			continue; /* named twice */
		int64_t ms = seam__sim_erp_next_ms(e, NULL);
		e->hw_ms = ms;
		seam__sim_erp_changed(e, ERP_RES_PRICES, ci, json_string_value(v), "deleted", 1, ms,
				      ms);
		json_array_append(removed, v);
		json_array_remove(co->prices, k);
	}
	pthread_mutex_unlock(&e->mu);
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:O, s:O, s:O, s:O}", "created", created, "updated", updated,
				      "removed", removed, "records", records));
out:
	json_decref(created);
	json_decref(updated);
	json_decref(removed);
	json_decref(records);
	json_decref(b);
}
