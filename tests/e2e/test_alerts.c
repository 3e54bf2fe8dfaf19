/* The alert rules operators load (deploy/prometheus/seam.rules.yml) are valid, tested and
 * documented:
 *
 *   - `promtool check rules` accepts the file, `promtool test rules` passes every unit test
 *     under deploy/prometheus/tests/ (skipped, with SKIP:, when promtool is not installed);
 *   - every alert has severity page or ticket, a summary, a description and a runbook_url
 *     naming a runbook under docs/runbooks/ that exists, names the alert and has the sections
 *     an operator needs (what it means, what customers see, what to check, how to fix, how to
 *     verify);
 *   - every alert has at least one promtool case where it fires and one where it does not, and
 *     every case names an alert that exists (promtool passes a case about a misspelt alert
 *     that expects nothing);
 *   - every metric an expression reads is declared in SEAM_METRICS (or is Prometheus's `up`),
 *     with the labels its selectors match on;
 *   - seam_ready, which SeamNotReady reads, follows GET /readyz on a running seam.
 *
 * Runs from the repository root, as make does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ctype.h>
#include <glob.h>
#include <libfyaml.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/metrics.h"
#include "store/store.h"
#include "tests/support/harness.h"

#define RULES "deploy/prometheus/seam.rules.yml"
#define TESTS "deploy/prometheus/tests/*.test.yml"
#define RUNBOOK_PREFIX "{{ $externalLabels.runbook_base }}/docs/runbooks/"
#define MAX_ALERTS 64

/* Metrics the rules read that land in SEAM_METRICS with reconciliation (issue 17), written in
 * parallel with these rules. Until a name is in the registry the rules may use it with these
 * labels; once it is, the registry's labels must be exactly these. */
static const struct {
	const char *name, *labels;
} pending[] = {
	{"seam_reconcile_drift", "store,kind"},
	{"seam_reconcile_runs_total", "store,outcome"},
	{"seam_reconcile_last_run_timestamp_seconds", "store"},
};

typedef struct alert {
	char name[96], expr[2048], severity[32], summary[512], description[1024], runbook[512];
	int fires, quiet; /* promtool cases expecting it to fire / not to fire */
} alert_t;

static alert_t alerts[MAX_ALERTS];
static size_t nalerts;

/* ---- reading the YAML ---- */

static struct fy_node *get(struct fy_node *map, const char *key)
{
	if (!map || fy_node_get_type(map) != FYNT_MAPPING)
		return NULL;
	return fy_node_mapping_lookup_by_string(map, key, FY_NT);
}

