/*
 * events.h: live fan-out of coalition events. A room per coalition holds its
 * subscribed sessions in an array (O(1) join and leave). An event committed
 * by a request is serialized and framed once; every subscriber allowed to see
 * it gets a reference to the same frame in its queue.
 */
#ifndef RT_EVENTS_H
#define RT_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct server;
struct frame;
struct event_row;

/* An event appended inside a request's transaction and waiting for its
 * commit: then it is fanned out; after a rollback it is dropped. */
struct pending_event {
	int64_t coalition_id, seq; /* seq: the wire seq */
	int audience;
	int64_t audience_member;
	int64_t member_updated;  /* member.updated: whose roles changed */
	unsigned roles_updated;
	struct frame *frame;
	struct pending_event *next;
};

/* Sends the session the events of the coalition after `since` that it may see
 * (oldest first, in batches as its queue drains), then live events. Returns
 * the number queued now or an rt_err. */
int events_subscribe(struct session *s, int64_t coalition_id, unsigned roles, int64_t since,
                     int64_t since_private);
/* The wire form of a stored event: {"event","coalition","seq","data"}, or for
 * an event to one member (from schema 010 on) "private": its pseq instead of
 * "seq", so that it takes nothing from the sequence the others see. */
struct frame *events_frame(const char *slug, const struct event_row *ev);
/* Queues the next batch of stored events for subscriptions still catching
 * up (called when the session's queue has drained). */
void events_continue(struct session *s);
/* Leaves every room. */
void events_unsubscribe_all(struct session *s);
/* Delivers a committed event to the room's subscribers that may see it. */
void events_publish(const struct pending_event *ev);
/* Frees a list of pending events. */
void events_free_pending(struct pending_event *list);
/* Frees every room (at shutdown). */
void events_shutdown(void);
/* How many sessions follow a coalition (for metrics and tests). */
size_t events_room_size(int64_t coalition_id);

#endif
