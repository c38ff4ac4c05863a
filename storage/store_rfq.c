/*
 * store_rfq.c: the SQL of hub selection RFQs (see store_rfq.h).
 */
#include "store_rfq.h"
#include "stmt.h"
#include "rt.h"

#include <stdio.h>
#include <string.h>

/* Runs a one-row insert and returns the new rowid. */
static int insert_id(struct db *db, sqlite3_stmt *st, int64_t *out_id)
{
	int err = db_step_done(db, st);
	if (err == RT_OK && out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return err;
}

int store_rfq_create(struct db *db, int64_t coalition_id, const char *title, const char *body,
                     const char *closes_at, int64_t created_by, int64_t *out_id)
{
	char now[21];
	PREP(st, "INSERT INTO rfqs(coalition_id, title, body, closes_at, created_by, created_at, html) "
	         "VALUES (?,?,?,?,?,?, rt_markdown(?3))");
	rt_now(now);
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, closes_at, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, created_by);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	return insert_id(db, st, out_id);
}

int store_rfq_update(struct db *db, int64_t id, const char *title, const char *body, const char *closes_at)
{
	PREP(st, "UPDATE rfqs SET title = coalesce(?1, title), body = coalesce(?2, body), "
	         "html = CASE WHEN ?2 IS NULL THEN html ELSE rt_markdown(?2) END, "
	         "closes_at = coalesce(?3, closes_at) WHERE id = ?4");
	bind_text_or_null(st, 1, title);
	bind_text_or_null(st, 2, body);
	bind_text_or_null(st, 3, closes_at);
	sqlite3_bind_int64(st, 4, id);
	return db_step_done(db, st);
}

int store_rfq_row(struct db *db, int64_t id, struct rfq_row *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, coalition_id, status, closes_at FROM rfqs WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->coalition_id = sqlite3_column_int64(st, 1);
		snprintf(out->status, sizeof out->status, "%s", db_col_text(st, 2));
		snprintf(out->closes_at, sizeof out->closes_at, "%s", db_col_text(st, 3));
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_set_status(struct db *db, int64_t id, const char *status, const char *at, const char *note)
{
	PREP(st, "UPDATE rfqs SET status = ?1, "
	         "published_at = CASE WHEN ?1 = 'published' THEN ?2 ELSE published_at END, "
	         "closed_at = CASE WHEN ?1 = 'closed' THEN ?2 ELSE closed_at END, "
	         "decided_at = CASE WHEN ?1 = 'decided' THEN ?2 ELSE decided_at END, "
	         "decision_note = CASE WHEN ?1 = 'decided' THEN ?3 ELSE decision_note END "
	         "WHERE id = ?4");
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, note);
	sqlite3_bind_int64(st, 4, id);
	return db_step_done(db, st);
}

int store_rfq_due(struct db *db, const char *now, int64_t *ids, int max, int *n)
{
	int err = RT_OK;
	PREP(st, "SELECT id FROM rfqs WHERE status = 'published' AND closes_at <= ? ORDER BY closes_at, id LIMIT ?");
	*n = 0;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, max);
	while (*n < max && step_row(st, &err))
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return err;
}

static int rfq_questions(struct db *db, int64_t id, json_t *arr)
{
	int err = RT_OK;
	PREP(st, "SELECT id, section, text, addendum_id FROM rfq_questions WHERE rfq_id = ? ORDER BY position, id");
	sqlite3_bind_int64(st, 1, id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "section", db_col_text(st, 1),
			"text", db_col_text(st, 2), "addendum",
			sqlite3_column_type(st, 3) == SQLITE_NULL ? json_null()
			                                          : json_integer(sqlite3_column_int64(st, 3)))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return err;
}

static int rfq_criteria(struct db *db, int64_t id, json_t *arr)
{
	int err = RT_OK;
	PREP(st, "SELECT id, name, description, weight, max FROM rfq_criteria WHERE rfq_id = ? ORDER BY position, id");
	sqlite3_bind_int64(st, 1, id);
	while (step_row(st, &err)) {
		double w = sqlite3_column_double(st, 3);
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:o, s:i}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "name", db_col_text(st, 1),
			"description", db_col_text(st, 2),
			"weight", w == (double)(json_int_t)w ? json_integer((json_int_t)w) : json_real(w),
			"max", sqlite3_column_int(st, 4))))
			err = RT_EINTERNAL;
	}
	sqlite3_reset(st);
	return err;
}

