/*
 * tax.c: the tax flow (see tax.h): its config, registry row, the quote within its budget, the
 * cache of engine answers and the estimate from the store's rate table.
 */
#include "flows/tax.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connectors/drupal/drupal.h"
#include "connectors/tax.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "domain/money.h"
#include "flows/flow_int.h"
#include "flows/stores.h"
#include "flows/timeline.h"
#include "map/map.h"
#include "queue/queue.h"

#define FALLBACK_MARGIN_MS 50 /* kept for the estimate after the engine's deadline */

/* ---------- config ---------- */

#define F(st, fld) offsetof(st, fld)

static const seam_cfg_field_t rate_fields[] = {
	{"country", SEAM_CFG_STR, F(seam_tax_rate_config_t, country), SEAM_CFG_REQUIRED, NULL,
	 "ISO 3166-1 alpha-2 country (US, DE).", NULL, NULL, 0, 0},
	{"region", SEAM_CFG_STR, F(seam_tax_rate_config_t, region), 0, NULL,
	 "Subdivision (CA, NY, BY); unset: the whole country.", NULL, NULL, 0, 0},
	{"postal", SEAM_CFG_STRLIST, F(seam_tax_rate_config_t, postal), 0, NULL,
	 "Postal code prefixes it covers (the longest matching prefix wins); unset: all.", NULL,
	 NULL, 0, 0},
	{"rate", SEAM_CFG_STR, F(seam_tax_rate_config_t, rate), SEAM_CFG_REQUIRED, NULL,
	 "The combined rate as a decimal (\"0.0725\").", NULL, NULL, 0, 0},
	{"name", SEAM_CFG_STR, F(seam_tax_rate_config_t, name), 0, NULL,
	 "The jurisdiction's name in the answer; unset: the entry's name.", NULL, NULL, 0, 0},
	{"tax_codes", SEAM_CFG_STRMAP, F(seam_tax_rate_config_t, tax_codes), 0, NULL,
	 "Tax code -> rate for goods taxed differently there (PB100000: \"0.07\").", NULL, NULL, 0,
	 0},
};
static const seam_cfg_schema_t rate_schema = {"rate", sizeof(seam_tax_rate_config_t), rate_fields,
					      sizeof rate_fields / sizeof rate_fields[0]};

