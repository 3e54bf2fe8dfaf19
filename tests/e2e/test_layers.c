/* test_layers.c: scripts/layers.sh, the include-graph check (docs/design.md, "Architecture"):
 * the repository's own tree passes with only its listed exceptions, and small trees with an
 * upward edge, a sideways edge, a module cycle, a folder without a layer, a simulator reaching
 * into a connector, or an exception that no longer occurs each fail, naming what is wrong.
 * Run from the repository root (make e2e does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/harness.h"

typedef struct run {
	int rc;
	char *out; /* stdout and stderr (owned) */
} run_t;

/* sh scripts/layers.sh [-x exc] [root]; exc/root NULL: the script's defaults. */
static run_t layers(const char *exc, const char *root)
{
	char cmd[1024], buf[4096];
	run_t r = {.rc = -1};
	size_t len = 0, cap = 0;
	snprintf(cmd, sizeof cmd, "sh scripts/layers.sh %s%s %s 2>&1", exc ? "-x " : "",
		 exc ? exc : "", root ? root : "");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			r.out = realloc(r.out, cap);
			assert_non_null(r.out);
		}
		memcpy(r.out + len, buf, n);
		len += n;
	}
	if (!r.out)
		r.out = calloc(1, 1);
	r.out[len] = '\0';
	int st = pclose(p);
	r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return r;
}

/* Writes root/path (making its directories) with text. */
static void put(const char *root, const char *path, const char *text)
{
	char full[512], dir[512];
	snprintf(full, sizeof full, "%s/%s", root, path);
	snprintf(dir, sizeof dir, "%s", full);
	for (char *s = strchr(dir + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(dir, 0755);
		*s = '/';
	}
	th_write_file(full, text);
}

/* A clean little tree: core <- queue <- flows <- app <- main. */
static void clean_tree(const char *root)
{
	put(root, "src/core/err.h", "#include <stddef.h>\n");
	put(root, "src/core/err.c", "#include \"core/err.h\"\n");
	put(root, "src/queue/queue.h", "#include \"core/err.h\"\n");
	put(root, "src/queue/queue.c", "#include \"queue/queue.h\"\n#include \"queue/queue_int.h\"\n");
	put(root, "src/queue/queue_int.h", "#include \"queue/queue.h\"\n");
	put(root, "src/flows/flow.h", "#include \"queue/queue.h\"\n");
	put(root, "src/app/app.c", "#include \"flows/flow.h\"\n");
	put(root, "src/main.c", "#include \"app/app.h\"\n");
	put(root, "src/app/app.h", "#include \"core/err.h\"\n");
}

static void expect(const char *root, const char *exc, int rc, const char *needle)
{
	run_t r = layers(exc, root);
	if (r.rc != rc || !strstr(r.out, needle))
		fail_msg("layers.sh rc %d (want %d); output lacks \"%s\":\n%s", r.rc, rc, needle, r.out);
	free(r.out);
}

static void test_repository_tree_passes(void **state)
{
	(void)state;
	if (access("scripts/layers.sh", R_OK) != 0)
		fail_msg("run from the repository root");
	run_t r = layers(NULL, NULL);
	printf("%s", r.out);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "include graph"));
	assert_non_null(strstr(r.out, "  app -> api"));
	assert_non_null(strstr(r.out, "layers: ok"));
	/* the root is the only one above api and ctl; nothing below reaches it */
	assert_null(strstr(r.out, "api -> app"));
	assert_null(strstr(r.out, "ctl -> app"));
	assert_null(strstr(r.out, "ctl -> api"));
	assert_null(strstr(r.out, "flows -> app"));
	free(r.out);
}

static void test_violations_fail(void **state)
{
	char root[64], exc[128];
	(void)state;
	th_tmpdir(root);
	snprintf(exc, sizeof exc, "%s/none", root);
	th_write_file(exc, "# nothing known\n");
	clean_tree(root);
	expect(root, exc, 0, "layers: ok");

	/* upward: the queue reaching into the flows */
	put(root, "src/queue/queue.c", "#include \"queue/queue.h\"\n#include \"flows/flow.h\"\n");
	expect(root, exc, 1, "VIOLATION: src/queue/queue.c -> flows/flow.h  (upward: queue (layer 2) "
			     "includes flows (layer 4))");
	put(root, "src/queue/queue.c", "#include \"queue/queue.h\"\n");

	/* sideways: two folders of one layer */
	put(root, "src/http/retry.h", "#include \"core/err.h\"\n");
	put(root, "src/queue/batch.c", "#include \"http/retry.h\"\n");
	expect(root, exc, 1, "VIOLATION: src/queue/batch.c -> http/retry.h  (sideways: queue and http "
			     "are both layer 2)");
	/* ... tolerated when listed, and listed as such */
	th_write_file(exc, "src/queue/batch.c -> http/retry.h  moves to core\n");
	expect(root, exc, 0, "known exception: src/queue/batch.c -> http/retry.h");
	/* ... and the listing fails once the edge is gone, so the list only shrinks */
	put(root, "src/queue/batch.c", "#include \"queue/batch.h\"\n");
	put(root, "src/queue/batch.h", "#include \"core/err.h\"\n");
	expect(root, exc, 1, "STALE exception (no longer occurs; delete it from the list): "
			     "src/queue/batch.c -> http/retry.h");
	th_write_file(exc, "# nothing known\n");

	/* a module cycle inside one folder */
	put(root, "src/queue/queue.h", "#include \"core/err.h\"\n#include \"queue/batch.h\"\n");
	put(root, "src/queue/batch.h", "#include \"queue/queue.h\"\n");
	expect(root, exc, 1, "VIOLATION: module cycle:");
	put(root, "src/queue/batch.h", "#include \"core/err.h\"\n");
	expect(root, exc, 0, "layers: ok");

	/* a folder with no layer */
	put(root, "src/graphql/schema.c", "#include \"core/err.h\"\n");
	expect(root, exc, 1, "folder graphql has no layer");
	th_rmrf(root);

	/* the simulators: core and http only, never a connector */
	th_tmpdir(root);
	clean_tree(root);
	snprintf(exc, sizeof exc, "%s/none", root);
	th_write_file(exc, "\n");
	put(root, "sim/sim_psp.c", "#include \"core/err.h\"\n#include \"connectors/stripe.h\"\n");
	expect(root, exc, 1, "VIOLATION: sim/sim_psp.c -> connectors/stripe.h  (sim/ may include "
			     "core/, http/ and sim/ only)");
	th_rmrf(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repository_tree_passes),
		cmocka_unit_test(test_violations_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
