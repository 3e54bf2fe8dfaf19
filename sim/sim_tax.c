/*
 * sim_tax.c: the AvaTax-like double: rate table lookup and exact per-line tax; the kept
 * documents with their versions, voids and refunds; the control API under /_sim/tax/.
 *
 * The store. AvaTax identifies a document by company, code and type, so the double keeps one
 * record per such triple in t->docs, a jansson object keyed "company<US>type<US>code" (US is
 * the 0x1f unit separator): O(1) lookup, insertion order for the listing. A record is
 * {"doc": the newest TransactionModel, "history": [the earlier versions, summarised]}. Only
 * *Invoice types are kept; *Order types (SalesOrder: the checkout quote) are computed, counted
 * and answered without touching the store.
 *
 * Lifecycle of a kept document:
 *   Saved      create/createoradjust without commit
 *   Committed  commit: true in the model, or POST .../commit
 *   Cancelled  POST .../void; final: anything but GET on it is TransactionAlreadyCancelled
 *              (a second void too, unless void_repeat: ok answers it again)
 * createoradjust (or POST .../adjust) on an existing code makes a new version: version + 1, a
 * fresh id, the adjustmentReason, the earlier version kept in the history as Adjusted; a
 * committed document stays committed. A plain create over a Saved one replaces it the same way,
 * over a Committed one it is DocumentCodeConflict. POST .../refund makes a committed
 * ReturnInvoice coded refundTransactionCode whose amounts are the original's negated (Full,
 * Partial by line numbers, Percentage, TaxOnly), exact as AvaTax promises, not recomputed from
 * the rate table; a second refund with the same code is TransactionAlreadyExists (or, with
 * refund_repeat: existing, the document made the first time).
 *
 * Thread-safety: rates and settings are read-only after create; ids and the quote counter are
 * atomics and the rng locks itself, so the quote path never takes the store's lock (only the
 * rng's, to draw a code when the model has none). The store is under t->mu, and values shared
 * with it are copied and released under it; no handler sleeps while holding it.
 */
#include "sim/sim_tax.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "sim/sim_money.h"
#include "sim/sim_rng.h"

#define RS 6              /* rate scale */
#define KEYCAP 1024       /* a store key: company, type and code */
#define CODE_MAX 512      /* the double's own bound on a code, whatever max_code_length says */
#define ONE8 100000000LL  /* 1 at scale 8: a refund fraction */

typedef struct rate {
	char country[4];
	char *region; /* NULL: whole country */
	int64_t rate; /* x 10^-6 */
	char *name, *type;
} rate_t;

/* AvaTax's DocumentType values (Any is a query value, not a type to create). */
static const char *const doc_types[] = {
	"SalesOrder",         "SalesInvoice",         "ReturnOrder",
	"ReturnInvoice",      "PurchaseOrder",        "PurchaseInvoice",
	"ReverseChargeOrder", "ReverseChargeInvoice", "InventoryTransferOrder",
	"InventoryTransferInvoice", "CustomsOrder",   "CustomsInvoice",
	NULL};

struct seam_sim_tax {
	pthread_mutex_t mu; /* the store */
	uint64_t seed;
	seam_sim_rng_t rng; /* generated codes; locks itself */
	char *account, *license;
	char *company;
	rate_t *rates;
	size_t nrates;
	int64_t force_timeout_ms;
	int force_timeout_commits;  /* ForceTimeout: do the work, then hold and fail */
	int void_repeat_ok;         /* a second void answers 200 instead of 400 */
	int refund_repeat_existing; /* a second refund answers the first one's document */
	int64_t max_documents;      /* 0: no bound */
	int64_t max_code_length;    /* 0: only CODE_MAX */
	json_t *docs;               /* key -> {"doc", "history"} */
	atomic_llong next_id;
	atomic_llong quotes;
};

