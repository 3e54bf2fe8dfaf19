/*
 * drupal_int.h: what the files of the Drupal Commerce connector share (jsonapi.c, orders.c,
 * stores.c, payments.c, products.c, events.c) and nobody else. The public API is drupal.h.
 *
 * A call is: check the arguments with these helpers (nothing is sent for bad ones), build the
 * path and body, one seam__drupal_exchange (several for listings), then read the document or
 * return the (code, message) the exchange wrote. Thread-safety: reentrant; no state.
 */
#ifndef SEAM_CONNECTORS_DRUPAL_DRUPAL_INT_H
#define SEAM_CONNECTORS_DRUPAL_DRUPAL_INT_H

#include "connectors/drupal/drupal.h"

/* ---- small checks ---- */

/* A path segment we build URLs from: bundle names, UUIDs. Nothing that needs escaping. */
int seam__drupal_valid_segment(const char *s);
/* Both parts of a price are well-formed (as seam_drupal_money_set checks them). */
int seam__drupal_money_valid(const seam_drupal_money_t *m);
/* s when set and not "", else def. */
const char *seam__drupal_or_default(const char *s, const char *def);

/* ---- exchanges and errors ---- */

void seam__drupal_outcome_set(seam_drupal_outcome_t *oc, const seam_response_t *resp);
void seam__drupal_outcome_clear(seam_drupal_outcome_t *oc);

/*
 * The message for a failed call. With an HTTP answer that carries a Drupal error document, the
 * message is "<upstream>: <METHOD> <path>: HTTP <status>: <title>: <detail> (at <pointer>)";
 * otherwise the client's own message (which has a masked excerpt of any other body). E-mail
 * addresses in Drupal's details are masked; the query is never shown. Returns rc.
 */
seam_err_t seam__drupal_fail_msg(seam_upstream_t *u, const char *method, const char *path,
				 seam_err_t rc, const seam_response_t *resp,
				 const seam_error_t *cerr, seam_error_t *err);

/* How a call reads its answer's status, beyond the client's classification. */
enum {
	SEAM__DRUPAL_NOTFOUND_IS_NOTFOUND = 0x1, /* 404 -> SEAM_NOTFOUND (a single resource) */
	SEAM__DRUPAL_CONFLICT_IS_CONFLICT = 0x2, /* 409 -> SEAM_CONFLICT (the bridge) */
};

/* The client's code rc refined by the status and the call's reading of it (how). */
seam_err_t seam__drupal_refine(seam_err_t rc, int status, unsigned how);

typedef struct seam_drupal_req {
	const char *method;
	const char *path;
	const seam_call_kv_t *query;
	size_t nquery;
	const char *media;   /* Accept, and Content-Type with a body */
	const json_t *body;  /* serialised compactly */
	const char *idempotency_key;
	unsigned how;
	int64_t timeout_ms; /* > 0: bounds this exchange below the upstream's timeout */
} seam_drupal_req_t;

/*
 * One exchange. On SEAM_OK *doc is the parsed JSON answer (owned; NULL for an empty body).
 * Otherwise err has the message.
 */
seam_err_t seam__drupal_exchange(seam_upstream_t *u, const char *cid, const seam_drupal_req_t *r,
				 json_t **doc, seam_drupal_outcome_t *oc, seam_error_t *err);

/* The JSON:API document must be an object with data of the given JSON type (SEAM_UPSTREAM
 * otherwise). */
seam_err_t seam__drupal_expect_data(seam_upstream_t *u, const char *method, const char *path,
				    json_t *doc, int want_array, seam_error_t *err);

/* ---- paging ---- */

/* The query part of an href ("page%5Boffset%5D=50&..."), or NULL when it has none. */
const char *seam__drupal_href_query(const char *href);
/* links.next.href of a collection document, or NULL. Borrowed. */
const char *seam__drupal_next_href(json_t *doc);
/*
 * The next page of a walk over base: *page_path (owned, replaced) becomes base?<next's query>
 * taken from doc's links.next; *prev_query (owned, replaced) remembers it, so a next link that
 * does not move (the same query twice) is an upstream error instead of an endless walk.
 * SEAM_DONE when doc has no next page.
 */
seam_err_t seam__drupal_next_page(seam_upstream_t *u, const char *base, json_t *doc,
				  char **prev_query, char **page_path, seam_error_t *err);

/*
 * A config entity by machine name: lists /jsonapi/{type}/{type} (core JSON:API cannot filter
 * config entities) page by page and returns the resource whose drupal_internal__id is
 * machine_name in *res (owned). SEAM_NOTFOUND when none is visible, SEAM_INVAL for a bad name.
 * Needs an account allowed to view that config (else 403 -> SEAM_PERMANENT).
 */
seam_err_t seam__drupal_config_entity(seam_upstream_t *u, const char *cid, const char *type,
				      const char *machine_name, json_t **res,
				      seam_drupal_outcome_t *oc, seam_error_t *err);

/* Writes the details of a JSON:API error document ({"errors":[{title, status, detail,
 * source.pointer}]}) or of the bridge's {"error", "detail"|"current_state"} or Drupal's
 * {"message"} to buf (cap > 0 bytes, always NUL-terminated, truncated); "" when doc has none. doc
 * is borrowed. Shared with the fuzz target (fuzz/fuzz_jsonapi.c), which feeds it documents no
 * test would think of. */
void seam__drupal_error_details(json_t *doc, char *buf, size_t cap);

#endif
