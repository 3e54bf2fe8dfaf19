/*
 * End-to-end proof of the catalog flow on the real binaries: the PIM double (60 variant
 * products of 20 models, two locales, two channels, two currencies) into an empty Drupal
 * double, through `seam serve` and `seam ctl sync catalog`.
 *
 * After every step the Drupal double's catalog is compared field by field with what the PIM
 * double says, computed here from the PIM's own API (not through seam's mappings): one
 * product per model with its title in the store's locale, its description for the store's
 * channel, published when a variant is; one variation per variant with SKU, title, status,
 * the price in the store's currency, and its color and size as product attribute values.
 *
 * The steps run in order on one pair of processes: a full rebuild; an incremental run after
 * edits; drift made on the Drupal side (left alone by an incremental run, repaired by a full
 * one); a dry run (plans, writes nothing); removal and unpublishing; bad records quarantined
 * while the rest goes on (no SKU, a price that is not a decimal, a missing axis value, a
 * duplicate SKU, colliding axis values, Drupal's 422); a variant moved to another model; the
 * PIM's 429, 503 and timeouts and an expired token mid-run; events only (no poll), delivered
 * duplicated and out of order; kill -9 during a full rebuild, resumed with nothing created
 * twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "tests/support/harness.h"
#include "tests/support/th_rest.h"
#include "tests/support/th_assert.h"

#define DRUPAL_PW "e2e-drupal-pass"
#define PIM_SECRET "e2e-pim-secret"
#define PIM_PW "e2e-pim-pass"
#define PIM_EVENTS "e2e-pim-events-secret"
#define STORE_UUID "0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11"

static char dir[64], sim_log[128];
static char drupal_url[64], pim_url[64];
static char drupal_auth[128];
static th_seam_t sm;
static pid_t sim_pid;

/* ---------- calls ---------- */

static const char *str(const char *s)
{
	return s ? s : "";
}

static json_t *call(const char *method, const char *base, const char *path, const char *body,
		    const char *auth, long *status)
{
	char u[1200];
	snprintf(u, sizeof u, "%s%s", base, path);
	const char *h[] = {auth ? auth : "X-None: 1", "Content-Type: application/json", NULL};
	return th_json(method, u, h, body, status);
}

static char pim_auth[1200];

static void pim_login(void)
{
	char b64[128], body[200];
	long st = 0;
	seam_base64_encode("seam:" PIM_SECRET, strlen("seam:" PIM_SECRET), b64);
	char basic[160];
	snprintf(basic, sizeof basic, "Authorization: Basic %s", b64);
	snprintf(body, sizeof body,
		 "{\"grant_type\":\"password\",\"username\":\"seam\",\"password\":\"" PIM_PW "\"}");
	json_t *t = call("POST", pim_url, "/api/oauth/v1/token", body, basic, &st);
	const char *tok = json_string_value(json_object_get(t, "access_token"));
	snprintf(pim_auth, sizeof pim_auth, "Authorization: Bearer %s", tok ? tok : "none");
	json_decref(t);
}

/* Every record of a PIM list (following _links.next). */
static json_t *pim_all(const char *path)
{
	json_t *all = json_array();
	char next[1200];
	snprintf(next, sizeof next, "%s", path);
	for (int guard = 0; next[0] && guard < 200; guard++) {
		long st = 0;
		json_t *doc = call("GET", next[0] == '/' ? pim_url : "", next, NULL, pim_auth, &st);
		if (st == 401) {
			json_decref(doc);
			pim_login();
			continue;
		}
		json_array_extend(all, json_object_get(json_object_get(doc, "_embedded"), "items"));
		const char *href = json_string_value(json_object_get(
			json_object_get(json_object_get(doc, "_links"), "next"), "href"));
		snprintf(next, sizeof next, "%s", href ? href : "");
		json_decref(doc);
	}
	return all;
}

/* The value of a PIM attribute: the first entry matching locale (or null) and scope (or
 * null). */
static json_t *pim_value(json_t *rec, const char *attr, const char *locale, const char *scope)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(json_object_get(rec, "values"), attr), i, v) {
		const char *l = json_string_value(json_object_get(v, "locale"));
		const char *s = json_string_value(json_object_get(v, "scope"));
		if ((!l || (locale && !strcmp(l, locale))) && (!s || (scope && !strcmp(s, scope))))
			return json_object_get(v, "data");
	}
	return NULL;
}

/* "19.90" and "19.9" alike: trailing zeros (and a bare point) removed. */
static void norm_dec(const char *in, char *out, size_t cap)
{
	snprintf(out, cap, "%s", in ? in : "");
	if (strchr(out, '.')) {
		size_t n = strlen(out);
		while (n && out[n - 1] == '0')
			out[--n] = '\0';
		if (n && out[n - 1] == '.')
			out[--n] = '\0';
	}
}

/*
 * What Drupal must hold, from the PIM's API: {pim_id: {"title", "status", "body",
 * "variations": {sku: {"title", "status", "price", "color", "size"}}}}. Models only (the
 * double's products all have a parent). Quarantined models are left out (skip).
 */