static void av_error(seam_sim_call_t *c, int status, const char *code, const char *target,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void av_error(seam_sim_call_t *c, int status, const char *code, const char *target,
		     const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	seam_sim_reply_json(c, status, NULL,
			    json_pack("{s:{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s}]}}", "error", "code",
				      code, "message", msg, "target", target, "details", "code", code,
				      "message", msg, "description", msg, "severity", "Error"));
}

static int authed(seam_sim_tax_t *t, seam_sim_call_t *c)
{
	char *u = NULL, *p = NULL;
	int ok = 0;
	if (seam_sim_basic_auth(seam_sim_header(c, "Authorization"), &u, &p) == 0)
		ok = seam_sim_streq_ct(u, t->account) && seam_sim_streq_ct(p, t->license);
	free(u);
	free(p);
	if (!ok)
		av_error(c, 401, "AuthenticationException", "HttpRequestHeaders",
			 "Authentication failed.");
	return ok;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The canonical spelling of a DocumentType (AvaTax reads enums case-insensitively), or NULL. */
static const char *doc_type(const char *s)
{
	for (size_t i = 0; s && doc_types[i]; i++)
		if (!strcasecmp(doc_types[i], s))
			return doc_types[i];
	return NULL;
}

static int kept(const char *type)
{
	size_t n = strlen(type);
	return n > 7 && !strcmp(type + n - 7, "Invoice");
}

static int doc_key(char *out, const char *company, const char *type, const char *code)
{
	int n = snprintf(out, KEYCAP, "%s\x1f%s\x1f%s", company, type, code);
	return n < 0 || n >= KEYCAP ? -1 : 0;
}

static const rate_t *rate_for(seam_sim_tax_t *t, const char *country, const char *region)
{
	const rate_t *fallback = NULL;
	for (size_t i = 0; i < t->nrates; i++) {
		const rate_t *r = &t->rates[i];
		if (!country || strcasecmp(r->country, country))
			continue;
		if (r->region && region && !strcasecmp(r->region, region))
			return r;
		if (!r->region && !fallback)
			fallback = r;
	}
	return fallback;
}

static json_t *pick_address(const json_t *addrs)
{
	json_t *a = json_object_get(addrs, "shipTo");
	if (!a)
		a = json_object_get(addrs, "singleLocation");
	return a;
}

static int64_t amount_minor(const json_t *v, int digits, int *ok)
{
	int64_t x = 0;
	*ok = 1;
	if (json_is_integer(v))
		x = json_integer_value(v) * (digits == 0 ? 1 : digits == 2 ? 100 : digits == 3 ? 1000 : 10000);
	else if (json_is_real(v))
		*ok = seam_sim_dec_from_double(json_real_value(v), digits, &x) == 0;
	else if (json_is_string(v))
		*ok = seam_sim_dec_parse(json_string_value(v), digits, &x) == 0;
	else
		*ok = 0;
	return x;
}

/* A money field of a document the double wrote itself (exact at the currency's digits). */
static int64_t minor_of(const json_t *o, const char *key, int digits)
{
	int ok;
	int64_t x = amount_minor(json_object_get(o, key), digits, &ok);
	return ok ? x : 0;
}

static json_t *money(int64_t v, int digits)
{
	return json_real(seam_sim_dec_to_double(v, digits));
}

static void now_text(char out[25])
{
	seam_rfc3339_ms(seam_now_ms(), out);
}

/* One summary entry per jurisdiction and rate, summed from the lines' details. */
static json_t *summarize(const json_t *lines, int digits)
{
	json_t *sum = json_array(), *seen = json_object();
	size_t i, k;
	json_t *l, *d;
	json_array_foreach(lines, i, l) {
		json_array_foreach(json_object_get(l, "details"), k, d) {
			int64_t rate = 0;
			seam_sim_dec_from_double(json_number_value(json_object_get(d, "rate")), RS, &rate);
			char rbuf[SEAM_SIM_DEC_MAX], key[256];
			seam_sim_dec_format(rate, RS, 0, rbuf);
			snprintf(key, sizeof key, "%s/%s/%s", str(d, "country"), str(d, "region"), rbuf);
			json_t *acc = json_object_get(seen, key);
			if (!acc) {
				acc = json_pack("[I, I, I, I]", (json_int_t)json_array_size(sum),
						(json_int_t)0, (json_int_t)0, (json_int_t)0);
				json_object_set_new(seen, key, acc);
				json_array_append_new(
					sum, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}",
						       "country", str(d, "country"), "region",
						       str(d, "region"), "jurisType", str(d, "jurisType"),
						       "jurisCode", str(d, "jurisCode"), "jurisName",
						       str(d, "jurisName"), "taxType", "Sales", "taxName",
						       str(d, "taxName"), "rateType", "General", "rate",
						       json_object_get(d, "rate")));
			}
			const char *f[3] = {"taxableAmount", "tax", "exemptAmount"};
			for (int j = 0; j < 3; j++)
				json_array_set_new(acc, (size_t)j + 1,
						   json_integer(json_integer_value(json_array_get(acc, (size_t)j + 1)) +
								minor_of(d, f[j], digits)));
		}
	}
	const char *key;
	json_t *acc;
	json_object_foreach(seen, key, acc) {
		json_t *o = json_array_get(sum, (size_t)json_integer_value(json_array_get(acc, 0)));
		int64_t tax = json_integer_value(json_array_get(acc, 2));
		json_object_set_new(o, "taxable", money(json_integer_value(json_array_get(acc, 1)), digits));
		json_object_set_new(o, "tax", money(tax, digits));
		json_object_set_new(o, "taxCalculated", money(tax, digits));
		json_object_set_new(o, "nonTaxable", money(0, digits));
		json_object_set_new(o, "exemption", money(json_integer_value(json_array_get(acc, 3)), digits));
	}
	json_decref(seen);
	return sum;
}

/* amount / (1 + rate), half away from zero: the net part of a tax-included amount. */
static int64_t carve_net(int64_t amount, int64_t rate)
{
	__int128 a = amount < 0 ? -(__int128)amount : amount;
	__int128 num = a * 1000000, den = 1000000 + rate;
	__int128 q = num / den;
	if ((num % den) * 2 >= den)
		q++;
	return (int64_t)(amount < 0 ? -q : q);
}

/* Computes the TransactionModel of model m of type (canonical). Answers and returns NULL on a
 * validation error. Takes no lock: rates are read-only, ids atomic, the rng locks itself. */
