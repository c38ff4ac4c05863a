/*
 * store_members.c: the SQL of members, coalitions, memberships, sessions and
 * invitations (see store_members.h).
 */
#include "store_members.h"
#include "stmt.h"
#include "rt.h"

#include <stdio.h>
#include <string.h>

int store_member_create(struct db *db, const char *email, const char *name,
                        const char *pw_hash, int is_admin, int64_t *out_id)
{
	char now[21];
	int err;
	PREP(st, "INSERT INTO members(email, name, pw_hash, is_admin, created_at) VALUES (?,?,?,?,?)");
	rt_now(now);
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pw_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, is_admin ? 1 : 0);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) == RT_OK && out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return err;
}

int store_member_by_email(struct db *db, const char *email, struct member_auth *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, is_admin, pw_hash FROM members WHERE email = ?");
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->is_admin = sqlite3_column_int(st, 1);
		snprintf(out->pw_hash, sizeof out->pw_hash, "%s", db_col_text(st, 2));
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_member_json(struct db *db, int64_t id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, name, email, is_admin FROM members WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	*out = NULL;
	if (step_lookup(st, &err) == SQLITE_ROW) {
		*out = json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		                 "name", db_col_text(st, 1), "email", db_col_text(st, 2),
		                 "admin", sqlite3_column_int(st, 3));
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_member_is_admin(struct db *db, int64_t id)
{
	int admin = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT is_admin FROM members WHERE id = ?");
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		admin = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return admin;
}

int store_member_set_name(struct db *db, int64_t id, const char *name)
{
	PREP(st, "UPDATE members SET name = ? WHERE id = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return db_step_done(db, st);
}

int store_member_coalition_ids(struct db *db, int64_t member_id, json_t **out)
{
	int rc;
	PREP(st, "SELECT coalition_id FROM memberships WHERE member_id = ? ORDER BY coalition_id");
	json_t *list = json_array();
	*out = NULL;
	if (!list)
		return RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, member_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(list, json_integer(sqlite3_column_int64(st, 0))) != 0)
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) { /* a read that failed is not a shorter list */
		json_decref(list);
		return RT_EINTERNAL;
	}
	*out = list;
	return RT_OK;
}

int store_coalition_create(struct db *db, const char *slug, const char *name,
                           const char *description, int64_t *out_id)
{
	char now[21];
	int err;
	PREP(st, "INSERT INTO coalitions(slug, name, description, created_at) VALUES (?,?,?,?)");
	rt_now(now);
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, description ? description : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) == RT_OK && out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return err;
}

int store_coalition_id(struct db *db, const char *slug, int64_t *out_id)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id FROM coalitions WHERE slug = ?");
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		*out_id = sqlite3_column_int64(st, 0);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_coalition_json(struct db *db, int64_t id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT slug, name, description FROM coalitions WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	*out = NULL;
	if (step_lookup(st, &err) == SQLITE_ROW) {
		*out = json_pack("{s:s, s:s, s:s}", "slug", db_col_text(st, 0),
		                 "name", db_col_text(st, 1), "description", db_col_text(st, 2));
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_coalition_slug(struct db *db, int64_t id, char *buf, size_t size)
{
	int err, rc;
	PREP(st, "SELECT slug FROM coalitions WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	err = rc == SQLITE_ROW ? RT_OK : rc == SQLITE_DONE ? RT_ENOTFOUND : RT_EINTERNAL;
	if (rc == SQLITE_ROW)
		snprintf(buf, size, "%s", db_col_text(st, 0));
	sqlite3_reset(st);
	return err;
}

int store_coalitions_of(struct db *db, int64_t member_id, int all, json_t **out)
{
	PREP(st, "SELECT c.slug, c.name, c.description, m.roles FROM coalitions c"
	         " LEFT JOIN memberships m ON m.coalition_id = c.id AND m.member_id = ?1"
	         " WHERE ?2 OR m.member_id IS NOT NULL ORDER BY c.name");
	json_t *arr = json_array();
	int err = arr ? RT_OK : RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, member_id);
	sqlite3_bind_int(st, 2, all ? 1 : 0);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o}", "slug", db_col_text(st, 0),
		                                     "name", db_col_text(st, 1), "description", db_col_text(st, 2),
		                                     "roles", roles_to_json((unsigned)sqlite3_column_int(st, 3)))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_membership_roles(struct db *db, int64_t coalition_id, int64_t member_id, unsigned *roles)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT roles FROM memberships WHERE coalition_id = ? AND member_id = ?");
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, member_id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		*roles = (unsigned)sqlite3_column_int(st, 0);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_membership_set(struct db *db, int64_t coalition_id, int64_t member_id,
                         unsigned roles, const char *organization, int *created)
{
	char now[21];
	unsigned old;
	int exists = store_membership_roles(db, coalition_id, member_id, &old) == RT_OK;
	PREP(ins, "INSERT INTO memberships(coalition_id, member_id, roles, organization, joined_at)"
	          " VALUES (?,?,?,?,?)");
	PREP(upd, "UPDATE memberships SET roles = ?3, organization = coalesce(?4, organization)"
	          " WHERE coalition_id = ?1 AND member_id = ?2");
	sqlite3_stmt *st = exists ? upd : ins;

	rt_now(now);
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int(st, 3, (int)roles);
	bind_text_or_null(st, 4, organization);
	if (!exists)
		sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (created)
		*created = !exists;
	return db_step_done(db, st);
}

static json_t *membership_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
	                 "name", db_col_text(st, 1),
	                 "organization", sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null()
	                                 : json_string(db_col_text(st, 2)),
	                 "roles", roles_to_json((unsigned)sqlite3_column_int(st, 3)));
}

