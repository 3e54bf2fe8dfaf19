/*
 * api_ops.h: the operator dashboard at /ops/ (docs/dashboard.md): its files, its sessions over
 * HTTP. (The cookie's half of the auth hook is seam_api_auth's, api.c.)
 *
 *   GET  /ops/<file>         open   the dashboard's files, embedded from ops/ (index.html at
 *                                   /ops/; /ops itself is 308 to /ops/), and Chart.js at
 *                                   /ops/vendor/chart.js, read from ops.chartjs (Debian's
 *                                   libjs-chart.js; never copied into the tree). No data is
 *                                   in them: the pages ask /v1 for it.
 *   POST /ops/login          open   {"key": "..."} (JSON) or key=... (a form): a key that is
 *                                   valid and holds ops:read gets a session cookie and the
 *                                   session ({key, scopes, can_act, csrf_token, expires_at});
 *                                   401 for a wrong key, 403 for one without ops:read
 *   POST /ops/logout         open   ends the cookie's session, clears the cookie
 *   GET  /ops/session        ops:read  who the session acts as, what it may do, its CSRF token
 *
 * The security model:
 *   - The browser never keeps the key. The session id is in the cookie `seam_ops`: HttpOnly (no
 *     script reads it), SameSite=Strict (no other site's page sends it), Path=/ (it opens /v1
 *     too), Max-Age = ops.session_ttl, Secure when ops.cookie_secure. Sessions and their rules
 *     are auth/sessions.h's: the session acts as its key with the key's scopes of the moment.
 *   - seam_api_auth (api.c) takes a request that has no Authorization header but has the
 *     cookie as the session's: 401 (answered here, "log in again") for an unknown or
 *     expired session, 403 for a scope the key lacks, and for POST, PUT, PATCH and DELETE the
 *     header X-CSRF-Token must equal the session's token (constant-time compare), else 403
 *     csrf-token-invalid. A request with Authorization is a plain API call: the cookie is not
 *     looked at.
 *   - Every /ops answer carries Content-Security-Policy (default-src 'none'; scripts, styles,
 *     images, fetches from seam itself only; no inline script or style; no framing, no <base>),
 *     X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer, X-Frame-Options: DENY;
 *     HTML and JSON Cache-Control: no-store, the files no-cache with an ETag (304).
 *
 * Handlers take the seam_api_t (api/api.h): its store, log and `ops` config (NULL: the
 * defaults). Thread-safety: reentrant.
 */
#ifndef SEAM_API_API_OPS_H
#define SEAM_API_API_OPS_H

#include "http/server.h"

void seam_api_ops_file(seam_http_req_t *req, void *ud);
void seam_api_ops_login(seam_http_req_t *req, void *ud);
void seam_api_ops_logout(seam_http_req_t *req, void *ud);
void seam_api_ops_session(seam_http_req_t *req, void *ud);

#endif
