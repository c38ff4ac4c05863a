/*
 * server.c: the libwebsockets listener (see server.h).
 *
 * One callback serves both protocols: "http" (static files of web/, /healthz,
 * /metrics, /api/session) and "roundtable.v1" (the JSON protocol). The
 * per-connection data holds one pointer to a transport-free struct session.
 * The Origin and the RFC 6455 rules of an upgrade (GET /ws, version 13, a
 * valid key) are checked in LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION;
 * LWS_CALLBACK_HTTP_CONFIRM_UPGRADE is deliberately not handled (lws 4.1.6 has
 * a use-after-free on that path). The close codes the daemon decides itself
 * (1003 binary, 1007 UTF-8, 1009 size, 1002/1007 for a bad close frame) are
 * here too; docs/protocol.md "WebSocket framing" lists them all.
 */
#include "server.h"
#include "auth.h"
#include "db.h"
#include "dispatch.h"
#include "events.h"
#include "frame.h"
#include "metrics.h"
#include "hooks.h"
#include "log.h"
#include "rt.h"
#include "session.h"
#include "store_members.h"
#include "workers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HTTP_BODY_MAX (16 * 1024)

static const char security_headers[] =
	"Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
	"base-uri 'none'; form-action 'self'\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"X-Frame-Options: DENY\r\n"
	"Referrer-Policy: no-referrer\r\n"
	"Cache-Control: no-cache\r\n";
#define HSTS "Strict-Transport-Security: max-age=31536000\r\n"

struct pss {
	struct session *s;
	char cookie_token[160]; /* the Cookie header seen at the upgrade */
	char client[64];        /* the client's address seen at the upgrade */
	struct lws *wsi;
	/* WebSocket: the sign-in deadline; HTTP: the request body's deadline */
	lws_sorted_usec_list_t deadline;
};

static struct server server; /* one per process */
static volatile sig_atomic_t stopping, reloading;

/* --- sessions and counters ------------------------------------------------ */

void server_link_session(struct server *srv, struct session *s)
{
	s->next = srv->sessions;
	if (srv->sessions)
		srv->sessions->prev = s;
	srv->sessions = s;
}

void server_unlink_session(struct server *srv, struct session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else if (srv->sessions == s)
		srv->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

void server_wake(struct server *srv)
{
	if (srv->ctx)
		lws_cancel_service(srv->ctx);
}

void server_end_session(struct server *srv, const unsigned char token_hash[32])
{
	for (struct session *s = srv->sessions; s; s = s->next) {
		if (s->is_http || !s->has_token || memcmp(s->token_hash, token_hash, 32) != 0)
			continue;
		session_sign_in(s, 0, 0, NULL);
		session_send_json(s, json_pack("{s:s, s:{}}", "event", "session.ended", "data"));
	}
}

struct frame *server_event_frame(const char *slug, const char *type, int64_t seq, const char *payload)
{
	size_t n = strlen(slug) + strlen(type) + strlen(payload) + 96;
	char *text = malloc(n);
	struct frame *f = NULL;
	int len;
	if (!text)
		return NULL;
	len = snprintf(text, n, "{\"event\":\"%s\",\"coalition\":\"%s\",\"seq\":%lld,\"data\":%s}",
	               type, slug, (long long)seq, payload);
	if (len > 0 && (size_t)len < n)
		f = frame_text(text, (size_t)len);
	free(text);
	return f;
}

/* --- origins --------------------------------------------------------------- */

static void allow_origin(struct server *srv, const char *fmt, const char *host, int port)
{
	if (srv->n_allowed >= MAX_ORIGINS + 2)
		return;
	snprintf(srv->allowed[srv->n_allowed], sizeof srv->allowed[0], fmt, host, port);
	srv->n_allowed++;
}

int server_origin_allowed(const struct server *srv, const char *origin)
{
	for (int i = 0; i < srv->n_allowed; i++)
		if (strcmp(srv->allowed[i], origin) == 0)
			return 1;
	return 0;
}

/* --- client addresses (--trust-proxy) ------------------------------------- */

int server_parse_netmask(const char *text, struct netmask *out)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	char *end;
	long bits;

	memset(out, 0, sizeof *out);
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->bits = 128;
	} else {
		return -1;
	}
	if (slash) {
		bits = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || bits < 0 || bits > out->bits)
			return -1;
		out->bits = (int)bits;
	}
	return 0;
}

/* Is this address (text, no port) one of the trusted proxies? */
static int addr_trusted(const char *text)
{
	struct netmask a;
	if (!server.n_trusted || strchr(text, '/') || server_parse_netmask(text, &a) != 0)
		return 0;
	for (int i = 0; i < server.n_trusted; i++) {
		const struct netmask *m = &server.trusted[i];
		int full = m->bits / 8, rest = m->bits % 8;
		if (m->family != a.family || memcmp(m->addr, a.addr, (size_t)full) != 0)
			continue;
		if (rest && ((m->addr[full] ^ a.addr[full]) & (0xff << (8 - rest))))
			continue;
		return 1;
	}
	return 0;
}

/*
 * The client's address, which every consumer uses (sign-in limits, git over
 * HTTP, logs, connection caps): the TCP peer, unless the peer is a trusted
 * proxy. Then X-Forwarded-For is read from the right, each proxy having
 * appended the address it got the request from: the first entry that is not
 * itself a trusted proxy is the client. Entries to its left were written by
 * the client and are never believed. An entry that is not a plain IP
 * address stops the walk at the last trusted hop; all trusted: the leftmost.
 */
static void client_address(struct lws *wsi, char *out, size_t size)
{
	char xff[4096];
	int len;

	out[0] = '\0';
	lws_get_peer_simple(wsi, out, size);
	if (!addr_trusted(out))
		return;
	len = lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR);
	if (len <= 0 || len >= (int)sizeof xff || lws_hdr_copy(wsi, xff, sizeof xff, WSI_TOKEN_X_FORWARDED_FOR) < 0)
		return;
	for (;;) {
		char *comma = strrchr(xff, ','), *item = comma ? comma + 1 : xff, *end;
		struct netmask a;
		char canon[INET6_ADDRSTRLEN];
		while (*item == ' ' || *item == '\t')
			item++;
		for (end = item + strlen(item); end > item && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		if (strchr(item, '/') || server_parse_netmask(item, &a) != 0 ||
		    !inet_ntop(a.family, a.addr, canon, sizeof canon))
			return; /* not an address: the last trusted hop it is */
		snprintf(out, size, "%s", canon);
		if (!addr_trusted(out) || !comma)
			return;
		*comma = '\0';
	}
}

