/*
 * write.c: writes: reading a document and the generic field checks and updates.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_money.h"

json_t *seam__sim_drupal_read_doc(seam_sim_call_t *c, const seam_sim_ja_type_t *t, const char *uuid,
				  json_t **doc)
{
	const char *ct = seam_sim_header(c, "Content-Type");
	*doc = NULL;
	if (!ct || strncasecmp(ct, VND, strlen(VND))) {
		seam__sim_drupal_fail(c, 415, NULL,
				      "No route found that matches \"Content-Type: %s\"",
				      ct ? ct : "");
		return NULL;
	}
	*doc = seam_sim_body_json(c);
	if (!*doc) {
		seam__sim_drupal_fail(c, 400, NULL, "Syntax error");
		return NULL;
	}
	json_t *data = json_object_get(*doc, "data");
	if (!json_is_object(data)) {
		seam__sim_drupal_fail(c, 400, NULL, "Missing `data`.");
		return NULL;
	}
	const char *type = json_string_value(json_object_get(data, "type"));
	if (!type) {
		seam__sim_drupal_fail(c, 400, NULL, "Resource object must include a \"type\".");
		return NULL;
	}
	if (strcmp(type, t->name)) {
		seam__sim_drupal_fail(
			c, 409, NULL,
			"The provided type (%s) does not match the destination resource types (%s).",
			type, t->name);
		return NULL;
	}
	if (uuid) {
		const char *id = json_string_value(json_object_get(data, "id"));
		if (!id || strcmp(id, uuid)) {
			seam__sim_drupal_fail(
				c, 400, NULL,
				"The selected entity (%s) does not match the ID in the payload (%s).",
				uuid, id ? id : "");
			return NULL;
		}
	}
	return data;
}

static int valid_value(seam_sim_ja_kind_e kind, const json_t *v)
{
	if (json_is_null(v))
		return 1;
	int64_t x;
	switch (kind) {
	case SEAM_SIM_JA_STR:
		return json_is_string(v);
	case SEAM_SIM_JA_INT:
		return json_is_integer(v);
	case SEAM_SIM_JA_DEC:
		return (json_is_string(v) && seam_sim_dec_parse(json_string_value(v), SCALE, &x) == 0) ||
		       json_is_integer(v);
	case SEAM_SIM_JA_BOOL:
		return json_is_boolean(v);
	case SEAM_SIM_JA_TS:
		return json_is_integer(v) ||
		       (json_is_string(v) && seam_sim_ja_ts(v) >= 0);
	case SEAM_SIM_JA_PRICE:
		return json_is_object(v) && seam__sim_drupal_price_get(v, &x, NULL) == 0;
	default:
		return 1;
	}
}

/* Checks attributes and relationships of data against t (e is the stored entity on PATCH).
 * Returns 0, or -1 after answering. Lock held. */
int seam__sim_drupal_check_fields(seam_sim_drupal_t *d, seam_sim_call_t *c,
				  const seam_sim_ja_type_t *t, const seam_sim_ent_t *e,
				  const json_t *data)
{
	const char *verb = e ? "PATCH" : "POST";
	json_t *attrs = json_object_get(data, "attributes");
	json_t *rels = json_object_get(data, "relationships");
	char ptr[256];
	if ((attrs && !json_is_object(attrs)) || (rels && !json_is_object(rels))) {
		seam__sim_drupal_fail(
			c, 400, NULL,
			"Invalid resource object: attributes and relationships are objects.");
		return -1;
	}
	const char *k;
	json_t *v;
	json_object_foreach(attrs, k, v) {
		const seam_sim_ja_field_t *f = seam_sim_ja_field(t, k);
		snprintf(ptr, sizeof ptr, "/data/attributes/%s", k);
		if (!f || f->kind == SEAM_SIM_JA_REL || f->kind == SEAM_SIM_JA_RELS) {
			seam__sim_drupal_fail(
				c, 422, ptr,
				"The attribute %s does not exist on the %s resource type.", k,
				t->name);
			return -1;
		}
		if (f->flags & SEAM_SIM_JA_RO) {
			json_t *cur = e ? json_object_get(e->attrs, k) : NULL;
			if (!cur || !json_equal(cur, v)) {
				seam__sim_drupal_fail(
					c, 403, ptr,
					"The current user is not allowed to %s the selected field (%s).",
					verb, k);
				return -1;
			}
		}
		/* the storefront module's decimal field: its own pointer and range (stock.c) */
		if (!strcmp(k, "seam_stock") && seam__sim_drupal_stock_check(c, data) != 0)
			return -1;
		if (!valid_value(f->kind, v)) {
			seam__sim_drupal_fail(
				c, 422, ptr,
				"%s.0.value: This value should be of the correct primitive type.",
				k);
			return -1;
		}
	}
	json_object_foreach(rels, k, v) {
		const seam_sim_ja_field_t *f = seam_sim_ja_field(t, k);
		snprintf(ptr, sizeof ptr, "/data/relationships/%s", k);
		if (!f || (f->kind != SEAM_SIM_JA_REL && f->kind != SEAM_SIM_JA_RELS)) {
			seam__sim_drupal_fail(
				c, 422, ptr,
				"The relationship %s does not exist on the %s resource type.", k,
				t->name);
			return -1;
		}
		if (f->flags & SEAM_SIM_JA_RO) {
			seam__sim_drupal_fail(
				c, 403, ptr,
				"The current user is not allowed to %s the selected field (%s).",
				verb, k);
			return -1;
		}
		json_t *rd = json_object_get(v, "data");
		if (!json_is_object(v) || !rd) {
			seam__sim_drupal_fail(
				c, 400, ptr, "Invalid relationship: `data` is required for %s.", k);
			return -1;
		}
		if ((f->kind == SEAM_SIM_JA_REL && json_is_array(rd)) ||
		    (f->kind == SEAM_SIM_JA_RELS && !json_is_array(rd))) {
			seam__sim_drupal_fail(
				c, 422, ptr, "%s: the relationship data has the wrong cardinality.",
				k);
			return -1;
		}
		json_t *list = json_array();
		if (json_is_array(rd))
			json_array_extend(list, rd);
		else if (json_is_object(rd))
			json_array_append(list, rd);
		size_t i;
		json_t *r;
		json_array_foreach(list, i, r) {
			const char *rt = json_string_value(json_object_get(r, "type"));
			const char *rid = json_string_value(json_object_get(r, "id"));
			seam_sim_ent_t *x = seam__sim_drupal_lookup(d, rid);
			if (!x || !rt || strcmp(x->type->name, rt)) {
				json_decref(list);
				seam__sim_drupal_fail(
					c, 404, ptr,
					"The resource identified by `%s:%s` (given as a relationship item) could "
					"not be found.",
					rt ? rt : "", rid ? rid : "");
				return -1;
			}
			/* the field's target bundles (a size value in attribute_color) */
			if (f->target && strcmp(f->target, rt)) {
				json_decref(list);
				seam__sim_drupal_fail(
					c, 422, ptr,
					"%s.%zu.target_id: This entity (%s: %lld) cannot be referenced.", k,
					i, x->type->entity_type, (long long)x->iid);
				return -1;
			}
		}
		json_decref(list);
	}
	return 0;
}

