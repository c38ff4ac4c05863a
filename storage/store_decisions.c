/*
 * store_decisions.c: the SQL of decisions and ballots (see store_decisions.h).
 */
#include "store_decisions.h"
#include "stmt.h"
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A column as a malloc'd string, NULL for SQL NULL. */
static char *col_dup(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL : strdup(db_col_text(st, col));
}

static void col_copy(char *buf, size_t size, sqlite3_stmt *st, int col)
{
	snprintf(buf, size, "%s", db_col_text(st, col));
}

static void col_blob32(unsigned char out[32], sqlite3_stmt *st, int col, int *has)
{
	const void *p = sqlite3_column_blob(st, col);
	int ok = p && sqlite3_column_bytes(st, col) == 32;
	if (ok)
		memcpy(out, p, 32);
	else
		memset(out, 0, 32);
	if (has)
		*has = ok;
}

void decision_row_clear(struct decision_row *d)
{
	if (!d)
		return;
	free(d->title);
	free(d->body);
	free(d->options);
	free(d->outcome_statement);
	free(d->tally);
	free(d->html);
	free(d->outcome_statement_html);
	d->title = d->body = d->options = d->outcome_statement = d->tally = NULL;
	d->html = d->outcome_statement_html = NULL;
}

void ballot_row_clear(struct ballot_row *b)
{
	if (!b)
		return;
	free(b->unit);
	free(b->organization);
	free(b->choice);
	free(b->reason);
	b->unit = b->organization = b->choice = b->reason = NULL;
}

int store_decision_create(struct db *db, const struct decision_row *d, int64_t *out_id)
{
	char now[21];
	int err;
	PREP(st, "INSERT INTO decisions(coalition_id, created_by, title, body, kind, options, eligible_roles,"
	         " closes_at, quorum, threshold, secret, results, per_organization, mou_id, mou_commit, created_at,"
	         " html) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, rt_markdown(?4))");
	rt_now(now);
	sqlite3_bind_int64(st, 1, d->coalition_id);
	sqlite3_bind_int64(st, 2, d->created_by);
	sqlite3_bind_text(st, 3, d->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, d->options ? d->options : "[]", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, d->eligible_roles);
	sqlite3_bind_text(st, 8, d->closes_at, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, d->quorum);
	sqlite3_bind_text(st, 10, d->threshold, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, d->secret ? 1 : 0);
	sqlite3_bind_text(st, 12, d->results, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, d->per_organization ? 1 : 0);
	if (d->has_mou)
		sqlite3_bind_int64(st, 14, d->mou_id);
	else
		sqlite3_bind_null(st, 14);
	bind_text_or_null(st, 15, d->commit[0] ? d->commit : NULL);
	sqlite3_bind_text(st, 16, now, -1, SQLITE_STATIC);
	if ((err = db_step_done(db, st)) == RT_OK && out_id)
		*out_id = sqlite3_last_insert_rowid(db_handle(db));
	return err;
}

int store_decision_get(struct db *db, int64_t id, struct decision_row *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT id, coalition_id, created_by, title, body, kind, options, eligible_roles, closes_at,"
	         " quorum, threshold, secret, results, per_organization, mou_id, mou_commit, status, created_at,"
	         " closed_at, closed_by, outcome_statement, tally, html, outcome_statement_html FROM decisions WHERE id = ?");
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(st, 1, id);
	if (step_lookup(st, &err) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->coalition_id = sqlite3_column_int64(st, 1);
		out->created_by = sqlite3_column_int64(st, 2);
		out->title = col_dup(st, 3);
		out->body = col_dup(st, 4);
		col_copy(out->kind, sizeof out->kind, st, 5);
		out->options = col_dup(st, 6);
		out->eligible_roles = (unsigned)sqlite3_column_int64(st, 7);
		col_copy(out->closes_at, sizeof out->closes_at, st, 8);
		out->quorum = sqlite3_column_int(st, 9);
		col_copy(out->threshold, sizeof out->threshold, st, 10);
		out->secret = sqlite3_column_int(st, 11);
		col_copy(out->results, sizeof out->results, st, 12);
		out->per_organization = sqlite3_column_int(st, 13);
		out->has_mou = sqlite3_column_type(st, 14) != SQLITE_NULL;
		out->mou_id = sqlite3_column_int64(st, 14);
		col_copy(out->commit, sizeof out->commit, st, 15);
		col_copy(out->status, sizeof out->status, st, 16);
		out->is_open = strcmp(out->status, "open") == 0;
		col_copy(out->created_at, sizeof out->created_at, st, 17);
		col_copy(out->closed_at, sizeof out->closed_at, st, 18);
		out->closed_by = sqlite3_column_int64(st, 19);
		out->outcome_statement = col_dup(st, 20);
		out->tally = col_dup(st, 21);
		out->html = col_dup(st, 22);
		out->outcome_statement_html = col_dup(st, 23);
		err = out->title && out->body && out->options ? RT_OK : RT_EINTERNAL;
	}
	sqlite3_reset(st);
	if (err == RT_EINTERNAL)
		decision_row_clear(out);
	return err;
}

