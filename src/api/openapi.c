/*
 * openapi.c: the OpenAPI 3.1 document, built from the route table and the registry (see
 * openapi.h for the rules).
 */
#include "api/openapi.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_resources.h"
#include "auth/scopes.h"
#include "core/version.h"

#define COMP_PREFIX "#/components/schemas/"
#define PROBLEM_REF "rest.problem@v1"

/* The problem+json answers, shared by every operation that can give them. */
static const struct {
	int status;
	const char *name, *description;
} problems[] = {
	{400, "BadRequest", "Malformed request: a body that is not JSON (with line and column), a "
			    "bad query parameter, or bad HTTP framing."},
	{401, "Unauthorized", "No valid API key (answered with WWW-Authenticate: Bearer); on a "
			      "webhook, a signature that does not verify or is stale."},
	{403, "Forbidden", "The API key lacks the scope the operation needs."},
	{404, "NotFound", "No such resource (or store, or webhook source)."},
	{409, "Conflict", "The resource's state does not allow this, or a request with the same "
			  "Idempotency-Key is still in flight."},
	{413, "ContentTooLarge", "The body is over http.body_limit."},
	{422, "InvalidBody", "The body breaks the operation's request contract: `errors` lists "
			     "every violation as {pointer, keyword, detail}."},
	{500, "InternalError", "A failure inside seam; the log line carries the correlation_id."},
	{503, "Unavailable", "Draining on SIGTERM, the store busy, or not ready (with Retry-After)."},
};
#define NPROBLEMS (sizeof problems / sizeof problems[0])

/* What the route table does not say: answers that are not a JSON contract. */
static const struct {
	const char *method, *pattern, *media, *schema_type;
} media[] = {
	{"GET", "/metrics", "text/plain", "string"},
	{"GET", "/openapi.json", "application/json", "object"},
	{"GET", "/v1/contracts/{name}/{version}", "application/schema+json", "object"},
};

/* GET routes that answer with an ETag and honour If-None-Match (304). */
static const char *const conditional[] = {
	"/v1/contracts/{name}/{version}", "/v1/orders/{id}", "/v1/orders/{id}/timeline",
	"/v1/payments/{id}", "/v1/jobs/{id}", "/v1/dead-letters/{id}",
};

static const struct {
	const char *name, *description;
} tags[] = {
	{"service", "Service information, health, readiness, metrics and this document (open)."},
	{"whoami", "The API key itself."},
	{"jobs", "Durable jobs: list, show, retry, cancel."},
	{"dead-letters", "Jobs that ran out of attempts, and their replay."},
	{"flows", "Flows and their kill switches."},
	{"contracts", "The contract registry: every schema seam checks payloads against."},
	{"webhooks", "Signed inbound events (Stripe, Adyen, Standard Webhooks, the storefront); "
		     "authenticated by their signature, not by an API key."},
};

typedef struct build {
	const seam_contracts_t *reg;
	json_t *schemas;               /* components/schemas */
	/* The work list of components: every contract a route or a copied schema refers to, in
	 * the order first wanted. copy_schemas walks it while it grows (a copied schema's $refs
	 * append what they need), so each contract is copied once and cycles end. */
	const seam_contract_t **wanted;
	size_t nwanted, cap_wanted;
	seam_error_t *err;
	int failed;
} build_t;

void seam_openapi_component_name(const char *ref, char *out, size_t cap)
{
	snprintf(out, cap, "%s", ref);
	for (char *p = out; *p; p++)
		if (*p == '@')
			*p = '.';
}

/* --- URIs (RFC 3986 section 5.2, enough for the registry's documents) ------------------ */

/* Length of "scheme:" or "scheme://authority" at the start of u; 0 when u has no scheme. */
static size_t uri_prefix(const char *u)
{
	const char *p = u;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (p == u || *p != ':')
		return 0;
	p++;
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		while (*p && *p != '/' && *p != '?' && *p != '#')
			p++;
	}
	return (size_t)(p - u);
}

