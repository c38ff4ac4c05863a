/*
 * loadgen.c: a fan-out load generator for Roundtable and two peers, in C with
 * epoll and no libwebsockets (RFC 6455 client framing, masked).
 *
 * Modes:
 *   rt     Roundtable: one publisher signs in (auth.login, or --token),
 *          creates the coalition (a conflict is fine; --prepare: only that)
 *          and a thread; N
 *          subscribers auth.resume {token} (the publisher's, or with --tokens
 *          FILE from `fill readers` one reader per room) and coalition.subscribe; the
 *          publisher posts M message.post whose body is "lg <seq> <ns>".
 *   node   a plain ws broadcast server (bench/node-broadcast.mjs): text "lg <seq> <ns>".
 *   mqtt   mosquitto over websockets (subprotocol mqtt): MQTT 3.1.1 CONNECT,
 *          SUBSCRIBE topic "bench" QoS 0, PUBLISH QoS 0.
 *   idle   (rt) N subscribers sign in and subscribe, print READY, hold --hold s
 *          (--idle does the same in any mode: memory per idle connection).
 *   paging (rt) time thread.get {thread} and {thread, before} --reps times each.
 *   ballots (rt) -n voters, each signed in with its own token (--tokens FILE,
 *          from `fill voters`), cast ballot.cast on one open proposal (made
 *          here unless --decision), each sending its next ballot when the
 *          previous one is acknowledged, for --secs s: ballots/s, ack latency.
 *          --choice JSON: the ballot (default: agree, disagree, abstain in
 *          turn); a secret ballot is replaced with the receipt of the last.
 *          --first-token K: voter i signs in with token K + i (a voter who
 *          cast a secret ballot in an earlier run has no receipt here).
 *   tally  (rt) --prepare: make an open secret ranked decision with --options
 *          K options and print its id (fill it with `fill ballots`); else time
 *          decision.tally --reps times, then decision.close once (--close).
 *
 * Fan-out options: --rooms R spreads the N subscribers over R rooms (Roundtable:
 * coalitions SLUG-0..R-1, one thread each; Node: URL path /r<k>, the publisher
 * prefixes "@r<k> "; mosquitto: topic bench/<k>); message seq s goes to room
 * (s - 1) % R. --slow K: the first K subscribers stop reading once publishing
 * starts; they are left out of the loss check and reported apart (did the
 * server cut them off, how much waits unread). --pid P: the server's VmRSS at
 * the start and its maximum during the run. --max-secs S: stop publishing and
 * report after S s (unfinished_after_s=S; what was not delivered counts as lost).
 * --send-secs S: send no new message after S s (at most M in all), then wait
 * for the deliveries of those sent: runs of about the same length on fast and
 * slow servers.
 *
 * Loss check: every subscriber must see every seq of its room exactly once and in order.
 * Latency: send time (the intended one under --rate) to arrival at each
 * subscriber, CLOCK_MONOTONIC, 10 µs buckets. One result line per run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { M_RT, M_NODE, M_MQTT, M_IDLE, M_PAGING, M_BALLOTS, M_TALLY };
enum st { S_CONNECTING, S_HS, S_AUTH, S_SUB, S_READY, S_CLOSED };

struct conn {
	int fd, idx;
	enum st st;
	unsigned char *left; size_t nleft;        /* partial frame bytes */
	unsigned char *wbuf; size_t wlen, wcap;   /* pending writes */
	int want_out;
	unsigned char *frag; size_t nfrag;        /* fragmented message */
	unsigned char *mq; size_t nmq;            /* partial MQTT packet stream */
	uint32_t last, got, ooo;
	int room, slow;
	const char *token;      /* ballots: this voter's session */
	uint64_t cast_ns;       /* ballots: when the ballot in flight was sent */
	int casts;
	char receipt[48];       /* ballots: of the current ballot (a secret one is replaced with it) */
};

static struct {
	enum mode mode;
	const char *host; int port;
	int n, m, window, hold, reps;
	double rate, timeout;
	const char *email, *password, *slug;
	char token[200];
	long thread, before, mark_read, decision;
	int verbose, idle, pad, rooms, slow, pid, options, prepare, close, first_token;
	double secs, max_secs, send_secs;
	const char *tokens, *choice;
} o = { .rooms = 1, .secs = 5, .options = 8, .host = "127.0.0.1", .port = 8080, .n = 100, .m = 100, .window = 64, .hold = 3,
        .reps = 200, .timeout = 10, .email = "bench@bench.test", .password = "benchpassword1",
        .slug = "bench" };

#define MAX_PAD 65536 /* largest --pad */
static int ep;
static char **tokens; /* --tokens: session tokens of voters or readers */
static int ntokens;
static struct conn *subs, pubc;
static int nready, nclosed, inflight_hs;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t *hist; /* 10 µs buckets up to 10 s, last = overflow */
#define HB 1000001
static uint64_t delivered, lat_max, deliv_bytes;
static size_t cur_msg_len;
static uint32_t *seq_count; static uint32_t done_upto; /* messages seen by all N */
static uint64_t *send_ns;
static int sent, replies, pub_err;
static uint64_t *ack_ns;
static int64_t next_id = 1, pending_id;
static char lastreply[65536];
static int have_reply;
static uint64_t t_first_send, t_last_deliv;
static int *room_alive;       /* subscribers reading, per room, once publishing */
static long *threads;         /* rt: the thread of each room */
static uint64_t misrouted;    /* deliveries of another room's message */
static long rss_max;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static uint32_t rnd(void)
{
	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	return (uint32_t)rng;
}

static void set_events(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | (c->want_out ? EPOLLOUT : 0), .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_close(struct conn *c)
{
	if (c->st == S_CLOSED)
		return;
	if (c->st == S_CONNECTING || c->st == S_HS)
		inflight_hs--;
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->st = S_CLOSED;
	nclosed++;
	if (room_alive && c != &pubc && !c->slow)
		room_alive[c->room]--;
	if (o.verbose)
		fprintf(stderr, "loadgen: connection %d closed\n", c->idx);
}

static void flush_out(struct conn *c)
{
	size_t off = 0;
	while (off < c->wlen) {
		ssize_t w = write(c->fd, c->wbuf + off, c->wlen - off);
		if (w < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) break;
			conn_close(c);
			return;
		}
		off += (size_t)w;
	}
	memmove(c->wbuf, c->wbuf + off, c->wlen - off);
	c->wlen -= off;
	int want = c->wlen > 0;
	if (want != c->want_out) {
		c->want_out = want;
		set_events(c);
	}
}

