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
#include "checkpoint.h"
#include "fts_scope.h"
#include "log.h"
#include "render.h"
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const char *const rt_schema_migrations[];

#define CACHE_SIZE 512 /* power of two, more than the statements we have */
/* WAL frames (4 KiB pages) after which the checkpoint thread runs: SQLite's
 * own default threshold, about 4 MiB. */
#define CHECKPOINT_PAGES 1000

struct db {
	sqlite3 *h;
	int in_txn;
	char *path;
	struct checkpointer *ckpt;
	int write_txn;     /* the open transaction is a write (BEGIN IMMEDIATE) */
	int write_failed;  /* the last write failed: /healthz says so */
	time_t last_write; /* when a write was last attempted (db_write_probe) */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[CACHE_SIZE];
};

sqlite3 *db_handle(struct db *db)
{
	return db->h;
}

/* Errors that mean writes do not reach the disk (full, I/O, read-only,
 * locked by another process): /healthz reports them until a write works. */
static void note_error(struct db *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_READONLY: case SQLITE_CANTOPEN:
	case SQLITE_CORRUPT: case SQLITE_NOTADB: case SQLITE_BUSY: case SQLITE_LOCKED:
		db->write_failed = 1;
		break;
	default:
		break;
	}
}

int db_writes_failing(struct db *db)
{
	return db && db->write_failed;
}

int db_write_probe(struct db *db)
{
	time_t now = time(NULL);
	int err = RT_OK;
	if (!db || db->in_txn || !sqlite3_get_autocommit(db->h) ||
	    now - db->last_write < (db->write_failed ? 2 : 30))
		return RT_OK;
	/* Setting the header's application_id (to what it is) writes a page. */
	if ((err = db_begin(db, 1)) == RT_OK) {
		sqlite3_stmt *st = NULL;
		char sql[64];
		int id = 0;
		if (sqlite3_prepare_v2(db->h, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d", id);
		if ((err = db_exec(db, sql)) != RT_OK)
			db_rollback(db);
		else
			err = db_commit(db);
	}
	db->last_write = now;
	return err;
}

int db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc;
	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		note_error(db, rc);
		st_log(ST_LOG_ERROR, "sql error: %s", msg ? msg : "?");
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
		st_log(ST_LOG_ERROR, "database schema %d is newer than this binary (%d)", v, latest);
		return RT_EINTERNAL;
	}
	if (v > 0 && v < latest) {
		snprintf(bak, sizeof bak, "%s.pre-v%d.bak", path, latest);
		st_log(ST_LOG_INFO, "upgrading the database from schema %d to %d; a copy is kept in %s",
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

/* Renders, once, every stored markdown text that has no HTML yet: rows
 * written before schema 7 (whose migration only adds the columns), or whose
 * HTML was lost. Each statement touches only rows still missing it, so a
 * start with nothing to do costs one scan per table. MOU versions are
 * rendered by the MOU area at start (their text is in git). */
static int render_backfill(struct db *db)
{
	static const char sql[] =
		"UPDATE decisions SET html = rt_markdown(body) WHERE html IS NULL AND body IS NOT NULL;"
		"UPDATE decisions SET outcome_statement_html = rt_markdown(outcome_statement)"
		" WHERE outcome_statement_html IS NULL AND outcome_statement IS NOT NULL;"
		"UPDATE milestones SET html = rt_markdown(body) WHERE html IS NULL AND body IS NOT NULL;"
		"UPDATE milestone_updates SET html = rt_markdown(note) WHERE html IS NULL AND note IS NOT NULL;"
		"UPDATE rfqs SET html = rt_markdown(body) WHERE html IS NULL AND body IS NOT NULL;"
		"UPDATE rfq_addenda SET html = rt_markdown(text) WHERE html IS NULL AND text IS NOT NULL;"
		"UPDATE rfq_answers SET html = rt_markdown(body) WHERE html IS NULL AND body IS NOT NULL;"
		"UPDATE rfq_clarifications SET question_html = rt_markdown(question)"
		" WHERE question_html IS NULL AND question IS NOT NULL;"
		"UPDATE rfq_clarifications SET answer_html = rt_markdown(answer)"
		" WHERE answer_html IS NULL AND answer IS NOT NULL;";
	return db_exec(db, sql);
}

int db_open(struct db **out, const char *path)
{
	struct db *db = calloc(1, sizeof *db);
	int err = RT_EINTERNAL;

	if (!db || !(db->path = strdup(path)))
		goto done;
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		st_log(ST_LOG_ERROR, "cannot open %s: %s", path,
		        db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(db->h, 5000);
	if (sqlite3_create_function(db->h, "rt_markdown", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	                            sql_markdown, NULL, NULL) != SQLITE_OK)
		goto done;
	sqlite3_extended_result_codes(db->h, 1);
	/* Set explicitly: none of these is a safe default to rely on.
	 * secure_delete zeroes deleted content in the pages; journal_size_limit=0
	 * truncates the WAL each time it starts over, so its old frames (earlier
	 * images of pages) do not stay in the file. */
	if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
	                " PRAGMA journal_size_limit=0;") != RT_OK)
		goto done;
	/* The full-text index's tokenizer, before anything touches it. */
	if (fts_scope_register(db->h) != SQLITE_OK) {
		st_log(ST_LOG_ERROR, "cannot register the search tokenizer: %s", sqlite3_errmsg(db->h));
		goto done;
	}
	if ((err = migrate(db, path)) == RT_OK)
		err = render_backfill(db);
done:
	if (err != RT_OK) {
		db_close(db);
		db = NULL;
	}
	*out = db;
	return err;
}

int db_checkpoint_in_background(struct db *db)
{
	if (db->ckpt)
		return RT_OK;
	return checkpointer_start(&db->ckpt, db->h, db->path, CHECKPOINT_PAGES);
}

void db_close(struct db *db)
{
	if (!db)
		return;
	checkpointer_stop(db->ckpt);
	db_reset_busy(db);
	for (size_t i = 0; i < CACHE_SIZE; i++)
		sqlite3_finalize(db->cache[i].st);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

int db_txn_lost(struct db *db)
{
	return db->in_txn && sqlite3_get_autocommit(db->h);
}

sqlite3_stmt *db_prep(struct db *db, const char *sql)
{
	size_t i = ((uintptr_t)sql >> 3) & (CACHE_SIZE - 1);

	/* SQLite rolls the whole transaction back by itself after some errors
	 * (out of memory, I/O, disk full). A statement run now would run in
	 * autocommit mode: a write would commit at once, alone, whatever
	 * becomes of its request. Nothing runs until db_rollback. */
	if (db_txn_lost(db)) {
		st_log(ST_LOG_ERROR, "the transaction was rolled back by SQLite; statement refused");
		return NULL;
	}

	for (size_t probes = 0; probes < CACHE_SIZE; probes++, i = (i + 1) & (CACHE_SIZE - 1)) {
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].st);
			sqlite3_clear_bindings(db->cache[i].st);
			return db->cache[i].st;
		}
		if (!db->cache[i].sql) {
			sqlite3_stmt *st = NULL;
			if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
				st_log(ST_LOG_ERROR, "sql compile error: %s; in: %s", sqlite3_errmsg(db->h), sql);
				return NULL;
			}
			db->cache[i].sql = sql;
			db->cache[i].st = st;
			return st;
		}
	}
	st_log(ST_LOG_ERROR, "statement cache full");
	return NULL;
}

