/*
 * crypto.c: SHA-256, HMAC-SHA256, constant-time comparison and randomness on OpenSSL 3, plus
 * hex and base64 codecs.
 *
 * The digest and MAC functions return void because they cannot fail on valid arguments; the
 * only failure OpenSSL can report here is an allocation failure, and carrying on with an
 * unspecified digest would turn that into a signature bypass, so it aborts instead.
 *
 * The codecs are written here rather than taken from EVP_EncodeBlock/EVP_DecodeBlock because
 * DecodeBlock rejects unpadded input and reports padding bytes as data.
 * Thread-safety: all functions are reentrant; no state is kept.
 */
#include "core/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static void die(const char *what)
{
	fprintf(stderr, "seam: fatal: OpenSSL %s failed\n", what);
	abort();
}

void seam_sha256(const void *data, size_t len, uint8_t out[SEAM_SHA256_LEN])
{
	unsigned int n = 0;
	if (!EVP_Digest(len ? data : "", len, out, &n, EVP_sha256(), NULL) || n != SEAM_SHA256_LEN)
		die("SHA-256");
}

void seam_sha256_hex(const void *data, size_t len, char out[2 * SEAM_SHA256_LEN + 1])
{
	uint8_t md[SEAM_SHA256_LEN];
	seam_sha256(data, len, md);
	seam_hex_encode(md, sizeof md, out);
}

void seam_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
		      uint8_t out[SEAM_SHA256_LEN])
{
	const void *parts[1] = {data};
	size_t lens[1] = {len};
	seam_hmac_sha256_parts(key, keylen, parts, lens, 1, out);
}

void seam_hmac_sha256_parts(const void *key, size_t keylen, const void *const *parts,
			    const size_t *lens, size_t n, uint8_t out[SEAM_SHA256_LEN])
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0;
	/* OpenSSL wants a non-NULL key pointer even for an empty key. */
	static const unsigned char empty[1];

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		die("HMAC fetch");
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		die("HMAC context");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, keylen ? key : empty, keylen, params))
		die("HMAC init");
	for (size_t i = 0; i < n; i++)
		if (lens[i] && !EVP_MAC_update(ctx, parts[i], lens[i]))
			die("HMAC update");
	if (!EVP_MAC_final(ctx, out, &outlen, SEAM_SHA256_LEN) || outlen != SEAM_SHA256_LEN)
		die("HMAC final");
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

int seam_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int seam_random_bytes(void *out, size_t len)
{
	unsigned char *p = out;
	/* RAND_bytes takes an int length. */
	while (len > 0) {
		int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
		if (RAND_bytes(p, chunk) != 1)
			return -1;
		p += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

/* ---- hex ---- */

void seam_hex_encode(const void *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = in;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

int seam_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long seam_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t cap)
{
	if (inlen % 2 || inlen / 2 > cap || inlen / 2 > (size_t)LONG_MAX)
		return -1;
	for (size_t i = 0; i < inlen / 2; i++) {
		int hi = seam_hex_digit((unsigned char)in[2 * i]),
		    lo = seam_hex_digit((unsigned char)in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(inlen / 2);
}

/* ---- base64 ---- */

static size_t b64_encode(const void *in, size_t len, char *out, const char *alpha, int pad)
{
	const uint8_t *p = in;
	size_t o = 0, i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		out[o++] = alpha[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[v >> 12 & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

size_t seam_base64_encode(const void *in, size_t len, char *out)
{
	return b64_encode(in, len, out,
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1);
}

size_t seam_base64url_encode(const void *in, size_t len, char *out)
{
	return b64_encode(in, len, out,
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 0);
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict on the alphabet and on padding (no whitespace, '=' only as the last one or two
 * characters of a complete 4-character group), lenient on the unused low bits of the last
 * character, as most decoders are.
 */
long seam_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap)
{
	size_t npad = 0, ndata, nout, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (inlen >= 1 && in[inlen - 1] == '=')
		npad = (inlen >= 2 && in[inlen - 2] == '=') ? 2 : 1;
	if (npad && inlen % 4)
		return -1;
	ndata = inlen - npad;
	if (ndata % 4 == 1)
		return -1; /* six bits cannot make a byte */
	/* Padding completes the last group: "xx==" or "xxx=", nothing else. */
	if (npad && (ndata % 4 == 0 || 4 - ndata % 4 != npad))
		return -1;
	nout = ndata / 4 * 3 + (ndata % 4 ? ndata % 4 - 1 : 0);
	if (nout > cap || nout > (size_t)LONG_MAX)
		return -1;
	for (size_t i = 0; i < ndata; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (long)o;
}
