/*
 * session.h: one client connection, WebSocket or HTTP, free of transport
 * details: who is signed in, the message being gathered, the bounded queue of
 * outgoing frames, the coalitions it follows. Sessions are refcounted so that
 * work finishing off the event loop (a password hash) can find out that its
 * connection went away meanwhile (s->closed) without touching freed memory.
 */
#ifndef RT_SESSION_H
#define RT_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "frame.h"

struct lws;
struct frame;
struct server;
struct room;

/* Limits of one session's outgoing queue: past either, the client is cut off
 * (it reconnects and catches up with coalition.subscribe {since}). */
#define SESSION_QUEUE_MAX_FRAMES 8192
#define SESSION_QUEUE_MAX_BYTES (16u << 20)
/* Messages one connection may have handled per turn of the event loop: a
 * client pipelining thousands of requests waits for the next write to it (a
 * later turn, and only once its socket takes data: back-pressure) every so
 * many, so everyone else's requests are handled in between. */
#define SESSION_RX_BURST 16
/* Back-pressure on a client's own replies (issue 22): once its queue holds
 * SESSION_QUEUE_HIGH bytes, reading from its socket stops until the queue is
 * back under SESSION_QUEUE_LOW. Replies are never cut off: a client that
 * pipelines is slowed; only events (which it did not ask for) count against
 * SESSION_QUEUE_MAX_*. */
#define SESSION_QUEUE_HIGH (4u << 20)
#define SESSION_QUEUE_LOW (1u << 20)

struct sub {
	struct room *room;
	size_t idx; /* position in room->subs */
	unsigned roles;
	int64_t coalition_id;
	/* Still replaying stored events after replay_after (a chain seq) that
	 * come after the wire seq since (own private ones: after pseq
	 * since_private when >= 0): live events are not queued meanwhile (they
	 * are in the database and come in order). */
	int catching_up;
	int64_t replay_after, since, since_private;
};

/* The HTTP half of a session (POST /api/session and the like), allocated
 * only for HTTP connections so that a WebSocket connection does not carry it. */
struct session_http {
	char *body;         /* the request body */
	size_t body_len;
	int status;
	char *resp;         /* the response body, malloc'd */
	size_t resp_len;
	char resp_type[64]; /* its Content-Type; "" for application/json */
	char headers[512];  /* extra header lines, each ending in \r\n */
	int resp_ready;
	char path[128];
	int method;         /* 1 POST, 2 DELETE */
	int secure;         /* reached over HTTPS (here or at a trusted proxy): cookies are Secure */
};

struct session {
	int refs;
	int closed;   /* the connection is gone; wsi is NULL */
	int is_http;
	struct lws *wsi;
	struct server *srv;
	char peer[64]; /* the client's address (X-Forwarded-For of a trusted proxy, else the peer) */
	int conn_counted; /* in the server's connection counts (server.c) */
	int conn_unauth;  /* ... as a connection not signed in */

	/* signed in */
	int64_t member_id;
	int is_admin;
	/* who the session will be once the group commit being run is answered,
	 * when one of its requests signs in or out (dispatch.c) */
	int batch_signed;
	int batch_admin;
	int64_t batch_member;
	int has_token;
	unsigned char token_hash[32];

	/* the incoming message being gathered */
	char *rx;
	size_t rx_len, rx_cap;
	int rx_binary;
	struct utf8_state rx_utf8; /* the check of the text message so far */
	/* Fairness: messages handled since the last write; past
	 * SESSION_RX_BURST, reading pauses (rx_paused) until the next one. */
	int rx_burst;
	int rx_paused;
	int rx_full; /* reading stopped: the queue passed SESSION_QUEUE_HIGH */

	/* outgoing frames, a ring */
	struct frame **q;
	size_t q_head, q_len, q_cap, q_bytes;
	int cut_off;
	int close_code;           /* closing with this code once the queue is written (e.g. 1009) */
	const char *close_reason; /* and this reason (a static string) */

	/* coalitions followed */
	struct sub *subs;
	size_t n_subs;

	struct session_http *http; /* HTTP connections only; NULL for WebSockets */

	struct session *prev, *next; /* every live session of the server */
};

/* A new session (refs 1) for a connection (with its HTTP half if is_http).
 * NULL on OOM. */
struct session *session_new(struct server *srv, struct lws *wsi, int is_http);
struct session *session_ref(struct session *s);
/* Drops a reference; frees the session at zero. Accepts NULL. */
void session_unref(struct session *s);
/* The connection closed: forget the wsi, leave every room, drop queued frames,
 * drop the connection's reference. */
void session_closed(struct session *s);

/* Appends a frame (taking a reference) to the queue and asks for a write.
 * If the queue is over its limits, the client is cut off instead. */
void session_send(struct session *s, struct frame *f);
/* Serializes a JSON object once, frames it, sends it. Steals obj. */
void session_send_json(struct session *s, json_t *obj);
/* Sends {"id":id,"ok":true,"data":data}. Steals data (NULL means {}). */
void session_reply_ok(struct session *s, json_t *id, json_t *data);
/* Sends {"id":id,"ok":false,"error":{code,message,field?,data?}}. Steals data. */
void session_reply_err(struct session *s, json_t *id, int err, const char *message,
                       const char *field, json_t *data);

/* Writes as many queued frames as fit in one write, and resumes reading if
 * a burst paused it (or the queue stopped it and is now under
 * SESSION_QUEUE_LOW). Returns -1 to close. */
int session_write(struct session *s);
/* Counts one message handled; past SESSION_RX_BURST, pauses reading from the
 * connection until the next write to it (a later turn of the event loop). */
void session_rx_handled(struct session *s);
/* The message being handled is costly (OP_HEAVY): it ends the burst, so the
 * connection's next message waits for a later turn. */
void session_rx_heavy(struct session *s);

/* Signs the session in (or out, with member_id 0). Becoming another member
 * (or nobody) leaves every room the previous member followed. */
void session_sign_in(struct session *s, int64_t member_id, int is_admin,
                     const unsigned char token_hash[32]);

#endif
