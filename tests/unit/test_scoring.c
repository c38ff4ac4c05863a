/*
 * test_scoring.c: the RFQ results arithmetic on hand-computed examples:
 * weighted totals, means and population standard deviations, group
 * balancing, per-evaluator z-score normalisation, recusal, missing scores,
 * completion of evaluators, and ranks with ties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "scoring.h"

#define NEAR(a, b) assert_true((a) - (b) < 1e-6 && (b) - (a) < 1e-6)

enum { DT = 0, FUNDER = 1, PROVIDER = 2 };

static void test_mean_sd(void **state)
{
	(void)state;
	double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 }, mean, sd;
	double w[] = { 1, 3 };
	double y[] = { 1, 5 };
	assert_true(scoring_mean_sd(x, NULL, 8, &mean, &sd) == 8);
	NEAR(mean, 5);
	NEAR(sd, 2);
	/* weights 1 and 3: mean (1 + 15) / 4 = 4; var (9 + 3) / 4 = 3 */
	scoring_mean_sd(y, w, 2, &mean, &sd);
	NEAR(mean, 4);
	NEAR(sd, 1.7320508075688772);
	assert_true(scoring_mean_sd(x, NULL, 0, &mean, &sd) == 0);
	NEAR(mean, 0);
	NEAR(sd, 0);
}

static void test_rank_ties(void **state)
{
	(void)state;
	double t1[] = { 80, 90, 80, 0 };
	int p1[] = { 1, 1, 1, 0 }, r1[4];
	double t2[] = { 90, 90, 70 };
	int p2[] = { 1, 1, 1 }, r2[3];
	scoring_rank(t1, p1, 4, r1);
	assert_int_equal(r1[0], 2);
	assert_int_equal(r1[1], 1);
	assert_int_equal(r1[2], 2);
	assert_int_equal(r1[3], 0);
	scoring_rank(t2, p2, 3, r2);
	assert_int_equal(r2[0], 1);
	assert_int_equal(r2[1], 1);
	assert_int_equal(r2[2], 3);
}

/* Criterion weights decide the total: 100 * sum w * mean / max / sum w. */
static void test_weights(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 3, 5 }, { 1, 10 } };
	int group[] = { DT };
	struct sc_score s[] = {
		{ 0, 0, 0, 5 }, { 0, 0, 1, 0 },  /* R0: best on the heavy criterion */
		{ 0, 1, 0, 0 }, { 0, 1, 1, 10 }, /* R1: best on the light one */
	};
	struct sc_input in = { .n_resp = 2, .n_crit = 2, .n_eval = 1, .n_scores = 4,
	                       .crit = crit, .group = group, .scores = s };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.total[0], 75);
	NEAR(out.total[1], 25);
	assert_int_equal(out.rank[0], 1);
	assert_int_equal(out.rank[1], 2);
	NEAR(out.stats[0 * 2 + 0].mean, 5);
	assert_int_equal(out.stats[0].n, 1);
	NEAR(out.stats[1 * 2 + 1].mean, 10);
	assert_int_equal(out.evaluators_done, 1);
	scoring_result_free(&out);
	scoring_result_free(&out); /* twice is harmless */
}

/* Mean and sd over evaluators; the total of a 2-and-4 out of 5 is 60. */
static void test_mean_sd_over_evaluators(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 1, 5 } };
	int group[] = { DT, DT };
	struct sc_score s[] = { { 0, 0, 0, 2 }, { 1, 0, 0, 4 } };
	struct sc_input in = { .n_resp = 1, .n_crit = 1, .n_eval = 2, .n_scores = 2,
	                       .crit = crit, .group = group, .scores = s };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.stats[0].mean, 3);
	NEAR(out.stats[0].sd, 1);
	assert_int_equal(out.stats[0].n, 2);
	NEAR(out.total[0], 60);
	scoring_result_free(&out);
}

/* Three design-team members give 5, one provider gives 1. Plain: mean 4,
 * sd sqrt(3). Balanced: each group weighs the same: mean 3, sd 2. */