/*
 * Did the request come over HTTPS? Over our own TLS, or through a trusted
 * proxy that says X-Forwarded-Proto: https (from anyone else the header is
 * ignored). A --public-url of https:// counts too: the site is served over
 * HTTPS, whatever hop this request took. Then the session cookie is Secure
 * and responses carry HSTS.
 */
static int request_secure(struct lws *wsi)
{
	char peer[64] = "", proto[16] = "";
	int n;
	if (server.cfg.tls_cert || strncmp(server.cfg.public_origin, "https://", 8) == 0)
		return 1;
	lws_get_peer_simple(wsi, peer, sizeof peer);
	if (!addr_trusted(peer))
		return 0;
	n = lws_hdr_custom_length(wsi, "x-forwarded-proto:", 18);
	return n == 5 && lws_hdr_custom_copy(wsi, proto, sizeof proto, "x-forwarded-proto:", 18) == 5 &&
	       strcasecmp(proto, "https") == 0;
}

/* The security headers of every response (with HSTS over HTTPS). */
static const char *sec_headers(struct lws *wsi)
{
	static const char with_hsts[] = HSTS; /* checked to fit below */
	static char both[sizeof security_headers + sizeof with_hsts];
	if (!both[0])
		snprintf(both, sizeof both, "%s%s", security_headers, with_hsts);
	return request_secure(wsi) ? both : security_headers;
}

/* --- connection counts (--max-conns-per-addr, --max-conns) ---------------- */

/* Connections per client address, in a hash table keyed by SipHash with a
 * key of this process (addresses cannot be chosen to collide). */
#define ADDR_BUCKETS 1024

struct addr_count {
	struct addr_count *next;
	int total, unauth;
	char addr[64];
};

static struct addr_count *addr_table[ADDR_BUCKETS];
static unsigned char addr_key[crypto_shorthash_KEYBYTES];

static struct addr_count **addr_slot(const char *addr)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;
	struct addr_count **pp;
	crypto_shorthash(h, (const unsigned char *)addr, strlen(addr), addr_key);
	memcpy(&v, h, sizeof v);
	for (pp = &addr_table[v % ADDR_BUCKETS]; *pp && strcmp((*pp)->addr, addr) != 0; pp = &(*pp)->next)
		;
	return pp;
}

/*
 * Why a new connection from addr is refused (NULL: it is served). Signed-in
 * members (authed: a valid session cookie) only meet the total cap; others
 * also the cap per address, and the total less a reserve kept for members.
 */
static const char *conn_refusal(const char *addr, int authed)
{
	int reserve = server.cfg.max_conns > 1 && server.cfg.max_conns < 8 ? 1 : server.cfg.max_conns / 8;
	const struct addr_count *e;
	if (server.n_conns >= server.cfg.max_conns)
		return "the server has too many connections; try again later\n";
	if (authed)
		return NULL;
	if (server.n_conns >= server.cfg.max_conns - reserve)
		return "the server has too many connections; sign in or try again later\n";
	if ((e = *addr_slot(addr)) && e->unauth >= server.cfg.max_conns_per_addr)
		return "too many connections from your address; sign in or close some\n";
	return NULL;
}

/* Counts a session's connection under s->peer. */
static int conn_register(struct session *s, int unauth)
{
	struct addr_count **pp = addr_slot(s->peer), *e = *pp;
	if (!e) {
		if (!(e = calloc(1, sizeof *e)))
			return -1;
		snprintf(e->addr, sizeof e->addr, "%s", s->peer);
		*pp = e;
	}
	s->conn_counted = 1;
	s->conn_unauth = unauth;
	e->total++;
	e->unauth += unauth;
	server.n_conns++;
	server.n_unauth += unauth;
	return 0;
}

static void conn_release(struct session *s)
{
	struct addr_count **pp, *e;
	if (!s->conn_counted)
		return;
	s->conn_counted = 0;
	server.n_conns--;
	server.n_unauth -= s->conn_unauth;
	pp = addr_slot(s->peer);
	if (!(e = *pp))
		return;
	e->total--;
	e->unauth -= s->conn_unauth;
	if (e->total <= 0) {
		*pp = e->next;
		free(e);
	}
}

void server_session_auth_changed(struct session *s)
{
	struct addr_count *e;
	int unauth = s->member_id == 0;
	if (!s->conn_counted || s->is_http || unauth == s->conn_unauth)
		return;
	server.n_unauth += unauth - s->conn_unauth;
	if ((e = *addr_slot(s->peer)))
		e->unauth += unauth - s->conn_unauth;
	s->conn_unauth = unauth;
}

static void conn_table_free(void)
{
	for (size_t i = 0; i < ADDR_BUCKETS; i++)
		while (addr_table[i]) {
			struct addr_count *e = addr_table[i];
			addr_table[i] = e->next;
			free(e);
		}
}

/*
 * The deadline of a connection (struct pss.deadline): a WebSocket that has
 * not signed in by --auth-deadline is closed with 1008; an HTTP request
 * whose body has not all come by --body-deadline (counted from its headers,
 * not from its last byte) is cut.
 */
