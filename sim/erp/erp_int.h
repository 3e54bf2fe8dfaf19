/*
 * erp_int.h: what the files of the Business Central double (sim/erp/) share, and nobody else:
 * the double's struct, the record helpers and the functions one file calls in another
 * (seam__sim_erp_*). The API is sim/sim_erp.h. The files were the sections of one sim_erp.c:
 *
 *   odata.c      records as BC prints them (etag, version bump, private keys dropped), errors,
 *                the $filter parser, paths, If-Match, lists with server-driven paging
 *   api.c        OAuth2 client credentials, the bearer check, the /api/v2.0 dispatch, items
 *   orders.c     sales orders and lines
 *   control.c    the control API (/_sim/erp/items, /_sim/erp/stats)
 *   lifecycle.c  the route table, seeding, config, create, reset, destroy
 *
 * Storage: records are the JSON BC prints plus private keys starting with '_' ("_version"),
 * which seam__sim_erp_out() drops. Amounts are JSON numbers that are always the exact image of
 * a decimal (computed in integers at scale PS or AS, converted once).
 *
 * Thread-safety: every handler runs under the double's mutex (e->mu).
 */
#ifndef SEAM_SIM_ERP_ERP_INT_H
#define SEAM_SIM_ERP_ERP_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sim/sim_core.h"
#include "sim/sim_erp.h"
#include "sim/sim_rng.h"

#define PS 5 /* price and quantity scale */
#define AS 2 /* amount scale (LCY rounding) */

/* One company: its own sales orders, in its own currency. */
typedef struct company {
	char id[37];
	char *cfg_id;   /* configured id, or NULL: drawn from the seed */
	char *name;
	char *currency;
	json_t *orders; /* array; each with salesOrderLines inside */
} company_t;

struct seam_sim_erp {
	pthread_mutex_t mu;
	uint64_t seed;
	seam_sim_rng_t rng;
	char *client_id, *client_secret, *tenant;
	int64_t token_ttl_ms;
	int64_t n_items, n_customers, page_size;
	int unique_ext;
	char *currency, *number_prefix;
	int64_t next_number;
	company_t *companies; /* at least one; items and customers are shared by all */
	size_t ncompanies;
	int64_t epoch_ms;
	json_t *tokens;    /* token -> expiry ms */
	json_t *customers; /* array */
	json_t *items;     /* array */
};

/* One segment of an API path: "salesOrders(<key>)"; a quoted key ('x') is unquoted. */
typedef struct seg {
	char name[48];
	char key[80];
	int has_key;
} seg_t;

/* ---- odata.c ---- */

void seam__sim_erp_now_iso(char out[25]);
json_t *seam__sim_erp_dec(int64_t v, int scale);   /* new reference: the decimal as a number */
int64_t seam__sim_erp_num(const json_t *v, int scale); /* a JSON number at scale; else 0 */
/* BC's {"error": {"code", "message"}} with a CorrelationId in the message. */
void seam__sim_erp_error(seam_sim_erp_t *e, seam_sim_call_t *c, int status, const char *code,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void seam__sim_erp_etag(json_t *rec);
/* Version + 1, lastModifiedDateTime = now, new etag. */
void seam__sim_erp_bump(json_t *rec);
/* Output copy (new reference): private keys dropped, lines only when expand is set. */
json_t *seam__sim_erp_out(const json_t *rec, int expand);
/* The first record whose string key equals val (case-insensitive); borrowed. */
json_t *seam__sim_erp_find(json_t *arr, const char *key, const char *val);
/* Splits the part after /api/v2.0 into segs; returns their number, -1 when malformed. */
int seam__sim_erp_split_path(const char *path, seg_t *segs, int max);
/* If-Match check: 0 ok, -1 after answering (400 without, 412 on a stale etag). */
int seam__sim_erp_if_match(seam_sim_erp_t *e, seam_sim_call_t *c, const json_t *rec);
/* A list answer with $filter, $expand (when expand_ok), $top, $skip, $orderby and paging. */
void seam__sim_erp_list(seam_sim_erp_t *e, seam_sim_call_t *c, json_t *arr, const char *what,
			int expand_ok);
void seam__sim_erp_single(seam_sim_call_t *c, seam_sim_erp_t *e, const json_t *rec,
			  const char *what, int expand);

/* ---- api.c ---- */

void seam__sim_erp_h_token(seam_sim_call_t *c, void *ctx);
void seam__sim_erp_h_api(seam_sim_call_t *c, void *ctx);

/* ---- orders.c ---- */

void seam__sim_erp_order_recompute(json_t *o);
/* /salesOrders... of one company (segs[1] onwards). Lock held. */
void seam__sim_erp_orders(seam_sim_erp_t *e, company_t *co, seam_sim_call_t *c, const seg_t *segs,
			  int n, json_t *in);

/* ---- control.c ---- */

void seam__sim_erp_h_items(seam_sim_call_t *c, void *ctx);
void seam__sim_erp_h_stats(seam_sim_call_t *c, void *ctx);

#endif
