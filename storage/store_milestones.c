/*
 * store_milestones.c: the SQL of milestones, their updates, links and
 * attention notices (see store_milestones.h).
 *
 * Links name items of other areas (decisions, MOUs, threads) by kind and id,
 * without foreign keys (one kind column names three tables). A new link is
 * checked against the other area's table (the id must be a row of the
 * milestone's coalition) and titles are read from it.
 */
#include "store_milestones.h"
#include "stmt.h"
#include "rt.h"

#include <stdio.h>
#include <string.h>

/* {id, name} of a member whose id and name are in columns col and col+1, or null. */
static json_t *col_person(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_pack("{s:I, s:s}", "id", (json_int_t)sqlite3_column_int64(st, col),
	                 "name", db_col_text(st, col + 1));
}

int store_milestone_create(struct db *db, const struct milestone_new *m, int64_t *out_id)
{
	char now[21];
	int err;
	PREP(st, "INSERT INTO milestones(coalition_id, title, body, category, due, owner_id,"
	         " metric_name, metric_unit, metric_baseline, metric_target, created_by,"
	         " created_at, updated_at, html) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?12, rt_markdown(?3))");
	rt_now(now);
	sqlite3_bind_int64(st, 1, m->coalition_id);
	sqlite3_bind_text(st, 2, m->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->body, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, m->category);
	bind_text_or_null(st, 5, m->due);
	if (m->owner_id)
		sqlite3_bind_int64(st, 6, m->owner_id);
	if (m->has_metric) {
		sqlite3_bind_text(st, 7, m->metric_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, m->metric_unit ? m->metric_unit : "", -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 9, m->baseline);
		sqlite3_bind_double(st, 10, m->target);
	}
	sqlite3_bind_int64(st, 11, m->created_by);
	sqlite3_bind_text(st, 12, now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) == RT_OK && out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return err;
}

int store_milestone_get(struct db *db, int64_t id, struct milestone_row *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, coalition_id, owner_id, status, due, metric_name IS NOT NULL,"
	         " metric_baseline, metric_target, value FROM milestones WHERE id = ?");
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->coalition_id = sqlite3_column_int64(st, 1);
		out->owner_id = sqlite3_column_int64(st, 2);
		snprintf(out->status, sizeof out->status, "%s", db_col_text(st, 3));
		snprintf(out->due, sizeof out->due, "%s", db_col_text(st, 4));
		out->has_metric = sqlite3_column_int(st, 5);
		out->baseline = sqlite3_column_double(st, 6);
		out->target = sqlite3_column_double(st, 7);
		out->has_value = sqlite3_column_type(st, 8) != SQLITE_NULL;
		out->value = sqlite3_column_double(st, 8);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_milestone_update_add(struct db *db, int64_t milestone_id, int64_t author_id,
                               const char *status, int has_value, double value,
                               const char *note, const char *at, int64_t *out_id)
{
	char now[21];
	int err;
	PREP(ins, "INSERT INTO milestone_updates(milestone_id, author_id, status, previous_status,"
	          " value, note, at, html) SELECT id, ?2, ?3, status, ?4, ?5, ?6, rt_markdown(?5) FROM milestones WHERE id = ?1");
	PREP(upd, "UPDATE milestones SET status = coalesce(?2, status),"
	          " value = CASE WHEN ?3 THEN ?4 ELSE value END, updated_at = ?5 WHERE id = ?1");
	rt_now(now);
	sqlite3_bind_int64(ins, 1, milestone_id);
	if (author_id)
		sqlite3_bind_int64(ins, 2, author_id);
	bind_text_or_null(ins, 3, status);
	if (has_value)
		sqlite3_bind_double(ins, 4, value);
	sqlite3_bind_text(ins, 5, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, at ? at : now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, ins)) != RT_OK)
		return err;
	if (sqlite3_changes(db_handle(db)) != 1)
		return RT_ENOTFOUND;
	if (out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	sqlite3_bind_int64(upd, 1, milestone_id);
	bind_text_or_null(upd, 2, status);
	sqlite3_bind_int(upd, 3, has_value ? 1 : 0);
	if (has_value)
		sqlite3_bind_double(upd, 4, value);
	sqlite3_bind_text(upd, 5, at ? at : now, -1, SQLITE_STATIC);
	return db_step_done(db, upd);
}

