/*
 * stock_ingest.c: ERP values into the cache, newest wins (seam__stock_accept), the Drupal
 * write they schedule (coalesced per SKU and window), and the jobs that read the ERP: the
 * notification's fetch, the poll (and its runs) and the subscription keeper. See stock.h.
 */
#include "flows/stock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "domain/money.h"
#include "flows/flow_int.h"
#include "flows/stores.h"
#include "inbox/inbox.h"

/* ---------- the cache ---------- */

static void count(seam_stock_t *s, const char *store, const char *kind, seam__stock_via_e via,
		  const char *outcome)
{
	seam_metric_add(s->env.metrics, SEAM_M_STOCK_UPDATES,
			(const char *[]){store, kind, seam__stock_via_name(via), outcome}, 1);
}

/* A record that cannot be used: kept in the quarantine with its reason; the caller goes on. */
static seam_err_t quarantine(seam_stock_t *s, seam_db_t *db, const char *store, const json_t *rec,
			     const char *id, const char *cid, const char *reason, seam_error_t *err)
{
	char eid[300];
	char *body = json_dumps(rec, JSON_COMPACT);
	snprintf(eid, sizeof eid, "stock:%s:%s", id ? id : "?",
		 json_string_value(json_object_get(rec, "lastModifiedDateTime"))
			 ? json_string_value(json_object_get(rec, "lastModifiedDateTime"))
			 : "");
	seam_inbox_event_t ev = {.provider = "erp", .source = store, .event_id = eid,
				 .body = body ? body : "{}", .len = body ? strlen(body) : 2,
				 .headers = "{}", .correlation_id = cid};
	seam_err_t rc = seam_inbox_quarantine(db, &ev, reason, err);
	free(body);
	seam_logf(s->env.log, SEAM_LOG_WARN, "stock", cid,
		  json_pack("{s:s, s:s, s:s}", "store", store, "record", id ? id : "?", "reason", reason),
		  "stock: ERP record %s quarantined: %s", id ? id : "?", reason);
	return rc == SEAM_CONFLICT ? SEAM_OK : rc; /* the same version quarantined before */
}

/* "0001-01-01" (BC's empty date) or no date: NULL; else the date text. */
static const char *date_or_null(const json_t *v)
{
	const char *s = json_string_value(v);
	return s && *s && strncmp(s, "0001-01-01", 10) != 0 ? s : NULL;
}

/* Newest-wins upsert; *outcome "accepted", "older" or "same". */
static seam_err_t upsert(seam_db_t *db, const char *sql, const char *check,
			 const char *const *params, int n, const char *const *key, int nkey,
			 int64_t source_ms, const char **outcome, seam_error_t *err)
{
	int64_t changed = 0;
	seam_err_t rc = seam_db_run(db, sql, params, n, &changed, err);
	if (rc != SEAM_OK)
		return rc;
	if (changed > 0) {
		*outcome = "accepted";
		return SEAM_OK;
	}
	char have[32] = "";
	seam__flow_lookup(db, check, key, nkey, 0, have, sizeof have);
	*outcome = have[0] && strtoll(have, NULL, 10) == source_ms ? "same" : "older";
	return SEAM_OK;
}