static int rfq_addenda(struct db *db, int64_t id, json_t *arr)
{
	int err = RT_OK;
	PREP(st, "SELECT id, text, created_at, html FROM rfq_addenda WHERE rfq_id = ? ORDER BY id");
	sqlite3_bind_int64(st, 1, id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		                                     "text", db_col_text(st, 1), "at", db_col_text(st, 2),
		                                     "html", col_json(st, 3))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return err;
}

int store_rfq_json(struct db *db, int64_t id, json_t **out)
{
	json_t *o = NULL, *q = json_array(), *c = json_array(), *a = json_array();
	int err = RT_ENOTFOUND;
	sqlite3_stmt *st = db_prep(db, "SELECT id, title, body, status, closes_at, created_by, created_at, "
	                               "published_at, closed_at, decided_at, decision_note, html FROM rfqs WHERE id = ?");
	*out = NULL;
	if (!st) {
		err = RT_EINTERNAL;
		goto done;
	}
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) == SQLITE_ROW)
		o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o}",
		              "id", (json_int_t)sqlite3_column_int64(st, 0), "title", db_col_text(st, 1),
		              "body", db_col_text(st, 2), "status", db_col_text(st, 3),
		              "closes_at", db_col_text(st, 4), "created_by", (json_int_t)sqlite3_column_int64(st, 5),
		              "created_at", db_col_text(st, 6), "published_at", col_json(st, 7),
		              "closed_at", col_json(st, 8), "decided_at", col_json(st, 9), "note", col_json(st, 10),
		              "html", col_json(st, 11));
	sqlite3_reset(st);
	if (!o)
		goto done;
	if ((err = rfq_questions(db, id, q)) || (err = rfq_criteria(db, id, c)) || (err = rfq_addenda(db, id, a)))
		goto done;
	json_object_set(o, "questions", q);
	json_object_set(o, "criteria", c);
	json_object_set(o, "addenda", a);
	*out = o;
	o = NULL;
	err = RT_OK;
done:
	json_decref(o);
	json_decref(q);
	json_decref(c);
	json_decref(a);
	return err;
}

int store_rfq_list(struct db *db, int64_t coalition_id, json_t **out)
{
	int err = RT_OK;
	json_t *arr;
	PREP(st, "SELECT id, title, status, closes_at, created_at FROM rfqs WHERE coalition_id = ? ORDER BY id DESC");
	arr = json_array();
	sqlite3_bind_int64(st, 1, coalition_id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "title", db_col_text(st, 1),
			"status", db_col_text(st, 2), "closes_at", db_col_text(st, 3), "created_at", db_col_text(st, 4))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_rfq_question_add(struct db *db, int64_t rfq_id, const char *section, const char *text,
                           int64_t addendum_id, int64_t *out_id)
{
	PREP(st, "INSERT INTO rfq_questions(rfq_id, position, section, text, addendum_id) VALUES "
	         "(?1, (SELECT coalesce(max(position), 0) + 1 FROM rfq_questions WHERE rfq_id = ?1), ?2, ?3, ?4)");
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_text(st, 2, section, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	if (addendum_id)
		sqlite3_bind_int64(st, 4, addendum_id);
	else
		sqlite3_bind_null(st, 4);
	return insert_id(db, st, out_id);
}

int store_rfq_criterion_add(struct db *db, int64_t rfq_id, const char *name, const char *description,
                            double weight, int max, int64_t *out_id)
{
	PREP(st, "INSERT INTO rfq_criteria(rfq_id, position, name, description, weight, max) VALUES "
	         "(?1, (SELECT coalesce(max(position), 0) + 1 FROM rfq_criteria WHERE rfq_id = ?1), ?2, ?3, ?4, ?5)");
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, description, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, weight);
	sqlite3_bind_int(st, 5, max);
	return insert_id(db, st, out_id);
}

int store_rfq_questions_clear(struct db *db, int64_t rfq_id)
{
	PREP(st, "DELETE FROM rfq_questions WHERE rfq_id = ?");
	sqlite3_bind_int64(st, 1, rfq_id);
	return db_step_done(db, st);
}

int store_rfq_criteria_clear(struct db *db, int64_t rfq_id)
{
	PREP(st, "DELETE FROM rfq_criteria WHERE rfq_id = ?");
	sqlite3_bind_int64(st, 1, rfq_id);
	return db_step_done(db, st);
}

int store_rfq_question_of(struct db *db, int64_t rfq_id, int64_t question_id)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT 1 FROM rfq_questions WHERE id = ? AND rfq_id = ?");
	sqlite3_bind_int64(st, 1, question_id);
	sqlite3_bind_int64(st, 2, rfq_id);
	if (step_lookup(st, &err) == SQLITE_ROW)
		err = RT_OK;
	sqlite3_reset(st);
	return err;
}

