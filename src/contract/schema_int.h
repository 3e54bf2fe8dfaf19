/*
 * schema_int.h: the compiled form of a JSON Schema set, shared by schema.c (documents, $id
 * and $ref resolution, compilation) and schema_eval.c (validation). Not a public interface.
 *
 * Compilation is in two passes over every document (and every document the resolver brings):
 *
 *   scan     walks the subschemas under the keywords 2020-12 defines (not under unknown
 *            keywords: an `$id` there is no identifier), resolving each `$id` against its base,
 *            registering schema resources, `$anchor`s and `$dynamicAnchor`s, and making an
 *            uncompiled node for every object subschema (keyed by its json_t).
 *   compile  fills each node from its JSON: keyword values are shape-checked, children bound to
 *            their nodes, `$ref`/`$dynamicRef` resolved to nodes (a JSON pointer into a place
 *            scan did not visit, e.g. under an unknown keyword, is scanned then), regexes
 *            compiled. Nodes are compiled from a work list, never recursively, so schema
 *            nesting and `$ref` chains cost heap, not stack.
 *
 * After compile, the set is immutable; validation reads nodes only, never the schema JSON
 * (`enum`/`const` values are the set's own copies). Boolean subschemas get a node per place (their
 * json_t is jansson's singleton, so cannot key a map); object subschemas one per json_t.
 *
 * Thread-safety: compile is one thread's; compiled nodes are read-only.
 */
#ifndef SEAM_CONTRACT_SCHEMA_INT_H
#define SEAM_CONTRACT_SCHEMA_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contract/regex.h"
#include "contract/schema.h"

/* Vocabularies of 2020-12 (a schema whose meta-schema leaves one out ignores its keywords). */
enum {
	SEAM__VOC_CORE = 1 << 0,
	SEAM__VOC_APPLICATOR = 1 << 1,
	SEAM__VOC_UNEVALUATED = 1 << 2,
	SEAM__VOC_VALIDATION = 1 << 3,
	SEAM__VOC_META = 1 << 4,
	SEAM__VOC_FORMAT_ANN = 1 << 5,
	SEAM__VOC_FORMAT_ASSERT = 1 << 6,
	SEAM__VOC_CONTENT = 1 << 7,
	SEAM__VOC_DEFAULT = ((1 << 6) - 1) | SEAM__VOC_CONTENT, /* what the 2020-12 meta-schema lists */
};

/* Instance types, a bit each (type keyword and the instance's own). */
enum {
	SEAM__T_NULL = 1 << 0,
	SEAM__T_BOOLEAN = 1 << 1,
	SEAM__T_OBJECT = 1 << 2,
	SEAM__T_ARRAY = 1 << 3,
	SEAM__T_NUMBER = 1 << 4,
	SEAM__T_STRING = 1 << 5,
	SEAM__T_INTEGER = 1 << 6,
};

enum { SEAM__N_TRUE, SEAM__N_FALSE, SEAM__N_OBJ };

/* Which keywords a node has (so validation tests one word before touching a field). */
enum {
	SEAM__H_TYPE = 1u << 0,
	SEAM__H_ENUM = 1u << 1,
	SEAM__H_CONST = 1u << 2,
	SEAM__H_MULTIPLE = 1u << 3,
	SEAM__H_MAX = 1u << 4,
	SEAM__H_XMAX = 1u << 5,
	SEAM__H_MIN = 1u << 6,
	SEAM__H_XMIN = 1u << 7,
	SEAM__H_MAXLEN = 1u << 8,
	SEAM__H_MINLEN = 1u << 9,
	SEAM__H_MAXITEMS = 1u << 10,
	SEAM__H_MINITEMS = 1u << 11,
	SEAM__H_UNIQUE = 1u << 12,
	SEAM__H_MAXCONT = 1u << 13,
	SEAM__H_MINCONT = 1u << 14,
	SEAM__H_MAXPROPS = 1u << 15,
	SEAM__H_MINPROPS = 1u << 16,
	SEAM__H_FORMAT = 1u << 17,
	/* groups: any keyword that looks at a number / string / array / object instance */
	SEAM__H_NUMERIC = SEAM__H_MULTIPLE | SEAM__H_MAX | SEAM__H_XMAX | SEAM__H_MIN | SEAM__H_XMIN,
};

typedef struct seam_schema node_t;
typedef struct seam__res res_t;

/* A number from the schema, exact when it was an integer. */
typedef struct seam__num {
	bool isint;
	long long i;
	double d;
} seam__num_t;

typedef struct seam__prop {
	const char *name;
	size_t len;
	node_t *schema;
} seam__prop_t;

typedef struct seam__pat {
	seam_regex_t *re;
	const char *src;
	node_t *schema;
} seam__pat_t;

typedef struct seam__dep {
	const char *name;
	size_t len;
	node_t *schema;      /* dependentSchemas */
	const char **req;    /* dependentRequired */
	size_t nreq;
} seam__dep_t;

typedef struct seam__dyn {
	const char *name;
	node_t *node;
} seam__dyn_t;

/* A schema resource: the root of a document or a subschema with `$id`. Its dynamic anchors
 * are what `$dynamicRef` looks for in the dynamic scope. */
struct seam__res {
	const char *uri; /* absolute, no fragment */
	json_t *root;
	node_t *root_node;
	seam__dyn_t *dyn;
	size_t ndyn, capdyn;
	res_t *next; /* the set's list of resources */
};

struct seam_schema {
	int kind;        /* SEAM__N_* */
	uint32_t has;    /* SEAM__H_* */
	const char *loc; /* canonical location, "uri#/pointer", for absoluteKeywordLocation */
	res_t *res;      /* resource this node belongs to (dynamic scope) */

	/* compile-time only */
	json_t *json;
	const char *base;       /* base URI for this node's references */
	const char *schema_uri; /* $schema in effect (NULL: 2020-12) */
	bool compiled;
	bool visiting, done;    /* the ref-cycle check */

	/* core */
	node_t *ref;
	node_t *dref;
	const char *dref_name; /* set: $dynamicRef looks this anchor up in the dynamic scope */

	/* applicator */
	node_t **all_of, **any_of, **one_of, **prefix;
	size_t n_all_of, n_any_of, n_one_of, n_prefix;
	node_t *not_, *if_, *then_, *else_;
	node_t *items, *contains, *addl, *names;
	seam__prop_t *props;
	size_t n_props;
	seam__pat_t *pats;
	size_t n_pats;
	seam__dep_t *dep_schemas, *dep_req;
	size_t n_dep_schemas, n_dep_req;
	node_t *uneval_items, *uneval_props;

	/* validation */
	unsigned types;
	const json_t *enum_;  /* the set's copy (schema.c keep()) */
	const json_t *const_;
	seam__num_t max, xmax, min, xmin;
	double multiple;
	bool multiple_int;
	long long multiple_i;
	size_t max_len, min_len, max_items, min_items, max_cont, min_cont, max_props, min_props;
	seam_regex_t *pattern;
	const char *pattern_src;
	const char **required;
	size_t n_required;
	int format;          /* seam_schema_format_e or -1 */
	bool format_assert;  /* the format-assertion vocabulary is on */
};

#endif