/* ref (no fragment) resolved against base (absolute, no fragment) into out. */
static void uri_resolve(const char *base, const char *ref, char *out, size_t cap)
{
	char path[1024], *seg[128];
	size_t bp = uri_prefix(base), nseg = 0, len;
	if (uri_prefix(ref)) {
		snprintf(out, cap, "%s", ref);
		return;
	}
	if (ref[0] == '/') {
		snprintf(path, sizeof path, "%s", ref);
	} else {
		const char *slash = strrchr(base + bp, '/');
		size_t dir = slash ? (size_t)(slash - (base + bp)) + 1 : 0;
		snprintf(path, sizeof path, "%.*s%s", (int)dir, base + bp, ref);
	}
	/* remove_dot_segments */
	int absolute = path[0] == '/';
	for (char *save = NULL, *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (strcmp(s, ".") == 0)
			continue;
		if (strcmp(s, "..") == 0) {
			if (nseg)
				nseg--;
			continue;
		}
		if (nseg < sizeof seg / sizeof seg[0])
			seg[nseg++] = s;
	}
	len = (size_t)snprintf(out, cap, "%.*s%s", (int)bp, base, absolute ? "/" : "");
	for (size_t i = 0; i < nseg && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "/" : "", seg[i]);
}

static const char *doc_base(const seam_contract_t *c)
{
	const char *id = json_string_value(json_object_get(c->doc, "$id"));
	return id && uri_prefix(id) ? id : c->uri;
}

static const seam_contract_t *find_by_uri(const seam_contracts_t *reg, const char *uri)
{
	for (size_t i = 0, n = seam_contracts_count(reg); i < n; i++) {
		const seam_contract_t *c = seam_contracts_at(reg, i);
		if (strcmp(c->uri, uri) == 0 || strcmp(doc_base(c), uri) == 0)
			return c;
	}
	return NULL;
}

/* --- schemas ---------------------------------------------------------------------------- */

/* Appends "/" and key, escaped as a JSON pointer token (RFC 6901), at out[len]. */
static size_t pointer_push(char *out, size_t cap, size_t len, const char *key)
{
	if (len + 1 < cap)
		out[len++] = '/';
	for (const char *k = key; *k && len + 2 < cap; k++) {
		if (*k == '~' || *k == '/') {
			out[len++] = '~';
			out[len++] = *k == '~' ? '0' : '1';
		} else {
			out[len++] = *k;
		}
	}
	out[len < cap ? len : cap - 1] = '\0';
	return len;
}

/* The JSON pointer of the subschema of doc with "$anchor": name, into out; 0 when found. */
static int find_anchor(const json_t *doc, const char *name, char *out, size_t cap, size_t len)
{
	const char *key, *anchor;
	json_t *v;
	size_t i;
	char idx[24];
	if (json_is_object(doc)) {
		anchor = json_string_value(json_object_get(doc, "$anchor"));
		if (anchor && strcmp(anchor, name) == 0)
			return 0;
		json_object_foreach((json_t *)doc, key, v)
			if (find_anchor(v, name, out, cap, pointer_push(out, cap, len, key)) == 0)
				return 0;
	} else if (json_is_array(doc)) {
		json_array_foreach(doc, i, v) {
			snprintf(idx, sizeof idx, "%zu", i);
			if (find_anchor(v, name, out, cap, pointer_push(out, cap, len, idx)) == 0)
				return 0;
		}
	}
	out[len < cap ? len : cap - 1] = '\0';
	return -1;
}

__attribute__((format(printf, 2, 3)))
static int fail(build_t *b, const char *fmt, ...)
{
	va_list ap;
	if (!b->failed) {
		va_start(ap, fmt);
		seam_verrorf(b->err, SEAM_CONFIG, fmt, ap);
		va_end(ap);
	}
	b->failed = 1;
	return -1;
}

