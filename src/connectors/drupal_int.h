/*
 * drupal_int.h: parts of drupal.c shared inside the project but not its API: the reader of
 * Drupal's error documents, for the fuzz target (fuzz/fuzz_jsonapi.c) that feeds it documents
 * no test would think of.
 */
#ifndef SEAM_CONNECTORS_DRUPAL_INT_H
#define SEAM_CONNECTORS_DRUPAL_INT_H

#include <jansson.h>
#include <stddef.h>

/* Writes the details of a JSON:API error document ({"errors":[{title, status, detail,
 * source.pointer}]}) or of the bridge's {"error", "detail"|"current_state"} or Drupal's
 * {"message"} to buf (cap > 0 bytes, always NUL-terminated, truncated); "" when doc has none. doc
 * is borrowed. */
void seam__drupal_error_details(json_t *doc, char *buf, size_t cap);

#endif