static json_t *expected(const json_t *skip)
{
	json_t *models = pim_all("/api/rest/v1/product-models?pagination_type=search_after&limit=100");
	json_t *products = pim_all("/api/rest/v1/products-uuid?pagination_type=search_after&limit=100");
	json_t *want = json_object();
	size_t i;
	json_t *m, *p;
	json_array_foreach(models, i, m) {
		const char *code = json_string_value(json_object_get(m, "code"));
		if (skip && json_object_get(skip, code))
			continue;
		json_t *title = pim_value(m, "name", "en_US", NULL);
		json_t *desc = pim_value(m, "description", "en_US", "ecommerce");
		json_t *de_title = pim_value(m, "name", "de_DE", NULL);
		json_t *de_desc = pim_value(m, "description", "de_DE", "ecommerce");
		/* no German name: no German translation (Drupal falls back to English) */
		json_object_set_new(want, code,
				    json_pack("{s:O?, s:b, s:O?, s:{}, s:{s:O?, s:O?, s:{}}}", "title", title,
					      "status", 0, "body", desc, "variations", "de", "title",
					      de_title, "body", de_title ? de_desc : NULL, "variations"));
	}
	json_array_foreach(products, i, p) {
		const char *parent = json_string_value(json_object_get(p, "parent"));
		json_t *w = parent ? json_object_get(want, parent) : NULL;
		if (!w)
			continue;
		const char *sku = json_string_value(pim_value(p, "sku", NULL, NULL));
		const char *color = json_string_value(pim_value(p, "color", NULL, NULL));
		const char *size = json_string_value(pim_value(p, "size", NULL, NULL));
		json_t *own = pim_value(p, "name", "en_US", NULL);
		/* as pim_to_canonical: the variant's own name when it differs from its model's,
		 * else the model's with the axis values */
		json_t *de_own = pim_value(p, "name", "de_DE", NULL);
		json_t *de = json_object_get(w, "de");
		const char *de_model = json_string_value(json_object_get(de, "title"));
		if (de_model) {
			char dt[300];
			if (de_own && strcmp(json_string_value(de_own), de_model))
				snprintf(dt, sizeof dt, "%s", json_string_value(de_own));
			else
				snprintf(dt, sizeof dt, "%s %s %s", de_model, color ? color : "",
					 size ? size : "");
			json_object_set_new(json_object_get(de, "variations"), sku ? sku : "?",
					    json_string(dt));
		}
		char t[300], price[40] = "";
		snprintf(t, sizeof t, "%s %s %s", json_string_value(json_object_get(w, "title")),
			 color ? color : "", size ? size : "");
		size_t k;
		json_t *pr;
		json_array_foreach(pim_value(p, "price", NULL, NULL), k, pr)
			if (!strcmp(str(json_string_value(json_object_get(pr, "currency"))), "USD"))
				norm_dec(json_string_value(json_object_get(pr, "amount")), price, sizeof price);
		int enabled = json_is_true(json_object_get(p, "enabled"));
		if (enabled)
			json_object_set_new(w, "status", json_true());
		json_object_set_new(json_object_get(w, "variations"), sku ? sku : "?",
				    json_pack("{s:s, s:b, s:s, s:s?, s:s?}", "title",
					      own ? json_string_value(own) : t, "status", enabled,
					      "price", price, "color", color, "size", size));
	}
	json_decref(models);
	json_decref(products);
	return want;
}

/* What the Drupal double holds, in the same shape, for products that carry a seam_pim_id. */
static json_t *drupal_has(void)
{
	long st = 0;
	json_t *doc = call("GET", drupal_url, "/_sim/drupal/catalog", NULL, NULL, &st);
	json_t *have = json_object();
	size_t i, k;
	json_t *p, *v;
	json_array_foreach(json_object_get(doc, "products"), i, p) {
		const char *id = json_string_value(json_object_get(p, "seam_pim_id"));
		if (!id)
			continue;
		json_t *vars = json_object(), *tr = json_object_get(p, "translations");
		json_t *de = json_object_get(tr, "de"), *de_vars = json_object();
		json_array_foreach(json_object_get(p, "variations"), k, v) {
			json_t *vde = json_object_get(json_object_get(json_object_get(v, "translations"), "de"),
						      "title");
			if (vde)
				json_object_set(de_vars, json_string_value(json_object_get(v, "sku")), vde);
			char price[40];
			norm_dec(json_string_value(json_object_get(json_object_get(v, "price"), "number")),
				 price, sizeof price);
			json_t *attrs = json_object_get(v, "attributes");
			json_object_set_new(vars, json_string_value(json_object_get(v, "sku")),
					    json_pack("{s:O, s:O, s:s, s:O?, s:O?}", "title",
						      json_object_get(v, "title"), "status",
						      json_object_get(v, "status"), "price", price,
						      "color", json_object_get(attrs, "color"), "size",
						      json_object_get(attrs, "size")));
		}
		json_t *body = json_object_get(p, "body");
		if (json_is_object(body))
			body = json_object_get(body, "value");
		json_t *de_body = json_object_get(json_object_get(de, "body"), "value");
		json_object_set_new(have, id,
				    json_pack("{s:O, s:O, s:O?, s:o, s:{s:O?, s:O?, s:o}}", "title",
					      json_object_get(p, "title"), "status",
					      json_object_get(p, "status"), "body", body, "variations", vars,
					      "de", "title", json_object_get(de, "title"), "body", de_body,
					      "variations", de_vars));
	}
	json_decref(doc);
	return have;
}

/* Variations the product lists that the PIM no longer has under it are kept, unpublished:
 * the comparison ignores unpublished extras. Returns the number of differences (first ten
 * printed). */
static int compare(json_t *want, json_t *have, const json_t *skip)
{
	int diffs = 0;
	const char *id, *sku;
	json_t *w, *wv;
	json_object_foreach(want, id, w) {
		json_t *h = json_object_get(have, id);
		char msg[600];
		if (!h) {
			if (diffs++ < 10)
				fprintf(stderr, "  %s: not in Drupal\n", id);
			continue;
		}
		/* the German translation: of the variations the PIM lists (kept extras may keep
		 * theirs) */
		json_t *hde = json_object_get(h, "de"), *hdv = json_object_get(hde, "variations");
		json_t *keep = json_object();
		json_object_foreach(json_object_get(w, "variations"), sku, wv)
			if (json_object_get(hdv, sku))
				json_object_set(keep, sku, json_object_get(hdv, sku));
		json_object_set_new(hde, "variations", keep);
		const char *keys[] = {"title", "status", "body", "de"};
		for (size_t i = 0; i < 4; i++)
			if (!json_equal(json_object_get(w, keys[i]) ? json_object_get(w, keys[i]) : json_null(),
					json_object_get(h, keys[i]) ? json_object_get(h, keys[i]) : json_null()) &&
			    diffs++ < 10) {
				char *a = json_dumps(json_object_get(w, keys[i]), JSON_ENCODE_ANY);
				char *b = json_dumps(json_object_get(h, keys[i]), JSON_ENCODE_ANY);
				fprintf(stderr, "  %s.%s: want %s, Drupal has %s\n", id, keys[i], a, b);
				free(a);
				free(b);
			}
		json_object_foreach(json_object_get(w, "variations"), sku, wv) {
			json_t *hv = json_object_get(json_object_get(h, "variations"), sku);
			char *a = json_dumps(wv, JSON_SORT_KEYS), *b = hv ? json_dumps(hv, JSON_SORT_KEYS) : NULL;
			if (!b || strcmp(a, b)) {
				snprintf(msg, sizeof msg, "  %s/%s: want %s, Drupal has %s\n", id, sku, a,
					 b ? b : "nothing");
				if (diffs++ < 10)
					fputs(msg, stderr);
			}
			free(a);
			free(b);
		}
		json_t *hv;
		json_object_foreach(json_object_get(h, "variations"), sku, hv)
			if (!json_object_get(json_object_get(w, "variations"), sku) &&
			    json_is_true(json_object_get(hv, "status")) && diffs++ < 10)
				fprintf(stderr, "  %s/%s: published in Drupal, not in the PIM\n", id, sku);
	}
	json_object_foreach(have, id, w)
		if (!json_object_get(want, id) && !(skip && json_object_get(skip, id)) &&
		    json_is_true(json_object_get(w, "status")) && diffs++ < 10)
			fprintf(stderr, "  %s: published in Drupal, not in the PIM\n", id);
	return diffs;
}