static const seam_cfg_field_t store_fields[] = {
	{"upstream", SEAM_CFG_STR, F(seam_tax_store_config_t, upstream), SEAM_CFG_REQUIRED, NULL,
	 "Upstream (in upstreams:) of the tax engine's REST v2 (AvaTax-like, basic auth).", NULL,
	 NULL, 0, 0},
	{"company", SEAM_CFG_STR, F(seam_tax_store_config_t, company), 0, "DEFAULT",
	 "The engine's company code.", NULL, NULL, 0, 0},
	{"customer", SEAM_CFG_STR, F(seam_tax_store_config_t, customer), 0, "WEB",
	 "Customer code for carts that name none.", NULL, NULL, 0, 0},
	{"mapping", SEAM_CFG_STR, F(seam_tax_store_config_t, mapping), 0, "tax_to_engine",
	 "Mapping (mappings/NAME.lua) from the canonical cart to the engine's transaction.", NULL,
	 NULL, 0, 0},
	{"shipping_code", SEAM_CFG_STR, F(seam_tax_store_config_t, shipping_code), 0, "FR010000",
	 "Tax code of shipping when the cart names none.", NULL, NULL, 0, 0},
	{"budget", SEAM_CFG_DURATION, F(seam_tax_store_config_t, budget_ms), 0, "800ms",
	 "A quote answers within this, engine or not.", NULL, NULL, 100, 10000},
	{"engine_timeout", SEAM_CFG_DURATION, F(seam_tax_store_config_t, engine_timeout_ms), 0,
	 "600ms", "The engine's share of the budget (at most budget - 50ms: the rest is the "
	 "fallback's).", NULL, NULL, 10, 10000},
	{"cache_ttl", SEAM_CFG_DURATION, F(seam_tax_store_config_t, cache_ttl_ms), 0, "10m",
	 "An engine answer this recent serves the same cart and address without a call.", NULL,
	 NULL, 0, 86400000},
	{"last_answer", SEAM_CFG_DURATION, F(seam_tax_store_config_t, last_answer_ms), 0, "24h",
	 "When the engine fails, an engine answer for the same cart this recent serves (source "
	 "cache, with its age) before the rate table.", NULL, NULL, 0, 30LL * 86400000},
	{"cache_max", SEAM_CFG_INT, F(seam_tax_store_config_t, cache_max), 0, "10000",
	 "Engine answers kept in memory (then the oldest half goes).", NULL, NULL, 10, 10000000},
	{"policy", SEAM_CFG_ENUM, F(seam_tax_store_config_t, policy), 0, "estimate",
	 "A jurisdiction the rate table does not know, with the engine unavailable: estimate "
	 "(fallback_rate, flagged) or block (503: checkout cannot go on).", NULL, "estimate|block", 0,
	 0},
	{"fallback_rate", SEAM_CFG_STR, F(seam_tax_store_config_t, fallback_rate), 0, "0",
	 "policy estimate: the rate of a jurisdiction the table does not know (flagged estimate, "
	 "never a silent zero).", NULL, NULL, 0, 0},
	{"commit", SEAM_CFG_BOOL, F(seam_tax_store_config_t, commit), 0, "true",
	 "Commit each placed order's tax as an invoice in the engine (code <store>-<order uuid>), "
	 "void it when the order is canceled.", NULL, NULL, 0, 0},
	{"commit_interval", SEAM_CFG_DURATION, F(seam_tax_store_config_t, commit_interval_ms), 0,
	 "10s", "How often seam looks for placed orders without an invoice and canceled ones with "
	 "one (the orders seam has seen: events and the poll).", NULL, NULL, 100, 3600000},
	{"order_mapping", SEAM_CFG_STR, F(seam_tax_store_config_t, order_mapping), 0,
	 "order_to_tax", "Mapping (mappings/NAME.lua) from the Drupal order to the tax cart.", NULL,
	 NULL, 0, 0},
	{"rates", SEAM_CFG_MAP, F(seam_tax_store_config_t, rates), 0, NULL,
	 "The rate table the estimate uses, by name: country, region, postal prefixes, rate, tax "
	 "code overrides.", &rate_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t store_schema = {"tax store", sizeof(seam_tax_store_config_t),
					       store_fields,
					       sizeof store_fields / sizeof store_fields[0]};

static const seam_cfg_field_t config_fields[] = {
	{"stores", SEAM_CFG_MAP, F(seam_tax_config_t, stores), 0, NULL,
	 "Per seam store (a name in stores:): its tax engine, budget, cache and rate table.",
	 &store_schema, NULL, 0, 0},
};
static const seam_cfg_schema_t config_schema = {"tax", sizeof(seam_tax_config_t), config_fields,
						sizeof config_fields / sizeof config_fields[0]};

const seam_tax_store_config_t *seam_tax_store(const void *config, const char *store)
{
	const seam_tax_config_t *c = config;
	return c && store ? seam_cfg_map_get(&c->stores, store) : NULL;
}

static int is_rate(const char *s)
{
	seam_money_dec_t d;
	return s && seam_money_dec_parse(s, (size_t)-1, &d, NULL) == SEAM_OK && d.units >= 0;
}

static void check_config(const seam_flow_env_t *env, const seam_cfg_check_t *chk)
{
	const seam_tax_config_t *c = env->config;
	for (size_t i = 0; c && i < c->stores.n; i++) {
		const char *name = c->stores.names[i];
		const seam_tax_store_config_t *sc = c->stores.items[i];
		if (!seam_cfg_map_get(env->stores, name))
			seam_cfg_check_addf(chk, 0, "tax.stores.%s: no store '%s' in stores:", name, name);
		if (sc->upstream && !seam_cfg_map_get(env->upstreams, sc->upstream))
			seam_cfg_check_addf(chk, 0, "tax.stores.%s.upstream: no upstream '%s'", name,
					    sc->upstream);
		if (sc->engine_timeout_ms > sc->budget_ms - FALLBACK_MARGIN_MS)
			seam_cfg_check_addf(chk, 0, "tax.stores.%s.engine_timeout: %lld ms leaves the "
					    "fallback less than %d ms of the %lld ms budget",
					    name, (long long)sc->engine_timeout_ms, FALLBACK_MARGIN_MS,
					    (long long)sc->budget_ms);
		if (!is_rate(sc->fallback_rate))
			seam_cfg_check_addf(chk, 0, "tax.stores.%s.fallback_rate: '%s' is not a decimal "
					    "rate", name, sc->fallback_rate ? sc->fallback_rate : "");
		for (size_t j = 0; j < sc->rates.n; j++) {
			const seam_tax_rate_config_t *r = sc->rates.items[j];
			if (!is_rate(r->rate))
				seam_cfg_check_addf(chk, 0, "tax.stores.%s.rates.%s.rate: '%s' is not a "
						    "decimal rate", name, sc->rates.names[j], r->rate);
			for (size_t k = 0; k < r->tax_codes.n; k++)
				if (!is_rate(r->tax_codes.values[k]))
					seam_cfg_check_addf(chk, 0, "tax.stores.%s.rates.%s.tax_codes.%s: "
							    "'%s' is not a decimal rate", name,
							    sc->rates.names[j], r->tax_codes.keys[k],
							    r->tax_codes.values[k]);
		}
	}
}

/* ---------- the flow ---------- */

typedef struct seam_tax {
	seam_flow_env_t env;
	const seam_tax_config_t *cfg;
	pthread_key_t rt_key;
	pthread_mutex_t mu;
	json_t *cache; /* quote key -> {"at": ms, "answer": quote without source} */
} seam_tax_t;

static void rt_free(void *p)
{
	seam_map_runtime_destroy(p);
}

static seam_map_runtime_t *runtime(seam_tax_t *t, seam_error_t *err)
{
	seam_map_runtime_t *rt = pthread_getspecific(t->rt_key);
	if (rt)
		return rt;
	seam_map_opts_t mo = {.dir = t->env.mappings};
	if ((rt = seam_map_runtime_create(&mo, err)))
		pthread_setspecific(t->rt_key, rt);
	return rt;
}

static void count(seam_tax_t *t, const char *store, const char *source, double seconds)
{
	seam_metric_add(t->env.metrics, SEAM_M_TAX_QUOTES, (const char *[]){store, source}, 1);
	seam_metric_observe(t->env.metrics, SEAM_M_TAX_QUOTE_DURATION, (const char *[]){store, source},
			    seconds);
}

/* ---------- the cache ---------- */

static json_t *cache_get(seam_tax_t *t, const char *key, int64_t *at)
{
	pthread_mutex_lock(&t->mu);
	json_t *e = json_object_get(t->cache, key);
	json_t *a = e ? json_incref(json_object_get(e, "answer")) : NULL;
	*at = e ? json_integer_value(json_object_get(e, "at")) : 0;
	pthread_mutex_unlock(&t->mu);
	return a;
}

static void cache_put(seam_tax_t *t, const seam_tax_store_config_t *sc, const char *key,
		      json_t *answer, int64_t at)
{
	pthread_mutex_lock(&t->mu);
	if ((int64_t)json_object_size(t->cache) >= sc->cache_max) {
		/* the older answers go: those at or before the mean time */
		int64_t *ages = malloc(json_object_size(t->cache) * sizeof *ages), cut = 0;
		size_t n = 0;
		const char *k;
		json_t *e, *tmp;
		json_object_foreach(t->cache, k, e)
			if (ages)
				ages[n++] = json_integer_value(json_object_get(e, "at"));
		for (size_t i = 0; ages && i < n; i++)
			cut += ages[i] / (int64_t)n;
		free(ages);
		json_object_foreach_safe(t->cache, tmp, k, e)
			if (json_integer_value(json_object_get(e, "at")) <= cut)
				json_object_del(t->cache, k);
	}
	json_object_set_new(t->cache, key, json_pack("{s:I, s:O}", "at", (json_int_t)at, "answer", answer));
	pthread_mutex_unlock(&t->mu);
}

/* ---------- the quote key ---------- */

/* SHA-256 of the request in canonical JSON (sorted keys, compact) followed by "|" and the
 * tax date (the request's, else today): the same cart and address on the same day give the
 * same key. */
seam_err_t seam_tax_quote_key(const json_t *request, const char *today, char key[65],
			      seam_error_t *err)
{
	const char *date = json_string_value(json_object_get(request, "date"));
	char *text = json_dumps(request, JSON_COMPACT | JSON_SORT_KEYS), *all = NULL;
	if (!text || asprintf(&all, "%s|%s", text, date ? date : today) < 0)
		all = NULL;
	free(text);
	if (!all)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	seam_sha256_hex(all, strlen(all), key);
	free(all);
	return SEAM_OK;
}

/* ---------- the estimate ---------- */

/* The rate table's entry for an address: the longest postal prefix of a country and region
 * match, then the region, then the whole country. NULL: none. */
static const seam_tax_rate_config_t *rate_for(const seam_tax_store_config_t *sc, const json_t *addr,
					      const char **name)
{
	const char *country = json_string_value(json_object_get(addr, "country"));
	const char *region = json_string_value(json_object_get(addr, "region"));
	const char *postal = json_string_value(json_object_get(addr, "postal_code"));
	const seam_tax_rate_config_t *best = NULL;
	int best_score = -1;
	for (size_t i = 0; country && i < sc->rates.n; i++) {
		const seam_tax_rate_config_t *r = sc->rates.items[i];
		int score;
		if (strcasecmp(r->country, country))
			continue;
		if (r->region && (!region || strcasecmp(r->region, region)))
			continue;
		score = r->region ? 1 : 0;
		if (r->postal.n) {
			size_t longest = 0;
			for (size_t k = 0; postal && k < r->postal.n; k++) {
				size_t l = strlen(r->postal.items[k]);
				if (l > longest && !strncasecmp(postal, r->postal.items[k], l))
					longest = l;
			}
			if (!longest)
				continue;
			score = 2 + (int)longest;
		}
		if (score > best_score) {
			best = r;
			best_score = score;
			*name = r->name ? r->name : sc->rates.names[i];
		}
	}
	return best;
}

static const char *rate_of(const seam_tax_rate_config_t *r, const char *fallback,
			   const char *tax_code)
{
	const char *v = r && tax_code ? seam_cfg_strmap_get(&r->tax_codes, tax_code) : NULL;
	return v ? v : r ? r->rate : fallback;
}

/* tax = amount x rate, half up at exp digits, as text into out. */
static int tax_of(const char *amount, const char *rate, int exp, char *out)
{
	seam_money_dec_t a, r, p, q;
	char buf[SEAM_MONEY_BUF];
	if (seam_money_dec_parse(amount, (size_t)-1, &a, NULL) != SEAM_OK ||
	    seam_money_dec_parse(rate, (size_t)-1, &r, NULL) != SEAM_OK ||
	    seam_money_dec_mul(a, r, &p, NULL) != SEAM_OK ||
	    seam_money_dec_round(p, exp, SEAM_MONEY_HALF_UP, &q, NULL) != SEAM_OK)
		return -1;
	snprintf(out, SEAM_MONEY_BUF, "%s", seam_money_dec_format(q, buf));
	return 0;
}

static int add_to(char *sum, const char *x)
{
	seam_money_dec_t a, b, c;
	char buf[SEAM_MONEY_BUF];
	if (seam_money_dec_parse(sum, (size_t)-1, &a, NULL) != SEAM_OK ||
	    seam_money_dec_parse(x, (size_t)-1, &b, NULL) != SEAM_OK ||
	    seam_money_dec_add(a, b, &c, NULL) != SEAM_OK)
		return -1;
	snprintf(sum, SEAM_MONEY_BUF, "%s", seam_money_dec_format(c, buf));
	return 0;
}

/* The estimate from the rate table; SEAM_UNSUPPORTED when the table does not know the
 * jurisdiction and the policy is block. */
seam_err_t seam_tax_estimate(const seam_tax_store_config_t *sc, const json_t *req, json_t **out,
			     seam_error_t *err)
{
	const json_t *to = json_object_get(req, "ship_to");
	const char *cur = json_string_value(json_object_get(req, "currency"));
	const char *name = NULL;
	const seam_tax_rate_config_t *r = rate_for(sc, to, &name);
	const json_t *cust = json_object_get(req, "customer");
	int exempt = json_string_value(json_object_get(cust, "exemption")) != NULL;
	int exp = seam_money_exponent(cur);
	char total_tax[SEAM_MONEY_BUF] = "0", total_taxable[SEAM_MONEY_BUF] = "0", tax[SEAM_MONEY_BUF];
	json_t *lines = json_array(), *l, *shipping = json_null();
	size_t i;
	if (!r && !strcmp(sc->policy, "block") && !exempt) {
		const char *country = json_string_value(json_object_get(to, "country"));
		const char *region = json_string_value(json_object_get(to, "region"));
		json_decref(lines);
		return seam_errorf(err, SEAM_UNSUPPORTED,
				   "the tax engine is unavailable and the rate table has no rate for "
				   "%s%s%s (the store's policy is block)",
				   country ? country : "?", region ? "-" : "", region ? region : "");
	}
	json_array_foreach(json_object_get(req, "lines"), i, l) {
		const char *amount = json_string_value(json_object_get(l, "amount"));
		const char *rate = exempt ? "0" : rate_of(r, sc->fallback_rate,
							  json_string_value(json_object_get(l, "tax_code")));
		if (tax_of(amount, rate, exp, tax) || add_to(total_tax, tax) || add_to(total_taxable, amount)) {
			json_decref(lines);
			return seam_errorf(err, SEAM_INVAL, "lines[%zu].amount: not a decimal", i);
		}
		json_array_append_new(lines, json_pack("{s:s, s:s, s:s, s:s}", "id",
						       json_string_value(json_object_get(l, "id")), "tax",
						       tax, "taxable", amount, "rate", rate));
	}
	const json_t *ship = json_object_get(req, "shipping");
	const char *samount = json_string_value(json_object_get(ship, "amount"));
	if (samount) {
		const char *code = json_string_value(json_object_get(ship, "tax_code"));
		const char *rate = exempt ? "0" : rate_of(r, sc->fallback_rate, code ? code : sc->shipping_code);
		if (tax_of(samount, rate, exp, tax) == 0 && add_to(total_tax, tax) == 0 &&
		    add_to(total_taxable, samount) == 0)
			shipping = json_pack("{s:s, s:s}", "tax", tax, "taxable", samount);
	}
	json_t *jur = json_array();
	json_array_append_new(jur, json_pack("{s:s, s:s, s:s, s:s}", "name",
					     exempt ? "Exempt" : r ? name : "Fallback rate", "type",
					     r && r->region ? "State" : "Country", "rate",
					     exempt ? "0" : r ? r->rate : sc->fallback_rate, "tax", total_tax));
	*out = json_pack("{s:o, s:o, s:s, s:s, s:o}", "lines", lines, "shipping", shipping, "total_tax",
			 total_tax, "total_taxable", total_taxable, "jurisdictions", jur);
	return SEAM_OK;
}

/* ---------- the quote ---------- */

static json_t *finish(json_t *body, const char *source, const char *reason, const char *cur,
		      const char *key, int64_t age_ms)
{
	json_object_set_new(body, "source", json_string(source));
	json_object_set_new(body, "estimate_reason", reason ? json_string(reason) : json_null());
	json_object_set_new(body, "currency", json_string(cur));
	json_object_set_new(body, "quote_key", json_string(key));
	json_object_set_new(body, "age_seconds", json_integer(age_ms > 0 ? age_ms / 1000 : 0));
	return body;
}

seam_err_t seam_tax_quote(void *flow, const json_t *request, const char *cid, json_t **quote,
			  seam_error_t *err)
{
	seam_tax_t *t = flow;
	int64_t t0 = seam_mono_ns(), now = seam_now_ms(), at = 0;
	const char *store = json_string_value(json_object_get(request, "store"));
	const char *cur = json_string_value(json_object_get(request, "currency"));
	const seam_tax_store_config_t *sc = t ? seam_tax_store(t->cfg, store) : NULL;
	char key[65], today[32], reason[32] = "";
	json_t *model = NULL, *txn = NULL, *answer = NULL;
	seam_err_t rc;
	*quote = NULL;
	if (!sc)
		return seam_errorf(err, SEAM_NOTFOUND, "store '%s' has no tax config (tax.stores)",
				   store ? store : "");
	if (seam_money_exponent(cur) < 0)
		return seam_errorf(err, SEAM_INVAL, "currency: '%s' is not an ISO 4217 currency",
				   cur ? cur : "");
	seam_rfc3339_ms(now, today);
	today[10] = '\0';
	if ((rc = seam_tax_quote_key(request, today, key, err)) != SEAM_OK)
		return rc;

	/* 1. a fresh engine answer for the same cart */
	json_t *cached = cache_get(t, key, &at);
	if (cached && now - at <= sc->cache_ttl_ms) {
		*quote = finish(json_deep_copy(cached), "cache", NULL, cur, key, now - at);
		json_decref(cached);
		count(t, store, "cache", (double)(seam_mono_ns() - t0) / 1e9);
		return SEAM_OK;
	}

	/* 2. the engine, within its share of the budget */
	seam_upstream_t *u = t->env.upstream(t->env.upstream_ud, sc->upstream);
	seam_map_runtime_t *rt = runtime(t, err);
	seam_tax_outcome_t oc;
	seam_error_t eerr = {0};
	int64_t share = sc->engine_timeout_ms;
	if (share > sc->budget_ms - FALLBACK_MARGIN_MS)
		share = sc->budget_ms - FALLBACK_MARGIN_MS;
	json_t *ctx = json_pack("{s:s, s:s, s:s, s:s, s:s}", "company", sc->company, "type",
				"SalesOrder", "customer", sc->customer, "today", today,
				"shipping_code", sc->shipping_code);
	if (!u || !rt) {
		snprintf(reason, sizeof reason, "engine_error");
		seam_errorf(&eerr, SEAM_CONFIG, "no tax upstream '%s' or mapping runtime", sc->upstream);
	} else if ((rc = seam_map_run(rt, sc->mapping, (json_t *)request, ctx, &model, &eerr)) != SEAM_OK) {
		snprintf(reason, sizeof reason, "mapping_failed");
	} else {
		rc = seam_tax_create(u, cid, model, t0 + share * 1000000LL, &txn, &oc, &eerr);
		if (rc == SEAM_OK && seam_tax_answer_read(txn, request, &answer, &eerr) == SEAM_OK) {
			cache_put(t, sc, key, answer, now);
			*quote = finish(answer, "engine", NULL, cur, key, 0);
			answer = NULL;
			count(t, store, "engine", (double)(seam_mono_ns() - t0) / 1e9);
			goto out;
		}
		snprintf(reason, sizeof reason, "%s",
			 rc == SEAM_OPEN_CIRCUIT		       ? "circuit_open"
			 : rc == SEAM_BUSY			       ? "engine_busy"
			 : rc == SEAM_TIMEOUT || seam_mono_ns() - t0 >= share * 1000000LL ? "engine_timeout"
			 : rc == SEAM_OK			       ? "engine_answer_unusable"
								       : "engine_error");
	}
	seam_logf(t->env.log, SEAM_LOG_WARN, "tax", cid,
		  json_pack("{s:s, s:s, s:s}", "store", store, "reason", reason, "error", eerr.msg),
		  "tax: quote without the engine (%s): %s", reason, eerr.msg);

	/* 3. the last engine answer for the same cart, if recent enough; else the rate table */
	if (cached && now - at <= sc->last_answer_ms) {
		*quote = finish(json_deep_copy(cached), "cache", reason, cur, key, now - at);
		count(t, store, "cache", (double)(seam_mono_ns() - t0) / 1e9);
		rc = SEAM_OK;
		goto out;
	}
	json_t *est = NULL;
	if ((rc = seam_tax_estimate(sc, request, &est, err)) != SEAM_OK) {
		count(t, store, "refused", (double)(seam_mono_ns() - t0) / 1e9);
		goto out;
	}
	*quote = finish(est, "estimate", reason, cur, key, 0);
	count(t, store, "estimate", (double)(seam_mono_ns() - t0) / 1e9);
	rc = SEAM_OK;
out:
	json_decref(cached);
	json_decref(ctx);
	json_decref(model);
	json_decref(txn);
	json_decref(answer);
	return rc;
}

/* ---------- invoices: commit, void, the sweep ---------- */

static seam_upstream_t *drupal_of(seam_tax_t *t, const char *store)
{
	const seam_config_store_t *st = seam_cfg_map_get(t->env.stores, store);
	return st && st->drupal.upstream ? t->env.upstream(t->env.upstream_ud, st->drupal.upstream)
					 : NULL;
}

static seam_err_t sub_dec(const char *a, const char *b, char *out, size_t cap)
{
	seam_money_dec_t x, y, z;
	char buf[SEAM_MONEY_BUF];
	if (seam_money_dec_parse(a, (size_t)-1, &x, NULL) != SEAM_OK ||
	    seam_money_dec_parse(b, (size_t)-1, &y, NULL) != SEAM_OK ||
	    seam_money_dec_sub(x, y, &z, NULL) != SEAM_OK)
		return SEAM_INVAL;
	snprintf(out, cap, "%s", seam_money_dec_format(seam_money_dec_normalize(z), buf));
	return SEAM_OK;
}

static seam_err_t commit_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_tax_t *t = ud;
	json_t *pl = json_loads(job->payload, 0, NULL), *doc = NULL, *cart = NULL, *model = NULL,
	       *txn = NULL, *ctx = NULL;
	const char *store = json_string_value(json_object_get(pl, "store"));
	const char *uuid = json_string_value(json_object_get(pl, "order_uuid"));
	const seam_tax_store_config_t *sc = seam_tax_store(t->cfg, store);
	seam_upstream_t *du = store ? drupal_of(t, store) : NULL;
	seam_upstream_t *tu = sc ? t->env.upstream(t->env.upstream_ud, sc->upstream) : NULL;
	seam_drupal_outcome_t doc_oc;
	seam_tax_outcome_t oc;
	seam_error_t err = {0};
	seam_err_t rc;
	char code[200], today[32], diff[SEAM_MONEY_BUF] = "", committed[SEAM_MONEY_BUF] = "";
	if (!sc || !uuid || !du || !tu) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "tax commit: store %s has no tax or Drupal config",
				   store ? store : "?");
		goto out;
	}
	seam_map_runtime_t *rt = runtime(t, &err);
	if (!rt) {
		rc = seam_job_fail(res, SEAM_RETRY, 0, "tax commit: %s", err.msg);
		goto out;
	}
	if ((rc = seam_drupal_get_order(du, job->correlation_id, "default", uuid, &doc, &doc_oc, &err)) !=
	    SEAM_OK) {
		rc = seam_flow_job_error(rc, doc_oc.retry_after_ms, "tax commit: the order", &err, res);
		goto out;
	}
	ctx = json_pack("{s:s}", "store", store);
	if ((rc = seam_map_run(rt, sc->order_mapping, doc, ctx, &cart, &err)) != SEAM_OK) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "tax commit: %s: %s", sc->order_mapping, err.msg);
		goto out;
	}
	json_decref(ctx);
	snprintf(code, sizeof code, "%s-%s", store, uuid);
	seam_rfc3339_ms(seam_now_ms(), today);
	today[10] = '\0';
	ctx = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "company", sc->company, "type",
			"SalesInvoice", "customer", sc->customer, "today", today, "shipping_code",
			sc->shipping_code, "code", code, "commit", 1);
	if ((rc = seam_map_run(rt, sc->mapping, cart, ctx, &model, &err)) != SEAM_OK) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "tax commit: %s: %s", sc->mapping, err.msg);
		goto out;
	}
	/* createoradjust by code: after a timeout the engine may have it; the retry adjusts it */
	if ((rc = seam_tax_create_or_adjust(tu, job->correlation_id, model, &txn, &oc, &err)) != SEAM_OK) {
		rc = seam_flow_job_error(rc, oc.retry_after_ms, "tax commit", &err, res);
		goto out;
	}
	const char *charged = json_string_value(json_object_get(cart, "charged_tax"));
	json_t *tt = json_object_get(txn, "totalTax");
	if (!json_is_number(tt) ||
	    seam_money_real_text(json_number_value(tt), committed, sizeof committed) != 0) {
		rc = seam_job_fail(res, SEAM_RETRY, 0, "tax commit: the engine's answer has no totalTax");
		goto out;
	}
	if (!charged || sub_dec(committed, charged, diff, sizeof diff) != SEAM_OK)
		snprintf(diff, sizeof diff, "%s", committed);
	char now[24];
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	seam_db_t *db = seam_store_acquire(t->env.store);
	rc = seam_db_run(db,
			 "INSERT INTO tax_documents (store, order_uuid, code, state, committed_tax, "
			 "charged_tax, difference, correlation_id, created_at, updated_at) VALUES ($1, "
			 "$2, $3, 'committed', $4, $5, $6, $7, $8, $8) ON CONFLICT (store, order_uuid) DO "
			 "UPDATE SET state = 'committed', committed_tax = excluded.committed_tax, "
			 "charged_tax = excluded.charged_tax, difference = excluded.difference, "
			 "updated_at = excluded.updated_at",
			 (const char *[]){store, uuid, code, committed, charged ? charged : "0", diff,
					  job->correlation_id, now},
			 8, NULL, &err);
	seam_store_release(t->env.store, db);
	if (rc != SEAM_OK) {
		rc = seam_job_fail(res, rc, 0, "tax commit: %s", err.msg);
		goto out;
	}
	int differs = strcmp(diff, "0") != 0;
	seam_timeline_log(t->env.store, "order", uuid, job->correlation_id, "tax",
			  differs ? "tax_committed_differs" : "tax_committed",
			  json_pack("{s:s, s:s, s:s, s:s}", "code", code, "committed_tax", committed,
				    "charged_tax", charged ? charged : "0", "difference", diff),
			  NULL);
	seam_metric_add(t->env.metrics, SEAM_M_TAX_INVOICES, (const char *[]){store, differs ? "differs" : "matches"}, 1);
	if (differs)
		seam_logf(t->env.log, SEAM_LOG_WARN, "tax", job->correlation_id,
			  json_pack("{s:s, s:s, s:s, s:s}", "store", store, "order", uuid, "committed",
				    committed, "charged", charged ? charged : "0"),
			  "tax: order %s committed %s tax, charged %s (difference %s)", uuid, committed,
			  charged ? charged : "0", diff);
