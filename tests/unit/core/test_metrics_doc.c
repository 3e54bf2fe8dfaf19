/* docs/metrics.md must list every metric declared in SEAM_METRICS: the operator reference
 * cannot drift from the table the code runs on. (Runs from the repository root, as make does.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "tests/support/harness.h"

static void test_every_metric_documented(void **state)
{
	size_t n, missing = 0;
	const seam_metric_def_t *d = seam_metric_defs(&n);
	char *doc = th_read_file("docs/metrics.md");
	(void)state;
	if (!doc) {
		printf("SKIP: docs/metrics.md not found (run from the repository root)\n");
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		char needle[160];
		snprintf(needle, sizeof needle, "`%s`", d[i].name);
		if (!strstr(doc, needle)) {
			fprintf(stderr, "docs/metrics.md does not list %s\n", d[i].name);
			missing++;
		}
	}
	free(doc);
	assert_int_equal(missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_metric_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