static void out_append(struct conn *c, const void *p, size_t n)
{
	if (c->wlen + n > c->wcap) {
		c->wcap = (c->wlen + n) * 2 + 256;
		c->wbuf = realloc(c->wbuf, c->wcap);
	}
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
}

/* One masked frame (opcode 1 text, 2 binary, 10 pong). */
static void send_frame(struct conn *c, int opcode, const void *payload, size_t n, int flush)
{
	unsigned char h[14];
	size_t hl = 0;
	uint32_t key = rnd();
	unsigned char mk[4] = { key, key >> 8, key >> 16, key >> 24 };
	h[hl++] = (unsigned char)(0x80 | opcode);
	if (n < 126) h[hl++] = (unsigned char)(0x80 | n);
	else if (n < 65536) { h[hl++] = 0x80 | 126; h[hl++] = n >> 8; h[hl++] = n & 255; }
	else { h[hl++] = 0x80 | 127; for (int i = 7; i >= 0; i--) h[hl++] = (unsigned char)((uint64_t)n >> (8 * i)); }
	memcpy(h + hl, mk, 4); hl += 4;
	out_append(c, h, hl);
	if (c->wlen + n > c->wcap) { c->wcap = (c->wlen + n) * 2; c->wbuf = realloc(c->wbuf, c->wcap); }
	const unsigned char *s = payload;
	for (size_t i = 0; i < n; i++)
		c->wbuf[c->wlen + i] = s[i] ^ mk[i & 3];
	c->wlen += n;
	if (flush)
		flush_out(c);
}

static void send_text(struct conn *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	send_frame(c, 1, buf, (size_t)n, 1);
}

/* --- MQTT ----------------------------------------------------------------- */

static size_t mq_varint(unsigned char *p, size_t v)
{
	size_t i = 0;
	do { unsigned char b = v % 128; v /= 128; if (v) b |= 128; p[i++] = b; } while (v);
	return i;
}

static void mq_send(struct conn *c, unsigned char type, const unsigned char *body, size_t n)
{
	static unsigned char pkt[MAX_PAD + 512];
	size_t l = 0;
	if (n > MAX_PAD + 500) die("mqtt packet too large");
	pkt[l++] = type;
	l += mq_varint(pkt + l, n);
	memcpy(pkt + l, body, n);
	send_frame(c, 2, pkt, l + n, 1);
}

static void mq_connect(struct conn *c)
{
	unsigned char b[64];
	char id[24];
	int idl = snprintf(id, sizeof id, "lg%d-%d", (int)getpid(), c->idx);
	size_t l = 0;
	memcpy(b, "\0\4MQTT\4\2\0\0", 10); l = 10; /* level 4, clean session, no keepalive */
	b[l++] = 0; b[l++] = (unsigned char)idl;
	memcpy(b + l, id, (size_t)idl); l += (size_t)idl;
	mq_send(c, 0x10, b, l);
}

/* The topic of a room: "bench", or "bench/<k>" with several rooms. */
static size_t mq_topic(int room, char *buf, size_t size)
{
	int n = o.rooms > 1 ? snprintf(buf, size, "bench/%d", room) : snprintf(buf, size, "bench");
	return (size_t)n;
}

static void mq_subscribe(struct conn *c)
{
	unsigned char b[64] = { 0, 1 };
	size_t tl = mq_topic(c->room, (char *)b + 4, sizeof b - 5);
	b[2] = (unsigned char)(tl >> 8); b[3] = (unsigned char)tl;
	b[4 + tl] = 0; /* QoS 0 */
	mq_send(c, 0x82, b, 5 + tl);
}

/* --- deliveries ----------------------------------------------------------- */

static void deliver(struct conn *c, const char *p, size_t n)
{
	/* p points at "lg <seq> <ns>" (n bytes available) */
	uint64_t t = now_ns();
	unsigned long seq = 0; unsigned long long ts = 0;
	size_t i = 3;
	if (n < 6 || memcmp(p, "lg ", 3) != 0 || !room_alive)
		return;
	while (i < n && p[i] >= '0' && p[i] <= '9') seq = seq * 10 + (unsigned long)(p[i++] - '0');
	if (i >= n || p[i++] != ' ')
		return;
	while (i < n && p[i] >= '0' && p[i] <= '9') ts = ts * 10 + (unsigned long long)(p[i++] - '0');
	if (seq < 1 || (int)((seq - 1) % (unsigned long)o.rooms) != c->room) {
		misrouted++;
		return;
	}
	unsigned long expect = c->last ? (unsigned long)c->last + (unsigned long)o.rooms : (unsigned long)c->room + 1;
	if (seq != expect) c->ooo++;
	if (seq > (unsigned long)c->last) c->last = (uint32_t)seq;
	c->got++;
	delivered++;
	deliv_bytes += cur_msg_len;
	t_last_deliv = t;
	uint64_t lat = t > ts ? t - ts : 0;
	if (lat > lat_max) lat_max = lat;
	uint64_t b = lat / 10000;
	hist[b < HB - 1 ? b : HB - 1]++;
	if (seq >= 1 && seq <= (unsigned long)o.m) {
		seq_count[seq]++;
		while (done_upto < (uint32_t)o.m && seq_count[done_upto + 1] >= (uint32_t)room_alive[done_upto % (uint32_t)o.rooms])
			done_upto++;
	}
}

