/*
 * api_ops.c: the dashboard's files, its login, logout and session, and the cookie half of the
 * auth hook (see api_ops.h for the routes and the security model).
 *
 * The files are the bytes of ops/ embedded at build time (api_ops_int.h); the only file read at
 * run time is Chart.js, from the path ops.chartjs names (Debian's package), with a cap. A path
 * under /ops/ that is not in the table is a 404: nothing under /ops/ reaches the file system
 * but that one configured file.
 */
#include "api/api_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_ops_int.h"
#include "api/resource.h"
#include "auth/sessions.h"
#include "core/clock.h"

#define CHARTJS_MAX (4 << 20) /* Chart.js 3.9 is 200 KB minified, 550 KB not */
#define DEFAULT_TTL_MS (8LL * 3600000)
#define DEFAULT_CHARTJS "/usr/share/javascript/chart.js/chart.min.js"
#define CHARTJS_PATH "vendor/chart.js"

/* No inline script or style anywhere in ops/ (the pages build their DOM with createElement and
 * textContent, and style through classes): so 'self' is all the policy allows. Chart.js 3 sizes
 * its canvas through element.style (CSSOM), which style-src does not govern, so no
 * 'unsafe-inline' is needed for it (the browser test fails on any CSP violation). */
static const char csp[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

static void security_headers(seam_http_req_t *req, const char *cache)
{
	seam_http_set_header(req, "Content-Security-Policy", csp);
	seam_http_set_header(req, "X-Content-Type-Options", "nosniff");
	seam_http_set_header(req, "Referrer-Policy", "no-referrer");
	seam_http_set_header(req, "X-Frame-Options", "DENY");
	seam_http_set_header(req, "Cache-Control", cache);
}

static int64_t ttl_ms(const seam_api_t *api)
{
	return api->ops && api->ops->session_ttl_ms > 0 ? api->ops->session_ttl_ms : DEFAULT_TTL_MS;
}

static const char *chartjs_path(const seam_api_t *api)
{
	return api->ops && api->ops->chartjs && *api->ops->chartjs ? api->ops->chartjs
								    : DEFAULT_CHARTJS;
}

/* ---------- files ---------- */

static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* 200 with the bytes and their ETag, or 304 when If-None-Match has it. */
static void reply_file(seam_http_req_t *req, const char *name, const void *data, size_t len)
{
	char etag[35];
	int html = strcmp(content_type(name), "text/html; charset=utf-8") == 0;
	seam_api_etag(data, len, etag);
	/* The shell page is never stored (it is where a session starts and ends); the files are
	 * revalidated on each load, so a new binary's files are used at once. */
	security_headers(req, html ? "no-store" : "no-cache");
	seam_http_set_header(req, "ETag", etag);
	if (!html && seam_api_etag_match(seam_http_header(req, "If-None-Match"), etag)) {
		seam_http_reply(req, 304, NULL, NULL, 0);
		return;
	}
	seam_http_reply(req, 200, content_type(name), data, len);
}

/* Chart.js from the package's file. Missing: a 404 that says how to install it; the pages
 * then show tables where the charts would be. */
static void reply_chartjs(seam_http_req_t *req, const seam_api_t *api)
{
	const char *path = chartjs_path(api);
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;
	int too_big = 0, e = 0;
	if (f) {
		buf = malloc(CHARTJS_MAX + 1);
		if (buf) {
			n = fread(buf, 1, CHARTJS_MAX + 1, f);
			too_big = n > CHARTJS_MAX;
			e = ferror(f);
		}
		fclose(f);
	} else {
		e = errno;
	}
	if (!f || !buf || too_big || e) {
		security_headers(req, "no-store");
		seam_logf(api->log, SEAM_LOG_WARN, "ops", seam_http_cid(req),
			  json_pack("{s:s}", "path", path),
			  "the dashboard's Chart.js is not readable at %s; it shows tables instead of charts",
			  path);
		seam_http_problem(req, 404, "not-found", "Not found", json_pack("{s:s}", "path", path),
				  "Chart.js is not %s at %s (Debian: apt-get install libjs-chart.js, or "
				  "set ops.chartjs); the dashboard shows tables instead of charts",
				  too_big ? "a file of the expected size" : "readable", path);
		free(buf);
		return;
	}
	reply_file(req, CHARTJS_PATH, buf, n);
	free(buf);
}

/* /ops without the slash: the pages' relative world starts at /ops/. */
static void redirect(seam_http_req_t *req)
{
	security_headers(req, "no-store");
	seam_http_set_header(req, "Location", "/ops/");
	seam_http_reply(req, 308, "text/plain; charset=utf-8", "/ops/\n", 6);
}

void seam_api_ops_file(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	const char *path = seam_http_path(req);
	const char *name = strncmp(path, "/ops/", 5) == 0 ? path + 5 : "";
	if (strcmp(path, "/ops") == 0) {
		redirect(req);
		return;
	}
	if (!*name)
		name = "index.html";
	if (strcmp(name, CHARTJS_PATH) == 0) {
		reply_chartjs(req, api);
		return;
	}
	for (size_t i = 0; i < seam__ops_nfiles; i++)
		if (strcmp(seam__ops_files[i].path, name) == 0) {
			reply_file(req, name, seam__ops_files[i].data, seam__ops_files[i].len);
			return;
		}
	security_headers(req, "no-store");
	seam_http_problem(req, 404, "not-found", "Not found", NULL,
			  "the dashboard has no file %s; open /ops/", path);
}

/* ---------- the cookie ---------- */

static void set_cookie(seam_http_req_t *req, const seam_api_t *api, const char *sid,
		       int64_t max_age_s)
{
	char c[256];
	snprintf(c, sizeof c, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
		 SEAM_API_SESSION_COOKIE, sid, (long long)max_age_s,
		 api->ops && api->ops->cookie_secure ? "; Secure" : "");
	seam_http_set_header(req, "Set-Cookie", c);
}

/* ---------- login, logout, session ---------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The value of `name` in an application/x-www-form-urlencoded body, decoded into out (cap
 * bytes). 0 when found and it fits, -1 otherwise. */
static int form_value(const char *body, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	for (const char *p = body; p && *p;) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t o = 0;
			for (size_t i = nl + 1; i < len; i++) {
				int c = (unsigned char)p[i];
				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					int hi = i + 2 < len ? hexval(p[i + 1]) : -1;
					int lo = i + 2 < len ? hexval(p[i + 2]) : -1;
					if (hi < 0 || lo < 0)
						return -1;
					c = hi * 16 + lo;
					i += 2;
				}
				if (o + 1 >= cap || c == 0)
					return -1;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -1;
}

/* {key, scopes, can_act, session: {csrf_token, created_at, expires_at} | null}: what the pages
 * need to know of who they act as (scopes NULL: null, not known here). New reference. */
static json_t *session_doc(const char *key, const char *scopes, int can_act,
			   const seam_session_t *s)
{
	json_t *list = scopes ? json_array() : json_null(), *sess = json_null();
	char created[25], expires[25];
	for (const char *p = scopes; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		json_array_append_new(list, json_stringn(p, l));
		p = comma ? comma + 1 : NULL;
	}
	if (s) {
		seam_rfc3339_ms(s->created_ms, created);
		seam_rfc3339_ms(s->expires_ms, expires);
		json_decref(sess);
		sess = json_pack("{s:s, s:s, s:s}", "csrf_token", s->csrf, "created_at", created,
				 "expires_at", expires);
	}
	return json_pack("{s:s, s:o, s:b, s:o}", "key", key, "scopes", list, "can_act", can_act,
			 "session", sess);
}

void seam_api_ops_login(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	const char *ct = seam_http_header(req, "Content-Type");
	size_t blen = 0;
	const char *body = seam_http_body(req, &blen);
	char key[SEAM_KEY_MAX + 8] = "", sid[SEAM_SESSION_ID_MAX];
	int form = ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
	seam_key_verdict_e v;
	seam_session_t s;
	seam_error_t e = {0};

	security_headers(req, "no-store");
	if (form) {
		if (form_value(body, "key", key, sizeof key) != 0)
			key[0] = '\0';
	} else {
		json_t *doc = json_loadb(body ? body : "", blen, 0, NULL);
		const char *k = json_string_value(json_object_get(doc, "key"));
		if (!json_is_object(doc) || !k) {
			json_decref(doc);
			seam_http_problem(req, 400, "bad-request", "Bad request", NULL,
					  "log in with {\"key\": \"seam_...\"} (application/json) or "
					  "key=seam_... (a form)");
			return;
		}
		snprintf(key, sizeof key, "%s", k);
		json_decref(doc);
	}
	if (seam_sessions_open(api->store, key, "ops:read", seam_now_ms(), ttl_ms(api), &v, sid, &s,
			       &e) != SEAM_OK) {
		explicit_bzero(key, sizeof key);
		seam_api_reply_error(req, &e);
		return;
	}
	explicit_bzero(key, sizeof key);
	if (v == SEAM_KEY_NO_SCOPE) {
		seam_logf(api->log, SEAM_LOG_WARN, "ops", seam_http_cid(req),
			  json_pack("{s:s}", "key", s.key_name), "dashboard login refused: no ops:read");
		seam_http_problem(req, 403, "forbidden", "Forbidden", NULL,
				  "the API key '%s' lacks the scope ops:read the dashboard needs",
				  s.key_name);
		return;
	}
	if (v != SEAM_KEY_OK) {
		seam_logf(api->log, SEAM_LOG_WARN, "ops", seam_http_cid(req),
			  json_pack("{s:s}", "remote", seam_http_remote(req)),
			  "dashboard login refused: not a valid key");
		seam_http_problem(req, 401, "unauthorized", "Unauthorized", NULL,
				  "that is not a valid API key (unknown, mistyped or revoked)");
		return;
	}
	seam_logf(api->log, SEAM_LOG_INFO, "ops", seam_http_cid(req),
		  json_pack("{s:s}", "key", s.key_name), "dashboard session opened");
	set_cookie(req, api, sid, ttl_ms(api) / 1000);
	/* the session as every later request will see it (with the key's scopes) */
	(void)seam_sessions_check(api->store, sid, "ops:read", s.created_ms, &s);
	explicit_bzero(sid, sizeof sid);
	if (form) {
		seam_http_set_header(req, "Location", "/ops/");
		seam_http_reply(req, 303, "text/plain; charset=utf-8", "/ops/\n", 6);
		return;
	}
	seam_http_reply_json(req, 200, session_doc(s.key_name, s.scopes,
						   seam_scope_allows(s.scopes, "ops:admin"), &s));
}

void seam_api_ops_logout(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_error_t e = {0};
	const char *sid = seam_api_session_cookie(req);
	security_headers(req, "no-store");
	if (sid && seam_sessions_close(api->store, sid, &e) != SEAM_OK) {
		seam_api_reply_error(req, &e);
		return;
	}
	set_cookie(req, api, "", 0);
	seam_http_reply_json(req, 200, json_pack("{s:b}", "logged_out", 1));
}

void seam_api_ops_session(seam_http_req_t *req, void *ud)
{
	const seam_api_t *api = ud;
	seam_session_t s;
	const char *who = seam_http_user(req);
	security_headers(req, "no-store");
	if (!seam_http_header(req, "Authorization") &&
	    seam_sessions_check(api->store, seam_api_session_cookie(req), "ops:read", seam_now_ms(),
				&s) == SEAM_KEY_OK) {
		seam_http_reply_json(req, 200, session_doc(s.key_name, s.scopes,
							   seam_scope_allows(s.scopes, "ops:admin"), &s));
		return;
	}
	/* A Bearer key (a script, a test): no session, so no CSRF token; whether it may act. */
	char name[64];
	int admin = seam_keys_check(api->store, seam_http_header(req, "Authorization"), "ops:admin",
				    name) == SEAM_KEY_OK;
	seam_http_reply_json(req, 200, session_doc(who ? who : "", NULL, admin, NULL));
}
