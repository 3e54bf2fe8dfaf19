/*
 * orders.c: the order-export flow (see orders.h).
 */
#include "flows/orders.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "connectors/erp.h"
#include "core/clock.h"
#include "core/ids.h"
#include "domain/money.h"
#include "flows/flow_int.h"
#include "flows/timeline.h"
#include "http/client_config.h"
#include "map/map.h"

/* Whether a seam store's drupal.store UUIDs were found on the site. */
enum { STORES_UNCHECKED = 0, STORES_OK = 1, STORES_MISSING = 2 };

struct seam_flow_orders {
	seam_flow_env_t env;
	pthread_key_t rt_key; /* this worker thread's Lua runtime */
	pthread_mutex_t mu;   /* guards checked[] */
	int *checked;         /* per env.stores entry: STORES_* */
};

/* ---------- per-thread mapping runtime ---------- */

static void rt_free(void *p)
{
	seam_map_runtime_destroy(p);
}

static seam_map_runtime_t *runtime(seam_flow_orders_t *fo, seam_error_t *err)
{
	seam_map_runtime_t *rt = pthread_getspecific(fo->rt_key);
	if (rt)
		return rt;
	seam_map_opts_t mo = {.dir = fo->env.mappings};
	rt = seam_map_runtime_create(&mo, err);
	if (rt)
		pthread_setspecific(fo->rt_key, rt);
	return rt;
}

/* ---------- validation ---------- */

/*
 * What the ERP is sent is checked in two parts: the contract erp.sales-order@v1
 * (contracts/erp/v1/sales-order.schema.json: required fields, closed properties, decimal
 * strings, positive quantities, at least one line) and, once it holds, what JSON Schema
 * cannot say: the order's currency, and lines - line discounts - order discount == the Drupal
 * total less the tax the ERP adds itself, to the cent. Both kinds of problem go into one
 * list in the validator's basic output form, so the dead letter and the timeline show them
 * alike ("pointer: detail (keyword)").
 */
#define SALES_ORDER_CONTRACT "erp.sales-order@v1"
#define TEXT_MAX 1500 /* last_error is a line, not a document */

static int dec_of(json_t *v, seam_money_dec_t *d)
{
	if (json_is_string(v))
		return seam_money_dec_parse(json_string_value(v), (size_t)-1, d, NULL) == SEAM_OK ? 0 : -1;
	if (json_is_integer(v)) {
		*d = (seam_money_dec_t){.units = json_integer_value(v), .scale = 0};
		return 0;
	}
	return -1;
}

/* A problem of seam's own rules, in the validator's basic output form. */
static void rule_error(json_t *basic, const char *pointer, const char *keyword, json_t *msg)
{
	char kl[64];
	snprintf(kl, sizeof kl, "/%s", keyword);
	json_array_append_new(basic, json_pack("{s:s, s:s, s:s, s:o}", "instanceLocation", pointer,
					       "keywordLocation", kl, "absoluteKeywordLocation",
					       "seam:flows/orders#/totals-rule", "error", msg));
}

/* The totals rule on a sales order that holds its contract (so every amount is a decimal). */
static void totals_rule(json_t *so, const char *drupal_total, const char *currency, json_t *basic)
{
	json_t *lines = json_object_get(so, "salesOrderLines"), *line, *hd;
	const char *cur = json_string_value(json_object_get(so, "currencyCode"));
	seam_money_dec_t sum = {0, 0}, v, t;
	char a[SEAM_MONEY_BUF], ptr[64];
	size_t i;

	if (currency && cur && strcmp(cur, currency) != 0)
		rule_error(basic, "/currencyCode", "currency",
			   json_sprintf("%s, but the Drupal order is in %s", cur, currency));
	json_array_foreach(lines, i, line) {
		seam_money_dec_t q, up, amt, disc = {0, 0};
		json_t *d = json_object_get(line, "discountAmount");
		snprintf(ptr, sizeof ptr, "/salesOrderLines/%zu", i);
		if (dec_of(json_object_get(line, "quantity"), &q) != 0 ||
		    dec_of(json_object_get(line, "unitPrice"), &up) != 0 ||
		    (d && !json_is_null(d) && dec_of(d, &disc) != 0) ||
		    seam_money_dec_mul(q, up, &amt, NULL) != SEAM_OK ||
		    seam_money_dec_sub(amt, disc, &amt, NULL) != SEAM_OK ||
		    seam_money_dec_add(sum, amt, &sum, NULL) != SEAM_OK) {
			rule_error(basic, ptr, "totals", json_string("the line's amount is out of range"));
			return;
		}
	}
	hd = json_object_get(so, "discountAmount");
	if (hd && !json_is_null(hd) &&
	    (dec_of(hd, &v) != 0 || seam_money_dec_sub(sum, v, &sum, NULL) != SEAM_OK)) {
		rule_error(basic, "/discountAmount", "totals", json_string("out of range"));
		return;
	}
	if (drupal_total && seam_money_dec_parse(drupal_total, (size_t)-1, &t, NULL) == SEAM_OK &&
	    seam_money_dec_cmp(sum, t) != 0)
		rule_error(basic, "/salesOrderLines", "totals",
			   json_sprintf("the lines add up to %s, the Drupal order total is %s",
					seam_money_dec_format(sum, a), drupal_total));
}

seam_err_t seam_flow_orders_validate(const seam_contracts_t *contracts, json_t *so,
				     const char *drupal_total, const char *currency, json_t **errors,
				     char **text)
{
	const seam_contract_t *c = contracts ? seam_contracts_find(contracts, SALES_ORDER_CONTRACT)
					     : NULL;
	json_t *basic = NULL;
	char *t = NULL;

	*errors = NULL;
	if (text)
		*text = NULL;
	if (!c) {
		/* the registry is built into the binary: only a caller that passed none gets here */
		basic = json_array();
		rule_error(basic, "", "contract", json_string("no contract registry: "
							      SALES_ORDER_CONTRACT " is unknown"));
	} else if (seam_contract_validate(c, so, &basic)) {
		totals_rule(so, drupal_total, currency, basic);
	}
	if (!basic)
		basic = json_array();
	if (json_array_size(basic) == 0) {
		*errors = basic;
		return SEAM_OK;
	}
	if (text) {
		char *e = seam_contract_errors_text(basic, TEXT_MAX);
		if (asprintf(&t, SALES_ORDER_CONTRACT ": %s", e ? e : "invalid") < 0)
			t = NULL;
		free(e);
		*text = t;
	}
	*errors = seam_contract_errors_public(basic);
	json_decref(basic);
	return SEAM_PERMANENT;
}