static json_t *compute(seam_sim_tax_t *t, seam_sim_call_t *c, const json_t *m, const char *type)
{
	const char *date = str(m, "date");
	const char *customer = str(m, "customerCode");
	json_t *lines = json_object_get(m, "lines");
	const char *cur = str(m, "currencyCode");
	const char *code = str(m, "code");
	const char *company = str(m, "companyCode");
	if (!date) {
		av_error(c, 400, "ValueRequiredError", "IncorrectData", "Field 'date' is required.");
		return NULL;
	}
	if (!customer || !*customer) {
		av_error(c, 400, "ValueRequiredError", "IncorrectData",
			 "Field 'customerCode' is required.");
		return NULL;
	}
	if (!json_is_array(lines) || json_array_size(lines) == 0) {
		av_error(c, 400, "MissingLine", "IncorrectData",
			 "A transaction must have at least one line.");
		return NULL;
	}
	if (!cur)
		cur = "USD";
	int digits = seam_sim_currency_digits(cur);
	if (digits < 0) {
		av_error(c, 400, "InvalidCurrencyCode", "IncorrectData",
			 "The currency code '%s' is not valid.", cur);
		return NULL;
	}
	int64_t id = atomic_fetch_add(&t->next_id, 1);
	json_t *doc_addrs = json_object_get(m, "addresses");
	json_t *out_lines = json_array(), *addresses = json_array();
	int64_t total_amount = 0, total_tax = 0, total_taxable = 0, total_exempt = 0;
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		int ok;
		json_t *amt = json_object_get(l, "amount");
		int64_t amount = amount_minor(amt, digits, &ok);
		if (!amt || !ok) {
			av_error(c, 400, "ValueRequiredError", "IncorrectData",
				 "Field 'amount' is required on line %zu.", i + 1);
			goto bad;
		}
		json_t *addr = pick_address(json_object_get(l, "addresses"));
		if (!addr)
			addr = pick_address(doc_addrs);
		if (!addr) {
			av_error(c, 400, "InvalidAddress", "IncorrectData",
				 "An address is required for line %zu (addresses.shipTo or singleLocation).",
				 i + 1);
			goto bad;
		}
		const char *country = str(addr, "country");
		const char *region = str(addr, "region");
		const rate_t *r = rate_for(t, country, region);
		int64_t rate = r ? r->rate : 0;
		int exempt = str(l, "exemptionCode") || str(l, "entityUseCode") || str(m, "exemptionNo");
		int included = json_is_true(json_object_get(l, "taxIncluded"));
		int64_t taxable = exempt ? 0 : amount, tax = 0;
		if (!exempt && rate > 0) {
			if (included) {
				taxable = carve_net(amount, rate);
				tax = amount - taxable;
			} else if (seam_sim_dec_mul(amount, digits, rate, RS, digits, &tax) != 0) {
				tax = 0;
			}
		}
		int64_t line_amount = included ? taxable : amount;
		int64_t exempt_amount = exempt ? amount : 0;
		total_amount += line_amount;
		total_tax += tax;
		total_taxable += taxable;
		total_exempt += exempt_amount;
		const char *num = str(l, "number");
		char nbuf[24];
		snprintf(nbuf, sizeof nbuf, "%zu", i + 1);
		json_t *q = json_object_get(l, "quantity");
		double qty = json_is_number(q) && json_number_value(q) > 0 ? json_number_value(q) : 1;
		const char *jtype = r && r->region ? "State" : "Country";
		const char *jcode = r && r->region ? r->region : country ? country : "";
		json_t *detail = json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:f, s:o, s:o, s:o, s:o, s:o, s:s}", "country",
			country ? country : "", "region", region ? region : "", "jurisType", jtype,
			"jurisCode", jcode, "jurisName", r ? r->name : "", "rate",
			seam_sim_dec_to_double(rate, RS), "tax", money(tax, digits), "taxableAmount",
			money(taxable, digits), "taxCalculated", money(tax, digits), "exemptAmount",
			money(exempt_amount, digits), "nonTaxableAmount", money(0, digits), "taxName",
			r ? r->name : "");
		const char *item = str(l, "itemCode"), *tcode = str(l, "taxCode");
		json_array_append_new(
			out_lines,
			json_pack("{s:I, s:s, s:s, s:f, s:o, s:o, s:o, s:o, s:o, s:s, s:b, s:[o]}",
				  "id", (json_int_t)(id * 100 + (json_int_t)i + 1), "lineNumber",
				  num ? num : nbuf, "itemCode", item ? item : "", "quantity", qty,
				  "lineAmount", money(line_amount, digits), "tax", money(tax, digits),
				  "taxableAmount", money(taxable, digits), "taxCalculated",
				  money(tax, digits), "exemptAmount", money(exempt_amount, digits),
				  "taxCode", tcode ? tcode : "P0000000", "taxIncluded", included,
				  "details", detail));
		json_array_append_new(addresses, json_deep_copy(addr));
	}
	int invoice = kept(type);
	int commit = json_is_true(json_object_get(m, "commit"));
	char gen[37];
	if (!code || !*code) {
		seam_sim_rng_uuid_locked(&t->rng, gen);
		code = gen;
	}
	json_t *doc = json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:i}",
		"id", (json_int_t)(invoice ? id : 0), "code", code, "companyCode",
		company ? company : t->company, "date", date, "status",
		!invoice ? "Temporary" : commit ? "Committed" : "Saved", "type", type,
		"currencyCode", cur, "customerCode", customer, "totalAmount",
		money(total_amount, digits), "totalExempt", money(total_exempt, digits),
		"totalDiscount", money(0, digits), "totalTax", money(total_tax, digits), "totalTaxable",
		money(total_taxable, digits), "totalTaxCalculated", money(total_tax, digits), "locked", 0,
		"version", 1);
	json_object_set_new(doc, "summary", summarize(out_lines, digits));
	json_object_set_new(doc, "lines", out_lines);
	json_object_set_new(doc, "addresses", addresses);
	json_object_set_new(doc, "messages", json_array());
	return doc;
bad:
	json_decref(out_lines);
	json_decref(addresses);
	return NULL;
}

static int force_timeout_asked(seam_sim_call_t *c)
{
	const char *inc = seam_sim_query(c, "$include");
	return inc && strcasestr(inc, "ForceTimeout");
}

/* AvaTax's test hook: hold the answer, then fail with TimeoutRequested. */
static void force_timeout(seam_sim_tax_t *t, seam_sim_call_t *c)
{
	seam_sim_double_sleep(c->dbl, t->force_timeout_ms);
	av_error(c, 408, "TimeoutRequested", "HttpRequest",
		 "You requested a timeout error for this API call (ForceTimeout).");
}

/* The record for company/code: of type when given, else the SalesInvoice, else the first kept
 * type that holds the code (GetTransactionByCode's rule). Lock held. */
static json_t *find(seam_sim_tax_t *t, const char *company, const char *code, const char *type)
{
	char key[KEYCAP];
	if (type)
		return doc_key(key, company, type, code) ? NULL : json_object_get(t->docs, key);
	if (doc_key(key, company, "SalesInvoice", code))
		return NULL;
	json_t *rec = json_object_get(t->docs, key);
	for (size_t i = 0; !rec && doc_types[i]; i++)
		if (kept(doc_types[i]) && !doc_key(key, company, doc_types[i], code))
			rec = json_object_get(t->docs, key);
	return rec;
}

/* Reads ?documentType=. Returns 0 after answering 400 for a value that is no type. */
static int type_param(seam_sim_call_t *c, const char **type)
{
	const char *q = seam_sim_query(c, "documentType");
	*type = NULL;
	if (!q || !*q || !strcasecmp(q, "Any"))
		return 1;
	if (!(*type = doc_type(q))) {
		av_error(c, 400, "InvalidEnumValue", "IncorrectData",
			 "'%s' is not a DocumentType.", q);
		return 0;
	}
	return 1;
}

/* The document the route names, with t->mu HELD on success (the caller unlocks). Answers
 * 401/400/404 and returns NULL (unlocked) when there is none. */
static json_t *route_doc(seam_sim_tax_t *t, seam_sim_call_t *c)
{
	const char *type;
	if (!authed(t, c) || !type_param(c, &type))
		return NULL;
	pthread_mutex_lock(&t->mu);
	json_t *rec = find(t, seam_sim_param(c, "company"), seam_sim_param(c, "code"), type);
	if (rec)
		return rec;
	pthread_mutex_unlock(&t->mu);
	av_error(c, 404, "EntityNotFoundError", "HttpRequest",
		 "The Transaction with code '%s' was not found.", seam_sim_param(c, "code"));
	return NULL;
}

static int cancelled(seam_sim_call_t *c, const json_t *doc)
{
	if (strcmp(str(doc, "status"), "Cancelled"))
		return 0;
	av_error(c, 400, "TransactionAlreadyCancelled", "IncorrectData",
		 "The transaction '%s' is already in a 'Cancelled' status. There is nothing to be "
		 "done.",
		 str(doc, "code"));
	return 1;
}