int store_decision_ids(struct db *db, int64_t coalition_id, const char *status, int64_t **ids, size_t *n)
{
	size_t cap = 16;
	int rc, err = RT_OK;
	PREP(st, "SELECT id FROM decisions WHERE coalition_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY id DESC");
	*n = 0;
	if (!(*ids = malloc(cap * sizeof **ids)))
		return RT_EINTERNAL;
	sqlite3_bind_int64(st, 1, coalition_id);
	bind_text_or_null(st, 2, status);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			int64_t *more = realloc(*ids, 2 * cap * sizeof **ids);
			if (!more) {
				err = RT_EINTERNAL;
				break;
			}
			*ids = more;
			cap *= 2;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (err == RT_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = RT_EINTERNAL;
	sqlite3_reset(st);
	if (err) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return err;
}

int store_decisions_due(struct db *db, const char *now, int64_t *ids, size_t max, size_t *n)
{
	int err = RT_OK;
	PREP(st, "SELECT id FROM decisions WHERE status = 'open' AND closes_at <= ? ORDER BY closes_at, id");
	*n = 0;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	while (*n < max && step_row(st, &err))
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return err;
}

int store_decision_close(struct db *db, int64_t id, int64_t closed_by, const char *outcome_statement,
                         const char *tally_json)
{
	char now[21];
	int err;
	PREP(st, "UPDATE decisions SET status = 'closed', closed_at = ?, closed_by = ?, outcome_statement = ?,"
	         " outcome_statement_html = rt_markdown(?3), tally = ? WHERE id = ? AND status = 'open'");
	rt_now(now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	if (closed_by)
		sqlite3_bind_int64(st, 2, closed_by);
	else
		sqlite3_bind_null(st, 2);
	bind_text_or_null(st, 3, outcome_statement);
	sqlite3_bind_text(st, 4, tally_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, id);
	if ((err = db_step_done(db, st)) != RT_OK)
		return err;
	return sqlite3_changes(db_handle(db)) == 1 ? RT_OK : RT_ECLOSED;
}

int store_decision_eligible(struct db *db, int64_t coalition_id, unsigned roles, int per_organization,
                            int64_t *out)
{
	int err = RT_EINTERNAL;
	PREP(st, "SELECT CASE WHEN ?3 THEN COUNT(DISTINCT CASE WHEN organization IS NULL OR organization = ''"
	         " THEN 'm:' || member_id ELSE 'o:' || organization END) ELSE COUNT(*) END"
	         " FROM memberships WHERE coalition_id = ?1 AND (roles & ?2) != 0");
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, roles);
	sqlite3_bind_int(st, 3, per_organization ? 1 : 0);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		err = RT_OK;
	}
	sqlite3_reset(st);
	return err;
}

int store_decision_secret_get(struct db *db, unsigned char key[32])
{
	int err = RT_ENOTFOUND, has = 0;
	PREP(st, "SELECT key FROM decision_secret WHERE id = 1");
	if (step_lookup(st, &err) == SQLITE_ROW) {
		col_blob32(key, st, 0, &has);
		err = has ? RT_OK : RT_EINTERNAL;
	}
	sqlite3_reset(st);
	return err;
}

int store_decision_secret_put(struct db *db, const unsigned char key[32])
{
	PREP(st, "INSERT INTO decision_secret(id, key) VALUES (1, ?)");
	sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_voter_has(struct db *db, int64_t decision_id, const unsigned char tag[32], int *has)
{
	int rc;
	PREP(st, "SELECT 1 FROM decision_voters WHERE decision_id = ? AND tag = ?");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, tag, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? RT_OK : RT_EINTERNAL;
}

int store_voter_add(struct db *db, int64_t decision_id, const unsigned char tag[32])
{
	PREP(st, "INSERT INTO decision_voters(decision_id, tag) VALUES (?, ?)");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, tag, 32, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_voter_count(struct db *db, int64_t decision_id, int64_t *n)
{
	int err = RT_OK;
	PREP(st, "SELECT COUNT(*) FROM decision_voters WHERE decision_id = ?");
	sqlite3_bind_int64(st, 1, decision_id);
	*n = step_lookup(st, &err) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return err;
}

int store_ballot_count(struct db *db, int64_t decision_id, int64_t *n)
{
	int err = RT_OK;
	PREP(st, "SELECT COUNT(*) FROM decision_ballots WHERE decision_id = ?");
	sqlite3_bind_int64(st, 1, decision_id);
	*n = step_lookup(st, &err) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return err;
}

/* Reads the ballot columns (ballot_id, member_id, unit, organization, owner,
 * choice, reason, cast_at) of the current row. */
static int ballot_from_row(sqlite3_stmt *st, struct ballot_row *out)
{
	memset(out, 0, sizeof *out);
	col_blob32(out->ballot_id, st, 0, NULL);
	out->member_id = sqlite3_column_int64(st, 1);
	out->unit = col_dup(st, 2);
	out->organization = col_dup(st, 3);
	col_blob32(out->owner, st, 4, &out->has_owner);
	out->choice = col_dup(st, 5);
	out->reason = col_dup(st, 6);
	col_copy(out->cast_at, sizeof out->cast_at, st, 7);
	if (!out->choice) {
		ballot_row_clear(out);
		return RT_EINTERNAL;
	}
	return RT_OK;
}

int store_ballot_by_id(struct db *db, int64_t decision_id, const unsigned char ballot_id[32],
                       struct ballot_row *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT ballot_id, member_id, unit, organization, owner, choice, reason, cast_at"
	         " FROM decision_ballots WHERE decision_id = ? AND ballot_id = ?");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, ballot_id, 32, SQLITE_STATIC);
	if (step_lookup(st, &err) == SQLITE_ROW)
		err = ballot_from_row(st, out);
	sqlite3_reset(st);
	return err;
}

