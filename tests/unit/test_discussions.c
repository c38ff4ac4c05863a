/*
 * test_discussions.c: the rules of discussions. Pure helpers (the FTS5 query
 * sanitizer, snippets as safe HTML, @mention matching, the anonymous tag),
 * then storage and handlers through dispatch_call on a temp database:
 * keyset pages, unread counts, edits and history, tombstones, anonymity in
 * rows and events, search, roles and coalition boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "discussions.h"
#include "dispatch.h"
#include "rt.h"
#include "server.h"
#include "store_discussions.h"
#include "fts_scope.h"
#include "store_events.h"
#include "store_members.h"

/* ---- pure helpers ---- */

static void check_query(const char *q, const char *want)
{
	char *out = NULL;
	assert_int_equal(disc_fts_query(q, &out), RT_OK);
	assert_string_equal(out, want);
	free(out);
}

static void test_fts_query(void **state)
{
	char *out = NULL;
	(void)state;
	check_query("billing", "\"billing\"");
	check_query("  shared   billing ", "\"shared\" \"billing\"");
	check_query("pay*", "\"pay\"*");
	check_query("say \"hi\"", "\"say\" \"\"\"hi\"\"\"");
	check_query("NEAR(a b) OR c:d ^x -y", "\"NEAR(a\" \"b)\" \"OR\" \"c:d\" \"^x\" \"-y\"");
	check_query("niño", "\"niño\"");
	assert_int_equal(disc_fts_query("", &out), RT_EBADREQ);
	assert_null(out);
	assert_int_equal(disc_fts_query("  \" ** () ", &out), RT_EBADREQ);
	assert_null(out);
}

/* Every sanitized query, however hostile the input, is valid FTS5 syntax. */
static void test_fts_query_never_syntax_error(void **state)
{
	static const char *const hostile[] = {
		"\"", "\"\"\"", "a\"b", "(", ")", "a AND", "OR b", "NOT", "NEAR(", "*a", "a**", "a*b",
		"col:", "{a b}:c", "^", "a + b", "\\", "'", "a' OR '1'='1", "-- drop", "\xe2\x80\x9cq\xe2\x80\x9d",
		NULL
	};
	sqlite3 *h = NULL;
	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE VIRTUAL TABLE f USING fts5(body);"
	                                 "INSERT INTO f VALUES ('a b c near and or not');", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; hostile[i]; i++) {
		char *q = NULL;
		sqlite3_stmt *st = NULL;
		if (disc_fts_query(hostile[i], &q) != RT_OK)
			continue;
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT rowid FROM f WHERE f MATCH ?", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			fail_msg("query %s from %s: %s", q, hostile[i], sqlite3_errmsg(h));
		sqlite3_finalize(st);
		free(q);
	}
	sqlite3_close(h);
}

static void test_snippet_html(void **state)
{
	char *s = disc_snippet_html("a <script>\x01" "x\x02 & \"q\" 'r'");
	(void)state;
	assert_string_equal(s, "a &lt;script&gt;<mark>x</mark> &amp; &quot;q&quot; &#39;r&#39;");
	free(s);
}

static json_t *people(void)
{
	return json_pack("[{s:i,s:s},{s:i,s:s},{s:i,s:s},{s:i,s:s},{s:i,s:s},{s:i,s:s}]",
	                 "id", 1, "name", "Maria Lopez", "id", 2, "name", "James Carter",
	                 "id", 3, "name", "Ana Ruiz", "id", 4, "name", "Ana Beltran",
	                 "id", 5, "name", "Luis  Ortega", "id", 6, "name", "Sean O'Brien");
}

static int mentions(const char *body, int64_t except, int64_t out[8])
{
	json_t *p = people();
	int n = disc_mentions(body, p, except, out, 8);
	json_decref(p);
	return n;
}