/* Keeps doc under its company/type/code: a new code as it is; over an existing one a new
 * version (see the top), refused when that one is Cancelled or, for a plain create, Committed.
 * Takes the caller's reference to doc. Returns doc, now shared with the store, with the
 * caller's reference (copy it before the lock is released; then json_decref), or NULL after
 * answering. Lock held. */
static json_t *put(seam_sim_tax_t *t, seam_sim_call_t *c, json_t *doc, int adjust,
		   const char *reason, const char *desc)
{
	char key[KEYCAP], now[25];
	json_t *rec = NULL;
	now_text(now);
	json_object_set_new(doc, "modifiedDate", json_string(now));
	if (doc_key(key, str(doc, "companyCode"), str(doc, "type"), str(doc, "code"))) {
		av_error(c, 400, "StringLengthError", "IncorrectData", "The code is too long.");
		goto refuse;
	}
	rec = json_object_get(t->docs, key);
	if (!rec) {
		if (t->max_documents > 0 && json_object_size(t->docs) >= (size_t)t->max_documents) {
			av_error(c, 400, "EntityLimitExceeded", "IncorrectData",
				 "seam-sim keeps at most %lld documents (tax.max_documents).",
				 (long long)t->max_documents);
			goto refuse;
		}
		json_object_set_new(t->docs, key, json_pack("{s:O, s:[]}", "doc", doc, "history"));
		return doc; /* the record holds its own reference: this one is the caller's */
	}
	json_t *prev = json_object_get(rec, "doc");
	if (cancelled(c, prev))
		goto refuse;
	int was_committed = !strcmp(str(prev, "status"), "Committed");
	if (was_committed && !adjust) {
		av_error(c, 400, "DocumentCodeConflict", "IncorrectData",
			 "A committed document with code '%s' already exists; use createoradjust.",
			 str(doc, "code"));
		goto refuse;
	}
	json_object_set_new(doc, "version",
			    json_integer(json_integer_value(json_object_get(prev, "version")) + 1));
	if (was_committed)
		json_object_set_new(doc, "status", json_string("Committed"));
	if (adjust) {
		json_object_set_new(doc, "adjustmentReason", json_string(reason ? reason : "Other"));
		json_object_set_new(doc, "adjustmentDescription", json_string(desc ? desc : ""));
	}
	json_array_append_new(json_object_get(rec, "history"),
			      json_pack("{s:O, s:O, s:s, s:O, s:O, s:O, s:O*}", "id",
					json_object_get(prev, "id"), "version",
					json_object_get(prev, "version"), "status", "Adjusted",
					"totalAmount", json_object_get(prev, "totalAmount"),
					"totalTax", json_object_get(prev, "totalTax"),
					"modifiedDate", json_object_get(prev, "modifiedDate"),
					"adjustmentReason", json_object_get(prev, "adjustmentReason")));
	json_object_set(rec, "doc", doc);
	return doc;
refuse:
	json_decref(doc);
	return NULL;
}

/* Answers with a copy of a stored document (the store may change it once the lock is gone). */
static void reply_copy(seam_sim_call_t *c, int status, json_t *doc)
{
	seam_sim_reply_json(c, status, NULL, json_deep_copy(doc));
}

/* Type of model m (SalesOrder when absent). Answers 400 and returns NULL for no DocumentType. */
static const char *model_type(seam_sim_call_t *c, const json_t *m)
{
	json_t *v = json_object_get(m, "type");
	if (!v || json_is_null(v))
		return "SalesOrder";
	const char *type = doc_type(json_string_value(v));
	if (!type)
		av_error(c, 400, "InvalidEnumValue", "IncorrectData",
			 "Field 'type' is not a DocumentType (SalesOrder, SalesInvoice, ReturnInvoice, "
			 "...).");
	return type;
}

static int code_ok(seam_sim_tax_t *t, seam_sim_call_t *c, const char *code)
{
	size_t n = code ? strlen(code) : 0;
	if (n <= CODE_MAX && (t->max_code_length == 0 || n <= (size_t)t->max_code_length))
		return 1;
	av_error(c, 400, "StringLengthError", "IncorrectData",
		 "Field 'code' is %zu characters long; the limit is %lld.", n,
		 (long long)(t->max_code_length ? t->max_code_length : CODE_MAX));
	return 0;
}

static void create(seam_sim_call_t *c, seam_sim_tax_t *t, int adjust)
{
	if (!authed(t, c))
		return;
	int ft = force_timeout_asked(c);
	if (ft && !t->force_timeout_commits) {
		force_timeout(t, c);
		return;
	}
	json_t *b = seam_sim_body_json(c), *doc = NULL;
	json_t *m = adjust ? json_object_get(b, "createTransactionModel") : b;
	if (!json_is_object(m)) {
		av_error(c, 400, "ModelRequiredError", "IncorrectData",
			 adjust ? "Field 'createTransactionModel' is required."
				: "A CreateTransactionModel is required.");
		goto out;
	}
	const char *type = model_type(c, m);
	if (!type || !code_ok(t, c, str(m, "code")) || !(doc = compute(t, c, m, type)))
		goto out;
	if (!kept(type)) {
		atomic_fetch_add(&t->quotes, 1);
	} else {
		pthread_mutex_lock(&t->mu);
		doc = put(t, c, doc, adjust, str(b, "adjustmentReason"),
			  str(b, "adjustmentDescription"));
		json_t *copy = doc ? json_deep_copy(doc) : NULL;
		json_decref(doc);
		doc = copy;
		pthread_mutex_unlock(&t->mu);
	}
	if (doc && ft) {
		/* the work is done (kept, committed); the client hears only the timeout */
		json_decref(doc);
		force_timeout(t, c);
	} else if (doc) {
		seam_sim_reply_json(c, 201, NULL, doc);
	}
out:
	json_decref(b);
}

static void h_create(seam_sim_call_t *c, void *ctx)
{
	create(c, ctx, 0);
}

static void h_createoradjust(seam_sim_call_t *c, void *ctx)
{
	create(c, ctx, 1);
}

static void h_get(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	json_t *rec = route_doc(t, c);
	if (!rec)
		return;
	reply_copy(c, 200, json_object_get(rec, "doc"));
	pthread_mutex_unlock(&t->mu);
}

