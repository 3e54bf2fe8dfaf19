/* End-to-end: REST on the contracts, against the real `seam serve`.
 *
 *  - GET /openapi.json (no key) is OpenAPI 3.1 that Redocly CLI (scripts/openapi-lint.sh,
 *    pinned, installed into build/tools) lints with zero errors; its warnings are printed. The
 *    same linter fails a broken copy, so the check is not a no-op.
 *  - Every route of the table is in the document with its method, operationId, tag and scope
 *    (security role and x-seam-scope), its request and response contracts by $ref, 422 where a
 *    body is validated; every $ref in the document resolves inside it.
 *  - A body that breaks rest.dead-letter-replay@v1 gets 422 invalid-body with {pointer, keyword,
 *    detail} errors, after auth and without the handler running; checks the handler makes after
 *    the contract answer in the same shape.
 *  - Every GET route's 200 body (and the error bodies met on the way) validates against its
 *    contract in the registry built into the binary.
 *  - `seam check --openapi` prints the same document.
 *  - GET /v1/contracts lists the registry; /v1/contracts/{name}/{version} serves each schema
 *    with an ETag (304 on If-None-Match).
 * Run from the repository root (make e2e does): it runs scripts/openapi-lint.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "api/api.h"
#include "api/openapi.h"
#include "auth/scopes.h"
#include "contract/registry.h"
#include "core/clock.h"
#include "queue/queue.h"
#include "store/store.h"
#include "tests/support/harness.h"

#define IDEM "Idempotency-Key: "

typedef struct fx {
	char dir[64];
	th_seam_t s;
	char admin[160], reader[160]; /* "Authorization: Bearer ..." */
	char dead[37];                /* a dead letter of flow orders (shown, then canceled) */
	char dead_pay[37];            /* a dead letter of flow payments (replayed) */
	seam_contracts_t *reg;        /* the registry built into the binary, in-process */
} fx_t;

static fx_t fx;

/* --- fixture ------------------------------------------------------------------------------ */

static void dead_job(seam_db_t *db, const char *kind, const char *flow, const char *payload,
		     char id[37])
{
	seam_error_t e = {0};
	seam_job_spec_t spec = {.kind = kind, .flow = flow, .payload = payload,
				.correlation_id = "cid-openapi", .max_attempts = 3};
	seam_stmt_t *s;
	if (seam_queue_enqueue(NULL, db, &spec, id, NULL, &e) != SEAM_OK)
		fail_msg("enqueue: %s", e.msg);
	assert_int_equal(seam_db_prepare(db, "UPDATE jobs SET state = 'dead', attempts = 3, finished_at = $2, "
					 "last_error = 'permanent: ERP answered 422' WHERE id = $1", &s, &e), SEAM_OK);
	seam_stmt_bind_text(s, 1, id);
	seam_stmt_bind_int64(s, 2, seam_now_ms() - 60000);
	assert_int_equal(seam_stmt_step(s, &e), SEAM_DONE);
	seam_stmt_reset(s);
}