static void test_mentions(void **state)
{
	int64_t ids[8];
	(void)state;
	/* first name, any case; full name with dots; punctuation after */
	assert_int_equal(mentions("hi @maria, and @JAMES.carter.", 0, ids), 2);
	assert_true(ids[0] == 1 && ids[1] == 2);
	/* a first name two members share names nobody; the full name does */
	assert_int_equal(mentions("@Ana what do you think?", 0, ids), 0);
	assert_int_equal(mentions("@Ana.Ruiz what do you think?", 0, ids), 1);
	assert_true(ids[0] == 3);
	/* several spaces in a name still join with one dot */
	assert_int_equal(mentions("(@Luis.Ortega)", 0, ids), 1);
	assert_true(ids[0] == 5);
	/* an email address is not a mention; nor an unknown name; nor a bare @ */
	assert_int_equal(mentions("write to maria@demo.test or @nobody or @ alone", 0, ids), 0);
	/* the same member twice is one mention; the author is skipped */
	assert_int_equal(mentions("@maria @Maria.Lopez @james", 1, ids), 1);
	assert_true(ids[0] == 2);
	/* a possessive is not part of the name; an apostrophe inside one is */
	assert_int_equal(mentions("@Maria's idea and @James\xe2\x80\x99s", 0, ids), 2);
	assert_true(ids[0] == 1 && ids[1] == 2);
	assert_int_equal(mentions("thanks @sean.o'brien's team", 0, ids), 1);
	assert_true(ids[0] == 6);
	/* a prefix of a name is not the name */
	assert_int_equal(mentions("@Mar @Maria.L @MariaLopez", 0, ids), 0);
}

static void test_anon_tag(void **state)
{
	unsigned char k1[32] = { 1 }, k2[32] = { 2 }, a[32], b[32];
	(void)state;
	disc_anon_tag(a, k1, 10, 7);
	disc_anon_tag(b, k1, 10, 7);
	assert_memory_equal(a, b, 32);
	disc_anon_tag(b, k1, 11, 7); /* another message of the same author */
	assert_memory_not_equal(a, b, 32);
	disc_anon_tag(b, k1, 10, 8); /* another member */
	assert_memory_not_equal(a, b, 32);
	disc_anon_tag(b, k2, 10, 7); /* another database */
	assert_memory_not_equal(a, b, 32);
}

/* ---- storage and handlers ---- */