int store_milestone_update_set_at(struct db *db, int64_t update_id, const char *at)
{
	int err;
	PREP(st, "UPDATE milestone_updates SET at = ?2 WHERE id = ?1");
	PREP(m, "UPDATE milestones SET updated_at = max(created_at, (SELECT max(at) FROM milestone_updates"
	        " WHERE milestone_id = milestones.id)) WHERE id = (SELECT milestone_id FROM"
	        " milestone_updates WHERE id = ?1)");
	sqlite3_bind_int64(st, 1, update_id);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) != RT_OK)
		return err;
	sqlite3_bind_int64(m, 1, update_id);
	return db_step_done(db, m);
}

int store_milestone_set_created_at(struct db *db, int64_t milestone_id, const char *at)
{
	PREP(st, "UPDATE milestones SET created_at = ?2, updated_at = max(?2, coalesce((SELECT max(at)"
	         " FROM milestone_updates WHERE milestone_id = ?1), ?2)) WHERE id = ?1");
	sqlite3_bind_int64(st, 1, milestone_id);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_milestone_json(struct db *db, int64_t id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT m.id, c.slug, m.title, m.body, m.category, m.due, m.owner_id, o.name, m.status,"
	         " m.metric_name, m.metric_unit, m.metric_baseline, m.metric_target, m.value,"
	         " m.created_by, cb.name, m.created_at, m.updated_at,"
	         " (SELECT count(*) FROM milestone_updates u WHERE u.milestone_id = m.id),"
	         " (SELECT max(at) FROM milestone_updates u WHERE u.milestone_id = m.id), m.html"
	         " FROM milestones m JOIN coalitions c ON c.id = m.coalition_id"
	         " LEFT JOIN members o ON o.id = m.owner_id LEFT JOIN members cb ON cb.id = m.created_by"
	         " WHERE m.id = ?");
	*out = NULL;
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		json_t *metric = json_null();
		if (sqlite3_column_type(st, 9) != SQLITE_NULL)
			metric = json_pack("{s:s, s:s, s:f, s:f}", "name", db_col_text(st, 9),
			                   "unit", db_col_text(st, 10), "baseline", sqlite3_column_double(st, 11),
			                   "target", sqlite3_column_double(st, 12));
		*out = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:s, s:I, s:o}",
		                 "id", (json_int_t)sqlite3_column_int64(st, 0), "coalition", db_col_text(st, 1),
		                 "title", db_col_text(st, 2), "body", db_col_text(st, 3),
		                 "category", col_json(st, 4), "due", col_json(st, 5), "owner", col_person(st, 6),
		                 "status", db_col_text(st, 8), "metric", metric, "value", col_json_real(st, 13),
		                 "created_by", col_person(st, 14), "created_at", db_col_text(st, 16),
		                 "updated_at", db_col_text(st, 17),
		                 "updates_count", (json_int_t)sqlite3_column_int64(st, 18),
		                 "last_update_at", col_json(st, 19));
		if (*out)
			json_object_set_new(*out, "html", json_string(sqlite3_column_type(st, 20) == SQLITE_NULL
			                                              ? "" : db_col_text(st, 20)));
		err = *out ? RT_OK : RT_EINTERNAL;
	}
	sqlite3_reset(st);
	return err;
}

/* Collects the integer first column of every row of st into a new array. */
static int ids_of(sqlite3_stmt *st, json_t **out)
{
	json_t *arr = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_integer(sqlite3_column_int64(st, 0)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || !arr) {
		json_decref(arr);
		*out = NULL;
		return RT_EINTERNAL;
	}
	*out = arr;
	return RT_OK;
}

int store_milestone_ids(struct db *db, int64_t coalition_id, json_t **out)
{
	PREP(st, "SELECT id FROM milestones WHERE coalition_id = ? ORDER BY id");
	sqlite3_bind_int64(st, 1, coalition_id);
	return ids_of(st, out);
}

