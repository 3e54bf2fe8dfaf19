/*
 * sim_jsonapi.h: the Drupal core JSON:API query language, as the Drupal double speaks it
 * (Drupal core's core/modules/jsonapi Filter.php, Sort.php, OffsetPage.php, as a Drupal 10.5
 * site answers):
 *
 *   filter   shorthand filter[field]=v, filter[field][operator]=..&filter[field][value]=..,
 *            the condition form filter[x][condition][path|operator|value][]=.., groups
 *            filter[g][group][conjunction]=AND|OR with [condition][memberOf]=g; operators
 *            = <> > >= < <= STARTS_WITH CONTAINS ENDS_WITH IN NOT IN BETWEEN NOT BETWEEN
 *            IS NULL IS NOT NULL; paths follow the output (total_price.number, order_id.id,
 *            uid.name). Unknown fields are a 400 like Drupal's "Invalid nested filtering".
 *            Timestamp fields (created, changed, placed, ...) compare as Unix seconds, as
 *            Drupal's entity query does; a non-numeric value for them is a 400 here (Drupal
 *            would silently compare garbage; the double is loud instead).
 *   sort     sort=a,-b or sort[k][path]=..&sort[k][direction]=ASC|DESC; NULLs first.
 *   page     page[offset], page[limit]; the limit is clamped to 50 (OffsetPage::SIZE_MAX).
 *   include  include=a,a.b: relationship paths, validated.
 *
 * Entities are plain data (seam_sim_ent_t) described by a type table (seam_sim_ja_type_t);
 * the owner supplies a lookup from uuid to entity for relationship paths.
 *
 * Thread-safety: none here; the Drupal double calls this under its lock. Ownership is stated
 * per function.
 */
#ifndef SEAM_SIM_JSONAPI_H
#define SEAM_SIM_JSONAPI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_core.h"

typedef enum seam_sim_ja_kind_e {
	SEAM_SIM_JA_STR = 1,
	SEAM_SIM_JA_INT,
	SEAM_SIM_JA_DEC,   /* decimal string ("2", "19.99") compared exactly */
	SEAM_SIM_JA_BOOL,
	SEAM_SIM_JA_TS,    /* RFC 3339 in the output, Unix seconds in filters */
	SEAM_SIM_JA_PRICE, /* {number, currency_code, formatted} */
	SEAM_SIM_JA_MAP,   /* free-form object or list (data, path, adjustments) */
	SEAM_SIM_JA_REL,   /* to-one relationship */
	SEAM_SIM_JA_RELS,  /* to-many relationship */
} seam_sim_ja_kind_e;

#define SEAM_SIM_JA_RO 0x1 /* read-only: a PATCH with a different value is refused (403) */

typedef struct seam_sim_ja_field {
	const char *name;
	seam_sim_ja_kind_e kind;
	const char *target; /* resource type of a relationship */
	unsigned flags;
} seam_sim_ja_field_t;

typedef struct seam_sim_ja_type {
	const char *name;        /* "commerce_order--default" */
	const char *entity_type; /* "commerce_order" */
	const char *bundle;      /* "default" */
	const seam_sim_ja_field_t *fields; /* terminated by a NULL name */
} seam_sim_ja_type_t;

/* One stored resource. */
typedef struct seam_sim_ent {
	const seam_sim_ja_type_t *type;
	char uuid[37];
	int64_t iid;       /* serial id (drupal_internal__*_id); 0 for config entities */
	char *sid;         /* string id of config entities ("default", "stripe"); else NULL */
	json_t *attrs;     /* owned: the attributes object, in output order */
	json_t *rels;      /* owned: name -> null | {type,id,meta} | [{type,id,meta}...] */
	int hidden;        /* not visible to anonymous callers (listed under meta.omitted) */
	int is_protected;  /* not listed at all for anonymous callers (query access) */
	void *ext;         /* owner's extra data */
	json_t *ref;       /* cached {type,id,meta} reference, shared by every relationship to
			    * this entity; never mutated (owned, decref with the entity) */
} seam_sim_ent_t;

/* Resolves uuids of relationship targets for nested paths and includes. */
typedef seam_sim_ent_t *(*seam_sim_ja_lookup_fn)(void *ctx, const char *uuid);
typedef const seam_sim_ja_type_t *(*seam_sim_ja_type_fn)(void *ctx, const char *name);

typedef struct seam_sim_ja_env {
	seam_sim_ja_lookup_fn lookup;
	seam_sim_ja_type_fn type_by_name;
	void *ctx;
} seam_sim_ja_env_t;

typedef struct seam_sim_ja_query {
	json_t *filter;   /* compiled condition tree, owned; NULL = all */
	json_t *sort;     /* [{path, kind, desc}], owned */
	json_t *include;  /* [path...], owned */
	json_t *fields;   /* {type: [field...]}, owned (sparse fieldsets) */
	int64_t offset;
	int64_t limit;
} seam_sim_ja_query_t;

#define SEAM_SIM_JA_PAGE_MAX 50

/* Parses filter/sort/page/include/fields of a call for type. Returns 0, or -1 with a detail
 * for the 400 in err. Dispose q in both cases. */
int seam_sim_ja_parse(const seam_sim_call_t *c, const seam_sim_ja_type_t *type,
		      const seam_sim_ja_env_t *env, seam_sim_ja_query_t *q, char *err,
		      size_t errcap);
void seam_sim_ja_query_dispose(seam_sim_ja_query_t *q);

/* 1 when e passes q's filter. */
int seam_sim_ja_match(const seam_sim_ja_query_t *q, const seam_sim_ent_t *e,
		      const seam_sim_ja_env_t *env);
/* Sorts ents in place by q's sort (stable; ties keep the given order). */
void seam_sim_ja_sort(const seam_sim_ja_query_t *q, seam_sim_ent_t **ents, size_t n,
		      const seam_sim_ja_env_t *env);

/* The resource object of e (new reference). fields: sparse fieldset list or NULL. */
json_t *seam_sim_ja_resource(const seam_sim_ent_t *e, const char *base_url, const json_t *fields);
/* The reference {type, id, meta:{drupal_internal__target_id}} to e (new reference to a shared,
 * immutable object cached on e). */
json_t *seam_sim_ja_ref(seam_sim_ent_t *e);
/* Appends to included (array) every entity reachable from ents by q's include paths, once
 * each, skipping seen uuids (seen is an object used as a set). */
void seam_sim_ja_include(const seam_sim_ja_query_t *q, seam_sim_ent_t *const *ents, size_t n,
			 const seam_sim_ja_env_t *env, const char *base_url, int anonymous,
			 json_t *included, json_t *seen);

/* {"jsonapi": {...}} top-level member (new reference). */
json_t *seam_sim_ja_jsonapi(void);
/* A Drupal error document with one error (new reference). pointer and via may be NULL. */
json_t *seam_sim_ja_error(int status, const char *detail, const char *pointer, const char *via);
/* Builds a page link: the call's URL with page[offset]/page[limit] replaced (owned string). */
char *seam_sim_ja_page_link(const seam_sim_call_t *c, int64_t offset, int64_t limit);

/* Field helpers. */
const seam_sim_ja_field_t *seam_sim_ja_field(const seam_sim_ja_type_t *t, const char *name);
/* Timestamp attribute value (RFC 3339 with +00:00) to Unix seconds; -1 when null/bad. */
int64_t seam_sim_ja_ts(const json_t *v);

#endif
