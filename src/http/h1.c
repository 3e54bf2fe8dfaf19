/*
 * h1.c: the strict HTTP/1.1 request parser. What it accepts and refuses is in h1.h; RFC 9112
 * section numbers are cited where a rule comes from.
 *
 * The head is parsed in two passes: a cheap incremental scan for its end (the first empty
 * line), which is all a slow client's byte-at-a-time delivery costs, then one full validating
 * pass over the complete head. The chunked decoder is a byte state machine with a bulk copy
 * for data.
 */
#include "http/h1.h"

#include <string.h>

#include "core/crypto.h"

/* tchar (RFC 9110 §5.6.2): the bytes of a token. */
static const unsigned char tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
	['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
	['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

#define FAIL(st, rs, dt)                                                                        \
	do {                                                                                    \
		err->status = (st);                                                             \
		err->reason = (rs);                                                             \
		err->detail = (dt);                                                             \
		return -1;                                                                      \
	} while (0)

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int seam_h1_span_is(const char *buf, seam_h1_span_t s, const char *lc)
{
	size_t n = strlen(lc);
	if (s.len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)buf[s.off + i]) != lc[i])
			return 0;
	return 1;
}

/* A field value byte (RFC 9110 §5.5): VCHAR, obs-text, SP, HTAB. */
static int value_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* A target byte: visible ASCII. Raw bytes >= 0x80 must be percent-encoded. */
static int target_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* A Host value byte: what an authority (reg-name, IP-literal, port) can hold. */
static int host_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-._~%!$&'()*+,;=:[]", c) != NULL;
}

/* Finds the request line's end in buf[start..]; returns the LF's index or -1. */
static int parse_request_line(const char *buf, size_t start, size_t end, seam_h1_head_t *h,
			      seam_h1_error_t *err)
{
	size_t i = start;
	/* method: token, then exactly one SP */
	while (i < end && tchar[(unsigned char)buf[i]])
		i++;
	if (i == start || i >= end || buf[i] != ' ')
		FAIL(400, "bad_request", "the request line is not 'METHOD target HTTP/1.1'");
	h->method = (seam_h1_span_t){start, i - start};
	size_t t = ++i;
	while (i < end && target_byte((unsigned char)buf[i]))
		i++;
	if (i == t || i >= end || buf[i] != ' ')
		FAIL(400, "bad_request", "the request target is empty or has bytes a URI cannot");
	h->target = (seam_h1_span_t){t, i - t};
	i++;
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, then CRLF (§2.3) */
	if (end - i < 10 || memcmp(buf + i, "HTTP/", 5) != 0 || buf[i + 5] < '0' ||
	    buf[i + 5] > '9' || buf[i + 6] != '.' || buf[i + 7] < '0' || buf[i + 7] > '9' ||
	    buf[i + 8] != '\r' || buf[i + 9] != '\n')
		FAIL(400, "bad_request", "the request line is not 'METHOD target HTTP/1.1'");
	if (buf[i + 5] != '1' || (buf[i + 7] != '0' && buf[i + 7] != '1'))
		FAIL(505, "bad_version", "only HTTP/1.0 and HTTP/1.1 are served");
	h->minor = buf[i + 7] - '0';
	/* target forms (§3.2): origin, absolute (http/https), asterisk (OPTIONS only) */
	const char *tp = buf + t;
	size_t tl = h->target.len;
	if (tp[0] == '/') {
		h->path = h->target;
	} else if (tl == 1 && tp[0] == '*') {
		if (!seam_h1_span_is(buf, h->method, "options"))
			FAIL(400, "bad_request", "the asterisk target is for OPTIONS only");
		h->path = (seam_h1_span_t){t, 0};
	} else {
		size_t p = 0;
		if (tl > 7 && seam_h1_span_is(buf, (seam_h1_span_t){t, 7}, "http://"))
			p = 7;
		else if (tl > 8 && seam_h1_span_is(buf, (seam_h1_span_t){t, 8}, "https://"))
			p = 8;
		if (!p)
			FAIL(400, "bad_request", "the request target is not a path or an http URL");
		while (p < tl && tp[p] != '/' && tp[p] != '?')
			p++;
		if (p < tl && tp[p] == '?')
			FAIL(400, "bad_request", "the request target is not a path or an http URL");
		h->path = (seam_h1_span_t){t + p, tl - p};
	}
	return (int)(i + 10); /* just past the CRLF */
}

