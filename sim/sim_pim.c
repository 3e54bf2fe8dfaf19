/*
 * sim_pim.c: Akeneo-like products and product models. Records are kept as the JSON the API
 * prints, sorted by their primary key (uuid for products, code for models), with private
 * "_updated"/"_created" Unix seconds for filtering.
 */
#include "sim/sim_pim.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "sim/sim_money.h"
#include "sim/sim_pim_events.h"
#include "sim/sim_rng.h"

#define MAX_PAGE_ITEMS 10000

struct seam_sim_pim {
	pthread_mutex_t mu;
	uint64_t seed;
	seam_sim_rng_t rng;
	char *client_id, *secret, *username, *password;
	int64_t token_ttl_ms, refresh_ttl_ms;
	int64_t n_products, n_models;
	int64_t rate_limit;
	int64_t epoch_s;
	json_t *locales, *channels, *currencies;
	json_t *access;   /* token -> expiry ms */
	json_t *refresh;  /* token -> expiry ms */
	json_t *products; /* array sorted by uuid */
	json_t *models;   /* array sorted by code */
	json_t *by_parent; /* parent model code -> [its variant products] (borrowed from products,
			    * sorted by uuid); built on the first parent search, dropped (NULL) at
			    * every edit of the catalog */
	json_t *structure; /* "families", "attributes", "categories", "channels", "locales":
			    * arrays sorted by code; "variants": {family: [family variants]} */
	int64_t rl_second, rl_count;
	seam_sim_pim_events_t *events; /* Events API sender; NULL without pim.events.url */
};

static void akeneo_error(seam_sim_call_t *c, int status, const char *msg)
{
	seam_sim_reply_json(c, status, NULL, json_pack("{s:i, s:s}", "code", status, "message", msg));
}

static void iso(int64_t s, char out[32])
{
	seam_sim_time_drupal(s, out); /* "2026-01-01T00:00:00+00:00", Akeneo's shape */
}

/* ---- seeding ---- */

static int cmp_str_key(const void *a, const void *b, void *key)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(json_string_value(json_object_get(x, key)),
		      json_string_value(json_object_get(y, key)));
}

static void sort_array(json_t *arr, const char *key)
{
	size_t n = json_array_size(arr);
	json_t **v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort_r(v, n, sizeof *v, cmp_str_key, (void *)key);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

static json_t *localized(seam_sim_pim_t *p, const char *base, const char *scope)
{
	json_t *a = json_array();
	size_t i;
	json_t *loc;
	json_array_foreach(p->locales, i, loc) {
		char text[160];
		snprintf(text, sizeof text, "%s (%s)", base, json_string_value(loc));
		if (scope) {
			size_t k;
			json_t *ch;
			json_array_foreach(p->channels, k, ch) {
				char t2[200];
				snprintf(t2, sizeof t2, "%s for %s", text, json_string_value(ch));
				json_array_append_new(a, json_pack("{s:O, s:O, s:s}", "locale", loc,
								   "scope", ch, "data", t2));
			}
		} else {
			json_array_append_new(a, json_pack("{s:O, s:n, s:s}", "locale", loc, "scope",
							   "data", text));
		}
	}
	return a;
}

static json_t *scalar_value(json_t *data)
{
	return json_pack("[{s:n, s:n, s:o}]", "locale", "scope", "data", data);
}

/* The catalog structure the seeded records use: family "clothing", its family variant
 * "clothing_color_size" (one level, axes color and size), the attributes with their Akeneo
 * types, a category tree under "master", and the configured channels and locales. */
static json_t *seed_structure(seam_sim_pim_t *p)
{
	static const struct {
		const char *code, *type;
		int localizable, scopable, decimals;
	} attrs[] = {
		{"brand", "pim_catalog_simpleselect", 0, 0, -1},
		{"color", "pim_catalog_simpleselect", 0, 0, -1},
		{"description", "pim_catalog_textarea", 1, 1, -1},
		{"name", "pim_catalog_text", 1, 0, -1},
		{"price", "pim_catalog_price_collection", 0, 0, 1},
		{"size", "pim_catalog_simpleselect", 0, 0, -1},
		{"sku", "pim_catalog_identifier", 0, 0, -1},
		{"weight", "pim_catalog_metric", 0, 0, 1},
	};
	json_t *attributes = json_array();
	for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++) {
		json_t *a = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:i, s:{}}", "code", attrs[i].code,
				      "type", attrs[i].type, "group", "marketing", "unique",
				      !strcmp(attrs[i].type, "pim_catalog_identifier"), "localizable",
				      attrs[i].localizable, "scopable", attrs[i].scopable, "sort_order",
				      (int)i, "labels");
		if (attrs[i].decimals >= 0)
			json_object_set_new(a, "decimals_allowed", json_boolean(attrs[i].decimals));
		if (!strcmp(attrs[i].type, "pim_catalog_metric")) {
			json_object_set_new(a, "metric_family", json_string("Weight"));
			json_object_set_new(a, "default_metric_unit", json_string("KILOGRAM"));
		}
		json_array_append_new(attributes, a);
	}
	json_t *family = json_pack(
		"{s:s, s:s, s:n, s:[s,s,s,s,s,s,s,s], s:{}, s:{s:s, s:s}}", "code", "clothing",
		"attribute_as_label", "name", "attribute_as_image", "attributes", "brand", "color",
		"description", "name", "price", "size", "sku", "weight", "attribute_requirements",
		"labels", "en_US", "Clothing", "de_DE", "Kleidung");
	size_t i;
	json_t *ch;
	json_array_foreach(p->channels, i, ch)
		json_object_set_new(json_object_get(family, "attribute_requirements"),
				    json_string_value(ch), json_pack("[s,s]", "name", "sku"));
	json_t *variant = json_pack(
		"{s:s, s:{s:s}, s:[{s:i, s:[s,s], s:[s,s,s,s,s]}]}", "code", "clothing_color_size",
		"labels", "en_US", "Clothing by color and size", "variant_attribute_sets", "level", 1,
		"axes", "color", "size", "attributes", "color", "size", "sku", "price", "weight");
	json_t *categories = json_pack(
		"[{s:s, s:n, s:{s:s}}, {s:s, s:s, s:{s:s}}, {s:s, s:s, s:{s:s}}]", "code", "master",
		"parent", "labels", "en_US", "Master catalog", "code", "master_men", "parent", "master",
		"labels", "en_US", "Men", "code", "master_women", "parent", "master", "labels", "en_US",
		"Women");
	json_t *channels = json_array();
	json_array_foreach(p->channels, i, ch)
		json_array_append_new(channels,
				      json_pack("{s:O, s:O, s:O, s:s, s:{}, s:{}}", "code", ch, "locales",
						p->locales, "currencies", p->currencies, "category_tree",
						"master", "conversion_units", "labels"));
	json_t *locales = json_array(), *loc;
	json_array_foreach(p->locales, i, loc)
		json_array_append_new(locales, json_pack("{s:O, s:b}", "code", loc, "enabled", 1));
	json_t *st = json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:[o]}}", "attributes", attributes,
			       "families", json_pack("[o]", family), "categories", categories,
			       "channels", channels, "locales", locales, "variants", "clothing",
			       variant);
	sort_array(json_object_get(st, "channels"), "code");
	sort_array(json_object_get(st, "locales"), "code");
	return st;
}