static void on_deadline(lws_sorted_usec_list_t *sul)
{
	struct pss *pss = lws_container_of(sul, struct pss, deadline);
	struct session *s = pss->s;
	if (!s || s->closed || !pss->wsi)
		return;
	if (s->is_http) {
		if (s->http->method != 1)
			return;
		rt_log(LOG_WARN, "cut a request body from %s that took over %d s", s->peer, server.cfg.body_deadline);
		s->http->method = 0;
		lws_set_timeout(pss->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	if (s->member_id || s->close_code)
		return;
	s->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
	s->close_reason = "not signed in in time";
	lws_callback_on_writable(pss->wsi);
}

static void deadline_start(struct pss *pss, struct lws *wsi, int seconds)
{
	pss->wsi = wsi;
	lws_sul_schedule(server.ctx, 0, &pss->deadline, on_deadline, (lws_usec_t)seconds * LWS_US_PER_SEC);
}

/* --- HTTP ------------------------------------------------------------------ */

/* Sends a whole small response. Returns what the callback should return. */
static int http_send(struct lws *wsi, int status, const char *ctype, const char *extra,
                     const char *body, size_t len)
{
	unsigned char buf[LWS_PRE + 4096], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
	const char *sec = sec_headers(wsi);
	size_t sl = strlen(sec), el = extra ? strlen(extra) : 0;

	if (lws_add_http_header_status(wsi, (unsigned)status, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, (const unsigned char *)ctype,
	                                 (int)strlen(ctype), &p, end) ||
	    lws_add_http_header_content_length(wsi, len, &p, end))
		return -1;
	if ((size_t)(end - p) < sl + el + 8)
		return -1;
	memcpy(p, sec, sl);
	p += sl;
	if (el) {
		memcpy(p, extra, el);
		p += el;
	}
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (len) {
		/* lws_write may use the LWS_PRE bytes before the buffer (TLS does) */
		unsigned char *copy = malloc(LWS_PRE + len);
		int n;
		if (!copy)
			return -1;
		memcpy(copy + LWS_PRE, body, len);
		n = lws_write(wsi, copy + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
		free(copy);
		if (n != (int)len)
			return -1;
	}
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int http_text(struct lws *wsi, int status, const char *text)
{
	return http_send(wsi, status, "text/plain; charset=utf-8", NULL, text, strlen(text));
}

/* Sends a small response, then closes the connection (a request whose body
 * is left unread, or whose framing cannot be trusted). Returns -1. */
static int http_close(struct lws *wsi, int status, const char *ctype, const char *text)
{
	http_send(wsi, status, ctype, "Connection: close\r\n", text, strlen(text));
	return -1;
}

/*
 * RFC 9112 section 6.3: a request whose body length is ambiguous is refused,
 * or a proxy in front that reads it otherwise would see a second request in
 * what we take as a body (request smuggling). lws joins a repeated header's
 * values with ',' and keeps the first for itself: so one Content-Length of
 * digits only (at most 15), and never with Transfer-Encoding.
 */
static int framing_bad(struct lws *wsi)
{
	char v[24];
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
	if (n <= 0)
		return 0;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 || n >= (int)sizeof v ||
	    lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return 1;
	return strspn(v, "0123456789") != strlen(v) || strlen(v) > 15; /* and no overflow */
}

/* Does the request come with a body (a non-zero length, or chunks)? */
static int has_body(struct lws *wsi)
{
	char v[24] = "";
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
		return 1;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return 0;
	lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_CONTENT_LENGTH);
	return strspn(v, "0") != strlen(v);
}

/*
 * Login CSRF and its kind: a page of another site can make the browser
 * POST a form (text/plain, a JSON-looking body) with no preflight. A
 * state-changing request must therefore come from an allowed Origin (the
 * list of WebSocket upgrades) or say Sec-Fetch-Site: same-origin; one with
 * neither header is not from a browser and passes, as upgrades do. A POST
 * must also say Content-Type: application/json, which a form cannot.
 * Returns NULL to go on, else why it is refused.
 */
static const char *cross_site(struct lws *wsi, int is_post)
{
	char v[256];
	int has_origin = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0;
	int n;

	if (is_post) {
		if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE) >= (int)sizeof v ||
		    lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0 ||
		    strncasecmp(v, "application/json", 16) != 0 || (v[16] && v[16] != ';' && v[16] != ' '))
			return "send Content-Type: application/json";
	}
	if (has_origin && lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) < (int)sizeof v &&
	    lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_ORIGIN) > 0 && server_origin_allowed(&server, v))
		return NULL;
	n = lws_hdr_custom_length(wsi, "sec-fetch-site:", 15);
	if (n > 0 && n < (int)sizeof v && lws_hdr_custom_copy(wsi, v, sizeof v, "sec-fetch-site:", 15) > 0 &&
	    strcmp(v, "same-origin") == 0)
		return NULL;
	if (!has_origin && n <= 0)
		return NULL; /* not a browser */
	return "this request must come from the Roundtable web client (Origin not allowed)";
}

static const char *mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	static const struct { const char *ext, *mime; } types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" }, { ".svg", "image/svg+xml" }, { ".png", "image/png" },
		{ ".ico", "image/x-icon" }, { ".webmanifest", "application/manifest+json" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].mime;
	return NULL;
}

/* Serves a file of web/, refusing anything but plain relative names. */
static int serve_static(struct lws *wsi, const char *uri)
{
	char path[1024];
	const char *mime;
	struct stat st;

	if (strcmp(uri, "/") == 0)
		uri = "/index.html";
	for (const char *p = uri; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '/' || *p == '.' || *p == '-' || *p == '_'))
			return http_text(wsi, 404, "not found\n");
	if (strstr(uri, "..") || strstr(uri, "//") || !(mime = mime_of(uri)) ||
	    snprintf(path, sizeof path, "%s%s", server.cfg.web_dir, uri) >= (int)sizeof path ||
	    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return http_text(wsi, 404, "not found\n");
	int n = lws_serve_http_file(wsi, path, mime, sec_headers(wsi), (int)strlen(sec_headers(wsi)));
	if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
		return -1;
	return 0;
}

/*
 * Who may read /metrics: with --metrics-token, a request with
 * "Authorization: Bearer <token>"; without, only a request whose TCP peer is
 * the loopback and that no proxy forwarded (no X-Forwarded-For,
 * X-Forwarded-Proto, X-Real-IP or Forwarded header), so the documented
 * nginx in front never passes it on.
 */
static int metrics_allowed(struct lws *wsi)
{
	const char *token = server.cfg.metrics_token;
	char peer[64] = "", auth[200];
	if (token[0]) {
		size_t n = strlen(token);
		return lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) == (int)(7 + n) &&
		       lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION) == (int)(7 + n) &&
		       strncasecmp(auth, "Bearer ", 7) == 0 && sodium_memcmp(auth + 7, token, n) == 0;
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) > 0 ||
	    lws_hdr_custom_length(wsi, "x-forwarded-proto:", 18) > 0 ||
	    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_X_REAL_IP) > 0 || lws_hdr_custom_length(wsi, "forwarded:", 10) > 0)
		return 0;
	lws_get_peer_simple(wsi, peer, sizeof peer);
	return strncmp(peer, "127.", 4) == 0 || strcmp(peer, "::1") == 0;
}

static int serve_metrics(struct lws *wsi)
{
	size_t conns = 0;
	char *body;
	int rc;
	if (!metrics_allowed(wsi))
		return http_text(wsi, 403, server.cfg.metrics_token[0] ? "send Authorization: Bearer <the metrics token>\n"
		                           : "metrics are served to the loopback only (or see --metrics-token)\n");
	for (struct session *s = server.sessions; s; s = s->next)
		conns += !s->is_http;
	if (!(body = metrics_render(conns)))
		return http_text(wsi, 500, "out of memory\n");
	rc = http_send(wsi, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, body, strlen(body));
	free(body);
	return rc;
}