static void test_balance_groups(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 1, 5 } };
	int group[] = { DT, DT, DT, PROVIDER };
	struct sc_score s[] = { { 0, 0, 0, 5 }, { 1, 0, 0, 5 }, { 2, 0, 0, 5 }, { 3, 0, 0, 1 } };
	struct sc_input in = { .n_resp = 1, .n_crit = 1, .n_eval = 4, .n_scores = 4,
	                       .crit = crit, .group = group, .scores = s };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.stats[0].mean, 4);
	NEAR(out.stats[0].sd, 1.7320508075688772);
	NEAR(out.total[0], 80);
	scoring_result_free(&out);

	in.balance_groups = 1;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.stats[0].mean, 3);
	NEAR(out.stats[0].sd, 2);
	assert_int_equal(out.stats[0].n, 4);
	NEAR(out.total[0], 60);
	scoring_result_free(&out);
}

/* Three groups: design team (2 members) 4 and 2, funder 5, provider 1:
 * group means 3, 5, 1 -> balanced mean 3. */
static void test_balance_three_groups(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 1, 5 } };
	int group[] = { DT, DT, FUNDER, PROVIDER };
	struct sc_score s[] = { { 0, 0, 0, 4 }, { 1, 0, 0, 2 }, { 2, 0, 0, 5 }, { 3, 0, 0, 1 } };
	struct sc_input in = { .n_resp = 1, .n_crit = 1, .n_eval = 4, .n_scores = 4,
	                       .crit = crit, .group = group, .scores = s, .balance_groups = 1 };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.stats[0].mean, 3);
	/* weights 1/2, 1/2, 1, 1 (sum 3): var = (0.5*1 + 0.5*1 + 4 + 4) / 3 = 3 */
	NEAR(out.stats[0].sd, 1.7320508075688772);
	scoring_result_free(&out);
}

/* A harsh (2, 1) and a lenient (5, 4) evaluator agree once normalised; a
 * flat evaluator (3, 3) contributes zeros. */
static void test_normalize(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 1, 5 } };
	int group[] = { DT, FUNDER, PROVIDER };
	struct sc_score s[] = {
		{ 0, 0, 0, 2 }, { 0, 1, 0, 1 },
		{ 1, 0, 0, 5 }, { 1, 1, 0, 4 },
		{ 2, 0, 0, 3 }, { 2, 1, 0, 3 },
	};
	struct sc_input in = { .n_resp = 2, .n_crit = 1, .n_eval = 3, .n_scores = 6,
	                       .crit = crit, .group = group, .scores = s, .normalize = 1 };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.stats[0].mean, 2.0 / 3);
	NEAR(out.stats[1].mean, -2.0 / 3);
	/* z values 1, 1, 0: sd sqrt(2/9) */
	NEAR(out.stats[0].sd, 0.4714045207910317);
	NEAR(out.total[0], 2.0 / 3);
	NEAR(out.total[1], -2.0 / 3);
	assert_int_equal(out.rank[0], 1);
	assert_int_equal(out.rank[1], 2);
	scoring_result_free(&out);

	/* Without normalisation the lenient evaluator dominates the raw means. */
	in.normalize = 0;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.stats[0].mean, 10.0 / 3);
	NEAR(out.stats[1].mean, 8.0 / 3);
	scoring_result_free(&out);
}

/* Normalisation works on fractions of each criterion's max, across criteria. */
static void test_normalize_across_criteria(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 1, 10 }, { 1, 5 } };
	int group[] = { DT };
	/* scaled: 1.0 and 0.6 -> mean 0.8, sd 0.2 -> z 1 and -1 */
	struct sc_score s[] = { { 0, 0, 0, 10 }, { 0, 0, 1, 3 } };
	struct sc_input in = { .n_resp = 1, .n_crit = 2, .n_eval = 1, .n_scores = 2,
	                       .crit = crit, .group = group, .scores = s, .normalize = 1 };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.stats[0].mean, 1);
	NEAR(out.stats[1].mean, -1);
	NEAR(out.total[0], 0);
	scoring_result_free(&out);
}

/* A recused evaluator's scores of that respondent do not count, and they
 * are done without scoring it. */
