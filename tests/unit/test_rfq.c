/*
 * test_rfq.c: RFQ storage and handlers against a temp SQLite database: the
 * template, respondents found by the hash of their token, answers and
 * counts, the lifecycle through dispatch_call as members would run it,
 * sealing, recusal, the deadline closing through rfq_tick, results and the
 * selection, and that every change appended an event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "dispatch.h"
#include "hooks.h"
#include "rfq.h"
#include "rt.h"
#include "server.h"
#include "store_events.h"
#include "store_members.h"
#include "store_rfq.h"

struct fixture {
	char path[64];
	struct db *db;
	struct server srv;
	int64_t coalition, conv, dt, prov, prov2, fund, outsider, other_coalition;
};

static int64_t add_member(struct fixture *f, const char *email, int64_t coalition, unsigned roles)
{
	int64_t id = 0;
	assert_int_equal(store_member_create(f->db, email, email, "x", 0, &id), RT_OK);
	assert_int_equal(store_membership_set(f->db, coalition, id, roles, "Org", NULL), RT_OK);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	int fd;
	snprintf(f->path, sizeof f->path, "/tmp/rt-test-rfq-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	unlink(f->path);
	assert_int_equal(db_open(&f->db, f->path), RT_OK);
	f->srv.db = f->db;
	assert_int_equal(store_coalition_create(f->db, "alpha", "Alpha", "", &f->coalition), RT_OK);
	assert_int_equal(store_coalition_create(f->db, "bravo", "Bravo", "", &f->other_coalition), RT_OK);
	f->conv = add_member(f, "conv@x", f->coalition, ROLE_CONVENER);
	f->dt = add_member(f, "dt@x", f->coalition, ROLE_DESIGN_TEAM);
	f->prov = add_member(f, "prov@x", f->coalition, ROLE_PROVIDER);
	f->prov2 = add_member(f, "prov2@x", f->coalition, ROLE_PROVIDER);
	f->fund = add_member(f, "fund@x", f->coalition, ROLE_FUNDER);
	f->outsider = add_member(f, "out@x", f->other_coalition, ROLE_CONVENER);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char side[80];
	db_close(f->db);
	unlink(f->path);
	snprintf(side, sizeof side, "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

/* Runs an op as member; args stolen; returns the error, *data if wanted. */
static int call(struct fixture *f, int64_t member, const char *op, json_t *args, json_t **data)
{
	char msg[256] = "";
	json_t *d = NULL;
	int err = dispatch_call(&f->srv, member, op, args, &d, msg);
	json_decref(args);
	if (data)
		*data = d;
	else
		json_decref(d);
	return err;
}

static json_int_t get_id(json_t *data, const char *obj, const char *list, size_t n)
{
	json_t *o = json_object_get(data, obj);
	if (list)
		o = json_array_get(json_object_get(o, list), n);
	return json_integer_value(json_object_get(o, "id"));
}

static void test_template(void **state)
{
	(void)state;
	json_t *t = rfq_template_json(), *q = json_object_get(t, "questions"), *c = json_object_get(t, "criteria");
	size_t i;
	json_t *x;
	double top = 0;
	const char *top_name = NULL;
	assert_non_null(t);
	assert_int_equal(json_array_size(q), 16);
	assert_int_equal(json_array_size(c), 10);
	assert_string_equal(json_string_value(json_object_get(json_array_get(q, 0), "section")), "Track record");
	assert_string_equal(json_string_value(json_object_get(json_array_get(q, 15), "section")), "Governance");
	json_array_foreach(c, i, x)
		if (json_number_value(json_object_get(x, "weight")) > top) {
			top = json_number_value(json_object_get(x, "weight"));
			top_name = json_string_value(json_object_get(x, "name"));
		}
	assert_string_equal(top_name, "Ability to lead change");
	assert_non_null(json_string_value(json_object_get(t, "closes_at")));
	json_decref(t);
}