/* The member signed in by the request's cookie, or 0. */
static int64_t cookie_member(struct lws *wsi)
{
	char cookie[512] = "";
	int64_t member = 0;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) >= (int)sizeof cookie)
		return 0;
	lws_hdr_copy(wsi, cookie, sizeof cookie, WSI_TOKEN_HTTP_COOKIE);
	auth_cookie_member(server.db, cookie, &member);
	return member;
}

/* GET /export/<kind>/<name>.csv for the member of the cookie. */
static int serve_export(struct lws *wsi, const char *uri)
{
	char name[128], disposition[200];
	char *csv = NULL;
	int64_t member = cookie_member(wsi);
	int err = RT_ENOTFOUND, rc;
	size_t n, csv_len = 0;

	if (!member)
		return http_text(wsi, 401, "sign in first\n");
	/* /export/<kind>/<name>.csv with name of a-z 0-9 - only */
	const char *slash = strchr(uri + 8, '/');
	if (!slash || (n = strlen(slash + 1)) <= 4 || n - 4 >= sizeof name || strcmp(slash + 1 + n - 4, ".csv") != 0)
		return http_text(wsi, 404, "not found\n");
	memcpy(name, slash + 1, n - 4);
	name[n - 4] = '\0';
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n - 4)
		return http_text(wsi, 404, "not found\n");
	if (strncmp(uri, "/export/milestones/", 19) == 0 && export_milestones_csv)
		err = export_milestones_csv(server.db, member, name, &csv);
	else if (strncmp(uri, "/export/rfq/", 12) == 0 && rfq_scores_csv)
		err = rfq_scores_csv(&server, member, strtoll(name, NULL, 10), &csv, &csv_len);
	else if (strncmp(uri, "/export/decision/", 17) == 0 && export_decision_csv)
		err = export_decision_csv(&server, member, strtoll(name, NULL, 10), &csv);
	if (err != RT_OK) {
		free(csv);
		return http_text(wsi, err == RT_EFORBIDDEN ? 403 : err == RT_ENOTFOUND ? 404 : 500,
		                 err == RT_ENOTFOUND ? "not found\n" : "cannot export this\n");
	}
	snprintf(disposition, sizeof disposition, "Content-Disposition: attachment; filename=\"%s.csv\"\r\n", name);
	rc = http_send(wsi, 200, "text/csv; charset=utf-8", disposition, csv, csv_len ? csv_len : strlen(csv));
	free(csv);
	return rc;
}

static struct session *http_session(struct pss *pss, struct lws *wsi);

/* GET /git/<slug>.git/...: the MOU repositories, read-only. The password of
 * basic auth is checked on a worker (auth_http_git): answered in
 * HTTP_WRITEABLE. */
static int serve_git(struct lws *wsi, struct pss *pss, const char *uri)
{
	char auth[512] = "";
	struct session *s;
	if (!mou_http_git)
		return http_text(wsi, 404, "not found\n");
	if (!(s = http_session(pss, wsi)))
		return -1;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) < (int)sizeof auth)
		lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION);
	auth_http_git(s, uri + 4, auth);
	return 0;
}

static struct session *http_session(struct pss *pss, struct lws *wsi)
{
	if (!pss->s)
		pss->s = session_new(&server, wsi, 1);
	return pss->s;
}

static int on_http(struct lws *wsi, struct pss *pss, const char *uri)
{
	int is_post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
	int is_delete = lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI) > 0;
	int is_get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
	int is_session = strcmp(uri, "/api/session") == 0, body;
	char client[64];
	const char *why;
	struct session *s;

	if (framing_bad(wsi))
		return http_close(wsi, 400, "text/plain; charset=utf-8",
		                  "one Content-Length of digits, without Transfer-Encoding\n");
	body = has_body(wsi);
	/* Health checks pass every cap (they hold nothing). */
	if (is_get && !body && strcmp(uri, "/healthz") == 0)
		return db_writes_failing(server.db) ? http_text(wsi, 503, "database writes are failing (see the log)\n")
		                                    : http_text(wsi, 200, "ok\n");
	if (body && !(is_post && is_session))
		return http_close(wsi, is_get ? 400 : 405, "text/plain; charset=utf-8", "this request takes no body\n");

	/* The connection counts under its client's address from its first
	 * request on (again if a proxy's connection carries another client's). */
	client_address(wsi, client, sizeof client);
	if (!(s = pss->s) || strcmp(s->peer, client) != 0) {
		int authed = cookie_member(wsi) != 0;
		if ((why = conn_refusal(client, authed)))
			return http_close(wsi, 503, "text/plain; charset=utf-8", why);
		if (!(s = http_session(pss, wsi)))
			return -1;
		conn_release(s);
		snprintf(s->peer, sizeof s->peer, "%s", client);
		if (conn_register(s, !authed) != 0)
			return -1;
	}

	if (is_session) {
		s->http->secure = request_secure(wsi);
		free(s->http->body);
		s->http->body = NULL;
		s->http->body_len = 0;
		s->http->resp_ready = 0;
		s->http->method = 0;
		if ((is_post || is_delete) && (why = cross_site(wsi, is_post))) {
			char text[200];
			snprintf(text, sizeof text, "{\"error\":{\"code\":\"forbidden\",\"message\":\"%s\"}}", why);
			rt_log(LOG_WARN, "refused a cross-site %s /api/session from %s", is_post ? "POST" : "DELETE", s->peer);
			return body ? http_close(wsi, 403, "application/json", text)
			            : http_send(wsi, 403, "application/json", NULL, text, strlen(text));
		}
		if (is_post) {
			s->http->method = 1;
			if (!body) {
				auth_http_login(s); /* nothing to wait for: a clear 400 */
				return 0;
			}
			/* The whole body within --body-deadline, however it trickles. */
			deadline_start(pss, wsi, server.cfg.body_deadline);
			return 0; /* wait for the body */
		}
		if (is_delete) {
			char cookie[512] = "";
			lws_hdr_copy(wsi, cookie, sizeof cookie, WSI_TOKEN_HTTP_COOKIE);
			auth_http_logout(s, cookie);
			return 0; /* answered in HTTP_WRITEABLE */
		}
		return http_text(wsi, 405, "use POST to sign in, DELETE to sign out\n");
	}
	if (!is_get)
		return http_text(wsi, 405, "method not allowed\n");
	if (strcmp(uri, "/ws") == 0) {
		static const char text[] = "this is the WebSocket endpoint: connect with a WebSocket client, subprotocol roundtable.v1\n";
		return http_send(wsi, 426, "text/plain; charset=utf-8", "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n",
		                 text, sizeof text - 1);
	}
	if (strcmp(uri, "/metrics") == 0)
		return serve_metrics(wsi);
	if (strncmp(uri, "/export/", 8) == 0)
		return serve_export(wsi, uri);
	if (strncmp(uri, "/git/", 5) == 0)
		return serve_git(wsi, pss, uri);
	return serve_static(wsi, uri);
}

