/*
 * api_contracts.c: request validation against the route's contract, and the registry over HTTP
 * (see api_contracts.h).
 */
#include "api/api_contracts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "contract/registry.h"
#include "core/crypto.h"

void seam_api_invalid_body(seam_http_req_t *req, const char *contract, json_t *errors)
{
	char detail[768];
	size_t n = json_array_size(errors), len = 0;
	/* The first errors in the detail, so a person reading a log line or a curl answer sees
	 * what is wrong without parsing the array. */
	len = (size_t)snprintf(detail, sizeof detail, "the body breaks %s: ",
			       contract ? contract : "the route's rules");
	for (size_t i = 0; i < n && i < 3 && len < sizeof detail; i++) {
		json_t *e = json_array_get(errors, i);
		const char *ptr = json_string_value(json_object_get(e, "pointer"));
		len += (size_t)snprintf(detail + len, sizeof detail - len, "%s%s: %s (%s)",
					i ? "; " : "", ptr && *ptr ? ptr : "(body)",
					json_string_value(json_object_get(e, "detail")),
					json_string_value(json_object_get(e, "keyword")));
	}
	if (n > 3 && len < sizeof detail)
		snprintf(detail + len, sizeof detail - len, "; and %zu more", n - 3);
	seam_http_problem(req, 422, "invalid-body", "Invalid body",
			  contract ? json_pack("{s:s, s:o}", "contract", contract, "errors", errors)
				   : json_pack("{s:o}", "errors", errors),
			  "%s", detail);
}

int seam_api_before(seam_http_req_t *req, const seam_route_t *route, void *ud)
{
	const seam_api_t *api = ud;
	const seam_contract_t *c;
	const json_t *doc;
	json_t *basic = NULL;
	int answered = 1;
	if (!route->request || (route->flags & SEAM_ROUTE_RAW_BODY))
		return 0;
	c = api->contracts ? seam_contracts_find(api->contracts, route->request) : NULL;
	if (!c) {
		/* A route table that names a contract the build does not have: refuse rather than
		 * let an unchecked body through. */
		seam_log_error(seam_http_log(req), "api", seam_http_cid(req),
			       "route %s %s names contract %s, which the registry does not hold",
			       route->method, route->pattern, route->request);
		seam_http_problem(req, 500, "internal", "Internal error", NULL,
				  "the request contract %s is missing from this build", route->request);
		return 1;
	}
	/* Parsed once for the request (seam_http_body_doc): a handler that only reads the body
	 * takes the same document; one that changes it parses its own copy (seam_http_body_json),
	 * so the handlers stay callable without the hook (unit tests of api_jobs.c). */
	if (!(doc = seam_http_body_doc(req)))
		return 1; /* 400 bad-json, answered */
	if (seam_contract_validate(c, doc, &basic))
		answered = 0;
	else
		seam_api_invalid_body(req, c->ref, seam_contract_errors_public(basic));
	json_decref(basic);
	return answered;
}

/* --- the registry --------------------------------------------------------------------- */

static const char *compat_name(seam_compat_e m)
{
	switch (m) {
	case SEAM_COMPAT_BACKWARD:
		return "backward";
	case SEAM_COMPAT_FORWARD:
		return "forward";
	case SEAM_COMPAT_FULL:
		return "full";
	case SEAM_COMPAT_NONE:
		break;
	}
	return "none";
}

static json_t *formats_json(uint32_t bits)
{
	json_t *a = json_array();
	for (int f = 0; f < SEAM__FORMAT_COUNT; f++)
		if (bits & SEAM_FORMAT_BIT(f))
			json_array_append_new(a, json_string(seam_schema_format_name(f)));
	return a;
}

static json_t *contract_json(const seam_contracts_t *reg, const seam_contract_t *c)
{
	char self[256], latest[256];
	const seam_contract_t *l = seam_contracts_find(reg, c->name);
	snprintf(self, sizeof self, "/v1/contracts/%s/v%d", c->name, c->version);
	snprintf(latest, sizeof latest, "/v1/contracts/%s/v%d", c->name, l ? l->version : c->version);
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s, s:b, s:{s:s, s:s}}",
			 "name", c->name, "version", c->version, "ref", c->ref, "path",
			 c->path ? c->path : "", "owner", c->owner ? c->owner : "", "description",
			 c->description ? c->description : "", "compatibility",
			 compat_name(c->compat), "transitive", c->transitive, "formats",
			 formats_json(c->assert_formats), "enforced",
			 c->enforced ? c->enforced : "", "latest", c->latest, "links", "self",
			 self, "latest", latest);
}

static int registry_or_500(seam_http_req_t *req, const seam_api_t *api)
{
	if (api->contracts)
		return 0;
	seam_http_problem(req, 500, "internal", "Internal error", NULL,
			  "no contract registry in this process");
	return -1;
}

void seam_api_contracts_list(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	if (registry_or_500(req, api) != 0)
		return;
	json_t *items = json_array();
	for (size_t i = 0, n = seam_contracts_count(api->contracts); i < n; i++)
		json_array_append_new(items,
				      contract_json(api->contracts, seam_contracts_at(api->contracts, i)));
	seam_http_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

/* RFC 9110 13.1.2: If-None-Match is "*" or a list of entity tags, compared weakly. */
static int etag_matches(const char *inm, const char *etag)
{
	size_t el = strlen(etag);
	for (const char *p = inm; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, el) == 0 && (p[el] == '\0' || p[el] == ',' || p[el] == ' ' ||
						  p[el] == '\t'))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

void seam_api_contracts_show(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	const char *name = seam_http_param(req, "name"), *ver = seam_http_param(req, "version");
	const char *inm = seam_http_header(req, "If-None-Match");
	char ref[256], hex[2 * SEAM_SHA256_LEN + 1], etag[40], *text = NULL, *end;
	const seam_contract_t *c = NULL;
	long v;
	if (registry_or_500(req, api) != 0)
		return;
	v = strtol(ver + (ver[0] == 'v'), &end, 10);
	if (*end == '\0' && v > 0 && v < 100000 && end != ver + (ver[0] == 'v')) {
		snprintf(ref, sizeof ref, "%s@v%ld", name, v);
		c = seam_contracts_find(api->contracts, ref);
	}
	if (!c) {
		seam_http_problem(req, 404, "not-found", "Not found", NULL,
				  "no contract %s version %s (GET /v1/contracts lists them)", name, ver);
		return;
	}
	text = json_dumps(c->doc, JSON_INDENT(2));
	if (!text) {
		seam_http_problem(req, 500, "internal", "Internal error", NULL,
				  "cannot serialise contract %s", c->ref);
		return;
	}
	seam_sha256_hex(text, strlen(text), hex);
	snprintf(etag, sizeof etag, "\"%.32s\"", hex);
	seam_http_set_header(req, "ETag", etag);
	seam_http_set_header(req, "Cache-Control", "no-cache");
	if (inm && etag_matches(inm, etag))
		seam_http_reply(req, 304, NULL, NULL, 0);
	else
		seam_http_reply(req, 200, "application/schema+json", text, strlen(text));
	free(text);
}
