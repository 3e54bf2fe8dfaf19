/*
 * registry_int.h: what the registry shares inside contract/ and with the generated file.
 *
 * build/gen/contracts.c (scripts/embed.sh) defines the table of every file under
 * contracts/ as of the build: index.yaml and each *.json, path relative to contracts/, bytes
 * NUL-terminated (len does not count the NUL), sorted by path. seam_contracts_open reads it.
 */
#ifndef SEAM_CONTRACT_REGISTRY_INT_H
#define SEAM_CONTRACT_REGISTRY_INT_H

#include <jansson.h>
#include <stddef.h>

#include "contract/registry.h"

typedef struct seam__contract_file {
	const char *path;
	const unsigned char *data;
	size_t len;
} seam__contract_file_t;

extern const seam__contract_file_t seam__contract_files[];
extern const size_t seam__contract_nfiles;

/* The parsed document at path (relative to contracts/, e.g. "bridge/v1/event.schema.json")
 * of an open registry, any *.json file of the tree (named in index.yaml or not); NULL when
 * there is none. Borrowed from the registry. */
const json_t *seam__contracts_doc(const seam_contracts_t *reg, const char *path);

#endif
