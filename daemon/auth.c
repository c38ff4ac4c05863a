/*
 * auth.c: auth.* operations and the browser session endpoints (see auth.h).
 */
#include "auth.h"
#include "db.h"
#include "hooks.h"
#include "metrics.h"
#include "names.h"
#include "ratelimit.h"
#include "rt.h"
#include "server.h"
#include "session.h"
#include "store_members.h"
#include "workers.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum login_mode { MODE_LOGIN, MODE_ACCEPT_NEW, MODE_ACCEPT_EXISTING };
/* Who is waiting for the answer: a WebSocket request, POST /api/session, or
 * a GET /git/ request with basic credentials. */
enum login_kind { KIND_WS, KIND_HTTP, KIND_GIT };

struct login_job {
	struct job job;
	struct rl_attempt att; /* its place in the sign-in limits (ratelimit.h) */
	struct session *s;  /* reference held */
	struct req *r;      /* the WebSocket request; NULL for HTTP */
	int kind;
	int mode;
	int found;
	struct member_auth member;
	struct invite inv;
	char email[256];
	char name[NAME_BYTES_MAX + 1];
	char password[PASSWORD_MAX + 1];
	char new_hash[crypto_pwhash_STRBYTES];
	int ok;
	char path[320];              /* git: the request path */
	unsigned char git_key[32];   /* git: the cache key of the Authorization header */
};

static void git_answer(struct session *s, const char *path, int64_t member);
static void git_cache_put(const unsigned char key[32], int64_t member, const char *email, const char *pw_hash);
static void git_forget(int64_t member_id);
static void http_respond(struct session *s, int status, json_t *body, const char *headers);
static json_t *http_error(int err, const char *message);

/* A hash of a random password, so an unknown email costs as much as a known one. */
static char dummy_hash[crypto_pwhash_STRBYTES];

int auth_hash_password(char out[128], const char *password)
{
	size_t n = strlen(password);
	if (n < PASSWORD_MIN || n > PASSWORD_MAX)
		return RT_EBADREQ;
	if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return RT_EINTERNAL;
	return RT_OK;
}

static void job_work(struct job *j)
{
	struct login_job *lj = (struct login_job *)j;
	size_t n = strlen(lj->password);

	switch (lj->mode) {
	case MODE_LOGIN:
	case MODE_ACCEPT_EXISTING:
		lj->ok = crypto_pwhash_str_verify(lj->found ? lj->member.pw_hash : dummy_hash,
		                                  lj->password, n) == 0 && lj->found;
		break;
	case MODE_ACCEPT_NEW:
		lj->ok = auth_hash_password(lj->new_hash, lj->password) == RT_OK;
		break;
	}
	sodium_memzero(lj->password, sizeof lj->password);
}

static void job_free(struct login_job *lj)
{
	session_unref(lj->s);
	sodium_memzero(lj, sizeof *lj);
	free(lj);
}

/* {token?, member, coalitions} for a signed-in member. */
static json_t *session_json(struct db *db, int64_t member_id, const char *token)
{
	json_t *member = NULL, *coalitions = NULL, *out;
	if (store_member_json(db, member_id, &member) != RT_OK ||
	    store_coalitions_of(db, member_id, 0, &coalitions) != RT_OK) {
		json_decref(member);
		return NULL;
	}
	out = json_pack("{s:o, s:o}", "member", member, "coalitions", coalitions);
	if (token)
		json_object_set_new(out, "token", json_string(token));
	return out;
}

/* Creates a session row; token receives the secret, hash its SHA-256. */
static int session_create(struct db *db, int64_t member_id, char token[44], unsigned char hash[32])
{
	char expires[21];
	rt_token_new(token);
	rt_sha256(hash, token, strlen(token));
	rt_time_after(expires, SESSION_SECONDS);
	return store_session_create(db, hash, member_id, expires);
}

