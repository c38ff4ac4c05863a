/*
 * discussions.c: the discussions ops (see discussions.h and
 * docs/protocol.md): threads, messages, edits and their history,
 * tombstones, read markers, search, mentions and anonymity.
 *
 * Anonymity: an anonymous message is stored without its author; only a keyed
 * tag (disc_anon_tag) lets its author edit or delete it. Every reply, event,
 * search hit and history names nobody (author null, event actor 0). `mine`
 * in a reply tells the requesting member alone which messages are theirs.
 */
#include "discussions.h"
#include "dispatch.h"
#include "hooks.h"
#include "render.h"
#include "rt.h"
#include "server.h"
#include "store_discussions.h"
#include "store_events.h"
#include "store_members.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Observers read; every other role may also write. */
#define POST_ROLES (ROLE_ALL & ~ROLE_OBSERVER)

/* ---- pure helpers ---- */

void disc_anon_tag(unsigned char out[32], const unsigned char key[32], int64_t message_id,
                   int64_t member_id)
{
	static const char label[] = "rt-anon-v1";
	crypto_auth_hmacsha256_state st;
	unsigned char ids[16];
	for (int i = 0; i < 8; i++) {
		ids[i] = (unsigned char)((uint64_t)message_id >> (56 - 8 * i));
		ids[8 + i] = (unsigned char)((uint64_t)member_id >> (56 - 8 * i));
	}
	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, sizeof label - 1);
	crypto_auth_hmacsha256_update(&st, ids, sizeof ids);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int disc_fts_query(const char *q, char **out)
{
	/* Worst case: every byte a quote (doubled) plus quotes, star, space per word. */
	size_t n = strlen(q), cap = 4 * n + 8, len = 0;
	char *buf = malloc(cap);
	const unsigned char *p = (const unsigned char *)q;
	int words = 0;

	*out = NULL;
	if (!buf)
		return RT_EINTERNAL;
	while (*p) {
		const unsigned char *start, *end;
		int prefix = 0, useful = 0;
		while (*p && is_space(*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !is_space(*p))
			p++;
		end = p;
		/* A trailing * (one or more) asks for a prefix match. */
		while (end > start && end[-1] == '*') {
			end--;
			prefix = 1;
		}
		/* A word needs at least one letter or digit to match anything. */
		for (const unsigned char *c = start; c < end; c++)
			if ((*c >= '0' && *c <= '9') || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') || *c >= 0x80)
				useful = 1;
		if (!useful)
			continue;
		if (words++)
			buf[len++] = ' ';
		buf[len++] = '"';
		for (const unsigned char *c = start; c < end; c++) {
			if (*c == '"')
				buf[len++] = '"';
			buf[len++] = (char)*c;
		}
		buf[len++] = '"';
		if (prefix)
			buf[len++] = '*';
	}
	buf[len] = 0;
	if (!words) {
		free(buf);
		return RT_EBADREQ;
	}
	*out = buf;
	return RT_OK;
}

char *disc_snippet_html(const char *raw)
{
	size_t cap = 1, len = 0;
	char *buf;
	for (const char *p = raw; *p; p++)
		cap += *p == '\x01' ? 6 : *p == '\x02' ? 7 : 6;
	if (!(buf = malloc(cap)))
		return NULL;
	for (const char *p = raw; *p; p++) {
		const char *rep = NULL;
		switch (*p) {
		case '\x01': rep = "<mark>"; break;
		case '\x02': rep = "</mark>"; break;
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (rep) {
			size_t k = strlen(rep);
			memcpy(buf + len, rep, k);
			len += k;
		} else {
			buf[len++] = *p;
		}
	}
	buf[len] = 0;
	return buf;
}

static char tolower_ascii(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int mention_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80 ||
	       c == '_' || c == '-' || c == '\'' || c == '.';
}

/* Does the name, its words joined by dots, equal tok[0..n) (ASCII case-insensitive)?
 * With first_only, only the name's first word is compared. */
static int name_matches(const char *name, const char *tok, size_t n, int first_only)
{
	size_t i = 0;
	const char *p = name;
	while (is_space((unsigned char)*p))
		p++;
	while (*p) {
		if (is_space((unsigned char)*p)) {
			while (is_space((unsigned char)*p))
				p++;
			if (!*p)
				break;
			if (first_only)
				break;
			if (i >= n || tok[i] != '.')
				return 0;
			i++;
			continue;
		}
		if (i >= n)
			return 0;
		if ((unsigned char)*p < 0x80 ? tolower_ascii(*p) != tolower_ascii(tok[i]) : *p != tok[i])
			return 0;
		i++;
		p++;
	}
	return i == n;
}

/* The one member tok[0..n) names (see disc_mentions), or 0. */
static int64_t mention_match(const json_t *members, const char *tok, size_t n)
{
	int64_t found = 0;
	int matches = 0;
	size_t k;
	json_t *m;

	/* A full name first, then a first name that only one member has. */
	json_array_foreach(members, k, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		if (name && name_matches(name, tok, n, 0))
			return json_integer_value(json_object_get(m, "id"));
	}
	if (memchr(tok, '.', n))
		return 0;
	json_array_foreach(members, k, m) {
		const char *name = json_string_value(json_object_get(m, "name"));
		if (name && name_matches(name, tok, n, 1)) {
			found = json_integer_value(json_object_get(m, "id"));
			matches++;
		}
	}
	return matches == 1 ? found : 0;
}

int disc_mentions(const char *body, const json_t *members, int64_t except, int64_t *out, int max)
{
	const unsigned char *s = (const unsigned char *)body;
	int count = 0;

	for (size_t i = 0; s[i] && count < max; i++) {
		const char *tok;
		size_t n;
		int64_t found;

		if (s[i] != '@')
			continue;
		if (i > 0 && (mention_char(s[i - 1]) && s[i - 1] != '-' && s[i - 1] != '\''))
			continue; /* part of a word or an email address */
		tok = (const char *)s + i + 1;
		for (n = 0; mention_char((unsigned char)tok[n]); n++)
			;
		i += n;
		while (n > 0 && (tok[n - 1] == '.' || tok[n - 1] == '-' || tok[n - 1] == '\''))
			n--;
		if (!n)
			continue;
		found = mention_match(members, tok, n);
		/* @Maria's, @Maria(U+2019)s: the possessive is not part of the name */
		if (!found) {
			for (size_t j = n; j-- > 0;) {
				if (tok[j] == '\'' || (j + 2 < n && memcmp(tok + j, "\xe2\x80\x99", 3) == 0)) {
					found = j ? mention_match(members, tok, j) : 0;
					break;
				}
			}
		}
		if (!found || found == except)
			continue;
		for (int j = 0; j < count; j++)
			if (out[j] == found)
				found = 0;
		if (found)
			out[count++] = found;
	}
	return count;
}

/* ---- handlers ---- */

static const char *arg_str(struct req *r, const char *name)
{
	return json_string_value(json_object_get(r->args, name));
}

static int64_t arg_int(struct req *r, const char *name)
{
	json_t *v = json_object_get(r->args, name);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* 1/0 for a boolean argument, dflt when absent or null. */
static int arg_bool(struct req *r, const char *name, int dflt)
{
	json_t *v = json_object_get(r->args, name);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static int blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (!is_space((unsigned char)*s))
			return 0;
	return 1;
}

/* Resolves the `thread` argument and checks the caller belongs to its
 * coalition with one of roles (0: any). A thread of another coalition is
 * not_found, as one that does not exist. */
static int load_thread(struct req *r, struct thread_info *t, unsigned roles)
{
	int err = store_thread_info(r->srv->db, arg_int(r, "thread"), t);
	if (err)
		return err == RT_ENOTFOUND ? req_fail(r, RT_ENOTFOUND, "thread", "no such thread")
		                           : req_fail(r, RT_EINTERNAL, NULL, "could not read the thread");
	if (req_require_member(r, t->coalition_id, roles) != RT_OK) {
		if (r->err == RT_ENOTFOUND)
			req_fail(r, RT_ENOTFOUND, "thread", "no such thread");
		return r->err;
	}
	return RT_OK;
}

/* The same for the `message` argument. */
static int load_message(struct req *r, struct message_info *m, unsigned roles)
{
	int err = store_message_info(r->srv->db, arg_int(r, "message"), m);
	if (err)
		return err == RT_ENOTFOUND ? req_fail(r, RT_ENOTFOUND, "message", "no such message")
		                           : req_fail(r, RT_EINTERNAL, NULL, "could not read the message");
	if (req_require_member(r, m->coalition_id, roles) != RT_OK) {
		if (r->err == RT_ENOTFOUND)
			req_fail(r, RT_ENOTFOUND, "message", "no such message");
		return r->err;
	}
	return RT_OK;
}

/* Did the caller write this message? For an anonymous one, by its keyed tag. */
static int is_author(struct req *r, const struct message_info *m)
{
	unsigned char key[32], tag[32];
	int yes = 0;
	if (!m->anonymous)
		return m->author_id && m->author_id == r->member_id;
	if (!m->has_tag || !r->member_id || store_disc_secret(r->srv->db, key) != RT_OK)
		return 0;
	disc_anon_tag(tag, key, m->id, r->member_id);
	yes = sodium_memcmp(tag, m->tag, 32) == 0;
	sodium_memzero(key, sizeof key);
	return yes;
}

/* An anonymous author's request keeps no idempotency key
 * (req_forget_key): the core would store (member, key, reply) and so link
 * the member to the message in the database. A retry after a lost reply may
 * then post twice (the author can delete the copy: it is `mine`). */

/* Adds `mine` (the caller wrote it) to a message object of a reply. Only
 * for replies: events are shared and never carry it. */
static void mark_mine(struct req *r, json_t *msg)
{
	json_t *author = json_object_get(msg, "author");
	struct message_info mi;
	int mine = 0;
	if (json_is_object(author))
		mine = json_integer_value(json_object_get(author, "id")) == r->member_id;
	else if (json_is_true(json_object_get(msg, "anonymous")) &&
	         store_message_info(r->srv->db, json_integer_value(json_object_get(msg, "id")), &mi) == RT_OK)
		mine = is_author(r, &mi);
	json_object_set_new(msg, "mine", json_boolean(mine));
}

/* A thread object for everyone (events): without the caller's read state. */
static json_t *thread_public(json_t *thread)
{
	json_t *t = json_copy(thread);
	json_object_del(t, "read_upto");
	json_object_del(t, "unread");
	return t;
}

/* Renders and stores a new message of the caller (anonymous: without
 * author, with the keyed tag); *msg receives it as JSON. */
static int insert_message(struct req *r, int64_t thread_id, const char *body, int64_t reply_to,
                          int anonymous, json_t **msg)
{
	struct db *db = r->srv->db;
	unsigned char key[32], tag[32];
	char at[21], *html = NULL;
	int64_t id = 0;
	int err;

	*msg = NULL;
	rt_now(at);
	if (!(html = render_markdown(body, strlen(body))))
		return req_fail(r, RT_EINTERNAL, NULL, "could not render the message");
	err = store_message_insert(db, thread_id, r->member_id, anonymous, reply_to, body, html, at, &id);
	free(html);
	if (!err && anonymous && !(err = store_disc_secret(db, key))) {
		disc_anon_tag(tag, key, id, r->member_id);
		sodium_memzero(key, sizeof key);
		err = store_message_set_tag(db, id, tag);
	}
	/* Who writes has read the thread up to there (and the unread count then
	 * never has to step over the writer's own messages). Not for an
	 * anonymous message: a marker set at its id would name its author. */
	if (!err && !anonymous) {
		int moved;
		err = store_thread_mark_read(db, thread_id, r->member_id, id, &moved);
	}
	if (!err)
		err = store_message_json(db, id, msg);
	if (err)
		return req_fail(r, err, NULL, "could not save the message");
	return RT_OK;
}

/* Appends a `mention` event for each member the body names that old_body
 * (NULL for a new message) did not. A named author is not told of their own
 * mention; an anonymous one is, like anybody (skipping them would reveal,
 * in the audit trail, who wrote it). */
static int notify_mentions(struct req *r, int64_t coalition_id, const struct thread_info *t,
                           json_t *msg, const char *old_body)
{
	int anonymous = json_is_true(json_object_get(msg, "anonymous"));
	int64_t except = anonymous ? 0 : r->member_id, now[DISC_MENTIONS_MAX], before[DISC_MENTIONS_MAX];
	json_t *members = NULL;
	int n, n_before = 0, err = RT_OK;

	if (!strchr(json_string_value(json_object_get(msg, "body")), '@'))
		return RT_OK;
	if (store_coalition_members(r->srv->db, coalition_id, &members) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the members");
	n = disc_mentions(json_string_value(json_object_get(msg, "body")), members, except, now,
	                  DISC_MENTIONS_MAX);
	if (old_body)
		n_before = disc_mentions(old_body, members, except, before, DISC_MENTIONS_MAX);
	for (int i = 0; i < n && !err; i++) {
		int seen = 0;
		for (int j = 0; j < n_before; j++)
			seen |= before[j] == now[i];
		if (!seen)
			err = req_event(r, coalition_id, "mention", AUD_MEMBER, now[i], anonymous ? 0 : r->member_id,
			                json_pack("{s:O, s:{s:I, s:s}}", "message", msg, "thread",
			                          "id", (json_int_t)t->id, "title", t->title));
	}
	json_decref(members);
	return err;
}

/* message.created and the mentions of a new message. */
static int announce_message(struct req *r, const struct thread_info *t, json_t *msg)
{
	int anonymous = json_is_true(json_object_get(msg, "anonymous"));
	int err = req_event(r, t->coalition_id, "message.created", AUD_ALL, 0, anonymous ? 0 : r->member_id,
	                    json_pack("{s:O}", "message", msg));
	return err ? err : notify_mentions(r, t->coalition_id, t, msg, NULL);
}

static int disc_thread_create(struct req *r)
{
	const char *title = arg_str(r, "title"), *body = arg_str(r, "body");
	struct thread_info t = { 0 };
	json_t *thread = NULL, *msg = NULL;
	int64_t id = 0;
	int err;

	if (blank(title))
		return req_fail(r, RT_EBADREQ, "title", "title must not be empty");
	if (blank(body))
		return req_fail(r, RT_EBADREQ, "body", "body must not be empty");
	if ((err = store_thread_create(r->srv->db, r->coalition_id, title, r->member_id,
	                               arg_bool(r, "allow_anonymous", 1), &id)) ||
	    (err = store_thread_info(r->srv->db, id, &t)))
		return req_fail(r, err, NULL, "could not create the thread");
	if ((err = insert_message(r, id, body, 0, 0, &msg)) != RT_OK)
		goto done;
	if ((err = store_thread_json(r->srv->db, id, r->member_id, &thread)) != RT_OK) {
		req_fail(r, err, NULL, "could not read the thread");
		goto done;
	}
	if ((err = req_event(r, r->coalition_id, "thread.created", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:o}", "thread", thread_public(thread)))) ||
	    (err = announce_message(r, &t, msg)))
		goto done;
	mark_mine(r, msg); /* after the events: they were serialized already */
	r->data = json_pack("{s:o, s:o}", "thread", thread, "message", msg);
	thread = msg = NULL;
done:
	json_decref(thread);
	json_decref(msg);
	return err;
}

static int disc_thread_list(struct req *r)
{
	json_t *list = NULL;
	if (store_thread_list(r->srv->db, r->coalition_id, r->member_id, &list) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not list the threads");
	r->data = json_pack("{s:o}", "threads", list);
	return RT_OK;
}

static int disc_thread_get(struct req *r)
{
	struct thread_info t;
	json_t *thread = NULL, *page = NULL, *limit_arg = json_object_get(r->args, "limit"), *m;
	int64_t limit = json_is_integer(limit_arg) ? (int64_t)json_integer_value(limit_arg) : DISC_PAGE_DEFAULT;
	size_t i;
	int more = 0;

	if (load_thread(r, &t, 0) != RT_OK)
		return r->err;
	if (limit < 1)
		return req_fail(r, RT_EBADREQ, "limit", "limit must be 1 to %d", DISC_PAGE_MAX);
	if (store_thread_json(r->srv->db, t.id, r->member_id, &thread) != RT_OK ||
	    store_message_page(r->srv->db, t.id, arg_int(r, "before"), (int)limit, &page, &more) != RT_OK) {
		json_decref(thread);
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the thread");
	}
	json_array_foreach(page, i, m)
		mark_mine(r, m);
	r->data = json_pack("{s:o, s:o, s:b}", "thread", thread, "messages", page, "more", more);
	return RT_OK;
}

static int disc_thread_update(struct req *r)
{
	const char *title = arg_str(r, "title");
	json_t *anon = json_object_get(r->args, "allow_anonymous"), *thread = NULL;
	struct thread_info t;
	int err;

	if (load_thread(r, &t, ROLE_CONVENER) != RT_OK)
		return r->err;
	if (!title && !json_is_boolean(anon))
		return req_fail(r, RT_EBADREQ, NULL, "give title or allow_anonymous to change");
	if (title && blank(title))
		return req_fail(r, RT_EBADREQ, "title", "title must not be empty");
	if ((err = store_thread_update(r->srv->db, t.id, title, json_is_boolean(anon) ? json_is_true(anon) : -1)) ||
	    (err = store_thread_json(r->srv->db, t.id, r->member_id, &thread)))
		return req_fail(r, err, NULL, "could not change the thread");
	if ((err = req_event(r, t.coalition_id, "thread.updated", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:o}", "thread", thread_public(thread)))) != RT_OK) {
		json_decref(thread);
		return err;
	}
	r->data = json_pack("{s:o}", "thread", thread);
	return RT_OK;
}

static int disc_thread_read(struct req *r)
{
	struct thread_info t;
	struct message_info m;
	json_t *thread = NULL;
	int moved = 0, err;

	if (load_thread(r, &t, 0) != RT_OK)
		return r->err;
	if (store_message_info(r->srv->db, arg_int(r, "upto"), &m) != RT_OK || m.thread_id != t.id)
		return req_fail(r, RT_EBADREQ, "upto", "upto must be a message of this thread");
	/* No event: a read marker is the member's own state, and an audit entry
	 * naming who read when would let a reader of the audit trail pair an
	 * anonymous message with the member who read it at once. */
	if ((err = store_thread_mark_read(r->srv->db, t.id, r->member_id, m.id, &moved)) ||
	    (err = store_thread_json(r->srv->db, t.id, r->member_id, &thread)))
		return req_fail(r, err, NULL, "could not mark the thread read");
	r->data = json_pack("{s:o}", "thread", thread);
	return RT_OK;
}

static int disc_message_post(struct req *r)
{
	const char *body = arg_str(r, "body");
	int64_t reply_to = arg_int(r, "reply_to");
	int anonymous = arg_bool(r, "anonymous", 0);
	struct thread_info t;
	struct message_info parent;
	json_t *msg = NULL;
	int err;

	if (load_thread(r, &t, POST_ROLES) != RT_OK)
		return r->err;
	if (blank(body))
		return req_fail(r, RT_EBADREQ, "body", "body must not be empty");
	if (reply_to && (store_message_info(r->srv->db, reply_to, &parent) != RT_OK || parent.thread_id != t.id))
		return req_fail(r, RT_EBADREQ, "reply_to", "reply_to must be a message of this thread");
	if (anonymous && !t.allow_anonymous)
		return req_fail(r, RT_EFORBIDDEN, "anonymous", "this thread does not take anonymous messages");
	if (anonymous)
		req_forget_key(r);
	if ((err = insert_message(r, t.id, body, reply_to, anonymous, &msg)) ||
	    (err = announce_message(r, &t, msg))) {
		json_decref(msg);
		return err;
	}
	mark_mine(r, msg);
	r->data = json_pack("{s:o}", "message", msg);
	return RT_OK;
}

static int disc_message_edit(struct req *r)
{
	const char *body = arg_str(r, "body");
	struct message_info m;
	struct thread_info t;
	json_t *msg = NULL;
	char at[21], *html = NULL, *old = NULL;
	int err;

	if (load_message(r, &m, POST_ROLES) != RT_OK)
		return r->err;
	if (!is_author(r, &m))
		return req_fail(r, RT_EFORBIDDEN, "message", "only its author may edit a message");
	if (m.deleted)
		return req_fail(r, RT_ECONFLICT, "message", "a deleted message cannot be edited");
	if (m.anonymous)
		req_forget_key(r);
	if (blank(body))
		return req_fail(r, RT_EBADREQ, "body", "body must not be empty");
	if ((err = store_message_json(r->srv->db, m.id, &msg)) ||
	    (err = store_thread_info(r->srv->db, m.thread_id, &t)))
		goto fail;
	if (strcmp(json_string_value(json_object_get(msg, "body")), body) == 0)
		goto reply; /* the same text: nothing changes */
	err = RT_EINTERNAL;
	if (!(old = strdup(json_string_value(json_object_get(msg, "body")))) ||
	    !(html = render_markdown(body, strlen(body))))
		goto fail;
	json_decref(msg);
	msg = NULL;
	rt_now(at);
	if ((err = store_message_edit(r->srv->db, m.id, body, html, at)) ||
	    (err = store_message_json(r->srv->db, m.id, &msg)))
		goto fail;
	if ((err = req_event(r, m.coalition_id, "message.edited", AUD_ALL, 0, m.anonymous ? 0 : r->member_id,
	                     json_pack("{s:O}", "message", msg))) ||
	    (err = notify_mentions(r, m.coalition_id, &t, msg, old)))
		goto done;
reply:
	mark_mine(r, msg);
	r->data = json_pack("{s:o}", "message", msg);
	msg = NULL;
	err = RT_OK;
	goto done;
fail:
	req_fail(r, err, NULL, "could not edit the message");
done:
	free(html);
	free(old);
	json_decref(msg);
	return err;
}

static int disc_message_delete(struct req *r)
{
	struct message_info m;
	json_t *msg = NULL;
	char at[21];
	int author, err;

	if (load_message(r, &m, 0) != RT_OK)
		return r->err;
	author = is_author(r, &m);
	if (!author && !(r->roles & ROLE_CONVENER))
		return req_fail(r, RT_EFORBIDDEN, "message", "only its author or a convener may delete a message");
	if (m.anonymous && author)
		req_forget_key(r);
	rt_now(at);
	if (!m.deleted && (err = store_message_delete(r->srv->db, m.id, at)))
		return req_fail(r, err, NULL, "could not delete the message");
	if ((err = store_message_json(r->srv->db, m.id, &msg)))
		return req_fail(r, err, NULL, "could not read the message");
	/* The author deleting their anonymous message is named nowhere. */
	if (!m.deleted &&
	    (err = req_event(r, m.coalition_id, "message.deleted", AUD_ALL, 0,
	                     m.anonymous && author ? 0 : r->member_id,
	                     json_pack("{s:O, s:s}", "message", msg, "deleted_by", author ? "author" : "convener")))) {
		json_decref(msg);
		return err;
	}
	mark_mine(r, msg);
	r->data = json_pack("{s:o}", "message", msg);
	return RT_OK;
}

static int disc_message_history(struct req *r)
{
	struct message_info m;
	json_t *msg = NULL, *versions = NULL;

	if (load_message(r, &m, 0) != RT_OK)
		return r->err;
	if (store_message_json(r->srv->db, m.id, &msg) != RT_OK ||
	    store_message_versions(r->srv->db, m.id, &versions) != RT_OK)
		goto fail;
	if (m.deleted) {
		json_array_clear(versions);
	} else {
		json_t *edited = json_object_get(msg, "edited_at");
		if (json_array_append_new(versions, json_pack("{s:O, s:O, s:O}", "body", json_object_get(msg, "body"),
		                                              "html", json_object_get(msg, "html"),
		                                              "at", json_is_string(edited) ? edited
		                                                    : json_object_get(msg, "created_at"))) != 0)
			goto fail;
	}
	mark_mine(r, msg);
	r->data = json_pack("{s:o, s:o}", "message", msg, "versions", versions);
	return RT_OK;
fail:
	json_decref(msg);
	json_decref(versions);
	return req_fail(r, RT_EINTERNAL, NULL, "could not read the message's history");
}

/* Whether a word of q asks for a prefix (ends in '*') with fewer than
 * DISC_PREFIX_MIN letters or digits before the '*' (counting the last run of
 * them: "x-l*" searches the prefix "l"). A character outside ASCII counts as
 * a letter. */
static int prefix_too_short(const char *q)
{
	const unsigned char *p = (const unsigned char *)q;
	while (*p) {
		const unsigned char *start, *end;
		int run = 0, any = 0;
		while (*p && is_space(*p))
			p++;
		start = p;
		while (*p && !is_space(*p))
			p++;
		end = p;
		if (end == start || end[-1] != '*')
			continue;
		while (end > start && end[-1] == '*')
			end--;
		for (const unsigned char *c = start; c < end; c++) {
			int alnum = (*c >= '0' && *c <= '9') || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') || *c >= 0x80;
			if (!alnum)
				run = 0;
			else if ((*c & 0xC0) != 0x80)
				run++;
			any |= alnum;
		}
		/* a word without a letter is dropped (disc_fts_query) */
		if (any && run < DISC_PREFIX_MIN)
			return 1;
	}
	return 0;
}

static int disc_search(struct req *r)
{
	json_t *limit_arg = json_object_get(r->args, "limit"), *hits = NULL, *hit;
	int64_t limit = json_is_integer(limit_arg) ? (int64_t)json_integer_value(limit_arg) : DISC_SEARCH_DEFAULT;
	char *query = NULL;
	size_t i;
	int err;

	if (limit < 1)
		return req_fail(r, RT_EBADREQ, "limit", "limit must be 1 to %d", DISC_SEARCH_MAX);
	if (prefix_too_short(arg_str(r, "q")))
		return req_fail(r, RT_EBADREQ, "q", "a prefix search needs at least %d letters before *",
		                DISC_PREFIX_MIN);
	if ((err = disc_fts_query(arg_str(r, "q"), &query)) != RT_OK)
		return req_fail(r, err, "q", err == RT_EBADREQ ? "q has no word to search for" : "out of memory");
	err = store_search(r->srv->db, r->coalition_id, query, (int)limit, &hits);
	free(query);
	if (err == RT_ETOOLARGE)
		return req_fail(r, err, "q", "query too broad: a prefix matches too many words, add letters");
	if (err)
		return req_fail(r, err, err == RT_EBADREQ ? "q" : NULL, "could not search");
	json_array_foreach(hits, i, hit) {
		char *html = disc_snippet_html(json_string_value(json_object_get(hit, "snippet")));
		if (!html) {
			json_decref(hits);
			return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
		}
		json_object_set_new(hit, "snippet", json_string(html));
		free(html);
	}
	r->data = json_pack("{s:o}", "hits", hits);
	return RT_OK;
}

#define COALITION { "coalition", A_STR, 1, 64 }
#define THREAD { "thread", A_INT, 1, 0 }
#define MESSAGE { "message", A_INT, 1, 0 }
#define BODY { "body", A_STR, 1, DISC_BODY_MAX }

const struct op discussions_ops[] = {
	{ "thread.create", disc_thread_create, OP_AUTH | OP_WRITE | OP_MEMBER, POST_ROLES,
	  { COALITION, { "title", A_STR, 1, DISC_TITLE_MAX }, BODY, { "allow_anonymous", A_BOOL, 0, 0 } } },
	{ "thread.list", disc_thread_list, OP_AUTH | OP_MEMBER, 0, { COALITION } },
	{ "thread.get", disc_thread_get, OP_AUTH, 0,
	  { THREAD, { "before", A_INT, 0, 0 }, { "limit", A_INT, 0, DISC_PAGE_MAX } } },
	{ "thread.update", disc_thread_update, OP_AUTH | OP_WRITE, 0,
	  { THREAD, { "title", A_STR, 0, DISC_TITLE_MAX }, { "allow_anonymous", A_BOOL, 0, 0 } } },
	{ "thread.read", disc_thread_read, OP_AUTH | OP_WRITE, 0, { THREAD, { "upto", A_INT, 1, 0 } } },
	{ "message.post", disc_message_post, OP_AUTH | OP_WRITE, 0,
	  { THREAD, BODY, { "reply_to", A_INT, 0, 0 }, { "anonymous", A_BOOL, 0, 0 } } },
	{ "message.edit", disc_message_edit, OP_AUTH | OP_WRITE, 0, { MESSAGE, BODY } },
	{ "message.delete", disc_message_delete, OP_AUTH | OP_WRITE, 0, { MESSAGE } },
	{ "message.history", disc_message_history, OP_AUTH, 0, { MESSAGE } },
	{ "search", disc_search, OP_AUTH | OP_MEMBER, 0,
	  { COALITION, { "q", A_STR, 1, DISC_QUERY_MAX }, { "limit", A_INT, 0, DISC_SEARCH_MAX } } },
	{ 0 }
};

/* ---- demo ---- */

/* Runs one op as a demo member; *id (if not NULL) receives data.<obj>.id. */
static int demo_op(struct server *srv, int64_t member, const char *op, json_t *args,
                   const char *obj, int64_t *id)
{
	json_t *data = NULL;
	char msg[256] = "";
	int err = dispatch_call(srv, member, op, args, &data, msg);
	if (err)
		fprintf(stderr, "roundtable: demo %s: %s\n", op, msg);
	else if (id)
		*id = json_integer_value(json_object_get(json_object_get(data, obj), "id"));
	json_decref(args);
	json_decref(data);
	return err;
}

static int demo_post(struct server *srv, int64_t member, int64_t thread, const char *body,
                     int64_t reply_to, int anonymous, int64_t *id)
{
	json_t *args = json_pack("{s:I, s:s, s:b}", "thread", (json_int_t)thread, "body", body,
	                         "anonymous", anonymous);
	if (reply_to)
		json_object_set_new(args, "reply_to", json_integer(reply_to));
	return demo_op(srv, member, "message.post", args, "message", id);
}

int discussions_demo(struct server *srv, const struct demo_ids *ids)
{
	int64_t t1 = 0, t2 = 0, m = 0, q = 0;
	int err;

	if ((err = demo_op(srv, ids->maria, "thread.create",
	        json_pack("{s:s, s:s, s:s}", "coalition", ids->slug,
	                  "title", "Which services should the Alliance offer first?",
	                  "body", "We can't start everything at once. The Hub RFQ needs a **first list of "
	                          "services**. Candidates so far:\n\n"
	                          "- shared billing and subsidy paperwork\n"
	                          "- payroll and HR\n"
	                          "- bulk purchasing (food, supplies)\n"
	                          "- a substitute pool\n\n"
	                          "Which two would save *your* program the most time?"),
	        "thread", &t1)) ||
	    (err = demo_post(srv, ids->ana, t1,
	        "Billing, without a doubt. Our director spends two days a month on subsidy claims "
	        "and we still get paid late.", 0, 0, &q)) ||
	    (err = demo_post(srv, ids->dee, t1,
	        "For a family child care home it's purchasing. I buy food at retail prices because "
	        "I'm too small for the wholesale minimums.", 0, 0, NULL)) ||
	    (err = demo_post(srv, ids->james, t1,
	        "Agreed on billing — our R&R already does subsidy billing for 40 programs, so the "
	        "Hub could start there quickly.", q, 0, NULL)) ||
	    (err = demo_post(srv, ids->tom, t1,
	        "Payroll first, please. Two of us lost teachers last year over late paychecks. "
	        "@Grace, could the foundation cover the first year of a payroll service?", 0, 0, NULL)) ||
	    (err = demo_post(srv, ids->luis, t1,
	        "Honestly, I worry shared HR means the Hub decides who teaches my daughter. I'd want "
	        "directors to keep hiring decisions.", 0, 1, NULL)) ||
	    (err = demo_post(srv, ids->grace, t1,
	        "Thanks @Tom.Nguyen. We can fund a payroll pilot if the providers agree on it; "
	        "let's bring it to a decision.", 0, 0, NULL)))
		return err;
	if ((err = demo_op(srv, ids->tom, "thread.create",
	        json_pack("{s:s, s:s, s:s}", "coalition", ids->slug,
	                  "title", "Substitute pool: how should we share staff?",
	                  "body", "When a teacher is out we close a classroom. A shared pool of three "
	                          "substitutes, employed by the Hub, could cover all of us. How should we "
	                          "**split the cost**: by enrolled children, or by days used?"),
	        "thread", &t2)) ||
	    (err = demo_post(srv, ids->ana, t2,
	        "By days used. Centers will use it more than homes; that's only fair.", 0, 0, &m)) ||
	    (err = demo_post(srv, ids->dee, t2,
	        "A small base fee plus days used? Homes need the pool to *exist* even if we use it "
	        "rarely.", m, 0, NULL)) ||
	    (err = demo_post(srv, ids->maria, t2,
	        "Both ideas are on the table. @James, can you sketch the numbers for both models "
	        "before the next design team meeting?", 0, 0, NULL)))
		return err;
	return RT_OK;
}
