/*
 * erp_int.h: what the files of the Business Central double (sim/erp/) share, and nobody else:
 * the double's struct, the record helpers and the functions one file calls in another
 * (seam__sim_erp_*). The API is sim/sim_erp.h. The files:
 *
 *   odata.c      records as BC prints them (etag, version bump, private keys dropped), errors,
 *                the $filter parser, paths, If-Match, lists with server-driven paging
 *   api.c        OAuth2 client credentials, the bearer check, the /api/v2.0 dispatch, items
 *   orders.c     sales orders and lines
 *   prices.c     sales prices (BC's Sales Price table as a custom API page): seed, API, control
 *   control.c    the control API for items (/_sim/erp/items: set, churn, force, burst), stats,
 *                and /_sim/erp/inbox, a subscriber to try the webhooks without seam
 *   subs.c       webhook subscriptions: the API, the validation handshake, their control API
 *   notify.c     notifications: change windows per notificationUrl, coalescing, the
 *                "collection" overflow, sending through sim_send and what the answers do
 *   lifecycle.c  the route table, seeding, config, create, reset, destroy
 *
 * Storage: records are the JSON BC prints plus private keys starting with '_' ("_version",
 * "_ms" = lastModifiedDateTime in Unix ms), which seam__sim_erp_out() drops. Amounts are JSON
 * numbers that are always the exact image of a decimal (computed in integers at scale PS or
 * AS, converted once), unless a test forced another value into an item (control.c).
 *
 * Time: a change gets lastModifiedDateTime = max(now, the last time the double gave + 1 ms),
 * so times never go back and a poller that asks for "gt the newest time I saw" misses nothing;
 * a burst (control.c) gives the changes of one request times from one base, strictly
 * increasing per record.
 *
 * Subscriptions and notifications (Business Central's webhooks, as Microsoft documents them):
 * every change of an item or sales price is offered to the subscriptions on that resource
 * (items are shared by the companies, so an item change reaches the items subscriptions of
 * every company; sales prices belong to one company). A change opens a window for the
 * subscription's notificationUrl if none is open; the window closes notify_delay after its
 * first change, and then one POST carries the notifications of every subscription on that
 * URL: one per changed record (the record's last change type and time in the window), or,
 * when more than notify_max records changed in the window, one "collection" per subscription.
 * The notifier thread closes windows; POST /_sim/erp/notifications/flush closes them at once.
 *
 * Locking: every handler runs under the double's mutex (e->mu), except that the subscription
 * handlers let go of it for the handshake (an HTTP call to the subscriber, which may be slow
 * or may call the double back) and re-check what they found afterwards. sim_send's workers
 * call notify.c back without the sender's lock; the callback takes e->mu. Order: e->mu, then
 * the sender's lock (sending under e->mu is allowed), never the reverse.
 */
#ifndef SEAM_SIM_ERP_ERP_INT_H
#define SEAM_SIM_ERP_ERP_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/log.h"
#include "sim/sim_core.h"
#include "sim/sim_erp.h"
#include "sim/sim_rng.h"
#include "sim/sim_send.h"

#define PS 5 /* price and quantity scale */
#define AS 2 /* amount scale (LCY rounding) */

/* One company: its own sales orders, in its own currency. */
typedef struct company {
	char id[37];
	char *cfg_id;   /* configured id, or NULL: drawn from the seed */
	char *name;
	char *currency;
	json_t *orders; /* array; each with salesOrderLines inside */
	json_t *prices; /* array of sales prices (prices.c) */
} company_t;

typedef enum erp_res_e { ERP_RES_ITEMS = 0, ERP_RES_PRICES } erp_res_e;

#define ERP_MAX_SUBS 200      /* subscriptions the double keeps */
#define ERP_CLIENT_STATE 2048 /* clientState's maximum length */

/* A webhook subscription (subs.c) and what its open notification window holds (notify.c). */
typedef struct erp_sub {
	char id[33]; /* 32 lower-case hex digits, as BC prints subscriptionId */
	char *url, *resource, *client_state;
	size_t company; /* index into e->companies */
	erp_res_e kind;
	int64_t version;
	int64_t modified_ms, expires_ms;
	/* the open window: record id -> [changeType, ms of its last change] */
	json_t *pending;
	int64_t w_changes, w_first_ms, w_last_ms;
	int collection; /* the window passed notify_max: one "collection" notification */
	/* counters for GET /_sim/erp/subscriptions */
	int64_t changes, queued, sent, lost, duplicated, failed, rejected;
} erp_sub_t;