static void seed(seam_sim_pim_t *p)
{
	seam_sim_rng_init(&p->rng, p->seed, "pim");
	p->access = json_object();
	p->refresh = json_object();
	p->products = json_array();
	p->models = json_array();
	static const char *const colors[] = {"black", "white", "red", "blue", "green"};
	static const char *const sizes[] = {"s", "m", "l", "xl"};
	static const char *const brands[] = {"acme", "globex", "initech"};
	int64_t nm = p->n_models > 0 ? p->n_models : 0;
	enum { NCOLORS = sizeof colors / sizeof *colors, NSIZES = sizeof sizes / sizeof *sizes };
	/* Axis combinations (color, size) the variants of the current model hold: Akeneo refuses a
	 * variant whose axis values another variant of its model already has, so the seed never
	 * makes one (a model with more variants than combinations wraps around). */
	unsigned char used[NCOLORS * NSIZES];
	int64_t used_model = -1, used_n = 0;
	for (int64_t m = 1; m <= nm; m++) {
		char code[32], name[64];
		snprintf(code, sizeof code, "model_%04lld", (long long)m);
		snprintf(name, sizeof name, "Product %lld", (long long)m);
		int64_t t = p->epoch_s - 40 * 86400 + m * 120;
		char ts[32];
		iso(t, ts);
		json_t *values = json_object();
		json_object_set_new(values, "name", localized(p, name, NULL));
		json_object_set_new(values, "description", localized(p, name, "scoped"));
		json_object_set_new(values, "brand",
				    scalar_value(json_string(brands[seam_sim_rng_range(&p->rng, 0, 2)])));
		json_t *model = json_pack("{s:s, s:s, s:s, s:n, s:[s], s:o, s:{}, s:{}, s:s, s:s, s:I, s:I}",
					  "code", code, "family", "clothing", "family_variant",
					  "clothing_color_size", "parent", "categories", "master",
					  "values", values, "associations", "quantified_associations",
					  "created", ts, "updated", ts, "_created", (json_int_t)t,
					  "_updated", (json_int_t)t);
		json_array_append_new(p->models, model);
	}
	for (int64_t i = 1; i <= p->n_products; i++) {
		char uuid[37], sku[32], ts[32];
		seam_sim_rng_uuid(&p->rng, uuid);
		snprintf(sku, sizeof sku, "SKU-%06lld", (long long)i);
		int64_t t = p->epoch_s - 30 * 86400 + i * 60;
		iso(t, ts);
		json_t *values = json_object();
		json_object_set_new(values, "sku", scalar_value(json_string(sku)));
		/* The same draws as before the uniqueness rule, so the rest of the seed is unchanged;
		 * a combination taken in this model moves to the next free one. */
		int64_t combo = seam_sim_rng_range(&p->rng, 0, NCOLORS - 1) * NSIZES;
		combo += seam_sim_rng_range(&p->rng, 0, NSIZES - 1);
		int64_t model = nm > 0 ? ((i - 1) * nm) / p->n_products : -1;
		if (model != used_model || used_n == NCOLORS * NSIZES) {
			memset(used, 0, sizeof used);
			used_model = model;
			used_n = 0;
		}
		while (nm > 0 && used[combo])
			combo = (combo + 1) % (NCOLORS * NSIZES);
		used[combo] = 1;
		used_n++;
		json_object_set_new(values, "color", scalar_value(json_string(colors[combo / NSIZES])));
		json_object_set_new(values, "size", scalar_value(json_string(sizes[combo % NSIZES])));
		json_t *prices = json_array();
		int64_t base = seam_sim_rng_range(&p->rng, 4, 199) * 100 + 99;
		size_t k;
		json_t *cur;
		json_array_foreach(p->currencies, k, cur) {
			char amt[SEAM_SIM_DEC_MAX];
			seam_sim_dec_format(base - (int64_t)k * 100, 2, 2, amt);
			json_array_append_new(prices, json_pack("{s:s, s:O}", "amount", amt, "currency", cur));
		}
		json_object_set_new(values, "price", scalar_value(prices));
		char weight[16];
		snprintf(weight, sizeof weight, "%lld.%04lld", (long long)seam_sim_rng_range(&p->rng, 0, 4),
			 (long long)seam_sim_rng_range(&p->rng, 0, 9999));
		json_object_set_new(values, "weight",
				    scalar_value(json_pack("{s:s, s:s}", "amount", weight, "unit", "KILOGRAM")));
		json_t *parent = json_null();
		if (nm > 0) {
			char code[32];
			snprintf(code, sizeof code, "model_%04lld",
				 (long long)(((i - 1) * nm) / (p->n_products > 0 ? p->n_products : 1) + 1));
			parent = json_string(code);
		} else {
			json_object_set_new(values, "name", localized(p, sku, NULL));
		}
		json_t *prod = json_pack("{s:s, s:b, s:s, s:[s], s:[], s:o, s:o, s:{}, s:{}, s:s, s:s, s:I, s:I}",
					 "uuid", uuid, "enabled", 1, "family", "clothing",
					 "categories", "master", "groups", "parent", parent, "values",
					 values, "associations", "quantified_associations", "created",
					 ts, "updated", ts, "_created", (json_int_t)t, "_updated",
					 (json_int_t)t);
		json_array_append_new(p->products, prod);
	}
	sort_array(p->products, "uuid");
	sort_array(p->models, "code");
	p->structure = seed_structure(p);
}

static void free_data(seam_sim_pim_t *p)
{
	json_decref(p->access);
	json_decref(p->refresh);
	json_decref(p->products);
	json_decref(p->models);
	json_decref(p->structure);
	json_decref(p->by_parent);
	p->access = p->refresh = p->products = p->models = p->structure = p->by_parent = NULL;
	seam_sim_rng_dispose(&p->rng);
}

/* ---- auth and rate limit ---- */

static int authed(seam_sim_pim_t *p, seam_sim_call_t *c)
{
	const char *h = seam_sim_header(c, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7)) {
		akeneo_error(c, 401, "Authentication is required");
		return 0;
	}
	json_t *exp = json_object_get(p->access, h + 7);
	if (!exp) {
		akeneo_error(c, 401, "The access token provided is invalid.");
		return 0;
	}
	if (json_integer_value(exp) <= seam_now_ms()) {
		akeneo_error(c, 401, "The access token provided has expired.");
		return 0;
	}
	return 1;
}

/* Fixed one-second windows: simple and predictable for tests. Lock held. */
static int rate_ok(seam_sim_pim_t *p, seam_sim_call_t *c)
{
	if (p->rate_limit <= 0)
		return 1;
	int64_t sec = seam_now_ms() / 1000;
	if (sec != p->rl_second) {
		p->rl_second = sec;
		p->rl_count = 0;
	}
	if (++p->rl_count > p->rate_limit) {
		seam_sim_set_header(c, "Retry-After", "1");
		akeneo_error(c, 429, "Too many requests");
		return 0;
	}
	return 1;
}

