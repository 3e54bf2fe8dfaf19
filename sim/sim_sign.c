/*
 * sim_sign.c: signing for the simulated senders.
 */
#include "sim/sim_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"

int seam_sim_sign_standard(const char *secret, const char *msg_id, int64_t ts, const char *body,
			   size_t len, char *out, size_t cap)
{
	uint8_t key[256];
	const char *b64 = secret;
	if (!strncmp(b64, "whsec_", 6))
		b64 += 6;
	long klen = seam_base64_decode(b64, strlen(b64), key, sizeof key);
	if (klen <= 0)
		return -1;
	char tsbuf[24];
	snprintf(tsbuf, sizeof tsbuf, "%lld", (long long)ts);
	const void *parts[] = {msg_id, ".", tsbuf, ".", body};
	size_t lens[] = {strlen(msg_id), 1, strlen(tsbuf), 1, len};
	uint8_t mac[SEAM_SHA256_LEN];
	seam_hmac_sha256_parts(key, (size_t)klen, parts, lens, 5, mac);
	char enc[64];
	seam_base64_encode(mac, sizeof mac, enc);
	snprintf(out, cap, "v1,%s", enc);
	return 0;
}

void seam_sim_sign_stripe(const char *secret, int64_t ts, const char *body, size_t len, char *out,
			  size_t cap)
{
	char tsbuf[24];
	snprintf(tsbuf, sizeof tsbuf, "%lld", (long long)ts);
	const void *parts[] = {tsbuf, ".", body};
	size_t lens[] = {strlen(tsbuf), 1, len};
	uint8_t mac[SEAM_SHA256_LEN];
	seam_hmac_sha256_parts(secret, strlen(secret), parts, lens, 3, mac);
	char hex[2 * SEAM_SHA256_LEN + 1];
	seam_hex_encode(mac, sizeof mac, hex);
	snprintf(out, cap, "t=%s,v1=%s", tsbuf, hex);
}

/* Written from the docs' PHP sample: one buffer "$timestamp . '.' . $requestBody", one
 * hash_hmac("sha256", ...), hex (seam's verifier hashes the parts instead). */
void seam_sim_sign_akeneo(const char *secret, int64_t ts, const char *body, size_t len,
			  char out[65])
{
	char tsbuf[24];
	int n = snprintf(tsbuf, sizeof tsbuf, "%lld.", (long long)ts);
	uint8_t mac[SEAM_SHA256_LEN];
	char *buf = malloc((size_t)n + len + 1);
	if (!buf) {
		memset(out, '0', 64); /* cannot sign: a signature that will not verify */
		out[64] = '\0';
		return;
	}
	memcpy(buf, tsbuf, (size_t)n);
	memcpy(buf + n, body, len);
	seam_hmac_sha256(secret, strlen(secret), buf, (size_t)n + len, mac);
	free(buf);
	seam_hex_encode(mac, sizeof mac, out);
}

int seam_sim_sign_adyen(const char *hex_key, const char *psp_reference,
			const char *original_reference, const char *merchant_account,
			const char *merchant_reference, const char *value, const char *currency,
			const char *event_code, const char *success, char out[64])
{
	uint8_t key[128];
	long klen = seam_hex_decode(hex_key, strlen(hex_key), key, sizeof key);
	if (klen <= 0)
		return -1;
	const char *f[8] = {psp_reference, original_reference, merchant_account, merchant_reference,
			    value,         currency,           event_code,       success};
	const void *parts[15];
	size_t lens[15];
	size_t n = 0;
	for (int i = 0; i < 8; i++) {
		if (i > 0) {
			parts[n] = ":";
			lens[n++] = 1;
		}
		parts[n] = f[i] ? f[i] : "";
		lens[n] = strlen(parts[n]);
		n++;
	}
	uint8_t mac[SEAM_SHA256_LEN];
	seam_hmac_sha256_parts(key, (size_t)klen, parts, lens, n, mac);
	seam_base64_encode(mac, sizeof mac, out);
	return 0;
}
