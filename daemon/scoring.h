/*
 * scoring.h: the arithmetic of RFQ results, with no SQL and no JSON: per
 * respondent and criterion the mean, standard deviation and count of the
 * evaluators' scores, a weighted total per respondent and a rank with ties
 * shown as ties. Two options: balance_groups (each stakeholder group weighs
 * the same in every mean, however many evaluators it has) and normalize
 * (each evaluator's scores become z-scores first, so a harsh and a lenient
 * evaluator count the same). Scores of an evaluator recused from a
 * respondent are ignored.
 *
 * Definitions (docs/protocol.md repeats them):
 *   - A score x of criterion c is first scaled to x / max_c. With normalize,
 *     each evaluator's scaled scores (all respondents, all criteria) become
 *     z = (x - m_e) / s_e, with m_e and s_e their mean and population standard
 *     deviation; an evaluator whose scores are all equal (s_e = 0) gets z = 0.
 *   - mean and sd of (respondent, criterion): weighted mean and weighted
 *     population standard deviation. Without balance_groups every score
 *     weighs 1; with it a score of group g weighs 1 / n_g, n_g the number of
 *     scores of that group for this respondent and criterion (so each group
 *     present weighs the same). Without normalize the mean and sd are in the
 *     criterion's points (0..max); with normalize in z units.
 *   - total: without normalize, 100 * sum_c w_c * mean_c / max_c / sum_c w_c
 *     (a percentage of the best possible); with normalize, the weighted
 *     mean of the criterion means, sum_c w_c * mean_c / sum_c w_c. Only
 *     criteria with at least one score count; no score at all: no total.
 *   - rank: 1 + the number of respondents with a strictly greater total
 *     (ties share a rank: 1, 1, 3); no total: no rank.
 */
#ifndef RT_SCORING_H
#define RT_SCORING_H

#include <stddef.h>

#define SCORING_GROUPS 3 /* design_team, funder, provider */

struct sc_criterion {
	double weight; /* > 0 */
	int max;       /* >= 1 */
};

struct sc_score {
	size_t evaluator, respondent, criterion; /* indexes into the input arrays */
	double score;
};

struct sc_input {
	size_t n_resp, n_crit, n_eval, n_scores;
	const struct sc_criterion *crit; /* n_crit */
	const int *group;                /* n_eval: 0..SCORING_GROUPS-1 */
	const struct sc_score *scores;   /* n_scores; at most one per (evaluator, respondent, criterion) */
	const unsigned char *recused;    /* n_eval * n_resp, [e * n_resp + r]; NULL: nobody */
	const unsigned char *active;     /* n_resp: to be scored (has answered); NULL: all */
	int balance_groups, normalize;
};

struct sc_stat {
	double mean, sd;
	int n; /* scores counted; 0: mean and sd are meaningless */
};

struct sc_result {
	struct sc_stat *stats; /* n_resp * n_crit, [r * n_crit + c] */
	double *total;         /* n_resp */
	int *has_total;        /* n_resp */
	int *rank;             /* n_resp; 0: no rank */
	int *done;             /* n_eval: scored every criterion of every active, not recused respondent */
	int evaluators_done;
};

/* Computes the results. out's arrays are allocated here; free them with
 * scoring_result_free. Returns 0, or -1 on bad input or no memory (then out
 * holds nothing to free). */
int scoring_compute(const struct sc_input *in, struct sc_result *out);
/* Frees the arrays of a result (accepts a zeroed or freed one). */
void scoring_result_free(struct sc_result *out);

/* Weighted mean and population standard deviation of n values (weights NULL:
 * all 1). Returns the total weight (0: mean and sd set to 0). */
double scoring_mean_sd(const double *x, const double *w, size_t n, double *mean, double *sd);
/* Competition ranks of n totals, highest first: rank[i] = 1 + the number of
 * present totals strictly greater (within 1e-9); absent totals get 0. */
void scoring_rank(const double *total, const int *present, size_t n, int *rank);

#endif