/* Adds the non-included tax adjustments of the order and its items. */
static void add_tax(json_t *res, seam_money_dec_t *tax)
{
	json_t *adjs = seam_drupal_attr(res, "adjustments"), *a;
	size_t i;
	json_array_foreach(adjs, i, a) {
		seam_money_dec_t v;
		const char *type = json_string_value(json_object_get(a, "type"));
		json_t *amount = json_object_get(a, "amount");
		if (!type || strcmp(type, "tax") != 0 || json_is_true(json_object_get(a, "included")))
			continue;
		if (dec_of(json_object_get(amount, "number"), &v) == 0)
			seam_money_dec_add(*tax, v, tax, NULL);
	}
}

void seam_flow_orders_net_total(json_t *doc, json_t *order, const char *total,
				char out[SEAM_MONEY_BUF])
{
	seam_money_dec_t tax = {0, 0}, t;
	add_tax(order, &tax);
	for (size_t i = 0; i < seam_drupal_rel_count(order, "order_items"); i++) {
		json_t *rid = seam_drupal_rel(order, "order_items", i);
		json_t *item = seam_drupal_included(doc, json_string_value(json_object_get(rid, "type")),
						    json_string_value(json_object_get(rid, "id")));
		if (item)
			add_tax(item, &tax);
	}
	if (seam_money_dec_parse(total, (size_t)-1, &t, NULL) != SEAM_OK ||
	    seam_money_dec_sub(t, tax, &t, NULL) != SEAM_OK) {
		snprintf(out, SEAM_MONEY_BUF, "%s", total);
		return;
	}
	seam_money_dec_format(t, out);
}

/* Drupal's total_price minus the tax adjustments it adds on top (the ERP adds its own). */
static void net_of_tax(json_t *doc, const char *total, char out[SEAM_MONEY_BUF])
{
	seam_flow_orders_net_total(doc, seam_drupal_data(doc), total, out);
}

seam_err_t seam_flow_orders_check_mapped(const seam_contracts_t *contracts, json_t *doc,
					 json_t *mapped, json_t **errors, char **text)
{
	seam_drupal_money_t total = {0};
	char net[SEAM_MONEY_BUF] = "";
	/* The ERP computes tax itself: the mapped lines must add up to the total without it. */
	seam_drupal_attr_money(seam_drupal_data(doc), "total_price", &total, NULL);
	if (total.number[0])
		net_of_tax(doc, total.number, net);
	return seam_flow_orders_validate(contracts, mapped, net[0] ? net : NULL,
					 total.currency_code[0] ? total.currency_code : NULL, errors,
					 text);
}

/* ---------- which orders a seam store owns ---------- */

int seam_flow_orders_owns(const seam_config_store_t *sc, const char *drupal_store)
{
	if (!sc)
		return 0;
	if (sc->drupal.stores.n == 0)
		return 1; /* the only seam store on its site (flows/stores.c makes sure) */
	for (size_t i = 0; drupal_store && i < sc->drupal.stores.n; i++)
		if (!strcasecmp(sc->drupal.stores.items[i], drupal_store))
			return 1;
	return 0;
}

void seam_flow_orders_foreign(seam_log_t *log, seam_metrics_t *metrics, const char *store,
			      const char *uuid, const char *drupal_store, const char *where,
			      const char *cid)
{
	seam_metric_add(metrics, SEAM_M_ORDERS_IGNORED, (const char *[]){store, where}, 1);
	seam_logf(log, SEAM_LOG_WARN, "orders", cid,
		  json_pack("{s:s, s:s, s:s, s:s}", "store", store, "order_uuid", uuid, "drupal_store",
			    drupal_store ? drupal_store : "unknown", "seen_by", where),
		  "order of a Drupal store that seam store %s does not own: ignored (see "
		  "stores.%s.drupal.store)", store, store);
}

static void foreign(seam_flow_orders_t *fo, const char *store, const char *uuid,
		    const char *drupal_store, const char *where, const char *cid)
{
	seam_flow_orders_foreign(fo->env.log, fo->env.metrics, store, uuid, drupal_store, where, cid);
}

/* ---------- store rows ---------- */

seam_err_t seam_flow_orders_note(seam_db_t *db, const char *store, const char *uuid,
				 const char *number, const char *state, const char *total,
				 const char *currency, const char *cid, seam_error_t *err)
{
	char now[24];
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	/* What the job later reads from Drupal is the truth: only fill what is not known yet. */
	return seam_db_run(db,
			   "INSERT INTO orders (store, order_uuid, order_number, order_state, "
			   "export_state, total, currency, correlation_id, first_seen_at, updated_at) "
			   "VALUES ($1,$2,$3,$4,'seen',$5,$6,$7,$8,$8) ON CONFLICT (store, order_uuid) DO "
			   "UPDATE SET order_number = COALESCE(orders.order_number, excluded.order_number), "
			   "order_state = COALESCE(orders.order_state, excluded.order_state), total = "
			   "COALESCE(orders.total, excluded.total), currency = COALESCE(orders.currency, "
			   "excluded.currency)",
			   (const char *[]){store, uuid, number, state, total, currency, cid, now}, 8,
			   NULL, err);
}

#define ORDER_COLS "store, order_uuid, order_number, order_state, export_state, erp_number, " \
		   "total, currency, placed_at, exported_at, first_seen_at, updated_at"

/* One orders row (ORDER_COLS) as JSON, times RFC 3339, unknown values null. */
static json_t *order_row(seam_stmt_t *s)
{
	char t[4][25] = {"", "", "", ""};
	for (int i = 0; i < 4; i++)
		if (!seam_stmt_column_is_null(s, 8 + i))
			seam_rfc3339_ms(seam_stmt_column_int64(s, 8 + i), t[i]);
#define COL(i) seam_stmt_column_text(s, i)
#define T(i) (*t[i] ? t[i] : NULL)
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
			 "store", COL(0), "order_uuid", COL(1), "order_number", COL(2),
			 "order_state", COL(3), "export_state", COL(4), "erp_number", COL(5),
			 "total", COL(6), "currency", COL(7), "placed_at", T(0), "exported_at",
			 T(1), "first_seen_at", T(2), "updated_at", T(3));
#undef T
#undef COL
}

seam_err_t seam_flow_orders_find(seam_store_t *st, const char *uuid_or_number, json_t **out,
				 seam_error_t *err)
{
	return seam__flow_rows(st,
			       "SELECT " ORDER_COLS " FROM orders WHERE order_uuid = $1 OR "
			       "order_number = $1 ORDER BY store",
			       uuid_or_number, order_row, out, err);
}

/* A bound value of a statement built piece by piece. */
typedef struct param {
	const char *text; /* NULL: num */
	int64_t num;
} param_t;