static int http_writeable(struct lws *wsi, struct pss *pss)
{
	struct session *s = pss->s;
	const char *body;
	if (!s || !s->http->resp_ready)
		return 0;
	s->http->resp_ready = 0;
	body = s->http->resp ? s->http->resp : "{}";
	return http_send(wsi, s->http->status, s->http->resp_type[0] ? s->http->resp_type : "application/json",
	                 s->http->headers, body, s->http->resp ? s->http->resp_len : strlen(body));
}

/* --- the callback ------------------------------------------------------------ */

/* --- WebSocket upgrades and frames (RFC 6455) -------------------------------- */

/*
 * Ends the connection with code and reason once the message being received
 * has ended. The rest of that message is read and dropped meanwhile, so the
 * close frame goes out when the client has stopped sending: closing a socket
 * with unread data resets it, and the client would never see the code. With
 * now, or when the frame announces more than four times the limit, the close
 * goes out at the next write whatever comes (failing fast).
 */
static void close_after_message(struct lws *wsi, struct session *s, int code, const char *reason, size_t len, int now)
{
	/* Requests read before, still waiting for their group commit, are
	 * answered first: nothing is queued once the close has begun. */
	dispatch_flush(&server);
	s->close_code = code;
	s->close_reason = reason;
	free(s->rx);
	s->rx = NULL;
	s->rx_cap = 0;
	s->rx_len += len; /* from now on: bytes dropped */
	if (now || lws_is_final_fragment(wsi) ||
	    s->rx_len + lws_remaining_packet_payload(wsi) > 4 * server.cfg.max_message)
		lws_callback_on_writable(wsi);
}

static int on_receive(struct lws *wsi, struct session *s, const void *in, size_t len)
{
	if (s->close_code) {
		/* Dropping the rest of a refused message (see close_after_message).
		 * A client that never ends it is closed anyway after four times the
		 * limit. */
		s->rx_len += len;
		if (lws_is_final_fragment(wsi) || s->rx_len > 4 * server.cfg.max_message)
			lws_callback_on_writable(wsi);
		return 0;
	}
	if (lws_is_first_fragment(wsi)) {
		s->rx_len = 0;
		s->rx_binary = lws_frame_is_binary(wsi);
		memset(&s->rx_utf8, 0, sizeof s->rx_utf8);
		if (s->rx_binary) {
			close_after_message(wsi, s, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
			                    "binary messages are refused; send JSON text", len, 0);
			return 0;
		}
	}
	/* Too large as soon as the frame's header says so (what is still to
	 * come of it counts). Closed from the write side: closing here, in the
	 * middle of a message, could end the connection without the frame. */
	if (s->rx_len + len + lws_remaining_packet_payload(wsi) > server.cfg.max_message) {
		close_after_message(wsi, s, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large", len, 0);
		return 0;
	}
	if (frame_utf8_feed(&s->rx_utf8, in, len) != 0 ||
	    (lws_is_final_fragment(wsi) && !frame_utf8_complete(&s->rx_utf8))) {
		close_after_message(wsi, s, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "invalid UTF-8", len, 1);
		return 0;
	}
	if (s->rx_len + len + 1 > s->rx_cap) {
		size_t cap = s->rx_cap ? s->rx_cap : 4096;
		char *rx;
		while (cap < s->rx_len + len + 1)
			cap *= 2;
		if (!(rx = realloc(s->rx, cap)))
			return -1;
		s->rx = rx;
		s->rx_cap = cap;
	}
	memcpy(s->rx + s->rx_len, in, len);
	s->rx_len += len;
	if (!lws_is_final_fragment(wsi))
		return 0;
	dispatch_message(s, s->rx, s->rx_len);
	session_rx_handled(s);
	/* An idle connection holds no buffer: thousands of them wait between
	 * messages (docs/architecture.md, memory per connection). */
	s->rx_len = 0;
	free(s->rx);
	s->rx = NULL;
	s->rx_cap = 0;
	return 0;
}

/*
 * The client's close frame (RFC 6455 section 5.5.1, 7.4): lws echoes its code,
 * having turned codes below 1000 and the reserved ones into 1002 already. A
 * payload of one byte, a code no one may send, or a reason that is not UTF-8
 * fails the connection instead (1002, 1007). Returns what the callback should.
 */
static int on_peer_close(struct lws *wsi, const unsigned char *in, size_t len)
{
	struct utf8_state st = { 0 };
	unsigned code;

	if (len == 0)
		return 0;
	if (len == 1) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, (unsigned char *)"close payload of 1 byte", 23);
		return -1;
	}
	code = (unsigned)in[0] << 8 | in[1];
	if (!((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999))) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, (unsigned char *)"invalid close code", 18);
		return -1;
	}
	if (frame_utf8_feed(&st, in + 2, len - 2) != 0 || !frame_utf8_complete(&st)) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_INVALID_PAYLOAD, (unsigned char *)"invalid UTF-8", 13);
		return -1;
	}
	return 0;
}

/* Refuses an upgrade with an HTTP status, a short text and maybe one more
 * header (name with its colon). Returns -1: the callback closes. */
static int refuse_upgrade(struct lws *wsi, unsigned status, const char *header, const char *value, const char *text)
{
	unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
	unsigned char body[LWS_PRE + 256];
	size_t n = strlen(text);

	if (n > sizeof body - LWS_PRE)
		n = sizeof body - LWS_PRE;
	memcpy(body + LWS_PRE, text, n);
	if (lws_add_http_header_status(wsi, status, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
	                                 (const unsigned char *)"text/plain; charset=utf-8", 25, &p, end) ||
	    lws_add_http_header_content_length(wsi, n, &p, end) ||
	    (header && lws_add_http_header_by_name(wsi, (const unsigned char *)header, (const unsigned char *)value,
	                                           (int)strlen(value), &p, end)) ||
	    lws_finalize_http_header(wsi, &p, end))
		return -1;
	if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS) < 0)
		return -1;
	lws_write(wsi, body + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
	return -1;
}