static seam_err_t accept_item(seam_stock_t *s, seam_db_t *db, const char *store,
			      const seam_stock_store_config_t *sc, const json_t *rec,
			      seam__stock_via_e via, const char *cid, int no_write,
			      seam__stock_accept_t *out, seam_error_t *err)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *sku = json_string_value(json_object_get(rec, "number"));
	const char *at = json_string_value(json_object_get(rec, "lastModifiedDateTime"));
	int64_t ms = seam_erp_time_ms(at);
	char qty[SEAM_ERP_DECIMAL_MAX], price[SEAM_ERP_DECIMAL_MAX], ms_s[24], now_s[24], src[96];
	const char *reason = NULL, *o_stock = NULL, *o_price = NULL;
	seam_err_t rc;
	if (!sku || !*sku || strlen(sku) >= sizeof out->sku)
		reason = "item_without_number: the item has no number (the SKU)";
	else if (ms < 0)
		reason = "bad_time: lastModifiedDateTime is missing or not a time";
	else if (sc->stock && (seam_erp_decimal(json_object_get(rec, "inventory"), qty, sizeof qty) ||
			       qty[0] == '-'))
		reason = json_is_number(json_object_get(rec, "inventory"))
				 ? "bad_quantity: inventory is negative"
				 : "bad_quantity: inventory is not a number";
	else if (sc->prices && (seam_erp_decimal(json_object_get(rec, "unitPrice"), price,
						 sizeof price) ||
				price[0] == '-'))
		reason = "bad_price: unitPrice is not a non-negative number";
	if (reason) {
		out->invalid = 1;
		count(s, store, sc->stock ? "stock" : "price", via, "invalid");
		return no_write ? SEAM_OK : quarantine(s, db, store, rec, id, cid, reason, err);
	}
	snprintf(out->sku, sizeof out->sku, "%s", sku);
	if (no_write)
		return SEAM_OK;
	snprintf(ms_s, sizeof ms_s, "%lld", (long long)ms);
	snprintf(now_s, sizeof now_s, "%lld", (long long)seam_now_ms());
	const char *loc = sc->erp.location ? sc->erp.location : "";
	if (sc->stock) {
		if ((rc = upsert(db,
				 "INSERT INTO stock_levels (store, sku, location, quantity, source_ms, "
				 "received_at, via) VALUES ($1, $2, $3, $4, $5, $6, $7) "
				 "ON CONFLICT (store, sku, location) DO UPDATE SET quantity = "
				 "excluded.quantity, source_ms = excluded.source_ms, received_at = "
				 "excluded.received_at, via = excluded.via WHERE excluded.source_ms > "
				 "stock_levels.source_ms",
				 "SELECT source_ms FROM stock_levels WHERE store = $1 AND sku = $2 AND "
				 "location = $3",
				 (const char *[]){store, sku, loc, qty, ms_s, now_s, seam__stock_via_name(via)},
				 7, (const char *[]){store, sku, loc}, 3, ms, &o_stock, err)) != SEAM_OK)
			return rc;
		count(s, store, "stock", via, o_stock);
	}
	if (sc->prices) {
		const char *cur = sc->erp.currency ? sc->erp.currency : sc->drupal.currency;
		snprintf(src, sizeof src, "item:%s", id ? id : sku);
		if ((rc = upsert(db,
				 "INSERT INTO price_levels (store, source_id, sku, currency, price_list, "
				 "min_qty, amount, starts, ends, source_ms, received_at, via) VALUES ($1, "
				 "$2, $3, $4, '', '1', $5, NULL, NULL, $6, $7, $8) ON CONFLICT (store, "
				 "source_id) DO UPDATE SET sku = excluded.sku, currency = "
				 "excluded.currency, amount = excluded.amount, source_ms = "
				 "excluded.source_ms, received_at = excluded.received_at, via = "
				 "excluded.via WHERE excluded.source_ms > price_levels.source_ms",
				 "SELECT source_ms FROM price_levels WHERE store = $1 AND source_id = $2",
				 (const char *[]){store, src, sku, cur, price, ms_s, now_s,
						  seam__stock_via_name(via)},
				 8, (const char *[]){store, src}, 2, ms, &o_price, err)) != SEAM_OK)
			return rc;
		count(s, store, "price", via, o_price);
	}
	int took = (o_stock && !strcmp(o_stock, "accepted")) || (o_price && !strcmp(o_price, "accepted"));
	int all_older = (!o_stock || !strcmp(o_stock, "older")) && (!o_price || !strcmp(o_price, "older"));
	out->accepted = took;
	out->older = !took && all_older;
	return SEAM_OK;
}

