/*
 * regex.c: ECMA-262 patterns (with the `u` flag, as JSON Schema's test suite expects) on PCRE2.
 *
 * The pattern is not handed to PCRE2 as written: a single pass walks it in ECMA-262's grammar,
 * refuses what ECMA refuses (PCRE-only syntax would otherwise be accepted silently and mean
 * something else) and rewrites the few atoms whose meaning differs:
 *
 *   ECMA                      PCRE2 text emitted                 why
 *   .                         [^\n\r\u{2028}\u{2029}]            ECMA's line terminators
 *   \s  \S                    ECMA's WhiteSpace+LineTerminator   PCRE2's \s is ASCII without UCP,
 *                             set, or its complement as ranges   and \p{Xps} lacks U+FEFF
 *   \v                        \x0b                               PCRE2's \v is a class
 *   \uXXXX, \u{X..}, pairs    \u{X..} (PCRE2_EXTRA_ALT_BSUX)     a surrogate pair is one code point
 *   \xHH                      \xHH (PCRE2_ALT_BSUX)              exactly two digits
 *   \1..\99, \k<n>            (?:\g{N}), (?:\k<n>)                PCRE2 reads \12 as octal when
 *                                                                there are fewer groups; 10.42's
 *                                                                JIT fails (a)?b\1+ on "b" (an
 *                                                                unset group, repeated) unless
 *                                                                the reference is in a group
 *   \N, \k<n> before group N   (?:)                               ECMA: always empty; PCRE2: the
 *   has closed                                                   previous iteration's capture
 *   [ : . = inside a class    \[ \: \. \=                        no POSIX [:a:] [.a.] [=a=]
 *   []  [^]                   (?:(?!))  [\x00-\u{10ffff}]          PCRE2_ALLOW_EMPTY_CLASS's []*
 *                                                                fails on "" (ECMA: matches)
 *   \p{Letter} \p{digit} ...  \p{L} \p{Nd} ...                     PCRE2 knows short names only
 *   \D \W inside a class      their complements as ranges         [^\D\p{L}] matched U+07C0
 *
 * \d \w \b stay as they are: without PCRE2_UCP they are ASCII, as in ECMA. Refused: escapes ECMA
 * does not define (\a \e \A \Z \z \h \R \K \X \Q \G \N \o ... : u-mode has no identity escapes
 * for letters), every "(?" but (?: (?= (?! (?<= (?<! (?<name>, "(*" verbs, possessive and
 * doubled quantifiers, a quantifier with nothing to repeat or on a lookaround, lone ] { }, \c
 * without a letter, a class escape as a range end ([\d-z]), property names ECMA does not have.
 * Options: UTF, DOLLAR_ENDONLY ($ is the very end, never before a final \n), MATCH_UNSET_BACKREF
 * (a backreference to a group that did not take part matches the empty string),
 * NEVER_BACKSLASH_C. Not PCRE2_MATCH_INVALID_UTF: with it, 10.42's JIT fails
 * to match \D and \W against a non-ASCII character (^\D$ on U+07C0: no match; the interpreter
 * matches). A subject that is not UTF-8 is refused instead (SEAM_REGEX_LIMIT): jansson never
 * hands out such strings, and refusing is the safe verdict for `pattern` and
 * `patternProperties` alike.
 *
 * What PCRE2 10.42 cannot do: variable-width lookbehind ((?<=a+)b is ECMA since ES2018, PCRE2
 * 10.43): compile fails with err->code SEAM_UNSUPPORTED (the pattern is valid ECMA, just not
 * runnable here: checked by compiling it once more with its lookbehinds as lookaheads), every
 * other failure is SEAM_PARSE. Lone surrogates (\uD800) likewise, once the rest of the pattern
 * is known to be valid.
 *
 * Limits: every search runs under a match limit, a depth limit and a heap limit (a match context
 * per compiled regex, read-only after compile). JIT is used when pcre2_config says it exists and
 * the pattern JIT-compiles, with a JIT stack per thread of up to 8 MiB; a JIT stack overflow is
 * retried by the interpreter. Match data and JIT stack are one per thread (created on first use,
 * freed by a pthread key destructor when the thread ends), so searches are reentrant and
 * allocate nothing after the first.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "contract/regex.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"

/* A few million backtracking steps is milliseconds of CPU: enough for any sane pattern on a
 * field-sized string, and the bound on a catastrophic one. */
#define MATCH_LIMIT 2000000u
#define DEPTH_LIMIT 20000u
#define HEAP_LIMIT_KIB 16384u
#define JIT_STACK_MAX (8u << 20)
#define COMPILE_OPTS                                                                   \
	(PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX | PCRE2_MATCH_UNSET_BACKREF | \
	 PCRE2_NEVER_BACKSLASH_C)
/* Group nesting the translator follows (PCRE2's own default limit is 250). */
#define MAX_NEST 1024

static pcre2_jit_stack *jit_stack_cb(void *unused);

struct seam_regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
	bool jit;
};

