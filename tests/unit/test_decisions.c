/*
 * test_decisions.c: the decisions area on a temporary SQLite database: its
 * storage (eligible counts per member and per organization, ballots, tags,
 * the database secret) and its handlers through dispatch_call and
 * dispatch_system, as the daemon runs them: create, cast, replace, secret
 * ballots with no voter in their rows, verify, close by hand and by the
 * timer (decisions_tick), MOU adoption (only of an MOU of the decision's
 * coalition and of one of its versions; its head when no commit is named).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "decisions.h"
#include "dispatch.h"
#include "hooks.h"
#include "rt.h"
#include "server.h"
#include "store_decisions.h"
#include "store_members.h"
#include "store_mou.h"

struct fx {
	char path[64];
	struct db *db;
	struct server srv;
	int64_t cid, conv, ana, ana2, dee, fun, par;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	int fd;
	snprintf(f->path, sizeof f->path, "/tmp/rt-test-decisions-XXXXXX");
	if ((fd = mkstemp(f->path)) < 0)
		return -1;
	close(fd);
	if (db_open(&f->db, f->path) != RT_OK)
		return -1;
	f->srv.db = f->db;
	struct { const char *email; unsigned roles; const char *org; int64_t *id; } people[] = {
		{ "conv@t", ROLE_CONVENER, "Hub Org", &f->conv },
		{ "ana@t", ROLE_PROVIDER, "Sunrise", &f->ana },
		{ "ana2@t", ROLE_PROVIDER, "Sunrise", &f->ana2 },
		{ "dee@t", ROLE_PROVIDER, "Little Steps", &f->dee },
		{ "fun@t", ROLE_FUNDER, "Foundation", &f->fun },
		{ "par@t", ROLE_PARENT, NULL, &f->par },
	};
	assert_int_equal(db_begin(f->db, 1), RT_OK);
	assert_int_equal(store_coalition_create(f->db, "co", "Co", "", &f->cid), RT_OK);
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
		assert_int_equal(store_member_create(f->db, people[i].email, people[i].email, "x", 0, people[i].id), RT_OK);
		assert_int_equal(store_membership_set(f->db, f->cid, *people[i].id, people[i].roles, people[i].org, NULL), RT_OK);
	}
	assert_int_equal(db_commit(f->db), RT_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[80];
	db_close(f->db);
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

/* Runs an op; asserts its error code; returns data (caller frees) or NULL. */
static json_t *call(struct fx *f, int64_t who, const char *op, json_t *args, int want)
{
	json_t *data = NULL;
	char msg[256] = "";
	int err = dispatch_call(&f->srv, who, op, args, &data, msg);
	if (err != want)
		print_error("%s: got %s (%s), wanted %s\n", op, rt_err_code(err), msg, rt_err_code(want));
	assert_int_equal(err, want);
	json_decref(args);
	if (err) {
		json_decref(data);
		return NULL;
	}
	return data;
}

/* An MOU row of coalition cid with the versions v1 then v2 (head v2), as
 * the MOU area records them after its git commits (the texts are not needed
 * here: decisions only read the rows). Returns its id. */
static int64_t make_mou(struct fx *f, int64_t cid, const char *v1, const char *v2)
{
	json_t *parties = json_array();
	char now[21];
	int64_t id = 0;
	rt_now(now);
	assert_int_equal(db_begin(f->db, 1), RT_OK);
	assert_int_equal(store_mou_create(f->db, cid, "Hub MOU", parties, f->conv, &id), RT_OK);
	for (const char *v = v1; v; v = v == v1 ? v2 : NULL) {
		assert_int_equal(store_mou_version_add(f->db, id, v, f->conv, now), RT_OK);
		assert_int_equal(store_mou_set_head(f->db, id, v, now), RT_OK);
	}
	assert_int_equal(db_commit(f->db), RT_OK);
	json_decref(parties);
	return id;
}