struct fx {
	char path[64];
	struct db *db;
	struct server srv;
	int64_t co, other, conv, ana, dee, obs, stranger;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	int fd;
	snprintf(f->path, sizeof f->path, "/tmp/rt-disc-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	unlink(f->path);
	assert_int_equal(db_open(&f->db, f->path), RT_OK);
	f->srv.db = f->db;
	assert_int_equal(db_begin(f->db, 1), RT_OK);
	assert_int_equal(store_coalition_create(f->db, "valley", "Valley", "", &f->co), RT_OK);
	assert_int_equal(store_coalition_create(f->db, "other", "Other", "", &f->other), RT_OK);
	assert_int_equal(store_member_create(f->db, "m@x.test", "Maria Lopez", "x", 0, &f->conv), RT_OK);
	assert_int_equal(store_member_create(f->db, "a@x.test", "Ana Ruiz", "x", 0, &f->ana), RT_OK);
	assert_int_equal(store_member_create(f->db, "d@x.test", "Dee Williams", "x", 0, &f->dee), RT_OK);
	assert_int_equal(store_member_create(f->db, "o@x.test", "Olga Observer", "x", 0, &f->obs), RT_OK);
	assert_int_equal(store_member_create(f->db, "s@x.test", "Stan Stranger", "x", 0, &f->stranger), RT_OK);
	assert_int_equal(store_membership_set(f->db, f->co, f->conv, ROLE_CONVENER, NULL, NULL), RT_OK);
	assert_int_equal(store_membership_set(f->db, f->co, f->ana, ROLE_PROVIDER, NULL, NULL), RT_OK);
	assert_int_equal(store_membership_set(f->db, f->co, f->dee, ROLE_PROVIDER, NULL, NULL), RT_OK);
	assert_int_equal(store_membership_set(f->db, f->co, f->obs, ROLE_OBSERVER, NULL, NULL), RT_OK);
	assert_int_equal(store_membership_set(f->db, f->other, f->stranger, ROLE_CONVENER, NULL, NULL), RT_OK);
	assert_int_equal(db_commit(f->db), RT_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char side[80];
	db_close(f->db);
	unlink(f->path);
	snprintf(side, sizeof side, "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

/* Runs op as member with args (stolen); returns the error; *data if wanted. */
static int call(struct fx *f, int64_t member, const char *op, json_t *args, json_t **data)
{
	json_t *d = NULL;
	int err = dispatch_call(&f->srv, member, op, args, &d, NULL);
	json_decref(args);
	if (data)
		*data = d;
	else
		json_decref(d);
	return err;
}

static int64_t id_of(json_t *data, const char *obj)
{
	return json_integer_value(json_object_get(json_object_get(data, obj), "id"));
}

static int64_t new_thread(struct fx *f, int64_t member, int allow_anon)
{
	json_t *d = NULL;
	assert_int_equal(call(f, member, "thread.create",
	                      json_pack("{s:s, s:s, s:s, s:b}", "coalition", "valley", "title", "T",
	                                "body", "first", "allow_anonymous", allow_anon), &d), RT_OK);
	int64_t id = id_of(d, "thread");
	json_decref(d);
	return id;
}

static int64_t post(struct fx *f, int64_t member, int64_t thread, const char *body, int anon)
{
	json_t *d = NULL;
	assert_int_equal(call(f, member, "message.post",
	                      json_pack("{s:I, s:s, s:b}", "thread", (json_int_t)thread, "body", body,
	                                "anonymous", anon), &d), RT_OK);
	int64_t id = id_of(d, "message");
	json_decref(d);
	return id;
}

static json_t *thread_get(struct fx *f, int64_t member, int64_t thread, int64_t before, int limit)
{
	json_t *d = NULL, *args = json_pack("{s:I, s:i}", "thread", (json_int_t)thread, "limit", limit);
	if (before)
		json_object_set_new(args, "before", json_integer(before));
	assert_int_equal(call(f, member, "thread.get", args, &d), RT_OK);
	return d;
}

static void test_pages_by_keyset(void **state)
{
	struct fx *f = *state;
	int64_t t = new_thread(f, f->ana, 1), first_of_page = 0, expect = 0, ids[121];
	char body[32];
	json_t *d, *msgs;
	int pages = 0, seen = 0;

	ids[0] = 0;
	for (int i = 1; i <= 120; i++) {
		snprintf(body, sizeof body, "message %d", i);
		ids[i] = post(f, i % 2 ? f->ana : f->dee, t, body, 0);
	}
	/* 121 messages (with the first) in pages of 50, newest page first */
	do {
		d = thread_get(f, f->conv, t, first_of_page, 50);
		msgs = json_object_get(d, "messages");
		assert_true(json_array_size(msgs) > 0);
		/* oldest to newest inside the page */
		for (size_t i = 1; i < json_array_size(msgs); i++)
			assert_true(json_integer_value(json_object_get(json_array_get(msgs, i), "id")) >
			            json_integer_value(json_object_get(json_array_get(msgs, i - 1), "id")));
		if (pages == 0) {
			assert_int_equal(json_array_size(msgs), 50);
			expect = json_integer_value(json_object_get(json_array_get(msgs, 49), "id"));
			assert_int_equal(expect, ids[120]);
		}
		first_of_page = json_integer_value(json_object_get(json_array_get(msgs, 0), "id"));
		seen += (int)json_array_size(msgs);
		pages++;
		int more = json_is_true(json_object_get(d, "more"));
		json_decref(d);
		if (!more)
			break;
	} while (pages < 10);
	assert_int_equal(pages, 3);
	assert_int_equal(seen, 121);
	/* limit 0 is refused */
	assert_int_equal(call(f, f->ana, "thread.get", json_pack("{s:I, s:i}", "thread", (json_int_t)t, "limit", 0), NULL),
	                 RT_EBADREQ);
	assert_int_equal(call(f, f->ana, "thread.get", json_pack("{s:I, s:i}", "thread", (json_int_t)t, "limit", 201), NULL),
	                 RT_EBADREQ);
}

static int64_t unread_of(struct fx *f, int64_t member, int64_t thread)
{
	json_t *d = NULL, *th;
	size_t i;
	int64_t n = -1;
	assert_int_equal(call(f, member, "thread.list", json_pack("{s:s}", "coalition", "valley"), &d), RT_OK);
	json_array_foreach(json_object_get(d, "threads"), i, th)
		if (json_integer_value(json_object_get(th, "id")) == thread)
			n = json_integer_value(json_object_get(th, "unread"));
	json_decref(d);
	return n;
}

static void test_unread_and_read_markers(void **state)
{
	struct fx *f = *state;
	int64_t t = new_thread(f, f->ana, 1), m2, m3, m4;
	json_t *d = NULL;

	m2 = post(f, f->dee, t, "two", 0);
	m3 = post(f, f->dee, t, "three", 0);
	m4 = post(f, f->ana, t, "four, mine", 0);
	assert_int_equal(unread_of(f, f->ana, t), 0);  /* writing marked the thread read up to her message */
	assert_int_equal(unread_of(f, f->dee, t), 1);  /* and her own are never unread to the others' count */
	assert_int_equal(unread_of(f, f->conv, t), 4);
	assert_int_equal(call(f, f->conv, "thread.read", json_pack("{s:I, s:I}", "thread", (json_int_t)t, "upto", (json_int_t)m2), &d), RT_OK);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "thread"), "unread")), 2);
	json_decref(d);
	assert_int_equal(unread_of(f, f->conv, t), 2);
	/* the marker never moves back */
	assert_int_equal(call(f, f->conv, "thread.read", json_pack("{s:I, s:I}", "thread", (json_int_t)t, "upto", (json_int_t)m4), NULL), RT_OK);
	assert_int_equal(call(f, f->conv, "thread.read", json_pack("{s:I, s:I}", "thread", (json_int_t)t, "upto", (json_int_t)m3), NULL), RT_OK);
	assert_int_equal(unread_of(f, f->conv, t), 0);
	/* a deleted message is not unread */
	post(f, f->dee, t, "five", 0);
	int64_t m6 = post(f, f->dee, t, "six", 0);
	assert_int_equal(unread_of(f, f->conv, t), 2);
	assert_int_equal(call(f, f->dee, "message.delete", json_pack("{s:I}", "message", (json_int_t)m6), NULL), RT_OK);
	assert_int_equal(unread_of(f, f->conv, t), 1);
	/* upto must be a message of this thread */
	int64_t other = new_thread(f, f->ana, 1);
	assert_int_equal(call(f, f->conv, "thread.read", json_pack("{s:I, s:I}", "thread", (json_int_t)other, "upto", (json_int_t)m2), NULL),
	                 RT_EBADREQ);
}