seam_err_t seam_flow_orders_list(seam_store_t *st, const seam_flow_orders_filter_t *f,
				 json_t **out, json_t **next_key, seam_error_t *err)
{
	char sql[1024];
	param_t p[10];
	int np = 0, n = 0, limit = f->limit > 0 ? f->limit : 100;
	size_t len;
	seam_db_t *db;
	seam_stmt_t *s = NULL;
	json_t *arr = json_array();
	int64_t last_seen = 0;
	char last_store[128] = "", last_uuid[64] = "";
	seam_err_t rc;
	*out = NULL;
	*next_key = NULL;
	len = (size_t)snprintf(sql, sizeof sql, "SELECT " ORDER_COLS " FROM orders WHERE 1 = 1");
#define ADD(cond, ...)                                                                             \
	do {                                                                                       \
		p[np++] = (param_t){__VA_ARGS__};                                                  \
		len += (size_t)snprintf(sql + len, sizeof sql - len, cond, np);                    \
	} while (0)
	if (f->store)
		ADD(" AND store = $%d", f->store, 0);
	if (f->export_state)
		ADD(" AND export_state = $%d", f->export_state, 0);
	if (f->number)
		ADD(" AND order_number = $%d", f->number, 0);
	if (f->since_ms > 0)
		ADD(" AND placed_at >= $%d", NULL, f->since_ms);
	if (f->until_ms > 0)
		ADD(" AND placed_at < $%d", NULL, f->until_ms);
	if (f->after_store) {
		/* the keyset: strictly after the previous page's last row, in the sort order;
		 * row values compare the same way on SQLite (3.15+) and PostgreSQL */
		ADD(" AND (first_seen_at, store, order_uuid) < ($%d", NULL, f->after_seen);
		ADD(", $%d", f->after_store, 0);
		ADD(", $%d)", f->after_uuid, 0);
	}
	ADD(" ORDER BY first_seen_at DESC, store DESC, order_uuid DESC LIMIT $%d", NULL, limit);
#undef ADD
	db = seam_store_acquire(st);
	rc = seam_db_prepare(db, sql, &s, err);
	if (rc != SEAM_OK)
		goto out;
	for (int i = 0; i < np; i++) {
		if (p[i].text)
			seam_stmt_bind_text(s, i + 1, p[i].text);
		else
			seam_stmt_bind_int64(s, i + 1, p[i].num);
	}
	while ((rc = seam_stmt_step(s, err)) == SEAM_ROW) {
		json_array_append_new(arr, order_row(s));
		last_seen = seam_stmt_column_int64(s, 10);
		snprintf(last_store, sizeof last_store, "%s", seam_stmt_column_text(s, 0));
		snprintf(last_uuid, sizeof last_uuid, "%s", seam_stmt_column_text(s, 1));
		n++;
	}
	seam_stmt_reset(s);
	if (rc == SEAM_DONE)
		rc = SEAM_OK;
out:
	seam_store_release(st, db);
	if (rc != SEAM_OK) {
		json_decref(arr);
		return seam_error_prefix(err, "list orders");
	}
	if (n == limit)
		*next_key = json_pack("[I, s, s]", (json_int_t)last_seen, last_store, last_uuid);
	*out = arr;
	return SEAM_OK;
}

static void upsert_order(seam_flow_orders_t *fo, const char *store, const char *uuid,
			 const char *number, const char *state, int64_t placed_s, const char *total,
			 const char *currency, const char *cid)
{
	char now[24], placed[24];
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	snprintf(placed, sizeof placed, "%lld", (long long)placed_s * 1000);
	seam_queue_run(fo->env.queue, fo->env.store,
		    "INSERT INTO orders (store, order_uuid, order_number, order_state, placed_at, "
		    "export_state, total, currency, correlation_id, first_seen_at, updated_at) VALUES "
		    "($1,$2,$3,$4,$5,'seen',$6,$7,$8,$9,$9) ON CONFLICT (store, order_uuid) DO UPDATE SET "
		    "order_number = excluded.order_number, order_state = excluded.order_state, "
		    "placed_at = excluded.placed_at, total = excluded.total, currency = "
		    "excluded.currency, updated_at = excluded.updated_at",
		    (const char *[]){store, uuid, number, state, placed_s ? placed : NULL, total,
				     currency, cid, now},
		    9, NULL, NULL);
}

static void set_export(seam_flow_orders_t *fo, const char *store, const char *uuid,
		       const char *state, const char *erp_number, const char *erp_id)
{
	char now[24];
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	seam_queue_run(fo->env.queue, fo->env.store,
		       "UPDATE orders SET export_state = $3, erp_number = COALESCE($4, erp_number), "
		       "erp_id = COALESCE($5, erp_id), exported_at = COALESCE(exported_at, $6), "
		       "updated_at = $6 WHERE store = $1 AND order_uuid = $2",
		       (const char *[]){store, uuid, state, erp_number, erp_id, now}, 6, NULL, NULL);
}

/* Drops a row noted for an order this store turned out not to own (it was never exported). */
static void forget_order(seam_flow_orders_t *fo, const char *store, const char *uuid)
{
	seam_queue_run(fo->env.queue, fo->env.store,
		       "DELETE FROM orders WHERE store = $1 AND order_uuid = $2 AND export_state = 'seen'",
		       (const char *[]){store, uuid}, 2, NULL, NULL);
}

static int export_state(seam_flow_orders_t *fo, const char *store, const char *uuid, char *state,
			char *erp_number, char *erp_id)
{
	seam_db_t *db = seam_store_acquire(fo->env.store);
	seam_stmt_t *s;
	int found = 0;
	if (seam_db_prepare(db,
			    "SELECT export_state, erp_number, erp_id FROM orders WHERE store = $1 AND "
			    "order_uuid = $2",
			    &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, store);
		seam_stmt_bind_text(s, 2, uuid);
		if (seam_stmt_step(s, NULL) == SEAM_ROW) {
			found = 1;
			snprintf(state, 32, "%s", seam_stmt_column_text(s, 0));
			snprintf(erp_number, 64, "%s", seam_stmt_column_text(s, 1) ? seam_stmt_column_text(s, 1) : "");
			snprintf(erp_id, 64, "%s", seam_stmt_column_text(s, 2) ? seam_stmt_column_text(s, 2) : "");
		}
	}
	seam_store_release(fo->env.store, db);
	return found;
}

static void tl(seam_flow_orders_t *fo, const char *uuid, const char *cid, const char *system,
	       const char *event, json_t *detail)
{
	/* through the group committer: a handler's entries share commits with everyone's */
	seam_timeline_submit(fo->env.queue, fo->env.store, "order", uuid, cid, system, event, detail,
			     NULL);
}

/* ---------- order.export ---------- */

typedef struct ctx {
	seam_flow_orders_t *fo;
	const seam_job_t *job;
	seam_job_result_t *res;
	const char *store, *uuid, *cid;
	const seam_config_store_t *sc;
	seam_upstream_t *drupal, *erp;
} ctx_t;

