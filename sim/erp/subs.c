/*
 * subs.c: Business Central's webhook subscriptions, as Microsoft's API v2.0 documentation
 * describes them ("Working with webhooks in Dynamics 365 Business Central" and the
 * subscriptions resource type):
 *
 *   POST   /api/v2.0/subscriptions              {notificationUrl, resource, clientState?}
 *   GET    /api/v2.0/subscriptions[('<id>')]    {"value": [...]} / one
 *   PATCH  /api/v2.0/subscriptions('<id>')      If-Match; renews (new expirationDateTime)
 *   DELETE /api/v2.0/subscriptions('<id>')      If-Match; 204
 *
 * Create and renew need the validation handshake: the double POSTs to the notificationUrl
 * with ?validationToken=<token> (an empty body; what BC puts there is not documented) and
 * wants 200 with the token as the body (surrounding whitespace ignored) within
 * handshake_timeout; otherwise the answer is a 400 and nothing is created or renewed. The
 * handshake runs in the handler with e->mu released; what the handler looked up before is
 * looked up again afterwards (the subscription may have gone, or changed: 412).
 *
 * resource: .../companies(<id>)/items or .../companies(<id>)/salesPrices, relative
 * ("companies(...)/items", "api/v2.0/...", "/api/v2.0/...") or absolute (any host, also the
 * /v2.0/{tenant}/{environment}/api/v2.0 form); anything else is a 400. A subscription expires
 * subscription_ttl after its creation or last renewal: it then sends nothing and is gone.
 *
 * Control: GET /_sim/erp/subscriptions (every subscription with its counters, the removed
 * ones and the open windows); POST /_sim/erp/subscriptions/expire {"id"} or {"all": true}.
 * Part of the ERP double (API: sim/sim_erp.h); the locking rule is in erp_int.h.
 */
#include "sim/erp/erp_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "sim/sim_rng.h"

#define REMOVED_KEEP 100

static const char *const res_names[] = {"items", "salesPrices"};

/* ---- the set ---- */

static void sub_free(erp_sub_t *s)
{
	if (!s)
		return;
	free(s->url);
	free(s->resource);
	free(s->client_state);
	json_decref(s->pending);
	free(s);
}

erp_sub_t *seam__sim_erp_sub_find(seam_sim_erp_t *e, const char *id)
{
	for (size_t i = 0; id && i < e->nsubs; i++)
		if (!strcasecmp(e->subs[i]->id, id))
			return e->subs[i];
	return NULL;
}

static size_t sub_index(seam_sim_erp_t *e, const erp_sub_t *s)
{
	for (size_t i = 0; i < e->nsubs; i++)
		if (e->subs[i] == s)
			return i;
	return e->nsubs;
}

void seam__sim_erp_sub_remove(seam_sim_erp_t *e, size_t i, const char *reason, int status)
{
	erp_sub_t *s = e->subs[i];
	char ts[25];
	seam_rfc3339_ms(seam_now_ms(), ts);
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "subscriptionId", s->id,
			      "notificationUrl", s->url, "reason", reason, "time", ts, "queued",
			      (json_int_t)s->queued, "sent", (json_int_t)s->sent);
	if (status)
		json_object_set_new(r, "status", json_integer(status));
	json_array_append_new(e->removed, r);
	if (json_array_size(e->removed) > REMOVED_KEEP)
		json_array_remove(e->removed, 0);
	if (strcmp(reason, "deleted"))
		seam_logf(e->log, SEAM_LOG_WARN, "erp", NULL,
			  json_pack("{s:s, s:s, s:s, s:i}", "subscription", s->id, "url", s->url,
				    "reason", reason, "status", status),
			  "subscription %s removed: %s", s->id, reason);
	seam__sim_erp_sub_forget(e, s);
	e->subs[i] = e->subs[--e->nsubs];
	sub_free(s);
}

void seam__sim_erp_subs_purge(seam_sim_erp_t *e)
{
	int64_t now = seam_now_ms();
	for (size_t i = e->nsubs; i-- > 0;)
		if (e->subs[i]->expires_ms <= now)
			seam__sim_erp_sub_remove(e, i, "expired", 0);
}

void seam__sim_erp_subs_clear(seam_sim_erp_t *e)
{
	for (size_t i = 0; i < e->nsubs; i++)
		sub_free(e->subs[i]);
	e->nsubs = 0;
	json_array_clear(e->removed);
}

