/*
 * ratelimit.h: the gate every password check passes through. Failed sign-ins
 * are counted per account (email) and per address, in memory.
 *
 * Only failures count. After RL_MAX_PER_ACCOUNT failures for one account, or
 * RL_MAX_PER_ADDRESS from one address, within RL_WINDOW_SECONDS of the first
 * of them, sign-in is refused (RL_LIMITED, even with the right password)
 * until that window ends. A success forgets the account's failures (not the
 * address's). So that concurrent attempts get no more guesses than the
 * limits allow, at most (limit - failures) attempts of one account or of one
 * address are checked at a time; the others wait in line, in order, and are
 * not refused: when an attempt ends they are started, or refused if the
 * limit has been reached meanwhile. A waiting attempt costs no hashing; how
 * many hashes run at once is the worker pool's business (workers.h).
 *
 * Keys ("a:" lower-case email, "i:" address, IPv6 by its /64) are hashed
 * with SipHash-2-4 (crypto_shorthash) under a random key of the process for
 * the bucket, and identified by a keyed BLAKE2b-128, so nobody can choose
 * keys that collide. Colliding keys share a bucket's chain; nothing is ever
 * evicted. An entry lives while it holds failures of an unfinished window or
 * attempts under way. When every entry is in use, an attempt that would need
 * a new one is refused (RL_FULL) until entries expire: the table being full
 * can delay unknown keys, never unlock a known one.
 *
 * Event loop thread only.
 */
#ifndef RT_RATELIMIT_H
#define RT_RATELIMIT_H

#include <stddef.h>
#include <time.h>

#define RL_WINDOW_SECONDS (15 * 60)
#define RL_MAX_PER_ACCOUNT 5
#define RL_MAX_PER_ADDRESS 20
/* Entries of the table (each key with failures or attempts under way). */
#define RL_ENTRIES 65536
/* Attempts that may wait in line at once; past this, RL_BUSY. */
#define RL_MAX_WAITING 1024

enum rl_verdict {
	RL_STARTED, /* start() was called and took the attempt */
	RL_WAITING, /* in line: start() or refuse() will be called later */
	RL_LIMITED, /* too many failures of the account or the address */
	RL_FULL,    /* no entry free for a new key */
	RL_BUSY,    /* too many attempts waiting already, or shutting down */
};

enum rl_outcome { RL_FAILED, RL_SUCCEEDED, RL_ABANDONED };

/* One sign-in attempt, embedded in its caller's job. The caller fills
 * email, address, start and refuse; the rest is the limiter's. */
struct rl_attempt {
	char email[256];
	char address[64];
	/* The attempt has begun: hand it to a worker. Returns 0, or -1 when
	 * there is no room now (it is then kept waiting and tried again when
	 * another attempt ends). */
	int (*start)(struct rl_attempt *a);
	/* The attempt is refused (verdict RL_LIMITED, RL_FULL or RL_BUSY);
	 * retry_after: seconds until it may succeed. The attempt is the
	 * caller's again. */
	void (*refuse)(struct rl_attempt *a, int verdict, long retry_after);
	struct rl_attempt *next; /* in line */
};

/* Starts the attempt now (RL_STARTED: its start() has run and returned 0),
 * keeps it in line (RL_WAITING: start() or refuse() will be called from a
 * later ratelimit_end or ratelimit_stop, never from here), or refuses it
 * (RL_LIMITED, RL_FULL, RL_BUSY: no callback is called, *retry_after is
 * set). */
int ratelimit_admit(struct rl_attempt *a, long *retry_after);
/* Ends a started attempt, then starts or refuses the attempts in line that
 * can be decided now (their callbacks run before this returns). */
void ratelimit_end(struct rl_attempt *a, int outcome);
/* Refuses every attempt in line (RL_BUSY): at shutdown. */
void ratelimit_stop(void);

/* A human sentence for a refusal, with the wait, into buf. */
const char *ratelimit_message(int verdict, long retry_after, char *buf, size_t size);

/* For tests: empties the limiter and sets its size (entries, buckets: a
 * power of two) and hash key (crypto_shorthash_KEYBYTES bytes; NULL for a
 * random one), and the clock (NULL for time()). Nothing may be waiting. */
void ratelimit_configure(size_t entries, size_t buckets, const unsigned char *key, time_t (*clock)(void));
/* For tests: the bucket a key falls in ("a:" email or "i:" address). */
size_t ratelimit_bucket(const char *kind, const char *value);

#endif
