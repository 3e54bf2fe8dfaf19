/*
 * control.c: the ERP double's control API (/_sim/erp/...).
 * Part of the ERP double (API: sim/sim_erp.h); what the files share and the locking rule
 * are in erp_int.h.
 */
#include "sim/erp/erp_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "sim/sim_rng.h"

/* ---- items ---- */

/* One change of an item: the given values (exact decimals; with force any JSON value as
 * given), or new random stock and price when neither is given. Lock held. */
static void touch_item(seam_sim_erp_t *e, json_t *it, json_t *inv, json_t *price, int force)
{
	if (inv)
		json_object_set_new(it, "inventory",
				    force ? json_incref(inv)
					  : seam__sim_erp_dec(seam__sim_erp_num(inv, PS), PS));
	if (price)
		json_object_set_new(it, "unitPrice",
				    force ? json_incref(price)
					  : seam__sim_erp_dec(seam__sim_erp_num(price, PS), PS));
	if (!inv && !price) {
		json_object_set_new(it, "inventory",
				    json_real((double)seam_sim_rng_range(&e->rng, 0, 500)));
		json_object_set_new(it, "unitPrice",
				    seam__sim_erp_dec(seam_sim_rng_range(&e->rng, 400, 19999) * 1000, PS));
	}
	int64_t ms = seam__sim_erp_bump(e, it);
	seam__sim_erp_changed(e, ERP_RES_ITEMS, 0, json_string_value(json_object_get(it, "id")),
			      "updated", 1, ms, ms);
}

#define BURST_MAX 5000000

typedef struct burst_spec {
	int64_t n, k;
	int f_inv, f_price;
} burst_spec_t;

/* A burst: count changes over the first skus items (each gets count / skus of them, give or
 * take one), in an order shuffled from the double's rng, each change drawing new values for
 * the given fields. Only the last state of each item is kept, but every change counts: the
 * version goes up by the item's number of changes and its j-th change is 1 ms after its
 * (j-1)-th, all from one base time max(now, the newest time given + 1). Memory and time are
 * O(count + skus), so a million changes take well under a second. Reads the request: returns
 * 0, or -1 and a message. Lock held. */
static int burst_read(seam_sim_erp_t *e, const json_t *spec, burst_spec_t *bs, char *msg,
		      size_t cap)
{
	json_t *jc = json_object_get(spec, "count"), *js = json_object_get(spec, "skus");
	json_t *jf = json_object_get(spec, "fields");
	int64_t nitems = (int64_t)json_array_size(e->items);
	int f_inv = 1, f_price = 1;
	size_t i;
	json_t *v;
	if (!json_is_object(spec) || !json_is_integer(jc) || json_integer_value(jc) < 0 ||
	    json_integer_value(jc) > BURST_MAX || (js && !json_is_integer(js))) {
		snprintf(msg, cap, "burst: expected {\"count\": 0..%d, \"skus\": n, \"fields\": "
				   "[\"inventory\", \"unitPrice\"]}",
			 BURST_MAX);
		return -1;
	}
	int64_t n = json_integer_value(jc);
	int64_t k = js ? json_integer_value(js) : nitems;
	if (k < 1 || k > nitems) {
		snprintf(msg, cap, "burst.skus: 1..%lld (the items there are)", (long long)nitems);
		return -1;
	}
	if (jf) {
		if (!json_is_array(jf) || json_array_size(jf) == 0) {
			snprintf(msg, cap, "burst.fields: a list of inventory, unitPrice");
			return -1;
		}
		f_inv = f_price = 0;
		json_array_foreach(jf, i, v) {
			const char *f = json_string_value(v);
			if (f && !strcmp(f, "inventory"))
				f_inv = 1;
			else if (f && !strcmp(f, "unitPrice"))
				f_price = 1;
			else {
				snprintf(msg, cap, "burst.fields: inventory or unitPrice, not %s",
					 f ? f : "a non-string");
				return -1;
			}
		}
	}
	bs->n = n;
	bs->k = k;
	bs->f_inv = f_inv;
	bs->f_price = f_price;
	return 0;
}

/* Runs a burst read by burst_read. Returns a summary (new reference), NULL when out of
 * memory (nothing changed then). Lock held. */