/* Puts contract c into components/schemas (once; copied later) and writes its $ref. */
static int want(build_t *b, const seam_contract_t *c, char *ref, size_t cap)
{
	char comp[256];
	seam_openapi_component_name(c->ref, comp, sizeof comp);
	if (ref)
		snprintf(ref, cap, COMP_PREFIX "%s", comp);
	if (json_object_get(b->schemas, comp))
		return 0;
	if (b->nwanted == b->cap_wanted) {
		size_t ncap = b->cap_wanted ? 2 * b->cap_wanted : 16;
		const seam_contract_t **t = realloc(b->wanted, ncap * sizeof *t);
		if (!t)
			return fail(b, "out of memory");
		b->wanted = t;
		b->cap_wanted = ncap;
	}
	b->wanted[b->nwanted++] = c;
	json_object_set_new(b->schemas, comp, json_null()); /* reserved: copy_schemas fills it */
	return 0;
}

/* A top-level $defs entry becomes a component of its own ("rest.job.v1.attempt"): client
 * generators make a type of each component, while $defs kept inside one turn into a member of
 * its type. Only names a component may carry (A-Z a-z 0-9 . _ -) are moved. */
static int hoistable(const char *name, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
			return 0;
	return 1;
}

/* The component $ref of pointer ptr inside the contract whose component is comp. */
static void component_ref(const char *comp, const char *ptr, char *out, size_t cap)
{
	if (strncmp(ptr, "/$defs/", 7) == 0) {
		const char *name = ptr + 7, *end = strchr(name, '/');
		size_t len = end ? (size_t)(end - name) : strlen(name);
		if (hoistable(name, len)) {
			snprintf(out, cap, COMP_PREFIX "%s.%.*s%s", comp, (int)len, name, end ? end : "");
			return;
		}
	}
	snprintf(out, cap, COMP_PREFIX "%s%s", comp, ptr);
}

/* A $ref value of contract c rewritten to the component it names. */
static int rewrite_ref(build_t *b, const seam_contract_t *c, json_t *holder, const char *key)
{
	const char *r = json_string_value(json_object_get(holder, key));
	char uri[1024], ptr[1024] = "", out[1536], comp[256];
	const char *hash = strchr(r, '#');
	const seam_contract_t *t = c;
	if (hash != r) {
		char part[1024];
		snprintf(part, sizeof part, "%.*s", (int)(hash ? hash - r : (long)strlen(r)), r);
		uri_resolve(doc_base(c), part, uri, sizeof uri);
		if (!(t = find_by_uri(b->reg, uri)))
			return fail(b, "contract %s: $ref %s names no contract of the registry", c->ref, r);
	}
	if (hash && hash[1] && hash[1] != '/') {
		if (find_anchor(t->doc, hash + 1, ptr, sizeof ptr, 0) != 0)
			return fail(b, "contract %s: $ref %s names no $anchor", c->ref, r);
	} else if (hash) {
		snprintf(ptr, sizeof ptr, "%s", hash + 1);
	}
	if (want(b, t, NULL, 0) != 0)
		return -1;
	seam_openapi_component_name(t->ref, comp, sizeof comp);
	component_ref(comp, ptr, out, sizeof out);
	json_object_set_new(holder, key, json_string(out));
	return 0;
}

/* Rewrites every $ref under v (a copy of c's document). Values that are data, not schemas
 * (enum, const, examples, default), are left alone. */
