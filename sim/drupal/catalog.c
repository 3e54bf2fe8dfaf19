/*
 * catalog.c: what the catalog sync needs from the double beyond JSON:API itself: the lookup
 * indexes (SKU, seam_pim_id, attribute value name), the product attributes color and size, the
 * fault switch (POST /_sim/drupal/faults), the flat catalog read for tests
 * (GET /_sim/drupal/catalog) and a static answer for a bench's ceiling (GET /_sim/drupal/ping).
 *
 * Why indexes: a catalog sync looks up every product by seam_pim_id and every variation by SKU
 * before it writes, and Commerce checks SKU uniqueness on every variation save. Scanning every
 * entity for each of those is quadratic: 10,000 products with 50,000 variations took minutes.
 * An index entry is added on every write and never removed (a changed SKU leaves its old entry
 * behind), so an index is a superset and every reader re-checks the value.
 *
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the files
 * share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The attributes looked up by value, per type. */
static const struct {
	int t;
	const char *attr;
} indexed[] = {
	{T_VARIATION, "sku"},
	{T_PRODUCT, "seam_pim_id"},
	{T_ATTR_COLOR, "name"},
	{T_ATTR_SIZE, "name"},
};

#define NINDEXED (sizeof indexed / sizeof *indexed)

/* The product attributes of the seeded site: id, label; their value types are T_ATTR_*. */
static const struct {
	const char *id, *label;
} attributes[] = {
	{"color", "Color"},
	{"size", "Size"},
};

/* Index keys are lower-cased: Drupal compares strings case-insensitively. */
static const char *fold(const char *v, char *buf, size_t cap)
{
	size_t i;
	for (i = 0; v[i] && i + 1 < cap; i++)
		buf[i] = (char)tolower((unsigned char)v[i]);
	buf[i] = '\0';
	return buf;
}

static json_t *index_map(seam_sim_drupal_t *d, int t, const char *attr, int create)
{
	char key[96];
	snprintf(key, sizeof key, "%d:%s", t, attr);
	json_t *m = json_object_get(d->ix, key);
	if (!m && create && d->ix) {
		m = json_object();
		json_object_set_new(d->ix, key, m);
	}
	return m;
}

void seam__sim_drupal_index(seam_sim_drupal_t *d, const seam_sim_ent_t *e)
{
	int t = seam__sim_drupal_type_index(e->type);
	for (size_t i = 0; i < NINDEXED; i++) {
		if (indexed[i].t != t)
			continue;
		const char *v = seam__sim_drupal_attr_str(e, indexed[i].attr);
		json_t *m = v ? index_map(d, t, indexed[i].attr, 1) : NULL;
		char key[512];
		if (!m)
			continue;
		v = fold(v, key, sizeof key);
		json_t *uuids = json_object_get(m, v), *u;
		size_t k;
		if (!uuids) {
			uuids = json_array();
			json_object_set_new(m, v, uuids);
		}
		int have = 0;
		json_array_foreach(uuids, k, u)
			if (!strcmp(json_string_value(u), e->uuid))
				have = 1;
		if (!have)
			json_array_append_new(uuids, json_string(e->uuid));
	}
}

int seam__sim_drupal_index_get(seam_sim_drupal_t *d, int t, const char *attr, const char *value,
			       json_t **uuids)
{
	*uuids = NULL;
	for (size_t i = 0; i < NINDEXED; i++) {
		if (indexed[i].t == t && !strcmp(indexed[i].attr, attr)) {
			char key[512];
			*uuids = json_object_get(index_map(d, t, attr, 0), fold(value, key, sizeof key));
			return 0;
		}
	}
	return -1;
}

seam_sim_ent_t *seam__sim_drupal_find_by(seam_sim_drupal_t *d, int t, const char *attr,
					 const char *value, const seam_sim_ent_t *self)
{
	json_t *uuids, *u;
	size_t k;
	if (!value || seam__sim_drupal_index_get(d, t, attr, value, &uuids) != 0)
		return NULL;
	json_array_foreach(uuids, k, u) {
		seam_sim_ent_t *e = seam__sim_drupal_lookup(d, json_string_value(u));
		const char *now = e ? seam__sim_drupal_attr_str(e, attr) : NULL;
		if (e && e != self && e->type == &seam__sim_drupal_types[t] && now &&
		    !strcasecmp(now, value))
			return e;
	}
	return NULL;
}