static void test_recusal(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 1, 5 } };
	int group[] = { DT, FUNDER };
	unsigned char recused[2 * 2] = { 0, 0, 1, 0 }; /* evaluator 1 recused from respondent 0 */
	struct sc_score s[] = { { 0, 0, 0, 3 }, { 1, 0, 0, 5 }, { 1, 1, 0, 4 } };
	struct sc_input in = { .n_resp = 2, .n_crit = 1, .n_eval = 2, .n_scores = 3, .crit = crit,
	                       .group = group, .scores = s, .recused = recused };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	assert_int_equal(out.stats[0].n, 1);
	NEAR(out.stats[0].mean, 3);
	assert_int_equal(out.stats[1].n, 1);
	NEAR(out.stats[1].mean, 4);
	assert_int_equal(out.done[0], 0); /* did not score respondent 1 */
	assert_int_equal(out.done[1], 1);
	assert_int_equal(out.evaluators_done, 1);
	assert_int_equal(out.rank[1], 1);
	assert_int_equal(out.rank[0], 2);
	scoring_result_free(&out);
}

/* A criterion nobody scored is left out of the total; a respondent nobody
 * scored has no total and no rank; an inactive respondent is not needed to
 * be done. */
static void test_missing_scores(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 3, 5 }, { 1, 5 } };
	int group[] = { DT };
	unsigned char active[] = { 1, 0 };
	struct sc_score s[] = { { 0, 0, 0, 5 } };
	struct sc_input in = { .n_resp = 2, .n_crit = 2, .n_eval = 1, .n_scores = 1,
	                       .crit = crit, .group = group, .scores = s, .active = active };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	NEAR(out.total[0], 100);
	assert_int_equal(out.has_total[0], 1);
	assert_int_equal(out.stats[1].n, 0);
	assert_int_equal(out.has_total[1], 0);
	assert_int_equal(out.rank[0], 1);
	assert_int_equal(out.rank[1], 0);
	assert_int_equal(out.evaluators_done, 0); /* criterion 1 of respondent 0 is missing */
	scoring_result_free(&out);

	struct sc_score s2[] = { { 0, 0, 0, 5 }, { 0, 0, 1, 4 } };
	in.scores = s2;
	in.n_scores = 2;
	assert_int_equal(scoring_compute(&in, &out), 0);
	assert_int_equal(out.evaluators_done, 1); /* respondent 1 is inactive */
	NEAR(out.total[0], 100.0 * (3 * 1.0 + 1 * 0.8) / 4);
	scoring_result_free(&out);
}

/* Equal totals share a rank and the next rank skips. */
static void test_ties_in_results(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 1, 5 } };
	int group[] = { DT };
	struct sc_score s[] = { { 0, 0, 0, 4 }, { 0, 1, 0, 4 }, { 0, 2, 0, 3 } };
	struct sc_input in = { .n_resp = 3, .n_crit = 1, .n_eval = 1, .n_scores = 3,
	                       .crit = crit, .group = group, .scores = s };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), 0);
	assert_int_equal(out.rank[0], 1);
	assert_int_equal(out.rank[1], 1);
	assert_int_equal(out.rank[2], 3);
	scoring_result_free(&out);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct sc_criterion crit[] = { { 1, 0 } };
	struct sc_criterion ok[] = { { 1, 5 } };
	int group[] = { DT }, bad_group[] = { 7 };
	struct sc_score s[] = { { 0, 3, 0, 4 } };
	struct sc_input in = { .n_resp = 1, .n_crit = 1, .n_eval = 1, .crit = crit, .group = group };
	struct sc_result out;
	assert_int_equal(scoring_compute(&in, &out), -1); /* max 0 */
	in.crit = ok;
	in.group = bad_group;
	assert_int_equal(scoring_compute(&in, &out), -1);
	in.group = group;
	in.scores = s;
	in.n_scores = 1;
	assert_int_equal(scoring_compute(&in, &out), -1); /* respondent 3 of 1 */
	in.n_scores = 0;
	in.n_resp = 0;
	assert_int_equal(scoring_compute(&in, &out), 0); /* nothing to score is fine */
	assert_int_equal(out.evaluators_done, 1);
	scoring_result_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_sd),
		cmocka_unit_test(test_rank_ties),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_mean_sd_over_evaluators),
		cmocka_unit_test(test_balance_groups),
		cmocka_unit_test(test_balance_three_groups),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_across_criteria),
		cmocka_unit_test(test_recusal),
		cmocka_unit_test(test_missing_scores),
		cmocka_unit_test(test_ties_in_results),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