static int64_t create(struct fx *f, json_t *extra)
{
	char closes[21];
	json_t *args, *data;
	int64_t id;
	rt_time_after(closes, 3600);
	args = json_pack("{s:s, s:s, s:s, s:s, s:[s,s], s:s}", "coalition", "co", "title", "T", "body", "B",
	                 "kind", "proposal", "eligible_roles", "provider", "parent", "closes_at", closes);
	if (extra) {
		json_object_update(args, extra);
		json_decref(extra);
	}
	data = call(f, f->conv, "decision.create", args, RT_OK);
	id = json_integer_value(json_object_get(json_object_get(data, "decision"), "id"));
	json_decref(data);
	return id;
}

static json_t *cast(struct fx *f, int64_t who, int64_t id, json_t *choice, const char *receipt, int want)
{
	json_t *args = json_pack("{s:I, s:o}", "decision", (json_int_t)id, "choice", choice);
	if (receipt)
		json_object_set_new(args, "receipt", json_string(receipt));
	return call(f, who, "ballot.cast", args, want);
}

static int64_t tally_int(struct fx *f, int64_t id, const char *field)
{
	json_t *t = call(f, f->conv, "decision.tally", json_pack("{s:I}", "decision", (json_int_t)id), RT_OK);
	int64_t v = json_integer_value(json_object_get(t, field));
	json_decref(t);
	return v;
}

static int64_t sql_int(struct fx *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_eligible(void **state)
{
	struct fx *f = *state;
	int64_t n = 0;
	assert_int_equal(store_decision_eligible(f->db, f->cid, ROLE_PROVIDER, 0, &n), RT_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_decision_eligible(f->db, f->cid, ROLE_PROVIDER, 1, &n), RT_OK);
	assert_int_equal(n, 2); /* Sunrise, Little Steps */
	assert_int_equal(store_decision_eligible(f->db, f->cid, ROLE_PROVIDER | ROLE_PARENT, 1, &n), RT_OK);
	assert_int_equal(n, 3); /* the parent without an organization counts alone */
	assert_int_equal(store_decision_eligible(f->db, f->cid, ROLE_HUB, 0, &n), RT_OK);
	assert_int_equal(n, 0);
}

static void test_open_ballots(void **state)
{
	struct fx *f = *state;
	int64_t id = create(f, json_pack("{s:i}", "quorum", 50));
	json_t *r1, *r2, *v;

	cast(f, f->fun, id, json_string("agree"), NULL, RT_EFORBIDDEN);
	cast(f, f->ana, id, json_string("maybe"), NULL, RT_EBADREQ);
	r1 = cast(f, f->ana, id, json_string("disagree"), NULL, RT_OK);
	r2 = cast(f, f->ana, id, json_string("agree"), NULL, RT_OK);
	assert_true(json_is_true(json_object_get(json_object_get(r2, "ballot"), "replaced")));
	json_decref(cast(f, f->par, id, json_string("agree"), NULL, RT_OK));
	assert_int_equal(tally_int(f, id, "cast"), 2);
	assert_int_equal(tally_int(f, id, "eligible"), 4);
	/* the open ballot row names its voter */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM decision_ballots WHERE member_id IS NOT NULL AND cast_at IS NOT NULL"), 2);
	v = call(f, f->ana, "decision.verify", json_pack("{s:I, s:O}", "decision", (json_int_t)id, "receipt",
	         json_object_get(r2, "receipt")), RT_OK);
	assert_string_equal(json_string_value(json_object_get(v, "counted_as")), "agree");
	json_decref(v);
	v = call(f, f->ana, "decision.verify", json_pack("{s:I, s:O}", "decision", (json_int_t)id, "receipt",
	         json_object_get(r1, "receipt")), RT_OK);
	assert_string_equal(json_string_value(json_object_get(v, "status")), "replaced");
	json_decref(v);
	call(f, f->dee, "decision.verify", json_pack("{s:I, s:O}", "decision", (json_int_t)id, "receipt",
	     json_object_get(r2, "receipt")), RT_ENOTFOUND);
	/* close: only convener or creator */
	call(f, f->ana, "decision.close", json_pack("{s:I}", "decision", (json_int_t)id), RT_EFORBIDDEN);
	v = call(f, f->conv, "decision.close", json_pack("{s:I, s:s}", "decision", (json_int_t)id,
	         "outcome_statement", "Done"), RT_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(v, "tally"), "outcome"),
	                                                       "result")), "passed");
	json_decref(v);
	cast(f, f->dee, id, json_string("agree"), NULL, RT_ECLOSED);
	call(f, f->conv, "decision.close", json_pack("{s:I}", "decision", (json_int_t)id), RT_ECLOSED);
	json_decref(r1);
	json_decref(r2);
}

