/*
 * session.c: connections, their outgoing queues and writes (see session.h).
 *
 * Writes: the frames waiting for one client are copied into one buffer and
 * sent with a single lws_write(LWS_WRITE_RAW), because a write costs a system
 * call whatever its size (shared/NOTES.md). lws keeps what the socket did not
 * take and calls us back when it drained.
 */
#include "session.h"
#include "events.h"
#include "frame.h"
#include "metrics.h"
#include "rt.h"
#include "server.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#define WRITE_BATCH (64 * 1024)

struct session *session_new(struct server *srv, struct lws *wsi, int is_http)
{
	struct session *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (is_http && !(s->http = calloc(1, sizeof *s->http))) {
		free(s);
		return NULL;
	}
	s->refs = 1;
	s->srv = srv;
	s->wsi = wsi;
	s->is_http = is_http;
	if (wsi)
		lws_get_peer_simple(wsi, s->peer, sizeof s->peer);
	server_link_session(srv, s);
	return s;
}

struct session *session_ref(struct session *s)
{
	s->refs++;
	return s;
}

static void queue_clear(struct session *s)
{
	while (s->q_len) {
		frame_unref(s->q[s->q_head]);
		s->q_head = (s->q_head + 1) % s->q_cap;
		s->q_len--;
	}
	s->q_bytes = 0;
}

void session_unref(struct session *s)
{
	if (!s || --s->refs > 0)
		return;
	queue_clear(s);
	free(s->q);
	free(s->rx);
	free(s->subs);
	if (s->http) {
		free(s->http->body);
		free(s->http->resp);
		free(s->http);
	}
	free(s);
}

void session_closed(struct session *s)
{
	if (s->closed)
		return;
	s->closed = 1;
	s->wsi = NULL;
	events_unsubscribe_all(s);
	queue_clear(s);
	server_unlink_session(s->srv, s);
	session_unref(s);
}

static int queue_grow(struct session *s)
{
	size_t cap = s->q_cap ? s->q_cap * 2 : 8;
	struct frame **q = malloc(cap * sizeof *q);
	if (!q)
		return -1;
	for (size_t i = 0; i < s->q_len; i++)
		q[i] = s->q[(s->q_head + i) % s->q_cap];
	free(s->q);
	s->q = q;
	s->q_head = 0;
	s->q_cap = cap;
	return 0;
}

/* Queues f. An event past the bounds (or any frame when memory runs out)
 * cuts the client off; a reply is always queued, and once the queue passes
 * SESSION_QUEUE_HIGH reading stops until it drains (session_write). */
