/*
 * metrics.h: a registry of counters, gauges and histograms with labels, and the Prometheus text
 * exposition (format 0.0.4) of everything in it.
 *
 * All metrics are declared once, in the SEAM_METRICS table below (name, kind, help, label
 * names, buckets); code refers to them by enum id, so a metric cannot be used with the wrong
 * labels or kind, and `seam check --metrics` / docs read the same table. Adding a metric is a
 * one-line change here.
 *
 * Label values are passed as an array of strings in the declared order. Series are created on
 * first use. Values that are cheaper to compute at scrape time (queue depth, breaker state) are
 * filled by collectors registered with seam_metrics_add_collector(), which run at the start of
 * every render.
 *
 * Thread-safety: every function may be called from any thread; updates on different series do
 * not contend on one global lock.
 */
#ifndef SEAM_CORE_METRICS_H
#define SEAM_CORE_METRICS_H

#include <stddef.h>

typedef enum seam_metric_kind_e {
	SEAM_METRIC_COUNTER,
	SEAM_METRIC_GAUGE,
	SEAM_METRIC_HISTOGRAM,
} seam_metric_kind_e;

/* Bucket sets (upper bounds in seconds or units, ascending; +Inf is implicit). */
#define SEAM_BUCKETS_LATENCY 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
#define SEAM_BUCKETS_JOB 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300
#define SEAM_BUCKETS_BATCH 1, 2, 4, 8, 16, 32, 64, 128, 256
#define SEAM_BUCKETS_RUN 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400