/* ---- records ---- */

/* One subscription as the API prints it. New reference. */
static json_t *sub_out(seam_sim_erp_t *e, const erp_sub_t *s)
{
	char tag[200], mod[25], exp[25];
	seam__sim_erp_etag_of(s->version, s->id, tag);
	seam_rfc3339_ms(s->modified_ms, mod);
	seam_rfc3339_ms(s->expires_ms, exp);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "@odata.etag", tag,
			 "subscriptionId", s->id, "notificationUrl", s->url, "resource", s->resource,
			 "userId", e->user_id, "lastModifiedDateTime", mod, "clientState",
			 s->client_state ? s->client_state : "", "expirationDateTime", exp);
}

static void reply_sub(seam_sim_erp_t *e, seam_sim_call_t *c, int status, const erp_sub_t *s)
{
	json_t *o = sub_out(e, s);
	char ctx[256];
	snprintf(ctx, sizeof ctx, "%s/api/v2.0/$metadata#subscriptions/$entity", c->base_url);
	json_object_set_new(o, "@odata.context", json_string(ctx));
	seam_sim_reply_json(c, status, "application/json; odata.metadata=minimal", o);
}

/* The resource a subscription names: its company and kind. 0, or -1. */
static int parse_resource(seam_sim_erp_t *e, const char *res, size_t *company, erp_res_e *kind)
{
	char buf[600];
	seg_t segs[4];
	if (!res || strlen(res) > 500 || strchr(res, '?') || strchr(res, '#'))
		return -1;
	if (strstr(res, "/api/v2.0/"))
		snprintf(buf, sizeof buf, "%s", res);
	else if (!strncmp(res, "api/v2.0/", 9))
		snprintf(buf, sizeof buf, "/%s", res);
	else if (!strncmp(res, "companies(", 10) || !strncmp(res, "/companies(", 11))
		snprintf(buf, sizeof buf, "/api/v2.0%s%s", res[0] == '/' ? "" : "/", res);
	else
		return -1;
	size_t bl = strlen(buf);
	if (bl && buf[bl - 1] == '/')
		buf[bl - 1] = '\0';
	if (seam__sim_erp_split_path(buf, segs, 4) != 2 || strcmp(segs[0].name, "companies") ||
	    !segs[0].has_key || segs[1].has_key)
		return -1;
	int k = -1;
	for (int i = 0; i < 2; i++)
		if (!strcmp(segs[1].name, res_names[i]))
			k = i;
	if (k < 0)
		return -1;
	for (size_t i = 0; i < e->ncompanies; i++) {
		if (!strcasecmp(segs[0].key, e->companies[i].id)) {
			*company = i;
			*kind = (erp_res_e)k;
			return 0;
		}
	}
	return -1;
}

/* ---- the handshake ---- */

/* POSTs to url with ?validationToken=token and checks the answer. Called WITHOUT e->mu.
 * Returns 0, or -1 with why. */
static int handshake(seam_sim_erp_t *e, const char *url, const char *token, char *why,
		     size_t cap)
{
	size_t len = strlen(url) + strlen(token) + 32;
	char *full = malloc(len), resp[512], err[256] = "";
	if (!full) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	snprintf(full, len, "%s%svalidationToken=%s", url, strchr(url, '?') ? "&" : "?", token);
	seam_sim_exchange_fn x = e->exchange ? e->exchange : seam_sim_exchange_http;
	int status = x(e->xctx, full, "application/json", "", 0, e->handshake_ms, resp, sizeof resp,
		       err, sizeof err);
	free(full);
	if (status < 0) {
		snprintf(why, cap, "no answer within %lld ms (%s)", (long long)e->handshake_ms,
			 err[0] ? err : "no answer");
		return -1;
	}
	if (status != 200) {
		snprintf(why, cap, "it answered %d, not 200", status);
		return -1;
	}
	char *p = resp, *q;
	while (isspace((unsigned char)*p))
		p++;
	q = p + strlen(p);
	while (q > p && isspace((unsigned char)q[-1]))
		*--q = '\0';
	if (strcmp(p, token)) {
		snprintf(why, cap, "its answer did not carry the validationToken");
		return -1;
	}
	return 0;
}

/* ---- API ---- */

static void bad(seam_sim_erp_t *e, seam_sim_call_t *c, const char *code, const char *msg)
{
	pthread_mutex_lock(&e->mu);
	seam__sim_erp_error(e, c, 400, code, "%s", msg);
	pthread_mutex_unlock(&e->mu);
}

