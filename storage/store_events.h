/*
 * store_events.h: the per-coalition event log. Each change of a coalition is
 * one row: it is replayed to subscribers after a reconnect, and the rows form
 * a SHA-256 hash chain that makes the log the tamper-evident audit trail.
 */
#ifndef RT_STORE_EVENTS_H
#define RT_STORE_EVENTS_H

#include "db.h"
#include <jansson.h>

enum event_audience { AUD_ALL = 0, AUD_CONVENERS = 1, AUD_MEMBER = 2 };

struct event_row {
	int64_t coalition_id, seq;
	const char *type;
	int audience;
	int64_t audience_member; /* AUD_MEMBER only */
	int64_t actor;           /* 0: nobody is named */
	char at[21];
	const char *payload;     /* JSON text */
	/* What subscribers see: an event for everyone or for conveners has the
	 * coalition's next wire_seq; an event for one member (AUD_MEMBER) takes
	 * none (wire_seq is then the next shared one, its place in a replay) and
	 * has pseq, its number among that member's own events. */
	int64_t wire_seq, pseq;
	int has_nonce;           /* private rows: hashed with a secret nonce */
	unsigned char nonce[32];
};

/* Appends an event: gives it the coalition's next seq (its place in the
 * audit chain), its wire_seq or pseq, and chains its hash (a private event
 * with a random nonce). Fills ev->seq, wire_seq, pseq and at. Call inside a
 * write transaction. */
int store_event_append(struct db *db, struct event_row *ev);

/* Calls fn for each event of the coalition that a member with these roles
 * may see and that comes after the wire seq `since` (the member's own private
 * events: after pseq `since_private` when >= 0, otherwise those placed after
 * `since`) and after the chain seq `after` (a cursor for the next batch, 0 at
 * first), in chain order, at most limit of them, until fn
 * returns non-zero (that event is not counted). Returns the number delivered
 * (>= 0) or an rt_err: also when the read failed after some events were
 * delivered, so a caller never takes a cut-short read for the end of the
 * log. ev->payload is valid during fn only. */
typedef int (*event_row_fn)(const struct event_row *ev, void *ud);
int store_events_since(struct db *db, int64_t coalition_id, int64_t since, int64_t since_private,
                       int64_t after, int64_t member_id, unsigned roles, int limit,
                       event_row_fn fn, void *ud);
/* The coalition's latest chain seq (every event, private ones too). */
int64_t store_events_last_seq(struct db *db, int64_t coalition_id);
/* The coalition's latest wire seq (what subscribers see). */
int64_t store_events_wire_seq(struct db *db, int64_t coalition_id);
/* The pseq of the member's latest private event in the coalition (0: none). */
int64_t store_events_last_pseq(struct db *db, int64_t coalition_id, int64_t member_id);

/* Audit entries after seq `after`: [{seq, event_seq, type, actor, at, hash,
 * prev}], at most limit; event_seq is the seq subscribers saw (null for an
 * event to one member from schema 010 on, which has none). */
int store_audit_list(struct db *db, int64_t coalition_id, int64_t after, int limit,
                     json_t **out, int *more);
/* Recomputes the chain. *ok is 1 when every row's hash matches its content
 * and its predecessor; otherwise *bad_seq is the first row that does not.
 * *head is the hex hash of the last row (caller frees with free). */
int store_audit_verify(struct db *db, int64_t coalition_id, int *ok, int64_t *entries,
                       int64_t *bad_seq, char **head);

#endif
