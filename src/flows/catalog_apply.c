/*
 * catalog_apply.c: the catalog.product job: one subject (a Drupal product) from the PIM into
 * Drupal (see catalog.h).
 *
 * Order of work:
 *   1. what the subject is now in the PIM: a model with its variants (search parent = code)
 *      and its family variant (the axes), or a simple product; an event that names a product
 *      uuid is resolved to its subject first. A subject the PIM no longer has is removed:
 *      its Drupal product and the variations still on it are unpublished;
 *   2. never backwards: when the PIM answers an older version than the one applied (a
 *      replica behind, a slow read), nothing is written (outcome stale);
 *   3. map (to_canonical), check catalog.product@v1 and the rules JSON Schema cannot say (a
 *      SKU twice in the subject, two variants with the same axis values, a SKU another PIM
 *      product has), map (to_drupal) and check catalog.drupal-product@v1; a record that fails
 *      any of these is quarantined with the reasons (seam ctl quarantine list) and the run
 *      goes on;
 *   4. unchanged since the last apply (same hash of the write plan) and not a full or dry
 *      run, nor a product that lost a variation to another one (its plan is the same, its
 *      Drupal list is not): done, no Drupal call;
 *   5. compare with what Drupal holds (the product by seam_pim_id, each variation by SKU)
 *      and write only what differs: variations first (created, or PATCHed field by field;
 *      axis values as product attribute values, created when missing), then the product
 *      (created with its variations, or PATCHed), then variations that moved here from
 *      another product get their product_id, and that product's subject is synced again. A
 *      variation the PIM no longer lists stays on the product, unpublished (orders reference
 *      it). A dry run records the same decisions in catalog_plan instead of writing;
 *   6. record: catalog_items (hash, version), catalog_skus, the run's outcome, timeline
 *      entries on the product and on each SKU written, the metric.
 * Drupal's 422 for one product is that product's quarantine, not the run's failure.
 */
#include "flows/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/drupal/drupal.h"
#include "connectors/pim.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/log.h"
#include "domain/money.h"
#include "flows/flow_int.h"
#include "flows/stores.h"
#include "flows/timeline.h"
#include "inbox/inbox.h"

#define PRODUCT_CONTRACT "catalog.product@v1"
#define DRUPAL_CONTRACT "catalog.drupal-product@v1"
#define REASON_MAX 1500

typedef struct apply {
	seam_catalog_t *c;
	const seam_catalog_store_config_t *sc;
	const seam_job_t *job;
	const char *store, *run_id, *source;
	const char *item;        /* the run item it answers for (NULL: the subject) */
	char subject[256], kind[16];
	int full, dry_run;
	seam_upstream_t *pim, *dru;
	/* the PIM */
	json_t *model, *products, *fv;
	int64_t updated; /* newest updated of the subject's records (ms) */
	/* mapped */
	json_t *input, *canonical, *plan;
	char hash[65];
	/* Drupal */
	json_t *product, *dvars; /* the product and its included variations (owned) */
	json_t *vuuids;          /* the plan's variation uuids, in order (dry run: "new:<sku>") */
	json_t *moved_from;      /* product uuids variations were moved away from */
	json_t *written;         /* SKUs written: {sku: "created" | "updated: fields"} */
	char product_how[300];   /* "created" | "updated: fields" | "" (product untouched) */
	json_t *translated;      /* langcodes whose translation was written (or planned) */
	int created, writes;
	seam_drupal_outcome_t oc;
	seam_error_t err;
} apply_t;

/* ---------- small helpers ---------- */

static const char *rel_id(json_t *res, const char *rel)
{
	json_t *d = seam_drupal_rel(res, rel, 0);
	return json_string_value(json_object_get(d, "id"));
}

static int decimal_of(json_t *v, seam_money_dec_t *d)
{
	const char *s = json_string_value(v);
	return s && seam_money_dec_parse(s, (size_t)-1, d, NULL) == SEAM_OK;
}

/* want is what seam owns; have is what Drupal holds. Objects compare on want's keys only
 * (Drupal adds "processed" to text, its own keys to a price), decimal strings by value
 * ("19.9" and "19.900000" are one price). */
static int same(json_t *want, json_t *have)
{
	seam_money_dec_t a, b;
	if (json_is_object(want)) {
		const char *k;
		json_t *v;
		if (!json_is_object(have))
			return 0;
		json_object_foreach(want, k, v)
			if (!same(v, json_object_get(have, k)))
				return 0;
		return 1;
	}
	if (json_is_string(want) && json_is_string(have) && decimal_of(want, &a) && decimal_of(have, &b))
		return seam_money_dec_cmp(a, b) == 0;
	if (json_is_null(want))
		return !have || json_is_null(have);
	return have && json_equal(want, have);
}

/* The attributes of want that differ from the resource's: a new object (possibly empty), and
 * their from/to into diff (may be NULL). */
static json_t *changed_attrs(json_t *want, json_t *res, json_t *diff)
{
	json_t *out = json_object(), *v;
	const char *k;
	json_object_foreach(want, k, v) {
		json_t *have = seam_drupal_attr(res, k);
		if (same(v, have))
			continue;
		json_object_set(out, k, v);
		if (diff)
			json_object_set_new(diff, k, json_pack("{s:O?, s:O}", "from", have, "to", v));
	}
	return out;
}

/* "updated: price, title": what a write changed, for the timeline. New reference. */
static json_t *how_of(const char *what, json_t *diff)
{
	char buf[300];
	size_t n = (size_t)snprintf(buf, sizeof buf, "%s", what);
	const char *k;
	json_t *v;
	int first = 1;
	json_object_foreach(diff, k, v) {
		if (n < sizeof buf)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", first ? ": " : ", ", k);
		first = 0;
	}
	return json_string(buf);
}

static json_t *ident(const char *type, const char *id)
{
	return json_pack("{s:s, s:s}", "type", type, "id", id);
}

/* ---------- store records ---------- */

static void item_get(apply_t *a, char *hash, size_t hcap, char *updated, size_t ucap, char *state,
		     size_t scap)
{
	seam_db_t *db = seam_store_acquire(a->c->env.store);
	const char *p[] = {a->store, a->subject};
	seam__flow_lookup(db, "SELECT hash FROM catalog_items WHERE store = $1 AND pim_id = $2", p, 2,
			  0, hash, hcap);
	seam__flow_lookup(db, "SELECT pim_updated FROM catalog_items WHERE store = $1 AND pim_id = $2",
			  p, 2, 0, updated, ucap);
	seam__flow_lookup(db, "SELECT state FROM catalog_items WHERE store = $1 AND pim_id = $2", p, 2,
			  0, state, scap);
	seam_store_release(a->c->env.store, db);
}

static seam_err_t item_put(apply_t *a, seam_db_t *db, const char *state, const char *reason)
{
	char now[24], upd[24];
	const char *uuid = a->product ? seam_drupal_id(a->product) : NULL;
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	snprintf(upd, sizeof upd, "%lld", (long long)a->updated);
	return seam_db_run(
		db,
		"INSERT INTO catalog_items (store, pim_id, drupal_uuid, hash, pim_updated, state, reason, "
		"last_run, correlation_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
		"CAST($10 AS BIGINT)) ON CONFLICT (store, pim_id) DO UPDATE SET "
		"drupal_uuid = COALESCE(excluded.drupal_uuid, catalog_items.drupal_uuid), "
		"hash = excluded.hash, pim_updated = excluded.pim_updated, state = excluded.state, "
		"reason = excluded.reason, last_run = COALESCE(excluded.last_run, catalog_items.last_run), "
		"correlation_id = excluded.correlation_id, updated_at = excluded.updated_at",
		(const char *[]){a->store, a->subject, uuid, strcmp(state, "applied") ? NULL : a->hash,
				 upd, state, reason, a->run_id, a->job->correlation_id, now},
		10, NULL, &a->err);
}