/* ECMA WhiteSpace and LineTerminator, as the inside of a class, and its complement. */
#define WS_SET "\\t\\n\\x0b\\f\\r \\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}" \
	       "\\u{205f}\\u{3000}\\u{feff}"
#define NOT_WS_SET "\\x00-\\x08\\x0e-\\x1f\\x21-\\u{9f}\\u{a1}-\\u{167f}\\u{1681}-\\u{1fff}" \
		   "\\u{200b}-\\u{2027}\\u{202a}-\\u{202e}\\u{2030}-\\u{205e}\\u{2060}-\\u{2fff}" \
		   "\\u{3001}-\\u{fefe}\\u{ff00}-\\u{10ffff}"

/* The translated pattern, and for each of its bytes the offset in the original (to report
 * PCRE2's error offsets in the author's terms). */
typedef struct out {
	char *b;
	size_t *map;
	size_t n, cap;
	bool oom;
	size_t surrogate_at; /* 1 + offset of the first lone surrogate escape; 0: none */
} out_t;

static void put(out_t *o, const char *s, size_t len, size_t at)
{
	if (o->oom)
		return;
	if (o->n + len + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 64;
		while (cap < o->n + len + 1)
			cap *= 2;
		char *b = realloc(o->b, cap);
		if (b)
			o->b = b;
		size_t *m = realloc(o->map, cap * sizeof *m);
		if (m)
			o->map = m;
		if (!b || !m) {
			o->oom = true;
			return;
		}
		o->cap = cap;
	}
	memcpy(o->b + o->n, s, len);
	for (size_t i = 0; i < len; i++)
		o->map[o->n + i] = at;
	o->n += len;
}

static void puts_(out_t *o, const char *s, size_t at)
{
	put(o, s, strlen(s), at);
}