static void test_secret_ballots(void **state)
{
	struct fx *f = *state;
	int64_t id = create(f, json_pack("{s:b, s:b}", "secret", 1, "per_organization", 1));
	json_t *r1, *r2, *other;
	char sql[256];
	unsigned char key[32];

	r1 = cast(f, f->ana, id, json_string("agree"), NULL, RT_OK);
	/* the same organization, another member: conflict, with or without the receipt */
	cast(f, f->ana2, id, json_string("block"), NULL, RT_ECONFLICT);
	cast(f, f->ana2, id, json_string("block"), json_string_value(json_object_get(r1, "receipt")), RT_ECONFLICT);
	/* the voter again: needs the receipt */
	cast(f, f->ana, id, json_string("block"), NULL, RT_ECONFLICT);
	cast(f, f->ana, id, json_string("block"), "not-a-receipt", RT_EBADREQ);
	r2 = cast(f, f->ana, id, json_string("block"), json_string_value(json_object_get(r1, "receipt")), RT_OK);
	other = cast(f, f->par, id, json_string("agree"), NULL, RT_OK);
	assert_int_equal(tally_int(f, id, "cast"), 2);
	/* rows: no member, unit, organization or time; one tag per voting unit */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM decision_ballots WHERE decision_id = %lld AND member_id IS NULL"
	         " AND unit IS NULL AND organization IS NULL AND cast_at IS NULL AND length(owner) = 32", (long long)id);
	assert_int_equal(sql_int(f, sql), 2);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM decision_ballots WHERE decision_id = %lld", (long long)id);
	assert_int_equal(sql_int(f, sql), 2);
	/* per organization: Sunrise and Ana herself, and the parent (no organization) */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM decision_voters WHERE decision_id = %lld", (long long)id);
	assert_int_equal(sql_int(f, sql), 3);
	assert_int_equal(store_decision_secret_get(f->db, key), RT_OK);
	/* the old receipt is replaced, the new one counts */
	json_t *v = call(f, f->ana, "decision.verify", json_pack("{s:I, s:O}", "decision", (json_int_t)id, "receipt",
	                 json_object_get(r1, "receipt")), RT_OK);
	assert_string_equal(json_string_value(json_object_get(v, "status")), "replaced");
	json_decref(v);
	v = call(f, f->ana, "decision.verify", json_pack("{s:I, s:O}", "decision", (json_int_t)id, "receipt",
	         json_object_get(r2, "receipt")), RT_OK);
	assert_string_equal(json_string_value(json_object_get(v, "counted_as")), "block");
	json_decref(v);
	/* someone else's receipt verifies nothing */
	call(f, f->par, "decision.verify", json_pack("{s:I, s:O}", "decision", (json_int_t)id, "receipt",
	     json_object_get(r2, "receipt")), RT_ENOTFOUND);
	/* Ana moves to another organization: she cannot vote again for it without
	 * her receipt; with it, her one ballot is replaced */
	assert_int_equal(db_begin(f->db, 1), RT_OK);
	assert_int_equal(store_membership_set(f->db, f->cid, f->ana, ROLE_PROVIDER, "Elsewhere", NULL), RT_OK);
	assert_int_equal(db_commit(f->db), RT_OK);
	cast(f, f->ana, id, json_string("agree"), NULL, RT_ECONFLICT);
	json_t *r3 = cast(f, f->ana, id, json_string("agree"), json_string_value(json_object_get(r2, "receipt")), RT_OK);
	assert_int_equal(tally_int(f, id, "cast"), 2);
	json_decref(r1);
	json_decref(r2);
	json_decref(r3);
	json_decref(other);
}

