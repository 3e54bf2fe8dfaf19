/*
 * orders.c: Drupal Commerce orders over JSON:API: read one, list the placed ones, write fields
 * back, find one by its number (see drupal.h).
 * Thread-safety: reentrant; no state.
 */
#include "connectors/drupal/drupal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORDER_INCLUDE "order_items,order_items.purchased_entity,billing_profile"

seam_err_t seam_drupal_get_order(seam_upstream_t *u, const char *cid, const char *bundle,
				 const char *order_uuid, json_t **doc, seam_drupal_outcome_t *oc,
				 seam_error_t *err)
{
	char path[320];
	json_t *d = NULL;
	seam_err_t rc;
	seam_call_kv_t q[] = {{"include", ORDER_INCLUDE}};

	seam__drupal_outcome_clear(oc);
	if (doc)
		*doc = NULL;
	bundle = seam__drupal_or_default(bundle, "default");
	if (!u || !doc || !seam__drupal_valid_segment(bundle) || !seam__drupal_valid_segment(order_uuid))
		return seam_errorf(err, SEAM_INVAL, "drupal get order: bad bundle or order uuid");
	snprintf(path, sizeof path, "/jsonapi/commerce_order/%s/%s", bundle, order_uuid);
	seam_drupal_req_t r = {.method = "GET", .path = path, .query = q, .nquery = 1,
			       .media = SEAM_DRUPAL_MEDIA_TYPE, .how = SEAM__DRUPAL_NOTFOUND_IS_NOTFOUND};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "GET", path, d, 0, err)) != SEAM_OK)
		goto out;
	*doc = d;
	d = NULL;
out:
	json_decref(d);
	return rc;
}

seam_err_t seam_drupal_list_orders(seam_upstream_t *u, const char *cid,
				   const seam_drupal_order_query_t *q, seam_drupal_order_fn cb,
				   void *ud, seam_drupal_list_result_t *res,
				   seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char base[200], since[24], limit[12], *page_path = NULL, *prev_query = NULL;
	const char *bundle;
	int max_pages, page_limit;
	json_t *doc = NULL;
	seam_err_t rc = SEAM_INVAL;

	seam__drupal_outcome_clear(oc);
	if (res)
		memset(res, 0, sizeof *res);
	if (!u || !q || !cb || !res)
		return seam_errorf(err, SEAM_INVAL, "drupal list orders: missing argument");
	bundle = seam__drupal_or_default(q->bundle, "default");
	const char *field = seam__drupal_or_default(q->cursor_field, "placed");
	if (!seam__drupal_valid_segment(bundle) || (q->include && !*q->include) || q->placed_since < 0 ||
	    (strcmp(field, "placed") != 0 && strcmp(field, "changed") != 0) ||
	    (q->state && !seam__drupal_valid_segment(q->state)) || q->nstores > SEAM_DRUPAL_STORES_MAX ||
	    (q->nstores && !q->stores))
		return seam_errorf(err, SEAM_INVAL, "drupal list orders: bad bundle, include or cursor");
	for (size_t i = 0; i < q->nstores; i++)
		if (!seam__drupal_valid_segment(q->stores[i]))
			return seam_errorf(err, SEAM_INVAL, "drupal list orders: bad store uuid");
	char sort[64];
	snprintf(sort, sizeof sort, "%s,drupal_internal__order_id", field);
	res->max_placed = q->placed_since;
	max_pages = q->max_pages > 0 ? q->max_pages : SEAM_DRUPAL_MAX_PAGES;
	page_limit = q->page_limit > 0 && q->page_limit < SEAM_DRUPAL_PAGE_MAX ? q->page_limit
									       : SEAM_DRUPAL_PAGE_MAX;
	snprintf(base, sizeof base, "/jsonapi/commerce_order/%s", bundle);
	snprintf(since, sizeof since, "%lld", (long long)q->placed_since);
	snprintf(limit, sizeof limit, "%d", page_limit);
	/* Condition filters (Drupal's long form), so ">=", "<>" and IN can be said. A
	 * relationship's ".id" is the target's UUID (JSON:API filters on entity references
	 * that way); several values go as [value][] (PHP's array syntax). */
	seam_call_kv_t first[9 + 2 + SEAM_DRUPAL_STORES_MAX] = {
		{"filter[notdraft][condition][path]", "state"},
		{"filter[notdraft][condition][operator]", q->state ? "=" : "<>"},
		{"filter[notdraft][condition][value]", q->state ? q->state : "draft"},
		{"filter[since][condition][path]", field},
		{"filter[since][condition][operator]", ">="},
		{"filter[since][condition][value]", since},
		{"sort", sort},
		{"page[limit]", limit},
	};
	size_t nfirst = 8;
	if (q->nstores) {
		first[nfirst++] = (seam_call_kv_t){"filter[store][condition][path]", "store_id.id"};
		first[nfirst++] = (seam_call_kv_t){"filter[store][condition][operator]",
						   q->nstores == 1 ? "=" : "IN"};
		for (size_t i = 0; i < q->nstores; i++)
			first[nfirst++] = (seam_call_kv_t){q->nstores == 1
								   ? "filter[store][condition][value]"
								   : "filter[store][condition][value][]",
							   q->stores[i]};
	}
	if (q->include)
		first[nfirst++] = (seam_call_kv_t){"include", q->include};

	for (;;) {
		json_t *data, *order;
		size_t i;
		seam_drupal_req_t r = {.method = "GET", .path = page_path ? page_path : base,
				       .query = page_path ? NULL : first,
				       .nquery = page_path ? 0 : nfirst,
				       .media = SEAM_DRUPAL_MEDIA_TYPE};
		if ((rc = seam__drupal_exchange(u, cid, &r, &doc, oc, err)) != SEAM_OK)
			goto out;
		if ((rc = seam__drupal_expect_data(u, "GET", base, doc, 1, err)) != SEAM_OK)
			goto out;
		res->pages++;
		data = json_object_get(doc, "data");
		json_array_foreach(data, i, order) {
			int64_t placed;
			if ((rc = cb(order, doc, ud)) != SEAM_OK) {
				seam_errorf(err, rc, "drupal list orders: the caller stopped at order %.40s",
					    seam__drupal_or_default(seam_drupal_id(order), "?"));
				goto out;
			}
			res->orders++;
			if (seam_drupal_attr_time(order, field, &placed) == SEAM_OK &&
			    placed > res->max_placed)
				res->max_placed = placed;
		}
		if (!seam__drupal_next_href(doc))
			break;
		if (res->pages >= max_pages) {
			res->more = 1;
			break;
		}
		if ((rc = seam__drupal_next_page(u, base, doc, &prev_query, &page_path, err)) != SEAM_OK)
			goto out;
		json_decref(doc);
		doc = NULL;
	}
	rc = SEAM_OK;
out:
	json_decref(doc);
	free(prev_query);
	free(page_path);
	return rc;
}

