/*
 * http.c: HTTP helpers: administrator check, JSON:API documents and errors, type routing.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int seam__sim_drupal_is_admin(seam_sim_drupal_t *d, const seam_sim_call_t *c)
{
	char *u = NULL, *p = NULL;
	int ok = 0;
	if (seam_sim_basic_auth(seam_sim_header(c, "Authorization"), &u, &p) == 0)
		ok = seam_sim_streq_ct(u, d->user) && seam_sim_streq_ct(p, d->password);
	free(u);
	free(p);
	return ok;
}

void seam__sim_drupal_reply_doc(seam_sim_call_t *c, int status, json_t *doc)
{
	seam_sim_reply_json(c, status, VND, doc);
}

/* A Drupal error document; 4xx other than 422 carry links.via (the request URL). */
void seam__sim_drupal_fail(seam_sim_call_t *c, int status, const char *pointer, const char *fmt,
			   ...)
{
	char detail[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	char *path = seam_sim_request_url(c);
	char *via = NULL;
	if (path && status != 422 && asprintf(&via, "%s%s", c->base_url, path) < 0)
		via = NULL;
	seam__sim_drupal_reply_doc(c, status, seam_sim_ja_error(status, detail, pointer, via));
	free(path);
	free(via);
}

void seam__sim_drupal_challenge(seam_sim_call_t *c)
{
	seam_sim_set_header(c, "WWW-Authenticate", "Basic realm=\"seam-sim Drupal\"");
	seam__sim_drupal_fail(c, 401, NULL, "No authentication credentials provided.");
}

const seam_sim_ja_type_t *seam__sim_drupal_type_for(const char *et, const char *bundle)
{
	for (int i = 0; i < T__COUNT; i++)
		if (!strcmp(seam__sim_drupal_types[i].entity_type, et) &&
		    !strcmp(seam__sim_drupal_types[i].bundle, bundle))
			return &seam__sim_drupal_types[i];
	return NULL;
}

void seam__sim_drupal_no_route(seam_sim_call_t *c)
{
	seam__sim_drupal_fail(c, 404, NULL, "No route found for \"%s %s\"", c->method, c->path);
}

void seam__sim_drupal_omitted_add(json_t *links, const seam_sim_ent_t *e, const char *base)
{
	char key[16] = "item--", href[512];
	uint64_t h = seam_sim_hash(e->uuid);
	static const char set[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	for (int i = 0; i < 7; i++) {
		key[6 + i] = set[h % 62];
		h /= 62;
	}
	key[13] = '\0';
	snprintf(href, sizeof href, "%s/jsonapi/%s/%s/%s", base, e->type->entity_type,
		 e->type->bundle, e->uuid);
	json_object_set_new(links, key,
			    json_pack("{s:s, s:{s:s, s:s}}", "href", href, "meta", "rel", "item",
				      "detail",
				      "The current user is not allowed to GET the selected resource."));
}
