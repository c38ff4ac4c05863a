/*
 * rfq.c: hub selection RFQs (see rfq.h). The rules live here: who may do
 * what in which status, the sealing of responses until the close, the
 * respondents' secret link tokens (only their SHA-256 is stored), recusal
 * for conflicts of interest, and the shape of every reply and event. All SQL
 * is in storage/store_rfq.c; the arithmetic of results in scoring.c.
 *
 * Sealing: before the RFQ closes no answer leaves the database except to the
 * respondent who wrote it (response.get with their token). Members see
 * counts only (rfq.get, response.submitted events); response.list,
 * score.submit, score.list and rfq.results are refused until the close.
 */
#include "rfq.h"
#include "csv.h"
#include "db.h"
#include "hooks.h"
#include "rt.h"
#include "scoring.h"
#include "server.h"
#include "store_events.h"
#include "store_members.h"
#include "store_rfq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_MAX 200
#define BODY_MAX 65536
#define TEXT_MAX 8000
#define SECTION_MAX 200
#define QUESTIONS_MAX 200
#define CRITERIA_MAX 50
#define WEIGHT_MAX 1000
#define SCORE_MAX_MAX 100
#define TOKEN_MAX 128
#define QUESTION_MAX 4096 /* a respondent's clarification question, bytes */
#define OPEN_QUESTIONS_MAX 20 /* unanswered questions a respondent may have at once */

static const char *arg_str(struct req *r, const char *name)
{
	return json_string_value(json_object_get(r->args, name));
}

static int64_t arg_int(struct req *r, const char *name)
{
	return (int64_t)json_integer_value(json_object_get(r->args, name));
}

static int arg_bool(struct req *r, const char *name)
{
	return json_is_true(json_object_get(r->args, name));
}

static int is_open_status(const struct rfq_row *row)
{
	return strcmp(row->status, "published") == 0;
}

static int is_after_close(const struct rfq_row *row)
{
	return strcmp(row->status, "closed") == 0 || strcmp(row->status, "decided") == 0;
}

/* Published and the deadline not reached. */
static int accepting(const struct rfq_row *row)
{
	char now[21];
	rt_now(now);
	return is_open_status(row) && strcmp(now, row->closes_at) < 0;
}

/* Parses a closes_at argument into canon; it must lie in the future. */
static int parse_closes_at(struct req *r, const char *s, char canon[21])
{
	char now[21];
	if (rt_time_parse(s, canon) < 0)
		return req_fail(r, RT_EBADREQ, "closes_at", "closes_at must be an RFC 3339 time, e.g. 2026-12-01T17:00:00Z");
	rt_now(now);
	if (strcmp(canon, now) <= 0)
		return req_fail(r, RT_EBADREQ, "closes_at", "closes_at must be in the future");
	return RT_OK;
}

/* Fails the request for a lookup that found nothing (not_found, with field
 * and message) or could not read (internal): a failed read is never told as
 * "no such ...". */
static int lookup_fail(struct req *r, int err, const char *field, const char *message)
{
	return err == RT_ENOTFOUND ? req_fail(r, RT_ENOTFOUND, field, "%s", message)
	                           : req_fail(r, RT_EINTERNAL, NULL, "could not read the %s", field);
}

/* Loads the RFQ named by args.rfq and checks the caller is a member of its
 * coalition (not_found otherwise, as for an RFQ that does not exist) with one
 * of roles (0: any; forbidden otherwise). */
static int load_rfq(struct req *r, struct rfq_row *row, unsigned roles)
{
	int err = store_rfq_row(r->srv->db, arg_int(r, "rfq"), row);
	if (err == RT_ENOTFOUND)
		return req_fail(r, RT_ENOTFOUND, "rfq", "no such RFQ");
	if (err)
		return req_fail(r, err, NULL, "could not read the RFQ");
	if (r->system)
		return RT_OK;
	if (req_require_member(r, row->coalition_id, 0) != RT_OK) {
		if (r->err == RT_ENOTFOUND)
			return req_fail(r, RT_ENOTFOUND, "rfq", "no such RFQ");
		return r->err;
	}
	if (roles && !(r->roles & roles))
		return req_fail(r, RT_EFORBIDDEN, NULL, "only a convener or the design team may do this");
	return RT_OK;
}

#define ORGANIZERS (ROLE_CONVENER | ROLE_DESIGN_TEAM)

/* Resolves args.respondent_token to its respondent and RFQ. A token that
 * names nobody is unauthenticated: the token is the respondent's sign-in. */
static int load_respondent(struct req *r, struct rfq_respondent *resp, struct rfq_row *row)
{
	const char *token = arg_str(r, "respondent_token");
	unsigned char hash[32];
	rt_sha256(hash, token, strlen(token));
	if (store_rfq_respondent_by_hash(r->srv->db, hash, resp) != RT_OK ||
	    store_rfq_row(r->srv->db, resp->rfq_id, row) != RT_OK)
		return req_fail(r, RT_EUNAUTH, "respondent_token", "this respondent link is not valid");
	return RT_OK;
}

/* A short form of the RFQ for events. */
static json_t *rfq_summary(struct req *r, int64_t id)
{
	json_t *full = NULL, *s = NULL;
	if (store_rfq_json(r->srv->db, id, &full) != RT_OK)
		return NULL;
	s = json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(full, "id"), "title",
	              json_object_get(full, "title"), "status", json_object_get(full, "status"),
	              "closes_at", json_object_get(full, "closes_at"));
	json_decref(full);
	return s;
}

/* The full RFQ object: stored fields, html of the body and addenda,
 * coalition slug and response counts (never content). */
static int rfq_object(struct req *r, int64_t id, int64_t coalition_id, json_t **out)
{
	json_t *o = NULL;
	int invited = 0, answered = 0, final = 0, err;
	char slug[128];

	*out = NULL;
	if ((err = store_rfq_json(r->srv->db, id, &o)) ||
	    (err = store_rfq_counts(r->srv->db, id, &invited, &answered, &final)) ||
	    (err = store_coalition_slug(r->srv->db, coalition_id, slug, sizeof slug))) {
		json_decref(o);
		return req_fail(r, err, NULL, "could not read the RFQ");
	}
	json_object_set_new(o, "coalition", json_string(slug));
	json_object_set_new(o, "counts", json_pack("{s:i, s:i, s:i}", "respondents", invited,
	                                           "responded", answered, "submitted", final));
	*out = o;
	return RT_OK;
}

/* Appends an event whose payload is {rfq: summary} plus extra's fields (stolen). */
static int rfq_event(struct req *r, const struct rfq_row *row, const char *type, int audience,
                     int64_t actor, json_t *extra)
{
	json_t *p = json_pack("{s:o}", "rfq", rfq_summary(r, row->id));
	if (!p) {
		json_decref(extra);
		return req_fail(r, RT_EINTERNAL, NULL, "could not record the change");
	}
	if (extra)
		json_object_update(p, extra);
	json_decref(extra);
	return req_event(r, row->coalition_id, type, audience, 0, actor, p);
}

static long find_index(json_t *arr, const char *key, int64_t id);

/* ---------------------------------------------------------------- template */

static const struct { const char *section, *text; } tpl_questions[] = {
	{ "Track record", "Does the organization have the internal infrastructure to fully execute the Alliance Theory of Change?" },
	{ "Track record", "Does the organization regularly explore new ways to achieve its mission?" },
	{ "Track record", "Does the organization have experience designing and implementing new programs, services, and projects?" },
	{ "Track record", "Does the organization have experience with a significant change management process internally? How about working with stakeholders externally to solve a long-standing problem?" },
	{ "Track record", "Is there an internal focus on infrastructure change and improvements?" },
	{ "Track record", "How frequently is technology upgraded and are internal systems modified within the organization to support efficiency and effectiveness?" },
	{ "Track record", "How often is the phrase \u201cthat\u2019s how we\u2019ve always done it\u201d used as an answer to the question \u201cwhy?\u201d" },
	{ "Mission match", "How would serving as a Shared Services Hub help achieve the organizational mission?" },
	{ "Mission match", "How readily do staff and leadership (including the board) see the connection between the mission of the organization and the need for a Shared Service Alliance in your community?" },
	{ "Trust", "What evidence is there to suggest that the organization has capacity to build the trust that will allow providers to feel safe and supported in making changes to their business?" },
	{ "Trust", "Does organizational leadership believe that an Alliance framework is a viable way for providers to improve their sustainability?" },
	{ "Trust", "How will the organization ensure staff receive the training and resources needed to perform Shared Service Alliance work effectively?" },
	{ "Governance", "Who will perform what tasks?" },
	{ "Governance", "What is the timeline for assigned work?" },
	{ "Governance", "What information/data will be shared among partners and how?" },
	{ "Governance", "How will decisions be made\u2014through a contract, as a collective, as board members, etc.? And, how will member providers weigh in on decisions?" },
};

