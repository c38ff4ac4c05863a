/*
 * tally.c: the counting rules of decisions (see tally.h and
 * docs/protocol.md, "Counting rules"). Pure functions: ballots in,
 * counts and outcome out.
 */
#include "tally.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = { "proposal", "choice", "approval", "ranked", "consent" };
static const char *const threshold_names[] = { "majority", "two_thirds", "unanimous", "no_blocks" };
static const char *const proposal_names[] = { "agree", "abstain", "disagree", "block" };
static const char *const result_names[] = { "open", "passed", "failed", "tied" };

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int tally_kind_from_name(const char *s)
{
	return name_index(kind_names, N_OF(kind_names), s);
}

const char *tally_kind_name(int kind)
{
	return kind >= 0 && kind < N_OF(kind_names) ? kind_names[kind] : "?";
}

int tally_threshold_from_name(const char *s)
{
	return name_index(threshold_names, N_OF(threshold_names), s);
}

const char *tally_threshold_name(int threshold)
{
	return threshold >= 0 && threshold < N_OF(threshold_names) ? threshold_names[threshold] : "?";
}

int tally_default_threshold(int kind)
{
	return kind == TK_CONSENT ? TT_NO_BLOCKS : TT_MAJORITY;
}

static int fail_why(char *why, size_t size, const char *msg)
{
	if (why && size)
		snprintf(why, size, "%s", msg);
	return -1;
}

/* The index of a string among the options, -1 if none. */
static int option_index(const json_t *options, const json_t *v)
{
	size_t i;
	json_t *o;
	if (!json_is_string(v))
		return -1;
	json_array_foreach(options, i, o)
		if (strcmp(json_string_value(o), json_string_value(v)) == 0)
			return (int)i;
	return -1;
}

/* An array of distinct options into out; allow_partial 1 (ranked may leave
 * options out), empty arrays refused. */
static int parse_option_list(struct tally_ballot *out, const json_t *options, const json_t *choice,
                             char *why, size_t size)
{
	unsigned char seen[TALLY_MAX_OPTIONS] = { 0 };
	size_t i;
	json_t *v;

	if (!json_is_array(choice) || json_array_size(choice) == 0)
		return fail_why(why, size, "choice must be a non-empty array of options");
	if (json_array_size(choice) > json_array_size(options))
		return fail_why(why, size, "choice names more options than the decision has");
	json_array_foreach(choice, i, v) {
		int k = option_index(options, v);
		if (k < 0)
			return fail_why(why, size, "choice names something that is not one of the options");
		if (seen[k])
			return fail_why(why, size, "choice names an option twice");
		seen[k] = 1;
		out->v[out->n++] = k;
	}
	return 0;
}

int tally_choice_parse(struct tally_ballot *out, int kind, const json_t *options, const json_t *choice,
                       char *why, size_t size)
{
	int k;

	memset(out, 0, sizeof *out);
	switch (kind) {
	case TK_PROPOSAL:
		if ((k = json_is_string(choice) ? name_index(proposal_names, 4, json_string_value(choice)) : -1) < 0)
			return fail_why(why, size, "choice must be one of agree, abstain, disagree, block");
		out->v[out->n++] = k;
		return 0;
	case TK_CHOICE:
		if ((k = option_index(options, choice)) < 0)
			return fail_why(why, size, "choice must be one of the options (a string)");
		out->v[out->n++] = k;
		return 0;
	case TK_APPROVAL:
	case TK_RANKED:
		return parse_option_list(out, options, choice, why, size);
	case TK_CONSENT:
		if (!json_is_integer(choice) || json_integer_value(choice) < 0 || json_integer_value(choice) > 5)
			return fail_why(why, size, "choice must be an integer from 0 (block) to 5 (full support)");
		out->v[out->n++] = (int)json_integer_value(choice);
		return 0;
	}
	return fail_why(why, size, "unknown kind");
}

/* The threshold on the top share: top of total. no_blocks is a plurality. */
static int share_met(int threshold, int64_t top, int64_t total)
{
	switch (threshold) {
	case TT_MAJORITY: return 2 * top > total;
	case TT_TWO_THIRDS: return 3 * top >= 2 * total;
	case TT_UNANIMOUS: return top == total;
	default: return top > 0;
	}
}

