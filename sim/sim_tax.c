/*
 * sim_tax.c: rate table lookup and exact per-line tax; kept transactions by code.
 */
#include "sim/sim_tax.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "sim/sim_money.h"
#include "sim/sim_rng.h"

#define RS 6 /* rate scale */

typedef struct rate {
	char country[4];
	char *region; /* NULL: whole country */
	int64_t rate; /* x 10^-6 */
	char *name, *type;
} rate_t;

struct seam_sim_tax {
	pthread_mutex_t mu;
	uint64_t seed;
	seam_sim_rng_t rng;
	char *account, *license;
	char *company;
	rate_t *rates;
	size_t nrates;
	int64_t force_timeout_ms;
	json_t *docs; /* "company/code" -> TransactionModel */
	int64_t next_id;
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

static json_t *money(int64_t v, int digits)
{
	return json_real(seam_sim_dec_to_double(v, digits));
}

/* Computes the TransactionModel. Answers and returns NULL on a validation error. Lock held. */
static json_t *compute(seam_sim_tax_t *t, seam_sim_call_t *c, const json_t *m)
{
	const char *date = json_string_value(json_object_get(m, "date"));
	const char *customer = json_string_value(json_object_get(m, "customerCode"));
	json_t *lines = json_object_get(m, "lines");
	const char *type = json_string_value(json_object_get(m, "type"));
	const char *cur = json_string_value(json_object_get(m, "currencyCode"));
	const char *code = json_string_value(json_object_get(m, "code"));
	const char *company = json_string_value(json_object_get(m, "companyCode"));
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
	if (!type)
		type = "SalesOrder";
	if (!cur)
		cur = "USD";
	int digits = seam_sim_currency_digits(cur);
	if (digits < 0) {
		av_error(c, 400, "InvalidCurrencyCode", "IncorrectData",
			 "The currency code '%s' is not valid.", cur);
		return NULL;
	}
	json_t *doc_addrs = json_object_get(m, "addresses");
	json_t *out_lines = json_array(), *summary = json_object(), *addresses = json_array();
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
		const char *country = json_string_value(json_object_get(addr, "country"));
		const char *region = json_string_value(json_object_get(addr, "region"));
		const rate_t *r = rate_for(t, country, region);
		int64_t rate = r ? r->rate : 0;
		int exempt = json_string_value(json_object_get(l, "exemptionCode")) ||
			     json_string_value(json_object_get(l, "entityUseCode")) ||
			     json_string_value(json_object_get(m, "exemptionNo"));
		int included = json_is_true(json_object_get(l, "taxIncluded"));
		int64_t taxable = exempt ? 0 : amount, tax = 0;
		if (!exempt && rate > 0) {
			if (included) {
				/* taxable = amount / (1 + rate), half up */
				__int128 num = (__int128)amount * 1000000;
				__int128 den = 1000000 + rate;
				__int128 q = num / den, rem = num % den;
				if (rem * 2 >= den)
					q++;
				taxable = (int64_t)q;
				tax = amount - taxable;
			} else if (seam_sim_dec_mul(amount, digits, rate, RS, digits, &tax) != 0) {
				tax = 0;
			}
		}
		int64_t line_amount = included ? taxable : amount;
		total_amount += line_amount;
		total_tax += tax;
		total_taxable += taxable;
		total_exempt += exempt ? amount : 0;
		char rbuf[SEAM_SIM_DEC_MAX];
		seam_sim_dec_format(rate, RS, 0, rbuf);
		const char *num = json_string_value(json_object_get(l, "number"));
		char nbuf[24];
		snprintf(nbuf, sizeof nbuf, "%zu", i + 1);
		json_t *q = json_object_get(l, "quantity");
		double qty = json_is_number(q) && json_number_value(q) > 0 ? json_number_value(q) : 1;
		json_t *detail = json_pack("{s:s, s:s, s:s, s:s, s:f, s:o, s:o, s:o, s:s}", "country",
					   country ? country : "", "region", region ? region : "",
					   "jurisType", r && r->region ? "State" : "Country", "jurisName",
					   r ? r->name : "", "rate", seam_sim_dec_to_double(rate, RS),
					   "tax", money(tax, digits), "taxableAmount",
					   money(taxable, digits), "taxCalculated", money(tax, digits),
					   "taxName", r ? r->name : "");
		json_array_append_new(
			out_lines,
			json_pack("{s:I, s:s, s:s, s:f, s:o, s:o, s:o, s:o, s:o, s:s, s:b, s:[o]}",
				  "id", (json_int_t)(t->next_id * 100 + (json_int_t)i + 1), "lineNumber",
				  num ? num : nbuf, "itemCode",
				  json_string_value(json_object_get(l, "itemCode"))
					  ? json_string_value(json_object_get(l, "itemCode"))
					  : "",
				  "quantity", qty, "lineAmount", money(line_amount, digits), "tax",
				  money(tax, digits), "taxableAmount", money(taxable, digits),
				  "taxCalculated", money(tax, digits), "exemptAmount",
				  money(exempt ? amount : 0, digits), "taxCode",
				  json_string_value(json_object_get(l, "taxCode"))
					  ? json_string_value(json_object_get(l, "taxCode"))
					  : "P0000000",
				  "taxIncluded", included, "details", detail));
		char key[128];
		snprintf(key, sizeof key, "%s/%s/%s", country ? country : "", region ? region : "",
			 rbuf);
		json_t *s = json_object_get(summary, key);
		if (!s) {
			s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I, s:I, s:I, s:I}",
				      "country", country ? country : "", "region", region ? region : "",
				      "jurisType", r && r->region ? "State" : "Country", "jurisCode",
				      r && r->region ? r->region : country ? country : "", "jurisName",
				      r ? r->name : "", "taxType", "Sales", "taxName",
				      r ? r->name : "", "rateType", "General", "rate",
				      seam_sim_dec_to_double(rate, RS), "_taxable", (json_int_t)0,
				      "_tax", (json_int_t)0, "_exempt", (json_int_t)0, "_nontax",
				      (json_int_t)0);
			json_object_set_new(summary, key, s);
		}
		json_object_set_new(s, "_taxable", json_integer(json_integer_value(json_object_get(s, "_taxable")) + taxable));
		json_object_set_new(s, "_tax", json_integer(json_integer_value(json_object_get(s, "_tax")) + tax));
		json_object_set_new(s, "_exempt", json_integer(json_integer_value(json_object_get(s, "_exempt")) + (exempt ? amount : 0)));
		json_array_append_new(addresses, json_deep_copy(addr));
	}
	json_t *sum = json_array();
	const char *k;
	json_t *s;
	json_object_foreach(summary, k, s) {
		json_t *o = json_deep_copy(s);
		json_object_set_new(o, "taxable", money(json_integer_value(json_object_get(s, "_taxable")), digits));
		json_object_set_new(o, "tax", money(json_integer_value(json_object_get(s, "_tax")), digits));
		json_object_set_new(o, "taxCalculated", money(json_integer_value(json_object_get(s, "_tax")), digits));
		json_object_set_new(o, "nonTaxable", money(0, digits));
		json_object_set_new(o, "exemption", money(json_integer_value(json_object_get(s, "_exempt")), digits));
		json_object_del(o, "_taxable");
		json_object_del(o, "_tax");
		json_object_del(o, "_exempt");
		json_object_del(o, "_nontax");
		json_array_append_new(sum, o);
	}
	json_decref(summary);
	int invoice = strstr(type, "Invoice") != NULL;
	int commit = json_is_true(json_object_get(m, "commit"));
	char gen[37];
	if (!code || !*code) {
		seam_sim_rng_uuid(&t->rng, gen);
		code = gen;
	}
	json_t *doc = json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:i}",
		"id", (json_int_t)(invoice ? t->next_id : 0), "code", code, "companyCode",
		company ? company : t->company, "date", date, "status",
		!invoice ? "Temporary" : commit ? "Committed" : "Saved", "type", type,
		"currencyCode", cur, "customerCode", customer, "totalAmount",
		money(total_amount, digits), "totalExempt", money(total_exempt, digits),
		"totalDiscount", money(0, digits), "totalTax", money(total_tax, digits), "totalTaxable",
		money(total_taxable, digits), "totalTaxCalculated", money(total_tax, digits), "locked", 0,
		"version", 1);
	json_object_set_new(doc, "lines", out_lines);
	json_object_set_new(doc, "addresses", addresses);
	json_object_set_new(doc, "summary", sum);
	json_object_set_new(doc, "messages", json_array());
	t->next_id++;
	return doc;