static const struct { const char *name, *description; int weight; } tpl_criteria[] = {
	{ "Ability to lead change", "The single most important contributing factor to a Hub\u2019s success: the organization\u2019s ability to lead change\u2014to transform, alter, or switch from old ways of thinking about the child care sector and old ways of doing business. The Hub is comfortable with, and excited about, change, growth, and innovation in the sector.", 3 },
	{ "Mission driven", "Wants to work with other ECE organizations and sees this as part of their mission rather than as an opportunity for increased funding.", 1 },
	{ "Leadership and market credibility", "Trusted leader in the community, or able to quickly build trust among providers and funders.", 1 },
	{ "Access to providers", "Knows the provider community well and has the capacity to reach and successfully engage providers in the Alliance.", 1 },
	{ "Financial reach and stability", "Has sound management capacity, with dedicated and skilled fiscal management staff and experience using technology for billing, data collection, and overall fund management.", 1 },
	{ "Access to a variety of funding streams", "Already has, or is able to tap, multiple funding streams.", 1 },
	{ "Innovation", "Leadership, board, and staff are open to new ideas and approaches, willing to \u201cthink outside the box,\u201d and experienced in developing promising new approaches to old problems.", 1 },
	{ "Commitment to excellence", "Leadership, board, and staff are willing to do the internal and external work needed to raise the bar on quality service delivery.", 1 },
	{ "Entrepreneurial", "Leadership embraces an entrepreneurial way of thinking and uses this entrepreneurial energy to effectively engage the staff and board.", 1 },
	{ "Risk tolerance", "Leadership, board, and staff are willing to take risks and the organization is stable enough to launch a new endeavor that may not pay for itself in the short term.", 1 },
};

static const char tpl_body[] =
	"We invite organizations to apply to serve as the Hub of our Shared Service Alliance.\n\n"
	"The Hub is a legal and administrative structure that enables services at scale so that participating "
	"providers can share the cost of both business and pedagogical leadership and generate savings (in both "
	"time and money) that can be reinvested into classrooms. A Hub should NOT expect to generate profit for "
	"their organization by operating an Alliance: becoming a Hub should only occur if the overall objective is "
	"mission-related, to help participating providers build their capacity to offer sustainable, high quality care.\n\n"
	"There can be more than one Hub: some Alliances share leadership across organizations, with one organization "
	"offering business leadership services and another focusing on pedagogy.\n\n"
	"Our design team, funders and child care providers will read every response and score it against the key "
	"characteristics below. The single most important factor is the organization's ability to lead change.\n\n"
	"*Adapted from \"Selecting your Alliance Hub\", Opportunities Exchange, October 2023.*";

json_t *rfq_template_json(void)
{
	json_t *q = json_array(), *c = json_array();
	char closes[21];
	for (size_t i = 0; i < sizeof tpl_questions / sizeof tpl_questions[0]; i++)
		json_array_append_new(q, json_pack("{s:s, s:s}", "section", tpl_questions[i].section,
		                                   "text", tpl_questions[i].text));
	for (size_t i = 0; i < sizeof tpl_criteria / sizeof tpl_criteria[0]; i++)
		json_array_append_new(c, json_pack("{s:s, s:s, s:i, s:i}", "name", tpl_criteria[i].name,
		                                   "description", tpl_criteria[i].description,
		                                   "weight", tpl_criteria[i].weight, "max", 5));
	rt_time_after(closes, 30L * 24 * 3600);
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "title", "Request for qualifications: Alliance Hub",
	                 "body", tpl_body, "closes_at", closes, "questions", q, "criteria", c);
}

int rfq_template(struct req *r)
{
	if (!(r->data = rfq_template_json()))
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	return RT_OK;
}

/* ------------------------------------------------- questions and criteria */

/* Adds the questions [{section, text}] of arr (addendum_id 0: original). */
static int add_questions(struct req *r, int64_t rfq_id, json_t *arr, const char *field, int64_t addendum_id,
                         json_t *added)
{
	size_t i;
	json_t *q;
	json_array_foreach(arr, i, q) {
		/* A plain string is a question without a section. */
		json_t *sec = json_object_get(q, "section"), *text = json_is_string(q) ? q : json_object_get(q, "text");
		int64_t id;
		int err;
		if ((!json_is_object(q) && !json_is_string(q)) || !json_is_string(text) ||
		    (sec && !json_is_string(sec) && !json_is_null(sec)))
			return req_fail(r, RT_EBADREQ, field, "each question is {section, text} with text a string");
		{
			const char *k;
			json_t *v;
			json_object_foreach(q, k, v) /* id and addendum of a question read back are ignored */
				if (strcmp(k, "section") && strcmp(k, "text") && strcmp(k, "id") && strcmp(k, "addendum"))
					return req_fail(r, RT_EBADREQ, field, "a question has only section and text");
		}
		const char *s = json_is_string(sec) ? json_string_value(sec) : "";
		const char *t = json_string_value(text);
		if (!*t || strlen(t) > TEXT_MAX || strlen(s) > SECTION_MAX || !rt_text_ok(t) || !rt_text_ok(s))
			return req_fail(r, RT_EBADREQ, field, "question %zu: text must be 1 to %d bytes and section at most %d, no control characters",
			                i + 1, TEXT_MAX, SECTION_MAX);
		if ((err = store_rfq_question_add(r->srv->db, rfq_id, s, t, addendum_id, &id)))
			return req_fail(r, err, NULL, "could not save the questions");
		if (added)
			json_array_append_new(added, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "section", s, "text", t));
	}
	return RT_OK;
}

static int add_criteria(struct req *r, int64_t rfq_id, json_t *arr)
{
	size_t i;
	json_t *c;
	json_array_foreach(arr, i, c) {
		json_t *name = json_object_get(c, "name"), *desc = json_object_get(c, "description");
		json_t *weight = json_object_get(c, "weight"), *max = json_object_get(c, "max");
		double w = 1;
		json_int_t m = 5;
		int err;
		if (!json_is_object(c) || !json_is_string(name) || (desc && !json_is_string(desc) && !json_is_null(desc)) ||
		    (weight && !json_is_number(weight) && !json_is_null(weight)) ||
		    (max && !json_is_integer(max) && !json_is_null(max)))
			return req_fail(r, RT_EBADREQ, "criteria", "each criterion is {name, description, weight, max}: name and description strings, weight a number, max an integer");
		{
			const char *k;
			json_t *v;
			json_object_foreach(c, k, v)
				if (strcmp(k, "name") && strcmp(k, "description") && strcmp(k, "weight") && strcmp(k, "max") &&
				    strcmp(k, "id"))
					return req_fail(r, RT_EBADREQ, "criteria", "a criterion has only name, description, weight and max");
		}
		if (json_is_number(weight))
			w = json_number_value(weight);
		if (json_is_integer(max))
			m = json_integer_value(max);
		const char *n = json_string_value(name), *d = json_is_string(desc) ? json_string_value(desc) : "";
		if (!*n || strlen(n) > TITLE_MAX || strlen(d) > TEXT_MAX || !rt_text_ok(n) || !rt_text_ok(d))
			return req_fail(r, RT_EBADREQ, "criteria", "criterion %zu: name must be 1 to %d bytes and description at most %d",
			                i + 1, TITLE_MAX, TEXT_MAX);
		if (!(w > 0) || w > WEIGHT_MAX)
			return req_fail(r, RT_EBADREQ, "criteria", "criterion %zu: weight must be above 0 and at most %d", i + 1, WEIGHT_MAX);
		if (m < 1 || m > SCORE_MAX_MAX)
			return req_fail(r, RT_EBADREQ, "criteria", "criterion %zu: max must be 1 to %d", i + 1, SCORE_MAX_MAX);
		if ((err = store_rfq_criterion_add(r->srv->db, rfq_id, n, d, w, (int)m, NULL)))
			return req_fail(r, err, NULL, "could not save the criteria");
	}
	return RT_OK;
}

/* ------------------------------------------------------------- lifecycle */

int rfq_create(struct req *r)
{
	const char *title = arg_str(r, "title"), *body = arg_str(r, "body");
	json_t *questions = json_object_get(r->args, "questions"), *criteria = json_object_get(r->args, "criteria");
	json_t *rfq = NULL;
	char closes[21];
	int64_t id;
	int err;

	if (!(r->roles & ORGANIZERS))
		return req_fail(r, RT_EFORBIDDEN, NULL, "only a convener or the design team may create an RFQ");
	if (!*title)
		return req_fail(r, RT_EBADREQ, "title", "title must not be empty");
	if (parse_closes_at(r, arg_str(r, "closes_at"), closes) != RT_OK)
		return r->err;
	if (!json_array_size(questions))
		return req_fail(r, RT_EBADREQ, "questions", "an RFQ needs at least one question");
	if (!json_array_size(criteria))
		return req_fail(r, RT_EBADREQ, "criteria", "an RFQ needs at least one criterion");
	if ((err = store_rfq_create(r->srv->db, r->coalition_id, title, body, closes, r->member_id, &id)))
		return req_fail(r, err, NULL, "could not create the RFQ");
	if (add_questions(r, id, questions, "questions", 0, NULL) || add_criteria(r, id, criteria))
		return r->err;
	if (rfq_object(r, id, r->coalition_id, &rfq))
		return r->err;
	{
		struct rfq_row row = { .id = id, .coalition_id = r->coalition_id };
		if ((err = rfq_event(r, &row, "rfq.created", AUD_ALL, r->member_id, NULL))) {
			json_decref(rfq);
			return err;
		}
	}
	r->data = json_pack("{s:o}", "rfq", rfq);
	return RT_OK;
}

