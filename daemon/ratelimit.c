/*
 * ratelimit.c: sign-in attempts counted per account and per address, and the
 * line of attempts waiting for their turn (see ratelimit.h).
 *
 * The table is a pool of entries chained from buckets; a free list holds the
 * unused ones. An entry is freed as soon as it holds nothing (no failure, no
 * attempt under way); one whose window has ended is freed when it is next
 * looked at, or by a sweep of the whole pool when the free list is empty (at
 * most once a second, so a full table costs no more than that).
 */
#include "ratelimit.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_BYTES 16
#define NIL UINT32_MAX

struct entry {
	unsigned char id[ID_BYTES]; /* keyed BLAKE2b of the key */
	uint32_t next;              /* in its bucket's chain, or the free list */
	uint32_t bucket;
	int used;
	int fails;    /* in the window */
	int pending;  /* attempts started, not ended */
	time_t start; /* of the window: the first failure */
};

static struct {
	struct entry *e;
	uint32_t *heads;
	size_t n, nb;
	uint32_t free_head;
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	unsigned char idkey[crypto_generichash_KEYBYTES];
	time_t (*clock)(void);
	time_t last_sweep;
	time_t next_expiry; /* found by the last sweep: when an entry frees up */
	struct rl_attempt *line, **line_tail;
	size_t n_waiting;
	int deciding, again;
} T;

static time_t now(void)
{
	return T.clock ? T.clock() : time(NULL);
}

void ratelimit_configure(size_t entries, size_t buckets, const unsigned char *key, time_t (*clock)(void))
{
	free(T.e);
	free(T.heads);
	memset(&T, 0, sizeof T);
	T.n = entries;
	T.nb = buckets;
	T.e = calloc(entries, sizeof *T.e);
	T.heads = malloc(buckets * sizeof *T.heads);
	if (!T.e || !T.heads)
		abort(); /* at start-up: nothing sensible to do without the limiter */
	for (size_t i = 0; i < buckets; i++)
		T.heads[i] = NIL;
	for (size_t i = 0; i < entries; i++)
		T.e[i].next = i + 1 < entries ? (uint32_t)(i + 1) : NIL;
	T.free_head = 0;
	if (key)
		memcpy(T.hkey, key, sizeof T.hkey);
	else
		crypto_shorthash_keygen(T.hkey);
	randombytes_buf(T.idkey, sizeof T.idkey);
	T.clock = clock;
	T.line_tail = &T.line;
}

static void init(void)
{
	if (!T.e)
		ratelimit_configure(RL_ENTRIES, RL_ENTRIES, NULL, NULL);
}

/* The normalized key: kind, then the email in lower case, or the address
 * (an IPv6 address by its /64, since one host commonly has a whole /64). */
static void make_key(char *out, size_t size, const char *kind, const char *value)
{
	unsigned char a6[16];
	size_t n;
	if (!value)
		value = "";
	if (strcmp(kind, "i:") == 0 && strchr(value, ':') && strncmp(value, "::ffff:", 7) != 0 &&
	    inet_pton(AF_INET6, value, a6) == 1) {
		snprintf(out, size, "i6:%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", a6[0], a6[1], a6[2], a6[3], a6[4],
		         a6[5], a6[6], a6[7]);
		return;
	}
	if (strcmp(kind, "i:") == 0 && strncmp(value, "::ffff:", 7) == 0 && strchr(value + 7, '.'))
		value += 7;
	snprintf(out, size, "%s%s", kind, value);
	for (n = 0; out[n]; n++)
		out[n] = (char)tolower((unsigned char)out[n]);
}

static void hash_key(const char *kind, const char *value, unsigned char id[ID_BYTES], uint32_t *bucket)
{
	char key[400];
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	make_key(key, sizeof key, kind, value);
	crypto_shorthash(h, (const unsigned char *)key, strlen(key), T.hkey);
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)h[i] << (8 * i);
	*bucket = (uint32_t)(v & (T.nb - 1));
	crypto_generichash(id, ID_BYTES, (const unsigned char *)key, strlen(key), T.idkey, sizeof T.idkey);
}

size_t ratelimit_bucket(const char *kind, const char *value)
{
	unsigned char id[ID_BYTES];
	uint32_t b;
	init();
	hash_key(kind, value, id, &b);
	return b;
}

