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
#define MAX_TRUSTED_PROXIES 16

/* An address or a network (ADDR/BITS) of trusted proxies. */
struct netmask {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};

struct server_config {
	const char *data_dir;
	char host[64];
	int port;
	const char *web_dir;
	size_t max_message;
	const char *origins[MAX_ORIGINS];
	int n_origins;
	const char *tls_cert, *tls_key; /* both or neither */
	/* Reverse proxies whose X-Forwarded-For is believed (--trust-proxy). */
	const char *trusted_proxies[MAX_TRUSTED_PROXIES];
	int n_trusted;
	int auth_deadline;      /* seconds a WebSocket may stay without signing in */
	int ping_interval;      /* seconds of silence before a WebSocket is pinged */
	int body_deadline;      /* seconds for a whole HTTP request body */
	int max_conns_per_addr; /* connections not signed in, per client address */
	int max_conns;          /* connections in all */
	char public_origin[256]; /* --public-url as an origin ("" if none) */
	char metrics_token[128]; /* --metrics-token's token ("" if none) */
};

struct server {
	struct server_config cfg;
	struct lws_context *ctx;
	struct db *db;
	struct session *sessions; /* every live connection */
	char allowed[MAX_ORIGINS + 2][256];
	int n_allowed;
	struct netmask trusted[MAX_TRUSTED_PROXIES];
	int n_trusted;
	int n_conns;  /* counted connections (sessions), HTTP and WebSocket */
	int n_unauth; /* of which not signed in */
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

/* Parses "ADDR" or "ADDR/BITS" (IPv4 or IPv6). Returns 0, or -1 if malformed. */
int server_parse_netmask(const char *text, struct netmask *out);

/* A session signed in or out (session_sign_in): moves it between the counts
 * of connections signed in and not (the caps of --max-conns-per-addr). */
void server_session_auth_changed(struct session *s);

/* Is this Origin header value allowed? (exact match against the allow list) */
int server_origin_allowed(const struct server *srv, const char *origin);
/* Takes the exclusive lock of a data directory (roundtable.lock, flock) that
 * serve holds while it runs; the descriptor (kept open: closing it or exiting
 * releases the lock), or -1 with a message if another process holds it. */
int server_lock_data_dir(const char *dir);

#endif