/* Reads exactly n hex digits at p[*i]; -1 when they are not there. */
static long hexn(const char *p, size_t len, size_t *i, int n)
{
	long v = 0;
	if (*i + (size_t)n > len)
		return -1;
	for (int k = 0; k < n; k++) {
		int h = seam_hex_digit((unsigned char)p[*i + (size_t)k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	*i += (size_t)n;
	return v;
}

/* \u escape after the 'u' (p[*i] is the first char after it): the code point, a surrogate pair
 * joined; -1 malformed, -2 a lone surrogate. */
static long uescape(const char *p, size_t len, size_t *i)
{
	if (*i < len && p[*i] == '{') {
		size_t j = *i + 1;
		long v = 0;
		size_t digits = 0;
		while (j < len && seam_hex_digit((unsigned char)p[j]) >= 0) {
			v = v * 16 + seam_hex_digit((unsigned char)p[j]);
			if (v > 0x10FFFF)
				return -1;
			j++;
			digits++;
		}
		if (!digits || j >= len || p[j] != '}')
			return -1;
		*i = j + 1;
		return (v >= 0xD800 && v <= 0xDFFF) ? -2 : v;
	}
	long v = hexn(p, len, i, 4);
	if (v < 0)
		return -1;
	if (v >= 0xD800 && v <= 0xDBFF && *i + 6 <= len && p[*i] == '\\' && p[*i + 1] == 'u') {
		size_t j = *i + 2;
		long lo = hexn(p, len, &j, 4);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			*i = j;
			return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
		}
	}
	return (v >= 0xD800 && v <= 0xDFFF) ? -2 : v;
}

/* {n}, {n,}, {n,m} at p[i] ('{'): its length, 0 when it is not one. */
static size_t quantbraces(const char *p, size_t len, size_t i)
{
	size_t j = i + 1, d1 = 0, d2 = 0;
	while (j < len && p[j] >= '0' && p[j] <= '9')
		j++, d1++;
	if (!d1 || j >= len)
		return 0;
	if (p[j] == ',') {
		j++;
		while (j < len && p[j] >= '0' && p[j] <= '9')
			j++, d2++;
	}
	if (j >= len || p[j] != '}')
		return 0;
	return j + 1 - i;
}

/* ECMA's General_Category values (long names and aliases) -> PCRE2's short names: PCRE2 10.42
 * knows only the short ones. */
static const struct {
	const char *name, *pcre;
} gc_names[] = {
	{"C", "C"}, {"Other", "C"}, {"Cc", "Cc"}, {"Control", "Cc"}, {"cntrl", "Cc"},
	{"Cf", "Cf"}, {"Format", "Cf"}, {"Cn", "Cn"}, {"Unassigned", "Cn"}, {"Co", "Co"},
	{"Private_Use", "Co"}, {"Cs", "Cs"}, {"Surrogate", "Cs"}, {"L", "L"}, {"Letter", "L"},
	{"LC", "L&"}, {"Cased_Letter", "L&"}, {"Ll", "Ll"}, {"Lowercase_Letter", "Ll"},
	{"Lm", "Lm"}, {"Modifier_Letter", "Lm"}, {"Lo", "Lo"}, {"Other_Letter", "Lo"},
	{"Lt", "Lt"}, {"Titlecase_Letter", "Lt"}, {"Lu", "Lu"}, {"Uppercase_Letter", "Lu"},
	{"M", "M"}, {"Mark", "M"}, {"Combining_Mark", "M"}, {"Mc", "Mc"}, {"Spacing_Mark", "Mc"},
	{"Me", "Me"}, {"Enclosing_Mark", "Me"}, {"Mn", "Mn"}, {"Nonspacing_Mark", "Mn"},
	{"N", "N"}, {"Number", "N"}, {"Nd", "Nd"}, {"Decimal_Number", "Nd"}, {"digit", "Nd"},
	{"Nl", "Nl"}, {"Letter_Number", "Nl"}, {"No", "No"}, {"Other_Number", "No"},
	{"P", "P"}, {"Punctuation", "P"}, {"punct", "P"}, {"Pc", "Pc"},
	{"Connector_Punctuation", "Pc"}, {"Pd", "Pd"}, {"Dash_Punctuation", "Pd"}, {"Pe", "Pe"},
	{"Close_Punctuation", "Pe"}, {"Pf", "Pf"}, {"Final_Punctuation", "Pf"}, {"Pi", "Pi"},
	{"Initial_Punctuation", "Pi"}, {"Po", "Po"}, {"Other_Punctuation", "Po"}, {"Ps", "Ps"},
	{"Open_Punctuation", "Ps"}, {"S", "S"}, {"Symbol", "S"}, {"Sc", "Sc"},
	{"Currency_Symbol", "Sc"}, {"Sk", "Sk"}, {"Modifier_Symbol", "Sk"}, {"Sm", "Sm"},
	{"Math_Symbol", "Sm"}, {"So", "So"}, {"Other_Symbol", "So"}, {"Z", "Z"},
	{"Separator", "Z"}, {"Zl", "Zl"}, {"Line_Separator", "Zl"}, {"Zp", "Zp"},
	{"Paragraph_Separator", "Zp"}, {"Zs", "Zs"}, {"Space_Separator", "Zs"},
};

/* ECMA-262's binary properties (table-binary-unicode-properties), long names and aliases,
 * which PCRE2 10.42 knows by the same names; but Assigned (ECMA's own, = \P{Cn}, handled
 * below) and Changes_When_NFKC_Casefolded, which it does not know (refused). */
static const char *const binary_props[] = {
	"ASCII", "ASCII_Hex_Digit", "AHex", "Alphabetic", "Alpha", "Any", "Bidi_Control", "Bidi_C",
	"Bidi_Mirrored", "Bidi_M", "Case_Ignorable", "CI", "Cased", "Changes_When_Casefolded",
	"CWCF", "Changes_When_Casemapped", "CWCM", "Changes_When_Lowercased", "CWL",
	"Changes_When_Titlecased", "CWT", "Changes_When_Uppercased", "CWU", "Dash",
	"Default_Ignorable_Code_Point", "DI", "Deprecated", "Dep", "Diacritic", "Dia", "Emoji",
	"Emoji_Component", "EComp", "Emoji_Modifier", "EMod", "Emoji_Modifier_Base", "EBase",
	"Emoji_Presentation", "EPres", "Extended_Pictographic", "ExtPict", "Extender", "Ext",
	"Grapheme_Base", "Gr_Base", "Grapheme_Extend", "Gr_Ext", "Hex_Digit", "Hex",
	"IDS_Binary_Operator", "IDSB", "IDS_Trinary_Operator", "IDST", "ID_Continue", "IDC",
	"ID_Start", "IDS", "Ideographic", "Ideo", "Join_Control", "Join_C",
	"Logical_Order_Exception", "LOE", "Lowercase", "Lower", "Math", "Noncharacter_Code_Point",
	"NChar", "Pattern_Syntax", "Pat_Syn", "Pattern_White_Space", "Pat_WS", "Quotation_Mark",
	"QMark", "Radical", "Regional_Indicator", "RI", "Sentence_Terminal", "STerm", "Soft_Dotted",
	"SD", "Terminal_Punctuation", "Term", "Unified_Ideograph", "UIdeo", "Uppercase", "Upper",
	"Variation_Selector", "VS", "White_Space", "space", "XID_Continue", "XIDC", "XID_Start",
	"XIDS",
};

static bool span_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* \p{name} / \p{lhs=value} (name is the inside of the braces): a General_Category is emitted
 * by PCRE2's short name, a binary property as written, Script/Script_Extensions values as
 * written when they are spelled as Unicode spells them (an upper-case first letter: PCRE2
 * matches names loosely, ECMA exactly; PCRE2 refuses a script it does not know). False when
 * ECMA has no such property. */
static bool property(const char *name, size_t n, char pc, out_t *o, size_t at)
{
	const char *eq = memchr(name, '=', n);
	const char *val = name;
	size_t vn = n;
	if (eq) {
		size_t ln = (size_t)(eq - name);
		val = eq + 1;
		vn = n - ln - 1;
		if (!vn || memchr(val, '=', vn))
			return false;
		if (!span_is(name, ln, "General_Category") && !span_is(name, ln, "gc")) {
			if (!span_is(name, ln, "Script") && !span_is(name, ln, "sc") &&
			    !span_is(name, ln, "Script_Extensions") && !span_is(name, ln, "scx"))
				return false;
			if (!(val[0] >= 'A' && val[0] <= 'Z'))
				return false;
			char pre[3] = {'\\', pc, '{'};
			put(o, pre, 3, at);
			put(o, name, n, at);
			puts_(o, "}", at);
			return true;
		}
	}
	for (size_t k = 0; k < sizeof gc_names / sizeof gc_names[0]; k++) {
		if (span_is(val, vn, gc_names[k].name)) {
			char pre[3] = {'\\', pc, '{'};
			put(o, pre, 3, at);
			puts_(o, gc_names[k].pcre, at);
			puts_(o, "}", at);
			return true;
		}
	}
	if (eq)
		return false;
	if (span_is(name, n, "Assigned")) {
		puts_(o, pc == 'p' ? "\\P{Cn}" : "\\p{Cn}", at);
		return true;
	}
	for (size_t k = 0; k < sizeof binary_props / sizeof binary_props[0]; k++) {
		if (span_is(name, n, binary_props[k])) {
			char pre[3] = {'\\', pc, '{'};
			put(o, pre, 3, at);
			put(o, name, n, at);
			puts_(o, "}", at);
			return true;
		}
	}
	return false;
}

typedef enum { T_OK, T_PARSE } tres_e;

/* Translates one escape at p[*i] ('\\'); in_class selects the class grammar. Sets *atom when it
 * is something a quantifier may follow. */
static tres_e escape(const char *p, size_t len, size_t *i, bool in_class, out_t *o, bool *atom,
		     const char **why)
{
	size_t at = *i;
	if (*i + 1 >= len) {
		*why = "\\ at end of pattern";
		return T_PARSE;
	}
	char c = p[*i + 1];
	*i += 2;
	*atom = true;
	char tmp[32];
	switch (c) {
	case 'D':
		/* In a class as ranges: PCRE2 10.42 (UTF, no UCP) lets [^\D\p{L}] match U+07C0,
		 * which \D holds; the ranges say it plainly. */
		puts_(o, in_class ? "\\x00-\\x2f\\x3a-\\u{10ffff}" : "\\D", at);
		return T_OK;
	case 'W':
		puts_(o, in_class ? "\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\u{10ffff}" : "\\W", at);
		return T_OK;
	case 'd': case 'w':
	case 't': case 'n': case 'f': case 'r':
		tmp[0] = '\\', tmp[1] = c, tmp[2] = 0;
		puts_(o, tmp, at);
		return T_OK;
	case 's':
		puts_(o, in_class ? WS_SET : "[" WS_SET "]", at);
		return T_OK;
	case 'S':
		puts_(o, in_class ? NOT_WS_SET : "[^" WS_SET "]", at);
		return T_OK;
	case 'v':
		puts_(o, "\\x0b", at);
		return T_OK;
	case 'b':
		/* In a class ECMA's \b is backspace, as in PCRE2; outside it is an assertion. */
		puts_(o, "\\b", at);
		*atom = in_class;
		return T_OK;
	case 'B':
		if (in_class) {
			*why = "\\B in a character class";
			return T_PARSE;
		}
		puts_(o, "\\B", at);
		*atom = false;
		return T_OK;
	case 'c': {
		char l = *i < len ? p[*i] : 0;
		if (!((l >= 'a' && l <= 'z') || (l >= 'A' && l <= 'Z'))) {
			*why = "\\c must be followed by a letter";
			return T_PARSE;
		}
		snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)(l % 32));
		puts_(o, tmp, at);
		(*i)++;
		return T_OK;
	}
	case '0':
		if (*i < len && p[*i] >= '0' && p[*i] <= '9') {
			*why = "octal escapes are not ECMA-262 (unicode mode)";
			return T_PARSE;
		}
		puts_(o, "\\x00", at);
		return T_OK;
	case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
	case 'k':
		/* Outside a class translate() hands backreferences to backref(). */
		*why = "a backreference in a character class";
		return T_PARSE;
	case 'x': {
		long v = hexn(p, len, i, 2);
		if (v < 0) {
			*why = "\\x must be followed by two hex digits";
			return T_PARSE;
		}
		snprintf(tmp, sizeof tmp, "\\x%02lx", v);
		puts_(o, tmp, at);
		return T_OK;
	}
	case 'u': {
		long v = uescape(p, len, i);
		if (v == -2) {
			/* Valid ECMA that UTF-8 cannot hold. U+FFFD keeps the pattern's shape so the
			 * rest is still checked; compile reports it once everything else passed. */
			if (!o->surrogate_at)
				o->surrogate_at = at + 1;
			v = 0xFFFD;
		}
		if (v < 0) {
			*why = "\\u must be followed by four hex digits or {hex}";
			return T_PARSE;
		}
		snprintf(tmp, sizeof tmp, "\\u{%lx}", v);
		puts_(o, tmp, at);
		return T_OK;
	}
	case 'p': case 'P': {
		if (*i >= len || p[*i] != '{') {
			*why = "\\p must be followed by {property}";
			return T_PARSE;
		}
		size_t j = *i + 1;
		while (j < len && p[j] != '}' &&
		       ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') ||
			(p[j] >= '0' && p[j] <= '9') || p[j] == '_' || p[j] == '='))
			j++;
		if (j >= len || p[j] != '}' || j == *i + 1) {
			*why = "malformed \\p{...}";
			return T_PARSE;
		}
		if (!property(p + *i + 1, j - *i - 1, c, o, at)) {
			*why = "unknown or unsupported Unicode property";
			return T_PARSE;
		}
		*i = j + 1;
		return T_OK;
	}
	case '^': case '$': case '\\': case '.': case '*': case '+': case '?': case '(':
	case ')': case '[': case ']': case '{': case '}': case '|': case '/':
		tmp[0] = '\\', tmp[1] = c, tmp[2] = 0;
		puts_(o, tmp, at);
		return T_OK;
	case '-':
		if (in_class) {
			puts_(o, "\\-", at);
			return T_OK;
		}
		break;
	default:
		break;
	}
	*why = "not an ECMA-262 escape (unicode mode)";
	return T_PARSE;
}

