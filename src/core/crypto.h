/*
 * crypto.h: the few primitives seam needs, on OpenSSL 3: SHA-256, HMAC-SHA256, constant-time
 * comparison, random bytes, and the encodings signatures travel in (hex, base64).
 *
 * Secrets and keys are borrowed byte ranges; nothing here keeps a copy. Outputs go to caller
 * buffers of stated size. Thread-safety: all functions are reentrant.
 */
#ifndef SEAM_CORE_CRYPTO_H
#define SEAM_CORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SEAM_SHA256_LEN 32

void seam_sha256(const void *data, size_t len, uint8_t out[SEAM_SHA256_LEN]);
/* Lower-case hex of SHA-256 into out (65 bytes with the NUL). */
void seam_sha256_hex(const void *data, size_t len, char out[2 * SEAM_SHA256_LEN + 1]);

void seam_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
		      uint8_t out[SEAM_SHA256_LEN]);
/* HMAC over the concatenation of n parts (avoids building "t.body" copies). */
void seam_hmac_sha256_parts(const void *key, size_t keylen, const void *const *parts,
			    const size_t *lens, size_t n, uint8_t out[SEAM_SHA256_LEN]);

/* 1 when equal, 0 otherwise; time depends only on len. */
int seam_ct_equal(const void *a, const void *b, size_t len);

/* Cryptographically strong random bytes. Returns 0, or -1 when the RNG failed. */
int seam_random_bytes(void *out, size_t len);

/* The value of one hex digit (0-9, a-f, A-F), or -1 for anything else (EOF included). The one
 * copy: percent-decoding (http, contract/uri), regex escapes and hex_decode all use it. */
int seam_hex_digit(int c);

/* Hex: encode writes 2*len chars + NUL. decode accepts upper/lower case, returns the byte count
 * or -1 on odd length, bad digit or cap exceeded. */
void seam_hex_encode(const void *in, size_t len, char *out);
long seam_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t cap);

/* Base64 (RFC 4648 standard alphabet, padded). encode returns the length written (no NUL
 * counted; out needs 4*ceil(len/3)+1). decode accepts padded or unpadded input, returns the
 * byte count or -1 on bad input or cap exceeded. */
size_t seam_base64_encode(const void *in, size_t len, char *out);
long seam_base64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap);
/* URL-safe alphabet, no padding (for API keys and ids). */
size_t seam_base64url_encode(const void *in, size_t len, char *out);

#endif
