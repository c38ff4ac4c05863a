/*
 * rt.h: what every Roundtable module shares: the error codes (0 or a small
 * negative number, as in libgit2), member roles as a bit set, RFC 3339 time,
 * random tokens and their hashes.
 */
#ifndef RT_H
#define RT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum rt_err {
	RT_OK = 0,
	RT_EBADREQ = -1,    /* bad_request */
	RT_EUNAUTH = -2,    /* unauthenticated */
	RT_EFORBIDDEN = -3, /* forbidden */
	RT_ENOTFOUND = -4,  /* not_found */
	RT_ECONFLICT = -5,  /* conflict */
	RT_ECLOSED = -6,    /* closed */
	RT_ETOOLARGE = -7,  /* too_large */
	RT_ERATELIMIT = -8, /* rate_limited */
	RT_EINTERNAL = -9,  /* internal */
	RT_EUNAVAIL = -10,  /* unavailable: its storage needs repair (read-only until then) */
	RT_PENDING = 1      /* not an error: the reply comes later (async work) */
};

/* The protocol's error string for an rt_err ("internal" for unknown codes). */
const char *rt_err_code(int err);

enum rt_role {
	ROLE_CONVENER = 1 << 0,
	ROLE_DESIGN_TEAM = 1 << 1,
	ROLE_PROVIDER = 1 << 2,
	ROLE_FUNDER = 1 << 3,
	ROLE_HUB = 1 << 4,
	ROLE_PARENT = 1 << 5,
	ROLE_OBSERVER = 1 << 6
};
#define ROLE_ALL 0x7f

/* Parses a JSON array of role names into *out. Returns RT_OK or RT_EBADREQ. */
int roles_from_json(unsigned *out, const json_t *arr);
/* A new JSON array of the role names in the set; the caller owns it. */
json_t *roles_to_json(unsigned roles);
/* The bit of one role name, or 0 if unknown. */
unsigned role_from_name(const char *name);

/* The current time as RFC 3339 UTC ("2026-11-23T12:00:00Z") into buf (>= 21 bytes). */
void rt_now(char buf[static 21]);
/* now + seconds, same format. */
void rt_time_after(char buf[static 21], long seconds);
/* Parses RFC 3339 (Z or +hh:mm offset) into Unix seconds; -1 if malformed.
 * The canonical UTC form is written to canon if not NULL. */
long long rt_time_parse(const char *s, char canon[21]);

/* 32 random bytes as 43 chars of base64url (no padding) into buf (>= 44 bytes). */
void rt_token_new(char buf[static 44]);
/* SHA-256 of a string. */
void rt_sha256(unsigned char out[32], const void *data, size_t len);

enum rt_log_level { LOG_ERROR, LOG_WARN, LOG_INFO };
/* One line to stderr: time, level, message. Never pass secrets (passwords,
 * tokens) or what anonymity and ballot secrecy protect. */
void rt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Valid UTF-8 with no control characters other than \t \n \r? */
int rt_text_ok(const char *s);

/* Crash points, for the crash-safety tests: test builds (-DRT_CRASH_POINTS,
 * which `make SANITIZE=...` sets) kill themselves with SIGKILL the n-th time
 * a named site is reached when the environment says CRASH_AT=site:n (several
 * may be given, separated by commas). Release builds compile them away. */
#ifdef RT_CRASH_POINTS
void rt_crash_point(const char *site);
#define RT_CRASH_POINT(site) rt_crash_point(site)
#else
#define RT_CRASH_POINT(site) ((void)0)
#endif

#endif