int store_membership_json(struct db *db, int64_t coalition_id, int64_t member_id, json_t **out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT m.id, m.name, ms.organization, ms.roles FROM memberships ms"
	         " JOIN members m ON m.id = ms.member_id WHERE ms.coalition_id = ? AND ms.member_id = ?");
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, member_id);
	*out = NULL;
	if (step_lookup(st, &err) == SQLITE_ROW) {
		*out = membership_row(st);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_coalition_members(struct db *db, int64_t coalition_id, json_t **out)
{
	PREP(st, "SELECT m.id, m.name, ms.organization, ms.roles FROM memberships ms"
	         " JOIN members m ON m.id = ms.member_id WHERE ms.coalition_id = ? ORDER BY m.name, m.id");
	json_t *arr = json_array();
	int err = arr ? RT_OK : RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, coalition_id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, membership_row(st)))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}

int store_session_create(struct db *db, const unsigned char hash[32], int64_t member_id,
                         const char *expires_at)
{
	char now[21];
	PREP(st, "INSERT INTO sessions(token_hash, member_id, created_at, expires_at) VALUES (?,?,?,?)");
	rt_now(now);
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, expires_at, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_session_member(struct db *db, const unsigned char hash[32], int64_t *member_id)
{
	char now[21];
	int err = RT_EUNAUTH, rc;
	PREP(st, "SELECT member_id FROM sessions WHERE token_hash = ? AND expires_at > ?");
	rt_now(now);
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*member_id = sqlite3_column_int64(st, 0);
		err = RT_OK;
	} else if (rc != SQLITE_DONE) {
		err = RT_EINTERNAL; /* not "signed out": the session may well be valid */
	}
	sqlite3_reset(st);
	return err;
}

int store_session_delete(struct db *db, const unsigned char hash[32])
{
	PREP(st, "DELETE FROM sessions WHERE token_hash = ?");
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_sessions_expire(struct db *db, int *deleted)
{
	char now[21];
	int err;
	PREP(st, "DELETE FROM sessions WHERE expires_at <= ?");
	rt_now(now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) == RT_OK)
		*deleted = sqlite3_changes(db_handle(db));
	return err;
}

int store_invite_create(struct db *db, const struct invite *inv, const unsigned char hash[32],
                        int64_t invited_by, int64_t *out_id)
{
	char now[21];
	int err;
	PREP(st, "INSERT INTO invites(coalition_id, email, name, roles, organization, token_hash,"
	         " invited_by, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?)");
	rt_now(now);
	sqlite3_bind_int64(st, 1, inv->coalition_id);
	sqlite3_bind_text(st, 2, inv->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, inv->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)inv->roles);
	bind_text_or_null(st, 5, inv->has_org ? inv->organization : NULL);
	sqlite3_bind_blob(st, 6, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, invited_by);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, inv->expires_at, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) == RT_OK && out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return err;
}

int store_invite_by_hash(struct db *db, const unsigned char hash[32], struct invite *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, coalition_id, email, name, roles, organization, accepted_at IS NOT NULL,"
	         " expires_at FROM invites WHERE token_hash = ?");
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->id = sqlite3_column_int64(st, 0);
		out->coalition_id = sqlite3_column_int64(st, 1);
		snprintf(out->email, sizeof out->email, "%s", db_col_text(st, 2));
		snprintf(out->name, sizeof out->name, "%s", db_col_text(st, 3));
		out->roles = (unsigned)sqlite3_column_int(st, 4);
		out->has_org = sqlite3_column_type(st, 5) != SQLITE_NULL;
		snprintf(out->organization, sizeof out->organization, "%s", db_col_text(st, 5));
		out->accepted = sqlite3_column_int(st, 6);
		snprintf(out->expires_at, sizeof out->expires_at, "%s", db_col_text(st, 7));
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_invite_accept(struct db *db, int64_t invite_id, int64_t member_id)
{
	char now[21];
	PREP(st, "UPDATE invites SET accepted_at = ?, accepted_by = ? WHERE id = ? AND accepted_at IS NULL");
	rt_now(now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, member_id);
	sqlite3_bind_int64(st, 3, invite_id);
	if (db_step_done(db, st) != RT_OK)
		return RT_EINTERNAL;
	return sqlite3_changes(db_handle(db)) == 1 ? RT_OK : RT_ENOTFOUND;
}

int store_invite_list(struct db *db, int64_t coalition_id, json_t **out)
{
	PREP(st, "SELECT id, email, name, roles, organization, created_at, accepted_at, expires_at FROM invites"
	         " WHERE coalition_id = ? ORDER BY id DESC");
	json_t *arr = json_array();
	int err = arr ? RT_OK : RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, coalition_id);
	while (step_row(st, &err))
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:o, s:s}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "email", db_col_text(st, 1),
			"name", db_col_text(st, 2), "roles", roles_to_json((unsigned)sqlite3_column_int(st, 3)),
			"organization", sqlite3_column_type(st, 4) == SQLITE_NULL ? json_null() : json_string(db_col_text(st, 4)),
			"created_at", db_col_text(st, 5),
			"accepted_at", sqlite3_column_type(st, 6) == SQLITE_NULL ? json_null() : json_string(db_col_text(st, 6)),
			"expires_at", db_col_text(st, 7))))
			err = RT_EINTERNAL;
	sqlite3_reset(st);
	return list_out(arr, err, out);
}