static seam_err_t accept_price(seam_stock_t *s, seam_db_t *db, const char *store,
			       const seam_stock_store_config_t *sc, const json_t *rec,
			       seam__stock_via_e via, const char *cid, int no_write,
			       seam__stock_accept_t *out, seam_error_t *err)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *sku = json_string_value(json_object_get(rec, "itemNumber"));
	const char *type = json_string_value(json_object_get(rec, "salesType"));
	const char *code = json_string_value(json_object_get(rec, "salesCode"));
	const json_t *curv = json_object_get(rec, "currencyCode");
	const char *at = json_string_value(json_object_get(rec, "lastModifiedDateTime"));
	int64_t ms = seam_erp_time_ms(at);
	char amount[SEAM_ERP_DECIMAL_MAX], minq[SEAM_ERP_DECIMAL_MAX], ms_s[24], now_s[24];
	const char *reason = NULL, *list = "", *outcome = NULL;
	if (!sc->prices)
		return SEAM_OK;
	if (!id || !sku || !*sku || strlen(sku) >= sizeof out->sku)
		reason = "sales_price_without_item: no id or itemNumber";
	else if (ms < 0)
		reason = "bad_time: lastModifiedDateTime is missing or not a time";
	else if (!json_is_string(curv))
		reason = "price_without_currency: the sales price has no currencyCode";
	else if (seam_erp_decimal(json_object_get(rec, "unitPrice"), amount, sizeof amount) ||
		 amount[0] == '-')
		reason = "bad_price: unitPrice is not a non-negative number";
	else if (seam_erp_decimal(json_object_get(rec, "minimumQuantity"), minq, sizeof minq) ||
		 minq[0] == '-')
		reason = "bad_quantity: minimumQuantity is not a non-negative number";
	if (reason) {
		out->invalid = 1;
		count(s, store, "price", via, "invalid");
		return no_write ? SEAM_OK : quarantine(s, db, store, rec, id, cid, reason, err);
	}
	snprintf(out->sku, sizeof out->sku, "%s", sku);
	if (type && !strcmp(type, "Customer Price Group"))
		list = code ? code : "";
	else if (!type || strcmp(type, "All Customers")) {
		/* per-customer and campaign prices are not the storefront's */
		count(s, store, "price", via, "ignored");
		out->sku[0] = '\0';
		return SEAM_OK;
	}
	if (no_write)
		return SEAM_OK;
	const char *cur = *json_string_value(curv) ? json_string_value(curv)
			  : sc->erp.currency	    ? sc->erp.currency
						    : sc->drupal.currency;
	snprintf(ms_s, sizeof ms_s, "%lld", (long long)ms);
	snprintf(now_s, sizeof now_s, "%lld", (long long)seam_now_ms());
	seam_err_t rc = upsert(
		db,
		"INSERT INTO price_levels (store, source_id, sku, currency, price_list, min_qty, "
		"amount, starts, ends, source_ms, received_at, via) VALUES ($1, $2, $3, $4, $5, $6, "
		"$7, $8, $9, $10, $11, $12) ON CONFLICT (store, source_id) DO UPDATE SET sku = "
		"excluded.sku, currency = excluded.currency, price_list = excluded.price_list, min_qty "
		"= excluded.min_qty, amount = excluded.amount, starts = excluded.starts, ends = "
		"excluded.ends, source_ms = excluded.source_ms, received_at = excluded.received_at, "
		"via = excluded.via WHERE excluded.source_ms > price_levels.source_ms",
		"SELECT source_ms FROM price_levels WHERE store = $1 AND source_id = $2",
		(const char *[]){store, id, sku, cur, list, minq, amount,
				 date_or_null(json_object_get(rec, "startingDate")),
				 date_or_null(json_object_get(rec, "endingDate")), ms_s, now_s,
				 seam__stock_via_name(via)},
		12, (const char *[]){store, id}, 2, ms, &outcome, err);
	if (rc != SEAM_OK)
		return rc;
	count(s, store, "price", via, outcome);
	out->accepted = !strcmp(outcome, "accepted");
	out->older = !strcmp(outcome, "older");
	return SEAM_OK;
}

seam_err_t seam__stock_accept(seam_stock_t *s, seam_db_t *db, const char *store,
			      seam_erp_resource_e r, const json_t *rec, seam__stock_via_e via,
			      const char *cid, int no_write, seam__stock_accept_t *out,
			      seam_error_t *err)
{
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	seam_err_t rc;
	memset(out, 0, sizeof *out);
	if (!sc)
		return seam_errorf(err, SEAM_PERMANENT, "stock: no stock config for store %s", store);
	rc = r == SEAM_ERP_ITEMS ? accept_item(s, db, store, sc, rec, via, cid, no_write, out, err)
				 : accept_price(s, db, store, sc, rec, via, cid, no_write, out, err);
	if (rc == SEAM_OK && out->accepted && !no_write)
		rc = seam__stock_schedule_write(s, db, store, out->sku, via == SEAM__STOCK_FULL, cid,
						err);
	return rc;
}

