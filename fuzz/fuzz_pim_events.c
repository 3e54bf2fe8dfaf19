/*
 * fuzz_pim_events.c: libFuzzer target for seam_pim_events_verify and seam_pim_events_read.
 *
 * Input: "<X-Akeneo-Request-Signature>\n<X-Akeneo-Request-Timestamp>\n<body>" (missing lines:
 * empty). Besides memory safety it checks the verifier's contract: return code and reason
 * agree, and a request is only accepted when the signature really is HMAC(secret,
 * "<timestamp>.<body>") for a timestamp inside the window, recomputed here the plain way. The
 * body is also read as a message: SEAM_OK with at most 10 items, or SEAM_PARSE with a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connectors/pim_events.h"
#include "core/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "pim-fuzz"
#define NOW 1700000000LL

static char *line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nl ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const secrets[] = {"pim-other", SECRET};
	const uint8_t *p = data, *end = data + size;
	char *sig = line(&p, end), *ts = line(&p, end);
	size_t blen = (size_t)(end - p);
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_pim_changes_t ch;
	seam_err_t rc;

	rc = seam_pim_events_verify(sig, ts, p, blen, secrets, 2, NOW, 300, &r, &e);
	if (rc != SEAM_OK && rc != SEAM_AUTH)
		abort();
	if ((rc == SEAM_OK) != (r.reason == SEAM_WHSIG_OK))
		abort();
	if (rc == SEAM_AUTH && (e.code != SEAM_AUTH || !e.msg[0]))
		abort();
	if (rc == SEAM_OK) {
		char *buf = malloc(strlen(ts) + 2 + blen), hex[2 * SEAM_SHA256_LEN + 1];
		uint8_t mac[SEAM_SHA256_LEN];
		size_t n;
		if (!buf || r.secret_index < 0 || r.secret_index > 1)
			abort();
		n = (size_t)sprintf(buf, "%s.", ts);
		memcpy(buf + n, p, blen);
		seam_hmac_sha256(secrets[r.secret_index], strlen(secrets[r.secret_index]), buf,
				 n + blen, mac);
		seam_hex_encode(mac, sizeof mac, hex);
		if (strcasecmp(hex, sig) != 0)
			abort();
		if (r.timestamp < NOW - 300 || r.timestamp > NOW + 300)
			abort();
		free(buf);
	}
	rc = seam_pim_events_read(p, blen, &ch, &e);
	if (rc == SEAM_OK && (ch.n + ch.ignored > SEAM_PIM_EVENTS_MAX || ch.reason))
		abort();
	if (rc == SEAM_PARSE && (!ch.reason || ch.n || ch.items))
		abort();
	if (rc != SEAM_OK && rc != SEAM_PARSE && rc != SEAM_NOMEM)
		abort();
	for (size_t i = 0; i < ch.n; i++)
		if (!ch.items[i].event_id[0] || (ch.items[i].kind == SEAM_PIM_KIND_PRODUCT &&
						 !ch.items[i].uuid[0]))
			abort();
	seam_pim_changes_dispose(&ch);
	free(sig);
	free(ts);
	return 0;
}