/* Reads notificationUrl (required when need_url), resource and clientState. Lock held.
 * Returns 0, or -1 after answering. */
static int read_body(seam_sim_erp_t *e, seam_sim_call_t *c, const json_t *in, int need_url,
		     size_t *company, erp_res_e *kind)
{
	const json_t *url = json_object_get(in, "notificationUrl");
	const json_t *res = json_object_get(in, "resource");
	const json_t *cs = json_object_get(in, "clientState");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)in, k, v) {
		if (strcmp(k, "notificationUrl") && strcmp(k, "resource") &&
		    strcmp(k, "clientState") && strcmp(k, "subscriptionId") && k[0] != '@') {
			seam__sim_erp_error(e, c, 400, "BadRequest_InvalidRequestBody",
					    "The property '%s' does not exist on type "
					    "'Microsoft.NAV.subscriptions' or is read-only.",
					    k);
			return -1;
		}
	}
	if ((need_url || url) &&
	    (!json_is_string(url) || (strncmp(json_string_value(url), "http://", 7) &&
				      strncmp(json_string_value(url), "https://", 8)))) {
		seam__sim_erp_error(e, c, 400, "BadRequest",
				    "The notificationUrl must be an http or https URL.");
		return -1;
	}
	if ((need_url || res) &&
	    (!json_is_string(res) || parse_resource(e, json_string_value(res), company, kind))) {
		seam__sim_erp_error(e, c, 400, "BadRequest",
				    "The resource '%s' is not supported for subscriptions: use "
				    "/api/v2.0/companies({id})/items or .../salesPrices.",
				    json_is_string(res) ? json_string_value(res) : "");
		return -1;
	}
	if (cs && !json_is_null(cs) &&
	    (!json_is_string(cs) || strlen(json_string_value(cs)) > ERP_CLIENT_STATE)) {
		seam__sim_erp_error(e, c, 400, "Application_StringExceededLength",
				    "The clientState must be a string of at most %d characters.",
				    ERP_CLIENT_STATE);
		return -1;
	}
	return 0;
}

static void create(seam_sim_erp_t *e, seam_sim_call_t *c, json_t *in)
{
	char token[48], why[320];
	size_t company = 0;
	erp_res_e kind = ERP_RES_ITEMS;
	pthread_mutex_lock(&e->mu);
	seam__sim_erp_subs_purge(e);
	if (read_body(e, c, in, 1, &company, &kind)) {
		pthread_mutex_unlock(&e->mu);
		return;
	}
	if (e->nsubs >= ERP_MAX_SUBS) {
		seam__sim_erp_error(e, c, 400, "BadRequest",
				    "The maximum number of subscriptions (%d) has been reached.",
				    ERP_MAX_SUBS);
		pthread_mutex_unlock(&e->mu);
		return;
	}
	seam_sim_rng_alnum(&e->rng, token, 40);
	pthread_mutex_unlock(&e->mu);

	const char *url = json_string_value(json_object_get(in, "notificationUrl"));
	if (handshake(e, url, token, why, sizeof why)) {
		char msg[400];
		snprintf(msg, sizeof msg, "The subscription was not created: the handshake with the "
					  "notificationUrl failed: %s.", why);
		bad(e, c, "BadRequest", msg);
		return;
	}

	pthread_mutex_lock(&e->mu);
	erp_sub_t *s = calloc(1, sizeof *s);
	const json_t *cs = json_object_get(in, "clientState");
	if (!s || e->nsubs >= ERP_MAX_SUBS) {
		free(s);
		seam__sim_erp_error(e, c, 400, "BadRequest",
				    "The maximum number of subscriptions (%d) has been reached.",
				    ERP_MAX_SUBS);
		pthread_mutex_unlock(&e->mu);
		return;
	}
	char uuid[37];
	size_t k = 0;
	seam_sim_rng_uuid(&e->rng, uuid);
	for (const char *p = uuid; *p; p++) /* 32 hex digits, as BC prints them */
		if (*p != '-')
			s->id[k++] = *p;
	s->id[k] = '\0';
	s->url = strdup(url);
	s->resource = strdup(json_string_value(json_object_get(in, "resource")));
	s->client_state = json_is_string(cs) ? strdup(json_string_value(cs)) : NULL;
	s->company = company;
	s->kind = kind;
	s->version = 1;
	s->modified_ms = seam_now_ms();
	s->expires_ms = s->modified_ms + e->sub_ttl_ms;
	e->subs[e->nsubs++] = s;
	char loc[300];
	snprintf(loc, sizeof loc, "%s/api/v2.0/subscriptions('%s')", c->base_url, s->id);
	seam_sim_set_header(c, "Location", loc);
	reply_sub(e, c, 201, s);
	pthread_mutex_unlock(&e->mu);
}