static seam_err_t resolve_store(ctx_t *c, json_t *payload)
{
	seam_flow_orders_t *fo = c->fo;
	c->store = json_string_value(json_object_get(payload, "store"));
	c->uuid = json_string_value(json_object_get(payload, "order_uuid"));
	c->cid = c->job->correlation_id;
	if (!c->store || !c->uuid)
		return seam_job_fail(c->res, SEAM_PERMANENT, 0, "job payload lacks store/order_uuid");
	c->sc = seam_cfg_map_get(fo->env.stores, c->store);
	if (!c->sc)
		return seam_job_fail(c->res, SEAM_PERMANENT, 0, "store %s is not configured", c->store);
	c->drupal = c->sc->drupal.upstream ? fo->env.upstream(fo->env.upstream_ud, c->sc->drupal.upstream) : NULL;
	c->erp = c->sc->erp.upstream ? fo->env.upstream(fo->env.upstream_ud, c->sc->erp.upstream) : NULL;
	if (!c->drupal || !c->erp)
		return seam_job_fail(c->res, SEAM_PERMANENT, 0,
				     "store %s needs drupal.upstream and erp.upstream for order export",
				     c->store);
	return SEAM_OK;
}

static seam_err_t write_back(ctx_t *c, const char *erp_number)
{
	seam_drupal_outcome_t oc = {0};
	seam_error_t err = {0};
	json_t *attrs = json_pack("{s:s}", "seam_erp_number", erp_number);
	seam_err_t rc = seam_drupal_set_order_fields(c->drupal, c->cid, NULL, c->uuid, attrs, NULL,
						     &oc, &err);
	json_decref(attrs);
	if (rc != SEAM_OK) {
		tl(c->fo, c->uuid, c->cid, "drupal", "writeback.failed",
		   json_pack("{s:s, s:i}", "error", err.msg, "attempt", c->job->attempt));
		return seam_flow_job_error(rc, oc.retry_after_ms, "write-back to Drupal", &err, c->res);
	}
	set_export(c->fo, c->store, c->uuid, "written_back", erp_number, NULL);
	tl(c->fo, c->uuid, c->cid, "drupal", "writeback.done", json_pack("{s:s}", "erp_number", erp_number));
	return SEAM_OK;
}

static seam_err_t export_order(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_flow_orders_t *fo = ud;
	ctx_t c = {.fo = fo, .job = job, .res = res};
	json_t *payload = json_loads(job->payload, 0, NULL), *doc = NULL, *mapped = NULL,
	       *problems = NULL, *found = NULL, *created = NULL, *mctx = NULL;
	seam_drupal_outcome_t doc_oc = {0};
	seam_erp_outcome_t eoc = {0};
	seam_error_t err = {0};
	char state[32] = "", erp_number[64] = "", erp_id[64] = "";
	seam_err_t rc = resolve_store(&c, payload);
	if (rc != SEAM_OK)
		goto out;

	/* A re-run after the order is fully done changes nothing. */
	if (export_state(fo, c.store, c.uuid, state, erp_number, erp_id) &&
	    strcmp(state, "written_back") == 0) {
		rc = SEAM_OK;
		goto out;
	}
	if (*erp_number && strcmp(state, "exported") == 0) {
		rc = write_back(&c, erp_number); /* crashed between export and write-back */
		goto out;
	}

	rc = seam_drupal_get_order(c.drupal, c.cid, NULL, c.uuid, &doc, &doc_oc, &err);
	if (rc == SEAM_NOTFOUND) {
		rc = seam_job_fail(res, SEAM_RETRY, doc_oc.retry_after_ms,
				   "order %s is not visible in Drupal yet", c.uuid);
		goto out;
	}
	if (rc != SEAM_OK) {
		rc = seam_flow_job_error(rc, doc_oc.retry_after_ms, "fetch order from Drupal", &err, res);
		goto out;
	}
	json_t *order = seam_drupal_data(doc);
	const char *ostate = seam_drupal_attr_str(order, "state");
	const char *number = seam_drupal_attr_str(order, "order_number");
	const char *dstore = seam_drupal_order_store(order);
	seam_drupal_money_t total = {0};
	int64_t placed = 0;
	if (!seam_flow_orders_owns(c.sc, dstore)) {
		/* Drupal itself says the order belongs elsewhere (an event without store_uuid, or
		 * sent to the wrong seam store): never exported from here. */
		foreign(fo, c.store, c.uuid, dstore, "export", c.cid);
		tl(fo, c.uuid, c.cid, "seam", "export.ignored",
		   json_pack("{s:s, s:s, s:s}", "store", c.store, "drupal_store", dstore ? dstore : "unknown",
			     "reason", "the order's Drupal store is not this seam store's"));
		forget_order(fo, c.store, c.uuid);
		rc = SEAM_OK;
		goto out;
	}
	seam_drupal_attr_money(order, "total_price", &total, NULL);
	seam_drupal_attr_time(order, "placed", &placed);
	upsert_order(fo, c.store, c.uuid, number, ostate, placed, total.number[0] ? total.number : NULL,
		     total.currency_code[0] ? total.currency_code : NULL, c.cid);
	if (!ostate || strcmp(ostate, "draft") == 0) {
		rc = seam_job_fail(res, SEAM_RETRY, 0, "order %s is still a draft (not placed)", c.uuid);
		goto out;
	}
	if (strcmp(ostate, "canceled") == 0 && !*erp_number) {
		tl(fo, c.uuid, c.cid, "seam", "export.skipped", json_pack("{s:s}", "reason", "canceled before export"));
		rc = SEAM_OK;
		goto out;
	}

	/* Map and validate. */
	seam_map_runtime_t *rt = runtime(fo, &err);
	if (!rt) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "mappings: %s", err.msg);
		goto out;
	}
	mctx = json_pack("{s:s, s:s?, s:s?, s:{s:s?}}", "store", c.store, "company", c.sc->erp.company,
			 "customer_number", c.sc->erp.customer, "accounts", "shipping",
			 c.sc->erp.shipping_account);
	rc = seam_map_run(rt, c.sc->erp.mapping, doc, mctx, &mapped, &err);
	if (rc != SEAM_OK) {
		tl(fo, c.uuid, c.cid, "seam", "export.mapping_failed", json_pack("{s:s}", "error", err.msg));
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "mapping %s: %s", c.sc->erp.mapping, err.msg);
		goto out;
	}
	/* Nothing is sent that does not hold its contract and add up (see "validation"). */
	char *why = NULL;
	if (seam_flow_orders_check_mapped(fo->env.contracts, doc, mapped, &problems, &why) !=
	    SEAM_OK) {
		tl(fo, c.uuid, c.cid, "seam", "export.invalid",
		   json_pack("{s:s, s:O}", "contract", SALES_ORDER_CONTRACT, "errors", problems));
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "mapped sales order violates %s",
				   why ? why : SALES_ORDER_CONTRACT);
		free(why);
		goto out;
	}
	const char *edn = json_string_value(json_object_get(mapped, "externalDocumentNumber"));

	/* Look up before create: the ERP takes no idempotency key. */
	size_t nmatch = 0;
	rc = seam_erp_find_sales_order(c.erp, c.cid, c.sc->erp.company, edn, &found, &nmatch, &eoc, &err);
	if (rc != SEAM_OK) {
		tl(fo, c.uuid, c.cid, "erp", "export.lookup_failed",
		   json_pack("{s:s, s:i}", "error", err.msg, "attempt", job->attempt));
		rc = seam_flow_job_error(rc, eoc.retry_after_ms, "ERP lookup", &err, res);
		goto out;
	}
	const char *how = "export.adopted";
	json_t *so = found;
	if (!found) {
		rc = seam_erp_create_sales_order(c.erp, c.cid, c.sc->erp.company, mapped, &created, &eoc, &err);
		if (rc == SEAM_CONFLICT) {
			/* It exists after all (created by an earlier attempt): adopt it. */
			rc = seam_erp_find_sales_order(c.erp, c.cid, c.sc->erp.company, edn, &found,
						       &nmatch, &eoc, &err);
			so = found;
			if (rc == SEAM_OK && !found)
				rc = seam_errorf(&err, SEAM_RETRY, "ERP reported a duplicate it does not list yet");
		} else {
			so = created;
			how = "export.created";
		}
		if (rc != SEAM_OK) {
			int64_t after = eoc.retry_after_ms;
			if (rc == SEAM_TIMEOUT || rc == SEAM_UPSTREAM || (rc == SEAM_RETRY && eoc.status == 0)) {
				/* Ambiguous: the ERP may still be executing the create. Look again only
				 * once it has surely finished, or the lookup misses it and we create a
				 * second order. */
				const seam_upstream_config_t *uc =
					seam_cfg_map_get(fo->env.upstreams, c.sc->erp.upstream);
				int64_t settle = uc ? 2 * uc->timeout_ms : 60000;
				if (after < settle)
					after = settle;
			}
			tl(fo, c.uuid, c.cid, "erp", "export.failed",
			   json_pack("{s:s, s:i, s:i}", "error", err.msg, "status", eoc.status, "attempt",
				     job->attempt));
			rc = seam_flow_job_error(rc, after, "ERP create", &err, res);
			goto out;
		}
	}
	if (nmatch > 1)
		seam_logf(fo->env.log, SEAM_LOG_ERROR, "orders", c.cid,
			  json_pack("{s:s, s:s, s:I}", "order_uuid", c.uuid, "external_document_number",
				    edn, "matches", (json_int_t)nmatch),
			  "the ERP holds several sales orders for one storefront order");
	const char *num = json_string_value(json_object_get(so, "number"));
	const char *id = json_string_value(json_object_get(so, "id"));
	if (!num) {
		rc = seam_job_fail(res, SEAM_RETRY, 0, "ERP sales order has no number yet");
		goto out;
	}
	set_export(fo, c.store, c.uuid, "exported", num, id);
	tl(fo, c.uuid, c.cid, "erp", how, json_pack("{s:s, s:s?, s:i}", "erp_number", num, "erp_id", id,
						    "attempt", job->attempt));
	seam_metric_add(fo->env.metrics, SEAM_M_ORDER_EXPORTS, (const char *[]){c.store, how + 7}, 1);
	seam_logf(fo->env.log, SEAM_LOG_INFO, "orders", c.cid,
		  json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s, s:i}", "store", c.store, "order_uuid",
			    c.uuid, "order_number", number, "erp_number", num, "erp_id", id, "how",
			    how + 7, "attempt", job->attempt),
		  "order %s in the ERP as %s (%s)", number ? number : c.uuid, num, how + 7);
	rc = write_back(&c, num);
