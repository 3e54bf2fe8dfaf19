/*
 * products.c: the catalog's calls on Drupal Commerce over JSON:API: find a product by the PIM
 * identity kept in seam_pim_id (with its variations), find a variation by SKU, create or PATCH
 * either, find or create a product attribute value, and walk every product that carries a
 * seam_pim_id (see drupal.h, section "catalog").
 *
 * Matching is exact: Drupal's entity query compares strings case-insensitively on most
 * databases (filter[sku]=sku-1 also finds SKU-1), so a lookup keeps only the resources whose
 * value is byte-equal to the one asked for; the others are different keys to seam.
 * Thread-safety: reentrant; no state.
 */
#include "connectors/drupal/drupal_int.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define KEY_MAX 255 /* Drupal string fields (sku, seam_pim_id, name): varchar(255) */

static int valid_key(const char *s)
{
	return s && *s && strlen(s) <= KEY_MAX;
}

/* The variations of product that doc includes, in the order of its relationship (new array). */
static json_t *included_variations(json_t *doc, json_t *product)
{
	json_t *out = json_array();
	size_t n = seam_drupal_rel_count(product, "variations");
	for (size_t i = 0; out && i < n; i++) {
		json_t *v = seam_drupal_related(doc, product, "variations", i);
		if (v)
			json_array_append(out, v);
	}
	return out;
}

/* Nothing visible matched: when Drupal says it hid matches from this account (meta.omitted),
 * creating one would double it (or be refused), so the caller must not. */
static seam_err_t hidden_matches(seam_upstream_t *u, const char *path, json_t *doc,
				 const char *what, seam_error_t *err)
{
	if (!json_object_get(json_object_get(doc, "meta"), "omitted"))
		return SEAM_OK;
	return seam_errorf(err, SEAM_PERMANENT,
			   "%s: GET %s: %s with this key exist but are hidden from this account "
			   "(meta.omitted); creating one would double it",
			   seam_upstream_name(u), path, what);
}

seam_err_t seam_drupal_find_product(seam_upstream_t *u, const char *cid, const char *bundle,
				    const char *pim_id, json_t **product, json_t **variations,
				    size_t *nmatch, seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200];
	json_t *d = NULL, *p;
	size_t i, n = 0;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (product)
		*product = NULL;
	if (variations)
		*variations = NULL;
	if (nmatch)
		*nmatch = 0;
	bundle = seam__drupal_or_default(bundle, "default");
	if (!u || !product || !variations || !seam__drupal_valid_segment(bundle) || !valid_key(pim_id))
		return seam_errorf(err, SEAM_INVAL, "drupal find product: bad bundle or pim id");
	snprintf(path, sizeof path, "/jsonapi/commerce_product/%s", bundle);
	seam_call_kv_t q[] = {{"filter[seam_pim_id]", pim_id}, {"include", "variations"}};
	seam_drupal_req_t r = {.method = "GET", .path = path, .query = q, .nquery = 2,
			       .media = SEAM_DRUPAL_MEDIA_TYPE};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "GET", path, d, 1, err)) != SEAM_OK)
		goto out;
	json_array_foreach(seam_drupal_data(d), i, p) {
		const char *id = seam_drupal_attr_str(p, "seam_pim_id");
		if (!id || strcmp(id, pim_id))
			continue;
		if (n++ == 0)
			*product = json_incref(p);
	}
	if (nmatch)
		*nmatch = n;
	if (n == 0 && (rc = hidden_matches(u, path, d, "products", err)) != SEAM_OK)
		goto out;
	*variations = *product ? included_variations(d, *product) : json_array();
	if (!*variations)
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
out:
	if (rc != SEAM_OK) {
		json_decref(*product);
		*product = NULL;
	}
	json_decref(d);
	return rc;
}

seam_err_t seam_drupal_find_variation(seam_upstream_t *u, const char *cid, const char *bundle,
				      const char *sku, json_t **variation,
				      seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200];
	json_t *d = NULL, *v;
	size_t i;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (variation)
		*variation = NULL;
	bundle = seam__drupal_or_default(bundle, "default");
	if (!u || !variation || !seam__drupal_valid_segment(bundle) || !valid_key(sku))
		return seam_errorf(err, SEAM_INVAL, "drupal find variation: bad bundle or sku");
	snprintf(path, sizeof path, "/jsonapi/commerce_product_variation/%s", bundle);
	seam_call_kv_t q[] = {{"filter[sku]", sku}};
	seam_drupal_req_t r = {.method = "GET", .path = path, .query = q, .nquery = 1,
			       .media = SEAM_DRUPAL_MEDIA_TYPE};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "GET", path, d, 1, err)) != SEAM_OK)
		goto out;
	json_array_foreach(seam_drupal_data(d), i, v) {
		const char *s = seam_drupal_attr_str(v, "sku");
		if (s && !strcmp(s, sku)) {
			*variation = json_incref(v);
			goto out;
		}
	}
	rc = hidden_matches(u, path, d, "variations", err);