/* Unread counts stop at STORE_UNREAD_CAP, so listing costs the same however
 * long the thread. */
static void test_unread_cap(void **state)
{
	struct fx *f = *state;
	int64_t t = new_thread(f, f->ana, 1), id;
	json_t *th = NULL;

	assert_int_equal(db_begin(f->db, 1), RT_OK);
	for (int i = 0; i < STORE_UNREAD_CAP + 5; i++)
		assert_int_equal(store_message_insert(f->db, t, f->ana, 0, 0, "m", "<p>m</p>", "2026-01-01T00:00:00Z", &id), RT_OK);
	assert_int_equal(db_commit(f->db), RT_OK);
	assert_int_equal(unread_of(f, f->dee, t), STORE_UNREAD_CAP);
	assert_int_equal(unread_of(f, f->ana, t), 0);
	assert_int_equal(store_thread_json(f->db, t, f->dee, &th), RT_OK);
	assert_int_equal(json_integer_value(json_object_get(th, "message_count")), STORE_UNREAD_CAP + 6);
	json_decref(th);
}

static void test_edit_history_and_tombstone(void **state)
{
	struct fx *f = *state;
	int64_t t = new_thread(f, f->ana, 1), m = post(f, f->ana, t, "draft *one*", 0), r;
	json_t *d = NULL, *v;

	r = post(f, f->dee, t, "a reply", 0);
	(void)r;
	assert_int_equal(call(f, f->dee, "message.edit", json_pack("{s:I, s:s}", "message", (json_int_t)m, "body", "hack"), NULL),
	                 RT_EFORBIDDEN);
	assert_int_equal(call(f, f->conv, "message.edit", json_pack("{s:I, s:s}", "message", (json_int_t)m, "body", "hack"), NULL),
	                 RT_EFORBIDDEN);
	assert_int_equal(call(f, f->ana, "message.edit", json_pack("{s:I, s:s}", "message", (json_int_t)m, "body", "draft two"), NULL), RT_OK);
	assert_int_equal(call(f, f->ana, "message.edit", json_pack("{s:I, s:s}", "message", (json_int_t)m, "body", "final"), &d), RT_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "message"), "body")), "final");
	assert_true(json_is_string(json_object_get(json_object_get(d, "message"), "edited_at")));
	json_decref(d);
	assert_int_equal(call(f, f->dee, "message.history", json_pack("{s:I}", "message", (json_int_t)m), &d), RT_OK);
	v = json_object_get(d, "versions");
	assert_int_equal(json_array_size(v), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "body")), "draft *one*");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(v, 0), "html")), "<em>one</em>"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 2), "body")), "final");
	json_decref(d);
	/* a provider may not delete another's message; a convener may */
	assert_int_equal(call(f, f->dee, "message.delete", json_pack("{s:I}", "message", (json_int_t)m), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->conv, "message.delete", json_pack("{s:I}", "message", (json_int_t)m), &d), RT_OK);
	v = json_object_get(d, "message");
	assert_true(json_is_true(json_object_get(v, "deleted")));
	assert_string_equal(json_string_value(json_object_get(v, "body")), "");
	assert_string_equal(json_string_value(json_object_get(v, "html")), "");
	json_decref(d);
	/* the tombstone keeps its place; its history is gone; it cannot be edited */
	d = thread_get(f, f->dee, t, 0, 50);
	assert_int_equal(json_array_size(json_object_get(d, "messages")), 3);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(d, "messages"), 1), "deleted")));
	json_decref(d);
	assert_int_equal(call(f, f->dee, "message.history", json_pack("{s:I}", "message", (json_int_t)m), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "versions")), 0);
	json_decref(d);
	assert_int_equal(call(f, f->ana, "message.edit", json_pack("{s:I, s:s}", "message", (json_int_t)m, "body", "again"), NULL),
	                 RT_ECONFLICT);
	{
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db_handle(f->db), "SELECT count(*) FROM message_versions WHERE message_id = ?", -1, &st, NULL);
		sqlite3_bind_int64(st, 1, m);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 0);
		sqlite3_finalize(st);
	}
}

