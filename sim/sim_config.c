/*
 * sim_config.c: YAML (libfyaml event parser) to jansson, with a side table of node -> line.
 * The event API is used rather than the document API because it gives a start mark for every
 * node, mappings and sequences included.
 */
#include "sim/sim_config.h"

#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

typedef struct line_ent {
	const json_t *node;
	int line;
} line_ent_t;

struct seam_sim_config {
	char *name;
	char *dir; /* base for relative {file:} paths */
	json_t *root;
	line_ent_t *lines;
	size_t nlines, caplines;
};

static int add_line(seam_sim_config_t *cfg, const json_t *node, int line)
{
	if (cfg->nlines == cfg->caplines) {
		size_t n = cfg->caplines ? cfg->caplines * 2 : 64;
		line_ent_t *p = realloc(cfg->lines, n * sizeof *p);
		if (!p)
			return -1;
		cfg->lines = p;
		cfg->caplines = n;
	}
	cfg->lines[cfg->nlines].node = node;
	cfg->lines[cfg->nlines].line = line;
	cfg->nlines++;
	return 0;
}

int seam_sim_config_line(const seam_sim_config_t *cfg, const json_t *node)
{
	if (!cfg || !node)
		return 0;
	for (size_t i = 0; i < cfg->nlines; i++)
		if (cfg->lines[i].node == node)
			return cfg->lines[i].line;
	return 0;
}

json_t *seam_sim_config_root(const seam_sim_config_t *cfg)
{
	return cfg ? cfg->root : NULL;
}

const char *seam_sim_config_name(const seam_sim_config_t *cfg)
{
	return cfg ? cfg->name : "";
}

seam_err_t seam_sim_config_errorf(const seam_sim_config_t *cfg, const json_t *node,
				  seam_error_t *err, const char *fmt, ...)
{
	char msg[SEAM_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line = seam_sim_config_line(cfg, node);
	if (line > 0)
		return seam_errorf(err, SEAM_CONFIG, "%s:%d: %s", seam_sim_config_name(cfg), line, msg);
	return seam_errorf(err, SEAM_CONFIG, "%s: %s", seam_sim_config_name(cfg), msg);
}

void seam_sim_config_destroy(seam_sim_config_t *cfg)
{
	if (!cfg)
		return;
	json_decref(cfg->root);
	free(cfg->lines);
	free(cfg->name);
	free(cfg->dir);
	free(cfg);
}

/* YAML 1.2 core schema for plain scalars. */
static json_t *plain_scalar(const char *s, size_t len)
{
	char buf[128];
	if (len == 0 || (len == 1 && s[0] == '~') || (len == 4 && (!memcmp(s, "null", 4) ||
		!memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4))))
		return json_null();
	if ((len == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4))))
		return json_true();
	if ((len == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) ||
			  !memcmp(s, "FALSE", 5))))
		return json_false();
	if (len < sizeof buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		char *end;
		errno = 0;
		if (buf[0] == '0' && buf[1] == 'x') {
			long long v = strtoll(buf + 2, &end, 16);
			if (*end == '\0' && !errno && buf[2])
				return json_integer(v);
		} else if (buf[0] == '0' && buf[1] == 'o') {
			long long v = strtoll(buf + 2, &end, 8);
			if (*end == '\0' && !errno && buf[2])
				return json_integer(v);
		} else {
			size_t i = (buf[0] == '-' || buf[0] == '+') ? 1 : 0;
			int all_digits = buf[i] != '\0';
			for (size_t j = i; buf[j]; j++)
				if (buf[j] < '0' || buf[j] > '9')
					all_digits = 0;
			if (all_digits) {
				long long v = strtoll(buf, &end, 10);
				if (!errno)
					return json_integer(v);
			}
			/* floats: digits with a '.' or exponent; leave things like "1.2.3" alone */
			if ((buf[i] >= '0' && buf[i] <= '9') || (buf[i] == '.' && buf[i + 1] >= '0' &&
								     buf[i + 1] <= '9')) {
				double d = strtod(buf, &end);
				if (*end == '\0' && !errno && isfinite(d))
					return json_real(d);
			}
		}
	}
	return json_stringn(s, len);
}

typedef struct frame {
	json_t *node;
	char *key; /* pending key in a mapping */
	int key_line;
} frame_t;

