/*
 * sim.c: reads sim.yaml's top level and builds one double per configured section from the
 * module table below (name, constructor, definition, destructor): adding a double is one row.
 */
#include "sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "sim/sim_drupal.h"
#include "sim/sim_erp.h"
#include "sim/sim_pim.h"
#include "sim/sim_psp.h"
#include "sim/sim_tax.h"

typedef seam_err_t (*create_fn)(const seam_sim_config_t *, const json_t *, const seam_sim_env_t *,
				void **, seam_error_t *);
typedef void (*def_fn)(void *, seam_sim_double_def_t *);
typedef void (*destroy_fn)(void *);

#define MODULE(n)                                                                               \
	static seam_err_t n##_create(const seam_sim_config_t *cfg, const json_t *sec,          \
				     const seam_sim_env_t *env, void **out, seam_error_t *err)  \
	{                                                                                       \
		seam_sim_##n##_t *p = NULL;                                                     \
		seam_err_t rc = seam_sim_##n##_create(cfg, sec, env, &p, err);                  \
		*out = p;                                                                       \
		return rc;                                                                      \
	}                                                                                       \
	static void n##_def(void *p, seam_sim_double_def_t *def)                                \
	{                                                                                       \
		seam_sim_##n##_def(p, def);                                                     \
	}                                                                                       \
	static void n##_destroy(void *p)                                                        \
	{                                                                                       \
		seam_sim_##n##_destroy(p);                                                      \
	}

MODULE(drupal)
MODULE(erp)
MODULE(pim)
MODULE(psp)
MODULE(tax)

static const struct module {
	const char *name;
	create_fn create;
	def_fn def;
	destroy_fn destroy;
} modules[] = {
	{"drupal", drupal_create, drupal_def, drupal_destroy},
	{"erp", erp_create, erp_def, erp_destroy},
	{"pim", pim_create, pim_def, pim_destroy},
	{"psp", psp_create, psp_def, psp_destroy},
	{"tax", tax_create, tax_def, tax_destroy},
};
#define NMODULES (sizeof modules / sizeof *modules)

typedef struct slot {
	const struct module *m;
	void *impl;
	seam_sim_faults_t *faults;
	seam_sim_double_t *dbl;
	char *listen;
	int threads;
} slot_t;

struct seam_sim {
	slot_t slots[NMODULES];
	size_t n;
};

void seam_sim_destroy(seam_sim_t *s)
{
	if (!s)
		return;
	for (size_t i = s->n; i-- > 0;) {
		slot_t *sl = &s->slots[i];
		seam_sim_double_destroy(sl->dbl);
		sl->m->destroy(sl->impl);
		seam_sim_faults_destroy(sl->faults);
		free(sl->listen);
	}
	free(s);
}

seam_err_t seam_sim_create(const seam_sim_config_t *cfg, const seam_sim_opts_t *opts,
			   seam_sim_t **out, seam_error_t *err)
{
	static const char *const keys[] = {"seed", "log", "calls", "body_cap", "drupal", "erp",
					   "pim", "psp", "tax", NULL};
	json_t *root = seam_sim_config_root(cfg);
	seam_err_t rc;
	int64_t seed, calls, body_cap;
	if ((rc = seam_sim_cfg_keys(cfg, root, keys, err)) ||
	    (rc = seam_sim_cfg_int(cfg, root, "seed", 42, INT64_MIN, INT64_MAX, &seed, err)) ||
	    (rc = seam_sim_cfg_int(cfg, root, "calls", 10000, 10, 10000000, &calls, err)) ||
	    (rc = seam_sim_cfg_int(cfg, root, "body_cap", 4096, 0, 1 << 24, &body_cap, err)))
		return rc;
	int any = 0;
	for (size_t i = 0; i < NMODULES; i++)
		if (json_object_get(root, modules[i].name))
			any = 1;
	seam_sim_t *s = calloc(1, sizeof *s);
	if (!s)
		return seam_errorf(err, SEAM_NOMEM, "out of memory");
	for (size_t i = 0; i < NMODULES; i++) {
		const struct module *m = &modules[i];
		json_t *sec = json_object_get(root, m->name);
		if (any && !sec)
			continue;
		if (sec && !json_is_object(sec) && !json_is_null(sec)) {
			rc = seam_sim_config_errorf(cfg, sec, err, "%s: expected a mapping", m->name);
			goto fail;
		}
		slot_t *sl = &s->slots[s->n];
		sl->m = m;
		char stream[64];
		snprintf(stream, sizeof stream, "faults:%s", m->name);
		sl->faults = seam_sim_faults_create((uint64_t)seed, stream);
		if (!sl->faults) {
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto fail;
		}
		s->n++;
		const char *listen;
		int64_t threads;
		if ((rc = seam_sim_cfg_str(cfg, sec, "listen", "127.0.0.1:0", &listen, err)) ||
		    (rc = seam_sim_cfg_int(cfg, sec, "threads", 16, 1, 256, &threads, err)))
			goto fail;
		sl->listen = strdup(listen);
		sl->threads = (int)threads;
		seam_sim_env_t env = {.seed = (uint64_t)seed,
				      .faults = sl->faults,
				      .transport = opts ? opts->transport : NULL,
				      .tctx = opts ? opts->tctx : NULL,
				      .exchange = opts ? opts->exchange : NULL,
				      .xctx = opts ? opts->xctx : NULL,
				      .log = opts ? opts->log : NULL};
		if ((rc = m->create(cfg, sec, &env, &sl->impl, err)) != SEAM_OK)
			goto fail;
		seam_sim_double_def_t def;
		m->def(sl->impl, &def);
		def.faults = sl->faults;
		sl->dbl = seam_sim_double_create(&def, (uint64_t)seed, (size_t)calls, (size_t)body_cap);
		if (!sl->dbl || !sl->listen) {
			rc = seam_errorf(err, SEAM_NOMEM, "out of memory");
			goto fail;
		}
	}
	*out = s;
	return SEAM_OK;
fail:
	seam_sim_destroy(s);
	return rc;
}

size_t seam_sim_count(const seam_sim_t *s)
{
	return s->n;
}

seam_sim_double_t *seam_sim_at(seam_sim_t *s, size_t i)
{
	return i < s->n ? s->slots[i].dbl : NULL;
}

const char *seam_sim_listen_at(const seam_sim_t *s, size_t i)
{
	return i < s->n ? s->slots[i].listen : NULL;
}

int seam_sim_threads_at(const seam_sim_t *s, size_t i)
{
	return i < s->n ? s->slots[i].threads : 0;
}

seam_sim_double_t *seam_sim_get(seam_sim_t *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->slots[i].m->name, name))
			return s->slots[i].dbl;
	return NULL;
}

void *seam_sim_impl(seam_sim_t *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->slots[i].m->name, name))
			return s->slots[i].impl;
	return NULL;
}

void seam_sim_stopping(seam_sim_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		seam_sim_double_stopping(s->slots[i].dbl);
}