out:
	json_decref(pl);
	json_decref(doc);
	json_decref(cart);
	json_decref(model);
	json_decref(txn);
	json_decref(ctx);
	return rc;
}

static seam_err_t void_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_tax_t *t = ud;
	json_t *pl = json_loads(job->payload, 0, NULL);
	const char *store = json_string_value(json_object_get(pl, "store"));
	const char *uuid = json_string_value(json_object_get(pl, "order_uuid"));
	const seam_tax_store_config_t *sc = seam_tax_store(t->cfg, store);
	seam_upstream_t *tu = sc ? t->env.upstream(t->env.upstream_ud, sc->upstream) : NULL;
	seam_tax_outcome_t oc;
	seam_error_t err = {0};
	seam_err_t rc;
	char code[200], now[24];
	if (!sc || !uuid || !tu) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "tax void: store %s has no tax config",
				   store ? store : "?");
		goto out;
	}
	snprintf(code, sizeof code, "%s-%s", store, uuid);
	rc = seam_tax_void(tu, job->correlation_id, sc->company, code, &oc, &err);
	if (rc == SEAM_NOTFOUND)
		rc = SEAM_OK; /* never committed there */
	if (rc != SEAM_OK) {
		rc = seam_flow_job_error(rc, oc.retry_after_ms, "tax void", &err, res);
		goto out;
	}
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	seam_db_t *db = seam_store_acquire(t->env.store);
	rc = seam_db_run(db,
			 "UPDATE tax_documents SET state = 'voided', updated_at = $3 WHERE store = $1 AND "
			 "order_uuid = $2",
			 (const char *[]){store, uuid, now}, 3, NULL, &err);
	seam_store_release(t->env.store, db);
	if (rc != SEAM_OK)
		rc = seam_job_fail(res, rc, 0, "tax void: %s", err.msg);
	else {
		seam_timeline_log(t->env.store, "order", uuid, job->correlation_id, "tax", "tax_voided",
				  json_pack("{s:s}", "code", code), NULL);
		seam_metric_add(t->env.metrics, SEAM_M_TAX_INVOICES, (const char *[]){store, "voided"}, 1);
	}