/* Starts a password job; on a full queue replies rate_limited. */
static int submit(struct login_job *lj)
{
	lj->job.work = job_work;
	if (workers_submit(&lj->job) != 0)
		return RT_ERATELIMIT;
	return RT_PENDING;
}

/* --- the sign-in limits ---------------------------------------------------- */

static struct login_job *job_of(struct rl_attempt *a)
{
	return (struct login_job *)(void *)((char *)a - offsetof(struct login_job, att));
}

/* The limiter lets the attempt begin: its hash goes to the workers, or waits
 * in line when their queue is full. */
static int attempt_start(struct rl_attempt *a)
{
	struct login_job *lj = job_of(a);
	lj->job.work = job_work;
	return workers_submit(&lj->job) == 0 ? 0 : -1;
}

/* The error of a refused WebSocket sign-in, with the wait in data.retry_after. */
static int ws_refusal(struct req *r, int verdict, long retry_after)
{
	char msg[160];
	req_fail(r, RT_ERATELIMIT, NULL, "%s", ratelimit_message(verdict, retry_after, msg, sizeof msg));
	json_decref(r->err_data);
	r->err_data = json_pack("{s:I}", "retry_after", (json_int_t)retry_after);
	return RT_ERATELIMIT;
}

/* Answers a refused HTTP or git sign-in with 429 and Retry-After. */
static void http_refusal(struct login_job *lj, int verdict, long retry_after)
{
	char msg[160], headers[64], *text;
	struct session *s = lj->s;
	ratelimit_message(verdict, retry_after, msg, sizeof msg);
	snprintf(headers, sizeof headers, "Retry-After: %ld\r\n", retry_after);
	if (s->closed)
		return;
	if (lj->kind == KIND_HTTP) {
		json_t *body = http_error(RT_ERATELIMIT, msg);
		json_object_set_new(json_object_get(body, "error"), "data",
		                    json_pack("{s:I}", "retry_after", (json_int_t)retry_after));
		http_respond(s, 429, body, headers);
		return;
	}
	if (asprintf(&text, "%s\n", msg) < 0)
		text = NULL;
	free(s->http->resp);
	s->http->resp = text;
	s->http->resp_len = text ? strlen(text) : 0;
	snprintf(s->http->resp_type, sizeof s->http->resp_type, "text/plain; charset=utf-8");
	snprintf(s->http->headers, sizeof s->http->headers, "%s", headers);
	s->http->status = 429;
	s->http->resp_ready = 1;
	if (s->wsi)
		lws_callback_on_writable(s->wsi);
}

/* The limiter refuses an attempt that waited in line. */
static void attempt_refused(struct rl_attempt *a, int verdict, long retry_after)
{
	struct login_job *lj = job_of(a);
	struct req *r = lj->r;
	if (lj->kind == KIND_WS) {
		ws_refusal(r, verdict, retry_after);
		lj->r = NULL;
		job_free(lj);
		dispatch_finish(r);
		return;
	}
	http_refusal(lj, verdict, retry_after);
	job_free(lj);
}

/* Hands a password check to the limiter (email and address are the job's).
 * RT_PENDING: the job is the limiter's and the workers' now (its done()
 * answers); else the caller answers the refusal (verdict, retry_after) and
 * frees the job. */
static int admit(struct login_job *lj, const char *email, const char *address, int *verdict, long *retry_after)
{
	snprintf(lj->att.email, sizeof lj->att.email, "%s", email ? email : "");
	snprintf(lj->att.address, sizeof lj->att.address, "%s", address ? address : "");
	lj->att.start = attempt_start;
	lj->att.refuse = attempt_refused;
	*verdict = ratelimit_admit(&lj->att, retry_after);
	return *verdict == RL_STARTED || *verdict == RL_WAITING ? RT_PENDING : RT_ERATELIMIT;
}

/* --- WebSocket: auth.login ------------------------------------------------ */

