/*
 * diff.h: the breaking-change gate's engine. Compares two versions of a JSON Schema and lists
 * every change with the compatibility modes it breaks.
 *
 * A schema is read as the set of instances it accepts. A change BREAKS BACKWARD when the new
 * schema rejects something the old accepted (a consumer on the new schema cannot read data
 * written with the old one: the set narrowed), and BREAKS FORWARD when the new schema accepts
 * something the old rejected (a consumer still on the old schema cannot read data written
 * with the new one: the set widened). FULL breaks when either does. These are Confluent Schema
 * Registry's modes; "transitive" means the same check against every earlier version, which is
 * the caller's loop (seam contract check), not this module's.
 *
 * The comparison walks both schemas in step: keywords it knows are classified by kind (the
 * SEAM_DIFF_KINDS table; docs/contracts.md prints it), subschemas are compared recursively,
 * `$ref` is followed on both sides (local "#/$defs/..." and "#anchor", and other files through
 * the side's loader: relative to the document's own path), so a change inside a referenced
 * definition is found where it is, and a ref that now points elsewhere is compared
 * structurally. A schema that is only a $ref is replaced by its target, so inlining a
 * definition is not a change. Annotations (title, description, examples, default, $comment,
 * deprecated, readOnly, writeOnly, content*, x-... extensions) never matter.
 *
 * Conservative by design: what the engine cannot classify (a keyword it does not know whose
 * value differs, pattern-to-pattern changes, if/then/else with a different `if`, a
 * patternProperties key added or removed, ...) is kind "unknown" and breaks every mode, so the
 * gate can be wrong only towards asking for a new major version. Limits: 64 levels of nesting
 * and 200,000 comparisons per diff; past them the rest is one "unknown" change.
 *
 * Output: a JSON array, one object per change:
 *   {"path": "/properties/total/type", "kind": "type-narrowed", "old": ..., "new": ...,
 *    "breaks_backward": true, "breaks_forward": false, "why": "..."}
 * path is a JSON pointer into the NEW schema (the old one when the thing is gone), prefixed
 * with "<file>#" when it lies in another file than the compared one.
 *
 * Thread-safety: pure; reentrant. Ownership: said per function.
 */
#ifndef SEAM_CONTRACT_DIFF_H
#define SEAM_CONTRACT_DIFF_H

#include <jansson.h>
#include <stdbool.h>

#include "contract/registry.h"
#include "core/err.h"

/* kind enum, stable name, breaks backward, breaks forward (computed: from what the change
 * holds, see the doc), one line for docs/contracts.md. */
