/*
 * stock_cache.c: the cache as checkout reads it (GET /v1/availability, GET /v1/prices): the
 * store alone answers, never the ERP, and says how old what it knows is.
 */
#include "flows/stock_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
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

/* One statement for the whole batch: the SKUs bound to $2..$101 (NULL past n: they match
 * nothing), so one read transaction and one cached statement answer every request; the
 * store's last good poll comes along as a column. */
static char avail_text[1400];

static void avail_build(void)
{
	size_t o = (size_t)snprintf(avail_text, sizeof avail_text,
				    "SELECT sku, location, quantity, source_ms, received_at, (SELECT "
				    "min(updated_at) FROM stock_cursors WHERE store = $1) FROM "
				    "stock_levels WHERE store = $1 AND sku IN (");
	for (int i = 0; i < SEAM_STOCK_BATCH_MAX; i++)
		o += (size_t)snprintf(avail_text + o, sizeof avail_text - o, "%s$%d", i ? ", " : "", i + 2);
	/* no ORDER BY: rows are put in the request's order by SKU, locations sorted when written */
	snprintf(avail_text + o, sizeof avail_text - o, ")");
}

typedef struct avail_acc {
	seam_money_dec_t sum;
	json_t *locs;
	int64_t src, recv;
	int rows;
} avail_acc_t;

static void add_time(seam_buf_t *b, const char *key, int64_t ms)
{
	char t[32];
	seam_buf_adds(b, key);
	if (ms <= 0) {
		seam_buf_adds(b, "null");
		return;
	}
	seam_rfc3339_ms(ms, t);
	seam_buf_addf(b, "\"%s\"", t);
}

seam_err_t seam_stock_availability_text(seam_store_t *st, const char *store,
					const char *const *skus, size_t n, int64_t staleness_ms,
					int64_t now_ms, char **text, size_t *len, seam_error_t *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	seam_stmt_t *s = NULL;
	seam_err_t rc;
	avail_acc_t acc[SEAM_STOCK_BATCH_MAX];
	int any_stale = 0;
	int64_t polled = 0;
	seam_buf_t b;
	*text = NULL;
	if (n > SEAM_STOCK_BATCH_MAX)
		return seam_errorf(err, SEAM_INVAL, "at most %d SKUs", SEAM_STOCK_BATCH_MAX);
	memset(acc, 0, sizeof acc);
	seam_buf_init(&b, 4u << 20);
	pthread_once(&once, avail_build);
	seam_db_t *db = seam_store_acquire(st);
	if ((rc = seam_db_prepare(db, avail_text, &s, err)) != SEAM_OK)
		goto out;
	seam_stmt_bind_text(s, 1, store);
	for (size_t i = 0; i < SEAM_STOCK_BATCH_MAX; i++)
		if (i < n)
			seam_stmt_bind_text(s, (int)i + 2, skus[i]);
		else
			seam_stmt_bind_null(s, (int)i + 2);
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		const char *sku = seam_stmt_column_text(s, 0);
		size_t k = 0;
		while (k < n && strcmp(skus[k], sku))
			k++;
		if (k == n)
			continue;
		avail_acc_t *a = &acc[k];
		const char *loc = seam_stmt_column_text(s, 1), *q = seam_stmt_column_text(s, 2);
		seam_money_dec_t d;
		if (*loc || a->locs) {
			if (!a->locs)
				a->locs = json_object();
			json_object_set_new(a->locs, loc, json_string(q));
		}
		if (seam_money_dec_parse(q, (size_t)-1, &d, NULL) == SEAM_OK)
			seam_money_dec_add(a->sum, d, &a->sum, NULL);
		/* the oldest location decides how old the answer is */
		if (!a->rows || seam_stmt_column_int64(s, 3) < a->src)
			a->src = seam_stmt_column_int64(s, 3);
		if (!a->rows || seam_stmt_column_int64(s, 4) < a->recv)
			a->recv = seam_stmt_column_int64(s, 4);
		if (!seam_stmt_column_is_null(s, 5))
			polled = seam_stmt_column_int64(s, 5);
		a->rows++;
	}
	seam_stmt_reset(s);
	seam_store_release(st, db);
	db = NULL;
	if (rc != SEAM_DONE)
		goto out;
	rc = SEAM_OK;
	/* written straight into the answer: a jansson tree of 50 SKUs and its dump were most of
	 * the request's time (perf) */
	seam_buf_adds(&b, "{\"store\":");
	seam_buf_add_json_str(&b, store);
	seam_buf_adds(&b, ",\"skus\":[");
	for (size_t i = 0; i < n; i++) {
		avail_acc_t *a = &acc[i];
		char total[SEAM_MONEY_BUF] = "";
		if (a->rows)
			seam_money_dec_format(a->sum, total);
		/* age: since seam last knew the value current: when it took it, or the last poll
		 * that found nothing newer (while the ERP is down, no poll succeeds: it grows) */
		int64_t known = a->recv > polled ? a->recv : polled;
		int64_t age_ms = a->rows ? now_ms - known : -1;
		int stale = !a->rows || age_ms > staleness_ms;
		any_stale |= stale;
		seam_buf_adds(&b, i ? ",{\"sku\":" : "{\"sku\":");
		seam_buf_add_json_str(&b, skus[i]);
		if (a->rows)
			seam_buf_addf(&b, ",\"quantity\":\"%s\",\"available\":%s", total,
				      positive(total) ? "true" : "false");
		else
			seam_buf_adds(&b, ",\"quantity\":null,\"available\":false");
		add_time(&b, ",\"source_time\":", a->src);
		add_time(&b, ",\"received_at\":", a->recv);
		if (a->rows)
			seam_buf_addf(&b, ",\"age_seconds\":%lld", (long long)(age_ms / 1000));
		else
			seam_buf_adds(&b, ",\"age_seconds\":null");
		seam_buf_adds(&b, stale ? ",\"stale\":true" : ",\"stale\":false");
		if (a->locs) {
			char *l = json_dumps(a->locs, JSON_COMPACT | JSON_SORT_KEYS);
			seam_buf_adds(&b, ",\"locations\":");
			seam_buf_adds(&b, l ? l : "{}");
			free(l);
		}
		seam_buf_adds(&b, "}");
	}
	seam_buf_addf(&b, "],\"stale\":%s,\"staleness_budget_seconds\":%lld}",
		      any_stale ? "true" : "false", (long long)(staleness_ms / 1000));
	if ((rc = seam_buf_take(&b, text, len)) != SEAM_OK)
		rc = seam_errorf(err, rc, "availability answer: %s", seam_strerror(rc));
out:
	if (db)
		seam_store_release(st, db);
	for (size_t i = 0; i < SEAM_STOCK_BATCH_MAX; i++)
		json_decref(acc[i].locs);
	seam_buf_dispose(&b);
	return rc;
}

seam_err_t seam_stock_availability(seam_store_t *st, const char *store, const char *const *skus,
				   size_t n, int64_t staleness_ms, int64_t now_ms, json_t **out,
				   seam_error_t *err)
{
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	seam_err_t rc = seam_stock_availability_text(st, store, skus, n, staleness_ms, now_ms, &text,
						     &len, err);
	if (rc != SEAM_OK)
		return rc;
	*out = seam_json_loadb(text, len, 0, NULL);
	free(text);
	return *out ? SEAM_OK : seam_errorf(err, SEAM_NOMEM, "availability answer: not JSON");
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