static int equal_now(const json_t *skip)
{
	json_t *w = expected(skip), *h = drupal_has();
	int d = compare(w, h, skip);
	json_decref(w);
	json_decref(h);
	return d;
}

/* seam ctl sync catalog --store us [more...] --json: the exit code; *summary the final run
 * row (the last line of the output that is a run). */
static int sync_run(const char *const *more, json_t **summary)
{
	const char *args[12] = {"sync", "catalog", "--store", "us"};
	int n = 4;
	for (; more && *more && n < 10; more++)
		args[n++] = *more;
	args[n++] = "--json";
	args[n] = NULL;
	char *out = NULL;
	int code = th_seam_ctl(&sm, args, &out);
	json_t *last = NULL;
	for (char *line = out ? strtok(out, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		json_t *j = json_loads(line, 0, NULL);
		if (j && json_object_get(j, "state") && json_object_get(j, "id")) {
			json_decref(last);
			last = j;
		} else {
			json_decref(j);
		}
	}
	if (code != 0 && code != 1)
		fprintf(stderr, "seam ctl sync: exit %d\n", code);
	free(out);
	if (summary)
		*summary = last;
	else
		json_decref(last);
	return code;
}

static json_int_t count(json_t *run, const char *k)
{
	return json_integer_value(json_object_get(run, k));
}

/* POST to the PIM double's control API. */
static void pim_control(const char *path, const char *body)
{
	long st = 0;
	json_decref(call("POST", pim_url, path, body, NULL, &st));
	assert_int_equal(st, 200);
}

/* The PIM product with this SKU. */
static json_t *pim_product(const char *sku)
{
	json_t *all = pim_all("/api/rest/v1/products-uuid?pagination_type=search_after&limit=100");
	size_t i;
	json_t *p, *found = NULL;
	json_array_foreach(all, i, p) {
		const char *s = json_string_value(pim_value(p, "sku", NULL, NULL));
		if (s && !strcmp(s, sku))
			found = json_incref(p);
	}
	json_decref(all);
	return found;
}

/* Upserts {uuid, values: {attr: [{locale, scope, data}]}, ...} into the PIM double. */
static void pim_set(const char *sku, const char *fmt_extra)
{
	json_t *p = pim_product(sku);
	assert_non_null(p);
	char body[2000];
	snprintf(body, sizeof body, "{\"upsert\":[{\"uuid\":\"%s\"%s%s}]}",
		 json_string_value(json_object_get(p, "uuid")), fmt_extra[0] ? "," : "", fmt_extra);
	json_decref(p);
	pim_control("/_sim/pim/products", body);
}

/* ---------- fixture ---------- */

static int setup(void **state)
{
	char text[3000], b64[128], simcfg[128];
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&sm, dir, "seam");
	snprintf(sim_log, sizeof sim_log, "%s/sim.log", dir);
	setenv("T_DRUPAL_PW", DRUPAL_PW, 1);
	setenv("T_PIM", PIM_SECRET, 1);
	setenv("T_PIM_PW", PIM_PW, 1);
	setenv("T_PIM_EVENTS", PIM_EVENTS, 1);
	seam_base64_encode("seam:" DRUPAL_PW, strlen("seam:" DRUPAL_PW), b64);
	snprintf(drupal_auth, sizeof drupal_auth, "Authorization: Basic %s", b64);
	snprintf(simcfg, sizeof simcfg, "%s/sim.yaml", dir);
	snprintf(text, sizeof text,
		 "seed: 13\nlog: warn\n"
		 "drupal:\n  listen: 127.0.0.1:0\n  threads: 8\n  user: seam\n  password: {env: T_DRUPAL_PW}\n"
		 "  stores: [{name: US, seam_store: us, currency: USD, country: US, uuid: " STORE_UUID "}]\n"
		 "  products: 0\n  variations: 1\n  customers: 0\n  orders: 0\n"
		 "pim:\n  listen: 127.0.0.1:0\n  threads: 8\n  secret: {env: T_PIM}\n  password: {env: T_PIM_PW}\n"
		 "  products: 60\n  models: 20\n"
		 "  events: {url: %s/webhooks/pim/main, secret: {env: T_PIM_EVENTS}, batch: 4, attempts: 20,"
		 " backoff: [100ms, 300ms, 1s]}\n",
		 sm.base);
	th_write_file(simcfg, text);
	char urls[2][64];
	sim_pid = th_sim_start(simcfg, sim_log, (const char *[]){"drupal", "pim", NULL}, urls);
	if (sim_pid < 0)
		return -1;
	snprintf(drupal_url, sizeof drupal_url, "%s", urls[0]);
	snprintf(pim_url, sizeof pim_url, "%s", urls[1]);
	pim_login();
	th_seam_write_config(&sm,
		 "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: info, access_log: false}\n"
		 "queue: {workers: 4, lease: 5s, backoff_base: 100ms, backoff_cap: 1s, max_attempts: 30}\n"
		 "upstreams:\n"
		 "  drupal:\n    base_url: %s\n    timeout: 5s\n    max_concurrency: 8\n"
		 "    auth: {type: basic, username: seam, password: {env: T_DRUPAL_PW}}\n"
		 "  pim:\n    base_url: %s\n    timeout: 1s\n    max_concurrency: 4\n"
		 "    auth: {type: oauth2_password, client_id: seam, client_secret: {env: T_PIM},"
		 " username: seam, password: {env: T_PIM_PW}, token_url: %s/api/oauth/v1/token}\n"
		 "    breaker: {window_calls: 50, min_calls: 20, failure_pct: 95, open_for: 300ms}\n"
		 "stores:\n  us:\n    drupal: {upstream: drupal, store: " STORE_UUID ", poll_interval: 0}\n"
		 "sources:\n  main: {secrets: [{env: T_PIM_EVENTS}], store: us, kind: pim}\n"
		 "catalog:\n  stores:\n    us:\n"
		 "      pim: {upstream: pim, channel: ecommerce, locale: en_US}\n"
		 "      drupal: {currency: USD, attributes: {color: color, size: size}, translations: {de_DE: de, it_IT: it}}\n"
		 "      owners: {price: pim}\n      poll_interval: 0\n",
		 sm.port, sm.db_url, drupal_url, pim_url, pim_url);
	return th_seam_start(&sm, 10000);
}

