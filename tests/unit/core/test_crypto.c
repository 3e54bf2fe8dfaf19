/* test_crypto.c: SHA-256 (FIPS 180-2 examples), HMAC-SHA256 (RFC 4231), constant-time compare,
 * random bytes, hex and base64 (RFC 4648 section 10) including unpadded and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/crypto.h"

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	seam_hex_encode(b, n, out);
}

static void test_sha256_vectors(void **state)
{
	char hex[65];
	(void)state;
	seam_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	seam_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	seam_sha256_hex(NULL, 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	seam_sha256_hex(m, strlen(m), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_hmac_rfc4231(void **state)
{
	struct {
		uint8_t key[131];
		size_t keylen;
		uint8_t data[160];
		size_t datalen;
		const char *mac;
		size_t cmp; /* bytes compared (case 5 is truncated to 128 bits) */
	} v[7];
	uint8_t out[SEAM_SHA256_LEN];
	char hex[65];
	(void)state;
	memset(v, 0, sizeof v);

	memset(v[0].key, 0x0b, 20), v[0].keylen = 20;
	memcpy(v[0].data, "Hi There", 8), v[0].datalen = 8;
	v[0].mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";

	memcpy(v[1].key, "Jefe", 4), v[1].keylen = 4;
	memcpy(v[1].data, "what do ya want for nothing?", 28), v[1].datalen = 28;
	v[1].mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

	memset(v[2].key, 0xaa, 20), v[2].keylen = 20;
	memset(v[2].data, 0xdd, 50), v[2].datalen = 50;
	v[2].mac = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";

	for (int i = 0; i < 25; i++)
		v[3].key[i] = (uint8_t)(i + 1);
	v[3].keylen = 25;
	memset(v[3].data, 0xcd, 50), v[3].datalen = 50;
	v[3].mac = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";

	memset(v[4].key, 0x0c, 20), v[4].keylen = 20;
	memcpy(v[4].data, "Test With Truncation", 20), v[4].datalen = 20;
	v[4].mac = "a3b6167473100ee06e0c796c2955552b";
	v[4].cmp = 16;

	memset(v[5].key, 0xaa, 131), v[5].keylen = 131;
	const char *d5 = "Test Using Larger Than Block-Size Key - Hash Key First";
	memcpy(v[5].data, d5, strlen(d5)), v[5].datalen = strlen(d5);
	v[5].mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";

	memset(v[6].key, 0xaa, 131), v[6].keylen = 131;
	const char *d6 = "This is a test using a larger than block-size key and a larger than "
			 "block-size data. The key needs to be hashed before being used by the "
			 "HMAC algorithm.";
	memcpy(v[6].data, d6, strlen(d6)), v[6].datalen = strlen(d6);
	v[6].mac = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";

	for (int i = 0; i < 7; i++) {
		size_t cmp = v[i].cmp ? v[i].cmp : SEAM_SHA256_LEN;
		seam_hmac_sha256(v[i].key, v[i].keylen, v[i].data, v[i].datalen, out);
		hex_of(out, cmp, hex);
		assert_string_equal(hex, v[i].mac);

		/* The parts form must give the same MAC however the message is split. */
		for (size_t cut = 0; cut <= v[i].datalen; cut += 7) {
			const void *parts[3] = {v[i].data, v[i].data + cut, ""};
			size_t lens[3] = {cut, v[i].datalen - cut, 0};
			seam_hmac_sha256_parts(v[i].key, v[i].keylen, parts, lens, 3, out);
			hex_of(out, cmp, hex);
			assert_string_equal(hex, v[i].mac);
		}
	}
}