static void h_token(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	char *cid = NULL, *csec = NULL;
	json_t *b = NULL;
	seam_sim_kv_t *kv = NULL;
	size_t nkv = 0;
	const char *ct = seam_sim_header(c, "Content-Type");
	if (ct && strstr(ct, "x-www-form-urlencoded")) {
		char *body = strndup(c->body ? c->body : "", c->body_len);
		seam_sim_parse_query(body, &kv, &nkv);
		free(body);
		b = json_object();
		for (size_t i = 0; i < nkv; i++)
			json_object_set_new(b, kv[i].k, json_string(kv[i].v));
	} else {
		b = seam_sim_body_json(c);
	}
	const char *grant = json_string_value(json_object_get(b, "grant_type"));
	pthread_mutex_lock(&p->mu);
	if (seam_sim_basic_auth(seam_sim_header(c, "Authorization"), &cid, &csec) != 0 ||
	    !seam_sim_streq_ct(cid, p->client_id) || !seam_sim_streq_ct(csec, p->secret)) {
		akeneo_error(c, 422, "Parameter \"client_id\" is missing or does not match any client, or secret is invalid");
		goto out;
	}
	if (grant && !strcmp(grant, "password")) {
		const char *u = json_string_value(json_object_get(b, "username"));
		const char *pw = json_string_value(json_object_get(b, "password"));
		if (!u || !pw) {
			akeneo_error(c, 422, "Parameter \"username\" or \"password\" is missing or empty");
			goto out;
		}
		if (!seam_sim_streq_ct(u, p->username) || !seam_sim_streq_ct(pw, p->password)) {
			akeneo_error(c, 422, "No user found for the given username and password");
			goto out;
		}
	} else if (grant && !strcmp(grant, "refresh_token")) {
		const char *rt = json_string_value(json_object_get(b, "refresh_token"));
		json_t *exp = rt ? json_object_get(p->refresh, rt) : NULL;
		if (!exp || json_integer_value(exp) <= seam_now_ms()) {
			akeneo_error(c, 422, "Refresh token is invalid or has expired");
			goto out;
		}
		json_object_del(p->refresh, rt);
	} else {
		akeneo_error(c, 400, "Parameter \"grant_type\" is missing, empty or invalid");
		goto out;
	}
	char at[48], rt[48];
	seam_sim_rng_alnum(&p->rng, at, 40);
	seam_sim_rng_alnum(&p->rng, rt, 40);
	json_object_set_new(p->access, at, json_integer(seam_now_ms() + p->token_ttl_ms));
	json_object_set_new(p->refresh, rt, json_integer(seam_now_ms() + p->refresh_ttl_ms));
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:s, s:I, s:s, s:n, s:s}", "access_token", at, "expires_in",
				      (json_int_t)(p->token_ttl_ms / 1000), "token_type", "bearer",
				      "scope", "refresh_token", rt));
out:
	pthread_mutex_unlock(&p->mu);
	free(cid);
	free(csec);
	json_decref(b);
	seam_sim_kv_free(kv, nkv);
}

static void h_root(seam_sim_call_t *c, void *ctx)
{
	(void)ctx;
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:s, s:{s:{s:s, s:[s]}}, s:{}}", "host", c->base_url,
				      "authentication", "fos_oauth_server_token", "route",
				      "/api/oauth/v1/token", "methods", "POST", "routes"));
}

/* ---- search ---- */

/* "YYYY-MM-DD hh:mm:ss" (UTC) -> Unix seconds, or -1. */
static int64_t akeneo_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!s || strlen(s) != 19)
		return -1;
	const char *e = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!e || *e)
		return -1;
	return (int64_t)timegm(&tm);
}

/* Checks and normalises the search filter. Returns 0 or -1 with the 422 message. */
static int check_search(const json_t *search, int models, char *err, size_t cap)
{
	if (!json_is_object(search)) {
		snprintf(err, cap, "Search query parameter should be valid JSON.");
		return -1;
	}
	const char *prop;
	json_t *conds;
	json_object_foreach((json_t *)search, prop, conds) {
		if (!json_is_array(conds)) {
			snprintf(err, cap, "Structure of filter \"%s\" should respect this structure: "
					   "{\"%s\":[{\"operator\": \"my_operator\", \"value\": \"my_value\"}]}",
				 prop, prop);
			return -1;
		}
		size_t i;
		json_t *cnd;
		json_array_foreach(conds, i, cnd) {
			const char *op = json_string_value(json_object_get(cnd, "operator"));
			json_t *v = json_object_get(cnd, "value");
			if (!op) {
				snprintf(err, cap, "Operator is missing for the property \"%s\".", prop);
				return -1;
			}
			int ok = 0;
			if (!strcmp(prop, "updated") || !strcmp(prop, "created")) {
				if (!strcmp(op, ">") || !strcmp(op, "<") || !strcmp(op, "=") || !strcmp(op, "!=")) {
					ok = 1;
					if (akeneo_date(json_string_value(v)) < 0) {
						snprintf(err, cap,
							 "Property \"%s\" expects a string with the format "
							 "\"yyyy-mm-dd H:i:s\" as data, \"%s\" given.",
							 prop, json_is_string(v) ? json_string_value(v) : "non-string");
						return -1;
					}
				} else if (!strcmp(op, "BETWEEN") || !strcmp(op, "NOT BETWEEN")) {
					ok = 1;
					if (!json_is_array(v) || json_array_size(v) != 2 ||
					    akeneo_date(json_string_value(json_array_get(v, 0))) < 0 ||
					    akeneo_date(json_string_value(json_array_get(v, 1))) < 0) {
						snprintf(err, cap,
							 "Property \"%s\" expects an array with valid data, "
							 "should contain 2 strings with the format \"yyyy-mm-dd H:i:s\".",
							 prop);
						return -1;
					}
				} else if (!strcmp(op, "SINCE LAST N DAYS")) {
					ok = 1;
					if (!json_is_integer(v)) {
						snprintf(err, cap, "Property \"%s\" expects an integer as data.", prop);
						return -1;
					}
				}
			} else if (!strcmp(prop, "enabled")) {
				ok = (!strcmp(op, "=") || !strcmp(op, "!=")) && json_is_boolean(v);
			} else if (!strcmp(prop, "family") || (!strcmp(prop, "parent") && !models) ||
				   (!strcmp(prop, "uuid") && !models) || (!strcmp(prop, "code") && models)) {
				ok = ((!strcmp(op, "IN") || !strcmp(op, "NOT IN")) && json_is_array(v)) ||
				     !strcmp(op, "EMPTY") || !strcmp(op, "NOT EMPTY");
			}
			if (!ok) {
				snprintf(err, cap,
					 "Filter on property \"%s\" is not supported or does not support "
					 "operator \"%s\"",
					 prop, op);
				return -1;
			}
		}
	}
	return 0;
}

static int date_match(const char *op, const json_t *v, int64_t t)
{
	if (!strcmp(op, "SINCE LAST N DAYS"))
		return t >= seam_now_ms() / 1000 - json_integer_value(v) * 86400;
	if (!strcmp(op, "BETWEEN") || !strcmp(op, "NOT BETWEEN")) {
		int64_t a = akeneo_date(json_string_value(json_array_get(v, 0)));
		int64_t b = akeneo_date(json_string_value(json_array_get(v, 1)));
		int in = t >= a && t <= b;
		return !strcmp(op, "BETWEEN") ? in : !in;
	}
	int64_t x = akeneo_date(json_string_value(v));
	if (!strcmp(op, ">"))
		return t > x;
	if (!strcmp(op, "<"))
		return t < x;
	if (!strcmp(op, "="))
		return t >= x && t < x + 1;
	return t != x;
}

static int in_list(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		if (s && json_is_string(v) && !strcmp(json_string_value(v), s))
			return 1;
	return 0;
}