static int expired(const struct entry *x, time_t t)
{
	return x->fails && t - x->start >= RL_WINDOW_SECONDS;
}

/* Unlinks an entry from its chain and puts it on the free list. */
static void release_entry(uint32_t i)
{
	uint32_t *p = &T.heads[T.e[i].bucket];
	while (*p != NIL && *p != i)
		p = &T.e[*p].next;
	if (*p == i)
		*p = T.e[i].next;
	memset(&T.e[i], 0, sizeof T.e[i]);
	T.e[i].next = T.free_head;
	T.free_head = i;
}

/* Forgets an ended window; frees the entry if it then holds nothing.
 * Returns 1 if it was freed. */
static int tidy(uint32_t i, time_t t)
{
	struct entry *x = &T.e[i];
	if (expired(x, t))
		x->fails = 0;
	if (!x->fails && !x->pending) {
		release_entry(i);
		return 1;
	}
	return 0;
}

static struct entry *find(const char *kind, const char *value)
{
	unsigned char id[ID_BYTES];
	uint32_t b, i;
	hash_key(kind, value, id, &b);
	for (i = T.heads[b]; i != NIL; i = T.e[i].next)
		if (sodium_memcmp(T.e[i].id, id, ID_BYTES) == 0)
			return tidy(i, now()) ? NULL : &T.e[i];
	return NULL;
}

/* Frees every entry holding nothing any more; notes when the next frees up. */
static void sweep(time_t t)
{
	T.last_sweep = t;
	T.next_expiry = 0;
	for (uint32_t i = 0; i < T.n; i++) {
		struct entry *x = &T.e[i];
		if (!x->used || tidy(i, t))
			continue;
		if (x->fails && !x->pending && (!T.next_expiry || x->start + RL_WINDOW_SECONDS < T.next_expiry))
			T.next_expiry = x->start + RL_WINDOW_SECONDS;
	}
}

/* The entry of a key, created if needed; NULL when the table is full. */
static struct entry *get(const char *kind, const char *value)
{
	unsigned char id[ID_BYTES];
	uint32_t b, i;
	struct entry *x = find(kind, value);
	time_t t = now();
	if (x)
		return x;
	if (T.free_head == NIL && t != T.last_sweep)
		sweep(t);
	if (T.free_head == NIL)
		return NULL;
	hash_key(kind, value, id, &b);
	i = T.free_head;
	x = &T.e[i];
	T.free_head = x->next;
	memset(x, 0, sizeof *x);
	memcpy(x->id, id, ID_BYTES);
	x->used = 1;
	x->bucket = b;
	x->next = T.heads[b];
	T.heads[b] = i;
	return x;
}

static long wait_of(const struct entry *x, time_t t)
{
	long w = (long)(x->start + RL_WINDOW_SECONDS - t);
	return w < 1 ? 1 : w;
}

/* What may happen to an attempt now: RL_STARTED (may start), RL_WAITING,
 * RL_LIMITED. */
static int decide(const struct rl_attempt *a, long *retry_after)
{
	struct entry *acc = find("a:", a->email), *adr = find("i:", a->address);
	time_t t = now();
	long w = 0;
	if (acc && acc->fails >= RL_MAX_PER_ACCOUNT)
		w = wait_of(acc, t);
	if (adr && adr->fails >= RL_MAX_PER_ADDRESS && wait_of(adr, t) > w)
		w = wait_of(adr, t);
	if (w) {
		*retry_after = w;
		return RL_LIMITED;
	}
	if ((acc && acc->fails + acc->pending >= RL_MAX_PER_ACCOUNT) ||
	    (adr && adr->fails + adr->pending >= RL_MAX_PER_ADDRESS))
		return RL_WAITING;
	return RL_STARTED;
}

/* Counts the attempt as begun. RL_STARTED, or RL_FULL. */
static int begin(const struct rl_attempt *a, long *retry_after)
{
	struct entry *acc = get("a:", a->email), *adr;
	if (!acc)
		goto full;
	acc->pending++; /* held, so that making the address's entry cannot free it */
	if (!(adr = get("i:", a->address))) {
		acc->pending--;
		find("a:", a->email); /* frees it if it holds nothing */
		goto full;
	}
	adr->pending++;
	return RL_STARTED;
full:
	*retry_after = T.next_expiry > now() ? (long)(T.next_expiry - now()) : 1;
	return RL_FULL;
}

