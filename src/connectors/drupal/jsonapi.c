/*
 * jsonapi.c: what every call of the Drupal Commerce connector shares (see drupal.h for the calls,
 * error classes and ownership; drupal_int.h for these internals): argument checks, one JSON:API
 * exchange and its error message, paging links, and reading JSON:API documents.
 *
 * Each public call is: check the arguments (nothing is sent for bad ones), build the path and
 * body, one seam_upstream_call (several for listings), then either parse the success document
 * or turn the failure into (code, message): refine() picks the code from the status and the
 * caller's reading of it, fail_msg() writes Drupal's own error document into the message.
 * Thread-safety: reentrant; no state.
 */
#include "connectors/drupal/drupal_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/json.h"

#define DETAIL_MAX 3 /* Drupal errors put into one message */

/* ---- small checks ---- */

/* A path segment we build URLs from: bundle names, UUIDs. Nothing that needs escaping. */
int seam__drupal_valid_segment(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' && s[n] != '-')
			return 0;
	return n > 0 && n <= 128;
}

static int valid_decimal(const char *s)
{
	const char *p = s;
	if (!s)
		return 0;
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

static int valid_currency(const char *s)
{
	return s && strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
	       isupper((unsigned char)s[2]);
}

seam_err_t seam_drupal_money_set(seam_drupal_money_t *m, const char *number,
				 const char *currency_code, seam_error_t *err)
{
	if (!m)
		return seam_errorf(err, SEAM_INVAL, "money: no destination");
	if (!valid_decimal(number) || strlen(number) >= sizeof m->number)
		return seam_errorf(err, SEAM_INVAL, "money: number '%.40s' is not a decimal",
				   number ? number : "(null)");
	if (!valid_currency(currency_code))
		return seam_errorf(err, SEAM_INVAL, "money: currency '%.8s' is not an ISO 4217 code",
				   currency_code ? currency_code : "(null)");
	snprintf(m->number, sizeof m->number, "%s", number);
	snprintf(m->currency_code, sizeof m->currency_code, "%s", currency_code);
	return SEAM_OK;
}

int seam__drupal_money_valid(const seam_drupal_money_t *m)
{
	return m && valid_decimal(m->number) && valid_currency(m->currency_code);
}

const char *seam__drupal_or_default(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* ---- exchanges and errors ---- */

void seam__drupal_outcome_set(seam_drupal_outcome_t *oc, const seam_response_t *resp)
{
	if (oc) {
		oc->status = resp->status;
		oc->retry_after_ms = resp->retry_after_ms;
	}
}

void seam__drupal_outcome_clear(seam_drupal_outcome_t *oc)
{
	if (oc) {
		oc->status = 0;
		oc->retry_after_ms = -1;
	}
}

/* Drupal's detail as plain text: a violation message is markup ("The SKU <em
 * class="placeholder">X</em> is ..."); JSON:API 10.x strips it (PlainTextOutput), older sites
 * and other modules may not. Tags are dropped and the entities Html::escape writes decoded. */
static const char *plain_text(const char *in, char *out, size_t cap)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#039;", '\''}};
	size_t n = 0;
	if (!strpbrk(in, "<&"))
		return in;
	while (*in && n + 1 < cap) {
		if (*in == '<' && strchr(in, '>')) {
			in = strchr(in, '>') + 1;
			continue;
		}
		size_t k, e = sizeof ents / sizeof *ents;
		for (k = 0; *in == '&' && k < e; k++)
			if (!strncmp(in, ents[k].ent, strlen(ents[k].ent)))
				break;
		if (*in == '&' && k < e) {
			out[n++] = ents[k].c;
			in += strlen(ents[k].ent);
			continue;
		}
		out[n++] = *in++;
	}
	out[n] = '\0';
	return out;
}

/* drupal_int.h */
void seam__drupal_error_details(json_t *doc, char *buf, size_t cap)
{
	json_t *errors = json_object_get(doc, "errors"), *e;
	size_t i, used = 0;
	buf[0] = '\0';
	if (json_is_array(errors)) {
		json_array_foreach(errors, i, e) {
			const char *title = json_string_value(json_object_get(e, "title"));
			const char *detail = json_string_value(json_object_get(e, "detail"));
			char dbuf[400];
			if (detail)
				detail = plain_text(detail, dbuf, sizeof dbuf);
			const char *ptr = json_string_value(
				json_object_get(json_object_get(e, "source"), "pointer"));
			if (i >= DETAIL_MAX) {
				used += (size_t)snprintf(buf + used, cap - used, "; and %zu more",
							 json_array_size(errors) - DETAIL_MAX);
				break;
			}
			used += (size_t)snprintf(buf + used, cap - used, "%s%s%s%s%s%s%s",
						 i ? "; " : "", title && *title ? title : "error",
						 detail && *detail ? ": " : "",
						 detail && *detail ? detail : "",
						 ptr ? " (at " : "", ptr ? ptr : "", ptr ? ")" : "");
			if (used >= cap)
				return;
		}
		return;
	}
	if (json_is_string(json_object_get(doc, "error"))) {
		const char *code = json_string_value(json_object_get(doc, "error"));
		const char *detail = json_string_value(json_object_get(doc, "detail"));
		snprintf(buf, cap, "%s%s%s", code, detail ? ": " : "", detail ? detail : "");
	} else if (json_is_string(json_object_get(doc, "message"))) {
		/* Drupal's own JSON for 401/403 outside JSON:API: {"message": "..."} */
		snprintf(buf, cap, "%s", json_string_value(json_object_get(doc, "message")));
	}
}

/* Length of a path without its query (messages never carry the query). */
static int path_len(const char *p)
{
	size_t n = strcspn(p, "?#");
	return (int)(n > 200 ? 200 : n);
}

/*
 * The message for a failed call. With an HTTP answer that carries a Drupal error document, the
 * message is "<upstream>: <METHOD> <path>: HTTP <status>: <title>: <detail> (at <pointer>)";
 * otherwise the client's own message (which has a masked excerpt of any other body).
 */
seam_err_t seam__drupal_fail_msg(seam_upstream_t *u, const char *method, const char *path,
				 seam_err_t rc, const seam_response_t *resp,
				 const seam_error_t *cerr, seam_error_t *err)
{
	json_t *doc = NULL;
	char details[400];
	details[0] = '\0';
	if (resp->status && resp->body && (doc = seam_json_loadb(resp->body, resp->body_len, 0, NULL)))
		seam__drupal_error_details(doc, details, sizeof details);
	json_decref(doc);
	if (!details[0])
		return seam_errorf(err, rc, "%s", cerr->msg[0] ? cerr->msg : seam_strerror(rc));
	return seam_errorf(err, rc, "%s: %s %.*s: HTTP %d: %s", seam_upstream_name(u), method,
			   path_len(path), path, resp->status, details);
}

seam_err_t seam__drupal_refine(seam_err_t rc, int status, unsigned how)
{
	if (status == 404 && (how & SEAM__DRUPAL_NOTFOUND_IS_NOTFOUND))
		return SEAM_NOTFOUND;
	if (status == 409 && (how & SEAM__DRUPAL_CONFLICT_IS_CONFLICT))
		return SEAM_CONFLICT;
	return rc;
}

/*
 * One exchange. On SEAM_OK *doc is the parsed JSON answer (owned; NULL for an empty body).
 * Otherwise err has the message and resp is disposed of.
 */
seam_err_t seam__drupal_exchange(seam_upstream_t *u, const char *cid, const seam_drupal_req_t *r,
				 json_t **doc, seam_drupal_outcome_t *oc, seam_error_t *err)
{
	seam_response_t resp = {0};
	seam_error_t cerr = {0};
	seam_call_kv_t hdr = {"Accept", r->media};
	char *body = NULL;
	seam_err_t rc;
	json_error_t jerr;

	*doc = NULL;
	if (r->body && !(body = json_dumps(r->body, JSON_COMPACT)))
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	seam_call_t call = {
		.method = r->method,
		.path = r->path,
		.query = r->query,
		.nquery = r->nquery,
		.headers = &hdr,
		.nheaders = 1,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.content_type = r->media,
		.idempotency_key = r->idempotency_key,
		.correlation_id = cid,
		.timeout_ms = r->timeout_ms,
	};
	rc = seam_upstream_call(u, &call, &resp, &cerr);
	seam__drupal_outcome_set(oc, &resp);
	if (rc != SEAM_OK) {
		rc = seam__drupal_refine(rc, resp.status, r->how);
		seam__drupal_fail_msg(u, r->method, r->path, rc, &resp, &cerr, err);
		goto out;
	}
	if (resp.body_len == 0)
		goto out;
	if (!(*doc = seam_json_loadb(resp.body, resp.body_len, 0, &jerr))) {
		rc = seam_errorf(err, SEAM_UPSTREAM,
				 "%s: %s %.*s: HTTP %d with a body that is not JSON (line %d, column %d)",
				 seam_upstream_name(u), r->method, path_len(r->path), r->path,
				 resp.status, jerr.line, jerr.column);
		goto out;
	}
out:
	if (body)
		free(body);
	seam_response_dispose(&resp);
	return rc;
}

/* The JSON:API document must be an object with data of the given JSON type. */
seam_err_t seam__drupal_expect_data(seam_upstream_t *u, const char *method, const char *path,
				    json_t *doc, int want_array, seam_error_t *err)
{
	json_t *data = json_object_get(doc, "data");
	if (want_array ? json_is_array(data) : json_is_object(data))
		return SEAM_OK;
	return seam_errorf(err, SEAM_UPSTREAM, "%s: %s %.*s: the answer has no %s in data",
			   seam_upstream_name(u), method, path_len(path), path,
			   want_array ? "resource list" : "resource");
}

/* ---- paging ---- */

/* The query part of an href ("page%5Boffset%5D=50&..."), or NULL when it has none. */
const char *seam__drupal_href_query(const char *href)
{
	const char *q = strchr(href, '?');
	return q && q[1] ? q + 1 : NULL;
}

const char *seam__drupal_next_href(json_t *doc)
{
	return json_string_value(
		json_object_get(json_object_get(json_object_get(doc, "links"), "next"), "href"));
}

seam_err_t seam__drupal_next_page(seam_upstream_t *u, const char *base, json_t *doc,
				  char **prev_query, char **page_path, seam_error_t *err)
{
	const char *next = seam__drupal_next_href(doc), *nq;
	if (!next)
		return SEAM_DONE;
	nq = seam__drupal_href_query(next);
	if (!nq || (*prev_query && strcmp(*prev_query, nq) == 0))
		return seam_errorf(err, SEAM_UPSTREAM, "%s: GET %s: links.next does not move to another page",
				   seam_upstream_name(u), base);
	free(*prev_query);
	free(*page_path);
	*page_path = NULL;
	if (!(*prev_query = strdup(nq)) || asprintf(page_path, "%s?%s", base, nq) < 0) {
		*page_path = NULL;
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	return SEAM_OK;
}

/* ---- reading documents ---- */

json_t *seam_drupal_data(json_t *doc)
{
	return json_object_get(doc, "data");
}

const char *seam_drupal_type(json_t *res)
{
	return json_string_value(json_object_get(res, "type"));
}

const char *seam_drupal_id(json_t *res)
{
	return json_string_value(json_object_get(res, "id"));
}

json_t *seam_drupal_attr(json_t *res, const char *name)
{
	return name ? json_object_get(json_object_get(res, "attributes"), name) : NULL;
}

const char *seam_drupal_attr_str(json_t *res, const char *name)
{
	return json_string_value(seam_drupal_attr(res, name));
}

seam_err_t seam_drupal_attr_time(json_t *res, const char *name, int64_t *unix_s)
{
	json_t *v = seam_drupal_attr(res, name);
	int64_t ms;
	if (!v || json_is_null(v))
		return SEAM_NOTFOUND;
	if (!json_is_string(v) || seam_rfc3339_parse(json_string_value(v), &ms) != 0)
		return SEAM_PARSE;
	if (unix_s)
		*unix_s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	return SEAM_OK;
}

seam_err_t seam_drupal_attr_money(json_t *res, const char *name, seam_drupal_money_t *out,
				  seam_error_t *err)
{
	json_t *v = seam_drupal_attr(res, name), *num, *cur;
	char ibuf[32];
	const char *text;
	if (!v || json_is_null(v))
		return seam_errorf(err, SEAM_NOTFOUND, "price %s is empty", name ? name : "?");
	num = json_object_get(v, "number");
	cur = json_object_get(v, "currency_code");
	/* The text itself goes to money_set, which refuses what does not fit: copying it into a
	 * buffer first cut long numbers into other amounts (found by fuzz/fuzz_jsonapi.c). */
	if (json_is_string(num))
		text = json_string_value(num);
	else if (json_is_integer(num)) {
		snprintf(ibuf, sizeof ibuf, "%" JSON_INTEGER_FORMAT, json_integer_value(num));
		text = ibuf;
	} else
		return seam_errorf(err, SEAM_PARSE, "price %s: number is not a decimal string", name);
	seam_drupal_money_t m;
	seam_error_t merr = {0};
	if (seam_drupal_money_set(&m, text, json_string_value(cur), &merr) != SEAM_OK)
		return seam_errorf(err, SEAM_PARSE, "price %s: %s", name, merr.msg);
	if (out)
		*out = m;
	return SEAM_OK;
}

/* relationships.<rel>.data */
static json_t *rel_data(json_t *res, const char *rel)
{
	return rel ? json_object_get(json_object_get(json_object_get(res, "relationships"), rel), "data")
		   : NULL;
}

size_t seam_drupal_rel_count(json_t *res, const char *rel)
{
	json_t *d = rel_data(res, rel);
	if (json_is_array(d))
		return json_array_size(d);
	return json_is_object(d) ? 1 : 0;
}

json_t *seam_drupal_rel(json_t *res, const char *rel, size_t i)
{
	json_t *d = rel_data(res, rel);
	if (json_is_array(d))
		return json_array_get(d, i);
	return json_is_object(d) && i == 0 ? d : NULL;
}

static int same_resource(json_t *r, const char *type, const char *id)
{
	const char *t = seam_drupal_type(r), *i = seam_drupal_id(r);
	return t && i && strcmp(t, type) == 0 && strcmp(i, id) == 0;
}

json_t *seam_drupal_included(json_t *doc, const char *type, const char *id)
{
	json_t *r, *data;
	size_t i;
	if (!type || !id)
		return NULL;
	json_array_foreach(json_object_get(doc, "included"), i, r)
		if (same_resource(r, type, id))
			return r;
	data = json_object_get(doc, "data");
	if (json_is_object(data))
		return same_resource(data, type, id) ? data : NULL;
	json_array_foreach(data, i, r)
		if (same_resource(r, type, id))
			return r;
	return NULL;
}

json_t *seam_drupal_related(json_t *doc, json_t *res, const char *rel, size_t i)
{
	json_t *ident = seam_drupal_rel(res, rel, i);
	return seam_drupal_included(doc, seam_drupal_type(ident), seam_drupal_id(ident));
}

#define CONFIG_MAX_PAGES 20 /* config entities of one type: a handful, never 1,000 */

seam_err_t seam__drupal_config_entity(seam_upstream_t *u, const char *cid, const char *type,
				      const char *machine_name, json_t **res,
				      seam_drupal_outcome_t *oc, seam_error_t *err)
{
	char base[160];
	char *page_path = NULL;
	json_t *d = NULL;
	seam_err_t rc = SEAM_NOTFOUND;

	seam__drupal_outcome_clear(oc);
	*res = NULL;
	if (!u || !seam__drupal_valid_segment(type) || !seam__drupal_valid_segment(machine_name))
		return seam_errorf(err, SEAM_INVAL, "drupal %s: bad machine name", type ? type : "config");
	snprintf(base, sizeof base, "/jsonapi/%s/%s", type, type);
	for (int page = 0; page < CONFIG_MAX_PAGES; page++) {
		json_t *e;
		size_t i;
		const char *next, *nq;
		seam_drupal_req_t r = {.method = "GET", .path = page_path ? page_path : base,
				       .media = SEAM_DRUPAL_MEDIA_TYPE};
		if ((rc = seam__drupal_exchange(u, cid, &r, &d, oc, err)) != SEAM_OK)
			goto out;
		if ((rc = seam__drupal_expect_data(u, "GET", base, d, 1, err)) != SEAM_OK)
			goto out;
		json_array_foreach(json_object_get(d, "data"), i, e) {
			const char *id = seam_drupal_attr_str(e, "drupal_internal__id");
			if (id && strcmp(id, machine_name) == 0) {
				*res = json_incref(e);
				rc = SEAM_OK;
				goto out;
			}
		}
		rc = SEAM_NOTFOUND;
		if (!(next = seam__drupal_next_href(d)) || !(nq = seam__drupal_href_query(next)))
			break;
		free(page_path);
		if (asprintf(&page_path, "%s?%s", base, nq) < 0) {
			page_path = NULL;
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto out;
		}
		json_decref(d);
		d = NULL;
	}
	if (rc == SEAM_NOTFOUND)
		seam_errorf(err, rc, "%s: no %s named '%s' is visible", seam_upstream_name(u), type,
			    machine_name);
out:
	json_decref(d);
	free(page_path);
	return rc;
}
