/*
 * test_core.c: the foundation's units: roles, time, frames, the database
 * (pragmas, migrations), the event hash chain, dispatch checks through
 * dispatch_call (the sign-in limits: test_ratelimit.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "db.h"
#include "dispatch.h"
#include "frame.h"
#include "rt.h"
#include "server.h"
#include "store_events.h"
#include "store_members.h"

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

static void test_roles(void **state)
{
	json_t *in = json_pack("[s, s]", "provider", "convener"), *out;
	unsigned roles = 0;
	char *text;
	(void)state;
	assert_int_equal(roles_from_json(&roles, in), RT_OK);
	assert_int_equal(roles, ROLE_PROVIDER | ROLE_CONVENER);
	out = roles_to_json(roles);
	text = json_dumps(out, JSON_COMPACT);
	assert_string_equal(text, "[\"convener\",\"provider\"]");
	free(text);
	json_decref(out);
	json_decref(in);
	in = json_pack("[s]", "king");
	assert_int_equal(roles_from_json(&roles, in), RT_EBADREQ);
	json_decref(in);
	in = json_pack("[i]", 1);
	assert_int_equal(roles_from_json(&roles, in), RT_EBADREQ);
	json_decref(in);
}

static void test_time(void **state)
{
	char canon[21];
	(void)state;
	assert_int_equal(rt_time_parse("1970-01-01T00:00:00Z", canon), 0);
	assert_int_equal(rt_time_parse("2026-11-23T12:00:00+01:00", canon), 1795431600LL);
	assert_string_equal(canon, "2026-11-23T11:00:00Z");
	assert_true(rt_time_parse("2026-11-23T12:00:00.123Z", NULL) > 0);
	assert_int_equal(rt_time_parse("2026-11-23 12:00:00", NULL), -1);
	assert_int_equal(rt_time_parse("2026-13-01T00:00:00Z", NULL), -1);
	assert_int_equal(rt_time_parse("2026-11-23T12:00:00Zjunk", NULL), -1);
	assert_int_equal(rt_time_parse(NULL, NULL), -1);
}

static void test_frame_headers(void **state)
{
	static const size_t sizes[] = { 0, 125, 126, 65535, 65536 };
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *payload = calloc(1, sizes[i] + 1);
		struct frame *f = frame_text(payload, sizes[i]);
		size_t hdr = sizes[i] < 126 ? 2 : sizes[i] <= 0xffff ? 4 : 10;
		assert_non_null(f);
		assert_int_equal(f->len, hdr + sizes[i]);
		assert_int_equal(f->data[0], 0x81);
		if (hdr == 2)
			assert_int_equal(f->data[1], sizes[i]);
		else if (hdr == 4)
			assert_int_equal((f->data[2] << 8) | f->data[3], sizes[i]);
		else
			assert_int_equal(f->data[1], 127);
		frame_ref(f);
		frame_unref(f);
		frame_unref(f);
		free(payload);
	}
}

static void test_db_pragmas(void **state)
{
	struct db *db = *state;
	sqlite3_stmt *st;
	assert_int_equal(db_schema_version(db), db_schema_latest());
	st = db_prep(db, "PRAGMA journal_mode");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(db_col_text(st, 0), "wal");
	sqlite3_reset(st);
	st = db_prep(db, "PRAGMA synchronous");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2); /* FULL */
	sqlite3_reset(st);
	st = db_prep(db, "PRAGMA foreign_keys");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_reset(st);
}