static void make_key(const char *name, const char *scopes, char *out, size_t cap)
{
	char *text = NULL;
	const char *args[] = {"keys", "create", "--name", name, "--scopes", scopes, "--json", NULL};
	int rc = th_seam_ctl(&fx.s, args, &text);
	if (rc != 0 || !text || !strchr(text, '{'))
		fail_msg("keys create %s: rc %d: %s", name, rc, text ? text : "");
	json_t *doc = json_loads(strchr(text, '{'), JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(doc);
	snprintf(out, cap, "Authorization: Bearer %s", json_string_value(json_object_get(doc, "key")));
	json_decref(doc);
	free(text);
}

static int group_setup(void **state)
{
	seam_error_t e = {0};
	seam_store_t *st = NULL;
	(void)state;
	memset(&fx, 0, sizeof fx);
	th_tmpdir(fx.dir);
	th_seam_init(&fx.s, fx.dir, "seam");
	/* a store with prices and stock, for the cache's routes; nothing listens upstream */
	th_seam_write_config(&fx.s,
			     "listen: 127.0.0.1:%d\nstore: %s\nlog: {level: warn}\n"
			     "upstreams:\n  drupal: {base_url: 'http://127.0.0.1:9'}\n"
			     "  erp: {base_url: 'http://127.0.0.1:9'}\n"
			     "stores:\n  us: {drupal: {upstream: drupal, poll_interval: 0},"
			     " erp: {upstream: erp, company: c1}}\n"
			     "stock:\n  stores:\n    us: {poll_interval: 0}\n",
			     fx.s.port, fx.s.db_url);
	seam_store_opts_t o = {.migrate = 1, .pool_size = 2, .busy_timeout_ms = 5000};
	if (seam_store_open(fx.s.db_url, &o, &st, &e) != SEAM_OK) {
		fprintf(stderr, "store: %s\n", e.msg);
		return -1;
	}
	seam_db_t *db = seam_store_acquire(st);
	dead_job(db, "order.export", "orders",
		 "{\"store\":\"us\",\"order_uuid\":\"5bdfd1e8-dfad-41ac-a514-1b58d123e678\"}", fx.dead);
	dead_job(db, "payment.apply", "payments",
		 "{\"provider\":\"stripe\",\"source\":\"us\",\"event_id\":\"evt_gone\"}", fx.dead_pay);
	seam_store_release(st, db);
	seam_store_close(st);
	make_key("admin", "ops:admin,orders:read,catalog:read", fx.admin, sizeof fx.admin); /* every GET route */
	make_key("reader", "ops:read", fx.reader, sizeof fx.reader);
	if (th_seam_start(&fx.s, 10000) != 0) {
		char *log = th_read_file(fx.s.log);
		fprintf(stderr, "seam did not start:\n%s\n", log ? log : "");
		free(log);
		return -1;
	}
	if (seam_contracts_open(&fx.reg, &e) != SEAM_OK) {
		fprintf(stderr, "contracts: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	seam_contracts_close(fx.reg);
	th_e2e_teardown(&fx.s, 0, 10000, fx.dir);
	return 0;
}

/* --- helpers ------------------------------------------------------------------------------ */

static json_t *send(const char *method, const char *path, const char *const *h, const char *body,
		   th_resp_t *resp)
{
	char url[512];
	th_seam_url(&fx.s, path, url, sizeof url);
	memset(resp, 0, sizeof *resp);
	assert_int_equal(th_http(method, url, h, body, body ? strlen(body) : 0, resp), 0);
	return json_loads(resp->body ? resp->body : "", 0, NULL);
}

static json_t *call(const char *method, const char *path, const char *auth, const char *body,
		    th_resp_t *resp)
{
	const char *h[] = {"Content-Type: application/json", auth, NULL};
	return send(method, path, h, body, resp);
}

/* POST with a fresh Idempotency-Key (REST v1 may require one on unsafe methods). */
static json_t *post(const char *path, const char *auth, const char *body, th_resp_t *resp)
{
	static int seq;
	char key[96];
	snprintf(key, sizeof key, IDEM "openapi-%d-%lld", ++seq, (long long)seam_now_ms());
	const char *h[] = {"Content-Type: application/json", key, auth, NULL};
	return send("POST", path, h, body, resp);
}

static void header_is(const th_resp_t *r, const char *name, const char *want)
{
	char got[256];
	if (th_resp_header(r, name, got, sizeof got) != 0)
		fail_msg("no %s header, want %s", name, want);
	if (strncmp(got, want, strlen(want)) != 0)
		fail_msg("%s: got %s, want %s", name, got, want);
}

/* doc is valid against the contract ref (in-process registry); fails with the errors. */
static void valid_against(const char *ref, const json_t *doc, const char *what)
{
	const seam_contract_t *c = seam_contracts_find(fx.reg, ref);
	json_t *errors = NULL;
	if (!c)
		fail_msg("%s: no contract %s in the registry", what, ref);
	if (!doc)
		fail_msg("%s: no JSON body to check against %s", what, ref);
	if (!seam_contract_validate(c, doc, &errors)) {
		char *e = json_dumps(errors, 0), *d = json_dumps(doc, 0);
		fail_msg("%s: breaks %s:\n  errors %s\n  body   %.2000s", what, ref, e, d);
	}
	json_decref(errors);
}

static json_t *openapi(void)
{
	th_resp_t r;
	json_t *doc = call("GET", "/openapi.json", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	header_is(&r, "Content-Type", "application/json");
	th_resp_free(&r);
	assert_non_null(doc);
	return doc;
}

/* Runs the linter on doc; returns its exit code, *report its JSON report (owned, may be
 * NULL when it printed none). */
static int lint(const json_t *doc, const char *name, json_t **report)
{
	char file[160], out[160], cmd[512];
	snprintf(file, sizeof file, "%s/%s.json", fx.dir, name);
	snprintf(out, sizeof out, "%s/%s.lint.json", fx.dir, name);
	assert_int_equal(json_dump_file(doc, file, JSON_INDENT(1)), 0);
	snprintf(cmd, sizeof cmd, "sh scripts/openapi-lint.sh --format=json %s >%s", file, out);
	int st = system(cmd);
	*report = json_load_file(out, 0, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --- the document lints clean ------------------------------------------------------------- */

static void test_document_lints_clean(void **state)
{
	json_t *doc = openapi(), *report = NULL, *p;
	size_t i;
	(void)state;
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	int rc = lint(doc, "openapi", &report);
	if (!report)
		fail_msg("the linter gave no report (exit %d): is it installed? sh scripts/openapi-lint.sh --install", rc);
	json_t *totals = json_object_get(report, "totals");
	printf("linter: @redocly/cli %s, recommended rules: %lld errors, %lld warnings\n",
	       json_string_value(json_object_get(report, "version")),
	       (long long)json_integer_value(json_object_get(totals, "errors")),
	       (long long)json_integer_value(json_object_get(totals, "warnings")));
	json_array_foreach(json_object_get(report, "problems"), i, p)
		printf("  %s %s: %s (%s)\n", json_string_value(json_object_get(p, "severity")),
		       json_string_value(json_object_get(p, "ruleId")),
		       json_string_value(json_object_get(p, "message")),
		       json_string_value(json_object_get(json_array_get(json_object_get(p, "location"), 0), "pointer")));
	assert_int_equal(json_integer_value(json_object_get(totals, "errors")), 0);
	assert_int_equal(rc, 0);
	json_decref(report);
	json_decref(doc);
}

/* `seam check --openapi` prints the very document the server serves. */
static void test_check_prints_the_same_document(void **state)
{
	char out[160], *text;
	(void)state;
	snprintf(out, sizeof out, "%s/check-openapi.json", fx.dir);
	char *argv[] = {(char *)th_seam_bin(), "check", "--openapi", NULL};
	pid_t pid = th_spawn(argv, out);
	int st = 0;
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	text = th_read_file(out);
	assert_non_null(text);
	json_t *printed = json_loads(text, 0, NULL), *served = openapi();
	if (!printed)
		fail_msg("seam check --openapi printed no JSON: %.300s", text);
	assert_true(json_equal(printed, served));
	json_decref(printed);
	json_decref(served);
	free(text);
}

/* The linter is real: a $ref to nowhere and an operation without responses are errors. */
static void test_linter_fails_a_broken_copy(void **state)
{
	json_t *doc = openapi(), *report = NULL;
	(void)state;
	json_t *get = json_object_get(json_object_get(json_object_get(doc, "paths"), "/v1/jobs"), "get");
	assert_non_null(get);
	json_object_set_new(json_object_get(get, "responses"), "404",
			    json_pack("{s:s}", "$ref", "#/components/responses/NoSuchResponse"));
	json_object_del(json_object_get(json_object_get(doc, "paths"), "/v1/flows"), "get");
	json_object_set_new(json_object_get(json_object_get(doc, "paths"), "/v1/flows"), "get",
			    json_pack("{s:s}", "summary", "no responses"));
	int rc = lint(doc, "broken", &report);
	assert_non_null(report);
	assert_true(json_integer_value(json_object_get(json_object_get(report, "totals"), "errors")) >= 2);
	assert_int_not_equal(rc, 0);
	json_decref(report);
	json_decref(doc);
}

/* --- every route is in it ----------------------------------------------------------------- */

/* The target of a local $ref ("#/a/b~1c"), or NULL. */
static json_t *deref(json_t *doc, const char *ref)
{
	char tok[256];
	json_t *at = doc;
	if (strncmp(ref, "#/", 2) != 0)
		return strcmp(ref, "#") == 0 ? doc : NULL;
	for (const char *p = ref + 1; at && *p == '/';) {
		size_t n = 0;
		for (p++; *p && *p != '/' && n + 1 < sizeof tok; p++) {
			if (*p == '~' && (p[1] == '0' || p[1] == '1')) {
				tok[n++] = p[1] == '0' ? '~' : '/';
				p++;
			} else {
				tok[n++] = *p;
			}
		}
		tok[n] = '\0';
		if (json_is_array(at)) {
			char *end;
			long i = strtol(tok, &end, 10);
			at = *end ? NULL : json_array_get(at, (size_t)i);
		} else {
			at = json_object_get(at, tok);
		}
	}
	return at;
}

/* Every "$ref" under v resolves in doc; returns how many there were. */
static int refs_resolve(json_t *doc, json_t *v, const char *where)
{
	const char *k;
	json_t *c;
	size_t i;
	int n = 0;
	if (json_is_array(v))
		json_array_foreach(v, i, c) n += refs_resolve(doc, c, where);
	if (!json_is_object(v))
		return n;
	json_object_foreach(v, k, c) {
		if (strcmp(k, "$ref") == 0 && json_is_string(c)) {
			if (!deref(doc, json_string_value(c)))
				fail_msg("%s: $ref %s resolves to nothing", where, json_string_value(c));
			n++;
		} else if (strcmp(k, "enum") && strcmp(k, "const") && strcmp(k, "examples")) {
			n += refs_resolve(doc, c, where);
		}
	}
	return n;
}

static const char *schema_ref_of(json_t *media_holder, const char *media)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(json_object_get(media_holder, "content"), media), "schema"),
		"$ref"));
}

static void test_every_route_documented(void **state)
{
	json_t *doc = openapi(), *paths = json_object_get(doc, "paths"), *ids = json_object();
	size_t n, nv1 = 0;
	const seam_route_t *r = seam_api_routes(&n);
	char method[16], comp[300];
	(void)state;
	for (size_t i = 0; i < n; i++) {
		size_t pl = strlen(r[i].pattern);
		if (pl && r[i].pattern[pl - 1] == '*') {
			/* a prefix route (the dashboard's files) has no OpenAPI path */
			assert_null(json_object_get(paths, r[i].pattern));
			continue;
		}
		snprintf(method, sizeof method, "%s", r[i].method);
		for (char *p = method; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		json_t *op = json_object_get(json_object_get(paths, r[i].pattern), method);
		if (!op)
			fail_msg("%s %s is not in /openapi.json", r[i].method, r[i].pattern);
		nv1 += strncmp(r[i].pattern, "/v1/", 4) == 0;
		const char *opid = json_string_value(json_object_get(op, "operationId"));
		assert_non_null(opid);
		if (json_object_get(ids, opid))
			fail_msg("operationId %s twice", opid);
		json_object_set_new(ids, opid, json_true());
		assert_string_equal(json_string_value(json_object_get(op, "summary")), r[i].summary);
		assert_int_equal(json_array_size(json_object_get(op, "tags")), 1);
		/* The scope: x-seam-scope and the bearer requirement's role. */
		json_t *sec = json_object_get(op, "security");
		const char *xs = json_string_value(json_object_get(op, "x-seam-scope"));
		if (!r[i].scope) {
			if (!json_is_array(sec) || json_array_size(sec) != 0 || xs)
				fail_msg("%s %s is open: want security [] and no x-seam-scope", r[i].method, r[i].pattern);
		} else {
			json_t *roles = json_object_get(json_array_get(sec, 0), "bearer");
			if (!xs || strcmp(xs, r[i].scope) != 0)
				fail_msg("%s %s: x-seam-scope %s, want %s", r[i].method, r[i].pattern,
					 xs ? xs : "(none)", r[i].scope);
			if (strcmp(r[i].scope, SEAM_SCOPE_ANY_KEY) == 0) {
				assert_true(json_is_array(roles) && json_array_size(roles) == 0);
				assert_non_null(json_object_get(json_object_get(op, "responses"), "401"));
				assert_null(json_object_get(json_object_get(op, "responses"), "403"));
			} else {
				if (json_array_size(roles) != 1 ||
				    strcmp(json_string_value(json_array_get(roles, 0)), r[i].scope) != 0)
					fail_msg("%s %s: bearer roles %s, want [%s]", r[i].method, r[i].pattern,
						 json_dumps(roles, 0), r[i].scope);
				assert_non_null(json_object_get(json_object_get(op, "responses"), "403"));
			}
		}
		/* Path parameters, each required. */
		size_t nparam = 0, npath = 0, k;
		json_t *prm;
		for (const char *p = strchr(r[i].pattern, '{'); p; p = strchr(p + 1, '{'))
			nparam++;
		json_array_foreach(json_object_get(op, "parameters"), k, prm)
			if (strcmp(json_string_value(json_object_get(prm, "in")), "path") == 0) {
				assert_true(json_is_true(json_object_get(prm, "required")));
				npath++;
			}
		assert_int_equal(npath, nparam);
		/* Contracts by $ref into components, and 422 where the body is validated. */
		json_t *resp = json_object_get(op, "responses");
		if (r[i].response) {
			seam_openapi_component_name(r[i].response, comp, sizeof comp);
			const char *ref = schema_ref_of(json_object_get(resp, "200"), "application/json");
			if (!ref || strcmp(ref + strlen("#/components/schemas/"), comp) != 0)
				fail_msg("%s %s: 200 schema %s, want component %s", r[i].method, r[i].pattern,
					 ref ? ref : "(none)", comp);
		}
		if (r[i].request) {
			seam_openapi_component_name(r[i].request, comp, sizeof comp);
			const char *ref = schema_ref_of(json_object_get(op, "requestBody"), "application/json");
			if (!ref || strcmp(ref + strlen("#/components/schemas/"), comp) != 0)
				fail_msg("%s %s: request schema %s, want component %s", r[i].method,
					 r[i].pattern, ref ? ref : "(none)", comp);
			if (!(r[i].flags & SEAM_ROUTE_RAW_BODY))
				assert_non_null(json_object_get(resp, "422"));
		}
		/* Errors are problem+json by $ref to rest.problem@v1. */
		json_t *p500 = deref(doc, json_string_value(json_object_get(json_object_get(resp, "500"), "$ref")));
		assert_non_null(p500);
		assert_string_equal(schema_ref_of(p500, "application/problem+json"),
				    "#/components/schemas/rest.problem.v1");
	}
	assert_true(nv1 >= 14);
	/* The schema documents are conditional GETs. */
	json_t *show = json_object_get(json_object_get(paths, "/v1/contracts/{name}/{version}"), "get");
	assert_non_null(json_object_get(json_object_get(show, "responses"), "304"));
	assert_non_null(json_object_get(json_object_get(json_object_get(json_object_get(show, "responses"),
									"200"), "headers"), "ETag"));
	/* Every component is a registry document (or one of its $defs), without $id and $schema. */
	const char *name;
	json_t *schema;
	json_object_foreach(json_object_get(json_object_get(doc, "components"), "schemas"), name, schema) {
		/* "rest.job@v1", or "rest.job@v1#/$defs/attempt" for one of its $defs */
		const char *from = json_string_value(json_object_get(schema, "x-seam-contract"));
		char ref[256];
		if (!from)
			fail_msg("component %s: no x-seam-contract", name);
		snprintf(ref, sizeof ref, "%.*s", (int)strcspn(from, "#"), from);
		if (!seam_contracts_find(fx.reg, ref))
			fail_msg("component %s: x-seam-contract %s is no contract", name, from);
		assert_null(json_object_get(schema, "$id"));
		assert_null(json_object_get(schema, "$schema"));
	}
	assert_true(refs_resolve(doc, doc, "/openapi.json") > 50);
	json_decref(ids);
	json_decref(doc);
}

/* --- request validation ------------------------------------------------------------------- */

static json_t *error_at(json_t *problem, const char *pointer, const char *keyword)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(problem, "errors"), i, e) {
		const char *p = json_string_value(json_object_get(e, "pointer"));
		const char *k = json_string_value(json_object_get(e, "keyword"));
		if (p && k && strcmp(p, pointer) == 0 && strcmp(k, keyword) == 0 &&
		    json_is_string(json_object_get(e, "detail")))
			return e;
	}
	return NULL;
}

static void want_error(json_t *problem, const char *pointer, const char *keyword)
{
	if (!error_at(problem, pointer, keyword)) {
		char *d = json_dumps(json_object_get(problem, "errors"), 0);
		fail_msg("no error {pointer %s, keyword %s} in %s", pointer, keyword, d);
	}
}

static void test_bad_body_gets_422_with_pointers(void **state)
{
	th_resp_t r;
	(void)state;
	/* Three ways wrong at once: every one is reported. */
	json_t *p = post("/v1/dead-letters/replay", fx.admin,
			 "{\"flow\": 5, \"since\": \"yesterday\", \"al\": true}", &r);
	assert_int_equal(r.status, 422);
	header_is(&r, "Content-Type", "application/problem+json");
	th_resp_free(&r);
	assert_string_equal(json_string_value(json_object_get(p, "type")),
			    "https://seam.dev/problems/invalid-body");
	assert_string_equal(json_string_value(json_object_get(p, "contract")), "rest.dead-letter-replay@v1");
	want_error(p, "/flow", "type");
	want_error(p, "/since", "pattern");
	want_error(p, "/al", "additionalProperties");
	valid_against("rest.problem@v1", p, "422 problem");
	json_decref(p);

	/* Nothing chosen: the contract's anyOf. */
	p = post("/v1/dead-letters/replay", fx.admin, "{}", &r);
	assert_int_equal(r.status, 422);
	th_resp_free(&r);
	assert_true(error_at(p, "", "anyOf") || error_at(p, "", "required"));
	json_decref(p);
	/* Not an object at all. */
	p = post("/v1/dead-letters/replay", fx.admin, "[1]", &r);
	assert_int_equal(r.status, 422);
	th_resp_free(&r);
	want_error(p, "", "type");
	json_decref(p);

	/* What the schema cannot say, the handler checks, in the same shape. */
	p = post("/v1/dead-letters/replay", fx.admin, "{\"flow\": \"nope\"}", &r);
	assert_int_equal(r.status, 422);
	th_resp_free(&r);
	want_error(p, "/flow", "x-seam-flow");
	valid_against("rest.problem@v1", p, "422 problem (handler)");
	json_decref(p);
	p = post("/v1/dead-letters/replay", fx.admin, "{\"until\": \"2026-02-30T00:00:00Z\"}", &r);
	assert_int_equal(r.status, 422);
	th_resp_free(&r);
	want_error(p, "/until", "x-seam-time");
	json_decref(p);

	/* Auth comes first: no key is 401, the wrong scope 403, whatever the body. */
	p = post("/v1/dead-letters/replay", NULL, "{\"flow\": 5}", &r);
	assert_int_equal(r.status, 401);
	th_resp_free(&r);
	json_decref(p);
	p = post("/v1/dead-letters/replay", fx.reader, "{\"flow\": 5}", &r);
	assert_int_equal(r.status, 403);
	th_resp_free(&r);
	json_decref(p);
	/* Not JSON is still 400 bad-json with line and column. */
	p = post("/v1/dead-letters/replay", fx.admin, "{\"flow\": ", &r);
	assert_int_equal(r.status, 400);
	th_resp_free(&r);
	assert_string_equal(json_string_value(json_object_get(p, "type")), "https://seam.dev/problems/bad-json");
	valid_against("rest.problem@v1", p, "400 problem");
	json_decref(p);

	/* A valid body reaches the handler: the dead letter is replayed. */
	p = post("/v1/dead-letters/replay", fx.admin, "{\"flow\": \"payments\", \"since\": \"1h\"}", &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	valid_against("rest.dead-letter-replayed@v1", p, "replay answer");
	assert_int_equal(json_integer_value(json_object_get(p, "replayed")), 1);
	json_decref(p);
}

/* --- responses match their contracts ------------------------------------------------------ */

static void test_responses_match_contracts(void **state)
{
	size_t n, checked = 0;
	const seam_route_t *r = seam_api_routes(&n);
	th_resp_t resp;
	(void)state;
	for (size_t i = 0; i < n; i++) {
		char path[256];
		const char *param = strchr(r[i].pattern, '{');
		if (strcmp(r[i].method, "GET") != 0 || !r[i].response)
			continue;
		if (!param && (!strcmp(r[i].pattern, "/v1/availability") ||
			       !strcmp(r[i].pattern, "/v1/prices"))) {
			/* routes whose query is required */
			snprintf(path, sizeof path, "%s?store=us&sku=SKU-000001,SKU-000002", r[i].pattern);
		} else if (!param) {
			snprintf(path, sizeof path, "%s", r[i].pattern);
		} else if (strcmp(r[i].pattern, "/v1/jobs/{id}") == 0 ||
			   strcmp(r[i].pattern, "/v1/dead-letters/{id}") == 0) {
			snprintf(path, sizeof path, "%.*s%s", (int)(param - r[i].pattern), r[i].pattern, fx.dead);
		} else {
			continue; /* other resources' ids: their own tests */
		}
		json_t *doc = call("GET", path, fx.admin, NULL, &resp);
		if (resp.status != 200)
			fail_msg("GET %s: %ld %s", path, resp.status, resp.body);
		th_resp_free(&resp);
		valid_against(r[i].response, doc, path);
		json_decref(doc);
		checked++;
	}
	assert_true(checked >= 10); /* /, healthz, readyz, whoami, jobs, job, dead letters, one, flows, contracts */
	/* Errors on the way are problems. */
	json_t *doc = call("GET", "/v1/jobs/0190c0de-0000-7000-8000-000000000000", fx.admin, NULL, &resp);
	assert_int_equal(resp.status, 404);
	th_resp_free(&resp);
	valid_against("rest.problem@v1", doc, "404 problem");
	json_decref(doc);
	doc = call("GET", "/v1/jobs?state=weird", fx.admin, NULL, &resp);
	assert_int_equal(resp.status, 400);
	th_resp_free(&resp);
	valid_against("rest.problem@v1", doc, "400 problem");
	json_decref(doc);
	/* And the POST answers of the job actions. */
	char path[128];
	snprintf(path, sizeof path, "/v1/jobs/%s/cancel", fx.dead);
	doc = post(path, fx.admin, NULL, &resp);
	assert_int_equal(resp.status, 200);
	th_resp_free(&resp);
	valid_against("rest.job@v1", doc, path);
	json_decref(doc);
	doc = post("/v1/flows/orders/pause", fx.admin, NULL, &resp);
	assert_int_equal(resp.status, 200);
	th_resp_free(&resp);
	valid_against("rest.flow@v1", doc, "pause");
	json_decref(doc);
	doc = post("/v1/flows/orders/resume", fx.admin, NULL, &resp);
	th_resp_free(&resp);
	json_decref(doc);
}

/* --- /v1/contracts ------------------------------------------------------------------------ */

static void test_contracts_endpoints(void **state)
{
	th_resp_t r;
	char etag[128], inm[200], weak[200];
	size_t i;
	json_t *it;
	(void)state;
	json_t *list = call("GET", "/v1/contracts", fx.reader, NULL, &r); /* any key will do */
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	valid_against("rest.contract-list@v1", list, "/v1/contracts");
	assert_int_equal(json_array_size(json_object_get(list, "items")), seam_contracts_count(fx.reg));
	json_array_foreach(json_object_get(list, "items"), i, it) {
		const seam_contract_t *c = seam_contracts_at(fx.reg, i);
		assert_string_equal(json_string_value(json_object_get(it, "ref")), c->ref);
		const char *self = json_string_value(json_object_get(json_object_get(it, "links"), "self"));
		json_t *schema = call("GET", self, fx.reader, NULL, &r);
		if (r.status != 200)
			fail_msg("GET %s: %ld", self, r.status);
		header_is(&r, "Content-Type", "application/schema+json");
		assert_int_equal(th_resp_header(&r, "ETag", etag, sizeof etag), 0);
		th_resp_free(&r);
		if (!json_equal(schema, c->doc))
			fail_msg("GET %s is not the registry's document of %s", self, c->ref);
		json_decref(schema);
	}
	/* Conditional GET on the last one, plain and weak. */
	const char *self = json_string_value(json_object_get(json_object_get(
		json_array_get(json_object_get(list, "items"), i - 1), "links"), "self"));
	char url[512];
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	snprintf(weak, sizeof weak, "If-None-Match: \"other\", W/%s", etag);
	th_seam_url(&fx.s, self, url, sizeof url);
	assert_int_equal(th_http("GET", url, (const char *[]){fx.reader, inm, NULL}, NULL, 0, &r), 0);
	assert_int_equal(r.status, 304);
	th_resp_free(&r);
	assert_int_equal(th_http("GET", url, (const char *[]){fx.reader, weak, NULL}, NULL, 0, &r), 0);
	assert_int_equal(r.status, 304);
	th_resp_free(&r);
	assert_int_equal(th_http("GET", url, (const char *[]){fx.reader, "If-None-Match: \"other\"", NULL},
				 NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	json_decref(list);

	/* "1" is "v1"; what is not there is 404; no key is 401. */
	json_t *doc = call("GET", "/v1/contracts/rest.problem/1", fx.reader, NULL, &r);
	assert_int_equal(r.status, 200);
	th_resp_free(&r);
	json_decref(doc);
	static const char *const missing[] = {"/v1/contracts/rest.problem/v99", "/v1/contracts/nope/v1",
					      "/v1/contracts/rest.problem/vx", "/v1/contracts/rest.problem/v"};
	for (i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		doc = call("GET", missing[i], fx.reader, NULL, &r);
		if (r.status != 404)
			fail_msg("GET %s: %ld, want 404", missing[i], r.status);
		th_resp_free(&r);
		valid_against("rest.problem@v1", doc, missing[i]);
		json_decref(doc);
	}
	doc = call("GET", "/v1/contracts", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	th_resp_free(&r);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_lints_clean),
		cmocka_unit_test(test_linter_fails_a_broken_copy),
		cmocka_unit_test(test_check_prints_the_same_document),
		cmocka_unit_test(test_every_route_documented),
		cmocka_unit_test(test_bad_body_gets_422_with_pointers),
		cmocka_unit_test(test_responses_match_contracts),
		cmocka_unit_test(test_contracts_endpoints),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