out:
	json_decref(found);
	json_decref(created);
	json_decref(mapped);
	json_decref(problems);
	json_decref(mctx);
	json_decref(doc);
	json_decref(payload);
	return rc;
}

/* ---------- order.cancel ---------- */

static seam_err_t cancel_order(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_flow_orders_t *fo = ud;
	ctx_t c = {.fo = fo, .job = job, .res = res};
	json_t *payload = json_loads(job->payload, 0, NULL);
	seam_erp_outcome_t eoc = {0};
	seam_error_t err = {0};
	char state[32] = "", erp_number[64] = "", erp_id[64] = "";
	seam_err_t rc = resolve_store(&c, payload);
	if (rc != SEAM_OK)
		goto out;
	if (!export_state(fo, c.store, c.uuid, state, erp_number, erp_id) || !*erp_id) {
		tl(fo, c.uuid, c.cid, "seam", "cancel.recorded", json_pack("{s:s}", "reason", "not exported"));
		rc = SEAM_OK;
		goto out;
	}
	if (strcmp(state, "canceled_in_erp") == 0) {
		rc = SEAM_OK;
		goto out;
	}
	rc = seam_erp_cancel_sales_order(c.erp, c.cid, c.sc->erp.company, erp_id, NULL, &eoc, &err);
	if (rc != SEAM_OK && rc != SEAM_NOTFOUND) {
		rc = seam_flow_job_error(rc, eoc.retry_after_ms, "ERP cancel", &err, res);
		goto out;
	}
	set_export(fo, c.store, c.uuid, "canceled_in_erp", NULL, NULL);
	tl(fo, c.uuid, c.cid, "erp", "cancel.done", json_pack("{s:s}", "erp_number", erp_number));
	rc = SEAM_OK;
out:
	json_decref(payload);
	return rc;
}

/* ---------- order.poll ---------- */

#define POLL_LISTED_MAX 100 /* order uuids a poll.run entry lists (enqueued counts them all) */

typedef struct poll {
	seam_flow_orders_t *fo;
	const char *store;
	const seam_config_store_t *sc;
	const char *cid;   /* the poll run's */
	int enqueued;
	int ignored;
	json_t *found;     /* uuids of the orders this run enqueued work for (the first
			    * POLL_LISTED_MAX) */
} poll_t;

/* One order the poller saw changed: a placed order gets its export job, a canceled order
 * that is already in the ERP gets its cancel job, both with the dedup keys the storefront's
 * events use, so event and poller converge on one job whoever comes first. Each job gets a
 * correlation id of its own: the order's story must not share one with every other order the
 * same poll run found (the run has its own timeline entry, under the run's id). */