static long json_int_after(const char *s, size_t n, const char *key)
{
	const char *p = memmem(s, n, key, strlen(key));
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int is_ok(const char *s, size_t n)
{
	return memmem(s, n, "\"ok\":true", 9) != NULL;
}

/* --- ballots ---------------------------------------------------------------- */

static uint64_t ballots_ok, ballots_err, ballots_inflight, t_ballots_end, t_last_ack;
static uint64_t *ack_hist; /* 10 µs buckets like hist */

static void cast_next(struct conn *c)
{
	static const char *choices[] = { "\"agree\"", "\"disagree\"", "\"abstain\"" };
	char receipt[80] = "";
	c->casts++;
	c->cast_ns = now_ns();
	ballots_inflight++;
	if (c->receipt[0])
		snprintf(receipt, sizeof receipt, ",\"receipt\":\"%s\"", c->receipt);
	/* a new idempotency key per ballot, as the web client sends */
	send_text(c, "{\"id\":%d,\"op\":\"ballot.cast\",\"args\":{\"decision\":%ld,\"choice\":%s%s},\"key\":\"lg-%d-%d-%d\"}",
	          10 + c->casts, o.decision, o.choice ? o.choice : choices[(c->idx + c->casts) % 3], receipt,
	          (int)getpid(), c->idx, c->casts);
}

static void on_ballot_ack(struct conn *c, const char *s, size_t n)
{
	uint64_t t = now_ns(), lat = t - c->cast_ns, b = lat / 10000;
	ballots_inflight--;
	if (is_ok(s, n)) {
		const char *rc = memmem(s, n, "\"receipt\":\"", 11);
		if (rc) {
			size_t k = strcspn(rc + 11, "\"");
			snprintf(c->receipt, sizeof c->receipt, "%.*s", (int)(k < sizeof c->receipt ? k : 0), rc + 11);
		}
		ballots_ok++;
		ack_hist[b < HB - 1 ? b : HB - 1]++;
		if (lat > lat_max) lat_max = lat;
		t_last_ack = t;
	} else {
		if (++ballots_err < 5)
			fprintf(stderr, "loadgen: ballot.cast failed: %.*s\n", (int)(n > 300 ? 300 : n), s);
		return; /* this voter stops */
	}
	if (t < t_ballots_end)
		cast_next(c);
}

static void on_rt_message(struct conn *c, char *s, size_t n)
{
	int is_event = memmem(s, n < 40 ? n : 40, "\"event\"", 7) != NULL;
	if (is_event) {
		if (c == &pubc || c->st != S_READY)
			return;
		const char *b = memmem(s, n, "\"body\":\"lg ", 11);
		if (b)
			deliver(c, b + 8, n - (size_t)(b + 8 - s));
		return;
	}
	if (c == &pubc) {
		long id = json_int_after(s, n, "\"id\":");
		if (id == pending_id) {
			size_t k = n < sizeof lastreply - 1 ? n : sizeof lastreply - 1;
			memcpy(lastreply, s, k); lastreply[k] = 0;
			have_reply = 1;
			pending_id = 0;
		} else {
			if (replies < o.m) ack_ns[replies] = now_ns() - send_ns[replies + 1];
			replies++;
			if (!is_ok(s, n)) {
				pub_err++;
				if (pub_err < 5) fprintf(stderr, "loadgen: post failed: %.*s\n", (int)(n > 300 ? 300 : n), s);
			}
		}
		return;
	}
	if (c->st == S_AUTH) {
		if (!is_ok(s, n)) die("auth.resume failed: %.*s", (int)(n > 300 ? 300 : n), s);
		if (o.mode == M_BALLOTS) {
			c->st = S_READY;
			nready++;
			return;
		}
		c->st = S_SUB;
		if (o.rooms > 1)
			send_text(c, "{\"id\":2,\"op\":\"coalition.subscribe\",\"args\":{\"coalition\":\"%s-%d\"}}", o.slug, c->room);
		else
			send_text(c, "{\"id\":2,\"op\":\"coalition.subscribe\",\"args\":{\"coalition\":\"%s\"}}", o.slug);
	} else if (c->st == S_READY && o.mode == M_BALLOTS) {
		on_ballot_ack(c, s, n);
	} else if (c->st == S_SUB) {
		if (!is_ok(s, n)) die("coalition.subscribe failed: %.*s", (int)(n > 300 ? 300 : n), s);
		c->st = S_READY;
		nready++;
	}
}

static void on_mqtt_bytes(struct conn *c, const unsigned char *p, size_t n)
{
	unsigned char *buf;
	size_t len;
	if (c->nmq) {
		c->mq = realloc(c->mq, c->nmq + n);
		memcpy(c->mq + c->nmq, p, n);
		buf = c->mq; len = c->nmq + n;
	} else {
		buf = (unsigned char *)p; len = n;
	}
	size_t off = 0;
	while (off + 2 <= len) {
		size_t rl = 0, mul = 1, i = off + 1;
		int okv = 0;
		while (i < len && i < off + 5) {
			rl += (buf[i] & 127) * mul; mul *= 128;
			if (!(buf[i++] & 128)) { okv = 1; break; }
		}
		if (!okv || i + rl > len) break;
		unsigned char type = buf[off] & 0xf0;
		const unsigned char *b = buf + i;
		if (type == 0x20) { /* CONNACK */
			if (rl < 2 || b[1] != 0) die("mqtt connect refused");
			if (c != &pubc) { c->st = S_SUB; mq_subscribe(c); }
			else { c->st = S_READY; }
		} else if (type == 0x90) { /* SUBACK */
			c->st = S_READY; nready++;
		} else if (type == 0x30 && c->st == S_READY && c != &pubc) {
			size_t tl = ((size_t)b[0] << 8) | b[1];
			if (2 + tl <= rl)
				deliver(c, (const char *)b + 2 + tl, rl - 2 - tl);
		}
		off = i + rl;
	}
	size_t rest = len - off;
	if (rest) {
		unsigned char *nb = malloc(rest);
		memcpy(nb, buf + off, rest);
		free(c->mq); c->mq = nb; c->nmq = rest;
	} else {
		free(c->mq); c->mq = NULL; c->nmq = 0;
	}
}

static void on_message(struct conn *c, int opcode, unsigned char *p, size_t n)
{
	(void)opcode;
	cur_msg_len = n;
	if (o.mode == M_MQTT) { on_mqtt_bytes(c, p, n); return; }
	if (o.mode == M_NODE) {
		if (c != &pubc && n > 3 && memcmp(p, "lg ", 3) == 0)
			deliver(c, (char *)p, n);
		return;
	}
	on_rt_message(c, (char *)p, n);
}

static void after_handshake(struct conn *c)
{
	inflight_hs--;
	if (o.mode == M_MQTT) { c->st = S_AUTH; mq_connect(c); return; }
	if (o.mode == M_NODE) {
		c->st = S_READY;
		if (c != &pubc) nready++;
		return;
	}
	if (c == &pubc) { c->st = S_READY; return; }
	c->st = S_AUTH;
	send_text(c, "{\"id\":1,\"op\":\"auth.resume\",\"args\":{\"token\":\"%s\"}}", c->token ? c->token : o.token);
}

static unsigned char rbuf[1 << 20];

static void on_readable(struct conn *c)
{
	for (;;) {
		size_t have = c->nleft;
		if (have > sizeof rbuf / 2) die("frame too large");
		if (have) memcpy(rbuf, c->left, have);
		ssize_t r = read(c->fd, rbuf + have, sizeof rbuf - have);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0 && errno == EAGAIN) return;
		if (r <= 0) { conn_close(c); return; }
		size_t len = have + (size_t)r, off = 0;
		if (c->st == S_HS) {
			unsigned char *e = memmem(rbuf, len, "\r\n\r\n", 4);
			if (!e) goto keep;
			if (memcmp(rbuf, "HTTP/1.1 101", 12) != 0)
				die("handshake refused: %.*s", (int)(e - rbuf), rbuf);
			off = (size_t)(e + 4 - rbuf);
			after_handshake(c);
		}
		while (c->st != S_CLOSED && len - off >= 2) {
			unsigned char *f = rbuf + off;
			int fin = f[0] & 0x80, op = f[0] & 15, masked = f[1] & 0x80;
			uint64_t pl = f[1] & 127;
			size_t hl = 2;
			if (pl == 126) { if (len - off < 4) break; pl = ((uint64_t)f[2] << 8) | f[3]; hl = 4; }
			else if (pl == 127) { if (len - off < 10) break; pl = 0; for (int i = 0; i < 8; i++) pl = (pl << 8) | f[2 + i]; hl = 10; }
			if (masked) hl += 4;
			if (len - off < hl + pl) break;
			unsigned char *p = f + hl;
			if (masked) for (uint64_t i = 0; i < pl; i++) p[i] ^= f[hl - 4 + (i & 3)];
			off += hl + pl;
			if (op == 8) { conn_close(c); break; }
			if (op == 9) { send_frame(c, 10, p, pl, 1); continue; }
			if (op == 10) continue;
			if (!fin || op == 0) {
				c->frag = realloc(c->frag, c->nfrag + pl);
				memcpy(c->frag + c->nfrag, p, pl);
				c->nfrag += pl;
				if (fin) { on_message(c, 1, c->frag, c->nfrag); free(c->frag); c->frag = NULL; c->nfrag = 0; }
				continue;
			}
			on_message(c, op, p, pl);
		}
		if (c->st == S_CLOSED) return;
keep:
		c->nleft = len - off;
		if (c->nleft) { c->left = realloc(c->left, c->nleft); memcpy(c->left, rbuf + off, c->nleft); }
		if ((size_t)r < sizeof rbuf - have) return;
	}
}

