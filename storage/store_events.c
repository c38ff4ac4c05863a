/*
 * store_events.c: the event log and its hash chain (see store_events.h).
 *
 * hash = SHA-256(prev || seq || type || audience || audience_member || actor
 *                || at || payload [|| nonce]), integers as 8 big-endian bytes,
 * strings followed by a NUL. The first row's prev is 32 zero bytes. The nonce
 * (32 random bytes, schema 010) is on private rows (audience one member)
 * only: their recipient and payload are hidden from audit.list, and without
 * the nonce the hash cannot be tested against guesses of them. Rows without
 * a nonce (every row before 010) keep the formula without it.
 */
#include "store_events.h"
#include "stmt.h"
#include "rt.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hash_u64(crypto_hash_sha256_state *h, int64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
	crypto_hash_sha256_update(h, b, 8);
}

static void hash_str(crypto_hash_sha256_state *h, const char *s)
{
	crypto_hash_sha256_update(h, (const unsigned char *)s, strlen(s) + 1);
}

static void event_hash(unsigned char out[32], const unsigned char prev[32], const struct event_row *ev)
{
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, 32);
	hash_u64(&h, ev->seq);
	hash_str(&h, ev->type);
	hash_u64(&h, ev->audience);
	hash_u64(&h, ev->audience_member);
	hash_u64(&h, ev->actor);
	hash_str(&h, ev->at);
	hash_str(&h, ev->payload);
	if (ev->has_nonce)
		crypto_hash_sha256_update(&h, ev->nonce, 32);
	crypto_hash_sha256_final(&h, out);
}

int store_event_append(struct db *db, struct event_row *ev)
{
	unsigned char prev[32] = { 0 }, hash[32];
	int rc;
	int priv = ev->audience == AUD_MEMBER;
	/* A private event takes a chain seq but no wire seq: the others
	 * subscribed see no gap for it. */
	sqlite3_stmt *bump = db_prep(db, "UPDATE coalitions SET last_seq = last_seq + 1,"
	                                 " wire_seq = wire_seq + ?2 WHERE id = ?1 RETURNING last_seq, wire_seq");
	sqlite3_stmt *pnext = db_prep(db, "SELECT COALESCE(MAX(pseq), 0) + 1 FROM events"
	                                  " WHERE coalition_id = ? AND audience_member = ? AND pseq IS NOT NULL");
	sqlite3_stmt *last = db_prep(db, "SELECT hash FROM events WHERE coalition_id = ? AND seq = ?");
	sqlite3_stmt *ins = db_prep(db, "INSERT INTO events(coalition_id, seq, type, audience,"
	                                " audience_member, actor, at, payload, prev, hash, wire_seq, pseq, nonce)"
	                                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!bump || !pnext || !last || !ins)
		return RT_EINTERNAL;

	sqlite3_bind_int64(bump, 1, ev->coalition_id);
	sqlite3_bind_int(bump, 2, priv ? 0 : 1);
	if ((rc = sqlite3_step(bump)) != SQLITE_ROW) {
		sqlite3_reset(bump);
		return rc == SQLITE_DONE ? RT_ENOTFOUND : RT_EINTERNAL;
	}
	ev->seq = sqlite3_column_int64(bump, 0);
	/* A private event is placed before the next shared one. */
	ev->wire_seq = sqlite3_column_int64(bump, 1) + (priv ? 1 : 0);
	sqlite3_reset(bump);

	ev->pseq = 0;
	ev->has_nonce = priv;
	if (priv) {
		sqlite3_bind_int64(pnext, 1, ev->coalition_id);
		sqlite3_bind_int64(pnext, 2, ev->audience_member);
		rc = sqlite3_step(pnext);
		if (rc == SQLITE_ROW)
			ev->pseq = sqlite3_column_int64(pnext, 0);
		sqlite3_reset(pnext);
		if (rc != SQLITE_ROW)
			return RT_EINTERNAL;
		randombytes_buf(ev->nonce, sizeof ev->nonce);
	}

	/* The previous entry's hash; a failed read must not chain to zeros. */
	sqlite3_bind_int64(last, 1, ev->coalition_id);
	sqlite3_bind_int64(last, 2, ev->seq - 1);
	rc = sqlite3_step(last);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(last, 0) == 32)
		memcpy(prev, sqlite3_column_blob(last, 0), 32);
	sqlite3_reset(last);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return RT_EINTERNAL;

	rt_now(ev->at);
	event_hash(hash, prev, ev);
	sqlite3_bind_int64(ins, 1, ev->coalition_id);
	sqlite3_bind_int64(ins, 2, ev->seq);
	sqlite3_bind_text(ins, 3, ev->type, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 4, ev->audience);
	if (ev->audience == AUD_MEMBER)
		sqlite3_bind_int64(ins, 5, ev->audience_member);
	if (ev->actor)
		sqlite3_bind_int64(ins, 6, ev->actor);
	sqlite3_bind_text(ins, 7, ev->at, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 8, ev->payload, -1, SQLITE_STATIC);
	sqlite3_bind_blob(ins, 9, prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(ins, 10, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 11, ev->wire_seq);
	if (priv) {
		sqlite3_bind_int64(ins, 12, ev->pseq);
		sqlite3_bind_blob(ins, 13, ev->nonce, 32, SQLITE_STATIC);
	}
	return db_step_done(db, ins);
}