static int rewrite(build_t *b, const seam_contract_t *c, json_t *v)
{
	const char *key;
	json_t *child;
	size_t i;
	if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			if (rewrite(b, c, child) != 0)
				return -1;
		return 0;
	}
	if (!json_is_object(v))
		return 0;
	json_object_foreach(v, key, child) {
		if (strcmp(key, "enum") == 0 || strcmp(key, "const") == 0 ||
		    strcmp(key, "examples") == 0 || strcmp(key, "default") == 0)
			continue;
		if (strcmp(key, "$ref") == 0 && json_is_string(child)) {
			if (rewrite_ref(b, c, v, key) != 0)
				return -1;
		} else if (rewrite(b, c, child) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Copies every wanted contract (and, through their $refs, what they need). */
static int copy_schemas(build_t *b)
{
	char comp[256];
	for (size_t i = 0; i < b->nwanted; i++) {
		const seam_contract_t *c = b->wanted[i];
		json_t *copy = json_deep_copy(c->doc);
		if (!copy)
			return fail(b, "out of memory");
		if (json_is_object(copy)) {
			json_object_del(copy, "$schema");
			json_object_del(copy, "$id");
			json_object_set_new(copy, "x-seam-contract", json_string(c->ref));
		}
		if (rewrite(b, c, copy) != 0) {
			json_decref(copy);
			return -1;
		}
		seam_openapi_component_name(c->ref, comp, sizeof comp);
		/* Its $defs out into components of their own (the $refs already point there). */
		json_t *defs = json_object_get(copy, "$defs"), *def;
		const char *name;
		void *tmp;
		json_object_foreach_safe(defs, tmp, name, def) {
			char dcomp[400];
			if (!hoistable(name, strlen(name)))
				continue;
			snprintf(dcomp, sizeof dcomp, "%s.%s", comp, name);
			if (json_is_object(def) && !json_object_get(def, "x-seam-contract")) {
				char from[400];
				snprintf(from, sizeof from, "%s#/$defs/%s", c->ref, name);
				json_object_set_new(def, "x-seam-contract", json_string(from));
			}
			json_object_set(b->schemas, dcomp, def);
			json_object_del(defs, name);
		}
		if (defs && json_object_size(defs) == 0)
			json_object_del(copy, "$defs");
		json_object_set_new(b->schemas, comp, copy);
	}
	return 0;
}

static json_t *schema_ref(build_t *b, const char *contract, const seam_route_t *r)
{
	char ref[300];
	const seam_contract_t *c = seam_contracts_find(b->reg, contract);
	if (!c) {
		char what[300];
		snprintf(what, sizeof what, "%s %s", r->method, r->pattern);
		fail(b, "route %s names contract %s, which the registry does not hold", what,
		     contract);
		return NULL;
	}
	if (want(b, c, ref, sizeof ref) != 0)
		return NULL;
	return json_pack("{s:s}", "$ref", ref);
}

/* --- operations ------------------------------------------------------------------------- */

/* "GET" "/v1/dead-letters/{id}/replay" -> "postDeadLettersByIdReplay". */
static void operation_id(const seam_route_t *r, char *out, size_t cap)
{
	size_t len = 0;
	const char *p = r->pattern;
	int words = 0;
	for (const char *m = r->method; *m && len + 1 < cap; m++)
		out[len++] = (char)tolower((unsigned char)*m);
	if (strncmp(p, "/v1/", 4) == 0 || strcmp(p, "/v1") == 0)
		p += 3;
	while (*p && len + 3 < cap) {
		int up = 1;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		if (*p == '{') {
			memcpy(out + len, "By", 2);
			len += 2;
			p++;
		}
		for (; *p && *p != '/' && len + 1 < cap; p++) {
			if (*p == '}')
				continue;
			if (!isalnum((unsigned char)*p)) {
				up = 1;
				continue;
			}
			out[len++] = up ? (char)toupper((unsigned char)*p) : *p;
			up = 0;
		}
		words++;
	}
	if (!words && len + 4 < cap) {
		memcpy(out + len, "Root", 4);
		len += 4;
	}
	out[len] = '\0';
}

static void tag_of(const char *pattern, char *out, size_t cap)
{
	if (strncmp(pattern, "/webhooks/", 10) == 0) {
		snprintf(out, cap, "webhooks");
	} else if (strncmp(pattern, "/v1/", 4) == 0 && pattern[4] && pattern[4] != '{') {
		const char *end = strchr(pattern + 4, '/');
		snprintf(out, cap, "%.*s", (int)(end ? end - (pattern + 4) : (long)strlen(pattern + 4)),
			 pattern + 4);
	} else {
		snprintf(out, cap, "service");
	}
}

static json_t *path_params(const char *pattern)
{
	json_t *a = json_array();
	for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
		const char *e = strchr(p, '}');
		char name[64];
		if (!e)
			break;
		snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:{s:s, s:i}}", "name", name, "in",
						   "path", "required", 1, "schema", "type", "string",
						   "minLength", 1));
	}
	return a;
}