static seam_err_t poll_one(json_t *order, json_t *page, void *ud)
{
	poll_t *p = ud;
	const char *uuid = seam_drupal_id(order);
	const char *state = seam_drupal_attr_str(order, "state");
	const char *dstore = seam_drupal_order_store(order);
	char dedup[200], st[32] = "", erp_number[64] = "", erp_id[64] = "", cid[SEAM_CID_MAX];
	(void)page;
	if (!uuid || !state)
		return SEAM_OK;
	if (!seam_flow_orders_owns(p->sc, dstore)) {
		/* The listing filters on the owned stores; this is the belt to those braces. */
		foreign(p->fo, p->store, uuid, dstore, "poll", p->cid);
		p->ignored++;
		return SEAM_OK;
	}
	int canceled = strcmp(state, "canceled") == 0;
	if (canceled) {
		if (!export_state(p->fo, p->store, uuid, st, erp_number, erp_id) || !*erp_id ||
		    strcmp(st, "canceled_in_erp") == 0)
			return SEAM_OK; /* never exported, or already canceled there */
	}
	json_t *pl = json_pack("{s:s, s:s, s:s}", "store", p->store, "order_uuid", uuid, "source", "poller");
	char *text = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	seam_cid_new(cid);
	snprintf(dedup, sizeof dedup, "%s:%s:%s", canceled ? "cancel" : "export", p->store, uuid);
	seam_job_spec_t spec = {.kind = canceled ? SEAM_JOB_ORDER_CANCEL : SEAM_JOB_ORDER_EXPORT,
				.flow = SEAM_FLOW_ORDERS, .dedup_key = dedup, .payload = text,
				.correlation_id = cid};
	int existed = 0;
	seam_db_t *db = seam_store_acquire(p->fo->env.store);
	seam_err_t rc = seam_db_begin(db, NULL);
	if (rc == SEAM_OK)
		rc = seam_queue_enqueue(p->fo->env.queue, db, &spec, NULL, &existed, NULL);
	if (rc == SEAM_OK && !existed) {
		seam_drupal_money_t total = {0};
		seam_drupal_attr_money(order, "total_price", &total, NULL);
		/* Known from now on, so `seam ctl trace <number>` finds it while its job waits. */
		rc = seam_flow_orders_note(db, p->store, uuid, seam_drupal_attr_str(order, "order_number"),
					   state, total.number[0] ? total.number : NULL,
					   total.currency_code[0] ? total.currency_code : NULL, cid, NULL);
		if (rc == SEAM_OK)
			rc = seam_timeline_add(db, "order", uuid, cid, "seam",
					       canceled ? "poller.found_canceled" : "poller.found",
					       json_pack("{s:s, s:s}", "store", p->store, "poll_correlation_id",
							 p->cid),
					       NULL);
	}
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, NULL);
	else
		seam_db_rollback(db);
	seam_store_release(p->fo->env.store, db);
	free(text);
	if (rc == SEAM_OK && !existed) {
		p->enqueued++;
		if (json_array_size(p->found) < POLL_LISTED_MAX)
			json_array_append_new(p->found, json_string(uuid));
	}
	return rc == SEAM_OK ? SEAM_OK : SEAM_RETRY;
}

static void cursor_get(seam_flow_orders_t *fo, const char *name, char out[32])
{
	seam_db_t *db = seam_store_acquire(fo->env.store);
	seam_stmt_t *s;
	snprintf(out, 32, "0");
	if (seam_db_prepare(db, "SELECT value FROM cursors WHERE name = $1", &s, NULL) == SEAM_OK) {
		seam_stmt_bind_text(s, 1, name);
		if (seam_stmt_step(s, NULL) == SEAM_ROW)
			snprintf(out, 32, "%s", seam_stmt_column_text(s, 0));
	}
	seam_store_release(fo->env.store, db);
}

static void cursor_set(seam_flow_orders_t *fo, const char *name, int64_t value)
{
	char v[32], now[24];
	snprintf(v, sizeof v, "%lld", (long long)value);
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	seam_db_t *db = seam_store_acquire(fo->env.store);
	seam_db_run(db,
		    "INSERT INTO cursors (name, value, updated_at) VALUES ($1,$2,$3) ON CONFLICT (name) "
		    "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
		    (const char *[]){name, v, now}, 3, NULL, NULL);
	seam_store_release(fo->env.store, db);
}

/* One listing with its own cursor; the cursor advances with the progress made, even when a
 * later page failed. */
static seam_err_t poll_listing(seam_flow_orders_t *fo, seam_upstream_t *u, const seam_job_t *job,
			       poll_t *p, const char *cursor_name, const char *field,
			       const char *state, seam_drupal_outcome_t *oc, seam_error_t *err,
			       size_t *seen)
{
	char cursor[32];
	cursor_get(fo, cursor_name, cursor);
	seam_drupal_order_query_t q = {.placed_since = strtoll(cursor, NULL, 10),
				       .cursor_field = field, .state = state,
				       .stores = (const char *const *)p->sc->drupal.stores.items,
				       .nstores = p->sc->drupal.stores.n};
	seam_drupal_list_result_t lr = {0};
	seam_err_t rc = seam_drupal_list_orders(u, job->correlation_id, &q, poll_one, p, &lr, oc, err);
	cursor_set(fo, cursor_name, lr.max_placed);
	*seen += lr.orders;
	return rc;
}

/* ---------- is drupal.store on the site? ---------- */

static size_t store_index(const seam_cfg_map_t *stores, const char *name)
{
	for (size_t i = 0; i < stores->n; i++)
		if (!strcmp(stores->names[i], name))
			return i;
	return (size_t)-1;
}

/* Checks one seam store's drupal.store UUIDs against the commerce_stores the site lists.
 * SEAM_OK when all are there, SEAM_CONFIG (message names the missing ones and what the site
 * has) when one is not, or the call's failure when the site could not be asked. */
