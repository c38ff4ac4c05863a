/*
 * rfq.h: hub selection RFQs (issue 4): the template from the seed "Selecting
 * your Alliance Hub", the lifecycle draft -> published -> closed -> decided
 * (closing by hand or at closes_at through rfq_tick), addenda, respondents
 * who answer through a secret link token instead of an account, sealed
 * responses, clarifications, evaluators in stakeholder groups, conflicts of
 * interest, scores, results (daemon/scoring.h) and the selection of one or
 * more hubs. The op table is rfq_ops[] (daemon/hooks.h); docs/protocol.md
 * documents every op.
 */
#ifndef RT_RFQ_H
#define RT_RFQ_H

#include "dispatch.h"

/* Lowest score an evaluator may give (the highest is the criterion's max). */
#define RFQ_SCORE_MIN 1

/* The hub-selection RFQ of the seed as {title, body, closes_at, questions:
 * [{section, text}], criteria: [{name, description, weight, max}]}, ready to
 * pass to rfq.create with a coalition. closes_at is 30 days from now. The
 * caller owns the result. */
json_t *rfq_template_json(void);

/* The CSV export of every score of an RFQ (GET /export/rfq/<id>.csv), as
 * member_id may see them (the rules of score.list: after the close,
 * conveners everything, evaluators their own and those of respondents they
 * have fully scored). One row per score, RFC 4180: a header line, every
 * field quoted, quotes doubled, CRLF line ends, UTF-8 without BOM. Columns:
 * rfq, rfq_title, respondent, organization, criterion, criterion_name,
 * weight, max, evaluator, evaluator_name, group, score, comment, updated_at.
 * On success *out is malloc'd (caller frees) and *len its length. Returns
 * RT_OK or the rt_err score.list would give (RT_ENOTFOUND for non-members,
 * RT_EFORBIDDEN before the close or for members without access). */
int rfq_scores_csv(struct server *srv, int64_t member_id, int64_t rfq_id, char **out, size_t *len);

/* Handlers (one per op; see rfq_ops in rfq.c). */
int rfq_template(struct req *r);
int rfq_create(struct req *r);
int rfq_list(struct req *r);
int rfq_get(struct req *r);
int rfq_update(struct req *r);
int rfq_publish(struct req *r);
int rfq_addendum(struct req *r);
int rfq_close(struct req *r);
int rfq_select(struct req *r);
int rfq_results(struct req *r);
int rfq_respondent_invite(struct req *r);
int rfq_response_get(struct req *r);
int rfq_response_submit(struct req *r);
int rfq_response_list(struct req *r);
int rfq_clarification_ask(struct req *r);
int rfq_clarification_answer(struct req *r);
int rfq_evaluator_assign(struct req *r);
int rfq_coi_declare(struct req *r);
int rfq_score_submit(struct req *r);
int rfq_score_list(struct req *r);
/* Closes the RFQ args.rfq if it is published and its closes_at has passed
 * (run by rfq_tick through dispatch_system); does nothing otherwise. */
int rfq_close_due(struct req *r);

#endif
