/*
 * test_tally.c: the counting rules of decisions on hand-computed examples:
 * every kind and threshold, quorum exactly at the line and one short, blocks,
 * ties, ranked choice round by round with both elimination tie breaks, and
 * the checking of choices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "tally.h"

/* A ballot from up to 4 numbers, -1 terminated. */
static struct tally_ballot B(int a, int b, int c, int d)
{
	struct tally_ballot x = { 0 };
	int v[4] = { a, b, c, d };
	for (int i = 0; i < 4 && v[i] >= 0; i++)
		x.v[x.n++] = v[i];
	return x;
}

static struct tally_result run(int kind, int threshold, int quorum, int64_t eligible, int n_options,
                               const struct tally_ballot *ballots, size_t n)
{
	struct tally_input in = { .kind = kind, .threshold = threshold, .quorum = quorum, .n_options = n_options,
	                          .eligible = eligible, .ballots = ballots, .n_ballots = n };
	struct tally_result res;
	assert_int_equal(tally_count(&res, &in), 0);
	return res;
}

/* Proposal ballots from counts of agree, abstain, disagree, block. */
static size_t proposal(struct tally_ballot *out, int agree, int abstain, int disagree, int block)
{
	size_t n = 0;
	int c[4] = { agree, abstain, disagree, block };
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < c[k]; i++)
			out[n++] = B(k, -1, -1, -1);
	return n;
}

static void test_proposal_majority(void **state)
{
	struct tally_ballot b[40];
	size_t n;
	struct tally_result r;
	(void)state;

	n = proposal(b, 3, 5, 2, 0); /* abstentions do not count either way */
	r = run(TK_PROPOSAL, TT_MAJORITY, 0, 10, 0, b, n);
	assert_int_equal(r.cast, 10);
	assert_int_equal(r.counts[TP_AGREE], 3);
	assert_int_equal(r.counts[TP_ABSTAIN], 5);
	assert_int_equal(r.result, TR_PASSED);

	n = proposal(b, 2, 0, 1, 1); /* under majority a block is a vote against */
	r = run(TK_PROPOSAL, TT_MAJORITY, 0, 10, 0, b, n);
	assert_int_equal(r.result, TR_TIED);

	n = proposal(b, 2, 0, 3, 0);
	r = run(TK_PROPOSAL, TT_MAJORITY, 0, 10, 0, b, n);
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "threshold_not_met");

	n = proposal(b, 0, 4, 0, 0); /* all abstain: nothing was agreed */
	r = run(TK_PROPOSAL, TT_MAJORITY, 0, 10, 0, b, n);
	assert_int_equal(r.result, TR_FAILED);
}

static void test_proposal_two_thirds(void **state)
{
	struct tally_ballot b[40];
	struct tally_result r;
	(void)state;
	/* exactly two thirds passes */
	r = run(TK_PROPOSAL, TT_TWO_THIRDS, 0, 9, 0, b, proposal(b, 4, 3, 2, 0));
	assert_int_equal(r.result, TR_PASSED);
	/* just under fails */
	r = run(TK_PROPOSAL, TT_TWO_THIRDS, 0, 9, 0, b, proposal(b, 5, 0, 2, 1));
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "threshold_not_met");
	r = run(TK_PROPOSAL, TT_TWO_THIRDS, 0, 9, 0, b, proposal(b, 6, 0, 2, 1));
	assert_int_equal(r.result, TR_PASSED);
}

static void test_proposal_unanimous(void **state)
{
	struct tally_ballot b[40];
	struct tally_result r;
	(void)state;
	r = run(TK_PROPOSAL, TT_UNANIMOUS, 0, 9, 0, b, proposal(b, 5, 2, 0, 0));
	assert_int_equal(r.result, TR_PASSED); /* abstaining does not break unanimity */
	r = run(TK_PROPOSAL, TT_UNANIMOUS, 0, 9, 0, b, proposal(b, 5, 0, 1, 0));
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "threshold_not_met");
	r = run(TK_PROPOSAL, TT_UNANIMOUS, 0, 9, 0, b, proposal(b, 8, 0, 0, 1));
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "blocked");
}

