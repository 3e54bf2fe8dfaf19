/* test_buf.c: the capped buffer: the cap (exact fit, one past, sticky error), growth, printf
 * past the cap, take, reset, zero-length appends, URL encoding and secret buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static void test_cap_exact_and_past(void **state)
{
	seam_buf_t b;
	(void)state;
	seam_buf_init(&b, 10);
	assert_int_equal(seam_buf_adds(&b, "0123456789"), SEAM_OK); /* exactly the cap */
	assert_int_equal(b.len, 10);
	assert_string_equal(seam_buf_str(&b), "0123456789");
	assert_int_equal(seam_buf_add(&b, "x", 1), SEAM_TOOBIG);
	/* nothing appended, and the error is sticky, even for appends that would fit */
	assert_string_equal(seam_buf_str(&b), "0123456789");
	assert_int_equal(seam_buf_add(&b, NULL, 0), SEAM_TOOBIG);
	assert_int_equal(seam_buf_err(&b), SEAM_TOOBIG);
	seam_buf_reset(&b);
	assert_int_equal(seam_buf_err(&b), SEAM_OK);
	assert_string_equal(seam_buf_str(&b), "");
	assert_int_equal(seam_buf_adds(&b, "abc"), SEAM_OK);
	/* one append larger than what is left fails whole: no partial copy */
	assert_int_equal(seam_buf_adds(&b, "defghijkl"), SEAM_TOOBIG);
	assert_string_equal(seam_buf_str(&b), "abc");
	assert_int_equal(b.len, 3);
	seam_buf_dispose(&b);
}

static void test_cap_huge_append(void **state)
{
	seam_buf_t b;
	char c = 'x';
	(void)state;
	seam_buf_init(&b, 64);
	assert_int_equal(seam_buf_add(&b, "ab", 2), SEAM_OK);
	/* a length that would wrap len + n must not pass the check (volatile: a constant this
	 * size makes gcc refuse the inline memcpy it can never reach) */
	volatile size_t huge = SIZE_MAX - 1;
	assert_int_equal(seam_buf_add(&b, &c, huge), SEAM_TOOBIG);
	assert_string_equal(seam_buf_str(&b), "ab");
	seam_buf_dispose(&b);
}

static void test_growth(void **state)
{
	seam_buf_t b;
	char want[5000];
	(void)state;
	seam_buf_init(&b, 1 << 20);
	for (int i = 0; i < 4999; i++) {
		char c = (char)('a' + i % 26);
		want[i] = c;
		assert_int_equal(seam_buf_add(&b, &c, 1), SEAM_OK);
	}
	want[4999] = '\0';
	assert_int_equal(b.len, 4999);
	assert_string_equal(seam_buf_str(&b), want);
	assert_int_equal(b.alloc, 8192); /* doubling from 256 */
	seam_buf_dispose(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 1 << 20);

	/* memory never grows past cap + 1, even when doubling would */
	seam_buf_init(&b, 300);
	assert_int_equal(seam_buf_add(&b, want, 257), SEAM_OK);
	assert_int_equal(b.alloc, 301);
	assert_int_equal(seam_buf_add(&b, want, 43), SEAM_OK);
	assert_int_equal(b.alloc, 301);
	assert_int_equal(b.len, 300);
	seam_buf_dispose(&b);
}

static void test_printf(void **state)
{
	seam_buf_t b;
	char big[600];
	(void)state;
	seam_buf_init(&b, 1000);
	assert_int_equal(seam_buf_addf(&b, "%s=%d", "n", 42), SEAM_OK);
	assert_int_equal(seam_buf_addf(&b, "&%s", "x"), SEAM_OK);
	assert_string_equal(seam_buf_str(&b), "n=42&x");
	/* longer than the block it has: grows and prints again */
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(seam_buf_addf(&b, "[%s]", big), SEAM_OK);
	assert_int_equal(b.len, 6 + 601);
	assert_int_equal(strncmp(seam_buf_str(&b), "n=42&x[zzz", 10), 0);
	assert_int_equal(seam_buf_str(&b)[b.len - 1], ']');
	seam_buf_dispose(&b);
}