static seam_err_t skus_put(apply_t *a, seam_db_t *db)
{
	json_t *vars = json_object_get(a->canonical, "variants"), *v;
	size_t i;
	char now[24];
	seam_err_t rc = SEAM_OK;
	snprintf(now, sizeof now, "%lld", (long long)seam_now_ms());
	json_array_foreach(vars, i, v) {
		const char *sku = json_string_value(json_object_get(v, "sku"));
		const char *uuid = json_string_value(json_array_get(a->vuuids, i));
		rc = seam_db_run(db,
				 "INSERT INTO catalog_skus (store, sku, pim_id, pim_uuid, drupal_uuid, "
				 "updated_at) VALUES ($1, $2, $3, $4, $5, CAST($6 AS BIGINT)) ON CONFLICT "
				 "(store, sku) DO UPDATE SET pim_id = excluded.pim_id, pim_uuid = "
				 "excluded.pim_uuid, drupal_uuid = excluded.drupal_uuid, updated_at = "
				 "excluded.updated_at",
				 (const char *[]){a->store, sku,
						  a->subject, json_string_value(json_object_get(v, "uuid")),
						  uuid, now},
				 6, NULL, &a->err);
		if (rc != SEAM_OK)
			break;
	}
	return rc;
}

/* The outcome, in one transaction: the item, its SKUs, the run, a timeline entry on the
 * product and one per SKU written. */
static seam_err_t record(apply_t *a, seam__catalog_outcome_e o, const char *reason, json_t *detail)
{
	seam_db_t *db = seam_store_acquire(a->c->env.store);
	seam_err_t rc = seam_db_begin(db, &a->err);
	const char *name = seam__catalog_outcome_name(o);
	const char *cid = a->job->correlation_id;
	if (rc == SEAM_OK && !a->dry_run && o != SEAM__CATALOG_STALE && o != SEAM__CATALOG_FAILED) {
		const char *state = o == SEAM__CATALOG_QUARANTINED  ? "quarantined"
				    : o == SEAM__CATALOG_UNPUBLISHED ? "removed"
								     : "applied";
		rc = item_put(a, db, state, reason);
		if (rc == SEAM_OK && !strcmp(state, "applied") && a->canonical)
			rc = skus_put(a, db);
	}
	if (rc == SEAM_OK)
		rc = seam__catalog_run_outcome(db, a->run_id, a->item, a->subject, o, &a->err);
	if (rc == SEAM_OK && (o != SEAM__CATALOG_UNCHANGED || a->run_id == NULL)) {
		json_t *d = detail ? json_incref(detail) : json_object();
		json_object_set_new(d, "store", json_string(a->store));
		json_object_set_new(d, "outcome", json_string(name));
		json_object_set_new(d, "source", json_string(a->source ? a->source : "?"));
		if (a->run_id)
			json_object_set_new(d, "run", json_string(a->run_id));
		if (a->dry_run)
			json_object_set_new(d, "dry_run", json_true());
		if (reason)
			json_object_set_new(d, "reason", json_string(reason));
		if (a->written && json_object_size(a->written))
			json_object_set(d, "variations", a->written);
		if (a->product_how[0])
			json_object_set_new(d, "product_changed", json_string(a->product_how));
		if (a->translated && json_array_size(a->translated))
			json_object_set(d, "translations", a->translated);
		rc = seam_timeline_add(db, "product", a->subject, cid, a->dry_run ? "seam" : "drupal",
				       a->dry_run ? "catalog.planned" : "catalog.synced", d, &a->err);
	}
	if (rc == SEAM_OK && !a->dry_run && a->written) {
		const char *sku;
		json_t *how;
		json_object_foreach(a->written, sku, how) {
			rc = seam_timeline_add(db, "sku", sku, cid, "drupal", "catalog.synced",
					       json_pack("{s:s, s:s, s:O, s:s?}", "store", a->store,
							 "product", a->subject, "how", how, "run",
							 a->run_id),
					       &a->err);
			if (rc != SEAM_OK)
				break;
		}
	}
	if (rc == SEAM_OK)
		rc = seam_db_commit(db, &a->err);
	else
		seam_db_rollback(db);
	seam_store_release(a->c->env.store, db);
	if (rc == SEAM_OK && !a->dry_run)
		seam_metric_add(a->c->env.metrics, SEAM_M_CATALOG_PRODUCTS,
				(const char *[]){a->store, name}, 1);
	if (rc == SEAM_OK && !a->dry_run && (o == SEAM__CATALOG_CREATED || o == SEAM__CATALOG_UPDATED))
		seam_logf(a->c->env.log, SEAM_LOG_INFO, "catalog", cid,
			  json_pack("{s:s, s:s, s:s, s:O, s:s?}", "store", a->store, "product", a->subject,
				    "outcome", name, "variations", a->written, "product_changed",
				    a->product_how[0] ? a->product_how : NULL),
			  "catalog: product %s %s", a->subject, name);
	return rc;
}

/* A record that cannot be used: kept in the quarantine with the input and the reasons, the
 * item marked, the run counted; the job succeeds (retrying the same data cannot help). */
static seam_err_t quarantine(apply_t *a, const char *reason)
{
	char id[400];
	char *body = a->input ? json_dumps(a->input, JSON_COMPACT) : NULL;
	snprintf(id, sizeof id, "catalog:%s:%lld", a->subject, (long long)a->updated);
	seam_inbox_event_t ev = {.provider = "pim", .source = a->store, .event_id = id,
				 .body = body ? body : "{}", .len = body ? strlen(body) : 2,
				 .headers = "{}", .correlation_id = a->job->correlation_id};
	seam_err_t rc = SEAM_OK;
	if (!a->dry_run) {
		seam_db_t *db = seam_store_acquire(a->c->env.store);
		rc = seam_inbox_quarantine(db, &ev, reason, &a->err);
		seam_store_release(a->c->env.store, db);
	}
	free(body);
	seam_logf(a->c->env.log, SEAM_LOG_WARN, "catalog", a->job->correlation_id,
		  json_pack("{s:s, s:s, s:s}", "store", a->store, "product", a->subject, "reason", reason),
		  "catalog: product %s quarantined: %s", a->subject, reason);
	if (rc == SEAM_OK || rc == SEAM_CONFLICT) /* the same version quarantined before */
		rc = record(a, SEAM__CATALOG_QUARANTINED, reason, NULL);
	return rc;
}

static seam_err_t plan_add(apply_t *a, const char *action, const char *entity, const char *key,
			   json_t *diff)
{
	char *text = diff && json_object_size(diff) ? json_dumps(diff, JSON_COMPACT) : NULL;
	seam_db_t *db = seam_store_acquire(a->c->env.store);
	seam_err_t rc = seam_db_run(db,
				    "INSERT INTO catalog_plan (run_id, seq, action, entity, item_key, diff) "
				    "SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM catalog_plan "
				    "WHERE run_id = $1",
				    (const char *[]){a->run_id, action, entity, key, text}, 5, NULL,
				    &a->err);
	seam_store_release(a->c->env.store, db);
	free(text);
	return rc;
}

/* ---------- 1. the PIM ---------- */

static seam_err_t collect_page(void *ud, json_t *items, const char *next, seam_error_t *err)
{
	apply_t *a = ud;
	size_t i;
	json_t *it;
	(void)next;
	(void)err;
	json_array_foreach(items, i, it)
		json_array_append(a->products, it);
	return SEAM_OK;
}