#ifdef SEAM_ROUTE_IDEMPOTENT
/* The Idempotency-Key header parameter: one shape, required or optional. */
static json_t *idem_key_param(int required, const char *description)
{
	return json_pack("{s:s, s:s, s:b, s:s, s:{s:s, s:i, s:i}}", "name", "Idempotency-Key",
			 "in", "header", "required", required, "description", description,
			 "schema", "type", "string", "minLength", 1, "maxLength", 255);
}
#endif

static void add_problem(json_t *responses, int status)
{
	char code[8], ref[96];
	for (size_t i = 0; i < NPROBLEMS; i++) {
		if (problems[i].status != status)
			continue;
		snprintf(code, sizeof code, "%d", status);
		snprintf(ref, sizeof ref, "#/components/responses/%s", problems[i].name);
		json_object_set_new(responses, code, json_pack("{s:s}", "$ref", ref));
	}
}

/* The problem answers of route r (openapi.h has the rules). */
/* The query parameters of a list route, from its definition (api/resource.h): limit, cursor,
 * then each filter of its table (enums as enums), then what the handler reads itself. */
static void list_params(json_t *params, const seam_api_list_def_t *d)
{
	json_array_append_new(params,
			      json_pack("{s:s, s:s, s:b, s:s, s:{s:s, s:i, s:i, s:i}}", "name",
					"limit", "in", "query", "required", 0, "description",
					"Items per page.", "schema", "type", "integer", "minimum", 1,
					"maximum", d->limit_max, "default", d->limit_default));
	json_array_append_new(params,
			      json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", "cursor", "in",
					"query", "required", 0, "description",
					"Opaque: the cursor of the previous page's `next` link (follow "
					"`next` as given).",
					"schema", "type", "string"));
	for (size_t i = 0; i < d->nfilters; i++) {
		const seam_api_filter_t *f = &d->filters[i];
		json_t *schema = json_pack("{s:s, s:i, s:i}", "type", "string", "minLength", 1,
					   "maxLength", 200);
		if (f->kind == SEAM_API_FILTER_ENUM) {
			json_t *e = json_array();
			for (const char *const *v = f->values; *v; v++)
				json_array_append_new(e, json_string(*v));
			json_object_set_new(schema, "enum", e);
		}
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", f->name,
							"in", "query", "required", 0,
							"description", f->help ? f->help : f->name,
							"schema", schema));
	}
	for (const char *const *x = d->extra; x && *x; x++)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", *x,
							"in", "query", "required", 0, "description",
							"The older paging form (next_before).", "schema",
							"type", "string"));
}

static json_t *responses_of(const seam_route_t *r, int webhook, json_t *ok)
{
	int scoped = r->scope && !(r->flags & SEAM_ROUTE_OPEN);
	int unsafe = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
	int has_body = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
		       strcmp(r->method, "PATCH") == 0;
	json_t *responses = json_pack("{s:o}", "200", ok);
	add_problem(responses, 400);
	if (scoped || webhook)
		add_problem(responses, 401);
	if (scoped && strcmp(r->scope, SEAM_SCOPE_ANY_KEY) != 0)
		add_problem(responses, 403);
	if (strchr(r->pattern, '{'))
		add_problem(responses, 404);
	if (unsafe && strncmp(r->pattern, "/v1/", 4) == 0)
		add_problem(responses, 409);
	if (has_body)
		add_problem(responses, 413);
	if (r->request && !(r->flags & SEAM_ROUTE_RAW_BODY))
		add_problem(responses, 422);
	add_problem(responses, 500);
	add_problem(responses, 503);
	return responses;
}

