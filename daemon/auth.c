/*
 * auth.c: auth.* operations and the browser session endpoints (see auth.h).
 */
#include "auth.h"
#include "db.h"
#include "metrics.h"
#include "ratelimit.h"
#include "rt.h"
#include "server.h"
#include "session.h"
#include "store_members.h"
#include "workers.h"

#include <libwebsockets.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum login_mode { MODE_LOGIN, MODE_ACCEPT_NEW, MODE_ACCEPT_EXISTING };

struct login_job {
	struct job job;
	struct session *s;  /* reference held */
	struct req *r;      /* the WebSocket request; NULL for POST /api/session */
	int mode;
	int found;
	struct member_auth member;
	struct invite inv;
	char email[256];
	char name[256];
	char password[PASSWORD_MAX + 1];
	char new_hash[crypto_pwhash_STRBYTES];
	int ok;
};

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

	if (!lj->ok) {
		log_failure(lj);
		ratelimit_fail(lj->email, lj->s->peer);
		metrics_login_failure();
		req_fail(r, RT_EUNAUTH, NULL, "wrong email or password");
		goto done;
	}
	ratelimit_success(lj->email);
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
	int err;

	if (ratelimit_blocked(email, r->sess->peer))
		return req_fail(r, RT_ERATELIMIT, NULL, "too many failed sign-ins; wait 15 minutes");
	if (!(lj = calloc(1, sizeof *lj)))
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	lj->s = session_ref(r->sess);
	lj->r = r;
	lj->mode = MODE_LOGIN;
	lj->found = store_member_by_email(r->srv->db, email, &lj->member) == RT_OK;
	snprintf(lj->email, sizeof lj->email, "%s", email);
	snprintf(lj->password, sizeof lj->password, "%s", password);
	lj->job.done = login_done;
	if ((err = submit(lj)) != RT_PENDING) {
		job_free(lj);
		return req_fail(r, err, NULL, "too many sign-ins at once; try again in a moment");
	}
	return RT_PENDING;
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

	if (!lj->ok) {
		if (lj->mode == MODE_ACCEPT_EXISTING) {
			ratelimit_fail(lj->email, lj->s->peer);
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
	int err;

	rt_sha256(hash, token, strlen(token));
	if (!(lj = calloc(1, sizeof *lj)))
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	lj->s = session_ref(r->sess);
	lj->r = r;
	rt_now(now);
	if (store_invite_by_hash(r->srv->db, hash, &lj->inv) != RT_OK || lj->inv.accepted ||
	    strcmp(lj->inv.expires_at, now) <= 0) {
		err = req_fail(r, RT_ENOTFOUND, "invite_token", "no such invitation, or it was used or expired");
		goto fail;
	}
	snprintf(lj->email, sizeof lj->email, "%s", lj->inv.email);
	snprintf(lj->name, sizeof lj->name, "%s", name && *name ? name : lj->inv.name);
	lj->found = store_member_by_email(r->srv->db, lj->inv.email, &lj->member) == RT_OK;
	lj->mode = lj->found ? MODE_ACCEPT_EXISTING : MODE_ACCEPT_NEW;
	if (lj->mode == MODE_ACCEPT_EXISTING && ratelimit_blocked(lj->email, r->sess->peer)) {
		err = req_fail(r, RT_ERATELIMIT, NULL, "too many failed sign-ins; wait 15 minutes");
		goto fail;
	}
	if (lj->mode == MODE_ACCEPT_NEW && (strlen(password) < PASSWORD_MIN || strlen(password) > PASSWORD_MAX)) {
		err = req_fail(r, RT_EBADREQ, "password", "a password needs %d to %d characters",
		               PASSWORD_MIN, PASSWORD_MAX);
		goto fail;
	}
	snprintf(lj->password, sizeof lj->password, "%s", password);
	lj->job.done = accept_done;
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

	if (s->closed)
		goto done;
	if (!lj->ok) {
		log_failure(lj);
		ratelimit_fail(lj->email, s->peer);
		metrics_login_failure();
		http_respond(s, 401, http_error(RT_EUNAUTH, "wrong email or password"), NULL);
		goto done;
	}
	ratelimit_success(lj->email);
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

	if (!email || !password || strlen(email) > 254 || strlen(password) > PASSWORD_MAX) {
		http_respond(s, 400, http_error(RT_EBADREQ, "send JSON {\"email\": ..., \"password\": ...}"), NULL);
		goto done;
	}
	if (ratelimit_blocked(email, s->peer)) {
		http_respond(s, 429, http_error(RT_ERATELIMIT, "too many failed sign-ins; wait 15 minutes"), NULL);
		goto done;
	}
	if (!(lj = calloc(1, sizeof *lj))) {
		http_respond(s, 500, http_error(RT_EINTERNAL, "out of memory"), NULL);
		goto done;
	}
	lj->s = session_ref(s);
	lj->mode = MODE_LOGIN;
	lj->found = store_member_by_email(s->srv->db, email, &lj->member) == RT_OK;
	snprintf(lj->email, sizeof lj->email, "%s", email);
	snprintf(lj->password, sizeof lj->password, "%s", password);
	lj->job.done = http_login_done;
	if (submit(lj) != RT_PENDING) {
		job_free(lj);
		http_respond(s, 429, http_error(RT_ERATELIMIT, "too many sign-ins at once; try again"), NULL);
	}
done:
	json_decref(body);
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
	if (cookie && cookie_token(cookie, token) == 0) {
		rt_sha256(hash, token, strlen(token));
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
}