static void newest(apply_t *a, const json_t *rec)
{
	int64_t ms = seam__catalog_updated_ms(rec);
	if (ms > a->updated)
		a->updated = ms;
}

/* The subject's own store record, looked up by a PIM product uuid (events that name a removed
 * product, which Akeneo sends without its parent). */
static void subject_of_uuid(apply_t *a, const char *uuid, char *out, size_t cap)
{
	seam_db_t *db = seam_store_acquire(a->c->env.store);
	out[0] = '\0';
	seam__flow_lookup(db, "SELECT pim_id FROM catalog_skus WHERE store = $1 AND pim_uuid = $2",
			  (const char *[]){a->store, uuid}, 2, 0, out, cap);
	seam_store_release(a->c->env.store, db);
}

/* SEAM_OK with the records; SEAM_NOTFOUND when the subject is gone from the PIM. */
static seam_err_t read_pim(apply_t *a)
{
	seam_pim_outcome_t oc;
	json_t *rec = NULL;
	seam_err_t rc;
	const char *cid = a->job->correlation_id;
	if (!strcmp(a->kind, "product")) {
		/* an event's product uuid: which subject is it now? */
		rc = seam_pim_get(a->pim, SEAM_PIM_PRODUCTS, NULL, a->subject, cid, &rec, &oc, &a->err);
		if (rc == SEAM_NOTFOUND) {
			char subj[256];
			subject_of_uuid(a, a->subject, subj, sizeof subj);
			if (!subj[0] || !strcmp(subj, a->subject)) {
				snprintf(a->kind, sizeof a->kind, "simple");
				return SEAM_NOTFOUND;
			}
			snprintf(a->subject, sizeof a->subject, "%s", subj);
			snprintf(a->kind, sizeof a->kind, "model");
		} else if (rc != SEAM_OK) {
			return rc;
		} else {
			const char *parent = json_string_value(json_object_get(rec, "parent"));
			if (parent && *parent) {
				snprintf(a->subject, sizeof a->subject, "%s", parent);
				snprintf(a->kind, sizeof a->kind, "model");
			} else {
				snprintf(a->kind, sizeof a->kind, "simple");
			}
		}
	}
	if (!strcmp(a->kind, "simple")) {
		if (!rec && (rc = seam_pim_get(a->pim, SEAM_PIM_PRODUCTS, NULL, a->subject, cid, &rec,
					       &oc, &a->err)) != SEAM_OK)
			return rc;
		const char *parent = json_string_value(json_object_get(rec, "parent"));
		if (parent && *parent) {
			/* It became a variant: its model takes it over; as a subject of its own it
			 * is gone. */
			seam__catalog_subject_t s = {.store = a->store, .id = parent, .kind = "model",
						     .updated_ms = seam__catalog_updated_ms(rec),
						     .source = "moved"};
			seam_db_t *db = seam_store_acquire(a->c->env.store);
			seam__catalog_enqueue(a->c, db, &s, cid, NULL, NULL);
			seam_store_release(a->c->env.store, db);
			json_decref(rec);
			return SEAM_NOTFOUND;
		}
		json_array_append_new(a->products, rec);
		newest(a, rec);
		return SEAM_OK;
	}
	json_decref(rec);
	if ((rc = seam_pim_get(a->pim, SEAM_PIM_PRODUCT_MODELS, NULL, a->subject, cid, &a->model, &oc,
			       &a->err)) != SEAM_OK)
		return rc;
	newest(a, a->model);
	const char *family = json_string_value(json_object_get(a->model, "family"));
	const char *fv = json_string_value(json_object_get(a->model, "family_variant"));
	if (family && fv &&
	    (rc = seam_pim_get(a->pim, SEAM_PIM_FAMILY_VARIANTS, family, fv, cid, &a->fv, &oc,
			       &a->err)) != SEAM_OK && rc != SEAM_NOTFOUND)
		return rc;
	seam_pim_list_t l = {.resource = SEAM_PIM_PRODUCTS, .parent = a->subject,
			     .scope = a->sc->pim.channel, .cid = cid};
	if ((rc = seam_pim_walk(a->pim, &l, collect_page, a, &oc, &a->err)) != SEAM_OK)
		return rc;
	size_t i;
	json_t *p;
	json_array_foreach(a->products, i, p)
		newest(a, p);
	if (json_array_size(a->products) == 0)
		return SEAM_NOTFOUND; /* a model without variants is no product */
	return SEAM_OK;
}

/* ---------- 3. map and check ---------- */

