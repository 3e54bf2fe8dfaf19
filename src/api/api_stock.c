/*
 * api_stock.c: GET /v1/availability?store=S&sku=A&sku=B (or sku=A,B) and GET /v1/prices?store=S
 * &sku=...[&currency=EUR][&price_list=WEB]: what checkout asks during add to cart and
 * checkout, answered from the cache the stock flow keeps (flows/stock.h), with the age of what
 * it knows and stale: true past the store's staleness budget. Up to SEAM_STOCK_BATCH_MAX SKUs
 * per call; a SKU listed twice is answered once.
 */
#include "api/api_stock.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/resource.h"
#include "core/clock.h"
#include "flows/stock.h"

#define SKU_MAX 128

#define SLOTS 256 /* open addressing over the SKUs seen, for the dedup (> 2 x the batch) */

typedef struct skus {
	const char *items[SEAM_STOCK_BATCH_MAX];
	size_t n;
	int too_many, bad;
	seam_http_req_t *req;
	unsigned char slot[SLOTS]; /* 0: free, else index + 1 in items */
} skus_t;

/* A SKU is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points past
 * U+10FFFF) without control characters: what Drupal and the ERP hold. */
static int sku_ok(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + len;
	while (s < e) {
		unsigned c = *s++;
		int more;
		unsigned cp, min;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		for (; more; more--) {
			if (s == e || (*s & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (*s++ & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return 0;
	}
	return 1;
}

static void add_one(skus_t *k, const char *s, size_t len)
{
	if (len == 0)
		return;
	if (len > SKU_MAX || !sku_ok(s, len)) {
		k->bad = 1;
		return;
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	size_t at = h % SLOTS;
	for (; k->slot[at]; at = (at + 1) % SLOTS) {
		const char *o = k->items[k->slot[at] - 1];
		if (!strncmp(o, s, len) && o[len] == '\0')
			return; /* asked twice: answered once */
	}
	if (k->n == SEAM_STOCK_BATCH_MAX) {
		k->too_many = 1;
		return;
	}
	char *c = seam_http_alloc(k->req, len + 1);
	memcpy(c, s, len);
	c[len] = '\0';
	k->items[k->n++] = c;
	k->slot[at] = (unsigned char)k->n;
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
				  k->bad	  ? "a SKU is longer than %d bytes, not UTF-8, or has control characters"
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
	char *text = NULL;
	size_t len = 0;
	seam_error_t e = {0};
	const seam_stock_store_config_t *sc = parse(req, api, &store, &k);
	if (!sc)
		return;
	if (seam_stock_availability_text(api->store, store, k.items, k.n, sc->staleness_ms,
					 seam_now_ms(), &text, &len, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	seam_http_set_header(req, "Cache-Control", "no-store");
	seam_http_reply(req, 200, "application/json", text, len);
	free(text);
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