static void on_connected(struct conn *c)
{
	int err = 0; socklen_t el = sizeof err;
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) die("connect: %s", strerror(err));
	char key[25];
	unsigned char raw[16];
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (int i = 0; i < 16; i++) raw[i] = (unsigned char)rnd();
	for (int i = 0, j = 0; i < 15; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		key[j++] = b64[v >> 18]; key[j++] = b64[(v >> 12) & 63]; key[j++] = b64[(v >> 6) & 63]; key[j++] = b64[v & 63];
	}
	key[20] = b64[raw[15] >> 2]; key[21] = b64[(raw[15] & 3) << 4]; key[22] = '='; key[23] = '='; key[24] = 0;
	char req[512], path[32];
	if (o.mode == M_MQTT) snprintf(path, sizeof path, "/mqtt");
	else if (o.mode == M_NODE && c != &pubc && o.rooms > 1) snprintf(path, sizeof path, "/r%d", c->room);
	else if (o.mode == M_NODE) snprintf(path, sizeof path, "/");
	else snprintf(path, sizeof path, "/ws");
	const char *proto = o.mode == M_MQTT ? "Sec-WebSocket-Protocol: mqtt\r\n"
	                  : o.mode == M_NODE ? "" : "Sec-WebSocket-Protocol: roundtable.v1\r\n";
	int n = snprintf(req, sizeof req,
		"GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
		path, o.host, o.port, key, proto);
	c->st = S_HS;
	out_append(c, req, (size_t)n);
	flush_out(c);
}

static void open_conn(struct conn *c, int idx)
{
	memset(c, 0, sizeof *c);
	c->idx = idx;
	c->room = idx >= 0 ? idx % o.rooms : 0;
	c->token = tokens && idx >= 0 ? tokens[(o.first_token + idx) % ntokens] : NULL;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) die("socket: %s", strerror(errno));
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o.port) };
	inet_pton(AF_INET, o.host, &sa.sin_addr);
	c->st = S_CONNECTING;
	inflight_hs++;
	c->want_out = 1;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
}

static void poll_once(int timeout_ms)
{
	struct epoll_event evs[256];
	int k = epoll_wait(ep, evs, 256, timeout_ms);
	for (int i = 0; i < k; i++) {
		struct conn *c = evs[i].data.ptr;
		if (c->st == S_CLOSED) continue;
		if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
			if (c->st == S_CONNECTING) on_connected(c);
			else if (c->wlen) flush_out(c);
			else if (c->want_out) { c->want_out = 0; set_events(c); }
		}
		if (c->st != S_CLOSED && c->st != S_CONNECTING && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			on_readable(c);
	}
}

/* A request on the publisher, waiting for its reply. */
static const char *pub_call(const char *fmt, ...)
{
	char buf[1024], full[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pending_id = next_id++;
	int n = snprintf(full, sizeof full, "{\"id\":%" PRId64 ",%s", pending_id, buf + 1);
	have_reply = 0;
	send_frame(&pubc, 1, full, (size_t)n, 1);
	uint64_t dl = now_ns() + 30000000000ull;
	while (!have_reply) {
		if (pubc.st == S_CLOSED) die("publisher connection closed");
		if (now_ns() > dl) die("no reply to %s", full);
		poll_once(100);
	}
	return lastreply;
}

static void cpu_sample(uint64_t busy[2], uint64_t total[2])
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		int cpu; unsigned long long v[8] = { 0 };
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 5 && cpu >= 0 && cpu < 2) {
			uint64_t t = 0;
			for (int i = 0; i < 8; i++) t += v[i];
			total[cpu] = t; busy[cpu] = t - v[3] - v[4];
		}
	}
	if (f) fclose(f);
}