/* One ClassAtom at p[*i]; *set when it is a class escape (\\d \\s \\p{..} ...), which cannot end a
 * range in u-mode. '[' ':' '.' '=' are escaped: PCRE2 would read [:alpha:], [.a.] and [=a=]. */
static tres_e class_atom(const char *p, size_t len, size_t *i, out_t *o, bool *set,
			 const char **why)
{
	size_t at = *i;
	char c = p[at];
	*set = false;
	if (c == '\\') {
		bool dummy;
		*set = at + 1 < len && strchr("dDwWsSpP", p[at + 1]) && p[at + 1];
		return escape(p, len, i, true, o, &dummy, why);
	}
	if (c == '[' || c == ':' || c == '.' || c == '=') {
		char e[2] = {'\\', c};
		put(o, e, 2, at);
		(*i)++;
		return T_OK;
	}
	/* one code point, whole (PCRE2 checks the UTF-8) */
	unsigned char u = (unsigned char)c;
	size_t n = u < 0xC0 ? 1 : u < 0xE0 ? 2 : u < 0xF0 ? 3 : 4;
	if (n > len - at)
		n = len - at;
	put(o, p + at, n, at);
	*i += n;
	return T_OK;
}

/* A character class at p[*i] ('['), to its ']'. [] and [^] become what they mean in ECMA (no
 * character; any character) without PCRE2's empty-class option, whose [] fails even quantified
 * ([]* on "" found no match). */