int rfq_list(struct req *r)
{
	json_t *list = NULL;
	if (store_rfq_list(r->srv->db, r->coalition_id, &list) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not list the RFQs");
	r->data = json_pack("{s:o}", "rfqs", list);
	return RT_OK;
}

int rfq_get(struct req *r)
{
	struct rfq_row row;
	json_t *rfq = NULL, *evaluators = NULL, *clar = NULL, *cois = NULL, *resp = NULL, *recused;
	char group[16];
	int organizer, err = RT_EINTERNAL;
	size_t i;
	json_t *c;

	if (load_rfq(r, &row, 0))
		return r->err;
	organizer = (r->roles & ORGANIZERS) != 0;
	if (rfq_object(r, row.id, row.coalition_id, &rfq))
		return r->err;
	if (store_rfq_evaluators_json(r->srv->db, row.id, &evaluators) ||
	    store_rfq_clarifications_json(r->srv->db, row.id, !organizer, &clar) ||
	    store_rfq_coi_json(r->srv->db, row.id, (r->roles & ROLE_CONVENER) ? 0 : r->member_id, &cois))
		goto done;
	/* Organizers see who was invited (no answer content: counts only). */
	if (organizer && store_rfq_respondents_json(r->srv->db, row.id, &resp))
		goto done;
	if (!organizer) { /* others see the organizations only */
		json_t *all = NULL, *x;
		if (store_rfq_respondents_json(r->srv->db, row.id, &all))
			goto done;
		resp = json_array();
		json_array_foreach(all, i, x)
			json_array_append_new(resp, json_pack("{s:O, s:O, s:O}", "id", json_object_get(x, "id"),
			                                      "organization", json_object_get(x, "organization"),
			                                      "selected", json_object_get(x, "selected")));
		json_decref(all);
	}
	recused = json_array();
	json_array_foreach(cois, i, c)
		if (json_integer_value(json_object_get(c, "member")) == r->member_id)
			json_array_append(recused, json_object_get(c, "respondent"));
	r->data = json_pack("{s:O, s:O, s:O, s:O, s:O, s:{s:I, s:o, s:o}}", "rfq", rfq, "respondents", resp,
	                    "evaluators", evaluators, "clarifications", clar, "conflicts", cois,
	                    "me", "id", (json_int_t)r->member_id,
	                    "group", store_rfq_evaluator_group(r->srv->db, row.id, r->member_id, group, sizeof group) == RT_OK
	                             ? json_string(group) : json_null(),
	                    "recused", recused);
	err = RT_OK;
done:
	json_decref(rfq);
	json_decref(evaluators);
	json_decref(clar);
	json_decref(cois);
	json_decref(resp);
	if (err)
		return req_fail(r, err, NULL, "could not read the RFQ");
	return RT_OK;
}

/* Replies {rfq} with the full object. */
static int reply_rfq(struct req *r, const struct rfq_row *row)
{
	json_t *rfq = NULL;
	if (rfq_object(r, row->id, row->coalition_id, &rfq))
		return r->err;
	r->data = json_pack("{s:o}", "rfq", rfq);
	return RT_OK;
}

int rfq_update(struct req *r)
{
	struct rfq_row row;
	const char *title = arg_str(r, "title"), *body = arg_str(r, "body"), *closes_at = arg_str(r, "closes_at");
	json_t *questions = json_object_get(r->args, "questions"), *criteria = json_object_get(r->args, "criteria");
	char closes[21];
	int err;

	if (load_rfq(r, &row, ORGANIZERS))
		return r->err;
	if (strcmp(row.status, "draft") != 0)
		return req_fail(r, RT_ECONFLICT, "rfq", "the RFQ is %s: changes now go out as an addendum (rfq.addendum)", row.status);
	if (title && !*title)
		return req_fail(r, RT_EBADREQ, "title", "title must not be empty");
	if (closes_at && parse_closes_at(r, closes_at, closes))
		return r->err;
	if (json_is_array(questions) && !json_array_size(questions))
		return req_fail(r, RT_EBADREQ, "questions", "an RFQ needs at least one question");
	if (json_is_array(criteria) && !json_array_size(criteria))
		return req_fail(r, RT_EBADREQ, "criteria", "an RFQ needs at least one criterion");
	if ((err = store_rfq_update(r->srv->db, row.id, title, body, closes_at ? closes : NULL)))
		return req_fail(r, err, NULL, "could not change the RFQ");
	if (json_is_array(questions) &&
	    ((err = store_rfq_questions_clear(r->srv->db, row.id)) || add_questions(r, row.id, questions, "questions", 0, NULL)))
		return r->err ? r->err : req_fail(r, err, NULL, "could not change the questions");
	if (json_is_array(criteria) &&
	    ((err = store_rfq_criteria_clear(r->srv->db, row.id)) || add_criteria(r, row.id, criteria)))
		return r->err ? r->err : req_fail(r, err, NULL, "could not change the criteria");
	if ((err = rfq_event(r, &row, "rfq.updated", AUD_ALL, r->member_id, NULL)))
		return err;
	return reply_rfq(r, &row);
}

int rfq_publish(struct req *r)
{
	struct rfq_row row;
	char now[21];
	int err;

	if (load_rfq(r, &row, ORGANIZERS))
		return r->err;
	if (strcmp(row.status, "draft") != 0)
		return req_fail(r, RT_ECONFLICT, "rfq", "the RFQ is already %s", row.status);
	rt_now(now);
	if (strcmp(row.closes_at, now) <= 0)
		return req_fail(r, RT_EBADREQ, "closes_at", "closes_at has passed: move it with rfq.update first");
	if ((err = store_rfq_set_status(r->srv->db, row.id, "published", now, NULL)))
		return req_fail(r, err, NULL, "could not publish the RFQ");
	if ((err = rfq_event(r, &row, "rfq.published", AUD_ALL, r->member_id, NULL)))
		return err;
	return reply_rfq(r, &row);
}

int rfq_addendum(struct req *r)
{
	struct rfq_row row;
	const char *text = arg_str(r, "text"), *closes_at = arg_str(r, "closes_at");
	json_t *questions = json_object_get(r->args, "questions"), *added = NULL, *addendum = NULL, *html = NULL;
	char closes[21];
	int64_t id;
	int err;

	if (load_rfq(r, &row, ORGANIZERS))
		return r->err;
	if (strcmp(row.status, "draft") == 0)
		return req_fail(r, RT_ECONFLICT, "rfq", "the RFQ is a draft: edit it with rfq.update");
	if (!accepting(&row))
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is closed");
	if (!*text)
		return req_fail(r, RT_EBADREQ, "text", "an addendum needs a text");
	if (closes_at && parse_closes_at(r, closes_at, closes))
		return r->err;
	if ((err = store_rfq_addendum_add(r->srv->db, row.id, text, r->member_id, &id)))
		return req_fail(r, err, NULL, "could not save the addendum");
	added = json_array();
	if (json_is_array(questions) && add_questions(r, row.id, questions, "questions", id, added)) {
		json_decref(added);
		return r->err;
	}
	if (closes_at && (err = store_rfq_update(r->srv->db, row.id, NULL, NULL, closes))) {
		json_decref(added);
		return req_fail(r, err, NULL, "could not move the deadline");
	}
	if ((err = store_rfq_addendum_html(r->srv->db, id, &html))) {
		json_decref(added);
		return req_fail(r, err, NULL, "could not save the addendum");
	}
	addendum = json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)id, "text", text, "questions", added,
	                     "html", html);
	if (closes_at)
		json_object_set_new(addendum, "closes_at", json_string(closes));
	if ((err = rfq_event(r, &row, "rfq.addendum", AUD_ALL, r->member_id, json_pack("{s:O}", "addendum", addendum)))) {
		json_decref(addendum);
		return err;
	}
	if (reply_rfq(r, &row)) {
		json_decref(addendum);
		return r->err;
	}
	json_object_set_new(r->data, "addendum", addendum);
	return RT_OK;
}

/* Closes a published RFQ (by hand or at its deadline). */
static int close_rfq(struct req *r, const struct rfq_row *row, int64_t actor)
{
	char now[21];
	int invited = 0, answered = 0, final = 0, err;
	rt_now(now);
	if ((err = store_rfq_set_status(r->srv->db, row->id, "closed", now, NULL)) ||
	    (err = store_rfq_counts(r->srv->db, row->id, &invited, &answered, &final)))
		return req_fail(r, err, NULL, "could not close the RFQ");
	return rfq_event(r, row, "rfq.closed", AUD_ALL, actor,
	                 json_pack("{s:{s:i, s:i, s:i}, s:b}", "counts", "respondents", invited, "responded", answered,
	                           "submitted", final, "automatic", actor == 0));
}

int rfq_close(struct req *r)
{
	struct rfq_row row;
	if (load_rfq(r, &row, ORGANIZERS))
		return r->err;
	if (strcmp(row.status, "draft") == 0)
		return req_fail(r, RT_ECONFLICT, "rfq", "a draft cannot be closed: publish it first");
	if (!is_open_status(&row))
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is already %s", row.status);
	if (close_rfq(r, &row, r->member_id))
		return r->err;
	return reply_rfq(r, &row);
}

int rfq_close_due(struct req *r)
{
	struct rfq_row row;
	char now[21];
	if (store_rfq_row(r->srv->db, arg_int(r, "rfq"), &row) != RT_OK)
		return RT_OK;
	rt_now(now);
	if (!is_open_status(&row) || strcmp(row.closes_at, now) > 0)
		return RT_OK; /* closed by hand meanwhile, or moved by an addendum */
	return close_rfq(r, &row, 0);
}

void rfq_tick(struct server *srv)
{
	int64_t ids[16];
	int n = 0;
	char now[21];
	rt_now(now);
	if (store_rfq_due(srv->db, now, ids, 16, &n) != RT_OK)
		return;
	for (int i = 0; i < n; i++) {
		json_t *args = json_pack("{s:I}", "rfq", (json_int_t)ids[i]);
		if (dispatch_system(srv, rfq_close_due, args, NULL) != RT_OK)
			rt_log(LOG_ERROR, "could not close RFQ %lld at its deadline", (long long)ids[i]);
		json_decref(args);
	}
}