out:
	json_decref(d);
	return rc;
}

seam_err_t seam_drupal_write_entity(seam_upstream_t *u, const char *cid,
				    const seam_drupal_write_t *w, json_t **out,
				    seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[320], type[200];
	const char *bundle, *method;
	json_t *body = NULL, *data = NULL, *d = NULL;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (out)
		*out = NULL;
	if (!u || !w || !w->entity ||
	    (strcmp(w->entity, "commerce_product") && strcmp(w->entity, "commerce_product_variation")))
		return seam_errorf(err, SEAM_INVAL,
				   "drupal write: entity is commerce_product or commerce_product_variation");
	bundle = seam__drupal_or_default(w->bundle, "default");
	if (!seam__drupal_valid_segment(bundle) || (w->uuid && !seam__drupal_valid_segment(w->uuid)) ||
	    !json_is_object(w->attributes) || (w->relationships && !json_is_object(w->relationships)))
		return seam_errorf(err, SEAM_INVAL,
				   "drupal write %s: bad bundle, uuid, attributes or relationships",
				   w->entity);
	method = w->uuid ? "PATCH" : "POST";
	if (w->uuid)
		snprintf(path, sizeof path, "/jsonapi/%s/%s/%s", w->entity, bundle, w->uuid);
	else
		snprintf(path, sizeof path, "/jsonapi/%s/%s", w->entity, bundle);
	snprintf(type, sizeof type, "%s--%s", w->entity, bundle);
	if (!(data = json_pack("{s:s, s:O}", "type", type, "attributes", w->attributes)) ||
	    (w->uuid && json_object_set_new(data, "id", json_string(w->uuid))) ||
	    (w->relationships && json_object_set(data, "relationships", w->relationships)) ||
	    !(body = json_pack("{s:O}", "data", data))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	/* 404 on a PATCH: the resource went away; on a POST it names a relationship target that
	 * does not exist, which stays a refusal. */
	seam_drupal_req_t r = {.method = method, .path = path, .media = SEAM_DRUPAL_MEDIA_TYPE,
			       .body = body,
			       .how = w->uuid ? SEAM__DRUPAL_NOTFOUND_IS_NOTFOUND : 0};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, method, path, d, 0, err)) != SEAM_OK)
		goto out;
	if (out)
		*out = json_incref(seam_drupal_data(d));
out:
	json_decref(d);
	json_decref(body);
	json_decref(data);
	return rc;
}

seam_err_t seam_drupal_attribute_value(seam_upstream_t *u, const char *cid,
				       const char *attribute, const char *name, int create,
				       char uuid[37], seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char path[200], type[200];
	json_t *d = NULL, *body = NULL, *v;
	size_t i;
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (uuid)
		uuid[0] = '\0';
	if (!u || !uuid || !seam__drupal_valid_segment(attribute) || !valid_key(name))
		return seam_errorf(err, SEAM_INVAL, "drupal attribute value: bad attribute or name");
	snprintf(path, sizeof path, "/jsonapi/commerce_product_attribute_value/%s", attribute);
	seam_call_kv_t q[] = {{"filter[name]", name}};
	seam_drupal_req_t r = {.method = "GET", .path = path, .query = q, .nquery = 1,
			       .media = SEAM_DRUPAL_MEDIA_TYPE};
	if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "GET", path, d, 1, err)) != SEAM_OK)
		goto out;
	json_array_foreach(seam_drupal_data(d), i, v) {
		const char *n = seam_drupal_attr_str(v, "name");
		if (n && !strcmp(n, name) && seam__drupal_valid_segment(seam_drupal_id(v))) {
			snprintf(uuid, 37, "%s", seam_drupal_id(v));
			goto out;
		}
	}
	if (!create) {
		rc = seam_errorf(err, SEAM_NOTFOUND, "%s: attribute %s has no value named '%.80s'",
				 seam_upstream_name(u), attribute, name);
		goto out;
	}
	json_decref(d);
	d = NULL;
	snprintf(type, sizeof type, "commerce_product_attribute_value--%s", attribute);
	if (!(body = json_pack("{s:{s:s, s:{s:s}}}", "data", "type", type, "attributes", "name",
			       name))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	seam_drupal_req_t w = {.method = "POST", .path = path, .media = SEAM_DRUPAL_MEDIA_TYPE,
			       .body = body};
	if ((rc = seam__drupal_exchange(u, cid, &w, &d, oc, err)) != SEAM_OK)
		goto out;
	if ((rc = seam__drupal_expect_data(u, "POST", path, d, 0, err)) != SEAM_OK)
		goto out;
	if (!seam__drupal_valid_segment(seam_drupal_id(seam_drupal_data(d)))) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: POST %s: the created value has no id",
				 seam_upstream_name(u), path);
		goto out;
	}
	snprintf(uuid, 37, "%s", seam_drupal_id(seam_drupal_data(d)));