static long find_sorted(json_t *arr, const char *key, const char *id, size_t *at);

static json_t *find_model(seam_sim_pim_t *p, const char *code)
{
	long i = code ? find_sorted(p->models, "code", code, NULL) : -1;
	return i < 0 ? NULL : json_array_get(p->models, (size_t)i);
}

/* The values of the search's `parent IN [...]` condition, or NULL. */
static json_t *parent_in(const json_t *search)
{
	size_t i;
	json_t *cnd;
	json_array_foreach(json_object_get(search, "parent"), i, cnd) {
		const char *op = json_string_value(json_object_get(cnd, "operator"));
		if (op && !strcmp(op, "IN"))
			return json_object_get(cnd, "value");
	}
	return NULL;
}

/* The products whose parent is one of codes, sorted by uuid (a new array): every product a
 * `parent IN codes` search can match, without a walk of the whole catalog per subject. */
static json_t *products_of(seam_sim_pim_t *p, const json_t *codes)
{
	size_t i;
	json_t *r, *code, *out = json_array();
	if (!p->by_parent) {
		p->by_parent = json_object();
		json_array_foreach(p->products, i, r) {
			const char *parent = json_string_value(json_object_get(r, "parent"));
			if (!parent)
				continue;
			json_t *list = json_object_get(p->by_parent, parent);
			if (!list)
				json_object_set_new(p->by_parent, parent, list = json_array());
			json_array_append(list, r);
		}
	}
	json_array_foreach(codes, i, code) {
		size_t j;
		json_array_foreach(json_object_get(p->by_parent, json_string_value(code)), j, r)
			json_array_append(out, r);
	}
	if (json_array_size(codes) > 1)
		sort_array(out, "uuid");
	return out;
}

static int rec_match(seam_sim_pim_t *p, const json_t *search, const json_t *rec)
{
	const char *prop;
	json_t *conds;
	json_object_foreach((json_t *)search, prop, conds) {
		size_t i;
		json_t *cnd;
		json_array_foreach(conds, i, cnd) {
			const char *op = json_string_value(json_object_get(cnd, "operator"));
			json_t *v = json_object_get(cnd, "value");
			int ok;
			if (!strcmp(prop, "updated") || !strcmp(prop, "created")) {
				const char *key = !strcmp(prop, "updated") ? "_updated" : "_created";
				ok = date_match(op, v, json_integer_value(json_object_get(rec, key)));
				/* a variant also matches through its parent models */
				const json_t *cur = rec;
				for (int depth = 0; !ok && depth < 2; depth++) {
					const char *parent = json_string_value(json_object_get(cur, "parent"));
					json_t *m = find_model(p, parent);
					if (!m)
						break;
					ok = date_match(op, v, json_integer_value(json_object_get(m, key)));
					cur = m;
				}
			} else if (!strcmp(prop, "enabled")) {
				int e = json_is_true(json_object_get(rec, "enabled"));
				ok = !strcmp(op, "=") ? e == json_is_true(v) : e != json_is_true(v);
			} else {
				const char *val = json_string_value(json_object_get(rec, prop));
				if (!strcmp(op, "EMPTY"))
					ok = !val;
				else if (!strcmp(op, "NOT EMPTY"))
					ok = val != NULL;
				else if (!strcmp(op, "IN"))
					ok = in_list(v, val);
				else
					ok = !in_list(v, val);
			}
			if (!ok)
				return 0;
		}
	}
	return 1;
}

/* The record as printed: private keys dropped; locales/scope/attributes applied. */
static json_t *out_rec(const json_t *rec, const char *self, const json_t *locales,
		       const char *scope, const json_t *attributes)
{
	json_t *o = json_object();
	json_object_set_new(o, "_links", json_pack("{s:{s:s}}", "self", "href", self));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)rec, k, v) {
		if (k[0] == '_')
			continue;
		if (strcmp(k, "values")) {
			json_object_set(o, k, v);
			continue;
		}
		json_t *vals = json_object();
		const char *attr;
		json_t *list;
		json_object_foreach(v, attr, list) {
			if (attributes && !in_list(attributes, attr))
				continue;
			json_t *kept = json_array();
			size_t i;
			json_t *item;
			json_array_foreach(list, i, item) {
				const char *loc = json_string_value(json_object_get(item, "locale"));
				const char *sc = json_string_value(json_object_get(item, "scope"));
				if (loc && locales && !in_list(locales, loc))
					continue;
				if (sc && scope && strcmp(sc, scope))
					continue;
				json_array_append(kept, item);
			}
			json_object_set_new(vals, attr, kept);
		}
		json_object_set_new(o, "values", vals);
	}
	return o;
}

static json_t *csv_list(const char *s)
{
	if (!s || !*s)
		return NULL;
	json_t *a = json_array();
	char buf[512];
	snprintf(buf, sizeof buf, "%s", s);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	return a;
}

/* Query string without the keys in drop, re-encoded, with extra appended. Owned. */
static char *link_with(const seam_sim_call_t *c, const char *const *drop, const char *extra)
{
	size_t cap = strlen(c->base_url) + strlen(c->path) + strlen(extra) + 16;
	for (size_t i = 0; i < c->nquery; i++)
		cap += 3 * (strlen(c->query[i].k) + strlen(c->query[i].v)) + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	char *p = out + sprintf(out, "%s%s?", c->base_url, c->path);
	int first = 1;
	for (size_t i = 0; i < c->nquery; i++) {
		int skip = 0;
		for (const char *const *d = drop; *d; d++)
			if (!strcmp(*d, c->query[i].k))
				skip = 1;
		if (skip)
			continue;
		char *k = seam_sim_urlencode(c->query[i].k), *v = seam_sim_urlencode(c->query[i].v);
		p += sprintf(p, "%s%s=%s", first ? "" : "&", k ? k : "", v ? v : "");
		first = 0;
		free(k);
		free(v);
	}
	sprintf(p, "%s%s", first ? "" : "&", extra);
	return out;
}

