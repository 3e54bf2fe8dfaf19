/*
 * api.c: the API v2.0 entry: OAuth2 client credentials, bearer checks and the dispatch of
 * /api/v2.0/... to subscriptions, companies, items, customers, sales orders and prices.
 * Part of the ERP double (API: sim/sim_erp.h); what the files share and the locking rule
 * are in erp_int.h.
 */
#include "sim/erp/erp_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "sim/sim_rng.h"

/* ---- auth ---- */

static int authed(seam_sim_erp_t *e, seam_sim_call_t *c)
{
	const char *h = seam_sim_header(c, "Authorization");
	if (h && !strncasecmp(h, "Bearer ", 7)) {
		json_t *exp = json_object_get(e->tokens, h + 7);
		if (exp && json_integer_value(exp) > seam_now_ms())
			return 1;
	}
	seam_sim_set_header(c, "WWW-Authenticate",
			    "Bearer authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", "
			    "error=\"invalid_token\"");
	seam__sim_erp_error(e, c, 401, "Authentication_InvalidCredentials",
		 "The server has rejected the client credentials.");
	return 0;
}

void seam__sim_erp_h_token(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	seam_sim_kv_t *kv = NULL;
	size_t n = 0;
	char *body = c->body ? strndup(c->body, c->body_len) : strdup("");
	seam_sim_parse_query(body, &kv, &n);
	free(body);
	const char *grant = NULL, *id = NULL, *secret = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(kv[i].k, "grant_type"))
			grant = kv[i].v;
		else if (!strcmp(kv[i].k, "client_id"))
			id = kv[i].v;
		else if (!strcmp(kv[i].k, "client_secret"))
			secret = kv[i].v;
	}
	char *bu = NULL, *bp = NULL;
	if (seam_sim_basic_auth(seam_sim_header(c, "Authorization"), &bu, &bp) == 0) {
		id = bu;
		secret = bp;
	}
	pthread_mutex_lock(&e->mu);
	if (!grant || strcmp(grant, "client_credentials")) {
		seam_sim_reply_json(c, 400, NULL,
				    json_pack("{s:s, s:s}", "error", "unsupported_grant_type",
					      "error_description",
					      "AADSTS70003: The app requested an unsupported grant type."));
	} else if (!seam_sim_streq_ct(id, e->client_id) || !seam_sim_streq_ct(secret, e->client_secret)) {
		seam_sim_reply_json(c, 401, NULL,
				    json_pack("{s:s, s:s}", "error", "invalid_client",
					      "error_description",
					      "AADSTS7000215: Invalid client secret provided."));
	} else {
		char tok[72];
		seam_sim_rng_alnum(&e->rng, tok, 64);
		json_object_set_new(e->tokens, tok, json_integer(seam_now_ms() + e->token_ttl_ms));
		int64_t ttl = e->token_ttl_ms / 1000;
		seam_sim_reply_json(c, 200, NULL,
				    json_pack("{s:s, s:I, s:I, s:s}", "token_type", "Bearer",
					      "expires_in", (json_int_t)ttl, "ext_expires_in",
					      (json_int_t)ttl, "access_token", tok));
	}
	pthread_mutex_unlock(&e->mu);
	seam_sim_kv_free(kv, n);
	free(bu);
	free(bp);
}