static void test_reopen_keeps_version(void **state)
{
	struct db *db = *state, *again = NULL;
	(void)db;
	assert_int_equal(db_open(&again, db_path), RT_OK);
	assert_int_equal(db_schema_version(again), db_schema_latest());
	db_close(again);
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

static void test_event_chain(void **state)
{
	struct db *db = *state;
	int64_t cid, n, bad;
	int ok;
	char *head = NULL;
	assert_int_equal(store_coalition_create(db, "chain", "Chain", "", &cid), RT_OK);
	for (int i = 0; i < 5; i++) {
		struct event_row ev = { .coalition_id = cid, .type = "test.event", .payload = "{\"i\":1}" };
		assert_int_equal(store_event_append(db, &ev), RT_OK);
		assert_int_equal(ev.seq, i + 1);
	}
	assert_int_equal(store_audit_verify(db, cid, &ok, &n, &bad, &head), RT_OK);
	assert_true(ok);
	assert_int_equal(n, 5);
	assert_int_equal(strlen(head), 64);
	free(head);

	assert_int_equal(db_exec(db, "UPDATE events SET payload = '{\"i\":2}' WHERE seq = 3"), RT_OK);
	assert_int_equal(store_audit_verify(db, cid, &ok, &n, &bad, &head), RT_OK);
	assert_false(ok);
	assert_int_equal(bad, 3);
	free(head);

	assert_int_equal(db_exec(db, "UPDATE events SET payload = '{\"i\":1}' WHERE seq = 3"), RT_OK);
	assert_int_equal(db_exec(db, "DELETE FROM events WHERE seq = 5"), RT_OK);
	assert_int_equal(store_audit_verify(db, cid, &ok, &n, &bad, &head), RT_OK);
	assert_false(ok); /* the coalition's counter says 5 */
	assert_int_equal(bad, 5);
	free(head);
}

static void test_dispatch_checks(void **state)
{
	struct db *db = *state;
	struct server srv = { .db = db };
	char hash[128], msg[256];
	int64_t admin, plain;
	json_t *data = NULL, *args;

	assert_int_equal(auth_hash_password(hash, "a fine password"), RT_OK);
	assert_int_equal(store_member_create(db, "a@x.test", "Admin", hash, 1, &admin), RT_OK);
	assert_int_equal(store_member_create(db, "p@x.test", "Plain", hash, 0, &plain), RT_OK);

	args = json_pack("{s:s, s:s}", "slug", "valley", "name", "Valley");
	assert_int_equal(dispatch_call(&srv, plain, "coalition.create", args, &data, msg), RT_EFORBIDDEN);
	assert_int_equal(dispatch_call(&srv, 0, "coalition.create", args, &data, msg), RT_EUNAUTH);
	assert_int_equal(dispatch_call(&srv, admin, "coalition.create", args, &data, msg), RT_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(data, "coalition"), "slug")), "valley");
	json_decref(data);
	assert_int_equal(dispatch_call(&srv, admin, "coalition.create", args, &data, msg), RT_ECONFLICT);
	json_decref(args);

	args = json_pack("{s:s}", "name", "No slug");
	assert_int_equal(dispatch_call(&srv, admin, "coalition.create", args, &data, msg), RT_EBADREQ);
	json_decref(args);
	args = json_pack("{s:s, s:s, s:b}", "slug", "x1", "name", "X", "anonymus", 1);
	assert_int_equal(dispatch_call(&srv, admin, "coalition.create", args, &data, msg), RT_EBADREQ);
	assert_non_null(strstr(msg, "anonymus"));
	json_decref(args);
	args = json_pack("{s:i, s:s}", "slug", 5, "name", "X");
	assert_int_equal(dispatch_call(&srv, admin, "coalition.create", args, &data, msg), RT_EBADREQ);
	json_decref(args);

	/* members of nothing get not_found, not forbidden */
	args = json_pack("{s:s}", "coalition", "valley");
	assert_int_equal(dispatch_call(&srv, plain, "coalition.get", args, &data, msg), RT_ENOTFOUND);
	assert_int_equal(dispatch_call(&srv, admin, "coalition.get", args, &data, msg), RT_OK);
	json_decref(data);
	json_decref(args);
	assert_int_equal(dispatch_call(&srv, admin, "no.such.op", NULL, &data, msg), RT_EBADREQ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_frame_headers),
		cmocka_unit_test_setup_teardown(test_db_pragmas, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_version, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_write_after_outside_write, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_event_chain, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(test_dispatch_checks, setup_db, teardown_db),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