#define SEAM_DIFF_KINDS(X)                                                                        \
	X(TYPE_NARROWED, "type-narrowed", 1, 0, "a type is no longer accepted")                   \
	X(TYPE_WIDENED, "type-widened", 0, 1, "a type is accepted that was not (integer -> number too)") \
	X(TYPE_CHANGED, "type-changed", 1, 1, "types were both removed and added")                \
	X(NULLABLE_ADDED, "nullable-added", 0, 1, "null added to the type array")                 \
	X(NULLABLE_REMOVED, "nullable-removed", 1, 0, "null removed from the type array")         \
	X(PROPERTY_ADDED_OPEN, "property-added-open", -1, -1,                                     \
	  "property declared under open content: narrows (old data may hold it with another shape) unless its schema accepts anything")  \
	X(PROPERTY_ADDED_CLOSED, "property-added-closed", -1, -1,                                 \
	  "property declared where closed content (additionalProperties/unevaluatedProperties false) refused it: widens unless its schema is false") \
	X(PROPERTY_ADDED, "property-added", -1, -1,                                               \
	  "property declared where additionalProperties was a schema: compared with that schema") \
	X(PROPERTY_REMOVED_OPEN, "property-removed-open", -1, -1,                                 \
	  "property no longer declared under open content: widens (any value is accepted now) unless its schema accepted anything")            \
	X(PROPERTY_REMOVED_CLOSED, "property-removed-closed", -1, -1,                             \
	  "property no longer declared under closed content: narrows (it is refused now) unless its schema was false")                  \
	X(PROPERTY_REMOVED, "property-removed", -1, -1,                                           \
	  "property no longer declared; additionalProperties' schema applies: compared with it")  \
	X(CONTENT_CLOSED, "content-closed", 1, 0, "a subschema became false (e.g. additionalProperties: false)") \
	X(CONTENT_OPENED, "content-opened", 0, 1, "a false subschema now accepts something")      \
	X(REQUIRED_ADDED, "required-added", 1, 0, "a property became required")                   \
	X(REQUIRED_REMOVED, "required-removed", 0, 1, "a property is no longer required")          \
	X(DEPENDENT_REQUIRED_ADDED, "dependent-required-added", 1, 0, "dependentRequired gained a name") \
	X(DEPENDENT_REQUIRED_REMOVED, "dependent-required-removed", 0, 1, "dependentRequired lost a name") \
	X(ENUM_ADDED, "enum-added", 1, 0, "values restricted to an enum")                         \
	X(ENUM_REMOVED, "enum-removed", 0, 1, "enum restriction dropped")                         \
	X(ENUM_VALUE_ADDED, "enum-value-added", 0, 1, "a value was added to enum (or const became enum)") \
	X(ENUM_VALUE_REMOVED, "enum-value-removed", 1, 0, "a value was removed from enum")        \
	X(CONST_ADDED, "const-added", 1, 0, "value fixed by const")                               \
	X(CONST_REMOVED, "const-removed", 0, 1, "const dropped")                                  \
	X(CONST_CHANGED, "const-changed", 1, 1, "const now has another value")                    \
	X(NUMERIC_BOUND_TIGHTENED, "numeric-bound-tightened", 1, 0,                               \
	  "minimum/exclusiveMinimum raised or maximum/exclusiveMaximum lowered (or added)")       \
	X(NUMERIC_BOUND_LOOSENED, "numeric-bound-loosened", 0, 1,                                 \
	  "minimum/exclusiveMinimum lowered or maximum/exclusiveMaximum raised (or removed)")     \
	X(MULTIPLE_OF_TIGHTENED, "multipleOf-tightened", 1, 0, "multipleOf added or now a multiple of the old") \
	X(MULTIPLE_OF_LOOSENED, "multipleOf-loosened", 0, 1, "multipleOf removed or now divides the old") \
	X(MULTIPLE_OF_CHANGED, "multipleOf-changed", 1, 1, "multipleOf neither divides nor is a multiple of the old") \
	X(LENGTH_BOUND_TIGHTENED, "length-bound-tightened", 1, 0, "minLength raised or maxLength lowered (or added)") \
	X(LENGTH_BOUND_LOOSENED, "length-bound-loosened", 0, 1, "minLength lowered or maxLength raised (or removed)") \
	X(ITEMS_BOUND_TIGHTENED, "items-bound-tightened", 1, 0,                                   \
	  "minItems/minContains raised or maxItems/maxContains lowered (or added)")               \
	X(ITEMS_BOUND_LOOSENED, "items-bound-loosened", 0, 1,                                     \
	  "minItems/minContains lowered or maxItems/maxContains raised (or removed)")             \
	X(PROPERTIES_BOUND_TIGHTENED, "properties-bound-tightened", 1, 0,                         \
	  "minProperties raised or maxProperties lowered (or added)")                             \
	X(PROPERTIES_BOUND_LOOSENED, "properties-bound-loosened", 0, 1,                           \
	  "minProperties lowered or maxProperties raised (or removed)")                           \
	X(UNIQUE_ITEMS_ADDED, "unique-items-added", 1, 0, "uniqueItems became true")              \
	X(UNIQUE_ITEMS_REMOVED, "unique-items-removed", 0, 1, "uniqueItems is no longer true")    \
	X(PATTERN_ADDED, "pattern-added", 1, 0, "strings must now match a pattern")               \
	X(PATTERN_REMOVED, "pattern-removed", 0, 1, "pattern dropped")                            \
	X(PATTERN_CHANGED, "pattern-changed", 1, 1, "another pattern (regex inclusion is not decided)") \
	X(FORMAT_ADDED, "format-added", 1, 0, "format added (counted as asserted)")               \
	X(FORMAT_REMOVED, "format-removed", 0, 1, "format dropped")                               \
	X(FORMAT_CHANGED, "format-changed", 1, 1, "another format")                               \
	X(PREFIX_ITEM_ADDED, "prefix-item-added", -1, -1,                                         \
	  "prefixItems grew: that position was governed by items before; compared with it")       \
	X(PREFIX_ITEM_REMOVED, "prefix-item-removed", -1, -1,                                     \
	  "prefixItems shrank: items governs that position now; compared with it")                \
	X(CONTAINS_ADDED, "contains-added", 1, 0, "arrays must now contain a matching item")      \
	X(CONTAINS_REMOVED, "contains-removed", 0, 1, "contains dropped")                         \
	X(REF_CHANGED, "ref-changed", -1, -1,                                                     \
	  "$ref points elsewhere: both targets followed and compared structurally")               \
	X(BRANCH_ADDED, "branch-added", -1, -1,                                                   \
	  "anyOf/oneOf branch added: widens; for oneOf also narrows unless its types are disjoint from the others'") \
	X(BRANCH_REMOVED, "branch-removed", -1, -1,                                               \
	  "anyOf/oneOf branch removed: narrows; for oneOf also widens unless its types were disjoint") \
	X(COMBINATOR_ADDED, "combinator-added", 1, 0, "allOf/anyOf/oneOf/not/if added where there was none") \
	X(COMBINATOR_REMOVED, "combinator-removed", 0, 1, "allOf/anyOf/oneOf/not/if removed")     \
	X(NOT_CHANGED, "not-changed", -1, -1, "the schema under not changed (its verdict reversed)") \
	X(UNKNOWN, "unknown", 1, 1, "a change the engine cannot classify: breaking in every mode")

