/*
 * stripe.c: Stripe-Signature verification. The header is parsed in place (no copies), the MAC
 * is computed over the parts "<t>", ".", body without joining them, and every candidate is
 * compared in constant time against every secret's MAC; the loop does not stop at the first
 * match, so timing does not reveal which entry matched.
 * Thread-safety: reentrant; no state.
 */
#include "connectors/stripe.h"

#include "connectors/webhook_sig_int.h"
#include "core/crypto.h"

#include <stdio.h>
#include <string.h>

/* More v1 entries than this cannot come from Stripe (one per live secret). */
#define MAX_V1 16

static const char SCHEME[] = "stripe";

seam_err_t seam_stripe_verify(const char *sig_header, const void *body, size_t len,
			      const char *const *secrets, size_t nsecrets, int64_t now_s,
			      int64_t tolerance_s, seam_webhook_sig_t *out, seam_error_t *err)
{
	uint8_t sigs[MAX_V1][SEAM_SHA256_LEN];
	size_t nsigs = 0, nv1 = 0, usable = 0, hlen;
	int64_t t = 0;
	int have_t = 0, match = -1;
	char tbuf[24];

	seam_webhook_sig_init(out);
	for (size_t i = 0; i < nsecrets; i++)
		usable += secrets[i] && secrets[i][0];
	if (!usable)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_SECRET, SEAM_CONFIG, err, SCHEME,
						"no endpoint secret configured");
	if (!sig_header || !sig_header[0])
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MISSING_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no Stripe-Signature header");
	hlen = strnlen(sig_header, SEAM_STRIPE_HEADER_MAX + 1);
	if (hlen > SEAM_STRIPE_HEADER_MAX)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "header longer than %d bytes",
						SEAM_STRIPE_HEADER_MAX);

	for (const char *p = sig_header, *end = sig_header + hlen; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *item_end = comma ? comma : end;
		const char *eq = memchr(p, '=', (size_t)(item_end - p));
		if (eq) {
			size_t klen = (size_t)(eq - p), vlen = (size_t)(item_end - eq - 1);
			const char *v = eq + 1;
			if (klen == 1 && p[0] == 't') {
				if (have_t)
					return seam__webhook_sig_reject(
						out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "more than one t=");
				if (seam_webhook_sig_timestamp_parse(v, vlen, &t) != 0)
					return seam__webhook_sig_reject(
						out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "t= is not a Unix timestamp");
				have_t = 1;
			} else if (klen == 2 && p[0] == 'v' && p[1] == '1') {
				nv1++;
				/* Entries that cannot be a SHA-256 hex digest cannot match: skip. */
				if (vlen == 2 * SEAM_SHA256_LEN && nsigs < MAX_V1 &&
				    seam_hex_decode(v, vlen, sigs[nsigs], SEAM_SHA256_LEN) ==
					    SEAM_SHA256_LEN)
					nsigs++;
			}
		}
		p = item_end + 1;
	}
	if (!have_t)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no t= timestamp");
	if (out)
		out->timestamp = t;
	if (nv1 == 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_NO_V1_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no v1 signature");
	if (nsigs == 0)
		return seam__webhook_sig_reject(out, SEAM_WHSIG_MALFORMED_SIGNATURE, SEAM_AUTH, err,
						SCHEME, "no v1 signature is 64 hex digits");

	/* Signed content: the decimal timestamp as Stripe's own libraries re-render it. */
	snprintf(tbuf, sizeof tbuf, "%lld", (long long)t);
	for (size_t i = 0; i < nsecrets; i++) {
		uint8_t mac[SEAM_SHA256_LEN];
		const void *parts[3] = {tbuf, ".", body};
		size_t lens[3] = {strlen(tbuf), 1, len};
		if (!secrets[i] || !secrets[i][0])
			continue;
		seam_hmac_sha256_parts(secrets[i], strlen(secrets[i]), parts, lens, 3, mac);
		for (size_t j = 0; j < nsigs; j++)
			if (seam_ct_equal(mac, sigs[j], SEAM_SHA256_LEN) && match < 0)
				match = (int)i;
	}
	return seam__webhook_sig_finish(match, t, now_s, tolerance_s, out, err, SCHEME);
}
