/*
 * server.h: the listener. One libwebsockets context serves HTTP (the web
 * client's files, /healthz, /api/session) and the WebSocket endpoint /ws with
 * the subprotocol roundtable.v1, on one event loop thread.
 */
#ifndef RT_SERVER_H
#define RT_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct session;
struct frame;
struct lws_context;

#define MAX_ORIGINS 16

struct server_config {
	const char *data_dir;
	char host[64];
	int port;
	const char *web_dir;
	size_t max_message;
	const char *origins[MAX_ORIGINS];
	int n_origins;
	const char *tls_cert, *tls_key; /* both or neither */
};

struct server {
	struct server_config cfg;
	struct lws_context *ctx;
	struct db *db;
	struct session *sessions; /* every live connection */
	char allowed[MAX_ORIGINS + 2][256];
	int n_allowed;
};

/* Serves until SIGINT or SIGTERM. Returns a process exit code. */
int server_run(const struct server_config *cfg);

/* Bookkeeping of live sessions (called by session.c). */
void server_link_session(struct server *srv, struct session *s);
void server_unlink_session(struct server *srv, struct session *s);

/* The frame of an event: {"event","coalition","seq","data"} with payload as
 * data (JSON text). The caller owns the frame (frame_unref). */
struct frame *server_event_frame(const char *slug, const char *type, int64_t seq,
                                 const char *payload);

/* Signs out every connection using the session with this token hash. */
void server_end_session(struct server *srv, const unsigned char token_hash[32]);

/* Wakes the event loop from another thread (finished background work). */
void server_wake(struct server *srv);

/* Is this Origin header value allowed? (exact match against the allow list) */
int server_origin_allowed(const struct server *srv, const char *origin);

#endif