static json_t *burst_run(seam_sim_erp_t *e, const burst_spec_t *bs)
{
	int64_t n = bs->n, k = bs->k;
	uint32_t *order = malloc((size_t)(n ? n : 1) * sizeof *order);
	int64_t *cnt = calloc((size_t)k, sizeof *cnt), *inv = calloc((size_t)k, sizeof *inv);
	int64_t *price = calloc((size_t)k, sizeof *price);
	if (!order || !cnt || !inv || !price) {
		free(order);
		free(cnt);
		free(inv);
		free(price);
		return NULL;
	}
	for (int64_t j = 0; j < n; j++)
		order[j] = (uint32_t)(j % k);
	for (int64_t j = n - 1; j > 0; j--) {
		int64_t r = seam_sim_rng_range(&e->rng, 0, j);
		uint32_t t = order[j];
		order[j] = order[r];
		order[r] = t;
	}
	for (int64_t j = 0; j < n; j++) {
		uint32_t x = order[j];
		cnt[x]++;
		if (bs->f_inv)
			inv[x] = seam_sim_rng_range(&e->rng, 0, 500);
		if (bs->f_price)
			price[x] = seam_sim_rng_range(&e->rng, 400, 19999) * 1000;
	}
	int64_t base = seam__sim_erp_next_ms(e, NULL);
	int64_t first = INT64_MAX, last = 0, most = 0, items = 0;
	for (int64_t x = 0; x < k; x++) {
		if (!cnt[x])
			continue;
		json_t *it = json_array_get(e->items, (size_t)x);
		int64_t own = json_integer_value(json_object_get(it, "_ms"));
		int64_t t0 = base > own ? base : own + 1, t1 = t0 + cnt[x] - 1;
		if (bs->f_inv)
			json_object_set_new(it, "inventory", json_real((double)inv[x]));
		if (bs->f_price)
			json_object_set_new(it, "unitPrice", seam__sim_erp_dec(price[x], PS));
		seam__sim_erp_stamp(e, it, t1, cnt[x]);
		const char *id = json_string_value(json_object_get(it, "id"));
		seam__sim_erp_changed(e, ERP_RES_ITEMS, 0, id, "updated", cnt[x], t0, t1);
		first = t0 < first ? t0 : first;
		last = t1 > last ? t1 : last;
		most = cnt[x] > most ? cnt[x] : most;
		items++;
	}
	free(order);
	free(cnt);
	free(inv);
	free(price);
	char a[25] = "", z[25] = "";
	if (items) {
		seam_rfc3339_ms(first, a);
		seam_rfc3339_ms(last, z);
	}
	return json_pack("{s:I, s:I, s:I, s:s?, s:s?}", "changes", (json_int_t)n, "items",
			 (json_int_t)items, "most_per_item", (json_int_t)most, "first",
			 items ? a : NULL, "last", items ? z : NULL);
}

/* POST /_sim/erp/items: {number, inventory?, unitPrice?, force?} sets one item (no values:
 * random ones); {churn: n} changes n random items; {burst: {count, skus, fields}} (see
 * burst()). Any mix, applied in that order. With force, inventory and unitPrice are stored
 * as given, whatever their JSON type (a negative stock, a string, null), for the tests of
 * what seam does with bad values; without it they must be numbers. */
void seam__sim_erp_h_items(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *b = seam_sim_body_json(c);
	json_t *changed = json_array(), *summary = NULL;
	char msg[200];
	if (!json_is_object(b)) {
		seam_sim_problem(c, 400, "bad-request", "expected a JSON object");
		goto out_unlocked;
	}
	pthread_mutex_lock(&e->mu);
	json_int_t churn = json_integer_value(json_object_get(b, "churn"));
	const char *num = json_string_value(json_object_get(b, "number"));
	json_t *inv = json_object_get(b, "inventory"), *price = json_object_get(b, "unitPrice");
	json_t *bspec = json_object_get(b, "burst");
	int force = json_is_true(json_object_get(b, "force"));
	burst_spec_t bs = {0};
	if (!force && ((inv && !json_is_number(inv)) || (price && !json_is_number(price)))) {
		pthread_mutex_unlock(&e->mu);
		seam_sim_problem(c, 400, "bad-request",
				 "inventory and unitPrice are JSON numbers "
				 "(force: true stores any value)");
		goto out;
	}
	json_t *it = num ? seam__sim_erp_find(e->items, "number", num) : NULL;
	if (num && !it) {
		pthread_mutex_unlock(&e->mu);
		seam_sim_problem(c, 404, "not-found", "no item %s", num);
		goto out;
	}
	if (bspec && burst_read(e, bspec, &bs, msg, sizeof msg) != 0) {
		pthread_mutex_unlock(&e->mu);
		seam_sim_problem(c, 400, "bad-request", "%s", msg);
		goto out;
	}
	if (it) {
		touch_item(e, it, inv, price, force);
		json_array_append_new(changed, seam__sim_erp_out(it, 0));
	}
	size_t ni = json_array_size(e->items);
	for (json_int_t k = 0; k < churn && ni > 0; k++) {
		json_t *r = json_array_get(e->items,
					   (size_t)seam_sim_rng_range(&e->rng, 0, (int64_t)ni - 1));
		touch_item(e, r, NULL, NULL, 0);
		json_array_append_new(changed, seam__sim_erp_out(r, 0));
	}
	if (bspec && !(summary = burst_run(e, &bs))) {
		pthread_mutex_unlock(&e->mu);
		seam_sim_problem(c, 507, "out-of-memory", "the burst did not fit in memory");
		goto out;
	}
	pthread_mutex_unlock(&e->mu);
	json_t *doc = json_pack("{s:O}", "changed", changed);
	if (summary)
		json_object_set(doc, "burst", summary);
	seam_sim_reply_json(c, 200, NULL, doc);
out:
out_unlocked:
	json_decref(summary);
	json_decref(changed);
	json_decref(b);
}