void seam__sim_erp_h_api(seam_sim_call_t *c, void *ctx)
{
	seam_sim_erp_t *e = ctx;
	seg_t segs[6];
	int n = seam__sim_erp_split_path(c->path, segs, 6);
	json_t *in = NULL;
	pthread_mutex_lock(&e->mu);
	if (!authed(e, c))
		goto out;
	if (n >= 1 && !strcmp(segs[0].name, "subscriptions")) {
		/* not under a company; the handler lets go of the lock for the handshake */
		pthread_mutex_unlock(&e->mu);
		seam__sim_erp_subscriptions(e, c, segs, n);
		return;
	}
	if (n < 1) {
		seam__sim_erp_error(e, c, 404, "BadRequest_ResourceNotFound", "Resource not found.");
		goto out;
	}
	if (!strcmp(c->method, "POST") || !strcmp(c->method, "PATCH")) {
		in = seam_sim_body_json(c);
		if (!json_is_object(in)) {
			seam__sim_erp_error(e, c, 400, "BadRequest_InvalidRequestBody", "Invalid Request Body.");
			goto out;
		}
	}
	if (!strcmp(segs[0].name, "companies") && !segs[0].has_key && n == 1) {
		json_t *arr = json_array();
		for (size_t i = 0; i < e->ncompanies; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id",
							     e->companies[i].id, "systemVersion", "24.0",
							     "name", e->companies[i].name, "displayName",
							     e->companies[i].name));
		if (!strcmp(c->method, "GET"))
			seam__sim_erp_list(e, c, arr, "companies", 0);
		else
			seam__sim_erp_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		json_decref(arr);
		goto out;
	}
	if (strcmp(segs[0].name, "companies") || !segs[0].has_key || n < 2) {
		seam__sim_erp_error(e, c, 404, "BadRequest_ResourceNotFound", "Resource not found.");
		goto out;
	}
	company_t *co = NULL;
	for (size_t i = 0; i < e->ncompanies && !co; i++)
		if (!strcasecmp(segs[0].key, e->companies[i].id))
			co = &e->companies[i];
	if (!co) {
		seam__sim_erp_error(e, c, 404, "Internal_CompanyNotFound", "Cannot find the company '%s'.",
			 segs[0].key);
		goto out;
	}
	const char *coll = segs[1].name;
	if (!strcmp(coll, "salesOrders")) {
		seam__sim_erp_orders(e, co, c, segs, n, in);
		goto out;
	} else if (!strcmp(coll, "salesPrices")) {
		seam__sim_erp_prices(e, co, c, segs, n);
		goto out;
	} else if (!strcmp(coll, "items") || !strcmp(coll, "customers")) {
		json_t *arr = !strcmp(coll, "items") ? e->items : e->customers;
		char what[64];
		snprintf(what, sizeof what, "companies/%s", coll);
		if (!segs[1].has_key && n == 2 && !strcmp(c->method, "GET")) {
			seam__sim_erp_list(e, c, arr, what, 0);
			goto out;
		}
		json_t *r = segs[1].has_key ? seam__sim_erp_find(arr, "id", segs[1].key) : NULL;
		if (!r || n != 2) {
			seam__sim_erp_error(e, c, 404, "Internal_RecordNotFound", "The record does not exist.");
			goto out;
		}
		if (!strcmp(c->method, "GET")) {
			seam__sim_erp_single(c, e, r, what, 0);
		} else if (!strcmp(c->method, "PATCH") && !strcmp(coll, "items")) {
			if (seam__sim_erp_if_match(e, c, r) != 0)
				goto out;
			const char *k;
			json_t *v;
			json_object_foreach(in, k, v) {
				if (strcmp(k, "unitPrice") && strcmp(k, "displayName") && strcmp(k, "blocked")) {
					seam__sim_erp_error(e, c, 400, "BadRequest_InvalidRequestBody",
						 "The property '%s' cannot be changed here (inventory is read-only).",
						 k);
					goto out;
				}
			}
			json_object_foreach(in, k, v) {
				if (!strcmp(k, "unitPrice"))
					json_object_set_new(r, k, seam__sim_erp_dec(seam__sim_erp_num(v, PS), PS));
				else
					json_object_set(r, k, v);
			}
			int64_t ms = seam__sim_erp_bump(e, r);
			seam__sim_erp_changed(e, ERP_RES_ITEMS, 0, json_string_value(json_object_get(r, "id")),
					      "updated", 1, ms, ms);
			seam__sim_erp_single(c, e, r, what, 0);
		} else {
			seam__sim_erp_error(e, c, 405, "BadRequest_MethodNotAllowed", "Method not allowed.");
		}
		goto out;
	}
	seam__sim_erp_error(e, c, 404, "BadRequest_ResourceNotFound", "Resource not found.");
out:
	pthread_mutex_unlock(&e->mu);
	json_decref(in);
}
