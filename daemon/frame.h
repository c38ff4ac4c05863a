/*
 * frame.h: a WebSocket text frame built once and shared. The daemon frames
 * server-to-client messages itself (they are unmasked, so one frame's bytes
 * are the same for every recipient): an event is serialized and framed once
 * and the same refcounted buffer sits in every subscriber's queue.
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

#endif