/* id, kind, name, help, labels (comma-separated, "" for none), buckets (histograms; else 0) */
#define SEAM_METRICS(X)                                                                          \
	X(HTTP_REQUESTS, COUNTER, "seam_http_requests_total",                                    \
	  "HTTP requests served, by route pattern, method and status code.", "route,method,status", 0) \
	X(HTTP_DURATION, HISTOGRAM, "seam_http_request_duration_seconds",                        \
	  "Time from request start to response queued, by route pattern.", "route", SEAM_BUCKETS_LATENCY) \
	X(HTTP_INFLIGHT, GAUGE, "seam_http_requests_in_flight",                                  \
	  "Requests being handled now.", "", 0)                                                    \
	X(HTTP_REJECTED, COUNTER, "seam_http_rejected_total",                                    \
	  "Requests refused before a handler ran, by reason.", "reason", 0)                          \
	X(WEBHOOKS_RECEIVED, COUNTER, "seam_webhooks_received_total",                            \
	  "Authentic webhook events, by provider and outcome (accepted, duplicate, quarantined, store_error).", \
	  "provider,outcome", 0)                                                                   \
	X(WEBHOOKS_REJECTED, COUNTER, "seam_webhooks_rejected_total",                            \
	  "Webhooks refused before storing, by provider and reason.", "provider,reason", 0)          \
	X(WEBHOOKS_INVALID, COUNTER, "seam_webhooks_invalid_total",                              \
	  "Authentic webhook events quarantined because they violate their contract, by provider and store.", \
	  "provider,store", 0)                                                                     \
	X(PAYMENT_EVENTS, COUNTER, "seam_payment_events_total",                                  \
	  "Payment events worked, by provider and outcome (plan, none, record_only, ignored).",      \
	  "provider,outcome", 0)                                                                   \
	X(PAYMENT_APPLY_LATENCY, HISTOGRAM, "seam_payment_apply_latency_seconds",                \
	  "From the event's acknowledgement to its effect in Drupal, by provider.", "provider",      \
	  SEAM_BUCKETS_JOB)                                                                        \
	X(ORDER_EXPORTS, COUNTER, "seam_order_exports_total",                                    \
	  "Orders in the ERP, by store and how (created, adopted: found by its external number).",   \
	  "store,how", 0)                                                                          \
	X(ORDER_EXPORT_BACKLOG, GAUGE, "seam_order_export_backlog",                              \
	  "Placed orders seam has seen that are not in the ERP yet, by store.", "store", 0)          \
	X(ORDER_EXPORT_OLDEST, GAUGE, "seam_order_export_oldest_age_seconds",                    \
	  "Age of the oldest placed order not yet exported, by store.", "store", 0)                  \
	X(ORDERS_IGNORED, COUNTER, "seam_orders_ignored_total",                                  \
	  "Orders of a Drupal store the seam store does not own (drupal.store), never exported, by seam store and where seen (event, poll, export).", \
	  "store,seen_by", 0)                                                                      \
	X(CATALOG_PRODUCTS, COUNTER, "seam_catalog_products_total",                              \
	  "Catalog subjects (Drupal products) synced, by store and outcome (created, updated, unchanged, unpublished, quarantined, failed, stale).", \
	  "store,outcome", 0)                                                                      \
	X(CATALOG_LAG, GAUGE, "seam_catalog_sync_lag_seconds",                                   \
	  "Now minus the store's high-water mark of PIM updates applied (the incremental sync's cursor), by store.", \
	  "store", 0)                                                                              \
	X(CATALOG_RUN_DURATION, HISTOGRAM, "seam_catalog_run_duration_seconds",                  \
	  "Catalog run time from start to its summary, by store and mode (incremental, full).",     \
	  "store,mode", SEAM_BUCKETS_RUN)                                                          \
	X(STOCK_UPDATES, COUNTER, "seam_stock_updates_total",                                    \
	  "ERP values received, by store, kind (stock, price), source (push, poll, full) and outcome (accepted; older: dropped, newer already applied; same; invalid: quarantined).", \
	  "store,kind,source,outcome", 0)                                                          \
	X(STOCK_COALESCED, COUNTER, "seam_stock_coalesced_total",                                \
	  "Accepted changes folded into a Drupal write already scheduled for their SKU, by store.", \
	  "store", 0)                                                                              \
	X(STOCK_WRITES, COUNTER, "seam_stock_drupal_writes_total",                               \
	  "Drupal variation writes of prices and stock, by store and outcome (written, unchanged, no_variation, failed).", \
	  "store,outcome", 0)                                                                      \
	X(STOCK_STALENESS, GAUGE, "seam_stock_staleness_seconds",                                \
	  "Now minus the newest ERP time of a value seam accepted, by store and kind (stock, price).", \
	  "store,kind", 0)                                                                         \
	X(STOCK_LATENCY, HISTOGRAM, "seam_stock_latency_seconds",                                \
	  "From the ERP's change (lastModifiedDateTime) to its Drupal write, by store.", "store",     \
	  SEAM_BUCKETS_JOB)                                                                        \
	X(STOCK_SUBSCRIPTION_TTL, GAUGE, "seam_stock_subscription_expiry_seconds",              \
	  "Seconds until the ERP webhook subscription expires (negative: expired), by store and resource.", \
	  "store,resource", 0)                                                                     \
	X(TAX_QUOTES, COUNTER, "seam_tax_quotes_total",                                          \
	  "Tax quotes answered, by store and source (engine, cache, estimate; refused: 503 by the store's policy).", \
	  "store,source", 0)                                                                       \
	X(TAX_QUOTE_DURATION, HISTOGRAM, "seam_tax_quote_duration_seconds",                      \
	  "Time to answer a tax quote, by store and source.", "store,source", SEAM_BUCKETS_LATENCY) \
	X(TAX_INVOICES, COUNTER, "seam_tax_invoices_total",                                      \
	  "Orders' tax documents in the engine, by store and outcome: committed matching what the order charged (matches) or not (differs), voided, refunded (a return invoice).", \
	  "store,result", 0)                                                                       \
	X(RECONCILE_DRIFT, GAUGE, "seam_reconcile_drift",                                          \
	  "Drift open in the store's newest finished reconciliation run (fixed drift not counted), by store and kind.", \
	  "store,kind", 0)                                                                         \
	X(RECONCILE_RUNS, COUNTER, "seam_reconcile_runs_total",                                    \
	  "Reconciliation runs finished, by store and outcome (clean, drift, partial: a system could not be read, failed).", \
	  "store,outcome", 0)                                                                      \
	X(RECONCILE_LAST_RUN, GAUGE, "seam_reconcile_last_run_timestamp_seconds",                  \
	  "Unix time the store's newest reconciliation run finished (clean, drift or partial), by store.", \
	  "store", 0)                                                                              \
	X(BUILD_INFO, GAUGE, "seam_build_info", "Always 1; labels carry the version.", "version", 0) \
	X(INSTANCE_INFO, GAUGE, "seam_instance_info",                                            \
	  "Always 1; labels carry this instance's name (the prefix of its lease owners, shown with every running job) and its store engine.", \
	  "instance,store", 0)                                                                    \
	X(START_TIME, GAUGE, "seam_start_time_seconds", "Unix time the process started.", "", 0)  \
	X(READY, GAUGE, "seam_ready",                                                            \
	  "1 when GET /readyz would answer 200 (the store answers, every migration applied), else 0.", \
	  "", 0)                                                                                   \
	X(SERIES_DROPPED, COUNTER, "seam_metrics_series_dropped_total",                          \
	  "Metric updates dropped because their metric already had the maximum number of series.", "", 0) \
	X(UPSTREAM_REQUESTS, COUNTER, "seam_upstream_requests_total",                            \
	  "Calls that reached an upstream, by upstream, method and HTTP status (error or timeout when there was no answer).", \
	  "upstream,method,status", 0)                                                               \
	X(UPSTREAM_DURATION, HISTOGRAM, "seam_upstream_request_duration_seconds",                \
	  "Duration of one upstream HTTP exchange, by upstream, method and outcome (ok, retry, permanent, timeout).", \
	  "upstream,method,outcome", SEAM_BUCKETS_LATENCY)                                         \
	X(UPSTREAM_REJECTED, COUNTER, "seam_upstream_rejected_total",                            \
	  "Calls refused before reaching an upstream, by reason (open_circuit, rate_limit, bulkhead).", \
	  "upstream,reason", 0)                                                                      \
	X(UPSTREAM_INFLIGHT, GAUGE, "seam_upstream_in_flight",                                   \
	  "Calls to an upstream in flight now (at most its concurrency limit).", "upstream", 0)     \
	X(UPSTREAM_BREAKER_STATE, GAUGE, "seam_upstream_breaker_state",                          \
	  "Circuit breaker state by upstream: 0 closed, 1 half-open, 2 open.", "upstream", 0)      \
	X(UPSTREAM_BREAKER_TRANSITIONS, COUNTER, "seam_upstream_breaker_transitions_total",      \
	  "Circuit breaker state changes, by upstream and the state entered.", "upstream,to", 0)   \
	X(UPSTREAM_TOKEN_REQUESTS, COUNTER, "seam_upstream_token_requests_total",                \
	  "OAuth2 token requests, by upstream, grant type and result (ok, refused, error).",       \
	  "upstream,grant,result", 0)                                                               \
	X(QUEUE_JOBS, GAUGE, "seam_queue_jobs",                                                  \
	  "Jobs by flow and state (queued, running, dead), counted at scrape.", "flow,state", 0)    \
	X(QUEUE_OLDEST_AGE, GAUGE, "seam_queue_oldest_runnable_age_seconds",                     \
	  "Age of the oldest job that is due to run and not running, by flow.", "flow", 0)          \
	X(QUEUE_DEAD_LETTERS, GAUGE, "seam_queue_dead_letters",                                  \
	  "Jobs in the dead-letter list (state dead), by flow.", "flow", 0)                         \
	X(QUEUE_ATTEMPTS, COUNTER, "seam_queue_attempts_total",                                  \
	  "Job attempts finished, by flow and outcome (succeeded, retry, dead, deferred, lease_expired).", \
	  "flow,outcome", 0)                                                                        \
	X(QUEUE_JOB_DURATION, HISTOGRAM, "seam_queue_job_duration_seconds",                      \
	  "Handler run time per attempt, by flow and kind.", "flow,kind", SEAM_BUCKETS_JOB)         \
	X(QUEUE_COMMIT_BATCH, HISTOGRAM, "seam_queue_commit_batch_size",                         \
	  "Submissions committed per group-commit transaction.", "", SEAM_BUCKETS_BATCH)

