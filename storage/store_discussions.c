/*
 * store_discussions.c: the SQL of threads, messages, versions, read markers
 * and the full-text index (see store_discussions.h).
 */
#include "store_discussions.h"
#include "fts_scope.h"
#include "stmt.h"
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns of a message as JSON, read by message_row from column `c` on. */
#define MSG_COLS "m.id, m.thread_id, m.author_id, a.name, m.anonymous, m.reply_to, m.body," \
	" m.html, m.created_at, m.edited_at, m.deleted"
#define MSG_FROM " FROM messages m LEFT JOIN members a ON a.id = m.author_id"
#define MSG_NCOLS 11

/* A message object from the MSG_COLS of the current row. */
static json_t *message_row(sqlite3_stmt *st)
{
	json_t *author = json_null();
	/* author_id is NULL on an anonymous message: nothing to name. */
	if (!sqlite3_column_int(st, 4) && sqlite3_column_type(st, 2) != SQLITE_NULL)
		author = json_pack("{s:I, s:s}", "id", (json_int_t)sqlite3_column_int64(st, 2),
		                   "name", db_col_text(st, 3));
	return json_pack("{s:I, s:I, s:o, s:b, s:o, s:s, s:s, s:s, s:o, s:b}",
	                 "id", (json_int_t)sqlite3_column_int64(st, 0),
	                 "thread", (json_int_t)sqlite3_column_int64(st, 1),
	                 "author", author,
	                 "anonymous", sqlite3_column_int(st, 4),
	                 "reply_to", col_json_int(st, 5),
	                 "body", db_col_text(st, 6),
	                 "html", db_col_text(st, 7),
	                 "created_at", db_col_text(st, 8),
	                 "edited_at", col_json(st, 9),
	                 "deleted", sqlite3_column_int(st, 10));
}

int store_disc_secret(struct db *db, unsigned char out[32])
{
	int err = RT_EINTERNAL;
	PREP(st, "SELECT secret FROM discussion_key WHERE id = 1");
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(out, sqlite3_column_blob(st, 0), 32);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_thread_create(struct db *db, int64_t coalition_id, const char *title, int64_t created_by,
                        int allow_anonymous, int64_t *out_id)
{
	char now[21];
	int err;
	PREP(st, "INSERT INTO threads(coalition_id, title, created_by, allow_anonymous, created_at)"
	         " VALUES (?,?,?,?,?)");
	rt_now(now);
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, created_by);
	sqlite3_bind_int(st, 4, allow_anonymous ? 1 : 0);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) == RT_OK && out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return err;
}

int store_thread_info(struct db *db, int64_t thread_id, struct thread_info *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, coalition_id, created_by, allow_anonymous, title FROM threads WHERE id = ?");
	sqlite3_bind_int64(st, 1, thread_id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->coalition_id = sqlite3_column_int64(st, 1);
		out->created_by = sqlite3_column_int64(st, 2);
		out->allow_anonymous = sqlite3_column_int(st, 3);
		snprintf(out->title, sizeof out->title, "%s", db_col_text(st, 4));
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_thread_update(struct db *db, int64_t thread_id, const char *title, int allow_anonymous)
{
	PREP(st, "UPDATE threads SET title = COALESCE(?2, title),"
	         " allow_anonymous = CASE WHEN ?3 < 0 THEN allow_anonymous ELSE ?3 END WHERE id = ?1");
	sqlite3_bind_int64(st, 1, thread_id);
	if (title)
		sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, allow_anonymous < 0 ? -1 : allow_anonymous ? 1 : 0);
	return db_step_done(db, st);
}

/* The columns of a thread as seen by member ?2, and its unread count: the
 * messages after the read marker that are not deleted and not the member's
 * own named messages, counted up to 1000 (STORE_UNREAD_CAP) so that listing
 * threads costs the same however far behind the member is. */
#define THREAD_COLS "t.id, t.title, t.allow_anonymous, t.message_count, t.last_message_at," \
	" t.created_at, t.created_by, c.name, COALESCE(r.upto, 0)," \
	" (SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.thread_id = t.id" \
	"  AND m.id > COALESCE(r.upto, 0) AND m.deleted = 0 AND (m.author_id IS NULL OR m.author_id <> ?2)" \
	"  LIMIT 1000))"
#define THREAD_FROM " FROM threads t JOIN members c ON c.id = t.created_by" \
	" LEFT JOIN thread_reads r ON r.thread_id = t.id AND r.member_id = ?2"

static json_t *thread_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:b, s:I, s:o, s:s, s:{s:I, s:s}, s:I, s:I}",
	                 "id", (json_int_t)sqlite3_column_int64(st, 0),
	                 "title", db_col_text(st, 1),
	                 "allow_anonymous", sqlite3_column_int(st, 2),
	                 "message_count", (json_int_t)sqlite3_column_int64(st, 3),
	                 "last_message_at", col_json(st, 4),
	                 "created_at", db_col_text(st, 5),
	                 "created_by", "id", (json_int_t)sqlite3_column_int64(st, 6), "name", db_col_text(st, 7),
	                 "read_upto", (json_int_t)sqlite3_column_int64(st, 8),
	                 "unread", (json_int_t)sqlite3_column_int64(st, 9));
}

