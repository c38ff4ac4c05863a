/*
 * test_milestones.c: the milestone rules and the CSV export. Pure rules:
 * progress (metrics rising or falling toward a target, clamping, missing
 * values, statuses), overdue, due dates, CSV quoting and formula-injection
 * protection. Then the ops through dispatch_call on a temp database: roles,
 * history order, links (to real threads, decisions and MOUs made through
 * their ops, checked against the coalition), the attention notices and the
 * export.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "dispatch.h"
#include "hooks.h"
#include "csv.h"
#include "milestones.h"
#include "rt.h"
#include "server.h"
#include "store_members.h"
#include "store_milestones.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-4)

static void test_progress_metric(void **state)
{
	const char *from = NULL;
	(void)state;
	/* rising: enrollment 78% toward 95% */
	NEAR(milestones_progress("on_track", 1, 78, 95, 1, 88, &from), 10.0 / 17);
	assert_string_equal(from, "metric");
	NEAR(milestones_progress("on_track", 1, 78, 95, 1, 78, NULL), 0);
	NEAR(milestones_progress("at_risk", 1, 78, 95, 1, 95, NULL), 1);
	/* falling: a waiting list from 40 down to 10 */
	NEAR(milestones_progress("on_track", 1, 40, 10, 1, 25, &from), 0.5);
	assert_string_equal(from, "metric");
	NEAR(milestones_progress("on_track", 1, 40, 10, 1, 10, NULL), 1);
	/* clamped both ways */
	NEAR(milestones_progress("on_track", 1, 78, 95, 1, 70, NULL), 0);
	NEAR(milestones_progress("on_track", 1, 78, 95, 1, 120, NULL), 1);
	NEAR(milestones_progress("on_track", 1, 40, 10, 1, 55, NULL), 0);
	NEAR(milestones_progress("on_track", 1, 40, 10, 1, -5, NULL), 1);
	/* negative numbers */
	NEAR(milestones_progress("on_track", 1, -10, 10, 1, 0, NULL), 0.5);
	/* not a number */
	NEAR(milestones_progress("on_track", 1, 0, 10, 1, NAN, &from), 0.5);
	assert_string_equal(from, "status");
}

static void test_progress_status(void **state)
{
	const char *from = NULL;
	(void)state;
	/* a metric with no value yet: from the status */
	NEAR(milestones_progress("not_started", 1, 78, 95, 0, 0, &from), 0);
	assert_string_equal(from, "status");
	NEAR(milestones_progress("on_track", 1, 78, 95, 0, 0, NULL), 0.5);
	/* no metric */
	NEAR(milestones_progress("not_started", 0, 0, 0, 0, 0, NULL), 0);
	NEAR(milestones_progress("on_track", 0, 0, 0, 0, 0, NULL), 0.5);
	NEAR(milestones_progress("at_risk", 0, 0, 0, 0, 0, NULL), 0.5);
	NEAR(milestones_progress("achieved", 0, 0, 0, 0, 0, &from), 1);
	assert_string_equal(from, "status");
	/* achieved wins over a metric short of its target */
	NEAR(milestones_progress("achieved", 1, 78, 95, 1, 80, NULL), 1);
	/* a degenerate metric falls back to the status */
	NEAR(milestones_progress("on_track", 1, 5, 5, 1, 5, &from), 0.5);
	assert_string_equal(from, "status");
	assert_true(milestones_status_ok("at_risk"));
	assert_false(milestones_status_ok("done"));
	assert_false(milestones_status_ok(NULL));
}