static void h_commit(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	json_t *b = seam_sim_body_json(c);
	json_t *rec = route_doc(t, c);
	if (!rec)
		goto out;
	json_t *d = json_object_get(rec, "doc");
	if (!cancelled(c, d)) {
		if (json_is_true(json_object_get(b, "commit")) &&
		    strcmp(str(d, "status"), "Committed")) {
			char now[25];
			now_text(now);
			json_object_set_new(d, "status", json_string("Committed"));
			json_object_set_new(d, "modifiedDate", json_string(now));
		}
		reply_copy(c, 200, d);
	}
	pthread_mutex_unlock(&t->mu);
out:
	json_decref(b);
}

static void h_void(seam_sim_call_t *c, void *ctx)
{
	static const char *const codes[] = {"DocVoided", "DocDeleted", "Unspecified", NULL};
	seam_sim_tax_t *t = ctx;
	json_t *b = seam_sim_body_json(c);
	if (!authed(t, c))
		goto out;
	const char *code = str(b, "code");
	size_t i = 0;
	while (code && codes[i] && strcasecmp(codes[i], code))
		i++;
	if (!code || !codes[i]) {
		if (code)
			av_error(c, 400, "InvalidEnumValue", "IncorrectData",
				 "Field 'code' is '%s'; seam-sim voids with DocVoided, DocDeleted or "
				 "Unspecified.",
				 code);
		else
			av_error(c, 400, "ValueRequiredError", "IncorrectData",
				 "Field 'code' is required (a VoidTransactionModel: "
				 "{\"code\": \"DocVoided\"}).");
		goto out;
	}
	json_t *rec = route_doc(t, c);
	if (!rec)
		goto out;
	json_t *d = json_object_get(rec, "doc");
	if (strcmp(str(d, "status"), "Cancelled")) {
		char now[25];
		now_text(now);
		json_object_set_new(d, "status", json_string("Cancelled"));
		json_object_set_new(d, "modifiedDate", json_string(now));
		reply_copy(c, 200, d);
	} else if (t->void_repeat_ok) {
		reply_copy(c, 200, d);
	} else {
		cancelled(c, d);
	}
	pthread_mutex_unlock(&t->mu);
out:
	json_decref(b);
}

/* POST .../adjust {adjustmentReason, adjustmentDescription, newTransaction}: a new version of an
 * existing document (AdjustTransaction); code, company and type stay the document's. */
static void h_adjust(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	json_t *b = seam_sim_body_json(c), *m = NULL, *doc = NULL;
	json_t *nt = json_object_get(b, "newTransaction");
	const char *reason = str(b, "adjustmentReason");
	if (!authed(t, c))
		goto out;
	if (!json_is_object(nt) || !reason) {
		av_error(c, 400, "ValueRequiredError", "IncorrectData",
			 "Fields 'adjustmentReason' and 'newTransaction' are required.");
		goto out;
	}
	json_t *rec = route_doc(t, c);
	if (!rec)
		goto out;
	json_t *prev = json_object_get(rec, "doc");
	char type[40];
	snprintf(type, sizeof type, "%s", str(prev, "type"));
	int gone = cancelled(c, prev);
	pthread_mutex_unlock(&t->mu);
	if (gone)
		goto out;
	json_t *tv = json_object_get(nt, "type");
	if (tv && !json_is_null(tv) && doc_type(json_string_value(tv)) != doc_type(type)) {
		av_error(c, 400, "CannotAdjustDocumentType", "IncorrectData",
			 "The document type is an immutable property (this document is a %s).", type);
		goto out;
	}
	m = json_deep_copy(nt);
	json_object_set_new(m, "code", json_string(seam_sim_param(c, "code")));
	json_object_set_new(m, "companyCode", json_string(seam_sim_param(c, "company")));
	if (!(doc = compute(t, c, m, doc_type(type))))
		goto out;
	pthread_mutex_lock(&t->mu);
	doc = put(t, c, doc, 1, reason, str(b, "adjustmentDescription"));
	if (doc)
		reply_copy(c, 200, doc);
	json_decref(doc); /* shared with the store: released under its lock */
	pthread_mutex_unlock(&t->mu);
out:
	json_decref(m);
	json_decref(b);
}

/* ---- refunds ---- */

typedef enum refund_e { REFUND_FULL, REFUND_PARTIAL, REFUND_TAX_ONLY, REFUND_PERCENTAGE } refund_e;

typedef struct refund {
	refund_e type;
	int64_t frac8; /* share refunded, x 10^-8 (Percentage; 1 otherwise) */
	json_t *lines; /* refundLines (borrowed), NULL for all */
	const char *code, *date, *reference;
	char gen[37];
} refund_t;

/* Reads a RefundTransactionModel into rf. Answers 400 and returns 0 when it is not one. */
static int refund_model(seam_sim_tax_t *t, seam_sim_call_t *c, const json_t *b, refund_t *rf)
{
	static const char *const names[] = {"Full", "Partial", "TaxOnly", "Percentage", NULL};
	memset(rf, 0, sizeof *rf);
	if (!json_is_object(b)) {
		av_error(c, 400, "ModelRequiredError", "IncorrectData",
			 "A RefundTransactionModel is required.");
		return 0;
	}
	rf->date = str(b, "refundDate");
	rf->code = str(b, "refundTransactionCode");
	rf->reference = str(b, "referenceCode");
	if (!rf->date) {
		av_error(c, 400, "ValueRequiredError", "IncorrectData",
			 "Field 'refundDate' is required.");
		return 0;
	}
	if (!rf->code || !*rf->code) {
		seam_sim_rng_uuid_locked(&t->rng, rf->gen);
		rf->code = rf->gen;
	} else if (!code_ok(t, c, rf->code)) {
		return 0;
	}
	json_t *tv = json_object_get(b, "refundType");
	const char *tn = json_string_value(tv);
	size_t i = 0;
	while (tn && names[i] && strcasecmp(names[i], tn))
		i++;
	if (tv && !json_is_null(tv) && (!tn || !names[i])) {
		av_error(c, 400, "InvalidRefundType", "IncorrectData",
			 "Field 'refundType' is Full, Partial, TaxOnly or Percentage.");
		return 0;
	}
	rf->type = tn ? (refund_e)i : REFUND_FULL;
	json_t *pct = json_object_get(b, "refundPercentage");
	json_t *lines = json_object_get(b, "refundLines");
	int has_pct = pct && !json_is_null(pct);
	int has_lines = json_array_size(lines) > 0;
	rf->frac8 = ONE8;
	rf->lines = has_lines ? lines : NULL;
	switch (rf->type) {
	case REFUND_FULL:
		if (has_pct) {
			av_error(c, 400, "RefundTypeAndPercentageMismatch", "IncorrectData",
				 "A Full refund takes no refundPercentage.");
			return 0;
		}
		if (has_lines) {
			av_error(c, 400, "RefundTypeAndLineMismatch", "IncorrectData",
				 "A Full refund takes no refundLines.");
			return 0;
		}
		break;
	case REFUND_PARTIAL:
		if (!has_lines) {
			av_error(c, 400, "RefundLinesRequired", "IncorrectData",
				 "A Partial refund needs refundLines (the line numbers to refund).");
			return 0;
		}
		break;
	case REFUND_TAX_ONLY:
		if (has_pct) {
			av_error(c, 400, "RefundPercentageForTaxOnly", "IncorrectData",
				 "A TaxOnly refund takes no refundPercentage.");
			return 0;
		}
		break;
	case REFUND_PERCENTAGE:
		if (!has_pct) {
			av_error(c, 400, "RefundPercentageMissing", "IncorrectData",
				 "A Percentage refund needs refundPercentage.");
			return 0;
		}
		if (!json_is_number(pct) || json_number_value(pct) < 0 ||
		    json_number_value(pct) > 100 ||
		    seam_sim_dec_from_double(json_number_value(pct), 6, &rf->frac8) != 0) {
			av_error(c, 400, "RefundPercentageOutOfRange", "IncorrectData",
				 "Field 'refundPercentage' must be a number from 0 to 100.");
			return 0;
		}
		break;
	}
	for (i = 0; i < json_array_size(rf->lines); i++) {
		if (!json_is_string(json_array_get(rf->lines, i))) {
			av_error(c, 400, "InvalidEntry", "IncorrectData",
				 "refundLines are line numbers (strings).");
			return 0;
		}
	}
	return 1;
}