static void test_store_respondents(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	int64_t rfq, q1, q2, r1, r2;
	unsigned char h1[32], h2[32], h3[32];
	struct rfq_respondent resp;
	int invited, answered, final;
	json_t *answers = NULL;

	assert_int_equal(store_rfq_create(db, f->coalition, "T", "B", "2099-01-01T00:00:00Z", f->conv, &rfq), RT_OK);
	assert_int_equal(store_rfq_question_add(db, rfq, "S", "Q1", 0, &q1), RT_OK);
	assert_int_equal(store_rfq_question_add(db, rfq, "S", "Q2", 0, &q2), RT_OK);
	rt_sha256(h1, "tok1", 4);
	rt_sha256(h2, "tok2", 4);
	rt_sha256(h3, "tok3", 4);
	assert_int_equal(store_rfq_respondent_add(db, rfq, "Org 1", "a@x", h1, f->conv, &r1), RT_OK);
	assert_int_equal(store_rfq_respondent_add(db, rfq, "Org 2", "b@x", h2, f->conv, &r2), RT_OK);
	assert_int_equal(store_rfq_respondent_add(db, rfq, "Dup", "c@x", h1, f->conv, NULL), RT_ECONFLICT);
	assert_int_equal(store_rfq_respondent_by_hash(db, h2, &resp), RT_OK);
	assert_true(resp.id == r2);
	assert_string_equal(resp.organization, "Org 2");
	assert_int_equal(store_rfq_respondent_by_hash(db, h3, &resp), RT_ENOTFOUND);
	assert_int_equal(store_rfq_answer_put(db, r1, q2, "second", "2026-01-01T00:00:00Z"), RT_OK);
	assert_int_equal(store_rfq_answer_put(db, r1, q1, "first", "2026-01-01T00:00:00Z"), RT_OK);
	assert_int_equal(store_rfq_answer_put(db, r1, q1, "first again", "2026-01-01T00:00:01Z"), RT_OK);
	assert_int_equal(store_rfq_answers_json(db, r1, &answers), RT_OK);
	assert_int_equal(json_array_size(answers), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(answers, 0), "body")), "first again");
	json_decref(answers);
	assert_int_equal(store_rfq_answer_put(db, r1, q2, "", "2026-01-01T00:00:02Z"), RT_OK); /* empty removes */
	assert_int_equal(store_rfq_answers_json(db, r1, &answers), RT_OK);
	assert_int_equal(json_array_size(answers), 1);
	json_decref(answers);
	assert_int_equal(store_rfq_respondent_finalize(db, r1, "2026-01-01T00:00:03Z"), RT_OK);
	assert_int_equal(store_rfq_counts(db, rfq, &invited, &answered, &final), RT_OK);
	assert_int_equal(invited, 2);
	assert_int_equal(answered, 1);
	assert_int_equal(final, 1);
	/* A COI removes the member's scores of that respondent. */
	int64_t crit;
	assert_int_equal(store_rfq_criterion_add(db, rfq, "C", "", 2.5, 5, &crit), RT_OK);
	assert_int_equal(store_rfq_evaluator_set(db, rfq, f->prov, "provider", f->conv), RT_OK);
	assert_int_equal(store_rfq_score_put(db, rfq, f->prov, r1, crit, 3, NULL, "2026-01-01T00:00:00Z"), RT_OK);
	assert_int_equal(store_rfq_scored_count(db, rfq, f->prov, r1), 1);
	assert_int_equal(store_rfq_coi_declare(db, rfq, f->prov, r1, "board", "2026-01-01T00:00:00Z"), RT_OK);
	assert_int_equal(store_rfq_scored_count(db, rfq, f->prov, r1), 0);
	assert_int_equal(store_rfq_coi_has(db, rfq, f->prov, r1), 1);
	assert_int_equal(store_rfq_coi_has(db, rfq, f->prov, r2), 0);
}

static json_t *small_rfq_args(const char *coalition, const char *closes_at)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}], s:[{s:s, s:s, s:i, s:i}, {s:s, s:s, s:i, s:i}]}",
	                 "coalition", coalition, "title", "Hub", "body", "Apply", "closes_at", closes_at,
	                 "questions", "section", "A", "text", "Q1", "section", "B", "text", "Q2",
	                 "criteria", "name", "Lead", "description", "d", "weight", 3, "max", 5,
	                 "name", "Reach", "description", "d", "weight", 1, "max", 10);
}

