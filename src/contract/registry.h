/*
 * registry.h: seam's contract registry, contracts/index.yaml and the schemas it names.
 *
 * A contract is one JSON Schema 2020-12 document, versioned by major: name "order", version 1,
 * written "order@v1", file contracts/<folder>/v<major>/<file>.schema.json. index.yaml names every
 * contract with its owner (the system that is authoritative for the data), its compatibility
 * mode (backward, forward, full, none; optionally transitive, as Confluent Schema Registry
 * defines them: docs/contracts.md), the formats it asserts, and where seam enforces it.
 *
 *   contracts:
 *     order:
 *       file: order/v{major}/order.schema.json
 *       versions: [1]
 *       owner: drupal
 *       compatibility: backward
 *       formats: [date-time, decimal, uuid]
 *       enforced: [mapping input of orders.export]
 *       description: The canonical order every mapping reads.
 *
 * The registry seam runs with is built into the binary (contracts/ as of the build), so a
 * deployed seam needs no files; seam_contracts_open_dir reads a directory instead (tests,
 * `seam contract` on a working tree). Every schema of every contract is added to one schema set
 * under "seam:contracts/<path>" and compiled together, so contracts $ref each other by relative
 * path. Open fails with file:line (index.yaml) or file#pointer (a schema) on anything wrong.
 *
 * Thread-safety: open/close are one thread's; everything else is reentrant on an open
 * registry, which is immutable.
 */
#ifndef SEAM_CONTRACT_REGISTRY_H
#define SEAM_CONTRACT_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "contract/schema.h"
#include "core/err.h"

typedef enum seam_compat_e {
	SEAM_COMPAT_NONE,
	SEAM_COMPAT_BACKWARD,
	SEAM_COMPAT_FORWARD,
	SEAM_COMPAT_FULL,
} seam_compat_e;

typedef struct seam_contract {
	const char *name;        /* "order" */
	int version;             /* major: 1 */
	const char *ref;         /* "order@v1" */
	const char *path;        /* "order/v1/order.schema.json", relative to contracts/ */
	const char *uri;         /* "seam:contracts/order/v1/order.schema.json" */
	const char *owner;       /* "drupal", "seam", "erp", "stripe", ... */
	const char *description;
	const char *enforced;    /* human text: where seam checks it ("" when nowhere yet) */
	seam_compat_e compat;
	bool transitive;
	bool latest;             /* the highest version of this name */
	uint32_t assert_formats; /* SEAM_FORMAT_BIT()s */
	const json_t *doc;       /* the schema document (borrowed) */
	const seam_schema_t *schema;
} seam_contract_t;

typedef struct seam_contracts seam_contracts_t;

/* The registry built into the binary. Returns owned (seam_contracts_close). */
seam_err_t seam_contracts_open(seam_contracts_t **out, seam_error_t *err);
/* The registry of a directory holding index.yaml (a contracts/ tree). */
seam_err_t seam_contracts_open_dir(seam_contracts_t **out, const char *dir, seam_error_t *err);
void seam_contracts_close(seam_contracts_t *reg);

size_t seam_contracts_count(const seam_contracts_t *reg);
/* i-th contract, ordered by name then version. */
const seam_contract_t *seam_contracts_at(const seam_contracts_t *reg, size_t i);
/* "order@v1", or "order" for its latest version; NULL when unknown. */
const seam_contract_t *seam_contracts_find(const seam_contracts_t *reg, const char *ref);

/* Validates doc against the contract with its asserted formats and the default limits;
 * errors as seam_schema_validate (basic output; may be NULL). */
bool seam_contract_validate(const seam_contract_t *c, const json_t *doc, json_t **errors);

/* The basic output errors rewritten for people and HTTP clients: a new array of
 * {pointer, keyword, detail} (pointer = instanceLocation, keyword = the failing keyword's
 * name, detail = the message). Borrows basic; returns owned. */
json_t *seam_contract_errors_public(const json_t *basic);

/* One line per error, "pointer: detail (keyword)", joined by "; ", at most max bytes (for
 * last_error, logs and timeline). Returns owned (free). */
char *seam_contract_errors_text(const json_t *basic, size_t max);

#endif