static void test_hmac_empty_key_and_data(void **state)
{
	uint8_t out[SEAM_SHA256_LEN];
	char hex[65];
	(void)state;
	/* HMAC-SHA256("", "") */
	seam_hmac_sha256("", 0, "", 0, out);
	hex_of(out, sizeof out, hex);
	assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	seam_hmac_sha256_parts("", 0, NULL, NULL, 0, out);
	hex_of(out, sizeof out, hex);
	assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void test_ct_equal(void **state)
{
	(void)state;
	assert_int_equal(seam_ct_equal("abcdef", "abcdef", 6), 1);
	assert_int_equal(seam_ct_equal("abcdef", "abcdeg", 6), 0);
	assert_int_equal(seam_ct_equal("xbcdef", "abcdef", 6), 0);
	assert_int_equal(seam_ct_equal("a", "b", 0), 1);
}

static void test_random_bytes(void **state)
{
	uint8_t a[32], b[32], zero[32] = {0};
	(void)state;
	assert_int_equal(seam_random_bytes(a, sizeof a), 0);
	assert_int_equal(seam_random_bytes(b, sizeof b), 0);
	assert_int_equal(seam_ct_equal(a, b, sizeof a), 0);
	assert_int_equal(seam_ct_equal(a, zero, sizeof a), 0);
	assert_int_equal(seam_random_bytes(a, 0), 0);
}

static void test_hex(void **state)
{
	uint8_t buf[8];
	char out[17];
	(void)state;
	seam_hex_encode("\x00\x01\xab\xff", 4, out);
	assert_string_equal(out, "0001abff");
	seam_hex_encode("", 0, out);
	assert_string_equal(out, "");

	assert_int_equal(seam_hex_decode("0001abFF", 8, buf, sizeof buf), 4);
	assert_memory_equal(buf, "\x00\x01\xab\xff", 4);
	assert_int_equal(seam_hex_decode("", 0, buf, sizeof buf), 0);
	assert_int_equal(seam_hex_decode("abc", 3, buf, sizeof buf), -1);	/* odd */
	assert_int_equal(seam_hex_decode("zz", 2, buf, sizeof buf), -1);	/* bad digit */
	assert_int_equal(seam_hex_decode("0g", 2, buf, sizeof buf), -1);
	assert_int_equal(seam_hex_decode("00 1", 4, buf, sizeof buf), -1);
	assert_int_equal(seam_hex_decode("000102", 6, buf, 2), -1);	/* cap */
	assert_int_equal(seam_hex_decode("0001", 4, buf, 2), 2);
	/* inlen bounds the read: the rest of the string is not looked at */
	assert_int_equal(seam_hex_decode("ffXX", 2, buf, sizeof buf), 1);
	assert_int_equal(buf[0], 0xff);
}

/* The one hex-digit helper that percent-decoding, regex escapes and hex_decode share: every
 * byte value, against the digit sets. */
static void test_hex_digit(void **state)
{
	(void)state;
	for (int c = -1; c < 256; c++) {
		int want = c >= '0' && c <= '9'	  ? c - '0'
			   : c >= 'a' && c <= 'f' ? c - 'a' + 10
			   : c >= 'A' && c <= 'F' ? c - 'A' + 10
						  : -1;
		if (seam_hex_digit(c) != want)
			fail_msg("seam_hex_digit(%d): got %d, want %d", c, seam_hex_digit(c), want);
	}
	assert_int_equal(seam_hex_digit('F'), 15);
	assert_int_equal(seam_hex_digit('g'), -1);
}

static void test_base64_rfc4648(void **state)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	static const char *const unpadded[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	char out[16];
	uint8_t dec[16];
	(void)state;
	for (int i = 0; i < 7; i++) {
		size_t n = seam_base64_encode(plain[i], strlen(plain[i]), out);
		assert_string_equal(out, enc[i]);
		assert_int_equal(n, strlen(enc[i]));

		long m = seam_base64_decode(enc[i], strlen(enc[i]), dec, sizeof dec);
		assert_int_equal(m, (long)strlen(plain[i]));
		assert_memory_equal(dec, plain[i], strlen(plain[i]));

		m = seam_base64_decode(unpadded[i], strlen(unpadded[i]), dec, sizeof dec);
		assert_int_equal(m, (long)strlen(plain[i]));
		assert_memory_equal(dec, plain[i], strlen(plain[i]));

		n = seam_base64url_encode(plain[i], strlen(plain[i]), out);
		assert_string_equal(out, unpadded[i]);
		assert_int_equal(n, strlen(unpadded[i]));
	}
}

static void test_base64_binary_and_alphabets(void **state)
{
	uint8_t bin[256], dec[256];
	char out[400];
	(void)state;
	for (int i = 0; i < 256; i++)
		bin[i] = (uint8_t)i;
	size_t n = seam_base64_encode(bin, sizeof bin, out);
	assert_int_equal(n, 344);
	assert_int_equal(seam_base64_decode(out, n, dec, sizeof dec), 256);
	assert_memory_equal(dec, bin, 256);

	seam_base64_encode("\xfb\xff\xbf", 3, out);
	assert_string_equal(out, "+/+/");
	seam_base64url_encode("\xfb\xff\xbf", 3, out);
	assert_string_equal(out, "-_-_");
	/* The standard decoder does not take the URL alphabet. */
	assert_int_equal(seam_base64_decode("-_-_", 4, dec, sizeof dec), -1);
}

static void test_base64_malformed(void **state)
{
	uint8_t dec[16];
	(void)state;
	assert_int_equal(seam_base64_decode("Z", 1, dec, sizeof dec), -1);	    /* 6 bits */
	assert_int_equal(seam_base64_decode("Zm9vY", 5, dec, sizeof dec), -1);    /* 4n+1 */
	assert_int_equal(seam_base64_decode("Zg=", 3, dec, sizeof dec), -1);	    /* short pad */
	assert_int_equal(seam_base64_decode("Zm8==", 5, dec, sizeof dec), -1);    /* long pad */
	assert_int_equal(seam_base64_decode("Zm9v====", 8, dec, sizeof dec), -1); /* pad group */
	assert_int_equal(seam_base64_decode("Zm9v=", 5, dec, sizeof dec), -1);
	assert_int_equal(seam_base64_decode("Z===", 4, dec, sizeof dec), -1);
	assert_int_equal(seam_base64_decode("Zg==Zg==", 8, dec, sizeof dec), -1); /* pad inside */
	assert_int_equal(seam_base64_decode("Zm 9v", 5, dec, sizeof dec), -1);    /* space */
	assert_int_equal(seam_base64_decode("Zm9v\n", 5, dec, sizeof dec), -1);
	assert_int_equal(seam_base64_decode("Zm9!", 4, dec, sizeof dec), -1);
	assert_int_equal(seam_base64_decode("Zm9vYmFy", 8, dec, 5), -1);	    /* cap */
	assert_int_equal(seam_base64_decode("Zm9vYmFy", 8, dec, 6), 6);
	assert_int_equal(seam_base64_decode("Zm9vYg==", 8, dec, 4), 4);	    /* exact cap */
	assert_int_equal(seam_base64_decode("Zm9vYg==", 8, dec, 3), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_empty_key_and_data),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_hex_digit),
		cmocka_unit_test(test_base64_rfc4648),
		cmocka_unit_test(test_base64_binary_and_alphabets),
		cmocka_unit_test(test_base64_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
