/*
 * uri.h: the little of RFC 3986 and RFC 6901 the schema validator needs: resolving a URI
 * reference against a base (section 5.2, with dot-segment removal), splitting off the
 * fragment, percent-decoding, and JSON pointer tokens.
 *
 * No normalisation beyond what section 5.2 does (no case folding of scheme or host, no
 * percent-encoding normalisation): schema identifiers are compared as the strings their
 * authors wrote, which is what the JSON Schema test suite expects.
 *
 * Ownership: every function returning char * returns owned memory (free()); NULL means out
 * of memory. Thread-safety: pure functions.
 */
#ifndef SEAM_CONTRACT_URI_H
#define SEAM_CONTRACT_URI_H

#include <stdbool.h>
#include <stddef.h>

/* ref resolved against base (either may be NULL or relative: a relative base is treated as a
 * path-only URI). Keeps ref's fragment. */
char *seam__uri_resolve(const char *base, const char *ref);

/* uri without its fragment (and without the '#'); *frag (when not NULL) points into uri just
 * past the '#', or is NULL when there is none. */
char *seam__uri_strip(const char *uri, const char **frag);

/* Percent-decodes s (len bytes) into a new NUL-terminated string; *outlen its length (it may
 * hold NULs). NULL on a malformed escape or no memory. */
char *seam__uri_pct_decode(const char *s, size_t len, size_t *outlen);

/* Decodes one RFC 6901 reference token in place (~1 -> '/', ~0 -> '~'); false when a '~' is
 * followed by anything else. *len is updated. */
bool seam__uri_ptr_unescape(char *tok, size_t *len);

#endif