static void test_printf_past_cap(void **state)
{
	seam_buf_t b;
	(void)state;
	seam_buf_init(&b, 12);
	assert_int_equal(seam_buf_addf(&b, "%d", 12345), SEAM_OK);
	/* 7 more would make 12: fits exactly */
	assert_int_equal(seam_buf_addf(&b, "%s", "abcdefg"), SEAM_OK);
	assert_string_equal(seam_buf_str(&b), "12345abcdefg");
	seam_buf_reset(&b);
	assert_int_equal(seam_buf_addf(&b, "%d", 12345), SEAM_OK);
	/* 8 more would make 13: nothing of it stays, although vsnprintf wrote into the room */
	assert_int_equal(seam_buf_addf(&b, "%s", "abcdefgh"), SEAM_TOOBIG);
	assert_string_equal(seam_buf_str(&b), "12345");
	assert_int_equal(b.len, 5);
	assert_int_equal(seam_buf_addf(&b, "%s", ""), SEAM_TOOBIG); /* sticky */
	seam_buf_dispose(&b);

	/* past the cap on an empty buffer: nothing allocated, nothing held */
	seam_buf_init(&b, 4);
	assert_int_equal(seam_buf_addf(&b, "%s", "hello"), SEAM_TOOBIG);
	assert_string_equal(seam_buf_str(&b), "");
	assert_int_equal(b.len, 0);
	seam_buf_dispose(&b);
}

static void test_take(void **state)
{
	seam_buf_t b;
	char *s = (char *)1;
	size_t n = 99;
	(void)state;
	seam_buf_init(&b, 100);
	assert_int_equal(seam_buf_adds(&b, "hello"), SEAM_OK);
	assert_int_equal(seam_buf_take(&b, &s, &n), SEAM_OK);
	assert_string_equal(s, "hello");
	assert_int_equal(n, 5);
	/* b is empty again, with the same cap, and independent of s */
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 100);
	assert_int_equal(seam_buf_adds(&b, "again"), SEAM_OK);
	assert_string_equal(s, "hello");
	free(s);
	assert_int_equal(seam_buf_take(&b, &s, NULL), SEAM_OK);
	assert_string_equal(s, "again");
	free(s);

	/* nothing appended: an owned "" */
	assert_int_equal(seam_buf_take(&b, &s, &n), SEAM_OK);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);

	/* after a failure: no partial text, the code, and a clean buffer */
	assert_int_equal(seam_buf_adds(&b, "partial"), SEAM_OK);
	char over[101];
	memset(over, 'o', 100);
	over[100] = '\0';
	assert_int_equal(seam_buf_adds(&b, over), SEAM_TOOBIG);
	s = (char *)1;
	n = 99;
	assert_int_equal(seam_buf_take(&b, &s, &n), SEAM_TOOBIG);
	assert_null(s);
	assert_int_equal(n, 0);
	assert_null(b.p);
	assert_int_equal(seam_buf_err(&b), SEAM_OK);
	assert_int_equal(seam_buf_adds(&b, over), SEAM_OK); /* exactly the cap */
	seam_buf_dispose(&b);
	seam_buf_dispose(NULL);
}

static void test_reset_keeps_memory(void **state)
{
	seam_buf_t b;
	(void)state;
	seam_buf_init(&b, 1000);
	assert_int_equal(seam_buf_adds(&b, "some text"), SEAM_OK);
	char *p = b.p;
	size_t alloc = b.alloc;
	seam_buf_reset(&b);
	assert_ptr_equal(b.p, p);
	assert_int_equal(b.alloc, alloc);
	assert_int_equal(b.len, 0);
	assert_string_equal(seam_buf_str(&b), "");
	assert_int_equal(seam_buf_adds(&b, "new"), SEAM_OK);
	assert_string_equal(seam_buf_str(&b), "new");
	seam_buf_dispose(&b);
}

static void test_zero_length(void **state)
{
	seam_buf_t b;
	(void)state;
	seam_buf_init(&b, 1);
	assert_int_equal(seam_buf_add(&b, NULL, 0), SEAM_OK);
	assert_int_equal(seam_buf_adds(&b, ""), SEAM_OK);
	assert_int_equal(seam_buf_addf(&b, "%s", ""), SEAM_OK);
	assert_int_equal(seam_buf_add_urlenc(&b, ""), SEAM_OK);
	assert_int_equal(b.len, 0);
	assert_null(b.p); /* nothing allocated for nothing */
	assert_string_equal(seam_buf_str(&b), "");
	assert_int_equal(seam_buf_adds(&b, "x"), SEAM_OK);
	assert_int_equal(seam_buf_add(&b, NULL, 0), SEAM_OK); /* at the cap, nothing more is fine */
	assert_string_equal(seam_buf_str(&b), "x");
	seam_buf_dispose(&b);
}

