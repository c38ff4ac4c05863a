/*
 * ratelimit.h: counts failed sign-ins per account and per address in a fixed
 * window, in memory. After too many, sign-in is refused with rate_limited
 * until the window passes, even with the right password. Attempts still being
 * checked count as failures until they end, so concurrent attempts cannot
 * get past the limits.
 */
#ifndef RT_RATELIMIT_H
#define RT_RATELIMIT_H

#define RL_WINDOW_SECONDS (15 * 60)
#define RL_MAX_PER_ACCOUNT 5
#define RL_MAX_PER_ADDRESS 20
/* An attempt that never ended (fail or success) is forgotten after this long
 * without new attempts from the same account or address. */
#define RL_PENDING_SECONDS 120

/* Is sign-in refused for this account (email) or address right now? When it
 * is not, the attempt is counted as begun: end it with ratelimit_fail or
 * ratelimit_success. */
int ratelimit_blocked(const char *email, const char *address);
/* Records a failed sign-in (ending an attempt begun by ratelimit_blocked). */
void ratelimit_fail(const char *email, const char *address);
/* Ends the account's attempt and forgets its failures after a successful
 * sign-in. */
void ratelimit_success(const char *email);

#endif