/* The If-Match check of a subscription. 0, or -1 after answering. Lock held. */
static int sub_if_match(seam_sim_erp_t *e, seam_sim_call_t *c, const erp_sub_t *s)
{
	json_t *rec = sub_out(e, s);
	int rc = seam__sim_erp_if_match(e, c, rec);
	json_decref(rec);
	return rc;
}

static void renew(seam_sim_erp_t *e, seam_sim_call_t *c, const char *id, json_t *in)
{
	char token[48], why[320], *url = NULL;
	size_t company = 0;
	erp_res_e kind = ERP_RES_ITEMS;
	pthread_mutex_lock(&e->mu);
	seam__sim_erp_subs_purge(e);
	erp_sub_t *s = seam__sim_erp_sub_find(e, id);
	if (!s) {
		seam__sim_erp_error(e, c, 404, "Internal_RecordNotFound",
				    "The API Webhook Subscription does not exist. Identification "
				    "fields and values: Subscription Id='%s'",
				    id);
		goto unlock;
	}
	if (sub_if_match(e, c, s) || read_body(e, c, in, 0, &company, &kind))
		goto unlock;
	if (json_object_get(in, "resource") && (company != s->company || kind != s->kind)) {
		seam__sim_erp_error(e, c, 400, "BadRequest",
				    "The resource of a subscription cannot be changed.");
		goto unlock;
	}
	const char *nu = json_string_value(json_object_get(in, "notificationUrl"));
	url = strdup(nu ? nu : s->url);
	int64_t version = s->version;
	seam_sim_rng_alnum(&e->rng, token, 40);
	pthread_mutex_unlock(&e->mu);

	if (!url || handshake(e, url, token, why, sizeof why)) {
		char msg[400];
		snprintf(msg, sizeof msg, "The subscription was not renewed: the handshake with the "
					  "notificationUrl failed: %s.", url ? why : "out of memory");
		bad(e, c, "BadRequest", msg);
		free(url);
		return;
	}

	pthread_mutex_lock(&e->mu);
	s = seam__sim_erp_sub_find(e, id);
	if (!s) {
		seam__sim_erp_error(e, c, 404, "Internal_RecordNotFound",
				    "The API Webhook Subscription does not exist. Identification "
				    "fields and values: Subscription Id='%s'",
				    id);
		goto unlock;
	}
	if (s->version != version) {
		seam__sim_erp_error(e, c, 412, "Request_EntityChanged",
				    "Could not save the changes because the entity has been changed "
				    "by another user. Refresh and try again.");
		goto unlock;
	}
	const json_t *cs = json_object_get(in, "clientState");
	if (cs) {
		free(s->client_state);
		s->client_state = json_is_string(cs) ? strdup(json_string_value(cs)) : NULL;
	}
	if (strcmp(url, s->url)) {
		free(s->url);
		s->url = url;
		url = NULL;
		if (s->w_changes)
			seam__sim_erp_window_open(e, s->url);
	}
	s->version++;
	s->modified_ms = seam_now_ms();
	s->expires_ms = s->modified_ms + e->sub_ttl_ms;
	reply_sub(e, c, 200, s);
unlock:
	pthread_mutex_unlock(&e->mu);
	free(url);
}