/* Does any event row of the coalition name the member (actor) or hold text? */
static int events_mention(struct fx *f, int64_t member, const char *text, int64_t after_seq)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	sqlite3_prepare_v2(db_handle(f->db), "SELECT actor, payload FROM events WHERE coalition_id = ? AND seq > ?",
	                   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, f->co);
	sqlite3_bind_int64(st, 2, after_seq);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_int64(st, 0) == member || strstr((const char *)sqlite3_column_text(st, 1), text))
			found = 1;
	sqlite3_finalize(st);
	return found;
}

static void test_anonymous(void **state)
{
	struct fx *f = *state;
	int64_t t = new_thread(f, f->conv, 1), closed = new_thread(f, f->conv, 0), m, seq;
	json_t *d = NULL, *msg;
	sqlite3_stmt *st = NULL;

	seq = store_events_last_seq(f->db, f->co);
	assert_int_equal(call(f, f->dee, "message.post",
	                      json_pack("{s:I, s:s, s:b}", "thread", (json_int_t)t, "body", "I disagree, @Maria", "anonymous", 1),
	                      &d), RT_OK);
	msg = json_object_get(d, "message");
	m = json_integer_value(json_object_get(msg, "id"));
	assert_true(json_is_null(json_object_get(msg, "author")));
	assert_true(json_is_true(json_object_get(msg, "anonymous")));
	assert_true(json_is_true(json_object_get(msg, "mine")));
	json_decref(d);
	/* no row names Dee: not the message, not an event actor or payload */
	sqlite3_prepare_v2(db_handle(f->db), "SELECT author_id IS NULL, length(anon_tag) FROM messages WHERE id = ?", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, m);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(sqlite3_column_int(st, 1), 32);
	sqlite3_finalize(st);
	assert_false(events_mention(f, f->dee, "Dee", seq));
	/* the mention reached Maria, as an event for her alone, naming nobody */
	sqlite3_prepare_v2(db_handle(f->db), "SELECT audience, audience_member, actor IS NULL FROM events"
	                   " WHERE coalition_id = ? AND seq > ? AND type = 'mention'", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, f->co);
	sqlite3_bind_int64(st, 2, seq);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), AUD_MEMBER);
	assert_int_equal(sqlite3_column_int64(st, 1), f->conv);
	assert_int_equal(sqlite3_column_int(st, 2), 1);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	/* others see author null and mine false; only Dee may edit */
	d = thread_get(f, f->ana, t, 0, 50);
	msg = json_array_get(json_object_get(d, "messages"), 1);
	assert_true(json_is_null(json_object_get(msg, "author")));
	assert_false(json_is_true(json_object_get(msg, "mine")));
	json_decref(d);
	d = thread_get(f, f->dee, t, 0, 50);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(d, "messages"), 1), "mine")));
	json_decref(d);
	assert_int_equal(call(f, f->ana, "message.edit", json_pack("{s:I, s:s}", "message", (json_int_t)m, "body", "x"), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->dee, "message.edit", json_pack("{s:I, s:s}", "message", (json_int_t)m, "body", "I disagree strongly"), NULL), RT_OK);
	assert_int_equal(call(f, f->ana, "message.delete", json_pack("{s:I}", "message", (json_int_t)m), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->dee, "message.delete", json_pack("{s:I}", "message", (json_int_t)m), NULL), RT_OK);
	assert_false(events_mention(f, f->dee, "Dee", seq));
	/* a thread that refuses anonymous messages */
	assert_int_equal(call(f, f->dee, "message.post",
	                      json_pack("{s:I, s:s, s:b}", "thread", (json_int_t)closed, "body", "psst", "anonymous", 1), NULL),
	                 RT_EFORBIDDEN);
	/* a convener opens it; then it takes them */
	assert_int_equal(call(f, f->ana, "thread.update", json_pack("{s:I, s:b}", "thread", (json_int_t)closed, "allow_anonymous", 1), NULL),
	                 RT_EFORBIDDEN);
	assert_int_equal(call(f, f->conv, "thread.update", json_pack("{s:I, s:b}", "thread", (json_int_t)closed, "allow_anonymous", 1), NULL),
	                 RT_OK);
	post(f, f->dee, closed, "psst", 1);
}

