/*
 * contract_cmd.c: `seam contract`: diff two schema versions, check the registry against its
 * history (the breaking-change gate CI runs), validate documents against a contract.
 *
 * One table of subcommands (usage, summary, handler); each handler parses its own options and
 * prints its own --help from the row. Output is a ctl/table.h table for people, or JSON with
 * --json; exit codes are the same everywhere: 0 compatible / valid, 1 breaking / invalid, 2 an
 * input that cannot be used (a file that is not JSON, a $ref to nowhere, an unknown contract,
 * a git revision that does not exist).
 *
 * Schema versions come from files, from the registry built into the binary (name@vN), or from
 * git (REV:path, read with `git show`). `check` reads the registry of a working tree
 * (--dir, default contracts) and finds each contract's previous version in git history: the
 * last committed content of the same file that differs from the current one (all of them with
 * a -transitive mode), or the file of the same path in a directory or revision (--against).
 * git runs as a child (fork/exec, no shell), its stderr discarded.
 */
#include "app/app.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "contract/diff.h"
#include "contract/registry.h"
#include "core/buf.h"
#include "ctl/table.h"

#define INPUT_MAX (64u << 20)
#define MAX_REFS 64

/* ---------- small helpers ---------- */

/* The whole of fp (owned, NUL-terminated); NULL when it cannot be read or is too big. */
static char *read_stream(FILE *fp, size_t *len)
{
	char *buf = NULL;
	seam_buf_t b;
	seam_buf_init(&b, INPUT_MAX);
	if (seam_buf_add_file(&b, fp) != SEAM_OK || seam_buf_take(&b, &buf, len) != SEAM_OK)
		buf = NULL;
	seam_buf_dispose(&b);
	return buf;
}

static char *read_path(const char *path, size_t *len)
{
	FILE *fp;
	char *s;
	if (strcmp(path, "-") == 0)
		return read_stream(stdin, len);
	if (!(fp = fopen(path, "re")))
		return NULL;
	s = read_stream(fp, len);
	fclose(fp);
	return s;
}

/* Runs argv (no shell) in dir (NULL: here) and captures stdout. Returns the exit status (-1
 * when it could not run); *out owned. */
