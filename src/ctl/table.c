/*
 * table.c: human and JSON rendering of operator tables (see table.h).
 * Invariant: every stored value is a heap copy or NULL; the row array grows by doubling up to
 * SEAM_TABLE_MAX_ROWS.
 */
#include "ctl/table.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct seam_table {
	const seam_table_col_t *cols;
	size_t ncols;
	char **cells; /* rows * ncols */
	size_t nrows, cap;
};

seam_table_t *seam_table_create(const seam_table_col_t *cols, size_t ncols)
{
	seam_table_t *t;
	if (!cols || ncols == 0)
		return NULL;
	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

void seam_table_destroy(seam_table_t *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

size_t seam_table_rows(const seam_table_t *t)
{
	return t ? t->nrows : 0;
}

int seam_table_add(seam_table_t *t, const char *const *values)
{
	if (!t || t->nrows >= SEAM_TABLE_MAX_ROWS)
		return -1;
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, ncap * t->ncols * sizeof *p);
		if (!p)
			return -1;
		t->cells = p;
		t->cap = ncap;
	}
	char **row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		row[c] = NULL;
		if (values && values[c] && !(row[c] = strdup(values[c]))) {
			for (size_t k = 0; k < c; k++)
				free(row[k]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

/* Length in bytes of the UTF-8 sequence at s, or 0 when it is not a valid one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return n;
}

/* Code points of s as the human form prints it. */
static int width_of(const char *s)
{
	int w = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		p += n ? n : 1;
		w++;
	}
	return w;
}

void seam_table_put_cell(FILE *out, const char *s, int max_width, int pad, int right)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "-");
	int w = width_of((const char *)p);
	int cut = max_width > 0 && w > max_width;
	int shown = cut ? max_width : w;
	int fill = pad > shown ? pad - shown : 0;
	if (right)
		for (int i = 0; i < fill; i++)
			fputc(' ', out);
	for (int i = 0; *p && i < (cut ? max_width - 1 : shown); i++) {
		size_t n = utf8_len(p);
		if (n == 0) {
			fputc('?', out);
			p++;
		} else if (n == 1) {
			fputc(iscntrl(*p) ? ' ' : *p, out);
			p++;
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
	if (cut)
		fputs("\xE2\x80\xA6", out); /* … */
	if (!right)
		for (int i = 0; i < fill; i++)
			fputc(' ', out);
}

static const char *human_value(const seam_table_col_t *c, const char *v)
{
	if (v && c->type == SEAM_TABLE_BOOL)
		return strcmp(v, "1") == 0 || strcmp(v, "true") == 0 ? "yes" : "no";
	return v;
}

static int print_human(const seam_table_t *t, FILE *out)
{
	int *w = calloc(t->ncols, sizeof *w);
	if (!w)
		return -1;
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = (int)strlen(t->cols[c].key);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *v = human_value(&t->cols[c], t->cells[r * t->ncols + c]);
			int vw = width_of(v ? v : "-");
			if (t->cols[c].max_width > 0 && vw > t->cols[c].max_width)
				vw = t->cols[c].max_width;
			if (vw > w[c])
				w[c] = vw;
		}
	}
	for (size_t c = 0; c < t->ncols; c++) {
		char head[64];
		size_t i = 0;
		for (; t->cols[c].key[i] && i + 1 < sizeof head; i++)
			head[i] = (char)toupper((unsigned char)t->cols[c].key[i]);
		head[i] = '\0';
		int right = t->cols[c].type == SEAM_TABLE_INT;
		int last = c + 1 == t->ncols;
		seam_table_put_cell(out, head, 0, last && !right ? 0 : w[c], right);
		fputs(last ? "\n" : "  ", out);
	}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const seam_table_col_t *col = &t->cols[c];
			int right = col->type == SEAM_TABLE_INT;
			int last = c + 1 == t->ncols;
			seam_table_put_cell(out, human_value(col, t->cells[r * t->ncols + c]),
					    col->max_width, last && !right ? 0 : w[c], right);
			fputs(last ? "\n" : "  ", out);
		}
	}
	free(w);
	return ferror(out) ? -1 : 0;
}

static json_t *json_value(const seam_table_col_t *c, const char *v)
{
	if (!v)
		return json_null();
	if (c->type == SEAM_TABLE_INT) {
		char *end;
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (*v && !*end && errno == 0)
			return json_integer(n);
	}
	if (c->type == SEAM_TABLE_BOOL)
		return json_boolean(strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
	json_t *s = json_string(v);
	if (s)
		return s;
	/* Invalid UTF-8: each bad byte becomes U+FFFD so the document stays valid. */
	size_t len = strlen(v);
	char *fixed = malloc(len * 3 + 1), *o = fixed;
	if (!fixed)
		return json_null();
	for (const unsigned char *p = (const unsigned char *)v; *p;) {
		size_t n = utf8_len(p);
		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	s = json_string(fixed);
	free(fixed);
	return s ? s : json_null();
}

static int print_json(const seam_table_t *t, FILE *out)
{
	json_t *arr = json_array();
	int rc = -1;
	if (!arr)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		json_t *o = json_object();
		for (size_t c = 0; c < t->ncols; c++)
			json_object_set_new(o, t->cols[c].key,
					    json_value(&t->cols[c], t->cells[r * t->ncols + c]));
		json_array_append_new(arr, o);
	}
	if (json_dumpf(arr, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0) {
		fputc('\n', out);
		rc = ferror(out) ? -1 : 0;
	}
	json_decref(arr);
	return rc;
}

int seam_table_print(const seam_table_t *t, FILE *out, int json)
{
	if (!t || !out)
		return -1;
	return json ? print_json(t, out) : print_human(t, out);
}