int rfq_select(struct req *r)
{
	struct rfq_row row;
	json_t *ids = json_object_get(r->args, "respondents"), *v, *selected = NULL;
	const char *note = arg_str(r, "note");
	char now[21];
	size_t i;
	int err;

	if (load_rfq(r, &row, ORGANIZERS))
		return r->err;
	if (strcmp(row.status, "decided") == 0)
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is already decided");
	if (!is_after_close(&row))
		return req_fail(r, RT_ECONFLICT, "rfq", "close the RFQ and score the responses before selecting");
	if (!json_array_size(ids))
		return req_fail(r, RT_EBADREQ, "respondents", "select at least one respondent");
	selected = json_array();
	json_array_foreach(ids, i, v) {
		struct rfq_respondent resp;
		if (!json_is_integer(v)) {
			json_decref(selected);
			return req_fail(r, RT_EBADREQ, "respondents", "respondents must be respondent ids");
		}
		if (store_rfq_respondent_get(r->srv->db, json_integer_value(v), &resp) != RT_OK || resp.rfq_id != row.id) {
			json_decref(selected);
			return req_fail(r, RT_ENOTFOUND, "respondents", "respondent %lld is not a respondent of this RFQ",
			                (long long)json_integer_value(v));
		}
		if (find_index(selected, "respondent", resp.id) >= 0)
			continue; /* named twice */
		if ((err = store_rfq_respondent_select(r->srv->db, resp.id))) {
			json_decref(selected);
			return req_fail(r, err, NULL, "could not record the selection");
		}
		json_array_append_new(selected, json_pack("{s:I, s:s}", "respondent", (json_int_t)resp.id,
		                                          "organization", resp.organization));
	}
	rt_now(now);
	if ((err = store_rfq_set_status(r->srv->db, row.id, "decided", now, note))) {
		json_decref(selected);
		return req_fail(r, err, NULL, "could not record the selection");
	}
	if ((err = rfq_event(r, &row, "rfq.decided", AUD_ALL, r->member_id,
	                     json_pack("{s:O, s:o}", "selected", selected, "note", note ? json_string(note) : json_null())))) {
		json_decref(selected);
		return err;
	}
	if (reply_rfq(r, &row)) {
		json_decref(selected);
		return r->err;
	}
	json_object_set_new(r->data, "selected", selected);
	return RT_OK;
}

/* ------------------------------------------------------------ respondents */

int rfq_respondent_invite(struct req *r)
{
	struct rfq_row row;
	const char *org = arg_str(r, "organization"), *email = arg_str(r, "email");
	char token[44];
	unsigned char hash[32];
	json_t *resp = NULL;
	int64_t id;
	int err;

	if (load_rfq(r, &row, ORGANIZERS))
		return r->err;
	if (is_after_close(&row))
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is %s", row.status);
	if (!*org)
		return req_fail(r, RT_EBADREQ, "organization", "organization must not be empty");
	if (!strchr(email, '@') || strchr(email, ' ') || strlen(email) < 3)
		return req_fail(r, RT_EBADREQ, "email", "this is not an email address");
	rt_token_new(token);
	rt_sha256(hash, token, strlen(token));
	if ((err = store_rfq_respondent_add(r->srv->db, row.id, org, email, hash, r->member_id, &id)) ||
	    (err = store_rfq_respondent_json(r->srv->db, id, &resp)))
		return req_fail(r, err, NULL, "could not invite the respondent");
	/* The token is never in an event. */
	if ((err = rfq_event(r, &row, "respondent.invited", AUD_CONVENERS, r->member_id,
	                     json_pack("{s:{s:I, s:s}}", "respondent", "id", (json_int_t)id, "organization", org)))) {
		json_decref(resp);
		return err;
	}
	r->data = json_pack("{s:o, s:s}", "respondent", resp, "respondent_token", token);
	return RT_OK;
}

/* The RFQ as a respondent sees it: no counts, no internal fields. */
static json_t *respondent_view(json_t *rfq)
{
	static const char *const keys[] = { "id", "title", "body", "html", "status", "closes_at", "published_at",
	                                    "closed_at", "questions", "criteria", "addenda", NULL };
	json_t *o = json_object();
	for (int i = 0; keys[i]; i++)
		json_object_set(o, keys[i], json_object_get(rfq, keys[i]));
	return o;
}

/* {rfq, respondent, answers, clarifications, open} for a respondent. */
static int respondent_reply(struct req *r, const struct rfq_respondent *resp, const struct rfq_row *row)
{
	json_t *rfq = NULL, *me = NULL, *answers = NULL, *clar = NULL;
	int err;

	if ((err = rfq_object(r, row->id, row->coalition_id, &rfq)))
		return err;
	if ((err = store_rfq_respondent_json(r->srv->db, resp->id, &me)) ||
	    (err = store_rfq_answers_json(r->srv->db, resp->id, &answers)) ||
	    (err = store_rfq_clarifications_json(r->srv->db, row->id, 1, &clar))) {
		json_decref(rfq);
		json_decref(me);
		json_decref(answers);
		return req_fail(r, err, NULL, "could not read the response");
	}
	json_object_del(me, "selected");
	r->data = json_pack("{s:o, s:o, s:o, s:o, s:b, s:b}", "rfq", respondent_view(rfq), "respondent", me,
	                    "answers", answers, "clarifications", clar, "open", accepting(row) && !resp->final,
	                    "final", resp->final);
	json_decref(rfq);
	return RT_OK;
}

int rfq_response_get(struct req *r)
{
	struct rfq_respondent resp;
	struct rfq_row row;
	if (load_respondent(r, &resp, &row))
		return r->err;
	return respondent_reply(r, &resp, &row);
}

int rfq_response_submit(struct req *r)
{
	struct rfq_respondent resp;
	struct rfq_row row;
	json_t *answers = json_object_get(r->args, "answers"), *a;
	int final = arg_bool(r, "final"), invited = 0, answered = 0, finals = 0, err;
	char now[21];
	size_t i;

	if (load_respondent(r, &resp, &row))
		return r->err;
	if (strcmp(row.status, "draft") == 0)
		return req_fail(r, RT_ECONFLICT, "rfq", "the RFQ is not published yet");
	if (!accepting(&row))
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ closed at %s: responses are frozen", row.closes_at);
	if (resp.final)
		return req_fail(r, RT_ECONFLICT, "final", "your response was submitted as final and is frozen");
	rt_now(now);
	json_array_foreach(answers, i, a) {
		json_t *q = json_object_get(a, "question"), *body = json_object_get(a, "body");
		if (!json_is_object(a) || !json_is_integer(q) || !json_is_string(body) || json_object_size(a) != 2)
			return req_fail(r, RT_EBADREQ, "answers", "each answer is {question, body}: a question id and a markdown string");
		if (json_string_length(body) > BODY_MAX)
			return req_fail(r, RT_ETOOLARGE, "answers", "answer %zu is longer than %d bytes", i + 1, BODY_MAX);
		if (!rt_text_ok(json_string_value(body)))
			return req_fail(r, RT_EBADREQ, "answers", "answer %zu contains control characters", i + 1);
		if (store_rfq_question_of(r->srv->db, row.id, json_integer_value(q)) != RT_OK)
			return req_fail(r, RT_EBADREQ, "answers", "answer %zu: question %lld is not a question of this RFQ",
			                i + 1, (long long)json_integer_value(q));
		if ((err = store_rfq_answer_put(r->srv->db, resp.id, json_integer_value(q), json_string_value(body), now)))
			return req_fail(r, err, NULL, "could not save the answers");
	}
	if (final && (err = store_rfq_respondent_finalize(r->srv->db, resp.id, now)))
		return req_fail(r, err, NULL, "could not submit the response");
	resp.final = resp.final || final;
	/* Members learn that something was submitted, never what nor by whom. */
	if ((err = store_rfq_counts(r->srv->db, row.id, &invited, &answered, &finals)))
		return req_fail(r, err, NULL, "could not count the responses");
	if ((err = rfq_event(r, &row, "response.submitted", AUD_ALL, 0,
	                     json_pack("{s:{s:i, s:i, s:i}}", "counts", "respondents", invited, "responded", answered,
	                               "submitted", finals))))
		return err;
	return respondent_reply(r, &resp, &row);
}

int rfq_response_list(struct req *r)
{
	struct rfq_row row;
	char group[16];
	json_t *list = NULL;
	int64_t question = arg_int(r, "question");
	int err;

	if (load_rfq(r, &row, 0))
		return r->err;
	if (!(r->roles & ORGANIZERS) &&
	    store_rfq_evaluator_group(r->srv->db, row.id, r->member_id, group, sizeof group) != RT_OK)
		return req_fail(r, RT_EFORBIDDEN, NULL, "only conveners, the design team and assigned evaluators read responses");
	if (!is_after_close(&row))
		return req_fail(r, RT_EFORBIDDEN, "rfq", "responses are sealed until the RFQ closes");
	if (question && (err = store_rfq_question_of(r->srv->db, row.id, question)) != RT_OK)
		return lookup_fail(r, err, "question", "no such question in this RFQ");
	if (store_rfq_responses_json(r->srv->db, row.id, question, &list))
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the responses");
	r->data = json_pack("{s:o}", "responses", list);
	return RT_OK;
}

/* -------------------------------------------------------- clarifications */

