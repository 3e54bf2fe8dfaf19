/* test_ids.c: UUIDv7 layout and ordering (one thread and several), UUIDv4, UUID validation,
 * W3C traceparent parsing/formatting (spec valid and invalid cases) and correlation ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ids.h"
#include "tests/support/th_assert.h"

static int64_t v7_ms(const char *id)
{
	char hex[13];
	memcpy(hex, id, 8);
	memcpy(hex + 8, id + 9, 4);
	hex[12] = '\0';
	return (int64_t)strtoll(hex, NULL, 16);
}

static int all_lhex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void test_uuid7_layout(void **state)
{
	char id[SEAM_UUID_STR_LEN];
	(void)state;
	int64_t before = seam_now_ms();
	seam_id_new(id);
	int64_t after = seam_now_ms();
	assert_int_equal(strlen(id), 36);
	assert_true(seam_uuid_valid(id));
	assert_int_equal(id[14], '7');			/* version */
	assert_non_null(strchr("89ab", id[19]));	/* variant 10 */
	char lower[SEAM_UUID_STR_LEN];
	for (int i = 0; i < 37; i++)
		lower[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] + 32 : id[i]);
	assert_string_equal(id, lower);			/* canonical lower case */
	/* The timestamp is the wall clock (it may run ahead only by ids made in the same ms). */
	int64_t ms = v7_ms(id);
	TH_ASSERT_CMP(ms, >=, before);
	TH_ASSERT_CMP(ms, <=, after + 1);
}

static void test_uuid7_monotonic(void **state)
{
	enum { N = 20000 };
	char (*ids)[SEAM_UUID_STR_LEN] = malloc(N * sizeof *ids);
	int same_ms = 0;
	(void)state;
	assert_non_null(ids);
	for (int i = 0; i < N; i++)
		seam_id_new(ids[i]);
	for (int i = 1; i < N; i++) {
		if (strcmp(ids[i - 1], ids[i]) >= 0)
			fail_msg("not increasing at %d: %s then %s", i, ids[i - 1], ids[i]);
		assert_int_equal(ids[i][14], '7');
		assert_non_null(strchr("89ab", ids[i][19]));
		same_ms += v7_ms(ids[i]) == v7_ms(ids[i - 1]);
	}
	/* 20000 ids take far less than 20000 ms, so the counter path was exercised. */
	TH_ASSERT_CMP(same_ms, >, 0);
	free(ids);
}

enum { TH = 4, PER = 5000 };

struct th_arg {
	char (*ids)[SEAM_UUID_STR_LEN];
};

static void *th_make(void *p)
{
	struct th_arg *a = p;
	for (int i = 0; i < PER; i++)
		seam_id_new(a->ids[i]);
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_uuid7_threads(void **state)
{
	pthread_t t[TH];
	struct th_arg a[TH];
	char (*all)[SEAM_UUID_STR_LEN] = malloc((size_t)TH * PER * sizeof *all);
	(void)state;
	assert_non_null(all);
	for (int i = 0; i < TH; i++) {
		a[i].ids = all + (size_t)i * PER;
		assert_int_equal(pthread_create(&t[i], NULL, th_make, &a[i]), 0);
	}
	for (int i = 0; i < TH; i++)
		pthread_join(t[i], NULL);
	/* Each thread sees its own ids in order... */
	for (int i = 0; i < TH; i++)
		for (int j = 1; j < PER; j++)
			TH_ASSERT_STRCMP(a[i].ids[j - 1], <, a[i].ids[j]);
	/* ...and no id appears twice across threads. */
	qsort(all, (size_t)TH * PER, sizeof *all, cmp_id);
	for (int i = 1; i < TH * PER; i++)
		if (strcmp(all[i - 1], all[i]) == 0)
			fail_msg("duplicate id %s", all[i]);
	free(all);
}

/* A forked child must not replay its parent's random bits: ids are drawn from a per-thread pool,
 * which a fork invalidates. Parent and child make their next id from the same inherited state
 * (clock, counter, pool); the last 32 bits are fresh randomness in each, so they must differ. */
static void test_ids_after_fork(void **state)
{
	(void)state;
	char warm[SEAM_UUID_STR_LEN], mine[SEAM_UUID_STR_LEN], theirs[SEAM_UUID_STR_LEN] = {0};
	int fds[2];
	seam_id_new(warm); /* the pool is filled before the fork */
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char id[SEAM_UUID_STR_LEN];
		seam_id_new(id);
		ssize_t w = write(fds[1], id, sizeof id);
		_exit(w == (ssize_t)sizeof id ? 0 : 1);
	}
	seam_id_new(mine);
	close(fds[1]);
	assert_int_equal(read(fds[0], theirs, sizeof theirs), (ssize_t)sizeof theirs);
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(seam_uuid_valid(theirs));
	assert_string_not_equal(mine + 28, theirs + 28);
	assert_string_not_equal(mine, theirs);
}