static json_t *map_ctx(apply_t *a, int drupal)
{
	const char *cur = a->sc->drupal.currency;
	const seam_strmap_t *tr = &a->sc->drupal.translations;
	if (!drupal) {
		/* the store's locale first, then those it keeps translations in */
		json_t *locales = json_pack("[s]", a->sc->pim.locale);
		for (size_t i = 0; i < tr->n; i++)
			json_array_append_new(locales, json_string(tr->keys[i]));
		return json_pack("{s:s, s:s, s:o, s:[s], s:s, s:s}", "store", a->store, "channel",
				 a->sc->pim.channel, "locales", locales, "currencies", cur,
				 "title_attribute", a->sc->pim.title, "description_attribute",
				 a->sc->pim.description);
	}
	json_t *attrs = json_object(), *trans = json_object();
	for (size_t i = 0; i < a->sc->drupal.attributes.n; i++)
		json_object_set_new(attrs, a->sc->drupal.attributes.keys[i],
				    json_string(a->sc->drupal.attributes.values[i]));
	for (size_t i = 0; i < tr->n; i++)
		json_object_set_new(trans, tr->keys[i], json_string(tr->values[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "store", a->store, "locale",
			 a->sc->pim.locale, "currency", cur, "prices", seam_catalog_owner(a->sc, "price"),
			 "attributes", attrs, "translations", trans);
}

/* Checks doc against ref; NULL when it holds, else the quarantine reason (owned). */
static char *violation(apply_t *a, const char *ref, json_t *doc)
{
	const seam_contract_t *ct = a->c->env.contracts ? seam_contracts_find(a->c->env.contracts, ref)
							: NULL;
	json_t *basic = NULL;
	char *reason;
	if (!ct)
		return strdup("contract_violation: no contract registry");
	if (seam_contract_validate(ct, doc, &basic)) {
		json_decref(basic);
		return NULL;
	}
	reason = seam_inbox_contract_reason(ref, basic);
	json_decref(basic);
	return reason;
}

/* What the contract cannot say about one subject: each SKU once, each combination of axis
 * values once among the enabled variants. NULL or the reason (owned). */
static char *rules(apply_t *a)
{
	json_t *vars = json_object_get(a->canonical, "variants"), *v;
	json_t *skus = json_object(), *axes = json_object();
	char *reason = NULL;
	size_t i;
	json_array_foreach(vars, i, v) {
		const char *sku = json_string_value(json_object_get(v, "sku"));
		char *key = json_dumps(json_object_get(v, "axes"), JSON_COMPACT | JSON_SORT_KEYS);
		const char *other;
		if (sku && json_object_get(skus, sku)) {
			if (asprintf(&reason, "duplicate_sku: %s is on two variants of %s", sku,
				     a->subject) < 0)
				reason = NULL;
		} else if (sku) {
			json_object_set_new(skus, sku, json_true());
		}
		/* only enabled variants are offered side by side on the storefront */
		int offered = key && json_object_size(json_object_get(v, "axes")) &&
			      json_is_true(json_object_get(v, "enabled"));
		if (!reason && offered && (other = json_string_value(json_object_get(axes, key)))) {
			if (asprintf(&reason, "axis_collision: %s and %s have the same axis values %s",
				     other, sku ? sku : "?", key) < 0)
				reason = NULL;
		} else if (offered && sku) {
			json_object_set_new(axes, key, json_string(sku));
		}
		free(key);
		if (reason)
			break;
	}
	json_decref(skus);
	json_decref(axes);
	return reason;
}

/* A SKU another PIM product holds (catalog_skus names another uuid that the PIM still has
 * with this SKU): the later one is quarantined. NULL or the reason (owned). */
static char *sku_owner(apply_t *a)
{
	json_t *vars = json_object_get(a->canonical, "variants"), *v;
	size_t i;
	json_array_foreach(vars, i, v) {
		const char *sku = json_string_value(json_object_get(v, "sku"));
		const char *uuid = json_string_value(json_object_get(v, "uuid"));
		char other[64] = "", other_subject[256] = "";
		json_t *rec = NULL;
		seam_pim_outcome_t oc;
		if (!sku || !uuid)
			continue;
		seam_db_t *db = seam_store_acquire(a->c->env.store);
		seam__flow_lookup(db, "SELECT pim_uuid FROM catalog_skus WHERE store = $1 AND sku = $2",
				  (const char *[]){a->store, sku}, 2, 0, other, sizeof other);
		seam__flow_lookup(db, "SELECT pim_id FROM catalog_skus WHERE store = $1 AND sku = $2",
				  (const char *[]){a->store, sku}, 2, 0, other_subject,
				  sizeof other_subject);
		seam_store_release(a->c->env.store, db);
		if (!other[0] || !strcmp(other, uuid))
			continue;
		/* Still there with that SKU? (a product removed and made again gets a new uuid) */
		if (seam_pim_get(a->pim, SEAM_PIM_PRODUCTS, NULL, other, a->job->correlation_id, &rec,
				 &oc, NULL) != SEAM_OK)
			continue;
		json_t *sv = json_object_get(json_array_get(json_object_get(json_object_get(rec, "values"),
									   "sku"), 0), "data");
		int dup = json_is_string(sv) && !strcmp(json_string_value(sv), sku);
		json_decref(rec);
		if (dup) {
			char *reason;
			if (asprintf(&reason, "duplicate_sku: %s is also PIM product %s (of %s), which "
					      "seam synced first",
				     sku, other, other_subject) < 0)
				reason = NULL;
			return reason;
		}
	}
	return NULL;
}

/* SEAM_OK with a->plan, SEAM_PERMANENT with *reason (owned) to quarantine. */
static seam_err_t map(apply_t *a, char **reason)
{
	seam_map_runtime_t *rt = seam__catalog_runtime(a->c, &a->err);
	json_t *ctx = NULL;
	seam_err_t rc;
	*reason = NULL;
	if (!rt)
		return SEAM_RETRY;
	a->input = json_pack("{s:O?, s:O, s:O?}", "model", a->model, "products", a->products,
			     "family_variant", a->fv);
	ctx = map_ctx(a, 0);
	rc = seam_map_run(rt, a->sc->to_canonical, a->input, ctx, &a->canonical, &a->err);
	json_decref(ctx);
	if (rc == SEAM_NOTFOUND)
		return rc;
	if (rc != SEAM_OK) {
		if (asprintf(reason, "mapping_failed: %s: %s", a->sc->to_canonical, a->err.msg) < 0)
			*reason = NULL;
		return SEAM_PERMANENT;
	}
	if ((*reason = violation(a, PRODUCT_CONTRACT, a->canonical)) || (*reason = rules(a)) ||
	    (*reason = sku_owner(a)))
		return SEAM_PERMANENT;
	ctx = map_ctx(a, 1);
	rc = seam_map_run(rt, a->sc->to_drupal, a->canonical, ctx, &a->plan, &a->err);
	json_decref(ctx);
	if (rc != SEAM_OK) {
		if (asprintf(reason, "mapping_failed: %s: %s", a->sc->to_drupal, a->err.msg) < 0)
			*reason = NULL;
		return SEAM_PERMANENT;
	}
	if ((*reason = violation(a, DRUPAL_CONTRACT, a->plan)))
		return SEAM_PERMANENT;
	char *text = json_dumps(a->plan, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return seam_errorf(&a->err, SEAM_NOMEM, "out of memory");
	seam_sha256_hex(text, strlen(text), a->hash);
	free(text);
	return SEAM_OK;
}

/* ---------- 5. Drupal ---------- */

static json_t *var_by_sku(json_t *vars, const char *sku)
{
	size_t i;
	json_t *v;
	json_array_foreach(vars, i, v) {
		const char *s = seam_drupal_attr_str(v, "sku");
		if (s && !strcmp(s, sku))
			return v;
	}
	return NULL;
}

/* The uuid of attribute value name of attribute attr (created when missing, except in a dry
 * run: then "" and SEAM_NOTFOUND). Cached per process: values are never renamed by seam. A
 * miss is looked up and created under the flow's lock, so two workers that meet a new value
 * ("black") at once make one Drupal attribute value, not two that the next full run would
 * swap back and forth. */
static seam_err_t attr_value(apply_t *a, const char *attr, const char *name, char uuid[37])
{
	char key[512];
	seam_err_t rc = SEAM_OK;
	snprintf(key, sizeof key, "%s\n%s", attr, name);
	pthread_mutex_lock(&a->c->mu);
	const char *hit = json_string_value(json_object_get(a->c->attr_cache, key));
	if (hit) {
		snprintf(uuid, 37, "%s", hit);
	} else {
		rc = seam_drupal_attribute_value(a->dru, a->job->correlation_id, attr, name,
						 !a->dry_run, uuid, &a->oc, &a->err);
		if (rc == SEAM_OK)
			json_object_set_new(a->c->attr_cache, key, json_string(uuid));
	}
	pthread_mutex_unlock(&a->c->mu);
	return rc;
}

static seam_err_t write(apply_t *a, const char *entity, const char *uuid, json_t *attrs,
			json_t *rels, json_t **out)
{
	seam_drupal_write_t w = {.entity = entity,
				 .bundle = strcmp(entity, "commerce_product") ? a->sc->drupal.variation_type
									      : a->sc->drupal.product_type,
				 .uuid = uuid, .attributes = attrs, .relationships = rels};
	a->writes++;
	return seam_drupal_write_entity(a->dru, a->job->correlation_id, &w, out, &a->oc, &a->err);
}

/*
 * Variation titles. Commerce's variation types may generate the title from the product's
 * title and the attribute values ("Generate variation titles based on attribute values", on
 * for the default type of a fresh site): Drupal then replaces any title it is sent, and a
 * title seam compared would differ forever. seam asks Drupal once per store and variation type
 * (the type's generateTitle), and also notices it from Drupal's own answer (a title sent,
 * another one saved: an account that may not read the type's config), remembers it for the
 * life of the process, says so once, and leaves those titles to Drupal.
 */
static int titles_generated(apply_t *a)
{
	char key[300];
	int gen = 0;
	snprintf(key, sizeof key, "%s\n%s", a->store, a->sc->drupal.variation_type);
	pthread_mutex_lock(&a->c->mu);
	json_t *known = json_object_get(a->c->generated, key);
	int have = known != NULL, on = json_is_true(known);
	pthread_mutex_unlock(&a->c->mu);
	if (have)
		return on;
	seam_drupal_outcome_t oc;
	seam_err_t rc = seam_drupal_variation_titles(a->dru, a->job->correlation_id,
						     a->sc->drupal.variation_type, &gen, &oc, NULL);
	pthread_mutex_lock(&a->c->mu);
	if (!json_object_get(a->c->generated, key))
		json_object_set_new(a->c->generated, key, json_boolean(rc == SEAM_OK && gen));
	on = json_is_true(json_object_get(a->c->generated, key));
	pthread_mutex_unlock(&a->c->mu);
	if (rc == SEAM_OK && gen)
		seam_logf(a->c->env.log, SEAM_LOG_INFO, "catalog", a->job->correlation_id,
			  json_pack("{s:s, s:s}", "store", a->store, "variation_type",
				    a->sc->drupal.variation_type),
			  "catalog: Drupal generates the titles of %s variations; seam leaves them to "
			  "Drupal (turn title generation off on the variation type for the PIM's titles)",
			  a->sc->drupal.variation_type);
	return on;
}

static void note_title(apply_t *a, json_t *sent, json_t *saved)
{
	const char *want = json_string_value(json_object_get(sent, "title"));
	const char *got = saved ? seam_drupal_attr_str(saved, "title") : NULL;
	char key[300];
	if (!want || !got || !strcmp(want, got))
		return;
	snprintf(key, sizeof key, "%s\n%s", a->store, a->sc->drupal.variation_type);
	pthread_mutex_lock(&a->c->mu);
	int first = !json_is_true(json_object_get(a->c->generated, key));
	json_object_set_new(a->c->generated, key, json_true());
	pthread_mutex_unlock(&a->c->mu);
	if (first)
		seam_logf(a->c->env.log, SEAM_LOG_WARN, "catalog", a->job->correlation_id,
			  json_pack("{s:s, s:s, s:s, s:s}", "store", a->store, "variation_type",
				    a->sc->drupal.variation_type, "sent", want, "saved", got),
			  "catalog: Drupal generates the titles of %s variations (sent '%s', saved '%s'); "
			  "seam leaves them to Drupal (turn title generation off on the variation type "
			  "for the PIM's titles)",
			  a->sc->drupal.variation_type, want, got);
}

/* One variation of the plan: found (on the product, else by SKU), compared and written. */
static seam_err_t apply_variation(apply_t *a, json_t *pv)
{
	const char *sku = json_string_value(json_object_get(pv, "sku"));
	json_t *want = json_deep_copy(json_object_get(pv, "attributes"));
	json_t *axes = json_object_get(pv, "axes");
	const char *pid = a->product ? seam_drupal_id(a->product) : NULL;
	char vtype[160];
	if (titles_generated(a))
		json_object_del(want, "title");
	json_t *v = var_by_sku(a->dvars, sku), *found = NULL, *diff = json_object();
	json_t *rels = json_object(), *attrs = NULL, *out = NULL;
	const char *k;
	json_t *val;
	seam_err_t rc = SEAM_OK;
	snprintf(vtype, sizeof vtype, "commerce_product_variation--%s", a->sc->drupal.variation_type);
	if (!v) {
		rc = seam_drupal_find_variation(a->dru, a->job->correlation_id,
						a->sc->drupal.variation_type, sku, &found, &a->oc,
						&a->err);
		if (rc != SEAM_OK)
			goto out;
		v = found;
	}
	/* axis values: Drupal attribute -> value uuid */
	json_object_foreach(axes, k, val) {
		char uuid[37] = "", field[96], type[160];
		const char *name = json_string_value(val);
		if (!name)
			continue;
		snprintf(field, sizeof field, "attribute_%s", k);
		snprintf(type, sizeof type, "commerce_product_attribute_value--%s", k);
		rc = attr_value(a, k, name, uuid);
		if (rc == SEAM_NOTFOUND && a->dry_run) {
			json_object_set_new(diff, field, json_pack("{s:n, s:s}", "from", "to", name));
			rc = SEAM_OK;
			continue;
		}
		if (rc != SEAM_OK)
			goto out;
		const char *have = v ? rel_id(v, field) : NULL;
		if (!have || strcmp(have, uuid)) {
			json_object_set_new(rels, field, json_pack("{s:o}", "data", ident(type, uuid)));
			json_object_set_new(diff, field, json_pack("{s:s?, s:s}", "from", have, "to", name));
		}
	}
	if (!v) {
		attrs = json_deep_copy(want);
		json_object_update(attrs, json_object_get(pv, "create_attributes"));
		json_object_set_new(attrs, "sku", json_string(sku));
		if (pid)
			json_object_set_new(rels, "product_id",
					    json_pack("{s:o}", "data",
						      ident(seam_drupal_type(a->product), pid)));
		if (a->dry_run) {
			rc = plan_add(a, "create", "variation", sku, NULL);
			char nk[300];
			snprintf(nk, sizeof nk, "new:%s", sku);
			json_array_append_new(a->vuuids, json_string(nk));
		} else {
			rc = write(a, "commerce_product_variation", NULL, attrs,
				   json_object_size(rels) ? rels : NULL, &out);
			if (rc == SEAM_OK) {
				json_array_append_new(a->vuuids, json_string(seam_drupal_id(out)));
				note_title(a, attrs, out);
			}
		}
		if (rc == SEAM_OK)
			json_object_set_new(a->written, sku, json_string("created"));
		goto out;
	}
	json_array_append_new(a->vuuids, json_string(seam_drupal_id(v)));
	attrs = changed_attrs(want, v, diff);
	const char *vp = rel_id(v, "product_id");
	if (vp && pid && strcmp(vp, pid)) {
		json_array_append_new(a->moved_from, json_string(vp));
		/* The snapshot of a variant moving in may be stale: the subject it leaves can be
		 * unpublishing it as a leftover right now. A diff against that snapshot would omit
		 * status; the move writes every wanted value so the variant lands as the PIM says. */
		json_object_update_missing(attrs, want);
	}
	if (pid && (!vp || strcmp(vp, pid))) {
		json_object_set_new(rels, "product_id",
				    json_pack("{s:o}", "data", ident(seam_drupal_type(a->product), pid)));
		json_object_set_new(diff, "product", json_pack("{s:s?, s:s}", "from", vp, "to", a->subject));
	} else if (!pid && vp) {
		/* the product is made below; remember where the variation comes from */
		json_array_append_new(a->moved_from, json_string(vp));
	}
	if (json_object_size(attrs) == 0 && json_object_size(rels) == 0)
		goto out;
	if (a->dry_run)
		rc = plan_add(a, "update", "variation", sku, diff);
	else
		rc = write(a, "commerce_product_variation", seam_drupal_id(v), attrs,
			   json_object_size(rels) ? rels : NULL, &out);
	if (rc == SEAM_OK && !a->dry_run)
		note_title(a, attrs, out);
	if (rc == SEAM_OK)
		json_object_set_new(a->written, sku, how_of("updated", diff));
out:
	json_decref(want);
	json_decref(found);
	json_decref(out);
	json_decref(attrs);
	json_decref(rels);
	json_decref(diff);
	return rc;
}

/* Variations on the product that the PIM no longer lists under this subject: those still
 * pointing at this product stay on it, unpublished; those moved elsewhere leave its list. */
static seam_err_t leftovers(apply_t *a, json_t *list)
{
	json_t *plan_vars = json_object_get(a->plan, "variations"), *v;
	const char *pid = a->product ? seam_drupal_id(a->product) : NULL;
	size_t i;
	seam_err_t rc = SEAM_OK;
	json_array_foreach(a->dvars, i, v) {
		const char *sku = seam_drupal_attr_str(v, "sku");
		size_t j;
		json_t *pv;
		int listed = 0;
		json_array_foreach(plan_vars, j, pv)
			listed |= sku && !strcmp(sku, json_string_value(json_object_get(pv, "sku")));
		if (listed)
			continue;
		const char *vp = rel_id(v, "product_id");
		if (vp && pid && strcmp(vp, pid))
			continue; /* moved: its new product lists it */
		if (json_is_true(seam_drupal_attr(v, "status")) && sku && !a->dry_run) {
			/* The snapshot may be stale: another subject's job (the model this variant moved
			 * to) can have moved and published it since. Read it again right before the
			 * unpublish; moved away means it is no longer this product's to touch. */
			json_t *now = NULL;
			seam_drupal_outcome_t oc;
			seam_error_t e2 = {0};
			if (seam_drupal_find_variation(a->dru, a->job->correlation_id,
						       a->sc->drupal.variation_type, sku, &now, &oc,
						       &e2) == SEAM_OK && now) {
				const char *np = rel_id(now, "product_id");
				int gone = np && pid && strcmp(np, pid);
				json_decref(now);
				if (gone)
					continue;
			}
		}
		json_array_append_new(list, ident(seam_drupal_type(v), seam_drupal_id(v)));
		if (!json_is_true(seam_drupal_attr(v, "status")))
			continue;
		if (a->dry_run) {
			rc = plan_add(a, "unpublish", "variation", sku ? sku : seam_drupal_id(v), NULL);
		} else {
			json_t *off = json_pack("{s:b}", "status", 0);
			rc = write(a, "commerce_product_variation", seam_drupal_id(v), off, NULL, NULL);
			json_decref(off);
		}
		if (rc != SEAM_OK)
			return rc;
		if (sku)
			json_object_set_new(a->written, sku, json_string("unpublished"));
	}
	return rc;
}

static json_t *stores_rel(apply_t *a)
{
	const seam_config_store_t *st = seam_cfg_map_get(a->c->env.stores, a->store);
	json_t *data = json_array();
	char type[160];
	snprintf(type, sizeof type, "commerce_store--%s", a->sc->drupal.store_type);
	for (size_t i = 0; st && i < st->drupal.stores.n; i++)
		json_array_append_new(data, ident(type, st->drupal.stores.items[i]));
	return json_pack("{s:o}", "data", data);
}

static seam_err_t apply_drupal(apply_t *a)
{
	json_t *pv, *list = json_array(), *diff = json_object(), *attrs = NULL, *rels = NULL;
	json_t *out = NULL;
	char vtype[160];
	size_t i, nmatch = 0;
	seam_err_t rc = seam_drupal_find_product(a->dru, a->job->correlation_id,
						 a->sc->drupal.product_type, a->subject, &a->product,
						 &a->dvars, &nmatch, &a->oc, &a->err);
	if (rc != SEAM_OK)
		goto out;
	if (nmatch > 1)
		seam_logf(a->c->env.log, SEAM_LOG_WARN, "catalog", a->job->correlation_id,
			  json_pack("{s:s, s:s, s:I}", "store", a->store, "product", a->subject, "matches",
				    (json_int_t)nmatch),
			  "catalog: %zu Drupal products carry seam_pim_id %s; seam keeps the first",
			  nmatch, a->subject);
	json_array_foreach(json_object_get(a->plan, "variations"), i, pv)
		if ((rc = apply_variation(a, pv)) != SEAM_OK)
			goto out;
	snprintf(vtype, sizeof vtype, "commerce_product_variation--%s", a->sc->drupal.variation_type);
	json_array_foreach(a->vuuids, i, pv)
		if (strncmp(json_string_value(pv), "new:", 4))
			json_array_append_new(list, ident(vtype, json_string_value(pv)));
	if (a->product && (rc = leftovers(a, list)) != SEAM_OK)
		goto out;
	json_t *want = json_object_get(a->plan, "product");
	if (!a->product) {
		attrs = json_deep_copy(want);
		json_object_set_new(attrs, "seam_pim_id", json_string(a->subject));
		rels = json_pack("{s:{s:O}, s:o}", "variations", "data", list, "stores", stores_rel(a));
		if (a->dry_run)
			rc = plan_add(a, "create", "product", a->subject, NULL);
		else
			rc = write(a, "commerce_product", NULL, attrs, rels, &a->product);
		if (rc != SEAM_OK)
			goto out;
		a->created = 1;
		snprintf(a->product_how, sizeof a->product_how, "created");
		/* Drupal links new variations to a new product (Product::postSave fills an empty
		 * product_id); those that came from another product are moved by hand. */
		if (!a->dry_run)
			json_array_foreach(a->vuuids, i, pv) {
				json_t *v = NULL;
				const char *sku = json_string_value(json_object_get(
					json_array_get(json_object_get(a->plan, "variations"), i), "sku"));
				const char *how = json_string_value(json_object_get(a->written, sku));
				if (how && strcmp(how, "created") == 0)
					continue;
				json_t *r = json_pack("{s:{s:o}}", "product_id", "data",
						      ident(seam_drupal_type(a->product), seam_drupal_id(a->product)));
				rc = write(a, "commerce_product_variation", json_string_value(pv), json_object(),
					   r, &v);
				json_decref(r);
				json_decref(v);
				if (rc != SEAM_OK)
					goto out;
			}
		goto out;
	}
	attrs = changed_attrs(want, a->product, diff);
	/* the variations list, in the plan's order */
	json_t *have = json_object_get(json_object_get(json_object_get(a->product, "relationships"),
						       "variations"), "data");
	int same_list = json_array_size(have) == json_array_size(list);
	for (i = 0; same_list && i < json_array_size(list); i++)
		same_list = json_equal(json_object_get(json_array_get(have, i), "id"),
				       json_object_get(json_array_get(list, i), "id"));
	if (a->dry_run) {
		/* new variations are not in the list yet: a dry run compares the known ones */
		size_t known = 0;
		json_array_foreach(a->vuuids, i, pv)
			known += strncmp(json_string_value(pv), "new:", 4) != 0;
		if (known < json_array_size(a->vuuids))
			same_list = 1;
	}
	if (!same_list) {
		rels = json_pack("{s:{s:O}}", "variations", "data", list);
		json_object_set_new(diff, "variations",
				    json_pack("{s:I, s:I}", "from", (json_int_t)json_array_size(have),
					      "to", (json_int_t)json_array_size(list)));
	}
	if (json_object_size(attrs) || rels) {
		json_t *how = how_of("updated", diff);
		snprintf(a->product_how, sizeof a->product_how, "%s", json_string_value(how));
		json_decref(how);
		if (a->dry_run)
			rc = plan_add(a, "update", "product", a->subject, diff);
		else
			rc = write(a, "commerce_product", seam_drupal_id(a->product), attrs, rels, &out);
		if (rc == SEAM_OK && !a->dry_run && out) {
			json_decref(a->product);
			a->product = json_incref(out);
		}
	}
out:
	json_decref(out);
	json_decref(list);
	json_decref(diff);
	json_decref(attrs);
	json_decref(rels);
	return rc;
}

/*
 * The product's translations (ctx.translations -> plan.translations: langcode -> {title, body,
 * variations: {sku: {title}}}) through the storefront module's endpoint: read what Drupal
 * holds in that language, write when it differs. Variation titles are left out when Drupal
 * generates them. A language the site does not have enabled (or a module without the
 * endpoint) is said once per process and skipped: the product itself is synced all the same.
 */
static int lang_unavailable(apply_t *a, const char *lang, const char *why)
{
	char key[300];
	snprintf(key, sizeof key, "%s\n%s", a->store, lang);
	pthread_mutex_lock(&a->c->mu);
	int known = json_object_get(a->c->no_lang, key) != NULL;
	if (why && !known)
		json_object_set_new(a->c->no_lang, key, json_true());
	pthread_mutex_unlock(&a->c->mu);
	if (why && !known)
		seam_logf(a->c->env.log, SEAM_LOG_WARN, "catalog", a->job->correlation_id,
			  json_pack("{s:s, s:s, s:s}", "store", a->store, "langcode", lang, "reason", why),
			  "catalog: translations into %s are skipped for store %s: %s", lang, a->store,
			  why);
	return known;
}

static json_t *body_or_null(json_t *b)
{
	return json_is_object(b) ? json_pack("{s:O, s:O}", "value", json_object_get(b, "value"),
					     "format", json_object_get(b, "format"))
				 : json_null();
}

/* The PIM has no title in that locale: a translation Drupal holds goes (Drupal falls back to
 * the store's language). */
static seam_err_t remove_translation(apply_t *a, const char *lang)
{
	json_t *have = NULL;
	char key[300];
	if (!a->product || !strncmp(seam_drupal_id(a->product), "new:", 4))
		return SEAM_OK;
	seam_err_t rc = seam_drupal_translation_get(a->dru, a->job->correlation_id,
						    seam_drupal_id(a->product), lang, &have, &a->oc,
						    &a->err);
	if (rc == SEAM_UNSUPPORTED) {
		lang_unavailable(a, lang, a->err.msg);
		return SEAM_OK;
	}
	if (rc != SEAM_OK || !have)
		return rc;
	json_decref(have);
	snprintf(key, sizeof key, "%s (%s)", a->subject, lang);
	if (a->dry_run) {
		rc = plan_add(a, "remove", "translation", key, NULL);
	} else {
		a->writes++;
		rc = seam_drupal_translation_delete(a->dru, a->job->correlation_id,
						    seam_drupal_id(a->product), lang, &a->oc, &a->err);
	}
	if (rc == SEAM_OK)
		json_array_append_new(a->translated, json_string(lang));
	return rc;
}

static seam_err_t apply_translations(apply_t *a)
{
	json_t *all = json_object_get(a->plan, "translations"), *t;
	const char *lang;
	int generated = json_object_size(all) ? titles_generated(a) : 0;
	json_object_foreach(all, lang, t) {
		if (lang_unavailable(a, lang, NULL))
			continue;
		if (json_is_null(t)) {
			seam_err_t rc = remove_translation(a, lang);
			if (rc != SEAM_OK)
				return rc;
			continue;
		}
		json_t *want = json_pack("{s:O, s:o, s:{}}", "title", json_object_get(t, "title"), "body",
					 body_or_null(json_object_get(t, "body")), "variations");
		json_t *pv;
		size_t i;
		json_array_foreach(json_object_get(a->plan, "variations"), i, pv) {
			const char *sku = json_string_value(json_object_get(pv, "sku"));
			const char *vid = json_string_value(json_array_get(a->vuuids, i));
			json_t *vt = json_object_get(json_object_get(json_object_get(t, "variations"), sku),
						     "title");
			if (!generated && vid && strncmp(vid, "new:", 4) && vt)
				json_object_set_new(json_object_get(want, "variations"), vid,
						    json_pack("{s:O}", "title", vt));
		}
		json_t *have = NULL, *diff = json_object();
		seam_err_t rc = SEAM_OK;
		if (a->product && strncmp(seam_drupal_id(a->product), "new:", 4))
			rc = seam_drupal_translation_get(a->dru, a->job->correlation_id,
							 seam_drupal_id(a->product), lang, &have, &a->oc,
							 &a->err);
		if (rc == SEAM_UNSUPPORTED) {
			lang_unavailable(a, lang, a->err.msg);
			json_decref(want);
			json_decref(diff);
			continue;
		}
		if (rc != SEAM_OK) {
			json_decref(want);
			json_decref(diff);
			return rc;
		}
		static const char *const fields[] = {"title", "body"};
		for (size_t f = 0; f < 2; f++) {
			json_t *w = json_object_get(want, fields[f]);
			json_t *h = have ? json_object_get(have, fields[f]) : NULL;
			json_t *hn = fields[f][0] == 'b' ? body_or_null(h) : json_incref(h ? h : json_null());
			if (!json_equal(w, hn))
				json_object_set_new(diff, fields[f], json_pack("{s:O, s:O}", "from", hn, "to", w));
			json_decref(hn);
		}
		const char *vid;
		json_t *vw;
		json_object_foreach(json_object_get(want, "variations"), vid, vw) {
			json_t *vh = json_object_get(json_object_get(json_object_get(have, "variations"), vid),
						     "title");
			if (!vh || !json_equal(vh, json_object_get(vw, "title")))
				json_object_set_new(diff, "variation titles", json_true());
		}
		if (json_object_size(diff)) {
			char key[300];
			snprintf(key, sizeof key, "%s (%s)", a->subject, lang);
			if (a->dry_run) {
				rc = plan_add(a, have ? "update" : "create", "translation", key, diff);
			} else {
				a->writes++;
				rc = seam_drupal_translation_put(a->dru, a->job->correlation_id,
								 seam_drupal_id(a->product), lang, want, NULL,
								 &a->oc, &a->err);
				if (rc == SEAM_UNSUPPORTED) {
					lang_unavailable(a, lang, a->err.msg);
					rc = SEAM_OK;
				}
			}
			if (rc == SEAM_OK)
				json_array_append_new(a->translated, json_string(lang));
		}
		json_decref(have);
		json_decref(want);
		json_decref(diff);
		if (rc != SEAM_OK)
			return rc;
	}
	return SEAM_OK;
}

/* Products that lost a variation to this one: their subject is synced again (their list still
 * names it). */
static void resync_moved(apply_t *a)
{
	size_t i;
	json_t *u;
	json_array_foreach(a->moved_from, i, u) {
		char subj[256] = "";
		seam_db_t *db = seam_store_acquire(a->c->env.store);
		seam__flow_lookup(db, "SELECT pim_id FROM catalog_items WHERE store = $1 AND drupal_uuid = $2",
				  (const char *[]){a->store, json_string_value(u)}, 2, 0, subj, sizeof subj);
		if (subj[0] && strcmp(subj, a->subject)) {
			/* within a run, the run waits for it (a follow-up item) */
			char item[300];
			snprintf(item, sizeof item, "%s\nmoved", subj);
			seam__catalog_subject_t s = {.store = a->store, .id = subj,
						     .kind = seam_uuid_valid(subj) ? "simple" : "model",
						     .updated_ms = a->updated, .source = "moved",
						     .run_id = a->run_id, .item = a->run_id ? item : NULL,
						     .full = a->full, .dry_run = a->dry_run};
			seam__catalog_enqueue(a->c, db, &s, a->job->correlation_id, NULL, NULL);
		}
		seam_store_release(a->c->env.store, db);
	}
	if (json_array_size(a->moved_from))
		seam_queue_notify(a->c->env.queue);
}

/* The subject is gone from the PIM: its product and the variations still on it are
 * unpublished (never deleted: orders reference them). */
static seam_err_t remove_subject(apply_t *a)
{
	size_t nmatch = 0, i;
	json_t *v, *off = json_pack("{s:b}", "status", 0);
	int changed = 0;
	seam_err_t rc = seam_drupal_find_product(a->dru, a->job->correlation_id,
						 a->sc->drupal.product_type, a->subject, &a->product,
						 &a->dvars, &nmatch, &a->oc, &a->err);
	if (rc != SEAM_OK || !a->product)
		goto out;
	json_array_foreach(a->dvars, i, v) {
		const char *vp = rel_id(v, "product_id");
		if (!json_is_true(seam_drupal_attr(v, "status")) ||
		    (vp && strcmp(vp, seam_drupal_id(a->product))))
			continue;
		changed = 1;
		rc = a->dry_run ? plan_add(a, "unpublish", "variation", seam_drupal_attr_str(v, "sku"), NULL)
				: write(a, "commerce_product_variation", seam_drupal_id(v), off, NULL, NULL);
		if (rc != SEAM_OK)
			goto out;
	}
	if (json_is_true(seam_drupal_attr(a->product, "status"))) {
		changed = 1;
		rc = a->dry_run ? plan_add(a, "unpublish", "product", a->subject, NULL)
				: write(a, "commerce_product", seam_drupal_id(a->product), off, NULL, NULL);
	}
out:
	json_decref(off);
	if (rc == SEAM_OK)
		rc = record(a, changed ? SEAM__CATALOG_UNPUBLISHED : SEAM__CATALOG_UNCHANGED,
			    "not in the PIM", NULL);
	return rc;
}

/* ---------- the job ---------- */

/* The stripe of the per-subject lock (catalog_int.h): FNV-1a of store and subject. */
static pthread_mutex_t *subject_lock(apply_t *a)
{
	uint32_t h = 2166136261u;
	for (const char *p = a->store; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '\n') * 16777619u;
	for (const char *p = a->subject; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return &a->c->subject_mu[h % SEAM__CATALOG_LOCKS];
}

static seam_err_t fail(apply_t *a, seam_err_t rc, const char *what, seam_job_result_t *res)
{
	/* The last attempt of a retryable failure is the run's "failed" (its dead letter is
	 * replayable); a deferral (breaker, bulkhead) is not an attempt. */
	seam_err_t out = seam_flow_job_error(rc, a->oc.retry_after_ms, what, &a->err, res);
	if (out != SEAM_OPEN_CIRCUIT && out != SEAM_PAUSED &&
	    (out == SEAM_PERMANENT || a->job->attempt >= a->job->max_attempts)) {
		seam_db_t *db = seam_store_acquire(a->c->env.store);
		seam__catalog_run_outcome(db, a->run_id, a->item, a->subject, SEAM__CATALOG_FAILED,
					  NULL);
		seam_store_release(a->c->env.store, db);
		if (!a->dry_run)
			seam_metric_add(a->c->env.metrics, SEAM_M_CATALOG_PRODUCTS,
					(const char *[]){a->store, "failed"}, 1);
	}
	return out;
}

seam_err_t seam__catalog_product_job(const seam_job_t *job, seam_job_result_t *res, void *ud)
{
	seam_catalog_t *c = ud;
	json_t *pl = json_loads(job->payload, 0, NULL);
	apply_t *a = calloc(1, sizeof *a);
	char *reason = NULL, hash[65] = "", applied[24] = "", state[16] = "";
	pthread_mutex_t *lock = NULL;
	seam_err_t rc;
	if (!a || !pl) {
		free(a);
		json_decref(pl);
		return seam_job_fail(res, a ? SEAM_PERMANENT : SEAM_NOMEM, 0, "catalog: bad job payload");
	}
	a->c = c;
	a->job = job;
	a->store = json_string_value(json_object_get(pl, "store"));
	a->run_id = json_string_value(json_object_get(pl, "run_id"));
	a->source = json_string_value(json_object_get(pl, "source"));
	a->item = json_string_value(json_object_get(pl, "item"));
	a->full = json_is_true(json_object_get(pl, "full"));
	a->dry_run = json_is_true(json_object_get(pl, "dry_run"));
	seam__flow_copy(a->subject, sizeof a->subject,
			json_string_value(json_object_get(pl, "subject")));
	seam__flow_copy(a->kind, sizeof a->kind, json_string_value(json_object_get(pl, "kind")));
	a->products = json_array();
	a->vuuids = json_array();
	a->moved_from = json_array();
	a->written = json_object();
	a->translated = json_array();
	a->sc = seam_catalog_store(c->cfg, a->store);
	a->pim = seam__catalog_pim(c, a->sc);
	a->dru = a->store ? seam__catalog_drupal(c, a->store) : NULL;
	if (!a->sc || !a->pim || !a->dru || !a->subject[0]) {
		rc = seam_job_fail(res, SEAM_PERMANENT, 0,
				   "catalog: store %s has no catalog config, PIM or Drupal upstream",
				   a->store ? a->store : "?");
		goto out;
	}
	/* 1. the PIM (outside the lock: reads only); from here on this job alone works the
	 * subject, so the version check below sees what any other job wrote */
	rc = read_pim(a);
	lock = subject_lock(a);
	pthread_mutex_lock(lock);
	if (rc == SEAM_NOTFOUND) {
		if ((rc = remove_subject(a)) != SEAM_OK)
			rc = fail(a, rc, "catalog: unpublish a product the PIM no longer has", res);
		goto out;
	}
	if (rc != SEAM_OK) {
		rc = fail(a, rc, "catalog: read the PIM", res);
		goto out;
	}
	/* 2. never backwards */
	item_get(a, hash, sizeof hash, applied, sizeof applied, state, sizeof state);
	if (applied[0] && a->updated < strtoll(applied, NULL, 10)) {
		seam_logf(c->env.log, SEAM_LOG_INFO, "catalog", job->correlation_id,
			  json_pack("{s:s, s:s, s:I, s:s}", "store", a->store, "product", a->subject,
				    "pim_updated", (json_int_t)a->updated, "applied", applied),
			  "catalog: the PIM answered an older %s than the one applied; not written",
			  a->subject);
		rc = record(a, SEAM__CATALOG_STALE, NULL, NULL);
		goto done;
	}
	/* 3. map and check */
	if ((rc = map(a, &reason)) == SEAM_PERMANENT) {
		rc = quarantine(a, reason ? reason : "mapping_failed");
		goto done;
	}
	if (rc != SEAM_OK) {
		rc = fail(a, rc, "catalog: map", res);
		goto out;
	}
	/* 4. unchanged */
	int moved = a->source && !strcmp(a->source, "moved");
	if (!a->full && !a->dry_run && !moved && !strcmp(hash, a->hash) && !strcmp(state, "applied")) {
		rc = record(a, SEAM__CATALOG_UNCHANGED, NULL, NULL);
		goto done;
	}
	/* 5. Drupal */
	rc = apply_drupal(a);
	if (rc == SEAM_OK)
		rc = apply_translations(a);
	if (rc == SEAM_PERMANENT) {
		char r[REASON_MAX];
		snprintf(r, sizeof r, "drupal_refused: %s", a->err.msg);
		rc = quarantine(a, r);
		goto done;
	}
	if (rc != SEAM_OK) {
		rc = fail(a, rc, "catalog: write to Drupal", res);
		goto out;
	}
	resync_moved(a);
	/* 6. record */
	rc = record(a, a->created ? SEAM__CATALOG_CREATED
			: json_object_size(a->written) || a->writes || json_array_size(a->translated)
				? SEAM__CATALOG_UPDATED
								   : SEAM__CATALOG_UNCHANGED,
		    NULL, NULL);
done:
	if (rc != SEAM_OK)
		rc = fail(a, rc, "catalog: record", res);
out:
	if (lock)
		pthread_mutex_unlock(lock);
	free(reason);
	json_decref(a->model);
	json_decref(a->products);
	json_decref(a->fv);
	json_decref(a->input);
	json_decref(a->canonical);
	json_decref(a->plan);
	json_decref(a->product);
	json_decref(a->dvars);
	json_decref(a->vuuids);
	json_decref(a->moved_from);
	json_decref(a->written);
	json_decref(a->translated);
	free(a);
	json_decref(pl);
	return rc;
}
