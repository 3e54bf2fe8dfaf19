/*
 * sim_config.h: sim.yaml, read with libfyaml into a jansson tree that remembers the line every
 * value came from, plus typed readers that report errors as "file:line: key: problem".
 *
 * YAML plain scalars follow the YAML 1.2 core schema (null, true/false, integers, floats, else
 * strings); quoted scalars are always strings. Anchors and aliases are refused (a simulator
 * config has no need for them, and refusing keeps line numbers honest).
 *
 * Secrets (docs/design.md rule 7: never in the config text) take one of three forms:
 *   key: {env: NAME}          the environment variable NAME
 *   key: {file: path}         the file's content, trailing whitespace trimmed; a relative path
 *                             is taken from the directory of the config file
 *   key: "literal"            accepted only for demo-grade test secrets of the simulators
 *
 * Ownership: the config owns the tree; json_t pointers handed out are borrowed and valid until
 * seam_sim_config_destroy(). Thread-safety: read-only after load.
 */
#ifndef SEAM_SIM_CONFIG_H
#define SEAM_SIM_CONFIG_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

typedef struct seam_sim_config seam_sim_config_t;

/* Loads and parses a YAML file. Returns owned config (seam_sim_config_destroy). */
seam_err_t seam_sim_config_load_file(const char *path, seam_sim_config_t **out, seam_error_t *err);
/* Same from text; name is used in messages and as the base for relative {file:} paths ("."). */
seam_err_t seam_sim_config_load_string(const char *text, const char *name,
				       seam_sim_config_t **out, seam_error_t *err);
void seam_sim_config_destroy(seam_sim_config_t *cfg);

json_t *seam_sim_config_root(const seam_sim_config_t *cfg);      /* borrowed; an object */
int seam_sim_config_line(const seam_sim_config_t *cfg, const json_t *node); /* 1-based; 0 unknown */
const char *seam_sim_config_name(const seam_sim_config_t *cfg);

/* Error helper: "file:line: " + message, on node's line (or obj's when node is NULL). */
seam_err_t seam_sim_config_errorf(const seam_sim_config_t *cfg, const json_t *node,
				  seam_error_t *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Typed readers. obj may be NULL (then the default applies). A present value of the wrong type
 * or out of range is an error naming the key and its line. */
seam_err_t seam_sim_cfg_int(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			    int64_t def, int64_t min, int64_t max, int64_t *out, seam_error_t *err);
seam_err_t seam_sim_cfg_double(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			       double def, double min, double max, double *out, seam_error_t *err);
seam_err_t seam_sim_cfg_bool(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			     int def, int *out, seam_error_t *err);
/* Borrowed string (valid for the config's life); def may be NULL. */
seam_err_t seam_sim_cfg_str(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			    const char *def, const char **out, seam_error_t *err);
/* "250ms", "2s", "5m" or a plain number of seconds. */
seam_err_t seam_sim_cfg_duration(const seam_sim_config_t *cfg, const json_t *obj,
				 const char *key, int64_t def_ms, int64_t *out_ms,
				 seam_error_t *err);
/* A secret in one of the three forms above. *out is owned (free()); def may be NULL, and a
 * missing key with a NULL default gives *out = NULL and SEAM_OK. */
seam_err_t seam_sim_cfg_secret(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			       const char *def, char **out, seam_error_t *err);
/* Refuses keys not in the NULL-terminated list (typos should not pass silently). */
seam_err_t seam_sim_cfg_keys(const seam_sim_config_t *cfg, const json_t *obj,
			     const char *const *allowed, seam_error_t *err);

#endif
