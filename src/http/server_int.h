/*
 * server_int.h: declarations inside the HTTP layer that are not public API.
 */
#ifndef SEAM_HTTP_SERVER_INT_H
#define SEAM_HTTP_SERVER_INT_H

#include "http/server.h"

/* Serves an already connected socket (takes ownership of fd) as if it had been accepted, with
 * remote address "-" and no per-IP accounting. For the fuzz target, which feeds bytes through
 * the real request path over a socketpair. */
void seam__http_adopt(seam_http_server_t *srv, int fd);

#endif
