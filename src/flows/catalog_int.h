/*
 * catalog_int.h: what the catalog flow's files share (catalog.c: config, registry row,
 * schedules, events, metrics; catalog_run.c: the catalog.run job; catalog_apply.c: the
 * catalog.product job; catalog_runs.c and catalog_ctl.c: runs as the store keeps them and
 * `seam ctl sync`). Nothing outside the flow includes it.
 */
#ifndef SEAM_FLOWS_CATALOG_INT_H
#define SEAM_FLOWS_CATALOG_INT_H

#include <pthread.h>
#include <stdint.h>

#include "flows/catalog.h"
#include "map/map.h"

/* Outcomes of a subject in a run (catalog_run_items.outcome, the run's counter columns and
 * the label of seam_catalog_products_total). */
#define SEAM__CATALOG_OUTCOMES(X) \
	X(CREATED, "created")     \
	X(UPDATED, "updated")     \
	X(UNCHANGED, "unchanged") \
	X(UNPUBLISHED, "unpublished") \
	X(QUARANTINED, "quarantined") \
	X(FAILED, "failed")       \
	X(STALE, "stale")

typedef enum seam__catalog_outcome_e {
#define X(id, name) SEAM__CATALOG_##id,
	SEAM__CATALOG_OUTCOMES(X)
#undef X
	SEAM__CATALOG_NOUTCOMES
} seam__catalog_outcome_e;

const char *seam__catalog_outcome_name(seam__catalog_outcome_e o);

#define SEAM__CATALOG_LOCKS 64 /* stripes of the per-subject lock */

typedef struct seam_catalog {
	seam_flow_env_t env;
	const seam_catalog_config_t *cfg;
	pthread_key_t rt_key;        /* this worker thread's Lua runtime */
	pthread_mutex_t mu;          /* guards attr_cache and the find-or-create of a value */
	json_t *attr_cache;          /* "attribute\nname" -> Drupal attribute value uuid */
	json_t *generated;           /* "store\nvariation type" -> true: Drupal generates that
				      * type's variation titles (guarded by mu) */
	json_t *no_lang;             /* "store\nlangcode" -> true: Drupal cannot take that
				      * language's translations (said once; guarded by mu) */
	/* One subject is worked by one job at a time (two jobs of one product, a poll's and an
	 * event's, must not both create it): striped by a hash of store and subject. In this
	 * process only; several instances on one store need a lock in the store (issue 18). */
	pthread_mutex_t subject_mu[SEAM__CATALOG_LOCKS];
} seam_catalog_t;

/* The calling worker's mapping runtime (created on first use). */
seam_map_runtime_t *seam__catalog_runtime(seam_catalog_t *c, seam_error_t *err);

/* The upstreams of a store: its PIM and its Drupal (stores.<store>.drupal.upstream). NULL when
 * not configured. */
seam_upstream_t *seam__catalog_pim(seam_catalog_t *c, const seam_catalog_store_config_t *sc);
seam_upstream_t *seam__catalog_drupal(seam_catalog_t *c, const char *store);

/* A subject's job payload and dedup key. kind: "model", "simple", or "product" (a PIM product
 * uuid whose subject the job works out: an event, a variant moved). updated_ms: the PIM
 * version that made the job (0: unknown). run_id: the run that made it, NULL for events. full:
 * the key includes the run (full and dry runs look at every subject again). */
typedef struct seam__catalog_subject {
	const char *store;
	const char *id;
	const char *kind;
	int64_t updated_ms;
	const char *run_id;
	int full;
	int dry_run;
	const char *source; /* poll | full | event | moved */
	const char *item;   /* the run's item it answers for: NULL = id; "<id>\nmoved" for a
			     * follow-up (a product that lost a variation to another, synced
			     * again within the run, which waits for it without counting the
			     * product twice) */
} seam__catalog_subject_t;

/* Enqueues the subject's catalog.product job on db (the caller's transaction) and, with a
 * run, its catalog_run_items row (counted in the run's enqueued when new). *added (may be
 * NULL): 1 when a new job was made. */
seam_err_t seam__catalog_enqueue(seam_catalog_t *c, seam_db_t *db,
				 const seam__catalog_subject_t *s, const char *cid, int *added,
				 seam_error_t *err);

/* Records an item's outcome in its run: sets catalog_run_items.outcome once and bumps the
 * run's counter (and finished) in the same statement pair; a second call for the same item
 * and run changes nothing. A follow-up item (item != the subject's id) bumps finished only. */
seam_err_t seam__catalog_run_outcome(seam_db_t *db, const char *run_id, const char *item,
				     const char *pim_id, seam__catalog_outcome_e o,
				     seam_error_t *err);

/* 1 when the catalog flow's kill switch is on. */
int seam__catalog_paused(seam_db_t *db);

/* The two jobs. */
seam_err_t seam__catalog_run_job(const seam_job_t *job, seam_job_result_t *res, void *ud);
seam_err_t seam__catalog_product_job(const seam_job_t *job, seam_job_result_t *res, void *ud);

/* PIM "updated" (RFC 3339) <-> Akeneo's filter form and ms. */
int64_t seam__catalog_updated_ms(const json_t *rec);

#endif