out:
	json_decref(body);
	json_decref(d);
	return rc;
}

seam_err_t seam_drupal_walk_products(seam_upstream_t *u, const char *cid, const char *bundle,
				     int page_limit, seam_drupal_product_fn fn, void *ud,
				     int *pages, seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char base[200], limit[12], *page_path = NULL, *prev_query = NULL;
	json_t *doc = NULL, *vars = NULL;
	seam_err_t rc = SEAM_INVAL;
	int npages = 0;

	seam__drupal_outcome_clear(oc);
	if (pages)
		*pages = 0;
	bundle = seam__drupal_or_default(bundle, "default");
	if (!u || !fn || !seam__drupal_valid_segment(bundle) || page_limit < 0)
		return seam_errorf(err, SEAM_INVAL, "drupal walk products: bad bundle, limit or callback");
	if (page_limit == 0 || page_limit > SEAM_DRUPAL_PAGE_MAX)
		page_limit = SEAM_DRUPAL_PAGE_MAX;
	snprintf(base, sizeof base, "/jsonapi/commerce_product/%s", bundle);
	snprintf(limit, sizeof limit, "%d", page_limit);
	/* Sorted by the serial id, which only grows: products created during the walk come after
	 * the pages already read, so offset paging neither skips nor repeats one. */
	seam_call_kv_t first[] = {
		{"filter[pim][condition][path]", "seam_pim_id"},
		{"filter[pim][condition][operator]", "IS NOT NULL"},
		{"sort", "drupal_internal__product_id"},
		{"include", "variations"},
		{"page[limit]", limit},
	};
	for (;;) {
		json_t *p;
		size_t i;
		seam_drupal_req_t r = {.method = "GET", .path = page_path ? page_path : base,
				       .query = page_path ? NULL : first,
				       .nquery = page_path ? 0 : sizeof first / sizeof *first,
				       .media = SEAM_DRUPAL_MEDIA_TYPE};
		if ((rc = seam__drupal_exchange(u, cid, &r, &doc, oc, err)) != SEAM_OK)
			goto out;
		if ((rc = seam__drupal_expect_data(u, "GET", base, doc, 1, err)) != SEAM_OK)
			goto out;
		npages++;
		if (pages)
			*pages = npages;
		json_array_foreach(seam_drupal_data(doc), i, p) {
			if (!(vars = included_variations(doc, p))) {
				rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
				goto out;
			}
			if ((rc = fn(p, vars, ud)) != SEAM_OK) {
				seam_errorf(err, rc, "drupal walk products: the caller stopped at product %.40s",
					    seam__drupal_or_default(seam_drupal_id(p), "?"));
				goto out;
			}
			json_decref(vars);
			vars = NULL;
		}
		if ((rc = seam__drupal_next_page(u, base, doc, &prev_query, &page_path, err)) == SEAM_DONE)
			break;
		if (rc != SEAM_OK)
			goto out;
		json_decref(doc);
		doc = NULL;
	}
	rc = SEAM_OK;
out:
	json_decref(vars);
	json_decref(doc);
	free(prev_query);
	free(page_path);
	return rc;
}

seam_err_t seam_drupal_variation_titles(seam_upstream_t *u, const char *cid, const char *bundle,
					int *generated, seam_drupal_outcome_t *oc, seam_error_t *err)
{
	json_t *t = NULL;
	seam_err_t rc;
	*generated = 0;
	rc = seam__drupal_config_entity(u, cid, "commerce_product_variation_type",
					seam__drupal_or_default(bundle, "default"), &t, oc, err);
	if (rc == SEAM_OK)
		*generated = json_is_true(seam_drupal_attr(t, "generateTitle"));
	json_decref(t);
	return rc;
}

/* ---------- translations (the storefront module's endpoint) ---------- */