static void row_from_stmt(struct event_row *ev, sqlite3_stmt *st, int64_t coalition_id)
{
	ev->coalition_id = coalition_id;
	ev->seq = sqlite3_column_int64(st, 0);
	ev->type = db_col_text(st, 1);
	ev->audience = sqlite3_column_int(st, 2);
	ev->audience_member = sqlite3_column_int64(st, 3);
	ev->actor = sqlite3_column_int64(st, 4);
	snprintf(ev->at, sizeof ev->at, "%s", db_col_text(st, 5));
	ev->payload = db_col_text(st, 6);
	ev->wire_seq = sqlite3_column_type(st, 7) == SQLITE_NULL ? ev->seq : sqlite3_column_int64(st, 7);
	ev->pseq = sqlite3_column_int64(st, 8);
	ev->has_nonce = sqlite3_column_bytes(st, 9) == 32;
	if (ev->has_nonce)
		memcpy(ev->nonce, sqlite3_column_blob(st, 9), 32);
}

#define EVENT_COLS "seq, type, audience, audience_member, actor, at, payload, wire_seq, pseq, nonce" 

int store_events_since(struct db *db, int64_t coalition_id, int64_t since, int64_t since_private,
                       int64_t after, int64_t member_id, unsigned roles, int limit,
                       event_row_fn fn, void *ud)
{
	struct event_row ev;
	int n = 0, err = RT_OK, rc;
	/* Every event after the wire seq `since` comes after the last row placed
	 * at or before it in the chain: start there, on the index. */
	sqlite3_stmt *start = db_prep(db, "SELECT seq FROM events WHERE coalition_id = ? AND wire_seq <= ?"
	                                  " ORDER BY wire_seq DESC, seq DESC LIMIT 1");
	sqlite3_stmt *st = db_prep(db,
		"SELECT " EVENT_COLS " FROM events"
		" WHERE coalition_id = ?1 AND seq > ?2 AND ((audience = 0 AND wire_seq > ?3)"
		" OR (audience = 1 AND ?4 AND wire_seq > ?3)"
		" OR (audience = 2 AND audience_member = ?5 AND (CASE WHEN ?6 >= 0 AND pseq IS NOT NULL"
		"     THEN pseq > ?6 ELSE wire_seq > ?3 END))) ORDER BY seq LIMIT ?7");
	if (!start || !st)
		return RT_EINTERNAL;
	if (since > 0) {
		sqlite3_bind_int64(start, 1, coalition_id);
		sqlite3_bind_int64(start, 2, since);
		rc = sqlite3_step(start);
		if (rc == SQLITE_ROW && sqlite3_column_int64(start, 0) > after)
			after = sqlite3_column_int64(start, 0);
		sqlite3_reset(start);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return RT_EINTERNAL;
	}
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int(st, 4, (roles & ROLE_CONVENER) ? 1 : 0);
	sqlite3_bind_int64(st, 5, member_id);
	sqlite3_bind_int64(st, 6, since_private);
	sqlite3_bind_int(st, 7, limit);
	while (step_row(st, &err)) {
		row_from_stmt(&ev, st, coalition_id);
		if (fn(&ev, ud) != 0)
			break;
		n++;
	}
	sqlite3_reset(st);
	return err ? err : n; /* a read that failed midway is not "caught up" */
}

/* One integer of a coalition's row (sql: a literal selecting it by id), 0
 * if it cannot be read. */
