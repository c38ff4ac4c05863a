/*
 * render.c: markdown through discount, then an allow-list pass (see render.h).
 *
 * The pass trusts nothing of discount's output: text outside tags is copied
 * (discount has already entity-escaped it; a stray '<' or '>' is escaped
 * again), each tag is rebuilt from its name and the few attributes allowed
 * for it, and anything else is dropped.
 */
#include "render.h"

#include <ctype.h>
#include <mkdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define FLAGS (MKD_NOHTML | MKD_SAFELINK | MKD_NO_EXT | MKD_NOIMAGE | MKD_NODIVQUOTE | MKD_NOSTYLE | \
               MKD_FENCEDCODE | MKD_AUTOLINK | MKD_NOHEADER | MKD_NOPANTS)

static const char *const allowed_tags[] = {
	"p", "br", "hr", "em", "strong", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
	"h1", "h2", "h3", "h4", "h5", "h6", "a", "del", "sup", "sub", "table", "thead", "tbody",
	"tr", "th", "td", "dl", "dt", "dd", NULL
};

struct out {
	char *buf;
	size_t len, cap;
	int oom;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *b;
		while (cap < o->len + n + 1)
			cap *= 2;
		if (!(b = realloc(o->buf, cap))) {
			o->oom = 1;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static int tag_allowed(const char *name, size_t n)
{
	for (int i = 0; allowed_tags[i]; i++)
		if (strlen(allowed_tags[i]) == n && strncasecmp(allowed_tags[i], name, n) == 0)
			return 1;
	return 0;
}

/* Decodes the entities discount writes in attribute values (numeric ones,
 * which it uses to obfuscate mailto links, and &amp; &quot; &lt; &gt;) into
 * out. Returns the decoded length, or -1 if the value is not plain. */
static long decode_attr(const char *v, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned long c = (unsigned char)v[i];
		if (c == '&') {
			const char *semi = memchr(v + i, ';', n - i);
			if (!semi)
				return -1;
			if (v[i + 1] == '#') {
				char *e;
				c = (v[i + 2] == 'x' || v[i + 2] == 'X') ? strtoul(v + i + 3, &e, 16) : strtoul(v + i + 2, &e, 10);
				if (e != semi || c == 0 || c > 0x7e)
					return -1; /* only printable ASCII may hide in an entity */
			} else if (semi - (v + i) == 4 && strncmp(v + i, "&amp", 4) == 0) {
				c = '&';
			} else if (semi - (v + i) == 5 && strncmp(v + i, "&quot", 5) == 0) {
				c = '"';
			} else {
				return -1;
			}
			i = (size_t)(semi - v);
		}
		if (k + 1 >= cap)
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return (long)k;
}

/* Writes an attribute value, escaped. */
static void put_attr(struct out *o, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (v[i]) {
		case '&': puts_(o, "&amp;"); break;
		case '"': puts_(o, "&quot;"); break;
		case '<': puts_(o, "&lt;"); break;
		case '>': puts_(o, "&gt;"); break;
		default: put(o, v + i, 1);
		}
	}
}

/* Is this decoded URL an http, https or mailto link with no control or space characters? */
static int href_ok(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return 0;
	return strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0 ||
	       strncasecmp(v, "mailto:", 7) == 0;
}

/* Rebuilds one tag from [p, end) (without the angle brackets). */
static void emit_tag(struct out *o, const char *p, const char *end)
{
	int closing = 0;
	const char *name;
	size_t n;

	if (p < end && *p == '/') {
		closing = 1;
		p++;
	}
	name = p;
	while (p < end && isalnum((unsigned char)*p))
		p++;
	n = (size_t)(p - name);
	if (!n || !tag_allowed(name, n))
		return;
	puts_(o, closing ? "</" : "<");
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)name[i]);
		put(o, &c, 1);
	}
	if (!closing && n == 1 && tolower((unsigned char)name[0]) == 'a') {
		/* keep href (checked) and title; nothing else */
		while (p < end) {
			const char *an, *vs, *ve;
			char val[2048];
			long dl;
			size_t anl;
			while (p < end && isspace((unsigned char)*p))
				p++;
			an = p;
			while (p < end && (isalnum((unsigned char)*p) || *p == '-'))
				p++;
			anl = (size_t)(p - an);
			if (!anl) {
				p++;
				continue;
			}
			if (p >= end || *p != '=' || p + 1 >= end || p[1] != '"')
				continue;
			vs = p + 2;
			ve = memchr(vs, '"', (size_t)(end - vs));
			if (!ve)
				break;
			p = ve + 1;
			if (memchr(vs, '<', (size_t)(ve - vs)) || memchr(vs, '>', (size_t)(ve - vs)))
				continue;
			dl = decode_attr(vs, (size_t)(ve - vs), val, sizeof val);
			if (dl < 0)
				continue;
			if (anl == 4 && strncasecmp(an, "href", 4) == 0 && href_ok(val, (size_t)dl)) {
				puts_(o, " href=\"");
				put_attr(o, val, (size_t)dl);
				puts_(o, "\" rel=\"nofollow noopener noreferrer\"");
			} else if (anl == 5 && strncasecmp(an, "title", 5) == 0) {
				puts_(o, " title=\"");
				put_attr(o, val, (size_t)dl);
				puts_(o, "\"");
			}
		}
	}
	puts_(o, ">");
}