static void list(seam_sim_call_t *c, seam_sim_pim_t *p, int models)
{
	const char *limit_s = seam_sim_query(c, "limit");
	const char *ptype = seam_sim_query(c, "pagination_type");
	const char *page_s = seam_sim_query(c, "page");
	const char *after = seam_sim_query(c, "search_after");
	const char *search_s = seam_sim_query(c, "search");
	const char *with_count = seam_sim_query(c, "with_count");
	int64_t limit = limit_s ? strtoll(limit_s, NULL, 10) : 10;
	if (limit > 100) {
		akeneo_error(c, 422, "You cannot request more than 100 items.");
		return;
	}
	if (limit < 1) {
		akeneo_error(c, 422, "\"limit\" must be a positive integer.");
		return;
	}
	int search_after = ptype && !strcmp(ptype, "search_after");
	if (ptype && !search_after && strcmp(ptype, "page")) {
		akeneo_error(c, 422, "Pagination type does not exist.");
		return;
	}
	json_t *search = NULL;
	char err[300];
	if (search_s) {
		search = json_loads(search_s, 0, NULL);
		if (!search || check_search(search, models, err, sizeof err) != 0) {
			json_decref(search);
			akeneo_error(c, search ? 422 : 400,
				     search ? err : "Search query parameter should be valid JSON.");
			return;
		}
	}
	int64_t page = page_s ? strtoll(page_s, NULL, 10) : 1;
	if (page < 1)
		page = 1;
	if (!search_after && (page - 1) * limit >= MAX_PAGE_ITEMS && !models) {
		json_decref(search);
		akeneo_error(c, 422,
			     "You have reached the maximum number of pages you can retrieve with the "
			     "\"page\" pagination type. Please use the search after pagination type instead");
		return;
	}
	const char *key = models ? "code" : "uuid";
	char *cursor = NULL;
	if (after) {
		uint8_t buf[128];
		long n = seam_base64_decode(after, strlen(after), buf, sizeof buf - 1);
		if (n <= 0) {
			json_decref(search);
			akeneo_error(c, 422, "The search_after parameter is invalid: follow _links.next.");
			return;
		}
		buf[n] = '\0';
		cursor = strdup((char *)buf);
	}
	json_t *locales = csv_list(seam_sim_query(c, "locales"));
	json_t *attributes = csv_list(seam_sim_query(c, "attributes"));
	const char *scope = seam_sim_query(c, "scope");
	json_t *items = json_array();
	json_t *arr = models ? p->models : p->products, *subset = NULL;
	json_t *parents = models ? NULL : parent_in(search);
	if (parents)
		arr = subset = products_of(p, parents);
	int64_t matched = 0, skipped = 0;
	int more = 0;
	const char *last = NULL;
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r) {
		const char *id = json_string_value(json_object_get(r, key));
		if (search_after && cursor && strcmp(id, cursor) <= 0)
			continue;
		if (search && !rec_match(p, search, r))
			continue;
		matched++;
		if (!search_after && skipped < (page - 1) * limit) {
			skipped++;
			continue;
		}
		if ((int64_t)json_array_size(items) == limit) {
			more = 1;
			if (!with_count || search_after)
				break;
			continue;
		}
		char self[512];
		snprintf(self, sizeof self, "%s/api/rest/v1/%s/%s", c->base_url,
			 models ? "product-models" : "products-uuid", id);
		json_array_append_new(items, out_rec(r, self, locales, scope, attributes));
		last = id;
	}
	char *selfl = link_with(c, (const char *const[]){NULL}, "");
	size_t sl = selfl ? strlen(selfl) : 0;
	if (sl && (selfl[sl - 1] == '&' || selfl[sl - 1] == '?'))
		selfl[sl - 1] = '\0';
	json_t *links = json_pack("{s:{s:s}}", "self", "href", selfl ? selfl : "");
	free(selfl);
	static const char *const drop_sa[] = {"search_after", NULL};
	static const char *const drop_pg[] = {"page", NULL};
	if (search_after) {
		char *first = link_with(c, drop_sa, "");
		size_t fl = first ? strlen(first) : 0;
		if (fl && (first[fl - 1] == '&' || first[fl - 1] == '?'))
			first[fl - 1] = '\0';
		json_object_set_new(links, "first", json_pack("{s:s}", "href", first ? first : ""));
		free(first);
		if (more && last) {
			char enc[200], extra[240];
			seam_base64url_encode(last, strlen(last), enc);
			snprintf(extra, sizeof extra, "search_after=%s", enc);
			char *next = link_with(c, drop_sa, extra);
			json_object_set_new(links, "next", json_pack("{s:s}", "href", next ? next : ""));
			free(next);
		}
	} else {
		char extra[64];
		snprintf(extra, sizeof extra, "page=1");
		char *first = link_with(c, drop_pg, extra);
		json_object_set_new(links, "first", json_pack("{s:s}", "href", first ? first : ""));
		free(first);
		if (page > 1) {
			snprintf(extra, sizeof extra, "page=%lld", (long long)(page - 1));
			char *prev = link_with(c, drop_pg, extra);
			json_object_set_new(links, "previous", json_pack("{s:s}", "href", prev ? prev : ""));
			free(prev);
		}
		if (more) {
			snprintf(extra, sizeof extra, "page=%lld", (long long)(page + 1));
			char *next = link_with(c, drop_pg, extra);
			json_object_set_new(links, "next", json_pack("{s:s}", "href", next ? next : ""));
			free(next);
		}
	}
	json_t *doc = json_pack("{s:o}", "_links", links);
	if (!search_after)
		json_object_set_new(doc, "current_page", json_integer(page));
	if (with_count && !strcmp(with_count, "true") && !search_after)
		json_object_set_new(doc, "items_count", json_integer(matched));
	json_object_set_new(doc, "_embedded", json_pack("{s:o}", "items", items));
	seam_sim_reply_json(c, 200, NULL, doc);
	free(cursor);
	json_decref(search);
	json_decref(subset);
	json_decref(locales);
	json_decref(attributes);
}

static void h_products(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	if (rate_ok(p, c) && authed(p, c))
		list(c, p, 0);
	pthread_mutex_unlock(&p->mu);
}

static void h_models(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	if (rate_ok(p, c) && authed(p, c))
		list(c, p, 1);
	pthread_mutex_unlock(&p->mu);
}

static void one(seam_sim_call_t *c, seam_sim_pim_t *p, int models)
{
	const char *id = seam_sim_param(c, "id");
	const char *key = models ? "code" : "uuid";
	json_t *arr = models ? p->models : p->products;
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r) {
		if (!strcasecmp(json_string_value(json_object_get(r, key)), id)) {
			char self[512];
			snprintf(self, sizeof self, "%s%s", c->base_url, c->path);
			seam_sim_reply_json(c, 200, NULL, out_rec(r, self, NULL, NULL, NULL));
			return;
		}
	}
	char msg[200];
	snprintf(msg, sizeof msg, "%s \"%s\" does not exist or you do not have permission to access it.",
		 models ? "Product model" : "Product", id);
	akeneo_error(c, 404, msg);
}

static void h_product(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	if (rate_ok(p, c) && authed(p, c))
		one(c, p, 0);
	pthread_mutex_unlock(&p->mu);
}

static void h_model(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	if (rate_ok(p, c) && authed(p, c))
		one(c, p, 1);
	pthread_mutex_unlock(&p->mu);
}

/* ---- catalog structure: families, family variants, attributes, categories, channels,
 * locales. Akeneo pages these with pagination_type=page only (search_after is for products,
 * product models and a few others), limit at most 100. ---- */

/* Lock held. The array named by the route (variants: the family's), or NULL after a 404. */
static json_t *structure_of(seam_sim_pim_t *p, seam_sim_call_t *c)
{
	const char *path = c->path + strlen("/api/rest/v1/");
	const char *fam = seam_sim_param(c, "family");
	if (fam) {
		json_t *v = json_object_get(json_object_get(p->structure, "variants"), fam);
		if (!v) {
			char msg[200];
			snprintf(msg, sizeof msg, "Family \"%.60s\" does not exist.", fam);
			akeneo_error(c, 404, msg);
		}
		return v;
	}
	char k[32];
	size_t n = strcspn(path, "/");
	snprintf(k, sizeof k, "%.*s", (int)(n < 31 ? n : 31), path);
	json_t *arr = json_object_get(p->structure, k);
	if (!arr) /* every route has its array: answer rather than leave the call hanging */
		akeneo_error(c, 404, "Resource does not exist.");
	return arr;
}