void seam__sim_erp_h_stats(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *counts = json_object(), *dups = json_array();
	json_t *per = json_object();
	size_t n = 0;
	pthread_mutex_lock(&e->mu);
	/* duplicates are per company: the same web order in two companies is the wrong-company
	 * failure, which per-company counts show */
	for (size_t k = 0; k < e->ncompanies; k++) {
		company_t *co = &e->companies[k];
		size_t i;
		json_t *o;
		json_object_clear(counts);
		json_array_foreach(co->orders, i, o) {
			const char *ext = json_string_value(json_object_get(o, "externalDocumentNumber"));
			if (!ext || !*ext)
				continue;
			json_t *cnt = json_object_get(counts, ext);
			json_int_t v = cnt ? json_integer_value(cnt) + 1 : 1;
			json_object_set_new(counts, ext, json_integer(v));
			if (v == 2)
				json_array_append_new(dups, json_string(ext));
		}
		n += json_array_size(co->orders);
		json_object_set_new(per, co->id, json_integer((json_int_t)json_array_size(co->orders)));
	}
	pthread_mutex_unlock(&e->mu);
	json_decref(counts);
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:I, s:o, s:o}", "sales_orders", (json_int_t)n, "by_company",
				      per, "duplicate_external_document_numbers", dups));
}

/* ---- a subscriber for trying the webhooks ---- */

#define INBOX_KEEP 100

/* POST /_sim/erp/inbox[?status=n]: with ?validationToken=t answers 200 "t" (the handshake);
 * otherwise keeps the body (the last INBOX_KEEP) and answers status (default 200), so that
 * a subscription on http://<erp>/_sim/erp/inbox?status=503 sees retries and one with
 * ?status=410 is deleted. The double calls itself here: the subscription handlers let go of
 * the lock for the handshake. */
void seam__sim_erp_h_inbox_post(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	const char *tok = seam_sim_query(c, "validationToken");
	const char *st = seam_sim_query(c, "status");
	int status = st ? atoi(st) : 200;
	char ts[25];
	if (tok) {
		pthread_mutex_lock(&e->mu);
		e->inbox_handshakes++;
		pthread_mutex_unlock(&e->mu);
		seam_sim_reply(c, 200, "text/plain", tok, strlen(tok));
		return;
	}
	if (status < 200 || status > 599)
		status = 200;
	json_t *b = seam_sim_body_json(c);
	if (!b)
		b = json_stringn(c->body ? c->body : "", c->body ? c->body_len : 0);
	seam_rfc3339_ms(seam_now_ms(), ts);
	pthread_mutex_lock(&e->mu);
	json_array_append_new(e->inbox, json_pack("{s:I, s:s, s:i, s:o}", "seq",
						  (json_int_t)++e->inbox_seq, "time", ts,
						  "answered", status, "body", b));
	if (json_array_size(e->inbox) > INBOX_KEEP)
		json_array_remove(e->inbox, 0);
	pthread_mutex_unlock(&e->mu);
	seam_sim_reply(c, status, "application/json", "{}", 2);
}

/* GET /_sim/erp/inbox?since=seq: {"received": [{seq, time, answered, body}], "last_seq",
 * "handshakes"}. */
void seam__sim_erp_h_inbox_get(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	const char *since = seam_sim_query(c, "since");
	int64_t after = since ? strtoll(since, NULL, 10) : 0;
	json_t *out = json_array();
	size_t i;
	json_t *m;
	pthread_mutex_lock(&e->mu);
	json_array_foreach(e->inbox, i, m)
		if (json_integer_value(json_object_get(m, "seq")) > after)
			json_array_append(out, m);
	int64_t last = e->inbox_seq, hs = e->inbox_handshakes;
	pthread_mutex_unlock(&e->mu);
	seam_sim_reply_json(c, 200, NULL,
			    json_pack("{s:o, s:I, s:I}", "received", out, "last_seq", (json_int_t)last,
				      "handshakes", (json_int_t)hs));
}