char *render_sanitize(const char *html, size_t len)
{
	struct out o = { 0 };
	const char *p = html, *end = html + len;

	put(&o, "", 0);
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		const char *text_end = lt ? lt : end;
		/* text: copy, escaping any stray '>' */
		for (const char *q = p; q < text_end; q++) {
			if (*q == '>')
				puts_(&o, "&gt;");
			else
				put(&o, q, 1);
		}
		if (!lt)
			break;
		const char *gt = memchr(lt, '>', (size_t)(end - lt));
		const char *q2 = lt + 1;
		/* a tag starts with a letter or '/'; anything else was text */
		if (!gt || !(isalpha((unsigned char)*q2) || *q2 == '/') || memchr(lt + 1, '<', (size_t)(gt - lt - 1))) {
			puts_(&o, "&lt;");
			p = lt + 1;
			continue;
		}
		emit_tag(&o, lt + 1, gt);
		p = gt + 1;
	}
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

/* discount's time grows with the square of some inputs, and its stack with
 * the nesting of blocks. Measured on every construct repeated to 64 and 256
 * KiB (bench/mdworst.c, table in bench/RESULTS.md), the quadratic ones are:
 *  - a long run of characters without a space (each emphasis or code
 *    character in it scans the rest of the run): 64 KiB of "_a", 16 s;
 *  - inside one paragraph, each '[', '(' or '<' left open on its line
 *    (discount looks ahead for its end, to the end of the paragraph): 64 KiB
 *    of "[" lines, 0.8 s; of "<a\t" or "</" or "<!--", 0.2 to 0.5 s, and 4 to
 *    8 s at 256 KiB;
 *  - inside one paragraph, each emphasis or code character '*', '_', '`' and
 *    '~' (a weaker scan ahead, about 1/30 of the above): 256 KiB of "__"
 *    lines, 0.4 s;
 * and a line that opens many blocks ("> > > ..." or "- - - ...", each a
 * nested blockquote or list) recurses once per block: 64 KiB of "> >" ran
 * out of stack and crashed.
 * So the cost is estimated first, in one linear pass, in units of about a
 * nanosecond or less (measured: 0.2 to 1 ns each), and the text shown as
 * escaped paragraphs when the estimate passes a budget proportional to its
 * length (RENDER_PER_BYTE units a byte, so the renderings of one request
 * together never take more than that per byte of the request), or when a
 * line opens more than DEPTH_MAX blocks. Ordinary text, a 192 KiB MOU full
 * of links included, stays far below both. */
#define RENDER_PER_BYTE 256u
#define RENDER_FLOOR (64u << 10)
#define SHORT_RUN 32 /* words and ordinary URLs: linear, not counted */
#define DEPTH_MAX 100 /* blocks one line may open, counting two columns of indent as one */

/* The number of blocks the line at p opens: its leading '>' and list
 * markers, and its indentation (two columns a level; the one space after a
 * marker is part of the marker). */