static tres_e char_class(const char *p, size_t len, size_t *i, out_t *o, const char **why,
			 size_t *where)
{
	size_t at = *i, k = at + 1;
	bool neg = k < len && p[k] == '^';
	if (neg)
		k++;
	if (k < len && p[k] == ']') {
		puts_(o, neg ? "[\\x00-\\u{10ffff}]" : "(?:(?!))", at);
		*i = k + 1;
		return T_OK;
	}
	puts_(o, neg ? "[^" : "[", at);
	for (;;) {
		*where = k;
		if (k >= len) {
			*where = at;
			*why = "missing ] (unterminated character class)";
			return T_PARSE;
		}
		if (p[k] == ']') {
			puts_(o, "]", k);
			*i = k + 1;
			return T_OK;
		}
		bool set1, set2;
		tres_e r = class_atom(p, len, &k, o, &set1, why);
		if (r != T_OK)
			return r;
		if (k + 1 < len && p[k] == '-' && p[k + 1] != ']') {
			puts_(o, "-", k);
			k++;
			*where = k;
			r = class_atom(p, len, &k, o, &set2, why);
			if (r != T_OK)
				return r;
			if (set1 || set2) {
				*why = "a class escape cannot be a range end (unicode mode)";
				return T_PARSE;
			}
		}
	}
}

/* Group names: ECMA takes any IdentifierName ($, Unicode letters); PCRE2 10.42 only
 * [A-Za-z_][A-Za-z0-9_]*, and whatever else it is handed there may parse as something else
 * ("(?<*" is its non-atomic lookbehind). So only PCRE2's names pass. */
#define GROUP_NAME_WHY "group names are [A-Za-z_][A-Za-z0-9_]* here (PCRE2)"

static bool group_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
				  s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* What the translator knows of capturing groups, for backreferences: ECMA matches a
 * backreference to a group that has not closed yet (a forward reference, or one inside the group
 * itself) as the empty string, always (each iteration of a quantifier resets the captures inside
 * it); PCRE2 would match the previous iteration's capture or fail. Such a reference is emitted as
 * (?:) and checked at the end to name a group that exists. */
typedef struct span {
	const char *s;
	size_t n, num, at;
} span_t;