static void count_proposal(struct tally_result *out, const struct tally_input *in)
{
	int64_t agree = out->counts[TP_AGREE], block = out->counts[TP_BLOCK];
	int64_t against = out->counts[TP_DISAGREE] + block;

	out->result = TR_FAILED;
	switch (in->threshold) {
	case TT_MAJORITY:
		if (agree > against)
			out->result = TR_PASSED;
		else if (agree == against && agree > 0)
			out->result = TR_TIED;
		break;
	case TT_TWO_THIRDS:
		if (agree > 0 && 3 * agree >= 2 * (agree + against))
			out->result = TR_PASSED;
		break;
	case TT_UNANIMOUS:
		if (agree > 0 && against == 0)
			out->result = TR_PASSED;
		break;
	case TT_NO_BLOCKS:
		if (agree > 0 && block == 0)
			out->result = TR_PASSED;
		break;
	}
	if (out->result == TR_FAILED)
		out->reason = block > 0 && in->threshold != TT_MAJORITY && in->threshold != TT_TWO_THIRDS
		              ? "blocked" : "threshold_not_met";
}

static void count_consent(struct tally_result *out, const struct tally_input *in)
{
	int64_t support = out->counts[3] + out->counts[4] + out->counts[5], block = out->counts[0];
	int64_t other = out->cast - support, sum = 0;

	for (int i = 0; i <= 5; i++)
		sum += i * out->counts[i];
	out->mean = out->cast ? (double)sum / (double)out->cast : 0.0;
	out->result = TR_FAILED;
	switch (in->threshold) {
	case TT_MAJORITY:
		if (support > other)
			out->result = TR_PASSED;
		else if (support == other && support > 0)
			out->result = TR_TIED;
		break;
	case TT_TWO_THIRDS:
		if (support > 0 && 3 * support >= 2 * out->cast)
			out->result = TR_PASSED;
		break;
	case TT_UNANIMOUS:
		if (support > 0 && support == out->cast)
			out->result = TR_PASSED;
		break;
	case TT_NO_BLOCKS:
		if (block == 0 && out->cast > 0)
			out->result = TR_PASSED;
		break;
	}
	if (out->result == TR_FAILED)
		out->reason = block > 0 && in->threshold == TT_NO_BLOCKS ? "blocked" : "threshold_not_met";
}

/* Choice and approval: the option(s) with the most votes; a tie at the top is
 * "tied", otherwise the threshold decides. */
static void count_top(struct tally_result *out, const struct tally_input *in)
{
	int64_t top = 0;
	for (int i = 0; i < in->n_options; i++)
		if (out->counts[i] > top)
			top = out->counts[i];
	out->n_tied = 0;
	for (int i = 0; i < in->n_options && top > 0; i++)
		if (out->counts[i] == top)
			out->tied[out->n_tied++] = i;
	if (top == 0) {
		out->result = TR_FAILED;
		out->reason = "threshold_not_met";
		out->n_tied = 0;
	} else if (out->n_tied > 1) {
		out->result = TR_TIED;
	} else if (share_met(in->threshold, top, out->cast)) {
		out->result = TR_PASSED;
		out->winner = out->tied[0];
		out->n_tied = 0;
	} else {
		out->result = TR_FAILED;
		out->reason = "threshold_not_met";
		out->n_tied = 0;
	}
}

/* Instant runoff. Each round counts every ballot for its highest-ranked
 * option still in the count. An option with more than half of the
 * continuing ballots wins. If every remaining option has the same count, the
 * count ends tied. Otherwise the option with the fewest votes is eliminated;
 * among several, the one with the fewest mentions (ballots ranking it at any
 * place), then the one listed last in options. */