static void test_overdue_and_due(void **state)
{
	char out[21];
	(void)state;
	assert_true(milestones_overdue("on_track", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"));
	assert_true(milestones_overdue("not_started", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"));
	assert_false(milestones_overdue("achieved", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"));
	assert_false(milestones_overdue("at_risk", "2026-01-03T00:00:00Z", "2026-01-02T00:00:00Z"));
	assert_false(milestones_overdue("at_risk", "", "2026-01-02T00:00:00Z"));

	assert_int_equal(milestones_parse_due("2026-12-31", out), 0);
	assert_string_equal(out, "2026-12-31T23:59:59Z");
	assert_int_equal(milestones_parse_due("2026-12-31T10:00:00+02:00", out), 0);
	assert_string_equal(out, "2026-12-31T08:00:00Z");
	assert_int_equal(milestones_parse_due("2026-02-31", out), -1);
	assert_int_equal(milestones_parse_due("next week", out), -1);
	assert_int_equal(milestones_parse_due("2026-1-5", out), -1);
	assert_int_equal(milestones_parse_due("", out), -1);
}

static void check_field(const char *in, int text, const char *want)
{
	char *got = csv_field_string(in, text);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_csv_quoting(void **state)
{
	(void)state;
	check_field("plain", 1, "\"plain\"");
	check_field("", 1, "\"\"");
	check_field(NULL, 1, "\"\"");
	check_field("a,b", 1, "\"a,b\"");
	check_field("say \"hi\"", 1, "\"say \"\"hi\"\"\"");
	check_field("two\r\nlines", 1, "\"two\r\nlines\"");
	check_field("line\nbreak", 1, "\"line\nbreak\"");
	check_field(" padded ", 1, "\" padded \"");
	check_field("Ana Ruiz – Sunrise", 1, "\"Ana Ruiz – Sunrise\"");
	/* formula injection */
	check_field("=1+1", 1, "\"'=1+1\"");
	check_field("+33 1 23", 1, "\"'+33 1 23\"");
	check_field("-2+3", 1, "\"'-2+3\"");
	check_field("@SUM(A1)", 1, "\"'@SUM(A1)\"");
	check_field("=HYPERLINK(\"http://x\",\"y\")", 1, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	check_field("  =cmd", 1, "\"'  =cmd\"");
	check_field("\t=cmd", 1, "\"'\t=cmd\"");
	check_field("\rx", 1, "\"'\rx\"");
	check_field("a=b", 1, "\"a=b\"");
	/* every Unicode space and control character counts as leading blank */
	check_field(" \t=1+1", 1, "\"' \t=1+1\"");
	check_field("\xc2\xa0=1+1", 1, "\"'\xc2\xa0=1+1\"");         /* U+00A0 */
	check_field("\xe3\x80\x80=1+1", 1, "\"'\xe3\x80\x80=1+1\""); /* U+3000 */
	check_field("\xe2\x80\xaf+1", 1, "\"'\xe2\x80\xaf+1\"");     /* U+202F */
	check_field("\xe2\x80\xa8-1", 1, "\"'\xe2\x80\xa8-1\"");     /* U+2028 */
	check_field("\xe1\x9a\x80@x", 1, "\"'\xe1\x9a\x80@x\"");     /* U+1680 */
	check_field("\x01\x1f=1", 1, "\"'\x01\x1f=1\"");
	check_field("\xc2\x85=1", 1, "\"'\xc2\x85=1\"");             /* U+0085 (C1) */
	check_field("\n=1", 1, "\"'\n=1\"");
	check_field("\xc2\xa0ok", 1, "\"\xc2\xa0ok\"");
	/* bidi controls and zero-width characters are dropped (and hide no formula) */
	check_field("\xe2\x80\xae=1+1", 1, "\"'=1+1\"");               /* U+202E */
	check_field("\xef\xbb\xbf=1+1", 1, "\"'=1+1\"");               /* U+FEFF */
	check_field("\xe2\x80\x8b@x", 1, "\"'@x\"");                   /* U+200B */
	check_field("abc\xe2\x80\xaetxt.exe", 1, "\"abctxt.exe\"");
	check_field("a\xe2\x81\xa6" "b\xe2\x81\xa9" "c\xe2\x80\x8f" "d", 1, "\"abcd\""); /* U+2066, 2069, 200F */
	/* ZWJ stays (emoji, Persian); invalid bytes pass through */
	check_field("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa7", 1,
	            "\"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa7\"");
	check_field("\xff=x\xe2\x80", 1, "\"\xff=x\xe2\x80\"");
	/* numbers the daemon formats keep every byte */
	check_field("\xe2\x80\xae", 0, "\"\xe2\x80\xae\"");
	/* numbers the daemon formats are not text */
	check_field("-5", 0, "\"-5\"");
	check_field("-5", 1, "\"'-5\"");
}

/* ---- ops on a temp database ---- */

struct fx {
	char dir[64], path[128];
	struct db *db;
	struct server srv;
	int64_t cid, other_cid, convener, design, funder, provider, hub, outsider;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	/* A data directory: the database, and the MOU repositories (mou.create). */
	snprintf(f->dir, sizeof f->dir, "/tmp/rt-ms-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/roundtable.db", f->dir);
	if (db_open(&f->db, f->path) != RT_OK)
		return -1;
	f->srv.db = f->db;
	f->srv.cfg.data_dir = f->dir;
	if (db_begin(f->db, 1) || store_coalition_create(f->db, "alpha", "Alpha", "", &f->cid) ||
	    store_coalition_create(f->db, "bravo", "Bravo", "", &f->other_cid) ||
	    store_member_create(f->db, "c@x", "Cora Convener", "x", 0, &f->convener) ||
	    store_member_create(f->db, "d@x", "Dan Design", "x", 0, &f->design) ||
	    store_member_create(f->db, "f@x", "Fay Funder", "x", 0, &f->funder) ||
	    store_member_create(f->db, "p@x", "=Pat Provider", "x", 0, &f->provider) ||
	    store_member_create(f->db, "h@x", "Hal Hub", "x", 0, &f->hub) ||
	    store_member_create(f->db, "o@x", "Otto Outsider", "x", 0, &f->outsider) ||
	    store_membership_set(f->db, f->cid, f->convener, ROLE_CONVENER, NULL, NULL) ||
	    store_membership_set(f->db, f->cid, f->design, ROLE_DESIGN_TEAM, NULL, NULL) ||
	    store_membership_set(f->db, f->cid, f->funder, ROLE_FUNDER, NULL, NULL) ||
	    store_membership_set(f->db, f->cid, f->provider, ROLE_PROVIDER, NULL, NULL) ||
	    store_membership_set(f->db, f->cid, f->hub, ROLE_HUB, NULL, NULL) ||
	    store_membership_set(f->db, f->other_cid, f->outsider, ROLE_CONVENER, NULL, NULL) ||
	    db_commit(f->db))
		return -1;
	*state = f;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *w)
{
	(void)st, (void)flag, (void)w;
	return remove(p);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	db_close(f->db);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Runs an op; returns the error code; *data (if given) gets the reply. args is stolen. */
static int call(struct fx *f, int64_t who, const char *op, json_t *args, json_t **data)
{
	json_t *d = NULL;
	char msg[256] = "";
	int err = dispatch_call(&f->srv, who, op, args, &d, msg);
	json_decref(args);
	if (data)
		*data = d;
	else
		json_decref(d);
	return err;
}

static int64_t create(struct fx *f, int64_t who, json_t *args)
{
	json_t *d = NULL;
	int64_t id;
	assert_int_equal(call(f, who, "milestone.create", args, &d), RT_OK);
	id = json_integer_value(json_object_get(json_object_get(d, "milestone"), "id"));
	json_decref(d);
	return id;
}

/* The id of data.<obj>.id from an op that must succeed. args is stolen. */
static int64_t made(struct fx *f, int64_t who, const char *op, json_t *args, const char *obj)
{
	json_t *d = NULL;
	int64_t id;
	assert_int_equal(call(f, who, op, args, &d), RT_OK);
	id = json_integer_value(json_object_get(json_object_get(d, obj), "id"));
	assert_true(id > 0);
	json_decref(d);
	return id;
}

static int64_t make_thread(struct fx *f, int64_t who, const char *coalition, const char *title)
{
	return made(f, who, "thread.create",
	            json_pack("{s:s, s:s, s:s}", "coalition", coalition, "title", title, "body", "Let us talk."), "thread");
}

static int64_t make_decision(struct fx *f, int64_t who, const char *coalition, const char *title)
{
	char closes[21];
	rt_time_after(closes, 7 * 86400);
	return made(f, who, "decision.create",
	            json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s}", "coalition", coalition, "title", title,
	                      "body", "Shall we?", "kind", "proposal", "eligible_roles", "provider", "closes_at", closes),
	            "decision");
}

static int64_t make_mou(struct fx *f, int64_t who, const char *coalition, const char *title)
{
	return made(f, who, "mou.create",
	            json_pack("{s:s, s:s, s:s}", "coalition", coalition, "title", title, "body", "# MOU\n\nWe agree.\n"),
	            "mou");
}

static int count_events(struct fx *f, const char *type)
{
	sqlite3_stmt *st = NULL;
	int n = -1;
	sqlite3_prepare_v2(db_handle(f->db), "SELECT count(*) FROM events WHERE type = ?", -1, &st, NULL);
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_ops_roles_and_history(void **state)
{
	struct fx *f = *state;
	json_t *d = NULL, *m, *u;
	int64_t id;

	/* funders and providers cannot create; conveners, design team, hub can */
	assert_int_equal(call(f, f->funder, "milestone.create",
	                      json_pack("{s:s, s:s, s:s}", "coalition", "alpha", "title", "T", "body", ""), NULL),
	                 RT_EFORBIDDEN);
	assert_int_equal(call(f, f->outsider, "milestone.create",
	                      json_pack("{s:s, s:s, s:s}", "coalition", "alpha", "title", "T", "body", ""), NULL),
	                 RT_ENOTFOUND);
	create(f, f->hub, json_pack("{s:s, s:s, s:s}", "coalition", "alpha", "title", "By the hub", "body", ""));
	create(f, f->design, json_pack("{s:s, s:s, s:s}", "coalition", "alpha", "title", "By design", "body", ""));
	/* owner must be a member */
	assert_int_equal(call(f, f->convener, "milestone.create",
	                      json_pack("{s:s, s:s, s:s, s:I}", "coalition", "alpha", "title", "T", "body", "",
	                                "owner", (json_int_t)f->outsider), NULL), RT_ENOTFOUND);
	/* bad metric */
	assert_int_equal(call(f, f->convener, "milestone.create",
	                      json_pack("{s:s, s:s, s:s, s:{s:s, s:i, s:i}}", "coalition", "alpha", "title", "T",
	                                "body", "", "metric", "name", "x", "baseline", 5, "target", 5), NULL),
	                 RT_EBADREQ);
	id = create(f, f->convener, json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s, s:i, s:i}}",
	                                      "coalition", "alpha", "title", "Full enrollment", "body", "**Iron**",
	                                      "due", "2020-01-01", "owner", (json_int_t)f->provider,
	                                      "metric", "name", "Enrollment", "unit", "%", "baseline", 78,
	                                      "target", 95));
	/* the funder reads, but cannot update; the owner (a provider) can */
	assert_int_equal(call(f, f->funder, "milestone.update",
	                      json_pack("{s:I, s:s}", "milestone", (json_int_t)id, "note", "x"), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->outsider, "milestone.get", json_pack("{s:I}", "milestone", (json_int_t)id), NULL),
	                 RT_ENOTFOUND);
	assert_int_equal(call(f, f->provider, "milestone.update",
	                      json_pack("{s:I, s:s, s:s, s:f}", "milestone", (json_int_t)id, "note", "first",
	                                "status", "on_track", "value", 81.4), NULL), RT_OK);
	assert_int_equal(call(f, f->design, "milestone.update",
	                      json_pack("{s:I, s:s, s:f}", "milestone", (json_int_t)id, "note", "second", "value", 86.5),
	                      NULL), RT_OK);
	assert_int_equal(call(f, f->convener, "milestone.update",
	                      json_pack("{s:I, s:s, s:s}", "milestone", (json_int_t)id, "note", "  ", "status", "at_risk"),
	                      NULL), RT_EBADREQ);
	assert_int_equal(call(f, f->convener, "milestone.update",
	                      json_pack("{s:I, s:s, s:s}", "milestone", (json_int_t)id, "note", "x", "status", "done"),
	                      NULL), RT_EBADREQ);
	assert_int_equal(call(f, f->funder, "milestone.get", json_pack("{s:I}", "milestone", (json_int_t)id), &d), RT_OK);
	m = json_object_get(d, "milestone");
	assert_string_equal(json_string_value(json_object_get(m, "status")), "on_track");
	NEAR(json_number_value(json_object_get(m, "progress")), (86.5 - 78) / 17);
	assert_string_equal(json_string_value(json_object_get(m, "progress_from")), "metric");
	assert_true(json_is_true(json_object_get(m, "overdue")));
	assert_string_equal(json_string_value(json_object_get(m, "html")), "<p><strong>Iron</strong></p>");
	assert_int_equal(json_array_size(json_object_get(m, "series")), 2);
	/* newest first */
	u = json_object_get(d, "updates");
	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "note")), "second");
	assert_true(json_is_null(json_object_get(json_array_get(u, 0), "status")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "status")), "on_track");
	assert_string_equal(json_string_value(json_object_get(json_array_get(u, 1), "previous_status")), "not_started");
	json_decref(d);
	assert_int_equal(count_events(f, "milestone.created"), 3);
	assert_int_equal(count_events(f, "milestone.updated"), 2);
	/* value needs a metric */
	id = create(f, f->convener, json_pack("{s:s, s:s, s:s}", "coalition", "alpha", "title", "No metric", "body", ""));
	assert_int_equal(call(f, f->convener, "milestone.update",
	                      json_pack("{s:I, s:s, s:i}", "milestone", (json_int_t)id, "note", "x", "value", 3), NULL),
	                 RT_EBADREQ);
	assert_int_equal(count_events(f, "milestone.updated"), 2);
}

/* milestone.link(args) as who; the error code. */
static int link_op(struct fx *f, int64_t who, const char *op, int64_t milestone, const char *kind, int64_t id,
                   json_t **data)
{
	return call(f, who, op, json_pack("{s:I, s:I}", "milestone", (json_int_t)milestone, kind, (json_int_t)id),
	            data);
}

static void test_links(void **state)
{
	struct fx *f = *state;
	json_t *d = NULL;
	int64_t a, b, thread, decision, mou, their_thread, their_decision, their_mou;

	a = create(f, f->convener, json_pack("{s:s, s:s, s:s}", "coalition", "alpha", "title", "A", "body", ""));
	b = create(f, f->convener, json_pack("{s:s, s:s, s:s}", "coalition", "alpha", "title", "B", "body", ""));
	/* real items, made through their own ops, here and in the other coalition */
	thread = make_thread(f, f->convener, "alpha", "Substitute pool");
	decision = make_decision(f, f->convener, "alpha", "Choose the hub");
	mou = make_mou(f, f->convener, "alpha", "Hub MOU");
	their_thread = make_thread(f, f->outsider, "bravo", "Elsewhere");
	their_decision = make_decision(f, f->outsider, "bravo", "Elsewhere");
	their_mou = make_mou(f, f->outsider, "bravo", "Elsewhere");

	/* exactly one target */
	assert_int_equal(call(f, f->convener, "milestone.link",
	                      json_pack("{s:I, s:I, s:I}", "milestone", (json_int_t)a, "thread", (json_int_t)thread,
	                                "mou", (json_int_t)mou), NULL),
	                 RT_EBADREQ);
	assert_int_equal(call(f, f->convener, "milestone.link", json_pack("{s:I}", "milestone", (json_int_t)a), NULL),
	                 RT_EBADREQ);
	/* funders may not link */
	assert_int_equal(link_op(f, f->funder, "milestone.link", a, "mou", mou, NULL), RT_EFORBIDDEN);
	/* another coalition's items, and unknown ids, are not found */
	assert_int_equal(link_op(f, f->convener, "milestone.link", a, "thread", their_thread, NULL), RT_ENOTFOUND);
	assert_int_equal(link_op(f, f->convener, "milestone.link", a, "decision", their_decision, NULL), RT_ENOTFOUND);
	assert_int_equal(link_op(f, f->convener, "milestone.link", a, "mou", their_mou, NULL), RT_ENOTFOUND);
	assert_int_equal(link_op(f, f->convener, "milestone.link", a, "thread", thread + 1000, NULL), RT_ENOTFOUND);
	assert_int_equal(link_op(f, f->convener, "milestone.link", a, "decision", decision + 1000, NULL), RT_ENOTFOUND);
	assert_int_equal(link_op(f, f->convener, "milestone.link", a, "mou", mou + 1000, NULL), RT_ENOTFOUND);
	assert_int_equal(count_events(f, "milestone.linked"), 0);
	/* a thread, once; twice is a conflict */
	assert_int_equal(link_op(f, f->convener, "milestone.link", a, "thread", thread, &d), RT_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "link"), "title")), "Substitute pool");
	json_decref(d);
	assert_int_equal(link_op(f, f->convener, "milestone.link", a, "thread", thread, NULL), RT_ECONFLICT);
	/* the hub may link; the title comes from the decision */
	assert_int_equal(link_op(f, f->hub, "milestone.link", a, "decision", decision, &d), RT_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "link"), "title")), "Choose the hub");
	json_decref(d);
	assert_int_equal(link_op(f, f->design, "milestone.link", a, "mou", mou, &d), RT_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "link"), "title")), "Hub MOU");
	json_decref(d);
	assert_int_equal(link_op(f, f->convener, "milestone.link", b, "decision", decision, NULL), RT_OK);
	/* both ways */
	assert_int_equal(call(f, f->funder, "milestone.get", json_pack("{s:I}", "milestone", (json_int_t)a), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "links")), 3);
	json_decref(d);
	assert_int_equal(call(f, f->funder, "milestone.links_for",
	                      json_pack("{s:s, s:s, s:I}", "coalition", "alpha", "kind", "decision", "id",
	                                (json_int_t)decision), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "milestones")), 2);
	json_decref(d);
	/* unlink */
	assert_int_equal(link_op(f, f->convener, "milestone.unlink", b, "decision", decision, NULL), RT_OK);
	assert_int_equal(link_op(f, f->convener, "milestone.unlink", b, "decision", decision, NULL), RT_ENOTFOUND);
	assert_int_equal(call(f, f->funder, "milestone.links_for",
	                      json_pack("{s:s, s:s, s:I}", "coalition", "alpha", "kind", "decision", "id",
	                                (json_int_t)decision), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "milestones")), 1);
	json_decref(d);
	assert_int_equal(call(f, f->funder, "milestone.links_for",
	                      json_pack("{s:s, s:s, s:I}", "coalition", "alpha", "kind", "vote", "id",
	                                (json_int_t)decision), NULL), RT_EBADREQ);
	assert_int_equal(count_events(f, "milestone.linked"), 4);
	assert_int_equal(count_events(f, "milestone.unlinked"), 1);
}

