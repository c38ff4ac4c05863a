/*
 * frame.h: a WebSocket text frame built once and shared. The daemon frames
 * server-to-client messages itself (they are unmasked, so one frame's bytes
 * are the same for every recipient): an event is serialized and framed once
 * and the same refcounted buffer sits in every subscriber's queue.
 *
 * Incoming text is checked here too: an incremental UTF-8 validator (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF) that can be fed a
 * message piece by piece, as the fragments and read buffers cut it.
 */
#ifndef RT_FRAME_H
#define RT_FRAME_H

#include <stddef.h>

struct frame {
	int refs;
	size_t len;          /* header + payload */
	unsigned char *data; /* LWS_PRE bytes into buf, so lws may prepend */
	unsigned char buf[];
};

/* A new frame (refs 1) holding a final text frame with this payload; NULL on OOM. */
struct frame *frame_text(const char *payload, size_t len);
/* Takes one more reference; returns f. */
struct frame *frame_ref(struct frame *f);
/* Drops a reference, freeing the frame at zero. Accepts NULL. */
void frame_unref(struct frame *f);

/* Where a UTF-8 check stands between two pieces; all zero at the start. */
struct utf8_state {
	unsigned char need;   /* continuation bytes still expected */
	unsigned char lo, hi; /* the range allowed for the next one */
};

/* Feeds len bytes to the check. Returns 0 while the text is valid so far, -1
 * at the first invalid byte (the state is then meaningless). */
int frame_utf8_feed(struct utf8_state *st, const unsigned char *p, size_t len);
/* Is the text fed so far complete (not cut inside a character)? */
int frame_utf8_complete(const struct utf8_state *st);

#endif