int store_ballot_by_unit(struct db *db, int64_t decision_id, const char *unit, struct ballot_row *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT ballot_id, member_id, unit, organization, owner, choice, reason, cast_at"
	         " FROM decision_ballots WHERE decision_id = ? AND unit = ?");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_text(st, 2, unit, -1, SQLITE_STATIC);
	if (step_lookup(st, &err) == SQLITE_ROW)
		err = ballot_from_row(st, out);
	sqlite3_reset(st);
	return err;
}

int store_ballot_by_member(struct db *db, int64_t decision_id, int64_t member_id, struct ballot_row *out)
{
	int err = RT_ENOTFOUND;
	PREP(st, "SELECT ballot_id, member_id, unit, organization, owner, choice, reason, cast_at"
	         " FROM decision_ballots WHERE decision_id = ? AND member_id = ?");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_int64(st, 2, member_id);
	if (step_lookup(st, &err) == SQLITE_ROW)
		err = ballot_from_row(st, out);
	sqlite3_reset(st);
	return err;
}

int store_ballot_insert(struct db *db, int64_t decision_id, const struct ballot_row *b)
{
	PREP(st, "INSERT INTO decision_ballots(decision_id, ballot_id, member_id, unit, organization, owner,"
	         " choice, reason, cast_at) VALUES (?,?,?,?,?,?,?,?,?)");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, b->ballot_id, 32, SQLITE_STATIC);
	if (b->member_id)
		sqlite3_bind_int64(st, 3, b->member_id);
	else
		sqlite3_bind_null(st, 3);
	bind_text_or_null(st, 4, b->unit);
	bind_text_or_null(st, 5, b->organization);
	if (b->has_owner)
		sqlite3_bind_blob(st, 6, b->owner, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, b->choice, -1, SQLITE_STATIC);
	bind_text_or_null(st, 8, b->reason);
	bind_text_or_null(st, 9, b->cast_at[0] ? b->cast_at : NULL);
	return db_step_done(db, st);
}

int store_ballot_delete(struct db *db, int64_t decision_id, const unsigned char ballot_id[32])
{
	PREP(st, "DELETE FROM decision_ballots WHERE decision_id = ? AND ballot_id = ?");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, ballot_id, 32, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_ballots_each(struct db *db, int64_t decision_id, ballot_fn fn, void *ud)
{
	struct ballot_row b;
	int rc, err = RT_OK;
	PREP(st, "SELECT ballot_id, member_id, unit, organization, owner, choice, reason, cast_at"
	         " FROM decision_ballots WHERE decision_id = ? ORDER BY cast_at, ballot_id");
	sqlite3_bind_int64(st, 1, decision_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = ballot_from_row(st, &b)) != RT_OK)
			break;
		err = fn(&b, ud);
		ballot_row_clear(&b);
		if (err)
			break;
	}
	if (err == RT_OK && rc != SQLITE_DONE)
		err = RT_EINTERNAL;
	sqlite3_reset(st);
	return err;
}