static void test_open_org_change(void **state)
{
	struct fx *f = *state;
	int64_t id = create(f, json_pack("{s:b}", "per_organization", 1));
	json_decref(cast(f, f->ana, id, json_string("agree"), NULL, RT_OK));
	assert_int_equal(db_begin(f->db, 1), RT_OK);
	assert_int_equal(store_membership_set(f->db, f->cid, f->ana, ROLE_PROVIDER, "Elsewhere", NULL), RT_OK);
	assert_int_equal(db_commit(f->db), RT_OK);
	/* her new ballot (for Elsewhere) replaces the one she cast for Sunrise */
	json_decref(cast(f, f->ana, id, json_string("block"), NULL, RT_OK));
	assert_int_equal(tally_int(f, id, "cast"), 1);
	/* Sunrise is free again for Ana2 */
	json_decref(cast(f, f->ana2, id, json_string("agree"), NULL, RT_OK));
	assert_int_equal(tally_int(f, id, "cast"), 2);
}

static void test_timer_close_and_adoption(void **state)
{
	struct fx *f = *state;
	/* the decision adopts the MOU's first version, not its head */
	const char *commit = "0123456789abcdef0123456789abcdef01234567";
	int64_t mou = make_mou(f, f->cid, commit, "89abcdef0123456789abcdef0123456789abcdef");
	int64_t id = create(f, json_pack("{s:I, s:s}", "mou", (json_int_t)mou, "commit", commit));
	int64_t id2 = create(f, NULL);
	char sql[256];
	json_t *g;

	json_decref(cast(f, f->ana, id, json_string("agree"), NULL, RT_OK));
	/* not due yet: the tick leaves it open */
	decisions_tick(&f->srv);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM decisions WHERE status = 'open' AND id IN (%lld, %lld)",
	         (long long)id, (long long)id2);
	assert_int_equal(sql_int(f, sql), 2);
	/* due (as after a restart): the tick closes it, as the system */
	snprintf(sql, sizeof sql, "UPDATE decisions SET closes_at = '2000-01-01T00:00:00Z' WHERE id = %lld", (long long)id);
	assert_int_equal(db_exec(f->db, sql), RT_OK);
	decisions_tick(&f->srv);
	g = call(f, f->dee, "decision.get", json_pack("{s:I}", "decision", (json_int_t)id), RT_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(g, "decision"), "status")), "closed");
	assert_true(json_is_null(json_object_get(json_object_get(g, "decision"), "closed_by")));
	json_t *adopted = json_object_get(json_object_get(json_object_get(g, "tally"), "outcome"), "adopted");
	assert_int_equal(json_integer_value(json_object_get(adopted, "mou")), mou);
	assert_string_equal(json_string_value(json_object_get(adopted, "commit")), commit);
	json_decref(g);
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM decision_adoptions WHERE decision_id = %lld AND mou_id = %lld AND mou_commit = '%s'",
	         (long long)id, (long long)mou, commit);
	assert_int_equal(sql_int(f, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM decisions WHERE status = 'open' AND id = %lld", (long long)id2);
	assert_int_equal(sql_int(f, sql), 1);
	/* a second tick, or a system close of a closed decision, does nothing */
	decisions_tick(&f->srv);
	json_t *args = json_pack("{s:I}", "decision", (json_int_t)id);
	assert_int_equal(dispatch_system(&f->srv, decisions_close_due, args, NULL), RT_OK);
	json_decref(args);
	cast(f, f->ana, id, json_string("agree"), NULL, RT_ECLOSED);
}

static void test_kinds_through_ops(void **state)
{
	struct fx *f = *state;
	int64_t id = create(f, json_pack("{s:s, s:[s,s,s]}", "kind", "ranked", "options", "A", "B", "C"));
	json_t *c;
	json_decref(cast(f, f->ana, id, json_pack("[s,s]", "A", "B"), NULL, RT_OK));
	json_decref(cast(f, f->ana2, id, json_pack("[s]", "B"), NULL, RT_OK));
	json_decref(cast(f, f->dee, id, json_pack("[s,s]", "C", "B"), NULL, RT_OK));
	cast(f, f->par, id, json_pack("[s,s]", "C", "C"), NULL, RT_EBADREQ);
	c = call(f, f->conv, "decision.close", json_pack("{s:I}", "decision", (json_int_t)id), RT_OK);
	/* A1 B1 C1: all tied in round one */
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(c, "tally"), "outcome"),
	                                                       "result")), "tied");
	json_decref(c);
	/* create refuses bad input and changes nothing */
	int64_t before = sql_int(f, "SELECT count(*) FROM decisions");
	char closes[21];
	rt_time_after(closes, 60);
	call(f, f->conv, "decision.create", json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s, s:[s]}", "coalition", "co",
	     "title", "T", "body", "B", "kind", "consent", "eligible_roles", "provider", "closes_at", closes,
	     "options", "A"), RT_EBADREQ);
	call(f, f->ana, "decision.create", json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s}", "coalition", "co",
	     "title", "T", "body", "B", "kind", "consent", "eligible_roles", "provider", "closes_at", closes),
	     RT_EFORBIDDEN);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM decisions"), before);
}