/* Logs a failed sign-in without the email (it may be someone's password typed in the wrong box). */
static void log_failure(const struct login_job *lj)
{
	if (lj->found)
		rt_log(LOG_WARN, "failed sign-in for member %lld from %s", (long long)lj->member.id, lj->s->peer);
	else
		rt_log(LOG_WARN, "failed sign-in for an unknown email from %s", lj->s->peer);
}

static void login_done(struct job *j)
{
	struct login_job *lj = (struct login_job *)j;
	struct req *r = lj->r;
	struct db *db = r->srv->db;
	char token[44];

	ratelimit_end(&lj->att, lj->ok ? RL_SUCCEEDED : RL_FAILED);
	if (!lj->ok) {
		log_failure(lj);
		metrics_login_failure();
		req_fail(r, RT_EUNAUTH, NULL, "wrong email or password");
		goto done;
	}
	if (db_begin(db, 1) != RT_OK) {
		req_fail(r, RT_EINTERNAL, NULL, "the database is unavailable");
		goto done;
	}
	r->in_txn = 1;
	r->write = 1;
	if (session_create(db, lj->member.id, token, r->sign_in_token) != RT_OK ||
	    !(r->data = session_json(db, lj->member.id, token))) {
		req_fail(r, RT_EINTERNAL, NULL, "could not start a session");
		goto done;
	}
	r->sign_in = 1;
	r->sign_in_member = lj->member.id;
done:
	lj->r = NULL;
	job_free(lj);
	dispatch_finish(r);
}

int auth_login(struct req *r)
{
	const char *email = json_string_value(json_object_get(r->args, "email"));
	const char *password = json_string_value(json_object_get(r->args, "password"));
	struct login_job *lj;
	long retry = 0;
	int verdict;

	if (!(lj = calloc(1, sizeof *lj)))
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	lj->s = session_ref(r->sess);
	lj->r = r;
	lj->kind = KIND_WS;
	lj->mode = MODE_LOGIN;
	lj->found = store_member_by_email(r->srv->db, email, &lj->member) == RT_OK;
	snprintf(lj->email, sizeof lj->email, "%s", email);
	snprintf(lj->password, sizeof lj->password, "%s", password);
	lj->job.done = login_done;
	if (admit(lj, email, r->sess->peer, &verdict, &retry) == RT_PENDING)
		return RT_PENDING;
	lj->r = NULL;
	job_free(lj);
	return ws_refusal(r, verdict, retry);
}

/* --- auth.resume, auth.whoami, auth.logout ------------------------------- */

int auth_resume(struct req *r)
{
	const char *token = json_string_value(json_object_get(r->args, "token"));
	int64_t member_id;
	unsigned char hash[32];

	rt_sha256(hash, token, strlen(token));
	if (store_session_member(r->srv->db, hash, &member_id) != RT_OK)
		return req_fail(r, RT_EUNAUTH, "token", "the session has ended or expired; sign in again");
	if (!(r->data = session_json(r->srv->db, member_id, token)))
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the member");
	r->sign_in = 1;
	r->sign_in_member = member_id;
	memcpy(r->sign_in_token, hash, 32);
	return RT_OK;
}

int auth_whoami(struct req *r)
{
	if (!(r->data = session_json(r->srv->db, r->member_id, NULL)))
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the member");
	return RT_OK;
}