static void count_ranked(struct tally_result *out, const struct tally_input *in)
{
	unsigned char cont[TALLY_MAX_OPTIONS];
	int64_t mentions[TALLY_MAX_OPTIONS] = { 0 };
	int n = in->n_options;

	for (int i = 0; i < n; i++)
		cont[i] = 1;
	for (size_t b = 0; b < in->n_ballots; b++)
		for (int j = 0; j < in->ballots[b].n; j++)
			mentions[in->ballots[b].v[j]]++;
	out->result = TR_FAILED;
	out->reason = "threshold_not_met";
	for (int r = 0; r < n; r++) {
		struct tally_round *rd = &out->rounds[out->n_rounds++];
		int64_t total, min = -1, first = -1;
		int n_min = 0, pick = -1, all_equal = 1;

		memcpy(rd->continuing, cont, sizeof cont);
		rd->eliminated = -1;
		for (size_t b = 0; b < in->n_ballots; b++) {
			int top = -1;
			for (int j = 0; j < in->ballots[b].n && top < 0; j++)
				if (cont[in->ballots[b].v[j]])
					top = in->ballots[b].v[j];
			if (top < 0)
				rd->exhausted++;
			else
				rd->counts[top]++;
		}
		if (r == 0)
			memcpy(out->counts, rd->counts, sizeof out->counts);
		total = out->cast - rd->exhausted;
		if (total == 0)
			break;
		for (int i = 0; i < n; i++) {
			if (!cont[i])
				continue;
			if (2 * rd->counts[i] > total) {
				out->winner = i;
				break;
			}
			if (first < 0)
				first = rd->counts[i];
			else if (rd->counts[i] != first)
				all_equal = 0;
			if (min < 0 || rd->counts[i] < min)
				min = rd->counts[i];
		}
		if (out->winner >= 0) {
			int64_t votes = rd->counts[out->winner];
			/* majority and no_blocks: the instant-runoff winner; two_thirds and
			 * unanimous: a share of every ballot cast, exhausted ones included */
			if (in->threshold == TT_MAJORITY || in->threshold == TT_NO_BLOCKS ||
			    share_met(in->threshold, votes, out->cast)) {
				out->result = TR_PASSED;
				out->reason = NULL;
			} else {
				out->winner = -1;
			}
			break;
		}
		if (all_equal) {
			out->result = TR_TIED;
			out->reason = NULL;
			for (int i = 0; i < n; i++)
				if (cont[i])
					out->tied[out->n_tied++] = i;
			break;
		}
		for (int i = 0; i < n; i++)
			if (cont[i] && rd->counts[i] == min)
				n_min++;
		rd->tie_break = n_min > 1 ? TB_MENTIONS : TB_NONE;
		if (n_min > 1) {
			int64_t least = -1;
			int n_least = 0;
			for (int i = 0; i < n; i++)
				if (cont[i] && rd->counts[i] == min && (least < 0 || mentions[i] < least))
					least = mentions[i];
			for (int i = 0; i < n; i++)
				if (cont[i] && rd->counts[i] == min && mentions[i] == least) {
					n_least++;
					pick = i; /* the last listed of them */
				}
			if (n_least > 1)
				rd->tie_break = TB_POSITION;
		} else {
			for (int i = 0; i < n; i++)
				if (cont[i] && rd->counts[i] == min)
					pick = i;
		}
		rd->eliminated = pick;
		cont[pick] = 0;
	}
}

int tally_count(struct tally_result *out, const struct tally_input *in)
{
	memset(out, 0, sizeof *out);
	out->winner = -1;
	if (in->kind < TK_PROPOSAL || in->kind > TK_CONSENT || in->n_options < 0 ||
	    in->n_options > TALLY_MAX_OPTIONS || in->threshold < TT_MAJORITY || in->threshold > TT_NO_BLOCKS)
		return -1;
	out->cast = (int64_t)in->n_ballots;
	for (size_t b = 0; b < in->n_ballots; b++) {
		const struct tally_ballot *bl = &in->ballots[b];
		int limit = in->kind == TK_PROPOSAL ? 4 : in->kind == TK_CONSENT ? 6 : in->n_options;
		if (bl->n < 1 || bl->n > TALLY_MAX_OPTIONS)
			return -1;
		for (int j = 0; j < bl->n; j++)
			if (bl->v[j] < 0 || bl->v[j] >= limit)
				return -1;
		if (in->kind == TK_APPROVAL)
			for (int j = 0; j < bl->n; j++)
				out->counts[bl->v[j]]++;
		else if (in->kind != TK_RANKED)
			out->counts[bl->v[0]]++;
	}
	/* quorum exactly at the line is met */
	out->quorum_met = out->cast * 100 >= (int64_t)in->quorum * in->eligible;
	switch (in->kind) {
	case TK_PROPOSAL: count_proposal(out, in); break;
	case TK_CONSENT: count_consent(out, in); break;
	case TK_RANKED: count_ranked(out, in); break;
	default: count_top(out, in); break;
	}
	if (out->cast == 0) {
		out->result = TR_FAILED;
		out->reason = "no_ballots";
		out->winner = -1;
		out->n_tied = 0;
	}
	if (!out->quorum_met) {
		out->result = TR_FAILED;
		out->reason = "quorum_not_met";
		out->winner = -1;
		out->n_tied = 0;
	}
	return 0;
}

