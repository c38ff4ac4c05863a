/*
 * frame.c: shared, refcounted WebSocket text frames (RFC 6455 section 5.2),
 * and the UTF-8 check of incoming text (RFC 6455 section 8.1, RFC 3629).
 */
#include "frame.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

struct frame *frame_text(const char *payload, size_t len)
{
	size_t hdr = len < 126 ? 2 : len <= 0xffff ? 4 : 10;
	struct frame *f = malloc(sizeof *f + LWS_PRE + hdr + len);
	unsigned char *p;

	if (!f)
		return NULL;
	f->refs = 1;
	f->len = hdr + len;
	f->data = f->buf + LWS_PRE;
	p = f->data;
	*p++ = 0x81; /* FIN, text */
	if (hdr == 2) {
		*p++ = (unsigned char)len;
	} else if (hdr == 4) {
		*p++ = 126;
		*p++ = (unsigned char)(len >> 8);
		*p++ = (unsigned char)len;
	} else {
		*p++ = 127;
		for (int i = 7; i >= 0; i--)
			*p++ = (unsigned char)((unsigned long long)len >> (8 * i));
	}
	memcpy(p, payload, len);
	return f;
}

struct frame *frame_ref(struct frame *f)
{
	f->refs++;
	return f;
}

void frame_unref(struct frame *f)
{
	if (f && --f->refs == 0)
		free(f);
}

int frame_utf8_feed(struct utf8_state *st, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (st->need) {
			if (c < st->lo || c > st->hi)
				return -1;
			st->need--;
			st->lo = 0x80;
			st->hi = 0xbf;
			continue;
		}
		if (c < 0x80)
			continue;
		st->lo = 0x80;
		st->hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			st->need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			st->need = 2;
			if (c == 0xe0)
				st->lo = 0xa0; /* below: overlong */
			else if (c == 0xed)
				st->hi = 0x9f; /* above: UTF-16 surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			st->need = 3;
			if (c == 0xf0)
				st->lo = 0x90; /* below: overlong */
			else if (c == 0xf4)
				st->hi = 0x8f; /* above: past U+10FFFF */
		} else {
			return -1; /* a continuation byte, C0, C1 (overlong) or F5 to FF */
		}
	}
	return 0;
}

int frame_utf8_complete(const struct utf8_state *st)
{
	return st->need == 0;
}
