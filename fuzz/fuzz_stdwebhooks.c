/*
 * fuzz_stdwebhooks.c: libFuzzer target for seam_stdwebhooks_verify and _sign.
 *
 * Input: "<webhook-id>\n<webhook-timestamp>\n<webhook-signature>\n<body>"; missing parts are
 * NULL headers. Checks memory safety, that code and reason agree, that an accepted delivery
 * is fresh, and a round trip: whatever id and body the fuzzer picks, a signature made by
 * seam_stdwebhooks_sign verifies, and stops verifying when the body changes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/stdwebhooks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define NOW 1614265330LL

/* Copies the next '\n'-terminated field into a new string; NULL when input is used up. */
static char *field(const uint8_t **p, size_t *left)
{
	const uint8_t *nl;
	size_t n;
	char *s;
	if (*left == 0)
		return NULL;
	nl = memchr(*p, '\n', *left);
	n = nl ? (size_t)(nl - *p) : *left;
	s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (nl ? 1 : 0);
	*left -= n + (nl ? 1 : 0);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const secrets[] = {"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", SECRET};
	const uint8_t *p = data;
	size_t left = size;
	char *id = field(&p, &left), *ts = field(&p, &left), *sig = field(&p, &left);
	const uint8_t *body = p;
	size_t blen = left;
	char mine[SEAM_STDWEBHOOKS_SIG_MAX];
	seam_webhook_sig_t r;
	seam_error_t e = {0};
	seam_err_t rc;

	rc = seam_stdwebhooks_verify(id, ts, sig, body, blen, secrets, 2, NOW, 300, &r, &e);
	if (rc != SEAM_OK && rc != SEAM_AUTH)
		abort();
	if ((rc == SEAM_OK) != (r.reason == SEAM_WHSIG_OK))
		abort();
	if (rc == SEAM_OK && (r.timestamp < NOW - 300 || r.timestamp > NOW + 300 ||
			      r.secret_index < 0 || r.secret_index > 1))
		abort();

	/* Round trip with the fuzzer's id and body. */
	if (id && seam_stdwebhooks_sign(SECRET, id, NOW, body, blen, mine, sizeof mine, NULL) ==
			  SEAM_OK) {
		if (seam_stdwebhooks_verify(id, "1614265330", mine, body, blen, secrets, 2, NOW, 300,
					    &r, NULL) != SEAM_OK ||
		    r.secret_index != 1)
			abort();
		if (blen > 0 &&
		    seam_stdwebhooks_verify(id, "1614265330", mine, body, blen - 1, secrets, 2, NOW,
					    300, &r, NULL) != SEAM_AUTH)
			abort();
	}
	free(id);
	free(ts);
	free(sig);
	return 0;
}