int store_rfq_criterion_of(struct db *db, int64_t rfq_id, int64_t criterion_id, int *max)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT max FROM rfq_criteria WHERE id = ? AND rfq_id = ?");
	sqlite3_bind_int64(st, 1, criterion_id);
	sqlite3_bind_int64(st, 2, rfq_id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		if (max)
			*max = sqlite3_column_int(st, 0);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_addendum_add(struct db *db, int64_t rfq_id, const char *text, int64_t by, int64_t *out_id)
{
	char now[21];
	PREP(st, "INSERT INTO rfq_addenda(rfq_id, text, created_by, created_at, html) VALUES (?,?,?,?, rt_markdown(?2))");
	rt_now(now);
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, by);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	return insert_id(db, st, out_id);
}

int store_rfq_addendum_html(struct db *db, int64_t id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT html FROM rfq_addenda WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	*out = NULL;
	if (step_lookup(st, &err) == SQLITE_ROW)
		err = (*out = col_json(st, 0)) ? RT_OK : RT_EINTERNAL;
	sqlite3_reset(st);
	return err;
}

int store_rfq_respondent_add(struct db *db, int64_t rfq_id, const char *organization, const char *email,
                             const unsigned char hash[32], int64_t by, int64_t *out_id)
{
	char now[21];
	PREP(st, "INSERT INTO rfq_respondents(rfq_id, organization, email, token_hash, invited_by, invited_at) "
	         "VALUES (?,?,?,?,?,?)");
	rt_now(now);
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_text(st, 2, organization, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, email, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, by);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	return insert_id(db, st, out_id);
}

static void respondent_row(sqlite3_stmt *st, struct rfq_respondent *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->rfq_id = sqlite3_column_int64(st, 1);
	out->final = sqlite3_column_type(st, 2) != SQLITE_NULL;
	snprintf(out->organization, sizeof out->organization, "%s", db_col_text(st, 3));
}