static void test_proposal_no_blocks(void **state)
{
	struct tally_ballot b[40];
	struct tally_result r;
	(void)state;
	/* disagreement is recorded but does not stop it */
	r = run(TK_PROPOSAL, TT_NO_BLOCKS, 0, 9, 0, b, proposal(b, 1, 1, 5, 0));
	assert_int_equal(r.result, TR_PASSED);
	/* one block stops it, however many agree */
	r = run(TK_PROPOSAL, TT_NO_BLOCKS, 0, 20, 0, b, proposal(b, 15, 0, 0, 1));
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "blocked");
	/* nobody agreeing is not a decision */
	r = run(TK_PROPOSAL, TT_NO_BLOCKS, 0, 9, 0, b, proposal(b, 0, 3, 0, 0));
	assert_int_equal(r.result, TR_FAILED);
}

static void test_quorum_line(void **state)
{
	struct tally_ballot b[40];
	struct tally_result r;
	(void)state;
	/* 50% of 10 = 5 ballots: exactly at the line is met */
	r = run(TK_PROPOSAL, TT_MAJORITY, 50, 10, 0, b, proposal(b, 5, 0, 0, 0));
	assert_true(r.quorum_met);
	assert_int_equal(r.result, TR_PASSED);
	/* one short */
	r = run(TK_PROPOSAL, TT_MAJORITY, 50, 10, 0, b, proposal(b, 4, 0, 0, 0));
	assert_false(r.quorum_met);
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "quorum_not_met");
	assert_int_equal(r.counts[TP_AGREE], 4); /* counts still shown */
	/* 34% of 3: 1 ballot is 33.3% (short), 2 is enough */
	r = run(TK_PROPOSAL, TT_MAJORITY, 34, 3, 0, b, proposal(b, 1, 0, 0, 0));
	assert_false(r.quorum_met);
	r = run(TK_PROPOSAL, TT_MAJORITY, 34, 3, 0, b, proposal(b, 2, 0, 0, 0));
	assert_true(r.quorum_met);
	/* 100%: everyone; abstentions count toward quorum */
	r = run(TK_PROPOSAL, TT_MAJORITY, 100, 4, 0, b, proposal(b, 1, 3, 0, 0));
	assert_true(r.quorum_met);
	assert_int_equal(r.result, TR_PASSED);
	/* no ballots at all */
	r = run(TK_PROPOSAL, TT_MAJORITY, 0, 4, 0, b, 0);
	assert_true(r.quorum_met);
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "no_ballots");
}

static void test_choice(void **state)
{
	struct tally_ballot b[10] = { B(0, -1, -1, -1), B(0, -1, -1, -1), B(1, -1, -1, -1), B(2, -1, -1, -1),
	                              B(0, -1, -1, -1) };
	struct tally_result r;
	(void)state;
	r = run(TK_CHOICE, TT_MAJORITY, 0, 5, 3, b, 5); /* 3 of 5 */
	assert_int_equal(r.result, TR_PASSED);
	assert_int_equal(r.winner, 0);
	assert_int_equal(r.counts[0], 3);
	assert_int_equal(r.counts[1], 1);
	r = run(TK_CHOICE, TT_TWO_THIRDS, 0, 5, 3, b, 5); /* 3 of 5 < 2/3 */
	assert_int_equal(r.result, TR_FAILED);
	assert_int_equal(r.winner, -1);
	r = run(TK_CHOICE, TT_UNANIMOUS, 0, 5, 3, b, 5);
	assert_int_equal(r.result, TR_FAILED);
	r = run(TK_CHOICE, TT_NO_BLOCKS, 0, 5, 3, b, 4); /* plurality: 2,1,1 */
	assert_int_equal(r.result, TR_PASSED);
	assert_int_equal(r.winner, 0);
	r = run(TK_CHOICE, TT_MAJORITY, 0, 5, 3, b, 3); /* 2 of 3 */
	assert_int_equal(r.result, TR_PASSED);
	/* tie at the top */
	b[5] = B(1, -1, -1, -1);
	b[6] = B(1, -1, -1, -1);
	r = run(TK_CHOICE, TT_MAJORITY, 0, 7, 3, b + 2, 5); /* 1,2,0,1,1: B has 3 of 5 */
	assert_int_equal(r.result, TR_PASSED);
	assert_int_equal(r.winner, 1);
	r = run(TK_CHOICE, TT_NO_BLOCKS, 0, 7, 3, b, 7); /* 0:3 1:3 2:1 */
	assert_int_equal(r.result, TR_TIED);
	assert_int_equal(r.n_tied, 2);
	assert_int_equal(r.tied[0], 0);
	assert_int_equal(r.tied[1], 1);
	assert_int_equal(r.winner, -1);
	r = run(TK_CHOICE, TT_MAJORITY, 0, 7, 3, b, 7);
	assert_int_equal(r.result, TR_TIED);
	b[0] = B(0, -1, -1, -1);
	r = run(TK_CHOICE, TT_UNANIMOUS, 0, 7, 3, b, 2); /* 2 of 2 */
	assert_int_equal(r.result, TR_PASSED);
}