int db_begin(struct db *db, int write)
{
	/* A ROLLBACK that failed (out of memory) left a transaction open: end
	 * it now, or every later request would fail. */
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	/* From a fresh snapshot: a statement left running would pin an old one,
	 * and after another process's write (`roundtable user add`, a sqlite3
	 * shell) BEGIN IMMEDIATE on it fails with SQLITE_BUSY_SNAPSHOT, write
	 * after write, until a restart (tests/unit/test_core.c). */
	db_reset_busy(db);
	db->in_txn = 0;
	if (write)
		db->last_write = time(NULL);
	if (db_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN") != RT_OK)
		return RT_EINTERNAL;
	db->in_txn = 1;
	db->write_txn = write;
	return RT_OK;
}

/* A statement that stepped to a row and was not reset keeps its read
 * transaction open after COMMIT: its snapshot then pins the WAL, so no
 * checkpoint can complete and the WAL grows without bound. Every statement
 * is reset after use; test builds stop here to name one that was not,
 * release builds reset it. */
int db_reset_busy(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int n = 0;
	while ((st = sqlite3_next_stmt(db->h, st)))
		if (sqlite3_stmt_busy(st)) {
			st_log(ST_LOG_WARN, "statement left busy: %s", sqlite3_sql(st));
#ifdef RT_FAULTS
			if (!getenv("RT_BUSY_LOG"))
				abort();
#endif
			sqlite3_reset(st);
			n++;
		}
	return n;
}

int db_commit(struct db *db)
{
	if (db_exec(db, "COMMIT") != RT_OK) {
		db_rollback(db);
		return RT_EINTERNAL;
	}
	if (db->write_txn)
		db->write_failed = 0; /* a write reached the disk */
	db->in_txn = db->write_txn = 0;
	db_reset_busy(db);
	return RT_OK;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->in_txn = db->write_txn = 0;
	db_reset_busy(db);
}

/* After some errors (out of memory, disk full, I/O) SQLite rolls the whole
 * transaction back by itself. A SAVEPOINT outside a transaction would then
 * open a new one that its RELEASE commits on the spot: the rest of the batch
 * would be written piecemeal while its replies say it failed. So both ends
 * refuse once the batch's transaction is gone. */
int db_savepoint(struct db *db)
{
	if (sqlite3_get_autocommit(db->h))
		return RT_EINTERNAL;
	return db_step_done(db, db_prep(db, "SAVEPOINT req"));
}

int db_savepoint_end(struct db *db, int keep)
{
	if (sqlite3_get_autocommit(db->h))
		return RT_EINTERNAL;
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
	note_error(db, rc);
	st_log(ST_LOG_ERROR, "sql step error: %s", sqlite3_errmsg(db->h));
	return RT_EINTERNAL;
}

const char *db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}