bad:
	json_decref(out_lines);
	json_decref(summary);
	json_decref(addresses);
	return NULL;
}

static int force_timeout(seam_sim_tax_t *t, seam_sim_call_t *c)
{
	const char *inc = seam_sim_query(c, "$include");
	if (!inc || !strcasestr(inc, "ForceTimeout"))
		return 0;
	seam_sim_double_sleep(c->dbl, t->force_timeout_ms);
	av_error(c, 408, "RequestTimeout", "HttpRequest",
		 "The request timed out (ForceTimeout test hook).");
	return 1;
}

static void create(seam_sim_call_t *c, seam_sim_tax_t *t, int adjust)
{
	if (!authed(t, c) || force_timeout(t, c))
		return;
	json_t *b = seam_sim_body_json(c);
	json_t *m = adjust ? json_object_get(b, "createTransactionModel") : b;
	if (!json_is_object(m)) {
		av_error(c, 400, "ModelRequiredError", "IncorrectData",
			 adjust ? "Field 'createTransactionModel' is required."
				: "A CreateTransactionModel is required.");
		json_decref(b);
		return;
	}
	pthread_mutex_lock(&t->mu);
	json_t *doc = compute(t, c, m);
	if (doc) {
		const char *type = json_string_value(json_object_get(doc, "type"));
		char key[256];
		snprintf(key, sizeof key, "%s/%s", json_string_value(json_object_get(doc, "companyCode")),
			 json_string_value(json_object_get(doc, "code")));
		json_t *prev = json_object_get(t->docs, key);
		if (strstr(type, "Invoice")) {
			if (prev && !adjust &&
			    !strcmp(json_string_value(json_object_get(prev, "status")), "Committed")) {
				pthread_mutex_unlock(&t->mu);
				json_decref(doc);
				/* m may be b itself: answer before releasing it */
				av_error(c, 400, "DocumentCodeConflict", "IncorrectData",
					 "A committed document with code '%s' already exists; use "
					 "createoradjust.",
					 json_string_value(json_object_get(m, "code")));
				json_decref(b);
				return;
			}
			if (prev) {
				json_object_set(doc, "id", json_object_get(prev, "id"));
				json_object_set_new(doc, "version",
						    json_integer(json_integer_value(json_object_get(prev, "version")) + 1));
				if (adjust) {
					const char *reason = json_string_value(json_object_get(b, "adjustmentReason"));
					json_object_set_new(doc, "adjustmentReason",
							    json_string(reason ? reason : "Other"));
				}
			}
			json_object_set(t->docs, key, doc);
		}
	}
	pthread_mutex_unlock(&t->mu);
	if (doc)
		seam_sim_reply_json(c, 201, NULL, doc);
	json_decref(b);
}

