/*
 * scoring.c: RFQ results arithmetic (see scoring.h for the definitions).
 * Pure functions of their input: no SQL, no JSON, no clock.
 */
#include "scoring.h"

#include <stdlib.h>
#include <string.h>

#define EPS 1e-9

/* Square root by Newton's method: the Makefile links no libm. */
static double sc_sqrt(double v)
{
	double x = v > 1 ? v : 1, prev = 0;
	if (!(v > 0))
		return 0;
	for (int i = 0; i < 200 && x != prev; i++) {
		prev = x;
		x = 0.5 * (x + v / x);
	}
	return x;
}

double scoring_mean_sd(const double *x, const double *w, size_t n, double *mean, double *sd)
{
	double sw = 0, sx = 0, ss = 0;
	for (size_t i = 0; i < n; i++) {
		double wi = w ? w[i] : 1.0;
		sw += wi;
		sx += wi * x[i];
	}
	if (sw <= 0) {
		*mean = *sd = 0;
		return 0;
	}
	*mean = sx / sw;
	for (size_t i = 0; i < n; i++) {
		double wi = w ? w[i] : 1.0, d = x[i] - *mean;
		ss += wi * d * d;
	}
	*sd = sc_sqrt(ss / sw);
	if (*sd < EPS)
		*sd = 0;
	return sw;
}

