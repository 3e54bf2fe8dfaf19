/*
 * stock_cache.c: the cache as checkout reads it (GET /v1/availability, GET /v1/prices): the
 * store alone answers, never the ERP, and says how old what it knows is.
 */
#include "flows/stock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "domain/money.h"

static json_t *iso(int64_t ms)
{
	char t[32];
	if (ms <= 0)
		return json_null();
	seam_rfc3339_ms(ms, t);
	return json_string(t);
}

/* When the store's last poll succeeded (every ERP change up to then is in the cache), or 0. */
static int64_t last_poll(seam_db_t *db, const char *store)
{
	seam_stmt_t *s;
	int64_t at = 0;
	if (seam_db_prepare(db, "SELECT min(updated_at) FROM stock_cursors WHERE store = $1", &s,
			    NULL) != SEAM_OK)
		return 0;
	seam_stmt_bind_text(s, 1, store);
	if (seam_stmt_step(s, NULL) == SEAM_ROW && !seam_stmt_column_is_null(s, 0))
		at = seam_stmt_column_int64(s, 0);
	seam_stmt_reset(s);
	return at;
}

static int positive(const char *q)
{
	seam_money_dec_t d;
	return q && seam_money_dec_parse(q, (size_t)-1, &d, NULL) == SEAM_OK && d.units > 0;
}

seam_err_t seam_stock_availability(seam_store_t *st, const char *store, const char *const *skus,
				   size_t n, int64_t staleness_ms, int64_t now_ms, json_t **out,
				   seam_error_t *err)
{
	seam_stmt_t *s = NULL;
	seam_err_t rc;
	json_t *list = json_array();
	int any_stale = 0;
	*out = NULL;
	seam_db_t *db = seam_store_acquire(st);
	int64_t polled = last_poll(db, store);
	if ((rc = seam_db_prepare(db,
				  "SELECT location, quantity, source_ms, received_at FROM stock_levels "
				  "WHERE store = $1 AND sku = $2 ORDER BY location",
				  &s, err)) != SEAM_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *locs = json_object(), *e;
		char total[64] = "";
		int64_t src = 0, recv = 0, rows = 0;
		seam_money_dec_t sum = {0, 0};
		seam_stmt_bind_text(s, 1, store);
		seam_stmt_bind_text(s, 2, skus[i]);
		while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
			const char *loc = seam_stmt_column_text(s, 0), *q = seam_stmt_column_text(s, 1);
			seam_money_dec_t d;
			json_object_set_new(locs, *loc ? loc : "", json_string(q));
			if (seam_money_dec_parse(q, (size_t)-1, &d, NULL) == SEAM_OK)
				seam_money_dec_add(sum, d, &sum, NULL);
			/* the oldest location decides how old the answer is */
			if (!rows || seam_stmt_column_int64(s, 2) < src)
				src = seam_stmt_column_int64(s, 2);
			if (!rows || seam_stmt_column_int64(s, 3) < recv)
				recv = seam_stmt_column_int64(s, 3);
			rows++;
		}
		seam_stmt_reset(s);
		if (rc != SEAM_DONE) {
			json_decref(locs);
			goto out;
		}
		rc = SEAM_OK;
		if (rows) {
			char buf[SEAM_MONEY_BUF];
			snprintf(total, sizeof total, "%s", seam_money_dec_format(sum, buf));
		}
		/* age: since seam last knew the value current: when it took it, or the last poll
		 * that found nothing newer (while the ERP is down, no poll succeeds: it grows) */
		int64_t known = recv > polled ? recv : polled;
		int64_t age_ms = rows ? now_ms - known : -1;
		int stale = !rows || age_ms > staleness_ms;
		any_stale |= stale;
		e = json_pack("{s:s, s:o, s:b, s:o, s:o, s:o, s:b}", "sku", skus[i], "quantity",
			      rows ? json_string(total) : json_null(), "available", rows && positive(total),
			      "source_time", iso(src), "received_at", iso(recv), "age_seconds",
			      rows ? json_integer(age_ms / 1000) : json_null(), "stale", stale);
		if (json_object_size(locs) > 1 || (json_object_size(locs) == 1 && !json_object_get(locs, "")))
			json_object_set(e, "locations", locs);
		json_decref(locs);
		json_array_append_new(list, e);
	}
	*out = json_pack("{s:s, s:O, s:b, s:I}", "store", store, "skus", list, "stale", any_stale,
			 "staleness_budget_seconds", (json_int_t)(staleness_ms / 1000));