/* Is this Sec-WebSocket-Key the base64 of 16 bytes (22 characters, "==")? */
static int key_valid(struct lws *wsi)
{
	char key[32];
	if (lws_hdr_total_length(wsi, WSI_TOKEN_KEY) != 24 || lws_hdr_copy(wsi, key, sizeof key, WSI_TOKEN_KEY) != 24)
		return 0;
	for (int i = 0; i < 22; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", key[i]))
			return 0;
	return key[22] == '=' && key[23] == '=';
}

/*
 * Checks a WebSocket upgrade (RFC 6455 section 4.2.1) before lws accepts it:
 * the Origin, then a GET of /ws without a body, version 13 and a well formed
 * key. (lws 4.1.6 does not tell HTTP/1.0 apart here: it is let through.) Returns 0 to accept, else what the callback should return.
 */
static int check_upgrade(struct lws *wsi, struct pss *pss)
{
	char origin[256] = "", uri[16] = "", version[8] = "", peer[64];

	/* Absent Origin: a non-browser client. Present: must match exactly. */
	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0) {
		if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) >= (int)sizeof origin ||
		    lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0 ||
		    !server_origin_allowed(&server, origin)) {
			client_address(wsi, peer, sizeof peer);
			rt_log(LOG_WARN, "refused a WebSocket upgrade from origin %.100s from %s", origin, peer);
			lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "origin not allowed");
			return -1;
		}
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
		return refuse_upgrade(wsi, 400, NULL, NULL, "a WebSocket upgrade is a GET request\n");
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ||
	    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
		return refuse_upgrade(wsi, 400, NULL, NULL, "a WebSocket upgrade has no body\n");
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) >= (int)sizeof uri ||
	    lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0 || strcmp(uri, "/ws") != 0)
		return refuse_upgrade(wsi, 404, NULL, NULL, "the WebSocket endpoint is /ws\n");
	if (lws_hdr_total_length(wsi, WSI_TOKEN_VERSION) >= (int)sizeof version ||
	    lws_hdr_copy(wsi, version, sizeof version, WSI_TOKEN_VERSION) < 0 || strcmp(version, "13") != 0)
		return refuse_upgrade(wsi, 426, "Sec-WebSocket-Version:", "13",
		                      "this server speaks WebSocket version 13\n");
	if (!key_valid(wsi))
		return refuse_upgrade(wsi, 400, NULL, NULL, "Sec-WebSocket-Key must be 16 bytes in base64\n");
	if (stopping)
		return refuse_upgrade(wsi, 503, "Retry-After:", "10", "the server is shutting down\n");
	if (pss) {
		const char *why;
		int64_t member = 0;
		pss->cookie_token[0] = '\0';
		if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) < (int)sizeof pss->cookie_token)
			lws_hdr_copy(wsi, pss->cookie_token, sizeof pss->cookie_token, WSI_TOKEN_HTTP_COOKIE);
		client_address(wsi, pss->client, sizeof pss->client);
		/* Over a cap for strangers: a signed-in member still gets in. */
		if ((why = conn_refusal(pss->client, 0)) &&
		    (auth_cookie_member(server.db, pss->cookie_token, &member) != RT_OK ||
		     (why = conn_refusal(pss->client, 1))))
			return refuse_upgrade(wsi, 503, "Retry-After:", "10", why);
	}
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		workers_drain();
		return 0;

	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return check_upgrade(wsi, pss);

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		return on_peer_close(wsi, in, len);

	case LWS_CALLBACK_ESTABLISHED:
		if (!(pss->s = session_new(&server, wsi, 0)))
			return -1;
		if (pss->client[0])
			snprintf(pss->s->peer, sizeof pss->s->peer, "%s", pss->client);
		auth_from_cookie(pss->s, pss->cookie_token);
		if (conn_register(pss->s, pss->s->member_id == 0) != 0)
			return -1;
		if (!pss->s->member_id)
			deadline_start(pss, wsi, server.cfg.auth_deadline);
		return 0;

	case LWS_CALLBACK_RECEIVE:
		return pss->s ? on_receive(wsi, pss->s, in, len) : -1;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss->s ? session_write(pss->s) : 0;

	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (pss)
			lws_sul_cancel(&pss->deadline);
		if (pss && pss->s) {
			conn_release(pss->s);
			session_closed(pss->s);
			pss->s = NULL;
		}
		return 0;

	case LWS_CALLBACK_HTTP:
		return on_http(wsi, pss, (const char *)in);

	case LWS_CALLBACK_HTTP_BODY:
		if (!pss->s || pss->s->http->method != 1)
			return 0; /* a body nobody asked for: already answered */
		if (pss->s->http->body_len + len > HTTP_BODY_MAX) {
			pss->s->http->method = 0;
			lws_sul_cancel(&pss->deadline);
			return http_close(wsi, 413, "text/plain; charset=utf-8", "request body too large\n");
		}
		{
			char *b = realloc(pss->s->http->body, pss->s->http->body_len + len + 1);
			if (!b)
				return -1;
			memcpy(b + pss->s->http->body_len, in, len);
			pss->s->http->body = b;
			pss->s->http->body_len += len;
		}
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		lws_sul_cancel(&pss->deadline);
		if (pss->s && pss->s->http->method == 1)
			auth_http_login(pss->s);
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_writeable(wsi, pss);

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

#define RX_CHUNK 1024