seam_err_t seam__stock_forget_price(seam_stock_t *s, seam_db_t *db, const char *store,
				    const char *source_id, const char *cid, seam_error_t *err)
{
	char sku[128] = "";
	seam__flow_lookup(db, "SELECT sku FROM price_levels WHERE store = $1 AND source_id = $2",
			  (const char *[]){store, source_id}, 2, 0, sku, sizeof sku);
	if (!sku[0])
		return SEAM_OK;
	seam_err_t rc = seam_db_run(db, "DELETE FROM price_levels WHERE store = $1 AND source_id = $2",
				    (const char *[]){store, source_id}, 2, NULL, err);
	return rc == SEAM_OK ? seam__stock_schedule_write(s, db, store, sku, 0, cid, err) : rc;
}

seam_err_t seam__stock_schedule_write(seam_stock_t *s, seam_db_t *db, const char *store,
				      const char *sku, int full, const char *cid,
				      seam_error_t *err)
{
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	int64_t now = seam_now_ms(), window = sc ? sc->coalesce_ms : 0, slot, run_at = 0;
	char dedup[400];
	int existed = 0;
	slot = window > 0 ? now / window : now;
	if (window > 0)
		run_at = (slot + 1) * window;
	snprintf(dedup, sizeof dedup, "write:%s:%s:%lld%s", store, sku, (long long)slot,
		 full ? ":full" : "");
	json_t *pl = json_pack("{s:s, s:s, s:b}", "store", store, "sku", sku, "full", full);
	char *text = pl ? json_dumps(pl, JSON_COMPACT) : NULL;
	json_decref(pl);
	if (!text)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	seam_job_spec_t spec = {.kind = SEAM_JOB_STOCK_WRITE, .flow = SEAM_FLOW_STOCK,
				.dedup_key = dedup, .payload = text, .correlation_id = cid,
				.run_at_ms = run_at};
	seam_err_t rc = seam_queue_enqueue(s->env.queue, db, &spec, NULL, &existed, err);
	free(text);
	if (rc == SEAM_OK && existed)
		seam_metric_add(s->env.metrics, SEAM_M_STOCK_COALESCED, (const char *[]){store}, 1);
	return rc;
}

/* ---------- walking the ERP: polls, full runs, collections ---------- */

typedef struct walk {
	seam_stock_t *s;
	const char *store, *run_id, *cid;
	seam__stock_via_e via;
	int dry_run;
	int64_t max_ms;       /* newest lastModifiedDateTime seen */
	int64_t seen, accepted, older, same, invalid, writes;
} walk_t;

static void run_update(seam_stock_t *s, const walk_t *w, const char *state, const char *error)
{
	char now[24], n[6][24];
	if (!w->run_id)
		return;
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	snprintf(n[0], sizeof n[0], "%lld", (long long)w->seen);
	snprintf(n[1], sizeof n[1], "%lld", (long long)w->accepted);
	snprintf(n[2], sizeof n[2], "%lld", (long long)w->older);
	snprintf(n[3], sizeof n[3], "%lld", (long long)w->same);
	snprintf(n[4], sizeof n[4], "%lld", (long long)w->invalid);
	snprintf(n[5], sizeof n[5], "%lld", (long long)w->writes);
	int fin = strcmp(state, "running") != 0;
	seam_db_t *db = seam_store_acquire(s->env.store);
	seam_db_run(db,
		    fin ? "UPDATE stock_runs SET state = $2, seen = $3, accepted = $4, older = $5, "
			  "same = $6, invalid = $7, writes = $8, error = $9, updated_at = $10, "
			  "finished_at = $10 WHERE id = $1"
			: "UPDATE stock_runs SET state = $2, seen = $3, accepted = $4, older = $5, "
			  "same = $6, invalid = $7, writes = $8, error = $9, updated_at = $10 WHERE id "
			  "= $1",
		    (const char *[]){w->run_id, state, n[0], n[1], n[2], n[3], n[4], n[5], error, now},
		    10, NULL, NULL);
	seam_store_release(s->env.store, db);
}