static seam_err_t parse_events(seam_sim_config_t *cfg, struct fy_parser *fyp, seam_error_t *err)
{
	frame_t stack[64];
	int depth = 0;
	seam_err_t rc = SEAM_CONFIG;
	struct fy_event *fye;
	json_t *doc = NULL;
	int ndocs = 0;

	while ((fye = fy_parser_parse(fyp)) != NULL) {
		const struct fy_mark *m = fy_event_start_mark(fye);
		int line = m ? m->line + 1 : 0;
		json_t *val = NULL;
		int push = 0;
		switch (fye->type) {
		case FYET_DOCUMENT_START:
			if (++ndocs > 1) {
				seam_errorf(err, SEAM_CONFIG, "%s:%d: only one YAML document is allowed",
					    cfg->name, line);
				goto fail_ev;
			}
			break;
		case FYET_MAPPING_START:
			val = json_object();
			push = 1;
			break;
		case FYET_SEQUENCE_START:
			val = json_array();
			push = 1;
			break;
		case FYET_SCALAR: {
			size_t len = 0;
			const char *text = fy_token_get_text(fye->scalar.value, &len);
			if (!text)
				text = "";
			if (fy_token_scalar_style(fye->scalar.value) == FYSS_PLAIN)
				val = plain_scalar(text, len);
			else
				val = json_stringn(text, len);
			break;
		}
		case FYET_ALIAS:
			seam_errorf(err, SEAM_CONFIG, "%s:%d: YAML aliases are not supported here",
				    cfg->name, line);
			goto fail_ev;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			if (depth > 0) {
				frame_t *f = &stack[--depth];
				free(f->key);
				f->key = NULL;
			}
			break;
		default:
			break;
		}
		if (val) {
			if (add_line(cfg, val, line) != 0) {
				json_decref(val);
				seam_errorf(err, SEAM_NOMEM, "out of memory");
				goto fail_ev;
			}
			if (depth == 0) {
				if (doc) {
					json_decref(val);
				} else {
					doc = val;
				}
			} else {
				frame_t *f = &stack[depth - 1];
				if (json_is_object(f->node)) {
					if (!f->key) {
						if (!json_is_string(val)) {
							json_t *k = val;
							char kb[64];
							if (json_is_integer(k))
								snprintf(kb, sizeof kb, "%lld",
									 (long long)json_integer_value(k));
							else if (json_is_true(k) || json_is_false(k))
								snprintf(kb, sizeof kb, "%s",
									 json_is_true(k) ? "true" : "false");
							else {
								json_decref(val);
								seam_errorf(err, SEAM_CONFIG,
									    "%s:%d: mapping keys must be scalars",
									    cfg->name, line);
								goto fail_ev;
							}
							f->key = strdup(kb);
						} else {
							f->key = strdup(json_string_value(val));
						}
						f->key_line = line;
						json_decref(val);
						val = NULL;
						push = 0;
					} else {
						if (json_object_get(f->node, f->key)) {
							seam_errorf(err, SEAM_CONFIG,
								    "%s:%d: duplicate key \"%s\"", cfg->name,
								    f->key_line, f->key);
							json_decref(val);
							goto fail_ev;
						}
						json_object_set_new(f->node, f->key, val);
						free(f->key);
						f->key = NULL;
					}
				} else {
					json_array_append_new(f->node, val);
				}
			}
			if (push && val) {
				if (depth == (int)(sizeof stack / sizeof *stack)) {
					seam_errorf(err, SEAM_CONFIG, "%s:%d: nesting too deep", cfg->name,
						    line);
					goto fail_ev;
				}
				stack[depth].node = val;
				stack[depth].key = NULL;
				depth++;
			}
		}
		fy_parser_event_free(fyp, fye);
		continue;
	fail_ev:
		fy_parser_event_free(fyp, fye);
		goto out;
	}
	if (fy_parser_get_stream_error(fyp)) {
		struct fy_diag *diag = fy_parser_get_diag(fyp);
		void *it = NULL;
		struct fy_diag_error *de = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
		if (de)
			seam_errorf(err, SEAM_CONFIG, "%s:%d:%d: %s", cfg->name, de->line + 1,
				    de->column + 1, de->msg);
		else
			seam_errorf(err, SEAM_CONFIG, "%s: YAML syntax error", cfg->name);
		if (diag)
			fy_diag_unref(diag);
		goto out;
	}
	if (!doc || json_is_null(doc)) {
		json_decref(doc);
		doc = json_object();
		add_line(cfg, doc, 1);
	}
	if (!json_is_object(doc)) {
		seam_errorf(err, SEAM_CONFIG, "%s:1: the top level must be a mapping", cfg->name);
		goto out;
	}
	cfg->root = doc;
	doc = NULL;
	rc = SEAM_OK;
out:
	while (depth > 0)
		free(stack[--depth].key);
	json_decref(doc);
	return rc;
}

