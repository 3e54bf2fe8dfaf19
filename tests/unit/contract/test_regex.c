/*
 * test_regex.c: src/contract/regex.c, ECMA-262 (u flag) on PCRE2: what the classes, escapes and
 * anchors mean, what is refused, the limits (a catastrophic pattern answers SEAM_REGEX_LIMIT
 * quickly), and searches from many threads on shared compiled patterns.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "contract/regex.h"
#include "tests/support/th_assert.h"

typedef struct rcase {
	const char *pattern;
	const char *subject;
	int want;
} rcase_t;

/* Runs every case, prints each wrong one with got/want, then asserts there were none. */
static void run_cases(const rcase_t *c, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		seam_error_t err = {0};
		seam_regex_t *re = seam_regex_compile(c[i].pattern, strlen(c[i].pattern), &err);
		if (!re) {
			printf("/%s/: does not compile: %s\n", c[i].pattern, err.msg);
			bad++;
			continue;
		}
		int got = seam_regex_search(re, c[i].subject, strlen(c[i].subject));
		if (got != c[i].want) {
			printf("/%s/ on \"%s\": got %d, want %d\n", c[i].pattern, c[i].subject, got,
			       c[i].want);
			bad++;
		}
		seam_regex_free(re);
	}
	assert_int_equal(bad, 0);
}

enum { M = SEAM_REGEX_MATCH, N = SEAM_REGEX_NOMATCH, L = SEAM_REGEX_LIMIT };

static void test_classes(void **state)
{
	(void)state;
	const rcase_t c[] = {
		{"^\\d$", "7", M},
		{"^\\d$", "\xdf\x80", N},           /* NKO DIGIT ZERO */
		{"^\\D$", "\xdf\x80", M},           /* PCRE2 10.42 JIT + MATCH_INVALID_UTF said N */
		{"^\\W$", "\xc3\xa9", M},           /* e-acute */
		{"^\\w$", "\xc3\xa9", N},
		{"^[\\W]$", "\xc3\xa9", M},
		{"^[\\D]$", "\xdf\x80", M},
		{"\\bcole", "l'\xc3\xa9" "cole", M}, /* \b is ASCII: é is not a word character */
		{"^\\s$", "\xc2\xa0", M},           /* NO-BREAK SPACE */
		{"^\\s$", "\xef\xbb\xbf", M},       /* ZERO WIDTH NO-BREAK SPACE */
		{"^\\s$", "\xe2\x80\x83", M},       /* EM SPACE */
		{"^\\s$", "\xe2\x80\xa8", M},       /* LINE SEPARATOR */
		{"^\\s$", "\x0b", M},
		{"^\\s$", "\xc2\x85", N},           /* NEL is not ECMA whitespace */
		{"^\\s$", "\xe2\x80\x8b", N},       /* ZERO WIDTH SPACE neither */
		{"^\\S$", "\xc2\x85", M},
		{"^\\S$", "\xc2\xa0", N},
		{"^[\\S]$", "\xc2\xa0", N},
		{"^[\\S]$", "\xf0\x9f\x90\xb2", M},
		{"^[\\s\\d]+$", " 1\xe3\x80\x80", M}, /* IDEOGRAPHIC SPACE */
		{"^.$", "\n", N},
		{"^.$", "\r", N},
		{"^.$", "\xe2\x80\xa9", N},         /* PARAGRAPH SEPARATOR */
		{"^.$", "\xc2\x85", M},             /* NEL is not a line terminator in ECMA */
		{"^.$", "\xf0\x9f\x90\xb2", M},     /* one code point, not two code units */
		{"^[^]$", "\n", M},
		{"[]", "anything", N},
		{"^\\p{Letter}+$", "\xc3\xa9t\xc3\xa9", M},
		{"^\\p{Lu}$", "\xc3\x89", M},
		{"^\\P{Lu}$", "\xc3\xa9", M},
		{"^\\p{digit}$", "\xe0\xa7\xaa", M}, /* BENGALI DIGIT FOUR */
		{"^\\p{General_Category=Decimal_Number}$", "4", M},
		{"^\\p{Script=Greek}$", "\xce\xb1", M},
		{"^\\p{sc=Greek}$", "a", N},
		{"^[[a]$", "[", M},                 /* '[' in a class is a literal, not [:posix:] */
	};
	run_cases(c, sizeof c / sizeof c[0]);
}