static seam_err_t walk_page(walk_t *w, seam_erp_resource_e r, json_t *values, seam_error_t *err)
{
	seam_stock_t *s = w->s;
	size_t i;
	json_t *rec;
	seam_err_t rc = SEAM_OK;
	seam_db_t *db = seam_store_acquire(s->env.store);
	if ((rc = seam_db_begin(db, err)) != SEAM_OK)
		goto out;
	json_array_foreach(values, i, rec) {
		seam__stock_accept_t a;
		int64_t ms = seam_erp_time_ms(json_string_value(json_object_get(rec, "lastModifiedDateTime")));
		if (ms > w->max_ms)
			w->max_ms = ms;
		w->seen++;
		if ((rc = seam__stock_accept(s, db, w->store, r, rec, w->via, w->cid, w->dry_run, &a,
					     err)) != SEAM_OK)
			break;
		w->accepted += a.accepted;
		w->older += a.older;
		w->invalid += a.invalid;
		w->same += !a.accepted && !a.older && !a.invalid;
		w->writes += a.accepted;
		if (!w->dry_run && w->via == SEAM__STOCK_FULL && !a.accepted && !a.invalid && a.sku[0]) {
			/* a full run compares every SKU with Drupal, changed or not */
			if ((rc = seam__stock_schedule_write(s, db, w->store, a.sku, 1, w->cid, err)) !=
			    SEAM_OK)
				break;
			w->writes++;
		}
	}
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, err);
	else
		seam_db_rollback(db);
	seam_queue_notify(s->env.queue);
out:
	seam_store_release(s->env.store, db);
	if (rc != SEAM_OK || !w->dry_run)
		return rc;
	/* a dry run plans against Drupal, SKU by SKU, after the page */
	json_array_foreach(values, i, rec) {
		const char *sku = json_string_value(json_object_get(rec, r == SEAM_ERP_ITEMS ? "number" : "itemNumber"));
		int n = 0;
		if (!sku)
			continue;
		if ((rc = seam__stock_plan_sku(s, w->store, w->run_id, sku, rec, r, w->cid, &n, err)) !=
		    SEAM_OK)
			return rc;
		w->writes += n > 0;
	}
	return SEAM_OK;
}

/* Walks one resource of the store's company changed after since_ms (-1: everything). */
static seam_err_t walk(walk_t *w, seam_erp_resource_e r, int64_t since_ms, seam_error_t *err)
{
	seam_stock_t *s = w->s;
	seam_upstream_t *u = seam__stock_erp(s, w->store);
	const char *company = seam__stock_company(s, w->store);
	char after[40] = "", *next = NULL;
	seam_erp_outcome_t oc;
	seam_err_t rc = SEAM_OK;
	int pages = 0;
	if (!u || !company)
		return seam_errorf(err, SEAM_PERMANENT, "stock: store %s has no ERP upstream or company",
				   w->store);
	if (since_ms >= 0)
		seam_rfc3339_ms(since_ms, after);
	do {
		json_t *values = NULL;
		char *nn = NULL;
		rc = seam_erp_list_page(u, w->cid, company, r, next ? NULL : (after[0] ? after : NULL),
					next, &values, &nn, &oc, err);
		free(next);
		next = nn;
		if (rc != SEAM_OK)
			break;
		rc = walk_page(w, r, values, err);
		json_decref(values);
		if (rc != SEAM_OK)
			break;
		if (++pages % 4 == 0)
			run_update(s, w, "running", NULL);
	} while (next);
	free(next);
	return rc;
}

static int64_t cursor_of(seam_db_t *db, const char *store, const char *resource)
{
	char v[32] = "";
	seam__flow_lookup(db, "SELECT mark_ms FROM stock_cursors WHERE store = $1 AND resource = $2",
			  (const char *[]){store, resource}, 2, 0, v, sizeof v);
	return v[0] ? strtoll(v, NULL, 10) : -1;
}

static seam_err_t cursor_set(seam_stock_t *s, const char *store, const char *resource, int64_t ms,
			     seam_error_t *err)
{
	char m[24], now[24];
	snprintf(m, sizeof m, "%lld", (long long)ms);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	seam_db_t *db = seam_store_acquire(s->env.store);
	seam_err_t rc = seam_db_run(db,
				    "INSERT INTO stock_cursors (store, resource, mark_ms, updated_at) "
				    "VALUES ($1, $2, $3, $4) ON CONFLICT (store, resource) DO UPDATE SET "
				    "mark_ms = CASE WHEN excluded.mark_ms > stock_cursors.mark_ms THEN "
				    "excluded.mark_ms ELSE stock_cursors.mark_ms END, updated_at = "
				    "excluded.updated_at",
				    (const char *[]){store, resource, m, now}, 4, NULL, err);
	seam_store_release(s->env.store, db);
	return rc;
}