static void enqueue(struct session *s, struct frame *f, int is_reply)
{
	/* Closing (close_code): what was queued before still goes out, nothing new. */
	if (s->closed || s->cut_off || s->close_code || !f)
		return;
	if ((!is_reply && (s->q_len >= SESSION_QUEUE_MAX_FRAMES || s->q_bytes + f->len > SESSION_QUEUE_MAX_BYTES)) ||
	    (s->q_len == s->q_cap && queue_grow(s) != 0)) {
		/* A client that stops reading must not hold the server's memory. */
		s->cut_off = 1;
		metrics_drop();
		rt_log(LOG_WARN, "cut off a client at %s that stopped reading (%zu frames waiting)", s->peer, s->q_len);
		queue_clear(s);
		if (s->wsi) /* NULL: a session with no connection (fuzzing) */
			lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	s->q[(s->q_head + s->q_len) % s->q_cap] = frame_ref(f);
	s->q_len++;
	s->q_bytes += f->len;
	if (is_reply && s->q_bytes >= SESSION_QUEUE_HIGH && !s->rx_full && s->wsi) {
		/* lws keeps what it has read and hands it over once reading resumes */
		s->rx_full = 1;
		if (!s->rx_paused)
			lws_rx_flow_control(s->wsi, 0);
	}
	if (s->wsi)
		lws_callback_on_writable(s->wsi);
}

void session_send(struct session *s, struct frame *f)
{
	enqueue(s, f, 0);
}

void session_send_json(struct session *s, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	struct frame *f = text ? frame_text(text, strlen(text)) : NULL;
	session_send(s, f);
	frame_unref(f);
	free(text);
	json_decref(obj);
}

/* A reply to the client's own request: never cut off (see enqueue). */
static void send_reply(struct session *s, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	struct frame *f = text ? frame_text(text, strlen(text)) : NULL;
	enqueue(s, f, 1);
	frame_unref(f);
	free(text);
	json_decref(obj);
}

void session_reply_ok(struct session *s, json_t *id, json_t *data)
{
	send_reply(s, json_pack("{s:O?, s:b, s:o}", "id", id, "ok", 1, "data", data ? data : json_object()));
}

void session_reply_err(struct session *s, json_t *id, int err, const char *message,
                       const char *field, json_t *data)
{
	json_t *e = json_pack("{s:s, s:s}", "code", rt_err_code(err), "message",
	                      message && *message ? message : rt_err_code(err));
	if (field)
		json_object_set_new(e, "field", json_string(field));
	if (data)
		json_object_set_new(e, "data", data);
	send_reply(s, json_pack("{s:O?, s:b, s:o}", "id", id, "ok", 0, "error", e));
}

void session_rx_handled(struct session *s)
{
	if (++s->rx_burst < SESSION_RX_BURST || s->rx_paused || !s->wsi)
		return;
	/* lws keeps the rest of what it has read and hands it over once
	 * reading is enabled again. */
	if (!s->rx_full)
		lws_rx_flow_control(s->wsi, 0);
	s->rx_paused = 1;
	lws_callback_on_writable(s->wsi); /* resumes even with nothing queued */
}

void session_rx_heavy(struct session *s)
{
	if (s->rx_burst < SESSION_RX_BURST - 1)
		s->rx_burst = SESSION_RX_BURST - 1; /* session_rx_handled pauses */
}

/* Ends a burst, and a full queue once it drained under SESSION_QUEUE_LOW:
 * reading resumes if it paused and nothing else holds it. */
static void rx_resume(struct session *s)
{
	int was = s->rx_paused || s->rx_full;
	s->rx_burst = 0;
	s->rx_paused = 0;
	if (s->rx_full && s->q_bytes < SESSION_QUEUE_LOW)
		s->rx_full = 0;
	if (was && !s->rx_full)
		lws_rx_flow_control(s->wsi, 1);
}

int session_write(struct session *s)
{
	static unsigned char batch[LWS_PRE + WRITE_BATCH];
	unsigned char *p = batch + LWS_PRE;
	size_t used = 0;

	if (s->cut_off)
		return -1;
	if (s->close_code && !s->q_len) {
		/* The replies queued before the close went out first. */
		const char *reason = s->close_reason ? s->close_reason : "";
		lws_close_reason(s->wsi, (enum lws_close_status)s->close_code, (unsigned char *)reason, strlen(reason));
		return -1;
	}
	/* A turn of the loop has passed and the socket takes writes again (lws
	 * holds back this callback while it cannot): the next burst may start. */
	rx_resume(s);
	if (!s->q_len) {
		events_continue(s); /* a subscription catching up gets its next batch */
		return 0;
	}
	/* A frame bigger than the batch goes out alone, from its own buffer. */
	if (s->q[s->q_head]->len > WRITE_BATCH) {
		struct frame *f = s->q[s->q_head];
		int n = lws_write(s->wsi, f->data, f->len, LWS_WRITE_RAW);
		s->q_head = (s->q_head + 1) % s->q_cap;
		s->q_len--;
		s->q_bytes -= f->len;
		frame_unref(f);
		if (n < 0)
			return -1;
	} else {
		while (s->q_len && used + s->q[s->q_head]->len <= WRITE_BATCH) {
			struct frame *f = s->q[s->q_head];
			memcpy(p + used, f->data, f->len);
			used += f->len;
			s->q_head = (s->q_head + 1) % s->q_cap;
			s->q_len--;
			s->q_bytes -= f->len;
			frame_unref(f);
		}
		if (lws_write(s->wsi, p, used, LWS_WRITE_RAW) < 0)
			return -1;
	}
	if (s->rx_full && s->q_bytes < SESSION_QUEUE_LOW) {
		s->rx_full = 0; /* drained: a client slowed by its replies reads again */
		if (!s->rx_paused)
			lws_rx_flow_control(s->wsi, 1);
	}
	if (s->q_len || s->close_code)
		lws_callback_on_writable(s->wsi);
	else
		events_continue(s);
	return 0;
}

void session_sign_in(struct session *s, int64_t member_id, int is_admin,
                     const unsigned char token_hash[32])
{
	/* Another member (or nobody) now: the old member's rooms are not theirs. */
	if (member_id != s->member_id)
		events_unsubscribe_all(s);
	s->member_id = member_id;
	s->is_admin = member_id ? is_admin : 0;
	s->has_token = member_id && token_hash;
	if (s->has_token)
		memcpy(s->token_hash, token_hash, 32);
	else
		memset(s->token_hash, 0, sizeof s->token_hash);
	server_session_auth_changed(s);
}
