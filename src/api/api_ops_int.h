/*
 * api_ops_int.h: inside api/'s dashboard: the table of its embedded files, which
 * scripts/embed.sh generates from ops/ into build/gen/ops_assets.c (compiled into
 * libseam.a; see the Makefile). api_ops.c serves them at /ops/. Thread-safety: constant data.
 */
#ifndef SEAM_API_API_OPS_INT_H
#define SEAM_API_API_OPS_INT_H

#include <stddef.h>

typedef struct seam__ops_file {
	const char *path;          /* relative to ops/: "index.html", "app.js" */
	const unsigned char *data; /* len bytes, then a NUL the length does not count */
	size_t len;
} seam__ops_file_t;

extern const seam__ops_file_t seam__ops_files[];
extern const size_t seam__ops_nfiles;

#endif