int auth_logout(struct req *r)
{
	struct session *s = r->sess;
	if (s->has_token && store_session_delete(r->srv->db, s->token_hash) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not end the session");
	r->sign_in = -1;
	r->sign_in_member = s->has_token ? s->member_id : 0;
	git_forget(s->member_id);
	memcpy(r->sign_in_token, s->token_hash, 32);
	return RT_OK;
}

/* --- auth.accept_invite -------------------------------------------------- */

static void accept_done(struct job *j)
{
	struct login_job *lj = (struct login_job *)j;
	struct req *r = lj->r;
	struct db *db = r->srv->db;
	struct invite now;
	unsigned char hash[32];
	char token[44];
	int64_t member_id = lj->member.id;
	json_t *joined = NULL;
	unsigned old_roles = 0;
	int created = 0, err;

	/* Every attempt the limiter let begin ends here, whatever follows. */
	if (lj->mode == MODE_ACCEPT_EXISTING)
		ratelimit_end(&lj->att, lj->ok ? RL_SUCCEEDED : RL_FAILED);
	if (!lj->ok) {
		if (lj->mode == MODE_ACCEPT_EXISTING) {
			log_failure(lj);
			metrics_login_failure();
			req_fail(r, RT_EUNAUTH, "password", "this email has an account: give its password");
		} else {
			req_fail(r, RT_EINTERNAL, NULL, "could not hash the password");
		}
		goto done;
	}
	if (db_begin(db, 1) != RT_OK) {
		req_fail(r, RT_EINTERNAL, NULL, "the database is unavailable");
		goto done;
	}
	r->in_txn = 1;
	r->write = 1;
	/* The invite may have been used while the password was hashed. */
	rt_sha256(hash, json_string_value(json_object_get(r->args, "invite_token")),
	          json_string_length(json_object_get(r->args, "invite_token")));
	if (store_invite_by_hash(db, hash, &now) != RT_OK || now.accepted) {
		req_fail(r, RT_ENOTFOUND, "invite_token", "this invitation has been used already");
		goto done;
	}
	if (lj->mode == MODE_ACCEPT_NEW) {
		err = store_member_create(db, lj->inv.email, lj->name, lj->new_hash, 0, &member_id);
		if (err == RT_ECONFLICT)
			req_fail(r, RT_ECONFLICT, NULL, "an account with this email was just created; try again");
		else if (err)
			req_fail(r, err, NULL, "could not create the account");
		if (err)
			goto done;
	}
	/* An invitation adds roles; it never takes any away (a member invited
	 * again as an observer stays a convener). */
	if (lj->mode == MODE_ACCEPT_EXISTING &&
	    store_membership_roles(db, lj->inv.coalition_id, member_id, &old_roles) == RT_OK)
		lj->inv.roles |= old_roles;
	if (store_membership_set(db, lj->inv.coalition_id, member_id, lj->inv.roles,
	                         lj->inv.has_org ? lj->inv.organization : NULL, &created) != RT_OK ||
	    store_invite_accept(db, lj->inv.id, member_id) != RT_OK ||
	    store_membership_json(db, lj->inv.coalition_id, member_id, &joined) != RT_OK) {
		req_fail(r, RT_EINTERNAL, NULL, "could not join the coalition");
		goto done;
	}
	if (req_event(r, lj->inv.coalition_id, created ? "member.joined" : "member.updated", AUD_ALL, 0,
	              member_id, json_pack("{s:o}", "member", joined)) != RT_OK)
		goto done;
	if (session_create(db, member_id, token, r->sign_in_token) != RT_OK ||
	    !(r->data = session_json(db, member_id, token))) {
		req_fail(r, RT_EINTERNAL, NULL, "could not start a session");
		goto done;
	}
	r->sign_in = 1;
	r->sign_in_member = member_id;
done:
	lj->r = NULL;
	job_free(lj);
	dispatch_finish(r);
}

int auth_accept_invite(struct req *r)
{
	const char *token = json_string_value(json_object_get(r->args, "invite_token"));
	const char *password = json_string_value(json_object_get(r->args, "password"));
	const char *name = json_string_value(json_object_get(r->args, "name"));
	struct login_job *lj;
	unsigned char hash[32];
	char now[21];
	long retry = 0;
	const char *why;
	int err, verdict;

	rt_sha256(hash, token, strlen(token));
	if (!(lj = calloc(1, sizeof *lj)))
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	lj->s = session_ref(r->sess);
	lj->r = r;
	lj->kind = KIND_WS;
	rt_now(now);
	if (store_invite_by_hash(r->srv->db, hash, &lj->inv) != RT_OK || lj->inv.accepted ||
	    strcmp(lj->inv.expires_at, now) <= 0) {
		err = req_fail(r, RT_ENOTFOUND, "invite_token", "no such invitation, or it was used or expired");
		goto fail;
	}
	snprintf(lj->email, sizeof lj->email, "%s", lj->inv.email);
	lj->found = store_member_by_email(r->srv->db, lj->inv.email, &lj->member) == RT_OK;
	lj->mode = lj->found ? MODE_ACCEPT_EXISTING : MODE_ACCEPT_NEW;
	/* The name given, or the convener's (checked too: it may predate the
	 * rule); an existing account keeps its own name. */
	if ((name || lj->mode == MODE_ACCEPT_NEW) && (why = name_check(name ? name : lj->inv.name, lj->name))) {
		err = req_fail(r, RT_EBADREQ, "name", "%s%s", why, name ? "" : " (the invitation's name cannot be used: give yours)");
		goto fail;
	}
	if (lj->mode == MODE_ACCEPT_NEW && (strlen(password) < PASSWORD_MIN || strlen(password) > PASSWORD_MAX)) {
		err = req_fail(r, RT_EBADREQ, "password", "a password needs %d to %d characters",
		               PASSWORD_MIN, PASSWORD_MAX);
		goto fail;
	}
	snprintf(lj->password, sizeof lj->password, "%s", password);
	lj->job.done = accept_done;
	/* The password of an existing account is a sign-in: limited like one.
	 * A new account's password is only hashed. */
	if (lj->mode == MODE_ACCEPT_EXISTING) {
		if (admit(lj, lj->email, r->sess->peer, &verdict, &retry) == RT_PENDING)
			return RT_PENDING;
		err = ws_refusal(r, verdict, retry);
		goto fail;
	}
	if ((err = submit(lj)) != RT_PENDING) {
		req_fail(r, err, NULL, "too many sign-ins at once; try again in a moment");
		goto fail;
	}
	return RT_PENDING;
fail:
	job_free(lj);
	return err;
}

/* --- HTTP: POST and DELETE /api/session ---------------------------------- */

static void http_respond(struct session *s, int status, json_t *body, const char *headers)
{
	free(s->http->resp);
	s->http->resp = json_dumps(body, JSON_COMPACT);
	s->http->resp_len = s->http->resp ? strlen(s->http->resp) : 0;
	s->http->resp_type[0] = '\0'; /* application/json */
	json_decref(body);
	s->http->status = status;
	snprintf(s->http->headers, sizeof s->http->headers, "%s", headers ? headers : "");
	s->http->resp_ready = 1;
	if (s->wsi)
		lws_callback_on_writable(s->wsi);
}

static json_t *http_error(int err, const char *message)
{
	return json_pack("{s:{s:s, s:s}}", "error", "code", rt_err_code(err), "message", message);
}

static void http_login_done(struct job *j)
{
	struct login_job *lj = (struct login_job *)j;
	struct session *s = lj->s;
	struct db *db = s->srv->db;
	char token[44], cookie[160];
	unsigned char hash[32];
	json_t *body = NULL;

	ratelimit_end(&lj->att, lj->ok ? RL_SUCCEEDED : RL_FAILED);
	if (!lj->ok) {
		log_failure(lj);
		metrics_login_failure();
	}
	if (s->closed)
		goto done;
	if (!lj->ok) {
		http_respond(s, 401, http_error(RT_EUNAUTH, "wrong email or password"), NULL);
		goto done;
	}
	if (db_begin(db, 1) != RT_OK || session_create(db, lj->member.id, token, hash) != RT_OK ||
	    !(body = session_json(db, lj->member.id, NULL)) || db_commit(db) != RT_OK) {
		db_rollback(db);
		json_decref(body);
		http_respond(s, 500, http_error(RT_EINTERNAL, "could not start a session"), NULL);
		goto done;
	}
	snprintf(cookie, sizeof cookie, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s\r\n",
	         SESSION_COOKIE, token, SESSION_SECONDS, s->http->secure ? "; Secure" : "");
	http_respond(s, 200, body, cookie);
done:
	job_free(lj);
}

void auth_http_login(struct session *s)
{
	json_t *body = s->http->body ? json_loadb(s->http->body, s->http->body_len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	const char *email = json_string_value(json_object_get(body, "email"));
	const char *password = json_string_value(json_object_get(body, "password"));
	struct login_job *lj = NULL;
	long retry = 0;
	int verdict;

	if (!email || !password || strlen(email) > 254 || strlen(password) > PASSWORD_MAX) {
		http_respond(s, 400, http_error(RT_EBADREQ, "send JSON {\"email\": ..., \"password\": ...}"), NULL);
		goto done;
	}
	if (!(lj = calloc(1, sizeof *lj))) {
		http_respond(s, 500, http_error(RT_EINTERNAL, "out of memory"), NULL);
		goto done;
	}
	lj->s = session_ref(s);
	lj->kind = KIND_HTTP;
	lj->mode = MODE_LOGIN;
	lj->found = store_member_by_email(s->srv->db, email, &lj->member) == RT_OK;
	snprintf(lj->email, sizeof lj->email, "%s", email);
	snprintf(lj->password, sizeof lj->password, "%s", password);
	lj->job.done = http_login_done;
	if (admit(lj, email, s->peer, &verdict, &retry) != RT_PENDING) {
		http_refusal(lj, verdict, retry);
		job_free(lj);
	}
done:
	json_decref(body);
}

/* --- HTTP: GET /git/ with basic credentials --------------------------------- */

/*
 * Credentials verified in the last GIT_CACHE_SECONDS, by a keyed BLAKE2b of
 * the whole Authorization header (the key is random per process): a clone
 * makes one request per object, and each would otherwise cost an argon2id
 * check. An entry also holds the SHA-256 of the member's password hash when
 * it was verified: a changed password no longer matches it, and the entry is
 * dropped at once. Signing out drops the member's entries (git_forget).
 */
#define GIT_CACHE_SLOTS 256
#define GIT_CACHE_SECONDS 60
static struct git_cred {
	unsigned char key[32];
	unsigned char pw[32];
	int64_t member;
	char email[256];
	time_t until;
} git_cache[GIT_CACHE_SLOTS];
static unsigned char git_cache_secret[crypto_generichash_KEYBYTES];

static void git_cache_key(const char *header, unsigned char key[32])
{
	crypto_generichash(key, 32, (const unsigned char *)header, strlen(header), git_cache_secret,
	                   sizeof git_cache_secret);
}

/* The member of a cached header whose password has not changed since, or 0. */
static int64_t git_cache_get(struct db *db, const unsigned char key[32])
{
	time_t now = time(NULL);
	struct member_auth ma;
	unsigned char pw[32];
	for (int i = 0; i < GIT_CACHE_SLOTS; i++) {
		struct git_cred *c = &git_cache[i];
		if (!c->member || sodium_memcmp(c->key, key, 32) != 0)
			continue;
		if (c->until > now && store_member_by_email(db, c->email, &ma) == RT_OK && ma.id == c->member) {
			rt_sha256(pw, ma.pw_hash, strlen(ma.pw_hash));
			if (sodium_memcmp(pw, c->pw, 32) == 0)
				return c->member;
		}
		sodium_memzero(c, sizeof *c);
		return 0;
	}
	return 0;
}

static void git_cache_put(const unsigned char key[32], int64_t member, const char *email, const char *pw_hash)
{
	time_t now = time(NULL);
	int slot = 0;
	for (int i = 0; i < GIT_CACHE_SLOTS; i++) { /* the same header, a free slot, or the oldest */
		if (git_cache[i].member && sodium_memcmp(git_cache[i].key, key, 32) == 0) {
			slot = i;
			break;
		}
		if (git_cache[i].until < git_cache[slot].until || git_cache[i].until <= now)
			slot = i;
	}
	memcpy(git_cache[slot].key, key, 32);
	rt_sha256(git_cache[slot].pw, pw_hash, strlen(pw_hash));
	git_cache[slot].member = member;
	snprintf(git_cache[slot].email, sizeof git_cache[slot].email, "%s", email);
	git_cache[slot].until = now + GIT_CACHE_SECONDS;
}

static void git_forget(int64_t member_id)
{
	for (int i = 0; member_id && i < GIT_CACHE_SLOTS; i++)
		if (git_cache[i].member == member_id)
			sodium_memzero(&git_cache[i], sizeof git_cache[i]);
}

void auth_forget_git_credentials(int64_t member_id)
{
	git_forget(member_id);
}

/* Answers a git request for member (0: no valid credentials) with the
 * repository's file (mou_http_git). */
static void git_answer(struct session *s, const char *path, int64_t member)
{
	char *ctype = NULL, *body = NULL;
	size_t len = 0;
	int status = 500;

	if (s->closed)
		return;
	if (!mou_http_git) { /* no MOU area in this build */
		status = 404;
		body = strdup("not found\n");
		len = body ? strlen(body) : 0;
	} else if (mou_http_git(s->srv->db, s->srv->cfg.data_dir, path, member, &status, &ctype, &body, &len) != RT_OK) {
		status = 500;
		free(body);
		body = strdup("could not read the repository\n");
		len = body ? strlen(body) : 0;
	}
	free(s->http->resp);
	s->http->resp = body;
	s->http->resp_len = len;
	snprintf(s->http->resp_type, sizeof s->http->resp_type, "%s",
	         ctype && status == 200 ? ctype : "text/plain; charset=utf-8");
	snprintf(s->http->headers, sizeof s->http->headers, "%s",
	         status == 401 ? "WWW-Authenticate: Basic realm=\"roundtable\", charset=\"UTF-8\"\r\n" : "");
	free(ctype);
	s->http->status = status;
	s->http->resp_ready = 1;
	if (s->wsi)
		lws_callback_on_writable(s->wsi);
}

static void git_done(struct job *j)
{
	struct login_job *lj = (struct login_job *)j;

	ratelimit_end(&lj->att, lj->ok ? RL_SUCCEEDED : RL_FAILED);
	if (lj->ok) {
		git_cache_put(lj->git_key, lj->member.id, lj->email, lj->member.pw_hash);
	} else {
		if (lj->found)
			rt_log(LOG_WARN, "failed git sign-in for member %lld from %s", (long long)lj->member.id, lj->s->peer);
		else
			rt_log(LOG_WARN, "failed git sign-in for an unknown email from %s", lj->s->peer);
		metrics_login_failure();
	}
	git_answer(lj->s, lj->path, lj->ok ? lj->member.id : 0);
	job_free(lj);
}

/* "Basic base64(email:password)" into email and password; -1 if malformed. */
static int basic_credentials(const char *header, char email[256], char password[PASSWORD_MAX + 1])
{
	unsigned char raw[1200];
	const char *b64, *end;
	char *colon;
	size_t n = 0;
	int rc = -1;

	for (b64 = header + 6; *b64 == ' '; b64++)
		;
	for (end = b64 + strlen(b64); end > b64 && isspace((unsigned char)end[-1]); end--)
		;
	if (sodium_base642bin(raw, sizeof raw - 1, b64, (size_t)(end - b64), NULL, &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		goto done;
	raw[n] = '\0';
	if (memchr(raw, '\0', n) || !(colon = strchr((char *)raw, ':')))
		goto done;
	*colon = '\0';
	if (strlen((char *)raw) > 254 || !*raw || strlen(colon + 1) > PASSWORD_MAX)
		goto done;
	snprintf(email, 256, "%s", (char *)raw);
	snprintf(password, PASSWORD_MAX + 1, "%s", colon + 1);
	rc = 0;
done:
	sodium_memzero(raw, sizeof raw);
	return rc;
}

void auth_http_git(struct session *s, const char *path, const char *authorization)
{
	unsigned char key[32];
	struct login_job *lj;
	int64_t member;
	long retry = 0;
	int verdict;

	s->http->resp_ready = 0;
	if (!authorization || strncasecmp(authorization, "Basic ", 6) != 0) {
		git_answer(s, path, 0);
		return;
	}
	git_cache_key(authorization, key);
	if ((member = git_cache_get(s->srv->db, key)) != 0) {
		git_answer(s, path, member);
		return;
	}
	if (!(lj = calloc(1, sizeof *lj))) {
		git_answer(s, path, 0);
		return;
	}
	if (basic_credentials(authorization, lj->email, lj->password) != 0 ||
	    snprintf(lj->path, sizeof lj->path, "%s", path) >= (int)sizeof lj->path) {
		sodium_memzero(lj, sizeof *lj);
		free(lj);
		git_answer(s, path, 0);
		return;
	}
	lj->s = session_ref(s);
	lj->kind = KIND_GIT;
	lj->mode = MODE_LOGIN;
	memcpy(lj->git_key, key, 32);
	lj->found = store_member_by_email(s->srv->db, lj->email, &lj->member) == RT_OK;
	lj->job.done = git_done;
	if (admit(lj, lj->email, s->peer, &verdict, &retry) != RT_PENDING) {
		http_refusal(lj, verdict, retry);
		job_free(lj);
	}
}

/* The value of our cookie in a Cookie header into token (44 bytes). */
static int cookie_token(const char *cookie, char token[44])
{
	const char *p = cookie;
	size_t n = strlen(SESSION_COOKIE);
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, SESSION_COOKIE, n) == 0 && p[n] == '=') {
			size_t len = strcspn(p + n + 1, "; ");
			if (len == 0 || len >= 44)
				return -1;
			memcpy(token, p + n + 1, len);
			token[len] = '\0';
			return 0;
		}
		p = strchr(p, ';');
	}
	return -1;
}

void auth_http_logout(struct session *s, const char *cookie)
{
	char token[44];
	unsigned char hash[32];
	int64_t member_id;
	if (cookie && cookie_token(cookie, token) == 0) {
		rt_sha256(hash, token, strlen(token));
		if (store_session_member(s->srv->db, hash, &member_id) == RT_OK)
			git_forget(member_id);
		store_session_delete(s->srv->db, hash);
		server_end_session(s->srv, hash);
	}
	http_respond(s, 200, json_object(),
	             "Set-Cookie: " SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0\r\n");
}

/* The token hash and member of a cookie's valid session. */
static int cookie_session(struct db *db, const char *cookie, unsigned char hash[32], int64_t *member_id)
{
	char token[44];
	if (!cookie || cookie_token(cookie, token) != 0)
		return RT_EUNAUTH;
	rt_sha256(hash, token, strlen(token));
	return store_session_member(db, hash, member_id);
}

int auth_cookie_member(struct db *db, const char *cookie, int64_t *member_id)
{
	unsigned char hash[32];
	return cookie_session(db, cookie, hash, member_id);
}

void auth_from_cookie(struct session *s, const char *cookie)
{
	unsigned char hash[32];
	int64_t member_id;
	if (cookie_session(s->srv->db, cookie, hash, &member_id) == RT_OK)
		session_sign_in(s, member_id, store_member_is_admin(s->srv->db, member_id), hash);
}

void auth_init(void)
{
	char pw[32];
	randombytes_buf(pw, sizeof pw - 1);
	for (size_t i = 0; i < sizeof pw - 1; i++)
		pw[i] = (char)('a' + (unsigned char)pw[i] % 26);
	pw[sizeof pw - 1] = '\0';
	auth_hash_password(dummy_hash, pw);
	randombytes_buf(git_cache_secret, sizeof git_cache_secret);
}

void auth_stop(void)
{
	ratelimit_stop();
	memset(git_cache, 0, sizeof git_cache);
}