static void test_search(void **state)
{
	struct fx *f = *state;
	int64_t t = new_thread(f, f->conv, 1), gone;
	json_t *d = NULL, *hits;

	post(f, f->ana, t, "Billing is our biggest pain; billing billing.", 0);
	post(f, f->dee, t, "Purchasing, then maybe billing later.", 0);
	post(f, f->dee, t, "Secret billing idea", 1);
	gone = post(f, f->ana, t, "Deleted billing thoughts", 0);
	assert_int_equal(call(f, f->ana, "message.delete", json_pack("{s:I}", "message", (json_int_t)gone), NULL), RT_OK);
	assert_int_equal(call(f, f->obs, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "billing"), &d), RT_OK);
	hits = json_object_get(d, "hits");
	assert_int_equal(json_array_size(hits), 3);
	/* the message that says it most ranks first, with a marked snippet */
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(json_array_get(hits, 0), "message"), "body")),
	                       "biggest pain"));
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(hits, 0), "snippet")), "<mark>Billing</mark>"));
	for (size_t i = 0; i < 3; i++) {
		json_t *msg = json_object_get(json_array_get(hits, i), "message");
		if (json_is_true(json_object_get(msg, "anonymous")))
			assert_true(json_is_null(json_object_get(msg, "author")));
		assert_null(strstr(json_string_value(json_object_get(msg, "body")), "Deleted"));
	}
	json_decref(d);
	/* hostile syntax is searched as words; no words is bad_request */
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "\"billing AND ("), NULL), RT_OK);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "\" ( *"), NULL), RT_EBADREQ);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "bill*"), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "hits")), 3);
	json_decref(d);
	/* another coalition's member finds nothing here */
	assert_int_equal(call(f, f->stranger, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "billing"), NULL), RT_ENOTFOUND);
	assert_int_equal(call(f, f->stranger, "search", json_pack("{s:s, s:s}", "coalition", "other", "q", "billing"), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "hits")), 0);
	json_decref(d);
}

