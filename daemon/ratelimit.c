/*
 * ratelimit.c: failed sign-in counters (see ratelimit.h). A fixed table of
 * slots keyed by a hash of "a:" email or "i:" address; an old or colliding
 * slot is reused, which can only forget failures, never invent them for
 * another key (the full key is compared).
 */
#include "ratelimit.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SLOTS 4096

static struct slot {
	char key[200];
	time_t start;
	int fails;
} slots[SLOTS];

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
			if (now - s->start >= RL_WINDOW_SECONDS) {
				s->start = now;
				s->fails = 0;
			}
			return s;
		}
	}
	if (!create)
		return NULL;
	for (int probe = 0; probe < 8; probe++) {
		struct slot *s = &slots[(h + probe) % SLOTS];
		if (!s->key[0] || now - s->start >= RL_WINDOW_SECONDS || probe == 7) {
			snprintf(s->key, sizeof s->key, "%s", key);
			s->start = now;
			s->fails = 0;
			return s;
		}
	}
	i = h % SLOTS;
	return &slots[i];
}

int ratelimit_blocked(const char *email, const char *address)
{
	struct slot *a = slot_for("a:", email, 0), *i = slot_for("i:", address, 0);
	return (a && a->fails >= RL_MAX_PER_ACCOUNT) || (i && i->fails >= RL_MAX_PER_ADDRESS);
}

void ratelimit_fail(const char *email, const char *address)
{
	slot_for("a:", email, 1)->fails++;
	slot_for("i:", address, 1)->fails++;
}

void ratelimit_success(const char *email)
{
	struct slot *a = slot_for("a:", email, 0);
	if (a)
		a->fails = 0;
}
