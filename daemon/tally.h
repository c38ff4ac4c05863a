/*
 * tally.h: the counting rules of decisions, with no SQL and no I/O: checking
 * a ballot's choice against the decision's kind and options, counting the
 * ballots (proposal, choice, approval, ranked choice by instant runoff,
 * consent by fist to five), applying quorum and threshold, and turning the
 * result into the protocol's tally object. The rules are documented in
 * docs/protocol.md; tests/unit/test_tally.c checks them on
 * hand-computed examples.
 */
#ifndef RT_TALLY_H
#define RT_TALLY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TALLY_MAX_OPTIONS 50

enum tally_kind { TK_PROPOSAL = 0, TK_CHOICE, TK_APPROVAL, TK_RANKED, TK_CONSENT };
enum tally_threshold { TT_MAJORITY = 0, TT_TWO_THIRDS, TT_UNANIMOUS, TT_NO_BLOCKS };
enum tally_outcome { TR_OPEN = 0, TR_PASSED, TR_FAILED, TR_TIED };
/* Proposal choices, in this order. */
enum tally_proposal { TP_AGREE = 0, TP_ABSTAIN, TP_DISAGREE, TP_BLOCK };
/* How an elimination tie in a ranked count was broken. */
enum tally_tiebreak { TB_NONE = 0, TB_MENTIONS, TB_POSITION };

/* One ballot as numbers. proposal: v[0] is a tally_proposal; choice: v[0]
 * the option index; approval: the approved option indexes; ranked: option
 * indexes from most to least preferred; consent: v[0] is 0 to 5. */
struct tally_ballot {
	int n;
	int v[TALLY_MAX_OPTIONS];
};

struct tally_input {
	int kind, threshold;
	int quorum;          /* percent of eligible voters, 0 to 100 */
	int n_options;       /* choice, approval, ranked */
	int64_t eligible;    /* voters (or organizations) who may vote */
	const struct tally_ballot *ballots;
	size_t n_ballots;
};

struct tally_round {
	int64_t counts[TALLY_MAX_OPTIONS];
	unsigned char continuing[TALLY_MAX_OPTIONS]; /* still in the count this round */
	int64_t exhausted;   /* ballots with no continuing option left */
	int eliminated;      /* option index dropped after this round, -1 if none */
	int tie_break;       /* tally_tiebreak used to pick it */
};

struct tally_result {
	int64_t cast;
	int quorum_met;
	int64_t counts[TALLY_MAX_OPTIONS]; /* per choice (proposal 4, consent 6) or option; ranked: round 1 */
	double mean;                       /* consent only */
	int n_rounds;                      /* ranked only */
	struct tally_round rounds[TALLY_MAX_OPTIONS];
	int result;                        /* TR_PASSED, TR_FAILED or TR_TIED: the outcome if closed now */
	int winner;                        /* option index when passed (choice, approval, ranked), else -1 */
	int n_tied;
	int tied[TALLY_MAX_OPTIONS];       /* option indexes tied at the top */
	const char *reason;                /* why it failed: static string or NULL */
};

/* Kind, threshold and proposal names <-> numbers; -1 when unknown. */
int tally_kind_from_name(const char *s);
const char *tally_kind_name(int kind);
int tally_threshold_from_name(const char *s);
const char *tally_threshold_name(int threshold);
/* The threshold a kind gets when none is given. */
int tally_default_threshold(int kind);

/* Checks a ballot's choice (JSON as sent) against the kind and options (a
 * JSON array of strings) and fills out. Returns 0, or -1 with a human reason
 * in why (why may be NULL). */
int tally_choice_parse(struct tally_ballot *out, int kind, const json_t *options, const json_t *choice,
                       char *why, size_t why_size);

/* Counts the ballots. Fills out (all of it) and returns 0; -1 on bad input. */
int tally_count(struct tally_result *out, const struct tally_input *in);

/* The protocol's tally object {eligible, cast, quorum_met, counts, rounds?,
 * mean?, outcome:{result, winner?, tied?, reason?}} of a count. When open
 * is set, outcome.result is "open" and the would-be outcome goes into
 * outcome.provisional. A new reference the caller owns. */
json_t *tally_to_json(const struct tally_result *res, const struct tally_input *in, const json_t *options,
                      int open);

/* The counting path of one ballot in a ranked count: a new JSON array
 * [{round, counted_for}] (counted_for null once exhausted). Caller owns it. */
json_t *tally_ranked_path(const struct tally_result *res, const struct tally_ballot *b, const json_t *options);

#endif