out:
	json_decref(pl);
	return rc;
}

/* Sums the order's payments (amounts and refunds, in its currency) in minor units. */
static seam_err_t paid_and_refunded(seam_db_t *db, const char *uuid, int64_t *paid,
				    int64_t *refunded, int64_t *seen, char cur[8], seam_error_t *err)
{
	seam_stmt_t *s;
	seam_err_t rc = seam_db_prepare(db,
					"SELECT amount, refunded, currency, updated_at FROM payment_refs "
					"WHERE order_uuid = $1 AND amount IS NOT NULL",
					&s, err);
	*paid = *refunded = *seen = 0;
	cur[0] = '\0';
	if (rc != SEAM_OK)
		return rc;
	seam_stmt_bind_text(s, 1, uuid);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		const char *c = seam_stmt_column_text(s, 2);
		int64_t a = 0, r = 0;
		int exp = seam_money_exponent(c ? c : "");
		if (!c || exp < 0 || (cur[0] && strcasecmp(cur, c)))
			continue; /* another currency is not this invoice's */
		const char *rt = seam_stmt_column_text(s, 1);
		if (seam_money_parse(seam_stmt_column_text(s, 0), exp, &a, NULL) != SEAM_OK ||
		    (rt && seam_money_parse(rt, exp, &r, NULL) != SEAM_OK))
			continue;
		snprintf(cur, 8, "%s", c);
		*paid += a;
		*refunded += r;
		int64_t at = seam_stmt_column_int64(s, 3);
		if (at > *seen)
			*seen = at;
	}
	seam_stmt_reset(s);
	return rc == SEAM_DONE ? SEAM_OK : rc;
}