int rfq_clarification_ask(struct req *r)
{
	struct rfq_respondent resp;
	struct rfq_row row;
	const char *text = arg_str(r, "text");
	json_t *c = NULL;
	char now[21];
	int64_t id;
	int err, open = 0;

	if (load_respondent(r, &resp, &row))
		return r->err;
	if (strcmp(row.status, "draft") == 0)
		return req_fail(r, RT_ECONFLICT, "rfq", "the RFQ is not published yet");
	if (!accepting(&row))
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is closed");
	if (!*text)
		return req_fail(r, RT_EBADREQ, "text", "a question needs a text");
	if ((err = store_rfq_clarifications_open(r->srv->db, resp.id, &open)))
		return req_fail(r, err, NULL, "could not count your questions");
	if (open >= OPEN_QUESTIONS_MAX)
		return req_fail(r, RT_EBADREQ, "text", "you have %d questions waiting for an answer: ask again once one is answered",
		                open);
	rt_now(now);
	if ((err = store_rfq_clarification_add(r->srv->db, row.id, resp.id, text, now, &id)) ||
	    (err = store_rfq_clarification_json(r->srv->db, id, &c)))
		return req_fail(r, err, NULL, "could not save the question");
	/* Conveners see the question, not who asked it. */
	if ((err = rfq_event(r, &row, "clarification.asked", AUD_CONVENERS, 0, json_pack("{s:O}", "clarification", c)))) {
		json_decref(c);
		return err;
	}
	r->data = json_pack("{s:o}", "clarification", c);
	return RT_OK;
}

int rfq_clarification_answer(struct req *r)
{
	struct rfq_row row;
	const char *text = arg_str(r, "text");
	int64_t cid = arg_int(r, "clarification"), rfq_id = 0;
	int answered = 0, err;
	json_t *c = NULL;
	char now[21];

	if (load_rfq(r, &row, ORGANIZERS))
		return r->err;
	if ((err = store_rfq_clarification_get(r->srv->db, cid, &rfq_id, &answered)) != RT_OK || rfq_id != row.id)
		return lookup_fail(r, err ? err : RT_ENOTFOUND, "clarification", "no such clarification in this RFQ");
	if (strcmp(row.status, "decided") == 0)
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is decided");
	if (answered)
		return req_fail(r, RT_ECONFLICT, "clarification", "this clarification is already answered");
	if (!*text)
		return req_fail(r, RT_EBADREQ, "text", "an answer needs a text");
	rt_now(now);
	if ((err = store_rfq_clarification_answer(r->srv->db, cid, text, r->member_id, now)) ||
	    (err = store_rfq_clarification_json(r->srv->db, cid, &c)))
		return req_fail(r, err, NULL, "could not save the answer");
	if ((err = rfq_event(r, &row, "clarification.answered", AUD_ALL, r->member_id,
	                     json_pack("{s:O}", "clarification", c)))) {
		json_decref(c);
		return err;
	}
	r->data = json_pack("{s:o}", "clarification", c);
	return RT_OK;
}

/* ------------------------------------------------ evaluators and scoring */

static const char *const group_names[SCORING_GROUPS] = { "design_team", "funder", "provider" };

static int group_index(const char *name)
{
	for (int i = 0; i < SCORING_GROUPS; i++)
		if (strcmp(name, group_names[i]) == 0)
			return i;
	return -1;
}

int rfq_evaluator_assign(struct req *r)
{
	struct rfq_row row;
	int64_t member = arg_int(r, "member");
	const char *group = arg_str(r, "group");
	unsigned roles = 0;
	json_t *m = NULL;
	int err;

	if (load_rfq(r, &row, ORGANIZERS))
		return r->err;
	if (strcmp(row.status, "decided") == 0)
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is decided");
	if ((err = store_membership_roles(r->srv->db, row.coalition_id, member, &roles)) != RT_OK)
		return lookup_fail(r, err, "member", "no such member in this coalition");
	if (group && group_index(group) < 0)
		return req_fail(r, RT_EBADREQ, "group", "group must be design_team, funder or provider");
	if (!group) /* the member's main role */
		group = (roles & (ROLE_DESIGN_TEAM | ROLE_CONVENER)) ? "design_team"
		        : (roles & ROLE_FUNDER) ? "funder" : (roles & ROLE_PROVIDER) ? "provider" : NULL;
	if (!group)
		return req_fail(r, RT_EBADREQ, "group", "this member has no design_team, funder or provider role: name the group");
	if ((err = store_rfq_evaluator_set(r->srv->db, row.id, member, group, r->member_id)) ||
	    (err = store_membership_json(r->srv->db, row.coalition_id, member, &m)))
		return req_fail(r, err, NULL, "could not assign the evaluator");
	json_t *ev = json_pack("{s:I, s:O, s:s}", "member", (json_int_t)member, "name", json_object_get(m, "name"), "group", group);
	json_decref(m);
	if ((err = rfq_event(r, &row, "evaluator.assigned", AUD_ALL, r->member_id, json_pack("{s:O}", "evaluator", ev)))) {
		json_decref(ev);
		return err;
	}
	r->data = json_pack("{s:o}", "evaluator", ev);
	return RT_OK;
}

int rfq_coi_declare(struct req *r)
{
	struct rfq_row row;
	struct rfq_respondent resp;
	const char *reason = arg_str(r, "reason");
	char now[21];
	json_t *coi;
	int err;

	if (load_rfq(r, &row, 0))
		return r->err;
	if ((err = store_rfq_respondent_get(r->srv->db, arg_int(r, "respondent"), &resp)) != RT_OK || resp.rfq_id != row.id)
		return lookup_fail(r, err ? err : RT_ENOTFOUND, "respondent", "no such respondent in this RFQ");
	if (strcmp(row.status, "decided") == 0)
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is decided");
	if (!*reason)
		return req_fail(r, RT_EBADREQ, "reason", "say what the conflict of interest is");
	rt_now(now);
	if ((err = store_rfq_coi_declare(r->srv->db, row.id, r->member_id, resp.id, reason, now)))
		return req_fail(r, err, NULL, "could not record the declaration");
	coi = json_pack("{s:I, s:I, s:s, s:s}", "member", (json_int_t)r->member_id, "respondent", (json_int_t)resp.id,
	                "reason", reason, "declared_at", now);
	if ((err = rfq_event(r, &row, "coi.declared", AUD_CONVENERS, r->member_id, json_pack("{s:O}", "conflict", coi)))) {
		json_decref(coi);
		return err;
	}
	r->data = json_pack("{s:o}", "conflict", coi);
	return RT_OK;
}

int rfq_score_submit(struct req *r)
{
	struct rfq_row row;
	struct rfq_respondent resp;
	const char *comment = arg_str(r, "comment");
	int64_t criterion = arg_int(r, "criterion");
	json_int_t score = json_integer_value(json_object_get(r->args, "score"));
	char group[16], now[21];
	int max = 0, n_crit = 0, err;
	json_t *rfq = NULL, *s;

	if (load_rfq(r, &row, 0))
		return r->err;
	if (store_rfq_evaluator_group(r->srv->db, row.id, r->member_id, group, sizeof group) != RT_OK)
		return req_fail(r, RT_EFORBIDDEN, NULL, "only evaluators assigned to this RFQ score it");
	if (strcmp(row.status, "decided") == 0)
		return req_fail(r, RT_ECLOSED, "rfq", "the RFQ is decided: scores are final");
	if (!is_after_close(&row))
		return req_fail(r, RT_EFORBIDDEN, "rfq", "responses are sealed until the RFQ closes; scoring opens then");
	if ((err = store_rfq_respondent_get(r->srv->db, arg_int(r, "respondent"), &resp)) != RT_OK || resp.rfq_id != row.id)
		return lookup_fail(r, err ? err : RT_ENOTFOUND, "respondent", "no such respondent in this RFQ");
	if (store_rfq_coi_has(r->srv->db, row.id, r->member_id, resp.id))
		return req_fail(r, RT_EFORBIDDEN, "respondent", "you declared a conflict of interest with this respondent and are recused");
	if ((err = store_rfq_criterion_of(r->srv->db, row.id, criterion, &max)) != RT_OK)
		return lookup_fail(r, err, "criterion", "no such criterion in this RFQ");
	if (score < RFQ_SCORE_MIN || score > max)
		return req_fail(r, RT_EBADREQ, "score", "score must be a whole number from %d to %d", RFQ_SCORE_MIN, max);
	if (comment && strlen(comment) > TEXT_MAX)
		return req_fail(r, RT_ETOOLARGE, "comment", "comment is longer than %d bytes", TEXT_MAX);
	rt_now(now);
	if ((err = store_rfq_score_put(r->srv->db, row.id, r->member_id, resp.id, criterion, (int)score,
	                               comment && *comment ? comment : NULL, now)))
		return req_fail(r, err, NULL, "could not save the score");
	if (store_rfq_json(r->srv->db, row.id, &rfq) == RT_OK)
		n_crit = (int)json_array_size(json_object_get(rfq, "criteria"));
	json_decref(rfq);
	/* Conveners follow progress; the score itself is not in the event. */
	if ((err = rfq_event(r, &row, "score.submitted", AUD_CONVENERS, r->member_id,
	                     json_pack("{s:I, s:I, s:I}", "evaluator", (json_int_t)r->member_id,
	                               "respondent", (json_int_t)resp.id, "criterion", (json_int_t)criterion))))
		return err;
	s = json_pack("{s:I, s:I, s:I, s:I, s:o, s:s}", "evaluator", (json_int_t)r->member_id,
	              "respondent", (json_int_t)resp.id, "criterion", (json_int_t)criterion, "score", score,
	              "comment", comment && *comment ? json_string(comment) : json_null(), "updated_at", now);
	r->data = json_pack("{s:o, s:i, s:i}", "score", s,
	                    "scored", store_rfq_scored_count(r->srv->db, row.id, r->member_id, resp.id), "criteria", n_crit);
	return RT_OK;
}

/* May the caller see others' scores? Conveners always; an evaluator for the
 * respondents they have scored on every criterion. Sets *convener and
 * *evaluator. */
