/* End-to-end: the real `seam ctl` binary on a store this test fills. The operator surface is
 * consistent: every command and action answers --help with its options, --json works after
 * the action as before it (keys list, keys revoke, dlq list, ...), and every `seam ctl` command
 * written in docs/runbooks/ runs as pasted (placeholders filled in) on a store with dead
 * letters, exiting 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "flows/timeline.h"
#include "queue/queue.h"
#include "store/store.h"
#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

#define ORDER_UUID "5bdfd1e8-dfad-41ac-a514-1b58d123e678"
#define ORDER_NUMBER "1001"
#define CID "cid-runbook-1"

typedef struct fx {
	char dir[64], cfg[128], url[160];
	char dead_order[37], dead_payment[37];
} fx_t;

static void dead_job(seam_db_t *db, const char *kind, const char *flow, const char *payload,
		     char id[37])
{
	seam_error_t e = {0};
	seam_job_spec_t spec = {.kind = kind, .flow = flow, .payload = payload,
				.correlation_id = CID, .max_attempts = 3};
	if (seam_queue_enqueue(NULL, db, &spec, id, NULL, &e) != SEAM_OK)
		fail_msg("enqueue: %s", e.msg);
	seam_stmt_t *s;
	assert_int_equal(seam_db_prepare(db, "UPDATE jobs SET state = 'dead', attempts = 3, finished_at = $2, "
					 "last_error = 'permanent: ERP answered 422' WHERE id = $1", &s, &e), SEAM_OK);
	seam_stmt_bind_text(s, 1, id);
	seam_stmt_bind_int64(s, 2, seam_now_ms() - 60000); /* died a minute ago */
	assert_int_equal(seam_stmt_step(s, &e), SEAM_DONE);
	seam_stmt_reset(s);
}

/* A store as a running seam leaves it: an order it knows, a dead export of it, a dead payment
 * event; and a config that points at it. */
static void fx_make(fx_t *f)
{
	char text[1024];
	seam_store_t *st = NULL;
	seam_error_t e = {0};
	memset(f, 0, sizeof *f);
	th_tmpdir(f->dir);
	snprintf(f->cfg, sizeof f->cfg, "%s/seam.yaml", f->dir);
	snprintf(f->url, sizeof f->url, "sqlite://%s/seam.db", f->dir);
	/* a catalog and prices and stock for store us (the runbooks' sync commands); nothing
	 * listens there */
	snprintf(text, sizeof text,
		 "store: %s\nlog: {level: warn}\n"
		 "upstreams:\n  drupal: {base_url: 'http://127.0.0.1:9'}\n"
		 "  pim: {base_url: 'http://127.0.0.1:9'}\n"
		 "  erp: {base_url: 'http://127.0.0.1:9'}\n"
		 "stores:\n  us: {drupal: {upstream: drupal, store: 0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11},"
		 " erp: {upstream: erp, company: c1}}\n"
		 "catalog:\n  stores:\n    us: {pim: {upstream: pim}}\n"
		 "stock:\n  stores:\n    us: {}\n",
		 f->url);
	th_write_file(f->cfg, text);
	seam_store_opts_t o = {.migrate = 1, .pool_size = 2, .busy_timeout_ms = 5000};
	if (seam_store_open(f->url, &o, &st, &e) != SEAM_OK)
		fail_msg("store: %s", e.msg);
	seam_db_t *db = seam_store_acquire(st);
	assert_int_equal(seam_db_exec(db,
		"INSERT INTO orders (store, order_uuid, order_number, order_state, export_state, "
		"correlation_id, first_seen_at, updated_at) VALUES ('us', '" ORDER_UUID "', '"
		ORDER_NUMBER "', 'placed', 'seen', '" CID "', 1, 1)", &e), SEAM_OK);
	assert_int_equal(seam_timeline_add(db, "order", ORDER_UUID, CID, "erp", "export.failed",
					   json_pack("{s:s}", "error", "ERP answered 422"), &e), SEAM_OK);
	/* a finished reconciliation run of us (the runbooks' reconcile status) */
	assert_int_equal(seam_db_exec(db,
		"INSERT INTO reconciliation_runs (id, store, state, since, until, trigger, "
		"created_at, updated_at, finished_at) VALUES ('6a1f0c2e-0000-4000-8000-000000000001', "
		"'us', 'done', 0, 1000, 'ctl', 1000, 1000, 1000);", &e), SEAM_OK);
	/* a product the catalog synced, and its run */
	assert_int_equal(seam_db_exec(db,
		"INSERT INTO catalog_items (store, pim_id, drupal_uuid, state, updated_at) VALUES "
		"('us', 'model_0001', '5b0e0f2a-6c55-4a8e-9a55-3b4a1c0c2f11', 'applied', 1);"
		"INSERT INTO catalog_skus (store, sku, pim_id, updated_at) VALUES "
		"('us', 'SKU-000001', 'model_0001', 1);"
		"INSERT INTO catalog_runs (id, store, channel, mode, state, phase, created_at, "
		"updated_at, finished_at) VALUES ('0190e2a1-0000-7000-8000-000000000001', 'us', "
		"'ecommerce', 'incremental', 'done', 'done', 1, 2, 2)", &e), SEAM_OK);
	assert_int_equal(seam_timeline_add(db, "product", "model_0001", CID, "drupal", "catalog.synced",
					   json_pack("{s:s, s:s}", "store", "us", "outcome", "created"), &e),
			 SEAM_OK);
	dead_job(db, "order.export", "orders", "{\"store\":\"us\",\"order_uuid\":\"" ORDER_UUID "\"}",
		 f->dead_order);
	dead_job(db, "payment.apply", "payments",
		 "{\"provider\":\"stripe\",\"source\":\"us\",\"event_id\":\"evt_gone\"}", f->dead_payment);
	seam_store_release(st, db);
	seam_store_close(st);
}