/* 600 distinct words "<stem>aaa", "<stem>aab", ... in one body (malloc'd). */
static char *many_words(const char *stem)
{
	size_t k = strlen(stem) + 4;
	char *b = malloc(600 * k + 1), *p = b;
	for (int i = 0; i < 600; i++, p += k)
		snprintf(p, k + 1, "%s%c%c%c ", stem, 'a' + i / 100, 'a' + i / 10 % 10, 'a' + i % 10);
	*p = 0;
	return b;
}

/* Search reads only the caller's coalition's part of the index: every term
 * carries its coalition's scope, so a word used only by another coalition
 * is not a term a query of this one can reach; prefixes are bounded. */
static void test_search_scoped(void **state)
{
	struct fx *f = *state;
	int64_t t = new_thread(f, f->conv, 1), ot;
	char mine[17], theirs[17], *body;
	json_t *d = NULL;
	sqlite3_stmt *st = NULL;
	int n_mine = 0, n_theirs = 0, zebra_mine = 0, zebra_theirs = 0;

	post(f, f->ana, t, "Billing in the valley", 0);
	assert_int_equal(call(f, f->stranger, "thread.create",
	                      json_pack("{s:s, s:s, s:s}", "coalition", "other", "title", "T", "body", "Billing zebra zebras"),
	                      &d), RT_OK);
	ot = id_of(d, "thread");
	json_decref(d);
	snprintf(mine, sizeof mine, "%016llx", (long long)f->co);
	snprintf(theirs, sizeof theirs, "%016llx", (long long)f->other);
	/* the vocabulary: every term is scoped */
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), "SELECT term FROM messages_fts_terms", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *term = (const char *)sqlite3_column_text(st, 0);
		assert_true(strlen(term) > 16);
		if (strncmp(term, mine, 16) == 0) {
			n_mine++;
			zebra_mine += strncmp(term + 16, "zebra", 5) == 0;
		} else {
			assert_memory_equal(term, theirs, 16);
			n_theirs++;
			zebra_theirs += strncmp(term + 16, "zebra", 5) == 0;
		}
	}
	sqlite3_finalize(st);
	assert_true(n_mine >= 4 && n_theirs >= 3);
	assert_int_equal(zebra_mine, 0);
	assert_int_equal(zebra_theirs, 2);
	/* a query of this coalition looks up this coalition's terms only */
	{
		char tok[256], text[64];
		int len = 0, n = snprintf(text, sizeof text, "%lld\x1fZebra", (long long)f->co);
		assert_int_equal(fts_scope_last_token(db_handle(f->db), text, n, tok, sizeof tok, &len), 1);
		assert_int_equal(len, 21);
		assert_memory_equal(tok, mine, 16);
		assert_string_equal(tok + 16, "zebra");
		/* a text without its scope is an error, never an unscoped term */
		assert_int_equal(fts_scope_last_token(db_handle(f->db), "zebra", 5, tok, sizeof tok, &len), -1);
	}
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "zebra"), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "hits")), 0);
	json_decref(d);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "zeb*"), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "hits")), 0);
	json_decref(d);
	assert_int_equal(call(f, f->stranger, "search", json_pack("{s:s, s:s}", "coalition", "other", "q", "zebra billing"), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "hits")), 1);
	json_decref(d);

	/* prefixes: one letter is refused; 2 and 3 letters read the prefix index;
	 * a longer one that expands to over 500 of the coalition's terms is too_large */
	body = many_words("qwer");
	post(f, f->ana, t, body, 0);
	free(body);
	body = many_words("zxcv");
	assert_int_equal(call(f, f->stranger, "message.post", json_pack("{s:I, s:s}", "thread", (json_int_t)ot, "body", body),
	                      NULL), RT_OK);
	free(body);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "q*"), NULL), RT_EBADREQ);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "x-q*"), NULL), RT_EBADREQ);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "valley * -*"), NULL), RT_OK);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "qw*"), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "hits")), 1);
	/* the snippet is a few words around the first match, marked */
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(json_object_get(d, "hits"), 0), "snippet")),
	                       "<mark>qweraaa</mark> <mark>qweraab</mark>"));
	assert_true(strlen(json_string_value(json_object_get(json_array_get(json_object_get(d, "hits"), 0), "snippet"))) < 400);
	json_decref(d);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "qwe*"), NULL), RT_OK);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "qwer*"), NULL), RT_ETOOLARGE);
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "qwera*"), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "hits")), 1);
	json_decref(d);
	/* the other coalition's 600 terms do not count against this one */
	assert_int_equal(call(f, f->ana, "search", json_pack("{s:s, s:s}", "coalition", "valley", "q", "zxcv*"), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "hits")), 0);
	json_decref(d);
	assert_int_equal(call(f, f->stranger, "search", json_pack("{s:s, s:s}", "coalition", "other", "q", "zxcv*"), NULL),
	                 RT_ETOOLARGE);
}