static const char *option_name(const json_t *options, int i)
{
	return json_string_value(json_array_get(options, (size_t)i));
}

/* {name: count} for the kind. */
static json_t *counts_json(const int64_t *counts, const struct tally_input *in, const json_t *options)
{
	json_t *o = json_object();
	char key[4];
	if (in->kind == TK_PROPOSAL) {
		for (int i = 0; i < 4; i++)
			json_object_set_new(o, proposal_names[i], json_integer(counts[i]));
	} else if (in->kind == TK_CONSENT) {
		for (int i = 0; i <= 5; i++) {
			snprintf(key, sizeof key, "%d", i);
			json_object_set_new(o, key, json_integer(counts[i]));
		}
	} else {
		for (int i = 0; i < in->n_options; i++)
			json_object_set_new(o, option_name(options, i), json_integer(counts[i]));
	}
	return o;
}

static json_t *outcome_json(const struct tally_result *res, const json_t *options)
{
	json_t *o = json_pack("{s:s}", "result", result_names[res->result]);
	if (res->winner >= 0)
		json_object_set_new(o, "winner", json_string(option_name(options, res->winner)));
	if (res->result == TR_TIED && res->n_tied > 0) {
		json_t *t = json_array();
		for (int i = 0; i < res->n_tied; i++)
			json_array_append_new(t, json_string(option_name(options, res->tied[i])));
		json_object_set_new(o, "tied", t);
	}
	if (res->reason)
		json_object_set_new(o, "reason", json_string(res->reason));
	return o;
}

json_t *tally_to_json(const struct tally_result *res, const struct tally_input *in, const json_t *options,
                      int open)
{
	json_t *t = json_pack("{s:I, s:I, s:b, s:o}", "eligible", (json_int_t)in->eligible,
	                      "cast", (json_int_t)res->cast, "quorum_met", res->quorum_met,
	                      "counts", counts_json(res->counts, in, options));
	if (in->kind == TK_CONSENT)
		json_object_set_new(t, "mean", json_real(res->mean));
	if (in->kind == TK_RANKED) {
		static const char *const tb[] = { NULL, "mentions", "position" };
		json_t *rounds = json_array();
		for (int r = 0; r < res->n_rounds; r++) {
			const struct tally_round *rd = &res->rounds[r];
			json_t *counts = json_object();
			for (int i = 0; i < in->n_options; i++)
				if (rd->continuing[i])
					json_object_set_new(counts, option_name(options, i), json_integer(rd->counts[i]));
			json_array_append_new(rounds, json_pack("{s:i, s:o, s:I, s:o, s:o}", "round", r + 1,
			        "counts", counts, "exhausted", (json_int_t)rd->exhausted,
			        "eliminated", rd->eliminated >= 0 ? json_string(option_name(options, rd->eliminated)) : json_null(),
			        "tie_break", tb[rd->tie_break] ? json_string(tb[rd->tie_break]) : json_null()));
		}
		json_object_set_new(t, "rounds", rounds);
	}
	if (open)
		json_object_set_new(t, "outcome", json_pack("{s:s, s:o}", "result", "open",
		                                            "provisional", outcome_json(res, options)));
	else
		json_object_set_new(t, "outcome", outcome_json(res, options));
	return t;
}

json_t *tally_ranked_path(const struct tally_result *res, const struct tally_ballot *b, const json_t *options)
{
	json_t *path = json_array();
	for (int r = 0; r < res->n_rounds; r++) {
		int top = -1;
		for (int j = 0; j < b->n && top < 0; j++)
			if (res->rounds[r].continuing[b->v[j]])
				top = b->v[j];
		json_array_append_new(path, json_pack("{s:i, s:o}", "round", r + 1, "counted_for",
		                                      top >= 0 ? json_string(option_name(options, top)) : json_null()));
	}
	return path;
}