static seam_err_t refund_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_tax_t *t = ud;
	json_t *pl = json_loads(job->payload, 0, NULL), *txn = NULL;
	const char *store = json_string_value(json_object_get(pl, "store"));
	const char *uuid = json_string_value(json_object_get(pl, "order_uuid"));
	const seam_tax_store_config_t *sc = seam_tax_store(t->cfg, store);
	seam_upstream_t *tu = sc ? t->env.upstream(t->env.upstream_ud, sc->upstream) : NULL;
	seam_tax_outcome_t oc;
	seam_error_t err = {0};
	seam_err_t rc;
	char code[200], rcode[260], cur[8], today[32], now[24], seen_s[24], prev_s[SEAM_MONEY_BUF],
		sum_s[SEAM_MONEY_BUF], delta_s[SEAM_MONEY_BUF], tax_s[SEAM_MONEY_BUF] = "0",
		total_tax[SEAM_MONEY_BUF] = "0", buf[SEAM_MONEY_BUF];
	int64_t paid, refunded, seen, prev = 0;
	int state_ok = 0;
	if (!sc || !uuid || !tu) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "tax refund: store %s has no tax config",
				   store ? store : "?");
		goto out;
	}
	seam_db_t *db = seam_store_acquire(t->env.store);
	rc = paid_and_refunded(db, uuid, &paid, &refunded, &seen, cur, &err);
	if (rc == SEAM_OK) {
		seam_stmt_t *s;
		if ((rc = seam_db_prepare(db,
					  "SELECT state, refunded, refunded_tax FROM tax_documents WHERE "
					  "store = $1 AND order_uuid = $2",
					  &s, &err)) == SEAM_OK) {
			seam_stmt_bind_text(s, 1, store);
			seam_stmt_bind_text(s, 2, uuid);
			if ((rc = seam_stmt_step(s, &err)) == SEAM_ROW) {
				const char *st = seam_stmt_column_text(s, 0);
				const char *rf = seam_stmt_column_text(s, 1);
				const char *rx = seam_stmt_column_text(s, 2);
				state_ok = st && !strcmp(st, "committed");
				if (rf && seam_money_parse(rf, seam_money_exponent(cur), &prev, NULL) != SEAM_OK)
					prev = 0;
				snprintf(total_tax, sizeof total_tax, "%s", rx ? rx : "0");
				rc = SEAM_OK;
			} else if (rc == SEAM_DONE) {
				rc = SEAM_OK;
			}
			seam_stmt_reset(s);
		}
	}
	seam_store_release(t->env.store, db);
	if (rc != SEAM_OK) {
		rc = seam_job_fail(res, rc, 0, "tax refund: %s", err.msg);
		goto out;
	}
	int exp = seam_money_exponent(cur);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	snprintf(seen_s, sizeof seen_s, "%lld", (long long)seen);
	if (!state_ok || !cur[0] || paid <= 0 || refunded <= prev) {
		/* nothing new to return (or voided: a void takes the whole document back) */
		db = seam_store_acquire(t->env.store);
		rc = seam_db_run(db,
				 "UPDATE tax_documents SET refund_seen_at = $3 WHERE store = $1 AND "
				 "order_uuid = $2 AND refund_seen_at < $3",
				 (const char *[]){store, uuid, seen_s}, 3, NULL, &err);
		seam_store_release(t->env.store, db);
		if (rc != SEAM_OK)
			rc = seam_job_fail(res, rc, 0, "tax refund: %s", err.msg);
		goto out;
	}
	if (refunded > paid)
		refunded = paid;
	int64_t delta = refunded - prev;
	/* the share of the document this refund returns: of what was paid, what came back now */
	double pct = prev == 0 && refunded == paid ? 100.0 : (double)delta * 100.0 / (double)paid;
	snprintf(prev_s, sizeof prev_s, "%s", seam_money_format(prev, exp, buf));
	snprintf(sum_s, sizeof sum_s, "%s", seam_money_format(refunded, exp, buf));
	snprintf(delta_s, sizeof delta_s, "%s", seam_money_format(delta, exp, buf));
	snprintf(code, sizeof code, "%s-%s", store, uuid);
	snprintf(rcode, sizeof rcode, "%s-r%s", code, sum_s);
	seam_rfc3339_ms(seam_now_ms(), today);
	today[10] = '\0';
	rc = seam_tax_refund(tu, job->correlation_id, sc->company, code, rcode, today, pct, &txn, &oc,
			     &err);
	if (rc != SEAM_OK) {
		rc = seam_flow_job_error(rc, oc.retry_after_ms, "tax refund", &err, res);
		goto out;
	}
	json_t *tt = json_object_get(txn, "totalTax");
	if (!json_is_number(tt) ||
	    seam_money_real_text(json_number_value(tt), tax_s, sizeof tax_s) != 0) {
		rc = seam_job_fail(res, SEAM_RETRY, 0, "tax refund: the engine's answer has no totalTax");
		goto out;
	}
	{
		seam_money_dec_t a, b, c;
		if (seam_money_dec_parse(total_tax, (size_t)-1, &a, NULL) == SEAM_OK &&
		    seam_money_dec_parse(tax_s, (size_t)-1, &b, NULL) == SEAM_OK &&
		    seam_money_dec_add(a, b, &c, NULL) == SEAM_OK)
			snprintf(total_tax, sizeof total_tax, "%s",
				 seam_money_dec_format(seam_money_dec_normalize(c), buf));
	}
	db = seam_store_acquire(t->env.store);
	rc = seam_db_run(db,
			 "UPDATE tax_documents SET refunded = $3, refunded_tax = $4, refunds = refunds + "
			 "1, refund_seen_at = $5, updated_at = $6 WHERE store = $1 AND order_uuid = $2",
			 (const char *[]){store, uuid, sum_s, total_tax, seen_s, now}, 6, NULL, &err);
	seam_store_release(t->env.store, db);
	if (rc != SEAM_OK) {
		rc = seam_job_fail(res, rc, 0, "tax refund: %s", err.msg);
		goto out;
	}
	seam_timeline_log(t->env.store, "order", uuid, job->correlation_id, "tax", "tax_refunded",
			  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "code", code, "return_code", rcode,
				    "refunded", delta_s, "refunded_total", sum_s, "tax", tax_s,
				    "currency", cur),
			  NULL);
	seam_metric_add(t->env.metrics, SEAM_M_TAX_INVOICES, (const char *[]){store, "refunded"}, 1);