/* Undoes begin() for an attempt that could not start. */
static void unbegin(const struct rl_attempt *a)
{
	struct entry *acc = find("a:", a->email), *adr = find("i:", a->address);
	if (acc && acc->pending > 0)
		acc->pending--;
	if (adr && adr->pending > 0)
		adr->pending--;
	find("a:", a->email);
	find("i:", a->address);
}

/* Starts or refuses the attempts in line that can be decided now, in order,
 * in one pass (another if a callback ended an attempt meanwhile). Stops at
 * the first one that cannot start for lack of room. Callbacks may call back
 * into the limiter: a nested ratelimit_end only asks for another pass, and
 * an attempt admitted meanwhile joins the end of the line. */
static void decide_line(void)
{
	struct rl_attempt **p, *a;
	long retry = 0;
	int v, no_room = 0;

	if (T.deciding) {
		T.again = 1;
		return;
	}
	T.deciding = 1;
	do {
		T.again = 0;
		for (p = &T.line; (a = *p) && !no_room;) {
			v = decide(a, &retry);
			if (v == RL_WAITING) {
				p = &a->next;
				continue;
			}
			if (v == RL_STARTED)
				v = begin(a, &retry);
			/* out of line before any callback, which may free it; p stays
			 * valid: only this function takes attempts out of the line */
			*p = a->next;
			if (!*p)
				T.line_tail = p;
			T.n_waiting--;
			if (v != RL_STARTED) {
				a->refuse(a, v, retry);
			} else if (a->start(a) != 0) {
				unbegin(a);
				a->next = *p; /* back in its place; no room for anyone now */
				*p = a;
				if (!a->next)
					T.line_tail = &a->next;
				T.n_waiting++;
				no_room = 1;
			}
		}
	} while (T.again && !no_room);
	T.deciding = 0;
}

int ratelimit_admit(struct rl_attempt *a, long *retry_after)
{
	int v;
	init();
	*retry_after = 0;
	a->next = NULL;
	v = decide(a, retry_after);
	if (v == RL_STARTED && (v = begin(a, retry_after)) == RL_STARTED) {
		if (a->start(a) == 0)
			return RL_STARTED;
		unbegin(a);
		v = RL_WAITING;
	}
	if (v != RL_WAITING)
		return v;
	if (T.n_waiting >= RL_MAX_WAITING) {
		*retry_after = 1;
		return RL_BUSY;
	}
	*T.line_tail = a;
	T.line_tail = &a->next;
	T.n_waiting++;
	return RL_WAITING;
}

void ratelimit_end(struct rl_attempt *a, int outcome)
{
	struct entry *x[2];
	time_t t = now();
	init();
	x[0] = find("a:", a->email);
	x[1] = find("i:", a->address);
	for (int k = 0; k < 2; k++) {
		if (!x[k])
			continue;
		if (x[k]->pending > 0)
			x[k]->pending--;
		if (outcome == RL_FAILED) {
			if (!x[k]->fails)
				x[k]->start = t;
			x[k]->fails++;
		} else if (outcome == RL_SUCCEEDED && k == 0) {
			x[k]->fails = 0;
		}
	}
	find("a:", a->email); /* frees what holds nothing now */
	find("i:", a->address);
	decide_line();
}

void ratelimit_stop(void)
{
	struct rl_attempt *a;
	init();
	while ((a = T.line)) {
		T.line = a->next;
		if (!T.line)
			T.line_tail = &T.line;
		T.n_waiting--;
		a->refuse(a, RL_BUSY, 1);
	}
}

const char *ratelimit_message(int verdict, long retry_after, char *buf, size_t size)
{
	long minutes = (retry_after + 59) / 60;
	if (verdict == RL_LIMITED && retry_after > 90)
		snprintf(buf, size, "too many failed sign-ins; try again in %ld minutes", minutes);
	else if (verdict == RL_LIMITED)
		snprintf(buf, size, "too many failed sign-ins; try again in %ld seconds", retry_after);
	else if (verdict == RL_FULL)
		snprintf(buf, size, "too many failed sign-ins on this server right now; try again in %ld %s",
		         retry_after > 90 ? minutes : retry_after, retry_after > 90 ? "minutes" : "seconds");
	else
		snprintf(buf, size, "too many sign-ins at once; try again in a moment");
	return buf;
}