/* An open window of one notificationUrl. */
typedef struct erp_window {
	char *url;
	int64_t due_ms;  /* monotonic: when it closes */
	size_t entries;  /* (subscription, record) pairs waiting */
} erp_window_t;

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
	int64_t hw_ms;     /* the newest lastModifiedDateTime given (see Time above) */
	/* sales prices (prices.c): seeded when prices_on */
	int prices_on;
	char **price_currencies, **price_groups;
	size_t ncurrencies, ngroups;
	int64_t break_qty;
	/* subscriptions and notifications (subs.c, notify.c) */
	int64_t sub_ttl_ms, handshake_ms, notify_delay_ms, notify_max;
	char user_id[37];
	erp_sub_t *subs[ERP_MAX_SUBS];
	size_t nsubs;
	erp_window_t *wins;
	size_t nwins, capwins;
	json_t *removed;   /* the last subscriptions removed: [{subscriptionId, reason, ...}] */
	json_t *inbox;     /* what /_sim/erp/inbox received (control.c), the last INBOX_KEEP */
	int64_t inbox_seq, inbox_handshakes;
	int64_t bodies, next_body;
	seam_sim_sender_t *sender;
	seam_sim_exchange_fn exchange;
	void *xctx;
	seam_log_t *log;
	pthread_t notifier;
	pthread_cond_t wake;
	int notifier_on, stopping;
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
/* W/"base64('<version>;<key>')" into out. */
void seam__sim_erp_etag_of(int64_t version, const char *key, char out[200]);
/* The next change time (see Time above): max(now, e->hw_ms + 1, the record's + 1). */
int64_t seam__sim_erp_next_ms(seam_sim_erp_t *e, const json_t *rec);
/* Sets lastModifiedDateTime (and "_ms") to ms, adds n to the version, new etag. */
void seam__sim_erp_stamp(seam_sim_erp_t *e, json_t *rec, int64_t ms, int64_t n);
/* A change now: stamp(next_ms, 1). Returns the time given. */
int64_t seam__sim_erp_bump(seam_sim_erp_t *e, json_t *rec);
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

/* ---- prices.c ---- */

/* Seeds co->prices from the items (deterministic: its own rng stream). */
void seam__sim_erp_prices_seed(seam_sim_erp_t *e, company_t *co, size_t ci);
/* /salesPrices[({id})] of one company. Lock held. */
void seam__sim_erp_prices(seam_sim_erp_t *e, company_t *co, seam_sim_call_t *c, const seg_t *segs,
			  int n);
void seam__sim_erp_h_prices(seam_sim_call_t *c, void *ctx);

/* ---- control.c ---- */

void seam__sim_erp_h_items(seam_sim_call_t *c, void *ctx);
void seam__sim_erp_h_stats(seam_sim_call_t *c, void *ctx);
/* A subscriber to try the webhooks by hand: POST answers the handshake and keeps what it
 * gets; GET lists it. */
void seam__sim_erp_h_inbox_post(seam_sim_call_t *c, void *ctx);
void seam__sim_erp_h_inbox_get(seam_sim_call_t *c, void *ctx);

/* ---- subs.c ---- */

/* /api/v2.0/subscriptions[('<id>')]: the caller is authenticated and does NOT hold e->mu. */
void seam__sim_erp_subscriptions(seam_sim_erp_t *e, seam_sim_call_t *c, const seg_t *segs,
				 int n);
erp_sub_t *seam__sim_erp_sub_find(seam_sim_erp_t *e, const char *id);
/* Removes and frees subscription i, remembering why (e->removed). Lock held. */
void seam__sim_erp_sub_remove(seam_sim_erp_t *e, size_t i, const char *reason, int status);
/* Removes the expired subscriptions. Lock held. */
void seam__sim_erp_subs_purge(seam_sim_erp_t *e);
void seam__sim_erp_subs_clear(seam_sim_erp_t *e);
void seam__sim_erp_h_subs(seam_sim_call_t *c, void *ctx);
void seam__sim_erp_h_subs_expire(seam_sim_call_t *c, void *ctx);

/* ---- notify.c ---- */

/* A record changed: offers it to the subscriptions on kind (company: its index; items reach
 * every company). id: the record's id; type: "created", "updated", "deleted"; n: changes it
 * stands for (a burst folds one record's changes into one call); first_ms, last_ms: the
 * times of the first and the last of them. Lock held. */
void seam__sim_erp_changed(seam_sim_erp_t *e, erp_res_e kind, size_t company, const char *id,
			   const char *type, int64_t n, int64_t first_ms, int64_t last_ms);
/* Forgets the open window state of a subscription (it is removed or renewed). Lock held. */
void seam__sim_erp_sub_forget(seam_sim_erp_t *e, erp_sub_t *s);
/* The notificationUrl of s changed while it had changes waiting: opens a window there. */
void seam__sim_erp_window_open(seam_sim_erp_t *e, const char *url);
/* Starts and stops the notifier thread. */
int seam__sim_erp_notifier_start(seam_sim_erp_t *e);
void seam__sim_erp_notifier_stop(seam_sim_erp_t *e);
void seam__sim_erp_windows_clear(seam_sim_erp_t *e);
/* POST /_sim/erp/notifications/flush: closes every open window now. */
void seam__sim_erp_h_flush(seam_sim_call_t *c, void *ctx);

#endif
