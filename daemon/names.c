/*
 * names.c: the display-name rule and the git-safe form of a stored name
 * (see names.h).
 */
#include "names.h"

#include <stdio.h>
#include <string.h>

enum { C_TEXT, C_SPACE, C_CONTROL, C_ANGLE, C_INVISIBLE, C_NONCHAR };

/* Decodes one character of p (n bytes left, n > 0): its length in bytes,
 * or 0 when the bytes there are not valid UTF-8 (a stray continuation byte,
 * an overlong form, a surrogate, beyond U+10FFFF, or cut short). */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* What a character is to a name. */
static int char_class(uint32_t c)
{
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029)
		return C_CONTROL;
	if (c == '<' || c == '>')
		return C_ANGLE;
	if (c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || (c >= 0x200b && c <= 0x200d) || c == 0x2060 || c == 0xfeff)
		return C_INVISIBLE;
	if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
		return C_NONCHAR;
	if (c == ' ' || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f ||
	    c == 0x3000)
		return C_SPACE;
	return C_TEXT;
}

const char *name_check(const char *in, char out[NAME_BYTES_MAX + 1])
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in), i = 0, start = 0, end = 0, chars = 0, len;
	int seen = 0;
	uint32_t c;

	out[0] = '\0';
	while (i < n) {
		if (!(len = utf8_next(p + i, n - i, &c)))
			return "name must be valid UTF-8";
		switch (char_class(c)) {
		case C_CONTROL:
			return "name must be one line of printable text (no line breaks, tabs or control characters)";
		case C_ANGLE:
			return "name must not contain < or >";
		case C_INVISIBLE:
			return "name must not contain invisible or text-direction characters";
		case C_NONCHAR:
			return "name must not contain noncharacters";
		case C_TEXT:
			if (!seen)
				start = i;
			seen = 1;
			end = i + len;
			break;
		}
		i += len;
	}
	if (!seen)
		return "name must not be empty";
	for (i = start; i < end; i++)
		chars += (p[i] & 0xc0) != 0x80;
	if (chars > NAME_CHARS_MAX)
		return "name has at most 100 characters";
	memcpy(out, in + start, end - start);
	out[end - start] = '\0';
	return NULL;
}

void name_for_git(const char *in, int64_t member_id, char out[NAME_BYTES_MAX + 1])
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)p), i = 0, o = 0, chars = 0, len;
	int space = 0;
	uint32_t c;

	while (i < n && chars < NAME_CHARS_MAX) {
		const unsigned char *at = p + i;
		int bad = 0;
		if (!(len = utf8_next(at, n - i, &c))) {
			bad = 1;
			len = 1;
			c = 0xfffd;
		}
		i += len;
		if (char_class(c) != C_TEXT) {
			space = o > 0; /* a space in place, kept only between words */
			continue;
		}
		if (space) {
			if (chars + 2 > NAME_CHARS_MAX)
				break;
			out[o++] = ' ';
			chars++;
			space = 0;
		}
		if (bad) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			memcpy(out + o, at, len);
			o += len;
		}
		chars++;
	}
	out[o] = '\0';
	if (!o)
		snprintf(out, NAME_BYTES_MAX + 1, "Member %lld", (long long)member_id);
}
