/*
 * table.h: output for operator commands. A table is declared once (its columns) and filled with
 * rows of strings; it prints either as an aligned human table or, from the same rows, as a JSON
 * array of objects for scripts (`--json`). Commands build rows, never format output themselves,
 * so both forms always carry the same data.
 *
 * Human form: a header of upper-cased column keys, columns separated by two spaces, numbers
 * right-aligned, no trailing blanks. A value longer than its column's max_width is cut and ends
 * in "…"; widths count UTF-8 code points; control characters (newlines in error messages) print
 * as spaces and invalid UTF-8 bytes as '?', so one row is always one line. NULL prints as "-".
 * JSON form: [{"<key>": value, ...}, ...] in column order with full, uncut values; NULL is null,
 * INT columns are numbers when the text is an integer, BOOL columns are true/false.
 *
 * Limits: at most SEAM_TABLE_MAX_ROWS rows (add fails beyond). Thread-safety: a table belongs to
 * one thread. Ownership: columns are borrowed (static tables), values are copied.
 */
#ifndef SEAM_CTL_TABLE_H
#define SEAM_CTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define SEAM_TABLE_MAX_ROWS 100000

typedef enum seam_table_type_e {
	SEAM_TABLE_TEXT,
	SEAM_TABLE_INT,  /* right-aligned; a JSON number when the value parses as an integer */
	SEAM_TABLE_BOOL, /* "1"/"true" or "0"/"false"; human yes/no, JSON true/false */
} seam_table_type_e;

typedef struct seam_table_col {
	const char *key;        /* JSON key; the human header is its upper-case form */
	int max_width;          /* human form: cut longer values; 0 = never cut */
	seam_table_type_e type;
} seam_table_col_t;

typedef struct seam_table seam_table_t;

/* cols must outlive the table. Returns owned (seam_table_destroy) or NULL (no memory). */
seam_table_t *seam_table_create(const seam_table_col_t *cols, size_t ncols);
void seam_table_destroy(seam_table_t *t);

/* Appends a row of exactly ncols values (copied; NULL entries are "no value").
 * Returns 0, or -1 when out of memory or past SEAM_TABLE_MAX_ROWS. */
int seam_table_add(seam_table_t *t, const char *const *values);
size_t seam_table_rows(const seam_table_t *t);

/* Prints the table (json = 0: human, 1: JSON array plus a newline). Returns 0 or -1 on a
 * write error. */
int seam_table_print(const seam_table_t *t, FILE *out, int json);

/* Human-form helper, exposed for key/value listings: writes s sanitised (control characters
 * to spaces, invalid UTF-8 to '?') and cut to max_width code points with "…" (0 = no cut),
 * padded with spaces to pad code points when pad > 0. */
void seam_table_put_cell(FILE *out, const char *s, int max_width, int pad, int right);

#endif