/* Content-Length (§6.3): 1*DIGIT only; no sign, no list, no whitespace inside. */
static int parse_length(const char *buf, seam_h1_span_t v, uint64_t *out)
{
	uint64_t n = 0;
	if (v.len == 0 || v.len > SEAM_H1_MAX_CL_DIGITS)
		return -1;
	for (size_t i = 0; i < v.len; i++) {
		char c = buf[v.off + i];
		if (c < '0' || c > '9')
			return -1;
		n = n * 10 + (uint64_t)(c - '0');
	}
	*out = n;
	return 0;
}

/* Transfer-Encoding: 1 = exactly chunked; 0 = chunked is final but other codings come first
 * (501); -1 = chunked missing or not final, or an empty element (400). */
static int parse_te(const char *buf, seam_h1_span_t v)
{
	size_t i = v.off, end = v.off + v.len;
	int n = 0, last_chunked = 0, chunked_seen = 0;
	while (i < end) {
		while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		size_t s = i;
		while (i < end && buf[i] != ',' && buf[i] != ' ' && buf[i] != '\t')
			i++;
		seam_h1_span_t tok = {s, i - s};
		while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i < end && buf[i] != ',')
			return -1; /* parameters or junk: we support none */
		if (i < end)
			i++;
		if (tok.len == 0)
			return -1;
		for (size_t k = 0; k < tok.len; k++)
			if (!tchar[(unsigned char)buf[tok.off + k]])
				return -1;
		last_chunked = seam_h1_span_is(buf, tok, "chunked");
		if (last_chunked && chunked_seen)
			return -1; /* chunked twice */
		chunked_seen |= last_chunked;
		n++;
	}
	if (!n || !last_chunked)
		return -1;
	return n == 1 ? 1 : 0;
}

/* Connection (RFC 9110 §7.6.1): a comma list; we care about close and keep-alive. */
static void parse_connection(const char *buf, seam_h1_span_t v, int *close_, int *keep)
{
	size_t i = v.off, end = v.off + v.len;
	while (i < end) {
		while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == ','))
			i++;
		size_t s = i;
		while (i < end && buf[i] != ',' && buf[i] != ' ' && buf[i] != '\t')
			i++;
		seam_h1_span_t tok = {s, i - s};
		if (seam_h1_span_is(buf, tok, "close"))
			*close_ = 1;
		else if (seam_h1_span_is(buf, tok, "keep-alive"))
			*keep = 1;
	}
}