static int teardown(void **state)
{
	(void)state;
	th_e2e_teardown(&sm, sim_pid, 15000, dir);
	th_rest_done();
	return 0;
}

/* ---------- the steps ---------- */

/* The events the PIM double sends while steps edit it are turned off until the events step. */
static void events_off(void)
{
	long st = 0;
	json_decref(call("POST", pim_url, "/_sim/faults",
			 "{\"kind\":\"lose\",\"path\":\"/webhooks/pim\"}", NULL, &st));
	assert_true(st == 200 || st == 201);
}

static void events_on(void)
{
	long st = 0;
	json_decref(call("DELETE", pim_url, "/_sim/faults", NULL, NULL, &st));
}

static void test_full_rebuild(void **state)
{
	json_t *run = NULL;
	(void)state;
	events_off();
	assert_int_equal(sync_run((const char *[]){"--full", NULL}, &run), 0);
	assert_non_null(run);
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	assert_int_equal(count(run, "created"), 20);
	assert_int_equal(count(run, "failed"), 0);
	assert_int_equal(count(run, "quarantined"), 0);
	json_decref(run);
	assert_int_equal(equal_now(NULL), 0);
	/* again: nothing to create, nothing to change */
	assert_int_equal(sync_run((const char *[]){"--full", NULL}, &run), 0);
	assert_int_equal(count(run, "created"), 0);
	assert_int_equal(count(run, "updated"), 0);
	assert_int_equal(count(run, "unchanged"), 20);
	json_decref(run);
}

static void test_incremental(void **state)
{
	json_t *run = NULL;
	(void)state;
	/* first incremental run: no mark yet, walks everything, changes nothing */
	assert_int_equal(sync_run(NULL, &run), 0);
	assert_int_equal(count(run, "created") + count(run, "updated"), 0);
	json_decref(run);
	pim_set("SKU-000002",
		"\"values\":{\"price\":[{\"locale\":null,\"scope\":null,\"data\":[{\"amount\":\"77.70\","
		"\"currency\":\"USD\"},{\"amount\":\"70.00\",\"currency\":\"EUR\"}]}]}");
	pim_set("SKU-000004", "\"enabled\":false");
	pim_set("SKU-000005", "\"values\":{\"color\":[{\"locale\":null,\"scope\":null,\"data\":\"green\"}],"
			      "\"size\":[{\"locale\":null,\"scope\":null,\"data\":\"xl\"}]}");
	pim_control("/_sim/pim/models",
		    "{\"upsert\":[{\"code\":\"model_0007\",\"values\":{\"name\":[{\"locale\":\"en_US\","
		    "\"scope\":null,\"data\":\"Renamed seven\"},{\"locale\":\"de_DE\",\"scope\":null,"
		    "\"data\":\"Sieben\"}]}}]}");
	assert_int_equal(sync_run(NULL, &run), 0);
	assert_true(count(run, "updated") >= 3);
	assert_int_equal(count(run, "created"), 0);
	assert_true(count(run, "seen") < 60); /* incremental: not the whole catalogue */
	json_decref(run);
	assert_int_equal(equal_now(NULL), 0);
}

static void test_drift_repaired_by_full(void **state)
{
	json_t *run = NULL;
	long st = 0;
	(void)state;
	json_t *doc = call("GET", drupal_url,
			   "/jsonapi/commerce_product/default?filter%5Bseam_pim_id%5D=model_0003&include=variations",
			   NULL, drupal_auth, &st);
	json_t *p = json_array_get(json_object_get(doc, "data"), 0);
	json_t *v = json_array_get(json_object_get(doc, "included"), 0);
	assert_non_null(p);
	assert_non_null(v);
	char path[200], body[600];
	snprintf(path, sizeof path, "/jsonapi/commerce_product/default/%s",
		 json_string_value(json_object_get(p, "id")));
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product--default\",\"id\":\"%s\",\"attributes\":{\"title\":\"Edited by hand\"}}}",
		 json_string_value(json_object_get(p, "id")));
	const char *h[] = {drupal_auth, "Content-Type: application/vnd.api+json", NULL};
	char u[300];
	snprintf(u, sizeof u, "%s%s", drupal_url, path);
	json_decref(th_json("PATCH", u, h, body, &st));
	assert_int_equal(st, 200);
	snprintf(u, sizeof u, "%s/jsonapi/commerce_product_variation/default/%s", drupal_url,
		 json_string_value(json_object_get(v, "id")));
	snprintf(body, sizeof body,
		 "{\"data\":{\"type\":\"commerce_product_variation--default\",\"id\":\"%s\",\"attributes\":{\"status\":false}}}",
		 json_string_value(json_object_get(v, "id")));
	json_decref(th_json("PATCH", u, h, body, &st));
	assert_int_equal(st, 200);
	json_decref(doc);
	assert_true(equal_now(NULL) >= 2);
	/* an incremental run trusts its record: the PIM did not change, nothing is written */
	assert_int_equal(sync_run(NULL, &run), 0);
	json_decref(run);
	assert_true(equal_now(NULL) >= 2);
	/* a full run compares with what Drupal holds */
	assert_int_equal(sync_run((const char *[]){"--full", NULL}, &run), 0);
	assert_int_equal(count(run, "updated"), 1);
	json_decref(run);
	assert_int_equal(equal_now(NULL), 0);
}