static void fx_drop(fx_t *f)
{
	th_rmrf(f->dir);
}

typedef struct res {
	int rc;
	char *out, *err;
} res_t;

static void res_free(res_t *r)
{
	free(r->out);
	free(r->err);
}

/* Runs `seam ctl -c CFG args...` with stdout and stderr kept apart. */
static res_t ctl(const fx_t *f, const char *const *args)
{
	char out[160], err[160];
	char *argv[48];
	int n = 0, st;
	res_t r = {0};
	snprintf(out, sizeof out, "%s/out.txt", f->dir);
	snprintf(err, sizeof err, "%s/err.txt", f->dir);
	argv[n++] = (char *)th_seam_bin();
	argv[n++] = "ctl";
	argv[n++] = "-c";
	argv[n++] = (char *)f->cfg;
	for (int i = 0; args[i] && n < 47; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fo, 1);
		dup2(fe, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = th_read_file(out);
	r.err = th_read_file(err);
	return r;
}

#define CTL(f, ...) ctl((f), (const char *const[]){__VA_ARGS__, NULL})

/* --- help -------------------------------------------------------------------------------- */

static void test_help_everywhere(void **state)
{
	static const struct {
		const char *cmd, *actions[5];
	} cmds[] = {
		{"jobs", {"list", "show", "retry", "cancel", NULL}},
		{"dlq", {"list", "show", "replay", NULL}},
		{"flow", {"list", "pause", "resume", NULL}},
		{"keys", {"create", "list", "revoke", "scopes", NULL}},
		{"trace", {NULL}},
	};
	fx_t f;
	char want[64];
	(void)state;
	fx_make(&f);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		res_t r = CTL(&f, cmds[i].cmd, "--help");
		snprintf(want, sizeof want, "usage: seam ctl %s", cmds[i].cmd);
		if (r.rc != 0 || strncmp(r.out, want, strlen(want)) != 0)
			fail_msg("seam ctl %s --help: exit %d\n%s%s", cmds[i].cmd, r.rc, r.out, r.err);
		res_free(&r);
		for (size_t j = 0; cmds[i].actions[j]; j++) {
			r = CTL(&f, cmds[i].cmd, cmds[i].actions[j], "--help");
			snprintf(want, sizeof want, "usage: seam ctl %s %s", cmds[i].cmd, cmds[i].actions[j]);
			if (r.rc != 0 || strncmp(r.out, want, strlen(want)) != 0 || !strstr(r.out, "--json"))
				fail_msg("seam ctl %s %s --help: exit %d\n%s%s", cmds[i].cmd,
					 cmds[i].actions[j], r.rc, r.out, r.err);
			res_free(&r);
		}
	}
	/* jobs list --help names every filter, not the command's one-line summary */
	res_t r = CTL(&f, "jobs", "list", "--help");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "--kind K"));
	assert_non_null(strstr(r.out, "--cid ID"));
	assert_non_null(strstr(r.out, "--before ID"));
	res_free(&r);
	fx_drop(&f);
}