/* A scalar's text, "" when it is missing or not a scalar. */
static const char *text(struct fy_node *n)
{
	const char *s = n && fy_node_get_type(n) == FYNT_SCALAR ? fy_node_get_scalar0(n) : NULL;
	return s ? s : "";
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

static alert_t *find_alert(const char *name)
{
	for (size_t i = 0; i < nalerts; i++)
		if (strcmp(alerts[i].name, name) == 0)
			return &alerts[i];
	return NULL;
}

/* Fills alerts[] from the rules file (recording rules are skipped). */
static void load_rules(void)
{
	struct fy_document *doc = fy_document_build_from_file(NULL, RULES);
	void *gi = NULL, *ri;
	struct fy_node *g, *r;
	if (!doc)
		fail_msg("%s: not found or not YAML (run from the repository root)", RULES);
	nalerts = 0;
	while ((g = fy_node_sequence_iterate(get(fy_document_root(doc), "groups"), &gi))) {
		ri = NULL;
		while ((r = fy_node_sequence_iterate(get(g, "rules"), &ri))) {
			if (!get(r, "alert"))
				continue;
			if (nalerts == MAX_ALERTS)
				fail_msg("%s: more than %d alerts: raise MAX_ALERTS", RULES, MAX_ALERTS);
			alert_t *a = &alerts[nalerts++];
			memset(a, 0, sizeof *a);
			copy(a->name, sizeof a->name, text(get(r, "alert")));
			copy(a->expr, sizeof a->expr, text(get(r, "expr")));
			copy(a->severity, sizeof a->severity, text(get(get(r, "labels"), "severity")));
			struct fy_node *an = get(r, "annotations");
			copy(a->summary, sizeof a->summary, text(get(an, "summary")));
			copy(a->description, sizeof a->description, text(get(an, "description")));
			copy(a->runbook, sizeof a->runbook, text(get(an, "runbook_url")));
		}
	}
	fy_document_destroy(doc);
	if (nalerts == 0)
		fail_msg("%s: no alerts", RULES);
}

/* ---- promtool ---- */

/* promtool's path on $PATH (the harness starts programs by path), or "" when none. */
static char promtool[4096];

static int find_promtool(void)
{
	const char *path = getenv("PATH");
	while (path && *path) {
		size_t l = strcspn(path, ":");
		snprintf(promtool, sizeof promtool, "%.*s/promtool", (int)l, path);
		if (l && access(promtool, X_OK) == 0)
			return 1;
		path += l;
		if (*path)
			path++;
	}
	promtool[0] = '\0';
	return 0;
}

/* Runs argv to completion; its exit code (-1 when it did not exit), output in *out. */
static int run(char *const argv[], char **out)
{
	char dir[64], log[128];
	int st = 0;
	th_tmpdir(dir);
	snprintf(log, sizeof log, "%s/out.txt", dir);
	pid_t pid = th_spawn(argv, log);
	if (pid > 0)
		waitpid(pid, &st, 0);
	*out = th_read_file(log);
	th_rmrf(dir);
	return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void need_promtool(void)
{
	if (!find_promtool()) {
		printf("SKIP: promtool not installed (Debian package prometheus)\n");
		skip();
	}
}

static void test_promtool_check_rules(void **state)
{
	char *out;
	(void)state;
	need_promtool();
	char *const argv[] = {promtool, "check", "rules", RULES, NULL};
	int rc = run(argv, &out);
	if (rc != 0)
		fail_msg("promtool check rules %s: exit %d\n%s", RULES, rc, out ? out : "");
	free(out);
}

static void test_promtool_test_rules(void **state)
{
	glob_t g;
	char *argv[64] = {promtool, "test", "rules"}, *out;
	size_t n = 3;
	(void)state;
	need_promtool();
	if (glob(TESTS, 0, NULL, &g) != 0 || g.gl_pathc == 0)
		fail_msg("no promtool tests match %s", TESTS);
	for (size_t i = 0; i < g.gl_pathc && n < 63; i++)
		argv[n++] = g.gl_pathv[i];
	argv[n] = NULL;
	int rc = run(argv, &out);
	if (rc != 0)
		fail_msg("promtool test rules %s: exit %d\n%s", TESTS, rc, out ? out : "");
	free(out);
	globfree(&g);
}

/* ---- labels, annotations, runbooks ---- */

static void test_every_alert_is_labelled_and_has_a_runbook(void **state)
{
	static const char *const sections[] = {"## What it means", "## What customers see",
					       "## What to check", "## How to fix",
					       "## How to verify"};
	int problems = 0;
	(void)state;
	load_rules();
	for (size_t i = 0; i < nalerts; i++) {
		const alert_t *a = &alerts[i];
		if (strcmp(a->severity, "page") != 0 && strcmp(a->severity, "ticket") != 0) {
			fprintf(stderr, "%s: severity is '%s', want page or ticket\n", a->name, a->severity);
			problems++;
		}
		if (!*a->summary || !*a->description) {
			fprintf(stderr, "%s: needs annotations summary and description\n", a->name);
			problems++;
		}
		size_t pl = strlen(RUNBOOK_PREFIX), rl = strlen(a->runbook);
		if (strncmp(a->runbook, RUNBOOK_PREFIX, pl) != 0 || rl <= pl + 3 ||
		    strcmp(a->runbook + rl - 3, ".md") != 0 || strchr(a->runbook + pl, '/')) {
			fprintf(stderr, "%s: runbook_url is '%s', want '%sNAME.md'\n", a->name,
				a->runbook, RUNBOOK_PREFIX);
			problems++;
			continue;
		}
		char path[600];
		snprintf(path, sizeof path, "docs/runbooks/%s", a->runbook + pl);
		char *doc = th_read_file(path);
		if (!doc) {
			fprintf(stderr, "%s: runbook_url names %s, which does not exist\n", a->name, path);
			problems++;
			continue;
		}
		char quoted[128];
		snprintf(quoted, sizeof quoted, "`%s`", a->name);
		if (!strstr(doc, quoted)) {
			fprintf(stderr, "%s: %s does not name the alert (%s)\n", a->name, path, quoted);
			problems++;
		}
		for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
			const char *h = doc;
			while ((h = strstr(h, sections[s])) && h != doc && h[-1] != '\n')
				h++;
			if (!h) {
				fprintf(stderr, "%s: %s has no section '%s'\n", a->name, path, sections[s]);
				problems++;
			}
		}
		free(doc);
	}
	if (problems)
		fail_msg("%d problem(s) with the alerts' labels, annotations or runbooks (above)",
			 problems);
}

/* ---- promtool cases per alert ---- */

static void test_every_alert_fires_and_stays_quiet_in_a_test(void **state)
{
	glob_t g;
	int problems = 0;
	(void)state;
	load_rules();
	if (glob(TESTS, 0, NULL, &g) != 0 || g.gl_pathc == 0)
		fail_msg("no promtool tests match %s", TESTS);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		const char *file = g.gl_pathv[f];
		struct fy_document *doc = fy_document_build_from_file(NULL, file);
		void *it = NULL, *ti = NULL, *ci;
		struct fy_node *n, *t, *c;
		int loads_rules = 0;
		if (!doc)
			fail_msg("%s: not YAML", file);
		while ((n = fy_node_sequence_iterate(get(fy_document_root(doc), "rule_files"), &it)))
			loads_rules |= strcmp(text(n), "../seam.rules.yml") == 0;
		if (!loads_rules) {
			fprintf(stderr, "%s: rule_files does not list ../seam.rules.yml\n", file);
			problems++;
		}
		while ((t = fy_node_sequence_iterate(get(fy_document_root(doc), "tests"), &ti))) {
			ci = NULL;
			while ((c = fy_node_sequence_iterate(get(t, "alert_rule_test"), &ci))) {
				const char *name = text(get(c, "alertname"));
				struct fy_node *exp = get(c, "exp_alerts");
				alert_t *a = find_alert(name);
				if (!a) {
					fprintf(stderr, "%s: a case for alert '%s', which %s does not have\n",
						file, name, RULES);
					problems++;
					continue;
				}
				if (exp && fy_node_get_type(exp) == FYNT_SEQUENCE &&
				    fy_node_sequence_item_count(exp) > 0)
					a->fires++;
				else
					a->quiet++;
			}
		}
		fy_document_destroy(doc);
	}
	globfree(&g);
	for (size_t i = 0; i < nalerts; i++) {
		if (!alerts[i].fires) {
			fprintf(stderr, "%s: no promtool case where it fires (exp_alerts)\n",
				alerts[i].name);
			problems++;
		}
		if (!alerts[i].quiet) {
			fprintf(stderr, "%s: no promtool case where it does not fire (no exp_alerts)\n",
				alerts[i].name);
			problems++;
		}
	}
	if (problems)
		fail_msg("%d problem(s) with the promtool tests in %s (above)", problems, TESTS);
}

