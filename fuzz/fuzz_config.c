/*
 * fuzz_config.c: libFuzzer target for the config loader (src/core/config.c): any bytes as
 * seam.yaml, through the real root schema (assembled from the flow registry) and the real
 * entry point (seam_config_load on a file), and through the in-memory loader
 * (seam_config_load_text).
 *
 * Each input runs in a scratch directory made at start (removed at exit) that holds the secret
 * files the seeds name ({file: secret.txt}, {file: secrets/...}); libFuzzer's own file work
 * happens back in the starting directory (relative corpus paths). SEAM_FUZZ_SECRET is set for
 * {env: ...}; stdin is /dev/null, so a {file: /dev/stdin} the fuzzer may write cannot block.
 *
 * Checks besides memory safety (and leaks: every load is freed):
 *   - SEAM_OK exactly when there is no diagnostic, SEAM_CONFIG otherwise;
 *   - every diagnostic names the file ("seam.yaml: ..." or "seam.yaml:LINE: ...") with a line
 *     inside the input (YAML's line breaks: LF, CR LF and a lone CR);
 *   - the file loader reports every problem the in-memory loader reports (it adds the
 *     cross-reference checks);
 *   - a loaded config keeps the schema's promises, walked generically over the schema tables:
 *     numbers inside their [min, max], durations and sizes not negative, booleans 0/1, enums
 *     one of their values, defaults and required values present, secrets without NUL and with
 *     their source, map names unique and non-empty; and the cross-references resolve.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/config.h"
#include "app/registry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[64];
static int home = -1; /* the starting directory */

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static void cleanup(void)
{
	static const char *const files[] = {
		"seam.yaml", "secret.txt", "secrets/drupal_password", "secrets/erp_client_secret",
		"secrets/drupal_webhook_secret", "secrets/stripe_webhook_secret",
		"secrets/adyen_hmac_key",
	};
	if (!scratch[0] || chdir(scratch) != 0)
		return;
	if (home >= 0)
		close(home);
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		unlink(files[i]);
	rmdir("secrets");
	if (chdir("/") == 0)
		rmdir(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(scratch, sizeof scratch, "/tmp/seam-fuzz-config-XXXXXX");
	if ((home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || !mkdtemp(scratch) ||
	    chdir(scratch) != 0 || mkdir("secrets", 0700) != 0)
		abort();
	put_file("secret.txt", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
	put_file("secrets/drupal_password", "seam-demo-password\n");
	put_file("secrets/erp_client_secret", "erp-secret\n");
	put_file("secrets/drupal_webhook_secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
	put_file("secrets/stripe_webhook_secret", "whsec_test_secret\n");
	put_file("secrets/adyen_hmac_key",
		 "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056\n");
	setenv("SEAM_FUZZ_SECRET", "env-secret-value", 1);
	if (!freopen("/dev/null", "r", stdin))
		abort();
	atexit(cleanup);
	if (fchdir(home) != 0)
		abort();
	return 0;
}

/* ---- the schema's promises ---- */

static int enum_has(const char *enums, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = enums; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		if (l == n && strncmp(p, v, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

static void check_secret(const seam_secret_t *s, int required)
{
	if (!s->value) {
		if (required || s->len)
			abort();
		return;
	}
	if (strlen(s->value) != s->len || !s->source || !*s->source)
		abort();
}

static void check_obj(const seam_cfg_schema_t *s, const void *obj, int depth)
{
	if (depth > 8)
		abort();
	for (size_t i = 0; i < s->nfields; i++) {
		const seam_cfg_field_t *f = &s->fields[i];
		const void *slot = (const char *)obj + f->offset;
		int req = (f->flags & SEAM_CFG_REQUIRED) != 0;
		switch (f->type) {
		case SEAM_CFG_STR:
		case SEAM_CFG_ENUM: {
			const char *v = *(char *const *)slot;
			if (!v && (req || f->def))
				abort();
			if (v && f->type == SEAM_CFG_ENUM && !enum_has(f->enums, v))
				abort();
			break;
		}
		case SEAM_CFG_INT:
		case SEAM_CFG_DURATION:
		case SEAM_CFG_SIZE: {
			int64_t v = *(const int64_t *)slot;
			if (f->min < f->max && (v < f->min || v > f->max))
				abort();
			if (f->type != SEAM_CFG_INT && v < 0)
				abort();
			break;
		}
		case SEAM_CFG_BOOL: {
			int v = *(const int *)slot;
			if (v != 0 && v != 1)
				abort();
			break;
		}
		case SEAM_CFG_SECRET:
			check_secret(slot, req);
			break;
		case SEAM_CFG_SECRETLIST: {
			const seam_secretlist_t *l = slot;
			if (req && l->n == 0)
				abort();
			for (size_t j = 0; j < l->n; j++)
				check_secret(&l->items[j], 1);
			break;
		}
		case SEAM_CFG_SECTION:
			check_obj(f->sub, slot, depth + 1);
			break;
		case SEAM_CFG_MAP: {
			const seam_cfg_map_t *m = slot;
			for (size_t j = 0; j < m->n; j++) {
				if (!m->names[j] || !*m->names[j] || !m->items[j])
					abort();
				for (size_t k = 0; k < j; k++)
					if (strcmp(m->names[k], m->names[j]) == 0)
						abort();
				if (seam_cfg_map_get(m, m->names[j]) != m->items[j])
					abort();
				check_obj(f->sub, m->items[j], depth + 1);
			}
			break;
		}
		case SEAM_CFG_STRLIST: {
			const seam_strlist_t *l = slot;
			for (size_t j = 0; j < l->n; j++)
				if (!l->items[j])
					abort();
			break;
		}
		case SEAM_CFG_STRMAP: {
			const seam_strmap_t *m = slot;
			for (size_t j = 0; j < m->n; j++) {
				if (!m->keys[j] || !m->values[j])
					abort();
				for (size_t k = 0; k < j; k++)
					if (strcmp(m->keys[k], m->keys[j]) == 0)
						abort();
			}
			break;
		}
		}
	}
}

static void check_references(const seam_config_t *cfg)
{
	for (size_t i = 0; i < cfg->stores.n; i++) {
		const seam_config_store_t *st = cfg->stores.items[i];
		if (st->drupal.upstream && !seam_cfg_map_get(&cfg->upstreams, st->drupal.upstream))
			abort();
		if (st->erp.upstream && !seam_cfg_map_get(&cfg->upstreams, st->erp.upstream))
			abort();
	}
	for (size_t i = 0; i < cfg->sources.n; i++) {
		const seam_config_source_t *src = cfg->sources.items[i];
		if (!seam_cfg_map_get(&cfg->stores, src->store))
			abort();
	}
}

/* "seam.yaml: msg" or "seam.yaml:N: msg" with 1 <= N <= the input's lines + 1. */
static void check_diag(const seam_cfg_diag_t *d, size_t lines)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *l = d->lines[i];
		if (!l || strncmp(l, "seam.yaml", 9) != 0)
			abort();
		if (l[9] == ':' && l[10] >= '0' && l[10] <= '9') {
			char *end;
			unsigned long n = strtoul(l + 10, &end, 10);
			if (*end != ':' || n == 0 || n > lines + 1)
				abort();
		} else if (l[9] != ':') {
			abort();
		}
	}
}

static int diag_has(const seam_cfg_diag_t *d, const char *line)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->lines[i], line) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	seam_cfg_diag_t dfile = {0}, dtext = {0};
	seam_config_t *cfg = NULL, *mem = NULL;
	seam_err_t rc, rct;
	size_t lines = 1;
	FILE *f;

	for (size_t i = 0; i < size; i++) /* line breaks as YAML counts them: LF, CR LF, CR */
		lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
	if (chdir(scratch) != 0)
		abort();
	if (!(f = fopen("seam.yaml", "w")))
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	rc = seam_config_load(seam_app_flows(), "seam.yaml", &cfg, &dfile);
	if (rc != SEAM_OK && rc != SEAM_CONFIG)
		abort();
	if ((rc == SEAM_OK) != (dfile.n == 0) || (rc == SEAM_OK) != (cfg != NULL))
		abort();
	check_diag(&dfile, lines);
	if (cfg) {
		check_obj(seam_config_root_schema(cfg), cfg, 0);
		check_references(cfg);
		if (!cfg->path || strcmp(cfg->path, "seam.yaml") != 0)
			abort();
	}

	rct = seam_config_load_text(seam_app_flows(), "seam.yaml", (const char *)data, size, &mem,
				    &dtext);
	if (rct != SEAM_OK && rct != SEAM_CONFIG)
		abort();
	if ((rct == SEAM_OK) != (dtext.n == 0) || (rct == SEAM_OK) != (mem != NULL))
		abort();
	check_diag(&dtext, lines);
	if (mem)
		check_obj(seam_config_root_schema(mem), mem, 0);
	for (size_t i = 0; i < dtext.n; i++)
		if (!diag_has(&dfile, dtext.lines[i]))
			abort(); /* the two loaders disagree about the same bytes */
	if (rct != SEAM_OK && rc == SEAM_OK)
		abort();

	seam_config_free(mem);
	seam_config_free(cfg);
	seam_cfg_diag_dispose(&dfile);
	seam_cfg_diag_dispose(&dtext);
	if (fchdir(home) != 0)
		abort();
	return 0;
}
