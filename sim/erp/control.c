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

#include "sim/sim_rng.h"

/* ---- control ---- */

static void touch_item(seam_sim_erp_t *e, json_t *it, json_t *inv, json_t *price)
{
	if (inv)
		json_object_set_new(it, "inventory", seam__sim_erp_dec(seam__sim_erp_num(inv, PS), PS));
	if (price)
		json_object_set_new(it, "unitPrice", seam__sim_erp_dec(seam__sim_erp_num(price, PS), PS));
	if (!inv && !price) {
		json_object_set_new(it, "inventory",
				    json_real((double)seam_sim_rng_range(&e->rng, 0, 500)));
		json_object_set_new(it, "unitPrice",
				    seam__sim_erp_dec(seam_sim_rng_range(&e->rng, 400, 19999) * 1000, PS));
	}
	seam__sim_erp_bump(it);
}

void seam__sim_erp_h_items(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *b = seam_sim_body_json(c);
	json_t *changed = json_array();
	pthread_mutex_lock(&e->mu);
	json_int_t churn = json_integer_value(json_object_get(b, "churn"));
	const char *num = json_string_value(json_object_get(b, "number"));
	json_t *inv = json_object_get(b, "inventory"), *price = json_object_get(b, "unitPrice");
	if ((inv && !json_is_number(inv)) || (price && !json_is_number(price))) {
		pthread_mutex_unlock(&e->mu);
		seam_sim_problem(c, 400, "bad-request", "inventory and unitPrice are JSON numbers");
		goto out;
	}
	if (num) {
		json_t *it = seam__sim_erp_find(e->items, "number", num);
		if (!it) {
			pthread_mutex_unlock(&e->mu);
			seam_sim_problem(c, 404, "not-found", "no item %s", num);
			goto out;
		}
		touch_item(e, it, inv, price);
		json_array_append_new(changed, seam__sim_erp_out(it, 0));
	}
	size_t ni = json_array_size(e->items);
	for (json_int_t k = 0; k < churn && ni > 0; k++) {
		json_t *it = json_array_get(e->items, (size_t)seam_sim_rng_range(&e->rng, 0, (int64_t)ni - 1));
		touch_item(e, it, NULL, NULL);
		json_array_append_new(changed, seam__sim_erp_out(it, 0));
	}
	pthread_mutex_unlock(&e->mu);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:O}", "changed", changed));
out:
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
