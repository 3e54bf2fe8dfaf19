/*
 * stdwebhooks.c: Standard Webhooks signing and verification. The signed content is fed to the
 * MAC as parts (id, ".", timestamp, ".", body), never joined into a copy; candidates are
 * compared in constant time against every secret without stopping at the first match.
 * Thread-safety: reentrant; no state.
 */
#include "connectors/stdwebhooks.h"

#include "connectors/webhook_sig_int.h"
#include "core/crypto.h"

#include <stdio.h>
#include <string.h>

#define MAX_V1 16 /* a rotation keeps at most a handful of secrets alive */

static const char SCHEME[] = "stdwebhooks";
static const char PREFIX[] = "whsec_";

long seam_stdwebhooks_secret_decode(const char *secret, uint8_t *key, size_t cap)
{
	long n;
	if (!secret)
		return -1;
	if (strncmp(secret, PREFIX, sizeof PREFIX - 1) == 0)
		secret += sizeof PREFIX - 1;
	n = seam_base64_decode(secret, strlen(secret), key, cap);
	return n > 0 ? n : -1;
}

/* MAC of "<id>.<ts>.<body>" under key. */
static void mac_content(const uint8_t *key, size_t keylen, const char *id, const char *ts,
			const void *body, size_t len, uint8_t mac[SEAM_SHA256_LEN])
{
	const void *parts[5] = {id, ".", ts, ".", body};
	size_t lens[5] = {strlen(id), 1, strlen(ts), 1, len};
	seam_hmac_sha256_parts(key, keylen, parts, lens, 5, mac);
}

static int id_ok(const char *id)
{
	size_t n = strnlen(id, SEAM_STDWEBHOOKS_ID_MAX + 1);
	return n > 0 && n <= SEAM_STDWEBHOOKS_ID_MAX && !memchr(id, '.', n);
}

seam_err_t seam_stdwebhooks_sign(const char *secret, const char *msg_id, int64_t timestamp,
				 const void *body, size_t len, char *out, size_t cap,
				 seam_error_t *err)
{
	uint8_t key[SEAM_STDWEBHOOKS_KEY_MAX], mac[SEAM_SHA256_LEN];
	char ts[24];
	long klen;

	if (out && cap)
		out[0] = '\0';
	if (!out || cap < SEAM_STDWEBHOOKS_SIG_MAX)
		return seam_errorf(err, SEAM_INVAL, "stdwebhooks: signature buffer smaller than %d "
				   "bytes", SEAM_STDWEBHOOKS_SIG_MAX);
	if (!msg_id || !id_ok(msg_id))
		return seam_errorf(err, SEAM_INVAL, "stdwebhooks: message id must be 1-%d "
				   "characters without '.'", SEAM_STDWEBHOOKS_ID_MAX);
	/* What verify accepts: 1-18 digits. */
	if (timestamp < 0 || timestamp > 999999999999999999LL)
		return seam_errorf(err, SEAM_INVAL, "stdwebhooks: timestamp out of range");
	klen = seam_stdwebhooks_secret_decode(secret, key, sizeof key);
	if (klen < 0)
		return seam_errorf(err, SEAM_CONFIG, "stdwebhooks: secret is not whsec_<base64>");
	snprintf(ts, sizeof ts, "%lld", (long long)timestamp);
	mac_content(key, (size_t)klen, msg_id, ts, body, len, mac);
	memcpy(out, "v1,", 3);
	seam_base64_encode(mac, sizeof mac, out + 3);
	return SEAM_OK;
}

seam_err_t seam_stdwebhooks_verify(const char *msg_id, const char *timestamp,
				   const char *signature, const void *body, size_t len,
				   const char *const *secrets, size_t nsecrets, int64_t now_s,
				   int64_t tolerance_s, seam_webhook_sig_t *out, seam_error_t *err)
{
	uint8_t sigs[MAX_V1][SEAM_SHA256_LEN], key[SEAM_STDWEBHOOKS_KEY_MAX];
	size_t nsigs = 0, nv1 = 0, usable = 0, hlen;
	int64_t t = 0;
	int match = -1;
	char ts[24];
	const char *missing = NULL;

	seam_webhook_sig_init(out);
	for (size_t i = 0; i < nsecrets; i++) {
		if (!secrets[i] || !secrets[i][0])
			continue;
		if (seam_stdwebhooks_secret_decode(secrets[i], key, sizeof key) < 0)
			return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err,
							SCHEME, "secret %zu is not whsec_<base64>",
							i);
		usable++;
	}
	if (!usable)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err, SCHEME,
						"no secret configured");
	if (!msg_id || !msg_id[0])
		missing = "id";
	else if (!timestamp || !timestamp[0])
		missing = "timestamp";
	else if (!signature || !signature[0])
		missing = "signature";
	if (missing)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MISSING_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no webhook-%s header", missing);
	if (!id_ok(msg_id))
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "webhook-id longer than %d or contains '.'",
						SEAM_STDWEBHOOKS_ID_MAX);
	if (seam_webhook_sig_timestamp_parse(timestamp, strnlen(timestamp, 19), &t) != 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "webhook-timestamp is not a Unix timestamp");
	if (out)
		out->timestamp = t;
	hlen = strnlen(signature, SEAM_STDWEBHOOKS_HEADER_MAX + 1);
	if (hlen > SEAM_STDWEBHOOKS_HEADER_MAX)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "webhook-signature longer than %d bytes",
						SEAM_STDWEBHOOKS_HEADER_MAX);

	for (const char *p = signature, *end = signature + hlen; p < end;) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *tok_end = sp ? sp : end;
		const char *comma = memchr(p, ',', (size_t)(tok_end - p));
		/* Entries without a version, or of another version, are not ours to judge. */
		if (comma && comma - p == 2 && p[0] == 'v' && p[1] == '1') {
			nv1++;
			if (nsigs < MAX_V1 &&
			    seam_base64_decode(comma + 1, (size_t)(tok_end - comma - 1), sigs[nsigs],
					       SEAM_SHA256_LEN) == SEAM_SHA256_LEN)
				nsigs++;
		}
		p = tok_end + 1;
	}
	if (nv1 == 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_V1_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no v1 signature");
	if (nsigs == 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no v1 signature is base64 of 32 bytes");

	snprintf(ts, sizeof ts, "%lld", (long long)t);
	for (size_t i = 0; i < nsecrets; i++) {
		uint8_t mac[SEAM_SHA256_LEN];
		long klen;
		if (!secrets[i] || !secrets[i][0])
			continue;
		klen = seam_stdwebhooks_secret_decode(secrets[i], key, sizeof key);
		mac_content(key, (size_t)klen, msg_id, ts, body, len, mac);
		for (size_t j = 0; j < nsigs; j++)
			if (seam_ct_equal(mac, sigs[j], SEAM_SHA256_LEN) && match < 0)
				match = (int)i;
	}
	return seam__webhook_sig_finish(match, t, now_s, tolerance_s, out, err, SCHEME);
}