static void test_escapes_and_anchors(void **state)
{
	(void)state;
	const rcase_t c[] = {
		{"^abc$", "abc\n", N}, /* $ is the very end */
		{"^abc$", "abc", M},
		{"^b", "a\nb", N}, /* no multiline */
		{"abc", "xxabcxx", M}, /* unanchored */
		{"^\\t$", "\t", M},
		{"^\\v$", "\x0b", M},
		{"^\\v$", "\n", N}, /* PCRE2's \v would match */
		{"^\\cC$", "\x03", M},
		{"^\\cc$", "\x03", M},
		{"^\\x41$", "A", M},
		{"^\\u00e9$", "\xc3\xa9", M},
		{"^\\u{1F432}$", "\xf0\x9f\x90\xb2", M},
		{"^\\ud83d\\udc32$", "\xf0\x9f\x90\xb2", M}, /* a surrogate pair is one code point */
		{"^\\0$", "\0", N},                          /* strlen: the subject is empty */
		{"^\\/$", "/", M},
		{"^[a\\-z]$", "-", M},
		{"^(a)\\1$", "aa", M},
		{"^(?:(a)|b)\\1$", "b", M}, /* an unset group's backreference matches empty */
		{"^(?<y>\\d{4})-\\k<y>$", "2026-2026", M},
		{"^(?=a)a(?!b)", "ac", M},
		{"(?<=\\$)\\d+", "$42", M},
		{"(?<!\\$)\\b\\d+", "$42", N},
		{"^a{2,3}$", "aaaa", N},
		{"^a{2,}?$", "aaaa", M},
		{"", "", M},
	};
	run_cases(c, sizeof c / sizeof c[0]);
	/* NUL bytes are characters like any other, in the pattern and the subject. */
	seam_regex_t *re = seam_regex_compile("^a\\0b$", 6, NULL);
	assert_non_null(re);
	assert_int_equal(seam_regex_search(re, "a\0b", 3), SEAM_REGEX_MATCH);
	assert_int_equal(seam_regex_search(re, "a\0c", 3), SEAM_REGEX_NOMATCH);
	/* A subject that is not UTF-8 is refused, never waved on. */
	assert_int_equal(seam_regex_search(re, "a\xff", 2), SEAM_REGEX_LIMIT);
	seam_regex_free(re);
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\\a", "\\e", "\\A", "\\Z", "\\z", "\\h", "\\H", "\\R", "\\K", "\\X", "\\Qa\\E",
		"\\G", "\\N", "\\o{1}", "\\C", "\\g1", "\\i", "\\_", "\\01", "\\c1", "\\c",
		"\\x4", "\\u12", "\\u{110000}", "\\p", "\\pL", "\\p{}", "\\p{Foo=Bar}", "\\k",
		"\\k<a", "(?i)abc", "(?ims)abc", "(?i:a)", "(?#c)a", "(?P<n>x)", "(?P=n)",
		"(?>a)", "(?|a)", "(?R)", "(?1)(a)", "(?(1)a|b)", "(*UTF)a", "(*ACCEPT)",
		"a++", "a*+", "a?+", "a{2}+", "a**", "*a", "a|*", "(*)", "^*", "a{", "a{1",
		"a}", "]", "[a", "[[:alpha:]]", "(a", "a)", "\\", "[\\B]", "[\\1]", "(?<>a)",
		"\\8", "(a)\\2", "[z-a]",
	};
	size_t wrong = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		seam_error_t err = {0};
		seam_regex_t *re = seam_regex_compile(bad[i], strlen(bad[i]), &err);
		if (re || err.code != SEAM_PARSE || strncmp(err.msg, "offset ", 7) != 0) {
			printf("/%s/: got %s (%s), want a parse error\n", bad[i],
			       re ? "compiled" : seam_errname(err.code), err.msg);
			wrong++;
		}
		seam_regex_free(re);
	}
	assert_int_equal(wrong, 0);

	/* The offset is the author's, not the translated pattern's. */
	seam_error_t err = {0};
	assert_null(seam_regex_compile("..(?i)", 6, &err));
	assert_string_equal(err.msg, "offset 2: (? is only (?: (?= (?! (?<= (?<! or (?<name> in "
				     "ECMA-262");
	assert_null(seam_regex_compile("...(a", 5, &err));
	assert_string_equal(err.msg, "offset 5: missing closing parenthesis");
	/* Valid ECMA-262 that PCRE2 10.42 cannot run: a different code, so `format: regex` can
	 * still accept it. */
	assert_null(seam_regex_compile("(?<=a+)b", 8, &err));
	assert_int_equal(err.code, SEAM_UNSUPPORTED);
	assert_null(seam_regex_compile("\\ud800", 6, &err));
	assert_int_equal(err.code, SEAM_UNSUPPORTED);
	/* err may be NULL */
	assert_null(seam_regex_compile("(", 1, NULL));
	seam_regex_free(NULL);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_limits(void **state)
{
	(void)state;
	/* Catastrophic backtracking: each would run for minutes to years unbounded. */
	static const struct {
		const char *pattern, *subject;
	} evil[] = {
		{"^(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"},
		{"^(a|a)*$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"},
		{"^(a|aa)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"},
		{"(x+x+)+y", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx!y"},
		{"^(\\w+\\s?)*$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"},
		{"^((a+)*)*b$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab!"},
	};
	for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
		seam_regex_t *re = seam_regex_compile(evil[i].pattern, strlen(evil[i].pattern), NULL);
		assert_non_null(re);
		const char *s = evil[i].subject;
		double t0 = now_ms();
		int got = seam_regex_search(re, s, strlen(s));
		double ms = now_ms() - t0;
		printf("/%s/ on %zu bytes: %d in %.1f ms\n", evil[i].pattern, strlen(s), got, ms);
		assert_int_equal(got, SEAM_REGEX_LIMIT);
		TH_ASSERT_CMP(ms, <, 2000.0); /* generous: a few ms here, more under sanitizers */
		seam_regex_free(re);
	}
	/* Ordinary patterns on long subjects are not stopped by the limits: 1 MiB for a plain
	 * repeat, 64 KiB for a repeated group (each iteration is a backtracking point; PCRE2's
	 * default 32 KiB JIT stack gave up after a few thousand). */
	static const struct {
		const char *pattern;
		size_t n;
	} fine[] = {
		{"^[a-z]+$", 1 << 20}, {"ab$", 1 << 20},         {"^a*b$", 1 << 20},
		{"b", 1 << 20},        {"^(?:a|b)+$", 1 << 16},  {"^(a|b)*$", 1 << 16},
		{"^([a-z]+ ?)+$", 1 << 18},
	};
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
		size_t n = fine[i].n;
		char *big = malloc(n + 1);
		assert_non_null(big);
		memset(big, 'a', n);
		big[n - 1] = 'b';
		seam_regex_t *re = seam_regex_compile(fine[i].pattern, strlen(fine[i].pattern), NULL);
		assert_non_null(re);
		int got = seam_regex_search(re, big, n);
		if (got != SEAM_REGEX_MATCH)
			printf("/%s/ on %zu bytes: got %d, want %d\n", fine[i].pattern, n, got,
			       SEAM_REGEX_MATCH);
		assert_int_equal(got, SEAM_REGEX_MATCH);
		seam_regex_free(re);
		free(big);
	}
}