static void test_uuid4(void **state)
{
	char a[SEAM_UUID_STR_LEN], b[SEAM_UUID_STR_LEN];
	(void)state;
	seam_uuid4(a);
	seam_uuid4(b);
	assert_true(seam_uuid_valid(a));
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
	assert_string_not_equal(a, b);
}

static void test_uuid_valid(void **state)
{
	(void)state;
	assert_true(seam_uuid_valid("01890a5d-ac96-774b-bcce-b302099a8057"));
	assert_true(seam_uuid_valid("01890A5D-AC96-774B-BCCE-B302099A8057"));
	assert_true(seam_uuid_valid("00000000-0000-0000-0000-000000000000"));
	assert_false(seam_uuid_valid(NULL));
	assert_false(seam_uuid_valid(""));
	assert_false(seam_uuid_valid("01890a5d-ac96-774b-bcce-b302099a805"));	 /* short */
	assert_false(seam_uuid_valid("01890a5d-ac96-774b-bcce-b302099a80577")); /* long */
	assert_false(seam_uuid_valid("01890a5dac96-774b-bcce-b302099a80577"));	 /* dash moved */
	assert_false(seam_uuid_valid("01890a5d-ac96-774b-bcce_b302099a8057"));
	assert_false(seam_uuid_valid("01890a5g-ac96-774b-bcce-b302099a8057"));	 /* non-hex */
	assert_false(seam_uuid_valid("{1890a5d-ac96-774b-bcce-b302099a8057}"));
	assert_false(seam_uuid_valid("01890a5dac96774bbcceb302099a8057"));	 /* no dashes */
}

#define TP_TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define TP_PARENT "00f067aa0ba902b7"
#define TP_OK "00-" TP_TRACE "-" TP_PARENT "-01"

static void test_traceparent_valid(void **state)
{
	char trace[33], parent[17];
	uint8_t flags = 0;
	(void)state;
	assert_int_equal(seam_traceparent_parse(TP_OK, trace, parent, &flags), 0);
	assert_string_equal(trace, TP_TRACE);
	assert_string_equal(parent, TP_PARENT);
	assert_int_equal(flags, 1);

	assert_int_equal(seam_traceparent_parse("00-" TP_TRACE "-" TP_PARENT "-00", trace, parent,
						&flags), 0);
	assert_int_equal(flags, 0);
	/* Unknown flag bits are carried, not a reason to drop the trace. */
	assert_int_equal(seam_traceparent_parse("00-" TP_TRACE "-" TP_PARENT "-ff", NULL, NULL,
						&flags), 0);
	assert_int_equal(flags, 0xff);
	assert_int_equal(seam_traceparent_parse(TP_OK, NULL, NULL, NULL), 0);

	/* A later version: first 55 characters with the 00 layout, rest after a '-' ignored. */
	assert_int_equal(seam_traceparent_parse("cc-" TP_TRACE "-" TP_PARENT "-01", trace, NULL,
						NULL), 0);
	assert_string_equal(trace, TP_TRACE);
	assert_int_equal(seam_traceparent_parse("cc-" TP_TRACE "-" TP_PARENT "-01-what-the-future",
						trace, NULL, NULL), 0);
	assert_string_equal(trace, TP_TRACE);
}

