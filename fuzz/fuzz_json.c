/*
 * fuzz_json.c: libFuzzer target for seam_json_loadb (src/core/json.c), differential against
 * jansson's json_loadb, which it must equal on every input. For each of the flags seam uses
 * (none, JSON_DECODE_ANY, JSON_REJECT_DUPLICATES, both): when the scanner takes the input,
 * jansson accepts it too and both documents serialise to the same bytes (so the same types,
 * integer or real, the same strings and the same key order); when jansson refuses it, the
 * scanner declined; and seam_json_loadb gives jansson's NULL and error text on failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t flag_sets[] = {0, JSON_DECODE_ANY, JSON_REJECT_DUPLICATES,
					   JSON_DECODE_ANY | JSON_REJECT_DUPLICATES};
	const char *buf = (const char *)data;
	for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
		size_t flags = flag_sets[i];
		json_error_t je, se;
		json_t *fast = seam__json_fast(buf, size, flags);
		json_t *ref = json_loadb(buf, size, flags, &je);
		if (fast && !ref) {
			fprintf(stderr, "scanner took what jansson refuses (%s)\n", je.text);
			abort();
		}
		if (fast) {
			char *a = dump(fast), *b = dump(ref);
			if (!a || !b || strcmp(a, b) != 0) {
				fprintf(stderr, "documents differ:\n  seam    %s\n  jansson %s\n", a, b);
				abort();
			}
			free(a);
			free(b);
		}
		json_t *mine = seam_json_loadb(buf, size, flags, &se);
		if (!mine != !ref || (!mine && strcmp(se.text, je.text) != 0)) {
			fprintf(stderr, "seam_json_loadb and json_loadb disagree: %s / %s\n",
				mine ? "ok" : se.text, ref ? "ok" : je.text);
			abort();
		}
		json_decref(mine);
		json_decref(fast);
		json_decref(ref);
	}
	return 0;
}
