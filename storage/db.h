/*
 * db.h: the SQLite database of a data directory: opening it with the pragmas
 * Roundtable relies on (WAL, synchronous=FULL, foreign keys), migrating it by
 * PRAGMA user_version, prepared statements cached for the life of the
 * connection, and transactions. One connection, used by one thread.
 */
#ifndef RT_DB_H
#define RT_DB_H

#include <sqlite3.h>
#include <stdint.h>

struct db;

/* Opens (creating if needed) and migrates the database at path; before
 * migrating an existing database it keeps a copy at <path>.pre-v<N>.bak.
 * On success *out belongs to the caller (db_close). Returns RT_OK or RT_EINTERNAL. */
int db_open(struct db **out, const char *path);
/* Moves WAL checkpoints off the calling thread (storage/checkpoint.h): the
 * daemon calls it once after db_open; one-shot commands keep SQLite's
 * auto-checkpoint. Stopped by db_close. Returns RT_OK or RT_EINTERNAL. */
int db_checkpoint_in_background(struct db *db);
/* Closes the database and its cached statements. Accepts NULL. */
void db_close(struct db *db);
/* The raw handle, borrowed. */
sqlite3 *db_handle(struct db *db);
/* The schema version the database is at, and the one this binary brings. */
int db_schema_version(struct db *db);
int db_schema_latest(void);

/* A prepared statement for sql, compiled once and cached by the address of
 * sql (pass string literals), reset and with bindings cleared. Borrowed: do
 * not finalize. NULL on a compile error (logged). */
sqlite3_stmt *db_prep(struct db *db, const char *sql);

/* BEGIN (write: BEGIN IMMEDIATE), COMMIT, ROLLBACK. Return RT_OK or RT_EINTERNAL.
 * db_rollback does nothing outside a transaction. */
int db_begin(struct db *db, int write);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* Savepoints inside an open transaction, one level deep: one request of a
 * group commit. db_savepoint_end releases it, first rolling its changes
 * back if keep is 0. Return RT_OK or RT_EINTERNAL, also when SQLite has
 * rolled the whole transaction back by itself (after out of memory, disk
 * full or an I/O error): nothing of the batch may then be written. */
int db_savepoint(struct db *db);
int db_savepoint_end(struct db *db, int keep);
/* Resets every statement still stepping (one left busy would hold a read
 * transaction, and with it the WAL, open). Called after each COMMIT and
 * ROLLBACK; test builds abort there instead, naming the statement (unless
 * RT_BUSY_LOG is set). Returns how many were busy. */
int db_reset_busy(struct db *db);
/* Is a transaction open by db_begin gone, rolled back by SQLite itself
 * after an error (out of memory, I/O)? Then db_prep refuses every
 * statement until db_rollback: none may run in autocommit mode. */
int db_txn_lost(struct db *db);
/* Did the last write fail for want of the disk (full, I/O error,
 * read-only, locked)? Cleared by the next write that commits. */
int db_writes_failing(struct db *db);
/* Between transactions: writes one page (and commits) if no write was tried
 * for 30 s, or 2 s while writes fail, so db_writes_failing stays true. */
int db_write_probe(struct db *db);
/* Runs SQL text without results. */
int db_exec(struct db *db, const char *sql);

/* Steps a statement that returns no row (or whose rows are ignored).
 * Maps SQLITE_CONSTRAINT to RT_ECONFLICT, other failures to RT_EINTERNAL. */
int db_step_done(struct db *db, sqlite3_stmt *st);
/* A column as a NUL-terminated string: "" for NULL. Borrowed until the next step. */
const char *db_col_text(sqlite3_stmt *st, int col);

#endif