void seam__sim_erp_subscriptions(seam_sim_erp_t *e, seam_sim_call_t *c, const seg_t *segs, int n)
{
	const char *id = segs[0].has_key ? segs[0].key : NULL;
	json_t *in = NULL;
	if (n != 1) {
		bad(e, c, "BadRequest_ResourceNotFound", "Resource not found.");
		return;
	}
	if (!strcmp(c->method, "POST") || !strcmp(c->method, "PATCH")) {
		in = seam_sim_body_json(c);
		if (!json_is_object(in)) {
			bad(e, c, "BadRequest_InvalidRequestBody", "Invalid Request Body.");
			json_decref(in);
			return;
		}
	}
	if (!strcmp(c->method, "POST") && !id) {
		create(e, c, in);
	} else if (!strcmp(c->method, "PATCH") && id) {
		renew(e, c, id, in);
	} else if (!strcmp(c->method, "GET") || !strcmp(c->method, "DELETE")) {
		pthread_mutex_lock(&e->mu);
		seam__sim_erp_subs_purge(e);
		erp_sub_t *s = id ? seam__sim_erp_sub_find(e, id) : NULL;
		if (!id && !strcmp(c->method, "GET")) {
			json_t *arr = json_array();
			for (size_t i = 0; i < e->nsubs; i++)
				json_array_append_new(arr, sub_out(e, e->subs[i]));
			seam__sim_erp_list(e, c, arr, "subscriptions", 0);
			json_decref(arr);
		} else if (!s) {
			seam__sim_erp_error(e, c, 404, "Internal_RecordNotFound",
					    "The API Webhook Subscription does not exist. "
					    "Identification fields and values: Subscription Id='%s'",
					    id ? id : "");
		} else if (!strcmp(c->method, "GET")) {
			reply_sub(e, c, 200, s);
		} else if (sub_if_match(e, c, s) == 0) {
			seam__sim_erp_sub_remove(e, sub_index(e, s), "deleted", 0);
			seam_sim_reply(c, 204, NULL, "", 0);
		}
		pthread_mutex_unlock(&e->mu);
	} else {
		pthread_mutex_lock(&e->mu);
		seam__sim_erp_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		pthread_mutex_unlock(&e->mu);
	}
	json_decref(in);
}

/* ---- control ---- */

void seam__sim_erp_h_subs(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *arr = json_array(), *wins = json_array();
	int64_t now = seam_mono_ns() / 1000000;
	pthread_mutex_lock(&e->mu);
	seam__sim_erp_subs_purge(e);
	for (size_t i = 0; i < e->nsubs; i++) {
		erp_sub_t *s = e->subs[i];
		json_t *o = sub_out(e, s);
		json_object_set_new(o, "company", json_string(e->companies[s->company].id));
		json_object_set_new(o, "entity", json_string(res_names[s->kind]));
		json_object_set_new(
			o, "counters",
			json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "changes",
				  (json_int_t)s->changes, "pending",
				  (json_int_t)(s->collection ? 1 : json_object_size(s->pending)),
				  "queued", (json_int_t)s->queued, "sent", (json_int_t)s->sent, "lost",
				  (json_int_t)s->lost, "duplicated", (json_int_t)s->duplicated,
				  "failed", (json_int_t)s->failed, "rejected",
				  (json_int_t)s->rejected));
		json_array_append_new(arr, o);
	}
	for (size_t i = 0; i < e->nwins; i++)
		json_array_append_new(wins, json_pack("{s:s, s:I, s:I}", "notificationUrl",
						      e->wins[i].url, "closes_in_ms",
						      (json_int_t)(e->wins[i].due_ms - now),
						      "entries", (json_int_t)e->wins[i].entries));
	json_t *doc = json_pack("{s:o, s:O, s:o, s:I}", "subscriptions", arr, "removed", e->removed,
				"windows", wins, "bodies", (json_int_t)e->bodies);
	pthread_mutex_unlock(&e->mu);
	seam_sim_reply_json(c, 200, NULL, doc);
}

void seam__sim_erp_h_subs_expire(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	json_t *b = seam_sim_body_json(c), *gone = json_array();
	const char *id = json_string_value(json_object_get(b, "id"));
	int all = json_is_true(json_object_get(b, "all"));
	if (!id && !all) {
		seam_sim_problem(c, 400, "bad-request",
				 "expected {\"id\": \"...\"} or {\"all\": true}");
		goto out;
	}
	pthread_mutex_lock(&e->mu);
	seam__sim_erp_subs_purge(e);
	for (size_t i = e->nsubs; i-- > 0;) {
		if (all || !strcasecmp(e->subs[i]->id, id)) {
			json_array_append_new(gone, json_string(e->subs[i]->id));
			seam__sim_erp_sub_remove(e, i, "expired", 0);
		}
	}
	pthread_mutex_unlock(&e->mu);
	if (id && !all && json_array_size(gone) == 0)
		seam_sim_problem(c, 404, "not-found", "no subscription %s", id);
	else
		seam_sim_reply_json(c, 200, NULL, json_pack("{s:O}", "expired", gone));
out:
	json_decref(gone);
	json_decref(b);
}