/* ---- metrics the expressions read ---- */

static int in_list(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(word, *list) == 0)
			return 1;
	return 0;
}

/* Whether label is one of the comma-separated names in labels. */
static int has_label(const char *labels, const char *label)
{
	size_t l = strlen(label);
	for (const char *p = labels; p && *p;) {
		size_t n = strcspn(p, ",");
		if (n == l && strncmp(p, label, l) == 0)
			return 1;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

/* The labels a metric name may be matched on, or NULL when seam does not declare it. Writes a
 * note about pending names (see pending[]) to stderr, and fails on a pending name the registry
 * declares with other labels. */
static const char *metric_labels(const char *name, int *histogram_series)
{
	size_t n, nl = strlen(name);
	const seam_metric_def_t *d = seam_metric_defs(&n);
	*histogram_series = 0;
	if (strcmp(name, "up") == 0)
		return "";
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d[i].name, name) == 0) {
			for (size_t p = 0; p < sizeof pending / sizeof pending[0]; p++)
				if (strcmp(pending[p].name, name) == 0 &&
				    strcmp(pending[p].labels, d[i].labels) != 0)
					fail_msg("%s is declared with labels '%s'; the alert rules match "
						 "on '%s'", name, d[i].labels, pending[p].labels);
			return d[i].labels;
		}
		size_t bl = strlen(d[i].name);
		if (d[i].kind == SEAM_METRIC_HISTOGRAM && nl > bl &&
		    strncmp(name, d[i].name, bl) == 0 &&
		    (strcmp(name + bl, "_bucket") == 0 || strcmp(name + bl, "_sum") == 0 ||
		     strcmp(name + bl, "_count") == 0)) {
			*histogram_series = strcmp(name + bl, "_bucket") == 0;
			return d[i].labels;
		}
	}
	for (size_t p = 0; p < sizeof pending / sizeof pending[0]; p++)
		if (strcmp(pending[p].name, name) == 0) {
			static int said[sizeof pending / sizeof pending[0]];
			if (!said[p]++)
				printf("note: %s is not in SEAM_METRICS yet (reconciliation, pending)\n",
				       name);
			return pending[p].labels;
		}
	return NULL;
}