static void test_dry_run(void **state)
{
	json_t *run = NULL;
	(void)state;
	pim_set("SKU-000010", "\"values\":{\"price\":[{\"locale\":null,\"scope\":null,\"data\":[{\"amount\":\"12.34\","
			      "\"currency\":\"USD\"}]}]}");
	char *out = NULL;
	const char *args[] = {"sync", "catalog", "--store", "us", "--full", "--dry-run", NULL};
	assert_int_equal(th_seam_ctl(&sm, args, &out), 0);
	assert_non_null(strstr(out, "SKU-000010"));
	assert_non_null(strstr(out, "12.34"));
	free(out);
	assert_true(equal_now(NULL) >= 1); /* nothing written */
	assert_int_equal(sync_run(NULL, &run), 0);
	json_decref(run);
	assert_int_equal(equal_now(NULL), 0);
}

static void test_removed_unpublished(void **state)
{
	json_t *run = NULL;
	(void)state;
	pim_control("/_sim/pim/models", "{\"remove\":[\"model_0020\"]}");
	/* its variants go too (a model's variants cannot outlive it in Akeneo) */
	json_t *all = pim_all("/api/rest/v1/products-uuid?pagination_type=search_after&limit=100");
	size_t i;
	json_t *p;
	json_t *rm = json_array();
	json_array_foreach(all, i, p)
		if (!strcmp(str(json_string_value(json_object_get(p, "parent"))), "model_0020"))
			json_array_append(rm, json_object_get(p, "uuid"));
	json_decref(all);
	json_t *body = json_pack("{s:o}", "remove", rm);
	char *text = json_dumps(body, 0);
	pim_control("/_sim/pim/products", text);
	free(text);
	json_decref(body);
	assert_int_equal(sync_run((const char *[]){"--full", NULL}, &run), 0);
	assert_int_equal(count(run, "unpublished"), 1);
	json_decref(run);
	assert_int_equal(equal_now(NULL), 0);
	json_t *have = drupal_has();
	assert_true(json_is_false(json_object_get(json_object_get(have, "model_0020"), "status")));
	json_decref(have);
}

/* Bad records are quarantined with their reasons; everything else is applied. */
static void test_bad_records_quarantined(void **state)
{
	json_t *run = NULL;
	long st = 0;
	(void)state;
	/* model_0011: a variant without SKU; model_0012: a price that is not a decimal;
	 * model_0013: a missing axis value; model_0014: two variants with the same axes;
	 * model_0015: Drupal refuses it (422); model_0016: a SKU another model has. */
	json_t *skip = json_object();
	char sku[32];
	const char *bad[][2] = {
		{"model_0011", "\"values\":{\"sku\":[]}"},
		{"model_0012", "\"values\":{\"price\":[{\"locale\":null,\"scope\":null,\"data\":[{\"amount\":\"19,99\",\"currency\":\"USD\"}]}]}"},
		{"model_0013", "\"values\":{\"size\":[]}"},
	};
	json_t *all = pim_all("/api/rest/v1/products-uuid?pagination_type=search_after&limit=100");
	json_t *by_model = json_object(), *p;
	size_t i;
	json_array_foreach(all, i, p) {
		const char *parent = json_string_value(json_object_get(p, "parent"));
		if (!parent)
			continue;
		if (!json_object_get(by_model, parent))
			json_object_set_new(by_model, parent, json_array());
		json_array_append(json_object_get(by_model, parent), p);
	}
	for (size_t k = 0; k < 3; k++) {
		json_t *v = json_array_get(json_object_get(by_model, bad[k][0]), 0);
		snprintf(sku, sizeof sku, "%s", json_string_value(pim_value(v, "sku", NULL, NULL)));
		pim_set(sku, bad[k][1]);
		json_object_set_new(skip, bad[k][0], json_true());
	}
	/* two variants of model_0014 with the same color and size */
	json_t *m14 = json_object_get(by_model, "model_0014");
	assert_true(json_array_size(m14) >= 2);
	for (size_t k = 0; k < 2; k++) {
		snprintf(sku, sizeof sku, "%s",
			 json_string_value(pim_value(json_array_get(m14, k), "sku", NULL, NULL)));
		pim_set(sku, "\"values\":{\"color\":[{\"locale\":null,\"scope\":null,\"data\":\"red\"}],"
			     "\"size\":[{\"locale\":null,\"scope\":null,\"data\":\"m\"}]}");
	}
	json_object_set_new(skip, "model_0014", json_true());
	/* Drupal refuses model_0015 */
	json_decref(call("POST", drupal_url, "/_sim/drupal/faults", "{\"reject\":[\"model_0015\"]}",
			 NULL, &st));
	assert_int_equal(st, 200);
	pim_control("/_sim/pim/models", "{\"upsert\":[{\"code\":\"model_0015\",\"values\":{\"name\":[{\"locale\":"
					"\"en_US\",\"scope\":null,\"data\":\"Refused\"}]}}]}");
	json_object_set_new(skip, "model_0015", json_true());
	/* model_0016's first variant takes the SKU of model_0017's first variant */
	json_t *v17 = json_array_get(json_object_get(by_model, "model_0017"), 0);
	json_t *v16 = json_array_get(json_object_get(by_model, "model_0016"), 0);
	char sku17[32], extra[300];
	snprintf(sku17, sizeof sku17, "%s", json_string_value(pim_value(v17, "sku", NULL, NULL)));
	snprintf(sku, sizeof sku, "%s", json_string_value(pim_value(v16, "sku", NULL, NULL)));
	snprintf(extra, sizeof extra, "\"values\":{\"sku\":[{\"locale\":null,\"scope\":null,\"data\":\"%s\"}]}", sku17);
	pim_set(sku, extra);
	json_object_set_new(skip, "model_0016", json_true());
	json_decref(all);
	json_decref(by_model);

	assert_int_equal(sync_run(NULL, &run), 0);
	assert_int_equal(count(run, "quarantined"), 6);
	assert_int_equal(count(run, "failed"), 0);
	json_decref(run);
	/* everything else is equal; the quarantined ones keep what Drupal had */
	assert_int_equal(equal_now(skip), 0);
	char *out = NULL;
	const char *args[] = {"quarantine", "list", "--provider", "pim", NULL};
	assert_int_equal(th_seam_ctl(&sm, args, &out), 0);
	assert_non_null(strstr(out, "model_0011"));
	assert_non_null(strstr(out, "contract_violation"));
	assert_non_null(strstr(out, "axis_collision"));
	assert_non_null(strstr(out, "drupal_refused"));
	assert_non_null(strstr(out, "duplicate_sku"));
	free(out);
	json_decref(call("POST", drupal_url, "/_sim/drupal/faults", "{\"reject\":[]}", NULL, &st));
	json_decref(skip);
}

