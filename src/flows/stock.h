/*
 * stock.h: the prices-and-stock flow: the ERP (Business Central-like, the system of record for
 * price and availability) into Drupal Commerce's variations, and a canonical cache in seam's
 * store that checkout reads without calling the ERP. docs/stock.md is the operator's
 * description; this header is the flow's API to the root, the REST API and its own files.
 *
 * Values come two ways and converge: the ERP's webhook notifications (POST
 * /webhooks/erp/{store}, no values: each becomes a stock.fetch of the record it names) and the
 * poll (stock.poll, lastModifiedDateTime > cursor - overlap), the safety net. Every value
 * carries the ERP's lastModifiedDateTime; it is accepted into the cache (migration 008:
 * stock_levels, price_levels) only when newer than what the cache holds, so an older value
 * never overwrites a newer one whatever order they arrive in. An accepted change schedules the
 * SKU's Drupal write at the end of its coalescing window (dedup key per SKU and window): every
 * change of the window folds into that one write, which reads the newest values when it runs.
 *
 * Jobs (flow "stock"):
 *   stock.fetch      one record a notification named (items or salesPrices), or a collection
 *                    notification's filter (a poll from its time)
 *   stock.poll       the schedule per store and the manual runs of `seam ctl sync`: pages of
 *                    items and sales prices changed since the cursor (or all: full)
 *   stock.write      one SKU into Drupal: the variation's price, list price and seam_stock,
 *                    written when they differ from what seam last wrote (full runs: from what
 *                    Drupal holds), serialised per SKU so the newest value is the last written
 *   stock.subscribe  keeps the store's ERP subscriptions alive: creates them, renews them
 *                    before they expire, re-creates one the ERP dropped
 *
 * Thread-safety: jobs run on the queue's workers; the read functions are reentrant.
 */
#ifndef SEAM_FLOWS_STOCK_H
#define SEAM_FLOWS_STOCK_H

#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "flows/flow.h"
#include "store/store.h"

#define SEAM_FLOW_STOCK "stock"
#define SEAM_JOB_STOCK_FETCH "stock.fetch"
#define SEAM_JOB_STOCK_POLL "stock.poll"
#define SEAM_JOB_STOCK_WRITE "stock.write"
#define SEAM_JOB_STOCK_SUBSCRIBE "stock.subscribe"

#define SEAM_STOCK_BATCH_MAX 100 /* SKUs per availability or price request */

/* stock.stores.<store>.erp */
typedef struct seam_stock_erp_config {
	char *upstream;    /* [stores.<store>.erp.upstream] */
	char *company;     /* [stores.<store>.erp.company] */
	char *currency;    /* the company's local currency (a sales price with currencyCode "")
			    * [the store's drupal.currency] */
	char *price_group; /* customer price group whose prices the store sells at; unset: All
			    * Customers prices and the item's unit price */
	char *location;    /* "" (total inventory) */
} seam_stock_erp_config_t;

/* stock.stores.<store>.drupal */
typedef struct seam_stock_drupal_config {
	char *upstream;       /* [stores.<store>.drupal.upstream] */
	char *variation_type; /* [default] */
	char *currency;       /* the store's currency [USD] */
} seam_stock_drupal_config_t;

/* stock.stores.<store>.notifications */
typedef struct seam_stock_notify_config {
	char *url;            /* the notificationUrl the ERP calls (seam's public
			       * /webhooks/erp/<store>); unset: no subscription, poll only */
	int64_t renew_before_ms; /* renew when it expires sooner than this [1d] */
	int64_t check_interval_ms; /* how often stock.subscribe looks [1h] */
} seam_stock_notify_config_t;

/* stock.stores.<store> */
typedef struct seam_stock_store_config {
	seam_stock_erp_config_t erp;
	seam_stock_drupal_config_t drupal;
	seam_stock_notify_config_t notifications;
	int prices;                /* sync prices [true] */
	int stock;                 /* sync stock [true] */
	int64_t coalesce_ms;       /* window whose changes become one Drupal write [2s] */
	int64_t staleness_ms;      /* older data is answered stale: true [15m] */
	int64_t poll_interval_ms;  /* [5m]; 0 = off */
	int64_t overlap_ms;        /* [2m] */
} seam_stock_store_config_t;

typedef struct seam_stock_config {
	seam_cfg_map_t stores; /* of seam_stock_store_config_t */
} seam_stock_config_t;

/* The store's section, or NULL. */
const seam_stock_store_config_t *seam_stock_store(const void *config, const char *store);

/* ---- the cache, as checkout reads it (GET /v1/availability, GET /v1/prices) ---- */

/*
 * {"store", "skus": [{"sku", "quantity" (decimal text or null when seam has none),
 * "available" (quantity > 0), "locations": {loc: qty} (when the ERP has several),
 * "source_time", "received_at" (RFC 3339), "age_seconds", "stale"}], "stale": any stale}
 * for skus[0..n) (n <= SEAM_STOCK_BATCH_MAX), answered from the store alone. now_ms: the
 * clock; staleness_ms: the store's budget (an unknown SKU is stale: nothing is known).
 */
seam_err_t seam_stock_availability(seam_store_t *st, const char *store, const char *const *skus,
				   size_t n, int64_t staleness_ms, int64_t now_ms, json_t **out,
				   seam_error_t *err);
/* The same answer as JSON text (*text malloc'd, *len its length): what GET /v1/availability
 * sends, written without a jansson tree. SKUs and store must be UTF-8 (the API checks). */
seam_err_t seam_stock_availability_text(seam_store_t *st, const char *store,
					const char *const *skus, size_t n, int64_t staleness_ms,
					int64_t now_ms, char **text, size_t *len, seam_error_t *err);

/*
 * {"store", "skus": [{"sku", "prices": [{"currency", "price_list", "min_quantity", "amount",
 * "starts", "ends", "source_time"}], "price" {number, currency_code} (what the store sells one
 * at, as written to Drupal), "list_price", "age_seconds", "stale"}], "stale"}; currency and
 * price_list (may be NULL) filter the prices.
 */
seam_err_t seam_stock_prices(seam_store_t *st, const seam_stock_store_config_t *sc,
			     const char *store, const char *const *skus, size_t n,
			     const char *currency, const char *price_list, int64_t now_ms,
			     json_t **out, seam_error_t *err);

/* The ERP notification that is one event of POST /webhooks/erp/{store} (its item of value):
 * the stock.fetch job it makes. Returns 1 with dedup (into cap) and payload (malloc'd JSON),
 * 0 when the notification names nothing seam reads (stored, no job), -1 out of memory. */
int seam_stock_event_job(const char *store, const json_t *notification, char *dedup, size_t cap,
			 char **payload);

extern const seam_flow_def_t seam_flow_stock;

#endif
