/*
 * csv.c: the CSV field writer of the exports (see csv.h).
 *
 * Text typed by people is decoded as UTF-8 only to look at two kinds of
 * characters: the invisible ones a formula can hide behind (spaces, controls,
 * format characters) and the bidi and zero-width controls that make a cell
 * show something other than what it holds. Everything else is copied byte for
 * byte; a byte that is not valid UTF-8 counts as an ordinary character.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

/* Decodes one UTF-8 character at p: its code point into *cp, its length
 * returned (1 with *cp = 0xFFFD for a byte that does not start a valid one). */
static int utf8_next(const unsigned char *p, unsigned *cp)
{
	int n = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3
	      : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	unsigned c = n == 1 ? p[0] : n == 2 ? p[0] & 0x1F : n == 3 ? p[0] & 0x0F : p[0] & 0x07;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			n = 0;
			break;
		}
		c = c << 6 | (p[i] & 0x3F);
	}
	if (n == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return n;
}

/* Bidi controls and invisible characters that are dropped from text fields:
 * the embeddings, overrides and isolates (U+202A-202E, U+2066-2069) and the
 * marks (U+200E, U+200F, U+061C) reorder what a cell shows; the zero-width
 * space, word joiner and invisible operators (U+200B, U+2060-2064), U+FEFF
 * and U+180E hide text. ZWNJ and ZWJ (U+200C, U+200D) stay: Persian, the
 * Indic scripts and emoji need them, and they reorder nothing. */
static int dropped(unsigned c)
{
	return c == 0x061C || c == 0x180E || c == 0x200B || c == 0x200E || c == 0x200F ||
	       (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

/* What a spreadsheet may skip before reading a formula: every Unicode space
 * (Zs: U+0020, U+00A0, U+1680, U+2000-200A, U+202F, U+205F, U+3000), the
 * line and paragraph separators (U+2028, U+2029), every control character
 * (C0, DEL, C1) and the dropped characters above. */
static int leading_blank(unsigned c)
{
	return c <= 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || dropped(c);
}

void csv_field(FILE *f, const char *s, int text)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	unsigned c = 0;
	int n;

	fputc('"', f);
	if (text) {
		const unsigned char *q = p;
		int guard = *q == '\t' || *q == '\r';
		while (*q && (n = utf8_next(q, &c), leading_blank(c)))
			q += n;
		if (guard || *q == '=' || *q == '+' || *q == '-' || *q == '@')
			fputc('\'', f);
	}
	while (*p) {
		n = text ? utf8_next(p, &c) : 1;
		if (text && dropped(c)) {
			p += n;
			continue;
		}
		if (*p == '"')
			fputc('"', f);
		fwrite(p, 1, (size_t)n, f);
		p += n;
	}
	fputc('"', f);
}
void csv_value(FILE *f, const json_t *v)
{
	char buf[64] = "";
	if (json_is_string(v)) {
		csv_field(f, json_string_value(v), 1);
		return;
	}
	if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "yes" : "no");
	csv_field(f, buf, 0);
}

void csv_next(FILE *f, int last)
{
	fputs(last ? "\r\n" : ",", f);
}

char *csv_field_string(const char *s, int text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	csv_field(f, s, text);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
