/* End-to-end: `seam contract` as CI and integrators run it, on the built binary.
 *
 * diff exits 0 compatible / 1 breaking in the mode / 2 unusable input, with --json a document
 * that says the same; check over the repository's own contracts/ against their git history
 * passes (this is the gate `make test` runs: a breaking change to a committed contract that did
 * not get a new major version fails here); check over a tampered copy fails naming the contract,
 * the path and the kind, against a directory and against git history; validate with files,
 * JSON Lines, --ref and stdin.
 *
 * Run from the repository root (make e2e does); SEAM_BIN names the binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/support/harness.h"
#include "tests/support/th_assert.h"

static char bin[PATH_MAX], root[PATH_MAX];

typedef struct run {
	int code;
	char *out, *err;
} run_t;

static void run_free(run_t *r)
{
	free(r->out);
	free(r->err);
}

/* Runs argv (NULL-terminated; argv[0] is replaced by the binary unless it is "git" or "cp") in
 * cwd with stdin from in_text (NULL: /dev/null); collects exit code, stdout and stderr. */
static run_t run_in(const char *cwd, const char *in_text, const char *const *args)
{
	char dir[64], pin[128], pout[128], perr[128];
	run_t r = {-1, NULL, NULL};
	char *argv[64];
	size_t n = 0;
	th_tmpdir(dir);
	snprintf(pin, sizeof pin, "%s/in", dir);
	snprintf(pout, sizeof pout, "%s/out", dir);
	snprintf(perr, sizeof perr, "%s/err", dir);
	th_write_file(pin, in_text ? in_text : "");
	for (; args[n] && n < 63; n++)
		argv[n] = (char *)args[n];
	argv[n] = NULL;
	if (strcmp(argv[0], "seam") == 0)
		argv[0] = bin;
	pid_t pid = fork();
	if (pid == 0) {
		int i = open(pin, O_RDONLY), o = open(pout, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    e = open(perr, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(i, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (cwd && chdir(cwd) != 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = th_read_file(pout);
	r.err = th_read_file(perr);
	th_rmrf(dir);
	return r;
}

#define RUN(...) run_in(root, NULL, (const char *const[]){__VA_ARGS__, NULL})

static void want_code(const run_t *r, int code, const char *what)
{
	if (r->code != code)
		fail_msg("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r->code, code, r->out,
			 r->err);
}

static void want_in(const char *hay, const char *needle, const char *what)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("%s: want '%s' in:\n%s", what, needle, hay ? hay : "(null)");
}

static int setup(void **state)
{
	(void)state;
	if (!getcwd(root, sizeof root))
		return -1;
	const char *b = th_seam_bin();
	if (b[0] == '/')
		snprintf(bin, sizeof bin, "%s", b);
	else
		snprintf(bin, sizeof bin, "%s/%s", root, b);
	return access(bin, X_OK) == 0 ? 0 : -1;
}

static int in_git(void)
{
	run_t r = RUN("git", "rev-parse", "--is-inside-work-tree");
	int ok = r.code == 0;
	run_free(&r);
	return ok;
}

static void write_in(const char *dir, const char *name, const char *text, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	th_write_file(path, text);
}

static void test_help(void **state)
{
	(void)state;
	run_t r = RUN("seam", "contract", "--help");
	want_code(&r, 0, "contract --help");
	want_in(r.out, "seam contract diff OLD NEW", "contract --help");
	want_in(r.out, "seam contract check", "contract --help");
	want_in(r.out, "seam contract validate", "contract --help");
	run_free(&r);
	static const char *const subs[] = {"diff", "check", "validate", "list"};
	for (size_t i = 0; i < 4; i++) {
		char want[64];
		r = RUN("seam", "contract", subs[i], "--help");
		want_code(&r, 0, subs[i]);
		snprintf(want, sizeof want, "usage: seam contract %s", subs[i]);
		want_in(r.out, want, subs[i]);
		want_in(r.out, "exit", subs[i]);
		run_free(&r);
	}
	r = RUN("seam", "contract", "frobnicate");
	want_code(&r, 2, "unknown subcommand");
	run_free(&r);
	r = RUN("seam", "--help");
	want_in(r.out, "contract", "seam --help lists contract");
	run_free(&r);
}

static void test_diff_exit_codes(void **state)
{
	(void)state;
	char dir[64], a[128], b[128], c[128], bad[128], dangling[128];
	th_tmpdir(dir);
	write_in(dir, "a.json", "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":[\"integer\",\"null\"]}}}",
		 a, sizeof a);
	write_in(dir, "b.json", "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}", b,
		 sizeof b);
	write_in(dir, "c.json",
		 "{\"type\":\"object\",\"description\":\"same\",\"properties\":{\"n\":{\"type\":[\"integer\",\"null\"]}}}",
		 c, sizeof c);
	write_in(dir, "bad.json", "{\"type\":", bad, sizeof bad);
	write_in(dir, "dangling.json", "{\"properties\":{\"n\":{\"$ref\":\"#/$defs/gone\"}}}", dangling,
		 sizeof dangling);

	run_t r = RUN("seam", "contract", "diff", a, c);
	want_code(&r, 0, "annotation-only change");
	want_in(r.out, "backward: compatible", "annotation-only change");
	run_free(&r);

	r = RUN("seam", "contract", "diff", a, b);
	want_code(&r, 1, "nullable removed, backward");
	want_in(r.out, "nullable-removed", "human table");
	want_in(r.out, "/properties/n/type", "human table");
	want_in(r.out, "BREAKING", "human table");
	run_free(&r);

	r = RUN("seam", "contract", "diff", a, b, "--mode", "forward");
	want_code(&r, 0, "nullable removed, forward");
	run_free(&r);
	r = RUN("seam", "contract", "diff", b, a, "--mode", "forward");
	want_code(&r, 1, "nullable added, forward");
	run_free(&r);
	r = RUN("seam", "contract", "diff", "--mode", "full-transitive", b, a);
	want_code(&r, 1, "nullable added, full");
	run_free(&r);

	r = RUN("seam", "contract", "diff", a, b, "--json");
	want_code(&r, 1, "--json");
	json_t *j = json_loads(r.out, 0, NULL);
	if (!j)
		fail_msg("--json output is not JSON:\n%s", r.out);
	assert_true(json_is_false(json_object_get(j, "compatible")));
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "backward");
	json_t *ch = json_array_get(json_object_get(j, "changes"), 0);
	assert_string_equal(json_string_value(json_object_get(ch, "kind")), "nullable-removed");
	assert_string_equal(json_string_value(json_object_get(ch, "path")), "/properties/n/type");
	assert_true(json_is_true(json_object_get(ch, "breaks_backward")));
	assert_true(json_is_false(json_object_get(ch, "breaks_forward")));
	json_decref(j);
	run_free(&r);

	/* unusable input: 2, with the reason on stderr */
	r = RUN("seam", "contract", "diff", a, bad);
	want_code(&r, 2, "not JSON");
	want_in(r.err, "bad.json:1:", "not JSON");
	run_free(&r);
	r = RUN("seam", "contract", "diff", a, dangling);
	want_code(&r, 2, "$ref to nowhere");
	want_in(r.err, "#/$defs/gone", "$ref to nowhere");
	run_free(&r);
	r = RUN("seam", "contract", "diff", a, "/nonexistent.json");
	want_code(&r, 2, "missing file");
	run_free(&r);
	r = RUN("seam", "contract", "diff", "bridge.event@v9", a);
	want_code(&r, 2, "unknown contract");
	want_in(r.err, "bridge.event@v9", "unknown contract");
	run_free(&r);
	r = RUN("seam", "contract", "diff", a, b, "--mode", "sideways");
	want_code(&r, 2, "bad mode");
	run_free(&r);

	/* the built-in registry and the repository's file are the same schema */
	r = RUN("seam", "contract", "diff", "bridge.event@v1", "contracts/bridge/v1/event.schema.json");
	want_code(&r, 0, "name@v1 vs its file");
	run_free(&r);
	if (in_git()) {
		r = RUN("seam", "contract", "diff", "HEAD:contracts/bridge/v1/event.schema.json",
			"bridge.event@v1");
		want_code(&r, 0, "REV:path vs name@v1");
		run_free(&r);
		r = RUN("seam", "contract", "diff", "no-such-rev-xyz:contracts/bridge/v1/event.schema.json",
			"bridge.event@v1");
		want_code(&r, 2, "bad revision");
		run_free(&r);
	}
	th_rmrf(dir);
}

/* The gate over the repository's own contracts: what make test enforces. */
static void test_check_repository_contracts(void **state)
{
	(void)state;
	if (!in_git())
		skip(); /* a tarball has no history to compare with */
	run_t r = RUN("seam", "contract", "check");
	want_code(&r, 0, "seam contract check over contracts/");
	want_in(r.out, "bridge.event@v1", "check lists every contract");
	want_in(r.out, "0 breaking", "check summary");
	run_free(&r);
}

/* A copy of contracts/ with bridge.event's order_number no longer nullable. */
static void tampered_copy(const char *dir, char *copy, size_t cap)
{
	char path[256];
	run_t r = run_in(root, NULL, (const char *const[]){"cp", "-r", "contracts", dir, NULL});
	want_code(&r, 0, "cp -r contracts");
	run_free(&r);
	snprintf(copy, cap, "%s/contracts", dir);
	snprintf(path, sizeof path, "%s/bridge/v1/event.schema.json", copy);
	char *text = th_read_file(path);
	assert_non_null(text);
	const char *from = "\"order_number\": {\"type\": [\"string\", \"null\"]";
	char *at = strstr(text, from);
	if (!at)
		fail_msg("event.schema.json no longer has %s; update this test", from);
	size_t head = (size_t)(at - text);
	char *out = malloc(strlen(text) + 64);
	sprintf(out, "%.*s\"order_number\": {\"type\": \"string\"%s", (int)head, text,
		at + strlen(from));
	th_write_file(path, out);
	free(out);
	free(text);
}

static void test_check_tampered_copy_fails(void **state)
{
	(void)state;
	char dir[64], copy[128];
	th_tmpdir(dir);
	tampered_copy(dir, copy, sizeof copy);

	run_t r = RUN("seam", "contract", "check", "--dir", copy, "--against", "contracts");
	want_code(&r, 1, "tampered copy against contracts/");
	want_in(r.out, "bridge.event@v1", "names the contract");
	want_in(r.out, "nullable-removed", "names the kind");
	want_in(r.out, "/properties/data/properties/order_number/type", "names the path");
	want_in(r.out, "1 breaking", "summary");
	run_free(&r);

	/* a contract taken out of the index */
	char idx2[200];
	snprintf(idx2, sizeof idx2, "%s/index.yaml", copy);
	char *itext = th_read_file(idx2);
	assert_non_null(itext);
	char *cut = strstr(itext, "  bridge.transition-conflict:\n");
	char *next = cut ? strstr(cut, "  bridge.transition-error:\n") : NULL;
	assert_non_null(next);
	memmove(cut, next, strlen(next) + 1);
	th_write_file(idx2, itext);
	free(itext);
	r = RUN("seam", "contract", "check", "--dir", copy, "--against", "contracts");
	want_code(&r, 1, "a contract removed");
	want_in(r.out, "contract-removed", "removed kind");
	want_in(r.out, "bridge.transition-conflict@v1", "removed name");
	want_in(r.out, "2 breaking", "summary");
	run_free(&r);

	r = RUN("seam", "contract", "check", "--dir", copy, "--against", "contracts", "--json");
	want_code(&r, 1, "--json");
	json_t *j = json_loads(r.out, 0, NULL);
	if (!j)
		fail_msg("not JSON:\n%s", r.out);
	assert_true(json_is_false(json_object_get(j, "compatible")));
	assert_int_equal(json_integer_value(json_object_get(j, "breaking")), 2);
	json_decref(j);
	run_free(&r);

	/* the other way round: the tampered copy is the old one; null added is fine backward */
	r = RUN("seam", "contract", "check", "--against", copy);
	want_code(&r, 0, "null added, backward");
	run_free(&r);

	/* git history: commit the good tree, tamper, check without --against */
	char repo[64], idx[200];
	th_tmpdir(repo);
	run_t g = run_in(repo, NULL, (const char *const[]){"git", "init", "-q", ".", NULL});
	want_code(&g, 0, "git init");
	run_free(&g);
	g = run_in(repo, NULL, (const char *const[]){"cp", "-r", copy, ".", NULL});
	run_free(&g);
	/* the committed version is the repository's (not tampered) */
	snprintf(idx, sizeof idx, "%s/contracts/bridge/v1/event.schema.json", root);
	char *good = th_read_file(idx);
	char tpath[200];
	snprintf(tpath, sizeof tpath, "%s/contracts/bridge/v1/event.schema.json", repo);
	char *bad = th_read_file(tpath);
	th_write_file(tpath, good);
	g = run_in(repo, NULL, (const char *const[]){"git", "add", "-A", NULL});
	run_free(&g);
	g = run_in(repo, NULL,
		   (const char *const[]){"git", "-c", "user.name=t", "-c", "user.email=t@t", "commit",
					 "-qm", "contracts", NULL});
	want_code(&g, 0, "git commit");
	run_free(&g);
	r = run_in(repo, NULL, (const char *const[]){"seam", "contract", "check", NULL});
	want_code(&r, 0, "committed tree, nothing changed");
	want_in(r.out, "new (nothing earlier)", "no history yet");
	run_free(&r);
	th_write_file(tpath, bad);
	r = run_in(repo, NULL, (const char *const[]){"seam", "contract", "check", NULL});
	want_code(&r, 1, "working tree breaks the committed contract");
	want_in(r.out, "nullable-removed", "history: kind");
	want_in(r.out, "bridge.event@v1", "history: contract");
	run_free(&r);
	/* committed too: the previous committed version is the one compared with */
	g = run_in(repo, NULL,
		   (const char *const[]){"git", "-c", "user.name=t", "-c", "user.email=t@t", "commit",
					 "-qam", "break it", NULL});
	run_free(&g);
	r = run_in(repo, NULL, (const char *const[]){"seam", "contract", "check", NULL});
	want_code(&r, 1, "a committed breaking change");
	run_free(&r);
	r = run_in(repo, NULL,
		   (const char *const[]){"seam", "contract", "check", "--against", "HEAD", NULL});
	want_code(&r, 0, "against HEAD itself");
	run_free(&r);
	r = run_in(repo, NULL,
		   (const char *const[]){"seam", "contract", "check", "--against", "HEAD~1", NULL});
	want_code(&r, 1, "against HEAD~1");
	run_free(&r);
	r = run_in(repo, NULL,
		   (const char *const[]){"seam", "contract", "check", "--against", "nope-rev", NULL});
	want_code(&r, 2, "unknown revision");
	run_free(&r);
	free(good);
	free(bad);
	th_rmrf(repo);
	th_rmrf(dir);
}

static void git_commit_all(const char *repo, const char *msg)
{
	run_t g = run_in(repo, NULL, (const char *const[]){"git", "add", "-A", NULL});
	run_free(&g);
	g = run_in(repo, NULL,
		   (const char *const[]){"git", "-c", "user.name=t", "-c", "user.email=t@t", "commit",
					 "-qm", msg, NULL});
	want_code(&g, 0, "git commit");
	run_free(&g);
}

/* -transitive compares with every earlier revision: a breaking revision that was committed
 * anyway does not become the baseline. */
static void test_check_transitive(void **state)
{
	(void)state;
	char repo[64], p[200];
	static const char *const index_fmt =
		"contracts:\n  thing:\n    file: thing/v{major}/thing.schema.json\n    versions: [1]\n"
		"    owner: erp\n    compatibility: %s\n";
	char index[300];
	th_tmpdir(repo);
	run_t g = run_in(repo, NULL, (const char *const[]){"git", "init", "-q", ".", NULL});
	run_free(&g);
	snprintf(p, sizeof p, "%s/contracts", repo);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/contracts/thing", repo);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/contracts/thing/v1", repo);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/contracts/index.yaml", repo);
	snprintf(index, sizeof index, index_fmt, "backward-transitive");
	th_write_file(p, index);
	snprintf(p, sizeof p, "%s/contracts/thing/v1/thing.schema.json", repo);
	th_write_file(p, "{\"type\":[\"string\",\"null\"]}");
	git_commit_all(repo, "A");
	th_write_file(p, "{\"type\":\"string\"}");
	git_commit_all(repo, "B: breaks backward, committed anyway");
	th_write_file(p, "{\"type\":\"string\",\"description\":\"C\"}");

	run_t r = run_in(repo, NULL, (const char *const[]){"seam", "contract", "check", NULL});
	want_code(&r, 1, "transitive: C against A");
	want_in(r.out, "nullable-removed", "transitive: kind");
	run_free(&r);

	snprintf(p, sizeof p, "%s/contracts/index.yaml", repo);
	snprintf(index, sizeof index, index_fmt, "backward");
	th_write_file(p, index);
	r = run_in(repo, NULL, (const char *const[]){"seam", "contract", "check", NULL});
	want_code(&r, 0, "not transitive: C against B only");
	run_free(&r);
	git_commit_all(repo, "C");

	/* a contract version that goes away is breaking, unless it was retired (none) first */
	static const char *const two_fmt =
		"contracts:\n  other:\n    file: thing/v{major}/thing.schema.json\n    versions: [1]\n"
		"    owner: erp\n    compatibility: %s\n"
		"  thing:\n    file: thing/v{major}/thing.schema.json\n    versions: [1]\n"
		"    owner: erp\n    compatibility: backward\n";
	snprintf(p, sizeof p, "%s/contracts/index.yaml", repo);
	snprintf(index, sizeof index, two_fmt, "backward");
	th_write_file(p, index);
	git_commit_all(repo, "other@v1");
	snprintf(index, sizeof index, index_fmt, "backward");
	th_write_file(p, index);
	r = run_in(repo, NULL, (const char *const[]){"seam", "contract", "check", NULL});
	want_code(&r, 1, "other@v1 removed from the index");
	want_in(r.out, "contract-removed", "removed: kind");
	want_in(r.out, "other@v1", "removed: name");
	run_free(&r);
	r = run_in(repo, NULL, (const char *const[]){"seam", "contract", "check", "--against", "HEAD", NULL});
	want_code(&r, 1, "other@v1 removed, against HEAD");
	run_free(&r);
	snprintf(index, sizeof index, two_fmt, "none");
	th_write_file(p, index);
	git_commit_all(repo, "retire other@v1");
	snprintf(index, sizeof index, index_fmt, "backward");
	th_write_file(p, index);
	r = run_in(repo, NULL, (const char *const[]){"seam", "contract", "check", NULL});
	want_code(&r, 0, "a retired contract may go");
	run_free(&r);
	th_rmrf(repo);
}

static const char money_schema[] =
	"{\"$id\":\"https://example.test/money.json\",\"type\":\"object\",\"required\":[\"number\","
	"\"currency_code\"],\"properties\":{\"number\":{\"type\":\"string\",\"pattern\":\"^[0-9]+(\\\\.[0-9]+)?$\"},"
	"\"currency_code\":{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\"}}}";

static void test_validate(void **state)
{
	(void)state;
	char dir[64], schema[128], ok[128], bad[128], lines[128], money[128], line_schema[128];
	th_tmpdir(dir);
	write_in(dir, "s.json",
		 "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{\"id\":{\"type\":"
		 "\"integer\",\"minimum\":1}}}",
		 schema, sizeof schema);
	write_in(dir, "ok.json", "{\"id\": 3}", ok, sizeof ok);
	write_in(dir, "bad.json", "{\"id\": 0}", bad, sizeof bad);
	write_in(dir, "in.jsonl", "{\"id\": 1}\n{\"id\": \"x\"}\n\n{nope\n{\"id\": 2}\n", lines,
		 sizeof lines);
	write_in(dir, "money.json", money_schema, money, sizeof money);
	write_in(dir, "line.json",
		 "{\"type\":\"object\",\"properties\":{\"total\":{\"$ref\":\"https://example.test/money.json\"}}}",
		 line_schema, sizeof line_schema);

	run_t r = RUN("seam", "contract", "validate", schema, ok);
	want_code(&r, 0, "valid file");
	run_free(&r);
	r = RUN("seam", "contract", "validate", schema, ok, bad);
	want_code(&r, 1, "one invalid file");
	want_in(r.out, "/id", "pointer");
	want_in(r.out, "minimum", "keyword");
	run_free(&r);
	r = RUN("seam", "contract", "validate", schema, bad, "--json");
	want_code(&r, 1, "--json");
	json_t *j = json_loads(r.out, 0, NULL);
	if (!j)
		fail_msg("not JSON:\n%s", r.out);
	json_t *e = json_array_get(json_object_get(json_array_get(j, 0), "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "pointer")), "/id");
	assert_string_equal(json_string_value(json_object_get(e, "keyword")), "minimum");
	assert_non_null(json_string_value(json_object_get(e, "detail")));
	json_decref(j);
	run_free(&r);

	/* JSON Lines: one verdict per non-blank line, a line that is not JSON is unusable (2) */
	r = RUN("seam", "contract", "validate", schema, lines, "--jsonl");
	want_code(&r, 2, "--jsonl with a broken line");
	char want[200];
	snprintf(want, sizeof want, "%s:1: valid", lines);
	want_in(r.out, want, "line 1");
	snprintf(want, sizeof want, "%s:2: invalid", lines);
	want_in(r.out, want, "line 2");
	snprintf(want, sizeof want, "%s:5: valid", lines);
	want_in(r.out, want, "line 5");
	snprintf(want, sizeof want, "%s:4:", lines);
	want_in(r.err, want, "line 4 unusable");
	run_free(&r);
	r = RUN("seam", "contract", "validate", schema, lines, "--jsonl", "--json");
	size_t nl = 0;
	for (const char *p = r.out; p && *p; p++)
		nl += *p == '\n';
	assert_int_equal(nl, 4); /* four non-blank lines, four verdicts */
	run_free(&r);

	/* stdin */
	r = run_in(root, "{\"id\": 5}", (const char *const[]){"seam", "contract", "validate", schema, "-", NULL});
	want_code(&r, 0, "stdin valid");
	run_free(&r);
	r = run_in(root, "{\"id\": -5}", (const char *const[]){"seam", "contract", "validate", schema, "-", NULL});
	want_code(&r, 1, "stdin invalid");
	want_in(r.out, "(stdin)", "stdin named");
	run_free(&r);

	/* --ref: the $ref'd document is registered under its URI */
	char refarg[200], doc[128], bad_doc[128];
	snprintf(refarg, sizeof refarg, "https://example.test/money.json=%s", money);
	write_in(dir, "line-ok.json", "{\"total\":{\"number\":\"9.50\",\"currency_code\":\"EUR\"}}", doc,
		 sizeof doc);
	write_in(dir, "line-bad.json", "{\"total\":{\"number\":9.5,\"currency_code\":\"EUR\"}}", bad_doc,
		 sizeof bad_doc);
	r = RUN("seam", "contract", "validate", line_schema, doc, "--ref", refarg);
	want_code(&r, 0, "--ref valid");
	run_free(&r);
	r = RUN("seam", "contract", "validate", "--ref", refarg, line_schema, bad_doc);
	want_code(&r, 1, "--ref invalid");
	want_in(r.out, "/total/number", "--ref pointer");
	run_free(&r);
	r = RUN("seam", "contract", "validate", line_schema, doc);
	want_code(&r, 2, "unresolvable $ref without --ref");
	run_free(&r);

	/* a neighbour named relative to the schema's own $id is read from next to the file */
	char sub[128], mainp[200], m2[200];
	snprintf(sub, sizeof sub, "%s/s", dir);
	mkdir(sub, 0700);
	write_in(sub, "main.json",
		 "{\"$id\":\"https://example.test/s/main.json\",\"properties\":{\"total\":{\"$ref\":"
		 "\"money2.json\"}}}",
		 mainp, sizeof mainp);
	write_in(sub, "money2.json", "{\"type\":\"object\",\"required\":[\"number\"]}", m2, sizeof m2);
	r = run_in(root, "{\"total\":{\"number\":\"1\"}}",
		   (const char *const[]){"seam", "contract", "validate", mainp, "-", NULL});
	want_code(&r, 0, "$ref to a neighbour by the $id");
	run_free(&r);
	r = run_in(root, "{\"total\":{}}",
		   (const char *const[]){"seam", "contract", "validate", mainp, "-", NULL});
	want_code(&r, 1, "$ref to a neighbour by the $id, invalid");
	want_in(r.out, "/total", "neighbour's error pointer");
	run_free(&r);

	/* a contract of the built-in registry */
	r = run_in(root,
		   "{\"type\":\"order.placed\",\"timestamp\":\"2025-11-26T15:31:16Z\",\"data\":{"
		   "\"order_uuid\":\"u\",\"order_id\":12,\"order_number\":\"12\",\"store_uuid\":\"s\","
		   "\"state\":\"completed\",\"workflow\":\"order_default\",\"transition\":\"place\","
		   "\"total\":null}}",
		   (const char *const[]){"seam", "contract", "validate", "bridge.event@v1", "-", NULL});
	want_code(&r, 0, "bridge.event@v1 valid");
	run_free(&r);
	r = run_in(root, "{\"type\":\"order.placed\"}",
		   (const char *const[]){"seam", "contract", "validate", "bridge.event@v1", "-", NULL});
	want_code(&r, 1, "bridge.event@v1 invalid");
	want_in(r.out, "required", "missing members");
	run_free(&r);
	r = RUN("seam", "contract", "validate", "bridge.event@v1", ok, "--ref", refarg);
	want_code(&r, 2, "--ref with a registry contract");
	run_free(&r);
	r = RUN("seam", "contract", "validate", schema, "/nonexistent.json");
	want_code(&r, 2, "missing input");
	run_free(&r);
	th_rmrf(dir);
}

/* The command examples of docs/contracts.md work when pasted: every indented code block that
 * runs `build/seam contract` is run as a shell script from the repository root (with the
 * binary under test), and each of its commands must exit 0 or 1 (the verdicts), never 2
 * (unusable input) or 127. Lines that need a remote (origin/...) are left out. */
static void test_docs_examples_run(void **state)
{
	(void)state;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/docs/contracts.md", root);
	char *doc = th_read_file(path);
	assert_non_null(doc);
	size_t nblocks = 0;
	char *save = NULL;
	char *script = malloc(strlen(doc) * 4 + 4096);
	size_t len = 0;
	int in_block = 0, wants = 0;
	const char *heredoc_end = NULL;
	char endbuf[64];
	for (char *line = strtok_r(doc, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
		int code = line && strncmp(line, "    ", 4) == 0;
		if (!code && in_block) {
			/* the block ended: run it when it drives the binary */
			if (wants) {
				char dir[64], spath[128];
				th_tmpdir(dir);
				snprintf(spath, sizeof spath, "%s/block.sh", dir);
				script[len] = '\0';
				th_write_file(spath, script);
				run_t r = run_in(root, NULL, (const char *const[]){"sh", spath, NULL});
				if (r.code != 0)
					fail_msg("docs/contracts.md example block %zu failed (exit %d):\n%s\n"
						 "stdout:\n%s\nstderr:\n%s", nblocks, r.code, script, r.out, r.err);
				run_free(&r);
				th_rmrf(dir);
				nblocks++;
			}
			in_block = wants = 0;
			len = 0;
		}
		if (!line)
			break;
		if (!code)
			continue;
		if (!in_block) {
			in_block = 1;
			len = (size_t)sprintf(script, "set -u\nPATH=%s:$PATH\n", "/usr/bin:/bin");
		}
		const char *l = line + 4;
		if (heredoc_end) {
			len += (size_t)sprintf(script + len, "%s\n", l);
			if (strcmp(l, heredoc_end) == 0)
				heredoc_end = NULL;
			continue;
		}
		if (strstr(l, "origin/"))
			continue;
		const char *hd = strstr(l, "<<'");
		if (hd) {
			snprintf(endbuf, sizeof endbuf, "%s", hd + 3);
			char *q = strchr(endbuf, '\'');
			if (q)
				*q = '\0';
			heredoc_end = endbuf;
		}
		/* build/seam -> the binary under test */
		const char *p = l;
		while (*p) {
			if (strncmp(p, "build/seam ", 11) == 0) {
				len += (size_t)sprintf(script + len, "%s ", bin);
				p += 11;
				wants = 1;
			} else {
				script[len++] = *p++;
			}
		}
		size_t ll = strlen(l);
		if (hd || (ll && l[ll - 1] == '\\')) {
			script[len++] = '\n';
			continue;
		}
		len += (size_t)sprintf(script + len,
				       "\nrc=$?; [ $rc -le 1 ] || { echo \"the command above exited $rc\" >&2; exit 9; }\n");
	}
	free(script);
	free(doc);
	TH_ASSERT_CMP(nblocks, >=, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_diff_exit_codes),
		cmocka_unit_test(test_check_repository_contracts),
		cmocka_unit_test(test_check_tampered_copy_fails),
		cmocka_unit_test(test_check_transitive),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_docs_examples_run),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
