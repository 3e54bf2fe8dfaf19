/*
 * api_stock.c: GET /v1/availability?store=S&sku=A&sku=B (or sku=A,B) and GET /v1/prices?store=S
 * &sku=...[&currency=EUR][&price_list=WEB]: what checkout asks during add to cart and
 * checkout, answered from the cache the stock flow keeps (flows/stock.h), with the age of what
 * it knows and stale: true past the store's staleness budget. Up to SEAM_STOCK_BATCH_MAX SKUs
 * per call; a SKU listed twice is answered once.
 */
#include "api/api_stock.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/resource.h"
#include "core/clock.h"
#include "flows/stock.h"

#define SKU_MAX 128

typedef struct skus {
	const char *items[SEAM_STOCK_BATCH_MAX];
	size_t n;
	int too_many, bad;
	seam_http_req_t *req;
} skus_t;

static void add_one(skus_t *k, const char *s, size_t len)
{
	if (len == 0)
		return;
	if (len > SKU_MAX) {
		k->bad = 1;
		return;
	}
	for (size_t i = 0; i < k->n; i++)
		if (strlen(k->items[i]) == len && !strncmp(k->items[i], s, len))
			return;
	if (k->n == SEAM_STOCK_BATCH_MAX) {
		k->too_many = 1;
		return;
	}
	char *c = seam_http_alloc(k->req, len + 1);
	memcpy(c, s, len);
	c[len] = '\0';
	k->items[k->n++] = c;
}

static void each(const char *key, const char *value, void *ud)
{
	skus_t *k = ud;
	if (strcmp(key, "sku") || !value)
		return;
	for (const char *p = value; *p;) {
		size_t len = strcspn(p, ",");
		add_one(k, p, len);
		p += len;
		if (*p == ',')
			p++;
	}
}

/* The store and SKUs of the query, or an answered 400/404 (returns NULL). */
static const seam_stock_store_config_t *parse(seam_http_req_t *req, const seam_api_t *api,
					      const char **store, skus_t *k)
{
	const void *cfg = api->flow_config ? api->flow_config(api->flow_config_ud, SEAM_FLOW_STOCK) : NULL;
	*store = seam_http_query(req, "store");
	memset(k, 0, sizeof *k);
	k->req = req;
	if (!*store || !**store) {
		seam_http_problem(req, 400, "bad-query", "Bad query", NULL, "store is required");
		return NULL;
	}
	const seam_stock_store_config_t *sc = seam_stock_store(cfg, *store);
	if (!sc) {
		seam_api_not_found(req, "store with prices and stock (stock.stores)", *store);
		return NULL;
	}
	seam_http_query_each(req, each, k);
	if (k->bad || k->n == 0 || k->too_many) {
		seam_http_problem(req, 400, "bad-query", "Bad query", NULL,
				  k->bad	  ? "a SKU is longer than %d characters"
				  : k->too_many ? "at most %d SKUs per call"
						: "sku is required (sku=A&sku=B or sku=A,B; at most %d)",
				  k->bad ? SKU_MAX : SEAM_STOCK_BATCH_MAX);
		return NULL;
	}
	return sc;
}

void seam_api_availability(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	const char *store;
	skus_t k;
	json_t *out = NULL;
	seam_error_t e = {0};
	const seam_stock_store_config_t *sc = parse(req, api, &store, &k);
	if (!sc)
		return;
	if (seam_stock_availability(api->store, store, k.items, k.n, sc->staleness_ms, seam_now_ms(),
				    &out, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	seam_http_set_header(req, "Cache-Control", "no-store");
	seam_http_reply_json(req, 200, out);
}

void seam_api_prices(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	const char *store;
	skus_t k;
	json_t *out = NULL;
	seam_error_t e = {0};
	const seam_stock_store_config_t *sc = parse(req, api, &store, &k);
	if (!sc)
		return;
	if (seam_stock_prices(api->store, sc, store, k.items, k.n, seam_http_query(req, "currency"),
			      seam_http_query(req, "price_list"), seam_now_ms(), &out, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	seam_http_set_header(req, "Cache-Control", "no-store");
	seam_http_reply_json(req, 200, out);
}