/* Checks the label matchers of a selector at *pp (just after '{'); moves *pp past '}'. */
static int check_matchers(const char *alert, const char *metric, const char *labels, int bucket,
			  const char **pp)
{
	const char *p = *pp;
	int problems = 0;
	while (*p && *p != '}') {
		char label[64];
		size_t n = 0;
		while (isspace((unsigned char)*p) || *p == ',')
			p++;
		while ((isalnum((unsigned char)*p) || *p == '_') && n < sizeof label - 1)
			label[n++] = *p++;
		label[n] = '\0';
		while (*p && *p != '"' && *p != '\'' && *p != '`' && *p != '}')
			p++;
		if (*p == '"' || *p == '\'' || *p == '`') {
			char q = *p++;
			while (*p && *p != q)
				p += *p == '\\' && p[1] ? 2 : 1;
			if (*p)
				p++;
		}
		if (n && labels && !has_label(labels, label) && strcmp(label, "job") != 0 &&
		    strcmp(label, "instance") != 0 && !(bucket && strcmp(label, "le") == 0)) {
			fprintf(stderr, "%s: matches %s on label '%s'; it has: %s\n", alert, metric,
				label, *labels ? labels : "(none)");
			problems++;
		}
	}
	*pp = *p ? p + 1 : p;
	return problems;
}

/* The metric names in a PromQL expression: identifiers that are not functions, aggregation
 * operators, keywords or label names; each checked against the registry. */
static int check_expr(const alert_t *a)
{
	static const char *const aggregators[] = {
		"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
		"bottomk", "topk", "quantile", NULL};
	static const char *const keywords[] = {"and", "or", "unless", "bool", "offset", NULL};
	static const char *const grouping[] = {"by", "without", "on", "ignoring", "group_left",
					       "group_right", NULL};
	const char *p = a->expr;
	int problems = 0;
	while (*p) {
		if (*p == '"' || *p == '\'' || *p == '`') {
			char q = *p++;
			while (*p && *p != q)
				p += *p == '\\' && p[1] ? 2 : 1;
			if (*p)
				p++;
		} else if (*p == '[') {
			p += strcspn(p, "]");
		} else if (*p == '{') { /* a selector without a name: its matchers are not checked */
			p += strcspn(p, "}");
		} else if (isdigit((unsigned char)*p) || *p == '.') {
			while (isalnum((unsigned char)*p) || *p == '.')
				p++;
		} else if (isalpha((unsigned char)*p) || *p == '_' || *p == ':') {
			char word[128];
			size_t n = 0;
			while ((isalnum((unsigned char)*p) || *p == '_' || *p == ':') &&
			       n < sizeof word - 1)
				word[n++] = *p++;
			word[n] = '\0';
			const char *after = p;
			while (isspace((unsigned char)*after))
				after++;
			if (in_list(word, grouping)) { /* by (a, b): label names, skipped */
				if (*after == '(')
					p = after + strcspn(after, ")");
				continue;
			}
			if (*after == '(' || in_list(word, aggregators) || in_list(word, keywords))
				continue;
			int bucket;
			const char *labels = metric_labels(word, &bucket);
			if (!labels) {
				fprintf(stderr, "%s: reads %s, which is neither in SEAM_METRICS (seam "
						"check --metrics) nor a Prometheus built-in\n",
					a->name, word);
				problems++;
			}
			if (*after == '{') {
				p = after + 1;
				problems += check_matchers(a->name, word, labels, bucket, &p);
			}
			continue;
		}
		if (*p)
			p++;
	}
	return problems;
}

