/* test_th_assert.c: the got/want assertions of tests/support/th_assert.h pass when the
 * relation holds, and fail the test (printing both values, the expression and file:line) when
 * it does not. A failing assertion runs in a forked child under its own cmocka run, so the
 * failure is observed without failing this test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/th_assert.h"

/* Runs fn as the only test of a cmocka group in a child whose stdout and stderr go to a pipe;
 * returns the child's exit status (cmocka's count of failed tests) and its output in out. */
static int run_child(CMUnitTestFunction fn, char *out, size_t cap)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_int_not_equal(pid, -1);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		const struct CMUnitTest one[] = {cmocka_unit_test(fn)};
		int failed = cmocka_run_group_tests_name("child", one, NULL, NULL);
		fflush(NULL);
		_exit(failed);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(p[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The line of fail_int's assertion, for the message check (the child's memory is its own). */
static const int fail_int_line = __LINE__ + 6;

static void fail_int(void **state)
{
	(void)state;
	long got = -3;
	TH_ASSERT_CMP(got + 0, >=, 5);
}

static void fail_double(void **state)
{
	(void)state;
	double tax = 0.1 + 0.2;
	TH_ASSERT_CMP(tax, ==, 0.3);
}

static void fail_unsigned(void **state)
{
	(void)state;
	size_t n = 7;
	TH_ASSERT_CMP(n, <, (size_t)7);
}

static void fail_strcmp(void **state)
{
	(void)state;
	TH_ASSERT_STRCMP("b", <, "a");
}

static void fail_strncmp(void **state)
{
	(void)state;
	const char *name = "http_requests_total";
	TH_ASSERT_STRNCMP(name, ==, "seam_", 5);
}

static void pass_all(void **state)
{
	(void)state;
	int calls = 0;
	/* Each operand is evaluated once. */
	TH_ASSERT_CMP(++calls, ==, 1);
	assert_int_equal(calls, 1);
	TH_ASSERT_CMP(-1, <, 0);
	TH_ASSERT_CMP(2.5, >, 2);
	TH_ASSERT_CMP((unsigned)3, <=, 3u);
	size_t n = 7;
	TH_ASSERT_CMP(n, >=, 1); /* a size_t against a literal, as the tests write it */
	TH_ASSERT_CMP(0.73, ==, 0.73);
	TH_ASSERT_CMP((long double)1, <, 2.0L);
	TH_ASSERT_CMP(7, !=, 8);
	const char *s = "abc";
	TH_ASSERT_CMP(strchr(s, 'a'), <, strchr(s, 'c'));
	TH_ASSERT_STRCMP("a", <, "b");
	TH_ASSERT_STRNCMP("seam_x", ==, "seam_", 5);
	TH_ASSERT_STRNCMP("__x", !=, "_a", 2);
}

static void test_passes_when_it_holds(void **state)
{
	(void)state;
	char out[4096];
	assert_int_equal(run_child(pass_all, out, sizeof out), 0);
}

static void test_int_failure_says_got_and_want(void **state)
{
	(void)state;
	char out[4096], want[256];
	assert_int_equal(run_child(fail_int, out, sizeof out), 1);
	snprintf(want, sizeof want, "test_th_assert.c:%d: got + 0 >= 5: got -3, want >= 5", fail_int_line);
	if (!strstr(out, want))
		fail_msg("want \"%s\" in the child's output:\n%s", want, out);
}

static void test_double_failure_round_trips(void **state)
{
	(void)state;
	char out[4096];
	assert_int_equal(run_child(fail_double, out, sizeof out), 1);
	if (!strstr(out, "tax == 0.3: got 0.30000000000000004, want == 0.3"))
		fail_msg("child's output:\n%s", out);
}

static void test_unsigned_failure(void **state)
{
	(void)state;
	char out[4096];
	assert_int_equal(run_child(fail_unsigned, out, sizeof out), 1);
	if (!strstr(out, "n < (size_t)7: got 7, want < 7"))
		fail_msg("child's output:\n%s", out);
}

static void test_string_failures(void **state)
{
	(void)state;
	char out[4096];
	assert_int_equal(run_child(fail_strcmp, out, sizeof out), 1);
	if (!strstr(out, "strcmp(\"b\", \"a\") < 0: got \"b\", want < \"a\""))
		fail_msg("child's output:\n%s", out);
	assert_int_equal(run_child(fail_strncmp, out, sizeof out), 1);
	if (!strstr(out, "strncmp(name, \"seam_\", 5) == 0: got \"http_requests_total\", want == \"seam_\""))
		fail_msg("child's output:\n%s", out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passes_when_it_holds),
		cmocka_unit_test(test_int_failure_says_got_and_want),
		cmocka_unit_test(test_double_failure_round_trips),
		cmocka_unit_test(test_unsigned_failure),
		cmocka_unit_test(test_string_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
