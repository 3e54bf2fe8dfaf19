/*
 * stock_int.h: what the stock flow's files share (stock.c: config, registry row, schedules,
 * events, metrics; stock_ingest.c: values into the cache, the fetch, poll and subscribe jobs;
 * stock_write.c: the Drupal write; stock_cache.c: the cache as checkout reads it;
 * stock_ctl.c: `seam ctl sync stock|prices`). Nothing outside the flow includes it.
 */
#ifndef SEAM_FLOWS_STOCK_INT_H
#define SEAM_FLOWS_STOCK_INT_H

#include <pthread.h>
#include <stdint.h>

#include "connectors/erp_stock.h"
#include "flows/stock.h"

#define SEAM__STOCK_LOCKS 64 /* stripes of the per-SKU write lock */

typedef struct seam_stock {
	seam_flow_env_t env;
	const seam_stock_config_t *cfg;
	pthread_mutex_t sku_mu[SEAM__STOCK_LOCKS];
} seam_stock_t;

/* How a value came in: the label of seam_stock_updates_total and stock_levels.via. */
typedef enum seam__stock_via_e {
	SEAM__STOCK_PUSH = 0,
	SEAM__STOCK_POLL,
	SEAM__STOCK_FULL,
} seam__stock_via_e;
const char *seam__stock_via_name(seam__stock_via_e v);

seam_upstream_t *seam__stock_erp(seam_stock_t *s, const char *store);
seam_upstream_t *seam__stock_drupal(seam_stock_t *s, const char *store);
const char *seam__stock_company(seam_stock_t *s, const char *store);

/* What accepting one ERP record did. */
typedef struct seam__stock_accept {
	int accepted;   /* the cache took it (newer than what it held) */
	int older;      /* dropped: the cache holds a newer value */
	int invalid;    /* quarantined (the reason in err) */
	char sku[128];  /* the SKU it is about ("" when unknown) */
} seam__stock_accept_t;

/*
 * Takes one ERP record (an item: inventory and unit price; a sales price) into the cache on
 * db, newest wins, and schedules the SKU's Drupal write when something was accepted (unless
 * no_write: a dry run). Counts it. A record with a bad value (negative or non-numeric
 * quantity, a price without currency) is quarantined (flow_quarantine with its reason) and
 * SEAM_OK is returned with out->invalid set.
 */
seam_err_t seam__stock_accept(seam_stock_t *s, seam_db_t *db, const char *store,
			      seam_erp_resource_e r, const json_t *rec, seam__stock_via_e via,
			      const char *cid, int no_write, seam__stock_accept_t *out,
			      seam_error_t *err);

/* A deleted sales price: its row goes, and its SKU's write is scheduled. */
seam_err_t seam__stock_forget_price(seam_stock_t *s, seam_db_t *db, const char *store,
				    const char *source_id, const char *cid, seam_error_t *err);

/* Schedules sku's Drupal write at the end of the current coalescing window (dedup key per
 * store, SKU and window; one already scheduled absorbs this change: counted as coalesced). */
seam_err_t seam__stock_schedule_write(seam_stock_t *s, seam_db_t *db, const char *store,
				      const char *sku, int full, const char *cid,
				      seam_error_t *err);

/* What the store sells one unit of sku at (price, list_price: "<amount> <currency>" or "" when
 * none), from the cache on db, for today (UTC), rounded to the currency's minor unit, and the
 * newest source time among the rows used. */
int seam__stock_price_of(const seam_stock_store_config_t *sc, seam_db_t *db, const char *store,
			 const char *sku, int64_t now_ms, char *price, size_t pcap, char *list,
			 size_t lcap, int64_t *source_ms);

/* A dry run's plan for sku from one ERP record: the differences between what the record
 * says and Drupal's variation, as stock_plan rows; *changes how many. */
seam_err_t seam__stock_plan_sku(seam_stock_t *s, const char *store, const char *run_id,
				const char *sku, const json_t *rec, seam_erp_resource_e r,
				const char *cid, int *changes, seam_error_t *err);

seam_err_t seam__stock_fetch_job(const seam_job_t *job, seam_job_result_t *res, void *ud);
seam_err_t seam__stock_poll_job(const seam_job_t *job, seam_job_result_t *res, void *ud);
seam_err_t seam__stock_write_job(const seam_job_t *job, seam_job_result_t *res, void *ud);
seam_err_t seam__stock_subscribe_job(const seam_job_t *job, seam_job_result_t *res, void *ud);

/* `seam ctl sync stock|prices` (stock_ctl.c). */
extern const seam_flow_cmd_t seam__stock_cmds[];
extern const size_t seam__stock_ncmds;

#endif
