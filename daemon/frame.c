/*
 * frame.c: shared, refcounted WebSocket text frames (RFC 6455 section 5.2).
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
