/*
 * fuzz_rest.c: libFuzzer target for what REST v1 reads from a client before anything else
 * checks it (src/api/resource.c, src/api/idempotency.c): the cursor, the query parameters of a
 * list, If-None-Match, and the Idempotency-Key header.
 *
 * Input: lines. The first line is tried as a cursor, an If-None-Match value and an
 * Idempotency-Key value; the following lines are query parameters "name=value" for the orders
 * list. Checks: a decoded cursor encodes and decodes back to the same key; an accepted
 * Idempotency-Key is 1 to 255 printable ASCII characters; an accepted query has its limit in
 * range and only non-empty filter values, and a refused one names the parameter; a tag always
 * matches itself and "*".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_resources.h"
#include "api/idempotency.h"
#include "api/resource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *lines[33], key[SEAM_IDEM_KEY_MAX + 1], etag[35];
	const char *names[32], *values[32], *why = NULL, *bad = NULL;
	size_t n = 0, nq = 0;
	json_t *k = NULL, *k2 = NULL;
	seam_error_t e = {0};
	seam_api_query_t q;
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *p = text; p && n < 33;) {
		lines[n++] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	/* the cursor: what decodes must round-trip */
	if (seam_api_cursor_decode("order", lines[0], 0, &k, &e) == SEAM_OK) {
		char *c = seam_api_cursor_encode("order", k);
		if (!c || seam_api_cursor_decode("order", c, json_array_size(k), &k2, &e) != SEAM_OK ||
		    !json_equal(k, k2))
			abort();
		free(c);
	}
	json_decref(k);
	json_decref(k2);
	/* the Idempotency-Key */
	if (seam_idem_key_parse(lines[0], key, &why) == 0) {
		size_t l = strlen(key);
		if (l < 1 || l > SEAM_IDEM_KEY_MAX || why)
			abort();
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)key[i] < 0x20 || (unsigned char)key[i] > 0x7e)
				abort();
	} else if (!why) {
		abort();
	}
	/* If-None-Match */
	seam_api_etag(lines[0], strlen(lines[0]), etag);
	(void)seam_api_etag_match(lines[0], etag);
	if (!seam_api_etag_match(etag, etag) || !seam_api_etag_match("*", etag))
		abort();
	/* the query */
	for (size_t i = 1; i < n && nq < 32; i++) {
		char *eq = strchr(lines[i], '=');
		names[nq] = lines[i];
		values[nq] = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		nq++;
	}
	const seam_api_list_def_t *def = &seam_api_orders_list_def;
	if (seam_api_query_parse_args(def, names, values, nq, 1764777600000, &q, &bad, &e) ==
	    SEAM_OK) {
		if (q.limit < 1 || q.limit > def->limit_max || bad)
			abort();
		for (size_t i = 0; i < def->nfilters; i++)
			if (q.str[i] && !*q.str[i])
				abort();
	} else if (!bad || !*e.msg) {
		abort();
	}
	seam_api_query_dispose(&q);
	free(text);
	return 0;
}
