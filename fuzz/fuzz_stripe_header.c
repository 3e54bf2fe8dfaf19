/*
 * fuzz_stripe_header.c: libFuzzer target for seam_stripe_verify.
 *
 * Input: "<Stripe-Signature header>\n<body>" (no newline: all header, empty body). Besides
 * memory safety it checks the verifier's contract: the return code and reason agree, and a
 * delivery is only accepted when the header really carries HMAC(secret, "<t>.<body>"), which
 * is recomputed here the plain way (one buffer, one HMAC) and looked for as a v1 entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/stripe.h"
#include "core/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "whsec_fuzz"
#define NOW 1700000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const secrets[] = {"whsec_other", SECRET};
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hlen = nl ? (size_t)(nl - data) : size;
	const uint8_t *body = nl ? nl + 1 : data + size;
	size_t blen = nl ? size - hlen - 1 : 0;
	char *header = malloc(hlen + 1);
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_err_t rc;

	if (!header)
		return 0;
	memcpy(header, data, hlen);
	header[hlen] = '\0';
	rc = seam_stripe_verify(header, body, blen, secrets, 2, NOW, 300, &r, &e);
	if (rc != SEAM_OK && rc != SEAM_AUTH)
		abort();
	if ((rc == SEAM_OK) != (r.reason == SEAM_WHSIG_OK))
		abort();
	if (rc == SEAM_AUTH && (e.code != SEAM_AUTH || !e.msg[0]))
		abort();
	if (r.secret_index >= 0 && r.reason != SEAM_WHSIG_OK && r.reason != SEAM_WHSIG_STALE_TIMESTAMP)
		abort();
	if (rc == SEAM_OK) {
		/* Only the right MAC for this timestamp and body may pass. */
		char *buf = malloc(32 + blen), hex[2 * SEAM_SHA256_LEN + 1], needle[80];
		uint8_t mac[SEAM_SHA256_LEN];
		int n;
		if (!buf)
			abort();
		n = snprintf(buf, 32, "%lld.", (long long)r.timestamp);
		memcpy(buf + n, body, blen);
		seam_hmac_sha256(secrets[r.secret_index], strlen(secrets[r.secret_index]), buf,
				 (size_t)n + blen, mac);
		seam_hex_encode(mac, sizeof mac, hex);
		snprintf(needle, sizeof needle, "v1=%s", hex);
		if (!strcasestr(header, needle))
			abort();
		if (r.timestamp < NOW - 300 || r.timestamp > NOW + 300)
			abort();
		free(buf);
	}
	free(header);
	return 0;
}