static void test_lifecycle_and_rules(void **state)
{
	struct fixture *f = *state;
	json_t *d = NULL, *inv1 = NULL, *inv2 = NULL, *res = NULL;
	char closes[21];
	int64_t rfq, q1, c0, c1, r1, r2, seq0, seq1;

	rt_time_after(closes, 3600);
	seq0 = store_events_last_seq(f->db, f->coalition);
	assert_int_equal(call(f, f->prov, "rfq.create", small_rfq_args("alpha", closes), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->outsider, "rfq.create", small_rfq_args("alpha", closes), NULL), RT_ENOTFOUND);
	assert_int_equal(call(f, f->dt, "rfq.create", small_rfq_args("alpha", "2001-01-01T00:00:00Z"), NULL), RT_EBADREQ);
	assert_true(store_events_last_seq(f->db, f->coalition) == seq0); /* refusals changed nothing */
	assert_int_equal(call(f, f->dt, "rfq.create", small_rfq_args("alpha", closes), &d), RT_OK);
	rfq = get_id(d, "rfq", NULL, 0);
	q1 = get_id(d, "rfq", "questions", 0);
	c0 = get_id(d, "rfq", "criteria", 0);
	c1 = get_id(d, "rfq", "criteria", 1);
	json_decref(d);
	assert_true(store_events_last_seq(f->db, f->coalition) == seq0 + 1);

	assert_int_equal(call(f, f->conv, "rfq.publish", json_pack("{s:I}", "rfq", (json_int_t)rfq), NULL), RT_OK);
	assert_int_equal(call(f, f->conv, "respondent.invite", json_pack("{s:I, s:s, s:s}", "rfq", (json_int_t)rfq,
	                 "organization", "One", "email", "one@x"), &inv1), RT_OK);
	assert_int_equal(call(f, f->conv, "respondent.invite", json_pack("{s:I, s:s, s:s}", "rfq", (json_int_t)rfq,
	                 "organization", "Two", "email", "two@x"), &inv2), RT_OK);
	r1 = get_id(inv1, "respondent", NULL, 0);
	r2 = get_id(inv2, "respondent", NULL, 0);
	/* Respondents act with their token, no member. */
	assert_int_equal(call(f, 0, "response.submit", json_pack("{s:O, s:[{s:I, s:s}]}", "respondent_token",
	                 json_object_get(inv1, "respondent_token"), "answers", "question", (json_int_t)q1, "body", "hello"), NULL), RT_OK);
	assert_int_equal(call(f, 0, "response.submit", json_pack("{s:O, s:[{s:I, s:s}], s:b}", "respondent_token",
	                 json_object_get(inv2, "respondent_token"), "answers", "question", (json_int_t)q1, "body", "hi", "final", 1), NULL), RT_OK);
	assert_int_equal(call(f, 0, "response.get", json_pack("{s:s}", "respondent_token", "bogus"), NULL), RT_EUNAUTH);
	/* Sealed. */
	assert_int_equal(call(f, f->conv, "response.list", json_pack("{s:I}", "rfq", (json_int_t)rfq), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->conv, "evaluator.assign", json_pack("{s:I, s:I}", "rfq", (json_int_t)rfq, "member", (json_int_t)f->prov), NULL), RT_OK);
	assert_int_equal(call(f, f->conv, "evaluator.assign", json_pack("{s:I, s:I}", "rfq", (json_int_t)rfq, "member", (json_int_t)f->fund), NULL), RT_OK);
	assert_int_equal(call(f, f->prov, "score.submit", json_pack("{s:I, s:I, s:I, s:i}", "rfq", (json_int_t)rfq,
	                 "respondent", (json_int_t)r1, "criterion", (json_int_t)c0, "score", 3), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->prov, "coi.declare", json_pack("{s:I, s:I, s:s}", "rfq", (json_int_t)rfq,
	                 "respondent", (json_int_t)r1, "reason", "my cousin"), NULL), RT_OK);

	/* The deadline passes: rfq_tick closes it from the database. */
	assert_int_equal(store_rfq_update(f->db, rfq, NULL, NULL, "2001-01-01T00:00:00Z"), RT_OK);
	seq1 = store_events_last_seq(f->db, f->coalition);
	rfq_tick(&f->srv);
	assert_true(store_events_last_seq(f->db, f->coalition) == seq1 + 1);
	rfq_tick(&f->srv); /* nothing more to do */
	assert_true(store_events_last_seq(f->db, f->coalition) == seq1 + 1);
	{
		struct rfq_row row;
		assert_int_equal(store_rfq_row(f->db, rfq, &row), RT_OK);
		assert_string_equal(row.status, "closed");
	}
	assert_int_equal(call(f, 0, "response.submit", json_pack("{s:O, s:[]}", "respondent_token",
	                 json_object_get(inv1, "respondent_token"), "answers"), NULL), RT_ECLOSED);

	/* Scoring: recused, unassigned, range. */
	assert_int_equal(call(f, f->prov, "score.submit", json_pack("{s:I, s:I, s:I, s:i}", "rfq", (json_int_t)rfq,
	                 "respondent", (json_int_t)r1, "criterion", (json_int_t)c0, "score", 3), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->prov2, "score.submit", json_pack("{s:I, s:I, s:I, s:i}", "rfq", (json_int_t)rfq,
	                 "respondent", (json_int_t)r2, "criterion", (json_int_t)c0, "score", 3), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(f, f->prov, "score.submit", json_pack("{s:I, s:I, s:I, s:i}", "rfq", (json_int_t)rfq,
	                 "respondent", (json_int_t)r2, "criterion", (json_int_t)c0, "score", 6), NULL), RT_EBADREQ);
	{
		const struct { int64_t who, resp, crit; int score; } s[] = {
			{ f->prov, r2, c0, 4 }, { f->prov, r2, c1, 8 },
			{ f->fund, r1, c0, 5 }, { f->fund, r1, c1, 10 }, { f->fund, r2, c0, 2 }, { f->fund, r2, c1, 4 },
		};
		for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
			assert_int_equal(call(f, s[i].who, "score.submit", json_pack("{s:I, s:I, s:I, s:i}", "rfq", (json_int_t)rfq,
			                 "respondent", (json_int_t)s[i].resp, "criterion", (json_int_t)s[i].crit, "score", s[i].score), NULL), RT_OK);
	}
	assert_int_equal(call(f, f->conv, "rfq.results", json_pack("{s:I}", "rfq", (json_int_t)rfq), &res), RT_OK);
	assert_int_equal(json_integer_value(json_object_get(res, "evaluators_done")), 2);
	assert_int_equal(json_integer_value(json_object_get(res, "evaluators_total")), 2);
	{
		json_t *first = json_array_get(json_object_get(res, "respondents"), 0);
		json_t *second = json_array_get(json_object_get(res, "respondents"), 1);
		/* r1: only the funder (prov recused): 5/5 and 10/10 -> 100 */
		assert_true(json_integer_value(json_object_get(first, "respondent")) == r1);
		assert_true(json_real_value(json_object_get(first, "total")) > 99.99);
		assert_int_equal(json_integer_value(json_object_get(first, "rank")), 1);
		/* r2: c0 mean 3, c1 mean 6 -> 100 * (3 * 0.6 + 0.6) / 4 = 60 */
		assert_true(json_real_value(json_object_get(second, "total")) > 59.99 &&
		            json_real_value(json_object_get(second, "total")) < 60.01);
	}
	json_decref(res);
	assert_int_equal(call(f, f->outsider, "rfq.results", json_pack("{s:I}", "rfq", (json_int_t)rfq), NULL), RT_ENOTFOUND);
	assert_int_equal(call(f, f->conv, "rfq.select", json_pack("{s:I, s:[I, I], s:s}", "rfq", (json_int_t)rfq,
	                 "respondents", (json_int_t)r1, (json_int_t)r2, "note", "both"), NULL), RT_OK);
	assert_int_equal(call(f, f->fund, "score.submit", json_pack("{s:I, s:I, s:I, s:i}", "rfq", (json_int_t)rfq,
	                 "respondent", (json_int_t)r2, "criterion", (json_int_t)c0, "score", 3), NULL), RT_ECLOSED);
	json_decref(inv1);
	json_decref(inv2);
	{ /* the audit chain is intact */
		int ok = 0;
		int64_t entries = 0, bad = 0;
		char *head = NULL;
		assert_int_equal(store_audit_verify(f->db, f->coalition, &ok, &entries, &bad, &head), RT_OK);
		assert_int_equal(ok, 1);
		free(head);
	}
}

/* The CSV export: one row per score, quoted fields, names intact. */
static void test_csv(void **state)
{
	struct fixture *f = *state;
	json_t *d = NULL, *inv = NULL;
	char closes[21], *csv = NULL;
	size_t len = 0;
	int64_t rfq, c0, r1;

	rt_time_after(closes, 3600);
	assert_int_equal(call(f, f->conv, "rfq.create", small_rfq_args("alpha", closes), &d), RT_OK);
	rfq = get_id(d, "rfq", NULL, 0);
	c0 = get_id(d, "rfq", "criteria", 0);
	json_decref(d);
	assert_int_equal(call(f, f->conv, "rfq.publish", json_pack("{s:I}", "rfq", (json_int_t)rfq), NULL), RT_OK);
	assert_int_equal(call(f, f->conv, "respondent.invite", json_pack("{s:I, s:s, s:s}", "rfq", (json_int_t)rfq,
	                 "organization", "Ni\u00f1os, \"Unidos\" Caf\u00e9", "email", "n@x"), &inv), RT_OK);
	r1 = get_id(inv, "respondent", NULL, 0);
	json_decref(inv);
	assert_int_equal(call(f, f->conv, "evaluator.assign", json_pack("{s:I, s:I}", "rfq", (json_int_t)rfq, "member", (json_int_t)f->fund), NULL), RT_OK);
	/* Before the close: sealed. */
	assert_int_equal(rfq_scores_csv(&f->srv, f->conv, rfq, &csv, &len), RT_EFORBIDDEN);
	assert_null(csv);
	assert_int_equal(call(f, f->conv, "rfq.close", json_pack("{s:I}", "rfq", (json_int_t)rfq), NULL), RT_OK);
	assert_int_equal(call(f, f->fund, "score.submit", json_pack("{s:I, s:I, s:I, s:i, s:s}", "rfq", (json_int_t)rfq,
	                 "respondent", (json_int_t)r1, "criterion", (json_int_t)c0, "score", 4,
	                 "comment", "Line one\nSays \"yes\", ok"), NULL), RT_OK);
	assert_int_equal(rfq_scores_csv(&f->srv, f->outsider, rfq, &csv, &len), RT_ENOTFOUND);
	assert_int_equal(rfq_scores_csv(&f->srv, f->prov, rfq, &csv, &len), RT_EFORBIDDEN);
	assert_int_equal(rfq_scores_csv(&f->srv, f->conv, rfq, &csv, &len), RT_OK);
	assert_non_null(csv);
	assert_int_equal(strlen(csv), len);
	{
		char expect[1024];
		const char *row_end;
		snprintf(expect, sizeof expect,
		         "\"rfq\",\"rfq_title\",\"respondent\",\"organization\",\"criterion\",\"criterion_name\",\"weight\",\"max\","
		         "\"evaluator\",\"evaluator_name\",\"group\",\"score\",\"comment\",\"updated_at\"\r\n"
		         "\"%lld\",\"Hub\",\"%lld\",\"Ni\u00f1os, \"\"Unidos\"\" Caf\u00e9\",\"%lld\",\"Lead\",\"3\",\"5\","
		         "\"%lld\",\"fund@x\",\"funder\",\"4\",\"Line one\nSays \"\"yes\"\", ok\",\"",
		         (long long)rfq, (long long)r1, (long long)c0, (long long)f->fund);
		assert_int_equal(strncmp(csv, expect, strlen(expect)), 0);
		row_end = csv + strlen(expect);
		assert_int_equal(strlen(row_end), 20 + 3); /* the time, its quote and CRLF */
		assert_string_equal(row_end + 20, "\"\r\n");
	}
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template),
		cmocka_unit_test_setup_teardown(test_store_respondents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifecycle_and_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