static void test_approval(void **state)
{
	/* options 0..3; approvals: 0:4 1:3 2:1 3:0 of 5 ballots */
	struct tally_ballot b[5] = { B(0, 1, -1, -1), B(0, 1, 2, -1), B(0, -1, -1, -1), B(1, 0, -1, -1),
	                             B(3, -1, -1, -1) };
	struct tally_result r;
	(void)state;
	b[4] = B(2, -1, -1, -1);
	r = run(TK_APPROVAL, TT_MAJORITY, 0, 5, 4, b, 5);
	assert_int_equal(r.counts[0], 4);
	assert_int_equal(r.counts[1], 3);
	assert_int_equal(r.counts[2], 2);
	assert_int_equal(r.counts[3], 0);
	assert_int_equal(r.result, TR_PASSED);
	assert_int_equal(r.winner, 0);
	r = run(TK_APPROVAL, TT_TWO_THIRDS, 0, 5, 4, b, 5); /* 4 of 5 >= 2/3 */
	assert_int_equal(r.result, TR_PASSED);
	r = run(TK_APPROVAL, TT_UNANIMOUS, 0, 5, 4, b, 5); /* 4 of 5 */
	assert_int_equal(r.result, TR_FAILED);
	r = run(TK_APPROVAL, TT_UNANIMOUS, 0, 5, 4, b, 4); /* 4 of 4 approve option 0 */
	assert_int_equal(r.result, TR_PASSED);
	/* two options approved by everyone: tied */
	struct tally_ballot c[2] = { B(0, 1, -1, -1), B(1, 0, 2, -1) };
	r = run(TK_APPROVAL, TT_UNANIMOUS, 0, 2, 3, c, 2);
	assert_int_equal(r.result, TR_TIED);
	assert_int_equal(r.n_tied, 2);
}

static void test_consent(void **state)
{
	struct tally_ballot b[10];
	struct tally_result r;
	int v1[] = { 5, 4, 3, 2, 1 };
	(void)state;
	for (int i = 0; i < 5; i++)
		b[i] = B(v1[i], -1, -1, -1);
	r = run(TK_CONSENT, TT_NO_BLOCKS, 0, 5, 0, b, 5);
	assert_int_equal(r.result, TR_PASSED); /* no fist: passes, concerns recorded */
	assert_true(r.mean > 2.99 && r.mean < 3.01);
	assert_int_equal(r.counts[1], 1);
	r = run(TK_CONSENT, TT_MAJORITY, 0, 5, 0, b, 5); /* 3 support of 5 */
	assert_int_equal(r.result, TR_PASSED);
	r = run(TK_CONSENT, TT_TWO_THIRDS, 0, 5, 0, b, 5); /* 3 of 5 < 2/3 */
	assert_int_equal(r.result, TR_FAILED);
	r = run(TK_CONSENT, TT_UNANIMOUS, 0, 5, 0, b, 3); /* 5,4,3 */
	assert_int_equal(r.result, TR_PASSED);
	r = run(TK_CONSENT, TT_MAJORITY, 0, 5, 0, b + 1, 4); /* 4,3 vs 2,1 */
	assert_int_equal(r.result, TR_TIED);
	b[5] = B(0, -1, -1, -1); /* a fist */
	r = run(TK_CONSENT, TT_NO_BLOCKS, 0, 6, 0, b, 6);
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "blocked");
	r = run(TK_CONSENT, TT_MAJORITY, 0, 6, 0, b, 6); /* 3 support, 3 not: tied */
	assert_int_equal(r.result, TR_TIED);
}

