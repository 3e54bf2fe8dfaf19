/*
 * api_tax.h: POST /v1/tax/quote (api_tax.c): the tax flow's quote over REST v1, scope tax:quote.
 * The handler takes the seam_api_t as ud.
 */
#ifndef SEAM_API_API_TAX_H
#define SEAM_API_API_TAX_H

#include "http/server.h"

void seam_api_tax_quote(seam_http_req_t *req, void *ud);

#endif
