/*
 * stmt.h: two rules for running SQLite statements in storage/, so that a
 * failed allocation (or I/O error) is an error, never a wrong answer:
 *
 * 1. Text and blobs are bound with SQLITE_STATIC: every caller's buffer
 *    lives until the statement has been stepped (statements are reset and
 *    their bindings cleared by db_prep before the next use). A copying bind
 *    (SQLITE_TRANSIENT) can fail for want of memory, and then the parameter
 *    silently stays NULL while the statement still runs: a NOT NULL
 *    constraint error at best, a NULL stored instead of the value at worst.
 *
 * 2. A lookup of one row tells "no such row" (RT_ENOTFOUND) apart from a
 *    read that failed (RT_EINTERNAL), with step_lookup() below: a failed
 *    read reported as "not found" gives a misleading error, or lets a
 *    caller act on an absence that is not true.
 *
 * 3. A loop over rows checks how it ended, with step_row() below: only
 *    SQLITE_DONE means every row was read. Any other end is RT_EINTERNAL,
 *    and the caller frees what it built and returns the error: a list cut
 *    short by a failed read is never an answer.
 *
 * The helpers every store_*.c uses live here (and in stmt.c), once.
 */
#ifndef RT_STMT_H
#define RT_STMT_H

#include "db.h"
#include "rt.h"

#include <jansson.h>
#include <sqlite3.h>

/* Declares var as the cached statement for sql (db_prep, using the `db` in
 * scope); when it cannot be prepared, RETURNS RT_EINTERNAL from the calling
 * function. So use it only where the function owns nothing yet (before any
 * allocation): elsewhere call db_prep and clean up. */
#define PREP(var, sql)                                  \
	sqlite3_stmt *var = db_prep(db, sql);           \
	if (!var)                                       \
		return RT_EINTERNAL

/* The checked row iterator: steps st, returns 1 while there is a row. When
 * the rows end (SQLITE_DONE) it returns 0 and leaves *err alone; when the
 * read fails it returns 0 and sets *err to RT_EINTERNAL (logged). So *err
 * starts at RT_OK, and the loop's body may set it too (out of memory):
 *     int err = RT_OK;
 *     while (step_row(st, &err))
 *         if (json_array_append_new(list, row(st))) err = RT_EINTERNAL;
 *     sqlite3_reset(st);
 *     if (err) { json_decref(list); return err; } */
int step_row(sqlite3_stmt *st, int *err);

/* Ends a list read: *out = list when err is RT_OK; otherwise frees list
 * and *out = NULL. Returns err. */
int list_out(json_t *list, int err, json_t **out);

/* Binds s as text (SQLITE_STATIC: s must outlive the step), or NULL. */
void bind_text_or_null(sqlite3_stmt *st, int i, const char *s);

/* A column of the current row as a new JSON value, null for SQL NULL:
 * a string, an integer, a real. NULL only when out of memory. */
json_t *col_json(sqlite3_stmt *st, int col);
json_t *col_json_int(sqlite3_stmt *st, int col);
json_t *col_json_real(sqlite3_stmt *st, int col);

/* sqlite3_step(st); when it gives no row, sets *err to RT_ENOTFOUND
 * (SQLITE_DONE) or RT_EINTERNAL (any error). Returns sqlite3_step's code. */
static inline int step_lookup(sqlite3_stmt *st, int *err)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		*err = rc == SQLITE_DONE ? RT_ENOTFOUND : RT_EINTERNAL;
	return rc;
}

#endif