static void test_every_metric_in_the_rules_exists(void **state)
{
	int problems = 0;
	(void)state;
	load_rules();
	for (size_t i = 0; i < nalerts; i++)
		problems += check_expr(&alerts[i]);
	if (problems)
		fail_msg("%d problem(s) with the metrics the alert expressions read (above)", problems);
}

/* ---- seam_ready on a running seam ---- */

static void scrape(const th_seam_t *s, double *ready, long *readyz)
{
	char u[256];
	th_resp_t r;
	assert_int_equal(th_http("GET", th_seam_url(s, "/readyz", u, sizeof u), NULL, NULL, 0, &r), 0);
	*readyz = r.status;
	th_resp_free(&r);
	assert_int_equal(th_http("GET", th_seam_url(s, "/metrics", u, sizeof u), NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	*ready = th_metric(r.body, "seam_ready");
	th_resp_free(&r);
}

/* Through a second connection: hide the newest applied migration (its version negated, so
 * it looks pending) or, with hide 0, bring it back. */
static void hide_newest_migration(const th_seam_t *s, int hide)
{
	seam_store_t *st = NULL;
	seam_store_opts_t o = {.pool_size = 1, .busy_timeout_ms = 30000};
	seam_error_t err = {0};
	if (seam_store_open(s->db_url, &o, &st, &err) != SEAM_OK)
		fail_msg("open %s: %s", s->db_url, err.msg);
	seam_db_t *db = seam_store_acquire(st);
	const char *sql = hide ? "UPDATE seam_migrations SET version = -version WHERE version = "
				 "(SELECT max(version) FROM seam_migrations)"
			       : "UPDATE seam_migrations SET version = -version WHERE version < 0";
	seam_err_t rc = seam_db_run(db, sql, NULL, 0, NULL, &err);
	seam_store_release(st, db);
	seam_store_close(st);
	if (rc != SEAM_OK)
		fail_msg("%s: %s", sql, err.msg);
}

static void test_ready_metric_follows_readyz(void **state)
{
	th_seam_t s;
	char dir[64];
	double ready;
	long readyz;
	(void)state;
	th_tmpdir(dir);
	th_seam_init(&s, dir, "seam");
	th_seam_write_config(&s, "listen: 127.0.0.1:%d\nstore: %s\n", s.port, s.db_url);
	assert_int_equal(th_seam_start(&s, 10000), 0);
	scrape(&s, &ready, &readyz);
	assert_int_equal(readyz, 200);
	assert_int_equal((int)ready, 1);
	/* the newest migration looks unapplied: /readyz says 503, and so does the gauge */
	hide_newest_migration(&s, 1);
	scrape(&s, &ready, &readyz);
	assert_int_equal(readyz, 503);
	assert_int_equal((int)ready, 0);
	/* and back: the gauge is read at every scrape, not once */
	hide_newest_migration(&s, 0);
	scrape(&s, &ready, &readyz);
	assert_int_equal(readyz, 200);
	assert_int_equal((int)ready, 1);
	th_e2e_teardown(&s, 0, 5000, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_promtool_check_rules),
		cmocka_unit_test(test_promtool_test_rules),
		cmocka_unit_test(test_every_alert_is_labelled_and_has_a_runbook),
		cmocka_unit_test(test_every_alert_fires_and_stays_quiet_in_a_test),
		cmocka_unit_test(test_every_metric_in_the_rules_exists),
		cmocka_unit_test(test_ready_metric_follows_readyz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