static int64_t coalition_int(struct db *db, const char *sql, int64_t coalition_id)
{
	int64_t v = 0;
	sqlite3_stmt *st = db_prep(db, sql);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, coalition_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int64_t store_events_last_seq(struct db *db, int64_t coalition_id)
{
	return coalition_int(db, "SELECT last_seq FROM coalitions WHERE id = ?", coalition_id);
}

int64_t store_events_wire_seq(struct db *db, int64_t coalition_id)
{
	return coalition_int(db, "SELECT wire_seq FROM coalitions WHERE id = ?", coalition_id);
}

int64_t store_events_last_pseq(struct db *db, int64_t coalition_id, int64_t member_id)
{
	int64_t seq = 0;
	sqlite3_stmt *st = db_prep(db, "SELECT COALESCE(MAX(pseq), 0) FROM events"
	                               " WHERE coalition_id = ? AND audience_member = ? AND pseq IS NOT NULL");
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, member_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return seq;
}

static json_t *hex_json(const void *blob, int len)
{
	char hex[65];
	if (!blob || len != 32)
		return json_null();
	sodium_bin2hex(hex, sizeof hex, blob, 32);
	return json_string(hex);
}

int store_audit_list(struct db *db, int64_t coalition_id, int64_t after, int limit,
                     json_t **out, int *more)
{
	sqlite3_stmt *st = db_prep(db, "SELECT seq, type, actor, at, hash, prev,"
	                               " CASE WHEN pseq IS NULL THEN COALESCE(wire_seq, seq) END FROM events"
	                               " WHERE coalition_id = ? AND seq > ? ORDER BY seq LIMIT ?");
	json_t *arr;
	int n = 0, err = RT_OK;
	if (!st)
		return RT_EINTERNAL;
	arr = json_array();
	sqlite3_bind_int64(st, 1, coalition_id);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int(st, 3, limit + 1);
	while (step_row(st, &err)) {
		if (++n > limit)
			break;
		if (json_array_append_new(arr, json_pack("{s:I, s:o, s:s, s:o, s:s, s:o, s:o}",
			"seq", (json_int_t)sqlite3_column_int64(st, 0),
			"event_seq", sqlite3_column_type(st, 6) == SQLITE_NULL ? json_null()
			             : json_integer(sqlite3_column_int64(st, 6)),
			"type", db_col_text(st, 1),
			"actor", sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null()
			         : json_integer(sqlite3_column_int64(st, 2)),
			"at", db_col_text(st, 3),
			"hash", hex_json(sqlite3_column_blob(st, 4), sqlite3_column_bytes(st, 4)),
			"prev", hex_json(sqlite3_column_blob(st, 5), sqlite3_column_bytes(st, 5)))))
			err = RT_EINTERNAL;
	}
	sqlite3_reset(st);
	*more = n > limit;
	return list_out(arr, err, out);
}

int store_audit_verify(struct db *db, int64_t coalition_id, int *ok, int64_t *entries,
                       int64_t *bad_seq, char **head)
{
	unsigned char expect_prev[32] = { 0 }, h[32];
	struct event_row ev;
	int64_t n = 0, want_seq = 1;
	int err = RT_OK;
	char hex[65] = "";
	sqlite3_stmt *st = db_prep(db,
		"SELECT " EVENT_COLS ", prev, hash FROM events WHERE coalition_id = ? ORDER BY seq");
	if (!st)
		return RT_EINTERNAL;
	*ok = 1;
	*bad_seq = 0;
	sqlite3_bind_int64(st, 1, coalition_id);
	while (step_row(st, &err)) {
		const void *prev = sqlite3_column_blob(st, 10), *hash = sqlite3_column_blob(st, 11);
		row_from_stmt(&ev, st, coalition_id);
		n++;
		event_hash(h, expect_prev, &ev);
		/* A gap in seq means a removed row; a hash mismatch an edited one. */
		if (ev.seq != want_seq || sqlite3_column_bytes(st, 10) != 32 || sqlite3_column_bytes(st, 11) != 32 ||
		    memcmp(prev, expect_prev, 32) != 0 || memcmp(hash, h, 32) != 0) {
			if (*ok) {
				*ok = 0;
				*bad_seq = ev.seq < want_seq ? ev.seq : want_seq;
			}
		}
		/* Go on from the stored hash so one bad row is reported, not all after it. */
		if (sqlite3_column_bytes(st, 11) == 32)
			memcpy(expect_prev, hash, 32);
		want_seq = ev.seq + 1;
	}
	sqlite3_reset(st);
	if (err) /* a chain read in part is not verified */
		return err;
	/* Rows removed from the end: the coalition's counter says more exist. */
	if (*ok && want_seq - 1 != store_events_last_seq(db, coalition_id)) {
		*ok = 0;
		*bad_seq = want_seq;
	}
	if (n)
		sodium_bin2hex(hex, sizeof hex, expect_prev, 32);
	*entries = n;
	*head = strdup(hex);
	return *head ? RT_OK : RT_EINTERNAL;
}