static void test_attention(void **state)
{
	struct fx *f = *state;
	int64_t late, risky;

	late = create(f, f->convener, json_pack("{s:s, s:s, s:s, s:s, s:I}", "coalition", "alpha", "title", "Late",
	                                        "body", "", "due", "2020-01-01", "owner", (json_int_t)f->provider));
	risky = create(f, f->convener, json_pack("{s:s, s:s, s:s, s:I}", "coalition", "alpha", "title", "Risky",
	                                         "body", "", "owner", (json_int_t)f->design));
	assert_int_equal(call(f, f->design, "milestone.update",
	                      json_pack("{s:I, s:s, s:s}", "milestone", (json_int_t)risky, "note", "hm", "status", "at_risk"),
	                      NULL), RT_OK);
	milestones_tick(&f->srv);
	assert_int_equal(count_events(f, "milestone.attention"), 2);
	/* told once: another check (a new milestone triggers one) adds nothing */
	create(f, f->convener, json_pack("{s:s, s:s, s:s}", "coalition", "alpha", "title", "Calm", "body", ""));
	milestones_tick(&f->srv);
	assert_int_equal(count_events(f, "milestone.attention"), 2);
	assert_int_equal(call(f, f->design, "milestone.update",
	                      json_pack("{s:I, s:s, s:s}", "milestone", (json_int_t)risky, "note", "still", "status", "at_risk"),
	                      NULL), RT_OK);
	milestones_tick(&f->srv);
	assert_int_equal(count_events(f, "milestone.attention"), 2);
	/* achieved clears overdue; back to at risk after recovering is told again */
	assert_int_equal(call(f, f->convener, "milestone.update",
	                      json_pack("{s:I, s:s, s:s}", "milestone", (json_int_t)late, "note", "done", "status", "achieved"),
	                      NULL), RT_OK);
	assert_int_equal(call(f, f->design, "milestone.update",
	                      json_pack("{s:I, s:s, s:s}", "milestone", (json_int_t)risky, "note", "ok", "status", "on_track"),
	                      NULL), RT_OK);
	milestones_tick(&f->srv);
	assert_int_equal(count_events(f, "milestone.attention"), 2);
	assert_int_equal(call(f, f->design, "milestone.update",
	                      json_pack("{s:I, s:s, s:s}", "milestone", (json_int_t)risky, "note", "again", "status", "at_risk"),
	                      NULL), RT_OK);
	milestones_tick(&f->srv);
	assert_int_equal(count_events(f, "milestone.attention"), 3);
	{
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db_handle(f->db), "SELECT audience, audience_member, actor FROM events"
		                   " WHERE type = 'milestone.attention' ORDER BY seq", -1, &st, NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 2);
		assert_int_equal(sqlite3_column_int64(st, 1), f->provider);
		assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
		sqlite3_finalize(st);
	}
}