/* The poll: payload {store, run_id?, full?, dry_run?, what?: stock|prices|both}. Incremental
 * polls start at cursor - overlap and move the cursor to the newest time seen. */
seam_err_t seam__stock_poll_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_stock_t *s = ud;
	json_t *pl = json_loads(job->payload, 0, NULL);
	const char *store = json_string_value(json_object_get(pl, "store"));
	const char *what = json_string_value(json_object_get(pl, "what"));
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	seam_error_t err = {0};
	seam_err_t rc = SEAM_OK;
	int full = json_is_true(json_object_get(pl, "full"));
	walk_t w = {.s = s, .store = store, .run_id = json_string_value(json_object_get(pl, "run_id")),
		    .cid = job->correlation_id, .via = full ? SEAM__STOCK_FULL : SEAM__STOCK_POLL,
		    .dry_run = json_is_true(json_object_get(pl, "dry_run")), .max_ms = -1};
	if (!sc) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "stock poll: no stock config for store %s",
				   store ? store : "?");
		goto out;
	}
	if (!what)
		what = "both";
	int do_items = (sc->stock && strcmp(what, "prices")) || (sc->prices && strcmp(what, "stock"));
	int do_prices = sc->prices && strcmp(what, "stock");
	run_update(s, &w, "running", NULL);
	for (int k = 0; k < 2 && rc == SEAM_OK; k++) {
		seam_erp_resource_e r = k == 0 ? SEAM_ERP_ITEMS : SEAM_ERP_SALES_PRICES;
		if ((k == 0 && !do_items) || (k == 1 && !do_prices))
			continue;
		seam_db_t *db = seam_store_acquire(s->env.store);
		int64_t cur = cursor_of(db, store, seam_erp_resource_name(r));
		seam_store_release(s->env.store, db);
		int64_t since = full || cur < 0 ? -1 : cur - sc->overlap_ms;
		w.max_ms = -1;
		rc = walk(&w, r, since, &err);
		/* the cursor moves to the newest time seen, and its updated_at says when the
		 * cache was last confirmed current (the staleness of what checkout reads) */
		if (rc == SEAM_OK && !w.dry_run)
			rc = cursor_set(s, store, seam_erp_resource_name(r),
					w.max_ms > 0 ? w.max_ms : (cur > 0 ? cur : 0), &err);
	}
	if (rc != SEAM_OK) {
		int last = job->attempt >= job->max_attempts || rc == SEAM_PERMANENT;
		if (last)
			run_update(s, &w, "failed", err.msg);
		rc = seam_flow_job_error(rc, 0, "stock poll", &err, res);
		goto out;
	}
	run_update(s, &w, "done", NULL);
out:
	json_decref(pl);
	return rc;
}

/* ---------- stock.fetch: one notification ---------- */