static void test_roles_and_boundaries(void **state)
{
	struct fx *f = *state;
	int64_t t = new_thread(f, f->ana, 1), m = post(f, f->ana, t, "hello", 0);
	json_t *d = NULL;

	/* observers read but do not write */
	assert_int_equal(call(f, f->obs, "thread.create", json_pack("{s:s, s:s, s:s}", "coalition", "valley", "title", "x", "body", "y"), NULL),
	                 RT_EFORBIDDEN);
	assert_int_equal(call(f, f->obs, "message.post", json_pack("{s:I, s:s}", "thread", (json_int_t)t, "body", "y"), NULL),
	                 RT_EFORBIDDEN);
	d = thread_get(f, f->obs, t, 0, 10);
	json_decref(d);
	/* a member of another coalition: not_found for every op on this thread */
	assert_int_equal(call(f, f->stranger, "thread.get", json_pack("{s:I}", "thread", (json_int_t)t), NULL), RT_ENOTFOUND);
	assert_int_equal(call(f, f->stranger, "message.post", json_pack("{s:I, s:s}", "thread", (json_int_t)t, "body", "y"), NULL), RT_ENOTFOUND);
	assert_int_equal(call(f, f->stranger, "message.history", json_pack("{s:I}", "message", (json_int_t)m), NULL), RT_ENOTFOUND);
	assert_int_equal(call(f, f->stranger, "message.delete", json_pack("{s:I}", "message", (json_int_t)m), NULL), RT_ENOTFOUND);
	assert_int_equal(call(f, f->stranger, "thread.list", json_pack("{s:s}", "coalition", "valley"), NULL), RT_ENOTFOUND);
	/* bad input changes nothing */
	assert_int_equal(call(f, f->ana, "message.post", json_pack("{s:I, s:s}", "thread", (json_int_t)t, "body", "  \n"), NULL), RT_EBADREQ);
	assert_int_equal(call(f, f->ana, "message.post", json_pack("{s:I, s:s, s:I}", "thread", (json_int_t)t, "body", "r", "reply_to", (json_int_t)999999), NULL),
	                 RT_EBADREQ);
	assert_int_equal(call(f, f->ana, "thread.create", json_pack("{s:s, s:s, s:s}", "coalition", "valley", "title", " ", "body", "y"), NULL),
	                 RT_EBADREQ);
	d = thread_get(f, f->ana, t, 0, 10);
	assert_int_equal(json_array_size(json_object_get(d, "messages")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "thread"), "message_count")), 2);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fts_query),
		cmocka_unit_test(test_fts_query_never_syntax_error),
		cmocka_unit_test(test_snippet_html),
		cmocka_unit_test(test_mentions),
		cmocka_unit_test(test_anon_tag),
		cmocka_unit_test_setup_teardown(test_pages_by_keyset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_and_read_markers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_history_and_tombstone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_scoped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles_and_boundaries, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