const char *seam_drupal_order_store(json_t *order)
{
	return json_string_value(json_object_get(seam_drupal_rel(order, "store_id", 0), "id"));
}

seam_err_t seam_drupal_set_order_fields(seam_upstream_t *u, const char *cid, const char *bundle,
					const char *order_uuid, json_t *attributes, json_t **order,
					seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[320], type[160];
	json_t *body = NULL, *d = NULL;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (order)
		*order = NULL;
	bundle = seam__drupal_or_default(bundle, "default");
	if (!u || !seam__drupal_valid_segment(bundle) || !seam__drupal_valid_segment(order_uuid) ||
	    !json_is_object(attributes) ||
	    json_object_size(attributes) == 0)
		return seam_errorf(err, SEAM_INVAL,
				   "drupal set order fields: bad bundle, order uuid or attributes");
	snprintf(path, sizeof path, "/jsonapi/commerce_order/%s/%s", bundle, order_uuid);
	snprintf(type, sizeof type, "commerce_order--%s", bundle);
	if (!(body = json_pack("{s:{s:s, s:s, s:O}}", "data", "type", type, "id", order_uuid,
			       "attributes", attributes))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	seam_drupal_req_t r = {.method = "PATCH", .path = path, .media = SEAM_DRUPAL_MEDIA_TYPE,
			       .body = body, .how = SEAM__DRUPAL_NOTFOUND_IS_NOTFOUND};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "PATCH", path, d, 0, err)) != SEAM_OK)
		goto out;
	if (order) {
		*order = d;
		d = NULL;
	}
out:
	json_decref(d);
	json_decref(body);
	return rc;
}

seam_err_t seam_drupal_find_order_by_number(seam_upstream_t *u, const char *cid,
					 const char *bundle, const char *order_number,
					 char uuid[37], seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200];
	json_t *d = NULL, *data;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	uuid[0] = '\0';
	bundle = seam__drupal_or_default(bundle, "default");
	if (!u || !seam__drupal_valid_segment(bundle) || !order_number || !*order_number ||
	    strlen(order_number) > 255)
		return seam_errorf(err, SEAM_INVAL, "drupal find order: bad bundle or order number");
	snprintf(path, sizeof path, "/jsonapi/commerce_order/%s", bundle);
	seam_call_kv_t q[] = {{"filter[order_number]", order_number}, {"page[limit]", "2"}};
	seam_drupal_req_t r = {.method = "GET", .path = path, .query = q, .nquery = 2,
			       .media = SEAM_DRUPAL_MEDIA_TYPE};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "GET", path, d, 1, err)) != SEAM_OK)
		goto out;
	data = json_object_get(d, "data");
	if (json_array_size(data) == 0) {
		rc = seam_errorf(err, SEAM_NOTFOUND, "%s: no order numbered %s (yet)",
				 seam_upstream_name(u), order_number);
		goto out;
	}
	snprintf(uuid, 37, "%s", seam_drupal_id(json_array_get(data, 0)) ? seam_drupal_id(json_array_get(data, 0)) : "");
out:
	json_decref(d);
	return rc;
}