/* The full validating pass over a complete head buf[start..end), end just past the final LF. */
static int parse_full(const char *buf, size_t start, size_t end, const seam_h1_limits_t *lim,
		      seam_h1_head_t *h, seam_h1_error_t *err)
{
	int line_end = parse_request_line(buf, start, end, h, err);
	int n_cl = 0, n_te = 0, n_host = 0, close_ = 0, keep = 0, te = 0;
	seam_h1_span_t te_v = {0, 0}, host_v = {0, 0};
	if (line_end < 0)
		return -1;
	size_t i = (size_t)line_end;
	for (;;) {
		if (i + 1 < end && buf[i] == '\r' && buf[i + 1] == '\n')
			break; /* the empty line */
		if (buf[i] == ' ' || buf[i] == '\t')
			FAIL(400, "bad_request",
			     "a header line starts with whitespace (obsolete line folding)");
		size_t ns = i;
		while (i < end && tchar[(unsigned char)buf[i]])
			i++;
		if (i == ns || i >= end || buf[i] != ':')
			FAIL(400, "bad_request",
			     "a header name is empty or has a byte a token cannot (whitespace before ':'?)");
		seam_h1_span_t name = {ns, i - ns};
		i++;
		while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		size_t vs = i;
		while (i < end && value_byte((unsigned char)buf[i]))
			i++;
		if (i + 1 >= end || buf[i] != '\r' || buf[i + 1] != '\n')
			FAIL(400, "bad_request",
			     "a header value has a control byte, a bare CR or a bare LF");
		size_t ve = i;
		while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
			ve--;
		i += 2;
		if (h->nfields == SEAM_H1_MAX_FIELDS)
			FAIL(431, "header_too_large", "the request has too many header fields");
		seam_h1_field_t *f = &h->fields[h->nfields++];
		f->name = name;
		f->value = (seam_h1_span_t){vs, ve - vs};
		if (seam_h1_span_is(buf, name, "content-length")) {
			if (++n_cl > 1)
				FAIL(400, "bad_framing", "Content-Length is given more than once");
			if (parse_length(buf, f->value, &h->content_length) != 0)
				FAIL(400, "bad_framing",
				     "Content-Length is not a decimal number of at most 18 digits");
		} else if (seam_h1_span_is(buf, name, "transfer-encoding")) {
			if (++n_te > 1)
				FAIL(400, "bad_framing", "Transfer-Encoding is given more than once");
			te_v = f->value;
		} else if (seam_h1_span_is(buf, name, "host")) {
			if (++n_host > 1)
				FAIL(400, "bad_request", "Host is given more than once");
			host_v = f->value;
		} else if (seam_h1_span_is(buf, name, "connection")) {
			parse_connection(buf, f->value, &close_, &keep);
		} else if (seam_h1_span_is(buf, name, "expect")) {
			if (!seam_h1_span_is(buf, f->value, "100-continue"))
				FAIL(417, "bad_request", "only 'Expect: 100-continue' is supported");
			h->expect_continue = 1;
		}
	}
	h->len = end;
	/* §3.2: a 1.1 request without Host, or with several, is a 400 */
	if (h->minor == 1 && n_host == 0)
		FAIL(400, "bad_request", "an HTTP/1.1 request needs a Host header");
	for (size_t k = 0; k < host_v.len; k++)
		if (!host_byte((unsigned char)buf[host_v.off + k]))
			FAIL(400, "bad_request", "the Host header is not a host[:port]");
	if (n_te) {
		/* §6.1, §6.3: TE with CL, or TE in HTTP/1.0, is a framing error */
		if (n_cl)
			FAIL(400, "bad_framing",
			     "Content-Length and Transfer-Encoding together make the framing ambiguous");
		if (h->minor == 0)
			FAIL(400, "bad_framing", "Transfer-Encoding is not defined in HTTP/1.0");
		te = parse_te(buf, te_v);
		if (te < 0)
			FAIL(400, "bad_framing",
			     "Transfer-Encoding must end with chunked (the body length is unknown)");
		if (te == 0)
			FAIL(501, "bad_framing", "only the chunked transfer coding is supported");
		h->framing = SEAM_H1_CHUNKED;
	} else if (n_cl) {
		if (h->content_length > lim->body_limit)
			FAIL(413, "body_too_large", "the body is larger than the limit");
		h->framing = h->content_length ? SEAM_H1_LENGTH : SEAM_H1_NO_BODY;
	}
	h->keep_alive = h->minor == 1 ? !close_ : (keep && !close_);
	if (h->framing == SEAM_H1_NO_BODY)
		h->expect_continue = 0;
	return 1;
}

