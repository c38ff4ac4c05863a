/*
 * events.c: rooms and fan-out (see events.h).
 */
#include "events.h"
#include "frame.h"
#include "metrics.h"
#include "rt.h"
#include "server.h"
#include "session.h"
#include "store_events.h"
#include "store_members.h"

#include <libwebsockets.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stored events are replayed this many at a time: the next batch is read
 * when the session's queue has drained, so a long absence never fills it. */
#define REPLAY_BATCH 1000
#define REPLAY_BYTES (4u << 20)

struct room {
	int64_t coalition_id;
	struct session **subs;
	size_t n, cap;
	struct room *next;
};

static struct room *rooms; /* few coalitions per server: a list is enough */

static struct room *room_get(int64_t coalition_id, int create)
{
	struct room *r;
	for (r = rooms; r; r = r->next)
		if (r->coalition_id == coalition_id)
			return r;
	if (!create || !(r = calloc(1, sizeof *r)))
		return NULL;
	r->coalition_id = coalition_id;
	r->next = rooms;
	rooms = r;
	return r;
}

static struct sub *sub_of(struct session *s, struct room *r)
{
	for (size_t i = 0; i < s->n_subs; i++)
		if (s->subs[i].room == r)
			return &s->subs[i];
	return NULL;
}

static void room_remove(struct room *r, size_t idx)
{
	struct session *moved;
	r->subs[idx] = r->subs[--r->n];
	if (idx < r->n && (moved = r->subs[idx]) != NULL)
		sub_of(moved, r)->idx = idx;
}

struct frame *events_frame(const char *slug, const struct event_row *ev)
{
	size_t n;
	char *text;
	struct frame *f = NULL;
	int len;
	if (!ev->pseq) /* shared, or private from before schema 010 */
		return server_event_frame(slug, ev->type, ev->wire_seq, ev->payload);
	n = strlen(slug) + strlen(ev->type) + strlen(ev->payload) + 96;
	if (!(text = malloc(n)))
		return NULL;
	len = snprintf(text, n, "{\"event\":\"%s\",\"coalition\":\"%s\",\"private\":%lld,\"data\":%s}",
	               ev->type, slug, (long long)ev->pseq, ev->payload);
	if (len > 0 && (size_t)len < n)
		f = frame_text(text, (size_t)len);
	free(text);
	return f;
}

struct replay_ctx {
	struct session *s;
	const char *slug;
	int64_t last_seq; /* chain seq of the last event queued */
	int stopped; /* the queue is full enough for now */
};

/* Builds the wire form of a stored event and queues it for one session;
 * stops the batch once the queue holds REPLAY_BYTES. */
static int replay_one(const struct event_row *ev, void *ud)
{
	struct replay_ctx *c = ud;
	struct frame *f;
	if (c->s->q_bytes >= REPLAY_BYTES) {
		c->stopped = 1;
		return 1;
	}
	f = events_frame(c->slug, ev);
	c->last_seq = ev->seq;
	session_send(c->s, f);
	frame_unref(f);
	return 0;
}

/* The stored events could not be read: going on would make the client
 * believe it caught up, or skip what it missed. The connection closes
 * (1011) once what was queued, a prefix of the events, has gone out; the
 * client reconnects and subscribes with `since`, the last seq it got. */
static int replay_failed(struct session *s, int64_t coalition_id)
{
	rt_log(LOG_ERROR, "could not replay the events of coalition %lld to %s; closing the connection",
	       (long long)coalition_id, s->peer);
	if (!s->close_code) {
		s->close_code = LWS_CLOSE_STATUS_UNEXPECTED_CONDITION;
		s->close_reason = "could not read the events; subscribe again with since";
	}
	if (s->wsi)
		lws_callback_on_writable(s->wsi);
	return RT_EINTERNAL;
}

/* Queues the next batch of stored events for a catching-up subscription;
 * when the batch comes back short, the subscription is live from now on
 * (nothing can commit in between: one thread). */
