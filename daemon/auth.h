/*
 * auth.h: signing in and out. Passwords are argon2id hashes
 * (crypto_pwhash_str, INTERACTIVE limits) checked on a worker thread so a
 * sign-in never stalls other members. Session tokens are 256 random bits;
 * only their SHA-256 is stored, with an expiry. Failed sign-ins are rate
 * limited per account and per address.
 */
#ifndef RT_AUTH_H
#define RT_AUTH_H

#include "dispatch.h"

struct db;

#define SESSION_SECONDS (30L * 24 * 3600)
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024
#define SESSION_COOKIE "rt_session"

int auth_login(struct req *r);
int auth_resume(struct req *r);
int auth_logout(struct req *r);
int auth_whoami(struct req *r);
int auth_accept_invite(struct req *r);

/* HTTP: POST /api/session with the body gathered in s->http_body. Sets the
 * session's HTTP response now or when the hash is checked (then asks for a
 * write). */
void auth_http_login(struct session *s);
/* HTTP: DELETE /api/session with the cookie header value. */
void auth_http_logout(struct session *s, const char *cookie);
/* The member of a Cookie header's valid session: RT_OK or RT_EUNAUTH. */
int auth_cookie_member(struct db *db, const char *cookie, int64_t *member_id);
/* Signs a new WebSocket connection in from its Cookie header, if valid. */
void auth_from_cookie(struct session *s, const char *cookie);

/* HTTP: GET /git/<slug>.git/... (path without "/git") with the request's
 * Authorization header (or NULL). Basic credentials are checked with
 * argon2id on a worker, through the sign-in limits, unless the same header
 * was verified in the last 60 seconds; the answer (mou_http_git's, 401 or
 * 429) is left in s->http for HTTP_WRITEABLE, now or when the check ends. */
void auth_http_git(struct session *s, const char *path, const char *authorization);
/* Forgets the member's verified git credentials (their password changed or
 * their sessions ended; signing out does it). */
void auth_forget_git_credentials(int64_t member_id);

/* Prepares the dummy hash used for unknown emails (call once at start-up). */
void auth_init(void);
/* Refuses the sign-ins still waiting in line (after workers_stop). */
void auth_stop(void);

/* Hashes a password with argon2id (blocking: for the command line).
 * Returns RT_OK or RT_EBADREQ (too short/long) or RT_EINTERNAL. */
int auth_hash_password(char out[128], const char *password);

#endif