static seam_err_t check_one(seam_flow_orders_t *fo, size_t i, int64_t timeout_ms,
			    const char *cid, seam_error_t *err)
{
	const seam_config_store_t *sc = fo->env.stores->items[i];
	const char *name = fo->env.stores->names[i];
	seam_upstream_t *u = sc->drupal.upstream ? fo->env.upstream(fo->env.upstream_ud, sc->drupal.upstream) : NULL;
	json_t *stores = NULL, *st;
	seam_drupal_outcome_t oc = {0};
	size_t k;
	if (!u || sc->drupal.stores.n == 0)
		return SEAM_OK;
	seam_err_t rc = seam_drupal_list_stores(u, cid, timeout_ms, &stores, &oc, err);
	if (rc != SEAM_OK)
		return rc;
	char missing[512] = "", have[768] = "";
	size_t nm = 0, lm = 0, lh = 0;
	json_array_foreach(stores, k, st) {
		const char *nm_ = json_string_value(json_object_get(st, "name"));
		if (lh < sizeof have)
			lh += (size_t)snprintf(have + lh, sizeof have - lh, "%s'%s' %s", lh ? ", " : "",
					       nm_ ? nm_ : "(not visible)",
					       json_string_value(json_object_get(st, "id")));
	}
	for (size_t j = 0; j < sc->drupal.stores.n; j++) {
		const char *want = sc->drupal.stores.items[j];
		int found = 0;
		json_array_foreach(stores, k, st)
			if (!strcasecmp(json_string_value(json_object_get(st, "id")), want)) {
				found = 1;
				seam_logf(fo->env.log, SEAM_LOG_INFO, "orders", cid,
					  json_pack("{s:s, s:s, s:s?, s:b}", "store", name, "drupal_store", want,
						    "drupal_store_name",
						    json_string_value(json_object_get(st, "name")), "visible",
						    json_is_true(json_object_get(st, "visible"))),
					  "seam store %s owns Drupal store %s", name, want);
			}
		if (!found && lm < sizeof missing) {
			lm += (size_t)snprintf(missing + lm, sizeof missing - lm, "%s%s", nm ? ", " : "", want);
			nm++;
		}
	}
	json_decref(stores);
	if (nm)
		return seam_errorf(err, SEAM_CONFIG,
				   "stores.%s.drupal.store: the Drupal site (upstream %s) has no "
				   "commerce_store %s; it has %s",
				   name, sc->drupal.upstream, missing, lh ? have : "none the account can see");
	return SEAM_OK;
}

static void set_checked(seam_flow_orders_t *fo, size_t i, int v)
{
	pthread_mutex_lock(&fo->mu);
	fo->checked[i] = v;
	pthread_mutex_unlock(&fo->mu);
}

static int get_checked(seam_flow_orders_t *fo, size_t i)
{
	pthread_mutex_lock(&fo->mu);
	int v = fo->checked[i];
	pthread_mutex_unlock(&fo->mu);
	return v;
}

seam_err_t seam_flow_orders_check_stores(seam_flow_orders_t *fo, int64_t timeout_ms,
					 seam_error_t *err)
{
	char cid[SEAM_CID_MAX];
	seam_cid_new(cid);
	for (size_t i = 0; i < fo->env.stores->n; i++) {
		seam_error_t e = {0};
		seam_err_t rc = check_one(fo, i, timeout_ms, cid, &e);
		if (rc == SEAM_CONFIG) {
			set_checked(fo, i, STORES_MISSING);
			return seam_errorf(err, rc, "%s", e.msg);
		}
		if (rc == SEAM_OK) {
			set_checked(fo, i, STORES_OK);
			continue;
		}
		/* The site is down or refuses: starting anyway keeps webhooks durable; the poller
		 * checks again before it lists anything. */
		seam_logf(fo->env.log, SEAM_LOG_WARN, "orders", cid,
			  json_pack("{s:s, s:s}", "store", fo->env.stores->names[i], "error", e.msg),
			  "cannot check stores.%s.drupal.store against the Drupal site now; the "
			  "poller checks before its first poll", fo->env.stores->names[i]);
	}
	return SEAM_OK;
}

/* Before a store's first poll when start-up could not check: SEAM_OK to poll, or the job's
 * outcome. A store whose UUID the site does not have polls nothing: the first poll that
 * finds out dead-letters with the message, later ones only log it. */
static seam_err_t poll_gate(seam_flow_orders_t *fo, const char *store, const seam_job_t *job,
			    seam_job_result_t *res, int *skip)
{
	size_t i = store_index(fo->env.stores, store);
	seam_error_t err = {0};
	*skip = 0;
	if (i == (size_t)-1 || get_checked(fo, i) == STORES_OK)
		return SEAM_OK;
	if (get_checked(fo, i) == STORES_MISSING) {
		seam_logf(fo->env.log, SEAM_LOG_ERROR, "orders", job->correlation_id,
			  json_pack("{s:s}", "store", store),
			  "stores.%s.drupal.store names a commerce_store the site does not have: not "
			  "polling (fix the config and restart)", store);
		*skip = 1;
		return SEAM_OK;
	}
	seam_err_t rc = check_one(fo, i, 0, job->correlation_id, &err);
	if (rc == SEAM_OK) {
		set_checked(fo, i, STORES_OK);
		return SEAM_OK;
	}
	*skip = 1;
	if (rc == SEAM_CONFIG) {
		set_checked(fo, i, STORES_MISSING);
		seam_logf(fo->env.log, SEAM_LOG_ERROR, "orders", job->correlation_id,
			  json_pack("{s:s, s:s}", "store", store, "error", err.msg), "%s", err.msg);
		return seam_job_fail(res, SEAM_PERMANENT, 0, "%s", err.msg);
	}
	return seam_flow_job_error(rc, -1, "check drupal.store against the site", &err, res);
}

/*
 * Two listings per poll, each with its own cursor and both filtered on the store's own
 * commerce_stores (drupal.store):
 *   - orders by `placed` (every state but draft): the exports. `placed` never changes, so
 *     offset paging is stable even while seam writes ERP numbers back to those orders.
 *   - canceled orders by `changed`: a cancellation after export whose event was lost. Nothing
 *     writes to a canceled order, so this listing is stable too.
 * A run that found work (or failed) gets one timeline entry of its own (entity "poll", id the
 * store), not one per order it saw.
 */
static seam_err_t poll_orders(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_flow_orders_t *fo = ud;
	json_t *payload = json_loads(job->payload, 0, NULL);
	const char *store = json_string_value(json_object_get(payload, "store"));
	const seam_config_store_t *sc = store ? seam_cfg_map_get(fo->env.stores, store) : NULL;
	seam_upstream_t *u = sc && sc->drupal.upstream ? fo->env.upstream(fo->env.upstream_ud, sc->drupal.upstream) : NULL;
	seam_drupal_outcome_t oc = {0};
	seam_error_t err = {0};
	char placed_name[128], canceled_name[128];
	size_t seen = 0;
	int skip = 0;
	seam_err_t rc;
	poll_t p = {.fo = fo, .store = store, .sc = sc, .cid = job->correlation_id};
	if (!u) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0, "poll: store %s has no drupal upstream",
				   store ? store : "?");
		goto out;
	}
	if ((rc = poll_gate(fo, store, job, res, &skip)) != SEAM_OK || skip)
		goto out;
	p.found = json_array();
	snprintf(placed_name, sizeof placed_name, "orders.placed:%s", store);
	snprintf(canceled_name, sizeof canceled_name, "orders.canceled:%s", store);
	rc = poll_listing(fo, u, job, &p, placed_name, "placed", NULL, &oc, &err, &seen);
	if (rc == SEAM_OK)
		rc = poll_listing(fo, u, job, &p, canceled_name, "changed", "canceled", &oc, &err, &seen);
	if (p.enqueued || p.ignored || rc != SEAM_OK)
		seam_timeline_log(fo->env.store, "poll", store, job->correlation_id, "drupal",
				  rc == SEAM_OK ? "poll.run" : "poll.failed",
				  json_pack("{s:s, s:I, s:i, s:i, s:O, s:s?}", "store", store, "seen",
					    (json_int_t)seen, "enqueued", p.enqueued, "ignored",
					    p.ignored, "orders", p.found,
					    "error", rc == SEAM_OK ? NULL : err.msg),
				  NULL);
	if (p.enqueued) {
		seam_logf(fo->env.log, SEAM_LOG_INFO, "orders", job->correlation_id,
			  json_pack("{s:s, s:i, s:I}", "store", store, "enqueued", p.enqueued, "orders",
				    (json_int_t)seen),
			  "poller found %d order(s) without a job", p.enqueued);
		seam_queue_notify(fo->env.queue);
	}
	if (rc != SEAM_OK)
		rc = seam_flow_job_error(rc, oc.retry_after_ms, "poll Drupal orders", &err, res);
