/*
 * ratelimit.h: counts failed sign-ins per account and per address in a fixed
 * window, in memory. After too many, sign-in is refused with rate_limited
 * until the window passes, even with the right password.
 */
#ifndef RT_RATELIMIT_H
#define RT_RATELIMIT_H

#define RL_WINDOW_SECONDS (15 * 60)
#define RL_MAX_PER_ACCOUNT 5
#define RL_MAX_PER_ADDRESS 20

/* Is sign-in refused for this account (email) or address right now? */
int ratelimit_blocked(const char *email, const char *address);
/* Records a failed sign-in. */
void ratelimit_fail(const char *email, const char *address);
/* Forgets the account's failures after a successful sign-in. */
void ratelimit_success(const char *email);

#endif