/* The classic: A 4, B 3, C 2 first choices; C's voters prefer B: B wins in round 2. */
static void test_ranked_basic(void **state)
{
	struct tally_ballot b[9];
	struct tally_result r;
	size_t n = 0;
	(void)state;
	for (int i = 0; i < 4; i++) b[n++] = B(0, -1, -1, -1);
	for (int i = 0; i < 3; i++) b[n++] = B(1, 0, -1, -1);
	for (int i = 0; i < 2; i++) b[n++] = B(2, 1, -1, -1);
	r = run(TK_RANKED, TT_MAJORITY, 0, 9, 3, b, n);
	assert_int_equal(r.n_rounds, 2);
	assert_int_equal(r.rounds[0].counts[0], 4);
	assert_int_equal(r.rounds[0].counts[1], 3);
	assert_int_equal(r.rounds[0].counts[2], 2);
	assert_int_equal(r.rounds[0].eliminated, 2);
	assert_int_equal(r.rounds[0].tie_break, TB_NONE);
	assert_int_equal(r.rounds[1].counts[1], 5);
	assert_int_equal(r.rounds[1].continuing[2], 0);
	assert_int_equal(r.result, TR_PASSED);
	assert_int_equal(r.winner, 1);
	assert_int_equal(r.counts[0], 4); /* first preferences */
	/* two thirds of all 9 ballots needs 6: B has 5 */
	r = run(TK_RANKED, TT_TWO_THIRDS, 0, 9, 3, b, n);
	assert_int_equal(r.result, TR_FAILED);
	assert_int_equal(r.winner, -1);
	/* first round majority */
	r = run(TK_RANKED, TT_MAJORITY, 0, 9, 3, b, 5);
	assert_int_equal(r.n_rounds, 1);
	assert_int_equal(r.winner, 0);
}

/* Exhausted ballots: the majority is of continuing ballots. */
static void test_ranked_exhausted(void **state)
{
	struct tally_ballot b[7];
	struct tally_result r;
	size_t n = 0;
	(void)state;
	b[n++] = B(0, -1, -1, -1);
	b[n++] = B(0, -1, -1, -1);
	b[n++] = B(0, -1, -1, -1);
	b[n++] = B(1, -1, -1, -1);
	b[n++] = B(1, -1, -1, -1);
	b[n++] = B(2, -1, -1, -1); /* exhausted after C goes */
	b[n++] = B(3, 1, -1, -1);
	r = run(TK_RANKED, TT_MAJORITY, 0, 7, 4, b, n);
	/* round 1: A3 B2 C1 D1; C and D tie at 1; mentions C1 D1; position: D (listed last) goes */
	assert_int_equal(r.rounds[0].eliminated, 3);
	assert_int_equal(r.rounds[0].tie_break, TB_POSITION);
	/* round 2: A3 B3 C1: C goes */
	assert_int_equal(r.rounds[1].counts[1], 3);
	assert_int_equal(r.rounds[1].eliminated, 2);
	/* round 3: A3 B3, 1 exhausted: all equal -> tied */
	assert_int_equal(r.rounds[2].exhausted, 1);
	assert_int_equal(r.result, TR_TIED);
	assert_int_equal(r.n_tied, 2);
	assert_int_equal(r.n_rounds, 3);
}

/* Elimination tie broken by mentions: B, C and D have one first choice each;
 * B is mentioned least (only on its own ballot), so B goes, although the
 * position rule would have picked D. */
