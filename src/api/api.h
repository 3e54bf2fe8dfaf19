/*
 * api.h: the handlers of the built-in routes (health, readiness, metrics, keys) and the
 * auth hook that checks API keys against route scopes. Each handler receives the seam_app_t
 * as user data. Thread-safety: handlers are reentrant.
 */
#ifndef SEAM_API_API_H
#define SEAM_API_API_H

#include "http/server.h"

void seam_api_healthz(seam_http_req_t *req, void *ud);
void seam_api_readyz(seam_http_req_t *req, void *ud);
void seam_api_metrics(seam_http_req_t *req, void *ud);
void seam_api_root(seam_http_req_t *req, void *ud);
void seam_api_whoami(seam_http_req_t *req, void *ud);

/* seam_http_auth_fn for the app: Bearer API keys with scopes. */
int seam_api_auth(seam_http_req_t *req, const char *scope, void *ud);

#endif
