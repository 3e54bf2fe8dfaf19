/*
 * classify.h: what one HTTP exchange with an upstream means for retrying: the HTTP status and
 * the libcurl result in, a retry class out. Used by the upstream client (client.c) for every
 * call and by the OAuth token fetcher (oauth.c) for token requests, so both judge an outage
 * the same way; it lives apart from both so that neither includes the other for it.
 *
 *   2xx, 304                                    SEAM_OK
 *   408, 425, 429, 5xx except 501 and 505       SEAM_RETRY
 *   other 1xx/3xx/4xx, 501, 505                 SEAM_PERMANENT
 *   curl: timeout                               SEAM_TIMEOUT (retryable)
 *   curl: connect/resolve/send/recv/empty reply SEAM_RETRY
 *   curl: bad URL, TLS certificate problems,    SEAM_PERMANENT
 *         our own body cap (write error)
 * A curl failure wins over a status seen before it (a 200 whose body broke off is a RETRY).
 * docs/upstreams.md has the table with what the breaker counts; client.h says why 500 is safe
 * to retry.
 *
 * The names keep the seam_upstream_ prefix they were declared with in client.h, which still
 * includes this header, so callers did not change.
 *
 * Thread-safety: pure functions.
 */
#ifndef SEAM_HTTP_CLASSIFY_H
#define SEAM_HTTP_CLASSIFY_H

#include "core/err.h"

/* Classifies an exchange: status is the HTTP status (0 for none), curl_code the CURLcode (0 when
 * the exchange completed). Returns SEAM_OK, SEAM_RETRY, SEAM_TIMEOUT or SEAM_PERMANENT. */
seam_err_t seam_upstream_classify(long status, int curl_code);

/* 1 for the codes a caller should try again later: RETRY, TIMEOUT, BUSY, OPEN_CIRCUIT. */
int seam_upstream_retryable(seam_err_t rc);

#endif