static void h_structure_list(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	if (!rate_ok(p, c) || !authed(p, c))
		goto out;
	json_t *arr = structure_of(p, c);
	if (!arr)
		goto out;
	const char *limit_s = seam_sim_query(c, "limit"), *page_s = seam_sim_query(c, "page");
	int64_t limit = limit_s ? strtoll(limit_s, NULL, 10) : 10;
	int64_t page = page_s ? strtoll(page_s, NULL, 10) : 1;
	if (limit > 100) {
		akeneo_error(c, 422, "You cannot request more than 100 items.");
		goto out;
	}
	if (limit < 1) {
		akeneo_error(c, 422, "\"limit\" must be a positive integer.");
		goto out;
	}
	if (page < 1)
		page = 1;
	json_t *items = json_array();
	size_t n = json_array_size(arr);
	for (size_t i = (size_t)((page - 1) * limit); i < n && (int64_t)json_array_size(items) < limit; i++) {
		json_t *it = json_deep_copy(json_array_get(arr, i));
		char self[512];
		snprintf(self, sizeof self, "%s%s/%s", c->base_url, c->path,
			 json_string_value(json_object_get(it, "code")));
		json_object_set_new(it, "_links", json_pack("{s:{s:s}}", "self", "href", self));
		json_array_append_new(items, it);
	}
	static const char *const drop_pg[] = {"page", NULL};
	char extra[64];
	char *selfl = link_with(c, (const char *const[]){NULL}, "");
	size_t sl = selfl ? strlen(selfl) : 0;
	if (sl && (selfl[sl - 1] == '&' || selfl[sl - 1] == '?'))
		selfl[sl - 1] = '\0';
	json_t *links = json_pack("{s:{s:s}}", "self", "href", selfl ? selfl : "");
	free(selfl);
	char *first = link_with(c, drop_pg, "page=1");
	json_object_set_new(links, "first", json_pack("{s:s}", "href", first ? first : ""));
	free(first);
	if (page > 1) {
		snprintf(extra, sizeof extra, "page=%lld", (long long)(page - 1));
		char *prev = link_with(c, drop_pg, extra);
		json_object_set_new(links, "previous", json_pack("{s:s}", "href", prev ? prev : ""));
		free(prev);
	}
	if ((size_t)(page * limit) < n) {
		snprintf(extra, sizeof extra, "page=%lld", (long long)(page + 1));
		char *next = link_with(c, drop_pg, extra);
		json_object_set_new(links, "next", json_pack("{s:s}", "href", next ? next : ""));
		free(next);
	}
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:o, s:I, s:{s:o}}", "_links", links, "current_page",
				      (json_int_t)page, "_embedded", "items", items));
out:
	pthread_mutex_unlock(&p->mu);
}

static void h_structure_one(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	if (!rate_ok(p, c) || !authed(p, c))
		goto out;
	json_t *arr = structure_of(p, c);
	if (!arr)
		goto out;
	const char *code = seam_sim_param(c, "code");
	size_t i;
	json_t *it;
	json_array_foreach(arr, i, it) {
		if (code && !strcmp(json_string_value(json_object_get(it, "code")), code)) {
			seam_sim_reply_json(c, 200, NULL, json_deep_copy(it));
			goto out;
		}
	}
	char msg[200];
	snprintf(msg, sizeof msg, "Resource \"%.60s\" does not exist.", code ? code : "");
	akeneo_error(c, 404, msg);
out:
	pthread_mutex_unlock(&p->mu);
}

/* ---- control ---- */

static void touch(json_t *rec, int64_t t)
{
	char ts[32];
	iso(t, ts);
	json_object_set_new(rec, "updated", json_string(ts));
	json_object_set_new(rec, "_updated", json_integer(t));
}

static void h_touch(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	json_t *b = seam_sim_body_json(c);
	json_t *touched = json_array();
	int64_t t = seam_now_ms() / 1000;
	pthread_mutex_lock(&p->mu);
	json_int_t count = json_integer_value(json_object_get(b, "count"));
	size_t n = json_array_size(p->products);
	for (json_int_t k = 0; k < count && n > 0; k++) {
		json_t *r = json_array_get(p->products, (size_t)seam_sim_rng_range(&p->rng, 0, (int64_t)n - 1));
		touch(r, t);
		seam_sim_pim_events_emit(p->events, "product.updated", r);
		json_array_append(touched, json_object_get(r, "uuid"));
	}
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(b, "uuids"), i, v) {
		size_t k;
		json_t *r;
		json_array_foreach(p->products, k, r)
			if (json_is_string(v) && !strcmp(json_string_value(json_object_get(r, "uuid")),
							 json_string_value(v))) {
				touch(r, t);
				seam_sim_pim_events_emit(p->events, "product.updated", r);
				json_array_append(touched, v);
			}
	}
	json_array_foreach(json_object_get(b, "models"), i, v) {
		json_t *m = find_model(p, json_string_value(v));
		if (m) {
			touch(m, t);
			seam_sim_pim_events_emit(p->events, "product_model.updated", m);
			json_array_append(touched, v);
		}
	}
	pthread_mutex_unlock(&p->mu);
	seam_sim_pim_events_flush(p->events);
	json_decref(b);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:o}", "touched", touched));
}

/* ---- edits: POST /_sim/pim/products and /_sim/pim/models ----
 *
 * {"upsert": [records], "remove": [ids]}: the way a PIM user or an import changes the catalog,
 * for fault tests (disable a product, move a variant to another model, duplicate a SKU, break a
 * price, remove a product). A record names its key (uuid / code); an existing record gets the
 * given top-level fields replaced and, inside "values", each given attribute's value list
 * replaced (null deletes the attribute); a new one starts from the seed's defaults. Keys
 * starting with '_' (the double's own, and _links of a record read back) are ignored. Every
 * record changed gets updated (and _updated) = now, a new one created too, and the matching
 * Events API event when events are configured. Nothing is checked that Akeneo checks on
 * writes but a test needs broken (unique SKUs, unique axis combinations, decimal amounts);
 * what would corrupt the double is refused with 422 and nothing applied: a record without
 * its key, fields of the wrong JSON type, a parent model that does not exist, an id to
 * remove that does not exist. Removing a model removes its variant products too (as Akeneo
 * deletes a model's descendants). */

typedef struct edit_kind {
	const char *key;         /* "uuid" | "code" */
	const char *what;        /* for messages */
	const char *event;       /* "product" | "product_model" */
	int models;
} edit_kind_t;

static const edit_kind_t edit_products = {"uuid", "product", "product", 0};
static const edit_kind_t edit_models = {"code", "product model", "product_model", 1};

/* Index of the record whose key is id in the sorted array, or -1; *at: where it would go. */
static long find_sorted(json_t *arr, const char *key, const char *id, size_t *at)
{
	size_t lo = 0, hi = json_array_size(arr);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(json_string_value(json_object_get(json_array_get(arr, mid), key)), id);
		if (c == 0) {
			if (at)
				*at = mid;
			return (long)mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at)
		*at = lo;
	return -1;
}

/* The JSON type each editable field must have ("s" string, "S" string or null, "b" boolean,
 * "a" array, "o" object, "O" object or null); other fields are taken as they come. */
static const struct {
	const char *field, *type;
} edit_types[] = {
	{"uuid", "s"}, {"code", "s"}, {"enabled", "b"}, {"family", "S"}, {"family_variant", "S"},
	{"parent", "S"}, {"categories", "a"}, {"groups", "a"}, {"values", "o"},
	{"associations", "o"}, {"quantified_associations", "o"},
};