int store_rfq_respondent_by_hash(struct db *db, const unsigned char hash[32], struct rfq_respondent *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, rfq_id, final_at, organization FROM rfq_respondents WHERE token_hash = ?");
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		respondent_row(st, out);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_respondent_get(struct db *db, int64_t id, struct rfq_respondent *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, rfq_id, final_at, organization FROM rfq_respondents WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		respondent_row(st, out);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_respondent_json(struct db *db, int64_t id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, organization, email, invited_at, final_at, selected FROM rfq_respondents WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	*out = NULL;
	if (step_lookup(st, &err) == SQLITE_ROW) {
		*out = json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		                 "organization", db_col_text(st, 1), "email", db_col_text(st, 2),
		                 "invited_at", db_col_text(st, 3), "final_at", col_json(st, 4),
		                 "selected", sqlite3_column_int(st, 5));
		err = *out ? RT_OK : RT_EINTERNAL;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_respondents_json(struct db *db, int64_t rfq_id, json_t **out)
{
	int err = RT_OK;
	json_t *arr;
	PREP(st, "SELECT r.id, r.organization, r.email, r.invited_at, r.final_at, r.selected, "
	         "(SELECT count(*) FROM rfq_answers a WHERE a.respondent_id = r.id) "
	         "FROM rfq_respondents r WHERE r.rfq_id = ? ORDER BY r.id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, rfq_id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:i}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "organization", db_col_text(st, 1),
			"email", db_col_text(st, 2), "invited_at", db_col_text(st, 3), "final_at", col_json(st, 4),
			"selected", sqlite3_column_int(st, 5), "answered", sqlite3_column_int(st, 6))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_rfq_respondent_finalize(struct db *db, int64_t id, const char *at)
{
	PREP(st, "UPDATE rfq_respondents SET final_at = ? WHERE id = ? AND final_at IS NULL");
	sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return db_step_done(db, st);
}

int store_rfq_respondent_select(struct db *db, int64_t id)
{
	PREP(st, "UPDATE rfq_respondents SET selected = 1 WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	return db_step_done(db, st);
}

int store_rfq_counts(struct db *db, int64_t rfq_id, int *invited, int *answered, int *final)
{
	int err = RT_EINTERNAL;
	PREP(st, "SELECT count(*), "
	         "coalesce(sum(EXISTS (SELECT 1 FROM rfq_answers a WHERE a.respondent_id = r.id)), 0), "
	         "count(r.final_at) FROM rfq_respondents r WHERE r.rfq_id = ?");
	sqlite3_bind_int64(st, 1, rfq_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*invited = sqlite3_column_int(st, 0);
		*answered = sqlite3_column_int(st, 1);
		*final = sqlite3_column_int(st, 2);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_answer_put(struct db *db, int64_t respondent_id, int64_t question_id, const char *body,
                         const char *at)
{
	if (!*body) {
		PREP(del, "DELETE FROM rfq_answers WHERE respondent_id = ? AND question_id = ?");
		sqlite3_bind_int64(del, 1, respondent_id);
		sqlite3_bind_int64(del, 2, question_id);
		return db_step_done(db, del);
	}
	PREP(st, "INSERT INTO rfq_answers(respondent_id, question_id, body, updated_at, html) "
	         "VALUES (?1, ?2, ?3, ?4, rt_markdown(?3)) ON CONFLICT(respondent_id, question_id) "
	         "DO UPDATE SET body = ?3, updated_at = ?4, html = excluded.html");
	sqlite3_bind_int64(st, 1, respondent_id);
	sqlite3_bind_int64(st, 2, question_id);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_rfq_answers_json(struct db *db, int64_t respondent_id, json_t **out)
{
	int err = RT_OK;
	json_t *arr;
	PREP(st, "SELECT a.question_id, a.body, a.updated_at, a.html FROM rfq_answers a "
	         "JOIN rfq_questions q ON q.id = a.question_id WHERE a.respondent_id = ? ORDER BY q.position, q.id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, respondent_id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:o}", "question", (json_int_t)sqlite3_column_int64(st, 0),
		                                     "body", db_col_text(st, 1), "updated_at", db_col_text(st, 2),
		                                     "html", col_json(st, 3))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_rfq_responses_json(struct db *db, int64_t rfq_id, int64_t question_id, json_t **out)
{
	json_t *arr, *cur = NULL;
	int64_t cur_id = 0;
	int err = RT_OK;
	PREP(st, "SELECT r.id, r.organization, r.final_at, a.question_id, a.body, a.updated_at, a.html "
	         "FROM rfq_respondents r LEFT JOIN rfq_answers a ON a.respondent_id = r.id "
	         "  AND (?2 = 0 OR a.question_id = ?2) "
	         "LEFT JOIN rfq_questions q ON q.id = a.question_id "
	         "WHERE r.rfq_id = ?1 ORDER BY r.id, q.position, q.id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, question_id);
	while (step_row(st, &err)) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (!cur || id != cur_id) {
			cur = json_pack("{s:I, s:s, s:o, s:[]}", "respondent", (json_int_t)id, "organization",
			                db_col_text(st, 1), "final_at", col_json(st, 2), "answers");
			if (json_array_append_new(arr, cur))
				err = RT_EINTERNAL;
			cur_id = id;
		}
		if (sqlite3_column_type(st, 3) != SQLITE_NULL &&
		    json_array_append_new(json_object_get(cur, "answers"),
				json_pack("{s:I, s:s, s:s, s:o}", "question", (json_int_t)sqlite3_column_int64(st, 3),
				          "body", db_col_text(st, 4), "updated_at", db_col_text(st, 5), "html", col_json(st, 6))))
			err = RT_EINTERNAL;
	}
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_rfq_clarification_add(struct db *db, int64_t rfq_id, int64_t respondent_id, const char *question,
                                const char *at, int64_t *out_id)
{
	PREP(st, "INSERT INTO rfq_clarifications(rfq_id, respondent_id, question, asked_at, question_html) "
	         "VALUES (?,?,?,?, rt_markdown(?3))");
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, respondent_id);
	sqlite3_bind_text(st, 3, question, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
	return insert_id(db, st, out_id);
}

int store_rfq_clarifications_open(struct db *db, int64_t respondent_id, int *n)
{
	int err = RT_EINTERNAL;
	PREP(st, "SELECT count(*) FROM rfq_clarifications WHERE respondent_id = ? AND answer IS NULL");
	sqlite3_bind_int64(st, 1, respondent_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int(st, 0);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_clarification_get(struct db *db, int64_t id, int64_t *rfq_id, int *answered)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT rfq_id, answer IS NOT NULL FROM rfq_clarifications WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		*rfq_id = sqlite3_column_int64(st, 0);
		*answered = sqlite3_column_int(st, 1);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_clarification_answer(struct db *db, int64_t id, const char *answer, int64_t by, const char *at)
{
	PREP(st, "UPDATE rfq_clarifications SET answer = ?1, answer_html = rt_markdown(?1), answered_by = ?2, "
	         "answered_at = ?3 WHERE id = ?4");
	sqlite3_bind_text(st, 1, answer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, by);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, id);
	return db_step_done(db, st);
}

static json_t *clarification_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
	                 "question", db_col_text(st, 1), "asked_at", db_col_text(st, 2),
	                 "answer", col_json(st, 3), "answered_at", col_json(st, 4),
	                 "question_html", col_json(st, 5), "answer_html", col_json(st, 6));
}

int store_rfq_clarifications_json(struct db *db, int64_t rfq_id, int answered_only, json_t **out)
{
	int err = RT_OK;
	json_t *arr;
	PREP(st, "SELECT id, question, asked_at, answer, answered_at, question_html, answer_html "
	         "FROM rfq_clarifications WHERE rfq_id = ? AND (? = 0 OR answer IS NOT NULL) ORDER BY id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int(st, 2, answered_only);
	while (step_row(st, &err))
		if (json_array_append_new(arr, clarification_row(st)))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_rfq_clarification_json(struct db *db, int64_t id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, question, asked_at, answer, answered_at, question_html, answer_html "
	         "FROM rfq_clarifications WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	*out = NULL;
	if (step_lookup(st, &err) == SQLITE_ROW) {
		*out = clarification_row(st);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_evaluator_set(struct db *db, int64_t rfq_id, int64_t member_id, const char *group, int64_t by)
{
	char now[21];
	PREP(st, "INSERT INTO rfq_evaluators(rfq_id, member_id, grp, assigned_by, assigned_at) VALUES (?1,?2,?3,?4,?5) "
	         "ON CONFLICT(rfq_id, member_id) DO UPDATE SET grp = ?3");
	rt_now(now);
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_text(st, 3, group, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, by);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_rfq_evaluator_group(struct db *db, int64_t rfq_id, int64_t member_id, char *buf, size_t size)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT grp FROM rfq_evaluators WHERE rfq_id = ? AND member_id = ?");
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, member_id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		snprintf(buf, size, "%s", db_col_text(st, 0));
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_rfq_evaluators_json(struct db *db, int64_t rfq_id, json_t **out)
{
	int err = RT_OK;
	json_t *arr;
	PREP(st, "SELECT e.member_id, m.name, e.grp FROM rfq_evaluators e JOIN members m ON m.id = e.member_id "
	         "WHERE e.rfq_id = ? ORDER BY m.name, e.member_id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, rfq_id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s}", "member", (json_int_t)sqlite3_column_int64(st, 0),
		                                     "name", db_col_text(st, 1), "group", db_col_text(st, 2))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_rfq_coi_declare(struct db *db, int64_t rfq_id, int64_t member_id, int64_t respondent_id,
                          const char *reason, const char *at)
{
	int err;
	PREP(st, "INSERT INTO rfq_coi(rfq_id, member_id, respondent_id, reason, declared_at) VALUES (?1,?2,?3,?4,?5) "
	         "ON CONFLICT(rfq_id, member_id, respondent_id) DO UPDATE SET reason = ?4, declared_at = ?5");
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int64(st, 3, respondent_id);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) != RT_OK)
		return err;
	PREP(del, "DELETE FROM rfq_scores WHERE rfq_id = ? AND member_id = ? AND respondent_id = ?");
	sqlite3_bind_int64(del, 1, rfq_id);
	sqlite3_bind_int64(del, 2, member_id);
	sqlite3_bind_int64(del, 3, respondent_id);
	return db_step_done(db, del);
}

int store_rfq_coi_has(struct db *db, int64_t rfq_id, int64_t member_id, int64_t respondent_id)
{
	int rc;
	sqlite3_stmt *st = db_prep(db, "SELECT 1 FROM rfq_coi WHERE rfq_id = ? AND member_id = ? AND respondent_id = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int64(st, 3, respondent_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	/* a failed read counts as a declared conflict: recused, never the reverse */
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_rfq_coi_json(struct db *db, int64_t rfq_id, int64_t member_id, json_t **out)
{
	int err = RT_OK;
	json_t *arr;
	PREP(st, "SELECT c.member_id, m.name, c.respondent_id, c.reason, c.declared_at FROM rfq_coi c "
	         "JOIN members m ON m.id = c.member_id WHERE c.rfq_id = ?1 AND (?2 = 0 OR c.member_id = ?2) "
	         "ORDER BY c.declared_at, c.member_id, c.respondent_id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, member_id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:I, s:s, s:s}",
			"member", (json_int_t)sqlite3_column_int64(st, 0), "name", db_col_text(st, 1),
			"respondent", (json_int_t)sqlite3_column_int64(st, 2), "reason", db_col_text(st, 3),
			"declared_at", db_col_text(st, 4))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_rfq_score_put(struct db *db, int64_t rfq_id, int64_t member_id, int64_t respondent_id,
                        int64_t criterion_id, int score, const char *comment, const char *at)
{
	PREP(st, "INSERT INTO rfq_scores(rfq_id, member_id, respondent_id, criterion_id, score, comment, updated_at) "
	         "VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(rfq_id, member_id, respondent_id, criterion_id) "
	         "DO UPDATE SET score = ?5, comment = ?6, updated_at = ?7");
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int64(st, 3, respondent_id);
	sqlite3_bind_int64(st, 4, criterion_id);
	sqlite3_bind_int(st, 5, score);
	bind_text_or_null(st, 6, comment);
	sqlite3_bind_text(st, 7, at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_rfq_scores_json(struct db *db, int64_t rfq_id, json_t **out)
{
	int err = RT_OK;
	json_t *arr;
	PREP(st, "SELECT s.member_id, m.name, e.grp, s.respondent_id, r.organization, s.criterion_id, c.name, "
	         "s.score, s.comment, s.updated_at FROM rfq_scores s "
	         "JOIN members m ON m.id = s.member_id "
	         "JOIN rfq_evaluators e ON e.rfq_id = s.rfq_id AND e.member_id = s.member_id "
	         "JOIN rfq_respondents r ON r.id = s.respondent_id "
	         "JOIN rfq_criteria c ON c.id = s.criterion_id "
	         "WHERE s.rfq_id = ? ORDER BY s.respondent_id, c.position, c.id, m.name, s.member_id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, rfq_id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:s, s:I, s:s, s:i, s:o, s:s}",
			"evaluator", (json_int_t)sqlite3_column_int64(st, 0), "name", db_col_text(st, 1),
			"group", db_col_text(st, 2), "respondent", (json_int_t)sqlite3_column_int64(st, 3),
			"organization", db_col_text(st, 4), "criterion", (json_int_t)sqlite3_column_int64(st, 5),
			"criterion_name", db_col_text(st, 6), "score", sqlite3_column_int(st, 7),
			"comment", col_json(st, 8), "updated_at", db_col_text(st, 9))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_rfq_scored_count(struct db *db, int64_t rfq_id, int64_t member_id, int64_t respondent_id)
{
	int n = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT count(*) FROM rfq_scores WHERE rfq_id = ? AND member_id = ? AND respondent_id = ?");
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, rfq_id);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int64(st, 3, respondent_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}