/* Many threads, the same compiled patterns, each thread checking every answer. */
#define THREADS 8
#define ROUNDS 2000

typedef struct shared {
	seam_regex_t *re[3];
	int wrong;
	pthread_mutex_t mu;
} shared_t;

static void *worker(void *arg)
{
	shared_t *sh = arg;
	int wrong = 0;
	char buf[64];
	for (int i = 0; i < ROUNDS; i++) {
		int len = snprintf(buf, sizeof buf, "ORD-%06d", i);
		wrong += seam_regex_search(sh->re[0], buf, (size_t)len) != SEAM_REGEX_MATCH;
		wrong += seam_regex_search(sh->re[1], buf, (size_t)len) !=
			 (i % 10 == 7 ? SEAM_REGEX_MATCH : SEAM_REGEX_NOMATCH);
		if (i % 200 == 0)
			wrong += seam_regex_search(sh->re[2], "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 30) !=
				 SEAM_REGEX_LIMIT;
	}
	pthread_mutex_lock(&sh->mu);
	sh->wrong += wrong;
	pthread_mutex_unlock(&sh->mu);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	shared_t sh = {.mu = PTHREAD_MUTEX_INITIALIZER};
	sh.re[0] = seam_regex_compile("^ORD-\\d{6}$", 11, NULL);
	sh.re[1] = seam_regex_compile("7$", 2, NULL);
	sh.re[2] = seam_regex_compile("^(a+)+$", 7, NULL);
	for (int i = 0; i < 3; i++)
		assert_non_null(sh.re[i]);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &sh), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(sh.wrong, 0);
	for (int i = 0; i < 3; i++)
		seam_regex_free(sh.re[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_escapes_and_anchors),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
