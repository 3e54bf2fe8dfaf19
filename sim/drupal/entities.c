/*
 * entities.c: the entity store: creating and registering entities, relationships, prices, times.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "sim/sim_money.h"

seam_sim_ent_t *seam__sim_drupal_lookup(void *ctx, const char *uuid)
{
	seam_sim_drupal_t *d = ctx;
	json_t *ix = uuid ? json_object_get(d->by_uuid, uuid) : NULL;
	return ix ? d->ents[json_integer_value(ix)] : NULL;
}

const seam_sim_ja_type_t *seam__sim_drupal_type_by_name(void *ctx, const char *name)
{
	(void)ctx;
	for (int i = 0; i < T__COUNT; i++)
		if (!strcmp(seam__sim_drupal_types[i].name, name))
			return &seam__sim_drupal_types[i];
	return NULL;
}

int seam__sim_drupal_type_index(const seam_sim_ja_type_t *t)
{
	return (int)(t - seam__sim_drupal_types);
}

int64_t seam__sim_drupal_now_s(void)
{
	return seam_now_ms() / 1000;
}

json_t *seam__sim_drupal_ts_json(int64_t s)
{
	char buf[32];
	seam_sim_time_drupal(s, buf);
	return json_string(buf);
}

/* A price value {number, currency_code, formatted} from units of 10^-6. */
json_t *seam__sim_drupal_price_json(int64_t v, const char *cur)
{
	char num[SEAM_SIM_DEC_MAX], fmt[64];
	seam_sim_dec_format(v, SCALE, 0, num);
	seam_sim_money_formatted(v, SCALE, cur, fmt, sizeof fmt);
	return json_pack("{s:s, s:s, s:s}", "number", num, "currency_code", cur, "formatted", fmt);
}

/* Reads a stored or given price. Returns 0, or -1 when absent/invalid. */
int seam__sim_drupal_price_get(const json_t *p, int64_t *v, const char **cur)
{
	const char *num = json_string_value(json_object_get(p, "number"));
	const char *c = json_string_value(json_object_get(p, "currency_code"));
	if (!num || !c || seam_sim_currency_digits(c) < 0 || seam_sim_dec_parse(num, SCALE, v))
		return -1;
	if (cur)
		*cur = c;
	return 0;
}

void seam__sim_drupal_ent_free(seam_sim_ent_t *e)
{
	if (!e)
		return;
	json_decref(e->attrs);
	json_decref(e->rels);
	json_decref(e->ref);
	free(e->sid);
	free(e);
}

/* Creates an entity of type t with a fresh uuid and the next serial id (sid for config
 * entities), registers it. Caller fills attrs (after the internal id, already set). */
seam_sim_ent_t *seam__sim_drupal_ent_new(seam_sim_drupal_t *d, int t, const char *sid,
					 const char *uuid)
{
	seam_sim_ent_t *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->type = &seam__sim_drupal_types[t];
	if (uuid) {
		snprintf(e->uuid, sizeof e->uuid, "%s", uuid);
	} else if (d->want_uuid[0]) {
		snprintf(e->uuid, sizeof e->uuid, "%s", d->want_uuid);
		d->want_uuid[0] = '\0';
	} else {
		seam_sim_rng_uuid(&d->rng, e->uuid);
	}
	e->attrs = json_object();
	e->rels = json_object();
	const char *idattr = seam__sim_drupal_types[t].fields[0].name;
	if (sid) {
		e->sid = strdup(sid);
		json_object_set_new(e->attrs, idattr, json_string(sid));
	} else {
		/* one id space per entity type, whatever the bundle */
		int shared = t == T_PAYMENT_MANUAL ? T_PAYMENT_DEFAULT : t == T_ATTR_SIZE ? T_ATTR_COLOR : t;
		e->iid = ++d->next_id[shared];
		json_object_set_new(e->attrs, idattr, json_integer(e->iid));
	}
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 1024;
		seam_sim_ent_t **p = realloc(d->ents, nc * sizeof *p);
		if (!p) {
			seam__sim_drupal_ent_free(e);
			return NULL;
		}
		d->ents = p;
		d->cap = nc;
	}
	if (d->ntype[t] == d->captype[t]) {
		size_t nc = d->captype[t] ? d->captype[t] * 2 : 64;
		seam_sim_ent_t **p = realloc(d->by_type[t], nc * sizeof *p);
		if (!p) {
			seam__sim_drupal_ent_free(e);
			return NULL;
		}
		d->by_type[t] = p;
		d->captype[t] = nc;
	}
	json_object_set_new(d->by_uuid, e->uuid, json_integer((json_int_t)d->n));
	d->ents[d->n++] = e;
	d->by_type[t][d->ntype[t]++] = e;
	if (t == T_PAYMENT_DEFAULT || t == T_PAYMENT_MANUAL) {
		if (d->npays == d->cappays) {
			size_t nc = d->cappays ? d->cappays * 2 : 64;
			seam_sim_ent_t **p = realloc(d->pays, nc * sizeof *p);
			if (!p)
				return NULL; /* registered already; freed with the data */
			d->pays = p;
			d->cappays = nc;
		}
		d->pays[d->npays++] = e;
	}
	return e;
}

void seam__sim_drupal_set_rel(seam_sim_ent_t *e, const char *name, seam_sim_ent_t *target)
{
	json_object_set_new(e->rels, name, target ? seam_sim_ja_ref(target) : json_null());
}

void seam__sim_drupal_add_rel(seam_sim_ent_t *e, const char *name, seam_sim_ent_t *target)
{
	json_t *a = json_object_get(e->rels, name);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(e->rels, name, a);
	}
	json_array_append_new(a, seam_sim_ja_ref(target));
}

seam_sim_ent_t *seam__sim_drupal_rel_target(seam_sim_drupal_t *d, const seam_sim_ent_t *e,
					    const char *name)
{
	json_t *r = json_object_get(e->rels, name);
	return json_is_object(r)
		       ? seam__sim_drupal_lookup(d, json_string_value(json_object_get(r, "id")))
		       : NULL;
}

seam_sim_ent_t *seam__sim_drupal_find_sid(seam_sim_drupal_t *d, int t, const char *sid)
{
	for (size_t i = 0; i < d->ntype[t]; i++)
		if (d->by_type[t][i]->sid && !strcmp(d->by_type[t][i]->sid, sid))
			return d->by_type[t][i];
	return NULL;
}

const char *seam__sim_drupal_attr_str(const seam_sim_ent_t *e, const char *k)
{
	return json_string_value(json_object_get(e->attrs, k));
}

void seam__sim_drupal_touch(seam_sim_ent_t *e, int64_t t)
{
	json_object_set_new(e->attrs, "changed", seam__sim_drupal_ts_json(t));
}