static void test_ranked_tie_mentions(void **state)
{
	struct tally_ballot b[5] = { B(0, 3, -1, -1), B(0, 3, -1, -1), B(1, 0, -1, -1), B(2, 3, -1, -1),
	                             B(3, 2, -1, -1) };
	struct tally_result r;
	(void)state;
	r = run(TK_RANKED, TT_MAJORITY, 0, 5, 4, b, 5);
	/* round 1: A2 B1 C1 D1; mentions A3 B1 C2 D4 */
	assert_int_equal(r.rounds[0].eliminated, 1);
	assert_int_equal(r.rounds[0].tie_break, TB_MENTIONS);
	/* round 2: B's ballot goes to A: A3 of 5 */
	assert_int_equal(r.n_rounds, 2);
	assert_int_equal(r.rounds[1].counts[0], 3);
	assert_int_equal(r.rounds[1].eliminated, -1);
	assert_int_equal(r.winner, 0);
	assert_int_equal(r.result, TR_PASSED);
	/* the path of one ballot */
	json_t *opts = json_pack("[s,s,s,s]", "A", "B", "C", "D");
	json_t *path = tally_ranked_path(&r, &b[2], opts);
	assert_int_equal(json_array_size(path), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(path, 0), "counted_for")), "B");
	assert_string_equal(json_string_value(json_object_get(json_array_get(path, 1), "counted_for")), "A");
	json_decref(path);
	json_decref(opts);
}

/* Everybody tied in round one: tied at once, nothing eliminated. */
static void test_ranked_all_tied(void **state)
{
	struct tally_ballot b[3] = { B(0, 1, 2, -1), B(1, 2, 0, -1), B(2, 0, 1, -1) };
	struct tally_result r;
	(void)state;
	r = run(TK_RANKED, TT_MAJORITY, 0, 3, 3, b, 3);
	assert_int_equal(r.result, TR_TIED);
	assert_int_equal(r.n_rounds, 1);
	assert_int_equal(r.n_tied, 3);
	/* unanimous ranked: the winner needs every ballot in the final round */
	struct tally_ballot c[3] = { B(0, -1, -1, -1), B(1, 0, -1, -1), B(0, 1, -1, -1) };
	r = run(TK_RANKED, TT_UNANIMOUS, 0, 3, 2, c, 3);
	assert_int_equal(r.result, TR_FAILED);
	r = run(TK_RANKED, TT_MAJORITY, 0, 3, 2, c, 3);
	assert_int_equal(r.winner, 0);
	r = run(TK_RANKED, TT_MAJORITY, 80, 5, 2, c, 3); /* 60% < 80% */
	assert_int_equal(r.result, TR_FAILED);
	assert_string_equal(r.reason, "quorum_not_met");
}

static void test_choice_parse(void **state)
{
	json_t *opts = json_pack("[s,s,s]", "A", "B", "C");
	struct tally_ballot b;
	char why[128];
	json_t *v;
	(void)state;

#define OK(kind, text) do { v = json_loads(text, JSON_DECODE_ANY, NULL); \
	assert_int_equal(tally_choice_parse(&b, kind, opts, v, why, sizeof why), 0); json_decref(v); } while (0)
#define BAD(kind, text) do { v = json_loads(text, JSON_DECODE_ANY, NULL); \
	assert_int_equal(tally_choice_parse(&b, kind, opts, v, why, sizeof why), -1); \
	assert_true(why[0] != '\0'); json_decref(v); } while (0)

	OK(TK_PROPOSAL, "\"block\"");
	assert_int_equal(b.v[0], TP_BLOCK);
	BAD(TK_PROPOSAL, "\"yes\"");
	BAD(TK_PROPOSAL, "1");
	OK(TK_CHOICE, "\"B\"");
	assert_int_equal(b.v[0], 1);
	BAD(TK_CHOICE, "\"D\"");
	BAD(TK_CHOICE, "[\"A\"]");
	OK(TK_APPROVAL, "[\"C\",\"A\"]");
	assert_int_equal(b.n, 2);
	BAD(TK_APPROVAL, "[]");
	BAD(TK_APPROVAL, "[\"A\",\"A\"]");
	BAD(TK_APPROVAL, "\"A\"");
	OK(TK_RANKED, "[\"B\",\"C\",\"A\"]");
	assert_int_equal(b.v[0], 1);
	assert_int_equal(b.v[2], 0);
	OK(TK_RANKED, "[\"C\"]");
	BAD(TK_RANKED, "[\"B\",\"X\"]");
	BAD(TK_RANKED, "[\"B\",\"B\"]");
	BAD(TK_RANKED, "[1]");
	OK(TK_CONSENT, "0");
	OK(TK_CONSENT, "5");
	BAD(TK_CONSENT, "6");
	BAD(TK_CONSENT, "-1");
	BAD(TK_CONSENT, "3.5");
	BAD(TK_CONSENT, "\"3\"");
	json_decref(opts);
}

