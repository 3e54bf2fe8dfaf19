/*
 * fuzz_pim.c: libFuzzer target for the PIM connector's readers (connectors/pim.h): a list
 * page (seam_pim_page_read), a single record (seam_pim_record_read), Akeneo's error text
 * (seam_pim_error_text) and the filter date (seam_pim_date_valid / _format).
 *
 * Input: one response body (a page, a record or an error document). Besides memory safety it
 * checks: a page is SEAM_OK with an array of objects and a next link that is NULL or a
 * non-empty string, or SEAM_UPSTREAM with a "pim page: " message and no outputs; the reader
 * is pure (a second run gives the same verdict, item count and link); a record is an object
 * exactly when the body is a JSON object; the error text always fits, is one line, and is
 * empty with a one-byte buffer; the first 19 bytes, when they are a valid filter date, read
 * back through timegm and format to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/pim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void page_once(const char *body, size_t len, seam_err_t *rc, size_t *n, char **next)
{
	json_t *items = (json_t *)1;
	seam_error_t e = {0};
	*next = (char *)1;
	*rc = seam_pim_page_read(body, len, &items, next, &e);
	if (*rc == SEAM_OK) {
		size_t i;
		json_t *it;
		if (!json_is_array(items))
			abort();
		json_array_foreach(items, i, it)
			if (!json_is_object(it))
				abort();
		if (*next && !**next)
			abort();
		*n = json_array_size(items);
	} else {
		if (*rc != SEAM_UPSTREAM || items || *next || strncmp(e.msg, "pim page: ", 10))
			abort();
		*n = 0;
	}
	json_decref(items);
}

static void check_date(const uint8_t *data, size_t size)
{
	char s[SEAM_PIM_DATE_LEN + 1], back[SEAM_PIM_DATE_LEN + 1];
	struct tm tm;
	if (size < SEAM_PIM_DATE_LEN)
		return;
	memcpy(s, data, SEAM_PIM_DATE_LEN);
	s[SEAM_PIM_DATE_LEN] = '\0';
	if (!seam_pim_date_valid(s))
		return;
	memset(&tm, 0, sizeof tm);
	if (!strptime(s, "%Y-%m-%d %H:%M:%S", &tm))
		abort();
	if (seam_pim_date_format((int64_t)timegm(&tm) * 1000, back) != 0 || strcmp(s, back))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	seam_err_t rc1, rc2;
	size_t n1, n2;
	char *next1, *next2, text[96], one[1];
	json_t *rec = NULL;
	seam_error_t e = {0};

	page_once(body, size, &rc1, &n1, &next1);
	page_once(body, size, &rc2, &n2, &next2);
	if (rc1 != rc2 || n1 != n2 || (!next1) != (!next2) || (next1 && strcmp(next1, next2)))
		abort();
	free(next1);
	free(next2);

	json_t *doc = size ? json_loadb(body, size, 0, NULL) : NULL;
	rc1 = seam_pim_record_read(body, size, &rec, &e);
	if ((rc1 == SEAM_OK) != json_is_object(doc) || (rc1 == SEAM_OK) != (rec != NULL))
		abort();
	if (rc1 != SEAM_OK && rc1 != SEAM_UPSTREAM)
		abort();
	json_decref(rec);
	json_decref(doc);

	memset(text, 'x', sizeof text);
	seam_pim_error_text(body, size, text, sizeof text);
	if (!memchr(text, '\0', sizeof text))
		abort();
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20)
			abort();
	one[0] = 'x';
	seam_pim_error_text(body, size, one, sizeof one);
	if (one[0] != '\0')
		abort();

	check_date(data, size);
	return 0;
}