/* GET or PUT /seam/catalog/product/{uuid}/translation/{langcode}. */
static seam_err_t translation_call(seam_upstream_t *u, const char *cid, const char *method,
				   const char *product_uuid, const char *langcode,
				   const json_t *body, json_t **out, seam_drupal_outcome_t *oc,
				   seam_error_t *err)
{
	char path[220];
	char *text = NULL;
	json_t *d = NULL;
	seam_response_t resp = {0};
	seam_error_t cerr = {0};
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	*out = NULL;
	if (!u || !seam__drupal_valid_segment(product_uuid) || !seam__drupal_valid_segment(langcode))
		return seam_errorf(err, SEAM_INVAL, "drupal translation: product uuid and langcode are required");
	snprintf(path, sizeof path, "/seam/catalog/product/%s/translation/%s", product_uuid, langcode);
	if (body && !(text = json_dumps(body, JSON_COMPACT)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory (or a string that is not UTF-8)");
	seam_call_kv_t hdr = {"Accept", "application/json"};
	seam_call_kv_t fmt = {"_format", "json"};
	seam_call_t call = {
		.method = method,
		.path = path,
		.query = &fmt,
		.nquery = 1,
		.headers = &hdr,
		.nheaders = 1,
		.body = text,
		.body_len = text ? strlen(text) : 0,
		.content_type = text ? "application/json" : NULL,
		.correlation_id = cid,
	};
	rc = seam_upstream_call(u, &call, &resp, &cerr);
	seam__drupal_outcome_set(oc, &resp);
	if (resp.status && resp.body)
		d = seam_json_loadb(resp.body, resp.body_len, 0, NULL);
	const char *code = json_string_value(json_object_get(d, "error"));
	const char *detail = json_string_value(json_object_get(d, "detail"));
	if (rc != SEAM_OK) {
		rc = seam__drupal_refine(rc, resp.status, SEAM__DRUPAL_NOTFOUND_IS_NOTFOUND |
							  SEAM__DRUPAL_CONFLICT_IS_CONFLICT);
		if (rc == SEAM_NOTFOUND && code && strcmp(code, "no_translation") == 0) {
			rc = SEAM_OK; /* no translation yet: *out stays NULL */
		} else if (rc == SEAM_CONFLICT && code && strcmp(code, "language_unavailable") == 0) {
			rc = seam_errorf(err, SEAM_UNSUPPORTED, "%s: %s %s: %s", seam_upstream_name(u),
					 method, path, detail ? detail : "language not available");
		} else if (rc == SEAM_NOTFOUND && !code) {
			/* Drupal's own 404: the route is missing, not the product */
			rc = seam_errorf(err, SEAM_UNSUPPORTED,
					 "%s: %s %s: 404 without the module's answer: the storefront "
					 "module is older than its catalog translation endpoint (update "
					 "seam_bridge)",
					 seam_upstream_name(u), method, path);
		} else if (code && detail) {
			rc = seam_errorf(err, rc, "%s: %s %s: HTTP %d %s: %s", seam_upstream_name(u), method,
					 path, resp.status, code, detail);
		} else {
			seam__drupal_fail_msg(u, method, path, rc, &resp, &cerr, err);
		}
		goto done;
	}
	if (strcmp(method, "DELETE") == 0)
		goto done; /* 204: gone (or never there) */
	if (!json_is_object(d) || !json_is_object(json_object_get(d, "variations"))) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: %s %s: HTTP %d without a translation",
				 seam_upstream_name(u), method, path, resp.status);
		goto done;
	}
	*out = d;
	d = NULL;
done:
	free(text);
	json_decref(d);
	seam_response_dispose(&resp);
	return rc;
}

seam_err_t seam_drupal_translation_get(seam_upstream_t *u, const char *cid,
				       const char *product_uuid, const char *langcode,
				       json_t **translation, seam_drupal_outcome_t *oc,
				       seam_error_t *err)
{
	return translation_call(u, cid, "GET", product_uuid, langcode, NULL, translation, oc, err);
}

seam_err_t seam_drupal_translation_delete(seam_upstream_t *u, const char *cid,
					  const char *product_uuid, const char *langcode,
					  seam_drupal_outcome_t *oc, seam_error_t *err)
{
	json_t *ignored = NULL;
	seam_err_t rc = translation_call(u, cid, "DELETE", product_uuid, langcode, NULL, &ignored, oc,
					 err);
	json_decref(ignored);
	return rc;
}

seam_err_t seam_drupal_translation_put(seam_upstream_t *u, const char *cid,
				       const char *product_uuid, const char *langcode,
				       const json_t *values, json_t **translation,
				       seam_drupal_outcome_t *oc, seam_error_t *err)
{
	json_t *ignored = NULL;
	if (!values)
		return seam_errorf(err, SEAM_INVAL, "drupal translation: values are required");
	seam_err_t rc = translation_call(u, cid, "PUT", product_uuid, langcode, values,
					 translation ? translation : &ignored, oc, err);
	json_decref(ignored);
	return rc;
}