void scoring_rank(const double *total, const int *present, size_t n, int *rank)
{
	for (size_t i = 0; i < n; i++) {
		int above = 0;
		if (!present[i]) {
			rank[i] = 0;
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (present[j] && total[j] > total[i] + EPS)
				above++;
		rank[i] = 1 + above;
	}
}

void scoring_result_free(struct sc_result *out)
{
	if (!out)
		return;
	free(out->stats);
	free(out->total);
	free(out->has_total);
	free(out->rank);
	free(out->done);
	memset(out, 0, sizeof *out);
}

static int input_ok(const struct sc_input *in)
{
	for (size_t c = 0; c < in->n_crit; c++)
		if (in->crit[c].max < 1 || !(in->crit[c].weight > 0))
			return 0;
	for (size_t e = 0; e < in->n_eval; e++)
		if (in->group[e] < 0 || in->group[e] >= SCORING_GROUPS)
			return 0;
	for (size_t i = 0; i < in->n_scores; i++) {
		const struct sc_score *s = &in->scores[i];
		if (s->evaluator >= in->n_eval || s->respondent >= in->n_resp || s->criterion >= in->n_crit)
			return 0;
	}
	return 1;
}

static int is_recused(const struct sc_input *in, size_t e, size_t r)
{
	return in->recused && in->recused[e * in->n_resp + r];
}

int scoring_compute(const struct sc_input *in, struct sc_result *out)
{
	size_t nr = in->n_resp, nc = in->n_crit, ne = in->n_eval, ns = in->n_scores;
	size_t cells = nr * nc;
	double *val = NULL, *xs = NULL, *ws = NULL, *emean = NULL, *esd = NULL;
	size_t *start = NULL, *order = NULL, *fill = NULL;
	unsigned char *valid = NULL;
	int *count = NULL, gn[SCORING_GROUPS];
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (!input_ok(in))
		return -1;
	out->stats = calloc(cells ? cells : 1, sizeof *out->stats);
	out->total = calloc(nr ? nr : 1, sizeof *out->total);
	out->has_total = calloc(nr ? nr : 1, sizeof *out->has_total);
	out->rank = calloc(nr ? nr : 1, sizeof *out->rank);
	out->done = calloc(ne ? ne : 1, sizeof *out->done);
	val = calloc(ns ? ns : 1, sizeof *val);
	xs = calloc(ns ? ns : 1, sizeof *xs);
	ws = calloc(ns ? ns : 1, sizeof *ws);
	valid = calloc(ns ? ns : 1, 1);
	emean = calloc(ne ? ne : 1, sizeof *emean);
	esd = calloc(ne ? ne : 1, sizeof *esd);
	start = calloc(cells + 1, sizeof *start);
	fill = calloc(cells + 1, sizeof *fill);
	order = calloc(ns ? ns : 1, sizeof *order);
	count = calloc(ne * nr + 1, sizeof *count);
	if (!out->stats || !out->total || !out->has_total || !out->rank || !out->done || !val || !xs ||
	    !ws || !valid || !emean || !esd || !start || !fill || !order || !count)
		goto done;

	/* Scale to a fraction of the criterion's max; drop recused evaluators' scores. */
	for (size_t i = 0; i < ns; i++) {
		const struct sc_score *s = &in->scores[i];
		valid[i] = !is_recused(in, s->evaluator, s->respondent);
		val[i] = s->score / (double)in->crit[s->criterion].max;
	}
	if (in->normalize) {
		for (size_t e = 0; e < ne; e++) {
			size_t n = 0;
			for (size_t i = 0; i < ns; i++)
				if (valid[i] && in->scores[i].evaluator == e)
					xs[n++] = val[i];
			scoring_mean_sd(xs, NULL, n, &emean[e], &esd[e]);
		}
		for (size_t i = 0; i < ns; i++) {
			size_t e = in->scores[i].evaluator;
			val[i] = esd[e] > 0 ? (val[i] - emean[e]) / esd[e] : 0;
		}
	} else {
		for (size_t i = 0; i < ns; i++)
			val[i] = in->scores[i].score;
	}

	/* Bucket the valid scores by (respondent, criterion). */
	for (size_t i = 0; i < ns; i++)
		if (valid[i])
			start[in->scores[i].respondent * nc + in->scores[i].criterion + 1]++;
	for (size_t k = 0; k < cells; k++)
		start[k + 1] += start[k];
	for (size_t i = 0; i < ns; i++)
		if (valid[i]) {
			size_t k = in->scores[i].respondent * nc + in->scores[i].criterion;
			order[start[k] + fill[k]++] = i;
		}

	for (size_t r = 0; r < nr; r++) {
		double sum = 0, wsum = 0;
		for (size_t c = 0; c < nc; c++) {
			size_t k = r * nc + c, n = start[k + 1] - start[k];
			struct sc_stat *st = &out->stats[k];
			memset(gn, 0, sizeof gn);
			for (size_t j = 0; j < n; j++)
				gn[in->group[in->scores[order[start[k] + j]].evaluator]]++;
			for (size_t j = 0; j < n; j++) {
				size_t i = order[start[k] + j];
				xs[j] = val[i];
				ws[j] = in->balance_groups ? 1.0 / gn[in->group[in->scores[i].evaluator]] : 1.0;
			}
			st->n = (int)n;
			scoring_mean_sd(xs, ws, n, &st->mean, &st->sd);
			if (n) {
				double w = in->crit[c].weight;
				sum += w * (in->normalize ? st->mean : st->mean / in->crit[c].max);
				wsum += w;
			}
		}
		if (wsum > 0) {
			out->has_total[r] = 1;
			out->total[r] = in->normalize ? sum / wsum : 100.0 * sum / wsum;
		}
	}
	scoring_rank(out->total, out->has_total, nr, out->rank);

	/* Done: every criterion of every active respondent one is not recused from. */
	for (size_t i = 0; i < ns; i++)
		if (valid[i])
			count[in->scores[i].evaluator * nr + in->scores[i].respondent]++;
	for (size_t e = 0; e < ne; e++) {
		int ok = 1;
		for (size_t r = 0; r < nr && ok; r++) {
			if (is_recused(in, e, r) || (in->active && !in->active[r]))
				continue;
			if ((size_t)count[e * nr + r] < nc)
				ok = 0;
		}
		out->done[e] = ok;
		out->evaluators_done += ok;
	}
	rc = 0;
done:
	if (rc)
		scoring_result_free(out);
	free(val);
	free(xs);
	free(ws);
	free(valid);
	free(emean);
	free(esd);
	free(start);
	free(fill);
	free(order);
	free(count);
	return rc;
}
