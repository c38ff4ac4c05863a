/*
 * discussions.h: co-design discussions. Threads of a coalition with messages
 * in markdown (replies, edits with history, tombstones, anonymous messages,
 * @mentions), read markers with unread counts, pages of history by keyset,
 * and full-text search (FTS5). The op table is discussions_ops (hooks.h);
 * the rules are in docs/protocol.md.
 *
 * The pure helpers below are public for the unit tests.
 */
#ifndef RT_DISCUSSIONS_H
#define RT_DISCUSSIONS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define DISC_BODY_MAX (64 * 1024)  /* bytes of a message body */
#define DISC_TITLE_MAX 200         /* bytes of a thread title */
#define DISC_PAGE_DEFAULT 50
#define DISC_PAGE_MAX 200
#define DISC_SEARCH_DEFAULT 20
#define DISC_SEARCH_MAX 100
#define DISC_QUERY_MAX 500         /* bytes of a search query */
#define DISC_PREFIX_MIN 2          /* letters before the * of a prefix search */
#define DISC_MENTIONS_MAX 50       /* members notified by one message */

/* The keyed tag of an anonymous message's author:
 * HMAC-SHA-256(key, "rt-anon-v1" || message_id || member_id), ids as 8 bytes
 * big-endian. Bound to the message, so two anonymous messages of one author
 * do not share a tag. */
void disc_anon_tag(unsigned char out[32], const unsigned char key[32], int64_t message_id,
                   int64_t member_id);

/* Turns a user's search text into an FTS5 query that cannot be a syntax
 * error: each word becomes a quoted phrase ("word", quotes doubled), a word
 * ending in * stays a prefix query ("word"*), and the words are ANDed.
 * *out is malloc'd (caller frees). Returns RT_OK, or RT_EBADREQ when the text
 * has no word to search for (*out NULL). */
int disc_fts_query(const char *q, char **out);

/* An FTS5 snippet with \x01 / \x02 around the matches as safe HTML: the text
 * escaped (& < > " '), the matches in <mark>...</mark>. Returns a malloc'd
 * string (caller frees) or NULL on out-of-memory. */
char *disc_snippet_html(const char *raw);

/* The members a body mentions. members is [{id, name}, ...] (the
 * coalition's); a mention is @ at the start or after a character that is not
 * a letter, digit, '_' or '.', followed by letters, digits, '_', '-', '\''
 * and '.' (trailing '.', '-', '\'' dropped; if that names nobody, the text
 * before its last ' or U+2019 is tried: a possessive). @First.Last (the name's words
 * joined by dots) names the member with that full name; @First names the one
 * member whose first word is First, and nobody when two members share it.
 * Compared ASCII-case-insensitively. Writes at most max distinct ids to out,
 * skipping `except` (the author); returns how many. */
int disc_mentions(const char *body, const json_t *members, int64_t except, int64_t *out, int max);

#endif
