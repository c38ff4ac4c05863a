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
 */
#ifndef RT_STMT_H
#define RT_STMT_H

#include "rt.h"

#include <sqlite3.h>

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