int store_thread_json(struct db *db, int64_t thread_id, int64_t member_id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT " THREAD_COLS THREAD_FROM " WHERE t.id = ?1");
	*out = NULL;
	sqlite3_bind_int64(st, 1, thread_id);
	sqlite3_bind_int64(st, 2, member_id);
	if (step_lookup(st, &err) == SQLITE_ROW)
		err = (*out = thread_row(st)) ? RT_OK : RT_EINTERNAL;
	sqlite3_reset(st);
	return err;
}

int store_thread_list(struct db *db, int64_t coalition_id, int64_t member_id, json_t **out)
{
	json_t *list;
	int rc, err = RT_OK;
	PREP(st, "SELECT " THREAD_COLS THREAD_FROM " WHERE t.coalition_id = ?1"
	         " ORDER BY COALESCE(t.last_message_at, t.created_at) DESC, t.id DESC");
	list = json_array();
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, member_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(list, thread_row(st)) != 0)
			err = RT_EINTERNAL;
	if (rc != SQLITE_DONE)
		err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(list, err, out);
}

int store_message_insert(struct db *db, int64_t thread_id, int64_t author_id, int anonymous,
                         int64_t reply_to, const char *body, const char *html, const char *at,
                         int64_t *out_id)
{
	int err;
	PREP(ins, "INSERT INTO messages(thread_id, author_id, anonymous, reply_to, body, html, created_at)"
	          " VALUES (?,?,?,?,?,?,?)");
	sqlite3_bind_int64(ins, 1, thread_id);
	if (author_id && !anonymous)
		sqlite3_bind_int64(ins, 2, author_id);
	sqlite3_bind_int(ins, 3, anonymous ? 1 : 0);
	if (reply_to)
		sqlite3_bind_int64(ins, 4, reply_to);
	sqlite3_bind_text(ins, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, html, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 7, at, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, ins)) != RT_OK)
		return err;
	if (out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	{
		PREP(upd, "UPDATE threads SET message_count = message_count + 1, last_message_at = ?2 WHERE id = ?1");
		sqlite3_bind_int64(upd, 1, thread_id);
		sqlite3_bind_text(upd, 2, at, -1, SQLITE_STATIC);
		return db_step_done(db, upd);
	}
}