static const struct lws_protocols protocols[] = {
	{ "http", callback, sizeof(struct pss), 0, 0, NULL, 0 },
	/* lws keeps an rx buffer of this size per connection for its whole
	 * life: small, since messages are gathered in session.rx anyway. */
	{ "roundtable.v1", callback, sizeof(struct pss), RX_CHUNK, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static lws_sorted_usec_list_t tick_sul;

/* --- the open-file limit ------------------------------------------------------ */

/*
 * At the open-file limit, lws 4.1.6 logs "accept: errno 24" and returns to
 * poll(), where the listening socket is still readable: a busy loop writing
 * the same line as fast as it can. Two defences:
 * - lws is told to hold at most the limit less a reserve (fd_limit_per_thread):
 *   at that count it stops polling its listening socket until a connection
 *   closes (its own accept modulation), and the reserve is left for the
 *   database, the MOU repositories and the log. The tick notices
 *   connections waiting (the listening socket readable two ticks running),
 *   logs that at most every ten seconds and counts the seconds.
 * - should accept() still fail (descriptors taken outside lws), the failure
 *   line is caught (lws_log_emit): the reserve descriptor is given up to
 *   accept the waiting connection and close it at once, so the loop makes
 *   progress and sleeps; one line a second at most, each failure counted.
 */
static int listen_fd = -1, reserve_fd = -1;
static time_t accept_logged, paused_logged;
static unsigned long accept_unlogged, paused_seconds;
static int listen_ready_ticks;

static void on_accept_failure(int err)
{
	time_t now = time(NULL);
	metrics_accept_failure();
	if ((err == EMFILE || err == ENFILE) && listen_fd >= 0) {
		int fd;
		if (reserve_fd >= 0)
			close(reserve_fd);
		if ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(fd);
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (now == accept_logged) {
		accept_unlogged++;
		return;
	}
	rt_log(LOG_ERROR, "cannot accept a connection: %s; refusing new connections until some close"
	       " (%lu more since the last line; raise the open-file limit)", strerror(err), accept_unlogged);
	accept_logged = now;
	accept_unlogged = 0;
}

/* lws' own log lines, through rt_log (UTC time, level); accept failures as above. */
static void lws_log_emit(int level, const char *line)
{
	if (strncmp(line, "accept: errno ", 14) == 0) {
		on_accept_failure(atoi(line + 14));
		return;
	}
	rt_log(level & LLL_ERR ? LOG_ERROR : LOG_WARN, "lws: %.*s", (int)strcspn(line, "\n"), line);
}

/* The listening socket lws made (a socket of ours listening on the port). */
static int find_listen_fd(int port)
{
	struct rlimit rl;
	int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096 ? (int)rl.rlim_cur : 4096;
	for (int fd = 3; fd < max; fd++) {
		int on = 0;
		socklen_t len = sizeof on;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 || !on ||
		    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
			continue;
		if ((ss.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&ss)->sin_port) == port) ||
		    (ss.ss_family == AF_INET6 && ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == port))
			return fd;
	}
	return -1;
}

/* Once a second: are connections waiting to be accepted (at the limit)? */
static void check_accept_paused(void)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };
	time_t now;
	if (listen_fd < 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)) {
		listen_ready_ticks = 0;
		return;
	}
	if (++listen_ready_ticks < 2)
		return;
	metrics_accept_paused();
	paused_seconds++;
	now = time(NULL);
	if (now - paused_logged >= 10) {
		rt_log(LOG_WARN, "at the open-file limit: new connections wait until some close"
		       " (%lu s so far; raise the open-file limit)", paused_seconds);
		paused_logged = now;
	}
}

/* --- timers, signals ------------------------------------------------------------ */

/* Expired session rows are deleted at start and then once an hour. */
#define SESSION_SWEEP_SECONDS 3600
static time_t sessions_swept;

static void sweep_sessions(void)
{
	int n = 0;
	sessions_swept = time(NULL);
	if (db_begin(server.db, 1) != RT_OK || store_sessions_expire(server.db, &n) != RT_OK ||
	    db_commit(server.db) != RT_OK) {
		db_rollback(server.db);
		rt_log(LOG_ERROR, "could not delete expired sessions");
		return;
	}
	if (n)
		rt_log(LOG_INFO, "deleted %d expired sessions", n);
}

/* Once a second: let the areas close what is due. */
static void on_tick(lws_sorted_usec_list_t *sul)
{
	check_accept_paused();
	if (time(NULL) - sessions_swept >= SESSION_SWEEP_SECONDS)
		sweep_sessions();
	db_write_probe(server.db);
	if (rfq_tick)
		rfq_tick(&server);
	if (decisions_tick)
		decisions_tick(&server);
	if (milestones_tick)
		milestones_tick(&server);
	lws_sul_schedule(server.ctx, 0, sul, on_tick, LWS_US_PER_SEC);
}

/* The areas' start-up work (repairs, re-arming deadlines). */
static int start_areas(void)
{
	if ((mou_start && mou_start(&server) != 0) || (rfq_start && rfq_start(&server) != 0) ||
	    (decisions_start && decisions_start(&server) != 0))
		return -1;
	return 0;
}

/* Password hashes (argon2id, 64 MiB and ~74 ms each) run on worker threads:
 * at most two at once, and never on every core, so the event loop keeps one
 * for itself under a sign-in flood (one thread on a 2-core machine). */
static int hash_threads(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores >= 3 ? 2 : 1;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reloading = 1;
	else
		stopping = 1;
	if (server.ctx)
		lws_cancel_service(server.ctx);
}

/* Do cert and key load, and belong together? (checked before lws swaps them in) */
static int tls_pair_ok(const char *cert, const char *key)
{
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());
	int ok = c && SSL_CTX_use_certificate_chain_file(c, cert) == 1 &&
	         SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(c) == 1;
	SSL_CTX_free(c);
	return ok;
}

/*
 * SIGHUP: the certificate and key are read again from their files and used
 * for every new TLS connection (connections open keep theirs: nobody is
 * dropped). A pair that does not load or does not match is refused, and the
 * previous one stays. The log is standard error (systemd's journal, or
 * whatever the caller redirected it to): there is no file to reopen.
 */
static void reload(void)
{
	if (server.cfg.tls_cert) {
		if (!tls_pair_ok(server.cfg.tls_cert, server.cfg.tls_key)) {
			rt_log(LOG_ERROR, "reload: %s and %s are not a certificate and its key; still serving the previous"
			       " certificate", server.cfg.tls_cert, server.cfg.tls_key);
			return;
		}
		lws_tls_cert_updated(server.ctx, server.cfg.tls_cert, server.cfg.tls_key, NULL, 0, NULL, 0);
	}
	rt_log(LOG_INFO, "reloaded%s (the log is standard error: nothing to reopen)",
	       server.cfg.tls_cert ? " the TLS certificate and key" : "");
}

/* The WebSocket connections still open. */
static int websockets_open(void)
{
	int n = 0;
	for (struct session *s = server.sessions; s; s = s->next)
		n += !s->is_http && !s->closed;
	return n;
}

/*
 * SIGTERM, SIGINT: the requests read are answered (their batch committed),
 * then every WebSocket gets a close frame 1001 "going away" after what was
 * queued for it, and the loop runs until the clients have answered it or 5
 * seconds have passed. The web client reconnects by itself.
 */