static json_t *operation(build_t *b, const seam_route_t *r, const char *tag)
{
	char opid[128];
	int webhook = strcmp(tag, "webhooks") == 0;
	int scoped = r->scope && !(r->flags & SEAM_ROUTE_OPEN);
	json_t *op = NULL, *ok, *security, *params, *body = NULL, *s;

	operation_id(r, opid, sizeof opid);
	/* 200: the response contract, or what the media table says. */
	ok = json_pack("{s:s}", "description", r->summary ? r->summary : "OK");
	if (r->response) {
		if (!(s = schema_ref(b, r->response, r)))
			goto out;
		json_object_set_new(ok, "content", json_pack("{s:{s:o}}", "application/json", "schema", s));
	} else {
		for (size_t i = 0; i < sizeof media / sizeof media[0]; i++)
			if (strcmp(media[i].method, r->method) == 0 &&
			    strcmp(media[i].pattern, r->pattern) == 0)
				json_object_set_new(ok, "content",
						    json_pack("{s:{s:{s:s}}}", media[i].media, "schema",
							      "type", media[i].schema_type));
	}
	if (r->request) {
		if (!(s = schema_ref(b, r->request, r)))
			goto out;
		body = json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content", "application/json",
				 "schema", s);
	} else if (webhook) {
		body = json_pack("{s:b, s:s, s:{s:{s:{s:s}}}}", "required", 1, "description",
				 "The provider's event as it signed it (verified before anything "
				 "reads it).",
				 "content", "application/json", "schema", "type", "object");
	}
	if (!scoped)
		security = json_array();
	else if (strcmp(r->scope, SEAM_SCOPE_ANY_KEY) == 0)
		security = json_pack("[{s:[]}]", "bearer");
	else
		security = json_pack("[{s:[s]}]", "bearer", r->scope);
	op = json_pack("{s:s, s:s, s:[s], s:o, s:o}", "operationId", opid, "summary",
		       r->summary ? r->summary : opid, "tags", tag, "security", security, "responses",
		       responses_of(r, webhook, ok));
	ok = NULL;
	if (scoped)
		json_object_set_new(op, "x-seam-scope", json_string(r->scope));
	params = path_params(r->pattern);
#ifdef SEAM_ROUTE_IDEMPOTENT
	/* api/idempotency.h's route flag, where the tree has it: the header such a route needs
	 * (400 without it, 422 when reused with another body, 409 while the first is in flight). */
	if (r->flags & SEAM_ROUTE_IDEMPOTENT) {
		json_array_append_new(params,
				      idem_key_param(1, "A key unique to this operation; a retry with "
							"the same key and body replays the first answer "
							"(IETF httpapi draft)."));
		add_problem(json_object_get(op, "responses"), 422);
	} else if (strcmp(r->method, "GET") != 0 && strncmp(r->pattern, "/v1/", 4) == 0) {
		/* honoured on every unsafe /v1 request, required only where flagged */
		json_array_append_new(params,
				      idem_key_param(0, "Optional here: a retry with the same key and "
							"body replays the first answer instead of acting "
							"again."));
	}
#endif
	if (strcmp(r->method, "GET") == 0 && seam_api_list_def_of(r->pattern))
		list_params(params, seam_api_list_def_of(r->pattern));
	for (size_t i = 0; i < sizeof conditional / sizeof conditional[0]; i++) {
		if (strcmp(r->method, "GET") != 0 || strcmp(conditional[i], r->pattern) != 0)
			continue;
		json_array_append_new(params,
				      json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", "If-None-Match",
						"in", "header", "required", 0, "description",
						"An ETag this operation gave: 304 while it still holds.",
						"schema", "type", "string"));
		json_object_set_new(json_object_get(json_object_get(op, "responses"), "200"), "headers",
				    json_pack("{s:{s:s, s:{s:s}}}", "ETag", "description",
					      "Strong validator of the body.", "schema", "type", "string"));
		json_object_set_new(json_object_get(op, "responses"), "304",
				    json_pack("{s:s}", "description",
					      "Not modified: If-None-Match matched the ETag."));
	}
	if (json_array_size(params))
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (body)
		json_object_set_new(op, "requestBody", body);
out:
	json_decref(ok);
	return op;
}

static const char *info_description =
	"seam's operator API (`/v1`), webhook ingress, health and metrics. Generated at run time "
	"from the route table and the contract registry: every request and response body is a "
	"contract (JSON Schema 2020-12) whose document is also served at "
	"`/v1/contracts/{name}/{version}`.\n\n"
	"Authentication: `Authorization: Bearer <key>` (keys from `seam ctl keys create`); each "
	"operation lists the scope it needs (`x-seam-scope`, and as the OpenAPI 3.1 role of the "
	"bearer requirement). `X:admin` grants `X:read`; `*` grants everything.\n\n"
	"Errors are `application/problem+json` (RFC 9457, schema rest.problem.v1) with a stable "
	"`type` under https://seam.dev/problems/ and the request's `correlation_id`. A body that "
	"breaks the operation's request contract is 422 `invalid-body` with `errors`: "
	"[{pointer, keyword, detail}].";