int store_message_set_tag(struct db *db, int64_t message_id, const unsigned char tag[32])
{
	PREP(st, "UPDATE messages SET anon_tag = ?2 WHERE id = ?1 AND anonymous = 1");
	sqlite3_bind_int64(st, 1, message_id);
	sqlite3_bind_blob(st, 2, tag, 32, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_message_info(struct db *db, int64_t message_id, struct message_info *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT m.id, m.thread_id, t.coalition_id, m.author_id, m.anonymous, m.deleted, m.anon_tag"
	         " FROM messages m JOIN threads t ON t.id = m.thread_id WHERE m.id = ?");
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(st, 1, message_id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->thread_id = sqlite3_column_int64(st, 1);
		out->coalition_id = sqlite3_column_int64(st, 2);
		out->author_id = sqlite3_column_int64(st, 3);
		out->anonymous = sqlite3_column_int(st, 4);
		out->deleted = sqlite3_column_int(st, 5);
		if (sqlite3_column_bytes(st, 6) == 32) {
			memcpy(out->tag, sqlite3_column_blob(st, 6), 32);
			out->has_tag = 1;
		}
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_message_json(struct db *db, int64_t message_id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT " MSG_COLS MSG_FROM " WHERE m.id = ?");
	*out = NULL;
	sqlite3_bind_int64(st, 1, message_id);
	if (step_lookup(st, &err) == SQLITE_ROW)
		err = (*out = message_row(st)) ? RT_OK : RT_EINTERNAL;
	sqlite3_reset(st);
	return err;
}

int store_message_page(struct db *db, int64_t thread_id, int64_t before, int limit,
                       json_t **out, int *more)
{
	json_t *page, *row = NULL;
	int rc, n = 0, err = RT_OK;
	/* Newest first from the index, limit + 1 rows to learn whether more exist. */
	PREP(st, "SELECT " MSG_COLS MSG_FROM " WHERE m.thread_id = ?1 AND m.id < ?2"
	         " ORDER BY m.id DESC LIMIT ?3");
	page = json_array();
	*more = 0;
	sqlite3_bind_int64(st, 1, thread_id);
	sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int(st, 3, limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == limit) {
			*more = 1;
			continue;
		}
		/* Prepend: the page reads oldest to newest. */
		if (!(row = message_row(st)) || json_array_insert_new(page, 0, row) != 0)
			err = RT_EINTERNAL;
	}
	if (rc != SQLITE_DONE)
		err = RT_EINTERNAL;
	sqlite3_reset(st);
	if (err) {
		json_decref(page);
		page = NULL;
	}
	*out = page;
	return err;
}

int store_message_edit(struct db *db, int64_t message_id, const char *body, const char *html,
                       const char *at)
{
	int err;
	PREP(keep, "INSERT INTO message_versions(message_id, version, body, html, at)"
	           " SELECT id, (SELECT COALESCE(max(version), 0) + 1 FROM message_versions WHERE message_id = ?1),"
	           " body, html, COALESCE(edited_at, created_at) FROM messages WHERE id = ?1");
	sqlite3_bind_int64(keep, 1, message_id);
	if ((err = db_step_done(db, keep)) != RT_OK)
		return err;
	{
		PREP(upd, "UPDATE messages SET body = ?2, html = ?3, edited_at = ?4 WHERE id = ?1");
		sqlite3_bind_int64(upd, 1, message_id);
		sqlite3_bind_text(upd, 2, body, -1, SQLITE_STATIC);
		sqlite3_bind_text(upd, 3, html, -1, SQLITE_STATIC);
		sqlite3_bind_text(upd, 4, at, -1, SQLITE_STATIC);
		return db_step_done(db, upd);
	}
}

int store_message_delete(struct db *db, int64_t message_id, const char *at)
{
	int err;
	PREP(vers, "DELETE FROM message_versions WHERE message_id = ?");
	sqlite3_bind_int64(vers, 1, message_id);
	if ((err = db_step_done(db, vers)) != RT_OK)
		return err;
	{
		PREP(cnt, "UPDATE threads SET message_count = message_count - 1"
		          " WHERE id = (SELECT thread_id FROM messages WHERE id = ?1 AND deleted = 0)");
		sqlite3_bind_int64(cnt, 1, message_id);
		if ((err = db_step_done(db, cnt)) != RT_OK)
			return err;
	}
	{
		PREP(upd, "UPDATE messages SET body = '', html = '', anon_tag = NULL, deleted = 1, deleted_at = ?2"
		          " WHERE id = ?1");
		sqlite3_bind_int64(upd, 1, message_id);
		sqlite3_bind_text(upd, 2, at, -1, SQLITE_STATIC);
		return db_step_done(db, upd);
	}
}

int store_message_versions(struct db *db, int64_t message_id, json_t **out)
{
	json_t *list;
	int rc, err = RT_OK;
	PREP(st, "SELECT body, html, at FROM message_versions WHERE message_id = ? ORDER BY version");
	list = json_array();
	sqlite3_bind_int64(st, 1, message_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "body", db_col_text(st, 0),
		                                          "html", db_col_text(st, 1), "at", db_col_text(st, 2))) != 0)
			err = RT_EINTERNAL;
	if (rc != SQLITE_DONE)
		err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(list, err, out);
}

