/*
 * store_mou.c: the SQL of MOUs, their versions and signatures (see
 * store_mou.h).
 */
#include "store_mou.h"
#include "stmt.h"
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bind_member(sqlite3_stmt *st, int i, int64_t member_id)
{
	if (member_id > 0)
		sqlite3_bind_int64(st, i, member_id);
	else
		sqlite3_bind_null(st, i);
}

/* Binds a JSON value as compact text. */
static int bind_json(sqlite3_stmt *st, int i, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text)
		return RT_EINTERNAL;
	/* SQLite owns text from here (frees it, also when the bind fails). */
	return sqlite3_bind_text(st, i, text, -1, free) == SQLITE_OK ? RT_OK : RT_EINTERNAL;
}

int store_mou_create(struct db *db, int64_t coalition_id, const char *title, const json_t *parties,
                     int64_t created_by, int64_t *out_id)
{
	char now[21];
	int err;
	PREP(st, "INSERT INTO mous(coalition_id, title, parties, head, created_by, created_at, updated_at)"
	         " VALUES (?1, ?2, ?3, '', ?4, ?5, ?5)");
	rt_now(now);
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	if (bind_json(st, 3, parties) != RT_OK)
		return RT_EINTERNAL;
	bind_member(st, 4, created_by);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) != RT_OK)
		return err;
	*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return RT_OK;
}