static int by_iid(const void *a, const void *b)
{
	const seam_sim_ent_t *x = *(seam_sim_ent_t *const *)a, *y = *(seam_sim_ent_t *const *)b;
	return x->iid < y->iid ? -1 : x->iid > y->iid;
}

seam_err_t seam__sim_drupal_candidates(seam_sim_drupal_t *d, const seam_sim_ja_type_t *t,
				       const seam_sim_ja_query_t *q, seam_sim_ent_t ***out,
				       size_t *n)
{
	int ti = seam__sim_drupal_type_index(t);
	json_t *members = json_object_get(q->filter, "members"), *m;
	const char *conj = json_string_value(json_object_get(q->filter, "conj"));
	size_t i;
	*out = NULL;
	*n = 0;
	/* The root group ANDs its members: one "=" on an indexed attribute bounds the result. */
	if (conj && !strcmp(conj, "AND")) {
		json_array_foreach(members, i, m) {
			const char *kind = json_string_value(json_object_get(m, "t"));
			const char *op = json_string_value(json_object_get(m, "op"));
			const char *path = json_string_value(json_object_get(m, "path"));
			json_t *vals = json_object_get(m, "values"), *uuids, *u;
			size_t k;
			if (!kind || strcmp(kind, "c") || !op || strcmp(op, "=") || !path ||
			    json_array_size(vals) != 1 ||
			    seam__sim_drupal_index_get(d, ti, path,
						       json_string_value(json_array_get(vals, 0)),
						       &uuids) != 0)
				continue;
			if (!(*out = malloc((json_array_size(uuids) + 1) * sizeof **out)))
				return SEAM_NOMEM;
			json_array_foreach(uuids, k, u) {
				seam_sim_ent_t *e = seam__sim_drupal_lookup(d, json_string_value(u));
				if (e && e->type == t)
					(*out)[(*n)++] = e;
			}
			/* creation order, as the scan would give them */
			qsort(*out, *n, sizeof **out, by_iid);
			return SEAM_OK;
		}
	}
	if (!(*out = malloc((d->ntype[ti] + 1) * sizeof **out)))
		return SEAM_NOMEM;
	if (d->ntype[ti])
		memcpy(*out, d->by_type[ti], d->ntype[ti] * sizeof **out);
	*n = d->ntype[ti];
	return SEAM_OK;
}

int seam__sim_drupal_rejected(seam_sim_drupal_t *d, seam_sim_call_t *c, int ti,
			      const seam_sim_ent_t *e, const json_t *data)
{
	const char *attr = ti == T_VARIATION ? "sku" : ti == T_PRODUCT ? "seam_pim_id" : NULL;
	if (!attr || json_object_size(d->reject) == 0)
		return 0;
	const char *sent = json_string_value(seam__sim_drupal_attr_in(data, attr));
	const char *stored = e ? seam__sim_drupal_attr_str(e, attr) : NULL;
	const char *hit = sent && json_object_get(d->reject, sent)	   ? sent
			  : stored && json_object_get(d->reject, stored) ? stored
									 : NULL;
	if (!hit)
		return 0;
	char ptr[64];
	snprintf(ptr, sizeof ptr, "/data/attributes/%s", attr);
	seam__sim_drupal_fail(c, 422, ptr,
			      "%s: seam-sim refuses writes of %s (fault switch, POST /_sim/drupal/faults).",
			      attr, hit);
	return 1;
}

seam_err_t seam__sim_drupal_seed_attributes(seam_sim_drupal_t *d)
{
	/* their own random stream: the uuids of everything seeded before stay as they were */
	seam_sim_rng_t rng;
	seam_err_t rc = SEAM_OK;
	seam_sim_rng_init(&rng, d->seed, "drupal-attributes");
	for (size_t i = 0; i < sizeof attributes / sizeof *attributes; i++) {
		char uuid[37];
		seam_sim_rng_uuid(&rng, uuid);
		seam_sim_ent_t *e = seam__sim_drupal_ent_new(d, T_ATTRIBUTE, attributes[i].id, uuid);
		if (!e) {
			rc = SEAM_NOMEM;
			break;
		}
		json_object_set_new(e->attrs, "langcode", json_string("en"));
		json_object_set_new(e->attrs, "status", json_true());
		json_object_set_new(e->attrs, "label", json_string(attributes[i].label));
		json_object_set_new(e->attrs, "elementType", json_string("select"));
		e->is_protected = 1;
	}
	seam_sim_rng_dispose(&rng);
	return rc;
}

