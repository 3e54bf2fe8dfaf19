/*
 * translations.c: the storefront module's catalog translation endpoint (docs/bridge.md,
 * "Catalog translations"), which seam's catalog uses because Drupal's JSON:API cannot create a
 * translation (it reads and PATCHes existing ones only):
 *
 *   GET /seam/catalog/product/{uuid}/translation/{langcode}
 *   PUT /seam/catalog/product/{uuid}/translation/{langcode}
 *       {"title": "...", "body": {"value": "...", "format": "plain_text"} | null,
 *        "variations": {"<variation uuid>": {"title": "..."}}}
 *   DELETE /seam/catalog/product/{uuid}/translation/{langcode}   (the product's and its
 *       variations' translations in that language; 204, also when there was none)
 *
 * Both answer the translation as {"langcode", "title", "body", "variations"}; PUT creates it or
 * replaces the values it names (a variation not named keeps its translation). Errors are the
 * bridge's {"error", "detail"}: 404 not_found (no such product) or no_translation (GET of a
 * language the product has not), 409 language_unavailable (the site does not have the language
 * enabled), 422 invalid_request (bad body, a variation that is not the product's), 401/403.
 * The double's site has English (the default), German and French enabled; products and
 * variations are translatable. Translations are kept beside the entities (d->translations:
 * uuid -> {langcode -> {title, body}}), not in the JSON:API attributes, which show the
 * default language as Drupal's do without a language prefix.
 *
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the files
 * share and the locking rule are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const enabled[] = {"en", "de", "fr", NULL};

static void tr_error(seam_sim_call_t *c, int status, const char *error, const char *detail)
{
	seam_sim_reply_json(c, status, NULL, json_pack("{s:s, s:s}", "error", error, "detail", detail));
}

/* The translation of entity uuid in lang, or NULL (borrowed). */
static json_t *tr_of(seam_sim_drupal_t *d, const char *uuid, const char *lang)
{
	return json_object_get(json_object_get(d->translations, uuid), lang);
}

static json_t *answer(seam_sim_drupal_t *d, seam_sim_ent_t *p, const char *lang)
{
	json_t *t = tr_of(d, p->uuid, lang), *vars = json_object(), *r;
	size_t i;
	json_array_foreach(json_object_get(p->rels, "variations"), i, r) {
		const char *vid = json_string_value(json_object_get(r, "id"));
		json_t *vt = vid ? tr_of(d, vid, lang) : NULL;
		if (vt)
			json_object_set_new(vars, vid, json_pack("{s:O}", "title", json_object_get(vt, "title")));
	}
	json_t *body = json_object_get(t, "body");
	return json_pack("{s:s, s:O, s:O, s:o}", "langcode", lang, "title", json_object_get(t, "title"),
			 "body", body ? body : json_null(), "variations", vars);
}

/* Checks access, language and product; returns the product (d->mu held) or NULL (answered,
 * unlocked). */
static seam_sim_ent_t *target(seam_sim_drupal_t *d, seam_sim_call_t *c, const char **lang)
{
	if (!seam__sim_drupal_is_admin(d, c)) {
		const char *h = seam_sim_header(c, "Authorization");
		tr_error(c, h ? 403 : 401, h ? "forbidden" : "unauthorized",
			 h ? "The 'seam bridge sync catalog' permission is required."
			   : "No authentication credentials provided.");
		return NULL;
	}
	*lang = seam_sim_param(c, "lang");
	int ok = 0;
	for (const char *const *l = enabled; *l; l++)
		ok |= strcmp(*l, *lang) == 0;
	if (!ok) {
		char msg[160];
		snprintf(msg, sizeof msg, "The language '%s' is not enabled on this site.", *lang);
		tr_error(c, 409, "language_unavailable", msg);
		return NULL;
	}
	pthread_mutex_lock(&d->mu);
	seam_sim_ent_t *p = seam__sim_drupal_lookup(d, seam_sim_param(c, "id"));
	if (!p || p->type != &seam__sim_drupal_types[T_PRODUCT]) {
		pthread_mutex_unlock(&d->mu);
		tr_error(c, 404, "not_found", "No product with this UUID.");
		return NULL;
	}
	if (strcmp(*lang, "en") == 0) {
		pthread_mutex_unlock(&d->mu);
		tr_error(c, 422, "invalid_request",
			 "'en' is the product's own language: write it over JSON:API.");
		return NULL;
	}
	return p;
}