static void going_away(void)
{
	lws_usec_t until = lws_now_usecs() + 5 * LWS_US_PER_SEC;
	int n;
	dispatch_flush(&server);
	for (struct session *s = server.sessions; s; s = s->next) {
		if (s->is_http || s->closed || !s->wsi)
			continue;
		if (!s->close_code) {
			s->close_code = LWS_CLOSE_STATUS_GOINGAWAY;
			s->close_reason = "the server is shutting down";
		}
		lws_callback_on_writable(s->wsi);
	}
	rt_log(LOG_INFO, "stopping: closing %d connections", n = websockets_open());
	while (n && lws_now_usecs() < until) {
		if (lws_service(server.ctx, 0) < 0)
			break;
		dispatch_flush(&server);
		n = websockets_open();
	}
}

int server_lock_data_dir(const char *dir)
{
	char path[4096];
	int fd;
	snprintf(path, sizeof path, "%s/roundtable.lock", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rt_log(LOG_ERROR, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rt_log(LOG_ERROR, "another roundtable is already serving %s (it holds its lock)", dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* storage/'s log lines (storage/log.h), in the daemon's one format. */
static void storage_log(int level, const char *message)
{
	rt_log(level, "%s", message);
}

int server_run(const struct server_config *cfg)
{
	struct lws_context_creation_info info;
	struct sigaction sa;
	char dbpath[4096];
	int lock_fd = -1, rc = 1;

	memset(&server, 0, sizeof server);
	server.cfg = *cfg;
	st_log_set_sink(storage_log);
	randombytes_buf(addr_key, sizeof addr_key);
	for (int i = 0; i < cfg->n_trusted; i++)
		if (server_parse_netmask(cfg->trusted_proxies[i], &server.trusted[server.n_trusted++]) != 0) {
			rt_log(LOG_ERROR, "bad --trust-proxy '%s'", cfg->trusted_proxies[i]);
			return 1;
		}
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
		rt_log(LOG_ERROR, "cannot create %s: %s", cfg->data_dir, strerror(errno));
		return 1;
	}
	if ((lock_fd = server_lock_data_dir(cfg->data_dir)) < 0)
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/roundtable.db", cfg->data_dir);
	if (db_open(&server.db, dbpath) != RT_OK || db_checkpoint_in_background(server.db) != RT_OK)
		goto done;

	if (cfg->tls_cert) {
		allow_origin(&server, "https://%s:%d", cfg->host, cfg->port);
		if (strcmp(cfg->host, "127.0.0.1") == 0)
			allow_origin(&server, "https://%s:%d", "localhost", cfg->port);
	} else {
		allow_origin(&server, "http://%s:%d", cfg->host, cfg->port);
		if (strcmp(cfg->host, "127.0.0.1") == 0)
			allow_origin(&server, "http://%s:%d", "localhost", cfg->port);
		if (strcmp(cfg->host, "localhost") == 0)
			allow_origin(&server, "http://%s:%d", "127.0.0.1", cfg->port);
	}
	for (int i = 0; i < cfg->n_origins; i++)
		allow_origin(&server, "%s", cfg->origins[i], 0);
	if (cfg->public_origin[0])
		allow_origin(&server, "%s", cfg->public_origin, 0);

	auth_init();
	if (start_areas() != 0)
		goto done;
	sweep_sessions();
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
	memset(&info, 0, sizeof info);
	{
		/* lws stops accepting at the limit less a reserve (see on_accept_failure) */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
			rlim_t reserve = rl.rlim_cur / 8 < 32 ? 32 : rl.rlim_cur / 8 > 1024 ? 1024 : rl.rlim_cur / 8;
			if (rl.rlim_cur > 2 * reserve)
				info.fd_limit_per_thread = (unsigned)(rl.rlim_cur - reserve);
		}
	}
	info.port = cfg->port;
	info.iface = cfg->host;
	info.protocols = protocols;
	/* No LWS_SERVER_OPTION_VALIDATE_UTF8: on_receive and on_peer_close check
	 * UTF-8 themselves, to answer a bad close reason with 1007 (lws drops it). */
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.max_http_header_data = 4096;
	info.pt_serv_buf_size = 16384;
	info.timeout_secs = 30;
	/* A WebSocket silent for ping_interval seconds is pinged (idle tabs
	 * behind a proxy stay open); one that answers nothing as long again is
	 * closed, so a vanished client does not keep its descriptor. */
	static lws_retry_bo_t idle;
	idle.secs_since_valid_ping = (uint16_t)cfg->ping_interval;
	idle.secs_since_valid_hangup = (uint16_t)(2 * cfg->ping_interval);
	info.retry_and_idle_policy = &idle;
	info.vhost_name = "roundtable";
	if (cfg->tls_cert) {
		if (!tls_pair_ok(cfg->tls_cert, cfg->tls_key)) {
			rt_log(LOG_ERROR, "%s and %s do not load as a certificate (PEM) and its private key",
			        cfg->tls_cert, cfg->tls_key);
			goto done;
		}
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_cert;
		info.ssl_private_key_filepath = cfg->tls_key;
		/* HTTP/1.1 only: our headers are written as HTTP/1 text, and
		 * WebSockets over h2 are not what browsers use here anyway. */
		info.alpn = "http/1.1";
	}
	if (!(server.ctx = lws_create_context(&info))) {
		rt_log(LOG_ERROR, "cannot listen on %s:%d", cfg->host, cfg->port);
		goto done;
	}
	if (workers_start(&server, hash_threads()) != 0) {
		rt_log(LOG_ERROR, "cannot start worker threads");
		goto done;
	}
	listen_fd = find_listen_fd(cfg->port);
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	lws_sul_schedule(server.ctx, 0, &tick_sul, on_tick, LWS_US_PER_SEC);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rt_log(LOG_INFO, "roundtable %s serving %s://%s:%d (data %s)", RT_VERSION, cfg->tls_cert ? "https" : "http",
	       cfg->host, cfg->port, cfg->data_dir);
	while (!stopping) {
		if (lws_service(server.ctx, 0) < 0)
			break;
		if (reloading) {
			reloading = 0;
			reload();
		}
	}
	going_away(); /* answers the requests read in the last turn first */
	rc = 0;
done:
	workers_stop();
	auth_stop(); /* sign-ins still waiting in line */
	if (server.ctx)
		lws_context_destroy(server.ctx); /* closes every connection: sessions freed */
	server.ctx = NULL;
	conn_table_free();
	events_shutdown();
	db_close(server.db);
	if (reserve_fd >= 0)
		close(reserve_fd);
	reserve_fd = listen_fd = -1;
	if (lock_fd >= 0)
		close(lock_fd);
	if (rc == 0)
		rt_log(LOG_INFO, "stopped");
	return rc;
}
