/* Docs and help text promise only what a user of the repository has: no pointer to files that
 * live outside it (a design page, reference notes, issue notes), the design rules the code
 * cites are in docs/design.md, and `seam serve --help` names no feature that does not exist
 * (the dashboard it names is in the route table, with its docs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/api.h"
#include "tests/support/harness.h"

/* Pointers to things outside the repository. Spelt in pieces so this file does not match. */
static const char *needles[4];
static int bad_refs;

static int scan(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag != FTW_F || strstr(path, "/build/") || strstr(path, "tests/e2e/test_docs.c"))
		return 0;
	size_t l = strlen(path);
	static const char *const exts[] = {".c", ".h", ".md", ".sh", ".php", ".yaml", ".yml",
					   ".lua", ".json", ".sql", "Makefile"};
	int text = 0;
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		size_t el = strlen(exts[i]);
		text |= l >= el && strcmp(path + l - el, exts[i]) == 0;
	}
	if (!text)
		return 0;
	char *body = th_read_file(path);
	if (!body)
		return 0;
	for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
		const char *hit = strstr(body, needles[i]);
		if (hit) {
			int line = 1;
			for (const char *p = body; p < hit; p++)
				line += *p == '\n';
			fprintf(stderr, "%s:%d: points outside the repository: '%s'\n", path, line,
				needles[i]);
			bad_refs++;
		}
	}
	free(body);
	return 0;
}

static void test_no_pointers_outside_the_repository(void **state)
{
	static char design[16], refdir[16], note[16], rule[16];
	static const char *const roots[] = {"README.md", "Makefile", "docs", "src", "sim", "tests",
					    "scripts", "examples", "bench", "drupal", "contracts",
					    "mappings", "fuzz"};
	(void)state;
	snprintf(design, sizeof design, "%s.%s", "DESIGN", "md");
	snprintf(refdir, sizeof refdir, "%s/", "reference");
	snprintf(note, sizeof note, "%s %s", "issue", "note");
	snprintf(rule, sizeof rule, "%s %s", "DESIGN", "rule");
	needles[0] = design;
	needles[1] = refdir;
	needles[2] = note;
	needles[3] = rule;
	if (access("docs", F_OK) != 0)
		fail_msg("run from the repository root");
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
		if (access(roots[i], F_OK) == 0)
			nftw(roots[i], scan, 16, FTW_PHYS);
	assert_int_equal(bad_refs, 0);
}

static void test_design_rules_are_in_the_repository(void **state)
{
	char want[16];
	(void)state;
	char *doc = th_read_file("docs/design.md");
	assert_non_null(doc);
	for (int i = 1; i <= 10; i++) {
		snprintf(want, sizeof want, "\n%d. **", i);
		if (!strstr(doc, want))
			fail_msg("docs/design.md has no rule %d (the code cites rules 1 to 10)", i);
	}
	free(doc);
}

/* Output of the binary with args (stdout and stderr). */
static char *run(char *const argv[])
{
	char dir[64], log[128];
	int st;
	th_tmpdir(dir);
	snprintf(log, sizeof log, "%s/out.txt", dir);
	pid_t pid = th_spawn(argv, log);
	waitpid(pid, &st, 0);
	char *out = th_read_file(log);
	th_rmrf(dir);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	return out;
}

static void test_help_promises_what_exists(void **state)
{
	(void)state;
	char *const serve[] = {(char *)th_seam_bin(), "serve", "--help", NULL};
	char *const top[] = {(char *)th_seam_bin(), "--help", NULL};
	char *out = run(serve);
	assert_non_null(strstr(out, "usage: seam serve"));
	if (strstr(out, "GraphQL"))
		fail_msg("seam serve --help promises what seam does not serve:\n%s", out);
	/* the dashboard: named because the route table serves it, with its page and its docs */
	size_t n;
	const seam_route_t *r = seam_api_routes(&n);
	int ops = 0, login = 0;
	for (size_t i = 0; i < n; i++) {
		ops |= !strcmp(r[i].method, "GET") && !strcmp(r[i].pattern, "/ops/*");
		login |= !strcmp(r[i].method, "POST") && !strcmp(r[i].pattern, "/ops/login");
	}
	if ((strstr(out, "dashboard") || strstr(out, "/ops")) && !(ops && login))
		fail_msg("seam serve --help names a dashboard the route table does not serve:\n%s", out);
	assert_non_null(strstr(out, "/ops/"));
	if (access("docs/dashboard.md", R_OK) != 0)
		fail_msg("seam serve --help names the dashboard, and docs/dashboard.md is missing");
	free(out);
	out = run(top);
	assert_null(strstr(out, "GraphQL"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_pointers_outside_the_repository),
		cmocka_unit_test(test_design_rules_are_in_the_repository),
		cmocka_unit_test(test_help_promises_what_exists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