out:
	json_decref(p.found);
	json_decref(payload);
	return rc;
}

/* ---------- metrics: export backlog per store ---------- */

static void collect(seam_metrics_t *m, void *ud)
{
	seam_flow_orders_t *fo = ud;
	seam_db_t *db = seam_store_acquire(fo->env.store);
	seam_stmt_t *s;
	int64_t now = seam_now_ms();
	seam_metric_reset(m, SEAM_M_ORDER_EXPORT_BACKLOG);
	seam_metric_reset(m, SEAM_M_ORDER_EXPORT_OLDEST);
	/* Every exporting store has its series, 0 without a backlog: an alert on the value
	 * must not go quiet because the series vanished. */
	for (size_t i = 0; i < fo->env.stores->n; i++) {
		const seam_config_store_t *sc = fo->env.stores->items[i];
		const char *name = fo->env.stores->names[i];
		if (!sc->erp.upstream)
			continue;
		seam_metric_set(m, SEAM_M_ORDER_EXPORT_BACKLOG, (const char *[]){name}, 0);
		seam_metric_set(m, SEAM_M_ORDER_EXPORT_OLDEST, (const char *[]){name}, 0);
	}
	if (seam_db_prepare(db,
			    "SELECT store, count(*), min(COALESCE(placed_at, first_seen_at)) FROM orders "
			    "WHERE export_state = 'seen' AND order_state <> 'canceled' GROUP BY store",
			    &s, NULL) == SEAM_OK) {
		while (seam_stmt_step(s, NULL) == SEAM_ROW) {
			const char *store = seam_stmt_column_text(s, 0);
			seam_metric_set(m, SEAM_M_ORDER_EXPORT_BACKLOG, (const char *[]){store},
					(double)seam_stmt_column_int64(s, 1));
			seam_metric_set(m, SEAM_M_ORDER_EXPORT_OLDEST, (const char *[]){store},
					(double)(now - seam_stmt_column_int64(s, 2)) / 1000.0);
		}
	}
	seam_store_release(fo->env.store, db);
}

seam_err_t seam_flow_orders_create(const seam_flow_env_t *env, seam_flow_orders_t **out,
				   seam_error_t *err)
{
	seam_flow_orders_t *fo = calloc(1, sizeof *fo);
	seam_err_t rc;
	if (!fo)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	fo->env = *env;
	pthread_key_create(&fo->rt_key, rt_free);
	pthread_mutex_init(&fo->mu, NULL);
	if (!(fo->checked = calloc(env->stores->n + 1, sizeof *fo->checked))) {
		seam_flow_orders_destroy(fo);
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < env->stores->n; i++) {
		const seam_config_store_t *sc = env->stores->items[i];
		const char *name = env->stores->names[i];
		char sched[128], pl[160];
		if (!sc->erp.upstream || sc->drupal.poll_interval_ms <= 0)
			continue;
		snprintf(sched, sizeof sched, "orders.poll:%s", name);
		snprintf(pl, sizeof pl, "{\"store\":\"%s\"}", name);
		rc = seam_queue_schedule(env->queue, sched, SEAM_FLOW_ORDERS, SEAM_JOB_ORDER_POLL,
					 sc->drupal.poll_interval_ms, pl, err);
		if (rc != SEAM_OK) {
			seam_flow_orders_destroy(fo);
			return rc;
		}
	}
	seam_metrics_add_collector(env->metrics, collect, fo);
	*out = fo;
	return SEAM_OK;
}

void seam_flow_orders_destroy(seam_flow_orders_t *fo)
{
	if (!fo)
		return;
	/* Runtimes of worker threads are freed by the key destructor as those threads exit. */
	pthread_key_delete(fo->rt_key);
	pthread_mutex_destroy(&fo->mu);
	free(fo->checked);
	free(fo);
}

/* --- what one of its jobs is about ----------------------------------------------------------- */

/* order.export / order.cancel / order.poll carry {"store", "order_uuid"?}. */
static void order_subject(seam_db_t *db, const char *kind, const json_t *payload,
			  seam_job_subject_t *out)
{
	(void)kind;
	seam__flow_copy(out->store, sizeof out->store,
			json_string_value(json_object_get(payload, "store")));
	seam__flow_copy(out->order_uuid, sizeof out->order_uuid,
			json_string_value(json_object_get(payload, "order_uuid")));
	seam__flow_subject_order(db, out);
}

/* --- the registry row ----------------------------------------------------------------------- */

static seam_err_t create(const seam_flow_env_t *env, void **out, seam_error_t *err)
{
	return seam_flow_orders_create(env, (seam_flow_orders_t **)out, err);
}

static void destroy(void *fo)
{
	seam_flow_orders_destroy(fo);
}

/* drupal.store names a commerce_store the site must have; a site that does not answer within
 * the bound is checked again by the poller instead of holding start-up. */
static seam_err_t start(void *fo, seam_error_t *err)
{
	return seam_flow_orders_check_stores(fo, 5000, err);
}

static const seam_flow_job_t jobs[] = {
	{SEAM_JOB_ORDER_EXPORT, export_order},
	{SEAM_JOB_ORDER_CANCEL, cancel_order},
	{SEAM_JOB_ORDER_POLL, poll_orders},
};
static const seam_metric_id_e metrics[] = {SEAM_M_ORDER_EXPORTS, SEAM_M_ORDER_EXPORT_BACKLOG,
					   SEAM_M_ORDER_EXPORT_OLDEST, SEAM_M_ORDERS_IGNORED};

const seam_flow_def_t seam_flow_orders = {
	.name = SEAM_FLOW_ORDERS,
	.summary = "Order export to the ERP, write-back, cancel, the order poller.",
	.create = create,
	.destroy = destroy,
	.start = start,
	.jobs = jobs,
	.njobs = sizeof jobs / sizeof jobs[0],
	.metrics = metrics,
	.nmetrics = sizeof metrics / sizeof metrics[0],
	.subject = order_subject,
};
