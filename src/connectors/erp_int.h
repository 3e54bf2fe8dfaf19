/*
 * erp_int.h: what the ERP connector's files share (erp.c: sales orders and the exchange;
 * erp_stock.c: items, sales prices, subscriptions). Nothing outside connectors/erp*.c
 * includes it.
 */
#ifndef SEAM_CONNECTORS_ERP_INT_H
#define SEAM_CONNECTORS_ERP_INT_H

#include <jansson.h>

#include "connectors/erp.h"

enum {
	SEAM__ERP_NOTFOUND_IS_NOTFOUND = 0x1, /* 404 -> SEAM_NOTFOUND (a single record) */
};

typedef struct seam__erp_req {
	const char *method;
	const char *path;     /* may carry the OData query, already encoded; or an absolute URL
			       * on the upstream's origin (a nextLink) */
	const char *body;     /* JSON text or NULL */
	const char *if_match; /* or NULL */
	unsigned how;
} seam__erp_req_t;

void seam__erp_outcome_clear(seam_erp_outcome_t *oc);

/* Normalises a decimal string into out ("-?digits[.digits]", redundant leading zeros dropped,
 * so the text is a valid JSON number). 0 on success, -1 when s is no decimal or does not fit. */
int seam__erp_decimal_text(const char *s, char *out, size_t cap);

/* One exchange. On SEAM_OK *doc is the parsed answer (owned; NULL for an empty body such as
 * a 204). Otherwise err has the message (BC's error code and message) and oc the code. */
seam_err_t seam__erp_exchange(seam_upstream_t *u, const char *cid, const seam__erp_req_t *r,
			      json_t **doc, seam_erp_outcome_t *oc, seam_error_t *err);

#endif
