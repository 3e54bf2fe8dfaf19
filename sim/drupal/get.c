/*
 * get.c: GET: the index, collections (filter, sort, page, include), resources, related.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void seam__sim_drupal_h_index(seam_sim_call_t *c, void *ctx)
{
	(void)ctx;
	json_t *links = json_object();
	for (int i = 0; i < T__COUNT; i++) {
		char href[256];
		snprintf(href, sizeof href, "%s/jsonapi/%s/%s", c->base_url,
			 seam__sim_drupal_types[i].entity_type, seam__sim_drupal_types[i].bundle);
		json_object_set_new(links, seam__sim_drupal_types[i].name,
				    json_pack("{s:s}", "href", href));
	}
	char self[160];
	snprintf(self, sizeof self, "%s/jsonapi", c->base_url);
	json_object_set_new(links, "self", json_pack("{s:s}", "href", self));
	seam__sim_drupal_reply_doc(c, 200,
				   json_pack("{s:o, s:[], s:o}", "jsonapi", seam_sim_ja_jsonapi(),
					     "data", "links", links));
}

/* A sort on the serial id alone, ascending: the candidates are in that order already
 * (creation order), and sorting 10,000 products for every page of a walk was most of its time. */
static int sorted_by_serial(const seam_sim_ja_type_t *t, const seam_sim_ja_query_t *q)
{
	json_t *s = json_array_get(q->sort, 0);
	const char *path = json_string_value(json_object_get(s, "path"));
	return json_array_size(q->sort) == 1 && path && t->fields[0].kind == SEAM_SIM_JA_INT &&
	       !strcmp(path, t->fields[0].name) && !json_is_true(json_object_get(s, "desc"));
}

void seam__sim_drupal_page_cache_clear(seam_sim_drupal_t *d)
{
	free(d->page_cache.key);
	free(d->page_cache.list);
	memset(&d->page_cache, 0, sizeof d->page_cache);
}

/* The collection's matches, filtered and sorted (a walk of 100,000 orders asks 2,000 pages of
 * the same query: each is a slice of one list, made again only after a write). Owned by the
 * cache: valid while d->mu is held. Lock held. */