/* A variant moved to another model: it leaves its old product's list and joins the new one. */
static void test_moved_variant(void **state)
{
	json_t *run = NULL;
	(void)state;
	json_t *all = pim_all("/api/rest/v1/products-uuid?pagination_type=search_after&limit=100");
	size_t i;
	json_t *p, *mv = NULL;
	json_array_foreach(all, i, p)
		if (!strcmp(str(json_string_value(json_object_get(p, "parent"))), "model_0002"))
			mv = p;
	assert_non_null(mv);
	char sku[32];
	snprintf(sku, sizeof sku, "%s", json_string_value(pim_value(mv, "sku", NULL, NULL)));
	json_decref(all);
	pim_set(sku, "\"parent\":\"model_0009\"");
	assert_int_equal(sync_run(NULL, &run), 0);
	json_decref(run);
	json_t *skip = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "model_0011", 1, "model_0012", 1,
				 "model_0013", 1, "model_0014", 1, "model_0015", 1, "model_0016", 1);
	assert_int_equal(equal_now(skip), 0);
	json_t *have = drupal_has();
	assert_non_null(json_object_get(json_object_get(json_object_get(have, "model_0009"), "variations"), sku));
	assert_null(json_object_get(json_object_get(json_object_get(have, "model_0002"), "variations"), sku));
	json_decref(have);
	json_decref(skip);
}

/* The PIM answers 429, 503 and late, and the token expires, in the middle of a full run. */
static void test_pim_faults_mid_run(void **state)
{
	json_t *run = NULL;
	long st = 0;
	(void)state;
	json_decref(call("POST", pim_url, "/_sim/faults",
			 "{\"kind\":\"rate_limit\",\"rate\":0.2,\"retry_after\":1,\"path\":\"/api/rest/v1/products-uuid\",\"times\":15}",
			 NULL, &st));
	json_decref(call("POST", pim_url, "/_sim/faults",
			 "{\"kind\":\"error\",\"status\":503,\"rate\":0.15,\"path\":\"/api/rest/v1/product-models\",\"times\":15}",
			 NULL, &st));
	json_decref(call("POST", pim_url, "/_sim/faults",
			 "{\"kind\":\"timeout\",\"ms\":1500,\"rate\":0.05,\"path\":\"/api/rest/v1/\",\"times\":5}",
			 NULL, &st));
	pim_control("/_sim/pim/expire", "{\"refresh\":true}");
	pim_set("SKU-000030", "\"values\":{\"price\":[{\"locale\":null,\"scope\":null,\"data\":[{\"amount\":\"30.30\","
			      "\"currency\":\"USD\"}]}]}");
	assert_int_equal(sync_run((const char *[]){"--full", NULL}, &run), 0);
	assert_int_equal(count(run, "failed"), 0);
	json_decref(run);
	json_decref(call("DELETE", pim_url, "/_sim/faults", NULL, NULL, &st));
	events_off(); /* DELETE cleared every rule, the events' one too */
	pim_login();
	json_t *skip = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "model_0011", 1, "model_0012", 1,
				 "model_0013", 1, "model_0014", 1, "model_0015", 1, "model_0016", 1);
	assert_int_equal(equal_now(skip), 0);
	json_decref(skip);
}

/* Events only (no run): the PIM's events, duplicated and out of order, converge too. */
static void test_events_only(void **state)
{
	long st = 0;
	(void)state;
	events_on();
	json_decref(call("POST", pim_url, "/_sim/faults",
			 "{\"kind\":\"duplicate\",\"copies\":2,\"path\":\"/webhooks/pim\"}", NULL, &st));
	json_decref(call("POST", pim_url, "/_sim/faults",
			 "{\"kind\":\"reorder\",\"batch\":3,\"path\":\"/webhooks/pim\",\"times\":2}", NULL, &st));
	pim_set("SKU-000040", "\"values\":{\"price\":[{\"locale\":null,\"scope\":null,\"data\":[{\"amount\":\"40.40\","
			      "\"currency\":\"USD\"}]}]}");
	pim_set("SKU-000041", "\"enabled\":false");
	pim_set("SKU-000042", "\"values\":{\"color\":[{\"locale\":null,\"scope\":null,\"data\":\"white\"}]}");
	pim_control("/_sim/pim/models",
		    "{\"upsert\":[{\"code\":\"model_0005\",\"values\":{\"name\":[{\"locale\":\"en_US\","
		    "\"scope\":null,\"data\":\"Five by event\"}]}}]}");
	json_t *skip = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "model_0011", 1, "model_0012", 1,
				 "model_0013", 1, "model_0014", 1, "model_0015", 1, "model_0016", 1);
	int d = -1;
	for (int i = 0; i < 150 && d != 0; i++) {
		usleep(100 * 1000);
		json_t *w = expected(skip), *h = drupal_has();
		d = compare(w, h, skip);
		json_decref(w);
		json_decref(h);
	}
	assert_int_equal(d, 0);
	json_decref(skip);
	/* no run was made: only the event path */
	char *out = NULL;
	const char *args[] = {"sync", "list", "--store", "us", "--json", NULL};
	th_seam_ctl(&sm, args, &out);
	free(out);
	json_decref(call("DELETE", pim_url, "/_sim/faults", NULL, NULL, &st));
	events_off();
}

/* The run row of the store's newest run (seam ctl sync status --json). */
static json_t *run_status(void)
{
	char *out = NULL;
	const char *args[] = {"sync", "status", "--store", "us", "--json", NULL};
	th_seam_ctl(&sm, args, &out);
	json_t *run = out ? json_loads(out, 0, NULL) : NULL;
	free(out);
	return run;
}