seam_err_t seam__stock_fetch_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_stock_t *s = ud;
	json_t *pl = json_loads(job->payload, 0, NULL), *rec = NULL;
	const char *store = json_string_value(json_object_get(pl, "store"));
	const char *resource = json_string_value(json_object_get(pl, "resource"));
	const char *id = json_string_value(json_object_get(pl, "id"));
	const char *since = json_string_value(json_object_get(pl, "since"));
	const char *change = json_string_value(json_object_get(pl, "change"));
	const char *company = json_string_value(json_object_get(pl, "company"));
	seam_erp_resource_e r = resource && !strcmp(resource, "salesPrices") ? SEAM_ERP_SALES_PRICES
									    : SEAM_ERP_ITEMS;
	seam_upstream_t *u = store ? seam__stock_erp(s, store) : NULL;
	const char *mine = store ? seam__stock_company(s, store) : NULL;
	seam_erp_outcome_t oc;
	seam_error_t err = {0};
	seam_err_t rc = SEAM_OK;
	if (!seam_stock_store(s->cfg, store) || !u || !mine) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "stock fetch: store %s has no stock config",
				   store ? store : "?");
		goto out;
	}
	if (company && strcmp(company, mine)) {
		seam_logf(s->env.log, SEAM_LOG_WARN, "stock", job->correlation_id,
			  json_pack("{s:s, s:s}", "store", store, "company", company),
			  "stock: a notification for company %s, not the store's: ignored", company);
		goto out;
	}
	if (!id || !*id) {
		/* a collection: many records changed; read them from the filter's time */
		walk_t w = {.s = s, .store = store, .cid = job->correlation_id, .via = SEAM__STOCK_PUSH,
			    .max_ms = -1};
		int64_t from = seam_erp_time_ms(since);
		if ((rc = walk(&w, r, from, &err)) != SEAM_OK)
			rc = seam_flow_job_error(rc, 0, "stock fetch (collection)", &err, res);
		goto out;
	}
	if (change && !strcmp(change, "deleted")) {
		if (r == SEAM_ERP_SALES_PRICES) {
			seam_db_t *db = seam_store_acquire(s->env.store);
			rc = seam__stock_forget_price(s, db, store, id, job->correlation_id, &err);
			seam_store_release(s->env.store, db);
			if (rc != SEAM_OK)
				rc = seam_job_fail(res, rc, 0, "stock: %s", err.msg);
		}
		goto out;
	}
	rc = seam_erp_get_record(u, job->correlation_id, mine, r, id, &rec, &oc, &err);
	if (rc == SEAM_NOTFOUND) {
		/* gone since: a deleted sales price loses its row; an item stays as it was */
		rc = SEAM_OK;
		if (r == SEAM_ERP_SALES_PRICES) {
			seam_db_t *db = seam_store_acquire(s->env.store);
			rc = seam__stock_forget_price(s, db, store, id, job->correlation_id, &err);
			seam_store_release(s->env.store, db);
		}
		goto out;
	}
	if (rc != SEAM_OK) {
		rc = seam_flow_job_error(rc, oc.retry_after_ms, "stock fetch", &err, res);
		goto out;
	}
	seam__stock_accept_t a;
	seam_db_t *db = seam_store_acquire(s->env.store);
	rc = seam__stock_accept(s, db, store, r, rec, SEAM__STOCK_PUSH, job->correlation_id, 0, &a, &err);
	seam_store_release(s->env.store, db);
	seam_queue_notify(s->env.queue);
	if (rc != SEAM_OK)
		rc = seam_job_fail(res, rc, 0, "stock: %s", err.msg);
out:
	json_decref(rec);
	json_decref(pl);
	return rc;
}

/* ---------- stock.subscribe: the ERP's webhook subscriptions ---------- */

