/*
 * api_jobs.h: the operator HTTP API of the job queue, as a route table to mount in seam serve.
 *
 *   GET  /v1/jobs                          ops:read   ?flow&state&kind&correlation_id&since&until&store&before&limit&cursor
 *   GET  /v1/jobs/{id}                     ops:read   job with payload and attempts_log
 *   POST /v1/jobs/{id}/retry               ops:admin  dead/canceled -> queued (fresh budget); queued -> run now
 *                                                     (this and cancel, replay: Idempotency-Key required)
 *   POST /v1/jobs/{id}/cancel              ops:admin
 *   GET  /v1/dead-letters                  ops:read   ?flow&since&until&store&before&limit (since/until on death time)
 *   GET  /v1/dead-letters/{id}             ops:read
 *   POST /v1/dead-letters/{id}/replay      ops:admin
 *   POST /v1/dead-letters/replay           ops:admin  body {"flow"?, "since"?, "until"?} or {"all": true}
 *   GET  /v1/flows                         ops:read
 *   POST /v1/flows/{name}/pause            ops:admin
 *   POST /v1/flows/{name}/resume           ops:admin
 *
 * Every listed job names its store and order number when its flow can tell ("store",
 * "order_number", else null; flows/flow.h subject). ?store= keeps the jobs about that store:
 * the store is read from each job's payload, not a column, so the page is filtered as the jobs
 * are read, at most 5,000 of them per page; a page may come back short (or empty) with a next.
 * Lists answer {"items": [...], "next": <URL of the next page with its cursor, or null>,
 * "next_before": <id of the last item when the page was full, else null>} (the older form:
 * pass it back as ?before=), with a Link rel="next" header; an unknown query parameter is a
 * 400 (the resource layer, api/resource.h; cursor and before together too); single jobs and flows answer the
 * object itself (shapes in src/queue/queue_admin.h). Times in queries and bodies are what
 * `seam ctl --since` takes (one parser, seam_time_arg_parse): RFC 3339, "now", or a duration
 * ago ("2h"). Flow names are the registered flows (seam_api_t.flows, the registry the root
 * hands down). Errors are problem+json: 400 bad-request (bad filter, unknown flow in a
 * filter), 404 not-found (also an unknown flow in the path), 409 conflict (the job's state
 * does not allow the action), 422 invalid-body (a replay body that breaks
 * rest.dead-letter-replay@v1, names a flow that is not registered or a time seam cannot read:
 * `errors` [{pointer, keyword, detail}], api/api_contracts.h), 503 store-busy, 500 internal.
 *
 * Handlers take the seam_api_t (api/api.h) as user data and work on its queue (and wake its
 * dispatcher after retry/replay/resume so the work starts at once). They are listed in
 * api/routes.c. Thread-safety: handlers are reentrant.
 */
#ifndef SEAM_API_API_JOBS_H
#define SEAM_API_API_JOBS_H

#include <stddef.h>

#include "api/resource.h"
#include "http/server.h"

/* The two lists' query parameters and paging (api/resource.h). */
extern const seam_api_list_def_t seam_api_jobs_list_def;
extern const seam_api_list_def_t seam_api_dead_list_def;

void seam_api_jobs_list(seam_http_req_t *req, void *ud);
void seam_api_dead_list(seam_http_req_t *req, void *ud);
void seam_api_jobs_show(seam_http_req_t *req, void *ud);
void seam_api_dead_show(seam_http_req_t *req, void *ud);
void seam_api_jobs_retry(seam_http_req_t *req, void *ud);
void seam_api_jobs_cancel(seam_http_req_t *req, void *ud);
void seam_api_dead_replay(seam_http_req_t *req, void *ud);
void seam_api_dead_replay_many(seam_http_req_t *req, void *ud);
void seam_api_flows_list(seam_http_req_t *req, void *ud);
void seam_api_flows_pause(seam_http_req_t *req, void *ud);
void seam_api_flows_resume(seam_http_req_t *req, void *ud);

#endif