void seam__sim_drupal_h_translation_get(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const char *lang = NULL;
	seam_sim_ent_t *p = target(d, c, &lang);
	if (!p)
		return;
	if (!tr_of(d, p->uuid, lang)) {
		pthread_mutex_unlock(&d->mu);
		tr_error(c, 404, "no_translation", "The product has no translation in this language.");
		return;
	}
	json_t *doc = answer(d, p, lang);
	pthread_mutex_unlock(&d->mu);
	seam_sim_reply_json(c, 200, NULL, doc);
}

static const char *check_body(seam_sim_drupal_t *d, seam_sim_ent_t *p, const json_t *body)
{
	const char *k;
	json_t *v;
	if (!json_is_object(body))
		return "the body is a JSON object {title, body, variations}";
	json_object_foreach((json_t *)body, k, v)
		if (strcmp(k, "title") && strcmp(k, "body") && strcmp(k, "variations"))
			return "unknown member (title, body, variations)";
	const char *title = json_string_value(json_object_get(body, "title"));
	if (!title || !*title || strlen(title) > 255)
		return "title is required (1..255 characters)";
	json_t *b = json_object_get(body, "body");
	if (b && !json_is_null(b) &&
	    (!json_is_object(b) || !json_is_string(json_object_get(b, "value")) ||
	     !json_is_string(json_object_get(b, "format"))))
		return "body is null or {value, format}";
	json_t *vars = json_object_get(body, "variations");
	if (vars && !json_is_object(vars))
		return "variations is an object: variation uuid -> {title}";
	json_object_foreach(vars, k, v) {
		const char *vt = json_string_value(json_object_get(v, "title"));
		if (!json_is_object(v) || json_object_size(v) != 1 || !vt || !*vt || strlen(vt) > 255)
			return "each variation is {title} (1..255 characters)";
		int mine = 0;
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(p->rels, "variations"), i, r) {
			const char *id = json_string_value(json_object_get(r, "id"));
			mine |= id && strcmp(id, k) == 0;
		}
		if (!mine)
			return "a variation that is not one of the product's";
	}
	(void)d;
	return NULL;
}

void seam__sim_drupal_h_translation_delete(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const char *lang = NULL;
	seam_sim_ent_t *p = target(d, c, &lang);
	if (!p)
		return;
	json_object_del(json_object_get(d->translations, p->uuid), lang);
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(p->rels, "variations"), i, r) {
		const char *vid = json_string_value(json_object_get(r, "id"));
		if (vid)
			json_object_del(json_object_get(d->translations, vid), lang);
	}
	pthread_mutex_unlock(&d->mu);
	seam_sim_reply(c, 204, NULL, NULL, 0);
}

void seam__sim_drupal_h_translation_put(seam_sim_call_t *c, void *ctx)
{
	seam_sim_drupal_t *d = ctx;
	const char *ct = seam_sim_header(c, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16)) {
		tr_error(c, 415, "invalid_request", "the content type must be application/json");
		return;
	}
	json_t *body = seam_sim_body_json(c);
	const char *lang = NULL;
	seam_sim_ent_t *p = target(d, c, &lang);
	if (!p) {
		json_decref(body);
		return;
	}
	const char *bad = check_body(d, p, body);
	if (bad) {
		pthread_mutex_unlock(&d->mu);
		json_decref(body);
		tr_error(c, 422, "invalid_request", bad);
		return;
	}
	json_t *all = json_object_get(d->translations, p->uuid);
	if (!all) {
		all = json_object();
		json_object_set_new(d->translations, p->uuid, all);
	}
	json_t *t = json_pack("{s:O}", "title", json_object_get(body, "title"));
	json_t *b = json_object_get(body, "body");
	if (b && !json_is_null(b))
		json_object_set(t, "body", b);
	json_object_set_new(all, lang, t);
	const char *vid;
	json_t *v;
	json_object_foreach(json_object_get(body, "variations"), vid, v) {
		json_t *va = json_object_get(d->translations, vid);
		if (!va) {
			va = json_object();
			json_object_set_new(d->translations, vid, va);
		}
		json_object_set_new(va, lang, json_pack("{s:O}", "title", json_object_get(v, "title")));
	}
	json_t *doc = answer(d, p, lang);
	pthread_mutex_unlock(&d->mu);
	json_decref(body);
	seam_sim_reply_json(c, 200, NULL, doc);
}