static int replay_batch(struct session *s, struct sub *sub)
{
	char slug[128];
	struct replay_ctx c = { .s = s, .slug = slug };
	int n;
	if (store_coalition_slug(s->srv->db, sub->coalition_id, slug, sizeof slug) != RT_OK)
		return replay_failed(s, sub->coalition_id);
	n = store_events_since(s->srv->db, sub->coalition_id, sub->since, sub->since_private, sub->replay_after,
	                       s->member_id, sub->roles, REPLAY_BATCH, replay_one, &c);
	if (n < 0)
		return replay_failed(s, sub->coalition_id);
	if (n < REPLAY_BATCH && !c.stopped)
		sub->catching_up = 0;
	else if (n > 0)
		sub->replay_after = c.last_seq;
	return n;
}

void events_continue(struct session *s)
{
	for (size_t i = 0; i < s->n_subs && !s->closed; i++)
		if (s->subs[i].catching_up)
			replay_batch(s, &s->subs[i]);
}

int events_subscribe(struct session *s, int64_t coalition_id, unsigned roles, int64_t since,
                     int64_t since_private)
{
	struct room *r = room_get(coalition_id, 1);
	struct sub *sub;

	if (!r)
		return RT_EINTERNAL;
	if ((sub = sub_of(s, r)) != NULL) { /* already following: refresh */
		sub->roles = roles;
		if (!sub->catching_up && (since < store_events_wire_seq(s->srv->db, coalition_id) ||
		                          since_private >= 0)) {
			sub->catching_up = 1;
			sub->replay_after = 0;
			sub->since = since;
			sub->since_private = since_private;
		}
		return sub->catching_up ? replay_batch(s, sub) : 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct session **subs = realloc(r->subs, cap * sizeof *subs);
		if (!subs)
			return RT_EINTERNAL;
		r->subs = subs;
		r->cap = cap;
	}
	sub = realloc(s->subs, (s->n_subs + 1) * sizeof *sub);
	if (!sub)
		return RT_EINTERNAL;
	s->subs = sub;
	s->subs[s->n_subs++] = (struct sub){ .room = r, .idx = r->n, .roles = roles,
	                                     .coalition_id = coalition_id, .catching_up = 1,
	                                     .since = since, .since_private = since_private };
	r->subs[r->n++] = s;
	return replay_batch(s, &s->subs[s->n_subs - 1]);
}

void events_unsubscribe_all(struct session *s)
{
	for (size_t i = 0; i < s->n_subs; i++)
		room_remove(s->subs[i].room, s->subs[i].idx);
	free(s->subs);
	s->subs = NULL;
	s->n_subs = 0;
}

static int may_see(const struct pending_event *ev, const struct session *s, unsigned roles)
{
	switch (ev->audience) {
	case AUD_ALL:
		return 1;
	case AUD_CONVENERS:
		return (roles & ROLE_CONVENER) != 0;
	case AUD_MEMBER:
		return s->member_id == ev->audience_member;
	}
	return 0;
}

void events_publish(const struct pending_event *ev)
{
	struct room *r = room_get(ev->coalition_id, 0);
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct session *s = r->subs[i];
		struct sub *sub = sub_of(s, r);
		/* A member's new roles change what they may see from now on. */
		if (ev->member_updated && s->member_id == ev->member_updated)
			sub->roles = ev->roles_updated;
		if (!sub->catching_up && may_see(ev, s, sub->roles)) {
			session_send(s, ev->frame);
			/* Deliveries to one member are not counted: their number
			 * would count a secret decision's ballots. */
			if (ev->audience != AUD_MEMBER)
				metrics_fanout();
		}
	}
}

void events_free_pending(struct pending_event *list)
{
	while (list) {
		struct pending_event *next = list->next;
		frame_unref(list->frame);
		free(list);
		list = next;
	}
}

void events_shutdown(void)
{
	while (rooms) {
		struct room *next = rooms->next;
		free(rooms->subs);
		free(rooms);
		rooms = next;
	}
}

size_t events_room_size(int64_t coalition_id)
{
	struct room *r = room_get(coalition_id, 0);
	return r ? r->n : 0;
}
