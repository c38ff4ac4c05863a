/*
 * store_decisions.h: the SQL of decisions: the decisions themselves, their
 * ballots (open and secret), the secret decisions' "has voted" tags, replaced
 * receipts, the sealed idempotency records of secret casts, the database
 * secret, and MOU adoptions. The rules live in daemon/decisions.c and
 * daemon/tally.c; nothing here decides anything. Functions return RT_OK or
 * an rt_err.
 */
#ifndef RT_STORE_DECISIONS_H
#define RT_STORE_DECISIONS_H

#include "db.h"
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One decision. The string pointers are malloc'd (decision_row_clear frees
 * them); for store_decision_create they are borrowed. */
struct decision_row {
	int64_t id, coalition_id, created_by, closed_by, mou_id;
	char kind[16], threshold[16], results[16], status[8];
	char closes_at[21], created_at[21], closed_at[21];
	unsigned eligible_roles;
	int quorum, secret, per_organization, has_mou, is_open;
	char commit[72];
	char *title, *body, *options, *outcome_statement, *tally;
	char *html, *outcome_statement_html; /* rendered when written (NULL: none) */
};

/* One ballot. Strings are malloc'd by the readers (ballot_row_clear frees
 * them) and borrowed by store_ballot_insert. member_id 0 for a secret ballot. */
struct ballot_row {
	unsigned char ballot_id[32];
	int64_t member_id;
	char *unit, *organization, *choice, *reason;
	unsigned char owner[32];
	int has_owner;
	char cast_at[21];
};

/* Frees the strings of a row (not the row); accepts NULL. */
void decision_row_clear(struct decision_row *d);
void ballot_row_clear(struct ballot_row *b);

/* Inserts a decision (status open, created_at now); *out_id its id. */
int store_decision_create(struct db *db, const struct decision_row *d, int64_t *out_id);
/* Reads a decision; RT_ENOTFOUND if none. Clear *out afterwards. */
int store_decision_get(struct db *db, int64_t id, struct decision_row *out);
/* Ids of the coalition's decisions, newest first; status "open", "closed"
 * or NULL for all. *ids is malloc'd (caller frees). */
int store_decision_ids(struct db *db, int64_t coalition_id, const char *status, int64_t **ids, size_t *n);
/* Ids of open decisions whose closes_at <= now, at most max. */
int store_decisions_due(struct db *db, const char *now, int64_t *ids, size_t max, size_t *n);
/* Closes an open decision. RT_ECLOSED if it was not open. closed_by 0: the timer. */
int store_decision_close(struct db *db, int64_t id, int64_t closed_by, const char *outcome_statement,
                         const char *tally_json);

/* How many voters may vote: members of the coalition with any of roles; with
 * per_organization, distinct organizations (a member without one counts alone). */
int store_decision_eligible(struct db *db, int64_t coalition_id, unsigned roles, int per_organization,
                            int64_t *out);

/* The database secret of the keyed hashes: RT_ENOTFOUND until put. */
int store_decision_secret_get(struct db *db, unsigned char key[32]);
int store_decision_secret_put(struct db *db, const unsigned char key[32]);

/* Secret decisions' "has voted" tags. has: 1 if present. */
int store_voter_has(struct db *db, int64_t decision_id, const unsigned char tag[32], int *has);
int store_voter_add(struct db *db, int64_t decision_id, const unsigned char tag[32]);
/* How many tags (ballots) a secret decision has. */
int store_voter_count(struct db *db, int64_t decision_id, int64_t *n);

/* How many ballots a decision holds now. */
int store_ballot_count(struct db *db, int64_t decision_id, int64_t *n);

/* Ballots. RT_ENOTFOUND when absent. */
int store_ballot_by_id(struct db *db, int64_t decision_id, const unsigned char ballot_id[32],
                       struct ballot_row *out);
int store_ballot_by_unit(struct db *db, int64_t decision_id, const char *unit, struct ballot_row *out);
/* An open ballot cast by this member (whatever unit it was cast for). */
int store_ballot_by_member(struct db *db, int64_t decision_id, int64_t member_id, struct ballot_row *out);
int store_ballot_insert(struct db *db, int64_t decision_id, const struct ballot_row *b);
int store_ballot_delete(struct db *db, int64_t decision_id, const unsigned char ballot_id[32]);
/* Calls fn for each ballot of the decision: open ballots by cast time,
 * secret ones in ballot id (random) order. The row is valid during fn only. */
typedef int (*ballot_fn)(const struct ballot_row *b, void *ud);
int store_ballots_each(struct db *db, int64_t decision_id, ballot_fn fn, void *ud);

/* Replaced receipts. */
int store_replaced_add(struct db *db, int64_t decision_id, const unsigned char ballot_id[32]);
int store_replaced_has(struct db *db, int64_t decision_id, const unsigned char ballot_id[32], int *has);

/* Sealed idempotency records of secret casts: *sealed malloc'd (caller frees),
 * NULL when none. */
int store_decision_idem_get(struct db *db, int64_t decision_id, const unsigned char tag[32],
                            unsigned char **sealed, size_t *len);
int store_decision_idem_put(struct db *db, int64_t decision_id, const unsigned char tag[32],
                            const unsigned char *sealed, size_t len);

/* Rewrites a secret decision's ballots and "has voted" tags in key (random)
 * order, so the order cells were written in no longer follows the order
 * voters cast (best effort against forensics of the database file; see
 * docs/protocol.md). Call inside a write transaction. */
int store_decision_scrub(struct db *db, int64_t decision_id);

/* Records that a passing decision adopted an MOU commit. */
int store_adoption_add(struct db *db, int64_t decision_id, int64_t coalition_id, int64_t mou_id,
                       const char *commit);

#endif