static double pct(const uint64_t *h, uint64_t count, double q)
{
	if (!count)
		return 0;
	uint64_t want = (uint64_t)(q * (double)count), acc = 0;
	if (want >= count) want = count - 1;
	for (size_t i = 0; i < HB; i++) {
		acc += h[i];
		if (acc > want) return (double)i * 0.01 + 0.005; /* ms, bucket middle */
	}
	return (double)lat_max / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* VmRSS of a process in KiB, -1 if unreadable. */
static long rss_kib(int pid)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			break;
	if (f) fclose(f);
	return v;
}

static void rss_sample(void)
{
	static uint64_t last;
	uint64_t t = now_ns();
	if (!o.pid || t - last < 50000000ull)
		return;
	last = t;
	long r = rss_kib(o.pid);
	if (r > rss_max) rss_max = r;
}

/* Median (and minimum) round trip of one request repeated reps times, ms. */
static double time_op(const char *req, int reps, double *min_ms)
{
	uint64_t *t = calloc((size_t)reps, sizeof *t);
	for (int i = 0; i < reps; i++) {
		uint64_t a = now_ns();
		const char *r = pub_call("%s", req);
		t[i] = now_ns() - a;
		if (!is_ok(r, strlen(r))) die("%s failed: %.300s", req, r);
	}
	qsort(t, (size_t)reps, sizeof *t, cmp_u64);
	double med = (double)t[reps / 2] / 1e6;
	if (min_ms) *min_ms = (double)t[0] / 1e6;
	free(t);
	return med;
}

/* RFC 3339 UTC, a year from now. */
static void next_year(char buf[32])
{
	time_t t = time(NULL) + 365 * 86400;
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
}

static long id_after(const char *r, const char *key)
{
	const char *p = strstr(r, key);
	return p ? strtol(p + strlen(key), NULL, 10) : 0;
}

/* The session tokens, one a line: voter i signs in with token i; a fan-out
 * subscriber i with token i % (number of tokens), its room's reader when
 * there is one token per room. */
static void load_tokens(void)
{
	FILE *f = fopen(o.tokens, "r");
	char line[128];
	int cap = 0;
	if (!f) die("cannot read %s", o.tokens);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0]) continue;
		if (ntokens == cap) tokens = realloc(tokens, (size_t)(cap = cap * 2 + 16) * sizeof *tokens);
		tokens[ntokens++] = strdup(line);
	}
	fclose(f);
	if (!ntokens) die("%s holds no token", o.tokens);
}

static void open_all(void)
{
	uint64_t t_setup = now_ns();
	int opened = 0;
	while (nready < o.n - nclosed) {
		while (opened < o.n && inflight_hs < 128)
			open_conn(&subs[opened], opened), opened++;
		poll_once(50);
		if (now_ns() - t_setup > 120000000000ull) die("setup timed out: %d of %d ready", nready, o.n);
	}
	if (nclosed) die("%d connections closed during setup", nclosed);
}

/* ballots: every voter casts, and casts again when acknowledged, for o.secs. */
static int run_ballots(void)
{
	char closes[32];
	uint64_t busy0[2] = { 0 }, tot0[2] = { 0 }, busy1[2] = { 0 }, tot1[2] = { 0 };

	if (!tokens) die("--tokens FILE is needed (bench/fill voters)");
	if (ntokens < o.first_token + o.n)
		die("%s holds %d tokens, %d voters from the %d-th wanted", o.tokens, ntokens, o.n, o.first_token);
	if (!o.decision) {
		next_year(closes);
		const char *r = pub_call("{\"op\":\"decision.create\",\"args\":{\"coalition\":\"%s\",\"title\":\"Durable ballots %d\","
		                         "\"body\":\"Each voter changes their mind as fast as the server acknowledges.\",\"kind\":\"proposal\","
		                         "\"eligible_roles\":[\"provider\"],\"closes_at\":\"%s\"}}", o.slug, (int)getpid(), closes);
		if (!is_ok(r, strlen(r)) || !(o.decision = id_after(r, "\"decision\":{\"id\":"))) die("decision.create failed: %s", r);
	}
	ack_hist = calloc(HB, sizeof *ack_hist);
	open_all();
	cpu_sample(busy0, tot0);
	uint64_t t0 = now_ns(), last_progress = t0, last_ok = 0;
	t_ballots_end = t0 + (uint64_t)(o.secs * 1e9);
	for (int i = 0; i < o.n; i++)
		cast_next(&subs[i]);
	while (ballots_inflight > 0 && nclosed == 0) {
		uint64_t t = now_ns();
		if (ballots_ok + ballots_err != last_ok) { last_ok = ballots_ok + ballots_err; last_progress = t; }
		if ((double)(t - last_progress) / 1e9 > o.timeout) break;
		poll_once(10);
	}
	cpu_sample(busy1, tot1);
	double dur = t_last_ack > t0 ? (double)(t_last_ack - t0) / 1e9 : 0;
	double c0 = tot1[0] > tot0[0] ? 100.0 * (double)(busy1[0] - busy0[0]) / (double)(tot1[0] - tot0[0]) : 0;
	double c1 = tot1[1] > tot0[1] ? 100.0 * (double)(busy1[1] - busy0[1]) / (double)(tot1[1] - tot0[1]) : 0;
	printf("ballots voters=%d decision=%ld ballots=%" PRIu64 " errors=%" PRIu64 " unanswered=%" PRIu64 " closed=%d secs=%.3f"
	       " ballots_per_s=%.0f ack_p50_ms=%.2f ack_p99_ms=%.2f ack_p999_ms=%.2f max_ms=%.2f cpu0=%.0f%% cpu1=%.0f%%\n",
	       o.n, o.decision, ballots_ok, ballots_err, ballots_inflight, nclosed, dur, dur > 0 ? (double)ballots_ok / dur : 0,
	       pct(ack_hist, ballots_ok, 0.5), pct(ack_hist, ballots_ok, 0.99), pct(ack_hist, ballots_ok, 0.999),
	       (double)lat_max / 1e6, c0, c1);
	fflush(stdout);
	return ballots_err || ballots_inflight || nclosed ? 3 : 0;
}

