/* test_clock.c: clocks, RFC 3339 formatting/parsing round trips, duration and size syntax
 * including overflow and garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "tests/support/th_assert.h"

static void test_clocks(void **state)
{
	(void)state;
	int64_t now = seam_now_ms();
	int64_t t = (int64_t)time(NULL) * 1000;
	/* Wall clock agrees with time(2) to within a couple of seconds. */
	TH_ASSERT_CMP(now, >=, t - 2000);
	TH_ASSERT_CMP(now, <=, t + 2000);

	int64_t a = seam_mono_ns();
	seam_sleep_ms(20);
	int64_t b = seam_mono_ns();
	TH_ASSERT_CMP(b - a, >=, 20 * 1000000LL);
	TH_ASSERT_CMP(b - a, <, 2000 * 1000000LL);
	double s = seam_mono_s();
	TH_ASSERT_CMP(s * 1e9, >=, (double)b - 1e6);

	a = seam_mono_ns();
	seam_sleep_ms(0);
	seam_sleep_ms(-5);
	b = seam_mono_ns();
	TH_ASSERT_CMP(b - a, <, 100 * 1000000LL);
}

static int64_t fixed_ms(void *ud)
{
	return *(int64_t *)ud;
}

static int64_t fixed_ns(void *ud)
{
	return *(int64_t *)ud * 1000000;
}

/* seam_clock_t: zeroed or NULL reads the real clocks; set, it reads what it was given. */
static void test_injectable_clock(void **state)
{
	(void)state;
	seam_clock_t zero = {0};
	int64_t w = seam_clock_now_ms(&zero), real = seam_now_ms();
	TH_ASSERT_CMP(real - w, >=, 0);
	TH_ASSERT_CMP(real - w, <, 2000);
	TH_ASSERT_CMP(seam_clock_now_ms(NULL), >=, real);
	int64_t m = seam_clock_mono_ns(NULL);
	TH_ASSERT_CMP(seam_mono_ns(), >=, m);
	TH_ASSERT_CMP(seam_clock_mono_ns(&zero), >=, m);
	int64_t t = 1234;
	seam_clock_t fixed = {.now_ms = fixed_ms, .mono_ns = fixed_ns, .ud = &t};
	assert_int_equal(seam_clock_now_ms(&fixed), 1234);
	assert_int_equal(seam_clock_mono_ns(&fixed), 1234000000);
	t = 5678;
	assert_int_equal(seam_clock_now_ms(&fixed), 5678);
}

/* The calendar, checked against Python's datetime.date ordinals around the edges that matter:
 * the epoch, leap days (2000 is a leap year, 1900 is not), far past and far future. */
static void test_days_from_civil(void **state)
{
	static const struct {
		int64_t y;
		int m, d;
		int64_t days;
	} t[] = {
		{1970, 1, 1, 0},       {1969, 12, 31, -1},   {2000, 2, 29, 11016},
		{2000, 3, 1, 11017},   {2024, 2, 29, 19782}, {1900, 3, 1, -25508},
		{1994, 11, 6, 9075},   {1, 1, 1, -719162},   {9999, 12, 31, 2932896},
		{0, 3, 1, -719468},    {1970, 1, 32, 31}, /* past the month's end counts on */
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		int64_t got = seam_days_from_civil(t[i].y, t[i].m, t[i].d);
		if (got != t[i].days)
			fail_msg("%04lld-%02d-%02d: got %lld days, want %lld", (long long)t[i].y, t[i].m,
				 t[i].d, (long long)got, (long long)t[i].days);
	}
	/* consecutive days across a whole 400-year cycle: no gaps, no repeats */
	int64_t prev = seam_days_from_civil(1999, 12, 31);
	for (int64_t y = 2000; y < 2400; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= seam_days_in_month(y, m); d++) {
				int64_t got = seam_days_from_civil(y, m, d);
				if (got != prev + 1)
					fail_msg("%lld-%02d-%02d: got %lld, want %lld", (long long)y, m, d,
						 (long long)got, (long long)prev + 1);
				prev = got;
			}
	assert_int_equal(prev - seam_days_from_civil(1999, 12, 31), 146097);

	assert_int_equal(seam_days_in_month(2024, 2), 29);
	assert_int_equal(seam_days_in_month(2023, 2), 28);
	assert_int_equal(seam_days_in_month(2000, 2), 29);
	assert_int_equal(seam_days_in_month(1900, 2), 28);
	assert_int_equal(seam_days_in_month(2023, 4), 30);
	assert_int_equal(seam_days_in_month(2023, 12), 31);
}