static seam_err_t load(const char *text, size_t len, const char *path, const char *name,
		       seam_sim_config_t **out, seam_error_t *err)
{
	seam_err_t rc = SEAM_NOMEM;
	struct fy_diag *diag = NULL;
	struct fy_parser *fyp = NULL;
	seam_sim_config_t *cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		goto out;
	cfg->name = strdup(name ? name : "sim.yaml");
	const char *slash = path ? strrchr(path, '/') : NULL;
	cfg->dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (!cfg->name || !cfg->dir)
		goto out;

	struct fy_diag_cfg dcfg;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.level = FYET_ERROR;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		goto out;
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg pcfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG, .diag = diag};
	fyp = fy_parser_create(&pcfg);
	if (!fyp)
		goto out;
	if (path && !text) {
		if (fy_parser_set_input_file(fyp, path) != 0) {
			rc = seam_errorf(err, SEAM_IO, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
	} else if (fy_parser_set_string(fyp, text, len) != 0) {
		goto out;
	}
	rc = parse_events(cfg, fyp, err);
	if (rc != SEAM_OK)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	if (rc == SEAM_NOMEM)
		seam_errorf(err, SEAM_NOMEM, "out of memory");
	if (fyp)
		fy_parser_destroy(fyp);
	if (diag)
		fy_diag_unref(diag);
	seam_sim_config_destroy(cfg);
	return rc;
}

seam_err_t seam_sim_config_load_file(const char *path, seam_sim_config_t **out, seam_error_t *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return seam_errorf(err, SEAM_IO, "%s: cannot open: %s", path, strerror(errno));
	fclose(f);
	return load(NULL, 0, path, path, out, err);
}

seam_err_t seam_sim_config_load_string(const char *text, const char *name,
				       seam_sim_config_t **out, seam_error_t *err)
{
	return load(text, strlen(text), NULL, name, out, err);
}

/* ---- typed readers ---- */

static json_t *get(const json_t *obj, const char *key)
{
	return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

seam_err_t seam_sim_cfg_int(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			    int64_t def, int64_t min, int64_t max, int64_t *out, seam_error_t *err)
{
	json_t *v = get(obj, key);
	if (!v || json_is_null(v)) {
		*out = def;
		return SEAM_OK;
	}
	if (!json_is_integer(v))
		return seam_sim_config_errorf(cfg, v, err, "%s: expected an integer", key);
	int64_t x = json_integer_value(v);
	if (x < min || x > max)
		return seam_sim_config_errorf(cfg, v, err, "%s: %lld is outside %lld..%lld", key,
					      (long long)x, (long long)min, (long long)max);
	*out = x;
	return SEAM_OK;
}

seam_err_t seam_sim_cfg_double(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			       double def, double min, double max, double *out, seam_error_t *err)
{
	json_t *v = get(obj, key);
	if (!v || json_is_null(v)) {
		*out = def;
		return SEAM_OK;
	}
	double x;
	if (json_is_number(v))
		x = json_number_value(v);
	else if (json_is_string(v)) {
		char *end;
		x = strtod(json_string_value(v), &end);
		if (*end != '\0' || end == json_string_value(v))
			return seam_sim_config_errorf(cfg, v, err, "%s: expected a number", key);
	} else
		return seam_sim_config_errorf(cfg, v, err, "%s: expected a number", key);
	if (!(x >= min && x <= max))
		return seam_sim_config_errorf(cfg, v, err, "%s: %g is outside %g..%g", key, x, min,
					      max);
	*out = x;
	return SEAM_OK;
}

seam_err_t seam_sim_cfg_bool(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			     int def, int *out, seam_error_t *err)
{
	json_t *v = get(obj, key);
	if (!v || json_is_null(v)) {
		*out = def;
		return SEAM_OK;
	}
	if (!json_is_boolean(v))
		return seam_sim_config_errorf(cfg, v, err, "%s: expected true or false", key);
	*out = json_is_true(v);
	return SEAM_OK;
}

seam_err_t seam_sim_cfg_str(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			    const char *def, const char **out, seam_error_t *err)
{
	json_t *v = get(obj, key);
	if (!v || json_is_null(v)) {
		*out = def;
		return SEAM_OK;
	}
	if (!json_is_string(v))
		return seam_sim_config_errorf(cfg, v, err, "%s: expected a string", key);
	*out = json_string_value(v);
	return SEAM_OK;
}

seam_err_t seam_sim_cfg_duration(const seam_sim_config_t *cfg, const json_t *obj,
				 const char *key, int64_t def_ms, int64_t *out_ms,
				 seam_error_t *err)
{
	json_t *v = get(obj, key);
	if (!v || json_is_null(v)) {
		*out_ms = def_ms;
		return SEAM_OK;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out_ms = json_integer_value(v) * 1000;
		return SEAM_OK;
	}
	if (json_is_real(v) && json_real_value(v) >= 0) {
		*out_ms = (int64_t)(json_real_value(v) * 1000.0);
		return SEAM_OK;
	}
	if (json_is_string(v) && seam_duration_parse(json_string_value(v), out_ms) == 0)
		return SEAM_OK;
	return seam_sim_config_errorf(cfg, v, err,
				      "%s: expected a duration such as 250ms, 2s or 5m", key);
}

static char *read_file_trimmed(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		memcpy(buf + len, chunk, n);
		len += n;
		if (len > (1u << 20))
			break; /* a secret is small */
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	if (!buf)
		return NULL;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
			   buf[len - 1] == '\t'))
		len--;
	buf[len] = '\0';
	return buf;
}

