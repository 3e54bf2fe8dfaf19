/*
 * openapi.h: the OpenAPI 3.1 document of seam's HTTP API, generated at run time from the route
 * table and the contract registry (never written by hand), served at GET /openapi.json (open).
 *
 * From each seam_route_t row: the path (its `{name}` segments become required path
 * parameters), the method, an operationId made of both ("GET /v1/jobs/{id}" -> getJobsById),
 * the summary, a tag (the first segment after /v1: jobs, dead-letters, flows, ...; "service"
 * and "webhooks" outside /v1), the security (bearer with the route's scope as the OpenAPI 3.1
 * role name, and x-seam-scope; `[]` for open routes and the signed webhooks), the request body
 * (`request` contract) and the 200 body (`response` contract), and the problem+json answers that
 * apply, each a $ref to a shared response whose schema is rest.problem@v1:
 *
 *   every operation      400 (a malformed request), 500, 503 (draining, store busy)
 *   scope                401, and 403 unless any key will do
 *   {param} in the path  404
 *   a body (POST)        413; 422 with a request contract (the errors array)
 *   unsafe /v1 method    409 (the state does not allow it; an Idempotency-Key in flight)
 *
 * Schemas: every contract a route names, and every contract those $ref, is copied into
 * components/schemas under its ref with "@" as "." ("rest.job@v1" -> "rest.job.v1"), so the
 * document stands alone (a linter or client generator resolves everything without fetching or
 * a key). In the copy $schema and $id are dropped and every $ref is rewritten from the
 * registry's URIs to the component: "job.schema.json" -> "#/components/schemas/rest.job.v1",
 * "#/$defs/attempt" -> "#/components/schemas/rest.job.v1/$defs/attempt", "#name" (an $anchor)
 * -> the pointer of that anchor; x-seam-contract names the contract, whose own document stays
 * at /v1/contracts/{name}/{version}. OpenAPI 3.1 schemas are JSON Schema 2020-12, so nothing
 * else changes.
 *
 * What the route table does not say (the media types of the few answers that are not JSON
 * contracts; the GET routes with an ETag, which get If-None-Match and 304) is two small tables
 * in openapi.c. Thread-safety: reentrant.
 */
#ifndef SEAM_API_OPENAPI_H
#define SEAM_API_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

#include "contract/registry.h"
#include "core/err.h"
#include "http/server.h"

/* The document for routes[0..n) over reg. Returns owned, or NULL with err (a route naming a
 * contract reg lacks, a $ref that names no contract or anchor). version: info.version. */
json_t *seam_openapi_build(const seam_route_t *routes, size_t n, const seam_contracts_t *reg,
			   const char *version, seam_error_t *err);

/* "rest.job@v1" -> "rest.job.v1" into out (cap bytes). */
void seam_openapi_component_name(const char *ref, char *out, size_t cap);

/* GET /openapi.json over seam_api_routes() and the seam_api_t's registry. */
void seam_api_openapi(seam_http_req_t *req, void *ud);

#endif