static int scores_access(struct req *r, const struct rfq_row *row, int *convener, int *evaluator)
{
	char group[16];
	*convener = (r->roles & ROLE_CONVENER) != 0;
	*evaluator = store_rfq_evaluator_group(r->srv->db, row->id, r->member_id, group, sizeof group) == RT_OK;
	if (!*convener && !*evaluator)
		return req_fail(r, RT_EFORBIDDEN, NULL, "only conveners and assigned evaluators see scores and results");
	if (!is_after_close(row))
		return req_fail(r, RT_EFORBIDDEN, "rfq", "responses are sealed until the RFQ closes");
	return RT_OK;
}

/* Has the caller scored every criterion of this respondent? */
static int scored_all(struct req *r, const struct rfq_row *row, int64_t respondent, int n_crit)
{
	return store_rfq_scored_count(r->srv->db, row->id, r->member_id, respondent) >= n_crit;
}

int rfq_score_list(struct req *r)
{
	struct rfq_row row;
	json_t *all = NULL, *rfq = NULL, *out, *s;
	int convener, evaluator, n_crit;
	size_t i;

	if (load_rfq(r, &row, 0) || scores_access(r, &row, &convener, &evaluator))
		return r->err;
	if (store_rfq_scores_json(r->srv->db, row.id, &all) || store_rfq_json(r->srv->db, row.id, &rfq)) {
		json_decref(all);
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the scores");
	}
	n_crit = (int)json_array_size(json_object_get(rfq, "criteria"));
	json_decref(rfq);
	out = json_array();
	json_array_foreach(all, i, s) {
		int64_t ev = json_integer_value(json_object_get(s, "evaluator"));
		int64_t resp = json_integer_value(json_object_get(s, "respondent"));
		if (convener || ev == r->member_id ||
		    (!store_rfq_coi_has(r->srv->db, row.id, r->member_id, resp) && scored_all(r, &row, resp, n_crit)))
			json_array_append(out, s);
	}
	json_decref(all);
	r->data = json_pack("{s:o}", "scores", out);
	return RT_OK;
}

/* Rounds to 6 decimals for the reply. */
static json_t *num(double x)
{
	double s = x * 1e6;
	long long k = (long long)(s + (s >= 0 ? 0.5 : -0.5));
	return json_real((double)k / 1e6);
}

/* Index of an id in a JSON array of objects by key; -1 if absent. */
static long find_index(json_t *arr, const char *key, int64_t id)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_integer_value(json_object_get(x, key)) == id)
			return (long)i;
	return -1;
}

int rfq_results(struct req *r)
{
	struct rfq_row row;
	struct sc_input in = { 0 };
	struct sc_result res = { 0 };
	json_t *rfq = NULL, *resp = NULL, *evals = NULL, *cois = NULL, *scores = NULL, *crit, *x;
	json_t *out_resp = NULL, *out_evals = NULL, *disagree = NULL;
	struct sc_criterion *cr = NULL;
	struct sc_score *sc = NULL;
	int *group = NULL, convener, evaluator, err = RT_EINTERNAL;
	unsigned char *recused = NULL, *active = NULL;
	size_t i, nr, nc, ne, ns = 0;

	if (load_rfq(r, &row, 0) || scores_access(r, &row, &convener, &evaluator))
		return r->err;
	if (store_rfq_json(r->srv->db, row.id, &rfq) || store_rfq_respondents_json(r->srv->db, row.id, &resp) ||
	    store_rfq_evaluators_json(r->srv->db, row.id, &evals) || store_rfq_coi_json(r->srv->db, row.id, 0, &cois) ||
	    store_rfq_scores_json(r->srv->db, row.id, &scores))
		goto done;
	crit = json_object_get(rfq, "criteria");
	nr = json_array_size(resp);
	nc = json_array_size(crit);
	ne = json_array_size(evals);
	cr = calloc(nc + 1, sizeof *cr);
	group = calloc(ne + 1, sizeof *group);
	recused = calloc(ne * nr + 1, 1);
	active = calloc(nr + 1, 1);
	sc = calloc(json_array_size(scores) + 1, sizeof *sc);
	if (!cr || !group || !recused || !active || !sc)
		goto done;
	json_array_foreach(crit, i, x) {
		cr[i].weight = json_number_value(json_object_get(x, "weight"));
		cr[i].max = (int)json_integer_value(json_object_get(x, "max"));
	}
	json_array_foreach(evals, i, x)
		group[i] = group_index(json_string_value(json_object_get(x, "group")));
	json_array_foreach(resp, i, x)
		active[i] = json_integer_value(json_object_get(x, "answered")) > 0;
	json_array_foreach(cois, i, x) {
		long e = find_index(evals, "member", json_integer_value(json_object_get(x, "member")));
		long rr = find_index(resp, "id", json_integer_value(json_object_get(x, "respondent")));
		if (e >= 0 && rr >= 0)
			recused[(size_t)e * nr + (size_t)rr] = 1;
	}
	json_array_foreach(scores, i, x) {
		long e = find_index(evals, "member", json_integer_value(json_object_get(x, "evaluator")));
		long rr = find_index(resp, "id", json_integer_value(json_object_get(x, "respondent")));
		long c = find_index(crit, "id", json_integer_value(json_object_get(x, "criterion")));
		if (e < 0 || rr < 0 || c < 0)
			continue;
		sc[ns++] = (struct sc_score){ (size_t)e, (size_t)rr, (size_t)c,
		                              (double)json_integer_value(json_object_get(x, "score")) };
	}
	in = (struct sc_input){ .n_resp = nr, .n_crit = nc, .n_eval = ne, .n_scores = ns, .crit = cr,
	                        .group = group, .scores = sc, .recused = recused, .active = active,
	                        .balance_groups = arg_bool(r, "balance_groups"), .normalize = arg_bool(r, "normalize") };
	if (scoring_compute(&in, &res) != 0)
		goto done;

	out_resp = json_array();
	disagree = json_array();
	for (size_t rr = 0; rr < nr; rr++) {
		json_t *rj = json_array_get(resp, rr), *cj = json_array();
		int64_t rid = json_integer_value(json_object_get(rj, "id"));
		/* A non-convener evaluator sees a respondent's figures once they
		 * have scored it on every criterion themselves. */
		int visible = convener || (!store_rfq_coi_has(r->srv->db, row.id, r->member_id, rid) &&
		                           scored_all(r, &row, rid, (int)nc));
		for (size_t c = 0; visible && c < nc; c++) {
			const struct sc_stat *st = &res.stats[rr * nc + c];
			json_t *cjx = json_array_get(crit, c);
			json_array_append_new(cj, json_pack("{s:O, s:O, s:o, s:o, s:i}", "criterion", json_object_get(cjx, "id"),
			                                    "name", json_object_get(cjx, "name"),
			                                    "mean", st->n ? num(st->mean) : json_null(),
			                                    "sd", st->n ? num(st->sd) : json_null(), "n", st->n));
			if (st->n >= 2 && st->sd > 0)
				json_array_append_new(disagree, json_pack("{s:I, s:O, s:O, s:o, s:i}", "respondent", (json_int_t)rid,
				                                          "organization", json_object_get(rj, "organization"),
				                                          "criterion", json_object_get(cjx, "id"),
				                                          "sd", num(st->sd), "n", st->n));
		}
		json_array_append_new(out_resp, json_pack("{s:I, s:O, s:o, s:o, s:o, s:b, s:b, s:b}",
			"respondent", (json_int_t)rid, "organization", json_object_get(rj, "organization"),
			"total", visible && res.has_total[rr] ? num(res.total[rr]) : json_null(),
			"rank", visible && res.rank[rr] ? json_integer(res.rank[rr]) : json_null(),
			"criteria", cj, "visible", visible, "responded", active[rr],
			"selected", json_is_true(json_object_get(rj, "selected"))));
	}
	/* Order by rank (unranked last), then as invited. */
	{
		size_t n = json_array_size(out_resp);
		for (size_t a = 1; a < n; a++)
			for (size_t b = a; b > 0; b--) {
				json_t *p = json_array_get(out_resp, b - 1), *q = json_array_get(out_resp, b);
				json_int_t rp = json_integer_value(json_object_get(p, "rank"));
				json_int_t rq = json_integer_value(json_object_get(q, "rank"));
				if (!(rq && (!rp || rq < rp)))
					break;
				json_incref(p);
				json_array_set(out_resp, b - 1, q);
				json_array_set_new(out_resp, b, p);
			}
	}
	/* Where evaluators disagree most: highest standard deviation first, at most 5. */
	{
		size_t n = json_array_size(disagree);
		for (size_t a = 1; a < n; a++)
			for (size_t b = a; b > 0; b--) {
				json_t *p = json_array_get(disagree, b - 1), *q = json_array_get(disagree, b);
				if (json_real_value(json_object_get(q, "sd")) <= json_real_value(json_object_get(p, "sd")))
					break;
				json_incref(p);
				json_array_set(disagree, b - 1, q);
				json_array_set_new(disagree, b, p);
			}
		while (json_array_size(disagree) > 5)
			json_array_remove(disagree, json_array_size(disagree) - 1);
	}
	out_evals = json_array();
	json_array_foreach(evals, i, x)
		json_array_append_new(out_evals, json_pack("{s:O, s:O, s:O, s:b}", "member", json_object_get(x, "member"),
		                                           "name", json_object_get(x, "name"), "group",
		                                           json_object_get(x, "group"), "done", res.done[i]));
	r->data = json_pack("{s:I, s:s, s:o, s:i, s:i, s:o, s:o, s:b, s:b}", "rfq", (json_int_t)row.id,
	                    "status", row.status, "respondents", out_resp, "evaluators_done", res.evaluators_done,
	                    "evaluators_total", (int)ne, "evaluators", out_evals, "disagreements", disagree,
	                    "balance_groups", in.balance_groups, "normalize", in.normalize);
	out_resp = out_evals = disagree = NULL;
	err = RT_OK;
done:
	scoring_result_free(&res);
	free(cr);
	free(group);
	free(recused);
	free(active);
	free(sc);
	json_decref(rfq);
	json_decref(resp);
	json_decref(evals);
	json_decref(cois);
	json_decref(scores);
	json_decref(out_resp);
	json_decref(out_evals);
	json_decref(disagree);
	if (err)
		return req_fail(r, err, NULL, "could not compute the results");
	return RT_OK;
}