/* tally: --prepare makes the decision; otherwise time tally and close. */
static int run_tally(void)
{
	char req[2048], closes[32];
	if (o.prepare) {
		int l = 0;
		l += snprintf(req + l, sizeof req - (size_t)l, "[");
		for (int i = 0; i < o.options && i < 50; i++)
			l += snprintf(req + l, sizeof req - (size_t)l, "%s\"Option %d\"", i ? "," : "", i + 1);
		snprintf(req + l, sizeof req - (size_t)l, "]");
		next_year(closes);
		const char *r = pub_call("{\"op\":\"decision.create\",\"args\":{\"coalition\":\"%s\",\"title\":\"Ranked tally %d\","
		                         "\"body\":\"Rank the options.\",\"kind\":\"ranked\",\"options\":%s,\"secret\":true,"
		                         "\"eligible_roles\":[\"provider\"],\"closes_at\":\"%s\"}}", o.slug, (int)getpid(), req, closes);
		if (!is_ok(r, strlen(r)) || !(o.decision = id_after(r, "\"decision\":{\"id\":"))) die("decision.create failed: %s", r);
		printf("decision=%ld\n", o.decision);
		return 0;
	}
	double tmin = 0, close_ms = 0;
	snprintf(req, sizeof req, "{\"op\":\"decision.tally\",\"args\":{\"decision\":%ld}}", o.decision);
	double tmed = time_op(req, o.reps, &tmin);
	const char *r = pub_call("%s", req);
	long cast = id_after(r, "\"cast\":");
	int rounds = 0;
	for (const char *p = r; (p = strstr(p, "\"round\":")); p++) rounds++;
	const char *w = strstr(r, "\"winner\":\"");
	char winner[64] = "-";
	if (w) snprintf(winner, sizeof winner, "%.*s", (int)strcspn(w + 10, "\""), w + 10);
	for (char *q = winner; *q; q++)
		if (*q == ' ') *q = '_'; /* one field per key=value */
	if (o.close) {
		snprintf(req, sizeof req, "{\"op\":\"decision.close\",\"args\":{\"decision\":%ld}}", o.decision);
		close_ms = time_op(req, 1, NULL);
	}
	printf("tally decision=%ld cast=%ld rounds=%d winner=%s reps=%d tally_ms=%.2f tally_min_ms=%.2f close_ms=%.2f\n",
	       o.decision, cast, rounds, winner, o.reps, tmed, tmin, close_ms);
	fflush(stdout);
	return 0;
}

static uint64_t msgs_in_room(int k)
{
	return (uint64_t)(o.m / o.rooms + (k < o.m % o.rooms ? 1 : 0));
}

static uint64_t expected_total(void)
{
	uint64_t t = 0;
	for (int k = 0; k < o.rooms; k++)
		t += msgs_in_room(k) * (uint64_t)room_alive[k];
	return t;
}

/* The slow subscribers, after the run: read what waits for them for up to
 * 2 s (raw bytes, not counted as deliveries); closed: the server cut them. */