static void test_export(void **state)
{
	struct fx *f = *state;
	char *csv = NULL;
	int64_t id;

	assert_int_equal(export_milestones_csv(f->db, f->outsider, "alpha", &csv), RT_ENOTFOUND);
	assert_null(csv);
	assert_int_equal(export_milestones_csv(f->db, f->funder, "nope", &csv), RT_ENOTFOUND);
	id = create(f, f->convener, json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s, s:f, s:i}}",
	                                      "coalition", "alpha", "title", "=HYPERLINK(\"http://evil\",\"x\")",
	                                      "body", "", "category", "Iron, Triangle", "owner", (json_int_t)f->provider,
	                                      "metric", "name", "Loss", "unit", "%", "baseline", -2.5, "target", 10));
	assert_int_equal(call(f, f->provider, "milestone.update",
	                      json_pack("{s:I, s:s, s:i}", "milestone", (json_int_t)id, "note", "line one\n@two", "value", 5),
	                      NULL), RT_OK);
	assert_int_equal(export_milestones_csv(f->db, f->funder, "alpha", &csv), RT_OK);
	assert_non_null(csv);
	assert_true(strncmp(csv, "id,title,category,status,progress,overdue,owner,due,metric,unit,baseline,target,"
	                         "value,updates,last_update_at,last_note,links,created_at\r\n", 120) == 0);
	assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",\"Iron, Triangle\",\"not_started\","
	                            "\"0.6\",\"no\",\"'=Pat Provider\",\"\",\"Loss\",\"%\",\"-2.5\",\"10\",\"5\",\"1\","));
	assert_non_null(strstr(csv, ",\"line one\n@two\","));
	assert_null(strstr(csv, ",\"=")); /* no cell starts a formula */
	free(csv);
	/* inside an open transaction it uses that one */
	assert_int_equal(db_begin(f->db, 0), RT_OK);
	assert_int_equal(export_milestones_csv(f->db, f->funder, "alpha", &csv), RT_OK);
	free(csv);
	db_rollback(f->db);
}