int store_replaced_add(struct db *db, int64_t decision_id, const unsigned char ballot_id[32])
{
	PREP(st, "INSERT OR IGNORE INTO decision_replaced(decision_id, ballot_id) VALUES (?, ?)");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, ballot_id, 32, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_replaced_has(struct db *db, int64_t decision_id, const unsigned char ballot_id[32], int *has)
{
	int rc;
	PREP(st, "SELECT 1 FROM decision_replaced WHERE decision_id = ? AND ballot_id = ?");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, ballot_id, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? RT_OK : RT_EINTERNAL;
}

int store_decision_idem_get(struct db *db, int64_t decision_id, const unsigned char tag[32],
                            unsigned char **sealed, size_t *len)
{
	int err = RT_OK;
	PREP(st, "SELECT sealed FROM decision_idem WHERE decision_id = ? AND tag = ?");
	*sealed = NULL;
	*len = 0;
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, tag, 32, SQLITE_STATIC);
	/* A failed read is an error: read as "no record", the cast would run twice. */
	if (step_lookup(st, &err) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		if (!p || n <= 0 || !(*sealed = malloc((size_t)n))) {
			err = RT_EINTERNAL;
		} else {
			memcpy(*sealed, p, (size_t)n);
			*len = (size_t)n;
		}
	}
	sqlite3_reset(st);
	return err == RT_ENOTFOUND ? RT_OK : err;
}

int store_decision_idem_put(struct db *db, int64_t decision_id, const unsigned char tag[32],
                            const unsigned char *sealed, size_t len)
{
	PREP(st, "INSERT INTO decision_idem(decision_id, tag, sealed) VALUES (?, ?, ?)");
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_blob(st, 2, tag, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, sealed, (int)len, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_adoption_add(struct db *db, int64_t decision_id, int64_t coalition_id, int64_t mou_id,
                       const char *commit)
{
	char now[21];
	PREP(st, "INSERT INTO decision_adoptions(decision_id, coalition_id, mou_id, mou_commit, adopted_at)"
	         " VALUES (?,?,?,?,?)");
	rt_now(now);
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_int64(st, 2, coalition_id);
	sqlite3_bind_int64(st, 3, mou_id);
	sqlite3_bind_text(st, 4, commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

struct scrub {
	struct ballot_row *rows;
	size_t n, cap;
};

static int scrub_keep(const struct ballot_row *b, void *ud)
{
	struct scrub *s = ud;
	struct ballot_row *c;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct ballot_row *more = realloc(s->rows, cap * sizeof *more);
		if (!more)
			return RT_EINTERNAL;
		s->rows = more;
		s->cap = cap;
	}
	c = &s->rows[s->n];
	*c = *b;
	c->unit = b->unit ? strdup(b->unit) : NULL;
	c->organization = b->organization ? strdup(b->organization) : NULL;
	c->choice = strdup(b->choice);
	c->reason = b->reason ? strdup(b->reason) : NULL;
	s->n++;
	return c->choice ? RT_OK : RT_EINTERNAL;
}

int store_decision_scrub(struct db *db, int64_t decision_id)
{
	struct scrub s = { 0 };
	unsigned char (*tags)[32] = NULL;
	size_t n_tags = 0, cap = 0;
	int err, rc;
	sqlite3_stmt *st;

	/* ballots: read in ballot id order, delete, write back in that order */
	if ((err = store_ballots_each(db, decision_id, scrub_keep, &s)) != RT_OK)
		goto done;
	if (!(st = db_prep(db, "DELETE FROM decision_ballots WHERE decision_id = ?"))) {
		err = RT_EINTERNAL;
		goto done;
	}
	sqlite3_bind_int64(st, 1, decision_id);
	if ((err = db_step_done(db, st)) != RT_OK)
		goto done;
	for (size_t i = 0; i < s.n && !err; i++)
		err = store_ballot_insert(db, decision_id, &s.rows[i]);
	if (err)
		goto done;
	/* the "has voted" tags likewise, in tag order */
	if (!(st = db_prep(db, "SELECT tag FROM decision_voters WHERE decision_id = ? ORDER BY tag"))) {
		err = RT_EINTERNAL;
		goto done;
	}
	sqlite3_bind_int64(st, 1, decision_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n_tags == cap) {
			size_t c2 = cap ? 2 * cap : 16;
			unsigned char (*more)[32] = realloc(tags, c2 * sizeof *more);
			if (!more) {
				err = RT_EINTERNAL;
				break;
			}
			tags = more;
			cap = c2;
		}
		col_blob32(tags[n_tags++], st, 0, NULL);
	}
	if (!err && rc != SQLITE_DONE) /* the tags are all deleted below: all must be read */
		err = RT_EINTERNAL;
	sqlite3_reset(st);
	if (err)
		goto done;
	if (!(st = db_prep(db, "DELETE FROM decision_voters WHERE decision_id = ?"))) {
		err = RT_EINTERNAL;
		goto done;
	}
	sqlite3_bind_int64(st, 1, decision_id);
	if ((err = db_step_done(db, st)) != RT_OK)
		goto done;
	for (size_t i = 0; i < n_tags && !err; i++)
		err = store_voter_add(db, decision_id, tags[i]);
done:
	for (size_t i = 0; i < s.n; i++)
		ballot_row_clear(&s.rows[i]);
	free(s.rows);
	free(tags);
	return err;
}