static void h_create(seam_sim_call_t *c, void *ctx)
{
	create(c, ctx, 0);
}

static void h_adjust(seam_sim_call_t *c, void *ctx)
{
	create(c, ctx, 1);
}

static void h_get(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	if (!authed(t, c))
		return;
	char key[256];
	snprintf(key, sizeof key, "%s/%s", seam_sim_param(c, "company"), seam_sim_param(c, "code"));
	pthread_mutex_lock(&t->mu);
	json_t *d = json_deep_copy(json_object_get(t->docs, key));
	pthread_mutex_unlock(&t->mu);
	if (d)
		seam_sim_reply_json(c, 200, NULL, d);
	else
		av_error(c, 404, "EntityNotFoundError", "HttpRequest", "Document '%s' not found.",
			 seam_sim_param(c, "code"));
}

static void h_commit(seam_sim_call_t *c, void *ctx)
{
	seam_sim_tax_t *t = ctx;
	if (!authed(t, c))
		return;
	json_t *b = seam_sim_body_json(c);
	char key[256];
	snprintf(key, sizeof key, "%s/%s", seam_sim_param(c, "company"), seam_sim_param(c, "code"));
	pthread_mutex_lock(&t->mu);
	json_t *d = json_object_get(t->docs, key);
	if (d && json_is_true(json_object_get(b, "commit")))
		json_object_set_new(d, "status", json_string("Committed"));
	json_t *out = d ? json_deep_copy(d) : NULL;
	pthread_mutex_unlock(&t->mu);
	if (out)
		seam_sim_reply_json(c, 200, NULL, out);
	else
		av_error(c, 404, "EntityNotFoundError", "HttpRequest", "Document '%s' not found.",
			 seam_sim_param(c, "code"));
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

static const seam_sim_route_t routes[] = {
	{"POST", "/api/v2/transactions/create", h_create, 0, "create a transaction"},
	{"POST", "/api/v2/transactions/createoradjust", h_adjust, 0, "create or adjust by code"},
	{"GET", "/api/v2/companies/{company}/transactions/{code}", h_get, 0, "one transaction"},
	{"POST", "/api/v2/companies/{company}/transactions/{code}/commit", h_commit, 0, "commit"},
	{"GET", "/api/v2/utilities/ping", h_ping, 0, "ping"},
};

static void reset_data(void *ctx)
{
	seam_sim_tax_t *t = ctx;
	pthread_mutex_lock(&t->mu);
	json_object_clear(t->docs);
	t->next_id = 1;
	seam_sim_rng_dispose(&t->rng);
	seam_sim_rng_init(&t->rng, t->seed, "tax");
	pthread_mutex_unlock(&t->mu);
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

seam_err_t seam_sim_tax_create(const seam_sim_config_t *cfg, const json_t *sec,
			       const seam_sim_env_t *env, seam_sim_tax_t **out, seam_error_t *err)
{
	static const char *const keys[] = {"listen", "threads", "account_id", "license_key",
					   "company_code", "rates", "force_timeout", NULL};
	static const char *const rkeys[] = {"country", "region", "rate", "name", NULL};
	seam_err_t rc;
	seam_sim_tax_t *t = calloc(1, sizeof *t);
	if (!t)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&t->mu, NULL);
	t->seed = env->seed;
	seam_sim_rng_init(&t->rng, env->seed, "tax");
	t->docs = json_object();
	t->next_id = 1;
	const char *company;
	if ((rc = seam_sim_cfg_keys(cfg, sec, keys, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "account_id", "1100000000", &t->account, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "license_key", "seam-tax-license", &t->license, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "company_code", "DEFAULT", &company, err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "force_timeout", 30000, &t->force_timeout_ms, err)))
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