out:
	json_decref(pl);
	json_decref(txn);
	return rc;
}

/* Enqueues kind for every order the query names (store $1); dedup per order. */
static seam_err_t sweep_one(seam_tax_t *t, seam_db_t *db, const char *store, const char *sql,
			    const char *kind, const char *prefix, const char *cid, seam_error_t *err)
{
	seam_stmt_t *s;
	json_t *uuids = json_array();
	seam_err_t rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK) {
		json_decref(uuids);
		return rc;
	}
	seam_stmt_bind_text(s, 1, store);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW && json_array_size(uuids) < 500)
		json_array_append_new(uuids, json_string(seam_stmt_column_text(s, 0)));
	seam_stmt_reset(s);
	size_t i;
	json_t *u;
	rc = SEAM_OK;
	json_array_foreach(uuids, i, u) {
		char dedup[200], payload[300];
		snprintf(dedup, sizeof dedup, "%s:%s:%s", prefix, store, json_string_value(u));
		snprintf(payload, sizeof payload, "{\"store\":\"%s\",\"order_uuid\":\"%s\"}", store,
			 json_string_value(u));
		seam_job_spec_t spec = {.kind = kind, .flow = SEAM_FLOW_TAX, .dedup_key = dedup,
					.payload = payload, .correlation_id = cid};
		if ((rc = seam_queue_enqueue(t->env.queue, db, &spec, NULL, NULL, err)) != SEAM_OK)
			break;
	}
	json_decref(uuids);
	return rc;
}