json_t *seam_openapi_build(const seam_route_t *routes, size_t n, const seam_contracts_t *reg,
			   const char *version, seam_error_t *err)
{
	build_t b = {.reg = reg, .schemas = json_object(), .err = err};
	json_t *doc = NULL, *paths = json_object(), *responses = json_object(), *tagl = json_array();
	json_t *used = json_object(), *problem = NULL;
	char tag[64];

	if (!reg) {
		seam_errorf(err, SEAM_CONFIG, "no contract registry");
		goto out;
	}
	/* The problem shape first: every operation refers to it. */
	if (!(problem = schema_ref(&b, PROBLEM_REF, &(seam_route_t){.method = "(all)",
								     .pattern = "(errors)"})))
		goto out;
	for (size_t i = 0; i < NPROBLEMS; i++)
		json_object_set_new(responses, problems[i].name,
				    json_pack("{s:s, s:{s:{s:O}}}", "description", problems[i].description,
					      "content", "application/problem+json", "schema", problem));
	for (size_t i = 0; i < n; i++) {
		const seam_route_t *r = &routes[i];
		char method[16];
		size_t pl = strlen(r->pattern);
		if (pl && r->pattern[pl - 1] == '*')
			continue; /* a prefix route has no OpenAPI path */
		tag_of(r->pattern, tag, sizeof tag);
		json_t *op = operation(&b, r, tag);
		if (!op)
			goto out;
		json_object_set_new(used, tag, json_true());
		json_t *item = json_object_get(paths, r->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, r->pattern, item);
		}
		snprintf(method, sizeof method, "%s", r->method);
		for (char *p = method; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		json_object_set_new(item, method, op);
	}
	if (copy_schemas(&b) != 0)
		goto out;
	/* Tags in the table's order, then any the table does not describe. */
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (json_object_get(used, tags[i].name)) {
			json_array_append_new(tagl, json_pack("{s:s, s:s}", "name", tags[i].name,
							      "description", tags[i].description));
			json_object_del(used, tags[i].name);
		}
	const char *k;
	json_t *v;
	json_object_foreach(used, k, v) {
		char d[128];
		snprintf(d, sizeof d, "The routes under /v1/%s.", k);
		json_array_append_new(tagl, json_pack("{s:s, s:s}", "name", k, "description", d));
	}
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s, s:s}], s:O, s:O, "
			"s:{s:O, s:O, s:{s:{s:s, s:s, s:s, s:s}}}}",
			"openapi", "3.1.0", "info", "title", "seam", "version", version, "description",
			info_description, "servers", "url", "/", "description",
			"this seam instance", "tags", tagl, "paths", paths, "components", "schemas",
			b.schemas, "responses", responses, "securitySchemes", "bearer", "type", "http",
			"scheme", "bearer", "bearerFormat", "seam_<prefix>_<secret>", "description",
			"An API key from `seam ctl keys create`; the scopes each operation needs are "
			"its role names.");
out:
	json_decref(problem);
	json_decref(used);
	json_decref(tagl);
	json_decref(paths);
	json_decref(responses);
	json_decref(b.schemas);
	free(b.wanted);
	return doc;
}

void seam_api_openapi(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_error_t err = {0};
	size_t n;
	const seam_route_t *routes = seam_api_routes(&n);
	json_t *doc = seam_openapi_build(routes, n, api->contracts, SEAM_VERSION, &err);
	if (!doc) {
		seam_log_error(seam_http_log(req), "api", seam_http_cid(req), "openapi: %s", err.msg);
		seam_http_problem(req, 500, "internal", "Internal error", NULL,
				  "cannot build the OpenAPI document: %s", err.msg);
		return;
	}
	seam_http_reply_json(req, 200, doc);
}
