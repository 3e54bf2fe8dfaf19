/*
 * migrations.c: the schema migrations, embedded in the binary.
 *
 * Each migration is a plain SQL file src/store/migrations/NNN_name.sql, listed once in
 * SEAM__MIGRATION_FILES below. There is no code generation: every file is pulled into .rodata
 * by a GNU assembler `.incbin` in a top-level __asm__ block, between a start and an end symbol,
 * followed by one NUL byte so the text can be handed to the engine as a C string.
 *
 * Adding a migration: write src/store/migrations/NNN_name.sql (next free number, portable SQL
 * subset, no BEGIN/COMMIT: the runner wraps each file in its own transaction) and add one line
 * X(N, "NNN_name") to the list. Versions must ascend from 1 without gaps; the runner in
 * store.c checks this at open. A released migration is never edited; fix forward.
 *
 * Build notes, both consequences of .incbin:
 *   - The path in .incbin is resolved by the assembler relative to its working directory,
 *     which is the repository root because make runs there. Compiling this file from another
 *     directory fails with "file not found" for the .sql.
 *   - gcc -MMD records only what the preprocessor opens, so the .d file for migrations.o does
 *     not list the .sql files (neither __has_include nor #pragma GCC dependency adds them; the
 *     latter even breaks -Werror builds). Adding a migration edits this file, so make rebuilds;
 *     EDITING an existing .sql needs either the Makefile rule
 *       build/obj/src/store/migrations.o build/san/obj/src/store/migrations.o: \
 *               $(wildcard src/store/migrations/[0-9]*.sql)
 *     or a `touch src/store/migrations.c`.
 *
 * Thread-safety: read-only data.
 */
#include "store/store_int.h"

/* version, file name without .sql. One line per file, in version order. */
#define SEAM__MIGRATION_FILES(X)                                                                   \
	X(1, "001_core")                                                                           \
	X(2, "002_queue")                                                                          \
	X(3, "003_payments")                                                                       \
	X(4, "004_orders")                                                                         \
	X(5, "005_idempotency")                                                                    \
	X(6, "006_order_list")                                                                     \
	X(7, "007_catalog")                                                                        \
	X(8, "008_stock")                                                                          \
	X(9, "009_tax")                                                                            \
	X(10, "010_tax_refunds")                                                                   \
	X(11, "011_attempt_rows")                                                                  \
	X(12, "012_live_indexes")                                                                  \
	X(13, "013_reconcile")                                                                     \
	X(14, "014_ops_sessions")

/* Embeds src/store/migrations/<name>.sql as seam__mig_<version>_start .. _end, NUL after. */
#define SEAM__MIGRATION_EMBED(version, name)                                                       \
	__asm__(".pushsection .rodata\n"                                                           \
		".global seam__mig_" #version "_start\n"                                           \
		".hidden seam__mig_" #version "_start\n"                                           \
		".type seam__mig_" #version "_start, @object\n"                                    \
		".global seam__mig_" #version "_end\n"                                             \
		".hidden seam__mig_" #version "_end\n"                                             \
		"seam__mig_" #version "_start:\n"                                                  \
		".incbin \"src/store/migrations/" name ".sql\"\n"                                  \
		"seam__mig_" #version "_end:\n"                                                    \
		".byte 0\n"                                                                        \
		".popsection\n");                                                                  \
	extern const char seam__mig_##version##_start[] __attribute__((visibility("hidden")));     \
	extern const char seam__mig_##version##_end[] __attribute__((visibility("hidden")));

SEAM__MIGRATION_FILES(SEAM__MIGRATION_EMBED)

#define SEAM__MIGRATION_ROW(version, name)                                                         \
	{ version, name, seam__mig_##version##_start, seam__mig_##version##_end },

static const seam__migration_t migrations[] = {
	SEAM__MIGRATION_FILES(SEAM__MIGRATION_ROW)
};

const seam__migration_t *seam__store_migrations(size_t *count)
{
	if (count)
		*count = sizeof migrations / sizeof migrations[0];
	return migrations;
}