static int type_ok(const json_t *v, const char *t)
{
	switch (*t) {
	case 's': return json_is_string(v);
	case 'S': return json_is_string(v) || json_is_null(v);
	case 'b': return json_is_boolean(v);
	case 'a': return json_is_array(v);
	case 'o': return json_is_object(v);
	default: return 1;
	}
}

/* Lock held. 0, or -1 with the 422 message: one upsert record. */
static int edit_check(seam_sim_pim_t *p, const edit_kind_t *k, const json_t *rec, char *msg,
		      size_t cap)
{
	const char *id = json_string_value(json_object_get(rec, k->key));
	if (!json_is_object(rec) || !id || !*id) {
		snprintf(msg, cap, "each %s to upsert needs its %s", k->what, k->key);
		return -1;
	}
	for (size_t i = 0; i < sizeof edit_types / sizeof *edit_types; i++) {
		const json_t *v = json_object_get(rec, edit_types[i].field);
		if (v && !type_ok(v, edit_types[i].type)) {
			snprintf(msg, cap, "%s %.80s: %s has the wrong JSON type", k->what, id,
				 edit_types[i].field);
			return -1;
		}
	}
	const char *attr;
	json_t *list;
	json_object_foreach(json_object_get(rec, "values"), attr, list) {
		if (!json_is_array(list) && !json_is_null(list)) {
			snprintf(msg, cap, "%s %.80s: values.%.80s must be a list of {locale, scope, data} or null",
				 k->what, id, attr);
			return -1;
		}
	}
	const char *parent = json_string_value(json_object_get(rec, "parent"));
	if (parent && !find_model(p, parent)) {
		snprintf(msg, cap, "%s %.80s: the product model \"%.80s\" does not exist", k->what, id,
			 parent);
		return -1;
	}
	return 0;
}

/* A new record with the seed's defaults. */
static json_t *edit_new(const edit_kind_t *k, const char *id)
{
	if (k->models)
		return json_pack("{s:s, s:s, s:s, s:n, s:[], s:{}, s:{}, s:{}}", "code", id, "family",
				 "clothing", "family_variant", "clothing_color_size", "parent",
				 "categories", "values", "associations", "quantified_associations");
	return json_pack("{s:s, s:b, s:s, s:[], s:[], s:n, s:{}, s:{}, s:{}}", "uuid", id, "enabled", 1,
			 "family", "clothing", "categories", "groups", "parent", "values",
			 "associations", "quantified_associations");
}

/* Lock held. Merges rec over cur (fields replaced, values per attribute). */
static void edit_merge(json_t *cur, const json_t *rec)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)rec, key, v) {
		if (key[0] == '_' || !strcmp(key, "created") || !strcmp(key, "updated"))
			continue;
		if (strcmp(key, "values")) {
			json_object_set_new(cur, key, json_deep_copy(v));
			continue;
		}
		json_t *vals = json_object_get(cur, "values");
		if (!json_is_object(vals)) {
			vals = json_object();
			json_object_set_new(cur, "values", vals);
		}
		const char *attr;
		json_t *list;
		json_object_foreach(v, attr, list) {
			if (json_is_null(list))
				json_object_del(vals, attr);
			else
				json_object_set_new(vals, attr, json_deep_copy(list));
		}
	}
}

static void h_edit(seam_sim_call_t *c, seam_sim_pim_t *p, const edit_kind_t *k)
{
	json_t *b = seam_sim_body_json(c);
	json_t *ups = json_object_get(b, "upsert"), *rems = json_object_get(b, "remove");
	json_t *created = json_array(), *updated = json_array(), *removed = json_array();
	json_t *arr;
	char msg[300] = "", ev[40];
	size_t i;
	json_t *v;
	int64_t t = seam_now_ms() / 1000;

	pthread_mutex_lock(&p->mu);
	arr = k->models ? p->models : p->products;
	if (!json_is_object(b) || (ups && !json_is_array(ups)) || (rems && !json_is_array(rems))) {
		snprintf(msg, sizeof msg, "the body must be {\"upsert\": [...], \"remove\": [...]}");
		goto out;
	}
	json_array_foreach(ups, i, v)
		if (edit_check(p, k, v, msg, sizeof msg) != 0)
			goto out;
	json_array_foreach(rems, i, v) {
		if (!json_is_string(v) || find_sorted(arr, k->key, json_string_value(v), NULL) < 0) {
			snprintf(msg, sizeof msg, "%s %.80s does not exist", k->what,
				 json_is_string(v) ? json_string_value(v) : "(not a string)");
			goto out;
		}
	}
	/* checked: apply (a parent may change, a product may go: the parent index is rebuilt) */
	json_decref(p->by_parent);
	p->by_parent = NULL;
	json_array_foreach(ups, i, v) {
		const char *id = json_string_value(json_object_get(v, k->key));
		size_t at;
		long idx = find_sorted(arr, k->key, id, &at);
		json_t *cur;
		char ts[32];
		iso(t, ts);
		if (idx < 0) {
			cur = edit_new(k, id);
			json_object_set_new(cur, "created", json_string(ts));
			json_object_set_new(cur, "_created", json_integer(t));
			json_array_insert_new(arr, at, cur);
			json_array_append_new(created, json_string(id));
		} else {
			cur = json_array_get(arr, (size_t)idx);
			json_array_append_new(updated, json_string(id));
		}
		edit_merge(cur, v);
		touch(cur, t);
		snprintf(ev, sizeof ev, "%s.%s", k->event, idx < 0 ? "created" : "updated");
		seam_sim_pim_events_emit(p->events, ev, cur);
	}
	json_array_foreach(rems, i, v) {
		const char *id = json_string_value(v);
		long idx = find_sorted(arr, k->key, id, NULL);
		if (idx < 0) /* listed twice */
			continue;
		if (k->models) {
			/* the model's variant products go with it */
			for (size_t j = json_array_size(p->products); j-- > 0;) {
				json_t *r = json_array_get(p->products, j);
				const char *parent = json_string_value(json_object_get(r, "parent"));
				if (!parent || strcmp(parent, id))
					continue;
				seam_sim_pim_events_emit(p->events, "product.removed", r);
				json_array_remove(p->products, j);
			}
		}
		snprintf(ev, sizeof ev, "%s.removed", k->event);
		seam_sim_pim_events_emit(p->events, ev, json_array_get(arr, (size_t)idx));
		json_array_remove(arr, (size_t)idx);
		json_array_append_new(removed, json_string(id));
	}
out:
	pthread_mutex_unlock(&p->mu);
	if (*msg) {
		seam_sim_problem(c, 422, "bad-edit", "%s", msg);
		json_decref(created);
		json_decref(updated);
		json_decref(removed);
	} else {
		seam_sim_pim_events_flush(p->events);
		seam_sim_reply_json(c, 200, NULL,
				    json_pack("{s:o, s:o, s:o}", "created", created, "updated", updated,
					      "removed", removed));
	}
	json_decref(b);
}

static void h_edit_products(seam_sim_call_t *c, void *ctx)
{
	h_edit(c, ctx, &edit_products);
}

static void h_edit_models(seam_sim_call_t *c, void *ctx)
{
	h_edit(c, ctx, &edit_models);
}

/* Expires every access token now (and every refresh token with {"refresh": true}), as a PIM
 * whose tokens ran out between two calls of a long walk: the next call gets 401 "The access
 * token provided has expired." */
