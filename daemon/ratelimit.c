/*
 * ratelimit.c: sign-in attempts counted per account and per address (see
 * ratelimit.h). A fixed table of slots keyed by a hash of "a:" email or "i:"
 * address; an old or colliding slot is reused, which can only forget
 * failures, never invent them for another key (the full key is compared).
 *
 * An attempt counts from the moment it is let through (ratelimit_blocked),
 * not only once its password hash has failed: otherwise a burst of concurrent
 * sign-ins would all pass the check before the first failure is recorded, and
 * get as many guesses as the worker queue holds.
 */
#include "ratelimit.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SLOTS 4096

static struct slot {
	char key[200];
	time_t start;      /* of the window */
	int fails;         /* in the window */
	int pending;       /* attempts let through, not yet ended by a failure or success */
	time_t pending_at; /* the latest of them */
	char addr[64];     /* account slots: the address of the latest attempt */
} slots[SLOTS];

/* Starts a new window, and forgets attempts that never ended (a worker
 * queue that was full, a connection gone) once none began for a while. */
static void age(struct slot *s, time_t now)
{
	if (now - s->start >= RL_WINDOW_SECONDS) {
		s->start = now;
		s->fails = 0;
	}
	if (s->pending && now - s->pending_at >= RL_PENDING_SECONDS)
		s->pending = 0;
}

static struct slot *slot_for(const char *kind, const char *value, int create)
{
	char key[200];
	unsigned h = 2166136261u;
	time_t now = time(NULL);
	size_t i;

	snprintf(key, sizeof key, "%s%s", kind, value ? value : "");
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (int probe = 0; probe < 8; probe++) {
		struct slot *s = &slots[(h + probe) % SLOTS];
		if (strcmp(s->key, key) == 0) {
			age(s, now);
			return s;
		}
	}
	if (!create)
		return NULL;
	/* A free slot: never used, or holding nothing (no failure in its
	 * window, no attempt under way); else the last probe is taken over. */
	for (int probe = 0; probe < 8; probe++) {
		struct slot *s = &slots[(h + probe) % SLOTS];
		if (!s->key[0] || (!s->pending && (!s->fails || now - s->start >= RL_WINDOW_SECONDS)) || probe == 7) {
			memset(s, 0, sizeof *s);
			snprintf(s->key, sizeof s->key, "%s", key);
			s->start = now;
			return s;
		}
	}
	i = h % SLOTS;
	return &slots[i];
}

/* One attempt of this slot has ended. */
static void release(struct slot *s)
{
	if (s && s->pending > 0)
		s->pending--;
}

int ratelimit_blocked(const char *email, const char *address)
{
	struct slot *a = slot_for("a:", email, 1), *i;
	if (a->fails + a->pending >= RL_MAX_PER_ACCOUNT)
		return 1;
	i = slot_for("i:", address, 1);
	if (i->fails + i->pending >= RL_MAX_PER_ADDRESS)
		return 1;
	a->pending++;
	i->pending++;
	a->pending_at = i->pending_at = time(NULL);
	snprintf(a->addr, sizeof a->addr, "%s", address ? address : "");
	return 0;
}

void ratelimit_fail(const char *email, const char *address)
{
	struct slot *a = slot_for("a:", email, 1), *i;
	release(a);
	a->fails++;
	i = slot_for("i:", address, 1);
	release(i);
	i->fails++;
}

void ratelimit_success(const char *email)
{
	struct slot *a = slot_for("a:", email, 0);
	if (!a)
		return;
	release(a);
	a->fails = 0;
	if (a->addr[0])
		release(slot_for("i:", a->addr, 0));
}