int store_milestone_updates(struct db *db, int64_t milestone_id, json_t **out)
{
	json_t *arr;
	int rc;
	PREP(st, "SELECT u.id, u.author_id, a.name, u.status, u.previous_status, u.value, u.note, u.at, u.html"
	         " FROM milestone_updates u LEFT JOIN members a ON a.id = u.author_id"
	         " WHERE u.milestone_id = ? ORDER BY u.at DESC, u.id DESC");
	arr = json_array();
	sqlite3_bind_int64(st, 1, milestone_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:o, s:o, s:s, s:o, s:s, s:s, s:s}",
		                                     "id", (json_int_t)sqlite3_column_int64(st, 0),
		                                     "author", col_person(st, 1), "status", col_json(st, 3),
		                                     "previous_status", db_col_text(st, 4),
		                                     "value", col_json_real(st, 5), "note", db_col_text(st, 6),
		                                     "at", db_col_text(st, 7), "html",
		                                     sqlite3_column_type(st, 8) == SQLITE_NULL ? "" : db_col_text(st, 8)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return arr ? RT_OK : RT_EINTERNAL;
}

int store_milestone_series(struct db *db, int64_t milestone_id, json_t **out)
{
	json_t *arr;
	int rc;
	PREP(st, "SELECT at, value FROM milestone_updates WHERE milestone_id = ? AND value IS NOT NULL"
	         " ORDER BY at, id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, milestone_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s, s:f}", "at", db_col_text(st, 0),
		                                     "value", sqlite3_column_double(st, 1)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return arr ? RT_OK : RT_EINTERNAL;
}

/* The other areas' statements, by kind (literals: db_prep caches them by
 * address). */
static const struct kind_sql {
	const char *kind;
	const char *in_coalition, *title, *first;
} kinds[] = {
	{ "decision",
	  "SELECT 1 FROM decisions WHERE id = ?1 AND coalition_id = ?2",
	  "SELECT title FROM decisions WHERE id = ?1",
	  "SELECT min(id) FROM decisions WHERE coalition_id = ?1" },
	{ "mou",
	  "SELECT 1 FROM mous WHERE id = ?1 AND coalition_id = ?2",
	  "SELECT title FROM mous WHERE id = ?1",
	  "SELECT min(id) FROM mous WHERE coalition_id = ?1" },
	{ "thread",
	  "SELECT 1 FROM threads WHERE id = ?1 AND coalition_id = ?2",
	  "SELECT title FROM threads WHERE id = ?1",
	  "SELECT min(id) FROM threads WHERE coalition_id = ?1" },
};

static const struct kind_sql *kind_find(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

int store_milestone_kind_ok(const char *kind)
{
	return kind_find(kind) != NULL;
}

int store_milestone_target_check(struct db *db, const char *kind, int64_t target_id,
                                 int64_t coalition_id)
{
	const struct kind_sql *k = kind_find(kind);
	sqlite3_stmt *st;
	int rc;

	if (!k)
		return RT_EBADREQ;
	if (!(st = db_prep(db, k->in_coalition)))
		return RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, target_id);
	sqlite3_bind_int64(st, 2, coalition_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? RT_OK : rc == SQLITE_DONE ? RT_ENOTFOUND : RT_EINTERNAL;
}

int store_milestone_link_add(struct db *db, int64_t milestone_id, int64_t coalition_id,
                             const char *kind, int64_t target_id, int64_t by)
{
	char now[21];
	PREP(st, "INSERT INTO milestone_links(milestone_id, coalition_id, kind, target_id, created_by,"
	         " created_at) VALUES (?,?,?,?,?,?)");
	rt_now(now);
	sqlite3_bind_int64(st, 1, milestone_id);
	sqlite3_bind_int64(st, 2, coalition_id);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, target_id);
	sqlite3_bind_int64(st, 5, by);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_milestone_link_remove(struct db *db, int64_t milestone_id, const char *kind,
                                int64_t target_id)
{
	int err;
	PREP(st, "DELETE FROM milestone_links WHERE milestone_id = ? AND kind = ? AND target_id = ?");
	sqlite3_bind_int64(st, 1, milestone_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, target_id);
	if ((err = db_step_done(db, st)) != RT_OK)
		return err;
	return sqlite3_changes(db_handle(db)) ? RT_OK : RT_ENOTFOUND;
}

/* The title of a linked item, or null when it is gone. */
static json_t *target_title(struct db *db, const char *kind, int64_t target_id)
{
	const struct kind_sql *k = kind_find(kind);
	sqlite3_stmt *st = NULL;
	json_t *title = NULL;

	if (!k || !(st = db_prep(db, k->title)))
		return json_null();
	sqlite3_bind_int64(st, 1, target_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
		title = json_string(db_col_text(st, 0));
	sqlite3_reset(st);
	return title ? title : json_null();
}

int store_milestone_links(struct db *db, int64_t milestone_id, json_t **out)
{
	json_t *arr;
	int rc;
	PREP(st, "SELECT l.kind, l.target_id, l.created_by, m.name, l.created_at FROM milestone_links l"
	         " LEFT JOIN members m ON m.id = l.created_by WHERE l.milestone_id = ?"
	         " ORDER BY l.created_at, l.kind, l.target_id");
	arr = json_array();
	sqlite3_bind_int64(st, 1, milestone_id);
	/* Copy the rows out first: reading titles prepares other statements. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s, s:I, s:o, s:s}", "kind", db_col_text(st, 0),
		                                     "id", (json_int_t)sqlite3_column_int64(st, 1),
		                                     "created_by", col_person(st, 2),
		                                     "created_at", db_col_text(st, 4)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		*out = NULL;
		return RT_EINTERNAL;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *l = json_array_get(arr, i);
		json_object_set_new(l, "title", target_title(db, json_string_value(json_object_get(l, "kind")),
		                                              json_integer_value(json_object_get(l, "id"))));
	}
	*out = arr;
	return RT_OK;
}

int store_milestones_linked_to(struct db *db, int64_t coalition_id, const char *kind,
                               int64_t target_id, json_t **out)
{
	PREP(st, "SELECT milestone_id FROM milestone_links WHERE coalition_id = ? AND kind = ?"
	         " AND target_id = ? ORDER BY milestone_id");
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, target_id);
	return ids_of(st, out);
}

int store_milestone_first_target(struct db *db, const char *kind, int64_t coalition_id,
                                 int64_t *out_id)
{
	const struct kind_sql *k = kind_find(kind);
	sqlite3_stmt *st = NULL;
	int err = RT_ENOTFOUND;

	if (!k)
		return RT_ENOTFOUND;
	if (!(st = db_prep(db, k->first)))
		return RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, coalition_id);
	if (step_lookup(st, &err) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*out_id = sqlite3_column_int64(st, 0);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_milestone_attention_pending(struct db *db, const char *now, json_t **out)
{
	json_t *arr = NULL;
	int rc, err;
	PREP(clear_risk, "DELETE FROM milestone_attention WHERE condition = 'at_risk' AND milestone_id IN"
	                 " (SELECT id FROM milestones WHERE status <> 'at_risk')");
	PREP(clear_due, "DELETE FROM milestone_attention WHERE condition = 'overdue' AND milestone_id IN"
	                " (SELECT id FROM milestones WHERE status = 'achieved' OR due IS NULL OR due >= ?1)");
	PREP(st, "SELECT m.id, m.coalition_id, m.owner_id, 'at_risk' FROM milestones m"
	         " WHERE m.status = 'at_risk' AND NOT EXISTS (SELECT 1 FROM milestone_attention a"
	         " WHERE a.milestone_id = m.id AND a.condition = 'at_risk')"
	         " UNION ALL SELECT m.id, m.coalition_id, m.owner_id, 'overdue' FROM milestones m"
	         " WHERE m.status <> 'achieved' AND m.due IS NOT NULL AND m.due < ?1"
	         " AND NOT EXISTS (SELECT 1 FROM milestone_attention a"
	         " WHERE a.milestone_id = m.id AND a.condition = 'overdue') ORDER BY 1, 4");
	*out = NULL;
	sqlite3_bind_text(clear_due, 1, now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, clear_risk)) != RT_OK || (err = db_step_done(db, clear_due)) != RT_OK)
		return err;
	arr = json_array();
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:s}",
		                                     "milestone", (json_int_t)sqlite3_column_int64(st, 0),
		                                     "coalition_id", (json_int_t)sqlite3_column_int64(st, 1),
		                                     "owner", (json_int_t)sqlite3_column_int64(st, 2),
		                                     "condition", db_col_text(st, 3)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return RT_EINTERNAL;
	}
	*out = arr;
	return RT_OK;
}

int store_milestone_attention_mark(struct db *db, int64_t milestone_id, const char *condition,
                                   const char *at)
{
	PREP(st, "INSERT OR REPLACE INTO milestone_attention(milestone_id, condition, notified_at)"
	         " VALUES (?,?,?)");
	sqlite3_bind_int64(st, 1, milestone_id);
	sqlite3_bind_text(st, 2, condition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}
