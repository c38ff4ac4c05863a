/*
 * test_db.c: the database handle's transactions beside other processes'
 * writes (storage/db.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "rt.h"

static char db_path[64];

static int setup_db(void **state)
{
	struct db *db = NULL;
	int fd;
	snprintf(db_path, sizeof db_path, "/tmp/rt-unit-XXXXXX");
	fd = mkstemp(db_path);
	close(fd);
	unlink(db_path);
	assert_int_equal(db_open(&db, db_path), RT_OK);
	*state = db;
	return 0;
}

static int teardown_db(void **state)
{
	char p[80];
	db_close(*state);
	unlink(db_path);
	snprintf(p, sizeof p, "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	unlink(p);
	return 0;
}

/* A read left running (stepped to its row, never reset) holds a snapshot.
 * Once another process writes, a write transaction on that snapshot fails
 * with SQLITE_BUSY_SNAPSHOT every time: the daemon answered `internal` to
 * every write until a restart. db_begin must start from a fresh snapshot. */
static void test_write_after_outside_write(void **state)
{
	struct db *db = *state;
	sqlite3 *other = NULL;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM members");

	assert_non_null(st);
	setenv("RT_BUSY_LOG", "1", 1); /* test builds would stop at the statement left running */
	assert_int_equal(db_exec(db, "INSERT INTO members(email, name, pw_hash, created_at)"
	                             " VALUES ('a@x.test', 'A', 'h', '2026-01-01T00:00:00Z')"), RT_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW); /* left running */
	assert_int_equal(sqlite3_open(db_path, &other), SQLITE_OK);
	sqlite3_busy_timeout(other, 5000);
	assert_int_equal(sqlite3_exec(other, "INSERT INTO members(email, name, pw_hash, created_at)"
	                                     " VALUES ('b@x.test', 'B', 'h', '2026-01-01T00:00:00Z')",
	                              NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(db_begin(db, 1), RT_OK);
	assert_int_equal(db_exec(db, "INSERT INTO members(email, name, pw_hash, created_at)"
	                             " VALUES ('c@x.test', 'C', 'h', '2026-01-01T00:00:00Z')"), RT_OK);
	assert_int_equal(db_commit(db), RT_OK);
	st = db_prep(db, "SELECT count(*) FROM members");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 3);
	sqlite3_reset(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_after_outside_write, setup_db, teardown_db),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