out:
	seam_store_release(st, db);
	json_decref(list);
	return rc == SEAM_OK && !*out ? seam_errorf(err, SEAM_NOMEM, "out of memory") : rc;
}

seam_err_t seam_stock_prices(seam_store_t *st, const seam_stock_store_config_t *sc,
			     const char *store, const char *const *skus, size_t n,
			     const char *currency, const char *price_list, int64_t now_ms,
			     json_t **out, seam_error_t *err)
{
	seam_stmt_t *s = NULL;
	seam_err_t rc;
	json_t *list = json_array();
	int any_stale = 0;
	*out = NULL;
	seam_db_t *db = seam_store_acquire(st);
	int64_t polled = last_poll(db, store);
	if ((rc = seam_db_prepare(db,
				  "SELECT currency, price_list, min_qty, amount, starts, ends, source_ms, "
				  "received_at FROM price_levels WHERE store = $1 AND sku = $2 ORDER BY "
				  "currency, price_list, min_qty",
				  &s, err)) != SEAM_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *prices = json_array();
		int64_t recv = 0;
		seam_stmt_bind_text(s, 1, store);
		seam_stmt_bind_text(s, 2, skus[i]);
		while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
			const char *cur = seam_stmt_column_text(s, 0), *pl = seam_stmt_column_text(s, 1);
			if ((currency && strcmp(currency, cur)) || (price_list && strcmp(price_list, pl)))
				continue;
			if (seam_stmt_column_int64(s, 7) > recv)
				recv = seam_stmt_column_int64(s, 7);
			json_array_append_new(
				prices,
				json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "currency", cur,
					  "price_list", pl, "min_quantity", seam_stmt_column_text(s, 2),
					  "amount", seam_stmt_column_text(s, 3), "starts",
					  seam_stmt_column_is_null(s, 4) ? json_null()
									 : json_string(seam_stmt_column_text(s, 4)),
					  "ends",
					  seam_stmt_column_is_null(s, 5) ? json_null()
									 : json_string(seam_stmt_column_text(s, 5)),
					  "source_time", iso(seam_stmt_column_int64(s, 6))));
		}
		seam_stmt_reset(s);
		if (rc != SEAM_DONE) {
			json_decref(prices);
			goto out;
		}
		rc = SEAM_OK;
		char price[96] = "", lp[96] = "", amount[64], cur[8];
		int64_t src = 0;
		json_t *pj = json_null(), *lj = json_null();
		if (sc && seam__stock_price_of(sc, db, store, skus[i], now_ms, price, sizeof price, lp,
					       sizeof lp, &src) == 0) {
			if (sscanf(price, "%63s %7s", amount, cur) == 2)
				pj = json_pack("{s:s, s:s}", "number", amount, "currency_code", cur);
			if (lp[0] && sscanf(lp, "%63s %7s", amount, cur) == 2)
				lj = json_pack("{s:s, s:s}", "number", amount, "currency_code", cur);
		}
		int64_t known = recv > polled ? recv : polled;
		int64_t age_ms = recv ? now_ms - known : -1;
		int stale = !recv || (sc && age_ms > sc->staleness_ms);
		any_stale |= stale;
		json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:o, s:o, s:b}", "sku", skus[i],
						      "prices", prices, "price", pj, "list_price", lj,
						      "age_seconds",
						      recv ? json_integer(age_ms / 1000) : json_null(),
						      "stale", stale));
	}
	*out = json_pack("{s:s, s:O, s:b}", "store", store, "skus", list, "stale", any_stale);
out:
	seam_store_release(st, db);
	json_decref(list);
	return rc == SEAM_OK && !*out ? seam_errorf(err, SEAM_NOMEM, "out of memory") : rc;
}