/* ------------------------------------------------------------- CSV export */

int rfq_scores_csv(struct server *srv, int64_t member_id, int64_t rfq_id, char **out, size_t *len)
{
	static const char *const header[] = { "rfq", "rfq_title", "respondent", "organization", "criterion",
	                                      "criterion_name", "weight", "max", "evaluator", "evaluator_name",
	                                      "group", "score", "comment", "updated_at", NULL };
	json_t *args = json_pack("{s:I}", "rfq", (json_int_t)rfq_id), *scores = NULL, *rfq = NULL, *s;
	char *buf = NULL;
	size_t size = 0, i;
	FILE *f = NULL;
	int err;

	*out = NULL;
	*len = 0;
	if ((err = dispatch_call(srv, member_id, "score.list", args, &scores, NULL)) ||
	    (err = store_rfq_json(srv->db, rfq_id, &rfq)))
		goto done;
	err = RT_EINTERNAL;
	if (!(f = open_memstream(&buf, &size)))
		goto done;
	for (i = 0; header[i]; i++) {
		csv_field(f, header[i], 0);
		csv_next(f, !header[i + 1]);
	}
	json_array_foreach(json_object_get(scores, "scores"), i, s) {
		json_t *crit = NULL, *c;
		size_t k;
		json_array_foreach(json_object_get(rfq, "criteria"), k, c)
			if (json_integer_value(json_object_get(c, "id")) == json_integer_value(json_object_get(s, "criterion")))
				crit = c;
		csv_value(f, json_object_get(rfq, "id"));
		csv_next(f, 0);
		csv_value(f, json_object_get(rfq, "title"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "respondent"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "organization"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "criterion"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "criterion_name"));
		csv_next(f, 0);
		csv_value(f, json_object_get(crit, "weight"));
		csv_next(f, 0);
		csv_value(f, json_object_get(crit, "max"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "evaluator"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "name"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "group"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "score"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "comment"));
		csv_next(f, 0);
		csv_value(f, json_object_get(s, "updated_at"));
		csv_next(f, 1);
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto done;
	}
	f = NULL;
	*out = buf;
	*len = size;
	buf = NULL;
	err = RT_OK;
done:
	if (f)
		fclose(f);
	free(buf);
	json_decref(args);
	json_decref(scores);
	json_decref(rfq);
	return err;
}

/* ---------------------------------------------------------------- op table */

#define RFQ_ARG { "rfq", A_INT, 1, 0 }
#define TOKEN_ARG { "respondent_token", A_STR, 1, TOKEN_MAX }

const struct op rfq_ops[] = {
	{ "rfq.template", rfq_template, OP_AUTH, 0, { { 0 } } },
	/* Roles checked in the handler (req_require_member's forbidden path leaks a json array). */
	{ "rfq.create", rfq_create, OP_AUTH | OP_WRITE | OP_MEMBER, 0,
	  { { "coalition", A_STR, 1, 64 }, { "title", A_STR, 1, TITLE_MAX }, { "body", A_STR, 1, BODY_MAX },
	    { "closes_at", A_STR, 1, 64 }, { "questions", A_ARR, 1, QUESTIONS_MAX }, { "criteria", A_ARR, 1, CRITERIA_MAX } } },
	{ "rfq.list", rfq_list, OP_AUTH | OP_MEMBER, 0, { { "coalition", A_STR, 1, 64 } } },
	{ "rfq.get", rfq_get, OP_AUTH, 0, { RFQ_ARG } },
	{ "rfq.update", rfq_update, OP_AUTH | OP_WRITE, 0,
	  { RFQ_ARG, { "title", A_STR, 0, TITLE_MAX }, { "body", A_STR, 0, BODY_MAX }, { "closes_at", A_STR, 0, 64 },
	    { "questions", A_ARR, 0, QUESTIONS_MAX }, { "criteria", A_ARR, 0, CRITERIA_MAX } } },
	{ "rfq.publish", rfq_publish, OP_AUTH | OP_WRITE, 0, { RFQ_ARG } },
	{ "rfq.addendum", rfq_addendum, OP_AUTH | OP_WRITE, 0,
	  { RFQ_ARG, { "text", A_STR, 1, BODY_MAX }, { "questions", A_ARR, 0, QUESTIONS_MAX }, { "closes_at", A_STR, 0, 64 } } },
	{ "rfq.close", rfq_close, OP_AUTH | OP_WRITE, 0, { RFQ_ARG } },
	{ "rfq.select", rfq_select, OP_AUTH | OP_WRITE, 0,
	  { RFQ_ARG, { "respondents", A_ARR, 1, 20 }, { "note", A_STR, 0, BODY_MAX } } },
	{ "rfq.results", rfq_results, OP_AUTH, 0,
	  { RFQ_ARG, { "balance_groups", A_BOOL, 0, 0 }, { "normalize", A_BOOL, 0, 0 } } },
	{ "respondent.invite", rfq_respondent_invite, OP_AUTH | OP_WRITE, 0,
	  { RFQ_ARG, { "organization", A_STR, 1, TITLE_MAX }, { "email", A_STR, 1, 254 } } },
	/* Respondents have no account: their link token stands in for sign-in. */
	{ "response.get", rfq_response_get, 0, 0, { TOKEN_ARG } },
	{ "response.submit", rfq_response_submit, OP_WRITE, 0,
	  { TOKEN_ARG, { "answers", A_ARR, 1, QUESTIONS_MAX }, { "final", A_BOOL, 0, 0 } } },
	{ "response.list", rfq_response_list, OP_AUTH, 0, { RFQ_ARG, { "question", A_INT, 0, 0 } } },
	{ "clarification.ask", rfq_clarification_ask, OP_WRITE, 0, { TOKEN_ARG, { "text", A_STR, 1, QUESTION_MAX } } },
	{ "clarification.answer", rfq_clarification_answer, OP_AUTH | OP_WRITE, 0,
	  { RFQ_ARG, { "clarification", A_INT, 1, 0 }, { "text", A_STR, 1, BODY_MAX } } },
	{ "evaluator.assign", rfq_evaluator_assign, OP_AUTH | OP_WRITE, 0,
	  { RFQ_ARG, { "member", A_INT, 1, 0 }, { "group", A_STR, 0, 32 } } },
	{ "coi.declare", rfq_coi_declare, OP_AUTH | OP_WRITE, 0,
	  { RFQ_ARG, { "respondent", A_INT, 1, 0 }, { "reason", A_STR, 1, TEXT_MAX } } },
	{ "score.submit", rfq_score_submit, OP_AUTH | OP_WRITE, 0,
	  { RFQ_ARG, { "respondent", A_INT, 1, 0 }, { "criterion", A_INT, 1, 0 }, { "score", A_INT, 1, 0 },
	    { "comment", A_STR, 0, TEXT_MAX } } },
	{ "score.list", rfq_score_list, OP_AUTH, 0, { RFQ_ARG } },
	{ NULL, NULL, 0, 0, { { 0 } } },
};

/* -------------------------------------------------------------------- demo */

/* Calls an op as a demo member; args is stolen. Logs a failure. */
static int demo_call(struct server *srv, int64_t member, const char *op, json_t *args, json_t **data)
{
	char msg[256] = "";
	int err = args ? dispatch_call(srv, member, op, args, data, msg) : RT_EINTERNAL;
	if (err)
		fprintf(stderr, "roundtable: demo %s failed: %s\n", op, msg);
	json_decref(args);
	return err;
}

static int64_t id_at(json_t *data, const char *obj, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(json_object_get(data, obj), key));
}

/* The id of the n-th question (or criterion) of an rfq reply. */
static json_int_t nth_id(json_t *data, const char *list, size_t n)
{
	return json_integer_value(json_object_get(json_array_get(json_object_get(json_object_get(data, "rfq"), list), n), "id"));
}