static void h_expire(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_t *p = ctx;
	json_t *b = seam_sim_body_json(c);
	int refresh = json_is_true(json_object_get(b, "refresh"));
	const char *k;
	json_t *v;
	json_int_t n = 0;
	int64_t past = seam_now_ms() - 1;
	pthread_mutex_lock(&p->mu);
	json_object_foreach(p->access, k, v) {
		json_integer_set(v, past);
		n++;
	}
	if (refresh)
		json_object_foreach(p->refresh, k, v)
			json_integer_set(v, past);
	pthread_mutex_unlock(&p->mu);
	json_decref(b);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:I}", "expired", n));
}

static void h_events(seam_sim_call_t *c, void *ctx)
{
	seam_sim_pim_events_h_post(c, ((seam_sim_pim_t *)ctx)->events);
}

/* ---- lifecycle ---- */

static const seam_sim_route_t routes[] = {
	{"POST", "/api/oauth/v1/token", h_token, SEAM_SIM_ROUTE_SECRET_BODY, "OAuth token"},
	{"GET", "/api/rest/v1", h_root, 0, "API root"},
	{"GET", "/api/rest/v1/products-uuid", h_products, 0, "products"},
	{"GET", "/api/rest/v1/products-uuid/{id}", h_product, 0, "one product"},
	{"GET", "/api/rest/v1/product-models", h_models, 0, "product models"},
	{"GET", "/api/rest/v1/product-models/{id}", h_model, 0, "one product model"},
	{"GET", "/api/rest/v1/families", h_structure_list, 0, "families"},
	{"GET", "/api/rest/v1/families/{code}", h_structure_one, 0, "one family"},
	{"GET", "/api/rest/v1/families/{family}/variants", h_structure_list, 0, "family variants"},
	{"GET", "/api/rest/v1/families/{family}/variants/{code}", h_structure_one, 0,
	 "one family variant"},
	{"GET", "/api/rest/v1/attributes", h_structure_list, 0, "attributes"},
	{"GET", "/api/rest/v1/attributes/{code}", h_structure_one, 0, "one attribute"},
	{"GET", "/api/rest/v1/categories", h_structure_list, 0, "categories"},
	{"GET", "/api/rest/v1/categories/{code}", h_structure_one, 0, "one category"},
	{"GET", "/api/rest/v1/channels", h_structure_list, 0, "channels"},
	{"GET", "/api/rest/v1/channels/{code}", h_structure_one, 0, "one channel"},
	{"GET", "/api/rest/v1/locales", h_structure_list, 0, "locales"},
	{"GET", "/api/rest/v1/locales/{code}", h_structure_one, 0, "one locale"},
	{"POST", "/_sim/pim/touch", h_touch, 0, "mark products or models updated"},
	{"POST", "/_sim/pim/expire", h_expire, 0, "expire the access (and refresh) tokens now"},
	{"POST", "/_sim/pim/products", h_edit_products, 0, "upsert or remove products (fault tests)"},
	{"POST", "/_sim/pim/models", h_edit_models, 0, "upsert or remove product models (fault tests)"},
	{"POST", "/_sim/pim/events", h_events, 0, "send Akeneo events (sim_pim_events.h)"},
};

static void reset_data(void *ctx)
{
	seam_sim_pim_t *p = ctx;
	pthread_mutex_lock(&p->mu);
	free_data(p);
	seed(p);
	pthread_mutex_unlock(&p->mu);
}

void seam_sim_pim_def(seam_sim_pim_t *p, seam_sim_double_def_t *def)
{
	memset(def, 0, sizeof *def);
	def->name = "pim";
	def->routes = routes;
	def->nroutes = sizeof routes / sizeof *routes;
	def->ctx = p;
	def->reset_data = reset_data;
	def->sender = seam_sim_pim_events_sender(p->events);
}

void seam_sim_pim_destroy(seam_sim_pim_t *p)
{
	if (!p)
		return;
	seam_sim_pim_events_destroy(p->events);
	free_data(p);
	free(p->client_id);
	free(p->secret);
	free(p->username);
	free(p->password);
	json_decref(p->locales);
	json_decref(p->channels);
	json_decref(p->currencies);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static seam_err_t str_list(const seam_sim_config_t *cfg, const json_t *sec, const char *key,
			   json_t *def, json_t **out, seam_error_t *err)
{
	json_t *v = json_object_get(sec, key);
	if (!v || json_is_null(v)) {
		*out = def;
		return SEAM_OK;
	}
	json_decref(def);
	size_t i;
	json_t *x;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return seam_sim_config_errorf(cfg, v, err, "%s: expected a non-empty list of strings", key);
	json_array_foreach(v, i, x)
		if (!json_is_string(x))
			return seam_sim_config_errorf(cfg, x, err, "%s: expected strings", key);
	*out = json_deep_copy(v);
	return SEAM_OK;
}

seam_err_t seam_sim_pim_create(const seam_sim_config_t *cfg, const json_t *sec,
			       const seam_sim_env_t *env, seam_sim_pim_t **out, seam_error_t *err)
{
	static const char *const keys[] = {"listen", "threads", "client_id", "secret", "username",
					   "password", "token_ttl", "refresh_ttl", "products",
					   "models", "locales", "channels", "currencies",
					   "rate_limit", "epoch", "events", NULL};
	seam_err_t rc;
	seam_sim_pim_t *p = calloc(1, sizeof *p);
	if (!p)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	p->seed = env->seed;
	const char *epoch;
	if ((rc = seam_sim_cfg_keys(cfg, sec, keys, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "client_id", "seam", &p->client_id, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "secret", "seam-pim-secret", &p->secret, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "username", "seam", &p->username, err)) ||
	    (rc = seam_sim_cfg_secret(cfg, sec, "password", "seam-pim-password", &p->password, err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "token_ttl", 3600000, &p->token_ttl_ms, err)) ||
	    (rc = seam_sim_cfg_duration(cfg, sec, "refresh_ttl", 1209600000, &p->refresh_ttl_ms, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "products", 60, 0, 1000000, &p->n_products, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "models", 20, 0, 1000000, &p->n_models, err)) ||
	    (rc = seam_sim_cfg_int(cfg, sec, "rate_limit", 0, 0, 1000000, &p->rate_limit, err)) ||
	    (rc = seam_sim_cfg_str(cfg, sec, "epoch", "2026-01-01T00:00:00Z", &epoch, err)) ||
	    (rc = str_list(cfg, sec, "locales", json_pack("[s,s]", "en_US", "de_DE"), &p->locales, err)) ||
	    (rc = str_list(cfg, sec, "channels", json_pack("[s,s]", "ecommerce", "print"), &p->channels, err)) ||
	    (rc = str_list(cfg, sec, "currencies", json_pack("[s,s]", "USD", "EUR"), &p->currencies, err)))
		goto fail;
	int64_t ems;
	if (seam_rfc3339_parse(epoch, &ems) != 0) {
		rc = seam_sim_config_errorf(cfg, json_object_get(sec, "epoch"), err,
					    "epoch: expected an RFC 3339 time");
		goto fail;
	}
	p->epoch_s = ems / 1000;
	if ((rc = seam_sim_pim_events_create(cfg, json_object_get(sec, "events"), env, &p->events,
					     err)))
		goto fail;
	seed(p);
	*out = p;
	return SEAM_OK;
fail:
	seam_sim_pim_destroy(p);
	return rc;
}