int store_thread_mark_read(struct db *db, int64_t thread_id, int64_t member_id, int64_t upto,
                           int *moved)
{
	int err;
	PREP(st, "INSERT INTO thread_reads(thread_id, member_id, upto) VALUES (?1, ?2, ?3)"
	         " ON CONFLICT(thread_id, member_id) DO UPDATE SET upto = excluded.upto"
	         " WHERE excluded.upto > thread_reads.upto");
	sqlite3_bind_int64(st, 1, thread_id);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int64(st, 3, upto);
	err = db_step_done(db, st);
	*moved = err == RT_OK && sqlite3_changes(db_handle(db)) > 0;
	return err;
}

/* Search bounds (docs/protocol.md "search"). A prefix longer than the
 * prefix indexes (2 and 3 letters) expands to every term of the coalition
 * that starts with it: at most this many. */
#define SEARCH_PREFIX_TERMS_MAX 500
/* Snippets: about this many words before and after the first match, and
 * never more than this many bytes either side. */
#define SNIPPET_WORDS_BEFORE 5
#define SNIPPET_WORDS_AFTER 10
#define SNIPPET_BYTES 160

/* Puts the coalition's scope ("<id>\x1f", fts_scope.h) at the start of each
 * phrase of q, a list of quoted phrases as disc_fts_query makes them
 * ("a" "b"* ..., inner quotes doubled). *prefixes counts the phrases that
 * end in '*'. The result is malloc'd; NULL for want of memory. */
static char *scope_query(const char *q, int64_t coalition_id, int *prefixes)
{
	char scope[24];
	int k = snprintf(scope, sizeof scope, "%lld\x1f", (long long)coalition_id), inside = 0;
	size_t n = strlen(q), len = 0;
	char *out = malloc(n + n / 2 * (size_t)k + (size_t)k + 1);

	*prefixes = 0;
	if (!out)
		return NULL;
	for (const char *p = q; *p; p++) {
		out[len++] = *p;
		if (*p != '"')
			continue;
		if (!inside) {
			memcpy(out + len, scope, (size_t)k);
			len += (size_t)k;
			inside = 1;
		} else if (p[1] == '"') {
			out[len++] = *++p;
		} else {
			inside = 0;
			*prefixes += p[1] == '*';
		}
	}
	out[len] = 0;
	return out;
}

/* Refuses (RT_ETOOLARGE) a query one of whose prefix phrases would expand to
 * more than SEARCH_PREFIX_TERMS_MAX terms of the coalition; prefixes of 2
 * and 3 letters are read from the prefix index and never expand. */
static int check_prefixes(struct db *db, const char *scoped)
{
	char tok[256], hi[256], text[4 * 500 + 64];
	int err = RT_OK, len, inside = 0;
	size_t tlen = 0;
	PREP(st, "SELECT count(*) FROM (SELECT 1 FROM messages_fts_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3)");

	for (const char *p = scoped; *p && err == RT_OK; p++) {
		if (!inside) {
			inside = *p == '"';
			tlen = 0;
			continue;
		}
		if (*p == '"' && p[1] == '"') {
			p++;
		} else if (*p == '"') {
			int chars = 0, got;
			inside = 0;
			if (p[1] != '*')
				continue;
			got = fts_scope_last_token(db_handle(db), text, (int)tlen, tok, sizeof tok, &len);
			if (got < 0) {
				err = RT_EINTERNAL;
				break;
			}
			for (int i = FTS_SCOPE_CHARS; got && i < len; i++)
				chars += ((unsigned char)tok[i] & 0xC0) != 0x80;
			if (!got || chars == 2 || chars == 3)
				continue;
			/* Terms in [tok, tok with its last byte + 1): those starting with tok. */
			memcpy(hi, tok, (size_t)len);
			hi[len - 1]++;
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, tok, len, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, hi, len, SQLITE_STATIC);
			sqlite3_bind_int(st, 3, SEARCH_PREFIX_TERMS_MAX + 1);
			if (sqlite3_step(st) != SQLITE_ROW)
				err = RT_EINTERNAL;
			else if (sqlite3_column_int(st, 0) > SEARCH_PREFIX_TERMS_MAX)
				err = RT_ETOOLARGE;
			sqlite3_reset(st);
			continue;
		}
		if (tlen < sizeof text - 1)
			text[tlen++] = *p;
	}
	return err;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The snippet of a highlighted body ("<id>\x1f" then the body, each match
 * between \x01 and \x02): the words around the first match, "…" where the
 * body goes on. Linear in the body; FTS5's snippet() compares every match
 * with every other and took seconds on a body of thousands of matches.
 * malloc'd; NULL for want of memory. */
