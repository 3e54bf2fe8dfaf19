/*
 * stores.c: the commerce_stores of a site, across store types (see drupal.h).
 * Thread-safety: reentrant; no state.
 */
#include "connectors/drupal/drupal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"

/* Appends the stores of one page (data, and meta.omitted for those the account may not see)
 * to out. */
static void stores_of_page(json_t *doc, const char *bundle, json_t *out)
{
	json_t *data = json_object_get(doc, "data"), *res, *links, *l;
	const char *key, *prefix = "/jsonapi/commerce_store/";
	size_t i;
	json_array_foreach(data, i, res) {
		const char *id = seam_drupal_id(res);
		if (id)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s?, s:b}", "id", id, "bundle",
							     bundle, "name",
							     seam_drupal_attr_str(res, "name"),
							     "visible", 1));
	}
	/* meta.omitted.links.{key}.href = ".../jsonapi/commerce_store/{bundle}/{uuid}" */
	links = json_object_get(json_object_get(json_object_get(doc, "meta"), "omitted"), "links");
	json_object_foreach(links, key, l) {
		const char *href = json_string_value(json_object_get(l, "href"));
		const char *p = href ? strstr(href, prefix) : NULL;
		const char *slash = p ? strchr(p + strlen(prefix), '/') : NULL;
		if (!slash || !seam_uuid_valid(slash + 1))
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s, s:n, s:b}", "id", slash + 1, "bundle",
						     bundle, "name", "visible", 0));
	}
}

seam_err_t seam_drupal_list_stores(seam_upstream_t *u, const char *cid, int64_t timeout_ms,
				   json_t **stores, seam_drupal_outcome_t *oc, seam_error_t *err)
{
	json_t *index = NULL, *doc = NULL, *out = NULL, *l;
	char path[200], *page_path = NULL;
	const char *key, *tprefix = "commerce_store--";
	seam_err_t rc;

	seam__drupal_outcome_clear(oc);
	if (stores)
		*stores = NULL;
	if (!u || !stores)
		return seam_errorf(err, SEAM_INVAL, "drupal list stores: missing argument");
	if (!(out = json_array()))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	seam_drupal_req_t ir = {.method = "GET", .path = "/jsonapi", .media = SEAM_DRUPAL_MEDIA_TYPE,
				.timeout_ms = timeout_ms};
	if ((rc = seam__drupal_exchange(u, cid, &ir, &index, oc, err)) != SEAM_OK)
		goto out;
	if (!json_is_object(json_object_get(index, "links"))) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: GET /jsonapi: the answer is not the JSON:API "
						     "index (no links)", seam_upstream_name(u));
		goto out;
	}
	json_object_foreach(json_object_get(index, "links"), key, l) {
		const char *bundle = strncmp(key, tprefix, strlen(tprefix)) ? NULL : key + strlen(tprefix);
		if (!bundle || !seam__drupal_valid_segment(bundle))
			continue;
		snprintf(path, sizeof path, "/jsonapi/commerce_store/%s", bundle);
		/* Paging as in seam_drupal_list_orders: the next link's query on our own path. */
		for (int pages = 0; pages < SEAM_DRUPAL_MAX_PAGES; pages++) {
			const char *next, *nq;
			seam_drupal_req_t r = {.method = "GET", .path = page_path ? page_path : path,
					       .media = SEAM_DRUPAL_MEDIA_TYPE, .timeout_ms = timeout_ms};
			if ((rc = seam__drupal_exchange(u, cid, &r, &doc, oc, err)) != SEAM_OK)
				goto out;
			if ((rc = seam__drupal_expect_data(u, "GET", path, doc, 1, err)) != SEAM_OK)
				goto out;
			stores_of_page(doc, bundle, out);
			next = seam__drupal_next_href(doc);
			nq = next ? seam__drupal_href_query(next) : NULL;
			free(page_path);
			page_path = NULL;
			if (nq && asprintf(&page_path, "%s?%s", path, nq) < 0) {
				page_path = NULL;
				rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
				goto out;
			}
			json_decref(doc);
			doc = NULL;
			if (!page_path)
				break;
		}
		free(page_path);
		page_path = NULL;
	}
	*stores = out;
	out = NULL;
	rc = SEAM_OK;
out:
	free(page_path);
	json_decref(doc);
	json_decref(index);
	json_decref(out);
	return rc;
}