/* Copies checked attributes (except those in skip) and relationships onto e. Lock held. */
void seam__sim_drupal_apply_fields(seam_sim_drupal_t *d, seam_sim_ent_t *e, const json_t *data,
				   const char *const *skip)
{
	json_t *attrs = json_object_get(data, "attributes");
	const char *k;
	json_t *v;
	json_object_foreach(attrs, k, v) {
		int s = 0;
		for (const char *const *p = skip; p && *p; p++)
			if (!strcmp(*p, k))
				s = 1;
		const seam_sim_ja_field_t *f = seam_sim_ja_field(e->type, k);
		if (s || !f || (f->flags & SEAM_SIM_JA_RO))
			continue;
		if (f->kind == SEAM_SIM_JA_PRICE && json_is_object(v)) {
			int64_t x;
			const char *cur;
			seam__sim_drupal_price_get(v, &x, &cur);
			json_object_set_new(e->attrs, k, seam__sim_drupal_price_json(x, cur));
		} else if (f->kind == SEAM_SIM_JA_DEC && json_is_integer(v)) {
			char buf[32];
			snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
			json_object_set_new(e->attrs, k, json_string(buf));
		} else if (f->kind == SEAM_SIM_JA_TS && json_is_integer(v)) {
			json_object_set_new(e->attrs, k,
					    seam__sim_drupal_ts_json(json_integer_value(v)));
		} else {
			json_object_set(e->attrs, k, v);
		}
	}
	json_t *rels = json_object_get(data, "relationships");
	json_object_foreach(rels, k, v) {
		json_t *rd = json_object_get(v, "data");
		if (json_is_array(rd)) {
			json_t *a = json_array();
			size_t i;
			json_t *r;
			json_array_foreach(rd, i, r) {
				seam_sim_ent_t *x = seam__sim_drupal_lookup(
					d, json_string_value(json_object_get(r, "id")));
				if (x)
					json_array_append_new(a, seam_sim_ja_ref(x));
			}
			json_object_set_new(e->rels, k, a);
		} else {
			seam__sim_drupal_set_rel(
				e, k,
				json_is_object(rd)
					? seam__sim_drupal_lookup(
						  d, json_string_value(json_object_get(rd, "id")))
					: NULL);
		}
	}
	seam__sim_drupal_index(d, e);
}

void seam__sim_drupal_reply_created(seam_sim_call_t *c, const seam_sim_ent_t *e, int status)
{
	char self[512];
	snprintf(self, sizeof self, "%s/jsonapi/%s/%s/%s", c->base_url, e->type->entity_type,
		 e->type->bundle, e->uuid);
	json_t *doc = json_pack("{s:o, s:o, s:{s:{s:s}}}", "jsonapi", seam_sim_ja_jsonapi(), "data",
				seam_sim_ja_resource(e, c->base_url, NULL), "links", "self", "href",
				self);
	if (status == 201)
		seam_sim_set_header(c, "Location", self);
	seam__sim_drupal_reply_doc(c, status, doc);
}

json_t *seam__sim_drupal_attr_in(const json_t *data, const char *k)
{
	return json_object_get(json_object_get(data, "attributes"), k);
}

seam_sim_ent_t *seam__sim_drupal_rel_in(seam_sim_drupal_t *d, const json_t *data, const char *k)
{
	json_t *r = json_object_get(json_object_get(json_object_get(data, "relationships"), k), "data");
	return json_is_object(r)
		       ? seam__sim_drupal_lookup(d, json_string_value(json_object_get(r, "id")))
		       : NULL;
}

int seam__sim_drupal_null_or_empty(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v));
}