static seam_sim_ent_t **matches(seam_sim_drupal_t *d, seam_sim_call_t *c,
				const seam_sim_ja_type_t *t, const seam_sim_ja_query_t *q, int admin,
				size_t *n)
{
	char *f = json_dumps(q->filter, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *so = json_dumps(q->sort, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t kl = strlen(t->name) + (f ? strlen(f) : 0) + (so ? strlen(so) : 0) + 8;
	char *key = malloc(kl);
	uint64_t writes = seam_sim_writes(c);
	if (key)
		snprintf(key, kl, "%s|%d|%s|%s", t->name, admin, f ? f : "", so ? so : "");
	free(f);
	free(so);
	if (key && d->page_cache.key && !strcmp(key, d->page_cache.key) &&
	    d->page_cache.writes == writes && d->page_cache.nents == d->n) {
		free(key);
		*n = d->page_cache.n;
		return d->page_cache.list;
	}
	size_t ncand = 0, k = 0;
	seam_sim_ent_t **list = NULL;
	seam__sim_drupal_candidates(d, t, q, &list, &ncand);
	for (size_t i = 0; list && i < ncand; i++) {
		seam_sim_ent_t *e = list[i];
		if (!admin && e->is_protected)
			continue;
		if (seam_sim_ja_match(q, e, &d->env))
			list[k++] = e;
	}
	if (!sorted_by_serial(t, q))
		seam_sim_ja_sort(q, list, k, &d->env);
	seam__sim_drupal_page_cache_clear(d);
	d->page_cache.key = key;
	d->page_cache.list = list;
	d->page_cache.n = k;
	d->page_cache.writes = writes;
	d->page_cache.nents = d->n;
	*n = k;
	return list;
}

void seam__sim_drupal_h_collection(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t =
		seam__sim_drupal_type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	if (!t) {
		seam__sim_drupal_no_route(c);
		return;
	}
	int admin = seam__sim_drupal_is_admin(d, c);
	seam_sim_ja_query_t q;
	char err[600];
	pthread_mutex_lock(&d->mu);
	if (seam_sim_ja_parse(c, t, &d->env, &q, err, sizeof err) != 0) {
		pthread_mutex_unlock(&d->mu);
		seam_sim_ja_query_dispose(&q);
		seam__sim_drupal_fail(c, 400, NULL, "%s", err);
		return;
	}
	size_t n = 0;
	seam_sim_ent_t **list = matches(d, c, t, &q, admin, &n);
	json_t *data = json_array(), *omitted = NULL, *included = json_array();
	json_t *seen = json_object();
	size_t end = (size_t)q.offset + (size_t)q.limit;
	if (end > n)
		end = n;
	size_t first = (size_t)q.offset < n ? (size_t)q.offset : n;
	seam_sim_ent_t **shown = malloc((end - first + 1) * sizeof *shown);
	size_t nshown = 0;
	for (size_t i = first; shown && i < end; i++) {
		seam_sim_ent_t *e = list[i];
		if (!admin && e->hidden) {
			if (!omitted) {
				omitted = json_object();
				json_object_set_new(
					omitted, "help",
					json_pack("{s:s}", "href",
						  "https://www.drupal.org/docs/8/modules/json-api/filtering#filters-access-control"));
			}
			seam__sim_drupal_omitted_add(omitted, e, c->base_url);
			continue;
		}
		json_array_append_new(data, seam_sim_ja_resource(e, c->base_url, q.fields));
		shown[nshown++] = e;
	}
	if (q.include && json_array_size(q.include))
		seam_sim_ja_include(&q, shown, nshown, &d->env, c->base_url, !admin, included, seen);
	int more = n > end;
	pthread_mutex_unlock(&d->mu);

	char *path = seam_sim_request_url(c);
	char self[2048];
	snprintf(self, sizeof self, "%s%s", c->base_url, path ? path : c->path);
	free(path);
	json_t *links = json_object();
	if (more) {
		char *next = seam_sim_ja_page_link(c, q.offset + q.limit, q.limit);
		json_object_set_new(links, "next", json_pack("{s:s}", "href", next));
		free(next);
	}
	if (q.offset > 0) {
		char *firstl = seam_sim_ja_page_link(c, 0, q.limit);
		int64_t po = q.offset - q.limit;
		char *prev = seam_sim_ja_page_link(c, po > 0 ? po : 0, q.limit);
		json_object_set_new(links, "first", json_pack("{s:s}", "href", firstl));
		json_object_set_new(links, "prev", json_pack("{s:s}", "href", prev));
		free(firstl);
		free(prev);
	}
	json_object_set_new(links, "self", json_pack("{s:s}", "href", self));
	json_t *doc = json_pack("{s:o, s:o}", "jsonapi", seam_sim_ja_jsonapi(), "data", data);
	if (omitted)
		json_object_set_new(
			doc, "meta",
			json_pack("{s:{s:s, s:o}}", "omitted", "detail",
				  "Some resources have been omitted because of insufficient authorization.",
				  "links", omitted));
	if (q.include && json_array_size(q.include))
		json_object_set_new(doc, "included", included);
	else
		json_decref(included);
	json_object_set_new(doc, "links", links);
	json_decref(seen);
	free(shown);
	seam_sim_ja_query_dispose(&q);
	seam__sim_drupal_reply_doc(c, 200, doc);
}

/* Finds the resource of the URL; answers 404/401/403 itself and returns NULL then. Lock held. */
seam_sim_ent_t *seam__sim_drupal_find_individual(seam_sim_drupal_t *d, seam_sim_call_t *c,
						 const seam_sim_ja_type_t *t, int admin)
{
	seam_sim_ent_t *e = seam__sim_drupal_lookup(d, seam_sim_param(c, "id"));
	if (!e || e->type != t) {
		seam__sim_drupal_fail(
			c, 404, NULL,
			"The \"%s\" parameter was not converted for the path \"/jsonapi/%s/%s/{entity}\" "
			"(route name: \"jsonapi.%s.individual\")",
			t->entity_type, t->entity_type, t->bundle, t->name);
		return NULL;
	}
	if (!admin && e->is_protected) {
		seam__sim_drupal_challenge(c);
		return NULL;
	}
	if (!admin && e->hidden) {
		seam__sim_drupal_fail(
			c, 403, NULL,
			"The current user is not allowed to GET the selected resource.");
		return NULL;
	}
	return e;
}

void seam__sim_drupal_h_individual(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t =
		seam__sim_drupal_type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	if (!t) {
		seam__sim_drupal_no_route(c);
		return;
	}
	int admin = seam__sim_drupal_is_admin(d, c);
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *e = seam__sim_drupal_find_individual(d, c, t, admin);
	if (!e) {
		pthread_mutex_unlock(&d->mu);
		return;
	}
	seam_sim_ja_query_t q;
	char err[600];
	if (seam_sim_ja_parse(c, t, &d->env, &q, err, sizeof err) != 0) {
		pthread_mutex_unlock(&d->mu);
		seam_sim_ja_query_dispose(&q);
		seam__sim_drupal_fail(c, 400, NULL, "%s", err);
		return;
	}
	json_t *doc = json_pack("{s:o, s:o}", "jsonapi", seam_sim_ja_jsonapi(), "data",
				seam_sim_ja_resource(e, c->base_url, q.fields));
	if (q.include && json_array_size(q.include)) {
		json_t *inc = json_array(), *seen = json_object();
		seam_sim_ja_include(&q, &e, 1, &d->env, c->base_url, !admin, inc, seen);
		json_object_set_new(doc, "included", inc);
		json_decref(seen);
	}
	pthread_mutex_unlock(&d->mu);
	char self[512];
	snprintf(self, sizeof self, "%s/jsonapi/%s/%s/%s", c->base_url, t->entity_type, t->bundle,
		 e->uuid);
	json_object_set_new(doc, "links", json_pack("{s:{s:s}}", "self", "href", self));
	seam_sim_ja_query_dispose(&q);
	seam__sim_drupal_reply_doc(c, 200, doc);
}

void seam__sim_drupal_h_related(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const seam_sim_ja_type_t *t =
		seam__sim_drupal_type_for(seam_sim_param(c, "et"), seam_sim_param(c, "bundle"));
	const char *field = seam_sim_param(c, "field");
	const seam_sim_ja_field_t *f = t ? seam_sim_ja_field(t, field) : NULL;
	if (!f || (f->kind != SEAM_SIM_JA_REL && f->kind != SEAM_SIM_JA_RELS)) {
		seam__sim_drupal_no_route(c);
		return;
	}
	int admin = seam__sim_drupal_is_admin(d, c);
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *e = seam__sim_drupal_find_individual(d, c, t, admin);
	if (!e) {
		pthread_mutex_unlock(&d->mu);
		return;
	}
	json_t *refs = json_object_get(e->rels, field);
	json_t *data;
	if (json_is_array(refs)) {
		data = json_array();
		size_t i;
		json_t *r;
		json_array_foreach(refs, i, r) {
			seam_sim_ent_t *x = seam__sim_drupal_lookup(
				d, json_string_value(json_object_get(r, "id")));
			if (x && (admin || (!x->hidden && !x->is_protected)))
				json_array_append_new(data, seam_sim_ja_resource(x, c->base_url, NULL));
		}
	} else {
		seam_sim_ent_t *x =
			json_is_object(refs)
				? seam__sim_drupal_lookup(
					  d, json_string_value(json_object_get(refs, "id")))
				: NULL;
		data = x && (admin || (!x->hidden && !x->is_protected))
			       ? seam_sim_ja_resource(x, c->base_url, NULL)
			       : json_null();
	}
	pthread_mutex_unlock(&d->mu);
	char *path = seam_sim_request_url(c);
	char self[1024];
	snprintf(self, sizeof self, "%s%s", c->base_url, path ? path : c->path);
	free(path);
	seam__sim_drupal_reply_doc(c, 200,
				   json_pack("{s:o, s:o, s:{s:{s:s}}}", "jsonapi",
					     seam_sim_ja_jsonapi(), "data", data, "links", "self",
					     "href", self));
}
