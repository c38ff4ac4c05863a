/*
 * store_rfq.h: the SQL of hub selection RFQs (storage/schema/005-rfq.sql):
 * the RFQ, its questions, criteria and addenda, respondents (known by the
 * SHA-256 of their link token), answers, clarifications, evaluators,
 * conflict-of-interest declarations, scores and the selection. Functions
 * return RT_OK or an rt_err (RT_ENOTFOUND when a row does not exist); json_t
 * results belong to the caller. No rule is checked here: daemon/rfq.c
 * decides who may do what and when.
 */
#ifndef RT_STORE_RFQ_H
#define RT_STORE_RFQ_H

#include "db.h"
#include <jansson.h>

/* The fields of an RFQ the rules need. */
struct rfq_row {
	int64_t id, coalition_id;
	char status[12];   /* draft, published, closed, decided */
	char closes_at[21];
};

/* Creates a draft RFQ. */
int store_rfq_create(struct db *db, int64_t coalition_id, const char *title, const char *body,
                     const char *closes_at, int64_t created_by, int64_t *out_id);
/* Changes title, body and closes_at; NULL keeps a field. */
int store_rfq_update(struct db *db, int64_t id, const char *title, const char *body,
                     const char *closes_at);
/* Reads the rule fields of an RFQ. */
int store_rfq_row(struct db *db, int64_t id, struct rfq_row *out);
/* Sets the status and stamps published_at, closed_at or decided_at with at
 * (note: the decision note, kept only for "decided"). */
int store_rfq_set_status(struct db *db, int64_t id, const char *status, const char *at,
                         const char *note);
/* The ids of published RFQs whose closes_at is at or before now, oldest
 * first, at most max of them, into ids; *n is how many. */
int store_rfq_due(struct db *db, const char *now, int64_t *ids, int max, int *n);

/* The RFQ as {id, title, body, status, closes_at, created_by, created_at,
 * published_at, closed_at, decided_at, note, questions: [{id, section, text,
 * addendum}], criteria: [{id, name, description, weight, max}],
 * addenda: [{id, text, at}]}. */
int store_rfq_json(struct db *db, int64_t id, json_t **out);
/* [{id, title, status, closes_at, created_at}] of a coalition, newest first. */
int store_rfq_list(struct db *db, int64_t coalition_id, json_t **out);

/* Questions and criteria. addendum_id 0: part of the original RFQ. */
int store_rfq_question_add(struct db *db, int64_t rfq_id, const char *section, const char *text,
                           int64_t addendum_id, int64_t *out_id);
int store_rfq_criterion_add(struct db *db, int64_t rfq_id, const char *name, const char *description,
                            double weight, int max, int64_t *out_id);
/* Removes every question (or criterion) of a draft. */
int store_rfq_questions_clear(struct db *db, int64_t rfq_id);
int store_rfq_criteria_clear(struct db *db, int64_t rfq_id);
/* RT_OK if the question (criterion) belongs to the RFQ; *max gets the criterion's max. */
int store_rfq_question_of(struct db *db, int64_t rfq_id, int64_t question_id);
int store_rfq_criterion_of(struct db *db, int64_t rfq_id, int64_t criterion_id, int *max);
int store_rfq_addendum_add(struct db *db, int64_t rfq_id, const char *text, int64_t by, int64_t *out_id);
/* The HTML stored with an addendum's text (rendered when written), as a new JSON string. */
int store_rfq_addendum_html(struct db *db, int64_t id, json_t **out);

/* Respondents. */
struct rfq_respondent {
	int64_t id, rfq_id;
	int final;          /* submitted as final */
	char organization[256];
};
int store_rfq_respondent_add(struct db *db, int64_t rfq_id, const char *organization, const char *email,
                             const unsigned char hash[32], int64_t by, int64_t *out_id);
int store_rfq_respondent_by_hash(struct db *db, const unsigned char hash[32], struct rfq_respondent *out);
int store_rfq_respondent_get(struct db *db, int64_t id, struct rfq_respondent *out);
/* {id, organization, email, invited_at, final_at, selected} of one respondent. */
int store_rfq_respondent_json(struct db *db, int64_t id, json_t **out);
/* [{id, organization, email, invited_at, final_at, answered, selected}] of an RFQ
 * (answered: how many questions have an answer). */