static char *snippet_of(const char *hl)
{
	const char *body = strchr(hl, '\x1f'), *end, *first, *from, *to;
	int words, open = 0;
	size_t len = 0;
	char *out;

	body = body ? body + 1 : hl;
	end = body + strlen(body);
	first = strchr(body, '\x01');
	if (!first)
		first = body;
	/* back over SNIPPET_WORDS_BEFORE words, at most SNIPPET_BYTES */
	for (from = first, words = 0; from > body && first - from < SNIPPET_BYTES; from--)
		if (is_blank(from[-1]) && !is_blank(*from) && ++words > SNIPPET_WORDS_BEFORE)
			break;
	while (from < first && ((unsigned char)*from & 0xC0) == 0x80)
		from++;
	/* forward over SNIPPET_WORDS_AFTER words, at most SNIPPET_BYTES */
	for (to = first, words = 0; to < end && to - first < SNIPPET_BYTES; to++)
		if (is_blank(*to) && to > first && !is_blank(to[-1]) && ++words > SNIPPET_WORDS_AFTER)
			break;
	while (to < end && to > first && ((unsigned char)*to & 0xC0) == 0x80)
		to--;
	if (!(out = malloc((size_t)(to - from) + 2 * 3 + 2)))
		return NULL;
	if (from > body) {
		memcpy(out, "\xe2\x80\xa6", 3);
		len = 3;
	}
	for (const char *p = from; p < to; p++) {
		open = *p == '\x01' ? 1 : *p == '\x02' ? 0 : open;
		out[len++] = *p;
	}
	if (open)
		out[len++] = '\x02';
	if (to < end) {
		memcpy(out + len, "\xe2\x80\xa6", 3);
		len += 3;
	}
	out[len] = 0;
	return out;
}

int store_search(struct db *db, int64_t coalition_id, const char *fts_query, int limit,
                 json_t **out)
{
	json_t *hits = NULL, *msg = NULL;
	char *scoped = NULL, *snip = NULL;
	int rc, err = RT_OK, prefixes = 0;
	sqlite3_stmt *hl = db_prep(db, "SELECT highlight(messages_fts, 0, char(1), char(2)) FROM messages_fts"
	                                " WHERE messages_fts MATCH ?1 AND rowid = ?2");
	/* The match runs over the coalition's own terms only (the scope); the
	 * join on the thread's coalition is a second wall. Snippets are made
	 * for the rows returned, not for every row ranked. */
	PREP(st, "SELECT " MSG_COLS ", t.title FROM (SELECT rowid AS id, bm25(messages_fts) AS score"
	         " FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY score, rowid DESC LIMIT ?3) r"
	         " JOIN messages m ON m.id = r.id"
	         " LEFT JOIN members a ON a.id = m.author_id JOIN threads t ON t.id = m.thread_id"
	         " WHERE t.coalition_id = ?2 AND m.deleted = 0 ORDER BY r.score, m.id DESC");
	*out = NULL;
	if (!(hits = json_array()) || !hl || !(scoped = scope_query(fts_query, coalition_id, &prefixes))) {
		err = RT_EINTERNAL;
		goto done;
	}
	if (prefixes && (err = check_prefixes(db, scoped)) != RT_OK)
		goto done;
	sqlite3_bind_text(st, 1, scoped, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, coalition_id);
	sqlite3_bind_int(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_bind_text(hl, 1, scoped, -1, SQLITE_STATIC);
		sqlite3_bind_int64(hl, 2, sqlite3_column_int64(st, 0));
		snip = sqlite3_step(hl) == SQLITE_ROW ? snippet_of(db_col_text(hl, 0)) : NULL;
		sqlite3_reset(hl);
		if (!snip || !(msg = message_row(st)) ||
		    json_array_append_new(hits, json_pack("{s:o, s:{s:I, s:s}, s:s}", "message", msg,
		                                          "thread", "id", (json_int_t)sqlite3_column_int64(st, 1),
		                                          "title", db_col_text(st, MSG_NCOLS),
		                                          "snippet", snip)) != 0)
			err = RT_EINTERNAL;
		free(snip);
		snip = NULL;
	}
	if (rc != SQLITE_DONE)
		err = (rc & 0xff) == SQLITE_ERROR ? RT_EBADREQ : RT_EINTERNAL;
done:
	sqlite3_reset(st);
	free(scoped);
	return list_out(hits, err, out);
}