static uint64_t line_depth(const char *p, const char *end)
{
	uint64_t depth = 0, cols = 0;
	while (p < end) {
		if (depth && (*p == ' ' || *p == '\t') && (p[-1] == '>' || p[-1] == '-' || p[-1] == '*' || p[-1] == '+' ||
		                                          p[-1] == '.' || p[-1] == ')')) {
			p++; /* the space that ends a marker */
		} else if (*p == ' ') {
			cols++;
			p++;
		} else if (*p == '\t') {
			cols += 4;
			p++;
		} else if (*p == '>') {
			depth++;
			p++;
		} else if ((*p == '-' || *p == '*' || *p == '+') && p + 1 < end && (p[1] == ' ' || p[1] == '\t')) {
			depth++;
			p++;
		} else if (*p >= '0' && *p <= '9') {
			const char *q = p;
			while (q < end && *q >= '0' && *q <= '9')
				q++;
			if (q + 1 < end && (*q == '.' || *q == ')') && (q[1] == ' ' || q[1] == '\t')) {
				depth++;
				p = q + 1;
			} else {
				break;
			}
		} else {
			break;
		}
	}
	return depth + cols / 2;
}

static int too_costly(const char *src, size_t len)
{
	uint64_t budget = RENDER_FLOOR + (uint64_t)RENDER_PER_BYTE * len;
	uint64_t cost = 0, run = 0, para_len = 0, open_para = 0, emph = 0, open_sq = 0, open_par = 0, open_lt = 0;
	int line_start = 1;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? src[i] : '\n';
		if (line_start) {
			if (line_depth(src + i, src + len) > DEPTH_MAX)
				return 1;
			line_start = 0;
		}
		if (c == '\n' || c == ' ' || c == '\t') {
			cost += run > SHORT_RUN ? 4 * run * run : 0;
			run = 0;
		} else {
			run++;
		}
		switch (c) {
		case '[': open_sq++; break;
		case ']': if (open_sq) open_sq--; break;
		case '(': open_par++; break;
		case ')': if (open_par) open_par--; break;
		case '<':
			if (i + 1 < len && src[i + 1] != ' ' && src[i + 1] != '\t' && src[i + 1] != '\n')
				open_lt++;
			break;
		case '>': if (open_lt) open_lt--; break;
		case '*': case '_': case '`': case '~': emph++; break;
		default: break;
		}
		para_len++;
		if (c == '\n') {
			line_start = 1;
			open_para += open_sq + open_par + open_lt;
			open_sq = open_par = open_lt = 0;
			if (i + 1 >= len || src[i + 1] == '\n') { /* a blank line, or the end */
				cost += open_para * para_len + emph * para_len / 32;
				open_para = emph = para_len = 0;
			}
		}
		if (cost > budget)
			return 1;
	}
	return 0;
}

/* The source as escaped text in <p>, blank lines separating paragraphs. */
static char *render_plain(const char *src, size_t len)
{
	struct out o = { 0 };
	put(&o, "<p>", 3);
	for (size_t i = 0; i < len; i++) {
		switch (src[i]) {
		case '<': puts_(&o, "&lt;"); break;
		case '>': puts_(&o, "&gt;"); break;
		case '&': puts_(&o, "&amp;"); break;
		case '"': puts_(&o, "&quot;"); break;
		case '\n':
			if (i + 1 < len && src[i + 1] == '\n') {
				puts_(&o, "</p>\n<p>");
				while (i + 1 < len && src[i + 1] == '\n')
					i++;
			} else {
				puts_(&o, "<br>\n");
			}
			break;
		default: put(&o, src + i, 1);
		}
	}
	puts_(&o, "</p>");
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}

int render_guarded(const char *src, size_t len)
{
	return too_costly(src, len);
}

char *render_discount_raw(const char *src, size_t len)
{
	MMIOT *doc = NULL;
	char *html = NULL, *out = NULL;
	int n;

	if (len > 0x7fffffff)
		return NULL;
	if (len == 0)
		return strdup("");
	if (!(doc = mkd_string(src, (int)len, FLAGS)) || !mkd_compile(doc, FLAGS))
		goto done;
	n = mkd_document(doc, &html); /* html belongs to doc */
	out = n >= 0 ? render_sanitize(html ? html : "", (size_t)n) : NULL;
done:
	if (doc)
		mkd_cleanup(doc);
	return out;
}

char *render_markdown(const char *src, size_t len)
{
	if (len > 0x7fffffff)
		return NULL;
	if (too_costly(src, len))
		return render_plain(src, len);
	return render_discount_raw(src, len);
}