static int run_capture(const char *dir, char *const argv[], char **out, size_t *len)
{
	int fds[2], status = 0;
	pid_t pid;
	FILE *fp;
	*out = NULL;
	*len = 0;
	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(fds[1], 1);
		if (devnull >= 0) {
			dup2(devnull, 2);
			dup2(devnull, 0);
		}
		close(fds[0]);
		close(fds[1]);
		if (dir && chdir(dir) != 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	if ((fp = fdopen(fds[0], "r"))) {
		*out = read_stream(fp, len);
		fclose(fp);
	} else {
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!*out)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `git show REV:./path` in dir: the document, or NULL (no such revision or file, not JSON). */
static json_t *git_show_json(const char *dir, const char *rev, const char *path)
{
	char spec[PATH_MAX + 128], *out = NULL;
	size_t len;
	json_t *doc = NULL;
	snprintf(spec, sizeof spec, "%s:./%s", rev, path);
	char *argv[] = {"git", "show", spec, NULL};
	if (run_capture(dir, argv, &out, &len) == 0)
		doc = json_loadb(out, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	free(out);
	return doc;
}

typedef struct git_src {
	const char *dir; /* where git runs; paths are relative to it */
	const char *rev;
} git_src_t;

static json_t *load_git(const char *path, void *ud)
{
	const git_src_t *g = ud;
	return git_show_json(g->dir, g->rev, path);
}

static int print_json(json_t *j)
{
	int rc = json_dumpf(j, stdout, JSON_INDENT(2)) == 0 ? 0 : -1;
	putchar('\n');
	return rc;
}

/* A value as short text for the human table. */
static char *value_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return strdup("-");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* ---------- diff ---------- */

/* One side of a diff as the user named it. */
typedef struct spec {
	json_t *doc;
	char *path; /* the doc's path in its tree */
	seam_diff_load_fn load;
	void *ud;
	char *dir;  /* owned: load_dir's directory */
	git_src_t git;
	char *rev;  /* owned */
	char *label;
} spec_t;

static void spec_dispose(spec_t *s)
{
	json_decref(s->doc);
	free(s->path);
	free(s->dir);
	free(s->rev);
	free(s->label);
}

static int looks_like_ref(const char *s)
{
	const char *at = strchr(s, '@');
	return at && at[1] == 'v' && !strchr(s, '/');
}

/* Resolves FILE, name@vN (built-in registry, opened on demand into *reg) or REV:path. Returns
 * 0, or 2 after printing why. */
static int spec_open(spec_t *s, const char *arg, seam_contracts_t **reg)
{
	struct stat st;
	seam_error_t err = {0};
	json_error_t je;
	memset(s, 0, sizeof *s);
	s->label = strdup(arg);
	if (stat(arg, &st) == 0 || strcmp(arg, "-") == 0) {
		size_t len;
		char *text = read_path(arg, &len);
		if (!text) {
			fprintf(stderr, "seam contract: %s: cannot read: %s\n", arg, strerror(errno));
			return 2;
		}
		s->doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
		free(text);
		if (!s->doc) {
			fprintf(stderr, "seam contract: %s:%d:%d: not JSON: %s\n", arg, je.line, je.column,
				je.text);
			return 2;
		}
		const char *slash = strrchr(arg, '/');
		s->dir = slash ? strndup(arg, (size_t)(slash - arg) + (slash == arg)) : strdup(".");
		s->path = strdup(slash ? slash + 1 : arg);
		s->load = seam_diff_load_dir;
		s->ud = s->dir;
		return 0;
	}
	if (looks_like_ref(arg)) {
		const seam_contract_t *c;
		if (!*reg && seam_contracts_open(reg, &err) != SEAM_OK) {
			fprintf(stderr, "seam contract: the built-in registry: %s\n", err.msg);
			return 2;
		}
		if (!(c = seam_contracts_find(*reg, arg))) {
			fprintf(stderr, "seam contract: %s: no such contract in the built-in registry "
					"(seam contract list)\n", arg);
			return 2;
		}
		s->doc = json_incref((json_t *)c->doc);
		s->path = strdup(c->path);
		s->load = seam_diff_load_registry;
		s->ud = *reg;
		return 0;
	}
	const char *colon = strchr(arg, ':');
	if (colon && colon != arg && colon[1]) {
		s->rev = strndup(arg, (size_t)(colon - arg));
		s->path = strdup(colon[1] == '.' && colon[2] == '/' ? colon + 3 : colon + 1);
		s->git = (git_src_t){NULL, s->rev};
		if (!(s->doc = git_show_json(NULL, s->rev, s->path))) {
			fprintf(stderr, "seam contract: %s: git show cannot give a JSON document "
					"(no such revision or file, or not JSON)\n", arg);
			return 2;
		}
		s->load = load_git;
		s->ud = &s->git;
		return 0;
	}
	fprintf(stderr, "seam contract: %s: no such file, and not name@vN or REV:path\n", arg);
	return 2;
}

static const seam_table_col_t change_cols[] = {
	{"path", 48, SEAM_TABLE_TEXT},          {"kind", 0, SEAM_TABLE_TEXT},
	{"old", 24, SEAM_TABLE_TEXT},           {"new", 24, SEAM_TABLE_TEXT},
	{"breaks_backward", 0, SEAM_TABLE_BOOL}, {"breaks_forward", 0, SEAM_TABLE_BOOL},
	{"why", 70, SEAM_TABLE_TEXT},
};
#define NCHANGE_COLS (sizeof change_cols / sizeof change_cols[0])

static int print_changes_table(const json_t *changes)
{
	seam_table_t *t = seam_table_create(change_cols, NCHANGE_COLS);
	size_t i;
	const json_t *ch;
	int rc = -1;
	if (!t)
		return -1;
	json_array_foreach(changes, i, ch) {
		char *ov = value_text(json_object_get(ch, "old"));
		char *nv = value_text(json_object_get(ch, "new"));
		const char *path = json_string_value(json_object_get(ch, "path"));
		const char *row[] = {
			path && *path ? path : "(root)",
			json_string_value(json_object_get(ch, "kind")), ov, nv,
			json_is_true(json_object_get(ch, "breaks_backward")) ? "true" : "false",
			json_is_true(json_object_get(ch, "breaks_forward")) ? "true" : "false",
			json_string_value(json_object_get(ch, "why")),
		};
		int bad = seam_table_add(t, row);
		free(ov);
		free(nv);
		if (bad)
			goto out;
	}
	rc = seam_table_print(t, stdout, 0);
out:
	seam_table_destroy(t);
	return rc;
}

static size_t count_breaking(const json_t *changes, seam_compat_e mode)
{
	size_t n = 0, i;
	const json_t *ch;
	json_array_foreach(changes, i, ch) {
		json_t *one = json_pack("[O]", ch);
		n += seam_diff_breaks(one, mode);
		json_decref(one);
	}
	return n;
}

static const struct option diff_opts[] = {
	{"mode", required_argument, NULL, 'm'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

typedef struct sub_cmd sub_cmd_t;
static void sub_usage(const sub_cmd_t *s, FILE *fp);
static const sub_cmd_t *sub_find(const char *name);

static int cmd_diff(int argc, char **argv)
{
	seam_compat_e mode = SEAM_COMPAT_BACKWARD;
	bool transitive = false;
	int json = 0, ch, rc = 2;
	seam_contracts_t *reg = NULL;
	spec_t a, b;
	json_t *changes = NULL;
	seam_error_t err = {0};

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:jh", diff_opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			if (seam_diff_mode_parse(optarg, &mode, &transitive) != 0 ||
			    mode == SEAM_COMPAT_NONE) {
				fprintf(stderr, "seam contract diff: --mode: '%s' is not backward, forward "
						"or full (each optionally -transitive)\n", optarg);
				return 2;
			}
			break;
		case 'j': json = 1; break;
		case 'h': sub_usage(sub_find("diff"), stdout); return 0;
		default: sub_usage(sub_find("diff"), stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		sub_usage(sub_find("diff"), stderr);
		return 2;
	}
	if ((rc = spec_open(&a, argv[optind], &reg)) != 0 ||
	    (rc = spec_open(&b, argv[optind + 1], &reg)) != 0)
		goto out;
	seam_diff_side_t so = {a.doc, a.path, a.load, a.ud}, sn = {b.doc, b.path, b.load, b.ud};
	if (seam_diff(&so, &sn, &changes, &err) != SEAM_OK) {
		fprintf(stderr, "seam contract diff: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	bool breaking = seam_diff_breaks(changes, mode);
	size_t nbreak = count_breaking(changes, mode);
	char modename[40];
	snprintf(modename, sizeof modename, "%s%s", seam_diff_mode_name(mode),
		 transitive ? "-transitive" : "");
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:O}", "old", a.label, "new", b.label, "mode",
				      modename, "compatible", !breaking, "changes", changes);
		print_json(o);
		json_decref(o);
	} else {
		if (json_array_size(changes))
			print_changes_table(changes);
		printf("%s%s: %s (%zu change%s, %zu breaking)\n", json_array_size(changes) ? "\n" : "",
		       modename, breaking ? "BREAKING" : "compatible", json_array_size(changes),
		       json_array_size(changes) == 1 ? "" : "s", nbreak);
	}
	rc = breaking ? 1 : 0;
out:
	json_decref(changes);
	spec_dispose(&a);
	spec_dispose(&b);
	seam_contracts_close(reg);
	return rc;
}

/* ---------- check ---------- */

/* One earlier version of a contract. */
typedef struct earlier {
	json_t *doc;
	char *label; /* "a1b2c3d" or the directory */
	char *rev;   /* git: the commit; NULL: a directory */
} earlier_t;

typedef struct earlier_list {
	earlier_t *v;
	size_t n;
} earlier_list_t;

static void earlier_dispose(earlier_list_t *l)
{
	for (size_t i = 0; i < l->n; i++) {
		json_decref(l->v[i].doc);
		free(l->v[i].label);
		free(l->v[i].rev);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int earlier_add(earlier_list_t *l, json_t *doc, const char *label, const char *rev)
{
	earlier_t *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv) {
		json_decref(doc);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = (earlier_t){doc, strdup(label), rev ? strdup(rev) : NULL};
	return 0;
}

/* The versions of c->path committed before, newest first, each differing from the one after
 * it, the first differing from the current one; only the first unless all. Returns 0, or 2
 * when git cannot be asked. */
static int history(const char *dir, const seam_contract_t *c, int all, earlier_list_t *out)
{
	char *log = NULL, *save = NULL;
	size_t len;
	char *argv[] = {"git", "log", "--format=%H", "--", (char *)c->path, NULL};
	const json_t *prev = c->doc;
	if (run_capture(dir, argv, &log, &len) != 0) {
		free(log);
		return 2;
	}
	for (char *h = strtok_r(log, "\n", &save); h; h = strtok_r(NULL, "\n", &save)) {
		json_t *doc = git_show_json(dir, h, c->path);
		char label[16];
		if (!doc)
			continue; /* deleted in that commit, or not JSON then: nothing to compare */
		if (json_equal(doc, prev)) {
			json_decref(doc);
			continue;
		}
		snprintf(label, sizeof label, "%.10s", h);
		if (earlier_add(out, doc, label, h) != 0)
			break;
		prev = out->v[out->n - 1].doc;
		if (!all)
			break;
	}
	free(log);
	return 0;
}

static const struct option check_opts[] = {
	{"against", required_argument, NULL, 'a'},
	{"dir", required_argument, NULL, 'd'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const seam_table_col_t verdict_cols[] = {
	{"contract", 0, SEAM_TABLE_TEXT}, {"mode", 0, SEAM_TABLE_TEXT},
	{"against", 0, SEAM_TABLE_TEXT},  {"verdict", 0, SEAM_TABLE_TEXT},
	{"changes", 0, SEAM_TABLE_INT},
};
static const seam_table_col_t breaking_cols[] = {
	{"contract", 0, SEAM_TABLE_TEXT}, {"against", 0, SEAM_TABLE_TEXT},
	{"path", 48, SEAM_TABLE_TEXT},    {"kind", 0, SEAM_TABLE_TEXT},
	{"why", 80, SEAM_TABLE_TEXT},
};

/* The registry of a git revision of dir: `git archive` into tmp (a fresh directory) and
 * opened from there. NULL when it cannot be had (printed as a warning by the caller). */
static seam_contracts_t *registry_at(const char *dir, const char *rev, const char *tmp)
{
	char tar[PATH_MAX], *out = NULL;
	size_t len;
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	snprintf(tar, sizeof tar, "%s/old.tar", tmp);
	char *arch[] = {"git", "archive", "--format=tar", "-o", tar, (char *)rev, NULL};
	char *untar[] = {"tar", "-xf", tar, "-C", (char *)tmp, NULL};
	if (run_capture(dir, arch, &out, &len) != 0) {
		free(out);
		return NULL;
	}
	free(out);
	out = NULL;
	if (run_capture(NULL, untar, &out, &len) != 0) {
		free(out);
		return NULL;
	}
	free(out);
	unlink(tar);
	if (seam_contracts_open_dir(&reg, tmp, &err) != SEAM_OK)
		fprintf(stderr, "seam contract check: the registry at %s: %s\n", rev, err.msg);
	return reg;
}

/* The last commit whose index.yaml differs from the one in dir now; 0 and *rev (owned) set,
 * or 0 and NULL when there is none. */
static int index_history(const char *dir, char **rev)
{
	char *log = NULL, *save = NULL, *cur = NULL, path[PATH_MAX];
	size_t len, clen = 0;
	char *argv[] = {"git", "log", "--format=%H", "--", "index.yaml", NULL};
	*rev = NULL;
	snprintf(path, sizeof path, "%s/index.yaml", dir);
	cur = read_path(path, &clen);
	if (run_capture(dir, argv, &log, &len) != 0) {
		free(log);
		free(cur);
		return 2;
	}
	for (char *h = strtok_r(log, "\n", &save); h && !*rev; h = strtok_r(NULL, "\n", &save)) {
		char spec[128], *text = NULL;
		size_t tlen;
		snprintf(spec, sizeof spec, "%s:./index.yaml", h);
		char *show[] = {"git", "show", spec, NULL};
		if (run_capture(dir, show, &text, &tlen) == 0 &&
		    (!cur || tlen != clen || memcmp(text, cur, tlen) != 0))
			*rev = strdup(h);
		free(text);
	}
	free(log);
	free(cur);
	return 0;
}

/* Contract versions the earlier registry had and the current one lacks: each a breaking
 * change (a reader or writer may still use it), unless it was retired first (compatibility
 * none). Returns how many. */
static size_t removed_contracts(const seam_contracts_t *old, const seam_contracts_t *cur,
				const char *label, seam_table_t *vt, seam_table_t *bt, json_t *report)
{
	size_t n = 0;
	for (size_t i = 0; i < seam_contracts_count(old); i++) {
		const seam_contract_t *c = seam_contracts_at(old, i);
		if (seam_contracts_find(cur, c->ref) || c->compat == SEAM_COMPAT_NONE)
			continue;
		const char *row[] = {c->ref, seam_diff_mode_name(c->compat), label, "REMOVED", "1"};
		const char *why = "no longer in index.yaml: readers or writers may still use it (retire it "
				  "with compatibility: none first)";
		const char *brow[] = {c->ref, label, "-", "contract-removed", why};
		seam_table_add(vt, row);
		seam_table_add(bt, brow);
		json_array_append_new(report, json_pack("{s:s, s:s, s:s, s:[{s:s, s:b, s:[{s:s, s:s, "
							"s:b, s:b, s:s}]}]}",
							"contract", c->ref, "file", c->path, "mode",
							seam_diff_mode_name(c->compat), "versions",
							"against", label, "compatible", 0, "changes",
							"path", "", "kind", "contract-removed",
							"breaks_backward", 1, "breaks_forward", 1,
							"why", why));
		n++;
	}
	return n;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* The earlier registry as a whole (the directory, the revision, or the last commit whose
 * index.yaml differs) against the current one: contract versions that went away. A registry
 * that cannot be had is a warning, not a verdict. Returns how many were removed. */
static size_t check_removed(const seam_contracts_t *reg, const char *dir, const char *against,
			    int against_dir, seam_table_t *vt, seam_table_t *bt, json_t *report)
{
	seam_contracts_t *old = NULL;
	char tmp[] = "/tmp/seam-contract-XXXXXX", label[16], *rev = NULL;
	size_t n = 0;
	if (against_dir) {
		seam_error_t e = {0};
		if (seam_contracts_open_dir(&old, against, &e) != SEAM_OK)
			fprintf(stderr, "seam contract check: %s: %s (removed contracts not checked)\n",
				against, e.msg);
		snprintf(label, sizeof label, "%.15s", against);
	} else {
		if (against)
			rev = strdup(against);
		else if (index_history(dir, &rev) != 0)
			fprintf(stderr, "seam contract check: git log of index.yaml failed\n");
		snprintf(label, sizeof label, "%.10s", rev ? rev : "");
		if (rev && mkdtemp(tmp)) {
			old = registry_at(dir, rev, tmp);
			nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		}
	}
	if (old)
		n = removed_contracts(old, reg, against_dir ? against : label, vt, bt, report);
	seam_contracts_close(old);
	free(rev);
	return n;
}

static int cmd_check(int argc, char **argv)
{
	const char *against = NULL, *dir = "contracts";
	int json = 0, ch, rc = 2, against_dir = 0;
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	seam_table_t *vt = NULL, *bt = NULL;
	json_t *report = NULL;
	size_t nbreaking = 0, nchecked = 0;
	struct stat st;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "a:d:jh", check_opts, NULL)) != -1) {
		switch (ch) {
		case 'a': against = optarg; break;
		case 'd': dir = optarg; break;
		case 'j': json = 1; break;
		case 'h': sub_usage(sub_find("check"), stdout); return 0;
		default: sub_usage(sub_find("check"), stderr); return 2;
		}
	}
	if (optind != argc) {
		sub_usage(sub_find("check"), stderr);
		return 2;
	}
	if (seam_contracts_open_dir(&reg, dir, &err) != SEAM_OK) {
		fprintf(stderr, "seam contract check: %s\n", err.msg);
		return 2;
	}
	against_dir = against && stat(against, &st) == 0 && S_ISDIR(st.st_mode);
	if (!against_dir) {
		char *out = NULL;
		size_t len;
		char *argv_git[] = {"git", "rev-parse", "--is-inside-work-tree", NULL};
		int g = run_capture(dir, argv_git, &out, &len);
		free(out);
		if (g != 0) {
			fprintf(stderr, "seam contract check: %s is not in a git work tree (or git is "
					"missing); compare with a directory: --against DIR\n", dir);
			goto out;
		}
	}
	vt = seam_table_create(verdict_cols, sizeof verdict_cols / sizeof verdict_cols[0]);
	bt = seam_table_create(breaking_cols, sizeof breaking_cols / sizeof breaking_cols[0]);
	report = json_array();
	if (!vt || !bt || !report)
		goto out;

	for (size_t i = 0; i < seam_contracts_count(reg); i++) {
		const seam_contract_t *c = seam_contracts_at(reg, i);
		earlier_list_t prev = {0};
		char mode[40];
		json_t *entry, *agg = json_array();
		snprintf(mode, sizeof mode, "%s%s", seam_diff_mode_name(c->compat),
			 c->transitive ? "-transitive" : "");
		if (against_dir) {
			json_t *d = seam_diff_load_dir(c->path, (void *)against);
			if (d && earlier_add(&prev, d, against, NULL) != 0)
				goto out;
		} else if (against) {
			json_t *d = git_show_json(dir, against, c->path);
			if (!d) {
				/* the revision must exist; the file may be new since */
				char *o = NULL;
				size_t l;
				char spec[256];
				snprintf(spec, sizeof spec, "%s^{commit}", against);
				char *argv_git[] = {"git", "rev-parse", "--verify", "--quiet", spec, NULL};
				int g = run_capture(dir, argv_git, &o, &l);
				free(o);
				if (g != 0) {
					fprintf(stderr, "seam contract check: --against %s: no such directory "
							"or git revision\n", against);
					json_decref(agg);
					goto out;
				}
			} else if (earlier_add(&prev, d, against, against) != 0) {
				goto out;
			}
		} else if (history(dir, c, c->transitive, &prev) != 0) {
			fprintf(stderr, "seam contract check: git log failed in %s\n", dir);
			json_decref(agg);
			goto out;
		}
		nchecked++;
		if (prev.n == 0) {
			const char *row[] = {c->ref, mode, "-", "new (nothing earlier)", "0"};
			seam_table_add(vt, row);
		}
		for (size_t k = 0; k < prev.n; k++) {
			json_t *changes = NULL;
			git_src_t g = {dir, prev.v[k].rev};
			seam_diff_side_t so = {prev.v[k].doc, c->path,
					       prev.v[k].rev ? load_git : seam_diff_load_dir,
					       prev.v[k].rev ? (void *)&g : (void *)against};
			seam_diff_side_t sn = {c->doc, c->path, seam_diff_load_dir, (void *)dir};
			if (seam_diff(&so, &sn, &changes, &err) != SEAM_OK) {
				fprintf(stderr, "seam contract check: %s against %s: %s\n", c->ref,
					prev.v[k].label, err.msg);
				earlier_dispose(&prev);
				json_decref(agg);
				goto out;
			}
			bool breaking = seam_diff_breaks(changes, c->compat);
			char num[32];
			snprintf(num, sizeof num, "%zu", json_array_size(changes));
			const char *row[] = {c->ref, mode, prev.v[k].label,
					     breaking ? "BREAKING" : "compatible", num};
			seam_table_add(vt, row);
			size_t j;
			const json_t *chg;
			json_array_foreach(changes, j, chg) {
				json_t *one = json_pack("[O]", chg);
				if (seam_diff_breaks(one, c->compat)) {
					const char *path = json_string_value(json_object_get(chg, "path"));
					const char *brow[] = {c->ref, prev.v[k].label,
							      path && *path ? path : "(root)",
							      json_string_value(json_object_get(chg, "kind")),
							      json_string_value(json_object_get(chg, "why"))};
					seam_table_add(bt, brow);
				}
				json_decref(one);
			}
			nbreaking += breaking;
			json_array_append_new(agg, json_pack("{s:s, s:b, s:o}", "against", prev.v[k].label,
							     "compatible", !breaking, "changes", changes));
		}
		entry = json_pack("{s:s, s:s, s:s, s:o}", "contract", c->ref, "file", c->path, "mode",
				  mode, "versions", agg);
		json_array_append_new(report, entry);
		earlier_dispose(&prev);
	}
	nbreaking += check_removed(reg, dir, against, against_dir, vt, bt, report);
	if (json) {
		json_t *o = json_pack("{s:b, s:I, s:I, s:O}", "compatible", nbreaking == 0, "checked",
				      (json_int_t)nchecked, "breaking", (json_int_t)nbreaking,
				      "contracts", report);
		print_json(o);
		json_decref(o);
	} else {
		seam_table_print(vt, stdout, 0);
		if (seam_table_rows(bt)) {
			printf("\nbreaking changes (ship them as a new major version instead: a v<N+1>/ "
			       "file and N+1 in index.yaml's versions, the old one kept):\n");
			seam_table_print(bt, stdout, 0);
		}
		printf("\n%zu contract%s checked, %zu breaking\n", nchecked, nchecked == 1 ? "" : "s",
		       nbreaking);
	}
	rc = nbreaking ? 1 : 0;
out:
	json_decref(report);
	seam_table_destroy(vt);
	seam_table_destroy(bt);
	seam_contracts_close(reg);
	return rc;
}

/* ---------- validate ---------- */

/* Where a schema given as a file lives: its $id (NULL: none) and its file. */
typedef struct file_base {
	const char *id;
	const char *path; /* realpath of the schema file */
} file_base_t;

typedef struct validator {
	seam_schema_set_t *set;
	const seam_schema_t *schema;
	const seam_contract_t *contract; /* when NAME@vN */
	seam_contracts_t *reg;
	seam_schema_opts_t opts;
	file_base_t base; /* the resolver's; points into doc and real */
	json_t *doc;
	char real[PATH_MAX];
} validator_t;

/* The resolver for schemas given as files: file:// URIs are read from disk, and a URI under
 * the schema's own $id (https://seam.invalid/contracts/x/v1/a.json refers to .../b.json) is
 * the file at the same relative path next to it, so a contract that refers to its neighbours
 * validates from a checkout without --ref. */
static json_t *resolve_file(const char *uri, void *ud)
{
	const file_base_t *b = ud;
	char full[PATH_MAX * 2];
	char *rel;
	if (strncmp(uri, "file://", 7) == 0)
		return json_load_file(uri + 7, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (!b->id || !(rel = seam_diff_relative_ref(b->id, uri)))
		return NULL;
	const char *slash = strrchr(b->path, '/');
	snprintf(full, sizeof full, "%.*s/%s", (int)(slash ? slash - b->path : 1),
		 slash ? b->path : ".", rel);
	free(rel);
	return json_load_file(full, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
}

static int validator_open(validator_t *v, const char *arg, char **refs, size_t nrefs)
{
	seam_error_t err = {0};
	json_error_t je;
	struct stat st;
	char uri[PATH_MAX + 8];
	json_t *doc = NULL;
	int rc = 2;

	memset(v, 0, sizeof *v);
	if (stat(arg, &st) != 0 && looks_like_ref(arg)) {
		if (seam_contracts_open(&v->reg, &err) != SEAM_OK) {
			fprintf(stderr, "seam contract validate: the built-in registry: %s\n", err.msg);
			return 2;
		}
		if (!(v->contract = seam_contracts_find(v->reg, arg))) {
			fprintf(stderr, "seam contract validate: %s: no such contract in the built-in "
					"registry\n", arg);
			return 2;
		}
		if (nrefs) {
			fprintf(stderr, "seam contract validate: --ref is for schema files; %s resolves "
					"its $refs inside the registry\n", arg);
			return 2;
		}
		v->schema = v->contract->schema;
		v->opts.assert_formats = v->contract->assert_formats;
		return 0;
	}
	if (!realpath(arg, v->real)) {
		fprintf(stderr, "seam contract validate: %s: %s\n", arg, strerror(errno));
		return 2;
	}
	if (!(doc = json_load_file(v->real, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je))) {
		fprintf(stderr, "seam contract validate: %s:%d:%d: not JSON: %s\n", arg, je.line,
			je.column, je.text);
		return 2;
	}
	snprintf(uri, sizeof uri, "file://%s", v->real);
	v->doc = json_incref(doc);
	if (!(v->set = seam_schema_set_create()))
		goto out;
	v->base.id = json_string_value(json_object_get(doc, "$id"));
	v->base.path = v->real;
	seam_schema_set_resolver(v->set, resolve_file, &v->base);
	if (seam_schema_set_add(v->set, uri, doc, &err) != SEAM_OK) {
		fprintf(stderr, "seam contract validate: %s: %s\n", arg, err.msg);
		goto out;
	}
	for (size_t i = 0; i < nrefs; i++) {
		char *eq = strchr(refs[i], '=');
		json_t *rd;
		*eq = '\0';
		if (!(rd = json_load_file(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je))) {
			fprintf(stderr, "seam contract validate: --ref %s=%s: %s:%d: %s\n", refs[i],
				eq + 1, eq + 1, je.line, je.text);
			*eq = '=';
			goto out;
		}
		seam_err_t arc = seam_schema_set_add(v->set, refs[i], rd, &err);
		json_decref(rd);
		if (arc != SEAM_OK) {
			fprintf(stderr, "seam contract validate: --ref %s: %s\n", refs[i], err.msg);
			*eq = '=';
			goto out;
		}
		*eq = '=';
	}
	if (seam_schema_set_compile(v->set, &err) != SEAM_OK) {
		fprintf(stderr, "seam contract validate: %s: %s\n", arg, err.msg);
		goto out;
	}
	v->schema = seam_schema_set_get(v->set, uri);
	if (!v->schema && json_is_string(json_object_get(doc, "$id")))
		v->schema = seam_schema_set_get(v->set, json_string_value(json_object_get(doc, "$id")));
	if (!v->schema) {
		fprintf(stderr, "seam contract validate: %s: compiled but not found\n", arg);
		goto out;
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

static void validator_close(validator_t *v)
{
	json_decref(v->doc);
	seam_schema_set_destroy(v->set);
	seam_contracts_close(v->reg);
}

static const struct option validate_opts[] = {
	{"jsonl", no_argument, NULL, 'l'},
	{"ref", required_argument, NULL, 'r'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const seam_table_col_t error_cols[] = {
	{"input", 40, SEAM_TABLE_TEXT},  {"valid", 0, SEAM_TABLE_BOOL},
	{"pointer", 40, SEAM_TABLE_TEXT}, {"keyword", 0, SEAM_TABLE_TEXT},
	{"detail", 80, SEAM_TABLE_TEXT},
};

/* Validates one instance; adds its verdict to the table (human, whole files), or prints it as
 * a line (--jsonl human) or a JSON object (json: into arr, or a line with --jsonl). Returns 0
 * valid, 1 invalid. */
static int verdict(const validator_t *v, const char *input, const json_t *inst, int json,
		   int jsonl, seam_table_t *t, json_t *arr)
{
	json_t *basic = NULL, *pub;
	bool ok = seam_schema_validate(v->schema, inst, &v->opts, &basic);
	pub = seam_contract_errors_public(basic);
	if (json) {
		json_t *o = json_pack("{s:s, s:b, s:O}", "input", input, "valid", ok, "errors",
				      pub ? pub : json_array());
		if (jsonl) {
			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		} else {
			json_array_append_new(arr, o);
		}
	} else if (jsonl) {
		char *text = ok ? NULL : seam_contract_errors_text(basic, 4096);
		printf("%s: %s%s%s\n", input, ok ? "valid" : "invalid", ok ? "" : ": ",
		       ok ? "" : (text ? text : ""));
		free(text);
	} else if (ok) {
		const char *row[] = {input, "true", NULL, NULL, NULL};
		seam_table_add(t, row);
	} else {
		size_t i;
		const json_t *e;
		json_array_foreach(pub, i, e) {
			const char *ptr = json_string_value(json_object_get(e, "pointer"));
			const char *row[] = {input, "false", ptr && *ptr ? ptr : "(root)",
					     json_string_value(json_object_get(e, "keyword")),
					     json_string_value(json_object_get(e, "detail"))};
			seam_table_add(t, row);
		}
	}
	json_decref(pub);
	json_decref(basic);
	return ok ? 0 : 1;
}

/* An input that cannot be used: reported like a verdict, counted as exit 2. */
static void unusable(const char *input, const char *why, int json, int jsonl, json_t *arr)
{
	fprintf(stderr, "seam contract validate: %s: %s\n", input, why);
	if (json) {
		json_t *o = json_pack("{s:s, s:n, s:s}", "input", input, "valid", "unusable", why);
		if (jsonl) {
			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		} else {
			json_array_append_new(arr, o);
		}
	}
}

static int cmd_validate(int argc, char **argv)
{
	int json = 0, jsonl = 0, ch, worst = 0;
	char *refs[MAX_REFS];
	size_t nrefs = 0;
	validator_t v;
	seam_table_t *t = NULL;
	json_t *arr = NULL;

	memset(&v, 0, sizeof v);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "lr:jh", validate_opts, NULL)) != -1) {
		switch (ch) {
		case 'l': jsonl = 1; break;
		case 'j': json = 1; break;
		case 'r':
			if (nrefs == MAX_REFS || !strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr, "seam contract validate: --ref wants URI=FILE (at most %d)\n",
					MAX_REFS);
				return 2;
			}
			refs[nrefs++] = optarg;
			break;
		case 'h': sub_usage(sub_find("validate"), stdout); return 0;
		default: sub_usage(sub_find("validate"), stderr); return 2;
		}
	}
	if (argc - optind < 2) {
		sub_usage(sub_find("validate"), stderr);
		return 2;
	}
	if (validator_open(&v, argv[optind], refs, nrefs) != 0) {
		validator_close(&v);
		return 2;
	}
	t = seam_table_create(error_cols, sizeof error_cols / sizeof error_cols[0]);
	arr = json_array();
	if (!t || !arr) {
		worst = 2;
		goto out;
	}
	for (int i = optind + 1; i < argc; i++) {
		const char *name = strcmp(argv[i], "-") == 0 ? "(stdin)" : argv[i];
		size_t len;
		char *text = read_path(argv[i], &len);
		json_error_t je;
		if (!text) {
			unusable(name, strerror(errno ? errno : EIO), json, jsonl, arr);
			worst = 2;
			continue;
		}
		if (!jsonl) {
			json_t *inst = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
			if (!inst) {
				char why[300];
				snprintf(why, sizeof why, "line %d column %d: not JSON: %s", je.line,
					 je.column, je.text);
				unusable(name, why, json, jsonl, arr);
				worst = 2;
			} else {
				int r = verdict(&v, name, inst, json, 0, t, arr);
				if (r > worst)
					worst = r;
				json_decref(inst);
			}
			free(text);
			continue;
		}
		/* JSON Lines: one document per line; blank lines are skipped */
		size_t lineno = 0;
		for (char *p = text, *nl; p < text + len; p = nl + 1) {
			char input[PATH_MAX + 32];
			nl = memchr(p, '\n', (size_t)(text + len - p));
			if (!nl)
				nl = text + len;
			lineno++;
			size_t ll = (size_t)(nl - p);
			while (ll && (p[ll - 1] == '\r' || p[ll - 1] == ' ' || p[ll - 1] == '\t'))
				ll--;
			if (ll == 0)
				continue;
			snprintf(input, sizeof input, "%s:%zu", name, lineno);
			json_t *inst = json_loadb(p, ll, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
			if (!inst) {
				char why[300];
				snprintf(why, sizeof why, "column %d: not JSON: %s", je.column, je.text);
				unusable(input, why, json, jsonl, arr);
				worst = 2;
				continue;
			}
			int r = verdict(&v, input, inst, json, 1, t, arr);
			if (r > worst)
				worst = r;
			json_decref(inst);
		}
		free(text);
	}
	if (json && !jsonl)
		print_json(arr);
	else if (!json && !jsonl && seam_table_rows(t))
		seam_table_print(t, stdout, 0);
out:
	json_decref(arr);
	seam_table_destroy(t);
	validator_close(&v);
	return worst;
}

/* ---------- list ---------- */

static int cmd_list(int argc, char **argv)
{
	static const seam_table_col_t cols[] = {
		{"contract", 0, SEAM_TABLE_TEXT}, {"owner", 0, SEAM_TABLE_TEXT},
		{"compatibility", 0, SEAM_TABLE_TEXT}, {"file", 0, SEAM_TABLE_TEXT},
		{"description", 60, SEAM_TABLE_TEXT},
	};
	const char *dir = NULL;
	int json = 0, ch, rc = 2;
	seam_contracts_t *reg = NULL;
	seam_error_t err = {0};
	seam_table_t *t = NULL;
	static const struct option opts[] = {
		{"dir", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'j': json = 1; break;
		case 'h': sub_usage(sub_find("list"), stdout); return 0;
		default: sub_usage(sub_find("list"), stderr); return 2;
		}
	}
	if ((dir ? seam_contracts_open_dir(&reg, dir, &err) : seam_contracts_open(&reg, &err)) !=
	    SEAM_OK) {
		fprintf(stderr, "seam contract list: %s\n", err.msg);
		return 2;
	}
	if (!(t = seam_table_create(cols, sizeof cols / sizeof cols[0])))
		goto out;
	for (size_t i = 0; i < seam_contracts_count(reg); i++) {
		const seam_contract_t *c = seam_contracts_at(reg, i);
		char mode[40];
		snprintf(mode, sizeof mode, "%s%s", seam_diff_mode_name(c->compat),
			 c->transitive ? "-transitive" : "");
		const char *row[] = {c->ref, c->owner, mode, c->path, c->description};
		seam_table_add(t, row);
	}
	rc = seam_table_print(t, stdout, json) == 0 ? 0 : 1;
out:
	seam_table_destroy(t);
	seam_contracts_close(reg);
	return rc;
}

/* ---------- the table ---------- */

struct sub_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
	const char *help; /* the options, one per line */
};

static const sub_cmd_t subs[] = {
	{"diff", cmd_diff, "diff OLD NEW [--mode backward|forward|full[-transitive]] [--json]",
	 "Every change between two versions of a schema and whether it breaks the mode.",
	 "  OLD, NEW       a file, name@vN (the registry built into seam) or REV:path (git show)\n"
	 "  --mode M       backward (default): the new schema reads data written with the old;\n"
	 "                 forward: the old reads data written with the new; full: both\n"
	 "  --json         {old, new, mode, compatible, changes: [{path, kind, old, new,\n"
	 "                 breaks_backward, breaks_forward, why}]}\n"
	 "exit: 0 compatible, 1 breaking in the mode, 2 unusable input ($ref to nowhere, not JSON)\n"},
	{"check", cmd_check, "check [--against DIR|REV] [--dir contracts] [--json]",
	 "The gate: every contract of a registry against its previous version, in its own mode.",
	 "  --dir DIR      the registry to check (index.yaml and the schemas; default contracts)\n"
	 "  --against X    compare with the same files in directory X, or git revision X;\n"
	 "                 default: each file's history (its last committed content that differs\n"
	 "                 from the current one; every earlier one for -transitive modes)\n"
	 "  --json         machine-readable report\n"
	 "exit: 0 compatible, 1 a contract breaks its mode (each change printed), 2 unusable input\n"},
	{"validate", cmd_validate,
	 "validate SCHEMA|NAME@vN FILE... [--jsonl] [--ref URI=FILE] [--json]",
	 "Validate documents against a schema file or a contract of the registry built into seam.",
	 "  FILE           a JSON document; - reads stdin\n"
	 "  --jsonl        each FILE is JSON Lines: one verdict per line (FILE:LINE)\n"
	 "  --ref URI=FILE register FILE under URI for $ref (repeatable; schema files only)\n"
	 "  --json         [{input, valid, errors: [{pointer, keyword, detail}]}] (with --jsonl:\n"
	 "                 one such object per line)\n"
	 "exit: 0 all valid, 1 one is not, 2 unusable input (bad schema, unreadable or not JSON)\n"},
	{"list", cmd_list, "list [--dir DIR] [--json]",
	 "The contracts of the registry built into seam (or of a directory).",
	 "  --dir DIR      a contracts/ tree instead of the built-in registry\n"
	 "  --json         machine-readable\n"
	 "exit: 0, 2 a registry that cannot be used (each problem with file:line)\n"},
};
#define NSUBS (sizeof subs / sizeof subs[0])

static const sub_cmd_t *sub_find(const char *name)
{
	for (size_t i = 0; i < NSUBS; i++)
		if (strcmp(subs[i].name, name) == 0)
			return &subs[i];
	return NULL;
}

static void sub_usage(const sub_cmd_t *s, FILE *fp)
{
	fprintf(fp, "usage: seam contract %s\n\n%s\n\n%s", s->usage, s->summary, s->help);
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: seam contract COMMAND ...\n\n"
		    "Versioned JSON Schema contracts (docs/contracts.md).\n\ncommands:\n");
	for (size_t i = 0; i < NSUBS; i++)
		fprintf(fp, "  %-9s %s\n            seam contract %s\n", subs[i].name, subs[i].summary,
			subs[i].usage);
	fprintf(fp, "\n'seam contract COMMAND --help' lists a command's options.\n");
}

int seam_app_cmd_contract(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	const sub_cmd_t *s = sub_find(argv[1]);
	if (!s) {
		fprintf(stderr, "seam contract: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return s->fn(argc - 1, argv + 1);
}