static void drain_slow(uint64_t *kib, int *cut)
{
	uint64_t bytes = 0, end = now_ns() + 2000000000ull, quiet = now_ns();
	*cut = 0;
	for (int i = 0; i < o.slow && i < o.n; i++) {
		struct conn *c = &subs[i];
		int eof = 0;
		if (c->st == S_CLOSED) { (*cut)++; continue; }
		while (!eof && now_ns() < end && now_ns() - quiet < 300000000ull) {
			ssize_t r = read(c->fd, rbuf, sizeof rbuf);
			if (r > 0) { bytes += (uint64_t)r; quiet = now_ns(); continue; }
			if (r == 0 || (errno != EAGAIN && errno != EINTR)) { eof = 1; break; }
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
		if (eof) (*cut)++;
		quiet = now_ns();
	}
	*kib = bytes / 1024;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen [--mode rt|node|mqtt|idle|paging|ballots|tally] [--host H] [--port P] [-n N] [-m M]\n"
		"               [--rate MSGS_PER_S] [--window W] [--email E --password P | --token T]\n"
		"               [--coalition SLUG] [--rooms R] [--slow K] [--pid SERVER_PID] [--max-secs S] [--send-secs S]\n"
		"               [--idle] [--hold S] [--pad BYTES (node, mqtt payload)]\n"
		"               [--thread T --before ID --reps R --mark-read ID]\n"
		"               [--tokens FILE (voters; readers) --decision D --secs S --choice JSON --first-token K] [--prepare --options K | --close] [--timeout S] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && ++i)
		if (OPT("--mode")) {
			o.mode = !strcmp(v, "rt") ? M_RT : !strcmp(v, "node") ? M_NODE : !strcmp(v, "mqtt") ? M_MQTT
			       : !strcmp(v, "idle") ? M_IDLE : !strcmp(v, "paging") ? M_PAGING
			       : !strcmp(v, "ballots") ? M_BALLOTS : !strcmp(v, "tally") ? M_TALLY : (usage(), M_RT);
		} else if (OPT("--host")) o.host = v;
		else if (OPT("--port")) o.port = atoi(v);
		else if (OPT("-n")) o.n = atoi(v);
		else if (OPT("-m")) o.m = atoi(v);
		else if (OPT("--rate")) o.rate = atof(v);
		else if (OPT("--window")) o.window = atoi(v);
		else if (OPT("--email")) o.email = v;
		else if (OPT("--password")) o.password = v;
		else if (OPT("--token")) snprintf(o.token, sizeof o.token, "%s", v);
		else if (OPT("--coalition")) o.slug = v;
		else if (OPT("--rooms")) o.rooms = atoi(v);
		else if (OPT("--slow")) o.slow = atoi(v);
		else if (OPT("--pid")) o.pid = atoi(v);
		else if (OPT("--hold")) o.hold = atoi(v);
		else if (OPT("--thread")) o.thread = atol(v);
		else if (OPT("--before")) o.before = atol(v);
		else if (OPT("--reps")) o.reps = atoi(v);
		else if (OPT("--pad")) o.pad = atoi(v);
		else if (OPT("--mark-read")) o.mark_read = atol(v);
		else if (OPT("--timeout")) o.timeout = atof(v);
		else if (OPT("--tokens")) o.tokens = v;
		else if (OPT("--decision")) o.decision = atol(v);
		else if (OPT("--secs")) o.secs = atof(v);
		else if (OPT("--max-secs")) o.max_secs = atof(v);
		else if (OPT("--send-secs")) o.send_secs = atof(v);
		else if (OPT("--options")) o.options = atoi(v);
		else if (OPT("--choice")) o.choice = v;
		else if (OPT("--first-token")) o.first_token = atoi(v);
		else if (!strcmp(a, "--prepare")) o.prepare = 1;
		else if (!strcmp(a, "--close")) o.close = 1;
		else if (!strcmp(a, "-v")) o.verbose = 1;
		else if (!strcmp(a, "--idle")) o.idle = 1;
		else usage();
	}
	if (o.pad < 0 || o.pad > MAX_PAD || o.rooms < 1 || o.rooms > o.n || o.n < 1 || o.m < 1 || o.slow < 0 || o.slow >= o.n || o.reps < 1)
		usage();
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if ((rlim_t)o.n + 64 > rl.rlim_cur)
		die("RLIMIT_NOFILE %lu is too low for %d connections (raise the hard limit: ulimit -Hn)", (unsigned long)rl.rlim_cur, o.n);
	rng ^= (uint64_t)now_ns() ^ (uint64_t)getpid() << 32;
	ep = epoll_create1(EPOLL_CLOEXEC);
	hist = calloc(HB, sizeof *hist);
	seq_count = calloc((size_t)o.m + 2, sizeof *seq_count);
	send_ns = calloc((size_t)o.m + 2, sizeof *send_ns);
	ack_ns = calloc((size_t)o.m + 2, sizeof *ack_ns);
	subs = calloc((size_t)o.n, sizeof *subs);
	threads = calloc((size_t)o.rooms, sizeof *threads);
	if (o.mode == M_IDLE) { o.mode = M_RT; o.idle = 1; }
	if (o.tokens)
		load_tokens();
	int rt = o.mode == M_RT || o.mode == M_PAGING || o.mode == M_BALLOTS || o.mode == M_TALLY;

	/* 1. the publisher (in idle mode it only signs in and prepares) */
	open_conn(&pubc, -1);
	while (pubc.st != S_READY) {
		if (pubc.st == S_CLOSED) die("publisher could not connect");
		poll_once(100);
	}
	if (rt) {
		const char *r0;
		if (!o.token[0]) {
			const char *r = pub_call("{\"op\":\"auth.login\",\"args\":{\"email\":\"%s\",\"password\":\"%s\"}}", o.email, o.password);
			const char *t = strstr(r, "\"token\":\"");
			if (!t || !is_ok(r, strlen(r))) die("auth.login failed: %s", r);
			t += 9;
			size_t k = strcspn(t, "\"");
			if (k >= sizeof o.token) die("token too long");
			memcpy(o.token, t, k); o.token[k] = 0;
		} else {
			const char *r = pub_call("{\"op\":\"auth.resume\",\"args\":{\"token\":\"%s\"}}", o.token);
			if (!is_ok(r, strlen(r))) die("auth.resume failed: %s", r);
		}
		if (o.mode == M_PAGING) {
			if (o.mark_read) {
				r0 = pub_call("{\"op\":\"thread.read\",\"args\":{\"thread\":%ld,\"upto\":%ld}}", o.thread, o.mark_read);
				if (!is_ok(r0, strlen(r0))) die("thread.read failed: %s", r0);
			}
			char req[256];
			snprintf(req, sizeof req, "{\"op\":\"thread.get\",\"args\":{\"thread\":%ld}}", o.thread);
			double newest = time_op(req, o.reps, NULL);
			snprintf(req, sizeof req, "{\"op\":\"thread.get\",\"args\":{\"thread\":%ld,\"before\":%ld}}", o.thread, o.before);
			double oldest = time_op(req, o.reps, NULL);
			printf("paging thread=%ld marked_read=%s reps=%d newest_page_ms=%.3f oldest_page_ms=%.3f ratio=%.2f\n",
			       o.thread, o.mark_read ? "yes" : "no", o.reps, newest, oldest, oldest / newest);
			return 0;
		}
		if (o.mode == M_TALLY)
			return run_tally();
		for (int k = 0; k < o.rooms; k++) {
			char slug[80];
			if (o.rooms > 1) snprintf(slug, sizeof slug, "%s-%d", o.slug, k);
			else snprintf(slug, sizeof slug, "%s", o.slug);
			const char *r = pub_call("{\"op\":\"coalition.create\",\"args\":{\"slug\":\"%s\",\"name\":\"Bench %s\"}}", slug, slug);
			if (!is_ok(r, strlen(r)) && !strstr(r, "\"conflict\"")) die("coalition.create failed: %s", r);
			if (o.mode == M_RT && !o.idle && !o.prepare) {
				r = pub_call("{\"op\":\"thread.create\",\"args\":{\"coalition\":\"%s\",\"title\":\"load %d\",\"body\":\"fan-out\"}}", slug, (int)getpid());
				const char *t = strstr(r, "\"thread\":{\"id\":");
				if (!t || !is_ok(r, strlen(r))) die("thread.create failed: %s", r);
				threads[k] = strtol(t + 15, NULL, 10);
			}
		}
		o.thread = threads[0];
		if (o.prepare) {
			printf("coalitions=%d\n", o.rooms);
			return 0;
		}
		if (o.mode == M_BALLOTS)
			return run_ballots();
	}

	/* 2. the subscribers, at most 128 handshakes in flight */
	uint64_t t_setup = now_ns();
	open_all();
	double setup_s = (double)(now_ns() - t_setup) / 1e9;
	if (o.idle) {
		printf("READY n=%d setup_s=%.2f\n", o.n, setup_s);
		fflush(stdout);
		uint64_t end = now_ns() + (uint64_t)o.hold * 1000000000ull;
		while (now_ns() < end)
			poll_once(100);
		printf("idle n=%d closed=%d\n", o.n, nclosed);
		return 0;
	}
	/* let the last subscriptions settle, so no event is half-subscribed */
	for (uint64_t e = now_ns() + 200000000ull; now_ns() < e;) poll_once(20);

	/* the slow ones stop reading; the others are counted per room */
	for (int i = 0; i < o.slow; i++) {
		subs[i].slow = 1;
		epoll_ctl(ep, EPOLL_CTL_DEL, subs[i].fd, NULL);
	}
	room_alive = calloc((size_t)o.rooms, sizeof *room_alive);
	for (int i = 0; i < o.n; i++)
		if (!subs[i].slow && subs[i].st != S_CLOSED)
			room_alive[subs[i].room]++;
	long rss0 = o.pid ? rss_kib(o.pid) : -1;
	rss_max = rss0;

	/* 3. publish M messages: fixed rate, or closed loop on fully delivered */
	uint64_t busy0[2] = { 0 }, tot0[2] = { 0 }, busy1[2] = { 0 }, tot1[2] = { 0 };
	cpu_sample(busy0, tot0);
	uint64_t t0 = now_ns(), last_progress = t0, last_deliv = 0;
	int gave_up = 0;
	t_first_send = t0;
	const char *tname = o.mode == M_MQTT ? "mqtt" : o.mode == M_NODE ? "node" : "roundtable";
	while (1) {
		uint64_t t = now_ns();
		if (o.send_secs > 0 && sent < o.m && (double)(t - t0) / 1e9 > o.send_secs)
			o.m = sent; /* enough sent: deliver those, then report */
		while (sent < o.m) {
			uint64_t due = o.rate > 0 ? t0 + (uint64_t)((double)sent * 1e9 / o.rate) : t;
			if (o.rate > 0 && due > t) break;
			if (o.rate <= 0 && ((uint32_t)sent - done_upto >= (uint32_t)o.window || (rt && sent - replies >= o.window)))
				break;
			int seq = sent + 1, room = sent % o.rooms;
			static char body[MAX_PAD + 64];
			int bl = snprintf(body, sizeof body, "lg %d %" PRIu64 " ", seq, due);
			while (bl < o.pad && bl < (int)sizeof body - 1) { body[bl] = bl % 8 == 7 ? ' ' : 'x'; bl++; } /* words: discount is slow on long unbroken runs */
			body[bl] = 0;
			send_ns[seq] = due;
			if (o.mode == M_RT) {
				static char req[MAX_PAD + 256];
				int n = snprintf(req, sizeof req, "{\"id\":%" PRId64 ",\"op\":\"message.post\",\"args\":{\"thread\":%ld,\"body\":\"%s\"}}",
				                 next_id++, threads[room], body);
				send_frame(&pubc, 1, req, (size_t)n, 1);
			} else if (o.mode == M_NODE) {
				static char msg[MAX_PAD + 128];
				int n = o.rooms > 1 ? snprintf(msg, sizeof msg, "@r%d %s", room, body) : snprintf(msg, sizeof msg, "%s", body);
				send_frame(&pubc, 1, msg, (size_t)n, 1);
			} else {
				static unsigned char b[MAX_PAD + 256];
				size_t tl = mq_topic(room, (char *)b + 2, 64);
				b[0] = (unsigned char)(tl >> 8); b[1] = (unsigned char)tl;
				memcpy(b + 2 + tl, body, (size_t)bl);
				mq_send(&pubc, 0x30, b, 2 + tl + (size_t)bl);
			}
			sent++;
		}
		uint64_t expect = expected_total();
		if (sent == o.m && delivered >= expect && (!rt || replies >= o.m))
			break;
		if (delivered != last_deliv || replies) { if (delivered != last_deliv) last_progress = t; last_deliv = delivered; }
		if ((double)(t - last_progress) / 1e9 > o.timeout) break;
		if (o.max_secs > 0 && (double)(t - t0) / 1e9 > o.max_secs) { gave_up = 1; break; }
		int to = 10;
		if (o.rate > 0 && sent < o.m) {
			uint64_t due = t0 + (uint64_t)((double)sent * 1e9 / o.rate);
			to = due > t ? (int)((due - t + 999999) / 1000000) : 0;
		}
		poll_once(to);
		rss_sample();
	}
	cpu_sample(busy1, tot1);
	if (gave_up)
		o.m = sent; /* lost: what was sent and not delivered */
	double dur = (double)(t_last_deliv - t_first_send) / 1e9;
	uint64_t lost = 0, ooo = 0;
	for (int i = 0; i < o.n; i++) {
		if (subs[i].slow) continue;
		uint64_t want = msgs_in_room(subs[i].room);
		if (subs[i].got < want) lost += want - subs[i].got;
		ooo += subs[i].ooo;
	}
	double c0 = tot1[0] > tot0[0] ? 100.0 * (double)(busy1[0] - busy0[0]) / (double)(tot1[0] - tot0[0]) : 0;
	double c1 = tot1[1] > tot0[1] ? 100.0 * (double)(busy1[1] - busy0[1]) / (double)(tot1[1] - tot0[1]) : 0;
	printf("server=%s thread=%ld n=%d rooms=%d m=%d rate=%s deliveries=%" PRIu64 " lost=%" PRIu64 " out_of_order=%" PRIu64
	       " misrouted=%" PRIu64 " closed=%d errors=%d secs=%.3f deliv_per_s=%.0f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f"
	       " msg_bytes=%.0f cpu0=%.0f%% cpu1=%.0f%% setup_s=%.1f",
	       tname, o.thread, o.n, o.rooms, o.m, o.rate > 0 ? "fixed" : "max", delivered, lost, ooo, misrouted, nclosed, pub_err, dur,
	       dur > 0 ? (double)delivered / dur : 0, pct(hist, delivered, 0.5), pct(hist, delivered, 0.99),
	       pct(hist, delivered, 0.999), (double)lat_max / 1e6, delivered ? (double)deliv_bytes / (double)delivered : 0, c0, c1, setup_s);
	if (gave_up)
		printf(" unfinished_after_s=%.0f", o.max_secs);
	if (o.pid) {
		rss_sample();
		printf(" rss_start_kib=%ld rss_max_kib=%ld", rss0, rss_max);
	}
	if (o.slow) {
		uint64_t kib = 0;
		int cut = 0;
		drain_slow(&kib, &cut);
		printf(" slow=%d slow_cut=%d slow_backlog_kib=%" PRIu64, o.slow, cut, kib);
	}
	printf("\n");
	if (rt && replies > 0) {
		int k = replies < o.m ? replies : o.m;
		qsort(ack_ns, (size_t)k, sizeof *ack_ns, cmp_u64);
		printf("  post_ack_p50_ms=%.2f post_ack_p99_ms=%.2f\n", (double)ack_ns[k / 2] / 1e6, (double)ack_ns[(size_t)(k * 0.99)] / 1e6);
	}
	if (o.rate > 0) printf("  target_msgs_per_s=%.1f target_deliv_per_s=%.0f\n", o.rate, o.rate * o.n);
	fflush(stdout);
	return lost || misrouted || nclosed || pub_err ? 3 : 0;
}
