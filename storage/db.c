/*
 * db.c: opening, migrating and using the SQLite database (see db.h).
 *
 * Durability: journal_mode=WAL with synchronous=FULL fsyncs the WAL at every
 * commit, so a reply sent after db_commit describes a write that survives a
 * power loss. Statements are compiled once with SQLITE_PREPARE_PERSISTENT and
 * kept in a small open-addressing table keyed by the SQL text's address.
 */
#include "db.h"
#include "backup.h"
#include "render.h"
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *const rt_schema_migrations[];

#define CACHE_SIZE 512 /* power of two, more than the statements we have */

struct db {
	sqlite3 *h;
	int in_txn;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[CACHE_SIZE];
};

sqlite3 *db_handle(struct db *db)
{
	return db->h;
}

int db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "roundtable: sql error: %s\n", msg ? msg : "?");
		sqlite3_free(msg);
		return RT_EINTERNAL;
	}
	return RT_OK;
}

int db_schema_latest(void)
{
	int n = 0;
	while (rt_schema_migrations[n])
		n++;
	return n;
}

int db_schema_version(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* rt_markdown(text): the safe HTML of a markdown text (daemon/render.c), NULL
 * for NULL. Writes store it beside their source and migration 007 backfilled
 * it, so markdown is rendered once, when written, never when read. */
static void sql_markdown(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *src;
	char *html;
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	src = sqlite3_value_text(argv[0]);
	if (!src || !(html = render_markdown((const char *)src, (size_t)sqlite3_value_bytes(argv[0])))) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, html, -1, free);
}

/* Applies every migration past user_version, each in its own transaction.
 * An existing database is first copied to <path>.pre-v<N>.bak. */
static int migrate(struct db *db, const char *path)
{
	int v = db_schema_version(db), latest = db_schema_latest();
	char pragma[64], bak[4200];

	if (v < 0)
		return RT_EINTERNAL;
	if (v > latest) {
		fprintf(stderr, "roundtable: database schema %d is newer than this binary (%d)\n", v, latest);
		return RT_EINTERNAL;
	}
	if (v > 0 && v < latest) {
		snprintf(bak, sizeof bak, "%s.pre-v%d.bak", path, latest);
		fprintf(stderr, "roundtable: upgrading the database from schema %d to %d; a copy is kept in %s\n",
		        v, latest, bak);
		if (backup_db_file(path, bak) != RT_OK)
			return RT_EINTERNAL;
	}
	for (; v < latest; v++) {
		if (db_begin(db, 1) != RT_OK)
			return RT_EINTERNAL;
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
		if (db_exec(db, rt_schema_migrations[v]) != RT_OK || db_exec(db, pragma) != RT_OK) {
			db_rollback(db);
			return RT_EINTERNAL;
		}
		if (db_commit(db) != RT_OK)
			return RT_EINTERNAL;
	}
	return RT_OK;
}

int db_open(struct db **out, const char *path)
{
	struct db *db = calloc(1, sizeof *db);
	int err = RT_EINTERNAL;

	if (!db)
		goto done;
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fprintf(stderr, "roundtable: cannot open %s: %s\n", path,
		        db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(db->h, 5000);
	if (sqlite3_create_function(db->h, "rt_markdown", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	                            sql_markdown, NULL, NULL) != SQLITE_OK)
		goto done;
	sqlite3_extended_result_codes(db->h, 1);
	/* Set explicitly: none of these is a safe default to rely on. */
	if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;") != RT_OK)
		goto done;
	err = migrate(db, path);
done:
	if (err != RT_OK) {
		db_close(db);
		db = NULL;
	}
	*out = db;
	return err;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < CACHE_SIZE; i++)
		sqlite3_finalize(db->cache[i].st);
	sqlite3_close(db->h);
	free(db);
}

sqlite3_stmt *db_prep(struct db *db, const char *sql)
{
	size_t i = ((uintptr_t)sql >> 3) & (CACHE_SIZE - 1);

	for (size_t probes = 0; probes < CACHE_SIZE; probes++, i = (i + 1) & (CACHE_SIZE - 1)) {
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].st);
			sqlite3_clear_bindings(db->cache[i].st);
			return db->cache[i].st;
		}
		if (!db->cache[i].sql) {
			sqlite3_stmt *st = NULL;
			if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
				fprintf(stderr, "roundtable: sql compile error: %s\n  in: %s\n", sqlite3_errmsg(db->h), sql);
				return NULL;
			}
			db->cache[i].sql = sql;
			db->cache[i].st = st;
			return st;
		}
	}
	fprintf(stderr, "roundtable: statement cache full\n");
	return NULL;
}

int db_begin(struct db *db, int write)
{
	/* A ROLLBACK that failed (out of memory) left a transaction open: end
	 * it now, or every later request would fail. */
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	/* A read left stepping (a lookup that returned at its first row) keeps
	 * the connection's read snapshot past COMMIT: every later transaction
	 * would read that old snapshot and BEGIN IMMEDIATE fail once another
	 * connection (sqlite3, a backup) wrote. No statement outlives its
	 * transaction, so reset them all here. */
	for (sqlite3_stmt *st = sqlite3_next_stmt(db->h, NULL); st; st = sqlite3_next_stmt(db->h, st))
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
	if (db_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN") != RT_OK)
		return RT_EINTERNAL;
	db->in_txn = 1;
	return RT_OK;
}

int db_commit(struct db *db)
{
	if (db_exec(db, "COMMIT") != RT_OK) {
		db_rollback(db);
		return RT_EINTERNAL;
	}
	db->in_txn = 0;
	return RT_OK;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->in_txn = 0;
}

int db_savepoint(struct db *db)
{
	return db_step_done(db, db_prep(db, "SAVEPOINT req"));
}

int db_savepoint_end(struct db *db, int keep)
{
	int err = keep ? RT_OK : db_step_done(db, db_prep(db, "ROLLBACK TO req"));
	int err2 = db_step_done(db, db_prep(db, "RELEASE req"));
	return err ? err : err2;
}

int db_step_done(struct db *db, sqlite3_stmt *st)
{
	int rc;
	if (!st)
		return RT_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return RT_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return RT_ECONFLICT;
	fprintf(stderr, "roundtable: sql step error: %s\n", sqlite3_errmsg(db->h));
	return RT_EINTERNAL;
}

const char *db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}