/* tax.refund for each committed document whose order's payments changed since it last looked;
 * dedup per order and payment change (the newest payment_refs.updated_at). */
static seam_err_t sweep_refunds(seam_tax_t *t, seam_db_t *db, const char *store, const char *cid,
				seam_error_t *err)
{
	seam_stmt_t *s;
	json_t *rows = json_array();
	seam_err_t rc = seam_db_prepare(
		db,
		"SELECT d.order_uuid, max(p.updated_at) FROM tax_documents d JOIN payment_refs p ON "
		"p.order_uuid = d.order_uuid WHERE d.store = $1 AND d.state = 'committed' AND "
		"p.refunded IS NOT NULL AND p.updated_at > d.refund_seen_at GROUP BY d.order_uuid",
		&s, err);
	if (rc != SEAM_OK) {
		json_decref(rows);
		return rc;
	}
	seam_stmt_bind_text(s, 1, store);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW && json_array_size(rows) < 500)
		json_array_append_new(rows, json_pack("[s, I]", seam_stmt_column_text(s, 0),
						      (json_int_t)seam_stmt_column_int64(s, 1)));
	seam_stmt_reset(s);
	size_t i;
	json_t *r;
	rc = SEAM_OK;
	json_array_foreach(rows, i, r) {
		const char *uuid = json_string_value(json_array_get(r, 0));
		char dedup[240], payload[300];
		snprintf(dedup, sizeof dedup, "refund:%s:%s:%lld", store, uuid,
			 (long long)json_integer_value(json_array_get(r, 1)));
		snprintf(payload, sizeof payload, "{\"store\":\"%s\",\"order_uuid\":\"%s\"}", store,
			 uuid);
		seam_job_spec_t spec = {.kind = SEAM_JOB_TAX_REFUND, .flow = SEAM_FLOW_TAX,
					.dedup_key = dedup, .payload = payload, .correlation_id = cid};
		if ((rc = seam_queue_enqueue(t->env.queue, db, &spec, NULL, NULL, err)) != SEAM_OK)
			break;
	}
	json_decref(rows);
	return rc;
}