/* Most series (distinct label value tuples) one metric keeps; updates that would create more
 * are dropped and counted in seam_metrics_series_dropped_total, so a label with unbounded
 * values cannot eat memory. */
#define SEAM_METRICS_MAX_SERIES 10000

typedef enum seam_metric_id_e {
#define SEAM__METRIC_ENUM(id, kind, name, help, labels, ...) SEAM_M_##id,
	SEAM_METRICS(SEAM__METRIC_ENUM)
#undef SEAM__METRIC_ENUM
	SEAM_M__COUNT
} seam_metric_id_e;

typedef struct seam_metrics seam_metrics_t;

/* Returns owned (free with seam_metrics_destroy), NULL on allocation failure. */
seam_metrics_t *seam_metrics_create(void);
void seam_metrics_destroy(seam_metrics_t *m);

/* m may be NULL in all updates (nothing happens): modules under test run without a registry.
 * labels: array of exactly as many strings as the metric declares (NULL when it has none);
 * borrowed, copied on first use of a series (a NULL value counts as "").
 * add: counters and gauges (a counter ignores negative and non-finite amounts);
 * set: gauges, and counters a collector copies from elsewhere; observe: histograms (NaN is
 * ignored). A call that does not fit the metric's kind does nothing. */
void seam_metric_add(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels, double v);
void seam_metric_set(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels, double v);
void seam_metric_observe(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels, double v);