void seam__sim_drupal_h_faults(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	json_t *body = seam_sim_body_json(c);
	json_t *list = json_object_get(body, "reject"), *v;
	size_t i;
	if (!json_is_array(list)) {
		json_decref(body);
		seam_sim_problem(c, 400, "bad-request",
				 "the body is {\"reject\": [SKU or seam_pim_id, ...]}");
		return;
	}
	json_array_foreach(list, i, v) {
		if (!json_is_string(v) || !*json_string_value(v)) {
			json_decref(body);
			seam_sim_problem(c, 400, "bad-request", "reject: every entry is a non-empty string");
			return;
		}
	}
	json_t *set = json_object();
	json_array_foreach(list, i, v)
		json_object_set_new(set, json_string_value(v), json_true());
	pthread_mutex_lock(&d->mu);
	json_decref(d->reject);
	d->reject = set;
	pthread_mutex_unlock(&d->mu);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:O}", "reject", list));
	json_decref(body);
}

/* {number, currency_code} of a stored price, or null. */
static json_t *flat_price(const json_t *p)
{
	if (!json_is_object(p))
		return json_null();
	return json_pack("{s:O, s:O}", "number", json_object_get(p, "number"), "currency_code",
			 json_object_get(p, "currency_code"));
}

/* {langcode: {title, body?}} of an entity (translations.c keeps them). */
static json_t *translations_of(seam_sim_drupal_t *d, const char *uuid)
{
	json_t *t = json_object_get(d->translations, uuid);
	return t ? json_deep_copy(t) : json_object();
}

static json_t *flat_variation(seam_sim_drupal_t *d, seam_sim_ent_t *v)
{
	json_t *attrs = json_object(), *r;
	const char *k;
	/* every attribute_<id> relationship of the variation type, by attribute id */
	json_object_foreach(v->rels, k, r) {
		if (strncmp(k, "attribute_", 10))
			continue;
		seam_sim_ent_t *av = seam__sim_drupal_rel_target(d, v, k);
		if (av)
			json_object_set(attrs, k + 10, json_object_get(av->attrs, "name"));
	}
	json_t *stock = json_object_get(v->attrs, "seam_stock");
	return json_pack("{s:s, s:O, s:O, s:O, s:o, s:o, s:O, s:o, s:o}", "uuid", v->uuid, "sku",
			 json_object_get(v->attrs, "sku"), "title", json_object_get(v->attrs, "title"),
			 "status", json_object_get(v->attrs, "status"), "price",
			 flat_price(json_object_get(v->attrs, "price")), "list_price",
			 flat_price(json_object_get(v->attrs, "list_price")), "seam_stock",
			 stock ? stock : json_null(), "attributes", attrs, "translations",
			 translations_of(d, v->uuid));
}

void seam__sim_drupal_h_catalog(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	json_t *products = json_array();
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < d->ntype[T_PRODUCT]; i++) {
		seam_sim_ent_t *p = d->by_type[T_PRODUCT][i];
		json_t *vars = json_array(), *r, *body = json_object_get(p->attrs, "body");
		size_t k;
		json_array_foreach(json_object_get(p->rels, "variations"), k, r) {
			seam_sim_ent_t *v =
				seam__sim_drupal_lookup(d, json_string_value(json_object_get(r, "id")));
			if (v)
				json_array_append_new(vars, flat_variation(d, v));
		}
		json_t *bv = json_object_get(body, "value");
		json_array_append_new(
			products,
			json_pack("{s:s, s:O, s:O, s:O, s:O, s:o, s:o}", "uuid", p->uuid, "seam_pim_id",
				  json_object_get(p->attrs, "seam_pim_id"), "title",
				  json_object_get(p->attrs, "title"), "status",
				  json_object_get(p->attrs, "status"), "body", bv ? bv : json_null(),
				  "variations", vars, "translations", translations_of(d, p->uuid)));
	}
	pthread_mutex_unlock(&d->mu);
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:o}", "products", products));
}

void seam__sim_drupal_h_ping(seam_sim_call_t *c, void *ctx)
{
	(void)ctx;
	/* no lock, no data: the double's own request ceiling */
	seam_sim_reply_json(c, 200, NULL, json_pack("{s:b}", "ok", 1));
}