/* The published hub-selection RFQ from the template, two respondents who answered. */
static int demo_published(struct server *srv, const struct demo_ids *ids)
{
	json_t *tpl = rfq_template_json(), *rfq = NULL, *inv1 = NULL, *inv2 = NULL, *c = NULL, *mem = NULL;
	int64_t rid;
	int err = RT_EINTERNAL;
	char closes[21];

	if (!tpl)
		return RT_EINTERNAL;
	rt_time_after(closes, 21L * 24 * 3600);
	json_object_set_new(tpl, "coalition", json_string(ids->slug));
	json_object_set_new(tpl, "title", json_string("Request for qualifications: Valley Alliance Hub"));
	json_object_set_new(tpl, "closes_at", json_string(closes));
	if ((err = demo_call(srv, ids->maria, "rfq.create", json_incref(tpl), &rfq)))
		goto done;
	rid = id_at(rfq, "rfq", "id");
	if ((err = demo_call(srv, ids->maria, "rfq.publish", json_pack("{s:I}", "rfq", (json_int_t)rid), NULL)) ||
	    (err = demo_call(srv, ids->maria, "respondent.invite",
	                     json_pack("{s:I, s:s, s:s}", "rfq", (json_int_t)rid, "organization",
	                               "Valley Child Care Resource Center", "email", "director@vccrc.example"), &inv1)) ||
	    (err = demo_call(srv, ids->maria, "respondent.invite",
	                     json_pack("{s:I, s:s, s:s}", "rfq", (json_int_t)rid, "organization",
	                               "United Way of the Valley", "email", "ece@uwvalley.example"), &inv2)))
		goto done;
	if ((err = demo_call(srv, 0, "response.submit", json_pack("{s:O, s:[{s:I, s:s}, {s:I, s:s}, {s:I, s:s}, {s:I, s:s}], s:b}",
		"respondent_token", json_object_get(inv1, "respondent_token"), "answers",
		"question", nth_id(rfq, "questions", 0),
		"body", "Yes. We already run **subsidy billing** for 140 programs and a food program for 60 homes; "
		        "our finance team of six uses one billing system for all of it.",
		"question", nth_id(rfq, "questions", 3),
		"body", "In 2024 we moved every program from paper attendance to a shared app, with providers "
		        "on the steering group. We learned to go slower with family child care homes.",
		"question", nth_id(rfq, "questions", 7),
		"body", "Our mission is a stable, high quality child care supply in the valley. A Hub is that mission "
		        "at scale; we do not expect to earn a margin on it.",
		"question", nth_id(rfq, "questions", 9),
		"body", "Providers call us first today. 38 of them wrote letters of support (attached on request).",
		"final", 1), NULL)))
		goto done;
	if ((err = demo_call(srv, 0, "response.submit", json_pack("{s:O, s:[{s:I, s:s}, {s:I, s:s}]}",
		"respondent_token", json_object_get(inv2, "respondent_token"), "answers",
		"question", nth_id(rfq, "questions", 7),
		"body", "Early learning is one of our three impact areas; serving as Hub would let us fund it "
		        "through shared services rather than grants alone.",
		"question", nth_id(rfq, "questions", 15),
		"body", "A steering committee with a provider majority, and our board for fiscal matters. *Draft.*"), NULL)) ||
	    (err = demo_call(srv, 0, "clarification.ask", json_pack("{s:O, s:s}", "respondent_token",
		json_object_get(inv2, "respondent_token"), "text",
		"May two organizations apply together, one for business services and one for pedagogy?"), &c)) ||
	    (err = demo_call(srv, ids->maria, "clarification.answer", json_pack("{s:I, s:I, s:s}", "rfq", (json_int_t)rid,
		"clarification", (json_int_t)id_at(c, "clarification", "id"), "text",
		"Yes. We may select more than one Hub; say in your answers which services you would lead."), NULL)))
		goto done;
	{
		const int64_t evaluators[] = { ids->maria, ids->james, ids->grace, ids->ana, ids->tom };
		for (size_t i = 0; i < sizeof evaluators / sizeof evaluators[0]; i++)
			if ((err = demo_call(srv, ids->maria, "evaluator.assign",
			                     json_pack("{s:I, s:I}", "rfq", (json_int_t)rid, "member", (json_int_t)evaluators[i]), NULL)))
				goto done;
	}
	if ((err = demo_call(srv, ids->tom, "coi.declare", json_pack("{s:I, s:I, s:s}", "rfq", (json_int_t)rid,
		"respondent", (json_int_t)id_at(inv2, "respondent", "id"), "reason",
		"I sit on the United Way of the Valley's early learning committee."), NULL)))
		goto done;
	printf("RFQ \"Request for qualifications: Valley Alliance Hub\" (published), respondent links (respondent_token):\n");
	printf("  %-36s %s\n", "Valley Child Care Resource Center", json_string_value(json_object_get(inv1, "respondent_token")));
	printf("  %-36s %s\n\n", "United Way of the Valley", json_string_value(json_object_get(inv2, "respondent_token")));
done:
	json_decref(tpl);
	json_decref(rfq);
	json_decref(inv1);
	json_decref(inv2);
	json_decref(c);
	json_decref(mem);
	return err;
}

/* A closed RFQ with three candidate hubs, their answers, and scores from
 * evaluators of all three groups (one recused), ready for results. */
static int demo_closed(struct server *srv, const struct demo_ids *ids)
{
	static const char *const orgs[3] = { "Valley Child Care Resource Center", "Riverbend Early Learning Institute",
	                                     "Valley Community College, ECE Department" };
	/* scores[evaluator][respondent][criterion] */
	static const int scores[5][3][3] = {
		{ { 4, 4, 3 }, { 5, 4, 4 }, { 3, 3, 2 } }, /* maria */
		{ { 3, 4, 3 }, { 4, 5, 4 }, { 2, 3, 3 } }, /* james */
		{ { 5, 5, 4 }, { 4, 4, 5 }, { 4, 3, 3 } }, /* grace */
		{ { 2, 3, 2 }, { 5, 5, 4 }, { 2, 2, 1 } }, /* ana */
		{ { 0, 0, 0 }, { 4, 4, 3 }, { 3, 2, 2 } }, /* dee: recused from the first */
	};
	const int64_t evaluators[5] = { ids->maria, ids->james, ids->grace, ids->ana, ids->dee };
	json_t *rfq = NULL, *inv = NULL;
	int64_t rid, resp[3] = { 0 };
	char closes[21];
	int err;

	rt_time_after(closes, 7L * 24 * 3600);
	if ((err = demo_call(srv, ids->maria, "rfq.create", json_pack(
		"{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}], s:[{s:s, s:s, s:i, s:i}, {s:s, s:s, s:i, s:i}, {s:s, s:s, s:i, s:i}]}",
		"coalition", ids->slug, "title", "Pedagogy Hub: coaching and professional development",
		"body", "A second Hub to lead **pedagogy**: coaching, professional development and a shared curriculum "
		        "for centers and family child care homes.",
		"closes_at", closes, "questions",
		"section", "Track record", "text", "What coaching or professional development do you offer today, and to how many programs?",
		"section", "Mission match", "text", "How would leading pedagogy for the Alliance help achieve your mission?",
		"section", "Trust", "text", "How will you build the trust of family child care providers in particular?",
		"criteria",
		"name", "Ability to lead change", "description", "Comfortable with, and excited about, change, growth, and innovation in the sector.", "weight", 3, "max", 5,
		"name", "Access to providers", "description", "Knows the provider community well and can engage providers in the Alliance.", "weight", 2, "max", 5,
		"name", "Commitment to excellence", "description", "Willing to do the work needed to raise the bar on quality service delivery.", "weight", 1, "max", 5), &rfq)))
		goto done;
	rid = id_at(rfq, "rfq", "id");
	if ((err = demo_call(srv, ids->maria, "rfq.publish", json_pack("{s:I}", "rfq", (json_int_t)rid), NULL)))
		goto done;
	for (int i = 0; i < 3; i++) {
		char email[64];
		snprintf(email, sizeof email, "pedagogy%d@hub%d.example", i + 1, i + 1);
		json_decref(inv);
		inv = NULL;
		if ((err = demo_call(srv, ids->maria, "respondent.invite",
		                     json_pack("{s:I, s:s, s:s}", "rfq", (json_int_t)rid, "organization", orgs[i], "email", email), &inv)))
			goto done;
		resp[i] = id_at(inv, "respondent", "id");
		if ((err = demo_call(srv, 0, "response.submit", json_pack("{s:O, s:[{s:I, s:s}, {s:I, s:s}, {s:I, s:s}], s:b}",
			"respondent_token", json_object_get(inv, "respondent_token"), "answers",
			"question", nth_id(rfq, "questions", 0), "body",
			i == 0 ? "Monthly coaching for 45 programs; a CDA cohort each year." :
			i == 1 ? "Our institute trains **200 teachers a year** and coaches 30 classrooms weekly." :
			         "Credit-bearing ECE courses; no coaching yet.",
			"question", nth_id(rfq, "questions", 1), "body",
			i == 0 ? "Quality care in every setting is our mission." :
			i == 1 ? "We exist to grow great early educators; the Alliance reaches the ones we miss." :
			         "It would connect our students to real classrooms.",
			"question", nth_id(rfq, "questions", 2), "body",
			i == 0 ? "Our home visitors already know most family child care providers." :
			i == 1 ? "Peer coaches drawn from family child care, paid for their time." :
			         "Evening and weekend classes, in English and Spanish.",
			"final", 1), NULL)))
			goto done;
	}
	if ((err = demo_call(srv, ids->maria, "rfq.close", json_pack("{s:I}", "rfq", (json_int_t)rid), NULL)))
		goto done;
	for (int e = 0; e < 5; e++)
		if ((err = demo_call(srv, ids->maria, "evaluator.assign",
		                     json_pack("{s:I, s:I}", "rfq", (json_int_t)rid, "member", (json_int_t)evaluators[e]), NULL)))
			goto done;
	if ((err = demo_call(srv, ids->dee, "coi.declare", json_pack("{s:I, s:I, s:s}", "rfq", (json_int_t)rid,
		"respondent", (json_int_t)resp[0], "reason", "My home is coached by their staff under a paid contract."), NULL)))
		goto done;
	for (int e = 0; e < 5; e++)
		for (int i = 0; i < 3; i++)
			for (int c = 0; c < 3; c++) {
				if (!scores[e][i][c])
					continue;
				if ((err = demo_call(srv, evaluators[e], "score.submit",
				                     json_pack("{s:I, s:I, s:I, s:i}", "rfq", (json_int_t)rid, "respondent", (json_int_t)resp[i],
				                               "criterion", nth_id(rfq, "criteria", (size_t)c), "score", scores[e][i][c]), NULL)))
					goto done;
			}
done:
	json_decref(rfq);
	json_decref(inv);
	return err;
}

int rfq_demo(struct server *srv, const struct demo_ids *ids)
{
	int err = demo_published(srv, ids);
	return err ? err : demo_closed(srv, ids);
}