static seam_err_t sweep_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_tax_t *t = ud;
	json_t *pl = json_loads(job->payload, 0, NULL);
	const char *store = json_string_value(json_object_get(pl, "store"));
	seam_error_t err = {0};
	seam_err_t rc = SEAM_OK;
	if (!store || !seam_tax_store(t->cfg, store))
		goto out;
	seam_db_t *db = seam_store_acquire(t->env.store);
	rc = sweep_one(t, db, store,
		       "SELECT o.order_uuid FROM orders o LEFT JOIN tax_documents d ON d.store = "
		       "o.store AND d.order_uuid = o.order_uuid WHERE o.store = $1 AND o.placed_at IS "
		       "NOT NULL AND d.order_uuid IS NULL AND (o.order_state IS NULL OR o.order_state "
		       "NOT IN ('draft', 'canceled')) AND o.export_state <> 'canceled_in_erp' ORDER BY "
		       "o.placed_at",
		       SEAM_JOB_TAX_COMMIT, "commit", job->correlation_id, &err);
	if (rc == SEAM_OK)
		rc = sweep_one(t, db, store,
			       "SELECT o.order_uuid FROM orders o JOIN tax_documents d ON d.store = "
			       "o.store AND d.order_uuid = o.order_uuid WHERE o.store = $1 AND "
			       "(o.order_state = 'canceled' OR o.export_state = 'canceled_in_erp') AND "
			       "d.state = 'committed'",
			       SEAM_JOB_TAX_VOID, "void", job->correlation_id, &err);
	if (rc == SEAM_OK)
		rc = sweep_refunds(t, db, store, job->correlation_id, &err);
	seam_store_release(t->env.store, db);
	seam_queue_notify(t->env.queue);
	if (rc != SEAM_OK)
		rc = seam_job_fail(res, rc, 0, "tax sweep: %s", err.msg);
out:
	json_decref(pl);
	return rc;
}

/* ---------- create, destroy, the registry row ---------- */

static void destroy(void *p)
{
	seam_tax_t *t = p;
	if (!t)
		return;
	pthread_key_delete(t->rt_key);
	pthread_mutex_destroy(&t->mu);
	json_decref(t->cache);
	free(t);
}

static seam_err_t create(const seam_flow_env_t *env, void **out, seam_error_t *err)
{
	static const seam_tax_config_t none;
	seam_tax_t *t = calloc(1, sizeof *t);
	if (!t || !(t->cache = json_object())) {
		free(t);
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	t->env = *env;
	t->cfg = env->config ? env->config : &none;
	pthread_key_create(&t->rt_key, rt_free);
	pthread_mutex_init(&t->mu, NULL);
	for (size_t i = 0; i < t->cfg->stores.n; i++) {
		const seam_tax_store_config_t *sc = t->cfg->stores.items[i];
		char sched[128], pl[160];
		if (!sc->commit)
			continue;
		snprintf(sched, sizeof sched, "tax.sweep:%s", t->cfg->stores.names[i]);
		snprintf(pl, sizeof pl, "{\"store\":\"%s\"}", t->cfg->stores.names[i]);
		seam_err_t rc = seam_queue_schedule(env->queue, sched, SEAM_FLOW_TAX, SEAM_JOB_TAX_SWEEP,
						    sc->commit_interval_ms, pl, err);
		if (rc != SEAM_OK) {
			destroy(t);
			return rc;
		}
	}
	*out = t;
	return SEAM_OK;
}

static const seam_flow_job_t jobs[] = {
	{SEAM_JOB_TAX_SWEEP, sweep_job},
	{SEAM_JOB_TAX_COMMIT, commit_job},
	{SEAM_JOB_TAX_VOID, void_job},
	{SEAM_JOB_TAX_REFUND, refund_job},
};
static const seam_metric_id_e metrics[] = {SEAM_M_TAX_QUOTES, SEAM_M_TAX_QUOTE_DURATION,
					   SEAM_M_TAX_INVOICES};

const seam_flow_def_t seam_flow_tax = {
	.name = SEAM_FLOW_TAX,
	.summary = "Tax quotes at checkout within a budget, with an honest fallback.",
	.config_key = "tax",
	.config_doc = "Tax: per store, the tax engine, the quote's budget, the cache and the rate "
		      "table of the fallback.",
	.config = &config_schema,
	.check = check_config,
	.create = create,
	.destroy = destroy,
	.jobs = jobs,
	.njobs = sizeof jobs / sizeof jobs[0],
	.metrics = metrics,
	.nmetrics = sizeof metrics / sizeof metrics[0],
	.subject = seam__flow_subject_store,
};