int store_rfq_respondents_json(struct db *db, int64_t rfq_id, json_t **out);
int store_rfq_respondent_finalize(struct db *db, int64_t id, const char *at);
int store_rfq_respondent_select(struct db *db, int64_t id);
/* Counts: respondents invited, those with at least one answer, those final. */
int store_rfq_counts(struct db *db, int64_t rfq_id, int *invited, int *answered, int *final);

/* Answers: an empty body removes the answer. */
int store_rfq_answer_put(struct db *db, int64_t respondent_id, int64_t question_id, const char *body,
                         const char *at);
/* [{question, body, updated_at}] of one respondent, in question order. */
int store_rfq_answers_json(struct db *db, int64_t respondent_id, json_t **out);
/* [{respondent, organization, final_at, answers: [{question, body, updated_at}]}]
 * of every respondent of the RFQ; question_id 0: all questions, else only that one. */
int store_rfq_responses_json(struct db *db, int64_t rfq_id, int64_t question_id, json_t **out);

/* Clarifications. */
int store_rfq_clarification_add(struct db *db, int64_t rfq_id, int64_t respondent_id, const char *question,
                                const char *at, int64_t *out_id);
/* How many of the respondent's clarifications have no answer yet. */
int store_rfq_clarifications_open(struct db *db, int64_t respondent_id, int *n);
/* The RFQ of a clarification and whether it is answered. */
int store_rfq_clarification_get(struct db *db, int64_t id, int64_t *rfq_id, int *answered);
int store_rfq_clarification_answer(struct db *db, int64_t id, const char *answer, int64_t by, const char *at);
/* [{id, question, asked_at, answer, answered_at}]; answered_only: those with an answer.
 * The asking respondent is never included. */
int store_rfq_clarifications_json(struct db *db, int64_t rfq_id, int answered_only, json_t **out);
/* One clarification in that shape. */
int store_rfq_clarification_json(struct db *db, int64_t id, json_t **out);

/* Evaluators. group: design_team, funder or provider. Assigning again changes the group. */
int store_rfq_evaluator_set(struct db *db, int64_t rfq_id, int64_t member_id, const char *group, int64_t by);
/* The evaluator's group into buf (>= 16 bytes); RT_ENOTFOUND if not assigned. */
int store_rfq_evaluator_group(struct db *db, int64_t rfq_id, int64_t member_id, char *buf, size_t size);
/* [{member, name, group}] by name. */
int store_rfq_evaluators_json(struct db *db, int64_t rfq_id, json_t **out);

/* Conflicts of interest: declaring again replaces the reason. Declaring
 * removes the member's scores of that respondent. */
int store_rfq_coi_declare(struct db *db, int64_t rfq_id, int64_t member_id, int64_t respondent_id,
                          const char *reason, const char *at);
/* 1 if the member is recused from the respondent, 0 if not, -1 if the read
 * failed: callers take any non-zero as recused, so a failure never shows a
 * recused evaluator what they may not see nor takes their score. */
int store_rfq_coi_has(struct db *db, int64_t rfq_id, int64_t member_id, int64_t respondent_id);
/* [{member, name, respondent, reason, declared_at}]; member_id 0: everyone's. */
int store_rfq_coi_json(struct db *db, int64_t rfq_id, int64_t member_id, json_t **out);

/* Scores: submitting again replaces the score and comment. */
int store_rfq_score_put(struct db *db, int64_t rfq_id, int64_t member_id, int64_t respondent_id,
                        int64_t criterion_id, int score, const char *comment, const char *at);
/* [{evaluator, name, group, respondent, organization, criterion, criterion_name,
 * score, comment, updated_at}] in respondent, criterion, evaluator order. */
int store_rfq_scores_json(struct db *db, int64_t rfq_id, json_t **out);
/* How many criteria the member has scored for the respondent. */
int store_rfq_scored_count(struct db *db, int64_t rfq_id, int64_t member_id, int64_t respondent_id);

#endif