seam_err_t seam_sim_cfg_secret(const seam_sim_config_t *cfg, const json_t *obj, const char *key,
			       const char *def, char **out, seam_error_t *err)
{
	json_t *v = get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (def && !(*out = strdup(def)))
			return seam_errorf(err, SEAM_NOMEM, "out of memory");
		return SEAM_OK;
	}
	if (json_is_string(v)) {
		*out = strdup(json_string_value(v));
		return *out ? SEAM_OK : seam_errorf(err, SEAM_NOMEM, "out of memory");
	}
	if (json_is_object(v) && json_object_size(v) == 1) {
		const char *env = json_string_value(json_object_get(v, "env"));
		const char *file = json_string_value(json_object_get(v, "file"));
		if (env) {
			const char *val = getenv(env);
			if (!val || !*val)
				return seam_sim_config_errorf(cfg, v, err,
							      "%s: environment variable %s is not set",
							      key, env);
			*out = strdup(val);
			return *out ? SEAM_OK : seam_errorf(err, SEAM_NOMEM, "out of memory");
		}
		if (file) {
			char path[PATH_MAX];
			if (file[0] == '/')
				snprintf(path, sizeof path, "%s", file);
			else
				snprintf(path, sizeof path, "%s/%s", cfg ? cfg->dir : ".", file);
			*out = read_file_trimmed(path);
			if (!*out)
				return seam_sim_config_errorf(cfg, v, err, "%s: cannot read %s: %s",
							      key, path, strerror(errno));
			return SEAM_OK;
		}
	}
	return seam_sim_config_errorf(cfg, v, err,
				      "%s: expected {env: NAME}, {file: path} or a string", key);
}

seam_err_t seam_sim_cfg_keys(const seam_sim_config_t *cfg, const json_t *obj,
			     const char *const *allowed, seam_error_t *err)
{
	if (!obj)
		return SEAM_OK;
	if (!json_is_object(obj))
		return seam_sim_config_errorf(cfg, obj, err, "expected a mapping");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(*a, k))
				ok = 1;
		if (!ok) {
			char list[400] = "";
			size_t used = 0;
			for (const char *const *a = allowed; *a && used < sizeof list - 40; a++)
				used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
							 a == allowed ? "" : ", ", *a);
			return seam_sim_config_errorf(cfg, v, err, "unknown key \"%s\" (expected: %s)",
						      k, list);
		}
	}
	return SEAM_OK;
}