int seam_h1_parse_head(const char *buf, size_t len, seam_h1_scan_t *sc,
		       const seam_h1_limits_t *lim, seam_h1_head_t *h, seam_h1_error_t *err)
{
	size_t i, end = 0;
	memset(h, 0, sizeof *h);
	/* §2.2: skip empty lines before the request line */
	while (sc->start + 1 < len && buf[sc->start] == '\r' && buf[sc->start + 1] == '\n')
		sc->start += 2;
	if (sc->pos < sc->start)
		sc->pos = sc->start;
	for (i = sc->pos; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (!sc->line_done) {
			sc->line_done = 1;
			if (i + 1 - sc->start > lim->line_limit)
				FAIL(414, "uri_too_long", "the request line is longer than the limit");
			continue;
		}
		/* an empty line: "\n\r\n" (or "\n\n", which the full pass refuses) */
		if ((i >= sc->start + 1 && buf[i - 1] == '\n') ||
		    (i >= sc->start + 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n')) {
			end = i + 1;
			break;
		}
	}
	sc->pos = i;
	if (!end) {
		if (!sc->line_done && len - sc->start > lim->line_limit)
			FAIL(414, "uri_too_long", "the request line is longer than the limit");
		if (len > lim->head_limit)
			FAIL(431, "header_too_large", "the request header section is larger than the limit");
		return 0;
	}
	if (end > lim->head_limit)
		FAIL(431, "header_too_large", "the request header section is larger than the limit");
	/* a bare LF (one not after CR) anywhere in the head */
	for (size_t k = sc->start; k < end; k++)
		if (buf[k] == '\n' && (k == sc->start || buf[k - 1] != '\r')) {
			/* still fill the request line for the access log when it is sound */
			seam_h1_error_t ignore;
			seam_h1_head_t *hh = h;
			if (parse_request_line(buf, sc->start, end, hh, &ignore) < 0)
				memset(h, 0, sizeof *h);
			FAIL(400, "bad_request", "a line ends with a bare LF; lines end with CRLF");
		}
	return parse_full(buf, sc->start, end, lim, h, err);
}

/* ---------- chunked (§7.1) ---------- */

enum {
	CH_SIZE,       /* hex digits */
	CH_EXT,        /* after the size: chunk extensions, up to CR */
	CH_SIZE_LF,    /* LF after the size line */
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,    /* at the start of a trailer line (or the final empty line) */
	CH_TRAILER_LN, /* inside a trailer line */
	CH_TRAILER_LF, /* LF after a trailer line */
	CH_END_LF,     /* LF of the final empty line */
	CH_DONE,
};

#define CH_LINE_MAX 1024     /* a size line with extensions */
#define CH_TRAILERS_MAX 8192 /* the whole trailer section */

void seam_h1_chunked_init(seam_h1_chunked_t *c, uint64_t limit)
{
	memset(c, 0, sizeof *c);
	c->state = CH_SIZE;
	c->limit = limit;
}

int seam_h1_chunked_done(const seam_h1_chunked_t *c)
{
	return c->state == CH_DONE;
}

long seam_h1_chunked_decode(seam_h1_chunked_t *c, const char *in, size_t len, char *out,
			    size_t *out_len, seam_h1_error_t *err)
{
	size_t i = 0, o = 0;
	while (i < len && c->state != CH_DONE) {
		unsigned char ch = (unsigned char)in[i];
		switch (c->state) {
		case CH_DATA: {
			size_t n = len - i;
			if (n > c->left)
				n = (size_t)c->left;
			memmove(out + o, in + i, n);
			o += n;
			i += n;
			c->left -= n;
			if (!c->left)
				c->state = CH_DATA_CR;
			continue;
		}
		case CH_SIZE: {
			int v = seam_hex_digit(ch);
			if (v >= 0) {
				if (++c->digits > 15)
					FAIL(400, "bad_framing", "a chunk size has too many digits");
				c->left = c->left * 16 + (uint64_t)v;
				break;
			}
			if (!c->digits)
				FAIL(400, "bad_framing", "a chunk size line does not start with hex digits");
			if (c->left > c->limit - c->total)
				FAIL(413, "body_too_large", "a chunk takes the body over the limit");
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';' || ch == ' ' || ch == '\t')
				c->state = CH_EXT;
			else
				FAIL(400, "bad_framing", "a chunk size line has a stray byte");
			break;
		}
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (!value_byte(ch))
				FAIL(400, "bad_framing", "a chunk extension has a control byte");
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				FAIL(400, "bad_framing", "a chunk size line ends with a bare CR");
			c->total += c->left;
			c->line = 0;
			c->digits = 0;
			c->state = c->left ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA_CR:
			if (ch != '\r')
				FAIL(400, "bad_framing", "chunk data is longer than its size");
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				FAIL(400, "bad_framing", "chunk data ends with a bare CR");
			c->state = CH_SIZE;
			break;
		case CH_TRAILER:
			if (ch == '\r') {
				c->state = CH_END_LF;
				break;
			}
			if (ch == ' ' || ch == '\t' || !tchar[ch])
				FAIL(400, "bad_framing", "a trailer line is not 'name: value'");
			c->state = CH_TRAILER_LN;
			break;
		case CH_TRAILER_LN:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (!value_byte(ch))
				FAIL(400, "bad_framing", "a trailer has a control byte");
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				FAIL(400, "bad_framing", "a trailer line ends with a bare CR");
			c->state = CH_TRAILER;
			break;
		case CH_END_LF:
			if (ch != '\n')
				FAIL(400, "bad_framing", "the chunked body ends with a bare CR");
			c->state = CH_DONE;
			break;
		}
		i++;
		if (c->state == CH_EXT || c->state == CH_SIZE) {
			if (++c->line > CH_LINE_MAX)
				FAIL(400, "bad_framing", "a chunk size line is too long");
		} else if (c->state >= CH_TRAILER && c->state <= CH_END_LF) {
			if (++c->trailers > CH_TRAILERS_MAX)
				FAIL(431, "header_too_large", "the chunked trailer section is too large");
		}
	}
	*out_len = o;
	return (long)i;
}