static void test_traceparent_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"ff-" TP_TRACE "-" TP_PARENT "-01",				/* version ff */
		"00-00000000000000000000000000000000-" TP_PARENT "-01",	/* zero trace */
		"00-" TP_TRACE "-0000000000000000-01",				/* zero parent */
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-" TP_PARENT "-01",	/* upper case */
		"00-" TP_TRACE "-00F067AA0BA902B7-01",
		"00-" TP_TRACE "-" TP_PARENT "-0A",
		"0A-" TP_TRACE "-" TP_PARENT "-01",
		"00-" TP_TRACE "-" TP_PARENT "-01-",				/* v00 must be 55 */
		"00-" TP_TRACE "-" TP_PARENT "-01x",
		"00-" TP_TRACE "-" TP_PARENT "-1",				/* short flags */
		"00-4bf92f3577b34da6a3ce929d0e0e473-" TP_PARENT "-01",		/* 31 hex trace */
		"00-4bf92f3577b34da6a3ce929d0e0e47361-" TP_PARENT "-01",	/* 33 hex trace */
		"00-" TP_TRACE "-00f067aa0ba902b-01",				/* 15 hex parent */
		"00-" TP_TRACE "-00f067aa0ba902b70-01",
		"0-" TP_TRACE "-" TP_PARENT "-01",
		"000-" TP_TRACE "-" TP_PARENT "-01",
		"00_" TP_TRACE "-" TP_PARENT "-01",				/* separators */
		"00-" TP_TRACE "_" TP_PARENT "-01",
		"00-" TP_TRACE "-" TP_PARENT "_01",
		"00-4bf92f3577b34da6a3ce929d0e0e473g-" TP_PARENT "-01",	/* non-hex */
		"cc-" TP_TRACE "-" TP_PARENT "-01what",			/* future, no '-' */
		" 00-" TP_TRACE "-" TP_PARENT "-01",
		"00-" TP_TRACE "-" TP_PARENT,
	};
	char trace[33] = "untouched";
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (seam_traceparent_parse(bad[i], trace, NULL, NULL) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(seam_traceparent_parse(NULL, trace, NULL, NULL), -1);
	assert_string_equal(trace, "untouched");
}

static void test_traceparent_make(void **state)
{
	char out[56], trace[33], parent[17], parent2[17];
	uint8_t flags = 0;
	(void)state;
	seam_traceparent_make(TP_TRACE, out);
	assert_int_equal(strlen(out), 55);
	assert_int_equal(seam_traceparent_parse(out, trace, parent, &flags), 0);
	assert_string_equal(trace, TP_TRACE);
	assert_string_not_equal(parent, TP_PARENT);
	assert_int_equal(flags, 1);
	assert_memory_equal(out, "00-", 3);

	seam_traceparent_make(TP_TRACE, out);
	assert_int_equal(seam_traceparent_parse(out, NULL, parent2, NULL), 0);
	assert_string_not_equal(parent, parent2); /* a new span id each time */

	/* A correlation id that is not a trace id maps deterministically. */
	seam_traceparent_make("order-123", out);
	assert_int_equal(seam_traceparent_parse(out, trace, NULL, NULL), 0);
	assert_string_equal(trace, "3b6a198e6f182f27b91aa5a8b37ab70d");
	seam_traceparent_make(NULL, out);
	assert_int_equal(seam_traceparent_parse(out, trace, NULL, NULL), 0);
	assert_string_equal(trace, "e3b0c44298fc1c149afbf4c8996fb924");
}