/* --- --json after the action ------------------------------------------------------------- */

static json_t *json_of(const res_t *r)
{
	json_error_t je;
	json_t *doc = json_loads(r->out ? r->out : "", 0, &je);
	if (!doc)
		fail_msg("not JSON (%s), exit %d:\n%s%s", je.text, r->rc, r->out, r->err);
	return doc;
}

static void test_json_after_the_action(void **state)
{
	fx_t f;
	(void)state;
	fx_make(&f);
	res_t r = CTL(&f, "keys", "create", "--name", "ops", "--scopes", "ops:read", "--json");
	assert_int_equal(r.rc, 0);
	json_t *doc = json_of(&r);
	assert_int_equal(strncmp(json_string_value(json_object_get(doc, "key")), "seam_", 5), 0);
	json_decref(doc);
	res_free(&r);

	r = CTL(&f, "keys", "list", "--json");
	assert_int_equal(r.rc, 0);
	doc = json_of(&r);
	assert_int_equal(json_array_size(doc), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 0), "status")), "active");
	json_decref(doc);
	res_free(&r);

	r = CTL(&f, "keys", "revoke", "ops", "--json");
	assert_int_equal(r.rc, 0);
	doc = json_of(&r);
	assert_string_equal(json_string_value(json_object_get(doc, "name")), "ops");
	assert_string_equal(json_string_value(json_object_get(doc, "status")), "revoked");
	assert_true(json_is_string(json_object_get(doc, "revoked_at")));
	json_decref(doc);
	res_free(&r);

	r = CTL(&f, "dlq", "list", "--json");
	assert_int_equal(r.rc, 0);
	doc = json_of(&r);
	assert_int_equal(json_array_size(doc), 2);
	json_t *order = json_array_get(doc, 1); /* newest first: the export is older */
	assert_string_equal(json_string_value(json_object_get(order, "id")), f.dead_order);
	assert_string_equal(json_string_value(json_object_get(order, "store")), "us");
	assert_string_equal(json_string_value(json_object_get(order, "order_number")), ORDER_NUMBER);
	json_decref(doc);
	res_free(&r);

	r = CTL(&f, "flow", "list", "--json");
	assert_int_equal(r.rc, 0);
	doc = json_of(&r);
	assert_int_equal(json_array_size(doc), 6); /* orders, payments, catalog, stock, tax, reconcile */
	json_decref(doc);
	res_free(&r);

	r = CTL(&f, "jobs", "list", "--flow", "orders", "--json");
	assert_int_equal(r.rc, 0);
	doc = json_of(&r);
	assert_int_equal(json_array_size(doc), 1);
	json_decref(doc);
	res_free(&r);
	fx_drop(&f);
}

/* --- runbooks ---------------------------------------------------------------------------- */

typedef struct cmd {
	char text[512];
	char where[160];
	int piped; /* written as `... | jq ...`: its output must be JSON */
} cmd_t;

/* Every `seam ctl ...` in a fenced block (one per line; a trailing `# comment` and a pipe are
 * not part of it) or in an inline code span (which must not break across lines). */