/* x refunded: its share (frac8), negated, half away from zero at the currency's digits. */
static int64_t refunded(int64_t x, int64_t frac8, int digits)
{
	int64_t v = x;
	if (frac8 != ONE8 && seam_sim_dec_mul(x, digits, frac8, 8, digits, &v) != 0)
		v = x;
	return -v;
}

/* Rewrites the money fields of one line or detail o as refunded; sums[] gets the new amount,
 * taxable, exempt and tax. */
static void refund_fields(json_t *o, const refund_t *rf, int digits, int64_t sums[4])
{
	static const struct {
		const char *name;
		int tax, slot; /* slot in sums, -1 for none */
	} f[] = {{"lineAmount", 0, 0},	  {"taxableAmount", 0, 1}, {"exemptAmount", 0, 2},
		 {"nonTaxableAmount", 0, -1}, {"tax", 1, 3},	   {"taxCalculated", 1, -1}};
	memset(sums, 0, 4 * sizeof *sums);
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		if (!json_object_get(o, f[i].name))
			continue;
		int64_t v = rf->type == REFUND_TAX_ONLY && !f[i].tax
				    ? 0
				    : refunded(minor_of(o, f[i].name, digits), rf->frac8, digits);
		json_object_set_new(o, f[i].name, money(v, digits));
		if (f[i].slot >= 0)
			sums[f[i].slot] = v;
	}
}

static int refund_selects(const refund_t *rf, const char *number)
{
	if (!rf->lines)
		return 1;
	size_t i;
	json_t *v;
	json_array_foreach(rf->lines, i, v)
		if (number && !strcmp(json_string_value(v), number))
			return 1;
	return 0;
}

/* The ReturnInvoice of refund rf of orig (a stored SalesInvoice). Answers 400 and returns NULL
 * when a refundLines number is not a line of orig. Lock held (orig is the store's). */
static json_t *refund_doc(seam_sim_tax_t *t, seam_sim_call_t *c, const json_t *orig,
			  const refund_t *rf)
{
	int digits = seam_sim_currency_digits(str(orig, "currencyCode"));
	if (digits < 0)
		digits = 2;
	size_t i, k;
	json_t *v, *l;
	json_array_foreach(rf->lines, i, v) {
		int found = 0;
		json_array_foreach(json_object_get(orig, "lines"), k, l)
			found = found || !strcmp(str(l, "lineNumber"), json_string_value(v));
		if (!found) {
			av_error(c, 400, "LineNoOutOfRange", "IncorrectData",
				 "Line '%s' is not a line of transaction '%s'.",
				 json_string_value(v), str(orig, "code"));
			return NULL;
		}
	}
	int64_t id = atomic_fetch_add(&t->next_id, 1);
	int64_t amount = 0, taxable = 0, exempt = 0, tax = 0;
	json_t *lines = json_array();
	json_array_foreach(json_object_get(orig, "lines"), i, l) {
		if (!refund_selects(rf, str(l, "lineNumber")))
			continue;
		json_t *nl = json_deep_copy(l);
		int64_t sums[4];
		refund_fields(nl, rf, digits, sums);
		amount += sums[0];
		taxable += sums[1];
		exempt += sums[2];
		tax += sums[3];
		json_object_set_new(nl, "id", json_integer(id * 100 + (json_int_t)json_array_size(lines) + 1));
		json_array_foreach(json_object_get(nl, "details"), k, v)
			refund_fields(v, rf, digits, sums);
		json_array_append_new(lines, nl);
	}
	char now[25];
	now_text(now);
	json_t *doc = json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b, "
		"s:i, s:s}",
		"id", (json_int_t)id, "code", rf->code, "companyCode", str(orig, "companyCode"),
		"date", rf->date, "status", "Committed", "type", "ReturnInvoice", "currencyCode",
		str(orig, "currencyCode"), "customerCode", str(orig, "customerCode"),
		"referenceCode", rf->reference ? rf->reference : str(orig, "code"), "totalAmount",
		money(amount, digits), "totalExempt", money(exempt, digits), "totalDiscount",
		money(0, digits), "totalTax", money(tax, digits), "totalTaxable",
		money(taxable, digits), "totalTaxCalculated", money(tax, digits), "locked", 0,
		"version", 1, "modifiedDate", now);
	json_object_set_new(doc, "summary", summarize(lines, digits));
	json_object_set_new(doc, "lines", lines);
	json_object_set_new(doc, "addresses", json_deep_copy(json_object_get(orig, "addresses")));
	json_object_set_new(doc, "messages", json_array());
	return doc;
}