static void test_cid_from_headers(void **state)
{
	char cid[SEAM_CID_MAX], cid2[SEAM_CID_MAX];
	char longid[200];
	(void)state;
	seam_cid_from_headers(TP_OK, "ignored-when-traceparent-valid", cid);
	assert_string_equal(cid, TP_TRACE);

	seam_cid_from_headers("ff-" TP_TRACE "-" TP_PARENT "-01", "req-42.a:b_c", cid);
	assert_string_equal(cid, "req-42.a:b_c");
	seam_cid_from_headers(NULL, "req-42", cid);
	assert_string_equal(cid, "req-42");

	/* Unsafe characters are dropped: no log-line or header injection through the cid. */
	seam_cid_from_headers(NULL, "abc def\r\n\"x\":{}<script>", cid);
	assert_string_equal(cid, "abcdefx:script");

	/* At most 64 characters are kept. */
	memset(longid, 'a', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	seam_cid_from_headers(NULL, longid, cid);
	assert_int_equal(strlen(cid), 64);
	assert_memory_equal(cid, longid, 64);

	/* Nothing usable: a new random trace-id-shaped cid. */
	seam_cid_from_headers(NULL, NULL, cid);
	assert_int_equal(strlen(cid), 32);
	assert_true(all_lhex(cid, 32));
	seam_cid_from_headers("garbage", " \t\r\n", cid2);
	assert_int_equal(strlen(cid2), 32);
	assert_string_not_equal(cid, cid2);
	seam_cid_from_headers(NULL, "", cid2);
	assert_int_equal(strlen(cid2), 32);
}

static void test_cid_new_and_trace_id(void **state)
{
	char a[SEAM_CID_MAX], b[SEAM_CID_MAX], t[33];
	(void)state;
	seam_cid_new(a);
	seam_cid_new(b);
	assert_int_equal(strlen(a), 32);
	assert_true(all_lhex(a, 32));
	assert_string_not_equal(a, b);

	seam_cid_trace_id(a, t);
	assert_string_equal(t, a);
	seam_cid_trace_id("4BF92F3577B34DA6A3CE929D0E0E4736", t);
	assert_string_equal(t, TP_TRACE);
	seam_cid_trace_id("order-123", t);
	assert_string_equal(t, "3b6a198e6f182f27b91aa5a8b37ab70d");
	/* All zero is not a valid trace id, so it is hashed like any other string. */
	seam_cid_trace_id("00000000000000000000000000000000", t);
	assert_string_equal(t, "84e0c0eafaa95a34c293f278ac52e45c");
	/* 33 characters is not a trace id either. */
	seam_cid_trace_id(TP_TRACE "0", t);
	assert_int_equal(strlen(t), 32);
	assert_string_not_equal(t, TP_TRACE);
	seam_cid_trace_id("", t);
	assert_string_equal(t, "e3b0c44298fc1c149afbf4c8996fb924");
}

/* Edge-made correlation ids sort by creation time (so their indexes append) and stay valid,
 * distinct W3C trace ids. */
static void test_cid_time_ordered(void **state)
{
	char a[SEAM_CID_MAX], b[SEAM_CID_MAX], tp[56], trace[33];
	(void)state;
	seam_cid_new(a);
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, NULL);
	seam_cid_new(b);
	assert_int_equal(strlen(a), 32);
	TH_ASSERT_STRCMP(a, <, b);
	assert_string_not_equal(a + 12, b + 12); /* the random part differs */
	seam_traceparent_make(a, tp);
	assert_int_equal(seam_traceparent_parse(tp, trace, NULL, NULL), 0);
	assert_string_equal(trace, a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cid_time_ordered),
		cmocka_unit_test(test_uuid7_layout),
		cmocka_unit_test(test_uuid7_monotonic),
		cmocka_unit_test(test_uuid7_threads),
		cmocka_unit_test(test_ids_after_fork),
		cmocka_unit_test(test_uuid4),
		cmocka_unit_test(test_uuid_valid),
		cmocka_unit_test(test_traceparent_valid),
		cmocka_unit_test(test_traceparent_invalid),
		cmocka_unit_test(test_traceparent_make),
		cmocka_unit_test(test_cid_from_headers),
		cmocka_unit_test(test_cid_new_and_trace_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