/* Reads a series' value (counter/gauge) or a histogram's count; 0 when the series does not
 * exist. For tests. */
double seam_metric_get(seam_metrics_t *m, seam_metric_id_e id, const char *const *labels);

/* Drops every series of a gauge (collectors that re-set a labelled gauge from scratch call
 * this first so vanished label sets disappear). */
void seam_metric_reset(seam_metrics_t *m, seam_metric_id_e id);

/* Called at the start of each render with the registry; sets gauges. ud is borrowed. */
typedef void (*seam_metrics_collect_fn)(seam_metrics_t *m, void *ud);
/* Returns 0, SEAM_INVAL (err.h) for a NULL fn, or SEAM_NOMEM; m NULL: 0 (nothing kept). */
int seam_metrics_add_collector(seam_metrics_t *m, seam_metrics_collect_fn fn, void *ud);

/* Readers other than the exposition (the dashboard's overview, api/api_ops.h).
 *
 * seam_metrics_each visits every series of one metric: its label values (as many as the metric
 * declares; borrowed for the call) and its value (counter, gauge) or count (histogram), in no
 * particular order. It holds the metric's lock shared while it runs, so fn must not create a
 * series of that metric or reset it (reading it, or updating any series that exists, is fine).
 *
 * seam_metrics_read runs the collectors, then fn(m, ud), both under the render lock: what fn
 * reads (seam_metric_get, seam_metrics_each) is as current as a scrape, and no render resets a
 * collected gauge under it. fn must not render or call seam_metrics_read. m NULL: fn is still
 * called (it reads zeros and visits nothing).
 *
 * seam_metric_find: the id of the metric named name ("seam_queue_jobs"), or -1 when this build
 * declares none: for a reader that tolerates a metric another change adds. */
typedef void (*seam_metrics_series_fn)(const char *const *labels, size_t nlabels, double value,
				       void *ud);
void seam_metrics_each(seam_metrics_t *m, seam_metric_id_e id, seam_metrics_series_fn fn, void *ud);
void seam_metrics_read(seam_metrics_t *m, seam_metrics_collect_fn fn, void *ud);
int seam_metric_find(const char *name);

/* Prometheus text exposition of every metric (HELP and TYPE always, series sorted).
 * Returns owned NUL-terminated text (free with free()), *len set when len != NULL; NULL on
 * allocation failure; "" (owned) for a NULL registry. Must not be called from a collector. */
char *seam_metrics_render(seam_metrics_t *m, size_t *len);

/* The declared table, for docs and tests. */
typedef struct seam_metric_def {
	seam_metric_id_e id;
	seam_metric_kind_e kind;
	const char *name;
	const char *help;
	const char *labels;
	const double *buckets;
	size_t nbuckets;
} seam_metric_def_t;
const seam_metric_def_t *seam_metric_defs(size_t *n);

#endif
