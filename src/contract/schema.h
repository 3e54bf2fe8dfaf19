/*
 * schema.h: a JSON Schema draft 2020-12 validator on jansson.
 *
 * Every keyword of the core, applicator, validation, unevaluated, format-annotation (and
 * format-assertion, per call) and content (annotation only) vocabularies. Documents are added to
 * a set under their retrieval URI, then the set is compiled once: every `$id` is resolved
 * against its base (RFC 3986), every `$ref` and `$dynamicRef` is bound to its target, every
 * `pattern` and `patternProperties` regex is compiled (PCRE2, ECMA-262 flavour as close as it
 * allows), keyword values are checked for shape. A compiled set never reads the schema JSON
 * again and is immutable: validate from any number of threads at once.
 *
 * Output is the spec's "basic" form: a flat list of every error (not just the first), each
 * {instanceLocation, keywordLocation, absoluteKeywordLocation, error}, capped at
 * opts.max_errors. keywordLocation is the dynamic path through the schema (with "$ref"
 * segments); absoluteKeywordLocation the schema URI + JSON pointer of the failing keyword.
 *
 * Limits (nothing an instance or schema does may crash or stall a worker): instance depth
 * (max_depth), total evaluation steps (max_steps), PCRE2 match and depth limits per regex call;
 * crossing one is an error in the list (keyword "$limit"), never a crash, and the instance is
 * then invalid. A `$ref` cycle that consumes no instance ("infinite loop") is a compile error.
 *
 * Ownership: seam_schema_set_add takes a reference of the document (json_incref); the set keeps
 * it until destroyed. Schemas returned by seam_schema_set_get are borrowed from the set.
 * Thread-safety: building (add, resolver, compile) is one thread's; after compile, get and
 * validate are reentrant.
 */
#ifndef SEAM_CONTRACT_SCHEMA_H
#define SEAM_CONTRACT_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct seam_schema_set seam_schema_set_t;
typedef struct seam_schema seam_schema_t;

/* Formats that can be asserted (a bit each). Unknown formats are annotations, always. */
#define SEAM_SCHEMA_FORMATS(X)                  \
	X(DATE_TIME, "date-time")                \
	X(DATE, "date")                          \
	X(TIME, "time")                          \
	X(DURATION, "duration")                  \
	X(EMAIL, "email")                        \
	X(IDN_EMAIL, "idn-email")                \
	X(HOSTNAME, "hostname")                  \
	X(IDN_HOSTNAME, "idn-hostname")          \
	X(IPV4, "ipv4")                          \
	X(IPV6, "ipv6")                          \
	X(URI, "uri")                            \
	X(URI_REFERENCE, "uri-reference")        \
	X(IRI, "iri")                            \
	X(IRI_REFERENCE, "iri-reference")        \
	X(URI_TEMPLATE, "uri-template")          \
	X(UUID, "uuid")                          \
	X(JSON_POINTER, "json-pointer")          \
	X(RELATIVE_JSON_POINTER, "relative-json-pointer") \
	X(REGEX, "regex")                        \
	X(DECIMAL, "decimal") /* seam's: exact money string, -?(0|[1-9][0-9]*)(\.[0-9]+)? */

typedef enum seam_schema_format_e {
#define SEAM__FMT_ENUM(name, str) SEAM_FORMAT_##name,
	SEAM_SCHEMA_FORMATS(SEAM__FMT_ENUM)
#undef SEAM__FMT_ENUM
	SEAM__FORMAT_COUNT
} seam_schema_format_e;

#define SEAM_FORMAT_BIT(f) (UINT32_C(1) << (f))
#define SEAM_FORMAT_ALL ((UINT32_C(1) << SEAM__FORMAT_COUNT) - 1)

/* "date-time" -> SEAM_FORMAT_DATE_TIME; -1 when seam does not know it. */
int seam_schema_format_lookup(const char *name);
const char *seam_schema_format_name(seam_schema_format_e f);
/* Does s (len bytes, UTF-8) satisfy format f? Pure; used by the validator and by callers. */
bool seam_schema_format_check(seam_schema_format_e f, const char *s, size_t len);

typedef struct seam_schema_opts {
	uint32_t assert_formats; /* SEAM_FORMAT_BIT()s to assert; 0 = format is annotation only */
	size_t max_errors;       /* 0 = 100 */
	size_t max_depth;        /* instance nesting; 0 = 256 */
	uint64_t max_steps;      /* keyword evaluations per validate; 0 = 10,000,000 */
} seam_schema_opts_t;

/* Called at compile time for a URI no added document defines (without fragment). Return a new
 * reference to the document (the set takes it) or NULL: the $ref is then a compile error. */
typedef json_t *(*seam_schema_resolve_fn)(const char *uri, void *ud);

seam_schema_set_t *seam_schema_set_create(void);
void seam_schema_set_destroy(seam_schema_set_t *set);

/* Adds a schema document under its retrieval URI (absolute, e.g. "seam:contracts/order/v1/
 * order.schema.json" or "http://localhost:1234/integer.json"); a top-level $id overrides it
 * as the base. Boolean schemas are documents too. Takes a reference of doc. */
seam_err_t seam_schema_set_add(seam_schema_set_t *set, const char *uri, json_t *doc,
			       seam_error_t *err);

void seam_schema_set_resolver(seam_schema_set_t *set, seam_schema_resolve_fn fn, void *ud);

/* Compiles every added document (and what the resolver brings). On failure err says which
 * document and the JSON pointer inside it ("seam:contracts/x.json#/properties/a/pattern: ...")
 * and the set cannot be used. */
seam_err_t seam_schema_set_compile(seam_schema_set_t *set, seam_error_t *err);

/* The compiled schema at uri (a document URI, with an optional "#/pointer" or "#anchor"
 * fragment); NULL when nothing is there. Borrowed from the set. */
const seam_schema_t *seam_schema_set_get(const seam_schema_set_t *set, const char *uri);

/* Validates instance. Returns true when valid. When errors is not NULL, *errors is set to a
 * new JSON array (empty when valid) of {instanceLocation, keywordLocation,
 * absoluteKeywordLocation, error} objects; the caller owns it. opts may be NULL. */
bool seam_schema_validate(const seam_schema_t *schema, const json_t *instance,
			  const seam_schema_opts_t *opts, json_t **errors);

#endif