static void test_urlenc(void **state)
{
	seam_buf_t b;
	(void)state;
	seam_buf_init(&b, 64);
	assert_int_equal(seam_buf_add_urlenc(&b, "a b/c?d=e&f~g-h.i_j'\xc3\xbc"), SEAM_OK);
	assert_string_equal(seam_buf_str(&b), "a%20b%2Fc%3Fd%3De%26f~g-h.i_j%27%C3%BC");
	seam_buf_dispose(&b);

	/* the encoded length counts against the cap: 3 raw bytes become 9 */
	seam_buf_init(&b, 8);
	assert_int_equal(seam_buf_adds(&b, "k="), SEAM_OK);
	assert_int_equal(seam_buf_add_urlenc(&b, "   "), SEAM_TOOBIG);
	assert_string_equal(seam_buf_str(&b), "k=");
	seam_buf_reset(&b);
	assert_int_equal(seam_buf_add_urlenc(&b, "  x"), SEAM_OK); /* 7 */
	assert_string_equal(seam_buf_str(&b), "%20%20x");
	seam_buf_dispose(&b);
}

static void test_secret(void **state)
{
	seam_buf_t b;
	char want[2000];
	(void)state;
	/* a secret buffer grows by copying: the text must survive every move */
	seam_buf_init_secret(&b, 4096);
	for (int i = 0; i < 1999; i++) {
		want[i] = (char)('A' + i % 26);
		assert_int_equal(seam_buf_add(&b, &want[i], 1), SEAM_OK);
	}
	want[1999] = '\0';
	assert_string_equal(seam_buf_str(&b), want);
	assert_int_equal(seam_buf_addf(&b, "%s", "!"), SEAM_OK);
	seam_buf_reset(&b);
	assert_string_equal(seam_buf_str(&b), "");
	assert_int_equal(seam_buf_adds(&b, "token"), SEAM_OK);
	char *s;
	assert_int_equal(seam_buf_take(&b, &s, NULL), SEAM_OK);
	assert_string_equal(s, "token");
	assert_int_equal(b.secret, 1); /* still a secret buffer after take */
	free(s);
	seam_buf_dispose(&b);
}

/* A whole stream: more than one staging chunk, exactly the cap, one byte over it (TOOBIG),
 * and an unreadable stream (IO). */
static void test_add_file(void **state)
{
	seam_buf_t b;
	char *s;
	size_t len = 0;
	(void)state;
	FILE *fp = tmpfile();
	assert_non_null(fp);
	for (int i = 0; i < 40000; i++)
		fputc('a' + i % 26, fp);
	rewind(fp);
	seam_buf_init(&b, 40000);
	assert_int_equal(seam_buf_add_file(&b, fp), SEAM_OK);
	assert_int_equal(seam_buf_take(&b, &s, &len), SEAM_OK);
	assert_int_equal(len, 40000);
	assert_int_equal(s[0], 'a');
	assert_int_equal(s[39999], 'a' + 39999 % 26);
	assert_int_equal(s[40000], '\0');
	free(s);
	rewind(fp);
	seam_buf_init(&b, 39999);
	assert_int_equal(seam_buf_add_file(&b, fp), SEAM_TOOBIG);
	assert_int_equal(seam_buf_take(&b, &s, NULL), SEAM_TOOBIG);
	assert_null(s);
	seam_buf_dispose(&b);
	fclose(fp);

	/* an empty stream is "", not an error */
	fp = tmpfile();
	assert_non_null(fp);
	seam_buf_init(&b, 10);
	assert_int_equal(seam_buf_add_file(&b, fp), SEAM_OK);
	assert_int_equal(seam_buf_take(&b, &s, &len), SEAM_OK);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	fclose(fp);

	/* a directory opens but cannot be read (EISDIR) */
	fp = fopen(".", "r");
	if (fp) {
		seam_buf_init(&b, 10);
		assert_int_equal(seam_buf_add_file(&b, fp), SEAM_IO);
		seam_buf_dispose(&b);
		fclose(fp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_exact_and_past),
		cmocka_unit_test(test_cap_huge_append),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_printf_past_cap),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_reset_keeps_memory),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_urlenc),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_add_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