int store_mou_restore(struct db *db, int64_t id, int64_t coalition_id, const char *title,
                      const json_t *parties, int64_t created_by, const char *created_at)
{
	PREP(st, "INSERT INTO mous(id, coalition_id, title, parties, head, created_by, created_at, updated_at)"
	         " VALUES (?1, ?2, ?3, ?4, '', ?5, ?6, ?6)");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, coalition_id);
	sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
	if (bind_json(st, 4, parties) != RT_OK)
		return RT_EINTERNAL;
	bind_member(st, 5, created_by);
	sqlite3_bind_text(st, 6, created_at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_mou_set_head(struct db *db, int64_t id, const char *commit, const char *at)
{
	PREP(st, "UPDATE mous SET head = ?2, updated_at = ?3 WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_mou_version_add(struct db *db, int64_t mou_id, const char *commit, int64_t member_id, const char *at)
{
	PREP(st, "INSERT OR IGNORE INTO mou_versions(mou_id, commit_id, member_id, at) VALUES (?,?,?,?)");
	sqlite3_bind_int64(st, 1, mou_id);
	sqlite3_bind_text(st, 2, commit, -1, SQLITE_STATIC);
	bind_member(st, 3, member_id);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_mou_html_put(struct db *db, int64_t mou_id, const char *commit, const char *text, size_t len)
{
	PREP(st, "INSERT OR IGNORE INTO mou_html(mou_id, commit_id, html) VALUES (?1, ?2, rt_markdown(?3))");
	sqlite3_bind_int64(st, 1, mou_id);
	sqlite3_bind_text(st, 2, commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, (int)len, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_mou_html_get(struct db *db, int64_t mou_id, const char *commit, char **html)
{
	int rc, err = RT_ENOTFOUND;
	PREP(st, "SELECT html FROM mou_html WHERE mou_id = ? AND commit_id = ?");
	*html = NULL;
	sqlite3_bind_int64(st, 1, mou_id);
	sqlite3_bind_text(st, 2, commit, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = (*html = strdup(db_col_text(st, 0))) ? RT_OK : RT_EINTERNAL;
	else if (rc != SQLITE_DONE)
		err = RT_EINTERNAL;
	sqlite3_reset(st);
	return err;
}

int store_mou_html_missing(struct db *db, json_t **out)
{
	json_t *list = json_array();
	int rc;
	PREP(st, "SELECT v.mou_id, v.commit_id, c.slug FROM mou_versions v JOIN mous m ON m.id = v.mou_id"
	         " JOIN coalitions c ON c.id = m.coalition_id"
	         " WHERE NOT EXISTS (SELECT 1 FROM mou_html h WHERE h.mou_id = v.mou_id AND h.commit_id = v.commit_id)"
	         " ORDER BY c.id, v.mou_id");
	*out = NULL;
	if (!list)
		return RT_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I, s:s, s:s}", "mou", (json_int_t)sqlite3_column_int64(st, 0),
		                                      "commit", db_col_text(st, 1), "slug", db_col_text(st, 2)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return RT_EINTERNAL;
	}
	*out = list;
	return RT_OK;
}

int store_mou_version_known(struct db *db, int64_t mou_id, const char *commit)
{
	sqlite3_stmt *st = db_prep(db, "SELECT 1 FROM mou_versions WHERE mou_id = ? AND commit_id = ?");
	int rc;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, mou_id);
	sqlite3_bind_text(st, 2, commit, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

int store_mou_info(struct db *db, int64_t id, struct mou_info *out)
{
	int err;
	PREP(st, "SELECT coalition_id, head, title, parties FROM mous WHERE id = ?");
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) != SQLITE_ROW)
		return err;
	out->id = id;
	out->coalition_id = sqlite3_column_int64(st, 0);
	snprintf(out->head, sizeof out->head, "%s", db_col_text(st, 1));
	snprintf(out->title, sizeof out->title, "%s", db_col_text(st, 2));
	out->parties = json_loads(db_col_text(st, 3), 0, NULL);
	sqlite3_reset(st);
	if (!json_is_array(out->parties)) {
		json_decref(out->parties);
		out->parties = json_array();
	}
	return out->parties ? RT_OK : RT_EINTERNAL;
}

void store_mou_info_free(struct mou_info *m)
{
	if (!m)
		return;
	json_decref(m->parties);
	m->parties = NULL;
}

json_t *store_mou_member_brief(struct db *db, int64_t member_id)
{
	sqlite3_stmt *st;
	json_t *brief;
	if (member_id <= 0 || !(st = db_prep(db, "SELECT name FROM members WHERE id = ?")))
		return json_null();
	sqlite3_bind_int64(st, 1, member_id);
	brief = sqlite3_step(st) == SQLITE_ROW
	        ? json_pack("{s:I, s:s}", "id", (json_int_t)member_id, "name", db_col_text(st, 0)) : json_null();
	sqlite3_reset(st);
	return brief;
}

int store_mou_json(struct db *db, int64_t id, json_t **out)
{
	json_t *parties;
	int64_t by;
	int err;
	PREP(st, "SELECT title, parties, head, created_by, created_at, updated_at FROM mous WHERE id = ?");
	*out = NULL;
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) != SQLITE_ROW)
		return err;
	parties = json_loads(db_col_text(st, 1), 0, NULL);
	if (!json_is_array(parties)) {
		json_decref(parties);
		parties = json_array();
	}
	by = sqlite3_column_int64(st, 3);
	*out = json_pack("{s:I, s:s, s:o, s:s, s:o, s:s, s:s}", "id", (json_int_t)id, "title", db_col_text(st, 0),
	                 "parties", parties, "head", db_col_text(st, 2), "created_by", json_null(),
	                 "created_at", db_col_text(st, 4), "updated_at", db_col_text(st, 5));
	sqlite3_reset(st);
	if (!*out)
		return RT_EINTERNAL;
	/* after the row's text is copied: the brief uses another statement */
	json_object_set_new(*out, "created_by", store_mou_member_brief(db, by));
	return RT_OK;
}

int store_mou_ids(struct db *db, int64_t coalition_id, json_t **out)
{
	json_t *list;
	int err = RT_OK;
	PREP(st, "SELECT id FROM mous WHERE coalition_id = ? ORDER BY updated_at DESC, id DESC");
	list = json_array();
	if (!list)
		return RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, coalition_id);
	while (step_row(st, &err))
		if (json_array_append_new(list, json_integer(sqlite3_column_int64(st, 0))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(list, err, out);
}

int store_mou_signatures(struct db *db, int64_t mou_id, json_t **out)
{
	json_t *list;
	int err = RT_OK;
	PREP(st, "SELECT s.organization, s.member_id, m.name, s.commit_id, s.at FROM mou_signatures s"
	         " JOIN members m ON m.id = s.member_id WHERE s.mou_id = ? ORDER BY s.rowid");
	list = json_array();
	if (!list)
		return RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, mou_id);
	while (step_row(st, &err))
		if (json_array_append_new(list, json_pack("{s:s, s:{s:I, s:s}, s:s, s:s}", "organization", db_col_text(st, 0),
		                                      "member", "id", (json_int_t)sqlite3_column_int64(st, 1), "name",
		                                      db_col_text(st, 2), "commit", db_col_text(st, 3),
		                                      "at", db_col_text(st, 4))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(list, err, out);
}

int store_mou_sign(struct db *db, int64_t mou_id, const char *organization, const char *commit,
                   int64_t member_id, const char *at)
{
	PREP(st, "INSERT INTO mou_signatures(mou_id, organization, commit_id, member_id, at) VALUES (?,?,?,?,?)");
	sqlite3_bind_int64(st, 1, mou_id);
	sqlite3_bind_text(st, 2, organization, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, commit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, member_id);
	sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_mou_member_org(struct db *db, int64_t coalition_id, int64_t member_id, char *buf, size_t size)
{
	int err;
	PREP(st, "SELECT organization FROM memberships WHERE coalition_id = ? AND member_id = ?"
	         " AND organization IS NOT NULL AND organization <> ''");
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, member_id);
	if (step_lookup(st, &err) != SQLITE_ROW)
		return err;
	snprintf(buf, size, "%s", db_col_text(st, 0));
	sqlite3_reset(st);
	return RT_OK;
}

int store_mou_coalitions(struct db *db, json_t **out)
{
	json_t *list;
	int err = RT_OK;
	PREP(st, "SELECT id, slug FROM coalitions ORDER BY id");
	list = json_array();
	if (!list)
		return RT_EINTERNAL;
	while (step_row(st, &err))
		if (json_array_append_new(list, json_pack("{s:I, s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		                                      "slug", db_col_text(st, 1))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(list, err, out);
}

int64_t store_mou_member_by_email(struct db *db, const char *email)
{
	sqlite3_stmt *st = db_prep(db, "SELECT id FROM members WHERE email = ?");
	int64_t id;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return id;
}
