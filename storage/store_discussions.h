/*
 * store_discussions.h: threads, messages (replies, edits with their earlier
 * versions, tombstones, anonymous authors known only by a keyed tag), read
 * markers and the FTS5 index of the bodies. All SQL of discussions lives in
 * store_discussions.c. Functions return RT_OK or an rt_err; json_t results
 * belong to the caller.
 *
 * A message as JSON: {id, thread, author: {id, name} | null, anonymous,
 * reply_to, body, html, created_at, edited_at, deleted}. author is null on an
 * anonymous message whatever the reader: the database does not know it.
 */
#ifndef RT_STORE_DISCUSSIONS_H
#define RT_STORE_DISCUSSIONS_H

#include "db.h"
#include <jansson.h>
#include <stdint.h>

/* What the rules need to know of a thread. */
struct thread_info {
	int64_t id, coalition_id, created_by;
	int allow_anonymous;
	char title[256];
};

/* What the rules need to know of a message. author_id is 0 on an anonymous
 * message; has_tag says whether tag holds its author's keyed tag. */
struct message_info {
	int64_t id, thread_id, coalition_id, author_id;
	int anonymous, deleted, has_tag;
	unsigned char tag[32];
};

/* The per-database key of anonymous authors' tags (32 bytes). */
int store_disc_secret(struct db *db, unsigned char out[32]);

/* Creates a thread (no messages yet). */
int store_thread_create(struct db *db, int64_t coalition_id, const char *title, int64_t created_by,
                        int allow_anonymous, int64_t *out_id);
/* The thread's coalition and settings; RT_ENOTFOUND if none. */
int store_thread_info(struct db *db, int64_t thread_id, struct thread_info *out);
/* Changes the title (NULL: keep) and allow_anonymous (-1: keep). */
int store_thread_update(struct db *db, int64_t thread_id, const char *title, int allow_anonymous);
/* Unread counts stop at this many ("1000 or more"). */
#define STORE_UNREAD_CAP 1000

/* {id, title, allow_anonymous, message_count, last_message_at, created_at,
 *  created_by: {id, name}, read_upto, unread} as seen by member_id; unread
 *  counts at most STORE_UNREAD_CAP. */
int store_thread_json(struct db *db, int64_t thread_id, int64_t member_id, json_t **out);
/* The coalition's threads as store_thread_json, latest activity first. */
int store_thread_list(struct db *db, int64_t coalition_id, int64_t member_id, json_t **out);

/* Adds a message (author_id 0 when anonymous) and counts it in its thread. */
int store_message_insert(struct db *db, int64_t thread_id, int64_t author_id, int anonymous,
                         int64_t reply_to, const char *body, const char *html, const char *at,
                         int64_t *out_id);
/* Sets the keyed tag of an anonymous message's author. */
int store_message_set_tag(struct db *db, int64_t message_id, const unsigned char tag[32]);
/* The message's thread, coalition, author or tag; RT_ENOTFOUND if none. */
int store_message_info(struct db *db, int64_t message_id, struct message_info *out);
/* One message as JSON (see above). */
int store_message_json(struct db *db, int64_t message_id, json_t **out);
/* One page of a thread: the `limit` messages before message id `before`
 * (0: the newest), oldest to newest; *more says whether older ones exist.
 * One range of the (thread_id, id) index: the cost does not grow with the
 * thread's length. */
int store_message_page(struct db *db, int64_t thread_id, int64_t before, int limit,
                       json_t **out, int *more);
/* Replaces the body (keeping the previous one as a version) at time at. */
int store_message_edit(struct db *db, int64_t message_id, const char *body, const char *html,
                       const char *at);
/* Makes the message a tombstone: body and html emptied, versions and tag
 * removed, deleted = 1; no longer counted in its thread. */
int store_message_delete(struct db *db, int64_t message_id, const char *at);
/* The earlier versions [{body, html, at}], oldest first (without the current one). */
int store_message_versions(struct db *db, int64_t message_id, json_t **out);

/* Moves the member's read marker of the thread forward to upto (never back).
 * *moved says whether it changed. */
int store_thread_mark_read(struct db *db, int64_t thread_id, int64_t member_id, int64_t upto,
                           int *moved);

/* Full-text search of the coalition's messages that are not deleted, with
 * an FTS5 query (already made safe by the caller), best bm25 rank first:
 * [{message, thread: {id, title}, snippet}] where snippet is the raw body
 * excerpt with \x01 before and \x02 after each matching term (the caller
 * escapes it). fts_query is a list of quoted phrases as disc_fts_query
 * makes them; the coalition's scope is put in each (fts_scope.h), so only
 * the coalition's part of the index is read. RT_EBADREQ if FTS5 refuses the
 * query, RT_ETOOLARGE if a prefix would expand to more than 500 terms. */
int store_search(struct db *db, int64_t coalition_id, const char *fts_query, int limit,
                 json_t **out);

#endif
