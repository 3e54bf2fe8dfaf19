/*
 * api_contracts.h: REST on the contracts. Request bodies are checked against the route's
 * `request` contract before the handler runs; the registry is readable at /v1/contracts.
 *
 * Validation: seam_api_before is the server's before hook (http/server.h), run after auth.
 * For a route whose `request` names a contract (api/routes.c), it parses the body (400 bad-json
 * as before when it is not JSON) and validates it with the contract's asserted formats; a body
 * that breaks it gets 422 problem+json, type invalid-body, with
 *
 *   "contract": "rest.dead-letter-replay@v1",
 *   "errors": [{"pointer": "/since", "keyword": "type", "detail": "..."}, ...]
 *
 * (contract/registry.h seam_contract_errors_public; every error up to the validator's cap) and
 * the handler never runs. Routes with SEAM_ROUTE_RAW_BODY (the webhooks) are skipped: their
 * `request` documents the body, and the handler validates it itself, after the signature. A
 * route that names a contract the registry lacks answers 500 (fail closed; a unit test keeps the
 * route table and the registry in step). Checks a schema cannot express (a flow that is not
 * registered, a time seam cannot read) stay in the handlers, after the contract, and answer the
 * same 422 shape through seam_api_invalid_body with an `x-seam-` keyword the contract carries as
 * an annotation (`"x-seam-flow": true`), so a client sees one error shape for every bad body.
 *
 *   GET /v1/contracts                   any key   {"items": [{name, version, ref, path, owner,
 *                                                  description, compatibility, transitive,
 *                                                  formats, enforced, latest, links}]}
 *   GET /v1/contracts/{name}/{version}  any key   the schema document itself (version "v1" or
 *                                                  "1"), application/schema+json, with a strong
 *                                                  ETag; If-None-Match answers 304
 *
 * The registry is the one the root opened (seam_api_t.contracts), immutable while serving.
 * Thread-safety: everything is reentrant.
 */
#ifndef SEAM_API_API_CONTRACTS_H
#define SEAM_API_API_CONTRACTS_H

#include <jansson.h>

#include "http/server.h"

/* seam_http_before_fn for seam serve; ud is the seam_api_t. */
int seam_api_before(seam_http_req_t *req, const seam_route_t *route, void *ud);

/* Answers 422 invalid-body naming contract (may be NULL) with errors, an array of
 * {pointer, keyword, detail} (STOLEN); the detail joins the first few for people. */
void seam_api_invalid_body(seam_http_req_t *req, const char *contract, json_t *errors);

void seam_api_contracts_list(seam_http_req_t *req, void *ud);
void seam_api_contracts_show(seam_http_req_t *req, void *ud);

#endif