typedef struct groups {
	size_t count;             /* capturing groups opened so far */
	uint32_t open[MAX_NEST];  /* per open paren: its group number, 0 when not capturing */
	span_t *names;            /* named groups seen: name, number */
	size_t nnames;
	span_t *pending;          /* \k<name> before its group closed: name, offset */
	size_t npending;
	size_t max_ref, max_ref_at; /* the highest \N emitted as (?:), where */
	bool oom;
} groups_t;

static void span_push(span_t **v, size_t *n, span_t x, bool *oom)
{
	if ((*n & (*n - 1)) == 0 || *n == 0) { /* grow at 0, 1, 2, 4, ... */
		span_t *nv = realloc(*v, (*n ? *n * 2 : 1) * sizeof **v);
		if (!nv) {
			*oom = true;
			return;
		}
		*v = nv;
	}
	(*v)[(*n)++] = x;
}

static bool group_open(const groups_t *g, size_t depth, size_t num)
{
	for (size_t d = 0; d < depth; d++)
		if (g->open[d] == num)
			return true;
	return false;
}

/* A backreference at p[*i] ('\\' then a digit or 'k'), outside a class. */
static tres_e backref(const char *p, size_t len, size_t *i, groups_t *g, size_t depth, out_t *o,
		      const char **why)
{
	size_t at = *i;
	char tmp[32];
	if (p[at + 1] == 'k') {
		size_t j = at + 2;
		if (j >= len || p[j] != '<') {
			*why = "\\k must be a named backreference \\k<name>";
			return T_PARSE;
		}
		size_t st = ++j;
		while (j < len && p[j] != '>')
			j++;
		if (j >= len || j == st) {
			*why = "unterminated \\k<name>";
			return T_PARSE;
		}
		if (!group_name_ok(p + st, j - st)) {
			*why = GROUP_NAME_WHY;
			return T_PARSE;
		}
		*i = j + 1;
		for (size_t k = 0; k < g->nnames; k++) {
			if (g->names[k].n == j - st && memcmp(g->names[k].s, p + st, j - st) == 0 &&
			    !group_open(g, depth, g->names[k].num)) {
				puts_(o, "(?:", at);
				put(o, p + at, j + 1 - at, at);
				puts_(o, ")", at);
				return T_OK;
			}
		}
		span_push(&g->pending, &g->npending, (span_t){p + st, j - st, 0, at}, &g->oom);
		puts_(o, "(?:)", at);
		return T_OK;
	}
	size_t n = 0, j = at + 1;
	while (j < len && p[j] >= '0' && p[j] <= '9' && n < 100000)
		n = n * 10 + (size_t)(p[j++] - '0');
	*i = j;
	if (n <= g->count && !group_open(g, depth, n)) {
		snprintf(tmp, sizeof tmp, "(?:\\g{%zu})", n);
		puts_(o, tmp, at);
	} else {
		if (n > g->max_ref)
			g->max_ref = n, g->max_ref_at = at;
		puts_(o, "(?:)", at);
	}
	return T_OK;
}

/* ECMA pattern -> PCRE2 pattern. On failure *why and *where say what and where. lb_as_la
 * writes lookbehinds as lookaheads (to learn whether a pattern PCRE2 refused only for a
 * variable-width lookbehind is otherwise valid). */
