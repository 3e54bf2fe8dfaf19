/*
 * erp_stock.h: what the prices-and-stock flow reads from a Business Central-like ERP (API v2.0,
 * as the ERP double sim/sim_erp.h plays it), and the ERP's webhook notifications:
 *
 *   reads          companies({company})/items (inventory, unitPrice) and
 *                  companies({company})/salesPrices (Business Central's Sales Price table as a
 *                  custom API page: itemNumber, salesType, salesCode, currencyCode, startingDate,
 *                  endingDate, minimumQuantity, unitPrice), one record by id or a page of those
 *                  changed after a time ($filter=lastModifiedDateTime gt ..., server-driven
 *                  paging through @odata.nextLink);
 *   subscriptions  POST /subscriptions {notificationUrl, resource, clientState} (the ERP then
 *                  calls notificationUrl?validationToken=... and the subscription exists only if
 *                  seam echoes the token: api/webhooks.c), PATCH /subscriptions('<id>') to renew
 *                  (the same handshake), GET and DELETE;
 *   notifications  {"value": [{subscriptionId, clientState, expirationDateTime, resource,
 *                  changeType, lastModifiedDateTime}]}: no values, only which record changed
 *                  (or, changeType "collection", a filter naming many). Authentic when every
 *                  item carries a clientState seam gave (compared in constant time), split into
 *                  one event per item.
 *
 * Decimals. BC answers numbers as JSON numbers; seam_erp_decimal turns one into the decimal
 * text it was written as (the shortest text that reads back as the same double, which is the
 * original for every decimal of up to 15 significant digits: BC's quantities and prices have
 * at most 5 decimals), or refuses what is no finite number.
 *
 * Results as erp.h: SEAM_NOTFOUND for a record that is gone (404), SEAM_RETRY/SEAM_TIMEOUT for
 * what may pass, SEAM_PERMANENT for refusals, SEAM_UPSTREAM for a 2xx without what was asked.
 * Ownership: arguments borrowed; json_t results are new references owned by the caller.
 * Thread-safety: reentrant.
 */
#ifndef SEAM_CONNECTORS_ERP_STOCK_H
#define SEAM_CONNECTORS_ERP_STOCK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/erp.h"
#include "connectors/webhook_sig.h"
#include "core/err.h"
#include "http/client.h"

#define SEAM_ERP_DECIMAL_MAX 48

/* The resources the flow reads. */
typedef enum seam_erp_resource_e {
	SEAM_ERP_ITEMS = 0,
	SEAM_ERP_SALES_PRICES,
} seam_erp_resource_e;

/* "items", "salesPrices". */
const char *seam_erp_resource_name(seam_erp_resource_e r);

/*
 * One page of companies({company})/<resource>. First page: next NULL, with
 * $filter=lastModifiedDateTime gt <modified_after> when modified_after (RFC 3339) is given and
 * $orderby=lastModifiedDateTime; later pages: next is the previous page's *next_out.
 * *values gets the page's records (an array, owned); *next_out the next page's link (malloc'd)
 * or NULL on the last page.
 */
seam_err_t seam_erp_list_page(seam_upstream_t *u, const char *cid, const char *company,
			      seam_erp_resource_e r, const char *modified_after, const char *next,
			      json_t **values, char **next_out, seam_erp_outcome_t *oc,
			      seam_error_t *err);

/* GET companies({company})/<resource>({id}). SEAM_NOTFOUND when it is gone. */
seam_err_t seam_erp_get_record(seam_upstream_t *u, const char *cid, const char *company,
			       seam_erp_resource_e r, const char *id, json_t **rec,
			       seam_erp_outcome_t *oc, seam_error_t *err);

/* The subscription resource path of a company's resource, as BC wants it in "resource":
 * "<base path>/companies(<company>)/<resource>" where base path is the upstream's base URL
 * path ("/api/v2.0"). Returns out, or NULL when it does not fit. */
char *seam_erp_resource_path(seam_upstream_t *u, const char *company, seam_erp_resource_e r,
			     char *out, size_t cap);

/* POST /subscriptions. *sub gets BC's answer (subscriptionId, expirationDateTime, @odata.etag).
 * A failed handshake is BC's error (SEAM_PERMANENT with its message). */
seam_err_t seam_erp_subscribe(seam_upstream_t *u, const char *cid, const char *notification_url,
			      const char *resource, const char *client_state, json_t **sub,
			      seam_erp_outcome_t *oc, seam_error_t *err);
/* PATCH /subscriptions('<id>') with If-Match etag (NULL: "*"): renews it (new
 * expirationDateTime). SEAM_NOTFOUND when the ERP no longer has it (subscribe again). */
seam_err_t seam_erp_renew(seam_upstream_t *u, const char *cid, const char *id, const char *etag,
			  const char *notification_url, const char *resource,
			  const char *client_state, json_t **sub, seam_erp_outcome_t *oc,
			  seam_error_t *err);
/* GET /subscriptions: *list gets the value array. */
seam_err_t seam_erp_subscriptions(seam_upstream_t *u, const char *cid, json_t **list,
				  seam_erp_outcome_t *oc, seam_error_t *err);
/* DELETE /subscriptions('<id>'); a 404 is success. */
seam_err_t seam_erp_unsubscribe(seam_upstream_t *u, const char *cid, const char *id,
				const char *etag, seam_erp_outcome_t *oc, seam_error_t *err);

/* ---- notifications (the provider row "erp", flows/providers.c) ---- */

/* Every item of value carries a clientState equal to one of the secrets (constant time).
 * A body without a value array is malformed_payload; a wrong or missing clientState is
 * bad_signature. */
seam_err_t seam_erp_notification_verify(const json_t *doc, const char *const *secrets,
					size_t nsecrets, seam_webhook_sig_t *out,
					seam_error_t *err);
/* One event per item; its id "<subscriptionId>|<resource>|<lastModifiedDateTime>|<changeType>"
 * (an id longer than SEAM_WEBHOOK_ID_MAX is hashed), its type the changeType; the item's
 * compact JSON is the event's body. */
seam_err_t seam_erp_notification_split(const seam_webhook_delivery_t *d, const json_t *doc,
				       seam_webhook_events_t *out, seam_error_t *err);

/* A notification's resource, understood: which company, which resource, and either the one
 * record's id or (changeType collection) the time of the filter. */
typedef struct seam_erp_notice {
	char company[64];
	seam_erp_resource_e resource;
	char id[64];        /* "" for a collection */
	char since[40];     /* collection: the lastModifiedDateTime of its filter; else "" */
} seam_erp_notice_t;

/* Parses "api/v2.0/companies(<c>)/items(<id>)" (leading slash, absolute URL, other base paths
 * allowed) or ".../items?$filter=lastModifiedDateTime gt <t>" (percent-encoded or not).
 * 0 on success, -1 for a resource seam does not read. */
int seam_erp_notice_parse(const char *resource, seam_erp_notice_t *out);

/* The decimal text of a JSON number (or of a decimal string) into out: 0, or -1 when v is no
 * finite number or does not fit. */
int seam_erp_decimal(const json_t *v, char *out, size_t cap);

/* An RFC 3339 time (BC's lastModifiedDateTime, with or without fraction, Z or offset) as Unix
 * milliseconds, or -1 (also for a time before 1970: BC's 0001-01-01 means none). */
int64_t seam_erp_time_ms(const char *s);

#endif
