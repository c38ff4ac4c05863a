/*
 * fts_scope.h: the full-text index's coalition scope, an FTS5 tokenizer
 * "rt_coalition" that wraps another (unicode61) and puts the coalition in
 * front of every token.
 *
 * The text it is given starts with the coalition's id in decimal and a 0x1f
 * byte ("7\x1f<body>"; the view messages_fts_src gives documents that form,
 * store_search gives each phrase of a query that form). Every token the
 * wrapped tokenizer finds in the rest is emitted as 16 lowercase hex digits
 * of the id followed by the token ("0000000000000007billing"), with offsets
 * into the whole text. So every term of the index belongs to one coalition:
 * a query's terms, and the terms a prefix expands to, are looked up only in
 * the caller's coalition's part of the index (a contiguous key range), and
 * what other coalitions wrote is never read. A text without the scope is an
 * error (SQLITE_ERROR), never an unscoped term.
 */
#ifndef RT_FTS_SCOPE_H
#define RT_FTS_SCOPE_H

#include <sqlite3.h>
#include <stdint.h>

/* Characters of the scope in front of each token. */
#define FTS_SCOPE_CHARS 16

/* Registers the tokenizer on a connection (each connection, before it
 * touches messages_fts). Returns SQLITE_OK or an SQLite error code. */
int fts_scope_register(sqlite3 *h);

/* Tokenizes text (already starting with its scope) as a query prefix
 * would be, and gives the last token (scope included) in buf (NUL-ended;
 * size at least 256). Returns 1 with *len set, 0 if the text has no token
 * or it does not fit, -1 on an error. */
int fts_scope_last_token(sqlite3 *h, const char *text, int n, char *buf, int size, int *len);

#endif
