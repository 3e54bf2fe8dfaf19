/*
 * stock_write.c: one SKU into Drupal (stock.write): the variation's price, list price and
 * seam_stock from the cache's newest values, written when they differ from what seam last
 * wrote (a full run: from what Drupal holds). Writes of one SKU are serialised (a striped
 * lock), and each reads the cache when it holds the lock, so the last write is the newest
 * value whatever order the jobs run in. Also what the store sells at (seam__stock_price_of)
 * and a dry run's plan.
 */
#include "flows/stock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "domain/money.h"
#include "flows/flow_int.h"

/* ---------- the price the store sells at ---------- */

/* amount rounded half up to the currency's minor unit, as "<amount> <currency>". */
static int money_text(const char *amount, const char *currency, char *out, size_t cap)
{
	seam_money_dec_t d, r;
	char buf[SEAM_MONEY_BUF];
	int exp = seam_money_exponent(currency);
	if (exp < 0 || seam_money_dec_parse(amount, (size_t)-1, &d, NULL) != SEAM_OK ||
	    seam_money_dec_round(d, exp, SEAM_MONEY_HALF_UP, &r, NULL) != SEAM_OK)
		return -1;
	int n = snprintf(out, cap, "%s %s", seam_money_dec_format(r, buf), currency);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int dec_cmp(const char *a, const char *b)
{
	seam_money_dec_t x, y;
	if (seam_money_dec_parse(a, (size_t)-1, &x, NULL) != SEAM_OK ||
	    seam_money_dec_parse(b, (size_t)-1, &y, NULL) != SEAM_OK)
		return strcmp(a, b);
	return seam_money_dec_cmp(x, y);
}

int seam__stock_price_of(const seam_stock_store_config_t *sc, seam_db_t *db, const char *store,
			 const char *sku, int64_t now_ms, char *price, size_t pcap, char *list,
			 size_t lcap, int64_t *source_ms)
{
	char today[32], best_group[64] = "", base[64] = "";
	const char *cur = sc->drupal.currency, *group = sc->erp.price_group;
	seam_stmt_t *s;
	int64_t newest = 0;
	price[0] = list[0] = '\0';
	*source_ms = 0;
	seam_rfc3339_ms(now_ms, today);
	today[10] = '\0';
	if (seam_db_prepare(db,
			    "SELECT price_list, min_qty, amount, starts, ends, source_ms FROM "
			    "price_levels WHERE store = $1 AND sku = $2 AND currency = $3",
			    &s, NULL) != SEAM_OK)
		return -1;
	seam_stmt_bind_text(s, 1, store);
	seam_stmt_bind_text(s, 2, sku);
	seam_stmt_bind_text(s, 3, cur);
	while (seam_stmt_step(s, NULL) == SEAM_ROW) {
		const char *pl = seam_stmt_column_text(s, 0), *minq = seam_stmt_column_text(s, 1);
		const char *amount = seam_stmt_column_text(s, 2);
		const char *starts = seam_stmt_column_is_null(s, 3) ? NULL : seam_stmt_column_text(s, 3);
		const char *ends = seam_stmt_column_is_null(s, 4) ? NULL : seam_stmt_column_text(s, 4);
		if ((starts && strncmp(starts, today, 10) > 0) || (ends && strncmp(ends, today, 10) < 0))
			continue;
		if (dec_cmp(minq, "1") > 0)
			continue; /* a quantity break: in the cache and the API, not the unit price */
		char *slot = group && !strcmp(pl, group) ? best_group : !*pl ? base : NULL;
		if (!slot)
			continue;
		if (!*slot || dec_cmp(amount, slot) < 0)
			snprintf(slot, 64, "%s", amount);
		if (seam_stmt_column_int64(s, 5) > newest)
			newest = seam_stmt_column_int64(s, 5);
	}
	seam_stmt_reset(s);
	const char *sell = best_group[0] ? best_group : base[0] ? base : NULL;
	if (!sell || money_text(sell, cur, price, pcap) != 0)
		return -1;
	if (best_group[0] && base[0] && dec_cmp(base, best_group) > 0)
		money_text(base, cur, list, lcap);
	*source_ms = newest;
	return 0;
}

/* ---------- the Drupal side ---------- */

static json_t *price_json(const char *text)
{
	char amount[64], cur[8];
	if (!text || !*text || sscanf(text, "%63s %7s", amount, cur) != 2)
		return json_null();
	return json_pack("{s:s, s:s}", "number", amount, "currency_code", cur);
}

/* Drupal's price attribute as "<amount> <currency>" (rounded as seam writes), or "". */
static void drupal_price(json_t *var, const char *name, char *out, size_t cap)
{
	json_t *p = seam_drupal_attr(var, name);
	const char *n = json_string_value(json_object_get(p, "number"));
	const char *c = json_string_value(json_object_get(p, "currency_code"));
	out[0] = '\0';
	if (n && c)
		money_text(n, c, out, cap);
}

static int same_stock(const char *a, const char *b)
{
	if (!a || !*a || !b || !*b)
		return (!a || !*a) == (!b || !*b);
	return dec_cmp(a, b) == 0;
}

typedef struct want {
	char stock[64];   /* "" when the store does not sync stock or the cache has none */
	int64_t stock_ms;
	char price[96], list[96];
	int64_t price_ms;
	int has_stock, has_price;
} want_t;

static void wanted(seam_stock_t *s, seam_db_t *db, const seam_stock_store_config_t *sc,
		   const char *store, const char *sku, want_t *w)
{
	char ms[32] = "";
	memset(w, 0, sizeof *w);
	if (sc->stock) {
		const char *loc = sc->erp.location ? sc->erp.location : "";
		seam__flow_lookup(db, "SELECT quantity FROM stock_levels WHERE store = $1 AND sku = $2 "
				      "AND location = $3",
				  (const char *[]){store, sku, loc}, 3, 0, w->stock, sizeof w->stock);
		seam__flow_lookup(db, "SELECT source_ms FROM stock_levels WHERE store = $1 AND sku = $2 "
				      "AND location = $3",
				  (const char *[]){store, sku, loc}, 3, 0, ms, sizeof ms);
		w->has_stock = w->stock[0] != '\0';
		w->stock_ms = ms[0] ? strtoll(ms, NULL, 10) : 0;
	}
	if (sc->prices)
		w->has_price = seam__stock_price_of(sc, db, store, sku, seam_now_ms(), w->price,
						    sizeof w->price, w->list, sizeof w->list,
						    &w->price_ms) == 0;
	(void)s;
}

static pthread_mutex_t *sku_lock(seam_stock_t *s, const char *store, const char *sku)
{
	uint32_t h = 2166136261u;
	for (const char *p = store; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (const char *p = sku; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &s->sku_mu[h % SEAM__STOCK_LOCKS];
}

seam_err_t seam__stock_write_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_stock_t *s = ud;
	json_t *pl = json_loads(job->payload, 0, NULL), *var = NULL, *attrs = NULL;
	const char *store = json_string_value(json_object_get(pl, "store"));
	const char *sku = json_string_value(json_object_get(pl, "sku"));
	int full = json_is_true(json_object_get(pl, "full"));
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	seam_upstream_t *u = store ? seam__stock_drupal(s, store) : NULL;
	seam_drupal_outcome_t oc;
	seam_error_t err = {0};
	seam_err_t rc = SEAM_OK;
	const char *outcome = "unchanged";
	char w_uuid[64] = "", w_stock[64] = "", w_price[96] = "", w_list[96] = "";
	want_t w;
	if (!sc || !sku || !u) {
		json_decref(pl);
		return seam_job_fail(res, SEAM_PERMANENT, 0, "stock write: no stock config for store %s",
				     store ? store : "?");
	}
	pthread_mutex_t *mu = sku_lock(s, store, sku);
	pthread_mutex_lock(mu);
	seam_db_t *db = seam_store_acquire(s->env.store);
	wanted(s, db, sc, store, sku, &w);
	seam__flow_lookup(db, "SELECT variation_uuid FROM stock_written WHERE store = $1 AND sku = $2",
			  (const char *[]){store, sku}, 2, 0, w_uuid, sizeof w_uuid);
	seam__flow_lookup(db, "SELECT stock FROM stock_written WHERE store = $1 AND sku = $2",
			  (const char *[]){store, sku}, 2, 0, w_stock, sizeof w_stock);
	seam__flow_lookup(db, "SELECT price FROM stock_written WHERE store = $1 AND sku = $2",
			  (const char *[]){store, sku}, 2, 0, w_price, sizeof w_price);
	seam__flow_lookup(db, "SELECT list_price FROM stock_written WHERE store = $1 AND sku = $2",
			  (const char *[]){store, sku}, 2, 0, w_list, sizeof w_list);
	seam_store_release(s->env.store, db);
	if (!w.has_stock && !w.has_price)
		goto done; /* nothing known for it yet */
	if (!full && w_uuid[0] && (!w.has_stock || same_stock(w.stock, w_stock)) &&
	    (!w.has_price || (!strcmp(w.price, w_price) && !strcmp(w.list, w_list))))
		goto done; /* written already (a coalesced change that came back to the same value) */
	rc = seam_drupal_find_variation(u, job->correlation_id, sc->drupal.variation_type, sku, &var,
					&oc, &err);
	if (rc != SEAM_OK) {
		rc = seam_flow_job_error(rc, oc.retry_after_ms, "stock write: find variation", &err, res);
		outcome = rc == SEAM_PERMANENT ? "failed" : NULL;
		goto done;
	}
	if (!var) {
		outcome = "no_variation"; /* not (yet) in Drupal: the catalog creates it */
		goto done;
	}
	const char *uuid = json_string_value(json_object_get(var, "id"));
	char d_price[96], d_list[96];
	const char *d_stock = seam_drupal_attr_str(var, "seam_stock");
	drupal_price(var, "price", d_price, sizeof d_price);
	drupal_price(var, "list_price", d_list, sizeof d_list);
	attrs = json_object();
	if (w.has_stock && !same_stock(w.stock, d_stock))
		json_object_set_new(attrs, "seam_stock", json_string(w.stock));
	if (w.has_price && strcmp(w.price, d_price))
		json_object_set_new(attrs, "price", price_json(w.price));
	if (w.has_price && strcmp(w.list, d_list))
		json_object_set_new(attrs, "list_price", price_json(w.list));
	if (json_object_size(attrs) > 0) {
		seam_drupal_write_t dw = {.entity = "commerce_product_variation",
					  .bundle = sc->drupal.variation_type, .uuid = uuid,
					  .attributes = attrs};
		rc = seam_drupal_write_entity(u, job->correlation_id, &dw, NULL, &oc, &err);
		if (rc != SEAM_OK) {
			rc = seam_flow_job_error(rc, oc.retry_after_ms, "stock write", &err, res);
			outcome = rc == SEAM_PERMANENT ? "failed" : NULL;
			goto done;
		}
		outcome = "written";
		int64_t src = w.stock_ms > w.price_ms ? w.stock_ms : w.price_ms;
		if (src > 0)
			seam_metric_observe(s->env.metrics, SEAM_M_STOCK_LATENCY, (const char *[]){store},
					    (double)(seam_now_ms() - src) / 1000.0);
	}
	/* what Drupal holds now, for the next comparison */
	char now[24], sms[24], pms[24];
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	snprintf(sms, sizeof sms, "%lld", (long long)w.stock_ms);
	snprintf(pms, sizeof pms, "%lld", (long long)w.price_ms);
	db = seam_store_acquire(s->env.store);
	rc = seam_db_run(db,
			 "INSERT INTO stock_written (store, sku, variation_uuid, stock, stock_ms, price, "
			 "list_price, price_ms, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
			 "ON CONFLICT (store, sku) DO UPDATE SET variation_uuid = excluded.variation_uuid, "
			 "stock = excluded.stock, stock_ms = excluded.stock_ms, price = excluded.price, "
			 "list_price = excluded.list_price, price_ms = excluded.price_ms, written_at = "
			 "excluded.written_at",
			 (const char *[]){store, sku, uuid, w.has_stock ? w.stock : NULL, sms,
					  w.has_price ? w.price : NULL, w.has_price ? w.list : NULL,
					  pms, now},
			 9, NULL, &err);
	seam_store_release(s->env.store, db);
	if (rc != SEAM_OK)
		rc = seam_job_fail(res, rc, 0, "stock write: %s", err.msg);
done:
	pthread_mutex_unlock(mu);
	if (outcome)
		seam_metric_add(s->env.metrics, SEAM_M_STOCK_WRITES, (const char *[]){store, outcome}, 1);
	json_decref(attrs);
	json_decref(var);
	json_decref(pl);
	return rc;
}

/* ---------- a dry run's plan ---------- */

static seam_err_t plan_row(seam_stock_t *s, const char *run_id, const char *sku, const char *field,
			   const char *from, const char *to, seam_error_t *err)
{
	seam_db_t *db = seam_store_acquire(s->env.store);
	seam_err_t rc = seam_db_run(db,
				    "INSERT INTO stock_plan (run_id, sku, field, from_value, to_value) "
				    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, sku, field) DO "
				    "UPDATE SET to_value = excluded.to_value",
				    (const char *[]){run_id, sku, field, from, to}, 5, NULL, err);
	seam_store_release(s->env.store, db);
	return rc;
}

seam_err_t seam__stock_plan_sku(seam_stock_t *s, const char *store, const char *run_id,
				const char *sku, const json_t *rec, seam_erp_resource_e r,
				const char *cid, int *changes, seam_error_t *err)
{
	const seam_stock_store_config_t *sc = seam_stock_store(s->cfg, store);
	seam_upstream_t *u = seam__stock_drupal(s, store);
	seam_drupal_outcome_t oc;
	json_t *var = NULL;
	char to_stock[64] = "", to_price[96] = "", d_price[96];
	seam_err_t rc;
	*changes = 0;
	if (!sc || !u || !run_id)
		return SEAM_OK;
	if (r == SEAM_ERP_ITEMS) {
		if (sc->stock && seam_erp_decimal(json_object_get(rec, "inventory"), to_stock,
						  sizeof to_stock))
			to_stock[0] = '\0';
		char amount[64];
		const char *lcy = sc->erp.currency ? sc->erp.currency : sc->drupal.currency;
		if (sc->prices && !sc->erp.price_group && !strcmp(lcy, sc->drupal.currency) &&
		    seam_erp_decimal(json_object_get(rec, "unitPrice"), amount, sizeof amount) == 0)
			money_text(amount, sc->drupal.currency, to_price, sizeof to_price);
	} else if (sc->prices) {
		const char *type = json_string_value(json_object_get(rec, "salesType"));
		const char *code = json_string_value(json_object_get(rec, "salesCode"));
		const char *cur = json_string_value(json_object_get(rec, "currencyCode"));
		char amount[64], minq[64];
		const char *lcy = sc->erp.currency ? sc->erp.currency : sc->drupal.currency;
		if (cur && !*cur)
			cur = lcy;
		int mine = sc->erp.price_group ? type && !strcmp(type, "Customer Price Group") && code &&
							 !strcmp(code, sc->erp.price_group)
					       : type && !strcmp(type, "All Customers");
		if (mine && cur && !strcmp(cur, sc->drupal.currency) &&
		    seam_erp_decimal(json_object_get(rec, "minimumQuantity"), minq, sizeof minq) == 0 &&
		    dec_cmp(minq, "1") <= 0 &&
		    seam_erp_decimal(json_object_get(rec, "unitPrice"), amount, sizeof amount) == 0)
			money_text(amount, sc->drupal.currency, to_price, sizeof to_price);
	}
	if (!to_stock[0] && !to_price[0])
		return SEAM_OK;
	if ((rc = seam_drupal_find_variation(u, cid, sc->drupal.variation_type, sku, &var, &oc, err)) !=
	    SEAM_OK)
		return rc;
	if (!var)
		return SEAM_OK; /* not in Drupal: nothing to change there */
	const char *d_stock = seam_drupal_attr_str(var, "seam_stock");
	drupal_price(var, "price", d_price, sizeof d_price);
	if (to_stock[0] && !same_stock(to_stock, d_stock)) {
		if ((rc = plan_row(s, run_id, sku, "seam_stock", d_stock, to_stock, err)) != SEAM_OK)
			goto out;
		(*changes)++;
	}
	if (to_price[0] && strcmp(to_price, d_price)) {
		if ((rc = plan_row(s, run_id, sku, "price", d_price[0] ? d_price : NULL, to_price, err)) !=
		    SEAM_OK)
			goto out;
		(*changes)++;
	}
out:
	json_decref(var);
	return rc;
}