/* decision.create checks the MOU it names: of the decision's coalition (else
 * not_found, as for an MOU that does not exist), the commit one of its
 * versions; without a commit, the head is recorded. A refusal adds nothing. */
static void test_create_mou_checks(void **state)
{
	struct fx *f = *state;
	const char *v1 = "1111111111111111111111111111111111111111", *v2 = "2222222222222222222222222222222222222222";
	const char *w1 = "3333333333333333333333333333333333333333";
	int64_t own = make_mou(f, f->cid, v1, v2), cid2 = 0, foreign;
	int64_t before;
	char closes[21];
	json_t *data;

	assert_int_equal(db_begin(f->db, 1), RT_OK);
	assert_int_equal(store_coalition_create(f->db, "co2", "Co2", "", &cid2), RT_OK);
	assert_int_equal(db_commit(f->db), RT_OK);
	foreign = make_mou(f, cid2, w1, NULL);
	rt_time_after(closes, 3600);
	before = sql_int(f, "SELECT count(*) FROM decisions");
	struct { json_int_t mou; const char *commit; } refused[] = {
		{ foreign, NULL },            /* another coalition's MOU */
		{ foreign, w1 },              /* ... with its own real commit */
		{ own + foreign + 100, NULL }, /* no such MOU */
		{ own, w1 },                  /* a commit of another MOU */
		{ own, "4444444444444444444444444444444444444444" }, /* a commit of nothing */
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		json_t *args = json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s, s:I}", "coalition", "co", "title", "T", "body",
		                         "B", "kind", "proposal", "eligible_roles", "provider", "closes_at", closes, "mou",
		                         refused[i].mou);
		if (refused[i].commit)
			json_object_set_new(args, "commit", json_string(refused[i].commit));
		call(f, f->conv, "decision.create", args, RT_ENOTFOUND);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM decisions"), before);

	/* an earlier version may be named; without a commit, the head is recorded */
	int64_t id = create(f, json_pack("{s:I, s:s}", "mou", (json_int_t)own, "commit", v1));
	int64_t id2 = create(f, json_pack("{s:I}", "mou", (json_int_t)own));
	data = call(f, f->dee, "decision.get", json_pack("{s:I}", "decision", (json_int_t)id2), RT_OK);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(data, "decision"), "mou")), own);
	assert_string_equal(json_string_value(json_object_get(json_object_get(data, "decision"), "commit")), v2);
	json_decref(data);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM decisions WHERE id = %lld AND mou_commit = '%s'", (long long)id, v1);
	assert_int_equal(sql_int(f, sql), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_eligible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_ballots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_ballots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_org_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_close_and_adoption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kinds_through_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_mou_checks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