static void h_refund(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	json_t *b = seam_sim_body_json(c);
	refund_t rf;
	if (!authed(t, c) || !refund_model(t, c, b, &rf))
		goto out;
	json_t *rec = route_doc(t, c);
	if (!rec)
		goto out;
	json_t *orig = json_object_get(rec, "doc"), *done = NULL;
	char key[KEYCAP];
	if (strcmp(str(orig, "type"), "SalesInvoice")) {
		av_error(c, 400, "InvalidDocumentTypeForRefund", "IncorrectData",
			 "Only a SalesInvoice can be refunded; '%s' is a %s.", str(orig, "code"),
			 str(orig, "type"));
	} else if (!cancelled(c, orig)) {
		if (!doc_key(key, str(orig, "companyCode"), "ReturnInvoice", rf.code))
			done = json_object_get(t->docs, key);
		if (done && t->refund_repeat_existing) {
			reply_copy(c, 200, json_object_get(done, "doc"));
		} else if (done) {
			av_error(c, 400, "TransactionAlreadyExists", "IncorrectData",
				 "A transaction with code '%s' and type ReturnInvoice already exists.",
				 rf.code);
		} else {
			json_t *doc = refund_doc(t, c, orig, &rf);
			if (doc && (doc = put(t, c, doc, 0, NULL, NULL)))
				reply_copy(c, 200, doc);
			json_decref(doc);
		}
	}
	pthread_mutex_unlock(&t->mu);
out:
	json_decref(b);
}

static void h_ping(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	char *u = NULL, *p = NULL;
	int ok = seam_sim_basic_auth(seam_sim_header(c, "Authorization"), &u, &p) == 0 &&
		 seam_sim_streq_ct(u, t->account) && seam_sim_streq_ct(p, t->license);
	free(u);
	free(p);
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:s, s:b, s:s, s:s?}", "version", "seam-sim", "authenticated",
				      ok, "authenticationType", ok ? "AccountIdLicenseKey" : "None",
				      "authenticatedAccountId", ok ? t->account : NULL));
}

/* ---- control API: what the tests assert ---- */

static int matches_q(seam_sim_call_t *c, const char *name, const char *value)
{
	const char *q = seam_sim_query(c, name);
	return !q || !*q || (value && !strcasecmp(q, value));
}

static void h_documents(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	json_t *arr = json_array();
	const char *key;
	json_t *rec;
	pthread_mutex_lock(&t->mu);
	json_object_foreach(t->docs, key, rec) {
		json_t *d = json_object_get(rec, "doc");
		if (!matches_q(c, "code", str(d, "code")) || !matches_q(c, "type", str(d, "type")) ||
		    !matches_q(c, "status", str(d, "status")))
			continue;
		json_t *o = json_pack(
			"{s:s, s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:b, s:O, s:O, s:O}", "companyCode",
			str(d, "companyCode"), "code", str(d, "code"), "type", str(d, "type"), "status",
			str(d, "status"), "version", json_object_get(d, "version"), "id",
			json_object_get(d, "id"), "totalTax", json_object_get(d, "totalTax"),
			"totalAmount", json_object_get(d, "totalAmount"), "committed",
			!strcmp(str(d, "status"), "Committed"), "date", json_object_get(d, "date"),
			"modifiedDate", json_object_get(d, "modifiedDate"), "history",
			json_object_get(rec, "history"));
		if (json_object_get(d, "adjustmentReason"))
			json_object_set(o, "adjustmentReason", json_object_get(d, "adjustmentReason"));
		if (json_object_get(d, "referenceCode"))
			json_object_set(o, "referenceCode", json_object_get(d, "referenceCode"));
		json_array_append_new(arr, o);
	}
	/* deep, and released under the lock: arr shares values with the store */
	json_t *body = json_pack("{s:o, s:I}", "documents", json_deep_copy(arr), "count",
				 (json_int_t)json_array_size(arr));
	json_decref(arr);
	pthread_mutex_unlock(&t->mu);
	seam_sim_reply_json(c, 200, NULL, body);
}

static void h_stats(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	json_int_t committed = 0, voided = 0, returns = 0, adjustments = 0, n;
	json_t *by_code = json_object(), *holders = json_object(), *dups = json_array();
	const char *key;
	json_t *rec;
	pthread_mutex_lock(&t->mu);
	n = (json_int_t)json_object_size(t->docs);
	json_object_foreach(t->docs, key, rec) {
		json_t *d = json_object_get(rec, "doc");
		const char *code = str(d, "code"), *st = str(d, "status");
		json_int_t v = json_integer_value(json_object_get(d, "version"));
		committed += !strcmp(st, "Committed");
		voided += !strcmp(st, "Cancelled");
		returns += !strcmp(str(d, "type"), "ReturnInvoice");
		adjustments += v - 1;
		json_object_set_new(by_code, code,
				    json_integer(json_integer_value(json_object_get(by_code, code)) + v));
		json_object_set_new(holders, code,
				    json_integer(json_integer_value(json_object_get(holders, code)) + 1));
	}
	pthread_mutex_unlock(&t->mu);
	json_object_foreach(holders, key, rec)
		if (json_integer_value(rec) > 1)
			json_array_append_new(dups, json_string(key));
	json_decref(holders);
	seam_sim_reply_json(
		c, 200, NULL,
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "documents", n, "committed",
			  committed, "voided", voided, "returns", returns, "adjustments", adjustments,
			  "quotes", (json_int_t)atomic_load(&t->quotes), "by_code", by_code,
			  "duplicates", dups));
}

static const seam_sim_route_t routes[] = {
	{"POST", "/api/v2/transactions/create", h_create, 0, "create a transaction"},
	{"POST", "/api/v2/transactions/createoradjust", h_createoradjust, 0,
	 "create or adjust by code"},
	{"GET", "/api/v2/companies/{company}/transactions/{code}", h_get, 0, "one transaction"},
	{"POST", "/api/v2/companies/{company}/transactions/{code}/commit", h_commit, 0, "commit"},
	{"POST", "/api/v2/companies/{company}/transactions/{code}/void", h_void, 0, "void"},
	{"POST", "/api/v2/companies/{company}/transactions/{code}/adjust", h_adjust, 0,
	 "a new version"},
	{"POST", "/api/v2/companies/{company}/transactions/{code}/refund", h_refund, 0,
	 "a ReturnInvoice"},
	{"GET", "/api/v2/utilities/ping", h_ping, 0, "ping"},
	{"GET", "/_sim/tax/documents", h_documents, 0, "every kept document"},
	{"GET", "/_sim/tax/stats", h_stats, 0, "documents, committed, voided, duplicates"},
};