typedef enum seam_diff_kind_e {
#define SEAM__DIFF_KIND_ENUM(e, name, b, f, doc) SEAM_DIFF_##e,
	SEAM_DIFF_KINDS(SEAM__DIFF_KIND_ENUM)
#undef SEAM__DIFF_KIND_ENUM
	SEAM__DIFF_KIND_COUNT
} seam_diff_kind_e;

const char *seam_diff_kind_name(seam_diff_kind_e k);
const char *seam_diff_kind_doc(seam_diff_kind_e k);
/* What the kind breaks when it does not depend on the change: 1 yes, 0 no, -1 computed. */
int seam_diff_kind_breaks(seam_diff_kind_e k, seam_compat_e mode);

/* Loads another schema document a $ref names: path is relative to the same tree as the
 * side's own path (or an absolute URI seam does not know). Returns a NEW reference, or NULL
 * when there is no such document. */
typedef json_t *(*seam_diff_load_fn)(const char *path, void *ud);

typedef struct seam_diff_side {
	const json_t *doc; /* the schema (borrowed) */
	const char *path;  /* its path in its tree, for relative $refs ("bridge/v1/x.schema.json") */
	seam_diff_load_fn load; /* NULL: other files cannot be followed */
	void *ud;
} seam_diff_side_t;

/* Compares old and new. On SEAM_OK *changes is a new array as above (empty: the same
 * instances are accepted, as far as the engine can tell). SEAM_NOTFOUND when a $ref cannot be
 * resolved, SEAM_PARSE when a schema is not a JSON Schema (not an object or boolean), with
 * the message in err; *changes is then NULL. */
seam_err_t seam_diff(const seam_diff_side_t *old, const seam_diff_side_t *new_,
		     json_t **changes, seam_error_t *err);

/* Does any change break mode (NONE: never)? */
bool seam_diff_breaks(const json_t *changes, seam_compat_e mode);

/* "backward", "forward", "full", "none", each optionally "-transitive". Returns 0, or -1
 * when s is none of them. */
int seam_diff_mode_parse(const char *s, seam_compat_e *mode, bool *transitive);
const char *seam_diff_mode_name(seam_compat_e mode);

/* uri as a path relative to the document whose base URI is base (its $id), when both share
 * scheme://authority/ ("https://x/a/b/c.json", "https://x/a/d.json" -> "../d.json"); the
 * fragment of uri is dropped. NULL when they do not share it. Returns owned (free). */
char *seam_diff_relative_ref(const char *base, const char *uri);

/* Loaders: the files of a directory (ud: the directory, a const char *), and the *.json
 * files of an open registry (ud: a const seam_contracts_t *). */
json_t *seam_diff_load_dir(const char *path, void *ud);
json_t *seam_diff_load_registry(const char *path, void *ud);

#endif