static tres_e translate(const char *p, size_t len, bool lb_as_la, out_t *o, const char **why,
			size_t *where)
{
	bool atom = false, quantified = false;
	size_t i = 0;
	/* Per open group: is it a lookaround? (u-mode: an assertion cannot be quantified) */
	uint8_t look[MAX_NEST / 8] = {0};
	size_t depth = 0;
	tres_e rc = T_OK;
	groups_t *g = calloc(1, sizeof *g);
	if (!g) {
		o->oom = true;
		return T_OK;
	}
	while (i < len) {
		size_t at = i;
		char c = p[i];
		*where = at;
		switch (c) {
		case '\\': {
			bool ref = i + 1 < len && (p[i + 1] == 'k' || (p[i + 1] >= '1' && p[i + 1] <= '9'));
			tres_e r = ref ? backref(p, len, &i, g, depth, o, why)
				       : escape(p, len, &i, false, o, &atom, why);
			if (r != T_OK) {
				rc = r;
				goto out;
			}
			if (ref)
				atom = true;
			quantified = false;
			continue;
		}
		case '[': {
			tres_e r = char_class(p, len, &i, o, why, where);
			if (r != T_OK) {
				rc = r;
				goto out;
			}
			atom = true, quantified = false;
			continue;
		}
		case '.':
			puts_(o, "[^\\n\\r\\u{2028}\\u{2029}]", at);
			atom = true, quantified = false;
			i++;
			continue;
		case '(': {
			size_t n = 1;
			if (i + 1 < len && p[i + 1] == '?') {
				const char *r = p + i + 2;
				size_t left = len - i - 2;
				if (left >= 1 && (r[0] == ':' || r[0] == '=' || r[0] == '!'))
					n = 3;
				else if (left >= 2 && r[0] == '<' && (r[1] == '=' || r[1] == '!'))
					n = 4;
				else if (left >= 2 && r[0] == '<') {
					size_t j = 1;
					while (j < left && r[j] != '>')
						j++;
					if (j >= left || j == 1) {
						*why = "unterminated group name";
						rc = T_PARSE;
						goto out;
					}
					if (!group_name_ok(r + 1, j - 1)) {
						*why = GROUP_NAME_WHY;
						rc = T_PARSE;
						goto out;
					}
					n = 2 + j + 1;
				} else {
					*why = "(? is only (?: (?= (?! (?<= (?<! or (?<name> in ECMA-262";
					rc = T_PARSE;
				goto out;
				}
			} else if (i + 1 < len && p[i + 1] == '*') {
				*why = "nothing to repeat";
				rc = T_PARSE;
				goto out;
			}
			if (depth >= MAX_NEST) {
				*why = "groups nested too deeply";
				rc = T_PARSE;
				goto out;
			}
			bool is_look = n == 3 ? p[i + 2] != ':' : n == 4;
			g->open[depth] = 0;
			if (n == 1 || n > 4) { /* ( or (?<name> */
				g->open[depth] = (uint32_t)++g->count;
				if (n > 4)
					span_push(&g->names, &g->nnames,
						  (span_t){p + i + 3, n - 4, g->count, at}, &g->oom);
			}
			if (is_look)
				look[depth / 8] |= (uint8_t)(1u << (depth % 8));
			else
				look[depth / 8] &= (uint8_t)~(1u << (depth % 8));
			depth++;
			if (n == 4 && lb_as_la) {
				char la[3] = {'(', '?', p[i + 3]};
				put(o, la, 3, at);
			} else {
				put(o, p + i, n, at);
			}
			i += n;
			atom = false, quantified = false;
			continue;
		}
		case ')':
			puts_(o, ")", at);
			i++;
			/* an unmatched ')' is left to PCRE2, which reports it */
			atom = true, quantified = false;
			if (depth > 0) {
				depth--;
				atom = !(look[depth / 8] & (1u << (depth % 8)));
			}
			continue;
		case '|': case '^': case '$':
			put(o, &c, 1, at);
			i++;
			atom = false, quantified = false;
			continue;
		case '*': case '+': case '?': case '{': {
			size_t n = 1;
			if (c == '{' && !(n = quantbraces(p, len, i))) {
				*why = "lone { (unicode mode)";
				rc = T_PARSE;
				goto out;
			}
			if (!atom || quantified) {
				*why = "nothing to repeat";
				rc = T_PARSE;
				goto out;
			}
			put(o, p + i, n, at);
			i += n;
			if (i < len && p[i] == '?') {
				puts_(o, "?", i);
				i++;
			}
			quantified = true;
			continue;
		}
		case ']': case '}':
			*why = "lone ] or } (unicode mode)";
			rc = T_PARSE;
			goto out;
		default:
			put(o, p + i, 1, at);
			i++;
			atom = true, quantified = false;
			continue;
		}
	}
	/* Every reference emitted as (?:) must still name a group that exists. */
	if (g->max_ref > g->count) {
		*where = g->max_ref_at;
		*why = "reference to a group that does not exist";
		rc = T_PARSE;
		goto out;
	}
	for (size_t k = 0; k < g->npending; k++) {
		bool found = false;
		for (size_t m = 0; m < g->nnames && !found; m++)
			found = g->names[m].n == g->pending[k].n &&
				memcmp(g->names[m].s, g->pending[k].s, g->pending[k].n) == 0;
		if (!found) {
			*where = g->pending[k].at;
			*why = "reference to a group name that does not exist";
			rc = T_PARSE;
			goto out;
		}
	}
out:
	if (g->oom)
		o->oom = true;
	free(g->names);
	free(g->pending);
	free(g);
	return rc;
}

