/*
 * fuzz_codecs.c: libFuzzer target for the small parsers of outside text in core: base64, hex,
 * RFC 3339 timestamps, config durations and sizes. Checks round trips: decoded bytes encode
 * and decode back to themselves; a parsed timestamp in the four-digit-year range formats and
 * parses back to the same millisecond; durations and sizes are never negative.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	uint8_t *dec = malloc(size + 1), *dec2 = malloc(size + 1);
	char *enc = malloc(size * 2 + 8), *s = malloc(size + 1), out[25];
	long n;
	int64_t v, back;

	if (!dec || !dec2 || !enc || !s)
		abort();
	n = seam_base64_decode(in, size, dec, size);
	if (n >= 0) {
		size_t m = seam_base64_encode(dec, (size_t)n, enc);
		if (seam_base64_decode(enc, m, dec2, size) != n || memcmp(dec, dec2, (size_t)n))
			abort();
		seam_base64url_encode(dec, (size_t)n, enc);
	}
	n = seam_hex_decode(in, size, dec, size);
	if (n >= 0) {
		seam_hex_encode(dec, (size_t)n, enc);
		if (seam_hex_decode(enc, (size_t)n * 2, dec2, size) != n ||
		    memcmp(dec, dec2, (size_t)n))
			abort();
	}

	memcpy(s, data, size);
	s[size] = '\0';
	if (seam_rfc3339_parse(s, &v) == 0 && v >= -62167219200000LL && v <= 253402300799999LL) {
		seam_rfc3339_ms(v, out);
		if (seam_rfc3339_parse(out, &back) != 0 || back != v)
			abort();
	}
	if (seam_duration_parse(s, &v) == 0 && v < 0)
		abort();
	if (seam_size_parse(s, &v) == 0 && v < 0)
		abort();
	free(dec);
	free(dec2);
	free(enc);
	free(s);
	return 0;
}