static void test_rfc3339_format(void **state)
{
	char out[25];
	(void)state;
	seam_rfc3339_ms(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	seam_rfc3339_ms(1795709472345LL, out);
	assert_string_equal(out, "2026-11-26T16:11:12.345Z");
	seam_rfc3339_ms(951782400000LL, out); /* leap day of a 400-year leap year */
	assert_string_equal(out, "2000-02-29T00:00:00.000Z");
	seam_rfc3339_ms(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59.999Z");
	seam_rfc3339_ms(253402300799999LL, out);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	/* Out of the four-digit range: clamped, never a longer string. */
	seam_rfc3339_ms(INT64_MAX, out);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	seam_rfc3339_ms(INT64_MIN, out);
	assert_string_equal(out, "0000-01-01T00:00:00.000Z");
}

static void test_rfc3339_parse(void **state)
{
	int64_t ms = 42;
	(void)state;
	assert_int_equal(seam_rfc3339_parse("2026-11-26T16:11:12.345Z", &ms), 0);
	assert_int_equal(ms, 1795709472345LL);
	assert_int_equal(seam_rfc3339_parse("2026-11-26T16:11:12Z", &ms), 0);
	assert_int_equal(ms, 1795709472000LL);
	assert_int_equal(seam_rfc3339_parse("2026-11-26t16:11:12z", &ms), 0);
	assert_int_equal(ms, 1795709472000LL);
	/* Offsets: the same instant in three zones. */
	assert_int_equal(seam_rfc3339_parse("2026-11-26T17:11:12.345+01:00", &ms), 0);
	assert_int_equal(ms, 1795709472345LL);
	assert_int_equal(seam_rfc3339_parse("2026-11-26T10:41:12.345-05:30", &ms), 0);
	assert_int_equal(ms, 1795709472345LL);
	assert_int_equal(seam_rfc3339_parse("2026-11-26T16:11:12.345-00:00", &ms), 0);
	assert_int_equal(ms, 1795709472345LL);
	/* Fractions: shorter ones scale, longer ones truncate to ms. */
	assert_int_equal(seam_rfc3339_parse("1970-01-01T00:00:00.5Z", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(seam_rfc3339_parse("1970-01-01T00:00:00.123456789Z", &ms), 0);
	assert_int_equal(ms, 123);
	assert_int_equal(seam_rfc3339_parse("1969-12-31T23:59:59.999Z", &ms), 0);
	assert_int_equal(ms, -1);
	assert_int_equal(seam_rfc3339_parse("2024-02-29T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 1709164800000LL);
	/* The Adyen eventDate form. */
	assert_int_equal(seam_rfc3339_parse("2019-01-30T18:16:22+01:00", &ms), 0);
	assert_int_equal(ms, 1548868582000LL);
}

static void test_rfc3339_round_trip(void **state)
{
	static const int64_t samples[] = {0, 1, 999, 1000, -1000, 86399999, 1795709472345LL,
					  951868799999LL, 4102444800000LL, -2208988800000LL,
					  253402300799999LL, -62167219200000LL};
	char out[25];
	int64_t back;
	(void)state;
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		seam_rfc3339_ms(samples[i], out);
		assert_int_equal(seam_rfc3339_parse(out, &back), 0);
		assert_int_equal(back, samples[i]);
	}
	/* A sweep through every day of four years, at an odd time of day. */
	for (int64_t ms = 946684800000LL + 45296789; ms < 1072915200000LL; ms += 86400000LL) {
		seam_rfc3339_ms(ms, out);
		assert_int_equal(seam_rfc3339_parse(out, &back), 0);
		assert_int_equal(back, ms);
	}
}

static void test_rfc3339_reject(void **state)
{
	static const char *const bad[] = {
		"",
		"2026",
		"2026-11-26",
		"2026-11-26T16:11:12",	     /* no zone */
		"2026-11-26 16:11:12Z",	     /* space separator */
		"2026-13-01T00:00:00Z",	     /* month */
		"2026-00-01T00:00:00Z",
		"2026-02-29T00:00:00Z",	     /* not a leap year */
		"1900-02-29T00:00:00Z",	     /* century rule */
		"2026-04-31T00:00:00Z",
		"2026-11-00T00:00:00Z",
		"2026-11-26T24:00:00Z",
		"2026-11-26T23:60:00Z",
		"2026-11-26T23:59:60Z",	     /* leap second */
		"2026-11-26T16:11:12.Z",      /* empty fraction */
		"2026-11-26T16:11:12.345ZZ",  /* trailing */
		"2026-11-26T16:11:12.345Z ",
		"2026-11-26T16:11:12+0100",   /* offset without colon */
		"2026-11-26T16:11:12+24:00",
		"2026-11-26T16:11:12+01:60",
		"2026-11-26T16:11:12+01",
		"26-11-26T16:11:12Z",
		"2026-1-26T16:11:12Z",
		"2026-11-26T16:11:1Z",
		"+2026-11-26T16:11:12Z",
		"2026/11/26T16:11:12Z",
		"abcd-ef-ghTij:kl:mnZ",
	};
	int64_t ms = 7;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (seam_rfc3339_parse(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(ms, 7); /* untouched on failure */
	assert_int_equal(seam_rfc3339_parse(NULL, &ms), -1);
	assert_int_equal(seam_rfc3339_parse("2026-11-26T16:11:12Z", NULL), -1);
}

static void test_duration(void **state)
{
	static const struct {
		const char *s;
		int64_t ms;
	} ok[] = {
		{"0", 0},	    {"30", 30000},	{"250ms", 250},	  {"30s", 30000},
		{"5m", 300000},	    {"1h", 3600000},	{"2d", 172800000}, {"0ms", 0},
		{"1h30m", 5400000}, {"1s500ms", 1500},	{"007s", 7000},
		/* the largest value that fits */
		{"9223372036854775807ms", INT64_MAX},
		{"9223372036854775s", 9223372036854775000LL},
		{"106751991167d", 9223372036828800000LL},
	};
	static const char *const bad[] = {
		"", "s", "ms", "-1s", "+1s", "1.5s", "1 s", " 1s", "1s ", "1x", "1sec",
		"1H", "10y", "1s-", "5mss", "abc", "1h30", "0x10",
		"9223372036854775808ms",	/* integer overflow */
		"9223372036854776s",		/* overflow after the unit */
		"106751991168d",		/* days overflow */
		"9223372036854775807",	/* plain seconds overflow */
		"9223372036854775807ms1ms",	/* sum overflow */
		"99999999999999999999999999s",
	};
	int64_t ms;
	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ms = -1;
		if (seam_duration_parse(ok[i].s, &ms) != 0)
			fail_msg("rejected \"%s\"", ok[i].s);
		assert_int_equal(ms, ok[i].ms);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms = 99;
		if (seam_duration_parse(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\" as %lld", bad[i], (long long)ms);
		assert_int_equal(ms, 99);
	}
	assert_int_equal(seam_duration_parse(NULL, &ms), -1);
}

/* What operators write for --since/--until and ?since=/&until=: one parser for ctl and REST. */
static void test_time_arg(void **state)
{
	const int64_t now = 1795000000000LL; /* 2026-11-18T... */
	int64_t ms;
	(void)state;
	assert_int_equal(seam_time_arg_parse("now", now, &ms), 0);
	assert_int_equal(ms, now);
	assert_int_equal(seam_time_arg_parse("2h", now, &ms), 0);
	assert_int_equal(ms, now - 7200000);
	assert_int_equal(seam_time_arg_parse("1h30m", now, &ms), 0);
	assert_int_equal(ms, now - 5400000);
	assert_int_equal(seam_time_arg_parse("7d", now, &ms), 0);
	assert_int_equal(ms, now - 7 * 86400000LL);
	assert_int_equal(seam_time_arg_parse("2026-11-26T16:00:00Z", now, &ms), 0);
	assert_int_equal(ms, 1795708800000LL);
	static const char *const bad[] = {"", "yesterday", "-2h", "2 h", "2026-11-26", "Now",
					  "100000000d" /* before 1970 */};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms = 99;
		if (seam_time_arg_parse(bad[i], now, &ms) != -1)
			fail_msg("accepted \"%s\" as %lld", bad[i], (long long)ms);
		assert_int_equal(ms, 99);
	}
	assert_int_equal(seam_time_arg_parse(NULL, now, &ms), -1);
}

static void test_size(void **state)
{
	static const struct {
		const char *s;
		int64_t b;
	} ok[] = {
		{"512", 512},
		{"0", 0},
		{"512B", 512},
		{"64KiB", 65536},
		{"1MiB", 1048576},
		{"2GiB", 2147483648LL},
		{"1TiB", 1099511627776LL},
		{"10kB", 10000},
		{"10KB", 10000},
		{"1MB", 1000000},
		{"3GB", 3000000000LL},
		{"9223372036854775807", INT64_MAX},
		{"8388607TiB", 8388607LL << 40},
	};
	static const char *const bad[] = {
		"", "KiB", "-1", "1.5MiB", "1 MiB", "1mib", "1Kib", "1kb", "1K", "1M",
		"1MiB ", "1PiB", "abc", "1e6",
		"9223372036854775808",	/* overflow */
		"8388608TiB",		/* overflow in the multiply */
		"9223372036854776kB",
	};
	int64_t b;
	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		b = -1;
		if (seam_size_parse(ok[i].s, &b) != 0)
			fail_msg("rejected \"%s\"", ok[i].s);
		assert_int_equal(b, ok[i].b);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = 99;
		if (seam_size_parse(bad[i], &b) != -1)
			fail_msg("accepted \"%s\" as %lld", bad[i], (long long)b);
		assert_int_equal(b, 99);
	}
	assert_int_equal(seam_size_parse(NULL, &b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_injectable_clock),
		cmocka_unit_test(test_rfc3339_format),
		cmocka_unit_test(test_rfc3339_parse),
		cmocka_unit_test(test_rfc3339_round_trip),
		cmocka_unit_test(test_rfc3339_reject),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_time_arg),
		cmocka_unit_test(test_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