static size_t extract(const char *path, cmd_t *cmds, size_t cap, size_t n)
{
	char *text = th_read_file(path);
	int fence = 0, lineno = 0;
	if (!text)
		fail_msg("cannot read %s (run from the repository root)", path);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *t = line;
		while (*t == ' ' || *t == '\t')
			t++;
		if (strncmp(t, "```", 3) == 0) {
			fence = !fence;
			continue;
		}
		if (fence) {
			if (strncmp(t, "seam ctl ", 9) != 0)
				continue;
			TH_ASSERT_CMP(n, <, cap);
			cmd_t *c = &cmds[n++];
			snprintf(c->where, sizeof c->where, "%s:%d", path, lineno);
			char *hash = strstr(t, " #"), *pipe = strstr(t, " | ");
			if (hash)
				*hash = '\0';
			if (pipe) {
				*pipe = '\0';
				c->piped = 1;
			}
			snprintf(c->text, sizeof c->text, "%s", t);
			continue;
		}
		for (char *p = line; (p = strstr(p, "`seam ctl ")) != NULL;) {
			char *end = strchr(p + 1, '`');
			if (!end)
				fail_msg("%s:%d: `%s` breaks across lines: keep a command on one line", path,
					 lineno, p + 1);
			TH_ASSERT_CMP(n, <, cap);
			cmd_t *c = &cmds[n++];
			snprintf(c->where, sizeof c->where, "%s:%d", path, lineno);
			snprintf(c->text, sizeof c->text, "%.*s", (int)(end - p - 1), p + 1);
			p = end + 1;
		}
	}
	free(text);
	return n;
}

/* Fills the placeholders a reader replaces: ID, <order number>, <correlation id>, <flow>, the
 * example job id. */
static void fill(const fx_t *f, const char *in, char *out, size_t cap)
{
	static const char *const example_id = "01a218b2-f437-7781-95c3-5435176fbd58";
	const struct {
		const char *from, *to;
	} subs[] = {
		{"<order number>", ORDER_NUMBER}, {"<order uuid>", ORDER_UUID},
		{"<correlation id>", CID},        {example_id, f->dead_order},
		{"<store>", "us"},                {"<SKU or model code>", "model_0001"},
		{"<SKU>", "SKU-000001"},          {"<flow>", "orders"},
	};
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = in; *p && len + 1 < cap;) {
		int done = 0;
		for (size_t i = 0; i < sizeof subs / sizeof subs[0] && !done; i++) {
			size_t l = strlen(subs[i].from);
			if (strncmp(p, subs[i].from, l) == 0) {
				len += (size_t)snprintf(out + len, cap - len, "%s", subs[i].to);
				p += l;
				done = 1;
			}
		}
		/* the word ID on its own */
		if (!done && strncmp(p, "ID", 2) == 0 && (p == in || p[-1] == ' ') &&
		    (p[2] == '\0' || p[2] == ' ')) {
			len += (size_t)snprintf(out + len, cap - len, "%s", f->dead_order);
			p += 2;
			done = 1;
		}
		if (!done)
			out[len++] = *p++, out[len] = '\0';
	}
}

static void test_runbooks_work_as_pasted(void **state)
{
	static cmd_t cmds[128];
	size_t n = 0;
	(void)state;
	DIR *d = opendir("docs/runbooks");
	if (!d)
		fail_msg("docs/runbooks not found (run from the repository root)");
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char path[300];
		if (l < 4 || strcmp(de->d_name + l - 3, ".md") != 0)
			continue;
		snprintf(path, sizeof path, "docs/runbooks/%s", de->d_name);
		n = extract(path, cmds, sizeof cmds / sizeof cmds[0], n);
	}
	closedir(d);
	/* the runbooks do show commands: an extractor that finds none proves nothing */
	TH_ASSERT_CMP(n, >=, 15);
	int failures = 0;
	for (size_t i = 0; i < n; i++) {
		fx_t f;
		char filled[600], *args[40];
		int na = 0;
		fx_make(&f);
		fill(&f, cmds[i].text + strlen("seam ctl "), filled, sizeof filled);
		for (char *tok = strtok(filled, " "); tok && na < 39; tok = strtok(NULL, " "))
			args[na++] = tok;
		args[na] = NULL;
		res_t r = ctl(&f, (const char *const *)args);
		int ok = r.rc == 0;
		if (ok && cmds[i].piped) {
			json_t *doc = json_loads(r.out, 0, NULL);
			ok = doc != NULL;
			json_decref(doc);
		}
		if (!ok) {
			failures++;
			fprintf(stderr, "%s: `%s` exits %d\n%s%s\n", cmds[i].where, cmds[i].text, r.rc,
				r.out ? r.out : "", r.err ? r.err : "");
		}
		res_free(&r);
		fx_drop(&f);
	}
	printf("%zu runbook commands run\n", n);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_everywhere),
		cmocka_unit_test(test_json_after_the_action),
		cmocka_unit_test(test_runbooks_work_as_pasted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