static seam_err_t keep_subscription(seam_stock_t *s, const char *store,
				    const seam_stock_store_config_t *sc, seam_erp_resource_e r,
				    const char *cid, seam_error_t *err)
{
	seam_upstream_t *u = seam__stock_erp(s, store);
	const seam_config_store_t *st = seam_cfg_map_get(s->env.stores, store);
	const char *company = seam__stock_company(s, store);
	const char *state = st && st->erp.client_states.n ? st->erp.client_states.items[0].value : NULL;
	const char *rname = seam_erp_resource_name(r);
	char resource[512], id[160] = "", etag[160] = "", exp_s[32] = "", now_s[24], exp_ms[24];
	json_t *sub = NULL;
	seam_erp_outcome_t oc;
	seam_err_t rc;
	int64_t now = seam_now_ms();
	if (!u || !company || !state || !seam_erp_resource_path(u, company, r, resource, sizeof resource))
		return seam_errorf(err, SEAM_PERMANENT, "stock subscribe: store %s lacks an ERP "
				   "upstream, company or clientState", store);
	seam_db_t *db = seam_store_acquire(s->env.store);
	seam__flow_lookup(db, "SELECT subscription_id FROM erp_subscriptions WHERE store = $1 AND resource = $2",
			  (const char *[]){store, rname}, 2, 0, id, sizeof id);
	seam__flow_lookup(db, "SELECT etag FROM erp_subscriptions WHERE store = $1 AND resource = $2",
			  (const char *[]){store, rname}, 2, 0, etag, sizeof etag);
	seam__flow_lookup(db, "SELECT expires_at FROM erp_subscriptions WHERE store = $1 AND resource = $2",
			  (const char *[]){store, rname}, 2, 0, exp_s, sizeof exp_s);
	seam_store_release(s->env.store, db);
	if (id[0] && exp_s[0] && strtoll(exp_s, NULL, 10) - now > sc->notifications.renew_before_ms) {
		/* not due: still there? (an ERP may drop one early) */
		json_t *list = NULL;
		int there = 0;
		if ((rc = seam_erp_subscriptions(u, cid, &list, &oc, err)) != SEAM_OK)
			return rc;
		size_t i;
		json_t *e;
		json_array_foreach(list, i, e) {
			const char *sid = json_string_value(json_object_get(e, "subscriptionId"));
			there |= sid && !strcmp(sid, id);
		}
		json_decref(list);
		if (there)
			return SEAM_OK;
		seam_logf(s->env.log, SEAM_LOG_WARN, "stock", cid,
			  json_pack("{s:s, s:s, s:s}", "store", store, "resource", rname, "subscription", id),
			  "stock: the ERP no longer has subscription %s for %s: subscribing again", id, rname);
		id[0] = '\0';
	}
	if (id[0]) {
		rc = seam_erp_renew(u, cid, id, etag[0] ? etag : NULL, sc->notifications.url, resource,
				    state, &sub, &oc, err);
		if (rc == SEAM_NOTFOUND || rc == SEAM_CONFLICT)
			id[0] = '\0';
		else if (rc != SEAM_OK)
			return rc;
	}
	if (!id[0] && (rc = seam_erp_subscribe(u, cid, sc->notifications.url, resource, state, &sub,
					       &oc, err)) != SEAM_OK)
		return rc;
	const char *sid = json_string_value(json_object_get(sub, "subscriptionId"));
	const char *et = json_string_value(json_object_get(sub, "@odata.etag"));
	int64_t exp = seam_erp_time_ms(json_string_value(json_object_get(sub, "expirationDateTime")));
	if (exp < 0)
		exp = now + 3LL * 86400000;
	snprintf(now_s, sizeof now_s, "%lld", (long long)now);
	snprintf(exp_ms, sizeof exp_ms, "%lld", (long long)exp);
	db = seam_store_acquire(s->env.store);
	rc = seam_db_run(db,
			 "INSERT INTO erp_subscriptions (store, resource, subscription_id, etag, "
			 "expires_at, created_at, renewed_at) VALUES ($1, $2, $3, $4, $5, $6, NULL) ON "
			 "CONFLICT (store, resource) DO UPDATE SET subscription_id = "
			 "excluded.subscription_id, etag = excluded.etag, expires_at = "
			 "excluded.expires_at, renewed_at = $6",
			 (const char *[]){store, rname, sid ? sid : "", et, exp_ms, now_s}, 6, NULL, err);
	seam_store_release(s->env.store, db);
	seam_logf(s->env.log, SEAM_LOG_INFO, "stock", cid,
		  json_pack("{s:s, s:s, s:s}", "store", store, "resource", rname, "subscription",
			    sid ? sid : ""),
		  "stock: ERP subscription %s for %s is live until %s", sid ? sid : "?", rname,
		  json_string_value(json_object_get(sub, "expirationDateTime"))
			  ? json_string_value(json_object_get(sub, "expirationDateTime"))
			  : "?");
	json_decref(sub);
	return rc;
}

seam_err_t seam__stock_subscribe_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_stock_t *s = ud;
	json_t *pl = json_loads(job->payload, 0, NULL);
	const char *store = json_string_value(json_object_get(pl, "store"));
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	seam_error_t err = {0};
	seam_err_t rc = SEAM_OK;
	if (!sc || !sc->notifications.url)
		goto out;
	if (sc->stock || sc->prices)
		rc = keep_subscription(s, store, sc, SEAM_ERP_ITEMS, job->correlation_id, &err);
	if (rc == SEAM_OK && sc->prices)
		rc = keep_subscription(s, store, sc, SEAM_ERP_SALES_PRICES, job->correlation_id, &err);
	if (rc != SEAM_OK)
		rc = seam_flow_job_error(rc, 0, "stock subscribe", &err, res);
out:
	json_decref(pl);
	return rc;
}