/* kill -9 during a full rebuild that creates products: resumed, nothing made twice. */
static void test_kill9_full_rebuild(void **state)
{
	long st = 0;
	char *out = NULL;
	(void)state;
	/* five new models of three variants each: what the resumed run must create once */
	json_t *models = json_array(), *products = json_array();
	static const char *const colors[] = {"black", "white", "red"};
	for (int m = 1; m <= 5; m++) {
		char code[32], name[32];
		snprintf(code, sizeof code, "model_9%03d", m);
		snprintf(name, sizeof name, "New %d", m);
		json_array_append_new(models, json_pack("{s:s, s:{s:[{s:s, s:n, s:s}]}}", "code", code,
							"values", "name", "locale", "en_US", "scope",
							"data", name));
		for (int v = 0; v < 3; v++) {
			char uuid[40], sku[32];
			snprintf(uuid, sizeof uuid, "9e0f0000-0000-4000-8000-%012d", m * 10 + v);
			snprintf(sku, sizeof sku, "SKU-9%02d%03d", m, v);
			json_array_append_new(
				products,
				json_pack("{s:s, s:s, s:{s:[{s:n, s:n, s:s}], s:[{s:n, s:n, s:s}], "
					  "s:[{s:n, s:n, s:s}], s:[{s:n, s:n, s:[{s:s, s:s}]}]}}",
					  "uuid", uuid, "parent", code, "values", "sku", "locale", "scope",
					  "data", sku, "color", "locale", "scope", "data", colors[v], "size",
					  "locale", "scope", "data", "m", "price", "locale", "scope", "data",
					  "amount", "10.00", "currency", "USD"));
		}
	}
	char *text = json_dumps(json_pack("{s:o}", "upsert", models), 0);
	pim_control("/_sim/pim/models", text);
	free(text);
	json_t *pb = json_pack("{s:o}", "upsert", products);
	text = json_dumps(pb, 0);
	pim_control("/_sim/pim/products", text);
	free(text);
	json_decref(pb);
	/* a slow Drupal, so the kill lands mid-run */
	json_decref(call("POST", drupal_url, "/_sim/faults",
			 "{\"kind\":\"latency\",\"ms\":250,\"path\":\"/jsonapi/\"}", NULL, &st));
	const char *args[] = {"sync", "catalog", "--store", "us", "--full", "--no-wait", NULL};
	assert_int_equal(th_seam_ctl(&sm, args, &out), 0);
	free(out);
	json_t *run = NULL;
	for (int i = 0; i < 400; i++) {
		json_decref(run);
		run = run_status();
		if (count(run, "finished") >= 2)
			break;
		usleep(50 * 1000);
	}
	th_seam_stop(&sm, SIGKILL, 5000);
	/* it was killed mid-run: some subjects done, not all */
	assert_string_equal(json_string_value(json_object_get(run, "state")), "running");
	assert_true(count(run, "finished") < 25);
	json_decref(run);
	json_decref(call("DELETE", drupal_url, "/_sim/faults", NULL, NULL, &st));
	assert_int_equal(th_seam_start(&sm, 10000), 0);
	run = NULL;
	for (int i = 0; i < 600; i++) {
		json_decref(run);
		run = run_status();
		const char *s = json_string_value(json_object_get(run, "state"));
		if (s && strcmp(s, "running") && strcmp(s, "queued"))
			break;
		usleep(100 * 1000);
	}
	assert_string_equal(json_string_value(json_object_get(run, "state")), "done");
	json_decref(run);
	/* nothing twice: one product per seam_pim_id, each SKU on one product */
	json_t *doc = call("GET", drupal_url, "/_sim/drupal/catalog", NULL, NULL, &st);
	json_t *ids = json_object(), *skus = json_object(), *p, *v;
	size_t i, k;
	int twice = 0;
	json_array_foreach(json_object_get(doc, "products"), i, p) {
		const char *id = json_string_value(json_object_get(p, "seam_pim_id"));
		if (!id)
			continue;
		twice += json_object_get(ids, id) != NULL;
		json_object_set_new(ids, id, json_true());
		json_array_foreach(json_object_get(p, "variations"), k, v) {
			const char *sku = json_string_value(json_object_get(v, "sku"));
			if (!strncmp(sku, "SKU-9", 5)) {
				twice += json_object_get(skus, sku) != NULL;
				json_object_set_new(skus, sku, json_true());
			}
		}
	}
	assert_int_equal(twice, 0);
	assert_int_equal(json_object_size(ids), 25);
	assert_int_equal(json_object_size(skus), 15);
	json_decref(ids);
	json_decref(skus);
	json_decref(doc);
	json_t *skip = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "model_0011", 1, "model_0012", 1,
				 "model_0013", 1, "model_0014", 1, "model_0015", 1, "model_0016", 1);
	assert_int_equal(equal_now(skip), 0);
	json_decref(skip);
}