seam_regex_t *seam_regex_compile(const char *pattern, size_t len, seam_error_t *err)
{
	out_t o = {0};
	seam_regex_t *re = NULL;
	const char *why = "";
	size_t where = 0;
	tres_e tr = translate(pattern, len, false, &o, &why, &where);
	if (o.oom) {
		seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	if (tr != T_OK) {
		seam_errorf(err, SEAM_PARSE, "offset %zu: %s", where, why);
		goto out;
	}
	int ec = 0;
	PCRE2_SIZE eo = 0;
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
	if (!cctx) {
		seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	pcre2_set_compile_extra_options(cctx, PCRE2_EXTRA_ALT_BSUX);
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)(o.b ? o.b : ""), o.n, COMPILE_OPTS, &ec, &eo,
					 cctx);
	if (code)
		pcre2_compile_context_free(cctx);
	if (!code) {
		PCRE2_UCHAR msg[160];
		if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", ec);
		size_t off = eo < o.n ? o.map[eo] : len;
		/* Variable-width lookbehind is ES2018; PCRE2 has it from 10.43. Valid ECMA only if
		 * the pattern is valid with its lookbehinds read as lookaheads (which have no such
		 * restriction): otherwise that error is the one to report. */
		bool unsupported = ec == PCRE2_ERROR_LOOKBEHIND_NOT_FIXED_LENGTH;
		if (unsupported) {
			out_t o2 = {0};
			int ec2 = 0;
			PCRE2_SIZE eo2 = 0;
			pcre2_code *c2 = NULL;
			if (translate(pattern, len, true, &o2, &why, &where) == T_OK && !o2.oom) {
				c2 = pcre2_compile((PCRE2_SPTR)(o2.b ? o2.b : ""), o2.n, COMPILE_OPTS, &ec2,
						   &eo2, cctx);
				if (!c2) {
					unsupported = false;
					ec = ec2;
					off = eo2 < o2.n ? o2.map[eo2] : len;
					if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
						snprintf((char *)msg, sizeof msg, "error %d", ec);
				}
			}
			pcre2_code_free(c2);
			free(o2.b);
			free(o2.map);
		}
		pcre2_compile_context_free(cctx);
		seam_errorf(err, unsupported ? SEAM_UNSUPPORTED : SEAM_PARSE, "offset %zu: %s%s", off,
			    (const char *)msg,
			    unsupported ? " (valid ECMA-262, not supported by this PCRE2)" : "");
		goto out;
	}
	if (o.surrogate_at) {
		pcre2_code_free(code);
		seam_errorf(err, SEAM_UNSUPPORTED,
			    "offset %zu: a lone surrogate cannot be matched in UTF-8 (valid ECMA-262)",
			    o.surrogate_at - 1);
		goto out;
	}
	re = calloc(1, sizeof *re);
	pcre2_match_context *mctx = re ? pcre2_match_context_create(NULL) : NULL;
	if (!mctx) {
		pcre2_code_free(code);
		free(re);
		re = NULL;
		seam_errorf(err, SEAM_NOMEM, "out of memory");
		goto out;
	}
	pcre2_set_match_limit(mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(mctx, HEAP_LIMIT_KIB);
	pcre2_jit_stack_assign(mctx, jit_stack_cb, NULL);
	re->code = code;
	re->mctx = mctx;
	uint32_t have_jit = 0;
	if (pcre2_config(PCRE2_CONFIG_JIT, &have_jit) >= 0 && have_jit)
		re->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
out:
	free(o.b);
	free(o.map);
	return re;
}

void seam_regex_free(seam_regex_t *re)
{
	if (!re)
		return;
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	free(re);
}

/* Per thread: the match data (an ovector of one pair is all a yes/no search needs;
 * pcre2_match still returns >= 0 on a match; the interpreter's frame memory it caches is bounded
 * by the heap limit) and a JIT stack (PCRE2's default is 32 KiB of the machine stack, which a
 * repeated group overflows after a few thousand iterations; this one grows on demand up to
 * JIT_STACK_MAX). Both are created on first use and freed when the thread ends. */
typedef struct tls {
	pcre2_match_data *md;
	pcre2_jit_stack *jit;
} tls_t;

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static bool tls_key_ok;

static void tls_free(void *p)
{
	tls_t *t = p;
	if (!t)
		return;
	pcre2_match_data_free(t->md);
	pcre2_jit_stack_free(t->jit);
	free(t);
}

static void tls_init(void)
{
	tls_key_ok = pthread_key_create(&tls_key, tls_free) == 0;
}

/* This thread's state; *owned when it could not be kept (free it after the call). */
static tls_t *thread_state(bool *owned)
{
	pthread_once(&tls_once, tls_init);
	*owned = false;
	tls_t *t = tls_key_ok ? pthread_getspecific(tls_key) : NULL;
	if (t)
		return t;
	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->md = pcre2_match_data_create(1, NULL);
	t->jit = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
	if (!t->md) {
		tls_free(t);
		return NULL;
	}
	if (!tls_key_ok || pthread_setspecific(tls_key, t) != 0)
		*owned = true;
	return t;
}

/* pcre2_jit_stack_assign's callback: the calling thread's stack (NULL = the 32 KiB default). */
static pcre2_jit_stack *jit_stack_cb(void *unused)
{
	(void)unused;
	tls_t *t = tls_key_ok ? pthread_getspecific(tls_key) : NULL;
	return t ? t->jit : NULL;
}

int seam_regex_search(const seam_regex_t *re, const char *s, size_t len)
{
	bool owned;
	tls_t *t = thread_state(&owned);
	if (!t)
		return SEAM_REGEX_LIMIT; /* out of memory: refuse, as for any limit */
	PCRE2_SPTR subj = (PCRE2_SPTR)(s ? s : "");
	if (!s)
		len = 0;
	int rc = pcre2_match(re->code, subj, len, 0, 0, t->md, re->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(re->code, subj, len, 0, PCRE2_NO_JIT, t->md, re->mctx);
	if (owned)
		tls_free(t);
	if (rc >= 0)
		return SEAM_REGEX_MATCH;
	if (rc == PCRE2_ERROR_NOMATCH)
		return SEAM_REGEX_NOMATCH;
	return SEAM_REGEX_LIMIT;
}