static void reset_data(void *ctx)
{
	seam_sim_tax_t *t = ctx;
	pthread_mutex_lock(&t->mu);
	json_object_clear(t->docs);
	atomic_store(&t->next_id, 1);
	atomic_store(&t->quotes, 0);
	pthread_mutex_unlock(&t->mu);
	/* re-seed in place: a quote may be drawing a code from this rng right now */
	seam_sim_rng_t fresh;
	seam_sim_rng_init(&fresh, t->seed, "tax");
	pthread_mutex_lock(&t->rng.mu);
	memcpy(t->rng.s, fresh.s, sizeof t->rng.s);
	pthread_mutex_unlock(&t->rng.mu);
	seam_sim_rng_dispose(&fresh);
}

void seam_sim_tax_def(seam_sim_tax_t *t, seam_sim_double_def_t *def)
{
	memset(def, 0, sizeof *def);
	def->name = "tax";
	def->routes = routes;
	def->nroutes = sizeof routes / sizeof *routes;
	def->ctx = t;
	def->reset_data = reset_data;
}

void seam_sim_tax_destroy(seam_sim_tax_t *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrates; i++) {
		free(t->rates[i].region);
		free(t->rates[i].name);
		free(t->rates[i].type);
	}
	free(t->rates);
	free(t->account);
	free(t->license);
	free(t->company);
	json_decref(t->docs);
	seam_sim_rng_dispose(&t->rng);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* key: one of two words; *flag is 1 when it is the second. */
static seam_err_t cfg_choice(const seam_sim_config_t *cfg, const json_t *sec, const char *key,
			     const char *no, const char *yes, int *flag, seam_error_t *err)
{
	const char *v;
	seam_err_t rc = seam_sim_cfg_str(cfg, sec, key, no, &v, err);
	if (rc)
		return rc;
	if (strcmp(v, no) && strcmp(v, yes))
		return seam_sim_config_errorf(cfg, json_object_get(sec, key), err,
					      "tax.%s: \"%s\" or \"%s\"", key, no, yes);
	*flag = !strcmp(v, yes);
	return SEAM_OK;
}

seam_err_t seam_sim_tax_create(const seam_sim_config_t *cfg, const json_t *sec,
			       const seam_sim_env_t *env, seam_sim_tax_t **out, seam_error_t *err)
{
	static const char *const keys[] = {"listen", "threads", "account_id", "license_key",
					   "company_code", "rates", "force_timeout",
					   "force_timeout_commits", "void_repeat", "refund_repeat",
					   "max_documents", "max_code_length", NULL};
	static const char *const rkeys[] = {"country", "region", "rate", "name", NULL};
	seam_err_t rc;
	seam_sim_tax_t *t = calloc(1, sizeof *t);
	if (!t)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&t->mu, NULL);
	t->seed = env->seed;
	seam_sim_rng_init(&t->rng, env->seed, "tax");
	t->docs = json_object();
	atomic_init(&t->next_id, 1);
	atomic_init(&t->quotes, 0);
	const char *company;
	if ((rc = seam_sim_cfg_keys(cfg, sec, keys, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "account_id", "1100000000", &t->account, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "license_key", "seam-tax-license", &t->license, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "company_code", "DEFAULT", &company, err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "force_timeout", 30000, &t->force_timeout_ms, err)) ||
	    (rc = seam_sim_cfg_bool(cfg, sec, "force_timeout_commits", 0,
				    &t->force_timeout_commits, err)) ||
	    (rc = cfg_choice(cfg, sec, "void_repeat", "error", "ok", &t->void_repeat_ok, err)) ||
	    (rc = cfg_choice(cfg, sec, "refund_repeat", "error", "existing",
			     &t->refund_repeat_existing, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "max_documents", 100000, 0, INT64_MAX,
				   &t->max_documents, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "max_code_length", 0, 0, CODE_MAX,
				   &t->max_code_length, err)))
		goto fail;
	t->company = strdup(company);
	json_t *rates = json_object_get(sec, "rates");
	json_t *def_rates = NULL;
	if (!rates || json_is_null(rates)) {
		def_rates = json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}, {s:s, s:s, s:s}, "
				      "{s:s, s:s, s:s}]",
				      "country", "US", "region", "CA", "rate", "0.0725", "name",
				      "CALIFORNIA STATE TAX", "country", "US", "region", "NY", "rate",
				      "0.04", "name", "NEW YORK STATE TAX", "country", "DE", "rate",
				      "0.19", "name", "GERMANY VAT", "country", "FR", "rate", "0.20",
				      "name", "FRANCE VAT");
		rates = def_rates;
	}
	if (!json_is_array(rates)) {
		rc = seam_sim_config_errorf(cfg, rates, err, "tax.rates: expected a list");
		goto fail;
	}
	t->nrates = json_array_size(rates);
	t->rates = calloc(t->nrates ? t->nrates : 1, sizeof *t->rates);
	size_t i;
	json_t *r;
	json_array_foreach(rates, i, r) {
		const char *country, *region, *name, *rate;
		if ((rc = seam_sim_cfg_keys(cfg, r, rkeys, err)) ||
		    (rc = seam_sim_cfg_str(cfg, r, "country", NULL, &country, err)) ||
		    (rc = seam_sim_cfg_str(cfg, r, "region", NULL, &region, err)) ||
		    (rc = seam_sim_cfg_str(cfg, r, "name", NULL, &name, err)) ||
		    (rc = seam_sim_cfg_str(cfg, r, "rate", NULL, &rate, err))) {
			json_decref(def_rates);
			goto fail;
		}
		if (!country || strlen(country) != 2 || !rate ||
		    seam_sim_dec_parse(rate, RS, &t->rates[i].rate) != 0 || t->rates[i].rate < 0) {
			rc = seam_sim_config_errorf(cfg, r, err,
						    "tax.rates: each rate needs a two-letter country and "
						    "a decimal string rate such as \"0.0725\"");
			json_decref(def_rates);
			goto fail;
		}
		snprintf(t->rates[i].country, sizeof t->rates[i].country, "%s", country);
		t->rates[i].region = region ? strdup(region) : NULL;
		char nm[64];
		snprintf(nm, sizeof nm, "%s%s%s TAX", country, region ? " " : "", region ? region : "");
		t->rates[i].name = strdup(name ? name : nm);
	}
	json_decref(def_rates);
	*out = t;
	return SEAM_OK;
fail:
	seam_sim_tax_destroy(t);
	return rc;
}
