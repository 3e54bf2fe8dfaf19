/*
 * app_int.h: what the root's own files share (app.c, serve.c, check.c) and nothing else uses.
 */
#ifndef SEAM_APP_APP_INT_H
#define SEAM_APP_APP_INT_H

#include "app/app.h"

/* The options serve and check share (-c, --listen, --store, --help; with `extra`, also
 * --reference, --routes, --metrics, --openapi, whose letter goes to *extra). Prints usage_line
 * and help for --help. Returns -1 to continue, else the exit code to return. */
int seam__app_parse_args(int argc, char **argv, const char *usage_line, const char *help,
			 seam_app_args_t *a, int *extra);

#endif