static void test_names_and_json(void **state)
{
	(void)state;
	assert_int_equal(tally_kind_from_name("ranked"), TK_RANKED);
	assert_int_equal(tally_kind_from_name("vote"), -1);
	assert_int_equal(tally_threshold_from_name("no_blocks"), TT_NO_BLOCKS);
	assert_int_equal(tally_threshold_from_name(NULL), -1);
	assert_string_equal(tally_kind_name(TK_CONSENT), "consent");
	assert_string_equal(tally_threshold_name(TT_TWO_THIRDS), "two_thirds");
	assert_int_equal(tally_default_threshold(TK_CONSENT), TT_NO_BLOCKS);
	assert_int_equal(tally_default_threshold(TK_CHOICE), TT_MAJORITY);

	struct tally_ballot b[3] = { B(0, -1, -1, -1), B(3, -1, -1, -1), B(0, -1, -1, -1) };
	struct tally_input in = { .kind = TK_PROPOSAL, .threshold = TT_MAJORITY, .eligible = 4, .ballots = b,
	                          .n_ballots = 3 };
	struct tally_result r;
	assert_int_equal(tally_count(&r, &in), 0);
	json_t *t = tally_to_json(&r, &in, NULL, 1);
	assert_int_equal(json_integer_value(json_object_get(t, "eligible")), 4);
	assert_int_equal(json_integer_value(json_object_get(t, "cast")), 3);
	assert_true(json_is_true(json_object_get(t, "quorum_met")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "counts"), "agree")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "counts"), "block")), 1);
	json_t *o = json_object_get(t, "outcome");
	assert_string_equal(json_string_value(json_object_get(o, "result")), "open");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "provisional"), "result")), "passed");
	json_decref(t);
	t = tally_to_json(&r, &in, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(t, "outcome"), "result")), "passed");
	assert_null(json_object_get(t, "rounds"));
	json_decref(t);

	/* bad input is refused */
	struct tally_ballot bad = B(7, -1, -1, -1);
	in.ballots = &bad;
	in.n_ballots = 1;
	assert_int_equal(tally_count(&r, &in), -1);
}

static void test_ranked_json(void **state)
{
	json_t *opts = json_pack("[s,s,s]", "Billing", "Substitutes", "Purchasing");
	struct tally_ballot b[5] = { B(0, 1, -1, -1), B(0, -1, -1, -1), B(1, 0, -1, -1), B(1, 2, -1, -1),
	                             B(2, 1, -1, -1) };
	struct tally_input in = { .kind = TK_RANKED, .threshold = TT_MAJORITY, .n_options = 3, .eligible = 5,
	                          .ballots = b, .n_ballots = 5 };
	struct tally_result r;
	(void)state;
	assert_int_equal(tally_count(&r, &in), 0);
	json_t *t = tally_to_json(&r, &in, opts, 0);
	json_t *rounds = json_object_get(t, "rounds");
	assert_int_equal(json_array_size(rounds), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rounds, 0), "eliminated")), "Purchasing");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(rounds, 1), "counts"),
	                                                    "Substitutes")), 3);
	assert_null(json_object_get(json_object_get(json_array_get(rounds, 1), "counts"), "Purchasing"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(t, "outcome"), "winner")), "Substitutes");
	json_decref(t);
	json_decref(opts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proposal_majority),
		cmocka_unit_test(test_proposal_two_thirds),
		cmocka_unit_test(test_proposal_unanimous),
		cmocka_unit_test(test_proposal_no_blocks),
		cmocka_unit_test(test_quorum_line),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_approval),
		cmocka_unit_test(test_consent),
		cmocka_unit_test(test_ranked_basic),
		cmocka_unit_test(test_ranked_exhausted),
		cmocka_unit_test(test_ranked_tie_mentions),
		cmocka_unit_test(test_ranked_all_tied),
		cmocka_unit_test(test_choice_parse),
		cmocka_unit_test(test_names_and_json),
		cmocka_unit_test(test_ranked_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
