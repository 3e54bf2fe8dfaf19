/*
 * api_trace.h: GET /v1/trace/{id} (ops:read, rest.trace@v1): what `seam ctl trace <id> --json`
 * shows, for whatever the id names: an order number or uuid, a PSP payment id, a provider event
 * id, a SKU or PIM product, a correlation id (flows/trace.h, seam_trace_lookup: one resolution
 * order for both). "found_by" says what the id was taken for. 404 when seam knows nothing of
 * it. The dashboard's search box asks this. Thread-safety: reentrant.
 */
#ifndef SEAM_API_API_TRACE_H
#define SEAM_API_API_TRACE_H

#include "http/server.h"

void seam_api_trace(seam_http_req_t *req, void *ud);

#endif
