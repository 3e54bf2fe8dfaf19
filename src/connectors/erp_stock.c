/*
 * erp_stock.c: the ERP's items, sales prices, webhook subscriptions and notifications (see
 * erp_stock.h). The exchange and its error classes are erp.c's (erp_int.h).
 */
#include "connectors/erp_stock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/erp_int.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "domain/money.h"

#define PATH_MAX_LEN 2048

static const char *const resource_names[] = {"items", "salesPrices"};

const char *seam_erp_resource_name(seam_erp_resource_e r)
{
	return (unsigned)r < sizeof resource_names / sizeof resource_names[0] ? resource_names[r]
									       : "?";
}

/* Company and record ids go between parentheses: GUID characters only. */
static int valid_key(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '-')
			return 0;
	return n > 0 && n < 64;
}

/* A subscription id goes into ('...'): printable, no quote, no slash. */
static int valid_sub_id(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!isgraph((unsigned char)s[n]) || s[n] == '\'' || s[n] == '/' || s[n] == '?' ||
		    s[n] == '#' || s[n] == '%')
			return 0;
	return n > 0 && n < 128;
}

/* ---- reads ---- */

seam_err_t seam_erp_list_page(seam_upstream_t *u, const char *cid, const char *company,
			      seam_erp_resource_e r, const char *modified_after, const char *next,
			      json_t **values, char **next_out, seam_erp_outcome_t *oc,
			      seam_error_t *err)
{
	seam_buf_t path;
	json_t *d = NULL, *v;
	seam_err_t rc;

	seam__erp_outcome_clear(oc);
	*values = NULL;
	*next_out = NULL;
	if (!u || (!next && !valid_key(company)) || (unsigned)r > SEAM_ERP_SALES_PRICES)
		return seam_errorf(err, SEAM_INVAL, "erp list: bad company or resource");
	seam_buf_init(&path, PATH_MAX_LEN);
	if (next) {
		seam_buf_adds(&path, next);
	} else {
		seam_buf_addf(&path, "/companies(%s)/%s?$orderby=lastModifiedDateTime", company,
			      seam_erp_resource_name(r));
		if (modified_after) {
			if (seam_erp_time_ms(modified_after) < 0) {
				rc = seam_errorf(err, SEAM_INVAL, "erp list: '%.40s' is not a time",
						 modified_after);
				goto out;
			}
			seam_buf_adds(&path, "&$filter=");
			char filter[96];
			snprintf(filter, sizeof filter, "lastModifiedDateTime gt %s", modified_after);
			seam_buf_add_urlenc(&path, filter);
		}
	}
	if ((rc = seam_buf_err(&path)) != SEAM_OK) {
		rc = seam_errorf(err, rc == SEAM_TOOBIG ? SEAM_UPSTREAM : SEAM_NOMEM,
				 "erp list: the next link is too long");
		goto out;
	}
	seam__erp_req_t req = {.method = "GET", .path = seam_buf_str(&path)};
	if ((rc = seam__erp_exchange(u, cid, &req, &d, oc, err)) != SEAM_OK)
		goto out;
	v = json_object_get(d, "value");
	if (!json_is_array(v)) {
		rc = seam_errorf(err, SEAM_UPSTREAM, "%s: GET %s: the answer has no value list",
				 seam_upstream_name(u), seam_erp_resource_name(r));
		goto out;
	}
	const char *nl = json_string_value(json_object_get(d, "@odata.nextLink"));
	if (nl && *nl && !(*next_out = strdup(nl))) {
		rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	*values = json_incref(v);
out:
	json_decref(d);
	seam_buf_dispose(&path);
	return rc;
}

seam_err_t seam_erp_get_record(seam_upstream_t *u, const char *cid, const char *company,
			       seam_erp_resource_e r, const char *id, json_t **rec,
			       seam_erp_outcome_t *oc, seam_error_t *err)
{
	char path[256];
	json_t *d = NULL;
	seam_err_t rc;

	seam__erp_outcome_clear(oc);
	*rec = NULL;
	if (!u || !valid_key(company) || !valid_key(id) || (unsigned)r > SEAM_ERP_SALES_PRICES)
		return seam_errorf(err, SEAM_INVAL, "erp get: bad company, resource or id");
	snprintf(path, sizeof path, "/companies(%s)/%s(%s)", company, seam_erp_resource_name(r), id);
	seam__erp_req_t req = {.method = "GET", .path = path, .how = SEAM__ERP_NOTFOUND_IS_NOTFOUND};
	if ((rc = seam__erp_exchange(u, cid, &req, &d, oc, err)) != SEAM_OK)
		return rc;
	if (!json_is_object(d) || !json_is_string(json_object_get(d, "id"))) {
		json_decref(d);
		return seam_errorf(err, SEAM_UPSTREAM, "%s: GET %s: the answer is not a record",
				   seam_upstream_name(u), path);
	}
	*rec = d;
	return SEAM_OK;
}

/* ---- subscriptions ---- */

char *seam_erp_resource_path(seam_upstream_t *u, const char *company, seam_erp_resource_e r,
			     char *out, size_t cap)
{
	const char *base = u ? seam_upstream_base_url(u) : NULL, *p;
	if (!base || !valid_key(company) || (unsigned)r > SEAM_ERP_SALES_PRICES)
		return NULL;
	/* the path part of the base URL: after "scheme://host[:port]" */
	p = strstr(base, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	int n = snprintf(out, cap, "%s/companies(%s)/%s", p ? p : "", company,
			 seam_erp_resource_name(r));
	return n > 0 && (size_t)n < cap ? out : NULL;
}

static seam_err_t subscription_body(const char *url, const char *resource, const char *state,
				    char **text, seam_error_t *err)
{
	json_t *b = json_pack("{s:s, s:s}", "notificationUrl", url ? url : "", "resource",
			      resource ? resource : "");
	if (b && state)
		json_object_set_new(b, "clientState", json_string(state));
	*text = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	return *text ? SEAM_OK : seam_errorf(err, SEAM_NOMEM, "out of memory");
}

static seam_err_t expect_subscription(seam_upstream_t *u, const char *what, json_t *d,
				      json_t **sub, seam_error_t *err)
{
	if (!json_is_object(d) || !json_is_string(json_object_get(d, "subscriptionId"))) {
		json_decref(d);
		return seam_errorf(err, SEAM_UPSTREAM, "%s: %s subscriptions: no subscription in the answer",
				   seam_upstream_name(u), what);
	}
	if (sub)
		*sub = d;
	else
		json_decref(d);
	return SEAM_OK;
}

seam_err_t seam_erp_subscribe(seam_upstream_t *u, const char *cid, const char *notification_url,
			      const char *resource, const char *client_state, json_t **sub,
			      seam_erp_outcome_t *oc, seam_error_t *err)
{
	char *body = NULL;
	json_t *d = NULL;
	seam_err_t rc;
	seam__erp_outcome_clear(oc);
	if (sub)
		*sub = NULL;
	if (!u || !notification_url || !*notification_url || !resource || !*resource)
		return seam_errorf(err, SEAM_INVAL, "erp subscribe: notification URL and resource are required");
	if ((rc = subscription_body(notification_url, resource, client_state, &body, err)) != SEAM_OK)
		return rc;
	seam__erp_req_t req = {.method = "POST", .path = "/subscriptions", .body = body};
	rc = seam__erp_exchange(u, cid, &req, &d, oc, err);
	free(body);
	return rc == SEAM_OK ? expect_subscription(u, "POST", d, sub, err) : rc;
}

seam_err_t seam_erp_renew(seam_upstream_t *u, const char *cid, const char *id, const char *etag,
			  const char *notification_url, const char *resource,
			  const char *client_state, json_t **sub, seam_erp_outcome_t *oc,
			  seam_error_t *err)
{
	char path[192], *body = NULL;
	json_t *d = NULL;
	seam_err_t rc;
	seam__erp_outcome_clear(oc);
	if (sub)
		*sub = NULL;
	if (!u || !valid_sub_id(id))
		return seam_errorf(err, SEAM_INVAL, "erp renew: bad subscription id");
	if ((rc = subscription_body(notification_url, resource, client_state, &body, err)) != SEAM_OK)
		return rc;
	snprintf(path, sizeof path, "/subscriptions('%s')", id);
	seam__erp_req_t req = {.method = "PATCH", .path = path, .body = body,
			       .if_match = etag && *etag ? etag : "*",
			       .how = SEAM__ERP_NOTFOUND_IS_NOTFOUND};
	rc = seam__erp_exchange(u, cid, &req, &d, oc, err);
	free(body);
	return rc == SEAM_OK ? expect_subscription(u, "PATCH", d, sub, err) : rc;
}

seam_err_t seam_erp_subscriptions(seam_upstream_t *u, const char *cid, json_t **list,
				  seam_erp_outcome_t *oc, seam_error_t *err)
{
	json_t *d = NULL;
	seam_err_t rc;
	seam__erp_outcome_clear(oc);
	*list = NULL;
	if (!u)
		return seam_errorf(err, SEAM_INVAL, "erp subscriptions: no upstream");
	seam__erp_req_t req = {.method = "GET", .path = "/subscriptions"};
	if ((rc = seam__erp_exchange(u, cid, &req, &d, oc, err)) != SEAM_OK)
		return rc;
	json_t *v = json_object_get(d, "value");
	if (!json_is_array(v)) {
		json_decref(d);
		return seam_errorf(err, SEAM_UPSTREAM, "%s: GET subscriptions: no value list",
				   seam_upstream_name(u));
	}
	*list = json_incref(v);
	json_decref(d);
	return SEAM_OK;
}

seam_err_t seam_erp_unsubscribe(seam_upstream_t *u, const char *cid, const char *id,
				const char *etag, seam_erp_outcome_t *oc, seam_error_t *err)
{
	char path[192];
	json_t *d = NULL;
	seam__erp_outcome_clear(oc);
	if (!u || !valid_sub_id(id))
		return seam_errorf(err, SEAM_INVAL, "erp unsubscribe: bad subscription id");
	snprintf(path, sizeof path, "/subscriptions('%s')", id);
	seam__erp_req_t req = {.method = "DELETE", .path = path, .if_match = etag && *etag ? etag : "*",
			       .how = SEAM__ERP_NOTFOUND_IS_NOTFOUND};
	seam_err_t rc = seam__erp_exchange(u, cid, &req, &d, oc, err);
	json_decref(d);
	return rc == SEAM_NOTFOUND ? SEAM_OK : rc;
}

/* ---- notifications ---- */

seam_err_t seam_erp_notification_verify(const json_t *doc, const char *const *secrets,
					size_t nsecrets, seam_webhook_sig_t *out,
					seam_error_t *err)
{
	const json_t *items = json_object_get(doc, "value"), *it;
	size_t i, usable = 0;
	seam_webhook_sig_init(out);
	for (size_t k = 0; k < nsecrets; k++)
		usable += secrets[k] && *secrets[k];
	if (!usable) {
		if (out)
			out->reason = SEAM_WHSIG_NO_SECRET;
		return seam_errorf(err, SEAM_CONFIG, "no clientState is configured for ERP notifications");
	}
	if (!json_is_array(items) || json_array_size(items) == 0) {
		if (out)
			out->reason = SEAM_WHSIG_MALFORMED_PAYLOAD;
		return seam_errorf(err, SEAM_AUTH, "the body is not {\"value\": [notifications]}");
	}
	json_array_foreach(items, i, it) {
		const char *cs = json_string_value(json_object_get(it, "clientState"));
		int match = -1;
		size_t len = cs ? strlen(cs) : 0;
		for (size_t k = 0; cs && k < nsecrets; k++) {
			if (!secrets[k] || strlen(secrets[k]) != len)
				continue;
			if (seam_ct_equal(cs, secrets[k], len) && match < 0)
				match = (int)k;
		}
		if (match < 0) {
			if (out)
				out->reason = cs ? SEAM_WHSIG_BAD_SIGNATURE : SEAM_WHSIG_MISSING_SIGNATURE;
			return seam_errorf(err, SEAM_AUTH, "notification %zu: %s", i,
					   cs ? "the clientState is not the one seam subscribed with"
					      : "no clientState");
		}
		if (out)
			out->secret_index = match;
	}
	return SEAM_OK;
}

seam_err_t seam_erp_notification_split(const seam_webhook_delivery_t *d, const json_t *doc,
				       seam_webhook_events_t *out, seam_error_t *err)
{
	const json_t *items = json_object_get(doc, "value");
	size_t n = json_array_size(items);
	seam_err_t rc;
	(void)d;
	if ((rc = seam_webhook_events_init(out, n, err)) != SEAM_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const json_t *it = json_array_get(items, i);
		const char *sub = json_string_value(json_object_get(it, "subscriptionId"));
		const char *res = json_string_value(json_object_get(it, "resource"));
		const char *type = json_string_value(json_object_get(it, "changeType"));
		const char *at = json_string_value(json_object_get(it, "lastModifiedDateTime"));
		if (!sub || !res || !type || !at) {
			seam_webhook_events_dispose(out);
			out->quarantine = "missing_resource_or_change_type";
			return SEAM_OK;
		}
		seam_webhook_event_t *ev = &out->items[out->n++];
		int len = snprintf(ev->idbuf, sizeof ev->idbuf, "%s|%s|%s|%s", sub, res, at, type);
		if (len < 0 || (size_t)len >= sizeof ev->idbuf) {
			/* a long collection filter: its hash is the identity */
			char hex[65], *whole = NULL;
			if (asprintf(&whole, "%s|%s|%s|%s", sub, res, at, type) < 0) {
				seam_webhook_events_dispose(out);
				return seam_errorf(err, SEAM_NOMEM, "out of memory");
			}
			seam_sha256_hex(whole, strlen(whole), hex);
			free(whole);
			snprintf(ev->idbuf, sizeof ev->idbuf, "erp:%s", hex);
		}
		ev->id = ev->idbuf;
		ev->type = type;
		ev->doc = it;
		if (!(ev->body = json_dumps(it, JSON_COMPACT))) {
			seam_webhook_events_dispose(out);
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		}
	}
	return SEAM_OK;
}

/* Decodes %XX (and '+' stays) into out; -1 when it does not fit. */
static int pct_decode(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s; s++) {
		char c = *s;
		if (c == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hx[3] = {s[1], s[2], 0};
			c = (char)strtol(hx, NULL, 16);
			s += 2;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Reads "name(key)" at p into key; returns the end, or NULL. */
static const char *keyed(const char *p, const char *name, char *key, size_t cap)
{
	size_t n = strlen(name);
	if (strncmp(p, name, n) || p[n] != '(')
		return NULL;
	p += n + 1;
	const char *e = strchr(p, ')');
	if (!e || (size_t)(e - p) >= cap || e == p)
		return NULL;
	memcpy(key, p, (size_t)(e - p));
	key[e - p] = '\0';
	return valid_key(key) ? e + 1 : NULL;
}

int seam_erp_notice_parse(const char *resource, seam_erp_notice_t *out)
{
	char buf[1024];
	const char *p;
	memset(out, 0, sizeof *out);
	if (!resource || pct_decode(resource, buf, sizeof buf) != 0)
		return -1;
	if (!(p = strstr(buf, "companies(")))
		return -1;
	if (!(p = keyed(p, "companies", out->company, sizeof out->company)) || *p != '/')
		return -1;
	p++;
	for (int r = SEAM_ERP_ITEMS; r <= SEAM_ERP_SALES_PRICES; r++) {
		const char *name = seam_erp_resource_name((seam_erp_resource_e)r);
		size_t n = strlen(name);
		if (strncmp(p, name, n))
			continue;
		out->resource = (seam_erp_resource_e)r;
		if (p[n] == '(') {
			const char *e = keyed(p, name, out->id, sizeof out->id);
			return e && (!*e || *e == '?') ? 0 : -1;
		}
		if (p[n] == '?') {
			/* a collection: $filter=lastModifiedDateTime gt <time> */
			const char *f = strstr(p + n, "lastModifiedDateTime gt ");
			if (!f)
				return -1;
			f += strlen("lastModifiedDateTime gt ");
			size_t len = strcspn(f, " &)'");
			if (len == 0 || len >= sizeof out->since)
				return -1;
			memcpy(out->since, f, len);
			out->since[len] = '\0';
			return seam_erp_time_ms(out->since) >= 0 ? 0 : -1;
		}
		if (!p[n]) {
			snprintf(out->since, sizeof out->since, "1970-01-01T00:00:00Z");
			return 0;
		}
		return -1;
	}
	return -1;
}

/* ---- values ---- */

int seam_erp_decimal(const json_t *v, char *out, size_t cap)
{
	if (json_is_integer(v)) {
		int n = snprintf(out, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return n > 0 && (size_t)n < cap ? 0 : -1;
	}
	if (json_is_real(v))
		return seam_money_real_text(json_real_value(v), out, cap);
	if (json_is_string(v))
		return seam__erp_decimal_text(json_string_value(v), out, cap);
	return -1;
}

int64_t seam_erp_time_ms(const char *s)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec, n = 0;
	int64_t ms = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		int digits = 0;
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
			digits++;
			p++;
		}
		for (; digits < 3; digits++)
			ms *= 10;
	}
	int off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6)
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -1;
	}
	/* before 1970 (BC writes 0001-01-01 for "none") is no time a change happened at */
	if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	int64_t v = ((int64_t)t - off) * 1000 + ms;
	return v < 0 ? -1 : v;
}
