/*
 * catalog.h: the catalog flow: products, models and variants from the PIM (Akeneo-like, the
 * system of record for product data) into Drupal Commerce, incremental, pushed and rebuildable.
 * docs/catalog.md is the operator's description; this header is the flow's API to the root
 * and to its own files.
 *
 * The unit of work is a subject: one Drupal product, which is a PIM product model with its
 * variant products, or a simple PIM product (one variation). Its id is the model code or the
 * product uuid, kept on the Drupal product in the storefront module's base field seam_pim_id.
 *
 * Jobs (flow "catalog"):
 *   catalog.run      one run (migration 007: catalog_runs): walks the PIM page by page (models,
 *                    then products), makes one catalog.product job per subject it sees, commits
 *                    the next page's link with them (a crash resumes at that page), then waits
 *                    until every job it made has finished, advances the store's high-water
 *                    mark (incremental) or sweeps Drupal for products the PIM no longer has
 *                    (full), and ends with the summary counters.
 *   catalog.product  one subject: reads it from the PIM, maps (pim_to_canonical, then the
 *                    contract catalog.product@v1, then canonical_to_drupal and
 *                    catalog.drupal-product@v1), compares with what Drupal holds and writes what
 *                    differs (or, in a dry run, records the plan). Dedup key
 *                    "product:<store>:<subject>:<updated>" (the poll and the Events API
 *                    converge on one job per version), with ":<run>" for full and dry runs
 *                    (which must look at every product again).
 *   catalog.poll     the schedule per store (poll_interval): starts an incremental run unless
 *                    one is running.
 * Events: POST /webhooks/pim/{source} (sources.<name>.kind: pim) -> one catalog.product job per
 * product or model named, with the same dedup key.
 *
 * Thread-safety: jobs run on the queue's workers; each worker has its own Lua runtime.
 */
#ifndef SEAM_FLOWS_CATALOG_H
#define SEAM_FLOWS_CATALOG_H

#include <jansson.h>

#include "core/config.h"
#include "core/ids.h"
#include "flows/flow.h"

#define SEAM_FLOW_CATALOG "catalog"
#define SEAM_JOB_CATALOG_RUN "catalog.run"
#define SEAM_JOB_CATALOG_PRODUCT "catalog.product"
#define SEAM_JOB_CATALOG_POLL "catalog.poll"

/* catalog.stores.<store>.pim */
typedef struct seam_catalog_pim_config {
	char *upstream;      /* name in upstreams: the PIM's REST API */
	char *channel;       /* Akeneo channel (scope) whose values the store shows [ecommerce] */
	char *locale;        /* the store's language as a PIM locale [en_US] */
	char *title;         /* attribute holding the product name [name] */
	char *description;   /* attribute holding the description [description] */
} seam_catalog_pim_config_t;

/* catalog.stores.<store>.drupal */
typedef struct seam_catalog_drupal_config {
	char *upstream;       /* the upstream catalog writes go through [stores.<store>.drupal
			       * .upstream]: an entry of its own for the same site keeps a rebuild
			       * within its own rate limit and bulkhead */
	char *product_type;   /* commerce_product bundle [default] */
	char *variation_type; /* commerce_product_variation bundle [default] */
	char *currency;       /* the store's currency (variation price) [USD] */
	char *store_type;     /* bundle of the commerce_store(s) products are put in
			       * (stores.<store>.drupal.store) [online] */
	seam_strmap_t attributes; /* PIM axis -> Drupal product attribute id (e.g. color: color) */
	seam_strmap_t translations; /* PIM locale -> Drupal langcode kept translated (de_DE: de) */
} seam_catalog_drupal_config_t;

/* catalog.stores.<store> */
typedef struct seam_catalog_store_config {
	seam_catalog_pim_config_t pim;
	seam_catalog_drupal_config_t drupal;
	seam_strmap_t owners;       /* field -> system (pim | erp); price defaults to erp */
	int64_t poll_interval_ms;   /* incremental run period; 0 = no schedule [5m] */
	int64_t overlap_ms;         /* each run asks for updated > mark - overlap [2m] */
	char *to_canonical;         /* mapping [pim_to_canonical] */
	char *to_drupal;            /* mapping [canonical_to_drupal] */
} seam_catalog_store_config_t;

/* catalog: the flow's section. */
typedef struct seam_catalog_config {
	seam_cfg_map_t stores; /* of seam_catalog_store_config_t, by seam store name */
} seam_catalog_config_t;

/* The store's entry of the section (config: the flow's section, may be NULL), or NULL. */
const seam_catalog_store_config_t *seam_catalog_store(const void *config, const char *store);
/* "pim" or "erp": who owns a field of the store's products (owners.<field>; price: erp,
 * everything else: pim, unless said otherwise). */
const char *seam_catalog_owner(const seam_catalog_store_config_t *sc, const char *field);

/* ---- runs (catalog_runs.c) ---- */

/* Run modes and states (catalog_runs.mode/state/phase). */
#define SEAM_CATALOG_INCREMENTAL "incremental"
#define SEAM_CATALOG_FULL "full"

/*
 * Starts a run: inserts its catalog_runs row (state queued, phase models) and enqueues its
 * catalog.run job (dedup "run:<id>") on db, in the caller's transaction when it has one.
 * q may be NULL (seam ctl: the running seam serve picks the job up). channel may be "" (the run
 * job fills it from the config). mode: SEAM_CATALOG_INCREMENTAL | SEAM_CATALOG_FULL. cid NULL:
 * a new correlation id. Writes the run's id. SEAM_EXISTS (with the running run's id in
 * run_id) when the store already has a run queued or running: one at a time per store.
 */
seam_err_t seam_catalog_run_start(seam_db_t *db, seam_queue_t *q, const char *store,
				  const char *channel, const char *mode, int dry_run,
				  const char *cid, char run_id[SEAM_UUID_STR_LEN], seam_error_t *err);

/* One run as JSON: every column of catalog_runs ("id", "store", ..., counters as integers,
 * times as RFC 3339 strings or null), plus "paused" (the catalog flow's kill switch is on).
 * SEAM_NOTFOUND when there is none. */
seam_err_t seam_catalog_run_get(seam_store_t *st, const char *run_id, json_t **out,
				seam_error_t *err);

/* The newest runs (of one store when store is not NULL), newest first, at most limit. */
seam_err_t seam_catalog_run_list(seam_store_t *st, const char *store, int limit, json_t **out,
				 seam_error_t *err);

/* A dry run's plan, in order: array of {"action", "entity", "key", "diff"} (diff: object or
 * null). */
seam_err_t seam_catalog_plan_get(seam_store_t *st, const char *run_id, json_t **out,
				 seam_error_t *err);

/* The flow's `seam ctl` commands (catalog_ctl.c): sync. */
#define SEAM_CATALOG_NCMDS 1
extern const seam_flow_cmd_t seam_catalog_cmds[SEAM_CATALOG_NCMDS];
extern const size_t seam_catalog_ncmds;

/* A PIM Events API event (one element of "events", borrowed) of store's source as the job it
 * makes: the dedup key (product:<store>:<subject>:<updated ms>, as the poll's) and the
 * catalog.product payload (owned, free()). A variant's event is its model's; a removed product
 * names only its uuid (the job finds its subject). Returns 1 with a job, 0 for an event that
 * makes none (an action or resource seam does not act on), -1 out of memory. */
int seam_catalog_event_job(const char *store, const json_t *event, char *dedup, size_t cap,
			   char **payload);

/* The registry row (catalog.c). */
extern const seam_flow_def_t seam_flow_catalog;

#endif
