/*
 * api_ops_overview.h: GET /v1/ops/overview (ops:read, rest.ops-overview@v1), the numbers of the
 * dashboard's first page, and the short history it charts.
 *
 * Where each number comes from (nothing is counted twice: the store and the metrics registry
 * that GET /v1/flows and GET /metrics read):
 *   flows[]      paused, queued, running, dead, oldest_runnable_age_s: the store, as GET
 *                /v1/flows (queue_admin); succeeded[] and failed[] per minute: the history.
 *   upstreams[]  breaker: the upstream's circuit breaker now, as GET /readyz; requests[] and
 *                errors[] per minute: the history.
 *   stores[]     catalog_sync_lag_s, stock_staleness_s, price_staleness_s, export_backlog,
 *                export_oldest_age_s: the gauges seam_catalog_sync_lag_seconds,
 *                seam_stock_staleness_seconds{kind=stock|price}, seam_order_export_backlog and
 *                seam_order_export_oldest_age_seconds, collected as a scrape collects them
 *                (seam_metrics_read); null where the store's flow keeps no such gauge.
 *   drift        reconciliation's drift by store and kind: the gauge seam_reconcile_drift, read
 *                by name; {"available": false} while this build has no such metric.
 *
 * The history. The per-minute series are differences of counters in the registry, sampled at
 * each minute's start by a thread (seam_ops_history_start): seam_queue_attempts_total{flow,
 * outcome} (succeeded; failed = retry + dead + lease_expired; deferred, an open breaker's
 * wait, is neither) and seam_upstream_requests_total{upstream, method, status} (requests:
 * every one; errors: 5xx, 429, error and timeout, i.e. no answer). So they are the numbers
 * Prometheus sees, derived, not counted again: they cover this process's life only (null
 * before it started, or where a sample is missing), the last 60 minutes, the current minute so
 * far last. seam runs one instance per store (SQLite), so the process's counters are all of
 * its work. The store cannot give completions per minute without reading every job or an
 * index that every completion would have to write (docs/performance.md), which is why the
 * history is the registry's.
 *
 * Thread-safety: the history's functions may be called from any thread; the sampler and the
 * handlers share it under a mutex.
 */
#ifndef SEAM_API_API_OPS_OVERVIEW_H
#define SEAM_API_API_OPS_OVERVIEW_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/metrics.h"
#include "http/server.h"

#define SEAM_OPS_HISTORY_MINUTES 60

typedef struct seam_ops_history seam_ops_history_t;

/* A history over the registry m (borrowed, outlives it). Returns owned (destroy), NULL when out
 * of memory. Nothing is sampled until seam_ops_history_sample or _start. */
seam_ops_history_t *seam_ops_history_create(seam_metrics_t *m);
/* Starts the sampler thread: a sample now, then one at the start of each minute (wall clock).
 * SEAM_OK, or SEAM_ERR when the thread cannot start (err says so). */
seam_err_t seam_ops_history_start(seam_ops_history_t *h, seam_error_t *err);
/* Stops and joins the sampler (when started). NULL fine. */
void seam_ops_history_stop(seam_ops_history_t *h);
/* Stops, then frees. NULL fine. */
void seam_ops_history_destroy(seam_ops_history_t *h);

/* Takes a sample at now_ms: the counters as they are, for the minute now_ms falls in (the first
 * sample of a minute is kept; later ones in the same minute change nothing). What the thread
 * calls; tests call it with a clock of their own. */
void seam_ops_history_sample(seam_ops_history_t *h, int64_t now_ms);

/* The series at now_ms (the counters' live values close the current minute): sets on out
 * "minutes" (SEAM_OPS_HISTORY_MINUTES RFC 3339 minute starts, oldest first), "history_since"
 * (the first sample, or null) and "flows" / "upstreams": objects by name of {"succeeded",
 * "failed"} / {"requests", "errors"}, each an array of counts per minute (null where unknown).
 * h NULL: no series, every minute null. */
void seam_ops_history_series(seam_ops_history_t *h, int64_t now_ms, json_t *out);

/* GET /v1/ops/overview; ud is the seam_api_t (its ops_history may be NULL). */
void seam_api_ops_overview(seam_http_req_t *req, void *ud);

#endif