/* The product's story: `seam ctl trace SKU` shows the syncs that touched it. */
static void test_trace_and_metrics(void **state)
{
	char *out = NULL, u[200];
	(void)state;
	const char *args[] = {"trace", "SKU-000002", NULL};
	assert_int_equal(th_seam_ctl(&sm, args, &out), 0);
	assert_non_null(strstr(out, "catalog.synced"));
	free(out);
	/* the same story over REST, and the runs; each answer holds its contract */
	char auth[160], other[160];
	long st = 0;
	assert_int_equal(th_make_key(&sm, "catalog", "catalog:read", auth, sizeof auth), 0);
	assert_int_equal(th_make_key(&sm, "orders", "orders:read", other, sizeof other), 0);
	json_t *tl = call("GET", sm.base, "/v1/products/SKU-000002/timeline", NULL, auth, &st);
	assert_int_equal(st, 200);
	th_assert_contract("/v1/products/{id}/timeline", tl);
	assert_string_equal(json_string_value(json_object_get(json_object_get(tl, "product"), "pim_id")),
			    "model_0001");
	assert_true(json_array_size(json_object_get(tl, "timeline")) >= 2);
	json_decref(tl);
	json_decref(call("GET", sm.base, "/v1/products/SKU-000002/timeline", NULL, other, &st));
	assert_int_equal(st, 403);
	json_decref(call("GET", sm.base, "/v1/products/NO-SUCH-SKU/timeline", NULL, auth, &st));
	assert_int_equal(st, 404);
	json_t *runs = call("GET", sm.base, "/v1/catalog/runs?store=us&limit=5", NULL, auth, &st);
	assert_int_equal(st, 200);
	th_assert_contract("/v1/catalog/runs", runs);
	assert_int_equal(json_array_size(json_object_get(runs, "items")), 5);
	char path[120];
	snprintf(path, sizeof path, "/v1/catalog/runs/%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(runs, "items"), 0), "id")));
	json_decref(runs);
	json_t *one = call("GET", sm.base, path, NULL, auth, &st);
	assert_int_equal(st, 200);
	th_assert_contract("/v1/catalog/runs/{id}", one);
	json_decref(one);
	/* a language the site does not have (the double has en, de, fr): skipped, said once per
	 * process (the log holds two: the one killed by -9 and this one), not once per product */
	char *log = th_read_file(sm.log);
	int said = 0;
	for (const char *p = log; (p = strstr(p, "translations into it are skipped for store us")); p++)
		said++;
	assert_in_range(said, 1, 2);
	free(log);
	char *m = th_get_text(th_seam_url(&sm, "/metrics", u, sizeof u));
	/* counters are per process: since the restart, the resumed rebuild's subjects */
	assert_true(th_metric_sum(m, "seam_catalog_products_total{store=\"us\"") >= 1);
	assert_true(th_metric_sum(m, "seam_catalog_sync_lag_seconds{store=\"us\"") >= 0);
	free(m);
}

/* seam ctl sync as a person uses it: usage errors, the human forms, one run per store,
 * Ctrl-C leaving the run going, and a queued run picked up by the next seam serve. */
static void test_ctl_sync(void **state)
{
	char *out = NULL;
	(void)state;
	static const struct {
		const char *args[8];
		int code;
		const char *says;
	} bad[] = {
		{{"sync", NULL}, 2, "usage: seam ctl sync catalog"},
		{{"sync", "catalog", NULL}, 2, "--store S is needed"},
		{{"sync", "catalog", "--store", "nowhere", NULL}, 2, "catalog.stores.nowhere"},
		{{"sync", "list", "--limit", "0", NULL}, 2, "--limit takes 1..1000"},
		{{"sync", "status", "--full", NULL}, 2, "are for 'sync catalog'"},
		{{"sync", "sideways", NULL}, 2, "unknown action 'sideways'"},
		{{"sync", "plan", NULL}, 2, "the run id is needed"},
		{{"sync", "status", "00000000-0000-4000-8000-000000000000", NULL}, 1, "no such run"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(th_seam_ctl(&sm, bad[i].args, &out), bad[i].code);
		if (!strstr(out, bad[i].says))
			fail_msg("seam ctl %s %s: want '%s' in: %s", bad[i].args[0], str(bad[i].args[1]),
				 bad[i].says, out);
		free(out);
	}

	/* the human form: started, progress lines (not a terminal), summary */
	const char *inc[] = {"sync", "catalog", "--store", "us", NULL};
	assert_int_equal(th_seam_ctl(&sm, inc, &out), 0);
	assert_non_null(strstr(out, "catalog incremental run "));
	assert_non_null(strstr(out, ": done in "));
	assert_non_null(strstr(out, "unchanged "));
	free(out);
	const char *list[] = {"sync", "list", "--store", "us", "--limit", "3", NULL};
	assert_int_equal(th_seam_ctl(&sm, list, &out), 0);
	assert_non_null(strstr(out, "QUARANTINED"));
	assert_non_null(strstr(out, "incremental"));
	free(out);
	const char *status[] = {"sync", "status", "--store", "us", NULL};
	assert_int_equal(th_seam_ctl(&sm, status, &out), 0);
	assert_non_null(strstr(out, "state           done"));
	free(out);

	/* a dry run's plan again, by its id */
	pim_set("SKU-000011", "\"values\":{\"price\":[{\"locale\":null,\"scope\":null,\"data\":[{\"amount\":\"77.77\","
			      "\"currency\":\"USD\"}]}]}");
	json_t *dry = NULL;
	assert_int_equal(sync_run((const char *[]){"--dry-run", NULL}, &dry), 0);
	const char *plan[] = {"sync", "plan", json_string_value(json_object_get(dry, "id")), NULL};
	assert_int_equal(th_seam_ctl(&sm, plan, &out), 0);
	assert_non_null(strstr(out, "update    variation SKU-000011"));
	assert_non_null(strstr(out, "\"77.77\""));
	free(out);
	json_decref(dry);

	/* with no seam serve the run stays queued; Ctrl-C leaves it so */
	th_seam_stop(&sm, SIGTERM, 10000);
	char log[200];
	snprintf(log, sizeof log, "%s/ctl-sigint.log", dir);
	char *argv[] = {(char *)th_seam_bin(), "ctl", "-c", sm.cfg, "sync", "catalog", "--store", "us", NULL};
	pid_t p = th_spawn(argv, log);
	assert_true(p > 0);
	json_t *run = NULL;
	for (int i = 0; i < 100 && !(run && !strcmp(str(json_string_value(json_object_get(run, "state"))), "queued")); i++) {
		usleep(100 * 1000);
		json_decref(run);
		run = run_status();
	}
	assert_string_equal(json_string_value(json_object_get(run, "state")), "queued");
	usleep(300 * 1000);
	int ws = th_stop(p, SIGINT, 5000);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 130);
	char *said = th_read_file(log);
	assert_non_null(strstr(said, "goes on"));
	free(said);
	/* one at a time: a second start names it */
	assert_int_equal(th_seam_ctl(&sm, inc, &out), 1);
	assert_non_null(strstr(out, json_string_value(json_object_get(run, "id"))));
	free(out);
	/* the next seam serve picks it up; status --follow waits for the end */
	assert_int_equal(th_seam_start(&sm, 10000), 0);
	const char *follow[] = {"sync", "status", json_string_value(json_object_get(run, "id")), "--follow", NULL};
	assert_int_equal(th_seam_ctl(&sm, follow, &out), 0);
	assert_non_null(strstr(out, ": done in "));
	free(out);
	json_decref(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_rebuild),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_drift_repaired_by_full),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_removed_unpublished),
		cmocka_unit_test(test_bad_records_quarantined),
		cmocka_unit_test(test_moved_variant),
		cmocka_unit_test(test_pim_faults_mid_run),
		cmocka_unit_test(test_events_only),
		cmocka_unit_test(test_kill9_full_rebuild),
		cmocka_unit_test(test_trace_and_metrics),
		cmocka_unit_test(test_ctl_sync),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