static void test_template(void **state)
{
	struct fx *f = *state;
	json_t *d = NULL, *ms;
	assert_int_equal(call(f, f->funder, "milestone.template", json_object(), &d), RT_OK);
	ms = json_object_get(d, "milestones");
	assert_int_equal(json_array_size(ms), 7);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 0), "title")), "Setting the table");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 6), "title")),
	                    "Impact for children and families");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(ms, 0), "body")),
	                       "getting the right decisionmakers in place"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(d, "iron_triangle"), "metrics")), 3);
	json_decref(d);
}

static void test_demo(void **state)
{
	struct fx *f = *state;
	struct demo_ids ids = { .coalition = f->cid, .slug = "alpha", .maria = f->convener, .james = f->design,
	                        .ana = f->provider, .tom = f->hub };
	json_t *d = NULL, *ms;
	size_t at_risk = 0, overdue = 0, achieved = 0, metric = 0;
	assert_int_equal(milestones_demo(&f->srv, &ids), RT_OK);
	assert_int_equal(call(f, f->funder, "milestone.list", json_pack("{s:s}", "coalition", "alpha"), &d), RT_OK);
	ms = json_object_get(d, "milestones");
	assert_int_equal(json_array_size(ms), 8);
	for (size_t i = 0; i < json_array_size(ms); i++) {
		json_t *m = json_array_get(ms, i);
		const char *st = json_string_value(json_object_get(m, "status"));
		at_risk += strcmp(st, "at_risk") == 0;
		achieved += strcmp(st, "achieved") == 0;
		overdue += json_is_true(json_object_get(m, "overdue"));
		if (json_is_object(json_object_get(m, "metric"))) {
			metric++;
			assert_int_equal(json_array_size(json_object_get(m, "series")), 5);
			NEAR(json_number_value(json_object_get(m, "progress")), 10.0 / 17);
		}
	}
	assert_int_equal(at_risk, 1);
	assert_int_equal(achieved, 1);
	assert_int_equal(overdue, 1);
	assert_int_equal(metric, 1);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_metric),
		cmocka_unit_test(test_progress_status),
		cmocka_unit_test(test_overdue_and_due),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test_setup_teardown(test_ops_roles_and_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
